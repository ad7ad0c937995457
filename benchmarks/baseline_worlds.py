"""What the benchmarks that time two ways of the same work share: the command
line (``--worlds``, ``--repeat``) and the baseline worlds both ways run on."""

from __future__ import annotations

import argparse
from pathlib import Path

from simsales.engine.world import World
from simsales.experiment.config import Experiment
from simsales.experiment.loader import load_experiment
from simsales.runner.replications import build_world

BASELINE = Path(__file__).resolve().parents[1] / "experiments" / "baseline.toml"


def positive_int(text: str) -> int:
    """An ``argparse`` type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def parse(
    description: str, repeat: int, repeat_help: str
) -> tuple[argparse.Namespace, Experiment, list[World]]:
    """The arguments, the baseline experiment and its first ``--worlds`` worlds."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--worlds", type=positive_int, default=6, help="baseline replications")
    p.add_argument("--repeat", type=positive_int, default=repeat, help=repeat_help)
    args = p.parse_args()
    config = load_experiment(BASELINE)
    return args, config, [build_world(config, r) for r in range(args.worlds)]
