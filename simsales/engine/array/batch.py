"""The array engine: many replications and strategies stepped together in numpy arrays.

:func:`simulate_batch` runs every strategy on every world of a batch at once.
Each (world, strategy) pair is a *cell*
with its own seller team (and success team); all of a batch's buyers are rows
of one :class:`~simsales.engine.array.buyers.Buyers`. Each buyer waits for its
next event (a seller meeting's end, the end of a wait, a post-sale step, a
renewal, a referral contact) at its own time ``t``; times are never rounded.
The engine steps in windows of ``step_days`` on a fixed grid (cut at each
month's start so that the monthly snapshots see every earlier event): a pass
moves every buyer whose event falls within the window, in array operations, and
passes repeat until no event before the window's end is left. After the horizon,
the end and the last snapshot, when nothing joins a cell and nothing is counted
at a fixed time, each cell steps through its own windows, so that no cell waits
on another's stragglers. A cell's numbers depend only on its own world and
strategy, not on what else is in its batch: the same seed gives the same numbers
whatever the number of workers.

Leads come as in the SimPy engine: an unlimited market's arrivals, or a finite
market's members (:mod:`simsales.engine.array.market`: by their clocks, by
referral contacts, by moving inward month by month), and the sellers'
prospecting in their idle hours (:mod:`simsales.engine.array.prospecting`).
The windows are also cut at each month's start and each prospecting tick, where
the engine does what happens at that moment (a snapshot, a market's month, the
idle sellers' sessions) once every earlier event is done.

Buyers meet only in the teams' queues. The requests of a pass are booked at its
end, each team's in the order of their times
(:func:`~simsales.engine.team_blocks.book_blocks`, the recursion of
:class:`~simsales.engine.teams.Team`). That is first come, first served, as in
the SimPy engine, except across passes: a request made in a later pass of a
window (say, the meeting a buyer grants at the end of a follow-up booked in
the first) is served after the requests of earlier passes, even those made
later in the window. That is the engine's one approximation; its effect on
waits grows with the window (measured in docs/performance.md: at the default
half day it moves the median cycle by about 1%, within the equivalence tests'
power; at 2 days by about 5%).

Each buyer draws from its own counter-based stream (its path below the
replication's decision seed), so the same buyer meets the same numbers under
every strategy and in any batch: common random numbers survive batching. The
numbers are not the SimPy engine's (whose streams are PCG64); the outcomes are
equal in distribution, which the equivalence tests check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from simsales.counter_streams import child_keys, path_keys, uniforms
from simsales.engine.array import rules
from simsales.engine.array.buyers import Buyers, Rows
from simsales.engine.array.market import Members, market_of
from simsales.engine.array.ordering import lexsort_ties, small_ints
from simsales.engine.array.prospecting import Prospecting
from simsales.engine.market import (
    inbound_day,
    members_move,
    month_terms,
    period_length,
    programme_reach,
)
from simsales.engine.params import Market, Sellers, Team
from simsales.engine.team_blocks import book_blocks, free_times
from simsales.engine.world import (
    INBOUND,
    MONTH,
    N_STATES,
    OPEN,
    OUTBOUND,
    REFERRAL,
    Journeys,
    Ledger,
    World,
)  # fmt: skip
from simsales.model import equations
from simsales.model.action_tables import (
    action_table,
    after_sale_slot,
    follow_up_slot,
    meeting_slot,
    tabular_reason,
)
from simsales.model.array_draws import ArrayDraws
from simsales.model.behaviour import Behaviour
from simsales.model.lifecycle import Lifecycle
from simsales.model.orbits import Ending, Orbit
from simsales.model.population import Population, trait_uniform_count, traits_from_uniforms
from simsales.model.strategies import Strategy
from simsales.model.valuation import true_value
from simsales.model.xp import ARRAY
from simsales.seeding import MARKET_PERIODS, OUTBOUND_PATH, counter_root, generator

__all__ = ["PER_CELL", "STEP_DAYS", "array_unsupported", "batch_structure", "simulate_batch"]

#: Default window of the engine's steps (days).
STEP_DAYS = 0.5
#: The child index of a referral's stream that holds its traits' uniforms.
_TRAIT_STREAM = 2**32 - 1
# what each buyer waits for
START, FOLLOWED, MET, WAITED, RENEW, POST_STEP, POST_WORK, FINISH, DONE = range(9)
_WON = rules.CODE[Ending.WON]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def array_unsupported(
    market: Market, sellers: Sellers, strategies: Sequence[Strategy]
) -> list[str]:
    """What of an experiment (its ``[market]``, ``[sellers]`` and strategies) the array
    engine cannot run; empty: all of it. Only a strategy that overrides its choices in
    Python (:func:`~simsales.model.action_tables.tabular_reason`) is left out: every
    market and seller team runs on it (the two are taken so that callers ask one
    question of the whole experiment)."""
    why = []
    for s in strategies:
        reason = tabular_reason(s)
        if reason is not None:
            why.append(reason)
    return list(dict.fromkeys(why))  # each reason once (variants of a strategy share it)


#: The parameters a batch's worlds may differ in beyond their population and market
#: (which only shape each world's leads and traits): each is read per cell.
PER_CELL = {
    "behaviour": ("conservatism", "rival_presence"),
    "sellers": ("team_size",),
    "success": ("team_size",),
}


def batch_structure(
    behaviour: Behaviour, lifecycle: Lifecycle, sellers: Sellers, success: Team,
    horizon: float, end: float,
) -> tuple[Any, ...]:  # fmt: skip
    """What the worlds of one batch must share: every parameter but their population,
    their market and the :data:`PER_CELL` ones. Worlds (design points, replications)
    whose structures are equal can be stepped together."""
    parts = {"behaviour": behaviour, "sellers": sellers, "success": success}
    blank = {k: m.model_copy(update=dict.fromkeys(PER_CELL[k])) for k, m in parts.items()}
    return blank["behaviour"], lifecycle, blank["sellers"], blank["success"], horizon, end


def _structure(world: World) -> tuple[Any, ...]:
    return batch_structure(
        world.behaviour, world.lifecycle, world.sellers, world.success, world.horizon, world.end
    )


def _same_parameters(worlds: Sequence[World]) -> None:
    names = ("behaviour", "lifecycle", "sellers", "success", "horizon", "end")
    first = _structure(worlds[0])
    for w in worlds[1:]:
        for name, a, b in zip(names, _structure(w), first, strict=True):
            if a != b:
                raise ValueError(
                    f"a batch's worlds may differ only in their population, market and "
                    f"{', '.join(f'{k}.{f}' for k, fs in PER_CELL.items() for f in fs)}; "
                    f"{name} differs otherwise"
                )


def simulate_batch(
    worlds: Sequence[World],
    strategies: Sequence[Strategy],
    step_days: float = STEP_DAYS,
    *,
    censored: bool = False,
) -> list[list[tuple[Journeys, Ledger]]]:
    """Run every strategy in every world, all at once.

    Parameters
    ----------
    worlds : sequence of World
        Replications, of one or several design points: their populations, markets
        and :data:`PER_CELL` parameters may differ, nothing else
        (:func:`batch_structure`).
    strategies : sequence of Strategy
        Tabular strategies (:func:`simsales.model.action_tables.tabular_reason`).
    step_days : float
        The window of a step (> 0): events within it of the earliest are stepped together.
    censored : bool
        Stop where no lead arrives, no account steps and no month starts any more
        (the horizon or the end of observation, the later; events at that very time
        still run) instead of running every journey to its end: a journey
        still open then has ``ending``
        :data:`~simsales.engine.world.OPEN` and ``end`` infinite, as a CRM export made
        on that day sees it (a calibration's simulated exports need no more; the
        ledgers are whole, the journeys give no metrics).

    Returns
    -------
    list of list of (Journeys, Ledger)
        ``out[w][k]``: strategy ``k`` in world ``w``, as
        :func:`simsales.engine.simulation.simulate` gives them.

    Raises
    ------
    ValueError
        If the worlds' parameters differ, or something is not in the array engine
        (:func:`array_unsupported` says what).
    """
    if not worlds or not strategies:
        raise ValueError("a batch needs at least one world and one strategy")
    if not step_days > 0:
        raise ValueError(f"step_days must be > 0, got {step_days!r}")
    _same_parameters(worlds)
    # the strategies once; each world's market and sellers (design points may differ)
    why = array_unsupported(worlds[0].market, worlds[0].sellers, strategies)
    why += [r for w in worlds[1:] for r in array_unsupported(w.market, w.sellers, [])]
    if why:
        raise ValueError("; ".join(dict.fromkeys(why)))
    for st in strategies:  # a programme on an unlimited market: refused as on SimPy
        for w in worlds:
            programme_reach(w, st)
    return _Batch(worlds, strategies, step_days, censored).run()


def _member_keys(world: World, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The stream keys of paths ``(0,) .. (size - 1,)``: an unlimited market's marketing
    leads', or a finite market's members' (member ``m``'s path is ``(m,)``, as a
    marketing lead's and as a referral's)."""
    paths = np.arange(size, dtype=np.int64)[:, None]
    return path_keys(counter_root(world.decision_seed), paths, np.ones(size, np.int64))


@dataclass
class _Next:
    """What a pass's handlers leave for the calls that follow them in the pass
    (:meth:`_Batch.events`): rows to wait, to end (with their codes) and to ask for
    a meeting (with whether the buyer asked for it)."""

    gaps: list[tuple[Rows, Floats]] = field(default_factory=list)
    ends: list[tuple[Rows, Floats, npt.NDArray[np.int64]]] = field(default_factory=list)
    meetings: list[tuple[Rows, Floats, Bools]] = field(default_factory=list)


#: Empty rows, times and codes (or slots), and a meeting's empty ``pulled``.
_EMPTY = (np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
_EMPTY_MEETING = (*_EMPTY[:2], np.zeros(0, dtype=bool))


def _together(parts: Sequence[tuple[Any, ...]], empty: tuple[Any, ...]) -> tuple[Any, ...]:
    """The parts' columns, each concatenated (``empty`` if there are none)."""
    if not parts:
        return empty
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


@dataclass
class _Requests:
    """Requests for a team's time made in a pass, not yet booked."""

    rows: list[Rows] = field(default_factory=list)
    now: list[Floats] = field(default_factory=list)
    days: list[Floats] = field(default_factory=list)

    def take(self) -> tuple[Rows, Floats, Floats]:
        """The requests, their times and days of work (removed from here)."""
        if not self.rows:
            return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
        rows: Rows = np.concatenate(self.rows)
        now: Floats = np.concatenate(self.now)
        days: Floats = np.concatenate(self.days)
        self.rows, self.now, self.days = [], [], []
        return rows, now, days


class _Batch:
    def __init__(
        self, worlds: Sequence[World], strategies: Sequence[Strategy], step: float,
        censored: bool = False,
    ) -> None:  # fmt: skip
        w0 = worlds[0]
        self.worlds, self.step, self.censored = worlds, step, censored
        self.k = len(strategies)
        self.cells = len(worlds) * self.k
        self.b, self.life, self.sellers = w0.behaviour, w0.lifecycle, w0.sellers
        self.horizon, self.end, self.months = w0.horizon, w0.end, w0.months
        #: from here no lead arrives, no account steps and no month starts
        self.tail = max(self.horizon, self.end)
        self.table = action_table(strategies)
        #: the batch's distinct populations, and each world's
        self.populations: list[Population] = []
        of = []
        for world in worlds:
            if world.population not in self.populations:
                self.populations.append(world.population)
            of.append(self.populations.index(world.population))
        self.population_of = np.array(of, dtype=np.int64)
        width = max(p.max_stakeholders for p in self.populations)
        per_cell = {}
        for name in PER_CELL["behaviour"]:
            values = np.repeat([getattr(x.behaviour, name) for x in worlds], self.k)
            if (values != values[0]).any():
                per_cell[name] = values
        self.s = Buyers(w0.behaviour, width, per_cell)
        self.draws = ArrayDraws(np.zeros(0, np.uint64), np.zeros(0, np.uint64))
        self.seller_free = free_times(np.repeat([x.sellers.team_size for x in worlds], self.k))
        self.seller_dph = 1.0 / w0.sellers.hours_per_day
        if w0.lifecycle.resource == "sellers":
            self.post_free, self.post_dph = self.seller_free, self.seller_dph
        else:
            self.post_free = free_times(np.repeat([x.success.team_size for x in worlds], self.k))
            self.post_dph = 1.0 / w0.success.hours_per_day
        self.seller_rate, self.post_rate = w0.sellers.cost_per_hour, w0.post_sale_rate
        #: cells whose sellers can no longer make anyone wait (:meth:`run_tail`)
        self.alone = np.zeros(self.cells, dtype=bool)
        self.churned = np.zeros(self.cells, dtype=np.int64)
        self.occupancy = np.zeros((self.cells, self.months, N_STATES), dtype=np.int64)
        self.money: dict[str, list[tuple[Rows, Floats, Floats]]] = {"cost": [], "revenue": []}
        self.requests = {"sellers": _Requests(), "post": _Requests()}
        #: each world's finite market (None: unlimited), its members' stream keys, and
        #: which members of each cell's market are leads already
        self.markets = [market_of(world) for world in worlds]
        self.member_keys: list[tuple[np.ndarray, np.ndarray] | None] = [
            None if m is None else _member_keys(world, m.size)
            for world, m in zip(worlds, self.markets, strict=True)
        ]
        self.finite = np.array([m is not None for m in self.markets])
        #: each world's root key of its counter-based streams, as (2, worlds)
        self.roots = np.array([counter_root(x.decision_seed) for x in worlds]).T
        self.market_size = np.array([0 if m is None else m.size for m in self.markets])
        sizes = [m.size for m in self.markets if m is not None]
        self.members = Members(self.cells, max(sizes, default=0))
        #: deals won so far in each cell (a finite market's imitation term), and what
        #: its market programme cost and reached
        self.won = np.zeros(self.cells, dtype=np.int64)
        self.programme_cost = np.zeros(self.cells)
        self.programme_reached = np.zeros(self.cells, dtype=np.int64)
        #: members each cell's market programme reaches a month: its strategy's, else
        #: its market's
        self.reach = np.array([programme_reach(x, st) for x in worlds for st in strategies])
        #: the worlds whose members move inward month by month, each with its stream
        self.periods = {
            w: generator(world.arrival_seed, MARKET_PERIODS)
            for w, (world, m) in enumerate(zip(worlds, self.markets, strict=True))
            if m is not None and members_move(
                world.market, float(self.reach[w * self.k : (w + 1) * self.k].max())
            )
        }  # fmt: skip
        prospects = self.sellers.prospecting_leads_per_hour > 0
        self.prospecting = Prospecting(worlds, self.k) if prospects else None
        self.prospecting_hours = np.zeros(self.cells)
        leads = (
            sum(
                len(w.arrivals) if m is None else len(m.arrivals()[0])
                for w, m in zip(worlds, self.markets, strict=True)
            )
            * self.k
        )
        self.s.reserve(leads + leads // 8)  # the inbound leads, and room for referrals
        self.draws.reserve(leads + leads // 8)
        for w, world in enumerate(worlds):
            self._inbound(w, world)

    # ------------------------------------------------------------ set-up and books
    def _inbound(self, w: int, world: World) -> None:
        market, keys = self.markets[w], self.member_keys[w]
        if market is None or keys is None:
            days, members = world.arrivals, np.arange(len(world.arrivals))
            k0, k1 = _member_keys(world, len(world.arrivals))
        else:  # a finite market's members by their marketing clocks
            days, members = market.arrivals()
            k0, k1 = keys[0][members], keys[1][members]
        for k in range(self.k):
            rows = self.s.add(
                world.traits, members, w * self.k + k, k, days, INBOUND, world.market.lead_cost
            )
            self.draws.extend(k0, k1)
            if market is None:
                self.book("cost", rows, self.s.arrival[rows], self.s.lead_cost[rows])
            else:  # a lead (and paid for) only if no referral has taken it first
                self.s.member[rows] = members
                self.members.start(np.array([w * self.k + k]), market.orbit)

    def _claim(self, rows: Rows, now: Floats) -> Bools:
        """Finite-market leads ``rows`` at ``now`` take their members, earliest first;
        False where the member is a lead already (the row is then dropped)."""
        won = self.members.claim(self.s.cell[rows], self.s.member[rows], now)
        lost = rows[~won]
        self.s.void[lost] = True
        self.finish(lost)
        self._joined(rows[won])
        return won

    def _joined(self, rows: Rows) -> None:
        """Finite-market members ``rows`` are leads now: each starts at the orbit it
        had reached as a member (docs/model.md 4.9)."""
        s = self.s
        orbit = self.members.orbit[s.cell[rows], s.member[rows]].astype(np.int64)
        s.orbit[rows] = s.max_orbit[rows] = orbit

    def prospect(self) -> None:
        """A tick of the sellers' prospecting: idle sellers book a session, whose hits
        become outbound leads when it ends (docs/model.md 4.8)."""
        pr = self.prospecting
        assert pr is not None
        now, hits, hours = pr.tick(self.seller_free)
        busy = np.flatnonzero(hours > 0)
        self.prospecting_hours[busy] += hours[busy]
        day = now + pr.block
        self.money["cost"].append((busy, np.full(len(busy), day), hours[busy] * pr.cost_per_hour))
        if not hits.any():
            return
        cell = np.repeat(np.arange(self.cells), hits)
        k = np.arange(len(cell)) - np.repeat(np.cumsum(hits) - hits, hits) + pr.found[cell]
        pr.found += hits
        s, sellers = self.s, self.sellers
        world = cell // self.k
        cold = ~self.finite[world]
        # an unlimited market's hit: a cold lead of its own, path (OUTBOUND_PATH, k),
        # its traits from a stream of its own (all worlds' keys in one go)
        ck0 = ck1 = t0 = t1 = np.zeros(0, np.uint64)
        if cold.any():
            paths = np.stack((np.full(len(k), OUTBOUND_PATH, np.int64), k), axis=1)[cold]
            ck0, ck1 = path_keys(self.roots[:, world[cold]], paths, np.full(len(paths), 2))
            t0, t1 = child_keys(ck0, ck1, np.full(len(paths), _TRAIT_STREAM))
        parts, keys0, keys1 = [], [], []
        for w in np.unique(world).tolist():
            at = np.flatnonzero(world == w)
            wd, market, keys = self.worlds[w], self.markets[w], self.member_keys[w]
            c, kk = cell[at], k[at]
            if market is None or keys is None:
                mine = np.searchsorted(np.flatnonzero(cold), at)  # its rows among the cold
                u = uniforms(t0[mine], t1[mine], 0, trait_uniform_count(wd.population))
                traits, idx = traits_from_uniforms(wd.population, u), np.arange(len(kk))
                k0, k1 = ck0[mine], ck1[mine]
            else:  # a member hit at random (the k-th hit: the same member in every cell)
                idx = pr.members(w, kk, market.size)
                traits, k0, k1 = wd.traits, keys[0][idx], keys[1][idx]
            new = s.add(traits, idx, c, c % self.k, np.full(len(c), day), OUTBOUND, 0.0)
            if market is not None:
                s.member[new] = idx
            parts.append(new)
            keys0.append(k0)
            keys1.append(k1)
        self.draws.extend(np.concatenate(keys0), np.concatenate(keys1))
        new = np.concatenate(parts)
        s.trust[new], s.urgency[new] = equations.outbound_chill(  # cold leads
            sellers, s.trust[new], s.urgency[new]
        )
        self.fresh = np.concatenate((self.fresh, new))

    def market_period(self, month: int) -> None:
        """The members of moving markets move inward over ``month`` (before the horizon):
        the market programme is paid for at its start, and members that reach BENEFIT
        come as inbound leads at their times within it (docs/model.md 4.9)."""
        start = month * MONTH
        if start >= self.horizon:
            return
        length = period_length(start, self.horizon)
        s = self.s
        for w, rng in self.periods.items():
            world, market, keys = self.worlds[w], self.markets[w], self.member_keys[w]
            assert market is not None and keys is not None
            mk = world.market
            u1 = rng.random(market.size)  # the same draws as the SimPy engine's, per world
            u2 = rng.random(market.size)
            cells: Rows = w * self.k + np.arange(self.k, dtype=np.int64)
            own, reach = month_terms(mk, self.won[cells], market.size, self.reach[cells], length)
            cell, member, frac, reached = self.members.period(
                cells, u1, u2, own, reach, mk.programme_effect
            )
            cost: Floats = reached.astype(np.float64) * mk.programme_cost
            self.programme_cost[cells] += cost
            self.programme_reached[cells] += reached
            paid = reached > 0
            self.money["cost"].append((cells[paid], np.full(paid.sum(), start), cost[paid]))
            new = s.add(
                world.traits, member, cell, cell % self.k, inbound_day(start, frac, length),
                INBOUND, mk.lead_cost,
            )  # fmt: skip
            s.member[new] = member
            self.draws.extend(keys[0][member], keys[1][member])
            self.fresh = np.concatenate((self.fresh, new))

    def book(self, kind: str, rows: Rows, day: Floats, amount: Floats | float) -> None:
        """Revenue or cost of ``rows``' cells on ``day``."""
        if rows.size:
            amounts = np.broadcast_to(np.asarray(amount, dtype=float), rows.shape)
            self.money[kind].append((self.s.cell[rows], day.copy(), amounts.copy()))

    def request(self, team: str, rows: Rows, now: Floats, days: Floats, phase: int) -> None:
        """Ask for ``days`` of the team's time for each of ``rows``, at ``now``; the buyer
        waits (``t`` infinite) until the request is booked at the pass's end, then for
        the work's end."""
        if rows.size:
            if self.post_free is self.seller_free:  # one team: one queue, in time order
                team = "sellers"
            r = self.requests[team]
            r.rows.append(rows)
            r.now.append(now)
            r.days.append(days)
            self.s.t[rows] = np.inf
            self.s.phase[rows] = phase

    def book_requests(self) -> None:
        """Book a pass's requests, each team's in the order of their times (first come,
        first served); the buyers then wait for their ends.

        Requests made at the very same time (the leads a prospecting session finds
        start together) are served in the order of their buyers' stream keys: the
        order of the batch's rows depends on the batch, a cell's numbers must not.
        """
        s = self.s
        for team, free in (("sellers", self.seller_free), ("post", self.post_free)):
            rows, now, days = self.requests[team].take()
            if team == "sellers" and rows.size and self.alone.any():
                alone = self.alone[s.cell[rows]]  # no wait (run_tail), booked on no one
                s.t[rows[alone]] = now[alone] + days[alone]
                rows, now, days = rows[~alone], now[~alone], days[~alone]
            if rows.size:
                cell = s.cell[rows]
                keys = (self.draws.k1[rows], self.draws.k0[rows])
                by = lexsort_ties(keys, (now, small_ints(cell, self.cells)))
                rows, now, days, cell = rows[by], now[by], days[by], cell[by]
                s.t[rows] = now + book_blocks(free, cell, now, days)

    def wait(self, rows: Rows, until: Floats, phase: int) -> None:
        self.s.t[rows] = until
        self.s.phase[rows] = phase

    # ------------------------------------------------------------ the loop
    def run(self) -> list[list[tuple[Journeys, Ledger]]]:
        s = self.s
        order = np.argsort(s.column("arrival"), kind="stable")
        arrivals = s.arrival[order]
        ptr, month = 0, 0
        # Which buyers are due is found without scanning them all every pass: `queue`
        # holds buyers sorted by their next event's time as it was when the queue was
        # built (`keys`), from `head` on; a buyer taken from it (or arrived, or new)
        # is in `moved`, scanned every pass, until the queue is built again from both.
        # `moved_t` and `moved_a` hold its buyers' `t` and `t_advocate`: only a pass's own
        # buyers (and new ones) change theirs, so the rest are not gathered again.
        queue, keys, head = np.zeros(0, np.int64), np.zeros(0), 0
        moved = np.zeros(0, np.int64)
        moved_t, moved_a = np.zeros(0), np.zeros(0)
        while True:
            arrival = arrivals[ptr] if ptr < len(order) else np.inf
            t_next = min(
                keys[head] if head < len(keys) else np.inf,
                np.minimum(moved_t, moved_a).min() if moved.size else np.inf,
                arrival,
            )
            tick = self.prospecting.next_tick if self.prospecting is not None else np.inf
            boundary = True
            if month < self.months and month * MONTH <= min(t_next, tick):
                self.snapshot(np.concatenate((queue[head:], moved)), month)
                self.market_period(month)  # a moving market's members come inbound
                month += 1
            elif tick <= t_next:  # the idle sellers prospect (every request before is booked)
                self.prospect()
            else:
                boundary = False
            if boundary:  # a month's start or a tick, done: new leads, if any, join
                if self.fresh.size:
                    moved, moved_t, moved_a = self._join(moved, moved_t, moved_a, self.fresh)
                    self.fresh = np.zeros(0, dtype=np.int64)
                continue
            if t_next == np.inf:
                break
            if t_next >= self.tail and month >= self.months:  # each cell on its own from here
                # (censored: only what falls on the stop itself, which a whole run
                # counts as before an export on that day)
                live = np.concatenate((queue[head:], moved))
                self.run_tail(live, self.tail if self.censored else np.inf)
                break
            # the window: up to the grid's next line (passes repeat within it until no
            # event before its end is left), cut at the next month's start and tick
            hi = (np.floor(t_next / self.step) + 1.0) * self.step
            if month < self.months:
                hi = min(hi, month * MONTH)
            if self.prospecting is not None:
                hi = min(hi, self.prospecting.next_tick)
            end = max(head, int(np.searchsorted(keys, hi, side="left")))
            upto = int(np.searchsorted(arrivals, hi, side="left"))
            new = np.concatenate((queue[head:end], order[ptr:upto]))
            head = end
            moved, moved_t, moved_a = self._join(moved, moved_t, moved_a, new)
            ptr = max(ptr, upto)
            due_at, calls_at = moved_t < hi, moved_a < hi
            self.events(moved[due_at])
            self.advocate(moved[calls_at])
            self.book_requests()
            stepped = due_at | calls_at  # their times changed
            rows = moved[stepped]
            moved_t[stepped], moved_a[stepped] = s.t[rows], s.t_advocate[rows]
            if self.fresh.size:
                moved, moved_t, moved_a = self._join(moved, moved_t, moved_a, self.fresh)
                self.fresh = np.zeros(0, dtype=np.int64)
            if moved.size > max(2048, (len(queue) - head) // 2):  # build the queue again
                # (the queue's rows keep their keys, moved's times are held beside it; a
                # finished buyer's t is infinite, so it stays only while it calls)
                rest = np.concatenate((queue[head:], moved))
                key = np.concatenate((keys[head:], np.minimum(moved_t, moved_a)))
                on = (s.phase[rest] != DONE) | (key < np.inf)
                rest, key = rest[on], key[on]
                by = np.argsort(key, kind="stable")
                queue, keys, head = rest[by], key[by], 0
                moved, moved_t, moved_a = np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
        return self.outputs()

    def _join(
        self, moved: Rows, moved_t: Floats, moved_a: Floats, rows: Rows
    ) -> tuple[Rows, Floats, Floats]:
        """``moved`` and its buyers' times, with ``rows`` and theirs after them."""
        s = self.s
        return (
            np.concatenate((moved, rows)),
            np.concatenate((moved_t, s.t[rows])),
            np.concatenate((moved_a, s.t_advocate[rows])),
        )

    fresh: Rows = np.zeros(0, dtype=np.int64)
    #: step a cell without windows once its sellers outnumber its open journeys
    #: (:meth:`run_tail`; off only to test that this changes no number)
    unwindowed_tail: bool = True

    def run_tail(self, live: Rows, until: float = np.inf) -> None:
        """The journeys still open after the horizon, the end and the last snapshot
        (their events up to day ``until`` included).

        Nothing joins a cell from here and nothing is counted at a fixed time, so each
        cell steps through its own windows (the grid's, from its own next event):
        cells do not wait for each other's stragglers, and a cell's numbers do not
        depend on what else is in its batch.

        Once a cell has no more open journeys than sellers, it steps without windows:
        each pass takes every open buyer's next event, whenever it falls, and its
        requests start when made. That is exact: here only open pre-sale buyers ask
        for time (no account steps after the end), one request at a time, so when one
        asks, the members at work serve other open buyers, one each, and one member at
        least is free, in the SimPy engine's order of events; and open journeys only
        get fewer. Its buyers then no longer affect each other, and its stragglers'
        steps share passes instead of each taking windows of its own.
        """
        s = self.s
        hi = np.full(self.cells, -np.inf)
        sellers = np.isfinite(self.seller_free).sum(axis=1)
        limit = np.nextafter(until, np.inf)  # events before it run
        while True:
            going = s.phase[live] != DONE  # open journeys (the rest: advocates calling)
            keep = going | (s.t_advocate[live] < np.inf)
            live, going = live[keep], going[keep]
            if not live.size:
                return
            t = np.minimum(s.t[live], s.t_advocate[live])
            if t.min() >= limit:
                return
            cell = s.cell[live]
            if self.unwindowed_tail:  # cells that can make no one wait, from now on
                self.alone |= np.bincount(cell[going], minlength=self.cells) <= sellers
            first = np.full(self.cells, np.inf)
            np.minimum.at(first, cell, t)
            done = first >= hi  # the cell's window holds no event: its next window
            hi[done] = (np.floor(first[done] / self.step) + 1.0) * self.step
            hi[self.alone] = np.inf
            edge = np.minimum(hi[cell], limit)
            self.events(live[s.t[live] < edge])
            self.advocate(live[s.t_advocate[live] < edge])
            self.book_requests()

    def snapshot(self, live: Rows, month: int) -> None:
        """Where the cells' customers are at the start of ``month``."""
        s = self.s
        on = live[(s.phase[live] != START) & (s.phase[live] != DONE)]
        np.add.at(self.occupancy, (s.cell[on], month, s.orbit[on]), 1)
        self.occupancy[:, month, -1] = self.churned

    def events(self, due: Rows) -> None:
        """One pass: the events of ``due``.

        The rows that reach the same step of a journey by different routes go
        through it in one call (the seller's work that ends, a follow-up's or a
        meeting's, and its action's effects; a meeting granted after a follow-up
        or asked for by the buyer; a wait; an ending; an account's step): in a
        pass of few buyers each call, not each buyer, is what costs. A buyer is
        in one phase in a pass and draws from its own stream; a pass's requests
        are booked in the order of their cells, times and stream keys, and money
        is summed in the order of cell, day and amount (:meth:`outputs`), not in
        the order of the calls that made them. So how the pass groups its rows
        changes no number.
        """
        s = self.s
        by = np.argsort(s.phase[due], kind="stable")  # each phase's rows, in their order
        due = due[by]
        now_all = s.t[due]
        bounds = np.searchsorted(s.phase[due], np.arange(DONE + 2)).tolist()

        def pick(p: int) -> tuple[Rows, Floats]:
            return due[bounds[p] : bounds[p + 1]], now_all[bounds[p] : bounds[p + 1]]

        steps: list[tuple[Rows, Floats]] = []
        nxt = _Next()
        rows, now = pick(START)
        if rows.size and self.members.taken.size:  # a finite market's inbound, outbound leads
            market = (s.source[rows] != REFERRAL) & self.finite[s.cell[rows] // self.k]
            won = np.ones(len(rows), dtype=bool)
            won[market] = self._claim(rows[market], now[market])
            rows, now = rows[won], now[won]
            paid = rows[market[won]]
            self.book("cost", paid, s.arrival[paid], s.lead_cost[paid])
        if rows.size:
            ref = s.source[rows] == REFERRAL
            rules.referral_start(s, rows[ref], now[ref], self.life.referral_orbits, self.draws)
            warm = s.orbit[rows] > int(Orbit.AWARENESS)  # an opportunity from its arrival
            s.qualified_at[rows[warm]] = now[warm]
            steps.append((rows, now))
        followed, fnow = pick(FOLLOWED)
        met, mnow = pick(MET)
        self.worked(followed, fnow, met, mnow)
        if followed.size:
            self.followed(followed, fnow, nxt)
        if met.size:
            self.met(met, mnow, nxt)
        rows, now = pick(WAITED)
        if rows.size:
            code = rules.after_wait(s, rows, now, self.draws)
            go = code == rules.NONE
            steps.append((rows[go], now[go]))
            nxt.ends.append((rows[~go], now[~go], code[~go]))
        rows, now = _together(steps, _EMPTY[:2])
        self.step_presale(rows, now, nxt)
        self.meeting(*_together(nxt.meetings, _EMPTY_MEETING))
        self.gap(*_together(nxt.gaps, _EMPTY[:2]))
        tops = [self.ended(*_together(nxt.ends, _EMPTY))]
        rows, now = pick(RENEW)
        if rows.size:
            tops.append(self.renew(rows, now))
        accounts: list[tuple[Rows, Floats, Rows]] = []
        rows, now = pick(POST_STEP)
        if rows.size:
            slot = after_sale_slot(s.orbit[rows])
            invest = self.table.invests[s.strategy[rows], slot]
            ir, inow, islot = rows[invest], now[invest], slot[invest]
            hours = self.table.effects["hours"][s.strategy[ir], islot]
            s.slot[ir] = islot
            s.pending_hours[ir] = hours
            self.request("post", ir, inow, hours * self.post_dph, POST_WORK)
            accounts.append((rows[~invest], now[~invest], np.full((~invest).sum(), -1)))
        rows, now = pick(POST_WORK)
        if rows.size:
            h = s.pending_hours[rows]
            s.post_hours[rows] += h
            self.book("cost", rows, now, h * self.post_rate)
            past = now >= self.end
            self.finish(rows[past])
            on = ~past
            accounts.append((rows[on], now[on], s.slot[rows[on]]))
        tops.append(self.account_step(*_together(accounts, _EMPTY)))
        rows, now = pick(FINISH)
        self.finish(rows)
        self.post_top(*_together(tops, _EMPTY[:2]))

    # ------------------------------------------------------------ before the sale
    def step_presale(self, rows: Rows, now: Floats, nxt: _Next) -> None:
        """A step: the buyer asks for a meeting itself (in ``nxt.meetings``), or the
        seller follows up."""
        if not rows.size:
            return
        s = self.s
        pulled = rules.pulls(s, rows, self.draws)
        chase, cnow = rows[~pulled], now[~pulled]
        slot = follow_up_slot(s.orbit[chase], s.needs_shared[chase])
        hours = self.table.effects["hours"][s.strategy[chase], slot]
        s.slot[chase] = slot
        s.pending_hours[chase] = hours
        self.request("sellers", chase, cnow, hours * self.seller_dph, FOLLOWED)
        asked = rows[pulled]
        s.refusals[asked] = 0
        nxt.meetings.append((asked, now[pulled], np.ones(len(asked), dtype=bool)))

    def meeting(self, rows: Rows, now: Floats, pulled: Bools) -> None:
        """Ask for a meeting for each of ``rows``; ``pulled``: the buyer asked for it."""
        if not rows.size:
            return
        s = self.s
        slot = meeting_slot(s.orbit[rows], s.needs_shared[rows])
        base = self.table.effects["hours"][s.strategy[rows], slot]
        factor = s.hour_factor[rows]
        hours = equations.meeting_hours(self.b, base, factor, False)
        if pulled.any():
            hours = np.where(pulled, equations.meeting_hours(self.b, base, factor, True), hours)
        if self.b.meeting_noise:
            hours = self.draws.exponential_at(rows, hours)
        s.slot[rows] = slot
        s.pending_hours[rows] = hours
        self.request("sellers", rows, now, hours * self.seller_dph, MET)

    def worked(self, followed: Rows, fnow: Floats, met: Rows, mnow: Floats) -> None:
        """The seller's work that ends now, a follow-up's or a meeting's: its hours and
        cost, then its action's effects on the buyer (in one call for both)."""
        rows = np.concatenate((followed, met))
        if not rows.size:
            return
        s = self.s
        h = s.pending_hours[rows]
        s.hours[rows] += h
        s.interactions[met] += 1
        self.book("cost", rows, np.concatenate((fnow, mnow)), h * self.seller_rate)
        rules.apply(s, rows, s.slot[rows], self.table, self.draws)

    def followed(self, rows: Rows, now: Floats, nxt: _Next) -> None:
        """After a follow-up (:meth:`worked`): the buyer grants a meeting, or refuses
        (and waits, or goes dark after too many refusals)."""
        s = self.s
        granted = rules.grants_meeting(s, rows, self.draws)
        no, nnow = rows[~granted], now[~granted]
        s.refusals[no] += 1
        dark = s.refusals[no] >= self.b.max_refusals
        code = equations.dark_ending(ARRAY, s.orbit[no[dark]])
        nxt.ends.append((no[dark], nnow[dark], code))
        nxt.gaps.append((no[~dark], nnow[~dark]))
        yes = rows[granted]
        s.refusals[yes] = 0
        nxt.meetings.append((yes, now[granted], np.zeros(len(yes), dtype=bool)))

    def met(self, rows: Rows, now: Floats, nxt: _Next) -> None:
        """After a meeting (:meth:`worked`): a first meeting qualifies the buyer; at
        ACQUISITION it decides, in the middle orbits it moves; then it waits."""
        s = self.s
        orbit = s.orbit[rows]
        first = orbit == int(Orbit.AWARENESS)
        fr = rows[first]
        s.orbit[fr] = s.max_orbit[fr] = int(Orbit.POTENTIAL)
        s.last_progress[fr] = s.qualified_at[fr] = now[first]
        deciding = np.flatnonzero(orbit == int(Orbit.ACQUISITION))
        code = rules.decide(s, rows[deciding], self.draws)
        over = code != rules.NONE
        nxt.ends.append((rows[deciding[over]], now[deciding[over]], code[over]))
        middle = ~first & (orbit != int(Orbit.ACQUISITION))
        rules.move(s, rows[middle], now[middle], self.draws)
        going = np.ones(len(rows), dtype=bool)
        going[deciding[over]] = False
        nxt.gaps.append((rows[going], now[going]))

    def gap(self, rows: Rows, now: Floats) -> None:
        if not rows.size:
            return
        gap = rules.gap_days(self.s, rows, self.draws)
        self.s.gap[rows] = gap
        self.wait(rows, now + gap, WAITED)

    def ended(self, rows: Rows, now: Floats, code: npt.NDArray[np.int64]) -> tuple[Rows, Floats]:
        """Pre-sale journeys that end now with ``code``; the accounts they open (won,
        with post-sale steps, before the end), for :meth:`post_top`."""
        if not rows.size:
            return rows, now
        s = self.s
        s.ending[rows] = code
        s.end[rows] = now
        s.internalisation_end[rows] = s.internalisation[rows]
        won = code == _WON
        wr, wnow = rows[won], now[won]
        s.won_at[wr] = wnow
        if self.periods:  # the imitation term of a moving market
            np.add.at(self.won, s.cell[wr], 1)
        self.book("revenue", wr, wnow, equations.PRICE)
        on = self.life.enabled & (wnow < self.end)
        self.finish(rows[~won])
        self.finish(wr[~on])
        ar, anow = wr[on], wnow[on]
        if ar.size:
            rules.open_accounts(s, ar)
            s.renewal_due[ar] = equations.next_renewal(anow, self.life)
        return ar, anow

    def finish(self, rows: Rows) -> None:
        if rows.size:
            self.s.phase[rows] = DONE
            self.s.t[rows] = np.inf
            self.s.t_advocate[rows] = np.inf

    # ------------------------------------------------------------ after the sale
    def post_top(self, rows: Rows, now: Floats) -> None:
        """The account waits for its next post-sale step, its renewal, or the end."""
        if not rows.size:
            return
        s, life = self.s, self.life
        if self.b.pace_noise:
            gap = self.draws.exponential_at(rows, life.step_days)
        else:
            gap = np.full(len(rows), life.step_days)
        due = s.renewal_due[rows]
        then = equations.account_next(ARRAY, now, gap, due, self.end)
        over = then == equations.ACCOUNT_ENDS
        renew = then == equations.ACCOUNT_RENEWS
        stepping = then == equations.ACCOUNT_STEPS
        self.wait(rows[over], np.maximum(now[over], self.end), FINISH)
        self.wait(rows[renew], np.maximum(now[renew], due[renew]), RENEW)
        self.wait(rows[stepping], now[stepping] + gap[stepping], POST_STEP)

    def renew(self, rows: Rows, now: Floats) -> tuple[Rows, Floats]:
        s, life = self.s, self.life
        ok = rules.renews(s, rows, life, s.source[rows] == REFERRAL, self.draws)
        gone = rows[~ok]
        s.churned[gone] = True
        np.add.at(self.churned, s.cell[gone], 1)
        self.finish(gone)
        kept, know = rows[ok], now[ok]
        value = equations.contract_value(ARRAY, life, s.expanded[kept])
        s.revenue_renewal[kept] += value
        s.renewals[kept] += 1
        self.book("revenue", kept, know, value)
        s.renewal_due[kept] = equations.next_renewal(s.renewal_due[kept], life)
        return kept, know

    def account_step(
        self, rows: Rows, now: Floats, slot: npt.NDArray[np.int64]
    ) -> tuple[Rows, Floats]:
        if not rows.size:
            return rows, now
        s, life = self.s, self.life
        grew = rules.post_step(s, rows, slot, self.table, life, self.draws)
        gr = rows[grew]
        s.revenue_expansion[gr] += life.expansion_size
        self.book("revenue", gr, now[grew], life.expansion_size)
        rate = rules.referral_rate(s, rows, life)
        start = ~s.referring[rows] & equations.advocate_goes_on(now, rate, self.horizon)
        sr = rows[start]
        s.referring[sr] = True
        s.t_advocate[sr] = now[start] + self.draws.exponential_at(
            sr, equations.contact_days(rate[start])
        )
        return rows, now

    def advocate(self, rows: Rows) -> None:
        """Advocates' referral contacts that fall due (docs/model.md 4.5)."""
        if not rows.size:
            return
        s, life = self.s, self.life
        now = s.t_advocate[rows].copy()
        rate = rules.referral_rate(s, rows, life)
        refer = equations.advocate_refers(now, rate, self.horizon, self.end)
        self.refer(rows[refer], now[refer])
        go = equations.advocate_goes_on(now, rate, self.horizon)
        gr = rows[go]
        s.t_advocate[gr] = now[go] + self.draws.exponential_at(gr, equations.contact_days(rate[go]))
        stop = rows[~go]
        s.referring[stop] = False
        s.t_advocate[stop] = np.inf

    def refer(self, rows: Rows, now: Floats) -> None:
        """The ``referrals``-th referral contact of each of ``rows``: a new lead (in a
        finite market, a member drawn at random, if it is no lead yet)."""
        if not rows.size:
            return
        s, life = self.s, self.life
        k = s.referrals[rows].copy()
        s.referrals[rows] += 1
        finite = self.finite[s.cell[rows] // self.k]
        parts = []
        if not finite.all():
            parts.append(self._referred(rows[~finite], now[~finite], k[~finite]))
        if finite.any():
            parts.append(self._contacted(rows[finite], now[finite]))
        new = np.concatenate(parts)
        s.trust[new], s.bias[new] = equations.referral_warmth(
            ARRAY, life, s.trust[new], s.bias[new]
        )
        s.biased(new)
        self.book("cost", new, s.arrival[new], life.referral_lead_cost)
        self.fresh = np.concatenate((self.fresh, new))

    def _referred(self, rows: Rows, now: Floats, k: Rows) -> Rows:
        """An unlimited market's referral leads: new buyers, the ``k``-th of ``rows``,
        with traits from their own streams; their rows."""
        s, life = self.s, self.life
        k0, k1 = child_keys(self.draws.k0[rows], self.draws.k1[rows], k)
        t0, t1 = child_keys(k0, k1, np.full(len(rows), _TRAIT_STREAM))
        group = self.population_of[s.cell[rows] // self.k]
        parts = []
        for g in np.unique(group):  # a referral has its referrer's world's population
            at = np.flatnonzero(group == g)
            population = self.populations[g]
            u = uniforms(t0[at], t1[at], 0, trait_uniform_count(population))
            parts.append(s.add(
                traits_from_uniforms(population, u), np.arange(len(at)), s.cell[rows[at]],
                s.strategy[rows[at]], now[at], REFERRAL, life.referral_lead_cost,
            ))  # fmt: skip
            self.draws.extend(k0[at], k1[at])
        return np.concatenate(parts)

    def _contacted(self, rows: Rows, now: Floats) -> Rows:
        """A finite market's referral contacts: each of ``rows`` draws a member at
        random, which becomes a lead if it is none yet (earliest contact first); the
        new leads' rows."""
        s, life = self.s, self.life
        size = self.market_size[s.cell[rows] // self.k]
        member = np.minimum((self.draws.random_at(rows) * size).astype(np.int64), size - 1)
        won = self.members.claim(s.cell[rows], member, now)
        rows, now, member = rows[won], now[won], member[won]
        world = s.cell[rows] // self.k
        parts = [np.zeros(0, np.int64)]
        keys0, keys1 = [np.zeros(0, np.uint64)], [np.zeros(0, np.uint64)]
        for w in np.unique(world).tolist():
            at = np.flatnonzero(world == w)
            keys = self.member_keys[w]
            assert keys is not None
            m = member[at]
            new = s.add(
                self.worlds[w].traits, m, s.cell[rows[at]], s.strategy[rows[at]], now[at],
                REFERRAL, life.referral_lead_cost,
            )  # fmt: skip
            s.member[new] = m
            self._joined(new)
            keys0.append(keys[0][m])
            keys1.append(keys[1][m])
            parts.append(new)
        self.draws.extend(np.concatenate(keys0), np.concatenate(keys1))
        return np.concatenate(parts)

    # ------------------------------------------------------------ results
    def outputs(self) -> list[list[tuple[Journeys, Ledger]]]:
        s = self.s
        n = s.size
        col = s.column
        cell = col("cell")
        # each cell's journeys in arrival order (ties by stream key): the order of a
        # batch's rows depends on the batch, a cell's sums must not
        by_cell = lexsort_ties(
            (self.draws.k1[:n], self.draws.k0[:n]), (col("arrival"), small_ints(cell, self.cells))
        )
        by_cell = by_cell[~col("void")[by_cell]]  # a finite market's members taken first
        bounds = np.searchsorted(cell[by_cell], np.arange(self.cells + 1))
        won = col("ending") == _WON
        names = ("arrival", "end", "ending", "max_orbit", "hours", "timed_out", "lead_cost",
                 "won_at", "qualified_at", "churned", "post_hours", "revenue_expansion",
                 "revenue_renewal", "referrals", "renewals", "source")  # fmt: skip
        cols = {name: col(name) for name in names}
        cols["true_value"] = true_value(s.view(np.arange(n)))
        cols["internalisation"] = col("internalisation_end")
        cols["referred"] = col("source") == REFERRAL
        cols["revenue_first"] = np.where(won, equations.PRICE, 0.0)
        if self.censored:  # journeys stopped before their end
            going = col("phase") <= WAITED
            cols["end"] = np.where(going, np.inf, cols["end"])
            cols["ending"] = np.where(going, OPEN, cols["ending"])
        money = {}
        for kind, parts in self.money.items():
            total = np.zeros((self.cells, self.months))
            if parts:
                c = np.concatenate([p[0] for p in parts])
                day = np.concatenate([p[1] for p in parts])
                amount = np.concatenate([p[2] for p in parts])
                inside = (day >= 0) & (day < self.end)
                c, day, amount = c[inside], day[inside], amount[inside]
                # summed in an order the batch cannot change
                by = lexsort_ties((amount,), (day, small_ints(c, self.cells)))
                c, day, amount = c[by], day[by], amount[by]
                m = np.minimum((day // MONTH).astype(np.int64), self.months - 1)
                np.add.at(total, (c, m), amount)
            money[kind] = total
        out: list[list[tuple[Journeys, Ledger]]] = []
        for w in range(len(self.worlds)):
            row = []
            for k in range(self.k):
                cell_ = w * self.k + k
                idx = by_cell[bounds[cell_] : bounds[cell_ + 1]]
                journeys = Journeys(**{name: np.array(v[idx]) for name, v in cols.items()})
                ledger = Ledger(self.months, self.end)
                ledger.occupancy[:] = self.occupancy[cell_]
                ledger.revenue = money["revenue"][cell_].tolist()
                ledger.cost = money["cost"][cell_].tolist()
                ledger.prospecting_hours = float(self.prospecting_hours[cell_])
                ledger.programme_cost = float(self.programme_cost[cell_])
                ledger.programme_reached = int(self.programme_reached[cell_])
                row.append((journeys, ledger))
            out.append(row)
        return out
