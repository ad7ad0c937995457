"""A finite market in the array engine: its members in every cell of a batch.

A finite market of ``size`` members (docs/model.md 4.6) gives leads two ways: each
member's marketing clock (Bass p), the same
:class:`~simsales.engine.market.FiniteMarket` clocks as the SimPy engine's, and
advocates' referral contacts to members drawn at random (Bass q). A member becomes
a lead at most once, in each cell: :meth:`Members.claim` settles who takes it,
earliest first. :func:`bass_limit` steps the instant-decision limit with the same
clocks, claims and windows as the engine, for the known-answer test against
:func:`~simsales.engine.market.bass_cdf`.

Members move inward before they are leads (``inward_rate``, ``inward_imitation``,
a market programme; docs/model.md 4.9) month by month, each cell's by
:meth:`Members.period` on the uniforms the SimPy engine draws for its world.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simsales.counter_streams import path_keys
from simsales.engine.market import YEAR, FiniteMarket, inward, market_of
from simsales.model.array_draws import ArrayDraws
from simsales.model.equations import contact_days
from simsales.seeding import MARKET_CLOCKS, counter_root, generator

__all__ = ["Members", "bass_limit", "market_of"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


class Members:
    """Which members of each cell's finite market are leads already, and their orbits.

    Parameters
    ----------
    cells : int
        Cells of the batch.
    size : int
        Members of the largest market of the batch (a cell reads only its own market's).
    """

    def __init__(self, cells: int, size: int) -> None:
        self.taken = np.zeros((cells, size), dtype=bool)
        #: each member's orbit before it is a lead (AWARENESS, POTENTIAL, BENEFIT)
        self.orbit = np.zeros((cells, size), dtype=np.int8)

    def start(self, cells: Ints, orbit: npt.NDArray[np.int8]) -> None:
        """The members of ``cells`` (one world's) start at ``orbit``."""
        self.orbit[cells, : len(orbit)] = orbit

    def period(
        self, cells: Ints, u1: Floats, u2: Floats, hazard: Floats, reach: Floats,
        effect: float,
    ) -> tuple[Ints, Ints, Floats, Ints]:  # fmt: skip
        """One period of the members of ``cells`` moving inward
        (:func:`~simsales.engine.market.inward`): the cells of one world, whose
        members share the period's uniforms ``u1`` and ``u2``, each cell at its own
        ``hazard`` and ``reach``.

        Returns
        -------
        cell, member, fraction : (N,) arrays
            The members that reached BENEFIT, and the fraction of the period at
            which each did, each cell's in the order of their fractions.
        reached : (len(cells),) array
            Members the programme reached in each cell.
        """
        size = len(u1)
        orbit, crossed, frac, reached = inward(
            self.orbit[cells, :size], self.taken[cells, :size], u1, u2,
            hazard[:, None], reach[:, None], effect,
        )  # fmt: skip
        self.orbit[cells, :size] = orbit
        c, m = np.nonzero(crossed)  # by cell, then member
        f = frac[c, m]
        by = np.lexsort((f, c))  # stable: a cell's ties by member, as the SimPy engine's
        return cells[c[by]], m[by], f[by], np.asarray(reached, dtype=np.int64)

    def claim(self, cell: Ints, member: Ints, when: Floats) -> Bools:
        """Claims of ``member`` in ``cell`` at ``when``: True where the claim makes the
        member a lead (it was none before, and no earlier claim here takes it; claims at
        the same time go in the order given). The winners are marked taken."""
        won = np.zeros(len(cell), dtype=bool)
        if not len(cell):
            return won
        by = np.argsort(when, kind="stable")
        key = cell[by] * self.taken.shape[1] + member[by]
        _, first = np.unique(key, return_index=True)  # each (cell, member)'s earliest claim
        first = by[first]
        free = ~self.taken[cell[first], member[first]]
        won[first[free]] = True
        self.taken[cell[won], member[won]] = True
        return won


def bass_limit(
    size: int, p: float, q: float, years: float, seed: np.random.SeedSequence,
    step_days: float = 0.5,
) -> Floats:  # fmt: skip
    """Adoption days of the instant-decision limit, stepped as the array engine steps.

    The limit of :func:`simsales.engine.market.bass_limit`: every lead adopts at once
    and contacts random members at rate ``q`` a year, from the same member clocks. Here
    the adopters are rows of arrays, each with its own counter-based stream (keyed by
    its member); events are taken in windows of ``step_days`` on a fixed grid, passes
    repeating within a window until none before its end is left, each pass taking
    the clocks due and then the contacts due as it starts, and who takes a member is
    settled by :meth:`Members.claim`: the engine's steps and order (its journeys,
    which this limit has none of, aside).

    Returns
    -------
    ndarray
        Sorted adoption days (at most ``size``).
    """
    horizon = years * YEAR
    market = FiniteMarket(size, p, horizon, generator(seed, MARKET_CLOCKS))
    days, members = market.arrivals()
    k0, k1 = path_keys(counter_root(seed), np.arange(size)[:, None], np.ones(size, np.int64))
    draws = ArrayDraws(k0, k1)  # each member's stream, drawn as the engine draws it
    members_ = Members(1, size)
    adopted = np.full(size, np.inf)  # each member's adoption day
    nxt = np.full(size, np.inf)  # each adopter's next contact

    def adopt(rows: Ints, when: Floats) -> None:
        adopted[rows] = when
        if q > 0:
            nxt[rows] = when + draws.exponential_at(rows, contact_days(q))

    ptr = 0
    while True:
        t_next = min(days[ptr] if ptr < len(days) else np.inf, nxt.min())
        if t_next >= horizon:
            break
        hi = min((np.floor(t_next / step_days) + 1.0) * step_days, horizon)
        upto = int(np.searchsorted(days, hi, side="left"))
        while True:  # passes within the window, each as the engine's: clocks, then contacts
            m, when = members[ptr:upto], days[ptr:upto]
            ptr = upto
            callers = np.flatnonzero(nxt < hi)  # those due as the pass starts
            if not m.size and not callers.size:
                break
            won = members_.claim(np.zeros(len(m), np.int64), m, when)
            adopt(m[won], when[won])
            now = nxt[callers]
            contacted = np.minimum((draws.random_at(callers) * size).astype(np.int64), size - 1)
            nxt[callers] = now + draws.exponential_at(callers, contact_days(q))
            won = members_.claim(np.zeros(len(callers), np.int64), contacted, now)
            adopt(contacted[won], now[won])
    out: Floats = np.sort(adopted[adopted < horizon])
    return out
