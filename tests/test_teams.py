"""The first-come-first-served team (simsales.engine.teams) against simpy.Resource.

Known answers: a hand-worked two-server schedule, and the exact start and end
times a ``simpy.Resource`` of the same capacity gives for random requests.
"""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from simsales.engine.teams import Team


def test_two_servers_by_hand():
    t = Team(2)
    assert t.book(0.0, 3.0) == 3.0  # server A busy until 3
    assert t.book(1.0, 1.0) == 1.0  # server B free: 1 -> 2
    assert t.book(1.5, 2.0) == 2.5  # both busy: waits 0.5 for B, ends at 4
    assert t.book(5.0, 0.5) == 0.5  # both free again


def test_a_team_needs_a_member():
    with pytest.raises(ValueError, match="size=0"):
        Team(0)


def _resource_ends(size: int, requests: list[tuple[float, float]]) -> list[float]:
    """End times of ``(arrival, duration)`` requests on a simpy.Resource."""
    env = simpy.Environment()
    res = simpy.Resource(env, capacity=size)
    ends = [0.0] * len(requests)

    def one(k: int, arrive: float, duration: float):
        yield env.timeout(arrive)
        with res.request() as req:
            yield req
            yield env.timeout(duration)
        ends[k] = env.now

    for k, (a, d) in enumerate(requests):
        env.process(one(k, a, d))
    env.run()
    return ends


@settings(max_examples=50, deadline=None)
@given(
    st.integers(1, 4),
    st.lists(
        st.tuples(st.floats(0, 20, allow_nan=False), st.floats(0, 5, allow_nan=False)),
        min_size=1,
        max_size=40,
    ),
)
def test_same_ends_as_a_simpy_resource(size, requests):
    requests.sort(key=lambda r: r[0])  # a simulation makes requests in time order
    team = Team(size)
    ends = [a + team.book(a, d) for a, d in requests]
    np.testing.assert_allclose(ends, _resource_ends(size, requests), rtol=0, atol=1e-9)


def _journeys(size: int, seed: int, use_team: bool) -> list[float]:
    """End times of processes that each make several requests with random gaps."""
    rng = np.random.default_rng(seed)
    plans = [
        (rng.exponential(1.0), rng.exponential(0.5, 4), rng.exponential(1.0, 4)) for _ in range(30)
    ]
    env = simpy.Environment()
    res, team = simpy.Resource(env, capacity=size), Team(size)
    ends: list[float] = []

    def one(start: float, works: np.ndarray, gaps: np.ndarray):
        yield env.timeout(start)
        for w, g in zip(works, gaps, strict=True):
            if use_team:
                yield env.timeout(team.book(env.now, float(w)))
            else:
                with res.request() as req:
                    yield req
                    yield env.timeout(float(w))
            ends.append(env.now)
            yield env.timeout(float(g))

    for plan in plans:
        env.process(one(*plan))
    env.run()
    return ends


@pytest.mark.parametrize("size", [1, 2, 3])
def test_same_schedule_as_a_simpy_resource_for_repeated_requests(size):
    """Processes that come back for more work (as journeys do), at random times:
    every piece of work ends at the same time, in the same order. (Requests made
    at the very same instant may be served in another order: see teams.py.)"""
    for seed in range(5):
        np.testing.assert_allclose(
            _journeys(size, seed, True), _journeys(size, seed, False), rtol=0, atol=1e-9
        )
