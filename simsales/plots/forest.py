"""Forest plot of paired differences between strategies, with confidence intervals."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simsales.plots.style import (
    RC,
    Style,
    fit_label,
    new_figure,
    split_unit,
    style_axes,
    styled,
    styles_for,
)

__all__ = ["forest_chart"]

#: Columns of the comparisons table this chart reads.
NEEDED = ("a", "b", "metric", "diff", "diff_ci_low", "diff_ci_high", "n")


@styled
def forest_chart(
    comparisons: pd.DataFrame,
    labels: Mapping[str, tuple[str, float]] | None = None,
    *,
    styles: Mapping[str, Style] | None = None,
) -> Figure:
    """Paired differences ``a - b`` with their confidence intervals, one panel per metric.

    Each row is a pair of strategies; the point is the mean paired difference
    over replications and the whisker its confidence interval (Student t, as
    computed by :func:`simsales.analysis.paired.paired_differences`). The
    vertical line is no difference. A row without an interval (fewer than two
    replications) shows its point only. A row is drawn in the colour and
    marker of its strategy ``a``.

    Parameters
    ----------
    comparisons : DataFrame
        The comparisons table: at least ``a, b, metric, diff, diff_ci_low,
        diff_ci_high, n`` (other columns are ignored).
    labels : mapping, optional
        ``{metric: ("name (unit)", scale)}``: the panel's title is the name,
        its axis shows the unit (a difference of percentages in percentage
        points); values are multiplied by ``scale`` (e.g. 100 for a share
        shown in percent). Default: the metric name, scale 1.
    styles : mapping, optional
        ``{strategy: Style}``; default by the strategies' names.
    """
    missing = [c for c in NEEDED if c not in comparisons.columns]
    if missing:
        raise ValueError(f"comparisons table lacks column(s) {', '.join(missing)}")
    if comparisons.empty:
        raise ValueError("comparisons table is empty: nothing to draw")
    labels = labels or {}
    metrics = [str(m) for m in pd.unique(comparisons["metric"])]
    pairs = list(dict.fromkeys(zip(comparisons["a"], comparisons["b"], strict=True)))
    names = list(dict.fromkeys(str(s) for pair in pairs for s in pair))
    looks = styles_for(names, styles)
    ncol = min(3, len(metrics))
    nrow = -(-len(metrics) // ncol)
    fig = new_figure(3.3 * ncol + 1.4, (0.35 * len(pairs) + 1.3) * nrow)
    axes = fig.subplots(nrow, ncol, squeeze=False, sharey=True)
    y = np.arange(len(pairs))[::-1]  # first pair on top
    row_of = {p: k for k, p in enumerate(pairs)}
    for ax, metric in zip(axes.flat, metrics, strict=False):
        label, scale = labels.get(metric, (metric, 1.0))
        part = comparisons[comparisons["metric"] == metric]
        rows = [row_of[(a, b)] for a, b in zip(part["a"], part["b"], strict=True)]
        mid = part["diff"].to_numpy(dtype=float) * scale
        lo = part["diff_ci_low"].to_numpy(dtype=float) * scale
        hi = part["diff_ci_high"].to_numpy(dtype=float) * scale
        ok = np.isfinite(lo) & np.isfinite(hi)
        colours = [looks[str(a)].colour for a in part["a"]]
        ax.hlines(y[rows][ok], lo[ok], hi[ok], color=np.array(colours)[ok], linewidth=1.6)
        of_a = part["a"].astype(str).to_numpy()
        for a in dict.fromkeys(of_a):  # one set of points per strategy a
            look, mine = looks[a], of_a == a
            ax.plot(
                mid[mine], y[rows][mine], linestyle="", marker=look.marker, color=look.colour,
                markersize=5, zorder=3,
            )  # fmt: skip
        ax.axvline(0.0, color="0.4", linewidth=0.8, zorder=1)
        name, unit = split_unit(label)
        ax.set_title(fit_label(name, 3.0, RC["axes.titlesize"]))
        ax.set_xlabel(
            f"a − b ({'percentage points' if unit == '%' else unit})" if unit else "a − b"
        )
        style_axes(ax, "x")
    for ax in axes.flat[len(metrics) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_yticks(y, [f"{a} − {b}" for a, b in pairs])
        ax.set_ylim(-0.6, len(pairs) - 0.4)
    n = comparisons["n"].max()
    fig.suptitle(f"Paired differences on the same customers (95% CI, {n} replications)")
    return fig
