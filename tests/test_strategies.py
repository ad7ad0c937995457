"""Each strategy's effect on the buyer's state (docs/model.md 5), and the registry."""

from __future__ import annotations

import numpy as np
import pytest

import simsales
from simsales.model.actions import Action, SellerView
from simsales.model.orbits import Orbit
from simsales.model.strategies import SequenceStrategy, make_strategy

from worlds import const, exact_behaviour, make_buyer, tiny_population


def view(orbit: Orbit = Orbit.POTENTIAL, needs_shared: bool = False) -> SellerView:
    return SellerView(orbit, 1, 10.0, needs_shared, False, 0, 0)


def biased_buyer(**over):
    """A buyer with an inflated first impression (bias +0.5), mid-trust."""
    traits = {
        "first_impression_bias": const(0.5),
        "known_need_share": const(0.5),
        "value_ratio": const(2.0),
        "urgency": const(0.2),
        "indecision": const(0.5),
        **over,
    }
    pop = tiny_population(**traits)
    return make_buyer(pop, exact_behaviour(evidence_noise=1e-6))


def middle(name: str) -> Action:
    return make_strategy(name).act(view())


def test_every_builtin_is_registered():
    names = {"push", "relationship", "need_uncovering", "insight", "decision_coaching"}
    assert names <= set(simsales.available_strategies())


def test_phases_choose_actions_by_orbit():
    s = make_strategy("push")
    assert s.act(view(Orbit.AWARENESS)).name == "cold_call"
    assert s.act(view(Orbit.BENEFIT)).name == "pitch"
    assert s.act(view(Orbit.ACQUISITION)).name == "close"


def test_push_oversells_and_erodes_trust(rng):
    b = biased_buyer()
    trust0, bias0 = b.trust, np.array(b.bias)
    b.apply(middle("push"), rng)
    assert b.trust == pytest.approx(trust0 * (1 - 0.05))
    # evidence centred on truth + claim_bias 0.3, near exact (noise 1e-6): the
    # signal's discounted precision dwarfs the prior's, so the bias moves from
    # 0.5 almost all the way to 0.3 (docs/model.md 2.3)
    assert np.all(np.array(b.bias) < bias0)
    np.testing.assert_allclose(b.bias, 0.3, atol=1e-4)
    assert b.revealed == 0 and b.tailor == 0 and b.urgency == 0.2


def test_push_pressure_lowers_internalisation(rng):
    b = biased_buyer()
    b.internalisation = 0.5
    b.apply(middle("push"), rng)
    assert b.internalisation == pytest.approx(0.5 * 0.95)


def test_relationship_raises_trust_and_halo_only(rng):
    b = biased_buyer()
    before = (b.bias.copy(), b.revealed, b.urgency, b.indecision, b.tailor)
    u0 = b.utilities().copy()
    b.apply(middle("relationship"), rng)
    assert b.trust == pytest.approx(0.5 + 0.15 * 0.5)
    assert b.halo == pytest.approx(0.03)
    after = (b.bias, b.revealed, b.urgency, b.indecision, b.tailor)
    assert np.array_equal(before[0], after[0]) and before[1:] == after[1:]
    # the halo raises perceived success a little
    assert np.all(np.array(b.utilities()) > np.array(u0))
    assert b.utilities(rival=True) == pytest.approx(
        make_buyer_like(b).utilities(rival=True)
    )  # the rival gets no halo


def make_buyer_like(b):
    c = biased_buyer()
    c.trust = b.trust
    return c


def test_need_uncovering_needs_trust_to_learn_needs(rng):
    low = biased_buyer(trust=const(0.2))  # below trust_to_share = 0.4
    low.apply(middle("need_uncovering"), rng)
    assert not low.needs_shared and low.tailor == 0

    high = biased_buyer(trust=const(0.6))
    v0 = high.true_value()
    high.apply(middle("need_uncovering"), rng)
    assert high.needs_shared and high.tailor == pytest.approx(0.15)
    assert high.true_value() == pytest.approx(v0 + 2.0 * 0.5 * 0.15)
    assert high.revealed == 0 and high.urgency == 0.2  # no latent need, no urgency
    s = make_strategy("need_uncovering")
    assert s.act(view(needs_shared=True)).name == "tailored_presentation"


def test_insight_reveals_corrects_and_raises_urgency(rng):
    b = biased_buyer(trust=const(1.0))  # trust 1: never rejects
    bias0 = np.array(b.bias)
    b.apply(middle("insight"), rng)
    assert b.revealed == pytest.approx(0.4)
    assert np.all(np.abs(np.array(b.bias)) < np.abs(bias0))  # unbiased evidence corrects
    # r = 2 warrants the full gain: u += 0.2 (1 - u)
    assert b.urgency == pytest.approx(0.2 + 0.2 * 0.8)


def test_insight_adds_no_urgency_when_value_does_not_warrant_it(rng):
    b = biased_buyer(trust=const(1.0), value_ratio=const(0.8))
    b.apply(middle("insight"), rng)
    assert b.urgency == 0.2


def test_insight_can_lose_skeptical_buyers():
    # trust 0: rejection chance = skeptic_risk = 0.3 per teaching meeting
    rejected = 0
    n = 2000
    for seed in range(n):
        b = biased_buyer(trust=const(0.0))
        ok = b.apply(middle("insight"), np.random.default_rng(seed))
        if not ok:
            rejected += 1
            assert b.revealed == 0 and b.trust == 0.0
    se = np.sqrt(0.3 * 0.7 / n)
    assert abs(rejected / n - 0.3) < 4 * se


def test_decision_coaching_reduces_indecision_and_internalises(rng):
    b = biased_buyer()
    bias0 = np.array(b.bias)
    b.apply(middle("decision_coaching"), rng)
    assert b.indecision == pytest.approx(0.5 * 0.7)
    assert b.internalisation == pytest.approx(0.25)
    assert np.all(np.abs(np.array(b.bias)) < np.abs(bias0))  # aligned with true value
    assert b.revealed == 0


def test_sequence_switches_strategy_at_the_given_orbit():
    s = SequenceStrategy(
        [(make_strategy("insight"), Orbit.OBSERVATION), (make_strategy("decision_coaching"), None)]
    )
    assert s.act(view(Orbit.BENEFIT)).name == "teach"
    assert s.act(view(Orbit.OBSERVATION)).name == "coach"
    assert s.act(view(Orbit.ACQUISITION)).name == "decision_review"


def test_params_override_merges_into_defaults():
    s = make_strategy("insight", {"middle": {"hours": 8.0}})
    a = s.act(view())
    assert a.hours == 8.0 and a.reveal == 0.4  # other fields keep their defaults


def test_bad_params_are_rejected_with_the_key():
    with pytest.raises(ValueError, match=r"middle\.hours"):
        make_strategy("insight", {"middle": {"hours": -1}})
    with pytest.raises(ValueError, match="mdidle"):
        make_strategy("insight", {"mdidle": {}})


def test_unknown_strategy_lists_the_known_ones():
    with pytest.raises(KeyError, match=r"available: .*push"):
        make_strategy("pussh")


def test_user_strategy_registers_and_runs():
    @simsales.register_strategy("test_demo_only")
    class DemoOnly(simsales.PhasedStrategy):
        class Params(simsales.PhasedStrategy.Params):
            middle: Action = Action(name="demo", hours=1.0, evidence=1.0)

    assert make_strategy("test_demo_only").act(view()).name == "demo"
    with pytest.raises(ValueError, match="already registered"):

        @simsales.register_strategy("push")
        class Other(simsales.PhasedStrategy):
            pass
