"""What `simsales run` writes, through the Python API and the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest

import simsales
from simsales.analysis.comparison import declared_comparisons
from simsales.analysis.summary import summary_table
from simsales.engine.metrics import METRICS
from simsales.reporting.outputs import save_results
from simsales.store.record import load_record

from worlds import small_experiment

FILES = [
    "manifest.json",
    "replications.parquet",
    "timeseries.parquet",
    "summary.csv",
    *(
        f"{c}.{ext}"
        for c in (
            "conversion",
            "cost_of_sale",
            "losses_by_cause",
            "orbit_funnel",
            "orbit_occupancy",
            "revenue_vs_cost",
        )
        for ext in ("png", "pdf")
    ),
]


@pytest.fixture(scope="module")
def results():
    return simsales.run(small_experiment(), workers=1)


def test_replications_table_is_tidy(results):
    df = results.replications
    assert list(df.columns) == ["replication", "strategy", *METRICS]
    assert len(df) == 3 * 5
    assert set(df["strategy"]) == {
        "push",
        "relationship",
        "need_uncovering",
        "insight",
        "decision_coaching",
    }


def test_summary_is_tidy_with_a_ci_around_the_mean(results):
    s = summary_table(results)
    assert list(s.columns) == ["strategy", "metric", "mean", "ci_low", "ci_high", "n"]
    assert len(s) == 5 * len(METRICS)
    finite = s.dropna()
    assert (finite["ci_low"] <= finite["mean"]).all()
    assert (finite["mean"] <= finite["ci_high"]).all()
    wins = results.replications.groupby("strategy")["wins"].mean()
    got = s[s["metric"] == "wins"].set_index("strategy")["mean"]
    pd.testing.assert_series_equal(got.sort_index(), wins.sort_index(), check_names=False)


@pytest.mark.render
def test_save_writes_every_file(results, tmp_path: Path):
    out = save_results(results, tmp_path / "r")
    for f in FILES:
        assert (out / f).is_file(), f
    assert not list(out.glob(".*.tmp"))
    m = json.loads((out / "manifest.json").read_text())
    for key in (
        "format",
        "experiment",
        "config",
        "seed",
        "replications",
        "dependencies",
        "git_commit",
        "wall_seconds",
        "python",
        "simsales_version",
    ):
        assert key in m  # the file is read by people and other tools too
    record = load_record(out)
    assert record == results.record.model_copy(update={"results_id": results.results_id})
    assert record.config.seed == record.seed == 11
    assert record.dependencies["simpy"]
    back = simsales.load_results(out)
    pd.testing.assert_frame_equal(back.replications, results.replications)
    img = mpimg.imread(out / "conversion.png")
    assert img.ndim == 3 and img.shape[0] > 500 and img.shape[1] > 500  # 300 dpi
    assert (out / "losses_by_cause.pdf").read_bytes()[:5] == b"%PDF-"


def test_save_refuses_fewer_than_one_worker_before_writing_anything(results, tmp_path: Path):
    with pytest.raises(ValueError, match="workers must be >= 1, got -1"):
        save_results(results, tmp_path / "r", workers=-1)
    assert not (tmp_path / "r").exists()


def test_config_round_trips_through_the_manifest(results):
    again = simsales.run(results.record.config, workers=1)
    pd.testing.assert_frame_equal(again.replications, results.replications)


def test_real_command_line(tmp_path: Path):
    exp = tmp_path / "exp.toml"
    exp.write_text(
        'name = "cli"\nseed = 3\nreplications = 2\nhorizon_days = 30.0\n'
        '[[strategies]]\nname = "push"\n[[strategies]]\nname = "insight"\n'
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simsales",
            "run",
            str(exp),
            "--out",
            str(out),
            "--replications",
            "3",
            "--seed",
            "4",
            "--workers",
            "2",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "conversion" in proc.stdout and "insight" in proc.stdout
    for f in FILES:
        assert (out / f).is_file(), f
    record = load_record(out)
    assert record.replications == 3 and record.seed == 4  # overrides applied
    proc = subprocess.run(
        [sys.executable, "-m", "simsales", "validate", str(exp)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "ok" in proc.stdout


def test_default_output_folder_is_results_name(tmp_path: Path, monkeypatch):
    from typer.testing import CliRunner

    from simsales.cli import app

    exp = tmp_path / "exp.toml"
    exp.write_text('name = "here"\nseed = 3\nreplications = 1\nhorizon_days = 10.0\n')
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["run", str(exp), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "results" / "here" / "summary.csv").is_file()


def test_timeseries_counts_customers_by_orbit(results):
    ts = results.timeseries
    orbits = [
        "awareness", "potential", "benefit", "observation", "acquisition", "installation",
        "adaptation", "belief", "expansion", "refer", "zealot", "churned",
    ]  # fmt: skip
    assert list(ts.columns) == ["replication", "strategy", "month", *orbits, "revenue", "cost"]
    assert (ts[orbits] >= 0).all().all()
    # booked revenue never exceeds all revenue; post-sale customers never exceed wins
    per = ts.groupby(["replication", "strategy"])
    rev = per["revenue"].sum()
    reps = results.replications.set_index(["replication", "strategy"])
    assert (rev <= reps["revenue_total"].reindex(rev.index) + 1e-9).all()
    post = ts[orbits[5:11]].sum(axis=1).groupby([ts["replication"], ts["strategy"]]).max()
    assert (post <= reps["wins"].reindex(post.index)).all()


def test_declared_comparisons_are_written(tmp_path: Path):
    res = simsales.run(
        small_experiment(
            replications=4,
            strategies=[
                {"name": "full", "strategy": "push", "params": {"invest_after_sale": True}},
                {"name": "lean", "strategy": "push"},
            ],
            compare=[["full", "lean"]],
            compare_metrics=["total_cost_of_sales", "post_sale_hours"],
        ),
        workers=1,
    )
    comp = declared_comparisons(res)
    assert list(comp["metric"]) == ["total_cost_of_sales", "post_sale_hours"]
    reps = res.replications.set_index(["replication", "strategy"])
    d = reps.xs("full", level=1)["post_sale_hours"] - reps.xs("lean", level=1)["post_sale_hours"]
    assert comp.iloc[1]["diff"] == pytest.approx(d.mean())
    out = save_results(res, tmp_path / "c")
    assert pd.read_csv(out / "comparisons.csv").shape[0] == 2


def test_printed_summary_marks_means_over_fewer_replications():
    """A metric undefined in some replications (cost per win with no win) is
    printed with how many replications its mean is over, and a note says so."""
    from simsales.cli.common import out
    from simsales.cli.run import _SHOWN, print_summary
    from simsales.store.results import Results

    rows = []
    for r in range(4):
        for s in ("a", "b"):
            row = {m: 0.5 for m, *_ in _SHOWN}
            row.update(replication=r, strategy=s)
            if s == "b" and r < 1:
                row["cost_per_win"] = float("nan")  # b won nothing in replication 0
            rows.append(row)
    res = Results(pd.DataFrame(rows), {"config": {"name": "t", "seed": 0, "replications": 4}})
    with out.capture() as captured:
        print_summary(res)
    text = captured.get()
    b_row = next(line for line in text.splitlines() if "│ b" in line)
    a_row = next(line for line in text.splitlines() if "│ a" in line)
    assert "(3)" in b_row and "(" not in a_row.replace("│", "")
    assert "defined in only n of the replications run" in text
    # a replication that failed (absent for every metric) is not an undefined metric
    failed = Results(
        pd.DataFrame(rows[2:]), {"config": {"name": "t", "seed": 0, "replications": 4}}
    )
    with out.capture() as captured:
        print_summary(failed)
    assert "(" not in "".join(line for line in captured.get().splitlines() if "│ a" in line)


def test_run_summary_names_each_design_point_by_its_values(tmp_path: Path):
    from typer.testing import CliRunner

    from simsales.cli import app

    f = tmp_path / "sweep.toml"
    f.write_text(
        'name = "sw"\nseed = 1\nreplications = 2\nhorizon_days = 30.0\n'
        'sweep = {method = "grid", parameters = {"population.urgency.b" = [2.0, 4.5], '
        '"market.lead_rate" = [1.0]}}\n[[strategies]]\nname = "push"\n'
    )
    args = ["run", str(f), "--out", str(tmp_path / "o"), "--workers", "1", "--no-report"]
    r = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "point 0 (b=2, lead_rate=1): push" in r.output
    assert "point 1 (b=4.5, lead_rate=1): push" in r.output
