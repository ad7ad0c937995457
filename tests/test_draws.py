"""Scalar draws taken in blocks (simsales.model.draws): statistics and invariants.

Statistical tests compare 20,000 draws with the distribution's moments or
probabilities, within 4 standard errors, at fixed seeds.
"""

from __future__ import annotations

import math
import pickle
from array import array
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from simsales.model.draws import BLOCK, Draws
from simsales.seeding import generator

N = 20_000
SEED = np.random.SeedSequence(7)


def draws(key: int = 0, first: Sequence[float] | None = None) -> Draws:
    return Draws(SEED, (key,), first)


# ------------------------------------------------------------ known answers
def test_uniforms_are_the_streams_own_in_order():
    d = draws(3)
    got = [d.random() for _ in range(3 * BLOCK + 5)]
    want = generator(SEED, 3).random(4 * BLOCK)[: 3 * BLOCK + 5]
    np.testing.assert_array_equal(got, want)


def test_first_uniforms_come_before_the_stream():
    first = [0.125, 0.5, 0.75]
    d = draws(4, first)
    assert [d.random() for _ in range(3)] == first
    assert d.random() == generator(SEED, 4).random(BLOCK)[0]


def test_a_row_of_a_block_as_an_array_gives_its_floats_then_the_stream():
    # as the engine hands a marketing lead its row (simulation._Simulation.draws)
    block = generator(SEED, 9).random((4, 6))
    d = draws(4, array("d", block[2].tobytes()))
    assert pickle.loads(pickle.dumps(d)).random() == block[2, 0]  # a copy goes on alike
    got = [d.random() for _ in range(7)]
    assert all(type(u) is float for u in got)  # Python floats, not numpy scalars
    assert got[:6] == block[2].tolist()
    assert got[6] == generator(SEED, 4).random(BLOCK)[0]


def test_exponential_and_integers_are_inversions():
    d = draws(5, [0.5, 0.25])
    assert d.exponential(2.0) == pytest.approx(2.0 * math.log(2.0))
    assert draws(5, [0.25]).integers(8) == 2
    assert d.integers(4) == 1  # floor(0.25 * 4)


def test_poisson_inversion_boundaries():
    # P(0) = exp(-1) = 0.3679, P(<=1) = 0.7358, P(<=2) = 0.9197
    assert draws(6, [0.30]).poisson(1.0) == 0
    assert draws(6, [0.40]).poisson(1.0) == 1
    assert draws(6, [0.80]).poisson(1.0) == 2
    assert draws(6, [0.0]).poisson(0.0) == 0


# ------------------------------------------------------------ statistics
def test_exponential_mean_and_sd():
    d = draws(10)
    x = np.array([d.exponential(3.0) for _ in range(N)])
    se = 3.0 / math.sqrt(N)
    assert abs(x.mean() - 3.0) < 4 * se
    assert abs(x.std() - 3.0) < 4 * 3.0 / math.sqrt(N) * 1.5  # sd of the sd (kurtosis 9)


def test_normal_moments_and_shape():
    d = draws(11)
    x = np.array([d.normal(1.0, 2.0) for _ in range(N)])
    assert abs(x.mean() - 1.0) < 4 * 2.0 / math.sqrt(N)
    assert abs(x.std() - 2.0) < 4 * 2.0 / math.sqrt(2 * N)
    assert stats.kstest((x - 1.0) / 2.0, "norm").pvalue > 1e-3


@pytest.mark.parametrize("lam", [0.02, 1.0, 7.5, 60.0])
def test_poisson_pmf(lam):
    d = draws(12)
    x = np.array([d.poisson(lam) for _ in range(N)])
    assert abs(x.mean() - lam) < 4 * math.sqrt(lam / N)
    for k in range(int(lam) + 2):
        p = stats.poisson.pmf(k, lam)
        assert abs(np.mean(x == k) - p) < 4 * math.sqrt(p * (1 - p) / N) + 1e-4


def test_integers_are_uniform():
    d = draws(13)
    x = np.array([d.integers(5) for _ in range(N)])
    counts = np.bincount(x, minlength=5)
    assert counts.sum() == N and x.min() == 0 and x.max() == 4
    assert stats.chisquare(counts).pvalue > 1e-3


# ------------------------------------------------------------ properties
@given(st.integers(0, 2**32 - 1), st.integers(0, 100))
def test_draws_are_a_pure_function_of_seed_and_key(key, n):
    a, b = draws(key), draws(key)
    assert [a.random() for _ in range(n)] == [b.random() for _ in range(n)]


@given(st.floats(0.0, 1.0, exclude_max=True))
def test_every_draw_is_in_its_support(u):
    assert draws(0, [u]).exponential(1.0) >= 0
    assert 0 <= draws(0, [u]).integers(3) <= 2
    assert draws(0, [u]).poisson(2.0) >= 0
    assert 0 <= draws(0, [u]).random() < 1


def test_poisson_inversion_stops_at_the_top_of_the_cdf():
    """A uniform in the last ulps above the summed CDF gives a tail value, not a runaway."""
    for lam in (10.0, 25.0, 29.99, 30.0):
        assert draws(0, [1.0 - 2.0**-53]).poisson(lam) <= lam + 20 * math.sqrt(lam)
