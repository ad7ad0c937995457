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

__all__ = [
    "RESULTS_FILES",
    "Results",
    "ResultsError",
    "build_manifest",
    "load_results",
    "not_results",
]

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
        FolderBusy
            If another run is writing into ``directory`` (it holds its lock,
            :mod:`simsales.experiment.lock`).
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


class ResultsError(ValueError):
    """A stored results folder that cannot be read: which file, what is wrong with it,
    and what to do (run the experiment again, or restore the file)."""


#: What to do about a damaged results file.
_FIX = (
    "it is damaged or was not written by simsales; run the experiment again (or restore "
    "the file from a copy)"
)


def _damaged(path: Path, what: str) -> ResultsError:
    return ResultsError(f"{str(path)!r}: {what}; {_FIX}")


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _pairs(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in value
    )


def _strategies(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(s, dict) and isinstance(s.get("name"), str) for s in value
    )


def _mapping_or_null(value: object) -> bool:
    return value is None or isinstance(value, dict)


#: The manifest's keys that readers use: key -> (required, check, what is allowed).
_MANIFEST: dict[str, tuple[bool, Any, str]] = {
    "experiment": (True, lambda v: isinstance(v, str), "a string (the experiment's name)"),
    "replications": (True, _is_int, "a whole number"),
    "seed": (False, _is_int, "a whole number"),
    "config": (False, lambda v: isinstance(v, dict), "an object (the experiment as run)"),
    "workers": (False, _is_int, "a whole number"),
    "wall_seconds": (False, _is_number, "a number"),
    "resumed_replications": (False, _is_int, "a whole number"),
    "failures": (False, lambda v: isinstance(v, list), "a list"),
    "dependencies": (False, lambda v: isinstance(v, dict), "an object"),
    "precision": (False, _mapping_or_null, "an object"),
}
#: The same for the keys of the manifest's ``config``.
_CONFIG: dict[str, tuple[Any, str]] = {
    "name": (lambda v: isinstance(v, str), "a string"),
    "seed": (_is_int, "a whole number"),
    "replications": (_is_int, "a whole number"),
    "horizon_days": (_is_number, "a number"),
    "strategies": (_strategies, 'a list of objects with a string "name"'),
    "compare": (_pairs, "a list of pairs of strategy names"),
    "compare_metrics": (_str_list, "a list of metric names"),
    "chart_metrics": (_str_list, "a list of metric names"),
    "sweep": (_mapping_or_null, "an object or null"),
    "uncertain": (_mapping_or_null, "an object or null"),
    "sensitivity": (_mapping_or_null, "an object or null"),
    "lifecycle": (lambda v: isinstance(v, dict), "an object"),
    "market": (lambda v: isinstance(v, dict), "an object"),
    "sellers": (lambda v: isinstance(v, dict), "an object"),
}


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as e:
        raise _damaged(path, f"cannot be read ({e.strerror})") from None
    except UnicodeDecodeError:
        raise _damaged(path, "is not text (binary content)") from None
    if not text.strip():
        raise _damaged(path, "is empty")
    try:
        data = json.loads(text)
    except ValueError as e:
        raise _damaged(path, f"is not valid JSON ({e})") from None
    if not isinstance(data, dict):
        raise _damaged(path, f"must hold a JSON object, it holds {_type_name(data)}")
    problems = []
    for key, (required, ok, allowed) in _MANIFEST.items():
        if key not in data:
            if required:
                problems.append(f"{key!r} is missing (must be {allowed})")
        elif not ok(data[key]):
            problems.append(f"{key!r} must be {allowed}, got {data[key]!r:.60}")
    config = data.get("config")
    if isinstance(config, dict):
        for key, (ok, allowed) in _CONFIG.items():
            if key in config and not ok(config[key]):
                problems.append(f"'config.{key}' must be {allowed}, got {config[key]!r:.60}")
    if problems:
        raise _damaged(path, "; ".join(problems))
    return data


def _read_table(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except OSError as e:
        if path.is_file() and path.stat().st_size == 0:
            raise _damaged(path, "is empty (0 bytes)") from None
        raise _damaged(path, f"cannot be read as a Parquet table ({e})") from None
    except Exception as e:  # truncated or not Parquet: whatever pyarrow raises
        if path.is_file() and path.stat().st_size == 0:
            raise _damaged(path, "is empty (0 bytes)") from None
        raise _damaged(path, f"is not a readable Parquet table ({type(e).__name__}: {e})") from None


def _check_table(path: Path, table: pd.DataFrame, need: tuple[str, ...]) -> None:
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise _damaged(
            path,
            f"lacks the column(s) {', '.join(missing)} (it has "
            f"{', '.join(map(str, table.columns)) or 'none'})",
        )
    if table.empty:
        raise _damaged(path, "has no rows")
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
        raise _damaged(path, "; ".join(wrong))


def load_results(directory: str | Path) -> Results:
    """Read results written by :meth:`Results.save`.

    Every file is checked as it is read, so that damaged results are refused
    here, naming the file, rather than failing later in an analysis.

    Raises
    ------
    ResultsError
        If ``directory`` is not a results folder (:func:`not_results`), or
        ``manifest.json`` is not a JSON object with the keys and types simsales
        writes, or a table (``replications.parquet``, ``timeseries.parquet``)
        cannot be read, lacks a column simsales writes, has no rows or holds
        values of the wrong type.
    """
    d = Path(directory)
    problem = not_results(d)
    if problem:
        raise ResultsError(problem)
    manifest = _read_manifest(d / "manifest.json")
    reps_path = d / "replications.parquet"
    reps = _read_table(reps_path)
    _check_table(reps_path, reps, ("replication", "strategy"))
    if not [c for c in reps.columns if c not in ("replication", "strategy", "point")]:
        raise _damaged(reps_path, "has no metric columns")
    ts = d / "timeseries.parquet"
    series = pd.DataFrame()
    if ts.exists():
        series = _read_table(ts)
        _check_table(ts, series, ("replication", "strategy", "month", "revenue", "cost"))
    return Results(reps, manifest, series)
