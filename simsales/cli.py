"""The ``simsales`` command line.

Exit status: 0 success, 2 bad input (nothing written), 1 a failure while running.
"""

from __future__ import annotations

import math
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simsales.engine.metrics import METRICS
from simsales.experiment.api import RunFailed, resolve
from simsales.experiment.api import run as run_experiment
from simsales.experiment.config import Experiment
from simsales.experiment.loader import ConfigError
from simsales.experiment.results import Results
from simsales.experiment.store import StoreError
from simsales.reporting import ReportError, write_report


class Backend(StrEnum):
    """Where replications run."""

    local = "local"
    dask = "dask"


app = typer.Typer(
    name="simsales",
    help="Which way of selling works, for which buyers, at what cost? Run and compare "
    "sales strategies on simulated buyers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
if not out.is_terminal:  # piped or captured: do not squeeze the table to 80 columns
    out = Console(width=160)
err = Console(stderr=True, soft_wrap=True)

_SHOWN = [
    ("conversion", "conversion", 100, "{:.1f}%"),
    ("wins", "wins", 1, "{:.1f}"),
    ("cost_per_win", "cost/win", 1, "{:.3f}"),
    ("cost_of_sale_share", "cost of sale", 100, "{:.1f}%"),
    ("cycle_median", "cycle (d)", 1, "{:.0f}"),
    ("no_decision_share", "no-decision", 100, "{:.0f}%"),
    ("roise", "ROISE", 1, "{:.2f}"),
    ("churn_rate", "churn", 100, "{:.0f}%"),
    ("total_cost_share", "total cost/rev", 100, "{:.1f}%"),
]


def _load(file: Path, **overrides: object) -> Experiment:
    try:
        return resolve(file, **overrides)
    except ConfigError as e:
        err.print(f"[bold red]error:[/] invalid experiment {e.source}", highlight=False)
        for line in e.errors:
            err.print(f"  - {line}", highlight=False, markup=False)
        raise typer.Exit(2) from None


def _unwritable(target: Path) -> str | None:
    """Why results could not be written to ``target``, checked before running."""
    if target.exists() and not target.is_dir():
        return "exists and is not a folder"
    parent = target.absolute()
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create or write in {str(parent)!r}"
    return None


def _fmt(mean: float, lo: float, hi: float, scale: float, fmt: str) -> str:
    if not math.isfinite(mean):
        return "–"
    s = fmt.format(mean * scale)
    if math.isfinite(lo):
        s += " ±" + fmt.format((hi - lo) / 2 * scale).rstrip("%")
    return s


def print_summary(results: Results) -> None:
    """Print the key metrics per strategy: mean ± half-width of the 95% CI."""
    t = Table(
        title=f"{results.name}: mean ± 95% CI half-width over "
        f"{results.manifest['replications']} replications",
        title_justify="left",
    )
    t.add_column("strategy")
    for _, head, _, _ in _SHOWN:
        t.add_column(head, justify="right")
    summ = results.summary
    label = (
        "point " + summ["point"].astype(str) + ": " + summ["strategy"].astype(str)
        if "point" in summ.columns
        else summ["strategy"].astype(str)
    )
    cells = {
        (str(lb), str(me)): (float(m), float(lo), float(hi))
        for lb, me, m, lo, hi in zip(
            label, summ["metric"], summ["mean"], summ["ci_low"], summ["ci_high"], strict=True
        )
    }
    for name in dict.fromkeys(label):
        row = [str(name)]
        for metric, _, scale, fmt in _SHOWN:
            row.append(_fmt(*cells[(str(name), metric)], scale, fmt))
        t.add_row(*row)
    out.print(t)


def _interval(m: object, lo: object, hi: object, scale: float, fmt: str) -> str:
    """``m [lo, hi]`` scaled and formatted; a dash for what is undefined."""
    vals = [float(v) * scale if isinstance(v, int | float) else math.nan for v in (m, lo, hi)]
    shown = [fmt.format(v) if math.isfinite(v) else "–" for v in vals]
    if not math.isfinite(vals[0]):
        return "–"
    return f"{shown[0]} [{shown[1]}, {shown[2]}]"


def print_comparisons(results: Results) -> None:
    """Print the declared paired comparisons: a - b, and the relative change, with 95% CIs."""
    comp = results.comparisons
    if comp.empty:
        return
    t = Table(title="paired comparisons (same customers): a vs b", title_justify="left")
    for col in ("a", "b", "metric", "a - b [95% CI]", "change [95% CI]"):
        t.add_column(col, justify="right" if "CI" in col else "left")
    for rec in comp.to_dict("records"):
        diff = _interval(rec["diff"], rec["diff_ci_low"], rec["diff_ci_high"], 1.0, "{:.4g}")
        rel = _interval(rec["rel_change"], rec["rel_ci_low"], rec["rel_ci_high"], 100.0, "{:+.1f}%")
        t.add_row(str(rec["a"]), str(rec["b"]), str(rec["metric"]), diff, rel)
    out.print(t)


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="experiment file (TOML)")],
) -> None:
    """Check an experiment file without running it."""
    config = _load(file)
    out.print(
        f"[green]ok[/]: {file} — experiment {config.name!r}, {config.replications} "
        f"replications, strategies: {', '.join(config.strategy_names)}"
    )


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="experiment file (TOML)")],
    replications: Annotated[
        int | None, typer.Option("--replications", "-n", help="override the file's replications")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="override the file's root seed")] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="output folder \\[default: results/NAME]")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="worker processes \\[default: all cores]", min=1)
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="keep the replications an interrupted run already wrote to --out"
        ),
    ] = False,
    backend: Annotated[
        Backend, typer.Option(help="local worker processes, or a Dask cluster")
    ] = Backend.local,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address \\[default: a local cluster on 127.0.0.1]"),
    ] = None,
    precision: Annotated[
        float | None,
        typer.Option(
            help="add replications until every strategy's 95% CI half-width is at most this",
            min=1e-12,
        ),
    ] = None,
    precision_metric: Annotated[
        list[str] | None,
        typer.Option(help="metric for --precision (repeatable) \\[default: conversion]"),
    ] = None,
    max_replications: Annotated[
        int | None,
        typer.Option(help="cap for --precision \\[default: 10 x replications]", min=1),
    ] = None,
    report: Annotated[
        bool,
        typer.Option(
            "--report/--no-report", help="write report.html and report.md to the output folder"
        ),
    ] = True,
) -> None:
    """Run every strategy of an experiment on the same customers and write results.

    Each finished replication is written to OUT/parts/ at once; after an
    interruption, the same command with --resume computes only what is missing.
    """
    config = _load(file, replications=replications, seed=seed)
    target = out_dir if out_dir is not None else Path("results") / config.name
    problem = _unwritable(target)
    if problem is None:
        try:  # found now, not after the whole run
            target.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            problem = f"cannot create it ({e.strerror})"
    if problem:
        err.print(f"[bold red]error:[/] --out {str(target)!r}: {problem}", highlight=False)
        raise typer.Exit(2)
    metrics = precision_metric or ["conversion"]
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        err.print(
            f"[bold red]error:[/] --precision-metric: unknown {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(METRICS)}",
            highlight=False,
        )
        raise typer.Exit(2)
    if scheduler and backend is not Backend.dask:
        err.print("[bold red]error:[/] --scheduler needs --backend dask", highlight=False)
        raise typer.Exit(2)
    failed: RunFailed | None = None
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
            task = progress.add_task(
                f"{config.name}: {len(config.strategies)} strategies, replications",
                total=config.replications,
            )
            results = run_experiment(
                config, workers=workers, on_done=lambda _r: progress.advance(task),
                out=target, resume=resume, backend=backend.value, scheduler=scheduler,
                precision=precision, precision_metrics=metrics,
                max_replications=max_replications,
                on_batch=lambda n: progress.update(task, total=n, completed=0),
            )  # fmt: skip
    except StoreError as e:
        err.print(f"[bold red]error:[/] {e}", highlight=False)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print(
            "[bold red]interrupted[/]: finished replications are kept in "
            f"{target}/parts; run again with --resume to finish",
            highlight=False,
        )
        raise typer.Exit(130) from None
    except RunFailed as e:
        failed = e
    except Exception as e:  # a failure while running: say what, exit 1
        err.print(f"[bold red]error while running:[/] {type(e).__name__}: {e}", highlight=False)
        raise typer.Exit(1) from None
    if failed is not None:
        if failed.results is not None:
            results = failed.results
        else:
            _report_failures(failed)
            raise typer.Exit(1)
    print_summary(results)
    print_comparisons(results)
    wall = results.manifest["wall_seconds"]
    resumed = results.manifest.get("resumed_replications", 0)
    note = f", {resumed} resumed" if resumed else ""
    used = results.manifest["workers"]
    out.print(f"results written to {target}/ ({wall:.1f} s on {used} worker(s){note})")
    if report:
        _write_report(target, results)
    _report_precision(results)
    if failed is not None:
        _report_failures(failed)
        raise typer.Exit(1)


def _report_precision(results: Results) -> None:
    p = results.manifest.get("precision")
    if not p:
        return
    worst = max(
        ((hw, s, m) for s, per in p["half_widths"].items() for m, hw in per.items()),
        default=(math.nan, "", ""),
    )
    verdict = "met" if p["met"] else f"NOT met (cap of {p['max_replications']} replications)"
    out.print(
        f"precision {verdict}: widest 95% CI half-width {worst[0]:.4g} ({worst[1]}, "
        f"{worst[2]}) against {p['target_half_width']:g}, with {p['replications']} replications"
    )


def _report_failures(failed: RunFailed) -> None:
    err.print(
        f"[bold red]{len(failed.failures)} replication(s) failed[/] "
        "(the others are in the results):",
        highlight=False,
    )
    for f in failed.failures:
        err.print(f"  - {f.describe()}", highlight=False, markup=False)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="simsales")


def _write_report(target: Path, results: Results | None = None) -> None:
    """Write the report of a results folder; bad input exits 2."""
    # after a run, the charts Results.save has just drawn are kept, not drawn again
    keep = [c.stem for c in results.chart_list()] if results is not None else []
    try:
        html_path, md_path = write_report(target, results, keep=keep)
    except ReportError as e:
        err.print(f"[bold red]error:[/] report: {e}", highlight=False)
        raise typer.Exit(2) from None
    out.print(f"report written to {html_path} and {md_path}")


@app.command("report")
def report_command(
    results_dir: Annotated[Path, typer.Argument(help="a results folder written by `simsales run`")],
) -> None:
    """Write report.html (self-contained) and report.md for stored results; runs nothing."""
    if not results_dir.is_dir():
        err.print(f"[bold red]error:[/] {str(results_dir)!r} is not a folder", highlight=False)
        raise typer.Exit(2)
    _write_report(results_dir)


if __name__ == "__main__":  # pragma: no cover
    main()
