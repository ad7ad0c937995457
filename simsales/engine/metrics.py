"""Metrics of one replication × strategy, from its journeys (docs/model.md 7).

Definitions (as in docs/model.md 7):

- *qualified* leads had at least one meeting (they reached POTENTIAL); they
  are the opportunities, and ``conversion = wins / qualified``;
- losses are the qualified leads not won, by cause; ``no_decision_share`` is
  (status quo + indecision) / losses;
- cycle times are over won deals, arrival to decision, in days;
- ``cost_of_sales`` = (seller hours on leads + prospecting hours) × cost per hour
  + leads × lead cost + the market programme's cost;
- ``cost_of_sale_share`` = cost_of_sales / first-deal revenue;
- ``roise`` = gross profit / cost_of_sales (return on invested sales effort).

After the sale (within the observation window, undiscounted):

- ``total_cost_of_sales`` = acquisition (lead costs) + programme + pre-sale (prospecting
  included) + post-sale hours' cost;
- ``total_cost_with_team`` = total_cost_of_sales + the sellers' fixed yearly cost;
- per lead source (``outbound``, ``inbound``, ``referral``): leads, wins,
  conversion, median cycle, hours and cost (outbound: prospecting included).
- ``total_cost_share`` = total_cost_of_sales / all revenue (first deals,
  expansion, renewals);
- ``clv`` = per won customer, gross profit on its revenue minus its post-sale cost;
- ``roise_lifecycle`` = gross profit on all revenue / total_cost_of_sales.
"""

from __future__ import annotations

import math

import numpy as np

from simsales.engine.simulation import ENDINGS
from simsales.engine.world import LEAD_SOURCES, OUTBOUND, Journeys
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
    "cycle_p10": ("days", "10th percentile of days from arrival to a win"),
    "cycle_median": ("days", "median days from arrival to a win"),
    "cycle_p90": ("days", "90th percentile of days from arrival to a win"),
    "seller_hours": ("hours", "pre-sale seller hours spent on leads (prospecting apart)"),
    "prospecting_hours": ("hours", "seller hours spent prospecting (outbound)"),
    "hours_per_win": ("hours", "(seller hours + prospecting hours) per win"),
    "cost_of_sales": (
        "price units",
        "seller cost (prospecting included) + lead cost + market programme cost",
    ),
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
    # after the sale
    "revenue_expansion": ("price units", "expansion revenue"),
    "revenue_renewal": ("price units", "renewal revenue"),
    "revenue_total": ("price units", "first-deal + expansion + renewal revenue"),
    "churned": ("count", "customers that did not renew"),
    "renewals": ("count", "contract renewals"),
    "churn_rate": ("share", "churned / renewal decisions (renewals + churned)"),
    "referral_leads": ("count", "leads that came by referral"),
    "referrals_per_customer": ("ratio", "referral leads / wins"),
    "referral_share_of_leads": ("share", "referral leads / leads"),
    "referral_share_of_wins": ("share", "wins from referral leads / wins"),
    "post_sale_hours": ("hours", "post-sale hours (onboarding, adoption, account work)"),
    "acquisition_cost": ("price units", "cost of the leads"),
    "programme_cost": ("price units", "cost of the market programme"),
    "prospecting_cost": ("price units", "prospecting hours x seller cost per hour"),
    "presale_cost": (
        "price units",
        "(pre-sale + prospecting) seller hours x cost per hour",
    ),
    "post_sale_cost": ("price units", "post-sale hours x the post-sale team's cost per hour"),
    "total_cost_of_sales": (
        "price units",
        "acquisition + programme + pre-sale (prospecting included) + post-sale cost",
    ),
    "total_cost_share": ("share", "total cost of sales / total revenue"),
    "clv": ("price units", "per won customer: gross profit on its revenue - its post-sale cost"),
    "roise_lifecycle": ("ratio", "gross profit on total revenue / total cost of sales"),
    "team_cost": (
        "price units",
        "sellers' fixed cost: team size x cost per seller-year x observation years",
    ),
    "total_cost_with_team": ("price units", "total cost of sales + team cost (fixed)"),
    "total_cost_share_with_team": ("share", "total cost with team / total revenue"),
    # by lead source
    **{
        name: (unit, text.format(s=s))
        for s in LEAD_SOURCES
        for name, unit, text in (
            (f"leads_{s}", "count", "{s} leads"),
            (f"wins_{s}", "count", "wins from {s} leads"),
            (f"conversion_{s}", "share", "wins / qualified, {s} leads"),
            (f"cycle_median_{s}", "days", "median days from arrival to a win, {s} leads"),
            (
                f"hours_{s}",
                "hours",
                "pre-sale seller hours on {s} leads"
                + (" + prospecting hours" if s == "outbound" else ""),
            ),
            (
                f"cost_{s}",
                "price units",
                "lead cost + pre-sale seller cost of {s} leads"
                + (" + prospecting cost" if s == "outbound" else ""),
            ),
            (f"cost_per_win_{s}", "price units", "cost of {s} leads per win from them"),
        )
    },
}


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


def journey_metrics(
    j: Journeys,
    seller_rate: float,
    post_rate: float,
    gross_margin: float,
    *,
    prospecting_hours: float = 0.0,
    programme_cost: float = 0.0,
    team_cost: float = 0.0,
) -> dict[str, float]:
    """All metrics of one replication × strategy, keyed as in :data:`METRICS`.

    Parameters
    ----------
    j : Journeys
        The run's leads.
    seller_rate, post_rate : float
        Cost of a seller hour and of a post-sale hour (units of price).
    gross_margin : float
        Gross profit per unit of revenue.
    prospecting_hours : float
        Seller hours spent prospecting (``Ledger.prospecting_hours``).
    programme_cost : float
        Cost of the market programme (``Ledger.programme_cost``).
    team_cost : float
        The sellers' fixed cost over the observation window.
    """
    if (j.ending < 0).any():
        raise ValueError("a censored run's journeys (some still open) give no metrics")
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
    acquisition = float(j.lead_cost.sum())
    prospecting_cost = prospecting_hours * seller_rate
    presale = hours * seller_rate + prospecting_cost
    cost = presale + acquisition + programme_cost
    revenue = float(wins)  # one price unit per first deal
    post_hours = float(j.post_hours.sum())
    post_cost = post_hours * post_rate
    rev_exp = float(j.revenue_expansion.sum())
    rev_ren = float(j.revenue_renewal.sum())
    rev_total = revenue + rev_exp + rev_ren
    total_cost = cost + post_cost
    churned = int(np.count_nonzero(j.churned))
    renewals = int(j.renewals.sum())
    referred = int(np.count_nonzero(j.referred))
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
        "cycle_p10": float(np.quantile(cycle, 0.1)) if wins else math.nan,
        "cycle_median": float(np.median(cycle)) if wins else math.nan,
        "cycle_p90": float(np.quantile(cycle, 0.9)) if wins else math.nan,
        "seller_hours": hours,
        "prospecting_hours": prospecting_hours,
        "hours_per_win": _ratio(hours + prospecting_hours, wins),
        "cost_of_sales": cost,
        "cost_per_win": _ratio(cost, wins),
        "revenue": revenue,
        "cost_of_sale_share": _ratio(cost, revenue),
        "roise": _ratio(gross_margin * revenue, cost),
        "regret_share": _ratio(float(np.count_nonzero(j.true_value[won] < 1.0)), wins),
        "internalisation_won": float(j.internalisation[won].mean()) if wins else math.nan,
    }
    for o in PRE_SALE:
        out[f"reached_{o.name.lower()}"] = int(np.count_nonzero(j.max_orbit >= o))
    out.update(
        {
            "revenue_expansion": rev_exp,
            "revenue_renewal": rev_ren,
            "revenue_total": rev_total,
            "churned": churned,
            "renewals": renewals,
            "churn_rate": _ratio(churned, renewals + churned),
            "referral_leads": referred,
            "referrals_per_customer": _ratio(referred, wins),
            "referral_share_of_leads": _ratio(referred, leads),
            "referral_share_of_wins": _ratio(float(np.count_nonzero(won & j.referred)), wins),
            "post_sale_hours": post_hours,
            "acquisition_cost": acquisition,
            "programme_cost": programme_cost,
            "prospecting_cost": prospecting_cost,
            "presale_cost": presale,
            "post_sale_cost": post_cost,
            "total_cost_of_sales": total_cost,
            "total_cost_share": _ratio(total_cost, rev_total),
            "clv": _ratio(gross_margin * rev_total - post_cost, wins),
            "roise_lifecycle": _ratio(gross_margin * rev_total, total_cost),
            "team_cost": team_cost,
            "total_cost_with_team": total_cost + team_cost,
            "total_cost_share_with_team": _ratio(total_cost + team_cost, rev_total),
        }
    )
    qualified_lead = j.ending != ENDINGS.index(Ending.UNQUALIFIED)
    for k, s in enumerate(LEAD_SOURCES):
        mine = j.source == k
        mine_won = mine & won
        n_won = int(np.count_nonzero(mine_won))
        s_hours = float(j.hours[mine].sum())
        s_cost = s_hours * seller_rate + float(j.lead_cost[mine].sum())
        if k == OUTBOUND:
            s_hours += prospecting_hours
            s_cost += prospecting_cost
        s_cycle = j.end[mine_won] - j.arrival[mine_won]
        out[f"leads_{s}"] = int(np.count_nonzero(mine))
        out[f"wins_{s}"] = n_won
        out[f"conversion_{s}"] = _ratio(n_won, int(np.count_nonzero(mine & qualified_lead)))
        out[f"cycle_median_{s}"] = float(np.median(s_cycle)) if n_won else math.nan
        out[f"hours_{s}"] = s_hours
        out[f"cost_{s}"] = s_cost
        out[f"cost_per_win_{s}"] = _ratio(s_cost, n_won)
    return out
