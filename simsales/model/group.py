"""The rules of a buying group that are plain functions of numbers: how much one
action's evidence corrects a stakeholder's impression, the logit choice, the
Tversky-Kahneman weight, and how a group's preferences make its decision
(docs/model.md 2.3-2.7). :class:`~simsales.model.buyer.Buyer` applies them; those
that take ``xp`` run on one buyer or on arrays of buyers (:mod:`simsales.model.xp`).
"""

from __future__ import annotations

from typing import Any

from simsales.model.behaviour import Behaviour
from simsales.model.xp import Namespace

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


def logistic(xp: Namespace, x: Any, temperature: float) -> Any:
    """Choice probability of a logit rule; a step function at temperature 0.

    ``xp`` is :data:`~simsales.model.xp.SCALAR` for one value,
    :data:`~simsales.model.xp.ARRAY` for an array of them.
    """
    if temperature == 0:
        return xp.where(x > 0, 1.0, 0.0)
    return 1.0 / (1.0 + xp.exp(-xp.clip(x / temperature, -500.0, 500.0)))


def tk_weight(xp: Namespace, p: Any, gamma: float) -> Any:
    """Tversky-Kahneman (1992) probability weight of ``p`` (one form of ``prospect.weight``
    for both namespaces)."""
    pg = xp.pow(p, gamma)
    return pg / xp.pow(pg + xp.pow(1.0 - p, gamma), 1.0 / gamma)


def group_decides(k: Any, n: Any, rule: str) -> Any:
    """Whether a buying group chooses change, from its count of stakeholders who prefer it.

    Parameters
    ----------
    k : int or array of int
        Stakeholders who prefer change.
    n : int or array of int
        Stakeholders in the group.
    rule : {"consensus", "majority", "champion"}
        ``consensus``: all must prefer change; ``majority``: more than half;
        ``champion``: one advocate is enough.
    """
    if rule == "consensus":
        return k == n
    if rule == "majority":
        return 2 * k > n
    if rule == "champion":
        return k >= 1
    raise ValueError(f"unknown decision rule '{rule}'; allowed: consensus, majority, champion")
