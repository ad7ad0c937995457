"""Streaming results to disk: one Parquet part per finished replication, and resume.

A run with an output folder writes each finished replication at once, to
``parts/rep-PPPPP-NNNNNN.parquet`` (its metric records; ``P`` the design point)
and ``parts/ts-PPPPP-NNNNNN.parquet``
(its monthly series), each under a temporary name and then renamed, so a part
is either whole or absent. Memory does not grow with the number of
replications, and a run killed at any moment can be started again with
``resume``: replications whose parts exist are not computed again.

Every part carries, in its Parquet schema metadata, the fingerprint of the
experiment (:func:`fingerprint`) and the root seed it was computed with.
``resume`` uses a part only if both are those of the experiment being run; a
part of another experiment or seed (copied in from another folder, say), or
one without them (an older simsales, or not written by simsales), is refused
with :class:`StoreError` naming it. A run without ``resume`` deletes the parts
simsales wrote for this experiment and leaves every other file in ``parts/``
alone (:attr:`PartStore.left_alone` names them); one that has the name of a
part the run will write is refused rather than overwritten.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from simsales.experiment.config import Experiment
from simsales.experiment.files import atomic_write
from simsales.experiment.lock import FolderNote
from simsales.store.errors import StoreError

__all__ = ["PART", "PartStore", "StoreError", "fingerprint", "part_origin"]

Record = dict[str, Any]

#: Names of the part files: records (``rep``) and series (``ts``) of (point, replication).
PART = re.compile(r"^(rep|ts)-(\d{5})-(\d{6})\.parquet$")
#: Temporary names of parts and the stamp, left by a run killed while writing one.
_TMP = re.compile(r"^\.((rep|ts)-\d{5}-\d{6}\.parquet|experiment\.sha256)\.\d+\.tmp$")
#: Keys of a part's Parquet schema metadata.
_FINGERPRINT, _SEED = b"simsales.fingerprint", b"simsales.seed"


#: Top-level keys that change how results are shown, never a replication's numbers.
_NOT_NUMBERS = (
    "replications", "description", "compare", "compare_metrics", "chart_metrics", "claims",
    "where", "data", "calibrate",
)  # fmt: skip


def fingerprint(config: Experiment) -> str:
    """Hash of everything that determines a replication's numbers.

    ``replications`` is left out: a run may be resumed with more of them. So are
    the keys that only say how results are shown or compared (``description``,
    ``compare``, ``compare_metrics``, ``chart_metrics``, each strategy's
    ``style``, and ``claims`` and ``[where]``, whose run over the plausible range
    goes to a folder of its own with a seed of its own, ``[data]``, a CRM export
    that is read, not simulated, and ``[calibrate]``, which only ``simsales
    calibrate`` reads): changing them and running again into the same
    folder is a run of the same experiment.
    """
    data = config.model_dump(mode="json")
    for key in _NOT_NUMBERS:
        data.pop(key, None)
    for strategy in data.get("strategies", []):
        if isinstance(strategy, dict):
            strategy.pop("style", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def part_origin(path: Path) -> tuple[str, int] | None:
    """The experiment fingerprint and root seed recorded in a part file, or None if it
    records none or cannot be read as Parquet."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_schema(path).metadata or {}
    except Exception:  # truncated, empty, not Parquet: whatever pyarrow raises
        return None
    key, seed = meta.get(_FINGERPRINT), meta.get(_SEED)
    if key is None or seed is None:
        return None
    try:
        return key.decode(), int(seed)
    except ValueError:
        return None


def _write_part(frame: pd.DataFrame, path: Path, *, key: str, seed: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    meta = {**(table.schema.metadata or {}), _FINGERPRINT: key.encode(), _SEED: str(seed).encode()}
    pq.write_table(table.replace_schema_metadata(meta), path)


def _listed(names: list[str], most: int = 5) -> str:
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


class PartStore:
    """The ``parts/`` folder of an output folder.

    Parameters
    ----------
    directory : Path
        The output folder; parts go to ``directory / "parts"``.
    config : Experiment
        The experiment being run.
    resume : bool
        Keep the parts of an earlier run of the same experiment (and skip
        their replications). Without it, earlier parts are removed first.

    Attributes
    ----------
    left_alone : list of str
        Files in ``parts/`` that a run without ``resume`` did not delete, because
        simsales did not write them for this experiment.

    Raises
    ------
    StoreError
        With ``resume``, if the folder holds parts of a different experiment or
        seed, or parts that do not say which (each named). Without it, if a file
        simsales did not write for this experiment has the name of a part the
        run writes.
    """

    def __init__(self, directory: Path, config: Experiment, resume: bool) -> None:
        self.dir = Path(directory) / "parts"
        self.key = fingerprint(config)
        self.seed = config.seed
        self.left_alone: list[str] = []
        stamp = self.dir / "experiment.sha256"
        if resume and stamp.is_file() and stamp.read_text().strip() != self.key:
            raise StoreError(
                f"{self.dir} holds parts of a different experiment (or seed); "
                "run without --resume to start again, or give another --out"
            )
        if self.dir.is_dir():
            self._check_parts() if resume else self._clear()
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write(stamp, lambda p: p.write_text(self.key + "\n"))

    def _ours(self, path: Path) -> bool:
        return part_origin(path) == (self.key, self.seed)

    def _check_parts(self) -> None:
        """Refuse to resume from parts that are not this experiment's."""
        bad = sorted(p.name for p in self.dir.iterdir() if PART.match(p.name) and not self._ours(p))
        if bad:
            raise StoreError(
                f"--resume: {self.dir} holds part(s) not written by a run of this experiment "
                f"with seed {self.seed}: {_listed(bad)} (another experiment or seed, or no "
                "record of either). Move them out of parts/ to resume, or give another --out"
            )

    def _clear(self) -> None:
        """Delete the parts of an earlier run of this experiment; leave any other file."""
        ours, others = [], []
        for p in sorted(self.dir.iterdir()):
            if p.name == "experiment.sha256":
                continue
            if p.is_file() and (_TMP.match(p.name) or (PART.match(p.name) and self._ours(p))):
                ours.append(p)
            else:
                others.append(p.name)
        clash = [n for n in others if PART.match(n)]
        if clash:
            raise StoreError(
                f"{self.dir} holds file(s) with the names of the parts this run writes, not "
                f"written by a run of this experiment with seed {self.seed}: {_listed(clash)}. "
                "They are left as they are: move them out of parts/, or give another --out"
            )
        for p in ours:
            p.unlink()
        self.left_alone = others
        if others:
            warnings.warn(
                f"{self.dir}: left alone {len(others)} file(s) simsales did not write for this "
                f"experiment: {_listed(others)}",
                FolderNote,
                stacklevel=3,
            )

    def _paths(self, task: tuple[int, int]) -> tuple[Path, Path]:
        point, replication = task
        return (
            self.dir / f"rep-{point:05d}-{replication:06d}.parquet",
            self.dir / f"ts-{point:05d}-{replication:06d}.parquet",
        )

    def done(self) -> set[tuple[int, int]]:
        """(design point, replication) pairs whose parts are complete."""
        out = set()
        for p in self.dir.iterdir():
            found = PART.match(p.name)
            if found is None or found.group(1) != "rep":
                continue
            task = (int(found.group(2)), int(found.group(3)))
            if self._paths(task)[1].is_file():
                out.add(task)
        return out

    def write(self, task: tuple[int, int], records: list[Record], series: list[Record]) -> None:
        """Write one replication's parts; the series first, so records mark completion."""
        rec_path, ts_path = self._paths(task)
        for path, rows in ((ts_path, series), (rec_path, records)):
            frame = pd.DataFrame.from_records(rows)
            atomic_write(path, partial(_write_part, frame, key=self.key, seed=self.seed))

    def load(self, tasks: list[tuple[int, int]]) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Records and series of the given (point, replication) pairs, in that order."""
        recs, series = [], []
        for t in tasks:
            rec_path, ts_path = self._paths(t)
            recs.append(pd.read_parquet(rec_path))
            series.append(pd.read_parquet(ts_path))
        return (
            pd.concat(recs, ignore_index=True) if recs else pd.DataFrame(),
            pd.concat(series, ignore_index=True) if series else pd.DataFrame(),
        )
