"""One shape for every result object: ``table``, ``warnings``, ``summary()``, HTML, CSV and Excel.

Functions that compute one table (:func:`~csat_analysis.summarize`,
``compare``, ``trend``, ``correlate``, ``drivers``) return a tidy DataFrame.
Functions that return more than a table (weights, a model, validation,
scores per comment) return a result object, and every result object shares
the interface of :class:`Result`, as statsmodels' results share
``summary()`` and ``conf_int()`` through one base class:

``.table``
    The main tidy DataFrame (one row per level, group, term, ...).
``.warnings``
    A list of sentences: what the reader must know before trusting the
    numbers (levels merged, a model that did not converge, why a method was
    chosen, ...).  Empty when there is nothing to say.
``.summary()``
    A few lines of plain text for people.
``_repr_html_()``
    The summary, the table and the warnings as escaped HTML (a notebook shows
    it when the result is the last expression of a cell).
``.to_csv(path)`` and ``.to_excel(path)``
    The table as a formula-safe CSV file, and a workbook with an "About"
    sheet (summary and warnings) and the table (plus any further tables of
    the result), through :mod:`csat_analysis.export`.

A subclass defines ``table`` and ``warnings`` (dataclass fields) and usually
``summary()``; it may add sheets to the workbook (:meth:`Result.sheets`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Result", "HTML_MAX_ROWS"]

#: most table rows :meth:`Result._repr_html_` shows (the files hold every row)
HTML_MAX_ROWS = 50


class Result:
    """Base class of the package's result objects (see the module docstring).

    Examples
    --------
    >>> import dataclasses
    >>> import pandas as pd
    >>> @dataclasses.dataclass
    ... class Counted(Result):
    ...     table: pd.DataFrame
    ...     warnings: list
    >>> r = Counted(pd.DataFrame({"level": ["a", "<b>"], "n": [3, 4]}), ["Level <b> is small."])
    >>> print(r.summary())
    Counted: 2 rows (level, n).
    Warning: Level <b> is small.
    >>> "&lt;b&gt;" in r._repr_html_() and "<b>" not in r._repr_html_()
    True
    """

    #: the heading of :attr:`table` in the HTML and its sheet name in :meth:`to_excel`
    table_title = "Table"

    table: pd.DataFrame
    warnings: list[str]

    # ------------------------------------------------------------------ text

    def summary(self) -> str:
        """A few lines for people: what the table holds, then the warnings."""
        columns = ", ".join(map(str, self.table.columns))
        lines = [f"{type(self).__name__}: {len(self.table):,} row{'s' if len(self.table) != 1 else ''} ({columns})."]
        return "\n".join(lines + self._warning_lines())

    def _warning_lines(self) -> list[str]:
        return [f"Warning: {w}" for w in self.warnings]

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        """The summary, the first :data:`HTML_MAX_ROWS` rows of the table and the warnings, escaped."""
        from .display import esc, table_html

        summary = [line for line in self.summary().splitlines() if not line.startswith("Warning: ")]
        table = self.table
        caption = self.table_title
        if len(table) > HTML_MAX_ROWS:
            caption += f" (first {HTML_MAX_ROWS:,} of {len(table):,} rows)"
        parts = [f'<div class="csat-result"><p>{"<br>".join(esc(line) for line in summary)}</p>',
                 table_html(table.head(HTML_MAX_ROWS).reset_index(drop=True), caption=caption).data]
        if self.warnings:
            items = "".join(f"<li>{esc(w)}</li>" for w in self.warnings)
            parts.append(f'<div class="csat-note"><strong>Warnings</strong><ul>{items}</ul></div>')
        return "".join(parts) + "</div>"

    # ------------------------------------------------------------------ files

    def sheets(self) -> dict[str, pd.DataFrame]:
        """The workbook's tables, sheet title -> table (:attr:`table` under :attr:`table_title`)."""
        return {self.table_title: self.table}

    def about(self) -> dict[str, Any]:
        """The workbook's "About" sheet: label -> value."""
        return {"Result": type(self).__name__, "Summary": self.summary(),
                "Warnings": list(self.warnings) or "none"}

    def to_csv(self, path: str | Path) -> Path:
        """Write :attr:`table` as a UTF-8 CSV file; text that could start a formula is neutralised."""
        from .export import write_csv

        return write_csv(self.table, path)

    def to_excel(self, path: str | Path) -> Path:
        """Write an ``.xlsx`` workbook: "About" (summary, warnings), then :meth:`sheets`; text stays text."""
        from .export import write_workbook

        return write_workbook(self.sheets(), path, about=self.about())
