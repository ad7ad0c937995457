"""Messages that finish the job: bad input is answered with what to write instead,
and a valid but implausible value (money in currency) with a warning.

Where a message suggests a fix, the tests apply the fix and check that the
file then validates: a suggestion that does not work fails here.
"""

from __future__ import annotations

import doctest
import re
import tomllib
import warnings
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

import simsales
from simsales.cli import app
from simsales.engine.metrics import METRICS
from simsales.experiment import errors, loader, plausible
from simsales.experiment.config import Experiment
from simsales.experiment.errors import did_you_mean, types_at, unknown_names
from simsales.experiment.loader import ConfigError, load_experiment, to_experiment
from simsales.experiment.plausible import MONEY, ImplausibleValueWarning, implausible_values
from simsales.model.distributions import DISTRIBUTIONS, form, keys
from simsales.model.strategies import available_strategies

ROOT = Path(__file__).resolve().parents[1]
BASE = 'name = "msg"\nseed = 1\nreplications = 2\nhorizon_days = 20.0\n'
runner = CliRunner()


def _errors(tmp_path: Path, text: str) -> list[str]:
    f = tmp_path / "exp.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_experiment(f)
    return info.value.errors


def _loads(tmp_path: Path, text: str) -> Experiment:
    f = tmp_path / "fixed.toml"
    f.write_text(text)
    return load_experiment(f)


def _table_keys(model: type[BaseModel]) -> list[str]:
    return [f.alias or n for n, f in model.model_fields.items()]


# ------------------------------------------------------------------ did you mean
def test_did_you_mean_finds_the_closest_name_or_nothing():
    assert did_you_mean("lead_rte", ["lead_rate", "lead_cost"]) == "did you mean 'lead_rate'?"
    assert did_you_mean("Insight", ["push", "insight"]) == "did you mean 'insight'?"
    assert did_you_mean("zzzz", ["push", "insight"]) == ""
    assert unknown_names(["convrsion", "zzzz"], METRICS) == (
        "'convrsion' (did you mean 'conversion'?), 'zzzz'"
    )


def _tables() -> list[tuple[str, type[BaseModel]]]:
    out: list[tuple[str, type[BaseModel]]] = [("", Experiment)]
    for name, f in Experiment.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out.append((name, ann))
    return out


@pytest.mark.parametrize(("table", "model"), _tables(), ids=lambda x: str(x) or "top")
def test_every_misspelt_key_of_every_table_gets_itself_suggested_and_the_tables_keys(
    tmp_path: Path, table: str, model: type[BaseModel]
):
    valid = _table_keys(model)
    for key in valid:
        typo = key + key[-1]  # one letter too many
        if table:
            text = BASE + f"[{table}]\n{typo} = 1\n"
            where = f"{table}.{typo}"
        else:
            text = f"{typo} = 1\n" + BASE
            where = typo
        lines = [e for e in _errors(tmp_path, text) if e.startswith(f"{where}: ")]
        assert len(lines) == 1, lines
        assert f"unknown key; did you mean {key!r}? valid keys: {', '.join(valid)}" in lines[0]


def test_the_suggested_key_fixes_the_file(tmp_path: Path):
    text = BASE + "[sellers]\nteam_sise = 3\n"
    (line,) = _errors(tmp_path, text)
    suggested = re.search(r"did you mean '(\w+)'", line)
    assert suggested is not None
    fixed = _loads(tmp_path, text.replace("team_sise", suggested.group(1)))
    assert fixed.sellers.team_size == 3


@pytest.mark.parametrize(
    ("text", "where", "keys_of"),
    [
        ('[[strategies]]\nnmae = "push"\n', "strategies[0].nmae", ("strategies", 0)),
        (
            '[[strategies]]\nname = "mix"\nsequence = [{strategy = "push", untill = "x"}]\n',
            "strategies[0].sequence[0].untill",
            ("strategies", 0, "sequence", 0),
        ),
        (
            '[population]\nurgency = {dist = "beta", a = 2.0, bb = 3.0}\n',
            "population.urgency.bb",
            ("population", "urgency", "beta"),
        ),
        (
            '[sweep]\nmethod = "lhs"\nparameters = {"market.lead_rate" = {low = 1.0, hig = 2.0}}\n',
            "sweep.parameters['market.lead_rate'].hig",
            ("sweep", "parameters", "market.lead_rate", "function-after[_ordered(), Range]"),
        ),
    ],
)
def test_keys_inside_arrays_inline_tables_and_unions_are_suggested_too(
    tmp_path: Path, text: str, where: str, keys_of: tuple[Any, ...]
):
    (model,) = types_at(Experiment, keys_of)
    line = next(e for e in _errors(tmp_path, BASE + text) if e.startswith(f"{where}: "))
    assert "did you mean" in line
    assert f"valid keys: {', '.join(_table_keys(model))}" in line


def test_a_misspelt_strategy_param_is_suggested_from_the_strategys_own_params(tmp_path: Path):
    text = BASE + '[[strategies]]\nname = "insight"\nparams = {midle = {hourz = 2.0}}\n'
    (line,) = _errors(tmp_path, text)
    assert line.startswith("strategies[0].params.midle: unknown key; did you mean 'middle'?")


@pytest.mark.parametrize(
    ("text", "needle", "fixed"),
    [
        (
            '[[strategies]]\nname = "insigth"\n',
            "strategies[0]: unknown strategy 'insigth'; did you mean 'insight'?",
            '[[strategies]]\nname = "insight"\n',
        ),
        (
            '[[strategies]]\nname = "mix"\nsequence = [{strategy = "pussh", until = "benefit"},'
            ' {strategy = "insight"}]\n',
            "unknown strategy 'pussh'; did you mean 'push'?",
            '[[strategies]]\nname = "mix"\nsequence = [{strategy = "push", until = "benefit"},'
            ' {strategy = "insight"}]\n',
        ),
        (
            'compare_metrics = ["convrsion"]\n',
            "compare_metrics: unknown metric(s) 'convrsion' (did you mean 'conversion'?)",
            'compare_metrics = ["conversion"]\n',
        ),
        (
            'compare = [["push", "pusj"]]\n[[strategies]]\nname = "push"\n'
            '[[strategies]]\nname = "insight"\n',
            "compare[0]: 'pusj' is not one of the strategies (push, insight); did you mean 'push'?",
            'compare = [["push", "insight"]]\n[[strategies]]\nname = "push"\n'
            '[[strategies]]\nname = "insight"\n',
        ),
    ],
)
def test_misspelt_names_are_suggested_and_the_suggestion_validates(
    tmp_path: Path, text: str, needle: str, fixed: str
):
    lines = _errors(tmp_path, BASE + text)
    assert any(needle in e for e in lines), lines
    _loads(tmp_path, BASE + fixed)


def test_a_key_named_like_a_distribution_keeps_its_place_in_the_path(tmp_path: Path):
    # behaviour.beta and behaviour.gamma are keys; "beta" is also a dist tag, which
    # pydantic puts in the locations of distributions and the path leaves out
    lines = _errors(tmp_path, BASE + "[behaviour]\nbeta = 2.0\ngamma = 0.1\n")
    assert lines[0].startswith("behaviour.beta: Input should be less than or equal to 1")
    assert lines[1].startswith("behaviour.gamma: Input should be greater than or equal")
    (line,) = _errors(
        tmp_path, BASE + '[population]\nurgency = {dist = "beta", a = -1.0, b = 2.0}\n'
    )
    assert line.startswith("population.urgency.a: Input should be greater than 0")


# ------------------------------------------------------------------ arrays of tables
def test_a_table_written_for_an_array_of_tables_is_answered_with_double_brackets(
    tmp_path: Path,
):
    text = BASE + '[strategies]\nname = "push"\n'
    (line,) = _errors(tmp_path, text)
    assert line.startswith("strategies: ")
    assert "write [[strategies]]" in line and "not [strategies]" in line
    assert "Input should be" not in line
    fixed = _loads(tmp_path, text.replace("[strategies]", "[[strategies]]"))
    assert fixed.strategy_names == ["push"]


def test_a_sequence_written_as_one_table_says_to_write_a_list(tmp_path: Path):
    text = BASE + '[[strategies]]\nname = "mix"\nsequence = {strategy = "push"}\n'
    (line,) = _errors(tmp_path, text)
    assert (
        line
        == "strategies[0].sequence: a list of tables is expected: write sequence = [{...}, {...}]"
    )


def test_a_value_neither_a_list_nor_a_range_is_one_line_naming_both(tmp_path: Path):
    text = BASE + '[sweep]\nparameters = {"market.lead_rate" = 1.0}\n'
    assert _errors(tmp_path, text) == [
        "sweep.parameters['market.lead_rate']: a list of values, or a table with keys low, "
        "high, is expected (got 1.0)"
    ]


# ------------------------------------------------------------------ distributions
def test_a_number_for_a_distribution_lists_every_form_and_the_constant_that_fixes_it(
    tmp_path: Path,
):
    text = BASE + "[population]\nurgency = 0.2\n"
    (line,) = _errors(tmp_path, text)
    assert line.startswith("population.urgency: a distribution is expected: an inline table")
    assert "valid dictionary" not in line  # not pydantic's words
    for cls in DISTRIBUTIONS.values():
        assert form(cls) in line
    assert "beta(a, b)" in line and "constant(value)" in line
    assert line.endswith("(got 0.2)")
    suggestion = re.search(r"write (\{dist = \"constant\"[^}]*\})", line)
    assert suggestion is not None
    fixed = _loads(tmp_path, text.replace("0.2", suggestion.group(1)))
    assert fixed.population.urgency.mean == 0.2


def test_the_example_of_a_trait_is_its_own_default(tmp_path: Path):
    (line,) = _errors(tmp_path, BASE + '[population]\npatience_days = "long"\n')
    assert '{dist = "lognormal", median = 60.0, sigma = 0.5}' in line
    assert "value = " not in line  # a string: no constant to suggest


def test_forms_follow_the_distribution_classes():
    # generated, not typed: a key renamed in a class changes the message
    for tag, cls in DISTRIBUTIONS.items():
        assert form(cls) == f"{tag}({', '.join(keys(cls))})"
    assert form(DISTRIBUTIONS["normal"]) == "normal(mean, sd)"  # the alias, not mean_
    assert errors.DISTRIBUTION_FORMS.count("(") == len(DISTRIBUTIONS)


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        (
            '{dist = "betta", a = 2.0, b = 3.0}',
            "unknown distribution dist = \"betta\"; did you mean 'beta'?",
        ),
        ("{a = 2.0, b = 3.0}", "a distribution needs its dist key"),
    ],
)
def test_a_bad_or_missing_dist_tag_is_named(tmp_path: Path, value: str, needle: str):
    (line,) = _errors(tmp_path, BASE + f"[population]\nurgency = {value}\n")
    assert line.startswith("population.urgency: ")
    assert needle in line
    assert "allowed forms: normal(mean, sd)" in line


def test_a_number_for_an_uncertain_parameter_suggests_a_range_around_it(tmp_path: Path):
    text = BASE + 'uncertain = {"market.lead_rate" = 1.5}\n'
    (line,) = _errors(tmp_path, text)
    assert line.startswith("uncertain['market.lead_rate']: a distribution is expected")
    suggestion = re.search(r"such as (\{[^}]*\})", line)
    assert suggestion is not None
    fixed = _loads(tmp_path, text.replace("1.5", suggestion.group(1)))
    assert fixed.uncertain["market.lead_rate"].mean == pytest.approx(1.5)


# ------------------------------------------------------------------ TOML syntax
@pytest.mark.parametrize(
    ("line", "table", "needle", "fix"),
    [
        ("name = baseline", "", 'name: a string needs quotes: write name = "baseline"',
         'name = "baseline"'),
        ("decision_rule = champion", "[behaviour]\n",
         'behaviour.decision_rule: a string needs quotes: write decision_rule = "champion"',
         'decision_rule = "champion"'),
        ("urgency = {dist = beta, a = 2.0, b = 3.0}", "[population]\n",
         'population.urgency.dist: a string needs quotes: write dist = "beta"',
         'urgency = {dist = "beta", a = 2.0, b = 3.0}'),
        ("name = push", '[[strategies]]\nname = "insight"\n[[strategies]]\n',
         'strategies[1].name: a string needs quotes: write name = "push"', 'name = "push"'),
        ("latent_needs = True", "[behaviour]\n",
         "behaviour.latent_needs: true is written in lower case: write latent_needs = true",
         "latent_needs = true"),
    ],
)  # fmt: skip
def test_a_bare_word_is_answered_with_the_line_to_write(
    tmp_path: Path, line: str, table: str, needle: str, fix: str
):
    head = BASE.replace('name = "msg"\n', "") if not table and line.startswith("name") else BASE
    text = head + table + line + "\n"
    (msg,) = _errors(tmp_path, text)
    assert msg.startswith(needle), msg
    assert "TOML syntax error: Invalid value (at line" in msg
    _loads(tmp_path, text.replace(line, fix))


def test_other_toml_errors_are_reported_as_they_are(tmp_path: Path):
    (msg,) = _errors(tmp_path, BASE + "seed2 = 1O\n")
    assert msg.startswith("TOML syntax error: Expected newline")


# ------------------------------------------------------------------ money in currency
def _money_fields(model: type[BaseModel], prefix: str = "") -> list[str]:
    out = []
    for name, f in model.model_fields.items():
        ann = f.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _money_fields(ann, f"{prefix}{name}.")
        elif "units of price" in (f.description or ""):
            out.append(prefix + name)
    return out


def test_every_money_key_of_the_schema_has_a_plausible_bound_above_its_default():
    found = _money_fields(Experiment)
    assert len(found) >= 6
    assert sorted(found) == sorted(MONEY)
    for path, (bound, _) in MONEY.items():
        table, key = path.split(".")
        model = Experiment.model_fields[table].annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        # a cost that is off by default (sellers.cost_per_year) has the default 0
        assert 0 <= model.model_fields[key].default <= bound / 10, path


def test_no_shipped_experiment_is_implausible():
    files = sorted((ROOT / "experiments").glob("*.toml"))
    assert files
    for f in files:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ImplausibleValueWarning)
            assert implausible_values(load_experiment(f)) == [], f.name


@pytest.mark.parametrize("path", sorted(MONEY))
def test_a_value_above_its_bound_warns_and_one_at_the_bound_does_not(path: str):
    table, key = path.split(".")
    bound = MONEY[path][0]
    at = {"name": "m", "seed": 1, table: {key: bound}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_experiment(at)
    above = {"name": "m", "seed": 1, table: {key: bound * 150}}
    with pytest.warns(ImplausibleValueWarning) as caught:
        exp = to_experiment(above)
    assert len(caught) == 1
    assert str(caught[0].message).startswith(f"{path} = {bound * 150:g}: implausibly large")
    assert "units of the offer's price" in str(caught[0].message)
    assert exp.model_dump()[table][key] == bound * 150  # a warning, not a change


def test_the_warning_is_a_user_warning_pointing_at_the_users_code(tmp_path: Path):
    f = tmp_path / "euros.toml"
    f.write_text(BASE + "[sellers]\ncost_per_hour = 150\n")
    with pytest.warns(UserWarning, match=r"sellers\.cost_per_hour = 150: ") as caught:
        exp = simsales.load_experiment(f)
    assert issubclass(caught[0].category, ImplausibleValueWarning)
    assert caught[0].filename == __file__
    with warnings.catch_warnings():  # re-validated (as run() does): not warned twice
        warnings.simplefilter("error")
        to_experiment(exp, replications=3)


def test_designs_and_uncertain_parameters_are_checked_too():
    sweep = {"parameters": {"sellers.cost_per_hour": [0.003, 80.0]}}
    with pytest.warns(ImplausibleValueWarning, match=r"sweep\.parameters\['sellers"):
        exp = to_experiment({"name": "m", "seed": 1, "sweep": sweep})
    assert exp is not None
    unc = {"market.lead_cost": {"dist": "uniform", "low": 10.0, "high": 30.0}}
    with pytest.warns(
        ImplausibleValueWarning, match=r"uncertain\['market\.lead_cost'\] \(mean\) = 20"
    ):
        to_experiment({"name": "m", "seed": 1, "uncertain": unc})


def test_the_cli_prints_the_warning_on_stderr_and_goes_on(tmp_path: Path):
    f = tmp_path / "euros.toml"
    f.write_text(BASE + "[sellers]\ncost_per_hour = 150\n")
    res = runner.invoke(app, ["validate", str(f)])
    assert res.exit_code == 0, res.output
    assert res.stderr.startswith("warning: sellers.cost_per_hour = 150: implausibly large")
    assert res.stderr.count("warning:") == 1
    assert "ok:" in res.stdout and "warning" not in res.stdout
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(f), "--out", str(out), "--workers", "1", "--no-report"])
    assert res.exit_code == 0, res.output
    assert res.stderr.count("warning: sellers.cost_per_hour = 150") == 1  # once, not per step
    assert "ImplausibleValueWarning" not in res.output  # printed as a message, not by Python
    assert (out / "summary.csv").exists()


# ------------------------------------------------------------------ --version, list
def test_version_prints_the_package_version_and_help_still_works():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert res.stdout == f"simsales {simsales.__version__}\n"
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert simsales.__version__ == pyproject["project"]["version"]
    res = runner.invoke(app, ["--help"])
    assert res.exit_code == 0
    assert "--version" in res.output and "list" in res.output


def test_list_metrics_shows_every_metric_with_its_unit():
    res = runner.invoke(app, ["list", "metrics"])
    assert res.exit_code == 0, res.output
    rows = {ln.split("│")[1].strip(): ln for ln in res.stdout.splitlines() if ln.count("│") > 2}
    for name, (unit, _) in METRICS.items():
        assert name in rows, name
        assert f"│ {unit}" in rows[name]
    assert "conversion of qualified opportunities (%)" in rows["conversion"]


def test_list_strategies_shows_every_registered_strategy_with_its_docstring():
    res = runner.invoke(app, ["list", "strategies"])
    assert res.exit_code == 0, res.output
    for name in available_strategies():
        assert f"│ {name} " in res.stdout
    assert "Teaching: reveals latent needs" in res.stdout


def test_list_strategies_of_an_experiment_includes_its_modules(tmp_path: Path):
    (tmp_path / "listed.py").write_text(
        "import simsales\n"
        "@simsales.register_strategy('listed_for_test')\n"
        "class Listed(simsales.PhasedStrategy):\n"
        '    """A strategy of the test\'s own."""\n'
    )
    f = tmp_path / "exp.toml"
    f.write_text(BASE + 'modules = ["listed.py"]\n[[strategies]]\nname = "listed_for_test"\n')
    res = runner.invoke(app, ["list", "strategies", "--experiment", str(f)])
    assert res.exit_code == 0, res.output
    row = next(ln for ln in res.stdout.splitlines() if "listed_for_test" in ln)
    assert "A strategy of the test's own." in row and "built-in" not in row


def test_list_distributions_shows_every_form_and_key():
    res = runner.invoke(app, ["list", "distributions"])
    assert res.exit_code == 0, res.output
    for tag, cls in DISTRIBUTIONS.items():
        assert f"│ {tag} " in res.stdout
        for key in keys(cls):
            assert f"│ {key}: " in res.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["list", "metrcs"], "unknown topic 'metrcs'; did you mean 'metrics'? allowed: "
         "metrics, strategies, distributions"),
        (["list", "colours"], "allowed: metrics, strategies, distributions"),
        (["list", "metrics", "--experiment", "x.toml"], "--experiment is for"),
    ],
)  # fmt: skip
def test_list_refuses_an_unknown_topic_with_exit_2(args: list[str], needle: str):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert needle in res.stderr
    assert res.stdout == ""


def test_cli_metric_options_suggest_too(tmp_path: Path):
    f = tmp_path / "exp.toml"
    f.write_text(BASE)
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(f), "--precision-metric", "convrsion", "-o", str(out)])
    assert res.exit_code == 2
    assert "--precision-metric: unknown metric(s) 'convrsion' (did you mean 'conversion'?)" in (
        res.stderr
    )
    assert not out.exists()


# ------------------------------------------------------------------ examples in docstrings
@pytest.mark.parametrize("module", [errors, loader, plausible], ids=lambda m: m.__name__)
def test_docstring_examples_hold(module: Any):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
