"""The buyer's decision rules (docs/model.md 2-3): known answers, statistics and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import simsales
from simsales.model.buyer import Buyer
from simsales.model.draws import Draws
from simsales.model.group import group_decides
from simsales.model.orbits import Ending, Orbit
from simsales.model.population import draw_traits
from simsales.seeding import OWN_NOISE

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
    k, n = sum(prefers), len(prefers)
    assert group_decides(k, n, "consensus") is consensus
    assert group_decides(k, n, "majority") is majority
    assert group_decides(k, n, "champion") is champion
    # the same rule on arrays of groups, as the array engine asks it
    ks, ns = np.array([k, 0, n]), np.array([n, n, n])
    for rule, want in (("consensus", consensus), ("majority", majority), ("champion", champion)):
        got = group_decides(ks, ns, rule)
        assert got.tolist() == [want, group_decides(0, n, rule), group_decides(n, n, rule)]


def test_unknown_rule_is_an_error():
    with pytest.raises(ValueError, match="consensus, majority, champion"):
        group_decides(1, 1, "dictator")


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
    beh = exact_behaviour(rivals=True, rival_presence=1.0)
    b = make_buyer(tiny_population(rival_edge=const(3.0)), beh)
    assert b.decide(np.random.default_rng(0)) is Ending.RIVAL
    b = make_buyer(tiny_population(rival_edge=const(-3.0)), beh)
    assert b.decide(np.random.default_rng(0)) is Ending.WON


def test_no_rival_where_none_competes():
    # Known answer: presence 0 (or rivals off) means no rival, however good its offer.
    for beh in (
        exact_behaviour(rivals=True, rival_presence=0.0),
        exact_behaviour(rivals=False, rival_presence=1.0),
    ):
        b = make_buyer(tiny_population(rival_edge=const(3.0)), beh)
        assert not b.rival
        assert b.decide(np.random.default_rng(0)) is Ending.WON


def test_rival_presence_is_the_customers_own_uniform():
    # Known answer: a rival competes where the customer's rival uniform is
    # below the presence; the uniforms come from their own trait stream.
    pop = tiny_population()
    traits = draw_traits(pop, 200, np.random.SeedSequence(3))
    for presence in (0.0, 0.3, 1.0):
        beh = exact_behaviour(rivals=True, rival_presence=presence)
        got = [Buyer(traits, i, beh, 0.0).rival for i in range(200)]
        assert got == list(traits.rival_draw < presence)


def test_rival_presence_share_statistical():
    # Statistical: the share of deals with a rival is rival_presence (4 standard errors).
    pop = tiny_population()
    n = 20_000
    traits = draw_traits(pop, n, np.random.SeedSequence(11))
    p = 0.35
    share = float(np.mean(traits.rival_draw < p))
    assert abs(share - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_meeting_hours_scale_with_the_group():
    # Known answer: hours x (1 + group_hours (n - 1)); 2 h, 5 people, 0.1 -> 2.8 h.
    act = simsales.Action(hours=2.0)
    pop = tiny_population(stakeholders=const(5))
    rng = np.random.default_rng(0)
    assert make_buyer(pop).meeting_hours(act, rng) == 2.0  # default 0: as before
    b = make_buyer(pop, exact_behaviour(group_hours=0.1))
    assert b.meeting_hours(act, rng) == pytest.approx(2.8)
    b.apply(act, np.random.default_rng(0))
    assert b.hours == pytest.approx(2.8)
    b.apply(act, np.random.default_rng(0), count=False)  # a follow-up: not scaled, not counted
    assert b.hours == pytest.approx(2.8)
    one = make_buyer(tiny_population(), exact_behaviour(group_hours=0.5))
    assert one.meeting_hours(act, rng) == 2.0  # a group of one takes the action's hours


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
    # Known answer: before a first meeting a buyer was never qualified; after one,
    # only a buyer that stalled is an indecision loss; one that prefers change but
    # never stalled did nothing: status quo.
    b = make_buyer(tiny_population(value_ratio=const(0.1), urgency=const(0.0)))
    assert b.orbit is Orbit.AWARENESS
    assert b.cause_when_patience_ends() is Ending.UNQUALIFIED
    b.orbit = Orbit.POTENTIAL
    assert b.cause_when_patience_ends() is Ending.STATUS_QUO
    b = make_buyer()
    b.orbit = Orbit.ACQUISITION
    assert b.mean_utility() > 0
    assert b.cause_when_patience_ends() is Ending.STATUS_QUO
    b.stalls = 1
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


PROPERTY = settings(deadline=None, max_examples=150)


class TestPropertyLossAversionAndFraming:
    """docs/model.md 2.2: with urgency framing, lambda also scales the felt loss of
    the status quo, so dU/dlambda = -(L^beta - F) = F - L^beta, F = (u N)^beta."""

    @staticmethod
    def _buyer(r: float, k: float, u: float, bias: float, lam: float, framing: bool) -> Buyer:
        b = make_buyer(
            tiny_population(
                value_ratio=const(r),
                known_need_share=const(k),
                urgency=const(u),
                first_impression_bias=const(bias),
                loss_aversion=const(lam),
            ),
            exact_behaviour(urgency_framing=framing),
        )
        return b

    @PROPERTY
    @given(
        r=st.floats(0.1, 20.0),
        k=st.floats(0.05, 1.0),
        u=st.floats(0.0, 1.0),
        bias=st.floats(-1.0, 1.0),
        lam=st.floats(0.5, 5.0),
        dlam=st.floats(0.01, 3.0),
    )
    def test_sign_of_dU_dlambda_is_the_sign_of_F_minus_L_beta(self, r, k, u, bias, lam, dlam):
        low = self._buyer(r, k, u, bias, lam, True)
        high = self._buyer(r, k, u, bias, lam + dlam, True)
        beta = low.b.beta
        framing = (u * math.exp(bias) * r * k) ** beta  # F: the status quo's felt loss
        slope = framing - low.loss_term  # dU/dlambda, the same for every lambda
        diff = high.utilities()[0] - low.utilities()[0]
        # U is linear in lambda: the difference is exactly dlam times the slope
        assert diff == pytest.approx(dlam * slope, rel=1e-9, abs=1e-9)
        assume(abs(slope) > 1e-9)
        assert np.sign(diff) == np.sign(slope)
        # a higher lambda raises the utility of buying exactly where F > L^beta
        assert (diff > 0) == (framing > low.loss_term)

    @PROPERTY
    @given(
        r=st.floats(0.1, 20.0),
        u=st.floats(0.0, 1.0),
        lam=st.floats(0.5, 5.0),
        dlam=st.floats(0.01, 3.0),
    )
    def test_without_framing_a_higher_lambda_always_lowers_U(self, r, u, lam, dlam):
        low = self._buyer(r, 0.6, u, 0.0, lam, False)
        high = self._buyer(r, 0.6, u, 0.0, lam + dlam, False)
        assert high.utilities()[0] - low.utilities()[0] == pytest.approx(
            -dlam * low.loss_term, rel=1e-9
        )


def test_correction_rates_of_the_built_in_actions_are_the_documented_ones():
    """Known answer: docs/model.md 2.3's table of correction rates, from
    c tau_s / (tau + c tau_s) with tau growing by c tau_s per meeting."""
    import re
    from pathlib import Path

    from simsales.model.actions import Action
    from simsales.model.behaviour import Behaviour
    from simsales.model.group import correction_rate

    text = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text()
    table = {
        m.group(1): (float(m.group(2)), [float(x) for x in m.group(3).split(" | ")])
        for m in re.finditer(
            r"^\| `([a-z_]+)`[^|]*\| ([0-9.]+) \| [0-9.]+ \| ((?:[0-9.]+ \| ){4}[0-9.]+) \|$",
            text,
            re.M,
        )
    }
    b = Behaviour()
    seen = set()
    for name in ("push", "relationship", "need_uncovering", "insight", "decision_coaching"):
        for _, action in simsales.make_strategy(name).params:
            if not isinstance(action, Action) or action.evidence <= 0:
                continue
            seen.add(action.name)
            evidence, (r1, r2, r3, r4, done) = table[action.name]
            assert evidence == action.evidence, action.name
            tau, left = 1 / b.impression_sd**2, 1.0
            for want in (r1, r2, r3, r4):
                got = correction_rate(action.evidence, b, tau)
                assert got == pytest.approx(want, abs=5e-4), action.name
                left *= 1 - got
                tau += b.conservatism * action.evidence / b.evidence_noise**2
            assert 1 - left == pytest.approx(done, abs=5e-4), action.name
    assert {"teach", "discovery", "coach"} <= seen


def _group_after_evidence(rho: float, rng, stakeholders: int = 3) -> Buyer:
    """A group with a near-flat prior (impression_sd 10) and Bayes (c = 1): after
    one meeting of evidence 1 each stakeholder's bias is (almost) its signal."""
    pop = tiny_population(stakeholders=const(stakeholders))
    beh = exact_behaviour(impression_sd=10.0, conservatism=1.0, evidence_correlation=rho)
    b = make_buyer(pop, beh)
    b.apply(simsales.Action(hours=1.0, evidence=1.0), rng)
    return b


def test_one_signal_for_the_group_by_default():
    # Known answer: rho = 1 (default): every stakeholder moves to the same place.
    b = _group_after_evidence(1.0, np.random.default_rng(1))
    assert b.own_noise is None  # nothing drawn from a second stream
    assert len(set(b.bias)) == 1


def test_own_signals_spread_the_group():
    b = _group_after_evidence(0.3, np.random.default_rng(1))
    assert len(set(b.bias)) == 3


def test_own_noise_shifts_none_of_the_customers_draws():
    # Common random numbers: the customer's own stream gives the same numbers
    # after a meeting whatever rho is; the stakeholders' own noise has its own
    # stream, named (OWN_NOISE, *path) below the decision seed.
    seed = np.random.SeedSequence(5)
    after = []
    for rho in (1.0, 0.5, 0.0):
        rng = Draws(seed, (7,))
        b = _group_after_evidence(rho, rng)
        after.append([rng.random() for _ in range(40)])
        if rho < 1:
            assert isinstance(b.own_noise, Draws)
            assert b.own_noise._key == (OWN_NOISE, 7)
    assert after[0] == after[1] == after[2]


@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9])
def test_signals_have_the_stated_correlation_statistical(rho):
    # Two stakeholders' signals: sd evidence_noise (0.3) each, correlation rho.
    # Prior weight 0.01 / (0.01 + 11.1): the biases are the signals to 0.1%.
    n = 3000
    rng = np.random.default_rng(21)
    x = np.array([_group_after_evidence(rho, rng, 2).bias for _ in range(n)])
    r = np.corrcoef(x[:, 0], x[:, 1])[0, 1]
    assert abs(r - rho) < 4 * (1 - rho**2) / np.sqrt(n) + 0.01
    sd = x.std(axis=0)
    assert np.all(np.abs(sd - 0.3) < 4 * 0.3 / np.sqrt(2 * n) + 0.001)


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
    act = simsales.Action(hours=2.0)
    rng = np.random.default_rng(0)
    assert b.meeting_hours(act, rng, pulled=True) == 1.0
    assert b.meeting_hours(act, rng, pulled=False) == 2.0
    # without meeting_noise no draw is taken: the stream is untouched
    assert rng.random() == np.random.default_rng(0).random()


def test_noisy_meeting_hours_are_exponential_statistical():
    # meeting_noise: Exp(mean = the meeting's hours), here 2 h x 0.5 (pulled) x 2.0
    # (a group of 3 at group_hours 0.5) = 2 h. Kolmogorov-Smirnov against that
    # exponential, fixed seed; a mean 10% off is rejected at this n.
    beh = exact_behaviour(pulled_hours_factor=0.5, group_hours=0.5, meeting_noise=True)
    b = make_buyer(tiny_population(stakeholders=const(3)), beh)
    act = simsales.Action(hours=2.0)
    rng = np.random.default_rng(2026)
    hours = np.array([b.meeting_hours(act, rng, pulled=True) for _ in range(4000)])
    assert stats.kstest(hours, stats.expon(scale=2.0).cdf).pvalue > 1e-3
    assert stats.kstest(hours, stats.expon(scale=2.2).cdf).pvalue < 1e-3
