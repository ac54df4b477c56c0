"""Raking to the customer base: weights, calibration-aware SEs against R survey, bad input, non-response.

R references: tests/reference/raking.R (survey::calibrate(calfun = "raking"), survey::rake, svymean/svyby,
svycontrast, glm for the R-indicator) on tests/reference/raking_population.csv.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csat_analysis as ca
from csat_analysis.exceptions import DataError, ParameterError
from csat_analysis.metrics import grouped_stats, wilson_interval
from csat_analysis.weighting import RakeResult, rake, response_bias

from .conftest import REFERENCE

BY = ["contract", "tenure_band", "region"]
QUANTITY = {"csat": "csat", "csat_mean": "csat_mean", "nps": "nps"}


@pytest.fixture(scope="module")
def population():
    return pd.read_csv(REFERENCE / "raking_population.csv")


@pytest.fixture(scope="module")
def respondents(population):
    resp = population[population["responded"] == 1].copy()
    for col in ("csat", "nps", "ces"):
        resp[col] = resp[col].astype("Int64")
    resp["date"] = pd.to_datetime(resp["date"])
    return resp


@pytest.fixture(scope="module")
def raked(respondents, population):
    return rake(respondents, population, by=BY)


@pytest.fixture(scope="module")
def reference():
    return pd.read_csv(REFERENCE / "raking_reference.csv")


def _ref(reference, quantity, by, design="calibrate"):
    sel = reference[(reference["design"] == design) & (reference["quantity"] == quantity) & (reference["by"] == by)]
    assert len(sel), (quantity, by)
    return sel.set_index("group")


# --------------------------------------------------------------------------- weights


def test_weights_equal_r_calibrate_and_rake(raked, respondents):
    ref = pd.read_csv(REFERENCE / "raking_weights.csv")
    assert (ref["customer_id"].to_numpy() == respondents["customer_id"].to_numpy()).all()
    w = raked.weights.to_numpy()
    np.testing.assert_allclose(w, ref["w_calibrate"], rtol=1e-9)
    np.testing.assert_allclose(w, ref["w_rake"], rtol=1e-9)
    assert raked.weights.index.equals(respondents.index)
    assert raked.weights.sum() == pytest.approx(3000, rel=1e-12)
    assert raked.converged and raked.max_error < 1e-8
    assert raked.table["diff_after"].abs().max() < 1e-8
    # n_eff and deff are Kish's
    assert raked.n_eff == pytest.approx(w.sum() ** 2 / (w**2).sum())
    assert raked.deff == pytest.approx(len(w) / raked.n_eff)


def test_balance_table(raked, population, respondents):
    t = raked.table
    assert list(t.columns) == ["variable", "level", "n", "population_share", "sample_share", "weighted_share",
                               "diff_before", "diff_after"]
    pop_share = population["contract"].value_counts(normalize=True)
    smp_share = respondents["contract"].value_counts(normalize=True)
    rows = t[t["variable"] == "contract"].set_index("level")
    for level in pop_share.index:
        assert rows.loc[level, "population_share"] == pytest.approx(pop_share[level])
        assert rows.loc[level, "sample_share"] == pytest.approx(smp_share[level])
        assert rows.loc[level, "weighted_share"] == pytest.approx(pop_share[level], abs=1e-9)
        assert rows.loc[level, "diff_before"] == pytest.approx(smp_share[level] - pop_share[level])
    assert rows["n"].sum() == len(respondents)
    text = raked.summary()
    assert "design effect" in text and "Month-to-month" in text


# --------------------------------------------------------------------------- estimates and SEs against R


@pytest.mark.parametrize("by", ["all", "plan", "contract", "month"])
def test_summarize_equals_r_calibrate(respondents, raked, reference, by):
    kw = {} if by == "all" else {"freq": "M"} if by == "month" else {"by": by}
    table = ca.summarize(respondents, metrics=list(QUANTITY), weights=raked, **kw)
    key = "period" if by in ("all", "month") else by
    for metric, quantity in QUANTITY.items():
        ref = _ref(reference, quantity, by)
        got = table[table["metric"] == metric].set_index(table[table["metric"] == metric][key].astype(str))
        got = got.loc[ref.index.astype(str)] if by != "all" else got
        np.testing.assert_allclose(got["score"].to_numpy(), ref["estimate"].to_numpy(), rtol=0, atol=1e-6)
        np.testing.assert_allclose(got["se"].to_numpy(), ref["se"].to_numpy(), rtol=1e-4)


@pytest.mark.parametrize("by", ["all", "plan", "month"])
def test_initial_weights_equal_r_calibrate(respondents, population, reference, by):
    """Initial (design) weights that differ between respondents: R svydesign(weights = ~base) + calibrate."""
    resp = respondents.assign(base=np.where(respondents["plan"] == "pro", 2.0, 1.0))
    r = rake(resp, population, by=BY, weights="base")
    ref_w = pd.read_csv(REFERENCE / "raking_weights.csv")["w_base"]
    np.testing.assert_allclose(r.weights, ref_w, rtol=1e-9)
    kw = {} if by == "all" else {"freq": "M"} if by == "month" else {"by": by}
    table = ca.summarize(resp, metrics=list(QUANTITY), weights=r, **kw)
    for metric, quantity in QUANTITY.items():
        ref = _ref(reference, quantity, by, design="calibrate_base")
        got = table[table["metric"] == metric]
        np.testing.assert_allclose(got["score"], ref["estimate"], atol=1e-6)
        np.testing.assert_allclose(got["se"], ref["se"], rtol=1e-4)


def test_rake_and_calibrate_agree_in_r_and_here(reference):
    for quantity in QUANTITY.values():
        for by in ("all", "plan", "contract", "month"):
            cal, rk = _ref(reference, quantity, by), _ref(reference, quantity, by, design="rake")
            np.testing.assert_allclose(rk["estimate"], cal["estimate"], rtol=1e-9)
            np.testing.assert_allclose(rk["se"], cal["se"], rtol=1e-4)


def test_single_sample_estimators_take_the_result(respondents, raked, reference):
    e = ca.csat(respondents, weights=raked)
    ref = _ref(reference, "csat", "all").iloc[0]
    assert e.score == pytest.approx(ref["estimate"], abs=1e-6)
    assert e.se == pytest.approx(ref["se"], rel=1e-4)
    # the Wilson interval is computed at n* (width matches the calibrated SE)
    assert (e.ci_high - e.ci_low) == pytest.approx(2 * 1.959964 * e.se, rel=0.02)
    m = ca.csat(respondents, weights=raked, mean=True)
    ref = _ref(reference, "csat_mean", "all").iloc[0]
    assert m.score == pytest.approx(ref["estimate"], abs=1e-6) and m.se == pytest.approx(ref["se"], rel=1e-4)
    n = ca.nps(respondents, weights=raked)
    ref = _ref(reference, "nps", "all").iloc[0]
    assert n.score == pytest.approx(ref["estimate"], abs=1e-6) and n.se == pytest.approx(ref["se"], rel=1e-4)
    assert n.n == respondents["nps"].notna().sum()
    c = ca.ces(respondents, weights=raked)
    s = ca.summarize(respondents, metrics="ces", weights=raked).iloc[0]
    assert c.score == pytest.approx(s["score"]) and c.se == pytest.approx(s["se"])


def test_subset_of_raked_rows_is_a_domain(respondents, raked, reference):
    """A report on one segment of the raked table: domain estimation on the whole calibrated design."""
    pro = respondents[respondents["plan"] == "pro"]
    e = ca.csat(pro, weights=raked)
    ref = _ref(reference, "csat", "plan").loc["pro"]
    assert e.score == pytest.approx(ref["estimate"], abs=1e-6)
    assert e.se == pytest.approx(ref["se"], rel=1e-4)


def test_sparse_domain_sums_and_base_weights_give_the_same_ses(respondents, population, raked, reference,
                                                                 monkeypatch):
    """The other code paths: domain x unit sums as a sparse matrix; units split by initial weights."""
    import csat_analysis.weighting as wmod

    monkeypatch.setattr(wmod, "_MAX_DENSE_DOMAIN_UNITS", 0)
    fresh = rake(respondents, population, by=BY)
    base = rake(respondents.assign(b=2.0), population, by=BY, weights="b")  # constant: the same design as R's
    for r in (fresh, base):
        np.testing.assert_allclose(r.weights, raked.weights, rtol=1e-9)
        table = ca.summarize(respondents, metrics="nps", by="plan", weights=r)
        ref = _ref(reference, "nps", "plan")
        np.testing.assert_allclose(table["se"], ref["se"], rtol=1e-4)


def test_trend_equals_r_by_month(respondents, raked, reference):
    t = ca.trend(respondents, metric="nps", freq="M", weights=raked)
    ref = _ref(reference, "nps", "month")
    np.testing.assert_allclose(t["score"], ref["estimate"], atol=1e-6)
    np.testing.assert_allclose(t["se"], ref["se"], rtol=1e-4)


def _se_from_p(table):
    return table["change"].abs().to_numpy() / stats.norm.isf(table["p"].to_numpy() / 2)


def test_compare_share_differences_equal_r(respondents, raked, reference):
    """Differences carry the covariance that calibration induces between domains (R svycontrast)."""
    c = ca.compare(respondents, metric="csat", by="plan", reference="basic", weights=raked)
    ref = _ref(reference, "csat", "plan_diff")
    np.testing.assert_allclose(c["change"], ref["estimate"], atol=1e-6)
    np.testing.assert_allclose(_se_from_p(c), ref["se"], rtol=1e-4)
    c = ca.compare(respondents, metric="csat", period="M", reference="2024-01", weights=raked)
    ref = _ref(reference, "csat", "month_diff")
    np.testing.assert_allclose(c["change"], ref["estimate"], atol=1e-6)
    np.testing.assert_allclose(_se_from_p(c), ref["se"], rtol=1e-4)


@pytest.mark.parametrize("metric", ["csat_mean", "nps"])
@pytest.mark.parametrize("by", ["plan", "contract"])
def test_difference_variances_equal_r(respondents, raked, reference, metric, by):
    _, st = grouped_stats(respondents, [metric], [by], None, weights=raked)
    st = st[metric]
    ref = _ref(reference, metric, f"{by}_diff")
    k = len(ref) + 1
    a, b = st.take(np.arange(1, k)), st.take(np.zeros(k - 1, dtype=int))
    var = a.cal.variance() + b.cal.variance() - 2 * a.cal.covariance(b.cal)
    unit = 100 if metric == "nps" else 1
    np.testing.assert_allclose(unit * np.sqrt(var), ref["se"], rtol=1e-4)
    # and the covariance is not negligible here: ignoring it would miss R
    naive = np.sqrt(a.cal.variance() + b.cal.variance()) * unit
    assert np.abs(naive / ref["se"].to_numpy() - 1).max() > 1e-3


def test_compare_rest_and_privacy_run_with_raked_weights(respondents, raked):
    c = ca.compare(respondents, metric="nps", by="plan", weights=raked)
    assert c["p"].between(0, 1).all() and np.isfinite(c["ci_low"]).all()
    # "the rest" is the union of the other plans: its score equals that domain's calibrated estimate
    rest = respondents[respondents["plan"] != "basic"]
    e = ca.nps(rest, weights=raked)
    assert c.loc[c["plan"] == "basic", "score_ref"].iloc[0] == pytest.approx(e.score)
    c2 = ca.compare(respondents, metric="csat", by="plan", weights=raked, privacy_min_n=250)
    assert c2["change"].isna().any() and c2["change"].notna().any()


def test_unweighted_formulas_ignore_the_calibration(respondents, raked):
    """Estimators that switch to unweighted formulas at n_eff (effective bases) must not use the covariance."""
    import dataclasses

    _, st = grouped_stats(respondents, ["csat_mean"], ["plan"], None, weights=raked)
    st = dataclasses.replace(st["csat_mean"], weighted=False)
    plain = dataclasses.replace(st, cal=None)
    a, b = [0, 1], [2, 2]
    got, want = st.take(a).difference(st.take(b), 0.95), plain.take(a).difference(plain.take(b), 0.95)
    for key in ("ci_low", "ci_high", "p"):
        np.testing.assert_allclose(got[key], want[key], rtol=1e-12)


def test_plain_weight_column_keeps_fixed_weight_linearization(respondents, raked):
    frame = respondents.assign(w=raked.weights)
    fixed = ca.csat(frame, weights="w")
    cal = ca.csat(frame, weights=raked)
    assert fixed.score == pytest.approx(cal.score)
    w, y = raked.weights.to_numpy(), (respondents["csat"] >= 4).to_numpy(dtype=float)
    m = np.average(y, weights=w)
    n = len(w)
    se = np.sqrt(n / (n - 1) * (w**2 * (y - m) ** 2).sum() / w.sum() ** 2)
    assert fixed.se == pytest.approx(100 * se, rel=1e-10)
    assert fixed.se != pytest.approx(cal.se, rel=1e-3)  # calibration changes the SE


# --------------------------------------------------------------------------- margins input


def test_margins_as_shares_and_counts_give_the_same_weights(respondents, population, raked):
    shares = {col: population[col].value_counts(normalize=True).to_dict() for col in BY}
    counts = {col: population[col].value_counts().to_dict() for col in BY}
    r1 = rake(respondents, shares, by=BY, total=3000)
    r2 = rake(respondents, counts, by=BY)
    np.testing.assert_allclose(r1.weights, raked.weights, rtol=1e-9)
    np.testing.assert_allclose(r2.weights, raked.weights, rtol=1e-9)
    r3 = rake(respondents, shares, by=BY)  # no total: weights average 1
    assert r3.weights.sum() == pytest.approx(len(respondents))


def test_population_from_file(tmp_path, respondents, population, raked):
    path = tmp_path / "customers.csv"
    population[BY].to_csv(path, index=False)
    r = rake(respondents, path, by=BY)
    np.testing.assert_allclose(r.weights, raked.weights, rtol=1e-9)
    with pytest.raises(DataError, match="does not exist"):
        rake(respondents, tmp_path / "nope.csv", by=BY)


def test_shares_not_summing_to_one(respondents):
    bad = {"contract": {"Month-to-month": 0.5, "One year": 0.2, "Two year": 0.2}}
    with pytest.raises(ParameterError, match=r"sum to 0\.9000, not 1"):
        rake(respondents, bad, by="contract")
    close = {"contract": {"Month-to-month": 0.553, "One year": 0.25, "Two year": 0.2}}  # 1.003: rounding
    r = rake(respondents, close, by="contract", total=100)
    assert r.weights.sum() == pytest.approx(100)
    share = r.table.set_index("level")["population_share"]
    assert share["Month-to-month"] == pytest.approx(0.553 / 1.003)


def test_counts_that_disagree_between_variables(respondents):
    bad = {"contract": {"Month-to-month": 500, "One year": 300, "Two year": 200},
           "region": {"North": 400, "South": 300, "West": 100}}
    with pytest.raises(ParameterError, match="must add up to the same population"):
        rake(respondents, bad, by=["contract", "region"])


def test_margins_missing_a_by_column(respondents):
    with pytest.raises(ParameterError, match="no entry for the `by` column 'region'"):
        rake(respondents, {"contract": {"Month-to-month": 1}}, by=["contract", "region"])
    with pytest.raises(ParameterError, match="must be shares"):
        rake(respondents, {"contract": {"Month-to-month": "half"}}, by="contract")


# --------------------------------------------------------------------------- bad input


def test_population_level_no_respondent_has_is_merged_and_named(respondents, population):
    resp = respondents[respondents["contract"] != "Two year"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a merge is reported in .warnings, not as a failure
        r = rake(resp, population, by=BY)
    assert any("Two year" in w and "merged it with" in w for w in r.warnings)
    levels = r.table.loc[r.table["variable"] == "contract", "level"].tolist()
    assert "One year + Two year" in levels
    assert np.isfinite(r.weights).all() and (r.weights > 0).all()
    assert r.converged and r.table["diff_after"].abs().max() < 1e-8
    merged = r.table.set_index(["variable", "level"]).loc[("contract", "One year + Two year"), "population_share"]
    assert merged == pytest.approx(population["contract"].isin(["One year", "Two year"]).mean())


def test_ordered_levels_merge_with_a_neighbour(respondents, population):
    order = ["0-1y", "1-3y", "3-5y", "5y+"]
    resp = respondents[respondents["tenure_band"] != "1-3y"].copy()
    resp["tenure_band"] = pd.Categorical(resp["tenure_band"], categories=order, ordered=True)
    r = rake(resp, population, by=BY)
    levels = r.table.loc[r.table["variable"] == "tenure_band", "level"].tolist()
    # 1-3y goes to the smaller of its neighbours (3-5y: 20% of customers, 0-1y: 30%)
    assert "1-3y + 3-5y" in levels and "0-1y" in levels
    assert any("1-3y" in w for w in r.warnings)


def test_unused_categories_are_not_levels(respondents, population, raked):
    resp = respondents.assign(contract=pd.Categorical(
        respondents["contract"], categories=["Biennial", "Month-to-month", "One year", "Two year"]))
    r = rake(resp, population, by=BY)
    np.testing.assert_allclose(r.weights, raked.weights, rtol=1e-9)
    assert "Biennial" not in set(r.table["level"])
    rb = response_bias(population.assign(contract=pd.Categorical(population["contract"], categories=[
        "Biennial", "Month-to-month", "One year", "Two year"])), responded="responded", by=BY)
    assert "Biennial" not in set(rb.table["level"])


def test_sparse_level_is_named(respondents, population):
    keep = (respondents["region"] != "West") | (respondents.groupby("region").cumcount() < 3)
    r = rake(respondents[keep], population, by=BY, min_n=1)  # min_n=1: sparse levels are raked, and named
    assert any("Only 3 respondent(s) have region = 'West'" in w for w in r.warnings)
    # by default (issue 30) the level is merged with a neighbour before raking, and named
    merged = rake(respondents[keep], population, by=BY)
    assert any("Fewer than 5 respondents have region = 'West'" in w for w in merged.warnings)
    assert "West" not in set(merged.table["level"])
    assert not any("Only" in w for w in rake(respondents, population, by=BY).warnings)


def test_respondent_level_population_lacks(respondents, population):
    resp = respondents.copy()
    resp.loc[resp.index[:3], "contract"] = "Two-year"
    with pytest.raises(DataError, match=r"3 respondent\(s\) have contract = 'Two-year'.*Did you mean 'Two year'"):
        rake(resp, population, by=BY)
    margins = {"region": {"North": 0.5, "South": 0.5}}
    with pytest.raises(DataError, match="region = 'West'"):
        rake(respondents, margins, by="region")


def test_missing_value_in_a_by_column(respondents, population):
    resp = respondents.copy()
    resp.loc[resp.index[:2], "region"] = np.nan
    with pytest.raises(DataError, match=r"Column 'region' of the respondents has 2 missing value"):
        rake(resp, population, by=BY)
    pop = population.copy()
    pop.loc[pop.index[:5], "region"] = np.nan
    with pytest.raises(DataError, match=r"Column 'region' of the population .* 5 missing value"):
        rake(respondents, pop, by=BY)


def test_missing_by_column_and_bad_trim(respondents, population):
    with pytest.raises(ParameterError, match="'segment'"):
        rake(respondents, population, by=["segment"])
    with pytest.raises(ParameterError, match="above 1"):
        rake(respondents, population, by=BY, trim=0.5)


def test_margins_that_cannot_all_be_met_say_why(population):
    # every respondent in North has a Month-to-month contract, and vice versa: the two margins conflict
    resp = pd.DataFrame({"contract": ["Month-to-month"] * 50 + ["One year"] * 50,
                         "region": ["North"] * 50 + ["South"] * 50})
    margins = {"contract": {"Month-to-month": 0.5, "One year": 0.5}, "region": {"North": 0.7, "South": 0.3}}
    with pytest.warns(UserWarning, match="cannot reproduce all margins"):
        r = rake(resp, margins, by=["contract", "region"], max_iter=200)
    assert not r.converged
    assert np.isfinite(r.weights).all() and (r.weights > 0).all()
    assert any("cannot reproduce" in w for w in r.warnings)


def test_trim_caps_weights_and_reports_margins(respondents, population):
    full = rake(respondents, population, by=BY)
    assert full.weights.max() > 2 * full.weights.mean()  # every cap below binds
    for cap in (1.3, 1.5, 2.0):
        r = rake(respondents, population, by=BY, trim=cap)
        assert r.weights.max() <= cap * r.weights.mean() * (1 + 1e-9)
        assert np.isfinite(r.weights).all() and (r.weights > 0).all()
        assert r.weights.sum() == pytest.approx(3000)
        assert r.trim["trimmed"] > 0 and r.trim["n_eff_untrimmed"] == pytest.approx(full.n_eff)
        assert r.trim["n_eff_gained"] == pytest.approx(r.n_eff - full.n_eff, rel=1e-9)
        off = r.table[r.table["diff_after"].abs() > 1e-8]
        if cap == 1.3:  # too low for the 0-1y tenure band (under-represented 2:1): margins give way, n_eff rises
            assert len(off) and not r.converged and r.n_eff > full.n_eff
            text = next(w for w in r.warnings if "no longer match exactly" in w)
            assert "tenure_band = 0-1y" in text
        else:  # cap and margins both hold
            assert not len(off) and r.converged
            assert not any("no longer match" in w for w in r.warnings)
        if r.n_eff <= full.n_eff:  # cap 1.5: the margins force other weights up; said, not hidden
            assert any("did not raise the effective sample size" in w for w in r.warnings)
    # a cap that does not bind changes nothing
    loose = rake(respondents, population, by=BY, trim=50)
    np.testing.assert_allclose(loose.weights, full.weights, rtol=1e-9)
    assert loose.trim["trimmed"] == 0 and not loose.warnings


def test_base_weights_are_raked_on(respondents, population):
    resp = respondents.assign(base=np.where(respondents["plan"] == "pro", 2.0, 1.0))
    r = rake(resp, population, by=BY, weights="base")
    assert r.converged and r.table["diff_after"].abs().max() < 1e-8
    g = r.weights / resp["base"]
    # within a cell of the margins, the adjustment factor is the same whatever the base weight
    cell = resp[BY].astype(str).agg("|".join, axis=1)
    assert g.groupby(cell).std().fillna(0).max() < 1e-9


def test_result_rows_must_match(respondents, raked):
    other = respondents.reset_index(drop=True)
    other.index = other.index + 10_000
    with pytest.raises(DataError, match="not in the raked table"):
        ca.summarize(other, metrics="csat", weights=raked)


# --------------------------------------------------------------------------- non-response


def test_r_indicator_equals_r(population):
    rb = response_bias(population, responded="responded", by=BY)
    ref = pd.read_csv(REFERENCE / "raking_rindicator.csv").iloc[0]
    assert rb.r_indicator == pytest.approx(ref["r_indicator"], abs=1e-8)
    assert rb.propensities.min() == pytest.approx(ref["rho_min"], abs=1e-8)
    assert rb.propensities.max() == pytest.approx(ref["rho_max"], abs=1e-8)


def test_response_rates_with_wilson_intervals(population):
    rb = response_bias(population, responded="responded", by=BY)
    t = rb.table
    assert list(t.columns) == ["variable", "level", "n", "responded", "response_rate", "ci_low", "ci_high"]
    row = t[(t["variable"] == "contract") & (t["level"] == "Two year")].iloc[0]
    sel = population["contract"] == "Two year"
    assert row["n"] == sel.sum() and row["responded"] == population.loc[sel, "responded"].sum()
    lo, hi = wilson_interval(row["responded"] / row["n"], row["n"])
    assert row["ci_low"] == pytest.approx(100 * lo) and row["ci_high"] == pytest.approx(100 * hi)
    assert rb.response_rate == pytest.approx(100 * population["responded"].mean())
    assert "R-indicator" in rb.summary()


def test_propensity_weights_as_fixed_weights(population, respondents):
    rb = response_bias(population, responded="responded", by=BY)
    w = rb.weights
    assert w.index.equals(respondents.index)
    np.testing.assert_allclose(w, 1 / rb.propensities[respondents.index])
    e = ca.csat(respondents, weights=w)
    assert e.score == pytest.approx(100 * np.average(respondents["csat"] >= 4, weights=w))
    # inverse-propensity weighting moves the score the same way raking does (respondents are happier)
    assert e.score < ca.csat(respondents).score


def test_responded_must_be_zero_or_one(population):
    bad = population.assign(responded=population["responded"].replace({1: 2}))
    with pytest.raises(DataError, match="must be 1 \\(answered\\) or 0"):
        response_bias(bad, responded="responded", by=BY)


# --------------------------------------------------------------------------- simulation with known truth


def test_raked_interval_covers_the_truth_one_fixed_draw():
    """One fixed-seed replication of the coverage run below (fast tier)."""
    from .simulations import raking_coverage as sim

    res = sim.summary(sim.replicate(sim.customer_base(), sim.BY, reps=1, seed=3))
    for metric in ("csat", "csat_mean", "nps"):
        assert res.loc[(metric, "raked"), "coverage"] == 1.0
        assert res.loc[(metric, "unweighted"), "coverage"] == 0.0


@pytest.mark.simulation
def test_raked_intervals_cover_the_truth_small_simulation():
    """Few replications of tests/simulations/raking_coverage.py (synthetic base: never skips)."""
    from .simulations import raking_coverage as sim

    res = sim.summary(sim.replicate(sim.customer_base(), sim.BY, reps=12, seed=3))
    for metric in ("csat", "csat_mean", "nps"):
        unw, rk = res.loc[(metric, "unweighted")], res.loc[(metric, "raked")]
        assert unw["coverage"] <= 0.1  # respondents are happier: unweighted intervals miss the truth
        assert rk["coverage"] >= 0.9
        limit = 1.0 if metric != "csat_mean" else 0.02
        assert abs(rk["bias"]) <= limit
        assert abs(unw["bias"]) > 5 * limit


# --------------------------------------------------------------------------- exports


def test_public_names():
    assert ca.rake is rake and ca.response_bias is response_bias
    assert "rake" in ca.__all__ and "response_bias" in ca.__all__ and "RakeResult" in ca.__all__
    assert isinstance(ca.RakeResult, type) and RakeResult is ca.RakeResult


# --------------------------------------------------------------------------- schema, reports


def _schema_files(tmp_path, population, respondents, extra: str):
    population[BY].to_csv(tmp_path / "customers.csv", index=False)
    export = respondents[["customer_id", *BY, "plan", "date", "csat", "nps"]].copy()
    export["date"] = export["date"].dt.strftime("%Y-%m-%d")
    export.to_csv(tmp_path / "export.csv", index=False)
    (tmp_path / "schema.yml").write_text(
        "columns: {response_id: customer_id, date: date, segments: [contract, tenure_band, region, plan]}\n"
        "metrics: {csat: csat, nps: nps}\n" + extra, encoding="utf-8")


def test_schema_population_file_weights_reports(tmp_path, population, respondents, raked):
    from csat_analysis.render import header
    from csat_analysis.weighting import population_weights

    from .conftest import visible_text

    _schema_files(tmp_path, population, respondents,
                  "population: {file: customers.csv, by: [contract, tenure_band, region]}\n")
    sch = ca.read_schema(tmp_path / "schema.yml")
    assert sch.population["by"] == tuple(BY)
    assert sch.population["file"] == str(tmp_path / "customers.csv")  # relative to the schema file
    frame, _ = ca.load_responses(tmp_path / "export.csv", tmp_path / "schema.yml")
    r = population_weights(frame)
    np.testing.assert_allclose(r.weights, raked.weights, rtol=1e-9)
    e = ca.csat(frame, weights=r)
    assert e.score == pytest.approx(_ref(pd.read_csv(REFERENCE / "raking_reference.csv"), "csat", "all")
                                    .iloc[0]["estimate"], abs=1e-6)
    text = visible_text(str(header("CSAT", data=frame)._repr_html_()))
    unweighted = ca.csat(frame).score
    assert "Raked to the customer base (customers.csv) on contract, tenure_band, region" in text
    assert f"design effect {r.deff:.2f}" in text
    assert f"{e.score:.1f}% weighted, {unweighted:.1f}% unweighted" in text


def test_schema_margins(tmp_path, population, respondents, raked):
    from csat_analysis.weighting import population_weights

    shares = {c: {k: round(float(v), 6) for k, v in population[c].value_counts(normalize=True).items()} for c in BY}
    import yaml

    _schema_files(tmp_path, population, respondents,
                  yaml.safe_dump({"margins": shares, "population": {"total": 3000}}))
    frame, _ = ca.load_responses(tmp_path / "export.csv", tmp_path / "schema.yml")
    r = population_weights(frame)
    np.testing.assert_allclose(r.weights, raked.weights, rtol=1e-5)  # shares rounded to 6 decimals
    assert ca.read_schema(tmp_path / "schema.yml").to_dict()["margins"]["contract"] == shares["contract"]


@pytest.mark.parametrize("extra, message", [
    ("population: {file: customers.csv}\n", "population.by must list the columns"),
    ("population: {file: customers.csv, by: [age]}\n", "'age' is not loaded with the responses"),
    ("population: {fil: customers.csv}\n", "unknown key 'fil' in population.*Did you mean 'file'"),
    ("population: {file: customers.csv, by: [contract], trim: 0.5}\n", "population.trim must be a number above 1"),
    ("margins: {contract: {Month-to-month: 0.5, One year: 0.3}}\n", r"margins: The shares of 'contract' sum to 0\.8"),
    ("margins: {contract: {Month-to-month: 0.5, One year: 0.5}}\npopulation: {file: c.csv, by: [contract]}\n",
     "either population.file"),
])
def test_schema_population_errors(tmp_path, population, respondents, extra, message):
    _schema_files(tmp_path, population, respondents, extra)
    with pytest.raises(ca.SchemaError, match=message):
        ca.read_schema(tmp_path / "schema.yml")


def test_no_population_no_weighting_line(respondents):
    from csat_analysis.render import header
    from csat_analysis.weighting import header_note, population_weights

    frame = respondents.copy()
    frame = ca.with_schema(frame, {"metrics": {"csat": {}}})
    assert population_weights(frame) is None and header_note(frame) is None
    assert "Weighting" not in str(header("x", data=frame)._repr_html_())


def test_who_answered_plot(raked):
    ax = raked.plot()
    assert len(ax.get_yticklabels()) == len(raked.table)
    assert ax.get_title().startswith("Who answered")
