"""simsales benchmarks: speed against bare SimPy, scaling, and memory.

Run:  python benchmarks/run.py [--quick]

Prints figures (nothing is asserted; targets are read off these numbers and
recorded in docs/performance.md):

1. customer journeys per second per core on the baseline experiment;
2. a bare SimPy loop doing the same number of processes, events and resource
   requests, and the ratio between the two (our overhead over SimPy itself);
3. wall time with 1 and 2 workers;
4. peak memory (max RSS of a fresh process) at 10k and 100k customers per
   replication, and for 4 and 16 replications with results streamed to disk.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import simpy

import simsales
from simsales.engine.simulation import simulate
from simsales.experiment.api import resolve
from simsales.experiment.runner import build_world

BASELINE = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    """Count SimPy events processed and resource requests made, while active."""
    counts = {"events": 0, "requests": 0}
    real_step = simpy.Environment.step
    real_request = simpy.Resource.__dict__["request"]  # a descriptor: keep it raw

    def step(self: simpy.Environment) -> None:
        counts["events"] += 1
        real_step(self)

    def request(self: simpy.Resource, *a: Any, **k: Any) -> Any:
        counts["requests"] += 1
        return real_request.__get__(self, type(self))(*a, **k)

    simpy.Environment.step = step  # type: ignore[method-assign]
    simpy.Resource.request = request  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        simpy.Environment.step = real_step  # type: ignore[method-assign]
        simpy.Resource.request = real_request  # type: ignore[method-assign]


def engine_work(replications: int) -> dict[str, float]:
    """Journeys, SimPy events and resource requests of the baseline, and its time."""
    config = resolve(BASELINE, replications=replications)
    journeys = 0
    with counting() as counts:
        for r in range(replications):
            world = build_world(config, r)
            for spec in config.strategies:
                j, _ = simulate(world, spec.build())
                journeys += len(j)
    t0 = time.perf_counter()  # timed again without the counters
    for r in range(replications):
        world = build_world(config, r)
        for spec in config.strategies:
            simulate(world, spec.build())
    wall = time.perf_counter() - t0
    return {"journeys": journeys, **counts, "wall": wall}


def bare_simpy(journeys: int, requests: int, team: int = 5) -> tuple[float, int]:
    """Seconds for bare SimPy to run as many processes and resource requests.

    Each customer process makes the same mean number of requests as in
    simsales, holding the resource briefly and waiting between requests.
    Returns the wall time and the events processed (counted in a second run).
    """
    per_req = max(1, round(requests / journeys))

    def build() -> simpy.Environment:
        env = simpy.Environment()
        res = simpy.Resource(env, capacity=team)

        def customer() -> Any:
            for _ in range(per_req):
                with res.request() as req:
                    yield req
                    yield env.timeout(0.1)
                yield env.timeout(7.0)

        def source() -> Any:
            for _ in range(journeys):
                yield env.timeout(0.05)
                env.process(customer())

        env.process(source())
        return env

    env = build()
    t0 = time.perf_counter()
    env.run()
    wall = time.perf_counter() - t0
    with counting() as counts:
        build().run()
    return wall, counts["events"]


def peak_rss_mib(code: str) -> float:
    """Max RSS of a fresh Python process running ``code``, in MiB."""
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport resource, json\n"
         "print(json.dumps(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller sizes")
    args = p.parse_args()
    reps = 2 if args.quick else 6
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, simpy {simpy.__version__}"
    )

    print("1-2. engine against bare SimPy (baseline, one process)")
    w = engine_work(reps)
    per_core = w["journeys"] / w["wall"]
    print(
        f"  journeys: {w['journeys']:,}; events: {w['events']:,}; "
        f"resource requests: {w['requests']:,}"
    )
    print(f"  simsales: {w['wall']:.2f} s = {per_core:,.0f} journeys/s per core")
    bare, bare_events = bare_simpy(int(w["journeys"]), int(w["requests"]))
    print(
        f"  bare SimPy: {bare:.2f} s = {w['journeys'] / bare:,.0f} journeys/s "
        f"({bare_events:,} events)"
    )
    print(
        f"  overhead over bare SimPy: {w['wall'] / bare:.1f}x per journey, "
        f"{(w['wall'] / w['events']) / (bare / bare_events):.1f}x per event"
    )

    print("3. scaling (baseline, whole runs)")
    n = 4 if args.quick else 12
    for workers in (1, 2):
        t0 = time.perf_counter()
        simsales.run(BASELINE, replications=n, workers=workers)
        print(f"  {workers} worker(s), {n} replications: {time.perf_counter() - t0:.2f} s")

    print("4. peak memory (max RSS of a fresh process)")
    sizes = (10_000,) if args.quick else (10_000, 100_000)
    for customers in sizes:
        rate = customers / 365.0
        code = (
            "import simsales\n"
            f"simsales.run({str(BASELINE)!r}, replications=1, workers=1, "
            f"market={{'lead_rate': {rate}}}, sellers={{'team_size': {max(5, customers // 100)}}}, "
            "strategies=[{'name': 'push'}])"
        )
        print(f"  {customers:,} customers in one replication: {peak_rss_mib(code):,.0f} MiB")
    with tempfile.TemporaryDirectory() as tmp:
        for n in (4, 16):
            code = (
                "import simsales\n"
                f"simsales.run({str(BASELINE)!r}, replications={n}, workers=1, "
                f"out={str(Path(tmp) / str(n))!r})"
            )
            print(f"  {n} replications streamed to disk: {peak_rss_mib(code):,.0f} MiB")
    print(
        json.dumps(
            {
                "journeys_per_s_per_core": round(per_core),
                "overhead_vs_simpy": round(w["wall"] / bare, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
