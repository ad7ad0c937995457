"""The charts of an experiment's results, each with a one-line caption.

One list, :func:`result_charts`, decides which charts a result has; both
:meth:`Results.save` and the report draw from it, so files and report agree.
Charts are drawn only when asked (``Chart.draw``), so a caller can skip the
ones it already has. :func:`distribution_chart` and :func:`ecdf_chart` draw
any metric of a result. Every chart of a result gets its strategies' looks
from the experiment as run (:func:`result_styles`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from simsales.engine.metrics import METRICS
from simsales.experiment.config import unknown_metrics
from simsales.experiment.labels import metric_label, parameter_label
from simsales.plots import charts, distributions, forest, sweeps
from simsales.plots.style import Style, config_styles

if TYPE_CHECKING:
    from simsales.experiment.results import Results

__all__ = [
    "Chart",
    "caption_end",
    "chart_metrics",
    "distribution_chart",
    "ecdf_chart",
    "metric_stem",
    "result_charts",
    "result_styles",
    "swept_parameters",
]

#: File stems that are not the metric's name (kept for the results written before).
_STEMS = {"cost_of_sale_share": "cost_of_sale"}
#: Metrics undefined where nothing was won (their denominator is wins or revenue).
_PER_WIN = frozenset(
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


def swept_parameters(results: Results) -> list[str]:
    """Key paths of the swept parameters, in the order of the experiment's ``[sweep]``."""
    sweep = results.record.config.sweep
    params = list(sweep.parameters) if sweep is not None else []
    return [p for p in params if p in results.replications.columns]


def _is_sweep(results: Results) -> bool:
    reps = results.replications
    return "point" in reps.columns and reps["point"].nunique() > 1


def _scaled(df: pd.DataFrame, metric: str, scale: float) -> pd.DataFrame:
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
    df = _scaled(reps, metric, scale)
    styles = result_styles(results)
    about = caption_end(results, point)
    stem = metric_stem(metric) + (f"_point{point}" if point is not None else "")
    if kind == "violin":
        return Chart(
            stem,
            f"{label[:1].upper()}{label[1:]} in each replication, by strategy: violins are "
            "kernel density estimates, points the replications, black bars the medians." + about,
            partial(distributions.violin_chart, df, metric, label, styles=styles),
        )
    return Chart(
        f"{stem}_ecdf",
        f"Empirical cumulative distribution of {label} over the replications, one curve per "
        "strategy; a curve further right means larger values." + about,
        partial(distributions.ecdf_chart, df, metric, label, styles=styles),
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
    comp = results.comparisons
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


def _sweep_charts(results: Results, metrics: Sequence[str]) -> list[Chart]:
    params = swept_parameters(results)
    if not params:
        return []
    reps = results.replications
    points = reps.groupby("point", sort=True)[params].first().reset_index()
    summary = results.summary
    n = reps["replication"].nunique()
    out = []
    sweep = results.record.config.sweep
    method = sweep.method if sweep is not None else "grid"
    kind = (
        "line" if len(params) == 1
        else "binned" if method != "grid"
        else "averaged" if len(params) > 2
        else "grid"
    )  # fmt: skip
    defined = set(summary["metric"])
    styles = result_styles(results)
    about = f" Experiment {results.name}."
    for metric in metrics:
        if metric not in defined:  # an older or hand-made table without it
            continue
        stem = metric_stem(metric)
        label, scale = metric_label(metric)
        blank = _undefined_note(summary, metric, kind) + about
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
                        styles=styles,
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
                        styles=styles,
                    ),
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
        return _sweep_charts(results, metrics)
    return _standard_charts(results, metrics)
