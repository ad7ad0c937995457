"""Turning pydantic validation errors into one readable line per problem."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

__all__ = ["error_lines"]

_TAGS = {"normal", "lognormal", "beta", "gamma", "uniform", "integers", "constant"}


def _path(loc: tuple[Any, ...], prefix: str) -> str:
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in _TAGS or str(part).startswith("function-"):
            continue  # the union member pydantic tried; the key path is clearer without
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def error_lines(e: ValidationError, prefix: str = "") -> list[str]:
    """``key.path: what is wrong (got value)`` for every error in ``e``."""
    lines = []
    for err in e.errors(include_url=False):
        msg = err["msg"].removeprefix("Value error, ")
        where = _path(tuple(err["loc"]), prefix)
        if msg.startswith("params"):
            # errors from a strategy's own params, "; "-joined: one line each, one key path
            for part in re.split(r"; (?=params\b)", msg):
                nested = re.match(r"^(params(?:\.[\w\[\]]+)*): (.*)$", part, flags=re.S)
                lines.append(f"{where}.{nested.group(1)}: {nested.group(2)}" if nested else part)
            continue
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; docs/experiments.md lists every key)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        got = err.get("input")
        shown = "" if err["type"] == "missing" or isinstance(got, dict) else f" (got {got!r})"
        lines.append(f"{where}: {msg}{shown}")
    return lines
