"""The ``[calibrate]`` table: which parameters to fit, their priors, and how.

A prior is one of the package's distributions (:mod:`simsales.model.distributions`);
a ``uniform`` prior is also the search range of the method of simulated moments,
and any other prior's range is its central 99.8%. Parameters are key paths into
the experiment's tables, as in ``[uncertain]`` and ``[sweep]``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from simsales.model.distributions import (
    Beta,
    Constant,
    Distribution,
    Gamma,
    Integers,
    LogNormal,
    Normal,
    Uniform,
)

__all__ = ["DEFAULT_TARGETS", "TARGETS", "Calibrate", "frozen", "search_range"]

#: Funnel statistics a calibration can fit, with what each means.
TARGETS: dict[str, str] = {
    "win_rate": "won / (won + lost), closed deals",
    "no_decision_share": "no-decision losses / losses with a known reason",
    "cycle_q25": "25th percentile of days to close (Kaplan-Meier, open deals censored)",
    "cycle_median": "median days to close (Kaplan-Meier, open deals censored)",
    "cycle_q75": "75th percentile of days to close (Kaplan-Meier, open deals censored)",
    "won_cycle_median": "median days to close of won deals",
    "opportunities_per_month": "opportunities opened per month",
}
#: Targets fitted when ``targets`` is not given (those the data can compute).
DEFAULT_TARGETS: tuple[str, ...] = (
    "win_rate",
    "no_decision_share",
    "cycle_q25",
    "cycle_median",
    "cycle_q75",
    "opportunities_per_month",
)


class Calibrate(BaseModel):
    """What to fit to the ``[data]`` export, and how."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    parameters: dict[str, Distribution] = Field(
        min_length=1,
        max_length=12,
        description="key path -> prior (uniform = search range)",
        json_schema_extra={"allowed": "key paths of numeric parameters of the tables"},
    )
    strategy: str | None = Field(
        None,
        description="the strategy the data were sold with (default: the file's only one)",
        json_schema_extra={"allowed": "a name in [[strategies]]"},
    )
    method: Literal["msm", "abc"] = Field(
        "msm", description="method of simulated moments, or ABC (sequential Monte Carlo)"
    )
    targets: list[str] | None = Field(
        None,
        description="funnel statistics to fit (default: those the data can compute)",
        json_schema_extra={"allowed": ", ".join(TARGETS)},
    )
    replications: int = Field(
        10, ge=2, le=200, description="simulated exports per candidate (msm) and for the check"
    )
    bootstrap: int = Field(400, ge=50, le=20_000, description="resamples of the data")
    starts: int = Field(16, ge=1, le=1024, description="Sobol' starting points (msm)")
    evaluations: int = Field(120, ge=1, le=5000, description="most optimiser steps (msm)")
    particles: int = Field(200, ge=20, le=20_000, description="posterior sample size (abc)")
    generations: int = Field(6, ge=1, le=50, description="tolerance steps (abc)")
    budget: int = Field(20_000, ge=100, le=1_000_000, description="most simulations in all (abc)")

    @field_validator("targets")
    @classmethod
    def _known_targets(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        bad = [t for t in v if t not in TARGETS]
        if bad:
            raise ValueError(f"unknown target {bad[0]!r}; allowed: {', '.join(TARGETS)}")
        if len(set(v)) != len(v):
            raise ValueError("targets: each target once")
        return v

    @field_validator("parameters")
    @classmethod
    def _usable_priors(cls, v: dict[str, Distribution]) -> dict[str, Distribution]:
        for path, prior in v.items():
            if isinstance(prior, Constant):
                raise ValueError(
                    f"parameters.{path}: a constant prior fits nothing; give a range "
                    "(uniform) or a distribution, or set the value in its table"
                )
        return v


def frozen(prior: Distribution) -> Any:
    """A prior as a frozen scipy distribution (densities and quantiles).

    ``integers`` priors are treated as uniform over ``[low, high]``; the value
    is rounded where it is set. (scipy is imported here: validating a file
    must not wait for it.)
    """
    from scipy import stats

    if isinstance(prior, Uniform | Integers):
        return stats.uniform(loc=prior.low, scale=prior.high - prior.low)
    if isinstance(prior, Beta):
        return stats.beta(prior.a, prior.b)
    if isinstance(prior, Normal):
        return stats.norm(loc=prior.mean_, scale=prior.sd)
    if isinstance(prior, LogNormal):
        return stats.lognorm(s=prior.sigma, scale=prior.median)
    if isinstance(prior, Gamma):
        return stats.gamma(prior.shape, scale=prior.scale)
    raise TypeError(f"no density for a {prior.dist} prior")


def search_range(prior: Distribution) -> tuple[float, float]:
    """The interval searched: a uniform prior's bounds, else its central 99.8%."""
    if isinstance(prior, Uniform | Integers):
        return float(prior.low), float(prior.high)
    d = frozen(prior)
    lo, hi = float(d.ppf(0.001)), float(d.ppf(0.999))
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"prior {prior!r} has no finite central range")
    return lo, hi
