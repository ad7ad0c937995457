"""Calibrate an experiment's buyers to a funnel: the whole job, and what it writes.

:func:`calibrate` takes the experiment, the data (the canonical opportunity
frame) and the ``[calibrate]`` table; computes the data's targets with their
bootstrap uncertainty; fits by simulated moments or ABC-SMC; checks the fit
against fresh simulated exports drawn from the fitted parameters; and writes
everything into a folder (``results/NAME/calibration/`` from the command line).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simsales.calibration.abc import fit_abc
from simsales.calibration.msm import fit_msm, normal_sample, summary_rows
from simsales.calibration.setup import make_setup
from simsales.calibration.simulate import Evaluations, Setup, evaluations, shares_batches
from simsales.calibration.targets import Targets, data_targets
from simsales.data.funnel import funnel_statistics
from simsales.experiment.calibrate import DEFAULT_TARGETS, Calibrate, frozen, search_range
from simsales.experiment.config import Experiment
from simsales.runner.replications import DEFAULT_ARRAY_ABC, choose_engine
from simsales.seeding import (
    CAL_BOOTSTRAP,
    CAL_CHECK,
    CAL_POSTERIOR,
    CAL_PROPOSALS,
    CAL_SOBOL,
    CHECK_REPLICATIONS,
    calibration_generator,
)
from simsales.store.files import atomic_write

__all__ = ["Calibration", "calibrate", "identification"]

#: Simulated exports in the fit check.
CHECK_DRAWS = 40
#: Posterior draws written for later runs.
POSTERIOR_DRAWS = 1000


def identification(ratio: float) -> str:
    """In words: how much the data narrowed a parameter (posterior / prior spread)."""
    if not math.isfinite(ratio) or ratio >= 0.9:
        return "not identified"
    return "identified" if ratio < 0.5 else "weakly identified"


@dataclass
class Calibration:
    """A finished calibration: targets, estimate, posterior sample and fit check."""

    method: str
    targets: Targets
    estimate: pd.DataFrame
    posterior: pd.DataFrame
    check: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    def words(self) -> list[str]:
        """The findings in sentences, for the terminal and the report."""
        out = []
        for row in self.estimate.itertuples():
            out.append(
                f"{row.parameter}: {row.estimate:.4g} (90% {row.lo90:.4g} to {row.hi90:.4g}); "
                f"{row.identification} (spread {row.width_ratio:.2f} of the prior's)"
            )
        bad = self.check[~self.check["inside"]]
        if len(bad):
            out.append(
                "the fit misses: " + ", ".join(
                    f"{r.target} (data {r.data:.4g}, simulated 90% {r.sim_p05:.4g} to "
                    f"{r.sim_p95:.4g})" for r in bad.itertuples()
                )
            )  # fmt: skip
        else:
            out.append("every target's data value lies within the simulated 90% range")
        return out

    def save(self, folder: Path) -> None:
        """Write the tables (CSV, Parquet) and ``calibration.json`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / "targets.csv", lambda p: self.targets.table().to_csv(p, index=False))
        atomic_write(folder / "estimate.csv", lambda p: self.estimate.to_csv(p, index=False))
        atomic_write(folder / "check.csv", lambda p: self.check.to_csv(p, index=False))
        atomic_write(folder / "posterior.parquet", lambda p: self.posterior.to_parquet(p))
        text = json.dumps({**self.info, "findings": self.words()}, indent=2, default=float)
        atomic_write(folder / "calibration.json", lambda p: p.write_text(text + "\n"))


def _targets(spec: Calibrate, frame: pd.DataFrame) -> tuple[str, ...]:
    if spec.targets is not None:
        return tuple(spec.targets)
    whole = funnel_statistics(frame)
    return tuple(t for t in DEFAULT_TARGETS if math.isfinite(whole[t]))


def _check(evals: Evaluations, setup: Setup, targets: Targets, draws: np.ndarray) -> pd.DataFrame:
    keys = [(tuple(th), CHECK_REPLICATIONS + i) for i, th in enumerate(draws)]
    sims = evals.get(keys)
    lo, hi = targets.interval(0.9)
    p05, p50, p95 = np.nanquantile(sims, [0.05, 0.5, 0.95], axis=0)
    return pd.DataFrame({
        "target": setup.targets, "data": targets.value, "data_lo90": lo, "data_hi90": hi,
        "sim_p05": p05, "sim_p50": p50, "sim_p95": p95,
        "inside": (targets.value >= p05) & (targets.value <= p95),
    })  # fmt: skip


def calibrate(
    config: Experiment,
    frame: pd.DataFrame,
    spec: Calibrate | None = None,
    folder: Path | None = None,
    *,
    workers: int = 1,
    backend: str = "local",
    scheduler: str | None = None,
    on_done: Callable[[int], None] | None = None,
    on_stage: Callable[[str], None] | None = None,
    named: bool | None = None,
) -> Calibration:
    """Fit ``config``'s ``[calibrate]`` parameters to the funnel in ``frame``.

    Parameters
    ----------
    config : Experiment
        The experiment; its ``calibrate`` table is used unless ``spec`` is given.
    frame : pandas.DataFrame
        The data as :func:`simsales.data.crm.read_opportunities` returns it.
    spec : Calibrate, optional
        What to fit (default ``config.calibrate``).
    folder : Path, optional
        Where to write and resume (``evaluations.jsonl`` and the tables); None
        keeps everything in memory.
    workers, backend, scheduler
        As for :func:`simsales.run`: the numbers do not depend on them.
    on_done : callable, optional
        Called with the number of simulated exports so far.
    on_stage : callable, optional
        Called with a short description of each stage.
    named : bool, optional
        Whether ``config``'s engine was named (in its file or as an override);
        default: whether ``engine`` was set when it was read.

    Returns
    -------
    Calibration

    Notes
    -----
    The candidates run on the experiment's engine (``engine``). An ABC
    calibration whose engine is not named runs on the array engine when the
    array engine can run it and its parameters let proposals share batches
    (:func:`~simsales.calibration.simulate.shares_batches`): its rounds are
    many proposals, which the array engine steps together. Simulated moments
    run on the SimPy engine unless the array engine is named: Nelder-Mead's
    rounds are a candidate or two, too few to fill a batch, where the array
    engine is slower (docs/performance.md). ``info["engine"]`` says which ran,
    and ``info["engine_note"]`` why, when the default chose it.
    """
    spec = spec if spec is not None else config.calibrate
    if spec is None:
        raise ValueError("the experiment has no [calibrate] table: name the parameters to fit")
    if spec.method == "abc" and shares_batches(config, spec.parameters):
        config = choose_engine(config, named, design=True, note=DEFAULT_ARRAY_ABC)
    say = on_stage or (lambda s: None)
    began = time.perf_counter()
    names = _targets(spec, frame)
    setup = make_setup(config, spec, frame, names)
    root = setup.config.seed
    say(f"engine: {config.engine}" + (f", {config.engine_note}" if config.engine_note else ""))
    say(f"targets from {len(frame)} opportunities ({spec.bootstrap} bootstrap resamples)")
    targets = data_targets(frame, names, spec.bootstrap, calibration_generator(root, CAL_BOOTSTRAP))
    priors = [spec.parameters[p] for p in setup.parameters]
    ranges = [search_range(p) for p in priors]
    prior_sd = np.array([frozen(p).std() for p in priors])
    path = folder / "evaluations.jsonl" if folder is not None else None
    with evaluations(setup, path, workers, backend, scheduler, on_done) as ev:
        if spec.method == "msm":
            say(f"method of simulated moments: {spec.starts} starts, then Nelder-Mead "
                f"({spec.replications} simulated exports per candidate)")  # fmt: skip
            res = fit_msm(
                ev, targets, ranges, replications=spec.replications, starts=spec.starts,
                max_evaluations=spec.evaluations, rng=calibration_generator(root, CAL_SOBOL),
            )  # fmt: skip
            estimate = pd.DataFrame(summary_rows(setup.parameters, res, prior_sd))
            draws = normal_sample(
                res, ranges, POSTERIOR_DRAWS, calibration_generator(root, CAL_POSTERIOR)
            )
            posterior = pd.DataFrame(draws, columns=list(setup.parameters))
            posterior["weight"] = 1.0 / len(posterior)
            info: dict[str, Any] = {
                "objective": res.objective, "converged": res.converged,
                "optimiser": res.message, "candidates": res.evaluations,
            }  # fmt: skip
        else:
            say(f"ABC-SMC: {spec.particles} particles, {spec.generations} generations, "
                f"at most {spec.budget} simulations")  # fmt: skip
            ab = fit_abc(
                ev, targets, [frozen(p) for p in priors], particles=spec.particles,
                generations=spec.generations, budget=spec.budget,
                stream=lambda g, i: calibration_generator(root, CAL_PROPOSALS, g, i),
                on_generation=lambda g, e, u: say(
                    f"generation {g}: tolerance {e:.3g}, {u} simulations"
                ),
            )  # fmt: skip
            mean, sd = ab.mean(), ab.sd()
            lo, hi = ab.quantiles(0.05), ab.quantiles(0.95)
            estimate = pd.DataFrame({
                "parameter": setup.parameters, "estimate": mean, "se": sd, "lo90": lo, "hi90": hi,
                "prior_sd": prior_sd, "width_ratio": sd / prior_sd,
            })  # fmt: skip
            posterior = pd.DataFrame(ab.particles, columns=list(setup.parameters))
            posterior["weight"] = ab.weights
            info = {"tolerances": ab.tolerances, "simulations_per_generation": ab.simulations,
                    "effective_sample_size": ab.ess, "stopped": ab.stopped}  # fmt: skip
        estimate["identification"] = [identification(r) for r in estimate["width_ratio"]]
        say(f"fit check: {CHECK_DRAWS} simulated exports from the fitted parameters")
        w = posterior["weight"].to_numpy()
        pick = calibration_generator(root, CAL_CHECK).choice(
            len(posterior), CHECK_DRAWS, p=w / w.sum()
        )
        check = _check(ev, setup, targets, posterior[list(setup.parameters)].to_numpy()[pick])
        simulated, resumed = ev.simulated, ev.resumed
    info = {
        "method": spec.method, "experiment": config.name, "seed": config.seed,
        "calibration_seed": setup.config.seed, "strategy": setup.config.strategies[0].name,
        "parameters": list(setup.parameters), "targets": list(names),
        "ranges_low": [r[0] for r in ranges], "ranges_high": [r[1] for r in ranges],
        "opportunities": len(frame), "data_source": str(frame.attrs.get("source", "")),
        "as_of": str(pd.Timestamp(frame.attrs["as_of"]).date()),
        "span_days": setup.config.horizon_days,
        "simulations": simulated, "resumed_simulations": resumed,
        "wall_seconds": round(time.perf_counter() - began, 3), "workers": workers,
        "backend": backend, "engine": setup.config.engine, "engine_note": config.engine_note,
        **info,
    }  # fmt: skip
    out = Calibration(spec.method, targets, estimate, posterior, check, info)
    if folder is not None:
        out.save(folder)
    return out
