"""Win-region map: which strategy is best in which plausible world.

Reads the robustness table (one row per world: the uncertain parameters'
values and the ``best`` strategy there) and, optionally, PRIM boxes
``{strategy: {parameter: (low, high)}}`` that describe where each strategy
tends to win (Friedman & Fisher 1999; as used in scenario discovery,
Bryant & Lempert 2010).

References
----------
Friedman, J. H. & Fisher, N. I. (1999). Bump hunting in high-dimensional data.
Statistics and Computing 9, 123-143.
Bryant, B. P. & Lempert, R. J. (2010). Thinking inside the box: a
participatory, computer-assisted approach to scenario discovery.
Technological Forecasting & Social Change 77, 34-49.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from simsales.plots.style import Style, new_figure, style_axes, styled, styles_for

__all__ = ["Boxes", "map_axes", "parameter_columns", "win_region_chart"]

Boxes = Mapping[str, Mapping[str, tuple[float, float]]]


def parameter_columns(worlds: pd.DataFrame) -> list[str]:
    """Uncertain-parameter columns: named by a key path (they contain a dot)."""
    return [str(c) for c in worlds.columns if "." in str(c)]


def map_axes(worlds: pd.DataFrame, boxes: Boxes | None = None) -> list[str]:
    """The (at most two) parameters a map shows: those PRIM boxes restrict most
    often, then the table's parameter columns in order."""
    params = parameter_columns(worlds)
    if not params:
        raise ValueError("robustness table has no parameter columns (key paths with a dot)")
    counts = Counter(p for box in (boxes or {}).values() for p in box if p in params)
    ranked = sorted(params, key=lambda p: (-counts[p], params.index(p)))
    return ranked[:2]


@styled
def win_region_chart(
    worlds: pd.DataFrame,
    boxes: Boxes | None = None,
    *,
    x: str | None = None,
    y: str | None = None,
    order: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    styles: Mapping[str, Style] | None = None,
) -> Figure:
    """Each world as a point at its parameter values, coloured and shaped by the
    strategy best there; PRIM boxes as dashed rectangles in the strategy's colour.

    With one uncertain parameter the worlds are drawn along it, one row per
    strategy. A box that restricts neither shown parameter is not drawn.

    Parameters
    ----------
    worlds : DataFrame
        One row per world: parameter columns (key paths) and ``best``.
    boxes : mapping, optional
        ``{strategy: {parameter: (low, high)}}``.
    x, y : str, optional
        Parameters on the axes; default from :func:`map_axes`.
    order : sequence of str, optional
        Strategies in the order of the experiment (the legend's order);
        default order of first appearance, then those only in ``boxes``.
    labels : mapping, optional
        ``{parameter: axis label with units}``; default the key path.
    styles : mapping, optional
        ``{strategy: Style}`` (colour and marker of each strategy's worlds);
        default by the strategies' names.
    """
    if "best" not in worlds.columns:
        raise ValueError("robustness table has no 'best' column")
    boxes = boxes or {}
    labels = labels or {}
    shown = map_axes(worlds, boxes)
    x = x or shown[0]
    y = y if y is not None else (shown[1] if len(shown) > 1 and shown[1] != x else None)
    for p in (x, y):
        if p is not None and p not in worlds.columns:
            raise ValueError(f"parameter {p!r} is not a column of the robustness table")
    best = worlds["best"].astype(str)
    names = list(order or [])
    names += [s for s in pd.unique(best) if s not in names]
    names += [str(s) for s in boxes if s not in names]
    looks = styles_for(names, styles)
    fig = new_figure(6.6, 4.4 if y is not None else 0.45 * len(names) + 1.6)
    ax = fig.subplots()
    xv = worlds[x].to_numpy(dtype=float)
    yv = (
        worlds[y].to_numpy(dtype=float)
        if y is not None
        else best.map({s: len(names) - 1 - k for k, s in enumerate(names)}).to_numpy(dtype=float)
    )
    n = len(worlds)
    for s in names:
        mask = (best == s).to_numpy()
        if not mask.any():
            continue
        ax.scatter(
            xv[mask], yv[mask], s=14, color=looks[s].colour, marker=looks[s].marker, alpha=0.75,
            linewidths=0,
            label=f"{s} ({100 * mask.sum() / n:.0f}% of worlds)",
        )  # fmt: skip
    xlim, ylim = (np.nanmin(xv), np.nanmax(xv)), (np.nanmin(yv), np.nanmax(yv))
    for s, box in boxes.items():
        if x not in box and (y is None or y not in box):
            continue
        colour = looks[str(s)].colour
        x0, x1 = box.get(x, xlim)
        y0, y1 = box.get(y, ylim) if y is not None else (ylim[0] - 0.4, ylim[1] + 0.4)
        rect = Rectangle(
            (float(x0), float(y0)), x1 - x0, y1 - y0, fill=False, edgecolor=colour,
            linestyle="--", linewidth=1.4, label=f"PRIM box: {s}",
        )  # fmt: skip
        ax.add_patch(rect)
    ax.set_xlabel(labels.get(x, x))
    if y is not None:
        ax.set_ylabel(labels.get(y, y))
        style_axes(ax, "both")
    else:
        present = [s for s in names if (best == s).any()]
        ax.set_yticks([len(names) - 1 - names.index(s) for s in present], present)
        ax.set_ylabel("best strategy")
        style_axes(ax, "x")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), title="best strategy")
    ax.set_title(f"Which strategy is best, world by world ({n} worlds)")
    return fig
