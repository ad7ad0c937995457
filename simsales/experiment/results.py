"""The results of an experiment: tables, manifest, and writing them to a folder."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
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
from simsales.experiment.folder import check_folder, manifest_fingerprint, results_id
from simsales.plots import charts
from simsales.plots.style import save_figure

__all__ = ["RESULTS_FILES", "Results", "build_manifest", "load_results", "not_results"]

_DEPENDENCIES = ("numpy", "scipy", "simpy", "pandas", "pyarrow", "pydantic", "matplotlib")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], capture_output=True, text=True, timeout=5, check=True
    ).stdout.strip()


def _git_commit() -> str | None:
    """Commit of the simsales source tree, if simsales runs from its git checkout.

    None for an installed copy (its version identifies it then), and never
    the commit of some other repository the environment happens to sit in.
    """
    package = Path(__file__).resolve().parents[1]  # the simsales/ folder
    root = package.parent
    try:
        top = _git("-C", str(package), "rev-parse", "--show-toplevel")
        if Path(top).resolve() != root or not (root / "pyproject.toml").is_file():
            return None
        commit = _git("-C", str(package), "rev-parse", "HEAD")
        dirty = _git("-C", str(package), "status", "--porcelain", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "") if commit else None


def build_manifest(config: dict[str, Any], wall_seconds: float, workers: int) -> dict[str, Any]:
    """Everything needed to know how a result was made."""
    return {
        "experiment": config["name"],
        "seed": config["seed"],
        "replications": config["replications"],
        "config": config,
        "simsales_version": _version("simsales"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "dependencies": {d: _version(d) for d in _DEPENDENCIES},
        "git_commit": _git_commit(),
        "workers": workers,
        "wall_seconds": round(wall_seconds, 3),
    }


@dataclass
class Results:
    """Results of one experiment.

    Attributes
    ----------
    replications : DataFrame
        One row per replication × strategy: ``replication``, ``strategy``,
        then one column per metric.
    manifest : dict
        Config as run, seed, versions, git commit, wall time.
    timeseries : DataFrame
        One row per replication × strategy × month: customers in each orbit
        (and churned) at the month's start, revenue and cost booked in it.
    summary : DataFrame
        Tidy: ``strategy, metric, mean, ci_low, ci_high, n`` (95% t-interval).
    """

    replications: pd.DataFrame
    manifest: dict[str, Any]
    timeseries: pd.DataFrame = field(default_factory=pd.DataFrame)
    summary: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        self.summary = summarise(self.replications)

    @cached_property
    def comparisons(self) -> pd.DataFrame:
        """Paired comparisons declared in the experiment's ``compare`` (may be empty).

        See :func:`simsales.analysis.paired.paired_differences`.
        """
        cfg = self.manifest.get("config", {})
        pairs = [tuple(p) for p in cfg.get("compare", [])]
        if not pairs:
            return pd.DataFrame(columns=PAIRED_COLUMNS)
        return paired_differences(
            self.replications, pairs, list(cfg["compare_metrics"]), seed=int(cfg["seed"])
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
        return str(self.manifest["experiment"])

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
        """
        out = Path(directory)
        key = manifest_fingerprint(self.manifest)
        check_folder(out, key)
        out.mkdir(parents=True, exist_ok=True)
        manifest = {**self.manifest, "results_id": self.results_id}
        if key is not None:
            manifest["fingerprint"] = key
        atomic_write(
            out / "manifest.json",
            lambda p: p.write_text(json.dumps(manifest, indent=2, default=str) + "\n"),
        )
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


def load_results(directory: str | Path) -> Results:
    """Read results written by :meth:`Results.save`."""
    d = Path(directory)
    manifest = json.loads((d / "manifest.json").read_text())
    ts = d / "timeseries.parquet"
    series = pd.read_parquet(ts) if ts.is_file() else pd.DataFrame()
    return Results(pd.read_parquet(d / "replications.parquet"), manifest, series)
