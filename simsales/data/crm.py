"""Reading a CRM opportunity export into the canonical frame, every problem named.

One row per opportunity, CSV or Parquet (by the file's extension). What is
read (:func:`read_opportunities`):

- ``id`` (str), ``opened`` and ``closed`` (datetime64[ns]; ``closed`` is NaT for
  open deals, whose close date in an export is only the expected one),
  ``outcome`` (categorical: won, lost, open), ``value`` (float64, NaN unknown),
  ``loss_reason`` (string, ``<NA>`` unknown; kept for lost deals only),
  ``no_decision`` (boolean: for lost deals with a known reason, ``<NA>``
  otherwise) and ``stage`` (the label as written);
- ``attrs``: ``as_of`` (Timestamp), ``source`` (the path), ``dropped_no_open_date``
  (rows without an opening date: dropped and counted), ``dropped_rows`` (their row
  numbers), ``blank_rows`` and ``footer_rows`` (empty rows, and trailing rows with
  neither an opening date nor an outcome, such as a Salesforce report's footer;
  ignored), ``date_formats`` (how each date column was read).

Any problem (a bad date, an unknown outcome label, a close before the opening, a
negative value, a won or lost deal without a close date, a duplicate id, a
missing column) is collected with its row and column, and all of them are
raised together as one :class:`CRMError`: nothing is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simsales.data.parse import ISO, parse_dates, parse_values, row_numbers, text
from simsales.data.spec import COLUMN_KEYS, NO_DECISION, DataSpec, find_column, normal_label

__all__ = ["MAX_SHOWN", "OUTCOMES", "CRMError", "Problem", "read_opportunities"]

#: Problems listed in a :class:`CRMError`'s message; the rest are counted.
MAX_SHOWN = 20
#: The outcome categories, in this order.
OUTCOMES = ("won", "lost", "open")
_SUFFIXES = {".csv": True, ".parquet": False, ".pq": False}
_ROWS_NOTE = {
    True: "rows numbered as in a spreadsheet: the header is row 1",
    False: "rows numbered from 1",
}


@dataclass(frozen=True)
class Problem:
    """One problem of an export: its row (None: the whole file), column and what is wrong."""

    row: int | None
    column: str | None
    message: str

    def describe(self, path: str) -> str:
        """``FILE, row R, column 'C': message``."""
        where = [path]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return ", ".join(where) + ": " + self.message


class CRMError(ValueError):
    """An export that cannot be read: every problem, each with its file, row and column.

    ``path``, ``row``, ``column`` and ``message`` are those of the first problem;
    ``problems`` holds them all.
    """

    def __init__(
        self,
        path: str | Path,
        row: int | None,
        column: str | None,
        message: str,
        problems: Sequence[Problem] | None = None,
        note: str = "",
    ) -> None:
        self.path = str(path)
        self.problems = list(problems) if problems else [Problem(row, column, message)]
        first = self.problems[0]
        self.row, self.column, self.message = first.row, first.column, first.message
        self.note = note
        super().__init__(self.path, self.row, self.column, self.message)

    def lines(self, limit: int = MAX_SHOWN) -> list[str]:
        """One line per problem, the first ``limit`` of them, then how many more."""
        shown = [p.describe(self.path) for p in self.problems[:limit]]
        rest = len(self.problems) - limit
        return shown + (
            [f"... and {rest} more problem{'s' if rest > 1 else ''}"] if rest > 0 else []
        )

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"cannot read {self.path}: {n} problem{'s' if n > 1 else ''}"
        if self.note:
            head += f" ({self.note})"
        return "\n".join([head + ":", *(f"  - {line}" for line in self.lines())])


def read_opportunities(path: str | Path, spec: DataSpec | None = None) -> pd.DataFrame:
    """The opportunities of a CRM export as the canonical frame (see the module).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (UTF-8, with or without a byte-order mark; comma, semicolon or
        tab separated) or ``.parquet`` file, one row per opportunity.
    spec : DataSpec, optional
        Its columns, outcome labels and dates (default: a preset chosen from the
        file's columns).

    Raises
    ------
    CRMError
        Listing every problem, each with the file, the row and the column.
    """
    p = Path(path)
    raw, csv = _table(p)
    header = [str(c) for c in raw.columns]
    raw.columns = pd.Index(header)
    try:
        spec = (spec if spec is not None else DataSpec()).for_columns(header)
    except ValueError as e:
        raise CRMError(p, None, None, f"{e}; its columns: {_listing(header)}") from None
    names = _columns(p, spec, header)
    rows = row_numbers(len(raw), csv)
    blank, footer = _ignored(raw, names)
    keep = ~(blank | footer)
    sub = raw.loc[keep, list(dict.fromkeys(names.values()))].reset_index(drop=True)
    rows = rows[keep]
    no_open = text(sub[names["opened"]]).isna().to_numpy()
    dropped = rows[no_open].tolist()
    sub, rows = sub[~no_open].reset_index(drop=True), rows[~no_open]
    if sub.empty:
        why = f"; {len(dropped)} without an opening date" if dropped else ""
        raise CRMError(p, None, names["opened"], f"no opportunities in the file{why}")

    problems: list[Problem] = []
    frame, formats = _Rows(sub, names, rows, spec, problems).frame()
    if problems:
        problems.sort(key=lambda q: (q.row or 0, str(q.column)))
        first = problems[0]
        raise CRMError(p, first.row, first.column, first.message, problems, _ROWS_NOTE[csv])
    frame.attrs.update(
        source=str(p),
        dropped_no_open_date=len(dropped),
        dropped_rows=dropped,
        blank_rows=int(blank.sum()),
        footer_rows=int(footer.sum()),
        date_formats=formats,
        preset=spec.preset,
    )
    return frame


def _listing(header: Sequence[str]) -> str:
    return ", ".join(repr(h) for h in header) if header else "none"


def _table(p: Path) -> tuple[pd.DataFrame, bool]:
    """The file's cells (CSV: all as text) and whether it is a CSV file."""
    if not p.exists():
        raise CRMError(p, None, None, "no such file")
    if not p.is_file():
        raise CRMError(p, None, None, "not a file (give a .csv or .parquet export)")
    csv = _SUFFIXES.get(p.suffix.lower())
    if csv is None:
        raise CRMError(
            p,
            None,
            None,
            f"unsupported file type {p.suffix or '(none)'!r}; allowed: "
            f"{', '.join(_SUFFIXES)} (save the export as CSV, UTF-8)",
        )
    try:
        if not csv:
            return pd.read_parquet(p).reset_index(drop=True), False
        with p.open(encoding="utf-8-sig") as f:
            first = f.readline()
        sep = max([",", ";", "\t"], key=first.count)
        table = pd.read_csv(
            p,
            sep=sep,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except UnicodeDecodeError:
        raise CRMError(p, None, None, "not UTF-8 text; save the export as CSV UTF-8") from None
    except pd.errors.EmptyDataError:
        raise CRMError(p, None, None, "the file is empty (no header row)") from None
    except (pd.errors.ParserError, ValueError, OSError) as e:
        kind = "CSV" if csv else "Parquet"
        raise CRMError(p, None, None, f"not a readable {kind} file: {e}") from None
    return table, True


def _columns(p: Path, spec: DataSpec, header: list[str]) -> dict[str, str]:
    """``key -> the file's column`` for each column the spec names and the file has."""
    import difflib

    names: dict[str, str] = {}
    problems = []
    for key in COLUMN_KEYS:
        name = getattr(spec.columns, key)
        if name is None:
            continue
        found = find_column(header, name)
        if found is not None:
            names[key] = found
        elif key in ("id", "opened", "outcome") or not spec.is_preset_column(key):
            near = difflib.get_close_matches(name, header, n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(
                Problem(
                    None,
                    name,
                    f"no such column (columns.{key}){hint}; the file's columns: {_listing(header)}",
                )
            )
    if problems:
        raise CRMError(p, None, problems[0].column, problems[0].message, problems)
    return names


def _ignored(raw: pd.DataFrame, names: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Rows with no cell filled, and the trailing rows (a report's footer) with neither
    an opening date nor an outcome."""
    filled = np.zeros(len(raw), dtype=bool)
    for c in raw.columns:
        filled |= text(raw[c]).notna().to_numpy()
    blank = ~filled
    empty = (text(raw[names["opened"]]).isna() & text(raw[names["outcome"]]).isna()).to_numpy()
    trailing = np.cumprod(empty[::-1])[::-1].astype(bool)
    return blank, trailing & ~blank


class _Rows:
    """The rows kept, read into the canonical frame; problems are appended to ``problems``."""

    def __init__(
        self,
        sub: pd.DataFrame,
        names: dict[str, str],
        rows: np.ndarray,
        spec: DataSpec,
        problems: list[Problem],
    ) -> None:
        self.sub, self.names, self.rows, self.spec = sub, names, rows, spec
        self.problems = problems

    def _add(self, mask: np.ndarray | pd.Series, key: str, message: object) -> None:
        """A problem for each row where ``mask``; ``message`` is a text or a function of
        the row's position."""
        for i in np.flatnonzero(np.asarray(mask, dtype=bool)):
            msg = message(i) if callable(message) else str(message)
            self.problems.append(Problem(int(self.rows[i]), self.names.get(key, key), msg))

    def frame(self) -> tuple[pd.DataFrame, dict[str, str]]:
        ids = self._ids()
        stage, outcome = self._outcomes()
        opened, closed, formats = self._dates(outcome)
        value = self._values()
        reason, no_decision = self._reasons(outcome)
        as_of = self._as_of(opened, closed)
        frame = pd.DataFrame(
            {
                "id": ids.astype(str),
                "opened": opened,
                "closed": closed,
                "outcome": pd.Categorical(outcome, categories=list(OUTCOMES)),
                "value": value,
                "loss_reason": reason,
                "no_decision": no_decision,
                "stage": stage.fillna("").astype(str),
            }
        )
        frame.attrs["as_of"] = as_of
        return frame, formats

    def _cells(self, key: str) -> pd.Series:
        return self.sub[self.names[key]]

    def _ids(self) -> pd.Series:
        ids = text(self._cells("id"))
        self._add(ids.isna(), "id", "no id (empty cell)")
        first: dict[str, int] = {}
        for i, v in enumerate(ids.tolist()):
            if isinstance(v, str):
                at = first.setdefault(v, int(self.rows[i]))
                if at != int(self.rows[i]):
                    self._add(
                        np.arange(len(ids)) == i, "id", f"duplicate id {v!r} (first at row {at})"
                    )
        return ids.fillna("")

    def _outcomes(self) -> tuple[pd.Series, np.ndarray]:
        stage = text(self._cells("outcome"))
        labels = stage.map(normal_label, na_action="ignore")
        outcome = labels.map(self.spec.outcomes.outcome_of()).to_numpy(dtype=object)
        known = self.spec.outcomes
        allowed = "; ".join(
            f"{k}: " + (", ".join(repr(x) for x in getattr(known, k)) or "none") for k in OUTCOMES
        )
        self._add(stage.isna(), "outcome", f"no outcome (empty cell); allowed: {allowed}")
        unknown = stage.notna().to_numpy() & pd.isna(outcome)
        for label in dict.fromkeys(labels[unknown].tolist()):
            at = np.flatnonzero(unknown & (labels == label).to_numpy())
            also = [str(self.rows[j]) for j in at[1:6]] + (["..."] if len(at) > 6 else [])
            more = f" (also rows {', '.join(also)}; {len(at)} in all)" if len(at) > 1 else ""
            raw = stage.iloc[at[0]]
            self._add(
                np.arange(len(stage)) == at[0],
                "outcome",
                f"unknown outcome label {raw!r}{more}; allowed: {allowed}; map it with "
                f'outcomes.open = ["{raw}"] (or won, lost) or --outcome open="{raw}"',
            )
        return stage, outcome

    def _dates(self, outcome: np.ndarray) -> tuple[pd.Series, pd.Series, dict[str, str]]:
        fmt = self.spec.date_format
        cells = self._cells("opened")
        opened, how = parse_dates(cells, fmt)
        formats = {"opened": how}
        self._bad_dates(cells, opened, "opened", how)
        decided = np.isin(outcome, ["won", "lost"])
        if "closed" not in self.names:
            closed = pd.Series(pd.NaT, index=opened.index, dtype="datetime64[ns]")
            if decided.any():
                name = self.spec.columns.closed
                self.problems.append(
                    Problem(
                        None,
                        name,
                        f"{int(decided.sum())} deals are won or lost but the file has no "
                        f"close-date column{f' {name!r}' if name else ''}; give columns.closed",
                    )
                )
            return opened, closed, formats
        cells = self._cells("closed").where(decided)
        closed, how = parse_dates(cells, fmt)
        formats["closed"] = how
        self._bad_dates(cells, closed, "closed", how)
        missing = decided & text(cells).isna().to_numpy()
        self._add(missing, "closed", lambda i: f"a {outcome[i]} deal without a close date")
        before = (closed.dt.normalize() < opened.dt.normalize()).to_numpy()
        self._add(
            before,
            "closed",
            lambda i: (
                f"closed ({closed.iloc[i]:%Y-%m-%d}) before it was opened "
                f"({opened.iloc[i]:%Y-%m-%d}, column {self.names['opened']!r})"
            ),
        )
        # a close date without a time of day, on the day the deal was opened: 0 days
        closed = closed.where(~(closed < opened), opened)
        return opened, closed, formats

    def _bad_dates(self, cells: pd.Series, parsed: pd.Series, key: str, how: str) -> None:
        bad = (text(cells).notna() & parsed.isna()).to_numpy()
        hint = "" if self.spec.date_format else '; or give date_format, e.g. "%d/%m/%Y"'
        shown = "ISO 8601" if how == ISO else how
        self._add(
            bad,
            key,
            lambda i: f"bad date {str(cells.iloc[i]).strip()!r} (expected {shown}{hint})",
        )

    def _values(self) -> np.ndarray:
        n = len(self.sub)
        if "value" not in self.names:
            return np.full(n, np.nan)
        cells = self._cells("value")
        value = parse_values(cells)
        bad = (text(cells).notna() & value.isna()).to_numpy()
        self._add(
            bad,
            "value",
            lambda i: (
                f"bad value {str(cells.iloc[i]).strip()!r} (expected an amount such "
                "as 12500, 12,500.00 or USD 12500)"
            ),
        )
        self._add((value < 0).to_numpy(), "value", lambda i: f"negative value {value.iloc[i]:g}")
        return value.to_numpy(dtype=float)

    def _reasons(self, outcome: np.ndarray) -> tuple[pd.Series, pd.arrays.BooleanArray]:
        lost = outcome == "lost"
        if "loss_reason" in self.names:
            reason = text(self._cells("loss_reason")).where(lost)
        else:
            reason = pd.Series(pd.NA, index=self.sub.index, dtype="string")
        listed = self.spec.no_decision if self.spec.no_decision is not None else NO_DECISION
        nd = {normal_label(x) for x in listed}
        flags = reason.map(lambda x: normal_label(x) in nd, na_action="ignore")
        return reason.astype("string"), pd.array(flags.tolist(), dtype="boolean")

    def _as_of(self, opened: pd.Series, closed: pd.Series) -> pd.Timestamp:
        if self.spec.as_of is None:
            latest = pd.concat([opened, closed]).max()
            return pd.Timestamp(latest)
        as_of = pd.Timestamp(self.spec.as_of)
        day = f"{as_of:%Y-%m-%d}"
        for key, dates in (("opened", opened), ("closed", closed)):
            late = (dates.dt.normalize() > as_of).to_numpy()
            self._add(late, key, lambda i, d=dates: f"{d.iloc[i]:%Y-%m-%d} is after as_of ({day})")
        return as_of
