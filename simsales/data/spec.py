"""What a CRM opportunity export looks like: its columns, its outcome labels, its dates.

A :class:`DataSpec` is the ``[data]`` table of an experiment file (or the
options of ``simsales data``). A ``preset`` fills the column names, outcome
labels and no-decision reasons of a common export shape; every key written
explicitly overrides the preset's. Without a preset, the reader picks the first
preset whose id, opening-date and outcome columns the file has
(:meth:`DataSpec.for_columns`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from simsales.data.presets import ANY_OUTCOMES, NO_DECISION, PRESETS

__all__ = [
    "COLUMN_KEYS",
    "NO_DECISION",
    "PRESETS",
    "REQUIRED_COLUMNS",
    "ColumnMap",
    "DataSpec",
    "OutcomeMap",
    "find_column",
    "normal_label",
]

#: The keys of ``columns``, in the order of the canonical frame.
COLUMN_KEYS = ("id", "opened", "closed", "outcome", "value", "loss_reason")
#: Columns every export must have (after the preset is applied).
REQUIRED_COLUMNS = ("id", "opened", "outcome")
Preset = Literal["salesforce", "hubspot", "plain"]


def normal_label(label: str) -> str:
    """A label as matched: trimmed, inner spaces collapsed, case folded.

    Examples
    --------
    >>> normal_label("  Closed   WON ")
    'closed won'
    """
    return re.sub(r"\s+", " ", label.strip()).casefold()


def find_column(header: Sequence[str], name: str) -> str | None:
    """The column of ``header`` called ``name``: exactly, else the only one equal to
    it trimmed and case-insensitively; None if there is none (or several).

    Examples
    --------
    >>> find_column(["Record ID", "Create date"], "Create Date")
    'Create date'
    """
    if name in header:
        return name
    same = [h for h in header if normal_label(str(h)) == normal_label(name)]
    return same[0] if len(same) == 1 else None


_COLUMN: JsonDict = {"allowed": "a column name of the export"}
_LABELS: JsonDict = {"allowed": "labels as the export writes them"}


def _names(v: list[str]) -> list[str]:
    for s in v:
        if not s.strip():
            raise ValueError("an empty label; give the labels as the export writes them")
    return v


class ColumnMap(BaseModel):
    """The export's column name for each field of an opportunity (matched exactly, else
    trimmed and case-insensitively)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = Field(
        None, description="the opportunity's id (unique)", json_schema_extra=_COLUMN
    )
    opened: str | None = Field(
        None,
        description="when it was opened (created); rows without it are dropped",
        json_schema_extra=_COLUMN,
    )
    closed: str | None = Field(
        None,
        description="when it was won or lost (ignored for open deals: there it is the "
        "expected close date)",
        json_schema_extra=_COLUMN,
    )
    outcome: str | None = Field(
        None,
        description="its stage, mapped to won, lost or open by `outcomes`",
        json_schema_extra=_COLUMN,
    )
    value: str | None = Field(None, description="its amount (optional)", json_schema_extra=_COLUMN)
    loss_reason: str | None = Field(
        None,
        description="why it was lost (optional; for the no-decision share)",
        json_schema_extra=_COLUMN,
    )

    @field_validator("*")
    @classmethod
    def _named(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("an empty column name; give the column's name in the export")
        return v


class OutcomeMap(BaseModel):
    """Which stage labels are won, lost and open (trimmed, case-insensitive)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    won: list[str] = Field(
        default_factory=list, description="labels of won deals", json_schema_extra=_LABELS
    )
    lost: list[str] = Field(
        default_factory=list, description="labels of lost deals", json_schema_extra=_LABELS
    )
    open: list[str] = Field(
        default_factory=list,
        description="labels of open deals (right-censored)",
        json_schema_extra=_LABELS,
    )

    @field_validator("won", "lost", "open")
    @classmethod
    def _not_empty(cls, v: list[str]) -> list[str]:
        return _names(v)

    @model_validator(mode="after")
    def _each_label_once(self) -> OutcomeMap:
        seen: dict[str, str] = {}
        for key in ("won", "lost", "open"):
            for label in getattr(self, key):
                other = seen.setdefault(normal_label(label), key)
                if other != key:
                    raise ValueError(
                        f"{label!r} is in both {other} and {key}; a label means one outcome"
                    )
        return self

    def outcome_of(self) -> dict[str, str]:
        """``normal label -> "won" | "lost" | "open"``."""
        return {
            normal_label(lab): key for key in ("won", "lost", "open") for lab in getattr(self, key)
        }


class DataSpec(BaseModel):
    """A CRM opportunity export: where it is, its columns, outcome labels and dates.

    ``preset`` fills ``columns``, ``outcomes`` and ``no_decision``; keys written
    explicitly override it (a column by column, an outcome list by list).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str | None = Field(
        None,
        description="the export; relative to the experiment file's folder",
        json_schema_extra={"allowed": "a .csv or .parquet file"},
    )
    preset: Preset | None = Field(
        None,
        description="the export's shape: fills columns, outcomes and no_decision "
        "(default: the first preset whose id, opened and outcome columns the file has)",
        json_schema_extra={"allowed": '`"salesforce"`, `"hubspot"`, `"plain"`'},
    )
    columns: ColumnMap = Field(
        default_factory=ColumnMap,
        description='the export\'s column of each field, e.g. {opened = "CreatedDate"}',
    )
    outcomes: OutcomeMap = Field(
        default_factory=OutcomeMap, description="stage labels of won, lost and open deals"
    )
    no_decision: list[str] | None = Field(
        None,
        description="loss reasons that mean no decision (status quo, indecision); any other "
        "reason is a decision loss; default: the list in docs/calibration.md",
        json_schema_extra={"allowed": "loss reasons as the export writes them"},
    )
    date_format: str | None = Field(
        None,
        description='strftime format of the dates, e.g. "%d/%m/%Y" (default: ISO 8601, '
        "else the format of the first date, month before day)",
        json_schema_extra={"allowed": "a format with % directives"},
    )
    as_of: date | None = Field(
        None,
        description="the day of the export: open deals are censored there "
        "(default: the latest date in the file)",
        json_schema_extra={"allowed": "a date: as_of = 2024-06-30"},
    )

    # what was written, before the preset filled it in (see given())
    _given: dict[str, Any] = PrivateAttr(default_factory=dict)

    @field_validator("as_of", mode="before")
    @classmethod
    def _date_text(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                return date.fromisoformat(v.strip())
            except ValueError:
                raise ValueError(f"{v!r} is not a date; write it as YYYY-MM-DD") from None
        return v

    @field_validator("path")
    @classmethod
    def _file(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("an empty path; give the export's file, .csv or .parquet")
        return v

    @field_validator("no_decision")
    @classmethod
    def _reasons(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _names(v)

    @field_validator("date_format")
    @classmethod
    def _format(cls, v: str | None) -> str | None:
        if v is not None and "%" not in v:
            raise ValueError(
                f'{v!r} has no % directive; write a strftime format such as "%Y-%m-%d" '
                'or "%d/%m/%Y %H:%M"'
            )
        return v

    @model_validator(mode="wrap")
    @classmethod
    def _apply_preset(cls, data: Any, handler: ModelWrapValidatorHandler[DataSpec]) -> DataSpec:
        given = dict(data) if isinstance(data, dict) else None
        if given is not None and isinstance(given.get("preset"), str):
            data = _filled(given, str(given["preset"]))
        spec = handler(data)
        if given is not None:
            spec._given = given
        return spec

    def __eq__(self, other: object) -> bool:
        # what was written before the preset filled it in does not make two specs differ
        if not isinstance(other, DataSpec):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    def __hash__(self) -> int:
        return hash(repr(self.model_dump()))

    def given(self) -> dict[str, Any]:
        """The keys as written, before the preset filled them in."""
        return dict(self._given) if self._given else self.model_dump(exclude_defaults=True)

    def with_changes(self, **changes: Any) -> DataSpec:
        """This spec with ``changes`` written over what was given: ``columns`` and
        ``outcomes`` key by key, other keys whole; then the preset is applied again."""
        raw = self.given()
        for key, value in changes.items():
            if key in ("columns", "outcomes") and isinstance(value, dict):
                raw[key] = {**dict(raw.get(key) or {}), **value}
            else:
                raw[key] = value
        return DataSpec.model_validate(raw)

    def for_columns(self, header: Sequence[str]) -> DataSpec:
        """This spec with a preset chosen for a file with the columns ``header``:
        its own, else (unless ``columns`` names id, opened and outcome) the first
        whose id, opened and outcome columns the file has, else none: then the
        outcome labels not given are those of all the presets.

        Raises
        ------
        ValueError
            If no preset fits and ``columns`` does not name id, opened and outcome.
        """
        if self.preset is not None:
            return self
        written = dict(self.given().get("columns") or {})
        for name in PRESETS if not all(written.get(k) for k in REQUIRED_COLUMNS) else ():
            candidate = self.with_changes(preset=name)
            if all(find_column(header, getattr(candidate.columns, k)) for k in REQUIRED_COLUMNS):
                return candidate
        missing = [k for k in REQUIRED_COLUMNS if getattr(self.columns, k) is None]
        if missing:
            expected = "; ".join(
                f"{p}: " + ", ".join(repr(PRESETS[p]["columns"][k]) for k in REQUIRED_COLUMNS)
                for p in PRESETS
            )
            raise ValueError(
                f"no preset fits the file's columns and columns.{missing[0]} is not given; "
                f"give preset or columns ({', '.join(f'columns.{k}' for k in missing)}); "
                f"the presets expect {expected}"
            )
        raw = self.given()
        raw["outcomes"] = {**ANY_OUTCOMES, **dict(raw.get("outcomes") or {})}
        return DataSpec.model_validate(raw)

    def is_preset_column(self, key: str) -> bool:
        """Whether column ``key`` has the preset's name (an optional column of a preset
        may be missing from the file). Decided by the name, not by what was written:
        a spec dumped and validated again (``Experiment.at``, ``load_modules``) has
        every column written, and must read the same file."""
        if self.preset is None:
            return False
        return bool(getattr(self.columns, key) == PRESETS[self.preset]["columns"][key])


def _filled(given: dict[str, Any], preset: str) -> dict[str, Any]:
    """``given`` with what the preset fills (unknown presets are left to validation)."""
    base = PRESETS.get(preset)
    if base is None:
        return given
    out = dict(given)
    columns, outcomes = given.get("columns", {}), given.get("outcomes", {})
    if isinstance(columns, dict):
        out["columns"] = {**base["columns"], **columns}
    if isinstance(outcomes, dict):
        out["outcomes"] = {**base["outcomes"], **outcomes}
    if given.get("no_decision") is None:
        out["no_decision"] = list(NO_DECISION)
    return out
