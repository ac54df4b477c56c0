"""Issue 13: reports right on any export, not just the bundled sample.

Defaults come from the schema, sections the data cannot support say why, parameters naming absent columns
fail before any kernel starts, and fixed prose follows the schema's scales.
"""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest
import yaml

from csat_analysis import render as rep
from csat_analysis.config import NOTEBOOK_DIR, REPORT_NOTEBOOKS, SAMPLE_DATA, SAMPLE_SCHEMA_FILE
from csat_analysis.datasets import make_sample
from csat_analysis.exceptions import ParameterError, ReportError

from .conftest import run_cli as run
from .conftest import visible_text


@pytest.fixture(scope="module")
def plain_export(tmp_path_factory):
    """An export unlike the sample: NPS only, 1-7 CSAT-free, no weights, no campaign, other segment names."""
    folder = tmp_path_factory.mktemp("plain")
    frame = make_sample(900, random_state=11)
    out = pd.DataFrame({"id": frame["response_id"], "when": frame["submitted"], "market": frame["region"],
                        "rating": frame["likelihood_to_recommend"]})
    out.to_csv(folder / "plain.csv", index=False)
    schema = {"columns": {"response_id": "id", "date": {"column": "when"}, "segments": ["market"]},
              "metrics": {"nps": {"column": "rating", "scale": [0, 10]}}}
    (folder / "plain.yml").write_text(yaml.safe_dump(schema))
    return folder / "plain.csv", folder / "plain.yml"


@pytest.fixture(scope="module")
def undated_export(tmp_path_factory):
    """CSAT on a 1-7 scale with top box 6, no dates, one segment."""
    folder = tmp_path_factory.mktemp("undated")
    frame = make_sample(600, random_state=12)
    out = pd.DataFrame({"sat": (frame["satisfaction"].astype(float) * 1.5).round().clip(1, 7).astype("Int64"),
                        "Geography": frame["region"]})
    out.to_csv(folder / "undated.csv", index=False)
    schema = {"columns": {"segments": ["Geography"]},
              "metrics": {"csat": {"column": "sat", "scale": [1, 7], "top_box": 6}}}
    (folder / "undated.yml").write_text(yaml.safe_dump(schema))
    return folder / "undated.csv", folder / "undated.yml"


def test_notebook_parameters_that_name_data_default_to_none():
    names = ("weights", "segment_column", "breakdown", "facet_by", "campaign", "outcomes", "controls", "drivers",
             "metric", "outcome", "heat_metric", "target", "items")
    for notebook in REPORT_NOTEBOOKS:
        defaults = rep.notebook_parameters(NOTEBOOK_DIR / f"{notebook}.ipynb")
        for name in names:
            if name in defaults:
                assert defaults[name] is None, f"{notebook}: {name} = {defaults[name]!r} fits only the sample"


def test_resolve_takes_defaults_from_the_schema():
    import csat_analysis as ca

    frame, _ = ca.load_responses(SAMPLE_DATA, SAMPLE_SCHEMA_FILE)
    p = rep.resolve(frame, weights=None, segment_column=None, facet_by=None, metric=None, target=None,
                    campaign=None, outcomes=None, controls=None, items=None)
    assert p.weights == "weight" and p.segment_column == "region" and p.facet_by == "region"
    assert p.metric == "csat" and p.campaign == "spring_promo" and p.outcomes == ["csat", "nps", "ces"]
    assert p.controls == "C(channel) + C(plan)" and p.items == ["csat", "nps", "ces"]
    off = rep.resolve(frame, weights=False, facet_by=False, target=False)
    assert off.weights is None and off.facet_by is None and off.target is None
    chosen = rep.resolve(frame, segment_column="region", segment="North", facet_by=None)
    assert chosen.facet_by == "channel", "the selected segment column is not a facet"
    with pytest.raises(ParameterError, match="'weights' names the column 'wieght'.*Did you mean 'weight'"):
        rep.resolve(frame, weights="wieght")


#: what a report says when the export lacks what it needs (these run in `make test`; the others in test-all)
NOT_AVAILABLE = {"campaign_effects": "The schema names no campaign",
                 "correlations": "Correlations need two or more rated items",
                 "drivers": "The schema lists no attribute ratings"}


@pytest.mark.parametrize("notebook", [pytest.param(n, marks=() if n in NOT_AVAILABLE else (pytest.mark.slow,))
                                      for n in REPORT_NOTEBOOKS])
def test_report_on_an_export_without_weights_or_campaign_works(tmp_path, plain_export, notebook):
    data, schema = plain_export
    result = rep.run_report(notebook, data=data, schema=schema, out=tmp_path,
                            parameters={"bootstrap": 20} if notebook == "drivers" else None)
    assert result.ok, (notebook, result.error)
    html = result.html.read_text()
    text = visible_text(html)
    assert "Traceback" not in text and "weights = weight" not in text and "Weights: weight" not in text, notebook
    assert NOT_AVAILABLE.get(notebook, "") in html
    assert "spring_promo" not in html


def test_sections_without_dates_say_why_and_prose_follows_the_scale(tmp_path, undated_export):
    data, schema = undated_export
    result = rep.run_report("trends", data=data, schema=schema, out=tmp_path)
    assert result.ok, result.error
    text = result.html.read_text()
    assert text.count("This export has no usable dates") >= 3  # period by period, by segment, week by week
    result = rep.run_report("overview", data=data, schema=schema, out=tmp_path)
    assert result.ok, result.error
    text = result.html.read_text()
    assert "top two boxes (6–7 on a 1–7 scale)" in text and "4–5 of 5" not in text
    assert "The schema maps no comment column" in text


@pytest.mark.parametrize("param, value, message", [
    ("weights", "wieght", "'weights' names the column 'wieght'"),
    ("segment_column", "regoin", "'segment_column' names the column 'regoin'"),
    ("facet_by", "nope", "'facet_by' names the column 'nope'"),
    ("campaign", "autumn", "not a campaign of the schema"),
])
def test_a_parameter_naming_an_absent_column_fails_before_any_kernel(capsys, tmp_path, param, value, message):
    notebook = {"facet_by": "trends", "campaign": "campaign_effects"}.get(param, "overview")
    code, _, err = run(capsys, "run", notebook, "--data", str(SAMPLE_DATA), "--schema", str(SAMPLE_SCHEMA_FILE),
                       "--out", str(tmp_path), "-p", param, value)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not list(tmp_path.glob("*.html")), "no kernel was started"


def test_dates_as_parameters_work(tmp_path, plain_export):
    data, schema = plain_export
    frame = pd.read_csv(data)
    start = sorted(frame["when"])[len(frame) // 2]
    result = rep.run_report("overview", data=data, schema=schema, out=tmp_path,
                            parameters=rep.plain_parameters({"start": pd.Timestamp(start).date()}))
    assert result.ok, result.error
    assert f"From: {start}" in result.html.read_text()  # the header writes parameters in words (issue 28)


@pytest.mark.slow
def test_batch_whose_reports_all_fail_the_same_way_stops_early(tmp_path, plain_export):
    data, schema = plain_export
    nb = nbformat.read(NOTEBOOK_DIR / "overview.ipynb", as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell("raise RuntimeError('the same for every segment')"))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, broken)
    frame = pd.read_csv(data)
    assert frame["market"].nunique() > rep.SAME_FAILURE_STOP
    with pytest.raises(ReportError, match="all failed the same way.*the same for every segment"):
        rep.run_batch(broken, data=data, schema=schema, by="market", out=tmp_path / "out", workers=1, progress=False)
    index = (tmp_path / "out" / "index.html").read_text()
    assert "not run" in index and len(re.findall(r"the same for every segment", index)) == rep.SAME_FAILURE_STOP


def test_write_schema_saves_a_commented_schema_that_loads_again(capsys, tmp_path, plain_export):
    data, _ = plain_export
    target = tmp_path / "inferred.yml"
    code, _, err = run(capsys, "validate", "--data", str(data), "--write-schema", str(target))
    assert code == 0 and target.is_file() and "Schema written" in err
    assert target.read_text().startswith("# Schema for plain.csv")
    code, out, _ = run(capsys, "validate", "--data", str(data), "--schema", str(target))
    assert code == 0 and "900 rows read, 815 kept, 85 excluded" in out  # blank ratings, reported
    code, _, err = run(capsys, "validate", "--data", str(data), "--write-schema", str(target))
    assert code == 2 and "--force" in err


def test_header_shows_the_load_warnings(tmp_path):
    import csat_analysis as ca

    path = tmp_path / "x.csv"
    path.write_text("id,nps,region\n" + "".join(f"{i},{1 + i % 5},{'NS'[i % 2]}\n" for i in range(200)))
    frame, report = ca.load_responses(path)
    assert any("nps" in w and "1" in w for w in report.warnings)
    text = repr(rep.header("Title", data=frame, load_report=report))
    assert "Check" in text and any(w[:60] in text for w in report.warnings)


def test_a_bad_parameter_is_refused_without_loading_the_heavy_libraries():
    """The pre-kernel check imports neither papermill nor matplotlib/seaborn/scikit-learn (the 1 s target)."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from csat_analysis.cli import main\n"
        f"status = main(['run', 'trends', '--data', {str(SAMPLE_DATA)!r}, '--schema', {str(SAMPLE_SCHEMA_FILE)!r},"
        " '-p', 'facet_by', 'nope'])\n"
        "heavy = [m for m in ('papermill', 'nbformat', 'matplotlib', 'seaborn', 'sklearn', 'statsmodels')"
        " if m in sys.modules]\n"
        "print(status, heavy)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "2 []", proc.stdout + proc.stderr
    assert "'facet_by' names the column 'nope'" in proc.stderr
