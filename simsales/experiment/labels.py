"""Axis labels with units, for metrics and for parameters given by key path."""

from __future__ import annotations

from typing import Any

from simsales.engine.metrics import METRICS
from simsales.experiment.config import Experiment

__all__ = ["metric_label", "parameter_label"]

#: Longest schema description shown next to a parameter on an axis.
MAX_DESCRIPTION = 32

_UNITS = {
    "count": "count",
    "days": "days",
    "hours": "hours",
    "price units": "units of price",
    "ratio": "ratio",
}
_NAMES = {
    "conversion": "conversion of qualified opportunities",
    "cost_of_sale_share": "cost of sale, share of first-deal revenue",
    "total_cost_share": "total cost of sales, share of all revenue",
    "roise": "ROISE, return on invested sales effort",
    "no_decision_share": "no-decision share of losses",
    "cycle_median": "median cycle time",
    "cycle_p10": "cycle time, 10th percentile",
    "cycle_p90": "cycle time, 90th percentile",
    "win_rate_all_leads": "win rate of all leads",
    "lost_rival": "lost to a rival",
    "lost_status_quo": "lost to the status quo",
    "lost_indecision": "lost to indecision",
    "lost_went_dark": "lost, went dark",
    "lost_patience_out": "lost when patience ran out",
    "indecision_share_of_no_decision": "indecision share of no-decision losses",
    "seller_hours": "seller time",
    "hours_per_win": "seller time per win",
    "revenue": "first-deal revenue",
    "regret_share": "regretted wins, true value below price",
    "internalisation_won": "internalisation of won buyers",
    "revenue_expansion": "expansion revenue",
    "revenue_renewal": "renewal revenue",
    "revenue_total": "total revenue",
    "post_sale_hours": "post-sale time",
    "acquisition_cost": "lead acquisition cost",
    "presale_cost": "pre-sale cost",
    "post_sale_cost": "post-sale cost",
    "clv": "CLV, customer lifetime value per won customer",
    "roise_lifecycle": "lifecycle ROISE, over all revenue and all cost",
}


def metric_label(metric: str) -> tuple[str, float]:
    """Axis label of a metric with its unit, and the factor its values are shown at.

    Shares are shown in percent (factor 100); everything else as stored.

    Examples
    --------
    >>> metric_label("conversion")
    ('conversion of qualified opportunities (%)', 100.0)
    >>> metric_label("cycle_median")
    ('median cycle time (days)', 1.0)
    >>> metric_label("cost_per_win")
    ('cost per win (units of price)', 1.0)
    """
    unit = METRICS[metric][0] if metric in METRICS else None
    name = _NAMES.get(metric, metric.replace("_", " "))
    if unit == "share":
        return (f"{name} (%)", 100.0)
    if unit in _UNITS:
        return (f"{name} ({_UNITS[unit]})", 1.0)
    return (name, 1.0)


def parameter_label(path: str) -> str:
    """A parameter's key path with the schema's description of it, if it has one.

    Examples
    --------
    >>> parameter_label("market.lead_rate")
    'market.lead_rate (leads per day)'
    >>> parameter_label("population.urgency.b")
    'population.urgency.b'
    """
    model: Any = Experiment
    description = None
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not isinstance(fields, dict) or part not in fields:
            return path
        description = fields[part].description
        model = fields[part].annotation
    short = description.split(" (")[0] if description else ""
    if not short or len(short) > MAX_DESCRIPTION:  # a long one would not fit an axis
        return path
    return f"{path} ({short})"
