"""Behavioural parameters and mechanism switches (docs/model.md 2).

Every mechanism can be switched off or tuned from the ``[behaviour]`` table of
an experiment file; docs/model.md gives each one's equation and source.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Behaviour"]


class Behaviour(BaseModel):
    """How buyers evaluate, learn, pace themselves and decide.

    See docs/model.md for the equations; defaults and their sources are
    listed there.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    # prospect theory, docs/model.md 2.2 (Tversky & Kahneman 1992)
    alpha: float = Field(0.88, gt=0, le=1, description="value curvature for gains")
    beta: float = Field(0.88, gt=0, le=1, description="value curvature for losses")
    gamma: float = Field(0.61, ge=0.28, le=1, description="probability weighting for gains")
    loss_aversion: bool = Field(True, description="off: lambda = 1 for every stakeholder")
    switching_cost: float = Field(
        0.2, ge=0, le=10_000, description="cost of changing, units of price"
    )
    urgency_framing: bool = Field(
        True, description="status quo felt as a sure loss of urgency x perceived gain"
    )
    temperature: float = Field(0.5, ge=0, le=100, description="logit choice noise; 0 = exact rule")
    # first impressions and conservative updating, 2.3 (Edwards 1968)
    first_impressions: bool = Field(True, description="off: first impressions are unbiased")
    conservatism: float = Field(0.25, gt=0, le=1, description="share of Bayes revision made")
    impression_sd: float = Field(
        0.4, ge=1e-9, le=10, description="buyer's own uncertainty (log value)"
    )
    evidence_noise: float = Field(
        0.3, ge=1e-9, le=10, description="sd of one unit of evidence (log)"
    )
    # needs and trust, 2.4
    latent_needs: bool = Field(True, description="off: every need is known from the start")
    trust_to_share: float = Field(0.4, ge=0, le=1, description="trust needed to share needs")
    access_base: float = Field(0.35, ge=0, le=1, description="meeting acceptance at zero trust")
    access_trust: float = Field(0.5, ge=0, le=10, description="added acceptance per unit of trust")
    access_urgency: float = Field(
        0.3, ge=0, le=10, description="added acceptance per unit of urgency"
    )
    max_refusals: int = Field(3, ge=1, le=1000, description="refusals in a row before going dark")
    # indecision and buying groups, 2.6
    indecision: bool = Field(True, description="off: buyers that prefer change never stall")
    max_stalls: int = Field(3, ge=1, le=1000, description="stalls before an indecision loss")
    max_rejections: int = Field(
        2, ge=1, le=1000, description="'no' at acquisition before status quo"
    )
    decision_rule: Literal["consensus", "majority", "champion"] = Field(
        "majority", description="stakeholders needed for 'yes': all, more than half, or one"
    )
    rivals: bool = Field(True, description="off: no rival offer competes")
    rival_presence: float = Field(
        0.7, ge=0, le=1, description="share of deals a rival competes in (with rivals on)"
    )
    evidence_correlation: float = Field(
        1.0,
        ge=0,
        le=1,
        description="share of evidence noise the stakeholders share; 1 = one signal for the group",
    )
    group_hours: float = Field(
        0.0,
        ge=0,
        le=10,
        description="meeting hours added per stakeholder beyond the first, share of the action's",
    )
    # urgency, pace and patience, 2.5
    step_days: float = Field(7.0, ge=0.01, le=3650, description="mean days between steps at pace 1")
    pace_floor: float = Field(0.25, ge=0.001, le=1, description="pace of a buyer with zero urgency")
    urgency_pace: bool = Field(True, description="off: every buyer moves at pace 1")
    pace_noise: bool = Field(
        True, description="off: exactly step_days / pace between steps, not exponential"
    )
    compelling_event_rate: float = Field(1.0, ge=0, le=365, description="events per buyer per year")
    compelling_event_jump: float = Field(0.3, ge=0, le=1, description="share of 1-u added")
    # jumps and movement without a seller, docs/model.md 3.1
    event_orbits: float = Field(
        1.0, ge=0, le=10, description="mean orbits one compelling event moves a buyer at urgency 1"
    )
    self_education_rate: float = Field(
        4.0, ge=0, le=365, description="orbits per year a buyer moves on its own at urgency 1"
    )
    pulled_hours_factor: float = Field(
        0.75, ge=0, le=1, description="a meeting the buyer asked for takes this share of its hours"
    )
    meeting_noise: bool = Field(
        False, description="on: a meeting's hours are exponential with its hours as mean"
    )
    # orbits, docs/model.md 3
    back_probability: float = Field(0.3, ge=0, le=1, description="chance to fall back an orbit")
