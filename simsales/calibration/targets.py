"""What the data say, and how sure: the fitted statistics with bootstrap intervals.

A CRM export is one draw of a funnel, so each statistic it gives is uncertain.
The calibration is judged against that uncertainty: the opportunities are
resampled (a nonparametric bootstrap, Efron & Tibshirani 1993), every
statistic is computed on each resample, and the resamples give
each target's standard error, its percentile interval and the covariance of
the targets (which the method of simulated moments needs for its standard
errors).

The resampling is the Poisson bootstrap (Hanley & MacGibbon 2006): each
opportunity appears a Poisson(1) number of times, so a resample's size varies
as the number of opportunities a funnel opens does. (A resample of fixed size
would give the opportunities per month no uncertainty at all.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from simsales.data.funnel import funnel_statistics

__all__ = ["Targets", "data_targets"]


@dataclass(frozen=True)
class Targets:
    """The data's value of each fitted statistic, and its bootstrap uncertainty.

    Attributes
    ----------
    names : tuple of str
        The statistics, in order.
    value : ndarray
        Each statistic on the whole export.
    draws : ndarray
        ``(resamples, targets)``: each statistic on each resample.
    """

    names: tuple[str, ...]
    value: np.ndarray
    draws: np.ndarray

    @property
    def sd(self) -> np.ndarray:
        """Bootstrap standard error of each target."""
        return np.asarray(np.nanstd(self.draws, axis=0, ddof=1), dtype=float)

    @property
    def covariance(self) -> np.ndarray:
        """Bootstrap covariance of the targets (resamples with a NaN left out)."""
        ok = np.isfinite(self.draws).all(axis=1)
        return np.atleast_2d(np.cov(self.draws[ok], rowvar=False))

    def interval(self, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
        """Percentile bootstrap interval of each target."""
        a = (1 - level) / 2
        lo, hi = np.nanquantile(self.draws, [a, 1 - a], axis=0)
        return lo, hi

    def table(self, level: float = 0.9) -> pd.DataFrame:
        """One row per target: value, standard error and interval."""
        lo, hi = self.interval(level)
        return pd.DataFrame(
            {"target": self.names, "data": self.value, "se": self.sd, "lo": lo, "hi": hi}
        )


def _resample(frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
    out = frame.iloc[rows].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def data_targets(
    frame: pd.DataFrame,
    names: tuple[str, ...] | list[str],
    resamples: int,
    rng: np.random.Generator,
) -> Targets:
    """The fitted statistics of ``frame`` and ``resamples`` bootstrap draws of them.

    Parameters
    ----------
    frame : pandas.DataFrame
        The canonical opportunity frame (:func:`simsales.data.crm.read_opportunities`).
    names : sequence of str
        The statistics to fit (keys of :func:`simsales.data.funnel.funnel_statistics`).
    resamples : int
        Bootstrap resamples.
    rng : numpy.random.Generator
        The resampling stream.

    Raises
    ------
    ValueError
        If a statistic cannot be computed from the data (for example a
        no-decision share without loss reasons), naming it.
    """
    names = tuple(names)
    whole = funnel_statistics(frame)
    value = np.array([whole[t] for t in names], dtype=float)
    bad = [t for t, v in zip(names, value, strict=True) if not np.isfinite(v)]
    if bad:
        raise ValueError(
            f"the data cannot give {', '.join(bad)} (too few deals, no loss reasons mapped, "
            "or too few closed deals for that quantile); leave it out of [calibrate] targets"
        )
    n = len(frame)
    draws = np.empty((resamples, len(names)))
    for b in range(resamples):
        rows = np.repeat(np.arange(n), rng.poisson(1.0, n))
        s = funnel_statistics(_resample(frame, rows))
        draws[b] = [s[t] for t in names]
    return Targets(names, value, draws)
