"""Sensitivity analysis: the design, the indices on functions with known answers,
the noise estimate, the command line end to end, and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from SALib.test_functions import Ishigami
from typer.testing import CliRunner

import simsales
from simsales.analysis.sensitivity_indices import (
    COLUMNS,
    NOISE_COLUMNS,
    noise,
    sensitivity_indices,
    table_indices,
)
from simsales.cli import app
from simsales.experiment.sensitivity_design import Sensitivity, sensitivity_points
from simsales.reporting.outputs import save_results

from worlds import small_experiment


def _spec(method: str, samples: int, ranges: dict[str, tuple[float, float]], **kw) -> Sensitivity:
    params = {p: {"low": lo, "high": hi} for p, (lo, hi) in ranges.items()}
    return Sensitivity(method=method, samples=samples, parameters=params, **kw)


def _table(spec: Sensitivity, f, replications: int = 1, noise_sd: float = 0.0,
           shared_sd: float = 0.0, seed: int = 0) -> pd.DataFrame:  # fmt: skip
    """A replications table as a run of ``spec`` would store it, for metric ``y = f(x) +
    shared_r + e``: ``shared_r`` common to every point of replication r (as common random
    numbers make it), ``e`` independent."""
    rng = np.random.default_rng(seed)
    points = sensitivity_points(spec, seed=7)
    x = np.array([[p[n] for n in spec.names] for p in points])
    fx = f(x)
    shared = rng.normal(0, shared_sd, replications)
    rows = []
    for k, p in enumerate(points):
        for r in range(replications):
            y = fx[k] + shared[r] + rng.normal(0, noise_sd)
            rows.append({"point": k, **p, "replication": r, "strategy": "s", "conversion": y})
    return pd.DataFrame(rows)


def _by_param(sa, column: str) -> np.ndarray:
    return sa.indices[column].to_numpy()


# --------------------------------------------------------------- design
@pytest.mark.parametrize(("method", "per_sample"), [("sobol", 4), ("morris", 3)])
def test_design_size_ranges_and_reproducibility(method, per_sample):
    spec = _spec(method, 8, {"a.x": (0.0, 2.0), "b.y": (-1.0, 1.0)})
    pts = sensitivity_points(spec, seed=3)
    assert len(pts) == spec.points == 8 * per_sample  # N (D + 2) or N (D + 1)
    xs = np.array([[p["a.x"], p["b.y"]] for p in pts])
    assert xs[:, 0].min() >= 0 and xs[:, 0].max() <= 2 and xs[:, 1].min() >= -1
    assert sensitivity_points(spec, seed=3) == pts
    assert sensitivity_points(spec, seed=4) != pts


def test_experiment_runs_the_sensitivity_design():
    sens = {"samples": 2, "parameters": {"market.lead_rate": {"low": 1.0, "high": 3.0}}}
    cfg = simsales.Experiment.model_validate(small_experiment(sensitivity=sens))
    assert cfg.has_design and len(cfg.points()) == 2 * 3
    assert cfg.at(cfg.points()[0]).sensitivity is None


# --------------------------------------------------------------- Sobol: known answers
def test_sobol_linear_model_known_indices():
    # y = 3 x1 + x2 + 0 x3, x1 ~ U(0, 1), x2 ~ U(0, 2): Var = 9/12 + 4/12, so
    # S1 = ST = (9/13, 4/13, 0) (additive model: no interactions)
    spec = _spec("sobol", 1024, {"a.x1": (0, 1), "a.x2": (0, 2), "a.x3": (-1, 1)})
    sa = table_indices(_table(spec, lambda x: 3 * x[:, 0] + x[:, 1]), spec, ["conversion"])
    assert list(sa.indices.columns) == COLUMNS["sobol"]
    truth = np.array([9 / 13, 4 / 13, 0.0])
    np.testing.assert_allclose(_by_param(sa, "S1"), truth, atol=0.03)
    np.testing.assert_allclose(_by_param(sa, "ST"), truth, atol=0.03)
    conf = _by_param(sa, "S1_conf")
    assert (conf[:2] > 0).all() and (conf < 0.1).all()
    assert conf[2] == 0  # a parameter without effect: every bootstrap estimate is exactly 0
    assert sa.noise["noise_variance"].isna().all()  # one replication: noise not estimable


def test_sobol_ishigami_known_indices():
    # Ishigami & Homma (1990), a = 7, b = 0.1, x ~ U(-pi, pi)^3; analytical indices
    # from Saltelli et al. (2008), The Primer, p. 179
    pi = np.pi
    spec = _spec("sobol", 2048, {"a.x1": (-pi, pi), "a.x2": (-pi, pi), "a.x3": (-pi, pi)})
    sa = table_indices(_table(spec, Ishigami.evaluate), spec, ["conversion"], seed=1)
    np.testing.assert_allclose(_by_param(sa, "S1"), [0.3139, 0.4424, 0.0], atol=0.04)
    st = [0.5576, 0.4424, 0.2437]
    np.testing.assert_allclose(_by_param(sa, "ST"), st, atol=0.04)
    # the intervals are honest about that error: the truth lies within 2 half-widths
    assert (np.abs(_by_param(sa, "ST") - st) < 2 * _by_param(sa, "ST_conf")).all()


# --------------------------------------------------------------- noise
def test_noise_known_answer_on_a_hand_table():
    # 2 points x 3 replications. Point means 2 and 5: variance 4.5. Within-point
    # variances 1 and 13, over 3 replications: (1/3 + 13/3) / 2 = 7/3. Residuals of the
    # two-way table (point + replication effects) sum of squares 7 on 2 df: 3.5 / 3.
    m = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 9.0]])
    got = noise(m)
    assert got["point_mean_variance"] == pytest.approx(4.5)
    assert got["noise_variance"] == pytest.approx(7 / 3)
    assert got["noise_share"] == pytest.approx(14 / 27)
    assert got["noise_variance_crn"] == pytest.approx(7 / 6)
    assert got["noise_share_crn"] == pytest.approx(7 / 27)


def test_noise_share_is_estimated_and_shrinks_the_indices_as_theory_says():
    # Statistical: y = 3 x1 + x2 + shared_r + e, e ~ N(0, 1), R = 4 replications.
    # The noise of a point mean is 1/4 after removing the replication effect, and
    # (s2(shared) + 1) / 4 before; noise share nu = 0.25 / (13/12 + 0.25).
    # Noise leaves S1 at (1 - nu) of the noise-free value and adds about nu to ST.
    spec = _spec("sobol", 4096, {"a.x1": (0, 1), "a.x2": (0, 2), "a.x3": (-1, 1)})
    df = _table(spec, lambda x: 3 * x[:, 0] + x[:, 1], 4, noise_sd=1.0, shared_sd=1.0, seed=5)
    sa = table_indices(df, spec, ["conversion"])
    row = sa.noise.iloc[0]
    assert list(sa.noise.columns) == NOISE_COLUMNS
    assert row["noise_variance_crn"] == pytest.approx(0.25, abs=0.015)  # SE ~ 0.0015
    shared = np.random.default_rng(5).normal(0, 1.0, 4)  # the draws _table made
    assert row["noise_variance"] == pytest.approx((np.var(shared, ddof=1) + 1) / 4, abs=0.02)
    nu = 0.25 / (13 / 12 + 0.25)
    assert row["noise_share_crn"] == pytest.approx(nu, abs=0.02)
    truth = np.array([9 / 13, 4 / 13, 0.0])
    # within two half-widths of the 95% bootstrap intervals (noise widens them)
    for col, expected in (("S1", truth * (1 - nu)), ("ST", truth * (1 - nu) + nu)):
        err = np.abs(_by_param(sa, col) - expected)
        assert (err < 2 * _by_param(sa, col + "_conf")).all(), (col, err)
    assert not sa.warnings  # 19% < 20%
    assert any("19% of the variance" in w for w in sa.words())


def test_large_noise_is_warned_about_in_words():
    spec = _spec("sobol", 64, {"a.x1": (0, 1), "a.x2": (0, 1)})
    df = _table(spec, lambda x: x[:, 0], 2, noise_sd=1.0)
    sa = table_indices(df, spec, ["conversion"])
    assert sa.noise["noise_share_crn"].iloc[0] > 0.8
    assert len(sa.warnings) == 1 and "more replications" in sa.warnings[0]
    assert any(w.startswith("WARNING s, conversion") for w in sa.words())


# --------------------------------------------------------------- Morris
def test_morris_linear_model_known_elementary_effects():
    # y = 2 x1 - 3 x2 + 0 x3: every elementary effect (per unit of the scaled range) is
    # a_i (high - low), so mu* = |a_i| (high - low), mu = a_i (high - low), sigma = 0
    spec = _spec("morris", 20, {"a.x1": (0, 1), "a.x2": (0, 2), "a.x3": (5, 10)})
    sa = table_indices(_table(spec, lambda x: 2 * x[:, 0] - 3 * x[:, 1]), spec, ["conversion"])
    assert list(sa.indices.columns) == COLUMNS["morris"]
    np.testing.assert_allclose(_by_param(sa, "mu_star"), [2.0, 6.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(_by_param(sa, "mu"), [2.0, -6.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(_by_param(sa, "sigma"), [0.0, 0.0, 0.0], atol=1e-9)


def test_morris_ranks_a_nonlinear_function():
    # y = 10 x1 + 4 x2^2 + x3 + 0 x4 on [0, 1]: mu* ranks x1 > x2 > x3 > x4 = 0, and
    # only the curved x2 has spread (sigma > 0)
    spec = _spec("morris", 30, {f"a.x{i}": (0, 1) for i in range(1, 5)})
    f = lambda x: 10 * x[:, 0] + 4 * x[:, 1] ** 2 + x[:, 2]  # noqa: E731
    sa = table_indices(_table(spec, f), spec, ["conversion"])
    mu_star = _by_param(sa, "mu_star")
    assert list(np.argsort(-mu_star)) == [0, 1, 2, 3] and mu_star[3] == 0
    sigma = _by_param(sa, "sigma")
    assert sigma[1] > 0.5 and np.allclose(sigma[[0, 2, 3]], 0, atol=1e-9)


def test_missing_design_points_are_an_error():
    spec = _spec("sobol", 4, {"a.x1": (0, 1)})
    df = _table(spec, lambda x: x[:, 0])
    with pytest.raises(ValueError, match="lack design point"):
        table_indices(df[df["point"] != 2], spec, ["conversion"])


# --------------------------------------------------------------- end to end
SENS_TOML = """
name = "sens_tiny"
seed = 5
replications = 2
horizon_days = 40.0
[market]
lead_rate = 2.0
[[strategies]]
name = "push"
[[strategies]]
name = "insight"
[sensitivity]
method = "{method}"
samples = {samples}
metrics = ["conversion", "seller_hours"]
[sensitivity.parameters]
"population.urgency.b" = {{low = 1.5, high = 6.0}}
"behaviour.conservatism" = {{low = 0.1, high = 0.9}}
"""


@pytest.mark.parametrize(("method", "samples", "points"), [("sobol", 2, 8), ("morris", 2, 6)])
def test_cli_runs_stores_and_analyses(tmp_path: Path, method, samples, points):
    f = tmp_path / "sens.toml"
    f.write_text(SENS_TOML.format(method=method, samples=samples))
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sensitivity", str(f), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    for name in ("replications.parquet", "manifest.json", "sensitivity.csv",
                 "sensitivity_noise.csv", "sensitivity.txt"):  # fmt: skip
        assert (out / name).is_file(), name
    reps = pd.read_parquet(out / "replications.parquet")
    assert reps["point"].nunique() == points and len(reps) == points * 2 * 2
    assert reps["population.urgency.b"].between(1.5, 6.0).all()
    # common random numbers: replication r meets the same leads at every point
    assert (reps.groupby(["replication", "strategy"])["leads"].nunique() == 1).all()
    table = pd.read_csv(out / "sensitivity.csv")
    assert list(table.columns) == COLUMNS[method]
    assert len(table) == 2 * 2 * 2  # strategies x metrics x parameters
    assert set(table["parameter"]) == {"population.urgency.b", "behaviour.conservatism"}
    noise_table = pd.read_csv(out / "sensitivity_noise.csv")
    assert list(noise_table.columns) == NOISE_COLUMNS and len(noise_table) == 4
    assert (noise_table["replications"] == 2).all()
    # recomputed from the stored results, through the API and the CLI: the same numbers
    again = sensitivity_indices(out)
    pd.testing.assert_frame_equal(again.indices, table, check_exact=False, rtol=1e-12)
    res2 = CliRunner().invoke(app, ["sensitivity", str(out), "--metric", "wins"])
    assert res2.exit_code == 0, res2.output
    assert set(pd.read_csv(out / "sensitivity.csv")["metric"]) == {"wins"}


# --------------------------------------------------------------- bad input
BASE = 'name = "bad"\nseed = 1\nreplications = 2\nhorizon_days = 20.0\n'
SENS = '[sensitivity]\nsamples = 4\nparameters = {{"{path}" = {{low = {lo}, high = {hi}}}}}\n'
BAD = {
    "with_sweep": (
        BASE
        + 'sweep = {parameters = {"market.lead_rate" = [1.0, 2.0]}}\n'
        + SENS.format(path="market.lead_cost", lo=0.0, hi=0.1),
        ["sensitivity", "cannot be combined with [sweep]"],
    ),
    "bad_path": (
        BASE + SENS.format(path="market.lead_rte", lo=1.0, hi=2.0),
        ["sensitivity.parameters['market.lead_rte']", "no key 'lead_rte'"],
    ),
    "low_not_below_high": (
        BASE + SENS.format(path="market.lead_rate", lo=2.0, hi=2.0),
        ["sensitivity.parameters['market.lead_rate']", "needs low < high"],
    ),
    "out_of_range_value": (
        BASE + SENS.format(path="market.lead_rate", lo=-1.0, hi=2.0),
        ["sensitivity.parameters['market.lead_rate']", "greater than 0"],
    ),
    "sobol_not_power_of_2": (
        BASE + SENS.format(path="market.lead_rate", lo=1.0, hi=2.0).replace("4", "6", 1),
        ["sensitivity", "samples: sobol needs a power of 2", "got 6"],
    ),
    "unknown_metric": (
        BASE + SENS.format(path="market.lead_rate", lo=1.0, hi=2.0) + 'metrics = ["joy"]\n',
        ["sensitivity", "unknown metric(s) 'joy'"],
    ),
    "also_uncertain": (
        BASE
        + 'uncertain = {"market.lead_rate" = {dist = "uniform", low = 1.0, high = 2.0}}\n'
        + SENS.format(path="market.lead_rate", lo=1.0, hi=2.0),
        ["'market.lead_rate' also in uncertain"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_sensitivity_input_exits_2_naming_the_key(tmp_path: Path, case: str):
    text, needles = BAD[case]
    f = tmp_path / "exp.toml"
    f.write_text(text)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["sensitivity", str(f), "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for needle in needles:
        assert needle in res.output, f"{needle!r} not in {res.output!r}"
    assert not out.exists()


def test_file_without_sensitivity_table_and_results_without_design(tmp_path: Path):
    f = tmp_path / "exp.toml"
    f.write_text(BASE)
    res = CliRunner().invoke(app, ["sensitivity", str(f), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "no [sensitivity] table" in res.output
    exp = small_experiment(replications=1, strategies=[{"name": "push"}])
    save_results(simsales.run(exp, workers=1), tmp_path / "plain", with_charts=False)
    res = CliRunner().invoke(app, ["sensitivity", str(tmp_path / "plain")])
    assert res.exit_code == 2 and "no [sensitivity] design" in res.output
    res = CliRunner().invoke(app, ["sensitivity", str(tmp_path), "--metric", "joy"])
    assert res.exit_code == 2 and "unknown metric(s) 'joy'" in res.output
    with pytest.raises(ValidationError, match="even number of levels"):
        Sensitivity(method="morris", levels=3, parameters={"a.b": {"low": 0, "high": 1}})
