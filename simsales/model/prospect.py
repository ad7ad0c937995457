"""Cumulative prospect theory: value, probability weighting, utility of change.

These are the package's known-answer core. They are pure, vectorised over
numpy arrays (scalars in give scalars out) and exact.

References
----------
.. [1] Tversky, A. & Kahneman, D. (1992). Advances in prospect theory:
   cumulative representation of uncertainty. *Journal of Risk and
   Uncertainty*, 5, 297-323.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["TK1992", "change_utility", "utility_unchecked", "value", "weight"]

ArrayLike = npt.ArrayLike
FloatOrArray = Any  # float for scalar input, ndarray otherwise

#: Median parameter estimates of Tversky & Kahneman (1992).
TK1992: dict[str, float] = {
    "alpha": 0.88,
    "beta": 0.88,
    "lam": 2.25,
    "gamma": 0.61,
    "delta": 0.69,
}


def _out(x: np.ndarray) -> FloatOrArray:
    return float(x) if x.ndim == 0 else x


def _check_exponent(name: str, v: ArrayLike, upper: float | None = None) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"{name} must be > 0, got {v!r}")
    if upper is not None and np.any(a > upper):
        raise ValueError(f"{name} must be in (0, {upper}], got {v!r}")
    return a


def value(
    x: ArrayLike, alpha: ArrayLike = 0.88, beta: ArrayLike = 0.88, lam: ArrayLike = 2.25
) -> FloatOrArray:
    r"""Prospect-theory value of an outcome relative to the reference point.

    .. math::
        v(x) = x^{\alpha} \ (x \ge 0), \qquad v(x) = -\lambda (-x)^{\beta} \ (x < 0)

    Parameters
    ----------
    x : array_like
        Outcomes (gains positive, losses negative), in units of the price.
    alpha, beta : array_like, optional
        Curvature for gains and for losses, each in (0, 1] for the usual
        concave/convex shape; any positive value is accepted.
    lam : array_like, optional
        Loss aversion, > 0 (1 = no loss aversion).

    Returns
    -------
    float or ndarray
        The value, broadcast over all inputs.

    Raises
    ------
    ValueError
        If a parameter is not positive and finite, or ``x`` is not finite.

    References
    ----------
    Tversky & Kahneman (1992), eq. (5); defaults are their median estimates.

    Examples
    --------
    >>> value(1.0), value(-1.0)
    (1.0, -2.25)
    """
    a = _check_exponent("alpha", alpha)
    b = _check_exponent("beta", beta)
    lm = _check_exponent("lam", lam)
    xs = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(xs)):
        raise ValueError(f"x must be finite, got {x!r}")
    gains = np.power(np.maximum(xs, 0.0), a)
    losses = -lm * np.power(np.maximum(-xs, 0.0), b)
    return _out(np.where(xs >= 0, gains, losses))


def weight(p: ArrayLike, gamma: ArrayLike = 0.61) -> FloatOrArray:
    r"""Tversky-Kahneman (1992) probability-weighting function.

    .. math::
        w(p) = \frac{p^{\gamma}}{\left(p^{\gamma} + (1-p)^{\gamma}\right)^{1/\gamma}}

    Parameters
    ----------
    p : array_like
        Probabilities in [0, 1].
    gamma : array_like, optional
        Curvature, > 0; 0.61 for gains and 0.69 for losses in the 1992 paper.
        ``gamma = 1`` gives linear weighting.

    Returns
    -------
    float or ndarray
        Decision weights; ``w(0) = 0`` and ``w(1) = 1``.

    Raises
    ------
    ValueError
        If ``p`` lies outside [0, 1] or ``gamma`` is not positive.

    Notes
    -----
    The function is monotone for ``gamma`` above about 0.279 (Ingersoll 2008).

    Examples
    --------
    >>> round(weight(0.5), 4)
    0.4206
    """
    g = _check_exponent("gamma", gamma)
    ps = np.asarray(p, dtype=float)
    if not np.all(np.isfinite(ps)) or np.any((ps < 0) | (ps > 1)):
        raise ValueError(f"p must be in [0, 1], got {p!r}")
    num = np.power(ps, g)
    den = np.power(num + np.power(1.0 - ps, g), 1.0 / g)
    return _out(num / den)


def change_utility(
    gain: ArrayLike,
    loss: ArrayLike,
    p_success: ArrayLike,
    *,
    alpha: ArrayLike = 0.88,
    beta: ArrayLike = 0.88,
    lam: ArrayLike = 2.25,
    gamma: ArrayLike = 0.61,
) -> FloatOrArray:
    r"""Utility of buying (changing) over keeping the status quo.

    "Change" is a mixed prospect: a perceived gain ``gain`` realised with the
    buyer's subjective probability of success ``p_success`` (nothing
    otherwise), against a sure loss ``loss`` (price plus switching cost):

    .. math::
        U = w^{+}(p_s)\, v(G) + v(-L)

    The status quo is the reference point, so it is worth 0; a buyer prefers
    change when ``U > 0``. (The simulation adds the felt cost of doing nothing
    on the status-quo side when urgency framing is on: see docs/model.md.)

    Parameters
    ----------
    gain : array_like
        Perceived gain G >= 0, in units of the price.
    loss : array_like
        Sure loss L >= 0 (price plus switching cost), in units of the price.
    p_success : array_like
        Subjective probability that the gain is realised, in [0, 1].
    alpha, beta, lam, gamma : array_like, optional
        Value-function and gain-weighting parameters; Tversky & Kahneman
        (1992) defaults.

    Returns
    -------
    float or ndarray
        The utility of change, broadcast over all inputs.

    Raises
    ------
    ValueError
        If ``gain`` or ``loss`` is negative, or a parameter is invalid.

    References
    ----------
    Tversky & Kahneman (1992).

    Examples
    --------
    With linear value, no loss aversion and linear weighting, U is the
    expected value:

    >>> change_utility(3.0, 1.0, 0.5, alpha=1, beta=1, lam=1, gamma=1)
    0.5
    """
    g = np.asarray(gain, dtype=float)
    lo = np.asarray(loss, dtype=float)
    if np.any(g < 0) or not np.all(np.isfinite(g)):
        raise ValueError(f"gain must be finite and >= 0, got {gain!r}")
    if np.any(lo < 0) or not np.all(np.isfinite(lo)):
        raise ValueError(f"loss must be finite and >= 0, got {loss!r}")
    # Validate the remaining parameters once, then take the unchecked path
    # that the engine uses in its inner loop.
    ps = np.asarray(p_success, dtype=float)
    if not np.all(np.isfinite(ps)) or np.any((ps < 0) | (ps > 1)):
        raise ValueError(f"p_success must be in [0, 1], got {p_success!r}")
    weight(ps, gamma)
    value(0.0, alpha, beta, lam)
    return _out(np.asarray(utility_unchecked(g, lo, p_success, alpha, beta, lam, gamma)))


def utility_unchecked(
    gain: Any, loss: Any, p_success: Any, alpha: Any, beta: Any, lam: Any, gamma: Any
) -> Any:
    """:func:`change_utility` without input checks, for validated inner loops.

    ``gain`` and ``loss`` must be >= 0 and ``p_success`` in [0, 1].
    """
    ps = np.asarray(p_success, dtype=float)
    g = np.asarray(gamma, dtype=float)
    pg = np.power(ps, g)
    w = pg / np.power(pg + np.power(1.0 - ps, g), 1.0 / g)
    return w * np.power(gain, alpha) - lam * np.power(loss, beta)
