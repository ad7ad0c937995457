"""Compiled kernels: :func:`jit`, numba's nopython compiler as simsales uses it.

The array engine's parts that are loops over many rows, one row at a time (the
counter-based streams' block function, a stream's uniforms at its own positions,
the teams' first-come-first-served booking) are compiled by numba
(https://numba.pydata.org) from their Python source, rather than written as
chains of numpy calls. A kernel is compiled when it is first called, and cached on
disk (beside the module, or in numba's cache folder where that is not writable), so
later processes load it in milliseconds.

The cache knows a kernel's own source file and code, not the files of the kernels
it calls, nor the options below. So a kernel calls only kernels of its own module,
except those of :mod:`simsales.engine.array.compiled_rules`, which close over a hash
of every module they compile from (this one included): editing one compiles them
again. After changing the options of :func:`jit`, delete the cached files (the
``*.nbi`` and ``*.nbc`` files in the package's ``__pycache__`` folders).

Setting the environment variable ``NUMBA_DISABLE_JIT=1`` runs the kernels of
:mod:`simsales.counter_streams` and :mod:`simsales.engine.team_blocks` as the plain
Python they are written in (the same numbers, much slower), for a debugger or a
coverage tool; the array engine's compiled sequences
(:mod:`simsales.engine.array.compiled_rules`) need the compiler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

__all__ = ["jit"]

F = TypeVar("F", bound=Callable[..., Any])


def jit(function: F) -> F:
    """``function`` compiled in numba's nopython mode, cached on disk.

    The kernel keeps IEEE arithmetic (no ``fastmath``: no reordering, so a sum is
    summed in the order written) and Python's error model (a division by zero
    raises).
    """
    return cast(F, numba.njit(cache=True, nogil=True)(function))
