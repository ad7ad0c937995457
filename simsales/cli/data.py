"""`simsales data`: what a CRM opportunity export holds."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from simsales.cli.common import _bad, _load, _say, app, err, out

if TYPE_CHECKING:
    from simsales.data.spec import DataSpec

# pandas and scipy are imported by the command itself: `simsales --help` stays quick.

_KEYS = ("id", "opened", "closed", "outcome", "value", "loss_reason")
_OUTCOMES = ("won", "lost", "open")
#: Keys of [data] as the options that set them, for messages.
_OPTIONS = {
    "preset": "--preset",
    "columns": "--column",
    "outcomes": "--outcome",
    "no_decision": "--no-decision",
    "date_format": "--date-format",
    "as_of": "--as-of",
}


def _pairs(items: list[str] | None, option: str, keys: tuple[str, ...]) -> list[tuple[str, str]]:
    """``KEY=VALUE`` items as pairs; exit 2 naming the item and the keys allowed."""
    pairs = []
    for item in items or []:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip().strip('"').strip("'")
        if not sep or key not in keys or not value:
            raise _bad(
                f"{option} {item!r}: write KEY=VALUE with KEY one of {', '.join(keys)} "
                f'and VALUE not empty, e.g. {option} {keys[0]}="..."'
            )
        pairs.append((key, value))
    return pairs


def _changes(
    preset: str | None,
    columns: list[str] | None,
    outcomes: list[str] | None,
    no_decision: list[str] | None,
    date_format: str | None,
    as_of: str | None,
) -> dict[str, Any]:
    """What the options change in the [data] table."""
    changes: dict[str, Any] = {}
    if preset is not None:
        changes["preset"] = preset
    cols = _pairs(columns, "--column", _KEYS)
    if cols:
        changes["columns"] = dict(cols)
    labels: dict[str, list[str]] = {}
    for key, label in _pairs(outcomes, "--outcome", _OUTCOMES):
        labels.setdefault(key, []).append(label)
    if labels:
        changes["outcomes"] = labels
    if no_decision:
        changes["no_decision"] = list(no_decision)
    if date_format is not None:
        changes["date_format"] = date_format
    if as_of is not None:
        changes["as_of"] = as_of
    return changes


def _spec(experiment: Path | None, changes: dict[str, Any]) -> DataSpec:
    """The [data] table of ``experiment`` (or an empty one) with the options' changes."""
    from pydantic import ValidationError

    from simsales.data.spec import DataSpec
    from simsales.experiment.errors import error_lines

    base = DataSpec()
    if experiment is not None:
        config = _load(experiment)
        base = config.data if config.data is not None else base
    try:
        return base.with_changes(**changes)
    except ValidationError as e:
        lines = [_as_option(line) for line in error_lines(e, model=DataSpec)]
        raise _bad("; ".join(lines)) from None


def _as_option(line: str) -> str:
    """An error line of a key (``as_of: ...``) as one of its option (``--as-of: ...``)."""
    for key, option in _OPTIONS.items():
        if line.startswith((f"{key}:", f"{key}.")):
            return option + line[len(key) :]
    return line


@app.command("data")
def data_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="a CRM opportunity export, .csv or .parquet, one row per opportunity "
            "\\[default: the experiment's \\[data] path]"
        ),
    ] = None,
    preset: Annotated[
        str | None,
        typer.Option(
            help="the export's shape: salesforce, hubspot or plain \\[default: the first "
            "whose id, opened and outcome columns the file has]"
        ),
    ] = None,
    experiment: Annotated[
        Path | None,
        typer.Option("--experiment", "-e", help="take the \\[data] table of this experiment file"),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            help="KEY=NAME: the export's column of a field (id, opened, closed, outcome, "
            "value, loss_reason), e.g. --column opened=CreatedDate; repeat",
        ),
    ] = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option(
            "--outcome",
            help="OUTCOME=LABEL: a stage label of won, lost or open deals, e.g. --outcome "
            'won="Closed Won"; repeat (the labels given for an outcome replace the preset\'s)',
        ),
    ] = None,
    no_decision: Annotated[
        list[str] | None,
        typer.Option(
            "--no-decision",
            help="a loss reason that means no decision (replaces the default list); repeat",
        ),
    ] = None,
    date_format: Annotated[
        str | None,
        typer.Option(
            "--date-format",
            help='strftime format of the dates, e.g. "%d/%m/%Y" \\[default: ISO 8601, '
            "else the format of the first date, month before day]",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="YYYY-MM-DD: the day of the export, where open deals are censored "
            "\\[default: the latest date in the file]",
        ),
    ] = None,
) -> None:
    """Read a CRM opportunity export and print what it holds: counts by outcome, win
    rate, no-decision share, cycle times (open deals censored), deal values and
    opportunities per month. Writes nothing."""
    from simsales.data.crm import CRMError, read_opportunities
    from simsales.data.funnel import describe

    changes = _changes(preset, column, outcome, no_decision, date_format, as_of)
    spec = _spec(experiment, changes)
    path = file if file is not None else (Path(spec.path) if spec.path else None)
    if path is None:
        raise _bad("data: give the export's FILE, or an --experiment whose [data] table has a path")
    try:
        frame = read_opportunities(path, spec)
    except CRMError as e:
        lines = str(e).splitlines()
        _say(lines[0])
        for line in lines[1:]:
            err.print(line, highlight=False, markup=False)
        raise typer.Exit(2) from None
    out.print(describe(frame), highlight=False, markup=False)
