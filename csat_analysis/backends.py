"""Cells from a warehouse: :func:`summarize`, :func:`compare` and :func:`trend` on tables in DuckDB, Spark, ...

The in-memory engine (:mod:`csat_analysis.cells`) reduces the rows to *fine
cells* (segment cell x calendar day) x score value, with the count, the sum of
weights and the sum of squared weights per bin, and computes every estimate
from those histograms.  A warehouse computes the same histograms with one
``GROUP BY GROUPING SETS`` query -- one grouping set per score column, each
``(segments, day, score)`` -- so only the cells leave the engine, and the
table is read once.  For months, quarters and years the query truncates the
date to the period's first day (``DATE_TRUNC``), which folds to the same
groups with far fewer cells; weeks stay per day (engines disagree on the
first day of a week).  :class:`WarehouseTable` wraps an
`Ibis <https://ibis-project.org>`_ table expression and its schema; passed as
``data`` to ``summarize`` / ``compare`` / ``trend``, it answers through that
query, and everything after the histograms is the in-memory code, so results
agree to rounding (``1e-9``).

What the loader does per row (map answer labels to scores, reverse a scale,
clean segment text, treat ``missing_values`` as missing) is done here on the
*distinct values* the query returns, with the loader's own rules.  Scores
outside the scale and non-positive weights raise :class:`DataError` (the
loader would exclude those rows; a warehouse table should be clean).

Ibis (``pip install 'csat_analysis[warehouse]'``) is imported when a
warehouse table is made, never by ``import csat_analysis``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .cells import Cells
from .exceptions import DataError, ParameterError, SchemaError

__all__ = ["WarehouseTable", "from_ibis", "scan", "cell_query", "open_duckdb_table", "database_path"]

#: canonical name -> the schema attribute that names its source column
_SINGLE = {"response_id": "response_id", "weight": "weight", "comment": "comment", "customer_id": "customer_id"}


def _ibis():
    try:
        import ibis
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ParameterError(
            "Warehouse tables need Ibis: pip install 'csat_analysis[warehouse]' (ibis-framework with DuckDB and "
            "PySpark support)."
        ) from exc
    return ibis


@dataclasses.dataclass(frozen=True)
class _Query:
    """The cell query of one call: its SQL and how to read the columns it returns."""

    sql: str
    by: list[str]  # canonical names of the segment columns, in order (result columns _k0, _k1, ...)
    scores: list[str]  # canonical score columns (result columns _s0, _s1, ... and grouping flags _g0, ...)
    freq: str | None
    weighted: bool

    @property
    def day(self) -> bool:
        return self.freq is not None


class WarehouseTable:
    """A responses table that lives in a database engine, read through Ibis with an explicit schema.

    Make one with :func:`from_ibis` (any Ibis table expression) or :func:`scan`
    (a Parquet/CSV file or a ``duckdb:///path.db`` database through DuckDB).
    Pass it as ``data`` to :func:`~csat_analysis.summarize`,
    :func:`~csat_analysis.compare` and :func:`~csat_analysis.trend`; each call
    sends one query to the engine and brings back only the cells.

    Columns are named as in the canonical table (``date``, ``csat``, ``nps``,
    ``ces``, ``weight``, the segments): each is looked up in the table under
    its source name from the schema, else under its canonical name (a table
    written from :func:`~csat_analysis.load_responses`); columns the schema
    does not map keep their names.
    """

    def __init__(self, table: Any, schema: Any):
        from .schema import read_schema

        self.table = table
        self.schema = read_schema(schema)
        self._source = self._mapping(list(table.columns))

    def _mapping(self, present: list[str]) -> dict[str, str]:
        """canonical column -> column of the table."""
        sch = self.schema
        wanted: dict[str, str] = {name: spec.column for name, spec in sch.metrics.items()}
        if sch.date is not None:
            wanted["date"] = sch.date.column
        for canonical, attr in _SINGLE.items():
            if getattr(sch, attr):
                wanted[canonical] = getattr(sch, attr)
        mapping: dict[str, str] = {}
        for canonical, source in wanted.items():
            if source in present:
                mapping[canonical] = source
            elif canonical in present:
                mapping[canonical] = canonical
        if not any(name in mapping for name in sch.metrics):
            raise SchemaError(f"{sch.origin}: none of the score columns {[m.column for m in sch.metrics.values()]} "
                              f"is in the warehouse table; its columns are {present}.")
        used = set(mapping.values())
        for col in present:  # segments and every other column keep their names
            if col not in used and col not in mapping:
                mapping[col] = col
        return mapping

    @property
    def columns(self) -> list[str]:
        """The canonical column names."""
        return list(self._source)

    #: where the table comes from, for report headers (set by :func:`scan`, e.g. ``duckdb:///x.db, table responses``)
    source: str | None = None

    def __repr__(self) -> str:
        return f"WarehouseTable({type(self.table).__name__}, columns={self.columns})"

    def __contains__(self, column: object) -> bool:
        """``"date" in data``: whether the table has that canonical column (as for a DataFrame)."""
        return column in self._source

    def __len__(self) -> int:
        """The number of responses (rows) of the table: one ``COUNT(*)`` query, remembered."""
        return self.count()

    # ----------------------------------------------------------- aggregates and selections

    def count(self) -> int:
        """The table's number of rows (one ``COUNT(*)`` query; the answer is kept)."""
        if getattr(self, "_count", None) is None:
            self._count = int(self.table.count().to_pandas())
        return self._count

    def _distinct(self, column: str) -> pd.Series:
        """The distinct raw values of ``column`` (one ``SELECT DISTINCT``), as they are in the table."""
        if column not in self._source:
            raise ParameterError(f"The column {column!r} is not in the warehouse table; columns are {self.columns}.")
        src = self._source[column]
        values = self.table.select(src).distinct().to_pandas()[src]
        return values.reset_index(drop=True)

    def _labels(self, column: str, values: pd.Series) -> list[Any]:
        """Each raw value as the loaded table holds it (segment text cleaned as the loader cleans it; None: missing)."""
        missing = frozenset(self.schema.missing_values)
        codes, levels = _segment_codes(values, missing, column in self.schema.segments)
        return [None if c < 0 else levels[c] for c in codes]

    def levels(self, column: str) -> pd.Index:
        """The values of a segment (or other) column as the loader reads them: cleaned, sorted, no missing values."""
        labels = {str(v) for v in self._labels(column, self._distinct(column)) if v is not None}
        return pd.Index(sorted(labels), dtype=object)

    def score_counts(self, column: str) -> pd.Series:
        """How many answers hold each score of ``column`` (``csat``, ``nps``, ``ces``), as the loader reads them
        (labels mapped, reversed scales turned): one cell query; indexed by score, without missing answers."""
        spec = self.schema.metrics.get(column)
        if spec is None or column not in self._source:
            raise ParameterError(f"The warehouse table has no {column!r} score column; map it under metrics.")
        lo, hi = spec.scale
        _, fine = self.fine_cells({column: (lo, hi, spec.top_box)}, [], None)
        counts = fine[column][0].sum(axis=0)[:-1]  # the last bin holds missing answers
        return pd.Series(counts.astype(np.int64), index=pd.RangeIndex(lo, hi + 1), name=column)

    def has_dates(self, date: str = "date") -> bool:
        """Whether ``date`` is a column with at least one usable date."""
        return date in self._source and bool(self.date_bounds(date).notna().any())

    def _timestamps(self, date: str):
        """``date`` as a timestamp expression (a date at midnight), for ``start``/``end`` bounds as pandas compares
        them."""
        day = self._dates(date)  # checks the column and the schema's format
        col = self.table[self._source[date]]
        if col.type().is_timestamp():
            return col
        if col.type().is_string() and self.schema.date is not None and self.schema.date.format and date == "date":
            return col.as_timestamp(self.schema.date.format)
        return day.cast("timestamp")

    def filter(self, *, column: str | None = None, equals: Any = None, start: Any = None, end: Any = None,
               date: str = "date") -> WarehouseTable:
        """The rows whose ``column`` reads as ``equals`` (or one of a list of values) and whose ``date`` lies in
        ``[start, end]``, as a new table.

        Nothing is fetched but the distinct values of ``column``: a segment value
        matches the raw values that the loader would read as it (stripped text,
        ``missing_values`` never match), so a selection holds the rows the
        in-memory :func:`~csat_analysis.render.select` keeps.  ``start`` and
        ``end`` are compared as pandas compares a loaded date with a Timestamp.
        """
        expr = self.table
        if column is not None:
            values = self._distinct(column)
            labels = self._labels(column, values)
            wanted = {str(v) for v in equals} if isinstance(equals, (list, tuple, set)) else {str(equals)}
            raw = [v for v, label in zip(values.tolist(), labels, strict=False)
                   if label is not None and str(label) in wanted]
            col = expr[self._source[column]]
            expr = expr.filter(col.isin(raw)) if raw else expr.filter(col.isnull() & col.notnull())
        for bound, keep in ((start, "ge"), (end, "le")):
            if bound is None:
                continue
            ts = pd.Timestamp(bound)
            ts = (ts.tz_localize(None) if ts.tz else ts).to_pydatetime()
            when = self._timestamps(date)
            expr = expr.filter(when >= ts if keep == "ge" else when <= ts)
        out = WarehouseTable(expr, self.schema)
        out.source = self.source
        return out

    # ----------------------------------------------------------------- queries

    def _dates(self, date: str):
        if date not in self._source:
            raise ParameterError(f"The warehouse table has no {date!r} column; map one under columns.date in the "
                                 "schema.")
        col = self.table[self._source[date]]
        if col.type().is_string():
            fmt = self.schema.date.format if self.schema.date is not None and date == "date" else None
            if self.schema.date is not None and self.schema.date.dayfirst and not fmt:
                raise SchemaError(f"{self.schema.origin}: for a warehouse table give the date format "
                                  "(columns.date.format) rather than dayfirst.")
            return col.as_timestamp(fmt).date() if fmt else col.cast("timestamp").date()
        if col.type().is_timestamp():
            return col.date()
        if col.type().is_date():
            return col
        raise DataError(f"Column {date!r} of the warehouse table is {col.type()}, not a date or timestamp.")

    def date_bounds(self, date: str = "date") -> pd.Series:
        """The first and last day of ``date`` (what :func:`~csat_analysis.trend` needs of the dates)."""
        known = getattr(self, "_bounds", None) or {}
        if date not in known:  # one min/max query per column, kept
            day = self._dates(date)
            row = self.table.aggregate(first=day.min(), last=day.max()).to_pandas()
            known[date] = pd.to_datetime(
                pd.Series([row["first"].iloc[0], row["last"].iloc[0]])
            ).astype("datetime64[ns]")
            self._bounds = known
        return known[date].copy()

    def query(self, scores: Sequence[str], by: Sequence[str], freq: str | None, date: str = "date",
              weights: str | None = None, dialect: Any = None) -> _Query:
        """The cell query (see :func:`cell_query`)."""
        ibis = _ibis()
        from sqlglot import exp, transpile

        for col in [*by, *scores, *([weights] if weights else [])]:
            if col not in self._source:
                raise ParameterError(f"The column {col!r} is not in the warehouse table; columns are {self.columns}.")
        t = self.table
        sel: dict[str, Any] = {f"_k{i}": t[self._source[c]] for i, c in enumerate(by)}
        if freq is not None:  # months, quarters and years start on their first day: one cell per period
            day = self._dates(date)
            sel["_day"] = day.truncate(freq) if freq in ("M", "Q", "Y") else day  # weeks: per day (Monday rule)
        sel.update({f"_s{j}": t[self._source[c]] for j, c in enumerate(scores)})
        if weights:
            sel["_w"] = t[self._source[weights]].cast("float64")
        inner = t.select(**sel)
        if dialect is None:  # the table's own engine
            backend = ibis.get_backend(inner)
            dialect, inner_sql = backend.compiler.dialect, str(backend.compile(inner))
        else:
            inner_sql = str(ibis.to_sql(inner, dialect=dialect))

        def q(name: str) -> str:
            return exp.to_identifier(name, quoted=True).sql(dialect=dialect)

        keys = [q(f"_k{i}") for i in range(len(by))] + ([q("_day")] if freq is not None else [])
        score_cols = [q(f"_s{j}") for j in range(len(scores))]
        aggs = ["COUNT(*) AS " + q("_n")]
        if weights:
            w = q("_w")
            aggs += [f"SUM({w}) AS {q('_sw')}", f"SUM({w} * {w}) AS {q('_sw2')}", f"MIN({w}) AS {q('_wmin')}",
                     f"COUNT({w}) AS {q('_wn')}"]
        if len(scores) > 1:
            aggs += [f"GROUPING({s}) AS {q(f'_g{j}')}" for j, s in enumerate(score_cols)]
            sets = ", ".join("(" + ", ".join([*keys, s]) + ")" for s in score_cols)
            group = f"GROUPING SETS ({sets})"
        else:
            group = ", ".join([*keys, *score_cols])
        sql = (f"SELECT {', '.join([*keys, *score_cols, *aggs])} FROM ({inner_sql}) AS {q('_rows')} "
               f"GROUP BY {group}")
        sql = transpile(sql, read=dialect, write=dialect, pretty=True)[0]
        return _Query(sql, list(by), list(scores), freq, bool(weights))

    def fine_cells(self, scales: dict[str, tuple[int, int, int]], by: list[str], freq: str | None,
                   date: str = "date", weights: Any = None):
        """Fine cells and their score histograms, as :func:`metrics.grouped_stats` builds them from rows.

        Returns ``(cells, fine)``: a :class:`~csat_analysis.cells.Cells` (``n`` = the table's
        rows) and per score column ``[counts, sum w, sum w^2]`` (only counts
        without weights), each of shape ``(cells.size + 1, width)``.
        """
        ibis = _ibis()
        if weights is not None and not isinstance(weights, str):
            raise ParameterError("For a warehouse table, `weights` must name a weight column (e.g. 'weight'); "
                                 "raked weights and weight Series need the rows in memory (load_responses).")
        query = self.query(list(scales), by, freq, date, weights)
        backend = ibis.get_backend(self.table)
        return _from_result(_fetch(backend, query.sql), query, scales, self.schema)


def _fetch(backend: Any, sql: str) -> pd.DataFrame:
    """The result of ``sql`` on an Ibis backend as a DataFrame.

    ``backend.raw_sql`` rather than ``backend.sql``: with duckdb 2.0, Ibis 12's
    ``sql()`` fails while inferring the schema (``fetch_arrow_table`` was removed).
    """
    cursor = backend.raw_sql(sql)
    if hasattr(cursor, "toPandas"):  # PySpark DataFrame
        return cursor.toPandas()
    if hasattr(cursor, "df"):  # DuckDB: the connection itself, which must stay open
        return cursor.df()
    try:  # DB-API cursors (Snowflake, Trino, ...)
        rows = cursor.fetchall()
        return pd.DataFrame.from_records(rows, columns=[d[0] for d in cursor.description])
    finally:
        cursor.close()


def _segment_codes(values: pd.Series, missing: frozenset[str], segment: bool) -> tuple[np.ndarray, pd.Index]:
    """Codes (-1 = missing) and levels of a ``by`` column as the in-memory path forms them.

    A schema segment, or any text, is read as the loader reads segments (stripped text, sorted levels);
    other columns (booleans, numbers) as ``astype("category")`` does.
    """
    from .io import segment_category

    if segment or pd.api.types.is_string_dtype(values) or values.dtype == object:
        cat = segment_category(values.reset_index(drop=True), missing)[0]
    else:
        cat = values.astype("category")
    return np.asarray(cat.cat.codes, dtype=np.int64), cat.cat.categories


def _score_bins(values: pd.Series, name: str, lo: int, hi: int, spec, missing: frozenset[str]) -> np.ndarray:
    """Bin index ``score - low`` of each distinct raw value (missing -> ``high - low + 1``), as the loader reads it."""
    width = hi - lo + 1
    out = np.full(len(values), width, dtype=np.int64)
    labels = dict(spec.labels) if spec is not None else {}
    for i, v in enumerate(values.to_numpy(dtype=object)):
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            continue
        if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            x = float(v)
        else:
            text = str(v).strip()
            if text in missing or not text:
                continue
            x = pd.to_numeric(text, errors="coerce")
            if pd.isna(x) and labels:
                x = labels.get(text.casefold(), np.nan)
            if pd.isna(x):
                raise DataError(f"Column {name!r} of the warehouse table holds {text!r}, which is not a score; map "
                                f"text answers under metrics.{name}.labels in the schema.")
            x = float(x)
        if x != round(x) or not lo <= x <= hi:
            raise DataError(f"Column {name!r} of the warehouse table holds {x:g}, outside the {name.upper()} scale "
                            f"{lo}-{hi}; fix the scale in the schema or filter those rows out of the table.")
        score = int(x) if spec is None or spec.higher_is_better else lo + hi - int(x)
        out[i] = score - lo
    return out


def _from_result(result: pd.DataFrame, query: _Query, scales, schema):
    """The fine cells of a cell query's result (see :meth:`WarehouseTable.fine_cells`)."""
    missing = frozenset(schema.missing_values)
    if len(query.scores) > 1:  # the first score column's grouping set holds every row once
        result = result.reset_index(drop=True)
        sets = {c: np.flatnonzero(result[f"_g{j}"].to_numpy() == 0) for j, c in enumerate(query.scores)}
    else:
        sets = {query.scores[0]: np.arange(len(result))}
    total = int(result["_n"].to_numpy()[sets[query.scores[0]]].sum())
    if query.weighted:
        wn, wmin = result["_wn"].to_numpy(), pd.to_numeric(result["_wmin"]).to_numpy(dtype=float)
        bad = (wn < result["_n"].to_numpy()) | ~(np.nan_to_num(wmin, nan=0.0) > 0)
        if bad.any():
            raise DataError("The weight column of the warehouse table has missing or non-positive weights; weights "
                            "must be positive numbers (filter those rows out, or leave out `weights`).")
    segment, dims, levels = None, [], []
    for i in range(len(query.by)):
        codes, cats = _segment_codes(result[f"_k{i}"], missing, query.by[i] in schema.segments)
        dims.append(len(cats))
        levels.append(cats)
        if segment is None:
            segment = codes
        else:
            bad = (segment < 0) | (codes < 0)
            segment = segment * dims[-1] + codes
            segment[bad] = -1
    cells = Cells(total, list(query.by), dims, levels)
    invalid = segment < 0 if segment is not None else np.zeros(len(result), dtype=bool)
    fine_index = np.zeros(len(result), dtype=np.int64) if segment is None else np.where(invalid, 0, segment)
    if query.day:
        days = pd.to_datetime(result["_day"]).to_numpy(dtype="datetime64[D]")
        nat = np.isnat(days)
        if nat.all():
            raise DataError("The warehouse table's date column has no usable dates, so periods cannot be formed.")
        day = days.astype(np.int64)
        d0, d1 = int(day[~nat].min()), int(day[~nat].max())
        cells.set_days(d0, d1, query.freq)
        offset = np.where(nat, 0, day - d0)
        if cells.by_period:
            offset = cells.day_period[offset]
        fine_index = offset * cells.ncell + fine_index
        invalid = invalid | nat
    cells.some_invalid = bool(invalid.any())
    fine_index = np.where(invalid, cells.size, fine_index)
    fine = {}
    for j, col in enumerate(query.scores):
        rows = sets[col]
        lo, hi, _ = scales[col]
        width = hi - lo + 2
        spec = schema.metrics.get(col)
        values = result[f"_s{j}"].iloc[rows]
        inverse, uniq = pd.factorize(values, use_na_sentinel=True)
        bins_of = _score_bins(pd.Series(uniq, dtype=object), col, lo, hi, spec, missing)
        bins = np.where(inverse < 0, width - 1, bins_of[np.maximum(inverse, 0)])
        flat = fine_index[rows] * width + bins
        sums = ["_n", "_sw", "_sw2"] if query.weighted else ["_n"]
        fine[col] = [np.bincount(flat, weights=result[s].to_numpy(dtype=float)[rows],
                                 minlength=(cells.size + 1) * width).reshape(cells.size + 1, width) for s in sums]
    return cells, fine


def from_ibis(table: Any, *, schema: Any) -> WarehouseTable:
    """A warehouse table from an Ibis table expression and the schema that describes it.

    Parameters
    ----------
    table : ibis Table
        Any Ibis table expression bound to a backend (DuckDB, PySpark,
        Snowflake, BigQuery, Databricks, ...): a table, a view, a filtered
        or joined expression.
    schema : Schema, dict or path
        As for :func:`~csat_analysis.load_responses`: the score columns with
        their scales and top boxes, the date column, segments, weight.

    Returns
    -------
    WarehouseTable
        To pass as ``data`` to ``summarize``, ``compare`` and ``trend``.

    Examples
    --------
    >>> import ibis  # doctest: +SKIP
    >>> con = ibis.duckdb.connect("responses.db")  # doctest: +SKIP
    >>> data = from_ibis(con.table("responses"), schema="schema.yml")  # doctest: +SKIP
    >>> summarize(data, metrics=["csat", "nps"], by="region", freq="M")  # doctest: +SKIP
    """
    _ibis()
    return WarehouseTable(table, schema)


#: what ``--data`` and :func:`scan` read lazily (another engine: connect with Ibis, then :func:`from_ibis`)
SUPPORTED_SOURCES = ("duckdb:///path/to/file.db (or a .duckdb/.db file)", "a .parquet file or glob",
                     "a .csv/.csv.gz/.tsv file")
#: DuckDB settings of a database file opened as data: nothing outside the file is read, nothing is installed
DUCKDB_DATA_CONFIG = {"enable_external_access": False, "autoload_known_extensions": False,
                      "autoinstall_known_extensions": False}


def database_path(url: str) -> str:
    """The file of a ``duckdb://`` URL; any other scheme (or ``duckdb://:memory:``) is a one-line ParameterError.

    >>> database_path("duckdb:///srv/survey.db")
    '/srv/survey.db'
    >>> database_path("postgres://db/survey")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    csat_analysis.exceptions.ParameterError: Cannot read 'postgres://db/survey': the postgres:// scheme is not ...
    """
    from ._utils import shorten

    scheme = url.split("://", 1)[0].lower()
    path = url[len("duckdb://"):] if scheme == "duckdb" else ""
    if scheme != "duckdb" or not path or "?" in path or path.strip() == ":memory:":
        what = ("an in-memory DuckDB database holds no responses" if scheme == "duckdb" and path.strip() == ":memory:"
                else f"the {scheme}:// scheme is not supported" if scheme != "duckdb"
                else "give the database file after duckdb://, without options")
        raise ParameterError(f"Cannot read {shorten(url)!r}: {what}. --data reads {'; '.join(SUPPORTED_SOURCES)}. "
                             "For another engine, connect with Ibis and pass the table to ca.from_ibis.")
    return path


def open_duckdb_table(path: str | Path, table: str):
    """The Ibis table ``table`` of the DuckDB file ``path``, opened as data, not as a program.

    The file is opened read-only (several reports may read it at once)
    with external access off (no ``read_text``, ``read_csv``, ``COPY``,
    ``getenv`` or URL reaches outside the file), extensions neither loaded
    nor installed on demand, and the configuration locked, so a view in the
    file can't switch any of this back on.  A view that reads files or URLs
    is a :class:`~csat_analysis.exceptions.DataError` naming the view; a
    missing table one listing the file's tables.
    """
    import duckdb

    from ._utils import shorten

    ibis = _ibis()
    name = Path(path).name
    try:
        con = duckdb.connect(str(path), read_only=True, config=dict(DUCKDB_DATA_CONFIG))
    except duckdb.Error as exc:
        raise DataError(f"Cannot open {name!r} as a DuckDB database ({type(exc).__name__}); check that the file is a "
                        "DuckDB database of this DuckDB version.") from None
    backend = ibis.duckdb.from_connection(con)  # sets its session options (time zone) before the lock
    con.execute("SET lock_configuration = true")
    rows = con.execute("SELECT table_name, table_type FROM information_schema.tables "
                       "WHERE table_schema = 'main' ORDER BY table_name").fetchall()
    kinds = {r[0]: r[1] for r in rows}
    if table not in kinds:
        listed = ", ".join(map(repr, list(kinds)[:30])) + (", ..." if len(kinds) > 30 else "") or "none"
        raise ParameterError(f"The database {name!r} has no table {shorten(table)!r}; its tables are {listed}. "
                             "Pass one with -p table (or table=), or put `source: {table: ...}` in the schema.")
    try:
        return backend.table(table)
    except duckdb.PermissionException:
        raise DataError(f"The {'view' if kinds[table] == 'VIEW' else 'table'} {table!r} of {name!r} reads files or "
                        "URLs outside the database, which a database opened as data may not do; make it a plain "
                        f"table in the database (CREATE TABLE ... AS SELECT ...) or export it to a file.") from None
    except (duckdb.CatalogException, duckdb.BinderException, duckdb.IOException) as exc:
        raise DataError(f"The {'view' if kinds[table] == 'VIEW' else 'table'} {table!r} of {name!r} can't be read "
                        f"as data ({type(exc).__name__}: it needs something outside the database, such as an "
                        "extension); make it a plain table in the database.") from None


def scan(source: str | Path, *, schema: Any, table: str | None = None) -> WarehouseTable:
    """A warehouse table read lazily through DuckDB (another engine: connect with Ibis, then :func:`from_ibis`).

    Parameters
    ----------
    source : str or Path
        A Parquet file or glob (``big.parquet``, ``exports/*.parquet``), a CSV
        file, or a connection URL such as ``duckdb:///path.db`` (then
        ``table`` names the table).  Files are not loaded: DuckDB streams them
        through the cell query, so memory stays bounded.
    schema : Schema, dict or path
    table : str, optional
        The table to read from a database URL; by default the schema's
        ``source: {table: ...}``.  The schema maps the table's columns as it
        maps a file's.
    """
    ibis = _ibis()
    text = str(source)
    if table is None:
        from .schema import Schema, read_schema

        schema = schema if isinstance(schema, Schema) else read_schema(schema)
        table = schema.table  # ``source: {table: responses}`` in the schema file
    if re.match(r"^[a-z][a-z0-9+]*://", text, flags=re.IGNORECASE):
        path = database_path(text)
        if not table:
            raise ParameterError(f"Reading {text!r} needs the name of the responses table: pass `table=` or put "
                                 "`source: {table: responses}` in the schema.")
        if not Path(path).is_file():
            raise DataError(f"The DuckDB database {path!r} (from {text!r}) does not exist; check the path "
                            "(duckdb:///absolute/path.db or duckdb://relative/path.db).")
        out = WarehouseTable(open_duckdb_table(path, table), schema)
        out.source = f"{Path(path).name}, table {table}"  # the file's name: a shared header shows no local path
        return out
    con = ibis.duckdb.connect()
    if text.endswith(".parquet") or "*" in text:
        return WarehouseTable(con.read_parquet(text), schema)
    if text.endswith((".csv", ".csv.gz", ".tsv")):
        return WarehouseTable(con.read_csv(text, all_varchar=True), schema)
    if text.endswith((".db", ".duckdb")):
        if not table:
            raise ParameterError(f"Reading {text!r} needs the name of the responses table: pass `table=` or put "
                                 "`source: {table: responses}` in the schema.")
        out = WarehouseTable(open_duckdb_table(text, table), schema)
        out.source = f"{Path(text).name}, table {table}"
        return out
    raise ParameterError(f"Cannot read {text!r} as a warehouse table: give a .parquet or .csv file, a .duckdb "
                         "database with `table=`, or a URL such as duckdb:///path.db.")


def cell_query(data: WarehouseTable, *, metrics: Sequence[str] | str = ("csat", "nps", "ces"),
               by: Sequence[str] | str | None = None, freq: str | None = None, weights: str | None = None,
               date: str = "date", dialect: str | None = None) -> str:
    """The SQL of the one query behind ``summarize(data, ...)``, for the table's engine or another ``dialect``.

    ``dialect`` is a sqlglot dialect name (``"bigquery"``, ``"snowflake"``,
    ``"databricks"``, ``"duckdb"``, ...); the table may then be unbound
    (``ibis.table({...}, name="responses")``).
    """
    from ._utils import as_list
    from .registry import METRICS, check_metrics

    scores = list(dict.fromkeys(METRICS[m].column for m in check_metrics(metrics)))
    return data.query(scores, as_list(by), freq, date, weights, dialect=dialect).sql
