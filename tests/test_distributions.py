"""Tests of the trait distributions, the Population validator and draw_traits.

Three kinds, kept apart by class name:

* ``TestKnownAnswer*``: exact mean / variance formulas (by hand and against
  ``scipy.stats`` as an independent reference), validation, and the exact
  stream layout of ``draw_traits`` (prefix property, independent streams).
* ``TestSampleMomentsStatistical``: 20,000 draws with a fixed seed; the sample
  mean within 4 standard errors of ``.mean`` and the sample variance within 4
  standard errors of ``.variance``, the standard errors computed from theory.
* ``TestProperty*``: Hypothesis invariants (draws inside ``.support``).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from simsales.model.distributions import (
    Beta,
    Constant,
    Distribution,
    Gamma,
    Integers,
    LogNormal,
    Normal,
    Uniform,
)
from simsales.model.population import (
    CUSTOMER_TRAITS,
    STAKEHOLDER_TRAITS,
    Population,
    Traits,
    draw_traits,
)

N_DRAWS = 20_000
SEED = 12345
K_SE = 4.0
TRAIT_SEED = np.random.SeedSequence(1)
ALL_TRAITS = CUSTOMER_TRAITS + STAKEHOLDER_TRAITS
PROPERTY = settings(deadline=None, max_examples=50)

DIST = TypeAdapter(Distribution)


def scipy_reference(d):
    """The same distribution as a frozen scipy.stats object (independent theory)."""
    if isinstance(d, Normal):
        return stats.norm(loc=d.mean, scale=d.sd)
    if isinstance(d, LogNormal):
        return stats.lognorm(s=d.sigma, scale=d.median)
    if isinstance(d, Beta):
        return stats.beta(d.a, d.b)
    if isinstance(d, Gamma):
        return stats.gamma(d.shape, scale=d.scale)
    if isinstance(d, Uniform):
        return stats.uniform(loc=d.low, scale=d.high - d.low)
    if isinstance(d, Integers):
        return stats.randint(d.low, d.high + 1)
    raise TypeError(d)


CASES = [
    Normal(mean=0.0, sd=1.0),
    Normal(mean=0.05, sd=0.3),
    Normal(mean=-7.5, sd=4.0),
    LogNormal(median=4.0, sigma=0.6),
    LogNormal(median=2.25, sigma=0.3),
    Beta(a=2.0, b=5.0),
    Beta(a=8.0, b=2.0),
    Beta(a=0.5, b=0.5),
    Gamma(shape=3.0, scale=2.0),
    Gamma(shape=0.5, scale=1.0),
    Uniform(low=-1.0, high=3.0),
    Integers(low=1, high=5),
    Integers(low=-3, high=10),
    Constant(value=3.0),
]
RANDOM_CASES = [d for d in CASES if not isinstance(d, Constant)]


def case_id(d) -> str:
    return repr(d)


# --------------------------------------------------------------------------- #
# Known-answer: exact moments
# --------------------------------------------------------------------------- #


class TestKnownAnswerMoments:
    @pytest.mark.parametrize(
        ("d", "mean", "variance"),
        [
            (Normal(mean=0.5, sd=2.0), 0.5, 4.0),
            (LogNormal(median=1.0, sigma=1.0), math.exp(0.5), (math.e - 1) * math.e),
            (
                LogNormal(median=3.0, sigma=0.5),
                3 * math.exp(0.125),
                9 * math.expm1(0.25) * math.exp(0.25),
            ),
            (Beta(a=2.0, b=5.0), 2 / 7, 10 / (49 * 8)),
            (Beta(a=1.0, b=1.0), 0.5, 1 / 12),
            (Gamma(shape=3.0, scale=2.0), 6.0, 12.0),
            (Gamma(shape=1.0, scale=0.5), 0.5, 0.25),  # exponential, rate 2
            (Uniform(low=-1.0, high=3.0), 1.0, 16 / 12),
            (Integers(low=1, high=6), 3.5, 35 / 12),  # a die
            (Integers(low=0, high=1), 0.5, 0.25),  # a fair coin
            (Integers(low=4, high=4), 4.0, 0.0),
            (Constant(value=3.0), 3.0, 0.0),
        ],
        ids=case_id,
    )
    def test_by_hand(self, d, mean, variance):
        assert d.mean == pytest.approx(mean, rel=1e-12)
        if variance == 0:
            assert d.variance == 0
        else:
            assert d.variance == pytest.approx(variance, rel=1e-12)

    @pytest.mark.parametrize("d", RANDOM_CASES, ids=case_id)
    def test_against_scipy(self, d):
        ref = scipy_reference(d)
        assert d.mean == pytest.approx(ref.mean(), rel=1e-12, abs=1e-12)
        assert d.variance == pytest.approx(ref.var(), rel=1e-10)
        lo, hi = ref.support()
        if isinstance(d, Integers):  # scipy's randint support is the integer range
            assert d.support == (lo, hi)
        else:
            assert d.support == pytest.approx((lo, hi))


class TestKnownAnswerSampling:
    def test_size_none_gives_0d_array(self):
        for d in CASES:
            out = d.sample(np.random.default_rng(SEED))
            assert isinstance(out, np.ndarray)
            assert out.shape == ()

    @pytest.mark.parametrize("d", CASES, ids=case_id)
    def test_shape(self, d):
        assert d.sample(np.random.default_rng(SEED), 7).shape == (7,)

    def test_constant_consumes_no_randomness(self):
        rng = np.random.default_rng(SEED)
        before = rng.bit_generator.state
        np.testing.assert_array_equal(Constant(value=2.5).sample(rng, 4), [2.5] * 4)
        assert rng.bit_generator.state == before

    def test_integers_include_both_endpoints(self):
        x = Integers(low=1, high=3).sample(np.random.default_rng(SEED), 1000)
        assert set(np.unique(x).tolist()) == {1, 2, 3}


# --------------------------------------------------------------------------- #
# Statistical: sample moments against theory
# --------------------------------------------------------------------------- #


class TestSampleMomentsStatistical:
    """20,000 draws, ``default_rng(12345)``; tolerances of 4 standard errors."""

    @pytest.mark.parametrize("d", CASES, ids=case_id)
    def test_sample_mean(self, d):
        x = d.sample(np.random.default_rng(SEED), N_DRAWS)
        se = math.sqrt(d.variance / N_DRAWS)
        if se == 0:
            assert np.all(x == d.mean)
        else:
            assert abs(x.mean() - d.mean) < K_SE * se, (x.mean(), d.mean, se)

    @pytest.mark.parametrize("d", RANDOM_CASES, ids=case_id)
    def test_sample_variance(self, d):
        # Var(s^2) = (mu4 - sigma^4 (n - 3) / (n - 1)) / n, with mu4 from theory
        # (scipy's excess kurtosis: mu4 = (kurt + 3) sigma^4).
        x = d.sample(np.random.default_rng(SEED), N_DRAWS)
        n, var = N_DRAWS, d.variance
        mu4 = (float(scipy_reference(d).stats(moments="k")) + 3.0) * var**2
        se = math.sqrt((mu4 - var**2 * (n - 3) / (n - 1)) / n)
        s2 = x.var(ddof=1)
        assert abs(s2 - var) < K_SE * se, (s2, var, se)

    @pytest.mark.parametrize("d", CASES, ids=case_id)
    def test_draws_within_support(self, d):
        x = d.sample(np.random.default_rng(SEED), N_DRAWS)
        lo, hi = d.support
        assert np.all(x >= lo)
        assert np.all(x <= hi)

    def test_constant_sample_variance_is_zero(self):
        x = Constant(value=-1.5).sample(np.random.default_rng(SEED), N_DRAWS)
        assert x.var() == 0.0


# --------------------------------------------------------------------------- #
# Known-answer: validation
# --------------------------------------------------------------------------- #


class TestKnownAnswerValidation:
    @pytest.mark.parametrize(
        ("cls", "kwargs"),
        [
            (Normal, {"mean": 0.0, "sd": 0.0}),
            (Normal, {"mean": 0.0, "sd": -1.0}),
            (Normal, {"mean": 0.0, "sd": math.nan}),
            (LogNormal, {"median": 0.0, "sigma": 1.0}),
            (LogNormal, {"median": 1.0, "sigma": 0.0}),
            (Beta, {"a": 0.0, "b": 1.0}),
            (Beta, {"a": -1.0, "b": 1.0}),
            (Beta, {"a": 1.0, "b": 0.0}),
            (Gamma, {"shape": 0.0, "scale": 1.0}),
            (Gamma, {"shape": 1.0, "scale": -1.0}),
            (Uniform, {"low": 1.0, "high": 1.0}),
            (Uniform, {"low": 2.0, "high": 1.0}),
            (Integers, {"low": 3, "high": 2}),
            (Integers, {"low": 1.5, "high": 3}),
            (Normal, {"mean_": 0.0, "sd": 1.0}),  # the field is written as "mean"
            (Normal, {"mean": 0.0, "sd": 1.0, "extra": 1}),
            (Constant, {}),
        ],
    )
    def test_invalid_parameters_raise(self, cls, kwargs):
        with pytest.raises(ValidationError):
            cls(**kwargs)

    def test_messages_name_the_problem(self):
        with pytest.raises(ValidationError, match="sd"):
            Normal(mean=0.0, sd=0.0)
        with pytest.raises(ValidationError, match="needs low < high"):
            Uniform(low=1.0, high=1.0)
        with pytest.raises(ValidationError, match="needs low <= high"):
            Integers(low=3, high=2)

    def test_degenerate_integers_allowed(self):
        assert Integers(low=2, high=2).support == (2.0, 2.0)

    def test_frozen(self):
        d = Normal(mean=0.0, sd=1.0)
        with pytest.raises(ValidationError):
            d.sd = 2.0

    def test_discriminated_union(self):
        d = DIST.validate_python({"dist": "lognormal", "median": 2.25, "sigma": 0.3})
        assert d == LogNormal(median=2.25, sigma=0.3)
        with pytest.raises(ValidationError):
            DIST.validate_python({"dist": "cauchy", "loc": 0.0})

    def test_normal_mean_round_trips_under_its_alias(self):
        d = Normal(mean=0.5, sd=2.0)
        dumped = d.model_dump()
        assert dumped == {"dist": "normal", "mean": 0.5, "sd": 2.0}
        assert DIST.validate_python(dumped) == d

    @pytest.mark.parametrize(
        ("cls", "kwargs"),
        [
            (Constant, {"value": math.nan}),
            (Normal, {"mean": math.nan, "sd": 1.0}),
            (Uniform, {"low": 0.0, "high": math.inf}),
        ],
    )
    def test_non_finite_parameters_raise(self, cls, kwargs):
        with pytest.raises(ValidationError):
            cls(**kwargs)


class TestKnownAnswerPopulation:
    def test_defaults_are_valid(self):
        pop = Population()
        assert pop.max_stakeholders == 8

    @pytest.mark.parametrize(
        ("field", "dist"),
        [
            ("trust", {"dist": "normal", "mean": 0.5, "sd": 0.1}),
            ("trust", {"dist": "uniform", "low": 0.0, "high": 1.5}),
            ("trust", {"dist": "constant", "value": 1.2}),
            ("known_need_share", {"dist": "gamma", "shape": 2.0, "scale": 0.1}),
            ("success_probability", {"dist": "lognormal", "median": 0.5, "sigma": 0.1}),
            ("value_ratio", {"dist": "uniform", "low": -1.0, "high": 5.0}),
            ("value_ratio", {"dist": "uniform", "low": 0.0, "high": 5.0}),  # can draw 0
            ("value_ratio", {"dist": "constant", "value": 0.0}),
            ("value_ratio", {"dist": "normal", "mean": 4.0, "sd": 1.0}),
            ("loss_aversion", {"dist": "beta", "a": 2.0, "b": 2.0}),
            ("patience_days", {"dist": "integers", "low": 0, "high": 10}),
            ("stakeholders", {"dist": "beta", "a": 2.0, "b": 2.0}),
            ("stakeholders", {"dist": "constant", "value": 2.5}),
            ("stakeholders", {"dist": "constant", "value": 0.0}),
            ("stakeholders", {"dist": "integers", "low": 0, "high": 5}),
            ("stakeholders", {"dist": "integers", "low": 1, "high": 51}),
            ("stakeholders", {"dist": "uniform", "low": 1.0, "high": 5.0}),
        ],
    )
    def test_out_of_range_trait_raises_naming_the_trait(self, field, dist):
        with pytest.raises(ValidationError, match=field):
            Population(**{field: dist})

    @pytest.mark.parametrize(
        ("field", "dist"),
        [
            ("trust", {"dist": "uniform", "low": 0.0, "high": 1.0}),
            ("trust", {"dist": "constant", "value": 0.0}),
            ("value_ratio", {"dist": "gamma", "shape": 2.0, "scale": 1.0}),
            ("value_ratio", {"dist": "uniform", "low": 0.5, "high": 2.0}),
            ("rival_edge", {"dist": "uniform", "low": -1.0, "high": 1.0}),
            ("first_impression_bias", {"dist": "constant", "value": -0.3}),
            ("stakeholders", {"dist": "constant", "value": 3.0}),
            ("stakeholders", {"dist": "integers", "low": 1, "high": 50}),
        ],
    )
    def test_in_range_trait_accepted(self, field, dist):
        pop = Population(**{field: dist})
        assert getattr(pop, field).dist == dist["dist"]

    def test_reports_every_problem(self):
        with pytest.raises(ValidationError) as info:
            Population(
                trust={"dist": "normal", "mean": 0.5, "sd": 0.1},
                urgency={"dist": "constant", "value": 2.0},
            )
        assert "trust" in str(info.value)
        assert "urgency" in str(info.value)

    def test_unknown_trait_raises(self):
        with pytest.raises(ValidationError):
            Population(charisma={"dist": "constant", "value": 1.0})

    @pytest.mark.parametrize(
        ("stakeholders", "m"),
        [
            ({"dist": "integers", "low": 1, "high": 7}, 7),
            ({"dist": "constant", "value": 3.0}, 3),
        ],
    )
    def test_max_stakeholders(self, stakeholders, m):
        assert Population(stakeholders=stakeholders).max_stakeholders == m

    def test_nan_constant_trait_raises(self):
        with pytest.raises(ValidationError):
            Population(trust={"dist": "constant", "value": math.nan})


# --------------------------------------------------------------------------- #
# Known-answer: draw_traits stream layout
# --------------------------------------------------------------------------- #

# A constant inside each trait's allowed range; stakeholders keeps the default
# maximum (8) so the stakeholder arrays keep their width.
CONSTANTS = {
    "value_ratio": 2.0,
    "known_need_share": 0.5,
    "trust": 0.5,
    "urgency": 0.5,
    "indecision": 0.5,
    "patience_days": 30.0,
    "rival_edge": 0.0,
    "stakeholders": 8.0,
    "first_impression_bias": 0.0,
    "loss_aversion": 2.0,
    "success_probability": 0.5,
}


def assert_traits_equal(a: Traits, b: Traits, skip: tuple[str, ...] = ()) -> None:
    for f in dataclasses.fields(Traits):
        if f.name not in skip:
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)


class TestKnownAnswerDrawTraits:
    def test_every_trait_is_drawn(self):
        # every trait, and the rival-presence uniforms (not a trait: no distribution)
        assert {f.name for f in dataclasses.fields(Traits)} == {*ALL_TRAITS, "rival_draw"}
        assert set(CONSTANTS) == set(ALL_TRAITS)

    def test_shapes_and_types(self):
        pop = Population()
        n = 40
        t = draw_traits(pop, n, TRAIT_SEED)
        assert len(t) == n
        for name in CUSTOMER_TRAITS:
            assert getattr(t, name).shape == (n,), name
        for name in STAKEHOLDER_TRAITS:
            assert getattr(t, name).shape == (n, pop.max_stakeholders), name
        assert t.stakeholders.dtype == np.int64
        assert np.all((t.stakeholders >= 1) & (t.stakeholders <= pop.max_stakeholders))

    def test_stakeholder_width_follows_population(self):
        pop = Population(stakeholders={"dist": "integers", "low": 2, "high": 9})
        t = draw_traits(pop, 10, TRAIT_SEED)
        for name in STAKEHOLDER_TRAITS:
            assert getattr(t, name).shape == (10, 9)

    def test_same_seed_same_traits(self):
        a = draw_traits(Population(), 25, np.random.SeedSequence(1))
        b = draw_traits(Population(), 25, np.random.SeedSequence(1))
        assert_traits_equal(a, b)

    def test_different_seed_different_traits(self):
        a = draw_traits(Population(), 25, np.random.SeedSequence(1))
        b = draw_traits(Population(), 25, np.random.SeedSequence(2))
        for name in ALL_TRAITS:
            assert not np.array_equal(getattr(a, name), getattr(b, name)), name

    @pytest.mark.parametrize("k", [1, 17, 100])
    def test_prefix_property(self, k):
        # Customer i gets draw i of each stream, whatever n is.
        small = draw_traits(Population(), k, TRAIT_SEED)
        big = draw_traits(Population(), 2 * k, TRAIT_SEED)
        for name in ALL_TRAITS:
            np.testing.assert_array_equal(getattr(big, name)[:k], getattr(small, name), name)

    @pytest.mark.parametrize("trait", ALL_TRAITS)
    def test_constant_trait_leaves_others_unchanged(self, trait):
        n = 60
        base = draw_traits(Population(), n, TRAIT_SEED)
        pop = Population(**{trait: {"dist": "constant", "value": CONSTANTS[trait]}})
        changed = draw_traits(pop, n, TRAIT_SEED)
        assert np.all(getattr(changed, trait) == CONSTANTS[trait])
        assert not np.array_equal(getattr(base, trait), getattr(changed, trait))
        assert_traits_equal(base, changed, skip=(trait,))

    @pytest.mark.parametrize("trait", ALL_TRAITS)
    def test_other_distribution_leaves_others_unchanged(self, trait):
        # Not only constants: any change of one trait's distribution (same
        # stakeholder maximum) shifts no other trait's draws.
        alternatives = {
            "stakeholders": {"dist": "integers", "low": 8, "high": 8},
            "rival_edge": {"dist": "normal", "mean": 1.0, "sd": 2.0},
            "first_impression_bias": {"dist": "uniform", "low": -1.0, "high": 1.0},
        }
        alt = alternatives.get(trait, {"dist": "gamma", "shape": 2.0, "scale": 0.1})
        if trait in ("known_need_share", "trust", "urgency", "indecision", "success_probability"):
            alt = {"dist": "uniform", "low": 0.0, "high": 1.0}
        base = draw_traits(Population(), 30, TRAIT_SEED)
        changed = draw_traits(Population(**{trait: alt}), 30, TRAIT_SEED)
        assert_traits_equal(base, changed, skip=(trait,))

    def test_smaller_constant_stakeholders_leave_stakeholder_draws_unchanged(self):
        base = draw_traits(Population(), 10, TRAIT_SEED)
        pop = Population(stakeholders={"dist": "constant", "value": 3.0})
        changed = draw_traits(pop, 10, TRAIT_SEED)
        for name in STAKEHOLDER_TRAITS:
            np.testing.assert_array_equal(getattr(changed, name), getattr(base, name)[:, :3])


# --------------------------------------------------------------------------- #
# Property tests
# --------------------------------------------------------------------------- #

positive = st.floats(min_value=0.05, max_value=20.0)
location = st.floats(min_value=-100.0, max_value=100.0)


@st.composite
def distributions(draw):
    kind = draw(st.sampled_from(["normal", "lognormal", "beta", "gamma", "uniform", "integers"]))
    if kind == "normal":
        return Normal(mean=draw(location), sd=draw(positive))
    if kind == "lognormal":
        return LogNormal(median=draw(positive), sigma=draw(st.floats(0.05, 2.0)))
    if kind == "beta":
        return Beta(a=draw(positive), b=draw(positive))
    if kind == "gamma":
        return Gamma(shape=draw(positive), scale=draw(positive))
    if kind == "uniform":
        low = draw(location)
        return Uniform(low=low, high=low + draw(positive))
    low = draw(st.integers(-50, 50))
    return Integers(low=low, high=low + draw(st.integers(0, 50)))


class TestPropertyDistributions:
    @PROPERTY
    @given(d=distributions(), seed=st.integers(0, 2**32 - 1))
    def test_draws_within_support(self, d, seed):
        x = d.sample(np.random.default_rng(seed), 200)
        lo, hi = d.support
        assert np.all((x >= lo) & (x <= hi))

    @PROPERTY
    @given(d=distributions())
    def test_moments_finite_and_variance_positive(self, d):
        assert math.isfinite(d.mean)
        assert math.isfinite(d.variance)
        assert d.variance >= 0
        lo, hi = d.support
        assert lo <= d.mean <= hi

    @PROPERTY
    @given(d=distributions(), seed=st.integers(0, 2**32 - 1))
    def test_same_seed_same_draws(self, d, seed):
        a = d.sample(np.random.default_rng(seed), 50)
        b = d.sample(np.random.default_rng(seed), 50)
        np.testing.assert_array_equal(a, b)

    @PROPERTY
    @given(d=distributions())
    def test_round_trips_through_dump(self, d):
        assert DIST.validate_python(d.model_dump()) == d


# ---------------------------------------------------------------- quantiles
QUANTILE_CASES = [
    (Normal(mean=1.0, sd=2.0), "norm", (1.0, 2.0)),
    (LogNormal(median=2.25, sigma=0.3), "lognorm", (0.3, 0.0, 2.25)),
    (Beta(a=2.0, b=5.0), "beta", (2.0, 5.0)),
    (Gamma(shape=3.0, scale=0.5), "gamma", (3.0, 0.0, 0.5)),
    (Uniform(low=-1.0, high=4.0), "uniform", (-1.0, 5.0)),
]


@pytest.mark.parametrize(("dist", "name", "args"), QUANTILE_CASES, ids=lambda x: str(x)[:12])
def test_quantile_is_scipys_inverse_distribution_function(dist, name, args):
    # known answers: scipy.stats' percent-point functions of the same distributions
    u = np.array([1e-9, 0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1 - 1e-9])
    want = getattr(stats, name).ppf(u, *args)
    np.testing.assert_allclose(dist.quantile(u), want, rtol=1e-9)


@pytest.mark.parametrize(("dist", "name", "args"), QUANTILE_CASES, ids=lambda x: str(x)[:12])
def test_quantiles_of_uniforms_are_draws_of_the_distribution(dist, name, args):
    # statistical: quantile(U) against the distribution's own sample (two-sample KS)
    rng = np.random.default_rng(20261206)
    via_u = dist.quantile(rng.random(20_000))
    drawn = dist.sample(rng, 20_000)
    assert stats.ks_2samp(via_u, drawn).pvalue > 1e-3


def test_quantile_ends_integers_and_constants():
    assert np.isfinite(Normal(mean=0.0, sd=1.0).quantile([0.0, 1.0])).all()  # kept inside (0, 1)
    ints = Integers(low=2, high=5).quantile(np.arange(4000) / 4000)
    assert np.array_equal(np.unique(ints, return_counts=True)[1], [1000, 1000, 1000, 1000])
    assert Integers(low=2, high=5).quantile(1.0) == 5
    assert Constant(value=3.5).quantile(np.zeros((2, 3))).tolist() == [[3.5] * 3] * 2
