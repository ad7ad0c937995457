"""A team of identical people serving requests first come, first served.

``simpy.Resource`` makes three events of every request (the request, the
work's timeout and the release). For a team whose members are identical and
whose requests wait in one first-come-first-served queue, the start of each
request is known the moment it is made: it is the later of now and the
earliest time a member is free (the Kiefer-Wolfowitz recursion for the
multi-server queue). :class:`Team` keeps those free times in a heap and books
each request when it is made, so the requester waits with a single timeout.
The start and end times are those a ``simpy.Resource`` of the same capacity
gives, except for the order in which requests made at the very same instant
are served: both serve them first come first served, but may break such ties
differently (with continuous random times, ties have probability zero). A
test runs both side by side.
"""

from __future__ import annotations

import heapq

__all__ = ["Team"]


class Team:
    """``size`` identical people; requests are served in the order they are made.

    Parameters
    ----------
    size : int
        Team members (>= 1).
    """

    __slots__ = ("free", "size")

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"a team needs at least one member, got size={size}")
        self.size = size
        self.free = [0.0] * size  # a heap of the times each member is next free

    def book(self, now: float, duration: float) -> float:
        """Book ``duration`` days of work requested at ``now``; return the days until
        it ends (the wait for a free member plus ``duration``).

        Requests must be booked in nondecreasing ``now``, as a simulation makes them.
        The member is free again at ``now + delay``, exactly when a SimPy
        timeout of ``delay`` made at ``now`` fires.
        """
        earliest = self.free[0]
        delay = (earliest - now if earliest > now else 0.0) + duration
        heapq.heapreplace(self.free, now + delay)
        return delay
