"""A study's claims over its run at the defaults and over the plausible range, and the
files that say so (``claims.csv``, ``claims.json``, ``claims.txt``...).

:func:`where_claims` reads the where-run (``RESULTS/where/``) and the run at the
defaults, judges each claim in both (:mod:`simsales.analysis.claims`) and gives
:class:`WhereFindings`, which writes the claims' files; the region charts are
drawn by :func:`simsales.plots.claims.save_region_charts`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simsales.analysis.claims import CLAIM_COLUMNS, ClaimFinding, claim_values, judge_claims
from simsales.analysis.paired import paired_differences
from simsales.analysis.summary import mean_ci
from simsales.analysis.tables import swept_parameters
from simsales.experiment.claim_specs import Claim
from simsales.store.files import atomic_write
from simsales.store.folder import WHERE, stamp
from simsales.store.record import MANIFEST
from simsales.store.results import Results, load_results

__all__ = ["FILES", "WhereFindings", "at_defaults", "where_claims"]

#: The files :meth:`WhereFindings.save` writes.
FILES = ("claims.csv", "claims_worlds.csv", "claims_boxes.csv", "claims.json", "claims.txt")


def at_defaults(results: Results, claim: Claim, level: float = 0.95) -> pd.DataFrame:
    """The claim at the defaults: the paired estimate, its interval and a verdict.

    Returns
    -------
    DataFrame
        One row (per design point for a sweep: leading ``point`` and the swept
        values): ``estimate, ci_low, ci_high`` (mean of ``a - b``, or of ``a``
        without ``b``, with its
        Student-t interval, or ``mean(a) / mean(b)`` with its paired BCa
        bootstrap interval), ``n``, ``share`` of replications where it holds,
        and ``verdict``: ``holds`` if the interval lies wholly on the claimed
        side of the threshold, ``fails`` if wholly on the other, else
        ``undecided`` (also when the interval is undefined).
    """

    reps = results.replications
    rows = []
    by_point = "point" in reps.columns
    parts = reps.groupby("point", sort=True) if by_point else [(None, reps)]
    swept = swept_parameters(results) if by_point else []
    for point, part in parts:
        row: dict[str, Any] = {}
        if by_point:
            row["point"] = int(str(point))
            row.update({p: part[p].iloc[0] for p in swept})
        judged = claim_values(part, claim)
        ok = judged["holds"].notna().to_numpy()
        if claim.kind == "difference" or claim.b is None:
            est, lo, hi, n = mean_ci(judged["value"].to_numpy(dtype=float), level)
        else:
            pd_row = paired_differences(
                part.drop(columns=["point"], errors="ignore"), [(claim.a, claim.b)],
                [claim.metric], level=level,
            ).iloc[0]  # fmt: skip
            rel = ("rel_change", "rel_ci_low", "rel_ci_high")
            est, lo, hi = (1 + float(pd_row[c]) for c in rel)
            n = int(pd_row["n"])
        row.update(estimate=est, ci_low=lo, ci_high=hi, n=n)
        row["share"] = float(judged["holds"][ok].astype(bool).mean()) if ok.any() else math.nan
        row["verdict"] = _verdict(claim, lo, hi)
        rows.append(row)
    return pd.DataFrame(rows)


def _verdict(claim: Claim, lo: float, hi: float) -> str:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return "undecided"
    t = claim.threshold
    above, below = lo > t, hi < t
    if claim.holds_if == "above":
        return "holds" if above else "fails" if below else "undecided"
    return "holds" if below else "fails" if above else "undecided"


@dataclass(frozen=True)
class WhereFindings:
    """Every claim of a study, at the defaults and over the plausible range.

    Attributes
    ----------
    findings : list of ClaimFinding
    source : str
        Results id of the where-run analysed.
    defaults_source : str
        Results id of the run at the defaults ("" if none was given).
    parameters : dict
        ``{key path: distribution}`` of the plausible range, as in the file.
    """

    findings: list[ClaimFinding]
    source: str
    defaults_source: str
    parameters: dict[str, Any]

    def words(self) -> list[str]:
        """Every finding in plain words."""
        lines = []
        for f in self.findings:
            lines += [*f.words(), ""]
        return lines[:-1]

    def save(self, directory: str | Path, charts: Sequence[str] = ()) -> None:
        """Write ``claims.csv``, ``claims_worlds.csv``, ``claims_boxes.csv``,
        ``claims.json`` and ``claims.txt`` into the where-run's folder; ``charts``
        are the stems of the region charts written beside them
        (:func:`simsales.plots.claims.save_region_charts`), listed in ``claims.json``."""
        out = Path(directory)
        table = pd.DataFrame([f.row() for f in self.findings], columns=CLAIM_COLUMNS)
        worlds = self._worlds()
        boxes = pd.DataFrame(
            [(f.number, side, p, lo, hi, p in box.restricted)
             for f in self.findings
             for side, region in f.regions().items()
             for box in [f.holds_box if side == "holds" else f.fails_box] if box is not None
             for p, (lo, hi) in region.items()],
            columns=["claim", "region", "parameter", "low", "high", "restricted"],
        )  # fmt: skip
        stems = list(charts)
        record = {
            "source": self.source,
            "defaults_source": self.defaults_source,
            "parameters": self.parameters,
            "charts": stems,
            "claims": [
                {**_json_ready(f.row()), "words": f.words(), "statement": f.claim.statement(),
                 "defaults": _json_ready_rows(f.defaults)}
                for f in self.findings
            ],
        }  # fmt: skip
        text = "\n".join(self.words()) + "\n"
        blob = json.dumps(record, indent=2, allow_nan=False) + "\n"
        files = (
            ("claims.csv", lambda p: table.to_csv(p, index=False)),
            ("claims_worlds.csv", lambda p: worlds.to_csv(p, index=False)),
            ("claims_boxes.csv", lambda p: boxes.to_csv(p, index=False)),
            ("claims.json", lambda p: p.write_text(blob, encoding="utf-8")),
            ("claims.txt", lambda p: p.write_text(text, encoding="utf-8")),
        )
        for name, write in files:
            atomic_write(out / name, write)
        stamp(out, [name for name, _ in files], self.source)

    def _worlds(self) -> pd.DataFrame:
        if not self.findings:
            return pd.DataFrame()
        first = self.findings[0]
        frame = first.worlds[["replication", *first.parameters]].copy()
        for f in self.findings:
            frame[f"claim_{f.number}_value"] = f.worlds["value"].to_numpy()
            frame[f"claim_{f.number}_holds"] = f.worlds["holds"].to_numpy()
        return frame


def _json_ready(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else _plain(v))
        for k, v in row.items()
    }


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _json_ready_rows(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None:
        return []
    return [_json_ready({str(k): v for k, v in r.items()}) for r in frame.to_dict("records")]


def where_claims(
    results: Results | str | Path,
    defaults: Results | str | Path | None = None,
    *,
    alpha: float = 0.05,
    min_support: float = 0.05,
) -> WhereFindings:
    """Where each claim of a study holds, from its stored results.

    Parameters
    ----------
    results : Results, or path of a results folder
        The study's run at the defaults (its folder holds ``where/``), or the
        where-run itself when ``defaults`` is given or not wanted.
    defaults : Results or path, optional
        The run at the defaults, if ``results`` is the where-run.
    alpha, min_support : float
        PRIM's peeling share and smallest box (share of worlds).

    Returns
    -------
    WhereFindings

    Raises
    ------
    ValueError
        If the experiment states no claims or has no ``[where]``.
    ResultsError
        If a folder holds no readable results.

    Examples
    --------
    >>> from simsales.analysis.where_claims import where_claims
    >>> found = where_claims("results/need_uncovering")  # doctest: +SKIP
    >>> print("\\n".join(found.words()))  # doctest: +SKIP
    """
    first = results if isinstance(results, Results) else load_results(results)
    if defaults is None and not isinstance(results, Results):
        folder = Path(results) / WHERE
        if (folder / MANIFEST).is_file():
            defaults, first = first, load_results(folder)
    base = None
    if defaults is not None:
        base = defaults if isinstance(defaults, Results) else load_results(defaults)
    study = first.record.config
    if not study.claims or not study.uncertain:
        raise ValueError(
            f"results of {study.name!r} are not those of a run over the plausible range with "
            "claims: add [[claims]] and [where] to its file, run it, and give its where/ "
            "folder (docs/studies.md)"
        )
    params = sorted(study.uncertain)
    found = judge_claims(
        first.replications, params, list(study.claims), alpha=alpha, min_support=min_support
    )
    if base is not None:
        found = [
            ClaimFinding(f.claim, f.number, f.worlds, f.holds_box, f.fails_box,
                         at_defaults(base, f.claim))
            for f in found
        ]  # fmt: skip
    return WhereFindings(
        found,
        first.results_id,
        base.results_id if base is not None else "",
        {p: d.model_dump(mode="json") for p, d in study.uncertain.items()},
    )
