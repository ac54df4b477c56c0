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
        [13.2558, 10.0503, 19.0594, 9.4629, 15.8730, 8.7282, 9.7252, 9.5349, 10.4762, 8.3333, 12.0192, 15.0000], abs=1e-4)
    assert t["partial"].tolist()[-1]  # the data stop on 30 December


def test_pwc_monthly_csat_matches_source():
    folder = realdata("pwc_call_center_csat")
    df, _ = load_responses(folder / "01 Call-Center-Dataset.xlsx", SCHEMAS / "pwc_call_center_csat.yml")
    t = trend(df, metric="csat", freq="M")
    assert t["n"].tolist() == [1455, 1298, 1301]
    assert t["score"].tolist() == pytest.approx([50.241, 50.539, 48.885], abs=5e-4)


def test_bad_input(responses):
    with pytest.raises(ParameterError, match="`freq` must be one of"):
        trend(responses, metric="csat", freq="D")
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
    assert mesh.get_array().shape == (1, 53)  # one year by 53 ISO weeks
    with pytest.raises(ParameterError, match="weekly"):
        plot_calendar(t)


def test_trend_report_empty_selection(responses):
    report = trend_report(responses.iloc[:0])
    assert "No responses match" in report.sentences()[0]
    assert report.plot() is None and "No responses" in repr(report.table_html())
