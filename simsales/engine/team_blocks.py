"""First-come-first-served teams booked many requests at a time, for an engine that
steps many buyers at once.

:class:`~simsales.engine.teams.Team` books one request when it is made: it starts
at the later of its time and the earliest time a member is free (the
Kiefer-Wolfowitz recursion for the multi-server queue). :func:`book_blocks` books
the requests of many teams at once and gives the same delays, bit for bit. Within
one team, requests sorted by time are taken a block at a time: the ``i``-th
request of a block takes the ``i``-th earliest free member, as long as no earlier
request of the block ends before that member is free (then that end would be the
earliest, and the block stops there). Every team advances by one block per step,
in numpy across all teams, so the number of steps is the largest number of blocks
any team needs, not the number of requests.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

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
    n_teams, width = free.shape
    out = np.empty(len(now))
    if not len(now):
        return out
    if team.min() < 0 or team.max() >= n_teams:
        raise ValueError(f"team must be in 0 .. {n_teams - 1}, got {team.min()} .. {team.max()}")
    if not (np.isfinite(now).all() and np.isfinite(duration).all() and (duration >= 0).all()):
        raise ValueError("now must be finite and duration finite and >= 0")
    if _sorted(team, now):  # as an engine books them: nothing to sort
        order = None
        t_sorted, d_sorted, g_sorted = now, duration, team
    else:
        order = np.lexsort((now, team))  # by team, then time (stable: ties as given)
        t_sorted, d_sorted, g_sorted = now[order], duration[order], team[order]
    counts = np.bincount(g_sorted, minlength=n_teams)
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    done = np.zeros(n_teams, dtype=np.int64)
    sizes = np.isfinite(free).sum(axis=1)
    result = np.empty(len(now))
    cols = np.arange(width)[None, :]
    while True:
        left = counts - done
        active = np.flatnonzero(left > 0)
        if not active.size:
            break
        block = np.minimum(sizes[active], left[active])  # at most one request per member
        valid = cols < block[:, None]
        idx = np.where(valid, start[active, None] + done[active, None] + cols, 0)
        t = np.where(valid, t_sorted[idx], np.inf)
        d = np.where(valid, d_sorted[idx], 0.0)
        f = free[active]
        with np.errstate(invalid="ignore"):  # inf - inf where a padded slot meets no request
            delay = np.where(f > t, f - t, 0.0) + d  # Team.book's arithmetic, element by element
        end = t + delay
        # the earliest end of the block's earlier requests, before each request
        before = np.minimum.accumulate(
            np.concatenate((np.full((len(active), 1), np.inf), end[:, :-1]), axis=1), axis=1
        )
        stop = valid & (before < f)
        taken = np.where(stop.any(axis=1), stop.argmax(axis=1), block)
        if (taken < 1).any():  # a team with no finite free time left: it would never advance
            raise ValueError("a team with requests has no member with a finite free time")
        accept = cols < taken[:, None]
        result[idx[accept]] = delay[accept]
        row = np.where(accept, end, f)  # the taken members are free again at their ends
        free[active] = np.sort(row, axis=1)
        done[active] += taken
    if order is None:
        return result
    out[order] = result
    return out


def _sorted(team: npt.NDArray[np.int64], now: Floats) -> bool:
    """Whether requests are already in the order they are served: by team, then time."""
    dt, dn = np.diff(team), np.diff(now)
    return bool(((dt > 0) | ((dt == 0) & (dn >= 0))).all())
