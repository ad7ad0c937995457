"""The SimPy clock as Python floats against numpy scalars, on the baseline.

Run:  python benchmarks/clock.py [--worlds N] [--repeat K]

Arrival times are drawn as a numpy array. Handed to ``env.timeout`` as numpy
scalars they made SimPy's clock (``env.now``) a ``numpy.float64`` for nearly
every event, and so all the engine's time arithmetic numpy scalar arithmetic:
the same IEEE doubles, each operation several times slower. The engine now
hands them over as Python floats (``arrivals.tolist()``). This script runs the
same worlds both ways in one process, interleaved, and prints the least CPU
time of each and their ratio (the numbers are bit-identical either way:
``tests/test_committed_results.py``).
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import numpy as np
from baseline_worlds import parse

from simsales.engine.simulation import simulate
from simsales.engine.world import World


class _ScalarArrivals(np.ndarray):
    """Arrival times that iterate as numpy scalars, as before the change."""

    def tolist(self) -> Any:  # type: ignore[override]
        return np.asarray(self)


def cpu_seconds(worlds: list[World], strategies: list[Any], numpy_clock: bool) -> float:
    """CPU time of every strategy in every world."""
    t0 = time.process_time()
    for w in worlds:
        world = w
        if numpy_clock:
            world = dataclasses.replace(w, arrivals=w.arrivals.view(_ScalarArrivals))
        for spec in strategies:
            simulate(world, spec.build())
    return time.process_time() - t0


def main() -> None:
    args, config, worlds = parse(__doc__.splitlines()[0], 4, "runs of each; the least is kept")
    best = {True: float("inf"), False: float("inf")}
    for _ in range(args.repeat):
        for numpy_clock in (True, False):
            t = cpu_seconds(worlds, config.strategies, numpy_clock)
            best[numpy_clock] = min(best[numpy_clock], t)
    print(
        f"baseline, {args.worlds} replications x {len(config.strategies)} strategies, "
        f"least CPU time of {args.repeat}:"
    )
    print(f"  clock as numpy scalars: {best[True]:.2f} s")
    print(f"  clock as Python floats: {best[False]:.2f} s")
    print(f"  speed-up: {best[True] / best[False]:.3f}x")


if __name__ == "__main__":
    main()
