"""Writing a results folder: the data, then what people read from it beside the report.

:func:`save_results` writes what ``simsales run`` leaves in a results folder:
the data (:func:`simsales.store.results.write_results`: the run record and the
tables), ``summary.csv``, ``comparisons.csv`` (the declared paired
comparisons) and the charts (:func:`simsales.plots.result_charts.result_charts`).
The report (:func:`simsales.reporting.write.write_report`) is written apart.
"""

from __future__ import annotations

from pathlib import Path

from simsales.analysis.comparison import declared_comparisons
from simsales.analysis.summary import summary_table
from simsales.plots.result_charts import result_charts
from simsales.plots.writing import processes, write_charts
from simsales.store.files import atomic_write
from simsales.store.results import Results, write_results

__all__ = ["save_results"]


def save_results(
    results: Results, directory: str | Path, with_charts: bool = True, workers: int | None = None
) -> Path:
    """Write ``results`` into ``directory`` (created if needed): the run record
    (``manifest.json``), the tables, ``summary.csv``, ``comparisons.csv`` (when the
    experiment declares comparisons) and, ``with_charts``, every chart.

    Each file is written under a temporary name and renamed, so a reader never
    sees a half-written file. The charts are drawn by up to ``workers`` processes
    at once (default all cores; :func:`simsales.plots.writing.write_charts`); their
    files are the same whatever ``workers``.

    Returns
    -------
    Path
        The directory.

    Raises
    ------
    ValueError
        If ``workers`` is below 1 (before anything is written).
    StoreError
        If ``directory`` holds results of another experiment, or files
        simsales does not write (see :mod:`simsales.store.folder`).
    FolderBusy
        If another run is writing into ``directory`` (it holds its lock,
        :mod:`simsales.store.lock`).

    Examples
    --------
    >>> import simsales
    >>> res = simsales.run("experiments/baseline.toml", replications=2)  # doctest: +SKIP
    >>> simsales.save_results(res, "results/try")  # doctest: +SKIP
    """
    n = processes(workers)  # (refused before anything is written)
    out = write_results(results, directory)
    summary = summary_table(results)
    atomic_write(out / "summary.csv", lambda p: summary.to_csv(p, index=False))
    comparisons = declared_comparisons(results)
    if not comparisons.empty:
        atomic_write(out / "comparisons.csv", lambda p: comparisons.to_csv(p, index=False))
    if with_charts:
        write_charts(result_charts(results), out, n)
    return out
