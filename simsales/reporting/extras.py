"""Optional inputs of a report: files other analyses leave in the results folder.

Each reader returns None when its file is absent, and raises
:class:`ReportError` naming the file, the problem and what is allowed when
it is present but malformed. The report has a section for each file present.

========================  ==============================================================
file                      contents
========================  ==============================================================
``selection_M.json``      ``{"statement": "..."}``: the best-strategy statement of the
                          selection analysis on metric ``M``, shown as written (other
                          keys are ignored); one file per metric
``sensitivity.csv``       one row per strategy × metric × parameter: ``strategy, metric,
                          parameter`` and Sobol ``S1, S1_conf, ST, ST_conf`` or Morris
                          ``mu_star, mu_star_conf, sigma, mu`` (``*_conf``: CI half-widths)
``robustness_worlds.csv`` one row per world: the uncertain parameters (columns named by
                          key path, e.g. ``population.urgency.b``), ``best`` (the strategy
                          best in that world) and any other columns
``robustness_boxes.csv``  PRIM boxes, one row per strategy × parameter: ``strategy,
                          parameter, low, high`` (and ``restricted``): where each strategy
                          tends to be best (drawn on the win-region map)
``robustness.txt``        the robustness findings in plain words, shown as written
========================  ==============================================================

The three robustness files are those :meth:`simsales.analysis.robustness.Robustness.save`
writes (``simsales robustness RESULTS_DIR``).

Each is read only if ``provenance.json`` records it as computed from the results
in the folder (see :mod:`simsales.store.folder`): an analysis of an earlier
run, or a file written by hand, is left out of the report and named there
(:attr:`Extras.ignored`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from simsales.plots.regions import parameter_columns
from simsales.plots.sensitivity_charts import MORRIS_COLUMNS, SOBOL_COLUMNS
from simsales.store.folder import stale_files

__all__ = [
    "Extras",
    "ReportError",
    "read_boxes",
    "read_extras",
    "read_robustness",
    "read_rules",
    "read_selections",
    "read_sensitivity",
    "sensitivity_method",
]

SELECTION = "selection_*.json"
SENSITIVITY = "sensitivity.csv"
ROBUSTNESS = "robustness_worlds.csv"
BOXES = "robustness_boxes.csv"
RULES = "robustness.txt"


class ReportError(ValueError):
    """A results folder or one of its files cannot be reported on (bad input)."""


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise ReportError(f"{path.name}: not readable JSON (binary content, not text)") from None
    except (OSError, ValueError) as e:
        raise ReportError(f"{path.name}: not readable JSON ({e})") from None


def _csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except (OSError, ValueError) as e:
        raise ReportError(f"{path.name}: not a readable CSV table ({e})") from None


def _selection(path: Path) -> dict[str, Any]:
    data = _json(path)
    if not isinstance(data, dict) or not isinstance(data.get("statement"), str):
        raise ReportError(f'{path.name}: needs an object {{"statement": "..."}}, got {data!r:.80}')
    if not data["statement"].strip():
        raise ReportError(f"{path.name}: 'statement' is empty")
    return data


def read_selections(directory: Path, skip: Collection[str] = ()) -> dict[str, dict[str, Any]]:
    """Every ``selection_*.json`` not in ``skip``, by file name, in name order: objects
    with a non-empty string ``statement``."""
    paths = sorted(directory.glob(SELECTION))
    return {p.name: _selection(p) for p in paths if p.name not in skip}


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
    """``robustness_worlds.csv``: one row per world, parameter columns and ``best``."""
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
    """``robustness_boxes.csv``: ``strategy, parameter, low, high`` with low <= high."""
    path = directory / BOXES
    if not path.is_file():
        return None
    table = _csv(path)
    need = {"strategy", "parameter", "low", "high"}
    if not need <= set(table.columns):
        raise ReportError(
            f"{BOXES}: needs columns strategy, parameter, low, high; "
            f"it has {', '.join(map(str, table.columns))}"
        )
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for rec in table.to_dict("records"):
        lo, hi = rec["low"], rec["high"]
        ok = all(isinstance(b, int | float) and math.isfinite(b) for b in (lo, hi)) and lo <= hi
        if not ok:
            raise ReportError(
                f"{BOXES}: {rec['strategy']!r}, {rec['parameter']!r} needs low <= high, two "
                f"finite numbers; got {lo!r}, {hi!r}"
            )
        out.setdefault(str(rec["strategy"]), {})[str(rec["parameter"])] = (float(lo), float(hi))
    return out


def read_rules(directory: Path) -> str | None:
    """``robustness.txt``: the findings in plain words."""
    path = directory / RULES
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except UnicodeDecodeError:
        raise ReportError(f"{RULES}: not text (binary content)") from None
    except OSError as e:
        raise ReportError(f"{RULES}: cannot be read ({e})") from None


@dataclass(frozen=True)
class Extras:
    """The optional inputs found in a results folder (None: file absent).

    ``selections`` maps each ``selection_*.json`` read to its contents;
    ``ignored`` maps each analysis file left out to why (not computed from
    the results in the folder).
    """

    selections: dict[str, dict[str, Any]]
    sensitivity: pd.DataFrame | None
    robustness: pd.DataFrame | None
    boxes: dict[str, dict[str, tuple[float, float]]] | None
    rules: str | None = None
    ignored: dict[str, str] = field(default_factory=dict)


#: The analysis files of a results folder, other than ``selection_*.json``.
ANALYSIS_FILES = (
    "paired.csv", "quantiles.csv", "selection.json", SENSITIVITY, "sensitivity_noise.csv",
    "sensitivity.txt", "robustness.csv", "robustness_rules.csv", BOXES, ROBUSTNESS, RULES,
)  # fmt: skip


def read_extras(directory: Path, source: str | None = None) -> Extras:
    """Read every optional input of :mod:`simsales.reporting.extras` in ``directory``.

    With ``source`` (the :attr:`simsales.Results.results_id` of the results in
    ``directory``), a file that ``provenance.json`` does not record as computed
    from them is not read, and is listed in :attr:`Extras.ignored` instead.
    ``selection.json`` (one file for every metric, before version 0.2) is never read.
    """
    names = [*ANALYSIS_FILES, *(p.name for p in directory.glob(SELECTION))]
    ignored = stale_files(directory, names, source) if source is not None else {}
    if (directory / "selection.json").is_file():
        ignored["selection.json"] = (
            "the single selection file of older versions; selections are now kept one "
            "per metric as selection_METRIC.json: run `simsales select` again to include it"
        )

    def read(name: str, reader: Any) -> Any:
        return None if name in ignored else reader(directory)

    return Extras(
        read_selections(directory, skip=ignored),
        read(SENSITIVITY, read_sensitivity),
        read(ROBUSTNESS, read_robustness),
        read(BOXES, read_boxes),
        read(RULES, read_rules),
        ignored,
    )
