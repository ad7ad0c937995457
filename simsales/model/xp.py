"""Array namespaces: one source for the behavioural rules, on one buyer or on many.

A rule of the model written as a function of a namespace ``xp`` runs on one
buyer's numbers (:data:`SCALAR`: Python floats, the stakeholders as lists,
:mod:`math`), which is what the SimPy engine steps, one process per buyer, and on
many buyers at once (:data:`ARRAY`: numpy, buyers as ``(B,)`` arrays and their
stakeholders as ``(B, S)`` arrays padded to the largest group), so the behaviour
is written once whichever way it is stepped.

Python's arithmetic operators already work on floats and arrays alike; the
namespace supplies only what does not: functions (``exp``, ``expm1``, ``log``,
``sqrt``, ``pow``, ``maximum``, ``minimum``, ``clip``), choices (``where``,
``any``), a map over the stakeholders (``each``; ``each_shared``, whose function
takes the buyer's values as arguments rather than capturing them, so that numba
compiles it too; and ``exp_scaled`` for the one
map the SimPy engine runs at every impression update), a buyer's value broadcast
to its stakeholders (``col`` in arithmetic, ``every`` as an argument of ``each``)
and the group's mean (``group_mean``). On :data:`SCALAR` each is the plain Python
expression the scalar rule used before, so a rule moved onto a namespace gives the
same IEEE numbers there (the committed results check it). On :data:`ARRAY` the
numbers agree to rounding, not bit for bit (numpy's ``exp`` and ``power`` may
differ from :mod:`math`'s in the last place).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import repeat
from typing import Any

import numpy as np

__all__ = ["ARRAY", "SCALAR", "ArrayXP", "Namespace", "ScalarXP"]


class ScalarXP:
    """The namespace of one buyer: floats, its stakeholders as lists."""

    exp = staticmethod(math.exp)
    expm1 = staticmethod(math.expm1)
    log = staticmethod(math.log)
    sqrt = staticmethod(math.sqrt)
    pow = staticmethod(math.pow)
    maximum = staticmethod(max)
    minimum = staticmethod(min)

    @staticmethod
    def clip(x: float, low: float, high: float) -> float:
        """``x`` within ``[low, high]`` (NaN stays NaN)."""
        return high if x > high else low if x < low else x

    @staticmethod
    def where(condition: bool, a: Any, b: Any) -> Any:
        """``a`` if ``condition`` else ``b``."""
        return a if condition else b

    @staticmethod
    def any(condition: bool) -> bool:
        """Whether ``condition`` holds."""
        return bool(condition)

    @staticmethod
    def each(f: Callable[..., float], *stakeholders: list[float]) -> list[float]:
        """``f`` of each stakeholder's values, in stakeholder order."""
        if len(stakeholders) == 1:  # (the common case, without zip's tuples)
            return [f(x) for x in stakeholders[0]]
        if len(set(map(len, stakeholders))) != 1:
            raise ValueError("each: the stakeholders' lists differ in length")
        return list(map(f, *stakeholders))  # (map: no tuple per stakeholder)

    @staticmethod
    def each_shared(
        f: Callable[..., float], stakeholders: tuple[list[float], ...], shared: tuple[float, ...]
    ) -> list[float]:
        """``f`` of each stakeholder's values followed by the buyer's ``shared`` values, in
        stakeholder order (``f`` captures nothing, so a compiler takes it too). The
        lists are the group's, one value per stakeholder each; unlike :meth:`each`, their
        lengths are not checked, as this runs at every valuation."""
        return list(map(f, *stakeholders, *map(repeat, shared)))

    @staticmethod
    def exp_scaled(
        stakeholders: list[float], a: float, b: float
    ) -> tuple[list[float], list[float]]:
        """``exp(a x)`` and ``exp(b x)`` of each stakeholder's ``x`` (in one pass)."""
        exp = math.exp
        ea: list[float] = []
        eb: list[float] = []
        for x in stakeholders:
            ea.append(exp(a * x))
            eb.append(exp(b * x))
        return ea, eb

    @staticmethod
    def col(x: float) -> float:
        """A buyer's value, as seen by each of its stakeholders."""
        return x

    @staticmethod
    def every(x: float, like: list[float]) -> list[float]:
        """A buyer's value for each of its stakeholders, as a list like ``like``."""
        return [x] * len(like)

    @staticmethod
    def group_mean(values: list[float], n: int) -> float:
        """The mean over the buyer's ``n`` stakeholders (a sum in stakeholder order,
        left to right: Python 3.12's ``sum`` compensates its rounding, and 3.11's does
        not, so ``sum`` would give other last places on other Pythons, and other ones
        than the compiled sequences' loop)."""
        total = 0.0
        for v in values:
            total += v
        return total / len(values)


class ArrayXP:
    """The namespace of many buyers: ``(B,)`` arrays, stakeholders as ``(B, S)``
    arrays padded beyond each buyer's ``n`` stakeholders."""

    @staticmethod
    def exp(x: Any) -> Any:
        """``exp`` element by element."""
        return np.exp(x)

    @staticmethod
    def expm1(x: Any) -> Any:
        """``exp(x) - 1`` element by element (accurate near 0)."""
        return np.expm1(x)

    @staticmethod
    def log(x: Any) -> Any:
        """``log`` element by element."""
        return np.log(x)

    @staticmethod
    def sqrt(x: Any) -> Any:
        """Square root element by element."""
        return np.sqrt(x)

    @staticmethod
    def maximum(x: Any, y: Any) -> Any:
        """The larger of ``x`` and ``y``, element by element."""
        return np.maximum(x, y)

    @staticmethod
    def minimum(x: Any, y: Any) -> Any:
        """The smaller of ``x`` and ``y``, element by element."""
        return np.minimum(x, y)

    @staticmethod
    def pow(x: Any, y: Any) -> Any:
        """``x ** y`` element by element."""
        return np.power(x, y)

    @staticmethod
    def clip(x: Any, low: float, high: float) -> Any:
        """``x`` within ``[low, high]`` element by element."""
        return np.clip(x, low, high)

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> Any:
        """``a`` where ``condition``, else ``b``."""
        return np.where(condition, a, b)

    @staticmethod
    def any(condition: Any) -> bool:
        """Whether ``condition`` holds anywhere."""
        return bool(np.any(condition))

    @staticmethod
    def each(f: Callable[..., Any], *stakeholders: Any) -> Any:
        """``f`` of the ``(B, S)`` arrays, element by element."""
        return f(*stakeholders)

    @staticmethod
    def each_shared(
        f: Callable[..., Any], stakeholders: tuple[Any, ...], shared: tuple[Any, ...]
    ) -> Any:
        """``f`` of the ``(B, S)`` arrays and the ``(B, 1)`` shared columns, element by element."""
        return f(*stakeholders, *shared)

    @staticmethod
    def exp_scaled(stakeholders: Any, a: float, b: float) -> tuple[Any, Any]:
        """``exp(a x)`` and ``exp(b x)`` element by element."""
        return np.exp(a * stakeholders), np.exp(b * stakeholders)

    @staticmethod
    def col(x: Any) -> Any:
        """``(B,)`` as ``(B, 1)``, to broadcast over the stakeholders."""
        return np.asarray(x)[:, None]

    @staticmethod
    def every(x: Any, like: Any) -> Any:
        """A buyer's value for each of its stakeholders: ``(B,)`` spread over
        ``like``'s ``(B, S)`` (a read-only view, no copy)."""
        return np.broadcast_to(np.asarray(x)[:, None], np.shape(like))

    @staticmethod
    def group_mean(values: Any, n: Any) -> Any:
        """The mean of each row over its first ``n`` stakeholders (padding ignored)."""
        values = np.asarray(values)
        n = np.asarray(n)
        inside = np.arange(values.shape[1])[None, :] < n[:, None]
        return np.where(inside, values, 0.0).sum(axis=1) / n


#: The namespaces the rules are called with.
SCALAR = ScalarXP()
ARRAY = ArrayXP()

#: What a rule's ``xp`` is.
Namespace = ScalarXP | ArrayXP
