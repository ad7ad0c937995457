"""Benchmark: a four-parameter calibration on the shipped example export.

Run:  python benchmarks/calibration.py [--workers 2] [--method msm|abc] [--engine simpy|array]

Calibrates experiments/calibration.toml (four parameters, its default
settings) to experiments/data/example_crm.csv into a temporary folder, and
prints the number of simulated exports, the wall time, the time per
simulation (wall × workers / simulations: core-seconds each) and whether the
whole calibration took under 10 minutes, on the engine the calibration
chooses (the SimPy engine for simulated moments, the array engine for ABC,
as the file names none) or ``--engine``. Nothing is asserted; the figures are
recorded in docs/performance.md and docs/calibration.md.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from simsales.calibration.fit import calibrate
from simsales.data.crm import read_opportunities
from simsales.experiment.loader import load_experiment

ROOT = Path(__file__).resolve().parents[1]
FILE = ROOT / "experiments" / "calibration.toml"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--method", choices=["msm", "abc"], default=None)
    ap.add_argument("--engine", choices=["simpy", "array"], default=None)
    args = ap.parse_args()
    config = load_experiment(FILE, **({"engine": args.engine} if args.engine else {}))
    assert config.calibrate is not None and config.data is not None
    spec = config.calibrate
    if args.method:
        spec = spec.model_copy(update={"method": args.method})
    frame = read_opportunities(FILE.parent / str(config.data.path), config.data)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = calibrate(config, frame, spec, Path(tmp), workers=args.workers)
        wall = time.perf_counter() - t0
    n = result.info["simulations"]
    print(json.dumps({
        "method": spec.method, "engine": result.info["engine"],
        "parameters": len(spec.parameters), "opportunities": len(frame),
        "workers": args.workers, "cpus": os.cpu_count(), "simulations": n,
        "wall_seconds": round(wall, 1),
        "core_seconds_per_simulation": round(wall * args.workers / max(n, 1), 4),
        "under_10_minutes": wall < 600,
    }, indent=2))  # fmt: skip
    for line in result.words():
        print("-", line)


if __name__ == "__main__":
    main()
