"""Which strategy leads, and by how much, computed from the stored replications.

Used when the results folder has no ``selection_*.json`` from the selection
analysis. For each headline metric the leader is the strategy with the best
mean; its lead over the runner-up is the mean paired difference on the same
customers with a Student-t interval (:func:`~simsales.analysis.paired.paired_differences`).
The leader is picked from the same data, so with several close strategies
this interval is somewhat optimistic (no correction for the selection).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simsales.analysis.paired import paired_differences
from simsales.analysis.summary import mean_ci

__all__ = ["HEADLINE", "PRIMARY", "Lead", "lead", "leads_by_point"]

#: Headline metrics: (metric, what it is, True if higher is better).
HEADLINE = (
    ("roise", "ROISE, gross profit per unit of cost of sales", True),
    ("conversion", "conversion of qualified opportunities", True),
    ("cost_of_sale_share", "cost of sale as a share of first-deal revenue", False),
    ("total_cost_share", "total cost of sales as a share of all revenue", False),
)
#: The metric the best-strategy statement is about: return on invested sales effort.
PRIMARY = "roise"


@dataclass(frozen=True)
class Lead:
    """The leader on one metric and its paired lead over the runner-up.

    ``diff`` and its interval are leader − runner-up (NaN when there is no
    runner-up or too few replications); ``clear`` is True when the interval
    excludes zero on the side of the leader.
    """

    metric: str
    higher_is_better: bool
    leader: str
    mean: float
    ci_low: float
    ci_high: float
    n: int
    runner_up: str | None
    diff: float
    diff_ci_low: float
    diff_ci_high: float
    rel_change: float
    clear: bool


def lead(
    replications: pd.DataFrame, metric: str, higher_is_better: bool, seed: int = 0
) -> Lead | None:
    """The leader on ``metric`` among the strategies of one design point.

    Parameters
    ----------
    replications : DataFrame
        One row per replication × strategy (of one design point).
    metric : str
        The metric.
    higher_is_better : bool
        Direction of the metric.
    seed : int
        Seeds the bootstrap of the relative change.

    Returns
    -------
    Lead or None
        None when no strategy has a defined mean.
    """
    if metric not in replications.columns:
        return None
    means = replications.groupby("strategy", sort=False)[metric].mean().dropna()
    if means.empty:
        return None
    ranked = means.sort_values(ascending=not higher_is_better, kind="stable")
    leader = str(ranked.index[0])
    m, lo, hi, n = mean_ci(replications.loc[replications["strategy"] == leader, metric].to_numpy())
    if len(ranked) < 2:
        nan = math.nan
        return Lead(metric, higher_is_better, leader, m, lo, hi, n, None, nan, nan, nan, nan, False)
    runner = str(ranked.index[1])
    cols = ["replication", "strategy", metric]
    pair = replications.loc[replications["strategy"].isin([leader, runner]), cols]
    row = paired_differences(pair, [(leader, runner)], [metric], seed=seed).iloc[0]
    d, dlo, dhi = float(row["diff"]), float(row["diff_ci_low"]), float(row["diff_ci_high"])
    sign = 1.0 if higher_is_better else -1.0
    clear = bool(np.isfinite(dlo) and min(sign * dlo, sign * dhi) > 0)
    return Lead(
        metric, higher_is_better, leader, m, lo, hi, n, runner, d, dlo, dhi,
        float(row["rel_change"]), clear,
    )  # fmt: skip


def leads_by_point(
    replications: pd.DataFrame, metric: str, higher_is_better: bool, seed: int = 0
) -> list[tuple[int | None, Lead]]:
    """:func:`lead` at each design point of a sweep (``point`` None without a sweep)."""
    if "point" not in replications.columns:
        found = lead(replications, metric, higher_is_better, seed)
        return [(None, found)] if found else []
    out: list[tuple[int | None, Lead]] = []
    for point in sorted(int(p) for p in replications["point"].unique()):
        part = replications[replications["point"] == point]
        found = lead(part, metric, higher_is_better, seed)
        if found:
            out.append((point, found))
    return out
