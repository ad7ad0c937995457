"""The report's section "The experiment as run": its settings, strategies and versions,
from the run record."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from simsales.experiment.config import Experiment
from simsales.experiment.design import Sweep
from simsales.reporting.document import (
    Section,
    Table,
)
from simsales.store.results import Results

__all__ = ["experiment"]

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


def _engine_text(engine: str, note: str | None) -> str:
    """The engine the replications ran on, and why when the default chose it."""
    text = (
        "array: many buyers, replications and strategies at once in numpy arrays, equal in "
        "distribution to the SimPy engine (docs/performance.md)"
        if engine == "array"
        else "simpy: one process per buyer, exact event order (the reference)"
    )
    return f"{text}; {note}" if note else text


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
        ["engine", _engine_text(cfg.engine, record.engine_note)],
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
