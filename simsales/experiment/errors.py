"""Turning pydantic validation errors into one readable line per problem.

Every line reads ``key.path: what is wrong (got value)`` and, where it can,
says how to fix it: a misspelt key gets the closest valid key and the keys of
its table (found by walking the schema along the error's location), a table
written where an array of tables belongs gets the double brackets, and a
number where a distribution belongs gets the inline table to write instead.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterable
from typing import Annotated, Any, TypeGuard, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from simsales.engine.metrics import METRICS
from simsales.experiment.toml_values import toml
from simsales.model.distributions import DISTRIBUTIONS, Beta, Constant, Uniform, form

__all__ = [
    "DISTRIBUTION_FORMS",
    "MAX_PROBLEMS",
    "capped",
    "did_you_mean",
    "error_lines",
    "types_at",
    "unknown_metrics",
    "unknown_names",
]

#: Problems listed at most; the rest are counted (a file with thousands of bad
#: entries gets a readable answer at once, not megabytes of errors).
MAX_PROBLEMS = 50


def capped(lines: list[str], limit: int = MAX_PROBLEMS, more: int = 0) -> list[str]:
    """The first ``limit`` lines, then ``... and N more problems`` for the rest
    (and ``more`` problems not made into lines).

    Examples
    --------
    >>> capped(["a", "b", "c"], limit=2)
    ['a', 'b', '... and 1 more problem']
    """
    rest = len(lines) - limit + more if len(lines) > limit else more
    if rest <= 0:
        return lines
    return [*lines[:limit], f"... and {rest} more problem{'s' if rest > 1 else ''}"]


_TAGS = set(DISTRIBUTIONS)
#: How each distribution is written, e.g. ``beta(a, b)``; from the classes themselves.
DISTRIBUTION_FORMS = ", ".join(form(cls) for cls in DISTRIBUTIONS.values())
#: Errors pydantic gives when a value that should be a distribution is not one.
_TYPE_ERRORS = {"list_type", "model_type", "model_attributes_type", "dict_type"}
_NOT_A_DISTRIBUTION = {
    "model_attributes_type",
    "model_type",
    "dict_type",
    "union_tag_not_found",
    "union_tag_invalid",
}


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'?"`` for the choice closest to ``word``, or ``""`` if none is close.

    Examples
    --------
    >>> did_you_mean("lead_rte", ["lead_rate", "lead_cost", "size"])
    "did you mean 'lead_rate'?"
    >>> did_you_mean("colour", ["size"])
    ''
    """
    options = list(choices)
    by_lower = {c.lower(): c for c in options}
    close = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"did you mean {by_lower[close[0]]!r}?" if close else ""


def unknown_names(names: Iterable[str], known: Iterable[str]) -> str:
    """Unknown names, quoted, each with its closest known name if one is close.

    Examples
    --------
    >>> unknown_names(["convrsion", "zzz"], ["conversion", "wins"])
    "'convrsion' (did you mean 'conversion'?), 'zzz'"
    """
    options = list(known)
    parts = []
    for name in names:
        hint = did_you_mean(name, options)
        parts.append(f"{name!r} ({hint})" if hint else repr(name))
    return ", ".join(parts)


# ------------------------------------------------------------------ walking the schema
def unknown_metrics(names: Iterable[str]) -> str | None:
    """Why some of ``names`` are not metric names (with a guess for each), or None.

    Examples
    --------
    >>> unknown_metrics(["conversion", "cost_per_wins"]).split(";")[0]
    "unknown metric(s) 'cost_per_wins' (did you mean 'cost_per_win'?)"
    """
    unknown = [m for m in dict.fromkeys(names) if m not in METRICS]
    if not unknown:
        return None
    return (
        f"unknown metric(s) {unknown_names(unknown, METRICS)}; known: {', '.join(METRICS)} "
        "(simsales list metrics describes them)"
    )


def _members(tp: Any) -> list[Any]:
    """The types an annotation may be: through ``Annotated`` and unions."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _members(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return [m for a in get_args(tp) for m in _members(a)]
    return [tp]


def _is_model(tp: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    for name, f in model.model_fields.items():
        if key in (name, f.alias):
            return f
    return None


def _tag(tp: Any) -> str | None:
    """The ``dist`` tag of a distribution class (None for anything else)."""
    return next((tag for tag, cls in DISTRIBUTIONS.items() if tp is cls), None)


def _step(current: list[Any], part: int | str) -> tuple[list[Any], bool]:
    """The types one location part further, and whether the part named a union
    member (a distribution's tag, ``list[...]``, a validated model) rather than a key."""
    if isinstance(part, str) and part.startswith("function-"):
        # a validated union member: "function-after[_check(), Range]" names it last
        named = re.search(r", (\w+)\]$", part)
        if named is None:
            return current, True
        part = named.group(1)
    if isinstance(part, str):
        chosen = [t for t in current if _is_model(t) and part in (_tag(t), t.__name__)]
        if not chosen and re.fullmatch(r"(list|tuple|set|frozenset)\[.*\]", part):
            chosen = [t for t in current if get_origin(t) in (list, tuple, set, frozenset)]
        if chosen:
            return chosen, True
    nxt: list[Any] = []
    for t in current:
        origin, args = get_origin(t), get_args(t)
        if isinstance(part, int) and origin in (list, tuple) and args:
            nxt += _members(args[0])
        elif isinstance(part, str) and _is_model(t):
            f = _field(t, part)
            if f is not None:
                nxt += _members(f.annotation)
        elif origin is dict and len(args) == 2:
            nxt += _members(args[1])
    return nxt, False


def types_at(root: Any, loc: Iterable[int | str]) -> list[Any]:
    """The types a value at ``loc`` (a pydantic error location) may have in ``root``.

    Empty when the location leaves the schema (a key that does not exist).
    Union members that pydantic names in a location (a distribution's tag, a
    model's class name) select that member; validator names are skipped.

    Examples
    --------
    >>> from simsales.experiment.config import Experiment
    >>> types_at(Experiment, ("market",))[0].__name__
    'Market'
    >>> types_at(Experiment, ("population", "urgency", "beta"))[0].__name__
    'Beta'
    >>> types_at(Experiment, ("behaviour", "beta"))  # a key here, not a distribution
    [<class 'float'>]
    """
    current = _members(root)
    for part in loc:
        current, _ = _step(current, part)
    return current


def _default_at(root: Any, loc: tuple[Any, ...]) -> Any:
    """The schema's default for the key at ``loc`` (None if it has none)."""
    if not loc or not isinstance(loc[-1], str):
        return None
    for parent in types_at(root, loc[:-1]):
        f = _field(parent, loc[-1]) if _is_model(parent) else None
        if f is not None and not f.is_required():
            return f.get_default(call_default_factory=True)
    return None


# ------------------------------------------------------------------ messages
def _member(part: Any) -> str | None:
    """Which kind of union member a location part names: "list", "table" or None (a key)."""
    if not isinstance(part, str):
        return None
    if re.fullmatch(r"(list|tuple|set|frozenset)\[.*\]", part):
        return "list"
    if part in _TAGS or part.startswith("function-"):
        return "table"
    return None


def _path(loc: tuple[Any, ...], prefix: str, model: Any = None) -> str:
    """The key path of ``loc``, without the union members pydantic names in it (with
    ``model``, those the schema has there; without, anything that looks like one)."""
    out = prefix
    current = _members(model) if model is not None else []
    for part in loc:
        if model is not None:
            current, member = _step(current, part)
        else:
            member = _member(part) is not None
        if member:
            continue  # the union member pydantic tried; the key path is clearer without
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[\w-]+", str(part)):
            out += ("." if out else "") + str(part)
        else:  # a key path used as a key (sweep.parameters, uncertain)
            out += f"[{str(part)!r}]"
    return out or "(top level)"


def _neither(loc: tuple[Any, ...], model: Any) -> str:
    """What a ``list | table`` union expects, with the table's keys when known."""
    tables = [t for t in types_at(model, loc) if _is_model(t)] if model else []
    if len(tables) != 1:
        return "a list or a table is expected"
    keys = ", ".join(f.alias or name for name, f in tables[0].model_fields.items())
    return f"a list of values, or a table with keys {keys}, is expected"


def _wrong_member(err: Any) -> bool:
    """Whether an error is about a union member the input is plainly not meant for.

    pydantic reports a failed union once per member: a table given for
    ``list | Range`` also fails as a list. The member matching the input's
    kind (a table, a list) says what is wrong; the other one is noise.
    """
    loc, got = tuple(err["loc"]), err.get("input")
    if not loc:
        return False
    kind = _member(loc[-1])
    return (kind == "list" and err["type"] == "list_type" and isinstance(got, dict)) or (
        kind == "table" and err["type"] in _NOT_A_DISTRIBUTION and isinstance(got, list)
    )


def _unknown_key(loc: tuple[Any, ...], model: Any) -> str:
    """``unknown key``, with the closest valid key and the table's keys when known."""
    parents = [t for t in types_at(model, loc[:-1]) if _is_model(t)] if model else []
    if len(parents) != 1:
        return "unknown key (check the spelling; docs/experiments.md lists every key)"
    keys = [f.alias or name for name, f in parents[0].model_fields.items()]
    hint = did_you_mean(str(loc[-1]), keys)
    return "unknown key; " + (f"{hint} " if hint else "") + f"valid keys: {', '.join(keys)}"


def _is_distribution(model: Any, loc: tuple[Any, ...]) -> bool:
    at = types_at(model, loc) if model else []
    return len(at) > 1 and all(_tag(t) for t in at)


def _not_a_distribution(err: Any, model: Any) -> str:
    """What to write where a distribution is expected and something else was given."""
    loc, got = tuple(err["loc"]), err.get("input")
    forms = f"allowed forms: {DISTRIBUTION_FORMS}"
    if err["type"] == "union_tag_invalid":
        tag = str(err.get("ctx", {}).get("tag", got))
        hint = did_you_mean(tag, DISTRIBUTIONS)
        return f'unknown distribution dist = "{tag}"; ' + (f"{hint} " if hint else "") + forms
    if err["type"] == "union_tag_not_found":
        return f'a distribution needs its dist key, e.g. dist = "beta"; {forms}'
    number = isinstance(got, int | float) and not isinstance(got, bool)
    if number and loc[:1] == ("uncertain",):
        # drawn anew per replication: a range around the number given
        spread = abs(got) * 0.2 or 1.0
        drawn = toml(Uniform(low=got - spread, high=got + spread))
        return (
            f"a distribution is expected: an inline table such as {drawn} to draw it "
            f"around {got!r}; {forms} (to fix it at {got!r}, set it in its table instead)"
        )
    default = _default_at(model, loc)
    example = default if default is not None else Beta(a=2.0, b=3.0)
    msg = f"a distribution is expected: an inline table such as {toml(example)}; {forms}"
    if number:
        msg += f"; for the same value in every customer write {toml(Constant(value=got))}"
    return msg


def _list_expected(loc: tuple[Any, ...], got: Any, prefix: str) -> str | None:
    """The fix for a single table or value where a list is expected (None: no fix known)."""
    if isinstance(got, dict):
        name = _path(loc, prefix)  # a top-level key: no union on the way
        if len(loc) == 1 and not prefix:
            return (
                f"a list of tables is expected: write [[{name}]] (an array of tables, "
                f"double brackets) once before each item, not [{name}]"
            )
        return f"a list of tables is expected: write {loc[-1]} = [{{...}}, {{...}}]"
    if loc[:1] == ("compare",) and len(loc) == 2 and isinstance(got, str):
        return 'each comparison is a pair of strategy names: compare = [["a", "b"]]'
    return None


def error_lines(
    e: ValidationError, prefix: str = "", model: Any = None, limit: int | None = None
) -> list[str]:
    """``key.path: what is wrong (got value)`` for every error in ``e``.

    Parameters
    ----------
    e : ValidationError
        The errors.
    prefix : str
        Key path in front of every error's location.
    model : pydantic model class, optional
        What was validated; with it, an unknown key gets the closest valid one
        and its table's keys, and a value that is not a distribution the forms
        a distribution takes.
    limit : int, optional
        Lines made at most; the errors left are counted in a last line
        ``... and N more problems``.
    """
    lines: list[str] = []
    members: dict[tuple[str, str], int] = {}  # (where, got) -> line of a union member's error
    errors = e.errors(include_url=False)
    for k, err in enumerate(errors):
        if limit is not None and len(lines) >= limit:
            return capped(lines, limit, more=len(errors) - k)
        if _wrong_member(err):
            continue
        if _member(err["loc"][-1] if err["loc"] else None) and err["type"] in _TYPE_ERRORS:
            # a value that is neither member of a list | table union: one line, not one each
            loc = tuple(err["loc"])
            key = (_path(loc, prefix, model), repr(err.get("input")))
            if key in members:
                lines[members[key]] = f"{key[0]}: {_neither(loc[:-1], model)} (got {key[1]})"
                continue
            members[key] = len(lines)
        msg = err["msg"].removeprefix("Value error, ")
        loc = tuple(err["loc"])
        if not loc and not prefix and re.match(r"[\w.\[\]']+: ", msg):
            lines.append(msg)  # a check of the whole file that names its key path itself
            continue
        where = _path(loc, prefix, model)
        if msg.startswith("params"):
            # errors from a strategy's own params, "; "-joined: one line each, one key path
            for part in re.split(r"; (?=params\b)", msg):
                nested = re.match(r"^(params(?:\.[\w\[\]]+)*): (.*)$", part, flags=re.S)
                lines.append(f"{where}.{nested.group(1)}: {nested.group(2)}" if nested else part)
            continue
        got = err.get("input")
        if err["type"] == "extra_forbidden":
            msg = _unknown_key(loc, model)
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif err["type"] in _NOT_A_DISTRIBUTION and _is_distribution(model, loc):
            msg = _not_a_distribution(err, model)
        elif err["type"] == "list_type":
            msg = _list_expected(loc, got, prefix) or msg
        shown = "" if err["type"] == "missing" or isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"{where}: {msg}{shown}")
    return lines
