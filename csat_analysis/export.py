"""Tables people take away: safe CSV files and Excel workbooks.

* :func:`neutralise` makes text cells safe for spreadsheet programs: a cell
  that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is
  prefixed with an apostrophe (OWASP "CSV injection"), so that Excel,
  LibreOffice and Google Sheets show it as text instead of running it as a
  formula.  Numbers are left alone.
* :func:`write_csv` writes a neutralised UTF-8 CSV file (with a byte-order
  mark, so that Excel opens accented text correctly).
* :func:`write_workbook` writes an ``.xlsx`` workbook with openpyxl: an
  optional "About" sheet first, then one sheet per table; header row bold and
  frozen, numbers stored as numbers with number formats, fitted column widths,
  and every text cell stored as text (never a formula).

Both writers write to a temporary file in the target folder and move it into
place when complete, so a reader never sees a half-written file.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["neutralise", "write_csv", "write_workbook", "sheet_names", "csv_text", "excel_format", "plain_value",
           "user_mode", "FORMULA_START", "SIGNIFICANT_DIGITS", "stable_float"]

#: first characters that make a spreadsheet program read a cell as a formula (or a DDE call)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Significant digits of every number written to a file or a stored notebook output (:func:`stable_float`).
SIGNIFICANT_DIGITS = 12

#: characters Excel does not allow in a sheet name
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
#: a day as ISO text (``2024-03-05``, maybe with a time), as a table's data carries dates to the workbook
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]00:00:00)?$")
#: control characters that are not allowed in XML 1.0 (openpyxl refuses them)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and text column labels) cannot start a formula.

    A string starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
    return gets a leading apostrophe (the OWASP recommendation for CSV files);
    numbers, dates and missing values are left as they are.

    Examples
    --------
    >>> frame = pd.DataFrame({"segment": ['=HYPERLINK("http://x","y")', "North"], "score": [-1.5, 2.0]})
    >>> neutralise(frame)["segment"].tolist()
    ['\\'=HYPERLINK("http://x","y")', 'North']
    >>> neutralise(frame)["score"].tolist()
    [-1.5, 2.0]
    """
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
        if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            out[col] = series.map(lambda v: _safe_text(v) if isinstance(v, str) else v)
    out.columns = [_safe_text(c) if isinstance(c, str) else c for c in out.columns]
    if out.index.dtype == object:
        out.index = [_safe_text(v) if isinstance(v, str) else v for v in out.index]
    return out


def stable_float(value: float) -> float:
    """``value`` rounded to :data:`SIGNIFICANT_DIGITS` significant digits.

    Files and stored notebook outputs carry numbers this way, so that they do not
    depend on the last bits of a floating-point result (which change with the
    BLAS library and the CPU).

    >>> stable_float(42.403045595791966), stable_float(42.4030455957918)
    (42.4030455958, 42.4030455958)
    """
    return float(f"{float(value):.{SIGNIFICANT_DIGITS}g}")


def csv_text(frame: pd.DataFrame, *, index: bool = False) -> str:
    """The neutralised CSV text of ``frame`` (what :func:`write_csv` writes, without the byte-order mark).

    Numbers are written with :data:`SIGNIFICANT_DIGITS` significant digits (:func:`stable_float`).
    """
    return neutralise(frame).to_csv(index=index, lineterminator="\r\n", float_format=f"%.{SIGNIFICANT_DIGITS}g")


def user_mode(path: str | Path) -> Path:
    """Give ``path`` the mode a plain ``open()`` would: ``0666`` less the user's umask (0644 under 022).

    Files written through :func:`tempfile.mkstemp` (so that a half-written file
    never carries the final name) are created ``0600``; a report handed to
    colleagues should be readable as any other file the user writes.
    """
    mask = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)
    return Path(path)


def _atomic_write(path: Path, write) -> Path:
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name[:40]}.", suffix=".partial")
    os.close(fd)
    try:
        write(Path(tmp))
        user_mode(tmp)
        os.replace(tmp, path)  # never half-written; a symlink at the final name is replaced, not followed
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> Path:
    """Write ``frame`` as a neutralised UTF-8 CSV file (byte-order mark for Excel); return the path."""
    text = csv_text(frame, index=index)
    return _atomic_write(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8-sig", newline=""))


def sheet_names(names: list[str]) -> list[str]:
    """Valid, unique Excel sheet names for ``names`` (at most 31 characters, none of ``[]:*?/\\``).

    Examples
    --------
    >>> sheet_names(["By segment", "By segment", "a/b: c?", "", "History"])
    ['By segment', 'By segment (2)', 'a_b_ c_', 'Sheet', 'History (2)']
    """
    used: set[str] = set()
    out = []
    for raw in names:
        name = _ILLEGAL_XML.sub("", _SHEET_BAD.sub("_", str(raw))).strip().strip("'").strip() or "Sheet"
        if name.casefold() == "history":  # reserved by Excel
            name = "History (2)"
        if len(name) > 31:  # cut at a word boundary where one is near, and say so
            cut = name[:30].rsplit(" ", 1)[0] if " " in name[15:30] else name[:30]
            name = cut.rstrip(" ,;.-_") + "…"
        candidate, k = name, 2
        while candidate.casefold() in used:
            suffix = f" ({k})"
            candidate = name[: 31 - len(suffix)] + suffix
            k += 1
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def excel_format(spec: str) -> str | None:
    """The Excel number format for a Python format string such as ``"{:.1f}"`` or ``"{:+.1%}"`` (or None).

    Examples
    --------
    >>> [excel_format(s) for s in ["{:.1f}", "{:,.0f}", "{:.1%}", "{:+.2f}", "{} pts"]]
    ['0.0', '#,##0', '0.0%', '+0.00;-0.00;0.00', None]
    """
    m = re.fullmatch(r"\{:([+ ]?)(,?)(?:\.(\d+))?([fg%d]?)\}", spec.strip())
    if not m:
        return None
    sign, comma, decimals, kind = m.groups()
    digits = int(decimals) if decimals is not None else (0 if kind == "d" else 2)
    body = ("#,##0" if comma else "0") + ("." + "0" * digits if digits else "") + ("%" if kind == "%" else "")
    return f"+{body};-{body};{body}" if sign == "+" else body


def _number_format(series: pd.Series) -> str | None:
    if pd.api.types.is_bool_dtype(series):
        return None
    if pd.api.types.is_integer_dtype(series):
        return "#,##0"
    if pd.api.types.is_float_dtype(series):
        values = series.dropna().to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if len(values) and np.all(values == np.round(values)) and np.all(np.abs(values) < 1e15):
            return "#,##0"
        if len(values) and np.nanmax(np.abs(values)) < 1:
            return "0.000"
        return "#,##0.00"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "yyyy-mm-dd"
    return None


def plain_value(value: Any, *, keep_dates: bool = True) -> Any:
    """A cell as a plain Python value: numbers as numbers, text as text, missing or infinite -> None.

    Dates stay dates for a workbook (``keep_dates=True``) and become text for
    JSON (the data a report table hands to its workbook).
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(float(value)) else stable_float(value)
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        if not keep_dates:
            return str(value)
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value if keep_dates else str(value)
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _cell_value(value: Any) -> Any:
    """A value openpyxl stores as it is (characters XML cannot hold removed)."""
    value = plain_value(value)
    return _ILLEGAL_XML.sub("", value) if isinstance(value, str) else value


def _put(ws, row: int, col: int, value: Any):
    """Write one cell; text is stored as a plain string (data type 's'), never as a formula."""
    value = _cell_value(value)
    cell = ws.cell(row=row, column=col)
    if isinstance(value, str):
        cell._value = value[:32767]  # openpyxl's setter would read a leading "=" as a formula; this stays text
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def _text_width(value: Any, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, float) and fmt:
        decimals = len(fmt.split(".")[1]) if "." in fmt else 0
        return len(f"{value:,.{decimals}f}")
    if isinstance(value, (_dt.datetime, _dt.date)):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _write_sheet(ws, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    formats = dict(frame.attrs.get("number_formats") or {})
    frame = frame.reset_index(drop=True)
    bold = Font(bold=True)
    widths = []
    for j, col in enumerate(frame.columns, start=1):
        cell = _put(ws, 1, j, str(col))
        cell.font = bold
        cell.alignment = Alignment(wrap_text=False, vertical="top")
        fmt = formats.get(col) or _number_format(frame[col])
        width = _text_width(str(col), None)
        values = frame[col].tolist()
        for i, value in enumerate(values, start=2):
            row_fmt = fmt[i - 2] if isinstance(fmt, (list, tuple)) and i - 2 < len(fmt) else fmt
            if row_fmt == "yyyy-mm-dd" and isinstance(value, str) and _ISO_DAY.match(value):
                value = _dt.datetime.fromisoformat(value[:10])  # a date handed on as text is an Excel date
            cell = _put(ws, i, j, value)
            if isinstance(row_fmt, str) and row_fmt and not isinstance(cell.value, str) and cell.value is not None:
                cell.number_format = row_fmt
            width = max(width, _text_width(cell.value, row_fmt if isinstance(row_fmt, str) else None))
        widths.append(width)
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    if len(frame.columns) and len(frame):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | Path, *,
                   about: Mapping[str, Any] | None = None) -> Path:
    """Write one ``.xlsx`` workbook: an "About" sheet (when ``about`` is given), then a sheet per table.

    ``sheets`` maps sheet titles to tables (shown in that order); titles are
    made valid and unique (:func:`sheet_names`).  ``about`` maps labels (data
    source, rows, period, parameters, ...) to values, written as two columns.
    Each table sheet has a bold, frozen header row, numbers stored as numbers
    with number formats (from ``frame.attrs["number_formats"]``, a mapping of
    column to an Excel format or a list of formats, one per row; else chosen
    from the values), and fitted column widths.  Text from the data is
    stored as text: a value such as ``=HYPERLINK(...)`` is a string cell, never
    a formula.  The file is written atomically.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    titles = list(sheets)
    names = sheet_names((["About"] if about is not None else []) + [str(t) for t in titles])
    if about is not None:
        ws = wb.create_sheet(names.pop(0))
        bold = Font(bold=True)
        width_key, width_value = 8, 20
        for i, (key, value) in enumerate(about.items(), start=1):
            _put(ws, i, 1, str(key)).font = bold
            if isinstance(value, (list, tuple)):
                value = "; ".join(map(str, value))
            elif isinstance(value, Mapping):
                value = ", ".join(f"{k} = {v}" for k, v in value.items())
            cell = _put(ws, i, 2, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.cell(row=i, column=1).alignment = Alignment(vertical="top")
            width_key = max(width_key, len(str(key)))
            width_value = max(width_value, min(_text_width(cell.value, None), 100))
        ws.column_dimensions["A"].width = width_key + 2
        ws.column_dimensions["B"].width = min(width_value + 2, 100)
    for name, title in zip(names, titles, strict=False):
        frame = sheets[title]
        if not isinstance(frame, pd.DataFrame):
            frame = pd.DataFrame(frame)
        _write_sheet(wb.create_sheet(name), frame)
    if not wb.worksheets:
        wb.create_sheet("Sheet")
    return _atomic_write(Path(path), lambda tmp: wb.save(str(tmp)))
