"""Counter-based streams (simsales/counter_streams.py).

Known-answer: Philox4x32-10 gives the answers of Random123's ``kat_vectors``.
Property (Hypothesis): uniform ``j`` of a stream is the same whatever slice
reaches it and whatever other streams share the batch; paths that differ have
different keys. Statistical: a large sample of uniforms against U(0, 1).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from simsales.counter_streams import path_keys, philox4x32, uniform_at, uniforms
from simsales.seeding import counter_root, replication_seeds

# Random123 kat_vectors, philox4x32 with 10 rounds: counter, key, answer
KAT = [
    ("00000000 00000000 00000000 00000000", "00000000 00000000",
     "6627e8d5 e169c58d bc57ac4c 9b00dbd8"),
    ("ffffffff ffffffff ffffffff ffffffff", "ffffffff ffffffff",
     "408f276d 41c83b0e a20bc7c6 6d5451fd"),
    ("243f6a88 85a308d3 13198a2e 03707344", "a4093822 299f31d0",
     "d16cfe09 94fdcceb 5001e420 24126ea1"),
]  # fmt: skip


def _words(text: str) -> list[np.ndarray]:
    return [np.array([int(w, 16)], dtype=np.uint64) for w in text.split()]


@pytest.mark.parametrize(("counter", "key", "answer"), KAT)
def test_philox_gives_the_random123_known_answers(counter, key, answer):
    c, k = _words(counter), _words(key)
    out = philox4x32((c[0], c[1], c[2], c[3]), (k[0], k[1]))
    assert [f"{int(w[0]):08x}" for w in out] == answer.split()


def _double(a: int, b: int) -> float:
    """27 bits of ``a`` then 26 of ``b``, over 2**53 (exact in a double)."""
    return ((a >> 5) * 2**26 + (b >> 6)) / 2**53


def test_uniforms_are_the_known_answers_53_bits_at_a_time():
    # uniforms 0 and 1 of key (0, 0) come from block 0 (counter 0), whose words are
    # Random123's first known answer: 27 bits of word 0 then 26 of word 1, and the
    # same of words 2 and 3, over 2**53
    w = [int(x, 16) for x in KAT[0][2].split()]
    want = [_double(w[0], w[1]), _double(w[2], w[3])]
    zero = np.zeros(1, dtype=np.uint64)
    assert uniforms(zero, zero, 0, 2)[0].tolist() == want
    assert [uniform_at(np.uint64(0), np.uint64(0), j) for j in (0, 1)] == want
    # uniforms 4 and 5: block 2, whose counter is (2, 0, 0, 0)
    two = philox4x32((zero + np.uint64(2), zero, zero, zero), (zero, zero))
    w = [int(x[0]) for x in two]
    want = [_double(w[0], w[1]), _double(w[2], w[3])]
    assert uniforms(zero, zero, 4, 2)[0].tolist() == want
    assert [uniform_at(np.uint64(0), np.uint64(0), j) for j in (4, 5)] == want


ROOT = counter_root(replication_seeds(7, 0).decisions)
paths = st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=7)


def _keys(batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    width = max(len(p) for p in batch)
    padded = np.zeros((len(batch), width), dtype=np.int64)
    for i, p in enumerate(batch):
        padded[i, : len(p)] = p
    return path_keys(ROOT, padded, [len(p) for p in batch])


@settings(max_examples=60, deadline=None)
@given(batch=st.lists(paths, min_size=1, max_size=8), data=st.data())
def test_a_path_has_its_key_and_its_uniforms_whatever_the_batch(batch, data):
    k0, k1 = _keys(batch)
    start = data.draw(st.integers(0, 40))
    count = data.draw(st.integers(0, 30))
    block = uniforms(k0, k1, start, count)
    for i, p in enumerate(batch):
        a0, a1 = _keys([p])  # alone, with no padding
        assert (a0[0], a1[0]) == (k0[i], k1[i])
        alone = uniforms(a0, a1, 0, start + count)[0, start:]
        assert np.array_equal(block[i], alone)
    assert ((block >= 0.0) & (block < 1.0)).all()


def test_paths_that_differ_have_different_keys():
    batch = [[1], [1, 0], [0, 1], [0], [1, 0, 0], [1, 0, 0, 0], [2**32 - 1], [5, 6, 7, 8]]
    k0, k1 = _keys(batch)
    assert len(set(zip(k0.tolist(), k1.tolist(), strict=True))) == len(batch)
    other = counter_root(replication_seeds(7, 1).decisions)  # another replication
    o0, o1 = path_keys(other, np.array([[1]]), [1])
    assert (o0[0], o1[0]) != (k0[0], k1[0])


def test_bad_shapes_and_slices_are_refused():
    with pytest.raises(ValueError, match="paths must be"):
        path_keys(ROOT, np.array([1, 2]), [2])
    for paths, lengths in (([[1]], [0]), ([[1]], [3]), ([[-1]], [1]), ([[2**32]], [1])):
        with pytest.raises(ValueError, match="length from 1"):
            path_keys(ROOT, np.array(paths), lengths)
    none = np.zeros(0, dtype=np.uint64)
    assert uniforms(none, none, 0, 4).shape == (0, 4)  # no stream: nothing
    k0, k1 = _keys([[1]])
    with pytest.raises(ValueError, match="start and count"):
        uniforms(k0, k1, -1, 3)


def test_uniforms_are_uniform():
    # 2,000 streams x 100 uniforms: the mean within 4 standard errors of 1/2, and
    # Kolmogorov-Smirnov against U(0, 1), at a fixed root key
    k0, k1 = _keys([[i] for i in range(2000)])
    u = uniforms(k0, k1, 0, 100).ravel()
    se = np.sqrt(1.0 / 12.0 / u.size)
    assert abs(u.mean() - 0.5) < 4 * se
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # neighbouring uniforms of a stream and neighbouring streams are uncorrelated
    grid = uniforms(k0, k1, 0, 100)
    assert abs(np.corrcoef(grid[:, :-1].ravel(), grid[:, 1:].ravel())[0, 1]) < 4 / np.sqrt(u.size)
    assert abs(np.corrcoef(grid[:-1].ravel(), grid[1:].ravel())[0, 1]) < 4 / np.sqrt(u.size)
