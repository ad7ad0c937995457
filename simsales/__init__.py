"""simsales: which way of selling works, for which buyers, at what cost?

A Monte Carlo, discrete-event (SimPy) simulation of B2B selling. See the
README for the commands and docs/model.md for the model.
"""

from simsales.experiment.analyse import compare, select_best
from simsales.experiment.api import run
from simsales.experiment.config import Experiment
from simsales.experiment.loader import ConfigError, load_experiment
from simsales.experiment.results import Results, load_results
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
from simsales.reporting import write_report as report

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ConfigError",
    "Ending",
    "Experiment",
    "Orbit",
    "PhasedStrategy",
    "Results",
    "SellerView",
    "SequenceStrategy",
    "Strategy",
    "__version__",
    "available_strategies",
    "change_utility",
    "compare",
    "load_experiment",
    "load_results",
    "make_strategy",
    "register_strategy",
    "report",
    "run",
    "select_best",
    "value",
    "weight",
]
