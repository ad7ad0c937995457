"""The record of a run: the experiment as validated, its seed, the versions and commit
that ran it, and how the run went.

A run writes its :class:`RunRecord` to ``manifest.json`` in its results folder;
:func:`load_record` is the one way to read it back, into the same type. Nothing
reads the manifest by key.

Formats
-------
The manifest carries a ``format`` number, :data:`FORMAT` for what this simsales
writes. A manifest without one was written by simsales 0.2.0 or earlier
(format 0: the same keys, no ``format``); :func:`upgrade_manifest` turns it into
the current format, so older results folders still load. A manifest of a
newer format than this simsales knows is refused, saying to install a newer
simsales.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field

from simsales.experiment.config import Experiment
from simsales.experiment.errors import error_lines
from simsales.experiment.fingerprint import fingerprint
from simsales.store.errors import ResultsError, damaged
from simsales.store.files import atomic_write
from simsales.version import __version__

__all__ = [
    "FORMAT",
    "MANIFEST",
    "FailedReplication",
    "OtherVersion",
    "PrecisionReached",
    "RunRecord",
    "load_record",
    "parse_record",
    "upgrade_manifest",
    "write_record",
]

#: The manifest format this simsales writes (and the newest it reads).
FORMAT: Literal[1] = 1
#: The file of a results folder that holds its run record.
MANIFEST = "manifest.json"
#: Keys of the manifest that repeat the experiment's own (written for people and
#: other tools; read back from the experiment).
_FROM_CONFIG = {"experiment": "name", "seed": "seed", "replications": "replications"}


class OtherVersion(ResultsError):
    """A manifest this simsales cannot read because another version wrote it: a newer
    format, or an older experiment that no longer validates. The message says what
    to do."""


class FailedReplication(BaseModel):
    """A replication that raised, as the record keeps it (``failures.json`` has its
    traceback too)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    point: int = Field(0, ge=0, description="design point (0 without a design)")
    replication: int = Field(ge=0)
    seed: int = Field(description="root seed of the run")
    spawn_key: list[int] = Field(description="the replication's SeedSequence spawn key")
    error: str
    where: str = Field("", description="file and line where it was raised")


class PrecisionReached(BaseModel):
    """What a run asked to a precision (``--precision``) reached."""

    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="constants")

    target_half_width: float = Field(gt=0)
    metrics: list[str]
    replications: int = Field(ge=1, description="replications run")
    max_replications: int = Field(ge=1)
    met: bool
    half_widths: dict[str, dict[str, float]] = Field(
        description="strategy (per design point) -> metric -> 95% CI half-width reached; "
        "infinite where fewer than two replications define it"
    )

    def widest(self) -> tuple[float, str, str]:
        """The widest half-width reached, with its strategy and metric."""
        return max(
            ((hw, s, m) for s, per in self.half_widths.items() for m, hw in per.items()),
            default=(math.nan, "", ""),
        )


class RunRecord(BaseModel):
    """Everything needed to know how a result was made.

    Attributes
    ----------
    format : int
        Format of the manifest (:data:`FORMAT`).
    config : Experiment
        The experiment as run (validated), with its seed and replications.
    fingerprint : str
        Hash of everything in it that determines a replication's numbers
        (:func:`simsales.experiment.fingerprint.fingerprint`): the folder's owner.
    results_id : str or None
        Hash of the replications table written with it (None until written).
    simsales_version, python, platform : str or None
        Versions and machine that ran it (None: not recorded).
    dependencies : dict
        Version of each numerical dependency.
    git_commit : str or None
        Commit of the simsales checkout that ran it (``-dirty`` if changed);
        None for an installed copy.
    backend : {"local", "dask"}
        Where the replications ran.
    workers : int or None
        Worker processes used.
    wall_seconds : float or None
        Wall time of the run.
    resumed_replications : int
        Replications taken from an interrupted run's parts.
    precision : PrecisionReached or None
        With ``--precision``: what was reached.
    engine_note : str or None
        Why the run's engine (``config.engine``) is the one it is when no file or
        option named it (a design runs on the array engine by default); None when
        it was named.
    failures : list of FailedReplication
        Replications that raised.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_inf_nan="constants")

    format: Literal[1] = FORMAT
    config: Experiment
    fingerprint: str = Field(min_length=1)
    results_id: str | None = None
    simsales_version: str | None = None
    python: str | None = None
    platform: str | None = None
    dependencies: dict[str, str | None] = Field(default_factory=dict)
    git_commit: str | None = None
    backend: Literal["local", "dask"] = "local"
    workers: int | None = Field(None, ge=1)
    wall_seconds: float | None = Field(None, ge=0)
    resumed_replications: int = Field(0, ge=0)
    precision: PrecisionReached | None = None
    engine_note: str | None = None
    failures: list[FailedReplication] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def experiment(self) -> str:
        """The experiment's name."""
        return self.config.name

    @computed_field  # type: ignore[prop-decorator]
    @property
    def seed(self) -> int:
        """The root seed of every random stream of the run."""
        return self.config.seed

    @computed_field  # type: ignore[prop-decorator]
    @property
    def replications(self) -> int:
        """Replications of each design point."""
        return self.config.replications

    def took(self) -> str:
        """The run's wall time for people, e.g. ``"36.6 s"``."""
        return "time not recorded" if self.wall_seconds is None else f"{self.wall_seconds:.1f} s"

    def to_json(self) -> str:
        """The manifest's text: the name, seed and replications first, for people."""
        data = self.model_dump(mode="json")
        first = {k: data.pop(k) for k in ("format", *_FROM_CONFIG)}
        return json.dumps({**first, **data}, indent=2) + "\n"


def upgrade_manifest(data: Mapping[str, Any]) -> dict[str, Any]:
    """A manifest's content in the current format (:data:`FORMAT`).

    Format 0 (simsales 0.2.0 and earlier, no ``format`` key) had the same keys;
    some were added over its life, so those missing get their meaning then
    (``backend`` local, no resumed or failed replications). Its ``config`` may
    lack the name, seed and replications of a hand-made manifest: they are
    taken from the top-level keys. Its fingerprint, if missing, is computed from
    the config validated again (which fills keys added since).

    Raises
    ------
    ResultsError
        With the problem, without the file's name (:func:`load_record` adds it);
        :class:`OtherVersion` for a newer format.
    """
    out = dict(data)
    version = out.get("format", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise ResultsError(f"'format' must be a whole number, got {version!r:.60}")
    if version > FORMAT:
        raise OtherVersion(
            f"it is of manifest format {version}, written by a newer simsales than this one "
            f"(which reads formats up to {FORMAT}); install a newer simsales "
            "(pip install -U simsales) to read it"
        )
    if version == FORMAT:
        return out
    config = out.get("config")
    if not isinstance(config, dict):
        got = "it is missing" if config is None else f"got {config!r:.60}"
        raise ResultsError(f"'config' must be an object (the experiment as run); {got}")
    config = dict(config)
    for key, name in _FROM_CONFIG.items():
        if key in out:
            config.setdefault(name, out[key])
    out["config"] = config
    out["format"] = FORMAT
    out.setdefault("backend", "local")
    if "fingerprint" not in out:
        try:
            experiment = Experiment.model_validate(config, strict=False)
        except ValidationError as e:
            raise _invalid_config(e, data) from None
        out["fingerprint"] = fingerprint(experiment)
    return out


def _invalid_config(e: ValidationError, data: Mapping[str, Any]) -> ResultsError:
    """The error for the experiment of a format-0 manifest that does not validate: one of
    another simsales version (:class:`OtherVersion`), or a damaged one."""
    problems = "; ".join(error_lines(e, prefix="config", model=Experiment, limit=5))
    version = data.get("simsales_version")
    if not isinstance(version, str) or version == __version__:
        return ResultsError(problems)
    return OtherVersion(
        f"the experiment it records no longer validates ({problems}); it was written by "
        f"simsales {version}, this is {__version__}: run the experiment again with this "
        f"one (simsales run FILE --overwrite), or read these results with simsales {version}"
    )


def parse_record(data: object) -> RunRecord:
    """The :class:`RunRecord` a manifest's content holds, upgraded from an older format.

    Raises
    ------
    ResultsError
        If it is not a JSON object, does not validate, or repeats the
        experiment's name, seed or replications differently (the message names
        each problem; :func:`load_record` prefixes the file).
    OtherVersion
        If it is of a newer format, or of an older one whose experiment no
        longer validates with this simsales.
    """
    if not isinstance(data, Mapping):
        kind = "null" if data is None else type(data).__name__
        raise ResultsError(f"must hold a JSON object, it holds {kind}")
    old = data.get("format", 0) != FORMAT
    current = upgrade_manifest(data)
    repeated = {k: current.pop(k) for k in _FROM_CONFIG if k in current}
    try:
        record = RunRecord.model_validate(current, strict=False)
    except ValidationError as e:
        within_config = all(err["loc"][:1] == ("config",) for err in e.errors())
        if old and within_config:
            try:
                Experiment.model_validate(current["config"], strict=False)
            except ValidationError as config_error:
                raise _invalid_config(config_error, data) from None
        raise ResultsError("; ".join(error_lines(e, limit=5))) from None
    differ = [
        f"{key!r} is {value!r:.60} but the experiment's {_FROM_CONFIG[key]!r} is "
        f"{getattr(record, key)!r}"
        for key, value in repeated.items()
        if value != getattr(record, key)
    ]
    if differ:
        raise ResultsError("; ".join(differ))
    return record


def load_record(folder: str | Path) -> RunRecord:
    """Read the :class:`RunRecord` of the results folder ``folder`` (its ``manifest.json``).

    Raises
    ------
    ResultsError
        If the file is missing, unreadable, not JSON, or does not hold a record
        (:func:`parse_record`); the message names the file and what to do.
    """
    path = Path(folder) / MANIFEST
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise damaged(path, "is missing", "it is written by `simsales run`") from None
    except OSError as e:
        raise damaged(path, f"cannot be read ({e.strerror})") from None
    except UnicodeDecodeError:
        raise damaged(path, "is not text (binary content)") from None
    if not text.strip():
        raise damaged(path, "is empty")
    try:
        data = json.loads(text)
    except ValueError as e:
        raise damaged(path, f"is not valid JSON ({e})") from None
    try:
        return parse_record(data)
    except OtherVersion as e:
        raise OtherVersion(f"{str(path)!r}: {e}") from None
    except ResultsError as e:
        raise damaged(path, str(e)) from None


def write_record(folder: str | Path, record: RunRecord) -> Path:
    """Write ``record`` to ``folder/manifest.json`` (atomically); returns the path."""
    path = Path(folder) / MANIFEST
    text = record.to_json()
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path
