"""Known answers, R references and coverage simulations for csat_analysis.metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from csat_analysis import CsatAnalysisError, ParameterError, ces, compare, csat, nps, summarize, wilson_interval
from csat_analysis.metrics import bh_adjust

from .conftest import REFERENCE

# --------------------------------------------------------------------------- published known answers


def test_nps_small_example_trinomial_variance():
    e = nps([0, 7, 7, 9, 9, 9])
    assert e.score == pytest.approx(100 / 3)
    # variance of the -1/0/+1 coding with divisor n: p + d - (p - d)^2 = 1/2 + 1/6 - 1/9 = 5/9
    assert (e.se / 100) ** 2 * 6 == pytest.approx(5 / 9)
    assert e.se == pytest.approx(30.4, abs=0.05)
    assert e.shares == pytest.approx({"promoters": 50.0, "passives": 100 / 3, "detractors": 100 / 6})


def test_nps_wald_published_example():
    e = nps([9] * 291 + [7] * 476 + [0] * 395, ci_method="wald")
    assert e.score == pytest.approx(-8.95, abs=0.005)
    assert e.score - e.ci_low == pytest.approx(4.39, abs=0.005)
    assert e.ci_high - e.score == pytest.approx(4.39, abs=0.005)


def test_nps_adjusted_wald_by_definition():
    e = nps([9] * 291 + [7] * 476 + [0] * 395)
    n2 = 1162 + 3
    p, d = (291 + 0.75) / n2, (395 + 0.75) / n2
    half = 1.959964 * 100 * np.sqrt((p + d - (p - d) ** 2) / n2)
    assert e.ci_low == pytest.approx(100 * (p - d) - half, abs=1e-4)
    assert e.ci_high == pytest.approx(100 * (p - d) + half, abs=1e-4)
    assert e.score == pytest.approx(-8.95, abs=0.005)  # the point estimate stays the raw NPS


def test_wilson_10_of_100():
    low, high = wilson_interval(0.1, 100)
    assert 100 * low == pytest.approx(5.52, abs=0.005)
    assert 100 * high == pytest.approx(17.44, abs=0.005)
    e = csat([5] * 10 + [2] * 90)
    assert (e.ci_low, e.ci_high) == pytest.approx((100 * low, 100 * high))


def test_ces_mean_guard_against_published_slip():
    e = ces([4, 5, 6, 7, 7])
    assert e.score == pytest.approx(5.8)
    assert e.score != pytest.approx(4.8)
    sd = np.std([4, 5, 6, 7, 7], ddof=1)
    t = stats.t.ppf(0.975, 4)
    assert (e.ci_low, e.ci_high) == pytest.approx((5.8 - t * sd / np.sqrt(5), 5.8 + t * sd / np.sqrt(5)))


def test_newcombe_published_example():
    # Newcombe (1998) Stat Med 17:873, example (a): 56/70 vs 48/80, method 10 gives 0.0524 to 0.3339
    df = pd.DataFrame({"csat": [5] * 56 + [1] * 14 + [5] * 48 + [1] * 32, "g": ["a"] * 70 + ["b"] * 80})
    out = compare(df, metric="csat", by="g", reference="b").iloc[0]
    assert out["change"] == pytest.approx(20.0)
    assert out["ci_low"] == pytest.approx(5.24, abs=0.005)
    assert out["ci_high"] == pytest.approx(33.39, abs=0.005)
    chi2, p, *_ = stats.chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert out["p"] == pytest.approx(p)


def test_welch_matches_scipy(responses):
    out = compare(responses, metric="ces", by="region", reference="South").iloc[0]
    a = responses.loc[responses.region == "North", "ces"].astype(float)
    b = responses.loc[responses.region == "South", "ces"].astype(float)
    res = stats.ttest_ind(a, b, equal_var=False)
    assert out["change"] == pytest.approx(a.mean() - b.mean())
    assert out["p"] == pytest.approx(res.pvalue)
    ci = res.confidence_interval(0.95)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((ci.low, ci.high))


def test_nps_difference_formula_keeps_sign():
    df = pd.DataFrame({"nps": [10] * 30 + [0] * 20 + [8] * 10 + [10] * 10 + [0] * 40 + [8] * 10,
                       "g": ["a"] * 60 + ["b"] * 60})
    out = compare(df, metric="nps", by="g", reference="a").iloc[0]
    assert out["change"] == pytest.approx(100 * (10 - 40) / 60 - 100 * (30 - 20) / 60)

    def adj(P, D, n):
        n2 = n + 3
        p, d = (P + 0.75) / n2, (D + 0.75) / n2
        return 100 * (p - d), 100**2 * (p + d - (p - d) ** 2), n2

    a2, v2, n2 = adj(10, 40, 60)
    a1, v1, n1 = adj(30, 20, 60)
    z = (a2 - a1) / np.sqrt(v2 / n2 + v1 / n1)
    assert z < 0
    assert out["p"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert out["ci_high"] < 0


def test_bh_matches_statsmodels(rng):
    p = rng.uniform(0, 0.2, 25)
    assert bh_adjust(p) == pytest.approx(multipletests(p, method="fdr_bh")[1])


# --------------------------------------------------------------------------- R survey package


def _r_survey_case():
    """The data, the R survey reference rows, and summarize's overall and by-group tables on it."""
    data = pd.read_csv(REFERENCE / "weighted_scores.csv")
    data["nps"] = data["nps"].astype("Int64")
    allm = ["csat", "csat_mean", "nps", "ces", "ces_top"]
    overall = summarize(data, metrics=allm, weights="weight").set_index("metric")
    by = summarize(data, metrics=allm, by="group", weights="weight").set_index(["group", "metric"])
    return data, pd.read_csv(REFERENCE / "survey_weighted.csv"), overall, by


def test_weighted_estimates_match_r_survey():
    _, ref, overall, by = _r_survey_case()
    for row in ref.itertuples():
        got = overall.loc[row.quantity, "score"] if row.group == "all" else by.loc[(row.group, row.quantity), "score"]
        assert got == pytest.approx(row.estimate, abs=1e-6), (row.quantity, row.group)


def test_weighted_ses_match_r_survey_linearization():
    """SEs equal R survey::svymean on svydesign(ids=~1, weights=~weight) to 1e-6 (was Kish-based: NPS 6.39 vs 6.02)."""
    data, ref, overall, by = _r_survey_case()
    for row in ref.itertuples():
        got = overall.loc[row.quantity, "se"] if row.group == "all" else by.loc[(row.group, row.quantity), "se"]
        want = 100 * row.r_se if row.quantity in ("csat", "ces_top") else row.r_se
        assert got == pytest.approx(want, abs=1e-6), (row.quantity, row.group)
    # the one-sample functions give the same
    r_se = ref.query("quantity == 'nps' and group == 'all'").r_se.item()
    assert nps(data, weights="weight").se == pytest.approx(r_se, abs=1e-6)


def test_weighted_intervals_match_linearization_variance():
    """Wilson at n* (binomial variance at n* = linearization variance); t on Kish's n_eff - 1 for means."""
    data = pd.read_csv(REFERENCE / "weighted_scores.csv")
    w = data["weight"].to_numpy()
    n_eff = w.sum() ** 2 / (w**2).sum()
    out = summarize(data, metrics=["csat", "ces"], weights="weight").set_index("metric")
    assert out.loc["csat", "n_eff"] == pytest.approx(n_eff)
    p = np.average(data["csat"] >= 4, weights=w)
    se = out.loc["csat", "se"] / 100
    low, high = wilson_interval(p, p * (1 - p) / se**2)
    assert (out.loc["csat", "ci_low"], out.loc["csat", "ci_high"]) == pytest.approx((100 * low, 100 * high))
    x = data["ces"].to_numpy(float)
    m = np.average(x, weights=w)
    n = len(x)
    se = np.sqrt(n / (n - 1) * (w**2 * (x - m) ** 2).sum() / w.sum() ** 2)
    t = stats.t.ppf(0.975, n_eff - 1)
    assert out.loc["ces", "se"] == pytest.approx(se)
    assert out.loc["ces", "ci_low"] == pytest.approx(m - t * se)


def test_weighted_differences_use_linearization_variances():
    """compare() with weights: var(a - b) = Va + Vb with R's linearization SEs (disjoint domains)."""
    data = pd.read_csv(REFERENCE / "weighted_scores.csv")
    ref = pd.read_csv(REFERENCE / "survey_weighted.csv").set_index(["quantity", "group"])
    out = compare(data, metric="ces_top", by="group", reference="b", weights="weight").set_index("group")
    for g in ("a", "c"):
        se = np.hypot(ref.loc[("ces_top", g), "r_se"], ref.loc[("ces_top", "b"), "r_se"])
        d = (ref.loc[("ces_top", g), "estimate"] - ref.loc[("ces_top", "b"), "estimate"]) / 100
        assert out.loc[g, "p"] == pytest.approx(2 * stats.norm.sf(abs(d) / se), rel=1e-6)
    out = compare(data, metric="ces", by="group", reference="b", weights="weight").set_index("group")
    w = data["weight"]
    ne = {g: w[data.group == g].sum() ** 2 / (w[data.group == g] ** 2).sum() for g in "abc"}
    for g in ("a", "c"):
        qa, qb = ref.loc[("ces", g), "r_se"] ** 2, ref.loc[("ces", "b"), "r_se"] ** 2
        df = (qa + qb) ** 2 / (qa**2 / (ne[g] - 1) + qb**2 / (ne["b"] - 1))
        d = ref.loc[("ces", g), "estimate"] - ref.loc[("ces", "b"), "estimate"]
        assert out.loc[g, "p"] == pytest.approx(2 * stats.t.sf(abs(d) / np.sqrt(qa + qb), df), rel=1e-6)


def test_weighted_intervals_cover_one_fixed_draw():
    """One fixed-seed draw of the coverage run below (fast tier): every metric's interval covers the truth."""
    from .simulations.weighted_coverage import simulate

    assert all(c == 1.0 for c in simulate(reps=1, n=300, seed=17).values())


@pytest.mark.simulation
def test_weighted_coverage_strongly_unequal_weights():
    """95% intervals keep coverage with informative, strongly unequal weights (larger run:
    tests/simulations/weighted_coverage.py).  Kish-based SEs covered 87-92% here."""
    from .simulations.weighted_coverage import simulate

    cover = simulate(reps=100, n=300, seed=17)
    for metric, c in cover.items():
        assert 0.90 <= c <= 0.99, (metric, c)


def test_unit_weights_equal_unweighted(responses):
    """Unit weights give the unweighted scores; SEs differ only by R's N/(N-1) factor (divisor n vs n - 1)."""
    ms = ["csat", "nps", "ces", "csat_mean", "ces_top"]
    a = summarize(responses, metrics=ms)
    b = summarize(responses.assign(weight=1.0), metrics=ms, weights="weight")
    interval = ["se", "ci_low", "ci_high"]
    pd.testing.assert_frame_equal(a.drop(columns=interval), b.drop(columns=interval))
    n = len(responses)
    for m in ("csat", "nps", "ces_top"):
        se_a = a.set_index("metric").loc[m, "se"]
        assert b.set_index("metric").loc[m, "se"] == pytest.approx(se_a * np.sqrt(n / (n - 1)))
    for k in ("se", "ci_low", "ci_high"):
        assert np.allclose(a[k], b[k], rtol=1e-2, equal_nan=True)


# --------------------------------------------------------------------------- coverage simulations


@pytest.mark.parametrize("n, reps", [
    pytest.param(50, 4000, marks=pytest.mark.simulation),
    pytest.param(1000, 4000, marks=pytest.mark.simulation),
    (50, 40),  # a small fixed-seed run in the fast tier (coverage by chance alone would rarely fall outside)
])
def test_interval_coverage_nps_and_csat(n, reps):
    rng = np.random.default_rng(n)
    nps_true, csat_true = 100 * (0.45 - 0.25), 70.0
    nps_scores = rng.choice([10, 8, 3], size=(reps, n), p=[0.45, 0.30, 0.25])
    csat_scores = rng.choice([5, 4, 2], size=(reps, n), p=[0.30, 0.40, 0.30])
    frame = pd.DataFrame({"rep": np.repeat(np.arange(reps), n), "nps": nps_scores.ravel(), "csat": csat_scores.ravel()})
    out = summarize(frame, metrics=["nps", "csat"], by="rep")
    for metric, truth in (("nps", nps_true), ("csat", csat_true)):
        rows = out[out.metric == metric]
        coverage = ((rows.ci_low <= truth) & (truth <= rows.ci_high)).mean()
        low, high = (0.935, 0.965) if reps >= 1000 else (0.85, 1.0)
        assert low <= coverage <= high, (metric, n, coverage)


# --------------------------------------------------------------------------- the tidy table


def test_summarize_columns_and_periods(responses):
    out = summarize(responses, metrics=["csat", "nps"], by="region", freq="Q")
    assert list(out.columns) == ["region", "period", "metric", "n", "n_eff", "score", "se", "ci_low", "ci_high",
                                 "low_n"]
    assert set(out.period) == {"2024Q1", "2024Q2", "2024Q3", "2024Q4"}
    assert out.groupby("metric").n.sum().to_dict() == {"csat": 400, "nps": 400}
    m = summarize(responses, metrics="csat", freq="M")
    assert m.period.iloc[0] == "2024-01" and len(m) == 12
    w = summarize(responses, metrics="csat", freq="W")
    assert w.period.iloc[0] == "2024-W01"
    y = summarize(responses, metrics="csat", freq="Y")
    assert y.period.tolist() == ["2024"]


def test_summarize_matches_groupby(responses_missing):
    out = summarize(responses_missing, metrics=["csat", "nps", "ces", "csat_mean", "ces_top"], by="region")
    for region, g in responses_missing.groupby("region", observed=True):
        r = out[out.region == region].set_index("metric")
        assert r.loc["csat", "score"] == pytest.approx(100 * (g.csat >= 4).mean())
        assert r.loc["csat_mean", "score"] == pytest.approx(g.csat.astype(float).mean())
        valid = g.nps.dropna().astype(int)
        assert r.loc["nps", "n"] == len(valid)
        assert r.loc["nps", "score"] == pytest.approx(100 * ((valid >= 9).mean() - (valid <= 6).mean()))
        assert r.loc["ces", "n"] == g.ces.notna().sum()
        assert r.loc["ces_top", "score"] == pytest.approx(100 * (g.ces.dropna() >= 5).mean())


@pytest.mark.parametrize("block, fine_cells", [(1 << 18, 1 << 18), (7, 1 << 18), (50, 0)])
@pytest.mark.parametrize("freq", ["W", "M"])
def test_summarize_by_two_segments_and_period_matches_a_direct_computation(responses_missing, rng, monkeypatch,
                                                                            block, fine_cells, freq):
    # rows counted in blocks of 7 or 50 (block edges everywhere), and per period instead of per day
    import csat_analysis.cells as cells

    monkeypatch.setattr(cells, "BLOCK", block)
    monkeypatch.setattr(cells, "MAX_FINE_CELLS", fine_cells)
    df = responses_missing.copy()
    df["channel"] = pd.Categorical(rng.choice(["Web", "Phone", "Store"], len(df)))
    df.loc[rng.random(len(df)) < 0.05, "date"] = pd.NaT
    df.loc[rng.random(len(df)) < 0.05, "region"] = np.nan
    out = summarize(df, metrics=["csat", "nps", "ces"], by=["region", "channel"], freq=freq, weights="weight")
    period = df["date"].dt.to_period(freq)
    labels = period.dt.strftime("%Y-%m") if freq == "M" else period.map(
        lambda p: f"{p.start_time.isocalendar()[0]}-W{p.start_time.isocalendar()[1]:02d}" if pd.notna(p) else None)
    ok = df["date"].notna() & df["region"].notna()
    expected = {}
    for (region, channel, label), g in df[ok].groupby([df["region"], df["channel"], labels[ok]], observed=True):
        c = g.dropna(subset=["csat"])
        v = g.dropna(subset=["nps"])
        e = g.dropna(subset=["ces"])
        expected[(region, channel, label)] = {
            "csat": (len(c), 100 * np.average(c.csat >= 4, weights=c.weight) if len(c) else np.nan),
            "nps": (len(v), 100 * (np.average(v.nps >= 9, weights=v.weight) - np.average(v.nps <= 6, weights=v.weight))
                    if len(v) else np.nan),
            "ces": (len(e), np.average(e.ces.astype(float), weights=e.weight) if len(e) else np.nan),
        }
    got = {(r.region, r.channel, r.period): r for r in out.itertuples()}
    assert {k[:3] for k in got} == set(expected)
    for r in out.itertuples():
        n, score = expected[(r.region, r.channel, r.period)][r.metric]
        assert r.n == n
        assert r.score == pytest.approx(score, nan_ok=True)


def test_low_n_flag_and_empty_groups():
    df = pd.DataFrame({"csat": pd.array([5, 4, pd.NA, pd.NA], dtype="Int64"), "seg": ["a", "a", "b", "b"]})
    out = summarize(df, metrics="csat", by="seg", min_n=2)
    b = out[out.seg == "b"].iloc[0]
    assert b.n == 0 and np.isnan(b.score) and b.low_n
    assert not out[out.seg == "a"].iloc[0].low_n
    empty = summarize(df.iloc[:0], metrics=["csat", "nps"] if "nps" in df else "csat")
    assert empty.n.tolist() == [0] and np.isnan(empty.score.iloc[0])


def test_compare_consecutive_periods(responses):
    out = compare(responses, metric="csat", period="Q")
    assert out.period.tolist() == ["2024Q2", "2024Q3", "2024Q4"]
    assert out.reference.tolist() == ["2024Q1", "2024Q2", "2024Q3"]
    q = summarize(responses, metrics="csat", freq="Q").set_index("period").score
    assert out.change.tolist() == pytest.approx((q.diff().dropna()).tolist())
    assert out.p_adj.tolist() == pytest.approx(bh_adjust(out.p).tolist())
    by = compare(responses, metric="nps", period="Q", by="region")
    assert len(by) == 6 and set(by.region) == {"North", "South"}


def test_compare_periods_against_a_reference_period(responses):
    out = compare(responses, metric="csat", period="Q", reference="2024Q2")
    assert out.period.tolist() == ["2024Q1", "2024Q3", "2024Q4"]
    assert (out.reference == "2024Q2").all()
    # the same comparisons computed directly: quarters as segments, 2024Q2 the reference level
    direct = compare(responses.assign(q=responses.date.dt.to_period("Q").astype(str)), metric="csat", by="q",
                     reference="2024Q2").set_index("q")
    for col in ("n", "n_ref", "score", "score_ref", "change", "ci_low", "ci_high", "p", "p_adj"):
        assert out[col].tolist() == pytest.approx(direct.loc[out.period, col].tolist()), col
    q = summarize(responses, metrics="csat", freq="Q").set_index("period").score
    assert out.change.tolist() == pytest.approx((q.drop("2024Q2") - q["2024Q2"]).tolist())
    # a date inside the reference period works too; within segments with `by`
    same = compare(responses, metric="csat", period="Q", reference=pd.Timestamp("2024-05-17"))
    assert same.change.tolist() == pytest.approx(out.change.tolist())
    by = compare(responses, metric="nps", period="M", by="region", reference="2024-01")
    assert len(by) == 22 and set(by.reference) == {"2024-01"}
    north = responses[responses.region == "North"]
    m = summarize(north, metrics="nps", freq="M").set_index("period").score
    got = by[by.region == "North"].set_index("period").change
    assert got.tolist() == pytest.approx((m.drop("2024-01") - m["2024-01"]).tolist())
    with pytest.raises(ParameterError, match="not a period"):
        compare(responses, metric="csat", period="Q", reference="2023Q4")


@pytest.fixture
def with_small_segment():
    """Segments A (3 answers), B and C (100 each)."""
    csat_scores = [5, 5, 1] + [5] * 70 + [2] * 30 + [5] * 40 + [2] * 60
    return pd.DataFrame({"csat": pd.array(csat_scores, dtype="Int64"),
                         "seg": pd.Categorical(["A"] * 3 + ["B"] * 100 + ["C"] * 100)})


def test_compare_privacy_hides_a_small_segment_and_the_rest_that_contains_it(with_small_segment):
    from csat_analysis import apply_privacy

    df = with_small_segment
    truth = 100 * 2 / 3  # A's score
    shared = apply_privacy(compare(df, metric="csat", by="seg"), privacy_min_n=5).set_index("seg")
    a = shared.loc["A"]
    assert a.suppressed and np.isnan(a.score) and np.isnan(a.change) and np.isnan(a.score_ref)
    assert np.isnan(a.score_ref + a.change)  # rest score + difference
    # B's "rest" is A + C, and C's own score is shown: together they would give A's score
    b, c = shared.loc["B"], shared.loc["C"]
    recovered = (b.score_ref * b.n_ref - c.score * c.n) / (b.n_ref - c.n)
    assert np.isnan(recovered) or recovered != pytest.approx(truth)
    recovered = ((b.score - b.change) * b.n_ref - c.score * c.n) / (b.n_ref - c.n)
    assert np.isnan(recovered) or recovered != pytest.approx(truth)
    # with privacy_min_n, compare leaves A out of every rest, so the other differences can be shown
    private = compare(df, metric="csat", by="seg", privacy_min_n=5)
    shown = apply_privacy(private, privacy_min_n=5).set_index("seg")
    assert np.isnan(shown.loc["A", "score"]) and np.isnan(shown.loc["A", "change"])
    assert shown.loc["B", "n_ref"] == 100 and shown.loc["B", "score_ref"] == pytest.approx(40.0)
    assert shown.loc["B", "change"] == pytest.approx(70.0 - 40.0)
    assert shown.loc["C", "score_ref"] == pytest.approx(70.0)
    # a small reference level hides every difference against it
    ref = apply_privacy(compare(df, metric="csat", by="seg", reference="A"), privacy_min_n=5)
    assert ref.suppressed.all() and ref[["score_ref", "change", "ci_low", "ci_high", "p"]].isna().all().all()


def test_compare_privacy_hides_changes_against_a_small_period(responses):
    from csat_analysis import apply_privacy

    march = (responses.date >= "2024-03-01") & (responses.date < "2024-04-01")
    frame = pd.concat([responses[~march], responses[march].iloc[:2]]).sort_values("date", ignore_index=True)
    assert "n_ref" in compare(frame, metric="csat", period="M").columns
    for table in (apply_privacy(compare(frame, metric="csat", period="M"), privacy_min_n=5),
                  compare(frame, metric="csat", period="M", privacy_min_n=5)):
        t = table.set_index("period")
        assert np.isnan(t.loc["2024-03", "change"]) and np.isnan(t.loc["2024-03", "score"])
        # April's change against March would give March's score: April's score - change
        assert np.isnan(t.loc["2024-04", "change"]) and np.isnan(t.loc["2024-04", "score_ref"])
        assert not np.isnan(t.loc["2024-05", "change"])
    against = apply_privacy(compare(frame, metric="csat", period="M", reference="2024-03"), privacy_min_n=5)
    assert against[["score_ref", "change"]].isna().all().all()
    by = apply_privacy(compare(frame, metric="csat", period="M", by="region"), privacy_min_n=5)
    small = by[(by.period == "2024-04") & (by.n_ref < 5)]
    assert len(small) and small[["score_ref", "change"]].isna().all().all()


def test_printed_intervals_differ_from_the_estimate():
    from csat_analysis.narrative import displayed, fmt_estimate, interval_decimals

    e = ces([3, 4] * 100_000 + [5] * 3_000)  # a large-n mean: 3.52 [3.52, 3.52] at two decimals
    assert f"{e.ci_low:.2f}" == f"{e.score:.2f}" == f"{e.ci_high:.2f}"
    assert str(e) == f"CES mean score {e.score:.3f} (95% CI {e.ci_low:.3f} to {e.ci_high:.3f}, n = 203,000)"
    assert fmt_estimate("ces", 3.4031, 3.3985, 3.4088) == "3.403 [3.398, 3.409]"
    assert fmt_estimate("nps", 12.0, 10.7, 13.3) == "+12.0 [+10.7, +13.3]"  # already distinct: unchanged
    assert fmt_estimate("csat", 100.0, 96.4, 100.0) == "100.0% [96.4%, 100.0%]"  # a bound at the score is no reason
    assert interval_decimals("ces", 3.400001, 3.4, 3.4000012) == 4  # capped at 4 decimals
    assert displayed("nps", 14.999999999999996) == 15.0 and displayed("csat", 14.94) == 14.9


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"metrics": ["csatt"]}, "must be one of"),
        ({"metrics": ["nps"], "ci_method": "exact"}, "ci_method"),
        ({"metrics": ["csat"], "freq": "H"}, "freq"),
        ({"metrics": ["csat"], "by": "regoin"}, "Did you mean 'region'"),
        ({"metrics": ["csat"], "ci": 95}, "between 0 and 1"),
    ],
)
def test_bad_arguments(responses, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        summarize(responses, **kwargs)


def test_bad_values(responses):
    bad = responses.copy()
    bad["csat"] = bad["csat"].astype("Int64")
    bad.loc[3, "csat"] = 7
    with pytest.raises(CsatAnalysisError, match="holds 7, outside the CSAT scale 1-5"):
        summarize(bad, metrics="csat")
    text = responses.astype({"nps": object})
    text.loc[0, "nps"] = "ten"
    with pytest.raises(CsatAnalysisError, match="'ten', which is not a number"):
        summarize(text, metrics="nps")
    neg = responses.assign(weight=-1.0)
    with pytest.raises(CsatAnalysisError, match="weights must be positive"):
        summarize(neg, metrics="csat", weights="weight")


def test_ci_level_in_estimate_text():
    text = str(csat([5] * 60 + [2] * 40, ci=0.80))
    assert "80% CI" in text and "95%" not in text
