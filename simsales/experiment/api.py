"""The Python entry point: ``simsales.run``."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from simsales.experiment.config import Experiment
from simsales.experiment.loader import load_experiment, to_experiment
from simsales.experiment.results import Results, build_manifest
from simsales.experiment.runner import run_replications

__all__ = ["resolve", "run"]


def resolve(
    experiment: str | Path | Mapping[str, Any] | Experiment, **overrides: Any
) -> Experiment:
    """An :class:`Experiment` from a file path, a mapping or an Experiment, with overrides."""
    if isinstance(experiment, (str, Path)):
        return load_experiment(experiment, **overrides)
    return to_experiment(experiment, **overrides)


def run(
    experiment: str | Path | Mapping[str, Any] | Experiment,
    *,
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
    **overrides: Any,
) -> Results:
    """Run an experiment and return its results (nothing is written).

    Parameters
    ----------
    experiment : path, mapping or Experiment
        An experiment file, its contents as a mapping, or a validated Experiment.
    workers : int, optional
        Worker processes; default all cores. Results do not depend on it.
    on_done : callable, optional
        Called with each finished replication's index.
    **overrides
        Top-level keys to replace, e.g. ``replications=10, seed=1``.

    Returns
    -------
    Results
        ``.summary``, ``.replications``, ``.save(dir)`` and the chart methods.

    Raises
    ------
    ConfigError
        If the experiment is invalid; nothing has run.

    Examples
    --------
    >>> import simsales
    >>> res = simsales.run("experiments/baseline.toml", replications=2)  # doctest: +SKIP
    """
    config = resolve(experiment, **overrides)
    t0 = time.perf_counter()
    records, series = run_replications(config, workers=workers, on_done=on_done)
    wall = time.perf_counter() - t0
    n_workers = min(workers or os.cpu_count() or 1, config.replications)
    manifest = build_manifest(config.model_dump(mode="json"), wall, n_workers)
    return Results(pd.DataFrame.from_records(records), manifest, pd.DataFrame.from_records(series))
