"""Render the report notebooks with papermill and share them as offline HTML.

One concern per module (papermill's ``execute``/``engines``/``iorw`` split):

* :mod:`~csat_analysis.render.notebook`: the notebook-facing helpers
  (:func:`load`, :func:`select`, :func:`resolve`, :func:`header`,
  :func:`section`, :func:`metric_definitions`, :func:`publish_headline`) that
  build the escaped HTML pieces the notebooks display.
* :mod:`~csat_analysis.render.run`: :func:`run_report` executes one notebook
  (papermill, kernel ``csat-analysis``) and writes the executed ``.ipynb`` and
  a standalone HTML file side by side.
* :mod:`~csat_analysis.render.batch`: :func:`run_batch` renders one report per
  value of a column in worker processes; each worker starts one kernel and
  reuses it (namespace reset between reports), so the heavy libraries are
  imported once per worker.  A failing report does not stop the others and is
  marked in the index.  :func:`run_demo` renders every notebook on the sample.
* :mod:`~csat_analysis.render.output`: :func:`to_html`, the report workbook
  (:func:`report_tables`, :func:`write_report_workbook`) and
  :func:`write_index` (``index.html`` linking every report with its headline
  numbers).

``from csat_analysis import render as rep`` gives every name below.

HTML rules (SPEC.md): no request to another host (the template drops
require.js, MathJax and mermaid and adds a Content-Security-Policy), no input
cells, no injected-parameters cell, figures embedded as PNG, every
user-supplied string escaped, no PII column, small groups suppressed.
"""

from __future__ import annotations

from ..display import TABLE_MIME, csv_link, note, summary_box, table_html
from ..params import notebook_parameters, plain_parameters, resolve_notebook
from .batch import SAME_FAILURE_STOP as SAME_FAILURE_STOP  # noqa: F401 (tests read it)
from .batch import run_batch, run_demo
from .notebook import (
    HEADER_MIME,
    HEADLINE_MIME,
    SelectionTooSmall,
    date_range,
    header,
    is_warehouse,
    load,
    metric_definitions,
    publish_headline,
    resolve,
    section,
    select,
)
from .output import ReportResult, report_tables, to_html, write_index, write_report_workbook
from .run import check_against_data as check_against_data  # noqa: F401
from .run import report_name, run_report

__all__ = [
    "ReportResult",
    "load",
    "is_warehouse",
    "resolve_notebook",
    "notebook_parameters",
    "run_report",
    "plain_parameters",
    "report_name",
    "SelectionTooSmall",
    "run_batch",
    "run_demo",
    "write_index",
    "to_html",
    "select",
    "resolve",
    "date_range",
    "header",
    "summary_box",
    "section",
    "metric_definitions",
    "note",
    "table_html",
    "publish_headline",
    "HEADLINE_MIME",
    "TABLE_MIME",
    "HEADER_MIME",
    "csv_link",
    "report_tables",
    "write_report_workbook",
]
