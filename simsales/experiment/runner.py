"""Running replications: the pure per-replication function and the pool over it."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np

from simsales.engine.market import draw_arrivals
from simsales.engine.metrics import journey_metrics
from simsales.engine.simulation import TraceEvent, simulate
from simsales.engine.world import Ledger, World
from simsales.experiment.config import Experiment
from simsales.experiment.plugins import import_module
from simsales.experiment.seeding import replication_seeds
from simsales.model.orbits import Orbit
from simsales.model.population import draw_traits
from simsales.model.streams import generator

__all__ = ["STATE_COLUMNS", "build_world", "run_replication", "run_replications"]

Record = dict[str, Any]
#: Occupancy columns of the monthly series: one per orbit, then churned.
STATE_COLUMNS = (*(o.name.lower() for o in Orbit), "churned")


def build_world(config: Experiment, replication: int) -> World:
    """The fixed part of one replication: leads, traits, parameters and seeds."""
    seeds = replication_seeds(config.seed, replication)
    if config.market.size is None:
        arrivals = draw_arrivals(
            config.market.lead_rate, config.horizon_days, generator(seeds.arrivals)
        )
        n = len(arrivals)
    else:  # a finite market draws its members' clocks itself, from the same stream
        arrivals = np.empty(0)
        n = config.market.size
    return World(
        traits=draw_traits(config.population, n, seeds.traits),
        arrivals=arrivals,
        population=config.population,
        behaviour=config.behaviour,
        lifecycle=config.lifecycle,
        market=config.market,
        sellers=config.sellers,
        success=config.success,
        arrival_seed=seeds.arrivals,
        trait_seed=seeds.traits,
        decision_seed=seeds.decisions,
        horizon=config.horizon_days,
        end=config.end_days,
    )


def run_replication(
    config: Experiment,
    replication: int,
    trace: dict[str, list[TraceEvent]] | None = None,
    series: list[Record] | None = None,
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
    series : list, optional
        If given, extended with monthly rows: ``replication, strategy, month``,
        the number of customers in each orbit (and churned), revenue and cost.

    Returns
    -------
    list of dict
        One record per strategy: ``replication``, ``strategy`` and every metric.
    """
    for m in config.modules:  # a fresh worker process needs the user's strategies
        import_module(m)
    world = build_world(config, replication)
    records: list[Record] = []
    for spec in config.strategies:
        log: list[TraceEvent] | None = [] if trace is not None else None
        journeys, ledger = simulate(world, spec.build(), log)
        if trace is not None and log is not None:
            trace[spec.name] = log
        metrics = journey_metrics(
            journeys, config.sellers.cost_per_hour, world.post_sale_rate,
            config.economics.gross_margin,
        )  # fmt: skip
        records.append({"replication": replication, "strategy": spec.name, **metrics})
        if series is not None:
            series.extend(monthly_rows(ledger, replication, spec.name))
    return records


def monthly_rows(ledger: Ledger, replication: int, strategy: str) -> list[Record]:
    """The ledger's monthly series as tidy rows."""
    rows = []
    for m in range(ledger.months):
        row: Record = {"replication": replication, "strategy": strategy, "month": m}
        row.update(zip(STATE_COLUMNS, (int(x) for x in ledger.occupancy[m]), strict=True))
        row["revenue"] = float(ledger.revenue[m])
        row["cost"] = float(ledger.cost[m])
        rows.append(row)
    return rows


def _task(config: Experiment, replication: int) -> tuple[list[Record], list[Record]]:
    series: list[Record] = []
    return run_replication(config, replication, series=series), series


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
) -> tuple[list[Record], list[Record]]:
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
    records, series : list of dict
        Metric records ordered by replication, then by strategy as in the
        file, and the monthly series rows in the same order; the numbers do
        not depend on ``workers``.
    """
    n = config.replications
    workers = min(workers or os.cpu_count() or 1, n)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    results: dict[int, tuple[list[Record], list[Record]]] = {}
    if workers == 1:
        for r in range(n):
            results[r] = _task(config, r)
            if on_done:
                on_done(r)
    else:
        pool = _executor(workers)
        try:
            futures = {pool.submit(_task, config, r): r for r in range(n)}
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
    records = [rec for r in range(n) for rec in results[r][0]]
    series = [row for r in range(n) for row in results[r][1]]
    return records, series
