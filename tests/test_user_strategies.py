"""Users' own strategies from their own module, and mixes, named in experiment files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
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


@pytest.fixture(scope="module")
def exp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One module file for the whole module: a second file registering the
    # same name would rightly be refused.
    folder = tmp_path_factory.mktemp("user")
    (folder / "my_strategies.py").write_text(MODULE)
    path = folder / "exp.toml"
    path.write_text(EXPERIMENT)
    return path


def test_user_module_strategy_runs_from_the_file(exp: Path, tmp_path: Path):
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


def test_mix_differs_from_both_parts(exp: Path):
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


def test_a_second_module_cannot_take_a_registered_name(exp: Path, tmp_path: Path):
    other = tmp_path / "other.py"
    other.write_text(MODULE)  # same strategy name, another file
    bad = tmp_path / "bad.toml"
    bad.write_text(EXPERIMENT.replace("my_strategies.py", "other.py"))
    simsales.load_modules(simsales.load_experiment(exp))  # registers the first
    res = CliRunner().invoke(app, ["validate", "--load-modules", str(bad)])
    assert res.exit_code == 2
    assert "already registered" in res.output


def test_dotted_module_found_next_to_the_experiment(tmp_path: Path):
    (tmp_path / "dotted_strats_for_test.py").write_text(
        MODULE.replace("demo_heavy_for_test", "dotted_demo_for_test")
    )
    f = tmp_path / "exp.toml"
    f.write_text(
        'name = "d"\nseed = 1\nmodules = ["dotted_strats_for_test"]\n'
        '[[strategies]]\nname = "dotted_demo_for_test"\n'
    )
    config = simsales.load_modules(simsales.load_experiment(f))
    assert config.strategy_names == ["dotted_demo_for_test"]
    assert "dotted_demo_for_test" in simsales.available_strategies()


def test_builtin_names_cannot_be_replaced():
    with pytest.raises(ValueError, match="already registered"):

        @simsales.register_strategy("push")
        class Push(simsales.PhasedStrategy):  # same class name, another module
            pass
