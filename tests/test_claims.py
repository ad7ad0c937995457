"""Where a study's claim holds: claims and [where] in the file, the where-run, the analysis.

Known-answer tests (a synthetic table where the claim holds exactly in a known
box), validation errors, and an end-to-end run through the command line.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from scipy import stats
from typer.testing import CliRunner

from simsales.analysis.claims import (
    CLAIM_COLUMNS,
    claim_values,
    judge_claims,
    share_interval,
)
from simsales.analysis.where_claims import at_defaults, where_claims
from simsales.cli import app
from simsales.experiment.config import Claim, Experiment
from simsales.experiment.errors import error_lines
from simsales.experiment.fingerprint import fingerprint
from simsales.seeding import where_seed
from simsales.store.record import load_record
from simsales.store.results import Results

from worlds import SCALE, small_experiment

runner = CliRunner()


def _claim(**over: object) -> Claim:
    base: dict[str, object] = {
        "text": "a converts more than b", "metric": "conversion", "a": "a", "b": "b",
        "holds_if": "above",
    }  # fmt: skip
    base.update(over)
    return Claim.model_validate(base)


def _box_table(n: int = 400, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """``n`` worlds with parameters x1, x2 uniform on [0, 1]; a's conversion is above
    b's exactly where x1 > 0.5 and x2 < 0.4, and below it elsewhere."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    inside = (x1 > 0.5) & (x2 < 0.4)
    rows = []
    for r in range(n):
        params = {"p.x1": x1[r], "p.x2": x2[r]}
        rows.append(
            {
                "replication": r,
                "strategy": "a",
                "conversion": 0.3 + (0.1 if inside[r] else -0.1),
                **params,
            }
        )
        rows.append({"replication": r, "strategy": "b", "conversion": 0.3, **params})
    return pd.DataFrame(rows), inside  # fmt: skip


# ------------------------------------------------------------------ known answers
def test_prim_finds_the_box_where_the_claim_holds_exactly():
    table, inside = _box_table()
    (found,) = judge_claims(table, ["p.x1", "p.x2"], [_claim()])
    box = found.holds_box
    assert box is not None and sorted(box.restricted) == ["p.x1", "p.x2"]
    # bounds lie midway between the last world peeled off and the first kept
    assert box.low["p.x1"] == pytest.approx(0.5, abs=0.02)
    assert box.high["p.x2"] == pytest.approx(0.4, abs=0.02)
    assert box.high["p.x1"] == math.inf and box.low["p.x2"] == -math.inf
    assert box.density > 0.97 and box.coverage == 1.0
    assert box.support == pytest.approx(inside.mean(), abs=0.01)
    words = found.words()
    assert any(w.startswith("It holds where p.x1 > 0.5") for w in words), words


def test_the_share_and_its_interval_are_binomtest_wilson():
    table, inside = _box_table()
    (found,) = judge_claims(table, ["p.x1", "p.x2"], [_claim()])
    k, n = int(inside.sum()), len(inside)
    assert found.counts == (k, n, 0)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    share, lo, hi = found.share()
    assert (share, lo, hi) == (k / n, pytest.approx(ci.low), pytest.approx(ci.high))
    assert f"holds in {k} of {n} worlds" in " ".join(found.words())


def test_share_interval_known_answer_and_empty():
    # Wilson, 30 of 40: (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
    z, p, n = stats.norm.ppf(0.975), 0.75, 40
    centre, half = p + z**2 / (2 * n), z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    share, lo, hi = share_interval(30, 40)
    assert share == 0.75
    assert lo == pytest.approx((centre - half) / (1 + z**2 / n))
    assert hi == pytest.approx((centre + half) / (1 + z**2 / n))
    assert all(math.isnan(v) for v in share_interval(0, 0))


def test_claim_values_difference_ratio_and_undefined_worlds():
    table = pd.DataFrame({
        "replication": [0, 0, 1, 1, 2, 2, 3, 3],
        "strategy": ["a", "b"] * 4,
        "cost": [1.0, 4.0, 3.0, 4.0, 2.0, np.nan, 1.0, 0.0],
    })  # fmt: skip
    halved = _claim(metric="cost_per_win", kind="ratio", holds_if="below", threshold=0.5)
    v = claim_values(table.rename(columns={"cost": "cost_per_win"}), halved)
    # ratios 0.25 (holds), 0.75 (fails), undefined (b NaN), undefined (b = 0)
    np.testing.assert_allclose(v["value"][:2], [0.25, 0.75])
    assert v["value"][2:].isna().all()
    assert list(v["holds"][:2]) == [True, False] and v["holds"][2:].isna().all()
    diff = _claim(metric="cost_per_win", threshold=-1.0)
    d = claim_values(table.rename(columns={"cost": "cost_per_win"}), diff)
    # differences -3 (not above -1), -1 (not strictly above), undefined, 1 (above)
    assert list(d["holds"].astype("object").where(d["holds"].notna(), None)) == [
        False, False, None, True,
    ]  # fmt: skip


def test_a_claim_without_b_compares_a_s_metric_with_the_threshold():
    table = pd.DataFrame({
        "replication": [0, 0, 1, 1, 2, 2],
        "strategy": ["a", "b"] * 3,
        "hours_per_win": [40.0, 10.0, 80.0, 10.0, np.nan, 10.0],
    })  # fmt: skip
    alone = _claim(metric="hours_per_win", b=None, holds_if="below", threshold=60.0)
    assert alone.statement() == "hours_per_win: a < 60"
    v = claim_values(table, alone)
    # b's values play no part: 40 (holds), 80 (fails), undefined
    np.testing.assert_allclose(v["value"][:2], [40.0, 80.0])
    assert list(v["holds"][:2]) == [True, False] and pd.isna(v["holds"][2])


def test_the_verdict_of_a_claim_without_b_uses_the_t_interval_of_a():
    res = _defaults([0.04, 0.05, 0.06, 0.05])  # a converts 0.34, 0.35, 0.36, 0.35
    row = at_defaults(res, _claim(b=None, threshold=0.3)).iloc[0]
    t = stats.t.ppf(0.975, 3) * np.std([0.04, 0.05, 0.06, 0.05], ddof=1) / 2
    assert row["estimate"] == pytest.approx(0.35)
    assert row["ci_low"] == pytest.approx(0.35 - t) and row["verdict"] == "holds"
    assert at_defaults(res, _claim(b=None, threshold=0.4)).iloc[0]["verdict"] == "fails"


def test_a_claim_that_holds_nearly_everywhere_is_not_said_to_hold_in_too_few_worlds():
    table, _ = _box_table(n=60)
    table.loc[table["strategy"] == "a", "conversion"] = 0.9  # above b everywhere...
    first = table.query("strategy == 'a'").index[:2]
    table.loc[first, "conversion"] = 0.0  # ...but in 2 worlds
    (found,) = judge_claims(table, ["p.x1", "p.x2"], [_claim()])
    assert found.counts == (58, 60, 0) and found.holds_box is None
    words = found.words()
    assert "It holds in 58 of 60 worlds, nearly everywhere: it fails in too few" in words[-2]
    assert words[-1] == "It fails in only 2 of 60 worlds, too few to say where."


def test_undefined_worlds_are_left_out_and_counted_apart():
    table, inside = _box_table(n=60)
    table.loc[(table["replication"] < 10) & (table["strategy"] == "b"), "conversion"] = np.nan
    (found,) = judge_claims(table, ["p.x1", "p.x2"], [_claim()])
    k = int(inside[10:].sum())
    assert found.counts == (k, 50, 10)
    assert "10 worlds left out" in " ".join(found.words())


def _defaults(diffs: list[float]) -> Results:
    rows = []
    for r, d in enumerate(diffs):
        rows += [{"replication": r, "strategy": "a", "conversion": 0.3 + d},
                 {"replication": r, "strategy": "b", "conversion": 0.3}]  # fmt: skip
    return Results(pd.DataFrame(rows), {"config": {"name": "t", "seed": 0}})


def test_the_verdict_at_the_defaults_uses_the_paired_t_interval():
    sure = _defaults([0.04, 0.05, 0.06, 0.05])
    row = at_defaults(sure, _claim(threshold=0.02)).iloc[0]
    t = stats.t.ppf(0.975, 3) * np.std([0.04, 0.05, 0.06, 0.05], ddof=1) / 2
    assert row["estimate"] == pytest.approx(0.05)
    assert row["ci_low"] == pytest.approx(0.05 - t) and row["ci_high"] == pytest.approx(0.05 + t)
    assert row["verdict"] == "holds" and row["share"] == 1.0
    assert at_defaults(sure, _claim(threshold=0.1)).iloc[0]["verdict"] == "fails"
    assert at_defaults(sure, _claim(threshold=0.05)).iloc[0]["verdict"] == "undecided"
    below = at_defaults(sure, _claim(holds_if="below", threshold=0.1)).iloc[0]
    assert below["verdict"] == "holds"


def test_the_verdict_of_a_ratio_uses_the_ratio_of_means():
    res = _defaults([-0.15] * 6 + [-0.16] * 6)  # a converts about half as much as b
    row = at_defaults(res, _claim(kind="ratio", holds_if="below", threshold=0.6)).iloc[0]
    assert row["estimate"] == pytest.approx((0.3 - 0.155) / 0.3)
    assert row["ci_low"] <= row["estimate"] <= row["ci_high"] < 0.6
    assert row["verdict"] == "holds"


def test_findings_save_every_file_and_the_chart(tmp_path):
    from simsales.analysis.where_claims import WhereFindings
    from simsales.plots.claims import save_region_charts

    table, _ = _box_table(n=80)
    found = WhereFindings(judge_claims(table, ["p.x1", "p.x2"], [_claim()]), "id", "", {})
    stems = save_region_charts(found.findings, tmp_path)
    assert stems == ["claim_1_region"]
    found.save(tmp_path, charts=stems)
    for name in ("claims.csv", "claims_worlds.csv", "claims_boxes.csv", "claims.json",
                 "claims.txt", "claim_1_region.png", "claim_1_region.pdf"):  # fmt: skip
        assert (tmp_path / name).is_file(), name
    assert list(pd.read_csv(tmp_path / "claims.csv").columns) == CLAIM_COLUMNS
    data = json.loads((tmp_path / "claims.json").read_text())
    assert data["source"] == "id" and data["claims"][0]["words"] == found.words()
    assert data["charts"] == stems
    boxes = pd.read_csv(tmp_path / "claims_boxes.csv")
    assert set(boxes["region"]) <= {"holds", "fails"} and (boxes["claim"] == 1).all()


# ------------------------------------------------------------------ the file
def _study(**over: object) -> dict[str, object]:
    base = small_experiment(
        name="study", strategies=[{"name": "push"}, {"name": "insight"}],
        claims=[{"text": "insight converts more", "metric": "conversion", "a": "insight",
                 "b": "push", "holds_if": "above"}],
        where={"replications": 20,
               "uncertain": {"population.urgency.b": {"dist": "uniform", "low": 1.5,
                                                      "high": 6.0}}},
    )  # fmt: skip
    base.update(over)
    return base


def test_the_where_run_has_its_own_seed_and_leaves_the_defaults_unchanged():
    study = Experiment.model_validate(_study())
    plain = Experiment.model_validate(_study(claims=[], where=None))
    assert fingerprint(study) == fingerprint(plain)  # the defaults run is the same run
    run = study.where_run()
    assert run.seed == where_seed(study.seed) != study.seed
    assert run.replications == 20 and run.where is None and run.sweep is None
    assert list(run.uncertain) == ["population.urgency.b"]
    assert run.claims == study.claims
    assert where_seed(study.seed) == where_seed(study.seed)


def test_the_where_run_replaces_a_swept_value_and_drops_the_design():
    study = Experiment.model_validate(_study(
        sweep={"parameters": {"population.urgency.b": [2.0, 3.0]}},
    ))  # fmt: skip
    run = study.where_run()
    assert run.sweep is None and run.points() == [{}]


def _errors(**over: object) -> list[str]:
    with pytest.raises(ValidationError) as e:
        Experiment.model_validate(_study(**over))
    return error_lines(e.value, model=Experiment)


def _claims(**over: object) -> list[dict[str, object]]:
    base: dict[str, object] = {"text": "t", "metric": "conversion", "a": "insight",
                               "b": "push", "holds_if": "above"}  # fmt: skip
    base.update(over)
    return [base]


@pytest.mark.parametrize(
    ("over", "expected"),
    [
        ({"claims": _claims(metric="convrsion")},
         "claims[0].metric: unknown metric(s) 'convrsion' (did you mean 'conversion'?)"),
        ({"claims": _claims(a="insigt")},
         "claims[0].a: 'insigt' is not one of the strategies (push, insight); "
         "did you mean 'insight'?"),
        ({"claims": _claims(holds_if="up")},
         "claims[0].holds_if: Input should be 'above' or 'below' (got 'up')"),
        ({"claims": _claims(kind="share")}, "claims[0].kind: Input should be 'difference' or"),
        ({"claims": _claims(b="insight")}, "a and b are both 'insight'"),
        ({"claims": _claims(b=None, kind="ratio")}, "kind: 'ratio' needs b"),
        ({"claims": _claims(b="pushh")},
         "claims[0].b: 'pushh' is not one of the strategies (push, insight)"),
        ({"claims": []}, "where: a run over the plausible range needs claims to check"),
        ({"where": {"uncertain": {"population.urgncy.b": {"dist": "uniform", "low": 1,
                                                          "high": 2}}}},
         "where.uncertain['population.urgncy.b']: key path 'population.urgncy.b': no key "
         "'urgncy' there; nearest: population.urgency.b"),
        ({"where": {"uncertain": {"population.trust.a": {"dist": "uniform", "low": -1,
                                                         "high": 2}}}},
         "where.uncertain['population.trust.a']: this uniform can draw values in [-1, 2] but "
         "population.trust.a allows (0, 1e+06]"),
        ({"where": {"replications": 0, "uncertain": {}}}, "where.replications"),
    ],
)  # fmt: skip
def test_bad_claims_and_ranges_are_named_with_what_is_allowed(over, expected):
    lines = _errors(**over)
    assert any(expected in line for line in lines), lines


STUDY = """
name = "tiny_study"
seed = 5
replications = {n}
horizon_days = 40.0

[market]
lead_rate = 2.0

[lifecycle]
enabled = false

[[claims]]
text = "Teaching converts more buyers than pushing"
metric = "conversion"
a = "insight"
b = "push"
holds_if = "above"
threshold = 0.0

[where]
replications = {worlds}

[where.uncertain]
"population.urgency.b" = {{dist = "uniform", low = 1.5, high = 6.0}}
"population.trust.a" = {{dist = "uniform", low = 1.0, high = 4.0}}

[[strategies]]
name = "push"

[[strategies]]
name = "insight"
"""


def _invoke(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.output


def test_a_bad_claim_exits_2_and_writes_nothing(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text(STUDY.format(n=2, worlds=12).replace('a = "insight"', 'a = "insigt"'))
    out = tmp_path / "o"
    code, text = _invoke("run", str(f), "--out", str(out), "--workers", "1")
    assert code == 2 and "claims[0].a: 'insigt'" in text and "did you mean 'insight'" in text
    assert "Traceback" not in text and not out.exists()


def test_where_on_a_folder_without_a_where_run_exits_2(tmp_path):
    code, text = _invoke("where", str(tmp_path / "nothing"))
    assert code == 2 and "is not a results folder" in text


@pytest.mark.slow
def test_run_writes_the_where_run_its_analysis_and_the_report_section(tmp_path):
    worlds = max(12, round(40 * SCALE))
    f = tmp_path / "tiny_study.toml"
    f.write_text(STUDY.format(n=3, worlds=worlds))
    out = tmp_path / "o"
    code, text = _invoke("run", str(f), "--out", str(out), "--workers", "1")
    assert code == 0, text
    where = out / "where"
    for name in ("manifest.json", "replications.parquet", "claims.csv", "claims.json",
                 "claims.txt", "claim_1_region.png", "claim_1_region.pdf"):  # fmt: skip
        assert (where / name).is_file(), name
    assert "Claim 1: Teaching converts more buyers than pushing" in text
    report = (out / "report.md").read_text()
    assert "## Where the claim holds" in report and "where/claim_1_region.png" in report
    assert f"{worlds} plausible worlds" in report
    assert "where/claim_1_region.png" in (out / "report.html").read_text()
    reps = pd.read_parquet(where / "replications.parquet")
    assert reps["replication"].nunique() == worlds
    assert reps["population.urgency.b"].between(1.5, 6.0).all()
    found = where_claims(out)
    assert found.findings[0].counts[1] + found.findings[0].counts[2] == worlds

    # the run at the defaults is the run of the same file without claims and [where]
    plain = tmp_path / "plain.toml"
    head = STUDY.format(n=3, worlds=worlds).split("[[claims]]")[0]
    plain.write_text(head + '[[strategies]]\nname = "push"\n\n[[strategies]]\nname = "insight"\n')
    code, text = _invoke("run", str(plain), "--out", str(tmp_path / "p"), "--workers", "1",
                         "--no-report")  # fmt: skip
    assert code == 0, text
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "replications.parquet"),
        pd.read_parquet(tmp_path / "p" / "replications.parquet"),
    )

    # analysed again from the stored results: the same words, the report rewritten
    before = (where / "claims.txt").read_text()
    (out / "report.md").unlink()
    code, text = _invoke("where", str(out))
    assert code == 0, text
    assert (where / "claims.txt").read_text() == before
    assert "## Where the claim holds" in (out / "report.md").read_text()

    # resumed: the where-run's worlds are kept, not computed again
    code, text = _invoke("run", str(f), "--out", str(out), "--workers", "1", "--resume")
    assert code == 0, text
    assert load_record(where).resumed_replications == worlds
    assert (where / "claims.txt").read_text() == before


@pytest.mark.slow
def test_a_where_folder_of_another_experiment_is_refused_before_anything_runs(tmp_path):
    f = tmp_path / "tiny_study.toml"
    f.write_text(STUDY.format(n=2, worlds=12))
    out = tmp_path / "o"
    code, text = _invoke("run", str(f), "--out", str(out), "--workers", "1", "--no-report")
    assert code == 0, text
    # the same study with another plausible range: its where-run is another experiment
    f.write_text(STUDY.format(n=2, worlds=12).replace("high = 6.0", "high = 7.0"))
    stamp = (out / "manifest.json").stat().st_mtime_ns
    code, text = _invoke("run", str(f), "--out", str(out), "--workers", "1", "--resume")
    assert code == 2, text
    assert "where" in text and "another experiment or seed" in text
    assert (out / "manifest.json").stat().st_mtime_ns == stamp
    # --no-where runs the defaults alone, which are the same experiment
    code, text = _invoke("run", str(f), "--out", str(out), "--workers", "1", "--resume",
                         "--no-where", "--no-report")  # fmt: skip
    assert code == 0, text
