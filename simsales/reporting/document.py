"""A report as plain data: sections of paragraphs, tables and figures.

Built once, then rendered to Markdown and to HTML by
:mod:`simsales.reporting.render`, so both say the same. Paragraph text may
mark code with backticks; nothing else is interpreted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "Block", "Document", "Image", "Section", "Table", "decimals_for", "num", "row_numbers",
    "shared_decimals", "with_ci",
]  # fmt: skip


@dataclass(frozen=True)
class Table:
    """A table of text cells; ``numeric`` columns are right-aligned."""

    header: list[str]
    rows: list[list[str]]
    numeric: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Image:
    """A chart: its file stem in the results folder and its one-line caption."""

    stem: str
    caption: str


Block = str | Table | Image


@dataclass
class Section:
    """A titled part of the report."""

    title: str
    anchor: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Document:
    """The whole report."""

    title: str
    intro: str
    sections: list[Section]

    def images(self) -> list[Image]:
        """Every figure, in order of appearance."""
        return [b for s in self.sections for b in s.blocks if isinstance(b, Image)]


def num(
    value: object, scale: float = 1.0, signed: bool = False, decimals: int | None = None
) -> str:
    """A number for a table, "–" if undefined.

    With ``decimals``, fixed-point; otherwise four significant digits (whole
    numbers from 10,000 on). Thousands are separated either way (1,078 and 3,735
    side by side, not 1,078 and 3735).
    """
    if not isinstance(value, int | float) or not math.isfinite(value):
        return "–"
    v = float(value) * scale
    sign = "+" if signed else ""
    if decimals is not None:
        return f"{v:{sign},.{decimals}f}"
    if abs(v) >= 10_000:
        return f"{v:{sign},.0f}"
    return f"{v:{sign},.4g}"


def decimals_for(half_width: float) -> int | None:
    """Decimals that show two significant digits of an interval's half-width
    (None when the half-width is zero or undefined)."""
    if not math.isfinite(half_width) or half_width <= 0:
        return None
    return int(min(6, max(0, 1 - math.floor(math.log10(half_width)))))


def shared_decimals(values: Iterable[object], scale: float = 1.0, digits: int = 4) -> int | None:
    """Decimals that show ``digits`` significant digits of the largest of ``values``
    (after ``scale``), so numbers side by side share one precision; None when none is
    finite and non-zero."""
    finite = [
        abs(float(v) * scale) for v in values if isinstance(v, int | float) and math.isfinite(v)
    ]
    largest = max(finite, default=0.0)
    if largest == 0:
        return None
    return int(min(6, max(0, digits - 1 - math.floor(math.log10(largest)))))


def row_numbers(values: list[object], scale: float = 1.0) -> list[str]:
    """Numbers to be read side by side (a table row): one number of decimals for all,
    four significant digits of the largest; an exact zero is "0", undefined "–"."""
    d = shared_decimals(values, scale)
    return [
        "0" if isinstance(v, int | float) and v == 0 else num(v, scale, decimals=d) for v in values
    ]


def with_ci(
    mean: object, low: object, high: object, scale: float = 1.0, signed: bool = False
) -> str:
    """``mean [low, high]``, all to the precision of the interval; the mean alone
    (four significant digits) when the interval is undefined."""
    if not isinstance(mean, int | float) or not math.isfinite(mean):
        return "–"
    if not (
        isinstance(low, int | float)
        and isinstance(high, int | float)
        and math.isfinite(low)
        and math.isfinite(high)
    ):
        return num(mean, scale, signed)
    d = decimals_for((float(high) - float(low)) * scale / 2)
    return (
        f"{num(mean, scale, signed, d)} [{num(low, scale, signed, d)}, "
        f"{num(high, scale, signed, d)}]"
    )
