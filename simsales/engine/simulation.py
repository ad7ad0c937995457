"""The SimPy engine: leads arrive, sellers are a resource, buyers move through orbits.

One call of :func:`simulate` runs one strategy on one replication's customers.
Leads arrive at given times (a Poisson process drawn by the caller, the same
for every strategy); each lead's journey is a SimPy process that asks the
seller team (a ``simpy.Resource``) for time at every interaction. Behaviour
comes from :mod:`simsales.model`; the engine only sequences it in time.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from simsales.engine.params import Sellers
from simsales.model.actions import SellerView
from simsales.model.behaviour import Behaviour
from simsales.model.buyer import Buyer
from simsales.model.orbits import Ending, Orbit
from simsales.model.population import Traits
from simsales.model.strategies import Strategy
from simsales.model.streams import generator

__all__ = ["ENDINGS", "Journeys", "simulate"]

ENDINGS: tuple[Ending, ...] = tuple(Ending)
_CODE = {e: k for k, e in enumerate(ENDINGS)}

TraceEvent = tuple[float, int, str, str]


@dataclass(frozen=True)
class Journeys:
    """Outcome of every lead of one strategy in one replication (struct of arrays).

    Attributes
    ----------
    arrival, end : ndarray of float
        Days the lead arrived and its journey ended.
    ending : ndarray of int
        Index into :data:`ENDINGS`.
    max_orbit : ndarray of int
        Furthest pre-sale orbit reached.
    hours : ndarray of float
        Seller hours spent on the lead.
    true_value : ndarray of float
        True value ratio of the offer as finally tailored.
    internalisation : ndarray of float
        How internalised the buyer's decision was at the end, in [0, 1].
    timed_out : ndarray of bool
        Whether the journey ended because the buyer's patience ran out.
    """

    arrival: np.ndarray
    end: np.ndarray
    ending: np.ndarray
    max_orbit: np.ndarray
    hours: np.ndarray
    true_value: np.ndarray
    internalisation: np.ndarray
    timed_out: np.ndarray


def simulate(
    traits: Traits,
    arrivals: np.ndarray,
    strategy: Strategy,
    behaviour: Behaviour,
    sellers: Sellers,
    decision_seed: np.random.SeedSequence,
    trace: list[TraceEvent] | None = None,
) -> Journeys:
    """Run one strategy over the leads of one replication.

    Parameters
    ----------
    traits : Traits
        Customer traits; customer ``i`` arrives at ``arrivals[i]``.
    arrivals : ndarray
        Sorted arrival days.
    strategy : Strategy
        The sellers' policy.
    behaviour : Behaviour
        Buyer behaviour parameters.
    sellers : Sellers
        Team size and hours.
    decision_seed : numpy.random.SeedSequence
        Customer ``i`` draws its decisions from the child stream ``i`` of it,
        so one customer's draws never shift another's.
    trace : list, optional
        If given, ``(day, customer, event, orbit)`` tuples are appended.

    Returns
    -------
    Journeys
        The runs end when every journey has ended (no censoring).
    """
    n = len(arrivals)
    env = simpy.Environment()
    team = simpy.Resource(env, capacity=sellers.team_size)
    day_per_hour = 1.0 / sellers.hours_per_day
    end = np.zeros(n)
    ending = np.zeros(n, dtype=np.int64)
    max_orbit = np.zeros(n, dtype=np.int64)
    hours = np.zeros(n)
    true_value = np.zeros(n)
    internal = np.zeros(n)
    timed_out = np.zeros(n, dtype=bool)

    def log(i: int, event: str, buyer: Buyer) -> None:
        if trace is not None:
            trace.append((round(float(env.now), 9), i, event, buyer.orbit.name.lower()))

    def seller_time(h: float) -> Generator[Any, Any, None]:
        with team.request() as req:
            yield req
            yield env.timeout(h * day_per_hour)

    def journey(i: int) -> Generator[Any, Any, None]:
        buyer = Buyer(traits, i, behaviour, env.now)
        rng = generator(decision_seed, i)
        b = behaviour
        log(i, "arrive", buyer)
        result: Ending | None = None
        while result is None:
            pulled = buyer.orbit > Orbit.AWARENESS and buyer.pulls(rng)
            if not pulled:
                fu = strategy.follow_up(_view(buyer, env.now, pulled))
                yield from seller_time(fu.hours)
                buyer.hours += fu.hours
                buyer.apply(fu, rng, count=False)
                if not buyer.grants_meeting(rng):
                    buyer.refusals += 1
                    log(i, "refused", buyer)
                    if buyer.refusals >= b.max_refusals:
                        result = _dark(buyer)
                        break
                    result = yield from _wait(buyer, rng)
                    continue
            buyer.refusals = 0
            action = strategy.act(_view(buyer, env.now, pulled))
            yield from seller_time(action.hours)
            accepted = buyer.apply(action, rng)
            log(i, action.name if accepted else action.name + ":rejected", buyer)
            if buyer.orbit == Orbit.AWARENESS:
                buyer.orbit = buyer.max_orbit = Orbit.POTENTIAL
                buyer.last_progress = env.now
            elif buyer.orbit == Orbit.ACQUISITION:
                result = buyer.decide(rng)
                if result is not None:
                    break
                log(i, "stall" if buyer.orbit == Orbit.ACQUISITION else "no", buyer)
            else:
                buyer.move(rng, env.now)
            result = yield from _wait(buyer, rng)
        if buyer.timed_out:
            log(i, "patience_out", buyer)
        log(i, result.value, buyer)
        end[i] = env.now
        ending[i] = _CODE[result]
        max_orbit[i] = buyer.max_orbit
        hours[i] = buyer.hours
        true_value[i] = buyer.true_value()
        internal[i] = buyer.internalisation
        timed_out[i] = buyer.timed_out

    def _wait(buyer: Buyer, rng: np.random.Generator) -> Generator[Any, Any, Ending | None]:
        gap = buyer.gap_days(rng)
        yield env.timeout(gap)
        buyer.compelling_events(gap, rng)
        if buyer.patience_left(env.now):
            return None
        buyer.timed_out = True  # it goes dark; the ending says why
        if buyer.orbit == Orbit.AWARENESS:
            return Ending.UNQUALIFIED
        return buyer.cause_when_patience_ends()

    def source() -> Generator[Any, Any, None]:
        for i, t in enumerate(arrivals):
            yield env.timeout(t - env.now)
            env.process(journey(i))

    env.process(source())
    env.run()
    return Journeys(
        arrival=np.asarray(arrivals, dtype=float),
        end=end,
        ending=ending,
        max_orbit=max_orbit,
        hours=hours,
        true_value=true_value,
        internalisation=internal,
        timed_out=timed_out,
    )


def _dark(buyer: Buyer) -> Ending:
    return Ending.UNQUALIFIED if buyer.orbit == Orbit.AWARENESS else Ending.WENT_DARK


def _view(buyer: Buyer, now: float, pulled: bool) -> SellerView:
    return SellerView(
        orbit=buyer.orbit,
        interactions=buyer.interactions,
        days_open=now - buyer.arrival,
        needs_shared=buyer.needs_shared,
        pulled=pulled,
        stalls=buyer.stalls,
        rejections=buyer.rejections,
    )
