"""What every command shares: the app, the consoles, messages, input checks."""

from __future__ import annotations

import math
import warnings
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from simsales.version import __version__

# Everything else is imported where it is used: `simsales --help` and `validate`
# must not wait for pandas, scipy, matplotlib or SALib (benchmarks/startup.py).
if TYPE_CHECKING:
    from simsales.experiment.config import Experiment
    from simsales.experiment.loader import ConfigError
    from simsales.runner.run import RunFailed


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


def _version(show: bool) -> None:
    if show:
        out.print(f"simsales {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Options of ``simsales`` itself (the help text is the app's)."""


out = Console()
if not out.is_terminal:  # piped or captured: do not squeeze the table to 80 columns
    out = Console(width=160)
err = Console(stderr=True, soft_wrap=True)

#: The summary `run` prints: (metric, column head); values are shown in the
#: metric's unit as everywhere else (:func:`simsales.labels.format_value`).
_SHOWN = [
    ("conversion", "conversion"),
    ("wins", "wins"),
    ("cost_per_win", "cost/win"),
    ("cost_of_sale_share", "cost of sale"),
    ("cycle_median", "cycle"),
    ("no_decision_share", "no-decision"),
    ("roise", "ROISE"),
    ("churn_rate", "churn"),
    ("total_cost_share", "total cost/rev"),
]


#: ``--workers``, shared by every command that runs replications.
Workers = Annotated[int | None, typer.Option(help="worker processes \\[default: all cores]", min=1)]
#: ``--out`` of a command that writes one results folder.
OutFolder = Annotated[
    Path | None, typer.Option("--out", "-o", help="output folder \\[default: results/NAME]")
]


#: ``--backend`` and ``--scheduler``, of every command that runs simulations.
BackendOption = Annotated[
    Backend, typer.Option("--backend", help="local worker processes, or a Dask cluster")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler", help="Dask scheduler address \\[default: a local cluster on 127.0.0.1]"
    ),
]
#: ``--overwrite``, of every command that runs into a results folder.
Overwrite = Annotated[
    bool,
    typer.Option(
        "--overwrite",
        help="if the output folder holds another experiment's results or files simsales did "
        "not write, move it aside whole (to OUT.replaced-TIME) instead of refusing",
    ),
]
#: ``--traceback``, of every command that runs replications.
ShowTraceback = Annotated[
    bool,
    typer.Option(
        "--traceback",
        envvar="SIMSALES_DEBUG",
        help="show the full traceback of each failed replication (or set SIMSALES_DEBUG=1)",
    ),
]


def _say(message: str, what: str = "error") -> None:
    """Print ``what: message`` to stderr; the message is text, never markup (a path
    or a value may hold square brackets)."""
    colour = "bold red" if what.startswith("error") else "bold yellow"
    err.print(f"[{colour}]{what}:[/] " + escape(message), highlight=False)


def _load(file: Path, **overrides: object) -> Experiment:
    """The experiment in ``file``, or exit 2 listing its problems. Implausible values
    are printed as warnings on stderr, and the command goes on."""
    from simsales.experiment.loader import ConfigError, resolve
    from simsales.experiment.plausible import ImplausibleValueWarning, implausible_values

    try:
        with warnings.catch_warnings():
            # printed below, as the command line prints every message
            warnings.simplefilter("ignore", ImplausibleValueWarning)
            config = resolve(file, **overrides)
    except ConfigError as e:
        _invalid(e)
    for line in implausible_values(config):
        _say(line, "warning")
    return config


def _invalid(e: ConfigError) -> NoReturn:
    """Print an invalid experiment's problems and exit 2."""
    _say(f"invalid experiment {e.source}")
    for line in e.errors:
        err.print(f"  - {line}", highlight=False, markup=False)
    raise typer.Exit(2) from None


def _shown(module: str) -> str:
    """A module of ``modules`` as shown: a file relative to the working folder if under it."""
    if not module.endswith(".py"):
        return module
    try:
        return str(Path(module).relative_to(Path.cwd()))
    except ValueError:
        return module


def _load_modules(file: Path, config: Experiment) -> Experiment:
    """Import the experiment's ``modules`` and the installed packages' strategies it
    uses as a step of its own (it runs their code), and check its strategies; exit 2
    if a module or entry point fails or a strategy is unknown."""
    from simsales.experiment.loader import ConfigError, load_modules

    if not config.modules and not config.unchecked_strategies:
        return config
    if config.modules:
        out.print(
            f"loading user modules: {', '.join(_shown(m) for m in config.modules)}",
            highlight=False,
            markup=False,
        )

    def announce(what: str) -> None:
        out.print(f"loading strategy {what}", highlight=False, markup=False)

    try:
        return load_modules(config, str(file), announce)
    except ConfigError as e:
        _invalid(e)


def _check_budget(config: Experiment, replications: int, option: str) -> None:
    """Exit 2 if ``config`` run with up to ``replications`` replications (the cap an
    option such as ``--precision`` may reach) is over a resource limit."""
    from simsales.experiment.budget import budget_problems

    problems = budget_problems(config, replications)
    if problems:
        raise _bad(f"{option}: up to {replications} replications; " + "; ".join(problems))


def _fmt(metric: str, mean: float, lo: float, hi: float) -> str:
    """``mean ±half-width`` of a metric, in its unit."""
    from simsales.labels import format_difference, format_value

    if not math.isfinite(mean):
        return "–"
    s = format_value(metric, mean)
    if math.isfinite(lo):
        s += " ±" + format_difference(metric, (hi - lo) / 2, signed=False).split(" ")[0]
    return s


def _interval(m: object, lo: object, hi: object, scale: float, fmt: str) -> str:
    """``m [lo, hi]`` scaled and formatted; a dash for what is undefined."""
    vals = [float(v) * scale if isinstance(v, int | float) else math.nan for v in (m, lo, hi)]
    shown = [fmt.format(v) if math.isfinite(v) else "–" for v in vals]
    if not math.isfinite(vals[0]):
        return "–"
    return f"{shown[0]} [{shown[1]}, {shown[2]}]"


def _difference(metric: str, m: object, lo: object, hi: object) -> str:
    """A difference ``m [lo, hi]`` of a metric in its unit (``+2.1 pp [0.4, 3.8]``)."""
    from simsales.labels import format_difference

    if not isinstance(m, int | float) or not math.isfinite(m):
        return "–"
    ends = [format_difference(metric, v).removesuffix(" pp") for v in (lo, hi)]
    return f"{format_difference(metric, m)} [{ends[0]}, {ends[1]}]"


def _report_failures(failed: RunFailed, show_traceback: bool = False) -> None:
    """Each failed replication in a line (where in the user's code it was raised), or
    with its whole traceback."""
    others = "the others are in the results" if failed.results is not None else "all of them"
    err.print(
        f"[bold red]{len(failed.failures)} replication(s) failed[/] ({others}):",
        highlight=False,
    )
    for f in failed.failures:
        err.print(f"  - {f.describe()}", highlight=False, markup=False)
        if show_traceback:
            err.print(f.traceback.rstrip(), highlight=False, markup=False)
    if not show_traceback:
        err.print(
            "  run again with --traceback (or SIMSALES_DEBUG=1) to see each full traceback; "
            "failures.json in the output folder has them too",
            highlight=False,
            markup=False,
        )


class Engine(StrEnum):
    """The engines an experiment can run on."""

    simpy = "simpy"
    array = "array"


EngineOption = Annotated[
    Engine | None,
    typer.Option(
        help="override the file's engine: simpy (exact event order) or array (many buyers at "
        "once, equal in distribution, faster; docs/performance.md)",
        show_default=False,
    ),
]


def _engine(engine: Engine | None) -> dict[str, str]:
    """The override of ``--engine``: none unless given."""
    return {} if engine is None else {"engine": engine.value}


def _chosen_engine(config: Experiment, named: bool) -> Experiment:
    """The experiment on its engine (a design the file gives no engine runs on the
    array engine when it can, :func:`simsales.runner.replications.choose_engine`);
    says so when the default chose it."""
    from simsales.runner.replications import choose_engine

    config = choose_engine(config, named)
    if config.engine_note:
        out.print(f"engine: {config.engine}, {config.engine_note}", highlight=False, markup=False)
    return config


def _small_batches(config: Experiment, workers: int | None) -> None:
    """Say so when the array engine would step too few cells at a time to gain on the
    SimPy engine (:data:`simsales.runner.replications.ARRAY_BREAK_EVEN`)."""
    from simsales.runner.replications import ARRAY_BREAK_EVEN, batch_cells

    if config.engine != "array":
        return
    cells = batch_cells(config, workers)
    if cells < ARRAY_BREAK_EVEN:
        _say(
            f"the array engine steps {cells} cells (replications x strategies) at a time "
            f"here; on the baseline it was slower than the SimPy engine below about "
            f"{ARRAY_BREAK_EVEN} (docs/performance.md); --engine simpy runs the exact engine",
            "note",
        )


def _check_engine(config: Experiment) -> None:
    """Exit 2 if the experiment's engine cannot run it, saying why (its strategy
    modules must be imported first)."""
    from simsales.runner.replications import engine_problems

    problems = engine_problems(config)
    if problems:
        raise _bad(
            f"engine = {config.engine!r} cannot run {config.name!r}: "
            + "; ".join(problems)
            + ' (engine = "simpy", or --engine simpy, runs it)'
        )


def _bad(message: str) -> typer.Exit:
    _say(message)
    return typer.Exit(2)


def _check_metrics(metrics: list[str] | None, option: str = "--metric") -> None:
    from simsales.engine.metrics import METRICS
    from simsales.experiment.errors import unknown_names

    unknown = [m for m in metrics or [] if m not in METRICS]
    if unknown:
        raise _bad(
            f"{option}: unknown metric(s) {unknown_names(unknown, METRICS)}; "
            f"known: {', '.join(METRICS)}"
        )


def progress_bar() -> Progress:
    """The progress bar of every long command: description, bar, done/total, time."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    )
