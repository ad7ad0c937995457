"""The SimPy engine: leads arrive, teams serve them, customers move through orbits.

One call of :func:`simulate` runs one strategy on one replication's
:class:`~simsales.engine.world.World`. Each lead's journey is a SimPy process
that asks the seller team for time at every interaction (a first-come,
first-served :class:`~simsales.engine.teams.Team`: the request is booked when
made, and the journey waits for its end with one timeout); a won customer
goes on through the post-sale orbits, asking the post-sale team for time
when the strategy invests after the sale; advocates
create referral leads. Behaviour comes from :mod:`simsales.model`; the engine
only sequences it in time and books hours, revenue and costs.

Customer identities are paths: ``(i,)`` for marketing lead (or market member)
``i``, and the referrer's path plus ``k`` for its ``k``-th referral (unlimited
market). A customer's traits and decisions come from streams named by its
path, so the same customer is the same under every strategy.
"""

from __future__ import annotations

import gc
from array import array
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import simpy

from simsales.engine.lead_sources import LeadSources
from simsales.engine.market import (
    FiniteMarket,
    market_of,
    members_move,
    programme_reach,
)
from simsales.engine.teams import Team
from simsales.engine.world import MONTH, OUTBOUND, REFERRAL, Journeys, Ledger, World
from simsales.model import equations
from simsales.model.actions import SellerView
from simsales.model.buyer import Buyer
from simsales.model.draws import Draws
from simsales.model.lifecycle import Account, referral_start, warm_referral
from simsales.model.orbits import Ending, Orbit
from simsales.model.population import draw_traits
from simsales.model.strategies import Strategy
from simsales.model.xp import SCALAR
from simsales.seeding import (
    FIRST_BLOCKS,
    FIRST_CHUNK,
    FIRST_WIDTH,
    REFERRAL_TRAITS,
    child,
    generator,
)

__all__ = ["ENDINGS", "TraceEvent", "simulate"]

ENDINGS = equations.ENDINGS
AWARENESS, BENEFIT, ACQUISITION = Orbit.AWARENESS, Orbit.BENEFIT, Orbit.ACQUISITION
_CODE = equations.ENDING_CODE

TraceEvent = tuple[float, int, str, str]
Path = tuple[int, ...]
Proc = Generator[Any, Any, Any]


def simulate(
    world: World, strategy: Strategy, trace: list[TraceEvent] | None = None
) -> tuple[Journeys, Ledger]:
    """Run one strategy in one world.

    Parameters
    ----------
    world : World
        Leads, traits, parameters and seeds of the replication.
    strategy : Strategy
        The sellers' policy, before and (if it invests) after the sale.
    trace : list, optional
        If given, ``(day, customer, event, orbit)`` tuples are appended;
        ``customer`` is the first element of the customer's path.

    Returns
    -------
    journeys : Journeys
        One row per lead; pre-sale journeys always run to their end.
    ledger : Ledger
        Monthly occupancy, revenue and cost until ``world.end``.

    Notes
    -----
    While it runs, Python's cyclic garbage collector looks at its youngest objects
    after 100,000 allocations rather than 700 (:func:`fewer_collections`): a run
    makes millions of short-lived objects and next to no cycles, and at the default
    threshold the collector's passes over its many live buyers made a replication of
    100,000 leads 1.22x slower (``benchmarks/gc_threshold.py``). The numbers are the
    same either way.
    """
    with fewer_collections():
        return _Simulation(world, strategy, trace).run()


@contextmanager
def fewer_collections(allocations: int = 100_000) -> Iterator[None]:
    """Run the ``with`` block with the garbage collector's first threshold at least
    ``allocations`` (its other thresholds as they are), and restore it after."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], allocations), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


class _Simulation(LeadSources):
    """The processes of one simulation of a strategy, sharing its environment, teams and
    books (the processes that bring leads are those of :class:`LeadSources`)."""

    def __init__(self, world: World, strategy: Strategy, trace: list[TraceEvent] | None):
        self.world = world
        self.strategy = strategy
        self.trace = trace
        self.env = simpy.Environment()
        self.sellers = Team(world.sellers.team_size)
        if world.lifecycle.resource == "sellers":
            self.post_team, self.post_days_per_hour = self.sellers, 1 / world.sellers.hours_per_day
        else:
            self.post_team = Team(world.success.team_size)
            self.post_days_per_hour = 1 / world.success.hours_per_day
        self.ledger = Ledger(world.months, world.end)
        self.chunk: tuple[int, np.ndarray] | None = None
        self.active: set[Buyer] = set()
        self.churned = 0
        self.market: FiniteMarket | None = market_of(world)
        #: deals won so far (the finite market's imitation term)
        self.won = 0
        #: members the market programme reaches a month: the strategy's, else the market's
        self.reach = programme_reach(world, strategy)

    # ------------------------------------------------------------ plumbing
    def log(self, path: Path, event: str, buyer: Buyer) -> None:
        if self.trace is not None:
            self.trace.append(
                (round(float(self.env.now), 9), path[0], event, buyer.orbit.name.lower())
            )

    def work(self, team: Team, hours: float, days_per_hour: float) -> simpy.Timeout:
        """The timeout until ``hours`` of the team's work, asked for now, are done."""
        return self.env.timeout(team.book(self.env.now, hours * days_per_hour))

    def run(self) -> tuple[Journeys, Ledger]:
        self.env.process(self.source())
        if self.world.sellers.prospecting_leads_per_hour > 0:
            self.env.process(self.prospect())
        if self.market is not None and members_move(self.world.market, self.reach):
            self.env.process(self.market_orbits())
        self.env.process(self.sampler())
        self.env.run()
        return self.ledger.journeys(), self.ledger

    def sampler(self) -> Proc:
        """Monthly snapshot of where customers are."""
        for m in range(self.world.months):
            yield self.env.timeout(m * MONTH - self.env.now)
            occ = self.ledger.occupancy[m]
            for buyer in self.active:
                occ[buyer.orbit] += 1
            occ[-1] = self.churned

    # ------------------------------------------------------------ leads
    def refer(self, referrer: Path, k: int, rng: Draws) -> None:
        """The ``k``-th referral contact of ``referrer``."""
        world = self.world
        if self.market is None:
            path = (*referrer, k)
            traits = draw_traits(
                world.population, 1, child(world.trait_seed, REFERRAL_TRAITS, *path)
            )
            self.start_lead(path, traits, 0, REFERRAL)
        else:
            m = self.market.contact(rng)
            if m is not None:
                self.start_lead((m,), world.traits, m, REFERRAL, self.market.orbit_of(m))

    def start_lead(
        self, path: Path, traits: Any, i: int, source: int, orbit: int = AWARENESS
    ) -> None:
        """A new lead from ``source`` (an index into ``LEAD_SOURCES``) starts its journey.

        A finite market's member starts at the ``orbit`` it had reached as a
        member (a member at BENEFIT starts there: warmer, a shorter journey);
        every other lead starts at AWARENESS.

        Referral leads are warmed (:func:`~simsales.model.lifecycle.warm_referral`);
        outbound leads are cold: their trust and urgency are multiplied by
        ``sellers.outbound_trust`` and ``sellers.outbound_urgency``. Outbound
        leads cost no lead cost (their cost is the prospecting hours).
        """
        buyer, cost = self.new_buyer(traits, i, source)
        if orbit > AWARENESS:
            buyer.orbit = buyer.max_orbit = Orbit(orbit)
        self.ledger.add_cost(self.env.now, cost)
        self.env.process(self.journey(path, buyer, source, cost))

    def new_buyer(self, traits: Any, i: int, source: int) -> tuple[Buyer, float]:
        """The buyer of a new lead from ``source``, warmed or chilled, and its lead cost."""
        world = self.world
        buyer = Buyer(traits, i, world.behaviour, self.env.now)
        if source == REFERRAL:
            warm_referral(buyer, world.lifecycle)
            return buyer, world.lifecycle.referral_lead_cost
        if source == OUTBOUND:
            buyer.trust, buyer.urgency = equations.outbound_chill(
                world.sellers, buyer.trust, buyer.urgency
            )
            return buyer, 0.0
        return buyer, world.market.lead_cost

    # ------------------------------------------------------------ pre-sale
    def journey(self, path: Path, buyer: Buyer, source: int, lead_cost: float) -> Proc:
        # The hot loop of the engine: names are bound locally on purpose.
        world, env, strategy, ledger, sellers = (
            self.world,
            self.env,
            self.strategy,
            self.ledger,
            self.sellers,
        )
        timeout, log, tracing = env.timeout, self.log, self.trace is not None
        b = world.behaviour
        max_refusals = b.max_refusals
        rng = self.draws(path)
        seller_rate = world.sellers.cost_per_hour
        dph = 1.0 / world.sellers.hours_per_day
        referred = source == REFERRAL
        self.active.add(buyer)
        if tracing:
            log(path, "arrive", buyer)
        if (
            referred
            and world.lifecycle.referral_orbits > 0
            and referral_start(buyer, world.lifecycle, rng, env.now)
        ):
            log(path, "warm_start", buyer)
        # an opportunity from its first meeting, or from now if it came past AWARENESS
        qualified_at = env.now if buyer.orbit > AWARENESS else np.nan
        result: Ending | None = None
        while result is None:
            pulled = buyer.orbit > AWARENESS and buyer.pulls(rng)
            if not pulled:
                fu = strategy.follow_up(_view(buyer, env.now, pulled))
                yield timeout(sellers.book(env.now, fu.hours * dph))
                buyer.hours += fu.hours
                ledger.add_cost(env.now, fu.hours * seller_rate)
                buyer.apply(fu, rng, count=False)
                if not buyer.grants_meeting(rng):
                    buyer.refusals += 1
                    if tracing:
                        log(path, "refused", buyer)
                    if buyer.refusals >= max_refusals:
                        result = _dark(buyer)
                        break
                    gap = buyer.gap_days(rng)
                    yield timeout(gap)
                    result = self.after_wait(path, buyer, gap, rng)
                    continue
            buyer.refusals = 0
            action = strategy.act(_view(buyer, env.now, pulled))
            hours = buyer.meeting_hours(action, rng, pulled)  # group size, pulled (2.6, 3.1)
            yield timeout(sellers.book(env.now, hours * dph))
            ledger.add_cost(env.now, hours * seller_rate)
            accepted = buyer.meet(action, hours, rng)
            if tracing:
                log(path, action.name if accepted else action.name + ":rejected", buyer)
            orbit = buyer.orbit
            if orbit == AWARENESS:
                buyer.orbit = buyer.max_orbit = Orbit.POTENTIAL
                buyer.last_progress = qualified_at = env.now
            elif orbit == ACQUISITION:
                result = buyer.decide(rng)
                if result is not None:
                    break
                if tracing:
                    log(path, "stall" if buyer.orbit == ACQUISITION else "no", buyer)
            else:
                buyer.move(rng, env.now)
            gap = buyer.gap_days(rng)
            yield timeout(gap)
            result = self.after_wait(path, buyer, gap, rng)
        if tracing:
            if buyer.timed_out:
                log(path, "patience_out", buyer)
            log(path, result.value, buyer)
        row = {
            "source": source, "arrival": buyer.arrival, "end": env.now, "ending": _CODE[result],
            "hours": buyer.hours, "timed_out": buyer.timed_out, "referred": referred,
            "lead_cost": lead_cost, "won_at": np.nan, "qualified_at": qualified_at,
            "churned": False, "post_hours": 0.0,
            "revenue_first": 0.0, "revenue_expansion": 0.0, "revenue_renewal": 0.0,
            "referrals": 0, "renewals": 0,
        }  # fmt: skip
        row["internalisation"] = buyer.internalisation  # at the end of the pre-sale journey
        if result is Ending.WON:
            self.won += 1
            row["won_at"] = env.now
            row["revenue_first"] = equations.PRICE
            ledger.add_revenue(env.now, equations.PRICE)
            if world.lifecycle.enabled and env.now < world.end:
                yield from self.after_sale(path, buyer, referred, rng, row)
        self.active.discard(buyer)
        row["max_orbit"] = buyer.max_orbit
        row["true_value"] = buyer.true_value()
        ledger.add_row(**row)

    def draws(self, path: Path) -> Draws:
        """The customer's random numbers: the same under every strategy.

        A marketing lead of an unlimited market starts with its row of a block
        drawn for ``FIRST_CHUNK`` leads at once (they arrive in order, so one
        block is being drawn from at a time); every customer goes on with its own
        stream. The row is handed over as an ``array.array("d")`` of its values,
        which yields Python floats one at a time without making a float object
        for each (1.3 KiB a lead with its iterator; a list of 48 floats took
        1.7), can be pickled, and lets the block go once the next one is drawn.
        """
        seed = self.world.decision_seed
        if self.market is not None or len(path) > 1:
            return Draws(seed, path)
        c, r = divmod(path[0], FIRST_CHUNK)
        if self.chunk is None or self.chunk[0] != c:
            block = generator(seed, FIRST_BLOCKS, c).random((FIRST_CHUNK, FIRST_WIDTH))
            self.chunk = (c, block)
        return Draws(seed, path, array("d", self.chunk[1][r].tobytes()))

    def after_wait(self, path: Path, buyer: Buyer, gap: float, rng: Draws) -> Ending | None:
        """After ``gap`` days without contact: compelling events and the jump
        they cause, self-education, then patience (docs/model.md 3.1)."""
        now = self.env.now
        events = buyer.compelling_events(gap, rng)
        if events and buyer.event_jump(events, rng, now):
            self.log(path, "jumped", buyer)
        if buyer.self_educates(gap, rng, now):
            self.log(path, "self_educated", buyer)
        if buyer.patience_left(now):
            return None
        buyer.timed_out = True  # it goes dark; the ending says why
        return buyer.cause_when_patience_ends()

    # ------------------------------------------------------------ post-sale
    def after_sale(
        self, path: Path, buyer: Buyer, referred: bool, rng: Draws,
        row: dict[str, Any],
    ) -> Proc:  # fmt: skip
        """Post-sale orbits until churn or the end of observation."""
        world, env, life = self.world, self.env, self.world.lifecycle
        account = Account(buyer, life, referred)
        post_rate = world.post_sale_rate
        renewal_due = equations.next_renewal(env.now, life)
        referring = [False]
        self.log(path, "installation", buyer)
        while True:
            gap = account.gap_days(rng)
            then = equations.account_next(SCALAR, env.now, gap, renewal_due, world.end)
            if then == equations.ACCOUNT_ENDS:
                # still a customer when observation ends; its referrals stop too
                yield env.timeout(max(0.0, world.end - env.now))
                break
            if then == equations.ACCOUNT_RENEWS:
                # (post-sale work may have run past the due date: renew at once)
                yield env.timeout(max(0.0, renewal_due - env.now))
                if not account.renews(rng):
                    row["churned"] = True
                    self.churned += 1
                    self.log(path, "churned", buyer)
                    break
                value = account.contract_value()
                row["revenue_renewal"] += value
                row["renewals"] += 1
                self.ledger.add_revenue(env.now, value)
                self.log(path, "renewed", buyer)
                renewal_due = equations.next_renewal(renewal_due, life)
                continue
            yield env.timeout(gap)
            action = self.strategy.after_sale(_view(buyer, env.now, False))
            if action is not None:
                yield self.work(self.post_team, action.hours, self.post_days_per_hour)
                row["post_hours"] += action.hours
                self.ledger.add_cost(env.now, action.hours * post_rate)
                if env.now >= world.end:  # the work ran past the end of observation
                    break
            event = account.step(action, rng)
            if event == "expanded":
                row["revenue_expansion"] += life.expansion_size
                self.ledger.add_revenue(env.now, life.expansion_size)
            if event != "stays":
                self.log(path, event, buyer)
            if account.referral_rate() > 0 and not referring[0]:
                referring[0] = True
                env.process(self.advocate(path, account, rng, row, referring))

    def advocate(
        self, path: Path, account: Account, rng: Draws, row: dict[str, Any],
        referring: list[bool],
    ) -> Proc:  # fmt: skip
        """Referral contacts of an advocate, while it stays one (before the horizon)."""
        while True:
            rate = account.referral_rate()
            if not equations.advocate_goes_on(self.env.now, rate, self.world.horizon):
                referring[0] = False
                return
            yield self.env.timeout(rng.exponential(equations.contact_days(rate)))
            if not equations.advocate_refers(
                self.env.now, account.referral_rate(), self.world.horizon, self.world.end
            ):
                continue
            k = row["referrals"]
            row["referrals"] = k + 1
            self.refer(path, k, rng)


def _dark(buyer: Buyer) -> Ending:
    return equations.ENDINGS[int(equations.dark_ending(SCALAR, buyer.orbit))]


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
