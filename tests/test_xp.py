"""One source for the behavioural rules: the same rule on one buyer (``SCALAR``, what
the SimPy engine steps) and on arrays of buyers (``ARRAY``) gives the same numbers.

Property tests (Hypothesis): buyers drawn from the default population, with their
state moved as a journey moves it (needs revealed, offer tailored, urgency,
a halo), are stacked into padded ``(B,)`` and ``(B, S)`` arrays; every rule on the
arrays equals the rule on each buyer to rounding (numpy's ``exp`` and ``power`` may
differ from :mod:`math`'s in the last place, so the bound is relative, 1e-12).
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsales.engine.market import inbound_day, period_length
from simsales.engine.world import MONTH
from simsales.model import equations, valuation
from simsales.model.behaviour import Behaviour
from simsales.model.buyer import Buyer
from simsales.model.group import group_decides, logistic, tk_weight
from simsales.model.lifecycle import Lifecycle
from simsales.model.orbits import Ending, Orbit
from simsales.model.population import Population, draw_traits
from simsales.model.xp import ARRAY, SCALAR

#: The per-buyer and per-stakeholder fields the valuation rules read.
BUYER_FIELDS = ("r", "k", "revealed", "tailor", "urgency", "rival_edge", "loss_term", "n")
STAKEHOLDER_FIELDS = ("w_ours", "w_rival", "ea", "eb", "lam")

unit = st.floats(0.0, 1.0)


def _buyers(seed: int, count: int, behaviour: Behaviour, states: list[tuple]) -> list[Buyer]:
    traits = draw_traits(Population(), count, np.random.SeedSequence(seed))
    buyers = []
    for i, (revealed, tailor, urgency, halo) in enumerate(states[:count]):
        b = Buyer(traits, i, behaviour, arrival=0.0)
        b.revealed, b.tailor, b.urgency = revealed * (1.0 - b.k), tailor, urgency
        # a halo raises the weights of our offer's success (as Buyer.apply does)
        b.w_ours = [
            tk_weight(SCALAR, 1.0 - (1.0 - q) * (1.0 - halo), behaviour.gamma) for q in b.p_success
        ]
        buyers.append(b)
    return buyers


def _stacked(buyers: list[Buyer]) -> SimpleNamespace:
    """The buyers as arrays: ``(B,)`` per buyer, ``(B, S)`` per stakeholder, padded with
    NaN (no rule may read beyond a buyer's stakeholders)."""
    width = max(b.n for b in buyers)
    fields: dict[str, Any] = {f: np.array([getattr(b, f) for b in buyers]) for f in BUYER_FIELDS}
    for f in STAKEHOLDER_FIELDS:
        rows = np.full((len(buyers), width), np.nan)
        for j, b in enumerate(buyers):
            values = getattr(b, f)
            rows[j, : len(values)] = values
        fields[f] = rows
    return SimpleNamespace(**fields)


states = st.lists(st.tuples(unit, unit, st.floats(0.0, 3.0), unit), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(states=states, seed=st.integers(0, 2**32 - 1), framing=st.booleans(), rival=st.booleans())
def test_utilities_of_many_buyers_are_those_of_each(states, seed, framing, rival):
    behaviour = Behaviour(urgency_framing=framing)
    buyers = _buyers(seed, len(states), behaviour, states)
    arrays = _stacked(buyers)
    got = valuation.utilities(ARRAY, arrays, behaviour, rival)
    means = valuation.mean_utility(ARRAY, arrays, behaviour, rival)
    for j, b in enumerate(buyers):
        one = valuation.utilities(SCALAR, b, behaviour, rival)
        assert one == b.utilities(rival)  # the Buyer's method is the rule on one buyer
        np.testing.assert_allclose(got[j, : b.n], one, rtol=1e-12, atol=1e-12)
        assert means[j] == pytest.approx(b.mean_utility(rival), rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(
        valuation.visible_value(arrays), [b.visible_value() for b in buyers], rtol=1e-15
    )


@settings(max_examples=60, deadline=None)
@given(
    x=st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=20),
    temperature=st.sampled_from([0.0, 0.01, 0.3, 1.0, 50.0]),
)
def test_logistic_of_an_array_is_that_of_each_value(x, temperature):
    got = logistic(ARRAY, np.array(x), temperature)
    want = [logistic(SCALAR, v, temperature) for v in x]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
    assert all(0.0 <= v <= 1.0 for v in want)


@settings(max_examples=60, deadline=None)
@given(p=st.lists(unit, min_size=1, max_size=20), gamma=st.floats(0.3, 1.0))
def test_probability_weight_of_an_array_is_that_of_each_value(p, gamma):
    got = tk_weight(ARRAY, np.array(p), gamma)
    np.testing.assert_allclose(got, [tk_weight(SCALAR, q, gamma) for q in p], rtol=1e-12)


@given(n=st.lists(st.integers(1, 50), min_size=1, max_size=20), data=st.data())
def test_group_rules_of_an_array_are_those_of_each_group(n, data):
    k = [data.draw(st.integers(0, m)) for m in n]
    for rule in ("consensus", "majority", "champion"):
        got = group_decides(np.array(k), np.array(n), rule)
        assert got.tolist() == [group_decides(a, b, rule) for a, b in zip(k, n, strict=True)]


# --------------------------------------------------------------------------- #
# the small equations (simsales.model.equations): known answers, and the same IEEE
# numbers on floats and on arrays where they are + - * / (to the last place where
# they raise to a power or take the namespace's expm1)
# --------------------------------------------------------------------------- #


def test_equations_known_answers():
    b = Behaviour(access_base=0.3, access_trust=0.4, access_urgency=0.2)
    assert equations.access_chance(b, 0.5, 0.25) == pytest.approx(0.55, rel=1e-15)
    paced = Behaviour(step_days=8.0, pace_floor=0.5, urgency_pace=True)
    assert equations.step_mean(paced, 0.5) == pytest.approx(8.0, rel=1e-15)
    assert equations.step_mean(paced.model_copy(update={"urgency_pace": False}), 0.5) == 8.0
    assert equations.urgency_after_events(0.2, 0.5, 2) == pytest.approx(0.8, rel=1e-15)
    assert equations.urgency_after_events(0.2, 0.5, 0) == pytest.approx(0.2, rel=1e-15)
    # a hazard of 12 * 0.5 a year over a sixth of a year: 1 - exp(-1)
    chance = equations.self_education_chance(SCALAR, 12.0, 0.5, 365.0 / 6.0)
    assert chance == pytest.approx(1.0 - np.exp(-1.0), rel=1e-15)
    # patience 10 days at urgency 0.5: 10 days since progress still waits, 10.001 not
    assert equations.patience_left(20.0, 10.0, 10.0, 0.5)
    assert not equations.patience_left(20.001, 10.0, 10.0, 0.5)
    assert equations.toward_one(0.5, 0.2) == pytest.approx(0.6, rel=1e-15)
    assert equations.skeptic_chance(0.2, 0.75) == pytest.approx(0.05, rel=1e-15)
    # urgency grows only with the value the buyer would get (r > 1), fully from r = 2
    assert equations.urgency_gained(SCALAR, 0.5, 0.2, 1.5) == pytest.approx(0.55, rel=1e-15)
    assert equations.urgency_gained(SCALAR, 0.5, 0.2, 0.8) == 0.5
    assert equations.urgency_gained(SCALAR, 0.5, 0.2, 9.0) == pytest.approx(0.6, rel=1e-15)
    assert equations.halo_success(0.6, 0.5) == pytest.approx(0.8, rel=1e-15)
    # satisfaction: worth its price at half adoption of twice the price (log 1 = 0), a
    # shortfall of half the value expected (log 0.5, weighted), credit for ownership
    life = Lifecycle(disappointment_weight=1.5, internalisation_weight=0.4)
    s = equations.satisfaction(SCALAR, life, 2.0, 0.5, 4.0, 1.0, 0.5)
    assert s == pytest.approx(1.5 * math.log(0.5) + 0.4 * 0.5, rel=1e-15)
    # no shortfall when the value beat the expectation, or nothing was expected
    assert equations.satisfaction(SCALAR, life, 2.0, 0.5, 1.0, 1.0, 0.0) == 0.0
    assert equations.satisfaction(SCALAR, life, 2.0, 0.5, 0.0, 1.0, 0.0) == 0.0
    life = Lifecycle(temperature=0.5, renewal_bias=1.0, referred_loyalty=0.25,
                     referral_rate=4.0, zealot_multiplier=2.0)  # fmt: skip
    assert equations.renewal_log_odds(SCALAR, life, -0.25, False) == pytest.approx(0.5)
    assert equations.renewal_log_odds(SCALAR, life, -0.25, True) == pytest.approx(0.75)
    rates = [equations.referral_rate(SCALAR, life, o, False) for o in Orbit]
    assert rates == [4.0 if o == Orbit.REFER else 8.0 if o == Orbit.ZEALOT else 0.0
                     for o in Orbit]  # fmt: skip
    assert equations.referral_rate(SCALAR, life, Orbit.ZEALOT, True) == 0.0  # churned
    assert equations.hour_factor(Behaviour(group_hours=0.25), 5) == 2.0
    assert equations.events_mean(6.0, 73.0) == pytest.approx(1.2, rel=1e-15)
    assert equations.event_jump_mean(2, 1.5, 0.5) == 1.5
    # the expectation at purchase: the stakeholders' mean perceived gain (padding ignored)
    ln2 = math.log(2.0)
    assert equations.expectation(SCALAR, [0.0, ln2], 3.0, 2) == pytest.approx(4.5, rel=1e-15)
    many = equations.expectation(
        ARRAY, np.array([[0.0, ln2, 9.0], [ln2, 9.0, 9.0]]), np.array([3.0, 1.0]),
        np.array([2, 1]),
    )  # fmt: skip
    np.testing.assert_allclose(many, [4.5, 2.0], rtol=1e-15)
    # the post-sale chances, capped at 1
    post = Lifecycle(install_success=0.7, adoption_rate=0.2, adoption_internalised=0.5,
                     advocacy_probability=0.3, advocacy_internalised=0.4,
                     zealot_probability=0.5)  # fmt: skip
    assert equations.install_chance(SCALAR, post, 0.1) == pytest.approx(0.8, rel=1e-15)
    assert equations.install_chance(SCALAR, post, 0.5) == 1.0
    assert equations.adoption_rate(SCALAR, post, 0.4, 0.1) == pytest.approx(0.5, rel=1e-15)
    assert equations.advocacy_chance(SCALAR, post, 0.5) == pytest.approx(0.5, rel=1e-15)
    assert equations.advocacy_chance(SCALAR, post, 2.0) == 1.0
    assert equations.zealot_chance(post, 0.5) == pytest.approx(0.25, rel=1e-15)
    grown = Lifecycle(expansion_size=0.5)
    assert equations.contract_value(SCALAR, grown, False) == 1.0
    assert equations.contract_value(SCALAR, grown, True) == 1.5
    np.testing.assert_array_equal(
        equations.contract_value(ARRAY, grown, np.array([False, True])), [1.0, 1.5]
    )
    np.testing.assert_array_equal(
        equations.adoption_rate(ARRAY, post, np.array([0.4, 3.0]), np.array([0.1, 0.0])),
        [equations.adoption_rate(SCALAR, post, 0.4, 0.1), 1.0],
    )
    orbits = np.array([int(o) for o in Orbit] * 2)
    churned = np.arange(len(orbits)) >= len(Orbit)
    np.testing.assert_array_equal(
        equations.referral_rate(ARRAY, life, orbits, churned), rates + [0.0] * len(Orbit)
    )
    np.testing.assert_array_equal(
        equations.renewal_log_odds(ARRAY, life, np.array([-0.25, -0.25]), np.array([False, True])),
        [equations.renewal_log_odds(SCALAR, life, -0.25, r) for r in (False, True)],
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(unit, unit, st.floats(0.0, 400.0), st.integers(0, 6)), min_size=1,
             max_size=20),
    unit, unit, st.floats(0.0, 20.0),
)  # fmt: skip
def test_equations_give_the_same_numbers_on_floats_and_arrays(rows, access, jump, rate):
    b = Behaviour(access_base=access, urgency_pace=True)
    pulled_b = Behaviour(pulled_hours_factor=0.7)
    cold = SimpleNamespace(outbound_trust=0.4, outbound_urgency=0.6)
    trust, urgency, days, events = (np.array(c) for c in zip(*rows, strict=True))
    exact = [  # + - * /, comparisons and clipping: the same IEEE operations
        (lambda xp, t, u, d, k: equations.access_chance(b, t, u)),
        (lambda xp, t, u, d, k: equations.step_mean(b, u)),
        (lambda xp, t, u, d, k: equations.patience_left(d, 0.5 * d, t * 100.0, u)),
        (lambda xp, t, u, d, k: equations.toward_one(t, u)),
        (lambda xp, t, u, d, k: equations.skeptic_chance(u, t)),
        (lambda xp, t, u, d, k: equations.urgency_gained(xp, u, t, d / 100.0)),
        (lambda xp, t, u, d, k: equations.halo_success(t, u)),
        (lambda xp, t, u, d, k: equations.meeting_chance(xp, b, t, u + 0.5)),  # capped at 1
        (lambda xp, t, u, d, k: equations.rebuffed_trust(t)),
        (lambda xp, t, u, d, k: equations.pressured(t, u)),
        (lambda xp, t, u, d, k: equations.coached(t, u)),
        (lambda xp, t, u, d, k: equations.meeting_hours(pulled_b, d, t + 1.0, False)),
        (lambda xp, t, u, d, k: equations.meeting_hours(pulled_b, d, t + 1.0, True)),
        (lambda xp, t, u, d, k: equations.outbound_chill(cold, t, u)[0]),
        (lambda xp, t, u, d, k: equations.outbound_chill(cold, t, u)[1]),
        (
            lambda xp, t, u, d, k: equations.referral_warmth(
                xp, Lifecycle(), t, [] if xp is SCALAR else u
            )[0]
        ),
        (lambda xp, t, u, d, k: equations.jumped_orbit(xp, k, k)),
        (lambda xp, t, u, d, k: equations.referral_orbit(xp, k)),
    ]
    for f in exact:
        many = f(ARRAY, trust, urgency, days, events)
        one = [f(SCALAR, *(float(x) for x in r[:3]), int(r[3])) for r in rows]
        np.testing.assert_array_equal(many, np.array(one))
    # satisfaction, through the namespace's log (math's and numpy's agree here)
    life = Lifecycle()
    expect = np.where(events > 3, 0.0, 0.01 + 3.0 * trust)  # some expected nothing
    many = equations.satisfaction(ARRAY, life, 4.0 * urgency, trust, expect, 1.0 + trust,
                                  urgency)  # fmt: skip
    one = [equations.satisfaction(SCALAR, life, 4.0 * float(u), float(t), float(e),
                                  1.0 + float(t), float(u))
           for t, u, e in zip(trust, urgency, expect, strict=True)]  # fmt: skip
    np.testing.assert_allclose(many, np.array(one), rtol=1e-14, atol=1e-15)
    # ** (numpy's own pow) and the namespace's expm1: equal to the last place or so
    many = equations.urgency_after_events(urgency, jump, events)
    one = [equations.urgency_after_events(float(u), jump, int(k)) for u, k in
           zip(urgency, events, strict=True)]  # fmt: skip
    # (1 - a power near 1: a last-place difference of the power, up to 1.1e-16, stays)
    np.testing.assert_allclose(many, np.array(one), rtol=1e-15, atol=2.5e-16)
    many = equations.self_education_chance(ARRAY, rate, urgency, days)
    one = [equations.self_education_chance(SCALAR, rate, float(u), float(d)) for u, d in
           zip(urgency, days, strict=True)]  # fmt: skip
    np.testing.assert_allclose(many, np.array(one), rtol=1e-15, atol=0.0)


def test_new_shared_equations_known_answers():
    """The formulas both engines took from their own copies into equations.py."""
    b = Behaviour(access_base=0.9, access_trust=0.4, access_urgency=0.2, pulled_hours_factor=0.5)
    assert equations.meeting_chance(SCALAR, b, 0.5, 0.25) == 1.0  # 1.15, capped
    assert equations.rebuffed_trust(0.6) == pytest.approx(0.4, rel=1e-15)
    assert equations.pressured(0.5, 0.2) == pytest.approx(0.4, rel=1e-15)
    assert equations.coached(0.5, 0.5) == 0.25
    assert equations.meeting_hours(b, 2.0, 1.5, False) == 3.0
    assert equations.meeting_hours(b, 2.0, 1.5, True) == 1.5
    assert equations.prior_precision(Behaviour(impression_sd=0.5)) == 4.0
    assert equations.loss_term(Behaviour(switching_cost=0.0)) == 1.0
    assert equations.jumped_orbit(SCALAR, int(Orbit.POTENTIAL), 10) == int(Orbit.ACQUISITION)
    assert equations.jumped_orbit(SCALAR, int(Orbit.POTENTIAL), 1) == int(Orbit.BENEFIT)
    assert equations.referral_orbit(SCALAR, 7) == int(Orbit.BENEFIT)
    assert equations.referral_orbit(SCALAR, 0) == int(Orbit.AWARENESS)
    life = Lifecycle(referral_trust=0.5, referral_bias=0.5)
    trust, bias = equations.referral_warmth(SCALAR, life, 0.2, [0.4, -0.2])
    assert trust == pytest.approx(0.6, rel=1e-15)
    assert bias == [0.2, -0.1]
    ea, eb = equations.impression_factors(SCALAR, b, [0.0, 1.0])
    assert ea == [1.0, pytest.approx(math.exp(b.alpha))]
    assert eb == [1.0, pytest.approx(math.exp(b.beta))]
    # the halo's weights: no halo, the weights of p; a full halo, of certain success
    p = [0.3, 0.8]
    assert equations.halo_weights(SCALAR, 0.6, p, 0.0) == pytest.approx(
        [tk_weight(SCALAR, q, 0.6) for q in p], rel=1e-14
    )
    assert equations.halo_weights(SCALAR, 0.6, p, 1.0) == [1.0, 1.0]
    many = equations.halo_weights(ARRAY, 0.6, np.array([p, p]), np.array([0.0, 0.5]))
    np.testing.assert_allclose(
        many, [equations.halo_weights(SCALAR, 0.6, p, h) for h in (0.0, 0.5)], rtol=1e-15
    )
    # endings: codes of Ending, the same on one buyer and many
    aw, pot = int(Orbit.AWARENESS), int(Orbit.POTENTIAL)
    code = equations.ENDING_CODE
    assert equations.ENDINGS[code[Ending.WON]] is Ending.WON
    assert equations.patience_ending(SCALAR, aw, 1) == code[Ending.UNQUALIFIED]
    assert equations.patience_ending(SCALAR, pot, 0) == code[Ending.STATUS_QUO]
    assert equations.patience_ending(SCALAR, pot, 2) == code[Ending.INDECISION]
    assert equations.dark_ending(SCALAR, aw) == code[Ending.UNQUALIFIED]
    assert equations.dark_ending(SCALAR, pot) == code[Ending.WENT_DARK]
    orbit, stalls = np.array([aw, pot, pot, aw]), np.array([1, 0, 2, 0])
    assert equations.patience_ending(ARRAY, orbit, stalls).tolist() == [
        equations.patience_ending(SCALAR, o, s) for o, s in zip(orbit, stalls, strict=True)
    ]
    assert equations.dark_ending(ARRAY, orbit).tolist() == [
        equations.dark_ending(SCALAR, o) for o in orbit
    ]
    # renewal: the logistic of the log odds (0 log odds: an even chance)
    even = Lifecycle(renewal_bias=0.0, referred_loyalty=0.0)
    x = equations.renewal_log_odds(SCALAR, even, 0.0, False)
    assert equations.renewal_chance(SCALAR, even, 0.0, False) == pytest.approx(
        logistic(SCALAR, x, 1.0), rel=1e-15
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 6), st.floats(0.05, 5.0), st.floats(-2.0, 2.0),
                       st.floats(-1.0, 1.0)), min_size=1, max_size=12),
    st.floats(0.0, 1.0), st.floats(0.05, 1.0),
)  # fmt: skip
def test_evidence_update_on_arrays_is_that_of_each_group(groups, rho, conservatism):
    """The array engine's evidence update (padded (B, S) arrays) gives each group the
    numbers the SimPy engine's scalar update gives it, for a shared and own noise."""
    from simsales.model.beliefs import evidence_update

    b = Behaviour(evidence_correlation=rho, conservatism=conservatism)
    width = max(n for n, *_ in groups)
    rng = np.random.default_rng(7)
    bias = rng.normal(size=(len(groups), width))
    tau = rng.uniform(0.5, 4.0, size=(len(groups), width))
    own = rng.normal(size=(len(groups), width)) if rho < 1.0 else None
    strength = np.array([g[1] for g in groups])
    claim = np.array([g[2] for g in groups])
    shared = np.array([g[3] for g in groups])
    c = np.full(len(groups), conservatism)
    many = evidence_update(ARRAY, bias, tau, strength, claim, shared, own, c, b)
    for i, (n, s, cl, sh) in enumerate(groups):
        noise = None if own is None else own[i, :n].tolist()
        one = evidence_update(SCALAR, bias[i, :n].tolist(), tau[i, :n].tolist(), s, cl, sh,
                              noise, conservatism, b)  # fmt: skip
        np.testing.assert_array_equal(many[0][i, :n], one[0])
        np.testing.assert_array_equal(many[1][i, :n], one[1])


def test_evidence_update_is_bayes_at_conservatism_one():
    """With c = 1, one stakeholder, no claim: the normal-normal posterior (known answer)."""
    from simsales.model.beliefs import evidence_update

    b = Behaviour(evidence_correlation=1.0, conservatism=1.0, evidence_noise=0.5)
    # prior mean 0.4, precision 4; signal -0.2 of precision strength / noise^2 = 2 / 0.25 = 8
    (m,), (tau,) = evidence_update(SCALAR, [0.4], [4.0], 2.0, 0.0, -0.2, None, 1.0, b)
    assert tau == 12.0
    assert m == pytest.approx((4.0 * 0.4 + 8.0 * -0.2) / 12.0, rel=1e-15)


def test_mechanisms_switched_off_give_their_neutral_values_on_one_buyer_and_many():
    args = (0.6, 0.3, 0.2, 0.5, [0.4, -0.1], [2.0, 2.5])  # k, indecision, draw, presence
    on = equations.mechanisms_in_use(SCALAR, Behaviour(), *args)
    assert on == (0.6, 0.3, True, [0.4, -0.1], [2.0, 2.5])
    none = Behaviour(latent_needs=False, indecision=False, rivals=False,
                     first_impressions=False, loss_aversion=False)  # fmt: skip
    off = equations.mechanisms_in_use(SCALAR, none, *args)
    assert off == (1.0, 0.0, False, [0.0, 0.0], [1.0, 1.0])
    # on arrays: the same values, a switched-off mechanism's broadcast to every row
    many = equations.mechanisms_in_use(
        ARRAY, Behaviour(), np.array([0.6, 0.6]), np.array([0.3, 0.3]), np.array([0.2, 0.7]),
        0.5, np.array([[0.4, -0.1]] * 2), np.array([[2.0, 2.5]] * 2),
    )  # fmt: skip
    assert many[2].tolist() == [True, False]
    np.testing.assert_array_equal(many[3], [[0.4, -0.1]] * 2)
    rows = (np.array([x]) for x in args[:3])
    off_many = equations.mechanisms_in_use(
        ARRAY, none, *rows, 0.5, np.array([args[4]]), np.array([args[5]])
    )
    assert off_many[:2] == (1.0, 0.0)
    assert off_many[2].tolist() == [False]
    assert off_many[3:] == (0.0, 1.0)


def test_the_stakeholder_maps_agree_on_one_buyer_and_many():
    """``each`` (with ``every``'s buyer value) and ``exp_scaled`` give each row of the
    padded arrays what they give that buyer's lists; ``each`` refuses lists of unequal
    length rather than cutting the longer one short."""
    bias = np.array([[0.3, -0.2, 0.0], [1.1, 0.5, -0.7]])
    shift = np.array([0.25, -1.0])
    many = ARRAY.each(lambda x, s: x * 2.0 + s, bias, ARRAY.every(shift, bias))
    ea, eb = ARRAY.exp_scaled(bias, 0.88, 0.5)
    for i in range(2):
        row = bias[i].tolist()
        one = SCALAR.each(lambda x, s: x * 2.0 + s, row, SCALAR.every(float(shift[i]), row))
        np.testing.assert_array_equal(many[i], one)
        one_a, one_b = SCALAR.exp_scaled(row, 0.88, 0.5)
        np.testing.assert_allclose(ea[i], one_a, rtol=1e-15)
        np.testing.assert_allclose(eb[i], one_b, rtol=1e-15)
        assert one_a == [math.exp(0.88 * x) for x in row]
        assert one_b == [math.exp(0.5 * x) for x in row]
    with pytest.raises(ValueError, match="differ in length"):
        SCALAR.each(lambda x, y: x + y, [1.0, 2.0], [1.0])


@pytest.mark.parametrize("rho", [1.0, 0.36])
def test_scalar_evidence_update_is_the_written_out_formula_bit_for_bit(rho):
    """Known answer: on one buyer the update is ``m + c ts / (tau + c ts) (signal - m)``
    and ``tau + c ts`` in plain float arithmetic, with ``signal = claim + e_0`` (one
    signal) or ``claim + sqrt(rho) e_0 + sqrt(1 - rho) e_j`` (own noise), exactly."""
    from simsales.model.beliefs import evidence_update

    b = Behaviour(evidence_correlation=rho, conservatism=0.3, evidence_noise=0.7)
    bias, tau, own = [0.31, -0.52, 0.08], [2.5, 6.25, 3.1], [0.11, -0.27, 0.4]
    strength, claim, shared = 1.3, 0.05, -0.19
    cts = 0.3 * (strength / 0.7**2)
    if rho < 1.0:
        signals = [claim + math.sqrt(rho) * shared + math.sqrt(1.0 - rho) * e for e in own]
    else:
        signals = [claim + shared] * 3
    noise = own if rho < 1.0 else None
    new, after = evidence_update(SCALAR, bias, tau, strength, claim, shared, noise, 0.3, b)
    assert new == [
        m + cts / (t + cts) * (s - m) for m, t, s in zip(bias, tau, signals, strict=True)
    ]
    assert after == [t + cts for t in tau]


def test_the_post_sale_and_orbit_chances_known_answers():
    """A forward move, a satisfied step and an installed customer's adoption, on one
    buyer and on many; and which markets' members move month by month."""
    from simsales.engine.market import members_move
    from simsales.engine.params import Market

    b, life = Behaviour(temperature=0.5), Lifecycle(temperature=2.0, install_adoption=0.3)
    assert equations.forward_chance(SCALAR, b, 0.0) == 0.5
    assert equations.forward_chance(SCALAR, b, math.log(3.0) * 0.5) == pytest.approx(0.75)
    assert equations.satisfied_chance(SCALAR, life, 2.0 * math.log(3.0)) == pytest.approx(0.75)
    assert equations.installed_adoption(SCALAR, life, 0.1) == 0.3
    assert equations.installed_adoption(SCALAR, life, 0.6) == 0.6
    u = np.array([-1.0, 0.0, 0.7])
    np.testing.assert_array_equal(
        equations.forward_chance(ARRAY, b, u), [equations.forward_chance(SCALAR, b, x) for x in u]
    )
    np.testing.assert_array_equal(
        equations.satisfied_chance(ARRAY, life, u),
        [equations.satisfied_chance(SCALAR, life, x) for x in u],
    )
    np.testing.assert_array_equal(
        equations.installed_adoption(ARRAY, life, np.array([0.1, 0.6])), [0.3, 0.6]
    )
    still = Market(size=100)
    assert not members_move(still, 0.0)
    assert members_move(still, 5.0)  # a programme reaches them
    assert members_move(Market(size=100, inward_rate=0.1), 0.0)
    assert members_move(Market(size=100, inward_imitation=0.2), 0.0)


def test_the_account_and_advocate_schedules_known_answers():
    """What an account does next (a step, its renewal, or nothing before the end) and
    whether an advocate's contact makes a lead and whether it goes on, on one account
    and on many."""
    ends, renews, steps = (equations.ACCOUNT_ENDS, equations.ACCOUNT_RENEWS,
                           equations.ACCOUNT_STEPS)  # fmt: skip
    # (now, gap, due) with the end of observation at day 100
    cases = [
        (10.0, 5.0, 50.0, steps),  # the step, on day 15, comes first
        (10.0, 30.0, 50.0, steps),  # on day 40, still before the renewal
        (10.0, 40.0, 30.0, renews),  # the renewal, on day 30, before the step on 50
        (10.0, 20.0, 30.0, renews),  # together: it renews
        (60.0, 5.0, 40.0, renews),  # overdue (work ran past the due date): at once
        (90.0, 20.0, 120.0, ends),  # both on or after day 100
        (95.0, 5.0, 130.0, ends),  # the step falls on the end itself
        (95.0, 10.0, 100.0, ends),  # and so does the renewal
    ]
    for now, gap, due, want in cases:
        assert equations.account_next(SCALAR, now, gap, due, 100.0) == want, (now, gap, due)
    now, gap, due, want = (np.array(c) for c in zip(*cases, strict=True))
    np.testing.assert_array_equal(equations.account_next(ARRAY, now, gap, due, 100.0), want)

    # horizon 50, end 80: leads come until day 50 only
    assert equations.advocate_refers(49.0, 2.0, 50.0, 80.0)
    assert not equations.advocate_refers(50.0, 2.0, 50.0, 80.0)
    assert not equations.advocate_refers(10.0, 0.0, 50.0, 80.0)  # no longer an advocate
    assert not equations.advocate_refers(30.0, 2.0, 50.0, 30.0)  # observation has ended
    assert equations.advocate_goes_on(49.0, 2.0, 50.0)
    assert not equations.advocate_goes_on(50.0, 2.0, 50.0)
    assert not equations.advocate_goes_on(10.0, 0.0, 50.0)
    t, rate = np.array([10.0, 10.0, 49.0, 50.0, 70.0]), np.array([2.0, 0.0, 1.0, 1.0, 1.0])
    np.testing.assert_array_equal(
        equations.advocate_refers(t, rate, 50.0, 80.0), [True, False, True, False, False]
    )
    np.testing.assert_array_equal(
        equations.advocate_goes_on(t, rate, 50.0), [True, False, True, False, False]
    )


def test_the_rival_the_orbits_and_the_dates_known_answers():
    """The rival's chance, the orbits a buyer moves through on its own, an advocate's
    days between contacts, a renewal's date and a moving market's period, on one
    buyer and on many."""
    # equal mean utilities: a coin; the rival's offer liked more: likelier than not
    assert equations.rival_chance(SCALAR, 0.4, 0.4, 0.5) == 0.5
    assert equations.rival_chance(SCALAR, 1.0, 0.0, 1.0) == pytest.approx(1 / (1 + math.exp(-1)))
    rival, ours = np.array([0.4, 1.0, -2.0]), np.array([0.4, 0.0, 1.0])
    got = equations.rival_chance(ARRAY, rival, ours, 0.5)
    want = [
        equations.rival_chance(SCALAR, float(a), float(b), 0.5)
        for a, b in zip(rival, ours, strict=True)
    ]
    np.testing.assert_allclose(got, want, rtol=1e-12)  # numpy's exp against math's

    own = [Orbit.POTENTIAL, Orbit.BENEFIT, Orbit.OBSERVATION]
    for orbit in Orbit:
        assert bool(equations.moves_on_its_own(orbit)) == (orbit in own), orbit
    orbits = np.array([int(o) for o in Orbit])
    np.testing.assert_array_equal(equations.moves_on_its_own(orbits), [o in own for o in Orbit])

    assert equations.contact_days(1.0) == 365.0  # one contact a year
    np.testing.assert_array_equal(equations.contact_days(np.array([2.0, 365.0])), [182.5, 1.0])
    life = Lifecycle(contract_days=365.0)
    assert equations.next_renewal(30.0, life) == 395.0
    np.testing.assert_array_equal(
        equations.next_renewal(np.array([0.0, 395.0]), life), [365.0, 760.0]
    )

    assert period_length(0.0, 365.0) == MONTH  # a whole month
    assert period_length(360.0, 365.0) == 5.0  # cut at the horizon
    assert inbound_day(60.0, 0.5, 20.0) == 70.0  # half-way through a 20-day period
    np.testing.assert_array_equal(inbound_day(60.0, np.array([0.0, 1.0]), 20.0), [60.0, 80.0])
