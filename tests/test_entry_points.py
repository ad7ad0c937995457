"""Installed packages register strategies under the entry-point group
`simsales.strategies`: validation reads their names from metadata and imports
nothing; loading them is the step that loads `modules`, and only for the
strategies an experiment names.

Each test installs a fake distribution: a ``NAME-1.0.dist-info`` folder with
an ``entry_points.txt`` on ``sys.path`` (which ``importlib.metadata`` reads),
beside modules that leave a marker file when imported. No network, no pip.
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

import simsales
from simsales.cli import app
from simsales.experiment.config import Experiment
from simsales.experiment.loader import ConfigError, load_modules
from simsales.experiment.plugins import ENTRY_POINT_GROUP, advertised_strategies
from simsales.model.strategies import strategy_class
from simsales.runner.replications import run_replication


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


class Package:
    """A fake installed distribution whose entry points name strategies."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.dist = _unique("acme").replace("_", "-")
        self.entries: dict[str, str] = {}
        self.monkeypatch = monkeypatch

    def module(self, body: str) -> str:
        """A module that leaves ``NAME.imported`` when imported, then runs ``body``."""
        name = _unique("acme_mod")
        marker = self.folder / f"{name}.imported"
        head = (
            f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\nimport simsales\n"
        )
        (self.folder / f"{name}.py").write_text(head + body)
        return name

    def imported(self, module: str) -> bool:
        return (self.folder / f"{module}.imported").exists()

    def strategy_class(self, strategy: str | None = None) -> str:
        """A module with an unregistered strategy class; returns the entry point's value."""
        deco = f"@simsales.register_strategy({strategy!r})\n" if strategy else ""
        body = f'{deco}class Acme(simsales.PhasedStrategy):\n    """Acme\'s own push."""\n'
        return f"{self.module(body)}:Acme"

    def install(self, **entries: str) -> None:
        """Write the dist-info with ``entries`` (strategy name -> value) and put the
        folder on ``sys.path``."""
        info = self.folder / f"{self.dist.replace('-', '_')}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {self.dist}\nVersion: 1.0\n")
        lines = "".join(f"{name} = {value}\n" for name, value in entries.items())
        (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}")
        self.monkeypatch.syspath_prepend(str(self.folder))


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Package:
    folder = tmp_path / "site"
    folder.mkdir()
    return Package(folder, monkeypatch)


def _config(*strategies: str) -> dict[str, object]:
    return {
        "name": "ep",
        "seed": 3,
        "replications": 1,
        "horizon_days": 20.0,
        "strategies": [{"name": s} for s in strategies],
    }


def _file(folder: Path, *strategies: str) -> Path:
    text = 'name = "ep"\nseed = 3\nreplications = 1\nhorizon_days = 20.0\n'
    text += "".join(f'\n[[strategies]]\nname = "{s}"\n' for s in strategies)
    path = folder / "exp.toml"
    path.write_text(text)
    return path


def test_the_fake_distribution_is_found(package: Package):
    name = _unique("acme")
    package.install(**{name: package.strategy_class()})
    (ep,) = advertised_strategies()[name]
    assert ep.dist is not None and ep.dist.name == package.dist


def test_validation_reads_the_names_and_imports_nothing(package: Package):
    name = _unique("acme")
    value = package.strategy_class()
    package.install(**{name: value})
    module = value.split(":")[0]
    config = Experiment.model_validate(_config("push", name))
    assert config.unchecked_strategies == [name]
    assert module not in sys.modules and not package.imported(module)
    assert name not in simsales.available_strategies()


def test_validate_says_which_package_must_register_it(package: Package, tmp_path: Path):
    name = _unique("acme")
    value = package.strategy_class()
    package.install(**{name: value})
    res = CliRunner().invoke(app, ["validate", str(_file(tmp_path, "push", name))])
    assert res.exit_code == 0, res.output
    text = res.output.replace("\n", "")
    assert f"not checked: {name}, which installed packages register" in text
    assert ENTRY_POINT_GROUP in text and "--load-modules" in text
    assert not package.imported(value.split(":")[0])


def test_loading_registers_the_class_under_the_entry_points_name(package: Package):
    name = _unique("acme")
    value = package.strategy_class()
    package.install(**{name: value})
    seen: list[str] = []
    config = load_modules(Experiment.model_validate(_config(name)), announce=seen.append)
    assert config.unchecked_strategies == []
    assert package.imported(value.split(":")[0])
    assert strategy_class(name).__name__ == "Acme" and strategy_class(name).name == name
    assert seen == [f"{name!r} from {package.dist} 1.0"]


def test_a_module_entry_point_registers_by_its_decorator(package: Package):
    name = _unique("acme")
    body = (
        f"@simsales.register_strategy({name!r})\nclass Mine(simsales.PhasedStrategy):\n    pass\n"
    )
    module = package.module(body)
    package.install(**{name: module})
    load_modules(Experiment.model_validate(_config(name)))
    assert strategy_class(name).__name__ == "Mine"


def test_only_the_strategies_an_experiment_names_are_loaded(package: Package):
    used, other = _unique("acme"), _unique("acme")
    used_value, other_value = package.strategy_class(), package.strategy_class()
    package.install(**{used: used_value, other: other_value})
    load_modules(Experiment.model_validate(_config("push", used)))
    assert package.imported(used_value.split(":")[0])
    assert not package.imported(other_value.split(":")[0])
    assert other not in simsales.available_strategies()


def test_an_experiment_of_built_ins_loads_no_entry_point(package: Package):
    value = package.strategy_class()
    package.install(**{_unique("acme"): value})
    load_modules(Experiment.model_validate(_config("push", "insight")))
    assert not package.imported(value.split(":")[0])


def test_run_loads_it_as_a_step_and_says_so(package: Package, tmp_path: Path):
    name = _unique("acme")
    package.install(**{name: package.strategy_class()})
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app, ["run", str(_file(tmp_path, "push", name)), "--out", str(out), "--workers", "1"]
    )
    assert res.exit_code == 0, res.output
    assert f"loading strategy {name!r} from {package.dist} 1.0" in res.output.replace("\n", "")
    assert set(simsales.load_results(out).replications["strategy"]) == {"push", name}


def test_a_worker_loads_what_its_experiment_names(package: Package):
    # a fresh worker process has validated the experiment, never loaded it
    name = _unique("acme")
    value = package.strategy_class()
    package.install(**{name: value})
    config = Experiment.model_validate(_config(name))
    records = run_replication(config, 0)
    assert [r["strategy"] for r in records] == [name]
    assert package.imported(value.split(":")[0])


def test_an_unknown_strategy_names_the_entry_point_group():
    with pytest.raises(ValidationError, match=f"entry-point group '{ENTRY_POINT_GROUP}'"):
        Experiment.model_validate(_config(_unique("nobody")))


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("raise RuntimeError('broken at import')\n", "failed: RuntimeError: broken at import"),
        ("x = 1\n", "registers no strategy"),
        ("def Acme():\n    pass\n", "allowed: a Strategy subclass, or a module"),
    ],
)
def test_an_entry_point_that_does_not_give_the_strategy_is_refused_by_key(
    package: Package, tmp_path: Path, body: str, needle: str
):
    name = _unique("acme")
    module = package.module(body)
    package.install(**{name: f"{module}:Acme" if "def Acme" in body else module})
    with pytest.raises(ConfigError) as err:
        load_modules(Experiment.model_validate(_config("push", name)))
    (line,) = err.value.errors
    assert line.startswith("strategies[1].name: ") and needle in line
    assert f"{package.dist} 1.0" in line
    res = CliRunner().invoke(
        app, ["validate", "--load-modules", str(_file(tmp_path, "push", name))]
    )
    assert res.exit_code == 2 and needle in res.output.replace("\n", "")
    assert "Traceback" not in res.output


def test_a_class_registered_under_another_name_is_refused(package: Package):
    name, own = _unique("acme"), _unique("acme")
    package.install(**{name: package.strategy_class(own)})
    with pytest.raises(ConfigError, match=f"registered as {own!r}; name the entry point {own}"):
        load_modules(Experiment.model_validate(_config(name)))


def test_two_packages_with_one_name_are_refused(package: Package, tmp_path: Path, monkeypatch):
    name = _unique("acme")
    package.install(**{name: package.strategy_class()})
    other = Package(tmp_path / "site2", monkeypatch)
    other.folder.mkdir()
    other.install(**{name: other.strategy_class()})
    with pytest.raises(ConfigError, match="exactly one may"):
        load_modules(Experiment.model_validate(_config(name)))


def test_list_strategies_shows_installed_ones_without_loading_them(package: Package):
    name = _unique("acme")
    value = package.strategy_class()
    package.install(**{name: value})
    res = CliRunner().invoke(app, ["list", "strategies"])
    assert res.exit_code == 0, res.output
    assert name in res.output and package.dist in res.output
    assert not package.imported(value.split(":")[0])


def test_the_python_api_loads_it_too(package: Package):
    name = _unique("acme")
    package.install(**{name: package.strategy_class()})
    res = simsales.run(_config("push", name), workers=1)
    assert set(res.replications["strategy"]) == {"push", name}


def test_loading_a_name_no_package_advertises_says_so():
    from simsales.experiment.plugins import import_entry_point

    name = _unique("nobody")
    with pytest.raises(ValueError, match=f"no installed distribution advertises strategy {name!r}"):
        import_entry_point(name)
