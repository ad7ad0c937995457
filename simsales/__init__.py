"""simsales: which way of selling works, for which buyers, at what cost?

A Monte Carlo, discrete-event (SimPy) simulation of B2B selling. See the
README for the commands and docs/model.md for the model.

The public names below are imported when first used (PEP 562), so that
``import simsales`` and the command line start at once: the analysis and
plotting libraries (pandas, scipy, matplotlib, SALib) load only when needed.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

#: Public name -> module that defines it (and its name there, if different).
_PUBLIC: dict[str, tuple[str, str]] = {
    "compare": ("simsales.experiment.analyse", "compare"),
    "select_best": ("simsales.experiment.analyse", "select_best"),
    "run": ("simsales.experiment.api", "run"),
    "Experiment": ("simsales.experiment.config", "Experiment"),
    "distribution_chart": ("simsales.experiment.figures", "distribution_chart"),
    "ecdf_chart": ("simsales.experiment.figures", "ecdf_chart"),
    "ConfigError": ("simsales.experiment.loader", "ConfigError"),
    "load_experiment": ("simsales.experiment.loader", "load_experiment"),
    "load_modules": ("simsales.experiment.loader", "load_modules"),
    "FolderBusy": ("simsales.experiment.lock", "FolderBusy"),
    "Results": ("simsales.experiment.results", "Results"),
    "ResultsError": ("simsales.experiment.results", "ResultsError"),
    "load_results": ("simsales.experiment.results", "load_results"),
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
    "report": ("simsales.reporting.write", "write_report"),
}

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
    "SellerView",
    "SequenceStrategy",
    "Strategy",
    "__version__",
    "available_strategies",
    "change_utility",
    "compare",
    "distribution_chart",
    "ecdf_chart",
    "load_experiment",
    "load_modules",
    "load_results",
    "make_strategy",
    "register_strategy",
    "report",
    "run",
    "select_best",
    "value",
    "weight",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use, and keep it in the module."""
    try:
        module, attr = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'simsales' has no attribute {name!r}") from None
    found = getattr(import_module(module), attr)
    globals()[name] = found
    return found


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})


if TYPE_CHECKING:  # what type checkers and IDEs see
    from simsales.experiment.analyse import compare, select_best
    from simsales.experiment.api import run
    from simsales.experiment.config import Experiment
    from simsales.experiment.figures import distribution_chart, ecdf_chart
    from simsales.experiment.loader import ConfigError, load_experiment, load_modules
    from simsales.experiment.lock import FolderBusy
    from simsales.experiment.results import Results, ResultsError, load_results
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
    from simsales.reporting.write import write_report as report
