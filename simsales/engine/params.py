"""Market, seller-team and economics parameters of the engine."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Economics", "Market", "Sellers", "SuccessTeam", "Team"]


class Market(BaseModel):
    """Where leads come from: an unlimited market (Poisson leads) or a finite one (Bass)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    lead_rate: float = Field(
        1.5, gt=0, le=1000, description="leads per day (Poisson process) in an unlimited market"
    )
    lead_cost: float = Field(
        0.01, ge=0, le=10_000, description="cost to acquire a lead, units of price"
    )
    size: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="members of a finite market; none = unlimited; its trait arrays must "
        "also fit the memory budget (docs/experiments.md, Resource limits)",
    )
    innovation: float = Field(
        0.03,
        gt=0,
        le=10,
        description="finite market: yearly chance a member becomes a lead (Bass p)",
    )

    initial_potential: float = Field(
        0.0,
        ge=0,
        le=1,
        description="finite market: share of members that start at POTENTIAL (the rest at "
        "AWARENESS)",
    )
    inward_rate: float = Field(
        0.0,
        ge=0,
        le=100,
        description="finite market: yearly hazard that a member moves one orbit inward on "
        "its own (Bass-like a); 0 = no own movement",
    )
    inward_imitation: float = Field(
        0.0,
        ge=0,
        le=100,
        description="finite market: added to that hazard, times the share of the market "
        "that has bought (Bass-like b)",
    )
    programme_reach: float = Field(
        0.0,
        ge=0,
        le=10_000_000,
        description="finite market: members the market programme reaches per month "
        "(education, content, events); 0 = no programme",
    )
    programme_cost: float = Field(
        0.0005,
        ge=0,
        le=10_000,
        description="finite market: programme cost per member reached, units of price",
    )
    programme_effect: float = Field(
        0.1,
        ge=0,
        le=1,
        description="finite market: chance that a reached member moves one orbit inward",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Market:
        # lead_rate at its default is fine (a dumped config carries it); any
        # other value with a size is a contradiction
        if self.size is not None and self.lead_rate != Market.model_fields["lead_rate"].default:
            raise ValueError(
                "give lead_rate (an unlimited market) or size and innovation (a finite "
                "market), not both"
            )
        if self.size is None:
            fields = type(self).model_fields
            given = [
                k
                for k in ("initial_potential", "inward_rate", "inward_imitation", "programme_reach")
                if getattr(self, k) != fields[k].default
            ]
            if given:
                raise ValueError(
                    f"{', '.join(given)} describe a finite market's members: give size too "
                    "(or leave them at their defaults for an unlimited market)"
                )
        return self


class Team(BaseModel):
    """What every team has: ``team_size`` people serving work first come, first served."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    team_size: int = Field(5, ge=1, le=10_000, description="sellers working in parallel")
    hours_per_day: float = Field(6.0, ge=0.5, le=24, description="selling hours per seller-day")
    cost_per_hour: float = Field(
        0.003, ge=0, le=10_000, description="loaded cost of a seller hour, units of price"
    )


class Sellers(Team):
    """The seller team: ``team_size`` sellers serving interactions first come, first served,
    and (when ``prospecting_leads_per_hour > 0``) prospecting in their idle hours."""

    cost_per_year: float = Field(
        0.0,
        ge=0,
        le=10_000_000,
        description="fixed loaded cost per seller per year, units of price (metric team_cost)",
    )
    prospecting_leads_per_hour: float = Field(
        0.0,
        ge=0,
        le=100,
        description="outbound leads per prospecting hour (Poisson in prospecting hours); "
        "0 = no prospecting",
    )
    prospecting_block_hours: float = Field(
        2.0,
        gt=0,
        le=24,
        description="length of one prospecting session booked on an idle seller, hours",
    )
    outbound_trust: float = Field(
        0.5, ge=0, le=1, description="outbound (cold) leads: trust multiplied by this"
    )
    outbound_urgency: float = Field(
        0.5, ge=0, le=1, description="outbound (cold) leads: urgency multiplied by this"
    )


class SuccessTeam(Team):
    """The customer-success team (post-sale work when ``lifecycle.resource = "success"``)."""

    team_size: int = Field(2, ge=1, le=10_000, description="people working in parallel")
    hours_per_day: float = Field(6.0, ge=0.5, le=24, description="working hours per person-day")
    cost_per_hour: float = Field(
        0.002, ge=0, le=10_000, description="loaded cost of a success hour, units of price"
    )


class Economics(BaseModel):
    """Revenue side; money is in units of the offer's price."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    gross_margin: float = Field(0.7, gt=0, le=1, description="gross profit per unit of revenue")
