"""Charts of sensitivity indices: Sobol bars with CI whiskers, Morris μ*–σ plane.

Both read the tidy sensitivity table (one row per strategy × metric ×
parameter) that the sensitivity analysis writes as ``sensitivity.csv``:
``strategy, metric, parameter`` and, for Sobol, ``S1, S1_conf, ST, ST_conf``
or, for Morris, ``mu_star, mu_star_conf, sigma, mu``. The ``*_conf`` columns
are half-widths of confidence intervals (SALib's convention).

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model
output. Computer Physics Communications 181, 259-270.
Campolongo, F., Cariboni, J. & Saltelli, A. (2007). An effective screening
design for sensitivity analysis of large models. Environmental Modelling &
Software 22, 1509-1518.
Garcia Sanchez, D., Lacarrière, B., Musy, M. & Bourges, B. (2014). Application
of sensitivity analysis in building energy simulations: combining first- and
second-order elementary effects methods. Energy and Buildings 68, 741-750.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simsales.plots.style import (
    CMAP,
    MARKERS,
    Style,
    mark_panel,
    new_figure,
    split_unit,
    style_axes,
    styled,
    styles_for,
)

__all__ = ["MORRIS_COLUMNS", "SOBOL_COLUMNS", "morris_chart", "sobol_chart"]

SOBOL_COLUMNS = ("strategy", "metric", "parameter", "S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("strategy", "metric", "parameter", "mu_star", "mu_star_conf", "sigma", "mu")


def _select(table: pd.DataFrame, metric: str, columns: tuple[str, ...]) -> pd.DataFrame:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"sensitivity table lacks column(s) {', '.join(missing)}")
    part = table[table["metric"] == metric]
    if part.empty:
        known = ", ".join(map(str, pd.unique(table["metric"])))
        raise ValueError(f"metric {metric!r} is not in the sensitivity table (it has {known})")
    return part


def _panels(n: int, width: float, height: float) -> tuple[Figure, list[Axes]]:
    ncol = min(3, n)
    nrow = -(-n // ncol)
    fig = new_figure(width * ncol + 0.6, height * nrow + 0.5)
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


@styled
def sobol_chart(
    table: pd.DataFrame,
    metric: str,
    label: str | None = None,
    *,
    styles: Mapping[str, Style] | None = None,
) -> Figure:
    """First-order (S1) and total (ST) Sobol indices of ``metric``, per strategy.

    Bars are the estimates (S1 dark grey, ST light grey: colours name
    strategies), whiskers their confidence intervals (``S1_conf``,
    ``ST_conf``). ST much larger than S1 means the parameter acts through
    interactions. Estimates can fall slightly below 0 or above 1 by sampling
    error; they are drawn as estimated.

    Parameters
    ----------
    table : DataFrame
        The sensitivity table with Sobol columns.
    metric : str
        The output metric.
    label : str, optional
        The metric's name for the title; default ``metric``.
    styles : mapping, optional
        ``{strategy: Style}``: each panel has a bar in its strategy's colour
        along its top; default by the strategies' names.
    """
    part = _select(table, metric, SOBOL_COLUMNS)
    names = [str(s) for s in pd.unique(part["strategy"])]
    looks = styles_for(names, styles)
    params = [str(p) for p in pd.unique(part["parameter"])]
    fig, axes = _panels(len(names), max(3.0, 0.55 * len(params) + 1.2), 3.2)
    x = np.arange(len(params))
    for ax, name in zip(axes, names, strict=True):
        s = part[part["strategy"] == name].set_index("parameter").reindex(params)
        for k, (col, colour) in enumerate((("S1", "0.25"), ("ST", "0.65"))):
            ax.bar(
                x + (k - 0.5) * 0.38, s[col].to_numpy(dtype=float), width=0.38,
                yerr=s[f"{col}_conf"].to_numpy(dtype=float), color=colour,
                error_kw={"elinewidth": 1.0, "capsize": 2, "ecolor": "0.2"},
                label={"S1": "first order S1", "ST": "total ST"}[col],
            )  # fmt: skip
        ax.axhline(0.0, color="0.4", linewidth=0.8)
        ax.set_xticks(x, params, rotation=30, ha="right")
        ax.set_ylabel("Sobol index (share of variance)")
        ax.set_title(name)
        style_axes(ax, "y")
        mark_panel(ax, looks[name])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper")
    fig.suptitle(f"Sobol indices of {label or metric} (95% CI)")
    return fig


@styled
def morris_chart(
    table: pd.DataFrame,
    metric: str,
    label: str,
    scale: float = 1.0,
    *,
    styles: Mapping[str, Style] | None = None,
) -> Figure:
    """Morris screening of ``metric``: μ* (importance) against σ (non-linearity,
    interactions), one point per parameter, one panel per strategy.

    Horizontal whiskers are the confidence intervals of μ* (``mu_star_conf``).
    The dashed line σ = μ* separates mostly linear effects (below) from
    non-linear or interacting ones (above) (Garcia Sanchez et al. 2014).

    Parameters
    ----------
    table : DataFrame
        The sensitivity table with Morris columns.
    metric : str
        The output metric.
    label : str
        The metric with its units (after ``scale``). Elementary effects are
        changes of the metric over a parameter's range (SALib's unscaled
        effects on the unit hypercube).
    scale : float
        Multiplies μ*, σ and the CI (100 for a share in percent).
    styles : mapping, optional
        ``{strategy: Style}``: each panel has a bar in its strategy's colour
        along its top; default by the strategies' names. Points are coloured
        (viridis, never a strategy's colour) and shaped by parameter.
    """
    part = _select(table, metric, MORRIS_COLUMNS)
    title, unit = split_unit(label)
    unit = "percentage points" if unit == "%" else unit
    names = [str(s) for s in pd.unique(part["strategy"])]
    looks = styles_for(names, styles)
    params = [str(p) for p in pd.unique(part["parameter"])]
    fig, axes = _panels(len(names), 3.6, 3.2)
    cmap = matplotlib.colormaps[CMAP]
    colours = [cmap(0.85 * k / max(1, len(params) - 1)) for k in range(len(params))]
    for ax, name in zip(axes, names, strict=True):
        s = part[part["strategy"] == name].set_index("parameter").reindex(params)
        mu = s["mu_star"].to_numpy(dtype=float) * scale
        sd = s["sigma"].to_numpy(dtype=float) * scale
        conf = s["mu_star_conf"].to_numpy(dtype=float) * scale
        for k, p in enumerate(params):
            colour, marker = colours[k], MARKERS[k % len(MARKERS)]
            ax.errorbar(
                mu[k], sd[k], xerr=conf[k], fmt=marker, color=colour, markersize=5,
                elinewidth=1.0, capsize=2, label=p,
            )  # fmt: skip
        top = float(np.nanmax(np.r_[mu + conf, sd, 1e-12]))
        ax.plot([0, top * 1.05], [0, top * 1.05], linestyle="--", color="0.5", linewidth=0.8)
        ax.set_xlim(0, top * 1.1)
        ax.set_ylim(0, top * 1.1)
        ax.set_xlabel(f"μ* ({unit})" if unit else "μ*")
        ax.set_ylabel(f"σ ({unit})" if unit else "σ")
        ax.set_title(name)
        style_axes(ax, "both")
        mark_panel(ax, looks[name])
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center")
    fig.suptitle(f"Morris screening of {title}: elementary effects over each parameter's range")
    return fig
