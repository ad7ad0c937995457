"""Strategies as tables of actions, for an engine that steps many buyers at once.

A strategy whose every choice depends only on what the array engine keeps per
buyer, the orbit and whether the buyer has shared its needs, is a table: the
action of a meeting, of a follow-up and of a post-sale step for each orbit
(and each ``needs_shared``). :func:`action_table` reads that table off the
strategy by asking it, and :func:`tabular_reason` says why a strategy is not
one (a method overridden in Python may look at anything in the
:class:`~simsales.model.actions.SellerView`: it runs on the SimPy engine only).

Rows of a :class:`ActionTable` are slots: ``meeting_slot(orbit, needs_shared)``,
``follow_up_slot(orbit, needs_shared)`` and ``after_sale_slot(orbit)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from simsales.model.actions import Action, SellerView
from simsales.model.orbits import PRE_SALE, Orbit
from simsales.model.strategies import PhasedStrategy, SequenceStrategy, Strategy

__all__ = [
    "FIELDS",
    "N_SLOTS",
    "ActionTable",
    "action_table",
    "after_sale_slot",
    "follow_up_slot",
    "meeting_slot",
    "tabular_reason",
]

#: The numeric effects of an action (docs: :class:`~simsales.model.actions.Action`).
FIELDS = (
    "hours", "pressure", "trust_gain", "halo", "evidence", "claim_bias", "discovery",
    "tailor_gain", "reveal", "urgency_gain", "skeptic_risk", "coaching", "internalise",
    "adoption_gain",
)  # fmt: skip
_PRE = len(PRE_SALE)
_POST = len(Orbit) - _PRE
#: Slots of a table: meetings and follow-ups by (orbit, needs_shared), post-sale by orbit.
N_SLOTS = 4 * _PRE + _POST
#: The methods a strategy's choices come from.
_METHODS = ("act", "middle", "follow_up", "after_sale")


def meeting_slot(orbit: npt.ArrayLike, needs_shared: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The slot of a meeting at ``orbit`` (pre-sale)."""
    return np.asarray(2 * np.asarray(orbit) + np.asarray(needs_shared), dtype=np.int64)


def follow_up_slot(orbit: npt.ArrayLike, needs_shared: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The slot of a follow-up at ``orbit`` (pre-sale)."""
    return np.asarray(2 * _PRE + 2 * np.asarray(orbit) + np.asarray(needs_shared), dtype=np.int64)


def after_sale_slot(orbit: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The slot of a post-sale step at ``orbit`` (INSTALLATION onward)."""
    return np.asarray(4 * _PRE + np.asarray(orbit) - _PRE, dtype=np.int64)


@dataclass(frozen=True)
class ActionTable:
    """The actions of several strategies, slot by slot.

    Attributes
    ----------
    effects : dict of str to (K, N_SLOTS) array of float
        Each field of :data:`FIELDS`, strategy ``k``'s action in each slot
        (``discovery`` as 0/1).
    invests : (K, N_SLOTS) array of bool
        Whether the slot has an action (a post-sale step may have none).
    names : list of list of str
        The actions' names, for people.
    """

    effects: dict[str, npt.NDArray[np.float64]]
    invests: npt.NDArray[np.bool_]
    names: list[list[str]]

    @cached_property
    def active(self) -> frozenset[str]:
        """The effects some action of the table has (nonzero): an engine skips the others."""
        return frozenset(f for f, v in self.effects.items() if v.any())


def tabular_reason(strategy: Strategy) -> str | None:
    """Why ``strategy`` is not a table of actions, or None if it is.

    A :class:`~simsales.model.strategies.PhasedStrategy` whose methods are
    its own (or overridden by a class that lists them in ``tabular_methods``:
    choices by orbit and ``needs_shared`` only) is one, whatever its
    parameters; so is a :class:`~simsales.model.strategies.SequenceStrategy`
    of such parts.
    """
    if isinstance(strategy, SequenceStrategy):
        for part, _ in strategy.parts:
            why = tabular_reason(part)
            if why is not None:
                return why
        return None
    cls = type(strategy)
    for name in _METHODS:
        if not hasattr(cls, name):
            continue
        owner = next(c for c in cls.__mro__ if name in c.__dict__)
        if owner is PhasedStrategy or name in owner.__dict__.get("tabular_methods", ()):
            continue
        return (
            f"strategy {strategy.name!r} overrides {name}() in Python "
            f"({owner.__module__}.{owner.__qualname__}), which may look at more of a "
            "buyer than its orbit and needs_shared; it runs on the SimPy engine "
            '(engine = "simpy"), or list the method in tabular_methods if its choice '
            "depends on those two only"
        )
    return None


def action_table(strategies: Sequence[Strategy]) -> ActionTable:
    """The table of ``strategies`` (each must be tabular: :func:`tabular_reason`).

    Raises
    ------
    ValueError
        If a strategy is not a table of actions; the message says why.
    """
    k = len(strategies)
    effects = {f: np.zeros((k, N_SLOTS)) for f in FIELDS}
    invests = np.zeros((k, N_SLOTS), dtype=bool)
    names = [[""] * N_SLOTS for _ in strategies]
    for i, strategy in enumerate(strategies):
        why = tabular_reason(strategy)
        if why is not None:
            raise ValueError(why)
        for orbit in PRE_SALE:
            for shared in (False, True):
                view = _view(orbit, shared)
                _put(effects, invests, names, i, int(meeting_slot(orbit, shared)),
                     strategy.act(view))  # fmt: skip
                _put(effects, invests, names, i, int(follow_up_slot(orbit, shared)),
                     strategy.follow_up(view))  # fmt: skip
        for orbit in Orbit:
            if orbit > Orbit.ACQUISITION:
                slot = int(after_sale_slot(orbit))
                _put(effects, invests, names, i, slot, strategy.after_sale(_view(orbit, True)))
    return ActionTable(effects, invests, names)


def _view(orbit: Orbit, needs_shared: bool) -> SellerView:
    return SellerView(orbit, 0, 0.0, needs_shared, False, 0, 0)


def _put(
    effects: dict[str, npt.NDArray[np.float64]], invests: npt.NDArray[np.bool_],
    names: list[list[str]], i: int, slot: int, action: Action | None,
) -> None:  # fmt: skip
    if action is None:
        return
    invests[i, slot] = True
    names[i][slot] = action.name
    for f in FIELDS:
        effects[f][i, slot] = float(getattr(action, f))
