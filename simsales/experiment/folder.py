"""A results folder belongs to one experiment, and its analyses to one set of results.

Two rules keep a folder from mixing what does not belong together:

- **ownership**: a run writes only into a folder that is empty, absent, or
  holds results (or the ``parts/`` of an interrupted run) of the very same
  experiment (:func:`simsales.experiment.store.fingerprint`). A folder of
  another experiment, or one holding files simsales does not write, is refused
  (:class:`~simsales.experiment.store.StoreError`) unless asked to
  ``overwrite``: the old folder is then moved aside whole, never mixed with the
  new results. A ``README.md`` of one's own beside the results is allowed.
- **provenance**: every analysis file (``paired.csv``, ``selection_*.json``,
  ``sensitivity.csv``, the robustness files...) is recorded in
  ``provenance.json`` with the id of the results it was computed from
  (:func:`results_id`, a hash of the replications table). The report reads an
  analysis file only if its id is that of the results in the folder, and names
  the ones it leaves out.

One run at a time writes into a folder: it holds the folder's lock
(:mod:`simsales.experiment.lock`), which is simsales's own file, never a foreign one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from simsales.experiment.config import Experiment
from simsales.experiment.files import atomic_write
from simsales.experiment.lock import LOCK, FolderBusy, folder_lock, in_use
from simsales.experiment.store import StoreError, fingerprint
from simsales.store.errors import ResultsError
from simsales.store.record import MANIFEST, load_record

__all__ = [
    "PROVENANCE",
    "check_folder",
    "claim_folder",
    "clear_results",
    "folder_owner",
    "foreign_files",
    "provenance",
    "results_id",
    "stale_files",
    "stamp",
]

#: Where analysis files record the results they were computed from.
PROVENANCE = "provenance.json"

#: Names simsales writes into a results folder (besides charts, below).
_FILES = re.compile(
    r"""^(
        manifest\.json | replications\.parquet | timeseries\.parquet | summary\.csv
      | comparisons\.csv | paired\.csv | quantiles\.csv | failures\.json | provenance\.json
      | selection(_[\w.-]+)?\.json | sensitivity(_noise)?\.(csv|txt)
      | robustness(_\w+)?\.(csv|txt) | claims(_\w+)?\.(csv|txt|json)
      | report\.(html|md) | \.[\w.-]+\.tmp
      | \.simsales\.lock(\.\d+\.stale)?
    )$""",
    re.VERBOSE,
)
#: Charts: any stem, in the formats :func:`simsales.plots.style.save_figure` writes.
_CHARTS = re.compile(r"^[\w.-]+\.(png|pdf|svg)$")
#: Entries kept in a results folder although simsales did not write them, and its
#: sub-folders: ``parts/`` and ``where/`` (a study's run over the plausible range,
#: a results folder of its own).
_ALLOWED = frozenset({"README.md", "parts", "where"})


def _ours(entry: Path) -> bool:
    if entry.name in _ALLOWED:
        return True
    if entry.is_dir():
        return False
    return bool(_FILES.match(entry.name) or _CHARTS.match(entry.name))


def foreign_files(directory: Path) -> list[str]:
    """Names of the entries of ``directory`` that simsales does not write, sorted."""
    return sorted(e.name for e in directory.iterdir() if not _ours(e))


def folder_owner(directory: Path) -> tuple[str | None, str] | None:
    """Whose results ``directory`` holds: ``(fingerprint, description)``, or None if
    it holds neither a manifest nor the parts of an interrupted run.

    The fingerprint is None when the manifest cannot be read or understood.
    """
    if (directory / MANIFEST).is_file():
        try:
            record = load_record(directory)
        except ResultsError:
            return None, "a results folder whose manifest.json cannot be read"
        return record.fingerprint, (
            f"the results of experiment {record.experiment!r} (seed {record.seed})"
        )
    stamp_file = directory / "parts" / "experiment.sha256"
    if stamp_file.is_file():
        try:
            key = stamp_file.read_text(encoding="utf-8").strip()
        except OSError:
            key = ""
        return key or None, "the parts of an interrupted run"
    return None


def _problem(directory: Path, key: str | None) -> str | None:
    """Why the results of the experiment of fingerprint ``key`` may not be written into
    ``directory``, or None."""
    if not directory.exists():
        return None
    if not directory.is_dir():
        return "exists and is not a folder"
    entries = [e for e in directory.iterdir() if e.name not in ("README.md", LOCK)]
    if not entries:
        return None
    owner = folder_owner(directory)
    if owner is None:
        shown = sorted(e.name for e in entries)
        more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
        return f"holds files that are not simsales results ({', '.join(shown[:5])}{more})"
    foreign = foreign_files(directory)
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        return f"holds files simsales did not write ({', '.join(foreign[:5])}{more})"
    owned_by, what = owner
    if owned_by != key:
        return f"holds {what}, another experiment or seed"
    return None


def _key(config: Experiment | str | None) -> str | None:
    return fingerprint(config) if isinstance(config, Experiment) else config


def check_folder(
    directory: str | Path, config: Experiment | str | None, *, overwrite: bool = False
) -> None:
    """Raise :class:`StoreError` if ``config``'s results may not go to ``directory``.

    ``config`` is the experiment, or its fingerprint (None: unknown, as for
    results made by hand; they may go where other such results are).

    Allowed: a folder that does not exist, is empty, or holds results or parts
    of the same experiment (same fingerprint: same keys and seed; more or fewer
    replications are fine). With ``overwrite`` anything else is allowed too
    (:func:`claim_folder` then moves it aside), except a path that is a file.

    Raises
    ------
    FolderBusy
        If another run is writing into ``directory`` (it holds its lock).
    StoreError
        If the results may not go there.
    """
    d = Path(directory)
    busy = in_use(d) if d.is_dir() else None
    if busy:
        raise FolderBusy(busy)
    problem = _problem(d, _key(config))
    if problem is None:
        return
    if d.exists() and not d.is_dir():
        raise StoreError(f"{str(d)!r}: {problem}")
    if not overwrite:
        raise StoreError(
            f"{str(d)!r} {problem}; a results folder belongs to one experiment: give "
            "another --out, or --overwrite to replace it (the old folder is moved aside "
            "whole, nothing is deleted). --resume continues an interrupted run of the same "
            "experiment only"
        )


def claim_folder(
    directory: str | Path, config: Experiment, *, overwrite: bool = False
) -> Path | None:
    """Check ``directory`` for ``config`` (:func:`check_folder`); with ``overwrite``, move
    a folder that holds anything else aside, to ``NAME.replaced-YYYYMMDDTHHMMSS``.

    A folder is moved only while holding its lock (:func:`simsales.experiment.lock.folder_lock`),
    so never from under a run that is writing into it.

    Returns
    -------
    Path or None
        Where the old folder went, if it was moved.

    Raises
    ------
    StoreError
        See :func:`check_folder`.
    FolderBusy
        If it is to be moved and another run is writing into it.
    """
    d = Path(directory)
    check_folder(d, config, overwrite=overwrite)
    if _problem(d, _key(config)) is None:
        return None
    stamp_text = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    aside = d.with_name(f"{d.name}.replaced-{stamp_text}")
    k = 1
    while aside.exists():
        k += 1
        aside = d.with_name(f"{d.name}.replaced-{stamp_text}-{k}")
    with folder_lock(d):
        d.rename(aside)
        (aside / LOCK).unlink(missing_ok=True)
    return aside


#: Tables and report of a run, replaced by the next run of the same experiment.
_RUN_FILES = (
    "replications.parquet", "timeseries.parquet", "summary.csv", "comparisons.csv",
    "report.html", "report.md",
)  # fmt: skip


def clear_results(directory: Path) -> None:
    """Remove an earlier run's tables, report and charts from a folder of this same
    experiment (when no replication of the new run finished, so that nothing in the
    folder contradicts its new manifest). Parts, analysis files (their provenance
    tells they are stale), ``README.md`` and anything else are left alone."""
    for name in _RUN_FILES:
        (directory / name).unlink(missing_ok=True)
    for entry in directory.iterdir():
        if entry.is_file() and _CHARTS.match(entry.name):
            entry.unlink()


# ------------------------------------------------------------------ provenance
def results_id(replications: pd.DataFrame) -> str:
    """A short hash of a replications table's columns and values.

    Equal tables (the same experiment, seed and replications) have equal ids,
    so an analysis of an earlier run with the same numbers stays valid.
    """
    h = hashlib.sha256(json.dumps([str(c) for c in replications.columns]).encode())
    h.update(pd.util.hash_pandas_object(replications, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def provenance(directory: Path) -> dict[str, str]:
    """``file name -> results id`` recorded in ``directory`` (empty if none or unreadable)."""
    try:
        data = json.loads((Path(directory) / PROVENANCE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {str(k): str(v) for k, v in files.items()}


def stamp(directory: str | Path, names: Iterable[str], source: str) -> None:
    """Record that the files ``names`` in ``directory`` were computed from results ``source``."""
    d = Path(directory)
    files = provenance(d)
    files.update(dict.fromkeys(names, source))
    text = json.dumps({"files": dict(sorted(files.items()))}, indent=2) + "\n"
    atomic_write(d / PROVENANCE, lambda p: p.write_text(text, encoding="utf-8"))


def stale_files(directory: Path, names: Iterable[str], source: str) -> dict[str, str]:
    """Of the files ``names`` present in ``directory``, those not computed from results
    ``source``, each with why (for a report to leave out and name)."""
    recorded = provenance(directory)
    out = {}
    for name in names:
        if not (directory / name).is_file():
            continue
        if name not in recorded:
            out[name] = (
                "no record of the results it was computed from (written by hand or by an "
                "older simsales); run its analysis again to include it"
            )
        elif recorded[name] != source:
            out[name] = (
                "computed from other results than those in this folder (an earlier run); "
                "run its analysis again to include it"
            )
    return out
