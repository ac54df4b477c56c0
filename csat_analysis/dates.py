"""Dates as survey exports write them: one robust parser shared by the loader and the schema checks.

:func:`parse_dates` reads ISO dates, day-first and month-first numeric dates
(deciding per column, and saying so), month names, ordinals ("1st"), Excel
serial numbers and epoch timestamps; :func:`factorize` codes a column once so
that each distinct text is parsed once.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._utils import shorten
from .exceptions import DataError

__all__ = ["parse_dates", "factorize"]

_ORDINAL = re.compile(r"(?<=\d)(st|nd|rd|th)\b", re.IGNORECASE)
#: Excel serial day numbers read as dates (1960-01-01 to 2099-12-31) and the day they count from
_EXCEL_SERIALS = (21916, 73415)
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_NUMERIC_DMY = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b")


def parse_dates(values: pd.Series, *, dayfirst: bool | None = None, format: str | None = None,
                column: str = "date") -> tuple[pd.Series, list[str]]:
    """Parse a column of dates robustly; return ``(datetime64 series, warnings)``.

    Handles ISO dates, ``d/m/y`` and ``m/d/y`` with 2- or 4-digit years, text
    months (``19th November 2023``, ``31-Jul-18``), UTC offsets (dropped: the
    local time is kept), Excel date cells and serial day numbers (``45000`` is
    2023-03-15), and several formats in one column.  Unparseable values become ``NaT``.  Only distinct values are
    parsed, so a million rows with a few hundred dates cost little.

    With ``dayfirst=None``, numeric dates are read day-first when some value
    can only be day-first (``25/12/2021``); when values prove *both* orders the
    column is ambiguous and a :class:`DataError` asks for ``dayfirst`` or
    ``format`` instead of silently swapping day and month.

    Examples
    --------
    >>> s, notes = parse_dates(pd.Series(["1/9/21", "25/12/2021", None]))
    >>> s.dt.strftime("%Y-%m-%d").tolist()
    ['2021-09-01', '2021-12-25', nan]
    >>> notes[0][:40]
    'date: read as day-first (a value such as'
    """
    warnings: list[str] = []
    if pd.api.types.is_datetime64_any_dtype(values):
        out = pd.to_datetime(values)
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        return out.astype("datetime64[ns]"), warnings
    codes, uniques = factorize(values)
    parsed = np.full(len(uniques), np.datetime64("NaT"), dtype="datetime64[ns]")
    text_idx: list[int] = []
    texts: list[str] = []
    for i, u in enumerate(uniques):
        if isinstance(u, (pd.Timestamp, np.datetime64)) or hasattr(u, "year") and hasattr(u, "month"):
            try:
                parsed[i] = (pd.Timestamp(u).tz_localize(None).to_datetime64() if pd.Timestamp(u).tz
                             else pd.Timestamp(u).to_datetime64())
            except (ValueError, TypeError):
                pass
        elif isinstance(u, (int, float, np.integer, np.floating)) and not isinstance(u, bool):
            if _EXCEL_SERIALS[0] <= float(u) <= _EXCEL_SERIALS[1]:  # an Excel serial day number (1960-2099)
                parsed[i] = (_EXCEL_EPOCH + pd.to_timedelta(float(u), unit="D")).to_datetime64()
                continue
            text_idx.append(i)
            texts.append(str(int(u)) if float(u).is_integer() else str(u))
        else:
            text_idx.append(i)
            texts.append(_ORDINAL.sub("", str(u).strip()))
    if texts:
        text = pd.Series(texts, dtype=object)
        if format:
            got = pd.to_datetime(text, format=format, errors="coerce")
        else:
            m = text.str.extract(_NUMERIC_DMY)
            first = pd.to_numeric(m[0], errors="coerce")
            second = pd.to_numeric(m[1], errors="coerce")
            day_first_proof = text[(first > 12) & (second <= 12)]
            month_first_proof = text[(second > 12) & (first <= 12)]
            if dayfirst is None:
                if len(day_first_proof) and len(month_first_proof):
                    raise DataError(
                        f"{column}: dates are ambiguous: {shorten(day_first_proof.iloc[0])!r} is day-first but "
                        f"{shorten(month_first_proof.iloc[0])!r} is month-first; set dayfirst (true/false) or a "
                        "format for the date column in the schema."
                    )
                if len(day_first_proof):
                    dayfirst = True
                    warnings.append(
                        f"{column}: read as day-first (a value such as {shorten(day_first_proof.iloc[0])!r} can only "
                        "be day/month/year); set dayfirst in the schema to silence this."
                    )
                elif len(month_first_proof):
                    dayfirst = False
                elif m[0].notna().any():
                    dayfirst = False
                    warnings.append(
                        f"{column}: dates such as {shorten(text[m[0].notna()].iloc[0])!r} could be day-first or "
                        "month-first; read as month/day/year. Set dayfirst: true in the schema if they are "
                        "day/month/year."
                    )
            got = pd.to_datetime(text, format="mixed", dayfirst=bool(dayfirst), errors="coerce")
            if dayfirst is not None and m[0].notna().any():
                # dateutil silently swaps day and month when the declared order is impossible
                # ("13/25/2021" with dayfirst=False); treat such values as unparseable instead.
                bad = (second > 12) if dayfirst else (first > 12)
                got[bad.fillna(False).to_numpy()] = pd.NaT
        got = pd.DatetimeIndex(got)
        if got.tz is not None:
            got = got.tz_localize(None)
        parsed[np.asarray(text_idx)] = got.to_numpy(dtype="datetime64[ns]")
    out = np.append(parsed, np.datetime64("NaT"))[codes]  # code -1 (missing) picks NaT
    return pd.Series(out, index=values.index, name=values.name), warnings


# --------------------------------------------------------------------------- loading


def factorize(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 = missing) and distinct values; free for categoricals."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return np.asarray(col.cat.codes), np.asarray(col.cat.categories, dtype=object)
    return pd.factorize(col, use_na_sentinel=True)
