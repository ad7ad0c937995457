"""What goes wrong with a results folder: reading damaged results, writing where not allowed."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ResultsError", "StoreError", "damaged"]


class ResultsError(ValueError):
    """A stored results folder that cannot be read: which file, what is wrong with it,
    and what to do (run the experiment again, or restore the file)."""


class StoreError(ValueError):
    """An output folder that results may not be written into (it holds another
    experiment, or files simsales does not write), or whose parts cannot be resumed."""


#: What to do about a damaged results file.
_FIX = (
    "it is damaged or was not written by simsales; run the experiment again (or restore "
    "the file from a copy)"
)


def damaged(path: Path, what: str, fix: str = _FIX) -> ResultsError:
    """The error for the file ``path``: ``what`` is wrong with it, and ``fix`` what to do."""
    return ResultsError(f"{str(path)!r}: {what}; {fix}")
