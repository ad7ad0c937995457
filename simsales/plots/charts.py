"""Charts of stored results: losses by cause, the orbit funnel, orbits and money over time.

Every function takes a tidy table (``replications`` or the monthly
``timeseries``) and returns a matplotlib ``Figure`` made without pyplot, in the
one style of :mod:`simsales.plots.style`; :func:`save_figure` writes it.
Distributions are in :mod:`simsales.plots.spread_charts`, paired differences in
:mod:`simsales.plots.forest`, sweeps in :mod:`simsales.plots.sweeps`.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from scipy import stats

from simsales.plots.spread_charts import strategies
from simsales.plots.style import (
    PALETTE,
    Style,
    fit_label,
    label_grid,
    mark_panel,
    new_figure,
    save_figure,
    strategy_slots,
    style_axes,
    styled,
    styles_for,
)

__all__ = [
    "CAUSES",
    "ORBIT_COLOURS",
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


def _alternating(cmap: str, shades: list[float]) -> list[tuple[float, float, float, float]]:
    return [matplotlib.colormaps[cmap](x) for x in shades]


#: Colours of the orbits in the occupancy chart (and of churned customers): pre-sale
#: orbits in blues, post-sale ones in oranges (a pair colour-blind readers tell apart),
#: dark and light in turn, so that neighbouring bands always differ clearly; churned
#: customers (on top, after the lightest orange) in a dark grey.
ORBIT_COLOURS = [
    *_alternating("Blues", [0.3, 0.85, 0.5, 1.0, 0.65]),
    *_alternating("Oranges", [0.3, 0.8, 0.45, 0.95, 0.6, 0.2]),
    (0.45, 0.45, 0.45, 1.0),
]
#: Loss columns (they partition the qualified leads not won) and their labels.
CAUSES = {
    "lost_status_quo": "status quo",
    "lost_indecision": "indecision",
    "lost_rival": "rival",
    "lost_went_dark": "went dark",
}
#: Greys, dark to light up the stack: no cause takes a colour that names a strategy.
_CAUSE_COLOURS = ["0.2", "0.45", "0.65", "0.85"]


def _strategy_ticks(ax: Axes, names: list[str], looks: Mapping[str, Style]) -> None:
    """Strategy names under the x axis, each under a mark in its strategy's colour and marker."""
    ax.set_xticks(range(len(names)), names, rotation=strategy_slots(len(names))[1], ha="right")
    ax.tick_params(axis="x", pad=6)
    for k, name in enumerate(names):
        ax.plot(
            k, 0, marker=looks[name].marker, color=looks[name].colour, markersize=5,
            linestyle="", transform=ax.get_xaxis_transform(), clip_on=False, zorder=5,
        )  # fmt: skip


@styled
def losses_chart(df: pd.DataFrame, *, styles: Mapping[str, Style] | None = None) -> Figure:
    """Stacked bars: mean qualified losses per replication by cause, one bar per strategy.

    The causes partition the qualified leads that were not won, so a bar's
    height is the mean number of qualified losses. The legend lists the
    causes top to bottom in the order they are stacked. The causes are greys
    (colours name strategies); each strategy's marker, in its colour, sits on
    the axis under its bar.
    """
    names = strategies(df)
    looks = styles_for(names, styles)
    means = df.groupby("strategy", sort=False)[list(CAUSES)].mean().loc[names]
    fig = new_figure(strategy_slots(len(names))[0] * len(names) + 3.0, 3.8)
    ax = fig.subplots()
    bottom = np.zeros(len(names))
    for colour, (col, label) in zip(_CAUSE_COLOURS, CAUSES.items(), strict=True):
        ax.bar(
            names, means[col], bottom=bottom, color=colour, label=label, width=0.6,
            edgecolor="white", linewidth=0.6,
        )  # fmt: skip
        bottom += means[col].to_numpy()
    ax.set_ylabel(fit_label("qualified losses per replication (mean count)", 3.2))
    ax.set_title("Losses by cause")
    _strategy_ticks(ax, names, looks)
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1, 1))
    style_axes(ax, "y")
    return fig


@styled
def funnel_chart(df: pd.DataFrame, *, styles: Mapping[str, Style] | None = None) -> Figure:
    """Share of leads reaching each pre-sale orbit, and won, per strategy.

    Pooled over replications: the leads of every replication that reached an
    orbit over all their leads; the last step is the deals won over the leads.
    Each line has its strategy's colour, dash and marker.
    """
    names = strategies(df)
    cols = [f"reached_{s}" for s in _STAGES] + ["wins"]
    sums = df.groupby("strategy", sort=False)[[*cols, "leads"]].sum().loc[names]
    looks = styles_for(names, styles)
    fig = new_figure(7.0, 3.8)
    ax = fig.subplots()
    x = np.arange(len(cols))
    leads = sums[["leads"]].to_numpy(dtype=float)
    reached = sums[cols].to_numpy(dtype=float) / np.where(leads > 0, leads, np.nan)
    for s, share in zip(names, reached, strict=True):
        ax.plot(
            x, 100 * share, marker=looks[s].marker, markersize=4, color=looks[s].colour,
            linestyle=looks[s].line, label=s,
        )  # fmt: skip
    ax.set_xticks(x, [*_STAGES, "won"])
    ax.axvspan(len(_STAGES) - 0.5, len(_STAGES) + 0.5, color="0.95", zorder=0, linewidth=0)
    ax.set_xlim(-0.3, len(cols) - 0.7)
    ax.set_xlabel("pre-sale orbit, then won")
    ax.set_ylabel("share of all leads (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Pre-sale orbit funnel: leads reaching each orbit, and won")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    style_axes(ax, "y")
    return fig


@styled
def occupancy_chart(ts: pd.DataFrame, *, styles: Mapping[str, Style] | None = None) -> Figure:
    """Stacked areas: mean customers in each orbit (and churned) by month, per strategy.

    The orbits are coloured by :data:`ORBIT_COLOURS`: blues before the sale,
    oranges after it, dark and light in turn so neighbouring bands stand apart;
    churned customers are grey. Each panel has a bar in its strategy's colour
    along its top.

    Parameters
    ----------
    ts : DataFrame
        Monthly series with ``strategy, month``, one column per orbit, ``churned``.
    styles : mapping, optional
        ``{strategy: Style}``; default by the strategies' names.
    """
    names = strategies(ts)
    looks = styles_for(names, styles)
    cols = [*_ORBITS, "churned"]
    means = ts.groupby(["strategy", "month"], sort=False)[cols].mean()
    ncol = min(3, len(names))
    nrow = -(-len(names) // ncol)
    fig = new_figure(3.6 * ncol + 1.8, 2.8 * nrow + 0.4)
    axes = np.atleast_1d(fig.subplots(nrow, ncol, sharex=True, sharey=True, squeeze=False))
    for ax, s in zip(axes.flat, names, strict=False):
        m = means.loc[s]
        ax.stackplot(m.index.to_numpy(), m[cols].to_numpy().T, colors=ORBIT_COLOURS, labels=cols)
        ax.set_title(s)
        style_axes(ax, "y")
        mark_panel(ax, looks[s])
    label_grid(axes, len(names), "month", "customers (mean count)")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right center")
    fig.suptitle("Where customers are, month by month")
    return fig


def _mean_band(values: pd.Series) -> tuple[float, float, float]:
    """Mean and 95% t-interval of the mean (NaN bounds with fewer than two values)."""
    v = values.to_numpy(dtype=float)
    mean = float(v.mean())
    if len(v) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return mean, mean - half, mean + half


@styled
def revenue_cost_chart(ts: pd.DataFrame, *, styles: Mapping[str, Style] | None = None) -> Figure:
    """Cumulative revenue and total cost of sales by month, per strategy (two panels).

    Each line is the mean over replications of the cumulative sums, in its
    strategy's colour, dash and marker; the band around it is the 95% confidence
    interval of that mean (Student t over the replications; none with one).
    """
    names = strategies(ts)
    looks = styles_for(names, styles)
    per = ts.groupby(["strategy", "replication"], sort=False)[["revenue", "cost"]].cumsum()
    df = ts[["strategy", "month"]].assign(revenue=per["revenue"], cost=per["cost"])
    groups = df.groupby(["strategy", "month"], sort=False)
    fig = new_figure(9.0, 3.8)
    ax_rev, ax_cost = fig.subplots(1, 2, sharex=True)
    for s in names:
        look = looks[s]
        for ax, col in ((ax_rev, "revenue"), (ax_cost, "cost")):
            band = groups[col].apply(_mean_band).loc[s]
            months = band.index.to_numpy(dtype=float)
            mean, lo, hi = (np.array([b[k] for b in band]) for k in range(3))
            ax.fill_between(months, lo, hi, color=look.colour, alpha=0.15, linewidth=0)
            ax.plot(
                months, mean, color=look.colour, linestyle=look.line, marker=look.marker,
                markevery=max(1, len(months) // 8), markersize=4, label=s,
            )  # fmt: skip
    ax_rev.set_title("cumulative revenue")
    ax_cost.set_title("cumulative total cost of sales")
    for ax in (ax_rev, ax_cost):
        ax.set_xlabel("month")
        ax.set_ylabel("units of price (mean, 95% CI)")
        style_axes(ax, "y")
    ax_cost.legend(loc="upper left", bbox_to_anchor=(1, 1))
    fig.suptitle("Revenue and total cost of sales over time (mean over replications, 95% CI band)")
    return fig
