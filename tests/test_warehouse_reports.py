"""The trends report on a database table (issue 16): rendered from DuckDB, equal to the file report, no rows fetched.

The bundled sample, read with pandas (raw columns, as an export lands in a
warehouse), goes into a DuckDB file; the report reads it through
``rep.load`` (a :class:`~csat_analysis.backends.WarehouseTable`).  Each report
run costs 10-20 s, so the module runs three: the file, the database (table
from the schema's ``source:``), and the database with ``-p table`` and a
segment.  Everything else runs in this process.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

import csat_analysis as ca
from csat_analysis import render as rep
from csat_analysis.config import REPORT_NOTEBOOKS
from csat_analysis.exceptions import DataError, ParameterError

ibis = pytest.importorskip("ibis", reason="the warehouse extra is not installed")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE, SAMPLE_SCHEMA = ROOT / "data" / "sample_responses.csv", ROOT / "data" / "sample_schema.yml"
ROWS = 20_000


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    """``(duckdb URL, schema with source: {table: responses})`` for the raw sample in a DuckDB file."""
    folder = tmp_path_factory.mktemp("warehouse")
    raw = pd.read_csv(SAMPLE)
    con = ibis.duckdb.connect(str(folder / "survey.db"))
    con.create_table("responses", raw)
    con.disconnect()
    schema = yaml.safe_load(SAMPLE_SCHEMA.read_text())
    schema["source"] = {"table": "responses"}
    (folder / "schema.yml").write_text(yaml.safe_dump(schema))
    return f"duckdb:///{folder / 'survey.db'}", folder / "schema.yml"


class Fetches:
    """Every result the DuckDB backend hands back to Python: its number of rows and its columns."""

    def __init__(self, monkeypatch):
        from ibis.backends import duckdb as backend

        self.results: list[tuple[int, list[str]]] = []
        cls = backend.Backend
        execute, raw_sql = cls.execute, cls.raw_sql
        fetches = self

        def record(out):
            if isinstance(out, pd.DataFrame):
                fetches.results.append((len(out), list(out.columns)))
            elif isinstance(out, pd.Series):
                fetches.results.append((len(out), [out.name]))
            else:
                fetches.results.append((1, []))
            return out

        class Cursor:  # backends reads cell queries with raw_sql(...).df()
            def __init__(self, cursor):
                self.cursor = cursor

            def df(self):
                return record(self.cursor.df())

        def arrow(*args, **kwargs):
            raise AssertionError("a table was fetched as Arrow")

        monkeypatch.setattr(cls, "execute", lambda self, expr, *a, **k: record(execute(self, expr, *a, **k)))
        monkeypatch.setattr(cls, "raw_sql", lambda self, query, **k: Cursor(raw_sql(self, query, **k)))
        monkeypatch.setattr(cls, "to_pyarrow", arrow)
        monkeypatch.setattr(cls, "to_pyarrow_batches", arrow)


def notebook_steps(data_path, schema_path, table=None, segment=None, privacy_min_n=5):
    """The trends notebook's cells, in this process (its defaults: metric from the schema, monthly, rolling 3)."""
    responses, load_report = rep.load(data_path, schema_path, table)
    p = rep.resolve(responses, segment_column=None, segment=segment, weights=None, metric=None, target=None,
                    facet_by=None)
    view = rep.select(responses, segment_column=p.segment_column, segment=segment, privacy_min_n=privacy_min_n)
    header = rep.header("Trends", data=view, load_report=load_report,
                        parameters=dict(segment=segment, metric=p.metric, weights=p.weights))
    result = ca.trend_report(view, metric=p.metric, freq="M", facet_by=p.facet_by, target=p.target, rolling=3,
                             weights=p.weights, privacy_min_n=privacy_min_n, date_range=rep.date_range(responses))
    section = rep.section("Week by week", "Each cell is one ISO week.", data=view, needs=["dates"], p=p)
    return responses, header, result, section


def assert_same_report(a, b):
    assert a.headline_values() == b.headline_values()
    assert a.sentences() == b.sentences()
    for name in ("table", "facets", "weekly", "overall"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            pd.testing.assert_frame_equal(x, y, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("segment", [None, "North"])
def test_no_row_leaves_the_database_and_numbers_equal_the_file(db, monkeypatch, segment):
    url, schema = db
    fetches = Fetches(monkeypatch)
    data, header, result, section = notebook_steps(url, schema, segment=segment)
    assert isinstance(data, ca.backends.WarehouseTable) and fetches.results
    largest = max(n for n, _ in fetches.results)
    assert largest < ROWS / 5, f"a result of {largest:,} rows came back (the table has {ROWS:,})"
    for _, columns in fetches.results:  # counts, bounds, distinct segments and cells; never a response's fields
        assert not {"response_id", "comment", "customer_email", "customer_id"} & set(columns)
    monkeypatch.undo()
    _, file_header, file_result, file_section = notebook_steps(SAMPLE, SAMPLE_SCHEMA, segment=segment)
    assert_same_report(result, file_result)
    assert result.facets is not None if segment is None else result.facets is None
    assert repr(section) == repr(file_section)
    assert "table responses" in header.data and "not loaded" in header.data
    facts, file_facts = header.payload, file_header.payload
    for key in ("In this report", "Period", "Parameters"):
        assert facts[key] == file_facts[key]


def test_selection_and_privacy_threshold_are_count_queries(db):
    url, schema = db
    data, _ = rep.load(url, schema)
    frame, _ = ca.load_responses(SAMPLE, SAMPLE_SCHEMA)
    view = rep.select(data, segment_column="region", segment=" North", start="2024-03-01", end="2024-06-30")
    assert len(view) == 0  # as in memory: the segment's text is compared as loaded (stripped), " North" is not it
    view = rep.select(data, segment_column="region", segment="North", start="2024-03-01", end="2024-06-30")
    expected = rep.select(frame, segment_column="region", segment="North", start="2024-03-01", end="2024-06-30")
    assert len(view) == len(expected) > 0
    assert view.levels("region").tolist() == ["North"]
    with pytest.raises(rep.SelectionTooSmall, match="fewer than 1000 responses"):
        rep.select(data, segment_column="region", segment="North", start="2025-06-30", end="2025-06-30",
                   privacy_min_n=1000)
    with pytest.raises(rep.SelectionTooSmall, match="No responses match"):
        rep.select(data, segment_column="region", segment="Atlantis", privacy_min_n=5)
    with pytest.raises(ParameterError, match="not a date"):
        rep.select(data, start="soon")


def test_loading_files_is_unchanged_and_database_errors_are_sentences(db, tmp_path):
    url, schema = db
    frame, report = rep.load(SAMPLE, SAMPLE_SCHEMA)  # a file: load_responses, with its load report
    assert isinstance(frame, pd.DataFrame) and report is not None and report.rows_kept == ROWS
    with pytest.raises(ParameterError, match="-p table"):
        rep.load(SAMPLE, SAMPLE_SCHEMA, table="responses")
    with pytest.raises(DataError, match="does not exist"):
        rep.load(f"duckdb:///{tmp_path / 'missing.db'}", schema)
    with pytest.raises(ParameterError, match="needs a schema"):
        rep.load(url, None)
    with pytest.raises(ParameterError, match="Atlantis"):  # checked against SELECT DISTINCT, before any kernel
        rep.run_report("trends", data=url, schema=schema, parameters={"segment": "Atlantis"}, out=tmp_path)
    other = next(n for n in REPORT_NOTEBOOKS if "table" not in rep.notebook_parameters(rep.resolve_notebook(n)))
    with pytest.raises(ParameterError, match="no parameter 'table'"):  # a report not made for databases yet
        rep.run_report(other, data=url, schema=schema, parameters={"table": "responses"}, out=tmp_path)


def test_raked_schema_on_a_database_says_it_is_not_raked(db):
    url, _ = db
    schema = yaml.safe_load(SAMPLE_SCHEMA.read_text())
    schema["margins"] = {"region": {"North": 0.25, "South": 0.25, "East": 0.25, "West": 0.25}}
    data, _ = rep.load(url, schema, table="responses")
    p = rep.resolve(data, weights=None)
    assert p.weights == "weight"  # the weight column, not a raking of rows in memory
    facts = rep.header("Trends", data=data, parameters={"weights": p.weights}).payload
    assert "raking needs the rows in memory" in facts["Weighting"] and "weight column (weight)" in facts["Weighting"]


def _tables(path: Path) -> dict[str, pd.DataFrame]:
    _, tables = rep.report_tables(nbformat.read(str(path), as_version=4))
    return dict(tables)


@pytest.fixture(scope="module")
def file_report(tmp_path_factory):
    return rep.run_report("trends", data=SAMPLE, schema=SAMPLE_SCHEMA, out=tmp_path_factory.mktemp("file"))


def test_trends_report_from_duckdb_equals_the_file_report(db, file_report, tmp_path):
    url, schema = db  # the table comes from the schema's source: {table: responses}
    result = rep.run_report("trends", data=url, schema=schema, out=tmp_path)
    assert result.ok and file_report.ok, result.error or file_report.error
    assert result.headline == file_report.headline and result.headline["Responses"] == "20,000"
    tables, expected = _tables(result.ipynb), _tables(file_report.ipynb)
    assert list(tables) == list(expected) and tables
    for name in tables:
        pd.testing.assert_frame_equal(tables[name], expected[name])
    text = result.html.read_text(encoding="utf-8")
    assert "table responses" in text and "not loaded" in text and "Week by week" in text
    assert text.count("data:image/png") == file_report.html.read_text(encoding="utf-8").count("data:image/png")


def test_trends_report_on_a_segment_with_table_parameter(db, tmp_path):
    url, _ = db
    result = rep.run_report("trends", data=url, schema=SAMPLE_SCHEMA, out=tmp_path,
                            parameters={"table": "responses", "segment": "North"})
    assert result.ok, result.error
    _, _, expected, _ = notebook_steps(SAMPLE, SAMPLE_SCHEMA, segment="North")
    assert result.headline == expected.headline_values()
    assert result.headline["Responses"] == "5,896"


# ----------------------------------------------------------------------------- overview (in this process)


def test_overview_on_a_database_equals_the_file_without_fetching_rows(db, monkeypatch):
    """Headline, changes, segment tables and tests, banner table and distributions: aggregates only."""
    import matplotlib.pyplot as plt

    url, schema = db
    fetches = Fetches(monkeypatch)
    data, _ = rep.load(url, schema)
    p = rep.resolve(data, segment_column=None, segment=None, weights=None)
    got = ca.overview(data, weights=p.weights)
    fig = got.plot_distributions()
    counts = {c: data.score_counts(c) for c in ("csat", "nps", "ces")}
    sections = {need: repr(rep.section("S", "text", data=data, needs=[need], p=p)) for need in ("comment", "segments")}
    assert got.comments_html() is None  # comments are rows: the section says they are not available
    assert max(n for n, _ in fetches.results) < ROWS / 5
    for _, columns in fetches.results:
        assert not {"response_id", "comment", "customer_email", "customer_id"} & set(columns)
    monkeypatch.undo()
    frame, _ = rep.load(SAMPLE, SAMPLE_SCHEMA)
    want = ca.overview(frame, weights=rep.resolve(frame, weights=None).weights)
    assert got.headline_values() == want.headline_values() and got.sentences() == want.sentences()
    for name in ("headline", "changes"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), check_exact=False, rtol=1e-9)
    assert list(got.segments) == list(want.segments) == ["region", "channel", "plan"]
    for col in want.segments:
        pd.testing.assert_frame_equal(got.segments[col], want.segments[col], check_exact=False, rtol=1e-9)
        pd.testing.assert_frame_equal(got.segment_tests[col], want.segment_tests[col], check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(got.banner.table, want.banner.table, check_exact=False, rtol=1e-9)
    assert got.banner_table().data == want.banner_table().data
    for col, c in counts.items():  # the distribution panels' bars
        assert c.tolist() == frame[col].value_counts().reindex(c.index, fill_value=0).tolist()
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    plt.close(fig)
    fig = want.plot_distributions()
    assert titles == [ax.get_title(loc="left") for ax in fig.axes]
    plt.close(fig)
    assert "not available for a database source" in sections["comment"]
    assert "not available" not in sections["segments"]


@pytest.mark.slow
def test_batch_by_segment_on_a_database(db, tmp_path):
    """``csat-report batch --data duckdb:///... --by plan``: the values come from one SELECT DISTINCT
    (before, the batch loaded the data with load_responses, which cannot read a database)."""
    url, schema = db
    results = rep.run_batch("trends", data=url, schema=schema, by="plan", out=tmp_path, workers=1, progress=False)
    assert all(r.ok for r in results), [r.error for r in results]
    assert {r.label: r.headline["Responses"] for r in results} == {"Basic": "9,100", "Plus": "6,013",
                                                                   "Premium": "4,887"}
    assert (tmp_path / "index.html").is_file()
