"""How metrics and parameters read for people: labels with units, and numbers.

Every metric has a unit (:data:`simsales.engine.metrics.METRICS`); each unit
is shown one way everywhere, defined once here in :data:`UNITS`: the terminal
tables, the charts' axes, the report and the paired comparisons all format
through :func:`metric_display`. The tables on disk (``replications.parquet``,
``summary.csv``, ``paired.csv``...) keep every value in its unit as stored
(shares as fractions from 0 to 1, money in units of the offer's price).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from simsales.engine.metrics import METRICS
from simsales.experiment.config import Experiment

__all__ = [
    "UNITS",
    "Display",
    "Unit",
    "format_difference",
    "format_value",
    "metric_display",
    "metric_label",
    "out_of_range",
    "parameter_label",
]

#: Longest schema description shown next to a parameter on an axis.
MAX_DESCRIPTION = 32


@dataclass(frozen=True)
class Unit:
    """How values of one unit are shown.

    Attributes
    ----------
    axis : str
        The unit in words, for axis labels and headers ("%" for shares).
    scale : float
        Factor from the stored value to the shown one (100 for shares).
    suffix : str
        Written after a shown value ("%").
    diff_suffix : str
        Written after a shown difference of two values (" pp" for shares:
        percentage points, not percent).
    digits : str
        Format of a shown value, e.g. ``"{:.1f}"``.
    low, high : float
        The range of a stored value (a share is between 0 and 1).
    """

    axis: str
    scale: float
    suffix: str
    diff_suffix: str
    digits: str
    low: float
    high: float


#: Every unit of :data:`simsales.engine.metrics.METRICS`, shown one way everywhere.
UNITS: dict[str, Unit] = {
    "share": Unit("%", 100.0, "%", " pp", "{:.1f}", 0.0, 1.0),
    "count": Unit("count", 1.0, "", "", "{:.1f}", 0.0, math.inf),
    "days": Unit("days", 1.0, " d", " d", "{:.1f}", 0.0, math.inf),
    "hours": Unit("hours", 1.0, " h", " h", "{:.0f}", 0.0, math.inf),
    "price units": Unit("units of price", 1.0, "", "", "{:.3g}", -math.inf, math.inf),
    "ratio": Unit("ratio", 1.0, "", "", "{:.2f}", -math.inf, math.inf),
}
#: Quantities of the analyses that are not per-replication metrics.
_OTHER_UNITS = {"cycle_time": "days"}  # quantiles over won deals
#: Metrics without a known unit (e.g. a column added by hand) are shown as stored.
_PLAIN = Unit("", 1.0, "", "", "{:.4g}", -math.inf, math.inf)


@dataclass(frozen=True)
class Display:
    """A metric as people read it: its label (name and unit) and its unit."""

    metric: str
    name: str
    unit: Unit

    @property
    def label(self) -> str:
        """Name with the unit in parentheses, e.g. ``"median cycle time (days)"``."""
        return f"{self.name} ({self.unit.axis})" if self.unit.axis else self.name


def metric_display(metric: str) -> Display:
    """How ``metric`` is shown: its name in words and its :class:`Unit`."""
    unit_name = METRICS[metric][0] if metric in METRICS else _OTHER_UNITS.get(metric)
    unit = UNITS[unit_name] if unit_name is not None else _PLAIN
    return Display(metric, _NAMES.get(metric, metric.replace("_", " ")), unit)


def format_value(metric: str, value: object) -> str:
    """A value of ``metric`` as shown, e.g. ``"7.8%"``, ``"41 d"``; "–" if undefined."""
    u = metric_display(metric).unit
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "–"
    return u.digits.format(float(value) * u.scale) + u.suffix


def format_difference(metric: str, value: object, signed: bool = True) -> str:
    """A difference of two values of ``metric`` as shown, e.g. ``"+2.1 pp"``; "–" if
    undefined."""
    u = metric_display(metric).unit
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "–"
    digits = u.digits.replace("{:", "{:+") if signed else u.digits
    return digits.format(float(value) * u.scale) + u.diff_suffix


_NAMES = {
    "conversion": "conversion of qualified opportunities",
    "cost_of_sale_share": "cost of sale, share of first-deal revenue",
    "total_cost_share": "total cost of sales, share of all revenue",
    "roise": "ROISE, return on invested sales effort",
    "no_decision_share": "no-decision share of losses",
    "cycle_median": "median cycle time",
    "cycle_time": "cycle time of a won deal",
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


def out_of_range(metric: str, size: float, what: str) -> str | None:
    """Why a difference ``size`` (an indifference zone, a precision) on ``metric`` makes
    no sense, or None: it is at least the whole range of a bounded metric (on a
    share, 1 is everything from 0% to 100%).

    Examples
    --------
    >>> print(out_of_range("conversion", 1.0, "--delta").split(";")[0])
    --delta: 1 on conversion is at least its whole range (0 to 1)
    >>> out_of_range("conversion", 0.01, "--delta") is None
    True
    """
    unit = metric_display(metric).unit
    width = unit.high - unit.low
    if not (math.isfinite(width) and math.isfinite(size) and size >= width):
        return None
    hint = ""
    if unit.scale == 100:
        guess = f" (did you mean {size / 100:g}?)" if size <= 100 else ""
        hint = f"; shares are stored as fractions, so one percentage point is 0.01{guess}"
    whole = f"({unit.low:g} to {unit.high:g})"
    return f"{what}: {size:g} on {metric} is at least its whole range {whole}{hint}"


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
    d = metric_display(metric)
    return (d.label, d.unit.scale)


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
