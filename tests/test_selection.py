"""Kim & Nelson's KN: known answers, the probability of correct selection, batches."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from simsales.analysis.selection import (
    kn_constants,
    kn_select,
    kn_select_values,
    select_sequential,
)
from simsales.analysis.tables import AnalysisError

from worlds import SCALE


def _long(values: np.ndarray, names: list[str], metric: str = "m") -> pd.DataFrame:
    n, k = values.shape
    return pd.DataFrame(
        {
            "replication": np.repeat(np.arange(n), k),
            "strategy": np.tile(names, n),
            metric: values.reshape(-1),
        }
    )


# ---------------------------------------------------------------- known answers


def test_constants_known_answer():
    # c = 1: eta = ((2 alpha / (k - 1))^(-2 / (n0 - 1)) - 1) / 2, h2 = 2 eta (n0 - 1)
    eta, h2 = kn_constants(2, 10, 0.05)
    assert eta == pytest.approx((10 ** (2 / 9) - 1) / 2)
    assert h2 == pytest.approx(9 * (10 ** (2 / 9) - 1))
    eta, h2 = kn_constants(2, 3, 0.05)
    assert (eta, h2) == pytest.approx((4.5, 18.0))


def _hand_worked() -> np.ndarray:
    # k = 2, n0 = 3, alpha = 0.05: eta = 4.5, h2 = 18. A - B = 1, 3, 2 in the
    # first stage, S2 = 1; delta = 1: N = floor(18) = 18, W(r) = (18 - r) / (2r).
    # The difference stays at 2 on average: W(3) = 2.5 > 2 keeps B, W(4) = 1.75
    # < 2 drops it. A is selected after 4 replications.
    b = np.array([5.0, 4.0, 6.0, 5.0, 5.0, 5.0])
    a = b + np.array([1.0, 3.0, 2.0, 2.0, 2.0, 2.0])
    return np.column_stack([a, b])


def test_hand_worked_example():
    sel = kn_select_values(_hand_worked(), ["A", "B"], delta=1.0, alpha=0.05, n0=3)
    assert sel.best == "A" and sel.decided
    assert sel.replications == 4
    assert sel.eliminated == {"B": 4}
    assert sel.means == pytest.approx({"A": 7.0, "B": 5.0})
    assert "A is best on value (higher is better) within δ = 1" in sel.statement
    assert "P(CS) ≥ 0.95" in sel.statement and "after 4 replications" in sel.statement


def test_minimise_is_maximising_the_negated_outputs():
    sel = kn_select_values(-_hand_worked(), ["A", "B"], 1.0, 0.05, 3, minimise=True)
    assert sel.best == "A" and sel.replications == 4
    assert sel.means == pytest.approx({"A": -7.0, "B": -5.0})
    assert "lower is better" in sel.statement


def test_undecided_with_the_replications_available():
    sel = kn_select_values(_hand_worked()[:3], ["A", "B"], 1.0, 0.05, 3)
    assert sel.best is None and not sel.decided
    assert sel.survivors == ("A", "B")
    # W = 0 from stage N + 1 = 19 on: KN has stopped by then
    assert sel.bound == 19 and sel.more_needed == 16
    assert sel.statement.startswith("undecided with the 3 replications available")
    assert "at most 19 replications (16 more)" in sel.statement


def test_too_few_for_the_first_stage():
    sel = kn_select_values(_hand_worked()[:2], ["A", "B"], 1.0, 0.05, 3)
    assert sel.best is None and sel.bound is None and sel.more_needed == 1


def test_no_spread_decides_at_the_first_stage():
    # Differences constant: S2 = 0, N = 0, so KN selects the best mean after n0.
    base = np.random.default_rng(1).normal(0, 1, 30)
    values = base[:, None] + np.array([0.0, 0.3, 0.1])
    sel = kn_select_values(values, ["a", "b", "c"], delta=0.5, n0=10)
    assert (sel.best, sel.replications) == ("b", 10)


def test_stored_table_leaves_out_undefined_replications():
    values = _hand_worked()
    with_gap = np.insert(values, 2, [np.nan, 1.0], axis=0)  # replication 2 undefined for A
    frame = _long(with_gap, ["A", "B"]).sample(frac=1, random_state=0)  # any row order
    sel = kn_select(frame, "m", 1.0, n0=3)
    # replication 2 is left out; the others, in index order, give the hand-worked answer
    assert (sel.left_out, sel.available) == (1, 6)
    assert (sel.best, sel.replications, sel.eliminated) == ("A", 4, {"B": 4})
    assert "1 replication(s) left out" in sel.statement


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "nope"}, r"metric: unknown 'nope'; known: m"),
        ({"strategies": ["A", "Z"]}, r"strategy: unknown 'Z'; known: A, B"),
        ({"strategies": ["A"]}, r"need at least two"),
        ({"delta": 0.0}, r"delta: must be a number > 0"),
        ({"alpha": 0.5}, r"alpha: must be in \(0, 1 - 1/k\) = \(0, 0.5\)"),
        ({"n0": 1}, r"n0: KN needs at least 2"),
        ({"point": 2}, r"point: 2 given, but the results are not a sweep"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, message):
    args = {"metric": "m", "delta": 1.0, "n0": 3, **kwargs}
    with pytest.raises(AnalysisError, match=message):
        kn_select(_long(_hand_worked(), ["A", "B"]), **args)


def test_a_sweep_needs_a_point():
    frame = _long(_hand_worked(), ["A", "B"])
    sweep = pd.concat([frame.assign(point=0), frame.assign(point=1)], ignore_index=True)
    with pytest.raises(AnalysisError, match=r"design points \[0, 1\]"):
        kn_select(sweep, "m", 1.0, n0=3)
    assert kn_select(sweep, "m", 1.0, n0=3, point=1).best == "A"


# ---------------------------------------------------------------- batches


def test_batches_give_the_fully_sequential_decision(rng):
    # KN at stage r uses the first r replications only: asking for them in
    # batches ends with the decision of the one-at-a-time procedure.
    k, names = 4, ["s0", "s1", "s2", "s3"]
    for _ in range(20):
        values = rng.normal([0.0, 0.3, 0.0, 0.1], 1.0, (1000, k))
        asked: list[int] = []

        def fetch(n: int, values: np.ndarray = values, asked: list[int] = asked) -> pd.DataFrame:
            asked.append(n)
            return _long(values[:n], names)

        seq = select_sequential(fetch, "m", 0.3, n0=10, max_replications=1000)
        full = kn_select_values(values, names, 0.3, n0=10, metric="m")
        assert (seq.best, seq.replications, seq.eliminated) == (
            full.best,
            full.replications,
            full.eliminated,
        )
        assert asked[0] == 10 and asked == sorted(set(asked))
        assert asked[-1] >= seq.replications
        assert all(b <= max(a + 1, int(np.ceil(1.5 * a))) for a, b in pairwise(asked))


def test_sequential_stops_at_the_cap_undecided():
    values = np.zeros((100, 2)) + np.random.default_rng(3).normal(0, 1, (100, 2))

    def fetch(n: int) -> pd.DataFrame:
        return _long(values[:n], ["A", "B"])

    sel = select_sequential(fetch, "m", delta=0.01, n0=10, max_replications=40)
    assert sel.best is None and sel.available == 40
    assert "undecided with the 40 replications available" in sel.statement


# ---------------------------------------------------------------- statistical


def _pcs(rng, macro: int, k: int, crn: bool, minimise: bool) -> tuple[float, float]:
    """Share of correct selections, mean stopping stage; slippage configuration."""
    delta, n0 = 0.5, 10
    mu = np.zeros(k)
    mu[1] = -delta if minimise else delta  # strategy 1 is best by exactly delta
    names = [f"s{i}" for i in range(k)]
    right, stages = 0, []
    for _ in range(macro):
        noise = rng.normal(0, 1, (400, k))
        if crn:  # a shared component: the differences vary less
            noise = 0.8 * rng.normal(0, 2, (400, 1)) + 0.6 * noise
        sel = kn_select_values(mu + noise, names, delta, 0.05, n0, minimise)
        assert sel.decided
        right += sel.best == "s1"
        stages.append(sel.replications)
    return right / macro, float(np.mean(stages))


@pytest.mark.slow
@pytest.mark.parametrize(("crn", "minimise"), [(False, False), (True, False), (False, True)])
def test_probability_of_correct_selection_statistical(crn, minimise):
    # Normal outputs, the best exactly delta ahead of the others (the least
    # favourable configuration): KN guarantees P(CS) >= 0.95. Allow 3 SE.
    macro = max(400, round(2000 * SCALE))
    pcs, _ = _pcs(np.random.default_rng(31), macro, 5, crn, minimise)
    assert pcs >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / macro)


@pytest.mark.slow
def test_common_random_numbers_stop_kn_sooner_statistical():
    # With a shared component the differences' variance falls from 2 to 0.72:
    # KN needs far fewer replications for the same guarantee.
    macro = max(200, round(500 * SCALE))
    _, independent = _pcs(np.random.default_rng(32), macro, 5, False, False)
    _, common = _pcs(np.random.default_rng(33), macro, 5, True, False)
    assert common < 0.6 * independent
