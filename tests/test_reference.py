"""docs/experiments.md: its reference tables are generated from the schema and current.

(tests/test_schema_docs.py holds experiments/baseline.toml to the schema;
this file holds the generated reference to it.)
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
import typing
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from simsales.docs_tool import reference as ref
from simsales.docs_tool import schema_tables as ds
from simsales.experiment.config import Experiment
from simsales.model.actions import Action

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "experiments.md"


def test_docs_experiments_md_is_current():
    old, new = ref.update(PAGE)
    assert old == new, (
        "docs/experiments.md is out of date with the schema: run "
        "python -m simsales.docs_tool.reference docs/experiments.md"
    )


def test_the_command_the_message_names_regenerates_a_stale_copy(tmp_path: Path) -> None:
    """``python -m simsales.docs_tool.reference FILE`` (the fix the stale message
    names) rewrites the generated part of FILE, keeps the rest, and ``--check`` then passes."""
    stale = tmp_path / "experiments.md"
    stale.write_text(
        f"# Experiments\n\nintro kept\n\n{ref.BEGIN}\n\nold table\n{ref.END}\ntail kept\n",
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "simsales.docs_tool.reference"]
    checked = subprocess.run([*command, str(stale), "--check"], capture_output=True, text=True)
    assert checked.returncode == 1 and "out of date" in checked.stdout
    done = subprocess.run([*command, str(stale)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = stale.read_text(encoding="utf-8")
    assert "old table" not in text and "intro kept" in text and text.endswith("tail kept\n")
    assert ref.reference() in text
    assert subprocess.run([*command, str(stale), "--check"]).returncode == 0


def _models(ann: Any, seen: list[type[BaseModel]]) -> None:
    """Every pydantic model reachable from an annotation (independent of the generator)."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        if ann in seen:
            return
        seen.append(ann)
        for f in ann.model_fields.values():
            _models(f.annotation, seen)
    for a in typing.get_args(ann):
        _models(a, seen)


def test_every_key_of_every_table_is_in_the_reference():
    seen: list[type[BaseModel]] = []
    _models(Experiment, seen)
    text = ref.reference()
    for model in [*seen, Action]:
        for name, f in model.model_fields.items():
            key = f.alias or name
            if key == "dist":  # the tag names each distribution's section instead
                continue
            assert f"| `{key}` |" in text, f"{model.__name__}.{key} is not in the reference"
        assert ds.summary(model) in text, f"{model.__name__} has no section"
    assert len(seen) >= 15  # tables, strategy entries, designs, ranges, 7 distributions


def _defaults(model: type[BaseModel]) -> list[tuple[str, Any, Any]]:
    return [
        (name, f, f.get_default(call_default_factory=True))
        for name, f in model.model_fields.items()
    ]


def test_defaults_shown_read_back_as_the_defaults():
    # The default column is TOML: parsed and validated, it is the schema's default.
    seen: list[type[BaseModel]] = []
    _models(Experiment, seen)
    checked = 0
    for model in seen:
        for name, f, value in _defaults(model):
            shown = ds.default(f)
            if not shown.startswith("`"):  # required, none, see below
                continue
            parsed = tomllib.loads(f"x = {shown.strip('`')}")["x"]
            annotation: Any = f.annotation
            if f.discriminator:
                annotation = typing.Annotated[annotation, Field(discriminator=f.discriminator)]
            assert TypeAdapter(annotation).validate_python(parsed) == value, (model, name)
            checked += 1
    assert checked > 80


JSON = st.recursive(
    st.booleans()
    | st.integers(-(2**62), 2**62)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(JSON)
def test_toml_values_read_back(value: Any):
    assert tomllib.loads(f"x = {ds.toml(value)}")["x"] == value


class _Table(BaseModel):
    """A table for the tests.

    Attributes
    ----------
    documented : float
        Said in the docstring
        on two lines.
    """

    model_config = ConfigDict(extra="forbid")

    rate: float = Field(1.0, gt=0, le=5, description="a rate")
    share: float = Field(0.5, ge=0, lt=1, description="a share")
    count: int = Field(3, ge=1, description="a count")
    mode: Literal["a", "b"] = Field("a", description="a mode")
    flag: bool = Field(True, description="a switch")
    names: list[str] = Field(default_factory=list, min_length=1, description="names")
    picky: int = Field(0, json_schema_extra={"allowed": "odd numbers"}, description="odd")
    documented: float = 2.0


class _Root(BaseModel):
    """A root for the tests."""

    seed: int = Field(description="a seed")
    table: _Table = _Table()
    many: list[_Table] = Field(default_factory=list, description="tables")
    optional: _Table | None = Field(None, description="maybe a table")


def test_rows_say_type_default_allowed_and_meaning():
    rows = {r[0]: r[1:] for r in ds.rows(_Table)}
    assert rows["`rate`"] == ("float", "`1.0`", "(0, 5]", "a rate")
    assert rows["`share`"] == ("float", "`0.5`", "[0, 1)", "a share")
    assert rows["`count`"] == ("integer", "`3`", "≥ 1", "a count")
    assert rows["`mode`"] == ("string", '`"a"`', '`"a"`, `"b"`', "a mode")
    assert rows["`flag`"] == ("boolean", "`true`", "`true`, `false`", "a switch")
    assert rows["`names`"] == ("array of strings", "`[]`", "at least 1 entry", "names")
    assert rows["`picky`"][2] == "odd numbers"
    assert rows["`documented`"][3] == "Said in the docstring on two lines."


def test_a_key_without_a_meaning_is_an_error():
    class Bare(BaseModel):
        nameless: int = 1

    with pytest.raises(ValueError, match="no description for nameless"):
        ds.rows(Bare)


def test_new_tables_appear_without_changing_the_generator():
    sections, values = ref._sections(_Root)
    titles = [s.splitlines()[0] for s in sections]
    assert titles == ["### `[table]`", "### `[[many]]`", "### `[optional]`"]
    assert values == []


def test_stale_page_is_found_and_rewritten(tmp_path: Path):
    page = tmp_path / "p.md"
    page.write_text(f"# Prose\n\n{ref.BEGIN}\nold tables\n{ref.END}\n\nMore prose.\n")
    assert ref.main([str(page), "--check"]) == 1
    assert "old tables" in page.read_text()  # --check writes nothing
    assert ref.main([str(page)]) == 0
    text = page.read_text()
    assert text.startswith("# Prose\n") and text.endswith(f"{ref.END}\n\nMore prose.\n")
    assert "### `[market]`" in text and "old tables" not in text
    assert ref.main([str(page), "--check"]) == 0


def test_a_page_without_markers_is_refused(tmp_path: Path):
    page = tmp_path / "p.md"
    page.write_text("no markers\n")
    with pytest.raises(ValueError, match="needs the markers"):
        ref.update(page)


def test_strategies_registered_by_users_stay_out_of_the_reference():
    import simsales

    @simsales.register_strategy("registered_in_test_reference")
    class Mine(simsales.PhasedStrategy):
        """A user's strategy."""

    assert "registered_in_test_reference" in simsales.available_strategies()
    assert "registered_in_test_reference" not in ref.reference()
    test_docs_experiments_md_is_current()
