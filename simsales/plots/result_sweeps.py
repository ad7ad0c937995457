"""The charts of a sweep's results: a line per strategy against one swept parameter, or
heatmaps over two, for each charted metric, with their captions.

Charts that pool replications across design points would mix different worlds,
so a sweep of several design points gets these instead of the distributions of
:mod:`simsales.plots.result_charts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

import pandas as pd

from simsales.analysis.summary import summary_table
from simsales.analysis.tables import swept_parameters
from simsales.labels import metric_label, parameter_label
from simsales.plots import sweeps
from simsales.plots.captioned import PER_WIN, Chart, metric_stem, result_styles

if TYPE_CHECKING:
    from simsales.store.results import Results

__all__ = ["sweep_charts"]


def _undefined_note(summary: pd.DataFrame, metric: str, kind: str) -> str:
    """The caption's word on blank places of a sweep chart.

    ``kind`` is ``"line"`` (an undefined mean is a gap), ``"grid"`` (one cell per
    design point), ``"averaged"`` (a cell averages the points of the other swept
    parameters, skipping undefined ones) or ``"binned"`` (an lhs or Sobol design,
    whose cells may also hold no design point at all).
    """
    undefined = bool(summary.loc[summary["metric"] == metric, "mean"].isna().any())
    why = " (no wins)" if metric in PER_WIN else ""
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


def sweep_charts(results: Results, metrics: Sequence[str]) -> list[Chart]:
    params = swept_parameters(results)
    if not params:
        return []
    reps = results.replications
    points = reps.groupby("point", sort=True)[params].first().reset_index()
    summary = summary_table(results)
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
