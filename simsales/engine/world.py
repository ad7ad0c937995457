"""What one simulation run needs (a World) and what it produces (Journeys, series)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

import numpy as np

from simsales.engine.params import Market, Sellers, Team
from simsales.model.behaviour import Behaviour
from simsales.model.lifecycle import Lifecycle
from simsales.model.orbits import Orbit
from simsales.model.population import Population, Traits

__all__ = [
    "INBOUND",
    "LEAD_SOURCES",
    "MONTH",
    "OPEN",
    "OUTBOUND",
    "REFERRAL",
    "Journeys",
    "Ledger",
    "World",
]

#: Days per month of the time series.
MONTH = 365.25 / 12
#: Where a lead came from; ``Journeys.source`` holds indices into this tuple.
#: ``outbound``: the sellers' prospecting; ``inbound``: marketing (the unlimited
#: market's Poisson leads, a finite market's marketing clocks, and its members
#: who move inward on their own or by the market programme); ``referral``: an
#: advocate's contact.
LEAD_SOURCES: tuple[str, ...] = ("outbound", "inbound", "referral")
OUTBOUND, INBOUND, REFERRAL = range(len(LEAD_SOURCES))
#: ``Journeys.ending`` of a journey still open where a run stopped early
#: (:func:`simsales.engine.array.simulate_batch`'s ``censored``): it has no ending yet.
OPEN = -1
#: Occupancy columns: every orbit, then churned customers.
N_STATES = len(Orbit) + 1


@dataclass(frozen=True)
class World:
    """Everything fixed about one replication, the same for every strategy.

    Attributes
    ----------
    traits : Traits
        Traits of the marketing leads (unlimited market: by arrival order) or
        of the market's members (finite market: by member).
    arrivals : ndarray
        Arrival days of the marketing leads in an unlimited market.
    population, behaviour, lifecycle, market, sellers, success
        The experiment's parameters.
    arrival_seed, trait_seed, decision_seed : numpy.random.SeedSequence
        The replication's streams (see :mod:`simsales.seeding`).
    horizon : float
        Leads (marketing and referral) arrive before this day.
    end : float
        Post-sale events happen before this day.
    """

    traits: Traits
    arrivals: np.ndarray
    population: Population
    behaviour: Behaviour
    lifecycle: Lifecycle
    market: Market
    sellers: Sellers
    success: Team
    arrival_seed: np.random.SeedSequence
    trait_seed: np.random.SeedSequence
    decision_seed: np.random.SeedSequence
    horizon: float
    end: float

    @property
    def months(self) -> int:
        """Months in the time series (covering the days before ``end``; the last
        month may be partial)."""
        return max(1, math.ceil(self.end / MONTH))

    @property
    def team_cost(self) -> float:
        """The sellers' fixed cost over the observation window ``[0, end)``:
        ``team_size x cost_per_year x end / YEAR`` (YEAR = 365 days)."""
        s = self.sellers
        return s.team_size * s.cost_per_year * self.end / 365.0

    @property
    def post_sale_rate(self) -> float:
        """Cost of one post-sale hour."""
        team = self.sellers if self.lifecycle.resource == "sellers" else self.success
        return team.cost_per_hour


@dataclass
class Journeys:
    """One row per lead (marketing and referral) of one strategy in one replication.

    Attributes are arrays of equal length; see :mod:`simsales.engine.metrics`
    for how they become metrics. ``ending`` indexes
    :data:`simsales.model.equations.ENDINGS`; ``won_at`` is NaN for leads not won;
    ``qualified_at`` is the day a lead became an opportunity (its first meeting, or
    its arrival if it came past AWARENESS: a warm referral, a market's member that
    had moved), NaN if it never did; ``source`` indexes :data:`LEAD_SOURCES`
    (``referred`` is ``source == REFERRAL``). In a censored run a journey still open
    where the run stopped has ``ending`` :data:`OPEN` and ``end`` infinite.
    """

    arrival: np.ndarray
    end: np.ndarray
    ending: np.ndarray
    max_orbit: np.ndarray
    hours: np.ndarray
    true_value: np.ndarray
    internalisation: np.ndarray
    timed_out: np.ndarray
    referred: np.ndarray
    lead_cost: np.ndarray
    won_at: np.ndarray
    qualified_at: np.ndarray
    churned: np.ndarray
    post_hours: np.ndarray
    revenue_first: np.ndarray
    revenue_expansion: np.ndarray
    revenue_renewal: np.ndarray
    referrals: np.ndarray
    renewals: np.ndarray
    source: np.ndarray

    def __len__(self) -> int:
        return len(self.arrival)


@dataclass
class Ledger:
    """Accumulates per-lead rows and monthly series while a run goes on."""

    months: int
    end: float
    rows: dict[str, list[float]] = field(
        default_factory=lambda: {f.name: [] for f in fields(Journeys)}
    )
    occupancy: np.ndarray = field(init=False)
    #: revenue and cost booked in each month (plain lists: they are added to often)
    revenue: list[float] = field(init=False)
    cost: list[float] = field(init=False)
    #: run totals that belong to no lead: seller hours spent prospecting, and
    #: the market programme's cost and the citizens it reached
    prospecting_hours: float = 0.0
    programme_cost: float = 0.0
    programme_reached: int = 0

    def __post_init__(self) -> None:
        self.occupancy = np.zeros((self.months, N_STATES), dtype=np.int64)
        self.revenue = [0.0] * self.months
        self.cost = [0.0] * self.months

    def _month(self, day: float) -> int | None:
        if not 0 <= day < self.end:
            return None  # the series covers [0, end) only
        return min(int(day // MONTH), self.months - 1)

    def add_revenue(self, day: float, amount: float) -> None:
        """Book revenue in the month of ``day`` (outside the series: not booked there)."""
        m = self._month(day)
        if m is not None:
            self.revenue[m] += amount

    def add_cost(self, day: float, amount: float) -> None:
        """Book a cost in the month of ``day``."""
        if 0 <= day < self.end:
            self.cost[min(int(day // MONTH), self.months - 1)] += amount

    def add_row(self, **values: float) -> None:
        """One finished lead."""
        for k, v in values.items():
            self.rows[k].append(v)

    def journeys(self) -> Journeys:
        """The rows as arrays."""
        ints = {"ending", "max_orbit", "referrals", "renewals", "source"}
        bools = {"timed_out", "referred", "churned"}
        out = {}
        for k, v in self.rows.items():
            dtype = np.int64 if k in ints else bool if k in bools else float
            out[k] = np.asarray(v, dtype=dtype)
        return Journeys(**out)
