"""Known-answer tests of the bounds: upper bounds of every number, the resource
budget (refusals name the estimate and the limit), the cap on listed problems,
deep TOML and name lengths (issue 14)."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from annotated_types import Le, Lt
from pydantic import BaseModel
from typer.testing import CliRunner

from simsales.cli import app
from simsales.experiment import budget
from simsales.experiment.config import Experiment
from simsales.experiment.errors import MAX_PROBLEMS, capped
from simsales.experiment.loader import ConfigError, load_experiment, to_experiment
from simsales.model.actions import Action
from simsales.model.strategies import available_strategies, strategy_class

BASE = {"name": "b", "seed": 1}


def _errors(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as e:
        to_experiment(data)
    return "\n".join(e.value.errors)


# ------------------------------------------------------------------ every number is bounded
def _models(tp: Any) -> list[type[BaseModel]]:
    if get_origin(tp) is Annotated:
        return _models(get_args(tp)[0])
    if get_origin(tp) in (Union, types.UnionType, list, dict):
        return [m for a in get_args(tp) for m in _models(a)]
    return [tp] if isinstance(tp, type) and issubclass(tp, BaseModel) else []


def _numeric(tp: Any) -> bool:
    if get_origin(tp) in (Union, types.UnionType):
        return any(_numeric(a) for a in get_args(tp) if a is not type(None))
    return tp in (int, float)


def _unbounded() -> list[str]:
    seen: set[type[BaseModel]] = set()
    todo = [Experiment, Action, *(strategy_class(s).Params for s in available_strategies())]
    out = []
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, f in model.model_fields.items():
            todo += _models(f.annotation)
            if _numeric(f.annotation) and not any(isinstance(c, Le | Lt) for c in f.metadata):
                out.append(f"{model.__name__}.{name}")
    return out


def test_every_numeric_key_has_an_upper_bound():
    assert _unbounded() == []


@pytest.mark.parametrize(
    ("table", "key", "value"),
    [
        ("behaviour", "evidence_noise", 1e300),
        ("market", "lead_rate", 1e7),
        ("sellers", "team_size", 2**63 - 1),
        ("market", "size", 10_000_000),
        ("lifecycle", "step_days", 1e-300),
        ("behaviour", "step_days", 1e-300),
    ],
)
def test_values_from_the_issue_are_refused_with_what_is_allowed(table, key, value):
    msg = _errors({**BASE, table: {key: value}})
    assert f"{table}.{key}" in msg
    assert "Input should be" in msg


# ------------------------------------------------------------------ the budget
def test_too_many_events_are_refused_with_estimate_and_limit():
    msg = _errors({**BASE, "horizon_days": 36_500.0, "lifecycle": {"step_days": 0.5}})
    assert "resources: one replication needs about" in msg
    assert f"{budget.MAX_EVENTS:,}" in msg


def test_events_estimate_known_answer():
    exp = to_experiment({**BASE, "horizon_days": 100.0, "market": {"lead_rate": 2.0}})
    # 200 leads x 5 strategies x (30 + compelling 100/365 + 0.25 (100/30 + 100/365))
    per_lead = 30 + 100 / 365 + 0.25 * (100 / 30 + 100 / 365)
    assert budget.events_per_replication(exp) == pytest.approx(5 * 200 * per_lead)


def test_one_replication_of_every_design_point_is_bounded():
    rng = {"low": 1.0, "high": 2.0}
    sens = {"samples": 64, "parameters": {"behaviour.conservatism": {"low": 0.1, "high": 0.5}}}
    msg = _errors({**BASE, "market": {"lead_rate": 100.0}, "sensitivity": sens})
    assert "sensitivity: 192 design points x about" in msg
    assert f"over the limit of {budget.MAX_ROUND_EVENTS:,}" in msg
    to_experiment({**BASE, "sweep": {"method": "lhs", "points": 100, "parameters": {
        "market.lead_rate": rng}}})  # fmt: skip


def test_a_market_too_big_for_memory_is_refused():
    stake = {"dist": "integers", "low": 1, "high": 50}
    msg = _errors({**BASE, "market": {"size": 1_000_000}, "population": {"stakeholders": stake}})
    assert "market.size: one replication's trait arrays need about 1.6 GiB" in msg
    assert "limit of 1.0 GiB" in msg
    to_experiment({**BASE, "market": {"size": 1_000_000}, "horizon_days": 30.0})


def test_a_giant_grid_is_refused_before_it_is_drawn():
    paths = ["market.lead_rate", "behaviour.conservatism", "behaviour.temperature",
             "behaviour.alpha", "behaviour.beta", "behaviour.gamma", "lifecycle.install_success",
             "lifecycle.adoption_rate", "lifecycle.belief_adoption", "lifecycle.temperature",
             "behaviour.access_base", "behaviour.trust_to_share"]  # fmt: skip
    grid = {p: [0.3, 0.4, 0.5, 0.6, 0.7, 0.8] for p in paths}
    msg = _errors({**BASE, "sweep": {"parameters": grid}})
    assert f"sweep: the design has {6**12:,} points, over the limit of 100,000" in msg


def test_design_points_times_replications_are_bounded():
    sweep = {"method": "lhs", "points": 100_000,
             "parameters": {"market.lead_rate": {"low": 1.0, "high": 2.0}}}  # fmt: skip
    msg = _errors({**BASE, "replications": 30, "horizon_days": 10.0, "sweep": sweep})
    assert "3,000,000 runs, over the limit of 2,000,000" in msg


def test_the_precision_cap_is_checked_at_the_command_line(tmp_path: Path):
    f = tmp_path / "e.toml"
    f.write_text('name = "e"\nseed = 1\nreplications = 30\nhorizon_days = 30.0\n'
                 'sweep = {method = "lhs", points = 10000, parameters = '
                 '{"market.lead_rate" = {low = 1.0, high = 2.0}}}\n')  # fmt: skip
    r = CliRunner().invoke(app, ["run", str(f), "--precision", "0.01", "-o", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "--precision: up to 300 replications" in r.output
    assert "over the limit of 2,000,000" in r.output
    assert not (tmp_path / "o").exists()
    r = CliRunner().invoke(app, ["run", str(f), "-n", "1000", "-o", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert "10,000,000 runs" in r.output
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------ designs and uncertain
def test_uncertain_normal_on_a_bounded_rate_is_refused_with_the_forms():
    msg = _errors({**BASE, "uncertain": {"market.lead_rate": {"dist": "normal", "mean": 1.5,
                                                              "sd": 2.0}}})  # fmt: skip
    assert "uncertain['market.lead_rate']: this normal can draw values in [-inf, inf]" in msg
    assert "allows (0, 1000]" in msg
    assert "uniform(low, high)" in msg


def test_uncertain_within_the_bounds_is_accepted():
    dist = {"dist": "uniform", "low": 1.0, "high": 2.0}
    exp = to_experiment({**BASE, "uncertain": {"market.lead_rate": dist}})
    assert "market.lead_rate" in exp.uncertain
    beta = {"dist": "beta", "a": 2.0, "b": 2.0}
    to_experiment({**BASE, "uncertain": {"behaviour.conservatism": beta}})
    to_experiment({**BASE, "uncertain": {"market.lead_cost": beta}})  # [0, 1] in [0, 10000]


@pytest.mark.parametrize("path", ["name", "modules", "market", "strategies", "seed"])
def test_a_sweep_names_only_leaves(path):
    msg = _errors({**BASE, "sweep": {"parameters": {path: [1, 2]}}})
    assert f"sweep.parameters['{path}']: only numbers, switches and choices" in msg


def test_a_sweep_over_a_table_lists_its_numbers():
    msg = _errors({**BASE, "sweep": {"parameters": {"market": [1, 2]}}})
    assert "'market' is a table; nearest: market.lead_rate, market.lead_cost" in msg


def test_sensitivity_varies_numbers_only():
    rng = {"low": 0.0, "high": 1.0}
    msg = _errors({**BASE, "sensitivity": {"parameters": {"behaviour.rivals": rng}}})
    assert "only numeric keys can be varied" in msg


@pytest.mark.parametrize("key", ["compare_metrics", "chart_metrics"])
def test_empty_metric_lists_are_refused(key):
    assert key in _errors({**BASE, key: []})


# ------------------------------------------------------------------ errors, depth, names
def test_capped_lists_the_first_problems_and_counts_the_rest():
    lines = [f"p{k}" for k in range(120)]
    out = capped(lines)
    assert out[:MAX_PROBLEMS] == lines[:MAX_PROBLEMS]
    assert out[-1] == "... and 70 more problems"
    assert capped(lines[:3]) == lines[:3]


def test_a_file_with_thousands_of_bad_entries_gets_fifty_lines(tmp_path: Path):
    f = tmp_path / "many.toml"
    f.write_text(
        'name = "m"\nseed = 1\n[behaviour]\n' + "".join(f"bad_{k} = 1\n" for k in range(5000))
    )
    with pytest.raises(ConfigError) as e:
        load_experiment(f)
    assert len(e.value.errors) == MAX_PROBLEMS + 1
    assert e.value.errors[-1] == "... and 4950 more problems"


def test_toml_nested_too_deep_is_exit_2_with_a_message(tmp_path: Path):
    f = tmp_path / "deep.toml"
    f.write_text('name = "d"\nseed = 1\ndescription = ' + "[" * 1000 + "]" * 1000 + "\n")
    r = CliRunner().invoke(app, ["validate", str(f)])
    assert r.exit_code == 2
    assert "nested too deeply (more than 32 levels)" in r.output
    assert "Traceback" not in r.output


def test_names_are_at_most_64_characters():
    to_experiment({**BASE, "name": "a" * 64})
    assert "at most 64 characters" in _errors({**BASE, "name": "a" * 65})
    long = {"name": "s" * 65, "strategy": "push"}
    assert "strategies[0].name" in _errors({**BASE, "strategies": [long]})


def test_log_ratio_traits_stay_where_exp_is_finite():
    far = {"dist": "normal", "mean": 1e6, "sd": 1.0}
    msg = _errors({**BASE, "population": {"rival_edge": far}})
    assert "population.rival_edge: values must be of any sign within [-50, 50]" in msg
    wide = {"dist": "normal", "mean": 0.0, "sd": 6.0}  # 8 sd = 48
    to_experiment({**BASE, "population": {"rival_edge": wide}})


def test_buyer_noise_has_a_floor():
    assert "greater than or equal to 0.000000001" in _errors(
        {**BASE, "behaviour": {"evidence_noise": 1e-300}}
    )


@pytest.mark.parametrize("replications", [0, -3, 10**9])
def test_a_batch_of_replications_outside_the_schema_is_refused(replications: int):
    # the batches of a precision run change replications through the schema, not
    # around it: a value outside its bounds is refused, naming the key
    config = load_experiment(Path(__file__).resolve().parents[1] / "experiments/baseline.toml")
    with pytest.raises(ValueError, match=r"^replications: "):
        config.with_replications(replications)
    assert config.with_replications(7).replications == 7


def test_the_cap_of_a_batched_run_is_never_above_the_schema():
    from simsales.runner.batches import Batches
    from simsales.seeding import MAX_REPLICATIONS

    assert Batches(20, precision=0.01).cap == 200
    assert Batches(MAX_REPLICATIONS // 2, precision=0.01).cap == MAX_REPLICATIONS
    assert Batches(20, precision=0.01, cap=50).cap == 50
