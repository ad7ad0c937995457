"""Conservative belief updating (Edwards 1968).

People revise beliefs in the direction Bayes' rule says, but by less: in the
bookbag-and-poker-chip experiments subjects moved about a quarter to a half as
far as Bayes in log-odds. simsales models this with one parameter, the
*conservatism* ``c`` in (0, 1]: the update is ``c`` times the Bayesian one, and
``c = 1`` is pure Bayes.

References
----------
.. [1] Edwards, W. (1968). Conservatism in human information processing. In
   B. Kleinmuntz (Ed.), *Formal representation of human judgment*, 17-52. Wiley.
"""

from __future__ import annotations

import math
import operator
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from simsales.model.xp import SCALAR

if TYPE_CHECKING:
    from simsales.model.behaviour import Behaviour
    from simsales.model.draws import Random
    from simsales.model.xp import Namespace

__all__ = [
    "conservative_log_odds",
    "conservative_normal_update",
    "evidence_sd",
    "evidence_update",
    "group_evidence_update",
]


def _check_c(conservatism: npt.ArrayLike) -> None:
    c = np.asarray(conservatism, float)
    if not np.all((c > 0) & (c <= 1)):  # also rejects NaN
        raise ValueError(f"conservatism must be in (0, 1], got {conservatism!r}")


def conservative_log_odds(
    prior_log_odds: npt.ArrayLike, log_likelihood_ratio: npt.ArrayLike, conservatism: float
) -> Any:
    """Posterior log-odds of a conservative updater.

    ``posterior = prior + c * LLR``; with ``c = 1`` this is Bayes' rule.

    Parameters
    ----------
    prior_log_odds : array_like
        Prior log-odds of the hypothesis.
    log_likelihood_ratio : array_like
        Log-likelihood ratio of the evidence.
    conservatism : float
        Share of the Bayesian revision actually made, in (0, 1].

    Returns
    -------
    float or ndarray
        Posterior log-odds.

    Examples
    --------
    Edwards' bookbag: bags of 70/30 and 30/70 red chips, 8 red and 4 blue
    drawn. Bayes gives odds of (7/3)**4, about 30:1 (p = 0.97):

    >>> import math
    >>> lo = conservative_log_odds(0.0, 4 * math.log(7 / 3), 1.0)
    >>> round(1 / (1 + math.exp(-lo)), 3)
    0.967
    """
    _check_c(conservatism)
    out = np.asarray(prior_log_odds, float) + conservatism * np.asarray(log_likelihood_ratio, float)
    return float(out) if out.ndim == 0 else out


def conservative_normal_update(
    mean: npt.ArrayLike,
    precision: npt.ArrayLike,
    signal: npt.ArrayLike,
    signal_precision: npt.ArrayLike,
    conservatism: npt.ArrayLike,
) -> tuple[Any, Any]:
    """Conservative update of a normal belief after one normal signal.

    Bayes moves the mean a fraction ``k = tau_s / (tau + tau_s)`` of the way to
    the signal and adds the signal's precision. A conservative updater
    discounts the signal's likelihood to the power ``c`` (the form of
    :func:`conservative_log_odds`: ``c`` times the log-likelihood ratio); a
    normal likelihood to the power ``c`` is a normal likelihood of precision
    ``c * tau_s``. So the mean moves ``c tau_s / (tau + c tau_s)`` of the way
    and the precision grows by ``c * tau_s``. A weak signal moves the mean
    about ``c`` times as far as Bayes would; a strong one (``tau_s`` far above
    ``tau / c``) still moves it nearly all the way.

    Parameters
    ----------
    mean, precision : array_like
        Current belief (mean, and precision = 1 / variance > 0).
    signal, signal_precision : array_like
        The evidence and its precision (> 0).
    conservatism : array_like
        In (0, 1]; 1 is Bayes (broadcast with the signal's precision).

    Returns
    -------
    mean, precision : float or ndarray
        The updated belief.
    """
    _check_c(conservatism)
    m = np.asarray(mean, float)
    tau = np.asarray(precision, float)
    ts = np.asarray(signal_precision, float)
    if not (np.all(tau > 0) and np.all(ts > 0)):  # also rejects NaN
        raise ValueError("precisions must be > 0")
    cts = np.asarray(conservatism, float) * ts
    new_m = _moved(m, tau, np.asarray(signal, float), cts)
    new_tau = tau + cts
    if new_m.ndim == 0:
        return float(new_m), float(new_tau)
    return new_m, new_tau


def _moved(mean: Any, precision: Any, signal: Any, discounted: Any) -> Any:
    """The conservative update's new mean, ``m + c tau_s / (tau + c tau_s) (signal - m)``
    with ``discounted = c tau_s`` (on floats or arrays alike)."""
    return mean + discounted / (precision + discounted) * (signal - mean)


def evidence_sd(xp: Namespace, behaviour: Behaviour, strength: Any) -> Any:
    """The sd of an action's evidence noise: ``evidence_noise / sqrt(strength)``."""
    return behaviour.evidence_noise / xp.sqrt(strength)


def evidence_update(
    xp: Namespace, bias: Any, precision: Any, strength: Any, claim_bias: Any, shared: Any,
    own: Any, conservatism: Any, behaviour: Behaviour,
) -> tuple[Any, Any]:  # fmt: skip
    """Each stakeholder's impression bias and precision after one action's evidence,
    for one buyer (``xp`` :data:`~simsales.model.xp.SCALAR`) or many
    (:data:`~simsales.model.xp.ARRAY`): the formula of both engines.

    Stakeholder ``j`` sees the signal ``claim_bias + sqrt(rho) e_0 + sqrt(1 - rho) e_j``
    of its bias (``rho = evidence_correlation``) and updates conservatively
    (:func:`conservative_normal_update`) on the signal's precision
    ``strength / evidence_noise^2``.

    Parameters
    ----------
    xp : Namespace
        The buyers' namespace.
    bias, precision : per stakeholder
        Impression biases and their precisions, before.
    strength, claim_bias, shared : per buyer
        The action's ``evidence`` (> 0), what it claims beyond the truth, and ``e_0``,
        the group's common noise (drawn by the caller, sd :func:`evidence_sd`).
    own : per stakeholder, or None
        The stakeholders' own noise ``e_j`` (same sd); None when ``rho >= 1``.
    conservatism : per buyer
        ``c`` in (0, 1].
    behaviour : Behaviour
        Gives ``evidence_noise`` and ``evidence_correlation``.
    """
    b = behaviour
    cts = xp.every(conservatism * (strength / b.evidence_noise**2), bias)
    rho = b.evidence_correlation
    if own is None:
        signal = xp.every(claim_bias + shared, bias)
    else:
        common = xp.col(claim_bias + math.sqrt(rho) * shared)
        spread = math.sqrt(1.0 - rho)
        signal = xp.each(lambda e: common + spread * e, own)
    return xp.each(_moved, bias, precision, signal, cts), xp.each(operator.add, precision, cts)


def group_evidence_update(
    bias: list[float],
    precision: list[float],
    strength: float,
    claim_bias: float,
    shared: float,
    own: Random | None,
    behaviour: Behaviour,
) -> tuple[list[float], list[float]]:
    """A buying group's impression biases and precisions after one action's evidence.

    Stakeholder ``j`` sees the signal ``claim_bias + sqrt(rho) e_0 + sqrt(1 - rho)
    e_j`` of its bias, with ``e ~ Normal(0, noise^2 / strength)`` and ``rho =``
    ``evidence_correlation``, and updates conservatively: :func:`evidence_update` on
    :data:`~simsales.model.xp.SCALAR`, with the ``e_j`` drawn here.

    Parameters
    ----------
    bias, precision : list of float
        Each stakeholder's impression bias and its precision, before.
    strength : float
        The action's ``evidence`` (> 0).
    claim_bias : float
        What the action claims beyond the truth, in log value.
    shared : float
        ``e_0``, the group's common noise, drawn by the caller.
    own : Random or None
        The stream of the stakeholders' own noise ``e_j`` (drawn in stakeholder
        order); None when ``rho >= 1`` (no own noise).
    behaviour : Behaviour
        Gives ``evidence_noise``, ``conservatism`` and ``evidence_correlation``.
    """
    noise = None
    if behaviour.evidence_correlation < 1.0:
        assert own is not None
        sd = evidence_sd(SCALAR, behaviour, strength)
        noise = [own.normal(0.0, sd) for _ in bias]
    new, tau = evidence_update(
        SCALAR, bias, precision, strength, claim_bias, shared, noise, behaviour.conservatism,
        behaviour,
    )  # fmt: skip
    return new, tau
