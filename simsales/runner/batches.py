"""How many replications a run takes: a fixed number, or batches until a precision is
reached (or until a caller's rule, as Kim & Nelson's procedure, says it has enough).

:func:`simsales.runner.run.run` runs a batch, asks :meth:`Batches.after` how many
replications the run should have now, and runs the new ones (those already run are
kept in the folder's parts, so a batch adds only what is missing).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from simsales.analysis.summary import half_widths
from simsales.engine.metrics import METRICS
from simsales.labels import out_of_range
from simsales.seeding import MAX_REPLICATIONS

__all__ = ["Batches"]


@dataclass
class Batches:
    """The rule for the size of a run.

    Parameters
    ----------
    first : int
        Replications of the first batch (the experiment's ``replications``).
    precision : float, optional
        Stop once every 95% half-width of ``metrics`` (per strategy) is at most this;
        each next batch aims at it by the square-root law.
    metrics : sequence of str
        Metrics whose half-widths ``precision`` bounds.
    cap : int, optional
        Most replications in all; default ten times ``first``, and never more than
        the schema allows.
    more : callable, optional
        Instead of ``precision``: given the replications so far, the replications the
        run should have (None or no more than now: stop).

    Raises
    ------
    ValueError
        If ``precision`` is not positive, or out of range for one of ``metrics``, a
        metric is unknown, or both ``precision`` and ``more`` are given.
    """

    first: int
    precision: float | None = None
    metrics: Sequence[str] = ("conversion",)
    cap: int | None = None
    more: Callable[[pd.DataFrame], int | None] | None = None
    #: The half-widths reached, per strategy and metric, after the last batch (precision).
    reached: dict[str, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = [m for m in self.metrics if m not in METRICS]
        if self.precision is not None and (self.precision <= 0 or unknown):
            raise ValueError(
                f"precision must be > 0 and precision_metrics known metrics; got "
                f"{self.precision!r}, unknown {unknown}"
            )
        if self.precision is not None and self.more is not None:
            raise ValueError("give precision or more, not both")
        if self.precision is not None:
            for m in self.metrics:
                problem = out_of_range(m, self.precision, "precision")
                if problem:
                    raise ValueError(problem)
        self.cap = min(MAX_REPLICATIONS, self.cap or 10 * self.first)

    @property
    def batched(self) -> bool:
        """Whether the run may take more than one batch."""
        return self.precision is not None or self.more is not None

    def after(self, done: int, records: pd.DataFrame) -> int | None:
        """The replications the run should have after a batch that brought it to
        ``done`` (``records``: every replication so far), or None to stop."""
        assert self.cap is not None
        if self.more is not None:
            want = self.more(records)
            if want is None or operator.index(want) <= done or done >= self.cap:
                return None
            return min(self.cap, operator.index(want))
        if self.precision is None:
            return None
        self.reached = half_widths(records, list(self.metrics))
        worst = max(hw for per in self.reached.values() for hw in per.values())
        if worst <= self.precision or done >= self.cap:
            return None
        grow = math.ceil(done * (worst / self.precision) ** 2) if math.isfinite(worst) else 2 * done
        return min(self.cap, max(done + 1, grow))

    def met(self) -> bool:
        """Whether every half-width reached is within ``precision``."""
        assert self.precision is not None
        return bool(self.reached) and all(
            hw <= self.precision for per in self.reached.values() for hw in per.values()
        )
