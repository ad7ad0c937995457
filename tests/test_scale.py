"""Runs at scale: failure isolation, streaming parts and resume, the Dask backend."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import simsales
import simsales.runner.replications as runner
from simsales.analysis.summary import summary_table
from simsales.cli import app
from simsales.runner.run import RunFailed
from simsales.store.errors import StoreError
from simsales.store.record import load_record

from worlds import small_experiment


@pytest.fixture
def broken_replication_1(monkeypatch):
    real = runner.run_replication

    def flaky(config, replication, *args, **kwargs):
        if replication == 1:
            raise RuntimeError("replication one exploded")
        return real(config, replication, *args, **kwargs)

    monkeypatch.setattr(runner, "run_replication", flaky)


def test_one_failing_replication_is_isolated(broken_replication_1, tmp_path: Path):
    with pytest.raises(RunFailed) as info:
        simsales.run(small_experiment(), workers=1, out=tmp_path / "o")
    err = info.value
    assert [f.replication for f in err.failures] == [1]
    f = err.failures[0]
    assert f.seed == 11 and f.spawn_key == (1,) and "replication one exploded" in f.error
    assert sorted(err.results.replications["replication"].unique()) == [0, 2]
    assert load_record(tmp_path / "o").failures[0].replication == 1


def test_cli_names_the_failed_replication_and_exits_1(broken_replication_1, tmp_path: Path):
    f = tmp_path / "exp.toml"
    f.write_text('name = "x"\nseed = 11\nreplications = 3\nhorizon_days = 30.0\n')
    res = CliRunner().invoke(app, ["run", str(f), "--out", str(tmp_path / "o"), "--workers", "1"])
    assert res.exit_code == 1
    assert "replication 1 (root seed 11" in res.output and "exploded" in res.output
    assert (tmp_path / "o" / "summary.csv").is_file()  # the others are saved


def test_parts_are_written_per_replication(tmp_path: Path):
    res = simsales.run(small_experiment(), workers=1, out=tmp_path / "o")
    parts = sorted(p.name for p in (tmp_path / "o" / "parts").glob("*.parquet"))
    assert parts == [f"{k}-00000-{r:06d}.parquet" for k in ("rep", "ts") for r in range(3)]
    back = pd.read_parquet(tmp_path / "o" / "replications.parquet")
    pd.testing.assert_frame_equal(back, res.replications)


def test_resume_refuses_another_experiment(tmp_path: Path):
    simsales.run(small_experiment(), workers=1, out=tmp_path / "o")
    with pytest.raises(StoreError, match="another experiment or seed"):
        simsales.run(small_experiment(seed=99), workers=1, out=tmp_path / "o", resume=True)


def test_resume_with_more_replications_computes_only_the_new_ones(tmp_path: Path):
    simsales.run(small_experiment(replications=2), workers=1, out=tmp_path / "o")
    seen: list[int] = []
    res = simsales.run(
        small_experiment(replications=4), workers=1, out=tmp_path / "o", resume=True,
        on_done=seen.append,
    )  # fmt: skip
    assert res.record.resumed_replications == 2
    full = simsales.run(small_experiment(replications=4), workers=1)
    pd.testing.assert_frame_equal(res.replications, full.replications, check_exact=True)


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_results(tmp_path: Path):
    exp = tmp_path / "exp.toml"
    exp.write_text('name = "k"\nseed = 5\nreplications = 16\nhorizon_days = 60.0\n')
    out = tmp_path / "o"
    cmd = [sys.executable, "-m", "simsales", "run", str(exp), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list((out / "parts").glob("rep-*.parquet"))) < 3:
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # no chance to clean up
    proc.wait()
    killed_at = len(list((out / "parts").glob("rep-*.parquet")))
    assert 3 <= killed_at < 16
    assert not (out / "replications.parquet").exists()
    done = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "resumed" in done.stdout
    resumed = pd.read_parquet(out / "replications.parquet")
    again = simsales.run(exp, workers=2).replications
    pd.testing.assert_frame_equal(resumed, again, check_exact=True)
    assert load_record(out).resumed_replications >= killed_at - 1  # a part may land while killed


def test_dask_local_cluster_gives_the_same_numbers():
    pytest.importorskip("distributed")
    local = simsales.run(small_experiment(), workers=1).replications
    dask = simsales.run(small_experiment(), workers=2, backend="dask").replications
    pd.testing.assert_frame_equal(local, dask, check_exact=True)


def test_precision_adds_replications_until_the_target():
    # half-widths shrink as 1 / sqrt(n): from 3 replications a target about
    # half the first half-width needs roughly four times as many
    cfg = small_experiment(strategies=[{"name": "push"}], replications=3)
    first = simsales.run(cfg, workers=1)
    hw0 = float((summary_table(first).query("metric == 'conversion'")[["ci_low", "ci_high"]])
                .diff(axis=1).iloc[0, 1]) / 2  # fmt: skip
    target = hw0 / 2
    res = simsales.run(cfg, workers=1, precision=target, max_replications=200)
    p = res.record.precision
    assert p is not None and p.met and p.replications > 3
    assert p.half_widths["push"]["conversion"] <= target
    # the same numbers as a plain run of that many replications
    plain = simsales.run({**cfg, "replications": p.replications}, workers=1)
    pd.testing.assert_frame_equal(res.replications, plain.replications, check_exact=True)


def test_precision_stops_at_the_cap_and_says_so():
    cfg = small_experiment(strategies=[{"name": "push"}], replications=3)
    res = simsales.run(cfg, workers=1, precision=1e-6, max_replications=5)
    p = res.record.precision
    assert p is not None and not p.met and p.replications == 5 and len(res.replications) == 5


def test_loose_precision_adds_nothing():
    cfg = small_experiment(strategies=[{"name": "push"}], replications=3)
    res = simsales.run(cfg, workers=1, precision=0.5)  # a half-width of half the range
    assert res.record.precision is not None and res.record.precision.met
    assert len(res.replications) == 3
