"""Key paths of an experiment: which values a design or ``uncertain`` may vary, and
whether a distribution drawn for one stays within what its key allows."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator, Mapping
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simsales.experiment.calibrate import Calibrate, search_range
from simsales.experiment.design import Sweep
from simsales.experiment.sensitivity_design import Sensitivity
from simsales.model.distributions import Beta, Distribution, Gamma, LogNormal, Uniform

__all__ = [
    "OPEN_HIGH",
    "OPEN_LOW",
    "calibrate_probes",
    "check_leaf",
    "check_posterior",
    "check_support",
    "check_varied_paths",
    "design_probes",
    "field_at",
    "numeric_leaves",
    "scalars",
]

#: Distributions whose draws never equal the low (high) end of their support.
OPEN_LOW = (Beta, Gamma, LogNormal)
OPEN_HIGH = (Beta, Uniform)


def scalars(raw: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(key path, value)`` of every value in nested tables that is not a table."""
    for k, v in raw.items():
        if isinstance(v, dict):
            yield from scalars(v, f"{prefix}{k}.")
        else:
            yield f"{prefix}{k}", v


def field_at(model: BaseModel, path: str) -> FieldInfo | None:
    """The schema field a key path of ``model`` ends at (None if there is none)."""
    obj: Any = model
    parts = path.split(".")
    for part in parts[:-1]:
        obj = getattr(obj, part, None)
        if not isinstance(obj, BaseModel):
            return None
    fields: dict[str, FieldInfo] = type(obj).model_fields
    return next((f for name, f in fields.items() if parts[-1] in (name, f.alias)), None)


def numeric_leaves(raw: dict[str, Any], numeric: bool = True) -> list[str]:
    """Key paths of the values of ``raw`` (an experiment as JSON, without its design
    tables) a design or ``uncertain`` may vary, in file order: numbers of the tables
    and ``horizon_days`` (``numeric``), also switches and choices (not ``numeric``);
    never names, modules, lists, ``seed`` or ``replications``."""
    kinds = (int, float) if numeric else (int, float, bool, str)
    return [
        p
        for p, v in scalars(raw)
        if isinstance(v, kinds)
        and not (numeric and isinstance(v, bool))
        and ("." in p or p == "horizon_days")
        and not p.endswith(".dist")
    ]


def check_leaf(
    experiment: BaseModel, where: str, path: str, leaves: list[str], numeric: bool
) -> None:
    """Raise ValueError unless ``path`` is one of ``leaves``: naming why (no such key, a
    table, not a number) and the nearest key paths."""
    if path in leaves:
        return
    below = [p for p in leaves if p.startswith(path + ".")]
    near = below[:8] or difflib.get_close_matches(path, leaves, n=4, cutoff=0.5)
    kind = "numeric keys" if numeric else "numbers, switches and choices of the tables"
    what = "a table" if below else "not one of them"
    hint = f"; nearest: {', '.join(near)}" if near else ""
    node: Any = experiment.model_dump(mode="json")
    for k in path.split("."):
        if not isinstance(node, dict) or k not in node:
            # a key that does not exist: say which, as for any unknown key
            raise ValueError(f"{where}: key path {path!r}: no key {k!r} there{hint}")
        node = node[k]
    raise ValueError(
        f"{where}: only {kind} can be varied (not names, modules, lists, whole tables, "
        f"seed or replications), and {path!r} is {what}{hint}"
    )


def check_support(experiment: BaseModel, path: str, dist: Any) -> None:
    """Raise ValueError if ``dist`` can draw values the key at ``path`` does not allow."""
    field = field_at(experiment, path)
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
    bad_lo = s_lo < lo or (lo_open and s_lo == lo and not isinstance(dist, OPEN_LOW))
    bad_hi = s_hi > hi or (hi_open and s_hi == hi and not isinstance(dist, OPEN_HIGH))
    if bad_lo or bad_hi:
        allowed = f"{'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
        raise ValueError(
            f"uncertain[{path!r}]: this {dist.dist} can draw values in [{s_lo:g}, {s_hi:g}] "
            f"but {path} allows {allowed}; draw it from a distribution bounded within "
            "that range: uniform(low, high) or integers(low, high) inside it, "
            "beta(a, b) for a range within [0, 1], or constant(value)"
        )


def check_varied_paths(experiment: Any, numbers: list[str], switches: list[str]) -> None:
    """Raise ValueError unless every key path the experiment's ``[sweep]``, ``uncertain``
    and ``[sensitivity]`` vary is one they may vary (``numbers``, and ``switches`` for a
    sweep), and every ``uncertain`` distribution draws only values its key allows."""
    if experiment.sweep is not None:
        for path in experiment.sweep.parameters:
            check_leaf(experiment, f"sweep.parameters[{path!r}]", path, switches, numeric=False)
    for path in experiment.uncertain:
        check_leaf(experiment, f"uncertain[{path!r}]", path, numbers, numeric=True)
    sensitivity = experiment.sensitivity
    for path in sensitivity.parameters if sensitivity is not None else ():
        check_leaf(experiment, f"sensitivity.parameters[{path!r}]", path, numbers, numeric=True)
    for path, dist in experiment.uncertain.items():
        check_support(experiment, path, dist)


def design_probes(
    sweep: Sweep | None, uncertain: Mapping[str, Distribution], sensitivity: Sensitivity | None
) -> list[tuple[str, dict[str, Any]]]:
    """``(where, {path: value})`` of the values to try before anything runs: every value
    of a grid (or the ends of a range), the ends an ``uncertain`` draw can come nearest
    to, and the ends of each ``[sensitivity]`` range."""
    trial: list[tuple[str, dict[str, Any]]] = []
    if sweep is not None:
        for path, spec in sweep.parameters.items():
            values = spec if isinstance(spec, list) else [spec.low, spec.high]
            trial += [(f"sweep.parameters[{path!r}]", {path: v}) for v in values]
    for path, dist in uncertain.items():
        lo, hi = dist.support
        lo = math.nextafter(lo, math.inf) if isinstance(dist, OPEN_LOW) else lo
        hi = math.nextafter(hi, -math.inf) if isinstance(dist, OPEN_HIGH) else hi
        probes = [v for v in (lo, hi) if math.isfinite(v)] or [dist.mean]
        trial += [(f"uncertain[{path!r}]", {path: v}) for v in probes]
    if sensitivity is not None:
        for path, rng in sensitivity.parameters.items():
            trial += [(f"sensitivity.parameters[{path!r}]", {path: rng.low}),
                      (f"sensitivity.parameters[{path!r}]", {path: rng.high})]  # fmt: skip
    return trial


def check_posterior(
    experiment: Any, path: str, parameters: list[str] | None, numbers: list[str]
) -> None:
    """Raise ValueError unless the ``[posterior]`` sample at ``path`` has parameter
    columns (``parameters``), each a numeric key path (one of ``numbers``) that no
    ``[uncertain]``, ``[sweep]`` or ``[sensitivity]`` also varies."""
    if parameters is None:
        raise ValueError(
            "posterior.parameters: name the sample's columns to use, or read the file "
            "with simsales.load_experiment, which takes them from posterior.path"
        )
    if not parameters:
        raise ValueError(f"posterior.path {path!r}: the sample has no parameter column")
    for key in parameters:
        check_leaf(experiment, f"posterior.parameters[{key!r}]", key, numbers, numeric=True)
    varied = set(experiment.uncertain)
    if experiment.sweep is not None:
        varied |= set(experiment.sweep.parameters)
    if experiment.sensitivity is not None:
        varied |= set(experiment.sensitivity.parameters)
    both = sorted(varied & set(parameters))
    if both:
        raise ValueError(
            f"posterior.parameters: {both[0]!r} is also varied by [uncertain], [sweep] or "
            "[sensitivity]; a parameter comes from one of them"
        )


def calibrate_probes(
    experiment: Any, calibrate: Calibrate, numbers: list[str]
) -> list[tuple[str, dict[str, Any]]]:
    """``(where, {path: value})`` of the ends of each ``[calibrate]`` search range, after
    checking that every calibrated key path is numeric (one of ``numbers``) and that
    ``calibrate.strategy`` is one of the experiment's strategies."""
    trial: list[tuple[str, dict[str, Any]]] = []
    for path, prior in calibrate.parameters.items():
        where = f"calibrate.parameters[{path!r}]"
        check_leaf(experiment, where, path, numbers, numeric=True)
        trial += [(where, {path: v}) for v in search_range(prior)]
    names = experiment.strategy_names
    if calibrate.strategy is not None and calibrate.strategy not in names:
        raise ValueError(
            f"calibrate.strategy: {calibrate.strategy!r} is not one of the strategies "
            f"({', '.join(names)})"
        )
    return trial
