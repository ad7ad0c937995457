"""Paired comparisons: known answers and the coverage of their intervals."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simsales.analysis.paired import COLUMNS, bootstrap_mean_ci, holm, paired_differences
from simsales.analysis.tables import AnalysisError

from worlds import SCALE


def _frame(a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    n = len(a)
    return pd.DataFrame(
        {
            "replication": np.r_[np.arange(n), np.arange(n)],
            "strategy": ["A"] * n + ["B"] * n,
            "m": np.r_[a, b],
        }
    )


def _many(a: np.ndarray, b: np.ndarray) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Trials as strategy pairs (A0, B0), (A1, B1), ... of one table: rows of a, b."""
    trials, n = a.shape
    names = [f"{s}{t}" for t in range(trials) for s in "AB"]
    values = np.stack([a, b], axis=1).reshape(-1)
    frame = pd.DataFrame(
        {
            "replication": np.tile(np.arange(n), 2 * trials),
            "strategy": np.repeat(names, n),
            "m": values,
        }
    )
    return frame, [(f"A{t}", f"B{t}") for t in range(trials)]


def _band(trials: int) -> tuple[float, float]:
    """95% ± 3 binomial standard errors: 93-97% at 1,000 trials, wider when scaled down."""
    half = 3 * np.sqrt(0.95 * 0.05 / trials)
    return 0.95 - half, 0.95 + half


# ---------------------------------------------------------------- known answers


def test_known_answer_constant_difference():
    b = np.array([10.0, 12.0, 8.0, 11.0, 9.0])
    out = paired_differences(_frame(b - 2.0, b), [("A", "B")], ["m"]).iloc[0]
    assert out["diff"] == pytest.approx(-2.0)
    assert out["diff_ci_low"] == out["diff_ci_high"] == pytest.approx(-2.0)
    assert out["rel_change"] == pytest.approx(-2.0 / 10.0)
    assert out["n"] == 5
    # a difference without any spread is certainly not zero
    assert out["p_value"] == 0.0 and out["effect_dz"] == -np.inf
    assert out["crn_variance_ratio"] == np.inf
    assert out["p_a_above_b"] == 0.0


def test_differences_at_rounding_level_count_as_constant_without_warnings():
    # b's values differ only in their last bits (as a ratio of the same totals
    # computed twice might): no spread to test, and no precision-loss warning
    a = np.array([0.3, 0.5, 0.2, 0.4, 0.6])
    b = 0.25 + np.array([0.0, 1.0, 2.0, 1.0, 0.0]) * np.finfo(float).eps
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = paired_differences(_frame(b, a), [("A", "B")], ["m"]).iloc[0]
        rev = paired_differences(_frame(a, b), [("A", "B")], ["m"]).iloc[0]
    assert out["n"] == rev["n"] == 5
    assert np.isfinite(out["p_value"]) and np.isfinite(rev["unpaired_half_width"])
    flat = paired_differences(_frame(b, b - 0.05), [("A", "B")], ["m"]).iloc[0]
    assert flat["p_value"] == 0.0 and flat["effect_dz"] == np.inf
    # the same values computed twice, equal up to their last bits: no difference at
    # all (not "certainly different" because the noise does not average to 0)
    noise = np.array([0.0, 1.0, -1.0, 2.0, 1.0]) * np.finfo(float).eps / 4
    same = paired_differences(_frame(a + noise * a, a), [("A", "B")], ["m"]).iloc[0]
    assert same["diff"] != 0.0  # the noise is there...
    assert same["p_value"] == 1.0 and np.isnan(same["effect_dz"])  # ...and reads as none
    assert np.isnan(same["crn_variance_ratio"])


def test_relative_change_without_a_bootstrap_interval_is_undefined_quietly():
    # b won in one replication of twelve (a with it, twice as much): the relative
    # change is +100% but its bootstrap distribution is degenerate, so BCa has no
    # interval; the table says undefined, and nothing is printed
    b = np.r_[np.zeros(11), 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = paired_differences(_frame(2 * b, b), [("A", "B")], ["m"]).iloc[0]
    assert out["rel_change"] == pytest.approx(1.0)
    assert np.isnan(out["rel_ci_low"]) and np.isnan(out["rel_ci_high"])


def test_undefined_values_are_left_out_pairwise():
    a = np.array([1.0, np.nan, 3.0, 4.0])
    b = np.array([0.0, 1.0, np.nan, 2.0])
    out = paired_differences(_frame(a, b), [("A", "B")], ["m"]).iloc[0]
    assert out["n"] == 2 and out["diff"] == pytest.approx(1.5)


def test_effect_size_and_p_value_known_answer():
    # d = a - b = 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), t = 3 / (sqrt(2.5) / sqrt(5)) on 4 df.
    b = np.array([5.0, 1.0, 4.0, 2.0, 3.0])
    out = paired_differences(_frame(b + np.arange(1, 6), b), [("A", "B")], ["m"]).iloc[0]
    assert out["effect_dz"] == pytest.approx(3 / np.sqrt(2.5))
    t = 3 / (np.sqrt(2.5) / np.sqrt(5))
    assert out["p_value"] == pytest.approx(2 * stats.t.sf(t, 4))
    assert out["p_value"] == pytest.approx(0.013236, abs=1e-6)


def test_holm_hand_worked():
    # Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04;
    # then the running maximum: 0.02, 0.03, 0.06, 0.06.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # NaN is not a test: m = 2
    out = holm([0.01, np.nan, 0.04])
    assert out[0] == pytest.approx(0.02) and np.isnan(out[1]) and out[2] == pytest.approx(0.04)
    assert holm([0.5, 0.6]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([0.2]) == pytest.approx([0.2])


def test_holm_is_applied_across_pairs_per_metric(rng):
    n = 12
    base = rng.normal(0, 1, n)
    rows = []
    for s, shift in (("A", 0.0), ("B", 0.4), ("C", 1.0)):
        for r in range(n):
            rows.append((r, s, base[r] + shift + rng.normal(0, 0.5), rng.normal(shift, 1)))
    frame = pd.DataFrame(rows, columns=["replication", "strategy", "m", "k"])
    out = paired_differences(frame)  # every pair, every metric
    assert list(out.columns) == COLUMNS
    assert set(zip(out["a"], out["b"], strict=True)) == {("A", "B"), ("A", "C"), ("B", "C")}
    for _, part in out.groupby("metric"):
        assert part["p_holm"].to_numpy() == pytest.approx(holm(part["p_value"].to_numpy()))
        assert (part["p_holm"] >= part["p_value"]).all()


def test_beat_probability_counts_ties_half():
    a = np.array([3.0, 1.0, 2.0, 5.0])
    b = np.array([1.0, 1.0, 4.0, 0.0])  # a wins twice, ties once, loses once
    out = paired_differences(_frame(a, b), [("A", "B")], ["m"]).iloc[0]
    assert out["p_a_above_b"] == pytest.approx(2.5 / 4)
    assert out["p_a_above_b_low"] < 2.5 / 4 < out["p_a_above_b_high"]


def test_unknown_metric_or_strategy_is_a_clear_error():
    frame = _frame(np.ones(3), np.zeros(3))
    with pytest.raises(AnalysisError, match=r"unknown 'conversoin'; known: m"):
        paired_differences(frame, [("A", "B")], ["conversoin"])
    with pytest.raises(AnalysisError, match=r"strategy: unknown 'C'; known: A, B"):
        paired_differences(frame, [("A", "C")], ["m"])


def test_sweep_tables_are_compared_within_each_point(rng):
    one = _frame(rng.normal(1, 1, 10), rng.normal(0, 1, 10))
    two = _frame(rng.normal(5, 1, 10), rng.normal(0, 1, 10))
    frame = pd.concat([one.assign(point=0), two.assign(point=1)], ignore_index=True)
    out = paired_differences(frame, [("A", "B")], ["m"])
    assert list(out.columns) == ["point", *COLUMNS]
    assert list(out["point"]) == [0, 1]
    for k, part in enumerate((one, two)):
        alone = paired_differences(part, [("A", "B")], ["m"]).iloc[0]
        assert out.iloc[k]["diff"] == pytest.approx(alone["diff"])


def test_bootstrap_interval_of_the_difference_agrees_with_t_on_normal_data(rng):
    # n = 200 normal differences: both intervals are mean ± ~1.96 SE; they
    # differ by a small fraction of the SE (bootstrap noise, t vs z).
    common = rng.normal(5, 2, 200)
    a, b = common + 1 + rng.normal(0, 1, 200), common + rng.normal(0, 1, 200)
    out = paired_differences(_frame(a, b), [("A", "B")], ["m"], seed=5).iloc[0]
    se = np.std(a - b, ddof=1) / np.sqrt(200)
    assert out["diff_boot_low"] == pytest.approx(out["diff_ci_low"], abs=0.15 * se)
    assert out["diff_boot_high"] == pytest.approx(out["diff_ci_high"], abs=0.15 * se)
    too_few = paired_differences(_frame(a[:9], b[:9]), [("A", "B")], ["m"]).iloc[0]
    assert np.isnan(too_few["diff_boot_low"]) and np.isnan(too_few["rel_ci_low"])


# ---------------------------------------------------------------- statistical


@pytest.mark.slow
def test_t_interval_coverage_statistical():
    # 1,000 synthetic experiments of 8 paired replications: the 95% interval
    # of the mean difference covers the true difference 93-97% of the time.
    rng = np.random.default_rng(11)
    trials = max(200, round(1000 * SCALE))
    common = rng.normal(0, 3, (trials, 8))  # the shared customers
    a = common + 0.5 + rng.normal(0, 1, (trials, 8))
    b = common + rng.normal(0, 1, (trials, 8))
    frame, pairs = _many(a, b)
    out = paired_differences(frame, pairs, ["m"])
    covered = ((out["diff_ci_low"] <= 0.5) & (out["diff_ci_high"] >= 0.5)).mean()
    lo, hi = _band(trials)
    assert lo <= covered <= hi


@pytest.mark.slow
def test_bootstrap_interval_of_the_mean_difference_covers_statistical():
    # 1,000 synthetic experiments of 100 paired replications: the BCa interval
    # covers the true difference 93-97% of the time. (Bootstrap intervals
    # under-cover by O(1/n): at n = 30 they cover about 94%; at 100, 94.7%.)
    rng = np.random.default_rng(1)
    trials = max(200, round(1000 * SCALE))
    n = 100
    covered = 0
    for _ in range(trials):
        d = 0.5 + rng.normal(0, np.sqrt(2), n)
        lo, hi = bootstrap_mean_ci(d, 0.95, rng)
        covered += lo <= 0.5 <= hi
    low, high = _band(trials)
    assert low <= covered / trials <= high


@pytest.mark.slow
def test_bootstrap_interval_of_relative_change_covers_statistical():
    # 200 trials of 30 replications: the BCa interval of mean_a / mean_b - 1
    # covers the true +10% in roughly 95% of trials (bootstrap intervals
    # undercover a little at n = 30; accept 88-99%).
    rng = np.random.default_rng(12)
    covered = 0
    trials = 200
    for _ in range(trials):
        base = rng.gamma(20, 0.5, 30)
        a = base * 1.1 * rng.lognormal(0, 0.05, 30) / np.exp(0.05**2 / 2)
        r = paired_differences(_frame(a, base), [("A", "B")], ["m"], seed=1).iloc[0]
        covered += r["rel_ci_low"] <= 0.1 <= r["rel_ci_high"]
    assert 0.88 <= covered / trials <= 0.99


@pytest.mark.slow
def test_p_values_are_uniform_under_no_difference_statistical():
    # Equal means, correlated strategies: P(p < 0.05) = 0.05 within 3 SE.
    rng = np.random.default_rng(15)
    trials = max(200, round(400 * SCALE))
    common = rng.normal(10, 3, (trials, 15))
    a = common + rng.normal(0, 1, (trials, 15))
    b = common + rng.normal(0, 1, (trials, 15))
    frame, pairs = _many(a, b)
    p = paired_differences(frame, pairs, ["m"])["p_value"].to_numpy()
    se = np.sqrt(0.05 * 0.95 / trials)
    assert abs(np.mean(p < 0.05) - 0.05) <= 3 * se
    assert abs(np.mean(p < 0.5) - 0.5) <= 3 * np.sqrt(0.25 / trials)


def test_pairing_narrows_the_interval():
    rng = np.random.default_rng(13)
    common = rng.normal(0, 5, 30)
    a = common + 1 + rng.normal(0, 1, 30)
    b = common + rng.normal(0, 1, 30)
    r = paired_differences(_frame(a, b), [("A", "B")], ["m"]).iloc[0]
    paired_width = r["diff_ci_high"] - r["diff_ci_low"]
    se_unpaired = np.sqrt(a.var(ddof=1) / 30 + b.var(ddof=1) / 30)
    assert paired_width < 2 * 1.96 * se_unpaired / 3
    # the reported unpaired (Welch) interval on the same data is that wide too
    assert r["unpaired_half_width"] > 3 * paired_width / 2
    assert r["unpaired_half_width"] == pytest.approx(1.96 * se_unpaired, rel=0.05)


def _ratio_tolerance(n: int) -> float:
    """Four relative standard errors of a ratio of two variance estimates from n values."""
    return 4 * np.sqrt(2 * 2 / n)


@pytest.mark.slow
def test_crn_variance_ratio_matches_theory_statistical():
    # a = c + e_a, b = c + e_b with var(c) = 9, var(e) = 1: independent runs
    # would give var(a) + var(b) = 20, CRN gives var(a - b) = 2, a factor 10;
    # the interval is then sqrt(10) times narrower than the unpaired one.
    rng = np.random.default_rng(16)
    n = max(1000, round(4000 * SCALE))
    common = rng.normal(0, 3, n)
    a = common + 0.2 + rng.normal(0, 1, n)
    b = common + rng.normal(0, 1, n)
    r = paired_differences(_frame(a, b), [("A", "B")], ["m"]).iloc[0]
    assert r["crn_variance_ratio"] == pytest.approx(10.0, rel=_ratio_tolerance(n))
    paired_half = (r["diff_ci_high"] - r["diff_ci_low"]) / 2
    ratio = r["unpaired_half_width"] / paired_half
    assert ratio == pytest.approx(np.sqrt(10.0), rel=_ratio_tolerance(n) / 2)


@pytest.mark.slow
def test_independent_strategies_gain_nothing_from_pairing_statistical():
    rng = np.random.default_rng(17)
    n = max(1000, round(4000 * SCALE))
    a, b = rng.normal(1, 1, n), rng.normal(0, 2, n)
    r = paired_differences(_frame(a, b), [("A", "B")], ["m"]).iloc[0]
    assert r["crn_variance_ratio"] == pytest.approx(1.0, rel=_ratio_tolerance(n))
