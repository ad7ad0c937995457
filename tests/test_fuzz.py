"""The fuzz of experiment files (tests/fuzz.py) at a reduced size.

Every corrupted file either validates and then runs (one replication, short
horizon) to exit 0 in bounded time, or is refused with exit 2, no traceback
and nothing written. ``python tests/fuzz.py --full`` runs the full size.
"""

from __future__ import annotations

import os

import pytest
from fuzz import Fuzzer, fuzz, toml_text

SCALE = float(os.environ.get("SIMSALES_TEST_SCALE", "1"))


def test_the_generator_is_seeded_and_covers_every_category():
    first = Fuzzer(11).variants(30)
    again = Fuzzer(11).variants(30)
    assert [v.text for v in first] == [v.text for v in again]
    cats = {v.category for v in first}
    assert {"huge_number", "tiny_number", "negative_number", "nan_inf", "wrong_type",
            "unknown_key", "deep_nesting", "huge_file", "long_name", "bad_sweep",
            "unbounded_uncertain", "empty_list", "heavy", "mixed"} <= cats  # fmt: skip


def test_toml_text_reads_back():
    import tomllib

    data = {"name": "x", "a": {"b": [1, 2.5, "s"], "c": {"d": True}}, "z": float("inf")}
    assert tomllib.loads(toml_text(data)) == data


@pytest.mark.slow
def test_reduced_fuzz_has_no_traceback_write_hang_or_failed_run():
    n = max(20, round(40 * SCALE))  # 20 at CI's size; `python tests/fuzz.py` runs more
    tally = fuzz(n, seed=20261205, jobs=2)
    assert tally.clean, tally.table()
    assert set(tally.exit_codes) <= {"0", "2"}
