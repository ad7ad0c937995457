"""Paired comparisons of stored results: those the experiment declares, and any others.

:func:`compare` is the front door of ``simsales compare``: paired differences
of every pair (or those given) and P10 / median / P90, written to
``paired.csv`` and ``quantiles.csv``; :func:`declared_comparisons` are the
pairs the experiment declares in ``compare``, written to ``comparisons.csv``
with its results. Nothing is re-run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simsales.analysis.paired import COLUMNS, paired_differences
from simsales.analysis.spread import quantiles
from simsales.analysis.tables import AnalysisError, check_metrics
from simsales.store.files import atomic_write
from simsales.store.folder import stamp
from simsales.store.results import Results, load_results, not_results

__all__ = [
    "DEFAULT_METRICS",
    "Comparison",
    "compare",
    "declared_comparisons",
    "every_pair",
    "stored_results",
]


def stored_results(source: Results | str | Path) -> Results:
    """``source`` itself, or the results stored in the folder ``source``.

    Raises
    ------
    AnalysisError
        If ``source`` is not a results folder.
    ResultsError
        If its files are damaged.
    """
    if isinstance(source, Results):
        return source
    problem = not_results(source)
    if problem:
        raise AnalysisError(f"results: {problem}")
    return load_results(source)


def declared_comparisons(results: Results) -> pd.DataFrame:
    """The paired comparisons the experiment declares in ``compare`` (may be empty),
    on its ``compare_metrics``; written to ``comparisons.csv`` with the results.

    See :func:`simsales.analysis.paired.paired_differences` for the columns.
    """
    config = results.record.config
    pairs = [(a, b) for a, b in config.compare]
    if not pairs:
        return pd.DataFrame(columns=COLUMNS)
    return paired_differences(
        results.replications, pairs, list(config.compare_metrics), seed=config.seed
    )


#: Metrics compared by default, with the experiment's own ``compare_metrics``.
DEFAULT_METRICS = ("conversion", "cost_per_win", "cycle_median")


@dataclass(frozen=True)
class Comparison:
    """Paired comparisons and quantiles of stored results.

    Attributes
    ----------
    paired : DataFrame
        See :func:`simsales.analysis.paired.paired_differences`.
    quantiles : DataFrame
        See :func:`simsales.analysis.spread.quantiles`.
    source : str
        :attr:`simsales.Results.results_id` of the results compared; recorded
        with the files :meth:`save` writes.
    """

    paired: pd.DataFrame
    quantiles: pd.DataFrame
    source: str = ""

    def save(self, directory: str | Path) -> tuple[Path, Path]:
        """Write ``paired.csv`` and ``quantiles.csv`` to ``directory`` (atomically)."""
        d = Path(directory)
        out = (d / "paired.csv", d / "quantiles.csv")
        atomic_write(out[0], lambda p: self.paired.to_csv(p, index=False))
        atomic_write(out[1], lambda p: self.quantiles.to_csv(p, index=False))
        stamp(d, [p.name for p in out], self.source)
        return out


def compare(
    results: Results | str | Path,
    metrics: Sequence[str] | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
    level: float = 0.95,
    save: bool = False,
) -> Comparison:
    """Paired differences and P10 / median / P90 of stored results; nothing is re-run.

    Parameters
    ----------
    results : Results or path
        Results, or a results folder written by ``simsales run``.
    metrics : sequence of str, optional
        Default: conversion, cost per win, median cycle time and the
        experiment's ``compare_metrics``.
    pairs : sequence of (a, b), optional
        Default: every pair of strategies, once, in file order; a pair the
        experiment declares in ``compare = [[a, b]]`` reads ``a - b`` as declared,
        as in every other output.
    level : float
        Confidence level.
    save : bool
        Also write ``paired.csv`` and ``quantiles.csv`` into the folder (only
        when ``results`` is a folder).

    Raises
    ------
    AnalysisError
        Not a results folder, or an unknown metric or strategy.
    """
    res = stored_results(results)
    reps = res.replications
    config = res.record.config
    if metrics is None:
        wanted = dict.fromkeys([*DEFAULT_METRICS, *config.compare_metrics])
        metrics = [m for m in wanted if m in reps.columns]
    metrics = check_metrics(reps, metrics)
    if pairs is None:
        pairs = every_pair(reps, config.compare)
    seed = res.record.seed
    comp = Comparison(
        paired_differences(reps, pairs, metrics, seed=seed, level=level),
        quantiles(reps, metrics),
        res.results_id,
    )
    if save:
        if isinstance(results, Results):
            raise AnalysisError("save: give a results folder, not Results, to save into")
        comp.save(results)
    return comp


def every_pair(reps: pd.DataFrame, declared: Sequence[Sequence[str]]) -> list[tuple[str, str]]:
    """Every pair of the table's strategies once, in order of appearance, each
    declared pair ``[a, b]`` the way it was declared (``a - b``)."""
    names = [str(s) for s in pd.unique(reps["strategy"])]
    wanted = {(str(a), str(b)) for a, b in declared}
    return [
        (b, a) if (b, a) in wanted else (a, b) for k, a in enumerate(names) for b in names[k + 1 :]
    ]
