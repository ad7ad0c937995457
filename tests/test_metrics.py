"""Known-answer tests of every metric, on hand-built journeys."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simsales.engine.metrics import METRICS, journey_metrics
from simsales.engine.simulation import ENDINGS
from simsales.engine.world import LEAD_SOURCES, Journeys
from simsales.model.orbits import Ending, Orbit

W, R, SQ, IND, DARK, UNQ = (ENDINGS.index(e) for e in (
    Ending.WON, Ending.RIVAL, Ending.STATUS_QUO, Ending.INDECISION, Ending.WENT_DARK,
    Ending.UNQUALIFIED,
))  # fmt: skip

# Six leads: two won (one of them referred, one churned after a renewal),
# one lost to a rival, one to the status quo by patience, one to indecision,
# one unqualified.
J = Journeys(
    arrival=np.array([0.0, 10.0, 20.0, 30.0, 40.0, 50.0]),
    end=np.array([40.0, 110.0, 60.0, 90.0, 100.0, 70.0]),
    ending=np.array([W, W, R, SQ, IND, UNQ]),
    max_orbit=np.array([Orbit.REFER, Orbit.BELIEF, Orbit.ACQUISITION, Orbit.BENEFIT,
                        Orbit.ACQUISITION, Orbit.AWARENESS]),
    hours=np.array([10.0, 20.0, 8.0, 6.0, 12.0, 1.5]),
    true_value=np.array([4.0, 0.8, 3.0, 1.0, 2.0, 5.0]),
    internalisation=np.array([0.5, 0.1, 0.0, 0.0, 0.3, 0.0]),
    timed_out=np.array([False, False, False, True, True, True]),
    referred=np.array([False, True, False, False, True, False]),
    lead_cost=np.array([0.01, 0.002, 0.01, 0.01, 0.002, 0.01]),
    won_at=np.array([40.0, 110.0, np.nan, np.nan, np.nan, np.nan]),
    qualified_at=np.array([5.0, 10.0, 25.0, 35.0, 40.0, np.nan]),
    churned=np.array([False, True, False, False, False, False]),
    post_hours=np.array([30.0, 10.0, 0, 0, 0, 0]),
    revenue_first=np.array([1.0, 1.0, 0, 0, 0, 0]),
    revenue_expansion=np.array([0.3, 0.0, 0, 0, 0, 0]),
    revenue_renewal=np.array([1.3, 1.0, 0, 0, 0, 0]),
    referrals=np.array([2, 0, 0, 0, 0, 0]),
    renewals=np.array([1, 1, 0, 0, 0, 0]),
    # inbound, referral, inbound, outbound, referral, inbound
    source=np.array([1, 2, 1, 0, 2, 1]),
)  # fmt: skip
SELLER, POST, MARGIN = 0.003, 0.002, 0.7


@pytest.fixture(scope="module")
def m():
    return journey_metrics(J, SELLER, POST, MARGIN)


def test_every_metric_is_computed(m):
    assert list(m) == list(METRICS)


def test_pre_sale_metrics(m):
    assert (m["leads"], m["qualified"], m["wins"]) == (6, 5, 2)
    assert m["conversion"] == pytest.approx(2 / 5)
    assert m["win_rate_all_leads"] == pytest.approx(2 / 6)
    assert (m["lost_rival"], m["lost_status_quo"], m["lost_indecision"]) == (1, 1, 1)
    assert (m["lost_went_dark"], m["unqualified"]) == (0, 1)
    assert m["lost_patience_out"] == 2  # the unqualified time-out is not a qualified loss
    assert m["no_decision_share"] == pytest.approx(2 / 3)
    assert m["indecision_share_of_no_decision"] == pytest.approx(1 / 2)
    assert m["cycle_median"] == pytest.approx(70.0)  # cycles 40 and 100
    assert m["cycle_p90"] == pytest.approx(40 + 0.9 * 60)
    assert m["cycle_p10"] == pytest.approx(40 + 0.1 * 60)
    assert m["seller_hours"] == pytest.approx(57.5)
    assert m["hours_per_win"] == pytest.approx(57.5 / 2)
    cost = 57.5 * SELLER + 0.044
    assert m["cost_of_sales"] == pytest.approx(cost)
    assert m["cost_per_win"] == pytest.approx(cost / 2)
    assert m["revenue"] == 2.0
    assert m["cost_of_sale_share"] == pytest.approx(cost / 2)
    assert m["roise"] == pytest.approx(MARGIN * 2 / cost)
    assert m["regret_share"] == pytest.approx(1 / 2)  # the won 0.8
    assert m["internalisation_won"] == pytest.approx(0.3)
    assert [
        m[f"reached_{o}"]
        for o in ("awareness", "potential", "benefit", "observation", "acquisition")
    ] == [6, 5, 5, 4, 4]


def test_lifecycle_metrics(m):
    assert m["revenue_expansion"] == pytest.approx(0.3)
    assert m["revenue_renewal"] == pytest.approx(2.3)
    total = 2.0 + 0.3 + 2.3
    assert m["revenue_total"] == pytest.approx(total)
    assert (m["churned"], m["renewals"]) == (1, 2)
    assert m["churn_rate"] == pytest.approx(1 / 3)
    assert m["referral_leads"] == 2
    assert m["referrals_per_customer"] == pytest.approx(1.0)
    assert m["referral_share_of_leads"] == pytest.approx(2 / 6)
    assert m["referral_share_of_wins"] == pytest.approx(1 / 2)
    assert m["post_sale_hours"] == 40.0
    assert m["acquisition_cost"] == pytest.approx(0.044)
    assert m["presale_cost"] == pytest.approx(57.5 * SELLER)
    assert m["post_sale_cost"] == pytest.approx(40 * POST)
    tcos = 0.044 + 57.5 * SELLER + 40 * POST
    assert m["total_cost_of_sales"] == pytest.approx(tcos)
    assert m["total_cost_share"] == pytest.approx(tcos / total)
    assert m["clv"] == pytest.approx((MARGIN * total - 40 * POST) / 2)
    assert m["roise_lifecycle"] == pytest.approx(MARGIN * total / tcos)


def test_undefined_ratios_are_nan():
    empty = Journeys(**{k: np.asarray(v)[:1] for k, v in J.__dict__.items()})
    lost = Journeys(**{**empty.__dict__, "ending": np.array([R]), "renewals": np.array([0]),
                       "churned": np.array([False])})  # fmt: skip
    out = journey_metrics(lost, SELLER, POST, MARGIN)
    for key in ("cycle_median", "cost_per_win", "cost_of_sale_share", "churn_rate", "clv"):
        assert math.isnan(out[key]), key


def test_lead_sources_are_named_in_order():
    assert LEAD_SOURCES == ("outbound", "inbound", "referral")


def test_metrics_by_lead_source(m):
    # no prospecting, programme or team cost: the totals are today's
    assert (m["prospecting_hours"], m["programme_cost"], m["team_cost"]) == (0, 0, 0)
    assert m["total_cost_with_team"] == pytest.approx(m["total_cost_of_sales"])
    assert [m[f"leads_{s}"] for s in LEAD_SOURCES] == [1, 3, 2]
    assert [m[f"wins_{s}"] for s in LEAD_SOURCES] == [0, 1, 1]
    assert m["conversion_outbound"] == 0.0  # 0 wins of 1 qualified
    assert m["conversion_inbound"] == pytest.approx(1 / 2)  # the unqualified one is out
    assert m["conversion_referral"] == pytest.approx(1 / 2)
    assert m["cycle_median_inbound"] == pytest.approx(40.0)
    assert m["cycle_median_referral"] == pytest.approx(100.0)
    assert math.isnan(m["cycle_median_outbound"])
    assert [m[f"hours_{s}"] for s in LEAD_SOURCES] == pytest.approx([6.0, 19.5, 32.0])
    assert m["cost_inbound"] == pytest.approx(19.5 * SELLER + 0.03)
    assert m["cost_per_win_referral"] == pytest.approx(32.0 * SELLER + 0.004)
    assert sum(m[f"cost_{s}"] for s in LEAD_SOURCES) == pytest.approx(m["cost_of_sales"])


def test_run_totals_enter_the_costs():
    base = journey_metrics(J, SELLER, POST, MARGIN)
    out = journey_metrics(
        J, SELLER, POST, MARGIN, prospecting_hours=100.0, programme_cost=0.5, team_cost=2.0
    )
    extra = 100.0 * SELLER + 0.5
    assert out["prospecting_cost"] == pytest.approx(100.0 * SELLER)
    assert out["hours_per_win"] == pytest.approx((57.5 + 100.0) / 2)
    assert out["cost_of_sales"] == pytest.approx(base["cost_of_sales"] + extra)
    assert out["presale_cost"] == pytest.approx(base["presale_cost"] + 100.0 * SELLER)
    assert out["total_cost_of_sales"] == pytest.approx(base["total_cost_of_sales"] + extra)
    assert out["total_cost_with_team"] == pytest.approx(out["total_cost_of_sales"] + 2.0)
    assert out["total_cost_share_with_team"] == pytest.approx(
        out["total_cost_with_team"] / out["revenue_total"]
    )
    assert out["hours_outbound"] == pytest.approx(6.0 + 100.0)
    assert out["cost_outbound"] == pytest.approx(6.0 * SELLER + 0.01 + 100.0 * SELLER)
    assert out["seller_hours"] == base["seller_hours"]  # prospecting is reported apart
