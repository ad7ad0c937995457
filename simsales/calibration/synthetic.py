"""A CRM opportunity export written by the simulator itself.

The calibration compares an export from a CRM with exports the simulator
writes, through one function (:func:`simsales.data.funnel.funnel_statistics`),
so a statistic means the same on both sides. This module turns one
replication's journeys into the canonical opportunity frame of
:mod:`simsales.data.crm`, as a CRM would hold it on the export date:

- an **opportunity** is a qualified lead (it had a first meeting; leads that
  never granted one are not in a CRM's opportunity table);
- it is **opened** on the day the lead arrived and **closed** on the day its
  journey ended, both as calendar dates (whole days) counted from ``start``;
- a journey still going on the export date (the horizon) is **open**: the
  export does not know its outcome (right-censored);
- a lost deal's **loss reason** is named after its ending: ``"No decision"``
  for status quo and indecision (the two causes the literature calls no
  decision), ``"Lost to competitor"`` for the rival and ``"Went dark"`` for a
  buyer that stopped answering;
- **value** is the deal's price for a won deal (``price``; the model has one
  price per offer, so values carry no information about the buyers), empty
  otherwise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simsales.data.presets import PRESETS
from simsales.engine.simulation import ENDINGS, simulate
from simsales.engine.world import Journeys
from simsales.experiment.config import Experiment
from simsales.model.orbits import Ending
from simsales.runner.replications import build_world

__all__ = [
    "LOSS_REASONS",
    "NO_DECISION_REASONS",
    "STAGES",
    "export_frame",
    "synthetic_export",
    "write_export",
]

#: Loss reason written for each losing ending.
LOSS_REASONS: dict[Ending, str] = {
    Ending.RIVAL: "Lost to competitor",
    Ending.STATUS_QUO: "No decision",
    Ending.INDECISION: "No decision",
    Ending.WENT_DARK: "Went dark",
}
#: The loss reasons that mean no decision (status quo and indecision).
NO_DECISION_REASONS: tuple[str, ...] = ("No decision",)
#: Stage labels of the export: won, lost, and the one stage of open deals.
STAGES = {"won": "Closed Won", "lost": "Closed Lost", "open": "Open"}

_CODE = {e: k for k, e in enumerate(ENDINGS)}


def export_frame(
    journeys: Journeys,
    as_of_day: float,
    start: pd.Timestamp | str = "2025-01-01",
    price: float = 1.0,
    prefix: str = "OPP-",
) -> pd.DataFrame:
    """The opportunities of one run as a CRM holds them on day ``as_of_day``.

    An opportunity is a lead qualified by then (``journeys.qualified_at``: its first
    meeting, or its arrival if it came past AWARENESS), opened on the day it arrived;
    whether it is won, lost or open is what it is on that day.

    Parameters
    ----------
    journeys : Journeys
        One strategy's journeys in one replication.
    as_of_day : float
        The export date, in days from the start of the run (usually the
        horizon: no lead arrives after it).
    start : Timestamp or str
        The calendar date of day 0.
    price : float
        The value written on won deals.
    prefix : str
        Opportunity ids are ``prefix`` and a running number, in order of arrival.

    Returns
    -------
    pandas.DataFrame
        The canonical frame of :func:`simsales.data.crm.read_opportunities`:
        ``id, opened, closed, outcome, value, loss_reason, no_decision, stage``,
        with ``attrs["as_of"]`` and ``attrs["source"] = "simulated"``.
    """
    start = pd.Timestamp(start).normalize()
    ending = journeys.ending
    # an opportunity from the day it qualified (not from its ending, which the CRM does
    # not know yet: a lead still waiting for its first meeting is no opportunity)
    keep = journeys.qualified_at <= as_of_day  # NaN (never qualified): False
    arrival = journeys.arrival[keep]
    end = journeys.end[keep]
    ending = ending[keep]
    order = np.argsort(arrival, kind="stable")
    arrival, end, ending = arrival[order], end[order], ending[order]
    n = len(arrival)

    closed_in_time = end <= as_of_day
    won = closed_in_time & (ending == _CODE[Ending.WON])
    lost = closed_in_time & ~won
    outcome = np.where(won, "won", np.where(lost, "lost", "open"))

    day = np.timedelta64(1, "D")
    opened = start.to_datetime64() + np.floor(arrival).astype(np.int64) * day
    # (an open journey's end may be infinite: a censored run's)
    closed_day = np.floor(np.where(closed_in_time, end, 0.0)).astype(np.int64)
    closed = np.where(
        closed_in_time, start.to_datetime64() + closed_day * day, np.datetime64("NaT")
    ).astype("datetime64[ns]")

    reasons = np.full(n, None, dtype=object)
    no_decision = np.full(n, None, dtype=object)
    for e, text in LOSS_REASONS.items():
        hit = lost & (ending == _CODE[e])
        reasons[hit] = text
        no_decision[hit] = text in NO_DECISION_REASONS

    frame = pd.DataFrame(
        {
            "id": [f"{prefix}{k + 1:06d}" for k in range(n)],
            "opened": pd.to_datetime(opened).astype("datetime64[ns]"),
            "closed": pd.to_datetime(closed),
            "outcome": pd.Categorical(outcome, categories=["won", "lost", "open"]),
            "value": np.where(won, float(price), np.nan),
            "loss_reason": pd.array(reasons, dtype="string"),
            "no_decision": pd.array(no_decision, dtype="boolean"),
            "stage": [STAGES[o] for o in outcome],
        }
    )
    frame.attrs["as_of"] = start + pd.Timedelta(days=int(np.floor(as_of_day)))
    frame.attrs["source"] = "simulated"
    frame.attrs["dropped_no_open_date"] = 0
    return frame


def synthetic_export(
    config: Experiment,
    values: dict[str, float] | None = None,
    *,
    strategy: str | None = None,
    replication: int = 0,
    start: pd.Timestamp | str = "2025-01-01",
    price: float = 1.0,
) -> pd.DataFrame:
    """A CRM export that ``config`` (with ``values`` set) would produce.

    Parameters
    ----------
    config : Experiment
        The experiment; its horizon is the export date.
    values : dict, optional
        True values of parameters, by key path (as in ``[uncertain]``).
    strategy : str, optional
        The strategy that sold (default the file's first).
    replication : int
        Which replication of the experiment's seed.
    start : Timestamp or str
        The calendar date of day 0.
    price : float
        The value written on won deals.

    Returns
    -------
    pandas.DataFrame
        The canonical opportunity frame; ``attrs["strategy"]`` names the strategy.
    """
    names = config.strategy_names
    name = strategy if strategy is not None else names[0]
    if name not in names:
        raise ValueError(
            f"--strategy {name!r}: not one of the file's strategies ({', '.join(names)})"
        )
    cfg = config.at(dict(values or {}))
    world = build_world(cfg, replication)
    journeys, _ = simulate(world, cfg.strategies[names.index(name)].build(), None)
    frame = export_frame(journeys, cfg.horizon_days, start, price)
    frame.attrs["strategy"] = name
    return frame


def write_export(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as a CRM export in the ``plain`` shape (CSV or Parquet by suffix).

    Dates are written as ``YYYY-MM-DD``; an open deal has no close date and
    the stage ``Open``.
    """
    name = PRESETS["plain"]["columns"]  # the shape `simsales data` reads back
    outp = pd.DataFrame({
        name["id"]: frame["id"],
        name["opened"]: frame["opened"].dt.strftime("%Y-%m-%d"),
        name["closed"]: frame["closed"].dt.strftime("%Y-%m-%d"),
        name["outcome"]: frame["stage"],
        name["value"]: frame["value"],
        name["loss_reason"]: frame["loss_reason"],
    })  # fmt: skip
    if path.suffix == ".parquet":
        outp.to_parquet(path, index=False)
    else:
        outp.to_csv(path, index=False)
