"""The statistics of a funnel read from a CRM export (the canonical frame of
:func:`simsales.data.crm.read_opportunities`).

Definitions (docs/calibration.md, "Your data"):

- ``win_rate`` = won / (won + lost): of the closed deals; open deals are left out,
  not counted as losses;
- ``no_decision_share`` = lost deals whose reason is a no-decision reason / lost
  deals with a known reason (NaN if none is known);
- ``cycle_q25``, ``cycle_median``, ``cycle_q75``: Kaplan–Meier quantiles of the days
  from opening to closing, won or lost alike, open deals right-censored at
  ``as_of`` − opened; NaN where the curve does not reach the level. The
  q-quantile is the first time at which the estimated share closed reaches q;
- ``won_cycle_median``: the median days from opening to a win, over the won deals;
- ``value_median``, ``value_mean``: of the won deals with a value;
- ``opportunities_per_month`` = opportunities / months from the first opening to
  ``as_of`` (a month is 30.4375 days).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["DAYS_PER_MONTH", "KEYS", "describe", "funnel_statistics", "win_rate_interval"]

#: Days in a month: 365.25 / 12.
DAYS_PER_MONTH = 30.4375
#: The keys of :func:`funnel_statistics`, in this order.
KEYS = (
    "opportunities",
    "won",
    "lost",
    "open",
    "win_rate",
    "no_decision_share",
    "cycle_q25",
    "cycle_median",
    "cycle_q75",
    "won_cycle_median",
    "value_median",
    "value_mean",
    "opportunities_per_month",
)
_NS_PER_DAY = 86_400 * 10**9
_CYCLE = ("cycle_q25", "cycle_median", "cycle_q75")
_ORDER = {"won": 0, "lost": 1, "open": 2}


def _codes(outcome: pd.Series) -> np.ndarray:
    """0 won, 1 lost, 2 open, -1 anything else, whatever the categories' order."""
    values = outcome.array  # no Series made on the way: this is called thousands of times
    if isinstance(values, pd.Categorical):
        lookup = np.array([_ORDER.get(str(c), -1) for c in values.categories] + [-1])
        codes: np.ndarray = lookup[np.asarray(values.codes)]  # code -1 (missing): the last
        return codes
    labels = np.asarray(values, dtype=object)
    return np.select([labels == k for k in _ORDER], list(_ORDER.values()), -1)


def _ns(column: pd.Series) -> np.ndarray:
    return np.asarray(column.array, dtype="datetime64[ns]").view(np.int64)


def _as_of_ns(frame: pd.DataFrame, opened: np.ndarray, closed: np.ndarray) -> int:
    as_of = frame.attrs.get("as_of")
    if as_of is not None and not pd.isna(as_of):
        return int(pd.Timestamp(as_of).as_unit("ns").value)
    nat = np.iinfo(np.int64).min
    return int(max(opened.max(), closed[closed != nat].max(initial=nat)))


def km_quantiles(
    events: np.ndarray, censored: np.ndarray, levels: tuple[float, ...]
) -> list[float]:
    """Kaplan–Meier quantiles of durations: the first time at which the estimated
    cumulative share of ``events`` reaches each level (NaN where it never does).

    Parameters
    ----------
    events : array
        Durations that ended (here: days to close).
    censored : array
        Durations still running when observation stopped (right-censored).
    levels : tuple of float
        Levels in (0, 1).

    Examples
    --------
    >>> km_quantiles(np.array([1.0, 2.0, 3.0]), np.array([]), (0.5,))
    [2.0]
    """
    if events.size == 0:
        return [math.nan] * len(levels)
    data = stats.CensoredData(uncensored=events, right=censored)
    cdf = stats.ecdf(data).cdf
    times, reached = cdf.quantiles, cdf.probabilities
    at = np.searchsorted(reached, np.asarray(levels) - 1e-12, side="left")
    return [float(times[i]) if i < times.size else math.nan for i in at]


def funnel_statistics(frame: pd.DataFrame) -> dict[str, float]:
    """The funnel's statistics (keys :data:`KEYS`, defined in the module).

    Open deals are censored at ``frame.attrs["as_of"]`` (default: the latest date
    in the frame). Vectorised: about a millisecond for 2,000 rows.
    """
    codes = _codes(frame["outcome"])
    won, lost, is_open = codes == 0, codes == 1, codes == 2
    n_won, n_lost, n_open = int(won.sum()), int(lost.sum()), int(is_open.sum())
    opened, closed = _ns(frame["opened"]), _ns(frame["closed"])
    n = opened.size
    as_of = _as_of_ns(frame, opened, closed) if n else 0
    decided = won | lost
    end = np.where(is_open, as_of, closed)
    days = np.maximum(end - opened, 0) / _NS_PER_DAY
    q25, q50, q75 = km_quantiles(days[decided], days[is_open], (0.25, 0.5, 0.75))

    value = np.asarray(frame["value"].array, dtype=float)[won]
    value = value[~np.isnan(value)]
    flags = frame["no_decision"].array
    known = lost & ~np.asarray(flags.isna(), dtype=bool)
    nd = np.asarray(flags.to_numpy(dtype=bool, na_value=False))[known]
    months = (as_of - opened.min()) / _NS_PER_DAY / DAYS_PER_MONTH if n else 0.0
    return {
        "opportunities": float(n),
        "won": float(n_won),
        "lost": float(n_lost),
        "open": float(n_open),
        "win_rate": n_won / (n_won + n_lost) if n_won + n_lost else math.nan,
        "no_decision_share": float(nd.mean()) if nd.size else math.nan,
        "cycle_q25": q25,
        "cycle_median": q50,
        "cycle_q75": q75,
        "won_cycle_median": float(np.median(days[won])) if n_won else math.nan,
        "value_median": float(np.median(value)) if value.size else math.nan,
        "value_mean": float(value.mean()) if value.size else math.nan,
        "opportunities_per_month": float(n / months) if months > 0 else math.nan,
    }


def win_rate_interval(frame: pd.DataFrame, level: float = 0.95) -> tuple[float, float]:
    """The Wilson interval of the win rate of the closed deals, at ``level``
    (``(nan, nan)`` without closed deals)."""
    codes = _codes(frame["outcome"])
    won, closed = int((codes == 0).sum()), int(((codes == 0) | (codes == 1)).sum())
    if closed == 0:
        return math.nan, math.nan
    ci = stats.binomtest(won, closed).proportion_ci(confidence_level=level, method="wilson")
    return float(ci.low), float(ci.high)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if math.isfinite(x) else "–"


def _num(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}" if math.isfinite(x) else "–"


def describe(frame: pd.DataFrame) -> str:
    """What was read, as ``simsales data`` prints it: counts by outcome, the win rate
    with its 95% interval, the no-decision share, the cycle quantiles, deal values,
    opportunities per month and the rows left out."""
    s = funnel_statistics(frame)
    a = frame.attrs
    lo, hi = win_rate_interval(frame)
    as_of = pd.Timestamp(a["as_of"]) if a.get("as_of") is not None else None
    head = str(a.get("source", "opportunities"))
    how = [f"preset {a['preset']}"] if a.get("preset") else []
    how += [f"{k} dates read as {v}" for k, v in a.get("date_formats", {}).items()]
    lines = [head + (f" ({'; '.join(how)})" if how else "")]
    if as_of is not None:
        lines.append(f"as of {as_of:%Y-%m-%d}")
    n, closed = int(s["opportunities"]), int(s["won"] + s["lost"])
    lines += [
        "",
        f"opportunities          {n:,}",
        f"  won                  {int(s['won']):,}",
        f"  lost                 {int(s['lost']):,}",
        f"  open                 {int(s['open']):,} (censored at as_of)",
    ]
    left_out = []
    dropped = int(a.get("dropped_no_open_date", 0))
    if dropped:
        rows = a.get("dropped_rows", [])
        shown = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
        left_out.append(f"{dropped:,} without an opening date (row {shown})")
    if a.get("blank_rows"):
        left_out.append(f"{a['blank_rows']:,} blank")
    if a.get("footer_rows"):
        left_out.append(
            f"{a['footer_rows']:,} at the end with no opening date or outcome (a footer)"
        )
    lines.append("rows left out          " + ("; ".join(left_out) if left_out else "none"))
    lines.append(
        f"win rate               {_pct(s['win_rate'])} [{_pct(lo)}, {_pct(hi)}] "
        f"(95% Wilson interval; won of {closed:,} closed deals)"
    )
    reasons = frame["loss_reason"].notna().to_numpy()
    known = int(frame["no_decision"].notna().sum())
    if not reasons.any():
        nd = "no loss reasons mapped (give columns.loss_reason)"
    else:
        nd = (
            f"{_pct(s['no_decision_share'])} of the {known:,} losses with a known reason "
            f"({int(s['lost']) - known:,} lost without a reason)"
        )
    lines.append(f"no-decision share      {nd}")
    q = [_num(s[k], 1) if math.isfinite(s[k]) else "not reached" for k in _CYCLE]
    lines.append(
        f"cycle, days            25% {q[0]}, median {q[1]}, 75% {q[2]} (Kaplan–Meier, "
        f"won or lost; {int(s['open']):,} open censored)"
    )
    lines.append(f"won cycle median, days {_num(s['won_cycle_median'], 1)}")
    won = frame["value"].to_numpy(dtype=float)[_codes(frame["outcome"]) == 0]
    won = won[~np.isnan(won)]
    if won.size:
        p10, p25, p75, p90 = np.quantile(won, [0.1, 0.25, 0.75, 0.9])
        lines.append(
            f"won deal value         median {_num(s['value_median'])}, mean "
            f"{_num(s['value_mean'])}; 10% {_num(p10)}, 25% {_num(p25)}, 75% {_num(p75)}, "
            f"90% {_num(p90)} ({won.size:,} won with a value)"
        )
    else:
        lines.append("won deal value         – (no won deal has a value)")
    months = n / s["opportunities_per_month"] if s["opportunities_per_month"] > 0 else math.nan
    lines.append(
        f"opportunities / month  {_num(s['opportunities_per_month'], 1)} "
        f"({n:,} over {_num(months, 1)} months, first opening to as_of)"
    )
    return "\n".join(lines)
