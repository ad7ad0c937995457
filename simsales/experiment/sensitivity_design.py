"""The ``[sensitivity]`` table: a Sobol' or Morris design over parameter ranges.

The design points come from SALib's samplers: Saltelli's extension of a
scrambled Sobol' sequence for Sobol' indices (first and total order, no
second order: ``N (D + 2)`` points for ``D`` parameters), or Morris
trajectories for elementary-effects screening (``N (D + 1)`` points). Every
point then runs the experiment's replications with the same seeds, so points
differ only by their parameters (common random numbers). The analysis lives in
:mod:`simsales.analysis.sensitivity_indices` and reads the stored results.

References
----------
Saltelli, A. (2002). Making best use of model evaluations to compute
sensitivity indices. Computer Physics Communications 145(2), 280-297.

Morris, M. D. (1991). Factorial sampling plans for preliminary computational
experiments. Technometrics 33(2), 161-174.

Herman, J. and Usher, W. (2017). SALib: an open-source Python library for
sensitivity analysis. Journal of Open Source Software 2(9), 97.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from simsales.engine.metrics import METRICS
from simsales.experiment.design import Range
from simsales.experiment.errors import unknown_names
from simsales.seeding import design_generator

__all__ = ["Sensitivity", "problem", "sample", "sensitivity_points"]


class Sensitivity(BaseModel):
    """A Sobol' or Morris design over parameter ranges, for sensitivity analysis (SALib).

    The replications per design point are the experiment's ``replications``,
    as for ``[sweep]``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    method: Literal["sobol", "morris"] = Field(
        "sobol",
        description="Sobol' first and total order indices, or Morris elementary effects",
    )
    samples: int = Field(
        16, ge=2, le=65_536,
        description="base samples N: sobol runs N (D + 2) points, morris N (D + 1)",
    )  # fmt: skip
    levels: int = Field(4, ge=2, le=1000, description="grid levels of morris (even)")
    metrics: list[str] = Field(
        default_factory=lambda: ["conversion", "total_cost_share"],
        min_length=1,
        description="metrics analysed",
        json_schema_extra={"allowed": "metric names (see Metric names)"},
    )
    parameters: dict[str, Range] = Field(
        min_length=1, description="key path -> {low, high}: the ranges the design covers"
    )

    @model_validator(mode="after")
    def _check(self) -> Sensitivity:
        if self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(
                f"samples: sobol needs a power of 2 (Sobol' sequences balance only then), "
                f"got {self.samples}; e.g. {1 << (self.samples.bit_length() - 1)} or "
                f"{1 << self.samples.bit_length()}"
            )
        if self.method == "morris" and self.levels % 2:
            raise ValueError(f"levels: morris needs an even number of levels, got {self.levels}")
        unknown = [m for m in self.metrics if m not in METRICS]
        if unknown:
            raise ValueError(
                f"metrics: unknown metric(s) {unknown_names(unknown, METRICS)}; "
                f"known: {', '.join(METRICS)}"
            )
        return self

    @property
    def names(self) -> list[str]:
        """The parameters' key paths, in file order."""
        return list(self.parameters)

    @property
    def points(self) -> int:
        """Number of design points."""
        d = len(self.parameters)
        return self.samples * (d + 2 if self.method == "sobol" else d + 1)


def problem(sens: Sensitivity) -> dict[str, Any]:
    """The SALib problem: parameter names (key paths) and bounds."""
    return {
        "num_vars": len(sens.parameters),
        "names": sens.names,
        "bounds": [[r.low, r.high] for r in sens.parameters.values()],
    }


def sample(sens: Sensitivity, seed: int) -> np.ndarray:
    """The design as an array, one row per point, columns in ``sens.names`` order.

    The sampler draws from the root seed's design stream, so the same file and
    seed give the same design.
    """
    rng = design_generator(seed)
    if sens.method == "sobol":
        from SALib.sample import sobol as sobol_sample  # loaded only when a design is drawn

        x = sobol_sample.sample(problem(sens), sens.samples, calc_second_order=False, seed=rng)
    else:
        from SALib.sample import morris as morris_sample

        x = morris_sample.sample(problem(sens), sens.samples, num_levels=sens.levels, seed=rng)
    return np.asarray(x, dtype=float)


def sensitivity_points(sens: Sensitivity, seed: int) -> list[dict[str, Any]]:
    """The design: one ``{path: value}`` per point, in SALib's order."""
    return [dict(zip(sens.names, map(float, row), strict=True)) for row in sample(sens, seed)]
