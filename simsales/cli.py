"""The ``simsales`` command line.

Exit status: 0 success, 2 bad input (nothing written), 1 a failure while running.
"""

from __future__ import annotations

import math
import os
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simsales.analysis.robustness import robustness as find_robustness
from simsales.analysis.selection import Selection
from simsales.analysis.sensitivity import COLUMNS, SensitivityAnalysis
from simsales.analysis.sensitivity import analyse as analyse_sensitivity
from simsales.analysis.tables import AnalysisError
from simsales.engine.metrics import METRICS
from simsales.experiment.analyse import compare as compare_results
from simsales.experiment.analyse import select_best
from simsales.experiment.api import RunFailed, resolve
from simsales.experiment.api import run as run_experiment
from simsales.experiment.config import Experiment
from simsales.experiment.loader import ConfigError
from simsales.experiment.results import Results, not_results
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


def _say(message: str, what: str = "error") -> None:
    """Print ``what: message`` to stderr; the message is text, never markup (a path
    or a value may hold square brackets)."""
    err.print(f"[bold red]{what}:[/] " + escape(message), highlight=False)


def _load(file: Path, **overrides: object) -> Experiment:
    try:
        return resolve(file, **overrides)
    except ConfigError as e:
        _say(f"invalid experiment {e.source}")
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
    metrics = precision_metric or ["conversion"]
    _check_metrics(metrics, "--precision-metric")
    if scheduler and backend is not Backend.dask:
        raise _bad("--scheduler needs --backend dask")
    _out_folder(target)  # last: bad input writes nothing, not even the folder
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
                total=len(config.points()) * config.replications,
            )
            results = run_experiment(
                config, workers=workers, on_done=lambda _r: progress.advance(task),
                out=target, resume=resume, backend=backend.value, scheduler=scheduler,
                precision=precision, precision_metrics=metrics,
                max_replications=max_replications,
                on_batch=lambda n: progress.update(task, total=n, completed=0),
            )  # fmt: skip
    except StoreError as e:
        _say(f"{e}")
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print(
            "[bold red]interrupted[/]: finished replications are kept in "
            f"{escape(str(target))}/parts; run again with --resume to finish",
            highlight=False,
        )
        raise typer.Exit(130) from None
    except RunFailed as e:
        failed = e
    except Exception as e:  # a failure while running: say what, exit 1
        _say(f"{type(e).__name__}: {e}", "error while running")
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
        _write_report(target, results, failure=1)
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


# ---------------------------------------------------------------- sensitivity and robustness
# (issue 5, points 4-5: analysis for papers)


def _bad(message: str) -> typer.Exit:
    _say(message)
    return typer.Exit(2)


def _out_folder(target: Path) -> None:
    """Create the output folder now, or exit 2 saying why it cannot be."""
    problem = _unwritable(target)
    if problem is None:
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            problem = f"cannot create it ({e.strerror})"
    if problem:
        raise _bad(f"--out {str(target)!r}: {problem}")


def _check_metrics(metrics: list[str] | None, option: str = "--metric") -> None:
    unknown = [m for m in metrics or [] if m not in METRICS]
    if unknown:
        raise _bad(
            f"{option}: unknown metric(s) {', '.join(map(repr, unknown))}; "
            f"known: {', '.join(METRICS)}"
        )


def print_sensitivity(sa: SensitivityAnalysis) -> None:
    """Print the indices (with confidence half-widths) and the findings in words."""
    t = Table(title=f"{sa.method} sensitivity indices (± 95% CI half-width)", title_justify="left")
    cols = COLUMNS[sa.method]
    for c in ("strategy", "metric", "parameter"):
        t.add_column(c)
    heads = ["S1", "ST"] if sa.method == "sobol" else ["mu*", "sigma", "mu"]
    for h in heads:
        t.add_column(h, justify="right")
    for rec in sa.indices.to_dict("records"):
        if sa.method == "sobol":
            vals = [f"{rec[k]:.2f} ±{rec[k + '_conf']:.2f}" for k in ("S1", "ST")]
        else:
            vals = [f"{rec['mu_star']:.3g} ±{rec['mu_star_conf']:.2g}", f"{rec['sigma']:.3g}",
                    f"{rec['mu']:.3g}"]  # fmt: skip
        t.add_row(*(str(rec[c]) for c in cols[:3]), *vals)
    out.print(t)
    for line in sa.words():
        style = "yellow" if line.startswith("WARNING") else None
        out.print(line, style=style, highlight=False, markup=False)


@app.command()
def sensitivity(
    file: Annotated[
        Path,
        typer.Argument(
            help="experiment file with a \\[sensitivity] table, or a results folder of one "
            "to analyse again without running"
        ),
    ],
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="output folder \\[default: results/NAME]")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="worker processes \\[default: all cores]", min=1)
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option("--replications", "-n", help="override the replications per design point"),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="override the file's root seed")] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="keep the replications already written to --out")
    ] = False,
    metric: Annotated[
        list[str] | None,
        typer.Option(help="metric to analyse (repeatable) \\[default: the table's metrics]"),
    ] = None,
) -> None:
    """Run a \\[sensitivity] design and compute Sobol' or Morris indices with their noise.

    Writes the runs as for `run`, and sensitivity.csv, sensitivity_noise.csv
    and sensitivity.txt. Given a results folder, only the analysis is redone.
    """
    _check_metrics(metric)
    if file.is_dir():
        problem = not_results(file)
        if problem:
            raise _bad(problem)
        target = out_dir if out_dir is not None else file
        try:
            sa = analyse_sensitivity(file, metric)
        except ValueError as e:
            raise _bad(str(e)) from None
        _out_folder(target)
        sa.save(target)
        print_sensitivity(sa)
        out.print(f"sensitivity analysis written to {target}/")
        return
    config = _load(file, replications=replications, seed=seed)
    if config.sensitivity is None:
        raise _bad(f"{file}: no [sensitivity] table (see docs/sensitivity.md)")
    target = out_dir if out_dir is not None else Path("results") / config.name
    _out_folder(target)
    points = config.sensitivity.points
    try:
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=err,
        ) as progress:  # fmt: skip
            task = progress.add_task(
                f"{config.name}: {points} design points x {config.replications} replications",
                total=points * config.replications,
            )
            results = run_experiment(
                config, workers=workers, on_done=lambda _r: progress.advance(task),
                out=target, resume=resume,
            )  # fmt: skip
    except StoreError as e:
        raise _bad(str(e)) from None
    except KeyboardInterrupt:
        err.print(
            "[bold red]interrupted[/]: finished replications are kept in "
            f"{escape(str(target))}/parts; "
            "run again with --resume to finish",
            highlight=False,
        )
        raise typer.Exit(130) from None
    except RunFailed as e:
        _report_failures(e)
        raise typer.Exit(1) from None
    except Exception as e:  # a failure while running: say what, exit 1
        _say(f"{type(e).__name__}: {e}", "error while running")
        raise typer.Exit(1) from None
    sa = analyse_sensitivity(results, metric)
    sa.save(target)
    print_sensitivity(sa)
    wall = results.manifest["wall_seconds"]
    out.print(f"results and sensitivity analysis written to {target}/ ({wall:.1f} s)")


@app.command()
def robustness(
    results_dir: Annotated[
        Path, typer.Argument(help="results folder of an experiment with uncertain parameters")
    ],
    metric: Annotated[str, typer.Option(help="metric that decides which strategy is best")],
    minimise: Annotated[
        bool, typer.Option("--minimise", help="lower is better (e.g. total_cost_share)")
    ] = False,
    alpha: Annotated[
        float, typer.Option(help="PRIM: share of a box peeled off per step", min=0.001, max=0.5)
    ] = 0.05,
    min_support: Annotated[
        float, typer.Option(help="PRIM: smallest box, as a share of worlds", min=0.001, max=1.0)
    ] = 0.05,
) -> None:
    """Which strategy is best in how many plausible worlds, its regret, and where it wins.

    Each replication of an experiment with `uncertain` parameters is one
    world. Writes robustness.csv, robustness_rules.csv, robustness_boxes.csv,
    robustness_worlds.csv and robustness.txt to the results folder.
    """
    _check_metrics([metric])
    problem = not_results(results_dir)
    if problem:
        raise _bad(problem)
    try:
        rb = find_robustness(results_dir, metric, minimise, alpha=alpha, min_support=min_support)
    except ValueError as e:
        raise _bad(str(e)) from None
    t = Table(title=f"robustness on {metric} ({'min' if minimise else 'max'})",
              title_justify="left")  # fmt: skip
    for c in ("strategy", "best in", "95% CI", "regret mean", "regret P90", "regret max"):
        t.add_column(c, justify="left" if c == "strategy" else "right")
    for rec in rb.table.to_dict("records"):
        t.add_row(
            str(rec["strategy"]), f"{rec['best_share']:.0%}",
            f"{rec['best_ci_low']:.0%}-{rec['best_ci_high']:.0%}", f"{rec['regret_mean']:.3g}",
            f"{rec['regret_p90']:.3g}", f"{rec['regret_max']:.3g}",
        )  # fmt: skip
    out.print(t)
    for rule in rb.rules["rule"]:
        out.print(rule, highlight=False, markup=False)
    rb.save(results_dir)
    out.print(f"robustness written to {results_dir}/")


# ---------------------------------------------------------------- analysis (issue 5)


def _pairs(given: list[str] | None) -> list[tuple[str, str]] | None:
    if not given:
        return None
    out = []
    for text in given:
        a, sep, b = text.partition(":")
        if not sep or not a or not b or ":" in b:
            _say(f"--pair {text!r}: write it as A:B (two strategy names)")
            raise typer.Exit(2)
        out.append((a, b))
    return out


def print_paired(paired: pd.DataFrame) -> None:
    """Print paired differences: t and bootstrap CIs, d_z, Holm p, CRN gain, P(a > b)."""
    t = Table(
        title="paired differences a - b (same customers), 95% CIs; p Holm-adjusted per metric",
        title_justify="left",
    )
    heads = ["a", "b", "metric", "a - b \\[t CI]", "bootstrap CI", "d_z", "p (Holm)",
             "CRN var ÷", "P(a > b)"]  # fmt: skip
    for h in heads:
        t.add_column(h, justify="left" if h in ("a", "b", "metric") else "right")
    for rec in paired.to_dict("records"):
        pre = f"point {rec['point']}: " if "point" in rec else ""
        boot = _interval(rec["diff"], rec["diff_boot_low"], rec["diff_boot_high"], 1.0, "{:.4g}")
        t.add_row(
            pre + str(rec["a"]), str(rec["b"]), str(rec["metric"]),
            _interval(rec["diff"], rec["diff_ci_low"], rec["diff_ci_high"], 1.0, "{:.4g}"),
            boot.split(" ", 1)[1] if " " in boot else boot,
            f"{rec['effect_dz']:.2f}", f"{rec['p_holm']:.2g}", f"{rec['crn_variance_ratio']:.1f}",
            _interval(rec["p_a_above_b"], rec["p_a_above_b_low"], rec["p_a_above_b_high"],
                      1.0, "{:.2f}"),
        )  # fmt: skip
    out.print(t)


def print_quantiles(table: pd.DataFrame) -> None:
    """Print P10, median and P90 per strategy and metric."""
    t = Table(title="distributions: P10, median, P90", title_justify="left")
    for h in ("strategy", "metric", "over", "P10", "median", "P90", "n"):
        t.add_column(h, justify="right" if h in ("P10", "median", "P90", "n") else "left")
    for rec in table.to_dict("records"):
        pre = f"point {rec['point']}: " if "point" in rec else ""
        t.add_row(
            pre + str(rec["strategy"]), str(rec["metric"]), str(rec["scope"]),
            *(f"{rec[c]:.4g}" for c in ("p10", "median", "p90")), str(rec["n"]),
        )  # fmt: skip
    out.print(t)


@app.command("compare")
def compare_command(
    results_dir: Annotated[Path, typer.Argument(help="results folder written by `simsales run`")],
    metric: Annotated[
        list[str] | None,
        typer.Option(
            help="metric (repeatable) \\[default: conversion, cost_per_win, cycle_median "
            "and the experiment's compare_metrics]"
        ),
    ] = None,
    pair: Annotated[
        list[str] | None,
        typer.Option(help="pair A:B to compare (repeatable) \\[default: every pair]"),
    ] = None,
) -> None:
    """Paired comparisons and distributions of stored results; nothing is re-run.

    Writes paired.csv and quantiles.csv into RESULTS_DIR.
    """
    pairs = _pairs(pair)
    try:
        comp = compare_results(results_dir, metric or None, pairs, save=True)
    except AnalysisError as e:
        raise _bad(str(e)) from None
    print_paired(comp.paired)
    print_quantiles(comp.quantiles)
    out.print(f"written to {results_dir}/paired.csv and quantiles.csv")


@app.command("select")
def select_command(
    source: Annotated[
        Path, typer.Argument(help="results folder, or an experiment file (TOML) to run")
    ],
    metric: Annotated[str, typer.Option(help="metric to select on")],
    delta: Annotated[
        float, typer.Option(help="indifference zone δ, in the metric's units", min=0.0)
    ],
    alpha: Annotated[float, typer.Option(help="P(correct selection) ≥ 1 - alpha")] = 0.05,
    minimise: Annotated[bool, typer.Option("--minimise", help="lower is better")] = False,
    n0: Annotated[int, typer.Option(help="first-stage replications", min=2)] = 10,
    strategy: Annotated[
        list[str] | None,
        typer.Option(help="strategy to choose among (repeatable) \\[default: all]"),
    ] = None,
    point: Annotated[int | None, typer.Option(help="design point of a sweep")] = None,
    max_replications: Annotated[
        int | None,
        typer.Option(help="experiment file: cap on replications \\[default: 20 x n0]", min=2),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="experiment file: output folder \\[default: results/NAME]"
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="worker processes \\[default: all cores]", min=1)
    ] = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="experiment file: keep replications already in --out"),
    ] = False,
) -> None:
    """Which strategy is best on a metric? Kim & Nelson's (2001) KN procedure.

    On a results folder KN uses the replications stored; on an experiment file
    it runs replications in batches until KN decides or --max-replications.
    Writes selection.json into the results folder.
    """
    target = source
    try:
        if source.is_dir():
            sel = select_best(
                source, metric, delta, alpha, n0=n0, minimise=minimise, strategies=strategy,
                point=point,
            )  # fmt: skip
        else:
            config = _load(source)
            target = out_dir if out_dir is not None else Path("results") / config.name
            problem = _unwritable(target)
            if problem:
                _say(f"--out {str(target)!r}: {problem}")
                raise typer.Exit(2)
            with Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), console=err,
            ) as progress:  # fmt: skip
                task = progress.add_task(f"{config.name}: KN on {metric}", total=n0)
                sel = select_best(
                    config, metric, delta, alpha, n0=n0, minimise=minimise,
                    strategies=strategy, point=point, max_replications=max_replications,
                    out=target, workers=workers, resume=resume,
                    on_batch=lambda n: progress.update(task, total=n, completed=0),
                    on_done=lambda _r: progress.advance(task),
                )  # fmt: skip
    except (AnalysisError, StoreError) as e:
        raise _bad(str(e)) from None
    except KeyboardInterrupt:
        err.print(
            "[bold red]interrupted[/]: finished replications are kept in "
            f"{escape(str(target))}/parts; "
            "run again with --resume to go on",
            highlight=False,
        )
        raise typer.Exit(130) from None
    except RunFailed as e:
        _report_failures(e)
        raise typer.Exit(1) from None
    except Exception as e:  # a failure while running: say what, exit 1
        _say(f"{type(e).__name__}: {e}", "error while running")
        raise typer.Exit(1) from None
    print_selection(sel)
    out.print(f"written to {target}/selection.json")


def print_selection(sel: Selection) -> None:
    """Print the KN outcome: each strategy's mean and status, then the statement."""
    t = Table(
        title=f"KN selection on {sel.metric} over {sel.replications} replications",
        title_justify="left",
    )
    for h in ("strategy", "mean", "status"):
        t.add_column(h, justify="right" if h == "mean" else "left")
    for name in sel.strategies:
        if name == sel.best:
            status = "best"
        elif name in sel.survivors:
            status = "in contention"
        else:
            status = f"eliminated after {sel.eliminated[name]} replications"
        t.add_row(name, f"{sel.means.get(name, math.nan):.4g}", status)
    out.print(t)
    out.print(sel.statement, highlight=False, markup=False)


# ---------------------------------------------------------------- run-all
#: Experiment files ``run-all`` skips: the built-in default, whose results
#: (``results/baseline/``) are regenerated by the README's first command and
#: are not kept in git, and the two examples of the analysis commands
#: (``simsales sensitivity experiments/sensitivity.toml``, and ``simsales run``
#: then ``simsales robustness`` for ``worlds.toml``). Every other file is a study.
NOT_STUDIES = ("baseline.toml", "sensitivity.toml", "worlds.toml")


def _studies(folder: Path, only: list[str] | None, replications: int | None) -> list[Experiment]:
    """Every study in ``folder``, validated, in file-name order; exits 2 on bad input."""
    if not folder.is_dir():
        _say(f"--experiments {str(folder)!r}: not a folder")
        raise typer.Exit(2)
    files = sorted(p for p in folder.glob("*.toml") if p.name not in NOT_STUDIES)
    configs: list[Experiment] = []
    bad = False
    for f in files:
        try:
            configs.append(resolve(f, replications=replications))
        except ConfigError as e:
            bad = True
            _say(f"invalid experiment {e.source}")
            for line in e.errors:
                err.print(f"  - {line}", highlight=False, markup=False)
    if bad:
        raise typer.Exit(2)
    names = [c.name for c in configs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        _say(
            f"experiment name(s) {', '.join(map(repr, twice))} used by "
            "more than one file; each study needs its own results folder"
        )
        raise typer.Exit(2)
    if only:
        unknown = [n for n in only if n not in names]
        if unknown:
            _say(
                f"--only: no study {', '.join(map(repr, unknown))} in "
                f"{folder}; studies: {', '.join(names) or 'none'}"
            )
            raise typer.Exit(2)
        configs = [c for c in configs if c.name in only]
    if not configs:
        skipped = ", ".join(NOT_STUDIES)
        _say(f"no experiment files in {folder} (besides {skipped})")
        raise typer.Exit(2)
    return configs


def _run_study(config: Experiment, target: Path, workers: int | None, resume: bool) -> str | None:
    """Run one study into ``target`` with a progress bar; None, or why it failed."""
    tasks = config.replications * len(config.points())
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as progress:
            bar = progress.add_task(f"{config.name}: replications x points", total=tasks)
            results = run_experiment(
                config, workers=workers, out=target, resume=resume,
                on_done=lambda _r: progress.advance(bar),
            )  # fmt: skip
        if config.sensitivity is not None:
            analyse_sensitivity(results).save(target)
        write_report(target, results, keep=[c.stem for c in results.chart_list()])
    except RunFailed as e:
        kept = " (the others are in the results)" if e.results is not None else ""
        return f"{len(e.failures)} replication(s) failed{kept}: {e.failures[0].describe()}"
    except StoreError as e:
        return str(e)
    except Exception as e:  # one study's failure must not stop the others
        return f"{type(e).__name__}: {e}"
    return None


@app.command("run-all")
def run_all(
    experiments: Annotated[Path, typer.Option(help="folder of experiment files")] = Path(
        "experiments"
    ),
    results: Annotated[Path, typer.Option(help="each study writes to RESULTS/NAME")] = Path(
        "results"
    ),
    workers: Annotated[
        int | None, typer.Option(help="worker processes \\[default: all cores]", min=1)
    ] = None,
    replications: Annotated[
        int | None,
        typer.Option("--replications", "-n", help="override every study's replications", min=1),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option(help="run only the study of this name (repeatable)")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="keep replications an interrupted run wrote")
    ] = False,
) -> None:
    """Regenerate the reference results of every study, one after another.

    A study is every *.toml in EXPERIMENTS except baseline.toml (the built-in
    default, whose results are not kept in git) and the analysis examples
    sensitivity.toml and worlds.toml; each writes to RESULTS/NAME/, with its report.
    All files are validated first (exit 2, nothing run, if one is invalid). A
    study that fails does not stop the others; the command then exits 1
    naming it.
    """
    configs = _studies(experiments, only, replications)
    targets = [results / c.name for c in configs]
    for target in targets:
        problem = _unwritable(target)
        if problem:
            _say(f"{str(target)!r}: {problem}")
            raise typer.Exit(2)
    done: list[tuple[str, str | None, float]] = []
    start = time.perf_counter()
    for k, (config, target) in enumerate(zip(configs, targets, strict=True), 1):
        points = len(config.points())
        out.print(
            f"[bold][{k}/{len(configs)}] {config.name}[/]: {points} point(s) x "
            f"{config.replications} replications x {len(config.strategies)} strategies "
            f"-> {target}/",
            highlight=False,
        )
        t0 = time.perf_counter()
        try:
            why = _run_study(config, target, workers, resume)
        except KeyboardInterrupt:
            err.print(
                f"[bold red]interrupted[/] in {escape(config.name)}: finished studies are written; "
                "run again with --resume to keep its finished replications",
                highlight=False,
            )
            raise typer.Exit(130) from None
        wall = time.perf_counter() - t0
        done.append((config.name, why, wall))
        if why is None:
            out.print(f"  {config.name}: done in {wall:.1f} s", highlight=False)
        else:
            err.print(
                f"  [bold red]{escape(config.name)} FAILED[/] after {wall:.1f} s: {escape(why)}",
                highlight=False, markup=True,
            )  # fmt: skip
    table = Table(title="run-all", title_justify="left")
    for col in ("study", "status", "wall time (s)"):
        table.add_column(col, justify="right" if col.startswith("wall") else "left")
    for name, why, wall in done:
        table.add_row(name, "ok" if why is None else "FAILED", f"{wall:.1f}")
    out.print(table)
    failed = [name for name, why, _ in done if why is not None]
    out.print(f"total {time.perf_counter() - start:.1f} s for {len(done)} studies")
    if failed:
        err.print(f"[bold red]failed:[/] {', '.join(failed)}", highlight=False)
        raise typer.Exit(1)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="simsales")


def _write_report(target: Path, results: Results | None = None, failure: int = 2) -> None:
    """Write the report of a results folder; a problem exits with ``failure``
    (2, bad input, for `report`; 1 after a run, whose results are written)."""
    # after a run, the charts Results.save has just drawn are kept, not drawn again
    keep = [c.stem for c in results.chart_list()] if results is not None else []
    try:
        html_path, md_path = write_report(target, results, keep=keep)
    except ReportError as e:
        kept = " (the results are written)" if results is not None else ""
        _say(f"report{kept}: {e}")
        raise typer.Exit(failure) from None
    out.print(f"report written to {html_path} and {md_path}")


@app.command("report")
def report_command(
    results_dir: Annotated[Path, typer.Argument(help="a results folder written by `simsales run`")],
) -> None:
    """Write report.html (self-contained) and report.md for stored results; runs nothing."""
    if not results_dir.is_dir():
        _say(f"{str(results_dir)!r} is not a folder")
        raise typer.Exit(2)
    _write_report(results_dir)


if __name__ == "__main__":  # pragma: no cover
    main()
