"""The SimPy engine with and without its raised garbage-collection threshold.

Run:  python benchmarks/gc_threshold.py [--leads N] [--repeat K]

A run makes millions of short-lived objects and next to no reference cycles,
while the buyers alive at once are many; with Python's default first threshold
(700 allocations) the cyclic collector keeps walking them, and a full pass
walks every live buyer. :func:`simsales.engine.simulation.simulate` therefore
runs with the first threshold raised to 100,000
(:func:`~simsales.engine.simulation.fewer_collections`). This script runs one
replication of push with ``--leads`` leads (teams scaled to them, as in
``benchmarks/array_engine.py``) both ways in one process, alternating which
goes first, and prints the least CPU time of each and their ratio. The numbers
are the same either way (the script checks the journeys are equal).
"""

from __future__ import annotations

import argparse
import gc
import time
from typing import Any

import numpy as np
from array_engine import scaled

from simsales.engine.simulation import _Simulation, fewer_collections
from simsales.model.strategies import make_strategy
from simsales.runner.replications import build_world


def cpu_seconds(world: Any, raised: bool) -> tuple[float, Any]:
    """CPU time of one run of push, with the threshold raised or at Python's default."""
    strategy = make_strategy("push")
    assert gc.get_threshold()[0] == 700, "the comparison needs Python's default threshold"
    with fewer_collections(100_000 if raised else 0):  # (0: the threshold as it is)
        t0 = time.process_time()
        journeys, _ = _Simulation(world, strategy, None).run()
        return time.process_time() - t0, journeys


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--leads", type=int, default=100_000, help="leads in the replication")
    p.add_argument("--repeat", type=int, default=2, help="runs each way")
    args = p.parse_args()
    world = build_world(scaled(args.leads), 0)
    times: dict[bool, list[float]] = {True: [], False: []}
    kept = {}
    for k in range(args.repeat):
        for raised in (k % 2 == 0, k % 2 == 1):
            t, kept[raised] = cpu_seconds(world, raised)
            times[raised].append(t)
    a, b = kept[True], kept[False]
    same = all(
        np.array_equal(getattr(a, f), getattr(b, f), equal_nan=True)
        for f in ("arrival", "end", "ending", "hours")
    )
    n = len(a.ending)
    fast, slow = min(times[True]), min(times[False])
    print(
        f"{n:,} journeys: threshold 700 {slow:.1f} s ({n / slow:,.0f}/s), 100,000 "
        f"{fast:.1f} s ({n / fast:,.0f}/s): {slow / fast:.2f}x; same journeys: {same}"
    )


if __name__ == "__main__":
    main()
