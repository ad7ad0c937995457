"""Customer traits: their population distributions and how they are drawn.

Every trait has a stream of its own (a child of the replication's trait
seed, keyed in :mod:`simsales.seeding`), and customer ``i`` always gets draw ``i`` of each stream.
So every strategy meets the very same customers, and switching one trait to a
constant shifts no other trait's draws. Stakeholder traits are drawn in blocks
of ``STAKEHOLDER_CAP`` per customer (whatever the group-size distribution),
of which the first ``n_i`` are used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from simsales.model.distributions import (
    Beta,
    Constant,
    Distribution,
    Gamma,
    Integers,
    LogNormal,
    Normal,
    _Dist,
)
from simsales.seeding import RIVAL_DRAW, TRAIT_KEYS, generator

__all__ = [
    "CUSTOMER_TRAITS",
    "STAKEHOLDER_CAP",
    "STAKEHOLDER_TRAITS",
    "Population",
    "TraitRow",
    "Traits",
    "draw_traits",
]

CUSTOMER_TRAITS = (
    "value_ratio",
    "known_need_share",
    "trust",
    "urgency",
    "indecision",
    "patience_days",
    "rival_edge",
    "stakeholders",
)
STAKEHOLDER_TRAITS = ("first_impression_bias", "loss_aversion", "success_probability")

#: Largest buying group; stakeholder traits are drawn in blocks of this size.
STAKEHOLDER_CAP = 50

_UNIT = (0.0, 1.0)
_POSITIVE = (0.0, math.inf)
_ANY = (-math.inf, math.inf)
#: Largest magnitude of a log ratio (e**50 is 5e21: beyond it, exp overflows in sums).
LOG_LIMIT = 50.0
#: How many standard deviations of a normal must stay within +-LOG_LIMIT.
_SDS = 8
_LOG_RATIO = (
    f"of any sign within [-{LOG_LIMIT:g}, {LOG_LIMIT:g}] (log ratios; a normal's mean "
    f"+- {_SDS} sd within it)"
)


_RANGES: dict[str, tuple[tuple[float, float], str]] = {
    "value_ratio": (_POSITIVE, "> 0 (lognormal, gamma, or uniform/constant above 0)"),
    "known_need_share": (_UNIT, "in [0, 1] (beta, or uniform/constant within [0, 1])"),
    "first_impression_bias": (_ANY, _LOG_RATIO),
    "loss_aversion": (_POSITIVE, "> 0 (lognormal, gamma, or uniform/constant above 0)"),
    "success_probability": (_UNIT, "in [0, 1] (beta, or uniform/constant within [0, 1])"),
    "trust": (_UNIT, "in [0, 1] (beta, or uniform/constant within [0, 1])"),
    "urgency": (_UNIT, "in [0, 1] (beta, or uniform/constant within [0, 1])"),
    "indecision": (_UNIT, "in [0, 1] (beta, or uniform/constant within [0, 1])"),
    "patience_days": (_POSITIVE, "> 0 (lognormal, gamma, or uniform/constant above 0)"),
    "rival_edge": (_ANY, _LOG_RATIO),
    "stakeholders": (
        (1.0, float(STAKEHOLDER_CAP)),
        "whole numbers in 1..50 (integers or constant)",
    ),
}


def _trait(default: _Dist, name: str) -> Any:
    """A trait's field: its default, and what it allows (for docs/experiments.md)."""
    return Field(default, json_schema_extra={"allowed": "values " + _RANGES[name][1]})


class Population(BaseModel):
    """Population distributions of the customer traits (docs/model.md 2.1).

    Attributes
    ----------
    value_ratio
        True value of the offer over its price, r = V / P (> 0).
    known_need_share
        Share of the value coming from needs the buyer knows, in [0, 1]; the
        rest is latent until a seller reveals it.
    first_impression_bias
        Per stakeholder: log bias of the first impression, r0 = r * exp(eps).
    loss_aversion
        Per stakeholder: lambda of the value function (> 0).
    success_probability
        Per stakeholder: subjective probability that the solution delivers, in [0, 1].
    trust
        Initial trust in the seller, in [0, 1].
    urgency
        Initial urgency (felt cost of the status quo), in [0, 1].
    indecision
        Probability of stalling at each decision for fear of choosing wrong, in [0, 1].
    patience_days
        Days without progress the buyer tolerates before it stops (> 0).
    rival_edge
        Log ratio of a rival offer's perceived value to ours (any real).
    stakeholders
        Size of the buying group (integers >= 1, at most 50).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    value_ratio: Distribution = _trait(LogNormal(median=4.0, sigma=0.6), "value_ratio")
    known_need_share: Distribution = _trait(Beta(a=6.0, b=4.0), "known_need_share")
    first_impression_bias: Distribution = _trait(Normal(mean=0.0, sd=0.4), "first_impression_bias")
    loss_aversion: Distribution = _trait(LogNormal(median=2.25, sigma=0.3), "loss_aversion")
    success_probability: Distribution = _trait(Beta(a=8.0, b=2.0), "success_probability")
    trust: Distribution = _trait(Beta(a=2.0, b=5.0), "trust")
    urgency: Distribution = _trait(Beta(a=2.0, b=3.0), "urgency")
    indecision: Distribution = _trait(Beta(a=2.0, b=3.0), "indecision")
    patience_days: Distribution = _trait(LogNormal(median=60.0, sigma=0.5), "patience_days")
    rival_edge: Distribution = _trait(Normal(mean=0.3, sd=0.3), "rival_edge")
    stakeholders: Distribution = _trait(Integers(low=3, high=8), "stakeholders")

    @field_validator("*")
    @classmethod
    def _support_fits(cls, d: _Dist, info: ValidationInfo) -> _Dist:
        name = info.field_name or ""
        (lo, hi), allowed = _RANGES[name]
        s_lo, s_hi = d.support
        if (lo, hi) == _ANY:  # a log ratio: exp() of it must stay finite
            sd = math.sqrt(d.variance)
            lo, hi = -LOG_LIMIT, LOG_LIMIT
            s_lo, s_hi = max(s_lo, d.mean - _SDS * sd), min(s_hi, d.mean + _SDS * sd)
        if (lo, hi) == _POSITIVE:  # strictly positive: lognormal, gamma never give 0
            bad_low = s_lo < 0 or (s_lo == 0 and not isinstance(d, LogNormal | Gamma))
        else:
            bad_low = s_lo < lo
        if bad_low or s_hi > hi:
            raise ValueError(
                f"values must be {allowed}; this {getattr(d, 'dist', '')} has support "
                f"[{s_lo:g}, {s_hi:g}]"
            )
        if name == "stakeholders" and (
            not isinstance(d, Integers | Constant)
            or (isinstance(d, Constant) and d.value != int(d.value))
        ):
            raise ValueError("must be whole numbers: {dist = 'integers'} or a whole 'constant'")
        return d

    @property
    def max_stakeholders(self) -> int:
        """Largest possible buying group."""
        return int(self.stakeholders.support[1])


@dataclass(frozen=True)
class Traits:
    """The traits of the ``n`` customers of one replication (struct of arrays).

    Customer-level arrays have shape ``(n,)``; stakeholder-level arrays have
    shape ``(n, max_stakeholders)``, of which customer ``i`` uses the first
    ``stakeholders[i]`` columns.
    """

    value_ratio: np.ndarray
    known_need_share: np.ndarray
    trust: np.ndarray
    urgency: np.ndarray
    indecision: np.ndarray
    patience_days: np.ndarray
    rival_edge: np.ndarray
    stakeholders: np.ndarray
    first_impression_bias: np.ndarray
    loss_aversion: np.ndarray
    success_probability: np.ndarray
    #: per customer, a uniform draw: a rival competes if it is below
    #: ``Behaviour.rival_presence`` (its own stream, key ``RIVAL_DRAW``)
    rival_draw: np.ndarray

    def __len__(self) -> int:
        return len(self.value_ratio)

    def row(self, i: int) -> TraitRow:
        """The traits of customer ``i`` as Python numbers (read when it becomes a lead,
        so a large finite market pays only for the members that do)."""
        n = int(self.stakeholders[i])
        return TraitRow(
            float(self.value_ratio[i]),
            float(self.known_need_share[i]),
            float(self.trust[i]),
            float(self.urgency[i]),
            float(self.indecision[i]),
            float(self.patience_days[i]),
            float(self.rival_edge[i]),
            n,
            self.first_impression_bias[i, :n].tolist(),
            self.loss_aversion[i, :n].tolist(),
            self.success_probability[i, :n].tolist(),
            float(self.rival_draw[i]),
        )


class TraitRow(NamedTuple):
    """One customer's traits (see :class:`Traits`); stakeholder traits are lists
    of the group's size."""

    value_ratio: float
    known_need_share: float
    trust: float
    urgency: float
    indecision: float
    patience_days: float
    rival_edge: float
    stakeholders: int
    first_impression_bias: list[float]
    loss_aversion: list[float]
    success_probability: list[float]
    rival_draw: float


def draw_traits(population: Population, n: int, seed: np.random.SeedSequence) -> Traits:
    """Draw the traits of ``n`` customers.

    Parameters
    ----------
    population : Population
        The trait distributions.
    n : int
        Number of customers.
    seed : numpy.random.SeedSequence
        The replication's trait seed; each trait has the child stream named by
        its key in :data:`simsales.seeding.TRAIT_KEYS`, so the draws of a trait
        never depend on another; the rival-presence uniforms have the key
        :data:`simsales.seeding.RIVAL_DRAW`.

    Returns
    -------
    Traits
    """
    m = population.max_stakeholders
    out: dict[str, np.ndarray] = {}
    for name in CUSTOMER_TRAITS:
        rng = generator(seed, TRAIT_KEYS[name])
        out[name] = getattr(population, name).sample(rng, n)
    out["stakeholders"] = np.rint(out["stakeholders"]).astype(np.int64)
    for name in STAKEHOLDER_TRAITS:
        rng = generator(seed, TRAIT_KEYS[name])
        block = getattr(population, name).sample(rng, n * STAKEHOLDER_CAP)
        out[name] = block.reshape(n, STAKEHOLDER_CAP)[:, :m].copy()
    out["rival_draw"] = generator(seed, RIVAL_DRAW).random(n)
    return Traits(**out)


def trait_uniform_count(population: Population) -> int:
    """Uniforms :func:`traits_from_uniforms` needs per customer."""
    return len(CUSTOMER_TRAITS) + len(STAKEHOLDER_TRAITS) * population.max_stakeholders + 1


def traits_from_uniforms(population: Population, u: np.ndarray) -> Traits:
    """The traits of ``len(u)`` customers from their uniforms, by inversion.

    Each row of ``u`` (``(n, trait_uniform_count(population))``, in (0, 1)) gives
    one customer its customer traits (one uniform each, in
    :data:`CUSTOMER_TRAITS` order), its stakeholder traits (a block of
    ``max_stakeholders`` per trait, of which the first ``n_i`` are used) and its
    rival draw (the last). Each trait has its population distribution, as in
    :func:`draw_traits`; an engine that draws customers from counter-based streams
    uses it (each distribution's ``quantile``).
    """
    m = population.max_stakeholders
    u = np.asarray(u, dtype=float)
    if u.ndim != 2 or u.shape[1] != trait_uniform_count(population):
        raise ValueError(
            f"u must be (n, {trait_uniform_count(population)}) uniforms, got shape {u.shape}"
        )
    out: dict[str, np.ndarray] = {}
    for j, name in enumerate(CUSTOMER_TRAITS):
        out[name] = getattr(population, name).quantile(u[:, j])
    out["stakeholders"] = np.rint(out["stakeholders"]).astype(np.int64)
    first = len(CUSTOMER_TRAITS)
    for j, name in enumerate(STAKEHOLDER_TRAITS):
        block = u[:, first + j * m : first + (j + 1) * m]
        out[name] = getattr(population, name).quantile(block).reshape(len(u), m)
    out["rival_draw"] = u[:, -1].copy()
    return Traits(**out)
