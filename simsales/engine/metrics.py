"""Metrics of one replication × strategy, from its journeys (DESIGN.md 4).

Definitions (docs/model.md has them too):

- *qualified* leads had at least one meeting (they reached POTENTIAL); they
  are the opportunities, and ``conversion = wins / qualified``;
- losses are the qualified leads not won, by cause; ``no_decision_share`` is
  (status quo + indecision) / losses;
- cycle times are over won deals, arrival to decision, in days;
- ``cost_of_sales`` = seller hours × cost per hour + leads × lead cost;
- ``cost_of_sale_share`` = cost_of_sales / first-deal revenue;
- ``roise`` = gross profit / cost_of_sales (return on invested sales effort).
"""

from __future__ import annotations

import math

import numpy as np

from simsales.engine.params import Economics, Market, Sellers
from simsales.engine.simulation import ENDINGS, Journeys
from simsales.model.orbits import PRE_SALE, Ending

__all__ = ["METRICS", "journey_metrics"]

#: Metric name -> (unit, description), in output column order.
METRICS: dict[str, tuple[str, str]] = {
    "leads": ("count", "leads that arrived"),
    "qualified": ("count", "leads that had a first meeting (opportunities)"),
    "wins": ("count", "deals won"),
    "conversion": ("share", "wins / qualified"),
    "win_rate_all_leads": ("share", "wins / leads"),
    "lost_rival": ("count", "qualified leads lost to a rival"),
    "lost_status_quo": ("count", "qualified leads lost to the status quo"),
    "lost_indecision": ("count", "qualified leads lost to indecision"),
    "lost_went_dark": ("count", "qualified leads that refused meetings until unreachable"),
    "lost_patience_out": (
        "count",
        "qualified losses that ended when the buyer's patience ran out (any cause)",
    ),
    "unqualified": ("count", "leads that never granted a meeting"),
    "no_decision_share": ("share", "(status quo + indecision) / losses"),
    "indecision_share_of_no_decision": ("share", "indecision / (status quo + indecision)"),
    "cycle_median": ("days", "median days from arrival to a win"),
    "cycle_p90": ("days", "90th percentile of days from arrival to a win"),
    "seller_hours": ("hours", "seller hours spent"),
    "hours_per_win": ("hours", "seller hours per win"),
    "cost_of_sales": ("price units", "seller cost + lead cost"),
    "cost_per_win": ("price units", "cost of sales per win"),
    "revenue": ("price units", "first-deal revenue"),
    "cost_of_sale_share": ("share", "cost of sales / revenue"),
    "roise": ("ratio", "gross profit / cost of sales"),
    "regret_share": ("share", "share of wins whose true value is below the price"),
    "internalisation_won": ("share", "mean internalisation of won buyers"),
    **{
        f"reached_{o.name.lower()}": ("count", f"leads that reached {o.name.lower()}")
        for o in PRE_SALE
    },
}


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


def journey_metrics(
    j: Journeys, market: Market, sellers: Sellers, economics: Economics
) -> dict[str, float]:
    """All metrics of one replication × strategy, keyed as in :data:`METRICS`."""
    counts = np.bincount(j.ending, minlength=len(ENDINGS))
    c = {e: int(counts[k]) for k, e in enumerate(ENDINGS)}
    leads = len(j.ending)
    wins = c[Ending.WON]
    qualified = leads - c[Ending.UNQUALIFIED]
    losses = qualified - wins
    nodec = c[Ending.STATUS_QUO] + c[Ending.INDECISION]
    won = j.ending == ENDINGS.index(Ending.WON)
    cycle = j.end[won] - j.arrival[won]
    hours = float(j.hours.sum())
    cost = hours * sellers.cost_per_hour + leads * market.lead_cost
    revenue = float(wins)  # one price unit per first deal
    out: dict[str, float] = {
        "leads": leads,
        "qualified": qualified,
        "wins": wins,
        "conversion": _ratio(wins, qualified),
        "win_rate_all_leads": _ratio(wins, leads),
        "lost_rival": c[Ending.RIVAL],
        "lost_status_quo": c[Ending.STATUS_QUO],
        "lost_indecision": c[Ending.INDECISION],
        "lost_went_dark": c[Ending.WENT_DARK],
        "lost_patience_out": int(np.count_nonzero(j.timed_out & (j.max_orbit >= 1))),
        "unqualified": c[Ending.UNQUALIFIED],
        "no_decision_share": _ratio(nodec, losses),
        "indecision_share_of_no_decision": _ratio(c[Ending.INDECISION], nodec),
        "cycle_median": float(np.median(cycle)) if wins else math.nan,
        "cycle_p90": float(np.quantile(cycle, 0.9)) if wins else math.nan,
        "seller_hours": hours,
        "hours_per_win": _ratio(hours, wins),
        "cost_of_sales": cost,
        "cost_per_win": _ratio(cost, wins),
        "revenue": revenue,
        "cost_of_sale_share": _ratio(cost, revenue),
        "roise": _ratio(economics.gross_margin * revenue, cost),
        "regret_share": _ratio(float(np.count_nonzero(j.true_value[won] < 1.0)), wins),
        "internalisation_won": float(j.internalisation[won].mean()) if wins else math.nan,
    }
    for o in PRE_SALE:
        out[f"reached_{o.name.lower()}"] = int(np.count_nonzero(j.max_orbit >= o))
    return out
