"""The experiment-file schema: one validated, frozen object per experiment.

An experiment file is TOML; every key is documented in
``experiments/baseline.toml``. Validation is complete before anything runs:
every bad value is reported with its key path and what is allowed.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, Literal

from annotated_types import Ge, Gt, Le, Lt
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
from pydantic.fields import FieldInfo

from simsales.data.spec import DataSpec
from simsales.engine.metrics import METRICS
from simsales.engine.params import Economics, Market, Sellers, SuccessTeam
from simsales.experiment.budget import budget_problems
from simsales.experiment.calibrate import Calibrate, search_range
from simsales.experiment.design import Sweep, apply, design_points
from simsales.experiment.errors import did_you_mean, error_lines, unknown_names
from simsales.experiment.plugins import ENTRY_POINT_GROUP, MODULE_NAME, advertised_strategies
from simsales.experiment.posterior import Posterior
from simsales.experiment.sensitivity import Sensitivity, sensitivity_points
from simsales.model.behaviour import Behaviour
from simsales.model.distributions import Beta, Distribution, Gamma, LogNormal, Uniform
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
from simsales.seeding import MAX_REPLICATIONS, where_seed

__all__ = [
    "Claim",
    "Experiment",
    "SequencePart",
    "StrategySpec",
    "StrategyStyle",
    "Where",
    "strategies_required",
    "unknown_metrics",
]

_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
#: Longest experiment or strategy name: it names folders and files.
MAX_NAME = 64
#: Most strategies in one experiment.
MAX_STRATEGIES = 50
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
# (validation runs no user code). A strategy an installed distribution advertises
# under the entry-point group is likewise checked once it is loaded.
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
    """The strategy, or None if it may come from modules or entry points not loaded yet
    (their names are read from metadata: nothing is imported)."""
    known = available_strategies()
    if strategy not in known:
        if not _REQUIRED.get() and (
            _MODULES_NOT_LOADED.get() or strategy in advertised_strategies()
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
        pattern=_NAME,
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


def _module_name(spec: str) -> str:
    if not (spec.endswith(".py") or MODULE_NAME.fullmatch(spec)):
        raise ValueError(
            f"{spec!r} is neither a .py file nor a dotted module name (such as "
            "my_strategies or package.strategies)"
        )
    return spec


#: Distributions whose draws never equal the low (high) end of their support.
_OPEN_LOW = (Beta, Gamma, LogNormal)
_OPEN_HIGH = (Beta, Uniform)


def _scalars(raw: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(key path, value)`` of every value in nested tables that is not a table."""
    for k, v in raw.items():
        if isinstance(v, dict):
            yield from _scalars(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def _field_at(model: BaseModel, path: str) -> FieldInfo | None:
    """The schema field a key path of ``model`` ends at (None if there is none)."""
    obj: Any = model
    parts = path.split(".")
    for part in parts[:-1]:
        obj = getattr(obj, part, None)
        if not isinstance(obj, BaseModel):
            return None
    fields: dict[str, FieldInfo] = type(obj).model_fields
    return next((f for name, f in fields.items() if parts[-1] in (name, f.alias)), None)


class Claim(BaseModel):
    """A study's claim in checkable form: ``a - b`` (or ``a / b``) of one metric lies
    above or below a threshold, judged per replication (paired: same world, same
    buyers) and on the mean; without ``b``, strategy ``a``'s metric itself is
    compared with the threshold (a claim about one strategy, e.g. its hours per
    win below a level)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    text: str = Field(
        min_length=1, max_length=2_000, description="the claim in words, shown in the report"
    )
    metric: str = Field(
        description="the metric the claim is about",
        json_schema_extra={"allowed": "a metric name (see Metric names)"},
    )
    a: str = Field(
        description="strategy the claim is about",
        json_schema_extra={"allowed": "a name of the file's strategies"},
    )
    b: str | None = Field(
        None,
        description="strategy it is compared with; omitted: a's metric itself is compared "
        "with the threshold",
        json_schema_extra={"allowed": "another name of the file's strategies"},
    )
    kind: Literal["difference", "ratio"] = Field(
        "difference", description="compare a - b (difference) or a / b (ratio) with the threshold"
    )
    holds_if: Literal["above", "below"] = Field(
        description="the claim holds where a - b (or a / b) is strictly above, or strictly "
        "below, the threshold"
    )
    threshold: float = Field(
        0.0,
        ge=-1e12,
        le=1e12,
        description="the value a - b (or a / b) is compared with, in the metric's units "
        "(a share for a share: 0.02 is two points); e.g. 0 for a - b, 0.5 for a / b halved",
    )

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, metric: str) -> str:
        problem = unknown_metrics([metric])
        if problem:
            raise ValueError(problem)
        return metric

    @model_validator(mode="after")
    def _two_strategies(self) -> Claim:
        if self.a == self.b:
            raise ValueError(
                f"a and b are both {self.a!r}: a claim compares two strategies, or omits b "
                "to compare one strategy's metric with the threshold"
            )
        if self.b is None and self.kind == "ratio":
            raise ValueError(
                "kind: 'ratio' needs b (the strategy a is divided by); without b, a's metric "
                "is compared with the threshold: leave kind out or set it to 'difference'"
            )
        return self

    def statement(self) -> str:
        """The test in symbols, e.g. ``conversion: insight - push > 0``, or
        ``hours_per_win: push < 60`` without ``b``."""
        rel = ">" if self.holds_if == "above" else "<"
        if self.b is None:
            return f"{self.metric}: {self.a} {rel} {self.threshold:g}"
        op = "-" if self.kind == "difference" else "/"
        return f"{self.metric}: {self.a} {op} {self.b} {rel} {self.threshold:g}"


class Where(BaseModel):
    """A run over the plausible range of the parameters a study's claims depend on:
    each replication draws them anew (one plausible world), with a seed of its own."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    replications: int = Field(
        200,
        ge=1,
        le=100_000,
        description="plausible worlds drawn (PRIM needs a few hundred for a sharp box)",
    )
    uncertain: dict[str, Distribution] = Field(
        min_length=1,
        max_length=100,
        description="plausible range of each parameter the claims depend on, drawn per world "
        "(same syntax as [uncertain]; replaces the file's value, a swept value or an "
        "uncertain draw of the same key)",
        json_schema_extra={"allowed": "key paths of numeric parameters of the tables"},
    )


#: Tables that are not parameters of one world: never varied, and left out by ``at``.
_NOT_LEAVES = {"sweep", "sensitivity", "uncertain", "claims", "where", "calibrate", "posterior"}


def _default_strategies() -> list[StrategySpec]:
    names = ("push", "relationship", "need_uncovering", "insight", "decision_coaching")
    return [StrategySpec(name=n) for n in names]


class Experiment(BaseModel):
    """A whole experiment: what to simulate, how often, and with which seed."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(
        pattern=_NAME,
        max_length=MAX_NAME,
        description=f"names the results folder; at most {MAX_NAME} characters",
    )
    description: str = Field("", max_length=10_000, description="free text, kept in the manifest")
    seed: int = Field(ge=0, le=2**63 - 1, description="root seed of every random stream")
    replications: int = Field(
        30,
        ge=1,
        le=MAX_REPLICATIONS,
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
    strategies: list[StrategySpec] = Field(
        default_factory=_default_strategies,
        min_length=1,
        max_length=MAX_STRATEGIES,
        description=f"the strategies compared, at most {MAX_STRATEGIES}",
    )
    sweep: Sweep | None = Field(None, description="parameters varied over a design")
    sensitivity: Sensitivity | None = Field(
        None, description="a Sobol' or Morris design for sensitivity analysis"
    )
    uncertain: dict[str, Distribution] = Field(
        default_factory=dict,
        description="parameters drawn anew for every replication",
        json_schema_extra={"allowed": "key paths of numeric parameters of the tables"},
    )
    posterior: Posterior | None = Field(
        None,
        description="draw parameters for each replication from a calibration's posterior sample",
    )
    calibrate: Calibrate | None = Field(
        None, description="parameters fitted to a funnel by `simsales calibrate`"
    )
    compare: list[Annotated[list[str], Field(min_length=2, max_length=2)]] = Field(
        default_factory=list,
        max_length=1000,
        description="pairs of strategy names [a, b]: paired a - b",
        json_schema_extra={"allowed": "names of the file's strategies; not with a design"},
    )
    compare_metrics: list[str] = Field(
        default_factory=lambda: ["total_cost_share", "total_cost_of_sales", "revenue_total"],
        min_length=1,
        max_length=100,
        description="metrics of the paired comparisons; at least one",
        json_schema_extra={"allowed": _METRIC_NAMES},
    )
    chart_metrics: list[str] = Field(
        default_factory=lambda: ["conversion", "cost_of_sale_share"],
        min_length=1,
        max_length=100,
        description="metrics charted (at least one): violins and ECDFs by strategy, or sweep "
        "lines or heatmaps for a sweep",
        json_schema_extra={"allowed": _METRIC_NAMES + ", each once"},
    )
    claims: list[Claim] = Field(
        default_factory=list,
        max_length=20,
        description="the study's claims, each checked per replication and where it holds "
        "(`[[claims]]`, docs/studies.md)",
    )
    where: Where | None = Field(
        None,
        description="a run over the plausible range of the parameters the claims depend on, "
        "into RESULTS/where/ (needs `claims`)",
    )
    data: DataSpec | None = Field(
        None,
        description="a CRM opportunity export (`simsales data`, docs/calibration.md); "
        "it changes no simulated number",
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
        this process (yet): those its ``modules`` or installed packages (entry-point
        group ``simsales.strategies``) must register, checked only once they are loaded."""
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
    def _programme_needs_a_market(self) -> Experiment:
        if self.market.size is not None:
            return self
        for i, s in enumerate(self.strategies):
            for reach in s.given("programme_reach"):
                if isinstance(reach, int | float) and reach > 0:
                    raise ValueError(
                        f"strategies[{i}] ({s.name!r}): params.programme_reach = {reach:g} "
                        "is a market programme, which moves a finite market's members "
                        "before they are leads; give [market] size (or leave it out)"
                    )
        return self

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
    def _within_budget(self) -> Experiment:
        problems = budget_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def leaves(self, numeric: bool = True) -> list[str]:
        """Key paths of the values a design or ``uncertain`` may vary, in file order.

        Numbers of the tables and ``horizon_days`` (``numeric``); a sweep may also
        vary switches and choices of the tables (``numeric=False``). Never names,
        modules, lists, ``seed`` or ``replications``.
        """
        raw = self.model_dump(mode="json", exclude=_NOT_LEAVES | {"data"})
        kinds = (int, float) if numeric else (int, float, bool, str)
        return [
            p
            for p, v in _scalars(raw)
            if isinstance(v, kinds)
            and not (numeric and isinstance(v, bool))
            and ("." in p or p == "horizon_days")
            and not p.endswith(".dist")
        ]

    def _check_leaf(self, where: str, path: str, leaves: list[str], numeric: bool) -> None:
        if path in leaves:
            return
        below = [p for p in leaves if p.startswith(path + ".")]
        near = below[:8] or difflib.get_close_matches(path, leaves, n=4, cutoff=0.5)
        kind = "numeric keys" if numeric else "numbers, switches and choices of the tables"
        what = "a table" if below else "not one of them"
        hint = f"; nearest: {', '.join(near)}" if near else ""
        node: Any = self.model_dump(mode="json")
        for k in path.split("."):
            if not isinstance(node, dict) or k not in node:
                # a key that does not exist: say which, as for any unknown key
                raise ValueError(f"{where}: key path {path!r}: no key {k!r} there{hint}")
            node = node[k]
        raise ValueError(
            f"{where}: only {kind} can be varied (not names, modules, lists, whole tables, "
            f"seed or replications), and {path!r} is {what}{hint}"
        )

    def _check_support(self, path: str, dist: Any) -> None:
        field = _field_at(self, path)
        if field is None:
            return
        lo, hi, lo_open, hi_open = -math.inf, math.inf, False, False
        for c in field.metadata:
            if isinstance(c, Ge | Gt):
                lo, lo_open = float(getattr(c, "ge", getattr(c, "gt", lo))), isinstance(c, Gt)
            elif isinstance(c, Le | Lt):
                hi, hi_open = float(getattr(c, "le", getattr(c, "lt", hi))), isinstance(c, Lt)
        s_lo, s_hi = dist.support
        # continuous draws never meet an open end that is the end of their support
        bad_lo = s_lo < lo or (lo_open and s_lo == lo and not isinstance(dist, _OPEN_LOW))
        bad_hi = s_hi > hi or (hi_open and s_hi == hi and not isinstance(dist, _OPEN_HIGH))
        if bad_lo or bad_hi:
            allowed = f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
            raise ValueError(
                f"uncertain[{path!r}]: this {dist.dist} can draw values in [{s_lo:g}, {s_hi:g}] "
                f"but {path} allows {allowed}; draw it from a distribution bounded within "
                "that range: uniform(low, high) or integers(low, high) inside it, "
                "beta(a, b) for a range within [0, 1], or constant(value)"
            )

    @model_validator(mode="after")
    def _design_paths_valid(self) -> Experiment:
        trial: list[tuple[str, dict[str, Any]]] = []
        numbers = self.leaves()
        if self.sweep is not None:
            scalars = self.leaves(numeric=False)
            for path in self.sweep.parameters:
                self._check_leaf(f"sweep.parameters[{path!r}]", path, scalars, numeric=False)
        for path in self.uncertain:
            self._check_leaf(f"uncertain[{path!r}]", path, numbers, numeric=True)
        for path in self.sensitivity.parameters if self.sensitivity is not None else ():
            self._check_leaf(f"sensitivity.parameters[{path!r}]", path, numbers, numeric=True)
        for path, dist in self.uncertain.items():
            self._check_support(path, dist)
        if self.sweep is not None:
            for path, spec in self.sweep.parameters.items():
                values = spec if isinstance(spec, list) else [spec.low, spec.high]
                trial += [(f"sweep.parameters[{path!r}]", {path: v}) for v in values]
        for path, dist in self.uncertain.items():
            lo, hi = dist.support
            # the ends draws can come nearest to
            lo = math.nextafter(lo, math.inf) if isinstance(dist, _OPEN_LOW) else lo
            hi = math.nextafter(hi, -math.inf) if isinstance(dist, _OPEN_HIGH) else hi
            probes = [v for v in (lo, hi) if math.isfinite(v)] or [dist.mean]
            trial += [(f"uncertain[{path!r}]", {path: v}) for v in probes]
        if self.posterior is not None:
            self._check_posterior(self.posterior, numbers)
        if self.calibrate is not None:
            cal = self.calibrate
            for path, prior in cal.parameters.items():
                where = f"calibrate.parameters[{path!r}]"
                self._check_leaf(where, path, numbers, numeric=True)
                trial += [(where, {path: v}) for v in search_range(prior)]
            if cal.strategy is not None and cal.strategy not in self.strategy_names:
                raise ValueError(
                    f"calibrate.strategy: {cal.strategy!r} is not one of the strategies "
                    f"({', '.join(self.strategy_names)})"
                )
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

    def _check_posterior(self, post: Posterior, numbers: list[str]) -> None:
        if post.parameters is None:
            raise ValueError(
                "posterior.parameters: name the sample's columns to use, or read the file "
                "with simsales.load_experiment, which takes them from posterior.path"
            )
        if not post.parameters:
            raise ValueError(f"posterior.path {post.path!r}: the sample has no parameter column")
        for path in post.parameters:
            self._check_leaf(f"posterior.parameters[{path!r}]", path, numbers, numeric=True)
        varied = set(self.uncertain)
        if self.sweep is not None:
            varied |= set(self.sweep.parameters)
        if self.sensitivity is not None:
            varied |= set(self.sensitivity.parameters)
        both = sorted(varied & set(post.parameters))
        if both:
            raise ValueError(
                f"posterior.parameters: {both[0]!r} is also varied by [uncertain], [sweep] or "
                "[sensitivity]; a parameter comes from one of them"
            )

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
        raw = self.model_dump(mode="json", exclude=_NOT_LEAVES)
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
    def _claims_known(self) -> Experiment:
        names = self.strategy_names
        for k, claim in enumerate(self.claims):
            for key in ("a", "b"):
                x = getattr(claim, key)
                if x is not None and x not in names:
                    hint = did_you_mean(x, names)
                    raise ValueError(
                        f"claims[{k}].{key}: {x!r} is not one of the strategies "
                        f"({', '.join(names)}){'; ' + hint if hint else ''}"
                    )
        if self.where is None:
            return self
        if not self.claims:
            raise ValueError(
                "where: a run over the plausible range needs claims to check; add "
                "[[claims]] (text, metric, a, b, holds_if, threshold) or remove [where]"
            )
        try:
            self.where_run()
        except (ValueError, ValidationError) as e:
            detail = (
                "; ".join(error_lines(e, model=Experiment))
                if isinstance(e, ValidationError)
                else str(e)
            )
            raise ValueError(
                detail.replace("uncertain[", "where.uncertain[").replace("Value error, ", "")
            ) from None
        return self

    def where_run(self) -> Experiment:
        """The experiment of the run over the plausible range (``[where]``): this one
        without a design or ``[where]`` (its claims kept), with only the strategies
        the claims name (and the comparisons among them), with ``where.uncertain``
        drawn per world (over the file's own ``uncertain``), ``where.replications``
        worlds and the seed
        :func:`simsales.seeding.where_seed` of the root seed.

        Raises
        ------
        ValueError
            If the experiment has no ``[where]``.
        """
        if self.where is None:
            raise ValueError(f"experiment {self.name!r} has no [where] table")
        raw = self.model_dump(mode="json", exclude={"sweep", "sensitivity", "where"})
        drawn = self.where.model_dump(mode="json")["uncertain"]
        raw["uncertain"] = {**raw.get("uncertain", {}), **drawn}
        raw["replications"] = self.where.replications
        # only the strategies the claims compare: the others would cost time and,
        # with common random numbers, change none of their numbers
        named = {c.a for c in self.claims} | {c.b for c in self.claims if c.b is not None}
        raw["strategies"] = [s for s in raw["strategies"] if s["name"] in named]
        raw["compare"] = [p for p in raw.get("compare", []) if set(p) <= named]
        raw["seed"] = where_seed(self.seed)
        raw["description"] = f"{self.name}: its claims over the plausible range ([where])"
        exp = Experiment.model_validate(raw, strict=True)
        exp._module_folder = self._module_folder
        return exp

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
