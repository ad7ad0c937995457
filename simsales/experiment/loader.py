"""Reading experiment files, with errors that name the key and what is allowed."""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simsales.experiment.config import Experiment
from simsales.experiment.errors import error_lines

__all__ = ["ConfigError", "load_experiment", "to_experiment"]


class ConfigError(ValueError):
    """An experiment that cannot run; ``errors`` holds one line per problem."""

    def __init__(self, errors: list[str], source: str = "experiment") -> None:
        self.errors = errors
        self.source = source
        super().__init__(f"{source}: " + "; ".join(errors))

    def __str__(self) -> str:
        lines = [f"invalid experiment {self.source}:"] + [f"  - {e}" for e in self.errors]
        return "\n".join(lines)


def to_experiment(
    data: Mapping[str, Any] | Experiment, source: str = "experiment", **overrides: Any
) -> Experiment:
    """Validate a mapping (or re-validate an Experiment with overrides).

    Parameters
    ----------
    data : mapping or Experiment
        The experiment's keys, as in a TOML file.
    source : str
        Names the input in error messages.
    **overrides
        Top-level keys to replace (``replications``, ``seed``, ...); None is ignored.

    Raises
    ------
    ConfigError
        Listing every problem with its key path.
    """
    raw = data.model_dump() if isinstance(data, Experiment) else dict(data)
    raw.update({k: v for k, v in overrides.items() if v is not None})
    try:
        # strict: "7" is not a seed and true is not a count; ints still pass as floats
        return Experiment.model_validate(raw, strict=True)
    except ValidationError as e:
        raise ConfigError(error_lines(e), source) from None


def load_experiment(path: str | Path, **overrides: Any) -> Experiment:
    """Read, and fully validate, an experiment file.

    Module paths ending in ``.py`` are taken relative to the file's folder.

    Raises
    ------
    ConfigError
        If the file is missing, is not valid TOML, or has any bad value.
    """
    p = Path(path)
    if not p.exists():
        raise ConfigError([f"no such file: {str(p)!r}"], str(p))
    if not p.is_file():
        raise ConfigError([f"not a file: {str(p)!r} (give an experiment .toml file)"], str(p))
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError([f"TOML syntax error: {e}"], str(p)) from None
    except UnicodeDecodeError as e:
        raise ConfigError([f"not a UTF-8 text file: {e}"], str(p)) from None
    mods = raw.get("modules")
    if isinstance(mods, list):
        raw["modules"] = [
            str((p.parent / m).resolve()) if isinstance(m, str) and m.endswith(".py") else m
            for m in mods
        ]
        if any(isinstance(m, str) and not m.endswith(".py") for m in mods):
            # dotted module names are found next to the experiment file too,
            # whether simsales runs as a console script or as python -m
            folder = str(p.parent.resolve())
            if folder not in sys.path:
                sys.path.insert(0, folder)
    return to_experiment(raw, str(p), **overrides)
