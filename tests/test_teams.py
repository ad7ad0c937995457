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
    assert t.book(1.0, 1.0) == 2.0  # server B free: 1 -> 2
    assert t.book(1.5, 2.0) == 4.0  # both busy: waits for B at 2, ends 4
    assert t.book(5.0, 0.5) == 5.5  # both free again


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
    ends = [team.book(a, d) for a, d in requests]
    np.testing.assert_allclose(ends, _resource_ends(size, requests), rtol=0, atol=1e-9)
