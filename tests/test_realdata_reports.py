"""Issue 13: every report notebook on every real export in ../shared/realdata.

The user's path, as the README tells it: ``csat-report validate --data FILE
--write-schema S`` infers a schema, the user checks it and makes only the
edits listed in ``EDITS`` (each documented in README.md), then renders every
report.  Each report must succeed without a traceback, and its key numbers
must match the independently computed figures in each export's SOURCE.md.
Skipped when the shared exports are absent.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
import yaml

from csat_analysis import render as rep
from csat_analysis.cli import main
from csat_analysis.config import REPORT_NOTEBOOKS

from .conftest import REALDATA, visible_text

EXPORTS = {
    "bank_nps_2021": "NPStimeseries Updated.csv",
    "pwc_call_center_csat": "01 Call-Center-Dataset.xlsx",
    "ba_airline_reviews": "BA_AirlineReviews.csv",
    "bank_churn_satisfaction": "Customer-Churn-Records.csv",
}


def _edit_bank_nps(schema: dict) -> None:
    schema["columns"]["date"]["dayfirst"] = True  # validate warns: '25/12/2021' can only be day-first


def _edit_ba(schema: dict) -> None:
    # The 1-10 overall rating is mapped as CSAT with its own scale; the yes/no 'Recommended' answer is an
    # outcome of its own (labels), not a segment.
    schema["columns"]["segments"] = [s for s in schema["columns"]["segments"] if s != "Recommended"]


def _edit_bank_churn(schema: dict) -> None:
    # Issue 15 (README "Customer health and risk"): the risk-model features.  Complain stays in on purpose: the
    # report must name it as a leak.  Issue 27: inference maps the customer id and the churn outcome itself.
    assert schema["columns"]["customer_id"] == "CustomerId"
    assert schema["outcomes"] == {"churned": {"column": "Exited"}}
    schema["features"] = ["csat", "CreditScore", "Geography", "Gender", "Age", "Tenure", "Balance", "NumOfProducts",
                          "HasCrCard", "IsActiveMember", "EstimatedSalary", "Complain", "Card Type", "Point Earned"]


EDITS = {"bank_nps_2021": _edit_bank_nps, "ba_airline_reviews": _edit_ba, "bank_churn_satisfaction": _edit_bank_churn}

#: text that must appear in a report's HTML (SOURCE.md figures, formatted as the report formats them)
EXPECTED = {
    ("bank_nps_2021", "overview"): ["+11.8", "n = 5,000", "MEX", "+17.1", "+8.5", "+9.9"],
    ("bank_nps_2021", "trends"): ["+13.3", "+19.1", "+15.0"],
    ("pwc_call_center_csat", "overview"): ["49.9%", "4,054"],
    ("pwc_call_center_csat", "trends"): ["50.2%", "50.5%", "48.9%"],
    ("ba_airline_reviews", "correlations"): ["ValueForMoney", "SeatComfort"],
    # SOURCE.md: Pearson r (pairwise complete) of OverallRating with ValueForMoney 0.873, SeatComfort 0.740
    ("ba_airline_reviews", "correlations-pearson"): ["CSAT ~ ValueForMoney 3,695 0.87",
                                                     "CSAT ~ SeatComfort 3,580 0.74"],
    # SOURCE.md: mean OverallRating by year 2014 5.950 ... 2023 3.193
    ("ba_airline_reviews", "trends-mean-by-year"): ["2014 ", "5.95", "5.47", "4.99", "3.85", "4.32", "4.76",
                                                    "3.19"],
    ("bank_churn_satisfaction", "overview"): ["40.1%", "10,000"],
    # SOURCE.md: churn 20.03% / 21.80% / 19.64% / 20.62% / 19.81% by satisfaction 1-5 (AUC 0.504); Complain is a
    # leaked proxy of the outcome (AUC 0.998): the report says both, and quotes the model without Complain
    ("bank_churn_satisfaction", "health"): ["No detectable association between CSAT and churned", "20.0%", "21.8%",
                                            "19.6%", "20.6%", "19.8%", "AUC 0.50",
                                            "Likely leakage: Complain alone separates the outcome with AUC 0.998",
                                            "inflated by the leak", "Without Complain: AUC 0.7",
                                            "customers are in the red band"],
    # exports without a customer id or outcome: a clear "not available" report
    ("bank_nps_2021", "health"): ["The schema maps no customer id", "The schema maps no customer outcome"],
    ("pwc_call_center_csat", "health"): ["The schema maps no customer id", "The schema maps no customer outcome"],
    ("ba_airline_reviews", "health"): ["The schema maps no customer id", "The schema maps no customer outcome"],
}


def _schema_for(folder: Path, name: str) -> tuple[Path, Path]:
    data = REALDATA / name / EXPORTS[name]
    schema_path = folder / f"{name}.yml"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["validate", "--data", str(data), "--write-schema", str(schema_path)])
    assert code == 0 and schema_path.is_file()
    schema = yaml.safe_load(schema_path.read_text())
    EDITS.get(name, lambda s: None)(schema)
    schema_path.write_text(yaml.safe_dump(schema, sort_keys=False, allow_unicode=True))
    return data, schema_path


@pytest.fixture(scope="module")
def schemas(tmp_path_factory):
    """The schema of each real export, inferred once per test module (the user's edits applied)."""
    folder = tmp_path_factory.mktemp("realdata")
    cache: dict[str, tuple[Path, Path]] = {}

    def get(name: str) -> tuple[Path, Path]:
        if not (REALDATA / name).is_dir():
            pytest.skip(f"real data {name} not available at {REALDATA / name}")
        if name not in cache:
            cache[name] = _schema_for(folder, name)
        return cache[name]

    return get


#: SOURCE.md gives monthly figures: the user asks for months (the default period follows the data's span)
MONTHLY = {("pwc_call_center_csat", "trends"): {"freq": "M"}}

#: extra runs with parameters a user would pass, to check more SOURCE.md figures
EXTRA_RUNS = {
    "ba_airline_reviews": [("correlations", "correlations-pearson", {"method": "pearson"}),
                           ("trends", "trends-mean-by-year", {"metric": "csat_mean", "freq": "Y"})],
}


def _runs():
    """One render per (export, report): those checked against SOURCE.md figures run in `make test`, the rest
    (renders with no figure to check) in `make test-all`."""
    for name in EXPORTS:
        runs = [(nb, nb, {"bootstrap": 50} if nb == "drivers" else MONTHLY.get((name, nb), {}))
                for nb in REPORT_NOTEBOOKS]
        for notebook, label, parameters in runs + EXTRA_RUNS.get(name, []):
            marks = () if (name, label) in EXPECTED else (pytest.mark.slow,)
            yield pytest.param(name, notebook, label, parameters, marks=marks, id=f"{name}-{label}")


@pytest.mark.parametrize("name, notebook, label, parameters", list(_runs()))
def test_every_report_renders_on_the_real_export(schemas, tmp_path, name, notebook, label, parameters):
    data, schema = schemas(name)
    result = rep.run_report(notebook, data=data, schema=schema, out=tmp_path, name=f"{name}-{label}",
                            parameters=parameters)
    html = result.html.read_text()
    assert result.ok, f"{name}/{notebook}: cell {result.failed_cell}: {result.error}"
    assert "Traceback" not in html and not re.search(r"\w+Error\b", visible_text(html)), f"{name}/{notebook}"
    for forbidden in ("customer_name", "Surname", "rating_value", "spring_promo", "weight ="):
        assert forbidden not in html, f"{name}/{notebook} shows {forbidden!r} (a sample default or PII)"
    text = visible_text(html)
    for expected in EXPECTED.get((name, label), []):
        assert expected in text, f"{name}/{label}: {expected!r} not in the report"


