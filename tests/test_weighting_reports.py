"""Issue 20 in the reports: a schema with ``margins:`` weights every report to the customer base by default."""

from __future__ import annotations

import nbformat
import pytest
import yaml

from csat_analysis import load_responses, summarize
from csat_analysis import render as rep
from csat_analysis.config import NOTEBOOK_DIR, REPORT_NOTEBOOKS
from csat_analysis.datasets import SAMPLE_SCHEMA, make_sample
from csat_analysis.narrative import fmt_estimate
from csat_analysis.weighting import population_weights

#: the customer base: far more "Basic" plan customers than answered the survey
MARGINS = {"plan": {"Basic": 0.80, "Plus": 0.15, "Premium": 0.05}}


@pytest.fixture(scope="module")
def weighted_export(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weighted")
    make_sample(1500, random_state=21).to_csv(folder / "resp.csv", index=False)
    schema = {**SAMPLE_SCHEMA, "margins": MARGINS}
    schema["columns"] = {k: v for k, v in schema["columns"].items() if k != "weight"}  # no design weight
    (folder / "resp.yml").write_text(yaml.safe_dump(schema))
    return folder / "resp.csv", folder / "resp.yml"


def test_resolve_rakes_by_default_and_false_switches_it_off(weighted_export):
    data, _ = load_responses(*weighted_export)
    p = rep.resolve(data, weights=None)
    assert hasattr(p.weights, "weights_for") and p.weights.by == ["plan"]
    assert rep.resolve(data, weights=False).weights is None
    shares = p.weights.table.set_index("level")["weighted_share"]
    assert shares["Basic"] == pytest.approx(0.80, abs=1e-8)


@pytest.mark.parametrize("notebook", [pytest.param(n, marks=() if n in ("overview", "trends") else (pytest.mark.slow,))
                                      for n in REPORT_NOTEBOOKS if (NOTEBOOK_DIR / f"{n}.ipynb").is_file()])
def test_every_report_runs_weighted_to_the_customer_base(tmp_path, weighted_export, notebook):
    data, schema = weighted_export
    result = rep.run_report(notebook, data=data, schema=schema, out=tmp_path)
    assert result.ok, result.error
    text = result.html.read_text()
    assert "Weighting" in text and "Raked to the customer base" in text
    if notebook == "overview":  # the headline is the raked estimate (calibration-aware), not the unweighted one
        frame, _ = load_responses(data, schema)
        raked = summarize(frame, metrics="csat", weights=population_weights(frame)).iloc[0]
        plain = summarize(frame, metrics="csat").iloc[0]
        want = fmt_estimate("csat", raked["score"], raked["ci_low"], raked["ci_high"])
        assert result.headline["CSAT (top-box %)"] == want
        assert want != fmt_estimate("csat", plain["score"], plain["ci_low"], plain["ci_high"])
        assert "Weights: raked to the customer base" in text  # the header writes parameters in words (issue 28)
        # "Who answered": customers, respondents and weighted respondents per level, as a table and a chart
        assert "Who answered" in text and "Respondents, weighted" in text and "80.0%" in text
        nb = nbformat.read(result.ipynb, as_version=4)
        chart = next(c for c in nb.cells if c.source.startswith("result.plot_who_answered"))
        assert any("image/png" in o.get("data", {}) for o in chart.outputs)


def test_overview_without_a_customer_base_says_how_to_add_one(tmp_path, weighted_export):
    data, schema = weighted_export
    raw = yaml.safe_load(schema.read_text())
    raw.pop("margins")
    plain = tmp_path / "plain.yml"
    plain.write_text(yaml.safe_dump(raw))
    result = rep.run_report("overview", data=data, schema=plain, out=tmp_path)
    assert result.ok, result.error
    text = result.html.read_text()
    assert "describes no customer base" in text and "Raked to the customer base" not in text


def test_header_uses_the_reports_raking_not_a_second_one(weighted_export, monkeypatch):
    """The header's weighted headline is the report's (the whole export raked, the segment a domain of it);
    before, the header raked the selection again on its own (the segment to the whole base's margins)."""
    from csat_analysis import metrics, weighting

    data, _ = load_responses(*weighted_export)
    p = rep.resolve(data, weights=None)
    view = rep.select(data, segment_column="region", segment=data["region"].iloc[0])

    def no_second_raking(*args, **kwargs):
        raise AssertionError("header_note raked the export a second time")

    monkeypatch.setattr(weighting, "population_weights", no_second_raking)
    text = weighting.header_note(view, weights=p.weights)
    expected = metrics.csat(view, weights=p.weights).score
    assert f"{expected:.1f}%" in text
    html = rep.header("t", data=view, parameters={"weights": p.weights})._repr_html_()
    assert f"{expected:.1f}%" in html
