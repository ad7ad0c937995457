"""Charts of a calibration: the fit check and the posterior's pairs.

``calibration_check``: one panel per fitted statistic; the data's value with
its 90% bootstrap interval (black) against the 5–95% range and median of
exports simulated from the fitted parameters (blue). A data value outside the
simulated range is a target the model does not reproduce.

``calibration_pairs``: the posterior (ABC's particles, or draws from the
normal approximation of the simulated-moments estimate) over each pair of
parameters, and each parameter's histogram against its search range, so a
parameter that fills its range is visibly one the data do not pin down.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simsales.plots.style import PALETTE, new_figure, save_figure, style_axes, styled

__all__ = ["check_chart", "fit_charts", "pairs_chart"]


@styled
def check_chart(check: pd.DataFrame, method: str, stem: Path) -> list[Path]:
    """The fit check (see the module docstring), written to ``stem``.png/.pdf."""
    rows = list(check.itertuples())
    n = len(rows)
    cols = min(3, n)
    nrows = math.ceil(n / cols)
    fig = new_figure(2.4 * cols, 1.5 * nrows + 0.5)
    axes = np.atleast_1d(fig.subplots(nrows, cols, squeeze=False)).ravel()
    for ax, row in zip(axes, rows, strict=False):
        r: Any = row
        ax.plot([r.sim_p05, r.sim_p95], [0.35, 0.35], color=PALETTE[4], lw=6, alpha=0.7,
                solid_capstyle="butt", label="simulated 5–95%")  # fmt: skip
        ax.plot([r.sim_p50], [0.35], "|", color="white", ms=10, mew=2)
        ax.errorbar([r.data], [0.65], xerr=[[r.data - r.data_lo90], [r.data_hi90 - r.data]],
                    fmt="o", color="black", ms=4, capsize=3, label="data, 90% CI")  # fmt: skip
        ax.set_ylim(0, 1)
        ax.set_yticks([])
        ax.set_title(str(r.target) + ("" if r.inside else "  (missed)"), fontsize=8)
        style_axes(ax, grid="x")
    for ax in axes[n:]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=2, fontsize=7, frameon=False)
    fig.suptitle(f"Fit check ({method}): data against exports simulated from the fit",
                 fontsize=9)  # fmt: skip
    return save_figure(fig, stem)


@styled
def pairs_chart(
    post: pd.DataFrame, ranges: dict[str, tuple[float, float]], stem: Path
) -> list[Path]:
    """The posterior's pair plot (see the module docstring), written to ``stem``.png/.pdf."""
    names = [c for c in post.columns if c != "weight"]
    p = len(names)
    w = post["weight"].to_numpy()
    fig = new_figure(1.9 * p + 0.6, 1.9 * p + 0.6)
    axes = fig.subplots(p, p, squeeze=False)
    for i, yi in enumerate(names):
        for j, xj in enumerate(names):
            ax = axes[i, j]
            if j > i:
                ax.set_visible(False)
                continue
            x = post[xj].to_numpy()
            if i == j:
                ax.hist(x, bins=25, range=ranges[xj], weights=w, color=PALETTE[4], alpha=0.8)
                ax.set_yticks([])
            else:
                ax.scatter(x, post[yi].to_numpy(), s=3, alpha=0.35, color=PALETTE[4],
                           linewidths=0)  # fmt: skip
                ax.set_ylim(*ranges[yi])
            ax.set_xlim(*ranges[xj])
            ax.tick_params(labelsize=6)
            if i == p - 1:
                ax.set_xlabel(xj, fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(yi, fontsize=7)
    fig.suptitle("Posterior over the search ranges", fontsize=9)
    return save_figure(fig, stem)


def fit_charts(folder: Path) -> list[Path]:
    """Both charts of the calibration stored in ``folder``, into it; returns the PNG files."""
    info = json.loads((folder / "calibration.json").read_text())
    ranges = {
        p: (lo, hi)
        for p, lo, hi in zip(
            info["parameters"], info["ranges_low"], info["ranges_high"], strict=True
        )
    }
    check = pd.read_csv(folder / "check.csv")
    post = pd.read_parquet(folder / "posterior.parquet")
    out = check_chart(check, info["method"], folder / "calibration_check")[:1]
    out += pairs_chart(post, ranges, folder / "calibration_pairs")[:1]
    return out
