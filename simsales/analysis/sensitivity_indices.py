"""Sensitivity indices over stored results, with the noise they carry.

A sensitivity design (``[sensitivity]``, :mod:`simsales.experiment.sensitivity_design`)
runs ``R`` replications at every point. This module averages them per point
(per strategy and metric) and hands the point means to SALib: Sobol' first
and total order indices with bootstrap confidence intervals, or Morris
elementary-effects screening. The simulation is stochastic, so a point mean
carries noise; its variance is estimated from the replications and reported
against the variance between the point means, so that one can tell the
parameters' signal from Monte Carlo noise.

References
----------
Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical
models and their Monte Carlo estimates. Mathematics and Computers in
Simulation 55, 271-280.

Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M. and
Tarantola, S. (2010). Variance based sensitivity analysis of model output.
Computer Physics Communications 181(2), 259-270.

Morris, M. D. (1991). Factorial sampling plans for preliminary computational
experiments. Technometrics 33(2), 161-174; Campolongo, F., Cariboni, J. and
Saltelli, A. (2007). An effective screening design for sensitivity analysis
of large models. Environmental Modelling & Software 22(10), 1509-1518 (mu*).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze

from simsales.experiment.sensitivity_design import Sensitivity, problem
from simsales.seeding import salib_seed
from simsales.store.files import atomic_write
from simsales.store.folder import stamp
from simsales.store.results import Results, load_results

__all__ = ["COLUMNS", "NOISE_COLUMNS", "SensitivityIndices", "sensitivity_indices", "table_indices"]

#: Columns of ``sensitivity.csv``, by method (a contract with the charts).
COLUMNS = {
    "sobol": ["strategy", "metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["strategy", "metric", "parameter", "mu_star", "mu_star_conf", "sigma", "mu"],
}
#: Columns of ``sensitivity_noise.csv``.
NOISE_COLUMNS = [
    "strategy", "metric", "points", "replications", "noise_variance",
    "point_mean_variance", "noise_share", "noise_variance_crn", "noise_share_crn",
]  # fmt: skip
#: Noise share above which a warning is given.
WARN_SHARE = 0.2


def _point_matrix(df: pd.DataFrame, metric: str, points: int) -> np.ndarray:
    """The metric as a (points x replications) array; NaN where undefined or missing."""
    wide = df.pivot(index="point", columns="replication", values=metric)
    missing = sorted(set(range(points)) - set(wide.index.astype(int)))
    if missing:
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise ValueError(
            f"the results lack design point(s) {shown} of {points}: the analysis needs "
            "every point (did replications fail? run the experiment again with --resume)"
        )
    return wide.reindex(range(points)).to_numpy(dtype=float)


def noise(m: np.ndarray) -> dict[str, float]:
    """Noise of the point means of one (points x replications) array.

    Returns
    -------
    dict
        ``noise_variance``: the mean over points of the within-point sample
        variance divided by that point's replications (the variance of a
        point mean due to Monte Carlo noise); ``point_mean_variance``: the
        sample variance of the point means; ``noise_share``: their ratio.
        ``noise_variance_crn``: the same with the replication effect removed
        (two-way analysis of variance without interaction: the residual mean
        square over ``R``). Every point meets the same replications (common
        random numbers), so what replication ``r`` adds to every point alike
        shifts all point means equally and does not change any index; only
        the residual does. NaN when undefined (fewer than two replications,
        or missing values for the CRN variant).
    """
    finite = np.isfinite(m)
    n = finite.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n > 0, np.nansum(m, axis=1) / np.maximum(n, 1), np.nan)
        ok = n >= 2
        s2 = np.array([np.var(row[np.isfinite(row)], ddof=1) for row in m[ok]])
        noise_var = float(np.mean(s2 / n[ok])) if ok.any() else np.nan
    defined = means[np.isfinite(means)]
    pmv = float(np.var(defined, ddof=1)) if len(defined) >= 2 else np.nan
    k, r = m.shape
    crn = np.nan
    if finite.all() and k >= 2 and r >= 2:
        resid = m - m.mean(axis=1, keepdims=True) - m.mean(axis=0, keepdims=True) + m.mean()
        crn = float(np.sum(resid**2) / ((k - 1) * (r - 1)) / r)
    share = noise_var / pmv if pmv > 0 else np.nan
    share_crn = crn / pmv if pmv > 0 else np.nan
    return {
        "noise_variance": noise_var,
        "point_mean_variance": pmv,
        "noise_share": share,
        "noise_variance_crn": crn,
        "noise_share_crn": share_crn,
    }


def _indices(
    spec: Sensitivity, x: np.ndarray, y: np.ndarray, seed: int, conf_level: float
) -> dict[str, np.ndarray]:
    names = COLUMNS[spec.method][3:]
    d = len(spec.parameters)
    if not np.isfinite(y).all() or np.ptp(y) == 0:
        return {c: np.full(d, np.nan) for c in names}
    resample_seed = salib_seed(seed)
    if spec.method == "sobol":
        si = sobol_analyze.analyze(
            problem(spec), y, calc_second_order=False, num_resamples=1000,
            conf_level=conf_level, seed=resample_seed,
        )  # fmt: skip
    else:
        si = morris_analyze.analyze(
            problem(spec), x, y, num_resamples=1000, conf_level=conf_level,
            num_levels=spec.levels, seed=resample_seed,
        )  # fmt: skip
    return {c: np.asarray(si[c], dtype=float) for c in names}


@dataclass(frozen=True)
class SensitivityIndices:
    """Sensitivity indices and their noise, per strategy and metric.

    Attributes
    ----------
    method : {"sobol", "morris"}
    indices : DataFrame
        Tidy, one row per strategy × metric × parameter, columns
        :data:`COLUMNS` of the method. ``S1_conf``, ``ST_conf`` and
        ``mu_star_conf`` are half-widths of bootstrap confidence intervals.
    noise : DataFrame
        One row per strategy × metric, columns :data:`NOISE_COLUMNS`.
    warn_share : float
        Noise share above which :attr:`warnings` speak up.
    source : str
        :attr:`simsales.Results.results_id` of the results analysed ("" if
        computed from a bare table); recorded with the files :meth:`save` writes.
    """

    method: str
    indices: pd.DataFrame
    noise: pd.DataFrame
    warn_share: float = WARN_SHARE
    notes: list[str] = field(default_factory=list)
    source: str = ""

    def _effective_share(self, row: Mapping[Hashable, Any]) -> float:
        crn = float(row["noise_share_crn"])
        return crn if np.isfinite(crn) else float(row["noise_share"])

    @property
    def warnings(self) -> list[str]:
        """One line per strategy × metric whose noise share exceeds ``warn_share``."""
        out = []
        for row in self.noise.to_dict("records"):
            share = self._effective_share(row)
            if np.isfinite(share) and share > self.warn_share:
                out.append(
                    f"{row['strategy']}, {row['metric']}: noise is {_pct(share)} of the "
                    "variance between design points, so the indices are biased toward zero "
                    "and unstable; more replications per point shrink the noise variance in "
                    "proportion (4 times the replications, a quarter of the noise)"
                )
        return out

    def words(self) -> list[str]:
        """The findings in plain words: per strategy × metric, the noise and the leading
        parameters."""
        lines = list(self.notes)
        key = "ST" if self.method == "sobol" else "mu_star"
        for row in self.noise.to_dict("records"):
            s, m = row["strategy"], row["metric"]
            sub = self.indices[(self.indices["strategy"] == s) & (self.indices["metric"] == m)]
            lines.append(f"{s}, {m}: {self._noise_words(row)}")
            ranked = sub.sort_values(key, ascending=False, na_position="last")
            if ranked[key].isna().all():
                lines.append("  no indices: the metric is undefined at some point or does not vary")
                continue
            for rec in ranked.head(3).to_dict("records"):
                lines.append("  " + self._index_words(rec))
        lines += [f"WARNING {w}" for w in self.warnings]
        return lines

    def _noise_words(self, row: Mapping[Hashable, Any]) -> str:
        share, naive = self._effective_share(row), float(row["noise_share"])
        if not np.isfinite(share):
            return (
                "noise not estimated (needs at least 2 replications per point and a metric "
                "that varies between points)"
            )
        size = "more than all" if share >= 1 else _pct(share)
        crn = np.isfinite(row["noise_share_crn"])
        var = float(row["noise_variance_crn"] if crn else row["noise_variance"])
        text = f"noise is {size} of the variance between design points (noise variance of a "
        text += f"point mean {var:.3g}"
        if crn:
            text += (
                " after removing what common random numbers share across points; "
                f"{_pct(naive)} before)"
            )
        else:
            text += ")"
        verdict = "mostly signal" if share <= self.warn_share else "too noisy to trust"
        return f"{text}: {verdict}"

    def _index_words(self, rec: Mapping[Hashable, Any]) -> str:
        p = rec["parameter"]
        if self.method == "sobol":
            return (
                f"{p}: first order {rec['S1']:.2f} ± {rec['S1_conf']:.2f}, "
                f"total {rec['ST']:.2f} ± {rec['ST_conf']:.2f}"
            )
        return (
            f"{p}: mu* {rec['mu_star']:.3g} ± {rec['mu_star_conf']:.3g} "
            f"(mu {rec['mu']:.3g}, sigma {rec['sigma']:.3g})"
        )

    def save(self, directory: str | Path) -> Path:
        """Write ``sensitivity.csv``, ``sensitivity_noise.csv`` and ``sensitivity.txt``."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        atomic_write(out / "sensitivity.csv", lambda p: self.indices.to_csv(p, index=False))
        atomic_write(out / "sensitivity_noise.csv", lambda p: self.noise.to_csv(p, index=False))
        text = "\n".join(self.words()) + "\n"
        atomic_write(out / "sensitivity.txt", lambda p: p.write_text(text, encoding="utf-8"))
        stamp(out, ["sensitivity.csv", "sensitivity_noise.csv", "sensitivity.txt"], self.source)
        return out


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if x >= 0.01 else f"{100 * x:.1g}%"


def table_indices(
    replications: pd.DataFrame,
    spec: Sensitivity,
    metrics: list[str] | None = None,
    *,
    seed: int = 0,
    conf_level: float = 0.95,
    warn_share: float = WARN_SHARE,
) -> SensitivityIndices:
    """Sensitivity indices of a replications table made by a ``[sensitivity]`` design.

    Parameters
    ----------
    replications : DataFrame
        One row per point × replication × strategy: ``point``, the design's
        parameter columns, ``replication``, ``strategy`` and metric columns.
    spec : Sensitivity
        The design that made the table.
    metrics : list of str, optional
        Metric columns to analyse; default ``spec.metrics``.
    seed : int
        Seeds SALib's bootstrap of the confidence intervals.
    conf_level : float
        Confidence level of the intervals.
    warn_share : float
        Noise share above which a warning is given.

    Returns
    -------
    SensitivityIndices
    """
    metrics = list(metrics or spec.metrics)
    absent = [m for m in [*metrics, *spec.names] if m not in replications.columns]
    if absent:
        raise ValueError(f"the results have no column(s) {', '.join(map(repr, absent))}")
    first = replications.drop_duplicates("point").set_index("point").sort_index()
    x = first.reindex(range(spec.points))[spec.names].to_numpy(dtype=float)
    rows, noise_rows = [], []
    notes: list[str] = []
    for strategy in pd.unique(replications["strategy"]):
        part = replications[replications["strategy"] == strategy]
        for metric in metrics:
            m = _point_matrix(part, metric, spec.points)
            with np.errstate(invalid="ignore"):
                y = np.nanmean(m, axis=1) if np.isfinite(m).any() else np.full(len(m), np.nan)
            undefined = int((~np.isfinite(y)).sum())
            if undefined:
                notes.append(
                    f"{strategy}, {metric}: undefined at {undefined} of {len(y)} points "
                    "(no replication defines it there), so no indices"
                )
            si = _indices(spec, x, y, seed, conf_level)
            for j, name in enumerate(spec.names):
                rows.append([strategy, metric, name, *(float(si[c][j]) for c in si)])
            noise_rows.append(
                {"strategy": strategy, "metric": metric, "points": spec.points,
                 "replications": m.shape[1], **noise(m)}
            )  # fmt: skip
    return SensitivityIndices(
        spec.method,
        pd.DataFrame(rows, columns=COLUMNS[spec.method]),
        pd.DataFrame(noise_rows, columns=NOISE_COLUMNS),
        warn_share,
        notes,
    )


def sensitivity_indices(
    results: Results | str | Path,
    metrics: list[str] | None = None,
    *,
    conf_level: float = 0.95,
    warn_share: float = WARN_SHARE,
) -> SensitivityIndices:
    """Sensitivity analysis of stored results of a ``[sensitivity]`` experiment.

    Reads the design from the manifest and the runs from the replications
    table; nothing is simulated again.

    Parameters
    ----------
    results : Results, or path of a results folder
        Results of an experiment with a ``[sensitivity]`` table.
    metrics : list of str, optional
        Metrics to analyse; default those of the ``[sensitivity]`` table.
    conf_level : float
        Confidence level of the bootstrap intervals.
    warn_share : float
        Noise share above which a warning is given.

    Returns
    -------
    SensitivityIndices
        ``.indices`` (written as ``sensitivity.csv``), ``.noise``,
        ``.words()``, ``.warnings`` and ``.save(directory)``.

    Raises
    ------
    ValueError
        If the results have no ``[sensitivity]`` design, lack design points,
        or a metric is not a column.

    Examples
    --------
    >>> from simsales.analysis.sensitivity_indices import sensitivity_indices
    >>> sa = sensitivity_indices("results/sensitivity")  # doctest: +SKIP
    >>> sa.indices  # doctest: +SKIP
    """
    res = results if isinstance(results, Results) else load_results(results)
    spec = res.record.config.sensitivity
    if spec is None:
        raise ValueError(
            f"results of {res.name!r} have no [sensitivity] design; run an experiment "
            "with a [sensitivity] table (simsales sensitivity FILE)"
        )
    found = table_indices(
        res.replications, spec, metrics, seed=res.record.seed,
        conf_level=conf_level, warn_share=warn_share,
    )  # fmt: skip
    return replace(found, source=res.results_id)
