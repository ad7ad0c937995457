"""The report's section "Best strategy": the selection analyses' statements, or which
strategy leads on the headline metrics, with its lead over the runner-up."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from simsales.labels import metric_label
from simsales.reporting.best import HEADLINE, PRIMARY, Lead, lead, leads_by_point
from simsales.reporting.document import (
    Section,
    Table,
    num,
    with_ci,
)
from simsales.reporting.extras import Extras
from simsales.reporting.sections import point_cells
from simsales.store.results import Results

__all__ = ["best_strategy"]


def _direction(higher: bool) -> tuple[str, str]:
    return ("highest", "above") if higher else ("lowest", "below")


def _lead(ld: Lead) -> tuple[float, float, float]:
    """The leader's margin over the runner-up, positive when it leads, and its interval."""
    sign = 1.0 if ld.higher_is_better else -1.0
    lo, hi = sorted((sign * ld.diff_ci_low, sign * ld.diff_ci_high))
    return sign * ld.diff, lo, hi


def _sentence_ci(mean: float, low: float, high: float, scale: float, unit: str) -> str:
    """``m unit (95% CI lo to hi unit)`` for prose; the mean alone without an interval."""
    text = with_ci(mean, low, high, scale)
    if "[" not in text:
        return f"{text}{unit}"
    m, rest = text.split(" [")
    lo, hi = rest.rstrip("]").split(", ")
    return f"{m}{unit} (95% CI {lo} to {hi}{unit})"


def _lead_sentence(what: str, ld: Lead) -> str:
    _, scale = metric_label(ld.metric)
    unit, lead_unit = ("%", " percentage points") if scale == 100 else ("", "")
    best, side = _direction(ld.higher_is_better)
    text = (
        f"On {what}, `{ld.leader}` has the {best} mean over {ld.n} replications, "
        f"{_sentence_ci(ld.mean, ld.ci_low, ld.ci_high, scale, unit)}."
    )
    if ld.runner_up is None:
        return text + " It is the only strategy, so there is nothing to compare."
    text += (
        f" Paired on the same customers it is {side} the runner-up, `{ld.runner_up}`, by "
        f"{_sentence_ci(*_lead(ld), scale, lead_unit)}"
    )
    if math.isfinite(ld.rel_change):
        text += f", {num(abs(ld.rel_change), 100, decimals=1)}% {side} in relative terms"
    if not math.isfinite(ld.diff_ci_low):
        return text + "; too few replications for an interval."
    if ld.clear:
        return text + ". The interval excludes zero: the lead is clear at the 95% level."
    return text + ". The interval includes zero: these data do not separate the two."


def best_strategy(results: Results, extras: Extras) -> Section:
    """The selection analyses' statements, or the leader on the headline metrics."""
    if extras.selections:
        blocks: list[Any] = []
        for name, sel in extras.selections.items():
            blocks += [str(sel["statement"]), f"(From `{name}`.)"]
        return Section("Best strategy", "best", blocks)
    seed = results.record.seed
    reps = results.replications
    primary = next(h for h in HEADLINE if h[0] == PRIMARY)
    blocks = []
    if "point" in reps.columns and reps["point"].nunique() > 1:
        found = leads_by_point(reps, PRIMARY, primary[2], seed)
        point_header, points = point_cells(results)
        if found:
            blocks.append(_leaders_sentence(primary[1], found))
        label, _ = metric_label(PRIMARY)
        blocks.append(
            f"Per design point, on {label} ({'higher' if primary[2] else 'lower'} is better):"
        )
        blocks.append(_point_lead_table(found, point_header, points))
    else:
        found_one = lead(reps, PRIMARY, primary[2], seed)
        if found_one is not None:
            blocks.append(_lead_sentence(primary[1], found_one))
        blocks.append("The leader on each headline metric:")
        rows: list[tuple[int | None, Lead]] = [
            (None, ld) for m, _, hi in HEADLINE if (ld := lead(reps, m, hi, seed))
        ]
        blocks.append(_lead_table(rows))
    blocks.append(
        "The leader is picked from the same data as its interval, so with several close "
        "strategies the interval is somewhat optimistic (no correction for the selection)."
    )
    return Section("Best strategy", "best", blocks)


def _leaders_sentence(what: str, found: list[tuple[int | None, Lead]]) -> str:
    """Which strategies have the best mean at how many design points; a tie for the
    most names every strategy in it, and the others are listed after."""
    counts = pd.Series([ld.leader for _, ld in found]).value_counts(sort=False)
    order = counts.sort_values(ascending=False, kind="stable")
    most = int(order.iloc[0])
    top = [str(s) for s, c in order.items() if c == most]
    clear = [str(sum(1 for _, ld in found if ld.leader == s and ld.clear)) for s in top]
    if len(top) == 1:
        text = (
            f"On {what}, `{top[0]}` has the best mean at {most} of {len(found)} design "
            f"points; its paired lead over the runner-up excludes zero (95% CI) at "
            f"{clear[0]} of them."
        )
    else:
        text = (
            f"On {what}, {' and '.join(f'`{s}`' for s in top)} each have the best mean at "
            f"{most} of {len(found)} design points; their paired leads over the runner-up "
            f"exclude zero (95% CI) at {' and '.join(clear)} of them respectively."
        )
    others = [f"`{s}` at {c}" for s, c in order.items() if str(s) not in top]
    if others:
        text += " Best mean at the other points: " + ", ".join(others) + "."
    return text


def _lead_cells(ld: Lead) -> list[str]:
    _, scale = metric_label(ld.metric)
    return [
        ld.leader,
        with_ci(ld.mean, ld.ci_low, ld.ci_high, scale),
        ld.runner_up or "–",
        with_ci(*_lead(ld), scale),
        "yes" if ld.clear else "no",
    ]


_LEAD_HEADER = ["leader", "leader mean [95% CI]", "runner-up", "lead over runner-up [95% CI]",
                "lead clear"]  # fmt: skip


def _lead_table(found: list[tuple[int | None, Lead]]) -> Table:
    """The leader on each headline metric (one design point)."""
    rows = []
    for _, ld in found:
        label, _ = metric_label(ld.metric)
        rows.append([label, "higher" if ld.higher_is_better else "lower", *_lead_cells(ld)])
    return Table(["metric", "better", *_LEAD_HEADER], rows, frozenset({3, 5}))


def _point_lead_table(
    found: list[tuple[int | None, Lead]], point_header: list[str], points: dict[int, list[str]]
) -> Table:
    """The leader on one metric at each design point, named by its swept values."""
    first = len(point_header)
    rows = []
    for point, ld in found:
        named = points.get(int(point or 0), [str(point)] + [""] * (first - 1))
        rows.append([*named, *_lead_cells(ld)])
    return Table([*point_header, *_LEAD_HEADER], rows, frozenset({first + 1, first + 3}))
