"""PRIM: the Patient Rule Induction Method, for scenario discovery.

Finds a box (a conjunction of ``low < x < high`` conditions) in parameter
space where a binary outcome ("this strategy is best") is frequent. Peeling:
starting from the whole space, repeatedly remove the slice, a share ``alpha``
of the points in the box at the low or high end of one parameter, that leaves
the highest density, until the box would hold less than ``min_support`` of
the points. From this peeling trajectory the box with the best trade-off of
coverage and density is chosen (their harmonic mean, the F1 score of the box
as a classifier), and restrictions that do not improve it are dropped. No
pasting step. Coverage is the share of all positive points inside the box,
density the share of points inside the box that are positive, support the
share of all points inside the box (Bryant & Lempert 2010).

References
----------
Friedman, J. H. and Fisher, N. I. (1999). Bump hunting in high-dimensional
data. Statistics and Computing 9(2), 123-143.

Bryant, B. P. and Lempert, R. J. (2010). Thinking inside the box: a
participatory, computer-assisted approach to scenario discovery.
Technological Forecasting and Social Change 77(1), 34-49.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["Box", "prim"]


@dataclass(frozen=True)
class Box:
    """A PRIM box and how well it describes the positive points.

    Attributes
    ----------
    low, high : dict
        Per parameter, the box's bounds; ``-inf`` / ``inf`` where unrestricted.
        A bound lies midway between the last point peeled off and the first
        point kept.
    coverage, density, support : float
        Share of positives inside, share of the inside that is positive, and
        share of all points inside.
    trajectory : DataFrame
        The peeling trajectory: ``coverage, density, support, restricted``
        (number of restricted parameters) per step, the chosen box marked in
        ``chosen``.
    """

    low: dict[str, float]
    high: dict[str, float]
    coverage: float
    density: float
    support: float
    trajectory: pd.DataFrame

    @property
    def restricted(self) -> list[str]:
        """Parameters the box restricts, in column order."""
        return [p for p in self.low if np.isfinite(self.low[p]) or np.isfinite(self.high[p])]

    def conditions(self, digits: int = 3) -> list[str]:
        """The restrictions in words, e.g. ``"urgency < 0.3"``, ``"0.2 < x < 0.5"``."""
        out = []
        for p in self.restricted:
            lo, hi = self.low[p], self.high[p]
            f = f"{{:.{digits}g}}"
            if np.isfinite(lo) and np.isfinite(hi):
                out.append(f"{f.format(lo)} < {p} < {f.format(hi)}")
            elif np.isfinite(lo):
                out.append(f"{p} > {f.format(lo)}")
            else:
                out.append(f"{p} < {f.format(hi)}")
        return out


def _inside(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.asarray(np.all((x > lo) & (x < hi), axis=1))


def _scores(y: np.ndarray, inside: np.ndarray) -> tuple[float, float, float, float]:
    """Coverage, density, support and F1 of a box."""
    n_in = int(inside.sum())
    hits = float(y[inside].sum())
    coverage = hits / y.sum() if y.sum() else 0.0
    density = hits / n_in if n_in else 0.0
    f1 = 2 * coverage * density / (coverage + density) if coverage + density else 0.0
    return coverage, density, n_in / len(y), f1


def _peel_once(
    x: np.ndarray, y: np.ndarray, inside: np.ndarray, lo: np.ndarray, hi: np.ndarray,
    alpha: float, min_count: int,
) -> tuple[np.ndarray, np.ndarray] | None:  # fmt: skip
    """The best single peel (new lo, new hi), or None if none keeps enough points."""
    best: tuple[float, int, np.ndarray, np.ndarray] | None = None
    n_box = int(inside.sum())
    k = max(1, int(np.floor(alpha * n_box)))
    for j in range(x.shape[1]):
        v = np.sort(x[inside, j])
        for side in ("low", "high"):
            new_lo, new_hi = lo.copy(), hi.copy()
            if side == "low":
                cut, rest = v[k - 1], v[v > v[k - 1]]
                if not len(rest):
                    continue
                new_lo[j] = (cut + rest[0]) / 2
            else:
                cut, rest = v[n_box - k], v[v < v[n_box - k]]
                if not len(rest):
                    continue
                new_hi[j] = (cut + rest[-1]) / 2
            keep = _inside(x, new_lo, new_hi)
            n_keep = int(keep.sum())
            if n_keep < min_count:
                continue
            density = float(y[keep].mean())
            if best is None or (density, n_keep) > (best[0], best[1]):
                best = (density, n_keep, new_lo, new_hi)
    return None if best is None else (best[2], best[3])


def prim(x: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, min_support: float = 0.05) -> Box:
    """Find the box where ``y`` is most concentrated, by PRIM peeling.

    Parameters
    ----------
    x : DataFrame
        One row per point (world), one numeric column per parameter.
    y : array of bool
        The outcome of interest per point.
    alpha : float
        Share of the box's points removed by each peel (Friedman & Fisher
        suggest 0.05-0.10).
    min_support : float
        Peeling stops before the box would hold less than this share of all
        points.

    Returns
    -------
    Box
    """
    if not 0 < alpha < 1 or not 0 < min_support <= 1:
        raise ValueError(f"need 0 < alpha < 1 and 0 < min_support <= 1, got {alpha}, {min_support}")
    xa = x.to_numpy(dtype=float)
    ya = np.asarray(y, dtype=float)
    if len(xa) != len(ya) or not len(ya):
        raise ValueError("x and y need the same, non-zero number of rows")
    min_count = max(1, int(np.ceil(min_support * len(ya))))
    lo, hi = np.full(xa.shape[1], -np.inf), np.full(xa.shape[1], np.inf)
    steps = [(lo, hi)]
    while True:
        inside = _inside(xa, lo, hi)
        if ya[inside].mean() == 1.0:
            break
        peeled = _peel_once(xa, ya, inside, lo, hi, alpha, min_count)
        if peeled is None:
            break
        lo, hi = peeled
        steps.append((lo, hi))
    rows = [(*_scores(ya, _inside(xa, a, b)), int(np.isfinite(a).sum() + np.isfinite(b).sum()))
            for a, b in steps]  # fmt: skip
    traj = pd.DataFrame(rows, columns=["coverage", "density", "support", "f1", "restricted"])
    pick = int(traj["f1"].to_numpy().argmax())
    lo, hi = steps[pick][0].copy(), steps[pick][1].copy()
    lo, hi = _drop_useless(xa, ya, lo, hi)
    coverage, density, support, _ = _scores(ya, _inside(xa, lo, hi))
    traj["chosen"] = np.arange(len(traj)) == pick
    names = [str(c) for c in x.columns]
    return Box(
        dict(zip(names, map(float, lo), strict=True)),
        dict(zip(names, map(float, hi), strict=True)),
        coverage, density, support, traj,
    )  # fmt: skip


def _drop_useless(
    x: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Remove, one at a time, restrictions whose removal does not lower the F1 score."""
    while True:
        base = _scores(y, _inside(x, lo, hi))[3]
        best = None
        for j in range(x.shape[1]):
            for bound in (lo, hi):
                if not np.isfinite(bound[j]):
                    continue
                saved, bound[j] = bound[j], (-np.inf if bound is lo else np.inf)
                f1 = _scores(y, _inside(x, lo, hi))[3]
                bound[j] = saved
                if f1 >= base and (best is None or f1 > best[0]):
                    best = (f1, j, bound is lo)
        if best is None:
            return lo, hi
        _, j, is_lo = best
        (lo if is_lo else hi)[j] = -np.inf if is_lo else np.inf
