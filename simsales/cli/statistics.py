"""`simsales sensitivity`, `robustness`, `compare` and `select`: analyses for papers."""

from __future__ import annotations

import math
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from simsales.cli.common import (
    EngineOption,
    OutFolder,
    Overwrite,
    ShowTraceback,
    Workers,
    _bad,
    _check_budget,
    _check_engine,
    _check_metrics,
    _chosen_engine,
    _difference,
    _engine,
    _interval,
    _load,
    _load_modules,
    _report_failures,
    _say,
    app,
    out,
    progress_bar,
)
from simsales.cli.folders import (
    claim_out_folder,
    holding,
    make_out_folder,
    running,
    unwritable,
)

if TYPE_CHECKING:  # the rest is imported by the commands that use it: a quick --help
    import pandas as pd

    from simsales.analysis.selection import Selection
    from simsales.analysis.sensitivity_indices import SensitivityIndices


def print_sensitivity(sa: SensitivityIndices) -> None:
    """Print the indices (with confidence half-widths) and the findings in words."""
    from simsales.analysis.sensitivity_indices import COLUMNS

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
    out_dir: OutFolder = None,
    workers: Workers = None,
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
    overwrite: Overwrite = False,
    engine: EngineOption = None,
    show_traceback: ShowTraceback = False,
) -> None:
    """Run a \\[sensitivity] design and compute Sobol' or Morris indices with their noise.

    Writes the runs as for `run`, and sensitivity.csv, sensitivity_noise.csv
    and sensitivity.txt. Given a results folder, only the analysis is redone.
    """
    from simsales.analysis.sensitivity_indices import sensitivity_indices
    from simsales.runner.run import RunFailed
    from simsales.runner.run import run as run_experiment
    from simsales.store.results import not_results

    _check_metrics(metric)
    if file.is_dir():
        problem = not_results(file)
        if problem:
            raise _bad(problem)
        target = out_dir if out_dir is not None else file
        try:
            sa = sensitivity_indices(file, metric)
        except ValueError as e:
            raise _bad(str(e)) from None
        make_out_folder(target)
        with holding(target):
            sa.save(target)
        print_sensitivity(sa)
        out.print(f"sensitivity analysis written to {target}/")
        return
    config = _load(file, replications=replications, seed=seed, **_engine(engine))
    sensitivity = config.sensitivity
    if sensitivity is None:
        raise _bad(f"{file}: no [sensitivity] table (see docs/sensitivity.md)")
    config = _chosen_engine(_load_modules(file, config), "engine" in config.model_fields_set)
    _check_engine(config)
    target = out_dir if out_dir is not None else Path("results") / config.name
    claim_out_folder(target, config, overwrite)
    make_out_folder(target)
    points = sensitivity.points
    with holding(target):  # the run and its analysis: one run per folder at a time
        try:
            with running(target, show_traceback=show_traceback), progress_bar() as progress:
                task = progress.add_task(
                    f"{config.name}: {points} design points x {config.replications} replications",
                    total=points * config.replications,
                )
                results = run_experiment(
                    config, workers=workers, on_done=lambda _r: progress.advance(task),
                    out=target, resume=resume,
                )  # fmt: skip
        except RunFailed as e:
            _report_failures(e, show_traceback)
            raise typer.Exit(1) from None
        sa = sensitivity_indices(results, metric)
        sa.save(target)
    print_sensitivity(sa)
    took = results.record.took()
    out.print(f"results and sensitivity analysis written to {target}/ ({took})")


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
    from simsales.analysis.robustness import robustness as find_robustness
    from simsales.store.results import not_results

    _check_metrics([metric])
    problem = not_results(results_dir)
    if problem:
        raise _bad(problem)
    with holding(results_dir, create=False):
        try:
            rb = find_robustness(
                results_dir, metric, minimise, alpha=alpha, min_support=min_support
            )
        except ValueError as e:
            raise _bad(str(e)) from None
        rb.save(results_dir)
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
    out.print(f"robustness written to {results_dir}/")


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
        title="paired differences a - b (same customers) in each metric's unit (pp: "
        "percentage points), 95% CIs; p Holm-adjusted per metric",
        title_justify="left",
    )
    heads = ["a", "b", "metric", "a - b \\[t CI]", "bootstrap CI", "d_z", "p (Holm)",
             "CRN var ÷", "P(a > b)"]  # fmt: skip
    for h in heads:
        t.add_column(h, justify="left" if h in ("a", "b", "metric") else "right")
    for rec in paired.to_dict("records"):
        pre = f"point {rec['point']}: " if "point" in rec else ""
        metric = str(rec["metric"])
        boot = _difference(metric, rec["diff"], rec["diff_boot_low"], rec["diff_boot_high"])
        t.add_row(
            pre + str(rec["a"]), str(rec["b"]), metric,
            _difference(metric, rec["diff"], rec["diff_ci_low"], rec["diff_ci_high"]),
            "[" + boot.split(" [", 1)[1] if " [" in boot else boot,
            f"{rec['effect_dz']:.2f}", f"{rec['p_holm']:.2g}", f"{rec['crn_variance_ratio']:.1f}",
            _interval(rec["p_a_above_b"], rec["p_a_above_b_low"], rec["p_a_above_b_high"],
                      1.0, "{:.2f}"),
        )  # fmt: skip
    out.print(t)


def print_quantiles(table: pd.DataFrame) -> None:
    """Print P10, median and P90 per strategy and metric."""
    from simsales.labels import format_value

    t = Table(title="distributions: P10, median, P90", title_justify="left")
    for h in ("strategy", "metric", "over", "P10", "median", "P90", "n"):
        t.add_column(h, justify="right" if h in ("P10", "median", "P90", "n") else "left")
    for rec in table.to_dict("records"):
        pre = f"point {rec['point']}: " if "point" in rec else ""
        metric = str(rec["metric"])
        t.add_row(
            pre + str(rec["strategy"]), metric, str(rec["scope"]),
            *(format_value(metric, rec[c]) for c in ("p10", "median", "p90")), str(rec["n"]),
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
    from simsales.analysis.comparison import compare as compare_results
    from simsales.analysis.tables import AnalysisError
    from simsales.store.results import ResultsError

    pairs = _pairs(pair)
    with holding(results_dir, create=False):
        try:
            comp = compare_results(results_dir, metric or None, pairs, save=True)
        except (AnalysisError, ResultsError) as e:
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
    workers: Workers = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="experiment file: keep replications already in --out"),
    ] = False,
    overwrite: Overwrite = False,
    show_traceback: ShowTraceback = False,
) -> None:
    """Which strategy is best on a metric? Kim & Nelson's (2001) KN procedure.

    On a results folder KN uses the replications stored; on an experiment file
    it runs replications in batches until KN decides or --max-replications.
    Writes selection_METRIC.json into the results folder (one per metric).
    """
    from simsales.analysis.tables import AnalysisError
    from simsales.runner.run import RunFailed
    from simsales.runner.select_best import check_selection, select_best, selection_file

    target = source
    config = None
    if not source.is_dir():
        config = _load_modules(source, _load(source))
        _check_budget(config, max(n0, max_replications or 20 * n0), "--max-replications")
        target = out_dir if out_dir is not None else Path("results") / config.name
        problem = unwritable(target)
        if problem:
            raise _bad(f"--out {str(target)!r}: {problem}")
    try:
        with running(target, (AnalysisError,), show_traceback), ExitStack() as held:
            if config is None:
                held.enter_context(holding(source, create=False))
                sel = select_best(
                    source, metric, delta, alpha, n0=n0, minimise=minimise,
                    strategies=strategy, point=point,
                )  # fmt: skip
            else:
                # bad arguments are said before the progress bar is drawn
                check_selection(config, metric, delta, alpha, n0, minimise, strategy, point)
                claim_out_folder(target, config, overwrite)
                held.enter_context(holding(target))  # the run and the selection written
                with progress_bar() as progress:
                    task = progress.add_task(f"{config.name}: KN on {metric}", total=n0)
                    sel = select_best(
                        config, metric, delta, alpha, n0=n0, minimise=minimise,
                        strategies=strategy, point=point, max_replications=max_replications,
                        out=target, workers=workers, resume=resume, overwrite=overwrite,
                        on_batch=lambda n: progress.update(task, total=n, completed=0),
                        on_done=lambda _r: progress.advance(task),
                    )  # fmt: skip
    except RunFailed as e:
        _report_failures(e, show_traceback)
        raise typer.Exit(1) from None
    print_selection(sel)
    out.print(f"written to {target}/{selection_file(sel.metric)}")


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
