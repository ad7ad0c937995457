"""The sellers' prospecting in their idle hours, in the array engine (docs/model.md 4.8).

As in the SimPy engine (:meth:`simsales.engine.lead_sources.LeadSources.prospect`):
every ``prospecting_block_hours`` (the *ticks*, from day 0 while a session would
end before the horizon) each seller of a cell who is free at that moment books
one prospecting session; the hits are a Poisson process in the cell's cumulative
prospecting hours, drawn from its world's stream, so the same prospecting effort
finds the same leads under every strategy; a session's hits become leads when it
ends. The engine cuts its windows at the ticks, so that every request made
before a tick is booked before the idle sellers are counted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from simsales.engine.lead_sources import prospecting_terms
from simsales.engine.world import World
from simsales.seeding import PROSPECTED, PROSPECTING, generator

__all__ = ["Prospecting"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]

#: Hit positions (and members hit) drawn at a time, per world.
_CHUNK = 256


class Prospecting:
    """Each cell's prospecting: its ticks, its hours and its hits.

    Parameters
    ----------
    worlds : sequence of World
        The batch's worlds (their sellers prospect alike: ``batch_structure``).
    k : int
        Strategies (cells per world).
    """

    def __init__(self, worlds: Sequence[World], k: int) -> None:
        s = worlds[0].sellers
        self.k = k
        self.block_hours = s.prospecting_block_hours
        self.block, self.gap = prospecting_terms(s)  # session days, hours per hit
        self.cost_per_hour = s.cost_per_hour
        ticks, t = [], 0.0
        while t + self.block <= worlds[0].horizon:  # the SimPy engine's clock, a block at a time
            ticks.append(t)
            t = t + self.block
        self.ticks = ticks
        self.next = 0
        cells = len(worlds) * k
        #: prospecting hours each cell has done, and hits it has found
        self.hours = np.zeros(cells)
        self.found = np.zeros(cells, dtype=np.int64)
        self._hits = [generator(w.arrival_seed, PROSPECTING) for w in worlds]
        self._members = [generator(w.arrival_seed, PROSPECTING, PROSPECTED) for w in worlds]
        #: each world's hit positions in cumulative prospecting hours, and members hit
        self.positions: list[Floats] = [np.zeros(0) for _ in worlds]
        self.hit_members: list[Ints] = [np.zeros(0, np.int64) for _ in worlds]

    @property
    def next_tick(self) -> float:
        """The day of the next tick (``inf`` when none is left)."""
        return self.ticks[self.next] if self.next < len(self.ticks) else np.inf

    def tick(self, free: Floats) -> tuple[float, Ints, Floats]:
        """The next tick: every cell's idle sellers (``free``, each cell's sellers' free
        times, updated in place) book a session.

        Returns
        -------
        now : float
            The tick's day; its sessions end at ``now + block``.
        hits : (cells,) array
            Hits each cell's sessions found (numbered from ``found`` before the tick).
        hours : (cells,) array
            Prospecting hours each cell booked.
        """
        now = self.ticks[self.next]
        self.next += 1
        idle = free <= now
        count = idle.sum(axis=1)
        hours: Floats = count * self.block_hours
        if not count.any():
            return now, np.zeros(len(count), np.int64), hours
        busy = count > 0
        # Team.book on each idle seller: free again a block from now
        free[busy] = np.sort(np.where(idle[busy], now + self.block, free[busy]), axis=1)
        before = self.hours.copy()
        self.hours += hours
        hits = np.zeros(len(count), dtype=np.int64)
        for w in np.unique(np.flatnonzero(busy) // self.k).tolist():
            cells = slice(w * self.k, (w + 1) * self.k)
            positions = self._positions(w, float(self.hours[cells].max()))
            hits[cells] = np.searchsorted(positions, self.hours[cells], side="right")
            hits[cells] -= np.searchsorted(positions, before[cells], side="right")
        return now, hits, hours

    def _positions(self, w: int, upto: float) -> Floats:
        """World ``w``'s hit positions, drawn at least past ``upto`` hours."""
        positions = self.positions[w]
        while not len(positions) or positions[-1] <= upto:
            last = positions[-1] if len(positions) else 0.0
            gaps = self._hits[w].exponential(self.gap, _CHUNK)
            # added one at a time, as the SimPy engine adds them
            positions = np.concatenate((positions, np.cumsum(np.concatenate(([last], gaps)))[1:]))
        self.positions[w] = positions
        return positions

    def members(self, w: int, k: Ints, size: int) -> Ints:
        """The members of a finite market of ``size`` that world ``w``'s hits ``k`` hit:
        the ``k``-th hit is the same member under every strategy."""
        drawn = self.hit_members[w]
        if len(k) and k.max() >= len(drawn):
            more = int(k.max()) + 1 - len(drawn)
            extra = self._members[w].integers(size, size=max(more, _CHUNK))
            drawn = self.hit_members[w] = np.concatenate((drawn, extra))
        out: Ints = drawn[k]
        return out
