"""Benchmark: simulated customer journeys per second on the baseline experiment.

Run:  python benchmarks/bench_baseline.py [--replications N] [--workers W]

Prints figures; asserts nothing (speed targets are checked by reading these
figures, not in unit tests).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import simsales

BASELINE = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replications", type=int, default=10)
    p.add_argument("--workers", type=int, default=1)
    args = p.parse_args()
    t0 = time.perf_counter()
    res = simsales.run(BASELINE, replications=args.replications, workers=args.workers)
    wall = time.perf_counter() - t0
    journeys = int(res.replications["leads"].sum())  # one journey per lead per strategy
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"replications: {args.replications}, workers: {args.workers}")
    print(f"customer journeys: {journeys}")
    print(f"wall time: {wall:.2f} s")
    print(f"journeys per second: {journeys / wall:,.0f}")
    print(f"journeys per second per worker: {journeys / wall / args.workers:,.0f}")


if __name__ == "__main__":
    main()
