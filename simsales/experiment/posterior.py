"""``[posterior]``: take uncertain parameters from a calibration's posterior sample.

A calibration (``simsales calibrate``) writes ``posterior.parquet``: one row
per draw (the ABC particles, or draws from the simulated-moments estimate's
normal approximation), one column per fitted parameter and a ``weight``.
Naming it in an experiment makes every replication one plausible world drawn
from it, as ``[uncertain]`` does from a distribution, so ``run``,
``compare``, ``select`` and ``robustness`` compare strategies with the
calibration's uncertainty included::

    [posterior]
    path = "../results/calibration/calibration/posterior.parquet"

Each replication picks one row (with probability its weight, from a stream
of its own) and sets every parameter of that row, so the parameters'
correlations are kept. The drawn values become columns of the results, as
uncertain parameters do. The loader resolves ``path`` against the
experiment file's folder, reads the column names when ``parameters`` is not
given, and records the file's SHA-256, so results know which sample they
came from (and a changed file is a different experiment).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from simsales.seeding import posterior_generator

__all__ = ["Posterior", "draw_posterior", "posterior_columns", "read_posterior"]

#: The weight column of a posterior sample.
WEIGHT = "weight"


class Posterior(BaseModel):
    """Where the uncertain parameters' joint sample is, and which of its columns to use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(
        min_length=1,
        max_length=4096,
        description="a posterior.parquet written by simsales calibrate (relative to the file)",
    )
    parameters: list[str] | None = Field(
        None,
        max_length=100,
        description="its columns to use, as key paths (default: every column but weight)",
        json_schema_extra={"allowed": "key paths of numeric parameters of the tables"},
    )
    sha256: str | None = Field(
        None,
        max_length=64,
        description="the file's SHA-256, recorded by the loader (not set by hand)",
    )


def posterior_columns(path: Path) -> list[str]:
    """The parameter columns of a posterior sample (every column but ``weight``)."""
    import pyarrow.parquet as pq

    return [c for c in pq.read_schema(path).names if c != WEIGHT]


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=8)
def _sample(
    path: str, sha256: str | None, columns: tuple[str, ...]
) -> tuple[np.ndarray, np.ndarray]:
    import pandas as pd

    frame = pd.read_parquet(path)
    if sha256 is not None and file_sha256(Path(path)) != sha256:
        raise ValueError(
            f"posterior.path {path!r} changed since the experiment was read (its SHA-256 "
            "differs): read the experiment again"
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"posterior.path {path!r} has no column {missing[0]!r}")
    values = frame[list(columns)].to_numpy(dtype=float)
    weights = (
        frame[WEIGHT].to_numpy(dtype=float) if WEIGHT in frame.columns else np.ones(len(frame))
    )
    if len(frame) == 0 or not np.isfinite(values).all():
        raise ValueError(f"posterior.path {path!r}: no rows, or a value that is not a number")
    if not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
        raise ValueError(f"posterior.path {path!r}: weights must be >= 0 with a positive sum")
    return values, weights / weights.sum()


def read_posterior(post: Posterior) -> tuple[np.ndarray, np.ndarray]:
    """The sample's values (rows × parameters, in ``post.parameters``' order) and weights."""
    return _sample(post.path, post.sha256, tuple(post.parameters or ()))


def draw_posterior(post: Posterior, root_seed: int, replication: int) -> dict[str, float]:
    """This replication's draw: one row of the sample, picked by weight, as ``{path: value}``."""
    values, weights = read_posterior(post)
    row = int(posterior_generator(root_seed, replication).choice(len(weights), p=weights))
    return {p: float(v) for p, v in zip(post.parameters or (), values[row], strict=True)}
