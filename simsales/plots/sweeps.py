"""Charts of sweeps: a metric against one swept parameter, and a heatmap over two."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib import colors
from matplotlib.figure import Figure
from scipy import stats

from simsales.plots.style import (
    CMAP,
    RC,
    Style,
    fit_label,
    label_grid,
    mark_panel,
    new_figure,
    split_unit,
    style_axes,
    styled,
    styles_for,
)

__all__ = ["heatmap_is_logarithmic", "point_means", "sweep_heatmap", "sweep_line_chart"]

#: A heatmap whose largest value is this many times its smallest gets a log colour scale.
LOG_RATIO = 100.0


def _colour_norm(values: np.ndarray) -> colors.Normalize:
    """One colour scale for ``values``: logarithmic when a few extreme values would
    leave one colour for all the rest (a cost share that explodes where almost
    nothing is won): the values are positive, span a factor of ``LOG_RATIO`` or
    more, and their median lies in the lowest tenth of the linear range. Else linear."""
    finite = values[np.isfinite(values)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    skewed = vmax > vmin and (float(np.median(finite)) - vmin) / (vmax - vmin) < 0.1
    if vmin > 0 and vmax / vmin >= LOG_RATIO and skewed:
        return colors.LogNorm(vmin, vmax)
    return colors.Normalize(vmin, vmax)


def heatmap_is_logarithmic(
    summary: pd.DataFrame, points: pd.DataFrame, metric: str, scale: float = 1.0
) -> bool:
    """Whether :func:`sweep_heatmap` (with the same ``scale``) draws ``metric`` on a
    log colour scale."""
    values = point_means(summary, points, metric)["mean"].to_numpy(dtype=float) * scale
    return isinstance(_colour_norm(values), colors.LogNorm)


def point_means(summary: pd.DataFrame, points: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One row per design point × strategy: the point's parameters, mean and CI of ``metric``.

    Parameters
    ----------
    summary : DataFrame
        Tidy summary of a sweep: ``point, strategy, metric, mean, ci_low, ci_high``.
    points : DataFrame
        One row per design point: ``point`` and one column per swept parameter.
    metric : str
        The metric.
    """
    if "point" not in summary.columns:
        raise ValueError("summary has no 'point' column: not a sweep")
    part = summary[summary["metric"] == metric]
    if part.empty:
        raise ValueError(f"metric {metric!r} is not in the summary")
    return part.merge(points, on="point", how="left", validate="many_to_one")


@styled
def sweep_line_chart(
    summary: pd.DataFrame,
    points: pd.DataFrame,
    metric: str,
    label: str,
    parameter: str,
    *,
    scale: float = 1.0,
    xlabel: str | None = None,
    styles: Mapping[str, Style] | None = None,
) -> Figure:
    """Mean of ``metric`` against a swept parameter, one line per strategy, CI band.

    The band is each point's confidence interval of the mean over
    replications (from the summary). Needs one design point per parameter
    value: with other parameters swept too, use :func:`sweep_heatmap`.

    Parameters
    ----------
    summary, points : DataFrame
        See :func:`point_means`.
    metric : str
        Metric to show.
    label : str
        Its axis label, with units (after ``scale``).
    parameter : str
        The swept parameter (a column of ``points``).
    scale : float
        Multiplies the metric (100 for a share in percent).
    xlabel : str, optional
        Axis label of the parameter, with units; default its key path.
    styles : mapping, optional
        ``{strategy: Style}``: each line in its strategy's colour, dash and
        marker; default by the strategies' names.
    """
    df = point_means(summary, points, metric)
    if parameter not in df.columns:
        raise ValueError(f"parameter {parameter!r} is not a column of the design points")
    names = [str(s) for s in pd.unique(df["strategy"])]
    if df.groupby(["strategy", parameter]).size().max() > 1:
        raise ValueError(
            f"several design points share a value of {parameter!r} (other parameters "
            "vary too); draw a heatmap instead"
        )
    looks = styles_for(names, styles)
    fig = new_figure(6.4, 3.8)
    ax = fig.subplots()
    cat = _categories(df[parameter])
    for name in names:
        colour, dash, marker = looks[name].colour, looks[name].line, looks[name].marker
        s = df[df["strategy"] == name]
        x = _positions(s[parameter], cat)
        s, x = s.iloc[np.argsort(x, kind="stable")], np.sort(x, kind="stable")
        lo = s["ci_low"].to_numpy(dtype=float) * scale
        hi = s["ci_high"].to_numpy(dtype=float) * scale
        ax.fill_between(x, lo, hi, color=colour, alpha=0.18, linewidth=0)
        ax.plot(
            x, s["mean"].to_numpy(dtype=float) * scale, color=colour, linestyle=dash,
            marker=marker, markersize=4, label=name,
        )  # fmt: skip
    if cat is not None:
        ax.set_xticks(range(len(cat)), cat)
    ax.set_xlabel(xlabel or parameter)
    ax.set_ylabel(label)
    ax.set_title(fit_label(f"{label[:1].upper()}{label[1:]}: mean and 95% CI band", 4.4, 10))
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1))
    style_axes(ax, "both")
    return fig


def _positions(values: pd.Series, order: list[str] | None) -> np.ndarray:
    """Numbers to place a swept parameter's values on an axis: the values themselves,
    or for a categorical parameter (a decision rule, a switch) the index of each
    value in ``order``."""
    if order is None:
        return values.to_numpy(dtype=float)
    return np.array([order.index(str(v)) for v in values], dtype=float)


def _categories(values: pd.Series) -> list[str] | None:
    """The values of a categorical parameter in order of appearance, or None if numeric."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return None
    return [str(v) for v in pd.unique(values)]


def _grid(x: np.ndarray, y: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """(x values, y values, matrix[y, x]) when the points form a full grid, else None."""
    frame = pd.DataFrame({"x": x, "y": y, "v": v}).groupby(["x", "y"])["v"].mean()
    xs, ys = np.unique(x), np.unique(y)
    if len(frame) != len(xs) * len(ys):
        return None
    matrix = frame.unstack("x").reindex(index=ys, columns=xs).to_numpy(dtype=float)
    return xs, ys, matrix


@styled
def sweep_heatmap(
    summary: pd.DataFrame,
    points: pd.DataFrame,
    metric: str,
    label: str,
    x: str,
    y: str,
    *,
    scale: float = 1.0,
    xlabel: str | None = None,
    ylabel: str | None = None,
    styles: Mapping[str, Style] | None = None,
) -> Figure:
    """Heatmap of the mean of ``metric`` over two swept parameters, one panel per strategy.

    A grid design is drawn cell by cell (one cell per pair of values; the
    mean over any other swept parameters). A space-filling design (Latin
    hypercube, Sobol) is binned into about sqrt(points) × sqrt(points) equal
    cells, each showing the mean of the design points in it; an empty cell
    is left blank. All panels share one colour scale, logarithmic when the
    values are positive, span a factor of ``LOG_RATIO`` or more and have their
    median in the lowest tenth of their range (a few extreme cells).

    Parameters
    ----------
    summary, points : DataFrame
        See :func:`point_means`.
    metric, label, scale :
        As in :func:`sweep_line_chart`.
    x, y : str
        The two swept parameters (columns of ``points``).
    xlabel, ylabel : str, optional
        Their axis labels, with units; default their key paths.
    styles : mapping, optional
        ``{strategy: Style}``: each panel has a bar in its strategy's colour
        along its top; default by the strategies' names.
    """
    df = point_means(summary, points, metric)
    for p in (x, y):
        if p not in df.columns:
            raise ValueError(f"parameter {p!r} is not a column of the design points")
    names = [str(s) for s in pd.unique(df["strategy"])]
    looks = styles_for(names, styles)
    norm = _colour_norm(df["mean"].to_numpy(dtype=float) * scale)
    log = isinstance(norm, colors.LogNorm)
    ncol = min(3, len(names))
    nrow = -(-len(names) // ncol)
    fig = new_figure(3.2 * ncol + 1.2, 2.9 * nrow + 0.5)
    axes = fig.subplots(nrow, ncol, squeeze=False, sharex=True, sharey=True)
    mesh = None
    n_points = df["point"].nunique()
    xcat, ycat = _categories(df[x]), _categories(df[y])
    for ax, name in zip(axes.flat, names, strict=False):
        s = df[df["strategy"] == name]
        xv, yv = _positions(s[x], xcat), _positions(s[y], ycat)
        v = s["mean"].to_numpy(dtype=float) * scale
        grid = _grid(xv, yv, v)
        if grid is not None:
            xs, ys, matrix = grid
            mesh = ax.pcolormesh(
                np.arange(len(xs) + 1) - 0.5, np.arange(len(ys) + 1) - 0.5, matrix,
                cmap=CMAP, norm=norm,
            )  # fmt: skip
            ax.set_xticks(range(len(xs)), [xcat[int(t)] if xcat else f"{t:g}" for t in xs])
            ax.set_yticks(range(len(ys)), [ycat[int(t)] if ycat else f"{t:g}" for t in ys])
        else:
            bins = max(2, math.ceil(math.sqrt(n_points)))
            ok = np.isfinite(v)
            binned = stats.binned_statistic_2d(
                xv[ok], yv[ok], v[ok], statistic="mean", bins=bins,
                range=[(np.nanmin(xv), np.nanmax(xv)), (np.nanmin(yv), np.nanmax(yv))],
            )  # fmt: skip
            mesh = ax.pcolormesh(
                binned.x_edge, binned.y_edge, binned.statistic.T, cmap=CMAP, norm=norm
            )
        ax.set_title(name)
        style_axes(ax, "")
        mark_panel(ax, looks[name])
    label_grid(axes, len(names), xlabel or x, ylabel or y)
    if mesh is not None:
        name, unit = split_unit(label)
        if log:
            unit = f"{unit}, log scale" if unit else "log scale"
        bar = f"{name} ({unit})" if unit else name
        # along the bar: 0.9 of the axes' height, within the figure's
        fig.colorbar(mesh, ax=axes, label=fit_label(bar, 0.8 * (2.9 * nrow + 0.5)), shrink=0.9)
    title = f"{label[:1].upper()}{label[1:]} over the sweep (mean over replications)"
    fig.suptitle(fit_label(title, 3.2 * ncol + 1.0, RC["figure.titlesize"]))
    return fig
