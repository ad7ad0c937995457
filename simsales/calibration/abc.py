"""Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC).

Population Monte Carlo ABC (Beaumont, Cornuet, Marin & Robert 2009; Toni et
al. 2009): generation 0 draws ``N`` particles from the prior; generation
``g`` keeps proposing, each proposal a particle of generation ``g − 1``
(picked by weight) moved by a normal kernel with twice the weighted
covariance of that generation, until ``N`` proposals have simulated exports
within the tolerance ``ε_g`` (the median distance of generation ``g − 1``).
A kept particle's weight is ``π(θ) / Σ_j w_j K(θ | θ_j)``. The distance is
the Euclidean distance of the statistics scaled by their bootstrap standard
errors, ``d = sqrt(Σ_k ((s_k − t_k) / se_k)²)``.

Each proposal has its own random stream (keyed by generation and index) and
its own simulated replication, and the first ``N`` within the tolerance, in
index order, are kept, so the posterior is the same, bit for bit, whatever
the number of workers and however many proposals are simulated at a time
(unless the budget runs out: larger rounds spend more of it past the last
particle kept, so a generation that fits the budget in rounds of
:data:`BATCH` may not in larger ones).
Proposals are simulated in rounds sized to what is still missing at the
acceptance rate seen so far (:func:`round_size`): few rounds of many
proposals, which the array engine steps together, and few proposals
simulated beyond the last one kept.

The method was written here rather than taken from pyabc or ELFI (both tried): pyabc's
samplers draw from NumPy's global random state and its parallel samplers keep
particles in the order they finish, so a run cannot be repeated exactly; ELFI
pins matplotlib below 3.9. Both would also bring their own process pools and
databases beside the package's own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from simsales.calibration.simulate import Evaluations
from simsales.calibration.targets import Targets
from simsales.seeding import ABC_REPLICATIONS, MAX_REPLICATIONS

__all__ = ["ABCResult", "fit_abc"]

#: Rounds of proposals are multiples of this many.
BATCH = 64
#: The most proposals in a round (BATCH multiples).
MAX_ROUND = 32 * BATCH


def round_size(missing: int, kept: int, proposed: int, rate_before: float, left: int) -> int:
    """Proposals to simulate in the next round of a generation.

    Enough to keep ``missing`` more at the acceptance rate seen so far in the
    generation (``kept`` of ``proposed``; before any is kept, ``rate_before``, or
    less than one in ``proposed + 1`` once a round kept none), rounded up to a
    multiple of :data:`BATCH`, at most :data:`MAX_ROUND` and at most ``left``
    (the budget's remainder) rounded down to a multiple of :data:`BATCH`; 0 when
    fewer than :data:`BATCH` simulations are left. It depends only on the
    generation's results so far, never on the workers.

    Examples
    --------
    >>> round_size(200, 0, 0, 0.5, 10_000)  # 400 at one in two: 7 batches of 64
    448
    >>> round_size(30, 170, 640, 0.5, 10_000)  # 30 more at 170/640: 113 -> 128
    128
    >>> round_size(200, 0, 0, 0.5, 100)
    64
    """
    rate = kept / proposed if kept else min(rate_before, 1.0 / (proposed + 1))
    want = missing / max(rate, 1e-3)
    size = BATCH * math.ceil(want / BATCH)
    return int(min(size, MAX_ROUND, BATCH * (left // BATCH)))


@dataclass
class ABCResult:
    """The last complete generation, and how the tolerance fell."""

    particles: np.ndarray  # (N, parameters)
    weights: np.ndarray  # (N,), sum 1
    distances: np.ndarray  # (N,)
    tolerances: list[float] = field(default_factory=list)
    simulations: list[int] = field(default_factory=list)
    stopped: str = ""

    @property
    def ess(self) -> float:
        """Effective sample size of the weights."""
        return float(1.0 / np.sum(self.weights**2))

    def mean(self) -> np.ndarray:
        return np.average(self.particles, axis=0, weights=self.weights)

    def sd(self) -> np.ndarray:
        m = self.mean()
        return np.sqrt(np.average((self.particles - m) ** 2, axis=0, weights=self.weights))

    def quantiles(self, q: float) -> np.ndarray:
        """Weighted quantile ``q`` of each parameter."""
        out = []
        for k in range(self.particles.shape[1]):
            order = np.argsort(self.particles[:, k])
            c = np.cumsum(self.weights[order])
            out.append(self.particles[order, k][min(np.searchsorted(c, q), len(c) - 1)])
        return np.array(out)


def fit_abc(
    evals: Evaluations,
    targets: Targets,
    priors: list[stats.rv_continuous],
    *,
    particles: int,
    generations: int,
    budget: int,
    stream: Callable[..., np.random.Generator],
    on_generation: Callable[[int, float, int], None] | None = None,
) -> ABCResult:
    """ABC-SMC; see the module docstring.

    Parameters
    ----------
    evals : Evaluations
        The cached, parallel simulator (replications are set here).
    targets : Targets
        The data's statistics and their bootstrap standard errors.
    priors : list of frozen scipy distributions
        One per parameter, in the setup's order.
    particles : int
        Particles kept per generation.
    generations : int
        Generations after the prior's.
    budget : int
        Most simulations in all; the last complete generation is returned.
    stream : callable
        ``stream(generation, index)`` -> that proposal's Generator.
    on_generation : callable, optional
        Called with (generation, tolerance, simulations so far).
    """
    t = targets.value
    scale = np.maximum(targets.sd, 1e-12)
    p = len(priors)

    def distance(s: np.ndarray) -> np.ndarray:
        d = np.sqrt((((s - t) / scale) ** 2).sum(axis=1))
        return np.where(np.isfinite(d), d, np.inf)

    def log_prior(theta: np.ndarray) -> np.ndarray:
        return np.asarray(np.sum([priors[k].logpdf(theta[:, k]) for k in range(p)], axis=0))

    # generation 0: the prior
    theta = np.empty((particles, p))
    for i in range(particles):
        rng = stream(0, i)  # one stream per particle, all its parameters from it
        theta[i] = [float(pr.rvs(random_state=rng)) for pr in priors]
    d = distance(evals.get([(tuple(th), ABC_REPLICATIONS + i) for i, th in enumerate(theta)]))
    w = np.where(np.isfinite(d), 1.0, 0.0)
    if w.sum() == 0:
        raise RuntimeError("no simulated export at the prior's draws gave every target")
    result = ABCResult(theta, w / w.sum(), d, [math.inf], [particles])
    if on_generation:
        on_generation(0, math.inf, particles)
    used = particles
    rate = 0.5  # the first generation's tolerance keeps half of the prior's particles

    for g in range(1, generations + 1):
        prev = result
        eps = float(np.quantile(prev.distances[np.isfinite(prev.distances)], 0.5))
        cov = 2.0 * np.atleast_2d(np.cov(prev.particles, rowvar=False, aweights=prev.weights))
        cov += np.eye(p) * 1e-12
        kernel = stats.multivariate_normal(mean=np.zeros(p), cov=cov, allow_singular=True)
        kept: list[tuple[np.ndarray, float]] = []
        start = 0
        while len(kept) < particles:
            size = round_size(particles - len(kept), len(kept), start, rate, budget - used)
            if size == 0:
                result.stopped = f"budget of {budget} simulations reached in generation {g}"
                return result
            props = []
            for i in range(start, start + size):
                rng = stream(g, i)
                for _ in range(1000):
                    j = rng.choice(len(prev.weights), p=prev.weights)
                    cand = prev.particles[j] + rng.multivariate_normal(np.zeros(p), cov)
                    if np.isfinite(log_prior(cand[None, :])[0]):
                        break
                props.append(cand)
            first = ABC_REPLICATIONS + g * MAX_REPLICATIONS + start
            keys = [(tuple(th), first + i) for i, th in enumerate(props)]
            ds = distance(evals.get(keys))
            used += size
            for th, dd in zip(props, ds, strict=True):
                if dd <= eps and len(kept) < particles:
                    kept.append((th, float(dd)))
            start += size
        rate = particles / start  # the next generation's first guess
        theta = np.array([k[0] for k in kept])
        dist = np.array([k[1] for k in kept])
        diffs = theta[:, None, :] - prev.particles[None, :, :]
        dens = np.exp(kernel.logpdf(diffs.reshape(-1, p))).reshape(particles, -1) @ prev.weights
        w = np.exp(log_prior(theta)) / np.maximum(dens, 1e-300)
        result = ABCResult(theta, w / w.sum(), dist, [*prev.tolerances, eps],
                           [*prev.simulations, start])  # fmt: skip
        if on_generation:
            on_generation(g, eps, used)
    result.stopped = f"{generations} generations"
    return result
