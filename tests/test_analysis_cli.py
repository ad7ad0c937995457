"""`simsales compare` and `simsales select`, and their Python API, on stored results.

The stored results are synthetic (a replications table with a known best),
so no simulated number is pinned; one test runs a tiny real experiment to
check that selection adds replications in batches up to its cap.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import simsales
from simsales.analysis.paired import COLUMNS
from simsales.analysis.tables import AnalysisError
from simsales.cli import app
from simsales.experiment.results import Results

from worlds import small_experiment

runner = CliRunner()
STRATEGIES = ("a", "b", "c")


def _replications(n: int = 20) -> pd.DataFrame:
    """c converts best by far; a is cheapest per win; common customers shift all."""
    rng = np.random.default_rng(7)
    rows = []
    for r in range(n):
        common = rng.normal(0, 0.02)
        for s, conv, cost in zip(STRATEGIES, (0.20, 0.22, 0.40), (0.10, 0.30, 0.35), strict=True):
            cycle = 50 + 10 * rng.normal()
            rows.append(
                {
                    "replication": r,
                    "strategy": s,
                    "conversion": conv + common + rng.normal(0, 0.005),
                    "cost_per_win": cost + common + rng.normal(0, 0.005),
                    "cycle_p10": cycle - 20,
                    "cycle_median": cycle,
                    "cycle_p90": cycle + 40,
                    "total_cost_share": rng.normal(0.1, 0.01),
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    manifest = {
        "experiment": "synthetic",
        "seed": 3,
        "replications": 20,
        "config": {"compare_metrics": ["total_cost_share"]},
    }
    return Results(_replications(), manifest).save(tmp_path / "res", with_charts=False)


# ---------------------------------------------------------------- compare


def test_compare_api_defaults(stored):
    comp = simsales.compare(stored)
    assert list(comp.paired.columns) == COLUMNS
    pairs = set(zip(comp.paired["a"], comp.paired["b"], strict=True))
    assert pairs == {("a", "b"), ("a", "c"), ("b", "c")}
    metrics = ["conversion", "cost_per_win", "cycle_median", "total_cost_share"]
    assert list(dict.fromkeys(comp.paired["metric"])) == metrics
    row = comp.paired.set_index(["a", "b", "metric"]).loc[("a", "c", "conversion")]
    assert row["diff"] == pytest.approx(-0.20, abs=0.01)
    assert row["p_a_above_b"] == 0.0
    # the common customer shift cancels out of the paired difference
    assert row["crn_variance_ratio"] > 5
    assert not (stored / "paired.csv").exists()  # save=False writes nothing


def test_compare_cli_writes_tables(stored):
    r = runner.invoke(app, ["compare", str(stored)])
    assert r.exit_code == 0, r.output
    assert "paired differences" in r.output and "P10" in r.output
    paired = pd.read_csv(stored / "paired.csv")
    quant = pd.read_csv(stored / "quantiles.csv")
    assert list(paired.columns) == COLUMNS and len(paired) == 3 * 4
    assert set(quant["scope"]) == {"replications", "won deals"}
    assert not list(stored.glob(".*.tmp"))  # atomic writes leave no temporary file


def test_compare_cli_pairs_and_metrics(stored):
    r = runner.invoke(app, ["compare", str(stored), "--metric", "conversion", "--pair", "c:a"])
    assert r.exit_code == 0, r.output
    paired = pd.read_csv(stored / "paired.csv")
    assert paired[["a", "b", "metric"]].values.tolist() == [["c", "a", "conversion"]]
    assert paired.loc[0, "diff"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "nope"], ["metric: unknown 'nope'", "known: conversion"]),
        (["--pair", "a:zzz"], ["strategy: unknown 'zzz'", "known: a, b, c"]),
        (["--pair", "ab"], ["--pair 'ab'", "A:B"]),
    ],
)
def test_compare_cli_bad_input_exits_2_and_writes_nothing(stored, args, message):
    r = runner.invoke(app, ["compare", str(stored), *args])
    assert r.exit_code == 2
    for part in message:
        assert part in r.output
    assert "Traceback" not in r.output
    assert not (stored / "paired.csv").exists()


def test_compare_cli_needs_a_results_folder(tmp_path):
    r = runner.invoke(app, ["compare", str(tmp_path)])
    assert r.exit_code == 2 and "is not a results folder" in r.output


# ---------------------------------------------------------------- select


def test_select_api_on_stored_results(stored):
    sel = simsales.select_best(stored, "conversion", delta=0.01)
    assert sel.best == "c" and sel.replications <= 20
    cheapest = simsales.select_best(stored, "cost_per_win", delta=0.01, minimise=True)
    assert cheapest.best == "a"
    saved = json.loads((stored / "selection_cost_per_win.json").read_text())
    assert saved["best"] == "a" and saved["statement"] == cheapest.statement
    # the selection on another metric is kept beside it
    assert json.loads((stored / "selection_conversion.json").read_text())["best"] == "c"


def test_select_cli_on_stored_results(stored):
    r = runner.invoke(app, ["select", str(stored), "--metric", "conversion", "--delta", "0.01"])
    assert r.exit_code == 0, r.output
    assert "c is best on conversion" in r.output
    assert json.loads((stored / "selection_conversion.json").read_text())["best"] == "c"


def test_select_cli_undecided_says_how_many_more(stored):
    r = runner.invoke(
        app,
        ["select", str(stored), "--metric", "conversion", "--delta", "0.0001",
         "--strategy", "a", "--strategy", "b", "--n0", "5"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "undecided with the 20 replications available" in r.output
    assert "more)" in r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "nope", "--delta", "0.01"], "metric: unknown 'nope'"),
        (["--metric", "conversion", "--delta", "0"], "delta: must be a number > 0"),
        (["--metric", "conversion", "--delta", "0.01", "--strategy", "z"], "unknown 'z'"),
        (["--metric", "conversion", "--delta", "0.01", "--alpha", "0.9"], "alpha: must be in"),
    ],
)
def test_select_cli_bad_input_exits_2(stored, args, message):
    r = runner.invoke(app, ["select", str(stored), *args])
    assert r.exit_code == 2
    assert message in r.output and "Traceback" not in r.output


def test_select_cli_bad_metric_for_an_experiment_runs_nothing(tmp_path):
    exp = tmp_path / "e.toml"
    exp.write_text('name = "e"\nseed = 1\nreplications = 2\nhorizon_days = 20.0\n')
    out = tmp_path / "out"
    r = runner.invoke(
        app, ["select", str(exp), "--metric", "convresion", "--delta", "0.1", "-o", str(out)]
    )
    assert r.exit_code == 2 and "unknown 'convresion'" in r.output
    assert not (out / "replications.parquet").exists()
    assert "KN on" not in r.output  # refused before its progress bar is drawn


def test_select_cli_on_an_experiment_file(tmp_path):
    # A tiny real run: a huge delta decides after the n0 first-stage replications.
    exp = tmp_path / "e.toml"
    exp.write_text(
        'name = "e"\nseed = 1\nreplications = 5\nhorizon_days = 30.0\n'
        '[[strategies]]\nname = "push"\n[[strategies]]\nname = "insight"\n'
    )
    out = tmp_path / "out"
    args = ["select", str(exp), "--metric", "cost_of_sales", "--delta", "1e6", "--n0", "2"]
    r = runner.invoke(app, [*args, "-o", str(out), "--workers", "1"])
    assert r.exit_code == 0, r.output
    assert "is best on cost_of_sales" in r.output and "after 2 replications" in r.output
    assert json.loads((out / "selection_cost_of_sales.json").read_text())["replications"] == 2
    assert simsales.load_results(out).record.replications == 2


def test_select_api_rejects_bad_input_before_running():
    with pytest.raises(AnalysisError, match="strategy: unknown 'pusj'"):
        simsales.select_best(small_experiment(), "conversion", 0.1, strategies=["pusj", "push"])
    with pytest.raises(AnalysisError, match="no sweep"):
        simsales.select_best(small_experiment(), "conversion", 0.1, point=1)


def test_select_on_an_experiment_adds_replications_in_batches(tmp_path):
    # A tiny real run; no simulated number is pinned. A huge delta decides at
    # the first stage (N = 0); a minute one cannot eliminate anything (W is
    # huge), so the run grows in batches up to the cap and stays undecided.
    exp = small_experiment(strategies=[{"name": "push"}, {"name": "insight"}])
    totals: list[int] = []
    sel = simsales.select_best(
        exp, "cost_of_sales", delta=1e6, n0=2, workers=1, out=tmp_path / "easy",
        on_batch=totals.append,
    )  # fmt: skip
    assert sel.decided and sel.replications == 2 and totals == [2]
    totals.clear()
    sel = simsales.select_best(
        exp, "cost_of_sales", delta=1e-9, n0=2, max_replications=4, workers=1,
        out=tmp_path / "hard",
        on_batch=totals.append,
    )  # fmt: skip
    assert totals == [2, 3, 4]  # 50% more each batch (at least one), then the cap
    stored = simsales.load_results(tmp_path / "hard")
    assert stored.record.replications == 4
    assert stored.replications["replication"].nunique() == 4
    assert not sel.decided and sel.survivors == ("push", "insight")
    assert sel.available == 4 and "undecided with the 4 replications" in sel.statement
    saved = json.loads((tmp_path / "hard" / "selection_cost_of_sales.json").read_text())
    assert saved["statement"] == sel.statement
