"""Render the report notebooks with papermill and share them as offline HTML.

* :func:`run_report` executes one notebook (papermill, kernel
  ``csat-analysis``) and writes the executed ``.ipynb`` and a standalone HTML
  file side by side.
* :func:`run_batch` renders one report per value of a column in worker
  processes; each worker starts one kernel and reuses it (namespace reset
  between reports), so the heavy libraries are imported once per worker.
  A failing report does not stop the others and is marked in the index.
* :func:`write_index` writes ``index.html`` linking every report with its
  headline numbers.
* The notebook-facing helpers (:func:`select`, :func:`header`,
  :func:`summary_box`, :func:`table_html`, :func:`publish_headline`) build
  the escaped HTML pieces the notebooks display.

HTML rules (SPEC.md): no request to another host (the template drops
require.js, MathJax and mermaid and adds a Content-Security-Policy), no input
cells, no injected-parameters cell, figures embedded as PNG, every
user-supplied string escaped, no PII column, small groups suppressed.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import glob
import hashlib
import html
import os
import re
import signal
import tempfile
import time
import types
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from . import config
from ._utils import as_list, nearest, shorten
from .backends import WarehouseTable
from .display import HTML, TABLE_MIME, DataHTML, csv_link, esc, md, note, summary_box, table_html
from .exceptions import DataError, ParameterError, ReportError
from .params import check_parameters, notebook_parameters, plain_parameters, resolve_notebook
from .responses import schema_of

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

#: Mimetype of the hidden output through which a notebook hands its headline numbers to the index.
HEADLINE_MIME = "application/vnd.csat-analysis.headline+json"
#: Mimetype of the header's facts (data source, rows, period, parameters), read back for the About sheet.
HEADER_MIME = "application/vnd.csat-analysis.header+json"


# --------------------------------------------------------------------------- notebook-facing helpers


class SelectionTooSmall(ReportError):
    """The report's selection has fewer responses than the privacy threshold.

    Raised by :func:`select` so that nothing about a tiny group is computed;
    :func:`run_report` turns it into a report that says only that.
    """


def is_warehouse(source: Any) -> bool:
    """Whether ``source`` names a database table rather than a file to load: a URL such as
    ``duckdb:///path/survey.db`` or a ``.duckdb``/``.db`` file."""
    text = str(source)
    return bool(re.match(r"^[a-z][a-z0-9+]*://", text)) or text.endswith((".duckdb", ".db"))


def _warehouse_location(source: Any) -> str:
    """``source`` with a DuckDB file path made absolute, so that a kernel started elsewhere finds it."""
    text = str(source)
    if text.startswith("duckdb://") and "?" not in text and not text.startswith("duckdb:///"):
        path = Path(text[len("duckdb://"):])
        return f"duckdb://{path.resolve()}" if path.exists() else text
    if not re.match(r"^[a-z][a-z0-9+]*://", text):
        return str(Path(text).resolve())
    return text


def load(data_path: Any, schema_path: Any = None, table: str | None = None):
    """The report's data: ``(responses, load_report)`` for a file, ``(WarehouseTable, None)`` for a database.

    A URL (``duckdb:///path/survey.db``) or a ``.duckdb``/``.db`` file is read
    through :func:`~csat_analysis.backends.scan`: nothing is loaded, every
    number the report shows is computed in the engine (``table`` names the
    table, else the schema's ``source: {table: ...}``).  Any other path is
    loaded with :func:`~csat_analysis.load_responses`, exactly as before.
    """
    if not is_warehouse(data_path):
        if table is not None:
            raise ParameterError(f"-p table names a table of a database, but the data is the file {str(data_path)!r}; "
                                 "give a database (e.g. duckdb:///path/survey.db) or leave out -p table.")
        from .io import load_responses

        return load_responses(data_path, schema_path)
    if schema_path is None:
        raise ParameterError("A database table needs a schema (--schema): it names the score columns, their scales "
                             "and the date column.")
    from .backends import scan

    return scan(_warehouse_location(data_path), schema=schema_path, table=table), None


def _too_few(n: int, privacy_min_n: int | None) -> None:
    """Raise :class:`SelectionTooSmall` when a selection of ``n`` responses is below the privacy threshold."""
    if privacy_min_n is not None and n < privacy_min_n:
        what = "No responses match this selection" if n == 0 else \
            f"This selection has fewer than {privacy_min_n} responses (the privacy threshold)"
        raise SelectionTooSmall(f"{what}, so the report shows nothing about it. Widen the selection "
                                "(segment, start, end) to report on it.")


def _selection_bounds(data, segment_column: str | None, segment: Any, start: Any, end: Any,
                      date: str) -> dict[str, pd.Timestamp]:
    """Check a selection's parameters against ``data``'s columns; the ``start``/``end`` dates given."""
    if segment is not None:
        if not segment_column:
            raise ParameterError("A `segment` filter needs `segment_column` (the column holding segments).")
        if segment_column not in data.columns:
            raise ParameterError(
                f"segment_column {segment_column!r} is not a column of the data; columns are "
                f"{list(map(str, data.columns))}.{nearest(segment_column, map(str, data.columns))}"
            )
    bounds = {}
    for name, bound in (("start", start), ("end", end)):
        if bound:
            if date not in data.columns:
                raise ParameterError("A period filter (start/end) needs a date column in the data.")
            try:
                bounds[name] = pd.Timestamp(bound)
            except ValueError:
                raise ParameterError(f"start/end {bound!r} is not a date; write it as YYYY-MM-DD.") from None
    return bounds


def select(data: pd.DataFrame, *, segment_column: str | None = None, segment: Any = None,
           start: str | None = None, end: str | None = None, date: str = "date",
           privacy_min_n: int | None = None) -> pd.DataFrame:
    """Rows of one segment and date range (the report's selection).

    Raises
    ------
    ParameterError
        When ``segment_column`` is not a column, or dates do not parse.
    SelectionTooSmall
        When ``privacy_min_n`` is given and fewer responses are selected: a
        report on, say, three customers would publish their answers and
        comments, so none is written (SPEC.md, privacy).

    For a :class:`~csat_analysis.backends.WarehouseTable` the selection is a
    filtered table (nothing is fetched) and its size one count query.
    """
    bounds = _selection_bounds(data, segment_column, segment, start, end, date)
    if isinstance(data, WarehouseTable):
        view = data.filter(column=segment_column if segment is not None else None, equals=segment, date=date,
                           **bounds) if segment is not None or bounds else data
        _too_few(len(view), privacy_min_n)
        return view
    view = data
    if segment is not None:
        view = view[view[segment_column].astype("string") == str(segment)]
    if "start" in bounds:
        view = view[view[date] >= bounds["start"]]
    if "end" in bounds:
        view = view[view[date] <= bounds["end"]]
    _too_few(len(view), privacy_min_n)
    return view.copy()


#: parameters that name a column of the canonical table (checked by :func:`resolve`)
_COLUMN_PARAMETERS = ("segment_column", "breakdown", "facet_by", "weights")
_METRIC_ORDER = ("csat", "nps", "ces")
#: parameters :func:`resolve` knows
_RESOLVED = ("segment", "segment_column", "weights", "breakdown", "facet_by", "campaign", "outcomes", "metric",
             "outcome", "heat_metric", "target", "drivers", "items", "controls")


def resolve(data: pd.DataFrame, **params: Any) -> types.SimpleNamespace:
    """Notebook parameters with ``None`` resolved from the data's schema (SPEC.md, round 2).

    ``None`` means "take it from the schema"; ``False`` switches an optional
    column off (e.g. ``weights=False`` for unweighted figures, ``facet_by=False``
    for no small multiples, ``target=False`` for no target line):

    ========================  ==================================================
    ``weights``               raked to the schema's ``population:``/``margins:``
                              (a RakeResult), else the schema's weight column if
                              mapped, else unweighted
    ``segment_column``        the first segment
    ``breakdown``/``facet_by``  the first segment other than the one selected
    ``campaign``              the schema's first campaign (None when it has none)
    ``outcomes``              the metrics the schema maps (csat, nps, ces)
    ``metric``/``outcome``    the first mapped metric
    ``heat_metric``           the first mapped metric
    ``target``                the schema's ``targets`` entry for ``metric``
    ``drivers``               the attribute ratings the schema lists
    ``items``                 the mapped metrics, plus the attribute ratings when
                              fewer than two metrics are mapped
    ``controls``              ``C(segment)`` terms for the segments other than the
                              campaign's group column and the selected one
    ========================  ==================================================

    Any other parameter is passed through unchanged.  A value naming a
    column that is not in the data is a :class:`ParameterError`.

    Examples
    --------
    >>> from csat_analysis.responses import with_schema
    >>> frame = with_schema(pd.DataFrame({"nps": [9, 3], "market": ["UK", "US"]}),
    ...                     {"columns": {"segments": ["market"]}, "metrics": {"nps": {}}})
    >>> p = resolve(frame, weights=None, breakdown=None, metric=None, target=None)
    >>> p.weights, p.breakdown, p.metric, p.target
    (None, 'market', 'nps', None)
    """
    schema = schema_of(data)
    cols = schema.get("columns") or {}
    segments = [c for c in (cols.get("segments") or []) if c in data.columns]
    mapped = [m for m in _METRIC_ORDER if m in (schema.get("metrics") or {}) and m in data.columns]
    if not schema:  # a frame built by hand: its score columns are its metrics
        mapped = [m for m in _METRIC_ORDER if m in data.columns]
    ratings = [c for c in (cols.get("ratings") or []) if c in data.columns]
    campaigns = [c.get("name") for c in (schema.get("campaigns") or []) if c.get("name")]
    targets = dict(schema.get("targets") or {})
    out = dict(params)
    selected = params.get("segment_column") if params.get("segment") is not None else None

    def other_segment() -> str | None:
        rest = [c for c in segments if c != selected]
        return rest[0] if rest else None

    rules = {
        "weights": lambda: _default_weights(data, schema),
        "segment_column": lambda: segments[0] if segments else None,
        "breakdown": other_segment,
        "facet_by": other_segment,
        "campaign": lambda: campaigns[0] if campaigns else None,
        "outcomes": lambda: list(mapped),
        "metric": lambda: mapped[0] if mapped else None,
        "outcome": lambda: mapped[0] if mapped else None,
        "heat_metric": lambda: mapped[0] if mapped else None,
        "drivers": lambda: list(ratings),
        "items": lambda: list(mapped) if len(mapped) >= 2 else mapped + ratings,
    }
    for name, rule in rules.items():
        if name in out and out[name] is None:
            out[name] = rule()
        elif name in out and out[name] is False:
            out[name] = None
    if "target" in out:
        metric = out.get("metric") or (mapped[0] if mapped else None)
        out["target"] = targets.get(metric) if out["target"] is None else None if out["target"] is False \
            else out["target"]
    if "controls" in out and out["controls"] is None:
        camp = next((c for c in (schema.get("campaigns") or []) if c.get("name") == out.get("campaign")), {})
        skip = {camp.get("group"), out.get("segment_column") if params.get("segment") is not None else None}
        terms = [f"C(Q({c!r}))" if not c.isidentifier() else f"C({c})" for c in segments if c not in skip]
        out["controls"] = " + ".join(terms) or None
    elif out.get("controls") is False:
        out["controls"] = None
    for name in _COLUMN_PARAMETERS:
        value = out.get(name)
        if isinstance(value, str) and value not in data.columns:
            raise ParameterError(
                f"Parameter {name!r} names the column {shorten(value)!r}, which is not in the data; columns are "
                f"{list(map(str, data.columns))}.{nearest(str(value), map(str, data.columns))}"
            )
    for name in ("drivers", "items", "outcomes"):
        for value in as_list(out.get(name)):
            if value not in data.columns and not (name == "outcomes" and value in ("csat_mean", "ces_top")):
                raise ParameterError(
                    f"Parameter {name!r} names {shorten(value)!r}, which is not a column of the data; columns are "
                    f"{list(map(str, data.columns))}.{nearest(str(value), map(str, data.columns))}"
                )
    if out.get("campaign") is not None and out["campaign"] not in campaigns:
        raise ParameterError(f"Parameter 'campaign' names {shorten(out['campaign'])!r}, which is not a campaign of "
                             f"the schema; its campaigns are {campaigns}.{nearest(str(out['campaign']), campaigns)}")
    return types.SimpleNamespace(**out)


def _default_weights(data: pd.DataFrame, schema: Mapping[str, Any]):
    """The schema's default weights: raked to its ``population:``/``margins:`` (a
    :class:`~csat_analysis.weighting.RakeResult`, computed on the whole export so that a
    segment's report is a domain of it), else the mapped weight column, else None.

    A database table is not raked (that needs the rows in memory): it uses the mapped weight column, else
    none, and :func:`header` says so."""
    if (schema.get("population") or schema.get("margins")) and not isinstance(data, WarehouseTable):
        from .weighting import population_weights

        return population_weights(data, schema=schema)
    return "weight" if (schema.get("columns") or {}).get("weight") and "weight" in data.columns else None


def date_range(data: pd.DataFrame, date: str = "date") -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last date of the whole export, so that a report on a selection judges partial periods
    against the export's dates, not its own (None without dates)."""
    if not _has_dates(data, date):
        return None
    if isinstance(data, WarehouseTable):
        first, last = data.date_bounds(date)
        return first, last
    return data[date].min(), data[date].max()


def _has_dates(data, date: str = "date") -> bool:
    """Whether ``data`` has a ``date`` column with a usable date (for a database table, one min/max query)."""
    if isinstance(data, WarehouseTable):
        return data.has_dates(date)
    return date in data and bool(data[date].notna().any())


def _warehouse_weighting(data: WarehouseTable, weights: Any) -> str | None:
    """The header's sentence on weights for a database table (None when nothing needs saying)."""
    schema = schema_of(data)
    if not (schema.get("population") or schema.get("margins")):
        return None
    how = (f"the weight column ({(schema.get('columns') or {}).get('weight')}) is used instead" if weights
           else "the figures are unweighted")
    return ("The schema asks to weight to the customer base, but raking needs the rows in memory and this report "
            f"reads a database table, so {how}.")


def header(title: str, *, data: pd.DataFrame, load_report=None, parameters: Mapping[str, Any] | None = None,
           source: str | None = None) -> HTML:
    """The report header: title, data source, rows used/excluded, period covered, parameters, time."""
    rows = [f"<h1>{esc(title)}</h1>", '<dl class="csat-meta">']
    src = source or (load_report.source if load_report is not None else (getattr(data, "source", None) or "data frame"))
    rows.append(f"<dt>Data</dt><dd>{esc(src)}</dd>")
    if load_report is not None:
        rows.append(
            f"<dt>Rows</dt><dd>{load_report.rows_read:,} read, {load_report.rows_kept:,} usable, "
            f"{load_report.rows_excluded:,} excluded"
            + (" (" + esc(", ".join(f"{k}: {v['count']:,}" for k, v in load_report.excluded.items())) + ")"
               if load_report.excluded else "")
            + "</dd>"
        )
        if load_report.warnings:  # e.g. an assumed scale the answers do not fill: never silent
            items = "".join(f"<li>{esc(shorten(w, 400))}</li>" for w in load_report.warnings)
            rows.append(f'<dt>Check</dt><dd><ul class="csat-warnings">{items}</ul></dd>')
    remote = isinstance(data, WarehouseTable)
    if remote:
        rows.append("<dt>Rows</dt><dd>not loaded: the database sent only counts per period, segment and score"
                    "</dd>")
    rows.append(f"<dt>In this report</dt><dd>{len(data):,} responses</dd>")
    from .weighting import header_note  # schema population:/margins: (issue 20)

    weights = (parameters or {}).get("weights")
    weighting = _warehouse_weighting(data, weights) if remote else header_note(data, weights=weights)
    if weighting:
        rows.append(f"<dt>Weighting</dt><dd>{esc(weighting)}</dd>")
    period = date_range(data)
    if period is not None:
        rows.append(f"<dt>Period</dt><dd>{period[0]:%d %b %Y} to {period[1]:%d %b %Y}</dd>")
    if parameters:
        shown = ", ".join(f"{k} = {'raked to the customer base' if hasattr(v, 'weights_for') else v}"
                          for k, v in parameters.items() if v is not None and not (isinstance(v, str) and v == "")
                          and k != "title")
        rows.append(f"<dt>Parameters</dt><dd>{esc(shown)}</dd>")
    rows.append(f"<dt>Generated</dt><dd>{_dt.datetime.now():%d %b %Y %H:%M}</dd></dl>")
    text = '<div class="csat-header">' + "".join(rows) + "</div>"
    facts = {"Report": str(title)}
    for key, value in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", text, flags=re.S):
        value = re.sub(r"</li>\s*<li>", "; ", value)
        facts[html.unescape(re.sub(r"<[^>]+>", "", key))] = html.unescape(re.sub(r"<[^>]+>", "", value)).strip()
    return DataHTML(text, HEADER_MIME, facts)


def metric_definitions(data: pd.DataFrame, metrics: Sequence[str], *, changes: bool = False) -> HTML:
    """How each metric is computed, written from the schema's scales (not from the sample's).

    Examples
    --------
    >>> from csat_analysis.responses import with_schema
    >>> frame = with_schema(pd.DataFrame({"csat": [1, 7]}), {"metrics": {"csat": {"scale": [1, 7], "top_box": 6}}})
    >>> print(repr(metric_definitions(frame, ["csat"])))
    CSAT is the share of customers answering in the top two boxes (6–7 on a 1–7 scale), with a Wilson interval.
    """
    from .metrics import METRICS, scale_of

    words = {1: "top box", 2: "top two boxes", 3: "top three boxes"}
    parts = []
    for m in metrics:
        column = METRICS[m].column if m in METRICS else m
        lo, hi, top = scale_of(data, column)
        boxes = words.get(hi - top + 1, f"top {hi - top + 1} boxes")
        span = f"{top}–{hi}" if top < hi else f"{hi}"
        if m == "csat":
            parts.append(f"<strong>CSAT</strong> is the share of customers answering in the {boxes} ({span} on a "
                         f"{lo}–{hi} scale), with a Wilson interval.")
        elif m == "csat_mean":
            parts.append(f"<strong>CSAT mean</strong> is the mean satisfaction score ({lo}–{hi}), with a t interval.")
        elif m == "nps":
            parts.append(f"<strong>NPS</strong> is the percentage of promoters (9–10) minus the percentage of "
                         f"detractors ({lo}–6) on the {lo}–{hi} likelihood-to-recommend scale, from −100 to +100, "
                         "with an adjusted-Wald interval.")
        elif m in ("ces", "ces_top"):
            spec = ((schema_of(data).get("metrics") or {}).get("ces") or {})
            easier = "easier" if spec.get("higher_is_better", True) else "harder"
            text = (f"<strong>CES</strong> is the mean effort score ({lo}–{hi}, higher = {easier}), with a t interval"
                    if m == "ces" else f"<strong>CES top-box</strong> is the share answering {span} of {lo}–{hi}"
                    " (Wilson interval)")
            parts.append(text + ".")
    if changes:
        parts.append("The last columns compare the latest period with the one before.")
    return HTML("<p>" + " ".join(parts) + "</p>")


#: why a section cannot be shown, and what to add to the schema (see :func:`section`)
_NEEDS = {
    "dates": "This export has no usable dates, so this section cannot be shown; map a date column under "
             "columns.date in the schema.",
    "breakdown": "There is no segment column to break this down by; list segments under columns.segments in the "
                 "schema, or pass -p {param} COLUMN.",
    "segments": "The schema lists no segment columns, so there is nothing to compare; list them under "
                "columns.segments in the schema.",
    "campaign": "The schema names no campaign, so there is no campaign effect to estimate; add a campaigns entry "
                "(name, column, start date) to the schema.",
    "drivers": "The schema lists no attribute ratings, so there are no drivers to rank; list them under "
               "columns.ratings in the schema, or pass -p drivers [A, B].",
    "items": "Correlations need two or more rated items and this export has {n}; map another metric (csat, nps, "
             "ces) under metrics, list attribute ratings under columns.ratings, or pass -p items [A, B].",
    "metrics": "Correlating scores across periods needs two of CSAT, NPS and CES, and this export maps {n}.",
    "comment": "The schema maps no comment column; map one under columns.comment to see what customers wrote.",
    "population": "The schema describes no customer base (population: or margins:), so respondents cannot be "
                  "compared with the customers they came from; see 'Weight to your customer base' in the README.",
    "customer_id": "The schema maps no customer id, so there are no customers to score; map one under "
                   "columns.customer_id in the schema.",
    "outcome": "The schema maps no customer outcome (such as churn), so this cannot be shown; map one under "
               "outcomes: in the schema, e.g. outcomes: {churned: {column: Exited}}.",
}


#: sections that need the rows, for a database table (see :func:`section`)
_WAREHOUSE_NEEDS = {
    "comment": "Comments are not available for a database source: this report reads the table without fetching "
               "its rows, and comments are rows. Read them in the database.",
    "population": "Raking to the customer base is not available for a database source: it needs the rows in "
                  "memory, and this report reads the table without fetching them.",
}


def section(heading: str, text: str = "", *, data: pd.DataFrame, needs: Sequence[str] = (), p=None) -> HTML:
    """A report section's heading and explanation, or one sentence saying why this data cannot support it.

    ``needs`` lists what the section requires: ``"dates"``, ``"breakdown"``
    (or ``"facet_by"``: the resolved parameter must name a column),
    ``"segments"`` (the schema lists segment columns), ``"campaign"``, ``"drivers"``, ``"items"`` (two or more rated items),
    ``"metrics"`` (two of CSAT, NPS, CES among the items), ``"comment"``, ``"population"`` (``p.weights``
    is raked to the customer base), ``"customer_id"`` (the data has
    customer ids), ``"outcome"`` (``p.outcome`` names a customer outcome, e.g. a :class:`~.health.HealthReport`).
    ``p`` is the namespace from :func:`resolve`.

    Examples
    --------
    >>> frame = pd.DataFrame({"csat": [4, 5]})
    >>> print(repr(section("Week by week", "Each cell is one week.", data=frame, needs=["dates"])))
    Week by week
    This export has no usable dates, so this section cannot be shown; map a date column under columns.date in the schema.
    """
    why = None
    for need in needs:
        if need == "dates" and not _has_dates(data):
            why = _NEEDS["dates"]
        elif need in ("breakdown", "facet_by") and getattr(p, need, None) is None:
            why = _NEEDS["breakdown"].format(param=need)
        elif need == "segments" and not [c for c in (schema_of(data).get("columns") or {}).get("segments") or []
                                         if c in data]:
            why = _NEEDS["segments"]
        elif need in ("campaign", "drivers") and not getattr(p, need, None):
            why = _NEEDS[need]
        elif need == "items" and len(getattr(p, "items", None) or []) < 2:
            why = _NEEDS["items"].format(n=", ".join(p.items or []) or "none")
        elif need == "metrics" and sum(m in ("csat", "nps", "ces") for m in (getattr(p, "items", None) or [])) < 2:
            why = _NEEDS["metrics"].format(n=", ".join(m.upper() for m in p.items if m in ("csat", "nps", "ces"))
                                           or "none")
        elif need == "comment" and "comment" not in data:
            why = _NEEDS["comment"]
        elif need in ("comment", "population") and isinstance(data, WarehouseTable):
            why = _WAREHOUSE_NEEDS[need] if need == "comment" or schema_of(data).get("population") \
                or schema_of(data).get("margins") else _NEEDS[need]
        elif need == "population" and not hasattr(getattr(p, "weights", None), "weights_for"):
            why = _NEEDS["population"]
        elif need == "customer_id" and "customer_id" not in data:
            why = _NEEDS["customer_id"]
        elif need == "outcome" and getattr(p, "outcome", None) is None:
            why = _NEEDS["outcome"]
        if why:
            break
    body = f'<div class="csat-note">{esc(why)}</div>' if why else (f"<p>{md(text)}</p>" if text else "")
    return HTML(f"<h2>{esc(heading)}</h2>{body}")


class _Headline:
    """Hidden display output carrying a report's headline numbers to the batch index."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = {str(k): v for k, v in values.items()}

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {HEADLINE_MIME: self.values}


def publish_headline(values: Mapping[str, Any]) -> _Headline:
    """Return an object whose display hands ``values`` (e.g. ``{"CSAT": "62.3%"}``) to the index page."""
    return _Headline(values)


# --------------------------------------------------------------------------- running notebooks


@dataclasses.dataclass
class ReportResult:
    """Outcome of one rendered report."""

    name: str
    notebook: str
    ipynb: Path
    html: Path | None
    ok: bool
    seconds: float
    error: str | None = None
    failed_cell: int | None = None  # 1-based position in the executed notebook
    headline: dict[str, Any] = dataclasses.field(default_factory=dict)
    label: str = ""
    note: str | None = None  # e.g. why the report shows nothing (selection below the privacy threshold)
    xlsx: Path | None = None  # the report's workbook (``--xlsx``)


def _find_headline(nb) -> dict[str, Any]:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if HEADLINE_MIME in data:
                return dict(data[HEADLINE_MIME])
    return {}


def report_tables(nb) -> tuple[dict[str, Any], list[tuple[str, pd.DataFrame]]]:
    """The header facts and every table an executed report notebook shows, in order, as (title, frame).

    Tables are read from the data :func:`table_html` (and
    :attr:`~csat_analysis.crosstab.Crosstab.styled`) put next to their HTML,
    so the workbook holds the numbers the HTML shows.  A table is named
    by its caption when that is short (31 characters, Excel's limit), else
    after the heading above it; ``frame.attrs["caption"]`` keeps the caption.
    """
    about: dict[str, Any] = {}
    tables: list[tuple[str, pd.DataFrame]] = []
    heading = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = re.findall(r"^#{1,4}\s+(.+?)\s*#*\s*$", cell.source, flags=re.M)
            heading = found[-1].strip() if found else heading
            continue
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if HEADER_MIME in data and not about:
                about = dict(data[HEADER_MIME])
            html_text = data.get("text/html", "")
            if isinstance(html_text, list):
                html_text = "".join(html_text)
            found = re.findall(r"<h[234][^>]*>(.*?)</h[234]>", html_text, flags=re.S)
            if TABLE_MIME in data:
                payload = data[TABLE_MIME]
                frame = pd.DataFrame(payload.get("rows") or [], columns=payload.get("columns") or [])
                frame.attrs["number_formats"] = dict(payload.get("number_formats") or {})
                caption = payload.get("title")
                frame.attrs["caption"] = caption
                above = html.unescape(re.sub(r"<[^>]+>", "", found[-1])).strip() if found else heading
                title = (caption if caption and len(caption) <= 31 else above or caption) or f"Table {len(tables) + 1}"
                tables.append((str(title), frame))
            if found:
                heading = html.unescape(re.sub(r"<[^>]+>", "", found[-1])).strip()
    return about, tables


def write_report_workbook(nb, path: str | Path) -> Path | None:
    """Write the report's workbook: an About sheet (the header's facts) and one sheet per table shown.

    Returns the path, or None when the report shows no table.
    """
    from .export import write_workbook

    about, tables = report_tables(nb)
    if not tables and not about:
        return None
    about = dict(about)
    about.setdefault("Report", str(nb.metadata.get("csat_title", "")))
    about["Tables"] = "; ".join(f"{t} ({f.attrs['caption']})" if f.attrs.get("caption") not in (None, t) else t
                                for t, f in tables) or "none"
    return write_workbook({t: f for t, f in tables} if len({t for t, _ in tables}) == len(tables)
                          else _numbered(tables), path, about=about)


def _numbered(tables: list[tuple[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    for title, frame in tables:
        key, k = title, 2
        while key in out:
            key, k = f"{title} ({k})", k + 1
        out[key] = frame
    return out


def _first_error(nb) -> tuple[int | None, str | None]:
    """1-based position of the first cell with an error output in the executed notebook, and the error."""
    for i, cell in enumerate(nb.cells, start=1):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                return i, f"{out.get('ename')}: {out.get('evalue')}"
    return None, None


import threading

_EXPORTER = None
_EXPORTER_LOCK = threading.Lock()


def _warm_exporter() -> None:
    try:
        _html_exporter()
    except Exception:  # pragma: no cover - to_html raises it again, where it is reported
        pass


def _html_exporter():
    """The HTML exporter of every report, built once per process (nbconvert import, template compilation).

    Built in a background thread while the first report executes (see :func:`run_report`); a lock makes
    :func:`to_html` wait for that build instead of starting a second one.
    """
    global _EXPORTER
    if _EXPORTER is not None:
        return _EXPORTER
    with _EXPORTER_LOCK:
        if _EXPORTER is not None:
            return _EXPORTER
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        class _ReportExporter(HTMLExporter):
            def _validate_preprocessor(self, nbc, preprocessor):
                # nbconvert re-validates the notebook after each of its ~13 preprocessors, and nbformat
                # recompiles its relaxed JSON schema every time (~0.1 s each); the preprocessors only remove
                # cells and outputs or coalesce streams, so the executed notebook is not validated again.
                pass

        exporter = _ReportExporter(template_name="csat", extra_template_basedirs=[str(config.TEMPLATE_DIR)])
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        remover = TagRemovePreprocessor(
            remove_cell_tags={"injected-parameters", "parameters", "remove", "papermill-error-cell-tag"}, enabled=True)
        exporter.register_preprocessor(remover, enabled=True)
        import nbformat

        exporter.from_notebook_node(nbformat.v4.new_notebook(), resources={"metadata": {"name": "warm-up"}})
        _EXPORTER = exporter  # templates compiled by the warm-up export
    return _EXPORTER


def to_html(nb, path: Path) -> Path:
    """Write an executed notebook as standalone offline HTML (no code, no injected parameters)."""
    exporter = _html_exporter()
    nb = _strip_noise(nb)
    title = nb.metadata.get("csat_title") or path.stem
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    path.write_text(body, encoding="utf-8")
    return path


def _strip_noise(nb):
    """Drop stderr streams and hidden outputs; errors keep only their message (no traceback, paths or source)."""
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            if HEADLINE_MIME in out.get("data", {}):
                continue
            for mime in (TABLE_MIME, HEADER_MIME):  # the HTML shows the same; the workbook reads these
                out.get("data", {}).pop(mime, None)
            if out.get("output_type") == "error":
                out["traceback"] = [f"{out.get('ename')}: {shorten(str(out.get('evalue')), 500)}"]
            kept.append(out)
        cell["outputs"] = kept
    return nb


def _check_name(name: str) -> str:
    """A report file name is one plain path component (no folders, no leading dot), at most 100 bytes."""
    if (not name or name in (".", "..") or name.startswith(".") or "/" in name or "\\" in name or "\0" in name
            or len(name.encode()) > 100):
        raise ParameterError(f"--name {shorten(name)!r} must be a plain file name of at most 100 bytes, "
                             "without folders or a leading dot (e.g. 'overview-north').")
    return name


def report_name(prefix: str, value: Any) -> str:
    """A unique, stable, readable file name for the report on one value (at most 100 bytes).

    The readable part keeps Latin letters (accents dropped) and digits; a
    short hash of the exact value keeps "North"/"north", "A/B"/"A B" and
    non-Latin values such as "東京" and "大阪" apart.

    Examples
    --------
    >>> report_name("overview", "Île-de-France")
    'overview-ile-de-france-...'
    >>> report_name("overview", "東京") != report_name("overview", "大阪")
    True
    """
    text = str(value)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    latin = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    readable = re.sub(r"[^0-9a-z]+", "-", latin.casefold()).strip("-")[: 100 - len(prefix) - 10].strip("-")
    return "-".join(p for p in (prefix, readable, digest) if p)


def _out_dir(out: str | Path | None) -> Path:
    """The output folder, created if needed; an unusable one is a one-sentence error."""
    out_dir = Path(out or config.REPORT_DIR)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out_dir, prefix=".csat-write-test-")
        probe.close()
    except OSError as exc:
        raise ParameterError(f"Cannot write reports to {str(out_dir)!r} ({exc.strerror or exc}); "
                             "choose a writable folder with --out.") from None
    return out_dir


def _too_small(nb) -> str | None:
    """Turn a :class:`SelectionTooSmall` stop into the report's only content; return its message."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error" and out.get("ename") == SelectionTooSmall.__name__:
                message = str(out.get("evalue", ""))
                title = nb.metadata.get("csat_title", "")
                html_text = f'<h1>{esc(title)}</h1><div class="csat-note">{esc(message)}</div>'
                import nbformat

                cell["outputs"] = [nbformat.v4.new_output("display_data",
                                                          data={"text/html": html_text, "text/plain": message})]
                before = [c for c in nb.cells[:i] if c.cell_type == "code"]
                for c in before:  # e.g. load warnings: nothing computed before the stop is shown
                    c["outputs"] = []
                nb.cells = [*before, cell]
                return message
    return None


def _segment_values(data, column: str) -> list[str]:
    """The values of a segment column, as text (for a database table, one ``SELECT DISTINCT``)."""
    if isinstance(data, WarehouseTable):
        return list(data.levels(column))
    return sorted(data[column].dropna().astype(str).unique())


def _data_for_check(data: Any, schema: Any, params: Mapping[str, Any]):
    """What :func:`check_against_data` checks parameters against: the loaded rows of a file, or a database
    table's columns (nothing is loaded)."""
    frame, _ = load(data, schema, params.get("table") if is_warehouse(data) else None)
    return frame


def check_against_data(notebook: str | Path, data: pd.DataFrame, parameters: Mapping[str, Any]) -> None:
    """Check, before any kernel starts, that parameters naming columns exist in the loaded ``data``.

    Resolves the notebook's defaults and ``parameters`` with :func:`resolve`
    and checks that a ``segment`` value occurs in its column; raises
    :class:`ParameterError` (exit status 2) with one sentence otherwise.
    """
    path = resolve_notebook(notebook)
    merged = {**notebook_parameters(path), **parameters}
    p = resolve(data, **{k: v for k, v in merged.items() if k in _RESOLVED})
    segment = merged.get("segment")
    if segment is not None:
        column = p.segment_column
        if column is None or column not in data.columns:
            raise ParameterError("-p segment needs a segment column: list one under columns.segments in the schema "
                                 "or pass -p segment_column COLUMN.")
        values = _segment_values(data, column)
        if str(segment) not in values:
            raise ParameterError(f"Segment {shorten(segment)!r} does not occur in column {column!r}; values are "
                                 f"{shorten(values, 300)}.{nearest(str(segment), values)}")


def run_report(
    notebook: str | Path,
    *,
    data: str | Path | None = None,
    schema: str | Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    name: str | None = None,
    km=None,
    check_data: bool = True,
    xlsx: bool = False,
) -> ReportResult:
    """Execute one report notebook with papermill and write ``<name>.ipynb`` and ``<name>.html``.

    Parameters are merged in this order (later wins): the notebook's
    defaults, ``data``/``schema``, then ``parameters``.  Unknown parameter
    names, values that are not plain scalars (:func:`plain_parameters`),
    missing data files and unusable output folders are rejected before any
    kernel starts.  Both files are written under temporary names and moved
    into place when complete, so an interrupted run never leaves a partial
    report where a complete one was.  A selection below the privacy
    threshold (:class:`SelectionTooSmall`) yields a report that says only that.
    With ``check_data`` (the default) and a ``data`` file, the data is loaded
    first so that parameters naming columns that are not in it are errors
    before any kernel starts (:func:`check_against_data`).
    With ``xlsx``, ``<name>.xlsx`` is written too (:func:`write_report_workbook`):
    an About sheet and one sheet per table the HTML shows.
    Without ``km`` the kernel is started as soon as the arguments are checked,
    and imports the modules the notebook uses while the data is checked
    (:class:`~csat_analysis.kernel.ReportKernel`); a given ``km`` (a
    ``KernelManager`` or a ``ReportKernel``) is used and left running.
    """
    path = resolve_notebook(notebook)
    params: dict[str, Any] = {}
    if data is not None and is_warehouse(data):  # a database table: nothing to check on disk but a .db file
        params["data_path"] = _warehouse_location(data)
        params["schema_path"] = str(Path(schema).resolve()) if schema else None
    elif data is not None:
        data = Path(data)
        if not data.is_file():
            raise DataError(f"Data file {str(data)!r} does not exist; check the path given to --data.")
        params["data_path"] = str(data.resolve())
        params["schema_path"] = str(Path(schema).resolve()) if schema else None
    elif schema is not None:
        params["schema_path"] = str(Path(schema).resolve())
    params.update(plain_parameters(parameters or {}))
    defaults = check_parameters(path, params)
    name = _check_name(name or path.stem)
    out_dir = _out_dir(out)
    own = early = None
    if km is None:  # start the kernel now: it imports what the notebook needs while this process checks the data
        from .kernel import ReportKernel, preload_modules

        try:
            own = early = ReportKernel(path.parent, preload_modules(path))
        except Exception as exc:  # no such kernel, ...
            raise ReportError(f"Report {name!r} could not be executed: {type(exc).__name__}: "
                              f"{shorten(str(exc), 300)}") from None
        km = own.km
    elif hasattr(km, "wait_preloaded"):  # a ReportKernel started by the caller, who shuts it down
        early, km = km, km.km
    try:
        return _execute_report(path, params, defaults, name, out_dir, km, own, early,
                               data=data if check_data else None, schema=schema, xlsx=xlsx)
    finally:
        if own is not None:
            own.shutdown(now=True)  # a no-op after a graceful shutdown; kills the kernel after an error


def _execute_report(path: Path, params: dict[str, Any], defaults: Mapping[str, Any], name: str, out_dir: Path, km,
                    own, early, *, data, schema, xlsx: bool) -> ReportResult:
    """The part of :func:`run_report` after its cheap checks.

    ``own`` is the :class:`~csat_analysis.kernel.ReportKernel` it started (and shuts down), if any;
    ``early`` the one whose preload to wait for before executing (``own`` or a batch worker's).
    """
    if data is not None:
        check_against_data(path, _data_for_check(data, schema, params), params)
    import papermill  # after every check: a bad argument costs no papermill import
    from papermill.exceptions import PapermillExecutionError

    warm = None
    if _EXPORTER is None:  # nbconvert and its compiled templates get ready while the kernel works
        warm = threading.Thread(target=_warm_exporter, name="csat-html-exporter", daemon=True)
        warm.start()
    try:
        if early is not None:
            early.wait_preloaded()
        return _run_papermill(papermill, PapermillExecutionError, path, params, defaults, name, out_dir, km, own,
                              early, xlsx=xlsx)
    finally:
        if warm is not None:
            warm.join(timeout=30)  # never leave the build half-done (a later fork would copy its locks)


def _run_papermill(papermill, PapermillExecutionError, path: Path, params: dict[str, Any],
                   defaults: Mapping[str, Any], name: str, out_dir: Path, km, own, early, *,
                   xlsx: bool) -> ReportResult:
    ipynb, html_path = out_dir / f"{name}.ipynb", out_dir / f"{name}.html"
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name[:40]}.", suffix=".partial.ipynb")
    os.close(fd)
    tmp_ipynb, tmp_html = Path(tmp), Path(tmp).with_suffix(".html")
    tmp_xlsx, xlsx_path = Path(tmp).with_suffix(".xlsx"), (out_dir / f"{name}.xlsx" if xlsx else None)
    t0 = time.perf_counter()
    try:
        try:
            # the notebook is written once, at the end (or on error), not twice per cell
            nb = papermill.execute_notebook(
                str(path), str(tmp_ipynb), parameters=params, kernel_name=config.KERNEL_NAME,
                cwd=str(path.parent), progress_bar=False, log_output=False, km=km,
                request_save_on_cell_execute=False,
            )
        except PapermillExecutionError:
            import nbformat

            nb = nbformat.read(str(tmp_ipynb), as_version=4)
        except Exception as exc:  # kernel failed to start, notebook unreadable, ...
            raise ReportError(f"Report {name!r} could not be executed: {type(exc).__name__}: {shorten(str(exc), 300)}"
                              ) from None
        finally:
            if early is not None:
                early.close_clients()  # papermill leaves its client open on a kernel it did not start
        if own is not None:
            own.request_shutdown()  # the kernel exits while the HTML is written
        nb.metadata["csat_title"] = str(params.get("title") or defaults.get("title") or name)
        shown = _too_small(nb)
        cell, error = _first_error(nb)
        if error is not None and error.startswith("KeyboardInterrupt"):
            raise KeyboardInterrupt  # the kernel was interrupted: keep any earlier complete report
        if shown is not None:
            import nbformat

            nbformat.write(nb, str(tmp_ipynb))  # nothing about the tiny group stays in the notebook either
        to_html(nb, tmp_html)
        if xlsx_path is not None:
            if shown is not None:
                from .export import write_workbook

                write_workbook({}, tmp_xlsx, about={"Report": nb.metadata["csat_title"], "Note": shown})
            elif write_report_workbook(nb, tmp_xlsx) is None:
                from .export import write_workbook

                write_workbook({}, tmp_xlsx, about={"Report": nb.metadata["csat_title"], "Tables": "none"})
        os.replace(tmp_ipynb, ipynb)  # a symlink at the final name is replaced, never followed
        os.replace(tmp_html, html_path)
        if xlsx_path is not None:
            os.replace(tmp_xlsx, xlsx_path)
    finally:
        tmp_ipynb.unlink(missing_ok=True)
        tmp_html.unlink(missing_ok=True)
        tmp_xlsx.unlink(missing_ok=True)
    if own is not None:
        own.shutdown()
    return ReportResult(name=name, notebook=path.stem, ipynb=ipynb, html=html_path, ok=error is None,
                        seconds=time.perf_counter() - t0, error=error, failed_cell=cell,
                        headline=_find_headline(nb), note=shown, xlsx=xlsx_path,
                        label=str(params["segment"]) if params.get("segment") is not None else nb.metadata["csat_title"])


# --------------------------------------------------------------------------- batch

_WORKER_KM = None


def _worker_init() -> None:
    """Start one kernel per worker process, in the notebooks folder, and keep it for every report."""
    global _WORKER_KM
    from multiprocessing.util import Finalize

    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=config.KERNEL_NAME)
    km.start_kernel(cwd=str(config.NOTEBOOK_DIR))
    _WORKER_KM = km
    # worker processes skip atexit; multiprocessing finalizers do run when the pool shuts down
    Finalize(km, km.shutdown_kernel, kwargs={"now": True}, exitpriority=10)
    # Ctrl-C is the parent's to handle: it terminates the pool (SIGTERM), and a terminated worker
    # exits quietly through its finalizers (kernel shut down, temporary files removed).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _quiet_exit)


def _quiet_exit(signum, frame) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # no tracebacks from half-finished kernel messages on the user's terminal
    raise SystemExit(128 + signum)


def _reset_kernel(km) -> None:
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        kc.execute_interactive("%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt",
                               timeout=60, output_hook=lambda msg: None)
    finally:
        kc.stop_channels()


def _worker_run(job: dict[str, Any]) -> ReportResult:
    km = _WORKER_KM
    try:
        result = run_report(job["notebook"], parameters=job["parameters"], out=job["out"], name=job["name"], km=km,
                            check_data=False, xlsx=bool(job.get("xlsx")))
    except Exception as exc:  # report it in the index instead of losing the batch
        result = ReportResult(name=job["name"], notebook=str(job["notebook"]),
                              ipynb=Path(job["out"]) / f"{job['name']}.ipynb", html=None, ok=False, seconds=0.0,
                              error=f"{type(exc).__name__}: {shorten(str(exc), 500)}",
                              label=str(job["parameters"].get("segment", job["name"])))
    if km is not None and km.is_alive():
        _reset_kernel(km)
    return result


def run_batch(
    notebook: str | Path,
    *,
    data: str | Path,
    by: str,
    schema: str | Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    progress: bool = True,
    xlsx: bool = False,
) -> list[ReportResult]:
    """Render one report per value of ``by`` in parallel worker processes, then ``index.html``.

    A report that fails is recorded (failing cell and error) and the others
    go on; check ``all(r.ok for r in results)``.  File names come from
    :func:`report_name` (unique per value).  The index is written last, also
    when the batch is interrupted (Ctrl-C): reports that did not finish are
    marked, and their earlier files, if any, are left as they were.
    """
    path = resolve_notebook(notebook)
    given = plain_parameters(parameters or {})
    frame = _data_for_check(data, schema, given)  # a database table is not loaded: its values come from a query
    if by not in frame.columns:
        raise ParameterError(
            f"--by {shorten(by)!r} is not a column of the loaded data; columns are {list(map(str, frame.columns))}."
            f"{nearest(by, map(str, frame.columns))}"
        )
    values = _segment_values(frame, by)
    base = {"data_path": _warehouse_location(data) if is_warehouse(data) else str(Path(data).resolve()),
            "schema_path": str(Path(schema).resolve()) if schema else None, "segment_column": by}
    base.update(given)
    check_parameters(path, {**base, "segment": None})
    check_against_data(path, frame, {**base, "segment": None})
    out_dir = _out_dir(out)
    jobs = [{"notebook": str(path), "parameters": {**base, "segment": v}, "out": str(out_dir),
             "name": report_name(path.stem, v), "xlsx": xlsx} for v in values]
    return _run_and_index(jobs, workers, f"{path.stem} by {by}", progress, out_dir,
                          title=f"{path.stem} reports by {by}", order=lambda r: r.name)


class _SameFailure(Exception):
    """The first reports of a batch all failed with one error: running the rest would only repeat it."""


#: a batch stops when this many reports (or all, if fewer) failed the same way and none succeeded
SAME_FAILURE_STOP = 3


def _failure_key(r: ReportResult) -> str:
    return f"{r.failed_cell}:{(r.error or '').replace(r.label, '…')}" if r.label else f"{r.failed_cell}:{r.error}"


def _run_and_index(jobs: list[dict[str, Any]], workers: int | None, desc: str, progress: bool, out_dir: Path, *,
                   title: str, order) -> list[ReportResult]:
    """Run the jobs, then write the index, also after an interrupt (unfinished reports marked).

    When the first :data:`SAME_FAILURE_STOP` reports all fail with the same
    error (e.g. a parameter every report trips on), the batch stops early with
    that one error (:class:`ReportError`) instead of repeating it for every value.
    """
    results: list[ReportResult] = []
    try:
        _run_jobs(jobs, workers, desc, progress, results)
    except (KeyboardInterrupt, _SameFailure) as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        why = ("not finished: interrupted (an earlier file of this report, if any, was left as it was)" if interrupted
               else "not run: the first reports all failed the same way")
        done = {r.name for r in results}
        results += [ReportResult(name=j["name"], notebook=Path(j["notebook"]).stem,
                                 ipynb=out_dir / f"{j['name']}.ipynb", html=None, ok=False, seconds=0.0, error=why,
                                 label=str(j["parameters"].get("segment") or j["name"]))
                    for j in jobs if j["name"] not in done]
        write_index(sorted(results, key=order), out_dir,
                    title=f"{title} ({'interrupted' if interrupted else 'stopped: every report failed'})")
        for job in jobs:  # temporary files of reports stopped half-way
            for tmp in out_dir.glob(f".{glob.escape(job['name'][:40])}.*.partial.*"):
                tmp.unlink(missing_ok=True)
        if interrupted:
            raise
        first = next(r for r in results if not r.ok)
        where = f" (cell {first.failed_cell})" if first.failed_cell else ""
        raise ReportError(f"The batch stopped: its first {len(done)} reports all failed the same way{where}: "
                          f"{shorten(first.error, 300)}") from None
    results.sort(key=order)
    write_index(results, out_dir, title=title)
    return results


def _run_jobs(jobs: list[dict[str, Any]], workers: int | None, desc: str, progress: bool,
              results: list[ReportResult]) -> list[ReportResult]:
    """Execute report jobs in worker processes (one reused kernel each), with a progress bar.

    Results are appended to ``results`` as they arrive, so that a caller
    still has the finished ones after an interrupt.
    """
    import multiprocessing

    from tqdm.auto import tqdm

    workers = max(1, min(workers or min(2, os.cpu_count() or 1), len(jobs)))
    bar = tqdm(total=len(jobs), desc=desc, unit="report", disable=not progress)
    pool = multiprocessing.Pool(workers, initializer=_worker_init)
    try:
        stop_after = min(SAME_FAILURE_STOP, len(jobs))
        for result in pool.imap_unordered(_worker_run, jobs):
            results.append(result)
            bar.update(1)
            if (len(jobs) > stop_after and len(results) == stop_after and not any(r.ok for r in results)
                    and len({_failure_key(r) for r in results}) == 1):
                raise _SameFailure
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        bar.close()
    return results


def run_demo(out: str | Path | None = None, *, notebooks: Sequence[str] | None = None, workers: int | None = None,
             progress: bool = True, xlsx: bool = False) -> list[ReportResult]:
    """Render every report notebook on the bundled sample data, plus ``index.html`` (``make report``)."""
    out_dir = _out_dir(out)
    names = [n for n in (notebooks or config.REPORT_NOTEBOOKS) if (config.NOTEBOOK_DIR / f"{n}.ipynb").is_file()]
    params = {"data_path": str(config.SAMPLE_DATA), "schema_path": str(config.SAMPLE_SCHEMA_FILE)}
    jobs = [{"notebook": str(resolve_notebook(n)), "parameters": params, "out": str(out_dir), "name": n,
             "xlsx": xlsx} for n in names]
    position = {n: i for i, n in enumerate(names)}
    return _run_and_index(jobs, workers, "reports", progress, out_dir,
                          title="csat_analysis reports on the sample data", order=lambda r: position[r.name])


def write_index(results: Sequence[ReportResult], out: str | Path, *, title: str = "Reports") -> Path:
    """Write ``index.html``: one row per report with its headline numbers, failures marked."""
    out = Path(out)
    # one notebook (a batch): a column per headline number; several notebooks: a list per report
    same = len({r.notebook for r in results}) == 1
    keys: list[str] = []
    for r in results:
        keys += [k for k in r.headline if k not in keys]
    columns = keys if same else ["Key numbers"]
    head = "".join(f"<th>{esc(k)}</th>" for k in ["Report", *columns, "Status"])
    rows = []
    for r in results:
        link = (f'<a href="{esc(r.html.name)}">{esc(r.label or r.name)}</a>' if r.html
                else esc(r.label or r.name))
        if same:
            cells = [link] + [esc(r.headline.get(k, "")) for k in keys]
        else:
            items = "".join(f"<li><strong>{esc(k)}</strong>: {esc(v)}</li>" for k, v in r.headline.items())
            cells = [link, f'<ul class="keys">{items}</ul>']
        if r.ok:
            status = "ok" if not r.note else f"ok — {esc(r.note)}"
        else:
            where = f"cell {r.failed_cell}: " if r.failed_cell else ""
            status = f'<span class="failed">failed — {esc(where)}{esc(r.error)}</span>'
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + f"<td>{status}</td></tr>")
    failed = sum(not r.ok for r in results)
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2rem auto; color: #222; }}
h1 {{ color: #1d3f60; }} table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.4rem 0.6rem; text-align: left; }}
th {{ background: #f3f7fb; }} .failed {{ color: #b00020; font-weight: 600; }}
td {{ vertical-align: top; }} ul.keys {{ margin: 0; padding-left: 1.1rem; }}
@media print {{ body {{ margin: 0; max-width: none; }} a {{ color: inherit; }} }}
</style></head><body>
<h1>{esc(title)}</h1>
<p>{len(results)} report(s), {failed} failed. Generated {_dt.datetime.now():%d %b %Y %H:%M}.</p>
<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>
</body></html>
"""
    path = out / "index.html"
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".index.", suffix=".partial.html")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(doc)
    os.replace(tmp, path)  # never half-written, never through a symlink
    return path

