"""What a seller does in one interaction, and what the seller can see."""

from __future__ import annotations

from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from simsales.model.orbits import Orbit

__all__ = ["Action", "SellerView"]


class Action(BaseModel):
    """One seller interaction: its cost in seller hours and its effects.

    All effects default to none, so an action states only what it does. In
    experiment files an action is a table of these keys; see docs/model.md.

    Attributes
    ----------
    name : str
        Label used in event logs.
    hours : float
        Seller hours, preparation included (>= 0).
    pressure : float
        In [0, 1]: trust falls by this share, and so does internalisation.
    trust_gain : float
        In [0, 1]: share of the gap to full trust closed.
    halo : float
        In [0, 1]: share of the gap to certain success closed in the
        perceived success probability (a liking halo; rivals get none).
    evidence : float
        Strength of evidence about the offer's value (0 = none); one unit has
        log-value noise ``Behaviour.evidence_noise``.
    claim_bias : float
        Log offset of the evidence: > 0 is overselling.
    discovery : bool
        Asks about needs; the buyer shares its known needs if it trusts enough.
    tailor_gain : float
        Once needs are shared, the offer is tailored: the known-need value
        rises by this share (a real gain in fit, not only a perceived one).
    reveal : float
        In [0, 1]: share of the still-latent needs revealed.
    urgency_gain : float
        In [0, 1]: urgency rises by ``urgency_gain * (1 - u) * clip(r - 1, 0, 1)``:
        only where the true value warrants it.
    skeptic_risk : float
        In [0, 1]: chance, times (1 - trust), that the buyer rejects the
        teaching; it then loses a third of its trust and learns nothing.
    coaching : float
        In [0, 1]: indecision falls by this share.
    internalise : float
        In [0, 1]: share of the gap to a fully internalised decision closed.
    adoption_gain : float
        In [0, 1], after the sale: added to the chance that installation
        completes, and to the share of the adoption gap closed in a step.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = "action"
    hours: float = Field(1.0, ge=0, le=1000)
    pressure: float = Field(0.0, ge=0, le=1)
    trust_gain: float = Field(0.0, ge=0, le=1)
    halo: float = Field(0.0, ge=0, le=1)
    evidence: float = Field(0.0, ge=0, le=100)
    claim_bias: float = Field(0.0, ge=-100, le=100)
    discovery: bool = False
    tailor_gain: float = Field(0.0, ge=0, le=100)
    reveal: float = Field(0.0, ge=0, le=1)
    urgency_gain: float = Field(0.0, ge=0, le=1)
    skeptic_risk: float = Field(0.0, ge=0, le=1)
    coaching: float = Field(0.0, ge=0, le=1)
    internalise: float = Field(0.0, ge=0, le=1)
    adoption_gain: float = Field(0.0, ge=0, le=1)


class SellerView(NamedTuple):
    """What a seller can observe about a buyer; never its hidden traits.

    Attributes
    ----------
    orbit : Orbit
        The buyer's current orbit.
    interactions : int
        Interactions held so far with this buyer.
    days_open : float
        Days since the lead arrived.
    needs_shared : bool
        Whether the buyer has shared its known needs.
    pulled : bool
        Whether the buyer asked for this meeting itself.
    stalls : int
        Times the buyer said "we need more time" at the decision.
    rejections : int
        Times the buyer said "no" at the decision.
    """

    orbit: Orbit
    interactions: int
    days_open: float
    needs_shared: bool
    pulled: bool
    stalls: int
    rejections: int
