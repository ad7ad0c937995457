"""Seeding: same experiment + seed => same numbers; common random numbers."""

from __future__ import annotations

import pandas as pd
import pytest

import simsales
from simsales.experiment.loader import to_experiment
from simsales.runner.replications import run_replication, run_replications

from worlds import small_experiment


def test_same_seed_same_numbers_whatever_the_workers():
    one = simsales.run(small_experiment(), workers=1).replications
    two = simsales.run(small_experiment(), workers=2).replications
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_a_replication_depends_only_on_seed_and_index():
    cfg = to_experiment(small_experiment(replications=5))
    alone = run_replication(cfg, 3)
    full = simsales.run(cfg, workers=1).replications
    row = full[full["replication"] == 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(row, pd.DataFrame(alone), check_exact=True)  # NaN == NaN


def test_another_seed_gives_other_numbers():
    a = simsales.run(small_experiment(), workers=1).replications
    b = simsales.run(small_experiment(seed=12), workers=1).replications
    assert not a["wins"].equals(b["wins"])


def test_strategies_meet_the_same_leads():
    res = simsales.run(small_experiment(), workers=1).replications
    per_rep = res.groupby("replication")["leads"].nunique()
    assert (per_rep == 1).all()


def test_a_strategy_result_does_not_depend_on_the_others():
    # Common random numbers at customer level: push's numbers are the same
    # whichever strategies it is compared with, and in whatever order.
    a = simsales.run(
        small_experiment(strategies=[{"name": "push"}, {"name": "insight"}]), workers=1
    ).replications
    b = simsales.run(
        small_experiment(strategies=[{"name": "relationship"}, {"name": "push"}]), workers=1
    ).replications
    pa = a[a["strategy"] == "push"].reset_index(drop=True)
    pb = b[b["strategy"] == "push"].reset_index(drop=True)
    pd.testing.assert_frame_equal(pa, pb, check_exact=True)


def test_same_strategy_twice_under_two_labels_gives_identical_rows():
    res = simsales.run(
        small_experiment(
            strategies=[{"name": "a", "strategy": "insight"}, {"name": "b", "strategy": "insight"}]
        ),
        workers=1,
    ).replications
    cols = [c for c in res.columns if c != "strategy"]
    a = res[res["strategy"] == "a"][cols].reset_index(drop=True)
    b = res[res["strategy"] == "b"][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("trait", ["urgency", "trust"])
def test_switching_one_trait_off_keeps_the_leads(trait):
    # Traits have streams of their own: a constant trait changes no arrivals.
    a = to_experiment(small_experiment())
    b = to_experiment(small_experiment(population={trait: {"dist": "constant", "value": 0.3}}))
    assert [r["leads"] for r in run_replication(a, 0)] == [
        r["leads"] for r in run_replication(b, 0)
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_slice_of_a_run_gives_the_full_runs_rows_for_it(workers):
    # run_replications(only=...) re-runs some (point, replication) pairs alone,
    # labels and uncertain draws included: what tests/test_committed_results.py
    # relies on to check a slice of each study against its stored results.
    cfg = to_experiment(
        small_experiment(
            replications=3,
            sweep={"parameters": {"market.lead_rate": [1.0, 2.0]}},
            uncertain={"population.urgency.b": {"dist": "uniform", "low": 1.5, "high": 6.0}},
        )
    )
    full = pd.DataFrame(run_replications(cfg, workers=1).records)
    only = {(1, 2), (0, 1)}
    part = run_replications(cfg, workers=workers, only=only)
    got = pd.DataFrame(part.records)
    pairs = list(zip(got["point"], got["replication"], strict=True))
    assert set(pairs) == only and pairs == sorted(pairs)  # in (point, replication) order
    keep = [(p, r) in only for p, r in zip(full["point"], full["replication"], strict=True)]
    want = full[keep].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_exact=True)  # NaN == NaN
    assert {(r["point"], r["replication"]) for r in part.series} == only


@pytest.mark.parametrize("only", [{(0, 3)}, {(1, 0)}, set()])
def test_a_slice_outside_the_experiment_is_refused(only):
    cfg = to_experiment(small_experiment(replications=3))
    with pytest.raises(ValueError, match=r"only: .*points 0 to 0, replications 0 to 2"):
        run_replications(cfg, workers=1, only=only)
