"""The charts of an experiment's results, each with a one-line caption.

One list, :func:`result_charts`, decides which charts a result has; both
:func:`simsales.save_results` and the report draw from it, so files and report
agree. Charts are drawn only when asked (``Chart.draw``), so a caller can skip
the ones it already has. :func:`distribution_chart` and :func:`ecdf_chart` draw
any metric of a result; :func:`losses_chart`, :func:`funnel_chart`,
:func:`occupancy_chart` and :func:`revenue_cost_chart` the others. Every chart
of a result gets its strategies' looks from the experiment as run
(:func:`simsales.plots.captioned.result_styles`).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from simsales.analysis.comparison import declared_comparisons
from simsales.engine.metrics import METRICS
from simsales.experiment.config import unknown_metrics
from simsales.labels import metric_label
from simsales.plots import charts, forest, spread_charts
from simsales.plots.captioned import (
    Chart,
    caption_end,
    chart_metrics,
    metric_stem,
    result_styles,
    scaled,
)
from simsales.plots.result_sweeps import sweep_charts

if TYPE_CHECKING:
    from simsales.store.results import Results

__all__ = [
    "distribution_chart",
    "draw_charts",
    "ecdf_chart",
    "funnel_chart",
    "losses_chart",
    "occupancy_chart",
    "result_charts",
    "revenue_cost_chart",
]


def _is_sweep(results: Results) -> bool:
    reps = results.replications
    return "point" in reps.columns and reps["point"].nunique() > 1


def _check_metric(results: Results, metric: str) -> None:
    """Raise ValueError unless ``metric`` is a metric column of ``results``."""
    known = [m for m in METRICS if m in results.replications.columns]
    if metric in known:
        return
    if metric in METRICS:
        raise ValueError(
            f"metric {metric!r} is not in these results (written by an older simsales?); "
            f"they have: {', '.join(known)}"
        )
    close = difflib.get_close_matches(metric, known, n=1)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(f"unknown metric {metric!r}{guess}; known metrics: {', '.join(known)}")


def _one_point(results: Results, point: int | None) -> pd.DataFrame:
    reps = results.replications
    points = sorted(reps["point"].unique()) if "point" in reps.columns else []
    if point is None:
        if len(points) > 1:
            raise ValueError(
                f"these results are a sweep of {len(points)} design points: give point= "
                f"one of {points[0]}..{points[-1]} (distributions of different points "
                "would mix different worlds)"
            )
        return reps
    if point not in points:
        raise ValueError(f"point {point!r} is not a design point of these results ({points})")
    return reps[reps["point"] == point]


def _distribution(results: Results, metric: str, kind: str, point: int | None) -> Chart:
    _check_metric(results, metric)
    reps = _one_point(results, point)
    label, scale = metric_label(metric)
    df = scaled(reps, metric, scale)
    styles = result_styles(results)
    about = caption_end(results, point)
    stem = metric_stem(metric) + (f"_point{point}" if point is not None else "")
    if kind == "violin":
        return Chart(
            stem,
            f"{label[:1].upper()}{label[1:]} in each replication, by strategy: violins are "
            "kernel density estimates, points the replications, black bars the medians." + about,
            partial(spread_charts.violin_chart, df, metric, label, styles=styles),
        )
    return Chart(
        f"{stem}_ecdf",
        f"Empirical cumulative distribution of {label} over the replications, one curve per "
        "strategy; a curve further right means larger values." + about,
        partial(spread_charts.ecdf_chart, df, metric, label, styles=styles),
    )


def distribution_chart(results: Results, metric: str, *, point: int | None = None) -> Figure:
    """Violins of any metric over the replications, one per strategy, with every replication.

    Parameters
    ----------
    results : Results
        Results of an experiment (run, or read with :func:`simsales.load_results`).
    metric : str
        A metric column (see the metric names of docs/experiments.md); shares
        are shown in percent. The title names it with its unit.
    point : int, optional
        For a sweep: the design point to show (required there, as pooling
        points would mix different worlds).

    Returns
    -------
    Figure
        The chart, in the experiment's strategy looks; :func:`simsales.plots.style.save_figure`
        writes it.

    Raises
    ------
    ValueError
        If ``metric`` is not a metric of the results (naming the known ones, with
        a guess), or ``point`` is missing or not a design point.
    """
    return _distribution(results, metric, "violin", point).draw()


def ecdf_chart(results: Results, metric: str, *, point: int | None = None) -> Figure:
    """Empirical distribution functions of any metric over the replications, one per strategy.

    Parameters, return value and errors as for :func:`distribution_chart`.
    """
    return _distribution(results, metric, "ecdf", point).draw()


def losses_chart(results: Results) -> Figure:
    """Mean qualified losses per replication, stacked by cause, one bar per strategy."""
    return charts.losses_chart(results.replications, styles=result_styles(results))


def funnel_chart(results: Results) -> Figure:
    """Share of leads reaching each pre-sale orbit, and won, one line per strategy."""
    return charts.funnel_chart(results.replications, styles=result_styles(results))


def occupancy_chart(results: Results) -> Figure:
    """Where customers are, month by month, per strategy (mean over replications)."""
    return charts.occupancy_chart(results.timeseries, styles=result_styles(results))


def revenue_cost_chart(results: Results) -> Figure:
    """Cumulative revenue and total cost of sales over time, per strategy."""
    return charts.revenue_cost_chart(results.timeseries, styles=result_styles(results))


def _distribution_charts(results: Results, metrics: Sequence[str]) -> list[Chart]:
    out = []
    for metric in metrics:
        if metric not in results.replications.columns:  # an older or hand-made table
            continue
        out += [_distribution(results, metric, kind, None) for kind in ("violin", "ecdf")]
    return out


def _standard_charts(results: Results, metrics: Sequence[str]) -> list[Chart]:
    reps = results.replications
    styles = result_styles(results)
    about = caption_end(results)
    out = _distribution_charts(results, metrics)
    out.append(
        Chart(
            "losses_by_cause",
            "Mean qualified losses per replication, stacked by cause (status quo, indecision, "
            "rival, went dark), one bar per strategy." + about,
            partial(charts.losses_chart, reps, styles=styles),
        )
    )
    out.append(
        Chart(
            "orbit_funnel",
            "Share of all leads that reached each pre-sale orbit (awareness to acquisition) "
            "and that were won, pooled over replications, one line per strategy." + about,
            partial(charts.funnel_chart, reps, styles=styles),
        )
    )
    comp = declared_comparisons(results)
    if not comp.empty:
        labels = {str(m): metric_label(str(m)) for m in pd.unique(comp["metric"])}
        out.append(
            Chart(
                "paired_differences",
                "Paired differences a − b between strategies on the same customers: mean "
                "over replications with its 95% confidence interval, one panel per metric, "
                "in the colour of strategy a." + about,
                partial(forest.forest_chart, comp, labels, styles=styles),
            )
        )
    ts = results.timeseries
    if not ts.empty:
        out.append(
            Chart(
                "orbit_occupancy",
                "Mean number of customers in each orbit (and churned) at the start of each "
                "month, stacked (pre-sale orbits blue, post-sale orange), one panel per "
                "strategy." + about,
                partial(charts.occupancy_chart, ts, styles=styles),
            )
        )
        out.append(
            Chart(
                "revenue_vs_cost",
                "Cumulative revenue and cumulative total cost of sales by month, mean over "
                "replications with its 95% confidence band, one line per strategy (units of "
                "the offer's price)." + about,
                partial(charts.revenue_cost_chart, ts, styles=styles),
            )
        )
    return out


def result_charts(results: Results, metrics: Sequence[str] | None = None) -> list[Chart]:
    """Every chart of ``results``, in report order.

    A sweep of several design points gets its sweep charts (a line per
    strategy against one swept parameter, or heatmaps over the first two);
    charts that pool replications across design points would mix different
    worlds, so the per-strategy distributions are drawn only without a sweep.

    Parameters
    ----------
    results : Results
        The results.
    metrics : sequence of str, optional
        Metrics to chart (violin and ECDF each, or a sweep chart each);
        default the experiment's ``chart_metrics``. A metric missing from the
        tables (older results) is skipped.

    Raises
    ------
    ValueError
        If a metric is not a metric name.
    """
    metrics = list(chart_metrics(results) if metrics is None else metrics)
    problem = unknown_metrics(metrics)
    if problem:
        raise ValueError(problem)
    if _is_sweep(results):
        return sweep_charts(results, metrics)
    return _standard_charts(results, metrics)


def draw_charts(results: Results, metrics: Sequence[str] | None = None) -> dict[str, Figure]:
    """Every chart of ``results`` (:func:`result_charts`), drawn, by file stem."""
    return {c.stem: c.draw() for c in result_charts(results, metrics)}
