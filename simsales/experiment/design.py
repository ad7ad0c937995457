"""Sweeps over parameters, and parameters uncertain from world to world.

A ``[sweep]`` varies any parameter given by its key path (``"market.lead_rate"``,
``"population.urgency.b"``): an explicit grid, or a Latin-hypercube or Sobol
sample (``scipy.stats.qmc``) over ranges. Every design point runs the same
replications with the same seeds, so points are compared on the same customers.

``[uncertain]`` parameters are drawn anew for every replication (two-level
Monte Carlo, docs/model.md 6) from a stream of the replication's own, so results
cover plausible worlds rather than one guess.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simsales.model.distributions import Distribution
from simsales.seeding import design_generator, uncertain_generator

__all__ = ["Range", "Sweep", "apply", "design_points", "draw_uncertain"]


class Range(BaseModel):
    """A range ``[low, high]`` for Latin-hypercube and Sobol designs."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    low: float = Field(ge=-1e9, le=1e9, description="lowest value")
    high: float = Field(ge=-1e9, le=1e9, description="highest value; above low")

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(f"needs low < high, got low={self.low}, high={self.high}")
        return self


class Sweep(BaseModel):
    """Parameters varied over a design: every combination of listed values, or a
    Latin-hypercube or Sobol' sample of ranges; every point meets the same customers."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    method: Literal["grid", "lhs", "sobol"] = Field(
        "grid",
        description="every combination of lists (grid), a Latin hypercube (lhs) or a "
        "scrambled Sobol' sequence (sobol) over ranges",
    )
    points: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="design points (lhs, sobol; 8 if not given); a grid runs every combination",
    )
    parameters: dict[str, list[Any] | Range] = Field(
        min_length=1,
        description="key path -> list of values (grid) or {low, high} (lhs, sobol)",
    )

    @model_validator(mode="before")
    @classmethod
    def _default_points(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        method = data.get("method", "grid")
        if method == "grid" and data.get("points") is not None:
            raise ValueError(
                f"points = {data['points']!r} is for lhs and sobol designs; "
                "a grid runs every combination of its lists: remove points"
            )
        if method in ("lhs", "sobol") and data.get("points") is None:
            return {**data, "points": 8}
        return data

    @model_validator(mode="after")
    def _shape(self) -> Sweep:
        for path, spec in self.parameters.items():
            if self.method == "grid" and not isinstance(spec, list):
                raise ValueError(f"{path!r}: a grid needs a list of values")
            if self.method != "grid" and not isinstance(spec, Range):
                raise ValueError(f"{path!r}: {self.method} needs {{low = ..., high = ...}}")
            if isinstance(spec, list) and not spec:
                raise ValueError(f"{path!r}: no values")
        return self


def _split(path: str) -> list[str]:
    parts = path.split(".")
    if not all(parts):
        raise ValueError(f"bad key path {path!r}")
    return parts


def apply(config: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``config`` (an experiment as a mapping) with ``values`` set at their paths.

    Raises
    ------
    ValueError
        If a path does not lead to an existing key.
    """
    out = copy.deepcopy(config)
    for path, value in values.items():
        node = out
        parts = _split(path)
        for k in parts[:-1]:
            if not isinstance(node, dict) or k not in node:
                raise ValueError(f"key path {path!r}: no key {k!r} there")
            node = node[k]
        if not isinstance(node, dict) or parts[-1] not in node:
            raise ValueError(f"key path {path!r}: no key {parts[-1]!r} there")
        old = node[parts[-1]]
        if isinstance(old, int) and not isinstance(old, bool) and isinstance(value, float):
            value = round(value)  # integer parameters take whole values
        node[parts[-1]] = value
    return out


def design_points(sweep: Sweep | None, seed: int) -> list[dict[str, Any]]:
    """The design: one ``{path: value}`` per point (``[{}]`` without a sweep)."""
    if sweep is None:
        return [{}]
    paths = list(sweep.parameters)
    if sweep.method == "grid":
        values = [sweep.parameters[p] for p in paths]
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*values)]
    ranges = [sweep.parameters[p] for p in paths]
    rng = design_generator(seed)
    from scipy.stats import qmc  # loaded only for designs: `import simsales` stays quick

    engine: qmc.QMCEngine
    if sweep.method == "lhs":
        engine = qmc.LatinHypercube(d=len(paths), rng=rng)
    else:
        engine = qmc.Sobol(d=len(paths), scramble=True, rng=rng)
    unit = engine.random(sweep.points or 8)
    lows = [r.low for r in ranges if isinstance(r, Range)]
    highs = [r.high for r in ranges if isinstance(r, Range)]
    scaled = qmc.scale(unit, lows, highs)
    return [dict(zip(paths, map(float, row), strict=True)) for row in scaled]


def draw_uncertain(
    uncertain: dict[str, Distribution], root_seed: int, replication: int
) -> dict[str, float]:
    """This replication's draw of every uncertain parameter (sorted by path).

    Each parameter has a stream of its own, named by its path below the
    replication's, so adding, removing or renaming one leaves the draws of
    the others as they were: two experiment files that share a parameter
    meet the same worlds in it.
    """
    return {
        path: float(uncertain[path].sample(uncertain_generator(root_seed, replication, path)))
        for path in sorted(uncertain)
    }
