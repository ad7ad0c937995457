"""The shipped studies (experiments/*.toml) and ``simsales run-all``.

Every experiment file validates, names its results folder after itself, and
(for the studies) states its claim, the mechanism and what would support or
contradict it. Every file runs end to end at a tiny size. ``run-all`` runs a
folder of studies, skips ``baseline.toml``, keeps going after a failure and
says which study failed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import simsales
from simsales.cli import NOT_STUDIES, app
from simsales.engine.metrics import METRICS
from simsales.experiment.loader import load_experiment
from simsales.store.record import load_record

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "experiments").glob("*.toml"))
STUDIES = [f for f in FILES if f.name not in NOT_STUDIES]


def _header(path: Path) -> str:
    """The comment block at the top of a file (up to its first other line)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("# "))
    return " ".join(lines).lower()


def test_the_studies_of_the_issue_are_all_there():
    names = {f.stem for f in STUDIES}
    assert {
        "harajuku", "first_impressions", "need_uncovering", "decision_coaching",
        "urgency", "orbits", "relationship", "complex_sales",
    } <= names  # fmt: skip


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_experiment_validates_and_writes_to_its_own_folder(path: Path):
    config = load_experiment(path)
    assert config.name == path.stem  # results/<file name>/
    for a, b in config.compare:
        assert a in config.strategy_names and b in config.strategy_names


@pytest.mark.parametrize("path", STUDIES, ids=[f.stem for f in STUDIES])
def test_every_study_states_claim_mechanism_and_what_would_decide_it(path: Path):
    head = _header(path)
    assert len(head) > 400, "a study's header explains its design"
    for word in ("claim", "mechanism", "support", "contradict"):
        assert re.search(rf"\b{word}", head), f"{path.name}: header lacks {word!r}"


def _tiny(path: Path) -> Any:
    """The experiment at the smallest size that still runs every part of it:
    2 replications of a 30-day horizon at 0.5 leads a day (a finite market: at most
    300 members); the post-sale
    window, if the file extends it, shortened to 60 days; a grid sweep cut to
    the first and last value of each parameter (validation has tried every
    value already)."""
    config = load_experiment(path)
    over: dict[str, Any] = {
        "replications": 2,
        "horizon_days": 30.0,
        "market": {**config.market.model_dump(), "lead_rate": 0.5},
    }
    if config.market.size is not None:  # a finite market: a small one, as it is
        over["market"] = {**config.market.model_dump(), "size": min(config.market.size, 300)}
    life = config.lifecycle.model_dump()
    if life["end_days"] is not None:
        over["lifecycle"] = {**life, "end_days": 60.0}
    if config.sweep is not None and config.sweep.method == "grid":
        ends = {k: list(dict.fromkeys([v[0], v[-1]])) for k, v in config.sweep.parameters.items()}
        over["sweep"] = {"method": "grid", "parameters": ends}
    return load_experiment(path, **over)


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_every_experiment_runs_end_to_end_at_a_tiny_size(path: Path):
    config = _tiny(path)
    res = simsales.run(config, workers=1)
    df = res.replications
    points = len(config.points())
    # one row per design point x replication x strategy, every metric a column
    assert len(df) == points * config.replications * len(config.strategies)
    assert set(df["strategy"]) == set(config.strategy_names)
    assert set(METRICS) <= set(df.columns)
    assert (df["leads"] > 0).all()
    assert (df["wins"] <= df["qualified"]).all()
    if config.sweep is not None:
        assert df["point"].nunique() == points
        for param, values in config.sweep.parameters.items():
            assert isinstance(values, list)
            assert set(df[param]) == set(values)  # each row carries its point's value
    comp = res.comparisons
    assert len(comp) == len(config.compare) * len(config.compare_metrics)


WHERE_STUDIES = [f for f in STUDIES if load_experiment(f).where is not None]


@pytest.mark.parametrize("path", WHERE_STUDIES, ids=[f.stem for f in WHERE_STUDIES])
def test_every_study_with_claims_judges_them_over_a_tiny_plausible_range(path: Path):
    from simsales.analysis.claims import judge_claims

    config = _tiny(path)
    assert config.where is not None and config.claims
    run = config.where_run().model_copy(update={"replications": 3})
    res = simsales.run(run, workers=1)
    found = judge_claims(res.replications, sorted(run.uncertain), list(run.claims))
    assert [f.number for f in found] == list(range(1, len(config.claims) + 1))
    for f in found:
        assert len(f.worlds) == 3  # one row per world
        assert set(f.parameters) == set(config.where.uncertain)


def test_the_studies_with_claims_are_those_of_issue_12():
    names = {f.stem for f in WHERE_STUDIES}
    assert {"harajuku", "first_impressions", "need_uncovering", "decision_coaching",
            "urgency", "relationship", "complex_sales"} <= names  # fmt: skip


# ---------------------------------------------------------------- run-all

TINY = """\
name = "{name}"
seed = 5
replications = 3
horizon_days = 20.0
{extra}
[market]
lead_rate = 1.0

[lifecycle]
enabled = false

[[strategies]]
name = "{strategy}"
"""


def _study(folder: Path, name: str, strategy: str = "push", extra: str = "") -> Path:
    f = folder / f"{name}.toml"
    f.write_text(TINY.format(name=name, strategy=strategy, extra=extra))
    return f


def test_run_all_runs_every_study_but_the_baseline(tmp_path: Path):
    exp = tmp_path / "experiments"
    exp.mkdir()
    _study(exp, "alpha")
    sweep = 'sweep = {method = "grid", parameters = {"sellers.team_size" = [1, 2]}}'
    _study(exp, "beta", strategy="insight", extra=sweep)
    _study(exp, "baseline")  # the built-in default: skipped
    res_dir = tmp_path / "results"
    res = CliRunner().invoke(
        app,
        ["run-all", "--experiments", str(exp), "--results", str(res_dir), "-n", "2",
         "--workers", "1"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in res_dir.iterdir()) == ["alpha", "beta"]
    for name, rows in (("alpha", 2), ("beta", 2 * 2)):
        assert load_record(res_dir / name).replications == 2  # -n overrides every study
        summary = (res_dir / name / "summary.csv").read_text().splitlines()
        assert len(summary) > 1
        assert len(simsales.load_results(res_dir / name).replications) == rows
        assert re.search(rf"{name}: done in \d+\.\d s", res.output)
    assert "[1/2] alpha" in res.output and "[2/2] beta" in res.output


def test_run_all_only_runs_the_named_study(tmp_path: Path):
    exp = tmp_path / "experiments"
    exp.mkdir()
    _study(exp, "alpha")
    _study(exp, "beta")
    res_dir = tmp_path / "results"
    res = CliRunner().invoke(
        app,
        ["run-all", "--experiments", str(exp), "--results", str(res_dir), "--only", "beta",
         "--workers", "1"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert [p.name for p in res_dir.iterdir()] == ["beta"]


def test_run_all_goes_on_after_a_failing_study_and_names_it(tmp_path: Path):
    exp = tmp_path / "experiments"
    exp.mkdir()
    (exp / "exploding.py").write_text(
        "import simsales\n"
        "@simsales.register_strategy('exploding_for_run_all')\n"
        "class Exploding(simsales.PhasedStrategy):\n"
        "    def act(self, view):\n"
        "        raise RuntimeError('strategy exploded')\n"
    )
    # "a_broken" sorts first, so the good study runs after the failure
    _study(exp, "a_broken", strategy="exploding_for_run_all", extra='modules = ["exploding.py"]')
    _study(exp, "b_good")
    res_dir = tmp_path / "results"
    res = CliRunner().invoke(
        app, ["run-all", "--experiments", str(exp), "--results", str(res_dir), "--workers", "1"]
    )
    assert res.exit_code == 1
    assert "a_broken FAILED" in res.output and "strategy exploded" in res.output
    assert "failed: a_broken" in res.output
    assert "Traceback" not in res.output
    assert (res_dir / "b_good" / "summary.csv").is_file()


def test_run_all_bad_input_exits_2_before_running_anything(tmp_path: Path):
    exp = tmp_path / "experiments"
    exp.mkdir()
    _study(exp, "alpha")
    (exp / "beta.toml").write_text(TINY.format(name="beta", strategy="no_such", extra=""))
    res_dir = tmp_path / "results"
    cmd = ["run-all", "--experiments", str(exp), "--results", str(res_dir)]
    res = CliRunner().invoke(app, cmd)
    assert res.exit_code == 2
    assert "beta.toml" in res.output and "no_such" in res.output
    assert not res_dir.exists()  # validated first: nothing ran, nothing written
    (exp / "beta.toml").write_text(TINY.format(name="alpha", strategy="push", extra=""))
    res = CliRunner().invoke(app, cmd)
    assert res.exit_code == 2 and "more than one file" in res.output
    (exp / "beta.toml").unlink()
    res = CliRunner().invoke(app, [*cmd, "--only", "gamma"])
    assert res.exit_code == 2 and "gamma" in res.output
    (exp / "alpha.toml").unlink()
    res = CliRunner().invoke(app, cmd)
    assert res.exit_code == 2 and "no experiment files" in res.output
    res = CliRunner().invoke(app, ["run-all", "--experiments", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "not a folder" in res.output
    assert not res_dir.exists()


def test_docs_studies_has_a_section_per_study():
    doc = (ROOT / "docs" / "studies.md").read_text(encoding="utf-8")
    for f in STUDIES:
        assert f"\n## {f.stem}\n" in doc, f"docs/studies.md has no section for {f.stem}"
        assert f"results/{f.stem}/README.md" in doc


def test_complex_sales_rules_coincide_for_a_single_stakeholder():
    # Known answer the study's design relies on: with one stakeholder,
    # champion, majority and consensus are the same rule, and the points meet
    # the same customers, so their results are identical.
    config = _tiny(ROOT / "experiments" / "complex_sales.toml")
    df = simsales.run(config, workers=1).replications
    size, rule = "population.stakeholders.value", "behaviour.decision_rule"
    one = df[df[size] == 1]
    assert one[rule].nunique() >= 2
    metrics = list(METRICS)
    tables = [
        part.sort_values(["replication", "strategy"])[metrics].reset_index(drop=True)
        for _, part in one.groupby(rule)
    ]
    for t in tables[1:]:
        assert t.equals(tables[0])
