"""The strategies of an experiment file: a registered strategy or a sequence of them,
with its parameters and its looks in the charts.

A strategy a file names may be registered by the file's ``modules``, which
validation does not import: while an :class:`~simsales.experiment.config.Experiment`
naming ``modules`` is validated (:data:`MODULES_NOT_LOADED`), an unknown name is
accepted and checked once they are imported (:func:`strategies_required`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simsales.experiment.errors import did_you_mean, error_lines
from simsales.experiment.plugins import ENTRY_POINT_GROUP, advertised_strategies
from simsales.model.orbits import Orbit
from simsales.model.strategies import (
    SequenceStrategy,
    Strategy,
    available_strategies,
    make_strategy,
    strategy_class,
)

__all__ = [
    "DASH_NAMES",
    "MAX_NAME",
    "MODULES_NOT_LOADED",
    "NAME_PATTERN",
    "SequencePart",
    "StrategySpec",
    "StrategyStyle",
    "check_no_programme",
    "check_strategy_names",
    "check_styles_distinct",
    "default_strategies",
    "line_code",
    "strategies_required",
]

#: What an experiment or strategy name looks like: it names folders and files.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
#: Longest experiment or strategy name: it names folders and files.
MAX_NAME = 64
# What validators allow, for the reference in docs/experiments.md (reference.py)
_STRATEGY_NAMES = "a built-in strategy, or one registered by `modules`"
_UNTIL = (
    ", ".join(f'"{o.name.lower()}"' for o in Orbit if Orbit.AWARENESS < o <= Orbit.ACQUISITION)
    + "; rising from part to part"
)
_PARAMS = "keys of the strategy's params (see Strategy params)"


# Set while an Experiment that names `modules` is validated: a strategy that is
# not registered may be one of theirs, and is checked once they are imported
# (validation runs no user code). A strategy an installed distribution advertises
# under the entry-point group is likewise checked once it is loaded.
MODULES_NOT_LOADED: ContextVar[bool] = ContextVar("simsales_modules_not_loaded", default=False)
# Set by strategies_required(): after the modules are imported, every name must be known.
_REQUIRED: ContextVar[bool] = ContextVar("simsales_strategies_required", default=False)


@contextmanager
def strategies_required() -> Iterator[None]:
    """Within it, an Experiment's strategies must all be registered, even if it names
    ``modules`` (they are imported by now: see :func:`simsales.experiment.loader.load_modules`)."""
    token = _REQUIRED.set(True)
    try:
        yield
    finally:
        _REQUIRED.reset(token)


def _build(strategy: str, params: dict[str, Any]) -> Strategy | None:
    """The strategy, or None if it may come from modules or entry points not loaded yet
    (their names are read from metadata: nothing is imported)."""
    known = available_strategies()
    if strategy not in known:
        if not _REQUIRED.get() and (
            MODULES_NOT_LOADED.get() or strategy in advertised_strategies()
        ):
            return None
        hint = did_you_mean(strategy, known)
        why = (
            "it is not built in, the experiment's modules register no strategy of that name, "
            f"and no installed package registers it under the entry-point group "
            f"{ENTRY_POINT_GROUP!r}"
            if _REQUIRED.get()
            else "add your own with modules = [...] and @register_strategy, or install a "
            f"package that registers it under the entry-point group {ENTRY_POINT_GROUP!r}"
        )
        raise ValueError(
            f"unknown strategy {strategy!r}; {hint + ' ' if hint else ''}"
            f"available: {', '.join(known)} ({why})"
        )
    try:
        return make_strategy(strategy, params)
    except ValidationError as e:
        lines = error_lines(e, prefix="params", model=strategy_class(strategy).Params)
        raise ValueError("; ".join(lines)) from None


class SequencePart(BaseModel):
    """One part of a mixed strategy: ``strategy`` used until ``until`` is reached."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    strategy: str = Field(
        description="registered strategy used in this part",
        json_schema_extra={"allowed": _STRATEGY_NAMES},
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="that strategy's parameters, merged key by key into its defaults",
        json_schema_extra={"allowed": _PARAMS},
    )
    until: str | None = Field(
        None,
        description="orbit where the next part takes over; none in the last part only",
        json_schema_extra={"allowed": _UNTIL},
    )

    @model_validator(mode="after")
    def _check(self) -> SequencePart:
        _build(self.strategy, self.params)
        if self.until is not None:
            Orbit.parse(self.until)
        return self


_LINES = Literal["-", "--", "-.", ":", "solid", "dashed", "dashdot", "dotted"]
#: Names of the line dashes (matplotlib's named dash styles), by code.
DASH_NAMES = {"-": "solid", "--": "dashed", "-.": "dashdot", ":": "dotted"}


def line_code(line: str) -> str:
    """A dash's code (``"--"``) from its code or name (``"dashed"``).

    Raises
    ------
    ValueError
        If ``line`` is neither.
    """
    names = {v: k for k, v in DASH_NAMES.items()}
    code = names.get(line, line)
    if code not in DASH_NAMES:
        allowed = ", ".join(f"{c!r} ({n})" for c, n in DASH_NAMES.items())
        raise ValueError(f"line {line!r} is not a dash style; allowed: {allowed}")
    return code


_MARKERS = Literal["o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "p", "h"]


class StrategyStyle(BaseModel):
    """How a strategy looks in every chart; a key left out follows the rule of
    docs/analysis.md (fixed looks of the built-ins, a stable choice by name for others)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    colour: str | None = Field(
        None,
        description="colour of its lines, points and violins",
        json_schema_extra={"allowed": 'a hex colour "#RRGGBB", e.g. "#0072B2"'},
    )
    line: _LINES | None = Field(
        None,
        description="dash of its lines",
        json_schema_extra={
            "allowed": '`"-"` or `"solid"`, `"--"` or `"dashed"`, `"-."` or `"dashdot"`, '
            '`":"` or `"dotted"`'
        },
    )
    marker: _MARKERS | None = Field(
        None,
        description="marker of its points",
        json_schema_extra={
            "allowed": '`"o"` circle, `"s"` square, `"^"` `"v"` `"<"` `">"` triangles, '
            '`"D"` diamond, `"P"` plus, `"X"` cross, `"*"` star, `"p"` pentagon, '
            '`"h"` hexagon'
        },
    )

    @field_validator("colour")
    @classmethod
    def _hex(cls, colour: str | None) -> str | None:
        if colour is None:
            return None
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
            raise ValueError(f'must be a hex colour "#RRGGBB" such as "#0072B2", not {colour!r}')
        return colour.upper()

    def triple(self) -> tuple[str, str, str] | None:
        """(colour, dash code, marker) if all three are set, else None."""
        if self.colour is None or self.line is None or self.marker is None:
            return None
        return (self.colour, line_code(self.line), self.marker)


class StrategySpec(BaseModel):
    """A strategy to compare: a registered one, or a ``sequence`` of them.

    ``name`` labels the results; ``strategy`` is the registered strategy
    (``name`` when omitted).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(
        pattern=NAME_PATTERN,
        max_length=MAX_NAME,
        description="labels this strategy in the results; unique in the file; at most "
        f"{MAX_NAME} characters",
    )
    strategy: str | None = Field(
        None,
        description="registered strategy to run; default: the one named `name`",
        json_schema_extra={"allowed": _STRATEGY_NAMES},
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="the strategy's parameters, merged key by key into its defaults",
        json_schema_extra={"allowed": _PARAMS},
    )
    sequence: list[SequencePart] | None = Field(
        None,
        description="a mix: parts used in turn, instead of `strategy` and `params`",
        json_schema_extra={"allowed": "at least one part; every part but the last has `until`"},
    )
    style: StrategyStyle | None = Field(
        None,
        description="its colour, line and marker in every chart, e.g. "
        '`style = {colour = "#0072B2", line = "--", marker = "s"}`; default by its name',
    )

    @model_validator(mode="after")
    def _check(self) -> StrategySpec:
        if self.sequence is not None:
            if self.strategy is not None or self.params:
                raise ValueError("give either 'sequence' or 'strategy'/'params', not both")
            if not self.sequence:
                raise ValueError("'sequence' needs at least one part")
            if self.sequence[-1].until is not None:
                raise ValueError("the last part of a 'sequence' must have no 'until'")
            if any(p.until is None for p in self.sequence[:-1]):
                raise ValueError("every part of a 'sequence' but the last needs 'until'")
            untils = [Orbit.parse(p.until) for p in self.sequence[:-1] if p.until]
            if untils and not (
                untils[0] > Orbit.AWARENESS
                and all(a < b for a, b in itertools.pairwise(untils))
                and untils[-1] <= Orbit.ACQUISITION
            ):
                raise ValueError(
                    "'until' orbits must rise strictly from part to part, each after "
                    "awareness and at most acquisition; otherwise some part never runs"
                )
        else:
            _build(self.strategy or self.name, self.params)
        return self

    def given(self, key: str) -> list[Any]:
        """The values ``key`` is given in this strategy's ``params`` (in each part's,
        for a sequence), read without building the strategy."""
        tables = [p.params for p in self.sequence] if self.sequence else [self.params]
        return [t[key] for t in tables if key in t]

    def build(self) -> Strategy:
        """A fresh strategy object for this spec."""
        if self.sequence is None:
            return make_strategy(self.strategy or self.name, self.params)
        return SequenceStrategy(
            [
                (
                    make_strategy(p.strategy, p.params),
                    None if p.until is None else Orbit.parse(p.until),
                )
                for p in self.sequence
            ]
        )


def default_strategies() -> list[StrategySpec]:
    """The five built-in strategies, each under its own name."""
    names = ("push", "relationship", "need_uncovering", "insight", "decision_coaching")
    return [StrategySpec(name=n) for n in names]


def check_styles_distinct(strategies: list[StrategySpec]) -> None:
    """Raise ValueError if two strategies set the same colour, line and marker in full
    (looks not set in full are made distinct by the charts, simsales.plots.style)."""
    seen: dict[tuple[str, str, str], int] = {}
    for k, s in enumerate(strategies):
        triple = s.style.triple() if s.style is not None else None
        if triple is None:
            continue
        if triple in seen:
            j = seen[triple]
            raise ValueError(
                f"strategies[{k}].style: {s.name!r} has the colour, line and marker of "
                f"strategies[{j}] ({strategies[j].name!r}); give it another look"
            )
        seen[triple] = k


def check_strategy_names(strategies: list[StrategySpec]) -> None:
    """Raise ValueError if two strategies share a name (names label results)."""
    seen: set[str] = set()
    for s in strategies:
        if s.name in seen:
            raise ValueError(
                f"strategies: the name {s.name!r} is used twice; names label results, "
                "so give each strategy a name of its own"
            )
        seen.add(s.name)


def check_no_programme(strategies: list[StrategySpec]) -> None:
    """Raise ValueError if a strategy runs a market programme (``programme_reach > 0``),
    which needs a finite market: call it for an experiment without ``[market] size``."""
    for i, s in enumerate(strategies):
        for reach in s.given("programme_reach"):
            if isinstance(reach, int | float) and reach > 0:
                raise ValueError(
                    f"strategies[{i}] ({s.name!r}): params.programme_reach = {reach:g} "
                    "is a market programme, which moves a finite market's members "
                    "before they are leads; give [market] size (or leave it out)"
                )
