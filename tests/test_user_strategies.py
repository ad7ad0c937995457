"""Users' own strategies from their own module, and mixes, named in experiment files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

import simsales
from simsales.cli import app

MODULE = """
import simsales
from simsales import Action, PhasedStrategy


@simsales.register_strategy("demo_heavy_for_test")
class DemoHeavy(PhasedStrategy):
    class Params(PhasedStrategy.Params):
        middle: Action = Action(name="demo", hours=4.0, evidence=2.0)
"""

EXPERIMENT = """
name = "mine"
seed = 5
replications = 2
horizon_days = 30.0
modules = ["my_strategies.py"]

[[strategies]]
name = "push"

[[strategies]]
name = "demo_heavy_for_test"

[[strategies]]
name = "demo_light"
strategy = "demo_heavy_for_test"
params = {middle = {hours = 1.0}}

[[strategies]]
name = "insight_then_coaching"
sequence = [{strategy = "insight", until = "observation"}, {strategy = "decision_coaching"}]
"""


def _write(tmp_path: Path) -> Path:
    (tmp_path / "my_strategies.py").write_text(MODULE)
    exp = tmp_path / "exp.toml"
    exp.write_text(EXPERIMENT)
    return exp


def test_user_module_strategy_runs_from_the_file(tmp_path: Path):
    exp = _write(tmp_path)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(exp), "--out", str(out), "--workers", "2"])
    assert res.exit_code == 0, res.output
    df = pd.read_parquet(out / "replications.parquet")
    assert list(pd.unique(df["strategy"])) == [
        "push",
        "demo_heavy_for_test",
        "demo_light",
        "insight_then_coaching",
    ]
    heavy = df[df["strategy"] == "demo_heavy_for_test"]["seller_hours"].to_numpy()
    light = df[df["strategy"] == "demo_light"]["seller_hours"].to_numpy()
    assert (heavy > light).all()  # the params override took effect


def test_mix_differs_from_both_parts(tmp_path: Path):
    exp = _write(tmp_path)
    res = simsales.run(exp, workers=1).replications
    cfg = simsales.load_experiment(exp)
    parts = simsales.run(
        {**cfg.model_dump(), "strategies": [{"name": "insight"}, {"name": "decision_coaching"}]},
        workers=1,
    ).replications
    mix = res[res["strategy"] == "insight_then_coaching"]["seller_hours"].to_numpy()
    for name in ("insight", "decision_coaching"):
        part = parts[parts["strategy"] == name]["seller_hours"].to_numpy()
        assert not (mix == part).all()
