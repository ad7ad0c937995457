"""Known-answer tests of every metric, on hand-built journeys."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simsales.engine.metrics import METRICS, journey_metrics
from simsales.engine.simulation import ENDINGS
from simsales.engine.world import Journeys
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
    churned=np.array([False, True, False, False, False, False]),
    post_hours=np.array([30.0, 10.0, 0, 0, 0, 0]),
    revenue_first=np.array([1.0, 1.0, 0, 0, 0, 0]),
    revenue_expansion=np.array([0.3, 0.0, 0, 0, 0, 0]),
    revenue_renewal=np.array([1.3, 1.0, 0, 0, 0, 0]),
    referrals=np.array([2, 0, 0, 0, 0, 0]),
    renewals=np.array([1, 1, 0, 0, 0, 0]),
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
