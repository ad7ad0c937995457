"""Shared fixtures."""

from __future__ import annotations

import numpy as np
import pytest

import blank_charts


@pytest.fixture
def rng() -> np.random.Generator:
    """A fixed-seed generator for tests that need randomness of their own."""
    return np.random.default_rng(2026)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked slow first (a stable sort: otherwise in file order).

    On several cores (pytest-xdist hands tests out in this order) the longest
    tests then start early, beside the rest, instead of one of them finishing
    alone at the end while the other cores are idle (longest first is the
    classic rule for spreading jobs over machines).
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure() -> None:
    """Charts are built but written blank, except in tests marked ``render``
    (tests/blank_charts.py says why)."""
    blank_charts.install()


def pytest_runtest_setup(item: pytest.Item) -> None:
    # before any fixture of the test (a module's too) is set up
    blank_charts.rendering = item.get_closest_marker("render") is not None
