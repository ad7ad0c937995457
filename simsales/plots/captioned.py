"""A chart of a result not yet drawn, with its caption, and what every chart of one
result shares: its strategies' looks, the end of its caption, its file stem.

:mod:`simsales.plots.result_charts` and :mod:`simsales.plots.result_sweeps` make
the charts of a result from these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from simsales.plots.style import Style, config_styles

if TYPE_CHECKING:
    from simsales.store.results import Results

__all__ = [
    "PER_WIN",
    "Chart",
    "caption_end",
    "chart_metrics",
    "metric_stem",
    "result_styles",
    "scaled",
]

#: File stems that are not the metric's name (kept for the results written before).
_STEMS = {"cost_of_sale_share": "cost_of_sale"}
#: Metrics undefined where nothing was won (their denominator is wins or revenue).
PER_WIN = frozenset(
    {
        "cost_of_sale_share", "cost_per_win", "hours_per_win", "cycle_p10", "cycle_median",
        "cycle_p90", "regret_share", "internalisation_won", "clv", "referrals_per_customer",
        "referral_share_of_wins",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Chart:
    """A chart not yet drawn: file stem, one-line caption, and how to draw it."""

    stem: str
    caption: str
    draw: Callable[[], Figure]


def scaled(df: pd.DataFrame, metric: str, scale: float) -> pd.DataFrame:
    """``df`` with ``metric`` multiplied by ``scale`` (shares shown in percent)."""
    return df.assign(**{metric: df[metric] * scale}) if scale != 1 else df


def metric_stem(metric: str) -> str:
    """File stem of a metric's charts: its name (``cost_of_sale`` for ``cost_of_sale_share``)."""
    return _STEMS.get(metric, metric)


def chart_metrics(results: Results) -> list[str]:
    """The metrics the experiment charts (its ``chart_metrics``)."""
    return list(results.record.config.chart_metrics)


def result_styles(results: Results) -> dict[str, Style]:
    """``{strategy: Style}`` of the experiment's strategies (their ``style`` keys or
    the naming rule), then any other strategy of the tables; see
    :mod:`simsales.plots.style`."""
    specs = results.record.config.strategies
    known = {s.name for s in specs}
    found = [str(s) for s in pd.unique(results.replications["strategy"])]
    return config_styles(
        [
            *(s.model_dump(mode="json") for s in specs),
            *({"name": s} for s in found if s not in known),
        ]
    )


def caption_end(results: Results, point: int | None = None) -> str:
    """The end of every caption: which experiment (and design point), how many replications."""
    n = results.replications["replication"].nunique()
    at = f" at design point {point}" if point is not None else ""
    return f" Experiment {results.name}{at}, {n} replication{'s' if n != 1 else ''}."
