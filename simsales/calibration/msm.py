"""The method of simulated moments, with common random numbers.

The estimate minimises the weighted distance between the data's funnel
statistics ``t`` and the mean ``m(θ)`` of the same statistics over ``R``
simulated exports (McFadden 1989; Pakes & Pollard 1989; Gouriéroux & Monfort
1996)::

    J(θ) = Σ_k (m_k(θ) − t_k)² / s_k²

with ``s_k`` the bootstrap standard error of target ``k``. The ``R`` exports
are the same replications at every ``θ`` (common random numbers), so ``J`` is
a deterministic, nearly smooth function of ``θ``: a Sobol' design of
``starts`` points over the search box picks the best start, and Nelder–Mead
(bounded to the box) refines it.

Standard errors are the sandwich of the simulated-moments estimator with the
diagonal weight ``W = diag(1/s²)``::

    V = (1 + 1/R) (G'WG)⁻¹ G'W Σ W G (G'WG)⁻¹

where ``G = ∂m/∂θ`` (central differences with the same replications), ``Σ``
the bootstrap covariance of the targets, and ``1/R`` the share the
simulation adds (each simulated export has the data's size). A parameter
whose standard error is as large as its prior's spread is not identified by
these targets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, stats
from scipy.stats import qmc

from simsales.calibration.simulate import Evaluations
from simsales.calibration.targets import Targets

__all__ = ["MSMResult", "fit_msm"]

#: J of a candidate where a fitted statistic is undefined (no deal closed, say).
_UNDEFINED = 1e12
#: Central-difference step, as a share of each parameter's search range.
STEP = 0.02


@dataclass
class MSMResult:
    """The estimate, its covariance, and what the search did."""

    estimate: np.ndarray
    covariance: np.ndarray
    objective: float
    moments: np.ndarray
    jacobian: np.ndarray
    evaluations: int
    converged: bool
    message: str

    @property
    def se(self) -> np.ndarray:
        """Standard error of each parameter (inf where not identified)."""
        d = np.diag(self.covariance)
        return np.sqrt(np.where(d >= 0, d, np.inf))


class _Objective:
    def __init__(self, evals: Evaluations, targets: Targets, lo: np.ndarray, hi: np.ndarray,
                 replications: int) -> None:  # fmt: skip
        self.evals = evals
        self.t = targets.value
        self.w = 1.0 / np.maximum(targets.sd, 1e-12) ** 2
        self.lo, self.hi = lo, hi
        self.reps = replications
        self.calls = 0

    def theta(self, u: np.ndarray) -> np.ndarray:
        return np.asarray(self.lo + np.clip(u, 0.0, 1.0) * (self.hi - self.lo), dtype=float)

    def moments(self, thetas: np.ndarray) -> np.ndarray:
        keys = [(tuple(th), r) for th in thetas for r in range(self.reps)]
        s = self.evals.get(keys).reshape(len(thetas), self.reps, -1)
        return np.asarray(s.mean(axis=1))  # NaN in any replication: NaN moment

    def j(self, m: np.ndarray) -> np.ndarray:
        out = ((m - self.t) ** 2 * self.w).sum(axis=-1)
        return np.where(np.isfinite(out), out, _UNDEFINED)

    def __call__(self, u: np.ndarray) -> float:
        self.calls += 1
        return float(self.j(self.moments(self.theta(u)[None, :]))[0])


def fit_msm(
    evals: Evaluations,
    targets: Targets,
    ranges: list[tuple[float, float]],
    *,
    replications: int,
    starts: int,
    max_evaluations: int,
    rng: np.random.Generator,
) -> MSMResult:
    """Fit by simulated moments; see the module docstring.

    Parameters
    ----------
    evals : Evaluations
        The cached, parallel simulator of funnel statistics.
    targets : Targets
        The data's statistics and their bootstrap draws.
    ranges : list of (low, high)
        The search box, one interval per parameter.
    replications : int
        Simulated exports per candidate (the same at every candidate).
    starts : int
        Sobol' points tried before the local search.
    max_evaluations : int
        Most candidates Nelder–Mead tries.
    rng : numpy.random.Generator
        Scrambles the Sobol' design.
    """
    lo = np.array([r[0] for r in ranges], dtype=float)
    hi = np.array([r[1] for r in ranges], dtype=float)
    p = len(ranges)
    f = _Objective(evals, targets, lo, hi, replications)

    sobol = qmc.Sobol(d=p, scramble=True, seed=rng)
    m = math.ceil(math.log2(max(starts, 1)))
    design = sobol.random_base2(m)[:starts] if starts > 1 else np.full((1, p), 0.5)
    js = f.j(f.moments(f.theta(design)))
    u0 = design[int(np.argmin(js))]

    simplex = np.vstack([u0] + [np.clip(u0 + 0.1 * np.eye(p)[i] * (1 if u0[i] < 0.9 else -1),
                                        0, 1) for i in range(p)])  # fmt: skip
    res = optimize.minimize(
        f, u0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * p,
        options={"maxfev": max_evaluations, "initial_simplex": simplex,
                 "xatol": 1e-3, "fatol": 1e-3 * max(1.0, float(js.min()))},
    )  # fmt: skip
    u_hat = np.clip(res.x, 0.0, 1.0)
    theta = f.theta(u_hat)
    moments = f.moments(theta[None, :])[0]

    # central differences (one-sided at the edges of the box), same replications
    h = STEP
    up = np.clip(u_hat[None, :] + h * np.eye(p), 0, 1)
    down = np.clip(u_hat[None, :] - h * np.eye(p), 0, 1)
    m_up = f.moments(f.theta(up))
    m_down = f.moments(f.theta(down))
    dtheta = (f.theta(up) - f.theta(down))[np.arange(p), np.arange(p)]
    jac = ((m_up - m_down) / dtheta[:, None]).T  # (targets, parameters)

    cov = _sandwich(jac, np.diag(f.w), targets.covariance, replications)
    return MSMResult(
        estimate=theta, covariance=cov, objective=float(f.j(moments)), moments=moments,
        jacobian=jac, evaluations=f.calls + len(design) + 2 * p, converged=bool(res.success),
        message=str(res.message),
    )  # fmt: skip


def _sandwich(g: np.ndarray, w: np.ndarray, sigma: np.ndarray, reps: int) -> np.ndarray:
    """``(1 + 1/R) (G'WG)⁻¹ G'WΣWG (G'WG)⁻¹``; inf on a parameter the targets do not move."""
    p = g.shape[1]
    if not np.isfinite(g).all():
        return np.full((p, p), np.inf)
    bread = g.T @ w @ g
    try:
        inv = np.linalg.inv(bread)
    except np.linalg.LinAlgError:
        return np.full((p, p), np.inf)
    if np.linalg.cond(bread) > 1e12:
        return np.full((p, p), np.inf)
    return np.asarray((1 + 1 / reps) * inv @ (g.T @ w @ sigma @ w @ g) @ inv, dtype=float)


def normal_sample(
    result: MSMResult, ranges: list[tuple[float, float]], n: int, rng: np.random.Generator
) -> np.ndarray:
    """``n`` draws from the estimate's normal approximation, kept inside the search box.

    The identified parameters are drawn jointly from ``N(θ̂, V)`` (their
    correlations kept) and draws outside the box are drawn again (a
    truncated normal); a parameter with an infinite standard error is drawn
    uniformly over its range, apart from the others.
    """
    p = len(ranges)
    lo = np.array([r[0] for r in ranges])
    hi = np.array([r[1] for r in ranges])
    se = result.se
    ok = np.isfinite(se) & (se > 0)
    out = np.empty((n, p))
    out[:, ~ok] = rng.uniform(lo[~ok], hi[~ok], (n, int((~ok).sum())))
    if ok.any():
        mean = result.estimate[ok]
        cov = result.covariance[np.ix_(ok, ok)]
        kept = np.empty((0, int(ok.sum())))
        for _ in range(100):
            x = rng.multivariate_normal(mean, cov, size=2 * n, method="eigh")
            inside = ((x >= lo[ok]) & (x <= hi[ok])).all(axis=1)
            kept = np.vstack([kept, x[inside]])
            if len(kept) >= n:
                break
        if len(kept) < n:  # the box cuts almost all of the normal: clip what is missing
            x = np.clip(rng.multivariate_normal(mean, cov, n - len(kept), method="eigh"),
                        lo[ok], hi[ok])  # fmt: skip
            kept = np.vstack([kept, x])
        out[:, ok] = kept[:n]
    return out


def summary_rows(
    names: tuple[str, ...], result: MSMResult, prior_sd: np.ndarray
) -> list[dict[str, Any]]:
    """One row per parameter: estimate, standard error, 90% interval, identification."""
    z = stats.norm.ppf(0.95)
    rows = []
    for i, name in enumerate(names):
        se = float(result.se[i])
        ratio = se / prior_sd[i] if prior_sd[i] > 0 else math.inf
        rows.append({
            "parameter": name, "estimate": float(result.estimate[i]), "se": se,
            "lo90": float(result.estimate[i] - z * se), "hi90": float(result.estimate[i] + z * se),
            "prior_sd": float(prior_sd[i]), "width_ratio": ratio,
        })  # fmt: skip
    return rows
