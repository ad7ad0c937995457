"""Paired comparisons of strategies: they meet the same customers, replication by replication."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from simsales.analysis.summary import mean_ci

__all__ = ["paired_differences"]

COLUMNS = [
    "a", "b", "metric", "mean_a", "mean_b", "diff", "diff_ci_low", "diff_ci_high",
    "rel_change", "rel_ci_low", "rel_ci_high", "n",
]  # fmt: skip


#: Fewest replications for a bootstrap interval of the relative change.
MIN_BOOTSTRAP = 10


def _ratio_of_means(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(np.mean(a, axis=axis) / np.mean(b, axis=axis) - 1.0)


def paired_differences(
    replications: pd.DataFrame,
    pairs: list[tuple[str, str]],
    metrics: list[str],
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Differences ``a - b`` of each metric, paired by replication.

    Parameters
    ----------
    replications : DataFrame
        One row per replication × strategy.
    pairs : list of (str, str)
        Strategy labels ``(a, b)`` to compare.
    metrics : list of str
        Metric columns.
    seed : int
        Seeds the bootstrap of the relative change.
    level : float
        Confidence level.

    Returns
    -------
    DataFrame
        Columns ``a, b, metric, mean_a, mean_b, diff, diff_ci_low,
        diff_ci_high, rel_change, rel_ci_low, rel_ci_high, n``: the mean
        paired difference with its Student-t interval, and the relative
        change ``mean_a / mean_b - 1`` with a paired BCa bootstrap interval
        (NaN with fewer than 10 replications, too few for a bootstrap).
        Replications where either value is undefined are left out.
    """
    rng = np.random.default_rng(seed)
    wide = replications.pivot(index="replication", columns="strategy")
    rows = []
    for a, b in pairs:
        for metric in metrics:
            x = wide[(metric, a)].to_numpy(dtype=float)
            y = wide[(metric, b)].to_numpy(dtype=float)
            ok = np.isfinite(x) & np.isfinite(y)
            x, y = x[ok], y[ok]
            d, lo, hi, n = mean_ci(x - y, level)
            rel = rlo = rhi = np.nan
            if n >= 2 and np.mean(y) != 0:
                rel = float(np.mean(x) / np.mean(y) - 1.0)
                if n >= MIN_BOOTSTRAP and np.ptp(x - y) > 0:
                    ci = stats.bootstrap(
                        (x, y), _ratio_of_means, paired=True, vectorized=True,
                        confidence_level=level, n_resamples=4999, method="BCa", rng=rng,
                    ).confidence_interval  # fmt: skip
                    rlo, rhi = float(ci.low), float(ci.high)
            rows.append(
                (a, b, metric, float(np.mean(x)) if n else np.nan,
                 float(np.mean(y)) if n else np.nan, d, lo, hi, rel, rlo, rhi, n)
            )  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)
