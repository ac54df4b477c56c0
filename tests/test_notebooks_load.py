"""Every report notebook loads its data with ``rep.load`` (issue 26 §4), the one loader that knows databases."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from csat_analysis import render as rep
from csat_analysis.config import NOTEBOOK_DIR, SAMPLE_DATA, SAMPLE_SCHEMA_FILE
from csat_analysis.exceptions import ParameterError
from csat_analysis.io import load_responses

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_loads_its_data_with_rep_load(path):
    code = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert re.search(r"^responses, load_report = rep\.load\(data_path, schema_path\b", code, flags=re.M), path.name
    assert "load_responses" not in code


def test_a_report_that_needs_rows_says_so_for_a_database(tmp_path):
    with pytest.raises(ParameterError, match=r"needs the rows of a file.*survey\.duckdb.*overview and trends"):
        rep.load(tmp_path / "survey.duckdb", SAMPLE_SCHEMA_FILE, database=False)
    with pytest.raises(ParameterError, match="needs the rows of a file"):
        rep.load("duckdb:///nowhere/survey.db", SAMPLE_SCHEMA_FILE, database=False)


def test_rep_load_of_a_file_is_load_responses():
    frame, report = rep.load(SAMPLE_DATA, SAMPLE_SCHEMA_FILE, database=False)
    expected, expected_report = load_responses(SAMPLE_DATA, SAMPLE_SCHEMA_FILE)
    pd.testing.assert_frame_equal(frame, expected)
    assert (report.rows_read, report.rows_kept) == (expected_report.rows_read, expected_report.rows_kept)
