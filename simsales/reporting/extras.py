"""Optional inputs of a report: files other analyses leave in the results folder.

Each reader returns None when its file is absent, and raises
:class:`ReportError` naming the file, the problem and what is allowed when
it is present but malformed. The report has a section for each file present.

========================  ==============================================================
file                      contents
========================  ==============================================================
``selection.json``        ``{"statement": "..."}``: the best-strategy statement of the
                          selection analysis, shown as written (other keys are ignored)
``sensitivity.csv``       one row per strategy × metric × parameter: ``strategy, metric,
                          parameter`` and Sobol ``S1, S1_conf, ST, ST_conf`` or Morris
                          ``mu_star, mu_star_conf, sigma, mu`` (``*_conf``: CI half-widths)
``robustness.csv``        one row per world: the uncertain parameters (columns named by
                          key path, e.g. ``population.urgency.b``), ``best`` (the strategy
                          best in that world) and any other columns
``robustness_boxes.json`` PRIM boxes ``{strategy: {parameter: [low, high]}}``: where each
                          strategy tends to be best (drawn on the win-region map)
========================  ==============================================================
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from simsales.plots.regions import parameter_columns
from simsales.plots.sensitivity import MORRIS_COLUMNS, SOBOL_COLUMNS

__all__ = [
    "Extras",
    "ReportError",
    "read_boxes",
    "read_extras",
    "read_robustness",
    "read_selection",
    "read_sensitivity",
    "sensitivity_method",
]

SELECTION = "selection.json"
SENSITIVITY = "sensitivity.csv"
ROBUSTNESS = "robustness.csv"
BOXES = "robustness_boxes.json"


class ReportError(ValueError):
    """A results folder or one of its files cannot be reported on (bad input)."""


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ReportError(f"{path.name}: not readable JSON ({e})") from None


def _csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as e:
        raise ReportError(f"{path.name}: not a readable CSV table ({e})") from None


def read_selection(directory: Path) -> dict[str, Any] | None:
    """``selection.json``: an object with a non-empty string ``statement``."""
    path = directory / SELECTION
    if not path.is_file():
        return None
    data = _json(path)
    if not isinstance(data, dict) or not isinstance(data.get("statement"), str):
        raise ReportError(f'{SELECTION}: needs an object {{"statement": "..."}}, got {data!r:.80}')
    if not data["statement"].strip():
        raise ReportError(f"{SELECTION}: 'statement' is empty")
    return data


def sensitivity_method(table: pd.DataFrame) -> Literal["sobol", "morris"]:
    """Which method a sensitivity table holds, from its columns.

    Raises
    ------
    ReportError
        If it has the columns of neither.
    """
    cols = set(table.columns)
    if set(SOBOL_COLUMNS) <= cols:
        return "sobol"
    if set(MORRIS_COLUMNS) <= cols:
        return "morris"
    miss_s = [c for c in SOBOL_COLUMNS if c not in cols]
    miss_m = [c for c in MORRIS_COLUMNS if c not in cols]
    raise ReportError(
        f"{SENSITIVITY}: needs the Sobol columns {', '.join(SOBOL_COLUMNS)} (missing "
        f"{', '.join(miss_s)}) or the Morris columns {', '.join(MORRIS_COLUMNS)} (missing "
        f"{', '.join(miss_m)})"
    )


def read_sensitivity(directory: Path) -> pd.DataFrame | None:
    """``sensitivity.csv``: Sobol or Morris indices (see :func:`sensitivity_method`)."""
    path = directory / SENSITIVITY
    if not path.is_file():
        return None
    table = _csv(path)
    sensitivity_method(table)
    if table.empty:
        raise ReportError(f"{SENSITIVITY}: has no rows")
    return table


def read_robustness(directory: Path) -> pd.DataFrame | None:
    """``robustness.csv``: one row per world, parameter columns and ``best``."""
    path = directory / ROBUSTNESS
    if not path.is_file():
        return None
    table = _csv(path)
    if "best" not in table.columns:
        raise ReportError(f"{ROBUSTNESS}: needs a 'best' column (the best strategy per world)")
    if not parameter_columns(table):
        raise ReportError(
            f"{ROBUSTNESS}: needs at least one parameter column named by its key path "
            f"(with a dot, e.g. population.urgency.b); it has {', '.join(map(str, table.columns))}"
        )
    if table.empty:
        raise ReportError(f"{ROBUSTNESS}: has no rows")
    return table


def read_boxes(directory: Path) -> dict[str, dict[str, tuple[float, float]]] | None:
    """``robustness_boxes.json``: ``{strategy: {parameter: [low, high]}}`` with low <= high."""
    path = directory / BOXES
    if not path.is_file():
        return None
    data = _json(path)
    if not isinstance(data, dict):
        raise ReportError(f"{BOXES}: needs an object {{strategy: {{parameter: [low, high]}}}}")
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for strategy, box in data.items():
        if not isinstance(box, dict):
            raise ReportError(f"{BOXES}: [{strategy!r}] must be {{parameter: [low, high]}}")
        out[str(strategy)] = {}
        for param, bounds in box.items():
            ok = (
                isinstance(bounds, list)
                and len(bounds) == 2
                and all(isinstance(b, int | float) and math.isfinite(b) for b in bounds)
                and bounds[0] <= bounds[1]
            )
            if not ok:
                raise ReportError(
                    f"{BOXES}: [{strategy!r}][{param!r}] must be [low, high], two finite "
                    f"numbers with low <= high; got {bounds!r}"
                )
            out[str(strategy)][str(param)] = (float(bounds[0]), float(bounds[1]))
    return out


@dataclass(frozen=True)
class Extras:
    """The optional inputs found in a results folder (None: file absent)."""

    selection: dict[str, Any] | None
    sensitivity: pd.DataFrame | None
    robustness: pd.DataFrame | None
    boxes: dict[str, dict[str, tuple[float, float]]] | None


def read_extras(directory: Path) -> Extras:
    """Read every optional input of :mod:`simsales.reporting.extras` in ``directory``."""
    return Extras(
        read_selection(directory),
        read_sensitivity(directory),
        read_robustness(directory),
        read_boxes(directory),
    )
