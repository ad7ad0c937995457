"""Charts built but not rendered, where a test checks what a run writes.

Drawing a chart (its layout, its text, its PDF fonts) and writing it takes
about half a second a file, and a run writes two files a chart: most of the
test suite's time when every run renders its charts. So in the tests
``Figure.savefig`` writes a small blank image of the format asked for (to a
path or a file object), while everything up to it runs: the data are read,
the figure is built and its artists made.

The tests of how charts look are marked ``render`` (a module's
``pytestmark``, or one test) or build what they read within :func:`real`;
they draw and write for real, as do the commands tests start in a new
process. ``tests/conftest.py`` installs this for the test suite,
``tests/docs_blocks.py`` for the documentation's examples.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

#: ``Figure.savefig`` as matplotlib has it.
RENDER = Figure.savefig
#: Whether charts are rendered for real (set per test by tests/conftest.py).
rendering = False
_blank: dict[str, bytes] = {}


def savefig(self: Figure, fname: Any, *args: Any, **kwargs: Any) -> None:
    """``Figure.savefig``, or a blank image of the same format unless :data:`rendering`."""
    if rendering:
        RENDER(self, fname, *args, **kwargs)
        return
    path = isinstance(fname, str | os.PathLike)
    fmt = kwargs.get("format") or (Path(fname).suffix[1:] if path else "") or "png"
    if fmt not in _blank:
        buf = io.BytesIO()
        RENDER(Figure(figsize=(0.2, 0.2)), buf, format=fmt)
        _blank[fmt] = buf.getvalue()
    if path:
        Path(fname).write_bytes(_blank[fmt])
    else:
        fname.write(_blank[fmt])


def install() -> None:
    """Make ``Figure.savefig`` write blank images (until :data:`rendering` is set)."""
    global rendering
    rendering = False
    Figure.savefig = savefig  # type: ignore[method-assign]


@contextlib.contextmanager
def real() -> Iterator[None]:
    """Charts drawn and written for real within (a module's fixture, say)."""
    global rendering
    before, rendering = rendering, True
    try:
        yield
    finally:
        rendering = before
