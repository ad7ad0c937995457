"""The array engine against the SimPy engine: journeys per second per core, as ratios.

Run:  python benchmarks/array_engine.py [--quick] [--orbits] [--repeat N]
      [--chart docs/array_throughput.png]

Both engines run the same worlds in one process; the SimPy engine on the first
``--simpy-reps`` of them (its rate per journey does not depend on how many), the
array engine on all of them in one batch. Prints, for each batch:

* SimPy and array journeys per second per core (CPU time), and their ratio;
* the array engine's memory per buyer (its arrays' bytes over its rows).

Batches: the baseline's five strategies at 30, 100 and 300 replications, and one
replication of push with 10,000 and (without ``--quick``) 100,000 leads, its
teams scaled with the leads (the baseline's 5 sellers and 2 success people per
550 leads), and with ``--million`` a million: that is over the experiment
schema's budget of simulation events per replication, so no experiment file can
ask for it, and it is built in code (:func:`million`). ``--chart``
draws throughput against batch size; ``--orbits`` adds the orbits study (a
finite market whose members move, market programmes, prospecting). Nothing is
asserted; docs/performance.md records the figures.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from simsales.engine.array import batch as array_batch
from simsales.engine.simulation import simulate
from simsales.experiment.loader import resolve
from simsales.experiment.plugins import import_modules
from simsales.model.strategies import make_strategy
from simsales.runner.replications import build_world

BASELINE = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"


def measure(
    config: Any,
    reps: int,
    simpy_reps: int,
    strategies: list[str] | None = None,
    repeat: int = 1,
) -> dict[str, float]:
    """CPU seconds and journeys of both engines on ``reps`` worlds of ``config``; with
    ``repeat``, each engine's least CPU time of that many runs, taken in turns (so a
    machine that slows for a while slows both)."""
    worlds = [build_world(config, r) for r in range(reps)]
    built = (
        [s.build() for s in config.strategies]
        if strategies is None
        else [make_strategy(s) for s in strategies]
    )
    sizes: list[int] = []
    orig = array_batch._Batch.outputs

    def outputs(self: Any) -> Any:
        sizes.append(self.s.size)
        d = self.draws  # the buyers' arrays and their streams' keys and positions
        held = sum(a.nbytes for a in (d._k0, d._k1, d._used))
        state = sum(a.nbytes for a in self.s.a.values())
        sizes.append(state // max(1, self.s.cap) + held // max(1, len(d._k0)))
        return orig(self)

    array_cpu = simpy_cpu = float("inf")
    for _ in range(repeat):
        array_batch._Batch.outputs = outputs  # type: ignore[method-assign]
        try:
            t0 = time.process_time()
            out = array_batch.simulate_batch(worlds, built)
            array_cpu = min(array_cpu, time.process_time() - t0)
        finally:
            array_batch._Batch.outputs = orig  # type: ignore[method-assign]
        array_journeys = sum(len(j) for row in out for j, _ in row)
        t0 = time.process_time()
        simpy_journeys = 0
        for w in worlds[:simpy_reps]:
            for s in built:
                simpy_journeys += len(simulate(w, s)[0])
        simpy_cpu = min(simpy_cpu, time.process_time() - t0)
    simpy_rate = simpy_journeys / simpy_cpu if simpy_journeys else float("nan")
    array_rate = array_journeys / array_cpu
    return {
        "journeys": array_journeys, "array_rate": array_rate, "simpy_rate": simpy_rate,
        "ratio": array_rate / simpy_rate, "bytes_per_buyer": sizes[1],
    }  # fmt: skip


def scaled(leads: int) -> Any:
    """The baseline with one replication of ``leads`` leads, teams scaled to them (over a
    year, or over 1,000 days at the largest lead rate the schema allows, 1,000 a day)."""
    days = max(365.0, leads / 1000.0)
    return resolve(
        BASELINE, horizon_days=days, market={"lead_rate": leads / days},
        sellers={"team_size": max(5, round(5 * leads / 550))},
        success={"team_size": max(2, round(2 * leads / 550))}, strategies=[{"name": "push"}],
    )  # fmt: skip


def million() -> Any:
    """One replication of a million leads, built as :func:`scaled` builds the others.

    It is over the experiment schema's budget of simulation events per replication
    (``MAX_EVENTS``): no experiment file can ask for it. So it is built from the
    100,000-lead experiment with pydantic's ``model_copy``, which skips the checks,
    for this measurement only.
    """
    leads = 1_000_000
    days = leads / 1000.0
    base = scaled(100_000)
    return base.model_copy(
        update={
            "horizon_days": days,
            "market": base.market.model_copy(update={"lead_rate": leads / days}),
            "sellers": base.sellers.model_copy(update={"team_size": round(5 * leads / 550)}),
            "success": base.success.model_copy(update={"team_size": round(2 * leads / 550)}),
        }
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smaller batches")
    p.add_argument("--simpy-reps", type=int, default=4, help="worlds the SimPy engine runs")
    p.add_argument("--chart", type=Path, help="draw throughput against batch size here")
    p.add_argument(
        "--repeat", type=int, default=1,
        help="run each batch this many times, the engines in turns, and keep each "
        "engine's least CPU time (steadier ratios on a machine whose speed drifts)",
    )  # fmt: skip
    p.add_argument(
        "--orbits", action="store_true",
        help="also the orbits study (a finite market whose members move, market "
        "programmes, prospecting): 30 replications x 12 strategies, about 3 minutes",
    )  # fmt: skip
    p.add_argument(
        "--million", action="store_true",
        help="also one replication of a million leads, both engines (over the schema's "
        "event budget, built in code; about 25 minutes)",
    )  # fmt: skip
    args = p.parse_args()
    print(f"array engine window: {array_batch.STEP_DAYS} days")
    rows = []
    base = resolve(BASELINE)
    for reps in (30,) if args.quick else (30, 100, 300):
        m = measure(base, reps, args.simpy_reps, repeat=args.repeat)
        rows.append(("replications", reps, m))
        print(
            f"baseline, {reps} replications x 5 strategies ({m['journeys']:,} journeys): SimPy "
            f"{m['simpy_rate']:,.0f}/s, array {m['array_rate']:,.0f}/s per core: "
            f"{m['ratio']:.1f}x; {m['bytes_per_buyer']:,.0f} bytes per buyer"
        )
    sizes = [10_000] if args.quick else [10_000, 100_000]
    for leads in [*sizes, 1_000_000] if args.million else sizes:
        config = million() if leads == 1_000_000 else scaled(leads)
        m = measure(config, 1, 1, ["push"], repeat=args.repeat)
        rows.append(("leads", leads, m))
        print(
            f"one replication, {leads:,} leads, push: SimPy {m['simpy_rate']:,.0f}/s, "
            f"array {m['array_rate']:,.0f}/s per core: {m['ratio']:.1f}x; "
            f"{m['bytes_per_buyer']:,.0f} bytes per buyer"
        )
    if args.orbits:
        orbits = resolve(BASELINE.with_name("orbits.toml"))
        import_modules(orbits.modules, orbits.module_folder)
        m = measure(orbits, 30, args.simpy_reps, repeat=args.repeat)
        print(
            f"orbits, 30 replications x {len(orbits.strategies)} strategies "
            f"({m['journeys']:,} journeys): SimPy {m['simpy_rate']:,.0f}/s, array "
            f"{m['array_rate']:,.0f}/s per core: {m['ratio']:.1f}x"
        )
    if args.chart:
        chart(rows, args.chart)


def chart(rows: list[tuple[str, int, dict[str, float]]], path: Path) -> None:
    """Throughput of both engines against batch size (journeys in the batch)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4))
    for kind, marker in (("replications", "o"), ("leads", "s")):
        sel = [r for r in rows if r[0] == kind]
        if not sel:
            continue
        x = [r[2]["journeys"] for r in sel]
        label = "replications x 5 strategies" if kind == "replications" else "one replication"
        ax.plot(x, [r[2]["array_rate"] for r in sel], marker=marker, label=f"array, {label}")
        ax.plot(x, [r[2]["simpy_rate"] for r in sel], marker=marker, linestyle="--",
                color="grey", label=f"SimPy, {label}")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("journeys in one batch")
    ax.set_ylabel("journeys per second per core")
    ax.set_title("Engine throughput against batch size")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    print(f"chart written to {path}")


if __name__ == "__main__":
    main()
