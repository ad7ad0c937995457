"""How each strategy looks in every chart: colour, line dash and marker.

This module needs no plotting library, so that an experiment's ``style`` is
checked at validation without loading matplotlib; :mod:`simsales.plots.style`
re-exports its names.

One look per strategy
---------------------
A strategy has one :class:`Style` -- colour, line dash, marker -- in every
chart of a project, whatever the order of the strategies in the file; lines
always use its dash and points always its marker, so no chart relies on
colour alone. :func:`strategy_style` is the rule:

- the five built-ins have fixed looks: ``push`` vermillion, solid, circle;
  ``relationship`` orange, dashed, square; ``need_uncovering`` bluish green,
  dash-dot, triangle; ``insight`` blue, solid, diamond; ``decision_coaching``
  reddish purple, dotted, downward triangle;
- a *variant* of a built-in -- a name that starts with the built-in's name and
  ``_`` (``insight_full_orbit``), or a ``[[strategies]]`` entry whose
  ``strategy`` is the built-in -- takes the built-in's colour with a dash *and*
  a marker both different from the built-in's;
- any other name takes one of the colours the built-ins leave free (sky blue,
  black, grey; yellow is left out, as thin lines and light fills of it vanish on
  white) and a dash and marker, all chosen by a SHA-256 hash of the name, so
  the choice is the same in every process and on every machine (Python's own
  ``hash()`` of a string changes from run to run);
- a ``style = {colour, line, marker}`` on a ``[[strategies]]`` entry overrides
  any of the three.

Within one set of strategies (every chart of one experiment uses the
experiment's whole set, from its manifest), :func:`strategy_styles` makes the
looks distinct: strategies are settled in a fixed order -- fully set styles,
then built-ins, then the other names alphabetically (so never the file's
order). A name that is neither a built-in nor a variant takes another of the
free colours if its own is already taken and one is left; otherwise a
strategy whose look is taken moves to the next candidate of its own
hash-ordered list (its colour kept, other dash and marker). Two strategies of
one colour differ in dash and in marker while the four dashes last; two
strategies never share colour, dash and marker.

"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BUILTIN_STYLES",
    "DASHES",
    "DASH_NAMES",
    "MARKERS",
    "OTHER_COLOURS",
    "Style",
    "config_styles",
    "line_code",
    "strategy_style",
    "strategy_styles",
    "styles_for",
    "variant_of",
]

#: Marker shapes, so categories differ in shape as well as colour (filled ones only:
#: every scatter is drawn without edges).
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "p", "h"]


@dataclass(frozen=True)
class Style:
    """How one strategy looks: colour (hex), line dash and marker (matplotlib codes)."""

    colour: str
    line: str
    marker: str


#: The line dashes a strategy may have: matplotlib's named dash styles, as codes.
DASHES = ("-", "--", "-.", ":")
#: Names of those dashes (also accepted in an experiment's ``style``), by code.
DASH_NAMES = {"-": "solid", "--": "dashed", "-.": "dashdot", ":": "dotted"}
#: Fixed looks of the built-in strategies (Okabe-Ito colours).
BUILTIN_STYLES = {
    "push": Style("#D55E00", "-", "o"),
    "relationship": Style("#E69F00", "--", "s"),
    "need_uncovering": Style("#009E73", "-.", "^"),
    "insight": Style("#0072B2", "-", "D"),
    "decision_coaching": Style("#CC79A7", ":", "v"),
}
#: Colours of strategies that are neither built-ins nor their variants.
OTHER_COLOURS = ("#56B4E9", "#000000", "#999999")
#: Every (dash, marker) pair, the candidates of the hash rule.
_PAIRS = [(d, m) for m in MARKERS for d in DASHES]


def line_code(line: str) -> str:
    """A dash's code (``"--"``) from its code or name (``"dashed"``).

    Raises
    ------
    ValueError
        If ``line`` is neither.
    """
    names = {v: k for k, v in DASH_NAMES.items()}
    code = names.get(line, line)
    if code not in DASH_NAMES:
        allowed = ", ".join(f"{c!r} ({n})" for c, n in DASH_NAMES.items())
        raise ValueError(f"line {line!r} is not a dash style; allowed: {allowed}")
    return code


def _digest(name: str) -> int:
    """A stable number from ``name`` (SHA-256; the same in every process)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


def variant_of(name: str, base: str | None = None) -> str | None:
    """The built-in strategy ``name`` is a variant of, or None.

    ``base`` (the registered strategy an experiment runs under ``name``) wins
    when it is a built-in; else the longest built-in name that ``name`` starts
    with, followed by ``_``.
    """
    if name in BUILTIN_STYLES:
        return None
    if base in BUILTIN_STYLES:
        return base
    found = [b for b in BUILTIN_STYLES if name.startswith(b + "_")]
    return max(found, key=len) if found else None


def _candidates(name: str, base: str | None = None) -> list[Style]:
    """Looks for ``name`` in order of preference: its rule's look first, then the
    other dash and marker pairs of its colour (from its hash), then other colours."""
    if name in BUILTIN_STYLES:
        own = BUILTIN_STYLES[name]
        pairs = [(own.line, own.marker)] + [p for p in _PAIRS if p != (own.line, own.marker)]
        colours = [own.colour, *OTHER_COLOURS]
    else:
        h = _digest(name)
        parent = variant_of(name, base)
        if parent is not None:
            root = BUILTIN_STYLES[parent]
            colours = [root.colour, *OTHER_COLOURS]
            apart = [p for p in _PAIRS if p[0] != root.line and p[1] != root.marker]
            k = h % len(apart)
            pairs = apart[k:] + apart[:k] + [p for p in _PAIRS if p not in apart]
        else:
            c = h % len(OTHER_COLOURS)
            colours = [*OTHER_COLOURS[c:], *OTHER_COLOURS[:c]]
            k = (h // len(OTHER_COLOURS)) % len(_PAIRS)
            pairs = _PAIRS[k:] + _PAIRS[:k]
    return [Style(c, d, m) for c in colours for d, m in pairs]


def strategy_style(name: str, base: str | None = None) -> Style:
    """The look of strategy ``name`` by the rule of this module's docstring.

    Parameters
    ----------
    name : str
        The strategy's label.
    base : str, optional
        The registered strategy it runs (``strategy`` of its ``[[strategies]]``
        entry), if any: a built-in makes ``name`` its variant.

    Examples
    --------
    >>> strategy_style("insight")
    Style(colour='#0072B2', line='-', marker='D')
    >>> strategy_style("insight_full_orbit").colour == strategy_style("insight").colour
    True
    """
    return _candidates(name, base)[0]


def strategy_styles(
    names: Iterable[str],
    *,
    bases: Mapping[str, str | None] | None = None,
    fixed: Mapping[str, Mapping[str, str | None]] | None = None,
) -> dict[str, Style]:
    """A distinct look for each of ``names`` (the collision rule of this module).

    Parameters
    ----------
    names : iterable of str
        The strategies shown together (an experiment's whole set, so that every
        chart of it agrees).
    bases : mapping, optional
        ``{name: registered strategy}``, see :func:`strategy_style`.
    fixed : mapping, optional
        ``{name: {"colour": ..., "line": ..., "marker": ...}}``: parts of a look
        set by the experiment (missing or None parts follow the rule).

    Returns
    -------
    dict
        ``{name: Style}`` in the order of ``names``.

    Raises
    ------
    ValueError
        If two strategies are set to the same colour, dash and marker.
    """
    order = list(dict.fromkeys(names))
    bases, fixed = bases or {}, fixed or {}
    own = {n: {k: v for k, v in (fixed.get(n) or {}).items() if v is not None} for n in order}
    for o in own.values():
        if "line" in o:
            o["line"] = line_code(o["line"])
    complete = [n for n in order if len(own[n]) == 3]
    builtin = [n for n in order if n in BUILTIN_STYLES and n not in complete]
    rest = sorted(n for n in order if n not in complete and n not in builtin)
    out: dict[str, Style] = {}
    for n in [*complete, *builtin, *rest]:
        options = [
            Style(**{**{"colour": s.colour, "line": s.line, "marker": s.marker}, **own[n]})
            for s in _candidates(n, bases.get(n))
        ]
        options = list(dict.fromkeys(options))
        taken = list(out.values())
        # a name of neither kind takes a free colour no one else has, if one is left
        unrelated = n not in BUILTIN_STYLES and variant_of(n, bases.get(n)) is None
        fresh = [s for s in options if all(t.colour != s.colour for t in taken)]
        apart = [
            s for s in options
            if all(t.colour != s.colour or (t.line != s.line and t.marker != s.marker)
                   for t in taken)
        ]  # fmt: skip
        free = (fresh if unrelated and "colour" not in own[n] else []) or apart
        free = free or [s for s in options if s not in taken]
        if not free:
            other = next(t for t, s in out.items() if s == options[0])
            raise ValueError(
                f"strategies {other!r} and {n!r} have the same colour, line and marker; "
                "give one of them another style"
            )
        out[n] = free[0]
    return {n: out[n] for n in order}


def styles_for(names: Sequence[str], styles: Mapping[str, Style] | None = None) -> dict[str, Style]:
    """The looks of ``names`` in a chart: those of ``styles`` (an experiment's, from
    :func:`config_styles`), the others by :func:`strategy_styles` around them."""
    styles = styles or {}
    if all(n in styles for n in names):
        return {n: styles[n] for n in names}
    given = {
        n: {"colour": s.colour, "line": s.line, "marker": s.marker}
        for n, s in styles.items()
        if n in names
    }
    return strategy_styles(names, fixed=given)


def config_styles(strategies: Iterable[Mapping[str, Any]]) -> dict[str, Style]:
    """The looks of an experiment's strategies, from its ``[[strategies]]`` entries as the
    file writes them (``name``, optional ``strategy`` and ``style``)."""
    specs = list(strategies)
    names = [str(s["name"]) for s in specs]
    bases = {str(s["name"]): s.get("strategy") for s in specs}
    fixed = {str(s["name"]): dict(s.get("style") or {}) for s in specs}
    return strategy_styles(names, bases=bases, fixed=fixed)
