"""Parts carry their experiment: --resume uses only the parts of the run it continues,
and a fresh run deletes only the parts simsales wrote for this experiment."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import simsales
from simsales.cli import app
from simsales.experiment.loader import resolve
from simsales.experiment.store import PartStore, StoreError, fingerprint, part_origin

runner = CliRunner()

EXPERIMENT = """name = "parts"
seed = 1
replications = 3
horizon_days = 30.0
[[strategies]]
name = "push"
[[strategies]]
name = "insight"
"""


@pytest.fixture(autouse=True)
def _no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts are beside the point here and take most of a small run's time."""
    from simsales.experiment.results import Results

    monkeypatch.setattr(Results, "chart_list", lambda self, metrics=None: [])


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    f = tmp_path / "parts.toml"
    f.write_text(EXPERIMENT)
    return f


def _run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, [*args, "--workers", "1", "--no-report"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.output


def test_parts_record_the_fingerprint_and_seed_of_their_experiment(tmp_path, experiment):
    simsales.run(experiment, workers=1, out=tmp_path / "o")
    config = resolve(experiment)
    parts = sorted((tmp_path / "o" / "parts").glob("*.parquet"))
    assert len(parts) == 6  # records and series of 3 replications
    assert {part_origin(p) for p in parts} == {(fingerprint(config), 1)}


def test_resume_refuses_a_part_of_another_seed_and_names_it(tmp_path, experiment):
    five, one = tmp_path / "five", tmp_path / "one"
    assert _run("run", str(experiment), "--seed", "5", "--out", str(five))[0] == 0
    assert _run("run", str(experiment), "--seed", "1", "--out", str(one))[0] == 0
    (one / "parts" / "rep-00000-000002.parquet").unlink()  # as if interrupted
    shutil.copy(five / "parts" / "rep-00000-000001.parquet", one / "parts")
    before = sorted(p.name for p in (one / "parts").iterdir())
    code, text = _run("run", str(experiment), "--seed", "1", "--out", str(one), "--resume")
    assert code == 2, text
    assert "rep-00000-000001.parquet" in text and "seed 1" in text and "Traceback" not in text
    assert sorted(p.name for p in (one / "parts").iterdir()) == before  # nothing deleted
    # a part that records no experiment (not written by simsales) is refused the same way
    (one / "parts" / "rep-00000-000001.parquet").unlink()
    pd.DataFrame({"replication": [1]}).to_parquet(one / "parts" / "rep-00000-000001.parquet")
    code, text = _run("run", str(experiment), "--seed", "1", "--out", str(one), "--resume")
    assert code == 2 and "rep-00000-000001.parquet" in text, text


def test_resume_from_its_own_parts_gives_the_numbers_of_a_clean_run(tmp_path, experiment):
    clean = simsales.run(experiment, workers=1)
    out = tmp_path / "o"
    simsales.run(experiment, workers=1, out=out)
    for name in ("rep-00000-000001.parquet", "ts-00000-000002.parquet"):
        (out / "parts" / name).unlink()
    resumed = simsales.run(experiment, workers=1, out=out, resume=True)
    assert resumed.record.resumed_replications == 1
    pd.testing.assert_frame_equal(resumed.replications, clean.replications)


def test_a_fresh_run_leaves_files_it_did_not_write_in_parts_and_names_them(tmp_path, experiment):
    out = tmp_path / "o"
    assert _run("run", str(experiment), "--out", str(out))[0] == 0
    parts = out / "parts"
    (parts / "notes.txt").write_text("mine")
    pd.DataFrame({"x": [1, 2]}).to_parquet(parts / "my_table.parquet")
    (parts / "keep").mkdir()
    code, text = _run("run", str(experiment), "--out", str(out))
    assert code == 0, text
    assert (parts / "notes.txt").read_text() == "mine"
    assert pd.read_parquet(parts / "my_table.parquet")["x"].tolist() == [1, 2]
    assert (parts / "keep").is_dir()
    assert "left alone 3 file(s)" in text and "my_table.parquet" in text and "notes.txt" in text
    # one that has the name of a part the run writes is refused, not overwritten
    shutil.copy(parts / "my_table.parquet", parts / "rep-00000-000007.parquet")
    code, text = _run("run", str(experiment), "--out", str(out), "-n", "8")
    assert code == 2 and "rep-00000-000007.parquet" in text, text
    assert pd.read_parquet(parts / "rep-00000-000007.parquet")["x"].tolist() == [1, 2]
    assert len(list(parts.glob("rep-*.parquet"))) == 4  # nothing deleted either


def test_part_store_api_refuses_foreign_parts_on_resume(tmp_path, experiment):
    config = resolve(experiment)
    store = PartStore(tmp_path, config, resume=False)
    store.write((0, 0), [{"replication": 0, "strategy": "push", "wins": 1}],
                [{"replication": 0, "strategy": "push", "month": 0}])  # fmt: skip
    assert store.done() == {(0, 0)}
    other = config.model_copy(update={"seed": 2})
    with pytest.raises(StoreError, match="different experiment"):
        PartStore(tmp_path, other, resume=True)
    (tmp_path / "parts" / "experiment.sha256").unlink()  # no stamp: the parts still tell
    with pytest.raises(StoreError, match=r"rep-00000-000000\.parquet, ts-00000-000000\.parquet"):
        PartStore(tmp_path, other, resume=True)
