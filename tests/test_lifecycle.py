"""After the sale: each transition rule, renewals, referrals (docs/model.md 4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simsales.engine.simulation import ENDINGS, simulate
from simsales.model.actions import Action
from simsales.model.lifecycle import Account, Lifecycle, referral_start, warm_referral
from simsales.model.orbits import Ending, Orbit
from simsales.model.strategies import make_strategy

from worlds import const, exact_behaviour, make_buyer, tiny_population, tiny_world

#: Lifecycle with every chance at 0 or 1, for exact transitions.
SURE = {
    "install_success": 1.0,
    "install_adoption": 0.5,
    "adoption_rate": 0.5,
    "adoption_internalised": 0.0,
    "belief_adoption": 0.7,
    "expansion_probability": 1.0,
    "advocacy_probability": 1.0,
    "zealot_probability": 1.0,
    "back_probability": 1.0,
    "temperature": 0.01,
}


def account(life: dict | None = None, referred: bool = False, **traits) -> Account:
    pop = tiny_population(**{"value_ratio": const(4.0), "known_need_share": const(1.0), **traits})
    return Account(make_buyer(pop), Lifecycle(**(life or SURE)), referred)


def test_expectation_is_the_perceived_value_at_purchase():
    a = account(first_impression_bias=const(0.5))
    assert a.expectation == pytest.approx(4.0 * math.exp(0.5))
    assert a.orbit == Orbit.INSTALLATION


def test_installation_then_adaptation_then_belief(rng):
    a = account()
    assert a.step(None, rng) == "installed" and a.orbit == Orbit.ADAPTATION
    assert a.adoption == 0.5
    # adoption closes half the gap per step: 0.5 -> 0.75 >= 0.7
    assert a.step(None, rng) == "adopting" and a.orbit == Orbit.BELIEF
    assert a.adoption == pytest.approx(0.75)


def test_installation_can_take_several_steps():
    life = {**SURE, "install_success": 0.25}
    n = 4000
    rng = np.random.default_rng(3)
    done = sum(account(life).step(None, rng) == "installed" for _ in range(n))
    assert abs(done / n - 0.25) < 4 * math.sqrt(0.25 * 0.75 / n)


def test_onboarding_adds_its_adoption_gain_to_installation():
    life = {**SURE, "install_success": 0.0}
    rng = np.random.default_rng(0)
    assert account(life).step(None, rng) == "stays"
    help_ = Action(name="onboarding", hours=6.0, adoption_gain=1.0)
    assert account(life).step(help_, rng) == "installed"


def test_internalisation_speeds_adoption(rng):
    life = {**SURE, "adoption_rate": 0.1, "adoption_internalised": 0.4}
    slow, fast = account(life), account(life)
    fast.buyer.internalisation = 1.0
    for a in (slow, fast):
        a.step(None, rng)  # installed at 0.5
        a.step(None, rng)
    assert slow.adoption == pytest.approx(0.5 + 0.1 * 0.5)
    assert fast.adoption == pytest.approx(0.5 + 0.5 * 0.5)


def _to_belief(a: Account, rng) -> None:
    while a.orbit < Orbit.BELIEF:
        a.step(None, rng)


def test_satisfied_customer_climbs_to_zealot(rng):
    a = account()
    a.buyer.internalisation = 1.0
    _to_belief(a, rng)
    assert a.satisfaction() > 0
    assert [a.step(None, rng) for _ in range(3)] == ["believes", "expanded", "zealot"]
    assert a.orbit == Orbit.ZEALOT and a.expanded
    assert a.contract_value() == pytest.approx(1.3)


def test_inflated_impression_is_disappointed_at_belief(rng):
    # bought believing the value was e^1.5 ~ 4.5 x the truth: realised value
    # falls short, so it doubts and falls back instead of believing
    a = account(first_impression_bias=const(1.5))
    _to_belief(a, rng)
    assert a.satisfaction() < 0
    assert a.step(None, rng) == "fell_back" and a.orbit == Orbit.ADAPTATION


def test_renewal_probability_is_the_logit_of_satisfaction_statistical():
    life = {**SURE, "temperature": 0.5, "renewal_bias": 1.0}
    rng = np.random.default_rng(4)
    probe = account(life, value_ratio=const(1.5))
    probe.adoption = 0.6
    x = probe.satisfaction() / 0.5 + 1.0
    p = 1 / (1 + math.exp(-x))
    n = 4000
    renewed = 0
    for _ in range(n):
        a = account(life, value_ratio=const(1.5))
        a.adoption = 0.6
        renewed += a.renews(rng)
    assert abs(renewed / n - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_satisfaction_known_answer(rng):
    # S = log(aV / C) + w_d min(0, log(V / E)) + w_int * internalisation:
    # disappointment compares value and expectation at the same adoption
    a = account({**SURE, "disappointment_weight": 2.0, "internalisation_weight": 0.5})
    a.adoption = 0.5
    a.buyer.internalisation = 0.4
    # value 4, unbiased: E = 4, realised 2, contract 1: no disappointment while adopting
    assert a.satisfaction() == pytest.approx(math.log(2.0) + 0.2)
    a.expectation = 5.0  # expected 5, delivers 4: 2 log(4 / 5) at any adoption
    assert a.satisfaction() == pytest.approx(math.log(2.0) + 2.0 * math.log(0.8) + 0.2)
    a.adoption = 1.0
    assert a.satisfaction() == pytest.approx(math.log(4.0) + 2.0 * math.log(0.8) + 0.2)
    a.expectation = 3.0  # expected less than it gets: no disappointment
    assert a.satisfaction() == pytest.approx(math.log(4.0) + 0.2)
    a.expectation = 0.0  # expected nothing (known_need_share 0, nothing revealed): the limit
    assert a.satisfaction() == pytest.approx(math.log(4.0) + 0.2)


def test_adoption_alone_does_not_disappoint():
    # Property of the fix: an unbiased buyer is never disappointed, whatever its adoption
    a = account({**SURE, "disappointment_weight": 3.0, "internalisation_weight": 0.0})
    for x in (0.05, 0.3, 0.6, 1.0):
        a.adoption = x
        assert a.satisfaction() == pytest.approx(math.log(x * 4.0))


def test_true_value_matters_after_the_sale():
    # same adoption, same (unbiased) impression: the better offer satisfies more
    low, high = account(value_ratio=const(0.5)), account(value_ratio=const(8.0))
    for x in (low, high):
        x.adoption = 0.6
    assert high.satisfaction() - low.satisfaction() == pytest.approx(math.log(16.0))
    assert low.satisfaction() < 0 < high.satisfaction()


def test_inflated_expectation_lowers_satisfaction_by_the_shortfall():
    fair, inflated = account(), account(first_impression_bias=const(0.5))
    for x in (fair, inflated):
        x.adoption = 1.0
    assert fair.satisfaction() - inflated.satisfaction() == pytest.approx(0.5)


def test_referred_customers_renew_more_statistical():
    life = {**SURE, "temperature": 1.0, "renewal_bias": -1.5, "referred_loyalty": 1.0}
    rng = np.random.default_rng(8)
    n = 3000
    rates = []
    for referred in (False, True):
        renewed = 0
        for _ in range(n):
            a = account(life, referred)
            a.adoption, a.expectation = 0.25, 1.0  # realised 1 = price = expected: S = 0
            renewed += a.renews(rng)
        rates.append(renewed / n)
    p0, p1 = 1 / (1 + math.exp(1.5)), 1 / (1 + math.exp(0.5))
    assert abs(rates[0] - p0) < 4 * math.sqrt(p0 * (1 - p0) / n)
    assert abs(rates[1] - p1) < 4 * math.sqrt(p1 * (1 - p1) / n)


def test_dissatisfied_customer_doubts_or_falls_back():
    life = {**SURE, "back_probability": 0.0}
    a = account(life, value_ratio=const(0.2))  # worth a fifth of its price
    _to_belief(a, np.random.default_rng(0))
    assert a.step(None, np.random.default_rng(0)) == "doubts" and a.orbit == Orbit.BELIEF
    a = account({**SURE, "back_probability": 1.0}, value_ratio=const(0.2))
    a.buyer.orbit = Orbit.ZEALOT
    a.adoption = 0.9
    assert a.step(None, np.random.default_rng(0)) == "fell_back" and a.orbit == Orbit.REFER


def test_churned_account_stops_referring(rng):
    a = account()
    a.buyer.orbit = Orbit.REFER
    assert a.referral_rate() == 1.0
    a.buyer.orbit = Orbit.ZEALOT
    assert a.referral_rate() == 2.0
    a.churned = True
    assert a.referral_rate() == 0.0


def test_referral_leads_are_warmer():
    b = make_buyer(tiny_population(trust=const(0.2), first_impression_bias=const(0.4)))
    warm_referral(b, Lifecycle())
    assert b.trust == pytest.approx(0.2 + 0.3 * 0.8)
    assert b.bias[0] == pytest.approx(0.2)


def test_referral_start_orbits_statistical():
    # J ~ Poisson(referral_orbits) orbits past AWARENESS, cut at BENEFIT
    m, n = 0.8, 6000
    life = Lifecycle(referral_orbits=m)
    rng = np.random.default_rng(8)
    starts = []
    for _ in range(n):
        b = make_buyer()
        referral_start(b, life, rng, now=3.0)
        assert b.max_orbit == b.orbit and (b.orbit == Orbit.AWARENESS or b.last_progress == 3.0)
        starts.append(int(b.orbit))
    s = np.array(starts)
    expected = [math.exp(-m), m * math.exp(-m), 1 - math.exp(-m) * (1 + m)]
    for k, p in enumerate(expected):
        assert abs(np.mean(s == k) - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_referral_start_off_draws_nothing():
    class NoDraws:
        def poisson(self, lam):
            raise AssertionError("drew")

    b = make_buyer()
    assert referral_start(b, Lifecycle(referral_orbits=0.0), NoDraws(), 0.0) == 0  # type: ignore[arg-type]
    assert b.orbit == Orbit.AWARENESS


# ---------------------------------------------------------------- engine


def _lifecycle_run(life: dict, strategy: str = "relationship", **world_kw):
    # relationship gives no evidence, so the buyer's impression stays unbiased
    pop = tiny_population()
    log: list = []
    world = tiny_world(pop, exact_behaviour(access_base=1.0), [0.0], lifecycle=life, **world_kw)
    j, ledger = simulate(world, make_strategy(strategy, {"invest_after_sale": True}), log)
    return j, ledger, log


#: Sure transitions for a customer that adopts fully and owns its decision.
HAPPY = {
    **SURE,
    "belief_adoption": 0.9,
    "internalisation_weight": 2.0,
    "zealot_probability": 0.0,
    "renewal_bias": 50.0,
}


def test_won_customer_goes_through_the_post_sale_orbits_exact_log():
    # Unbiased buyer, sure transitions, monthly steps, 365-day contract, the
    # seller doubles as the success team; observed until day 400. Adoption is
    # 0.5 at install, then closes 0.5 + 0.15 (adoption support's gain) of the
    # gap per step: 0.825, then 0.939 >= 0.9.
    life = {**HAPPY, "resource": "sellers", "referral_rate": 0.0}
    j, ledger, log = _lifecycle_run(life, horizon=400.0)
    events = [(e[2], e[3]) for e in log]
    won = events.index(("won", "acquisition"))
    assert events[won + 1 :] == [
        ("installation", "installation"),
        ("installed", "adaptation"),
        ("adopting", "belief"),
        ("believes", "expansion"),
        ("expanded", "refer"),
        ("renewed", "refer"),
    ]
    assert ENDINGS[j.ending[0]] is Ending.WON
    assert j.max_orbit[0] == Orbit.REFER
    assert j.revenue_first[0] == 1.0
    assert j.revenue_expansion[0] == pytest.approx(0.3)
    assert j.revenue_renewal[0] == pytest.approx(1.3)  # the expanded contract renews
    # full orbit: onboarding 6 h, adoption support 3 h x 2, then account
    # reviews of 2 h at every later step
    assert j.post_hours[0] >= 6 + 6 and (j.post_hours[0] - 12) % 2 == 0
    assert sum(ledger.revenue) == pytest.approx(1 + 0.3 + 1.3)
    assert not j.churned[0]


def test_oversold_customer_doubts_where_a_fairly_sold_one_believes():
    # Same buyer and settings; push's oversold evidence inflates the
    # expectation, relationship leaves it true. Modest value (1.3 x price) and
    # no credit for internalisation: only the disappointment differs.
    life = {
        **HAPPY, "internalisation_weight": 0.0, "disappointment_weight": 5.0,
        "referral_rate": 0.0, "back_probability": 0.0,
    }  # fmt: skip
    pop = tiny_population(value_ratio=const(1.3))
    beh = exact_behaviour(access_base=1.0, evidence_noise=1e-6)
    runs = {}
    for name in ("push", "relationship"):
        log: list = []
        world = tiny_world(pop, beh, [0.0], lifecycle=life, horizon=300.0)
        simulate(world, make_strategy(name), log)
        runs[name] = [e[2] for e in log]
    assert "believes" in runs["relationship"]
    assert "believes" not in runs["push"] and "doubts" in runs["push"]


def test_transaction_only_spends_no_post_sale_hours():
    pop = tiny_population()
    world = tiny_world(pop, exact_behaviour(access_base=1.0), [0.0], lifecycle=SURE)
    j, _ = simulate(world, make_strategy("push"), None)
    assert j.post_hours[0] == 0.0


def test_advocates_create_referral_leads():
    life = {**HAPPY, "referral_rate": 12.0}
    j, _, _ = _lifecycle_run(life, horizon=365.0)
    assert j.referred.sum() > 0 and j.referrals.sum() == j.referred.sum()
    assert (j.lead_cost[j.referred] == Lifecycle().referral_lead_cost).all()
    assert (j.arrival[j.referred] < 365.0).all()  # leads only arrive before the horizon
    # referral leads are customers too: some of them win
    assert (ENDINGS.index(Ending.WON) == j.ending[j.referred]).any()


def test_lifecycle_off_ends_the_journey_at_the_sale():
    j, _, log = _lifecycle_run({"enabled": False})
    assert log[-1][2] == "won"
    assert j.revenue_renewal[0] == 0 and j.post_hours[0] == 0


def test_expansion_is_bought_once(rng):
    a = account()
    a.buyer.internalisation = 1.0
    _to_belief(a, rng)
    assert a.step(None, rng) == "believes"
    assert a.step(None, rng) == "expanded"
    a.buyer.orbit = Orbit.EXPANSION  # fell back, climbs again
    assert a.step(None, rng) == "refers" and a.orbit == Orbit.REFER
    assert a.contract_value() == pytest.approx(1.3)


def test_expansion_is_bought_once_under_the_old_advocacy_rule(rng):
    # advocacy = "expansion": REFER only through an expansion (the rule before
    # advocacy followed satisfaction); a fall back climbs again without buying
    a = account({**SURE, "advocacy": "expansion"})
    a.buyer.internalisation = 1.0
    _to_belief(a, rng)
    assert a.step(None, rng) == "believes"
    assert a.step(None, rng) == "expanded" and a.orbit == Orbit.REFER
    a.buyer.orbit = Orbit.EXPANSION
    assert a.step(None, rng) == "refers" and a.orbit == Orbit.REFER
    assert a.contract_value() == pytest.approx(1.3)


def test_old_advocacy_rule_never_refers_without_expansion(rng):
    a = account({**SURE, "advocacy": "expansion", "expansion_probability": 0.0})
    _to_belief(a, rng)
    assert a.step(None, rng) == "believes"
    assert {a.step(None, rng) for _ in range(50)} == {"stays"}
    assert a.orbit == Orbit.EXPANSION


def test_satisfied_believer_refers_without_an_upsell(rng):
    # advocacy = "satisfaction" (default): with no expansion at all, a satisfied
    # step in EXPANSION moves to REFER with advocacy_probability + 0.3 iota
    a = account({**SURE, "expansion_probability": 0.0})
    _to_belief(a, rng)
    assert a.step(None, rng) == "believes"
    assert a.step(None, rng) == "refers" and a.orbit == Orbit.REFER
    assert not a.expanded and a.contract_value() == 1.0
    assert a.referral_rate() == 1.0


def test_expansion_is_a_revenue_event_apart_from_advocacy(rng):
    # no advocacy at all: the account expands in EXPANSION but stays there
    a = account({**SURE, "advocacy_probability": 0.0, "advocacy_internalised": 0.0})
    _to_belief(a, rng)
    a.step(None, rng)
    assert a.step(None, rng) == "expanded" and a.orbit == Orbit.EXPANSION
    assert a.step(None, rng) == "stays" and a.contract_value() == pytest.approx(1.3)
    # an advocate that has not expanded can still expand in REFER (once)
    b = account({**SURE, "expansion_probability": 1.0, "zealot_probability": 0.0})
    b.buyer.orbit = Orbit.REFER
    b.adoption = 0.9
    assert b.step(None, rng) == "expanded" and b.orbit == Orbit.REFER
    assert b.step(None, rng) == "stays"


def test_advocacy_chance_follows_internalisation():
    # statistical: per satisfied step in EXPANSION the chance of REFER is
    # min(1, 0.2 + 0.3 iota); temperature 0.01 and high value make every step satisfied
    life = {**SURE, "expansion_probability": 0.0, "advocacy_probability": 0.2}
    n = 4000
    rng = np.random.default_rng(5)
    for iota in (0.0, 1.0):
        hits = 0
        for _ in range(n):
            a = account(life)
            a.buyer.internalisation = iota
            a.buyer.orbit = Orbit.EXPANSION
            a.adoption = 0.9
            hits += a.step(None, rng) == "refers"
        p = 0.2 + 0.3 * iota
        assert abs(hits / n - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_rejected_post_sale_action_does_not_help():
    life = {**SURE, "install_success": 0.0}
    a = account(life, trust=const(0.0))
    skeptical = Action(name="workshop", hours=2.0, adoption_gain=1.0, skeptic_risk=1.0)
    assert a.step(skeptical, np.random.default_rng(0)) == "stays"


def test_advocate_without_an_upsell_exact_log():
    # The customer of the exact log above, but it never expands
    # (expansion_probability 0): under advocacy = "satisfaction" its satisfied
    # step in EXPANSION still takes it to REFER (advocacy_probability 1 in
    # SURE); no expansion revenue, and the contract renews at the price.
    life = {**HAPPY, "resource": "sellers", "referral_rate": 0.0, "expansion_probability": 0.0}
    j, ledger, log = _lifecycle_run(life, horizon=400.0)
    events = [(e[2], e[3]) for e in log]
    won = events.index(("won", "acquisition"))
    assert events[won + 1 :] == [
        ("installation", "installation"),
        ("installed", "adaptation"),
        ("adopting", "belief"),
        ("believes", "expansion"),
        ("refers", "refer"),
        ("renewed", "refer"),
    ]
    assert j.max_orbit[0] == Orbit.REFER
    assert j.revenue_expansion[0] == 0.0
    assert j.revenue_renewal[0] == 1.0
    assert sum(ledger.revenue) == 2.0
    # under the old rule the same customer never leaves EXPANSION
    j, _, log = _lifecycle_run({**life, "advocacy": "expansion"}, horizon=400.0)
    assert j.max_orbit[0] == Orbit.EXPANSION
    assert "refers" not in [e[2] for e in log]


def test_engine_warms_referral_leads_and_marks_their_accounts(monkeypatch):
    import simsales.engine.simulation as sim

    warmed: list[float] = []
    referred_accounts: list[bool] = []
    real_warm, real_account = sim.warm_referral, sim.Account

    def warm(buyer, life):
        real_warm(buyer, life)
        warmed.append(buyer.trust)

    def account_(buyer, life, referred):
        referred_accounts.append(referred)
        return real_account(buyer, life, referred)

    monkeypatch.setattr(sim, "warm_referral", warm)
    monkeypatch.setattr(sim, "Account", account_)
    j, _, _ = _lifecycle_run({**HAPPY, "referral_rate": 12.0}, horizon=365.0)
    assert len(warmed) == int(j.referred.sum()) > 0
    assert all(t == pytest.approx(0.5 + 0.3 * 0.5) for t in warmed)  # trust 0.5, warmed
    won = (j.ending == ENDINGS.index(Ending.WON)) & (j.won_at < 365.0)  # with a post-sale life
    assert sorted(referred_accounts) == sorted(j.referred[won].tolist())
