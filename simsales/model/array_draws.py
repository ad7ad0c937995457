"""Many customers' random numbers at once, each customer's taken in turn.

:class:`~simsales.model.draws.Draws` gives one customer's draws, one at a time,
from its own stream. :class:`ArrayDraws` gives the next draw of many customers'
streams in one numpy call, for the customers a mask selects: each customer's
draws follow its own stream in order, whatever the others draw, so a customer
meets the same uniforms under every strategy and in every batch (common random
numbers). The streams are counter-based (:mod:`simsales.counter_streams`), so a
row refills from its own position without drawing anything for the others.

The transforms are those of :class:`~simsales.model.draws.Draws` (inversion for
the exponential, the cosine branch of Box-Muller for the normal), element by
element, consuming as many uniforms per draw.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simsales.counter_streams import uniforms

__all__ = ["ArrayDraws"]

Floats = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
_TAU = 2.0 * np.pi


class ArrayDraws:
    """The streams of ``B`` customers, each taken in turn.

    Parameters
    ----------
    k0, k1 : (B,) arrays of uint64
        The customers' stream keys (:func:`simsales.counter_streams.path_keys`).
    width : int
        Uniforms of each stream held at a time; a row refills when it runs out.
    """

    def __init__(self, k0: npt.NDArray[np.uint64], k1: npt.NDArray[np.uint64], width: int = 16):
        if width < 1:
            raise ValueError(f"width must be >= 1, got {width}")
        self.k0, self.k1, self.width = k0, k1, width
        #: index in each stream of its next uniform
        self.used = np.zeros(len(k0), dtype=np.int64)
        self._base = np.zeros(len(k0), dtype=np.int64)  # stream index of _held[:, 0]
        self._held = uniforms(k0, k1, 0, width)

    def _take(self, m: Mask, count: npt.NDArray[np.int64]) -> Floats:
        """The next ``count[i]`` uniforms of each stream ``i`` where ``m`` (NaN beyond),
        as a ``(B, max count)`` array."""
        rows = np.flatnonzero(m)
        most = int(count[rows].max()) if rows.size else 0
        out = np.full((len(self.used), most), np.nan)
        if not rows.size or most == 0:
            return out
        if most > self.width:  # wider rows: refill every stream from its position
            self.width = most
            short = np.arange(len(self.used))
        else:
            short = rows[self.used[rows] + count[rows] > self._base[rows] + self.width]
        if short.size:  # refill those rows from their own positions
            if self._held.shape[1] != self.width:
                self._held = np.empty((len(self.used), self.width))
            self._held[short] = uniforms(
                self.k0[short], self.k1[short], self.used[short], self.width
            )
            self._base[short] = self.used[short]
        cols = self.used[rows, None] - self._base[rows, None] + np.arange(most)[None, :]
        got = np.take_along_axis(self._held[rows], np.minimum(cols, self.width - 1), axis=1)
        out[rows] = np.where(np.arange(most)[None, :] < count[rows, None], got, np.nan)
        self.used[rows] += count[rows]
        return out

    def random(self, m: Mask) -> Floats:
        """The next uniform of each stream where ``m``; NaN elsewhere (nothing drawn)."""
        m = np.asarray(m, dtype=bool)
        if not m.any():
            return np.full(len(self.used), np.nan)
        one: Floats = self._take(m, np.ones(len(self.used), dtype=np.int64))[:, 0]
        return one

    def group(self, n: npt.ArrayLike, m: Mask) -> Floats:
        """The next ``n[i]`` uniforms of each stream ``i`` where ``m`` (one per
        stakeholder, in stakeholder order), as ``(B, max n)``; NaN beyond."""
        count = np.broadcast_to(np.asarray(n, dtype=np.int64), self.used.shape)
        if (count < 0).any():
            raise ValueError("a group draws n >= 0 uniforms")
        return self._take(np.asarray(m, dtype=bool), count)

    def exponential(self, scale: npt.ArrayLike, m: Mask) -> Floats:
        """Exponential with mean ``scale``, by inversion of one uniform, where ``m``."""
        draws: Floats = -np.asarray(scale) * np.log(1.0 - self.random(m))
        return draws

    def normal(self, loc: npt.ArrayLike, scale: npt.ArrayLike, m: Mask) -> Floats:
        """Normal, by the Box-Muller transform of two uniforms (the cosine branch), where ``m``."""
        two = self._take(np.asarray(m, dtype=bool), np.full(len(self.used), 2, dtype=np.int64))
        if two.shape[1] < 2:
            return np.full(len(self.used), np.nan)
        r = np.sqrt(-2.0 * np.log(1.0 - two[:, 0]))
        draws: Floats = np.asarray(loc) + np.asarray(scale) * r * np.cos(_TAU * two[:, 1])
        return draws
