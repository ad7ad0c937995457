"""`simsales calibrate` (fit the buyers to a funnel) and `simsales synth-crm`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from simsales.cli.common import (
    Backend,
    BackendOption,
    EngineOption,
    OutFolder,
    SchedulerOption,
    ShowTraceback,
    Workers,
    _bad,
    _check_engine,
    _engine,
    _load,
    _load_modules,
    app,
    out,
    progress_bar,
)
from simsales.cli.folders import holding, make_out_folder, running

if TYPE_CHECKING:
    import pandas as pd

    from simsales.experiment.config import Experiment

__all__ = ["calibrate", "synth_crm"]


def _read_data(file: Path, config: Experiment, data: Path | None) -> pd.DataFrame:
    """The experiment's ``[data]`` export (or ``data`` with its column map), or exit 2."""
    from simsales.data.crm import CRMError, read_opportunities
    from simsales.data.spec import DataSpec

    spec = config.data if config.data is not None else DataSpec()
    if data is not None:
        path = data
    elif spec.path is not None:
        path = Path(spec.path)
        if not path.is_absolute():
            path = file.parent / path
    else:
        raise _bad(f"{file}: no data: give --data FILE or a [data] table with its path")
    try:
        return read_opportunities(path, spec)
    except CRMError as e:
        raise _bad(str(e)) from None
    except (OSError, ValueError) as e:
        raise _bad(f"--data {str(path)!r}: {e}") from None


@app.command()
def calibrate(
    file: Annotated[Path, typer.Argument(help="experiment file (TOML) with [calibrate]")],
    data: Annotated[
        Path | None,
        typer.Option(help="CRM export (CSV or Parquet) \\[default: the file's \\[data] path]"),
    ] = None,
    out_dir: OutFolder = None,
    workers: Workers = None,
    backend: BackendOption = Backend.local,
    scheduler: SchedulerOption = None,
    method: Annotated[
        str | None, typer.Option(help="msm or abc \\[default: the file's calibrate.method]")
    ] = None,
    engine: EngineOption = None,
    show_traceback: ShowTraceback = False,
) -> None:
    """Fit the parameters named in \\[calibrate] so that the experiment's strategy
    reproduces the funnel of a CRM export; check the fit; write it to
    OUT/calibration/ (default results/NAME/calibration/).

    An interrupted calibration resumes: run the same command again.
    """
    import os

    from simsales.calibration.fit import calibrate as fit

    config = _load(file, **_engine(engine))
    if config.calibrate is None:
        raise _bad(
            f"{file}: no [calibrate] table: name the parameters to fit (docs/calibration.md)"
        )
    spec = config.calibrate
    if method is not None:
        if method not in ("msm", "abc"):
            raise _bad(f"--method {method!r}: allowed: msm, abc")
        spec = spec.model_copy(update={"method": method})
    named = "engine" in config.model_fields_set
    config = _load_modules(file, config)
    _check_engine(config)
    frame = _read_data(file, config, data)
    target = (out_dir or Path("results") / config.name) / "calibration"
    make_out_folder(target)
    n_workers = workers or os.cpu_count() or 1
    out.print(
        f"calibrating {len(spec.parameters)} parameters of {config.name} to "
        f"{len(frame)} opportunities ({spec.method}, {n_workers} workers)",
        highlight=False, markup=False,
    )  # fmt: skip
    kept = (
        f"the simulated exports so far are kept in {target}/evaluations.jsonl; "
        "run the same command to go on"
    )
    with holding(target), progress_bar() as bar:
        task = bar.add_task("simulated exports", total=None)
        with running(target, (FileExistsError, ValueError), show_traceback, kept):
            result = fit(
                config, frame, spec, target, workers=n_workers, backend=backend.value,
                scheduler=scheduler, on_done=lambda k: bar.update(task, completed=k),
                on_stage=lambda s: bar.console.print(escape(s), highlight=False), named=named,
            )  # fmt: skip
    for line in result.words():
        out.print(f"- {line}", highlight=False, markup=False)
    info = result.info
    out.print(
        f"{info['simulations']} simulated exports ({info['resumed_simulations']} resumed) in "
        f"{info['wall_seconds']:.0f} s; written to {target}",
        highlight=False, markup=False,
    )  # fmt: skip
    from simsales.plots.calibration import fit_charts
    from simsales.reporting.calibration import write_calibration_report

    with holding(target):
        charts = fit_charts(target)
        reports = write_calibration_report(target)
    for path in [*charts, *reports]:
        out.print(f"wrote {path}", highlight=False, markup=False)


@app.command("synth-crm")
def synth_crm(
    file: Annotated[Path, typer.Argument(help="experiment file (TOML)")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="the CSV (or .parquet) to write")],
    strategy: Annotated[
        str | None, typer.Option(help="the strategy that sold \\[default: the file's first]")
    ] = None,
    replication: Annotated[int, typer.Option(help="which replication", min=0)] = 0,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="a parameter's true value, KEY.PATH=VALUE (repeatable)"),
    ] = None,
    start: Annotated[str, typer.Option(help="calendar date of day 0")] = "2025-01-01",
    price: Annotated[float, typer.Option(help="value written on won deals", min=0)] = 1.0,
) -> None:
    """Write a synthetic CRM export from known parameters, through the engine itself,
    and beside it OUT.truth.json with the values used (for testing a calibration)."""
    import json

    import pandas as pd

    from simsales.calibration.synthetic import synthetic_export, write_export

    config = _load(file)
    config = _load_modules(file, config)
    values: dict[str, float] = {}
    for item in set_ or []:
        key, sep, value = item.partition("=")
        try:
            values[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise _bad(f"--set {item!r}: expected KEY.PATH=NUMBER")
    try:
        frame = synthetic_export(
            config, values, strategy=strategy, replication=replication,
            start=pd.Timestamp(start), price=price,
        )  # fmt: skip
    except ValueError as e:
        raise _bad(str(e)) from None
    if out_file.suffix not in (".csv", ".parquet"):
        raise _bad(f"--out {str(out_file)!r}: allowed: a .csv or .parquet file")
    write_export(frame, out_file)
    truth = {
        "experiment": config.name, "seed": config.seed, "replication": replication,
        "strategy": frame.attrs["strategy"], "values": values, "start": start, "price": price,
        "as_of": str(frame.attrs["as_of"].date()), "opportunities": len(frame),
        "note": "synthetic: written by simsales synth-crm, not real data",
    }  # fmt: skip
    truth_path = out_file.with_name(out_file.name + ".truth.json")
    truth_path.write_text(json.dumps(truth, indent=2) + "\n")
    counts = frame["outcome"].value_counts()
    out.print(
        f"wrote {len(frame)} opportunities ({counts.get('won', 0)} won, {counts.get('lost', 0)} "
        f"lost, {counts.get('open', 0)} open) to {out_file}, and {truth_path.name}",
        highlight=False, markup=False,
    )  # fmt: skip
