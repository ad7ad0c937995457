"""Charts of stored results: losses by cause, the orbit funnel, orbits and money over time.

Every function takes a tidy table (``replications`` or the monthly
``timeseries``) and returns a matplotlib ``Figure`` made without pyplot, in the
one style of :mod:`simsales.plots.style`; :func:`save_figure` writes it.
Distributions are in :mod:`simsales.plots.distributions`, paired differences in
:mod:`simsales.plots.forest`, sweeps in :mod:`simsales.plots.sweeps`.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simsales.plots.distributions import strategies
from simsales.plots.style import (
    PALETTE,
    label_grid,
    line_styles,
    new_figure,
    save_figure,
    style_axes,
    styled,
)

__all__ = [
    "CAUSES",
    "PALETTE",
    "funnel_chart",
    "losses_chart",
    "occupancy_chart",
    "revenue_cost_chart",
    "save_figure",
]

_ORBITS = [
    "awareness", "potential", "benefit", "observation", "acquisition", "installation",
    "adaptation", "belief", "expansion", "refer", "zealot",
]  # fmt: skip

_STAGES = ["awareness", "potential", "benefit", "observation", "acquisition"]
#: Loss columns (they partition the qualified leads not won) and their labels.
CAUSES = {
    "lost_status_quo": "status quo",
    "lost_indecision": "indecision",
    "lost_rival": "rival",
    "lost_went_dark": "went dark",
}
_CAUSE_COLOURS = [PALETTE[5], PALETTE[1], PALETTE[0], "0.6"]


@styled
def losses_chart(df: pd.DataFrame) -> Figure:
    """Stacked bars: mean qualified losses per replication by cause, one bar per strategy.

    The causes partition the qualified leads that were not won, so a bar's
    height is the mean number of qualified losses. The legend lists the
    causes top to bottom in the order they are stacked.
    """
    names = strategies(df)
    means = df.groupby("strategy", sort=False)[list(CAUSES)].mean().loc[names]
    fig = new_figure(1.1 * len(names) + 3.0, 3.8)
    ax = fig.subplots()
    bottom = np.zeros(len(names))
    for colour, (col, label) in zip(_CAUSE_COLOURS, CAUSES.items(), strict=True):
        ax.bar(names, means[col], bottom=bottom, color=colour, label=label, width=0.6)
        bottom += means[col].to_numpy()
    ax.set_ylabel("qualified losses per replication (mean count)")
    ax.set_title("Losses by cause")
    ax.set_xticks(range(len(names)), names, rotation=20, ha="right")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1, 1))
    style_axes(ax, "y")
    return fig


@styled
def funnel_chart(df: pd.DataFrame) -> Figure:
    """Share of leads reaching each pre-sale orbit, per strategy (pooled over replications)."""
    names = strategies(df)
    cols = [f"reached_{s}" for s in _STAGES]
    sums = df.groupby("strategy", sort=False)[[*cols, "leads"]].sum().loc[names]
    fig = new_figure(7.0, 3.8)
    ax = fig.subplots()
    x = np.arange(len(_STAGES))
    leads = sums[["leads"]].to_numpy(dtype=float)
    reached = sums[cols].to_numpy(dtype=float) / np.where(leads > 0, leads, np.nan)
    for (colour, dash), s, share in zip(line_styles(len(names)), names, reached, strict=True):
        ax.plot(x, 100 * share, marker="o", markersize=3.5, color=colour, linestyle=dash, label=s)
    ax.set_xticks(x, _STAGES)
    ax.set_xlabel("pre-sale orbit")
    ax.set_ylabel("leads reaching the orbit (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Pre-sale orbit funnel")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    style_axes(ax, "y")
    return fig


@styled
def occupancy_chart(ts: pd.DataFrame) -> Figure:
    """Stacked areas: mean customers in each orbit (and churned) by month, per strategy.

    Parameters
    ----------
    ts : DataFrame
        Monthly series with ``strategy, month``, one column per orbit, ``churned``.
    """
    names = strategies(ts)
    cols = [*_ORBITS, "churned"]
    means = ts.groupby(["strategy", "month"], sort=False)[cols].mean()
    ncol = min(3, len(names))
    nrow = -(-len(names) // ncol)
    fig = new_figure(3.6 * ncol + 1.8, 2.8 * nrow + 0.4)
    axes = np.atleast_1d(fig.subplots(nrow, ncol, sharex=True, sharey=True, squeeze=False))
    cmap = matplotlib.colormaps["viridis"]
    colours = [cmap(k / (len(_ORBITS) - 1)) for k in range(len(_ORBITS))] + ["0.75"]
    for ax, s in zip(axes.flat, names, strict=False):
        m = means.loc[s]
        ax.stackplot(m.index.to_numpy(), m[cols].to_numpy().T, colors=colours, labels=cols)
        ax.set_title(s)
        style_axes(ax, "y")
    label_grid(axes, len(names), "month", "customers (mean count)")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right center")
    fig.suptitle("Where customers are, month by month")
    return fig


@styled
def revenue_cost_chart(ts: pd.DataFrame) -> Figure:
    """Cumulative revenue and total cost of sales by month, per strategy (two panels)."""
    names = strategies(ts)
    per = ts.groupby(["strategy", "replication"], sort=False)[["revenue", "cost"]].cumsum()
    df = ts[["strategy", "month"]].assign(revenue=per["revenue"], cost=per["cost"])
    means = df.groupby(["strategy", "month"], sort=False)[["revenue", "cost"]].mean()
    fig = new_figure(9.0, 3.8)
    ax_rev, ax_cost = fig.subplots(1, 2, sharex=True)
    for (colour, dash), s in zip(line_styles(len(names)), names, strict=True):
        m = means.loc[s]
        ax_rev.plot(m.index, m["revenue"], color=colour, linestyle=dash, label=s)
        ax_cost.plot(m.index, m["cost"], color=colour, linestyle=dash, label=s)
    ax_rev.set_title("cumulative revenue")
    ax_cost.set_title("cumulative total cost of sales")
    for ax in (ax_rev, ax_cost):
        ax.set_xlabel("month")
        ax.set_ylabel("units of price (mean)")
        style_axes(ax, "y")
    ax_cost.legend(loc="upper left", bbox_to_anchor=(1, 1))
    fig.suptitle("Revenue and total cost of sales over time (mean over replications)")
    return fig
