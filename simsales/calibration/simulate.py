"""Simulated funnel statistics at candidate parameters, cached and in parallel.

One *evaluation* is one simulated export: the experiment with the candidate
parameter values set, one replication of the calibrated strategy, cut on the
export date (:func:`simsales.calibration.synthetic.export_frame`), and its
funnel statistics (:func:`simsales.data.funnel.funnel_statistics`). Every
evaluation is keyed by its values and its replication; the same key always
gives the same numbers (its streams come from the calibration's own root seed
and the replication only), so

- candidates that share a replication meet the same buyers (common random
  numbers: the objective of the method of simulated moments is smooth in the
  parameters rather than noisy);
- an evaluation done once is never done again: each is appended to
  ``evaluations.jsonl`` as it finishes, so an interrupted calibration resumes
  where it stopped, and the numbers do not depend on the number of workers.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simsales.calibration.synthetic import export_frame
from simsales.data.funnel import funnel_statistics
from simsales.engine.array import simulate_batch
from simsales.engine.simulation import simulate
from simsales.engine.world import Journeys
from simsales.experiment.calibrate import frozen
from simsales.experiment.config import Experiment
from simsales.experiment.fingerprint import drop_at_default
from simsales.experiment.plugins import import_modules
from simsales.runner.replications import batch_key, build_world, executor, grouped

__all__ = ["Evaluations", "Setup", "evaluations", "shares_batches", "statistics_at"]

Key = tuple[tuple[float, ...], int]  # (parameter values in the setup's order, replication)

#: Keys added after calibration folders were first stored, with the default that
#: leaves every number as before them (the calibration's fingerprint leaves them out
#: there, so those folders resume).
SETUP_NEW_AT_DEFAULT: tuple[tuple[tuple[str, ...], object], ...] = (
    (("behaviour", "meeting_noise"), False),
)

#: Most simulated exports the array engine steps together in one block: about 200
#: MB at two leads a day over a year (the engine gains with the block: 2.1x the
#: SimPy engine at 100 exports, 3.0x at 224; docs/performance.md).
ARRAY_BLOCK = 200


def array_blocks(count: int, workers: int) -> int:
    """The size of the blocks ``count`` new exports are stepped in on the array
    engine: as few blocks as :data:`ARRAY_BLOCK` allows, as many on each worker.

    Examples
    --------
    >>> array_blocks(448, 2), array_blocks(200, 2), array_blocks(64, 2), array_blocks(448, 1)
    (112, 100, 32, 150)
    """
    per_worker = -(-count // workers)
    rounds = -(-per_worker // ARRAY_BLOCK)
    return max(1, -(-count // (workers * rounds)))


@dataclass(frozen=True)
class Setup:
    """What every evaluation shares: the experiment, the parameters and the export date.

    Attributes
    ----------
    config : Experiment
        The experiment with only the calibrated strategy, its horizon the
        data's span, and the calibration's root seed.
    parameters : tuple of str
        The calibrated key paths, in the order of a key's values.
    targets : tuple of str
        The fitted funnel statistics, in the order of a result's entries.
    start : Timestamp
        The calendar date of day 0 (the data's first opening).
    """

    config: Experiment
    parameters: tuple[str, ...]
    targets: tuple[str, ...]
    start: pd.Timestamp

    def on_engine(self, engine: str) -> Setup:
        """The same setup on ``engine``."""
        config = self.config.model_copy(update={"engine": engine})
        return Setup(config, self.parameters, self.targets, self.start)

    def fingerprint(self) -> str:
        """A hash of everything an evaluation's numbers depend on (keys added since
        calibrations were first stored count only away from their defaults:
        :data:`SETUP_NEW_AT_DEFAULT`)."""
        config = self.config.model_dump(mode="json")
        drop_at_default(config, SETUP_NEW_AT_DEFAULT)
        blob = json.dumps([config, self.parameters, self.targets, str(self.start)], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def shares_batches(config: Experiment, parameters: dict[str, Any]) -> bool:
    """Whether exports at different values of ``parameters`` (key path: prior) can be
    stepped together on the array engine: the values change only the population,
    the market or the engine's per-cell parameters
    (:func:`~simsales.runner.replications.batch_key`). Checked at each prior's
    quartiles; False where a value cannot be set (the array engine would then
    step each export alone)."""
    try:
        lo, hi = (
            config.at({k: float(frozen(p).ppf(q)) for k, p in parameters.items()})
            for q in (0.25, 0.75)
        )
    except ValueError:
        return False
    return batch_key(lo) == batch_key(hi)


def _config_at(setup: Setup, values: Sequence[float]) -> Experiment:
    return setup.config.at(dict(zip(setup.parameters, (float(v) for v in values), strict=True)))


def _statistics(setup: Setup, journeys: Journeys) -> np.ndarray:
    frame = export_frame(journeys, setup.config.horizon_days, setup.start)
    stats = funnel_statistics(frame)
    return np.array([stats[t] for t in setup.targets], dtype=float)


def statistics_at(setup: Setup, values: Sequence[float], replication: int) -> np.ndarray:
    """The fitted statistics of one simulated export (NaN where undefined), on the
    setup's engine."""
    if setup.config.engine == "array":
        return np.array(_array_task(setup, [(tuple(values), replication)])[0][1])
    config = _config_at(setup, values)
    journeys, _ = simulate(build_world(config, replication), config.strategies[0].build(), None)
    return _statistics(setup, journeys)


def _task(setup: Setup, key: Key) -> tuple[Key, list[float]]:
    return key, [float(x) for x in statistics_at(setup, key[0], key[1])]


def _array_task(setup: Setup, keys: Sequence[Key]) -> list[tuple[Key, list[float]]]:
    """Several simulated exports stepped together on the array engine (those whose
    candidates can share a batch, :func:`simsales.runner.replications.batch_key`)."""
    import_modules(setup.config.modules, setup.config.module_folder)
    configs = [_config_at(setup, k[0]) for k in keys]
    out: dict[int, list[float]] = {}
    for members in grouped(range(len(keys)), lambda i: batch_key(configs[i])):
        strategy = configs[members[0]].strategies[0].build()
        worlds = [build_world(configs[i], keys[i][1]) for i in members]
        # the export needs nothing after its date: journeys open then stay open
        runs_of = simulate_batch(worlds, [strategy], censored=True)
        for i, runs in zip(members, runs_of, strict=True):
            out[i] = [float(x) for x in _statistics(setup, runs[0][0])]
    return [(k, out[i]) for i, k in enumerate(keys)]


class Evaluations:
    """Every evaluation so far, on disk and in memory, and the pool that makes new ones.

    Parameters
    ----------
    setup : Setup
        What the evaluations share.
    path : Path or None
        The ``evaluations.jsonl`` to append to and resume from (None: memory only).
    pool : Executor or None
        Worker processes (None: in this process).
    on_done : callable, optional
        Called with the number of evaluations finished (for progress).
    workers : int
        The pool's workers: on the array engine, new evaluations are stepped
        together, as many blocks on each worker (:func:`array_blocks`).
    """

    def __init__(
        self,
        setup: Setup,
        path: Path | None = None,
        pool: Executor | None = None,
        on_done: Callable[[int], None] | None = None,
        workers: int = 1,
    ) -> None:
        self.setup = setup
        self.workers = max(1, workers)
        self.path = path
        self.pool = pool
        self.on_done = on_done
        self.known: dict[Key, np.ndarray] = {}
        self.resumed = 0
        self.simulated = 0
        if path is not None:
            self._open(path)

    def _open(self, path: Path) -> None:
        head = {"fingerprint": self.setup.fingerprint(), "parameters": list(self.setup.parameters),
                "targets": list(self.setup.targets)}  # fmt: skip
        if path.exists() and path.stat().st_size > 0:
            text = path.read_text()
            lines = text.splitlines()
            found = json.loads(lines[0])
            if found != head:
                other = "array" if self.setup.config.engine == "simpy" else "simpy"
                if found == {**head, "fingerprint": self.setup.on_engine(other).fingerprint()}:
                    raise FileExistsError(
                        f"{path} holds the evaluations of this calibration on the {other} "
                        f"engine: --engine {other} (or engine = {other!r} in the file) "
                        "resumes it; or give another --out"
                    )
                raise FileExistsError(
                    f"{path} holds the evaluations of another calibration (other experiment, "
                    "engine, data, parameters or targets); give another --out, or delete the "
                    "folder"
                )
            kept = lines[:1]
            for line in lines[1:]:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    break  # a line cut by an interruption: it is simulated again
                self.known[(tuple(row["values"]), int(row["replication"]))] = np.array(
                    [math.nan if x is None else x for x in row["statistics"]], dtype=float
                )
                kept.append(line)
            self.resumed = len(self.known)
            if len(kept) < len(lines) or not text.endswith("\n"):
                path.write_text("\n".join(kept) + "\n")  # drop the cut line before appending
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(head) + "\n")

    def _keep(self, key: Key, stats: list[float]) -> None:
        self.known[key] = np.array(stats, dtype=float)
        self.simulated += 1
        if self.path is not None:
            row = {"values": list(key[0]), "replication": key[1],
                   "statistics": [None if math.isnan(x) else x for x in stats]}  # fmt: skip
            with self.path.open("a") as f:
                f.write(json.dumps(row) + "\n")
        if self.on_done is not None:
            self.on_done(len(self.known))

    def get(self, keys: Sequence[Key]) -> np.ndarray:
        """The statistics of ``keys`` (rows in order), simulating those not known yet."""
        keys = [(tuple(float(v) for v in k[0]), int(k[1])) for k in keys]
        todo = list(dict.fromkeys(k for k in keys if k not in self.known))
        if todo and self.setup.config.engine == "array":  # stepped together, in blocks
            size = array_blocks(len(todo), self.workers)
            blocks = [todo[i : i + size] for i in range(0, len(todo), size)]
            if self.pool is None or len(blocks) == 1:
                for block in blocks:
                    for done in _array_task(self.setup, block):
                        self._keep(*done)
            else:
                pending = [self.pool.submit(_array_task, self.setup, b) for b in blocks]
                for block_done in as_completed(pending):
                    for done in block_done.result():
                        self._keep(*done)
        elif todo and self.pool is None:
            for k in todo:
                self._keep(*_task(self.setup, k))
        elif todo:
            assert self.pool is not None
            futures = [self.pool.submit(_task, self.setup, k) for k in todo]
            for fut in as_completed(futures):
                self._keep(*fut.result())
        return np.array([self.known[k] for k in keys])


@contextmanager
def evaluations(
    setup: Setup,
    path: Path | None,
    workers: int = 1,
    backend: str = "local",
    scheduler: str | None = None,
    on_done: Callable[[int], None] | None = None,
) -> Iterator[Evaluations]:
    """An :class:`Evaluations` with its worker pool open for the duration."""
    if workers <= 1 and backend == "local":
        yield Evaluations(setup, path, None, on_done)
        return
    with executor(backend, workers, scheduler) as pool:
        yield Evaluations(setup, path, pool, on_done, workers)
