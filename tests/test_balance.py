"""Issue 17: self-selected exposure (balance, overlap, AIPW, E-values), the DiD ATT's weights, the stated
confidence level, and Laney limits named in the trend notes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csat_analysis import campaign_effect, trend, with_schema
from csat_analysis.balance import e_value, exposure_balance


def _self_selected(rng, n=3000, effect=0.0):
    """Loyal customers are happier and chose the promo more often; the promo adds ``effect`` (share) to top-box."""
    loyal = rng.random(n) < 0.5
    tenure = rng.normal(np.where(loyal, 5.0, 2.0), 1.0)
    promo = rng.random(n) < np.where(loyal, 0.75, 0.25)
    p = np.where(loyal, 0.75, 0.40) + effect * promo
    top = rng.random(n) < p
    return pd.DataFrame({"csat": pd.array(np.where(top, 5, 2), dtype="Int64"), "promo": promo,
                         "segment": np.where(loyal, "loyal", "new"), "tenure": tenure})


def test_e_value_known_answers():
    # VanderWeele & Ding (2017): RR 3.9 (1.8 to 8.7) -> 7.26 and 3.0
    ev = e_value(3.9, 1.8, 8.7, kind="rr")
    assert ev["point"] == pytest.approx(3.9 + np.sqrt(3.9 * 2.9)) and ev["ci"] == pytest.approx(3.0)
    # a protective RR is inverted: RR 0.8 -> 1/0.8 = 1.25 -> 1.25 + sqrt(1.25 * 0.25)
    assert e_value(0.8, 0.7, 0.9, kind="rr")["point"] == pytest.approx(1.25 + np.sqrt(1.25 * 0.25))
    # a share: +20 pp on a 40% baseline is RR 1.5; an interval through 0 has E-value 1
    ev = e_value(20.0, -1.0, 41.0, kind="share", baseline=40.0)
    assert ev["point"] == pytest.approx(1.5 + np.sqrt(0.75)) and ev["ci"] == 1.0
    # a mean difference of 0.5 SD: RR = exp(0.91 * 0.5)
    rr = np.exp(0.455)
    assert e_value(0.5, 0.3, 0.7, kind="mean", sd=1.0)["point"] == pytest.approx(rr + np.sqrt(rr * (rr - 1)))


def test_smd_by_hand():
    d = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "c": ["a", "a", "b", "a", "b", "b"]})
    t = np.array([1, 1, 1, 0, 0, 0], float)
    b = exposure_balance(d, outcome=np.arange(6.0), exposed=t, controls=["x", "c"])
    row = b.table.set_index(["variable", "level"])
    sd = np.sqrt((np.var([1, 2, 3], ddof=1) + np.var([4, 5, 6], ddof=1)) / 2)
    assert row.loc[("x", ""), "smd"] == pytest.approx((2 - 5) / sd)
    share_sd = np.sqrt((np.var([1, 1, 0], ddof=1) + np.var([1, 0, 0], ddof=1)) / 2)
    assert row.loc[("c", "a"), "smd"] == pytest.approx((2 / 3 - 1 / 3) / share_sd)
    assert row.loc[("c", "a"), "exposed"] == pytest.approx(2 / 3)


def test_self_selected_null_is_associated_and_adjustment_removes_it():
    """The issue's scenario: happier customers chose the campaign, the campaign did nothing."""
    d = _self_selected(np.random.default_rng(3))
    naive = campaign_effect(d, outcome="csat", campaign="promo")
    assert naive.effect.p < 0.001 and naive.effect.estimate > 10
    assert "associated with" in naive.summary() and "raised" not in naive.summary()
    assert any("No controls were named" in w for w in naive.warnings)
    r = campaign_effect(d, outcome="csat", campaign="promo", controls=["segment", "tenure"])
    assert r.effect.ci_low < 0 < r.effect.ci_high
    b = r.details["balance"]
    assert b.naive > 10
    assert b.aipw["ci_low"] < 0 < b.aipw["ci_high"], b.aipw
    assert b.table.set_index(["variable", "level"]).loc[("segment", "loyal"), "smd"] > 0.5
    assert (b.table["smd_weighted"].abs() < 0.1).all()
    text = r.summary()
    assert "associated with" in text and "raised" not in text
    assert "differed from the others on" in text and "AIPW" in text and "E-values" in text


def test_aipw_recovers_a_known_effect_and_covers():
    rng = np.random.default_rng(11)
    cover_aipw, cover_naive = [], []
    for _ in range(40):
        d = _self_selected(rng, n=2000, effect=0.10)
        y = np.where(d["csat"].to_numpy(int) >= 4, 100.0, 0.0)
        b = exposure_balance(d, outcome=y, exposed=d["promo"].to_numpy(float), controls=["segment", "tenure"])
        cover_aipw.append(b.aipw["ci_low"] <= 10 <= b.aipw["ci_high"])
        se = np.sqrt(y[d.promo].var() / d.promo.sum() + y[~d.promo].var() / (~d.promo).sum())
        cover_naive.append(abs(b.naive - 10) <= 1.96 * se)
    assert np.mean(cover_aipw) >= 0.85, np.mean(cover_aipw)
    assert np.mean(cover_naive) <= 0.2, np.mean(cover_naive)


def test_poor_overlap_is_named():
    rng = np.random.default_rng(1)
    d = _self_selected(rng)
    d["promo"] = d["tenure"] > 4.5  # exposure decided by tenure: no overlap above/below the cut
    r = campaign_effect(d, outcome="csat", campaign="promo", controls=["tenure"])
    assert any("overlap poorly" in w for w in r.warnings)


def test_stated_confidence_level_follows_ci():
    d = _self_selected(np.random.default_rng(2))
    r = campaign_effect(d, outcome="csat", campaign="promo", controls=["segment"], ci=0.8)
    assert "80% CI" in r.summary() and "95%" not in r.summary()
    assert "80% CI" in str(r.effect)
    t = trend(_monthly_panel(np.random.default_rng(0)), metric="csat", freq="M", ci=0.9)
    assert any("90% CI" in s for s in t.attrs["digest"]) and not any("95% CI" in s for s in t.attrs["digest"])


def _monthly_panel(rng, months=24, n=2000, sd=0.03, groups=1):
    m = np.repeat(np.arange(months), n)
    shock = rng.normal(0, sd, months)
    dates = pd.to_datetime(pd.DataFrame({"year": 2023 + m // 12, "month": m % 12 + 1, "day": 10}))
    top = rng.random(len(m)) < 0.7 + shock[m]
    return pd.DataFrame({"csat": pd.array(np.where(top, 5, 2), dtype="Int64"), "date": dates})


def test_laney_limits_are_named_in_the_notes():
    """Large monthly samples with ordinary month-to-month movement: Laney p' limits, and the table says so."""
    t = trend(_monthly_panel(np.random.default_rng(4)), metric="csat", freq="M")
    assert any("Laney p' limits" in s for s in t.attrs["notes"])
    assert t["flag"].str.contains("outside_control_limits").mean() < 0.1
    quiet = trend(_monthly_panel(np.random.default_rng(4), sd=0.0, n=200), metric="csat", freq="M")
    assert not any("Laney" in s for s in quiet.attrs["notes"])


def test_did_att_is_a_response_weighted_average_of_group_effects():
    """Noise-free outcome with group-specific effects and unequal group sizes: the ATT weights are response shares."""
    rows = []
    sizes = {"A": 30, "B": 10, "C": 20, "D": 20, "E": 20}
    effects = {"A": 10.0, "B": 2.0}
    for g, k in sizes.items():
        for month in range(1, 9):
            for _ in range(k):
                post = month >= 5
                rows.append({"g": g, "date": pd.Timestamp(2024, month, 15), "promo": g in effects and post,
                             "csat_top": 50 + 3 * month + ord(g) + (effects.get(g, 0.0) if post else 0.0)})
    d = pd.DataFrame(rows)
    d["csat"] = pd.array(np.where(d["csat_top"] > 0, 5, 1), dtype="Int64")
    from csat_analysis.effects.designs import _imputation_att

    frame = pd.DataFrame({"_y": d["csat_top"], "_g": d["g"], "_p": d["date"].dt.month,
                          "_did": d["promo"].astype(float)})
    att = _imputation_att(frame, None, None, d)
    assert att["weights"] == pytest.approx({"A": 0.75, "B": 0.25})
    assert att["estimate"] == pytest.approx(0.75 * 10 + 0.25 * 2, abs=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = campaign_effect(d, outcome="csat", campaign="promo", design="did", group="g", start="2024-05-01",
                            event_study=False, inference="cr1")
    assert "weighted by its responses (A 75%, B 25%)" in r.summary()


def test_campaign_report_shows_variants_method_and_balance():
    from csat_analysis import campaign_report

    from .test_effects import _variants_data

    d = _variants_data(n=3000)
    d = with_schema(d, {"campaigns": [{"name": "offer_test", "column": "Offer", "control": "None"}]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = campaign_report(d, campaign="Offer", outcomes=["csat"], controls=["Plan type"])
    text = " ".join(r.sentences())
    # no dates, so no DiD: the variants' comparison is the headline, worded as an association
    assert "Offer A" in text and "Offer E" in text and "Holm-adjusted" in text and "associated" in text
    html = str(r.table_html())
    for v in ("Offer A", "Offer B", "Offer E"):
        assert f"exposed vs not (controls): {v} vs None" in html
    assert "Inference" in html and "HC1 (robust)" in html
    assert "Plan type = " in str(r.balance_html())  # who received any offer, against the control
