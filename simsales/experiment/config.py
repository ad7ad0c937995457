"""The experiment-file schema: one validated, frozen object per experiment.

An experiment file is TOML; every key is documented in
``experiments/baseline.toml``. Validation is complete before anything runs:
every bad value is reported with its key path and what is allowed.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from simsales.data.spec import DataSpec
from simsales.engine.params import Economics, Market, Sellers, SuccessTeam
from simsales.experiment.budget import budget_problems
from simsales.experiment.calibrate import Calibrate
from simsales.experiment.claim_specs import Claim, Where, where_raw
from simsales.experiment.design import Sweep, apply, design_points
from simsales.experiment.errors import did_you_mean, error_lines, unknown_metrics
from simsales.experiment.key_paths import (
    calibrate_probes,
    check_posterior,
    check_varied_paths,
    design_probes,
    numeric_leaves,
)
from simsales.experiment.plugins import MODULE_NAME
from simsales.experiment.posterior import Posterior
from simsales.experiment.sensitivity_design import Sensitivity, sensitivity_points
from simsales.experiment.strategy_specs import (
    DASH_NAMES,
    MAX_NAME,
    MODULES_NOT_LOADED,
    NAME_PATTERN,
    SequencePart,
    StrategySpec,
    StrategyStyle,
    check_no_programme,
    check_strategy_names,
    check_styles_distinct,
    default_strategies,
    line_code,
    strategies_required,
)
from simsales.model.behaviour import Behaviour
from simsales.model.distributions import Distribution
from simsales.model.lifecycle import Lifecycle
from simsales.model.population import Population
from simsales.model.strategies import available_strategies
from simsales.seeding import MAX_REPLICATIONS, where_seed

# The schema's parts are defined in their own modules and named here too: the
# experiment file's schema has one front door.
__all__ = [
    "DASH_NAMES",
    "Claim",
    "Experiment",
    "SequencePart",
    "StrategySpec",
    "StrategyStyle",
    "Where",
    "line_code",
    "strategies_required",
    "unknown_metrics",
]

#: Most strategies in one experiment.
MAX_STRATEGIES = 50
# What validators allow, for the reference in docs/experiments.md (reference.py)
_METRIC_NAMES = "metric names (see Metric names)"


def _module_name(spec: str) -> str:
    if not (spec.endswith(".py") or MODULE_NAME.fullmatch(spec)):
        raise ValueError(
            f"{spec!r} is neither a .py file nor a dotted module name (such as "
            "my_strategies or package.strategies)"
        )
    return spec


#: Tables that are not parameters of one world: never varied, and left out by ``at``.
_NOT_LEAVES = {"sweep", "sensitivity", "uncertain", "claims", "where", "calibrate", "posterior"}


class Experiment(BaseModel):
    """A whole experiment: what to simulate, how often, and with which seed."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    name: str = Field(
        pattern=NAME_PATTERN,
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
    engine: Literal["simpy", "array"] = Field(
        "simpy",
        description='how replications are stepped: "simpy", one process per buyer (exact '
        'event order, the reference), or "array", many buyers, replications and strategies '
        "at once in numpy arrays (equal in distribution; docs/performance.md). A file that "
        'does not name one runs a design ([sweep], [sensitivity]) on "array" when the '
        'array engine can run it, and anything else on "simpy"',
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
        default_factory=default_strategies,
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
    # why the engine is the one it is, when no file or option chose it (kept by
    # model_copy): a design runs on the array engine by default
    _engine_note: str | None = PrivateAttr(None)

    @model_validator(mode="wrap")
    @classmethod
    def _strategies_of_modules_later(
        cls, data: Any, handler: ModelWrapValidatorHandler[Experiment]
    ) -> Experiment:
        # Validation imports nothing: with `modules`, a strategy that is not
        # registered yet is accepted here, and checked once they are imported.
        mods = data.get("modules") if isinstance(data, dict) else getattr(data, "modules", None)
        token = MODULES_NOT_LOADED.set(bool(mods))
        try:
            return handler(data)
        finally:
            MODULES_NOT_LOADED.reset(token)

    @property
    def engine_note(self) -> str | None:
        """Why :attr:`engine` is the one it is when the default chose it
        (:func:`simsales.runner.replications.choose_engine`); None otherwise."""
        return self._engine_note

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
    def _strategies_fit(self) -> Experiment:
        check_strategy_names(self.strategies)
        if self.market.size is None:
            check_no_programme(self.strategies)
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
        return numeric_leaves(self.model_dump(mode="json", exclude=_NOT_LEAVES | {"data"}), numeric)

    @model_validator(mode="after")
    def _design_paths_valid(self) -> Experiment:
        numbers = self.leaves()
        check_varied_paths(self, numbers, self.leaves(numeric=False))
        trial = design_probes(self.sweep, self.uncertain, self.sensitivity)
        if self.posterior is not None:
            check_posterior(self, self.posterior.path, self.posterior.parameters, numbers)
        if self.calibrate is not None:
            trial += calibrate_probes(self, self.calibrate, numbers)
        if self.sweep is not None and self.compare:
            raise ValueError("compare does not work with [sweep] yet: compare within one point")
        if self.sensitivity is not None:
            self._sensitivity_alone(self.sensitivity)
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
        raw = self.model_dump(mode="json", exclude=_NOT_LEAVES)
        exp = Experiment.model_validate(apply(raw, values), strict=True)
        exp._module_folder = self._module_folder
        return exp

    def with_replications(self, replications: int) -> Experiment:
        """This experiment with ``replications`` replications, validated as a file's
        value is (a copy with the key replaced would skip its bounds).

        Raises
        ------
        ValueError
            If ``replications`` is not a whole number from 1 to the schema's most.
        """
        raw = self.model_dump(mode="json")
        raw["replications"] = replications
        try:
            exp = Experiment.model_validate(raw, strict=True)
        except ValidationError as e:
            raise ValueError("; ".join(error_lines(e, model=Experiment))) from None
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
        raw = where_raw(
            self.model_dump(mode="json", exclude={"sweep", "sensitivity", "where"}),
            self.where,
            self.claims,
        )
        raw["seed"] = where_seed(self.seed)
        raw["description"] = f"{self.name}: its claims over the plausible range ([where])"
        exp = Experiment.model_validate(raw, strict=True)
        exp._module_folder = self._module_folder
        return exp

    @model_validator(mode="after")
    def _styles_distinct(self) -> Experiment:
        check_styles_distinct(self.strategies)
        return self

    @property
    def strategy_names(self) -> list[str]:
        """Labels of the compared strategies, in file order."""
        return [s.name for s in self.strategies]
