"""Many customers' random numbers at once, each customer's taken in turn.

:class:`~simsales.model.draws.Draws` gives one customer's draws, one at a time,
from its own stream. :class:`ArrayDraws` gives the next draw of many customers'
streams in one call, for the customers a mask selects: each customer's
draws follow its own stream in order, whatever the others draw, so a customer
meets the same uniforms under every strategy and in every batch (common random
numbers). The streams are counter-based (:mod:`simsales.counter_streams`): a
uniform is computed from its stream's key and position, with nothing drawn for
the others.

The transforms are those of :class:`~simsales.model.draws.Draws` (inversion for
the exponential, the cosine branch of Box-Muller for the normal), element by
element, consuming as many uniforms per draw.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simsales.counter_streams import next_uniforms, next_uniforms_many

__all__ = ["ArrayDraws"]

Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
Rows = npt.NDArray[np.int64]
Keys = npt.NDArray[np.uint64]
_TAU = 2.0 * np.pi


class ArrayDraws:
    """The streams of ``B`` customers, each taken in turn.

    Parameters
    ----------
    k0, k1 : (B,) arrays of uint64
        The customers' stream keys (:func:`simsales.counter_streams.path_keys`).

    Notes
    -----
    The methods named ``*_at`` draw for the customers a row index selects (an
    engine stepping a few of many customers pays for those only); the others
    for those a mask over all ``B`` selects. :meth:`extend` adds customers.
    Each uniform is computed from its stream's key and position when it is
    drawn (:func:`simsales.counter_streams.next_uniforms`, compiled), so nothing is
    held ahead and a row costs the same whether it draws one or many.
    """

    def __init__(self, k0: Keys, k1: Keys):
        self._size = 0
        self._k0 = np.zeros(0, dtype=np.uint64)
        self._k1 = np.zeros(0, dtype=np.uint64)
        self._used = np.zeros(0, dtype=np.int64)
        self.extend(k0, k1)

    def __len__(self) -> int:
        return self._size

    @property
    def k0(self) -> Keys:
        """The streams' first key words."""
        return self._k0[: self._size]

    @property
    def k1(self) -> Keys:
        """The streams' second key words."""
        return self._k1[: self._size]

    @property
    def used(self) -> Rows:
        """Index in each stream of its next uniform."""
        return self._used[: self._size]

    def reserve(self, size: int) -> None:
        """Make room for ``size`` streams in all (rows added later are then not copied)."""
        if size > len(self._k0):
            self._k0 = _grown(self._k0, size)
            self._k1 = _grown(self._k1, size)
            self._used = _grown(self._used, size)

    def extend(self, k0: npt.ArrayLike, k1: npt.ArrayLike) -> None:
        """Add the streams of more customers (rows ``B ..``), at their starts."""
        k0 = np.asarray(k0, dtype=np.uint64)
        k1 = np.asarray(k1, dtype=np.uint64)
        size = self._size + len(k0)
        if size > len(self._k0):  # grow the capacity by doubling: amortised O(1) a row
            self.reserve(max(size, 2 * len(self._k0), 16))
        rows = slice(self._size, size)
        self._k0[rows], self._k1[rows] = k0, k1
        self._used[rows] = 0
        self._size = size

    def _take(self, rows: Rows, count: npt.NDArray[np.int64]) -> Floats:
        """The next ``count[i]`` uniforms of each stream ``rows[i]`` (NaN beyond), as a
        ``(len(rows), max count)`` array; ``rows`` must not repeat."""
        most = int(count.max()) if rows.size else 0
        return next_uniforms_many(
            self._k0, self._k1, self._used, np.ascontiguousarray(rows, dtype=np.int64),
            np.ascontiguousarray(count, dtype=np.int64), most,
        )  # fmt: skip

    # ------------------------------------------------------------ by rows
    def random_at(self, rows: Rows) -> Floats:
        """The next uniform of each stream of ``rows`` (distinct row indices)."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        return next_uniforms(self._k0, self._k1, self._used, rows)

    def group_at(self, rows: Rows, n: npt.ArrayLike) -> Floats:
        """The next ``n[i]`` uniforms of each stream ``rows[i]`` (one per stakeholder,
        in stakeholder order), as ``(len(rows), max n)``; NaN beyond."""
        rows = np.asarray(rows, dtype=np.int64)
        count = np.broadcast_to(np.asarray(n, dtype=np.int64), rows.shape)
        if (count < 0).any():
            raise ValueError("a group draws n >= 0 uniforms")
        return self._take(rows, count)

    def exponential_at(self, rows: Rows, scale: npt.ArrayLike) -> Floats:
        """Exponential with mean ``scale``, by inversion of one uniform, for ``rows``."""
        draws: Floats = -np.asarray(scale) * np.log(1.0 - self.random_at(rows))
        return draws

    def normal_at(self, rows: Rows, loc: npt.ArrayLike, scale: npt.ArrayLike) -> Floats:
        """Normal, by the Box-Muller transform of two uniforms (the cosine branch), for ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        if not rows.size:
            return np.zeros(0)
        two = self._take(rows, np.full(len(rows), 2, dtype=np.int64))
        r = np.sqrt(-2.0 * np.log(1.0 - two[:, 0]))
        draws: Floats = np.asarray(loc) + np.asarray(scale) * r * np.cos(_TAU * two[:, 1])
        return draws

    def normals_at(self, rows: Rows, n: npt.ArrayLike, scale: npt.ArrayLike) -> Floats:
        """``n[i]`` normals of mean 0 and sd ``scale[i]`` for each stream ``rows[i]`` (one per
        stakeholder, each from two uniforms as :meth:`normal_at`), as ``(len(rows), max n)``;
        NaN beyond."""
        rows = np.asarray(rows, dtype=np.int64)
        two = self.group_at(rows, 2 * np.asarray(n, dtype=np.int64))
        r = np.sqrt(-2.0 * np.log(1.0 - two[:, 0::2]))
        draws: Floats = np.asarray(scale)[:, None] * r * np.cos(_TAU * two[:, 1::2])
        return draws

    # ------------------------------------------------------------ by masks
    def random(self, m: Mask) -> Floats:
        """The next uniform of each stream where ``m``; NaN elsewhere (nothing drawn)."""
        out = np.full(self._size, np.nan)
        rows = np.flatnonzero(np.asarray(m, dtype=bool))
        out[rows] = self.random_at(rows)
        return out

    def group(self, n: npt.ArrayLike, m: Mask) -> Floats:
        """The next ``n[i]`` uniforms of each stream ``i`` where ``m`` (one per
        stakeholder, in stakeholder order), as ``(B, max n)``; NaN beyond."""
        count = np.broadcast_to(np.asarray(n, dtype=np.int64), (self._size,))
        if (count < 0).any():
            raise ValueError("a group draws n >= 0 uniforms")
        rows = np.flatnonzero(np.asarray(m, dtype=bool))
        got = self._take(rows, count[rows])
        out = np.full((self._size, got.shape[1]), np.nan)
        out[rows] = got
        return out

    def exponential(self, scale: npt.ArrayLike, m: Mask) -> Floats:
        """Exponential with mean ``scale``, by inversion of one uniform, where ``m``."""
        draws: Floats = -np.asarray(scale) * np.log(1.0 - self.random(m))
        return draws

    def normal(self, loc: npt.ArrayLike, scale: npt.ArrayLike, m: Mask) -> Floats:
        """Normal, by the Box-Muller transform of two uniforms (the cosine branch), where ``m``."""
        out = np.full(self._size, np.nan)
        rows = np.flatnonzero(np.asarray(m, dtype=bool))
        if rows.size:
            loc_ = np.broadcast_to(np.asarray(loc, dtype=float), (self._size,))[rows]
            scale_ = np.broadcast_to(np.asarray(scale, dtype=float), (self._size,))[rows]
            out[rows] = self.normal_at(rows, loc_, scale_)
        return out


def _grown(a: np.ndarray, cap: int) -> np.ndarray:
    """``a`` in a larger array of ``cap`` rows (the new rows zero)."""
    out = np.zeros((cap, *a.shape[1:]), dtype=a.dtype)
    out[: len(a)] = a
    return out
