"""`simsales report`, and the report `run` writes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from simsales.cli.common import (
    Workers,
    _bad,
    _say,
    app,
)
from simsales.cli.folders import (
    holding,
    write_folder_report,
)


@app.command("report")
def report_command(
    results_dir: Annotated[Path, typer.Argument(help="a results folder written by `simsales run`")],
    metrics: Annotated[
        list[str] | None,
        typer.Option(
            "--metrics",
            help="chart this metric (violin and ECDF, or sweep chart) instead of the "
            "experiment's chart_metrics; repeat for several",
        ),
    ] = None,
    workers: Workers = None,
) -> None:
    """Write report.html (self-contained) and report.md for stored results; runs nothing."""
    from simsales.experiment.config import unknown_metrics

    problem = unknown_metrics(metrics or [])
    if problem:
        raise _bad(f"--metrics: {problem}")
    if not results_dir.is_dir():
        _say(f"{str(results_dir)!r} is not a folder")
        raise typer.Exit(2)
    with holding(results_dir, create=False):
        write_folder_report(results_dir, metrics=metrics or None, workers=workers)
