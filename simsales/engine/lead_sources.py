"""Where a simulation's leads come from, as SimPy processes: marketing arrivals
(an unlimited market's Poisson arrivals, or a finite market's members by their
clocks), a finite market's members moving inward month by month, and the
sellers' prospecting in their idle hours (docs/model.md 4.7-4.9).

:class:`LeadSources` is the part of the engine's simulation
(:class:`simsales.engine.simulation._Simulation`) that runs these processes; each
lead they find starts its journey through ``start_lead``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from simsales.engine.market import FiniteMarket, inbound_day, month_terms, period_length
from simsales.engine.params import Sellers
from simsales.engine.teams import Team
from simsales.engine.world import INBOUND, MONTH, OUTBOUND, Ledger, World
from simsales.model.orbits import Orbit
from simsales.model.population import draw_traits
from simsales.seeding import (
    MARKET_PERIODS,
    OUTBOUND_PATH,
    OUTBOUND_TRAITS,
    PROSPECTED,
    PROSPECTING,
    child,
    generator,
)

__all__ = ["LeadSources", "prospecting_terms"]

BENEFIT = Orbit.BENEFIT
Path = tuple[int, ...]
Proc = Generator[Any, Any, Any]


def prospecting_terms(sellers: Sellers) -> tuple[float, float]:
    """A prospecting session's length in days, ``prospecting_block_hours /
    hours_per_day``, and the prospecting hours per lead found (the mean gap of the
    hits' Poisson process), ``1 / prospecting_leads_per_hour``."""
    block = sellers.prospecting_block_hours / sellers.hours_per_day
    return block, 1.0 / sellers.prospecting_leads_per_hour


class LeadSources:
    """The lead-finding processes of a simulation (a base of ``_Simulation``, which
    sets these attributes and defines ``start_lead``)."""

    world: World
    env: simpy.Environment
    sellers: Team
    ledger: Ledger
    market: FiniteMarket | None
    #: members the market programme reaches a month
    reach: float
    #: deals won so far (the finite market's imitation term)
    won: int

    def start_lead(
        self, path: Path, traits: Any, i: int, source: int, orbit: int = Orbit.AWARENESS
    ) -> None:
        """A new lead starts its journey (defined by the simulation)."""
        raise NotImplementedError

    def source(self) -> Proc:
        world = self.world
        if self.market is None:
            # as Python floats: a numpy scalar here would make the clock, and so all
            # the time arithmetic of every later event, numpy scalar arithmetic
            # (the same IEEE doubles, several times slower)
            for i, t in enumerate(world.arrivals.tolist()):
                yield self.env.timeout(t - self.env.now)
                self.start_lead((i,), world.traits, i, INBOUND)
        else:
            for t, m in self.market.marketing():
                yield self.env.timeout(t - self.env.now)
                if self.market.take(m):
                    self.start_lead((m,), world.traits, m, INBOUND, self.market.orbit_of(m))

    def market_orbits(self) -> Proc:
        """A finite market's members move inward month by month (docs/model.md 4.9).

        At the start of each month before the horizon the market programme is
        paid for and every member's move is drawn at once (numpy, no process per
        member); members that reached BENEFIT then come as inbound leads, at
        BENEFIT, at their times within the month.
        """
        world, env, market = self.world, self.env, self.market
        assert market is not None
        mk = world.market
        rng = generator(world.arrival_seed, MARKET_PERIODS)
        start = 0.0
        while start < world.horizon:
            yield env.timeout(start - env.now)
            length = period_length(start, world.horizon)
            own, reach = month_terms(mk, self.won, market.size, self.reach, length)
            period = market.period(rng, own, reach, mk.programme_effect)
            if period.reached:
                cost = period.reached * mk.programme_cost
                self.ledger.programme_cost += cost
                self.ledger.programme_reached += period.reached
                self.ledger.add_cost(start, cost)
            for f, m in zip(period.fractions.tolist(), period.members.tolist(), strict=True):
                yield env.timeout(max(0.0, inbound_day(start, f, length) - env.now))
                if market.take(m):
                    self.start_lead((m,), world.traits, m, INBOUND, BENEFIT)
            start += MONTH

    def prospect(self) -> Proc:
        """Outbound leads from the sellers' idle hours (docs/model.md 4.8).

        Every ``prospecting_block_hours`` the sellers free at that moment (no
        opportunity or post-sale work booked) each book one prospecting session;
        sessions that would end after the horizon are not started. The hits are
        a Poisson process in cumulative prospecting hours (rate
        ``prospecting_leads_per_hour``), drawn from their own stream, so the
        same prospecting effort finds the same leads under every strategy; a
        session's hits become leads when it ends.
        """
        world, env, team = self.world, self.env, self.sellers
        s = world.sellers
        block, mean_gap = prospecting_terms(s)
        block_hours = s.prospecting_block_hours
        rng = generator(world.arrival_seed, PROSPECTING)
        # the members hit (finite market) have a stream of their own, so the k-th
        # hit is the same member however the hits fall into sessions
        members = generator(world.arrival_seed, PROSPECTING, PROSPECTED)
        next_hit = float(rng.exponential(mean_gap))
        done = 0.0
        k = 0
        while env.now + block <= world.horizon:
            now = env.now
            idle = sum(1 for f in team.free if f <= now)
            hits = 0
            if idle:
                for _ in range(idle):
                    team.book(now, block)
                hours = idle * block_hours
                self.ledger.prospecting_hours += hours
                self.ledger.add_cost(now + block, hours * s.cost_per_hour)
                done += hours
                while next_hit <= done:
                    hits += 1
                    next_hit += float(rng.exponential(mean_gap))
            yield env.timeout(block)
            for _ in range(hits):
                self.outbound(k, members)
                k += 1

    def outbound(self, k: int, rng: np.random.Generator) -> None:
        """The ``k``-th prospecting hit: a cold lead (a finite market: a random
        member, lost if it already is a lead)."""
        world = self.world
        if self.market is None:
            path = (OUTBOUND_PATH, k)
            traits = draw_traits(world.population, 1, child(world.trait_seed, OUTBOUND_TRAITS, k))
            self.start_lead(path, traits, 0, OUTBOUND)
        else:
            m = int(rng.integers(self.market.size))
            if self.market.take(m):
                self.start_lead((m,), world.traits, m, OUTBOUND, self.market.orbit_of(m))
