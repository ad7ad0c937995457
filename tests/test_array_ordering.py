"""Property tests: the array engine's cheap sorts give numpy's lexsort order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simsales.engine.array.ordering import lexsort_ties, small_ints

# a few values, so that keys tie often, with the signed zeros and infinities
values = st.sampled_from([0.0, -0.0, 1.0, 2.5, 3.0, np.inf, -np.inf])


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n_minor=st.integers(0, 2), n_major=st.integers(1, 2), cells=st.booleans())
def test_lexsort_ties_is_numpys_lexsort_of_all_the_keys(data, n_minor, n_major, cells):
    n = data.draw(st.integers(0, 60))
    keys = [
        np.array(data.draw(st.lists(values, min_size=n, max_size=n)))
        for _ in range(n_minor + n_major)
    ]
    if cells:  # the primary key a cell, as 16-bit integers (as the engine sorts them)
        keys[-1] = small_ints(
            np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), np.int64),
            4,
        )
    minor, major = keys[:n_minor], keys[n_minor:]
    want = np.lexsort(tuple(keys)) if keys else np.arange(n)
    assert np.array_equal(lexsort_ties(minor, major), want)


@given(data=st.data(), bound=st.sampled_from([4, 2**15 - 1, 2**15, 2**20]))
def test_small_ints_sort_as_their_64_bit_form(data, bound):
    # values below the bound, the largest ones included
    values = data.draw(st.lists(st.integers(max(0, bound - 8), bound - 1) | st.integers(0, 3)))
    v = np.array(values, dtype=np.int64)
    narrow = small_ints(v, bound)
    assert narrow.dtype == (np.int16 if bound < 2**15 else np.int64)
    assert np.array_equal(narrow, v)
    assert np.array_equal(np.argsort(narrow, kind="stable"), np.argsort(v, kind="stable"))
