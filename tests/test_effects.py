"""Campaign effects: R known answers, sample truth, interval coverage by simulation, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csat_analysis import CsatAnalysisError, ParameterError, campaign_effect, compare_effects, load_responses
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
                        start="2025-03-01", maxlags=2)
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


def test_exposure_interval_coverage():
    rng = np.random.default_rng(1)
    hits = [(r.effect.ci_low <= 10 <= r.effect.ci_high)
            for r in (campaign_effect(_exposure_rep(rng), outcome="csat", campaign="promo", controls="C(region)")
                      for _ in range(1000))]
    assert 0.93 <= np.mean(hits) <= 0.97, np.mean(hits)


def test_did_interval_coverage():
    rng = np.random.default_rng(2)
    hits = []
    for _ in range(500):
        r = campaign_effect(_did_rep(rng), outcome="csat", campaign="promo", design="did", group="store",
                            start="2024-05-01", event_study=False)
        hits.append(r.effect.ci_low <= 8 <= r.effect.ci_high)
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
    for a, row in zip(axes, table.itertuples()):
        assert [t.get_text() for t in a.get_yticklabels()] == [row.label]
        assert len(a.texts) == 1
        low, high = a.get_xlim()
        assert low <= min(row.ci_low, 0) and high >= max(row.ci_high, 0)
    with pytest.raises(ParameterError, match="one panel each"):
        plot_forest(table, ax=axes[0])
    single = plot_forest(table[table.unit == "pp"])
    assert [t.get_text() for t in single.get_yticklabels()] == [table.label.iloc[0]]
    assert results[0].summary().startswith("Exposure to spring_promo raised CSAT (top-box %) by +")


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
