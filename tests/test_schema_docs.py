"""experiments/baseline.toml is the built-in default and documents every key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel

import simsales
from simsales.experiment.config import Experiment

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "experiments" / "baseline.toml"


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel) and name != "strategies":
            out += _keys(ann, f"{prefix}{key}.")
        else:
            out.append(prefix + key)
    return out


def _flatten(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and v and "dist" not in v:
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[prefix + k] = v
    return out


def test_every_schema_key_is_in_the_baseline_file_with_a_comment():
    text = BASELINE.read_text()
    data = _flatten(tomllib.loads(text))
    for key in _keys(Experiment):
        leaf = key.rsplit(".", 1)[-1]
        if _default(key) is None:
            # TOML has no null: an optional key is shown as a commented-out line
            assert re.search(rf"^#\s*{leaf}\s*=", text, flags=re.M), f"{key} is not shown"
            continue
        assert key in data, f"{key} is not documented in baseline.toml"
        if key == "strategies":  # an array of tables, documented in the block above it
            continue
        line = next(ln for ln in text.splitlines() if re.match(rf"\s*{leaf}\s*=", ln))
        assert "#" in line, f"{key} has no comment"


def _default(key: str) -> object:
    obj: object = Experiment(name="x", seed=1)
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def test_baseline_values_are_the_schema_defaults():
    cfg = simsales.load_experiment(BASELINE)
    defaults = Experiment(name=cfg.name, seed=cfg.seed, description=cfg.description)
    assert cfg.model_dump() == defaults.model_dump()


def test_every_model_default_has_a_source_or_is_an_assumption():
    """docs/model.md 2.7 lists every [behaviour], [population] and [lifecycle] key."""
    from simsales.model.behaviour import Behaviour
    from simsales.model.lifecycle import Lifecycle
    from simsales.model.population import Population

    text = (ROOT / "docs" / "model.md").read_text()
    section = text[text.index("### 2.7 Defaults: source or assumption") :]
    section = section[: section.index("\n## 3.")]
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"^\| `([a-z_]+\.[a-z_]+)` \| [^|]+ \| ([^\n]+) \|$", section, re.M)
    }
    models = (("behaviour", Behaviour), ("population", Population), ("lifecycle", Lifecycle))
    for table, model in models:
        for key in model.model_fields:
            assert f"{table}.{key}" in rows, f"{table}.{key} is not in docs/model.md 2.7"
            source = rows[f"{table}.{key}"]
            assert any(w in source for w in ("assumption", "switch", "setting", "(19", "(20")), (
                f"{table}.{key}: neither a source nor an assumption: {source}"
            )
