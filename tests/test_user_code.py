"""User code runs only when asked: `validate` checks that an experiment's
`modules` exist and imports none of them; `validate --load-modules` and `run`
import them, as a step of their own; loading never puts a folder ahead of the
installed packages on the import path."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

import simsales
from simsales.cli import app


def _module(folder: Path, name: str, strategy: str | None = None, marker: bool = True) -> Path:
    """A module that leaves a marker file when imported (and registers ``strategy``)."""
    lines = ["from pathlib import Path"]
    if marker:
        lines.append(f"Path({str(folder / (name + '.imported'))!r}).write_text('ran')")
    if strategy:
        lines += [
            "import simsales",
            f"@simsales.register_strategy({strategy!r})",
            "class Mine(simsales.PhasedStrategy):",
            "    pass",
        ]
    path = folder / f"{name}.py"
    path.write_text("\n".join(lines) + "\n")
    return path


def _experiment(folder: Path, modules: list[str], strategies: list[str]) -> Path:
    text = (
        f'name = "usercode"\nseed = 3\nreplications = 2\nhorizon_days = 20.0\n'
        f"modules = {modules!r}\n".replace("'", '"')
    )
    text += "".join(f'\n[[strategies]]\nname = "{s}"\n' for s in strategies)
    path = folder / "exp.toml"
    path.write_text(text)
    return path


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_validate_imports_no_module(tmp_path: Path):
    name, strategy = _unique("marks"), _unique("strat")
    _module(tmp_path, name, strategy)
    exp = _experiment(tmp_path, [f"{name}.py"], ["push", strategy])
    res = CliRunner().invoke(app, ["validate", str(exp)])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / f"{name}.imported").exists()
    assert f"not checked: {strategy}" in res.output
    assert "--load-modules" in res.output
    assert strategy not in simsales.available_strategies()


def test_validate_does_not_run_a_module_that_fails(tmp_path: Path):
    (tmp_path / "broken.py").write_text("raise SystemExit('ran at import')\n")
    exp = _experiment(tmp_path, ["broken.py"], ["push"])
    res = CliRunner().invoke(app, ["validate", str(exp)])
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["validate", "--load-modules", str(exp)])
    assert res.exit_code == 2
    assert "modules[0]" in res.output and "broken.py" in res.output


def test_loading_the_experiment_from_python_imports_no_module(tmp_path: Path):
    name, strategy = _unique("marks"), _unique("strat")
    _module(tmp_path, name, strategy)
    config = simsales.load_experiment(_experiment(tmp_path, [f"{name}.py"], [strategy]))
    assert config.unchecked_strategies == [strategy]
    assert not (tmp_path / f"{name}.imported").exists()
    loaded = simsales.load_modules(config)
    assert (tmp_path / f"{name}.imported").exists()
    assert loaded.unchecked_strategies == []


def test_no_module_of_a_package_runs_to_be_found(tmp_path: Path):
    # a dotted name in a package of the user's: its __init__ is looked into, not run
    pkg = _unique("userpkg")
    (tmp_path / pkg).mkdir()
    _module(tmp_path / pkg, "__init__")
    _module(tmp_path / pkg, "strats", _unique("strat"))
    exp = _experiment(tmp_path, [f"{pkg}.strats"], ["push"])
    res = CliRunner().invoke(app, ["validate", str(exp)])
    assert res.exit_code == 0, res.output
    assert not (tmp_path / pkg / "__init__.imported").exists()
    assert not (tmp_path / pkg / "strats.imported").exists()


def test_a_module_elsewhere_is_found_not_run(tmp_path: Path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    (tmp_path / "exps").mkdir()
    name = _unique("far")
    _module(other, name)
    exp = _experiment(tmp_path / "exps", [f"../elsewhere/{name}.py"], ["push"])
    res = CliRunner().invoke(app, ["validate", str(exp)])
    assert res.exit_code == 0, res.output
    assert not (other / f"{name}.imported").exists()


def test_validate_load_modules_imports_and_checks(tmp_path: Path):
    name, strategy = _unique("marks"), _unique("strat")
    _module(tmp_path, name, strategy)
    exp = _experiment(tmp_path, [f"{name}.py"], [strategy])
    res = CliRunner().invoke(app, ["validate", "--load-modules", str(exp)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / f"{name}.imported").exists()
    assert f"loading user modules: {tmp_path / name}.py" in res.output.replace("\n", "")
    assert "not checked" not in res.output


def test_a_strategy_still_unknown_after_loading_is_refused(tmp_path: Path):
    name, strategy = _unique("marks"), _unique("strat")
    _module(tmp_path, name, strategy)
    typo = strategy[:-1] + ("x" if strategy[-1] != "x" else "y")
    exp = _experiment(tmp_path, [f"{name}.py"], [typo])
    assert CliRunner().invoke(app, ["validate", str(exp)]).exit_code == 0  # may come later
    for args in (["validate", "--load-modules"], ["run", "--out", str(tmp_path / "out")]):
        res = CliRunner().invoke(app, [*args, str(exp)])
        assert res.exit_code == 2, res.output
        assert f"unknown strategy {typo!r}" in res.output
        assert f"did you mean {strategy!r}" in res.output
        assert "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


def test_run_loads_the_modules_and_says_so(tmp_path: Path):
    name, strategy = _unique("marks"), _unique("strat")
    _module(tmp_path, name, strategy)
    exp = _experiment(tmp_path, [f"{name}.py"], ["push", strategy])
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(exp), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "loading user modules:" in res.output
    assert (tmp_path / f"{name}.imported").exists()
    assert (out / "replications.parquet").is_file()


@pytest.mark.parametrize(
    ("module", "named"),
    [("missing_mod.py", "missing_mod.py"), ("no_such_module_xyz.sub", "no_such_module_xyz.sub")],
)
def test_a_missing_module_is_refused_by_name(tmp_path: Path, module: str, named: str):
    exp = _experiment(tmp_path, [module], ["push"])
    for args in (["validate"], ["run", "--out", str(tmp_path / "out")]):
        res = CliRunner().invoke(app, [*args, str(exp)])
        assert res.exit_code == 2, res.output
        assert "modules[0]" in res.output and named in res.output
    assert not (tmp_path / "out").exists()


def test_loading_appends_the_folder_to_the_import_path(tmp_path: Path):
    name, strategy = _unique("dotted"), _unique("strat")
    _module(tmp_path, name, strategy, marker=False)
    exp = _experiment(tmp_path, [name], [strategy])
    before = list(sys.path)
    try:
        simsales.load_modules(simsales.load_experiment(exp))
        assert sys.path[: len(before)] == before  # nothing put ahead
        assert sys.path[len(before) :] in ([], [str(tmp_path.resolve())])
        assert strategy in simsales.available_strategies()
    finally:
        sys.path[:] = before


def test_a_planted_package_name_next_to_the_experiment_is_not_imported(tmp_path: Path):
    # distributed.py beside the experiment must not replace the installed
    # package when --backend dask imports it
    pytest.importorskip("distributed")
    pytest.importorskip("cryptography")
    folder = tmp_path / "exp"
    folder.mkdir()
    marker = folder / "planted.imported"
    (folder / "distributed.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\n"
    )
    name, strategy = _unique("dotted"), _unique("strat")
    _module(folder, name, strategy, marker=False)
    exp = _experiment(folder, [name], ["push", strategy])
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": ""}
    res = subprocess.run(
        [sys.executable, "-m", "simsales", "run", str(exp), "--backend", "dask", "--workers",
         "1", "--out", str(tmp_path / "out"), "--no-report"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout + res.stderr
    assert not marker.exists()
    assert (tmp_path / "out" / "replications.parquet").is_file()


def test_list_strategies_of_an_experiment_loads_its_modules(tmp_path: Path):
    name, strategy = _unique("marks"), _unique("strat")
    _module(tmp_path, name, strategy)
    exp = _experiment(tmp_path, [f"{name}.py"], [strategy])
    res = CliRunner().invoke(app, ["list", "strategies", "--experiment", str(exp)])
    assert res.exit_code == 0, res.output
    assert "loading user modules:" in res.output and strategy in res.output


def test_reading_a_stored_config_imports_no_module(tmp_path: Path):
    # a results folder's manifest names the modules it ran with: telling whose
    # results a folder holds must not run them
    from simsales.store.record import parse_record

    name, strategy = _unique("marks"), _unique("strat")
    path = _module(tmp_path, name, strategy)
    config = {"name": "old", "seed": 1, "modules": [str(path)], "strategies": [{"name": strategy}]}
    assert parse_record({"config": config}).fingerprint
    assert not (tmp_path / f"{name}.imported").exists()
