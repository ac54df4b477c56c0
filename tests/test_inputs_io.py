"""Real exports in (issue 27): multi-select questions, SPSS/Stata files, customer tables, headers not on row 1.

Fixtures are built inside each test, shaped like the exports the issue names (Google-Forms ``;`` cells,
an SPSS file with value labels and user-missing codes, a telecom customer base in several workbooks keyed
by ``Customer ID``, an e-commerce churn workbook whose header is not on row 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat_analysis import DataError, SchemaError, crosstab, load_responses
from csat_analysis.multiselect import (
    choice_columns,
    choice_shares,
    detect_multi_select,
    expand_choices,
    multi_select_columns,
    split_choices,
)

SEGMENTS = [f"Store {i:02d}" for i in range(16)]


def accounted(report):
    assert report.rows_read == report.rows_kept + report.rows_excluded
    assert report.rows_excluded == sum(v["count"] for v in report.excluded.values())


def _survey(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """A Google-Forms-like export: long question headers, a `;` multi-select, 16 stores, nine days."""
    rng = np.random.default_rng(seed)
    channels = ["Email", "Push notification", '"Deal sites (fave, iprice, etc...)"', "Friends"]
    cells = []
    for i in range(n):
        picked = [c for c in channels if rng.random() < 0.45] or ["Email"]
        if i % 97 == 5:
            picked.append(f"my cousin {i}")  # a rare write-in
        cells.append(";".join(picked))
    return pd.DataFrame({
        "Timestamp": pd.date_range("2026-11-01", periods=9, freq="D").repeat(-(-n // 9))[:n].strftime("%d/%m/%Y"),
        "Which store did you visit most recently?": rng.choice(SEGMENTS, n),
        "How did you hear about our promotions? (check all that apply)": cells,
        "Overall, how satisfied are you with your visit today?": rng.integers(1, 6, n),
    })


# --------------------------------------------------------------------------- multi-select (§3)


def test_split_keeps_quoted_and_bracketed_commas_whole():
    assert split_choices('Email;"Deal sites (fave, iprice, etc...)"; Friends') == [
        "Email", "Deal sites (fave, iprice, etc...)", "Friends"]
    assert split_choices("Deal sites (fave, iprice, etc...), Friends", sep=",") == [
        "Deal sites (fave, iprice, etc...)", "Friends"]
    assert split_choices("  ") == []


def test_detects_multi_select_but_not_segments_or_comments():
    frame = _survey()
    frame["Comment"] = [f"The staff at counter {i} were slow; the coffee was cold, sadly, and the queue was long"
                        for i in range(len(frame))]
    found = multi_select_columns(frame)
    assert found == {"How did you hear about our promotions? (check all that apply)": ";"}
    google = pd.Series(["Deal sites (fave, iprice, etc...), Friends", "Friends", "Email, Friends", "Email"] * 10)
    assert detect_multi_select(google) == ","


def test_expand_gives_one_flag_per_choice_and_rare_write_ins_as_other():
    frame = _survey()
    col = "How did you hear about our promotions? (check all that apply)"
    flags = expand_choices(frame[col], column=col, min_n=5)
    names = [k[len(col) + 2:] for k in flags]
    assert set(names) == {"Email", "Push notification", "Deal sites (fave, iprice, etc...)", "Friends", "Other"}
    assert names[-1] == "Other"
    other = flags[f"{col}: Other"]
    assert int(other.sum()) == sum("my cousin" in c for c in frame[col])
    deal = flags[f"{col}: Deal sites (fave, iprice, etc...)"]
    assert int(deal.sum()) == sum("Deal sites" in c for c in frame[col])


def test_loaded_multi_select_missing_answer_is_missing_in_every_flag():
    raw = pd.DataFrame({"id": list("abcd"), "sat": [5, 4, 3, 2],
                        "Heard via": ["Email;Push", None, "Push", "Email"]})
    flags = expand_choices(raw["Heard via"], column="Heard via", min_n=1)
    frame = pd.DataFrame(flags)
    assert frame.loc[1].isna().all()
    shares = choice_shares(frame, "Heard via")
    assert shares["base"].tolist() == [3, 3]
    assert shares["share"].sum() > 1  # shares overlap


def test_crosstab_banner_on_multi_select_one_column_per_choice_with_overlap_note():
    rng = np.random.default_rng(0)
    n = 300
    data = pd.DataFrame({"csat": rng.integers(1, 6, n)})
    data = data.assign(**expand_choices(pd.Series(rng.choice(["Email", "Email;Push", "Push;TV", "TV"], n)),
                                        column="Heard via", min_n=1))
    ct = crosstab(data, rows="csat", banner="Heard via")
    t = ct.table[ct.table["banner"] == "Heard via"]
    assert set(t["level"]) == {"Email", "Push", "TV"}
    for level in ("Email", "Push", "TV"):
        assert int(t.loc[t["level"] == level, "n"].iloc[0]) == int(data[f"Heard via: {level}"].sum())
    assert t["n"].sum() > n  # columns overlap
    assert (t["higher_than"] == "").all()
    assert "overlap" in ct.legend()


# --------------------------------------------------------------------------- header not on row 1 (§7)


def _ecomm_workbook(path, *, title: bool):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Data Dict"
    wb.active.append(["Data", "Variable", "Discription"])
    ws = wb.create_sheet("E Comm")
    ws.append([])  # an empty first row
    if title:
        ws.append(["E-commerce churn data, exported 2023-08-01"])
    ws.append(["CustomerID", "Churn", "Tenure", "PreferredLoginDevice", "SatisfactionScore"])
    for i in range(40):
        ws.append([50001 + i, i % 5 == 0, i % 12, ["Mobile Phone", "Phone", "Computer"][i % 3], 1 + i % 5])
    wb.save(path)
    return path


SCHEMA_ECOMM = {"source": {"sheet": "E Comm"},
                "columns": {"response_id": "CustomerID", "segments": ["PreferredLoginDevice"]},
                "metrics": {"csat": {"column": "SatisfactionScore"}}}


@pytest.mark.parametrize("title", [False, True])
def test_excel_header_below_empty_row_or_title_is_found(tmp_path, title):
    # old code: "E-commerce.xlsx has no header row or columns" (the empty first row was read as the header)
    path = _ecomm_workbook(tmp_path / "E-commerce.xlsx", title=title)
    df, report = load_responses(path, SCHEMA_ECOMM)
    accounted(report)
    assert report.rows_read == 40 and report.rows_kept == 40
    assert report.header_row == (3 if title else 2)
    assert f"row {report.header_row}" in str(report)
    assert any(f"header is row {report.header_row}" in w for w in report.warnings)
    assert df["csat"].tolist()[:3] == [1, 2, 3]


def test_excel_header_below_empty_row_found_without_a_schema(tmp_path):
    # old code: DataError "E-commerce.xlsx has no header row or columns"
    from openpyxl import load_workbook

    path = _ecomm_workbook(tmp_path / "E-commerce.xlsx", title=False)
    wb = load_workbook(path)
    del wb["Data Dict"]
    wb.save(path)
    df, report = load_responses(path)
    accounted(report)
    assert report.header_row == 2 and report.rows_read == 40
    assert report.schema.metrics["csat"].column == "SatisfactionScore"


def test_excel_header_row_from_the_schema(tmp_path):
    path = _ecomm_workbook(tmp_path / "E-commerce.xlsx", title=True)
    schema = {**SCHEMA_ECOMM, "source": {"sheet": "E Comm", "header_row": 3}}
    df, report = load_responses(path, schema)
    assert report.header_row == 3 and report.rows_kept == 40
    with pytest.raises(SchemaError, match="'CustomerID' is not in E-commerce.xlsx; its columns are \\['E-commerce"):
        load_responses(path, {**SCHEMA_ECOMM, "source": {"sheet": "E Comm", "header_row": 2}})


def test_csv_header_row_from_the_schema(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Survey export\nGenerated 2026-11-09\nid,score\na,5\nb,4\n", encoding="utf-8")
    df, report = load_responses(path, {"source": {"header_row": 3}, "columns": {"response_id": "id"},
                                       "metrics": {"csat": {"column": "score"}}})
    assert df["csat"].tolist() == [5, 4] and report.header_row == 3


# --------------------------------------------------------------------------- SPSS, Stata, SAS (§4)


def _spss_frame(n: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    sat = rng.integers(1, 6, n).astype(float)
    sat[:6] = 99.0  # refused
    sat[6:9] = 98.0  # don't know
    return pd.DataFrame({"respid": [f"R{i:04d}" for i in range(n)], "q1": sat,
                         "contract": rng.integers(1, 4, n).astype(float),
                         "store": rng.integers(0, 16, n).astype(float)})


SAT_LABELS = {1.0: "Very dissatisfied", 2.0: "Dissatisfied", 3.0: "Neither", 4.0: "Satisfied",
              5.0: "Very satisfied", 98.0: "Don't know", 99.0: "Refused"}
CONTRACT_LABELS = {1.0: "Month-to-month", 2.0: "One year", 3.0: "Two year"}
Q1_TEXT = "Overall, how satisfied are you with the service you received from our support team today?"


def test_spss_value_labels_user_missing_and_question_text(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    path = tmp_path / "wave3.sav"
    pyreadstat.write_sav(_spss_frame(), str(path),
                         column_labels={"q1": Q1_TEXT, "contract": "Contract type"},
                         variable_value_labels={"q1": SAT_LABELS, "contract": CONTRACT_LABELS},
                         missing_ranges={"q1": [{"lo": 98.0, "hi": 99.0}]})
    df, report = load_responses(path, {"columns": {"response_id": "respid", "segments": ["contract"]},
                                       "metrics": {"csat": {"column": "q1"}}})
    accounted(report)
    assert report.rows_read == 120
    assert report.excluded["declared_missing"]["count"] == 9
    assert report.excluded["declared_missing"]["examples"][0]["value"] == "99 (Refused)"
    assert set(df["contract"].cat.categories) == {"Month-to-month", "One year", "Two year"}
    assert report.schema.metrics["csat"].labels["very satisfied"] == 5
    assert set(df["csat"].dropna().unique()) <= {1, 2, 3, 4, 5}
    assert report.question_text["q1"] == Q1_TEXT
    assert df.schema["question_text"]["contract"] == "Contract type"


def test_zsav_and_stata_files_load_with_labels(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    frame = _spss_frame().iloc[9:]
    zsav = tmp_path / "wave3.zsav"
    pyreadstat.write_sav(frame, str(zsav), compress=True, variable_value_labels={"contract": CONTRACT_LABELS})
    dta = tmp_path / "wave3.dta"
    pyreadstat.write_dta(frame, str(dta), column_labels={"q1": Q1_TEXT[:80]},  # Stata labels: 80 characters
                         variable_value_labels={"q1": {int(k): v for k, v in SAT_LABELS.items() if k < 98},
                                                "contract": {int(k): v for k, v in CONTRACT_LABELS.items()}})
    schema = {"columns": {"response_id": "respid", "segments": ["contract"]}, "metrics": {"csat": {"column": "q1"}}}
    for path in (zsav, dta):
        df, report = load_responses(path, schema)
        accounted(report)
        assert report.rows_kept == len(frame)
        assert "Month-to-month" in set(df["contract"].astype(str))
    assert report.question_text == {"q1": Q1_TEXT[:80]}
    assert df["csat"].tolist() == frame["q1"].astype(int).tolist()


def test_unreadable_stat_file_names_the_file(tmp_path):
    path = tmp_path / "broken.sav"
    path.write_bytes(b"not an spss file at all")
    with pytest.raises(DataError, match="broken.sav"):
        load_responses(path, {"metrics": {"csat": {"column": "q1"}}})


# --------------------------------------------------------------------------- customer tables (§5)


def _telecom(tmp_path, n: int = 240, seed: int = 11):
    """A telecom base in several files keyed by `Customer ID`: survey answers (CSV), status, services and
    demographics (Excel, one with a title above the header), every file with the same `Count` column of 1s."""
    from openpyxl import Workbook

    rng = np.random.default_rng(seed)
    ids = [f"{rng.integers(1000, 9999)}-{chr(65 + i % 26)}{i:04d}" for i in range(n)]
    responses = pd.DataFrame({
        "Customer ID": ids[:200] + ["9999-XXXX", "9998-YYYY"],  # two responses without a customer
        "Satisfaction Score": rng.integers(1, 6, 202),
        "Response date": pd.date_range("2026-11-01", periods=9, freq="D").repeat(23)[:202].strftime("%Y-%m-%d"),
        "Count": 1,
    })
    responses.to_csv(tmp_path / "survey.csv", index=False)

    def book(name, columns, rows, title=None):
        wb = Workbook()
        ws = wb.active
        ws.title = "Data"
        if title:
            ws.append([title])
        ws.append(columns)
        for r in rows:
            ws.append(list(r))
        wb.save(tmp_path / name)

    contracts = rng.choice(["Month-to-Month", "One Year", "Two Year"], n, p=[0.5, 0.25, 0.25])
    book("services.xlsx", ["Customer ID", "Count", "Offer", "Contract", "Tenure in Months"],
         zip(ids, [1] * n, rng.choice(["None", "Offer A", "Offer B", "Offer E"], n), contracts,
             rng.integers(1, 72, n).tolist(), strict=True), title="Telco customer services, Q3")
    book("status.xlsx", ["Customer ID", "Count", "Churn Label", "Customer Status"],
         zip(ids, [1] * n, rng.choice(["Yes", "No"], n), rng.choice(["Stayed", "Churned", "Joined"], n), strict=True))
    book("demographics.xlsx", ["Customer ID", "Count", "Gender", "Age"],
         zip(ids, [1] * n, rng.choice(["Male", "Female"], n), rng.integers(19, 80, n).tolist(), strict=True))
    return tmp_path, responses, contracts, ids


def test_join_customers_many_to_one_with_unmatched_counted(tmp_path):
    from csat_analysis.io import join_customers

    folder, responses, contracts, ids = _telecom(tmp_path)
    tables = [{"file": str(folder / f), "on": "Customer ID"} for f in
              ("services.xlsx", "status.xlsx", "demographics.xlsx")]
    frame, facts = join_customers(responses, tables)
    assert len(frame) == len(responses)
    assert frame["Contract"].iloc[:200].tolist() == list(contracts[:200])
    assert frame["Contract"].iloc[200:].isna().all()
    on, mask = facts["unmatched"]["services.xlsx"]
    assert on == "Customer ID" and int(mask.sum()) == 2
    assert {"Offer", "Churn Label", "Gender", "Age", "Tenure in Months"} <= set(frame.columns)


def test_duplicate_customer_key_is_an_error_naming_the_keys(tmp_path):
    from csat_analysis.io import join_customers

    folder, responses, _, ids = _telecom(tmp_path)
    crm = pd.DataFrame({"Customer ID": [ids[0], ids[1], ids[1], ids[2], ids[2]], "Plan": list("ABCDE")})
    crm.to_csv(folder / "crm.csv", index=False)
    with pytest.raises(DataError, match=rf"crm.csv.*'Customer ID'.*2 key\(s\).*{ids[1]}.*{ids[2]}"):
        join_customers(responses, [{"file": str(folder / "crm.csv"), "on": "Customer ID"}])


def test_column_in_both_files_is_an_error_unless_one_wins(tmp_path):
    from csat_analysis.io import join_customers

    folder, responses, _, ids = _telecom(tmp_path)
    crm = pd.DataFrame({"Customer ID": ids, "Satisfaction Score": 3, "Count": 1})
    crm.to_csv(folder / "crm.csv", index=False)
    spec = {"file": str(folder / "crm.csv"), "on": "Customer ID"}
    with pytest.raises(SchemaError, match="'Satisfaction Score' is in both .* and crm.csv.*wins"):
        join_customers(responses, [spec])
    kept, _ = join_customers(responses, [{**spec, "wins": "responses"}])
    assert kept["Satisfaction Score"].tolist() == responses["Satisfaction Score"].tolist()
    replaced, _ = join_customers(responses, [{**spec, "wins": "customers"}])
    assert replaced["Satisfaction Score"].iloc[:200].astype(int).eq(3).all()
    # the same Count of 1s in every file is not a conflict
    join_customers(responses, [{"file": str(folder / "status.xlsx"), "on": "Customer ID"}])


def test_missing_key_column_names_the_file_and_nearest_column(tmp_path):
    from csat_analysis.io import join_customers

    folder, responses, _, _ = _telecom(tmp_path)
    with pytest.raises(SchemaError, match="'CustomerID' is not in .*Customer ID"):
        join_customers(responses, [{"file": str(folder / "status.xlsx"), "on": "CustomerID"}])


# --------------------------------------------------------------------------- through load_responses and the schema


def test_load_expands_multi_select_and_keeps_every_row(tmp_path):
    frame = _survey()
    path = tmp_path / "google_forms.csv"
    frame.to_csv(path, index=False)
    col = "How did you hear about our promotions? (check all that apply)"
    schema = {"columns": {"date": {"column": "Timestamp", "dayfirst": True},
                          "segments": ["Which store did you visit most recently?"], "multi": [col]},
              "metrics": {"csat": {"column": "Overall, how satisfied are you with your visit today?"}},
              "campaigns": [{"name": "deal_sites", "column": f"{col}: Deal sites (fave, iprice, etc...)"},
                            {"name": "heard", "column": col, "delimiter": ";"}]}  # one variant per choice
    df, report = load_responses(path, schema)
    accounted(report)
    assert report.rows_kept == len(frame)
    flags = choice_columns(df, col)
    assert f"{col}: Deal sites (fave, iprice, etc...)" in flags and flags[-1] == f"{col}: Other"
    assert col not in df.columns  # the raw cell is replaced by its flags
    assert df["deal_sites"].sum() == df[f"{col}: Deal sites (fave, iprice, etc...)"].sum()  # usable as exposure
    variants = [c for c in df.columns if c.startswith("heard_")]
    assert "heard_email" in variants and len([v for v in variants if v.startswith("heard_deal_sites")]) == 1
    shares = choice_shares(df, col)
    assert shares["share"].sum() > 1 and (shares["base"] == len(frame)).all()
    assert df.schema["columns"]["multi"] == [col]
    ct = crosstab(df, rows="csat", banner=col)
    assert len(ct.table) == 1 + len(flags)


def test_multi_select_schema_key_is_validated():
    with pytest.raises(SchemaError, match="columns.multi entry takes the keys column, sep and min_n"):
        load_responses(pd.DataFrame({"a": [1]}), {"columns": {"multi": [{"col": "a"}]}, "metrics": {"csat": "a"}})
    with pytest.raises(SchemaError, match="multi-select column 'Heard' .* not in"):
        load_responses(pd.DataFrame({"a": [1], "Heard via": ["x"]}),
                       {"columns": {"multi": ["Heard"]}, "metrics": {"csat": "a"}})


def test_customers_from_the_schema_file_join_and_weight(tmp_path):
    from csat_analysis import rake

    folder, responses, contracts, ids = _telecom(tmp_path)
    (folder / "schema.yml").write_text(
        "columns:\n  customer_id: Customer ID\n  date: Response date\n  segments: [Contract, Offer]\n"
        "metrics:\n  csat: {column: Satisfaction Score}\n"
        "outcomes:\n  churned: {column: Churn Label}\n"
        "customers:\n  - {file: services.xlsx}\n  - {file: status.xlsx, on: Customer ID}\n"
        "population: {file: services.xlsx, by: [Contract]}\n", encoding="utf-8")
    df, report = load_responses(folder / "survey.csv", folder / "schema.yml")
    accounted(report)
    assert report.rows_kept == 202  # a response without a customer keeps its row
    issue = report.value_issues["no_customer_match"]
    assert issue["count"] == 4  # two responses, not matched in either table
    assert {e["value"] for e in issue["examples"]} == {"9999-XXXX", "9998-YYYY"}
    assert any("no customer in services.xlsx" in w and "9999-XXXX" in w for w in report.warnings)
    assert df["Contract"].astype(object).iloc[:200].tolist() == list(contracts[:200])
    assert df["churned"].notna().sum() == 200
    population, _ = __import__("csat_analysis.io", fromlist=["read_table"]).read_table(folder / "services.xlsx")
    w = rake(df[df["Contract"].notna()], population, by=["Contract"])
    assert w.weights.sum() == pytest.approx(len(population))


def test_customers_duplicate_key_through_the_loader_names_file_and_keys(tmp_path):
    folder, responses, _, ids = _telecom(tmp_path)
    pd.DataFrame({"Customer ID": [ids[0], ids[0]], "Plan": ["A", "B"]}).to_csv(folder / "crm.csv", index=False)
    schema = {"columns": {"segments": ["Plan"]}, "metrics": {"csat": {"column": "Satisfaction Score"}},
              "customers": {"file": str(folder / "crm.csv"), "on": "Customer ID"}}
    with pytest.raises(DataError, match=f"crm.csv: the key column 'Customer ID' holds 1 key.*{ids[0]}"):
        load_responses(folder / "survey.csv", schema)
    with pytest.raises(SchemaError, match="customers.wins must be 'customers'"):
        load_responses(folder / "survey.csv", {**schema, "customers": {"file": "crm.csv", "on": "Customer ID",
                                                                        "wins": "crm"}})


def test_find_header_row_edge_cases():
    from csat_analysis.io import find_header_row

    assert find_header_row([(None,), ("Title",), ("id",), ("a",)]) == 1  # a one-column table under a blank row
    assert find_header_row([(2021, 2022, 2023), (1, 2, 3)]) == 0  # numbers for names: row 1 as before
    assert find_header_row([("Report", None, None, None), (None, None, None, None),
                            ("id", "score", 7, "seg"), ("a", 5, 1, "x")]) == 2  # mostly text
    assert find_header_row([]) == 0


def test_a_multi_select_question_is_not_also_a_segment():
    from csat_analysis import read_schema

    with pytest.raises(SchemaError, match="'Heard via' is under both columns.multi and columns.segments"):
        read_schema({"columns": {"multi": ["Heard via"], "segments": ["Heard via"]}, "metrics": {"csat": "x"}})
    schema = read_schema({"columns": {"multi": ["Heard via", {"column": "Sites", "sep": ","}]},
                          "source": {"header_row": 2}, "metrics": {"csat": "x"},
                          "customers": [{"file": "/data/crm.xlsx", "on": "Customer ID", "wins": "customers"}]})
    again = read_schema(schema.to_dict())  # the keys survive a round trip (validate --write-schema)
    assert again.multi == schema.multi and again.customers == schema.customers and again.header_row == 2


def test_inference_maps_a_multi_select_question_and_loading_expands_it(tmp_path):
    """Issue 27 §3: a Google-Forms 'check all that apply' column is inferred under columns.multi (not as a segment
    with one level per combination), and the inferred schema loads it as one flag per choice."""
    import yaml

    from csat_analysis import infer_schema, load_responses

    rng = np.random.default_rng(7)
    channels = ["Email", "Push notification", "Deal sites (fave, iprice, etc...)", "Friends"]
    picks = [";".join(c for c in channels if rng.random() < 0.45) or "Email" for _ in range(200)]
    frame = pd.DataFrame({
        "Timestamp": pd.date_range("2023-07-10", periods=200, freq="h").strftime("%d/%m/%Y %H:%M"),
        "How satisfied are you with our app?": rng.integers(1, 6, 200),
        "Your region": rng.choice(["North", "South", "East"], 200),
        "How did you hear about our promotions?": picks,
    })
    path = tmp_path / "forms.csv"
    frame.to_csv(path, index=False)
    schema = infer_schema(pd.read_csv(path))
    columns = schema.to_dict()["columns"]
    assert columns["multi"] == ["How did you hear about our promotions?"]
    assert "How did you hear about our promotions?" not in columns.get("segments", [])
    (tmp_path / "s.yml").write_text(yaml.safe_dump(schema.to_dict(), allow_unicode=True))
    data, report = load_responses(path, tmp_path / "s.yml")
    flags = [c for c in data.columns if c.startswith("How did you hear about our promotions?: ")]
    assert "How did you hear about our promotions?: Deal sites (fave, iprice, etc...)" in flags
    assert report.rows_read == report.rows_kept + report.rows_excluded
