"""Correlations: R cor.test known answers, Bonett-Wright intervals, sample truth, real data, heatmaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat_analysis import CsatAnalysisError, ParameterError, correlate, correlation_matrix, load_responses
from csat_analysis.datasets import SAMPLE_SCHEMA, make_sample
from csat_analysis.metrics import apply_privacy, summarize
from csat_analysis.plots import plot_correlation_heatmap, plot_score_scatter, plot_segment_heatmap

from .conftest import REFERENCE, realdata


@pytest.fixture(scope="module")
def reference_data():
    data = pd.read_csv(REFERENCE / "weighted_scores.csv")
    data["nps"] = data["nps"].astype("Int64")
    return data


@pytest.mark.parametrize("method", ["pearson", "spearman", "kendall"])
def test_matches_r_cor_test(reference_data, method):
    ref = pd.read_csv(REFERENCE / "cor_test.csv")
    ref = ref[ref.method == method].reset_index(drop=True)
    out = correlate(reference_data, method=method)
    assert out[["x", "y"]].values.tolist() == ref[["x", "y"]].values.tolist()
    assert out["n"].tolist() == ref["n"].tolist()
    assert out["r"].to_numpy() == pytest.approx(ref["r"].to_numpy(), abs=1e-9)
    assert out["p"].to_numpy() == pytest.approx(ref["p"].to_numpy(), rel=1e-6)
    if method == "pearson":  # R gives the Fisher z interval for Pearson only
        assert out["ci_low"].to_numpy() == pytest.approx(ref["ci_low"].to_numpy(), abs=1e-9)
        assert out["ci_high"].to_numpy() == pytest.approx(ref["ci_high"].to_numpy(), abs=1e-9)


@pytest.mark.parametrize("method, var", [("spearman", lambda r, n: (1 + r**2 / 2) / (n - 3))])
def test_bonett_wright_intervals(reference_data, method, var):
    out = correlate(reference_data, method=method)
    for row in out.itertuples():
        half = 1.959964 * np.sqrt(var(row.r, row.n))
        assert row.ci_low == pytest.approx(np.tanh(np.arctanh(row.r) - half), abs=1e-6)
        assert row.ci_high == pytest.approx(np.tanh(np.arctanh(row.r) + half), abs=1e-6)


def test_kendall_interval_uses_tau_b_asymptotic_variance_with_ties():
    """The delta-method SE of tau-b (SAS ASE1) agrees with the bootstrap SE on tied 1-5 data."""
    from scipy import stats

    from csat_analysis.correlation import _tau_b_ase

    rng = np.random.default_rng(1)
    x = rng.integers(1, 6, 200)
    y = np.clip(x + rng.integers(-2, 3, 200), 1, 5)
    tau = stats.kendalltau(x, y).statistic
    boot = [stats.kendalltau(x[i], y[i]).statistic for i in (rng.integers(0, 200, 200) for _ in range(400))]
    assert _tau_b_ase(x, y, tau) == pytest.approx(np.std(boot), rel=0.1)
    out = correlate(pd.DataFrame({"csat": x, "ces": y}), columns=["csat", "ces"], method="kendall").iloc[0]
    half = 1.959964 * _tau_b_ase(x, y, tau) / (1 - tau**2)
    assert out.ci_low == pytest.approx(np.tanh(np.arctanh(tau) - half), abs=1e-6)


def test_kendall_interval_covers_one_fixed_draw():
    """One fixed-seed draw of the coverage run below (fast tier): that interval covers the population tau-b.
    (Seed 3, the simulation's default; the first draw of seed 4 is one of the 5% that miss.)"""
    from .simulations.correlation_size import kendall_coverage

    assert kendall_coverage(reps=1, n=150, seed=3) == 1.0


@pytest.mark.simulation
def test_kendall_coverage_with_ties():
    """95% tau-b intervals cover on heavily tied 1-5 data (Bonett-Wright's 0.437/(n-4): 88% with this seed)."""
    from .simulations.correlation_size import kendall_coverage

    assert 0.92 <= kendall_coverage(reps=150, n=150, seed=4) <= 0.98


def test_aggregate_random_walks_one_fixed_draw():
    """One fixed-seed draw of the size run below (fast tier): no false positive for that pair of walks."""
    from .simulations.correlation_size import aggregate_size

    assert aggregate_size(reps=1, periods=36, seed=5) == 0.0


@pytest.mark.simulation
def test_aggregate_random_walks_keep_their_size():
    """Two independent random walks over 36 months: few false positives (levels gave 22-40%)."""
    from .simulations.correlation_size import aggregate_size

    assert aggregate_size(reps=60, periods=36, seed=5) <= 0.12


def test_ci_level_in_report_text(responses):
    from csat_analysis.reports.correlations import correlation_report

    rep = correlation_report(responses, ci=0.80)
    text = " ".join(rep.sentences())
    assert "80% CI" in text and "95% CI" not in text
    assert "80% CI low" in str(rep.table_html())


def test_bh_across_pairs(reference_data):
    from statsmodels.stats.multitest import multipletests

    out = correlate(reference_data, method="pearson")
    assert out["p_adj"].to_numpy() == pytest.approx(multipletests(out["p"], method="fdr_bh")[1])


def test_sample_correlations_match_documented_truth():
    raw, truth = make_sample(40_000, seed=21, return_truth=True)
    frame, _ = load_responses(raw, SAMPLE_SCHEMA)
    for method in ("spearman", "pearson"):
        out = correlate(frame, method=method).set_index(["x", "y"])
        for pair, value in truth.correlations[method].items():
            a, b = pair.split("~")
            row = out.loc[(a, b)]
            assert row["ci_low"] - 0.01 <= value <= row["ci_high"] + 0.01, (method, pair, row["r"], value)


def test_ba_airline_pearson_reference():
    folder = realdata("ba_airline_reviews")
    df, _ = load_responses(folder / "BA_AirlineReviews.csv", REFERENCE.parent / "schemas" / "ba_airline_reviews.yml")
    out = correlate(df, columns=["csat", "ValueForMoney", "SeatComfort", "InflightEntertainment"],
                    method="pearson").set_index(["x", "y"])["r"]
    assert out[("csat", "ValueForMoney")] == pytest.approx(0.873, abs=5e-4)
    assert out[("csat", "SeatComfort")] == pytest.approx(0.740, abs=5e-4)
    assert out[("csat", "InflightEntertainment")] == pytest.approx(0.547, abs=5e-4)


def test_aggregate_level(responses):
    out = correlate(responses, level="aggregate", freq="M", method="pearson")
    monthly = summarize(responses, metrics=["csat", "nps"], freq="M").pivot(index="period", columns="metric",
                                                                            values="score")
    row = out[(out.x == "csat") & (out.y == "nps")].iloc[0]
    assert row["n"] == 12
    # changes between months, not levels (levels of trending series correlate by chance)
    assert row["r"] == pytest.approx(np.corrcoef(np.diff(monthly["csat"]), np.diff(monthly["nps"]))[0, 1])
    assert "first differences" in row["note"] and "effective n" in row["note"]
    quarterly = correlate(responses, level="aggregate", freq="Q")
    assert (quarterly["n"] == 4).all() and quarterly["note"].str.contains("only 4 period units").all()
    by = correlate(responses, level="aggregate", by="region", freq="Q")
    assert (by["n"] == 8).all()
    seg = correlate(responses, level="aggregate", by="region")
    assert (seg["n"] == 2).all()
    with pytest.raises(ParameterError, match="needs units"):
        correlate(responses, level="aggregate")


def test_by_segment_and_bad_input(responses):
    out = correlate(responses, by="region")
    assert out.columns[0] == "region" and len(out) == 6
    tiny = pd.DataFrame({"csat": [1, 2, np.nan, 4], "nps": [3, 4, 5, np.nan], "ces": [2, 2, 2, 2]})
    res = correlate(tiny).set_index(["x", "y"])
    assert np.isnan(res.loc[("csat", "nps"), "r"]) and "fewer than 3" in res.loc[("csat", "nps"), "note"]
    assert "constant" in res.loc[("csat", "ces"), "note"]
    with pytest.raises(ParameterError, match="`method` must be one of"):
        correlate(responses, method="cosine")
    with pytest.raises(CsatAnalysisError, match="is not numeric"):
        correlate(responses.assign(ces=responses["region"].astype(str)))
    with pytest.raises(ParameterError, match="at least two"):
        correlate(responses, columns=["csat"])


def test_matrix_and_heatmap_draw_what_the_table_says(responses):
    table = correlate(responses, method="pearson")
    mat = correlation_matrix(table)
    assert mat.shape == (3, 3) and (np.diag(mat) == 1).all()
    assert mat.loc["nps", "csat"] == mat.loc["csat", "nps"]
    table.loc[0, ["r", "p_adj"]] = [0.5, 0.0001]
    ax = plot_correlation_heatmap(table)
    texts = [t.get_text() for t in ax.texts]
    assert "0.50***" in texts and len(texts) == 3  # lower triangle only
    mesh = ax.collections[0]
    assert mesh.get_clim() == (-1, 1)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["NPS", "CES"]
    full = plot_correlation_heatmap(table, mask_upper=False)
    assert len(full.texts) == 9


def test_segment_heatmap_marks_low_n_and_blanks_suppressed(responses):
    table = summarize(responses, metrics="csat", by="region", freq="Q", min_n=55)
    table.loc[0, "n"] = 3
    ax = plot_segment_heatmap(apply_privacy(table), metric="csat", by="region")
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 7  # eight cells, one suppressed
    assert sum(t.endswith("*") for t in texts) == int(table["low_n"].iloc[1:].sum())


def test_scatter_has_fitted_line(responses):
    ax = plot_score_scatter(responses)
    assert ax.get_xlabel().startswith("NPS") and len(ax.lines) == 1
