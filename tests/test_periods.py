"""Issue 28 §2: the default period comes from the data's date span; period charts fit the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csat_analysis as ca
from csat_analysis.cells import choose_freq
from csat_analysis.plots import plot_calendar


def _export(first: str, last: str, n: int = 600, seed: int = 0, segments: int = 0) -> pd.DataFrame:
    """Answers spread over [first, last], like an export of that span (optional segment column)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(first, last, freq="D")
    frame = pd.DataFrame({
        "date": rng.choice(days, n),
        "csat": pd.array(rng.integers(1, 6, n), dtype="Int64"),
        "nps": pd.array(rng.integers(0, 11, n), dtype="Int64"),
    })
    frame["date"] = frame["date"].sort_values().to_numpy()
    frame.loc[frame.index[0], "date"], frame.loc[frame.index[-1], "date"] = days[0], days[-1]
    if segments:
        frame["region"] = [f"Region {i % segments:02d}" for i in range(n)]
    return frame


@pytest.mark.parametrize("first, last, freq, periods", [
    ("2017-03-01", "2017-03-09", "D", 9),          # nine days of tweets: daily
    ("2024-01-01", "2024-03-31", "W", 13),         # three months: weekly
    ("2022-01-01", "2023-12-31", "M", 24),         # two years: monthly
    ("2019-01-01", "2023-12-31", "Q", 20),         # beyond: quarterly
])
def test_default_period_comes_from_the_date_span(first, last, freq, periods):
    choice = choose_freq(_export(first, last))
    assert (choice.freq, choice.periods, choice.chosen) == (freq, periods, True)
    assert choice.periods >= 6
    assert "chosen from the dates" in choice.reason and f"{pd.Timestamp(first):%d %b %Y}" in choice.reason


def test_an_explicit_period_wins_and_no_dates_gives_none():
    data = _export("2017-03-01", "2017-03-09")
    choice = choose_freq(data, freq="M")
    assert (choice.freq, choice.chosen) == ("M", False)
    assert choice.reason == "monthly, as requested (1 month in the data)"
    assert choose_freq(data.drop(columns="date")).freq is None
    with pytest.raises(ca.ParameterError, match="daily, weekly"):
        choose_freq(data, freq="fortnight")


def test_trend_report_on_nine_days_is_daily_and_its_calendar_has_no_grey_columns():
    data = _export("2017-03-01", "2017-03-09")
    rep = ca.trend_report(data, metric="csat")  # no freq: chosen from the dates (was monthly: one dot)
    assert rep.table["period"].tolist() == [f"2017-03-{d:02d}" for d in range(1, 10)]
    ax = rep.plot()
    lo, hi = ax.get_xlim()
    import matplotlib.dates as mdates

    assert mdates.num2date(lo).year == 2017 and mdates.num2date(hi).year == 2017  # no calendar of empty years
    cal = plot_calendar(rep.weekly)
    shown = cal.collections[0].get_array()
    assert shown.shape == (1, 2)  # ISO weeks 9 and 10 of 2017, not 53 mostly grey weeks
    assert [t.get_text() for t in cal.get_xticklabels()] == ["9", "10"]
    assert ca.trend_report(data, metric="csat", freq="M").table["period"].tolist() == ["2017-03"]


def test_one_period_is_said_once_without_a_contradicting_change_sentence():
    data = _export("2017-03-01", "2017-03-09")
    sentences = ca.trend_report(data, metric="csat", freq="M").sentences()
    text = " ".join(sentences)
    assert text.count("Only one period") == 1
    assert "No change between consecutive periods" not in text


def test_overview_comments_and_correlations_choose_the_period_from_the_dates():
    data = _export("2017-03-01", "2017-03-09")
    ov = ca.overview(data, metrics=["csat", "nps"])
    assert ov.freq == "D" and ov.changes["period"].iloc[0] == "2017-03-09"
    assert ca.overview(data, metrics=["csat"], freq=False).changes.empty
    corr = ca.correlation_report(data, columns=["csat", "nps"])
    assert corr.freq == "D" and corr.aggregate is not None
    commented = data.assign(comment=np.where(data["csat"] >= 4, "great friendly staff", "slow rude service"))
    com = ca.comment_report(commented, method="lexicon")
    assert com.trend is not None and com.trend.table["period"].str.match(r"^2017-03-\d\d$").all()


@pytest.mark.parametrize("freq", ["D", "M", "Y"])
def test_one_period_chart_spans_that_period_not_years(freq):
    import matplotlib.dates as mdates

    data = _export("2017-03-05", "2017-03-05")
    ax = ca.trend_report(data, metric="csat", freq=freq).plot()
    lo, hi = (mdates.num2date(v).replace(tzinfo=None) for v in ax.get_xlim())
    assert hi - lo <= pd.Timedelta(days=2 * 366)  # was 2014-12 to 2019-05 around one dot
    assert lo <= pd.Timestamp("2017-03-05") <= hi
