"""The schema travels with the responses (issue 16): no setting is read from ``DataFrame.attrs``.

Before, the loader put the schema in ``DataFrame.attrs``; pandas drops ``attrs`` in
``merge``, so after ``df.merge(crm, on="response_id")`` a schema top box of 5 silently became
the default 4-5 (CSAT 20.0 -> 40.0), and a trend table filtered after ``trend()`` kept the
whole table's digest.
"""

from __future__ import annotations

import pandas as pd
import pytest

import csat_analysis as ca
from csat_analysis.exceptions import ParameterError, SchemaError

SCHEMA = """
columns:
  response_id: id
  date: when
  segments: [plan]
metrics:
  csat: {column: sat, scale: [1, 5], top_box: 5}
"""


@pytest.fixture()
def responses(tmp_path):
    (tmp_path / "s.yml").write_text(SCHEMA)
    weeks = pd.date_range("2026-01-01", periods=10, freq="W").strftime("%Y-%m-%d")
    frame = pd.DataFrame({"id": range(1, 11), "when": weeks,
                          "plan": ["Pro", "Basic"] * 5, "sat": [5, 4, 3, 2, 1] * 2})
    frame.to_csv(tmp_path / "r.csv", index=False)
    data, _ = ca.load_responses(tmp_path / "r.csv", schema=tmp_path / "s.yml")
    return data, tmp_path


def test_the_loader_returns_responses_with_their_schema(responses):
    data, _ = responses
    assert isinstance(data, ca.Responses) and data.attrs == {}
    assert data.schema["metrics"]["csat"]["top_box"] == 5 and data.source == "r.csv"
    assert ca.csat(data).score == pytest.approx(20.0)


def test_merge_with_a_crm_extract_keeps_the_top_box(responses):
    """The issue's defect: this was 40.0 (default top two boxes) after the merge."""
    data, _ = responses
    crm = pd.DataFrame({"response_id": data["response_id"], "arr": range(10)})
    merged = data.merge(crm, on="response_id")
    assert ca.csat(merged).score == pytest.approx(20.0)
    assert ca.csat(pd.merge(data, crm, on="response_id")).score == pytest.approx(20.0)


@pytest.mark.parametrize("step", [
    lambda d: d[d["plan"] == "Pro"],
    lambda d: d.loc[d["csat"] > 0, ["csat", "plan"]],
    lambda d: d.assign(x=1).sort_values("csat"),
    lambda d: pd.concat([d, d]),
    lambda d: next(iter(d.groupby("plan")))[1],
    lambda d: d.copy(),
])
def test_filter_assign_groupby_concat_keep_the_schema(responses, step):
    data, _ = responses
    assert ca.schema_of(step(data))["metrics"]["csat"]["top_box"] == 5
    assert ca.csat(step(data)).score == pytest.approx(20.0)


def test_concat_of_exports_with_different_schemas_fails_loudly(responses, tmp_path):
    data, folder = responses
    (folder / "s7.yml").write_text(SCHEMA.replace("top_box: 5", "top_box: 4"))
    other, _ = ca.load_responses(folder / "r.csv", schema=folder / "s7.yml")
    both = pd.concat([data, other])
    with pytest.raises(SchemaError, match=r"different schemas.*top_box: 5 vs 4.*with_schema"):
        ca.csat(both)
    fixed = ca.with_schema(both, folder / "s.yml")
    assert ca.csat(fixed).score == pytest.approx(20.0)


def test_a_plain_frame_uses_the_default_scales_and_with_schema_sets_one():
    plain = pd.DataFrame({"csat": [5, 4, 3, 2, 1]})
    assert ca.schema_of(plain) == {}
    assert ca.csat(plain).score == pytest.approx(40.0)
    assert ca.csat(ca.with_schema(plain, {"metrics": {"csat": {"scale": [1, 5], "top_box": 5}}})).score == \
        pytest.approx(20.0)


def test_attrs_are_not_read():
    """A schema written into attrs (the old channel) is ignored: only the explicit schema counts."""
    plain = pd.DataFrame({"csat": [5, 4, 3, 2, 1]})
    plain.attrs["schema"] = {"metrics": {"csat": {"scale": [1, 5], "top_box": 5}}}
    assert ca.csat(plain).score == pytest.approx(40.0)


def test_a_filtered_trend_table_does_not_keep_the_whole_tables_digest(responses):
    data, _ = responses
    table = ca.trend(data, metric="csat", freq="M", by="plan", min_n=1)
    assert ca.trend_digest(table)
    with pytest.raises(ParameterError, match="filtered or changed since"):
        ca.trend_digest(table[table["plan"] == "Pro"])
    assert ca.trend_digest(ca.trend(data[data["plan"] == "Pro"], metric="csat", freq="M", min_n=1)) is not None
