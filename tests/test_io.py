"""The loader: schema features, survey-platform quirks, real exports, and no row ever lost."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csat_analysis import DataError, SchemaError, load_responses, nps, read_schema, summarize
from csat_analysis.io import parse_dates

from .conftest import realdata

SCHEMAS = __import__("pathlib").Path(__file__).parent / "schemas"


def accounted(report):
    assert report.rows_read == report.rows_kept + report.rows_excluded
    assert report.rows_excluded == sum(v["count"] for v in report.excluded.values())


# --------------------------------------------------------------------------- real exports (../shared/realdata)


def test_bank_nps_by_market_and_month():
    folder = realdata("bank_nps_2021")
    df, report = load_responses(folder / "NPStimeseries Updated.csv", SCHEMAS / "bank_nps_2021.yml")
    accounted(report)
    assert report.rows_kept == 5000
    assert "customer_name" not in df.columns
    # the built-in oracle: the month column agrees with the day-first parse on every row
    assert (df["date"].dt.month == df["month"]).all()
    overall = nps(df, ci_method="wald")
    assert overall.score == pytest.approx(11.80, abs=1e-4)
    assert overall.se == pytest.approx(1.2583, abs=1e-4)
    assert (overall.ci_low, overall.ci_high) == pytest.approx((9.334, 14.266), abs=1e-3)
    by = summarize(df, metrics="nps", by="market", ci_method="wald").set_index("market")
    expected = {"MEX": (1649, 17.1013, 2.1456), "UK": (1720, 8.4884, 2.1375), "US": (1631, 9.9326, 2.2510)}
    for market, (n, score, se) in expected.items():
        assert by.loc[market, "n"] == n
        assert by.loc[market, "score"] == pytest.approx(score, abs=1e-4)
        assert by.loc[market, "se"] == pytest.approx(se, abs=1e-4)
    monthly = summarize(df, metrics="nps", freq="M")
    assert monthly["score"].round(4).tolist() == pytest.approx(
        [13.2558, 10.0503, 19.0594, 9.4629, 15.8730, 8.7282, 9.7252, 9.5349, 10.4762, 8.3333, 12.0192, 15.0000],
        abs=1e-4)
    assert monthly["n"].tolist() == [430, 398, 404, 391, 441, 401, 473, 430, 420, 396, 416, 400]
    quarterly = summarize(df, metrics="nps", freq="Q")
    assert quarterly["score"].tolist() == pytest.approx([14.12, 11.52, 9.90, 11.80], abs=0.005)


def test_bank_dates_inferred_day_first_without_schema_hint():
    folder = realdata("bank_nps_2021")
    schema = read_schema(SCHEMAS / "bank_nps_2021.yml").to_dict()
    schema["columns"]["date"] = {"column": "survey_date"}
    df, report = load_responses(folder / "NPStimeseries Updated.csv", schema)
    assert (df["date"].dt.month == df["month"]).all()
    assert any("day-first" in w for w in report.warnings)


def test_pwc_call_center_csat():
    folder = realdata("pwc_call_center_csat")
    df, report = load_responses(folder / "01 Call-Center-Dataset.xlsx", SCHEMAS / "pwc_call_center_csat.yml")
    accounted(report)
    assert (report.rows_read, report.rows_kept) == (5000, 4054)
    assert report.excluded["missing_score"]["count"] == 946
    assert set(report.excluded) == {"missing_score"}
    assert df["date"].min() == pd.Timestamp("2021-01-01") and df["date"].max() == pd.Timestamp("2021-03-31")
    assert df["AvgTalkDuration"].iloc[0] == pd.Timedelta(seconds=143)
    overall = summarize(df, metrics=["csat_mean", "csat"]).set_index("metric")
    assert overall.loc["csat_mean", "score"] == pytest.approx(3.4036, abs=1e-4)
    assert overall.loc["csat", "score"] == pytest.approx(49.901, abs=1e-3)
    monthly = summarize(df, metrics=["csat_mean", "csat"], freq="M")
    means = monthly[monthly.metric == "csat_mean"]
    tops = monthly[monthly.metric == "csat"]
    assert means["n"].tolist() == [1455, 1298, 1301]
    assert means["score"].tolist() == pytest.approx([3.454, 3.378, 3.373], abs=5e-4)
    assert tops["score"].tolist() == pytest.approx([50.241, 50.539, 48.885], abs=5e-4)
    agents = summarize(df, metrics="csat_mean", by="Agent").set_index("Agent")["score"]
    assert agents["Martha"] == pytest.approx(3.471, abs=5e-4) and agents["Joe"] == pytest.approx(3.331, abs=5e-4)


def test_ba_airline_reviews():
    folder = realdata("ba_airline_reviews")
    df, report = load_responses(folder / "BA_AirlineReviews.csv", SCHEMAS / "ba_airline_reviews.yml")
    accounted(report)
    assert (report.rows_read, report.rows_kept) == (3701, 3696)
    assert "Name" not in df.columns
    assert df["date"].min() == pd.Timestamp("2011-10-09") and df["date"].max() == pd.Timestamp("2023-11-19")
    yearly = summarize(df, metrics="csat_mean", freq="Y").set_index("period")["score"]
    expected = {"2014": 5.950, "2015": 5.467, "2016": 4.986, "2017": 3.848, "2018": 4.318, "2019": 4.764,
                "2020": 4.337, "2021": 4.299, "2022": 3.995, "2023": 3.193}
    for year, value in expected.items():
        assert yearly[year] == pytest.approx(value, abs=5e-4)
    assert "2013" not in yearly.index  # no rows that year: summarize shows only periods with data
    seat = summarize(df, metrics="csat_mean", by="SeatType").set_index("SeatType")["score"]
    assert seat["First Class"] == pytest.approx(6.028, abs=5e-4)
    assert seat["Business Class"] == pytest.approx(5.119, abs=5e-4)
    assert seat["Premium Economy"] == pytest.approx(4.875, abs=5e-4)
    assert seat["Economy Class"] == pytest.approx(4.328, abs=5e-4)
    # NPS-style on the 1-10 rating: 9-10 vs 1-6
    as_nps, _ = load_responses(folder / "BA_AirlineReviews.csv", {"metrics": {"nps": {"column": "OverallRating"}}})
    e = nps(as_nps)
    assert (e.n, round(e.score, 2)) == (3696, -46.89)


# --------------------------------------------------------------------------- encodings, delimiters, platforms

CSV = "id,date,csat,segment\n1,2024-01-05,5,Café\n2,2024-01-06,3,Thé\n3,2024-02-01,4,Café\n"
SCHEMA = {"columns": {"response_id": "id", "date": "date", "segments": ["segment"]},
          "metrics": {"csat": {"column": "csat"}}}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_encodings_and_delimiters(tmp_path, encoding, sep):
    path = tmp_path / "export.csv"
    path.write_bytes(CSV.replace(",", sep).encode(encoding))
    df, report = load_responses(path, SCHEMA)
    assert report.rows_kept == 3
    assert df["segment"].tolist() == ["Café", "Thé", "Café"]
    assert df["csat"].tolist() == [5, 3, 4]


def test_qualtrics_extra_header_rows(tmp_path):
    text = ('ResponseId,StartDate,Q1,Q2\n'
            '"Response ID","Start Date","How satisfied were you?","How likely are you to recommend us?"\n'
            '"{""ImportId"":""_recordId""}","{""ImportId"":""startDate""}","{""ImportId"":""QID1""}","{""ImportId"":""QID2""}"\n'
            'R_1,2024-03-01 10:00:00,5,9\nR_2,2024-03-02 11:30:00,2,3\n')
    path = tmp_path / "qualtrics.csv"
    path.write_text(text, encoding="utf-8")
    df, report = load_responses(path, {"columns": {"response_id": "ResponseId", "date": "StartDate"},
                                       "metrics": {"csat": "Q1", "nps": "Q2"}})
    accounted(report)
    assert report.rows_kept == 2
    assert report.excluded["metadata_row"]["count"] == 2
    assert df["nps"].tolist() == [9, 3]


def test_excel_text_dates_and_time_cells(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "calls.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Date", "Time", "Rating"])
    ws.append(["2021-01-01", dt.time(9, 15, 0), 4.0])  # a text date, as survey tools export them
    ws.append(["2021-01-02", dt.time(10, 0, 30), None])
    ws.append([dt.datetime(2021, 1, 3), dt.time(23, 59, 59), 5.0])  # a real Excel date cell
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=2):
        row[0].number_format = "h:mm:ss"
    wb.save(path)
    df, report = load_responses(path, {"columns": {"date": "Date", "extra": ["Time"]}, "metrics": {"csat": "Rating"}})
    assert report.rows_kept == 2 and report.excluded["missing_score"]["count"] == 1
    assert df["date"].tolist() == [pd.Timestamp("2021-01-01"), pd.Timestamp("2021-01-03")]
    assert df["Time"].tolist() == [pd.Timedelta("09:15:00"), pd.Timedelta("23:59:59")]
    assert str(df["csat"].dtype) == "Int64"


def test_parquet_and_dataframe_sources(tmp_path):
    frame = pd.DataFrame({"csat": [5.0, 4.0, np.nan], "nps": [10, 3, 8]})
    path = tmp_path / "x.parquet"
    frame.to_parquet(path)
    df, report = load_responses(path, {"metrics": {"csat": "csat", "nps": "nps"}})
    assert report.rows_kept == 3  # a row missing CSAT still counts for NPS
    assert df["csat"].isna().sum() == 1 and df["nps"].tolist() == [10, 3, 8]
    df2, _ = load_responses(frame, {"metrics": {"csat": "csat", "nps": "nps"}})
    pd.testing.assert_frame_equal(df.drop(columns="response_id"), df2.drop(columns="response_id"))


def test_ambiguous_mixed_date_orders_are_reported():
    with pytest.raises(DataError, match="ambiguous.*'25/12/2021' is day-first but '12/25/2021' is month-first"):
        parse_dates(pd.Series(["25/12/2021", "12/25/2021"]))
    parsed, notes = parse_dates(pd.Series(["3/4/2021", "5/6/2021"]))
    assert notes and "could be day-first or month-first" in notes[0]


def test_declared_day_first_rejects_impossible_values():
    parsed, _ = parse_dates(pd.Series(["13/01/2021", "01/13/2021"]), dayfirst=True)
    assert parsed.iloc[0] == pd.Timestamp("2021-01-13") and pd.isna(parsed.iloc[1])


def test_labels_missing_codes_floats_and_none_literal(tmp_path):
    text = ("id,sat,offer,heard\n"
            "1,  very SATISFIED ,None,Email;TV\n"
            "2,Very dissatisfied,Spring,\n"
            "3,4.0,None,TV\n"
            "4,N/A,Spring,Email\n"
            "5,4.5,None,Friend\n"
            "6,Meh,None,TV\n")
    path = tmp_path / "labels.csv"
    path.write_text(text)
    schema = {"columns": {"response_id": "id"},
              "metrics": {"csat": {"column": "sat", "labels": {"Very satisfied": 5, "Very dissatisfied": 1}}},
              "campaigns": [{"name": "promo", "column": "offer", "control": "None"},
                            {"name": "heard", "column": "heard", "delimiter": ";"}]}
    df, report = load_responses(path, schema)
    accounted(report)
    assert df["csat"].tolist() == [5, 1, 4]
    assert df["promo"].tolist() == [False, True, False]
    assert df["heard_email"].iloc[0] and not df["heard_email"].iloc[2]
    assert df["heard_tv"].iloc[0] and df["heard_tv"].iloc[2]
    assert pd.isna(df["heard_friend"].iloc[1])  # blank multi-select answer stays missing
    assert {k: v["count"] for k, v in report.excluded.items()} == {
        "missing_score": 1, "non_integer": 1, "unknown_label": 1}
    assert report.excluded["unknown_label"]["examples"][0] == {"row": 6, "column": "sat", "value": "Meh"}


def test_none_is_missing_only_when_listed(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("sat,offer\n5,None\n4,Promo\n")
    schema = {"metrics": {"csat": "sat"}, "campaigns": [{"name": "promo", "column": "offer", "exposed": ["Promo"]}],
              "missing_values": ["", "None"]}
    df, _ = load_responses(path, schema)
    assert pd.isna(df["promo"].iloc[0]) and df["promo"].iloc[1]


def test_bad_value_in_one_metric_keeps_the_row():
    raw = pd.DataFrame({"csat": ["5", "9", "x"], "nps": ["10", "7", ""]})
    df, report = load_responses(raw, {"metrics": {"csat": "csat", "nps": "nps"}})
    assert report.rows_kept == 2 and report.excluded["unknown_label"]["count"] == 1
    assert pd.isna(df["csat"].iloc[1]) and df["nps"].iloc[1] == 7
    assert report.value_issues["out_of_range"]["count"] == 1


def test_lower_is_better_ces_is_reoriented():
    raw = pd.DataFrame({"effort": [1, 5, 2]})
    df, _ = load_responses(raw, {"metrics": {"ces": {"column": "effort", "scale": [1, 5], "higher_is_better": False}}})
    assert df["ces"].tolist() == [5, 1, 4]


def test_inferred_schema_is_printed_and_reloadable(tmp_path):
    raw = pd.DataFrame({"Response ID": ["a", "b", "c", "d"], "Survey Date": ["2024-01-01"] * 4,
                        "Overall satisfaction": [5, 4, 3, 2], "Likelihood to recommend": [10, 9, 3, 7],
                        "Region": ["N", "S", "N", "S"]})
    df, report = load_responses(raw)
    assert report.schema_inferred
    assert report.schema.metrics["csat"].column == "Overall satisfaction"
    assert report.schema.metrics["nps"].column == "Likelihood to recommend"
    assert report.schema.date.column == "Survey Date" and report.schema.response_id == "Response ID"
    path = tmp_path / "schema.yml"
    path.write_text(report.schema.to_yaml())
    df2, _ = load_responses(raw, path)
    pd.testing.assert_frame_equal(df, df2, check_like=True)


# --------------------------------------------------------------------------- bad input


def test_bad_inputs(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty.csv is empty"):
        load_responses(empty, {"metrics": {"csat": "csat"}})
    header = tmp_path / "header.csv"
    header.write_text("id,csat\n")
    with pytest.raises(DataError, match="no usable rows remain out of 0"):
        load_responses(header, {"metrics": {"csat": "csat"}})
    with pytest.raises(SchemaError, match="no column looks like a CSAT, NPS or CES score"):
        load_responses(pd.DataFrame({"a": [1], "b": ["x"]}))
    with pytest.raises(DataError, match=r"out_of_range \(2\)"):
        load_responses(pd.DataFrame({"csat": [6, 0]}), {"metrics": {"csat": "csat"}})
    with pytest.raises(DataError, match=r"unknown_label \(1\)"):
        load_responses(pd.DataFrame({"csat": ["great"]}), {"metrics": {"csat": "csat"}})
    with pytest.raises(DataError, match="does not exist"):
        load_responses(tmp_path / "nope.csv", {"metrics": {"csat": "csat"}})


def test_duplicates_weights_and_dates_are_excluded_with_reasons():
    raw = pd.DataFrame({"id": ["a", "a", "b", "c", "d", "e"], "csat": [5, 4, 3, 2, 5, 4],
                        "w": ["1", "1", "0", "-2", "x", "1.5"],
                        "when": ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "soon"]})
    schema = {"columns": {"response_id": "id", "weight": "w", "date": "when"}, "metrics": {"csat": "csat"}}
    df, report = load_responses(raw, schema)
    accounted(report)
    assert df["response_id"].tolist() == ["a"]
    counts = {k: v["count"] for k, v in report.excluded.items()}
    assert counts == {"unparseable_date": 1, "invalid_weight": 3, "duplicate_id": 1}
    assert report.excluded["duplicate_id"]["examples"][0] == {"row": 2, "column": "id", "value": "a"}


@pytest.mark.parametrize(
    "schema, match",
    [
        ({"metrics": {"csat": {"column": "Satisfaction"}}},
         "column 'Satisfaction' is not in .*Did you mean 'satisfaction'"),
        ({"metrics": {"csat": {"column": "satisfaction", "scale": [5, 1]}}}, "scale \\[5, 1\\] is impossible"),
        ({"metrics": {"csat": {"column": "satisfaction", "top_box": 9}}}, "top_box 9 must be"),
        ({"metrics": {"csat": "satisfaction"}, "colums": {}}, "unknown key 'colums'.*Did you mean 'columns'"),
        ({"metrics": {"nsp": "x"}}, "unknown key 'nsp' in metrics.*Did you mean 'nps'"),
        ({"columns": {"segments": ["region"]}}, "needs a 'metrics' section"),
    ],
)
def test_schema_errors_name_key_and_nearest(schema, match):
    raw = pd.DataFrame({"satisfaction": [5], "region": ["N"]})
    with pytest.raises(SchemaError, match=match):
        load_responses(raw, schema)


def test_report_json_shape():
    _, report = load_responses(pd.DataFrame({"csat": ["5", "", "9"]}), {"metrics": {"csat": "csat"}})
    data = json.loads(report.to_json())
    assert {"rows_read", "rows_kept", "rows_excluded", "excluded", "warnings", "schema"} <= set(data)
    assert data["excluded"]["out_of_range"] == {"count": 1, "examples": [{"row": 3, "column": "csat", "value": "9"}]}


# --------------------------------------------------------------------------- property: no row unaccounted for

cell = st.one_of(st.sampled_from(["", "NA", "None", "5", "4.0", "4.5", "11", "-1", "abc", " 3 "]),
                 st.integers(-3, 12).map(str))
dates = st.sampled_from(["2024-01-01", "2024-02-30", "", "yesterday", "2024-03-15"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", ""]), cell, cell, dates,
                          st.sampled_from(["1", "0", "", "2.5"])),
                min_size=1, max_size=30))
def test_every_row_is_kept_or_excluded_with_a_reason(rows):
    raw = pd.DataFrame(rows, columns=["id", "csat", "nps", "date", "w"])
    schema = {"columns": {"response_id": "id", "date": {"column": "date", "format": "%Y-%m-%d"}, "weight": "w"},
              "metrics": {"csat": "csat", "nps": "nps"}}
    try:
        df, report = load_responses(raw, schema)
    except DataError as exc:
        report = exc.report
        df = raw.iloc[:0]
    accounted(report)
    assert report.rows_read == len(raw)
    assert len(df) == report.rows_kept
    assert df["response_id"].is_unique if len(df) else True


def test_windows_1252_byte_beyond_the_sniffed_megabyte(tmp_path):
    path = tmp_path / "late.csv"
    rows = "".join(f"{i},4,Paris\n" for i in range(120_000))  # ~1.3 MB of plain ASCII first
    path.write_bytes(("id,csat,city\n" + rows + "999999,5,Orléans\n").encode("cp1252"))
    df, report = load_responses(path, {"columns": {"response_id": "id", "segments": ["city"]},
                                       "metrics": {"csat": "csat"}})
    assert report.rows_kept == 120_001
    assert set(df["city"].cat.categories) == {"Paris", "Orléans"}


def test_inference_reads_a_0_to_10_rating_as_nps_and_flags_names_as_pii():
    raw = pd.DataFrame({"id": ["1", "2", "3", "4"], "rating": [0, 10, 7, 9], "customer_name": ["A", "B", "C", "D"],
                        "market": ["UK", "US", "UK", "US"]})
    df, report = load_responses(raw)
    assert report.schema.metrics["nps"].column == "rating" and "csat" not in report.schema.metrics
    assert report.schema.pii == ("customer_name",) and "customer_name" not in df.columns
    assert report.rows_kept == 4


def test_bank_export_loads_without_a_schema():
    folder = realdata("bank_nps_2021")
    df, report = load_responses(folder / "NPStimeseries Updated.csv")
    assert report.rows_kept == 5000 and "customer_name" not in df.columns
    assert (df["date"].dt.month == df["month"]).all()


def test_quoted_line_breaks_across_parser_blocks(tmp_path):
    # ~2.5 MB: pyarrow splits it into 1 MB blocks, and a boundary falls inside a quoted comment.  pyarrow's
    # faster line-split mode (newlines_in_values=False, as in a bare read_csv) silently yields a ghost row here.
    rng = np.random.default_rng(3)
    comments = np.array(['"Slow app,\nthen fine"', "ok", '"line one\n\n3,5,ghost row"', '"a ""quoted"" word"'])
    n = 100_000
    picks = rng.integers(0, len(comments), n)
    body = "".join(f"{i},{i % 5 + 1},{comments[k]}\n" for i, k in enumerate(picks))
    path = tmp_path / "multiline.csv"
    path.write_text("id,csat,comment\n" + body)
    df, report = load_responses(path, {"columns": {"response_id": "id", "comment": "comment"},
                                       "metrics": {"csat": "csat"}})
    assert report.rows_read == n and report.rows_kept == n
    expected = pd.Series(comments[picks]).str.strip('"').str.replace('""', '"')
    assert df["comment"].tolist() == expected.tolist()
    assert df["csat"].tolist() == [i % 5 + 1 for i in range(n)]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab é7 -") + ["😀"]), max_size=12), min_size=1, max_size=40),
       st.data())
def test_duplicate_ids_match_pandas(ids, data):
    from csat_analysis.io import _repeated, _text_column

    keep = np.array(data.draw(st.lists(st.booleans(), min_size=len(ids), max_size=len(ids))))
    text, missing = _text_column(pd.Series(ids, dtype=object), frozenset({""}))
    among = keep & ~missing
    expected = text.where(among).duplicated(keep="first").to_numpy() & among
    assert (_repeated(text, among) == expected).all()


def test_duplicate_ids_beyond_the_hashed_prefix_are_compared_exactly():
    from csat_analysis.io import _repeated

    prefix = "x" * 70  # the hash reads 64 bytes, so these all collide and must be compared as strings
    ids = pd.Series([prefix + s for s in "abcab"] + ["short"], dtype=pd.StringDtype("pyarrow"))
    assert _repeated(ids, np.ones(6, dtype=bool)).tolist() == [False, False, False, True, True, False]


@pytest.mark.parametrize("ids, repeated", [
    (["1", "2", "9", "10", "11", "100"], []),  # sequential numbers: ordered by (length, text)
    (["R-8", "R-9", "R-10", "R-9"], [3]),  # ordered until a repeat
    (["b", "a", "c", "a"], [3]),
    (["10", "9", "10"], [2]),
])
def test_ordered_ids_shortcut_never_hides_a_repeat(ids, repeated):
    from csat_analysis.io import _repeated

    got = _repeated(pd.Series(ids, dtype=pd.StringDtype("pyarrow")), np.ones(len(ids), dtype=bool))
    assert np.flatnonzero(got).tolist() == repeated


# ------------------------------------------------------------------------- issue 13: targets, ratings, yes/no, controls


def test_targets_are_kept_in_the_schema_and_on_the_loaded_table(tmp_path):
    schema = {"metrics": {"csat": "csat", "nps": "nps"}, "targets": {"csat": 80, "nps": 30, "csat_mean": 4.2}}
    sch = read_schema(schema)
    assert sch.targets == {"csat": 80, "nps": 30, "csat_mean": 4.2}
    assert sch.to_dict()["targets"] == {"csat": 80, "nps": 30, "csat_mean": 4.2}
    path = tmp_path / "schema.yml"
    path.write_text(sch.to_yaml())
    assert read_schema(path).targets == sch.targets  # to_yaml -> read_schema keeps them
    df, _ = load_responses(pd.DataFrame({"csat": [5, 4, 2], "nps": [10, 6, 9]}), path)
    assert df.schema["targets"] == {"csat": 80, "nps": 30, "csat_mean": 4.2}
    assert "targets" not in read_schema({"metrics": {"csat": "csat"}}).to_dict()


@pytest.mark.parametrize("targets, match", [
    ({"csta": 80}, r"unknown key 'csta' in targets.*Did you mean 'csat'"),
    ({"ces_tob": 60}, r"unknown key 'ces_tob' in targets.*Did you mean 'ces_top'"),
    ({"csat": "high"}, r"targets.csat must be a number"),
    ({"nps": True}, r"targets.nps must be a number"),
    ({"nps": [30]}, r"targets.nps must be a number"),
    ({"csat": float("nan")}, r"targets.csat must be a number"),
    ({"csat": 180}, r"targets.csat is 180, outside 0 to 100"),
    ({"nps": -130}, r"targets.nps is -130, outside -100 to 100"),
    ({"csat_mean": 80}, r"targets.csat_mean is 80, outside 1 to 5"),
    ([80], r"targets must be a mapping"),
])
def test_bad_targets_are_schema_errors(targets, match):
    with pytest.raises(SchemaError, match=match):
        read_schema({"metrics": {"csat": "csat"}, "targets": targets})


def test_ratings_are_loaded_as_numbers_under_their_source_names(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("id,overall,Seat Comfort,ValueForMoney,staff\n"
                    "a,5,4,3,5\nb,2,,1,x\nc,4,5,NA,4\n")
    schema = {"columns": {"response_id": "id", "ratings": ["Seat Comfort", "ValueForMoney", "staff"]},
              "metrics": {"csat": "overall"}}
    df, report = load_responses(path, schema)
    accounted(report)
    assert report.schema.ratings == ("Seat Comfort", "ValueForMoney", "staff")
    assert df.schema["columns"]["ratings"] == ["Seat Comfort", "ValueForMoney", "staff"]
    for col in ("Seat Comfort", "ValueForMoney", "staff"):
        assert pd.api.types.is_numeric_dtype(df[col]), col
    assert df["Seat Comfort"].tolist()[:1] == [4] and np.isnan(df["Seat Comfort"].iloc[1])
    assert np.isnan(df["ValueForMoney"].iloc[2])  # a missing-value code
    assert np.isnan(df["staff"].iloc[1]) and df["staff"].iloc[2] == 4  # "x" is not a number: missing, and said so
    assert any("'staff'" in w and "not numbers" in w and "'x'" in w for w in report.warnings)
    # the same from a DataFrame, where the values arrive as text
    df2, _ = load_responses(pd.read_csv(path, dtype=str, keep_default_na=False), schema)
    assert df2["ValueForMoney"].tolist()[:2] == [3, 1]


def test_ratings_may_not_be_pii():
    with pytest.raises(SchemaError, match=r"'Name' is listed under columns.pii and as columns.ratings"):
        read_schema({"columns": {"pii": ["Name"], "ratings": ["Name"]}, "metrics": {"csat": "csat"}})
    with pytest.raises(SchemaError, match=r"unknown key 'rating' in columns.*Did you mean 'ratings'"):
        read_schema({"columns": {"rating": ["x"]}, "metrics": {"csat": "csat"}})
    with pytest.raises(SchemaError, match=r"column 'SeatComfrt' is not in .*Did you mean 'SeatComfort'"):
        load_responses(pd.DataFrame({"csat": [5], "SeatComfort": [4]}),
                       {"columns": {"ratings": ["SeatComfrt"]}, "metrics": {"csat": "csat"}})


def test_yes_no_item_as_csat_top_box():
    raw = pd.DataFrame({"Recommended": ["yes", "no", "Yes ", "NO", "yes", None]})
    # scale [0, 1] needs no top_box: a two-point item's top box is its upper point (the share of yes)
    schema = {"metrics": {"csat": {"column": "Recommended", "scale": [0, 1], "labels": {"yes": 1, "no": 0}}}}
    assert read_schema(schema).metrics["csat"].top_box == 1
    df, report = load_responses(raw, schema)
    accounted(report)
    assert report.rows_kept == 5 and report.excluded["missing_score"]["count"] == 1
    assert summarize(df, metrics="csat").set_index("metric").loc["csat", "score"] == pytest.approx(60.0)


def test_ba_recommended_yes_no_is_a_csat_top_box():
    folder = realdata("ba_airline_reviews")
    schema = {"metrics": {"csat": {"column": "Recommended", "scale": [0, 1], "top_box": 1,
                                   "labels": {"yes": 1, "no": 0}}}}
    df, report = load_responses(folder / "BA_AirlineReviews.csv", schema)
    accounted(report)
    assert report.rows_kept == 3701
    row = summarize(df, metrics="csat").set_index("metric").loc["csat"]
    assert row["n"] == 3701 and row["score"] == pytest.approx(40.476, abs=5e-4)


def test_campaign_control_value_that_never_occurs_is_reported():
    # a join turned the answer "None" into NaN: every answered row would count as exposed
    raw = pd.DataFrame({"csat": [5, 4, 3, 2, 5, 4], "Offer": ["Spring 10%", np.nan, "Bundle", np.nan, "Spring 10%",
                                                              np.nan]})
    schema = {"metrics": {"csat": "csat"},
              "campaigns": [{"name": "spring_promo", "column": "Offer", "control": "None"}]}
    df, report = load_responses(raw, schema)
    accounted(report)
    [w] = [w for w in report.warnings if "spring_promo" in w]
    assert "'Offer'" in w and "'None'" in w and "never occurs" in w and "['Bundle', 'Spring 10%']" in w
    assert "3 missing" in w
    assert "spring_promo" in json.loads(report.to_json())["warnings"][0]
    # present (ignoring case and spaces): no warning
    raw["Offer"] = raw["Offer"].fillna(" none ")
    _, report = load_responses(raw, schema)
    assert not any("never occurs" in w for w in report.warnings)
    # many values are shortened, and an unseen 'exposed' value is reported as well
    many = pd.DataFrame({"csat": [4] * 40, "Offer": [f"offer {i}" for i in range(40)]})
    _, report = load_responses(many, {"metrics": {"csat": "csat"}, "campaigns": [
        {"name": "promo", "column": "Offer", "control": "none"},
        {"name": "promo2", "column": "Offer", "exposed": ["offer 1", "offer 99"]}]})
    control, exposed = [w for w in report.warnings if "never occurs" in w]
    assert "(40 in all)" in control and "offer 39" not in control
    assert "'offer 99'" in exposed and "'offer 1'" not in exposed.split("never occurs")[0]


def test_schema_themes_reach_the_loaded_table_and_bad_ones_are_schema_errors(tmp_path):
    from csat_analysis import SchemaError, load_responses, themes

    path = tmp_path / "c.csv"
    path.write_text("csat,comment\n" + "".join(f"{1 + i % 5},{'parcel came late' if i % 2 else 'rude staff'}\n"
                                               for i in range(40)))
    schema = {"columns": {"comment": "comment"}, "metrics": {"csat": {"column": "csat"}},
              "themes": {"delivery": ["late", "courier"], "staff": "rude"}}
    frame, _ = load_responses(path, schema)
    assert frame.schema["themes"] == {"delivery": ["late", "courier"], "staff": ["rude"]}
    result = themes(frame, discover=False)
    assert set(result.terms["theme"]) == {"delivery", "staff"}
    with pytest.raises(SchemaError, match="themes.delivery must be a list"):
        load_responses(path, {**schema, "themes": {"delivery": [3]}})
