"""Property tests: the array engine's cheap sorts give numpy's lexsort order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simsales.engine.array.ordering import lexsort_ties, small_ints

# few distinct values, so that major keys tie often and minor keys tie too
small = st.lists(st.integers(0, 3), min_size=0, max_size=60)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), n_minor=st.integers(0, 2), n_major=st.integers(1, 2))
def test_lexsort_ties_is_numpys_lexsort_of_all_the_keys(data, n_minor, n_major):
    n = data.draw(st.integers(0, 60))
    keys = [
        np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=float)
        for _ in range(n_minor + n_major)
    ]
    minor, major = keys[:n_minor], keys[n_minor:]
    want = np.lexsort(tuple(keys)) if keys else np.arange(n)
    assert np.array_equal(lexsort_ties(minor, major), want)


@given(values=small, bound=st.sampled_from([4, 2**15 - 1, 2**15, 2**20]))
def test_small_ints_sort_as_their_64_bit_form(values, bound):
    v = np.array(values, dtype=np.int64)
    narrow = small_ints(v, bound)
    assert narrow.dtype == (np.int16 if bound < 2**15 else np.int64)
    assert np.array_equal(np.argsort(narrow, kind="stable"), np.argsort(v, kind="stable"))
