"""The run record: one typed record written to manifest.json and read back by one loader;
older manifests (format 0, simsales 0.2.0) upgrade, newer ones are refused saying what to do."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from simsales.experiment.config import Experiment
from simsales.experiment.fingerprint import NEW_AT_DEFAULT
from simsales.store.errors import ResultsError
from simsales.store.record import (
    FORMAT,
    OtherVersion,
    RunRecord,
    load_record,
    parse_record,
    upgrade_manifest,
    write_record,
)

ROOT = Path(__file__).resolve().parents[1]
#: The committed results folders: written by simsales 0.2.0 (manifest format 0) or
#: regenerated since (format 1).
COMMITTED = sorted(p.parent for p in (ROOT / "results").glob("**/manifest.json"))
#: A manifest as simsales 0.2.0 wrote it (format 0): complex_sales' before it was
#: regenerated.
FORMAT_0 = Path(__file__).resolve().parent / "data" / "format0_manifest.json"


def _record(**fields: object) -> RunRecord:
    config = Experiment(name="rec", seed=5, replications=3)
    return RunRecord(config=config, fingerprint="f" * 64, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("folder", COMMITTED, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_committed_results_folders_load(folder: Path) -> None:
    raw = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if "format" in raw:  # written by this format: it reads back as it is
        record = load_record(folder)
        assert raw["format"] == FORMAT
        assert json.loads(record.to_json()) == raw
        return
    _check_format_0(folder, raw)


def test_a_format_0_manifest_of_0_2_0_loads(tmp_path: Path) -> None:
    shutil.copy(FORMAT_0, tmp_path / "manifest.json")
    raw = json.loads(FORMAT_0.read_text(encoding="utf-8"))
    assert "format" not in raw and raw["simsales_version"] == "0.2.0"
    _check_format_0(tmp_path, raw)


def _check_format_0(folder: Path, raw: dict) -> None:
    """A format-0 manifest upgrades: the same experiment, the fingerprint kept."""
    record = load_record(folder)
    assert record.format == FORMAT
    assert (record.experiment, record.seed, record.replications) == (
        raw["experiment"], raw["seed"], raw["replications"],
    )  # fmt: skip
    assert record.fingerprint == raw["fingerprint"]  # the folder keeps its owner
    dumped = record.config.model_dump(mode="json")
    # keys added inside a table since (such as behaviour.meeting_noise) read back at
    # the defaults that leave the numbers as they were
    for path, default in NEW_AT_DEFAULT:
        if len(path) > 1 and path[-1] not in raw["config"].get(path[0], {}):
            assert dumped[path[0]].pop(path[-1]) == default, path
    # the stored experiment reads back as it was; keys added to the schema since
    # (such as [data], [calibrate], [posterior], engine) read back at their defaults:
    # empty, or the engine the folder's numbers came from
    assert {k: v for k, v in dumped.items() if k in raw["config"]} == raw["config"]
    added = {k: dumped[k] for k in set(dumped) - set(raw["config"])}
    assert all(v in (None, [], {}) for k, v in added.items() if k != "engine")
    assert added.get("engine", "simpy") == "simpy"
    assert record.wall_seconds == raw["wall_seconds"] and record.workers == raw["workers"]


def test_a_record_round_trips_through_its_file(tmp_path: Path) -> None:
    record = _record(workers=2, wall_seconds=1.5, dependencies={"numpy": "2.0"})
    write_record(tmp_path, record)
    assert load_record(tmp_path) == record
    text = (tmp_path / "manifest.json").read_text(encoding="utf-8")
    assert list(json.loads(text))[:4] == ["format", "experiment", "seed", "replications"]


def test_a_format_0_manifest_without_a_fingerprint_gets_the_one_of_its_config() -> None:
    from simsales.experiment.fingerprint import fingerprint

    config = Experiment(name="old", seed=1).model_dump(mode="json")
    upgraded = upgrade_manifest({"experiment": "old", "seed": 1, "config": config})
    assert upgraded["format"] == FORMAT and upgraded["backend"] == "local"
    assert upgraded["fingerprint"] == fingerprint(Experiment.model_validate(config))
    assert parse_record({"config": config}).resumed_replications == 0


def test_a_hand_made_manifest_fills_its_config_from_the_top_level_keys() -> None:
    record = parse_record({"experiment": "t", "seed": 4, "replications": 2, "config": {}})
    assert (record.config.name, record.config.seed, record.config.replications) == ("t", 4, 2)


def test_a_newer_format_is_refused_saying_to_upgrade(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"format": FORMAT + 1}))
    with pytest.raises(OtherVersion, match=r"newer simsales.*pip install -U simsales"):
        load_record(tmp_path)


def test_an_old_experiment_that_no_longer_validates_says_what_to_do(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    raw = json.loads(FORMAT_0.read_text(encoding="utf-8"))
    raw["config"]["horizon_days"] = -1.0  # as if the schema had tightened since
    raw["simsales_version"] = "0.1.0"
    (folder / "manifest.json").write_text(json.dumps(raw))
    with pytest.raises(OtherVersion) as caught:
        load_record(folder)
    message = str(caught.value)
    assert "manifest.json" in message and "config.horizon_days" in message
    assert "run the experiment again" in message and "simsales 0.1.0" in message


def test_names_repeated_at_the_top_must_agree_with_the_experiment() -> None:
    data = json.loads(_record().to_json())
    data["seed"] = 6
    with pytest.raises(ResultsError, match="'seed' is 6 but the experiment's 'seed' is 5"):
        parse_record(data)


def test_an_unknown_key_is_refused() -> None:
    data = {**json.loads(_record().to_json()), "colour": "blue"}
    with pytest.raises(ResultsError, match="colour"):
        parse_record(data)
