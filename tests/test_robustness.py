"""Robustness across plausible worlds: how often best, regret, PRIM rules, the command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from typer.testing import CliRunner

import simsales
from simsales.analysis.prim import prim
from simsales.analysis.robustness import (
    COLUMNS,
    best_per_world,
    how_often_best,
    robustness,
    robustness_table,
    win_regions,
)
from simsales.cli import app
from simsales.reporting.outputs import save_results

from worlds import SCALE, small_experiment

# --------------------------------------------------------------- how often best, regret
# Four worlds, three strategies, a metric where higher is better.
HAND = pd.DataFrame(
    {"a": [10.0, 4.0, 7.0, 1.0], "b": [8.0, 6.0, 7.0, np.nan], "c": [9.0, 5.0, 3.0, 2.0]},
    index=pd.Index([0, 1, 2, 3], name="replication"),
)


def test_how_often_best_and_regret_known_answer():
    # best: a (10), b (6), a and b tie at 7 -> a (first), c (2; b undefined)
    assert list(best_per_world(HAND)) == ["a", "b", "a", "c"]
    t = how_often_best(HAND).set_index("strategy")
    assert list(t["best_count"]) == [2, 1, 1] and (t["worlds"] == 4).all()
    assert list(t["best_share"]) == [0.5, 0.25, 0.25]
    # regrets: a (0, 2, 0, 1) -> mean 0.75, P90 = 1 + 0.7 (2 - 1) = 1.7, max 2
    #          b (2, 0, 0) (undefined in world 3) -> mean 2/3, P90 1.6, max 2
    #          c (1, 1, 4, 0) -> mean 1.5, P90 = 1 + 0.7 * 3 = 3.1, max 4
    np.testing.assert_allclose(t["regret_mean"], [0.75, 2 / 3, 1.5])
    np.testing.assert_allclose(t["regret_p90"], [1.7, 1.6, 3.1])
    np.testing.assert_allclose(t["regret_max"], [2.0, 2.0, 4.0])
    # Wilson interval of 2 of 4: 0.5 +- 1.96 sqrt(.25/4 + 1.96^2/64) / (1 + 1.96^2/4)
    z = 1.959963984540054
    half = z * np.sqrt(0.25 / 4 + z**2 / 64) / (1 + z**2 / 4)
    assert t.loc["a", "best_ci_low"] == pytest.approx(0.5 - half)
    assert t.loc["a", "best_ci_high"] == pytest.approx(0.5 + half)


def test_minimising_turns_best_and_regret_around():
    t = how_often_best(HAND, maximise=False).set_index("strategy")
    # best (lowest): b (8), a (4), c (3), a (1)
    assert list(best_per_world(HAND, maximise=False)) == ["b", "a", "c", "a"]
    assert list(t["best_count"]) == [2, 1, 1]
    # regrets: a (2, 0, 4, 0), b (0, 2, 4, -), c (1, 1, 0, 1)
    np.testing.assert_allclose(t["regret_mean"], [6 / 4, 6 / 3, 3 / 4])


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 12), st.integers(1, 5)),
              elements=st.floats(-1e6, 1e6)))  # fmt: skip
def test_regret_properties(values):
    df = pd.DataFrame(values, columns=[f"s{j}" for j in range(values.shape[1])])
    t = how_often_best(df)
    assert t["best_count"].sum() == len(df)  # exactly one best per world
    assert (t["regret_mean"] >= 0).all() and (t["regret_max"] >= t["regret_p90"]).all()
    assert ((t["best_ci_low"] <= t["best_share"]) & (t["best_share"] <= t["best_ci_high"])).all()
    best = best_per_world(df)
    regret = df.max(axis=1).to_numpy()[:, None] - df.to_numpy()
    chosen = regret[np.arange(len(df)), [df.columns.get_loc(b) for b in best]]
    assert (chosen == 0).all()  # the best strategy has no regret in its world


@pytest.mark.slow
def test_share_interval_covers_the_true_share():
    # Statistical: in sets of 50 worlds where "x" is best with chance 0.3, the 95% Wilson
    # interval holds 0.3 in 95% of sets, within 3 binomial standard errors plus 1% (the
    # Wilson interval's exact coverage at n = 50 oscillates by about that much around the
    # nominal level; Brown, Cai & DasGupta 2001, Statistical Science 16, 101-133)
    rng = np.random.default_rng(12)
    sets = max(200, int(1000 * SCALE))
    hits = 0
    for _ in range(sets):
        x = rng.uniform(size=50) < 0.3
        t = how_often_best(pd.DataFrame({"x": x * 1.0, "y": 0.5})).set_index("strategy")
        hits += t.loc["x", "best_ci_low"] <= 0.3 <= t.loc["x", "best_ci_high"]
    se = np.sqrt(0.95 * 0.05 / sets)
    assert abs(hits / sets - 0.95) < 3 * se + 0.01


# --------------------------------------------------------------- PRIM
def _uniform_worlds(n: int, d: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(rng.uniform(size=(n, d)), columns=[f"x{i + 1}" for i in range(d)])


def test_prim_recovers_a_known_box():
    # X wins iff x1 < 0.3 and x2 > 0.4; x3, x4 are irrelevant
    x = _uniform_worlds(2000, 4, seed=1)
    y = ((x["x1"] < 0.3) & (x["x2"] > 0.4)).to_numpy()
    box = prim(x, y)
    assert box.restricted == ["x1", "x2"]
    assert box.high["x1"] == pytest.approx(0.3, abs=0.03)
    assert box.low["x2"] == pytest.approx(0.4, abs=0.03)
    assert box.coverage > 0.9 and box.density > 0.9
    assert box.support == pytest.approx(0.18, abs=0.03)
    assert box.conditions() == [f"x1 < {box.high['x1']:.3g}", f"x2 > {box.low['x2']:.3g}"]
    traj = box.trajectory
    assert traj["support"].is_monotonic_decreasing and traj["chosen"].sum() == 1
    assert traj["support"].min() >= 0.05  # minimum support stops the peeling


def test_prim_with_label_noise_and_a_two_sided_box():
    # X wins in 0.2 < x2 < 0.7 (any x1), but 10% of labels are flipped: the box is still
    # found; its density is about 0.9 and its coverage 0.5 x 0.9 / (0.5 x 0.9 + 0.5 x 0.1)
    x = _uniform_worlds(3000, 2, seed=2)
    rng = np.random.default_rng(3)
    y = ((x["x2"] > 0.2) & (x["x2"] < 0.7)).to_numpy() ^ (rng.uniform(size=3000) < 0.1)
    box = prim(x, y)
    assert box.restricted == ["x2"]
    assert box.low["x2"] == pytest.approx(0.2, abs=0.04)
    assert box.high["x2"] == pytest.approx(0.7, abs=0.04)
    assert box.density == pytest.approx(0.9, abs=0.03)
    assert box.coverage == pytest.approx(0.9, abs=0.05)
    assert box.conditions()[0].startswith("0.") and " < x2 < " in box.conditions()[0]


def test_prim_finds_no_region_where_there_is_none():
    # X best at random, in 40% of worlds: the chosen box is the whole space
    x = _uniform_worlds(2000, 3, seed=4)
    y = np.random.default_rng(5).uniform(size=2000) < 0.4
    box = prim(x, y)
    assert box.restricted == [] and box.coverage == 1.0
    assert box.density == pytest.approx(0.4, abs=0.03)


def test_prim_rejects_bad_arguments():
    x = _uniform_worlds(10, 1, seed=0)
    with pytest.raises(ValueError, match="alpha"):
        prim(x, np.ones(10, bool), alpha=0.0)
    with pytest.raises(ValueError, match="same"):
        prim(x, np.ones(9, bool))


# --------------------------------------------------------------- robustness of a table
def _synthetic_replications(n: int = 600, seed: int = 6) -> pd.DataFrame:
    """Worlds where 'insight' wins iff urgency.b < 3 and need.a > 4, else 'push'."""
    x = _uniform_worlds(n, 2, seed)
    b, a = 1.5 + 4.5 * x["x1"], 2 + 8 * x["x2"]
    wins = (b < 3.0) & (a > 4.0)
    rows = []
    for r in range(n):
        for s, v in (("push", 1.0), ("insight", 2.0 if wins[r] else 0.5), ("coach", 0.0)):
            rows.append({"replication": r, "strategy": s, "revenue_total": v,
                         "population.urgency.b": b[r], "population.need.a": a[r]})  # fmt: skip
    return pd.DataFrame(rows)


PARAMS = ["population.need.a", "population.urgency.b"]


def test_robustness_table_reports_rules_in_words_and_the_map_contract():
    rb = robustness_table(_synthetic_replications(), PARAMS, "revenue_total")
    assert list(rb.table.columns) == COLUMNS
    t = rb.table.set_index("strategy")
    share = (1.5 / 4.5) * (6 / 8)  # P(b < 3) P(a > 4) = 0.25
    assert t.loc["insight", "best_share"] == pytest.approx(share, abs=0.05)
    assert t.loc["coach", "best_count"] == 0
    # the win-region map contract: worlds with the parameters and 'best'; boxes per strategy
    assert list(rb.worlds.columns) == ["replication", *PARAMS, "best"]
    assert set(rb.worlds["best"]) == {"push", "insight"}
    regions = rb.regions()
    assert set(regions) == {"push", "insight"}
    lo, hi = regions["insight"]["population.urgency.b"]
    assert hi == pytest.approx(3.0, abs=0.15) and lo == pytest.approx(1.5, abs=0.02)
    assert regions["insight"]["population.need.a"][0] == pytest.approx(4.0, abs=0.3)
    rule = rb.rules.set_index("strategy").loc["insight", "rule"]
    assert rule.startswith("insight is best when population.need.a > ")
    assert "and population.urgency.b < " in rule
    cov, dens = rb.rules.set_index("strategy").loc["insight", ["coverage", "density"]]
    assert cov > 0.9 and dens > 0.9 and f"(coverage {cov:.2f}, density {dens:.2f}" in rule
    assert rb.rules.set_index("strategy").loc["coach", "rule"] == "coach is never best"


def test_robustness_refuses_results_without_worlds():
    df = _synthetic_replications(20)
    with pytest.raises(ValueError, match="no uncertain parameters"):
        robustness_table(df, [], "revenue_total")
    with pytest.raises(ValueError, match="no metric 'joy'"):
        robustness_table(df, PARAMS, "joy")
    with pytest.raises(ValueError, match="several design points"):
        robustness_table(df.assign(point=df["replication"] % 2), PARAMS, "revenue_total")


# --------------------------------------------------------------- end to end
def test_cli_and_api_on_stored_results(tmp_path: Path):
    unc = {
        "population.urgency.b": {"dist": "uniform", "low": 1.5, "high": 6.0},
        "market.lead_cost": {"dist": "uniform", "low": 0.0, "high": 0.05},
    }
    exp = small_experiment(
        replications=12, uncertain=unc, strategies=[{"name": "push"}, {"name": "insight"}]
    )
    out = tmp_path / "worlds"
    save_results(simsales.run(exp, workers=1), out, with_charts=False)  # charts are not needed
    res = CliRunner().invoke(
        app, ["robustness", str(out), "--metric", "total_cost_share", "--minimise"]
    )
    assert res.exit_code == 0, res.output
    for name in ("robustness.csv", "robustness_rules.csv", "robustness_boxes.csv",
                 "robustness_worlds.csv", "robustness.txt"):  # fmt: skip
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "robustness.csv")
    assert list(table.columns) == COLUMNS and set(table["direction"]) == {"min"}
    assert table["best_count"].sum() == table["worlds"].iloc[0] <= 12
    assert (table["regret_mean"] >= 0).all()
    # the API on the stored folder gives the same table, without running anything
    rb = robustness(out, "total_cost_share", minimise=True)
    pd.testing.assert_frame_equal(rb.table, table, check_exact=False, rtol=1e-12)
    worlds, boxes = win_regions(out, "total_cost_share", minimise=True)
    assert list(worlds.columns) == ["replication", "market.lead_cost", "population.urgency.b",
                                    "best"]  # fmt: skip
    assert all(set(b) == {"market.lead_cost", "population.urgency.b"} for b in boxes.values())


def test_cli_bad_input_names_the_problem(tmp_path: Path):
    plain = tmp_path / "plain"
    exp = small_experiment(replications=2, strategies=[{"name": "push"}])
    save_results(simsales.run(exp, workers=1), plain, with_charts=False)
    res = CliRunner().invoke(app, ["robustness", str(plain), "--metric", "conversion"])
    assert res.exit_code == 2 and "no uncertain parameters" in res.output
    res = CliRunner().invoke(app, ["robustness", str(plain), "--metric", "joy"])
    assert res.exit_code == 2 and "unknown metric(s) 'joy'" in res.output
    res = CliRunner().invoke(app, ["robustness", str(tmp_path), "--metric", "conversion"])
    assert res.exit_code == 2 and "lacks manifest.json and replications.parquet" in res.output
