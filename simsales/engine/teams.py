"""A team of identical people serving requests first come, first served.

``simpy.Resource`` makes three events of every request (the request, the
work's timeout and the release). For a team whose members are identical and
whose requests wait in one first-come-first-served queue, the start of each
request is known the moment it is made: it is the later of now and the
earliest time a member is free (the Kiefer-Wolfowitz recursion for the
multi-server queue). :class:`Team` keeps those free times in a heap and books
each request when it is made, so the requester waits with a single timeout.
The start and end times are those a ``simpy.Resource`` of the same capacity
gives when requests are made in time order, as they are in a simulation (a
test runs both side by side).
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
        """Book ``duration`` days of work requested at ``now``; return when it ends.

        Requests must be booked in nondecreasing ``now``, as a simulation makes them.
        """
        earliest = self.free[0]
        end = (earliest if earliest > now else now) + duration
        heapq.heapreplace(self.free, end)
        return end
