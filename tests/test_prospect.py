"""Tests of the prospect-theory core: ``value``, ``weight``, ``change_utility``.

Two kinds, kept apart by class name:

* ``TestKnownAnswer*``: closed forms worked out by hand, shapes, input checks.
* ``TestProperty*``: Hypothesis invariants (monotonicity, symmetry, ranges).

The validation against Tversky & Kahneman (1992) itself (their parameter
values, the certainty equivalents they imply, their published medians and the
fourfold pattern) is in tests/test_validation.py.

Nothing here is random, so there are no statistical tests.

References
----------
Tversky, A. & Kahneman, D. (1992). Advances in prospect theory: cumulative
representation of uncertainty. *Journal of Risk and Uncertainty*, 5, 297-323.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from simsales import change_utility, value, weight
from simsales.model.prospect import utility_unchecked

# Linear value, no loss aversion, linear weighting: expected-value maximiser.
LINEAR = {"alpha": 1.0, "beta": 1.0, "lam": 1.0, "gamma": 1.0}

PROPERTY = settings(deadline=None, max_examples=150)

outcomes = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False)
magnitudes = st.floats(min_value=0.0, max_value=1e4, allow_nan=False)
probabilities = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
curvatures = st.floats(min_value=0.05, max_value=1.0)
loss_aversions = st.floats(min_value=0.1, max_value=10.0)
# w is monotone for gamma above about 0.279 (Ingersoll 2008); stay above that
# wherever monotonicity in p is asserted.
monotone_gammas = st.floats(min_value=0.3, max_value=2.0)
any_gammas = st.floats(min_value=0.05, max_value=5.0)


# --------------------------------------------------------------------------- #
# Known-answer tests
# --------------------------------------------------------------------------- #


class TestKnownAnswerValue:
    def test_unit_gain_and_loss_with_defaults(self):
        assert value(1.0) == 1.0
        assert value(-1.0) == -2.25

    def test_zero_is_the_reference_point(self):
        assert value(0.0) == 0.0

    @pytest.mark.parametrize("x", [0.5, 2.0, 10.0, 1234.5])
    def test_gain_branch_is_power_law(self, x):
        assert value(x) == pytest.approx(x**0.88, rel=1e-12)

    @pytest.mark.parametrize("x", [0.5, 2.0, 10.0, 1234.5])
    def test_loss_branch_is_scaled_power_law(self, x):
        assert value(-x) == pytest.approx(-2.25 * x**0.88, rel=1e-12)

    def test_separate_gain_and_loss_curvature(self):
        # v(4) = 4^0.5 = 2; v(-4) = -3 * 4^0.25 = -3 * sqrt(2)
        assert value(4.0, alpha=0.5, beta=0.25, lam=3.0) == pytest.approx(2.0, rel=1e-12)
        assert value(-4.0, alpha=0.5, beta=0.25, lam=3.0) == pytest.approx(
            -3.0 * math.sqrt(2.0), rel=1e-12
        )

    def test_linear_value_is_identity(self):
        xs = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
        np.testing.assert_array_equal(value(xs, alpha=1, beta=1, lam=1), xs)

    @pytest.mark.parametrize("x", [0.01, 1.0, 100.0])
    def test_loss_aversion_losses_loom_larger(self, x):
        # With alpha = beta and lambda > 1, |v(-x)| > v(x), by exactly lambda.
        assert abs(value(-x)) > value(x)
        assert abs(value(-x)) / value(x) == pytest.approx(2.25, rel=1e-12)


class TestKnownAnswerWeight:
    def test_endpoints(self):
        assert weight(0.0) == 0.0
        assert weight(1.0) == 1.0

    def test_half_with_gamma_061_by_hand(self):
        # w(1/2) = 2^-g / (2 * 2^-g)^(1/g) = 2^(1 - g - 1/g)
        g = 0.61
        assert weight(0.5, 0.61) == pytest.approx(2.0 ** (1.0 - g - 1.0 / g), rel=1e-12)
        assert weight(0.5, 0.61) == pytest.approx(0.42064, abs=1e-5)

    @pytest.mark.parametrize("p", [0.0, 0.01, 0.25, 0.5, 0.9, 1.0])
    def test_gamma_one_is_linear(self, p):
        assert weight(p, 1.0) == pytest.approx(p, abs=1e-15)

    def test_overweights_small_underweights_large(self):
        # Inverse-S shape for gamma < 1 (T&K 1992, Fig. 1).
        assert weight(0.01) > 0.01
        assert weight(0.05) > 0.05
        assert weight(0.5) < 0.5
        assert weight(0.95) < 0.95

    def test_known_value_small_p(self):
        # w(0.05) = 0.05^0.61 / (0.05^0.61 + 0.95^0.61)^(1/0.61), by hand.
        g = 0.61
        expected = 0.05**g / (0.05**g + 0.95**g) ** (1 / g)
        assert weight(0.05) == pytest.approx(expected, rel=1e-12)
        assert weight(0.05) == pytest.approx(0.13163, abs=1e-5)


class TestKnownAnswerChangeUtility:
    @pytest.mark.parametrize(
        ("gain", "loss", "p"),
        [(3.0, 1.0, 0.5), (0.0, 2.0, 0.3), (5.0, 0.0, 0.8), (10.0, 4.0, 0.0), (2.0, 2.0, 1.0)],
    )
    def test_linear_parameters_give_expected_value(self, gain, loss, p):
        assert change_utility(gain, loss, p, **LINEAR) == pytest.approx(p * gain - loss, abs=1e-12)

    def test_docstring_example(self):
        assert change_utility(3.0, 1.0, 0.5, **LINEAR) == 0.5

    def test_closed_form_with_defaults(self):
        # U = w(0.5) * 4^0.88 - 2.25 * 1^0.88
        expected = 2.0 ** (1 - 0.61 - 1 / 0.61) * 4.0**0.88 - 2.25
        assert change_utility(4.0, 1.0, 0.5) == pytest.approx(expected, rel=1e-12)

    def test_sure_gain_against_nothing(self):
        assert change_utility(8.0, 0.0, 1.0) == pytest.approx(8.0**0.88, rel=1e-12)

    def test_nothing_at_stake_is_indifference(self):
        assert change_utility(0.0, 0.0, 0.5) == 0.0

    def test_equals_weighted_value_decomposition(self):
        gain, loss, p = 6.0, 1.5, 0.7
        expected = weight(p, 0.61) * value(gain) + value(-loss)
        assert change_utility(gain, loss, p) == pytest.approx(expected, rel=1e-12)


class TestKnownAnswerShapes:
    def test_scalars_give_python_floats(self):
        assert type(value(1.0)) is float
        assert type(value(2)) is float
        assert type(weight(0.3)) is float
        assert type(change_utility(2.0, 1.0, 0.5)) is float
        assert type(value(np.float64(-2.0))) is float
        assert type(value(np.array(3.0))) is float

    def test_arrays_give_arrays(self):
        xs = np.array([-1.0, 0.0, 1.0])
        out = value(xs)
        assert isinstance(out, np.ndarray)
        assert out.shape == (3,)
        np.testing.assert_allclose(out, [-2.25, 0.0, 1.0], rtol=1e-12)
        w = weight(np.array([0.0, 0.5, 1.0]))
        assert isinstance(w, np.ndarray)
        np.testing.assert_allclose(w, [0.0, 2.0 ** (1 - 0.61 - 1 / 0.61), 1.0], rtol=1e-12)

    def test_lists_are_array_like(self):
        np.testing.assert_allclose(value([-1.0, 1.0]), [-2.25, 1.0], rtol=1e-12)
        np.testing.assert_allclose(weight([0.0, 1.0]), [0.0, 1.0])

    def test_scalar_x_array_parameter_gives_array(self):
        out = value(-1.0, lam=np.array([1.0, 2.0, 3.0]))
        np.testing.assert_allclose(out, [-1.0, -2.0, -3.0], rtol=1e-12)

    def test_value_broadcasts(self):
        out = value(np.array([1.0, -1.0]), lam=np.array([[1.0], [2.0]]))
        assert out.shape == (2, 2)
        np.testing.assert_allclose(out, [[1.0, -1.0], [1.0, -2.0]], rtol=1e-12)

    def test_weight_broadcasts_over_gamma(self):
        out = weight(np.array([[0.5], [1.0]]), gamma=np.array([1.0, 0.61]))
        assert out.shape == (2, 2)
        np.testing.assert_allclose(out[0], [0.5, 2.0 ** (1 - 0.61 - 1 / 0.61)], rtol=1e-12)
        np.testing.assert_allclose(out[1], [1.0, 1.0], rtol=1e-12)

    def test_change_utility_broadcasts(self):
        gains = np.array([[1.0], [2.0], [3.0]])  # (3, 1)
        ps = np.array([0.0, 0.5, 1.0, 0.25])  # (4,)
        out = change_utility(gains, 1.0, ps, **LINEAR)
        assert out.shape == (3, 4)
        np.testing.assert_allclose(out, gains * ps - 1.0, atol=1e-12)

    def test_change_utility_array_parameters(self):
        out = change_utility(2.0, 1.0, 1.0, alpha=1.0, beta=1.0, lam=np.array([1.0, 3.0]))
        np.testing.assert_allclose(out, [1.0, -1.0], rtol=1e-12)

    def test_change_utility_accepts_list_gamma(self):
        out = change_utility(3.0, 1.0, 0.5, alpha=1, beta=1, lam=1, gamma=[1.0, 1.0])
        np.testing.assert_allclose(out, [0.5, 0.5])


class TestKnownAnswerValidation:
    @pytest.mark.parametrize("lam", [0.0, -1.0, np.nan, np.inf])
    def test_value_rejects_bad_lambda(self, lam):
        with pytest.raises(ValueError, match="lam must be > 0"):
            value(1.0, lam=lam)

    @pytest.mark.parametrize("name", ["alpha", "beta"])
    @pytest.mark.parametrize("bad", [0.0, -0.5, np.nan])
    def test_value_rejects_bad_curvature(self, name, bad):
        with pytest.raises(ValueError, match=f"{name} must be > 0"):
            value(1.0, **{name: bad})

    def test_value_rejects_bad_entry_in_parameter_array(self):
        with pytest.raises(ValueError, match="lam must be > 0"):
            value(1.0, lam=np.array([2.0, 0.0]))

    @pytest.mark.parametrize("x", [np.nan, np.inf, -np.inf])
    def test_value_rejects_non_finite_x(self, x):
        with pytest.raises(ValueError, match="x must be finite"):
            value(x)

    def test_value_rejects_nan_inside_array(self):
        with pytest.raises(ValueError, match="x must be finite"):
            value(np.array([1.0, np.nan]))

    @pytest.mark.parametrize("p", [-0.1, 1.1, -1e-12, 1.0 + 1e-12, np.nan, np.inf])
    def test_weight_rejects_p_outside_unit_interval(self, p):
        with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
            weight(p)

    @pytest.mark.parametrize("gamma", [0.0, -0.61, np.nan])
    def test_weight_rejects_bad_gamma(self, gamma):
        with pytest.raises(ValueError, match="gamma must be > 0"):
            weight(0.5, gamma)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"gain": -1.0}, "gain must be finite and >= 0"),
            ({"gain": np.nan}, "gain must be finite and >= 0"),
            ({"gain": np.inf}, "gain must be finite and >= 0"),
            ({"gain": np.array([1.0, -0.1])}, "gain must be finite and >= 0"),
            ({"loss": -1.0}, "loss must be finite and >= 0"),
            ({"loss": np.nan}, "loss must be finite and >= 0"),
            ({"p_success": 1.5}, r"p_success must be in \[0, 1\]"),
            ({"p_success": -0.5}, r"p_success must be in \[0, 1\]"),
            ({"p_success": np.nan}, r"p_success must be in \[0, 1\]"),
            ({"lam": 0.0}, "lam must be > 0"),
            ({"lam": -2.25}, "lam must be > 0"),
            ({"lam": np.nan}, "lam must be > 0"),
            ({"gamma": 0.0}, "gamma must be > 0"),
            ({"alpha": -1.0}, "alpha must be > 0"),
            ({"beta": 0.0}, "beta must be > 0"),
        ],
    )
    def test_change_utility_rejects(self, kwargs, message):
        args = {"gain": 2.0, "loss": 1.0, "p_success": 0.5} | kwargs
        with pytest.raises(ValueError, match=message):
            change_utility(**args)


# --------------------------------------------------------------------------- #
# Property tests
# --------------------------------------------------------------------------- #


class TestPropertyValue:
    @PROPERTY
    @given(x1=outcomes, x2=outcomes, a=curvatures, b=curvatures, lam=loss_aversions)
    def test_increasing(self, x1, x2, a, b, lam):
        lo, hi = sorted((x1, x2))
        assert value(lo, a, b, lam) <= value(hi, a, b, lam)

    @PROPERTY
    @given(x=outcomes.filter(lambda x: x != 0), a=curvatures, b=curvatures, lam=loss_aversions)
    def test_sign_preserved(self, x, a, b, lam):
        v = value(x, a, b, lam)
        assume(v != 0.0)  # tiny |x| ** large exponent may underflow
        assert np.sign(v) == np.sign(x)

    @PROPERTY
    @given(x=magnitudes, a=curvatures, lam=loss_aversions)
    def test_odd_symmetric_up_to_lambda(self, x, a, lam):
        # With alpha = beta, v(-x) = -lambda v(x).
        assert value(-x, a, a, lam) == pytest.approx(-lam * value(x, a, a, lam), rel=1e-12)

    @PROPERTY
    @given(
        x=st.floats(min_value=1e-3, max_value=1e4),
        a=curvatures,
        lam=st.floats(min_value=1.01, max_value=10.0),
    )
    def test_loss_aversion(self, x, a, lam):
        assert abs(value(-x, a, a, lam)) > value(x, a, a, lam)

    @PROPERTY
    @given(xs=st.lists(outcomes, min_size=1, max_size=20))
    def test_vectorised_matches_scalar(self, xs):
        out = value(np.array(xs))
        np.testing.assert_array_equal(out, [value(x) for x in xs])


class TestPropertyWeight:
    @PROPERTY
    @given(p=probabilities, g=any_gammas)
    def test_in_unit_interval(self, p, g):
        w = weight(p, g)
        assert 0.0 <= w <= 1.0

    @PROPERTY
    @given(p1=probabilities, p2=probabilities, g=monotone_gammas)
    def test_increasing_above_ingersoll_bound(self, p1, p2, g):
        lo, hi = sorted((p1, p2))
        assert weight(lo, g) <= weight(hi, g) + 1e-12

    @PROPERTY
    @given(g=any_gammas)
    def test_endpoints_for_any_gamma(self, g):
        assert weight(0.0, g) == 0.0
        assert weight(1.0, g) == pytest.approx(1.0, abs=1e-12)

    @PROPERTY
    @given(p=probabilities)
    def test_gamma_one_is_identity(self, p):
        assert weight(p, 1.0) == pytest.approx(p, abs=1e-12)


class TestPropertyChangeUtility:
    @PROPERTY
    @given(
        gain=magnitudes,
        loss=magnitudes,
        p=probabilities,
        a=curvatures,
        b=curvatures,
        lam=loss_aversions,
        g=any_gammas,
    )
    def test_finite_for_valid_inputs(self, gain, loss, p, a, b, lam, g):
        u = change_utility(gain, loss, p, alpha=a, beta=b, lam=lam, gamma=g)
        assert math.isfinite(u)

    @PROPERTY
    @given(gain=magnitudes, loss=magnitudes, p=probabilities)
    def test_linear_is_expected_value(self, gain, loss, p):
        assert change_utility(gain, loss, p, **LINEAR) == pytest.approx(
            p * gain - loss, rel=1e-9, abs=1e-9
        )

    @PROPERTY
    @given(
        gain=magnitudes,
        loss=magnitudes,
        p=probabilities,
        a=curvatures,
        b=curvatures,
        lam=loss_aversions,
        g=any_gammas,
    )
    def test_is_weighted_value_of_gain_plus_value_of_loss(self, gain, loss, p, a, b, lam, g):
        expected = weight(p, g) * value(gain, a, b, lam) + value(-loss, a, b, lam)
        u = change_utility(gain, loss, p, alpha=a, beta=b, lam=lam, gamma=g)
        assert u == pytest.approx(expected, rel=1e-9, abs=1e-9)
        assert utility_unchecked(gain, loss, p, a, b, lam, g) == pytest.approx(u, rel=1e-12)

    @PROPERTY
    @given(g1=magnitudes, g2=magnitudes, loss=magnitudes, p=probabilities, lam=loss_aversions)
    def test_increasing_in_gain(self, g1, g2, loss, p, lam):
        lo, hi = sorted((g1, g2))
        assert change_utility(lo, loss, p, lam=lam) <= change_utility(hi, loss, p, lam=lam)

    @PROPERTY
    @given(gain=magnitudes, l1=magnitudes, l2=magnitudes, p=probabilities, lam=loss_aversions)
    def test_decreasing_in_loss(self, gain, l1, l2, p, lam):
        lo, hi = sorted((l1, l2))
        assert change_utility(gain, lo, p, lam=lam) >= change_utility(gain, hi, p, lam=lam)

    @PROPERTY
    @given(gain=magnitudes, loss=magnitudes, p1=probabilities, p2=probabilities, g=monotone_gammas)
    def test_increasing_in_p_success(self, gain, loss, p1, p2, g):
        lo, hi = sorted((p1, p2))
        u_lo = change_utility(gain, loss, lo, gamma=g)
        u_hi = change_utility(gain, loss, hi, gamma=g)
        assert u_lo <= u_hi + 1e-9 * max(1.0, abs(u_hi))

    @PROPERTY
    @given(gain=magnitudes, loss=magnitudes, p=probabilities, k1=loss_aversions, k2=loss_aversions)
    def test_decreasing_in_lambda(self, gain, loss, p, k1, k2):
        lo, hi = sorted((k1, k2))
        assert change_utility(gain, loss, p, lam=lo) >= change_utility(gain, loss, p, lam=hi)

    @PROPERTY
    @given(
        gain=st.floats(min_value=1e-3, max_value=1e4),
        loss=st.floats(min_value=1e-3, max_value=1e4),
        p=st.floats(min_value=1e-3, max_value=1.0),
        k1=loss_aversions,
        k2=loss_aversions,
    )
    def test_strictly_decreasing_in_lambda_when_something_is_lost(self, gain, loss, p, k1, k2):
        assume(abs(k1 - k2) > 1e-6)
        lo, hi = sorted((k1, k2))
        assert change_utility(gain, loss, p, lam=lo) > change_utility(gain, loss, p, lam=hi)
