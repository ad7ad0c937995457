"""Benchmark: microseconds per ``funnel_statistics`` call on a canonical frame.

Run:  python benchmarks/funnel.py [--rows N] [--calls K]

The calibration calls it thousands of times on frames of 500 to 5,000 rows.
Prints the best of five runs per size; asserts nothing.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from simsales.data.funnel import funnel_statistics, km_quantiles


def synthetic(rows: int, seed: int = 1) -> pd.DataFrame:
    """A canonical frame: a year of openings, 30% won, 50% lost, 20% open."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01")
    opened = start + pd.to_timedelta(rng.uniform(0, 365, rows), unit="D")
    outcome = rng.choice(["won", "lost", "open"], size=rows, p=[0.3, 0.5, 0.2])
    closed = opened + pd.to_timedelta(rng.gamma(2.0, 30.0, rows), unit="D")
    closed = closed.where(outcome != "open")
    lost = outcome == "lost"
    nd = np.where(lost & (rng.random(rows) < 0.8), rng.random(rows) < 0.4, None)
    frame = pd.DataFrame(
        {
            "id": [f"o{k}" for k in range(rows)],
            "opened": opened.astype("datetime64[ns]"),
            "closed": pd.Series(closed).astype("datetime64[ns]"),
            "outcome": pd.Categorical(outcome, categories=["won", "lost", "open"]),
            "value": rng.lognormal(9.0, 0.8, rows),
            "loss_reason": pd.array([pd.NA] * rows, dtype="string"),
            "no_decision": pd.array(nd.tolist(), dtype="boolean"),
            "stage": outcome,
        }
    )
    frame.attrs["as_of"] = start + pd.Timedelta(days=400)
    return frame


LEVELS = (0.25, 0.5, 0.75)


def _per_call(f, calls: int, repeats: int = 5) -> float:  # type: ignore[no-untyped-def]
    """Microseconds per call, the best of ``repeats`` runs of ``calls`` calls (the
    least disturbed by other processes), in CPU time: the machine may be shared)."""
    f()  # warm
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        for _ in range(calls):
            f()
        best = min(best, (time.process_time() - t0) / calls * 1e6)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, nargs="+", default=[500, 2000, 5000])
    p.add_argument("--calls", type=int, default=200)
    args = p.parse_args()
    for rows in args.rows:
        frame = synthetic(rows)
        events = np.random.default_rng(2).gamma(2.0, 30.0, int(rows * 0.8))
        censored = np.random.default_rng(3).uniform(0, 300, rows - events.size)
        total = _per_call(lambda fr=frame: funnel_statistics(fr), args.calls)
        km = _per_call(lambda e=events, c=censored: km_quantiles(e, c, LEVELS), args.calls)
        print(f"{rows:>6} rows: funnel_statistics {total:8.0f} µs per call "
              f"(of which Kaplan–Meier via scipy.stats.ecdf {km:6.0f} µs)")  # fmt: skip


if __name__ == "__main__":
    main()
