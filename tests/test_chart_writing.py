"""Charts written by several processes at once (simsales.plots.writing): the same
files as one process writes, drawn elsewhere, and a chart's error reaches the caller."""

from __future__ import annotations

import multiprocessing as mp
import os
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


def _drawn_by(log: Path, stem: str) -> Figure:
    """A small figure, after noting which process drew it."""
    with log.open("a") as f:
        f.write(f"{stem} {os.getpid()}\n")
    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    return fig


def _fails() -> Figure:
    raise ValueError("no data to draw")


def _logged(tmp_path: Path, n: int) -> tuple[Path, list[Chart]]:
    log = tmp_path / "drawn.txt"
    charts = [Chart(f"c{i}", "", partial(_drawn_by, log, f"c{i}")) for i in range(n)]
    return log, charts


@pytest.mark.render
def test_charts_written_by_two_processes_are_byte_for_byte_those_one_writes(tmp_path: Path):
    results = simsales.run(small_experiment(), workers=1)
    charts = result_charts(results)[:3]  # a violin, an ECDF and a bar chart, for real
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    write_charts(charts, one, workers=1)
    write_charts(charts, two, workers=2)
    files = sorted(p.name for p in one.iterdir())
    assert files == sorted(p.name for p in two.iterdir())
    assert len(files) == 2 * len(charts)  # a PNG and a PDF each
    for name in files:
        assert (one / name).read_bytes() == (two / name).read_bytes(), name


@pytest.mark.skipif(not FORK, reason="charts are drawn by other processes only where they fork")
def test_with_workers_the_charts_are_drawn_by_other_processes(tmp_path: Path):
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
    _, charts = _logged(tmp_path, 1)
    with pytest.raises(ValueError, match="no data to draw"):
        write_charts([*charts, Chart("bad", "", _fails)], tmp_path, workers=workers)
    assert (tmp_path / "c0.png").is_file()  # the chart before it is written


def test_workers_below_one_are_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="workers must be >= 1, got 0"):
        write_charts([], tmp_path, workers=0)
