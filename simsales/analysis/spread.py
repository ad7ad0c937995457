"""Spread, not just means: quantiles, how often one strategy beats another, and the
interval of a share.

References
----------
Hyndman, R. J. & Fan, Y. (1996). Sample quantiles in statistical packages.
    *The American Statistician* 50(4), 361-365 (definition 7, numpy's default).
Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *JASA* 22(158), 209-212.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from simsales.analysis.tables import check_metrics, per_point, strategies

__all__ = [
    "CYCLE_QUANTILES",
    "QUANTILE_COLUMNS",
    "beat_probability",
    "quantiles",
    "wilson_interval",
]

#: Quantile levels reported and their column names.
LEVELS = (0.1, 0.5, 0.9)
NAMES = ("p10", "median", "p90")

#: Columns of :func:`quantiles` (a sweep's table has a leading ``point``).
QUANTILE_COLUMNS = ["strategy", "metric", "scope", *NAMES, "n"]

#: The per-replication metrics holding each replication's cycle-time quantiles.
CYCLE_QUANTILES = {"p10": "cycle_p10", "median": "cycle_median", "p90": "cycle_p90"}

#: Metrics shown by default: cost per win across replications.
DEFAULT_METRICS = ("cost_per_win", "cycle_median")


def quantiles(replications: pd.DataFrame, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """P10, median and P90 of metrics, per strategy, and of a won deal's cycle time.

    Parameters
    ----------
    replications : DataFrame
        One row per replication × strategy (× design point ``point``).
    metrics : sequence of str, optional
        Metric columns; default ``cost_per_win`` and ``cycle_median`` (those
        the table has).

    Returns
    -------
    DataFrame
        Columns ``strategy, metric, scope, p10, median, p90, n`` (a sweep's
        table gets a leading ``point``). Two scopes:

        - ``"replications"``: the quantiles of the metric's values across
          replications (Hyndman & Fan definition 7, linear interpolation),
          over the ``n`` replications where it is defined: how much the
          metric varies from one simulated market to another.
        - ``"won deals"`` (metric ``cycle_time``, when the table has
          ``cycle_p10``, ``cycle_median`` and ``cycle_p90``): the cycle time
          of a single won deal. Per-customer journeys are not stored, so each
          entry is the mean over the ``n`` replications with a win of that
          replication's own quantile of its won deals' cycle times (in days).

    Raises
    ------
    AnalysisError
        If a metric is not a column of the table.
    """
    if metrics is None:
        present = [m for m in DEFAULT_METRICS if m in replications.columns]
        metrics = check_metrics(replications, present or None)
    else:
        metrics = check_metrics(replications, metrics)
    cycle = all(c in replications.columns for c in CYCLE_QUANTILES.values())
    rows = []
    for point, part in per_point(replications):
        lead = () if point is None else (point,)
        for strategy in strategies(part):
            sub = part[part["strategy"] == strategy]
            for metric in metrics:
                v = sub[metric].to_numpy(dtype=float)
                v = v[np.isfinite(v)]
                q = np.quantile(v, LEVELS) if len(v) else np.full(3, np.nan)
                rows.append((*lead, strategy, metric, "replications", *q, len(v)))
            if cycle:
                wins = sub[list(CYCLE_QUANTILES.values())].to_numpy(dtype=float)
                wins = wins[np.isfinite(wins).all(axis=1)]
                q = wins.mean(axis=0) if len(wins) else np.full(3, np.nan)
                rows.append((*lead, strategy, "cycle_time", "won deals", *q, len(wins)))
    cols = QUANTILE_COLUMNS if "point" not in replications.columns else ["point", *QUANTILE_COLUMNS]
    return pd.DataFrame(rows, columns=cols)


def wilson_interval(successes: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / n``.

    ``successes`` may be fractional (ties counted as half a success, see
    :func:`beat_probability`); the interval is then conservative, as ties
    make the scores less variable than Bernoulli trials.

    Returns
    -------
    low, high
        NaN when ``n`` is 0.

    References
    ----------
    Wilson (1927). Whole numbers of successes go to scipy's
    ``binomtest(...).proportion_ci("wilson")``; half successes use the same
    formula by hand, as scipy takes whole numbers only.
    """
    if n <= 0:
        return (np.nan, np.nan)
    if float(successes).is_integer():
        ci = stats.binomtest(int(successes), n).proportion_ci(level, method="wilson")
        return (float(ci.low), float(ci.high))
    return _wilson_score(successes, n, level)


def _wilson_score(successes: float, n: int, level: float) -> tuple[float, float]:
    """Wilson's (1927) formula, for any ``successes`` in ``[0, n]``, ``n > 0``."""
    p = successes / n
    z = float(stats.norm.ppf(0.5 + level / 2))
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def beat_probability(
    a: np.ndarray, b: np.ndarray, level: float = 0.95
) -> tuple[float, float, float, int]:
    """Probability that ``a`` is above ``b`` in a replication, ties counting half.

    The estimate is the mean over replications of ``1[a_r > b_r] + ½·1[a_r = b_r]``
    (replications where either value is undefined are left out), with a
    Wilson score interval. For a metric where lower is better (cost, cycle
    time) the probability that ``a`` beats ``b`` is one minus it.

    Returns
    -------
    p, low, high, n
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    if n == 0:
        return (np.nan, np.nan, np.nan, 0)
    score = float(np.sum(x > y) + 0.5 * np.sum(x == y))
    lo, hi = wilson_interval(score, n, level)
    return (score / n, lo, hi, n)
