"""Validation against published results and closed forms (issue 6, point 4).

This module is the one place where simsales is checked against sources outside
its own code; ``docs/validation.md`` lists each check with its source and
numbers. Two kinds of test, kept apart by class name:

* ``TestKnownAnswer*``: exact closed forms and published numbers; nothing random.
* ``TestStatistical*``: a seeded simulation against a closed form, within four
  standard errors estimated from the simulation itself. The slow ones are
  marked ``slow`` and shrink with ``SIMSALES_TEST_SCALE``; because the band
  comes from the run, a smaller run gets an honestly wider band (each test
  also asserts that its band stays narrow enough to mean something).

Sections
--------
1. Cumulative prospect theory: the Tversky & Kahneman (1992) parameters, the
   certainty equivalents they imply, and their published median cash
   equivalents (Table 3).
2. Conservative updating: Edwards' (1968) bookbag-and-poker-chip example.
3. The buying group's purchase decision (``Buyer.decide``) against its closed
   form, exactly and through the engine.
4. Bass (1969) diffusion: ``bass_cdf`` and the finite market's instant-decision
   limit (``bass_limit``), on each engine's finite market.
5. A queue both engines run (Poisson leads, exponential meetings, ``c``
   sellers, one meeting per lead) against the Erlang C formula.
6. A queue both engines run (Poisson leads, meetings of fixed length, one
   seller) against the Pollaczek-Khinchine formula for M/D/1, and the array
   engine's window bias on it, measured and bounded.

References
----------
Bass, F. M. (1969). A new product growth for model consumer durables.
*Management Science*, 15(5), 215-227.
Edwards, W. (1968). Conservatism in human information processing. In
B. Kleinmuntz (Ed.), *Formal representation of human judgment*, 17-52. Wiley.
Erlang, A. K. (1917). Solution of some problems in the theory of probabilities
of significance in automatic telephone exchanges. *Elektroteknikeren*, 13.
Gross, D., Shortle, J. F., Thompson, J. M., & Harris, C. M. (2008).
*Fundamentals of queueing theory* (4th ed.), chapter 2 (M/M/c). Wiley.
Khinchine, A. Y. (1932). Mathematical theory of a stationary queue.
*Matematicheskii Sbornik*, 39(4), 73-84.
Kiefer, J. & Wolfowitz, J. (1955). On the theory of queues with many servers.
*Transactions of the American Mathematical Society*, 78(1), 1-18.
Pollaczek, F. (1930). Uber eine Aufgabe der Wahrscheinlichkeitstheorie.
*Mathematische Zeitschrift*, 32, 64-100.
Sultan, F., Farley, J. U., & Lehmann, D. R. (1990). A meta-analysis of
applications of diffusion models. *Journal of Marketing Research*, 27(1), 70-77.
Tversky, A. & Kahneman, D. (1992). Advances in prospect theory: cumulative
representation of uncertainty. *Journal of Risk and Uncertainty*, 5, 297-323.
"""

from __future__ import annotations

import heapq
import itertools
import math

import numpy as np
import pytest
from scipy import optimize, stats

from simsales import value, weight
from simsales.engine.array import STEP_DAYS, simulate_batch
from simsales.engine.array.market import bass_limit as array_bass_limit
from simsales.engine.market import bass_cdf, bass_limit, draw_arrivals
from simsales.engine.simulation import ENDINGS, simulate
from simsales.model.actions import Action, SellerView
from simsales.model.behaviour import Behaviour
from simsales.model.beliefs import conservative_log_odds
from simsales.model.buyer import Buyer
from simsales.model.group import group_decides
from simsales.model.orbits import Ending, Orbit
from simsales.model.population import Population, Traits
from simsales.model.prospect import TK1992
from simsales.model.strategies import PhasedStrategy, Strategy

from worlds import SCALE, const, exact_behaviour, tiny_population, tiny_world

#: Width of every statistical band, in standard errors.
K_SE = 4.0

# --------------------------------------------------------------------------- #
# 1. Cumulative prospect theory (Tversky & Kahneman 1992)
# --------------------------------------------------------------------------- #

#: The median estimates Tversky & Kahneman (1992) report for their experiment,
#: written out here rather than taken from the package.
PUBLISHED = {"alpha": 0.88, "beta": 0.88, "lam": 2.25, "gamma": 0.61, "delta": 0.69}

#: Median cash equivalents from Tversky & Kahneman (1992), Table 3, for the
#: two-outcome prospects (x, p; 0, 1 - p) with x = +100 and -100 dollars at
#: p = .05 and .95: the four corners of the fourfold pattern.
TABLE3_MEDIANS = {
    (100.0, 0.05): 14.0,
    (100.0, 0.95): 78.0,
    (-100.0, 0.05): -8.0,
    (-100.0, 0.95): -84.0,
}

#: Stated tolerance for a published median against the parametric prediction:
#: 5% of the 100-dollar stake. The parameters are medians of fits to every
#: prospect, so single cells miss; the largest miss here is 4.0 dollars, at a
#: 5% chance of 100 (predicted 10.0, median 14: the small probability is
#: overweighted even more than the fitted w(p) says).
TABLE3_TOLERANCE = 5.0


def tk_weight(p: float, g: float) -> float:
    """w(p) = p^g / (p^g + (1 - p)^g)^(1/g), in plain floating point."""
    return p**g / (p**g + (1.0 - p) ** g) ** (1.0 / g)


def implied_ce(x: float, p: float) -> float:
    """Certainty equivalent of (x, p; 0, 1 - p) under the published parameters.

    Gains: ``v(CE) = w+(p) v(x)`` gives ``CE = x w+(p)^(1/alpha)``; losses:
    ``-lam (-CE)^beta = -w-(p) lam (-x)^beta`` gives
    ``CE = x w-(p)^(1/beta)`` (``lam`` cancels).
    """
    if x >= 0:
        return x * tk_weight(p, PUBLISHED["gamma"]) ** (1.0 / PUBLISHED["alpha"])
    return x * tk_weight(p, PUBLISHED["delta"]) ** (1.0 / PUBLISHED["beta"])


def package_ce(x: float, p: float) -> float:
    """The same certainty equivalent, by root-finding on the package's functions."""
    g = TK1992["gamma"] if x >= 0 else TK1992["delta"]
    target = weight(p, g) * value(x)  # the package's defaults are under test too

    def gap(ce: float) -> float:
        return float(value(ce)) - float(target)

    lo, hi = sorted((0.0, x))
    return float(optimize.brentq(gap, lo, hi, xtol=1e-13, rtol=1e-13))


class TestKnownAnswerTK1992:
    """Tversky & Kahneman (1992): alpha = beta = 0.88, lambda = 2.25,
    gamma = 0.61 (gains), delta = 0.69 (losses)."""

    def test_package_constants_are_the_published_estimates(self):
        assert TK1992 == PUBLISHED

    def test_defaults_are_the_published_estimates(self):
        # value(): v(1) = 1, v(-1) = -lambda, v(2) = 2^alpha; weight(): gamma
        assert value(1.0) == 1.0
        assert value(-1.0) == -2.25
        assert value(2.0) == pytest.approx(2.0**0.88, rel=1e-15)
        assert value(-2.0) == pytest.approx(-2.25 * 2.0**0.88, rel=1e-15)
        assert weight(0.3) == pytest.approx(tk_weight(0.3, 0.61), rel=1e-15)
        # the simulation's defaults: the behaviour's curvature and weighting,
        # and the population's median loss aversion
        b = Behaviour()
        assert (b.alpha, b.beta, b.gamma) == (0.88, 0.88, 0.61)
        assert Population().loss_aversion.median == 2.25

    @pytest.mark.parametrize("x", [50.0, 100.0, 200.0, 400.0, -50.0, -100.0, -200.0, -400.0])
    @pytest.mark.parametrize("p", [0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99])
    def test_certainty_equivalents_implied_by_the_parameters(self, x, p):
        # The prospects of TK1992's experiment (two outcomes, one of them 0):
        # solving v(CE) = w(p) v(x) with the package's value and weight gives
        # the closed form x * w(p)^(1/alpha).
        assert package_ce(x, p) == pytest.approx(implied_ce(x, p), rel=1e-9)

    @pytest.mark.parametrize(
        ("x", "p", "ce"),
        [(100.0, 0.05, 9.98), (100.0, 0.95, 76.85), (-100.0, 0.05, -8.26), (-100.0, 0.95, -83.12)],
    )
    def test_implied_certainty_equivalents_by_hand(self, x, p, ce):
        # w+(.05) = 0.1316, w+(.95) = 0.7932, w-(.05) = 0.1114, w-(.95) = 0.8499;
        # CE = 100 w^(1/0.88). The numbers quoted in docs/validation.md.
        assert package_ce(x, p) == pytest.approx(ce, abs=0.005)

    @pytest.mark.parametrize(("x", "p"), list(TABLE3_MEDIANS))
    def test_published_median_cash_equivalents(self, x, p):
        median = TABLE3_MEDIANS[(x, p)]
        assert abs(package_ce(x, p) - median) <= TABLE3_TOLERANCE

    @pytest.mark.parametrize(
        ("x", "p", "risk_seeking"),
        [(100.0, 0.05, True), (100.0, 0.95, False), (-100.0, 0.05, False), (-100.0, 0.95, True)],
    )
    def test_fourfold_pattern_in_the_data_and_the_model(self, x, p, risk_seeking):
        # Risk seeking: the prospect is worth more than its expected value
        # (CE > p x); risk averse: less. TK1992's fourfold pattern: risk seeking
        # for unlikely gains and likely losses, averse for likely gains and
        # unlikely losses. The published medians show it, and so does the model.
        for ce in (TABLE3_MEDIANS[(x, p)], package_ce(x, p)):
            assert (ce > p * x) is risk_seeking


# --------------------------------------------------------------------------- #
# 2. Conservative updating (Edwards 1968)
# --------------------------------------------------------------------------- #

#: Edwards' example: bags of 70/30 and 30/70 red chips, equally likely; 12
#: chips drawn, 8 red and 4 blue. Bayes: P(mostly-red bag) = 0.97; the
#: typical subject answers between 0.7 and 0.8.
EDWARDS_SUBJECTS = (0.70, 0.80)


def logistic(log_odds: float) -> float:
    return 1.0 / (1.0 + math.exp(-log_odds))


def bookbag_llr(red: int, blue: int, share: float = 0.7) -> float:
    """Log-likelihood ratio of 'mostly red bag' from the draws, from first principles."""
    like_red_bag = share**red * (1 - share) ** blue
    like_blue_bag = (1 - share) ** red * share**blue
    return math.log(like_red_bag / like_blue_bag)


class TestKnownAnswerEdwards1968:
    """Edwards (1968): Bayes says 0.97, subjects say 0.7-0.8, for 8 red and 4 blue."""

    def test_bayes_posterior_is_097(self):
        # Likelihood ratio (7/3)^(8-4) = 29.64, so P(red bag) = 29.64 / 30.64.
        llr = bookbag_llr(8, 4)
        assert llr == pytest.approx(4 * math.log(7 / 3), rel=1e-12)
        post = logistic(conservative_log_odds(0.0, llr, 1.0))
        assert post == pytest.approx((7 / 3) ** 4 / (1 + (7 / 3) ** 4), rel=1e-12)
        assert round(post, 3) == 0.967

    def test_quarter_conservatism_gives_070(self):
        # With c = 0.25 and even prior odds, posterior odds = (Bayes odds)^0.25
        # = ((7/3)^4)^0.25 = 7/3, so P = 0.7.
        llr = bookbag_llr(8, 4)
        bayes_odds = math.exp(conservative_log_odds(0.0, llr, 1.0))
        odds = math.exp(conservative_log_odds(0.0, llr, 0.25))
        assert odds == pytest.approx(bayes_odds**0.25, rel=1e-12)
        assert odds == pytest.approx(7 / 3, rel=1e-12)
        assert logistic(math.log(odds)) == pytest.approx(0.7, rel=1e-12)

    def test_chosen_conservatism_lands_in_the_subjects_range(self):
        # The package's default conservatism gives a posterior inside the
        # subjects' 0.70-0.80. The range corresponds to c in
        # [logit(.7), logit(.8)] / LLR = [0.250, 0.409]: the default, 0.25, is
        # its most conservative end (posterior exactly 0.70).
        c = Behaviour().conservatism
        llr = bookbag_llr(8, 4)
        lo, hi = EDWARDS_SUBJECTS
        c_lo, c_hi = math.log(lo / (1 - lo)) / llr, math.log(hi / (1 - hi)) / llr
        assert c_lo == pytest.approx(0.25, rel=1e-12)
        assert c_hi == pytest.approx(0.409, abs=5e-4)
        post = logistic(conservative_log_odds(0.0, llr, c))
        assert lo - 1e-12 <= post <= hi
        assert c_lo - 1e-12 <= c <= c_hi


# --------------------------------------------------------------------------- #
# 3. The buying group's purchase decision (model/buyer.py: Buyer.decide)
# --------------------------------------------------------------------------- #
#
# At ACQUISITION stakeholder j prefers change with p_j = logistic(U_j / T),
# independently; the group says yes with
#   consensus  P_yes = prod_j p_j
#   champion   P_yes = 1 - prod_j (1 - p_j)
#   majority   P_yes = P(K > n/2), K ~ Poisson-binomial(p_1..p_n).
# On a yes (the first one) the buyer goes to the rival, if one competes for its
# deal (its own uniform q_i below rival_presence; pi = 0 otherwise), with
#   pi = logistic((mean_j U_j^rival - mean_j U_j) / T),
# and otherwise stalls with probability iota (indecision). So one decision ends
#   won         P_yes (1 - pi) (1 - iota)
#   rival       P_yes pi
#   indecision  P_yes (1 - pi) iota   (a stall; an ending when max_stalls = 1)
#   status quo  1 - P_yes             (a "no"; an ending when max_rejections = 1)

OUTCOMES = (Ending.WON, Ending.RIVAL, Ending.INDECISION, Ending.STATUS_QUO)


def group_yes(p: np.ndarray, rule: str) -> float:
    """Closed form of P(the group says yes) given each stakeholder's p_j."""
    if rule == "consensus":
        return float(np.prod(p))
    if rule == "champion":
        return float(1.0 - np.prod(1.0 - p))
    return float(stats.poisson_binom.sf(len(p) // 2, p))  # K > n/2 <=> K > floor(n/2)


def decision_probabilities(
    u: np.ndarray,
    u_rival: np.ndarray,
    indecision: float,
    temperature: float,
    rule: str,
    rival: bool = True,
) -> np.ndarray:
    """P(won, rival, indecision, status quo) of one decision, in OUTCOMES order
    (``rival``: whether a rival competes for this deal)."""
    p = 1.0 / (1.0 + np.exp(-u / temperature))
    yes = group_yes(p, rule)
    pi = 1.0 / (1.0 + math.exp(-(u_rival.mean() - u.mean()) / temperature)) if rival else 0.0
    return np.array(
        [yes * (1 - pi) * (1 - indecision), yes * pi, yes * (1 - pi) * indecision, 1 - yes]
    )


def documented_utilities(traits: Traits, i: int, b: Behaviour) -> tuple[np.ndarray, np.ndarray]:
    """U_j and U_j^rival of customer ``i`` as docs/model.md 2.2 and 2.6 write them,
    for a buyer with every need known (``latent_needs = false``), nothing
    tailored or revealed and no halo:

    ``U = w(p_s) (e^b r)^alpha - lam (1 + s)^beta + lam (u e^b r)^beta`` and the
    rival's with gain ``e^(b + edge) r``.
    """
    n = int(traits.stakeholders[i])
    bias = traits.first_impression_bias[i, :n]
    lam = traits.loss_aversion[i, :n]
    ps = traits.success_probability[i, :n]
    need = np.exp(bias) * traits.value_ratio[i]
    w = np.array([tk_weight(float(p), b.gamma) for p in ps])
    loss = lam * (1.0 + b.switching_cost) ** b.beta
    status_quo = lam * (traits.urgency[i] * need) ** b.beta if b.urgency_framing else 0.0
    u = w * need**b.alpha - loss + status_quo
    u_rival = w * (need * math.exp(traits.rival_edge[i])) ** b.alpha - loss + status_quo
    return u, u_rival


#: A population with varied groups: 3 to 6 stakeholders (odd and even, so
#: ties matter for ``majority``), each with its own impression, loss aversion
#: and success probability; a rival of varying edge; patience without end, so
#: every lead reaches its decision.
GROUPS = tiny_population(
    value_ratio={"dist": "lognormal", "median": 3.0, "sigma": 0.4},
    first_impression_bias={"dist": "normal", "mean": 0.0, "sd": 0.4},
    loss_aversion={"dist": "lognormal", "median": 2.25, "sigma": 0.3},
    success_probability={"dist": "beta", "a": 8.0, "b": 2.0},
    urgency=const(0.3),
    indecision=const(0.2),
    rival_edge={"dist": "normal", "mean": 0.0, "sd": 0.3},
    stakeholders={"dist": "integers", "low": 3, "high": 6},
    patience_days=const(1e6),
)


def one_decision_behaviour(rule: str) -> Behaviour:
    """Logit choice (T = 0.5), rivals (in the default share of deals) and
    indecision on; one decision ends the
    journey (``max_rejections = max_stalls = 1``); no falling back; every
    meeting granted; utilities that stay fixed during the journey."""
    return exact_behaviour(
        temperature=0.5,
        rivals=True,
        indecision=True,
        max_rejections=1,
        max_stalls=1,
        back_probability=0.0,
        access_base=1.0,
        latent_needs=False,
        decision_rule=rule,
    )


class _PlainMeetings(Strategy):
    """Meetings and follow-ups with no effect on the buyer: utilities stay fixed."""

    def act(self, view: SellerView) -> Action:
        return Action(name="meeting", hours=1.0)


RULES = ("consensus", "majority", "champion")


class TestKnownAnswerBuyingGroup:
    @pytest.mark.parametrize("rule", RULES)
    @pytest.mark.parametrize(
        "p",
        [
            [0.3],
            [0.2, 0.9],
            [0.5, 0.5, 0.5, 0.5],
            [0.1, 0.4, 0.6, 0.8, 0.95],
            [0.7, 0.2, 0.55, 0.9, 0.35, 0.6],
        ],
    )
    def test_closed_form_equals_the_rule_summed_over_every_preference_pattern(self, rule, p):
        # Exact: weight each of the 2^n yes/no patterns by its probability and
        # add those group_decides accepts.
        ps = np.array(p)
        total = 0.0
        for pattern in itertools.product([False, True], repeat=len(ps)):
            x = np.array(pattern)
            if group_decides(int(x.sum()), len(x), rule):
                total += float(np.prod(np.where(x, ps, 1.0 - ps)))
        assert group_yes(ps, rule) == pytest.approx(total, rel=1e-12, abs=1e-15)

    @pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
    def test_identical_stakeholders_give_the_binomial_forms(self, n):
        p = 0.6
        ps = np.full(n, p)
        assert group_yes(ps, "consensus") == pytest.approx(p**n, rel=1e-12)
        assert group_yes(ps, "champion") == pytest.approx(1 - (1 - p) ** n, rel=1e-12)
        more_than_half = sum(
            math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n // 2 + 1, n + 1)
        )
        assert group_yes(ps, "majority") == pytest.approx(more_than_half, rel=1e-12)

    def test_the_buyer_utilities_are_the_documented_ones(self):
        # The closed form's inputs: Buyer.utilities against docs/model.md.
        world = tiny_world(GROUPS, one_decision_behaviour("majority"), [0.0] * 20)
        for i in range(20):
            buyer = Buyer(world.traits, i, world.behaviour, 0.0)
            u, u_rival = documented_utilities(world.traits, i, world.behaviour)
            np.testing.assert_allclose(buyer.utilities(), u, rtol=1e-12)
            np.testing.assert_allclose(buyer.utilities(rival=True), u_rival, rtol=1e-12)


def _plain_table() -> PhasedStrategy:
    """``_PlainMeetings`` as a table of actions (the array engine's form): a one-hour
    meeting in every orbit, the default half-hour follow-up, nothing after the sale."""
    # (parameters merge into the defaults: the default middle and closing carry evidence)
    meeting = {"name": "meeting", "hours": 1.0, "evidence": 0.0}
    return PhasedStrategy({"opening": meeting, "middle": meeting, "closing": meeting})


@pytest.mark.slow
class TestStatisticalBuyingGroup:
    @pytest.mark.parametrize("engine", ["simpy", "array"])
    @pytest.mark.parametrize("rule", RULES)
    def test_engine_endings_follow_the_closed_form(self, rule, engine):
        # Through each engine: each lead meets the sellers until it reaches
        # ACQUISITION and ends at its first decision. Lead i ends in outcome k
        # with the closed-form probability P_ik, so the count of outcome k has
        # mean sum_i P_ik and variance sum_i P_ik (1 - P_ik).
        n_leads = max(600, round(1500 * SCALE))
        beh = one_decision_behaviour(rule)
        world = tiny_world(GROUPS, beh, list(np.linspace(0.0, 1000.0, n_leads)), team=50)
        if engine == "simpy":
            journeys, _ = simulate(world, _PlainMeetings())
        else:
            journeys = simulate_batch([world], [_plain_table()])[0][0][0]
        assert len(journeys) == n_leads
        # closed form under every rule: the one simulated, and the others to
        # show the band would catch an engine that applied the wrong rule
        probs = {
            r: np.array(
                [
                    decision_probabilities(
                        *documented_utilities(world.traits, i, beh),
                        float(world.traits.indecision[i]),
                        beh.temperature,
                        r,
                        bool(world.traits.rival_draw[i] < beh.rival_presence),
                    )
                    for i in range(n_leads)
                ]
            )
            for r in RULES
        }
        expected = probs[rule].sum(axis=0)
        se = np.sqrt((probs[rule] * (1 - probs[rule])).sum(axis=0))
        observed = np.array(
            [np.count_nonzero(journeys.ending == ENDINGS.index(e)) for e in OUTCOMES]
        )
        assert observed.sum() == n_leads  # every lead ended at a decision
        assert np.all(np.abs(observed - expected) <= K_SE * se), (observed, expected, se)
        status_quo = OUTCOMES.index(Ending.STATUS_QUO)
        for other in set(RULES) - {rule}:
            gap = abs(probs[other].sum(axis=0)[status_quo] - expected[status_quo])
            assert gap > 2 * K_SE * se[status_quo], (other, gap, se)


# --------------------------------------------------------------------------- #
# 4. Bass (1969) diffusion
# --------------------------------------------------------------------------- #

#: Sultan, Farley & Lehmann (1990): average Bass coefficients per year.
BASS_P, BASS_Q = 0.03, 0.38


class TestKnownAnswerBass:
    """Bass (1969): F(t) = (1 - e^-(p+q)t) / (1 + (q/p) e^-(p+q)t)."""

    def test_boundaries_and_pure_innovation(self):
        assert bass_cdf(0.0, BASS_P, BASS_Q) == 0.0
        assert bass_cdf(1e6, BASS_P, BASS_Q) == pytest.approx(1.0)
        # q = 0: pure innovation, F = 1 - exp(-p t)
        assert bass_cdf(2.0, 0.1, 0.0) == pytest.approx(1 - np.exp(-0.2))

    def test_peak_of_adoption(self):
        # Bass (1969): sales peak at t* = ln(q/p) / (p + q), where F = 1/2 - p / (2q).
        t_star = np.log(BASS_Q / BASS_P) / (BASS_P + BASS_Q)
        assert bass_cdf(t_star, BASS_P, BASS_Q) == pytest.approx(0.5 - BASS_P / (2 * BASS_Q))

    def test_hazard_is_p_plus_q_times_adopters(self):
        # The defining equation: f(t) / (1 - F(t)) = p + q F(t).
        t = np.linspace(0.1, 20.0, 50)
        h = 1e-6
        f = (bass_cdf(t + h, BASS_P, BASS_Q) - bass_cdf(t - h, BASS_P, BASS_Q)) / (2 * h)
        big_f = bass_cdf(t, BASS_P, BASS_Q)
        np.testing.assert_allclose(f / (1 - big_f), BASS_P + BASS_Q * big_f, rtol=1e-6)


@pytest.mark.slow
class TestStatisticalBass:
    @pytest.mark.parametrize("limit", [bass_limit, array_bass_limit], ids=["simpy", "array"])
    def test_bass_limit_follows_the_closed_form(self, limit):
        # Instant decisions, no seller constraint, on each engine's finite market
        # (engine/market.py: bass_limit, on the SimPy engine's FiniteMarket;
        # engine/array/market.py: bass_limit, the array engine's member clocks,
        # claims and windows): the cumulative adoption share of a market of 3000,
        # averaged over replications, matches F(t) at years 1..10 within 4
        # standard errors (plus 0.001 for the finite market).
        size = 3000
        reps = max(8, round(20 * SCALE))
        years = np.arange(1, 11)
        curves = np.array(
            [
                [np.count_nonzero(a < t * 365.0) / size for t in years]
                for a in (
                    limit(size, BASS_P, BASS_Q, 10.0, np.random.SeedSequence([2026, r]))
                    for r in range(reps)
                )
            ]
        )
        mean = curves.mean(axis=0)
        se = curves.std(axis=0, ddof=1) / np.sqrt(reps)
        expected = bass_cdf(years, BASS_P, BASS_Q)
        assert np.all(np.abs(mean - expected) < K_SE * se + 1e-3), (mean, expected, se)
        # the band would catch an imitation coefficient 20% off (q = 0.30 or
        # 0.46 moves F(7 years) by about 0.1)
        for q_off in (0.8 * BASS_Q, 1.2 * BASS_Q):
            gap = abs(bass_cdf(7.0, BASS_P, q_off) - expected[6])
            assert gap > 2 * (K_SE * se[6] + 1e-3), (q_off, gap, se[6])


# --------------------------------------------------------------------------- #
# 5. A queueing limit of the engine: M/M/c against Erlang C
# --------------------------------------------------------------------------- #


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability that an arrival waits in an M/M/c queue, a = lambda/mu < c.

    ``C = (a^c/c!) (c/(c-a)) / (sum_{k<c} a^k/k! + (a^c/c!) (c/(c-a)))``,
    with the sums written as Poisson probabilities (the ``e^-a`` cancels).
    """
    tail = stats.poisson.pmf(c, a) * c / (c - a)
    return float(tail / (stats.poisson.cdf(c - 1, a) + tail))


#: The queue simulated: lambda = 2.25 leads a day, c = 3 sellers, meetings of
#: mean 1/mu = 1 day; load rho = lambda / (c mu) = 0.75.
QUEUE_C, QUEUE_MU, QUEUE_LAM = 3, 1.0, 2.25
HOURS_PER_DAY = 8.0


def engine_journeys(engine: str, worlds: list, strategy: PhasedStrategy, step: float) -> list:
    """Each world's journeys under ``strategy``: on the SimPy engine one world at a
    time, on the array engine all in one batch with a window of ``step`` days."""
    if engine == "simpy":
        return [simulate(w, strategy)[0] for w in worlds]
    return [row[0][0] for row in simulate_batch(worlds, [strategy], step_days=step)]


def mmc_table() -> PhasedStrategy:
    """The M/M/c queue's strategy as a table of actions, so both engines run it: an
    opening meeting of mean ``HOURS_PER_DAY / QUEUE_MU`` hours (exponential, by the
    behaviour's ``meeting_noise``); the follow-up that leads to it takes no time."""
    return PhasedStrategy(
        {"opening": {"name": "meeting", "hours": HOURS_PER_DAY / QUEUE_MU},
         "follow_up": {"name": "no_follow_up", "hours": 0.0}}
    )  # fmt: skip


def mmc_runs(
    engine: str, seed: tuple[int, ...], reps: int, horizon: float, step: float = STEP_DAYS
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Run the engine as an M/M/c queue; per replication, the arrival, meeting start
    and meeting length (days) of every lead, in arrival order.

    Leads arrive as a Poisson process (``draw_arrivals``, as experiments do);
    every meeting is granted, so a lead is qualified at its first meeting, which
    lasts an exponential time (``meeting_noise``, drawn from the lead's own
    stream); it then waits ``step_days / (pace_floor + u)`` = 0.8 days and has
    run out of patience (1e-3 days), so it never asks for a seller again. Its
    meeting started at ``end - 0.8 - hours / hours_per_day``. The array engine
    runs all replications in one batch with a window of ``step`` days.
    """
    beh = exact_behaviour(access_base=1.0, step_days=1.0, meeting_noise=True)
    pop = tiny_population(urgency=const(1.0), patience_days=const(1e-3))
    worlds = [
        tiny_world(
            pop, beh, list(draw_arrivals(QUEUE_LAM, horizon, np.random.default_rng([*seed, r]))),
            team=QUEUE_C, hours_per_day=HOURS_PER_DAY, horizon=horizon, seed=(*seed, r),
        )
        for r in range(reps)
    ]  # fmt: skip
    journeys = engine_journeys(engine, worlds, mmc_table(), step)
    gap = beh.step_days / (beh.pace_floor + 1.0)
    out = []
    for w, j in zip(worlds, journeys, strict=True):
        # exactly one meeting per lead, then the lead is gone
        assert len(j) == len(w.arrivals)
        assert np.all(j.max_orbit == Orbit.POTENTIAL) and np.all(j.timed_out)
        order = np.argsort(j.arrival)
        length = j.hours[order] / HOURS_PER_DAY
        out.append((j.arrival[order], j.end[order] - gap - length, length))
    return out


def fcfs_starts(arrival: np.ndarray, length: np.ndarray, c: int) -> np.ndarray:
    """Start of service of each customer (in arrival order) in a first-come,
    first-served queue with ``c`` servers: the earliest-free server takes the
    next customer (the Kiefer-Wolfowitz recursion)."""
    free = [0.0] * c
    start = np.empty(len(arrival))
    for i, (a, s) in enumerate(zip(arrival, length, strict=True)):
        start[i] = max(a, heapq.heappop(free))
        heapq.heappush(free, start[i] + s)
    return start


class TestKnownAnswerErlangC:
    def test_one_server_is_mm1(self):
        # M/M/1: P(wait) = rho.
        assert erlang_c(1, 0.75) == pytest.approx(0.75, rel=1e-12)

    def test_two_servers_by_hand(self):
        # c = 2, a = 1: (1/2 * 2) / (1 + 1 + 1) = 1/3.
        assert erlang_c(2, 1.0) == pytest.approx(1 / 3, rel=1e-12)

    def test_the_queue_simulated_below_by_hand(self):
        # c = 3, a = 2.25: sum_{k<3} a^k/k! = 5.78125, a^3/3! * 3/0.75 = 7.59375,
        # so C = 0.5678 and W_q = C / (c mu - lambda) = 0.7570 days.
        p_wait = erlang_c(QUEUE_C, QUEUE_LAM / QUEUE_MU)
        assert p_wait == pytest.approx(7.59375 / 13.375, rel=1e-12)
        assert p_wait == pytest.approx(0.5678, abs=1e-4)
        assert p_wait / (QUEUE_C * QUEUE_MU - QUEUE_LAM) == pytest.approx(0.7570, abs=1e-4)

    def test_the_simpy_engine_is_a_first_come_first_served_queue(self):
        # Exact, whatever the draws: given the arrivals and meeting lengths it
        # produced, the engine started every meeting when the FCFS recursion
        # says. (A zero-hour follow-up still passes the seller queue, but it is
        # released the instant it is granted and the lead queues again behind
        # those already waiting for a meeting, so arrival order is kept.)
        ((arrival, start, length),) = mmc_runs("simpy", (2026, 6, 4), 1, 200.0)
        assert len(arrival) > 300
        assert np.count_nonzero(start > arrival + 1e-9) > 100  # the queue was used
        np.testing.assert_allclose(start, fcfs_starts(arrival, length, QUEUE_C), atol=1e-9)


@pytest.mark.slow
class TestStatisticalErlangC:
    """Both engines as an M/M/c queue (``mmc_runs``) against Erlang C:
    P(wait > 0) = C(3, 2.25) = 0.5678 and mean wait in queue
    W_q = C / (c mu - lambda) = 0.7570 days, at load rho = 0.75.

    Replications of 1000 days (about 2250 leads); leads arriving in the first
    100 days are dropped as warm-up (the queue starts empty). The standard
    error comes from the spread of the replication means. Replication means
    of the wait are right-skewed, so the band's false-alarm rate is above the
    normal 6e-5: about 1% with 10 to 20 replications, measured on 4000
    replications of the same queue by the FCFS recursion.

    The array engine serves a request made in a later pass of a window after
    the requests of earlier passes (section 6 and docs/performance.md); its
    bias is bounded here as there, against the exact FCFS recursion on the
    same arrivals and meeting lengths.
    """

    horizon, warm_up = 1000.0, 100.0

    def summary(self, runs: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> np.ndarray:
        """Per replication: mean wait, and share of leads that waited, after the warm-up."""
        rows = []
        for arrival, start, _ in runs:
            wait = (start - arrival)[arrival >= self.warm_up]
            assert wait.min() > -1e-9
            rows.append((wait.mean(), np.mean(wait > 1e-9)))
        return np.array(rows)

    @pytest.mark.parametrize("engine", ["simpy", "array"])
    def test_waiting_matches_erlang_c(self, engine):
        reps = max(16, round(20 * SCALE))  # a simulated year of the queue is ~0.1 s
        runs = mmc_runs(engine, (2026, 6, 5), reps, self.horizon)
        results = self.summary(runs)
        mean = results.mean(axis=0)
        se = results.std(axis=0, ddof=1) / np.sqrt(reps)
        p_wait = erlang_c(QUEUE_C, QUEUE_LAM / QUEUE_MU)
        w_q = p_wait / (QUEUE_C * QUEUE_MU - QUEUE_LAM)
        # the meetings are exponential with mean 1 day: their mean within 4 SE
        length = np.concatenate([x for _, _, x in runs])
        assert abs(length.mean() - 1 / QUEUE_MU) < K_SE * length.std() / np.sqrt(len(length))
        assert abs(mean[0] - w_q) < K_SE * se[0], (mean, se, w_q)
        extra = float(np.mean(np.concatenate([s - fcfs_starts(a, x, QUEUE_C) for a, s, x in runs])))
        if engine == "simpy":
            assert abs(mean[1] - p_wait) < K_SE * se[1], (mean, se, p_wait)
            assert extra == pytest.approx(0.0, abs=1e-9)
        else:  # the window's bias, bounded: more leads wait, a little longer (measured
            # at 40 replications: 12 points more wait, 0.064 days of extra wait)
            assert -K_SE * se[1] < mean[1] - p_wait < 0.16, (mean, se, p_wait)
            assert 0.0 <= extra < 0.1, extra
        # the bands are narrow enough to tell this queue from its neighbours
        # (4 sellers: W_q = 0.14, P = 0.24; meetings of 1.11 days: W_q = 1.56, P = 0.70)
        assert K_SE * se[0] < 0.3 * w_q
        assert K_SE * se[1] < 0.06


# --------------------------------------------------------------------------- #
# 6. A queue on both engines: M/D/1 against Pollaczek-Khinchine
# --------------------------------------------------------------------------- #


def pk_wait(lam: float, service: float) -> float:
    """Pollaczek-Khinchine for M/D/1: mean wait in queue ``rho s / (2 (1 - rho))``,
    ``rho = lam s`` < 1 (the M/G/1 formula with a service of variance 0)."""
    rho = lam * service
    return rho * service / (2.0 * (1.0 - rho))


#: One seller, leads at 0.75 a day, every lead one meeting of exactly one day
#: (8 hours of an 8-hour day): rho = 0.75, W_q = 1.5 days, P(wait > 0) = rho.
MD1_LAM, MD1_HOURS = 0.75, 8.0


def md1_table() -> PhasedStrategy:
    """The queue's strategy as a table of actions, so both engines run it: the
    opening meeting lasts ``MD1_HOURS``; the follow-up that leads to it takes no
    time (it still passes the seller's queue, as in ``mmc_runs``)."""
    return PhasedStrategy(
        {"opening": {"name": "meeting", "hours": MD1_HOURS},
         "follow_up": {"name": "no_follow_up", "hours": 0.0}}
    )  # fmt: skip


def md1_runs(
    engine: str, reps: int, horizon: float, step: float = STEP_DAYS
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each replication's arrivals and meeting starts (days, in arrival order).

    As in ``mmc_runs``: every meeting is granted, a lead is qualified at its
    first meeting, then waits 0.8 days and has run out of patience. The array
    engine runs all replications in one batch with a window of ``step`` days.
    """
    beh = exact_behaviour(access_base=1.0, step_days=1.0)
    pop = tiny_population(urgency=const(1.0), patience_days=const(1e-3))
    arrivals = [
        draw_arrivals(MD1_LAM, horizon, np.random.default_rng([2026, 12, 6, r]))
        for r in range(reps)
    ]
    worlds = [
        tiny_world(pop, beh, list(a), team=1, hours_per_day=HOURS_PER_DAY, horizon=horizon)
        for a in arrivals
    ]
    journeys = engine_journeys(engine, worlds, md1_table(), step)
    gap = beh.step_days / (beh.pace_floor + 1.0)
    out = []
    for w, j in zip(worlds, journeys, strict=True):
        assert len(j) == len(w.arrivals)
        assert np.all(j.hours == MD1_HOURS) and np.all(j.max_orbit == Orbit.POTENTIAL)
        order = np.argsort(j.arrival)
        out.append((j.arrival[order], j.end[order] - gap - MD1_HOURS / HOURS_PER_DAY))
    return out


class TestKnownAnswerPollaczekKhinchine:
    def test_the_queue_simulated_below_by_hand(self):
        # rho = 0.75 and s = 1: W_q = 0.75 / (2 * 0.25) = 1.5 days
        assert pk_wait(MD1_LAM, 1.0) == pytest.approx(1.5, rel=1e-12)
        # a deterministic service halves M/M/1's wait, rho s / (1 - rho) = 3
        assert pk_wait(MD1_LAM, 1.0) == pytest.approx(0.5 * 0.75 / 0.25, rel=1e-12)

    def test_the_simpy_engine_serves_the_queue_first_come_first_served(self):
        # exact, whatever the draws: every meeting starts when the FCFS recursion says
        ((arrival, start),) = md1_runs("simpy", 1, 200.0)
        assert np.count_nonzero(start > arrival + 1e-9) > 50  # the queue was used
        length = np.full(len(arrival), MD1_HOURS / HOURS_PER_DAY)
        np.testing.assert_allclose(start, fcfs_starts(arrival, length, 1), atol=1e-9)


@pytest.mark.slow
class TestStatisticalPollaczekKhinchine:
    """Both engines as an M/D/1 queue (``md1_runs``) against Pollaczek-Khinchine:
    W_q = 1.5 days and P(wait > 0) = 0.75. Replications of 1000 days (about 750
    leads), leads of the first 100 days dropped as warm-up; standard errors from
    the spread of the replication means.

    The array engine serves a request made in a later pass of a window after the
    requests of earlier passes (docs/performance.md): here a meeting asked for at
    the end of a zero-hour follow-up waits behind follow-ups booked earlier in
    the window, though asked for later. Measured on the same arrivals against the
    exact FCFS recursion (``python benchmarks/array_window.py --queue``), that
    adds about 0.23 window^2 days to the mean wait (0.06 days at the default
    half day, 4% of W_q) and about 4 points to the share of leads that wait;
    the tests bound both, and check that the bias vanishes with the window.
    """

    horizon, warm_up = 1000.0, 100.0

    def summary(self, runs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Per replication: mean wait and share of leads that waited, after the warm-up."""
        rows = []
        for arrival, start in runs:
            wait = (start - arrival)[arrival >= self.warm_up]
            assert wait.min() > -1e-9
            rows.append((wait.mean(), np.mean(wait > 1e-9)))
        return np.array(rows)

    @staticmethod
    def extra_wait(runs: list[tuple[np.ndarray, np.ndarray]]) -> float:
        """Mean of each meeting's start less its start under exact FCFS."""
        length = MD1_HOURS / HOURS_PER_DAY
        return float(
            np.mean(np.concatenate(
                [s - fcfs_starts(a, np.full(len(a), length), 1) for a, s in runs]
            ))
        )  # fmt: skip

    @pytest.mark.parametrize("engine", ["simpy", "array"])
    def test_waiting_matches_pollaczek_khinchine(self, engine):
        reps = max(10, round(20 * SCALE))
        runs = md1_runs(engine, reps, self.horizon)
        res = self.summary(runs)
        mean, se = res.mean(axis=0), res.std(axis=0, ddof=1) / np.sqrt(reps)
        w_q, rho = pk_wait(MD1_LAM, 1.0), MD1_LAM
        assert abs(mean[0] - w_q) < K_SE * se[0], (mean, se, w_q)
        assert K_SE * se[0] < 0.4 * w_q  # narrow enough to mean something
        if engine == "simpy":
            assert abs(mean[1] - rho) < K_SE * se[1], (mean, se, rho)
            assert self.extra_wait(runs) == pytest.approx(0.0, abs=1e-9)
        else:  # the window's bias, bounded: a few more leads wait, a little longer
            assert -K_SE * se[1] < mean[1] - rho < 0.07, (mean, se, rho)
            assert 0.0 <= self.extra_wait(runs) < 0.1

    def test_the_array_engines_bias_vanishes_with_the_window(self):
        # on the same arrivals: about 0.23 step^2 days, so a fifth of the window
        # gives about a twenty-fifth of the extra wait
        reps = max(4, round(8 * SCALE))
        wide = self.extra_wait(md1_runs("array", reps, self.horizon, step=0.5))
        narrow = self.extra_wait(md1_runs("array", reps, self.horizon, step=0.1))
        assert 0.0 <= narrow < wide / 5, (narrow, wide)
