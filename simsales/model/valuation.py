"""What an offer is worth to a buying group: its value and each stakeholder's utility
of change over the status quo (docs/model.md 2.2-2.3), written once for one buyer
or many (:mod:`simsales.model.xp`).

``s`` is a buyer's state: a :class:`~simsales.model.buyer.Buyer` (with
:data:`~simsales.model.xp.SCALAR`), or the same fields as arrays of buyers (with
:data:`~simsales.model.xp.ARRAY`); ``p`` its :class:`~simsales.model.behaviour.Behaviour`.
"""

from __future__ import annotations

from typing import Any

from simsales.model.behaviour import Behaviour
from simsales.model.xp import Namespace

__all__ = ["change", "change_framed", "mean_utility", "true_value", "utilities", "visible_value"]


def visible_value(s: Any, tailored: bool = True) -> Any:
    """True value of the needs the buyer knows of, in units of the price."""
    t = s.tailor if tailored else 0.0
    return s.r * (s.k * (1.0 + t) + s.revealed * (1.0 - s.k))


def true_value(s: Any) -> Any:
    """True value of the (tailored) offer, latent needs included."""
    return s.r * (s.k * (1.0 + s.tailor) + (1.0 - s.k))


def utilities(xp: Namespace, s: Any, p: Behaviour, rival: bool = False) -> Any:
    r"""Each stakeholder's utility of change over the status quo.

    ``U = w(p) G^alpha - lam L^beta + [framing] lam (u N)^beta`` with the
    perceived gain ``G = exp(bias) * visible value`` (docs/model.md 2.2-2.3).
    The last term is the status quo felt as a sure loss: urgency times the
    perceived value of the needs left unmet, ``N = exp(bias) * untailored
    visible value``. It belongs to the status quo, so it is the same
    whichever offer is weighed against it.
    For the rival's offer, ``G`` is scaled by ``exp(rival_edge)``, untailored,
    and the success probability carries no halo.
    Equal to :func:`simsales.model.prospect.change_utility` plus the framing
    term (a test holds them equal).
    """
    plain = visible_value(s, tailored=False)
    if rival:
        offered = plain * xp.exp(s.rival_edge)
        weights = s.w_rival
    else:
        offered = visible_value(s)
        weights = s.w_ours
    # (e G)^alpha = e^alpha G^alpha: one power per group, not per stakeholder
    ga = xp.col(offered**p.alpha)
    loss = xp.col(s.loss_term)
    if p.urgency_framing:
        felt = s.urgency * plain
        if xp.any(felt > 0):
            # a buyer that feels no loss in the status quo has fb = 0: the term drops
            fb = xp.col(xp.where(felt > 0, felt, 0.0) ** p.beta)
            return xp.each_shared(change_framed, (weights, s.ea, s.eb, s.lam), (ga, loss, fb))
    return xp.each_shared(change, (weights, s.ea, s.lam), (ga, loss))


def change(w: Any, ea: Any, lam: Any, ga: Any, loss: Any) -> Any:
    """A stakeholder's utility of change: its weighted perceived gain ``w ea ga`` (``ea``:
    its ``exp(alpha bias)``; ``ga``: the group's ``G^alpha``) less the price as a loss,
    ``lam loss`` (see :func:`utilities`)."""
    return w * ea * ga - lam * loss


def change_framed(w: Any, ea: Any, eb: Any, lam: Any, ga: Any, loss: Any, fb: Any) -> Any:
    """:func:`change` with the status quo felt as a sure loss, ``fb eb`` (``eb``: the
    stakeholder's ``exp(beta bias)``; ``fb``: the group's felt loss to the power beta)."""
    return w * ea * ga - lam * (loss - fb * eb)


def mean_utility(xp: Namespace, s: Any, p: Behaviour, rival: bool = False) -> Any:
    """The group's mean utility of change (see :func:`utilities`)."""
    return xp.group_mean(utilities(xp, s, p, rival), s.n)
