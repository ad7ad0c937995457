"""The public API: __all__ equals the documented API, and the README's examples run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import simsales

ROOT = Path(__file__).resolve().parents[1]


def test_all_equals_documented_api():
    doc = (ROOT / "docs" / "api.md").read_text()
    documented = set(re.findall(r"^- `([A-Za-z_]+)`", doc, flags=re.M))
    assert documented == set(simsales.__all__)
    for name in simsales.__all__:
        assert hasattr(simsales, name)


def test_readme_starts_with_the_two_commands():
    lines = (ROOT / "README.md").read_text().splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```sh") + 3]
    assert block[0].endswith("simsales run experiments/baseline.toml")
    assert "[test]" in block[1] and block[1].endswith("pytest")
    assert lines.index("```sh") < 5


def test_readme_python_examples_run(tmp_path, monkeypatch):
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) >= 2
    shutil.copytree(ROOT / "experiments", tmp_path / "experiments")
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
    assert (tmp_path / "results" / "api_demo" / "summary.csv").is_file()
    assert (tmp_path / "results" / "api_demo" / "report.html").is_file()
    assert "demo_first" in simsales.available_strategies()
