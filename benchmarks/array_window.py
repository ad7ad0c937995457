"""How the array engine's window moves its results: the bias of stepping in windows.

Run:  python benchmarks/array_window.py [--replications 40] [--steps 0.1 0.2 0.5 1.0]
      python benchmarks/array_window.py --queue [--replications 40]

The array engine books the requests of one pass of a window in time order, but a
request made in a later pass of the same window is served after those of earlier
passes (docs/performance.md). This prints, for the baseline over 120 days and for
one seller facing twice the leads (a queue that binds), each engine's mean of a
few metrics over the same replications and the array engine's difference from
the SimPy engine, with its z-score, for each window.

With ``--queue``, the same for a queue with a known answer instead: one seller
as an M/D/1 queue at load 0.75 (the validation tests' ``md1_runs``), whose mean
wait is 1.5 days (Pollaczek-Khinchine) and whose share of leads that wait is
0.75; it prints each engine's, and the array engine's mean extra wait over the
exact first-come-first-served start of each meeting on the same arrivals.
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
    p.add_argument("--queue", action="store_true", help="the M/D/1 queue instead")
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
    """Both engines as the M/D/1 queue of the validation tests, against its known answer."""
    tests = Path(__file__).resolve().parents[1] / "tests"
    sys.path.insert(0, str(tests))
    from test_validation import (  # type: ignore[import-not-found]
        MD1_LAM,
        TestStatisticalPollaczekKhinchine,
        md1_runs,
        pk_wait,
    )

    case = TestStatisticalPollaczekKhinchine()
    print(
        f"M/D/1, one seller, load {MD1_LAM:g}, {reps} replications of {case.horizon:g} days: "
        f"W_q {pk_wait(MD1_LAM, 1.0):g} days, P(wait) {MD1_LAM:g} (Pollaczek-Khinchine)"
    )
    for label, engine, step in [("SimPy", "simpy", None)] + [
        (f"array, window {s:g}", "array", s) for s in steps
    ]:
        runs = md1_runs(engine, reps, case.horizon, **({} if step is None else {"step": step}))
        res = case.summary(runs)
        mean, se = res.mean(axis=0), res.std(axis=0, ddof=1) / np.sqrt(reps)
        print(
            f"  {label}: W_q {mean[0]:.3f} +- {se[0]:.3f}, P(wait) {mean[1]:.3f} +- {se[1]:.3f}, "
            f"extra wait over exact FCFS {case.extra_wait(runs):+.4f} days"
        )


if __name__ == "__main__":
    main()
