"""Paired comparisons of strategies: they meet the same customers, replication by replication.

Every strategy of a replication faces the same leads (common random numbers,
CRN), so strategy differences are computed within each replication and the
customers' own variation cancels out of them.

References
----------
Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    *Scandinavian Journal of Statistics* 6(2), 65-70.
Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences*,
    2nd ed. Erlbaum (d_z, the standardised mean of paired differences).
Efron, B. (1987). Better bootstrap confidence intervals. *JASA* 82(397),
    171-185 (BCa).
Law, A. M. (2015). *Simulation Modeling and Analysis*, 5th ed., McGraw-Hill,
    sections 10.2 and 11.2 (paired-t and Welch intervals; common random numbers).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats

from simsales.analysis.spread import beat_probability
from simsales.analysis.summary import mean_ci
from simsales.analysis.tables import check_metrics, check_strategies, per_point, strategies
from simsales.seeding import bootstrap_generator

__all__ = ["COLUMNS", "bootstrap_mean_ci", "holm", "paired_differences"]

COLUMNS = [
    "a", "b", "metric", "mean_a", "mean_b", "diff", "diff_ci_low", "diff_ci_high",
    "rel_change", "rel_ci_low", "rel_ci_high", "n",
    "diff_boot_low", "diff_boot_high", "effect_dz", "p_value", "p_holm",
    "unpaired_half_width", "crn_variance_ratio",
    "p_a_above_b", "p_a_above_b_low", "p_a_above_b_high",
]  # fmt: skip


#: Fewest replications for a bootstrap interval.
MIN_BOOTSTRAP = 10
#: Bootstrap resamples.
RESAMPLES = 4999


def _ratio_of_means(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.asarray(np.mean(a, axis=axis) / np.mean(b, axis=axis) - 1.0)


def holm(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN entries stay NaN and are not counted).

    With the ``m`` finite p-values sorted, ``p_(1) <= ... <= p_(m)``, the
    adjusted value of the ``j``-th is ``max_{i <= j} min(1, (m - i + 1) p_(i))``.
    Rejecting where the adjusted value is at most α controls the family-wise
    error rate at α under any dependence between the tests (Holm 1979).
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if m == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    stepped = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(stepped)
    return out


def bootstrap_mean_ci(
    d: np.ndarray, level: float = 0.95, rng: np.random.Generator | int | None = None
) -> tuple[float, float]:
    """BCa bootstrap interval of the mean of paired differences ``d = a - b``.

    Resampling the differences resamples whole replications (both strategies
    together), which is the paired bootstrap of ``mean(a - b)``.
    ``scipy.stats.bootstrap`` with 4,999 resamples (Efron 1987).
    """
    return _bootstrap((np.asarray(d, dtype=float),), np.mean, level, rng)


def _bootstrap(
    data: tuple[np.ndarray, ...],
    statistic: Callable[..., np.ndarray],
    level: float,
    rng: np.random.Generator | int | None,
) -> tuple[float, float]:
    """BCa interval of ``statistic``; several samples are resampled together (paired)."""
    # A resample can hold only replications where b is 0 (a relative change with no
    # wins): its ratio is infinite, which BCa takes as it is, without numpy warnings.
    # Where BCa cannot be computed at all (a degenerate bootstrap distribution) scipy
    # returns NaN bounds, which the tables show as undefined: its warning is dropped.
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        ci = stats.bootstrap(
            data, statistic, paired=len(data) > 1, vectorized=True, confidence_level=level,
            n_resamples=RESAMPLES, method="BCa", rng=rng,
        ).confidence_interval  # fmt: skip
    return float(ci.low), float(ci.high)


def _row(x: np.ndarray, y: np.ndarray, level: float, rng: np.random.Generator) -> list[float]:
    """Every statistic of one pair and metric, from its paired finite values.

    In the order of ``COLUMNS[3:]``; ``p_holm`` is filled in later.
    """
    d = x - y
    mean, lo, hi, n = mean_ci(d, level)
    nan = np.nan
    rel = rlo = rhi = blo = bhi = dz = pval = unpaired = crn = nan
    # Differences at rounding level (1e-12 of the values) are no differences: a
    # spread that small is no spread, and a mean that small is zero; the t-test and
    # the bootstrap would only measure floating-point noise.
    tol = 1e-12 * float(np.max(np.abs(np.r_[x, y]))) if n else 0.0
    vary = n >= 2 and float(np.ptp(d)) > tol
    zero = abs(mean) <= tol
    if n >= 2 and np.mean(y) != 0:
        rel = float(np.mean(x) / np.mean(y) - 1.0)
    if n >= MIN_BOOTSTRAP and vary:
        if np.isfinite(rel):
            rlo, rhi = _bootstrap((x, y), _ratio_of_means, level, rng)
        blo, bhi = bootstrap_mean_ci(d, level, rng)
    if n >= 2:
        sd = float(np.std(d, ddof=1))
        if vary:
            dz = mean / sd
            pval = float(stats.ttest_rel(x, y).pvalue)
        else:  # a constant difference: certainly not zero, or zero
            dz = nan if zero else float(np.copysign(np.inf, mean))
            pval = 1.0 if zero else 0.0
        va, vb = float(np.var(x, ddof=1)), float(np.var(y, ddof=1))
        if va + vb > 0:
            with warnings.catch_warnings():
                # a strategy whose values differ only at rounding level: scipy warns
                # of precision loss in its variance, which is ~0 either way and
                # does not matter beside the other's (or makes the width ~0)
                warnings.simplefilter("ignore", RuntimeWarning)
                welch = stats.ttest_ind(x, y, equal_var=False).confidence_interval(level)
            unpaired = float(welch.high - welch.low) / 2
            # no spread of the differences: pairing removed all the variance (and
            # where the two are equal, there is nothing to compare)
            crn = (va + vb) / sd**2 if vary else (nan if zero else np.inf)
        else:
            unpaired = 0.0
    beat, beat_lo, beat_hi, _ = beat_probability(x, y, level)
    mean_a = float(np.mean(x)) if n else nan
    mean_b = float(np.mean(y)) if n else nan
    return [mean_a, mean_b, mean, lo, hi, rel, rlo, rhi, n, blo, bhi, dz, pval, nan,
            unpaired, crn, beat, beat_lo, beat_hi]  # fmt: skip


def paired_differences(
    replications: pd.DataFrame,
    pairs: Sequence[tuple[str, str]] | None = None,
    metrics: Sequence[str] | None = None,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """Differences ``a - b`` of each metric, paired by replication.

    Parameters
    ----------
    replications : DataFrame
        One row per replication × strategy (× design point ``point``).
    pairs : sequence of (str, str), optional
        Strategy labels ``(a, b)`` to compare; default every pair of
        strategies, each once, in order of first appearance.
    metrics : sequence of str, optional
        Metric columns; default all of them.
    seed : int
        Seeds the bootstrap intervals.
    level : float
        Confidence level of every interval.

    Returns
    -------
    DataFrame
        One row per pair and metric (a sweep's table gets a leading ``point``
        and is compared within each design point), columns :data:`COLUMNS`:

        - ``mean_a, mean_b``; ``diff`` the mean paired difference ``a - b``
          with its Student-t interval ``diff_ci_low, diff_ci_high``;
        - ``rel_change = mean_a / mean_b - 1`` with a paired BCa bootstrap
          interval ``rel_ci_low, rel_ci_high``;
        - ``n`` the replications where both values are defined (the others are
          left out, pair by pair);
        - ``diff_boot_low, diff_boot_high``: paired BCa bootstrap interval of
          the mean difference (:func:`bootstrap_mean_ci`: 4,999 resamples of
          whole replications);
        - ``effect_dz``: Cohen's d_z = mean(a - b) / sd(a - b), the paired
          (within-replication) standardised effect; ±inf for a constant
          non-zero difference;
        - ``p_value``: two-sided paired t-test of mean(a - b) = 0; ``p_holm``:
          Holm-adjusted across the pairs, separately for each metric (and
          design point);
        - ``unpaired_half_width``: half-width of the Welch interval of the
          difference of the means on the same data, as if the strategies had
          run on independent customers;
        - ``crn_variance_ratio``: ``(var(a) + var(b)) / var(a - b)``, the
          factor by which common random numbers divide the variance of the
          estimated difference compared with independent runs of the same
          number of replications (how many independent replications one
          paired replication is worth); above 1 when the strategies' results
          are positively correlated;
        - ``p_a_above_b`` with ``_low, _high``: the share of replications in
          which ``a`` is above ``b`` (ties count half) and its Wilson interval,
          see :func:`simsales.analysis.spread.beat_probability`.

        Bootstrap intervals need at least 10 replications and a difference
        that varies (NaN otherwise); t-based statistics need 2.

    Raises
    ------
    AnalysisError
        If a metric or strategy is not in the table.
    """
    metrics = check_metrics(replications, metrics)
    if pairs is None:
        pairs = list(combinations(strategies(replications), 2))
    check_strategies(replications, [s for p in pairs for s in p])
    rng = bootstrap_generator(seed)
    by_point = "point" in replications.columns
    frames = []
    for point, part in per_point(replications):
        wide = part.pivot(index="replication", columns="strategy")
        rows = []
        for a, b in pairs:
            for metric in metrics:
                x = wide[(metric, a)].to_numpy(dtype=float)
                y = wide[(metric, b)].to_numpy(dtype=float)
                ok = np.isfinite(x) & np.isfinite(y)
                rows.append([a, b, metric, *_row(x[ok], y[ok], level, rng)])
        frame = pd.DataFrame(rows, columns=COLUMNS)
        for _, idx in frame.groupby("metric", sort=False).groups.items():
            frame.loc[idx, "p_holm"] = holm(frame.loc[idx, "p_value"].to_numpy())
        if by_point:
            frame.insert(0, "point", point)
        frames.append(frame)
    cols = ["point", *COLUMNS] if by_point else COLUMNS
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
