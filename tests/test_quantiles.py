"""Distributions, not just means: quantiles and P(A above B) — known answers and coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simsales.analysis.spread import (
    QUANTILE_COLUMNS,
    _wilson_score,
    beat_probability,
    quantiles,
    wilson_interval,
)
from simsales.analysis.tables import AnalysisError


def _table() -> pd.DataFrame:
    # A: cost per win 1..11 over 11 replications; B: 10 x that.
    rows = []
    for r in range(11):
        rows.append((r, "A", float(r + 1), 10.0 + r, 20.0 + r, 40.0 + r))
        rows.append((r, "B", 10.0 * (r + 1), np.nan if r == 0 else 1.0, 2.0, 3.0))
    cols = ["replication", "strategy", "cost_per_win", "cycle_p10", "cycle_median", "cycle_p90"]
    return pd.DataFrame(rows, columns=cols)


def test_quantiles_across_replications_known_answer():
    out = quantiles(_table(), ["cost_per_win"])
    assert list(out.columns) == QUANTILE_COLUMNS
    a = out[(out["strategy"] == "A") & (out["scope"] == "replications")].iloc[0]
    # linear interpolation on 1..11: positions 1, 5 and 9 (0-based) -> 2, 6, 10
    assert (a["p10"], a["median"], a["p90"], a["n"]) == (2.0, 6.0, 10.0, 11)
    b = out[(out["strategy"] == "B") & (out["scope"] == "replications")].iloc[0]
    assert (b["p10"], b["median"], b["p90"]) == pytest.approx((20.0, 60.0, 100.0))


def test_cycle_time_of_a_won_deal_is_the_mean_of_per_replication_quantiles():
    out = quantiles(_table(), ["cost_per_win"])
    won = out[out["scope"] == "won deals"].set_index("strategy")
    assert list(won["metric"]) == ["cycle_time", "cycle_time"]
    # A: replication quantiles 10+r, 20+r, 40+r for r = 0..10: means 15, 25, 45
    assert tuple(won.loc["A", ["p10", "median", "p90", "n"]]) == (15.0, 25.0, 45.0, 11)
    # B: replication 0 has no win (undefined), left out
    assert tuple(won.loc["B", ["p10", "median", "p90", "n"]]) == (1.0, 2.0, 3.0, 10)


def test_default_metrics_and_sweeps():
    t = _table()
    out = quantiles(t)
    assert set(out["metric"]) == {"cost_per_win", "cycle_median", "cycle_time"}
    sweep = pd.concat([t.assign(point=0), t.assign(point=1)], ignore_index=True)
    both = quantiles(sweep, ["cost_per_win"])
    assert list(both.columns) == ["point", *QUANTILE_COLUMNS]
    assert (
        both[both["point"] == 1]
        .drop(columns="point")
        .reset_index(drop=True)
        .equals(quantiles(t, ["cost_per_win"]))
    )


def test_unknown_metric_is_a_clear_error():
    with pytest.raises(AnalysisError, match=r"metric: unknown 'cost'; known: cost_per_win"):
        quantiles(_table(), ["cost"])


def test_beat_probability_known_answer():
    a = np.array([1.0, 2.0, 3.0, 4.0, np.nan])
    b = np.array([0.0, 2.0, 5.0, 1.0, 0.0])  # win, tie, loss, win; last left out
    p, lo, hi, n = beat_probability(a, b)
    assert (p, n) == (2.5 / 4, 4)
    assert (lo, hi) == pytest.approx(wilson_interval(2.5, 4))


def test_wilson_formula_for_half_successes_is_scipys_on_whole_numbers():
    # half successes (ties) use the formula by hand; on whole numbers, where
    # scipy is used, the formula gives scipy's interval
    for k, n in ((0, 10), (7, 20), (20, 20), (13, 57)):
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert _wilson_score(k, n, 0.95) == pytest.approx((ci.low, ci.high), rel=1e-12, abs=1e-15)
    lo, hi = wilson_interval(7.5, 20)  # between its neighbours
    assert wilson_interval(7, 20)[0] < lo < wilson_interval(8, 20)[0]
    assert wilson_interval(7, 20)[1] < hi < wilson_interval(8, 20)[1]


@pytest.mark.parametrize("n", [20, 50, 100])
def test_wilson_coverage_exact(n):
    # Exact coverage (sum of binomial probabilities of the counts whose
    # interval covers p), over p in [0.05, 0.95]: it oscillates around the
    # nominal 95% and never falls far below it (Brown, Cai & DasGupta 2001).
    k = np.arange(n + 1)
    lo, hi = np.array([wilson_interval(float(j), n) for j in k]).T
    cover = np.array(
        [stats.binom.pmf(k, n, p)[(lo <= p) & (p <= hi)].sum() for p in np.linspace(0.05, 0.95, 91)]
    )
    assert 0.945 <= cover.mean() <= 0.955
    assert cover.min() >= 0.92


def test_beat_probability_estimates_the_true_probability_statistical():
    # a - b ~ Normal(0.5, 2): P(a > b) = Phi(0.5 / sqrt(2)) = 0.638.
    rng = np.random.default_rng(21)
    n = 2000
    common = rng.normal(0, 3, n)
    a, b = common + 0.5 + rng.normal(0, 1, n), common + rng.normal(0, 1, n)
    truth = stats.norm.cdf(0.5 / np.sqrt(2))
    p, lo, hi, _ = beat_probability(a, b)
    assert abs(p - truth) <= 3 * np.sqrt(truth * (1 - truth) / n)
    assert lo < p < hi and hi - lo == pytest.approx(2 * 1.96 * np.sqrt(p * (1 - p) / n), rel=0.02)
