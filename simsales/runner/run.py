"""The Python entry point: ``simsales.run``."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pandas as pd

from simsales.experiment.config import Experiment
from simsales.experiment.fingerprint import fingerprint
from simsales.experiment.loader import load_modules, resolve
from simsales.reporting.outputs import save_results
from simsales.runner.batches import Batches
from simsales.runner.environment import environment
from simsales.runner.replications import Failure, choose_engine, run_replications
from simsales.store.files import atomic_write
from simsales.store.folder import check_folder, claim_folder, clear_results
from simsales.store.lock import folder_lock
from simsales.store.parts import PartStore
from simsales.store.record import FailedReplication, PrecisionReached, RunRecord, write_record
from simsales.store.results import Results

__all__ = ["FAILURES", "RunFailed", "run", "write_failures"]

#: The file of a results folder listing failed replications with their tracebacks.
FAILURES = "failures.json"


def write_failures(directory: Path, failures: list[Failure]) -> None:
    """Write ``failures.json`` (each failed replication, its seed, error, where and
    traceback), or remove an earlier run's when nothing failed."""
    path = directory / FAILURES
    if not failures:
        path.unlink(missing_ok=True)
        return
    text = json.dumps([f.record() for f in failures], indent=2) + "\n"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


class RunFailed(RuntimeError):
    """Some replications raised; the others finished and (with ``out``) were saved.

    Attributes
    ----------
    results : Results or None
        Results of the replications that finished (None if none did).
    failures : list of Failure
        Each failed replication with its seed and error.
    """

    def __init__(self, results: Results | None, failures: list[Failure]) -> None:
        self.results = results
        self.failures = failures
        lines = "; ".join(f.describe() for f in failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(f"{len(failures)} replication(s) failed: {lines}{more}")


def run(
    experiment: str | Path | Mapping[str, Any] | Experiment,
    *,
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    backend: str = "local",
    scheduler: str | None = None,
    precision: float | None = None,
    precision_metrics: Sequence[str] = ("conversion",),
    max_replications: int | None = None,
    on_batch: Callable[[int], None] | None = None,
    more: Callable[[pd.DataFrame], int | None] | None = None,
    **overrides: Any,
) -> Results:
    """Run an experiment and return its results.

    The experiment's ``modules`` are imported first, which runs their code
    (see :func:`simsales.load_modules`).

    Parameters
    ----------
    experiment : path, mapping or Experiment
        An experiment file, its contents as a mapping, or a validated Experiment.
    workers : int, optional
        Worker processes; default all cores. Results do not depend on it.
    on_done : callable, optional
        Called with each finished replication's index.
    out : path, optional
        Output folder. Each finished replication is written there at once
        (``parts/``), and the results files at the end. Without it nothing is
        written. A folder belongs to one experiment: it must not exist, be
        empty, or hold results of this same experiment (same keys and seed).
    resume : bool
        With ``out``: keep replications already written there by an earlier,
        interrupted run of the same experiment, and compute only the rest.
    overwrite : bool
        With ``out``: if it holds anything else (another experiment's results,
        files simsales does not write), move it aside whole to
        ``OUT.replaced-<UTC time>`` and start afresh instead of refusing.
    backend : {"local", "dask"}
        Local worker processes, or a Dask cluster (needs ``simsales[dask]``).
    scheduler : str, optional
        With the dask backend: address of a running scheduler; without it a
        local cluster is started on 127.0.0.1.
    precision : float, optional
        Keep adding replications until the 95% CI half-width of every
        strategy's ``precision_metrics`` is at most this (absolute, in the
        metric's units: 0.01 is one point of conversion), or until
        ``max_replications``. Each batch is sized from the half-widths so far
        (they shrink as one over the square root of the replications); what
        was reached is in the record's ``precision``
        (:class:`simsales.store.record.PrecisionReached`).
    precision_metrics : sequence of str
        Metrics the precision applies to.
    max_replications : int, optional
        Cap for ``precision`` and ``more``; default ten times the experiment's
        replications.
    on_batch : callable, optional
        Called before each batch with the number of replications it will have
        finished when done, over all design points (design points x
        replications), for progress bars.
    more : callable, optional
        A sequential rule, instead of ``precision``: called after each batch
        with the replications table so far; returns the total number of
        replications wanted next, or None (or no more than now) to stop.
        Used by :func:`simsales.select_best` for Kim & Nelson's KN.
    **overrides
        Top-level keys to replace, e.g. ``replications=10, seed=1``.

    Returns
    -------
    Results
        Its tables (``.replications``, ``.timeseries``) and the record of the
        run (``.record``); the analyses, charts and report are functions over it
        (:func:`simsales.summary_table`, :func:`simsales.save_results`, ...).

    Raises
    ------
    ConfigError
        If the experiment is invalid, or one of its ``modules`` fails on import;
        no replication has run.
    StoreError
        If ``out`` holds another experiment's results or files simsales does
        not write (and ``overwrite`` is not given), or, with ``resume``, parts
        of another experiment or seed.
    FolderBusy
        If another run is writing into ``out`` (it holds the folder's lock,
        :func:`simsales.store.lock.folder_lock`, until its results are
        written).
    RunFailed
        If some replications raised; it carries the others' results.

    Examples
    --------
    >>> import simsales
    >>> res = simsales.run("experiments/baseline.toml", replications=2)  # doctest: +SKIP
    """
    if backend not in ("local", "dask"):
        raise ValueError(f"backend must be 'local' or 'dask', got {backend!r}")
    config = resolve(experiment, **overrides)
    named = "engine" in config.model_fields_set  # (load_modules validates again)
    if config.modules or config.unchecked_strategies:  # user code: modules, entry points
        source = str(experiment) if isinstance(experiment, (str, Path)) else "experiment"
        config = load_modules(config, source)
    config = choose_engine(config, named)
    engine_note = config.engine_note
    batches = Batches(config.replications, precision, precision_metrics, max_replications, more)
    held = ExitStack()
    if out is not None:
        claim_folder(out, config, overwrite=overwrite)
        held.enter_context(folder_lock(out))
    with held:  # one run per results folder at a time, until its results are written
        if out is not None:  # checked again under the lock: no other run changed it since
            check_folder(out, config)
        tmp = None
        if out is None and batches.batched:  # batches resume from parts
            tmp = tempfile.TemporaryDirectory(prefix="simsales-")
        folder = Path(out) if out is not None else (Path(tmp.name) if tmp else None)
        store = PartStore(folder, config, resume) if folder is not None else None
        t0 = time.perf_counter()
        resumed: int | None = None
        try:
            while True:
                if on_batch:
                    on_batch(len(config.points()) * config.replications)
                output = run_replications(
                    config, workers=workers, on_done=on_done, store=store, backend=backend,
                    scheduler=scheduler,
                )  # fmt: skip
                resumed = output.resumed if resumed is None else resumed
                if output.failures or not batches.batched:
                    break
                wanted = batches.after(config.replications, pd.DataFrame(output.records))
                if wanted is None:
                    break
                config = config.with_replications(wanted)
        finally:
            if tmp is not None:
                tmp.cleanup()
        wall = time.perf_counter() - t0
        reached_precision = None
        if precision is not None:
            assert batches.cap is not None
            reached_precision = PrecisionReached(
                target_half_width=precision,
                metrics=list(precision_metrics),
                replications=config.replications,
                max_replications=batches.cap,
                met=batches.met(),
                half_widths=batches.reached,
            )
        record = RunRecord(
            config=config,
            fingerprint=fingerprint(config),
            **environment(),
            backend=backend,
            workers=output.workers,
            wall_seconds=round(wall, 3),
            resumed_replications=resumed or 0,
            precision=reached_precision,
            engine_note=engine_note,
            failures=[
                FailedReplication(**{k: v for k, v in f.record().items() if k != "traceback"})
                for f in output.failures
            ],
        )
        records = pd.DataFrame(output.records)
        results = None
        if out is not None:
            write_failures(Path(out), output.failures)
        if len(records):
            results = Results(records, record, pd.DataFrame(output.series))
            if out is not None:
                save_results(results, out, workers=workers)
        elif out is not None:  # every replication failed: still say what was run, and how
            clear_results(Path(out))
            write_record(out, record)
        if output.failures:
            raise RunFailed(results, output.failures)
        assert results is not None  # no failures and no records would mean no replications
        return results
