"""A study's run over the plausible range of its claims' parameters (``[where]``).

A study file with ``[[claims]]`` and ``[where]`` runs twice: at the defaults as
any experiment, into its results folder, and over the plausible range, into
the sub-folder :data:`simsales.store.folder.WHERE` of it. The where-run is the experiment of
:meth:`simsales.experiment.config.Experiment.where_run`: no design, the
``[where]`` parameters drawn anew for each replication (one plausible world
each), and a seed of its own derived from the root seed
(:func:`simsales.seeding.where_seed`), so the run at the defaults
keeps its numbers. It is a run like any other (:func:`simsales.runner.run.run`):
written part by part, resumable, refused in a folder of another experiment,
and locked while it runs.

This module imports neither the analysis nor pandas at its top: the command
line imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from simsales.store.folder import where_folder

if TYPE_CHECKING:
    from simsales.experiment.config import Experiment
    from simsales.store.results import Results

__all__ = ["run_where"]


def run_where(
    config: Experiment,
    target: str | Path,
    *,
    workers: int | None = None,
    resume: bool = False,
    overwrite: bool = False,
    on_done: Callable[[int], None] | None = None,
    replications: int | None = None,
) -> Results:
    """Run the study ``config`` over its plausible range into ``target/where/``.

    Parameters
    ----------
    config : Experiment
        The study; it must have ``[where]`` (and so ``claims``).
    target : path
        The study's results folder.
    workers, resume, overwrite, on_done
        As for :func:`simsales.runner.run.run`.
    replications : int, optional
        Worlds to draw instead of ``where.replications``.

    Returns
    -------
    Results
        The where-run's results (also saved in ``target/where/``).

    Raises
    ------
    ValueError
        If ``config`` has no ``[where]``.
    StoreError, FolderBusy, RunFailed
        As :func:`simsales.runner.run.run`.
    """
    from simsales.runner.run import run

    exp = config.where_run()
    if replications is not None:
        exp = exp.with_replications(replications)
    return run(
        exp, workers=workers, out=where_folder(target), resume=resume, overwrite=overwrite,
        on_done=on_done,
    )  # fmt: skip
