"""Per-strategy summaries of stored replication tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from simsales.experiment.errors import unknown_names

if TYPE_CHECKING:
    from simsales.store.results import Results

__all__ = ["half_widths", "mean_ci", "mean_table", "summarise", "summary_table"]


def mean_ci(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and Student-t confidence interval of the finite values of ``x``.

    Returns
    -------
    mean, low, high, n
        NaN bounds when fewer than two finite values; equal bounds when the
        values do not vary.
    """
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return (np.nan, np.nan, np.nan, 0)
    m = float(v.mean())
    if n < 2:
        return (m, np.nan, np.nan, n)
    se = float(v.std(ddof=1)) / np.sqrt(n)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * se
    return (m, m - half, m + half, n)


def summarise(replications: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Tidy summary: one row per strategy and metric.

    Parameters
    ----------
    replications : DataFrame
        One row per replication × strategy, with columns ``replication``,
        ``strategy`` and one per metric.
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        Columns ``strategy, metric, mean, ci_low, ci_high, n``; strategies in
        order of first appearance, metrics in column order. ``n`` counts the
        replications where the metric is defined (e.g. cycle time needs a win).
        A sweep's table (with a ``point`` column) is summarised per design
        point, with a leading ``point`` column; the parameter columns of
        sweeps and uncertain parameters are not summarised as metrics.
    """
    labels = {"replication", "strategy", "point", *_parameter_columns(replications)}
    metrics = [c for c in replications.columns if c not in labels]
    by_point = "point" in replications.columns
    rows = []
    groups = replications.groupby("point", sort=True) if by_point else [(None, replications)]
    for point, part in groups:
        for strategy in pd.unique(part["strategy"]):
            sub = part[part["strategy"] == strategy]
            for metric in metrics:
                m, lo, hi, n = mean_ci(sub[metric].to_numpy(dtype=float), level)
                rows.append(((point,) if by_point else ()) + (strategy, metric, m, lo, hi, n))
    cols = ["strategy", "metric", "mean", "ci_low", "ci_high", "n"]
    return pd.DataFrame(rows, columns=(["point", *cols] if by_point else cols))


def _parameter_columns(df: pd.DataFrame) -> list[str]:
    """Columns named by a key path (sweep and uncertain parameters contain a dot)."""
    return [c for c in df.columns if "." in str(c)]


def half_widths(
    replications: pd.DataFrame, metrics: list[str], level: float = 0.95
) -> dict[str, dict[str, float]]:
    """Half-width of each strategy's confidence interval, per metric.

    Returns
    -------
    dict
        ``{strategy: {metric: half_width}}``; infinite where fewer than two
        replications define the metric.
    """
    out: dict[str, dict[str, float]] = {}
    by_point = "point" in replications.columns
    keys = ["point", "strategy"] if by_point else ["strategy"]
    for key, sub in replications.groupby(keys, sort=False):
        per = {}
        for metric in metrics:
            _, lo, hi, _ = mean_ci(sub[metric].to_numpy(dtype=float), level)
            per[metric] = (hi - lo) / 2 if np.isfinite(lo) else np.inf
        label = f"point {key[0]}: {key[1]}" if by_point else str(key[0])
        out[label] = per
    return out


def summary_table(results: Results) -> pd.DataFrame:
    """The summary of ``results``, tidy: ``strategy, metric, mean, ci_low, ci_high, n``
    (and ``point`` first for a design), a 95% Student-t interval over the
    replications; the ``summary.csv`` of a results folder. See :func:`summarise`."""
    return summarise(results.replications)


def mean_table(results: Results, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """Metric means of ``results``, wide: strategies (per design point) as rows,
    ``metrics`` (default all) as columns.

    Raises
    ------
    ValueError
        If a metric is not in the results (naming the known ones, with a guess).
    """
    summary = summary_table(results)
    keys = ["point", "strategy"] if "point" in summary.columns else ["strategy"]
    wide = summary.pivot_table(
        index=keys, columns="metric", values="mean", sort=False, dropna=False
    )
    if not metrics:
        return wide
    unknown = [m for m in metrics if m not in wide.columns]
    if unknown:
        known = [str(c) for c in wide.columns]
        raise ValueError(
            f"metric(s) {unknown_names(unknown, known)} not in these results; "
            f"known: {', '.join(known)}"
        )
    return wide[list(metrics)]
