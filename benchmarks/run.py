"""simsales benchmarks: speed against bare SimPy, scaling, and memory.

Run:  python benchmarks/run.py [--quick]

Prints figures (nothing is asserted; targets are read off these numbers and
recorded in docs/performance.md):

1. customer journeys per second per core on the baseline experiment;
2. bare SimPy loops running as many customer processes and events (and, in
   the second, the same team bookings as ``simpy.Resource`` requests), and the
   ratio of our time to theirs (our overhead over SimPy itself);
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import simpy

import simsales
from simsales.engine.simulation import simulate
from simsales.engine.teams import Team
from simsales.experiment.loader import resolve
from simsales.runner.replications import build_world

BASELINE = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"


@contextmanager
def counting() -> Iterator[dict[str, int]]:
    """Count SimPy events processed and team bookings made, while active."""
    counts = {"events": 0, "requests": 0}
    real_step = simpy.Environment.step
    real_book = Team.book

    def step(self: simpy.Environment) -> None:
        counts["events"] += 1
        real_step(self)

    def book(self: Team, now: float, duration: float) -> float:
        counts["requests"] += 1
        return real_book(self, now, duration)

    simpy.Environment.step = step  # type: ignore[method-assign]
    Team.book = book  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        simpy.Environment.step = real_step  # type: ignore[method-assign]
        Team.book = real_book  # type: ignore[method-assign]


def best_cpu_seconds(job: Callable[[], object], repeat: int) -> float:
    """Least CPU time of ``repeat`` runs of ``job`` (CPU time, and the least of
    several, because the machine is shared and its wall times are noisy)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        job()
        best = min(best, time.process_time() - t0)
    return best


def engine_work(replications: int, repeat: int) -> dict[str, float]:
    """Journeys, SimPy events and team bookings of the baseline, and its CPU time."""
    config = resolve(BASELINE, replications=replications)
    worlds = [build_world(config, r) for r in range(replications)]
    journeys = 0

    def job() -> None:
        nonlocal journeys
        journeys = 0
        for world in worlds:
            for spec in config.strategies:
                j, _ = simulate(world, spec.build())
                journeys += len(j)

    with counting() as counts:
        job()
    cpu = best_cpu_seconds(job, repeat)  # timed again without the counters
    return {"journeys": journeys, **counts, "cpu": cpu}


def bare_simpy(
    journeys: int, events: int, requests: int, repeat: int, with_resource: bool
) -> tuple[float, int]:
    """CPU seconds for bare SimPy to run as many customer processes and events.

    Each customer process makes the engine's mean number of events per
    journey. With ``with_resource``, as many of them as the engine books team
    time are instead ``simpy.Resource`` requests (request, hold, release: the
    idiomatic SimPy way to model a team), so it is the same simulated work
    written with SimPy's own resource. Returns the CPU time and the events
    processed (counted in a separate run).
    """
    per_journey = max(1, round(events / journeys) - 2)  # less the start and the source's
    per_req = round(requests / journeys) if with_resource else 0

    def build() -> simpy.Environment:
        env = simpy.Environment()
        res = simpy.Resource(env, capacity=5)

        def customer() -> Any:
            for _ in range(per_req):
                with res.request() as req:
                    yield req
                    yield env.timeout(0.1)
            for _ in range(max(0, per_journey - per_req)):
                yield env.timeout(7.0)

        def source() -> Any:
            for _ in range(journeys):
                yield env.timeout(0.05)
                env.process(customer())

        env.process(source())
        return env

    cpu = best_cpu_seconds(lambda: build().run(), repeat)
    with counting() as counts:
        build().run()
    return cpu, counts["events"]


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

    print("1-2. engine against bare SimPy (baseline, one process, least CPU time of 3)")
    w = engine_work(reps, repeat=3)
    per_core = w["journeys"] / w["cpu"]
    print(
        f"  journeys: {w['journeys']:,}; SimPy events: {w['events']:,} "
        f"({w['events'] / w['journeys']:.1f} per journey); team bookings: {w['requests']:,}"
    )
    print(f"  simsales: {w['cpu']:.2f} s = {per_core:,.0f} journeys/s per core")
    ratios = {}
    for label, with_resource in (("same events", False), ("same work with simpy.Resource", True)):
        bare, bare_events = bare_simpy(
            int(w["journeys"]), int(w["events"]), int(w["requests"]), 3, with_resource
        )
        ratios[label] = w["cpu"] / bare
        print(
            f"  bare SimPy, {label}: {bare:.2f} s = {w['journeys'] / bare:,.0f} journeys/s "
            f"({bare_events:,} events); simsales/bare = {w['cpu'] / bare:.1f}x per journey"
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
                "overhead_vs_bare_simpy_same_events": round(ratios["same events"], 2),
                "overhead_vs_bare_simpy_with_resource": round(
                    ratios["same work with simpy.Resource"], 2
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
