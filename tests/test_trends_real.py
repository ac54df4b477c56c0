"""Trends on real exports (../shared/realdata): period order, ISO weeks, targets, partial periods, privacy.

Reference figures come from each export's SOURCE.md (computed independently with pandas).  Every
test skips when the shared real data is absent.
"""

from __future__ import annotations

import datetime
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from csat_analysis import apply_privacy, compare, load_responses, summarize, trend, trend_report
from csat_analysis.plots import plot_segment_heatmap, plot_trend_facets

from .conftest import realdata
from .test_io import SCHEMAS

BANK_MONTHLY_NPS = [13.2558, 10.0503, 19.0594, 9.4629, 15.8730, 8.7282, 9.7252, 9.5349, 10.4762, 8.3333, 12.0192,
                    15.0000]
BANK_MONTHLY_N = [430, 398, 404, 391, 441, 401, 473, 430, 420, 396, 416, 400]
BA_YEARLY_MEAN = {"2014": 5.950, "2015": 5.467, "2016": 4.986, "2017": 3.848, "2018": 4.318, "2019": 4.764,
                  "2020": 4.337, "2021": 4.299, "2022": 3.995, "2023": 3.193}
BA_YEARS = [str(y) for y in range(2011, 2024)]


def _load(folder: str, file: str, schema: str) -> pd.DataFrame:
    path = realdata(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, _ = load_responses(path / file, SCHEMAS / schema)
    return df


@pytest.fixture(scope="module")
def bank():
    return _load("bank_nps_2021", "NPStimeseries Updated.csv", "bank_nps_2021.yml")


@pytest.fixture(scope="module")
def ba():
    return _load("ba_airline_reviews", "BA_AirlineReviews.csv", "ba_airline_reviews.yml")


# --------------------------------------------------------------------------- bank NPS 2021 (day-first dates)


def test_bank_monthly_nps_n_and_complete_december(bank):
    t = trend(bank, metric="nps", freq="M")
    assert t["period"].tolist() == [f"2021-{m:02d}" for m in range(1, 13)]
    assert t["score"].tolist() == pytest.approx(BANK_MONTHLY_NPS, abs=1e-4)
    assert t["n"].tolist() == BANK_MONTHLY_N
    assert bank["date"].max() == pd.Timestamp("2021-12-30")
    assert not t["partial"].any()  # 30 of December's 31 days: not "a period not yet complete"
    assert not any("not yet complete" in s for s in t.attrs["digest"])


def test_bank_weekly_labels_are_iso_weeks_of_2021(bank):
    w = trend(bank, metric="nps", freq="W")
    # 1 January 2021 was a Friday, in ISO week 2020-W53; ISO year 2021 has 52 weeks, the last from 27 December
    assert w["period"].tolist() == ["2020-W53"] + [f"2021-W{k:02d}" for k in range(1, 53)]
    mondays = [datetime.date.fromisocalendar(int(p[:4]), int(p[-2:]), 1) for p in w["period"]]
    assert [d.date() for d in w["period_start"]] == mondays
    assert w["n"].sum() == 5000 and (w["n"] > 0).all()
    first_week = bank[bank["date"] < "2021-01-04"]
    assert w["n"].iloc[0] == len(first_week)
    assert w["partial"].tolist() == [True] + [False] * 51 + [True]  # Fri-Sun, and Mon-Thu 27-30 December


def test_bank_calendar_shows_no_invented_weeks(bank):
    report = trend_report(bank, metric="nps", freq="M")
    ax = report.plot_calendar()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2020", "2021"]
    scores = np.ma.filled(ax.collections[0].get_array().reshape(2, 53), np.nan)
    weekly = report.weekly.set_index("period")["score"]
    assert scores[0, 52] == pytest.approx(weekly["2020-W53"])
    assert scores[1, :52] == pytest.approx(weekly.iloc[1:].to_numpy())
    shaded = ~np.ma.getmaskarray(ax.collections[1].get_array()).reshape(2, 53)
    assert shaded[0, :52].all() and not shaded[0, 52]  # 2020 before the data; its week 53 holds 1-3 January
    assert shaded[1, 52] and not shaded[1, :52].any()  # there is no 2021-W53


def test_bank_december_at_target_is_not_below_it(bank):
    t = trend(bank, metric="nps", freq="M", target=15)
    dec = t.iloc[-1]
    assert dec["score"] == pytest.approx(15.0) and dec["score"] < 15  # 60 of 400 net, computed as 14.999999...
    assert "below_target" not in dec["flag"]  # printed as +15.0
    assert [("below_target" in f) for f in t["flag"]] == [s < 15 for s in BANK_MONTHLY_NPS[:-1]] + [False]
    assert "not distinguishable from the target of +15.0" in t.attrs["digest"][0]


def test_bank_compare_with_a_reference_month(bank):
    out = compare(bank, metric="nps", period="M", reference="2021-01")
    assert out["period"].tolist() == [f"2021-{m:02d}" for m in range(2, 13)]
    assert (out["reference"] == "2021-01").all() and (out["n_ref"] == 430).all()
    assert out["change"].tolist() == pytest.approx([s - BANK_MONTHLY_NPS[0] for s in BANK_MONTHLY_NPS[1:]],
                                                   abs=1e-4)
    direct = compare(bank.assign(month_label=bank["date"].dt.strftime("%Y-%m")), metric="nps", by="month_label",
                     reference="2021-01").set_index("month_label")
    for col in ("change", "ci_low", "ci_high", "p", "p_adj"):
        assert out[col].tolist() == pytest.approx(direct.loc[out["period"], col].tolist()), col


def test_bank_segment_report_judges_december_against_the_export(bank):
    segment = bank[(bank["market"] == "UK") & (bank["date"] <= "2021-12-20")]
    own = trend_report(segment, metric="nps", freq="M")
    assert own.table["partial"].iloc[-1]  # 20 of 31 days of the segment's own range
    export = trend_report(segment, metric="nps", freq="M",
                          date_range=(bank["date"].min(), bank["date"].max()))
    assert not export.table["partial"].any()
    assert not any("not yet complete" in s for s in export.sentences())


# --------------------------------------------------------------------------- BA reviews 2011-2023 (no 2013)


def test_ba_yearly_means_in_chronological_order_with_the_gap_year(ba):
    t = trend(ba, metric="csat_mean", freq="Y")
    assert t["period"].tolist() == BA_YEARS
    assert t["period_start"].is_monotonic_increasing
    gap = t.set_index("period").loc["2013"]
    assert gap["n"] == 0 and np.isnan(gap["score"])
    scores = t.set_index("period")["score"]
    for year, mean in BA_YEARLY_MEAN.items():
        assert scores[year] == pytest.approx(mean, abs=5e-4), year
    assert t["partial"].tolist()[0]  # from 9 October 2011
    c = compare(ba, metric="csat_mean", period="Y")
    assert c["period"].tolist() == BA_YEARS[1:] and c["reference"].tolist() == BA_YEARS[:-1]


def test_ba_segment_by_year_heatmap_keeps_years_in_order(ba):
    table = summarize(ba, metrics="csat_mean", by="SeatType", freq="Y")
    seats = list(table["SeatType"].cat.categories)
    assert "2011" not in set(table.loc[table["SeatType"] == seats[0], "period"])  # so 2011 first appears later
    ax = plot_segment_heatmap(table, metric="csat_mean", by="SeatType", fmt=".1f")
    grid = np.ma.filled(ax.collections[0].get_array().reshape(len(seats), -1), np.nan)
    expected = table.pivot_table(index="SeatType", columns="period", values="score", observed=True)
    expected = expected.reindex(index=seats, columns=BA_YEARS)
    assert grid.shape == (len(seats), len(BA_YEARS))
    np.testing.assert_allclose(grid, expected.to_numpy(), equal_nan=True)
    assert np.isnan(grid[:, BA_YEARS.index("2013")]).all()


def test_ba_compare_with_a_reference_year(ba):
    out = compare(ba, metric="csat_mean", period="Y", reference="2014")
    assert out["period"].tolist() == [y for y in BA_YEARS if y != "2014"]
    later = out.set_index("period").loc[list(BA_YEARLY_MEAN)[1:], "change"]
    assert later.tolist() == pytest.approx([BA_YEARLY_MEAN[y] - BA_YEARLY_MEAN["2014"] for y in later.index],
                                           abs=1e-3)
    assert np.isnan(out.set_index("period").loc["2013", "change"])


def test_ba_facets_label_changes_as_changes(ba):
    t = trend(ba[ba["date"] >= "2014-01-01"], metric="csat_mean", freq="Y", by="SeatType")
    fig = plot_trend_facets(t, by="SeatType")
    texts = [a.get_text() for ax in fig.axes if ax.get_visible() for a in ax.texts]
    sig = t[t["flag"].str.contains("significant_change")]
    assert len(sig) and len(texts) == len(sig)
    assert sorted(texts) == sorted(f"Δ {c:+.2f} points" for c in sig["change"])
    assert all(re.fullmatch(r"Δ [+-]\d+\.\d\d points", s) for s in texts)
    assert "change vs previous period" in fig.get_suptitle()


def test_ba_privacy_hides_the_three_2011_reviews(ba):
    t = trend(ba, metric="csat_mean", freq="Y", privacy_min_n=5).set_index("period")
    assert t.loc["2011", "n"] == 3 and np.isnan(t.loc["2011", "score"])
    assert np.isnan(t.loc["2012", "change"])  # 2012's change would give 2011's score
    shared = apply_privacy(compare(ba, metric="csat_mean", period="Y"), privacy_min_n=5).set_index("period")
    assert shared.loc["2012", "n_ref"] == 3 and np.isnan(shared.loc["2012", "change"])
    assert np.isnan(shared.loc["2012", "score"] - shared.loc["2012", "change"])
