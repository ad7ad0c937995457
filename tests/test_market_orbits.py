"""A finite market whose members move between orbits before they are leads, and the
market programme (issue 12, point 2; docs/model.md 4.9).

The Bass limit itself (orbit dynamics off) is validated in tests/test_validation.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import simsales
from simsales.engine.market import FiniteMarket
from simsales.engine.simulation import simulate
from simsales.engine.world import INBOUND
from simsales.experiment.loader import to_experiment
from simsales.model.orbits import Orbit
from simsales.model.strategies import make_strategy
from simsales.runner.replications import build_world

from worlds import SCALE, small_experiment

FINITE = {"size": 3000, "innovation": 0.2}


def _market(size: int = 10, innovation: float = 1e-9) -> FiniteMarket:
    return FiniteMarket(size, innovation, 365.0, np.random.default_rng(0))


# ------------------------------------------------------------------ known answers
def test_a_sure_move_takes_every_free_member_one_orbit_inward():
    m = _market()
    m.orbit[:] = [0, 0, 0, 1, 1, 1, 0, 1, 2, 0]
    m.is_lead[[2, 5]] = True  # leads no longer move
    p = m.period(np.random.default_rng(1), 1.0, 0.0, 0.0)
    assert m.orbit.tolist() == [1, 1, 0, 2, 2, 1, 1, 2, 2, 1]
    assert sorted(p.members.tolist()) == [3, 4, 7]  # they reached BENEFIT: inbound
    assert p.reached == 0
    assert (np.diff(p.fractions) >= 0).all() and ((p.fractions >= 0) & (p.fractions < 1)).all()


def test_no_move_and_no_programme_changes_nothing():
    m = _market()
    p = m.period(np.random.default_rng(1), 0.0, 0.0, 0.0)
    assert (m.orbit == 0).all() and len(p.members) == 0 and p.reached == 0


def test_a_programme_that_reaches_everyone_and_always_works_moves_everyone():
    m = _market()
    p = m.period(np.random.default_rng(1), 0.0, 1.0, 1.0)
    assert (m.orbit == 1).all() and p.reached == 10 and len(p.members) == 0
    # own move and programme together: two orbits in one period, to BENEFIT
    m2 = _market()
    p2 = m2.period(np.random.default_rng(1), 1.0, 1.0, 1.0)
    assert (m2.orbit == 2).all() and sorted(p2.members.tolist()) == list(range(10))


def test_starting_orbits_follow_initial_potential():
    m = _market(size=20_000)
    m.start_orbits(0.3, np.random.default_rng(3))
    share = m.orbit.mean()
    assert set(np.unique(m.orbit)) == {0, 1}
    assert abs(share - 0.3) < 4 * math.sqrt(0.3 * 0.7 / 20_000)


def test_orbit_keys_need_a_finite_market():
    with pytest.raises(simsales.ConfigError, match="programme_reach"):
        simsales.run(small_experiment(market={"programme_reach": 100.0}))


# ------------------------------------------------------------------ statistical laws
def test_own_movement_follows_its_law():
    # hazard a per year, one step at most per month: a member takes each month's
    # step with chance p = 1 - exp(-a/12), so after 12 months it is at BENEFIT
    # with chance P(Binomial(12, p) >= 2) and still at AWARENESS with exp(-a)
    # (as months shrink, the Erlang(2, a) CDF 1 - exp(-a)(1 + a))
    size, a, months = 50_000, 1.5, 12
    m = _market(size=size)
    rng = np.random.default_rng(7)
    p = -math.expm1(-a / months)
    came = 0
    for _ in range(months):
        came += len(m.period(rng, p, 0.0, 0.0).members)
    expected = 1 - (1 - p) ** months - months * p * (1 - p) ** (months - 1)
    se = math.sqrt(expected * (1 - expected) / size)
    assert abs(came / size - expected) < 4 * se
    assert abs(expected - (1 - math.exp(-a) * (1 + a))) < 0.03  # near the Erlang limit
    awareness = float(np.mean(m.orbit == 0))
    assert abs(awareness - math.exp(-a)) < 4 * math.sqrt(math.exp(-a) / size)


def test_the_programme_moves_reach_times_effect_members_a_month():
    size, reach, effect = 40_000, 4_000.0, 0.25
    m = _market(size=size)
    p = m.period(np.random.default_rng(9), 0.0, reach / size, effect)
    moved = int(np.count_nonzero(m.orbit == 1))
    assert abs(p.reached - reach) < 4 * math.sqrt(reach)
    assert abs(moved - reach * effect) < 4 * math.sqrt(reach * effect)


# ------------------------------------------------------------------ in the engine
def _journeys(**market: float):
    cfg = to_experiment(
        small_experiment(horizon_days=200.0, market={**FINITE, **market}, replications=1)
    )
    return simulate(build_world(cfg, 0), make_strategy("push", {}))


def test_without_orbit_dynamics_the_finite_market_is_unchanged():
    # a programme that works on nobody draws on streams of its own: the leads,
    # their journeys and every ending are those of the market without it
    plain, plain_ledger = _journeys()
    idle, idle_ledger = _journeys(programme_reach=500.0, programme_effect=0.0)
    for name in plain.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(plain, name), getattr(idle, name))
    assert plain_ledger.programme_cost == 0
    assert idle_ledger.programme_cost > 0 and idle_ledger.programme_reached > 0
    assert idle_ledger.programme_cost == pytest.approx(idle_ledger.programme_reached * 0.0005)


def test_members_bring_their_orbit_into_the_journey():
    j, _ = _journeys(initial_potential=1.0)
    assert len(j) > 0 and (j.max_orbit >= Orbit.POTENTIAL).all()  # none is unqualified
    j2, _ = _journeys(programme_reach=1500.0, programme_effect=1.0)
    came = j2.source == INBOUND
    assert (j2.max_orbit[came] >= Orbit.BENEFIT).sum() > 0  # some came in at BENEFIT
    assert len(j2) > len(j)  # the programme brought more leads


def test_market_orbits_keep_a_strategy_independent_of_the_others():
    over = {
        "market": {**FINITE, "inward_rate": 0.5, "inward_imitation": 2.0,
                   "programme_reach": 300.0},
        "sellers": {"prospecting_leads_per_hour": 0.02},
        "replications": 2,
    }  # fmt: skip
    a = simsales.run(
        small_experiment(strategies=[{"name": "push"}, {"name": "insight"}], **over), workers=1
    ).replications
    b = simsales.run(small_experiment(strategies=[{"name": "push"}], **over), workers=1)
    pa = a[a["strategy"] == "push"].reset_index(drop=True)
    pd.testing.assert_frame_equal(pa, b.replications, check_exact=True)
    two = simsales.run(small_experiment(strategies=[{"name": "push"}], **over), workers=2)
    pd.testing.assert_frame_equal(two.replications, b.replications, check_exact=True)


@pytest.mark.slow
def test_an_educated_market_brings_warmer_leads_with_shorter_cycles():
    reps = max(3, int(6 * SCALE))
    base = {"name": "m", "seed": 3, "replications": reps, "strategies": [{"name": "push"}]}
    cold = simsales.run({**base, "market": {"size": 20_000, "innovation": 0.03}}, workers=1)
    warm = simsales.run(
        {**base, "market": {"size": 20_000, "innovation": 0.03, "programme_reach": 2_000.0,
                            "programme_effect": 0.2}},
        workers=1,
    )  # fmt: skip
    c, w = cold.replications, warm.replications
    assert (w["leads_inbound"] > c["leads_inbound"]).all()
    assert w["cycle_median_inbound"].mean() < c["cycle_median_inbound"].mean()
    assert (w["programme_cost"] > 0).all() and (c["programme_cost"] == 0).all()
    assert np.allclose(
        w["total_cost_of_sales"],
        w["acquisition_cost"] + w["programme_cost"] + w["presale_cost"] + w["post_sale_cost"],
    )


# ------------------------------------------------------------------ a strategy's own programme
def test_a_strategy_can_run_its_own_programme():
    # A strategy that invests before the transaction (params.programme_reach)
    # gets the programme; the others in the same experiment are those of the
    # market without it, so before-only can be compared with transaction-only
    # on the same buyers. Known answer: with programme_reach set on the
    # strategy, the journeys equal those of the market-wide programme.
    cfg = to_experiment(small_experiment(horizon_days=200.0, market=FINITE, replications=1))
    world = build_world(cfg, 0)
    plain, plain_ledger = simulate(world, make_strategy("push", {}))
    own, own_ledger = simulate(world, make_strategy("push", {"programme_reach": 1500.0}))
    market_wide, wide_ledger = _journeys(programme_reach=1500.0)
    for name in own.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(own, name), getattr(market_wide, name))
    assert plain_ledger.programme_cost == 0
    assert own_ledger.programme_cost == wide_ledger.programme_cost > 0
    assert (own.source == INBOUND).sum() > (plain.source == INBOUND).sum()
    # and a strategy can switch a market-wide programme off for itself
    off, off_ledger = _journeys_with("push", {"programme_reach": 0.0}, programme_reach=1500.0)
    np.testing.assert_array_equal(off.ending, plain.ending)
    assert off_ledger.programme_cost == 0


def _journeys_with(name: str, params: dict, **market: float):
    cfg = to_experiment(
        small_experiment(horizon_days=200.0, market={**FINITE, **market}, replications=1)
    )
    return simulate(build_world(cfg, 0), make_strategy(name, params))


def test_a_strategy_programme_needs_a_finite_market():
    with pytest.raises(simsales.ConfigError, match=r"programme_reach = 100.*\[market\] size"):
        to_experiment(
            small_experiment(strategies=[{"name": "push", "params": {"programme_reach": 100.0}}])
        )
