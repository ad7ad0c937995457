"""`simsales synth-crm` and `simsales calibrate` as a user runs them.

Bad input exits 2 with a message naming what is wrong and writes nothing;
a synthetic export reads back through `simsales data`; a tiny calibration
runs end to end, writes its tables and charts, and a second run resumes
every simulated export.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from simsales.cli import app

RUN = CliRunner()

TINY = """
name = "tiny_fit"
seed = 5
replications = 2
horizon_days = 90.0

[data]
path = "crm.csv"
preset = "plain"

[calibrate]
strategy = "push"
replications = 2
starts = 2
evaluations = 4
bootstrap = 50

[calibrate.parameters]
"behaviour.rival_presence" = {dist = "uniform", low = 0.2, high = 1.0}

[[strategies]]
name = "push"

[[strategies]]
name = "insight"
"""


def _files(tmp_path: Path) -> Path:
    exp = tmp_path / "tiny.toml"
    exp.write_text(TINY)
    return exp


def test_synth_crm_writes_an_export_that_reads_back(tmp_path):
    exp = _files(tmp_path)
    r = RUN.invoke(app, ["synth-crm", str(exp), "--out", str(tmp_path / "crm.csv"),
                         "--set", "behaviour.rival_presence=0.6", "--price", "1000"])  # fmt: skip
    assert r.exit_code == 0, r.output
    truth = json.loads((tmp_path / "crm.csv.truth.json").read_text())
    assert truth["values"] == {"behaviour.rival_presence": 0.6}
    assert "synthetic" in truth["note"]
    frame = pd.read_csv(tmp_path / "crm.csv")
    assert list(frame.columns) == ["id", "created", "closed", "stage", "amount", "loss_reason"]
    r = RUN.invoke(app, ["data", str(tmp_path / "crm.csv")])
    assert r.exit_code == 0, r.output
    assert f"opportunities          {len(frame)}" in r.output


def test_synth_crm_refuses_a_bad_setting(tmp_path):
    exp = _files(tmp_path)
    for args, says in [
        (["--set", "behaviour.rival_presence"], "KEY.PATH=NUMBER"),
        (["--set", "behaviour.nope=1"], "nope"),
        (["--set", "behaviour.rival_presence=2"], "rival_presence"),
        (["--strategy", "pull"], "pull"),
    ]:
        out = tmp_path / "x.csv"
        r = RUN.invoke(app, ["synth-crm", str(exp), "--out", str(out), *args])
        assert r.exit_code == 2, (args, r.output)
        assert says in r.output, (args, r.output)
        assert not out.exists()


def test_calibrate_refuses_bad_input_and_writes_nothing(tmp_path):
    exp = _files(tmp_path)
    out = tmp_path / "res"
    # the [data] file is missing
    r = RUN.invoke(app, ["calibrate", str(exp), "--out", str(out)])
    assert r.exit_code == 2 and "crm.csv" in r.output, r.output
    # a bad method
    r = RUN.invoke(app, ["calibrate", str(exp), "--method", "mcmc", "--out", str(out)])
    assert r.exit_code == 2 and "msm, abc" in r.output, r.output
    # no [calibrate] table
    plain = tmp_path / "plain.toml"
    plain.write_text(TINY.split("[calibrate]")[0] + '[[strategies]]\nname = "push"\n')
    r = RUN.invoke(app, ["calibrate", str(plain), "--out", str(out)])
    assert r.exit_code == 2 and "[calibrate]" in r.output, r.output
    # a bad row in the export
    (tmp_path / "crm.csv").write_text(
        "id,created,closed,stage,amount,loss_reason\nA,2025-01-05,2025-01-02,Closed Won,10,\n"
    )
    r = RUN.invoke(app, ["calibrate", str(exp), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert not (out / "calibration").exists() or not any((out / "calibration").iterdir())


def test_calibrate_runs_writes_and_resumes(tmp_path):
    exp = _files(tmp_path)
    r = RUN.invoke(app, ["synth-crm", str(exp), "--out", str(tmp_path / "crm.csv"),
                         "--strategy", "push"])  # fmt: skip
    assert r.exit_code == 0, r.output
    out = tmp_path / "res"
    r = RUN.invoke(app, ["calibrate", str(exp), "--out", str(out), "--workers", "1"])
    assert r.exit_code == 0, r.output
    folder = out / "calibration"
    for name in ("targets.csv", "estimate.csv", "check.csv", "posterior.parquet",
                 "calibration.json", "evaluations.jsonl", "calibration_check.png",
                 "calibration_pairs.png", "report.md", "report.html"):  # fmt: skip
        assert (folder / name).is_file(), name
    assert "behaviour.rival_presence:" in r.output
    first = json.loads((folder / "calibration.json").read_text())
    # simulated moments stay on the exact engine by default (rounds too small to batch)
    assert first["engine"] == "simpy" and first["engine_note"] is None
    r = RUN.invoke(app, ["calibrate", str(exp), "--out", str(out), "--workers", "1"])
    assert r.exit_code == 0, r.output
    again = json.loads((folder / "calibration.json").read_text())
    assert again["simulations"] == 0
    assert again["resumed_simulations"] == first["simulations"]
    assert again["findings"] == first["findings"]


def test_an_abc_calibration_naming_no_engine_runs_on_the_array_engine_and_says_so(tmp_path):
    exp = tmp_path / "tiny.toml"
    exp.write_text(TINY.replace("bootstrap = 50", "bootstrap = 50\nparticles = 20\n"
                                "generations = 1\nbudget = 100"))  # fmt: skip
    r = RUN.invoke(app, ["synth-crm", str(exp), "--out", str(tmp_path / "crm.csv"),
                         "--strategy", "push"])  # fmt: skip
    assert r.exit_code == 0, r.output
    for args, engine in (([], "array"), (["--engine", "simpy"], "simpy")):
        out = tmp_path / engine
        r = RUN.invoke(app, ["calibrate", str(exp), "--method", "abc", "--out", str(out),
                             "--workers", "1", *args])  # fmt: skip
        assert r.exit_code == 0, r.output
        info = json.loads((out / "calibration" / "calibration.json").read_text())
        report = (out / "calibration" / "report.md").read_text()
        assert info["engine"] == engine
        assert f"engine: {engine}" in r.output
        if (
            engine == "array"
        ):  # the default chose it: the console, the record and the report say why
            assert "ABC calibration" in info["engine_note"]
            assert "ABC calibration" in r.output and "ABC calibration" in report
        else:  # named: no note
            assert info["engine_note"] is None and "ABC calibration" not in report


@pytest.mark.slow
def test_calibrate_on_a_local_dask_cluster_gives_the_local_numbers(tmp_path):
    exp = _files(tmp_path)
    r = RUN.invoke(app, ["synth-crm", str(exp), "--out", str(tmp_path / "crm.csv"),
                         "--strategy", "push"])  # fmt: skip
    assert r.exit_code == 0, r.output
    for backend, out in (("dask", "d"), ("local", "l")):
        r = RUN.invoke(app, ["calibrate", str(exp), "--out", str(tmp_path / out),
                             "--backend", backend, "--workers", "2"])  # fmt: skip
        assert r.exit_code == 0, (backend, r.output)
    a = pd.read_csv(tmp_path / "d" / "calibration" / "estimate.csv")
    b = pd.read_csv(tmp_path / "l" / "calibration" / "estimate.csv")
    pd.testing.assert_frame_equal(a, b, check_exact=True)
