"""The sections of a report, each built from stored results only."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from simsales.experiment.config import Experiment
from simsales.experiment.design import Sweep
from simsales.experiment.figures import Chart, swept_parameters
from simsales.experiment.labels import metric_label
from simsales.experiment.results import Results
from simsales.reporting.best import HEADLINE, PRIMARY, Lead, lead, leads_by_point
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

__all__ = [
    "KEY_METRICS",
    "appendix",
    "best_strategy",
    "charts_section",
    "comparisons",
    "experiment",
    "robustness",
    "sensitivity",
    "summary",
]

#: Metrics of the summary table (the same as the command line prints).
KEY_METRICS = (
    "conversion", "wins", "cost_per_win", "cost_of_sale_share", "cycle_median",
    "no_decision_share", "roise", "churn_rate", "total_cost_share",
)  # fmt: skip

#: Top-level keys shown in their own rows, not in the list of changed parameters.
_OWN_ROWS = {
    "name", "description", "seed", "replications", "modules", "strategies", "sweep",
    "uncertain", "compare", "compare_metrics",
}  # fmt: skip


def _compact(value: Any) -> str:
    """A setting's value as the experiment file would give it; an unset one (JSON null)
    as "not set", not "null"."""
    if value is None:
        return "not set"
    return value if isinstance(value, str) else json.dumps(value, separators=(", ", ": "))


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _changed(config: Experiment) -> list[tuple[str, Any, Any]]:
    """(key path, value, default) of every setting that differs from the defaults."""
    defaults = _flatten(Experiment(name="default", seed=0).model_dump(mode="json"))
    mine = _flatten(config.model_dump(mode="json", exclude=_OWN_ROWS))
    return [
        (k, v, defaults.get(k, "– (no such key by default)"))
        for k, v in mine.items()
        if k.split(".")[0] not in _OWN_ROWS and defaults.get(k, object()) != v
    ]


def _sweep_text(sweep: Sweep | None, n_points: int) -> str:
    if sweep is None:
        return "none"
    params = "; ".join(f"{p} = {_compact(_json(v))}" for p, v in sweep.parameters.items())
    return f"{sweep.method} design, {n_points} points: {params}"


def _json(value: Any) -> Any:
    """A setting as the experiment file writes it (a model as its table)."""
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def experiment(results: Results) -> Section:
    """What was run: settings, strategies, versions."""
    record = results.record
    cfg = record.config
    horizon = cfg.horizon_days
    end = cfg.lifecycle.end_days or horizon
    reps = str(record.replications)
    if record.resumed_replications:
        reps += f" ({record.resumed_replications} resumed from an interrupted run)"
    market = cfg.market
    if market.size:
        market_text = f"finite, {market.size} buyers (Bass innovation {market.innovation}/year)"
    else:
        market_text = f"unlimited, {market.lead_rate} leads per day"
    reps_df = results.replications
    n_points = int(reps_df["point"].nunique()) if "point" in reps_df.columns else 1
    lifecycle = "on" if cfg.lifecycle.enabled else "off"
    uncertain = "; ".join(f"{p} ~ {_compact(_json(d))}" for p, d in cfg.uncertain.items())
    pairs = "; ".join(f"{a} vs {b}" for a, b in cfg.compare)
    sellers = cfg.sellers
    rows = [
        ["experiment", record.experiment],
        ["description", cfg.description or "–"],
        ["root seed", str(record.seed)],
        ["replications", reps],
        ["leads arrive for", f"{horizon:g} days"],
        ["customers observed for", f"{float(end):g} days (lifecycle {lifecycle})"],
        ["market", market_text],
        [
            "sellers",
            f"{sellers.team_size} sellers, {sellers.hours_per_day} hours/day, "
            f"{sellers.cost_per_hour} of the price per hour",
        ],
        ["strategies", ", ".join(cfg.strategy_names)],
        ["sweep", _sweep_text(cfg.sweep, n_points)],
        ["uncertain parameters", uncertain or "none"],
        ["paired comparisons", pairs or "none"],
        ["failed replications", str(len(record.failures))],
        ["simsales", f"{record.simsales_version} (git commit {record.git_commit or '–'})"],
        ["Python, platform", f"{record.python}, {record.platform}"],
        ["dependencies", ", ".join(f"{k} {v}" for k, v in record.dependencies.items())],
        [
            "run",
            f"{record.wall_seconds} s on {record.workers} worker(s), backend {record.backend}",
        ],
    ]
    blocks: list[Any] = [
        "The experiment as recorded in `manifest.json`; this report is computed from the "
        "stored tables and runs no simulation.",
        Table(["setting", "value"], rows),
    ]
    strat_rows = []
    for spec in cfg.strategies:
        if spec.sequence:
            built = " then ".join(
                p.strategy + (f" until {p.until}" if p.until else "") for p in spec.sequence
            )
        else:
            built = spec.strategy or spec.name
        strat_rows.append([spec.name, built, _compact(spec.params) or "{}"])
    if strat_rows:
        blocks += ["Strategies:", Table(["strategy", "built from", "parameters"], strat_rows)]
    changed = _changed(cfg)
    swept = set(cfg.sweep.parameters) if cfg.sweep is not None else set()
    if changed:
        blocks += [
            "Settings that differ from the built-in defaults (every other setting is at its "
            "default; `experiments/baseline.toml` lists them all):",
            Table(
                ["key", "value", "default"],
                [
                    [k, _compact(v) + (" (the sweep sets it)" if k in swept else ""), _compact(d)]
                    for k, v, d in changed
                ],
            ),
        ]
    else:
        blocks.append(
            "Every other setting is at its built-in default (`experiments/baseline.toml` "
            "lists them all)."
        )
    return Section("The experiment as run", "experiment", blocks)


def _point_cells(results: Results) -> tuple[list[str], dict[int, list[str]]]:
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
    s = results.summary
    present = [m for m in KEY_METRICS if m in set(s["metric"])]
    # a column of dashes only (churn with the lifecycle off) says nothing: named instead
    defined = set(s.loc[s["mean"].notna(), "metric"])
    metrics = [m for m in present if m in defined]
    empty = [metric_label(m)[0] for m in present if m not in defined]
    by_point = "point" in s.columns
    keys = ["point", "strategy"] if by_point else ["strategy"]
    labels = {m: metric_label(m) for m in metrics}
    point_header, points = _point_cells(results) if by_point else ([], {})
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
        point_header, points = _point_cells(results)
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
    s = results.summary
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
