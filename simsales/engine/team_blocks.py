"""First-come-first-served teams booked many requests at a time, for an engine that
steps many buyers at once.

:class:`~simsales.engine.teams.Team` books one request when it is made: it starts
at the later of its time and the earliest time a member is free (the
Kiefer-Wolfowitz recursion for the multi-server queue). :func:`book_blocks` books
the requests of many teams in one call and gives the same delays, bit for bit: it
runs the same recursion, request by request in the order each team serves them,
compiled (:func:`simsales.compiled.jit`), on each team's row of free times kept
sorted.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from simsales.compiled import jit

__all__ = ["book_blocks", "free_times"]

Floats = npt.NDArray[np.float64]


def free_times(sizes: npt.ArrayLike) -> Floats:
    """The free times of teams of ``sizes`` members, all free at 0: one row per team,
    ``inf`` beyond its size (a member that never frees)."""
    sizes = np.asarray(sizes, dtype=np.int64)
    if sizes.ndim != 1 or (sizes < 1).any():
        raise ValueError(f"sizes must be a 1-d array of team sizes >= 1, got {sizes!r}")
    width = int(sizes.max()) if sizes.size else 1
    return np.where(np.arange(width)[None, :] < sizes[:, None], 0.0, np.inf)


def book_blocks(
    free: Floats, team: npt.ArrayLike, now: npt.ArrayLike, duration: npt.ArrayLike
) -> Floats:
    """Book requests on many teams; return each request's days until its work ends.

    Parameters
    ----------
    free : (G, C) array of float
        Each team's members' next free times, each row sorted ascending (``inf``
        beyond the team's size; :func:`free_times`). Updated in place.
    team : (R,) array of int
        The team of each request.
    now : (R,) array of float
        When each request is made. Within a team, requests are served in the order
        of ``now`` (ties in the order given), and none may be earlier than a request
        the team was booked before, as a simulation makes them.
    duration : (R,) array of float
        Days of work of each request.

    Returns
    -------
    (R,) array of float
        The wait for a free member plus the duration, as
        :meth:`simsales.engine.teams.Team.book` gives for the same requests in
        the same order.
    """
    team = np.asarray(team, dtype=np.int64)
    now = np.asarray(now, dtype=np.float64)
    duration = np.asarray(duration, dtype=np.float64)
    n_teams = free.shape[0]
    out = np.empty(len(now))
    if not len(now):
        return out
    if team.min() < 0 or team.max() >= n_teams:
        raise ValueError(f"team must be in 0 .. {n_teams - 1}, got {team.min()} .. {team.max()}")
    if not (np.isfinite(now).all() and np.isfinite(duration).all() and (duration >= 0).all()):
        raise ValueError("now must be finite and duration finite and >= 0")
    # by team, then time (stable: ties as given); as an engine books them, nothing to sort
    order = np.arange(len(now)) if _sorted(team, now) else np.lexsort((now, team))
    if np.isinf(free[team, 0]).any() or not _book(free, team, now, duration, order, out):
        # (checked first, so that nothing is booked; _book checks again as it goes)
        raise ValueError("a team with requests has no member with a finite free time")
    return out


@jit
def _book(
    free: Floats, team: npt.NDArray[np.int64], now: Floats, duration: Floats,
    order: npt.NDArray[np.int64], out: Floats,
) -> bool:  # fmt: skip
    """Book requests ``order[0], order[1], ...`` in turn (:class:`~simsales.engine.teams.Team`'s
    arithmetic): each takes its team's earliest free member, whose free time becomes the
    request's end, kept in order in the team's row. False if a team had no member free."""
    width = free.shape[1]
    for r in order:
        g, t = team[r], now[r]
        f = free[g, 0]  # the earliest free member (each row sorted)
        if f == np.inf:
            return False
        delay = (f - t if f > t else 0.0) + duration[r]
        end = t + delay
        k = 0  # the member is free again at `end`: move it to its place in the row
        while k + 1 < width and free[g, k + 1] < end:
            free[g, k] = free[g, k + 1]
            k += 1
        free[g, k] = end
        out[r] = delay
    return True


def _sorted(team: npt.NDArray[np.int64], now: Floats) -> bool:
    """Whether requests are already in the order they are served: by team, then time."""
    dt, dn = np.diff(team), np.diff(now)
    return bool(((dt > 0) | ((dt == 0) & (dn >= 0))).all())
