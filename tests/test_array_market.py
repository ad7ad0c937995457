"""A finite market (Bass) on the array engine.

Known answers: who takes a member (:meth:`Members.claim`), the members' leads of a
tiny run (each member a lead at most once per cell, by its clock or by a referral
contact, and paid for once), and a cell's numbers alone and in a batch with
unlimited markets. The Bass limit against its closed form is in
``tests/test_validation.py``; the array engine against the SimPy engine on finite
markets is in the equivalence battery (``tests/test_array_engine.py``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simsales.engine.array import simulate_batch
from simsales.engine.array.batch import STEP_DAYS, _Batch
from simsales.engine.array.market import Members, market_of
from simsales.engine.simulation import simulate
from simsales.engine.world import INBOUND, OUTBOUND, REFERRAL
from simsales.experiment.config import Experiment
from simsales.experiment.loader import load_experiment
from simsales.runner.replications import build_world

ROOT = Path(__file__).resolve().parents[1]


def _finite(horizon: float = 200.0, **more: float) -> Experiment:
    base = load_experiment(ROOT / "experiments" / "baseline.toml")
    data = base.model_dump(mode="json", exclude={"sweep", "sensitivity", "where", "claims"})
    data["horizon_days"] = horizon
    config = Experiment.model_validate(data)
    values = {"market.size": 120, "market.innovation": 2.5, "lifecycle.referral_rate": 50.0,
              "lifecycle.step_days": 10.0, **more}  # fmt: skip
    return config.at(values)


# --------------------------------------------------------------------------- #
# known answers
# --------------------------------------------------------------------------- #
def test_the_earliest_claim_takes_a_member_and_a_taken_member_stays_taken():
    members = Members(cells=2, size=5)
    cell = np.array([0, 0, 1, 0, 1])
    member = np.array([3, 3, 3, 1, 3])
    when = np.array([2.0, 1.0, 5.0, 0.5, 4.0])
    # member 3 of cell 0: the claim at 1.0; of cell 1: the one at 4.0; member 1: its one
    assert members.claim(cell, member, when).tolist() == [False, True, False, True, True]
    again = members.claim(np.array([0, 1, 1]), np.array([3, 0, 0]), np.array([0.1, 9.0, 9.0]))
    # taken already (even by a later claim); two claims at one time: the first given
    assert again.tolist() == [False, True, False]
    assert members.taken.sum() == 4
    assert members.claim(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)).size == 0


def test_each_member_is_a_lead_at_most_once_by_its_clock_or_a_referral():
    # The engine's own rows: which member each lead is, and which were dropped. Hours
    # cost nothing here, so a cell's booked costs are its leads' costs alone.
    config = _finite(**{"sellers.cost_per_hour": 0.0, "success.cost_per_hour": 0.0})
    strategies = [s.build() for s in config.strategies[:2]]
    worlds = [build_world(config, r) for r in range(3)]
    batch = _Batch(worlds, strategies, STEP_DAYS)
    out = batch.run()
    s = batch.s
    rows = np.arange(s.size)
    dropped = 0
    for w, (world, cells) in enumerate(zip(worlds, out, strict=True)):
        market = market_of(world)
        assert market is not None
        clocks, members = market.arrivals()
        for k, (journeys, ledger) in enumerate(cells):
            mine = rows[s.cell[rows] == w * len(strategies) + k]
            kept = mine[~s.void[mine]]
            # each member a lead at most once; a dropped lead's member is a lead
            assert len(np.unique(s.member[kept])) == len(kept) == len(journeys)
            lost = mine[s.void[mine]]
            assert np.isin(s.member[lost], s.member[kept]).all()
            assert (s.source[lost] == INBOUND).all()  # a clock that came too late
            dropped += len(lost)
            # every marketing lead at its member's clock, every member with a clock
            # before the horizon a lead (by its clock, or a referral before it)
            marketing = kept[s.source[kept] == INBOUND]
            at = np.searchsorted(members, s.member[marketing], sorter=np.argsort(members))
            np.testing.assert_array_equal(s.arrival[marketing], clocks[np.argsort(members)][at])
            assert np.isin(members, s.member[kept]).all()
            # the costs booked are the leads' costs, each once (none for a dropped lead)
            referred = journeys.source == REFERRAL
            paid = (~referred).sum() * config.market.lead_cost
            paid += referred.sum() * config.lifecycle.referral_lead_cost
            assert sum(ledger.cost) == pytest.approx(paid, rel=1e-12)
    assert dropped > 0  # referrals took members before their clocks did


def test_a_cell_has_its_own_numbers_in_any_batch_prospecting_and_finite_markets_included():
    # Finite markets of different sizes (members moving, a programme) and unlimited
    # ones, all prospecting: a prospecting session's leads start at one time, so
    # their requests tie, and ties must not be served in an order the batch decides.
    prospecting = {"sellers.prospecting_leads_per_hour": 0.05}
    moving = {"market.inward_rate": 0.3, "market.inward_imitation": 0.4,
              "market.programme_reach": 40.0, **prospecting}  # fmt: skip
    unlimited = {"market.size": None, "market.lead_rate": 1.0, **prospecting}
    configs = [
        _finite(horizon=150.0, **moving),
        _finite(horizon=150.0, **unlimited),
        _finite(horizon=150.0, **{**unlimited, "market.lead_rate": 2.0}),
        _finite(horizon=150.0, **{**moving, "market.size": 300, "market.initial_potential": 0.3}),
    ]
    strategies = [s.build() for s in configs[0].strategies[:3]]
    worlds = [build_world(c, r) for r, c in enumerate(configs)]
    together = simulate_batch(worlds, strategies)
    sources = set()
    for world, cells in zip(worlds, together, strict=True):
        for (a, la), (b, lb) in zip(simulate_batch([world], strategies)[0], cells, strict=True):
            for name, value in vars(a).items():
                np.testing.assert_array_equal(value, getattr(b, name), err_msg=name)
            assert la.revenue == lb.revenue and la.cost == lb.cost
            assert la.prospecting_hours == lb.prospecting_hours > 0
            assert la.programme_cost == lb.programme_cost
            sources |= set(a.source.tolist())
    assert sources == {OUTBOUND, INBOUND, REFERRAL}


def test_members_move_inward_as_on_the_simpy_engine():
    # With no marketing (a tiny innovation), no referrals and no imitation, the
    # members' moves depend on the period's uniforms only, which both engines draw
    # alike from the world's stream: the same members come inbound at the same
    # times, and the programme reaches and costs the same.
    config = _finite(
        horizon=200.0,
        **{"market.size": 400, "market.innovation": 1e-9, "market.inward_rate": 0.4,
           "market.programme_reach": 30.0, "market.programme_effect": 0.3,
           "market.initial_potential": 0.5, "lifecycle.referral_rate": 0.0},
    )  # fmt: skip
    strategy = config.strategies[0].build()
    for r in range(2):
        world = build_world(config, r)
        ((a, la),) = simulate_batch([world], [strategy])[0]
        b, lb = simulate(world, strategy)
        assert len(a) == len(b) > 20
        np.testing.assert_allclose(np.sort(a.arrival), np.sort(b.arrival), rtol=1e-12)
        assert (a.source == INBOUND).all() and (b.source == INBOUND).all()
        assert la.programme_reached == lb.programme_reached > 0
        assert la.programme_cost == pytest.approx(lb.programme_cost, rel=1e-12)


def test_both_engines_refuse_a_strategy_programme_on_an_unlimited_market():
    """The schema refuses it in a file; the engines refuse it too (one function,
    ``programme_reach``), for worlds and strategies built in code."""
    from simsales.model.strategies import make_strategy

    cfg = load_experiment(ROOT / "experiments" / "baseline.toml").at({"horizon_days": 30.0})
    world = build_world(cfg, 0)
    assert world.market.size is None
    push = make_strategy("push", {"programme_reach": 100.0})
    with pytest.raises(ValueError, match=r"programme_reach = 100\).*\[market\] size"):
        simulate(world, push)
    with pytest.raises(ValueError, match=r"programme_reach = 100\).*\[market\] size"):
        simulate_batch([world], [push])
