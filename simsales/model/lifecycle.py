"""After the sale: post-sale orbits, renewals, expansion and referrals (docs/model.md 4).

A won buyer becomes an :class:`Account`. Its progress through INSTALLATION,
ADAPTATION, BELIEF, EXPANSION, REFER and ZEALOT depends on how much of the
offer's true value it realises (adoption x true value) against the price,
on whether the offer delivers what the buyer expected when it bought (true
value against its perceived value at purchase, at the same adoption), and on
how internalised its decision was. Renewals come every contract term; a customer
that does not renew churns.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from simsales.model import equations
from simsales.model.actions import Action
from simsales.model.buyer import Buyer
from simsales.model.draws import Random
from simsales.model.orbits import Orbit
from simsales.model.xp import SCALAR

__all__ = ["Account", "Lifecycle", "referral_start", "warm_referral"]


class Lifecycle(BaseModel):
    """Post-sale behaviour and referral parameters (the ``[lifecycle]`` table)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    enabled: bool = Field(True, description="off: the journey ends at the sale (pre-sale only)")
    end_days: float | None = Field(
        None,
        gt=0,
        le=36_500,
        description="post-sale events happen before this day; default horizon_days",
    )
    resource: Literal["sellers", "success"] = Field(
        "success", description="team that does post-sale work: the sellers or a success team"
    )
    step_days: float = Field(
        30.0, ge=0.01, le=3650, description="mean days between post-sale steps"
    )
    contract_days: float = Field(
        365.0, ge=1, le=36_500, description="contract term; renewal at its end"
    )
    install_success: float = Field(0.5, ge=0, le=1, description="chance a step completes install")
    install_adoption: float = Field(0.3, ge=0, le=1, description="adoption once installed")
    adoption_rate: float = Field(0.1, ge=0, le=1, description="gap to full adoption closed/step")
    adoption_internalised: float = Field(
        0.2, ge=0, le=1, description="added adoption rate per unit of internalisation"
    )
    belief_adoption: float = Field(0.6, ge=0, le=1, description="adoption needed to reach belief")
    internalisation_weight: float = Field(
        0.5, ge=0, le=100, description="satisfaction (log points) per unit of internalisation"
    )
    temperature: float = Field(0.5, gt=0, le=100, description="logit noise of post-sale judgments")
    disappointment_weight: float = Field(
        1.0, ge=0, le=100, description="weight of a shortfall against the expectation at purchase"
    )
    renewal_bias: float = Field(0.0, ge=-100, le=100, description="renewal logit at satisfaction 0")
    referred_loyalty: float = Field(
        0.5, ge=0, le=100, description="added to the renewal logit of referred customers"
    )
    back_probability: float = Field(0.3, ge=0, le=1, description="fall back when dissatisfied")
    expansion_probability: float = Field(0.2, ge=0, le=1, description="per satisfied step")
    expansion_size: float = Field(
        0.3, ge=0, le=10_000, description="expansion, units of price per term"
    )
    zealot_probability: float = Field(
        0.1, ge=0, le=1, description="per satisfied step in REFER, times internalisation"
    )
    # advocacy from belief and satisfaction, docs/model.md 4.2
    advocacy: Literal["expansion", "satisfaction"] = Field(
        "satisfaction",
        description="what leads to REFER: an expansion (old rule) or a satisfied step in EXPANSION",
    )
    advocacy_probability: float = Field(
        0.2, ge=0, le=1, description="per satisfied step in EXPANSION: move to REFER (advocacy)"
    )
    advocacy_internalised: float = Field(
        0.3, ge=0, le=1, description="added to advocacy_probability per unit of internalisation"
    )
    referral_rate: float = Field(
        1.0,
        ge=0,
        le=52,
        description="referral contacts per advocate per year (Bass q in a finite market)",
    )
    zealot_multiplier: float = Field(
        2.0, ge=1, le=10, description="zealots refer this many times more"
    )
    referral_trust: float = Field(0.3, ge=0, le=1, description="referral leads: trust gap closed")
    referral_bias: float = Field(
        0.5, ge=0, le=1, description="referral leads: first-impression bias scaled by this"
    )
    referral_lead_cost: float = Field(
        0.002, ge=0, le=10_000, description="cost of a referral lead, units of price"
    )
    referral_orbits: float = Field(
        1.0,
        ge=0,
        le=10,
        description="referral leads start Poisson(this) orbits past AWARENESS, at most BENEFIT",
    )


def warm_referral(buyer: Buyer, life: Lifecycle) -> None:
    """Make a freshly drawn buyer a referral lead: more trust, truer impression."""
    buyer.trust, bias = equations.referral_warmth(SCALAR, life, buyer.trust, buyer.bias)
    buyer.set_bias(bias)


def referral_start(buyer: Buyer, life: Lifecycle, rng: Random, now: float) -> int:
    """Where a referral lead starts: ``J ~ Poisson(referral_orbits)`` orbits
    inward of AWARENESS, at most BENEFIT (docs/model.md 4.5).

    A referral lead that starts past AWARENESS came self-qualified: it is an
    opportunity without a first meeting. It never moves a buyer back. Returns
    the orbits moved; draws one Poisson number when ``referral_orbits > 0``.
    """
    if life.referral_orbits <= 0:
        return 0
    to: int = equations.referral_orbit(SCALAR, int(rng.poisson(life.referral_orbits)))
    if to <= buyer.orbit:
        return 0
    moved = to - buyer.orbit
    buyer.orbit = Orbit(to)
    buyer.max_orbit = max(buyer.max_orbit, buyer.orbit)
    buyer.last_progress = now
    return moved


class Account:
    """A won customer after the sale.

    Parameters
    ----------
    buyer : Buyer
        The buyer that just bought; its orbit becomes INSTALLATION.
    life : Lifecycle
        Post-sale parameters.
    referred : bool
        Whether it came as a referral (referred customers churn less).
    """

    __slots__ = (
        "adoption", "buyer", "churned", "expanded", "expectation", "life", "referred",
        "terms",
    )  # fmt: skip

    def __init__(self, buyer: Buyer, life: Lifecycle, referred: bool) -> None:
        self.buyer = buyer
        self.life = life
        self.referred = referred
        #: what the group expected to get, at purchase: mean perceived gain
        vv = buyer.visible_value()
        self.expectation = equations.expectation(SCALAR, buyer.bias, vv, buyer.n)
        self.adoption = 0.0
        self.expanded = False
        self.churned = False
        self.terms = 1
        buyer.orbit = Orbit.INSTALLATION
        buyer.max_orbit = max(buyer.max_orbit, Orbit.INSTALLATION)

    @property
    def orbit(self) -> Orbit:
        """The customer's current orbit."""
        return self.buyer.orbit

    def satisfaction(self) -> float:
        r"""How the customer judges the purchase so far.

        ``S = log(R / C) + w_d * min(0, log(V / E)) + w_int * internalisation``
        with realised value ``R = a V`` (floored at 1e-9), true value ``V``,
        contract price ``C`` and expectation ``E``. The first term is whether
        the offer is worth its price so far (it depends on true value and
        adoption); the second is disappointment, a shortfall of the value the
        offer delivers against what the buyer was led to expect, compared at
        the same adoption (``a V`` against ``a E``, so adoption cancels: a
        customer still adopting is not disappointed for that alone; only
        shortfalls count, as losses from a reference point); the last is
        credit for a decision the buyer owns. So a buyer that bought on an
        inflated impression (``E`` above ``V``) is disappointed at any
        adoption, and a bad-fit buyer (``V`` below the price) is dissatisfied
        even when it expected little.
        """
        out: float = equations.satisfaction(
            SCALAR, self.life, self.buyer.true_value(), self.adoption, self.expectation,
            self.contract_value(), self.buyer.internalisation,
        )  # fmt: skip
        return out

    def contract_value(self) -> float:
        """Revenue of one renewed term, units of price."""
        value: float = equations.contract_value(SCALAR, self.life, self.expanded)
        return value

    def gap_days(self, rng: Random) -> float:
        """Days to the next post-sale step: exponential with mean ``step_days``
        (exactly ``step_days`` when the behaviour's ``pace_noise`` is off)."""
        if not self.buyer.b.pace_noise:
            return self.life.step_days
        return float(rng.exponential(self.life.step_days))

    def _move(self, to: Orbit) -> None:
        self.buyer.orbit = to
        self.buyer.max_orbit = max(self.buyer.max_orbit, to)

    def step(self, action: Action | None, rng: Random) -> str:
        """One post-sale step, after the seller's (or success team's) action, if any.

        Returns
        -------
        str
            What happened: ``"installed"``, ``"adopting"``, ``"believes"``,
            ``"doubts"``, ``"expanded"``, ``"refers"``, ``"zealot"``,
            ``"fell_back"`` or ``"stays"``. With ``advocacy = "expansion"``
            (the old rule) REFER is reached only through an expansion, and
            ``"refers"`` is a climb back to REFER after a fall (expansion is
            bought once); with ``"satisfaction"`` (default) see
            :meth:`_advocacy`.
        """
        life = self.life
        b = self.buyer
        boost = 0.0
        if action is not None and b.apply(action, rng, count=False):
            # (post-sale hours are booked by the engine; a rejected action helps nothing)
            boost = action.adoption_gain
        o = b.orbit
        if o == Orbit.INSTALLATION:
            if rng.random() < equations.install_chance(SCALAR, life, boost):
                self.adoption = equations.installed_adoption(SCALAR, life, self.adoption)
                self._move(Orbit.ADAPTATION)
                return "installed"
            return "stays"
        if o == Orbit.ADAPTATION:
            rate = equations.adoption_rate(SCALAR, life, b.internalisation, boost)
            self.adoption = equations.toward_one(self.adoption, rate)
            if self.adoption >= life.belief_adoption:
                self._move(Orbit.BELIEF)
                return "adopting"
            return "stays"
        # BELIEF and beyond: adoption keeps growing slowly with use
        self.adoption = equations.toward_one(self.adoption, life.adoption_rate)
        s = self.satisfaction()
        satisfied = rng.random() < equations.satisfied_chance(SCALAR, life, s)
        if not satisfied:
            if rng.random() < life.back_probability:
                self._move(Orbit(o - 1))
                return "fell_back"
            return "doubts"
        if o == Orbit.BELIEF:
            self._move(Orbit.EXPANSION)
            return "believes"
        if life.advocacy == "satisfaction":
            return self._advocacy(o, rng)
        if o == Orbit.EXPANSION:
            if self.expanded:  # climbing back after a fall: it expanded already, once
                self._move(Orbit.REFER)
                return "refers"
            if rng.random() < life.expansion_probability:
                self.expanded = True
                self._move(Orbit.REFER)
                return "expanded"
            return "stays"
        if o == Orbit.REFER and rng.random() < equations.zealot_chance(life, b.internalisation):
            self._move(Orbit.ZEALOT)
            return "zealot"
        return "stays"

    def _advocacy(self, o: Orbit, rng: Random) -> str:
        """A satisfied step from EXPANSION on, with ``advocacy = "satisfaction"``.

        Expansion is a revenue event of its own: an account that has not
        expanded does so with ``expansion_probability`` (in EXPANSION, REFER or
        ZEALOT; once). Apart from it, from EXPANSION the account moves to REFER
        with ``min(1, advocacy_probability + advocacy_internalised * iota)``,
        and from REFER to ZEALOT with ``zealot_probability * iota``. Returns
        ``"expanded"`` if it expanded in this step (whatever its move; the
        log's orbit shows the move), else ``"refers"``, ``"zealot"`` or
        ``"stays"``.
        """
        life = self.life
        iota = self.buyer.internalisation
        expanded = False
        if not self.expanded and rng.random() < life.expansion_probability:
            self.expanded = expanded = True
        event = "stays"
        if o == Orbit.EXPANSION:
            p = equations.advocacy_chance(SCALAR, life, iota)
            if rng.random() < p:
                self._move(Orbit.REFER)
                event = "refers"
        elif o == Orbit.REFER and rng.random() < equations.zealot_chance(life, iota):
            self._move(Orbit.ZEALOT)
            event = "zealot"
        return "expanded" if expanded else event

    def renews(self, rng: Random) -> bool:
        """The renewal decision at the end of a contract term.

        ``P = logistic(S / T + renewal_bias + referred_loyalty [if referred])``.
        """
        p = equations.renewal_chance(SCALAR, self.life, self.satisfaction(), self.referred)
        ok = bool(rng.random() < p)
        if ok:
            self.terms += 1
        else:
            self.churned = True
        return ok

    def referral_rate(self) -> float:
        """Referral contacts per year: advocates in REFER, more as ZEALOTs
        (:func:`~simsales.model.equations.referral_rate`)."""
        rate: float = equations.referral_rate(SCALAR, self.life, self.buyer.orbit, self.churned)
        return rate
