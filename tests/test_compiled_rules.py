"""The model's sequences compiled for the array engine (simsales/engine/array/compiled_rules.py).

Property (Hypothesis): the compiled decision and orbit move on rows of the array
engine's buyers give, row by row, what the SimPy engine's Python gives for the same
buyers and the same uniforms, bit for bit: the result, the fields they change, and
how many uniforms they took (and the utilities the decision rests on); and a row's
result does not depend on the other rows asked with it. Known-answer: the compiled
namespace's functions are :mod:`math`'s.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsales.counter_streams import path_keys, uniform_at
from simsales.engine.array import compiled_rules
from simsales.engine.array.buyers import Buyers
from simsales.model import sequences, valuation
from simsales.model.array_draws import ArrayDraws
from simsales.model.behaviour import Behaviour
from simsales.model.orbits import Orbit
from simsales.model.xp import SCALAR
from simsales.seeding import counter_root, replication_seeds

ROOT = counter_root(replication_seeds(11, 0).decisions)
WIDTH = 8
_FLOATS = ("r", "k", "tailor", "revealed", "rival_edge", "urgency", "indecision")
_GROUP = ("w_ours", "w_rival", "ea", "eb", "lam")


class _Stream:
    """A buyer's counter-based stream read in turn, as the SimPy engine's ``rng``."""

    def __init__(self, k0: np.uint64, k1: np.uint64) -> None:
        self.k0, self.k1, self.used = k0, k1, 0

    def random(self) -> float:
        u = float(uniform_at(self.k0, self.k1, self.used))
        self.used += 1
        return u


def _buyers(b: Behaviour, size: int, seed: int) -> Buyers:
    """``size`` buyers at ACQUISITION with random fields (groups of 1 to 8)."""
    rng = np.random.default_rng(seed)
    s = Buyers(b, WIDTH)
    s.reserve(size)
    s.size = size
    a = s.a
    a["n"][:size] = rng.integers(1, WIDTH + 1, size)
    a["r"][:size] = rng.lognormal(1.4, 0.6, size)
    for name in ("k", "tailor", "revealed", "urgency", "indecision"):
        a[name][:size] = rng.uniform(0.0, 1.0, size)
    a["urgency"][: size // 3] = 0.0  # no felt loss: the framing term drops
    a["rival_edge"][:size] = rng.normal(0.3, 0.5, size)
    a["rival"][:size] = rng.uniform(size=size) < 0.5
    a["chose_us"][:size] = rng.uniform(size=size) < 0.3
    a["rejections"][:size] = rng.integers(0, 3, size)
    a["stalls"][:size] = rng.integers(0, 3, size)
    a["orbit"][:size] = int(Orbit.ACQUISITION)
    a["max_orbit"][:size] = int(Orbit.ACQUISITION)
    a["last_progress"][:size] = rng.uniform(0.0, 100.0, size)
    a["w_ours"][:size] = rng.uniform(0.3, 1.0, (size, WIDTH))
    a["w_rival"][:size] = rng.uniform(0.3, 1.0, (size, WIDTH))
    a["ea"][:size] = np.exp(rng.normal(0.0, 0.5, (size, WIDTH)))
    a["eb"][:size] = np.exp(rng.normal(0.0, 0.5, (size, WIDTH)))
    a["lam"][:size] = rng.lognormal(0.8, 0.3, (size, WIDTH))
    return s


def _one(s: Buyers, i: int) -> SimpleNamespace:
    """Row ``i`` as the SimPy engine's buyer holds it: floats, and lists of its group."""
    a, n = s.a, int(s.a["n"][i])
    one = SimpleNamespace(
        n=n, loss_term=s.loss_term, orbit=Orbit(int(a["orbit"][i])),
        max_orbit=Orbit(int(a["max_orbit"][i])), last_progress=float(a["last_progress"][i]),
    )  # fmt: skip
    for name in _FLOATS:
        setattr(one, name, float(a[name][i]))
    for name in ("rival", "chose_us"):
        setattr(one, name, bool(a[name][i]))
    for name in ("rejections", "stalls"):
        setattr(one, name, int(a[name][i]))
    for name in _GROUP:
        setattr(one, name, a[name][i, :n].tolist())
    return one


@settings(max_examples=60, deadline=None)
@given(
    rule=st.sampled_from(["consensus", "majority", "champion"]),
    temperature=st.sampled_from([0.0, 0.3, 1.0, 3.0]),
    framing=st.booleans(),
    max_rejections=st.integers(1, 3),
    max_stalls=st.integers(1, 3),
    size=st.integers(1, 12),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_the_compiled_decision_is_the_simpy_engines_bit_for_bit(
    rule, temperature, framing, max_rejections, max_stalls, size, seed, data
):
    b = Behaviour(
        decision_rule=rule, temperature=temperature, urgency_framing=framing,
        max_rejections=max_rejections, max_stalls=max_stalls,
    )  # fmt: skip
    s = _buyers(b, size, seed)
    before = _buyers(b, size, seed)  # the same buyers, untouched
    k0, k1 = path_keys(ROOT, np.arange(size)[:, None] + seed, np.ones(size, np.int64))
    draws = ArrayDraws(k0, k1)
    rows = np.array(data.draw(st.permutations(range(size))), dtype=np.int64)
    rows = rows[: data.draw(st.integers(1, size))]  # some rows, in any order
    codes = compiled_rules.decide_rows(s, rows, draws)
    for q, i in enumerate(rows.tolist()):
        stream = _Stream(k0[i], k1[i])
        code, rejections, orbit, chose_us, stalls = sequences.decide(
            SCALAR, _one(before, i), b, stream
        )
        assert codes[q] == code
        assert (s.rejections[i], s.orbit[i], s.chose_us[i], s.stalls[i]) == (
            rejections, orbit, chose_us, stalls,
        )  # fmt: skip
        assert draws.used[i] == stream.used  # the same uniforms taken
    untouched = np.setdiff1d(np.arange(size), rows)
    assert (draws.used[untouched] == 0).all()
    for name in ("rejections", "orbit", "chose_us", "stalls"):
        assert np.array_equal(s.a[name][untouched], before.a[name][untouched])


@settings(max_examples=60, deadline=None)
@given(
    temperature=st.sampled_from([0.0, 0.3, 1.0, 3.0]),
    back=st.sampled_from([0.0, 0.3, 1.0]),
    size=st.integers(1, 12),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_the_compiled_orbit_move_is_the_simpy_engines_bit_for_bit(
    temperature, back, size, seed, data
):
    b = Behaviour(temperature=temperature, back_probability=back)
    s, before = _buyers(b, size, seed), _buyers(b, size, seed)
    rng = np.random.default_rng(seed)
    for x in (s, before):  # the middle orbits, POTENTIAL to OBSERVATION
        x.a["orbit"][:size] = rng.integers(int(Orbit.POTENTIAL), int(Orbit.ACQUISITION), size)
        x.a["max_orbit"][:size] = x.a["orbit"][:size] + rng.integers(0, 2, size)
        rng = np.random.default_rng(seed)  # the same for both
    k0, k1 = path_keys(ROOT, np.arange(size)[:, None] + seed, np.ones(size, np.int64))
    draws = ArrayDraws(k0, k1)
    rows = np.array(data.draw(st.permutations(range(size))), dtype=np.int64)
    rows = rows[: data.draw(st.integers(1, size))]
    now = np.linspace(200.0, 300.0, len(rows))
    compiled_rules.move_rows(s, rows, now, draws)
    for q, i in enumerate(rows.tolist()):
        stream = _Stream(k0[i], k1[i])
        _, orbit, max_orbit, last = sequences.move(SCALAR, _one(before, i), b, stream, now[q])
        assert (s.orbit[i], s.max_orbit[i], s.last_progress[i]) == (orbit, max_orbit, last)
        assert draws.used[i] == stream.used
    untouched = np.setdiff1d(np.arange(size), rows)
    for name in ("orbit", "max_orbit", "last_progress"):
        assert np.array_equal(s.a[name][untouched], before.a[name][untouched])


@numba.njit
def _utilities(xp, p, i, loss_term, f, rival):  # type: ignore[no-untyped-def]
    row = compiled_rules.row_at(i, loss_term, f)
    return valuation.utilities(xp, row, p, rival), valuation.mean_utility(xp, row, p, rival)


@settings(max_examples=40, deadline=None)
@given(framing=st.booleans(), rival=st.booleans(), seed=st.integers(0, 2**16))
def test_the_compiled_utilities_are_the_simpy_engines_bit_for_bit(framing, rival, seed):
    # the valuation the decision rests on, compared number by number (a change of a
    # last place rarely flips a decision, so the test above alone would miss it)
    b = Behaviour(urgency_framing=framing)
    s = _buyers(b, 20, seed)
    p, f = compiled_rules.params(s), compiled_rules.fields(s)
    for i in range(20):
        got, got_mean = _utilities(compiled_rules.COMPILED, p, i, s.loss_term, f, rival)
        assert got.tolist() == valuation.utilities(SCALAR, _one(s, i), b, rival)
        # the group's mean, summed left to right on both (not by Python 3.12's sum)
        assert got_mean == valuation.mean_utility(SCALAR, _one(s, i), b, rival)


def test_rows_beyond_the_buyers_are_refused():
    b = Behaviour()
    s = _buyers(b, 3, 1)
    k0, k1 = path_keys(ROOT, np.arange(3)[:, None], np.ones(3, np.int64))
    draws = ArrayDraws(k0, k1)
    beyond = np.array([len(s.a["n"])])  # past the arrays' capacity
    with pytest.raises(IndexError, match="beyond the buyers"):
        compiled_rules.decide_rows(s, beyond, draws)
    with pytest.raises(IndexError, match="beyond the buyers"):
        compiled_rules.move_rows(s, beyond, np.zeros(1), draws)
    with pytest.raises(ValueError, match="one time for each row"):
        compiled_rules.move_rows(s, np.arange(2), np.zeros(1), draws)
    s.per_cell["temperature"] = np.array([0.5, 2.0])  # a field the sequences read once
    with pytest.raises(NotImplementedError, match="temperature"):
        compiled_rules.decide_rows(s, np.arange(2), draws)


def test_the_compiled_namespace_is_maths():
    @numba.njit
    def apply(xp, x, y):  # type: ignore[no-untyped-def]
        return (
            xp.exp(x), xp.expm1(x), xp.log(y), xp.sqrt(y), xp.pow(y, x), xp.maximum(x, y),
            xp.minimum(x, y), xp.clip(x, -0.5, 0.5), xp.where(x > 0, 1.0, 0.0), xp.col(x),
        )  # fmt: skip

    rng = np.random.default_rng(5)
    for x, y in zip(rng.normal(0, 3, 200), rng.lognormal(0, 2, 200), strict=True):
        want = (
            math.exp(x), math.expm1(x), math.log(y), math.sqrt(y), math.pow(y, x), max(x, y),
            min(x, y), SCALAR.clip(x, -0.5, 0.5), 1.0 if x > 0 else 0.0, x,
        )  # fmt: skip
        assert apply(compiled_rules.COMPILED, float(x), float(y)) == want
