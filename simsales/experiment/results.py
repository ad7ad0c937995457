"""The results of an experiment: tables, manifest, and writing them to a folder."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from simsales.analysis.paired import COLUMNS as PAIRED_COLUMNS
from simsales.analysis.paired import paired_differences
from simsales.analysis.summary import summarise
from simsales.experiment import figures
from simsales.experiment.errors import unknown_names
from simsales.experiment.files import atomic_write
from simsales.experiment.folder import check_folder, results_id
from simsales.plots import charts
from simsales.plots.style import save_figure
from simsales.store.errors import ResultsError, damaged
from simsales.store.record import RunRecord, load_record, parse_record, write_record

__all__ = [
    "RESULTS_FILES",
    "Results",
    "ResultsError",
    "load_results",
    "not_results",
]


@dataclass
class Results:
    """Results of one experiment.

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
    summary : DataFrame
        Tidy: ``strategy, metric, mean, ci_low, ci_high, n`` (95% t-interval).
    """

    replications: pd.DataFrame
    record: RunRecord
    timeseries: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        if isinstance(self.record, Mapping):
            self.record = parse_record(self.record)
        self.summary = summarise(self.replications)

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
    def comparisons(self) -> pd.DataFrame:
        """Paired comparisons declared in the experiment's ``compare`` (may be empty).

        See :func:`simsales.analysis.paired.paired_differences`.
        """
        config = self.record.config
        pairs = [(a, b) for a, b in config.compare]
        if not pairs:
            return pd.DataFrame(columns=PAIRED_COLUMNS)
        return paired_differences(
            self.replications, pairs, list(config.compare_metrics), seed=config.seed
        )

    @cached_property
    def results_id(self) -> str:
        """A hash of the replications table: analyses computed from these results carry it.

        See :func:`simsales.experiment.folder.results_id`.
        """
        return results_id(self.replications)

    @property
    def name(self) -> str:
        """The experiment's name."""
        return self.record.experiment

    def table(self, metrics: list[str] | None = None) -> pd.DataFrame:
        """Wide view of the summary: strategies (per design point) as rows, metric
        means as columns."""
        keys = ["point", "strategy"] if "point" in self.summary.columns else ["strategy"]
        wide = self.summary.pivot_table(
            index=keys, columns="metric", values="mean", sort=False, dropna=False
        )
        if not metrics:
            return wide
        unknown = [m for m in metrics if m not in wide.columns]
        if unknown:
            known = [str(c) for c in wide.columns]
            raise ValueError(
                f"metric(s) {unknown_names(unknown, known)} not in these results; "
                f"known: {', '.join(known)}"
            )
        return wide[metrics]

    # -------------------------------------------------------------- charts
    def conversion_chart(self) -> Figure:
        """Distribution of conversion across replications, by strategy (violins).

        See :func:`simsales.experiment.figures.distribution_chart` for any metric.
        """
        return figures.distribution_chart(self, "conversion")

    def cost_of_sale_chart(self) -> Figure:
        """Distribution of cost of sale as a share of first-deal revenue (violins)."""
        return figures.distribution_chart(self, "cost_of_sale_share")

    def losses_chart(self) -> Figure:
        """Mean losses per replication, stacked by cause."""
        return charts.losses_chart(self.replications, styles=figures.result_styles(self))

    def funnel_chart(self) -> Figure:
        """Share of leads reaching each pre-sale orbit, and won."""
        return charts.funnel_chart(self.replications, styles=figures.result_styles(self))

    def occupancy_chart(self) -> Figure:
        """Where customers are, month by month, per strategy (mean over replications)."""
        return charts.occupancy_chart(self.timeseries, styles=figures.result_styles(self))

    def revenue_cost_chart(self) -> Figure:
        """Cumulative revenue and cost of sales over time, per strategy."""
        return charts.revenue_cost_chart(self.timeseries, styles=figures.result_styles(self))

    def chart_list(self, metrics: list[str] | None = None) -> list[figures.Chart]:
        """Every chart of these results with its caption, not yet drawn.

        ``metrics`` replaces the experiment's ``chart_metrics``. See
        :func:`simsales.experiment.figures.result_charts`.
        """
        return figures.result_charts(self, metrics)

    def charts(self) -> dict[str, Figure]:
        """Every chart, drawn, by file stem (a sweep of several points: its sweep charts)."""
        return {c.stem: c.draw() for c in self.chart_list()}

    def report(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``report.html`` and ``report.md`` for these results to ``directory``.

        See :func:`simsales.reporting.write_report`; the directory is usually
        the one the results were saved to (its optional ``selection_*.json``,
        ``sensitivity.csv`` and the robustness files are read from there).
        """
        from simsales.reporting import write_report  # the report layer sits above this one

        return write_report(directory, self)

    # -------------------------------------------------------------- files
    def save(self, directory: str | Path, with_charts: bool = True) -> Path:
        """Write manifest, tables and charts to ``directory`` (created if needed).

        Each file is written under a temporary name and renamed, so a reader
        never sees a half-written file. The manifest records the experiment's
        fingerprint and :attr:`results_id`.

        Returns
        -------
        Path
            The directory.

        Raises
        ------
        StoreError
            If ``directory`` holds results of another experiment, or files
            simsales does not write (see :mod:`simsales.experiment.folder`).
        FolderBusy
            If another run is writing into ``directory`` (it holds its lock,
            :mod:`simsales.experiment.lock`).
        """
        out = Path(directory)
        check_folder(out, self.record.fingerprint)
        out.mkdir(parents=True, exist_ok=True)
        write_record(out, self.record.model_copy(update={"results_id": self.results_id}))
        atomic_write(
            out / "replications.parquet",
            lambda p: self.replications.to_parquet(p, index=False),
        )
        atomic_write(out / "summary.csv", lambda p: self.summary.to_csv(p, index=False))
        comparisons = self.comparisons
        if not comparisons.empty:
            atomic_write(out / "comparisons.csv", lambda p: comparisons.to_csv(p, index=False))
        if not self.timeseries.empty:
            atomic_write(
                out / "timeseries.parquet", lambda p: self.timeseries.to_parquet(p, index=False)
            )
        if with_charts:
            for chart in self.chart_list():
                save_figure(chart.draw(), out / chart.stem)
        return out


#: The files every results folder has (written by :meth:`Results.save`).
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
        "(written by `simsales run` or Results.save)"
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
    """Read results written by :meth:`Results.save`.

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
