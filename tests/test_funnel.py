"""The funnel statistics of a canonical frame: known answers worked by hand (the
Kaplan–Meier quantiles with censoring, the Wilson interval, the no-decision share),
and properties that hold for any frame (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsales.data.funnel import KEYS, describe, funnel_statistics, km_quantiles, win_rate_interval

DAY = pd.Timedelta(days=1)
START = pd.Timestamp("2024-01-01")


def frame(
    outcome: list[str],
    opened_day: list[float],
    closed_day: list[float | None],
    as_of_day: float | None = None,
    value: list[float] | None = None,
    no_decision: list[bool | None] | None = None,
) -> pd.DataFrame:
    """A canonical frame from days after 2024-01-01."""
    n = len(outcome)
    f = pd.DataFrame(
        {
            "id": [f"o{k}" for k in range(n)],
            "opened": START + pd.to_timedelta(opened_day, unit="D"),
            "closed": pd.to_datetime(
                [START + d * DAY if d is not None else pd.NaT for d in closed_day]
            ).astype("datetime64[ns]"),
            "outcome": pd.Categorical(outcome, categories=["won", "lost", "open"]),
            "value": np.asarray(value if value is not None else [np.nan] * n, dtype=float),
            "loss_reason": pd.array([pd.NA] * n, dtype="string"),
            "no_decision": pd.array(no_decision or [None] * n, dtype="boolean"),
            "stage": outcome,
        }
    )
    f["opened"] = f["opened"].astype("datetime64[ns]")
    if as_of_day is not None:
        f.attrs["as_of"] = START + as_of_day * DAY
    return f


def hand_example() -> pd.DataFrame:
    """Five closes after 2, 4, 4, 7 and 10 days; two open deals, 3 and 8 days old on
    the export day (day 10)."""
    return frame(
        outcome=["won", "lost", "won", "lost", "won", "open", "open"],
        opened_day=[0, 0, 0, 0, 0, 7, 2],
        closed_day=[2, 4, 4, 7, 10, None, None],
        as_of_day=10,
        value=[100.0, 999.0, 300.0, 5.0, np.nan, 7.0, 8.0],
        no_decision=[None, True, None, False, None, None, None],
    )


# ------------------------------------------------------------------ known answers
def test_kaplan_meier_quantiles_by_hand() -> None:
    """At risk 7: S(2) = 6/7; the deal censored at 3 leaves 5 at risk, two close at
    4: S(4) = 6/7 * 3/5 = 18/35 (F = 0.486 < 0.5); at risk 3 at 7: S(7) = 12/35
    (F = 0.657); the one censored at 8 leaves 1, closing at 10: S(10) = 0.
    So q25 = 4, median = 7 (F reaches 0.5 only at 7), q75 = 10."""
    s = funnel_statistics(hand_example())
    assert (s["cycle_q25"], s["cycle_median"], s["cycle_q75"]) == (4.0, 7.0, 10.0)


def test_kaplan_meier_that_does_not_reach_a_level_gives_nan() -> None:
    # one close at 2 of 4 at risk (F = 0.25), the three others censored later
    f = frame(["won", "open", "open", "open"], [0, 5, 4, 3], [2, None, None, None], 10)
    s = funnel_statistics(f)
    assert s["cycle_q25"] == 2.0
    assert math.isnan(s["cycle_median"]) and math.isnan(s["cycle_q75"])


def test_without_censoring_the_quantiles_are_the_empirical_ones() -> None:
    days = np.array([5.0, 1.0, 3.0, 9.0, 7.0, 2.0])
    got = km_quantiles(days, np.array([]), (0.25, 0.5, 0.75))
    assert got == list(np.quantile(days, [0.25, 0.5, 0.75], method="inverted_cdf"))


def test_counts_rates_values_and_rate_by_hand() -> None:
    s = funnel_statistics(hand_example())
    assert set(s) == set(KEYS)
    assert (s["opportunities"], s["won"], s["lost"], s["open"]) == (7, 3, 2, 2)
    assert s["win_rate"] == pytest.approx(3 / 5)
    assert s["no_decision_share"] == pytest.approx(1 / 2)  # of the 2 with a reason
    assert s["won_cycle_median"] == 4.0  # 2, 4, 10
    assert (s["value_median"], s["value_mean"]) == (200.0, 200.0)  # won: 100, 300, (NaN)
    assert s["opportunities_per_month"] == pytest.approx(7 / (10 / 30.4375))


def test_wilson_interval_by_hand() -> None:
    """3 won of 10 closed: (p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n)."""
    f = frame(["won"] * 3 + ["lost"] * 7 + ["open"], [0] * 11, [1] * 10 + [None], 5)
    z, n, p = 1.959963984540054, 10, 0.3
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = win_rate_interval(f)
    assert (lo, hi) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert (round(lo, 4), round(hi, 4)) == (0.1078, 0.6032)
    assert win_rate_interval(f, level=0.5)[1] < hi


def test_no_closed_deal_no_loss_reason() -> None:
    f = frame(["open", "open"], [0, 1], [None, None], 30)
    s = funnel_statistics(f)
    assert math.isnan(s["win_rate"]) and math.isnan(s["no_decision_share"])
    assert math.isnan(s["cycle_median"]) and math.isnan(s["value_mean"])
    assert all(math.isnan(x) for x in win_rate_interval(f))
    text = describe(f)
    assert "no loss reasons mapped" in text and "win rate               –" in text


def test_as_of_defaults_to_the_latest_date() -> None:
    f = hand_example()
    del f.attrs["as_of"]
    # latest date: the close at day 10, as given
    assert funnel_statistics(f) == funnel_statistics(hand_example())


def test_outcome_as_plain_text_or_other_category_order() -> None:
    f = hand_example()
    g = f.copy()
    g["outcome"] = g["outcome"].astype(str)
    h = f.copy()
    h["outcome"] = h["outcome"].cat.reorder_categories(["open", "won", "lost"])
    assert funnel_statistics(g) == funnel_statistics(f) == funnel_statistics(h)


# ------------------------------------------------------------------ properties
@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    outcome = draw(st.lists(st.sampled_from(["won", "lost", "open"]), min_size=n, max_size=n))
    opened = draw(st.lists(st.integers(0, 200), min_size=n, max_size=n))
    cycle = draw(st.lists(st.integers(0, 120), min_size=n, max_size=n))
    closed = [
        o + c if k != "open" else None for k, o, c in zip(outcome, opened, cycle, strict=True)
    ]
    ends = [c for c in closed if c is not None] + opened
    as_of = max(ends) + draw(st.integers(0, 30))
    value = draw(st.lists(st.one_of(st.none(), st.floats(0, 1e6)), min_size=n, max_size=n))
    nd = draw(st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n))
    nd = [x if k == "lost" else None for k, x in zip(outcome, nd, strict=True)]
    return frame(outcome, opened, closed, as_of, [np.nan if v is None else v for v in value], nd)


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    return all(
        (math.isnan(a[k]) and math.isnan(b[k])) or a[k] == pytest.approx(b[k], rel=1e-12)
        for k in KEYS
    )


@settings(max_examples=100, deadline=None)
@given(frames(), st.randoms(use_true_random=False))
def test_funnel_statistics_invariants(f: pd.DataFrame, rnd) -> None:  # type: ignore[no-untyped-def]
    s = funnel_statistics(f)
    assert list(s) == list(KEYS) and all(isinstance(v, float) for v in s.values())
    assert s["won"] + s["lost"] + s["open"] == s["opportunities"] == len(f)
    closed = s["won"] + s["lost"]
    if closed:
        assert 0.0 <= s["win_rate"] <= 1.0
        lo, hi = win_rate_interval(f)
        assert 0.0 <= lo <= s["win_rate"] <= hi <= 1.0
    else:
        assert math.isnan(s["win_rate"]) and math.isnan(s["cycle_q25"])
    share = s["no_decision_share"]
    assert math.isnan(share) or 0.0 <= share <= 1.0
    q = [s["cycle_q25"], s["cycle_median"], s["cycle_q75"]]
    finite = [x for x in q if math.isfinite(x)]
    assert finite == q[: len(finite)], "a higher level is reached only after a lower one"
    assert finite == sorted(finite)
    decided = f["outcome"].isin(["won", "lost"]).to_numpy()
    days = ((f["closed"] - f["opened"]) / DAY).to_numpy()[decided]
    for x in finite:  # a quantile is a time at which a deal closed
        assert np.isclose(days, x).any()
    if not f["outcome"].eq("open").any() and closed:  # nothing censored: all levels reached
        assert len(finite) == 3
    assert s["opportunities_per_month"] > 0 or math.isnan(s["opportunities_per_month"])
    # permuting the rows changes nothing
    order = list(range(len(f)))
    rnd.shuffle(order)
    g = f.iloc[order].reset_index(drop=True)
    g.attrs = dict(f.attrs)
    assert _same(funnel_statistics(g), s)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 50), min_size=1, max_size=30),
    st.lists(st.integers(0, 50), max_size=30),
)
def test_scipy_kaplan_meier_matches_a_product_limit_by_hand(
    events: list[int], censored: list[int]
) -> None:
    """The product-limit estimate written out: at each close time t, S *= 1 − d/n with
    d closes at t and n still at risk (closes and censorings at t or later)."""
    e, c = np.array(events, dtype=float), np.array(censored, dtype=float)
    levels = (0.25, 0.5, 0.75)
    want = []
    for level in levels:
        survival, found = 1.0, math.nan
        for t in np.unique(e):
            at_risk = (e >= t).sum() + (c >= t).sum()
            survival *= 1 - (e == t).sum() / at_risk
            if 1 - survival >= level - 1e-12:
                found = float(t)
                break
        want.append(found)
    got = km_quantiles(e, c, levels)
    assert [x if math.isfinite(x) else None for x in got] == [
        x if math.isfinite(x) else None for x in want
    ]
