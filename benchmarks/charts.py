"""Writing a results folder's charts: one process against several.

Run:  python benchmarks/charts.py [--workers 2]

Runs the baseline experiment (in memory), then writes its charts (PNG at 300
dpi and PDF, as ``simsales run`` does) twice: one after another, and by
``--workers`` processes at once (:func:`simsales.plots.writing.write_charts`).
Prints the wall time of each, the speed-up, and whether every file is the same
byte for byte. docs/performance.md records the figures.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import simsales
from simsales.plots.result_charts import result_charts
from simsales.plots.writing import write_charts

BASELINE = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes")
    args = p.parse_args()
    results = simsales.run(BASELINE)
    charts = result_charts(results)
    with tempfile.TemporaryDirectory() as tmp:
        walls = {}
        for workers in (1, args.workers):
            folder = Path(tmp) / str(workers)
            folder.mkdir(exist_ok=True)
            t0 = time.perf_counter()
            write_charts(charts, folder, workers)
            walls[workers] = time.perf_counter() - t0
            print(f"{len(charts)} charts, {workers} process(es): {walls[workers]:.2f} s wall")
        one, many = Path(tmp) / "1", Path(tmp) / str(args.workers)
        names = sorted(f.name for f in one.iterdir())
        same = names == sorted(f.name for f in many.iterdir()) and all(
            (one / n).read_bytes() == (many / n).read_bytes() for n in names
        )
    print(f"speed-up {walls[1] / walls[args.workers]:.2f}x; files byte-identical: {same}")


if __name__ == "__main__":
    main()
