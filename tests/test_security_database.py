"""A database file is opened as data, not as a program (issue 30, §3), and unsupported sources are one line (§5)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

import csat_analysis as ca
from csat_analysis.cli import main
from csat_analysis.exceptions import DataError, ParameterError

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("ibis")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE, SAMPLE_SCHEMA = ROOT / "data" / "sample_responses.csv", ROOT / "data" / "sample_schema.yml"
SECRET = "TOP-SECRET-LINE-7f3a"


@pytest.fixture()
def hostile(tmp_path):
    """A DuckDB file whose views read a local file (read_text, read_csv) and a URL, and a plain table."""
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\n")
    db = tmp_path / "hostile.db"
    raw = pd.read_csv(SAMPLE).head(200)
    con = duckdb.connect(str(db))
    con.register("raw", raw)
    con.execute("CREATE TABLE responses AS SELECT * FROM raw")
    cols = ", ".join(f'"{c}"' for c in raw.columns if c != "region")
    con.execute(f"CREATE VIEW v_text AS SELECT {cols}, (SELECT content FROM read_text('{secret}')) AS region "
                "FROM responses")
    con.execute(f"CREATE VIEW v_csv AS SELECT {cols}, (SELECT min(column0) FROM read_csv('{secret}', header=false)) "
                "AS region FROM responses")
    # a view whose URL is only looked at when the view is read (a macro changed after the view was made)
    con.execute(f"CREATE MACRO src() AS '{secret}'")
    con.execute(f"CREATE VIEW v_http AS SELECT {cols}, (SELECT content FROM read_text(src())) AS region FROM responses")
    con.execute("CREATE OR REPLACE MACRO src() AS 'http://127.0.0.1:9/x.csv'")
    con.close()
    schema = yaml.safe_load(SAMPLE_SCHEMA.read_text())
    path = tmp_path / "schema.yml"
    path.write_text(yaml.safe_dump(schema))
    return db, path


@pytest.mark.parametrize("view", ["v_text", "v_csv", "v_http"])
def test_view_reading_files_or_urls_is_refused(hostile, view):
    db, schema = hostile
    for source in (f"duckdb:///{db}", str(db)):
        with pytest.raises(DataError, match=rf"view '{view}' of 'hostile.db' reads files or URLs") as err:
            ca.scan(source, schema=schema, table=view)
        assert SECRET not in str(err.value)


def test_plain_table_still_reads_and_settings_are_locked(hostile):
    db, schema = hostile
    data = ca.scan(f"duckdb:///{db}", schema=schema, table="responses")
    assert len(data) == 200
    assert data.source == "hostile.db, table responses"  # the header names the file, not its absolute path
    con = data.table._find_backend().con
    settings = dict(con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
                                "'autoload_known_extensions', 'autoinstall_known_extensions', 'lock_configuration', "
                                "'access_mode')").fetchall())
    assert settings == {"enable_external_access": "false", "autoload_known_extensions": "false",
                        "autoinstall_known_extensions": "false", "lock_configuration": "true",
                        "access_mode": "read_only"}
    with pytest.raises(duckdb.Error, match="locked"):
        con.execute("SET enable_external_access = true")


def test_missing_table_lists_the_tables(hostile, tmp_path, capsys):
    db, schema = hostile
    with pytest.raises(ParameterError, match=r"no table 'respones'; its tables are 'responses', 'v_csv'"):
        ca.scan(f"duckdb:///{db}", schema=schema, table="respones")
    code = main(["run", "trends", "--data", f"duckdb:///{db}", "--schema", str(schema), "-p", "table", "respones",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "its tables are" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("url", ["file:///etc/passwd", "http://example.invalid/x.parquet", "postgres://db/survey",
                                 "sqlite:///survey.db", "duckdb://:memory:"])
def test_unsupported_sources_are_one_line_exit_2(url, tmp_path, capsys):
    with pytest.raises(ParameterError, match="duckdb:///path/to/file.db"):
        ca.scan(url, schema=SAMPLE_SCHEMA, table="responses")
    code = main(["run", "trends", "--data", url, "--schema", str(SAMPLE_SCHEMA), "-p", "table", "responses",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert ("in-memory" if url.startswith("duckdb") else "is not supported") in err


def test_control_characters_are_stripped_from_database_labels(tmp_path):
    raw = pd.read_csv(SAMPLE).head(100)
    raw["region"] = raw["region"].astype(object)
    raw.loc[:19, "region"] = "Nor\x00th\x07"
    db = tmp_path / "labels.db"
    con = duckdb.connect(str(db))
    con.register("raw", raw)
    con.execute("CREATE TABLE responses AS SELECT * FROM raw")
    con.close()
    data = ca.scan(f"duckdb:///{db}", schema=SAMPLE_SCHEMA, table="responses")
    levels = list(data.levels("region"))
    assert "North" in levels and not any(ch in "".join(levels) for ch in "\x00\x07")
