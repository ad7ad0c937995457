"""The buyer's small equations, written once for one buyer or many.

Each function is a formula of docs/model.md 3 and 4 in Python's arithmetic operators,
so it takes one buyer's floats (the SimPy engine's :class:`~simsales.model.buyer.Buyer`)
or arrays of many buyers (the array engine's :mod:`simsales.engine.array.rules`).
Where an operator does not suffice, the function takes the namespace ``xp`` of
:mod:`simsales.model.xp`. On floats and on arrays the numbers are the same where a
formula adds, multiplies, divides and compares, and equal to the last place where it
raises to a power or takes an ``expm1`` or a ``log`` (numpy computes those with its
own functions). Each engine computes exactly what it computed when it wrote the formula
itself.
"""

from __future__ import annotations

from typing import Any

from simsales.model.behaviour import Behaviour
from simsales.model.group import logistic, tk_weight
from simsales.model.orbits import Ending, Orbit
from simsales.model.xp import Namespace

#: The post-sale parameters (:class:`simsales.model.lifecycle.Lifecycle`; that module
#: imports this one, so the type is not imported here).
Lifecycle = Any

#: Days per year: rates a year become mean days between events.
YEAR = 365.0
#: The price of a sale, the first revenue of a deal won: the unit of every amount of money.
PRICE = 1.0

__all__ = [
    "ACCOUNT_ENDS",
    "ACCOUNT_RENEWS",
    "ACCOUNT_STEPS",
    "ENDINGS",
    "ENDING_CODE",
    "PRICE",
    "YEAR",
    "access_chance",
    "account_next",
    "adoption_rate",
    "advocacy_chance",
    "advocate_goes_on",
    "advocate_refers",
    "coached",
    "contact_days",
    "contract_value",
    "dark_ending",
    "event_jump_mean",
    "events_mean",
    "expectation",
    "halo_success",
    "halo_weights",
    "hour_factor",
    "impression_factors",
    "install_chance",
    "jumped_orbit",
    "loss_term",
    "mechanisms_in_use",
    "meeting_chance",
    "meeting_hours",
    "moves_on_its_own",
    "next_renewal",
    "outbound_chill",
    "patience_ending",
    "patience_left",
    "pressured",
    "prior_precision",
    "rebuffed_trust",
    "referral_orbit",
    "referral_rate",
    "referral_warmth",
    "renewal_chance",
    "renewal_log_odds",
    "rival_chance",
    "satisfaction",
    "self_education_chance",
    "skeptic_chance",
    "step_mean",
    "toward_one",
    "urgency_after_events",
    "urgency_gained",
    "zealot_chance",
]

#: The endings in the order of their codes, and each ending's code (how the array
#: engine's arrays hold an ending, and how the rules below return one).
ENDINGS: tuple[Ending, ...] = tuple(Ending)
ENDING_CODE: dict[Ending, int] = {e: k for k, e in enumerate(ENDINGS)}


def mechanisms_in_use(
    xp: Namespace, b: Behaviour, known_need_share: Any, indecision: Any, rival_draw: Any,
    rival_presence: Any, bias: Any, loss_aversion: Any,
) -> tuple[Any, Any, Any, Any, Any]:  # fmt: skip
    """A new buyer's traits as the mechanisms that are switched on use them: the known
    share of its needs (1 without ``latent_needs``), its indecision (0 without
    ``indecision``), whether a rival competes (its own uniform ``rival_draw`` below
    ``rival_presence``, and never without ``rivals``), and each stakeholder's
    first-impression bias (0 without ``first_impressions``) and loss aversion (1
    without ``loss_aversion``)."""
    return (
        known_need_share if b.latent_needs else 1.0,
        indecision if b.indecision else 0.0,
        (rival_draw < rival_presence) & b.rivals,
        bias if b.first_impressions else xp.each(lambda x: 0.0, bias),
        loss_aversion if b.loss_aversion else xp.each(lambda x: 1.0, loss_aversion),
    )


def access_chance(b: Behaviour, trust: Any, urgency: Any) -> Any:
    """Chance that a buyer grants a meeting the seller asks for, before the cap at 1:
    ``access_base + access_trust * trust + access_urgency * urgency``."""
    return b.access_base + b.access_trust * trust + b.access_urgency * urgency


def patience_ending(xp: Namespace, orbit: Any, stalls: Any) -> Any:
    """The ending (its :data:`ENDING_CODE`) of a buyer whose patience ran out: UNQUALIFIED
    before a first meeting (at AWARENESS); else INDECISION if it ever stalled at the
    decision (the indecision mechanism decided it) and STATUS_QUO if not (it did
    nothing, whether or not its group on balance preferred change)."""
    c = ENDING_CODE
    return xp.where(
        orbit == int(Orbit.AWARENESS),
        c[Ending.UNQUALIFIED],
        xp.where(stalls > 0, c[Ending.INDECISION], c[Ending.STATUS_QUO]),
    )


def dark_ending(xp: Namespace, orbit: Any) -> Any:
    """The ending (its :data:`ENDING_CODE`) of a buyer that refused one meeting too many:
    UNQUALIFIED before a first meeting (at AWARENESS), else WENT_DARK."""
    c = ENDING_CODE
    return xp.where(orbit == int(Orbit.AWARENESS), c[Ending.UNQUALIFIED], c[Ending.WENT_DARK])


def meeting_chance(xp: Namespace, b: Behaviour, trust: Any, urgency: Any) -> Any:
    """Chance that a buyer grants a meeting the seller asks for: :func:`access_chance`,
    at most 1."""
    return xp.minimum(1.0, access_chance(b, trust, urgency))


def step_mean(b: Behaviour, urgency: Any) -> Any:
    """Mean days to a buyer's next step: ``step_days / (pace_floor + urgency)``, or
    ``step_days`` when urgency does not set the pace (``urgency_pace`` off)."""
    if not b.urgency_pace:
        return b.step_days
    return b.step_days / (b.pace_floor + urgency)


def patience_left(now: Any, last_progress: Any, patience: Any, urgency: Any) -> Any:
    """Whether a buyer still waits for progress: the days since its last progress are
    at most ``patience * (0.5 + urgency)`` (urgency lengthens patience)."""
    return now - last_progress <= patience * (0.5 + urgency)


def urgency_after_events(urgency: Any, jump: float, events: Any) -> Any:
    """Urgency after ``events`` compelling events: each closes ``jump`` of the gap to 1,
    ``1 - (1 - u) (1 - jump)^events``."""
    return 1.0 - (1.0 - urgency) * (1.0 - jump) ** events


def self_education_chance(xp: Namespace, rate: float, urgency: Any, days: Any) -> Any:
    """Chance that a buyer between POTENTIAL and OBSERVATION moves one orbit on its own
    during a wait of ``days``: ``1 - exp(-rate * urgency * days / 365)`` (a hazard
    proportional to its urgency)."""
    return -xp.expm1(-rate * urgency * days / 365.0)


def toward_one(x: Any, share: Any) -> Any:
    """``x`` with ``share`` of its gap to 1 closed, ``x + share (1 - x)``: how trust,
    the halo, revealed needs, internalisation and adoption grow."""
    return x + share * (1.0 - x)


def skeptic_chance(risk: Any, trust: Any) -> Any:
    """Chance that a skeptical buyer rejects a teaching action: ``risk (1 - trust)``."""
    return risk * (1.0 - trust)


def impression_factors(xp: Namespace, b: Behaviour, bias: Any) -> tuple[Any, Any]:
    """What the valuation reads of each stakeholder's first-impression ``bias``:
    ``exp(alpha bias)`` and ``exp(beta bias)``."""
    return xp.exp_scaled(bias, b.alpha, b.beta)


def rebuffed_trust(trust: Any) -> Any:
    """Trust after a skeptical buyer rejects a teaching action: a third of it is
    lost, ``trust * 2/3``."""
    return trust * (2.0 / 3.0)


def pressured(x: Any, pressure: Any) -> Any:
    """Trust or internalisation after a pushy action of ``pressure``:
    ``x (1 - pressure)``."""
    return x * (1.0 - pressure)


def coached(indecision: Any, coaching: Any) -> Any:
    """Indecision after decision coaching of strength ``coaching``:
    ``indecision (1 - coaching)``."""
    return indecision * (1.0 - coaching)


def urgency_gained(xp: Namespace, urgency: Any, gain: Any, r: Any) -> Any:
    """Urgency after an action that creates it: ``u + gain (1 - u) w``, warranted by
    the value the buyer gets, ``w = clip(r - 1, 0, 1)`` (none for a bad fit)."""
    warrant = xp.clip(r - 1.0, 0.0, 1.0)
    return urgency + gain * (1.0 - urgency) * warrant


def halo_success(p_success: Any, halo: Any) -> Any:
    """A stakeholder's chance of success with the seller's halo ``h``:
    ``1 - (1 - p) (1 - h)`` (its decision weight is then taken of this)."""
    return 1.0 - (1.0 - p_success) * (1.0 - halo)


def halo_weights(xp: Namespace, gamma: float, p_success: Any, halo: Any) -> Any:
    """Each stakeholder's decision weight of success with our offer under the seller's
    ``halo``: the probability weight of :func:`halo_success`."""
    h = xp.col(halo)
    return xp.each(lambda p: tk_weight(xp, halo_success(p, h), gamma), p_success)


def satisfaction(
    xp: Namespace, life: Lifecycle, value: Any, adoption: Any, expectation: Any,
    contract: Any, internalisation: Any,
) -> Any:  # fmt: skip
    r"""How a customer judges the purchase so far (docs/model.md 4.3):
    ``log(R / C) + w_d min(0, log(V / E)) + w_int internalisation`` with true value
    ``V`` and realised value ``R = a V`` (each floored at 1e-9), contract price ``C``
    and expectation ``E``; a customer that expected nothing (``E = 0``) cannot fall
    short of it (the limit of the middle term as ``E -> 0`` is 0)."""
    value = xp.maximum(value, 1e-9)
    realised = xp.maximum(adoption * value, 1e-9)
    e = expectation
    short = xp.where(e > 0, xp.minimum(0.0, xp.log(value / xp.where(e > 0, e, 1.0))), 0.0)
    return (
        xp.log(realised / contract)
        + life.disappointment_weight * short
        + life.internalisation_weight * internalisation
    )


def renewal_log_odds(xp: Namespace, life: Lifecycle, satisfaction: Any, referred: Any) -> Any:
    """Log-odds that a customer renews at the end of a term:
    ``S / T + renewal_bias``, plus ``referred_loyalty`` for a referred customer."""
    return (
        satisfaction / life.temperature
        + life.renewal_bias
        + xp.where(referred, life.referred_loyalty, 0.0)
    )


def renewal_chance(xp: Namespace, life: Lifecycle, satisfaction: Any, referred: Any) -> Any:
    """Chance that an account renews at the end of a term: the logistic of
    :func:`renewal_log_odds`."""
    return logistic(xp, renewal_log_odds(xp, life, satisfaction, referred), 1.0)


def referral_warmth(xp: Namespace, life: Lifecycle, trust: Any, bias: Any) -> tuple[Any, Any]:
    """A referral lead's trust and impression biases, warmed by the referrer:
    ``referral_trust`` of the gap to full trust closed (:func:`toward_one`) and each
    stakeholder's bias times ``referral_bias`` (a truer first impression)."""
    rb = life.referral_bias
    return toward_one(trust, life.referral_trust), xp.each(lambda x: x * rb, bias)


def outbound_chill(sellers: Any, trust: Any, urgency: Any) -> tuple[Any, Any]:
    """An outbound (prospected) lead's trust and urgency: times ``outbound_trust`` and
    ``outbound_urgency`` of the sellers (a cold lead)."""
    return trust * sellers.outbound_trust, urgency * sellers.outbound_urgency


def jumped_orbit(xp: Namespace, orbit: Any, jump: Any) -> Any:
    """The orbit ``jump`` orbits inward of ``orbit``, never past ACQUISITION."""
    return xp.minimum(orbit + jump, int(Orbit.ACQUISITION))


def referral_orbit(xp: Namespace, jump: Any) -> Any:
    """Where a referral lead drawn ``jump`` orbits inward of AWARENESS starts: at
    most BENEFIT."""
    return xp.minimum(jump, int(Orbit.BENEFIT))


def referral_rate(xp: Namespace, life: Lifecycle, orbit: Any, churned: Any) -> Any:
    """Referral contacts per year of an account: ``referral_rate`` in REFER, times
    ``zealot_multiplier`` in ZEALOT, none elsewhere or once churned."""
    rate = xp.where(orbit == Orbit.REFER, life.referral_rate, 0.0)
    rate = xp.where(orbit == Orbit.ZEALOT, life.referral_rate * life.zealot_multiplier, rate)
    return xp.where(churned, 0.0, rate)


def expectation(xp: Namespace, bias: Any, visible_value: Any, n: Any) -> Any:
    """What a buying group expects to get, at purchase: the mean over its stakeholders
    of the perceived gain ``exp(bias_j) V_visible``."""
    return xp.group_mean(xp.each(lambda x: xp.exp(x) * xp.col(visible_value), bias), n)


def install_chance(xp: Namespace, life: Lifecycle, boost: Any) -> Any:
    """Chance that an installation step succeeds: ``min(1, install_success + boost)``,
    with ``boost`` the adoption gain of the success team's action."""
    return xp.minimum(1.0, life.install_success + boost)


def forward_chance(xp: Namespace, b: Behaviour, mean_utility: Any) -> Any:
    """The chance that a buyer moves one orbit forward after an interaction: the logit
    of its group's mean utility of change, ``logistic(mean_utility / temperature)``."""
    return logistic(xp, mean_utility, b.temperature)


def installed_adoption(xp: Namespace, life: Lifecycle, adoption: Any) -> Any:
    """A customer's adoption once installed: at least ``install_adoption``."""
    return xp.maximum(adoption, life.install_adoption)


def satisfied_chance(xp: Namespace, life: Lifecycle, satisfaction: Any) -> Any:
    """The chance that a customer at BELIEF or beyond is satisfied this step: the logit
    of its satisfaction, ``logistic(satisfaction / temperature)`` (the post-sale
    ``temperature``)."""
    return logistic(xp, satisfaction, life.temperature)


def adoption_rate(xp: Namespace, life: Lifecycle, internalisation: Any, boost: Any) -> Any:
    """Share of the gap to full adoption closed in an ADAPTATION step:
    ``min(1, adoption_rate + adoption_internalised * internalisation + boost)``."""
    return xp.minimum(
        1.0, life.adoption_rate + life.adoption_internalised * internalisation + boost
    )


def advocacy_chance(xp: Namespace, life: Lifecycle, internalisation: Any) -> Any:
    """Chance that a satisfied account moves from EXPANSION to REFER:
    ``min(1, advocacy_probability + advocacy_internalised * internalisation)``."""
    return xp.minimum(1.0, life.advocacy_probability + life.advocacy_internalised * internalisation)


def zealot_chance(life: Lifecycle, internalisation: Any) -> Any:
    """Chance that a satisfied advocate in REFER becomes a ZEALOT:
    ``zealot_probability * internalisation``."""
    return life.zealot_probability * internalisation


def hour_factor(b: Behaviour, n: Any) -> Any:
    """A meeting's seller hours per hour of its action, for a group of ``n``:
    ``1 + group_hours (n - 1)`` (a bigger group takes longer)."""
    return 1.0 + b.group_hours * (n - 1)


def meeting_hours(b: Behaviour, hours: Any, factor: Any, pulled: bool) -> Any:
    """A meeting's seller hours: its action's ``hours`` times the group's ``factor``
    (:func:`hour_factor`), times ``pulled_hours_factor`` when the buyer asked for it."""
    out = hours * factor
    return out * b.pulled_hours_factor if pulled else out


def prior_precision(b: Behaviour) -> float:
    """Precision of a stakeholder's first impression before any evidence:
    ``1 / impression_sd^2``."""
    return 1.0 / b.impression_sd**2


def loss_term(b: Behaviour) -> float:
    """The price plus the switching cost ``c``, as a loss: ``(1 + c)^beta``."""
    return float((1.0 + b.switching_cost) ** b.beta)


def events_mean(rate: float, days: Any) -> Any:
    """Mean number of compelling events in a wait of ``days``: ``rate days / 365``."""
    return rate * days / 365.0


def event_jump_mean(events: Any, event_orbits: float, urgency: Any) -> Any:
    """Mean orbits a buyer jumps after ``events`` compelling events:
    ``events * event_orbits * urgency`` (urgency as the events left it)."""
    return events * event_orbits * urgency


def moves_on_its_own(orbit: Any) -> Any:
    """Whether a buyer at ``orbit`` is a qualified lead not yet at its decision
    (POTENTIAL, BENEFIT or OBSERVATION): the orbits a compelling event or
    self-education can move it through (docs/model.md 2.4)."""
    return (orbit >= Orbit.POTENTIAL) & (orbit < Orbit.ACQUISITION)


def next_renewal(day: Any, life: Lifecycle) -> Any:
    """The day a contract that starts (or renews) on ``day`` is due for renewal."""
    return day + life.contract_days


def contract_value(xp: Namespace, life: Lifecycle, expanded: Any) -> Any:
    """Revenue of one renewed term, in units of price: ``1``, plus ``expansion_size``
    once the account has expanded."""
    return 1.0 + xp.where(expanded, life.expansion_size, 0.0)


#: What an account does next (:func:`account_next`): a post-sale step, its renewal,
#: or nothing more before observation ends.
ACCOUNT_STEPS, ACCOUNT_RENEWS, ACCOUNT_ENDS = 0, 1, 2


def account_next(xp: Namespace, now: Any, gap: Any, due: Any, end: float) -> Any:
    """What an account does next, with its next step ``gap`` days after ``now`` and its
    renewal due on day ``due``: :data:`ACCOUNT_ENDS` if neither comes before the end
    of observation ``end`` (it is still a customer then), else :data:`ACCOUNT_RENEWS`
    if the renewal comes first or together (post-sale work may have run past the due
    date: it renews at once), else :data:`ACCOUNT_STEPS`."""
    step = now + gap
    return xp.where(
        xp.minimum(due, step) >= end,
        ACCOUNT_ENDS,
        xp.where(due <= step, ACCOUNT_RENEWS, ACCOUNT_STEPS),
    )


def rival_chance(xp: Namespace, rival: Any, ours: Any, temperature: float) -> Any:
    """The chance that a group that said yes to change buys from the rival: the logit
    of its mean utility of the rival's offer, ``rival``, over its mean utility of ours,
    ``ours`` (docs/model.md 2.6)."""
    return logistic(xp, rival - ours, temperature)


def contact_days(rate: Any) -> Any:
    """Mean days between an advocate's referral contacts at ``rate`` contacts a year
    (docs/model.md 4.5; in a finite market, Bass's imitation ``q``)."""
    return YEAR / rate


def advocate_refers(now: Any, rate: Any, horizon: float, end: float) -> Any:
    """Whether an advocate's referral contact falling due at ``now`` makes a lead: the
    account still refers (``rate > 0``) and leads still come (before the horizon and
    the end of observation)."""
    return (now < min(horizon, end)) & (rate > 0)


def advocate_goes_on(now: Any, rate: Any, horizon: float) -> Any:
    """Whether an advocate goes on to a next referral contact after ``now``: it still
    refers (``rate > 0``) and it is before the horizon."""
    return (rate > 0) & (now < horizon)
