"""The sections of a report, each built from stored results only."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from simsales.analysis.summary import summary_table
from simsales.analysis.tables import swept_parameters
from simsales.labels import metric_label
from simsales.plots.captioned import Chart
from simsales.reporting.document import (
    Image,
    Section,
    Table,
    decimals_for,
    num,
    row_numbers,
    shared_decimals,
    with_ci,
)
from simsales.reporting.extras import Extras, sensitivity_method
from simsales.reporting.pairs import Comparisons
from simsales.store.results import Results

__all__ = [
    "KEY_METRICS",
    "appendix",
    "charts_section",
    "comparisons",
    "point_cells",
    "robustness",
    "sensitivity",
    "summary",
]

#: Metrics of the summary table (the same as the command line prints).
KEY_METRICS = (
    "conversion", "wins", "cost_per_win", "cost_of_sale_share", "cycle_median",
    "no_decision_share", "roise", "churn_rate", "total_cost_share",
)  # fmt: skip


def point_cells(results: Results) -> tuple[list[str], dict[int, list[str]]]:
    """Header and cells that name each design point: its number, then one column per
    swept parameter (its value there), so a long key path is written once, in the header."""
    params = swept_parameters(results)
    reps = results.replications
    if "point" not in reps.columns:
        return [], {}
    first = reps.groupby("point", sort=True)[params].first() if params else None
    out = {}
    for point in sorted(reps["point"].unique()):
        values = [_value(first.at[point, p]) for p in params] if first is not None else []
        out[int(point)] = [str(point), *values]
    return ["design point", *params], out


def summary(results: Results) -> Section:
    """Key metrics per strategy (per design point of a sweep), mean and 95% CI."""
    s = summary_table(results)
    present = [m for m in KEY_METRICS if m in set(s["metric"])]
    # a column of dashes only (churn with the lifecycle off) says nothing: named instead
    defined = set(s.loc[s["mean"].notna(), "metric"])
    metrics = [m for m in present if m in defined]
    empty = [metric_label(m)[0] for m in present if m not in defined]
    by_point = "point" in s.columns
    keys = ["point", "strategy"] if by_point else ["strategy"]
    labels = {m: metric_label(m) for m in metrics}
    point_header, points = point_cells(results) if by_point else ([], {})
    header = [*point_header, "strategy", *(labels[m][0] for m in metrics)]
    cells = s.set_index([*keys, "metric"])
    reps = results.replications
    n = reps["replication"].nunique()
    # replications present per row (fewer than were run where some failed)
    ran = reps.groupby(keys, sort=False)["replication"].nunique()
    rows = []
    partial = False
    for key in s[keys].drop_duplicates().itertuples(index=False):
        unnamed = [str(key[0])] + [""] * (len(point_header) - 1)
        row = (points.get(int(key[0]), unnamed) if by_point else []) + [str(key[-1])]
        here = int(ran.loc[tuple(key) if by_point else key[0]])
        for m in metrics:
            c = cells.loc[(*key, m)]
            cell = with_ci(c["mean"], c["ci_low"], c["ci_high"], labels[m][1])
            if 0 < int(c["n"]) < here:  # e.g. cost per win where one won nothing
                cell += f" (n = {int(c['n'])})"
                partial = True
            row.append(cell)
        rows.append(row)
    first = len(point_header) + 1
    # a sweep has no appendix (its every metric per point is only in summary.csv)
    where = "in `summary.csv`" if by_point else "in `summary.csv` and in the appendix"
    return Section(
        "Summary",
        "summary",
        [
            f"Mean over {n} replications with its 95% confidence interval (Student t) in "
            "brackets; – where a metric is undefined (e.g. churn before any renewal is due). "
            f"Every metric is {where}."
            + (f" Undefined for every strategy, so not shown: {', '.join(empty)}." if empty else "")
            + (
                " (n = k): defined in only k of the replications (e.g. cost per win where "
                "one won nothing); that mean is over those k alone, so it leaves out the worst "
                "cases, and its interval may reach values the metric cannot take."
                if partial
                else ""
            ),
            Table(header, rows, frozenset(range(first, len(header)))),
        ],
    )


def comparisons(comp: Comparisons, forest: Chart | None, n_points: int = 1) -> Section:
    """The paired comparisons (declared, or each strategy against the first), with the
    forest plot; without any, why (``n_points``: design points of a sweep)."""
    table = comp.table
    if table.empty:
        why = (
            f"it is a sweep of {n_points} design points, and strategies are compared only "
            "within one point (the best-strategy section gives the paired lead at each)"
            if n_points > 1
            else "it has fewer than two strategies"
        )
        return Section(
            "Paired comparisons",
            "comparisons",
            [f"No paired comparisons: the experiment declares none (`compare`) and {why}."],
        )
    rows = []
    for r in table.to_dict("records"):
        label, scale = metric_label(str(r["metric"]))
        # the two means to the precision of their difference's interval (as in the next column)
        d = decimals_for((float(r["diff_ci_high"]) - float(r["diff_ci_low"])) * scale / 2)
        if d is None:
            d = shared_decimals([r["mean_a"], r["mean_b"]], scale)
        mean_a, mean_b = (num(r[k], scale, decimals=d) for k in ("mean_a", "mean_b"))
        rows.append([
            str(r["a"]), str(r["b"]), label, mean_a, mean_b,
            with_ci(r["diff"], r["diff_ci_low"], r["diff_ci_high"], scale, signed=True),
            with_ci(r["rel_change"], r["rel_ci_low"], r["rel_ci_high"], 100, signed=True),
            str(r["n"]),
        ])  # fmt: skip
    which = (
        "The comparisons the experiment declares (`compare`), also in `comparisons.csv`."
        if comp.declared
        else f"The experiment declares no comparisons (`compare`), so each strategy is "
        f"compared with the first in the file, `{comp.reference}`, on its `compare_metrics`."
    )
    blocks: list[Any] = [
        which + " Each pair met the very same customers in every replication (common random "
        "numbers), so the difference is paired: its interval is a Student-t interval of the "
        "per-replication differences; the relative change a / b − 1 has a paired BCa "
        "bootstrap interval (none with fewer than 10 replications).",
        Table(
            ["a", "b", "metric", "mean a", "mean b", "a − b [95% CI]", "change % [95% CI]", "n"],
            rows,
            frozenset(range(3, 8)),
        ),
    ]
    if forest is not None:
        blocks.append(Image(forest.stem, forest.caption))
    return Section("Paired comparisons", "comparisons", blocks)


def ignored_files(extras: Extras) -> Section | None:
    """The analysis files in the folder that the report leaves out, and why."""
    if not extras.ignored:
        return None
    rows = [[f"`{name}`", why] for name, why in sorted(extras.ignored.items())]
    return Section(
        "Files left out",
        "ignored",
        [
            "These analysis files are in the folder but were not computed from the results "
            "reported here, so nothing in this report is taken from them:",
            Table(["file", "why"], rows),
        ],
    )


def sensitivity(extras: Extras, charts: list[Chart]) -> Section | None:
    """Sobol or Morris indices from ``sensitivity.csv``."""
    table = extras.sensitivity
    if table is None:
        return None
    method = sensitivity_method(table)
    params = ", ".join(f"`{p}`" for p in pd.unique(table["parameter"]))
    if method == "sobol":
        intro = (
            "Variance-based (Sobol) sensitivity indices from `sensitivity.csv`: S1 is the "
            "share of the output's variance due to a parameter alone, ST including its "
            f"interactions; ± is the 95% CI half-width. Parameters: {params}."
        )
        cols = ["S1", "ST"]
    else:
        intro = (
            "Morris elementary-effects screening from `sensitivity.csv`: μ* ranks a "
            "parameter's overall influence, σ its non-linearity and interactions; ± is the "
            f"95% CI half-width of μ*. Parameters: {params}."
        )
        cols = ["μ*", "σ"]
    rows = []
    for r in table.to_dict("records"):
        if method == "sobol":
            vals = [
                f"{num(r['S1'])} ± {num(r['S1_conf'])}",
                f"{num(r['ST'])} ± {num(r['ST_conf'])}",
            ]
        else:
            vals = [f"{num(r['mu_star'])} ± {num(r['mu_star_conf'])}", num(r["sigma"])]
        rows.append([str(r["strategy"]), str(r["metric"]), str(r["parameter"]), *vals])
    header = ["strategy", "metric", "parameter", *cols]
    blocks: list[Any] = [intro]
    blocks += [Image(c.stem, c.caption) for c in charts]
    blocks.append(Table(header, rows, frozenset({3, 4})))
    return Section("Sensitivity", "sensitivity", blocks)


def robustness(extras: Extras, chart: Chart | None, order: list[str]) -> Section | None:
    """Which strategy is best across plausible worlds, from ``robustness_worlds.csv``."""
    worlds = extras.robustness
    if worlds is None:
        return None
    counts = worlds["best"].astype(str).value_counts()
    names = [s for s in order if s in counts.index] + [s for s in counts.index if s not in order]
    n = len(worlds)
    rows = [[s, str(int(counts[s])), f"{100 * counts[s] / n:.1f}"] for s in names]
    blocks: list[Any] = [
        f"Over {n} plausible worlds (uncertain parameters drawn per world, from "
        "`robustness_worlds.csv`), the number and share of worlds in which each strategy "
        "is best:",
        Table(["strategy", "worlds where best", "share (%)"], rows, frozenset({1, 2})),
    ]
    if chart is not None:
        blocks.append(Image(chart.stem, chart.caption))
    if extras.boxes:
        box_rows = [
            [s, p, num(lo), num(hi)]
            for s, box in extras.boxes.items()
            for p, (lo, hi) in box.items()
        ]
        blocks += [
            "PRIM boxes (from `robustness_boxes.csv`): the parameter ranges in which each "
            "strategy tends to be best.",
            Table(["strategy", "parameter", "low", "high"], box_rows, frozenset({2, 3})),
        ]
    if extras.rules:
        blocks += ["In words (from `robustness.txt`):"]
        blocks += [line.strip() for line in extras.rules.splitlines() if line.strip()]
    return Section("Robustness", "robustness", blocks)


def charts_section(charts: list[Chart]) -> Section:
    """Every standard chart with its caption."""
    blocks: list[Any] = [
        "Each chart is also in this folder as PNG (300 dpi) and PDF, under the name shown."
    ]
    blocks += [Image(c.stem, c.caption) for c in charts]
    return Section("Charts", "charts", blocks)


def appendix(results: Results) -> Section | None:
    """Every metric's mean per strategy (not for sweeps: see ``summary.csv``)."""
    s = summary_table(results)
    if "point" in s.columns:
        return None
    names = [str(x) for x in pd.unique(s["strategy"])]
    wide = s.pivot_table(
        index="metric", columns="strategy", values="mean", sort=False, dropna=False
    )
    rows = []
    for metric in pd.unique(s["metric"]):
        label, scale = metric_label(str(metric))
        rows.append([label, *row_numbers([wide.loc[metric, n] for n in names], scale)])
    return Section(
        "Appendix: every metric",
        "appendix",
        [
            "Mean of every metric per strategy (confidence intervals in `summary.csv`).",
            Table(["metric", *names], rows, frozenset(range(1, len(names) + 1))),
        ],
    )


def _value(v: Any) -> str:
    """A swept parameter's value: numbers compactly, anything else (a rule, a switch) as is.

    A switch read back from a table is a NumPy bool, shown True/False as in the charts
    (not 1/0)."""
    if isinstance(v, bool | np.bool_ | str):
        return str(bool(v)) if isinstance(v, np.bool_) else str(v)
    try:
        return f"{float(v):g}"
    except (TypeError, ValueError):
        return str(v)
