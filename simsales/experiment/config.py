"""The experiment-file schema: one validated, frozen object per experiment.

An experiment file is TOML; every key is documented in
``experiments/baseline.toml``. Validation is complete before anything runs:
every bad value is reported with its key path and what is allowed.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from simsales.engine.metrics import METRICS
from simsales.engine.params import Economics, Market, Sellers, SuccessTeam
from simsales.experiment.design import Sweep, apply, design_points
from simsales.experiment.errors import did_you_mean, error_lines, unknown_names
from simsales.experiment.plugins import MODULE_NAME
from simsales.experiment.sensitivity import Sensitivity, sensitivity_points
from simsales.model.behaviour import Behaviour
from simsales.model.distributions import Distribution
from simsales.model.lifecycle import Lifecycle
from simsales.model.orbits import Orbit
from simsales.model.population import Population
from simsales.model.strategies import (
    SequenceStrategy,
    Strategy,
    available_strategies,
    make_strategy,
    strategy_class,
)
from simsales.plots.looks import line_code

__all__ = [
    "Experiment",
    "SequencePart",
    "StrategySpec",
    "StrategyStyle",
    "strategies_required",
    "unknown_metrics",
]

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
# What validators allow, for the reference in docs/experiments.md (reference.py)
_STRATEGY_NAMES = "a built-in strategy, or one registered by `modules`"
_UNTIL = (
    ", ".join(f'"{o.name.lower()}"' for o in Orbit if Orbit.AWARENESS < o <= Orbit.ACQUISITION)
    + "; rising from part to part"
)
_METRIC_NAMES = "metric names (see Metric names)"
_PARAMS = "keys of the strategy's params (see Strategy params)"


def unknown_metrics(names: Iterable[str]) -> str | None:
    """Why some of ``names`` are not metric names (with a guess for each), or None.

    Examples
    --------
    >>> unknown_metrics(["conversion", "cost_per_wins"])[:60]
    "unknown metric(s) 'cost_per_wins' (did you mean 'cost_per_win'?"
    """
    unknown = [m for m in dict.fromkeys(names) if m not in METRICS]
    if not unknown:
        return None
    return (
        f"unknown metric(s) {unknown_names(unknown, METRICS)}; known: {', '.join(METRICS)} "
        "(simsales list metrics describes them)"
    )


# Set while an Experiment that names `modules` is validated: a strategy that is
# not registered may be one of theirs, and is checked once they are imported
# (validation runs no user code).
_MODULES_NOT_LOADED: ContextVar[bool] = ContextVar("simsales_modules_not_loaded", default=False)
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
    """The strategy, or None if it may come from modules not imported yet."""
    known = available_strategies()
    if strategy not in known:
        if _MODULES_NOT_LOADED.get() and not _REQUIRED.get():
            return None
        hint = did_you_mean(strategy, known)
        why = (
            "it is not built in, and the experiment's modules register no strategy of that name"
            if _REQUIRED.get()
            else "add your own with modules = [...] and @register_strategy"
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
        pattern=_NAME, description="labels this strategy in the results; unique in the file"
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


def _module_name(spec: str) -> str:
    if not (spec.endswith(".py") or MODULE_NAME.fullmatch(spec)):
        raise ValueError(
            f"{spec!r} is neither a .py file nor a dotted module name (such as "
            "my_strategies or package.strategies)"
        )
    return spec


def _default_strategies() -> list[StrategySpec]:
    names = ("push", "relationship", "need_uncovering", "insight", "decision_coaching")
    return [StrategySpec(name=n) for n in names]


class Experiment(BaseModel):
    """A whole experiment: what to simulate, how often, and with which seed."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(pattern=_NAME, description="names the results folder")
    description: str = Field("", description="free text, kept in the manifest")
    seed: int = Field(ge=0, description="root seed of every random stream")
    replications: int = Field(
        30,
        ge=1,
        le=1_000_000,
        description="independent replications; each runs every strategy on the same customers",
    )
    horizon_days: float = Field(
        365.0, gt=0, le=36_500, description="days during which leads arrive"
    )
    modules: list[Annotated[str, AfterValidator(_module_name)]] = Field(
        default_factory=list,
        description="Python modules or .py files that register strategies; `run` imports "
        "them, which runs their code (`validate` only checks that they exist)",
        json_schema_extra={"allowed": "dotted module names, or .py paths relative to the file"},
    )
    market: Market = Market()
    sellers: Sellers = Sellers()
    success: SuccessTeam = SuccessTeam()
    economics: Economics = Economics()
    behaviour: Behaviour = Behaviour()
    population: Population = Population()
    lifecycle: Lifecycle = Lifecycle()
    strategies: list[StrategySpec] = Field(default_factory=_default_strategies, min_length=1)
    sweep: Sweep | None = Field(None, description="parameters varied over a design")
    sensitivity: Sensitivity | None = Field(
        None, description="a Sobol' or Morris design for sensitivity analysis"
    )
    uncertain: dict[str, Distribution] = Field(
        default_factory=dict,
        description="parameters drawn anew for every replication",
        json_schema_extra={"allowed": "key paths of numeric parameters of the tables"},
    )
    compare: list[Annotated[list[str], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list,
        description="pairs of strategy names [a, b]: paired a - b",
        json_schema_extra={"allowed": "names of the file's strategies; not with a design"},
    )
    compare_metrics: list[str] = Field(
        default_factory=lambda: ["total_cost_share", "total_cost_of_sales", "revenue_total"],
        description="metrics of the paired comparisons",
        json_schema_extra={"allowed": _METRIC_NAMES},
    )
    chart_metrics: list[str] = Field(
        default_factory=lambda: ["conversion", "cost_of_sale_share"],
        description="metrics charted: violins and ECDFs by strategy, or sweep lines or "
        "heatmaps for a sweep",
        json_schema_extra={"allowed": _METRIC_NAMES + ", each once"},
    )

    # the folder dotted names in `modules` are also looked up in (the experiment
    # file's); kept by at() and model_copy, not a key of the file
    _module_folder: str | None = PrivateAttr(None)

    @model_validator(mode="wrap")
    @classmethod
    def _strategies_of_modules_later(
        cls, data: Any, handler: ModelWrapValidatorHandler[Experiment]
    ) -> Experiment:
        # Validation imports nothing: with `modules`, a strategy that is not
        # registered yet is accepted here, and checked once they are imported.
        mods = data.get("modules") if isinstance(data, dict) else getattr(data, "modules", None)
        token = _MODULES_NOT_LOADED.set(bool(mods))
        try:
            return handler(data)
        finally:
            _MODULES_NOT_LOADED.reset(token)

    @property
    def module_folder(self) -> str | None:
        """The experiment file's folder, where dotted names in ``modules`` are also
        looked up (after the installed packages); None for an experiment not read
        from a file."""
        return self._module_folder

    @property
    def unchecked_strategies(self) -> list[str]:
        """Registered-strategy names this experiment uses that are not registered in
        this process (yet): those its ``modules`` must register, checked only once
        they are imported."""
        known = set(available_strategies())
        used = [
            name
            for s in self.strategies
            for name in ([p.strategy for p in s.sequence] if s.sequence else [s.strategy or s.name])
        ]
        return [n for n in dict.fromkeys(used) if n not in known]

    @model_validator(mode="after")
    def _end_after_horizon(self) -> Experiment:
        end = self.lifecycle.end_days
        if end is not None and end < self.horizon_days:
            raise ValueError(
                f"lifecycle.end_days ({end:g}) must be at least horizon_days "
                f"({self.horizon_days:g}): leads arrive until the horizon"
            )
        return self

    @property
    def end_days(self) -> float:
        """Day post-sale events stop: ``lifecycle.end_days``, default the horizon."""
        return self.lifecycle.end_days if self.lifecycle.end_days is not None else self.horizon_days

    @model_validator(mode="after")
    def _unique_labels(self) -> Experiment:
        seen: set[str] = set()
        for s in self.strategies:
            if s.name in seen:
                raise ValueError(
                    f"strategies: the name {s.name!r} is used twice; names label results, "
                    "so give each strategy a name of its own"
                )
            seen.add(s.name)
        return self

    @model_validator(mode="after")
    def _design_paths_valid(self) -> Experiment:
        trial: list[tuple[str, dict[str, Any]]] = []
        if self.sweep is not None:
            for path, spec in self.sweep.parameters.items():
                values = spec if isinstance(spec, list) else [spec.low, spec.high]
                trial += [(f"sweep.parameters[{path!r}]", {path: v}) for v in values]
        for path, dist in self.uncertain.items():
            lo, hi = dist.support
            probes = [v for v in (lo, hi) if math.isfinite(v)] or [dist.mean]
            trial += [(f"uncertain[{path!r}]", {path: v}) for v in probes]
        if self.sweep is not None and self.compare:
            raise ValueError("compare does not work with [sweep] yet: compare within one point")
        if self.sensitivity is not None:
            self._sensitivity_alone(self.sensitivity)
            for path, rng in self.sensitivity.parameters.items():
                trial += [(f"sensitivity.parameters[{path!r}]", {path: rng.low}),
                          (f"sensitivity.parameters[{path!r}]", {path: rng.high})]  # fmt: skip
        for where, setting in trial:
            try:
                self.at(setting)
            except (ValueError, ValidationError) as e:
                detail = (
                    "; ".join(error_lines(e, model=Experiment))
                    if isinstance(e, ValidationError)
                    else str(e)
                )
                raise ValueError(f"{where}: {detail}") from None
        return self

    def _sensitivity_alone(self, sens: Sensitivity) -> None:
        if self.sweep is not None:
            raise ValueError(
                "sensitivity: cannot be combined with [sweep]: the sensitivity design "
                "chooses its own points; remove one of the two tables"
            )
        if self.compare:
            raise ValueError("sensitivity: compare does not work with [sensitivity]; remove it")
        both = sorted(set(sens.parameters) & set(self.uncertain))
        if both:
            raise ValueError(
                f"sensitivity.parameters: {', '.join(map(repr, both))} also in uncertain; "
                "a parameter is either varied by the design or drawn per world, not both"
            )

    def at(self, values: dict[str, Any]) -> Experiment:
        """This experiment with ``values`` set at their key paths, without a design or
        uncertain parameters (one design point in one world)."""
        raw = self.model_dump(mode="json", exclude={"sweep", "sensitivity", "uncertain"})
        exp = Experiment.model_validate(apply(raw, values), strict=True)
        exp._module_folder = self._module_folder
        return exp

    @property
    def has_design(self) -> bool:
        """Whether a ``[sweep]`` or ``[sensitivity]`` design varies parameters."""
        return self.sweep is not None or self.sensitivity is not None

    def points(self) -> list[dict[str, Any]]:
        """The design: one ``{path: value}`` per point (``[{}]`` without a design)."""
        if self.sensitivity is not None:
            return sensitivity_points(self.sensitivity, self.seed)
        return design_points(self.sweep, self.seed)

    @model_validator(mode="after")
    def _comparisons_known(self) -> Experiment:
        names = set(self.strategy_names)
        for k, (a, b) in enumerate(self.compare):
            for x in (a, b):
                if x not in names:
                    hint = did_you_mean(x, names)
                    raise ValueError(
                        f"compare[{k}]: {x!r} is not one of the strategies "
                        f"({', '.join(self.strategy_names)}){'; ' + hint if hint else ''}"
                    )
        for key in ("compare_metrics", "chart_metrics"):
            problem = unknown_metrics(getattr(self, key))
            if problem:
                raise ValueError(f"{key}: {problem}")
        twice = [m for m, n in Counter(self.chart_metrics).items() if n > 1]
        if twice:
            raise ValueError(f"chart_metrics: {', '.join(map(repr, twice))} given more than once")
        return self

    @model_validator(mode="after")
    def _styles_distinct(self) -> Experiment:
        # looks not set in full are made distinct by the charts (simsales.plots.style)
        seen: dict[tuple[str, str, str], int] = {}
        for k, s in enumerate(self.strategies):
            triple = s.style.triple() if s.style is not None else None
            if triple is None:
                continue
            if triple in seen:
                j = seen[triple]
                raise ValueError(
                    f"strategies[{k}].style: {s.name!r} has the colour, line and marker of "
                    f"strategies[{j}] ({self.strategies[j].name!r}); give it another look"
                )
            seen[triple] = k
        return self

    @property
    def strategy_names(self) -> list[str]:
        """Labels of the compared strategies, in file order."""
        return [s.name for s in self.strategies]
