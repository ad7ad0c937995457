"""One run per results folder at a time: the folder's lock.

A second run into a folder another process holds is refused (exit 2, naming
the process and the folder); a lock left by a process that has ended is taken
over with a note; the lock covers the whole command, report included, and is
gone however the command ends.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import simsales
from simsales.cli import app
from simsales.store.lock import LOCK, FolderBusy, FolderNote, folder_lock, lock_holder

runner = CliRunner()

EXPERIMENT = """name = "locked"
seed = 1
replications = 2
horizon_days = 30.0
[[strategies]]
name = "push"
[[strategies]]
name = "insight"
"""

#: A process that holds the lock of a folder until its stdin is closed.
HOLDER = """
import sys
from simsales.store.lock import folder_lock
with folder_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture(autouse=True)
def _no_charts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Charts are beside the point here and take most of a small run's time."""
    from simsales.store.results import Results

    monkeypatch.setattr(Results, "chart_list", lambda self, metrics=None: [])


@pytest.fixture
def experiment(tmp_path: Path) -> Path:
    f = tmp_path / "locked.toml"
    f.write_text(EXPERIMENT)
    return f


def _run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, [*args, "--workers", "1"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.output


def _ended_pid() -> int:
    """The id of a process that has ended (and was reaped)."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(proc.stdout)


def test_a_second_run_into_a_folder_in_use_is_refused_with_exit_2(tmp_path, experiment):
    out = tmp_path / "X"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, text = _run("run", str(experiment), "--out", str(out))
        assert code == 2, text
        assert f"process {holder.pid}" in text and "in use by another simsales run" in text
        assert str(out) in text and "Traceback" not in text
        assert not (out / "parts").exists() and not (out / "manifest.json").exists()
        with pytest.raises(FolderBusy, match=f"process {holder.pid}"):
            simsales.run(experiment, workers=1, out=out)
        # the analyses, which write into the folder too, wait their turn
        code, text = _run("select", str(experiment), "--out", str(out), "--metric",
                          "conversion", "--delta", "0.01")  # fmt: skip
        assert code == 2 and f"process {holder.pid}" in text
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert not (out / LOCK).exists()  # released by its holder
    code, text = _run("run", str(experiment), "--out", str(out), "--no-report")
    assert code == 0, text


def test_the_lock_covers_the_whole_run_report_included(tmp_path, experiment, monkeypatch):
    import simsales.reporting as reporting

    out = tmp_path / "o"
    seen = []
    write = reporting.write_report

    def watched(*args, **kwargs):
        seen.append(lock_holder(out))
        return write(*args, **kwargs)

    monkeypatch.setattr(reporting, "write_report", watched)
    code, text = _run("run", str(experiment), "--out", str(out))
    assert code == 0, text
    assert len(seen) == 1 and seen[0] is not None and seen[0]["pid"] == os.getpid()
    assert not (out / LOCK).exists()  # and never left in a finished folder


def test_a_stale_lock_is_taken_over_with_a_note(tmp_path, experiment):
    out = tmp_path / "o"
    out.mkdir()
    pid = _ended_pid()
    stale = {"pid": pid, "host": socket.gethostname(), "started": "2026-01-01T00:00:00+00:00"}
    (out / LOCK).write_text(json.dumps(stale))
    code, text = _run("run", str(experiment), "--out", str(out), "--no-report")
    assert code == 0, text
    assert "note:" in text and "taken over" in text and f"process {pid}" in text
    assert not (out / LOCK).exists() and (out / "manifest.json").is_file()


def test_an_unreadable_lock_is_stale_and_one_of_another_host_is_not(tmp_path):
    out = tmp_path / "o"
    out.mkdir()
    (out / LOCK).write_bytes(b"\x00\xff garbage")
    with pytest.warns(FolderNote, match="cannot be read"), folder_lock(out):
        assert lock_holder(out)["pid"] == os.getpid()  # type: ignore[index]
    assert not (out / LOCK).exists()
    other = {"pid": 1, "host": socket.gethostname() + "-elsewhere", "started": "now"}
    (out / LOCK).write_text(json.dumps(other))
    with pytest.raises(FolderBusy, match="-elsewhere"), folder_lock(out):
        pass
    assert json.loads((out / LOCK).read_text()) == other  # left as it was


def test_the_lock_is_released_after_a_failure_and_after_ctrl_c(tmp_path, experiment, monkeypatch):
    out = tmp_path / "o"
    assert _run("run", str(experiment), "--out", str(out), "--no-report")[0] == 0
    # bad input found inside the lock (a part of another seed, with --resume): exit 2
    (out / "parts" / "rep-00000-000009.parquet").write_bytes(b"not ours")
    code, text = _run("run", str(experiment), "--out", str(out), "--resume")
    assert code == 2 and "rep-00000-000009.parquet" in text, text
    assert not (out / LOCK).exists()
    (out / "parts" / "rep-00000-000009.parquet").unlink()

    import simsales.runner.run as api

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "run_replications", interrupted)
    code, text = _run("run", str(experiment), "--out", str(out), "--resume")
    assert code == 130, text
    assert not (out / LOCK).exists()

    def failing(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(api, "run_replications", failing)
    with pytest.raises(RuntimeError, match="disk on fire"):
        simsales.run(experiment, workers=1, out=out, resume=True)
    assert not (out / LOCK).exists()


def test_the_lock_is_reentrant_within_a_process_and_not_a_foreign_file(tmp_path):
    from simsales.store.folder import foreign_files

    out = tmp_path / "o"
    with folder_lock(out), folder_lock(out):
        assert (out / LOCK).is_file()
        assert foreign_files(out) == []
    assert not (out / LOCK).exists()
