"""HTML building blocks shared by results, reports and the renderer.

Everything here is plain string building with escaping (no papermill, no
IPython, no plotting), so statistics results (``_repr_html_``), the report
classes in :mod:`csat_analysis.reports` and the renderer in
:mod:`csat_analysis.render` all use the same pieces:

* :class:`HTML` / :class:`DataHTML`: rich-display objects (the latter also
  carries a table's data under :data:`TABLE_MIME` for the report's workbook);
* :func:`esc`, :func:`md`: escaping, with ``**bold**`` and ```code``` marks;
* :func:`summary_box`, :func:`note`, :func:`table_html`, :func:`table_data`,
  :func:`csv_link`: the boxes, tables and offline CSV links of every report.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from .export import plain_value
from .labels import MAX_LABEL, display_label
from .privacy import COUNT_COLUMNS

__all__ = ["HTML", "DataHTML", "TABLE_MIME", "esc", "md", "summary_box", "note", "table_html", "table_data",
           "table_payload", "csv_link"]

#: Mimetype of the data of a displayed table (next to its HTML), read back for the report's workbook.
TABLE_MIME = "application/vnd.csat-analysis.table+json"


class HTML:
    """Minimal rich-display object (avoids importing IPython in the package)."""

    def __init__(self, data: str) -> None:
        self.data = data

    def _repr_html_(self) -> str:
        return self.data

    def __repr__(self) -> str:
        text = re.sub(r"</(td|th)>", " | ", self.data)
        text = re.sub(r"</(tr|li|h\d|p|div|caption)>", "\n", text)
        return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


class DataHTML(HTML):
    """HTML that also carries its data under a private mimetype (read back from the executed notebook)."""

    def __init__(self, data: str, mime: str, payload: Any) -> None:
        super().__init__(data)
        self.mime = mime
        self.payload = payload

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.data, "text/plain": repr(self), self.mime: self.payload}


def md(text: str) -> str:
    """Escaped text with **bold** and `code` marks, for section explanations written in the package."""
    out = esc(text)
    out = re.sub(r"(?<!\\)\*\*(.+?)(?<!\\)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out).replace("\\*", "*")


def summary_box(sentences: Sequence[str], title: str = "Summary") -> HTML:
    """A highlighted list of plain-language takeaways (each sentence escaped)."""
    items = "".join(f"<li>{esc(s)}</li>" for s in sentences)
    return HTML(f'<div class="csat-summary"><strong>{esc(title)}</strong><ul>{items}</ul></div>')


def note(text: str) -> HTML:
    """A highlighted note (e.g. 'no responses match this selection')."""
    return HTML(f'<div class="csat-note">{esc(text)}</div>')


def table_html(table: pd.DataFrame, *, columns: Mapping[str, str] | None = None,
               formats: Mapping[str, str] | None = None, caption: str | None = None) -> HTML:
    """An escaped HTML table; rows with ``low_n`` are italic and ``suppressed`` rows say so.

    A suppressed row shows no score (columns in ``formats``) and no count
    (:data:`~csat_analysis.privacy.COUNT_COLUMNS`).

    ``columns`` maps column names to headings (and chooses the columns;
    by default every column, a name over 40 characters under its short
    label, with the full name in a "Questions" note under the table);
    ``formats`` maps column names to format specs (``"{:.1f}"``).
    """
    columns = dict(columns or {c: display_label(None, c) for c in table.columns})
    formats = dict(formats or {})
    numeric = {c for c in columns if c in formats or (c in table and pd.api.types.is_numeric_dtype(table[c])
                                                       and not pd.api.types.is_bool_dtype(table[c]))}
    head = "".join(f'<th class="{"num" if c in numeric else ""}">{esc(h)}</th>' for c, h in columns.items())
    body = []
    for _, row in table.iterrows():
        suppressed = bool(row.get("suppressed", False))
        cls = "suppressed" if suppressed else "low-n" if bool(row.get("low_n", False)) else ""
        cells = []
        for col in columns:
            value = row.get(col)
            if suppressed and col in formats:
                text = "suppressed"
            elif suppressed and col in COUNT_COLUMNS:
                text = "–"  # a suppressed group's count goes with its score (privacy.COUNT_COLUMNS)
            elif value is None or (not isinstance(value, str) and pd.isna(value)):
                text = "–"
            elif isinstance(value, (bool,)) or str(type(value).__name__) == "bool_":
                text = "yes" if value else ""
            elif col in formats:
                text = formats[col].format(value)
            elif isinstance(value, (int,)) or type(value).__name__.startswith("int"):
                text = f"{value:,}"
            else:
                text = str(value)
            cells.append(f'<td class="{"num" if col in numeric else ""}">{esc(text)}</td>')
        body.append(f'<tr class="{cls}">' + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    shortened = [f"{h}: {c}" for c, h in columns.items() if str(h) != str(c) and len(str(c)) > MAX_LABEL]
    questions = f'<p class="csat-questions">Questions. {esc("; ".join(shortened))}</p>' if shortened else ""
    export = table_data(table, columns=columns, formats=formats)
    name = f"{_slug(caption)[:60] if caption else 'table'}.csv"
    return DataHTML(
        f'<table class="csat-table">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
        + questions + csv_link(export, name),
        TABLE_MIME, table_payload(export, caption))


#: a number as a table shows it: optional sign (also U+2212), digits with thousands commas, decimals, a unit
_SHOWN_NUMBER = re.compile(
    r"^\s*([+\-\u2212]?)((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?)\s*(%|pp|pts?|points?)?\s*$")
#: a p-value as a table shows it: ``0.023``, ``< 0.001`` (optionally after ``p``, ``p =``)
_SHOWN_P = re.compile(r"^\s*(?:p\s*)?(?:(=)\s*)?(<\s*)?(0?\.\d+|1(?:\.0+)?)\s*$")
#: a calendar day as a table shows it (a daily period, a date)
_SHOWN_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Excel number format of a p-value: three decimals, values below 0.001 shown as "< 0.001"
P_FORMAT = '[<0.001]"< 0.001";0.000'
#: Excel number format of a date
DATE_FORMAT = "yyyy-mm-dd"
_BLANK = (None, "", "–", "n/a", "suppressed")


def _decimals(fmt: str) -> int | None:
    """Decimals a Python format spec shows (``{:.1%}`` -> 3 of the fraction); None if it does not say."""
    m = re.fullmatch(r"\{:[+ ]?,?\.(\d+)([f%])\}", fmt.strip())
    if not m:
        return None
    return int(m.group(1)) + (2 if m.group(2) == "%" else 0)


def _p_values(texts: list[str | None], table: pd.DataFrame, suppressed) -> list[float] | None:
    """The exact p-values behind a column of shown p-values, from the table's numeric column that reads so.

    ``None`` when the texts are not p-values (some ``< 0.001`` or a value
    with three decimals in 0..1 is needed); when no numeric column of the
    table matches them, the values as shown (``< 0.001`` as 0.0005, which
    :data:`P_FORMAT` shows as ``< 0.001`` again).
    """
    shown = [(i, _SHOWN_P.match(t)) for i, t in enumerate(texts) if t not in _BLANK]
    if not shown or not all(m for _, m in shown) or not any(m.group(2) for _, m in shown):
        return None
    for col in table.columns:
        values = table[col]
        if not pd.api.types.is_float_dtype(values):
            continue
        v = values.to_numpy(dtype=float)
        ok = True
        for i, m in shown:
            if not (0 <= v[i] <= 1):
                ok = False
            elif m.group(2):
                ok = v[i] < float(m.group(3))
            else:
                ok = abs(v[i] - float(m.group(3))) <= 0.5 * 10 ** -len(m.group(3).split(".")[-1]) + 1e-12
            if not ok:
                break
        if ok:
            return [float("nan") if s or texts[i] in _BLANK else float(v[i]) for i, s in enumerate(suppressed)]
    out = [float("nan")] * len(texts)
    for i, m in shown:
        out[i] = float(m.group(3)) / 2 if m.group(2) else float(m.group(3))
    return out


def _slug(text: Any) -> str:
    from ._utils import slug

    return slug(text, "-")


def table_data(table: pd.DataFrame, *, columns: Mapping[str, str] | None = None,
               formats: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The data of a :func:`table_html` table, for CSV and Excel: its columns under their headings.

    One convention for every table (the README states it): numbers are
    numbers, rounded as the table shows them; a **percentage is a fraction of
    one** (``62.3%`` is 0.623) with a percent number format, also in a column
    whose heading says ``(%)``; a **p-value** is a number (the exact value
    behind the shown one where the table holds it) with the format
    :data:`P_FORMAT`, which shows ``< 0.001``; a day (``2024-03-05``) is a
    date; a missing, suppressed or ``n/a`` value is an empty cell.

    Numeric columns keep their values (NaN where a row is suppressed, as the
    HTML shows no number there); text columns whose every value is a number
    as displayed (``"62.3%"``, ``"+1.2"``, ``"1,234"``) become numbers; other
    text is kept as text.  A ``Note`` column says which rows are suppressed.
    ``attrs["number_formats"]`` holds an Excel number format per heading
    (from ``formats`` or the displayed decimals and sign: a list, one per
    row, when rows differ, as in a column of CSAT %, NPS and CES).

    Examples
    --------
    >>> t = pd.DataFrame({"share": [16.14], "p": [0.00012], "p_f": ["< 0.001"], "score": ["62.3%"]})
    >>> d = table_data(t, columns={"share": "Share (%)", "p_f": "p", "score": "Score"},
    ...                formats={"share": "{:.1f}", "p_f": "{}", "score": "{}"})
    >>> d.iloc[0].tolist(), d.attrs["number_formats"]
    ([0.161, 0.00012, 0.623], {'Share (%)': '0.0%', 'p': '[<0.001]"< 0.001";0.000', 'Score': '0.0%'})
    """
    from .export import excel_format

    columns = dict(columns or {c: display_label(None, c) for c in table.columns})
    formats = dict(formats or {})
    suppressed = (table["suppressed"].fillna(False).astype(bool).to_numpy() if "suppressed" in table
                  else [False] * len(table))
    out = {}
    number_formats: dict[str, str] = {}
    for col, heading in columns.items():
        values = table[col] if col in table else pd.Series([None] * len(table), index=table.index)
        heading = str(heading)
        if heading in out:
            heading = f"{heading} ({col})"
        fmt = excel_format(formats[col]) if col in formats else None
        if pd.api.types.is_bool_dtype(values):
            out[heading] = ["yes" if v else "" for v in values]
            continue
        if pd.api.types.is_numeric_dtype(values):
            vals = [None if pd.isna(v) else v.item() if hasattr(v, "item") else v for v in values.astype(object)]
            digits = _decimals(formats[col]) if col in formats else None
            if digits is not None:  # rounded as the table shows it
                vals = [None if v is None else round(float(v), digits) for v in vals]
            if fmt and "%" not in fmt and ("(%)" in heading or heading.endswith("%")) and digits is not None:
                vals = [None if v is None else round(v / 100, digits + 2) for v in vals]  # 16.1 under "(%)"
                fmt = ";".join(part + "%" for part in fmt.split(";"))
            hide_col = col in formats or col in COUNT_COLUMNS
            out[heading] = [None if s and hide_col else v for v, s in zip(vals, suppressed, strict=False)]
            fmt = fmt or ("#,##0" if pd.api.types.is_integer_dtype(values) else None)
            if fmt:
                number_formats[heading] = fmt
            continue
        texts = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v) for v in values]
        shown = [t for t in texts if t not in _BLANK]
        p_values = _p_values(texts, table, suppressed)
        if p_values is not None:
            out[heading] = p_values
            number_formats[heading] = P_FORMAT
            continue
        if shown and all(_SHOWN_DATE.match(t) for t in shown):
            out[heading] = [None if s or t in _BLANK else pd.Timestamp(t)
                            for t, s in zip(texts, suppressed, strict=False)]
            number_formats[heading] = DATE_FORMAT
            continue
        matches = [_SHOWN_NUMBER.match(t) for t in shown]
        if shown and all(matches):  # numbers as shown; a unit shared by every row goes to the heading
            units = {m.group(4) for m in matches}
            unit = units.pop() if len(units) == 1 else None
            comma = any("," in m.group(2) for m in matches)

            def shown_format(text, comma=comma):  # the decimals and sign this row shows
                m = _SHOWN_NUMBER.match(text) if text else None
                if m is None:
                    return None
                body = ("#,##0" if comma else "0") + ("." + "0" * len(m.group(3)) if m.group(3) else "")
                return f"+{body};-{body};{body}" if m.group(1) == "+" else body

            def number(text):
                m = _SHOWN_NUMBER.match(text) if text else None
                if m is None:
                    return float("nan")
                value = (-1 if m.group(1) in ("-", "\u2212") else 1) * float(m.group(2).replace(",", ""))
                if m.group(4) == "%":  # a percentage is a fraction of one with a percent format
                    return round(value / 100, len(m.group(3) or "") + 2)
                return value

            def row_format(text):
                fmt = shown_format(text)
                m = _SHOWN_NUMBER.match(text) if text else None
                if fmt and m and m.group(4) == "%":
                    fmt = ";".join(part + "%" for part in fmt.split(";"))
                return fmt

            out[heading] = [float("nan") if s else number(t) for t, s in zip(texts, suppressed, strict=False)]
            row_formats = [None if s else row_format(t) for t, s in zip(texts, suppressed, strict=False)]
            kinds = {f for f in row_formats if f}
            number_formats[heading] = kinds.pop() if len(kinds) == 1 else row_formats  # one per row if they differ
            if unit and unit != "%" and unit not in heading:  # "+1.2 pp" -> 1.2 under "Change (pp)"
                out[f"{heading} ({unit})"] = out.pop(heading)
                number_formats[f"{heading} ({unit})"] = number_formats.pop(heading)
        else:
            out[heading] = texts
    frame = pd.DataFrame(out)
    if any(suppressed):
        frame["Note"] = ["suppressed (small group)" if s else "" for s in suppressed]
    frame.attrs["number_formats"] = number_formats
    return frame


def table_payload(frame: pd.DataFrame, title: str | None) -> dict[str, Any]:
    return {"title": title, "columns": [str(c) for c in frame.columns],
            "rows": [[plain_value(v, keep_dates=False) for v in row]
                     for row in frame.itertuples(index=False, name=None)],
            "number_formats": dict(frame.attrs.get("number_formats") or {})}


def csv_link(frame: pd.DataFrame, filename: str, text: str = "Download CSV") -> str:
    """An offline link that downloads ``frame`` as a CSV file (a ``data:`` URL; nothing is fetched).

    The CSV is UTF-8 with a byte-order mark (Excel reads accents right) and
    neutralised (:func:`csat_analysis.export.neutralise`): text from the data
    that starts with ``=``, ``+``, ``-``, ``@``, tab or CR cannot run as a formula.
    """
    import base64

    from .export import csv_text

    payload = base64.b64encode(("\ufeff" + csv_text(frame)).encode("utf-8")).decode("ascii")
    return (f'<p class="csat-download"><a download="{esc(filename)}" '
            f'href="data:text/csv;charset=utf-8;base64,{payload}">{esc(text)}</a></p>')
