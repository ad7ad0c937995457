"""The ``simsales`` command line.

Exit status: 0 success, 2 bad input (nothing written), 1 a failure while
running, 130 interrupted (finished replications are kept for ``--resume``).
Each command lives in a module of its own; importing them registers them on
:data:`app`, in the order ``simsales --help`` lists them.
"""

# isort: off
# importing a command module registers its commands, in this (the help's) order
from simsales.cli import run, where, statistics, studies, report, info, data, calibrate  # noqa: F401

# isort: on
from simsales.cli.common import app
from simsales.cli.studies import NOT_STUDIES

__all__ = ["NOT_STUDIES", "app", "main"]


def main() -> None:
    """Console-script entry point."""
    app(prog_name="simsales")
