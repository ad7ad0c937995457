"""Reading the cells of an export: text, dates and amounts, each bad cell found."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype
from pandas.tseries.api import guess_datetime_format

__all__ = ["ISO", "parse_dates", "parse_values", "row_numbers", "text"]

#: How ISO 8601 dates are named in messages.
ISO = "ISO 8601 (YYYY-MM-DD)"


def text(column: pd.Series) -> pd.Series:
    """The cells as trimmed text, missing (``<NA>``) where empty.

    Examples
    --------
    >>> text(pd.Series([" a ", "", None, 7])).tolist()
    ['a', <NA>, <NA>, '7']
    """
    s = column.astype("string").str.strip()
    return s.mask(s == "")


def parse_dates(column: pd.Series, date_format: str | None) -> tuple[pd.Series, str]:
    """The dates of ``column`` (datetime64[ns], naive, NaT where empty or unreadable)
    and the format they were read with.

    Text is read with ``date_format`` if given; otherwise as ISO 8601 if every date
    is, else with the format pandas guesses from the first date, month before day
    (``dayfirst=False``): whichever reads more of them. Times with a UTC offset are
    converted to UTC and the offset dropped. A column already of dates (Parquet) is
    taken as it is.

    Examples
    --------
    >>> d, how = parse_dates(pd.Series(["1/15/2024", "2/3/2024", "13/1/2024"]), None)
    >>> how, d.dt.strftime("%Y-%m-%d").tolist()
    ('%m/%d/%Y', ['2024-01-15', '2024-02-03', nan])
    """
    if is_datetime64_any_dtype(column.dtype):
        return _naive(pd.to_datetime(column, utc=True)), "dates"
    if column.dtype == object and column.map(_is_date, na_action="ignore").dropna().all():
        parsed = pd.to_datetime(column, errors="coerce", utc=True)
        if parsed.notna().sum() == column.notna().sum():
            return _naive(parsed), "dates"
    cells = text(column)
    given = cells.dropna()
    if date_format is not None:
        return _naive(_read(cells, date_format)), date_format
    if given.empty:
        return _naive(pd.to_datetime(cells, errors="coerce", utc=True)), ISO
    iso = _read(cells, "ISO8601")
    if iso.notna().sum() == len(given):
        return _naive(iso), ISO
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dayfirst hint: the message says what was done
        guess = guess_datetime_format(str(given.iloc[0]), dayfirst=False)
    if guess is None:
        return _naive(iso), ISO
    guessed = _read(cells, guess)
    if guessed.notna().sum() > iso.notna().sum():
        return _naive(guessed), guess
    return _naive(iso), ISO


def _is_date(x: object) -> bool:
    import datetime as dt

    return isinstance(x, dt.date)


def _read(cells: pd.Series, fmt: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed: pd.Series = pd.to_datetime(cells, format=fmt, errors="coerce", utc=True)
    return parsed


def _naive(parsed: pd.Series) -> pd.Series:
    naive: pd.Series = parsed.dt.tz_convert(None).astype("datetime64[ns]")
    return naive


_THOUSANDS = r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$"


def parse_values(column: pd.Series) -> pd.Series:
    """Amounts as float64, NaN where empty or unreadable.

    A leading three-letter currency code (``USD 1200``), a currency sign
    (``$``, ``€``, ``£``, ``¥``) and commas between groups of three digits
    (``12,500.00``) are allowed; a decimal comma is not (``12,5`` is unreadable).

    Examples
    --------
    >>> parse_values(pd.Series(["USD 12,500.00", "$300", "-40", "", "12,5"])).tolist()
    [12500.0, 300.0, -40.0, nan, nan]
    """
    if is_numeric_dtype(column.dtype) and not is_bool_dtype(column.dtype):
        return pd.to_numeric(column, errors="coerce").astype("float64")
    s = text(column).str.replace(r"[$€£¥]", "", regex=True).str.strip()
    s = s.str.replace(r"^(-?)\s*[A-Za-z]{3}\s+", r"\1", regex=True)
    negative = s.str.startswith("-").fillna(False)
    s = s.str.removeprefix("-").str.strip()
    grouped = s.str.fullmatch(_THOUSANDS).fillna(False)
    s = s.mask(grouped, s.str.replace(",", "", regex=False))
    s = s.mask(~s.str.fullmatch(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?").fillna(False))
    values = pd.to_numeric(s, errors="coerce").astype("float64")
    return values.where(~negative.to_numpy(dtype=bool), -values).astype("float64")


def row_numbers(n: int, csv: bool) -> np.ndarray:
    """The row number a spreadsheet shows for each of ``n`` data rows: a CSV file's
    header is row 1, so its first data row is row 2; a Parquet file has no header
    row, so its first row is row 1."""
    return np.arange(n, dtype=np.int64) + (2 if csv else 1)
