"""Issue 28 §5: the header in words, headline values without csat-report, section coverage in the index."""

from __future__ import annotations

import re
import subprocess
import sys

import pandas as pd
import pytest

from csat_analysis import render as rep
from csat_analysis.cells import choose_freq
from csat_analysis.responses import with_schema

CODE = re.compile(r"\[\]|\['|C\(|Q\('|\bNone\b|\bTrue\b|\bFalse\b| = ")


def test_header_writes_parameters_and_the_period_in_words():
    frame = with_schema(pd.DataFrame({"csat": [4, 5] * 5, "date": pd.date_range("2017-03-01", periods=10)}),
                        None, source="tweets.csv")
    out = rep.header("Drivers", data=frame, parameters={
        "drivers": [], "outcomes": ["csat"], "controls": "C(Q('Internet Type'))", "segment": None,
        "freq": choose_freq(frame), "weights": False, "alpha": 0.05})
    facts = out._repr_mimebundle_()[rep.HEADER_MIME]
    assert facts["Parameters"] == ("Drivers: none; Outcome: CSAT; Controls: Internet Type; Weights: unweighted; "
                                   "Significance level: 0.05")
    assert facts["Periods"] == "daily, chosen from the dates: the answers span 10 days (01 Mar 2017 to 10 Mar 2017)"
    assert not CODE.search(facts["Parameters"] + facts["Periods"])


def test_headline_shows_its_values_without_csat_report():
    bundle = rep.publish_headline({"CSAT (Mar 2017)": "62.3%", "Responses": "1,200"})._repr_mimebundle_()
    assert "62.3%" in bundle["text/html"] and "1,200" in bundle["text/html"]
    assert "object at 0x" not in bundle["text/plain"] and "_Headline" not in bundle["text/plain"]
    assert bundle[rep.HEADLINE_MIME] == {"CSAT (Mar 2017)": "62.3%", "Responses": "1,200"}


def test_plain_papermill_and_nbconvert_show_headline_values_not_a_repr(tmp_path):
    pytest.importorskip("papermill")
    from .messy_exports import write_messy_export

    data, schema = write_messy_export(tmp_path / "in", days=9, n=400)
    executed = tmp_path / "trends.ipynb"
    import papermill

    papermill.execute_notebook(str(rep.resolve_notebook("trends")), str(executed), kernel_name="python3",
                               parameters={"data_path": str(data), "schema_path": str(schema)},
                               cwd=str(rep.resolve_notebook("trends").parent), progress_bar=False)
    subprocess.run([sys.executable, "-m", "nbconvert", "--to", "html", "--no-input", str(executed)], check=True,
                   capture_output=True)
    page = executed.with_suffix(".html").read_text(encoding="utf-8")
    assert "_Headline" not in page and "object at 0x" not in page
    assert "csat-headline" in page and "Significant changes" in page
    assert "Periods" in page and "daily, chosen from the dates" in page
    assert "<table" in page  # the period table


def test_empty_sections_lose_their_heading_and_csv_names_are_unique(tmp_path):
    import nbformat

    out = lambda h: nbformat.v4.new_output("display_data", data={"text/html": h})  # noqa: E731
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(outputs=[out("<h2>Respondent level</h2><p>Each coefficient…</p>")]),
                nbformat.v4.new_code_cell(outputs=[]),  # the figure the data could not support: nothing
                nbformat.v4.new_code_cell(outputs=[out("<h2>By segment</h2><p>…</p>")]),
                nbformat.v4.new_code_cell(outputs=[out(f'<table><tr><td>{i}</td></tr></table><a download="table.csv" '
                                                       f'href="{i}">') for i in (1, 2)])]
    page = rep.to_html(nb, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "Respondent level" not in page and "By segment" in page
    assert page.count('download="by-segment.csv"') == 1 and page.count('download="by-segment-2.csv"') == 1


def test_index_shows_sections_and_is_readable(tmp_path):
    import os
    import stat

    result = rep.ReportResult(name="health", notebook="health", ipynb=tmp_path / "health.ipynb",
                              html=tmp_path / "health.html", ok=True, seconds=1.0,
                              sections="health: 1 of 5 sections; needs columns.customer_id, outcomes")
    old = os.umask(0o022)
    try:
        path = rep.write_index([result], tmp_path)
    finally:
        os.umask(old)
    assert "health: 1 of 5 sections; needs columns.customer_id, outcomes" in path.read_text(encoding="utf-8")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # was 0600 (mkstemp)
