"""Counter-based random streams: the ``j``-th uniform of a customer's stream is
computed from (key, ``j``), not drawn after the ``j - 1`` before it.

A customer's decisions take uniforms from a stream named by its path
(:mod:`simsales.seeding`). The SimPy engine draws them in turn from a
``Generator`` per customer. An engine that steps many customers at once in
arrays needs each customer's next uniforms for thousands of customers in one
numpy call, and the same uniforms for a customer whatever else is in the
batch, so that common random numbers across strategies survive batching. A
counter-based generator gives that: Philox4x32-10 (Salmon et al. 2011, the
generator of Random123 and of numpy's ``Philox``, here in its 32-bit form
vectorised over keys) maps a 128-bit counter and a 64-bit key to 128 random
bits, so uniform ``j`` of key ``k`` is a pure function of ``(k, j)``.

A path's key is the Philox hash of its elements, chained three at a time below
a root key (:func:`path_keys`); the root key comes from a stream of
:mod:`simsales.seeding` (:func:`simsales.seeding.counter_root`). Uniforms are
53-bit doubles in [0, 1), two from each 128-bit block (:func:`uniforms`).

References
----------
.. [1] Salmon, J. K., Moraes, M. A., Dror, R. O., & Shaw, D. E. (2011). Parallel
   random numbers: as easy as 1, 2, 3. *Proceedings of SC11*, 16:1-16:12.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["ROUNDS", "child_keys", "path_keys", "philox4x32", "uniforms"]

#: Rounds of Philox4x32 (10: the variant Random123 recommends and tests).
ROUNDS = 10

Words = npt.NDArray[np.uint64]  # 32-bit words held in uint64, so products do not wrap

_MASK = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)


def philox4x32(
    counter: tuple[Words, Words, Words, Words], key: tuple[Words, Words], rounds: int = ROUNDS
) -> tuple[Words, Words, Words, Words]:
    """The Philox4x32 block function, element by element over arrays of 32-bit words.

    Parameters
    ----------
    counter : four arrays of uint64
        The counter's words ``c0 .. c3`` (each below 2**32), broadcast together.
    key : two arrays of uint64
        The key's words ``k0, k1`` (each below 2**32).
    rounds : int
        Rounds of the function (10 for Philox4x32-10).

    Returns
    -------
    tuple of four arrays of uint64
        The output's words, each below 2**32.

    Examples
    --------
    The first known answer of Random123's ``kat_vectors`` (counter and key 0):

    >>> z = np.zeros(1, np.uint64)
    >>> [f"{int(w[0]):08x}" for w in philox4x32((z, z, z, z), (z, z))]
    ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']
    """
    k0, k1 = (np.asarray(k, dtype=np.uint64) for k in key)
    words = np.broadcast_arrays(*(np.asarray(c, dtype=np.uint64) for c in counter), k0, k1)
    # the words as arrays of their own, updated in place: a round makes no new arrays
    c0, c1, c2, c3 = (np.array(c, dtype=np.uint64) for c in words[:4])
    p0, p1 = np.empty_like(c0), np.empty_like(c0)
    for _ in range(rounds):
        np.multiply(c0, _M0, out=p0)
        np.multiply(c2, _M1, out=p1)
        # c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & mask, (p0 >> 32) ^ c3 ^ k1, p0 & mask
        np.right_shift(p1, _SHIFT, out=c0)
        c0 ^= c1
        c0 ^= k0
        np.bitwise_and(p1, _MASK, out=c1)
        np.right_shift(p0, _SHIFT, out=c2)
        c2 ^= c3
        c2 ^= k1
        np.bitwise_and(p0, _MASK, out=c3)
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
    return c0, c1, c2, c3


def path_keys(root: Words, paths: npt.ArrayLike, lengths: npt.ArrayLike) -> tuple[Words, Words]:
    """The stream key of each path below ``root``.

    Parameters
    ----------
    root : array of 2 uint64, or (2, B)
        The root key's two 32-bit words (or each path's root's).
    paths : (B, L) array of int
        The paths, each padded after its length (the padding is not read).
        Elements must be below 2**32.
    lengths : (B,) array of int
        Each path's length, at least 1.

    Returns
    -------
    k0, k1 : (B,) arrays of uint64
        Each path's key. A path's key depends only on ``root`` and the path (not
        on the other paths of the batch), and paths that differ in an element or
        in length have different keys (up to a 64-bit collision).
    """
    p = np.asarray(paths, dtype=np.int64)
    n = np.asarray(lengths, dtype=np.int64)
    if p.ndim != 2 or n.shape != p.shape[:1]:
        raise ValueError(f"paths must be (B, L) and lengths (B,), got {p.shape}, {n.shape}")
    width = p.shape[1]
    inside = np.arange(width)[None, :] < n[:, None]
    if ((n < 1) | (n > width)).any() or ((p < 0) | (p >= 2**32))[inside].any():
        raise ValueError(
            "each path needs a length from 1 to its row's width and elements in 0 .. 2**32 - 1"
        )
    p, n = p.astype(np.uint64), n.astype(np.uint64)  # 32-bit words, as Philox takes them
    k0 = np.broadcast_to(np.asarray(root[0], dtype=np.uint64), n.shape).copy()
    k1 = np.broadcast_to(np.asarray(root[1], dtype=np.uint64), n.shape).copy()
    for start in range(0, max(width, 1), 3):
        # the first block carries the length, later ones their position: (1,) != (1, 0)
        head = n if start == 0 else np.full_like(n, np.uint64(start))
        cols = [
            np.where(n > start + j, p[:, start + j], np.uint64(0)) if start + j < width
            else np.zeros_like(n)
            for j in range(3)
        ]  # fmt: skip
        out = philox4x32((head, *cols), (k0, k1))  # type: ignore[arg-type]
        more = n > start  # paths shorter than this block keep their key
        k0 = np.where(more, out[0], k0)
        k1 = np.where(more, out[1], k1)
    return k0, k1


def child_keys(k0: Words, k1: Words, index: npt.ArrayLike) -> tuple[Words, Words]:
    """The keys of child ``index`` of each stream ``(k0, k1)``: the key of the path
    extended by ``index``, without the whole path (an engine that makes streams as
    customers appear, such as a referral below its referrer, keeps only keys).

    A child's key depends only on its parent's key and ``index`` (below 2**32);
    different indices, or different parents, give different keys (up to a 64-bit
    collision). Child keys form a family of their own: ``child_keys(path_keys(root,
    p), i)`` is not ``path_keys(root, p + (i,))``.
    """
    i = np.broadcast_to(np.asarray(index, dtype=np.int64), np.shape(k0))
    if ((i < 0) | (i >= 2**32)).any():
        raise ValueError("child indices must be in 0 .. 2**32 - 1")
    iu = i.astype(np.uint64)
    tag = np.full_like(iu, np.uint64(0xC41D))  # the counter word that marks a child key
    zero = np.zeros_like(iu)
    out = philox4x32((iu, tag, zero, zero), (k0, k1))
    return out[0], out[1]


def uniforms(k0: Words, k1: Words, start: npt.ArrayLike, count: int) -> npt.NDArray[np.float64]:
    """Uniforms ``start .. start + count - 1`` of each key's stream, as 53-bit doubles
    in [0, 1).

    Parameters
    ----------
    k0, k1 : (B,) arrays of uint64
        The streams' keys (:func:`path_keys`).
    start : int or (B,) array of int
        The first uniform's index in each stream (one for all, or one per stream).
    count : int
        How many uniforms of each stream.

    Returns
    -------
    (B, count) array of float64
        Row ``i`` holds stream ``i``'s uniforms; uniform ``j`` is the same whatever
        ``start`` and ``count`` reach it, and whatever the other keys are.
    """
    first_index = np.broadcast_to(np.asarray(start, dtype=np.int64), np.shape(k0))
    if count < 0 or (first_index < 0).any():
        raise ValueError(f"start and count must be >= 0, got {start!r}, {count!r}")
    first = first_index // 2  # two uniforms per block
    skip = first_index - 2 * first
    n_blocks = (count + 2) // 2
    blocks = (first[:, None] + np.arange(n_blocks)[None, :]).astype(np.uint64)
    zero = np.zeros_like(blocks)
    w = philox4x32((blocks & _MASK, blocks >> _SHIFT, zero, zero), (k0[:, None], k1[:, None]))
    # 53 bits from two 32-bit words (27 from the first, 26 from the second)
    a = np.stack([w[0], w[2]], axis=2) >> np.uint64(5)
    b = np.stack([w[1], w[3]], axis=2) >> np.uint64(6)
    u = (a * np.uint64(67108864) + b).astype(np.float64) / 9007199254740992.0
    u = u.reshape(len(k0), 2 * n_blocks)
    cols = skip[:, None] + np.arange(count)[None, :]
    return np.take_along_axis(u, cols, axis=1)
