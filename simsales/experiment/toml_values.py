"""Values written as in an experiment file: TOML, with inline tables for models.

Error messages and ``simsales list`` show values this way, so that a user can
copy them into a file; the reference of docs/experiments.md too.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from simsales.model.actions import Action

__all__ = ["toml"]


def toml(v: Any) -> str:
    """``v`` written as a TOML value (inline tables for mappings and models)."""
    if isinstance(v, BaseModel):
        v = _dump(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, str):
        return '"' + "".join(_char(c) for c in v) + '"'
    if isinstance(v, list | tuple):
        return "[" + ", ".join(toml(x) for x in v) + "]"
    if isinstance(v, dict):
        items = [f"{_key(k)} = {toml(x)}" for k, x in v.items() if x is not None]
        return "{" + ", ".join(items) + "}"
    raise TypeError(f"no TOML form for {v!r}")


def _char(c: str) -> str:
    """One character of a TOML basic string."""
    if c in '"\\':
        return "\\" + c
    return f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else toml(k)


def _dump(m: BaseModel) -> dict[str, Any]:
    """Keys that differ from the defaults, but always a tag such as ``dist``, and an
    action's name and hours."""
    out = m.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    keep = {
        (f.alias or n): getattr(m, n)
        for n, f in type(m).model_fields.items()
        if (get_origin(f.annotation) is Literal and len(get_args(f.annotation)) == 1)
        or (isinstance(m, Action) and n in ("name", "hours"))
    }
    return {**keep, **out}
