"""Counter-based random streams: the ``j``-th uniform of a customer's stream is
computed from (key, ``j``), not drawn after the ``j - 1`` before it.

A customer's decisions take uniforms from a stream named by its path
(:mod:`simsales.seeding`). The SimPy engine draws them in turn from a
``Generator`` per customer. An engine that steps many customers at once in
arrays needs each customer's next uniforms for thousands of customers in one
call, and the same uniforms for a customer whatever else is in the
batch, so that common random numbers across strategies survive batching. A
counter-based generator gives that: Philox4x32-10 (Salmon et al. 2011, the
generator of Random123 and of numpy's ``Philox``, here in its 32-bit form,
compiled by :func:`simsales.compiled.jit`) maps a 128-bit counter and a 64-bit
key to 128 random bits, so uniform ``j`` of key ``k`` is a pure function of
``(k, j)`` (:func:`uniform_at`).

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

from simsales.compiled import jit

__all__ = [
    "ROUNDS", "child_keys", "next_uniforms", "next_uniforms_many", "path_keys", "philox4x32",
    "uniform_at", "uniforms",
]  # fmt: skip

#: Rounds of Philox4x32 (10: the variant Random123 recommends and tests).
ROUNDS = 10

Words = npt.NDArray[np.uint64]  # 32-bit words held in uint64, so products do not wrap
Ints = npt.NDArray[np.int64]

_MASK = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)


@jit
def _block(
    c0: np.uint64, c1: np.uint64, c2: np.uint64, c3: np.uint64, k0: np.uint64, k1: np.uint64,
    rounds: int,
) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:  # fmt: skip
    """The Philox4x32 block function of one counter and key (32-bit words in uint64)."""
    for _ in range(rounds):
        p0 = c0 * _M0
        p1 = c2 * _M1
        c0, c1, c2, c3 = (p1 >> _SHIFT) ^ c1 ^ k0, p1 & _MASK, (p0 >> _SHIFT) ^ c3 ^ k1, p0 & _MASK
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
    return c0, c1, c2, c3


@jit
def _blocks(
    c0: Words, c1: Words, c2: Words, c3: Words, k0: Words, k1: Words, rounds: int
) -> npt.NDArray[np.uint64]:
    """:func:`_block` of each element of 1-d arrays of the same length, as ``(4, n)``."""
    out = np.empty((4, c0.size), dtype=np.uint64)
    for i in range(c0.size):
        out[0, i], out[1, i], out[2, i], out[3, i] = _block(
            c0[i], c1[i], c2[i], c3[i], k0[i], k1[i], rounds
        )
    return out


@jit
def _double(a: np.uint64, b: np.uint64) -> float:
    """A 53-bit double in [0, 1) from two 32-bit words (27 bits of ``a``, 26 of ``b``)."""
    return float((a >> np.uint64(5)) * np.uint64(67108864) + (b >> np.uint64(6))) / (
        9007199254740992.0
    )


@jit
def uniform_at(k0: np.uint64, k1: np.uint64, j: int) -> float:
    """Uniform ``j`` of the stream of key ``(k0, k1)``: a pure function of the three.

    Block ``j // 2`` of the stream (its counter ``(j // 2`` as two words``, 0, 0)``)
    gives two uniforms, the first from its words 0 and 1, the second from 2 and 3.
    """
    block, zero = np.uint64(j >> 1), np.uint64(0)
    w0, w1, w2, w3 = _block(block & _MASK, block >> _SHIFT, zero, zero, k0, k1, ROUNDS)
    if j & 1:
        return _double(w2, w3)
    return _double(w0, w1)


@jit
def _uniform_rows(
    k0: Words, k1: Words, first: npt.NDArray[np.int64], count: int
) -> npt.NDArray[np.float64]:
    """Uniforms ``first[i] .. first[i] + count - 1`` of each stream ``i``, as ``(B, count)``."""
    out = np.empty((k0.size, count))
    zero = np.uint64(0)
    w0 = w1 = w2 = w3 = zero
    for i in range(k0.size):
        j = first[i]
        for c in range(count):
            if c == 0 or j & 1 == 0:  # a new block: both its uniforms, or the second alone
                block, a, b = np.uint64(j >> 1), k0[i], k1[i]
                w0, w1, w2, w3 = _block(block & _MASK, block >> _SHIFT, zero, zero, a, b, ROUNDS)
            out[i, c] = _double(w2, w3) if j & 1 else _double(w0, w1)
            j += 1
    return out


@jit
def next_uniforms(k0: Words, k1: Words, used: Ints, rows: Ints) -> npt.NDArray[np.float64]:
    """The next uniform of each stream ``rows[i]`` (``used[r]``: the index of stream
    ``r``'s next uniform), each stream's position moved on in place."""
    out = np.empty(rows.size)
    for i in range(rows.size):
        r = rows[i]
        if r < 0 or r >= used.size or r >= k0.size or r >= k1.size:
            raise IndexError("a row beyond the streams")
        out[i] = uniform_at(k0[r], k1[r], used[r])
        used[r] += 1
    return out


@jit
def next_uniforms_many(
    k0: Words, k1: Words, used: Ints, rows: Ints, count: Ints, most: int
) -> npt.NDArray[np.float64]:
    """The next ``count[i]`` uniforms of each stream ``rows[i]`` as ``(len(rows), most)``,
    NaN beyond, each stream's position moved on in place (as :func:`next_uniforms`)."""
    out = np.full((rows.size, most), np.nan)
    for i in range(rows.size):
        r = rows[i]
        if r < 0 or r >= used.size or r >= k0.size or r >= k1.size:
            raise IndexError("a row beyond the streams")
        if count[i] > most:
            raise IndexError("a count beyond the output's width")
        for c in range(count[i]):
            out[i, c] = uniform_at(k0[r], k1[r], used[r] + c)
        used[r] += count[i]
    return out


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
        The output's words, each below 2**32, in the shape the inputs broadcast to.

    Examples
    --------
    The first known answer of Random123's ``kat_vectors`` (counter and key 0):

    >>> z = np.zeros(1, np.uint64)
    >>> [f"{int(w[0]):08x}" for w in philox4x32((z, z, z, z), (z, z))]
    ['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']
    """
    words = np.broadcast_arrays(*(np.asarray(w, dtype=np.uint64) for w in (*counter, *key)))
    c0, c1, c2, c3, k0, k1 = (np.ascontiguousarray(w).ravel() for w in words)
    out = _blocks(c0, c1, c2, c3, k0, k1, rounds).reshape((4, *words[0].shape))
    return out[0], out[1], out[2], out[3]


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
    first_index = np.ascontiguousarray(
        np.broadcast_to(np.asarray(start, dtype=np.int64), np.shape(k0))
    )
    if count < 0 or (first_index < 0).any():
        raise ValueError(f"start and count must be >= 0, got {start!r}, {count!r}")
    return _uniform_rows(
        np.ascontiguousarray(k0, dtype=np.uint64), np.ascontiguousarray(k1, dtype=np.uint64),
        first_index, int(count),
    )  # fmt: skip
