"""Robustness across plausible worlds: which strategy is best where, and at what regret.

With ``[uncertain]`` parameters every replication is one plausible world
(two-level Monte Carlo). In each world the best strategy on a metric is the
one with the highest value (or lowest, to minimise); for each strategy this
module reports how often it is best (with a Wilson interval), its regret, the
shortfall from the best strategy of the same world (Savage 1951), and, by
PRIM scenario discovery over the uncertain parameters, a rule for where it is
best, in plain words with its coverage and density.

References
----------
Savage, L. J. (1951). The theory of statistical decision. Journal of the
American Statistical Association 46(253), 55-67.

Lempert, R. J., Groves, D. G., Popper, S. W. and Bankes, S. C. (2006). A
general, analytic method for generating robust strategies and narrative
scenarios. Management Science 52(4), 514-528.

Wilson, E. B. (1927). Probable inference, the law of succession, and
statistical inference. Journal of the American Statistical Association
22(158), 209-212.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from simsales.analysis.prim import Box, prim
from simsales.analysis.spread import wilson_interval
from simsales.store.files import atomic_write
from simsales.store.folder import stamp
from simsales.store.results import Results, load_results

__all__ = [
    "COLUMNS",
    "Robustness",
    "best_per_world",
    "how_often_best",
    "robustness",
    "robustness_table",
    "win_regions",
]

#: Columns of ``robustness.csv``.
COLUMNS = [
    "strategy", "metric", "direction", "worlds", "best_count", "best_share",
    "best_ci_low", "best_ci_high", "regret_mean", "regret_p90", "regret_max",
]  # fmt: skip
#: Fewest worlds where a strategy is best (and not best) for a PRIM rule.
MIN_WINS = 5


def _values(replications: pd.DataFrame, metric: str) -> pd.DataFrame:
    """The metric as a (world x strategy) table, strategies in order of appearance."""
    if metric not in replications.columns:
        raise ValueError(f"the results have no metric {metric!r}")
    if "point" in replications.columns and replications["point"].nunique() > 1:
        raise ValueError(
            "these results hold several design points; robustness compares strategies "
            "within one point, each replication a world: run the uncertain parameters "
            "without [sweep] or [sensitivity]"
        )
    order = list(pd.unique(replications["strategy"]))
    wide = replications.pivot(index="replication", columns="strategy", values=metric)
    return wide[order].astype(float)


def best_per_world(values: pd.DataFrame, maximise: bool = True) -> pd.Series:
    """The best strategy in each world (row); ties go to the first column.

    Worlds where no strategy defines the metric are left out.
    """
    v = values.dropna(how="all")
    return (v.idxmax(axis=1) if maximise else v.idxmin(axis=1)).rename("best")


def how_often_best(
    values: pd.DataFrame, maximise: bool = True, level: float = 0.95
) -> pd.DataFrame:
    """How often each strategy is best, and its regret, from a (world x strategy) table.

    Parameters
    ----------
    values : DataFrame
        One row per world, one column per strategy: the metric.
    maximise : bool
        Whether higher is better.
    level : float
        Confidence level of the Wilson interval of the share of worlds.

    Returns
    -------
    DataFrame
        ``strategy, worlds, best_count, best_share, best_ci_low, best_ci_high,
        regret_mean, regret_p90, regret_max``. Regret in a world is the best
        value there minus the strategy's (the reverse when minimising), so it
        is at least 0; its 90th percentile interpolates linearly.
        A strategy's undefined values are left out of its regret.
    """
    v = values.dropna(how="all")
    best = best_per_world(v, maximise)
    top = v.max(axis=1) if maximise else v.min(axis=1)
    regret = (top.to_numpy()[:, None] - v.to_numpy()) * (1 if maximise else -1)
    n = len(v)
    rows = []
    for j, s in enumerate(v.columns):
        k = int((best == s).sum())
        lo, hi = wilson_interval(k, n, level)
        r = regret[:, j][np.isfinite(regret[:, j])]
        rows.append(
            (s, n, k, k / n if n else np.nan, lo, hi,
             *((float(r.mean()), float(np.quantile(r, 0.9)), float(r.max())) if len(r)
               else (np.nan,) * 3))
        )  # fmt: skip
    return pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("metric", "direction")])


@dataclass(frozen=True)
class Robustness:
    """Robustness of each strategy across plausible worlds.

    Attributes
    ----------
    metric : str
    maximise : bool
    table : DataFrame
        Columns :data:`COLUMNS`, one row per strategy (``robustness.csv``).
    worlds : DataFrame
        One row per world: ``replication``, the uncertain parameters, and
        ``best``, the best strategy there.
    boxes : dict
        ``{strategy: Box}`` for strategies with a PRIM rule.
    rules : DataFrame
        ``strategy, metric, rule, coverage, density, support, best_share``.
    source : str
        :attr:`simsales.Results.results_id` of the results analysed ("" if
        computed from a bare table); recorded with the files :meth:`save` writes.
    """

    metric: str
    maximise: bool
    table: pd.DataFrame
    worlds: pd.DataFrame
    boxes: dict[str, Box]
    rules: pd.DataFrame
    source: str = ""

    def regions(self) -> dict[str, dict[str, tuple[float, float]]]:
        """The boxes as ``{strategy: {parameter: (low, high)}}``, every uncertain
        parameter given; an unrestricted side is the range of the worlds drawn."""
        params = [c for c in self.worlds.columns if c not in ("replication", "best")]
        out = {}
        for s, box in self.boxes.items():
            out[s] = {
                p: (max(box.low[p], float(self.worlds[p].min())),
                    min(box.high[p], float(self.worlds[p].max())))
                for p in params
            }  # fmt: skip
        return out

    def words(self) -> list[str]:
        """The findings in plain words."""
        goal = "highest" if self.maximise else "lowest"
        n = int(self.table["worlds"].max()) if len(self.table) else 0
        lines = [f"{self.metric} ({goal} is best) across {n} plausible worlds:"]
        for rec in self.table.to_dict("records"):
            lines.append(
                f"  {rec['strategy']}: best in {rec['best_share']:.0%} of worlds "
                f"[95% CI {rec['best_ci_low']:.0%}-{rec['best_ci_high']:.0%}]; regret "
                f"mean {rec['regret_mean']:.3g}, P90 {rec['regret_p90']:.3g}, "
                f"max {rec['regret_max']:.3g}"
            )
        lines.append("where each strategy is best (PRIM):")
        lines += [f"  {r}" for r in self.rules["rule"]]
        return lines

    def save(self, directory: str | Path) -> Path:
        """Write ``robustness.csv``, ``robustness_rules.csv``, ``robustness_boxes.csv``,
        ``robustness_worlds.csv`` and ``robustness.txt`` (overwriting earlier ones)."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        boxes = pd.DataFrame(
            [(s, p, lo, hi, p in self.boxes[s].restricted)
             for s, region in self.regions().items() for p, (lo, hi) in region.items()],
            columns=["strategy", "parameter", "low", "high", "restricted"],
        )  # fmt: skip
        text = "\n".join(self.words()) + "\n"
        files = (
            ("robustness.csv", lambda p: self.table.to_csv(p, index=False)),
            ("robustness_rules.csv", lambda p: self.rules.to_csv(p, index=False)),
            ("robustness_boxes.csv", lambda p: boxes.to_csv(p, index=False)),
            ("robustness_worlds.csv", lambda p: self.worlds.to_csv(p, index=False)),
            ("robustness.txt", lambda p: p.write_text(text, encoding="utf-8")),
        )
        for name, write in files:
            atomic_write(out / name, write)
        stamp(out, [name for name, _ in files], self.source)
        return out


def _rule(strategy: str, box: Box | None, k: int, n: int) -> str:
    if k == 0:
        return f"{strategy} is never best"
    if k == n:
        return f"{strategy} is best in every world"
    if box is None and k < MIN_WINS:
        return f"{strategy} is best in only {k} of {n} worlds, too few to say where"
    if box is None:
        return f"{strategy} is best in {k} of {n} worlds, too nearly all to say where not"
    if not box.restricted:
        return (
            f"{strategy} is best in {k / n:.0%} of worlds, with no region of the uncertain "
            "parameters where it is clearly more often best"
        )
    return (
        f"{strategy} is best when {' and '.join(box.conditions())} (coverage "
        f"{box.coverage:.2f}, density {box.density:.2f}; these worlds are {box.support:.0%} "
        f"of all, and {strategy} is best in {k / n:.0%} of all)"
    )


def robustness_table(
    replications: pd.DataFrame,
    parameters: list[str],
    metric: str,
    maximise: bool = True,
    *,
    alpha: float = 0.05,
    min_support: float = 0.05,
) -> Robustness:
    """Robustness of each strategy from a replications table with uncertain parameters.

    Parameters
    ----------
    replications : DataFrame
        One row per replication (world) × strategy, with the metric and the
        uncertain parameters as columns.
    parameters : list of str
        The uncertain parameters' columns.
    metric : str
        The metric that decides which strategy is best.
    maximise : bool
        Whether higher is better.
    alpha, min_support : float
        PRIM's peeling share and smallest box (share of worlds).

    Returns
    -------
    Robustness
    """
    if not parameters:
        raise ValueError(
            "no uncertain parameters: every replication is the same world; add "
            "uncertain = {...} to the experiment to compare strategies across worlds"
        )
    absent = [p for p in parameters if p not in replications.columns]
    if absent:
        raise ValueError(f"the results have no column(s) {', '.join(map(repr, absent))}")
    values = _values(replications, metric)
    table = how_often_best(values, maximise)
    table.insert(1, "metric", metric)
    table.insert(2, "direction", "max" if maximise else "min")
    best = best_per_world(values, maximise)
    params = replications.drop_duplicates("replication").set_index("replication")[parameters]
    worlds = params.loc[best.index].assign(best=best).reset_index()
    n = len(worlds)
    boxes: dict[str, Box] = {}
    rules = []
    for s in values.columns:
        y = (worlds["best"] == s).to_numpy()
        k = int(y.sum())
        box = None
        if MIN_WINS <= k <= n - MIN_WINS:
            box = prim(worlds[parameters], y, alpha=alpha, min_support=min_support)
            boxes[str(s)] = box
        rules.append(
            (s, metric, _rule(str(s), box, k, n),
             *((box.coverage, box.density, box.support) if box else (np.nan,) * 3),
             k / n if n else np.nan)
        )  # fmt: skip
    cols = ["strategy", "metric", "rule", "coverage", "density", "support", "best_share"]
    return Robustness(metric, maximise, table, worlds, boxes, pd.DataFrame(rules, columns=cols))


def _uncertain(res: Results) -> list[str]:
    """The parameters that differ from world to world: ``[uncertain]``'s and a
    ``[posterior]``'s."""
    config = res.record.config
    names = set(config.uncertain)
    if config.posterior is not None:
        names |= set(config.posterior.parameters or [])
    return sorted(names)


def robustness(
    results: Results | str | Path,
    metric: str,
    minimise: bool = False,
    *,
    alpha: float = 0.05,
    min_support: float = 0.05,
) -> Robustness:
    """Robustness of each strategy across the plausible worlds of stored results.

    Parameters
    ----------
    results : Results, or path of a results folder
        Results of an experiment with ``uncertain`` parameters (and no design).
    metric : str
        The metric that decides which strategy is best.
    minimise : bool
        Lower is better (e.g. ``total_cost_share``).
    alpha, min_support : float
        PRIM's peeling share and smallest box (share of worlds).

    Returns
    -------
    Robustness
        ``.table`` (``robustness.csv``), ``.rules``, ``.boxes``, ``.worlds``,
        ``.regions()``, ``.words()`` and ``.save(directory)``.

    Raises
    ------
    ValueError
        If the results have no uncertain parameters, several design points,
        or no such metric.

    Examples
    --------
    >>> from simsales.analysis.robustness import robustness
    >>> rb = robustness("results/worlds", "revenue_total")  # doctest: +SKIP
    >>> print("\\n".join(rb.words()))  # doctest: +SKIP
    """
    res = results if isinstance(results, Results) else load_results(results)
    found = robustness_table(
        res.replications, _uncertain(res), metric, not minimise,
        alpha=alpha, min_support=min_support,
    )  # fmt: skip
    return replace(found, source=res.results_id)


def win_regions(
    results: Results | str | Path, metric: str, minimise: bool = False
) -> tuple[pd.DataFrame, dict[str, dict[str, tuple[float, float]]]]:
    """The worlds and the boxes where each strategy is best, for a win-region map.

    Returns
    -------
    worlds : DataFrame
        One row per world: ``replication``, the uncertain parameters, ``best``.
    boxes : dict
        ``{strategy: {parameter: (low, high)}}`` for strategies with a PRIM
        box; every uncertain parameter is given, an unrestricted side as the
        range of the worlds drawn.
    """
    rb = robustness(results, metric, minimise)
    return rb.worlds, rb.regions()
