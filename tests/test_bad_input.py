"""Bad input: one clear message naming the key and what is allowed, exit 2,
no traceback, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from simsales.cli import app
from simsales.experiment.loader import ConfigError, load_experiment
from simsales.store.record import load_record

BASE = 'name = "bad"\nseed = 1\nreplications = 2\nhorizon_days = 20.0\n'

CASES = {
    "toml_syntax": (BASE + "[market\nlead_rate = 1\n", ["TOML syntax error", "line 5"]),
    "unknown_key": (
        BASE + "[market]\nlead_rte = 1.0\n",
        ["market.lead_rte", "unknown key", "did you mean 'lead_rate'?"],
    ),
    "wrong_type": (
        BASE.replace("replications = 2", 'replications = "many"'),
        ["replications", "integer"],
    ),
    "negative_rate": (
        BASE + "[market]\nlead_rate = -1.0\n",
        ["market.lead_rate", "greater than 0", "-1.0"],
    ),
    "impossible_distribution": (
        BASE + '[population]\nurgency = {dist = "beta", a = -1.0, b = 2.0}\n',
        ["population.urgency.a", "greater than 0"],
    ),
    "distribution_outside_range": (
        BASE + '[population]\ntrust = {dist = "normal", mean = 0.5, sd = 0.2}\n',
        ["trust", "in [0, 1]"],
    ),
    "unknown_distribution": (
        BASE + '[population]\ntrust = {dist = "weibull", k = 1.0}\n',
        ["population.trust", "unknown distribution", "beta(a, b)"],
    ),
    "unknown_strategy": (
        BASE + '[[strategies]]\nname = "pussh"\n',
        ["strategies[0]", "unknown strategy 'pussh'", "did you mean 'push'?"],
    ),
    "bad_strategy_param": (
        BASE + '[[strategies]]\nname = "insight"\nparams = {middle = {hours = -2.0}}\n',
        ["strategies[0]", "middle.hours"],
    ),
    "bad_decision_rule": (
        BASE + '[behaviour]\ndecision_rule = "vote"\n',
        ["behaviour.decision_rule", "consensus"],
    ),
    "missing_seed": (BASE.replace("seed = 1\n", ""), ["seed", "missing"]),
    "duplicate_strategy": (
        BASE + '[[strategies]]\nname = "push"\n[[strategies]]\nname = "push"\n',
        ["used twice"],
    ),
    "bad_sequence_orbit": (
        BASE
        + '[[strategies]]\nname = "mix"\nsequence = [{strategy = "insight", until = "nowhere"},'
        ' {strategy = "push"}]\n',
        ["strategies[0].sequence[0]", "unknown orbit 'nowhere'"],
    ),
    "string_for_a_number": (
        BASE.replace("seed = 1", 'seed = "7"'),
        ["seed", "valid integer", "'7'"],
    ),
    "bool_for_a_count": (
        BASE.replace("replications = 2", "replications = true"),
        ["replications", "valid integer"],
    ),
    "string_for_a_switch": (
        BASE + '[behaviour]\nurgency_framing = "off"\n',
        ["behaviour.urgency_framing", "valid boolean"],
    ),
    "string_for_strategy_hours": (
        BASE + '[[strategies]]\nname = "insight"\nparams = {middle = {hours = "4"}}\n',
        ["strategies[0].params.middle.hours", "valid number"],
    ),
    "nan_rate": (BASE + "[market]\nlead_rate = nan\n", ["market.lead_rate", "finite"]),
    "unreachable_sequence_part": (
        BASE + '[[strategies]]\nname = "mix"\nsequence = [{strategy = "insight", until = '
        '"awareness"}, {strategy = "push"}]\n',
        ["strategies[0]", "'until' orbits must rise"],
    ),
    "compare_unknown_strategy": (
        BASE + 'compare = [["push", "pull"]]\n[[strategies]]\nname = "push"\n',
        ["compare[0]", "'pull' is not one of the strategies"],
    ),
    "compare_unknown_metric": (
        BASE + 'compare_metrics = ["happiness"]\n',
        ["compare_metrics", "unknown metric(s) 'happiness'"],
    ),
    "end_before_horizon": (
        BASE + "[lifecycle]\nend_days = 10.0\n",
        ["lifecycle.end_days (10) must be at least horizon_days"],
    ),
    "missing_module": (
        BASE + 'modules = ["no_such_module_xyz"]\n',
        ["modules", "no_such_module_xyz"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_loader_names_the_key(tmp_path: Path, case: str):
    text, needles = CASES[case]
    f = tmp_path / "exp.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_experiment(f)
    msg = str(info.value)
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_cli_exits_2_without_traceback_and_writes_nothing(tmp_path: Path, case: str):
    text, needles = CASES[case]
    f = tmp_path / "exp.toml"
    f.write_text(text)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(f), "--out", str(out)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert needles[0] in res.output
    assert not out.exists()
    res = CliRunner().invoke(app, ["validate", str(f)])
    assert res.exit_code == 2


def test_folder_instead_of_file(tmp_path: Path):
    res = CliRunner().invoke(app, ["validate", str(tmp_path)])
    assert res.exit_code == 2
    assert "not a file" in res.output


def test_unwritable_output_is_bad_input_found_before_running(tmp_path: Path):
    f = tmp_path / "exp.toml"
    f.write_text(BASE)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = CliRunner().invoke(app, ["run", str(f), "--out", str(blocker / "sub")])
    assert res.exit_code == 2
    assert "--out" in res.output


def test_missing_file(tmp_path: Path):
    res = CliRunner().invoke(
        app, ["run", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    assert "no such file" in res.output
    assert not (tmp_path / "o").exists()


def test_every_problem_is_reported_at_once(tmp_path: Path):
    f = tmp_path / "exp.toml"
    f.write_text(BASE + "[market]\nlead_rate = -1.0\nlead_cost = -2.0\n")
    with pytest.raises(ConfigError) as info:
        load_experiment(f)
    assert len(info.value.errors) == 2


def test_bad_override_is_bad_input(tmp_path: Path):
    f = tmp_path / "exp.toml"
    f.write_text(BASE)
    res = CliRunner().invoke(
        app, ["run", str(f), "--replications", "0", "--out", str(tmp_path / "o")]
    )
    assert res.exit_code == 2
    assert "replications" in res.output
    assert not (tmp_path / "o").exists()


def test_failure_while_running_exits_1_names_the_users_line_and_writes_failures(
    tmp_path: Path,
):
    # A user strategy that raises mid-run is a failure while running (exit 1).
    # By default one line per failure, naming the last frame in the user's file;
    # with --traceback (or SIMSALES_DEBUG=1) the whole traceback. With every
    # replication failed, the manifest and failures.json are still written.
    mod = tmp_path / "broken.py"
    mod.write_text(
        "import simsales\n"
        "@simsales.register_strategy('broken_for_test')\n"
        "class Broken(simsales.PhasedStrategy):\n"
        "    def act(self, view):\n"
        "        raise RuntimeError('strategy exploded')\n"
    )
    f = tmp_path / "exp.toml"
    f.write_text(BASE + 'modules = ["broken.py"]\n[[strategies]]\nname = "broken_for_test"\n')
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(f), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 1
    assert "strategy exploded" in res.output
    assert f"(at {mod}, line 5, in act)" in res.output
    assert "Traceback" not in res.output and "--traceback" in res.output
    record = load_record(out)
    assert len(record.failures) == record.replications == 2
    failures = json.loads((out / "failures.json").read_text())
    assert [f["replication"] for f in failures] == [0, 1]
    assert all("raise RuntimeError('strategy exploded')" in f["traceback"] for f in failures)
    assert not (out / "replications.parquet").exists()
    res = CliRunner().invoke(app, ["report", str(out)])
    assert res.exit_code == 2 and "every replication of its run failed" in res.output
    for args, env in ((["--traceback"], {}), ([], {"SIMSALES_DEBUG": "1"})):
        res = CliRunner().invoke(
            app, ["run", str(f), "--out", str(out), "--workers", "1", *args], env=env
        )
        assert res.exit_code == 1
        assert res.output.count("Traceback (most recent call last)") >= 2
        assert f'File "{mod}", line 5, in act' in res.output


def test_a_folder_holding_files_simsales_did_not_write_is_refused_and_kept(tmp_path: Path):
    f = tmp_path / "exp.toml"
    f.write_text(BASE)
    out = tmp_path / "mine"
    out.mkdir()
    (out / "summary.csv").write_text("my own table\n")
    (out / "notes.txt").write_text("my notes\n")
    res = CliRunner().invoke(app, ["run", str(f), "--out", str(out), "--workers", "1"])
    assert res.exit_code == 2
    assert "notes.txt, summary.csv" in res.output and "--overwrite" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "summary.csv"]
    assert (out / "summary.csv").read_text() == "my own table\n"
    res = CliRunner().invoke(
        app, ["run", str(f), "--out", str(out), "--workers", "1", "--overwrite", "--no-report"]
    )
    assert res.exit_code == 0, res.output
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("mine.replaced-")]
    assert len(aside) == 1 and (aside[0] / "notes.txt").read_text() == "my notes\n"
    assert (out / "manifest.json").is_file() and not (out / "notes.txt").exists()


def test_each_bad_strategy_param_is_a_line_with_its_whole_key_path(tmp_path: Path):
    f = tmp_path / "exp.toml"
    f.write_text(
        BASE + '[[strategies]]\nname = "insight"\n'
        "params = {middle = {hourz = 2.0}, opening = {hours = -1.0}}\n"
    )
    with pytest.raises(ConfigError) as info:
        load_experiment(f)
    errors = info.value.errors
    assert len(errors) == 2, errors
    assert any(e.startswith("strategies[0].params.middle.hourz: unknown key") for e in errors)
    assert any(e.startswith("strategies[0].params.opening.hours: Input should be") for e in errors)


def test_bad_paths_with_brackets_are_bad_input_not_a_crash(tmp_path):
    """A path is text, not console markup: '[/]' in it must not crash the message."""
    from typer.testing import CliRunner

    from simsales.cli import app

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    res = CliRunner().invoke(
        app, ["run", "experiments/baseline.toml", "--out", str(blocker / "[/]x"), "-n", "1"]
    )
    assert res.exit_code == 2, res.output
    assert "[/]x" in res.output


def test_bad_input_to_run_writes_no_folder(tmp_path):
    from typer.testing import CliRunner

    from simsales.cli import app

    out = tmp_path / "new"
    for extra in (["--precision-metric", "nope"], ["--scheduler", "tcp://x:1"]):
        res = CliRunner().invoke(
            app, ["run", "experiments/baseline.toml", "--out", str(out), "-n", "1", *extra]
        )
        assert res.exit_code == 2, res.output
        assert not out.exists()
