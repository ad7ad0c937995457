"""The papers a research package ships with: the model in the ODD protocol
(docs/odd.md), a citation file, a licence and a changelog, each linked from
the README, and each saying what the package says.

Known-answer tests on the repository's own files. That every relative link of
these pages leads to a file and heading that exists is checked with the other
pages in tests/test_docs.py.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import simsales

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "odd.md"
CITATION = ROOT / "CITATION.cff"
LICENSE = ROOT / "LICENSE"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

# The seven elements of ODD (Grimm et al. 2020), with their identifiers, in order
ELEMENTS = [
    "Purpose and patterns",
    "Entities, state variables, and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
]
DESIGN_CONCEPTS = [
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
]


def _headings(text: str, level: int) -> list[str]:
    """Titles of the headings of one level, numbering ("4.1 ") removed."""
    marks = "#" * level
    return [
        re.sub(r"^[\d.]+\s+", "", m)
        for m in re.findall(rf"^{marks}\s+(.+?)\s*$", text, flags=re.MULTILINE)
    ]


def _sections(text: str, level: int) -> dict[str, str]:
    """Each heading of ``level`` (numbering removed) -> its text up to the next
    heading of that level or above."""
    parts = re.split(rf"^(#{{1,{level}}}\s+.+)$", text, flags=re.MULTILINE)
    out = {}
    for head, body in zip(parts[1::2], parts[2::2], strict=True):
        if head.startswith("#" * level + " "):
            out[re.sub(r"^#+\s+[\d.]*\s*", "", head).strip()] = body
    return out


def test_odd_page_has_the_seven_elements_in_order():
    text = ODD.read_text()
    assert "Grimm et al." in text and "2006, 2020" in text  # says which protocol it follows
    assert [h for h in _headings(text, 2) if h != "References"] == ELEMENTS


def test_odd_page_has_the_eleven_design_concepts_in_order():
    body = _sections(ODD.read_text(), 2)["Design concepts"]
    assert _headings(body, 3) == DESIGN_CONCEPTS


def test_every_submodel_links_to_its_section_of_model_md():
    body = _sections(ODD.read_text(), 2)["Submodels"]
    submodels = _sections(body, 3)
    assert len(submodels) >= 10
    unlinked = [name for name, text in submodels.items() if "](model.md#" not in text]
    assert not unlinked, f"submodels without a link into model.md: {unlinked}"


def test_the_sections_helper_splits_with_known_answers():
    text = "# T\n## 1. A\nx\n### 1.1 B\ny\n## 2. C\nz\n"
    assert _headings(text, 2) == ["A", "C"]
    assert _sections(text, 2) == {"A": "\nx\n### 1.1 B\ny\n", "C": "\nz\n"}
    assert _sections(text, 3) == {"B": "\ny\n"}


def test_odd_page_names_the_package_version_it_describes():
    assert f"simsales {simsales.__version__}" in ODD.read_text()


@pytest.mark.parametrize(
    "target", ["docs/odd.md", "CITATION.cff", "LICENSE", "CHANGELOG.md", "docs/model.md"]
)
def test_readme_links_the_papers(target: str):
    readme = (ROOT / "README.md").read_text()
    assert f"]({target})" in readme
    assert (ROOT / target).is_file()


def _cff_keys(text: str) -> dict[str, str]:
    """Top-level ``key: value`` pairs of a CFF file, quotes removed (enough for
    the scalar keys checked here; no YAML parser needed)."""
    out = {}
    for m in re.finditer(r"^([a-z][a-z-]*):[ \t]*(.*?)[ \t]*$", text, flags=re.MULTILINE):
        out[m[1]] = re.sub(r"""^(["'])(.*)\1$""", r"\2", m[2])
    return out


def test_cff_key_reader_with_known_answers():
    text = 'cff-version: 1.2.0\ntitle: "x y"\nauthors:\n  - name: "A"\nabstract: >-\n  t\n'
    assert _cff_keys(text) == {
        "cff-version": "1.2.0",
        "title": "x y",
        "authors": "",
        "abstract": ">-",
    }


def test_citation_file_has_what_cff_requires_and_says_what_the_package_says():
    text = CITATION.read_text()
    keys = _cff_keys(text)
    for required in ("cff-version", "message", "title", "authors"):
        assert required in keys, f"CITATION.cff has no {required}"
    assert keys["cff-version"] == "1.2.0"
    assert keys["title"] == PYPROJECT["name"] == "simsales"
    assert keys["version"] == simsales.__version__ == PYPROJECT["version"]
    assert keys["license"] == PYPROJECT["license"] == "MIT"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", keys["date-released"])
    assert re.search(r"^authors:\n  - name: \S", text, flags=re.MULTILINE)
    assert keys["abstract"] in {">-", ">", "|", "|-"} or len(keys["abstract"]) > 40


def test_citation_file_is_valid_yaml_when_a_parser_is_at_hand():
    # PyYAML is not a dependency of simsales (dask brings it with the test extras)
    yaml = pytest.importorskip("yaml")
    data = yaml.safe_load(CITATION.read_text())
    assert data["version"] == simsales.__version__
    assert [a["name"] for a in data["authors"]] == ["The simsales developers"]
    assert len(data["abstract"].split()) > 50


def test_licence_is_the_mit_licence_pyproject_names():
    text = LICENSE.read_text()
    assert PYPROJECT["license"] == "MIT"  # an SPDX expression
    assert PYPROJECT["license-files"] == ["LICENSE"]
    assert text.startswith("MIT License\n")
    assert re.search(r"^Copyright \(c\) \d{4} The simsales developers$", text, re.MULTILINE)
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_changelog_has_an_entry_for_this_version():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(rf"^## {re.escape(simsales.__version__)}\b", text, flags=re.MULTILINE)
