"""Where leads come from: an unlimited Poisson market, or a finite market (Bass).

In a finite market of ``size`` members every member has an innovation clock,
``Exp(innovation)`` years, at which marketing makes it a lead; advocates
(customers in REFER and ZEALOT) contact members at random, and a contacted
member that is not yet a lead becomes a referral lead. With instant
decisions this is the Bass (1969) model: the hazard of a non-adopter is
``p + q N(t) / M``. :func:`bass_limit` runs exactly that limit with the same
market object, and :func:`bass_cdf` is its closed form.

References
----------
.. [1] Bass, F. M. (1969). A new product growth for model consumer durables.
   *Management Science*, 15(5), 215-227.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from simsales.model.draws import Draws, Random
from simsales.model.streams import generator

__all__ = ["YEAR", "FiniteMarket", "bass_cdf", "bass_limit", "draw_arrivals"]

#: Days per year.
YEAR = 365.0


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

    def marketing(self) -> Iterator[tuple[float, int]]:
        """``(day, member)`` of marketing arrivals in time order, before the horizon.

        Members already made leads by a referral are skipped (checked lazily,
        as the simulation reaches each clock).
        """
        for m in self._order:
            t = float(self._clocks[m])
            if t >= self.horizon:
                return
            yield t, int(m)

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
    market = FiniteMarket(size, p, horizon, generator(seed, 0))
    contacts = Draws(seed, (1,))
    adopted: list[float] = []

    def advocate() -> Generator[Any, Any, None]:
        while True:
            yield env.timeout(contacts.exponential(YEAR / q))
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
