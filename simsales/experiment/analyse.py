"""Analyses for papers, from the Python API: paired comparisons, quantiles, selection.

``compare`` reads stored results only. ``select_best`` reads stored results,
or runs an experiment with as many replications as Kim & Nelson's KN needs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from simsales.analysis.distribution import quantiles
from simsales.analysis.paired import paired_differences
from simsales.analysis.selection import N0, Selection, kn_select, next_total
from simsales.analysis.tables import AnalysisError, check_metrics, check_strategies
from simsales.engine.metrics import METRICS
from simsales.experiment.api import resolve, run
from simsales.experiment.config import Experiment
from simsales.experiment.design import design_points
from simsales.experiment.files import atomic_write
from simsales.experiment.folder import stamp
from simsales.experiment.labels import out_of_range
from simsales.experiment.results import Results, load_results, not_results

__all__ = ["Comparison", "compare", "select_best", "selection_file"]

#: Metrics compared by default, with the experiment's own ``compare_metrics``.
DEFAULT_METRICS = ("conversion", "cost_per_win", "cycle_median")


def _results(source: Results | str | Path) -> Results:
    if isinstance(source, Results):
        return source
    problem = not_results(source)
    if problem:
        raise AnalysisError(f"results: {problem}")
    return load_results(source)


@dataclass(frozen=True)
class Comparison:
    """Paired comparisons and quantiles of stored results.

    Attributes
    ----------
    paired : DataFrame
        See :func:`simsales.analysis.paired.paired_differences`.
    quantiles : DataFrame
        See :func:`simsales.analysis.distribution.quantiles`.
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
    res = _results(results)
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


def selection_file(metric: str) -> str:
    """Name of the file a selection on ``metric`` is written to: one per metric, so
    selections on different metrics live side by side."""
    return f"selection_{metric}.json"


def _write_selection(sel: Selection, directory: Path, source: str) -> Path:
    path = directory / selection_file(sel.metric)
    text = json.dumps(asdict(sel), indent=2, default=str, ensure_ascii=False) + "\n"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    stamp(directory, [path.name], source)
    return path


def select_best(
    source: Results | str | Path | Mapping[str, Any] | Experiment,
    metric: str,
    delta: float,
    alpha: float = 0.05,
    *,
    n0: int = N0,
    minimise: bool = False,
    strategies: Sequence[str] | None = None,
    point: int | None = None,
    max_replications: int | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    overwrite: bool = False,
    workers: int | None = None,
    on_batch: Callable[[int], None] | None = None,
    on_done: Callable[[int], None] | None = None,
) -> Selection:
    """The best strategy on ``metric`` by Kim & Nelson's (2001) KN procedure.

    Parameters
    ----------
    source : Results, path, mapping or Experiment
        Stored results (a ``Results`` or a results folder): KN on the
        replications there, adding none. An experiment (file ending in
        ``.toml``, mapping or ``Experiment``): runs ``n0`` replications, then
        adds replications in batches (50% more each time, never past KN's
        bound) until KN decides or ``max_replications`` is reached.
    metric : str
        The metric to select on.
    delta : float
        Indifference zone, in the metric's units (0.01 is a point of conversion).
    alpha : float
        The probability of correct selection is at least 1 - α when the best
        is at least δ better than every other strategy.
    n0 : int
        First-stage replications.
    minimise : bool
        Lower is better (cost per win, cycle time).
    strategies : sequence of str, optional
        Strategies to choose among; default all.
    point : int, optional
        For a sweep: the design point.
    max_replications : int, optional
        Cap when running an experiment; default ``20 * n0``.
    out : path, optional
        Running an experiment: its results folder (else a temporary one).
        The selection is written to ``selection_METRIC.json`` in the results
        folder (a selection on another metric is kept beside it).
    resume : bool
        Running an experiment: keep replications already in ``out``.
    overwrite : bool
        Running an experiment: move ``out`` aside if it holds other results
        (see :func:`simsales.run`).
    workers, on_batch, on_done
        Passed to :func:`simsales.run`.

    Returns
    -------
    Selection
        ``.best`` (None if undecided), ``.statement`` in plain words, the
        survivors, when each other strategy was eliminated, and the
        replications used.

    Raises
    ------
    AnalysisError
        An unknown metric, strategy or point; a bad δ, α or n0.
    ConfigError
        An invalid experiment.
    """
    kn = partial(kn_select, metric=metric, delta=delta, alpha=alpha, n0=n0, minimise=minimise)
    is_results = isinstance(source, Results) or (
        isinstance(source, (str, Path)) and Path(source).is_dir()
    )
    if is_results:
        assert isinstance(source, (Results, str, Path))
        res = _results(source)
        _in_range(metric, delta)
        sel = kn(res.replications, strategies=strategies, point=point)
        if not isinstance(source, Results):
            _write_selection(sel, Path(source), res.results_id)
        return sel
    assert not isinstance(source, Results)
    config = resolve(source)
    names = check_selection(config, metric, delta, alpha, n0, minimise, strategies, point)
    cap = max_replications or 20 * n0

    def wanted(records: pd.DataFrame) -> int | None:
        sel = kn(records, strategies=names, point=point)
        return next_total(sel, int(records["replication"].nunique()), cap)

    res = run(
        config, replications=n0, out=out, resume=resume, overwrite=overwrite, workers=workers,
        more=wanted, max_replications=cap, on_batch=on_batch, on_done=on_done,
    )  # fmt: skip
    sel = kn(res.replications, strategies=names, point=point)
    if out is not None:
        _write_selection(sel, Path(out), res.results_id)
    return sel


def check_selection(
    config: Experiment, metric: str, delta: float, alpha: float, n0: int,
    minimise: bool, strategies: Sequence[str] | None, point: int | None,
) -> list[str]:  # fmt: skip
    """Check the arguments of a sequential selection on ``config`` before anything runs.

    Returns
    -------
    list of str
        The strategies to choose among.

    Raises
    ------
    AnalysisError
        An unknown metric, strategy or point; a bad δ, α or n0.
    """
    if metric not in METRICS:
        raise AnalysisError(f"metric: unknown {metric!r}; known: {', '.join(METRICS)}")
    _in_range(metric, delta)
    names = list(strategies) if strategies is not None else config.strategy_names
    check_strategies(pd.DataFrame({"strategy": config.strategy_names}), names)
    kn_select(
        _empty(names, metric), metric=metric, delta=delta, alpha=alpha, n0=n0,
        minimise=minimise, strategies=names,
    )  # fmt: skip
    points = len(design_points(config.sweep, config.seed)) if config.sweep is not None else 0
    if (point is None and points > 1) or (point is not None and not 0 <= point < points):
        raise AnalysisError(
            f"point: {point!r} given; the experiment has "
            + (f"design points 0 to {points - 1}: say which one" if points else "no sweep")
        )
    return names


def _in_range(metric: str, delta: float) -> None:
    problem = out_of_range(metric, delta, "delta")
    if problem:
        raise AnalysisError(problem)


def _empty(names: Sequence[str], metric: str) -> pd.DataFrame:
    """A table with no replications, to check arguments before running."""
    return pd.DataFrame({"replication": [0] * len(names), "strategy": list(names), metric: 0.0})
