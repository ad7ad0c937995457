"""Charts written by several processes at once (simsales.plots.writing): the same
files as one process writes, drawn elsewhere, and a chart's error reaches the caller."""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from functools import partial
from pathlib import Path

import pytest
from matplotlib.figure import Figure

import simsales
from simsales.plots.captioned import Chart
from simsales.plots.result_charts import result_charts
from simsales.plots.writing import write_charts

from worlds import small_experiment

FORK = "fork" in mp.get_all_start_methods()


def _drawn_by(log: Path, stem: str, seconds: float = 0.0) -> Figure:
    """A small figure, after noting which process drew it (and taking ``seconds``)."""
    time.sleep(seconds)
    with log.open("a") as f:
        f.write(f"{stem} {os.getpid()}\n")
    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    return fig


def _fails() -> Figure:
    raise ValueError("no data to draw")


def _interrupted() -> Figure:
    raise KeyboardInterrupt


def _logged(tmp_path: Path, n: int, seconds: float = 0.0) -> tuple[Path, list[Chart]]:
    log = tmp_path / "drawn.txt"
    charts = [Chart(f"c{i}", "", partial(_drawn_by, log, f"c{i}", seconds)) for i in range(n)]
    return log, charts


def _drawn(log: Path) -> list[str]:
    return [line.split()[0] for line in log.read_text().splitlines()] if log.exists() else []


@pytest.mark.render
def test_charts_written_by_two_processes_are_byte_for_byte_those_one_writes(tmp_path: Path):
    results = simsales.run(small_experiment(), workers=1)
    charts = result_charts(results)[:3]  # a violin, an ECDF and a bar chart, for real
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    write_charts(charts, two, workers=2)  # first: the children start with cold caches
    write_charts(charts, one, workers=1)
    files = sorted(p.name for p in one.iterdir())
    assert files == sorted(p.name for p in two.iterdir())
    assert len(files) == 2 * len(charts)  # a PNG and a PDF each
    for name in files:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


@pytest.mark.skipif(not FORK, reason="charts are drawn by other processes only where they fork")
def test_with_workers_the_charts_are_drawn_by_other_processes(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # (a runner with one core)
    log, charts = _logged(tmp_path, 4)
    write_charts(charts, tmp_path, workers=2)
    drawn = dict(line.split() for line in log.read_text().splitlines())
    assert sorted(drawn) == ["c0", "c1", "c2", "c3"]
    assert str(os.getpid()) not in drawn.values()
    assert all((tmp_path / f"c{i}.{ext}").is_file() for i in range(4) for ext in ("png", "pdf"))


def test_one_worker_draws_here_in_order(tmp_path: Path):
    log, charts = _logged(tmp_path, 3)
    write_charts(charts, tmp_path, workers=1)
    lines = [line.split() for line in log.read_text().splitlines()]
    assert [stem for stem, _ in lines] == ["c0", "c1", "c2"]
    assert {pid for _, pid in lines} == {str(os.getpid())}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_charts_error_reaches_the_caller(tmp_path: Path, workers: int):
    log, charts = _logged(tmp_path, 1)
    with pytest.raises(ValueError, match="no data to draw"):
        write_charts([*charts, Chart("bad", "", _fails)], tmp_path, workers=workers)
    assert _drawn(log) == ["c0"] and (tmp_path / "c0.png").is_file()  # the chart before it


@pytest.mark.skipif(not FORK, reason="charts are drawn by other processes only where they fork")
@pytest.mark.parametrize("bad", [_fails, _interrupted])
def test_after_an_error_or_an_interruption_no_more_charts_start(tmp_path: Path, bad, monkeypatch):
    # the first chart fails at once, while the others take a while each: the call
    # returns once the charts already handed out are written, and starts no others
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    log, slow = _logged(tmp_path, 8, seconds=0.3)
    with pytest.raises((ValueError, KeyboardInterrupt)):
        write_charts([Chart("bad", "", bad), *slow], tmp_path, workers=2)
    assert not mp.active_children()  # no process is left drawing
    drawn = _drawn(log)
    assert len(drawn) < 8  # those not yet started were cancelled
    assert all((tmp_path / f"{stem}.png").is_file() for stem in drawn)  # and no more come
    time.sleep(0.5)
    assert _drawn(log) == drawn


def test_workers_below_one_are_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="workers must be >= 1, got 0"):
        write_charts([], tmp_path, workers=0)
