"""Prospecting, lead sources and a seller team whose capacity can bind (issue 12, point 1).

Statistical tests compare replications of small experiments with fixed seeds;
the margins are wide (several standard errors of the measured differences).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simsales
from simsales.engine.params import Sellers
from simsales.engine.simulation import _Simulation
from simsales.engine.world import INBOUND, OUTBOUND, REFERRAL, World
from simsales.experiment.loader import to_experiment
from simsales.model.strategies import make_strategy
from simsales.runner.replications import build_world, run_replication

from worlds import SCALE, small_experiment

PROSPECTING = {"prospecting_leads_per_hour": 0.05}


def _run(reps: int, **over: object) -> pd.DataFrame:
    cfg = {"name": "p", "seed": 5, "replications": reps, "strategies": [{"name": "push"}]}
    cfg.update(over)
    return simsales.run(cfg, workers=1).replications


def _world(**sellers: float) -> World:
    cfg = to_experiment(small_experiment(sellers=sellers))
    return build_world(cfg, 0)


# ------------------------------------------------------------------ known answers
def test_prospecting_is_off_by_default():
    res = simsales.run(small_experiment(), workers=1).replications
    assert (res["leads_outbound"] == 0).all() and (res["prospecting_hours"] == 0).all()
    assert (res["leads_inbound"] == res["leads"] - res["leads_referral"]).all()
    assert (res["team_cost"] == 0).all()
    assert np.allclose(res["total_cost_with_team"], res["total_cost_of_sales"])


def test_team_cost_is_team_size_times_cost_per_year_times_years():
    res = simsales.run(
        small_experiment(sellers={"team_size": 4, "cost_per_year": 0.5}), workers=1
    ).replications
    assert np.allclose(res["team_cost"], 4 * 0.5 * 40.0 / 365.0)
    assert np.allclose(res["total_cost_with_team"], res["total_cost_of_sales"] + res["team_cost"])


def test_outbound_leads_are_cold_and_referrals_warm():
    w = _world(outbound_trust=0.25, outbound_urgency=0.5)
    run = _Simulation(w, make_strategy("push", {}), None)
    plain, cost = run.new_buyer(w.traits, 0, INBOUND)
    cold, cold_cost = run.new_buyer(w.traits, 0, OUTBOUND)
    warm, _ = run.new_buyer(w.traits, 0, REFERRAL)
    assert cold.trust == pytest.approx(0.25 * plain.trust)
    assert cold.urgency == pytest.approx(0.5 * plain.urgency)
    assert warm.trust > plain.trust
    assert (cost, cold_cost) == (w.market.lead_cost, 0.0)


def test_prospecting_books_only_idle_sellers_and_counts_its_hours_in_the_costs():
    cfg = small_experiment(
        replications=2, sellers={**PROSPECTING, "team_size": 2, "prospecting_block_hours": 3.0}
    )
    res = simsales.run(cfg, workers=1).replications
    capacity = 2 * Sellers().hours_per_day * 40.0
    assert (res["prospecting_hours"] > 0).all()
    # sessions are whole blocks of 3 hours, on at most the whole team's hours
    assert np.allclose(res["prospecting_hours"] % 3.0, 0.0)
    assert (res["prospecting_hours"] <= capacity).all()
    assert (res["leads_outbound"] > 0).all()
    assert np.allclose(res["prospecting_cost"], res["prospecting_hours"] * Sellers().cost_per_hour)
    assert np.allclose(
        res["cost_of_sales"],
        (res["seller_hours"] + res["prospecting_hours"]) * Sellers().cost_per_hour
        + res["acquisition_cost"],
    )
    assert np.allclose(sum(res[f"leads_{s}"] for s in ("outbound", "inbound", "referral")),
                       res["leads"])  # fmt: skip


# ------------------------------------------------------------------ common random numbers
def test_prospecting_keeps_a_strategy_independent_of_the_others():
    over = {"sellers": PROSPECTING, "replications": 2}
    a = simsales.run(
        small_experiment(strategies=[{"name": "push"}, {"name": "insight"}], **over), workers=1
    ).replications
    b = simsales.run(
        small_experiment(strategies=[{"name": "relationship"}, {"name": "push"}], **over),
        workers=1,
    ).replications
    pa = a[a["strategy"] == "push"].reset_index(drop=True)
    pb = b[b["strategy"] == "push"].reset_index(drop=True)
    pd.testing.assert_frame_equal(pa, pb, check_exact=True)


def test_prospecting_numbers_do_not_depend_on_the_workers():
    cfg = small_experiment(sellers=PROSPECTING)
    one = simsales.run(cfg, workers=1).replications
    two = simsales.run(cfg, workers=2).replications
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_a_replication_with_prospecting_is_a_pure_function_of_seed_and_index():
    cfg = to_experiment(small_experiment(sellers=PROSPECTING))
    assert run_replication(cfg, 1) == run_replication(cfg, 1)


# ------------------------------------------------------------------ statistical
@pytest.mark.slow
def test_a_fuller_pipeline_leaves_less_time_to_prospect():
    reps = max(3, int(6 * SCALE))
    quiet = _run(reps, horizon_days=120.0, market={"lead_rate": 0.3}, sellers=PROSPECTING)
    busy = _run(reps, horizon_days=120.0, market={"lead_rate": 3.0}, sellers=PROSPECTING)
    assert busy["prospecting_hours"].mean() < 0.8 * quiet["prospecting_hours"].mean()
    assert busy["leads_outbound"].mean() < quiet["leads_outbound"].mean()


@pytest.mark.slow
def test_outbound_leads_convert_less_than_inbound_ones():
    reps = max(3, int(6 * SCALE))
    res = _run(reps, horizon_days=200.0, sellers=PROSPECTING)
    assert res["conversion_outbound"].mean() < res["conversion_inbound"].mean()


@pytest.mark.slow
@pytest.mark.parametrize(
    "over",
    [
        # marketing demand above capacity: 1 selling hour per seller-day
        {"market": {"lead_rate": 1.5}, "sellers": {"hours_per_day": 1.0, "team_size": 3}},
        # demand made by the sellers themselves: prospecting on idle hours
        {"market": {"lead_rate": 0.05}, "sellers": {**PROSPECTING, "team_size": 3}},
    ],
    ids=["marketing", "prospecting"],
)
def test_when_demand_exceeds_capacity_doubling_the_team_raises_wins(over):
    reps = max(3, int(6 * SCALE))
    doubled = {**over, "sellers": {**over["sellers"], "team_size": 6}}
    small = _run(reps, horizon_days=200.0, **over)
    large = _run(reps, horizon_days=200.0, **doubled)
    gain = large["wins"].to_numpy() - small["wins"].to_numpy()  # paired: same leads
    se = gain.std(ddof=1) / np.sqrt(len(gain))
    assert gain.mean() > 0 and gain.mean() > 3 * se


@pytest.mark.slow
def test_at_the_defaults_capacity_does_not_bind():
    # docs/model.md 4.8: doubling the default team of 5 changes conversion by
    # less than half a percentage point (measured: 0.0 over 6 replications)
    reps = max(3, int(6 * SCALE))
    five = _run(reps, horizon_days=200.0)
    ten = _run(reps, horizon_days=200.0, sellers={"team_size": 10})
    diff = (ten["conversion"] - five["conversion"]).abs()
    assert diff.mean() < 0.005
