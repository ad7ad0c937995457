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

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simsales.analysis.prim import Box, prim
from simsales.analysis.spread import wilson_interval
from simsales.experiment.config import Claim

__all__ = [
    "CLAIM_COLUMNS",
    "ClaimFinding",
    "claim_values",
    "judge_claims",
    "share_interval",
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
    (:func:`~simsales.analysis.spread.wilson_interval`); NaN if n is 0.

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
        :func:`simsales.analysis.where_claims.at_defaults` on the run at the defaults.
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
