"""The charts of an experiment's results, each with a one-line caption.

One list, :func:`result_charts`, decides which charts a result has; both
:meth:`Results.save` and the report draw from it, so files and report agree.
Charts are drawn only when asked (``Chart.draw``), so a caller can skip the
ones it already has.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from simsales.experiment.labels import metric_label, parameter_label
from simsales.plots import charts, distributions, forest, sweeps

if TYPE_CHECKING:
    from simsales.experiment.results import Results

__all__ = ["Chart", "result_charts", "swept_parameters"]

#: Metrics whose distributions and sweeps are drawn: (metric, file stem).
SHOWN = (("conversion", "conversion"), ("cost_of_sale_share", "cost_of_sale"))
#: Of those, the ones undefined where nothing was won (their denominator is revenue).
_PER_WIN = frozenset({"cost_of_sale_share"})


@dataclass(frozen=True)
class Chart:
    """A chart not yet drawn: file stem, one-line caption, and how to draw it."""

    stem: str
    caption: str
    draw: Callable[[], Figure]


def swept_parameters(results: Results) -> list[str]:
    """Key paths of the swept parameters, in the order of the experiment's ``[sweep]``."""
    sweep = results.manifest.get("config", {}).get("sweep") or {}
    params = [str(p) for p in sweep.get("parameters", {})]
    return [p for p in params if p in results.replications.columns]


def _is_sweep(results: Results) -> bool:
    reps = results.replications
    return "point" in reps.columns and reps["point"].nunique() > 1


def _scaled(df: pd.DataFrame, metric: str, scale: float) -> pd.DataFrame:
    return df.assign(**{metric: df[metric] * scale}) if scale != 1 else df


def _distribution_charts(results: Results) -> list[Chart]:
    reps = results.replications
    n = reps["replication"].nunique()
    out = []
    for metric, stem in SHOWN:
        label, scale = metric_label(metric)
        df = _scaled(reps, metric, scale)
        out.append(
            Chart(
                stem,
                f"{label.capitalize()} in each of the {n} replications, by strategy: violins "
                "are kernel density estimates, points the replications, black bars the medians.",
                partial(distributions.violin_chart, df, metric, label),
            )
        )
        out.append(
            Chart(
                f"{stem}_ecdf",
                f"Empirical cumulative distribution of {label} over the {n} replications, "
                "one curve per strategy; a curve further right means larger values.",
                partial(distributions.ecdf_chart, df, metric, label),
            )
        )
    return out


def _standard_charts(results: Results) -> list[Chart]:
    reps = results.replications
    out = _distribution_charts(results)
    out.append(
        Chart(
            "losses_by_cause",
            "Mean qualified losses per replication, stacked by cause (status quo, indecision, "
            "rival, went dark), one bar per strategy.",
            partial(charts.losses_chart, reps),
        )
    )
    out.append(
        Chart(
            "orbit_funnel",
            "Share of all leads that reached each pre-sale orbit (awareness to acquisition), "
            "pooled over replications, one line per strategy.",
            partial(charts.funnel_chart, reps),
        )
    )
    comp = results.comparisons
    if not comp.empty:
        labels = {str(m): metric_label(str(m)) for m in pd.unique(comp["metric"])}
        out.append(
            Chart(
                "paired_differences",
                "Paired differences a − b between strategies on the same customers: mean "
                "over replications with its 95% confidence interval, one panel per metric.",
                partial(forest.forest_chart, comp, labels),
            )
        )
    ts = results.timeseries
    if not ts.empty:
        out.append(
            Chart(
                "orbit_occupancy",
                "Mean number of customers in each orbit (and churned) at the start of each "
                "month, stacked, one panel per strategy.",
                partial(charts.occupancy_chart, ts),
            )
        )
        out.append(
            Chart(
                "revenue_vs_cost",
                "Cumulative revenue and cumulative total cost of sales by month, mean over "
                "replications, one line per strategy (units of the offer's price).",
                partial(charts.revenue_cost_chart, ts),
            )
        )
    return out


def _undefined_note(summary: pd.DataFrame, metric: str, kind: str) -> str:
    """The caption's word on blank places of a sweep chart.

    ``kind`` is ``"line"`` (an undefined mean is a gap), ``"grid"`` (one cell per
    design point), ``"averaged"`` (a cell averages the points of the other swept
    parameters, skipping undefined ones) or ``"binned"`` (an lhs or Sobol design,
    whose cells may also hold no design point at all).
    """
    undefined = bool(summary.loc[summary["metric"] == metric, "mean"].isna().any())
    why = " (no wins)" if metric in _PER_WIN else ""
    if kind == "binned":
        return " A blank cell holds no design point where the mean is defined" + (
            f"{why}." if undefined else "."
        )
    if not undefined:
        return ""
    if kind == "line":
        return f" Gaps: undefined there{why}."
    if kind == "averaged":
        return (
            f" A cell averages the design points where the mean is defined{why}; "
            "blank where it is defined at none."
        )
    return f" Blank cells: undefined there{why}."


def _sweep_charts(results: Results) -> list[Chart]:
    params = swept_parameters(results)
    if not params:
        return []
    reps = results.replications
    points = reps.groupby("point", sort=True)[params].first().reset_index()
    summary = results.summary
    n = reps["replication"].nunique()
    out = []
    method = ((results.manifest.get("config") or {}).get("sweep") or {}).get("method", "grid")
    kind = (
        "line" if len(params) == 1
        else "binned" if method != "grid"
        else "averaged" if len(params) > 2
        else "grid"
    )  # fmt: skip
    defined = set(summary["metric"])
    for metric, stem in SHOWN:
        if metric not in defined:  # an older or hand-made table without it
            continue
        label, scale = metric_label(metric)
        blank = _undefined_note(summary, metric, kind)
        if len(params) == 1:
            p = params[0]
            out.append(
                Chart(
                    f"sweep_{stem}",
                    f"Mean {label} against {p} over {len(points)} design points, one line per "
                    f"strategy; bands are 95% confidence intervals over {n} replications." + blank,
                    partial(
                        sweeps.sweep_line_chart,
                        summary,
                        points,
                        metric,
                        label,
                        p,
                        scale=scale,
                        xlabel=parameter_label(p),
                    ),
                )
            )
        else:
            x, y = params[:2]
            rest = f", averaged over {', '.join(params[2:])}" if len(params) > 2 else ""
            out.append(
                Chart(
                    f"heatmap_{stem}",
                    f"Mean {label} over {x} and {y} ({len(points)} design points{rest}), one "
                    "panel per strategy on one colour scale"
                    + (
                        ", logarithmic as a few means are orders of magnitude above the rest."
                        if sweeps.heatmap_is_logarithmic(summary, points, metric, scale)
                        else "."
                    )
                    + blank,
                    partial(
                        sweeps.sweep_heatmap,
                        summary,
                        points,
                        metric,
                        label,
                        x,
                        y,
                        scale=scale,
                        xlabel=parameter_label(x),
                        ylabel=parameter_label(y),
                    ),
                )
            )
    return out


def result_charts(results: Results) -> list[Chart]:
    """Every chart of ``results``, in report order.

    A sweep of several design points gets its sweep charts (a line per
    strategy against one swept parameter, or heatmaps over the first two);
    charts that pool replications across design points would mix different
    worlds, so the per-strategy distributions are drawn only without a sweep.
    """
    if _is_sweep(results):
        return _sweep_charts(results)
    return _standard_charts(results)
