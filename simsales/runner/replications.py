"""Running replications: the pure per-replication function and the pool over it."""

from __future__ import annotations

import multiprocessing as mp
import os
import sysconfig
import traceback
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simsales.engine.array import array_unsupported, simulate_batch
from simsales.engine.market import draw_arrivals
from simsales.engine.metrics import journey_metrics
from simsales.engine.simulation import TraceEvent, simulate
from simsales.engine.world import Journeys, Ledger, World
from simsales.experiment.config import Experiment
from simsales.experiment.design import draw_uncertain
from simsales.experiment.plugins import import_entry_points, import_modules
from simsales.experiment.posterior import Posterior, draw_posterior
from simsales.model.orbits import Orbit
from simsales.model.population import draw_traits
from simsales.seeding import generator, replication_seeds
from simsales.store.parts import PartStore

__all__ = [
    "STATE_COLUMNS",
    "Failure",
    "RunOutput",
    "build_world",
    "engine_problems",
    "executor",
    "failing_frame",
    "run_block",
    "run_replication",
    "run_replications",
    "strategy_record",
]

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
    # a fresh worker process needs the user's strategies (loaded once per process)
    import_modules(config.modules, config.module_folder)
    import_entry_points(config.unchecked_strategies)
    if config.engine == "array":
        if trace is not None:
            raise ValueError('an event log needs the SimPy engine (engine = "simpy")')
        return run_block(config, [replication], series)
    world = build_world(config, replication)
    records: list[Record] = []
    for spec in config.strategies:
        log: list[TraceEvent] | None = [] if trace is not None else None
        journeys, ledger = simulate(world, spec.build(), log)
        if trace is not None and log is not None:
            trace[spec.name] = log
        records.append(strategy_record(config, world, replication, spec.name, journeys, ledger))
        if series is not None:
            series.extend(monthly_rows(ledger, replication, spec.name))
    return records


def strategy_record(
    config: Experiment, world: World, replication: int, strategy: str, journeys: Journeys,
    ledger: Ledger,
) -> Record:  # fmt: skip
    """The record of one strategy in one replication: its name and every metric."""
    metrics = journey_metrics(
        journeys, config.sellers.cost_per_hour, world.post_sale_rate,
        config.economics.gross_margin, prospecting_hours=ledger.prospecting_hours,
        programme_cost=ledger.programme_cost, team_cost=world.team_cost,
    )  # fmt: skip
    return {"replication": replication, "strategy": strategy, **metrics}


def run_block(
    config: Experiment, replications: list[int], series: list[Record] | None = None
) -> list[Record]:
    """Run every strategy of ``config`` on several replications at once, on the array
    engine (:func:`simsales.engine.array.simulate_batch`): the records (and monthly
    rows) of :func:`run_replication` for each, in replication order. The user's
    strategy modules must be imported (as :func:`run_replication` does)."""
    worlds = [build_world(config, r) for r in replications]
    out = simulate_batch(worlds, [spec.build() for spec in config.strategies])
    records: list[Record] = []
    for r, world, runs in zip(replications, worlds, out, strict=True):
        for spec, (journeys, ledger) in zip(config.strategies, runs, strict=True):
            records.append(strategy_record(config, world, r, spec.name, journeys, ledger))
            if series is not None:
                series.extend(monthly_rows(ledger, r, spec.name))
    return records


def engine_problems(config: Experiment) -> list[str]:
    """Why ``config`` cannot run on its engine (empty: it can). The SimPy engine runs
    everything; the array engine what :func:`simsales.engine.array.array_unsupported`
    allows. The user's strategy modules must be imported first."""
    if config.engine == "simpy":
        return []
    return array_unsupported(
        config.market, config.sellers, [spec.build() for spec in config.strategies]
    )


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


_PACKAGE = Path(__file__).resolve().parents[1]  # the simsales/ folder
_LIBRARIES = tuple(
    Path(p).resolve()
    for p in {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
)


def _inside(path: Path, folders: tuple[Path, ...]) -> bool:
    return any(path.is_relative_to(f) for f in folders)


def failing_frame(error: BaseException) -> str:
    """Where an error was raised, for people: ``file, line N, in function``.

    The last frame in the user's own code (not simsales, the standard library
    or an installed package: typically a strategy written for an experiment);
    failing that, the last frame outside simsales; failing that, the last one.
    An error re-raised by another (SimPy re-raises a process's error in its
    event loop) is followed down to the first one raised.
    """
    chain: list[BaseException] = []
    exc: BaseException | None = error
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or exc.__context__
    frames = [f for e in chain for f in traceback.extract_tb(e.__traceback__)]
    if not frames:
        return ""
    paths = [Path(f.filename).resolve() for f in frames]
    outside = [k for k, p in enumerate(paths) if not p.is_relative_to(_PACKAGE)]
    own = [k for k in outside if not _inside(paths[k], _LIBRARIES)]
    k = (own or outside or [len(frames) - 1])[-1]
    f = frames[k]
    return f"{f.filename}, line {f.lineno}, in {f.name}"


@dataclass(frozen=True)
class Failure:
    """A replication that raised: which one, its seed, the error and where it was raised."""

    replication: int
    seed: int
    spawn_key: tuple[int, ...]
    error: str
    traceback: str
    point: int = 0
    where: str = ""

    def describe(self) -> str:
        """One line for people."""
        point = f" of design point {self.point}" if self.point else ""
        at = f" (at {self.where})" if self.where else ""
        return (
            f"replication {self.replication}{point} (root seed {self.seed}, spawn key "
            f"{list(self.spawn_key)}): {self.error}{at}"
        )

    def record(self) -> dict[str, Any]:
        """The failure as a JSON-ready mapping, traceback included."""
        return {
            "point": self.point, "replication": self.replication, "seed": self.seed,
            "spawn_key": list(self.spawn_key), "error": self.error, "where": self.where,
            "traceback": self.traceback,
        }  # fmt: skip


Task = tuple[int, int]  # (design point, replication)
TaskResult = tuple[Task, list[Record], list[Record], Failure | None]


def _task(
    config: Experiment,
    task: Task,
    labels: dict[str, Any],
    uncertain: dict[str, Any],
    posterior: Posterior | None = None,
) -> TaskResult:
    """One replication of one design point in a worker.

    ``labels`` (the point and its parameter values) are added to every row;
    ``uncertain`` parameters (and a ``posterior`` draw) are drawn for this
    replication and added too.
    An exception becomes a Failure, not a crash.
    """
    replication = task[1]
    series: list[Record] = []
    try:
        import_modules(config.modules, config.module_folder)  # before at() checks strategies
        import_entry_points(config.unchecked_strategies)
        extra = dict(labels)
        world = draw_uncertain(uncertain, config.seed, replication) if uncertain else {}
        if posterior is not None:
            world.update(draw_posterior(posterior, config.seed, replication))
        if world:
            config = config.at(world)
            extra.update(world)
        records = run_replication(config, replication, series=series)
    except Exception as e:
        return task, [], [], _failure(config, task, e)
    if extra:
        records = [{**extra, **r} for r in records]
        series = [{**extra, **r} for r in series]
    return task, records, series, None


def _failure(config: Experiment, task: Task, error: Exception) -> Failure:
    """The Failure of ``task`` that raised ``error`` (called in its except block)."""
    point, replication = task
    key = replication_seeds(config.seed, replication).arrivals.spawn_key[:-1]
    return Failure(
        replication, config.seed, tuple(key), f"{type(error).__name__}: {error}",
        traceback.format_exc(), point, failing_frame(error),
    )  # fmt: skip


def _block_task(
    config: Experiment,
    tasks: list[Task],
    labels: dict[str, Any],
    uncertain: dict[str, Any],
    posterior: Posterior | None = None,
) -> list[TaskResult]:
    """Replications of one design point on the array engine, stepped together.

    Replications whose parameters are drawn (``uncertain``, a ``posterior``) differ
    in their parameters, so only those with equal parameters share a batch. If a
    batch raises, each of its replications is a Failure.
    """
    try:
        import_modules(config.modules, config.module_folder)
        import_entry_points(config.unchecked_strategies)
    except Exception:
        return [_task(config, t, labels, uncertain, posterior) for t in tasks]
    groups: list[tuple[Experiment, list[tuple[Task, dict[str, Any]]]]] = []
    for t in tasks:
        world = draw_uncertain(uncertain, config.seed, t[1]) if uncertain else {}
        if posterior is not None:
            world.update(draw_posterior(posterior, config.seed, t[1]))
        at = config.at(world) if world else config
        same = next((g for g in groups if g[0] == at), None)
        if same is None:
            groups.append((at, [(t, world)]))
        else:
            same[1].append((t, world))
    results: list[TaskResult] = []
    for at, members in groups:
        reps = [t[1] for t, _ in members]
        series: list[Record] = []
        try:
            records = run_block(at, reps, series)
        except Exception as e:
            results.extend((t, [], [], _failure(config, t, e)) for t, _ in members)
            continue
        for t, world in members:
            extra = {**labels, **world}
            mine = [{**extra, **r} for r in records if r["replication"] == t[1]]
            rows = [{**extra, **r} for r in series if r["replication"] == t[1]]
            results.append((t, mine, rows, None))
    return results


#: Replications the array engine steps together in one task at most.
BLOCK = 100


def _blocks(todo: list[Task], workers: int) -> list[list[Task]]:
    """The tasks in blocks of one design point each, at most :data:`BLOCK` long and
    split so that every worker has one."""
    by_point: dict[int, list[Task]] = {}
    for t in todo:
        by_point.setdefault(t[0], []).append(t)
    size = max(1, min(BLOCK, -(-len(todo) // workers)))
    return [ts[i : i + size] for ts in by_point.values() for i in range(0, len(ts), size)]


@contextmanager
def executor(backend: str, workers: int, scheduler: str | None) -> Iterator[Executor]:
    """The pool tasks run in: ``workers`` local processes (``backend="local"``) or a
    Dask cluster (``"dask"``, at ``scheduler`` or a local one); shut down on leaving."""
    if backend == "dask":
        with _dask_executor(workers, scheduler) as ex:
            yield ex
        return
    # Set the start method explicitly, and never at import time: Python 3.14
    # changes the default on Linux. Tasks are top-level functions of picklable
    # arguments, so either method works; fork starts fastest.
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method))
    try:
        yield pool
    except BaseException:
        # Interrupted or failed: drop queued replications instead of running
        # them all before returning.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


@contextmanager
def _dask_executor(workers: int, scheduler: str | None) -> Iterator[Executor]:
    try:
        from distributed import Client

        from simsales.runner.dask_cluster import local_cluster
    except ImportError as e:
        raise RuntimeError(
            f"the dask backend needs the optional extra: pip install 'simsales[dask]' ({e})"
        ) from None
    if scheduler:
        client = Client(scheduler)
        cluster = None
    else:  # this run's own cluster: TLS with credentials made for it, no HTTP port
        cluster = local_cluster(workers)
        client = Client(cluster)
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@dataclass
class RunOutput:
    """Records, series and failures of a run, in replication order."""

    records: list[Record] | pd.DataFrame
    series: list[Record] | pd.DataFrame
    failures: list[Failure]
    resumed: int = 0
    workers: int = 1


def run_replications(
    config: Experiment,
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
    *,
    store: PartStore | None = None,
    backend: str = "local",
    scheduler: str | None = None,
    only: Collection[tuple[int, int]] | None = None,
) -> RunOutput:
    """Run the replications of ``config``, in parallel when ``workers > 1``.

    Parameters
    ----------
    config : Experiment
        The validated experiment.
    workers : int, optional
        Worker processes; default all cores (at most one per replication).
    on_done : callable, optional
        Called with each finished replication's index (for progress bars).
    store : PartStore, optional
        Write each finished replication to disk at once, and skip those
        already there (resume); the output is then read back from the parts.
    backend : {"local", "dask"}
        Local processes, or a Dask cluster (``scheduler`` address, or a local
        cluster on 127.0.0.1 when None).
    scheduler : str, optional
        Address of a running Dask scheduler.
    only : collection of (int, int), optional
        Run just these (design point, replication) pairs instead of all of
        them; a run without a design has the one point 0. Their rows are
        those the full run gives them, number for number: a replication's
        streams come from the root seed and its index only. A slice of a
        study can so be checked against its stored results
        (``tests/test_committed_results.py``).

    Returns
    -------
    RunOutput
        Records ordered by design point and replication, then by strategy as
        in the file; the monthly series in the same order; the replications
        that failed. The numbers do not depend on ``workers`` or ``backend``.

    Raises
    ------
    ValueError
        If ``workers`` is below 1, or ``only`` is empty or names a pair the
        experiment does not have.
    """
    n = config.replications
    points = config.points()
    base = config.at({})
    point_configs = [base.at(values) for values in points]
    labels = [
        ({"point": k, **values} if config.has_design else {}) for k, values in enumerate(points)
    ]
    uncertain = dict(config.uncertain)
    tasks = [(p, r) for p in range(len(points)) for r in range(n)]
    if only is not None:
        wanted = set(only)
        unknown = sorted(wanted - set(tasks))
        if unknown or not wanted:
            raise ValueError(
                f"only: got {unknown[:5] or 'no pairs'}; give (point, replication) pairs of the "
                f"experiment (points 0 to {len(points) - 1}, replications 0 to {n - 1})"
            )
        tasks = [t for t in tasks if t in wanted]
    workers = min(workers or os.cpu_count() or 1, len(tasks))
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    done = store.done() & set(tasks) if store is not None else set()
    todo = [t for t in tasks if t not in done]
    for t in sorted(done):
        if on_done:
            on_done(t[1])
    kept: dict[Task, tuple[list[Record], list[Record]]] = {}
    failures: list[Failure] = []

    def finish(result: TaskResult) -> None:
        t, records, series, failure = result
        if failure is not None:
            failures.append(failure)
        elif store is not None:
            store.write(t, records, series)
        else:
            kept[t] = (records, series)
        if on_done:
            on_done(t[1])

    def submit_args(
        t: Task,
    ) -> tuple[Experiment, Task, dict[str, Any], dict[str, Any], Posterior | None]:
        return point_configs[t[0]], t, labels[t[0]], uncertain, config.posterior

    if config.engine == "array":  # replications stepped together, a block per task
        blocks = _blocks(todo, workers)
        workers = min(workers, max(1, len(blocks)))

        def block_args(ts: list[Task]) -> tuple[Any, ...]:
            config_, _, label, unc, post = submit_args(ts[0])
            return config_, ts, label, unc, post

        if (workers == 1 and backend == "local") or len(blocks) <= 1:
            for ts in blocks:
                for result in _block_task(*block_args(ts)):
                    finish(result)
        else:
            with executor(backend, workers, scheduler) as pool:
                pending = [pool.submit(_block_task, *block_args(ts)) for ts in blocks]
                for done_block in as_completed(pending):
                    for result in done_block.result():
                        finish(result)
    elif workers == 1 and backend == "local":
        for t in todo:
            finish(_task(*submit_args(t)))
    elif todo:
        with executor(backend, workers, scheduler) as pool:
            futures = [pool.submit(_task, *submit_args(t)) for t in todo]
            for fut in as_completed(futures):
                finish(fut.result())
    failures.sort(key=lambda f: (f.point, f.replication))
    failed = {(f.point, f.replication) for f in failures}
    ok = [t for t in tasks if t not in failed]
    if store is not None:
        recs, ser = store.load(ok)
        return RunOutput(recs, ser, failures, resumed=len(done), workers=workers)
    records = [rec for t in ok for rec in kept[t][0]]
    series = [row for t in ok for row in kept[t][1]]
    return RunOutput(records, series, failures, workers=workers)
