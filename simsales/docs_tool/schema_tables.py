"""Describing one key of the experiment schema: its type, default, allowed values, meaning.

Used by :mod:`simsales.docs_tool.reference` to write the tables of
docs/experiments.md. A key's type and default come from its annotation, its
allowed values from the field's constraints (``ge``, ``Literal``, ...) or from
``json_schema_extra={"allowed": ...}`` where a validator checks them, and its
meaning from the field's ``description`` or, failing that, the ``Attributes``
section of its model's numpydoc docstring.
"""

from __future__ import annotations

import inspect
import re
import types
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal, TypeGuard, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from simsales.experiment.toml_values import toml
from simsales.model.actions import Action

__all__ = [
    "allowed",
    "attribute_docs",
    "cell",
    "default",
    "is_model",
    "is_union",
    "models_in",
    "required",
    "rows",
    "summary",
    "table",
    "type_name",
]

Row = tuple[str, str, str, str, str]
_HEAD = "| key | type | default | allowed | meaning |\n|---|---|---|---|---|"


def _code(s: str) -> str:
    return "`" + s.replace("|", "\\|") + "`"


def cell(s: str) -> str:
    """Text fit for a Markdown table cell."""
    return s.replace("|", "\\|").replace("\n", " ")


# ------------------------------------------------------------------ types
def models_in(ann: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models inside an annotation (through unions, lists, dicts)."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        yield ann
    for a in get_args(ann):
        yield from models_in(a)


def is_union(ann: Any) -> bool:
    return get_origin(ann) in (Union, types.UnionType)


def required(ann: Any) -> Any:
    """``X`` for ``X | None``; other annotations as they are."""
    if is_union(ann):
        rest = [a for a in get_args(ann) if a is not type(None)]
        return rest[0] if len(rest) == 1 else ann
    return ann


def type_name(ann: Any, top: bool = True) -> str:
    """A reader's name for an annotation: ``float``, ``array of string``, ...

    ``top`` is False inside arrays and tables."""
    origin = get_origin(ann)
    if origin is Annotated:
        base, *meta = get_args(ann)
        if is_union(base) and all(is_model(a) for a in get_args(base)):
            return "distribution" if _is_distribution(base) else "table"
        n = _length(meta)
        if get_origin(base) is list and n:
            item = _plural(type_name(get_args(base)[0], False))
            return f"pair of {item}" if n == 2 else f"array of {n} {item}"
        return type_name(base, top)
    if is_union(ann):
        parts = [a for a in get_args(ann) if a is not type(None)]
        if all(is_model(a) for a in parts) and len(parts) > 1:
            return "distribution" if _is_distribution(ann) else "table"
        return " or ".join(type_name(a, top) for a in parts)
    if origin is Literal:
        return "string"
    if origin is list:
        item = get_args(ann)[0]
        return "array" if item is Any else f"array of {_plural(type_name(item, False))}"
    if origin is dict:
        value = get_args(ann)[1]
        return "table" if value is Any else f"table of {type_name(value, False)}"
    if ann is Action:
        return "action"
    if is_model(ann):  # a small value type shows its keys, e.g. {low, high}
        keys = [f.alias or n for n, f in ann.model_fields.items()]
        return "{" + ", ".join(keys) + "}" if len(keys) <= 2 and not top else "table"
    names = {float: "float", int: "integer", bool: "boolean", str: "string", date: "date"}
    return names.get(ann, "any")


def _plural(name: str) -> str:
    if name.startswith("pair of "):
        return "pairs" + name[4:]
    return name + "s" if name.isalpha() else name


def is_model(a: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(a, type) and issubclass(a, BaseModel)


def _is_distribution(ann: Any) -> bool:
    return any("dist" in m.model_fields for m in models_in(ann))


def _length(meta: list[Any]) -> int | None:
    lo = hi = None
    for m in meta:
        for c in getattr(m, "metadata", [m]):
            lo = c.min_length if isinstance(c, MinLen) else lo
            hi = c.max_length if isinstance(c, MaxLen) else hi
    return lo if lo is not None and lo == hi else None


# ------------------------------------------------------------------ one key
def _num(v: Any) -> str:
    return f"{v:,}" if isinstance(v, int) and abs(v) >= 10_000 else f"{v:g}"


def allowed(field: FieldInfo) -> str:
    """Allowed values: constraints, Literal choices, or the field's own note."""
    extra = field.json_schema_extra
    if isinstance(extra, dict) and isinstance(extra.get("allowed"), str):
        return str(extra["allowed"])
    lo = hi = ""
    length = []
    for c in field.metadata:
        if isinstance(c, Gt | Ge):
            lo = ("(" if isinstance(c, Gt) else "[") + _num(c.gt if isinstance(c, Gt) else c.ge)
        elif isinstance(c, Lt | Le):
            hi = _num(c.lt if isinstance(c, Lt) else c.le) + (")" if isinstance(c, Lt) else "]")
        elif isinstance(c, MinLen):
            length.append(f"at least {c.min_length} entr{'y' if c.min_length == 1 else 'ies'}")
        elif isinstance(c, MaxLen):
            length.append(f"at most {c.max_length}")
        elif getattr(c, "pattern", None):
            length.append(f"matches {_code(c.pattern)}")
    ann = field.annotation
    if is_model(required(ann)):
        return "see Actions" if required(ann) is Action else "see its section"
    if get_origin(ann) is Literal:
        return ", ".join(_code(toml(a)) for a in get_args(ann))
    if ann is bool:
        return "`true`, `false`"
    if lo and hi:
        rng = f"{lo}, {hi}"
    elif lo:
        rng = ("> " if lo[0] == "(" else "≥ ") + lo[1:]
    elif hi:
        rng = ("< " if hi[-1] == ")" else "≤ ") + hi[:-1]
    else:
        rng = ""
    return "; ".join(x for x in (rng, *length) if x) or "any"


def default(field: FieldInfo) -> str:
    """The default as TOML, ``required``, or ``none`` (the key is left out)."""
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if value is None:
        return "none"
    if (
        isinstance(value, BaseModel)
        and not _is_distribution(type(value))
        and not isinstance(value, Action)
    ):
        return "see below"
    return _code(toml(value))


def attribute_docs(model: type) -> dict[str, str]:
    """``{name: text}`` from the ``Attributes`` section of numpydoc docstrings (MRO)."""
    out: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        doc = inspect.cleandoc(cls.__doc__ or "")
        m = re.search(r"^Attributes\n-+\n(.*?)(?:\n\n[A-Z][a-z]+\n-+\n|\Z)", doc, re.M | re.S)
        if not m:
            continue
        name = None
        for line in m.group(1).splitlines():
            head = re.match(r"^(\w+)(?:\s*:.*)?$", line)
            if head:
                name = head.group(1)
                out[name] = ""
            elif name and line.strip():
                out[name] = (out[name] + " " + line.strip()).strip()
    return out


def _meaning(model: type[BaseModel], name: str, field: FieldInfo) -> str:
    if field.description:
        return field.description
    for cls in model.__mro__:  # a subclass re-declaring a default keeps the base's text
        base = getattr(cls, "model_fields", {}).get(name)
        if base is not None and base.description:
            return str(base.description)
    if name in (doc := attribute_docs(model)):
        return doc[name]
    tables = list(models_in(field.annotation))
    return summary(tables[0]) if len(tables) == 1 else ""  # a table: its model's summary


def summary(obj: type) -> str:
    """The first paragraph of a docstring, on one line."""
    return _md(" ".join(inspect.cleandoc(obj.__doc__ or "").split("\n\n")[0].split()))


def _md(s: str) -> str:
    """reStructuredText literals (double backticks) as Markdown code."""
    return s.replace("``", "`")


def rows(model: type[BaseModel], skip: tuple[str, ...] = ()) -> list[Row]:
    """One table row per key of ``model``.

    Raises
    ------
    ValueError
        If a key has no meaning: give its field a ``description``.
    """
    out = []
    missing = []
    for name, f in model.model_fields.items():
        key = f.alias or name
        if key in skip:
            continue
        meaning = _meaning(model, name, f)
        if not meaning:
            missing.append(key)
        out.append((_code(key), type_name(f.annotation), default(f), allowed(f), _md(meaning)))
    if missing:
        raise ValueError(
            f"{model.__name__}: no description for {', '.join(missing)}; give each "
            "Field a description so that docs/experiments.md can say what it means"
        )
    return out


def table(rs: list[Row]) -> str:
    """A Markdown table of rows."""
    return "\n".join([_HEAD, *("| " + " | ".join(cell(c) for c in r) + " |" for r in rs)])
