"""Campaign effects: R known answers, sample truth, interval coverage by simulation, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csat_analysis import (
    CsatAnalysisError,
    ParameterError,
    campaign_effect,
    compare_effects,
    load_responses,
    with_schema,
)
from csat_analysis.config import SAMPLE_DATA, SAMPLE_SCHEMA_FILE
from csat_analysis.datasets import SAMPLE_SCHEMA, make_sample
from csat_analysis.plots import plot_forest

from .conftest import REFERENCE


@pytest.fixture(scope="module")
def ref_data():
    d = pd.read_csv(REFERENCE / "effects_data.csv")
    for c in ("csat", "nps", "ces"):
        d[c] = d[c].astype("Int64")
    d["spring_promo"] = d["spring_promo"].astype(bool)
    d["date"] = pd.to_datetime(d["period"] + "-15")
    return d


@pytest.fixture(scope="module")
def reference():
    return pd.read_csv(REFERENCE / "effects_reference.csv").set_index("quantity")


def check(result_row, reference, name, tol=1e-6):
    assert result_row["estimate"] == pytest.approx(reference.loc[name, "estimate"], abs=tol), name
    assert result_row["se"] == pytest.approx(reference.loc[name, "se"], abs=tol), name


def test_linear_probability_model_hc1_and_cluster(ref_data, reference):
    r = campaign_effect(ref_data, outcome="csat", campaign="spring_promo", controls="C(region) + C(channel)")
    check(r.table.iloc[0], reference, "lpm_hc1")
    assert r.effect.unit == "pp"
    c = campaign_effect(ref_data, outcome="csat", campaign="spring_promo", controls="C(region) + C(channel)",
                        cluster="plan")
    check(c.table.iloc[0], reference, "lpm_cluster_plan")
    assert any("Only 3 clusters" in w for w in c.warnings)


def test_nps_coding_and_means(ref_data, reference):
    r = campaign_effect(ref_data, outcome="nps", campaign="spring_promo", controls="C(region) + C(channel)")
    check(r.table.iloc[0], reference, "nps_hc1")
    assert r.effect.unit == "NPS points" and any("left out" in w for w in r.warnings)
    r = campaign_effect(ref_data, outcome="ces", campaign="spring_promo", controls="C(region)")
    check(r.table.iloc[0], reference, "ces_hc1")


def test_logit_and_average_marginal_effect(ref_data, reference):
    r = campaign_effect(ref_data, outcome="csat", campaign="spring_promo", controls="C(region) + C(channel)",
                        model="logit")
    check(r.table.set_index("term").loc["spring_promo (log odds)"], reference, "logit_coef")
    # the AME of a dummy: mean over respondents of P(top | exposed) - P(top | not exposed), in pp
    import statsmodels.formula.api as smf

    d = ref_data.assign(top=(ref_data.csat >= 4).astype(int), x=ref_data.spring_promo.astype(int))
    fit = smf.logit("top ~ x + C(region) + C(channel)", d).fit(disp=False)
    ame = 100 * (fit.predict(d.assign(x=1)) - fit.predict(d.assign(x=0))).mean()
    assert r.effect.estimate == pytest.approx(ame, abs=1e-6)


def test_ordered_logit_matches_polr(ref_data, reference):
    r = campaign_effect(ref_data, outcome="csat_mean", campaign="spring_promo", controls="C(region) + C(channel)",
                        model="ordinal")
    check(r.table.iloc[0], reference, "polr")
    assert r.effect.unit == "odds ratio"
    assert r.effect.estimate == pytest.approx(np.exp(reference.loc["polr", "estimate"]), rel=1e-5)


def test_did_clustered_by_group(ref_data, reference):
    data = ref_data.copy()
    r = campaign_effect(data, outcome="csat", campaign="spring_promo", design="did", group="region",
                        start="2025-03-01", event_study=False)
    check(r.table.iloc[0], reference, "did_cluster_region")
    assert r.details["treated"] == ["East", "North"]
    assert any("Only 4 clusters" in w for w in r.warnings)


def test_its_newey_west(ref_data, reference):
    r = campaign_effect(ref_data, outcome="nps", campaign="spring_promo", design="its", group="region",
                        start="2025-03-01", maxlags=2, inference="newey-west")
    t = r.table.set_index("term")
    check(t.loc["level change"], reference, "its_level")
    check(t.loc["slope change"], reference, "its_slope")
    assert "jumped" in r.summary() and r.n == 18


@pytest.fixture(scope="module")
def sample_big():
    raw, truth = make_sample(80_000, seed=31, return_truth=True)
    frame, _ = load_responses(raw, SAMPLE_SCHEMA)
    return frame, truth


@pytest.mark.parametrize("outcome", ["csat", "csat_mean", "nps", "ces", "ces_top"])
def test_did_recovers_documented_sample_effects(sample_big, outcome):
    frame, truth = sample_big
    # cluster by respondent (heteroskedasticity-robust): four regions are too few clusters to judge coverage
    r = campaign_effect(frame, outcome=outcome, campaign="spring_promo", design="did", cluster="response_id",
                        event_study=False)
    assert abs(r.effect.estimate - truth.effects[outcome]) < 3 * r.table["se"].iloc[0], (
        outcome, r.effect.estimate, truth.effects[outcome])


def test_bundled_sample_effect_and_event_study():
    frame, _ = load_responses(SAMPLE_DATA, SAMPLE_SCHEMA_FILE)
    truth = json.loads((SAMPLE_DATA.parent / "sample_truth.json").read_text())["effects"]
    r = campaign_effect(frame, outcome="csat", campaign="spring_promo", design="did")
    assert r.effect.ci_low < truth["csat"] < r.effect.ci_high
    es = r.details["event_study"]
    assert es.loc[es.relative_period == -1, "estimate"].item() == 0
    assert (es.loc[es.relative_period >= 0, "estimate"] > 0).all()
    assert r.details["pretrend_p"] is not None
    ax = r.plot()
    assert "relative to the campaign start" in ax.get_xlabel()


def _exposure_rep(rng):
    n = 500
    region = rng.choice(["a", "b", "c"], n)
    base = pd.Series(region).map({"a": 0.3, "b": 0.5, "c": 0.6}).to_numpy()
    x = rng.random(n) < np.where(region == "a", 0.3, 0.6)  # confounded by region
    top = rng.random(n) < base + 0.10 * x
    return pd.DataFrame({"csat": np.where(top, 5, 2), "region": region, "promo": x})


def _did_rep(rng, groups=40, periods=8, per_cell=12):
    g = np.repeat(np.arange(groups), periods * per_cell)
    p = np.tile(np.repeat(np.arange(periods), per_cell), groups)
    treated = g < groups // 2
    post = p >= 4
    group_eff = rng.normal(0, 0.08, groups)[g]
    shock = rng.normal(0, 0.04, (groups, periods))[g, p]  # within-group correlation: why errors are clustered
    prob = np.clip(0.5 + group_eff + 0.02 * p + shock + 0.08 * (treated & post), 0.02, 0.98)
    top = rng.random(len(g)) < prob
    dates = pd.Timestamp("2024-01-15") + pd.to_timedelta(p * 31, unit="D")
    return pd.DataFrame({"csat": np.where(top, 5, 2), "store": g.astype(str), "promo": treated & post, "date": dates})


def _exposure_hits(reps: int) -> list[bool]:
    rng = np.random.default_rng(1)
    return [(r.effect.ci_low <= 10 <= r.effect.ci_high)
            for r in (campaign_effect(_exposure_rep(rng), outcome="csat", campaign="promo", controls="C(region)")
                      for _ in range(reps))]


def _did_hits(reps: int) -> list[bool]:
    rng = np.random.default_rng(2)
    hits = []
    for _ in range(reps):
        r = campaign_effect(_did_rep(rng), outcome="csat", campaign="promo", design="did", group="store",
                            start="2024-05-01", event_study=False)
        hits.append(r.effect.ci_low <= 8 <= r.effect.ci_high)
    return hits


def test_effect_intervals_cover_one_fixed_draw():
    """One fixed-seed draw of each coverage run below (fast tier): both intervals cover the true effect."""
    assert _exposure_hits(1) == [True] and _did_hits(1) == [True]


@pytest.mark.simulation
def test_exposure_interval_coverage():
    hits = _exposure_hits(1000)
    assert 0.93 <= np.mean(hits) <= 0.97, np.mean(hits)


@pytest.mark.simulation
def test_did_interval_coverage():
    hits = _did_hits(500)
    assert 0.93 <= np.mean(hits) <= 0.97, np.mean(hits)


def test_none_literal_control_level_works(tmp_path):
    raw = make_sample(2000, seed=3)
    assert (raw["offer"] == "None").any()
    frame, _ = load_responses(raw, SAMPLE_SCHEMA)
    assert frame["spring_promo"].notna().all()
    r = campaign_effect(frame, outcome="nps", campaign="spring_promo", design="did", event_study=False)
    assert np.isfinite(r.effect.estimate)


def test_forest_plot_and_summary(ref_data):
    results = [campaign_effect(ref_data, outcome=o, campaign="spring_promo", controls="C(region)")
               for o in ("csat", "nps", "ces")]
    table = compare_effects(results)
    axes = plot_forest(table)  # pp, NPS points and scale points: one panel each, never one shared axis
    assert [a.get_xlabel() for a in axes] == ["Effect in pp (95% interval)", "Effect in NPS points (95% interval)",
                                              "Effect in scale points (95% interval)"]
    for a, row in zip(axes, table.itertuples(), strict=False):
        assert [t.get_text() for t in a.get_yticklabels()] == [row.label]
        assert len(a.texts) == 1
        low, high = a.get_xlim()
        assert low <= min(row.ci_low, 0) and high >= max(row.ci_high, 0)
    with pytest.raises(ParameterError, match="one panel each"):
        plot_forest(table, ax=axes[0])
    single = plot_forest(table[table.unit == "pp"])
    assert [t.get_text() for t in single.get_yticklabels()] == [table.label.iloc[0]]
    assert results[0].summary().startswith("Exposure to spring_promo was associated with a +")


def test_bad_input(ref_data):
    with pytest.raises(ParameterError, match="`design` must be one of"):
        campaign_effect(ref_data, outcome="csat", campaign="spring_promo", design="rdd")
    with pytest.raises(ParameterError, match="campaign column 'summer' is not in the data"):
        campaign_effect(ref_data, outcome="csat", campaign="summer")
    with pytest.raises(ParameterError, match="`outcome` must be one of"):
        campaign_effect(ref_data, outcome="loyalty", campaign="spring_promo")
    with pytest.raises(CsatAnalysisError, match="No response is exposed"):
        campaign_effect(ref_data.assign(spring_promo=False), outcome="csat", campaign="spring_promo")
    with pytest.raises(CsatAnalysisError, match="Every response is exposed"):
        campaign_effect(ref_data.assign(spring_promo=True), outcome="csat", campaign="spring_promo")
    with pytest.raises(CsatAnalysisError, match="No responses before"):
        campaign_effect(ref_data, outcome="csat", campaign="spring_promo", design="did", group="region",
                        start="2020-01-01")
    with pytest.raises(CsatAnalysisError, match="No periods before"):
        campaign_effect(ref_data, outcome="csat", campaign="spring_promo", design="its", start="2020-01-01")
    with pytest.raises(ParameterError, match="needs the campaign start"):
        campaign_effect(ref_data, outcome="csat", campaign="spring_promo", design="did", group="region")
    with pytest.raises(ParameterError, match="'regoin', which is not a column.*Did you mean 'region'"):
        campaign_effect(ref_data, outcome="csat", campaign="spring_promo", controls="C(regoin)")
    with pytest.raises(CsatAnalysisError, match="collinear"):
        campaign_effect(ref_data.assign(copy=ref_data.spring_promo.astype(int)), outcome="csat",
                        campaign="spring_promo", controls="copy")
    sep = pd.DataFrame({"csat": [5] * 20 + [1] * 20, "promo": [True] * 20 + [False] * 20})
    try:
        r = campaign_effect(sep, outcome="csat", campaign="promo", model="logit")
    except CsatAnalysisError as exc:  # statsmodels versions differ: an error or a warning, both readable
        assert "separation" in str(exc)
    else:
        assert any("separation" in w for w in r.warnings)


# --------------------------------------------------------------------------- issue 17: wording that matches the design


def _self_selected(seed=5, n=3000):
    """Happier customers chose the promo; the promo itself does nothing."""
    rng = np.random.default_rng(seed)
    happiness = rng.normal(0, 1, n)
    chose = rng.random(n) < 1 / (1 + np.exp(-2 * happiness))
    nps = np.clip(np.round(7 + 2 * happiness + rng.normal(0, 1, n)), 0, 10).astype(int)
    return pd.DataFrame({"nps": pd.array(nps, dtype="Int64"), "promo": chose})


def test_self_selected_exposure_is_not_called_causal():
    data = _self_selected()
    r = campaign_effect(data, outcome="nps", campaign="promo")
    assert r.effect.p < 0.05 and r.effect.estimate > 20  # a large, "significant" association...
    text = r.summary()
    assert "raised" not in text and "lowered" not in text  # ...that is not worded as an effect
    assert "associated with" in text
    assert any("self-selection" in w for w in r.warnings)
    ordinal = campaign_effect(data, outcome="nps", campaign="promo", model="ordinal")
    assert "multiplied the odds" not in ordinal.summary() and "associated with" in ordinal.summary()


def test_randomised_campaign_allows_causal_wording():
    data = _self_selected()
    data = with_schema(data, {"campaigns": [{"name": "promo", "column": "Offer", "randomised": True}]})
    r = campaign_effect(data, outcome="nps", campaign="promo")
    assert r.summary().startswith("Exposure to promo raised NPS")
    assert not any("self-selection" in w for w in r.warnings)


def test_schema_accepts_randomised_campaign():
    from csat_analysis.schema import read_schema

    raw = {"metrics": {"nps": {"column": "rating", "scale": [0, 10]}},
           "campaigns": [{"name": "promo", "column": "Offer", "control": "None", "randomised": True}]}
    sch = read_schema(raw)
    assert sch.campaigns[0].randomised is True
    assert sch.campaigns[0].to_dict()["randomised"] is True
    assert "randomised" not in read_schema({**raw, "campaigns": [{"name": "p", "column": "Offer"}]}
                                           ).campaigns[0].to_dict()


def test_ordinal_with_clusters_is_refused(ref_data):
    with pytest.raises(ParameterError, match="ordinal.*cluster"):
        campaign_effect(ref_data, outcome="csat_mean", campaign="spring_promo", model="ordinal", cluster="plan")


def test_logit_ame_with_clusters_uses_t_with_g_minus_1_df(ref_data):
    from scipy import stats

    r = campaign_effect(ref_data, outcome="csat", campaign="spring_promo", controls="C(region)", model="logit",
                        cluster="channel")
    g = ref_data["channel"].nunique()
    row = r.table.iloc[0]
    q = stats.t.ppf(0.975, g - 1)
    assert row["ci_high"] - row["estimate"] == pytest.approx(q * row["se"], rel=1e-9)
    assert row["p"] == pytest.approx(2 * stats.t.sf(abs(row["estimate"] / row["se"]), g - 1), rel=1e-9)


def _hump_rep(seed=4, groups=40, periods=12, per_cell=40):
    """Treated groups rise and fall again before the start (periods 2-5 of 0-7), no linear pre-trend, no effect."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(groups), periods * per_cell)
    p = np.tile(np.repeat(np.arange(periods), per_cell), groups)
    treated = g < groups // 2
    hump = np.where(np.isin(p, [3, 4]), 0.15, np.where(np.isin(p, [2, 5]), 0.10, 0.0))
    prob = 0.5 + rng.normal(0, 0.03, groups)[g] + treated * hump + rng.normal(0, 0.01, (groups, periods))[g, p]
    top = rng.random(len(g)) < prob
    dates = pd.Timestamp("2024-01-15") + pd.to_timedelta(p * 31, unit="D")
    return pd.DataFrame({"csat": np.where(top, 5, 2), "store": g.astype(str), "promo": treated & (p >= 8),
                         "date": dates})


def test_hump_shaped_pretrend_fails_the_joint_check():
    r = campaign_effect(_hump_rep(), outcome="csat", campaign="promo", design="did", group="store",
                        start="2024-09-01")
    es = r.details["event_study"]
    assert (es.loc[es.relative_period < -1, "p"] < 0.05).sum() >= 3
    pre = r.details["pretrend"]
    assert pre["p"] < 0.05 and r.details["pretrend_p"] == pre["p"]
    assert (pre["df1"], pre["df2"]) == (7, 39)
    assert pre["blocks"] is None and "all 7 pre-campaign" in r.summary()
    assert "F(7, 39)" in r.summary() and "already differed" in r.summary()
    assert any("Pre-trend check failed" in w for w in r.warnings)


# --------------------------------------------------------------------------- campaign variants


def _variants_data(seed=8, n=4000):
    rng = np.random.default_rng(seed)
    offer = rng.choice(["None", "Offer A", "Offer B", "Offer E"], n, p=[0.4, 0.2, 0.2, 0.2])
    plan = rng.choice(["basic", "plus", "pro"], n)
    tenure = rng.gamma(2.0, 2.0, n)
    shift = pd.Series(offer).map({"None": 0.0, "Offer A": 0.07, "Offer B": 0.05, "Offer E": -0.12}).to_numpy()
    prob = np.clip(0.55 + shift + 0.05 * (plan == "pro") + 0.01 * tenure, 0.02, 0.98)
    top = rng.random(n) < prob
    return pd.DataFrame({"csat": pd.array(np.where(top, 5, 2), dtype="Int64"), "Offer": offer,
                         "Plan type": plan, "tenure years": tenure})


def test_campaign_variants_match_per_variant_ols_hc1():
    import statsmodels.api as sm
    from statsmodels.stats.multitest import multipletests

    d = _variants_data()
    r = campaign_effect(d, outcome="csat", campaign="Offer", control="None", controls=["Plan type", "tenure years"])
    t = r.table
    assert list(t.columns) == ["term", "estimate", "se", "ci_low", "ci_high", "p", "p_adj"]
    assert list(t["term"]) == ["Offer A", "Offer B", "Offer E"]
    # the reference: lm(100 * top ~ offer dummies + plan dummies + tenure) with HC1, built by hand
    X = pd.DataFrame({"const": 1.0, **{v: (d["Offer"] == v).astype(float) for v in t["term"]},
                      "plus": (d["Plan type"] == "plus").astype(float), "pro": (d["Plan type"] == "pro").astype(float),
                      "tenure": d["tenure years"]})
    ref = sm.OLS(100.0 * (d["csat"] >= 4).astype(float), X).fit(cov_type="HC1", use_t=True)
    for row in t.itertuples():
        assert row.estimate == pytest.approx(ref.params[row.term], abs=1e-8)
        assert row.se == pytest.approx(ref.bse[row.term], abs=1e-8)
        assert row.p == pytest.approx(ref.pvalues[row.term], rel=1e-6)
    assert np.allclose(t["p_adj"], multipletests(t["p"], method="holm")[1])
    wald = ref.wald_test(np.eye(len(X.columns))[1:4], use_f=True, scalar=True)
    assert r.details["joint"]["F"] == pytest.approx(float(wald.statistic), rel=1e-8)
    assert r.details["joint"]["p"] == pytest.approx(float(wald.pvalue), rel=1e-6, abs=1e-300)
    assert (r.details["joint"]["df1"], r.details["joint"]["df2"]) == (3, ref.df_resid)
    assert r.details["headline_variant"] == "Offer E" and r.effect.estimate < 0
    text = r.summary()
    assert "Offer A" in text and "Offer E" in text and "Holm-adjusted" in text and "associated" in text
    forest = compare_effects([r])
    assert list(forest["label"].str.split(": ").str[-1]) == ["Offer A", "Offer B", "Offer E"]
    # the same controls as a formula with quoted names
    f = campaign_effect(d, outcome="csat", campaign="Offer", control="None",
                        controls='C(Q("Plan type")) + Q("tenure years")')
    assert np.allclose(f.table["estimate"], t["estimate"]) and np.allclose(f.table["se"], t["se"])


def test_campaign_variants_control_from_schema_and_bad_control():
    d = _variants_data(n=1500)
    d = with_schema(d, {"campaigns": [{"name": "offer_test", "column": "Offer", "control": "none"}]})
    r = campaign_effect(d, outcome="csat", campaign="Offer")  # control matched ignoring case
    assert list(r.table["term"]) == ["Offer A", "Offer B", "Offer E"] and r.details["control"] == "None"
    with pytest.raises(CsatAnalysisError, match="control value 'Nothing'"):
        campaign_effect(d, outcome="csat", campaign="Offer", control="Nothing")
    with pytest.raises(ParameterError, match="'Plan typ', which is not a column.*Did you mean 'Plan type'"):
        campaign_effect(d, outcome="csat", campaign="Offer", controls=["Plan typ"])
    with pytest.raises(ParameterError, match="linear model only"):
        campaign_effect(d, outcome="csat", campaign="Offer", model="logit")


def test_exposure_design_refuses_did_only_arguments(ref_data):
    with pytest.raises(ParameterError, match="group= and treated= apply to design='did'"):
        campaign_effect(ref_data, outcome="csat", campaign="spring_promo", group="region")
    with pytest.raises(ParameterError, match="group= and treated= apply"):
        campaign_effect(ref_data, outcome="csat", campaign="spring_promo", treated=["East"])
