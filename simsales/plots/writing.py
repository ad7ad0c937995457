"""Writing many charts: one after another, or several processes at once.

A chart's PNG and PDF take about a second to write (300 dpi, and the PDF's
fonts subset and embedded), whatever the size of the run, so the baseline's
eight charts took about nine seconds of one core after the replications had
used all of them. :func:`write_charts` hands them to ``workers`` processes
started by ``fork``: each child inherits the charts already built in memory
(their data and how to draw them; nothing is pickled), draws its share and
writes the files. A chart's files are byte-identical whichever process draws
it (tested). Where ``fork`` is not available (Windows), the charts are written
one after another.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from simsales.plots.captioned import Chart
from simsales.plots.style import save_figure

__all__ = ["processes", "write_charts"]

#: The charts being written, for the forked children to find (set only while
#: :func:`write_charts` runs).
_PENDING: list[Chart] = []


def _child() -> None:
    """Start a drawing process: what it prints goes to the process's own streams,
    not through what the parent put in front of them (a progress bar's console,
    whose lock a thread of the parent may have held when it forked)."""
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__


def processes(workers: int | None) -> int:
    """The processes ``workers`` asks for: ``None`` (or 0) is all cores, as for the
    replications (:func:`simsales.run`); below that is refused.

    Raises
    ------
    ValueError
        If ``workers`` is below 0.
    """
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    return n


def _write(chart: Chart, directory: Path) -> None:
    save_figure(chart.draw(), Path(directory) / chart.stem)


def _write_pending(i: int, directory: Path) -> None:
    _write(_PENDING[i], directory)


def write_charts(charts: Sequence[Chart], directory: Path, workers: int = 1) -> None:
    """Draw each of ``charts`` and write it as ``directory/STEM.png`` and ``.pdf``.

    Parameters
    ----------
    charts : sequence of Chart
        The charts, built but not drawn.
    directory : Path
        Where the files go (it must exist).
    workers : int
        Processes that draw at once: at most this many, the number of charts
        and the machine's cores. 1 (or a platform without ``fork``) writes them
        here, one after another.

    Raises
    ------
    Exception
        The first error a chart raised (in ``charts`` order), once the charts
        being drawn are written; the charts not yet started are not drawn, as
        one after another they would not be. An interruption (Ctrl-C) is
        raised the same way.
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    n = min(workers, len(charts), os.cpu_count() or 1)
    if n <= 1 or "fork" not in mp.get_all_start_methods() or _PENDING:
        for chart in charts:
            _write(chart, directory)
        return
    pool = None
    try:
        _PENDING[:] = charts
        pool = ProcessPoolExecutor(n, mp_context=mp.get_context("fork"), initializer=_child)
        # (with fork, every child starts at the first submit, with its copy of the charts)
        futures = [pool.submit(_write_pending, i, Path(directory)) for i in range(len(charts))]
        _PENDING.clear()
        for future in futures:
            future.result()
    except BaseException:  # a chart failed, or an interruption: start no more of them
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        _PENDING.clear()
    pool.shutdown()
