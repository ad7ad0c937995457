"""Small synthetic results folders for the chart gallery and report tests.

Every table is drawn from a fixed-seed generator with effects chosen here,
not produced by the simulation, so the tests do not depend on the engine's
numbers. The tables have the columns the real ones have.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simsales.engine.metrics import METRICS
from simsales.experiment.config import Experiment
from simsales.reporting.outputs import save_results
from simsales.store.folder import stamp
from simsales.store.results import Results

STRATEGIES = ["push", "insight", "decision_coaching"]
#: Mean ROISE per strategy: insight leads push by 0.5, push leads coaching by 0.5.
ROISE = {"push": 3.0, "insight": 3.5, "decision_coaching": 2.5}
CONVERSION = {"push": 0.20, "insight": 0.30, "decision_coaching": 0.24}
ORBITS = [
    "awareness", "potential", "benefit", "observation", "acquisition", "installation",
    "adaptation", "belief", "expansion", "refer", "zealot",
]  # fmt: skip
CAUSES = ["lost_status_quo", "lost_indecision", "lost_rival", "lost_went_dark"]
VALUE = "population.value_ratio.median"
RATE = "market.lead_rate"


def config(**over: Any) -> dict[str, Any]:
    """The experiment as the manifest records it (validated by the real schema)."""
    base: dict[str, Any] = {
        "name": "gallery",
        "description": "synthetic tables for the chart gallery",
        "seed": 7,
        "replications": 12,
        "strategies": [{"name": s} for s in STRATEGIES],
        "compare": [["insight", "push"], ["decision_coaching", "push"]],
        "compare_metrics": ["conversion", "roise"],
        "sellers": {"team_size": 3},
    }
    base.update(over)
    return Experiment.model_validate(base).model_dump(mode="json")


def manifest(cfg: dict[str, Any]) -> dict[str, Any]:
    """A manifest like the runner writes."""
    return {
        "experiment": cfg["name"], "seed": cfg["seed"], "replications": cfg["replications"],
        "config": cfg, "simsales_version": "0.1.0", "python": "3.11.0", "platform": "test",
        "dependencies": {"numpy": "x"}, "git_commit": None, "workers": 1,
        "wall_seconds": 1.0, "backend": "local", "resumed_replications": 0, "failures": [],
    }  # fmt: skip


def replications(
    rng: np.random.Generator, n: int = 12, shift: dict[str, float] | None = None
) -> pd.DataFrame:
    """One row per replication × strategy with every metric column, consistent counts."""
    rows = []
    for r in range(n):
        world = rng.normal(0.0, 0.2)  # common to all strategies: paired comparisons
        leads = int(rng.poisson(60))
        for s in STRATEGIES:
            row: dict[str, Any] = {m: float(rng.gamma(4.0, 0.25)) for m in METRICS}
            unq = int(rng.integers(2, 8))
            qualified = leads - unq
            conv = CONVERSION[s] + (shift or {}).get(s, 0.0) + 0.02 * rng.standard_normal()
            wins = round(float(np.clip(conv, 0.01, 0.9)) * qualified)
            losses = rng.multinomial(qualified - wins, [0.35, 0.25, 0.3, 0.1])
            row.update(dict(zip(CAUSES, map(int, losses), strict=True)))
            reached = np.sort(rng.integers(wins, qualified + 1, 3))[::-1]
            row.update(
                leads=leads, qualified=qualified, wins=wins, unqualified=unq,
                conversion=wins / qualified, reached_awareness=leads,
                reached_potential=qualified, reached_benefit=int(reached[0]),
                reached_observation=int(reached[1]), reached_acquisition=int(reached[2]),
                roise=ROISE[s] + world + 0.05 * rng.standard_normal(),
                cost_of_sale_share=0.2 + 0.02 * rng.standard_normal(),
                churn_rate=float("nan") if s == "push" else 0.1,
            )  # fmt: skip
            rows.append({"replication": r, "strategy": s, **row})
    return pd.DataFrame(rows)[["replication", "strategy", *METRICS]]


def timeseries(rng: np.random.Generator, n: int = 12, months: int = 6) -> pd.DataFrame:
    """Monthly customers per orbit, revenue and cost."""
    rows = []
    for r in range(n):
        for s in STRATEGIES:
            for m in range(months):
                row = {o: int(rng.integers(0, 5 + 3 * m)) for o in [*ORBITS, "churned"]}
                rows.append(
                    {"replication": r, "strategy": s, "month": m, **row,
                     "revenue": float(rng.gamma(2.0, 1.0)), "cost": float(rng.gamma(2.0, 0.2))}
                )  # fmt: skip
    return pd.DataFrame(rows)


def sobol_table(rng: np.random.Generator) -> pd.DataFrame:
    """Sobol indices: S1 <= ST, conf half-widths."""
    rows = []
    for s in STRATEGIES:
        for metric in ("conversion", "roise"):
            for p in (VALUE, RATE, "behaviour.switching_cost"):
                s1 = float(rng.uniform(0.0, 0.5))
                rows.append(
                    {"strategy": s, "metric": metric, "parameter": p, "S1": s1,
                     "S1_conf": 0.05, "ST": s1 + float(rng.uniform(0.0, 0.2)), "ST_conf": 0.07}
                )  # fmt: skip
    return pd.DataFrame(rows)


def morris_table(rng: np.random.Generator) -> pd.DataFrame:
    """Morris screening: mu_star, its conf, sigma, mu."""
    rows = []
    for s in STRATEGIES:
        for p in (VALUE, RATE, "behaviour.switching_cost"):
            mu_star = float(rng.uniform(0.01, 0.1))
            rows.append(
                {"strategy": s, "metric": "conversion", "parameter": p, "mu_star": mu_star,
                 "mu_star_conf": 0.2 * mu_star, "sigma": float(rng.uniform(0.0, 0.1)),
                 "mu": mu_star}
            )  # fmt: skip
    return pd.DataFrame(rows)


#: PRIM boxes of the synthetic robustness table.
BOXES = {"insight": {VALUE: [4.0, 5.0]}, "push": {VALUE: [3.0, 4.0], RATE: [1.0, 1.5]}}


def robustness_table(rng: np.random.Generator, n: int = 60) -> pd.DataFrame:
    """Worlds: insight best where the value ratio is high, push elsewhere (a known rule)."""
    value = rng.uniform(3.0, 5.0, n)
    rate = rng.uniform(1.0, 2.0, n)
    best = np.where(value > 4.0, "insight", np.where(rate < 1.5, "push", "decision_coaching"))
    return pd.DataFrame({"world": np.arange(n), VALUE: value, RATE: rate, "best": best})


def sweep_results(rng: np.random.Generator, params: dict[str, list[float]], n: int = 4) -> Results:
    """A grid sweep over ``params``: point and parameter columns lead the table."""
    grid = pd.MultiIndex.from_product(list(params.values()), names=list(params)).to_frame(
        index=False
    )
    parts = []
    for point, values in grid.iterrows():
        shift = {"insight": 0.05 * float(values.iloc[0])}
        reps = replications(rng, n, shift)
        reps.insert(0, "point", int(point))
        for k, p in enumerate(params):
            reps.insert(1 + k, p, float(values[p]))
        parts.append(reps)
    sweep = {"method": "grid", "parameters": params}
    cfg = config(name="gallery_sweep", replications=n, sweep=sweep, compare=[])
    return Results(pd.concat(parts, ignore_index=True), manifest(cfg))


#: The optional inputs :func:`write_folder` writes, recorded as computed from its results.
EXTRAS = ("sensitivity.csv", "robustness_worlds.csv", "robustness_boxes.csv", "robustness.txt")


def write_folder(directory: Path, extras: bool = True) -> Results:
    """Save a synthetic results folder (no charts), with the optional inputs if ``extras``."""
    rng = np.random.default_rng(20260101)
    res = Results(replications(rng), manifest(config()), timeseries(rng))
    save_results(res, directory, with_charts=False)
    if extras:
        sobol_table(rng).to_csv(directory / "sensitivity.csv", index=False)
        robustness_table(rng).to_csv(directory / "robustness_worlds.csv", index=False)
        pd.DataFrame(
            [(s, p, lo, hi) for s, box in BOXES.items() for p, (lo, hi) in box.items()],
            columns=["strategy", "parameter", "low", "high"],
        ).to_csv(directory / "robustness_boxes.csv", index=False)
        (directory / "robustness.txt").write_text("insight is best when value is high\n")
        stamp(directory, EXTRAS, res.results_id)
    return res
