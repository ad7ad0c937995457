"""Property tests (Hypothesis): invariants of every run, whatever the world."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simsales.engine.metrics import METRICS
from simsales.experiment.loader import to_experiment
from simsales.model.orbits import Orbit
from simsales.runner.replications import run_replication

from worlds import const, exact_behaviour, make_buyer, small_experiment, tiny_population

worlds = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "behaviour": st.fixed_dictionaries(
            {
                "temperature": st.sampled_from([0.0, 0.2, 1.0]),
                "decision_rule": st.sampled_from(["consensus", "majority", "champion"]),
                "conservatism": st.floats(0.05, 1.0),
                "back_probability": st.floats(0.0, 1.0),
                "rivals": st.booleans(),
                "indecision": st.booleans(),
                "latent_needs": st.booleans(),
            }
        ),
        "population": st.fixed_dictionaries(
            {
                "value_ratio": st.builds(
                    lambda m, s: {"dist": "lognormal", "median": m, "sigma": s},
                    st.floats(0.2, 8.0),
                    st.floats(0.05, 1.5),
                ),
                "urgency": st.builds(
                    lambda a, b: {"dist": "beta", "a": a, "b": b},
                    st.floats(0.3, 5.0),
                    st.floats(0.3, 5.0),
                ),
                "stakeholders": st.builds(
                    lambda hi: {"dist": "integers", "low": 1, "high": hi}, st.integers(1, 7)
                ),
            }
        ),
        "sellers": st.fixed_dictionaries({"team_size": st.integers(1, 4)}),
        "lifecycle": st.fixed_dictionaries(
            {
                "end_days": st.floats(15.0, 400.0),
                "referral_rate": st.floats(0.0, 20.0),
                "contract_days": st.floats(20.0, 365.0),
                "resource": st.sampled_from(["sellers", "success"]),
            }
        ),
        "strategies": st.just(
            [
                {"name": "push"},
                {
                    "name": "coach_full",
                    "strategy": "decision_coaching",
                    "params": {"invest_after_sale": True},
                },
            ]
        ),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=worlds)
def test_accounting_invariants(world):
    cfg = to_experiment(small_experiment(horizon_days=15.0, replications=1, **world))
    for r in run_replication(cfg, 0):
        assert set(METRICS) <= set(r)
        leads, qual, wins = r["leads"], r["qualified"], r["wins"]
        assert 0 <= wins <= qual <= leads
        # every lead ends exactly one way
        lost = r["lost_rival"] + r["lost_status_quo"] + r["lost_indecision"] + r["lost_went_dark"]
        assert wins + lost + r["unqualified"] == leads
        assert r["seller_hours"] >= 0 and r["cost_of_sales"] >= 0
        # after the sale
        assert r["revenue_total"] >= r["revenue"] == wins
        assert 0 <= r["churned"] <= wins
        assert r["total_cost_of_sales"] >= r["cost_of_sales"]
        assert r["referral_leads"] <= leads
        # patience time-outs are status-quo or indecision losses, never others
        assert r["lost_patience_out"] <= r["lost_status_quo"] + r["lost_indecision"]
        if qual:
            assert 0 <= r["conversion"] <= 1
        # the funnel never widens
        funnel = [
            r[f"reached_{o}"]
            for o in ("awareness", "potential", "benefit", "observation", "acquisition")
        ]
        assert funnel == sorted(funnel, reverse=True)
        assert funnel[0] == leads and funnel[1] == qual and funnel[-1] >= wins
        if wins:
            assert r["cycle_p10"] <= r["cycle_median"] <= r["cycle_p90"]
            assert r["cost_per_win"] * wins == pytest.approx(r["cost_of_sales"])


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), rep=st.integers(0, 10_000))
def test_identical_seeds_give_identical_results(seed, rep):
    cfg = to_experiment(small_experiment(seed=seed, horizon_days=10.0))
    a = pd.DataFrame(run_replication(cfg, rep))
    b = pd.DataFrame(run_replication(cfg, rep))
    pd.testing.assert_frame_equal(a, b, check_exact=True)  # NaN equals NaN here


# ------------------------------------------------- jumps and self-education (docs/model.md 3.1)


@settings(max_examples=200, deadline=None)
@given(
    orbit=st.sampled_from(list(Orbit)[:5]),
    urgency=st.floats(0.0, 1.0),
    value=st.floats(0.2, 20.0),
    events=st.integers(0, 40),
    event_orbits=st.floats(0.0, 10.0),
    rate=st.floats(0.0, 365.0),
    days=st.floats(0.0, 1000.0),
    mean=st.floats(0.0, 30.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_movement_stays_in_the_pre_sale_orbits(
    orbit, urgency, value, events, event_orbits, rate, days, mean, seed
):
    pop = tiny_population(urgency=const(urgency), value_ratio=const(value))
    b = make_buyer(pop, exact_behaviour(event_orbits=event_orbits, self_education_rate=rate))
    b.orbit = b.max_orbit = orbit
    rng = np.random.default_rng(seed)
    moved = b.event_jump(events, rng, 1.0)
    assert b.orbit == orbit + moved
    before = b.orbit
    stepped = b.self_educates(days, rng, 2.0)
    assert b.orbit == before + stepped
    before = b.orbit
    moved = b.jump(mean, rng, 3.0)
    assert b.orbit == before + moved
    # never backwards, never past the decision
    assert orbit <= b.orbit <= Orbit.ACQUISITION
    assert b.max_orbit == b.orbit


movement_worlds = st.fixed_dictionaries(
    {
        "seed": st.integers(0, 2**32 - 1),
        "behaviour": st.fixed_dictionaries(
            {
                "compelling_event_rate": st.floats(0.0, 50.0),
                "event_orbits": st.floats(0.0, 10.0),
                "self_education_rate": st.floats(0.0, 100.0),
                "pulled_hours_factor": st.floats(0.0, 1.0),
            }
        ),
        "lifecycle": st.fixed_dictionaries(
            {
                "end_days": st.floats(15.0, 200.0),
                "step_days": st.floats(2.0, 30.0),
                "referral_rate": st.floats(0.0, 20.0),
                "referral_orbits": st.floats(0.0, 10.0),
                "advocacy": st.sampled_from(["expansion", "satisfaction"]),
                "advocacy_probability": st.floats(0.0, 1.0),
            }
        ),
    }
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=movement_worlds)
def test_engine_keeps_pre_sale_orbits_with_jumps(world):
    cfg = to_experiment(small_experiment(horizon_days=15.0, replications=1, **world))
    trace: dict = {}
    for r in run_replication(cfg, 0, trace=trace):
        assert r["wins"] <= r["qualified"] <= r["leads"]
        assert r["seller_hours"] >= 0
    post = {"installation", "adaptation", "belief", "expansion", "refer", "zealot"}
    for log in trace.values():
        sold: set[int] = set()
        for _, who, event, orbit in log:
            if event == "won":
                sold.add(who)
            # a journey stays within AWARENESS..ACQUISITION until it is won
            if orbit in post:
                assert who in sold
