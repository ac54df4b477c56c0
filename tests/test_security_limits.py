"""Bounded work on hostile files (issue 30, §4): xlsx shared strings and size, over-long comments."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

import csat_analysis as ca
from csat_analysis import config
from csat_analysis.exceptions import DataError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE, SAMPLE_SCHEMA = ROOT / "data" / "sample_responses.csv", ROOT / "data" / "sample_schema.yml"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _workbook(tmp_path: Path, extra_strings: int = 0, declared: int | None = None) -> Path:
    """The sample's first 60 rows as an .xlsx, with ``extra_strings`` unused shared strings added."""
    plain = tmp_path / "plain.xlsx"
    pd.read_csv(SAMPLE).head(60).to_excel(plain, index=False)
    out = tmp_path / "export.xlsx"
    count = declared if declared is not None else extra_strings
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN_NS}" count="{count}" '
           f'uniqueCount="{count}">' + "<si><t>unused</t></si>" * extra_strings + "</sst>")
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename).decode("utf-8")
            if info.filename == "xl/_rels/workbook.xml.rels":  # the workbook names its shared strings, as Excel's do
                data = data.replace("</Relationships>", f'<Relationship Id="rIdSst" Type="{SST_REL}" '
                                    'Target="sharedStrings.xml"/></Relationships>')
            elif info.filename == "[Content_Types].xml":
                data = data.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                    f'{SST_TYPE}"/></Types>')
            dst.writestr(info.filename, data.encode("utf-8"))
        dst.writestr("xl/sharedStrings.xml", sst.encode("utf-8"))
    return out


def test_plain_workbook_loads(tmp_path):
    frame, report = ca.load_responses(_workbook(tmp_path), SAMPLE_SCHEMA)
    assert len(frame) == 60


def test_too_many_shared_strings_are_refused_from_the_zip(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_XLSX_SHARED_STRINGS", 5_000)
    path = _workbook(tmp_path, extra_strings=6_000, declared=10)  # a count that understates: the tags are counted
    with pytest.raises(DataError, match=r"export.xlsx is refused: it holds more than 5,000 shared strings"):
        ca.load_responses(path, SAMPLE_SCHEMA)
    # the count a workbook declares is believed when it is too high: nothing more is read
    path = _workbook(tmp_path, declared=30_000_000)
    with pytest.raises(DataError, match=r"declares 30,000,000 shared strings"):
        ca.load_responses(path, SAMPLE_SCHEMA)


def test_too_big_unzipped_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_XLSX_UNCOMPRESSED", 50_000)
    with pytest.raises(DataError, match=r"unzips to [\d,]+ bytes, more than the 50,000 allowed"):
        ca.load_responses(_workbook(tmp_path, extra_strings=5_000), SAMPLE_SCHEMA)


def test_long_comment_is_cut_with_a_note(tmp_path):
    raw = pd.read_csv(SAMPLE).head(60)
    raw["comment"] = raw["comment"].astype(object)
    raw.loc[3, "comment"] = "The queue was long. " * 5_000  # 100,000 characters
    path = tmp_path / "export.csv"
    raw.to_csv(path, index=False)
    frame, report = ca.load_responses(path, SAMPLE_SCHEMA)
    assert frame["comment"].str.len().max() == config.MAX_COMMENT_CHARS + 1  # the cut text and "…"
    assert frame["comment"].iloc[3].endswith("…")
    assert any("1 comment(s) longer than 10,000 characters were cut" in w and "row(s) 4" in w
               for w in report.warnings)


def _schema(**extra):
    import yaml

    schema = yaml.safe_load(SAMPLE_SCHEMA.read_text())
    for key, value in extra.items():
        if key == "segments":
            schema["columns"]["segments"] = value
        else:
            schema[key] = value
    return schema


def test_schema_limits_are_errors_with_a_sentence(tmp_path):
    from csat_analysis.exceptions import SchemaError

    with pytest.raises(SchemaError, match=r"missing_values lists 100,000 values, more than the 1,000"):
        ca.read_schema(_schema(missing_values=[f"code{i}" for i in range(100_000)]))
    with pytest.raises(SchemaError, match=r"columns.segments lists 10,000 columns, more than the 50"):
        ca.read_schema(_schema(segments=[f"seg{i}" for i in range(10_000)]))
    raw = pd.read_csv(SAMPLE).head(1_200)
    raw["region"] = [f"branch {i}" for i in range(len(raw))]
    path = tmp_path / "export.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"'region' has 1,200 distinct values, more than the 1,000"):
        ca.load_responses(path, SAMPLE_SCHEMA)


def test_control_characters_leave_labels(tmp_path):
    raw = pd.read_csv(SAMPLE).head(60)
    raw["region"] = raw["region"].astype(object)
    raw.loc[:9, "region"] = "No\x00rth\x1b[31m\tEast"
    path = tmp_path / "export.csv"
    raw.to_csv(path, index=False)
    frame, _ = ca.load_responses(path, SAMPLE_SCHEMA)
    assert "North[31m East" in set(frame["region"].astype(str))
    assert not frame["region"].astype(str).str.contains(r"[\x00-\x1f]").any()
