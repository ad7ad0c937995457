"""How much compiling the array engine's infrastructure alone would gain.

Run:  python benchmarks/compiled_parts.py [--replications 30 300]

Needs numba, which simsales does not depend on (``pip install numba``); without
it the script says so and exits 2. It compiles the two parts of the array engine
that hold no behaviour: the Philox4x32 block function of the counter-based
streams (:func:`simsales.counter_streams.philox4x32`) and the first-come,
first-served booking of the teams (:func:`simsales.engine.team_blocks.book_blocks`,
here one request at a time, the Kiefer-Wolfowitz recursion). It checks that both
give the same numbers, bit for bit, as the numpy forms, then runs the baseline's
five strategies on the array engine in one process with and without them and
prints the CPU time of each and the gain. The rules (the behaviour) stay numpy.
docs/performance.md records the figures: what is left is in the rules.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from simsales import counter_streams
from simsales.engine import team_blocks
from simsales.engine.array import batch
from simsales.experiment.loader import resolve
from simsales.runner.replications import build_world

BASELINE = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"
M0, M1, W0, W1, MASK = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85, 0xFFFFFFFF


def compiled() -> tuple[Any, Any]:
    """The two parts compiled: ``(philox4x32, book_blocks)`` with the numpy forms' calls."""
    import numba

    @numba.njit(cache=False)
    def rounds_of(c0, c1, c2, c3, k0, k1, rounds, o0, o1, o2, o3):  # type: ignore[no-untyped-def]
        m0, m1, w0, w1 = np.uint64(M0), np.uint64(M1), np.uint64(W0), np.uint64(W1)
        mask, s32 = np.uint64(MASK), np.uint64(32)
        for i in range(c0.size):
            x0, x1, x2, x3, a, b = c0[i], c1[i], c2[i], c3[i], k0[i], k1[i]
            for _ in range(rounds):
                p0, p1 = m0 * x0, m1 * x2
                x0, x1, x2, x3 = (
                    ((p1 >> s32) ^ x1 ^ a) & mask, p1 & mask, ((p0 >> s32) ^ x3 ^ b) & mask,
                    p0 & mask,
                )  # fmt: skip
                a, b = (a + w0) & mask, (b + w1) & mask
            o0[i], o1[i], o2[i], o3[i] = x0, x1, x2, x3

    def philox4x32(counter: Any, key: Any, rounds: int = counter_streams.ROUNDS) -> Any:
        words = np.broadcast_arrays(*(np.asarray(w, dtype=np.uint64) for w in (*counter, *key)))
        flat = [np.ascontiguousarray(w).ravel() for w in words]
        out = [np.empty(flat[0].size, np.uint64) for _ in range(4)]
        rounds_of(*flat, rounds, *out)
        return tuple(o.reshape(words[0].shape) for o in out)

    @numba.njit(cache=False)
    def book(free, team, now, duration, order, out):  # type: ignore[no-untyped-def]
        width = free.shape[1]
        for r in order:
            g, t = team[r], now[r]
            f = free[g, 0]  # the earliest free member (each row sorted)
            delay = (f - t if f > t else 0.0) + duration[r]
            end = t + delay
            k = 0  # the member is free again at `end`: keep the row sorted
            while k + 1 < width and free[g, k + 1] < end:
                free[g, k] = free[g, k + 1]
                k += 1
            free[g, k] = end
            out[r] = delay

    def book_blocks(free: Any, team: Any, now: Any, duration: Any) -> Any:
        team = np.asarray(team, dtype=np.int64)
        now = np.asarray(now, dtype=np.float64)
        duration = np.asarray(duration, dtype=np.float64)
        out = np.empty(len(now))
        if len(now):
            book(free, team, now, duration, np.lexsort((now, team)), out)
        return out

    return philox4x32, book_blocks


def same_numbers(philox4x32: Any, book_blocks: Any) -> bool:
    """Whether the compiled parts give the numpy forms' numbers, bit for bit."""
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2**32, (2, 1000), dtype=np.uint64)
    counter = tuple(rng.integers(0, 2**32, (4, 1000), dtype=np.uint64))
    same = all(
        np.array_equal(a, b)
        for a, b in zip(
            counter_streams.philox4x32(counter, tuple(keys)),
            philox4x32(counter, tuple(keys)),
            strict=True,
        )
    )
    for _ in range(20):
        free = team_blocks.free_times(rng.integers(1, 7, 50))
        free2 = free.copy()
        team, now = rng.integers(0, 50, 400), np.sort(rng.uniform(0, 10, 400))
        duration = rng.exponential(0.5, 400)
        a = team_blocks.book_blocks(free, team, now, duration)
        b = book_blocks(free2, team, now, duration)
        same = same and np.array_equal(a, b) and np.array_equal(free, free2)
    return same


def cpu(replications: int) -> tuple[float, int]:
    """CPU seconds and journeys of the baseline's replications in one array batch."""
    config = resolve(BASELINE)
    worlds = [build_world(config, r) for r in range(replications)]
    built = [s.build() for s in config.strategies]
    t0 = time.process_time()
    out = batch.simulate_batch(worlds, built)
    return time.process_time() - t0, sum(len(j) for row in out for j, _ in row)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replications", type=int, nargs="+", default=[30, 300])
    args = p.parse_args()
    try:
        philox4x32, book_blocks = compiled()
    except ImportError:
        print("this benchmark needs numba (pip install numba); simsales does not", file=sys.stderr)
        sys.exit(2)
    t0 = time.perf_counter()
    print(f"same numbers as numpy: {same_numbers(philox4x32, book_blocks)}", end="")
    print(f" (compiling took {time.perf_counter() - t0:.2f} s)")
    numpy_forms = counter_streams.philox4x32, batch.book_blocks
    for n in args.replications:
        plain, journeys = cpu(n)
        counter_streams.philox4x32, batch.book_blocks = philox4x32, book_blocks
        try:
            fast, again = cpu(n)
        finally:
            counter_streams.philox4x32, batch.book_blocks = numpy_forms
        assert again == journeys
        print(
            f"{n} replications x 5 strategies, {journeys} journeys: numpy {plain:.2f} s, "
            f"compiled parts {fast:.2f} s of CPU, {plain / fast:.2f}x"
        )


if __name__ == "__main__":
    main()
