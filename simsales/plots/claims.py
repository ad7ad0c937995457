"""Region chart: in which plausible worlds a study's claim holds, and where it fails.

Each world of the run over the plausible range is a point at its values of
the two parameters the PRIM boxes restrict most (the box where the claim
holds first), blue where the claim holds, orange where it fails, grey where
the metric is undefined; the boxes are dashed rectangles in the same colours
(Friedman & Fisher 1999; Bryant & Lempert 2010). Colours are those of the
palette of :mod:`simsales.plots.style` (Okabe-Ito), distinct also in grey by
their markers.

References
----------
Friedman, J. H. & Fisher, N. I. (1999). Bump hunting in high-dimensional data.
Statistics and Computing 9, 123-143.
Bryant, B. P. & Lempert, R. J. (2010). Thinking inside the box: a
participatory, computer-assisted approach to scenario discovery.
Technological Forecasting & Social Change 77, 34-49.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from simsales.plots.captioned import Chart
from simsales.plots.style import PALETTE, new_figure, style_axes, styled
from simsales.plots.writing import processes, write_charts

if TYPE_CHECKING:
    from simsales.analysis.claims import ClaimFinding

__all__ = ["LOOKS", "claim_axes", "claim_region_chart", "save_region_charts"]

#: (colour, marker, label) of the worlds where the claim holds, fails, or is undefined.
LOOKS = {
    "holds": (PALETTE[0], "o", "holds"),
    "fails": (PALETTE[1], "X", "fails"),
    "undefined": ("#999999", ".", "undefined"),
}


def claim_axes(finding: ClaimFinding) -> list[str]:
    """The (at most two) parameters shown: those the box where the claim holds
    restricts, then those the box where it fails restricts, then the others by
    how strongly the claim's value follows them across the worlds (absolute
    rank correlation; file order breaks ties)."""
    params = finding.parameters
    ranked: list[str] = []
    for box in (finding.holds_box, finding.fails_box):
        if box is not None:
            ranked += [p for p in box.restricted if p not in ranked]
    rest = [p for p in params if p not in ranked]
    worlds = finding.worlds
    value = worlds["value"].astype(float)
    strength = {}
    for p in rest:
        r = value.corr(worlds[p].astype(float), method="spearman")
        strength[p] = 0.0 if np.isnan(r) else abs(float(r))
    ranked += sorted(rest, key=lambda p: -strength[p])  # stable: file order on ties
    return ranked[:2]


@styled
def claim_region_chart(
    finding: ClaimFinding, *, x: str | None = None, y: str | None = None
) -> Figure:
    """Each plausible world at its parameter values, coloured by whether the claim holds.

    Parameters
    ----------
    finding : ClaimFinding
        One claim's worlds and PRIM boxes (:func:`simsales.analysis.claims.judge_claims`).
    x, y : str, optional
        Parameters on the axes; default from :func:`claim_axes`. With one
        parameter, the worlds are drawn along it, one row for each outcome.
    """
    shown = claim_axes(finding)
    x = x or shown[0]
    y = y if y is not None else (shown[1] if len(shown) > 1 and shown[1] != x else None)
    worlds = finding.worlds
    for p in (x, y):
        if p is not None and p not in worlds.columns:
            raise ValueError(f"parameter {p!r} is not one of the plausible-range parameters")
    holds = worlds["holds"]
    outcome = np.where(holds.isna(), "undefined", np.where(holds.fillna(False), "holds", "fails"))
    rows = {"holds": 2.0, "fails": 1.0, "undefined": 0.0}
    xv = worlds[x].to_numpy(dtype=float)
    yv = (
        worlds[y].to_numpy(dtype=float)
        if y is not None
        else np.array([rows[o] for o in outcome], dtype=float)
    )
    fig = new_figure(6.6, 4.4 if y is not None else 2.6)
    ax = fig.subplots()
    n = len(worlds)
    for name, (colour, marker, label) in LOOKS.items():
        mask = outcome == name
        if not mask.any():
            continue
        ax.scatter(
            xv[mask], yv[mask], s=16, color=colour, marker=marker, alpha=0.8, linewidths=0,
            label=f"{label} ({100 * mask.sum() / n:.0f}% of worlds)",
        )  # fmt: skip
    xlim = (float(np.nanmin(xv)), float(np.nanmax(xv)))
    ylim = (float(np.nanmin(yv)), float(np.nanmax(yv)))
    for side, region in finding.regions().items():
        if x not in region and (y is None or y not in region):
            continue
        colour = LOOKS[side][0]
        x0, x1 = region.get(x, xlim)
        y0, y1 = region.get(y, ylim) if y is not None else (ylim[0] - 0.4, ylim[1] + 0.4)
        ax.add_patch(
            Rectangle(
                (float(x0), float(y0)), x1 - x0, y1 - y0, fill=False, edgecolor=colour,
                linestyle="--" if side == "holds" else ":", linewidth=1.4,
                label=f"PRIM box: {side}",
            )
        )  # fmt: skip
    ax.set_xlabel(x)
    if y is not None:
        ax.set_ylabel(y)
        style_axes(ax, "both")
    else:
        present = [o for o in rows if (outcome == o).any()]
        ax.set_yticks([rows[o] for o in present], present)
        style_axes(ax, "x")
    ax.legend(loc="upper left", bbox_to_anchor=(1, 1), title="the claim")
    # the statement can be long: wrapped, so the title stays within the figure
    title = f"Claim {finding.number}: {finding.claim.statement()} ({n} worlds)"
    ax.set_title(textwrap.fill(title, 70), loc="left")
    return fig


def save_region_charts(
    findings: Iterable[ClaimFinding], directory: str | Path, workers: int | None = None
) -> list[str]:
    """Write each claim's region chart, ``claim_K_region.png``/``.pdf``, into ``directory``
    (a claim undefined in every world gets none), by up to ``workers`` processes at
    once (default all cores; :func:`simsales.plots.writing.write_charts`); returns
    the file stems written."""
    charts = [
        Chart(f"claim_{f.number}_region", "", partial(claim_region_chart, f))
        for f in findings
        if f.counts[1] != 0
    ]
    write_charts(charts, Path(directory), processes(workers))
    return [c.stem for c in charts]
