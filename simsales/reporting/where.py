"""The report's section "Where the claim holds", from a study's ``where/`` folder.

A study with ``[[claims]]`` and ``[where]`` has, beside its results at the
defaults, a run over the plausible range in ``where/`` and its analysis there
(``claims.json``, written by :meth:`simsales.analysis.where_claims.WhereFindings.save`).
The section states each claim's findings in words, as ``claims.json`` gives
them, with the plausible range and each claim's region chart. It is included
only if ``claims.json`` was computed from the where-run in ``where/`` and from
the results at the defaults beside it (else it says why it is left out).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simsales.reporting.document import Block, Image, Section, Table, num
from simsales.store.folder import WHERE, stale_files

__all__ = ["CLAIMS", "WhereReport", "read_where", "where_section"]

#: The analysis file the section is built from, in ``where/``.
CLAIMS = "claims.json"


@dataclass(frozen=True)
class WhereReport:
    """What the section shows: the analysis as stored, or why it is left out."""

    data: dict[str, Any] | None
    problem: str = ""
    pngs: dict[str, bytes] = field(default_factory=dict)


def read_where(directory: str | Path, results_id: str) -> WhereReport | None:
    """The stored analysis of ``directory/where/``, or None if there is none.

    Parameters
    ----------
    directory : path
        The study's results folder (the run at the defaults).
    results_id : str
        The id of the results at the defaults in it.
    """
    from simsales.store.results import ResultsError, load_results

    folder = Path(directory) / WHERE
    path = folder / CLAIMS
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("claims"), list):
            raise ValueError("not an object with a list 'claims'")
    except (OSError, ValueError) as e:
        return WhereReport(None, f"{WHERE}/{CLAIMS} cannot be read ({e})")
    try:
        where_id = load_results(folder).results_id
    except (ResultsError, OSError, ValueError) as e:
        return WhereReport(None, f"{WHERE}/ holds no readable results ({e})")
    stale = stale_files(folder, [CLAIMS], where_id)
    if stale:
        return WhereReport(None, f"{WHERE}/{CLAIMS}: {stale[CLAIMS]}")
    if data.get("defaults_source") != results_id:
        return WhereReport(
            None,
            f"{WHERE}/{CLAIMS} was computed with other results at the defaults than those in "
            "this folder; run `simsales where` on this folder again to include it",
        )
    pngs = {}
    for stem in data.get("charts") or []:
        png = folder / f"{stem}.png"
        if isinstance(stem, str) and png.is_file():
            pngs[f"{WHERE}/{stem}"] = png.read_bytes()
    return WhereReport(data, "", pngs)


def _range(dist: dict[str, Any]) -> str:
    kind = dist.get("dist", "?")
    args = ", ".join(f"{k} = {num(v)}" for k, v in dist.items() if k != "dist")
    return f"{kind}({args})"


def where_section(where: WhereReport | None) -> Section | None:
    """The section "Where the claim holds" (None without a where-run's analysis)."""
    if where is None:
        return None
    title, anchor = "Where the claim holds", "where"
    if where.data is None:
        return Section(title, anchor, [f"Left out: {where.problem}."])
    data = where.data
    claims = data["claims"]
    worlds = max((int(c.get("worlds") or 0) + int(c.get("undefined") or 0) for c in claims),
                 default=0)  # fmt: skip
    params = data.get("parameters") or {}
    blocks: list[Block] = [
        f"Besides the run at the defaults above, the study ran over the plausible range of "
        f"the parameters its claims depend on (the file's `[where]`): {worlds} plausible "
        "worlds, each drawing these parameters anew, every strategy meeting the same buyers "
        "in a world (a seed of its own, so the numbers above are unchanged). Files: `where/` "
        "(results, `claims.csv`, `claims_worlds.csv`, `claims_boxes.csv`, `claims.txt`).",
        Table(
            ["parameter", "plausible range (drawn per world)"],
            [[p, _range(d)] for p, d in params.items() if isinstance(d, dict)],
        ),
        "A claim holds in a world if its test holds on that world's paired values; the "
        "share of worlds has a 95% Wilson interval. The regions are PRIM boxes: density is "
        "the share of the box's worlds where the claim holds (or fails), coverage the share "
        "of all such worlds inside the box, and the box's worlds estimate the share of the "
        "plausible space it covers, under the ranges above.",
    ]
    for c in claims:
        for line in c.get("words") or []:
            blocks.append(str(line))
        stem = f"{WHERE}/claim_{c.get('claim')}_region"
        if stem in where.pngs:
            blocks.append(
                Image(
                    stem,
                    f"Claim {c.get('claim')} ({c.get('statement', '')}) in each plausible world "
                    "at its values of the parameters the PRIM boxes restrict: where it holds "
                    "(blue) and fails (orange), boxes dashed (holds) and dotted (fails).",
                )
            )
    return Section(title, anchor, blocks)
