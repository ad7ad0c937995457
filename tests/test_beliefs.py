"""Tests of conservative belief updating (Edwards 1968).

Two kinds, kept apart by class name:

* ``TestKnownAnswer*``: Bayes' rule and the conjugate normal posterior worked
  out by hand, and input validation.
* ``TestProperty*``: Hypothesis invariants (c = 1 is Bayes; a conservative
  update goes the same way as Bayes but c times as far).

Nothing here is random, so there are no statistical tests. The validation
against Edwards' bookbag-and-poker-chip result (Bayes 0.97, subjects 0.7-0.8,
and the package's default conservatism) is in tests/test_validation.py.

References
----------
Edwards, W. (1968). Conservatism in human information processing. In
B. Kleinmuntz (Ed.), *Formal representation of human judgment*, 17-52. Wiley.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsales.model.beliefs import conservative_log_odds, conservative_normal_update

PROPERTY = settings(deadline=None)


# --------------------------------------------------------------------------- #
# Known-answer tests
# --------------------------------------------------------------------------- #


class TestKnownAnswerLogOdds:
    def test_bayes_with_uneven_prior(self):
        # Prior odds 1:4, likelihood ratio 6 -> posterior odds 6:4.
        lo = conservative_log_odds(math.log(1 / 4), math.log(6.0), 1.0)
        assert math.exp(lo) == pytest.approx(1.5, rel=1e-12)

    def test_conservatism_scales_the_likelihood_ratio_not_the_prior(self):
        # Posterior odds = prior odds * LR^c.
        prior, lr, c = 0.2, 9.0, 0.5
        lo = conservative_log_odds(math.log(prior), math.log(lr), c)
        assert math.exp(lo) == pytest.approx(prior * lr**c, rel=1e-12)

    def test_no_evidence_no_change(self):
        assert conservative_log_odds(1.3, 0.0, 0.4) == 1.3

    def test_scalar_and_array(self):
        assert type(conservative_log_odds(0.0, 1.0, 0.5)) is float
        out = conservative_log_odds(np.array([0.0, 1.0]), np.array([2.0, -2.0]), 0.5)
        assert isinstance(out, np.ndarray)
        np.testing.assert_allclose(out, [1.0, 0.0])

    def test_broadcasts(self):
        out = conservative_log_odds(np.array([[0.0], [1.0]]), np.array([2.0, 4.0, 6.0]), 0.5)
        assert out.shape == (2, 3)
        np.testing.assert_allclose(out, [[1.0, 2.0, 3.0], [2.0, 3.0, 4.0]])


class TestKnownAnswerNormalUpdate:
    def test_bayes_is_conjugate_posterior(self):
        # Prior N(0, 1) (precision 1); signal 2 with precision 3 (variance 1/3).
        # Posterior precision 1 + 3 = 4; mean (1*0 + 3*2) / 4 = 1.5.
        mean, precision = conservative_normal_update(0.0, 1.0, 2.0, 3.0, 1.0)
        assert mean == pytest.approx(1.5, rel=1e-12)
        assert precision == pytest.approx(4.0, rel=1e-12)

    def test_bayes_nonzero_prior_mean(self):
        # Prior mean 10, precision 4; signal 4, precision 2:
        # precision 6, mean (4*10 + 2*4) / 6 = 8.
        mean, precision = conservative_normal_update(10.0, 4.0, 4.0, 2.0, 1.0)
        assert mean == pytest.approx(8.0, rel=1e-12)
        assert precision == pytest.approx(6.0, rel=1e-12)

    def test_half_conservative(self):
        # Bayes moves the mean 0 -> 1.5. With c = 0.5 the signal counts with
        # precision c * 3 = 1.5: precision 1 + 1.5 = 2.5, mean (1*0 + 1.5*2) / 2.5
        # = 1.2 (the share corrected is 1.5 / 2.5 = 0.6, not c * 0.75 = 0.375).
        mean, precision = conservative_normal_update(0.0, 1.0, 2.0, 3.0, 0.5)
        assert mean == pytest.approx(1.2, rel=1e-12)
        assert precision == pytest.approx(2.5, rel=1e-12)

    def test_quarter_conservative_weak_and_strong_signal(self):
        # c = 0.25, prior precision 4. Weak signal (precision 1): counts 0.25,
        # share 0.25 / 4.25 = 1/17 (Bayes: 1/5). Strong signal (precision 400):
        # counts 100, share 100 / 104 = 25/26 (Bayes: 100/101).
        m, t = conservative_normal_update(0.0, 4.0, 1.0, 1.0, 0.25)
        assert (m, t) == (pytest.approx(1 / 17, rel=1e-12), pytest.approx(4.25, rel=1e-12))
        m, t = conservative_normal_update(0.0, 4.0, 1.0, 400.0, 0.25)
        assert (m, t) == (pytest.approx(25 / 26, rel=1e-12), pytest.approx(104.0, rel=1e-12))

    def test_scalar_and_array(self):
        m, t = conservative_normal_update(0.0, 1.0, 1.0, 1.0, 1.0)
        assert type(m) is float
        assert type(t) is float
        m, t = conservative_normal_update(np.array([0.0, 2.0]), 1.0, 1.0, 1.0, 1.0)
        assert isinstance(m, np.ndarray)
        np.testing.assert_allclose(m, [0.5, 1.5])
        # The precision does not depend on the mean, so with scalar precisions
        # it comes back unbroadcast (a 0-d numpy float); its value is what counts.
        np.testing.assert_allclose(np.broadcast_to(t, m.shape), [2.0, 2.0])
        m, t = conservative_normal_update(0.0, np.array([1.0, 3.0]), 4.0, 1.0, 1.0)
        np.testing.assert_allclose(m, [2.0, 1.0])
        np.testing.assert_allclose(t, [2.0, 4.0])


class TestKnownAnswerValidation:
    @pytest.mark.parametrize("c", [0.0, 1.5, -0.25, math.nan])
    def test_log_odds_rejects_conservatism(self, c):
        with pytest.raises(ValueError, match=r"conservatism must be in \(0, 1\]"):
            conservative_log_odds(0.0, 1.0, c)

    @pytest.mark.parametrize("c", [0.0, 1.5, -0.25, math.nan])
    def test_normal_rejects_conservatism(self, c):
        with pytest.raises(ValueError, match=r"conservatism must be in \(0, 1\]"):
            conservative_normal_update(0.0, 1.0, 1.0, 1.0, c)

    def test_conservatism_one_is_allowed(self):
        assert conservative_log_odds(0.0, 1.0, 1.0) == 1.0
        assert conservative_normal_update(0.0, 1.0, 1.0, 1.0, 1.0) == (0.5, 2.0)

    @pytest.mark.parametrize(
        ("precision", "signal_precision"),
        [(0.0, 1.0), (-1.0, 1.0), (1.0, 0.0), (1.0, -2.0), (np.array([1.0, 0.0]), 1.0)],
    )
    def test_normal_rejects_non_positive_precision(self, precision, signal_precision):
        with pytest.raises(ValueError, match="precisions must be > 0"):
            conservative_normal_update(0.0, precision, 1.0, signal_precision, 1.0)

    def test_normal_rejects_nan_precision(self):
        with pytest.raises(ValueError):
            conservative_normal_update(0.0, math.nan, 1.0, 1.0, 1.0)


# --------------------------------------------------------------------------- #
# Property tests
# --------------------------------------------------------------------------- #

reals = st.floats(min_value=-50.0, max_value=50.0)
precisions = st.floats(min_value=1e-3, max_value=1e3)
conservatisms = st.floats(min_value=1e-3, max_value=1.0)


class TestPropertyLogOdds:
    @PROPERTY
    @given(prior=reals, llr=reals, c=conservatisms)
    def test_moves_c_times_as_far_as_bayes(self, prior, llr, c):
        bayes = conservative_log_odds(prior, llr, 1.0)
        cons = conservative_log_odds(prior, llr, c)
        assert cons - prior == pytest.approx(c * (bayes - prior), rel=1e-9, abs=1e-9)

    @PROPERTY
    @given(prior=reals, llr=reals, c=conservatisms)
    def test_between_prior_and_bayes(self, prior, llr, c):
        bayes = conservative_log_odds(prior, llr, 1.0)
        cons = conservative_log_odds(prior, llr, c)
        assert min(prior, bayes) - 1e-12 <= cons <= max(prior, bayes) + 1e-12

    @PROPERTY
    @given(prior=reals, l1=reals, l2=reals)
    def test_bayes_is_order_free(self, prior, l1, l2):
        one_then_two = conservative_log_odds(conservative_log_odds(prior, l1, 1.0), l2, 1.0)
        both = conservative_log_odds(prior, l1 + l2, 1.0)
        assert one_then_two == pytest.approx(both, abs=1e-9)


class TestPropertyNormalUpdate:
    @PROPERTY
    @given(m=reals, tau=precisions, s=reals, ts=precisions)
    def test_bayes_is_precision_weighted_mean(self, m, tau, s, ts):
        mean, precision = conservative_normal_update(m, tau, s, ts, 1.0)
        assert precision == pytest.approx(tau + ts, rel=1e-12)
        assert mean == pytest.approx((tau * m + ts * s) / (tau + ts), rel=1e-9, abs=1e-9)

    @PROPERTY
    @given(m=reals, tau=precisions, s=reals, ts=precisions, c=conservatisms)
    def test_conservative_is_bayes_on_a_discounted_signal(self, m, tau, s, ts, c):
        # Edwards' c * log-likelihood ratio: the likelihood to the power c, a
        # normal of precision c * ts.
        mean, precision = conservative_normal_update(m, tau, s, ts, c)
        bayes_mean, bayes_tau = conservative_normal_update(m, tau, s, c * ts, 1.0)
        assert mean == pytest.approx(bayes_mean, rel=1e-9, abs=1e-9)
        assert precision == pytest.approx(bayes_tau, rel=1e-12)
        assert precision - tau == pytest.approx(c * ts, rel=1e-9)

    @PROPERTY
    @given(m=reals, tau=precisions, s=reals, ts=precisions, c=conservatisms)
    def test_mean_moves_between_c_and_1_times_as_far_as_bayes(self, m, tau, s, ts, c):
        bayes_mean, _ = conservative_normal_update(m, tau, s, ts, 1.0)
        mean, _ = conservative_normal_update(m, tau, s, ts, c)
        bayes_move, move = abs(bayes_mean - m), abs(mean - m)
        assert c * bayes_move - 1e-9 <= move <= bayes_move + 1e-9

    @PROPERTY
    @given(m=reals, tau=precisions, s=reals, ts=precisions, c=conservatisms)
    def test_mean_between_prior_and_signal(self, m, tau, s, ts, c):
        mean, precision = conservative_normal_update(m, tau, s, ts, c)
        assert min(m, s) - 1e-9 <= mean <= max(m, s) + 1e-9
        assert precision > tau

    @PROPERTY
    @given(m=reals, tau=precisions, s1=reals, t1=precisions, s2=reals, t2=precisions)
    def test_bayes_two_signals_equal_one_pooled_signal(self, m, tau, s1, t1, s2, t2):
        # Conjugacy: updating on s1 then s2 equals updating once on their
        # precision-weighted mean with precision t1 + t2.
        m1, tau1 = conservative_normal_update(m, tau, s1, t1, 1.0)
        m2, tau2 = conservative_normal_update(m1, tau1, s2, t2, 1.0)
        pooled = (t1 * s1 + t2 * s2) / (t1 + t2)
        m_once, tau_once = conservative_normal_update(m, tau, pooled, t1 + t2, 1.0)
        assert tau2 == pytest.approx(tau_once, rel=1e-9)
        assert m2 == pytest.approx(m_once, rel=1e-7, abs=1e-7)
