"""What commands that write into a results folder share: creating and claiming it,
holding its lock for the whole command, the exit statuses of a long job, and
writing its report at the end."""

from __future__ import annotations

import os
import traceback
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from simsales.cli.common import _bad, _say, err, out

# imported where used, as in simsales.cli.common: the command line starts at once
if TYPE_CHECKING:
    from simsales.experiment.config import Experiment
    from simsales.store.results import Results

__all__ = [
    "claim_out_folder",
    "holding",
    "make_out_folder",
    "notes",
    "running",
    "unwritable",
    "write_folder_report",
]


def unwritable(target: Path) -> str | None:
    """Why results could not be written to ``target``, checked before running."""
    if target.exists() and not target.is_dir():
        return "exists and is not a folder"
    parent = target.absolute()
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot create or write in {str(parent)!r}"
    return None


def make_out_folder(target: Path) -> None:
    """Create the output folder now, or exit 2 saying why it cannot be."""
    problem = unwritable(target)
    if problem is None:
        try:
            target.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            problem = f"cannot create it ({e.strerror})"
    if problem:
        raise _bad(f"--out {str(target)!r}: {problem}")


def claim_out_folder(target: Path, config: Experiment, overwrite: bool) -> None:
    """Refuse (exit 2, nothing written) an output folder that holds another experiment's
    results or files simsales did not write; with ``overwrite``, move it aside."""
    from simsales.store.errors import StoreError
    from simsales.store.folder import claim_folder
    from simsales.store.lock import FolderBusy

    try:
        with notes():
            moved = claim_folder(target, config, overwrite=overwrite)
    except (StoreError, FolderBusy) as e:
        raise _bad(str(e)) from None
    except OSError as e:
        raise _bad(f"--out {str(target)!r}: cannot move it aside ({e.strerror})") from None
    if moved is not None:
        err.print(
            f"[yellow]note[/]: {escape(str(target))} held other results; moved aside to "
            f"{escape(str(moved))}",
            highlight=False,
        )


def write_folder_report(
    target: Path,
    results: Results | None = None,
    failure: int = 2,
    metrics: list[str] | None = None,
    workers: int | None = None,
) -> None:
    """Write the report of a results folder; a problem exits with ``failure``
    (2, bad input, for `report`; 1 after a run, whose results are written).
    ``metrics`` are charted instead of the experiment's ``chart_metrics``, by up
    to ``workers`` processes at once (default all cores)."""
    from simsales.plots.result_charts import result_charts
    from simsales.reporting import ReportError, write_report
    from simsales.reporting.extras import read_extras
    from simsales.store.results import ResultsError, load_results

    # after a run, the charts save_results has just drawn are kept, not drawn again
    keep = [c.stem for c in result_charts(results)] if results is not None else []
    try:
        html_path, md_path = write_report(
            target, results, keep=keep, metrics=metrics, workers=workers
        )
        source = (results if results is not None else load_results(target)).results_id
        ignored = read_extras(target, source).ignored
    except (ReportError, ResultsError) as e:
        kept = " (the results are written)" if results is not None else ""
        _say(f"report{kept}: {e}")
        raise typer.Exit(failure) from None
    for name, why in sorted(ignored.items()):
        _say(f"{name} left out of the report: {why}", "note")
    out.print(f"report written to {html_path} and {md_path}")


@contextmanager
def notes() -> Iterator[None]:
    """Print the :class:`~simsales.store.lock.FolderNote` warnings raised inside as
    notes on stderr (a stale lock taken over, files in ``parts/`` left alone)."""
    from simsales.store.lock import FolderNote

    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
        if issubclass(category, FolderNote):
            _say(str(message), "note")
        else:
            shown(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.simplefilter("always", FolderNote)
        warnings.showwarning = show
        yield


@contextmanager
def holding(target: Path, create: bool = True) -> Iterator[None]:
    """Hold the lock of the results folder ``target`` for the whole command, report
    included: another command writing into it is refused with exit 2, naming the
    process that holds it. Released however the command ends. ``target`` is created
    if needed, or with ``create=False`` left alone (and not locked) if it is not a
    folder (the command then says what is wrong)."""
    from simsales.store.lock import FolderBusy, folder_lock

    with notes(), ExitStack() as stack:
        if create or target.is_dir():
            try:
                stack.enter_context(folder_lock(target))
            except FolderBusy as e:
                raise _bad(str(e)) from None
            except OSError as e:
                raise _bad(f"{str(target)!r}: cannot lock it ({e.strerror})") from None
        yield


@contextmanager
def running(
    target: Path,
    bad: tuple[type[Exception], ...] = (),
    show_traceback: bool = False,
    interrupted: str | None = None,
) -> Iterator[None]:
    """A long job writing to ``target``, with the exit statuses of every command.

    A ``StoreError``, ``FolderBusy``, ``ResultsError`` (or one of ``bad``) is bad
    input: exit 2. Ctrl-C exits 130,
    saying that the finished replications are kept for ``--resume``. Any other
    failure is a failure while running: exit 1, with its traceback if
    ``show_traceback``. ``RunFailed`` is left to the caller, which may still
    have results to show.
    """
    from simsales.runner.run import RunFailed
    from simsales.store.errors import StoreError
    from simsales.store.lock import FolderBusy
    from simsales.store.results import ResultsError

    bad_input: tuple[type[Exception], ...] = (StoreError, FolderBusy, ResultsError, *bad)
    try:
        yield
    except (RunFailed, typer.Exit):
        raise
    except bad_input as e:
        raise _bad(str(e)) from None
    except KeyboardInterrupt:
        kept = interrupted or (
            f"finished replications are kept in {target}/parts; run again with --resume to finish"
        )
        err.print(f"[bold red]interrupted[/]: {escape(kept)}", highlight=False)
        raise typer.Exit(130) from None
    except Exception as e:
        if show_traceback:
            err.print(traceback.format_exc().rstrip(), highlight=False, markup=False)
        _say(f"{type(e).__name__}: {e}", "error while running")
        raise typer.Exit(1) from None
