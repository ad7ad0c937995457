"""The SimPy engine's first block of uniforms: 48 per lead as a list, against today's.

Run:  python benchmarks/first_width.py [--worlds N] [--repeat K]

A marketing lead of an unlimited market takes its first uniforms from its row
of a block drawn for 256 leads at once; only when they run out does it build a
``Generator`` of its own (a ``SeedSequence`` and a PCG64, about 21 µs). Up to
0.2.0 a row was 48 uniforms, copied into a list of Python floats; since then it
is ``FIRST_WIDTH`` uniforms (128), handed over as a ``memoryview`` of a copy of
the row. This script runs the same baseline worlds both ways in one process,
interleaved, and prints the share of the customers' streams that built a
generator, the least CPU time of each way and their ratio. The two ways give
different numbers (a lead's 49th to 128th uniforms came from its own stream
before and come from its block now), so the script compares time only.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import simsales.engine.simulation as simulation
import simsales.model.draws as draws_module
from simsales.engine.simulation import simulate
from simsales.engine.world import World
from simsales.experiment.loader import load_experiment
from simsales.model.draws import Draws
from simsales.runner.replications import build_world
from simsales.seeding import FIRST_BLOCKS, FIRST_CHUNK, FIRST_WIDTH, generator

BASELINE = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"
#: The width of a lead's row up to 0.2.0.
OLD_WIDTH = 48


def old_draws(self: Any, path: tuple[int, ...]) -> Draws:
    """``_Simulation.draws`` as it was up to 0.2.0: rows of 48, copied to a list."""
    seed = self.world.decision_seed
    if self.market is not None or len(path) > 1:
        return Draws(seed, path)
    c, r = divmod(path[0], FIRST_CHUNK)
    if self.chunk is None or self.chunk[0] != c:
        block = generator(seed, FIRST_BLOCKS, c).random((FIRST_CHUNK, OLD_WIDTH))
        self.chunk = (c, block)
    return Draws(seed, path, self.chunk[1][r].tolist())


def run(worlds: list[World], strategies: list[Any], old: bool) -> tuple[float, int, int]:
    """CPU time of every strategy in every world, the customers' streams made
    and how many of them built a ``Generator``."""
    new_draws = simulation._Simulation.draws
    streams = [0, 0]
    made = draws_module.generator
    init = Draws.__init__

    def counted_generator(*args: Any) -> Any:
        streams[1] += 1
        return made(*args)

    def counted_init(self: Draws, *args: Any, **kwargs: Any) -> None:
        streams[0] += 1
        init(self, *args, **kwargs)

    patched: Callable[..., Draws] = old_draws if old else new_draws
    simulation._Simulation.draws = patched  # type: ignore[method-assign]
    try:
        t0 = time.process_time()
        for world in worlds:
            for spec in strategies:
                simulate(world, spec.build())
        seconds = time.process_time() - t0
        # a second pass counts (the counting itself costs time)
        draws_module.generator = counted_generator  # type: ignore[assignment]
        Draws.__init__ = counted_init  # type: ignore[method-assign]
        for world in worlds:
            for spec in strategies:
                simulate(world, spec.build())
    finally:
        simulation._Simulation.draws = new_draws  # type: ignore[method-assign]
        draws_module.generator = made
        Draws.__init__ = init  # type: ignore[method-assign]
    return seconds, streams[0], streams[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--worlds", type=int, default=6, help="baseline replications")
    p.add_argument("--repeat", type=int, default=4, help="runs of each; the least is kept")
    args = p.parse_args()
    for name in ("worlds", "repeat"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1 (got {getattr(args, name)})")
    config = load_experiment(BASELINE)
    worlds = [build_world(config, r) for r in range(args.worlds)]
    best = {True: float("inf"), False: float("inf")}
    counts: dict[bool, tuple[int, int]] = {}
    for _ in range(args.repeat):
        for old in (True, False):
            seconds, streams, built = run(worlds, config.strategies, old)
            best[old] = min(best[old], seconds)
            counts[old] = (streams, built)
    print(
        f"baseline, {args.worlds} replications x {len(config.strategies)} strategies, "
        f"least CPU time of {args.repeat}:"
    )
    for old, label in ((True, f"{OLD_WIDTH} as a list"), (False, f"{FIRST_WIDTH} as a view")):
        streams, built = counts[old]
        print(
            f"  first uniforms {label:>13}: {best[old]:.2f} s; "
            f"{built:,} of {streams:,} streams built a Generator ({built / streams:.1%})"
        )
    print(f"  speed-up: {best[True] / best[False]:.3f}x")


if __name__ == "__main__":
    main()
