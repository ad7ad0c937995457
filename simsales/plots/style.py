"""The one style of every simsales chart, and writing charts to files.

Charts are made without pyplot (no global figure state). Each chart function
runs inside :func:`styled`, which applies :data:`RC` while the figure is built;
:func:`save_figure` applies it again while the figure is written, so settings
read at save time (font embedding, SVG ids) are the same everywhere.

The palette is Okabe & Ito's (2008), safe for the common colour-vision
deficiencies. Continuous values use ``viridis`` (perceptually uniform,
readable in grey and by colour-blind readers).

A strategy's look (colour, dash, marker) comes from :mod:`simsales.plots.looks`,
whose names this module re-exports.

References
----------
Okabe, M. & Ito, K. (2008). Color universal design (CUD): how to make figures
and presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from functools import partial, wraps
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar, cast

import matplotlib
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simsales.plots.looks import (
    BUILTIN_STYLES,
    DASH_NAMES,
    DASHES,
    MARKERS,
    OTHER_COLOURS,
    Style,
    config_styles,
    line_code,
    strategy_style,
    strategy_styles,
    styles_for,
    variant_of,
)
from simsales.store.files import atomic_write

__all__ = [
    "BUILTIN_STYLES",
    "CMAP",
    "DASHES",
    "DASH_NAMES",
    "DPI",
    "FORMATS",
    "MARKERS",
    "OTHER_COLOURS",
    "PALETTE",
    "RC",
    "Style",
    "config_styles",
    "fit_label",
    "label_grid",
    "line_code",
    "mark_panel",
    "new_figure",
    "save_figure",
    "split_unit",
    "strategy_style",
    "strategy_styles",
    "style_axes",
    "styled",
    "styles_for",
    "variant_of",
]

#: Okabe-Ito colour-blind-safe palette (yellow last: weakest on white).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
#: Colour map of continuous values.
CMAP = "viridis"
#: Resolution of PNG files.
DPI = 300
#: Files written by :func:`save_figure` by default (SVG on request).
FORMATS = ("png", "pdf")

#: rcParams of every chart: small type sized for a journal column, no box
#: around plots or legends, light grid behind the data, fonts embedded as
#: TrueType (editable in vector editors), deterministic SVG ids.
RC: dict[str, Any] = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "figure.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "0.9",
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=PALETTE),
    "legend.frameon": False,
    "lines.linewidth": 1.5,
    "image.cmap": CMAP,
    "savefig.dpi": DPI,
    "pdf.fonttype": 42,
    "svg.fonttype": "path",
    "svg.hashsalt": "simsales",
}

P = ParamSpec("P")
R = TypeVar("R")


def styled(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a chart function with :data:`RC` in force (artists read it when made)."""

    @wraps(fn)
    def inner(*args: P.args, **kwargs: P.kwargs) -> R:
        with matplotlib.rc_context(cast(Any, RC)):
            return fn(*args, **kwargs)

    return inner


def new_figure(width: float, height: float) -> Figure:
    """A figure of ``width`` × ``height`` inches with constrained layout.

    Files are exactly this size (no tight bounding box): ``width * DPI`` by
    ``height * DPI`` pixels in PNG.
    """
    return Figure(figsize=(width, height), layout="constrained")


def style_axes(ax: Axes, grid: Literal["x", "y", "both", ""] = "y") -> None:
    """Open axes (no top or right spine), a light grid on ``grid`` ("x", "y", "both", "")."""
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(False)
    if grid:
        ax.grid(axis=grid, color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)


def label_grid(axes: np.ndarray, n: int, xlabel: str | None, ylabel: str | None) -> None:
    """Hide the unused panels of a grid (``n`` used) and label the outer ones.

    Each column's lowest used panel gets the x label and its tick labels
    (with shared axes, a panel above an empty slot would otherwise have
    none); the first column gets the y label.
    """
    flat = axes.flat
    for ax in flat[n:]:
        ax.set_visible(False)
    nrow, ncol = axes.shape
    width, height = axes.flat[0].get_figure().get_size_inches()
    for col in range(ncol):
        used = [r for r in range(nrow) if r * ncol + col < n]
        if used and xlabel is not None:
            ax = axes[used[-1], col]
            ax.set_xlabel(fit_label(xlabel, width / ncol))
            ax.tick_params(axis="x", labelbottom=True)
    if ylabel is not None:
        for row in range(nrow):
            axes[row, 0].set_ylabel(fit_label(ylabel, height / nrow))


def fit_label(label: str, inches: float, size: float | None = None) -> str:
    """``label`` on as many lines as it needs to fit along ``inches`` of a panel.

    A long label (a key path with its description, e.g.
    ``behaviour.compelling_event_rate (events per buyer per year)``) would run
    past the figure's edge and be cut; it is broken before its parenthesis, then
    between words. The width of a character is taken as 0.6 of the font size.
    """
    points = float(size if size is not None else RC["axes.labelsize"])
    room = max(12, int(inches * 72 / (0.6 * points)))
    if len(label) <= room:
        return label
    name, unit = split_unit(label)
    parts = [name, f"({unit})"] if unit else [label]
    return "\n".join(
        textwrap.fill(part, room, break_long_words=False, break_on_hyphens=False) for part in parts
    )


def split_unit(label: str) -> tuple[str, str]:
    """``"name (unit)"`` -> ``("name", "unit")``; without a trailing unit, ``(label, "")``."""
    if label.endswith(")") and " (" in label:
        name, unit = label[:-1].rsplit(" (", 1)
        return name, unit
    return label, ""


def strategy_slots(n: int) -> tuple[float, int]:
    """Inches per strategy along an axis of ``n`` strategies, and the rotation of their
    names: roomy for a few; for many, narrower slots with steeper names so that the
    figure stays about eight inches wide."""
    if n <= 5:
        return 1.1, 20
    return max(0.6, 6.0 / n), 40


def mark_panel(ax: Axes, style: Style) -> None:
    """Mark a panel that shows one strategy: a bar of its colour and dash along the top."""
    top = ax.spines["top"]
    top.set_visible(True)
    top.set_color(style.colour)
    top.set_linewidth(3.0)
    top.set_linestyle(cast(Any, style.line))  # one of DASHES


def _savefig(fig: Figure, fmt: str, metadata: dict[str, Any], path: Path) -> None:
    fig.savefig(path, dpi=DPI, format=fmt, metadata=metadata)


def save_figure(fig: Figure, stem: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write ``fig`` as ``stem.png`` (300 dpi), ``stem.pdf`` and, if asked, ``stem.svg``.

    Each file is written under a temporary name and renamed. No creation date
    is stored, so the same figure gives byte-identical files.

    Parameters
    ----------
    fig : Figure
        The chart.
    stem : Path
        Path without suffix.
    formats : sequence of {"png", "pdf", "svg"}
        Files to write.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.
    """
    meta: dict[str, dict[str, Any]] = {
        "png": {},
        "pdf": {"CreationDate": None},
        "svg": {"Date": None},
    }
    paths = []
    for fmt in formats:
        if fmt not in meta:
            raise ValueError(f"format {fmt!r} is not one of {', '.join(meta)}")
        path = Path(stem).with_suffix(f".{fmt}")
        with matplotlib.rc_context(cast(Any, RC)):
            atomic_write(path, partial(_savefig, fig, fmt, meta[fmt]))
        paths.append(path)
    return paths
