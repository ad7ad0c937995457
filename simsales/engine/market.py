"""Where leads come from: an unlimited Poisson market, or a finite market (Bass).

In a finite market of ``size`` members every member has an innovation clock,
``Exp(innovation)`` years, at which marketing makes it a lead; advocates
(customers in REFER and ZEALOT) contact members at random, and a contacted
member that is not yet a lead becomes a referral lead. With instant
decisions this is the Bass (1969) model: the hazard of a non-adopter is
``p + q N(t) / M``. :func:`bass_limit` runs exactly that limit with the same
market object, and :func:`bass_cdf` is its closed form.

Members also have an orbit before they are leads (``FiniteMarket.orbit``:
AWARENESS or POTENTIAL). :meth:`FiniteMarket.period` moves them inward, all
members at once with numpy (never a process per member): on their own, at a
Bass-like hazard, and by a market programme that reaches some of them; a
member that reaches BENEFIT comes as an inbound lead (docs/model.md 4.9).
With no orbit dynamics and no programme (the defaults) nothing of this runs
and the market is the one above.

References
----------
.. [1] Bass, F. M. (1969). A new product growth for model consumer durables.
   *Management Science*, 15(5), 215-227.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import numpy.typing as npt
import simpy

from simsales.engine.world import MONTH
from simsales.model.draws import Draws, Random
from simsales.model.equations import YEAR, contact_days
from simsales.seeding import BASS_CONTACTS, MARKET_CLOCKS, MARKET_ORBITS, generator

if TYPE_CHECKING:
    from simsales.engine.params import Market
    from simsales.engine.world import World
    from simsales.model.strategies import Strategy

__all__ = [
    "YEAR", "FiniteMarket", "Period", "bass_cdf", "bass_limit", "draw_arrivals", "inbound_day",
    "inward", "market_of", "month_terms", "period_length", "programme_reach",
]  # fmt: skip


def draw_arrivals(rate: float, horizon: float, rng: np.random.Generator) -> np.ndarray:
    """Arrival days of a Poisson process of ``rate`` per day on ``[0, horizon)``."""
    n = int(rng.poisson(rate * horizon))
    return np.sort(rng.uniform(0.0, horizon, n))


class FiniteMarket:
    """A market of ``size`` members, each of whom becomes a lead at most once.

    Parameters
    ----------
    size : int
        Number of buying organisations in the market.
    innovation : float
        Bass p: each member's yearly hazard of becoming a lead by marketing.
    horizon : float
        Leads arrive before this day.
    rng : numpy.random.Generator
        Draws the innovation clocks (the arrivals stream).
    """

    def __init__(self, size: int, innovation: float, horizon: float, rng: np.random.Generator):
        self.size = size
        self.horizon = horizon
        clocks = (
            rng.exponential(YEAR / innovation, size) if innovation > 0 else np.full(size, np.inf)
        )
        self._order = np.argsort(clocks, kind="stable")
        self._clocks = clocks
        self.is_lead = np.zeros(size, dtype=bool)
        #: each member's orbit before it is a lead (AWARENESS = 0, POTENTIAL = 1,
        #: BENEFIT = 2 once it has come inbound); all AWARENESS unless set
        self.orbit = np.zeros(size, dtype=np.int8)

    def start_orbits(self, potential: float, rng: np.random.Generator) -> None:
        """Put each member at POTENTIAL with chance ``potential`` (else AWARENESS)."""
        if potential > 0:
            self.orbit = (rng.random(self.size) < potential).astype(np.int8)

    def orbit_of(self, member: int) -> int:
        """The member's orbit now (0 AWARENESS, 1 POTENTIAL, 2 BENEFIT)."""
        return int(self.orbit[member])

    def period(
        self, rng: np.random.Generator, hazard: float, reach: float, effect: float,
    ) -> Period:  # fmt: skip
        """Move the members inward over one period; return who comes inbound, and when.

        Every member gets two uniforms per period, whether or not it is a lead,
        so a member's draws do not depend on what happened to the others (or
        under which strategy). A member that is not a lead and is below BENEFIT
        moves one orbit inward **on its own** if ``u1 < hazard`` (the chance of
        a move in the period) and one more **by the programme** if it is reached
        (``u2 < reach``, the chance of being reached) and the programme works
        (``u2 < reach · effect``): at most two orbits per period, never past
        BENEFIT. Members that reach BENEFIT come inbound at the fraction
        ``u1 / hazard`` (own move) or ``u2 / (reach · effect)`` (programme) of the
        period, the earlier if both: given a move, that fraction is uniform on
        (0, 1). Reached members are counted (and paid for) whether or not they
        are leads already.
        """
        u1 = rng.random(self.size)
        u2 = rng.random(self.size)
        self.orbit, crossed, frac, reached = inward(
            self.orbit, self.is_lead, u1, u2, hazard, reach, effect
        )
        members = np.flatnonzero(crossed)
        frac = frac[members]
        order = np.argsort(frac, kind="stable")
        return Period(frac[order], members[order], int(reached))

    def arrivals(self) -> tuple[np.ndarray, np.ndarray]:
        """Days and members of the marketing arrivals before the horizon, in time order
        (ties by member); a member already a lead by then is not skipped here."""
        order = self._order[self._clocks[self._order] < self.horizon]
        return self._clocks[order], order

    def marketing(self) -> Iterator[tuple[float, int]]:
        """``(day, member)`` of marketing arrivals in time order, before the horizon.

        Members already made leads by a referral are skipped (checked lazily,
        as the simulation reaches each clock).
        """
        days, members = self.arrivals()
        yield from zip(days.tolist(), members.tolist(), strict=True)

    def take(self, member: int) -> bool:
        """Make ``member`` a lead; False if it already was one."""
        if self.is_lead[member]:
            return False
        self.is_lead[member] = True
        return True

    def contact(self, rng: Random) -> int | None:
        """An advocate contacts a random member: the member if it becomes a lead."""
        m = int(rng.integers(self.size))
        return m if self.take(m) else None


def inward(
    orbit: npt.NDArray[np.int8], is_lead: npt.NDArray[np.bool_], u1: np.ndarray, u2: np.ndarray,
    hazard: npt.ArrayLike, reach: npt.ArrayLike, effect: float,
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.bool_], np.ndarray, Any]:  # fmt: skip
    """One period of members moving inward (:meth:`FiniteMarket.period` says how).

    ``orbit`` and ``is_lead`` are ``(..., size)``: one market, or one per row (the
    array engine's cells, which share ``u1`` and ``u2``, the members' two uniforms of
    the period); ``hazard`` and ``reach`` are scalars or ``(..., 1)``.

    Returns
    -------
    orbit : the members' orbits after the period
    crossed : where a member reached BENEFIT in the period
    fraction : where crossed, the fraction of the period at which it did (1 elsewhere)
    reached : members the programme reached (``(...)``, or a number)
    """
    hazard = np.asarray(hazard, dtype=float)
    reach = np.asarray(reach, dtype=float)
    free = ~is_lead & (orbit < 2)
    own = free & (u1 < hazard)
    works = free & (u2 < reach * effect)
    new = np.minimum(orbit + own + works, 2).astype(np.int8)
    crossed = free & (new == 2)
    moved = np.where(free, new, orbit).astype(np.int8)
    frac = np.ones(crossed.shape)
    with np.errstate(divide="ignore", invalid="ignore"):  # where a rate is 0 nothing moves
        mine = crossed & own
        frac = np.where(mine, u1 / hazard, frac)
        prog = crossed & works
        frac = np.where(prog, np.minimum(frac, u2 / (reach * effect)), frac)
    reached = np.count_nonzero(u2 < reach, axis=-1) * (reach > 0).reshape(reach.shape[:-1] or ())
    return moved, crossed, frac, reached


def members_move(market: Market, reach: float) -> bool:
    """Whether a finite market's members move inward month by month: on their own
    (``inward_rate``), by imitation (``inward_imitation``) or reached by a
    programme (``reach`` members a month, :func:`programme_reach`)."""
    return market.inward_rate > 0 or market.inward_imitation > 0 or reach > 0


def month_terms(market: Market, won: Any, size: int, reach: Any, length: float) -> tuple[Any, Any]:
    """The chances of a moving market's members over a period of ``length`` days
    (docs/model.md 4.9), for :func:`inward`.

    Returns the chance that a member moves one orbit on its own,
    ``1 - exp(-(inward_rate + inward_imitation won / size) length / YEAR)`` (a
    Bass-like hazard, ``won`` the deals won so far), and the share of members the
    programme reaches, ``min(1, reach / size) length / MONTH`` (``reach`` members a
    month). ``won`` and ``reach`` are numbers, or arrays of one per cell.
    """
    rate = market.inward_rate + market.inward_imitation * won / size
    own = -np.expm1(-rate * length / YEAR)
    return own, np.minimum(1.0, reach / size) * length / MONTH


def period_length(start: float, horizon: float) -> float:
    """Days of a moving market's period that starts on day ``start``: a month, cut at
    the horizon (docs/model.md 4.9)."""
    return min(MONTH, horizon - start)


def inbound_day(start: float, fraction: Any, length: float) -> Any:
    """The day a member that reaches BENEFIT a ``fraction`` of the way through a period
    (:func:`inward`) comes inbound, in the period of ``length`` days from ``start``."""
    return start + fraction * length


def programme_reach(world: World, strategy: Strategy) -> float:
    """Members a month the market programme reaches when ``strategy`` sells in
    ``world``: the strategy's own reach, else the market's (both engines read it here).

    Raises
    ------
    ValueError
        If it is above 0 and the market is unlimited (a programme moves a finite
        market's members).
    """
    own = strategy.programme_reach()
    reach = world.market.programme_reach if own is None else own
    if reach > 0 and world.market.size is None:
        raise ValueError(
            f"strategy {strategy.name!r}: a market programme (programme_reach = "
            f"{reach:g}) moves a finite market's members; give [market] size"
        )
    return float(reach)


def market_of(world: World) -> FiniteMarket | None:
    """The world's finite market, its members' clocks and starting orbits drawn from the
    world's streams (both engines build it here), or None for an unlimited market."""
    mk = world.market
    if mk.size is None:
        return None
    market = FiniteMarket(
        mk.size, mk.innovation, world.horizon, generator(world.arrival_seed, MARKET_CLOCKS)
    )
    market.start_orbits(mk.initial_potential, generator(world.arrival_seed, MARKET_ORBITS))
    return market


class Period(NamedTuple):
    """What one period of the market's orbit dynamics gave."""

    #: fractions of the period (sorted) at which ``members`` come inbound
    fractions: np.ndarray
    #: members that reached BENEFIT in the period, in the order they come
    members: np.ndarray
    #: members the programme reached (paid for)
    reached: int


def bass_cdf(t: npt.ArrayLike, p: float, q: float) -> Any:
    r"""Bass cumulative adoption share ``F(t)``, ``t`` in years.

    .. math:: F(t) = \frac{1 - e^{-(p+q)t}}{1 + (q/p) e^{-(p+q)t}}
    """
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - e) / (1.0 + (q / p) * e)


def bass_limit(
    size: int, p: float, q: float, years: float, seed: np.random.SeedSequence
) -> np.ndarray:
    """Adoption days in the simple limit: instant decisions, no seller constraint.

    Every lead adopts at once and becomes an advocate that contacts random
    members at rate ``q`` per year, using the same :class:`FiniteMarket` as
    the full engine.

    Returns
    -------
    ndarray
        Sorted adoption days (at most ``size``).
    """
    env = simpy.Environment()
    horizon = years * YEAR
    market = FiniteMarket(size, p, horizon, generator(seed, MARKET_CLOCKS))
    contacts = Draws(seed, (BASS_CONTACTS,))
    adopted: list[float] = []

    def advocate() -> Generator[Any, Any, None]:
        while True:
            yield env.timeout(contacts.exponential(contact_days(q)))
            if env.now >= horizon:
                return
            m = market.contact(contacts)
            if m is not None:
                adopt()

    def adopt() -> None:
        adopted.append(env.now)
        if q > 0:
            env.process(advocate())

    def source() -> Generator[Any, Any, None]:
        for t, m in market.marketing():
            yield env.timeout(t - env.now)
            if market.take(m):
                adopt()

    env.process(source())
    env.run(until=horizon)
    return np.asarray(adopted)
