"""The schema describes a warehouse table as a source (``source: {table: responses}``), mapping columns
as for a file; :func:`csat_analysis.scan` then needs only the connection."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csat_analysis import load_responses, read_schema, summarize
from csat_analysis.exceptions import ParameterError

ibis = pytest.importorskip("ibis", reason="the warehouse extra is not installed")

ROOT = Path(__file__).resolve().parents[1]


def test_schema_source_table_names_the_warehouse_table(tmp_path):
    from csat_analysis.backends import scan

    raw = pd.read_csv(ROOT / "data" / "sample_responses.csv")
    text = (ROOT / "data" / "sample_schema.yml").read_text()
    assert "source:" not in text
    (tmp_path / "warehouse.yml").write_text("source: {table: survey_responses}\n" + text)
    schema = read_schema(tmp_path / "warehouse.yml")
    assert schema.table == "survey_responses" and schema.to_dict()["source"] == {"table": "survey_responses"}

    con = ibis.duckdb.connect(str(tmp_path / "cx.db"))
    con.create_table("survey_responses", raw)  # the export's own column names: the schema maps them
    con.disconnect()
    url = f"duckdb:///{tmp_path / 'cx.db'}"
    data = scan(url, schema=tmp_path / "warehouse.yml")
    df, _ = load_responses(ROOT / "data" / "sample_responses.csv", ROOT / "data" / "sample_schema.yml")
    pd.testing.assert_frame_equal(summarize(df, by="plan", freq="Q"), summarize(data, by="plan", freq="Q"),
                                  check_exact=False, rtol=1e-9, atol=1e-9)
    with pytest.raises(ParameterError, match=r"source: \{table: responses\}"):
        scan(url, schema=ROOT / "data" / "sample_schema.yml")  # no table named anywhere
