"""Damaged results folders are refused cleanly: every analysis command exits 2 naming
the file and what is wrong, never with a traceback; the Python API raises
ResultsError with the same message. Names from the results are escaped in
report.md as in report.html."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import simsales
from simsales.cli import app
from simsales.reporting.outputs import save_results
from simsales.store.folder import stamp

runner = CliRunner()

EXPERIMENT = """name = "intact"
seed = 1
replications = 3
horizon_days = 30.0
[[strategies]]
name = "push"
[[strategies]]
name = "insight"
"""

Damage = Callable[[Path], None]


def _text(name: str, text: str) -> Damage:
    return lambda d: (d / name).write_text(text)


def _bytes(name: str, data: bytes) -> Damage:
    return lambda d: (d / name).write_bytes(data)


def _truncate(name: str) -> Damage:
    def damage(d: Path) -> None:
        data = (d / name).read_bytes()
        (d / name).write_bytes(data[: len(data) // 2])

    return damage


def _manifest(change: Callable[[dict], object]) -> Damage:
    def damage(d: Path) -> None:
        m = json.loads((d / "manifest.json").read_text())
        change(m)
        (d / "manifest.json").write_text(json.dumps(m))

    return damage


def _table(name: str, change: Callable[[pd.DataFrame], pd.DataFrame]) -> Damage:
    return lambda d: change(pd.read_parquet(d / name)).to_parquet(d / name, index=False)


BINARY = bytes(range(256)) * 4

#: Damage to the results themselves: (what is done, file named, words of the message).
RESULTS_DAMAGE: dict[str, tuple[Damage, str, str]] = {
    "manifest_invalid_json": (_text("manifest.json", '{"experiment": '), "manifest.json",
                              "not valid JSON"),
    "manifest_list": (_text("manifest.json", "[]"), "manifest.json", "must hold a JSON object"),
    "manifest_empty_object": (_text("manifest.json", "{}"), "manifest.json",
                              "'config' must be an object"),
    "manifest_empty_file": (_text("manifest.json", ""), "manifest.json", "is empty"),
    "manifest_binary": (_bytes("manifest.json", BINARY), "manifest.json", "is not text"),
    "manifest_wrong_types": (
        _manifest(lambda m: m.update(experiment=5, replications="three")), "manifest.json",
        "'replications' is 'three' but",
    ),
    "manifest_config_not_object": (_manifest(lambda m: m.update(config=[])), "manifest.json",
                                   "config: Input should be a valid dictionary"),
    "manifest_config_wrong_types": (
        _manifest(lambda m: m["config"].update(strategies="push", compare=3)), "manifest.json",
        "config.strategies: Input should be a valid list",
    ),
    "replications_truncated": (_truncate("replications.parquet"), "replications.parquet",
                               "not a readable Parquet table"),
    "replications_empty_file": (_bytes("replications.parquet", b""), "replications.parquet",
                                "is empty (0 bytes)"),
    "replications_not_parquet": (_text("replications.parquet", "a,b\n1,2\n"),
                                 "replications.parquet", "not a readable Parquet table"),
    "replications_missing_column": (
        _table("replications.parquet", lambda t: t.drop(columns=["strategy"])),
        "replications.parquet", "lacks the column(s) strategy",
    ),
    "replications_zero_rows": (_table("replications.parquet", lambda t: t.iloc[:0]),
                               "replications.parquet", "has no rows"),
    "replications_wrong_type": (
        _table("replications.parquet", lambda t: t.assign(replication=t.replication.astype(str))),
        "replications.parquet", "'replication' must hold whole numbers",
    ),
    "replications_metric_not_numbers": (
        _table("replications.parquet", lambda t: t.assign(conversion="high")),
        "replications.parquet", "'conversion' must hold numbers",
    ),
    "timeseries_truncated": (_truncate("timeseries.parquet"), "timeseries.parquet",
                             "not a readable Parquet table"),
    "timeseries_missing_column": (
        _table("timeseries.parquet", lambda t: t.drop(columns=["month"])), "timeseries.parquet",
        "lacks the column(s) month",
    ),
}  # fmt: skip

#: Every analysis command that reads stored results.
COMMANDS = {
    "report": ["report"],
    "compare": ["compare"],
    "select": ["select", "--metric", "conversion", "--delta", "0.01"],
    "robustness": ["robustness", "--metric", "conversion"],
    "sensitivity": ["sensitivity"],
}


@pytest.fixture(scope="module")
def intact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("intact")
    (d / "intact.toml").write_text(EXPERIMENT)
    res = simsales.run(d / "intact.toml", workers=1)
    return save_results(res, d / "results", with_charts=False)


def _copy(intact: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(intact, tmp_path / "results"))


def _refused(args: list[str], file: Path, words: str) -> str:
    """The output of a command that must refuse ``file`` (exit 2, no traceback),
    naming it by its path and saying ``words``."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    assert str(file) in res.output, res.output  # the file, by its path
    assert words in res.output, res.output
    return res.output


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("kind", RESULTS_DAMAGE)
def test_damaged_results_are_refused_by_every_analysis_command(intact, tmp_path, kind, command):
    d = _copy(intact, tmp_path)
    damage, name, words = RESULTS_DAMAGE[kind]
    damage(d)
    before = {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}
    args = COMMANDS[command]
    _refused([args[0], str(d), *args[1:]], d / name, words)
    assert {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()} == before  # nothing written


@pytest.mark.parametrize("kind", RESULTS_DAMAGE)
def test_load_results_raises_results_error_naming_the_file(intact, tmp_path, kind):
    d = _copy(intact, tmp_path)
    damage, name, words = RESULTS_DAMAGE[kind]
    damage(d)
    with pytest.raises(simsales.ResultsError, match=name) as caught:
        simsales.load_results(d)
    assert words in str(caught.value) and "run the experiment again" in str(caught.value)
    with pytest.raises(simsales.ResultsError):
        simsales.compare(d)


#: Damage to an analysis file the report reads (recorded as computed from these results).
EXTRAS_DAMAGE: dict[str, tuple[str, bytes, str]] = {
    "selection_binary": ("selection_conversion.json", BINARY, "not readable JSON"),
    "selection_not_an_object": ("selection_conversion.json", b"[]", "needs an object"),
    "selection_invalid_json": ("selection_conversion.json", b'{"statement": ', "not readable JSON"),
    "sensitivity_garbage": ("sensitivity.csv", b"a,b\n1,2\n", "needs the Sobol columns"),
    "sensitivity_binary": ("sensitivity.csv", BINARY, "sensitivity.csv"),
    "robustness_worlds_no_best": ("robustness_worlds.csv", b"x.y\n1\n", "needs a 'best' column"),
    "robustness_boxes_binary": ("robustness_boxes.csv", BINARY, "robustness_boxes.csv"),
    "robustness_rules_binary": ("robustness.txt", BINARY, "not text"),
}


@pytest.mark.parametrize("kind", EXTRAS_DAMAGE)
def test_a_damaged_analysis_file_is_refused_by_report(intact, tmp_path, kind):
    d = _copy(intact, tmp_path)
    name, data, words = EXTRAS_DAMAGE[kind]
    (d / name).write_bytes(data)
    stamp(d, [name], simsales.load_results(d).results_id)  # as if its analysis wrote it
    _refused(["report", str(d)], d / name, words)
    assert not (d / "report.md").exists()


TAMPERED = "<script>alert(1)</script>"


def test_names_are_escaped_in_markdown_as_in_html(intact, tmp_path):
    d = _copy(intact, tmp_path)
    bad = {"push": f"push{TAMPERED}", "insight": "*[x](javascript:alert(1))*"}
    for name in ("replications.parquet", "timeseries.parquet"):
        _table(name, lambda t: t.assign(strategy=t["strategy"].map(bad)))(d)

    res = runner.invoke(app, ["report", str(d)])
    assert res.exit_code == 0, res.output
    md = (d / "report.md").read_text(encoding="utf-8")
    html = (d / "report.html").read_text(encoding="utf-8")
    assert "<script" not in md and "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;script" in md
    # a link or emphasis only as plain text: escaped outside code spans, literal in them
    outside_code = re.sub(r"`[^`]+`", "", md)
    assert "](javascript:" not in outside_code
    assert not re.search(r"(?<!\\)\*\[x", outside_code)
    assert "\\*[x]\\(javascript:alert(1))\\*" in outside_code


def test_names_in_the_manifest_are_those_the_schema_allows(intact, tmp_path):
    # the record's names are validated as in an experiment file: no markup gets in
    d = _copy(intact, tmp_path)

    def rename(m: dict) -> None:
        m["experiment"] = m["config"]["name"] = f"e{TAMPERED}"

    _manifest(rename)(d)
    said = _refused(["report", str(d)], d / "manifest.json", "config.name: String should match")
    assert f"e{TAMPERED}" not in said.replace(repr(f"e{TAMPERED}"), "")  # named only quoted
