"""The public API: __all__ equals the documented API (tests/test_docs.py runs the README)."""

from __future__ import annotations

import re
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
