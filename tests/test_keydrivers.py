"""Key drivers: Shapley and relative weights against definitions (all-subset regressions), real data, plots."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pandas as pd
import pytest

from csat_analysis import CsatAnalysisError, ParameterError, driver_report, drivers, load_responses
from csat_analysis.datasets import SAMPLE_SCHEMA, make_sample
from csat_analysis.keydrivers import relative_weights, shapley_r2
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
    table = drivers(ba, outcome="csat", drivers=BA_DRIVERS, method="shapley", n_boot=200, random_state=1)
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
    rw = drivers(ba, outcome="csat", drivers=BA_DRIVERS, n_boot=100)
    sh = drivers(ba, outcome="csat", drivers=BA_DRIVERS, method="shapley", n_boot=0)
    assert rw["importance"].sum() == pytest.approx(rw.attrs["r2"], abs=1e-9)
    assert rw.attrs["r2"] == pytest.approx(sh.attrs["r2"], abs=1e-12)
    # Johnson (2000): relative weights closely approximate the dominance (Shapley) weights. Here the drivers
    # ranked 2nd-4th lie within one point of each other, so only the top driver's rank is compared.
    assert rw["driver"].iloc[0] == sh["driver"].iloc[0] == "ValueForMoney"
    diff = rw.set_index("driver")["share"] - sh.set_index("driver")["share"]
    assert diff.abs().max() < 2.5


def test_standardized_coefficients_and_robust_p(ba):
    import statsmodels.api as sm

    table = drivers(ba, outcome="csat", drivers=BA_DRIVERS, n_boot=0).set_index("driver").loc[BA_DRIVERS]
    c = ba[["csat", *BA_DRIVERS]].dropna().astype(float)
    z = (c - c.mean()) / c.std(ddof=0)
    fit = sm.OLS(z["csat"], sm.add_constant(z[BA_DRIVERS])).fit(cov_type="HC1")
    assert table["coef_std"].to_numpy() == pytest.approx(fit.params[BA_DRIVERS].to_numpy(), abs=1e-9)
    assert table["p"].to_numpy() == pytest.approx(fit.pvalues[BA_DRIVERS].to_numpy(), rel=1e-6)


def test_sample_truth_order_and_shares():
    raw, truth = make_sample(30_000, random_state=4, return_truth=True)
    frame, _ = load_responses(raw, SAMPLE_SCHEMA)
    cols = ["rating_value", "rating_staff", "rating_speed", "rating_app"]
    table = drivers(frame, outcome="csat", drivers=cols, n_boot=200)
    assert table["driver"].tolist() == cols  # value > staff > speed > app, by construction
    expected = truth.correlations["driver_shares_csat"]
    for row in table.itertuples():
        assert row.ci_low - 1 <= expected[row.driver.removeprefix("rating_")] <= row.ci_high + 1
    assert table.set_index("driver").loc["rating_value", "performance"] == table["performance"].min()
    pairwise = drivers(frame, outcome="csat", drivers=cols, n_boot=0, missing="pairwise")
    assert pairwise.set_index("driver").loc["rating_value", "n"] > table["n"].iloc[0]


def test_by_segment_and_report(responses):
    raw = make_sample(6000, random_state=8)
    frame, _ = load_responses(raw, SAMPLE_SCHEMA)
    cols = ["rating_value", "rating_staff", "rating_speed", "rating_app"]
    table = drivers(frame, outcome="nps", drivers=cols, by="channel", n_boot=0)
    assert set(table["channel"]) == {"Phone", "Web"}  # store visitors have no app rating
    assert any("Store" in w for w in table.attrs["warnings"])
    ax = plot_driver_heatmap(table, by="channel")
    assert len(ax.texts) == 8
    report = driver_report(frame, outcome="csat", drivers=cols, by="channel", n_boot=50)
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
        drivers(df, outcome="nps", drivers=["c", "ces"], n_boot=0)
    with pytest.raises(CsatAnalysisError, match="perfectly collinear"):
        drivers(df, outcome="nps", drivers=["a", "d"], n_boot=0)
    with pytest.raises(CsatAnalysisError, match="at least 10 per driver"):
        drivers(df.iloc[:15], outcome="nps", drivers=["a", "ces"], n_boot=0)
    with pytest.raises(CsatAnalysisError, match="'e' has no answers in these rows"):
        drivers(df.assign(e=np.nan), outcome="nps", drivers=["a", "e"], n_boot=0)
    many = df.assign(**{f"x{i}": np.random.default_rng(i).normal(size=len(df)) for i in range(16)})
    with pytest.raises(ParameterError, match="use at most 15.*relative_weights"):
        drivers(many, outcome="nps", drivers=[f"x{i}" for i in range(16)], method="shapley")
    with pytest.raises(ParameterError, match="`method` must be one of"):
        drivers(df, outcome="nps", drivers=["a"], method="kruskal")


# --------------------------------------------------------------------------- R² near zero: no advice

ADVICE = re.compile(r"act first|fix first|first place to act|priorit|matters most|performs worst", re.IGNORECASE)


def noise_frame(n=2000, seed=13):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({f"d{i}": rng.integers(1, 6, n).astype(float) for i in range(1, 5)})
    frame["outcome"] = rng.integers(1, 6, n).astype(float)
    return frame


def test_noise_drivers_report_says_they_explain_nothing_and_gives_no_advice():
    report = driver_report(noise_frame(), outcome="outcome", drivers=["d1", "d2", "d3", "d4"], n_boot=100)
    text = " ".join(report.sentences())
    assert not ADVICE.search(text), text
    assert "almost none of the variation" in text and "below 0.02" in text and "robust F-test" in text
    t = report.table
    assert t.attrs["r2"] < 0.02 and t.attrs["r2_negligible"]
    assert t.attrs["r2_test"]["p"] > 0.05  # independent by construction
    html = report.table_html().data
    assert "almost none of the variation" in html and not ADVICE.search(html)
    ax = report.plot_quadrant()
    labels = [t.get_text() for t in ax.texts] + [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
    assert not any(ADVICE.search(s) for s in labels), labels
    assert any("almost nothing" in s for s in labels)
    assert "none" in report.headline_values()["Top driver"]


def test_small_sample_not_significant_says_so():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    frame["y"] = 0.2 * frame["a"] + rng.normal(size=60)
    report = driver_report(frame, outcome="y", drivers=["a", "b", "c"], n_boot=100)
    text = " ".join(report.sentences())
    assert "not significantly more than nothing" in text and not ADVICE.search(text), text
    t = report.table
    assert t.attrs["r2"] >= 0.02 and t.attrs["r2_test"]["p"] >= 0.05 and t.attrs["r2_negligible"]


def test_tiny_but_significant_r2_is_still_negligible():
    frame = noise_frame(n=20_000)
    frame["outcome"] += 0.1 * frame["d1"]  # real, but explains well under 2%
    report = driver_report(frame, outcome="outcome", drivers=["d1", "d2", "d3", "d4"], n_boot=0)
    assert report.table.attrs["r2"] < 0.02 and report.table.attrs["r2_test"]["p"] < 0.001
    text = " ".join(report.sentences())
    assert "almost none of the variation" in text and "although significantly above zero" in text
    assert not ADVICE.search(text), text


def test_real_signal_keeps_advice_and_f_test():
    raw = make_sample(6000, random_state=8)
    frame, _ = load_responses(raw, SAMPLE_SCHEMA)
    table = drivers(frame, outcome="csat", drivers=["rating_value", "rating_staff"], n_boot=0)
    assert not table.attrs["r2_negligible"] and table.attrs["r2_test"]["p"] < 1e-6


def test_bank_churn_satisfaction_has_no_numeric_drivers():
    path = realdata("bank_churn_satisfaction") / "Customer-Churn-Records.csv"
    bank = pd.read_csv(path)
    cols = ["CreditScore", "Age", "Tenure", "Balance"]
    report = driver_report(bank, outcome="Satisfaction_Score", drivers=cols, n_boot=100)
    text = " ".join(report.sentences())
    assert "almost none of the variation in Satisfaction_Score" in text and not ADVICE.search(text), text
    assert report.table.attrs["r2"] < 0.01 and report.table.attrs["r2_negligible"]
    ax = report.plot_quadrant()
    assert not any(ADVICE.search(t.get_text()) for t in ax.texts)


# --------------------------------------------------------------------------- pairwise deletion


def missing_frame(n=2000, p=6, seed=5):
    """Correlated 1-5 drivers with an outcome driven by them; each driver 30-70% missing (MCAR)."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(n, 1)) + rng.normal(size=(n, p))
    y = latent @ np.linspace(1.0, 0.2, p) + rng.normal(scale=2, size=n)
    frame = pd.DataFrame(np.clip(np.round(3 + latent), 1, 5), columns=[f"q{i}" for i in range(p)])
    frame["y"] = np.clip(np.round(5 + y / 2), 0, 10)
    for i, share in enumerate(np.linspace(0.3, 0.7, p)):
        frame.loc[rng.random(n) < share, f"q{i}"] = np.nan
    return frame


def assert_ci_contains_estimate(table):
    assert table["ci_low"].notna().all()
    assert ((table["ci_low"] <= table["share"]) & (table["share"] <= table["ci_high"])).all(), table
    assert ((table["importance_ci_low"] <= table["importance"])
            & (table["importance"] <= table["importance_ci_high"])).all(), table


@pytest.mark.parametrize("method", ["relative_weights", "shapley"])
def test_pairwise_bootstrap_matches_point_estimate(method):
    frame = missing_frame()
    cols = [f"q{i}" for i in range(6)]
    assert frame[cols].notna().all(axis=1).sum() < 60  # fewer complete rows than listwise needs
    table = drivers(frame, outcome="y", drivers=cols, method=method, missing="pairwise", n_boot=150, random_state=2)
    assert_ci_contains_estimate(table)
    assert table["share"].sum() == pytest.approx(100)
    # the point estimate is the importance of the pairwise-complete correlation matrix (pandas, min_periods)
    corr = frame[["y", *cols]].corr().to_numpy()
    ref = relative_weights(corr) if method == "relative_weights" else shapley_r2(corr)
    assert table.set_index("driver").loc[cols, "importance"].to_numpy() == pytest.approx(ref, abs=1e-10)
    n_pairs = frame[cols].notna().mul(frame["y"].notna(), axis=0).sum()
    assert table.set_index("driver").loc[cols, "n"].tolist() == n_pairs.tolist()
    assert table["p"].isna().all() and any("robust p-values" in w for w in table.attrs["warnings"])


def test_pairwise_weighted_correlations():
    frame = missing_frame(n=800, p=3).assign(w=np.random.default_rng(1).uniform(0.5, 2, 800))
    table = drivers(frame, outcome="y", drivers=["q0", "q1", "q2"], weights="w", missing="pairwise", n_boot=100)
    assert_ci_contains_estimate(table)
    cols = ["y", "q0", "q1", "q2"]
    ref = np.eye(4)
    for i, j in itertools.combinations(range(4), 2):
        ok = frame[[cols[i], cols[j]]].notna().all(axis=1)
        ref[i, j] = ref[j, i] = np.cov(frame.loc[ok, cols[i]], frame.loc[ok, cols[j]], aweights=frame.loc[ok, "w"])[
            0, 1] / np.sqrt(np.cov(frame.loc[ok, cols[i]], aweights=frame.loc[ok, "w"])
                            * np.cov(frame.loc[ok, cols[j]], aweights=frame.loc[ok, "w"]))
    assert table.set_index("driver").loc[cols[1:], "importance"].to_numpy() == pytest.approx(
        relative_weights(ref), abs=1e-10)


def test_pairwise_ba_airline_with_sparse_wifi():
    ba = pd.read_csv(realdata("ba_airline_reviews") / "BA_AirlineReviews.csv")
    cols = [*BA_DRIVERS, "Wifi&Connectivity"]
    assert ba["Wifi&Connectivity"].isna().sum() == 3092
    table = drivers(ba, outcome="OverallRating", drivers=cols, missing="pairwise", n_boot=150, random_state=1)
    assert_ci_contains_estimate(table)
    assert table["driver"].iloc[0] == "ValueForMoney"
    assert table.set_index("driver").loc["Wifi&Connectivity", "n"] == 609
    report = driver_report(ba, outcome="OverallRating", drivers=cols, missing="pairwise", n_boot=100)
    text = " ".join(report.sentences())
    assert "ValueForMoney matters most" in text and "Wifi&Connectivity" in text


def test_pairwise_inconsistent_correlations_are_smoothed_with_a_warning():
    # a~b and b~c answered by different people, a and c anti-correlated: no joint distribution fits
    rng = np.random.default_rng(9)
    n = 300
    blocks = []
    for first, second, sign in [("a", "b", 1), ("b", "c", 1), ("a", "c", -1)]:
        u = rng.normal(size=n)
        blocks.append(pd.DataFrame({first: u + 0.3 * rng.normal(size=n), second: sign * u + 0.3 * rng.normal(size=n)}))
    frame = pd.concat(blocks, ignore_index=True)
    frame["y"] = frame[["a", "b", "c"]].sum(axis=1, min_count=1) + rng.normal(size=len(frame))
    corr = frame[["y", "a", "b", "c"]].corr().to_numpy()
    assert np.linalg.eigvalsh(corr).min() < -0.1  # the pairwise matrix is not a correlation matrix
    table = drivers(frame, outcome="y", drivers=["a", "b", "c"], missing="pairwise", n_boot=100)
    assert any("not positive definite" in w for w in table.attrs["warnings"])
    assert np.isfinite(table[["importance", "share", "ci_low", "ci_high"]].to_numpy()).all()
    assert 0 <= table.attrs["r2"] <= 1 and table["share"].sum() == pytest.approx(100)
    assert_ci_contains_estimate(table)


def test_pairwise_needs_enough_pairs():
    frame = missing_frame(n=400, p=2)
    frame.loc[frame["q0"].notna(), "q1"] = np.nan  # q0 and q1 never answered together
    with pytest.raises(CsatAnalysisError, match="'q0' and 'q1'"):
        drivers(frame, outcome="y", drivers=["q0", "q1"], missing="pairwise", n_boot=0)


# --------------------------------------------------------------------------- labels


def test_labels_keep_the_column_spelling():
    rng = np.random.default_rng(4)
    n = 600
    frame = pd.DataFrame({"ValueForMoney": rng.integers(1, 6, n), "Wifi&Connectivity": rng.integers(1, 3, n),
                          "rating_staff": rng.integers(2, 6, n)}).astype(float)
    frame["OverallRating"] = (2 * frame["ValueForMoney"] + frame["Wifi&Connectivity"] + frame["rating_staff"]
                              + rng.normal(size=n))
    frame["segment"] = rng.choice(["A", "B"], n)
    cols = ["ValueForMoney", "Wifi&Connectivity", "rating_staff"]
    report = driver_report(frame, outcome="OverallRating", drivers=cols, by="segment", n_boot=100)
    text = " ".join(report.sentences())
    assert "ValueForMoney matters most" in text and "Wifi&Connectivity performs worst" in text, text
    assert "Valueformoney" not in text and "Wifi&connectivity" not in text
    assert "Rating staff" in text or "rating_staff" not in text  # snake_case is still prettified
    html = report.table_html().data
    assert "ValueForMoney" in html and "Wifi&amp;Connectivity" in html
    quadrant = {t.get_text() for t in report.plot_quadrant().texts}
    assert {"ValueForMoney", "Wifi&Connectivity", "Rating staff"} <= quadrant
    ticks = {t.get_text() for t in report.plot_segments().get_yticklabels()}
    assert {"ValueForMoney", "Wifi&Connectivity"} <= ticks
    assert report.headline_values()["Top driver"].startswith("ValueForMoney")
