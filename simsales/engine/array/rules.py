"""The behavioural rules of docs/model.md 2-4 on many buyers at once.

Each function applies one rule of :class:`~simsales.model.buyer.Buyer` (or of
:class:`~simsales.model.lifecycle.Account`) to the rows ``rows`` of a
:class:`~simsales.engine.array.buyers.Buyers`, drawing each row's randomness
from its own stream (:class:`~simsales.model.array_draws.ArrayDraws`). The
valuation, the logit, the probability weight and the group's decision are the
model's own functions (:mod:`simsales.model.valuation`, :mod:`simsales.model.group`),
called on arrays.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simsales.engine.array import compiled_rules
from simsales.engine.array.buyers import Buyers, Rows
from simsales.model import equations, sequences
from simsales.model.action_tables import ActionTable
from simsales.model.array_draws import ArrayDraws
from simsales.model.beliefs import evidence_sd, evidence_update
from simsales.model.lifecycle import Lifecycle
from simsales.model.orbits import Orbit
from simsales.model.valuation import mean_utility, true_value, visible_value
from simsales.model.xp import ARRAY

__all__ = [
    "after_wait",
    "apply",
    "decide",
    "gap_days",
    "grants_meeting",
    "move",
    "poisson",
    "post_step",
    "pulls",
    "renews",
    "satisfaction",
]

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]
AWARENESS, INSTALLATION = int(Orbit.AWARENESS), int(Orbit.INSTALLATION)
ADAPTATION, BELIEF, EXPANSION = int(Orbit.ADAPTATION), int(Orbit.BELIEF), int(Orbit.EXPANSION)
REFER, ZEALOT = int(Orbit.REFER), int(Orbit.ZEALOT)
#: Codes of the endings (indices into :data:`simsales.model.equations.ENDINGS`).
CODE = equations.ENDING_CODE
#: No ending: the journey goes on (the compiled sequences' code for it).
NONE = sequences.NONE


def poisson(u: Floats, lam: npt.ArrayLike) -> Ints:
    """Poisson counts with means ``lam`` by inversion of the uniforms ``u`` (element by element)."""
    lam = np.broadcast_to(np.asarray(lam, dtype=float), u.shape)
    k = np.zeros(u.shape, dtype=np.int64)
    p = np.exp(-lam)
    cdf = p.copy()
    go = u >= cdf
    while go.any():
        k[go] += 1
        p = np.where(go, p * lam / np.maximum(k, 1), p)
        grown = cdf + p
        go &= grown != cdf  # the CDF stopped growing: u sat in its last ulps
        cdf = np.where(go, grown, cdf)
        go &= u >= cdf
    return k


def gap_days(s: Buyers, rows: Rows, draws: ArrayDraws) -> Floats:
    """Days to each buyer's next step (exponential, or exactly the mean without pace noise)."""
    mean = np.broadcast_to(equations.step_mean(s.b, s.urgency[rows]), rows.shape)
    return draws.exponential_at(rows, mean) if s.b.pace_noise else mean


def pulls(s: Buyers, rows: Rows, draws: ArrayDraws) -> Bools:
    """Whether each buyer past AWARENESS asks for the next step itself (chance = urgency)."""
    if not rows.size:
        return np.zeros(0, dtype=bool)
    out = np.zeros(len(rows), dtype=bool)
    past = s.orbit[rows] > AWARENESS
    asked = rows[past]
    out[past] = draws.random_at(asked) < s.urgency[asked]
    return out


def grants_meeting(s: Buyers, rows: Rows, draws: ArrayDraws) -> Bools:
    """Whether each buyer accepts a meeting the seller asks for."""
    if not rows.size:
        return np.zeros(0, dtype=bool)
    p = equations.meeting_chance(ARRAY, s.b, s.trust[rows], s.urgency[rows])
    out: Bools = draws.random_at(rows) < p
    return out


def apply(s: Buyers, rows: Rows, slot: Ints, table: ActionTable, draws: ArrayDraws) -> Bools:
    """Apply each row's action (its strategy's ``slot``); return whether it was accepted.

    The effects of :meth:`simsales.model.buyer.Buyer.apply`, in its order; an effect
    no action of the table has is skipped (it would change nothing).
    """
    b = s.b
    e = table.effects
    on = table.active
    k = s.strategy[rows]

    def eff(name: str) -> Floats:
        out: Floats = e[name][k, slot]
        return out

    accepted = np.ones(len(rows), dtype=bool)
    if not rows.size:
        return accepted
    if "skeptic_risk" in on:
        risk = eff("skeptic_risk")
        risky = np.flatnonzero(risk > 0)
        if risky.size:
            rr = rows[risky]
            no = draws.random_at(rr) < equations.skeptic_chance(risk[risky], s.trust[rr])
            s.trust[rr[no]] = equations.rebuffed_trust(s.trust[rr[no]])
            accepted[risky[no]] = False
            rows, slot, k = rows[accepted], slot[accepted], k[accepted]
            if not rows.size:
                return accepted
    if "pressure" in on:
        pressure = eff("pressure")
        s.trust[rows] = equations.pressured(s.trust[rows], pressure)
        s.internalisation[rows] = equations.pressured(s.internalisation[rows], pressure)
    if "trust_gain" in on:
        gain = eff("trust_gain")
        s.trust[rows] = equations.toward_one(s.trust[rows], gain)
    if "halo" in on:
        halo = eff("halo")
        lit = np.flatnonzero(halo > 0)
        if lit.size:
            hr = rows[lit]
            s.halo[hr] = equations.toward_one(s.halo[hr], halo[lit])
            s.w_ours[hr] = equations.halo_weights(ARRAY, b.gamma, s.p_success[hr], s.halo[hr])
    if "discovery" in on:
        share = (eff("discovery") > 0) & ~s.needs_shared[rows] & (s.trust[rows] >= b.trust_to_share)
        if share.any():
            s.needs_shared[rows[share]] = True
            s.tailor[rows[share]] = eff("tailor_gain")[share]
    if "reveal" in on:
        reveal = eff("reveal")
        s.revealed[rows] = equations.toward_one(s.revealed[rows], reveal)
    if "urgency_gain" in on:
        ug = eff("urgency_gain")
        s.urgency[rows] = equations.urgency_gained(ARRAY, s.urgency[rows], ug, s.r[rows])
    if "evidence" in on:
        strength = eff("evidence")
        taught = np.flatnonzero(strength > 0)
        if taught.size:
            _learn(s, rows[taught], strength[taught], eff("claim_bias")[taught], draws)
    if "coaching" in on:
        s.indecision[rows] = equations.coached(s.indecision[rows], eff("coaching"))
    if "internalise" in on:
        inner = eff("internalise")
        s.internalisation[rows] = equations.toward_one(s.internalisation[rows], inner)
    return accepted


def _learn(s: Buyers, rows: Rows, strength: Floats, claim: Floats, draws: ArrayDraws) -> None:
    """Conservative update of each stakeholder's impression bias after evidence
    (:func:`simsales.model.beliefs.evidence_update`, the SimPy engine's formula; the
    shared noise first, then the stakeholders' own when ``evidence_correlation < 1``)."""
    b = s.b
    sd = evidence_sd(ARRAY, b, strength)
    shared = draws.normal_at(rows, 0.0, sd)
    bias = s.bias[rows]
    own = None
    if b.evidence_correlation < 1.0:
        own = np.zeros_like(bias)
        noise = draws.normals_at(rows, s.n[rows], sd)
        own[:, : noise.shape[1]] = np.nan_to_num(noise)  # (beyond a group: unused)
    s.bias[rows], s.precision[rows] = evidence_update(
        ARRAY, bias, s.precision[rows], strength, claim, shared, own,
        s.par("conservatism", rows), b,
    )  # fmt: skip
    s.biased(rows)


def move(s: Buyers, rows: Rows, now: Floats, draws: ArrayDraws) -> None:
    """Forward with the logit of the group's mean utility, else back with
    ``back_probability`` (never below POTENTIAL), else stay
    (:func:`simsales.model.sequences.move`, compiled, row by row in order)."""
    if rows.size:
        compiled_rules.move_rows(s, rows, now, draws)


def decide(s: Buyers, rows: Rows, draws: ArrayDraws) -> Ints:
    """The purchase decision at ACQUISITION: each row's ending code, or :data:`NONE`
    (:func:`simsales.model.sequences.decide`, compiled, row by row in order)."""
    if not rows.size:
        return np.zeros(0, dtype=np.int64)
    return compiled_rules.decide_rows(s, rows, draws)


def after_wait(s: Buyers, rows: Rows, now: Floats, draws: ArrayDraws) -> Ints:
    """After each row's wait ``s.gap``: compelling events and the jump they cause,
    self-education, then patience. Returns the ending code, or :data:`NONE`."""
    if not rows.size:
        return np.zeros(0, dtype=np.int64)
    b = s.b
    gap = s.gap[rows]
    events = np.zeros(len(rows), dtype=np.int64)
    if b.compelling_event_rate > 0:
        w = np.flatnonzero(gap > 0)
        events[w] = poisson(
            draws.random_at(rows[w]), equations.events_mean(b.compelling_event_rate, gap[w])
        )
        hit = np.flatnonzero(events > 0)
        hr = rows[hit]
        s.urgency[hr] = equations.urgency_after_events(
            s.urgency[hr], b.compelling_event_jump, events[hit]
        )
        if b.event_orbits > 0 and hit.size:
            may = hit[equations.moves_on_its_own(s.orbit[hr])]
            if may.size:
                favour = mean_utility(ARRAY, s.view(rows[may]), b) > 0
                may = may[favour]
                mr = rows[may]
                mean = equations.event_jump_mean(events[may], b.event_orbits, s.urgency[mr])
                pos = mean > 0
                mr, mean, when = mr[pos], mean[pos], now[may[pos]]
                j = poisson(draws.random_at(mr), mean)
                to = equations.jumped_orbit(ARRAY, s.orbit[mr], j)
                moved = to > s.orbit[mr]
                m2 = mr[moved]
                s.orbit[m2] = to[moved]
                s.max_orbit[m2] = np.maximum(s.max_orbit[m2], to[moved])
                s.last_progress[m2] = when[moved]
    rate = b.self_education_rate
    if rate > 0:
        c = np.flatnonzero(equations.moves_on_its_own(s.orbit[rows]) & (gap > 0))
        cr = rows[c]
        chance = equations.self_education_chance(ARRAY, rate, s.urgency[cr], gap[c])
        lucky = c[draws.random_at(cr) < chance]
        if lucky.size:
            lucky = lucky[mean_utility(ARRAY, s.view(rows[lucky]), b) > 0]
            lr = rows[lucky]
            s.orbit[lr] += 1
            s.max_orbit[lr] = np.maximum(s.max_orbit[lr], s.orbit[lr])
            s.last_progress[lr] = now[lucky]
    left = equations.patience_left(now, s.last_progress[rows], s.patience[rows], s.urgency[rows])
    out = np.full(len(rows), NONE)
    gone = np.flatnonzero(~left)
    gr = rows[gone]
    s.timed_out[gr] = True
    out[gone] = equations.patience_ending(ARRAY, s.orbit[gr], s.stalls[gr])
    return out


def referral_start(s: Buyers, rows: Rows, now: Floats, mean: float, draws: ArrayDraws) -> None:
    """Referral leads start ``Poisson(mean)`` orbits inward of AWARENESS, at most BENEFIT."""
    if mean <= 0 or not rows.size:
        return
    to = equations.referral_orbit(ARRAY, poisson(draws.random_at(rows), mean))
    up = to > s.orbit[rows]
    r = rows[up]
    s.orbit[r] = to[up]
    s.max_orbit[r] = np.maximum(s.max_orbit[r], to[up])
    s.last_progress[r] = now[up]


# ------------------------------------------------------------------ after the sale
def open_accounts(s: Buyers, rows: Rows) -> None:
    """Won buyers become accounts at INSTALLATION (their expectation at purchase)."""
    view = s.view(rows)
    vv = visible_value(view)
    n = s.n[rows]
    s.expectation[rows] = equations.expectation(ARRAY, s.bias[rows], vv, n)
    s.adoption[rows] = 0.0
    s.orbit[rows] = INSTALLATION
    s.max_orbit[rows] = np.maximum(s.max_orbit[rows], INSTALLATION)


def satisfaction(s: Buyers, rows: Rows, life: Lifecycle) -> Floats:
    """How each account judges the purchase so far (:meth:`Account.satisfaction`)."""
    out: Floats = equations.satisfaction(
        ARRAY, life, true_value(s.view(rows)), s.adoption[rows], s.expectation[rows],
        equations.contract_value(ARRAY, life, s.expanded[rows]), s.internalisation[rows],
    )  # fmt: skip
    return out


def renews(s: Buyers, rows: Rows, life: Lifecycle, referred: Bools, draws: ArrayDraws) -> Bools:
    """The renewal decision at the end of a term (:meth:`Account.renews`)."""
    p = equations.renewal_chance(ARRAY, life, satisfaction(s, rows, life), referred)
    ok: Bools = draws.random_at(rows) < p
    return ok


def referral_rate(s: Buyers, rows: Rows, life: Lifecycle) -> Floats:
    """Referral contacts per year of each account: advocates in REFER, more as ZEALOTs."""
    out: Floats = equations.referral_rate(ARRAY, life, s.orbit[rows], s.churned[rows])
    return out


def post_step(
    s: Buyers, rows: Rows, slot: Ints, table: ActionTable, life: Lifecycle, draws: ArrayDraws
) -> Bools:
    """One post-sale step after each row's action (``slot``, -1 for none); returns
    whether the account expanded in it (:meth:`Account.step`)."""
    if not rows.size:
        return np.zeros(0, dtype=bool)
    boost = np.zeros(len(rows))
    acted = np.flatnonzero(slot >= 0)
    if acted.size:
        ok = apply(s, rows[acted], slot[acted], table, draws)
        gain = table.effects["adoption_gain"][s.strategy[rows[acted]], slot[acted]]
        boost[acted] = np.where(ok, gain, 0.0)
    expanded = np.zeros(len(rows), dtype=bool)
    o = s.orbit[rows].copy()
    inst = np.flatnonzero(o == INSTALLATION)
    if inst.size:
        ir = rows[inst]
        done = draws.random_at(ir) < equations.install_chance(ARRAY, life, boost[inst])
        d = ir[done]
        s.adoption[d] = equations.installed_adoption(ARRAY, life, s.adoption[d])
        _up(s, d, ADAPTATION)
    ad = np.flatnonzero(o == ADAPTATION)
    if ad.size:
        ar = rows[ad]
        rate = equations.adoption_rate(ARRAY, life, s.internalisation[ar], boost[ad])
        s.adoption[ar] = equations.toward_one(s.adoption[ar], rate)
        _up(s, ar[s.adoption[ar] >= life.belief_adoption], BELIEF)
    late = np.flatnonzero(o >= BELIEF)
    if not late.size:
        return expanded
    lr = rows[late]
    s.adoption[lr] = equations.toward_one(s.adoption[lr], life.adoption_rate)
    sat = draws.random_at(lr) < equations.satisfied_chance(ARRAY, life, satisfaction(s, lr, life))
    unhappy = lr[~sat]
    fell = draws.random_at(unhappy) < life.back_probability
    s.orbit[unhappy[fell]] -= 1
    happy = late[sat]
    hr, ho = rows[happy], o[happy]
    _up(s, hr[ho == BELIEF], EXPANSION)
    on = ho > BELIEF
    hr, ho, happy = hr[on], ho[on], happy[on]
    iota = s.internalisation[hr]
    if life.advocacy == "satisfaction":
        may = ~s.expanded[hr]
        grew = np.zeros(len(hr), dtype=bool)
        grew[may] = draws.random_at(hr[may]) < life.expansion_probability
        s.expanded[hr[grew]] = True
        expanded[happy[grew]] = True
        ex = ho == EXPANSION
        p = equations.advocacy_chance(ARRAY, life, iota[ex])
        _up(s, hr[ex][draws.random_at(hr[ex]) < p], REFER)
    else:
        ex = ho == EXPANSION
        er = hr[ex]
        again = s.expanded[er]
        _up(s, er[again], REFER)
        fresh = er[~again]
        grew = draws.random_at(fresh) < life.expansion_probability
        s.expanded[fresh[grew]] = True
        _up(s, fresh[grew], REFER)
        expanded[happy[ex][~again][grew]] = True
    rf = ho == REFER
    zr = hr[rf]
    _up(s, zr[draws.random_at(zr) < equations.zealot_chance(life, iota[rf])], ZEALOT)
    return expanded


def _up(s: Buyers, rows: Rows, to: int) -> None:
    s.orbit[rows] = to
    s.max_orbit[rows] = np.maximum(s.max_orbit[rows], to)
