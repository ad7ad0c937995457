"""Statistical: with experiments/baseline.toml, `push` lands in the ranges the
sales literature reports (issue 2, point 9; sources in docs/model.md).

The size follows SIMSALES_TEST_SCALE (CI runs it reduced). Each claim is
checked on the 95% confidence interval of the mean over replications, not
only on the mean.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import simsales
from simsales.analysis.summary import mean_ci

from worlds import SCALE

BASELINE = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def push():
    n = max(6, round(30 * SCALE))
    cfg = simsales.load_experiment(BASELINE, replications=n)
    cfg = simsales.Experiment.model_validate({**cfg.model_dump(), "strategies": [{"name": "push"}]})
    return simsales.run(cfg).replications


def _ci(df, col):
    m, lo, hi, n = mean_ci(df[col].to_numpy())
    assert n == len(df)
    return m, lo, hi


def test_hundreds_of_leads_per_replication(push):
    assert push["leads"].min() >= 300


def test_conversion_of_qualified_opportunities_15_to_35_percent(push):
    m, lo, hi = _ci(push, "conversion")
    assert lo >= 0.15 and hi <= 0.35, (m, lo, hi)


def test_no_decision_40_to_60_percent_of_losses(push):
    m, lo, hi = _ci(push, "no_decision_share")
    assert lo >= 0.40 and hi <= 0.60, (m, lo, hi)


@pytest.mark.xfail(
    strict=True,
    reason="known limit (docs/model.md, Known limits 5): since a loss is labelled indecision "
    "only where a buyer stalled, indecision is about 10% of push's no-decision losses, "
    "not the 30-70% of this band; recalibrating it is open",
)
def test_no_decision_is_split_between_status_quo_and_indecision(push):
    # A sanity band: both causes carry a substantial share. Dixon & McKenna
    # (2022) report 44% status quo / 56% indecision. Until the indecision label
    # was made honest the model gave about 59/41; the 41% counted buyers whose
    # patience ran out while preferring change, though they never stalled.
    # Strict: the day a recalibration meets the band, this test says so.
    m, lo, hi = _ci(push, "indecision_share_of_no_decision")
    assert lo >= 0.3 and hi <= 0.7, (m, lo, hi)


def test_median_cycle_30_to_180_days(push):
    m, lo, hi = _ci(push, "cycle_median")
    assert lo >= 30 and hi <= 180, (m, lo, hi)
