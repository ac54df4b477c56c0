"""Security review (issue 18): PII, resource exhaustion and hostile files in the loader and the schema.

The tests for inputs that once took gigabytes or minutes run the loader in a child process with a memory
limit and a timeout, so that a regression fails the test instead of taking the machine down.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from csat_analysis import DataError, SchemaError, load_responses, read_schema
from csat_analysis._utils import shorten
from csat_analysis.schema import infer_schema


def accounted(report):
    assert report.rows_read == report.rows_kept + report.rows_excluded
    assert report.rows_excluded == sum(v["count"] for v in report.excluded.values())


def run_limited(code: str, *, seconds: float = 60, memory_mb: int = 2500) -> dict:
    """Run ``code`` in a fresh interpreter with an address-space limit; return the JSON it prints last.

    The code sets ``result`` (a dict); the wrapper adds the wall time of the code and its peak RSS growth.
    """
    script = textwrap.dedent("""
        import json, resource, time
        import csat_analysis
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        result = {}
        try:
        %s
        except Exception as exc:
            result["error"] = type(exc).__name__
            result["message"] = str(exc)
        result["seconds"] = time.perf_counter() - start
        result["grew_mb"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024
        print(json.dumps(result))
    """) % textwrap.indent(textwrap.dedent(code), "    ")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))

    proc = subprocess.run([sys.executable, "-c", script], preexec_fn=limit, capture_output=True, text=True,
                          timeout=seconds)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- a. PII and other roles

BASE = {"columns": {"response_id": "id", "pii": ["email"]}, "metrics": {"csat": "csat"}}


@pytest.mark.parametrize("role, schema", [
    ("columns.segments", {"columns": {"segments": ["email"]}}),
    ("columns.comment", {"columns": {"comment": "email"}}),
    ("columns.response_id", {"columns": {"response_id": "email"}}),
    ("columns.date", {"columns": {"date": {"column": "email"}}}),
    ("columns.weight", {"columns": {"weight": "email"}}),
    ("columns.extra", {"columns": {"extra": ["email"]}}),
    ("metrics.nps", {"metrics": {"csat": "csat", "nps": "email"}}),
    ("campaigns[0].column", {"campaigns": [{"name": "promo", "column": "email"}]}),
    ("campaigns[0].group", {"campaigns": [{"name": "promo", "column": "offer", "group": "email"}]}),
])
def test_a_pii_column_with_another_role_is_a_schema_error(role, schema):
    raw = {"columns": {"pii": ["email"], **schema.get("columns", {})},
           "metrics": schema.get("metrics", {"csat": "csat"})}
    if "campaigns" in schema:
        raw["campaigns"] = schema["campaigns"]
    with pytest.raises(SchemaError, match=r"'email'.*pii.*" + role.replace("[", r"\[").replace("]", r"\]")) as err:
        read_schema(raw)
    assert "pii wins" in str(err.value) and f"remove it from {role} or from columns.pii" in str(err.value)
    assert err.value.exit_code == 2


def test_a_pii_segment_is_never_loaded():
    frame = pd.DataFrame({"id": ["1", "2"], "csat": [5, 4], "email": ["a@x.com", "b@x.com"]})
    with pytest.raises(SchemaError, match="email"):
        load_responses(frame, {"columns": {"response_id": "id", "segments": ["email"], "pii": ["email"]},
                               "metrics": {"csat": "csat"}})


# --------------------------------------------------------------------------- b. PII found by content


def _survey(n=60):
    rng = np.random.default_rng(1)
    return pd.DataFrame({
        "id": [str(1_000_000 + i) for i in range(n)],  # 7-digit ids are not phone numbers
        "date": [f"2021-07-{1 + i % 28:02d}" for i in range(n)],  # nor are ISO dates
        "csat": rng.integers(1, 6, n),
        "Account manager": [f"manager{i % 4}@example.com" for i in range(n)],
        "Contact": [f"+44 20 7946 {i:04d}" if i % 3 else f"(555) 123-{i:04d}" for i in range(n)],
        "channel_name": ["Email", "Phone", "Chat"] * (n // 3),
        "region": ["North", "South"] * (n // 2),
    })


def test_b_inference_flags_emails_and_phone_numbers_by_content():
    sch = infer_schema(_survey())
    assert set(sch.pii) == {"Account manager", "Contact"}
    assert "channel_name" in sch.segments and "region" in sch.segments
    assert sch.response_id == "id" and sch.date.column == "date"


def test_b_contact_columns_are_dropped_from_the_loaded_table():
    df, report = load_responses(_survey())
    assert "Account manager" not in df.columns and "Contact" not in df.columns
    assert "channel_name" in df.columns and set(df["channel_name"].cat.categories) == {"Chat", "Email", "Phone"}
    assert "manager0@example.com" not in report.to_json()


def test_b_a_few_contact_values_in_a_text_column_do_not_make_it_pii():
    frame = _survey().drop(columns=["Account manager", "Contact"])
    frame["team"] = ["a@b.com"] + ["Sales", "Support"] * 29 + ["Sales"]
    assert "team" in infer_schema(frame).segments


# --------------------------------------------------------------------------- c. masking contact details


@pytest.mark.parametrize("text, expected", [
    ("Call me on +44 20 7946 0958 please", "Call me on [phone] please"),
    ("my number is (555) 123-4567.", "my number is [phone]."),
    ("write to john.doe@example.co.uk!", "write to [email]!"),
    ("card 4111 1111 1111 1111 was charged twice", "card [number] was charged twice"),
    ("card 4111-1111-1111-1111", "card [number]"),
    ("card 4111111111111111", "card [number]"),
    ("mobile 07700900123", "mobile [phone]"),
    ("555.123.4567 or jane@x.org", "[phone] or [email]"),
])
def test_c_mask_contacts_masks_emails_phones_and_card_numbers(text, expected):
    from csat_analysis.privacy import mask_contacts

    assert mask_contacts(text) == expected


@pytest.mark.parametrize("text", [
    "Flew on 2021-07-01 with BA117, paid $1,299.00 for the upgrade.",
    "On 01/07/2021 at 10:30 the price was 1299.00 EUR",
    "Rated 9 out of 10, order #12345, 3 bags, 20.07.2021",
    "",
])
def test_c_mask_contacts_leaves_dates_prices_and_flight_numbers(text):
    from csat_analysis.privacy import mask_contacts

    assert mask_contacts(text) == text


def test_c_mask_contacts_is_exported_and_the_loaded_comment_is_raw():
    import csat_analysis.privacy as privacy

    assert "mask_contacts" in privacy.__all__
    assert privacy.mask_contacts(None) is None and privacy.mask_contacts(pd.NA) is pd.NA
    frame = pd.DataFrame({"id": ["1"], "csat": [5], "note": ["mail me at a@b.com"]})
    df, _ = load_responses(frame, {"columns": {"response_id": "id", "comment": "note"}, "metrics": {"csat": "csat"}})
    assert df["comment"].tolist() == ["mail me at a@b.com"]  # masked at display time, not in the data


# --------------------------------------------------------------------------- d. no free text or PII in reports


def test_d_load_report_examples_hide_comment_and_pii_values():
    frame = pd.DataFrame({"note": ["Question: anything else?", "secret comment about Bob"],
                          "email": ["Your e-mail", "bob@example.com"],
                          "id": ["QID0", "1"], "csat": ["How satisfied?", "5"]})
    schema = {"source": {"header_rows": 1},
              "columns": {"response_id": "id", "comment": "note", "pii": ["email"]}, "metrics": {"csat": "csat"}}
    _, report = load_responses(frame, schema)
    assert report.excluded["metadata_row"]["examples"][0] == {"row": 1, "column": "note",
                                                               "value": "<hidden: free text>"}
    _, report = load_responses(frame[["email", "id", "csat"]], {**schema, "columns": {"response_id": "id",
                                                                                     "pii": ["email"]}})
    assert report.excluded["metadata_row"]["examples"][0]["value"] == "<hidden: pii>"
    assert "Your e-mail" not in report.to_json() and "Your e-mail" not in str(report)


def test_d_validate_json_does_not_echo_comments(tmp_path, capsys):
    from csat_analysis.cli import main

    data = tmp_path / "d.csv"
    data.write_text("note,id,csat\nplease call me on my private line,QID,question\nfine,1,5\n")
    schema = tmp_path / "s.yml"
    schema.write_text("source: {header_rows: 1}\ncolumns: {response_id: id, comment: note}\nmetrics: {csat: csat}\n")
    assert main(["validate", "--data", str(data), "--schema", str(schema), "--json"]) == 0
    out = capsys.readouterr().out
    assert "private line" not in out and json.loads(out)["excluded"]["metadata_row"]["count"] == 1


# --------------------------------------------------------------------------- e. YAML alias bombs

LAUGHS = "\n".join(
    ["metrics: {csat: csat}", "missing_values:", '  - &a ["x","x","x","x","x","x","x","x","x"]']
    + [f"  - &{b} [{','.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=False)]
) + "\n"


#: the form of the review (the top-level anchors are unknown keys, but only after the document is built)
LAUGHS_TOP = "\n".join(
    ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    + [f"{b}: &{b} [{','.join(['*' + a] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=False)]
    + ["metrics: {csat: csat}", "missing_values: *i"]
) + "\n"


@pytest.mark.parametrize("text", [LAUGHS, LAUGHS_TOP], ids=["in_missing_values", "top_level"])
def test_e_yaml_alias_bomb_fails_fast_with_a_schema_error(tmp_path, text):
    path = tmp_path / "schema.yml"
    path.write_text(text)
    assert len(text) < 600
    got = run_limited(f"""
        csat_analysis.read_schema({str(path)!r})
    """, seconds=60)
    assert got.get("error") == "SchemaError", got
    assert "schema.yml" in got["message"] and "alias" in got["message"]
    assert got["grew_mb"] < 100  # (no time check: the 60 s subprocess timeout guards against the old minutes)


def test_e_yaml_aliases_within_the_budget_still_work(tmp_path):
    path = tmp_path / "schema.yml"
    path.write_text("metrics:\n  csat: {column: a, labels: &l {Bad: 1, Good: 5}}\n"
                    "  ces: {column: b, scale: [1, 5], labels: *l}\n")
    sch = read_schema(path)
    assert sch.metrics["ces"].labels == {"bad": 1, "good": 5}


def test_e_recursive_yaml_alias_is_a_schema_error(tmp_path):
    path = tmp_path / "schema.yml"
    path.write_text("metrics: {csat: csat}\nmissing_values: &m [x, *m]\n")
    with pytest.raises(SchemaError, match="schema.yml"):
        read_schema(path)


def test_e_schema_values_that_are_not_text_are_schema_errors():
    with pytest.raises(SchemaError, match="missing_values"):
        read_schema({"metrics": {"csat": "c"}, "missing_values": [["x", "y"]]})


# --------------------------------------------------------------------------- f. a far Excel cell


def test_f_xlsx_with_a_cell_at_xfd1048576_reads_only_the_used_range(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "far.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "csat"])
    ws.append(["a", 5])
    ws.append(["b", 4])
    ws.cell(row=1048576, column=16384, value="x")
    wb.save(path)
    assert path.stat().st_size < 10_000
    got = run_limited(f"""
        df, report = csat_analysis.load_responses({str(path)!r},
            {{"columns": {{"response_id": "id"}}, "metrics": {{"csat": "csat"}}}})
        result.update(rows=report.rows_read, kept=report.rows_kept, csat=df["csat"].tolist(), warnings=report.warnings)
    """, seconds=60)
    assert "error" not in got, got
    assert got["rows"] == 2 and got["csat"] == [5, 4]
    assert any("XFD1048576" in w for w in got["warnings"])
    assert got["grew_mb"] < 300  # the old reader took > 5.6 GB


def test_f_xlsx_keeps_blank_rows_inside_the_table_and_reads_cells_like_pandas(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "t.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["id", "csat", "segment"])
    ws.append(["a", 5.0, "UK"])
    ws.append([None, None, None])
    ws.append(["b", 4, "#N/A"])
    wb.create_sheet("Other").append(["id", "csat"])
    wb.save(path)
    df, report = load_responses(path, {"columns": {"response_id": "id", "segments": ["segment"]},
                                       "metrics": {"csat": "csat"}})
    accounted(report)
    assert report.rows_read == 3 and df["csat"].tolist() == [5, 4] and df["segment"].isna().tolist() == [False, True]
    with pytest.raises(SchemaError, match="Othr.*Did you mean 'Other'"):
        load_responses(path, {"source": {"sheet": "Othr"}, "metrics": {"csat": "csat"}})


def test_f_broken_xlsx_files_are_data_errors(tmp_path):
    import zipfile

    from openpyxl import Workbook

    good, broken = tmp_path / "good.xlsx", tmp_path / "broken.xlsx"
    wb = Workbook()
    wb.active.append(["csat"])
    wb.active.append([5])
    wb.save(good)
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(broken, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            zout.writestr(item, data[: len(data) // 2] if item.filename.endswith("sheet1.xml") else data)
    (tmp_path / "notzip.xlsx").write_bytes(b"not a zip file")
    for name in ("broken.xlsx", "notzip.xlsx"):
        with pytest.raises(DataError, match=f"{name} could not be read"):
            load_responses(tmp_path / name, {"metrics": {"csat": "csat"}})


# --------------------------------------------------------------------------- g. column count, label length


def test_g_a_100k_column_csv_without_a_schema_is_refused_from_its_header(tmp_path):
    path = tmp_path / "wide.csv"
    header = ",".join(f"q{i}" for i in range(100_000))
    path.write_text(header + "\n" + ",".join("1" for _ in range(100_000)) + "\n")
    got = run_limited(f"""
        csat_analysis.load_responses({str(path)!r})
    """, seconds=60)
    assert got.get("error") == "DataError", got
    assert "wide.csv" in got["message"] and "100,000 columns" in got["message"] and "schema" in got["message"]
    assert len(got["message"]) < 400  # the old loader took 433 s: the subprocess timeout (60 s) catches that


def test_g_a_wide_csv_with_a_schema_reads_the_columns_it_needs(tmp_path):
    path = tmp_path / "wide.csv"
    n = 5_000
    path.write_text(",".join(f"q{i}" for i in range(n)) + "\n" + ",".join(str(1 + i % 5) for i in range(n)) + "\n")
    df, report = load_responses(path, {"metrics": {"csat": "q3"}})
    assert df["csat"].tolist() == [4]


def test_g_a_wide_dataframe_without_a_schema_is_refused():
    frame = pd.DataFrame(np.ones((2, 2_500), dtype=int), columns=["csat"] + [f"q{i}" for i in range(2_499)])
    with pytest.raises(DataError, match="2,500 columns"):
        load_responses(frame)


def test_g_overlong_segment_and_campaign_labels_are_excluded_with_a_reason(tmp_path):
    long = "A" * 200_000
    path = tmp_path / "long.csv"
    path.write_text("id,csat,market,offer\n1,5,UK,yes\n2,4," + long + ",no\n3,3,US," + long + "\n4,2,UK,no\n")
    df, report = load_responses(path, {"columns": {"response_id": "id", "segments": ["market"]},
                                       "metrics": {"csat": "csat"},
                                       "campaigns": [{"name": "promo", "column": "offer", "delimiter": ";"}]})
    accounted(report)
    assert report.rows_kept == 2 and report.excluded["label_too_long"]["count"] == 2
    assert set(df["market"].cat.categories) == {"UK"}
    assert sorted(c for c in df.columns if c.startswith("promo")) == ["promo_no", "promo_yes"]
    assert len(report.to_json()) < 5_000


def test_g_a_50mb_header_is_never_echoed_into_an_error(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("x" * 5_000_000 + "\n1\n")
    for schema in (None, {"metrics": {"csat": "csat"}}):
        with pytest.raises((DataError, SchemaError)) as err:
            load_responses(path, schema)
        assert "huge.csv" in str(err.value) and len(str(err.value)) < 600


def test_g_shorten():
    assert shorten("abc") == "abc"
    assert shorten("y" * 50_000_000).startswith("y" * 79 + "…") and len(shorten("y" * 10_000)) < 110


# --------------------------------------------------------------------------- h. parquet types


def _parquet(tmp_path):
    table = pa.table({
        "id": ["1", "2", "3"],
        "csat": [5, 4, 3],
        "market": pa.array(["UK", "US", "UK"]).dictionary_encode(),
        "blob": pa.array([b"\x00\x01", b"", None], pa.binary()),
        "tags": pa.array([["a"], [], None], pa.list_(pa.string())),
        "meta": pa.array([{"k": 1}, {"k": 2}, None], pa.struct([("k", pa.int64())])),
    })
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    return path


def test_h_parquet_binary_list_and_struct_columns_are_ignored_when_unused(tmp_path):
    path = _parquet(tmp_path)
    df, report = load_responses(path, {"columns": {"response_id": "id", "segments": ["market"]},
                                       "metrics": {"csat": "csat"}})
    assert df["csat"].tolist() == [5, 4, 3] and list(df["market"]) == ["UK", "US", "UK"]
    df, report = load_responses(path)
    assert report.rows_kept == 3 and not {"blob", "tags", "meta"} & set(df.columns)
    assert any("blob" in w and "binary" in w for w in report.warnings)


@pytest.mark.parametrize("column, kind", [("tags", "list"), ("meta", "struct"), ("blob", "binary")])
def test_h_parquet_column_of_an_unusable_type_is_a_data_error(tmp_path, column, kind):
    path = _parquet(tmp_path)
    with pytest.raises(DataError, match=f"typed.parquet.*{column!r}.*{kind}"):
        load_responses(path, {"columns": {"segments": [column]}, "metrics": {"csat": "csat"}})


# --------------------------------------------------------------------------- i. UTF-16


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                           ("utf-16-le", b""), ("utf-16-be", b""), ("utf-32-le", b"\xff\xfe\x00\x00")])
@pytest.mark.parametrize("schema", [None, {"columns": {"segments": ["city"]}, "metrics": {"csat": "csat"}}])
def test_i_utf16_files_are_read(tmp_path, encoding, bom, schema):
    path = tmp_path / "u16.csv"
    text = "csat\tcity\n" + "5\tZürich\n4\tMünchen\n3\tZürich\n" * 4
    path.write_bytes(bom + text.encode(encoding))
    df, report = load_responses(path, schema)
    assert df["csat"].tolist() == [5, 4, 3] * 4
    assert set(df["city"].astype(str)) == {"Zürich", "München"}


# --------------------------------------------------------------------------- j. duplicate headers


def test_j_duplicate_csv_headers_are_an_error(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("id,score,score ,comment\n1,5,1,ok\n")
    for schema in (None, {"metrics": {"csat": "score"}}):
        with pytest.raises(DataError, match="dup.csv.*'score'.*twice"):
            load_responses(path, schema)


def test_j_duplicate_headers_in_excel_parquet_and_frames_are_an_error(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "dup.xlsx"
    wb = Workbook()
    wb.active.append(["csat", "csat"])
    wb.active.append([5, 1])
    wb.save(path)
    with pytest.raises(DataError, match="dup.xlsx.*'csat'"):
        load_responses(path, {"metrics": {"csat": "csat"}})
    pq.write_table(pa.Table.from_arrays([pa.array([5]), pa.array([1])], names=["csat", "csat"]),
                   tmp_path / "dup.parquet")
    with pytest.raises(DataError, match="dup.parquet.*'csat'"):
        load_responses(tmp_path / "dup.parquet", {"metrics": {"csat": "csat"}})
    with pytest.raises(DataError, match="'csat'"):
        load_responses(pd.DataFrame([[5, 1]], columns=["csat", "csat"]), {"metrics": {"csat": "csat"}})


def test_j_several_blank_headers_are_not_duplicates(tmp_path):
    path = tmp_path / "trailing.csv"
    path.write_text("id,csat,,\n1,5,,\n")
    df, _ = load_responses(path, {"columns": {"response_id": "id"}, "metrics": {"csat": "csat"}})
    assert df["csat"].tolist() == [5]


# --------------------------------------------------------------------------- k. bidi controls


def test_k_bidi_controls_are_stripped_from_segment_and_campaign_labels(tmp_path):
    path = tmp_path / "bidi.csv"
    rlo = "\u202e"
    path.write_text(f"id,csat,market,offer,channel\n1,5,UK,A,web\n2,4,{rlo}KU\u202c,B;\u2066C\u2069,web\n"
                    f"3,3,U\u200fK,A,\u200eweb\n", encoding="utf-8")
    df, report = load_responses(path, {
        "columns": {"response_id": "id", "segments": ["market"]}, "metrics": {"csat": "csat"},
        "campaigns": [{"name": "promo", "column": "offer", "delimiter": ";"},
                      {"name": "web", "column": "channel", "exposed": ["web"], "group": "market"}]})
    assert set(df["market"].cat.categories) == {"UK", "KU"}
    assert sorted(c for c in df.columns if c.startswith("promo")) == ["promo_a", "promo_b", "promo_c"]
    assert df["web"].all()
    text = report.to_json() + "".join(map(str, df["market"]))
    assert not any(ch in text for ch in "\u202e\u202c\u2066\u2069\u200e\u200f")


def test_campaign_answers_are_judged_per_distinct_value_not_per_row():
    # found while adding k: the missing-code test paired distinct answers with rows
    frame = pd.DataFrame({"csat": [5, 4, 3], "offer": ["A", "A", "NA"], "seen": ["yes", "yes", "NA"]})
    df, _ = load_responses(frame, {"metrics": {"csat": "csat"},
                                   "campaigns": [{"name": "promo", "column": "offer", "delimiter": ";"},
                                                 {"name": "seen", "column": "seen"}]})
    assert [c for c in df.columns if c.startswith("promo")] == ["promo_a"]
    assert df["seen"].tolist() == [True, True, pd.NA]


@pytest.mark.parametrize("text", ["call me on 07700 900123 please", "or +44 7700 900123", "07700-900123"])
def test_c_uk_mobile_numbers_with_a_six_digit_group_are_masked(text):
    from csat_analysis.privacy import mask_contacts

    masked = mask_contacts(text)
    assert "[phone]" in masked and "900123" not in masked
