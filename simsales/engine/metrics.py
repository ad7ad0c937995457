"""Metrics of one replication × strategy, from its journeys (docs/model.md 7).

Definitions (as in docs/model.md 7):

- *qualified* leads had at least one meeting (they reached POTENTIAL); they
  are the opportunities, and ``conversion = wins / qualified``;
- losses are the qualified leads not won, by cause; ``no_decision_share`` is
  (status quo + indecision) / losses;
- cycle times are over won deals, arrival to decision, in days;
- ``cost_of_sales`` = seller hours × cost per hour + leads × lead cost;
- ``cost_of_sale_share`` = cost_of_sales / first-deal revenue;
- ``roise`` = gross profit / cost_of_sales (return on invested sales effort).

After the sale (within the observation window, undiscounted):

- ``total_cost_of_sales`` = acquisition (lead costs) + pre-sale + post-sale hours' cost;
- ``total_cost_share`` = total_cost_of_sales / all revenue (first deals,
  expansion, renewals);
- ``clv`` = per won customer, gross profit on its revenue minus its post-sale cost;
- ``roise_lifecycle`` = gross profit on all revenue / total_cost_of_sales.
"""

from __future__ import annotations

import math

import numpy as np

from simsales.engine.simulation import ENDINGS
from simsales.engine.world import Journeys
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
    "presale_cost": ("price units", "pre-sale seller hours x cost per hour"),
    "post_sale_cost": ("price units", "post-sale hours x the post-sale team's cost per hour"),
    "total_cost_of_sales": ("price units", "acquisition + pre-sale + post-sale cost"),
    "total_cost_share": ("share", "total cost of sales / total revenue"),
    "clv": ("price units", "per won customer: gross profit on its revenue - its post-sale cost"),
    "roise_lifecycle": ("ratio", "gross profit on total revenue / total cost of sales"),
}


def _ratio(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


def journey_metrics(
    j: Journeys, seller_rate: float, post_rate: float, gross_margin: float
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
    """
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
    cost = hours * seller_rate + acquisition
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
        "hours_per_win": _ratio(hours, wins),
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
            "presale_cost": hours * seller_rate,
            "post_sale_cost": post_cost,
            "total_cost_of_sales": total_cost,
            "total_cost_share": _ratio(total_cost, rev_total),
            "clv": _ratio(gross_margin * rev_total - post_cost, wins),
            "roise_lifecycle": _ratio(gross_margin * rev_total, total_cost),
        }
    )
    return out
