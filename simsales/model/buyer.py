"""A buying organisation: its state and its decision rules.

A :class:`Buyer` holds one customer's traits and evolving state. Its methods
are the behavioural rules of docs/model.md 2-3; each takes the customer's own
random stream (:class:`~simsales.model.draws.Random`) for any randomness, and
none knows about SimPy.

A buying group has a handful of stakeholders (at most 50), so their
per-stakeholder quantities are plain lists and the arithmetic is scalar: for
groups this small, array calls would cost more than the work they do.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simsales.model import equations, sequences, valuation
from simsales.model.actions import Action
from simsales.model.behaviour import Behaviour
from simsales.model.beliefs import evidence_sd, group_evidence_update
from simsales.model.draws import Draws, Random
from simsales.model.group import tk_weight
from simsales.model.orbits import Ending, Orbit
from simsales.model.population import Traits
from simsales.model.xp import SCALAR
from simsales.seeding import OWN_NOISE, spawn_generator

__all__ = ["Buyer"]


class Buyer:
    """One buying organisation during its journey.

    Parameters
    ----------
    traits : Traits
        The replication's customer traits.
    i : int
        This customer's index in ``traits``.
    behaviour : Behaviour
        Mechanism parameters and switches.
    arrival : float
        Day the lead arrived.
    """

    __slots__ = (
        "_bias",
        "_halo",
        "arrival",
        "b",
        "chose_us",
        "ea",
        "eb",
        "hour_factor",
        "hours",
        "indecision",
        "interactions",
        "internalisation",
        "k",
        "lam",
        "last_progress",
        "loss_term",
        "max_orbit",
        "n",
        "needs_shared",
        "orbit",
        "own_noise",
        "p_success",
        "patience",
        "precision",
        "r",
        "refusals",
        "rejections",
        "revealed",
        "rival",
        "rival_edge",
        "stalls",
        "tailor",
        "timed_out",
        "trust",
        "urgency",
        "w_ours",
        "w_rival",
    )

    def __init__(self, traits: Traits, i: int, behaviour: Behaviour, arrival: float) -> None:
        b = behaviour
        row = traits.row(i)
        n = row.stakeholders
        self.b = b
        self.n = n
        self.r = row.value_ratio
        k, indecision, rival, bias, lam = equations.mechanisms_in_use(
            SCALAR, b, row.known_need_share, row.indecision, row.rival_draw, b.rival_presence,
            row.first_impression_bias, row.loss_aversion,
        )  # fmt: skip
        self.k = k
        self.trust = row.trust
        self.urgency = row.urgency
        self.indecision = indecision
        self.patience = row.patience_days
        self.rival_edge = row.rival_edge
        #: whether a rival competes for this deal: the customer's own uniform
        #: (its own stream), so it is the same buyer under every strategy
        self.rival = bool(rival)
        #: a meeting's hours are the action's times this: ``1 + group_hours (n - 1)``
        self.hour_factor: float = equations.hour_factor(b, n)
        #: the stream of the stakeholders' own evidence noise (made when first needed)
        self.own_noise: Random | None = None
        #: each stakeholder's first-impression bias (log value) and its precision
        self.set_bias(bias)
        self.precision = [equations.prior_precision(b)] * n
        self.lam = lam
        self.p_success = list(row.success_probability)
        #: decision weights w(p) of success, for the rival's offer (no halo) and ours
        self.w_rival = [tk_weight(SCALAR, p, b.gamma) for p in self.p_success]
        self.w_ours = self.w_rival
        #: the price plus switching cost, as a loss: ``(1 + c)^beta``
        self.loss_term = equations.loss_term(b)
        self._halo = 0.0
        self.revealed = 0.0
        self.tailor = 0.0
        self.internalisation = 0.0
        self.needs_shared = False
        self.chose_us = False
        self.timed_out = False
        self.orbit = Orbit.AWARENESS
        self.max_orbit = Orbit.AWARENESS
        self.refusals = 0
        self.rejections = 0
        self.stalls = 0
        self.interactions = 0
        self.hours = 0.0
        self.arrival = arrival
        self.last_progress = arrival

    def set_bias(self, bias: Sequence[float]) -> None:
        """Replace the stakeholders' impression biases (log value)."""
        self._bias = [float(x) for x in bias]
        self._biased()

    @property
    def bias(self) -> list[float]:
        """Each stakeholder's first-impression bias (log value); change it with
        :meth:`set_bias` (cached quantities follow it)."""
        return self._bias

    @property
    def halo(self) -> float:
        """Liking halo on the perceived success probability (raised by actions)."""
        return self._halo

    def _biased(self) -> None:
        """Refresh what follows from the biases: ``exp(alpha bias)``, ``exp(beta bias)``."""
        self.ea, self.eb = equations.impression_factors(SCALAR, self.b, self._bias)

    # ----------------------------------------------------------- valuation
    def visible_value(self, tailored: bool = True) -> float:
        """True value of the needs the buyer knows of, in units of the price
        (:func:`simsales.model.valuation.visible_value`)."""
        return float(valuation.visible_value(self, tailored))

    def true_value(self) -> float:
        """True value of the (tailored) offer, latent needs included."""
        return float(valuation.true_value(self))

    def utilities(self, rival: bool = False) -> list[float]:
        """Each stakeholder's utility of change over the status quo
        (:func:`simsales.model.valuation.utilities`)."""
        u: list[float] = valuation.utilities(SCALAR, self, self.b, rival)
        return u

    def mean_utility(self, rival: bool = False) -> float:
        """The group's mean utility of change (see :meth:`utilities`)."""
        m: float = valuation.mean_utility(SCALAR, self, self.b, rival)
        return m

    # ----------------------------------------------------------- pace
    def gap_days(self, rng: Random) -> float:
        """Calendar days to the next step: exponential with mean
        :func:`~simsales.model.equations.step_mean` (exactly that mean when
        ``pace_noise`` is off)."""
        mean: float = equations.step_mean(self.b, self.urgency)
        return float(rng.exponential(mean)) if self.b.pace_noise else mean

    def patience_left(self, now: float) -> bool:
        """Whether the buyer still waits for progress; urgency lengthens patience
        (:func:`~simsales.model.equations.patience_left`)."""
        left: bool = equations.patience_left(now, self.last_progress, self.patience, self.urgency)
        return left

    def compelling_events(self, days: float, rng: Random) -> int:
        """Draw the compelling events of the last ``days`` and raise urgency."""
        rate = self.b.compelling_event_rate
        if rate <= 0 or days <= 0:
            return 0
        k = int(rng.poisson(equations.events_mean(rate, days)))
        if k:
            self.urgency = equations.urgency_after_events(
                self.urgency, self.b.compelling_event_jump, k
            )
        return k

    # ----------------------------------------------------------- jumps, self-education
    def jump(self, mean: float, rng: Random, now: float) -> int:
        """Move forward ``J ~ Poisson(mean)`` orbits at once, never past ACQUISITION.

        A move forward is progress (``last_progress = now``). Returns the
        orbits actually moved (``J`` cut at ACQUISITION). Draws one Poisson
        number (one uniform for ``mean <= 30``) when ``mean > 0``, none otherwise.
        """
        if mean <= 0:
            return 0
        j = int(rng.poisson(mean))
        to: int = equations.jumped_orbit(SCALAR, self.orbit, j)
        if to <= self.orbit:
            return 0
        moved = to - self.orbit
        self.orbit = Orbit(to)
        self.max_orbit = max(self.max_orbit, self.orbit)
        self.last_progress = now
        return moved

    def event_jump(self, events: int, rng: Random, now: float) -> int:
        r"""Orbit jump caused by the ``events`` compelling events of a wait.

        After the events have raised urgency to ``u`` (:meth:`compelling_events`),
        a buyer between POTENTIAL and OBSERVATION whose group's mean utility
        favours change (``mean_j U_j > 0``, exact) jumps
        ``J ~ Poisson(events * event_orbits * u)`` orbits forward, cut at
        ACQUISITION (docs/model.md 3.1). Returns the orbits moved.
        """
        m = self.b.event_orbits
        if (
            events <= 0
            or m <= 0
            or not equations.moves_on_its_own(self.orbit)
            or self.mean_utility() <= 0
        ):
            return 0
        return self.jump(equations.event_jump_mean(events, m, self.urgency), rng, now)

    def self_educates(self, days: float, rng: Random, now: float) -> bool:
        r"""Move one orbit inward on its own after ``days`` without a seller.

        A buyer between POTENTIAL and OBSERVATION moves one orbit forward with
        probability ``1 - exp(-self_education_rate * u * days / 365)`` (a
        hazard proportional to its urgency ``u``), and only if its group's
        mean utility favours change (``mean_j U_j > 0``, exact); never past
        ACQUISITION (docs/model.md 3.1). Draws one uniform when the buyer is
        in those orbits and the rate is positive; the utility is evaluated
        only if the uniform falls below the chance.
        """
        rate = self.b.self_education_rate
        if rate <= 0 or not equations.moves_on_its_own(self.orbit) or days <= 0:
            return False
        if rng.random() >= equations.self_education_chance(SCALAR, rate, self.urgency, days):
            return False
        if self.mean_utility() <= 0:
            return False
        self.orbit = Orbit(self.orbit + 1)
        self.max_orbit = max(self.max_orbit, self.orbit)
        self.last_progress = now
        return True

    # ----------------------------------------------------------- access
    def pulls(self, rng: Random) -> bool:
        """Whether the buyer asks for the next step itself (chance = urgency)."""
        return bool(rng.random() < self.urgency)

    def meet(self, action: Action, hours: float, rng: Random) -> bool:
        """A meeting: count it, add its ``hours`` (see :meth:`meeting_hours`)
        and apply the action's effects (:meth:`apply`; the same effects
        whether pulled or not). Returns False if the buyer rejected it."""
        self.interactions += 1
        self.hours += hours
        return self.apply(action, rng, count=False)

    def grants_meeting(self, rng: Random) -> bool:
        """Whether the buyer accepts a meeting the seller asks for."""
        p = equations.meeting_chance(SCALAR, self.b, self.trust, self.urgency)
        return bool(rng.random() < p)

    # ----------------------------------------------------------- effects
    def apply(self, action: Action, rng: Random, count: bool = True) -> bool:
        """Apply a seller action's effects; return False if the buyer rejected it.

        Rejection happens only for teaching (``skeptic_risk > 0``): a skeptical
        buyer loses a third of its trust and takes nothing from the meeting.
        With ``count`` the action is counted as an interaction and its hours
        (:meth:`meeting_hours`) are added to the buyer's; a follow-up is
        applied with ``count=False``.
        """
        if count:
            self.interactions += 1
            self.hours += equations.meeting_hours(self.b, action.hours, self.hour_factor, False)
        if action.skeptic_risk > 0 and rng.random() < equations.skeptic_chance(
            action.skeptic_risk, self.trust
        ):
            self.trust = equations.rebuffed_trust(self.trust)
            return False
        if action.pressure:
            self.trust = equations.pressured(self.trust, action.pressure)
            self.internalisation = equations.pressured(self.internalisation, action.pressure)
        if action.trust_gain:
            self.trust = equations.toward_one(self.trust, action.trust_gain)
        if action.halo:
            self._halo = equations.toward_one(self._halo, action.halo)
            self.w_ours = equations.halo_weights(SCALAR, self.b.gamma, self.p_success, self._halo)
        if action.discovery and not self.needs_shared and self.trust >= self.b.trust_to_share:
            self.needs_shared = True
            self.tailor = action.tailor_gain
        if action.reveal:
            self.revealed = equations.toward_one(self.revealed, action.reveal)
        if action.urgency_gain:
            self.urgency = equations.urgency_gained(
                SCALAR, self.urgency, action.urgency_gain, self.r
            )
        if action.evidence > 0:
            self._learn(action.evidence, action.claim_bias, rng)
        if action.coaching:
            self.indecision = equations.coached(self.indecision, action.coaching)
        if action.internalise:
            self.internalisation = equations.toward_one(self.internalisation, action.internalise)
        return True

    def meeting_hours(self, action: Action, rng: Random, pulled: bool = False) -> float:
        """Seller hours of a meeting with this group: ``hours (1 + group_hours (n - 1))``
        (docs/model.md 2.6), times ``pulled_hours_factor`` when the buyer asked for
        it (docs/model.md 3.1); follow-ups are not scaled. With ``meeting_noise``, the
        meeting lasts an exponential time of that mean (one draw from ``rng``)."""
        hours = equations.meeting_hours(self.b, action.hours, self.hour_factor, pulled)
        return float(rng.exponential(hours)) if self.b.meeting_noise else hours

    def _learn(self, strength: float, claim_bias: float, rng: Random) -> None:
        """Conservative update of each stakeholder's impression bias (Edwards 1968).

        Stakeholder ``j`` sees the signal of the log value ``truth + claim_bias
        + sqrt(rho) e_0 + sqrt(1 - rho) e_j`` with ``e ~ Normal(0, noise^2 /
        strength)`` and ``rho = evidence_correlation``; in bias terms it is the
        same less the truth. ``e_0`` is shared by the group and drawn from
        ``rng`` (one normal, as many uniforms whatever ``rho``); the ``e_j``
        come from a stream of their own (:meth:`_own_noise`), drawn only when
        ``rho < 1``. Each stakeholder then discounts the signal's precision by
        the conservatism (:func:`~simsales.model.beliefs.evidence_update`).
        """
        b = self.b
        sd = evidence_sd(SCALAR, b, strength)
        shared = rng.normal(0.0, sd)
        own = self._own_noise(rng) if b.evidence_correlation < 1.0 else None
        self._bias, self.precision = group_evidence_update(
            self._bias, self.precision, strength, claim_bias, shared, own, b
        )
        self._biased()

    def _own_noise(self, rng: Random) -> Random:
        """The stream of the stakeholders' own evidence noise, made on first use.

        Below a :class:`~simsales.model.draws.Draws` it is the customer's
        stream named ``(OWN_NOISE, *path)`` (so it shifts none of the
        customer's other draws); below any other generator (the tests'), a
        child spawned from it.
        """
        if self.own_noise is None:
            if isinstance(rng, Draws):
                self.own_noise = rng.substream(OWN_NOISE)
            else:  # a plain numpy Generator, as in the tests
                spawned: Any = spawn_generator(rng)  # type: ignore[arg-type]
                self.own_noise = spawned
        return self.own_noise

    # ----------------------------------------------------------- orbits
    def move(self, rng: Random, now: float) -> int:
        """Jump between the middle orbits after an interaction
        (:func:`simsales.model.sequences.move`, the sequence both engines run).
        Returns the step taken (+1, 0, -1)."""
        step, orbit, max_orbit, self.last_progress = sequences.move(SCALAR, self, self.b, rng, now)
        if step:
            self.orbit = Orbit(orbit)
            self.max_orbit = Orbit(max_orbit)
        return step

    def decide(self, rng: Random) -> Ending | None:
        """The purchase decision at ACQUISITION (:func:`simsales.model.sequences.decide`,
        the sequence both engines run).

        Returns
        -------
        Ending or None
            The ending, or None if the journey goes on.
        """
        code, self.rejections, orbit, self.chose_us, self.stalls = sequences.decide(
            SCALAR, self, self.b, rng
        )
        self.orbit = Orbit(orbit)
        return None if code == sequences.NONE else equations.ENDINGS[code]

    def cause_when_patience_ends(self) -> Ending:
        """Why a buyer that ran out of patience is lost
        (:func:`~simsales.model.equations.patience_ending`).

        Before a first meeting it was never qualified. After one, only a buyer
        that stalled at the decision (the indecision mechanism decided it) is an
        indecision loss; every other one is a status-quo loss, whether or not its
        group on balance preferred change (it did nothing). So with ``indecision
        = false`` there are no indecision losses. Going dark is reserved for
        buyers that stop granting meetings.
        """
        return equations.ENDINGS[int(equations.patience_ending(SCALAR, self.orbit, self.stalls))]
