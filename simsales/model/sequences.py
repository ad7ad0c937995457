"""Sequences of rules written once, for one buyer: the SimPy engine runs them as Python,
the array engine compiles them (numba) and runs them row by row.

A sequence takes a namespace ``xp`` (:data:`~simsales.model.xp.SCALAR` in the SimPy
engine; the array engine's compiled one), a buyer's state ``s`` (a
:class:`~simsales.model.buyer.Buyer`, or a view of one row of the array engine's
buyers with the same field names), the parameters ``b`` (a
:class:`~simsales.model.behaviour.Behaviour`, or a record with its field names) and
the buyer's stream ``rng`` (each call of ``rng.random()`` takes its next uniform). It
draws in the same order in both engines. It reads the buyer's fields and returns what
it changes, rather than writing them, and it returns codes, not enums (a code of an
ending indexes :data:`simsales.model.equations.ENDINGS`; :data:`NONE`: the journey
goes on), so that a compiler takes it. It calls only functions that capture
nothing and that the array engine registers with numba
(:mod:`simsales.engine.array.compiled_rules`).
"""

from __future__ import annotations

from typing import Any

from simsales.model import equations
from simsales.model.group import group_decides, logistic
from simsales.model.orbits import Ending, Orbit
from simsales.model.valuation import mean_utility, utilities
from simsales.model.xp import Namespace

__all__ = ["NONE", "decide", "move"]

#: The code of no ending: the journey goes on.
NONE = -1
_WON = equations.ENDING_CODE[Ending.WON]
_RIVAL = equations.ENDING_CODE[Ending.RIVAL]
_STATUS_QUO = equations.ENDING_CODE[Ending.STATUS_QUO]
_INDECISION = equations.ENDING_CODE[Ending.INDECISION]
_OBSERVATION = int(Orbit.OBSERVATION)
_POTENTIAL = int(Orbit.POTENTIAL)


def decide(xp: Namespace, s: Any, b: Any, rng: Any) -> tuple[int, int, int, bool, int]:
    """The purchase decision at ACQUISITION (docs/model.md 2.5-2.6).

    Each stakeholder prefers change with the logit probability of its utility; the
    group rule aggregates. A "no" sends the buyer back to OBSERVATION (a status-quo
    loss after ``max_rejections``). A "yes" goes to the rival if the rival's offer is
    preferred (logit on the group mean utilities; asked once per buyer), else the
    buyer stalls with probability ``indecision`` (an indecision loss after
    ``max_stalls``), else it buys.

    Returns
    -------
    tuple
        The ending's code (:data:`NONE` if the journey goes on), then the buyer's
        ``rejections``, ``orbit``, ``chose_us`` and ``stalls`` after the decision.
    """
    rejections, orbit, chose_us, stalls = s.rejections, int(s.orbit), s.chose_us, s.stalls
    u = utilities(xp, s, b, False)
    t = b.temperature
    k = 0
    for x in u:  # one uniform for each stakeholder, in stakeholder order
        if rng.random() < logistic(xp, x, t):
            k += 1
    if not group_decides(k, len(u), b.decision_rule):
        rejections += 1
        if rejections >= b.max_rejections:
            return _STATUS_QUO, rejections, orbit, chose_us, stalls
        return NONE, rejections, _OBSERVATION, chose_us, stalls
    if s.rival and not chose_us:
        rival = mean_utility(xp, s, b, True)
        ours = xp.group_mean(u, s.n)
        if rng.random() < equations.rival_chance(xp, rival, ours, t):
            return _RIVAL, rejections, orbit, chose_us, stalls
        chose_us = True  # the vendor choice is made once; stalls do not reopen it
    if rng.random() < s.indecision:
        stalls += 1
        code = _INDECISION if stalls >= b.max_stalls else NONE
        return code, rejections, orbit, chose_us, stalls
    return _WON, rejections, orbit, chose_us, stalls


def move(xp: Namespace, s: Any, b: Any, rng: Any, now: float) -> tuple[int, int, int, float]:
    """Jump between the middle orbits after an interaction (docs/model.md 3).

    Forward with the logit probability of the group's mean utility (then ``now`` is
    the buyer's last progress); otherwise back one orbit (never below POTENTIAL) with
    ``back_probability``, else stay.

    Returns
    -------
    tuple
        The step taken (+1, 0, -1), then the buyer's ``orbit``, ``max_orbit`` and
        ``last_progress`` after it.
    """
    orbit, max_orbit, last_progress = int(s.orbit), int(s.max_orbit), s.last_progress
    p_fwd = equations.forward_chance(xp, b, mean_utility(xp, s, b, False))
    if rng.random() < p_fwd:
        orbit += 1
        return 1, orbit, max(max_orbit, orbit), now
    if orbit > _POTENTIAL and rng.random() < b.back_probability:
        return -1, orbit - 1, max_orbit, last_progress
    return 0, orbit, max_orbit, last_progress
