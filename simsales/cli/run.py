"""`simsales validate` and `simsales run`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from simsales.cli.common import (
    _SHOWN,
    Backend,
    BackendOption,
    EngineOption,
    OutFolder,
    Overwrite,
    SchedulerOption,
    ShowTraceback,
    Workers,
    _bad,
    _check_budget,
    _check_engine,
    _check_metrics,
    _chosen_engine,
    _difference,
    _engine,
    _fmt,
    _interval,
    _load,
    _load_modules,
    _report_failures,
    _small_batches,
    app,
    out,
    progress_bar,
)
from simsales.cli.folders import (
    claim_out_folder,
    holding,
    make_out_folder,
    running,
    write_folder_report,
)

if TYPE_CHECKING:  # the rest is imported by the commands that use it: a quick --help
    from simsales.runner.run import RunFailed
    from simsales.store.results import Results


def point_names(results: Results) -> dict[int, str]:
    """``point K (name=value, ...)`` of each design point, by its last key: what a
    design point is, not only its number."""
    from simsales.analysis.tables import swept_parameters

    reps = results.replications
    if "point" not in reps.columns:
        return {}
    params = swept_parameters(results) or [
        str(c) for c in reps.columns if "." in str(c) and c not in ("point", "replication")
    ]
    values = reps.groupby("point", sort=True)[params].first()
    out = {}
    for k, row in zip(values.index, values.to_dict("records"), strict=True):
        shown = ", ".join(f"{p.rsplit('.', 1)[-1]}={_short(row[p])}" for p in params)
        out[int(k)] = f"point {k} ({shown})" if shown else f"point {k}"
    return out


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def print_summary(results: Results) -> None:
    """Print the key metrics per strategy: mean ± half-width of the 95% CI."""
    from simsales.analysis.summary import summary_table

    t = Table(
        title=f"{results.name}: mean ± 95% CI half-width over "
        f"{results.record.replications} replications",
        title_justify="left",
    )
    t.add_column("strategy", no_wrap=True)
    for _, head in _SHOWN:
        t.add_column(head, justify="right")
    summ = summary_table(results)
    names = point_names(results)
    label = (
        summ["point"].map(names) + ": " + summ["strategy"].astype(str)
        if "point" in summ.columns
        else summ["strategy"].astype(str)
    )
    cells = {
        (str(lb), str(me)): (float(m), float(lo), float(hi), int(n))
        for lb, me, m, lo, hi, n in zip(
            label, summ["metric"], summ["mean"], summ["ci_low"], summ["ci_high"], summ["n"],
            strict=True,
        )
    }  # fmt: skip
    # replications present per row (fewer than were asked for where some failed)
    reps = results.replications
    keys = ["point", "strategy"] if "point" in reps.columns else ["strategy"]
    present = reps.groupby(keys, sort=False)["replication"].nunique()
    ran = {
        (f"{names[k[0]]}: {k[1]}" if isinstance(k, tuple) else str(k)): int(v)
        for k, v in present.items()
    }
    partial = False
    for name in dict.fromkeys(label):
        row = [str(name)]
        for metric, _ in _SHOWN:
            m, lo, hi, n = cells[(str(name), metric)]
            cell = _fmt(metric, m, lo, hi)
            if 0 < n < ran.get(str(name), n):  # e.g. cost per win where one won nothing
                cell += f" ({n})"
                partial = True
            row.append(cell)
        t.add_row(*row)
    out.print(t)
    if partial:
        out.print(
            "(n): defined in only n of the replications run (e.g. no win); the mean is "
            "over those, so it leaves out the worst cases"
        )


def print_comparisons(results: Results) -> None:
    """Print the declared paired comparisons: a - b, and the relative change, with 95% CIs."""
    from simsales.analysis.comparison import declared_comparisons

    comp = declared_comparisons(results)
    if comp.empty:
        return
    t = Table(title="paired comparisons (same customers): a vs b", title_justify="left")
    for col in ("a", "b", "metric", "a - b [95% CI]", "change [95% CI]"):
        t.add_column(col, justify="right" if "CI" in col else "left")
    for rec in comp.to_dict("records"):
        metric = str(rec["metric"])
        diff = _difference(metric, rec["diff"], rec["diff_ci_low"], rec["diff_ci_high"])
        rel = _interval(rec["rel_change"], rec["rel_ci_low"], rec["rel_ci_high"], 100.0, "{:+.1f}%")
        t.add_row(str(rec["a"]), str(rec["b"]), str(rec["metric"]), diff, rel)
    out.print(t)


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="experiment file (TOML)")],
    load_modules: Annotated[
        bool,
        typer.Option(
            "--load-modules",
            help="also import the file's modules (this runs their code) and check the "
            "strategies they register",
        ),
    ] = False,
) -> None:
    """Check an experiment file without running it, or any code it names.

    Its modules are checked to exist, not imported: a strategy that is not
    built in is then taken to come from them, and checked with --load-modules.
    """
    config = _load(file)
    pending = config.unchecked_strategies
    if load_modules:
        config = _load_modules(file, config)
    out.print(
        f"[green]ok[/]: {file} — experiment {config.name!r}, {config.replications} "
        f"replications, strategies: {', '.join(config.strategy_names)}"
    )
    if pending and not load_modules:
        from simsales.experiment.plugins import ENTRY_POINT_GROUP, advertised_strategies

        installed = advertised_strategies()  # metadata only: nothing is imported
        ours = [n for n in pending if n not in installed]
        theirs = [n for n in pending if n in installed]
        whose = [f"{', '.join(ours)}, which the modules must register"] if ours else []
        if theirs:
            whose.append(
                f"{', '.join(theirs)}, which installed packages register (entry-point group "
                f"{ENTRY_POINT_GROUP})"
            )
        out.print(
            f"not checked: {'; '.join(whose)}; --load-modules imports them (running their "
            "code) and checks",
            highlight=False,
            markup=False,
        )


@app.command()
def run(
    file: Annotated[Path, typer.Argument(help="experiment file (TOML)")],
    replications: Annotated[
        int | None, typer.Option("--replications", "-n", help="override the file's replications")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="override the file's root seed")] = None,
    out_dir: OutFolder = None,
    workers: Workers = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="keep the replications an interrupted run already wrote to --out"
        ),
    ] = False,
    overwrite: Overwrite = False,
    backend: BackendOption = Backend.local,
    scheduler: SchedulerOption = None,
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
    where: Annotated[
        bool,
        typer.Option(
            "--where/--no-where",
            help="for a study with \\[\\[claims]] and \\[where]: also run it over the plausible "
            "range into OUT/where/ and say where each claim holds",
        ),
    ] = True,
    where_replications: Annotated[
        int | None,
        typer.Option(help="plausible worlds instead of the file's where.replications", min=1),
    ] = None,
    engine: EngineOption = None,
    show_traceback: ShowTraceback = False,
) -> None:
    """Run every strategy of an experiment on the same customers and write results.

    A study with \\[\\[claims]] and \\[where] is also run over the plausible range of
    its claims' parameters into OUT/where/ (a seed of its own: the results at
    the defaults do not change), and the report says where each claim holds.

    Each finished replication is written to OUT/parts/ at once; after an
    interruption, the same command with --resume computes only what is missing.
    A results folder belongs to one experiment: a folder holding another
    experiment's results (or files simsales did not write) is refused unless
    --overwrite. One run per folder at a time: a second run into a folder
    another is writing to is refused.
    """
    from simsales.cli.where import check_where_folder, run_where_step
    from simsales.labels import out_of_range
    from simsales.runner.run import RunFailed
    from simsales.runner.run import run as run_experiment

    config = _load(file, replications=replications, seed=seed, **_engine(engine))
    named = "engine" in config.model_fields_set
    config = _chosen_engine(_load_modules(file, config), named)
    _check_engine(config)
    _small_batches(config, workers)
    target = out_dir if out_dir is not None else Path("results") / config.name
    metrics = precision_metric or ["conversion"]
    _check_metrics(metrics, "--precision-metric")
    for m in metrics:
        problem = out_of_range(m, precision, "--precision") if precision is not None else None
        if problem:
            raise _bad(problem)
    if precision is not None:
        cap = max_replications or 10 * config.replications
        _check_budget(
            config, cap, "--precision" if max_replications is None else "--max-replications"
        )
    if scheduler and backend is not Backend.dask:
        raise _bad("--scheduler needs --backend dask")
    claim_out_folder(target, config, overwrite)
    with_where = where and config.where is not None
    if with_where:
        check_where_folder(target, config, overwrite)
    make_out_folder(target)  # last: bad input writes nothing, not even the folder
    with holding(target):  # the whole run, report included: one run per folder at a time
        failed: RunFailed | None = None
        where_failed: RunFailed | None = None
        try:
            with running(target, show_traceback=show_traceback), progress_bar() as progress:
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
        except RunFailed as e:
            failed = e
        if failed is not None:
            if failed.results is not None:
                results = failed.results
            else:
                _report_failures(failed, show_traceback)
                raise typer.Exit(1)
        print_summary(results)
        print_comparisons(results)
        record = results.record
        resumed = record.resumed_replications
        note = f", {resumed} resumed" if resumed else ""
        out.print(
            f"results written to {target}/ ({record.took()} on {record.workers} worker(s){note})"
        )
        if with_where:
            with running(target, show_traceback=show_traceback):
                where_failed = run_where_step(
                    config, target, workers=workers, resume=resume, overwrite=overwrite,
                    defaults=results, show_traceback=show_traceback,
                    replications=where_replications,
                )  # fmt: skip
            failed = failed or where_failed
        if report:
            write_folder_report(target, results, failure=1, workers=workers)
        _report_precision(results)
        if failed is not None:
            if failed is not where_failed:  # the where-run's are reported already
                _report_failures(failed, show_traceback)
            raise typer.Exit(1)


def _report_precision(results: Results) -> None:
    p = results.record.precision
    if p is None:
        return
    worst = p.widest()
    verdict = "met" if p.met else f"NOT met (cap of {p.max_replications} replications)"
    out.print(
        f"precision {verdict}: widest 95% CI half-width {worst[0]:.4g} ({worst[1]}, "
        f"{worst[2]}) against {p.target_half_width:g}, with {p.replications} replications"
    )
