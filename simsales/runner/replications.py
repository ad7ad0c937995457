"""Running replications: the pure per-replication function and the pool over it."""

from __future__ import annotations

import multiprocessing as mp
import os
import sysconfig
import traceback
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from simsales.engine.array import array_unsupported, batch_structure, simulate_batch
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
    "DEFAULT_ARRAY",
    "DEFAULT_ARRAY_ABC",
    "STATE_COLUMNS",
    "Failure",
    "RunOutput",
    "batch_key",
    "build_world",
    "choose_engine",
    "engine_problems",
    "executor",
    "failing_frame",
    "grouped",
    "run_block",
    "run_cells",
    "run_replication",
    "run_replications",
    "strategy_record",
]

Record = dict[str, Any]
T = TypeVar("T")
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
    records: list[Record] = []
    for recs, rows in run_cells([(config, r) for r in replications]):
        records.extend(recs)
        if series is not None:
            series.extend(rows)
    return records


def batch_key(config: Experiment) -> tuple[Any, ...]:
    """What replications must share to be stepped together on the array engine: its
    :func:`~simsales.engine.array.batch_structure` and the strategies. Design points
    that differ only in their population, market or the engine's per-cell parameters
    (:data:`~simsales.engine.array.PER_CELL`) have the same key."""
    structure = batch_structure(
        config.behaviour, config.lifecycle, config.sellers, config.success,
        config.horizon_days, config.end_days,
    )  # fmt: skip
    return structure, config.strategies


def run_cells(
    cells: list[tuple[Experiment, int]],
) -> list[tuple[list[Record], list[Record]]]:
    """Replications of one or several design points (each ``(config, replication)``,
    all of one :func:`batch_key`) stepped together on the array engine: for each,
    its records and monthly rows, as :func:`run_replication` gives them."""
    worlds = [build_world(c, r) for c, r in cells]
    out = simulate_batch(worlds, [spec.build() for spec in cells[0][0].strategies])
    results = []
    for (config, r), world, runs in zip(cells, worlds, out, strict=True):
        records: list[Record] = []
        rows: list[Record] = []
        for spec, (journeys, ledger) in zip(config.strategies, runs, strict=True):
            records.append(strategy_record(config, world, r, spec.name, journeys, ledger))
            rows.extend(monthly_rows(ledger, r, spec.name))
        results.append((records, rows))
    return results


#: What the record and the report say when a design ran on the array engine by default.
DEFAULT_ARRAY = (
    "the default for a design the array engine can run (the file names no engine); "
    'engine = "simpy" or --engine simpy runs the exact engine'
)
#: What a calibration says when its ABC rounds ran on the array engine by default.
DEFAULT_ARRAY_ABC = (
    "the default for an ABC calibration whose proposals the array engine can step "
    'together, as the file names no engine; engine = "simpy" or --engine simpy runs the '
    "exact engine"
)


def choose_engine(
    config: Experiment,
    named: bool | None = None,
    design: bool | None = None,
    note: str = DEFAULT_ARRAY,
) -> Experiment:
    """``config`` on the engine it runs on by default.

    An experiment that names its engine (in the file, or as an override) keeps it;
    so does one without a design. A design (``[sweep]``, ``[sensitivity]``) that
    names none runs on the array engine when the array engine can run it: many
    design points of few replications each are where it gains most (they share
    its batches). The user's strategy modules must be imported first.

    Parameters
    ----------
    config : Experiment
        The experiment as read.
    named : bool, optional
        Whether its engine was named; default: whether ``engine`` was set when
        it was read (``model_fields_set``).
    design : bool, optional
        Whether it runs many parameter points (default: whether it has a
        ``[sweep]`` or ``[sensitivity]``).
    note : str
        Why, when the default chooses the array engine.

    Returns
    -------
    Experiment
        ``config``, or a copy on the array engine whose
        :attr:`~simsales.experiment.config.Experiment.engine_note` says why.
    """
    if named is None:
        named = "engine" in config.model_fields_set
    if design is None:
        design = config.has_design
    if named or not design or config.engine == "array":
        return config
    array = config.model_copy(update={"engine": "array"})
    if engine_problems(array):
        return config
    array._engine_note = note
    return array


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


def grouped(items: Sequence[T], key: Callable[[T], Any]) -> list[list[T]]:
    """``items`` in groups of equal ``key`` (compared with ``==``: keys may be
    unhashable models), groups in order of first appearance, items in order."""
    groups: list[tuple[Any, list[T]]] = []
    for item in items:
        k = key(item)
        same = next((g for g in groups if g[0] == k), None)
        if same is None:
            groups.append((k, [item]))
        else:
            same[1].append(item)
    return [members for _, members in groups]


#: One replication of a block: its design point's config, the task and the point's labels.
BlockItem = tuple[Experiment, Task, dict[str, Any]]


def _block_task(
    items: list[BlockItem],
    uncertain: dict[str, Any],
    posterior: Posterior | None = None,
) -> list[TaskResult]:
    """Replications on the array engine, stepped together.

    They may be of several design points (of one :func:`batch_key`). Replications
    whose parameters are drawn (``uncertain``, a ``posterior``) are grouped again
    by the key of their drawn parameters. If a batch raises, each of its
    replications is a Failure.
    """
    config = items[0][0]
    try:
        import_modules(config.modules, config.module_folder)
        import_entry_points(config.unchecked_strategies)
    except Exception:
        return [_task(c, t, label, uncertain, posterior) for c, t, label in items]
    drawn: list[BlockItem] = []
    results: list[TaskResult] = []
    for c, t, label in items:
        try:
            world = draw_uncertain(uncertain, c.seed, t[1]) if uncertain else {}
            if posterior is not None:
                world.update(draw_posterior(posterior, c.seed, t[1]))
            drawn.append((c.at(world) if world else c, t, {**label, **world}))
        except Exception as e:
            results.append((t, [], [], _failure(c, t, e)))
    for members in grouped(drawn, lambda item: batch_key(item[0])):
        try:
            out = run_cells([(at, t[1]) for at, t, _ in members])
        except Exception as e:
            results.extend((t, [], [], _failure(at, t, e)) for at, t, _ in members)
            continue
        for (_, t, extra), (records, rows) in zip(members, out, strict=True):
            mine = [{**extra, **r} for r in records]
            results.append((t, mine, [{**extra, **r} for r in rows], None))
    return results


#: Replications the array engine steps together in one task at most.
BLOCK = 100

#: Cells (replications x strategies) in one batch below which the array engine was
#: slower than the SimPy engine on the baseline (docs/performance.md, Small batches).
ARRAY_BREAK_EVEN = 25


def batch_cells(config: Experiment, workers: int | None = None) -> int:
    """The most cells (replications x strategies) the array engine steps in one batch
    when it runs ``config`` on ``workers`` processes (default all cores), as
    :func:`run_replications` groups them."""
    points = config.points()
    base = config.at({})
    tasks = [(p, r) for p in range(len(points)) for r in range(config.replications)]
    n = max(1, min(workers or os.cpu_count() or 1, len(tasks)))
    blocks = _blocks(tasks, n, _block_keys([base.at(values) for values in points]))
    return max((len(b) for b in blocks), default=0) * len(config.strategies)


def _block_keys(point_configs: list[Experiment]) -> list[int]:
    """Each design point's batch: the index of the first point of its :func:`batch_key`."""
    point_keys = [batch_key(c) for c in point_configs]
    return [next(i for i, k in enumerate(point_keys) if k == key) for key in point_keys]


def _blocks(todo: list[Task], workers: int, keys: list[Any]) -> list[list[Task]]:
    """The tasks in blocks that can be stepped together (design points of equal
    ``keys[point]``, :func:`batch_key`), at most :data:`BLOCK` long and split so
    that every worker has one."""
    size = max(1, min(BLOCK, -(-len(todo) // workers)))
    groups = grouped(todo, lambda t: keys[t[0]])
    return [ts[i : i + size] for ts in groups for i in range(0, len(ts), size)]


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

    if config.engine == "array":  # replications (of design points) stepped together
        blocks = _blocks(todo, workers, _block_keys(point_configs))
        workers = min(workers, max(1, len(blocks)))

        def block_args(ts: list[Task]) -> tuple[Any, ...]:
            items = [(point_configs[t[0]], t, labels[t[0]]) for t in ts]
            return items, uncertain, config.posterior

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
