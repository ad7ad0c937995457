"""Running replications: the pure per-replication function and the pool over it."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np

from simsales.engine.metrics import journey_metrics
from simsales.engine.simulation import TraceEvent, simulate
from simsales.experiment.config import Experiment
from simsales.experiment.plugins import import_module
from simsales.experiment.seeding import replication_seeds
from simsales.model.population import draw_traits

__all__ = ["draw_arrivals", "run_replication", "run_replications"]

Record = dict[str, Any]


def draw_arrivals(rate: float, horizon: float, rng: np.random.Generator) -> np.ndarray:
    """Arrival days of a Poisson process of ``rate`` per day on ``[0, horizon)``."""
    n = int(rng.poisson(rate * horizon))
    return np.sort(rng.uniform(0.0, horizon, n))


def run_replication(
    config: Experiment, replication: int, trace: dict[str, list[TraceEvent]] | None = None
) -> list[Record]:
    """Run every strategy of ``config`` on replication ``replication``.

    Every strategy meets the same leads: the same arrival times, the same
    traits, and per customer the same decision stream (common random numbers).

    Parameters
    ----------
    config : Experiment
        The validated experiment.
    replication : int
        Replication index; its streams come from the root seed and this index only.
    trace : dict, optional
        If given, filled with each strategy's event log (see
        :func:`simsales.engine.simulation.simulate`).

    Returns
    -------
    list of dict
        One record per strategy: ``replication``, ``strategy`` and every metric.
    """
    for m in config.modules:  # a fresh worker process needs the user's strategies
        import_module(m)
    seeds = replication_seeds(config.seed, replication)
    arrivals = draw_arrivals(
        config.market.lead_rate, config.horizon_days, np.random.default_rng(seeds.arrivals)
    )
    traits = draw_traits(config.population, len(arrivals), seeds.traits)
    records: list[Record] = []
    for spec in config.strategies:
        log: list[TraceEvent] | None = [] if trace is not None else None
        journeys = simulate(
            traits, arrivals, spec.build(), config.behaviour, config.sellers, seeds.decisions, log
        )
        if trace is not None and log is not None:
            trace[spec.name] = log
        metrics = journey_metrics(journeys, config.market, config.sellers, config.economics)
        records.append({"replication": replication, "strategy": spec.name, **metrics})
    return records


def _executor(workers: int) -> ProcessPoolExecutor:
    # Set the start method explicitly, and never at import time: Python 3.14
    # changes the default on Linux. Tasks are top-level functions of picklable
    # arguments, so either method works; fork starts fastest.
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method))


def run_replications(
    config: Experiment,
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
) -> list[Record]:
    """Run all replications of ``config``, in parallel when ``workers > 1``.

    Parameters
    ----------
    config : Experiment
        The validated experiment.
    workers : int, optional
        Worker processes; default all cores (at most one per replication).
    on_done : callable, optional
        Called with each finished replication's index (for progress bars).

    Returns
    -------
    list of dict
        Records ordered by replication, then by strategy as in the file; the
        numbers do not depend on ``workers``.
    """
    n = config.replications
    workers = min(workers or os.cpu_count() or 1, n)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    results: dict[int, list[Record]] = {}
    if workers == 1:
        for r in range(n):
            results[r] = run_replication(config, r)
            if on_done:
                on_done(r)
    else:
        pool = _executor(workers)
        try:
            futures = {pool.submit(run_replication, config, r): r for r in range(n)}
            for fut in as_completed(futures):
                r = futures[fut]
                results[r] = fut.result()
                if on_done:
                    on_done(r)
        except BaseException:
            # Interrupted or failed: drop queued replications instead of
            # running them all before returning.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    return [rec for r in range(n) for rec in results[r]]


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``fn`` and return its result and wall seconds."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0
