"""The SimPy engine's first block of uniforms: 48 per lead as a list, against today's.

Run:  python benchmarks/first_width.py [--worlds N] [--repeat K]

A marketing lead of an unlimited market takes its first uniforms from its row
of a block drawn for 256 leads at once; only when they run out does it build a
``Generator`` of its own (a ``SeedSequence`` and a PCG64, about 21 µs). Up to
0.2.0 a row was 48 uniforms, copied into a list of Python floats; since then it
is ``FIRST_WIDTH`` uniforms (128), handed over as an ``array.array("d")``. This
script runs the same baseline worlds both ways in one process, alternating
which goes first, and prints the share of the customers' streams that built a
generator, the least and the median CPU time of each way and their ratios (on
a noisy machine the two differ: the effect is a few percent). The two ways
give different numbers (the block is laid out anew, so every lead's first
uniforms differ), so the script compares time only.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any
from unittest import mock

from baseline_worlds import parse

import simsales.engine.simulation as simulation
import simsales.model.draws as draws_module
from simsales.engine.simulation import simulate
from simsales.engine.world import World
from simsales.model.draws import Draws
from simsales.seeding import FIRST_BLOCKS, FIRST_CHUNK, FIRST_WIDTH, generator

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


def run_all(worlds: list[World], strategies: list[Any], old: bool) -> None:
    """Every strategy in every world, with the lead's rows the old way or today's."""
    draws = old_draws if old else simulation._Simulation.draws
    with mock.patch.object(simulation._Simulation, "draws", draws):
        for world in worlds:
            for spec in strategies:
                simulate(world, spec.build())


def cpu_seconds(worlds: list[World], strategies: list[Any], old: bool) -> float:
    """CPU time of :func:`run_all`."""
    gc.collect()
    t0 = time.process_time()
    run_all(worlds, strategies, old)
    return time.process_time() - t0


def streams_built(worlds: list[World], strategies: list[Any], old: bool) -> tuple[int, int]:
    """The customers' streams made, and how many of them built a ``Generator``."""
    made = mock.Mock(wraps=draws_module.generator)
    init = mock.Mock(wraps=Draws.__init__)

    def counted_init(self: Draws, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)

    with (
        mock.patch.object(draws_module, "generator", made),
        mock.patch.object(Draws, "__init__", counted_init),
    ):
        run_all(worlds, strategies, old)
    return init.call_count, made.call_count


def main() -> None:
    args, config, worlds = parse(__doc__.splitlines()[0], 8, "timed runs of each way")
    times: dict[bool, list[float]] = {True: [], False: []}
    for k in range(args.repeat):
        for old in (True, False) if k % 2 == 0 else (False, True):  # neither always first
            times[old].append(cpu_seconds(worlds, config.strategies, old))
    print(
        f"baseline, {args.worlds} replications x {len(config.strategies)} strategies, "
        f"CPU time of {args.repeat} runs each, alternating (least / median):"
    )
    for old, label in ((True, f"{OLD_WIDTH} as a list"), (False, f"{FIRST_WIDTH} as an array")):
        streams, built = streams_built(worlds, config.strategies, old)
        print(
            f"  first uniforms {label:>15}: {min(times[old]):.2f} / "
            f"{statistics.median(times[old]):.2f} s; {built:,} of {streams:,} streams "
            f"built a Generator ({built / streams:.1%})"
        )
    least = min(times[True]) / min(times[False])
    median = statistics.median(times[True]) / statistics.median(times[False])
    print(f"  speed-up: {least:.3f}x (least), {median:.3f}x (median)")


if __name__ == "__main__":
    main()
