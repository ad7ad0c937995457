"""Where does a study's claim hold? Claims judged world by world, and PRIM boxes.

A study states its claims in its file (``[[claims]]``: ``a - b`` or ``a / b``
of one metric above or below a threshold, or without ``b`` strategy ``a``'s
metric itself, :class:`simsales.experiment.config.Claim`)
and the plausible range of the parameters they depend on (``[where]``). Its
run over that range (``RESULTS/where/``) draws those parameters anew for each
replication, so each replication is one plausible world, in which every
strategy meets the same buyers: the claim is judged there on the paired values.

Per claim this module reports

- **at the defaults**: the mean of ``a - b`` (Student-t interval) or of
  ``mean(a) / mean(b)`` (paired BCa bootstrap interval) from the run at the
  defaults, per design point for a sweep, and a verdict: *holds* if the whole
  interval is on the claimed side of the threshold, *fails* if it is on the
  other side, *undecided* otherwise;
- **over the plausible range**: the share of worlds where it holds, with a
  Wilson interval (``scipy.stats.binomtest``); the PRIM box
  (:func:`simsales.analysis.prim.prim`) where it holds, and the one where it
  fails, each in words with its density (share of the box's worlds where it
  holds, or fails), its coverage (share of all such worlds that the box holds)
  and its support, the share of the plausible space it covers, with a Wilson
  interval. The worlds are drawn from the plausible distributions, so the
  share of worlds inside a box estimates the probability of the box under
  them (Bryant & Lempert 2010).

A world where the metric is undefined for ``a`` or ``b`` (no win, say), or a
ratio whose ``b`` is 0, decides nothing: it is left out and counted apart.

References
----------
Bryant, B. P. and Lempert, R. J. (2010). Thinking inside the box: a
participatory, computer-assisted approach to scenario discovery.
Technological Forecasting and Social Change 77(1), 34-49.

Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. Journal of the American Statistical Association
22(158), 209-212.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simsales.analysis.distribution import wilson_interval
from simsales.analysis.paired import paired_differences
from simsales.analysis.prim import Box, prim
from simsales.analysis.summary import mean_ci
from simsales.experiment.config import Claim
from simsales.experiment.files import atomic_write
from simsales.experiment.folder import stamp
from simsales.experiment.results import Results, load_results
from simsales.experiment.where import WHERE
from simsales.store.record import MANIFEST

__all__ = [
    "CLAIM_COLUMNS",
    "ClaimFinding",
    "WhereFindings",
    "at_defaults",
    "claim_values",
    "judge_claims",
    "share_interval",
    "where_claims",
]

#: Columns of ``claims.csv``, one row per claim.
CLAIM_COLUMNS = [
    "claim", "text", "test", "defaults_verdict", "worlds", "holds", "undefined", "share",
    "share_ci_low", "share_ci_high", "holds_rule", "holds_density", "holds_coverage",
    "holds_support", "holds_support_ci_low", "holds_support_ci_high", "fails_rule",
    "fails_density", "fails_coverage", "fails_support",
]  # fmt: skip
#: Fewest worlds where the claim holds (and fails) for a PRIM box.
MIN_WORLDS = 5
#: Files this analysis writes into the where-run's folder (charts besides).
FILES = ("claims.csv", "claims_worlds.csv", "claims_boxes.csv", "claims.json", "claims.txt")


def claim_values(replications: pd.DataFrame, claim: Claim) -> pd.DataFrame:
    """The claim judged in each replication (one world), from a replications table.

    Parameters
    ----------
    replications : DataFrame
        One row per replication × strategy (× design point ``point``).
    claim : Claim
        The claim.

    Returns
    -------
    DataFrame
        One row per replication (and point): ``replication`` (``point``),
        ``value`` (``a - b``, ``a / b``, or ``a`` without ``b``; NaN where undefined)
        and ``holds``
        (a nullable boolean: NA where the value is undefined).
    """
    keys = ["point", "replication"] if "point" in replications.columns else ["replication"]
    for name in (claim.a, claim.b):
        if name is not None and name not in set(replications["strategy"].astype(str)):
            raise ValueError(f"the results have no strategy {name!r}")
    if claim.metric not in replications.columns:
        raise ValueError(f"the results have no metric {claim.metric!r}")
    wide = replications.pivot_table(
        index=keys, columns="strategy", values=claim.metric, dropna=False, aggfunc="first"
    )
    a = wide[claim.a].to_numpy(dtype=float)
    if claim.b is None:
        value = a
    else:
        b = wide[claim.b].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = a - b if claim.kind == "difference" else np.where(b != 0, a / b, np.nan)
    value = np.where(np.isfinite(value), value, np.nan)
    side = value > claim.threshold if claim.holds_if == "above" else value < claim.threshold
    holds = pd.array(side, dtype="boolean")
    holds[np.isnan(value)] = pd.NA
    out = wide.index.to_frame(index=False)
    out["value"] = value
    out["holds"] = holds
    return out


def share_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float, float]:
    """Share ``k / n`` and its Wilson interval
    (:func:`~simsales.analysis.distribution.wilson_interval`); NaN if n is 0.

    Examples
    --------
    >>> share, low, high = share_interval(30, 40)
    >>> round(share, 2), round(low, 3), round(high, 3)
    (0.75, 0.598, 0.858)
    """
    if n == 0:
        return math.nan, math.nan, math.nan
    low, high = wilson_interval(k, n, level)
    return k / n, low, high


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
    from simsales.experiment.figures import swept_parameters

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
class ClaimFinding:
    """Where one claim holds over the plausible range.

    Attributes
    ----------
    claim : Claim
    number : int
        The claim's number in the file, from 1.
    worlds : DataFrame
        One row per world: ``replication``, the plausible-range parameters,
        ``value`` and ``holds`` (NA where undefined).
    holds_box, fails_box : Box or None
        PRIM boxes where the claim holds, and where it fails (None when it
        holds, or fails, in fewer than :data:`MIN_WORLDS` worlds, or in all).
    defaults : DataFrame or None
        :func:`at_defaults` on the run at the defaults.
    """

    claim: Claim
    number: int
    worlds: pd.DataFrame
    holds_box: Box | None
    fails_box: Box | None
    defaults: pd.DataFrame | None = None

    @property
    def parameters(self) -> list[str]:
        """The plausible-range parameters (columns of :attr:`worlds`)."""
        return [c for c in self.worlds.columns if c not in ("replication", "value", "holds")]

    @property
    def counts(self) -> tuple[int, int, int]:
        """Worlds where it holds, worlds that decide (metric defined), undefined worlds."""
        known = self.worlds["holds"].dropna().astype(bool)
        return int(known.sum()), len(known), len(self.worlds) - len(known)

    def share(self, level: float = 0.95) -> tuple[float, float, float]:
        """Share of deciding worlds where the claim holds, with its Wilson interval."""
        k, n, _ = self.counts
        return share_interval(k, n, level)

    def support_interval(self, box: Box) -> tuple[float, float]:
        """Wilson interval of the share of the plausible space a box covers."""
        n = self.counts[1]
        _, lo, hi = share_interval(round(box.support * n), n)
        return lo, hi

    def regions(self) -> dict[str, dict[str, tuple[float, float]]]:
        """``{"holds" | "fails": {parameter: (low, high)}}``, every parameter given;
        an unrestricted side is the range of the worlds drawn."""
        out = {}
        for name, box in (("holds", self.holds_box), ("fails", self.fails_box)):
            if box is None:
                continue
            out[name] = {
                p: (max(box.low[p], float(self.worlds[p].min())),
                    min(box.high[p], float(self.worlds[p].max())))
                for p in self.parameters
            }  # fmt: skip
        return out

    def verdict_at_defaults(self) -> str:
        """The verdicts at the defaults, in words ("" without a run at the defaults)."""
        d = self.defaults
        if d is None or d.empty:
            return ""
        what = (
            "a" if self.claim.b is None else "a - b" if self.claim.kind == "difference" else "a / b"
        )
        if "point" not in d.columns:
            r = d.iloc[0]
            return (
                f"At the defaults: {what} = {_g(r['estimate'])} [95% CI {_g(r['ci_low'])}, "
                f"{_g(r['ci_high'])}] over {int(r['n'])} replications: {r['verdict']}."
            )
        counts = d["verdict"].value_counts()
        parts = [f"{int(counts.get(v, 0))} {v}" for v in ("holds", "fails", "undecided")]
        return f"At the defaults, over the {len(d)} design points: {', '.join(parts)}."

    def words(self) -> list[str]:
        """The finding in plain words: one line per statement."""
        c = self.claim
        k, n, undefined = self.counts
        head = f"Claim {self.number}: {c.text} ({c.statement()})."
        lines = [head]
        at = self.verdict_at_defaults()
        if at:
            lines.append(at)
        skipped = (
            f" ({undefined} worlds left out: the metric is undefined there)" if undefined else ""
        )
        if n == 0:
            return [*lines, f"Over the plausible range: no world decides it{skipped}."]
        share, lo, hi = self.share()
        lines.append(
            f"Over the plausible range it holds in {k} of {n} worlds: {_pct(share)} "
            f"[95% CI {_pct(lo)}, {_pct(hi)}]{skipped}."
        )
        lines.append(self._box_words("holds", self.holds_box, k, n))
        lines.append(self._box_words("fails", self.fails_box, n - k, n))
        return lines

    def _box_words(self, side: str, box: Box | None, k: int, n: int) -> str:
        if k == 0:
            return f"It {side} in no world." if side == "holds" else "It fails in no world."
        if k == n:
            return f"It {side} in every world."
        if box is None and k < MIN_WORLDS:
            return f"It {side} in only {k} of {n} worlds, too few to say where."
        if box is None:
            other = "fails" if side == "holds" else "holds"
            return (
                f"It {side} in {k} of {n} worlds, nearly everywhere: it {other} in too few "
                "worlds to set a region apart."
            )
        if not box.restricted:
            return (
                f"It {side} in {k / n:.0%} of worlds, with no region of the plausible range "
                f"where it more clearly {side}."
            )
        lo, hi = self.support_interval(box)
        return (
            f"It {side} where {' and '.join(box.conditions())}: there it {side} in "
            f"{box.density:.0%} of worlds, and these worlds cover {box.support:.0%} "
            f"[95% CI {_pct(lo)}, {_pct(hi)}] of the plausible space and hold "
            f"{box.coverage:.0%} of the worlds where it {side}."
        )

    def row(self) -> dict[str, Any]:
        """The finding as one row of ``claims.csv`` (:data:`CLAIM_COLUMNS`)."""
        k, n, undefined = self.counts
        share, lo, hi = self.share()
        out: dict[str, Any] = {
            "claim": self.number, "text": self.claim.text, "test": self.claim.statement(),
            "defaults_verdict": _defaults_verdict(self.defaults), "worlds": n, "holds": k,
            "undefined": undefined, "share": share, "share_ci_low": lo, "share_ci_high": hi,
        }  # fmt: skip
        lines = self.words()
        for side, box in (("holds", self.holds_box), ("fails", self.fails_box)):
            rule = next((w for w in lines if w.startswith(f"It {side}")), "")
            out[f"{side}_rule"] = rule
            for key in ("density", "coverage", "support"):
                out[f"{side}_{key}"] = getattr(box, key) if box is not None else math.nan
        s_lo, s_hi = self.support_interval(self.holds_box) if self.holds_box else (math.nan,) * 2
        out["holds_support_ci_low"], out["holds_support_ci_high"] = s_lo, s_hi
        return {c: out[c] for c in CLAIM_COLUMNS}


def _defaults_verdict(d: pd.DataFrame | None) -> str:
    if d is None or d.empty:
        return ""
    if "point" not in d.columns:
        return str(d["verdict"].iloc[0])
    counts = d["verdict"].value_counts()
    return "; ".join(f"{v} at {int(counts[v])} point(s)" for v in counts.index)


def _g(x: object) -> str:
    return f"{float(x):.3g}" if isinstance(x, int | float) and math.isfinite(x) else "–"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if math.isfinite(x) else "–"


def judge_claims(
    replications: pd.DataFrame,
    parameters: list[str],
    claims: list[Claim],
    *,
    alpha: float = 0.05,
    min_support: float = 0.05,
) -> list[ClaimFinding]:
    """Judge each claim in each world of a where-run, and find where it holds by PRIM.

    Parameters
    ----------
    replications : DataFrame
        One row per replication (world) × strategy, with the metrics and the
        plausible-range parameters as columns.
    parameters : list of str
        The plausible-range parameters' columns.
    claims : list of Claim
    alpha, min_support : float
        PRIM's peeling share and smallest box (share of worlds).

    Returns
    -------
    list of ClaimFinding
        Without defaults (:func:`where_claims` adds them).
    """
    if not parameters:
        raise ValueError("no plausible-range parameters: every world is the same")
    absent = [p for p in parameters if p not in replications.columns]
    if absent:
        raise ValueError(f"the results have no column(s) {', '.join(map(repr, absent))}")
    if "point" in replications.columns and replications["point"].nunique() > 1:
        raise ValueError("a where-run has one design point; these results hold several")
    params = replications.drop_duplicates("replication").set_index("replication")[parameters]
    found = []
    for number, claim in enumerate(claims, 1):
        judged = claim_values(replications.drop(columns=["point"], errors="ignore"), claim)
        worlds = params.loc[judged["replication"]].reset_index()
        worlds["value"] = judged["value"].to_numpy()
        worlds["holds"] = judged["holds"].to_numpy()
        known = worlds[worlds["holds"].notna()]
        y = known["holds"].astype(bool).to_numpy()
        boxes: list[Box | None] = []
        for target in (y, ~y):
            k = int(target.sum())
            ok = MIN_WORLDS <= k <= len(y) - MIN_WORLDS
            boxes.append(
                prim(known[parameters], target, alpha=alpha, min_support=min_support)
                if ok
                else None
            )
        found.append(ClaimFinding(claim, number, worlds, boxes[0], boxes[1]))
    return found


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
    charts : list of str
        File stems of the region charts :meth:`save` wrote.
    """

    findings: list[ClaimFinding]
    source: str
    defaults_source: str
    parameters: dict[str, Any]
    charts: list[str] = field(default_factory=list)

    def words(self) -> list[str]:
        """Every finding in plain words."""
        lines = []
        for f in self.findings:
            lines += [*f.words(), ""]
        return lines[:-1]

    def save(self, directory: str | Path, charts: bool = True) -> list[str]:
        """Write ``claims.csv``, ``claims_worlds.csv``, ``claims_boxes.csv``,
        ``claims.json``, ``claims.txt`` and (``charts``) each claim's region chart
        ``claim_K_region.png``/``.pdf`` into the where-run's folder; returns the chart stems."""
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
        stems: list[str] = []
        if charts:
            from simsales.plots.claims import claim_region_chart
            from simsales.plots.style import save_figure

            for f in self.findings:
                if f.counts[1] == 0:
                    continue
                stem = f"claim_{f.number}_region"
                save_figure(claim_region_chart(f), out / stem)
                stems.append(stem)
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
        return stems

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
    >>> from simsales.analysis.claims import where_claims
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
