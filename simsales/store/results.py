"""The results of an experiment as data: its tables and the record of its run.

:class:`Results` holds what a run produced and nothing computed from it; the
analyses (:mod:`simsales.analysis`), the charts (:mod:`simsales.plots`) and the
report (:mod:`simsales.reporting`) are functions over it. :func:`write_results`
writes the data into a results folder and :func:`load_results` reads it back,
checking every file.

The methods ``Results`` had in simsales 0.2.0 (``summary``, ``table``,
``comparisons``, the charts, ``save``, ``report``) are attached by
:mod:`simsales.deprecated` for one release, as thin wrappers that warn.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from simsales.store.errors import ResultsError, damaged
from simsales.store.files import atomic_write
from simsales.store.folder import check_folder, results_id
from simsales.store.record import RunRecord, load_record, parse_record, write_record

__all__ = [
    "RESULTS_FILES",
    "Results",
    "ResultsError",
    "load_results",
    "not_results",
    "write_results",
]


@dataclass
class Results:
    """Results of one experiment: its tables and the record of its run.

    Attributes
    ----------
    replications : DataFrame
        One row per replication × strategy: ``replication``, ``strategy``,
        then one column per metric.
    record : RunRecord
        The run: the experiment as run, its seed, versions, git commit, wall
        time (:class:`simsales.store.record.RunRecord`; given as a mapping, the
        content of a ``manifest.json``, it is read as one).
    timeseries : DataFrame
        One row per replication × strategy × month: customers in each orbit
        (and churned) at the month's start, revenue and cost booked in it.
    """

    replications: pd.DataFrame
    record: RunRecord
    timeseries: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        if isinstance(self.record, Mapping):
            self.record = parse_record(self.record)

    @property
    def manifest(self) -> dict[str, Any]:
        """The run record as the JSON object of ``manifest.json``.

        .. deprecated:: 0.3.0
            Read :attr:`record` (typed) instead; removed in the next release.
        """
        warnings.warn(
            "Results.manifest is deprecated: read Results.record (a RunRecord) instead",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.record.model_dump(mode="json")

    @cached_property
    def results_id(self) -> str:
        """A hash of the replications table: analyses computed from these results carry it.

        See :func:`simsales.store.folder.results_id`.
        """
        return results_id(self.replications)

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.record.experiment


def write_results(results: Results, directory: str | Path) -> Path:
    """Write the data of ``results`` into ``directory`` (created if needed): its record
    (``manifest.json``, with :attr:`Results.results_id`), ``replications.parquet``
    and ``timeseries.parquet``.

    Each file is written under a temporary name and renamed, so a reader never
    sees a half-written file. What is computed from the data (the summary, the
    comparisons, the charts) is written by
    :func:`simsales.reporting.outputs.save_results`, which calls this first.

    Returns
    -------
    Path
        The directory.

    Raises
    ------
    StoreError
        If ``directory`` holds results of another experiment, or files
        simsales does not write (see :mod:`simsales.store.folder`).
    FolderBusy
        If another run is writing into ``directory`` (it holds its lock,
        :mod:`simsales.store.lock`).
    """
    out = Path(directory)
    check_folder(out, results.record.fingerprint)
    out.mkdir(parents=True, exist_ok=True)
    write_record(out, results.record.model_copy(update={"results_id": results.results_id}))
    atomic_write(
        out / "replications.parquet", lambda p: results.replications.to_parquet(p, index=False)
    )
    if not results.timeseries.empty:
        atomic_write(
            out / "timeseries.parquet", lambda p: results.timeseries.to_parquet(p, index=False)
        )
    return out


#: The files every results folder has (written by :func:`write_results`).
RESULTS_FILES = ("manifest.json", "replications.parquet")


def not_results(directory: str | Path) -> str | None:
    """Why ``directory`` is not a results folder, or None if it is one."""
    d = Path(directory)
    missing = [f for f in RESULTS_FILES if not (d / f).is_file()]
    if not missing:
        return None
    if (d / "manifest.json").is_file() and (d / "failures.json").is_file():
        return (
            f"{str(d)!r} holds no results: every replication of its run failed "
            "(failures.json has each error and traceback)"
        )
    return (
        f"{str(d)!r} is not a results folder: it lacks {' and '.join(missing)} "
        "(written by `simsales run` or simsales.save_results)"
    )


def _read_table(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except OSError as e:
        if path.is_file() and path.stat().st_size == 0:
            raise damaged(path, "is empty (0 bytes)") from None
        raise damaged(path, f"cannot be read as a Parquet table ({e})") from None
    except Exception as e:  # truncated or not Parquet: whatever pyarrow raises
        if path.is_file() and path.stat().st_size == 0:
            raise damaged(path, "is empty (0 bytes)") from None
        raise damaged(path, f"is not a readable Parquet table ({type(e).__name__}: {e})") from None


def _check_table(path: Path, table: pd.DataFrame, need: tuple[str, ...]) -> None:
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise damaged(
            path,
            f"lacks the column(s) {', '.join(missing)} (it has "
            f"{', '.join(map(str, table.columns)) or 'none'})",
        )
    if table.empty:
        raise damaged(path, "has no rows")
    wrong = []
    for c in table.columns:
        col = table[c]
        if c in ("replication", "point", "month"):
            if not pd.api.types.is_integer_dtype(col):
                wrong.append(f"{c!r} must hold whole numbers, it holds {col.dtype}")
        elif c == "strategy":
            if not (
                pd.api.types.is_string_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype)
            ):
                wrong.append(f"'strategy' must hold names, it holds {col.dtype}")
        elif "." not in str(c) and not (
            pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)
        ):
            wrong.append(f"{c!r} must hold numbers, it holds {col.dtype}")
    if wrong:
        raise damaged(path, "; ".join(wrong))


def load_results(directory: str | Path) -> Results:
    """Read results written by :func:`write_results` (and :func:`simsales.save_results`).

    Every file is checked as it is read, so that damaged results are refused
    here, naming the file, rather than failing later in an analysis.

    Raises
    ------
    ResultsError
        If ``directory`` is not a results folder (:func:`not_results`), or
        ``manifest.json`` does not hold a run record
        (:func:`simsales.store.record.load_record`), or a table
        (``replications.parquet``, ``timeseries.parquet``)
        cannot be read, lacks a column simsales writes, has no rows or holds
        values of the wrong type.
    """
    d = Path(directory)
    problem = not_results(d)
    if problem:
        raise ResultsError(problem)
    record = load_record(d)
    reps_path = d / "replications.parquet"
    reps = _read_table(reps_path)
    _check_table(reps_path, reps, ("replication", "strategy"))
    if not [c for c in reps.columns if c not in ("replication", "strategy", "point")]:
        raise damaged(reps_path, "has no metric columns")
    ts = d / "timeseries.parquet"
    series = pd.DataFrame()
    if ts.exists():
        series = _read_table(ts)
        _check_table(ts, series, ("replication", "strategy", "month", "revenue", "cost"))
    return Results(reps, record, series)
