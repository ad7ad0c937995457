"""What ran an experiment: simsales's version and commit, Python, the platform, and the
versions of the numerical dependencies, for the run's record."""

from __future__ import annotations

import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["DEPENDENCIES", "environment", "git_commit"]

#: The dependencies whose versions a run records.
DEPENDENCIES = ("numpy", "scipy", "simpy", "pandas", "pyarrow", "pydantic", "matplotlib")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], capture_output=True, text=True, timeout=5, check=True
    ).stdout.strip()


def git_commit() -> str | None:
    """Commit of the simsales source tree, if simsales runs from its git checkout.

    None for an installed copy (its version identifies it then), and never
    the commit of some other repository the environment happens to sit in.
    """
    package = Path(__file__).resolve().parents[1]  # the simsales/ folder
    root = package.parent
    try:
        top = _git("-C", str(package), "rev-parse", "--show-toplevel")
        if Path(top).resolve() != root or not (root / "pyproject.toml").is_file():
            return None
        commit = _git("-C", str(package), "rev-parse", "HEAD")
        dirty = _git("-C", str(package), "status", "--porcelain", "--", ".")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "") if commit else None


def environment() -> dict[str, Any]:
    """The fields of :class:`simsales.store.record.RunRecord` that say what ran a run."""
    return {
        "simsales_version": _version("simsales"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "dependencies": {d: _version(d) for d in DEPENDENCIES},
        "git_commit": git_commit(),
    }
