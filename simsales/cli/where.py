"""`simsales where`, and the run over the plausible range that `run` and `run-all` do.

A study file with ``[[claims]]`` and ``[where]`` is run by ``simsales run`` at
its defaults into ``OUT/`` and over the plausible range into ``OUT/where/``;
``simsales where OUT`` analyses the stored where-run again (where each claim
holds) and rewrites the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from simsales.cli.common import (
    _bad,
    _report_failures,
    app,
    out,
    progress_bar,
)
from simsales.cli.folders import (
    holding,
    write_folder_report,
)

if TYPE_CHECKING:  # the rest is imported by the commands that use it: a quick --help
    from simsales.experiment.config import Experiment
    from simsales.runner.run import RunFailed
    from simsales.store.results import Results

__all__ = ["check_where_folder", "judge_where_run", "run_where_step"]


def check_where_folder(target: Path, config: Experiment, overwrite: bool) -> None:
    """Refuse (exit 2, nothing written) a ``where/`` folder that holds another
    experiment's results; with ``overwrite`` it is moved aside when the run starts."""
    from simsales.store.errors import StoreError
    from simsales.store.folder import check_folder, where_folder
    from simsales.store.lock import FolderBusy

    if config.where is None:
        return
    try:
        check_folder(where_folder(target), config.where_run(), overwrite=overwrite)
    except (StoreError, FolderBusy) as e:
        raise _bad(str(e)) from None


def judge_where_run(
    target: Path, where: Results, defaults: Results | None, workers: int | None = None
) -> list[str]:
    """Analyse the where-run of ``target`` (where each claim holds), write its files
    into ``target/where/`` (its charts by up to ``workers`` processes at once, default
    all cores), and return the findings in words."""
    from simsales.analysis.where_claims import where_claims
    from simsales.plots.claims import save_region_charts
    from simsales.store.folder import where_folder

    found = where_claims(where, defaults)
    folder = where_folder(target)
    found.save(folder, charts=save_region_charts(found.findings, folder, workers))
    return found.words()


def run_where_step(
    config: Experiment,
    target: Path,
    *,
    workers: int | None,
    resume: bool,
    overwrite: bool,
    defaults: Results,
    show_traceback: bool = False,
    replications: int | None = None,
) -> RunFailed | None:
    """Run ``config`` over its plausible range into ``target/where/`` with a progress
    bar, analyse it and print where each claim holds; the failure, if some worlds
    failed (the others are analysed), else None."""
    from simsales.runner.run import RunFailed
    from simsales.runner.where_run import run_where
    from simsales.store.folder import where_folder

    assert config.where is not None
    n = replications or config.where.replications
    failed: RunFailed | None = None
    with progress_bar() as progress:
        task = progress.add_task(f"{config.name}: plausible worlds (\\[where])", total=n)
        try:
            results = run_where(
                config, target, workers=workers, resume=resume, overwrite=overwrite,
                on_done=lambda _r: progress.advance(task), replications=replications,
            )  # fmt: skip
        except RunFailed as e:
            failed = e
    if failed is not None:
        if failed.results is None:
            _report_failures(failed, show_traceback)
            return failed
        results = failed.results
    took = results.record.took()
    out.print(f"plausible-range run written to {where_folder(target)}/ ({took})")
    for line in judge_where_run(target, results, defaults, workers):
        out.print(line, highlight=False, markup=False)
    if failed is not None:
        _report_failures(failed, show_traceback)
    return failed


@app.command()
def where(
    results_dir: Annotated[
        Path, typer.Argument(help="results folder of a study with \\[\\[claims]] and \\[where]")
    ],
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="write the report again")
    ] = True,
) -> None:
    """Where each claim of a study holds, from its stored run over the plausible range.

    `simsales run` of a study file with \\[\\[claims]] and \\[where] runs it at the
    defaults into RESULTS_DIR and over the plausible range into RESULTS_DIR/where/,
    and analyses both. This command analyses them again (no simulation):
    per claim, the share of worlds where it holds (95% Wilson interval), the
    PRIM boxes where it holds and where it fails, in words, and a region chart.
    Writes claims.csv, claims_worlds.csv, claims_boxes.csv, claims.json,
    claims.txt and claim_K_region.png/.pdf to RESULTS_DIR/where/, then the report.
    """
    from simsales.store.folder import where_folder
    from simsales.store.lock import FolderBusy, folder_lock
    from simsales.store.results import load_results, not_results

    folder = where_folder(results_dir)
    for d, what in ((results_dir, "the results at the defaults"), (folder, "a where-run")):
        problem = not_results(d)
        if problem:
            hint = (
                "; run the study's file with `simsales run` (it needs [[claims]] and [where])"
                if d == folder
                else ""
            )
            raise _bad(f"{what}: {problem}{hint}")
    with holding(results_dir, create=False):
        try:
            with folder_lock(folder):
                try:
                    defaults = load_results(results_dir)
                    lines = judge_where_run(results_dir, load_results(folder), defaults)
                except ValueError as e:
                    raise _bad(str(e)) from None
        except FolderBusy as e:
            raise _bad(str(e)) from None
        for line in lines:
            out.print(line, highlight=False, markup=False)
        out.print(f"where the claims hold: written to {folder}/")
        if report:
            write_folder_report(results_dir, defaults, failure=1)
