"""Charts of stored results: distributions, losses by cause, the orbit funnel.

Every function takes the tidy ``replications`` table and returns a matplotlib
``Figure`` (made without pyplot, so no global figure state); :func:`save_figure`
writes it as PNG and PDF. One colour-blind-safe palette (Okabe & Ito 2008).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = [
    "PALETTE",
    "distribution_chart",
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

#: Okabe-Ito colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

_STAGES = ["awareness", "potential", "benefit", "observation", "acquisition"]
_CAUSES = {
    "lost_status_quo": "status quo",
    "lost_indecision": "indecision",
    "lost_rival": "rival",
    "lost_went_dark": "went dark",
}


def _strategies(df: pd.DataFrame) -> list[str]:
    return list(pd.unique(df["strategy"]))


def _style(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)


def distribution_chart(df: pd.DataFrame, metric: str, label: str) -> Figure:
    """Box plot with the replications as points, one box per strategy.

    Parameters
    ----------
    df : DataFrame
        The replications table.
    metric : str
        Column to show.
    label : str
        Axis label, with units.
    """
    names = _strategies(df)
    data = [df.loc[df["strategy"] == s, metric].dropna().to_numpy() for s in names]
    fig = Figure(figsize=(1.4 * len(names) + 2, 4), layout="constrained")
    ax = fig.subplots()
    ax.boxplot(data, showfliers=False, widths=0.5, medianprops={"color": "black"})
    rng = np.random.default_rng(0)  # jitter only; not part of any result
    for k, (vals, colour) in enumerate(zip(data, PALETTE * 4, strict=False), start=1):
        x = k + rng.uniform(-0.12, 0.12, len(vals))
        ax.scatter(x, vals, s=10, color=colour, alpha=0.7, linewidths=0)
    ax.set_xticks(range(1, len(names) + 1), names, rotation=20, ha="right")
    ax.set_ylabel(label)
    ax.set_title(f"{label} by strategy ({df['replication'].nunique()} replications)")
    _style(ax)
    return fig


def losses_chart(df: pd.DataFrame) -> Figure:
    """Stacked bars: mean losses per replication by cause, per strategy."""
    names = _strategies(df)
    means = df.groupby("strategy", sort=False)[list(_CAUSES)].mean().loc[names]
    fig = Figure(figsize=(1.4 * len(names) + 3, 4), layout="constrained")
    ax = fig.subplots()
    bottom = np.zeros(len(names))
    for colour, (col, label) in zip(PALETTE, _CAUSES.items(), strict=False):
        ax.bar(names, means[col], bottom=bottom, color=colour, label=label, width=0.6)
        bottom += means[col].to_numpy()
    ax.set_ylabel("lost opportunities per replication")
    ax.set_title("Losses by cause")
    ax.tick_params(axis="x", rotation=20)
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    _style(ax)
    return fig


def funnel_chart(df: pd.DataFrame) -> Figure:
    """Share of leads reaching each pre-sale orbit, per strategy."""
    names = _strategies(df)
    cols = [f"reached_{s}" for s in _STAGES]
    sums = df.groupby("strategy", sort=False)[[*cols, "leads"]].sum().loc[names]
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    x = np.arange(len(_STAGES))
    leads = sums[["leads"]].to_numpy(dtype=float)
    reached = sums[cols].to_numpy(dtype=float) / np.where(leads > 0, leads, np.nan)
    for colour, s, share in zip(PALETTE * 4, names, reached, strict=False):
        ax.plot(x, 100 * share, marker="o", color=colour, label=s)
    ax.set_xticks(x, _STAGES)
    ax.set_ylabel("leads reaching the orbit (%)")
    ax.set_ylim(0, 105)
    ax.set_title("Pre-sale orbit funnel")
    ax.legend(frameon=False)
    _style(ax)
    return fig


def occupancy_chart(ts: pd.DataFrame) -> Figure:
    """Stacked areas: mean customers in each orbit (and churned) by month, per strategy.

    Parameters
    ----------
    ts : DataFrame
        Monthly series with ``strategy, month``, one column per orbit, ``churned``.
    """
    names = list(pd.unique(ts["strategy"]))
    cols = [*_ORBITS, "churned"]
    means = ts.groupby(["strategy", "month"], sort=False)[cols].mean()
    ncol = min(3, len(names))
    nrow = -(-len(names) // ncol)
    fig = Figure(figsize=(4.2 * ncol + 1.8, 3.2 * nrow), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrow, ncol, sharex=True, sharey=True, squeeze=False))
    cmap = matplotlib.colormaps["viridis"]
    colours = [cmap(k / (len(_ORBITS) - 1)) for k in range(len(_ORBITS))] + ["0.75"]
    for ax, s in zip(axes.flat, names, strict=False):
        m = means.loc[s]
        ax.stackplot(m.index.to_numpy(), m[cols].to_numpy().T, colors=colours, labels=cols)
        ax.set_title(s)
        _style(ax)
    for ax in axes.flat[len(names) :]:
        ax.set_visible(False)
    for ax in axes[-1]:
        ax.set_xlabel("month")
    for ax in axes[:, 0]:
        ax.set_ylabel("customers (mean)")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right center", frameon=False)
    fig.suptitle("Where customers are, month by month")
    return fig


def _line_styles(n: int) -> list[tuple[str, str]]:
    """(colour, linestyle) for ``n`` series: the palette, then again dotted, dashed..."""
    styles = ["-", ":", "--", "-."]
    return [
        (PALETTE[k % len(PALETTE)], styles[(k // len(PALETTE)) % len(styles)]) for k in range(n)
    ]


def revenue_cost_chart(ts: pd.DataFrame) -> Figure:
    """Cumulative revenue and total cost of sales by month, per strategy (two panels)."""
    names = list(pd.unique(ts["strategy"]))
    per = ts.groupby(["strategy", "replication"], sort=False)[["revenue", "cost"]].cumsum()
    df = ts[["strategy", "month"]].assign(revenue=per["revenue"], cost=per["cost"])
    means = df.groupby(["strategy", "month"], sort=False)[["revenue", "cost"]].mean()
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ax_rev, ax_cost = fig.subplots(1, 2, sharex=True)
    for (colour, style), s in zip(_line_styles(len(names)), names, strict=True):
        m = means.loc[s]
        ax_rev.plot(m.index, m["revenue"], color=colour, linestyle=style, label=s)
        ax_cost.plot(m.index, m["cost"], color=colour, linestyle=style, label=s)
    ax_rev.set_title("cumulative revenue")
    ax_cost.set_title("cumulative total cost of sales")
    for ax in (ax_rev, ax_cost):
        ax.set_xlabel("month")
        ax.set_ylabel("units of price")
        _style(ax)
    ax_cost.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1, 1))
    fig.suptitle("Revenue and total cost of sales over time (mean over replications)")
    return fig


def save_figure(fig: Figure, stem: Path, formats: tuple[str, ...] = ("png", "pdf")) -> list[Path]:
    """Write ``fig`` as ``stem.png`` (300 dpi) and ``stem.pdf``, each atomically."""
    paths = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        tmp = path.with_name(f".{path.name}.tmp")
        # no creation date: the same results give byte-identical files
        meta = {"CreationDate": None} if fmt == "pdf" else {}
        fig.savefig(tmp, dpi=300, format=fmt, metadata=meta)
        tmp.replace(path)
        paths.append(path)
    return paths
