"""The rules of a buying group that are plain functions of numbers: how much one
action's evidence corrects a stakeholder's impression, the logit choice, the
Tversky-Kahneman weight, and how a group's preferences make its decision
(docs/model.md 2.3-2.7). :class:`~simsales.model.buyer.Buyer` applies them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from simsales.model.behaviour import Behaviour

__all__ = ["correction_rate", "group_decides", "logistic", "tk_weight"]


def correction_rate(strength: float, behaviour: Behaviour, precision: float | None = None) -> float:
    """Share of a stakeholder's impression error one action's evidence corrects.

    ``c tau_s / (tau + c tau_s)`` with ``tau_s = strength / evidence_noise^2``,
    ``c = conservatism`` and ``tau`` the stakeholder's precision (by default
    its first one, ``1 / impression_sd^2``): the expected share, since the
    signal's noise moves the bias on either side (docs/model.md 2.3).

    Parameters
    ----------
    strength : float
        The action's ``evidence`` (0: none, rate 0).
    behaviour : Behaviour
        Gives ``conservatism``, ``evidence_noise`` and ``impression_sd``.
    precision : float, optional
        The stakeholder's precision before the action.
    """
    if strength <= 0:
        return 0.0
    tau = 1.0 / behaviour.impression_sd**2 if precision is None else precision
    cts = behaviour.conservatism * strength / behaviour.evidence_noise**2
    return cts / (tau + cts)


def logistic(x: float, temperature: float) -> float:
    """Choice probability of a logit rule; a step function at temperature 0."""
    if temperature == 0:
        return 1.0 if x > 0 else 0.0
    z = x / temperature
    return 1.0 / (1.0 + math.exp(-(500.0 if z > 500.0 else -500.0 if z < -500.0 else z)))


def tk_weight(p: float, gamma: float) -> float:
    """Tversky-Kahneman (1992) probability weight (scalar form of ``prospect.weight``)."""
    pg = math.pow(p, gamma)
    return pg / math.pow(pg + math.pow(1.0 - p, gamma), 1.0 / gamma)


def group_decides(prefers: Sequence[bool], rule: str) -> bool:
    """Whether a buying group chooses change.

    Parameters
    ----------
    prefers : sequence of bool
        Each stakeholder's preference for change.
    rule : {"consensus", "majority", "champion"}
        ``consensus``: all must prefer change; ``majority``: more than half;
        ``champion``: one advocate is enough.
    """
    k = sum(1 for x in prefers if x)
    n = len(prefers)
    if rule == "consensus":
        return k == n
    if rule == "majority":
        return 2 * k > n
    if rule == "champion":
        return k >= 1
    raise ValueError(f"unknown decision rule {rule!r}; allowed: consensus, majority, champion")
