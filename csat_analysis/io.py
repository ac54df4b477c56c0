"""Read survey exports (CSV, TSV, Excel, Parquet) into the canonical responses table.

:func:`load_responses` is the single entry point.  It never drops a row
silently: every row of the export is either kept or counted as excluded with a
reason, and ``report.rows_read == report.rows_kept + report.rows_excluded``.

Exclusion reasons (a row gets the first that applies):

``metadata_row``     Qualtrics-style question-text / ImportId rows under the header
``missing_score``    no metric has a value
``unknown_label``    the only score text matches no label of the schema
``out_of_range``     the only score lies outside the metric's scale
``non_integer``      the only score is a fraction (e.g. 4.5)
``missing_date`` / ``unparseable_date``
``invalid_weight``   weight missing, not a number, or not > 0
``label_too_long``   a segment or campaign value longer than :data:`MAX_LABEL_LENGTH` characters
``missing_id`` / ``duplicate_id``  (the first occurrence of an id is kept)
``declared_missing`` the only score is a code the file declares missing (SPSS user-missing 98/99)

Values set to missing in kept rows (``value_issues``) include ``no_customer_match``: a response whose
key has no row in a ``customers:`` table (its customer columns are missing).

Beyond one table: ``customers:`` tables are joined many-to-one onto the responses
(:func:`join_customers`), ``columns.multi`` questions expand into one boolean column
per choice (:mod:`csat_analysis.multiselect`), an Excel header under empty rows or a
title is found (:func:`find_header_row`, or ``source.header_row``), and SPSS / Stata /
SAS files are read with their value labels, declared missing codes and question texts.

Examples of excluded values never show the comment or a PII column (they
read ``<hidden: free text>`` / ``<hidden: pii>``), and long values are cut.
Hostile files are refused or contained: more than :data:`MAX_COLUMNS`
columns without a schema, repeated column names, and Excel cells far outside
the table (only the header's columns are read) do not reach the parser.
Unicode bidirectional controls (U+202E etc.) are stripped from segment and
campaign labels.

A bad value in one metric does not exclude a row that has another usable
metric; it is set to missing and counted under ``value_issues``.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from ._infer_rules import scale_mismatch
from ._utils import BIDI_CONTROLS, nearest, shorten, shorten_list, slug
from .dates import factorize, parse_dates
from .exceptions import DataError, SchemaError
from .multiselect import MIN_CHOICE_N, expand_choices, split_choices
from .responses import with_schema
from .schema import Schema, infer_schema, read_schema

__all__ = ["load_responses", "LoadReport", "parse_dates", "read_table", "read_customer_table", "MAX_COLUMNS",
           "MAX_LABEL_LENGTH", "join_customers", "find_header_row"]

_MAX_EXAMPLES = 5
_ENCODINGS = ("utf-8", "cp1252")
#: Most columns a file may have when no schema says which to read (inference looks at every column).
MAX_COLUMNS = 2_000
#: Longest segment or campaign value kept; a longer one excludes its row (``label_too_long``).
MAX_LABEL_LENGTH = 1_000
#: Longest CSV header line read (a file whose first line is longer has no usable header).
_MAX_HEADER_CHARS = 16 << 20
#: Text shown for an example value from the comment column or a PII column.
_HIDDEN = {"comment": "<hidden: free text>", "pii": "<hidden: pii>"}
_EXCEL_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#GETTING_DATA"})


@dataclasses.dataclass
class LoadReport:
    """What happened to every row of an export.

    Attributes
    ----------
    source : str
        File name (or ``"<DataFrame>"``).
    rows_read, rows_kept, rows_excluded : int
        ``rows_read == rows_kept + rows_excluded``.
    excluded : dict
        ``{reason: {"count": int, "examples": [{"row", "column", "value"}]}}``;
        ``row`` is the 1-based data row of the export (row 1 is the first row
        under the header).
    value_issues : dict
        Same shape: single values set to missing in rows that were kept.
    warnings : list of str
    schema : Schema
        The schema used (given or inferred).
    schema_inferred : bool
    """

    source: str
    rows_read: int
    rows_kept: int
    rows_excluded: int
    excluded: dict[str, dict[str, Any]]
    value_issues: dict[str, dict[str, Any]]
    warnings: list[str]
    schema: Schema
    schema_inferred: bool = False
    date_range: tuple[str, str] | None = None
    #: the row of the file that held the column names (1 = first row; Excel headers under a title are found)
    header_row: int | None = None
    #: the full question of each column that has one (SPSS/Stata/SAS variable labels)
    question_text: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of SPEC.md (``csat-report validate --json``)."""
        return {
            "source": self.source,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rows_excluded": self.rows_excluded,
            "excluded": self.excluded,
            "value_issues": self.value_issues,
            "warnings": list(self.warnings),
            "date_range": list(self.date_range) if self.date_range else None,
            "schema_inferred": self.schema_inferred,
            "schema": self.schema.to_dict(),
            **({"header_row": self.header_row} if self.header_row not in (None, 1) else {}),
            **({"question_text": dict(self.question_text)} if self.question_text else {}),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def __str__(self) -> str:
        lines = [
            f"{self.source}: {self.rows_read:,} rows read, {self.rows_kept:,} kept, "
            f"{self.rows_excluded:,} excluded."
        ]
        if self.header_row not in (None, 1):
            lines.append(f"Column names read from row {self.header_row}.")
        if self.date_range:
            lines.append(f"Dates from {self.date_range[0]} to {self.date_range[1]}.")
        for title, table in (("Excluded rows", self.excluded), ("Values set to missing", self.value_issues)):
            if table:
                lines.append(f"{title}:")
                for reason, info in table.items():
                    ex = ", ".join(
                        f"row {e['row']} {e['column']}={e['value']!r}" for e in info["examples"][:3]
                    )
                    lines.append(f"  {reason}: {info['count']:,} (e.g. {ex})")
        for w in self.warnings:
            lines.append(f"Warning: {w}")
        return "\n".join(lines)


class _Ledger:
    """Collects per-row exclusions and per-value issues while loading."""

    def __init__(self, n: int, hidden: Mapping[str, str] | None = None) -> None:
        self.kept = np.ones(n, dtype=bool)
        self.excluded: dict[str, dict[str, Any]] = {}
        self.value_issues: dict[str, dict[str, Any]] = {}
        self.hidden = dict(hidden or {})  # column -> what its examples show instead of the value

    def exclude(self, mask: np.ndarray, reason: str, column: str, values: pd.Series | None = None) -> None:
        """Exclude rows in ``mask`` not excluded yet, recording ``reason``."""
        new = np.asarray(mask, dtype=bool) & self.kept
        if not new.any():
            return
        self.kept &= ~new
        self._record(self.excluded, new, reason, column, values)

    def issue(self, mask: np.ndarray, reason: str, column: str, values: pd.Series) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self._record(self.value_issues, mask, reason, column, values)

    def _record(self, table, mask, reason, column, values) -> None:
        idx = np.flatnonzero(mask)
        entry = table.setdefault(reason, {"count": 0, "examples": []})
        entry["count"] += int(idx.size)
        room = _MAX_EXAMPLES - len(entry["examples"])
        for i in idx[:room]:
            value = "" if values is None else values.iloc[i]
            value = "" if _isna(value) else self.hidden.get(column) or shorten(value)
            entry["examples"].append({"row": int(i) + 1, "column": column, "value": value})


def _isna(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- reading


def _detect_encoding(path: Path, declared: str | None) -> str:
    """Declared, else UTF-8 with BOM, UTF-8 or Windows-1252 judged on the first megabyte.

    A later invalid UTF-8 byte is caught by the parser, which then retries as
    Windows-1252 (see :func:`_read_csv`).
    """
    if declared:
        return declared
    with open(path, "rb") as fh:
        raw = fh.read(1 << 20)
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"  # the codec reads the byte order from the BOM and drops it
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    head = raw[:4096]
    if len(head) >= 8 and head.count(0) > len(head) // 4:  # UTF-16 without a BOM: every other byte of ASCII is 0
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > 10 * even:
            return "utf-16-le"
        if even > 10 * odd:
            return "utf-16-be"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        return "utf-8" if exc.start > len(raw) - 4 else "cp1252"  # a character cut at the 1 MB boundary


def _detect_delimiter(path: Path, encoding: str, declared: str | None) -> str:
    if declared:
        return "\t" if declared in ("\\t", "tab") else declared
    if path.suffix.lower() == ".tsv":
        return "\t"
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(65536)
    first = sample.splitlines()[0] if sample else ""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
        return max(counts, key=counts.get) if any(counts.values()) else ","


def read_table(path: str | Path, *, sheet: str | int | None = None, encoding: str | None = None,
               delimiter: str | None = None, schema: Schema | None = None,
               header_row: int | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a CSV/TSV/Excel/Parquet/SPSS/Stata/SAS file.

    Without a schema every CSV column is read as text.  With one, the header
    is checked against the schema first (a missing column is a SchemaError
    naming the nearest one), only the columns the schema uses are parsed,
    identifier / segment / campaign / comment columns stay text (``"007"``
    keeps its zeros) and the schema's missing-value codes are applied by the
    parser itself — the fast path that keeps loading close to a bare read.

    Excel sheets are read within the header's columns only, and Parquet files
    column by column (only the columns the schema uses; without a schema,
    every column of a loadable type).  Without a schema a file with more than
    :data:`MAX_COLUMNS` columns is refused before its rows are parsed; a
    column name used twice is always refused.

    An Excel sheet's header is row ``header_row`` (1-based) when given, else the
    first row that looks like one (empty rows and a title above it are
    skipped); ``info["header_row"]`` says which.  SPSS (``.sav``/``.zsav``),
    Stata (``.dta``) and SAS (``.sas7bdat``) files are read with pyreadstat
    (:func:`_read_stat`): value labels replace the codes, the codes declared
    missing become missing, and ``info`` holds ``value_labels``,
    ``question_text`` and ``declared_missing``.

    Returns the raw table and facts about the read (``encoding``, ``delimiter``,
    ``warnings``, ``header_row``).
    Raises :class:`DataError` for a missing, empty or unreadable file.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"Data file {shorten(str(path), 200)!r} does not exist; check the path given to --data.")
    suffix = path.suffix.lower()
    info: dict[str, Any] = {"warnings": []}
    try:
        if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int)
                                       or header_row < 1):
            raise SchemaError(f"{path.name}: source.header_row must be the row number of the header (1 for the "
                              f"first row), not {shorten(repr(header_row))}.")
        if suffix in (".xlsx", ".xlsm"):
            frame = _read_xlsx(path, sheet, schema, info, header_row)
        elif suffix == ".xls":
            frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object,
                                  header=(header_row or 1) - 1)
            info["header_row"] = header_row or 1
        elif suffix in _STAT_READERS:
            frame = _read_stat(path, schema, info)
        elif suffix in (".parquet", ".pq"):
            frame = _read_parquet(path, schema, info)
        else:
            if path.stat().st_size == 0:
                raise DataError(f"{path.name} is empty (0 bytes); export the survey again.")
            enc = _detect_encoding(path, encoding)
            sep = _detect_delimiter(path, enc, delimiter)
            info.update(encoding=enc, delimiter=sep)
            skip = (header_row or 1) - 1
            info["header_row"] = header_row or 1
            header_raw = _csv_header(path, enc, sep, skip)
            _check_header(header_raw, path.name, schema)
            # pandas' names for blank header cells (pandas itself takes 30 s over a 100,000-column header)
            header_raw = [name if name else f"Unnamed: {i}" for i, name in enumerate(header_raw)]
            header = [str(c).strip() for c in header_raw]
            if schema is not None:
                schema.check_columns(header, path.name)
                info["columns_checked"] = True
                wanted = set(schema.source_columns())
                # identifiers, segments, campaigns, comments, dates and labelled scores stay text ("007" keeps
                # its zeros); numeric scores, weights and extra columns are typed by the parser
                textual = ({schema.response_id, schema.comment, schema.customer_id} | set(schema.segments)
                           | {o.column for o in schema.outcomes.values() if o.labels}
                           | {c.column for c in schema.campaigns} | {c.group for c in schema.campaigns if c.group}
                           | ({schema.date.column} if schema.date else set())
                           | {m.column for m in schema.metrics.values() if m.labels}) - {None}
                usecols = [r for r, c in zip(header_raw, header, strict=False) if c in wanted]
                text = [r for r, c in zip(header_raw, header, strict=False) if c in textual]
                few = set(schema.segments) | {c.column for c in schema.campaigns} | {
                    c.group for c in schema.campaigns if c.group} | ({schema.date.column} if schema.date else set())
                coded = [r for r, c in zip(header_raw, header, strict=False) if c in few]
                na_values = sorted(set(schema.missing_values) | {""})
            else:
                usecols, text, coded, na_values = header_raw, header_raw, [], None
            frame = _read_csv(path, enc, sep, usecols, text, na_values, coded, skip)
    except (DataError, SchemaError):
        raise
    except ImportError as exc:  # .xls needs xlrd, which is not a dependency
        raise DataError(f"{path.name} could not be read ({shorten(exc)}); save it as .xlsx or .csv.") from None
    except (ValueError, OSError, UnicodeError, LookupError, pd.errors.ParserError, KeyError, zipfile.BadZipFile,
            csv.Error, SyntaxError) as exc:  # SyntaxError: broken XML inside an .xlsx (ElementTree's ParseError)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "Worksheet" in first or "sheet" in first.lower():
            raise SchemaError(f"{path.name}: {shorten(first, 200)}; set source.sheet in the schema to an existing "
                              "sheet.") from None
        raise DataError(f"{path.name} could not be read as a {suffix or 'CSV'} file: {shorten(first, 200)}.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, info


def _check_header(names: Sequence[Any], source: str, schema: Schema | None) -> None:
    """Refuse a repeated column name, and more than :data:`MAX_COLUMNS` columns when no schema names those
    to read (blank names are not repeats: the parsers call them ``Unnamed: N``)."""
    if schema is None and len(names) > MAX_COLUMNS:
        raise DataError(
            f"{source} has {len(names):,} columns, more than the {MAX_COLUMNS:,} read without a schema; pass a "
            "schema (--schema) naming the columns needed, or raise csat_analysis.io.MAX_COLUMNS."
        )
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        key = "" if name is None else str(name).strip()
        if not key:
            continue
        if key in seen:
            raise DataError(
                f"{source}: the header names column {shorten(key)!r} twice (columns {seen[key] + 1} and {i + 1}); "
                "rename one so that every column has its own name."
            )
        seen[key] = i


def _csv_header(path: Path, encoding: str, sep: str, skip: int = 0) -> list[str]:
    """The header record as the file writes it (pandas would rename a repeated ``score`` to ``score.1``).

    Reads the first line (more while a quoted name holds a line break), at most
    ``_MAX_HEADER_CHARS`` characters, so a huge first line costs little.
    """
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        for _ in range(skip):  # lines above the header (source.header_row)
            fh.readline(_MAX_HEADER_CHARS + 1)
        text = fh.readline(_MAX_HEADER_CHARS + 1)
        while text and not text.strip("\r\n"):  # blank lines before the header are skipped, as the parsers do
            text = fh.readline(_MAX_HEADER_CHARS + 1)
        while text.count('"') % 2 and len(text) <= _MAX_HEADER_CHARS:
            more = fh.readline(_MAX_HEADER_CHARS + 1 - len(text))
            if not more:
                break
            text += more
    if len(text) > _MAX_HEADER_CHARS:
        raise DataError(
            f"{path.name}: the first line is longer than {_MAX_HEADER_CHARS:,} characters, so it is not a header "
            "row; export the survey again as CSV with a header."
        )
    try:
        return next(csv.reader(io.StringIO(text), delimiter=sep), [])
    except csv.Error as exc:
        raise DataError(
            f"{path.name}: the header row could not be read ({shorten(exc)}); export the survey again as CSV "
            "with a header."
        ) from None


def _xlsx_cell(value: Any) -> Any:
    """An Excel cell value as pandas' reader gives it: whole numbers as int, error cells and "" as missing."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, str) and (value == "" or value in _EXCEL_ERRORS):
        return None
    return value


_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
_STRING_COUNT = re.compile(rb"\b(?:uniqueCount|count)=[\"'](\d+)[\"']")


def _check_xlsx_zip(path: Path) -> None:
    """Refuse a workbook bigger than :data:`~csat_analysis.config.MAX_XLSX_UNCOMPRESSED` unzipped, or with more
    than :data:`~csat_analysis.config.MAX_XLSX_SHARED_STRINGS` shared strings, from the zip itself: openpyxl
    would build every shared string in memory before reading one row (30 million unused strings in a 1.3 MB
    file took minutes and gigabytes)."""
    from .config import MAX_XLSX_SHARED_STRINGS, MAX_XLSX_UNCOMPRESSED

    def refuse(what: str) -> DataError:
        return DataError(f"{path.name} is refused: {what}. Real survey exports are far smaller; save the sheet "
                         "again from Excel (or as .csv) and load that.")

    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        size = sum(i.file_size for i in infos)
        if size > MAX_XLSX_UNCOMPRESSED:
            raise refuse(f"it unzips to {size:,} bytes, more than the {MAX_XLSX_UNCOMPRESSED:,} allowed "
                         "(csat_analysis.config.MAX_XLSX_UNCOMPRESSED)")
        part = next((i for i in infos if i.filename.lower().lstrip("/") == "xl/sharedstrings.xml"), None)
        if part is None:
            return
        limit = f"(csat_analysis.config.MAX_XLSX_SHARED_STRINGS = {MAX_XLSX_SHARED_STRINGS:,})"
        count, read, tail = 0, 0, b""
        with z.open(part) as fh:
            while chunk := fh.read(1 << 20):
                read += len(chunk)
                if read > MAX_XLSX_UNCOMPRESSED:  # the declared size lied
                    raise refuse(f"its shared strings unzip to more than {MAX_XLSX_UNCOMPRESSED:,} bytes")
                block = tail + chunk
                if count == 0 and read == len(chunk):  # the declared count, in the opening tag
                    head = _STRING_COUNT.search(block[:4096])
                    if head and int(head.group(1)) > MAX_XLSX_SHARED_STRINGS:
                        raise refuse(f"it declares {int(head.group(1)):,} shared strings, more than allowed {limit}")
                # a tag wholly inside the carried-over tail was counted with the block before
                count += sum(1 for m in _SHARED_STRING.finditer(block) if m.end() > len(tail))
                tail = block[-64:]
                if count > MAX_XLSX_SHARED_STRINGS:
                    raise refuse(f"it holds more than {MAX_XLSX_SHARED_STRINGS:,} shared strings {limit}")


def find_header_row(rows: Sequence[Sequence[Any]]) -> int:
    """The 0-based index of the header among the first rows of a sheet (0 when none stands out).

    Empty rows and a title above the table (a row filling fewer than half as many
    cells as the widest of these rows, or a single cell of a wider table) are
    skipped; the header is the first row after them, when its filled cells are
    mostly text (more than half).  Otherwise (a table without a header, or with
    numbers for names) the first row is the header, as before.

    Examples
    --------
    >>> find_header_row([(None, None, None), ("Churn data, 2023", None, None),
    ...                  ("CustomerID", "Churn", "Tenure"), (50001, 1, 4), (50002, 0, 9)])
    2
    >>> find_header_row([("id", "score"), ("a", 5)])
    0
    """
    def filled(row: Sequence[Any]) -> list[Any]:
        return [v for v in row if v is not None and not (isinstance(v, str) and not v.strip())]

    cells = [filled(r) for r in rows]
    widest = max((len(c) for c in cells), default=0)
    for i, c in enumerate(cells):
        if not c or len(c) < max(min(2, widest), 0.5 * widest):
            continue  # empty, or a title
        return i if sum(isinstance(v, str) for v in c) > 0.5 * len(c) else 0
    return 0


#: rows searched for the header when the schema does not give ``source.header_row``
_HEADER_SCAN_ROWS = 30


def _read_xlsx(path: Path, sheet: str | int | None, schema: Schema | None, info: dict[str, Any],
               header_row: int | None = None) -> pd.DataFrame:
    """One sheet of an .xlsx workbook; only the header's columns are read.

    The header is row ``header_row`` (1-based) when given, else the first row
    that looks like one (:func:`find_header_row`): empty rows and a title above
    the table are skipped, and ``info["header_row"]`` says which row was used.

    The sheet's declared size is ignored (a single cell at XFD1048576 would
    otherwise make 17 billion cells): rows are streamed in read-only mode, cut
    at the header's last column, and a cell outside the table is reported as
    a warning.  Blank rows inside the table are kept (and then excluded with a
    reason); trailing blank rows are not rows.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    _check_xlsx_zip(path)
    wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        sheets = wb.worksheets
        titles = [ws.title for ws in sheets]
        if sheet is None:
            ws = sheets[0]
        elif isinstance(sheet, int) and not isinstance(sheet, bool):
            if not -len(sheets) <= sheet < len(sheets):
                raise SchemaError(f"{path.name}: there is no sheet number {sheet}; its sheets are "
                                  f"{shorten_list(titles)}. Set source.sheet in the schema to one of them.")
            ws = sheets[sheet]
        elif str(sheet) in titles:
            ws = sheets[titles.index(str(sheet))]
        else:
            raise SchemaError(f"{path.name}: there is no sheet named {shorten(sheet)!r}; its sheets are "
                              f"{shorten_list(titles)}.{nearest(shorten(sheet, 200), titles)} Set source.sheet "
                              "in the schema to an existing sheet.")
        declared = (ws.max_row, ws.max_column)
        ws.reset_dimensions()  # the declared size is not trusted: rows are read as far as they go
        limit = MAX_COLUMNS if schema is None else 16_384
        if header_row is None:
            top = list(ws.iter_rows(min_row=1, max_row=_HEADER_SCAN_ROWS, max_col=limit + 1, values_only=True))
            header_row = find_header_row(top) + 1
            how = "detected"
        else:
            how = "source.header_row"
        info["header_row"] = header_row
        if header_row != 1:
            info["warnings"].append(
                f"{path.name}: sheet {shorten(ws.title)!r}: the header is row {header_row} ({how}); the "
                f"{header_row - 1} row(s) above it were not read. Set source.header_row in the schema if another "
                "row holds the column names."
            )
        first = next(ws.iter_rows(min_row=header_row, max_row=header_row, max_col=limit + 1, values_only=True), ())
        width = max((i + 1 for i, v in enumerate(first) if v is not None), default=0)
        if schema is None and width > MAX_COLUMNS:
            raise DataError(
                f"{path.name} (sheet {shorten(ws.title)!r}) has more than {MAX_COLUMNS:,} columns, the most read "
                "without a schema; pass a schema (--schema) naming the columns needed, or raise "
                "csat_analysis.io.MAX_COLUMNS."
            )
        names = [f"Unnamed: {i}" if v is None else str(_xlsx_cell(v)).strip() for i, v in enumerate(first[:width])]
        _check_header(names, f"{path.name} (sheet {shorten(ws.title)!r})", schema)
        take = list(range(width))
        if schema is not None:
            schema.check_columns(names, path.name)
            info["columns_checked"] = True
            wanted = set(schema.source_columns())
            take = [i for i, name in enumerate(names) if name in wanted]
        read_to = max(take, default=-1) + 1
        rows: list[list[Any]] = []
        blank = 0  # blank rows not yet known to lie inside the table
        for row in ws.iter_rows(min_row=header_row + 1, max_col=max(read_to, 1), values_only=True):
            if all(v is None for v in row):
                blank += 1
                continue
            if blank:
                rows.extend([None] * len(take) for _ in range(blank))
                blank = 0
            rows.append([_xlsx_cell(row[i]) for i in take])
        last = f"{get_column_letter(max(width, 1))}{len(rows) + header_row}"
        if (declared[0] or 0) > len(rows) + header_row or (declared[1] or 0) > width:
            corner = f"{get_column_letter(min(declared[1] or 1, 16_384))}{declared[0] or 1}"
            info["warnings"].append(
                f"{path.name}: sheet {shorten(ws.title)!r} declares cells up to {corner}, but its table (header "
                f"row and the rows under it) is A{header_row}:{last}; cells outside the table were not read."
            )
    finally:
        wb.close()
    return pd.DataFrame(rows, columns=[names[i] for i in take], dtype=object)


#: pyreadstat's reader for each statistics-package file type
_STAT_READERS = {".sav": "read_sav", ".zsav": "read_sav", ".dta": "read_dta", ".sas7bdat": "read_sas7bdat"}


def _code(value: Any) -> Any:
    """A numeric code as an int when whole (5.0 -> 5), else unchanged."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return int(value)
    return value


def _read_stat(path: Path, schema: Schema | None, info: dict[str, Any]) -> pd.DataFrame:
    """An SPSS, Stata or SAS file through pyreadstat, its labels and declared missing values applied.

    * Codes declared missing in the file (SPSS user-missing values and ranges,
      Stata/SAS ``.a``-``.z``) become missing; ``info["declared_missing"]`` keeps,
      per column, the mask of those cells and their values ("99 (Refused)") so
      that the loader can give the reason.
    * Value labels replace the codes (reports show "Very satisfied", not 5);
      ``info["value_labels"]`` maps each labelled column's label to its code,
      which becomes a metric's or outcome's ``labels:``.
    * Variable labels are the question texts: ``info["question_text"]``.
    """
    try:
        import pyreadstat
    except ImportError:  # pragma: no cover - a dependency of the package
        raise DataError(f"{path.name}: reading {path.suffix} files needs the pyreadstat package "
                        "(pip install pyreadstat), or export the file as CSV.") from None
    reader = getattr(pyreadstat, _STAT_READERS[path.suffix.lower()])
    try:
        _, meta = reader(str(path), metadataonly=True)
        names = list(meta.column_names)
        _check_header(names, path.name, schema)
        usecols = None
        if schema is not None:
            schema.check_columns([n.strip() for n in names], path.name)
            info["columns_checked"] = True
            wanted = set(schema.source_columns())
            usecols = [n for n in names if n.strip() in wanted]
        frame, meta = reader(str(path), user_missing=True, usecols=usecols)
    except pyreadstat.ReadstatError as exc:
        raise DataError(f"{path.name} could not be read as a {path.suffix} file: {shorten(exc, 200)}.") from None
    value_labels: dict[str, dict[str, Any]] = {}
    declared: dict[str, tuple[np.ndarray, pd.Series]] = {}
    ranges = getattr(meta, "missing_ranges", None) or {}
    user = getattr(meta, "missing_user_values", None) or {}
    labels_of = getattr(meta, "variable_value_labels", None) or {}
    for col in frame.columns:
        values = frame[col]
        labels = labels_of.get(col) or {}
        mask = np.zeros(len(values), dtype=bool)
        for r in ranges.get(col) or ():
            lo, hi = r.get("lo"), r.get("hi")
            if isinstance(lo, (int, float)) and isinstance(hi, (int, float)):
                numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                mask |= (numbers >= lo) & (numbers <= hi)
            else:
                mask |= (values.astype(object) == lo).to_numpy(dtype=bool)
        codes = [str(v) for v in user.get(col) or ()]
        if codes:
            mask |= values.map(lambda v, codes=codes: isinstance(v, str) and v in codes).to_numpy(dtype=bool)
        if mask.any():
            shown = values.map(lambda v, lab=labels: f"{_code(v)} ({lab[v]})" if v in lab else str(_code(v)))
            declared[col] = (mask, shown.astype(object))
            values = values.astype(object).mask(mask)
        if labels:
            mapping = {k: str(v) for k, v in labels.items()}
            values = values.astype(object).map(lambda v, m=mapping: m.get(v, _code(v)) if not _isna(v) else None)
            value_labels[col.strip()] = {str(v).strip(): _code(k) for k, v in labels.items()}
        frame[col] = values
    info["value_labels"] = value_labels
    info["declared_missing"] = {c.strip(): v for c, v in declared.items()}
    info["question_text"] = {str(c).strip(): str(t).strip() for c, t in
                             (getattr(meta, "column_names_to_labels", None) or {}).items() if t and str(t).strip()}
    return frame


def _loadable(kind: pa.DataType) -> bool:
    """Whether a Parquet column type maps onto a survey column (numbers, text, booleans, dates, categories)."""
    t = pa.types
    if t.is_dictionary(kind):
        return _loadable(kind.value_type)
    return (t.is_integer(kind) or t.is_floating(kind) or t.is_boolean(kind) or t.is_string(kind)
            or t.is_large_string(kind) or getattr(t, "is_string_view", lambda _: False)(kind) or t.is_decimal(kind)
            or t.is_temporal(kind) or t.is_null(kind))


def _read_parquet(path: Path, schema: Schema | None, info: dict[str, Any]) -> pd.DataFrame:
    """The columns of a Parquet file that the schema uses, or (without one) every column of a loadable type.

    Binary, list, struct and map columns are skipped with a warning when
    unused; one the schema uses is a DataError naming it and its type.
    """
    import pyarrow.parquet as pq

    fields = pq.read_schema(path)
    names = [f.name for f in fields if not f.name.startswith("__index_level_")]
    _check_header(names, path.name, schema)
    if schema is not None:
        schema.check_columns([n.strip() for n in names], path.name)
        info["columns_checked"] = True
        wanted = set(schema.source_columns())
        columns = [n for n in names if n.strip() in wanted]
        for n in columns:
            kind = fields.field(n).type
            if not _loadable(kind):
                raise DataError(
                    f"{path.name}: column {shorten(n)!r} holds {shorten(kind)} values, which cannot be a survey "
                    "column; export it as text or numbers, or remove it from the schema."
                )
    else:
        columns = [n for n in names if _loadable(fields.field(n).type)]
        skipped = [f"{shorten(n)!r} ({shorten(fields.field(n).type, 40)})" for n in names if n not in columns]
        if skipped:
            info["warnings"].append(
                f"{path.name}: column(s) {', '.join(skipped[:10])}{' ...' if len(skipped) > 10 else ''} hold "
                "binary, list or nested values and were not read."
            )
    return pd.read_parquet(path, columns=columns)


def _read_csv(path: Path, encoding: str, sep: str, usecols: list[str], text: list[str],
              na_values: list[str] | None, coded: Sequence[str] = (), skip: int = 0) -> pd.DataFrame:
    """Parse a CSV with pyarrow (multithreaded, quoted newlines allowed); the pandas C parser as fallback.

    ``text`` columns stay strings; ``coded`` ones (segments, campaigns, dates:
    few distinct values) arrive dictionary-encoded as categoricals, so later
    per-value work runs once per distinct value; ``na_values`` (None: nothing
    is missing) are read as missing by the parser.
    """
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
                                          skip_rows=skip),
            parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pcsv.ConvertOptions(
                include_columns=usecols,
                column_types={c: pa.dictionary(pa.int32(), pa.string()) if c in coded else pa.string() for c in text},
                null_values=na_values or [],
                strings_can_be_null=na_values is not None,
                quoted_strings_can_be_null=na_values is not None,
            ),
        )
        strings = pd.StringDtype(storage="pyarrow", na_value=np.nan)
        return table.to_pandas(types_mapper=lambda t: strings if pa.types.is_string(t) or pa.types.is_large_string(t)
                               else None)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError, LookupError) as exc:
        if encoding == "utf-8" and "utf8" in str(exc).lower().replace("-", ""):
            return _read_csv(path, "cp1252", sep, usecols, text, na_values, coded, skip)
        return pd.read_csv(path, sep=sep, encoding=encoding, usecols=usecols, dtype={c: str for c in text},
                           keep_default_na=False, na_values=na_values or [], engine="c", skiprows=skip)


# --------------------------------------------------------------------------- dates

def _on_uniques(col: pd.Series, fn) -> np.ndarray:
    """Apply ``fn`` (Series of distinct non-missing values -> array) once per distinct value.

    Survey columns hold few distinct values, so this is how string work stays
    fast on millions of rows.  Missing cells get the result for ``None``.
    """
    codes, uniques = factorize(col)
    values = np.asarray(fn(pd.Series(uniques, dtype=object)))
    missing = np.asarray(fn(pd.Series([None], dtype=object)))
    values = values if len(values) else values.astype(missing.dtype)  # no distinct values: keep the result type
    return np.concatenate([values, missing])[codes]  # code -1 (missing) picks the last entry


def _text(values: pd.Series) -> pd.Series:
    """Distinct values as stripped text (None stays None)."""
    return values.map(lambda v: None if v is None or _isna(v) else str(v).strip())


def _text_column(raw: pd.Series, missing: frozenset[str]) -> tuple[pd.Series, np.ndarray]:
    """Identifier / comment text, stripped, with missing codes as NA; also returns the missing mask."""
    if not (isinstance(raw.dtype, pd.StringDtype) and raw.dtype.storage == "pyarrow"):
        raw = raw.map(lambda v: None if _isna(v) else str(v)).astype(pd.StringDtype("pyarrow"))
    text = pc.utf8_trim_whitespace(pa.chunked_array(pa.array(raw.array)))
    absent = pc.or_kleene(pc.is_null(text), pc.is_in(text, value_set=pa.array(sorted(missing), pa.string())))
    mask = absent.to_numpy(zero_copy_only=False).astype(bool)
    if mask.any():
        text = pc.if_else(absent, pa.scalar(None, pa.string()), text)
    return pd.Series(pd.arrays.ArrowStringArray(text), index=raw.index), mask


_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9))


def _hash_text(strings: pa.ChunkedArray, max_bytes: int = 64) -> np.ndarray | None:
    """A 64-bit hash of each ASCII string (its length and first ``max_bytes`` bytes), vectorised.

    The strings are padded to one width of whole 8-byte words, so their bytes
    form an n x width block that numpy reads as integers without copying.
    Only used to find *candidate* repeats, which are then compared exactly:
    collisions cost time, never correctness.  None when some string is not
    ASCII.
    """
    arr = strings.combine_chunks().fill_null("")
    if not pc.all(pc.string_is_ascii(arr)).as_py():
        return None
    lengths = pc.binary_length(arr).to_numpy().astype(np.uint64)
    longest = int(lengths.max(initial=0))
    width = -(-min(longest, max_bytes) // 8) * 8  # whole 8-byte words
    if width and (longest > width or (lengths != width).any()):
        arr = pc.utf8_rpad(pc.utf8_slice_codeunits(arr, 0, width), width=width, padding="\0")
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64 if pa.types.is_large_string(arr.type) else np.int32)
    start = int(offsets[arr.offset]) if width else 0
    data = np.frombuffer(arr.buffers()[2] or b"", dtype=np.uint8)[start:start + len(arr) * width]
    words = data.view("<u8").reshape(len(arr), width // 8)  # every string is now ``width`` bytes
    h = lengths * _MIX[0]
    for word in words.T:
        h = (h ^ word) * _MIX[1]
        h ^= h >> np.uint64(31)
    return h


def _increasing(strings: pa.ChunkedArray) -> bool:
    """Whether the strings strictly increase, as text or as (length, text), the order of "9" < "10" and
    "R-999999" < "R-1000000": sequential ids, which are then unique."""
    before, after = strings[:-1], strings[1:]
    less = pc.less(before, after)
    if pc.all(less).as_py():
        return True
    len_before, len_after = pc.binary_length(before), pc.binary_length(after)
    natural = pc.or_(pc.less(len_before, len_after), pc.and_(pc.equal(len_before, len_after), less))
    return bool(pc.all(natural).as_py())


def _repeated(ids: pd.Series, among: np.ndarray) -> np.ndarray:
    """True for rows of ``among`` whose id already occurred in an earlier row of ``among``."""
    rows = np.flatnonzero(among)
    out = np.zeros(len(ids), dtype=bool)
    if len(rows) < 2:
        return out
    strings = pa.chunked_array(pa.array(ids.array))
    if len(rows) < len(ids):
        strings = strings.take(pa.array(rows))
    if _increasing(strings):  # exports in id order: unique by one comparison
        return out
    hashes = _hash_text(strings)
    if hashes is None:  # non-ASCII ids: compare them directly
        candidates = rows
    else:
        hashes = pd.Index(hashes)
        if hashes.is_unique:
            return out
        candidates = rows[hashes.duplicated(keep=False)]
    out[candidates] = ids.iloc[candidates].duplicated(keep="first").to_numpy()
    return out


def _as_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _is_missing(col: pd.Series, missing: frozenset[str]) -> np.ndarray:
    """True where a cell is NA or, as text, one of the missing-value codes."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):  # numbers: compare as numbers
        mask = col.isna().to_numpy(dtype=bool, copy=True)
        codes = [float(v) for v in missing if _as_number(v) is not None]
        if codes:
            mask |= np.isin(col.to_numpy(dtype=float, na_value=np.nan), codes)
        return mask
    if pd.api.types.is_string_dtype(col) and col.dtype != object and not isinstance(col.dtype, pd.CategoricalDtype):
        return (col.isna() | col.str.strip().isin(missing)).to_numpy(dtype=bool, na_value=True)
    return _on_uniques(col, lambda u: _text(u).map(lambda t: t is None or t in missing).to_numpy(dtype=bool))


def _scores(raw: pd.Series, missing: np.ndarray, spec) -> tuple[pd.Series, dict[str, np.ndarray]]:
    """Convert one score column; return nullable Int64 scores and masks of bad values."""
    if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
        unknown = np.zeros(len(raw), dtype=bool)
        values = raw.to_numpy(dtype=float, na_value=np.nan)
    else:
        def parse(uniques: pd.Series) -> np.ndarray:
            text = _text(uniques)
            number = pd.to_numeric(text, errors="coerce")
            if spec.labels:
                labelled = text.map(lambda t: spec.labels.get(t.casefold()) if t else None)
                number = number.fillna(pd.to_numeric(labelled, errors="coerce"))
            return pd.to_numeric(number, errors="coerce").to_numpy(dtype=float)

        values = _on_uniques(raw, parse).astype(float)
        unknown = np.isnan(values) & ~missing
    present = ~np.isnan(values)
    lo, hi = spec.scale
    non_integer = present & (values != np.round(values))
    out_of_range = present & ~non_integer & ((values < lo) | (values > hi))
    good = present & ~non_integer & ~out_of_range & ~missing
    scores = np.where(good, values if spec.higher_is_better else (lo + hi) - values, 0).astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(scores, ~good), index=raw.index), {
        "unknown_label": unknown,
        "out_of_range": out_of_range,
        "non_integer": non_integer,
    }


def _qualtrics_rows(frame: pd.DataFrame) -> int:
    """How many rows under the header are Qualtrics metadata (question text, ImportId)."""
    for i in range(min(3, len(frame)) - 1, -1, -1):
        row = frame.iloc[i].astype(str)
        if row.str.contains(r'^\{"ImportId"', regex=True).any():
            return i + 1
    return 0


def _key_text(values: pd.Series) -> pd.Series:
    """Join keys as text: stripped, whole numbers without ``.0`` (Excel gives 1001.0 where a CSV has "1001")."""
    def one(v: Any) -> str | None:
        if _isna(v):
            return None
        v = _code(v)
        text = str(v).strip()
        return text or None

    codes, uniques = factorize(values)
    texts = np.array([one(u) for u in uniques] + [None], dtype=object)
    return pd.Series(texts[codes], index=values.index, dtype=object)


def read_customer_table(path: str | Path, *, what: str = "Customer table", sheet: str | int | None = None,
                        header_row: int | None = None, expect: str = "CSV, Excel or Parquet") -> pd.DataFrame:
    """A customer table (``customers:`` or ``population:``), read as data and nothing else.

    A symbolic link is refused (it could point anywhere, and an error would echo what it
    points at), and a file that does not read as a table is reported by its name only: the
    reader's own message may quote the file's first line, which is not repeated.
    """
    path = Path(path)
    if path.is_symlink():
        raise DataError(f"{what} {path.name!r} is a symbolic link; give the customer table's own path "
                        "(links are not followed).")
    if not path.is_file():
        raise DataError(f"{what} {str(path)!r} does not exist; give the path of the customer table ({expect}).")
    try:
        frame, _ = read_table(path, sheet=sheet, header_row=header_row)
    except DataError:
        raise DataError(f"{what} {path.name!r} could not be read as a customer table ({expect}); "
                        "check the file.") from None
    return frame


def join_customers(frame: pd.DataFrame, tables: Sequence[Mapping[str, Any]], *, source: str = "the responses",
                   origins: dict[str, str] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Join customer tables onto the responses, many-to-one on their key column.

    Each response keeps its row (same order); it gets the customer columns of
    the table row with its key (keys compared as text, so ``1001`` in Excel
    matches ``"1001"`` in a CSV).  Loud about bad data:

    * a key used twice in a customer table is a :class:`DataError` naming the keys;
    * a column both hold is a :class:`SchemaError` when their values differ for
      a matched response, unless the entry's ``wins`` says which to keep
      (identical copies, such as a ``Count`` column of 1s, are not a conflict);
    * responses without a match keep their row with the customer columns
      missing; they are returned (``unmatched``) for the load report.

    Returns
    -------
    frame : DataFrame
    facts : dict
        ``{"unmatched": {file: (on, mask)}, "origins": {column: file}}``.
    """
    origins = dict(origins or {})
    unmatched: dict[str, tuple[str, np.ndarray]] = {}
    frame = frame.copy()
    for spec in tables:
        path = Path(spec["file"])
        on = spec["on"]
        table = read_customer_table(path, sheet=spec.get("sheet"), header_row=spec.get("header_row"))
        name = path.name
        if on not in frame.columns:
            raise SchemaError(f"customers: the key column {shorten(on)!r} is not in {source}; its columns are "
                              f"{shorten_list([str(c) for c in frame.columns])}.{nearest(on, map(str, frame.columns))}")
        if on not in table.columns:
            raise SchemaError(f"customers: the key column {shorten(on)!r} is not in {name}; its columns are "
                              f"{shorten_list([str(c) for c in table.columns])}.{nearest(on, map(str, table.columns))}")
        keys = _key_text(table[on])
        present = keys.notna().to_numpy()
        dup = keys[present].duplicated(keep=False)
        if dup.any():
            repeated = list(dict.fromkeys(keys[present][dup]))
            raise DataError(
                f"{name}: the key column {shorten(on)!r} holds {len(repeated):,} key(s) on more than one row "
                f"({shorten_list(repeated, limit=5, each=40)}), so a response cannot be matched to one customer; "
                "remove the duplicate rows or join on a column that is unique per customer."
            )
        table = table.loc[present]
        index = pd.Index(keys[present].to_numpy(dtype=object))
        mine = _key_text(frame[on])
        pos = index.get_indexer(mine.to_numpy(dtype=object))
        matched = pos >= 0
        unmatched[name] = (on, ~matched)
        for col in table.columns:
            if col == on:
                continue
            joined = pd.Series(table[col].array.take(pos, allow_fill=True), index=frame.index, name=col)
            if col in frame.columns:
                before = origins.get(col, source)
                left, right = _key_text(frame[col]), _key_text(joined)
                differ = matched & (left.fillna("\0").to_numpy() != right.fillna("\0").to_numpy())
                if not differ.any():
                    continue
                if spec.get("wins") == "responses":
                    continue
                if spec.get("wins") != "customers":
                    i = int(np.flatnonzero(differ)[0])
                    raise SchemaError(
                        f"customers: column {shorten(col)!r} is in both {before} and {name}, and their values differ "
                        f"(e.g. {shorten(on)} {shorten(mine.iloc[i])!r}: {shorten(left.iloc[i])!r} vs "
                        f"{shorten(right.iloc[i])!r}); say which wins with 'wins: customers' (the value in {name}) "
                        f"or 'wins: responses' under that customers entry, or remove the column from one file."
                    )
            frame[col] = joined
            origins[col] = name
    return frame, {"unmatched": unmatched, "origins": origins}


def _with_value_labels(sch: Schema, value_labels: Mapping[str, Mapping[str, Any]]) -> Schema:
    """The file's value labels (SPSS/Stata/SAS) as ``labels:`` of the metrics and outcomes without their own."""
    metrics = dict(sch.metrics)
    for mname, spec in sch.metrics.items():
        labels = value_labels.get(spec.column)
        if labels and not spec.labels:
            lo, hi = spec.scale
            clean = {t.casefold(): int(c) for t, c in labels.items()
                     if isinstance(c, (int, np.integer)) and lo <= c <= hi}
            if clean:
                metrics[mname] = dataclasses.replace(spec, labels=clean)
    outcomes = dict(sch.outcomes)
    for oname, spec in sch.outcomes.items():
        labels = value_labels.get(spec.column)
        if labels and not spec.labels and not all(t.casefold() in _YES | _NO for t in labels):
            outcomes[oname] = dataclasses.replace(spec, labels={t.casefold(): float(c) for t, c in labels.items()
                                                                if isinstance(c, (int, float, np.number))})
    return dataclasses.replace(sch, metrics=metrics, outcomes=outcomes)


def _schema_extras(sch: Schema | None) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]], int | None]:
    """The schema's ``columns.multi``, ``customers`` and ``source.header_row`` (empty when it has none)."""
    if sch is None:
        return {}, [], None
    return {c: dict(v) for c, v in sch.multi.items()}, [dict(c) for c in sch.customers], sch.header_row


def load_responses(
    source: str | Path | pd.DataFrame,
    schema: str | Path | Mapping[str, Any] | Schema | None = None,
) -> tuple[pd.DataFrame, LoadReport]:
    """Load a survey export into the canonical responses table (SPEC.md).

    Parameters
    ----------
    source : path or DataFrame
        CSV/TSV (encoding and delimiter detected unless the schema says),
        Excel (``source.sheet``; the header row is found under empty rows or
        a title, or given as ``source.header_row``), Parquet, SPSS
        (``.sav``/``.zsav``), Stata (``.dta``), SAS (``.sas7bdat``), or a
        DataFrame already in memory.  The schema's ``customers:`` tables are
        joined onto it (:func:`join_customers`).
    schema : path, dict, Schema or None
        The schema file; inferred from column names when None (the inferred
        schema is on ``report.schema`` and ``report.schema.to_yaml()``).

    Returns
    -------
    responses : DataFrame
        Columns ``response_id`` (str), ``date`` (datetime64, if mapped),
        ``csat``/``nps``/``ces`` (nullable Int64, oriented so that higher is
        better), segment columns (category), ``weight`` (float),
        ``comment`` (str), extra columns, one nullable boolean column per
        choice of each ``columns.multi`` question (``"<column>: <choice>"``),
        and one boolean column per campaign (per choice for multi-select
        campaigns).  PII columns are dropped.
        ``responses.schema`` holds the schema as a dict (:class:`~csat_analysis.responses.Responses`).
    report : LoadReport

    Raises
    ------
    SchemaError
        Bad schema, or a schema column missing from the file (exit status 2).
    DataError
        Unreadable/empty file, or no usable row left (exit status 1).

    Examples
    --------
    >>> raw = pd.DataFrame({"id": ["a", "b", "b", "c"], "rating": ["10", "7", "9", "eleven"]})
    >>> df, report = load_responses(raw, {"columns": {"response_id": "id"},
    ...                                   "metrics": {"nps": {"column": "rating"}}})
    >>> df["nps"].tolist(), report.rows_kept, sorted(report.excluded)
    ([10, 7], 2, ['duplicate_id', 'unknown_label'])
    """
    given = read_schema(schema) if schema is not None else None
    multi, customers, header_row = _schema_extras(given)
    if isinstance(source, pd.DataFrame):
        _check_header(list(source.columns), "<DataFrame>", None if customers or multi else given)
        frame, name, info = source.copy(), "<DataFrame>", {}
        frame.columns = [str(c) for c in frame.columns]
    else:
        frame, info = read_table(
            source,
            sheet=given.sheet if given else None,
            encoding=given.encoding if given else None,
            delimiter=given.delimiter if given else None,
            # joined and expanded columns are not in the file: it is read whole and checked after the join
            schema=None if customers or multi else given,
            header_row=header_row,
        )
        name = Path(source).name
    if frame.shape[1] == 0 or (frame.shape[1] == 1 and str(frame.columns[0]).strip() == ""):
        raise DataError(f"{name} has no header row or columns; export the survey again with a header"
                        " (or set source.header_row to the row that holds the column names).")
    warnings: list[str] = list(info.get("warnings", ()))
    joined: dict[str, Any] = {"unmatched": {}}
    if customers:
        frame, joined = join_customers(frame, customers, source=name)
    if given is None:
        # an SPSS/Stata/SAS file's value labels and question texts, for inference to read (labelled scales)
        for key in ("value_labels", "question_text"):
            if info.get(key):
                frame.attrs[key] = info[key]
        sch = infer_schema(frame, origin=f"schema inferred for {name}")
        warnings.append(
            "No schema was given; one was inferred from the column names (see the 'schema' section). "
            "Save it to a .yml file, check it and pass it with --schema."
        )
        warnings += sch.inference_warnings
    else:
        sch = given
    if given is None:
        multi = _schema_extras(sch)[0]  # what inference found
    multi_columns: list[str] = []
    for col, spec in multi.items():
        if col not in frame.columns:
            raise SchemaError(f"{sch.origin}: the multi-select column {shorten(col)!r} (columns.multi) is not in "
                              f"{name}.{nearest(shorten(col, 200), map(str, frame.columns))}")
        flags = expand_choices(frame[col], column=col, sep=spec.get("sep", ";"),
                               min_n=spec.get("min_n", MIN_CHOICE_N), missing=sch.missing_values)
        for key, values in flags.items():
            frame[key] = values
        multi_columns += list(flags)
    if info.get("value_labels"):
        sch = _with_value_labels(sch, info["value_labels"])
    if not info.get("columns_checked"):
        sch.check_columns(frame.columns, name)

    n = len(frame)
    hidden = {c: _HIDDEN["pii"] for c in sch.pii}
    if sch.comment:
        hidden[sch.comment] = _HIDDEN["comment"]
    ledger = _Ledger(n, hidden)
    skip = sch.header_rows if sch.header_rows is not None else _qualtrics_rows(frame)
    if skip:
        meta = np.zeros(n, dtype=bool)
        meta[:skip] = True
        ledger.exclude(meta, "metadata_row", str(frame.columns[0]), frame.iloc[:, 0])
        warnings.append(f"{skip} row(s) under the header hold question text or import ids (Qualtrics style) and "
                        "were skipped.")
    missing_codes = frozenset(sch.missing_values)
    out: dict[str, Any] = {}
    # Text, segment and campaign columns are built in a second thread while the scores, dates and weights are
    # checked (pyarrow and numpy release the GIL); the worker gets its columns as Series, never the frame.
    described = [c for c in (sch.response_id, sch.comment, *sch.segments, *sch.extra, *sch.ratings,
                             *(c.column for c in sch.campaigns), *(c.group for c in sch.campaigns),
                             sch.customer_id, *sch.feature_columns()) if c]
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(_described_columns, {c: frame[c] for c in described}, sch, missing_codes, skip)
        bad_values = _check_values(frame, sch, missing_codes, ledger, out, warnings, info.get("declared_missing"))
        ids, columns, too_long, notes = future.result()
    warnings += notes
    for col, mask in too_long.items():
        ledger.exclude(mask, "label_too_long", col, frame[col])

    # ids ------------------------------------------------------------------
    if ids is not None:
        raw = frame[sch.response_id]
        ledger.exclude(ids[1], "missing_id", sch.response_id, raw)
        # an id duplicates only among rows still kept, so an excluded first copy does not evict the second
        ledger.exclude(_repeated(ids[0], ledger.kept), "duplicate_id", sch.response_id, raw)
        out["response_id"] = ids[0]
    else:
        out["response_id"] = pd.Series([f"r{i + 1}" for i in range(n)], index=frame.index, dtype="string")

    # value issues in kept rows (reported, not excluded) -------------------------
    kept = ledger.kept
    declared = info.get("declared_missing") or {}
    for mname, spec in sch.metrics.items():
        for reason, mask in bad_values[mname].items():
            shown = declared[spec.column][1] if reason == "declared_missing" else frame[spec.column]
            ledger.issue(mask & kept, reason, spec.column, shown)
    for reason, info_ in ledger.value_issues.items():
        warnings.append(f"{info_['count']:,} score value(s) set to missing in kept rows ({reason}); other metrics of "
                        "those rows are used.")
    for file, (on, mask) in joined["unmatched"].items():  # customers: responses without a customer row
        ledger.issue(mask & kept, "no_customer_match", on, frame[on])
        count = int((mask & kept).sum())
        if count:
            examples = sorted({shorten(v) for v in frame[on][mask & kept].dropna().astype(str).head(50)})[:3]
            warnings.append(
                f"{count:,} kept response(s) have no customer in {file} on {shorten(on)!r}"
                f"{' (e.g. ' + ', '.join(repr(e) for e in examples) + ')' if examples else ' (no key)'}; their "
                f"customer columns are missing. Check the key column of both files."
            )
    out.update(columns)
    for col in multi_columns:  # multi-select questions: one boolean column per choice
        if col not in out:
            out[col] = frame[col]
    for oname, ospec in sch.outcomes.items():  # customer outcomes (issue 15): a float column per outcome
        out[oname] = _outcome_column(frame[ospec.column], ospec, missing_codes, name, skip)

    order = ["response_id"] + (["date"] if "date" in out else []) + list(sch.metrics)
    order += [c for c in out if c not in order]
    result = pd.DataFrame({c: out[c] for c in order}, index=frame.index, copy=False)
    if not kept.all():
        result = result.loc[kept]
        for col in {*sch.segments, *(c.group for c in sch.campaigns if c.group)}:
            codes = result[col].cat.codes.to_numpy()
            used = np.bincount(codes[codes >= 0], minlength=len(result[col].cat.categories)) > 0
            if not used.all():
                result[col] = result[col].cat.remove_categories(result[col].cat.categories[~used])
    result = result.reset_index(drop=True)
    schema_dict = sch.to_dict()
    question_text = dict(info.get("question_text") or {})
    if question_text and "question_text" not in schema_dict:
        schema_dict["question_text"] = question_text  # variable labels (SPSS/Stata/SAS): the full questions
    result = with_schema(result, schema_dict, source=name)

    if given is not None:  # a declared scale wider than the answers use (inference says so itself)
        for mname, spec in sch.metrics.items():
            scores = result[mname].dropna().to_numpy(dtype=float)
            lo, hi = spec.scale
            note = scale_mismatch(mname, spec.column, spec.scale, scores if spec.higher_is_better else lo + hi - scores)
            if note:
                warnings.append(note)
    date_range = None
    if "date" in result and result["date"].notna().any():
        date_range = (f"{result['date'].min():%Y-%m-%d}", f"{result['date'].max():%Y-%m-%d}")
    report = LoadReport(
        source=name,
        rows_read=n,
        rows_kept=int(kept.sum()),
        rows_excluded=int((~kept).sum()),
        excluded=ledger.excluded,
        value_issues=ledger.value_issues,
        warnings=warnings,
        schema=sch,
        schema_inferred=given is None,
        date_range=date_range,
        header_row=info.get("header_row"),
        question_text=question_text,
    )
    if report.rows_kept == 0:
        reasons = ", ".join(f"{k} ({v['count']})" for k, v in ledger.excluded.items()) or "the file has no data rows"
        error = DataError(f"{name}: no usable rows remain out of {n:,} read: {reasons}.")
        error.report = report
        raise error
    return result, report


def _check_values(frame: pd.DataFrame, sch: Schema, missing: frozenset[str], ledger: _Ledger,
                  out: dict[str, Any], warnings: list[str],
                  declared: Mapping[str, tuple[np.ndarray, pd.Series]] | None = None,
                  ) -> dict[str, dict[str, np.ndarray]]:
    """Scores, dates and weight into ``out``; rows without a usable value excluded, in the order of the reasons.

    ``declared``: per column, the cells the file itself declares missing (SPSS user-missing codes) and how
    to show them; a row whose only score is one of those is excluded as ``declared_missing``.
    Returns each metric's masks of bad values, so that those in rows that stay can be reported.
    """
    n = len(frame)
    any_score = np.zeros(n, dtype=bool)
    bad_values: dict[str, dict[str, np.ndarray]] = {}
    for mname, spec in sch.metrics.items():
        raw = frame[spec.column]
        scores, bad_values[mname] = _scores(raw, _is_missing(raw, missing), spec)
        out[mname] = scores
        any_score |= scores.notna().to_numpy()
    # a bad value excludes its row only when no other metric of the row is usable
    for reason in ("unknown_label", "out_of_range", "non_integer"):
        for mname, spec in sch.metrics.items():
            ledger.exclude(bad_values[mname][reason] & ~any_score, reason, spec.column, frame[spec.column])
    for mname, spec in sch.metrics.items():
        if declared and spec.column in declared:
            mask, shown = declared[spec.column]
            ledger.exclude(mask & ~any_score, "declared_missing", spec.column, shown)
            bad_values[mname]["declared_missing"] = mask
    first_metric = next(iter(sch.metrics.values()))
    ledger.exclude(~any_score, "missing_score", first_metric.column, frame[first_metric.column])

    if sch.date is not None:
        raw = frame[sch.date.column]
        absent = _is_missing(raw, missing)
        cleaned = raw.where(~absent) if len(raw) else raw
        dates, notes = parse_dates(cleaned, dayfirst=sch.date.dayfirst, format=sch.date.format,
                                   column=sch.date.column)
        warnings += notes
        ledger.exclude(absent, "missing_date", sch.date.column, raw)
        ledger.exclude(dates.isna().to_numpy() & ~absent, "unparseable_date", sch.date.column, raw)
        out["date"] = dates

    if sch.weight:
        raw = frame[sch.weight]
        w = pd.to_numeric(raw.where(~_is_missing(raw, missing)), errors="coerce").astype(float)
        bad = ~(w > 0).to_numpy() | ~np.isfinite(w.to_numpy())
        ledger.exclude(bad, "invalid_weight", sch.weight, raw)
        out["weight"] = w
    return bad_values


def _described_columns(raw: dict[str, pd.Series], sch: Schema, missing: frozenset[str], skip: int = 0):
    """Ids as ``(text, missing mask)`` (None without an id column), the segment, comment, extra, rating and
    campaign columns in output order, per segment / campaign column the rows whose value is longer
    than :data:`MAX_LABEL_LENGTH` (set to missing here, excluded by the caller), and warnings (about
    the rows under the first ``skip``, which are metadata)."""
    ids = _text_column(raw[sch.response_id], missing) if sch.response_id else None
    too_long: dict[str, np.ndarray] = {}
    columns: dict[str, pd.Series] = {}
    notes: list[str] = []
    from .config import MAX_SEGMENT_LEVELS

    for col in sch.segments:
        columns[col], too_long[col] = segment_category(raw[col], missing)
        if len(columns[col].cat.categories) > MAX_SEGMENT_LEVELS:
            raise SchemaError(f"The segment column {shorten(col)!r} has {len(columns[col].cat.categories):,} distinct "
                              f"values, more than the {MAX_SEGMENT_LEVELS:,} a segment may have "
                              "(csat_analysis.config.MAX_SEGMENT_LEVELS): it looks like an id or free text; move it "
                              "under columns.extra, or group its values first.")
    if sch.comment:
        columns["comment"] = _cut_comments(_text_column(raw[sch.comment], missing)[0], notes, skip)
    for col in sch.extra:
        columns[col] = _extra_column(raw[col], missing)
    for col in sch.ratings:
        columns[col] = _rating_column(raw[col], missing, col, notes, skip)
    if sch.customer_id:
        columns["customer_id"] = _text_column(raw[sch.customer_id], missing)[0]
    for col in sch.feature_columns():
        if col not in columns and col not in _CANONICAL:
            columns[col] = _feature_column(raw[col], missing)
    for camp in sch.campaigns:
        flags, too_long[camp.column] = _campaign_columns(raw[camp.column], camp, missing, notes)
        columns.update(flags)
        if camp.group and camp.group not in columns:
            columns[camp.group], too_long[camp.group] = segment_category(raw[camp.group], missing)
    return ids, columns, {col: mask for col, mask in too_long.items() if mask.any()}, notes


def _cut_comments(text: pd.Series, notes: list[str], skip: int = 0) -> pd.Series:
    """Comments longer than :data:`~csat_analysis.config.MAX_COMMENT_CHARS` cut to that length (with "…"),
    and a warning saying how many and in which rows: a report never embeds megabytes of one answer."""
    from .config import MAX_COMMENT_CHARS

    arr = pa.chunked_array(pa.array(text.array))
    long = pc.fill_null(pc.greater(pc.utf8_length(arr), MAX_COMMENT_CHARS), False).to_numpy(zero_copy_only=False)
    if not long.any():
        return text
    arr = arr.cast(pa.large_string())
    ellipsis = pa.scalar("…", pa.large_string())
    cut = pc.if_else(long, pc.binary_join_element_wise(pc.utf8_slice_codeunits(arr, 0, MAX_COMMENT_CHARS), ellipsis,
                                                       pa.scalar("", pa.large_string())), arr)
    rows = np.flatnonzero(long)
    notes.append(f"{len(rows):,} comment(s) longer than {MAX_COMMENT_CHARS:,} characters were cut to that length "
                 f"(row(s) {', '.join(str(int(r) + 1) for r in rows[:5])}{', ...' if len(rows) > 5 else ''}).")
    return pd.Series(pd.arrays.ArrowStringArray(cut), index=text.index)


#: canonical column names a feature column of the same name cannot replace
_CANONICAL = frozenset({"response_id", "customer_id", "date", "csat", "nps", "ces", "weight", "comment"})
_YES = frozenset({"1", "1.0", "true", "yes", "y"})
_NO = frozenset({"0", "0.0", "false", "no", "n"})


def _feature_column(raw: pd.Series, missing: frozenset[str]) -> pd.Series:
    """A risk-model feature (``features:``): numbers stay numbers, yes/no flags stay booleans, and text
    becomes a category (the model one-hot encodes it)."""
    values = _extra_column(raw, missing)
    if pd.api.types.is_bool_dtype(values) or (pd.api.types.is_numeric_dtype(values)
                                              and not pd.api.types.is_timedelta64_dtype(values)):
        return values
    if pd.api.types.is_timedelta64_dtype(values):
        return values.dt.total_seconds()
    return segment_category(values, missing)[0]


def _outcome_column(raw: pd.Series, spec, missing: frozenset[str], source: str, skip: int = 0) -> pd.Series:
    """An outcome (``outcomes:``) as floats: through its ``labels`` (ignoring case and spaces), else numbers, else
    yes/no or true/false text as 1/0.  A missing cell stays missing (the response is still used for its scores);
    a value that cannot be read is a :class:`SchemaError` naming the file, column and value."""
    values = raw.iloc[skip:] if skip else raw
    codes, uniques = factorize(values)
    texts = [None if _isna(u) else str(u).strip() for u in uniques]
    gone = [t is None or t in missing or t == "" for t in texts]
    present = [t for t, g in zip(texts, gone, strict=False) if not g]
    if spec.labels:
        mapping = spec.labels
    elif all(_as_number(t) is not None for t in present):
        mapping = {t.casefold(): _as_number(t) for t in present}
    elif all(t.casefold() in _YES | _NO for t in present):
        mapping = {**{t: 1.0 for t in _YES}, **{t: 0.0 for t in _NO}}
    else:
        bad = next((t for t in present if _as_number(t) is None and t.casefold() not in _YES | _NO),
                   next(t for t in present if _as_number(t) is None))
        raise SchemaError(
            f"{source}: outcome {spec.name!r} (column {shorten(spec.column)!r}) holds {shorten(bad)!r}, which is "
            f"neither a number nor yes/no; map its answers under outcomes.{spec.name}.labels, e.g. "
            f"{{{shorten(bad)!r}: 1}}."
        )
    numbers = []
    for t, g in zip(texts, gone, strict=False):
        key = None if g else t.casefold()
        if key is not None and key not in mapping and _as_number(t) is not None and float(t).is_integer():
            key = str(int(float(t)))  # Excel and Parquet give 1.0 for a label written 1
        if g:
            numbers.append(np.nan)
        elif key in mapping:
            numbers.append(float(mapping[key]))
        else:
            row = int(np.flatnonzero(codes == len(numbers))[0]) + 1 + skip
            raise SchemaError(
                f"{source}: outcome {spec.name!r} (column {shorten(spec.column)!r}) holds {shorten(t)!r} in row {row}, "
                f"which is not among its labels {sorted(mapping)}; add it to outcomes.{spec.name}.labels or to "
                "missing_values."
            )
    result = np.append(np.array(numbers, dtype=float), np.nan)[codes]
    if skip:
        result = np.concatenate([np.full(skip, np.nan), result])
    return pd.Series(result, index=raw.index, name=spec.name)


def _extra_column(raw: pd.Series, missing: frozenset[str]) -> pd.Series:
    """Pass a column through; Excel time-of-day cells become durations (timedelta)."""
    if pd.api.types.is_numeric_dtype(raw) and not any(_as_number(v) is not None for v in missing):
        return raw  # the parser has typed it and no missing code is a number: nothing to do
    values = raw.mask(_is_missing(raw, missing))
    sample = values.dropna()
    import datetime as _dt

    if len(sample) and all(isinstance(v, _dt.time) for v in sample.iloc[:100]):
        return values.map(
            lambda t: pd.Timedelta(hours=t.hour, minutes=t.minute, seconds=t.second) if isinstance(t, _dt.time)
            else pd.NaT
        )
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().sum() == values.notna().sum() and values.notna().any():
            return numeric
        return values.astype("string")
    return values


def _rating_column(raw: pd.Series, missing: frozenset[str], column: str, notes: list[str],
                   skip: int = 0) -> pd.Series:
    """An attribute rating (``columns.ratings``) as numbers: like an extra column, but a cell that is not a
    number becomes missing (reported in ``notes``, except in the first ``skip`` rows, which are metadata)
    so that drivers and correlations can use the column."""
    values = _extra_column(raw, missing)
    if (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)) \
            or pd.api.types.is_timedelta64_dtype(values):
        return values
    numbers = _on_uniques(values, lambda u: pd.to_numeric(_text(u), errors="coerce").to_numpy(dtype=float))
    bad = np.isnan(numbers) & values.notna().to_numpy(dtype=bool)
    bad[:skip] = False
    if bad.any():
        example = values[bad].iloc[0]
        notes.append(
            f"columns.ratings: column {shorten(column)!r} holds {int(bad.sum()):,} value(s) that are not numbers "
            f"(e.g. {shorten(example)!r}); they were read as missing. Add such codes to missing_values, or remove "
            "the column from columns.ratings if it is not a rating."
        )
    return pd.Series(numbers, index=raw.index, name=raw.name)


def _unseen_campaign_values(camp, texts: Sequence[str | None], gone: Sequence[bool], n_missing: int) -> list[str]:
    """Warnings for a campaign's ``control`` / ``exposed`` values that occur in no row (matched ignoring case)."""
    occurring = sorted({t for t, a in zip(texts, gone, strict=False) if not a})
    seen = {t.casefold() for t in occurring}
    wanted = [("control", [camp.control])] if camp.control is not None else []
    if camp.exposed:
        wanted.append(("exposed", list(camp.exposed)))
    out = []
    for key, values in wanted:
        unseen = [v for v in values if v.casefold() not in seen]  # as the flags compare them
        if not unseen:
            continue
        effect = ("every answered row counts as exposed" if key == "control"
                  else "no row counts as exposed through it")
        holds = f"holds {shorten_list(occurring, limit=8, each=40)}" if occurring else "holds no answer at all"
        out.append(
            f"campaign {shorten(camp.name)!r}: the {key} value {shorten_list(unseen, limit=5, each=40)[1:-1]} never "
            f"occurs in column {shorten(camp.column)!r}, so {effect}; the column {holds} and {n_missing:,} missing "
            f"cell(s). If a join or a reader turned the {key} answer (e.g. the text \"None\") into a missing value, "
            f"restore it; otherwise set {key} to a value that occurs."
        )
    return out


#: control characters (NUL, C0, DEL, C1) are not part of a label; tabs and line breaks become spaces
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"[\t\r\n]+")


def _label(value: Any) -> str | None:
    """A segment / campaign label (from a file or a database): stripped text without bidirectional controls or
    control characters (a NUL byte, an escape), line breaks and tabs as spaces; None when missing."""
    if _isna(value):
        return None
    return _BREAKS.sub(" ", _CONTROL.sub("", BIDI_CONTROLS.sub("", str(value)))).strip()


def segment_category(raw: pd.Series, missing: frozenset[str]) -> tuple[pd.Series, np.ndarray]:
    """A segment column: stripped text as a category (sorted levels), missing codes as NaN.

    Works once per distinct value: bidirectional controls (U+202E ...) are
    removed, and a value longer than :data:`MAX_LABEL_LENGTH` becomes missing;
    also returns the mask of the rows that held such a value.
    """
    codes, uniques = factorize(raw)
    texts = [_label(u) for u in uniques]
    long = np.array([t is not None and len(t) > MAX_LABEL_LENGTH for t in texts] + [False])
    cleaned = pd.Series([None if t is None or t in missing or len(t) > MAX_LABEL_LENGTH else t for t in texts],
                        dtype=object)
    remap, levels = pd.factorize(cleaned, sort=True, use_na_sentinel=True)
    remap = np.append(remap, -1)  # code -1 (missing) stays missing
    return (pd.Series(pd.Categorical.from_codes(remap[codes], categories=pd.Index(levels, dtype=object)),
                      index=raw.index), long[codes])


def _campaign_columns(raw: pd.Series, camp, missing: frozenset[str],
                      notes: list[str] | None = None) -> tuple[dict[str, pd.Series], np.ndarray]:
    """Boolean exposure column(s) of one campaign, computed once per distinct answer, and the mask of rows
    whose answer is longer than :data:`MAX_LABEL_LENGTH` (treated as missing; the caller excludes them).

    A campaign with a ``control`` value and more than one other value (offers A-E against "None") also gets
    ``<name>_variant``: each row's value as a category, the control's included, so the variants can be told apart.

    A ``control`` or ``exposed`` value that no row holds is reported in ``notes``: every answered row would
    then count as exposed (or none), typically because a join or a reader turned the text "None" into a
    missing value."""
    codes, uniques = factorize(raw)
    texts = [_label(u) for u in uniques]
    long = np.array([t is not None and len(t) > MAX_LABEL_LENGTH for t in texts] + [False])
    texts = [None if t is not None and len(t) > MAX_LABEL_LENGTH else t for t in texts]
    gone = [t is None or t in missing for t in texts]  # per distinct answer
    absent = np.array(gone + [True])[codes]  # per row; code -1 (last): NA cells

    def column(flags: list[bool]) -> pd.Series:
        values = np.array(list(flags) + [False])[codes]
        return pd.Series(pd.arrays.BooleanArray(values, absent.copy()), index=raw.index)

    if camp.delimiter:
        parts = [split_choices(t, camp.delimiter) if t is not None else [] for t in texts]  # quotes stay whole
        choices = sorted({p for row, a in zip(parts, gone, strict=False) if not a for p in row if p})
        return {f"{camp.name}_{slug(c)}": column([c in row for row in parts]) for c in choices}, long[codes]
    folded = [t.casefold() if t is not None else None for t in texts]
    if notes is not None:
        notes += _unseen_campaign_values(camp, texts, gone, int(absent.sum()))
    if camp.exposed:
        wanted = {v.casefold() for v in camp.exposed}
        flags = [f in wanted for f in folded]
    elif camp.control is not None:
        flags = [f != camp.control.casefold() for f in folded]
        variants = {f for f, a, x in zip(folded, gone, flags, strict=True) if x and not a}
        if len(variants) > 1:  # several offers: keep which one each row got (campaign_effect estimates each)
            labels = np.array([None if a else t for t, a in zip(texts, gone, strict=True)] + [None], dtype=object)
            return {camp.name: column(flags), f"{camp.name}_variant": pd.Series(
                pd.Categorical(labels[codes]), index=raw.index)}, long[codes]
    else:
        truthy = {"1", "true", "yes", "y", "exposed", "treated"}
        falsy = {"0", "false", "no", "n", "control", "none"}
        for t, f, a in zip(texts, folded, gone, strict=False):
            if not a and f not in truthy | falsy:
                raise SchemaError(
                    f"campaign {camp.name!r}: column {shorten(camp.column)!r} holds {shorten(t)!r}, which is not "
                    "yes/no; set 'control' (the value meaning not exposed) or 'exposed' in the schema."
                )
        flags = [f in truthy for f in folded]
    return {camp.name: column(flags)}, long[codes]
