"""The methods ``Results`` had in simsales 0.2.0, kept for one release.

``Results`` is data now (:mod:`simsales.store.results`): the tables and the
record of the run. What its methods computed, drew or wrote are functions of
the layers above it, and its old methods are attached here as thin wrappers
that emit a :class:`DeprecationWarning` naming the function to use:

================================  ================================================
0.2.0                             now
================================  ================================================
``res.summary``                   ``simsales.summary_table(res)``
``res.table(metrics)``            ``simsales.mean_table(res, metrics)``
``res.comparisons``               ``simsales.declared_comparisons(res)``
``res.conversion_chart()``        ``simsales.distribution_chart(res, "conversion")``
``res.cost_of_sale_chart()``      ``simsales.distribution_chart(res, "cost_of_sale_share")``
``res.losses_chart()`` ...        ``simsales.losses_chart(res)`` (also ``funnel_chart``,
                                  ``occupancy_chart``, ``revenue_cost_chart``)
``res.chart_list(metrics)``       ``simsales.result_charts(res, metrics)``
``res.charts()``                  ``simsales.draw_charts(res)``
``res.save(dir, with_charts)``    ``simsales.save_results(res, dir, with_charts)``
``res.report(dir)``               ``simsales.report(dir, res)``
================================  ================================================

This module sits at the top, beside the package root, so that the store never
imports the layers above it; :mod:`simsales` imports it when a name of the
results side is first used. They go in the release after 0.3.0.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from simsales.analysis.comparison import declared_comparisons
from simsales.analysis.summary import mean_table, summary_table
from simsales.plots import result_charts as charts
from simsales.plots.captioned import Chart
from simsales.reporting.outputs import save_results
from simsales.reporting.write import write_report
from simsales.store.results import Results

__all__ = ["DEPRECATED"]


def _warn(old: str, new: str) -> None:
    warnings.warn(
        f"Results.{old} is deprecated and goes in the next release: use {new}",
        DeprecationWarning,
        stacklevel=3,
    )


def _summary(self: Results) -> pd.DataFrame:
    _warn("summary", "simsales.summary_table(results)")
    return summary_table(self)


def _comparisons(self: Results) -> pd.DataFrame:
    _warn("comparisons", "simsales.declared_comparisons(results)")
    return declared_comparisons(self)


def _table(self: Results, metrics: list[str] | None = None) -> pd.DataFrame:
    _warn("table()", "simsales.mean_table(results, metrics)")
    return mean_table(self, metrics)


def _conversion_chart(self: Results) -> Figure:
    _warn("conversion_chart()", 'simsales.distribution_chart(results, "conversion")')
    return charts.distribution_chart(self, "conversion")


def _cost_of_sale_chart(self: Results) -> Figure:
    _warn("cost_of_sale_chart()", 'simsales.distribution_chart(results, "cost_of_sale_share")')
    return charts.distribution_chart(self, "cost_of_sale_share")


def _losses_chart(self: Results) -> Figure:
    _warn("losses_chart()", "simsales.losses_chart(results)")
    return charts.losses_chart(self)


def _funnel_chart(self: Results) -> Figure:
    _warn("funnel_chart()", "simsales.funnel_chart(results)")
    return charts.funnel_chart(self)


def _occupancy_chart(self: Results) -> Figure:
    _warn("occupancy_chart()", "simsales.occupancy_chart(results)")
    return charts.occupancy_chart(self)


def _revenue_cost_chart(self: Results) -> Figure:
    _warn("revenue_cost_chart()", "simsales.revenue_cost_chart(results)")
    return charts.revenue_cost_chart(self)


def _chart_list(self: Results, metrics: list[str] | None = None) -> list[Chart]:
    _warn("chart_list()", "simsales.result_charts(results, metrics)")
    return charts.result_charts(self, metrics)


def _charts(self: Results) -> dict[str, Figure]:
    _warn("charts()", "simsales.draw_charts(results)")
    return charts.draw_charts(self)


def _save(self: Results, directory: str | Path, with_charts: bool = True) -> Path:
    _warn("save()", "simsales.save_results(results, directory)")
    return save_results(self, directory, with_charts=with_charts)


def _report(self: Results, directory: str | Path) -> tuple[Path, Path]:
    _warn("report()", "simsales.report(directory, results)")
    return write_report(directory, self)


#: Name on ``Results`` -> (wrapper, whether it was a property).
DEPRECATED: dict[str, tuple[Callable[..., Any], bool]] = {
    "summary": (_summary, True),
    "comparisons": (_comparisons, True),
    "table": (_table, False),
    "conversion_chart": (_conversion_chart, False),
    "cost_of_sale_chart": (_cost_of_sale_chart, False),
    "losses_chart": (_losses_chart, False),
    "funnel_chart": (_funnel_chart, False),
    "occupancy_chart": (_occupancy_chart, False),
    "revenue_cost_chart": (_revenue_cost_chart, False),
    "chart_list": (_chart_list, False),
    "charts": (_charts, False),
    "save": (_save, False),
    "report": (_report, False),
}

for _name, (_wrapper, _is_property) in DEPRECATED.items():
    setattr(Results, _name, property(_wrapper) if _is_property else _wrapper)
