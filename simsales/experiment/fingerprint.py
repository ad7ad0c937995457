"""The fingerprint of an experiment: a hash of everything that determines its numbers.

A results folder belongs to the experiment of its fingerprint (see
:mod:`simsales.store.folder`), and a part of an interrupted run is resumed only
by a run of the same fingerprint and seed (:mod:`simsales.store.parts`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from simsales.experiment.config import Experiment

__all__ = ["NEW_AT_DEFAULT", "drop_at_default", "fingerprint"]

#: Top-level keys that change how results are shown, never a replication's numbers.
_NOT_NUMBERS = (
    "replications", "description", "compare", "compare_metrics", "chart_metrics", "claims",
    "where", "data", "calibrate",
)  # fmt: skip


#: Keys added after results were stored, with the default that leaves every number as
#: it was before them: at that default a key is left out of the hash, so the
#: fingerprints of folders written before it still hold (and they resume).
NEW_AT_DEFAULT: tuple[tuple[tuple[str, ...], object], ...] = (
    (("engine",), "simpy"),
    (("posterior",), None),
    (("behaviour", "meeting_noise"), False),
)


def drop_at_default(
    data: dict[str, Any], entries: tuple[tuple[tuple[str, ...], object], ...]
) -> None:
    """Remove from a model dump ``data`` each key of ``entries`` (a path of keys and
    its default) that holds its default."""
    for path, default in entries:
        parent: Any = data
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and path[-1] in parent and parent[path[-1]] == default:
            del parent[path[-1]]


def fingerprint(config: Experiment) -> str:
    """Hash of everything that determines a replication's numbers.

    ``replications`` is left out: a run may be resumed with more of them. So are
    the keys that only say how results are shown or compared (``description``,
    ``compare``, ``compare_metrics``, ``chart_metrics``, each strategy's
    ``style``, and ``claims`` and ``[where]``, whose run over the plausible range
    goes to a folder of its own with a seed of its own, ``[data]``, a CRM export
    that is read, not simulated, and ``[calibrate]``, which only ``simsales
    calibrate`` reads): changing them and running again into the same folder is a
    run of the same experiment. Keys added since results were first stored
    (:data:`NEW_AT_DEFAULT`) count only away from their defaults.
    """
    data = config.model_dump(mode="json")
    for key in _NOT_NUMBERS:
        data.pop(key, None)
    drop_at_default(data, NEW_AT_DEFAULT)  # as before the keys existed
    for strategy in data.get("strategies", []):
        if isinstance(strategy, dict):
            strategy.pop("style", None)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
