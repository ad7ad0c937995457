"""Sweeps and designs, and uncertain parameters (two-level Monte Carlo)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simsales
from simsales.analysis.summary import mean_table, summary_table
from simsales.experiment.design import Range, Sweep, apply, design_points, draw_uncertain

from worlds import small_experiment


def test_apply_sets_values_at_key_paths():
    cfg = {"market": {"lead_rate": 1.0}, "population": {"urgency": {"dist": "beta", "a": 2}}}
    out = apply(cfg, {"market.lead_rate": 2.5, "population.urgency.a": 3.0})
    assert out["market"]["lead_rate"] == 2.5 and out["population"]["urgency"]["a"] == 3.0
    assert cfg["market"]["lead_rate"] == 1.0  # a copy
    with pytest.raises(ValueError, match="no key 'lead_rte'"):
        apply(cfg, {"market.lead_rte": 1.0})


def test_grid_is_the_cartesian_product_in_order():
    sweep = Sweep(method="grid", parameters={"a.x": [1, 2], "b.y": [10, 20, 30]})
    pts = design_points(sweep, seed=0)
    assert pts == [{"a.x": a, "b.y": b} for a in (1, 2) for b in (10, 20, 30)]


@pytest.mark.parametrize("method", ["lhs", "sobol"])
def test_space_filling_designs_stay_in_their_ranges(method):
    sweep = Sweep(
        method=method, points=16,
        parameters={"a.x": Range(low=0.0, high=2.0), "b.y": Range(low=-1.0, high=1.0)},
    )  # fmt: skip
    pts = design_points(sweep, seed=3)
    xs = np.array([p["a.x"] for p in pts])
    assert len(pts) == 16 and xs.min() >= 0.0 and xs.max() <= 2.0
    # Latin hypercube: exactly one point in each of the 16 strata of each axis
    if method == "lhs":
        assert sorted(np.floor(xs / 2.0 * 16).astype(int)) == list(range(16))
    assert design_points(sweep, seed=3) == pts  # reproducible


def test_sweep_results_are_tidy_and_points_share_customers():
    done: list[int] = []
    totals: list[int] = []
    res = simsales.run(
        small_experiment(
            replications=2,
            strategies=[{"name": "push"}],
            sweep={"method": "grid", "parameters": {"sellers.team_size": [1, 8]}},
        ),
        workers=2,
        on_done=done.append,
        on_batch=totals.append,
    )
    # progress: a bar's total counts every point's replications
    assert totals == [4] and len(done) == 4
    df = res.replications
    assert list(df.columns[:4]) == ["point", "sellers.team_size", "replication", "strategy"]
    assert len(df) == 2 * 2
    # the same replication at two points meets the same leads (common random numbers)
    leads = df.pivot(index="replication", columns="point", values="leads")
    assert (leads[0] == leads[1]).all()
    # one seller is a bottleneck: seller hours per lead stay, cycles get longer
    wide = mean_table(res, ["cycle_median"])
    assert wide.loc[(0, "push"), "cycle_median"] > wide.loc[(1, "push"), "cycle_median"]
    assert {"point", "strategy"} <= set(summary_table(res).columns)


@pytest.mark.parametrize("engine", ["simpy", "array"])
def test_sweep_equals_separate_runs(engine: str):
    # on either engine, named (a design naming none runs on the array engine)
    sweep = {"method": "grid", "parameters": {"market.lead_rate": [1.0, 3.0]}}
    swept = simsales.run(small_experiment(sweep=sweep, engine=engine), workers=1).replications
    for k, rate in enumerate((1.0, 3.0)):
        alone = simsales.run(
            small_experiment(market={"lead_rate": rate}, engine=engine), workers=1
        ).replications
        got = swept[swept["point"] == k].drop(columns=["point", "market.lead_rate"])
        pd.testing.assert_frame_equal(got.reset_index(drop=True), alone, check_exact=True)


def test_uncertain_parameters_vary_by_replication_and_are_recorded():
    unc = {"population.value_ratio.median": {"dist": "uniform", "low": 2.0, "high": 6.0}}
    res = simsales.run(small_experiment(replications=4, uncertain=unc), workers=1)
    col = res.replications["population.value_ratio.median"]
    per_rep = res.replications.groupby("replication")["population.value_ratio.median"].nunique()
    assert (per_rep == 1).all()  # every strategy meets the same world
    assert col.nunique() == 4 and col.between(2.0, 6.0).all()
    from simsales.model.distributions import Uniform

    path = "population.value_ratio.median"
    draws = [draw_uncertain({path: Uniform(low=2.0, high=6.0)}, 11, r)[path] for r in range(4)]
    assert sorted(set(col)) == sorted(draws)
    # the summary pools the worlds and does not treat the parameter as a metric
    assert "population.value_ratio.median" not in set(summary_table(res)["metric"])


def test_bad_design_paths_are_bad_input():
    with pytest.raises(simsales.ConfigError, match=r"sweep\.parameters"):
        simsales.run(small_experiment(sweep={"parameters": {"market.lead_rte": [1.0]}}))
    with pytest.raises(simsales.ConfigError, match="greater than 0"):
        simsales.run(small_experiment(sweep={"parameters": {"market.lead_rate": [-1.0]}}))
    with pytest.raises(simsales.ConfigError, match=r"needs \{low"):
        simsales.run(small_experiment(sweep={"method": "lhs", "parameters": {"a.b": [1.0]}}))


def test_an_uncertain_parameter_keeps_its_draws_when_others_are_added():
    """Each uncertain parameter has its own stream, named by its path: adding one
    (here sorting before it) leaves its draws as they were, and two parameters
    with the same distribution get different draws."""
    from simsales.model.distributions import Uniform

    u = Uniform(low=0.0, high=1.0)
    alone = [draw_uncertain({"p.z": u}, 5, r) for r in range(20)]
    both = [draw_uncertain({"p.a": u, "p.z": u}, 5, r) for r in range(20)]
    assert [d["p.z"] for d in alone] == [d["p.z"] for d in both]
    assert all(d["p.a"] != d["p.z"] for d in both)
    assert len({d["p.z"] for d in alone}) == 20  # a new world in every replication


def test_grid_has_no_points_and_designs_default_to_eight():
    """A grid runs every combination, so ``points`` is refused there (it used to be
    stored as 8 in the manifest); lhs and sobol default to 8 points."""
    grid = Sweep(parameters={"market.lead_rate": [1.0, 2.0, 3.0]})
    assert grid.points is None and grid.model_dump(mode="json")["points"] is None
    assert len(design_points(grid, seed=0)) == 3
    with pytest.raises(ValueError, match="points = 4 is for lhs and sobol"):
        Sweep(points=4, parameters={"market.lead_rate": [1.0, 2.0]})
    for method in ("lhs", "sobol"):
        s = Sweep(method=method, parameters={"market.lead_rate": Range(low=1.0, high=2.0)})
        assert s.points == 8
        assert len(design_points(s, seed=0)) == 8


def test_points_on_a_grid_is_bad_input_naming_the_key():
    with pytest.raises(simsales.ConfigError, match=r"sweep.*points = 4 is for lhs and sobol"):
        simsales.run(
            small_experiment(sweep={"points": 4, "parameters": {"market.lead_rate": [1.0]}})
        )
