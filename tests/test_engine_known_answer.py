"""Known-answer tests of the SimPy engine: exact event logs of tiny runs."""

from __future__ import annotations

import pytest

from simsales.engine.simulation import ENDINGS, simulate
from simsales.model.draws import Draws
from simsales.model.orbits import Ending, Orbit
from simsales.model.strategies import make_strategy

from worlds import const, exact_behaviour, tiny_population, tiny_world


def _run(pop, behaviour, arrivals, strategy="push", team=1, hours_per_day=8.0):
    log: list = []
    world = tiny_world(pop, behaviour, arrivals, team=team, hours_per_day=hours_per_day)
    j, _ = simulate(world, make_strategy(strategy), log)
    return j, log


def test_two_buyers_one_seller_exact_log():
    # Two eager buyers (urgency 1, high value) arrive together; one seller with
    # 8 h/day. push: follow-up 0.5 h, cold call 1 h, pitches 2 h, close 2 h.
    # Steps are exactly step_days / (pace_floor + u) = 7 / 1.25 = 5.6 days apart.
    # The seller serves requests first come, first served, so buyer 1's
    # follow-up (requested at 0) goes before buyer 0's cold call.
    # With urgency 1 every meeting after the first is pulled; here pulled
    # meetings take their full hours (pulled_hours_factor = 1, the rule before
    # shorter pulled meetings; the default is derived in the next test).
    beh = exact_behaviour(access_base=1.0, pulled_hours_factor=1.0)
    j, log = _run(tiny_population(), beh, [0.0, 0.0])
    assert log == [
        (0.0, 0, "arrive", "awareness"),
        (0.0, 1, "arrive", "awareness"),
        (0.25, 0, "cold_call", "awareness"),  # 0-0.0625 follow-up, 0.125-0.25 call
        (0.375, 1, "cold_call", "awareness"),  # 0.0625-0.125 follow-up, 0.25-0.375
        (6.1, 0, "pitch", "potential"),  # 0.25 + 5.6, then 0.25 d of pitch
        (6.35, 1, "pitch", "potential"),  # ready at 5.975, seller busy to 6.1
        (11.95, 0, "pitch", "benefit"),
        (12.2, 1, "pitch", "benefit"),
        (17.8, 0, "pitch", "observation"),
        (18.05, 1, "pitch", "observation"),
        (23.65, 0, "close", "acquisition"),
        (23.65, 0, "won", "acquisition"),
        (23.9, 1, "close", "acquisition"),
        (23.9, 1, "won", "acquisition"),
    ]
    assert list(j.end) == [23.65, 23.9]
    assert [ENDINGS[k] for k in j.ending] == [Ending.WON, Ending.WON]
    assert list(j.max_orbit) == [Orbit.ACQUISITION] * 2
    assert list(j.hours) == [0.5 + 1 + 2 + 2 + 2 + 2] * 2


def test_two_buyers_one_seller_exact_log_shorter_pulled_meetings():
    # The same two buyers at the default pulled_hours_factor 0.75: every
    # meeting after the cold call is pulled (urgency 1), so a pitch or close
    # takes 0.75 x 2 h = 1.5 h = 0.1875 d of the seller; the follow-up and the
    # cold call (the seller's approach) are as before.
    j, log = _run(tiny_population(), exact_behaviour(access_base=1.0), [0.0, 0.0])
    assert log == [
        (0.0, 0, "arrive", "awareness"),
        (0.0, 1, "arrive", "awareness"),
        (0.25, 0, "cold_call", "awareness"),
        (0.375, 1, "cold_call", "awareness"),
        (6.0375, 0, "pitch", "potential"),  # ready 5.85, pitch to 5.85 + 0.1875
        (6.225, 1, "pitch", "potential"),  # ready 5.975, seller busy to 6.0375
        (11.825, 0, "pitch", "benefit"),  # 6.0375 + 5.6 + 0.1875
        (12.0125, 1, "pitch", "benefit"),  # ready 11.825 = seller free
        (17.6125, 0, "pitch", "observation"),
        (17.8, 1, "pitch", "observation"),
        (23.4, 0, "close", "acquisition"),
        (23.4, 0, "won", "acquisition"),
        (23.5875, 1, "close", "acquisition"),
        (23.5875, 1, "won", "acquisition"),
    ]
    # 0.5 h follow-up + 1 h cold call + 4 pulled meetings of 1.5 h
    assert list(j.hours) == [0.5 + 1 + 4 * 1.5] * 2


def test_unreachable_buyer_is_unqualified_after_max_refusals():
    # Zero trust and urgency, no base access: every meeting request is refused.
    pop = tiny_population(trust=const(0.0), urgency=const(0.0), patience_days=const(1000.0))
    beh = exact_behaviour(access_base=0.0, max_refusals=3)
    j, log = _run(pop, beh, [1.0])
    # follow-ups of 0.5 h (1/16 day); gaps of 7 / 0.25 = 28 days
    assert log == [
        (1.0, 0, "arrive", "awareness"),
        (1.0625, 0, "refused", "awareness"),
        (29.125, 0, "refused", "awareness"),
        (57.1875, 0, "refused", "awareness"),
        (57.1875, 0, "unqualified", "awareness"),
    ]
    assert ENDINGS[j.ending[0]] is Ending.UNQUALIFIED
    assert j.hours[0] == pytest.approx(1.5)


def test_buyer_below_the_hurdle_is_lost_to_status_quo():
    # Perceived gain 0.5 x price, no urgency framing: U < 0, never moves past
    # POTENTIAL, runs out of patience (10 d x (0.5 + 1)) and is a status-quo loss.
    pop = tiny_population(value_ratio=const(0.5), patience_days=const(10.0))
    beh = exact_behaviour(access_base=1.0, urgency_framing=False, back_probability=0.0)
    j, log = _run(pop, beh, [0.0])
    events = [e[2] for e in log]
    assert events == ["arrive", "cold_call", "pitch", "pitch", "patience_out", "status_quo"]
    assert ENDINGS[j.ending[0]] is Ending.STATUS_QUO
    assert j.timed_out[0]
    assert j.max_orbit[0] == Orbit.POTENTIAL


def test_group_hours_scale_meetings_not_follow_ups_exact():
    # Five stakeholders, group_hours 0.1: every meeting takes 1.4 x its hours;
    # the follow-up before the cold call (0.5 h) does not. push: follow-up 0.5,
    # cold call 1, three pitches of 2, close 2 -> 0.5 + 1.4 * (1 + 6 + 2).
    pop = tiny_population(stakeholders=const(5))
    # (pulled meetings at full length: this test is about the group's hours)
    beh = exact_behaviour(access_base=1.0, group_hours=0.1, pulled_hours_factor=1.0)
    j, log = _run(pop, beh, [0.0])
    assert ENDINGS[j.ending[0]] is Ending.WON
    assert j.hours[0] == pytest.approx(0.5 + 1.4 * 9.0)
    # the cold call ends at 0.5/8 + 1.4/8 days (8 h per day)
    assert log[1] == (pytest.approx(1.9 / 8), 0, "cold_call", "awareness")


def test_no_indecision_loss_with_indecision_off():
    # Buyers that prefer change (U > 0, exact rule) and every one stalls at each
    # decision when indecision is on. Pace 0.25 + 0.3: steps 12.7 days apart.
    arrivals = [float(i) for i in range(10)]

    def endings(patience: float, on: bool) -> list[Ending]:
        pop = tiny_population(
            patience_days=const(patience), urgency=const(0.3), indecision=const(1.0)
        )
        beh = exact_behaviour(access_base=1.0, indecision=on)
        j, _ = simulate(tiny_world(pop, beh, arrivals, team=5), make_strategy("push"))
        return [ENDINGS[k] for k in j.ending]

    # Patience 8 d x (0.5 + 0.3) = 6.4 d < 12.7: they run out of patience at
    # POTENTIAL, never having stalled: status quo (the old label said indecision).
    for on in (False, True):
        assert endings(8.0, on) == [Ending.STATUS_QUO] * 10
    # Patience 30 d -> 24 d > 12.7: they reach the decision; with indecision on
    # they stall three times (an indecision loss), with it off they buy.
    assert endings(30.0, True) == [Ending.INDECISION] * 10
    assert endings(30.0, False) == [Ending.WON] * 10


# ---------------------------------------------------------------- jumps (docs/model.md 3.1)


class _Halves(Draws):
    """A stream whose every uniform is 0.5, so each draw can be worked out by hand:
    Poisson by inversion returns the smallest k with CDF(k) > 0.5."""

    def random(self) -> float:
        return 0.5


def _run_halves(monkeypatch, behaviour, strategy="push", **world_kw):
    import simsales.engine.simulation as sim

    monkeypatch.setattr(
        sim._Simulation, "draws", lambda self, path: _Halves(self.world.decision_seed, path)
    )
    log: list = []
    world = tiny_world(tiny_population(), behaviour, [0.0], **world_kw)
    j, _ = simulate(world, make_strategy(strategy), log)
    return j, log


def test_compelling_events_make_a_buyer_jump_two_orbits_exact_log(monkeypatch):
    # One eager buyer (urgency 1, value 10), one seller at 8 h/day, steps 5.6
    # days apart, 365 compelling events a year, event_orbits 0.5, full-length
    # pulled meetings. Every uniform is 0.5.
    # - 0: follow-up 0.5 h to 0.0625, cold call 1 h to 0.1875 -> POTENTIAL.
    # - wait 5.6 d to 5.7875: events K ~ Poisson(5.6) = 5 (CDF(4) = 0.342,
    #   CDF(5) = 0.512); urgency stays 1; the group prefers change, so it jumps
    #   J ~ Poisson(5 x 0.5 x 1 = 2.5) = 2 orbits (CDF(1) = 0.287,
    #   CDF(2) = 0.544): POTENTIAL -> OBSERVATION without a seller.
    # - pulled (0.5 < u = 1): pitch 2 h to 6.0375, forward (temperature 0) to
    #   ACQUISITION; wait to 11.6375 (events, but no jump past ACQUISITION);
    #   pulled close 2 h to 11.8875: won after three meetings, not five.
    beh = exact_behaviour(
        access_base=1.0, compelling_event_rate=365.0, event_orbits=0.5, pulled_hours_factor=1.0
    )
    j, log = _run_halves(monkeypatch, beh)
    assert log == [
        (0.0, 0, "arrive", "awareness"),
        (0.1875, 0, "cold_call", "awareness"),
        (5.7875, 0, "jumped", "observation"),
        (6.0375, 0, "pitch", "observation"),
        (11.8875, 0, "close", "acquisition"),
        (11.8875, 0, "won", "acquisition"),
    ]
    assert j.hours[0] == 0.5 + 1 + 2 + 2
    assert j.max_orbit[0] == Orbit.ACQUISITION


def test_self_education_moves_a_buyer_between_meetings_exact_log(monkeypatch):
    # The same buyer without compelling events and with self_education_rate
    # 365 a year: after each 5.6-day wait it moves one orbit with probability
    # 1 - exp(-365 x 1 x 5.6 / 365) = 0.9963 > 0.5, then each pitch moves it one
    # more. Pulled meetings take 0.75 x 2 h = 1.5 h (0.1875 d).
    # - 0.1875: cold call -> POTENTIAL; 5.7875: self-educated -> BENEFIT;
    # - pitch to 5.975 -> OBSERVATION; 11.575: self-educated -> ACQUISITION;
    # - close to 11.7625: won.
    beh = exact_behaviour(access_base=1.0, self_education_rate=365.0)
    j, log = _run_halves(monkeypatch, beh)
    assert log == [
        (0.0, 0, "arrive", "awareness"),
        (0.1875, 0, "cold_call", "awareness"),
        (5.7875, 0, "self_educated", "benefit"),
        (5.975, 0, "pitch", "benefit"),
        (11.575, 0, "self_educated", "acquisition"),
        (11.7625, 0, "close", "acquisition"),
        (11.7625, 0, "won", "acquisition"),
    ]
    assert j.hours[0] == 0.5 + 1 + 1.5 + 1.5


def test_self_education_needs_a_buyer_that_prefers_change(monkeypatch):
    # Value below the hurdle (U < 0, no urgency framing): the hazard fires
    # (0.5 < 0.9963) but the buyer does not move on its own; it times out at
    # POTENTIAL (patience 100 x 1.5 days) as a status-quo loss.
    import simsales.engine.simulation as sim

    monkeypatch.setattr(
        sim._Simulation, "draws", lambda self, path: _Halves(self.world.decision_seed, path)
    )
    pop = tiny_population(value_ratio=const(0.5))
    beh = exact_behaviour(
        access_base=1.0, self_education_rate=365.0, urgency_framing=False, back_probability=0.0
    )
    log: list = []
    j, _ = simulate(tiny_world(pop, beh, [0.0]), make_strategy("push"), log)
    assert "self_educated" not in [e[2] for e in log]
    assert ENDINGS[j.ending[0]] is Ending.STATUS_QUO
    assert j.max_orbit[0] == Orbit.POTENTIAL


def test_a_run_collects_garbage_less_often_and_restores_the_collector():
    """Inside a run the collector's first threshold is raised; after it (and after an
    error inside ``fewer_collections``) the thresholds are as they were."""
    import gc

    from simsales.engine.simulation import fewer_collections

    before = gc.get_threshold()
    seen = []
    with fewer_collections(123_456):
        seen.append(gc.get_threshold())
    assert seen == [(max(before[0], 123_456), *before[1:])]
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("inside")
    assert gc.get_threshold() == before
    _run(tiny_population(), exact_behaviour(access_base=1.0), [0.0])
    assert gc.get_threshold() == before
