"""Choosing the best strategy: the fully sequential procedure KN of Kim & Nelson (2001).

KN answers "which strategy is best on metric M?" with a guarantee: if the best
strategy's mean is at least δ (the indifference zone) better than every
other's, KN selects it with probability at least 1 - α. It takes ``n0``
first-stage replications, estimates from them the variance of every pairwise
difference (so common random numbers are allowed and help), and then, one
replication (stage) at a time, drops every strategy whose running mean falls
too far below another's; it stops when one is left.

Every simsales replication runs every strategy on the same customers, so
dropping a strategy saves no simulation. What KN decides at stage ``r`` uses
the first ``r`` replications only; applying it stage by stage to replications
that were run in batches therefore gives exactly the decision the fully
sequential procedure would have made, and the batches only add replications
past the stopping stage.

References
----------
Kim, S.-H. & Nelson, B. L. (2001). A fully sequential procedure for
    indifference-zone selection in simulation. *ACM Transactions on Modeling
    and Computer Simulation* 11(3), 251-273 (procedure KN, with c = 1).
Kim, S.-H. & Nelson, B. L. (2006). Selecting the best system. In Henderson &
    Nelson (eds.), *Handbooks in OR & MS* 13, Elsevier, 501-534.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from simsales.analysis.tables import (
    AnalysisError,
    check_metrics,
    check_strategies,
    strategies,
)

__all__ = ["Selection", "kn_constants", "kn_select", "kn_select_values", "select_sequential"]

#: Default first-stage replications (Kim & Nelson recommend at least 10).
N0 = 10
#: Default growth of each batch of the sequential driver (50% more replications).
GROWTH = 0.5


@dataclass(frozen=True)
class Selection:
    """Outcome of KN on the replications available.

    Attributes
    ----------
    metric, delta, alpha, minimise, n0
        What was asked.
    strategies : tuple of str
        The strategies compared.
    best : str or None
        The selected strategy; None if undecided.
    survivors : tuple of str
        Strategies still in contention (just ``best`` once decided).
    eliminated : dict
        Strategy -> the stage (replications used) at which KN dropped it.
    replications : int
        Replications used: the stopping stage if decided, else all available.
    available : int
        Replications where every strategy's metric is defined (KN uses these,
        in replication order).
    left_out : int
        Replications left out because some strategy's metric is undefined
        there (e.g. a cycle time without a win).
    bound : int or None
        Most replications KN can need, from the first-stage variances (it has
        stopped by then); None before the first stage is complete.
    means : dict
        Each strategy's mean over the replications used.
    eta, h2 : float
        KN's constants η and h² = 2η(n0 - 1).
    statement : str
        The outcome in plain words.
    """

    metric: str
    delta: float
    alpha: float
    minimise: bool
    n0: int
    strategies: tuple[str, ...]
    best: str | None
    survivors: tuple[str, ...]
    eliminated: dict[str, int]
    replications: int
    available: int
    left_out: int
    bound: int | None
    means: dict[str, float]
    eta: float
    h2: float
    statement: str = field(default="")

    @property
    def decided(self) -> bool:
        """Whether KN has selected a strategy."""
        return self.best is not None

    @property
    def more_needed(self) -> int | None:
        """Further replications KN may need at most (0 once decided; None if unknown)."""
        if self.decided:
            return 0
        if self.bound is None:
            return self.n0 - self.available
        return max(1, self.bound - self.available)


def kn_constants(k: int, n0: int, alpha: float) -> tuple[float, float]:
    """KN's η and h² for ``k`` systems, first stage ``n0`` and error ``α`` (c = 1).

    ``η = ½[(2α / (k - 1))^(-2 / (n0 - 1)) - 1]`` and ``h² = 2η(n0 - 1)``
    (Kim & Nelson 2001, procedure KN).
    """
    eta = 0.5 * ((2 * alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1)
    return eta, 2 * eta * (n0 - 1)


def _check(delta: float, alpha: float, n0: int, k: int) -> None:
    if not (math.isfinite(delta) and delta > 0):
        raise AnalysisError(f"delta: must be a number > 0, got {delta!r}")
    if not 0 < alpha < 1 - 1 / max(k, 2):
        raise AnalysisError(
            f"alpha: must be in (0, 1 - 1/k) = (0, {1 - 1 / max(k, 2):g}) for {k} "
            f"strategies (1 - α must beat picking at random), got {alpha!r}"
        )
    if n0 < 2:
        raise AnalysisError(f"n0: KN needs at least 2 first-stage replications, got {n0!r}")


def kn_select_values(
    values: np.ndarray,
    names: Sequence[str],
    delta: float,
    alpha: float = 0.05,
    n0: int = N0,
    minimise: bool = False,
    metric: str = "value",
    left_out: int = 0,
) -> Selection:
    """KN on a replication × strategy array of outputs.

    Parameters
    ----------
    values : ndarray, shape (n, k)
        Row ``r`` holds replication ``r`` of each of the ``k`` strategies
        (finite; common random numbers across a row are allowed).
    names : sequence of str
        The ``k`` strategy labels.
    delta : float
        Indifference zone, in the metric's units: differences smaller than
        this are not worth detecting.
    alpha : float
        1 - α is the guaranteed probability of correct selection.
    n0 : int
        First-stage replications.
    minimise : bool
        Lower is better (KN is applied to the negated outputs).
    metric : str
        Name used in the statement.
    left_out : int
        Replications the caller left out, reported in the result.

    Returns
    -------
    Selection
    """
    x = np.asarray(values, dtype=float)
    names = tuple(names)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise AnalysisError(f"values: need shape (n, {len(names)}), got {x.shape}")
    n, k = x.shape
    _check(delta, alpha, n0, k)
    if not np.isfinite(x).all():
        raise AnalysisError("values: KN needs finite outputs; leave undefined ones out")
    if minimise:
        x = -x
    eta, h2 = kn_constants(k, n0, alpha) if k > 1 else (0.0, 0.0)
    sign = -1.0 if minimise else 1.0

    def outcome(
        best: str | None, survivors: tuple[str, ...], eliminated: dict[str, int],
        used: int, bound: int | None,
    ) -> Selection:  # fmt: skip
        mean = x[:used].mean(axis=0) if used else np.full(k, np.nan)
        means = {s: sign * float(v) for s, v in zip(names, mean, strict=True)}
        sel = Selection(
            metric=metric, delta=delta, alpha=alpha, minimise=minimise, n0=n0,
            strategies=names, best=best, survivors=survivors, eliminated=eliminated,
            replications=used, available=n, left_out=left_out, bound=bound,
            means=means, eta=eta, h2=h2,
        )  # fmt: skip
        return _finish(sel)

    if k == 1:
        return outcome(names[0], names, {}, 0, 0)
    if n < n0:
        return outcome(None, names, {}, n, None)
    first = x[:n0]
    diffs = first[:, :, None] - first[:, None, :]
    s2 = diffs.var(axis=0, ddof=1)  # S²_il, the first-stage variance of X_i - X_l
    big_n = np.floor(h2 * s2 / delta**2)  # N_il
    off = ~np.eye(k, dtype=bool)
    cums = np.cumsum(x, axis=0)
    alive = np.ones(k, dtype=bool)
    eliminated: dict[str, int] = {}
    best: int | None = None
    r = n0
    for r in range(n0, n + 1):
        mean = cums[r - 1] / r
        pair = np.outer(alive, alive) & off
        if r > big_n[pair].max():  # no more doubt: W = 0 for every pair left
            best = int(np.flatnonzero(alive)[np.argmax(mean[alive])])
            for i in np.flatnonzero(alive):
                if i != best:
                    eliminated[names[i]] = r
            alive[:] = False
            alive[best] = True
            break
        w = np.maximum(0.0, delta / (2 * r) * (h2 * s2 / delta**2 - r))  # W_il(r)
        keep = (mean[:, None] >= mean[None, :] - w) | ~pair
        now = alive & keep.all(axis=1)
        for i in np.flatnonzero(alive & ~now):
            eliminated[names[i]] = r
        alive = now
        if alive.sum() == 1:
            best = int(np.flatnonzero(alive)[0])
            break
    pair = np.outer(alive, alive) & off
    bound = max(n0, int(big_n[pair].max()) + 1) if pair.any() else r
    survivors = tuple(s for s, a in zip(names, alive, strict=True) if a)
    if best is None:
        return outcome(None, survivors, eliminated, n, bound)
    return outcome(names[best], survivors, eliminated, r, bound)


def _finish(sel: Selection) -> Selection:
    """The selection with its plain-words statement."""
    direction = "lower" if sel.minimise else "higher"
    guarantee = f"within δ = {sel.delta:g}, with P(CS) ≥ {1 - sel.alpha:g}"
    if sel.best is not None and len(sel.strategies) == 1:
        text = f"{sel.best} is the only strategy: nothing to select"
    elif sel.best is not None:
        text = (
            f"{sel.best} is best on {sel.metric} ({direction} is better) {guarantee}, "
            f"after {sel.replications} replications (KN, Kim & Nelson 2001; "
            f"{len(sel.strategies)} strategies, n0 = {sel.n0})"
        )
    elif sel.bound is None:
        text = (
            f"undecided on {sel.metric}: KN needs n0 = {sel.n0} first-stage replications "
            f"where every strategy's {sel.metric} is defined; {sel.available} available"
        )
    else:
        text = (
            f"undecided with the {sel.available} replications available: "
            f"{', '.join(sel.survivors)} still in contention on {sel.metric} "
            f"({direction} is better, {guarantee}); KN needs at most {sel.bound} "
            f"replications ({sel.more_needed} more)"
        )
    if sel.left_out:
        text += f"; {sel.left_out} replication(s) left out where {sel.metric} is undefined"
    return replace(sel, statement=text)


def _values(
    replications: pd.DataFrame,
    metric: str,
    names: Sequence[str] | None,
    point: int | None,
) -> tuple[np.ndarray, list[str], int]:
    """The replication × strategy array of ``metric`` with complete rows, names, rows left out."""
    check_metrics(replications, [metric])
    table = replications
    if "point" in table.columns:
        points = sorted(int(p) for p in pd.unique(table["point"]))
        if point is None and len(points) > 1:
            raise AnalysisError(
                f"point: the results hold design points {points}; say which one to select in"
            )
        chosen = points[0] if point is None else point
        if chosen not in points:
            raise AnalysisError(f"point: unknown {point!r}; known: {points}")
        table = table[table["point"] == chosen]
    elif point is not None:
        raise AnalysisError(f"point: {point!r} given, but the results are not a sweep")
    if names is None:
        names = strategies(table)
    else:
        check_strategies(table, names)
        if len(set(names)) < 2:
            raise AnalysisError(f"strategies: need at least two, got {list(names)}")
    wide = table.pivot(index="replication", columns="strategy", values=metric)
    wide = wide.sort_index()[list(names)]
    v = wide.to_numpy(dtype=float)
    ok = np.isfinite(v).all(axis=1)
    return v[ok], list(names), int((~ok).sum())


def kn_select(
    replications: pd.DataFrame,
    metric: str,
    delta: float,
    alpha: float = 0.05,
    n0: int = N0,
    minimise: bool = False,
    strategies: Sequence[str] | None = None,
    point: int | None = None,
) -> Selection:
    """KN on stored replications: the best strategy on ``metric``, if decided.

    Parameters
    ----------
    replications : DataFrame
        One row per replication × strategy (× design point ``point``).
    metric : str
        The metric column.
    delta, alpha, n0, minimise
        See :func:`kn_select_values`.
    strategies : sequence of str, optional
        The strategies to choose among; default all.
    point : int, optional
        For a sweep: the design point to select in (needed when there are
        several).

    Returns
    -------
    Selection
        ``best`` if KN decided with the replications stored, else the
        survivors and ``more_needed`` (at most) to decide. Replications run
        in index order; those where some strategy's metric is undefined are
        left out (KN needs every strategy's value at each stage).

    Raises
    ------
    AnalysisError
        An unknown metric, strategy or point, or a bad δ, α or n0.
    """
    v, names, left = _values(replications, metric, strategies, point)
    return kn_select_values(v, names, delta, alpha, n0, minimise, metric, left)


def next_total(sel: Selection, total: int, cap: int, growth: float = GROWTH) -> int | None:
    """How many replications (in all) to have next, or None to stop.

    Undecided: grow by ``growth`` (at least one replication), never past
    KN's bound or ``cap``; replications left out for undefined values are
    made up for.
    """
    if sel.decided or total >= cap:
        return None
    if sel.bound is None:
        target = sel.n0
    else:
        target = min(sel.bound, max(sel.available + 1, math.ceil(sel.available * (1 + growth))))
    return min(cap, total + max(1, target - sel.available))


def select_sequential(
    fetch: Callable[[int], pd.DataFrame],
    metric: str,
    delta: float,
    alpha: float = 0.05,
    n0: int = N0,
    minimise: bool = False,
    max_replications: int = 20 * N0,
    strategies: Sequence[str] | None = None,
    growth: float = GROWTH,
    start: int | None = None,
) -> Selection:
    """KN that asks for more replications until it decides or reaches the cap.

    Parameters
    ----------
    fetch : callable
        ``fetch(n)`` returns a replications table of the first ``n``
        replications (those already returned again, plus new ones: KN's
        stages are the replications in index order).
    metric, delta, alpha, n0, minimise, strategies
        As for :func:`kn_select`.
    max_replications : int
        Never ask for more than this many.
    growth : float
        Each batch adds this share of the replications so far (at least one,
        never past KN's bound).
    start : int, optional
        Replications of the first call; default ``n0``.

    Returns
    -------
    Selection
        Decided, or undecided at the cap.
    """
    total = start if start is not None else n0
    while True:
        sel = kn_select(fetch(total), metric, delta, alpha, n0, minimise, strategies)
        nxt = next_total(sel, total, max_replications, growth)
        if nxt is None:
            return sel
        total = nxt
