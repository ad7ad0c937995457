"""Reading a stored replications table: its metrics, strategies and design points.

Shared by the analyses so that every one of them rejects an unknown metric or
strategy with the same clear message.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from simsales.store.results import Results

__all__ = [
    "AnalysisError",
    "check_metrics",
    "check_strategies",
    "metric_columns",
    "per_point",
    "strategies",
    "swept_parameters",
]


class AnalysisError(ValueError):
    """Bad input to an analysis: an unknown metric, strategy or design point."""


def metric_columns(replications: pd.DataFrame) -> list[str]:
    """The metric columns, in table order: all but labels and parameter columns.

    Parameter columns (sweeps, uncertain parameters) are named by a key path
    and so contain a dot.
    """
    labels = {"replication", "strategy", "point"}
    return [c for c in replications.columns if c not in labels and "." not in str(c)]


def strategies(replications: pd.DataFrame) -> list[str]:
    """Strategy labels in order of first appearance."""
    return [str(s) for s in pd.unique(replications["strategy"])]


def check_metrics(replications: pd.DataFrame, metrics: Sequence[str] | None) -> list[str]:
    """``metrics`` if every one is a metric column (all of them if None).

    Raises
    ------
    AnalysisError
        Naming the unknown metric(s) and the known ones.
    """
    known = metric_columns(replications)
    if metrics is None:
        return known
    unknown = [m for m in metrics if m not in known]
    if unknown or not metrics:
        raise AnalysisError(
            f"metric: unknown {', '.join(map(repr, unknown)) or '(none given)'}; "
            f"known: {', '.join(known)}"
        )
    return list(metrics)


def check_strategies(replications: pd.DataFrame, names: Sequence[str]) -> None:
    """Raise :class:`AnalysisError` unless every name is a strategy of the table."""
    known = strategies(replications)
    unknown = [s for s in dict.fromkeys(names) if s not in known]
    if unknown:
        raise AnalysisError(
            f"strategy: unknown {', '.join(map(repr, unknown))}; known: {', '.join(known)}"
        )


def per_point(replications: pd.DataFrame) -> Iterator[tuple[int | None, pd.DataFrame]]:
    """``(point, part)`` for each design point of a sweep, or ``(None, table)``."""
    if "point" not in replications.columns:
        yield None, replications
        return
    for point, part in replications.groupby("point", sort=True):
        yield int(point), part  # type: ignore[arg-type]


def swept_parameters(results: Results) -> list[str]:
    """Key paths of the swept parameters, in the order of the experiment's ``[sweep]``
    (those that are columns of the replications table)."""
    sweep = results.record.config.sweep
    params = list(sweep.parameters) if sweep is not None else []
    return [p for p in params if p in results.replications.columns]
