"""The notebook-facing helpers: load and select the report's data, resolve its parameters, and the
escaped HTML pieces the notebooks display (:func:`header`, :func:`section`, :func:`metric_definitions`,
:func:`publish_headline`).

Imported by every report notebook as part of ``from csat_analysis import render as rep``.
"""

from __future__ import annotations

import datetime as _dt
import html
import re
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._utils import as_list, nearest, shorten
from ..backends import WarehouseTable
from ..display import HTML, DataHTML, esc, md
from ..exceptions import ParameterError, ReportError
from ..responses import schema_of

__all__ = ["HEADLINE_MIME", "HEADER_MIME", "SelectionTooSmall", "is_warehouse", "load", "select", "resolve",
           "date_range", "header", "metric_definitions", "section", "publish_headline"]

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


def load(data_path: Any, schema_path: Any = None, table: str | None = None, *, database: bool = True):
    """The report's data: ``(responses, load_report)`` for a file, ``(WarehouseTable, None)`` for a database.

    A URL (``duckdb:///path/survey.db``) or a ``.duckdb``/``.db`` file is read
    through :func:`~csat_analysis.backends.scan`: nothing is loaded, every
    number the report shows is computed in the engine (``table`` names the
    table, else the schema's ``source: {table: ...}``).  Any other path is
    loaded with :func:`~csat_analysis.load_responses`, exactly as before.
    ``database=False`` is for a report that needs the rows: a database is then a
    :class:`ParameterError` that says which reports read one.
    """
    if is_warehouse(data_path) and not database:
        raise ParameterError(f"This report needs the rows of a file (CSV, TSV, XLSX, Parquet), but the data is the "
                             f"database {shorten(Path(str(data_path).split('://', 1)[-1]).name)!r}; the overview "
                             "and trends reports read a database "
                             "table, or export the table to a file and pass that with --data.")
    if not is_warehouse(data_path):
        if table is not None:
            raise ParameterError(f"-p table names a table of a database, but the data is the file {str(data_path)!r}; "
                                 "give a database (e.g. duckdb:///path/survey.db) or leave out -p table.")
        from ..io import load_responses

        return load_responses(data_path, schema_path)
    if schema_path is None:
        raise ParameterError("A database table needs a schema (--schema): it names the score columns, their scales "
                             "and the date column.")
    from ..backends import scan

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
        from ..weighting import population_weights

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
    from ..weighting import header_note  # schema population:/margins: (issue 20)

    weights = (parameters or {}).get("weights")
    weighting = _warehouse_weighting(data, weights) if remote else header_note(data, weights=weights)
    if weighting:
        rows.append(f"<dt>Weighting</dt><dd>{esc(weighting)}</dd>")
    period = date_range(data)
    if period is not None:
        rows.append(f"<dt>Period</dt><dd>{period[0]:%d %b %Y} to {period[1]:%d %b %Y}</dd>")
    if parameters:
        from ..narrative import parameter_words

        chosen = next((v for v in parameters.values() if hasattr(v, "reason") and hasattr(v, "freq")), None)
        if chosen is not None:  # which period, and why (issue 28)
            rows.append(f"<dt>Periods</dt><dd>{esc(chosen.reason)}</dd>")
        shown = "; ".join(f"{k}: {v}" for k, v in parameter_words(
            {k: v for k, v in parameters.items() if v is not chosen}))
        if shown:
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
    from ..metrics import METRICS, scale_of

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
    "benchmarks": "The schema lists no benchmarks, so the scores are not compared with outside references; add "
                  "e.g. benchmarks: {csat: [{value: 80, label: Rule of thumb, source: CSAT guides}]} (see the README).",
    "multi": "The schema lists no multi-select question (\"check all that apply\"), so there are no choice shares; "
             "list one under columns.multi in the schema.",
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
    ``"segments"`` (the schema lists segment columns), ``"campaign"``, ``"drivers"``,
    ``"items"`` (two or more rated items),
    ``"metrics"`` (two of CSAT, NPS, CES among the items), ``"comment"``, ``"population"`` (``p.weights``
    is raked to the customer base), ``"customer_id"`` (the data has
    customer ids), ``"outcome"`` (``p.outcome`` names a customer outcome, e.g. a
    :class:`~.health.HealthReport`), ``"benchmarks"`` (the schema lists outside benchmarks), ``"multi"``
    (the data has a multi-select question of the schema's ``columns.multi``, expanded into its choices).
    ``p`` is the namespace from :func:`resolve`.

    Examples
    --------
    >>> frame = pd.DataFrame({"csat": [4, 5]})
    >>> print(repr(section("Week by week", "Each cell is one week.", data=frame, needs=["dates"])))
    Week by week
    This export has no usable dates, so this section cannot be shown; map a date column under
    columns.date in the schema.
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
        elif need == "benchmarks" and not schema_of(data).get("benchmarks"):
            why = _NEEDS["benchmarks"]
        elif need == "multi" and (isinstance(data, WarehouseTable) or not _multi_questions(data)):
            why = _NEEDS["multi"]
        if why:
            break
    from ..sections import NEED_KEYS

    key = NEED_KEYS.get(need, "") if why else ""
    body = (f'<div class="csat-note" data-needs="{esc(key)}">{esc(why)}</div>' if why
            else (f"<p>{md(text)}</p>" if text else ""))
    return HTML(f"<h2>{esc(heading)}</h2>{body}")


def _multi_questions(data) -> list[str]:
    from ..reports.overview import multi_questions

    return multi_questions(data)


class _Headline:
    """Hidden display output carrying a report's headline numbers to the batch index."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = {str(k): v for k, v in values.items()}

    def _repr_mimebundle_(self, include=None, exclude=None):
        # csat-report drops this output (the summary says it); plain papermill + nbconvert shows the values
        items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in self.values.items())
        return {HEADLINE_MIME: self.values, "text/html": f'<dl class="csat-headline">{items}</dl>',
                "text/plain": "; ".join(f"{k}: {v}" for k, v in self.values.items())}

    def _repr_html_(self) -> str:
        return self._repr_mimebundle_()["text/html"]


def publish_headline(values: Mapping[str, Any]) -> _Headline:
    """Return an object whose display hands ``values`` (e.g. ``{"CSAT": "62.3%"}``) to the index page."""
    return _Headline(values)

