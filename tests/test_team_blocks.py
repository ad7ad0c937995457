"""Teams booked many requests at a time (simsales/engine/team_blocks.py).

Known-answer, exact: on any teams and any requests, the delays and the members'
free times afterwards are those :class:`simsales.engine.teams.Team` gives booking
the same requests one by one in the same order (bit for bit), including
requests made at the same instant and teams of one member.
"""

from __future__ import annotations

import itertools
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simsales.engine.team_blocks import book_blocks, free_times
from simsales.engine.teams import Team

times = st.one_of(
    st.floats(0.0, 30.0),
    st.sampled_from([0.0, 1.0, 2.5]),  # requests at one instant, and at a member's free time
)


@st.composite
def bookings(draw):
    sizes = draw(st.lists(st.integers(1, 9), min_size=1, max_size=5))
    start = [sorted(draw(st.lists(st.floats(0.0, 5.0), min_size=s, max_size=s))) for s in sizes]
    k = draw(st.integers(0, 120))
    team = draw(st.lists(st.integers(0, len(sizes) - 1), min_size=k, max_size=k))
    now = draw(st.lists(times, min_size=k, max_size=k))
    duration = draw(st.lists(st.floats(0.0, 4.0), min_size=k, max_size=k))
    return sizes, start, team, now, duration


def _started(sizes: list[int], start: list[list[float]]) -> np.ndarray:
    """Free times of teams of ``sizes`` whose members are free from ``start``."""
    free = free_times(sizes)
    for g, row in enumerate(start):
        free[g, : len(row)] = row
    return free


@settings(max_examples=200, deadline=None)
@given(case=bookings())
def test_delays_and_free_times_are_those_of_team_book(case):
    sizes, start, team, now, duration = case
    free = _started(sizes, start)
    teams = []
    for row in start:
        t = Team(len(row))
        t.free = list(row)  # a sorted list is a heap
        teams.append(t)
    got = book_blocks(free, team, now, duration)
    want = np.empty(len(now))
    # Team.book one by one: each team's requests in time order, ties as given
    for i in sorted(range(len(now)), key=lambda i: (team[i], now[i])):
        want[i] = teams[team[i]].book(now[i], duration[i])
    assert np.array_equal(got, want)
    for g, t in enumerate(teams):
        assert np.array_equal(free[g, : sizes[g]], sorted(t.free))
        assert np.isinf(free[g, sizes[g] :]).all()


@settings(max_examples=100, deadline=None)
@given(case=bookings())
def test_requests_given_in_the_order_they_are_served_book_as_in_any_order(case):
    # an engine hands its requests over sorted by team and time, and then they are
    # not sorted again: the delays and free times are those of any other order
    sizes, start, team, now, duration = case
    given_as, served = _started(sizes, start), _started(sizes, start)
    want = book_blocks(given_as, team, now, duration)
    order = sorted(range(len(now)), key=lambda i: (team[i], now[i]))
    with mock.patch.object(np, "lexsort", side_effect=AssertionError("sorted again")):
        got = book_blocks(
            served, [team[i] for i in order], [now[i] for i in order], [duration[i] for i in order]
        )
    assert np.array_equal(got, want[order])
    assert np.array_equal(served, given_as)


def test_an_unsaturated_team_serves_at_once_and_a_saturated_one_queues():
    # two members free at 0: three requests at day 1 of 2 days each; the third waits
    # until day 3, when the first two end
    free = free_times([2, 1])
    delays = book_blocks(free, [0, 0, 0, 1], [1.0, 1.0, 1.0, 0.0], [2.0, 2.0, 2.0, 5.0])
    assert delays.tolist() == [2.0, 2.0, 4.0, 5.0]
    assert free.tolist() == [[3.0, 5.0], [5.0, np.inf]]


@settings(max_examples=100, deadline=None)
@given(case=bookings(), cuts=st.lists(st.floats(0.0, 30.0), max_size=3))
def test_booking_in_several_calls_is_booking_in_one(case, cuts):
    # a simulation books a step's requests at a time: the free times carried from
    # call to call give the delays of one call with every request
    sizes, start, team, now, duration = case
    one, several = _started(sizes, start), _started(sizes, start)
    want = book_blocks(one, team, now, duration)
    got = np.empty(len(now))
    edges = [-1.0, *sorted(cuts), np.inf]
    for lo, hi in itertools.pairwise(edges):
        part = [i for i, t in enumerate(now) if lo < t <= hi]
        if part:
            got[part] = book_blocks(
                several, [team[i] for i in part], [now[i] for i in part],
                [duration[i] for i in part],
            )  # fmt: skip
    assert np.array_equal(got, want)
    assert np.array_equal(several, one)


def test_bad_teams_are_refused():
    with pytest.raises(ValueError, match="team sizes >= 1"):
        free_times([2, 0])
    with pytest.raises(ValueError, match=r"team must be in 0 \.\. 1"):
        book_blocks(free_times([1, 1]), [2], [0.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        book_blocks(free_times([1]), [0], [0.0], [np.inf])
    with pytest.raises(ValueError, match="no member with a finite free time"):
        book_blocks(np.full((1, 1), np.inf), [0], [0.0], [1.0])
    free = np.array([[0.0], [np.inf]])  # team 1 never frees: nothing is booked on team 0
    with pytest.raises(ValueError, match="no member with a finite free time"):
        book_blocks(free, [0, 1], [1.0, 1.0], [2.0, 2.0])
    assert free.tolist() == [[0.0], [np.inf]]
