"""The model's sequences compiled for the array engine, from the source the SimPy engine
runs (:mod:`simsales.model.sequences`).

Three pieces let numba compile that source unchanged:

- :data:`COMPILED`, a namespace ``xp`` for one buyer's numbers in compiled code (a
  numba type of its own whose methods are :mod:`math`'s and short loops over the
  stakeholders), where the SimPy engine passes :data:`~simsales.model.xp.SCALAR`;
- :data:`Row`, one row of :class:`~simsales.engine.array.buyers.Buyers` with a
  buyer's field names (a named tuple made in the kernel: the fields at the row, a
  group's its first ``n`` stakeholders), and :class:`RowDraws`, the row's
  counter-based stream with ``random()`` (a numba ``StructRef``); a sequence
  returns what it changes, and the kernel writes it back;
- the rule functions the sequences call, registered with numba
  (``register_jitable``) here: Python keeps calling them as they are, and numba
  compiles calls to them. The model's modules do not import numba.

The numbers are the SimPy engine's arithmetic (both call the C library's ``exp``
and ``pow``), so a sequence gives the same result on a row as on a
:class:`~simsales.model.buyer.Buyer` with the same state and the same uniforms, bit
for bit (``tests/test_compiled_rules.py``).

numba's cache knows a kernel's own file, not the files of the rules it calls, so each
kernel here is made by a factory that closes over a hash of those files' sources
(:data:`SOURCES`): the cache's key holds it, and editing a rule compiles the kernels
again rather than loading stale ones.
"""

from __future__ import annotations

import hashlib
import math
import sys
from collections import namedtuple
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import types
from numba.experimental import structref
from numba.extending import (
    NativeValue,
    models,
    overload_method,
    register_jitable,
    register_model,
    typeof_impl,
    unbox,
)

from simsales import compiled, counter_streams
from simsales.compiled import jit
from simsales.counter_streams import uniform_at
from simsales.engine.array.buyers import Buyers
from simsales.model import equations, group, orbits, sequences, valuation

__all__ = ["COMPILED", "SOURCES", "decide_rows", "move_rows"]

Ints = npt.NDArray[np.int64]


# ------------------------------------------------------------------ the namespace
class CompiledXP:
    """The namespace of one buyer's numbers in compiled code (pass :data:`COMPILED`)."""


class _XPType(types.Type):
    def __init__(self) -> None:
        super().__init__(name="CompiledXP")


_XP = _XPType()
#: The compiled code's namespace, where the SimPy engine passes ``SCALAR``.
COMPILED = CompiledXP()


@typeof_impl.register(CompiledXP)
def _typeof_xp(value: Any, context: Any) -> Any:
    return _XP


register_model(_XPType)(models.OpaqueModel)


@unbox(_XPType)
def _unbox_xp(typ: Any, obj: Any, c: Any) -> Any:
    return NativeValue(c.context.get_dummy_value())


def _function(name: str, function: Any) -> None:
    """``xp.name(x)`` in compiled code is ``function(x)``."""

    def typer(xp, x):  # numba compares its signature with the implementation's
        return lambda xp, x: function(x)

    overload_method(_XPType, name)(typer)


def _function2(name: str, function: Any) -> None:
    """``xp.name(x, y)`` in compiled code is ``function(x, y)``."""

    def typer(xp, x, y):
        return lambda xp, x, y: function(x, y)

    overload_method(_XPType, name)(typer)


_ONE: tuple[tuple[str, Any], ...] = (
    ("exp", math.exp), ("expm1", math.expm1), ("log", math.log), ("sqrt", math.sqrt),
)  # fmt: skip
_TWO: tuple[tuple[str, Any], ...] = (("pow", math.pow), ("maximum", max), ("minimum", min))
for _name, _f in _ONE:
    _function(_name, _f)
for _name, _f in _TWO:
    _function2(_name, _f)


@overload_method(_XPType, "clip")
def _clip(xp, x, low, high):
    return lambda xp, x, low, high: high if x > high else low if x < low else x


@overload_method(_XPType, "where")
def _where(xp, condition, a, b):
    return lambda xp, condition, a, b: a if condition else b


@overload_method(_XPType, "any")
def _any(xp, condition):
    return lambda xp, condition: bool(condition)


@overload_method(_XPType, "col")
def _col(xp, x):
    return lambda xp, x: x


@overload_method(_XPType, "group_mean")
def _group_mean(xp, values, n):
    def mean(xp, values, n):
        total = 0.0  # a sum in stakeholder order, left to right, as SCALAR.group_mean
        for v in values:
            total += v
        return total / len(values)

    return mean


@overload_method(_XPType, "each_shared")
def _each_shared(xp, f, stakeholders, shared):
    arity = (len(stakeholders), len(shared))
    if arity == (3, 2):

        def three(xp, f, stakeholders, shared):
            a, b, c = stakeholders
            x, y = shared
            out = np.empty(len(a))
            for j in range(len(a)):
                out[j] = f(a[j], b[j], c[j], x, y)
            return out

        return three
    if arity == (4, 3):

        def four(xp, f, stakeholders, shared):
            a, b, c, d = stakeholders
            x, y, z = shared
            out = np.empty(len(a))
            for j in range(len(a)):
                out[j] = f(a[j], b[j], c[j], d[j], x, y, z)
            return out

        return four
    return None


# ------------------------------------------------------------------ the rules
#: The rule functions the compiled sequences call (numba compiles calls to them).
RULES = (
    valuation.visible_value, valuation.utilities, valuation.mean_utility, valuation.change,
    valuation.change_framed, group.logistic, group.group_decides, equations.rival_chance,
    equations.forward_chance, sequences.decide, sequences.move,
)  # fmt: skip
for _rule in RULES:
    register_jitable(_rule)

#: The modules whose code the kernels compile: the rules', the constants' (orbits) and
#: the streams' (counter_streams), and simsales.compiled, whose options they take.
_COMPILED_FROM = sorted(
    {sys.modules[f.__module__] for f in RULES} | {orbits, counter_streams, compiled},
    key=lambda m: m.__name__,
)
#: A hash of those modules' sources (the kernels' cache key).
SOURCES = hashlib.sha256(
    b"".join(Path(str(m.__file__)).read_bytes() for m in _COMPILED_FROM)
).hexdigest()


# ------------------------------------------------------------------ a row
#: One row of the buyers as the sequences read it: a buyer's fields at the row (a
#: group's: its first ``n`` stakeholders), made in the kernel (no allocation).
Row = namedtuple(
    "Row",
    ["n", "r", "k", "tailor", "revealed", "rival_edge", "urgency", "loss_term", "indecision",
     "rival", "chose_us", "rejections", "orbit", "stalls", "w_ours", "w_rival", "ea", "eb",
     "lam", "max_orbit", "last_progress"],
)  # fmt: skip


@structref.register
class _DrawsType(types.StructRef):
    def preprocess_fields(self, fields):
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


class RowDraws(structref.StructRefProxy):
    """Row ``i``'s counter-based stream (keys ``k0``, ``k1``, positions ``used``):
    ``random()`` takes its next uniform, as
    :meth:`simsales.model.array_draws.ArrayDraws.random_at` does."""

    def __new__(cls, k0, k1, used, i):
        return structref.StructRefProxy.__new__(cls, k0, k1, used, i)


structref.define_proxy(RowDraws, _DrawsType, ["k0", "k1", "used", "i"])


@overload_method(_DrawsType, "random")
def _random(d):
    def impl(d):
        u = uniform_at(d.k0[d.i], d.k1[d.i], d.used[d.i])
        d.used[d.i] += 1
        return u

    return impl


#: A behaviour's fields as the compiled sequences read them.
Params = namedtuple(
    "Params",
    ["alpha", "beta", "urgency_framing", "temperature", "decision_rule", "max_rejections",
     "max_stalls", "back_probability"],
)  # fmt: skip


def params(s: Buyers) -> Any:
    """The fields of the batch's behaviour that the compiled sequences read, as numba
    takes them: the same for every row (a field that differs between cells would be
    read per row, which the sequences do not yet do, so it is refused)."""
    per_cell = sorted(set(Params._fields) & set(s.per_cell))
    if per_cell:
        raise NotImplementedError(f"compiled sequences read {per_cell} once for the batch")
    b = s.b
    return Params(
        float(b.alpha), float(b.beta), bool(b.urgency_framing), float(b.temperature),
        str(b.decision_rule), int(b.max_rejections), int(b.max_stalls),
        float(b.back_probability),
    )  # fmt: skip


# ------------------------------------------------------------------ the kernels
#: The buyers' fields a :data:`Row` holds, in its order after ``n`` (``loss_term``, the
#: same for all, comes from :class:`~simsales.engine.array.buyers.Buyers`).
FIELDS = (
    "n", "r", "k", "tailor", "revealed", "rival_edge", "urgency", "indecision", "rival",
    "chose_us", "rejections", "orbit", "stalls", "w_ours", "w_rival", "ea", "eb", "lam",
    "max_orbit", "last_progress",
)  # fmt: skip


@jit
def row_at(i, loss_term, f):
    """Row ``i`` of the fields ``f`` (the arrays of :data:`FIELDS`, in order) as a
    :data:`Row` (a group's fields: its first ``n`` stakeholders)."""
    m = f[0][i]
    return Row(
        m, f[1][i], f[2][i], f[3][i], f[4][i], f[5][i], f[6][i], loss_term, f[7][i],
        f[8][i], f[9][i], f[10][i], f[11][i], f[12][i], f[13][i, :m], f[14][i, :m],
        f[15][i, :m], f[16][i, :m], f[17][i, :m], f[18][i], f[19][i],
    )  # fmt: skip


def fields(s: Buyers) -> tuple[np.ndarray, ...]:
    """The arrays of :data:`FIELDS` of ``s``."""
    return tuple(s.a[name] for name in FIELDS)


def _decide_kernel(key: str) -> Any:
    @jit
    def kernel(xp, p, rows, loss_term, f, k0, k1, used):
        out = np.empty(rows.size, dtype=np.int64)
        if key == "":  # the cache's key: never true, read so that the closure holds it
            return out
        draws = RowDraws(k0, k1, used, 0)
        for q in range(rows.size):
            i = rows[q]
            if i < 0 or i >= f[0].size or i >= used.size:
                raise IndexError("a row beyond the buyers' arrays")
            draws.i = i
            out[q], f[10][i], f[11][i], f[9][i], f[12][i] = sequences.decide(
                xp, row_at(i, loss_term, f), p, draws
            )  # the code; rejections, orbit, chose_us, stalls
        return out

    return kernel


_decide = _decide_kernel(SOURCES)


def decide_rows(s: Buyers, rows: Ints, draws: Any) -> Ints:
    """:func:`simsales.model.sequences.decide` of each of ``rows``, in order, on their
    fields and streams (the fields it changes written back)."""
    out: Ints = _decide(
        COMPILED, params(s), np.ascontiguousarray(rows), float(s.loss_term), fields(s),
        draws._k0, draws._k1, draws._used,
    )  # fmt: skip
    return out


def _move_kernel(key: str) -> Any:
    @jit
    def kernel(xp, p, rows, now, loss_term, f, k0, k1, used):
        if key == "":  # the cache's key: never true, read so that the closure holds it
            return
        draws = RowDraws(k0, k1, used, 0)
        for q in range(rows.size):
            i = rows[q]
            if i < 0 or i >= f[0].size or i >= used.size:
                raise IndexError("a row beyond the buyers' arrays")
            draws.i = i
            _, f[11][i], f[18][i], f[19][i] = sequences.move(
                xp, row_at(i, loss_term, f), p, draws, now[q]
            )  # the step; orbit, max_orbit, last_progress

    return kernel


_move = _move_kernel(SOURCES)


def move_rows(s: Buyers, rows: Ints, now: npt.NDArray[np.float64], draws: Any) -> None:
    """:func:`simsales.model.sequences.move` of each of ``rows`` at times ``now``, in
    order, on their fields and streams (the fields it changes written back)."""
    if len(now) != len(rows):
        raise ValueError(f"one time for each row: {len(now)} times for {len(rows)} rows")
    _move(
        COMPILED, params(s), np.ascontiguousarray(rows), np.ascontiguousarray(now),
        float(s.loss_term), fields(s), draws._k0, draws._k1, draws._used,
    )  # fmt: skip
