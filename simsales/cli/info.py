"""`simsales list`: the names an experiment file and the commands accept."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from simsales.cli.common import _bad, _load, _load_modules, app, out

# The model's modules are imported by the command itself: `simsales --help` stays quick.

#: What `simsales list` lists, in the order of its help.
TOPICS = ("metrics", "strategies", "distributions")


def _first_line(obj: object) -> str:
    """The first line of a docstring, without reStructuredText's double backquotes."""
    doc = (inspect.getdoc(obj) or "").strip()
    return doc.splitlines()[0].replace("``", "") if doc else ""


def _table(title: str, heads: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> Table:
    """A table of plain text (names and docstrings may hold square brackets)."""
    t = Table(title=Text(title), title_justify="left")
    for k, head in enumerate(heads):
        t.add_column(head, no_wrap=k == 0)  # names whole, to copy into a file
    for row in rows:
        t.add_row(*(Text(cell) for cell in row))
    return t


def _metrics() -> Table:
    from simsales.engine.metrics import METRICS
    from simsales.labels import metric_label

    return _table(
        "metrics: columns of replications.parquet and summary.csv, names for --metric",
        ("metric", "unit", "label on charts", "meaning"),
        [(m, unit, metric_label(m)[0], meaning) for m, (unit, meaning) in METRICS.items()],
    )


def _strategies() -> Table:
    from simsales.experiment.plugins import advertised_strategies, distribution
    from simsales.model.strategies import available_strategies, strategy_class

    rows = []
    for name in available_strategies():
        cls = strategy_class(name)
        source = "built-in" if cls.__module__.startswith("simsales.") else cls.__module__
        rows.append((name, source, _first_line(cls)))
    for name, eps in sorted(advertised_strategies().items()):  # metadata only: not imported
        if name not in available_strategies():
            source = ", ".join(distribution(ep) for ep in eps)
            rows.append((name, source, "installed package; loaded when an experiment names it"))
    return _table(
        "strategies: names for `name` or `strategy` in [[strategies]]",
        ("strategy", "from", "what it does"),
        rows,
    )


def _distributions() -> Table:
    from simsales.experiment.toml_values import toml
    from simsales.model.distributions import DISTRIBUTIONS, Beta, keys

    rows = [
        (tag, "\n".join(f"{k}: {meaning}" for k, meaning in keys(cls).items()), _first_line(cls))
        for tag, cls in DISTRIBUTIONS.items()
    ]
    return _table(
        "distributions: inline tables such as "
        + toml(Beta(a=2.0, b=3.0))
        + ", for population traits and uncertain",
        ("dist", "keys", "what it is"),
        rows,
    )


@app.command("list")
def list_command(
    topic: Annotated[str, typer.Argument(help="metrics, strategies or distributions")],
    experiment: Annotated[
        Path | None,
        typer.Option(
            "--experiment",
            "-e",
            help="strategies: also those registered by this experiment file's modules",
        ),
    ] = None,
) -> None:
    """List the metrics, strategies or distributions, with what each one is."""
    from simsales.experiment.errors import did_you_mean

    if topic not in TOPICS:
        hint = did_you_mean(topic, TOPICS)
        raise _bad(
            f"list: unknown topic {topic!r}; {hint + ' ' if hint else ''}"
            f"allowed: {', '.join(TOPICS)}"
        )
    if experiment is not None:
        if topic != "strategies":
            raise _bad("--experiment is for `simsales list strategies` only")
        _load_modules(experiment, _load(experiment))  # they register their strategies
    table = {"metrics": _metrics, "strategies": _strategies, "distributions": _distributions}
    out.print(table[topic]())
