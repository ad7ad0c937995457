"""Distributions of a metric over replications, by strategy: violins and ECDFs."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simsales.plots.style import (
    colour_map,
    line_styles,
    new_figure,
    style_axes,
    styled,
)

__all__ = ["ecdf_chart", "strategies", "violin_chart"]


def strategies(df: pd.DataFrame) -> list[str]:
    """Strategy labels in order of first appearance (the order of every chart)."""
    return [str(s) for s in pd.unique(df["strategy"])]


def _values(df: pd.DataFrame, metric: str, names: list[str]) -> list[np.ndarray]:
    if metric not in df.columns:
        raise ValueError(f"metric {metric!r} is not a column of the table")
    return [
        df.loc[df["strategy"] == s, metric].to_numpy(dtype=float) for s in names
    ]  # fmt: skip


@styled
def violin_chart(df: pd.DataFrame, metric: str, label: str) -> Figure:
    """Violins of ``metric`` over replications, one per strategy, with every replication.

    Each violin is a Gaussian kernel density estimate (Scott's rule); the
    replications are drawn over it as points (jittered sideways only) and the
    median as a black bar. A strategy whose values do not vary gets its points
    and median only (no density exists); undefined values (NaN) are left out.

    Parameters
    ----------
    df : DataFrame
        One row per replication × strategy: ``replication``, ``strategy``, ``metric``.
    metric : str
        Column to show.
    label : str
        Axis label, with units.
    """
    names = strategies(df)
    data = [v[np.isfinite(v)] for v in _values(df, metric, names)]
    colours = colour_map(names)
    fig = new_figure(1.1 * len(names) + 2.2, 3.6)
    ax = fig.subplots()
    spread = [k for k, v in enumerate(data) if len(v) >= 2 and np.ptp(v) > 0]
    if spread:
        parts = ax.violinplot(
            [data[k] for k in spread], positions=[k + 1 for k in spread], widths=0.75,
            showextrema=False,
        )  # fmt: skip
        bodies: list[PolyCollection] = cast(list[PolyCollection], parts["bodies"])
        for body, k in zip(bodies, spread, strict=True):
            body.set_facecolor(colours[names[k]])
            body.set_edgecolor(colours[names[k]])
            body.set_alpha(0.35)
    rng = np.random.default_rng(0)  # jitter only; not part of any result
    for k, (name, vals) in enumerate(zip(names, data, strict=True), start=1):
        if not len(vals):
            continue
        ax.scatter(
            k + rng.uniform(-0.08, 0.08, len(vals)), vals, s=8, color=colours[name],
            alpha=0.8, linewidths=0, zorder=3,
        )  # fmt: skip
        ax.hlines(np.median(vals), k - 0.2, k + 0.2, color="black", linewidth=1.5, zorder=4)
    ax.set_xticks(range(1, len(names) + 1), names, rotation=20, ha="right")
    ax.set_xlim(0.4, len(names) + 0.6)
    ax.set_ylabel(label)
    ax.set_title("By strategy, one point per replication")
    style_axes(ax, "y")
    return fig


@styled
def ecdf_chart(df: pd.DataFrame, metric: str, label: str) -> Figure:
    """Empirical distribution functions of ``metric`` over replications, one per strategy.

    A curve to the right is a strategy whose values are larger; where two
    curves cross, neither dominates. Undefined values (NaN) are left out.

    Parameters
    ----------
    df : DataFrame
        One row per replication × strategy.
    metric : str
        Column to show.
    label : str
        Axis label, with units.
    """
    names = strategies(df)
    data = _values(df, metric, names)
    fig = new_figure(6.0, 3.6)
    ax = fig.subplots()
    for (colour, dash), name, vals in zip(line_styles(len(names)), names, data, strict=True):
        vals = vals[np.isfinite(vals)]
        if len(vals):
            ax.ecdf(vals, color=colour, linestyle=dash, label=name)
    ax.set_xlabel(label)
    ax.set_ylabel("share of replications at or below")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_ylim(0, 1.02)
    ax.set_title("Empirical distribution over replications")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    style_axes(ax, "both")
    return fig
