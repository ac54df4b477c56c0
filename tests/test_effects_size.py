"""Issue 17: conclusions that hold. Size (false-positive rate) checks with no effect, small enough for CI.

Larger runs of the same scenarios: ``python -m tests.simulations.size_effects`` (quoted in issue 17).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csat_analysis import campaign_effect
from csat_analysis.effects import wild_cluster_bootstrap
from csat_analysis.effects.inference import _boot_weights

from .simulations.few_clusters_data import START, few_treated_panel


def test_wild_cluster_bootstrap_matches_brute_force_refits():
    """Closed-form WCR statistics equal refitting the restricted-null bootstrap samples one by one."""
    rng = np.random.default_rng(3)
    G, n = 14, 15
    g = np.repeat(np.arange(G), n)
    x = rng.normal(size=G * n) + (g < 4)
    X = np.column_stack([np.ones(G * n), x, rng.normal(size=G * n)])
    y = 0.3 * X[:, 2] + rng.normal(size=G)[g] + rng.normal(size=G * n)
    out = wild_cluster_bootstrap(X, y, 1, g, reps=199, seed=11, ci=None)
    V, kind, enumerated = _boot_weights(G, 199, 11)
    assert kind == "Rademacher" and not enumerated

    def cr1_t(yy, b0=0.0):
        beta = np.linalg.lstsq(X, yy, rcond=None)[0]
        u = yy - X @ beta
        bread = np.linalg.inv(X.T @ X)
        meat = sum(np.outer(X[g == h].T @ u[g == h], X[g == h].T @ u[g == h]) for h in range(G))
        vc = G / (G - 1) * (len(yy) - 1) / (len(yy) - 3) * bread @ meat @ bread
        return (beta[1] - b0) / np.sqrt(vc[1, 1]), np.sqrt(vc[1, 1])

    t_obs, se = cr1_t(y)
    assert out["se"] == pytest.approx(se, rel=1e-9) and out["t"] == pytest.approx(t_obs, rel=1e-9)
    Xr = X[:, [0, 2]]
    fitted = Xr @ np.linalg.lstsq(Xr, y, rcond=None)[0]
    resid = y - fitted
    tstar = np.array([cr1_t(fitted + resid * v[g])[0] for v in V])
    assert out["p"] == pytest.approx(np.mean(np.abs(tstar) >= abs(t_obs)), abs=1e-12)


def test_enumeration_and_webb_weights_for_few_clusters():
    V, kind, enumerated = _boot_weights(12, 9999, 1)
    assert kind == "Rademacher" and enumerated and V.shape == (4096, 12)
    V, kind, enumerated = _boot_weights(5, 9999, 1)
    assert kind == "Webb six-point" and enumerated and V.shape == (6 ** 5, 5)
    assert np.allclose(np.sort(np.unique(np.abs(V))), np.sqrt([0.5, 1.0, 1.5]))


def test_few_treated_clusters_warn_even_when_clusters_are_many():
    d = few_treated_panel(np.random.default_rng(0))
    r = campaign_effect(d, outcome="csat", campaign="promo", design="did", group="region", start=START,
                        event_study=False, bootstrap_reps=199, inference="wild")
    assert r.details["clusters"] == 30
    assert any("2 with treated rows" in w and "wild cluster restricted bootstrap" in w for w in r.warnings)
    assert r.details["inference"].startswith("wild cluster restricted bootstrap")
    assert r.effect.p == r.table["p"].iloc[0] == r.details["p_wild"]
    assert r.effect.ci_low <= r.details["ci_cr1"][0] and r.effect.ci_high >= r.details["ci_cr1"][1]
    cr1 = campaign_effect(d, outcome="csat", campaign="promo", design="did", group="region", start=START,
                          event_study=False, inference="cr1")
    assert cr1.effect.p == pytest.approx(r.details["p_cr1"]) and "p_wild" not in cr1.details


def test_did_size_one_fixed_draw():
    """One fixed-seed draw of the size run below (fast tier): no effect, and the default does not reject."""
    d = few_treated_panel(np.random.default_rng(2026), per_cell=4)
    r = campaign_effect(d, outcome="csat", campaign="promo", design="did", group="region", start=START,
                        event_study=False)
    assert r.details["inference"] == "randomization inference"
    assert r.effect.p >= 0.05 and r.effect.ci_low <= 0 <= r.effect.ci_high


@pytest.mark.simulation
def test_did_size_with_two_treated_regions_and_ar1_shocks():
    """30 regions, 2 treated, AR(1) region shocks, no effect: CR1 rejects far too often; the default
    (randomization inference with 2 treated groups) stays near 5%; the WCR bootstrap almost never rejects."""
    rng = np.random.default_rng(2026)
    cr1, wild, default = [], [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(60):
            d = few_treated_panel(rng, per_cell=4)
            kw = {"outcome": "csat", "campaign": "promo", "design": "did", "group": "region", "start": START,
                  "event_study": False}
            r = campaign_effect(d, **kw)
            assert r.details["inference"] == "randomization inference"
            cr1.append(r.details["p_cr1"] < 0.05)
            default.append(r.effect.p < 0.05)
            wild.append(campaign_effect(d, **kw, inference="wild", bootstrap_reps=199).effect.p < 0.05)
    assert np.mean(cr1) >= 0.12, np.mean(cr1)  # the 23-26 %
    assert np.mean(wild) <= 0.07, np.mean(wild)  # conservative with 2 treated groups (MacKinnon & Webb)
    assert 0.0 < np.mean(default) <= 0.12, np.mean(default)  # randomization inference: near nominal


def test_randomization_inference_enumerates_treated_sets():
    d = few_treated_panel(np.random.default_rng(0))
    r = campaign_effect(d, outcome="csat", campaign="promo", design="did", group="region", start=START,
                        event_study=False, inference="randomization")
    boot = r.details["bootstrap"]
    assert boot["enumerated"] and boot["reps"] == 435  # C(30, 2)
    assert boot["estimate"] == pytest.approx(r.effect.estimate, rel=1e-9)
    assert r.details["inference"] == "randomization inference" and 1 / 435 <= r.effect.p <= 1
    assert r.effect.ci_low < r.effect.estimate < r.effect.ci_high
    assert "randomization inference" in r.summary()
    with pytest.raises(Exception, match="design='did' only"):
        campaign_effect(d.assign(region=d.region), outcome="csat", campaign="promo", cluster="region",
                        inference="randomization")


def _monthly(rng, months=24, start_month=12, n=150, p=0.7, seasonal=0.0, level=0.0):
    """Monthly CSAT responses: pure sampling noise (plus an optional month-of-year swing and level change)."""
    m = np.repeat(np.arange(months), n)
    dates = pd.DatetimeIndex(pd.to_datetime(pd.DataFrame({"year": 2023 + m // 12, "month": m % 12 + 1,
                                                          "day": rng.integers(1, 29, len(m))})))
    swing = seasonal * np.cos(2 * np.pi * (dates.month.to_numpy() - 1) / 12)
    prob = p + swing + level * (m >= start_month)
    top = rng.random(len(m)) < prob
    return pd.DataFrame({"csat": pd.array(np.where(top, 5, 2), dtype="Int64"), "date": dates,
                         "promo": m >= start_month})


def _monthly_ar(rng, months=24, start_month=12, n=150, p=0.7, rho=0.5, sd=0.04):
    """Monthly CSAT responses around a level with AR(1) month-to-month shocks, no effect."""
    e = np.zeros(months)
    e[0] = rng.normal(0, sd / np.sqrt(1 - rho ** 2))
    for t in range(1, months):
        e[t] = rho * e[t - 1] + rng.normal(0, sd)
    d = _monthly(rng, months=months, start_month=start_month, n=n, p=p)
    m = np.repeat(np.arange(months), n)
    top = rng.random(len(m)) < np.clip(p + e[m], 0.02, 0.98)
    return d.assign(csat=pd.array(np.where(top, 5, 2), dtype="Int64"))


def test_its_size_one_fixed_draw():
    """One fixed-seed draw of each ITS size run below (fast tier): no effect, no rejection."""
    for data in (_monthly_ar(np.random.default_rng(17)), _monthly(np.random.default_rng(24))):
        r = campaign_effect(data, outcome="csat", campaign="promo", design="its", start="2024-01-01")
        assert r.effect.p >= 0.05 and r.effect.ci_low <= 0 <= r.effect.ci_high


@pytest.mark.simulation
def test_its_size_with_autocorrelated_monthly_shocks():
    """AR(1) shocks (rho 0.5), T = 24, no effect: OLS t-tests reject ~15%; the AR(1) bootstrap keeps ~5%."""
    rng = np.random.default_rng(17)
    default, ols = [], []
    for _ in range(80):
        r = campaign_effect(_monthly_ar(rng), outcome="csat", campaign="promo", design="its", start="2024-01-01")
        default.append(r.effect.p < 0.05)
        ols.append(r.details["ar1"]["ols"][0] < 0.05)
    assert np.mean(default) <= 0.09, np.mean(default)
    assert np.mean(ols) >= np.mean(default) + 0.04, (np.mean(ols), np.mean(default))


@pytest.mark.simulation
def test_its_size_with_24_monthly_points_and_sampling_noise():
    """12 months before, 12 after, no effect: the old Newey-West inference rejects ~20%, the default keeps 5%."""
    rng = np.random.default_rng(24)
    start = "2024-01-01"
    default, nw = [], []
    for _ in range(60):
        d = _monthly(rng)
        default.append(campaign_effect(d, outcome="csat", campaign="promo", design="its", start=start).effect.p < 0.05)
        nw.append(campaign_effect(d, outcome="csat", campaign="promo", design="its", start=start,
                                  inference="newey-west").effect.p < 0.05)
    assert np.mean(default) <= 0.09, np.mean(default)
    assert np.mean(nw) > np.mean(default)


def test_its_month_of_year_terms_with_two_pre_years():
    rng = np.random.default_rng(5)
    d = _monthly(rng, months=36, start_month=24, n=400, seasonal=0.08)  # a 16-point seasonal swing, no effect
    r = campaign_effect(d, outcome="csat", campaign="promo", design="its", start="2025-01-01")
    assert r.details["seasonal"] is True
    assert not any("month-of-year" in w for w in r.warnings)
    assert r.effect.ci_low < 0 < r.effect.ci_high
    short = campaign_effect(d[d.date >= "2024-01-01"], outcome="csat", campaign="promo", design="its",
                            start="2025-01-01")
    assert short.details["seasonal"] is False
    assert any("seasonal" in w and "month-of-year" in w for w in short.warnings)
