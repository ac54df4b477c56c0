"""Key drivers: Shapley and relative weights against definitions (all-subset regressions), real data, plots."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from csat_analysis import CsatAnalysisError, ParameterError, driver_report, drivers, load_responses
from csat_analysis.datasets import SAMPLE_SCHEMA, make_sample
from csat_analysis.plots import plot_driver_heatmap, plot_importance_performance

from .conftest import realdata
from .test_io import SCHEMAS

BA_DRIVERS = ["SeatComfort", "CabinStaffService", "GroundService", "ValueForMoney", "Food&Beverages",
              "InflightEntertainment"]


def ols_r2(y: np.ndarray, x: np.ndarray) -> float:
    """R² of an OLS fit with intercept, by least squares (independent of the correlation-matrix route)."""
    if x.shape[1] == 0:
        return 0.0
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    return 1 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))


def brute_force_shapley(y, x):
    p = x.shape[1]
    r2 = {s: ols_r2(y, x[:, list(s)]) for k in range(p + 1) for s in itertools.combinations(range(p), k)}
    phi = np.zeros(p)
    for s, v in r2.items():
        for j in set(range(p)) - set(s):
            with_j = tuple(sorted(s + (j,)))
            phi[j] += math.factorial(len(s)) * math.factorial(p - len(s) - 1) / math.factorial(p) * (r2[with_j] - v)
    return phi, r2[tuple(range(p))]


@pytest.fixture(scope="module")
def ba():
    folder = realdata("ba_airline_reviews")
    df, _ = load_responses(folder / "BA_AirlineReviews.csv", SCHEMAS / "ba_airline_reviews.yml")
    return df


def test_ba_shapley_matches_all_subset_regressions(ba):
    table = drivers(ba, outcome="csat", drivers=BA_DRIVERS, method="shapley", bootstrap=200, seed=1)
    complete = ba[["csat", *BA_DRIVERS]].dropna().astype(float)
    phi, full = brute_force_shapley(complete["csat"].to_numpy(), complete[BA_DRIVERS].to_numpy())
    got = table.set_index("driver").loc[BA_DRIVERS, "importance"].to_numpy()
    assert got == pytest.approx(phi, abs=1e-9)
    assert table["importance"].sum() == pytest.approx(full, abs=1e-9)
    assert table.attrs["r2"] == pytest.approx(full, abs=1e-9)
    assert table["n"].iloc[0] == len(complete)
    assert table["share"].sum() == pytest.approx(100)
    assert table["driver"].iloc[0] == "ValueForMoney"
    assert table["rank_stability"].iloc[0] > 0.95  # the top driver keeps its rank under the bootstrap
    lo, hi = table["ci_low"].to_numpy(), table["ci_high"].to_numpy()
    assert ((lo <= table["share"]) & (table["share"] <= hi)).all()


def test_ba_relative_weights_sum_to_r2_and_approximate_shapley(ba):
    rw = drivers(ba, outcome="csat", drivers=BA_DRIVERS, bootstrap=100)
    sh = drivers(ba, outcome="csat", drivers=BA_DRIVERS, method="shapley", bootstrap=0)
    assert rw["importance"].sum() == pytest.approx(rw.attrs["r2"], abs=1e-9)
    assert rw.attrs["r2"] == pytest.approx(sh.attrs["r2"], abs=1e-12)
    # Johnson (2000): relative weights closely approximate the dominance (Shapley) weights. Here the drivers
    # ranked 2nd-4th lie within one point of each other, so only the top driver's rank is compared.
    assert rw["driver"].iloc[0] == sh["driver"].iloc[0] == "ValueForMoney"
    diff = rw.set_index("driver")["share"] - sh.set_index("driver")["share"]
    assert diff.abs().max() < 2.5


def test_standardized_coefficients_and_robust_p(ba):
    import statsmodels.api as sm

    table = drivers(ba, outcome="csat", drivers=BA_DRIVERS, bootstrap=0).set_index("driver").loc[BA_DRIVERS]
    c = ba[["csat", *BA_DRIVERS]].dropna().astype(float)
    z = (c - c.mean()) / c.std(ddof=0)
    fit = sm.OLS(z["csat"], sm.add_constant(z[BA_DRIVERS])).fit(cov_type="HC1")
    assert table["coef_std"].to_numpy() == pytest.approx(fit.params[BA_DRIVERS].to_numpy(), abs=1e-9)
    assert table["p"].to_numpy() == pytest.approx(fit.pvalues[BA_DRIVERS].to_numpy(), rel=1e-6)


def test_sample_truth_order_and_shares():
    raw, truth = make_sample(30_000, seed=4, return_truth=True)
    frame, _ = load_responses(raw, SAMPLE_SCHEMA)
    cols = ["rating_value", "rating_staff", "rating_speed", "rating_app"]
    table = drivers(frame, outcome="csat", drivers=cols, bootstrap=200)
    assert table["driver"].tolist() == cols  # value > staff > speed > app, by construction
    expected = truth.correlations["driver_shares_csat"]
    for row in table.itertuples():
        assert row.ci_low - 1 <= expected[row.driver.removeprefix("rating_")] <= row.ci_high + 1
    assert table.set_index("driver").loc["rating_value", "performance"] == table["performance"].min()
    pairwise = drivers(frame, outcome="csat", drivers=cols, bootstrap=0, missing="pairwise")
    assert pairwise.set_index("driver").loc["rating_value", "n"] > table["n"].iloc[0]


def test_by_segment_and_report(responses):
    raw = make_sample(6000, seed=8)
    frame, _ = load_responses(raw, SAMPLE_SCHEMA)
    cols = ["rating_value", "rating_staff", "rating_speed", "rating_app"]
    table = drivers(frame, outcome="nps", drivers=cols, by="channel", bootstrap=0)
    assert set(table["channel"]) == {"Phone", "Web"}  # store visitors have no app rating
    assert any("Store" in w for w in table.attrs["warnings"])
    ax = plot_driver_heatmap(table, by="channel")
    assert len(ax.texts) == 8
    report = driver_report(frame, outcome="csat", drivers=cols, by="channel", bootstrap=50)
    text = " ".join(report.sentences())
    assert "Rating value" in text and "first place to act" in text


def test_quadrant_plot_labels_do_not_overlap():
    table = pd.DataFrame({"driver": list("abcd"), "share": [40, 30, 20, 10], "performance": [3.0, 3.01, 3.02, 4.0],
                          "ci_low": [35, 25, 15, 5], "ci_high": [45, 35, 25, 15]})
    ax = plot_importance_performance(table)
    ys = sorted(t.get_position()[1] if t.xyann is None else t.xyann[1] for t in ax.texts if t.get_text() in "abcd")
    assert min(np.diff(ys)) >= 0.06 * (4.0 - 3.0) - 1e-9
    assert len(ax.lines) >= 2  # the median lines


def test_bad_input(responses):
    df = responses.assign(a=responses.csat.astype(float), b=responses.nps.astype(float), c=1.0,
                          d=responses.csat.astype(float) * 2, t=responses.region.astype(str))
    with pytest.raises(ParameterError, match="not in the data"):
        drivers(df, outcome="csat", drivers=["zz"])
    with pytest.raises(CsatAnalysisError, match="'t' is not numeric"):
        drivers(df, outcome="nps", drivers=["t", "ces"])
    with pytest.raises(CsatAnalysisError, match="'c' is constant"):
        drivers(df, outcome="nps", drivers=["c", "ces"], bootstrap=0)
    with pytest.raises(CsatAnalysisError, match="perfectly collinear"):
        drivers(df, outcome="nps", drivers=["a", "d"], bootstrap=0)
    with pytest.raises(CsatAnalysisError, match="at least 10 per driver"):
        drivers(df.iloc[:15], outcome="nps", drivers=["a", "ces"], bootstrap=0)
    with pytest.raises(CsatAnalysisError, match="'e' has no answers in these rows"):
        drivers(df.assign(e=np.nan), outcome="nps", drivers=["a", "e"], bootstrap=0)
    many = df.assign(**{f"x{i}": np.random.default_rng(i).normal(size=len(df)) for i in range(16)})
    with pytest.raises(ParameterError, match="use at most 15.*relative_weights"):
        drivers(many, outcome="nps", drivers=[f"x{i}" for i in range(16)], method="shapley")
    with pytest.raises(ParameterError, match="`method` must be one of"):
        drivers(df, outcome="nps", drivers=["a"], method="kruskal")
