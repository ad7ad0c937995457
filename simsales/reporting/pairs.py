"""The paired comparisons a report shows: those declared, else each strategy against the first."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from simsales.analysis.paired import COLUMNS, paired_differences
from simsales.experiment.results import Results

__all__ = ["Comparisons", "report_comparisons"]


@dataclass(frozen=True)
class Comparisons:
    """A comparisons table (columns of :data:`simsales.analysis.paired.COLUMNS`) and
    whether the experiment declared it (``compare``) or the report chose it."""

    table: pd.DataFrame
    declared: bool
    reference: str | None = None


def report_comparisons(results: Results) -> Comparisons:
    """The declared comparisons or, when none are declared, every strategy against
    the first one in the experiment file (its reference, e.g. ``push``), on the
    experiment's ``compare_metrics``; paired by replication (common random
    numbers) as in :func:`simsales.analysis.paired.paired_differences`.

    A sweep of several design points gets none (comparisons are within one point).
    """
    declared = results.comparisons
    if not declared.empty:
        return Comparisons(declared, True)
    reps = results.replications
    names = [str(s) for s in pd.unique(reps["strategy"])]
    if len(names) < 2 or ("point" in reps.columns and reps["point"].nunique() > 1):
        return Comparisons(pd.DataFrame(columns=COLUMNS), False)
    config = results.record.config
    metrics = [m for m in config.compare_metrics if m in reps.columns]
    pairs = [(s, names[0]) for s in names[1:]]
    cols = ["replication", "strategy", *metrics]
    table = paired_differences(reps[cols], pairs, metrics, seed=config.seed)
    return Comparisons(table, False, names[0])
