"""Schema inference (issue 13, "every report right on any export"): ratings, comments, dates, scale warnings,
and schemas written by ``csat-report validate --write-schema`` that load again, on synthetic and real exports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat_analysis import infer_schema, load_responses, read_schema
from csat_analysis.cli import main
from csat_analysis.exceptions import SchemaError

from .conftest import realdata

REAL = {
    "bank_nps_2021": "NPStimeseries Updated.csv",
    "pwc_call_center_csat": "01 Call-Center-Dataset.xlsx",
    "ba_airline_reviews": "BA_AirlineReviews.csv",
    "bank_churn_satisfaction": "Customer-Churn-Records.csv",
}
BA_RATINGS = ["SeatComfort", "CabinStaffService", "GroundService", "ValueForMoney", "Food&Beverages",
              "InflightEntertainment", "Wifi&Connectivity"]


def _customers(n=300, seed=5):
    """A bank-churn-like table: a 1-5 satisfaction score, sub-ratings, ids, flags, counts and calendar parts."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "RowNumber": np.arange(1, n + 1),
        "CustomerId": rng.permutation(np.arange(15_600_000, 15_600_000 + n)),
        "StoreId": rng.integers(1, 9, n),  # few distinct small numbers, but an identifier by name
        "Satisfaction_Score": rng.integers(1, 6, n),
        "SeatComfort": rng.integers(1, 6, n).astype(float),
        "Value for money": [str(v) for v in rng.integers(1, 6, n)],  # numbers stored as text (CSV)
        "Staff (0-10)": rng.integers(0, 11, n),
        "Exited": rng.integers(0, 2, n),
        "Complain": rng.integers(0, 2, n),
        "HasCrCard": rng.integers(0, 2, n),
        "Tenure": rng.integers(0, 11, n),
        "NumOfProducts": rng.integers(1, 5, n),
        "quarter": rng.integers(1, 5, n),
        "Half points": rng.integers(0, 9, n) / 2,  # not whole numbers
        "Balance": rng.uniform(0, 200_000, n),
        "Geography": rng.choice(["France", "Germany", "Spain"], n),
    })


# --------------------------------------------------------------------------- ratings


def test_rating_items_are_inferred_as_ratings_and_ids_flags_counts_are_not():
    sch = infer_schema(_customers())
    assert sch.metrics["csat"].column == "Satisfaction_Score" and sch.metrics["csat"].scale == (1, 5)
    assert sch.ratings == ("SeatComfort", "Value for money", "Staff (0-10)")
    for col in ("StoreId", "Complain", "HasCrCard", "Tenure", "NumOfProducts", "quarter", "Half points", "Balance"):
        assert col not in sch.ratings and col in sch.extra, col
    # issue 27: ids are never extra columns, and a churn-like 0/1 column is an outcome
    assert sch.response_id == "RowNumber" and sch.customer_id == "CustomerId"
    assert sch.outcomes["churned"].column == "Exited"
    for col in ("RowNumber", "CustomerId", "Exited"):
        assert col not in (*sch.ratings, *sch.extra), col
    assert sch.to_dict()["columns"]["ratings"] == list(sch.ratings)
    df, report = load_responses(_customers())
    assert df.schema["columns"]["ratings"] == list(sch.ratings)
    assert pd.api.types.is_numeric_dtype(df["Value for money"])


def test_attribute_names_that_sound_like_amounts_or_questions_stay_ratings():
    rng = np.random.default_rng(8)
    items = ["Price", "Waiting time", "How is the staff?", "Work-life balance", "Portion size"]
    frame = pd.DataFrame({"csat": rng.integers(1, 6, 60), **{c: rng.integers(1, 6, 60) for c in items}})
    assert infer_schema(frame).ratings == tuple(items)


def test_ratings_schema_round_trips_through_yaml(tmp_path):
    sch = infer_schema(_customers())
    path = tmp_path / "s.yml"
    path.write_text(sch.to_yaml())
    assert read_schema(path).ratings == sch.ratings


# --------------------------------------------------------------------------- scale warnings


def test_nps_inferred_from_1_to_5_answers_is_not_nps_and_says_so(capsys, tmp_path):
    # issue 27: a 1-5 "likelihood to recommend" is not read as 0-10 NPS (it gave NPS -100); without another
    # score there is no metric, and the error and the draft say how to map it
    rng = np.random.default_rng(2)
    raw = pd.DataFrame({"Likelihood to recommend": rng.integers(1, 6, 150), "region": rng.choice(["N", "S"], 150)})
    with pytest.raises(SchemaError, match=r"'Likelihood to recommend' is named like likelihood to recommend, but its "
                                          r"answers use 1-5 only; NPS needs a 0-10 scale"):
        load_responses(raw)
    path = tmp_path / "ltr.csv"
    raw.to_csv(path, index=False)
    assert main(["validate", "--data", str(path), "--write-schema", str(tmp_path / "ltr.yml")]) == 1
    assert "NPS needs a 0-10 scale" in capsys.readouterr().err
    text = (tmp_path / "ltr.yml").read_text()
    assert '"Likelihood to recommend"' in text and '"scale": [1, 5]' in text


@pytest.mark.parametrize("values, expected", [
    (np.tile([1, 2, 3, 4], 50), "only from 1 to 4"),  # the top of 1-5 never occurs in 200 answers
    (np.tile([2, 3, 4, 5], 50), "only from 2 to 5"),  # nor the bottom
    (np.array([1, 2, 3] * 10), "none reaches the top box (4-5)"),  # few answers, but below the top box
    (np.tile([0, 1, 2, 3, 4, 5], 20), "answers outside 1-5 are excluded"),
])
def test_inferred_scale_the_answers_do_not_fill_is_a_warning(values, expected):
    sch = infer_schema(pd.DataFrame({"CSAT": values}))
    [w] = sch.inference_warnings
    assert "'CSAT'" in w and expected in w and "metrics: {csat: {column: 'CSAT', scale: [" in w


def test_no_scale_warning_when_the_answers_fill_the_scale():
    assert infer_schema(pd.DataFrame({"CSAT": np.tile([1, 2, 3, 4, 5], 40)})).inference_warnings == ()
    assert infer_schema(pd.DataFrame({"CSAT": [4, 5, 2]})).inference_warnings == ()  # few answers: no judgement
    assert infer_schema(pd.DataFrame({"rating": np.tile(np.arange(11), 20)})).inference_warnings == ()


# --------------------------------------------------------------------------- comments


_REVIEWS = ["The flight was late and nobody told us why we waited", "Great crew, very comfortable seats on board",
            "Food was cold and the staff seemed tired tonight", "Lost my bag in Heathrow again, third time this year",
            "Smooth flight, friendly check-in, would fly again"]


@pytest.mark.parametrize("name", ["ReviewBody", "Review", "Remarks", "verbatim", "feedback", "comments", "open text",
                                  "Why did you give this score?", "Q7"])
def test_comment_column_is_recognised_by_name_or_content(name):
    frame = pd.DataFrame({"csat": [5, 4, 2, 1, 5] * 4, "region": ["N", "S"] * 10,
                          name: [f"{t} ({i})" for i, t in enumerate(_REVIEWS * 4)]})
    sch = infer_schema(frame)
    assert sch.comment == name
    assert name not in sch.segments


def test_the_longest_text_is_the_comment_not_the_review_header():
    frame = pd.DataFrame({"csat": [5, 4, 2, 1, 5] * 4,
                          "ReviewHeader": [f"Header {i}" for i in range(20)],
                          "ReviewBody": [f"{t} ({i})" for i, t in enumerate(_REVIEWS * 4)],
                          "Reason": ["Price", "Service"] * 10})  # a coded answer: a segment, not free text
    sch = infer_schema(frame)
    assert sch.comment == "ReviewBody"
    assert "Reason" in sch.segments


# --------------------------------------------------------------------------- dates


def test_a_complete_date_column_wins_over_a_mostly_empty_one():
    n = 50
    frame = pd.DataFrame({"csat": [4] * n,
                          "date": ["2024-01-05"] * 5 + [None] * (n - 5),
                          "created": pd.date_range("2024-01-01", periods=n).strftime("%Y-%m-%d")})
    sch = infer_schema(frame)
    assert sch.date.column == "created"
    df, report = load_responses(frame)
    assert report.rows_kept == n


def test_year_month_column_like_dateflown_is_never_the_date():
    frame = pd.DataFrame({"csat": [4, 5, 3, 2], "DateFlown": ["23-Nov", "22-Dec", "23-Nov", "14-Aug"],
                          "Datetime": ["19th November 2023", "2nd December 2022", "1st November 2023",
                                       "30th August 2014"]})
    assert infer_schema(frame).date.column == "Datetime"
    assert infer_schema(frame.drop(columns="Datetime")).date is None


def test_a_mostly_empty_date_column_alone_is_left_unmapped_with_a_warning():
    frame = pd.DataFrame({"csat": [4] * 20, "survey_date": ["2024-01-05"] * 5 + [None] * 15})
    sch = infer_schema(frame)
    assert sch.date is None
    [w] = sch.inference_warnings
    assert "'survey_date'" in w and "25%" in w and "columns.date" in w


def test_low_cardinality_name_column_is_a_segment_not_pii():
    frame = pd.DataFrame({"csat": [5, 4, 3, 2] * 5, "channel_name": ["Email", "Phone"] * 10,
                          "customer_name": [f"Person {i}" for i in range(20)]})
    sch = infer_schema(frame)
    assert "channel_name" in sch.segments and sch.pii == ("customer_name",)


# --------------------------------------------------------------------------- the four real exports


def test_ba_inferred_schema():
    path = realdata("ba_airline_reviews") / REAL["ba_airline_reviews"]
    df, report = load_responses(path)
    sch = report.schema
    assert sch.comment == "ReviewBody"
    assert sch.date.column == "Datetime"
    assert list(sch.ratings) == BA_RATINGS
    assert "Name" in sch.pii and "Name" not in df.columns
    assert "ReviewHeader" not in sch.source_columns() and "DateFlown" not in sch.source_columns()
    assert sch.response_id == "ReviewID"
    assert df["comment"].notna().sum() == 3696
    assert report.rows_read == report.rows_kept + report.rows_excluded


def test_bank_churn_inferred_schema():
    path = realdata("bank_churn_satisfaction") / REAL["bank_churn_satisfaction"]
    _, report = load_responses(path)
    sch = report.schema
    assert "Surname" in sch.pii
    assert sch.metrics["csat"].column == "Satisfaction_Score" and sch.metrics["csat"].scale == (1, 5)
    for col in ("CustomerId", "RowNumber", "Exited", "Complain", "HasCrCard", "IsActiveMember", "Tenure",
                "NumOfProducts"):
        assert col not in sch.ratings, col
    assert sch.inference_warnings == ()


@pytest.mark.parametrize("folder", list(REAL))
def test_written_schema_loads_again(capsys, tmp_path, folder):
    data = str(realdata(folder) / REAL[folder])
    out = tmp_path / "schema.yml"
    assert main(["validate", "--data", data, "--write-schema", str(out)]) == 0
    first = capsys.readouterr().out
    assert main(["validate", "--data", data, "--schema", str(out)]) == 0
    second = capsys.readouterr().out
    # the same rows kept, read through the written schema
    assert first.splitlines()[0] == second.splitlines()[0]
    written = read_schema(out)
    assert written.to_dict() == load_responses(data)[1].schema.to_dict()
