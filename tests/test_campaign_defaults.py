"""Issue 29 §1 and §3: the campaign analyses that are right by default on real exports.

§1: a campaign column with several offers gives one effect per offer (Holm-adjusted, with the joint test), in
``campaign_effect(design="exposure")`` and in the campaign report; the pooled effect only when asked, labelled.
§3: where exposed and unexposed customers do not overlap (a region without exposed customers), the doubly robust
estimate is made on the overlap region, and the summary and report say who is left out.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csat_analysis import ParameterError, campaign_effect, campaign_report, load_responses
from csat_analysis.config import SAMPLE_DATA, SAMPLE_SCHEMA_FILE

SAT = ("Overall, how satisfied are you with your mobile plan and our service? "
       "(1 = very dissatisfied, 5 = very satisfied)")
OFFER = "Retention offer received (campaign Q3 - see CRM code list)"
#: top-2 satisfaction shift of each offer against no offer: A +7 pp and E -12 pp; pooled they cancel out
SHIFTS = {"No offer": 0.0, "Offer A": 0.07, "Offer B": 0.02, "Offer C": 0.01, "Offer D": 0.03, "Offer E": -0.12}


def _telecom_export(tmp_path, n=12_000, seed=29):
    """A telecom base export: long headers, 16 regions, nine days of answers, offers A-E against "No offer"."""
    rng = np.random.default_rng(seed)
    offers = list(SHIFTS)
    offer = rng.choice(offers, n, p=[0.40, 0.12, 0.12, 0.12, 0.12, 0.12])
    region = rng.choice([f"Region {i:02d}" for i in range(16)], n)
    plan = rng.choice(["Prepaid", "Postpaid 10GB", "Postpaid unlimited"], n)
    prob = 0.60 + pd.Series(offer).map(SHIFTS).to_numpy() + 0.03 * (plan == "Postpaid unlimited")
    top = rng.random(n) < prob
    sat = np.where(top, rng.choice([4, 5], n), rng.choice([1, 2, 3], n))
    day = pd.Timestamp("2025-09-01") + pd.to_timedelta(rng.integers(0, 9, n), unit="D")
    raw = pd.DataFrame({"Respondent ID": [f"R{i:06d}" for i in range(n)],
                        "Survey completed on": day.strftime("%d/%m/%Y"), SAT: sat, OFFER: offer,
                        "Region (billing address)": region, "Plan type": plan})
    path = tmp_path / "telecom_base.csv"
    raw.to_csv(path, index=False)
    schema = {"columns": {"response_id": "Respondent ID",
                          "date": {"column": "Survey completed on", "format": "%d/%m/%Y"},
                          "segments": ["Region (billing address)", "Plan type"]},
              "metrics": {"csat": {"column": SAT, "scale": [1, 5], "top_box": 4}},
              "campaigns": [{"name": "retention", "column": OFFER, "control": "No offer"}]}
    frame, _ = load_responses(path, schema)
    return frame


@pytest.fixture(scope="module")
def telecom(tmp_path_factory):
    return _telecom_export(tmp_path_factory.mktemp("telecom"))


def test_offers_get_one_effect_each_by_default(telecom):
    assert telecom["retention"].dtype == "boolean"  # the exposure column stays yes/no for every other analysis
    r = campaign_effect(telecom, outcome="csat", campaign="retention", controls=["Plan type"])
    assert r.details["variants"] == ["Offer A", "Offer B", "Offer C", "Offer D", "Offer E"]
    assert r.details["control"] == "No offer" and "p_adj" in r.table and r.details["joint"]["p"] < 0.001
    t = r.table.set_index("term")
    for offer in ("Offer A", "Offer E"):
        assert abs(t.loc[offer, "estimate"] - 100 * SHIFTS[offer]) < 3 * t.loc[offer, "se"], offer
    assert t.loc["Offer A", "p_adj"] < 0.01 and t.loc["Offer E", "p_adj"] < 0.001
    text = r.summary()
    assert "Offer A +" in text and "Offer E -" in text and "Holm-adjusted" in text and "Joint test" in text


def test_pooled_only_when_asked_and_labelled_with_the_spread(telecom):
    r = campaign_effect(telecom, outcome="csat", campaign="retention", controls=["Plan type"], variants=False)
    assert r.table["term"].tolist() == ["retention (pooled)"]
    assert abs(r.effect.estimate) < 2.5  # offers in opposite directions cancel out
    pooled = r.details["pooled"]
    assert pooled["variants"] == ["Offer A", "Offer B", "Offer C", "Offer D", "Offer E"]
    low, high = pooled["range"]
    assert low < -8 and high > 4
    assert "(pooled)" in r.summary() and "range from" in r.summary() and "(Offer E)" in r.summary()
    assert any("pooled into one exposed group" in w for w in r.warnings)


def test_campaign_report_gives_per_offer_effects(telecom):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = campaign_report(telecom, campaign="retention", outcomes=["csat"], controls=["Plan type"])
    text = " ".join(rep.sentences())
    assert "Offer A" in text and "Offer E" in text and "Holm-adjusted" in text
    html = str(rep.table_html())
    for offer in ("Offer A", "Offer E"):
        assert f"{offer} vs No offer" in html


def test_did_says_it_pools_the_offers(telecom):
    d = telecom.assign(region=telecom["Region (billing address)"].astype(str))
    treated = d["region"].isin(["Region 00", "Region 01", "Region 02", "Region 03"])
    d["retention"] = (treated & (d["date"] >= "2025-09-08")).astype(bool)
    d["retention_variant"] = d["retention_variant"].astype(str).where(d["retention"], "No offer")
    d = d[~(d["retention"] & (d["retention_variant"] == "No offer"))]  # the treated got an offer
    r = campaign_effect(d, outcome="csat", campaign="retention", design="did", group="region", freq="W",
                        start="2025-09-08", event_study=False, inference="cr1")
    assert r.details["pooled_variants"] == ["Offer A", "Offer B", "Offer C", "Offer D", "Offer E"]
    assert "pools the 5 variants" in r.summary()


@pytest.fixture(scope="module")
def sample():
    frame, _ = load_responses(SAMPLE_DATA, SAMPLE_SCHEMA_FILE)
    return frame


def test_no_overlap_region_is_left_out_of_the_doubly_robust_estimate(sample):
    """South and West have no exposed customer: the all-population AIPW (-24.7 pp) extrapolated into them."""
    r = campaign_effect(sample, outcome="csat", campaign="spring_promo", design="exposure",
                        controls="C(channel) + C(plan) + C(region)")
    b = r.details["balance"]
    assert b.aipw["estimate"] == pytest.approx(14.9, abs=0.15)
    assert b.aipw["se"] == pytest.approx(1.1, abs=0.05)
    assert b.overlap["restricted"] and b.overlap["all_population"]["estimate"] < -20
    assert [(x["variable"], x["level"], x["missing"]) for x in b.overlap["left_out"]] == [
        ("region", "South", "exposed"), ("region", "West", "exposed")]
    assert b.overlap["n_left_out"] == int(sample["region"].isin(["South", "West"]).sum())
    text = r.summary()
    assert "overlap region" in text and "South, West" in text and "-24.7" not in text
    # the E-value's baseline is the unexposed share in the rows the estimate uses
    kept = sample[~sample["region"].isin(["South", "West"])]
    p0 = 100 * (kept.loc[~kept["spring_promo"].astype(bool), "csat"] >= 4).mean()
    rr = (p0 + b.aipw["estimate"]) / p0
    assert b.e_value["point"] == pytest.approx(rr + np.sqrt(rr * (rr - 1)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = campaign_report(sample, campaign="spring_promo", outcomes=["csat"],
                              controls="C(channel) + C(plan) + C(region)")
    assert "overlap region" in str(rep.balance_html()) and "South, West" in str(rep.balance_html())


def test_propensities_outside_the_band_are_trimmed_and_named():
    rng = np.random.default_rng(4)
    n = 4000
    tenure = rng.uniform(0, 10, n)
    promo = rng.random(n) < np.clip((tenure - 3) / 4, 0.0, 1.0)  # long-tenure customers all got it, short none
    top = rng.random(n) < 0.45 + 0.03 * tenure + 0.05 * promo
    d = pd.DataFrame({"csat": pd.array(np.where(top, 5, 2), dtype="Int64"), "promo": promo, "tenure": tenure,
                      "segment": rng.choice(["a", "b"], n)})
    r = campaign_effect(d, outcome="csat", campaign="promo", controls=["tenure", "segment"])
    b = r.details["balance"]
    assert b.overlap["restricted"] and b.overlap["left_out"][-1]["variable"] == "propensity"
    kept = b.overlap["rows"]
    assert 0 < kept.sum() < n and b.overlap["n_left_out"] == n - kept.sum()
    assert b.aipw["ci_low"] < 5 < b.aipw["ci_high"]
    assert "overlap region" in r.summary() and "propensity of exposure" in r.summary()


def test_good_overlap_keeps_the_all_population_estimate():
    rng = np.random.default_rng(5)
    n = 3000
    seg = rng.choice(list("abcd"), n)
    promo = rng.random(n) < 0.4
    top = rng.random(n) < 0.5 + 0.1 * promo
    d = pd.DataFrame({"csat": pd.array(np.where(top, 5, 2), dtype="Int64"), "promo": promo, "segment": seg})
    b = campaign_effect(d, outcome="csat", campaign="promo", controls=["segment"]).details["balance"]
    assert not b.overlap["restricted"] and b.overlap["note"] is None and b.overlap["rows"].all()
    assert b.aipw == b.overlap["all_population"]


def test_pooled_logit_keeps_its_terms_and_reports_the_spread_in_pp(telecom):
    r = campaign_effect(telecom, outcome="csat", campaign="retention", model="logit", variants=False)
    assert r.table["term"].tolist() == ["retention (pooled) (AME, pp)", "retention (pooled) (log odds)"]
    assert r.details["pooled"]["range"][0] < -8  # Offer E, in percentage points
    with pytest.raises(ParameterError, match="variants=False"):
        campaign_effect(telecom, outcome="csat", campaign="retention", model="logit")
