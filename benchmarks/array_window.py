"""How the array engine's window moves its results: the bias of stepping in windows.

Run:  python benchmarks/array_window.py [--replications 40] [--steps 0.1 0.2 0.5 1.0]
      python benchmarks/array_window.py --queue [--replications 40]

The array engine books the requests of one pass of a window in time order, but a
request made in a later pass of the same window is served after those of earlier
passes (docs/performance.md). This prints, for the baseline over 120 days and for
one seller facing twice the leads (a queue that binds), each engine's mean of a
few metrics over the same replications and the array engine's difference from
the SimPy engine, with its z-score, for each window.

With ``--queue``, the same for the validation tests' queues with known answers
instead: one seller as an M/D/1 queue at load 0.75 (``md1_runs``), whose mean
wait is 1.5 days (Pollaczek-Khinchine) and whose share of leads that wait is
0.75, and three sellers as an M/M/3 queue at load 0.75 (``mmc_runs``), whose
mean wait is 0.757 days and share that wait 0.568 (Erlang C); it prints each
engine's, and each engine's mean extra wait over the exact
first-come-first-served start of each meeting on the same arrivals and
meeting lengths.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from simsales.engine.array import batch as array_batch
from simsales.engine.simulation import simulate
from simsales.experiment.config import Experiment
from simsales.experiment.loader import resolve
from simsales.runner.replications import build_world, strategy_record

BASELINE = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"
METRICS = ("cycle_median", "conversion", "seller_hours", "no_decision_share")


def records(config: Experiment, reps: int, step: float | None) -> dict[str, np.ndarray]:
    """Each metric over replications and strategies (SimPy engine when ``step`` is None)."""
    worlds = [build_world(config, r) for r in range(reps)]
    strategies = [s.build() for s in config.strategies]
    if step is None:
        runs = [[simulate(w, s) for s in strategies] for w in worlds]
    else:
        runs = array_batch.simulate_batch(worlds, strategies, step_days=step)
    out: dict[str, list[float]] = {m: [] for m in METRICS}
    for r, (w, row) in enumerate(zip(worlds, runs, strict=True)):
        for spec, (j, ledger) in zip(config.strategies, row, strict=True):
            rec = strategy_record(config, w, r, spec.name, j, ledger)
            for m in METRICS:
                out[m].append(rec[m])
    return {m: np.asarray(v, float) for m, v in out.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--replications", type=int, default=40)
    p.add_argument("--steps", type=float, nargs="+", default=[0.1, 0.2, 0.5, 1.0])
    p.add_argument("--queue", action="store_true", help="the queues with known answers instead")
    args = p.parse_args()
    if args.queue:
        queue(args.replications, args.steps)
        return
    cases = {
        "baseline, 120 days": resolve(BASELINE, horizon_days=120.0),
        "one seller, 2 leads a day, 120 days": resolve(
            BASELINE,
            horizon_days=120.0,
            sellers={"team_size": 1},
            market={"lead_rate": 2.0},
        ),
    }
    for name, config in cases.items():
        ref = records(config, args.replications, None)
        print(f"{name} ({args.replications} replications x {len(config.strategies)} strategies)")
        print("  SimPy: " + ", ".join(f"{m} {np.nanmean(v):.4g}" for m, v in ref.items()))
        for step in args.steps:
            got = records(config, args.replications, step)
            parts = []
            for m in METRICS:
                x, y = ref[m][np.isfinite(ref[m])], got[m][np.isfinite(got[m])]
                se = np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
                d = y.mean() - x.mean()
                parts.append(f"{m} {d:+.3g} ({100 * d / x.mean():+.1f}%, z {d / se:+.1f})")
            print(f"  window {step:g} d: " + "; ".join(parts))


def queue(reps: int, steps: list[float]) -> None:
    """Both engines as the validation tests' queues, against their known answers."""
    tests = Path(__file__).resolve().parents[1] / "tests"
    sys.path.insert(0, str(tests))
    from test_validation import (  # type: ignore[import-not-found]
        MD1_HOURS,
        MD1_LAM,
        QUEUE_C,
        QUEUE_LAM,
        QUEUE_MU,
        TestStatisticalErlangC,
        erlang_c,
        fcfs_starts,
        md1_runs,
        mmc_runs,
        pk_wait,
    )

    horizon, warm_up = TestStatisticalErlangC.horizon, TestStatisticalErlangC.warm_up
    p_wait = erlang_c(QUEUE_C, QUEUE_LAM / QUEUE_MU)
    queues = [
        (
            f"M/D/1, one seller, load {MD1_LAM:g}: W_q {pk_wait(MD1_LAM, 1.0):g} days, "
            f"P(wait) {MD1_LAM:g} (Pollaczek-Khinchine)",
            lambda engine, step: [
                (a, s, np.full(len(a), MD1_HOURS / 8.0))
                for a, s in md1_runs(engine, reps, horizon, step=step)
            ],
            1,
        ),
        (
            f"M/M/{QUEUE_C}, load {QUEUE_LAM / (QUEUE_C * QUEUE_MU):g}: "
            f"W_q {p_wait / (QUEUE_C * QUEUE_MU - QUEUE_LAM):.4f} days, "
            f"P(wait) {p_wait:.4f} (Erlang C)",
            lambda engine, step: mmc_runs(engine, (2026, 6, 5), reps, horizon, step=step),
            QUEUE_C,
        ),
    ]
    for title, runs_of, servers in queues:
        print(f"{title}; {reps} replications of {horizon:g} days")
        for label, engine, step in [("SimPy", "simpy", array_batch.STEP_DAYS)] + [
            (f"array, window {s:g}", "array", s) for s in steps
        ]:
            runs = runs_of(engine, step)
            res = np.array([
                ((s - a)[a >= warm_up].mean(), np.mean((s - a)[a >= warm_up] > 1e-9))
                for a, s, _ in runs
            ])  # fmt: skip
            mean, se = res.mean(axis=0), res.std(axis=0, ddof=1) / np.sqrt(reps)
            extra = np.mean(np.concatenate([s - fcfs_starts(a, x, servers) for a, s, x in runs]))
            print(
                f"  {label}: W_q {mean[0]:.3f} +- {se[0]:.3f}, P(wait) {mean[1]:.3f} +- "
                f"{se[1]:.3f}, extra wait over exact FCFS {extra:+.4f} days"
            )


if __name__ == "__main__":
    main()
