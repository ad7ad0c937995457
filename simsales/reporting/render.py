"""Render a :class:`~simsales.reporting.document.Document` as Markdown or as HTML.

The Markdown refers to the charts as files beside it (PNG, with a link to
the PDF). In both, text is shown as written: names taken from the results
(experiment, strategies, parameters) are escaped, never read as markup. The
HTML is self-contained: its style sheet is inline and every chart is
embedded as a base64 ``data:`` URI, so the one file can be mailed or archived;
it links to nothing outside itself. The page's skeleton and its style sheet
are files, ``templates/page.html`` and ``templates/report.css`` (package data,
filled with :class:`string.Template`); the escaped body is made here.
"""

from __future__ import annotations

import base64
import html
import re
import struct
from collections.abc import Mapping
from importlib import resources
from string import Template

from simsales.plots.style import DPI
from simsales.reporting.document import Document, Image, Table

__all__ = ["png_size", "to_html", "to_markdown"]

_CODE = re.compile(r"`([^`]+)`")
#: A number with its interval, as :func:`~simsales.reporting.document.with_ci` writes it.
_WITH_CI = re.compile(r"^(\S+) (\[[^\]]+\])(?: (\(n = \d+\)))?$")
#: Tables with more columns than this are set in smaller type.
_WIDE = 10
#: Where a long name may break: after an underscore or a dot that a letter follows.
_BREAK = re.compile(r"([_.])(?=[A-Za-z])")
_PNG = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's IHDR chunk.

    Raises
    ------
    ValueError
        If ``data`` is not a PNG.
    """
    if data[:8] != _PNG or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


# ------------------------------------------------------------------ Markdown
#: Characters of plain text that Markdown would read as markup: a backslash, a
#: backtick outside a code span, emphasis (``*``; ``_`` only where it is not inside
#: a word, as in ``cost_per_win``), a table's ``|``, and link syntax (``](``, ``][``,
#: ``]:``: the second character is escaped).
_MD_MARKUP = re.compile(r"[\\`*|]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|(?<=\])[(\[:]")
#: ``&`` that would start an entity (``&lt;``), and a ``#`` or ``>`` that starts a line.
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MD_LINE_START = re.compile(r"^([#>])", re.MULTILINE)


def _md_plain(text: str) -> str:
    """Plain text for Markdown: shown as written, never read as markup or raw HTML."""
    text = _MD_ENTITY.sub("&amp;", text).replace("<", "&lt;")
    return _MD_LINE_START.sub(r"\\\1", _MD_MARKUP.sub(r"\\\g<0>", text))


def _md_code(content: str, cell: bool) -> str:
    """A code span; one holding ``<`` or ``&`` as inline HTML, escaped (a Markdown
    code span would show them right, but the file would carry them raw)."""
    if "<" in content or "&" in content:
        return f"<code>{html.escape(content)}</code>".replace("|", "&#124;")
    return f"`{content.replace('|', chr(92) + '|')}`" if cell else f"`{content}`"


def _md_text(text: str, cell: bool = False) -> str:
    """A paragraph (or a table ``cell``) for Markdown: code spans (between backticks)
    kept, the rest escaped (:func:`_md_plain`), so names read as they are, as in the
    HTML."""
    out, end = [], 0
    for found in _CODE.finditer(text):
        out += [_md_plain(text[end : found.start()]), _md_code(found.group(1), cell)]
        end = found.end()
    out.append(_md_plain(text[end:]))
    return "".join(out)


def _md_table(t: Table) -> list[str]:
    lines = ["| " + " | ".join(_md_text(h, cell=True) for h in t.header) + " |"]
    lines.append(
        "|" + "|".join("---:" if k in t.numeric else "---" for k in range(len(t.header))) + "|"
    )
    lines += ["| " + " | ".join(_md_text(c, cell=True) for c in row) + " |" for row in t.rows]
    return lines


def to_markdown(doc: Document) -> str:
    """The report as Markdown; figures are ``STEM.png`` beside the file."""
    lines = [f"# {_md_text(doc.title)}", "", _md_text(doc.intro), ""]
    lines += [
        f"{k}. [{_md_text(s.title)}](#{s.anchor})" for k, s in enumerate(doc.sections, start=1)
    ]
    lines.append("")
    number = 0
    for s in doc.sections:
        lines += [f'<a id="{s.anchor}"></a>', "", f"## {_md_text(s.title)}", ""]
        for b in s.blocks:
            if isinstance(b, Table):
                lines += [*_md_table(b), ""]
            elif isinstance(b, Image):
                number += 1
                caption = _md_text(b.caption)
                lines += [
                    f"![Figure {number}. {caption}]({b.stem}.png)",
                    "",
                    f"**Figure {number}.** {caption} (vector: [{b.stem}.pdf]({b.stem}.pdf))",
                    "",
                ]
            else:
                lines += [_md_text(b), ""]
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------------- HTML
def _template(name: str) -> Template:
    """A file of ``simsales/reporting/templates/`` (package data) as a ``string.Template``."""
    text = resources.files("simsales.reporting").joinpath("templates", name).read_text("utf-8")
    return Template(text)


def _html_text(text: str) -> str:
    return _CODE.sub(r"<code>\1</code>", html.escape(text))


def _breakable(text: str) -> str:
    """Escaped text that may wrap inside long names (``decision_coaching_transaction``,
    ``population.urgency.value``), so a narrow column need not scroll sideways."""
    return _BREAK.sub(r"\1<wbr>", html.escape(text))


def _html_cell(text: str, numeric: bool) -> str:
    """A table cell; a number with its interval may put the interval on a second line
    when the column is narrow (each part stays whole)."""
    if not numeric:
        return f"<td>{_breakable(text)}</td>"
    found = _WITH_CI.match(text)
    if found is None:
        return f'<td class="n">{html.escape(text)}</td>'
    mean, interval, over = (html.escape(g) if g else "" for g in found.groups())
    if over:  # a mean over fewer replications: (n = k) follows the interval, or goes under it
        ci = f'<span class="ci nk"><span>{interval}</span> <span>{over}</span></span>'
    else:
        ci = f'<span class="ci">{interval}</span>'
    parts = f'<span class="m">{mean}</span> {ci}'
    return f'<td class="n ci2">{parts}</td>'


def _html_table(t: Table) -> str:
    def cls(k: int) -> str:
        return ' class="n"' if k in t.numeric else ""

    head = "".join(f"<th{cls(k)}>{_breakable(h)}</th>" for k, h in enumerate(t.header))
    body = "".join(
        "<tr>" + "".join(_html_cell(c, k in t.numeric) for k, c in enumerate(row)) + "</tr>"
        for row in t.rows
    )
    # a table of many columns (a sweep's summary) gets a smaller type to fit the page
    wide = ' class="wide"' if len(t.header) > _WIDE else ""
    table = f"<table{wide}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def _html_figure(img: Image, number: int, png: bytes) -> str:
    width, height = png_size(png)
    # shown at the size it was drawn: pixels / DPI inches at 96 CSS px per inch
    w, h = round(width * 96 / DPI), round(height * 96 / DPI)
    data = base64.b64encode(png).decode("ascii")
    caption = html.escape(img.caption)
    stem = html.escape(img.stem)
    return (
        f'<figure id="fig-{stem}"><img src="data:image/png;base64,{data}" '
        f'width="{w}" height="{h}" alt="Figure {number}. {caption}">'
        f"<figcaption><b>Figure {number}.</b> {caption} "
        f'<span class="file">(files <code>{stem}.png</code>, <code>{stem}.pdf</code>)</span>'
        "</figcaption></figure>"
    )


def to_html(doc: Document, pngs: Mapping[str, bytes]) -> str:
    """The report as one self-contained HTML page.

    Parameters
    ----------
    doc : Document
        The report.
    pngs : mapping
        PNG bytes of every figure, by file stem.
    """
    parts: list[str] = []
    number = 0
    for s in doc.sections:
        parts.append(f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>')
        for b in s.blocks:
            if isinstance(b, Table):
                parts.append(_html_table(b))
            elif isinstance(b, Image):
                number += 1
                parts.append(_html_figure(b, number, pngs[b.stem]))
            else:
                parts.append(f"<p>{_html_text(b)}</p>")
        parts.append("</section>")
    return _template("page.html").substitute(
        title=html.escape(doc.title),
        css=_template("report.css").template.strip(),
        intro=_html_text(doc.intro),
        contents="\n".join(
            f'<li><a href="#{s.anchor}">{html.escape(s.title)}</a></li>' for s in doc.sections
        ),
        sections="\n".join(parts),
    )
