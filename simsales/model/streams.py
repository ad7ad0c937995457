"""Deterministic child seeds.

``SeedSequence.spawn`` is stateful: spawning twice from one object gives new
children each time, and copies of one object spawn the same ones. simsales
instead names every stream by a fixed key below its parent, so a stream is a
pure function of (root seed, key) whatever the order or process it is made in.
"""

from __future__ import annotations

import numpy as np

__all__ = ["child", "generator"]


def child(seed: np.random.SeedSequence, *key: int) -> np.random.SeedSequence:
    """The child of ``seed`` named by ``key`` (a pure function of both).

    Equal to what ``seed.spawn`` would give as child number ``key[0]`` when
    ``key`` has one element and ``seed`` has spawned nothing yet.
    """
    return np.random.SeedSequence(
        seed.entropy,
        spawn_key=tuple(seed.spawn_key) + tuple(int(k) for k in key),
        pool_size=seed.pool_size,
    )


def generator(seed: np.random.SeedSequence, *key: int) -> np.random.Generator:
    """A fresh PCG64 ``Generator`` on the child of ``seed`` named by ``key``."""
    return np.random.Generator(np.random.PCG64(child(seed, *key)))
