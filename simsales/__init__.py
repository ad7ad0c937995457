"""simsales: which way of selling works, for which buyers, at what cost?

A Monte Carlo, discrete-event (SimPy) simulation of B2B selling. See the
README for the commands and docs/model.md for the model.

The public names below are imported when first used (PEP 562), so that
``import simsales`` and the command line start at once: the analysis and
plotting libraries (pandas, scipy, matplotlib, SALib) load only when needed.
Resolving a name of the results side also loads :mod:`simsales.deprecated`,
which keeps the methods ``Results`` had in 0.2.0 for one release.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from simsales.version import __version__

#: Public name -> module that defines it (and its name there, if different).
_PUBLIC: dict[str, tuple[str, str]] = {
    "Action": ("simsales.model.actions", "Action"),
    "SellerView": ("simsales.model.actions", "SellerView"),
    "Ending": ("simsales.model.orbits", "Ending"),
    "Orbit": ("simsales.model.orbits", "Orbit"),
    "change_utility": ("simsales.model.prospect", "change_utility"),
    "value": ("simsales.model.prospect", "value"),
    "weight": ("simsales.model.prospect", "weight"),
    "PhasedStrategy": ("simsales.model.strategies", "PhasedStrategy"),
    "SequenceStrategy": ("simsales.model.strategies", "SequenceStrategy"),
    "Strategy": ("simsales.model.strategies", "Strategy"),
    "available_strategies": ("simsales.model.strategies", "available_strategies"),
    "make_strategy": ("simsales.model.strategies", "make_strategy"),
    "register_strategy": ("simsales.model.strategies", "register_strategy"),
    "Experiment": ("simsales.experiment.config", "Experiment"),
    "ConfigError": ("simsales.experiment.loader", "ConfigError"),
    "load_experiment": ("simsales.experiment.loader", "load_experiment"),
    "load_modules": ("simsales.experiment.loader", "load_modules"),
    "FolderBusy": ("simsales.store.lock", "FolderBusy"),
    "RunRecord": ("simsales.store.record", "RunRecord"),
    "load_record": ("simsales.store.record", "load_record"),
    "Results": ("simsales.store.results", "Results"),
    "ResultsError": ("simsales.store.results", "ResultsError"),
    "load_results": ("simsales.store.results", "load_results"),
    "compare": ("simsales.analysis.comparison", "compare"),
    "declared_comparisons": ("simsales.analysis.comparison", "declared_comparisons"),
    "mean_table": ("simsales.analysis.summary", "mean_table"),
    "robustness": ("simsales.analysis.robustness", "robustness"),
    "win_regions": ("simsales.analysis.robustness", "win_regions"),
    "sensitivity_indices": ("simsales.analysis.sensitivity_indices", "sensitivity_indices"),
    "where_claims": ("simsales.analysis.where_claims", "where_claims"),
    "summary_table": ("simsales.analysis.summary", "summary_table"),
    "distribution_chart": ("simsales.plots.result_charts", "distribution_chart"),
    "draw_charts": ("simsales.plots.result_charts", "draw_charts"),
    "ecdf_chart": ("simsales.plots.result_charts", "ecdf_chart"),
    "funnel_chart": ("simsales.plots.result_charts", "funnel_chart"),
    "losses_chart": ("simsales.plots.result_charts", "losses_chart"),
    "occupancy_chart": ("simsales.plots.result_charts", "occupancy_chart"),
    "result_charts": ("simsales.plots.result_charts", "result_charts"),
    "revenue_cost_chart": ("simsales.plots.result_charts", "revenue_cost_chart"),
    "save_results": ("simsales.reporting.outputs", "save_results"),
    "report": ("simsales.reporting.write", "write_report"),
    "run": ("simsales.runner.run", "run"),
    "select_best": ("simsales.runner.select_best", "select_best"),
}

#: Modules whose names hand out or take Results: resolving one attaches the deprecated methods.
_RESULTS_SIDE = (
    "simsales.store",
    "simsales.analysis",
    "simsales.plots",
    "simsales.reporting",
    "simsales.runner",
)

# as a literal list, for linters and readers; tests/test_startup.py holds it equal to _PUBLIC
__all__ = [
    "Action",
    "ConfigError",
    "Ending",
    "Experiment",
    "FolderBusy",
    "Orbit",
    "PhasedStrategy",
    "Results",
    "ResultsError",
    "RunRecord",
    "SellerView",
    "SequenceStrategy",
    "Strategy",
    "__version__",
    "available_strategies",
    "change_utility",
    "compare",
    "declared_comparisons",
    "distribution_chart",
    "draw_charts",
    "ecdf_chart",
    "funnel_chart",
    "load_experiment",
    "load_modules",
    "load_record",
    "load_results",
    "losses_chart",
    "make_strategy",
    "mean_table",
    "occupancy_chart",
    "register_strategy",
    "report",
    "result_charts",
    "revenue_cost_chart",
    "robustness",
    "run",
    "save_results",
    "select_best",
    "sensitivity_indices",
    "summary_table",
    "value",
    "weight",
    "where_claims",
    "win_regions",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use, and keep it in the module."""
    try:
        module, attr = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'simsales' has no attribute {name!r}") from None
    found = getattr(import_module(module), attr)
    if module.startswith(_RESULTS_SIDE):
        import_module("simsales.deprecated")
    globals()[name] = found
    return found


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


if TYPE_CHECKING:  # what type checkers and IDEs see
    from simsales.analysis.comparison import compare, declared_comparisons
    from simsales.analysis.robustness import robustness, win_regions
    from simsales.analysis.sensitivity_indices import sensitivity_indices
    from simsales.analysis.summary import mean_table, summary_table
    from simsales.analysis.where_claims import where_claims
    from simsales.experiment.config import Experiment
    from simsales.experiment.loader import ConfigError, load_experiment, load_modules
    from simsales.model.actions import Action, SellerView
    from simsales.model.orbits import Ending, Orbit
    from simsales.model.prospect import change_utility, value, weight
    from simsales.model.strategies import (
        PhasedStrategy,
        SequenceStrategy,
        Strategy,
        available_strategies,
        make_strategy,
        register_strategy,
    )
    from simsales.plots.result_charts import (
        distribution_chart,
        draw_charts,
        ecdf_chart,
        funnel_chart,
        losses_chart,
        occupancy_chart,
        result_charts,
        revenue_cost_chart,
    )
    from simsales.reporting.outputs import save_results
    from simsales.reporting.write import write_report as report
    from simsales.runner.run import run
    from simsales.runner.select_best import select_best
    from simsales.store.lock import FolderBusy
    from simsales.store.record import RunRecord, load_record
    from simsales.store.results import Results, ResultsError, load_results
