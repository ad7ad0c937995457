"""Many customers' draws at once (simsales/model/array_draws.py).

Property (Hypothesis): whatever the masks and group sizes asked for, each
customer's draws are its own stream's uniforms in order, and a customer's draws
do not depend on the other customers of the batch (common random numbers under
batching). Statistical: exponential and normal draws against their
distributions (Kolmogorov-Smirnov at a fixed root key).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simsales.counter_streams import path_keys, uniforms
from simsales.model.array_draws import ArrayDraws
from simsales.seeding import counter_root, replication_seeds

ROOT = counter_root(replication_seeds(3, 0).decisions)


def _keys(ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    return path_keys(ROOT, np.array(ids)[:, None], np.ones(len(ids), dtype=np.int64))


@settings(max_examples=80, deadline=None)
@given(
    b=st.integers(1, 6),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["random", "group"]), st.integers(0, 2**6 - 1), st.integers(1, 12)
        ),
        max_size=25,
    ),
)
def test_each_customer_gets_its_own_stream_in_order(b, steps):
    k0, k1 = _keys(list(range(b)))
    draws = ArrayDraws(k0, k1)
    seen: list[list[float]] = [[] for _ in range(b)]
    for kind, bits, size in steps:
        m = np.array([(bits >> i) & 1 == 1 for i in range(b)])
        if kind == "random":
            u = draws.random(m)
            for i in range(b):
                if m[i]:
                    seen[i].append(float(u[i]))
                else:
                    assert np.isnan(u[i])
        else:
            n = np.array([1 + (size + i) % 5 for i in range(b)])
            u = draws.group(n, m)
            for i in range(b):
                if m[i]:
                    seen[i].extend(u[i, : n[i]].tolist())
                    assert np.isnan(u[i, n[i] :]).all()
    for i in range(b):
        assert draws.used[i] == len(seen[i])
        # alone, and read straight from the stream: the same uniforms
        want = uniforms(k0[i : i + 1], k1[i : i + 1], 0, len(seen[i]))[0]
        assert np.array_equal(np.array(seen[i]), want)


def test_per_stream_starts_read_the_same_uniforms():
    k0, k1 = _keys([4, 5, 6])
    starts = np.array([0, 3, 10])
    block = uniforms(k0, k1, starts, 5)
    for i, s in enumerate(starts):
        assert np.array_equal(block[i], uniforms(k0[i : i + 1], k1[i : i + 1], int(s), 5)[0])


def test_a_customer_added_under_several_strategies_draws_the_same_numbers_in_each():
    # one customer under three strategies (rows 0, 3, 6 are the same stream), added
    # in one call or in three; a row's draws do not move another's
    k0, k1 = _keys([1, 2, 3])
    once = ArrayDraws(np.tile(k0, 3), np.tile(k1, 3))
    thrice = ArrayDraws(np.zeros(0, np.uint64), np.zeros(0, np.uint64))
    for _ in range(3):
        thrice.extend(k0, k1)
    thrice.random_at(np.array([0, 4]))  # two rows move on alone
    got = thrice.group_at(np.arange(9), np.full(9, 3))
    want = once.group_at(np.arange(9), np.full(9, 3))
    np.testing.assert_array_equal(got[[1, 2, 3, 5, 6, 7, 8]], want[[1, 2, 3, 5, 6, 7, 8]])
    np.testing.assert_array_equal(got[[0, 4]], uniforms(k0[:2], k1[:2], 1, 3))
    np.testing.assert_array_equal(want[:3], want[3:6])  # the same customer, the same numbers


def test_draws_follow_their_distributions():
    k0, k1 = _keys(list(range(20_000)))
    everyone = np.ones(20_000, dtype=bool)
    draws = ArrayDraws(k0, k1)
    e = draws.exponential(2.0, everyone)
    z = draws.normal(1.0, 3.0, everyone)
    assert stats.kstest(e, "expon", args=(0, 2.0)).pvalue > 1e-3
    assert stats.kstest(z, "norm", args=(1.0, 3.0)).pvalue > 1e-3
    assert (draws.used == 3).all()  # one uniform for the exponential, two for the normal


def test_a_mask_that_selects_nobody_draws_nothing():
    k0, k1 = _keys([1, 2])
    draws = ArrayDraws(k0, k1)
    nobody = np.zeros(2, dtype=bool)
    assert np.isnan(draws.random(nobody)).all()
    assert np.isnan(draws.normal(0.0, 1.0, nobody)).all()
    assert (draws.used == 0).all()
    with pytest.raises(ValueError, match="n >= 0"):
        draws.group([2, -1], np.ones(2, dtype=bool))
    none = np.zeros(0, dtype=np.uint64)
    assert ArrayDraws(none, none).random(np.zeros(0, dtype=bool)).shape == (0,)
    for bad in (np.array([100_000]), np.array([-1])):  # beyond the streams: refused
        with pytest.raises(IndexError, match="beyond the streams"):
            draws.random_at(bad)
        with pytest.raises(IndexError, match="beyond the streams"):
            draws.group_at(bad, [2])
