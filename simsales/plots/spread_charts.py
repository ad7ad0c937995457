"""The spread of a metric over replications, by strategy: violins and ECDFs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from simsales.plots.style import (
    RC,
    Style,
    fit_label,
    new_figure,
    strategy_slots,
    style_axes,
    styled,
    styles_for,
)
from simsales.seeding import jitter_generator

__all__ = ["ecdf_chart", "strategies", "title_of", "violin_chart"]


def strategies(df: pd.DataFrame) -> list[str]:
    """Strategy labels in order of first appearance (the order of every chart)."""
    return [str(s) for s in pd.unique(df["strategy"])]


def _values(df: pd.DataFrame, metric: str, names: list[str]) -> list[np.ndarray]:
    if metric not in df.columns:
        raise ValueError(f"metric {metric!r} is not a column of the table")
    return [
        df.loc[df["strategy"] == s, metric].to_numpy(dtype=float) for s in names
    ]  # fmt: skip


def title_of(label: str, inches: float) -> str:
    """A chart's title from a metric's axis label (its unit kept), capitalised and
    wrapped to fit ``inches``."""
    return fit_label(label[:1].upper() + label[1:], inches, RC["axes.titlesize"])


@styled
def violin_chart(
    df: pd.DataFrame,
    metric: str,
    label: str,
    *,
    styles: Mapping[str, Style] | None = None,
    title: str | None = None,
) -> Figure:
    """Violins of ``metric`` over replications, one per strategy, with every replication.

    Each violin is a Gaussian kernel density estimate (Scott's rule); the
    replications are drawn over it as points in the strategy's marker
    (jittered sideways only) and the median as a black bar. A strategy whose
    values do not vary gets its points and median only (no density exists);
    undefined values (NaN) are left out.

    Parameters
    ----------
    df : DataFrame
        One row per replication × strategy: ``replication``, ``strategy``, ``metric``.
    metric : str
        Column to show.
    label : str
        Axis label, with units.
    styles : mapping, optional
        ``{strategy: Style}`` (an experiment's, see
        :func:`simsales.plots.style.config_styles`); default by the strategies' names.
    title : str, optional
        Default: ``label``, capitalised (the metric with its unit).
    """
    names = strategies(df)
    data = [v[np.isfinite(v)] for v in _values(df, metric, names)]
    looks = styles_for(names, styles)
    slot, rotation = strategy_slots(len(names))
    width = slot * len(names) + 2.2
    fig = new_figure(width, 3.6)
    ax = fig.subplots()
    spread = [k for k, v in enumerate(data) if len(v) >= 2 and np.ptp(v) > 0]
    if spread:
        parts = ax.violinplot(
            [data[k] for k in spread], positions=[k + 1 for k in spread], widths=0.75,
            showextrema=False,
        )  # fmt: skip
        bodies: list[PolyCollection] = cast(list[PolyCollection], parts["bodies"])
        for body, k in zip(bodies, spread, strict=True):
            body.set_facecolor(looks[names[k]].colour)
            body.set_edgecolor(looks[names[k]].colour)
            body.set_alpha(0.35)
    rng = jitter_generator()  # jitter only; not part of any result
    for k, (name, vals) in enumerate(zip(names, data, strict=True), start=1):
        if not len(vals):
            continue
        ax.scatter(
            k + rng.uniform(-0.08, 0.08, len(vals)), vals, s=10, color=looks[name].colour,
            marker=looks[name].marker, alpha=0.8, linewidths=0, zorder=4,
        )  # fmt: skip
        ax.hlines(np.median(vals), k - 0.2, k + 0.2, color="black", linewidth=1.5, zorder=3)
    ax.set_xticks(range(1, len(names) + 1), names, rotation=rotation, ha="right")
    ax.set_xlim(0.4, len(names) + 0.6)
    ax.set_ylabel(fit_label(label, 3.0))  # within the figure's height
    ax.set_title(title or title_of(label, width - 0.8))
    style_axes(ax, "y")
    return fig


@styled
def ecdf_chart(
    df: pd.DataFrame,
    metric: str,
    label: str,
    *,
    styles: Mapping[str, Style] | None = None,
    title: str | None = None,
) -> Figure:
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
    styles, title :
        As in :func:`violin_chart`; each curve has its strategy's colour, dash and marker.
    """
    names = strategies(df)
    data = _values(df, metric, names)
    looks = styles_for(names, styles)
    fig = new_figure(6.0, 3.6)
    ax = fig.subplots()
    for name, vals in zip(names, data, strict=True):
        vals = vals[np.isfinite(vals)]
        if len(vals):
            look = looks[name]
            ax.ecdf(
                vals, color=look.colour, linestyle=look.line, marker=look.marker,
                markevery=0.12, markersize=4, label=name,
            )  # fmt: skip
    ax.set_xlabel(label)
    ax.set_ylabel("share of replications at or below")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_ylim(0, 1.02)
    ax.set_title(title or title_of(label, 4.2))
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    style_axes(ax, "both")
    return fig
