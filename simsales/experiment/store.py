"""Streaming results to disk: one Parquet part per finished replication, and resume.

A run with an output folder writes each finished replication at once, to
``parts/rep-PPPPP-NNNNNN.parquet`` (its metric records; ``P`` the design point)
and ``parts/ts-PPPPP-NNNNNN.parquet``
(its monthly series), each under a temporary name and then renamed, so a part
is either whole or absent. Memory does not grow with the number of
replications, and a run killed at any moment can be started again with
``resume``: replications whose parts exist are not computed again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from simsales.experiment.config import Experiment
from simsales.experiment.files import atomic_write

__all__ = ["PartStore", "StoreError", "fingerprint"]

Record = dict[str, Any]


class StoreError(ValueError):
    """An output folder that cannot be resumed (it holds another experiment)."""


#: Top-level keys that change how results are shown, never a replication's numbers.
_NOT_NUMBERS = ("replications", "description", "compare", "compare_metrics", "chart_metrics")


def fingerprint(config: Experiment) -> str:
    """Hash of everything that determines a replication's numbers.

    ``replications`` is left out: a run may be resumed with more of them. So are
    the keys that only say how results are shown or compared (``description``,
    ``compare``, ``compare_metrics``, ``chart_metrics`` and each strategy's
    ``style``): changing them and running again into the same folder is a run of
    the same experiment.
    """
    data = config.model_dump(mode="json")
    for key in _NOT_NUMBERS:
        data.pop(key, None)
    for strategy in data.get("strategies", []):
        if isinstance(strategy, dict):
            strategy.pop("style", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


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

    Raises
    ------
    StoreError
        With ``resume``, if the folder holds parts of a different experiment.
    """

    def __init__(self, directory: Path, config: Experiment, resume: bool) -> None:
        self.dir = Path(directory) / "parts"
        self.key = fingerprint(config)
        stamp = self.dir / "experiment.sha256"
        if resume and stamp.is_file() and stamp.read_text().strip() != self.key:
            raise StoreError(
                f"{self.dir} holds parts of a different experiment (or seed); "
                "run without --resume to start again, or give another --out"
            )
        if not resume and self.dir.is_dir():
            for p in self.dir.glob("*.parquet"):
                p.unlink()
        self.dir.mkdir(parents=True, exist_ok=True)
        atomic_write(stamp, lambda p: p.write_text(self.key + "\n"))

    def _paths(self, task: tuple[int, int]) -> tuple[Path, Path]:
        point, replication = task
        return (
            self.dir / f"rep-{point:05d}-{replication:06d}.parquet",
            self.dir / f"ts-{point:05d}-{replication:06d}.parquet",
        )

    def done(self) -> set[tuple[int, int]]:
        """(design point, replication) pairs whose parts are complete."""
        out = set()
        for p in self.dir.glob("rep-*.parquet"):
            _, point, rep = p.stem.split("-")
            task = (int(point), int(rep))
            if self._paths(task)[1].is_file():
                out.add(task)
        return out

    def write(self, task: tuple[int, int], records: list[Record], series: list[Record]) -> None:
        """Write one replication's parts; the series first, so records mark completion."""
        rec_path, ts_path = self._paths(task)
        atomic_write(
            ts_path, lambda p: pd.DataFrame.from_records(series).to_parquet(p, index=False)
        )
        atomic_write(
            rec_path, lambda p: pd.DataFrame.from_records(records).to_parquet(p, index=False)
        )

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
