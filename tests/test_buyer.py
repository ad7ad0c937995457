"""The buyer's decision rules (docs/model.md 2-3): known answers and statistics."""

from __future__ import annotations

import numpy as np
import pytest

import simsales
from simsales.model.buyer import group_decides
from simsales.model.orbits import Ending, Orbit

from worlds import const, exact_behaviour, make_buyer, tiny_population


@pytest.mark.parametrize(
    ("prefers", "consensus", "majority", "champion"),
    [
        ([True, True, True], True, True, True),
        ([True, True, False], False, True, True),
        ([True, False, False], False, False, True),
        ([True, False], False, False, True),  # a tie is not a majority
        ([False, False], False, False, False),
    ],
)
def test_group_rules(prefers, consensus, majority, champion):
    p = np.array(prefers)
    assert group_decides(p, "consensus") is consensus
    assert group_decides(p, "majority") is majority
    assert group_decides(p, "champion") is champion


def test_unknown_rule_is_an_error():
    with pytest.raises(ValueError, match="consensus, majority, champion"):
        group_decides(np.array([True]), "dictator")


def test_utility_is_the_prospect_theory_utility_plus_urgency_framing():
    b = make_buyer(tiny_population(value_ratio=const(3.0), urgency=const(0.5)))
    gain, loss = 3.0, 1.2
    expected = simsales.change_utility(gain, loss, 0.9) + 2.25 * (0.5 * gain) ** 0.88
    assert b.utilities()[0] == pytest.approx(expected)
    off = make_buyer(
        tiny_population(value_ratio=const(3.0), urgency=const(0.5)),
        exact_behaviour(urgency_framing=False),
    )
    assert off.utilities()[0] == pytest.approx(simsales.change_utility(gain, loss, 0.9))


def test_latent_needs_are_not_perceived_until_revealed():
    pop = tiny_population(value_ratio=const(4.0), known_need_share=const(0.25))
    b = make_buyer(pop)
    assert b.visible_value() == pytest.approx(1.0)
    assert b.true_value() == pytest.approx(4.0)
    assert make_buyer(pop, exact_behaviour(latent_needs=False)).visible_value() == 4.0


def test_first_impression_switch():
    pop = tiny_population(first_impression_bias=const(0.3))
    assert make_buyer(pop).bias[0] == pytest.approx(0.3)
    assert make_buyer(pop, exact_behaviour(first_impressions=False)).bias[0] == 0.0


def test_loss_aversion_switch():
    b = make_buyer(behaviour=exact_behaviour(loss_aversion=False))
    assert b.lam[0] == 1.0


def test_urgency_sets_pace_and_patience():
    slow = make_buyer(tiny_population(urgency=const(0.0)))
    fast = make_buyer(tiny_population(urgency=const(1.0)))
    assert slow.gap_days(np.random.default_rng(0)) == pytest.approx(7.0 / 0.25)
    assert fast.gap_days(np.random.default_rng(0)) == pytest.approx(7.0 / 1.25)
    # patience 100 d scaled by (0.5 + u)
    assert slow.patience_left(50.0) and not slow.patience_left(50.1)
    assert fast.patience_left(150.0) and not fast.patience_left(150.1)


def test_compelling_events_statistical():
    # Poisson(rate x days / 365) events, each closing 30% of the gap to u = 1.
    b = make_buyer(tiny_population(urgency=const(0.0)), exact_behaviour(compelling_event_rate=2.0))
    rng = np.random.default_rng(5)
    n = 4000
    counts = np.array([b.compelling_events(365.0, rng) for _ in range(n)])
    assert abs(counts.mean() - 2.0) < 4 * np.sqrt(2.0 / n)
    assert b.urgency > 0.99  # thousands of events: urgency saturates but stays <= 1
    assert b.urgency <= 1.0


def test_exponential_gap_statistical():
    b = make_buyer(tiny_population(urgency=const(0.75)), exact_behaviour(pace_noise=True))
    rng = np.random.default_rng(6)
    g = np.array([b.gap_days(rng) for _ in range(5000)])
    mean = 7.0 / 1.0
    assert abs(g.mean() - mean) < 4 * mean / np.sqrt(len(g))


def test_decision_outcomes():
    rng = np.random.default_rng(0)
    # high value, urgency: buys
    assert make_buyer().decide(rng) is Ending.WON
    # no value: says no, falls back to OBSERVATION, then status quo
    b = make_buyer(tiny_population(value_ratio=const(0.1), urgency=const(0.0)), exact_behaviour())
    b.orbit = Orbit.ACQUISITION
    assert b.decide(rng) is None and b.orbit == Orbit.OBSERVATION
    assert b.decide(rng) is Ending.STATUS_QUO
    # always stalls: indecision after max_stalls
    s = make_buyer(tiny_population(indecision=const(1.0)))
    s.orbit = Orbit.ACQUISITION
    assert [s.decide(rng) for _ in range(3)] == [None, None, Ending.INDECISION]


def test_rival_with_a_much_better_offer_wins():
    b = make_buyer(tiny_population(rival_edge=const(3.0)), exact_behaviour(rivals=True))
    assert b.decide(np.random.default_rng(0)) is Ending.RIVAL
    b = make_buyer(tiny_population(rival_edge=const(-3.0)), exact_behaviour(rivals=True))
    assert b.decide(np.random.default_rng(0)) is Ending.WON


def test_logit_choice_probability_statistical():
    # temperature 1: P(prefer change) = 1 / (1 + exp(-U)); with one stakeholder
    # and no rival or indecision, P(won at first decision) is exactly that.
    pop = tiny_population(value_ratio=const(1.5), urgency=const(0.2))
    beh = exact_behaviour(temperature=1.0, max_rejections=1)
    u = make_buyer(pop, beh).utilities()[0]
    p = 1 / (1 + np.exp(-u))
    rng = np.random.default_rng(9)
    n = 4000
    wins = sum(make_buyer(pop, beh).decide(rng) is Ending.WON for _ in range(n))
    assert abs(wins / n - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_patience_cause():
    b = make_buyer(tiny_population(value_ratio=const(0.1), urgency=const(0.0)))
    assert b.cause_when_patience_ends() is Ending.STATUS_QUO
    b = make_buyer()
    assert b.cause_when_patience_ends() is Ending.INDECISION


def test_scalar_group_utilities_equal_the_vectorised_prospect_theory(rng):
    """Known answer: the buyer's scalar per-stakeholder arithmetic against the
    array functions of simsales.model.prospect, with biases, a halo and the rival."""
    pop = tiny_population(
        value_ratio=const(3.0), urgency=const(0.4), stakeholders=const(3), rival_edge=const(0.2)
    )
    b = make_buyer(pop, exact_behaviour(rivals=True))
    b.set_bias([-0.3, 0.0, 0.5])
    b.apply(simsales.Action(hours=1.0, halo=0.2), rng)
    e = np.exp([-0.3, 0.0, 0.5])
    framing = 2.25 * (0.4 * 3.0 * e) ** 0.88
    ours = simsales.change_utility(3.0 * e, 1.2, 1 - 0.1 * 0.8) + framing
    rival = simsales.change_utility(3.0 * e * np.exp(0.2), 1.2, 0.9) + framing
    np.testing.assert_allclose(b.utilities(), ours, rtol=1e-12)
    np.testing.assert_allclose(b.utilities(rival=True), rival, rtol=1e-12)
    assert b.mean_utility() == pytest.approx(np.mean(ours))


# ---------------------------------------------------------------- jumps, self-education (3.1)


def _at(orbit: Orbit, urgency: float = 0.4, **beh):
    b = make_buyer(tiny_population(urgency=const(urgency)), exact_behaviour(**beh))
    b.orbit = b.max_orbit = orbit
    return b


def test_self_education_share_statistical():
    # Over d days a buyer that prefers change moves one orbit on its own with
    # probability 1 - exp(-rate u d / 365).
    rate, u, d, n = 6.0, 0.4, 30.0, 6000
    rng = np.random.default_rng(11)
    moved = 0
    for _ in range(n):
        b = _at(Orbit.POTENTIAL, u, self_education_rate=rate)
        if b.self_educates(d, rng, now=d):
            assert b.orbit == Orbit.BENEFIT and b.last_progress == d
            moved += 1
    p = 1.0 - np.exp(-rate * u * d / 365.0)
    assert abs(moved / n - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_self_education_only_between_potential_and_observation():
    rng = np.random.default_rng(0)
    for orbit in (Orbit.AWARENESS, Orbit.ACQUISITION):
        b = _at(orbit, 1.0, self_education_rate=365.0)
        assert not b.self_educates(365.0, rng, now=1.0) and b.orbit == orbit
    off = _at(Orbit.POTENTIAL, 1.0, self_education_rate=0.0)
    assert not off.self_educates(365.0, rng, now=1.0)


def test_event_jump_sizes_statistical():
    # K = 2 events at urgency 0.6 and event_orbits 0.5: J ~ Poisson(0.6), cut
    # at ACQUISITION (3 orbits above POTENTIAL).
    rng = np.random.default_rng(12)
    n = 6000
    sizes = np.array(
        [_at(Orbit.POTENTIAL, 0.6, event_orbits=0.5).event_jump(2, rng, 1.0) for _ in range(n)]
    )
    lam = 2 * 0.5 * 0.6
    pmf = [np.exp(-lam) * lam**k / np.prod(range(1, k + 1)) for k in range(3)]
    expected = [*pmf, 1.0 - sum(pmf)]
    for k, p in enumerate(expected):
        share = np.mean(sizes == k)
        assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n), (k, share, p)


def test_no_jump_when_the_group_does_not_prefer_change():
    b = make_buyer(
        tiny_population(value_ratio=const(0.5), urgency=const(1.0)),
        exact_behaviour(urgency_framing=False, event_orbits=10.0),
    )
    b.orbit = Orbit.POTENTIAL
    assert b.mean_utility() < 0
    assert b.event_jump(5, np.random.default_rng(0), 1.0) == 0 and b.orbit == Orbit.POTENTIAL


def test_pulled_meeting_hours():
    b = make_buyer(behaviour=exact_behaviour(pulled_hours_factor=0.5))
    assert b.meeting_hours(2.0, pulled=True) == 1.0
    assert b.meeting_hours(2.0, pulled=False) == 2.0
