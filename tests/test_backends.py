"""Warehouse tables (csat_analysis.backends): DuckDB and Spark give the in-memory results, to 1e-9.

The same canonical rows (from load_responses) go to each engine under their
*source* column names, so the schema's mapping is exercised too.  Spark runs
in local mode, one session for the module and few queries (each costs seconds).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

import csat_analysis as ca
from csat_analysis import compare, load_responses, read_schema, summarize, trend
from csat_analysis.backends import cell_query, from_ibis, scan
from csat_analysis.exceptions import DataError, ParameterError

from .conftest import realdata

ibis = pytest.importorskip("ibis", reason="the warehouse extra is not installed")

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOTS = Path(__file__).parent / "snapshots"
SCHEMAS = Path(__file__).parent / "schemas"
SAMPLE, SAMPLE_SCHEMA = ROOT / "data" / "sample_responses.csv", ROOT / "data" / "sample_schema.yml"


def source_rows(df: pd.DataFrame, schema) -> pd.DataFrame:
    """The canonical rows under their source column names, segments as plain text (as a warehouse holds them)."""
    rename = {name: spec.column for name, spec in schema.metrics.items()}
    if schema.date:
        rename["date"] = schema.date.column
    if schema.weight:
        rename["weight"] = schema.weight
    cols = [c for c in ["date", *schema.metrics, *schema.segments, "weight"] if c in df.columns]
    out = df[cols].copy()
    for col in schema.segments:
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out.rename(columns=rename)


def assert_same(a: pd.DataFrame, b: pd.DataFrame):
    assert len(a) > 0
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-9)
    assert a.attrs.get("digest") == b.attrs.get("digest")


@pytest.fixture(scope="module")
def sample():
    df, _ = load_responses(SAMPLE, SAMPLE_SCHEMA)
    return df, read_schema(SAMPLE_SCHEMA)


@pytest.fixture(scope="module")
def duck(sample):
    df, schema = sample
    con = ibis.duckdb.connect()
    return from_ibis(con.create_table("responses", source_rows(df, schema)), schema=schema)


#: (function, keyword arguments): summarize / compare / trend, weighted and not, with by= and freq=
CALLS = [
    (summarize, dict(by="region", freq="M")),
    (summarize, dict(by=["region", "plan"], freq="Q", weights="weight", metrics=["csat", "nps", "ces_top"])),
    (summarize, dict(weights="weight", metrics=["csat_mean", "ces"])),
    (compare, dict(metric="nps", by="region", period="M", weights="weight")),
    (compare, dict(metric="csat", by="channel")),
    (compare, dict(metric="ces", period="Q", reference="2024Q2")),
    (ca.pairwise, dict(metric="nps", by="region", weights="weight")),
    (trend, dict(metric="csat", freq="M", by="region", weights="weight", rolling=3)),
    (trend, dict(metric="nps", freq="W")),
]


@pytest.mark.parametrize("fn, kwargs", CALLS, ids=[f"{f.__name__}-{i}" for i, (f, _) in enumerate(CALLS)])
def test_duckdb_agrees_with_pandas(sample, duck, fn, kwargs):
    df, _ = sample
    assert_same(fn(df, **kwargs), fn(duck, **kwargs))


def test_duckdb_catches_a_difference(sample, duck):
    """The agreement test can fail: one changed answer changes the result."""
    df, _ = sample
    changed = df.copy()
    changed.loc[changed.index[0], "csat"] = 1 if changed["csat"].iloc[0] != 1 else 5
    with pytest.raises(AssertionError):
        assert_same(summarize(changed, by="region"), summarize(duck, by="region"))


def test_columns_and_scales_come_from_the_schema(duck):
    assert {"date", "csat", "nps", "ces", "weight", "region", "channel", "plan"} <= set(duck.columns)
    assert "satisfaction" not in duck.columns
    assert ca.metrics.scale_of(duck, "ces") == (1, 7, 5)


def test_one_query_returns_only_cells(duck):
    sql = cell_query(duck, metrics=["csat", "nps"], by="region", freq="M", weights="weight")
    assert sql.count("GROUPING SETS") == 1 and sql.count("SELECT") == 2
    assert '"satisfaction" AS "_s0"' in sql and 'DATE_TRUNC(\'MONTH\', CAST("t0"."submitted" AS DATE)) AS "_day"' in sql
    backend = ibis.get_backend(duck.table)
    cells = backend.raw_sql(sql).df()
    assert list(cells.columns) == ["_k0", "_day", "_s0", "_s1", "_n", "_sw", "_sw2", "_wmin", "_wn", "_g0", "_g1"]
    assert len(cells) < 20_000 / 10  # segment x month x score value: far fewer cells than rows
    assert len(cells) == len(cells.drop_duplicates(["_k0", "_day", "_s0", "_s1", "_g0"]))  # one row per cell
    for g in ("_g0", "_g1"):  # each grouping set counts every row once
        assert int(cells.loc[cells[g] == 0, "_n"].sum()) == 20_000


def test_parquet_and_duckdb_file(sample, tmp_path):
    df, schema = sample
    rows = source_rows(df, schema)
    rows.to_parquet(tmp_path / "big.parquet")
    expected = summarize(df, by="plan", freq="Y", weights="weight")
    assert_same(expected, summarize(scan(tmp_path / "big.parquet", schema=schema), by="plan", freq="Y",
                                    weights="weight"))
    con = ibis.duckdb.connect(str(tmp_path / "responses.db"))
    con.create_table("responses", rows)
    con.disconnect()
    data = scan(f"duckdb:///{tmp_path / 'responses.db'}", table="responses", schema=SAMPLE_SCHEMA)
    assert_same(expected, summarize(data, by="plan", freq="Y", weights="weight"))
    with pytest.raises(ParameterError, match="table="):
        scan(f"duckdb:///{tmp_path / 'responses.db'}", schema=schema)


def test_raw_csv_through_duckdb_reads_as_the_loader_does(sample):
    """The export itself, every column text (dates by the schema's format, scores and weights parsed)."""
    df, _ = sample
    data = scan(SAMPLE, schema=SAMPLE_SCHEMA)
    assert data.table.schema()["satisfaction"].is_string()
    for kwargs in [dict(by="region", freq="M", weights="weight"), dict(by="channel", freq="W")]:
        assert_same(summarize(df, **kwargs), summarize(data, **kwargs))


def test_canonical_table_needs_no_renaming(sample):
    """A table written from load_responses (canonical names) reads with the same schema."""
    df, schema = sample
    rows = df[["date", "csat", "nps", "ces", "weight", "region"]].astype({"region": object})
    data = from_ibis(ibis.duckdb.connect().create_table("canonical", rows), schema=schema)
    assert_same(summarize(df, by="region", freq="Q"), summarize(data, by="region", freq="Q"))


def test_labels_reversed_scales_and_messy_segments_as_the_loader_reads_them():
    raw = pd.DataFrame({
        "when": pd.to_datetime(
            ["2024-01-03", "2024-01-20", "2024-02-02", "2024-02-10", "2024-03-01", "2024-03-05"] * 5
        ),
        "sat": ["Very satisfied", "1", " 4", "very dissatisfied", "NA", "5"] * 5,
        "effort": [1, 2, 7, None, 3, 6] * 5,
        "seg": [" North", "North", "South ", "NA", None, "South"] * 5,
    })
    schema = {"columns": {"date": "when", "segments": ["seg"]},
              "metrics": {"csat": {"column": "sat", "scale": [1, 5],
                                   "labels": {"Very satisfied": 5, "Very dissatisfied": 1}},
                          "ces": {"column": "effort", "scale": [1, 7], "top_box": 5, "higher_is_better": False}}}
    df, _ = load_responses(raw, schema)
    data = from_ibis(ibis.duckdb.connect().create_table("raw", raw.astype({"effort": "Int64"})), schema=schema)
    for fn, kwargs in [(summarize, dict(by="seg", freq="M", metrics=["csat", "ces", "ces_top"])),
                       (compare, dict(metric="ces", by="seg"))]:
        assert_same(fn(df, **kwargs), fn(data, **kwargs))


def test_bad_values_fail_loudly(sample):
    df, schema = sample
    rows = source_rows(df, schema).head(200)
    rows.loc[rows.index[3], "satisfaction"] = 9
    con = ibis.duckdb.connect()
    data = from_ibis(con.create_table("bad", rows), schema=schema)
    with pytest.raises(DataError, match="holds 9, outside the CSAT scale 1-5"):
        summarize(data, metrics="csat")
    summarize(data, metrics="nps")  # the other scores are fine
    rows = source_rows(df, schema).head(200)
    rows.loc[rows.index[5], "weight"] = 0.0
    data = from_ibis(con.create_table("bad_w", rows), schema=schema)
    with pytest.raises(DataError, match="non-positive weights"):
        summarize(data, metrics="nps", weights="weight")
    with pytest.raises(ParameterError, match="use summarize"):
        ca.nps(data)
    with pytest.raises(ParameterError, match="must name a weight column"):
        summarize(data, metrics="nps", weights=pd.Series(1.0, index=range(200)))


@pytest.mark.parametrize("name, file, schema, by", [
    ("bank_nps_2021", "NPStimeseries Updated.csv", "bank_nps_2021.yml", "market"),
    ("ba_airline_reviews", "BA_AirlineReviews.csv", "ba_airline_reviews.yml", "TypeOfTraveller"),
])
def test_duckdb_agrees_on_real_exports(name, file, schema, by):
    path = realdata(name) / file
    sch = read_schema(SCHEMAS / schema)
    df, _ = load_responses(path, sch)
    metric = next(iter(sch.metrics))
    data = from_ibis(ibis.duckdb.connect().create_table("real", source_rows(df, sch)), schema=sch)
    for fn, kwargs in [(summarize, dict(by=by, freq="M", metrics=metric)),
                       (compare, dict(metric=metric, by=by, period="Q")),
                       (trend, dict(metric=metric, freq="M"))]:
        assert_same(fn(df, **kwargs), fn(data, **kwargs))


# ----------------------------------------------------------------------------- Spark (local mode)


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    pytest.importorskip("pyspark", reason="the warehouse extra is not installed")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 (openjdk-17-jre-headless)")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[1]").appName("csat-analysis-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
               .config("spark.default.parallelism", "1").config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.driver.memory", "1g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(session)
    session.stop()


def test_spark_agrees_with_pandas(sample, spark):
    df, schema = sample
    data = from_ibis(spark.create_table("responses", source_rows(df, schema), overwrite=True), schema=schema)
    chosen = [CALLS[1], CALLS[4], CALLS[7]]  # weighted by x freq, unweighted compare, weighted trend
    assert [fn.__name__ for fn, _ in chosen] == ["summarize", "compare", "trend"]
    for fn, kwargs in chosen:
        assert_same(fn(df, **kwargs), fn(data, **kwargs))


def test_spark_agrees_on_a_real_export(spark):
    path = realdata("bank_nps_2021") / "NPStimeseries Updated.csv"
    sch = read_schema(SCHEMAS / "bank_nps_2021.yml")
    df, _ = load_responses(path, sch)
    data = from_ibis(spark.create_table("real", source_rows(df, sch), overwrite=True), schema=sch)
    assert_same(summarize(df, metrics="nps", by="market", freq="M"),
                summarize(data, metrics="nps", by="market", freq="M"))


# ----------------------------------------------------------------------------- SQL for other warehouses


@pytest.mark.parametrize("dialect", ["bigquery", "snowflake", "databricks"])
def test_cell_query_sql_snapshot(dialect):
    """The SQL Ibis compiles for a warehouse (set CSAT_UPDATE_SNAPSHOTS=1 to rewrite the files after a change)."""
    table = ibis.table({"response_id": "string", "submitted": "timestamp", "region": "string", "plan": "string",
                        "satisfaction": "int64", "likelihood_to_recommend": "int64", "effort": "int64",
                        "weight": "float64"}, name="responses")
    data = from_ibis(table, schema=SAMPLE_SCHEMA)
    sql = cell_query(data, metrics=["csat", "nps", "ces"], by=["region", "plan"], freq="M", weights="weight",
                     dialect=dialect) + "\n"
    path = SNAPSHOTS / f"cells_{dialect}.sql"
    if os.environ.get("CSAT_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(sql)
    assert path.is_file(), f"missing snapshot {path}; run with CSAT_UPDATE_SNAPSHOTS=1"
    assert sql == path.read_text()
    assert "GROUPING SETS" in sql and "_day" in sql


def test_import_does_not_load_the_engines():
    import subprocess
    import sys

    code = "import csat_analysis as ca, sys; ca.from_ibis; print(any(m in sys.modules for m in ('ibis', 'pyspark')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
