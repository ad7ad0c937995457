"""Sorting the array engine's rows in an order their batch cannot change, cheaply.

A cell's numbers must not depend on the batch it is stepped in, so the engine
sorts what it books and sums by keys of the cell's own (its time, then its
buyers' stream keys or amounts) rather than by row. The later keys only break
ties of the first ones, which are rare; :func:`lexsort_ties` reads them only
where the first keys tie.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["lexsort_ties", "small_ints"]

Rows = npt.NDArray[np.int64]


def lexsort_ties(minor: Sequence[np.ndarray], major: Sequence[np.ndarray]) -> Rows:
    """``np.lexsort((*minor, *major))``, sorting by ``minor`` only where ``major`` ties.

    Parameters
    ----------
    minor : sequence of arrays
        Keys that break the ties of ``major`` (as :func:`numpy.lexsort` takes keys:
        the last is the most significant of them).
    major : sequence of arrays
        The sort keys, the last the primary one. They must hold no NaN (a NaN ties
        with nothing here, where :func:`numpy.lexsort` sorts NaNs among themselves
        by ``minor``).

    Returns
    -------
    array of int
        The permutation :func:`numpy.lexsort` gives for all the keys (stable: rows
        equal in every key stay in their order).

    Examples
    --------
    >>> day = np.array([2.0, 1.0, 2.0, 1.5])
    >>> amount = np.array([9.0, 5.0, 3.0, 1.0])
    >>> lexsort_ties((amount,), (day,)).tolist()
    [1, 3, 2, 0]
    """
    by = np.lexsort(tuple(major))
    if len(by) < 2:
        return by
    tie = np.ones(len(by) - 1, dtype=bool)
    for key in major:
        k = key[by]
        tie &= k[1:] == k[:-1]
    if not tie.any():
        return by
    # the rows of runs of equal major keys: each run keeps its places, sorted within
    member = np.zeros(len(by), dtype=bool)
    member[:-1] = tie
    member[1:] |= tie
    at = np.flatnonzero(member)
    sub = by[at]
    by[at] = sub[np.lexsort(tuple(k[sub] for k in (*minor, *major)))]
    return by


def small_ints(values: npt.NDArray[np.int64], bound: int) -> np.ndarray:
    """``values`` (each in ``0 .. bound - 1``) as 16-bit integers if they fit, which numpy
    sorts stably by radix in linear time (the same order as their 64-bit form)."""
    return values.astype(np.int16) if bound <= np.iinfo(np.int16).max else values
