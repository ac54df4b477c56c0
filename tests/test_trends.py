"""Trends: hand-computed control limits and change tests, gaps, partial periods, real data, plots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from scipy import stats

from csat_analysis import CsatAnalysisError, ParameterError, load_responses, trend, trend_report
from csat_analysis.plots import plot_calendar, plot_trend, plot_trend_facets

from .conftest import realdata
from .test_io import SCHEMAS


@pytest.fixture
def months():
    """Jan: 30 of 40 top-box, Feb: 20 of 50, Mar: none, Apr: 35 of 40 (from the 3rd)."""
    def rows(date, top, n):
        return [(pd.Timestamp(date), 5 if i < top else 2) for i in range(n)]

    data = rows("2024-01-01", 30, 40) + rows("2024-02-15", 20, 50) + rows("2024-04-03", 35, 40)
    data += [(pd.Timestamp("2024-04-30"), 5)]
    return pd.DataFrame(data, columns=["date", "csat"])


def test_p_chart_and_change_tests_by_hand(months):
    t = trend(months, metric="csat", freq="M", min_n=10)
    assert t["period"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert t["n"].tolist() == [40, 50, 0, 41]
    assert np.isnan(t.loc[2, "score"])  # a gap, not a zero
    pbar = (30 + 20 + 36) / 131
    for i, n in ((0, 40), (1, 50), (3, 41)):
        sigma = np.sqrt(pbar * (1 - pbar) / n)
        assert t.loc[i, "center"] == pytest.approx(100 * pbar)
        assert t.loc[i, "lcl"] == pytest.approx(100 * (pbar - 3 * sigma))
        assert t.loc[i, "ucl"] == pytest.approx(100 * min(1, pbar + 3 * sigma))
    _, p, *_ = stats.chi2_contingency([[20, 30], [30, 10]], correction=False)
    assert t.loc[1, "change"] == pytest.approx(40 - 75)
    assert t.loc[1, "change_p"] == pytest.approx(p)
    assert np.isnan(t.loc[3, "change"])  # the month before is empty
    assert t.loc[1, "change_p_adj"] == pytest.approx(p)  # the only comparison
    assert "significant_change" in t.loc[1, "flag"]
    assert "low_n" in t.loc[2, "flag"]


def test_individuals_chart_for_means(months):
    t = trend(months, metric="csat_mean", freq="M")
    x = t["score"].dropna().to_numpy()
    mr = np.abs(np.diff(x)).mean()
    assert t["center"].iloc[0] == pytest.approx(x.mean())
    assert t["ucl"].iloc[0] == pytest.approx(x.mean() + 2.66 * mr)
    assert t["lcl"].iloc[3] == pytest.approx(x.mean() - 2.66 * mr)


def test_partial_periods_targets_and_notes(months):
    t = trend(months, metric="csat", freq="M", target=80)
    assert t["partial"].tolist() == [False, False, False, False]
    t2 = trend(months.iloc[5:], metric="csat", freq="Q", target=80)
    assert t2["partial"].tolist() == [False, True]  # Q2 ends in June, the data on 30 April
    assert all("below_target" in f for f in t2["flag"][t2["score"] < 80])
    one = trend(months[months.date.dt.month == 1], metric="csat", freq="M")
    assert len(one) == 1 and np.isnan(one["change"].iloc[0])
    assert "Only one period" in one.attrs["notes"][0]
    assert any("Only one period" in s for s in one.attrs["digest"])


def test_year_over_year_and_rolling(responses):
    two_years = pd.concat([responses, responses.assign(date=responses.date + pd.DateOffset(years=1))],
                          ignore_index=True)
    t = trend(two_years, metric="nps", freq="Q", rolling=2)
    assert t["yoy_change"].iloc[:4].isna().all()
    assert t["yoy_change"].iloc[4:].to_numpy() == pytest.approx(0, abs=1e-9)
    # pooled over two quarters, not the mean of two scores
    q12 = two_years[two_years.date < "2024-07-01"]
    v = q12["nps"].astype(float)
    assert t["rolling_score"].iloc[1] == pytest.approx(100 * ((v >= 9).mean() - (v <= 6).mean()))
    assert np.isnan(t["rolling_score"].iloc[0])


def test_by_segment_and_digest(responses):
    t = trend(responses, metric="csat", freq="Q", by="region", target=70)
    assert set(t["region"]) == {"North", "South"} and len(t) == 8
    assert t.columns[:14].tolist() == ["region", "period", "metric", "n", "n_eff", "score", "se", "ci_low",
                                       "ci_high", "low_n", "change", "change_p", "change_p_adj", "flag"]
    digest = t.attrs["digest"]
    assert any(s.startswith("North: CSAT") and "target of 70.0%" in s for s in digest)


def test_bank_monthly_nps_matches_source():
    folder = realdata("bank_nps_2021")
    df, _ = load_responses(folder / "NPStimeseries Updated.csv", SCHEMAS / "bank_nps_2021.yml")
    t = trend(df, metric="nps", freq="M")
    assert t["score"].tolist() == pytest.approx(
        [13.2558, 10.0503, 19.0594, 9.4629, 15.8730, 8.7282, 9.7252, 9.5349, 10.4762, 8.3333, 12.0192, 15.0000],
        abs=1e-4)
    assert not t["partial"].tolist()[-1]  # the data stop on 30 December: 30 of 31 days, a complete month


def test_pwc_monthly_csat_matches_source():
    folder = realdata("pwc_call_center_csat")
    df, _ = load_responses(folder / "01 Call-Center-Dataset.xlsx", SCHEMAS / "pwc_call_center_csat.yml")
    t = trend(df, metric="csat", freq="M")
    assert t["n"].tolist() == [1455, 1298, 1301]
    assert t["score"].tolist() == pytest.approx([50.241, 50.539, 48.885], abs=5e-4)


def test_bad_input(responses):
    with pytest.raises(ParameterError, match="`freq` must be one of"):
        trend(responses, metric="csat", freq="H")  # D (daily) is a period since issue 28
    with pytest.raises(ParameterError, match="needs a date column"):
        trend(responses.drop(columns="date"), metric="csat")
    with pytest.raises(CsatAnalysisError, match="no usable dates"):
        trend(responses.assign(date=pd.NaT), metric="csat")
    with pytest.raises(ParameterError, match="rolling"):
        trend(responses, metric="csat", rolling=1)


def test_plots_draw_what_the_table_says(months):
    t = trend(months, metric="csat", freq="M", target=60, min_n=45)
    ax = plot_trend(t)
    assert any(isinstance(c, PolyCollection) for c in ax.collections)  # the interval band
    assert any(line.get_ydata()[0] == 60 for line in ax.lines if len(line.get_ydata()) == 2)  # target line
    labels = [a.get_text() for a in ax.texts]
    assert "Δ 40.0%" in labels  # the significant drop in February is labelled
    hollow = [c for c in ax.collections if c.get_facecolor().size and (c.get_facecolor()[:, :3] == 1).all()]
    drawn = np.ma.compress_rows(np.ma.masked_invalid(hollow[0].get_offsets()))
    assert len(drawn) == 2  # January and April rest on fewer than 45 answers; empty March is not drawn


def test_facets_and_calendar(responses):
    t = trend(responses, metric="nps", freq="M", by="region")
    fig = plot_trend_facets(t, by="region")
    titles = [a.get_title(loc="left") for a in fig.axes if a.get_visible()]
    assert titles == ["North", "South"]
    w = trend(responses, metric="csat", freq="W")
    ax = plot_calendar(w)
    mesh = ax.collections[0]
    assert mesh.get_array().shape == (1, 52)  # one year by its 52 ISO weeks: no column grey in every year (issue 28)
    with pytest.raises(ParameterError, match="weekly"):
        plot_calendar(t)


def test_trend_report_empty_selection(responses):
    report = trend_report(responses.iloc[:0])
    assert "No responses match" in report.sentences()[0]
    assert report.plot() is None and "No responses" in repr(report.table_html())


# --------------------------------------------------------------------------- defects seen on real exports


@pytest.fixture
def years_with_gap():
    """2011-2023 without 2013 (like the BA reviews); the first seat class has no 2011 answers."""
    rows = []
    for year in [2011, 2012] + list(range(2014, 2024)):
        for seat, shift in (("Business", 1), ("Economy", 0)):
            if seat == "Business" and year == 2011:
                continue
            for i in range(12):
                rows.append((pd.Timestamp(f"{year}-06-15"), seat, 1 + (i + year + shift) % 5))
    df = pd.DataFrame(rows, columns=["date", "seat", "csat"])
    df["seat"] = df["seat"].astype("category")
    df["csat"] = df["csat"].astype("Int64")
    return df


def test_periods_sort_chronologically_in_tables_compare_and_heatmaps(years_with_gap):
    from csat_analysis import compare, summarize
    from csat_analysis.plots import plot_segment_heatmap

    years = [str(y) for y in range(2011, 2024)]
    t = trend(years_with_gap, metric="csat_mean", freq="Y", by="seat")
    for _, part in t.groupby("seat", observed=True):
        assert part["period"].tolist() == years
        assert part["period_start"].is_monotonic_increasing
    c = compare(years_with_gap, metric="csat_mean", period="Y")
    assert c["period"].tolist() == years[1:] and c["reference"].tolist() == years[:-1]
    table = summarize(years_with_gap, metrics="csat_mean", by="seat", freq="Y")
    assert table["period"].iloc[0] == "2012"  # Business comes first and has no 2011: order of appearance is wrong
    ax = plot_segment_heatmap(table, metric="csat_mean", by="seat", fmt=".2f")
    assert [t.get_text() for t in ax.get_xticklabels()] in (years, years[::2])  # chronological (seaborn may thin)
    grid = ax.collections[0].get_array().reshape(2, -1)
    assert grid.shape == (2, 13)  # every year from 2011 to 2023, the gap year a blank column
    expected = table.pivot_table(index="seat", columns="period", values="score", observed=True).reindex(columns=years)
    np.testing.assert_allclose(np.ma.filled(grid, np.nan), expected.to_numpy(), equal_nan=True)

    from csat_analysis.metrics import period_order

    assert period_order(table["period"]) == [y for y in years if y != "2013"]
    assert period_order(reversed(years), fill=False) == years
    assert period_order(["2021-W02", "2020-W53", "2021-W01"]) == ["2020-W53", "2021-W01", "2021-W02"]


@pytest.fixture
def year_2021():
    """One answer a day from Friday 1 January 2021 (ISO week 2020-W53) to Thursday 30 December 2021."""
    days = pd.date_range("2021-01-01", "2021-12-30", freq="D")
    return pd.DataFrame({"date": days.repeat(3), "csat": pd.array(np.tile([5, 4, 2], len(days)), dtype="Int64")})


def test_iso_weeks_are_labelled_by_their_monday_and_none_is_invented(year_2021):
    import datetime

    w = trend(year_2021, metric="csat", freq="W")
    assert w["period"].tolist() == ["2020-W53"] + [f"2021-W{k:02d}" for k in range(1, 53)]  # 2021 has 52 ISO weeks
    mondays = [datetime.date.fromisocalendar(int(p[:4]), int(p[-2:]), 1) for p in w["period"]]
    assert [d.date() for d in w["period_start"]] == mondays
    assert w["n"].iloc[0] == 3 * 3 and w["n"].iloc[-1] == 4 * 3  # Fri-Sun and Mon-Thu
    assert w["partial"].iloc[0] and w["partial"].iloc[-1] and not w["partial"].iloc[1:-1].any()


def test_calendar_marks_cells_that_are_not_weeks_of_the_data(year_2021):
    ax = plot_calendar(trend(year_2021, metric="csat", freq="W"))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2020", "2021"]
    scores = np.ma.filled(ax.collections[0].get_array().reshape(2, 53), np.nan)
    assert not np.isnan(scores[0, 52]) and np.isnan(scores[0, :52]).all()  # 2020-W53 holds 1-3 January 2021
    assert np.isnan(scores[1, 52])
    # weeks 1-52 of 2020 (before the data) and 2021-W53 (no such ISO week) are shaded, not shown as empty weeks
    assert len(ax.collections) == 2
    shaded = ~np.ma.getmaskarray(ax.collections[1].get_array()).reshape(2, 53)
    expected = np.zeros((2, 53), dtype=bool)
    expected[0, :52] = True
    expected[1, 52] = True
    assert (shaded == expected).all()


def test_weekly_year_over_year_compares_the_same_iso_week():
    # 2020 has 53 ISO weeks: a fixed 52-week lag would compare 2021-W01 with 2020-W02
    mondays = pd.date_range("2019-12-30", "2021-12-27", freq="W-MON")  # 2020-W01 .. 2021-W52
    top = np.arange(len(mondays)) % 7 + 2
    rows = [(d, 5 if i < k else 2) for d, k in zip(mondays, top, strict=False) for i in range(10)]
    df = pd.DataFrame(rows, columns=["date", "csat"])
    t = trend(df, metric="csat", freq="W").set_index("period")
    assert "2020-W53" in t.index
    assert t.loc["2021-W01", "yoy_change"] == pytest.approx(t.loc["2021-W01", "score"] - t.loc["2020-W01", "score"])
    assert t.loc["2021-W52", "yoy_change"] == pytest.approx(t.loc["2021-W52", "score"] - t.loc["2020-W52", "score"])
    assert np.isnan(t.loc["2020-W53", "yoy_change"])


def _shares(top: int, n: int, date: str = "2024-05-10") -> pd.DataFrame:
    return pd.DataFrame({"date": pd.Timestamp(date), "csat": pd.array([5] * top + [2] * (n - top), dtype="Int64")})


def test_below_target_compares_the_score_as_printed():
    t = trend(_shares(749, 5000), metric="csat", freq="M", target=15)
    assert t["score"].iloc[0] == pytest.approx(14.98)
    report = trend_report(_shares(749, 5000), metric="csat", freq="M", target=15)
    assert "15.0%" in report.table_html().data  # printed as 15.0% ...
    assert "below_target" not in t["flag"].iloc[0]  # ... so not below a target of 15
    assert "below target" not in report.table_html().data
    low = trend(_shares(744, 5000), metric="csat", freq="M", target=15)  # 14.88%, printed 14.9%
    assert "below_target" in low["flag"].iloc[0]


def test_target_sentence_compares_the_interval_as_printed():
    t = trend(_shares(24, 231), metric="csat", freq="M", target=15)  # 10.4%, 95% CI 7.08% to 14.99%
    assert t["ci_high"].iloc[0] == pytest.approx(14.9934, abs=1e-4)
    sentence = t.attrs["digest"][0]
    assert "to 15.0%" in sentence
    assert "falls short" not in sentence and "below the target" not in sentence
    assert "not distinguishable from the target of 15.0%" in sentence
    assert "below_target" in t["flag"].iloc[0]  # the score itself, 10.4%, is below 15


def test_intervals_print_enough_digits_to_differ_from_the_estimate():
    import re

    counts = [58_204, 37_500, 37_500, 37_500, 37_500, 25_000, 16_796]  # 250,000 answers, mean 3.403104
    df = pd.DataFrame({"date": pd.Timestamp("2024-03-05"),
                       "ces": pd.array(np.repeat(np.arange(1, 8), counts), dtype="Int64")})
    t = trend(df, metric="ces", freq="M")
    row = t.iloc[0]
    assert f"{row['score']:.2f}" in (f"{row['ci_low']:.2f}", f"{row['ci_high']:.2f}")  # the case at issue
    sentence = t.attrs["digest"][0]
    score, low, high = re.search(r"was ([\d.]+) in 2024-03 \(95% CI ([\d.]+) to ([\d.]+),", sentence).groups()
    assert len({score, low, high}) == 3 and len(score.split(".")[1]) == 3
    assert score == f"{row['score']:.3f}"
    report = trend_report(df, metric="ces", freq="M")
    head = report.headline_values()["CES mean score (2024-03)"]
    assert head == f"{row['score']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}], n = 250,000"  # whole period
    html = report.table_html().data
    assert f">{row['score']:.3f}<" in html and f">{row['ci_low']:.3f}<" in html


def test_facets_label_the_change_as_a_change(months):
    both = pd.concat([months.assign(seg="a"), months.assign(seg="b")], ignore_index=True)
    t = trend(both, metric="csat", freq="M", by="seg", min_n=10)
    fig = plot_trend_facets(t, by="seg")
    labels = [a_.get_text() for ax in fig.axes if ax.get_visible() for a_ in ax.texts]
    assert labels.count("Δ -35.0 pp") == 2  # February: 75% -> 40%, a change of -35 pp in each panel
    assert not any("40.0%" in text for text in labels)  # the score is not presented as the change
    assert "change vs previous period" in fig.get_suptitle()


def test_partial_periods_allow_for_a_few_missing_days(year_2021):
    m = trend(year_2021, metric="csat", freq="M")
    assert not m["partial"].any()  # December 2021 ends on the 30th: 30 of 31 days is a complete month
    q = trend(year_2021[year_2021.date <= "2021-11-20"], metric="csat", freq="Q")
    assert q["partial"].tolist() == [False, False, False, True]  # 51 of 92 days of Q4
    tuesday = year_2021[year_2021.date <= "2021-12-14"]  # Tuesday of 2021-W50
    assert trend(tuesday, metric="csat", freq="W")["partial"].iloc[-1]
    saturday = year_2021[year_2021.date <= "2021-12-18"]  # 6 of 7 days
    assert not trend(saturday, metric="csat", freq="W")["partial"].iloc[-1]


def test_partial_periods_judged_against_the_export_date_range(year_2021):
    segment = year_2021[year_2021.date <= "2021-12-20"]
    assert trend(segment, metric="csat", freq="M")["partial"].iloc[-1]  # 20 of 31 days of its own range
    t = trend(segment, metric="csat", freq="M", date_range=("2021-01-01", "2021-12-31"))
    assert not t["partial"].any()
    assert "not yet complete" not in " ".join(t.attrs["digest"])
    report = trend_report(segment, metric="csat", freq="M", date_range=(pd.Timestamp("2021-01-01"),
                                                                        pd.Timestamp("2021-12-31")))
    assert not report.table["partial"].any()
    assert report.weekly["partial"].tolist() == [True] + [False] * (len(report.weekly) - 1)  # 2020-W53: 3 of 7 days
    with pytest.raises(ParameterError, match="date_range"):
        trend(segment, metric="csat", date_range=("2021-12-31", "2021-01-01"))
