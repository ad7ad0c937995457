"""A results folder belongs to one experiment, and its analyses to one set of results.

The sequence that once produced a report contradicting its own settings (run
one experiment, select on it, run another into the same folder) is refused;
``--overwrite`` moves the old folder aside whole; analyses of earlier results
are left out of the report and named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import simsales
from simsales.analysis.summary import mean_table
from simsales.cli import app
from simsales.experiment.fingerprint import fingerprint
from simsales.experiment.loader import resolve
from simsales.reporting.outputs import save_results
from simsales.store.errors import StoreError
from simsales.store.folder import (
    folder_owner,
    foreign_files,
    results_id,
    stale_files,
    stamp,
)
from simsales.store.record import load_record

ROOT = Path(__file__).resolve().parents[1]

runner = CliRunner()

EXPERIMENT = """name = "{name}"
seed = 1
replications = {n}
horizon_days = 60.0
[[strategies]]
name = "push"
[[strategies]]
name = "{other}"
"""


def _write(tmp_path: Path, name: str, other: str, n: int = 2) -> Path:
    f = tmp_path / f"{name}.toml"
    f.write_text(EXPERIMENT.format(name=name, other=other, n=n))
    return f


def _run(*args: str) -> tuple[int, str]:
    workers = ["--workers", "1"] if args[0] in ("run", "select") else []
    res = runner.invoke(app, [*args, *workers])
    return res.exit_code, res.output


def test_another_experiment_into_the_same_folder_is_refused_and_loses_nothing(tmp_path):
    sa, sb = _write(tmp_path, "sa", "insight"), _write(tmp_path, "sb", "relationship")
    out = tmp_path / "out_x"
    assert _run("run", str(sa), "--out", str(out), "--no-report")[0] == 0
    code, text = _run("select", str(out), "--metric", "conversion", "--delta", "0.01")
    assert code == 0, text
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    code, text = _run("run", str(sb), "--out", str(out))
    assert code == 2
    assert "experiment 'sa'" in text and "--overwrite" in text and "--resume" in text
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


@pytest.mark.slow
def test_overwrite_moves_the_old_folder_aside_whole(tmp_path):
    sa, sb = _write(tmp_path, "sa", "insight"), _write(tmp_path, "sb", "relationship")
    out = tmp_path / "out_x"
    assert _run("run", str(sa), "--out", str(out), "--no-report")[0] == 0
    assert _run("select", str(out), "--metric", "conversion", "--delta", "0.01")[0] == 0
    code, text = _run("run", str(sb), "--out", str(out), "--overwrite")
    assert code == 0, text
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("out_x.replaced-")]
    assert len(aside) == 1 and "moved aside" in text
    assert (aside[0] / "selection_conversion.json").is_file()
    assert load_record(aside[0]).experiment == "sa"
    assert not (out / "selection_conversion.json").exists()
    report = (out / "report.md").read_text()
    assert "insight" not in report and "relationship" in report


@pytest.mark.slow
def test_same_experiment_may_run_again_and_stale_analyses_are_left_out(tmp_path):
    sa = _write(tmp_path, "sa", "insight")
    out = tmp_path / "o"
    assert _run("run", str(sa), "--out", str(out), "--no-report")[0] == 0
    assert _run("select", str(out), "--metric", "conversion", "--delta", "0.01")[0] == 0
    assert _run("compare", str(out))[0] == 0
    # the same experiment and seed give the same numbers: the analyses stay valid
    code, text = _run("run", str(sa), "--out", str(out))
    assert code == 0, text
    assert "left out" not in text
    assert "(From `selection_conversion.json`.)" in (out / "report.md").read_text()
    # more replications: other results, so the selection no longer describes them
    code, text = _run("run", str(sa), "--out", str(out), "-n", "3")
    assert code == 0, text
    assert "selection_conversion.json left out of the report" in text
    report = (out / "report.md").read_text()
    assert "## Files left out" in report and "(From `selection_conversion.json`.)" not in report
    assert "`paired.csv`" in report


def test_api_run_and_save_refuse_a_folder_of_another_experiment(tmp_path):
    a = simsales.run(_write(tmp_path, "sa", "insight"), workers=1, out=tmp_path / "o")
    b_file = _write(tmp_path, "sb", "relationship")
    with pytest.raises(StoreError, match="experiment 'sa'"):
        simsales.run(b_file, workers=1, out=tmp_path / "o")
    b = simsales.run(b_file, workers=1)
    with pytest.raises(StoreError, match="experiment 'sa'"):
        save_results(b, tmp_path / "o", with_charts=False)
    assert simsales.load_results(tmp_path / "o").results_id == a.results_id
    moved = simsales.run(b_file, workers=1, out=tmp_path / "o", overwrite=True)
    assert simsales.load_results(tmp_path / "o").results_id == moved.results_id


def test_folder_owner_reads_old_manifests_without_a_fingerprint(tmp_path):
    res = simsales.run(_write(tmp_path, "sa", "insight"), workers=1)
    save_results(res, tmp_path / "o", with_charts=False)
    manifest = json.loads((tmp_path / "o" / "manifest.json").read_text())
    del manifest["format"]  # as simsales 0.2.0 wrote it, with no fingerprint yet
    key = manifest.pop("fingerprint")
    assert key == fingerprint(simsales.load_experiment(tmp_path / "sa.toml"))
    (tmp_path / "o" / "manifest.json").write_text(json.dumps(manifest))
    owner = folder_owner(tmp_path / "o")
    assert owner is not None and owner[0] == key


def test_foreign_files_are_those_simsales_does_not_write(tmp_path):
    names = [
        "manifest.json", "summary.csv", "selection_cost_per_win.json", "robustness_boxes.csv",
        "sensitivity_noise.csv", "report.md", "conversion.png", "heatmap_roise.pdf",
        "README.md", "notes.txt", "data.xlsx",
    ]  # fmt: skip
    for n in names:
        (tmp_path / n).write_text("x")
    (tmp_path / "parts").mkdir()
    (tmp_path / "my_folder").mkdir()
    assert foreign_files(tmp_path) == ["data.xlsx", "my_folder", "notes.txt"]


def test_results_id_follows_the_numbers_not_the_object():
    df = pd.DataFrame({"replication": [0, 1], "strategy": ["a", "a"], "wins": [1.0, 2.0]})
    assert results_id(df) == results_id(df.copy())
    assert results_id(df) != results_id(df.assign(wins=[1.0, 2.5]))
    assert results_id(df) != results_id(df.rename(columns={"wins": "won"}))


def test_stale_files_name_why(tmp_path):
    for n in ("paired.csv", "quantiles.csv", "sensitivity.csv"):
        (tmp_path / n).write_text("x")
    stamp(tmp_path, ["paired.csv"], "now")
    stamp(tmp_path, ["quantiles.csv"], "before")
    found = stale_files(
        tmp_path, ["paired.csv", "quantiles.csv", "sensitivity.csv", "x.csv"], "now"
    )
    assert set(found) == {"quantiles.csv", "sensitivity.csv"}
    assert "other results" in found["quantiles.csv"]
    assert "no record" in found["sensitivity.csv"]


def test_table_names_an_unknown_metric_and_suggests_the_right_one(tmp_path):
    res = simsales.run(_write(tmp_path, "sa", "insight"), workers=1)
    with pytest.raises(ValueError, match=r"'conversoin' \(did you mean 'conversion'\?\)"):
        mean_table(res, ["conversoin"])
    assert list(mean_table(res, ["conversion", "wins"]).columns) == ["conversion", "wins"]


def test_fingerprint_follows_the_numbers_not_how_they_are_shown():
    base = simsales.Experiment.model_validate(
        {"name": "f", "seed": 1, "strategies": [{"name": "push"}, {"name": "insight"}]}
    )
    shown = simsales.Experiment.model_validate(
        {
            "name": "f",
            "seed": 1,
            "description": "another caption",
            "chart_metrics": ["cost_per_win"],
            "compare": [["insight", "push"]],
            "strategies": [
                {"name": "push", "style": {"colour": "#000000", "line": "--", "marker": "s"}},
                {"name": "insight"},
            ],
        }
    )
    reseeded = base.model_copy(update={"seed": 2})
    assert fingerprint(shown) == fingerprint(base)
    assert fingerprint(reseeded) != fingerprint(base)


def test_a_model_switch_at_its_default_leaves_the_fingerprint_as_before_it():
    # behaviour.meeting_noise came after results were stored: off (the default)
    # hashes as if the key did not exist; on is another experiment
    raw = {"name": "f", "seed": 1, "strategies": [{"name": "push"}]}
    base = simsales.Experiment.model_validate(raw)
    on = simsales.Experiment.model_validate({**raw, "behaviour": {"meeting_noise": True}})
    assert "meeting_noise" in base.model_dump()["behaviour"]
    assert fingerprint(on) != fingerprint(base)


@pytest.mark.parametrize(
    "manifest", sorted((ROOT / "results").glob("*/manifest.json"))
    + sorted((ROOT / "results").glob("*/where/manifest.json")),
    ids=lambda p: "/".join(p.parts[-3:-1]),
)  # fmt: skip
def test_the_committed_results_belong_to_their_experiments(manifest):
    # a shipped study runs (and resumes) into its committed folder: the folder's
    # fingerprint is the experiment's, though keys were added to the schema since
    # it was written (at their defaults they leave the fingerprint as it was)
    name = manifest.parent.name if manifest.parent.name != "where" else manifest.parent.parent.name
    config = resolve(ROOT / "experiments" / f"{name}.toml")
    if manifest.parent.name == "where":
        config = config.where_run()
    assert json.loads(manifest.read_text())["fingerprint"] == fingerprint(config)
