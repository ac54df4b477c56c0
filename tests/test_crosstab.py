"""crosstab(): banner tables with significance letters, checked against R (tests/reference/crosstab.R)."""

from __future__ import annotations

import base64
import html
import re

import numpy as np
import pandas as pd
import pytest

import csat_analysis as ca
from csat_analysis import ParameterError, crosstab
from csat_analysis.config import SAMPLE_DATA, SAMPLE_SCHEMA_FILE

from .conftest import REFERENCE, realdata, visible_text

REF = pd.read_csv(REFERENCE / "crosstab_reference.csv")
SCHEMAS = REFERENCE.parent / "schemas"


@pytest.fixture(scope="module")
def sample():
    return ca.load_responses(SAMPLE_DATA, SAMPLE_SCHEMA_FILE)[0]


def _ba():
    path = realdata("ba_airline_reviews") / "BA_AirlineReviews.csv"
    return ca.load_responses(path, SCHEMAS / "ba_airline_reviews.yml")[0]


def _expected_letters(ref: pd.DataFrame, table: pd.DataFrame, p_col: str, alpha: float = 0.05) -> dict:
    """higher_than for every (metric, banner, level), derived from R's p-values and scores."""
    letters = {(r.metric, r.banner, r.level): r.letter for r in table.itertuples() if r.banner != "Total"}
    above: dict = {k: [] for k in letters}
    for r in ref.itertuples():
        if getattr(r, p_col) < alpha and r.score != r.score_other:
            hi, lo = (r.level, r.other) if r.score > r.score_other else (r.other, r.level)
            above[(r.metric, r.banner, hi)].append(letters[(r.metric, r.banner, lo)])
    return {k: "".join(sorted(v)) for k, v in above.items()}


def _check_against_r(ct, ref: pd.DataFrame, adjust: str) -> None:
    p_col = {"none": "p", "holm": "p_holm", "bh": "p_bh"}[adjust]
    pairs = ct.pairs.set_index(["metric", "banner", "level", "other"])
    assert len(pairs) == len(ref)
    for r in ref.itertuples():
        key = (r.metric, r.banner, r.level, r.other)
        if key not in pairs.index:  # the package may order the pair the other way round
            key = (r.metric, r.banner, r.other, r.level)
            mine = pairs.loc[key]
            assert (mine["n"], mine["n_other"]) == (r.n_other, r.n)
            assert mine["score"] == pytest.approx(r.score_other, rel=1e-9)
        else:
            mine = pairs.loc[key]
            assert (mine["n"], mine["n_other"]) == (r.n, r.n_other)
            assert mine["score"] == pytest.approx(r.score, rel=1e-9)
            assert mine["n_eff"] == pytest.approx(r.n_eff, rel=1e-9)
        assert mine["p"] == pytest.approx(r.p, rel=1e-6, abs=1e-300), key
        assert mine["p_adj"] == pytest.approx(getattr(r, p_col), rel=1e-6, abs=1e-300), key
    expected = _expected_letters(ref, ct.table, p_col)
    got = {(r.metric, r.banner, r.level): r.higher_than for r in ct.table.itertuples() if r.banner != "Total"}
    assert got == expected
    assert any(got.values())  # letters to compare: the data has real differences


@pytest.mark.parametrize("adjust", ["none", "holm", "bh"])
def test_sample_letters_and_p_values_match_r(sample, adjust):
    ct = crosstab(sample, adjust=adjust)
    assert ct.rows == ["csat", "csat_mean", "nps", "ces", "ces_top"]  # every mapped metric
    assert ct.banner == ["region", "channel", "plan"]  # the schema's segments
    _check_against_r(ct, REF[REF["dataset"] == "sample"], adjust)


@pytest.mark.parametrize("adjust", ["none", "holm"])
def test_weighted_sample_uses_effective_bases_as_r(sample, adjust):
    ct = crosstab(sample, weights="weight", adjust=adjust)
    _check_against_r(ct, REF[REF["dataset"] == "sample_weighted"], adjust)
    north = ct.table[(ct.table["metric"] == "csat") & (ct.table["level"] == "North")].iloc[0]
    w = sample.loc[sample["region"] == "North", "weight"]
    assert north["n_eff"] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert north["n_eff"] < north["n"]
    assert "effective bases" in ct.legend()


@pytest.mark.parametrize("adjust", ["none", "holm", "bh"])
def test_real_export_letters_match_r(adjust):
    data = _ba()
    ref = REF[REF["dataset"] == "ba_airline_reviews"]
    if ref.empty:
        pytest.skip("reference values for the BA export were not computed (crosstab.R ran without it)")
    ct = crosstab(data, rows=["csat", "csat_mean"], adjust=adjust)
    _check_against_r(ct, ref, adjust)
    # First Class is above Economy on CSAT top-box in every variant (p ~ 1e-12)
    solo = ct.table[(ct.table["metric"] == "csat") & (ct.table["level"] == "Solo Leisure")].iloc[0]
    assert solo["higher_than"] == {"none": "ABC", "holm": "A", "bh": "ABC"}[adjust]  # Holm drops B and C
    first = ct.table[(ct.table["metric"] == "csat") & (ct.table["level"] == "First Class")].iloc[0]
    economy = ct.table[(ct.table["metric"] == "csat") & (ct.table["level"] == "Economy Class")].iloc[0]
    assert economy["letter"] in first["higher_than"]


def test_adjustment_only_removes_letters(sample):
    plain = crosstab(sample, weights="weight", adjust="none")
    for adjust in ("holm", "bh"):
        adj = crosstab(sample, weights="weight", adjust=adjust)
        for a, b in zip(plain.table["higher_than"], adj.table["higher_than"], strict=False):
            assert set(b) <= set(a)
        assert adj.pairs["p_adj"].ge(plain.pairs["p"] - 1e-15).all()
    holm = crosstab(sample, weights="weight", adjust="holm").table.set_index(["metric", "banner", "level"])
    was = plain.table.set_index(["metric", "banner", "level"])
    # weighted CES, South vs East: p < 0.05 unadjusted, Holm-adjusted 0.051 (six region pairs; R agrees)
    assert was.loc[("ces", "region", "South"), "higher_than"] == "AD"
    assert holm.loc[("ces", "region", "South"), "higher_than"] == "D"


def test_table_layout(sample):
    ct = crosstab(sample, rows=["nps", "csat"], banner=["plan", "region"])
    t = ct.table
    assert list(t.columns[:8]) == ["metric", "banner", "level", "letter", "n", "n_eff", "score", "higher_than"]
    assert list(t["metric"].unique()) == ["nps", "csat"]
    for _metric, part in t.groupby("metric", sort=False):
        assert part.iloc[0]["banner"] == "Total" and part.iloc[0]["letter"] == "" and part.iloc[0]["higher_than"] == ""
        assert list(part["banner"].unique()) == ["Total", "plan", "region"]
        assert list(part.loc[part["banner"] == "region", "letter"]) == ["A", "B", "C", "D"]
        assert list(part.loc[part["banner"] == "plan", "letter"]) == ["A", "B", "C"]
    total = t[(t["metric"] == "nps") & (t["banner"] == "Total")].iloc[0]
    assert total["n"] == sample["nps"].notna().sum()
    assert total["score"] == pytest.approx(ca.nps(sample).score)
    # the Total is never tested
    assert not ct.pairs["level"].eq("Total").any() and not ct.pairs["other"].eq("Total").any()


def test_letters_point_at_lower_columns(sample):
    ct = crosstab(sample, rows="csat", banner="plan")
    t = ct.table.set_index("level")
    assert t.loc["Premium", "higher_than"] == "AB"  # 69.0% vs 57.1% and 63.4%, each p < 1e-9
    for _level, row in t.iterrows():
        for letter in row["higher_than"]:
            other = t[t["letter"] == letter].iloc[0]
            assert row["score"] > other["score"]


def _with_small_group(sample, n_small=3):
    data = sample.copy()
    data["region"] = data["region"].astype(object)
    idx = data.index[:n_small]
    data.loc[idx, "region"] = "Tiny"
    data.loc[idx, "csat"] = 5
    data.attrs = dict(sample.attrs)
    return data


def test_privacy_suppresses_small_columns(sample):
    data = _with_small_group(sample)
    ct = crosstab(data, rows=["csat"], banner="region", privacy_min_n=5)
    t = ct.table.set_index("level")
    tiny = t.loc["Tiny"]
    assert tiny["suppressed"] and np.isnan(tiny["score"]) and tiny["higher_than"] == ""
    assert not ((ct.pairs["level"] == "Tiny") | (ct.pairs["other"] == "Tiny")).any()
    assert not t["higher_than"].str.contains(tiny["letter"]).any()
    shown = visible_text(ct.styled.data)
    assert "suppressed" in shown
    assert "100.0%" not in shown  # the tiny group's score (all 5s)
    # without the threshold, the tiny group is a tested column
    open_ct = crosstab(data, rows=["csat"], banner="region")
    assert ((open_ct.pairs["level"] == "Tiny") | (open_ct.pairs["other"] == "Tiny")).any()


def test_low_base_is_flagged_not_hidden(sample):
    data = _with_small_group(sample, n_small=12)
    ct = crosstab(data, rows=["csat"], banner="region", min_n=30)
    tiny = ct.table.set_index("level").loc["Tiny"]
    assert tiny["low_n"] and not tiny["suppressed"] and tiny["score"] == 100.0
    assert "100.0%*" in visible_text(ct.styled.data)


def test_styled_html_escapes_and_has_legend_and_csv(sample):
    data = sample.copy()
    data["region"] = data["region"].astype(object).replace(
        {"North": '=HYPERLINK("http://x","y")', "East": "<script>alert(1)</script>"})
    ct = crosstab(data, rows=["csat"], banner="region", adjust="holm")
    page = ct.styled.data
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "=HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in page
    assert "Holm" in page and "pooled two-proportion z-test" in page and "alpha = 0.05" in page
    href = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', page).group(1)
    text = base64.b64decode(href).decode("utf-8-sig")
    assert 'region: =HYPERLINK(""http://x"",""y"") (B)' in text  # a heading that cannot start a formula
    assert "region: <script>alert(1)</script> (A)" in text  # the CSV is data: no HTML escaping
    assert 'download="banner-table.csv"' in page


def test_to_excel_numbers_and_text(tmp_path, sample):
    from openpyxl import load_workbook

    data = sample.copy()
    data["region"] = data["region"].astype(object).replace({"North": '=HYPERLINK("http://x","y")'})
    ct = crosstab(data, rows=["csat", "nps"], banner=["region", "plan"])
    path = ct.to_excel(tmp_path / "ct.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "About" and "Banner table" in wb.sheetnames and "Tidy" in wb.sheetnames
    tidy = wb["Tidy"]
    header = [c.value for c in tidy[1]]
    assert header[:8] == ["metric", "banner", "level", "letter", "n", "n_eff", "score", "higher_than"]
    assert tidy["A1"].font.bold and tidy.freeze_panes == "A2"
    cells = [[c for c in row] for row in tidy.iter_rows(min_row=2)]
    for row, (_, expect) in zip(cells, ct.table.iterrows(), strict=False):
        assert row[4].value == expect["n"] and row[4].data_type == "n"
        assert row[6].value == pytest.approx(expect["score"])
    levels = [row[2] for row in cells]
    hyper = [c for c in levels if c.value == '=HYPERLINK("http://x","y")']
    assert hyper and all(c.data_type == "s" for c in hyper)
    wide = wb["Banner table"]
    heads = [c.value for c in wide[1]]
    assert any(h.startswith('region: =HYPERLINK') for h in heads)
    csv = ct.to_csv(tmp_path / "ct.csv")
    back = pd.read_csv(csv, encoding="utf-8-sig")
    assert back["score"].tolist() == pytest.approx(ct.table["score"].tolist(), nan_ok=True)
    assert back["level"].str.startswith("'=HYPERLINK").any()


def test_clear_errors(sample):
    with pytest.raises(ParameterError, match=r"Unknown metric 'nsp'.*Did you mean 'nps'"):
        crosstab(sample, rows=["nsp"])
    with pytest.raises(ParameterError, match=r"banner column 'regoin' is not in the data.*Did you mean 'region'"):
        crosstab(sample, banner="regoin")
    with pytest.raises(ParameterError, match="adjust"):
        crosstab(sample, adjust="bonferroni")
    with pytest.raises(ParameterError, match="alpha"):
        crosstab(sample, alpha=5)
    with pytest.raises(ParameterError, match=r"'ces'.*not in the data"):
        crosstab(sample.drop(columns="ces"), rows=["ces"])
    with pytest.raises(ParameterError, match="distinct values"):
        crosstab(sample, banner="response_id")
    frame = pd.DataFrame({"csat": [4, 5, 2]})
    with pytest.raises(ParameterError, match="needs a banner"):
        crosstab(frame)


def test_campaign_column_as_banner(sample):
    ct = crosstab(sample, rows="csat", banner="spring_promo")
    levels = ct.table.loc[ct.table["banner"] == "spring_promo", "level"].tolist()
    assert levels == sorted(sample["spring_promo"].dropna().astype(str).unique().tolist())


def test_missing_banner_values_are_in_total_only(sample):
    data = sample.copy()
    data["plan"] = data["plan"].astype(object)
    data.loc[data.index[:100], "plan"] = None
    ct = crosstab(data, rows="csat", banner="plan")
    t = ct.table
    assert t.loc[t["banner"] == "Total", "n"].iloc[0] == len(data)
    assert t.loc[t["banner"] == "plan", "n"].sum() == len(data) - 100


def test_pairwise_matches_compare(sample):
    """metrics.pairwise uses compare's test: a level against another level as reference gives the same p."""
    pw = ca.pairwise(sample, metric="nps", by="plan")
    row = pw[(pw["level"] == "Premium") & (pw["other"] == "Basic")].iloc[0]
    ref = ca.compare(sample, metric="nps", by="plan", reference="Basic")
    ref = ref[ref["plan"] == "Premium"].iloc[0]
    assert row["p"] == pytest.approx(ref["p"], rel=1e-12)
    assert row["change"] == pytest.approx(ref["change"], rel=1e-12)


def test_html_repr_in_notebooks(sample):
    ct = crosstab(sample, rows="csat", banner="plan")
    assert ct._repr_html_() == ct.styled.data
    assert html.unescape(visible_text(ct.styled.data)).count("n=") == 4  # Total + 3 plans


def test_weights_as_series_or_rake_result(sample):
    by_name = crosstab(sample, rows=["csat", "nps"], banner="plan", weights="weight").table
    by_series = crosstab(sample, rows=["csat", "nps"], banner="plan", weights=sample["weight"]).table
    pd.testing.assert_frame_equal(by_name, by_series)
    weighting = pytest.importorskip("csat_analysis.weighting")
    raked = weighting.rake(sample, {"region": {"North": 0.25, "South": 0.25, "East": 0.25, "West": 0.25}},
                           by=["region"], total=100_000)
    ct = crosstab(sample, rows=["csat"], banner="plan", weights=raked)
    plan = ct.table[ct.table["banner"] == "plan"]
    assert (plan["n_eff"] < plan["n"]).all()
    assert plan["score"].tolist() == pytest.approx(
        ca.summarize(sample, metrics="csat", by="plan", weights=raked)["score"].tolist())
