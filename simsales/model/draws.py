"""A customer's random numbers, drawn in blocks from its own stream.

Every customer has its own stream (named by its path, so the same customer
draws the same numbers under every strategy). Asking a ``Generator`` for one
number at a time costs far more than the arithmetic of the model, so
:class:`Draws` takes uniforms from it in blocks and turns them
into the few distributions the model needs by inversion (exponential,
Poisson, whole numbers) and the Box-Muller transform (normal). Each scalar
draw consumes a fixed number of uniforms (a Poisson draw with a mean above 30
comes from the generator itself), so the draws are a pure function of the stream.

The model's rules accept any object with these scalar methods
(:class:`Random`), so a plain ``numpy.random.Generator`` works too, as in the
tests.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from simsales.seeding import generator

__all__ = ["BLOCK", "Draws", "Random"]

#: Uniforms drawn from the generator at a time.
BLOCK = 32
#: Above this mean, Poisson draws come from the generator directly (inversion
#: would take too many steps).
_POISSON_INVERSION_MAX = 30.0
_TAU = 2.0 * math.pi


class Random(Protocol):
    """The scalar draws the model's rules use (``numpy.random.Generator`` has them)."""

    def random(self) -> float:
        """A uniform number in [0, 1)."""
        ...

    def exponential(self, scale: float) -> float:
        """An exponential number with mean ``scale``."""
        ...

    def normal(self, loc: float, scale: float) -> float:
        """A normal number."""
        ...

    def poisson(self, lam: float) -> int:
        """A Poisson count with mean ``lam``."""
        ...

    def integers(self, high: int) -> int:
        """A whole number in ``0 .. high - 1``, each equally likely."""
        ...


class Draws:
    """Scalar draws from a stream's uniforms, taken ``BLOCK`` at a time.

    Parameters
    ----------
    seed : numpy.random.SeedSequence
        Parent of the stream.
    key : tuple of int
        Names the stream below ``seed`` (see :func:`simsales.seeding.child`);
        its ``Generator`` is made only when the first uniforms run out.
    first : sequence of float, optional
        Uniforms to use before the stream's own, as Python floats (a list, or an
        ``array.array("d")``; a numpy row would yield numpy scalars, whose
        arithmetic is several times slower). The engine hands each marketing
        lead its row of a block drawn for many leads at once, which is cheaper
        than making a generator for every lead.
    """

    __slots__ = ("_key", "_next", "_rng", "_seed")

    def __init__(
        self,
        seed: np.random.SeedSequence,
        key: tuple[int, ...],
        first: Sequence[float] | None = None,
    ) -> None:
        self._seed = seed
        self._key = key
        self._rng: np.random.Generator | None = None
        self._next = iter(first if first is not None else ()).__next__

    @property
    def rng(self) -> np.random.Generator:
        """The stream's own generator (made on first use)."""
        if self._rng is None:
            self._rng = generator(self._seed, *self._key)
        return self._rng

    def substream(self, tag: int) -> Draws:
        """The stream named ``(tag, *key)`` below the same seed: new draws for a
        new mechanism that shift none of this stream's (``tag`` must start no
        path of the parent, e.g. a number near 2**32)."""
        return Draws(self._seed, (tag, *self._key))

    def random(self) -> float:
        """A uniform number in [0, 1)."""
        try:
            return self._next()
        except StopIteration:
            self._next = iter(self.rng.random(BLOCK).tolist()).__next__
            return self._next()

    def exponential(self, scale: float) -> float:
        """Exponential with mean ``scale``, by inversion of one uniform."""
        return -scale * math.log(1.0 - self.random())

    def normal(self, loc: float, scale: float) -> float:
        """Normal, by the Box-Muller transform of two uniforms (the cosine branch)."""
        r = math.sqrt(-2.0 * math.log(1.0 - self.random()))
        return loc + scale * r * math.cos(_TAU * self.random())

    def poisson(self, lam: float) -> int:
        """Poisson with mean ``lam``: inversion of one uniform for small means."""
        if lam > _POISSON_INVERSION_MAX:
            return int(self.rng.poisson(lam))
        u = self.random()
        p = math.exp(-lam)
        k = 0
        cdf = p
        while u >= cdf:
            k += 1
            p *= lam / k
            if cdf + p == cdf:  # the CDF stopped growing: u sat in its last ulps
                break
            cdf += p
        return k

    def integers(self, high: int) -> int:
        """A whole number in ``0 .. high - 1``, each equally likely (for ``high``
        far below 2**53, as here: the market's size)."""
        return min(int(self.random() * high), high - 1)
