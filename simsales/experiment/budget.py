"""Resource estimates checked before anything runs: what validates, runs.

Every numeric key has an upper bound of its own, but some sizes come from
several keys together: a finite market's trait arrays (``market.size`` times
the buying group), the events of one replication (leads times strategies times
the steps of each journey, from the horizon and the step sizes), and the
design points times the replications. Each estimate is compared with a fixed
limit; an experiment over one is refused before it runs, with the estimate
and the limit in the message (docs/experiments.md, Resource limits).

The estimates are deliberately generous (an upper bound of the typical
cost, not a prediction), so that a file that passes runs in bounded time and
memory; the limits leave room for every shipped study.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from simsales.engine.params import Market, Sellers
from simsales.experiment.design import Sweep
from simsales.experiment.sensitivity_design import Sensitivity
from simsales.model.behaviour import Behaviour
from simsales.model.lifecycle import Lifecycle
from simsales.model.population import Population

__all__ = [
    "MAX_DESIGN_POINTS",
    "MAX_EVENTS",
    "MAX_MEMORY_BYTES",
    "MAX_ROUND_EVENTS",
    "MAX_RUNS",
    "MAX_TOTAL_EVENTS",
    "Budgeted",
    "budget_problems",
    "design_size",
    "events_per_replication",
    "expected_leads",
    "memory_bytes",
]

#: Largest estimated memory of one replication's arrays (traits of every member).
MAX_MEMORY_BYTES = 1 << 30
#: Largest estimated number of simulation events of one replication (all strategies):
#: about a minute of one core.
MAX_EVENTS = 10_000_000
#: Largest estimated number of events of one replication of every design point
#: (what ``run -n 1`` costs): about ten minutes of one core.
MAX_ROUND_EVENTS = 100_000_000
#: Largest number of design points of a sweep or sensitivity design.
MAX_DESIGN_POINTS = 100_000
#: Largest number of replication runs: design points x replications.
MAX_RUNS = 2_000_000
#: Largest estimated number of events of the whole experiment (about a day of one core).
MAX_TOTAL_EVENTS = 10_000_000_000

#: Events of one pre-sale journey, generously (steps, meetings, decisions).
_PRE_SALE_EVENTS = 30
#: Cost of drawing one finite-market member's traits, in events (150 draws).
_MEMBER_EVENTS = 5
#: Share of leads assumed to become customers, for the post-sale events.
_CUSTOMER_SHARE = 0.25
#: Bytes per customer of the trait arrays: 8 customer traits and the clocks of a
#: finite market (8 bytes each, 3 arrays), plus the 50-wide block a stakeholder
#: trait is drawn in (one at a time).
_BYTES_PER_CUSTOMER = 8 * 8 + 3 * 8 + 50 * 8
#: Bytes per stakeholder slot kept: 3 stakeholder traits of 8 bytes.
_BYTES_PER_SLOT = 3 * 8
_YEAR = 365.0


class _Programmed(Protocol):
    def given(self, key: str) -> list[Any]: ...


class Budgeted(Protocol):
    """What the estimates read of an experiment (:class:`simsales.experiment.config.Experiment`,
    which checks its budget as it validates, so this module cannot import it)."""

    @property
    def horizon_days(self) -> float: ...
    @property
    def end_days(self) -> float: ...
    @property
    def replications(self) -> int: ...
    @property
    def market(self) -> Market: ...
    @property
    def sellers(self) -> Sellers: ...
    @property
    def behaviour(self) -> Behaviour: ...
    @property
    def population(self) -> Population: ...
    @property
    def lifecycle(self) -> Lifecycle: ...
    @property
    def strategies(self) -> Sequence[_Programmed]: ...
    @property
    def sweep(self) -> Sweep | None: ...
    @property
    def sensitivity(self) -> Sensitivity | None: ...


def _size(n: float) -> str:
    """Bytes in words: ``1.5 GiB``."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n:.0f} bytes"


def _count(n: float) -> str:
    return f"{n:,.0f}" if n < 1e15 else f"{n:.2e}"


def expected_leads(exp: Budgeted) -> float:
    """Leads of one replication, generously: Poisson arrivals over the horizon, or the
    members of a finite market reached by the Bass curve (innovation, plus the
    members' own inward rate and the programme's monthly moves, as ``p``; referrals
    plus the inward imitation as ``q``); plus what prospecting on every seller
    hour would find."""
    years = exp.horizon_days / _YEAR
    s, mk = exp.sellers, exp.market
    outbound = s.prospecting_leads_per_hour * s.team_size * s.hours_per_day * exp.horizon_days
    if mk.size is None:
        return mk.lead_rate * exp.horizon_days + outbound
    own = [r for spec in exp.strategies for r in spec.given("programme_reach")]
    reach = max([mk.programme_reach, *(float(r) for r in own if isinstance(r, int | float))])
    p = mk.innovation + mk.inward_rate + 12 * reach * mk.programme_effect / mk.size
    q = (exp.lifecycle.referral_rate if exp.lifecycle.enabled else 0.0) + mk.inward_imitation
    e = math.exp(-(p + q) * years)
    share = (1 - e) / (1 + (q / p) * e)
    return min(float(mk.size), mk.size * min(1.0, share) + outbound)


def memory_bytes(exp: Budgeted) -> float:
    """Memory of one replication's trait arrays: one row per lead or market member."""
    members = exp.market.size if exp.market.size is not None else expected_leads(exp)
    slots = exp.population.max_stakeholders
    return members * (_BYTES_PER_CUSTOMER + _BYTES_PER_SLOT * slots)


def events_per_replication(exp: Budgeted) -> float:
    """Simulation events of one replication, all strategies, generously.

    Each lead's pre-sale journey takes a few dozen events, plus its compelling
    events; each customer then takes a post-sale step every
    ``lifecycle.step_days`` and renews every ``contract_days`` until the end.
    Drawing the traits of a finite market's members counts as a few events each.
    """
    leads = expected_leads(exp)
    compelling = exp.behaviour.compelling_event_rate * exp.end_days / _YEAR
    per_lead = _PRE_SALE_EVENTS + compelling
    if exp.lifecycle.enabled:
        life = exp.lifecycle
        post = exp.end_days / life.step_days + exp.end_days / life.contract_days
        per_lead += _CUSTOMER_SHARE * post
    members = _MEMBER_EVENTS * exp.market.size if exp.market.size is not None else 0
    return members + len(exp.strategies) * leads * per_lead


def design_size(exp: Budgeted) -> int:
    """Design points, counted without drawing the design (a grid's is the product of
    its lists' lengths)."""
    if exp.sensitivity is not None:
        return exp.sensitivity.points
    if exp.sweep is None:
        return 1
    if exp.sweep.method != "grid":
        return exp.sweep.points or 8
    return math.prod(len(v) for v in exp.sweep.parameters.values() if isinstance(v, list))


def budget_problems(exp: Budgeted, replications: int | None = None) -> list[str]:
    """Why ``exp`` would not run in bounded time and memory: one line per estimate
    over its limit, each naming the keys that set it, the estimate and the limit.

    Parameters
    ----------
    exp : Experiment
        The experiment (its own replications, unless ``replications`` is given).
    replications : int, optional
        The most replications it may run, e.g. the cap of ``--precision``.

    Examples
    --------
    >>> from simsales.experiment.config import Experiment
    >>> budget_problems(Experiment(name="x", seed=1))
    []
    """
    reps = exp.replications if replications is None else replications
    problems = []
    mem = memory_bytes(exp)
    if mem > MAX_MEMORY_BYTES:
        what = "market.size" if exp.market.size is not None else "market.lead_rate x horizon_days"
        problems.append(
            f"{what}: one replication's trait arrays need about {_size(mem)} "
            f"(estimate), over the limit of {_size(MAX_MEMORY_BYTES)}; use a smaller "
            "market or fewer stakeholders (population.stakeholders)"
        )
    events = events_per_replication(exp)
    if events > MAX_EVENTS:
        problems.append(
            f"resources: one replication needs about {_count(events)} simulation events (estimate: "
            f"{_count(expected_leads(exp))} leads x {len(exp.strategies)} strategies x "
            "the steps of each journey), over the limit of "
            f"{_count(MAX_EVENTS)}; shorten the horizon, lower the lead rate or the "
            "market size, lengthen the step sizes, or compare fewer strategies"
        )
    points = design_size(exp)
    where = "sensitivity" if exp.sensitivity is not None else "sweep"
    if points > MAX_DESIGN_POINTS:
        problems.append(
            f"{where}: the design has {_count(points)} points, over the limit of "
            f"{_count(MAX_DESIGN_POINTS)}; use fewer values or an lhs/sobol design"
        )
        return problems
    runs = points * reps
    if not problems and points > 1 and points * events > MAX_ROUND_EVENTS:
        problems.append(
            f"{where}: {_count(points)} design points x about {_count(events)} events "
            f"each = {_count(points * events)} simulation events for one replication "
            f"of every point (estimate), over the limit of {_count(MAX_ROUND_EVENTS)}; "
            "use fewer points, a shorter horizon or a smaller market"
        )
    if runs > MAX_RUNS:
        problems.append(
            f"replications: {_count(points)} design point(s) x {_count(reps)} replications "
            f"= {_count(runs)} runs, over the limit of {_count(MAX_RUNS)}"
        )
    elif not problems and runs * events > MAX_TOTAL_EVENTS:
        problems.append(
            f"replications: {_count(runs)} runs x about {_count(events)} events each = "
            f"{_count(runs * events)} simulation events (estimate), over the limit of "
            f"{_count(MAX_TOTAL_EVENTS)}; use fewer replications or design points"
        )
    return problems
