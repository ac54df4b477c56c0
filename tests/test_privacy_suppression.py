"""Complementary suppression (issue 30, §1): no suppressed score can be worked out from the shown numbers.

The case of the issue: an export of 60 rows, region A 30, B 27, Tiny 3, ``privacy_min_n=5``.  Before, the
banner showed Total CSAT 68.3% (n 60), A 66.7% (n 30), B 77.8% (n 27), so Tiny = (41 - 20 - 21) / 3 = 0%.
Each test reads what a report *shows* (the tidy table, the CSV, the workbook, the HTML's CSV link) and runs a
brute-force derivation: every split of the hidden counts and answers consistent with the shown totals.  A
suppressed score is safe when more than one value of it fits.
"""

from __future__ import annotations

import base64
import io
import re
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

import csat_analysis as ca
from csat_analysis import crosstab
from csat_analysis.privacy import complementary_suppression

MIN_N = 5
#: kind of each metric and the range of one answer's contribution to the (n-weighted) score total
KINDS = {"csat": ("share", 0, 100), "nps": ("nps", -100, 100), "ces": ("mean", 1, 7)}

LONG = {"region": "In which region is the branch you visited most often during the last twelve months?",
        "csat": "Overall, how satisfied were you with your most recent visit to our branch (1 = very dissatisfied)?",
        "nps": "How likely is it that you would recommend us to a friend or colleague (0-10)?",
        "ces": "How easy was it to get your issue resolved today (1 = very difficult, 7 = very easy)?"}


def export_60(tmp_path) -> pd.DataFrame:
    """The issue's 60-row export, written as a real export (long headers, a comment, nine days) and loaded."""
    region = ["A"] * 30 + ["B"] * 27 + ["Tiny"] * 3
    csat = [5] * 20 + [2] * 10 + [4] * 21 + [1] * 6 + [2, 1, 3]  # A 66.7%, B 77.8%, Tiny 0%
    nps = [10] * 12 + [8] * 8 + [3] * 10 + [9] * 15 + [5] * 12 + [10, 9, 4]
    ces = [6] * 15 + [3] * 15 + [5] * 20 + [2] * 7 + [5, 4, 4]
    days = pd.date_range("2025-03-01", periods=9, freq="D")
    frame = pd.DataFrame({"Response ID": range(1, 61),
                          "Submitted": [days[i % 9].strftime("%Y-%m-%d") for i in range(60)],
                          LONG["region"]: region, LONG["csat"]: csat, LONG["nps"]: nps, LONG["ces"]: ces,
                          "Anything else?": ["Queue; parking"] * 60})
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    schema = {"columns": {"response_id": "Response ID", "date": {"column": "Submitted", "format": "%Y-%m-%d"},
                          "segments": [LONG["region"]], "comment": "Anything else?"},
              "metrics": {"csat": {"column": LONG["csat"], "scale": [1, 5], "top_box": 4},
                          "nps": {"column": LONG["nps"], "scale": [0, 10]},
                          "ces": {"column": LONG["ces"], "scale": [1, 7]}}}
    data = ca.load_responses(path, schema)[0]
    return data.rename(columns={LONG["region"]: "region"}) if LONG["region"] in data else data


def possible_scores(kind: str, lo: float, hi: float, total: tuple, shown: list[tuple], hidden_count: int
                    ) -> set[Fraction]:
    """Every value the smallest hidden group's score can take, given the shown total and siblings.

    ``total`` and ``shown`` are ``(n, score)``; the hidden groups together hold ``total n - shown n``
    answers.  The attacker knows the target group has between 1 and ``MIN_N - 1`` answers (it is
    suppressed) and that the other ``hidden_count - 1`` hidden groups have at least one each.
    """
    n_total, s_total = total
    n_hidden = n_total - sum(n for n, _ in shown)
    unit = {"share": 100, "nps": 100, "mean": 1}[kind]
    # the hidden groups' total of answers (top-box count, promoters minus detractors, sum of scores), exactly
    if kind == "mean":
        sum_hidden = round(s_total * n_total) - sum(round(s * n) for n, s in shown)
    else:
        sum_hidden = round(s_total * n_total / unit) - sum(round(s * n / unit) for n, s in shown)
    step_lo, step_hi = (0, 1) if kind == "share" else ((-1, 1) if kind == "nps" else (int(lo), int(hi)))
    values = set()
    for n_t in range(1, MIN_N):
        n_rest = n_hidden - n_t
        if n_rest < hidden_count - 1 or (hidden_count == 1 and n_rest != 0):
            continue
        for s_t in range(step_lo * n_t, step_hi * n_t + 1):
            s_rest = sum_hidden - s_t
            if step_lo * n_rest <= s_rest <= step_hi * n_rest:
                values.add(Fraction(s_t * unit, n_t))
    return values


def check_not_derivable(rows: pd.DataFrame, *, level: str, metric_col: str = "metric") -> None:
    """``rows``: one metric's Total (level 'Total') and levels, columns level, n, score (NaN/None = not shown)."""
    for metric, part in rows.groupby(metric_col, sort=False):
        kind, lo, hi = KINDS[metric]
        total = part[part["level"] == "Total"].iloc[0]
        levels = part[part["level"] != "Total"]
        shown = [(int(r.n), float(r.score)) for r in levels.itertuples() if pd.notna(r.score) and pd.notna(r.n)]
        hidden = levels[levels["score"].isna() | levels["n"].isna()]
        assert level in set(hidden["level"]), f"{metric}: {level} is shown"
        assert hidden.loc[hidden["level"] == level, "n"].isna().all(), f"{metric}: the base of {level} is shown"
        values = possible_scores(kind, lo, hi, (int(total.n), float(total.score)), shown, len(hidden))
        assert len(values) > 1, f"{metric}: {level}'s score is derivable as {sorted(values)}"


def test_brute_force_finds_the_issue_derivation():
    # the old banner (A, B shown, Tiny hidden): exactly one value of Tiny's CSAT fits, 0%
    values = possible_scores("share", 0, 100, (60, 41 / 60 * 100), [(30, 20 / 30 * 100), (27, 21 / 27 * 100)], 1)
    assert values == {Fraction(0)}


def test_rule_suppresses_smallest_sibling():
    t = pd.DataFrame({"region": ["A", "B", "Tiny"], "n": [30, 27, 3]})
    assert complementary_suppression(t, privacy_min_n=MIN_N).tolist() == [False, True, True]
    # two small groups that together are still small: a third is needed
    t = pd.DataFrame({"level": list("abcd"), "n": [40, 20, 2, 1]})
    assert complementary_suppression(t, privacy_min_n=MIN_N).tolist() == [False, True, True, True]
    # two small groups of five together: enough
    t = pd.DataFrame({"level": list("abcd"), "n": [40, 20, 3, 2]})
    assert complementary_suppression(t, privacy_min_n=MIN_N).tolist() == [False, False, True, True]
    # nothing small: nothing hidden; empty groups neither
    t = pd.DataFrame({"level": list("abc"), "n": [40, 20, 0]})
    assert not complementary_suppression(t, privacy_min_n=MIN_N).any()
    # a segment x period table: each row and each column with a suppressed cell has two
    t = pd.DataFrame({"seg": list("aabbcc"), "period": ["1", "2"] * 3, "n": [30, 2, 40, 50, 60, 70]})
    hide = complementary_suppression(t, privacy_min_n=MIN_N, siblings=[["period"], ["seg"]])
    grid = t.assign(h=hide).pivot(index="seg", columns="period", values="h")
    for axis in (0, 1):
        counts = grid.sum(axis=axis)
        assert ((counts == 0) | (counts >= 2)).all()


def test_crosstab_table_csv_and_workbook(tmp_path):
    data = export_60(tmp_path)
    ct = crosstab(data, rows=["csat", "nps", "ces"], banner="region", privacy_min_n=MIN_N)
    check_not_derivable(ct.table, level="Tiny")
    csv = pd.read_csv(ct.to_csv(tmp_path / "ct.csv"), encoding="utf-8-sig")
    check_not_derivable(csv, level="Tiny")
    assert not csv.loc[csv["suppressed"], "n"].notna().any()  # the issue: to_csv wrote n = 3
    tidy = pd.read_excel(ct.to_excel(tmp_path / "ct.xlsx"), sheet_name="Tidy")
    check_not_derivable(tidy, level="Tiny")
    wide = pd.read_excel(tmp_path / "ct.xlsx", sheet_name="Banner table")
    assert wide.filter(like="Tiny").isna().all().all()
    tests = pd.read_excel(tmp_path / "ct.xlsx", sheet_name="Tests")
    assert not tests.isin(["Tiny", "B"]).any().any()  # no test with a suppressed column gives its score


def _link_csv(html_text: str) -> pd.DataFrame:
    payload = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', html_text).group(1)
    return pd.read_csv(io.StringIO(base64.b64decode(payload).decode("utf-8-sig")))


def test_crosstab_html_and_its_csv_link(tmp_path):
    data = export_60(tmp_path)
    ct = crosstab(data, rows=["csat", "nps", "ces"], banner="region", privacy_min_n=MIN_N)
    wide = _link_csv(ct.styled.data)
    rows = []
    names = {"Total": "Total", "A": "region: A (A)", "B": "region: B (B)", "Tiny": "region: Tiny (C)"}
    for i, metric in enumerate(["csat", "nps", "ces"]):
        for level, name in names.items():
            rows.append({"metric": metric, "level": level, "score": wide[name].iloc[i],
                         "n": wide[f"{name} base"].iloc[i]})
    check_not_derivable(pd.DataFrame(rows), level="Tiny")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", ct.styled.data)
    assert sum("suppressed" in c for c in cells) == 6  # B and Tiny, three metrics
    assert "77.8" not in ct.styled.data and "n=27" not in ct.styled.data and "n=3<" not in ct.styled.data


def test_overview_segment_table(tmp_path):
    data = export_60(tmp_path)
    ov = ca.overview(data, breakdown="region", freq=None, privacy_min_n=MIN_N)
    seg = ov.segments["region"].rename(columns={"region": "level"})
    head = ov.headline.assign(level="Total")
    seg = seg.assign(n=seg["n"].astype(float).where(~seg["suppressed"]))
    check_not_derivable(pd.concat([head, seg], ignore_index=True)[["metric", "level", "n", "score"]], level="Tiny")
    shown = _link_csv(ov.segment_table("region").data)
    assert shown.loc[shown["region"].isin(["B", "Tiny"]), "Responses"].isna().all()
    assert not shown.drop(columns=["Note"], errors="ignore").isin(["77.8%", "0.0%"]).any().any()
    # the segment-vs-rest tests behind the sentences give B's score neither
    tests = ov.segment_tests["region"]
    assert tests.loc[tests["region"].astype(str).isin(["B", "Tiny"]), "score"].isna().all()


def test_trend_periods(tmp_path):
    data = export_60(tmp_path)
    data["date"] = pd.to_datetime(["2025-01-15"] * 30 + ["2025-02-15"] * 27 + ["2025-03-15"] * 3)
    for metric in ("csat", "nps", "ces"):
        rep = ca.trend_report(data, metric=metric, freq="M", privacy_min_n=MIN_N)
        table = rep._public(rep.table)
        total = rep.overall.assign(level="Total")
        periods = table.assign(level=table["period"], metric=metric,
                               n=table["n"].astype(float).where(~table["suppressed"]))
        rows = pd.concat([total, periods], ignore_index=True)[["metric", "level", "n", "score"]]
        check_not_derivable(rows, level="2025-03")
        # the change into March can't give March back either
        assert table["change"].isna().all() or table.loc[table["period"] == "2025-03", "change"].isna().all()
        assert table.loc[table["period"] == "2025-02", "score"].isna().all()
        shown = _link_csv(rep.table_html().data)
        assert shown.loc[shown["Period"].astype(str).str.startswith(("2025-02", "2025-03")), "Responses"].isna().all()


@pytest.mark.parametrize("sizes", [[30, 27, 3], [40, 20, 2, 1], [50, 4, 4, 30, 12], [9, 3]])
def test_rule_holds_by_brute_force(sizes):
    """Random scores on several layouts: no suppressed group's share is derivable."""
    rng = np.random.default_rng(7)
    levels = [f"g{i}" for i in range(len(sizes))]
    hide = complementary_suppression(pd.DataFrame({"n": sizes}), privacy_min_n=MIN_N)
    k = [int(rng.integers(0, s + 1)) for s in sizes]
    n_total = sum(sizes)
    rows = [{"metric": "csat", "level": "Total", "n": n_total, "score": 100 * sum(k) / n_total}]
    rows += [{"metric": "csat", "level": lv, "n": np.nan if h else s, "score": np.nan if h else 100 * kk / s}
             for lv, s, kk, h in zip(levels, sizes, k, hide, strict=True)]
    for lv, s, h in zip(levels, sizes, hide, strict=True):
        if s < MIN_N:
            assert h
            check_not_derivable(pd.DataFrame(rows), level=lv)


def test_health_bands_by_segment_hide_small_groups_and_their_complements():
    """Health "Bands by segment": a 3-customer group's band counts (red 2, yellow 1) were shown."""
    rng = np.random.default_rng(5)
    n = 200
    region = ["A"] * 100 + ["B"] * 97 + ["Tiny"] * 3
    csat = np.r_[rng.integers(1, 6, 197), [1, 1, 3]]
    frame = pd.DataFrame({"customer_id": [f"C{i:04d}" for i in range(n)], "region": region, "csat": csat,
                          "nps": np.r_[rng.integers(0, 11, 197), [0, 1, 7]]})
    rep = ca.health_report(frame, by="region", privacy_min_n=MIN_N)
    t = rep.health.table
    raw = t.assign(hidden=t["suppressed"])
    tiny = raw[raw["segment"] == "Tiny"]
    assert tiny["hidden"].all() and tiny["n"].isna().all() and tiny["share"].isna().all()
    segs = raw[raw["segment"] != "All"]
    for _, part in segs.groupby("band"):  # each band: the segments add up to "All"
        assert part["hidden"].sum() != 1
    for _, part in raw.groupby("segment"):  # each segment: its bands add up to the segment
        assert part["hidden"].sum() != 1
    shown = _link_csv(rep.bands_html().data)
    assert shown.loc[shown["Segment"] == "Tiny", "Customers"].isna().all()
    assert shown.loc[shown["Segment"] == "Tiny", "Share (%)" if "Share (%)" in shown else "Share"].isna().all()
