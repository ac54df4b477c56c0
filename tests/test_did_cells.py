"""DiD from cells (issue 29 §6): the same numbers as the row-level statsmodels path, without refitting rows.

``tests/reference/did_rows_reference.json`` holds the outputs of the row-level ``campaign_effect(design="did")``
(statsmodels fits on every row, before issue 29) for the datasets below; the cell path must reproduce its
estimates, standard errors, p-values, intervals, event study, pre-trend test and ATT to 1e-9.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csat_analysis import campaign_effect
from csat_analysis.did_cells import did_cells, fit_cells, randomization_test, wcr_test
from csat_analysis.effects import wild_cluster_bootstrap

from .conftest import REFERENCE

TOL = 1e-9


def panel(regions=30, months=12, per_cell=40, treated=2, seed=0, weights=False, extra=False):
    """Survey responses of a regional campaign: ``regions`` x ``months`` x ``per_cell``, rows shuffled."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(regions), months * per_cell)
    p = np.tile(np.repeat(np.arange(months), per_cell), regions)
    tr = g < treated
    post = p >= months // 2
    prob = np.clip(0.6 + rng.normal(0, .05, regions)[g] + rng.normal(0, .03, (regions, months))[g, p]
                   + 0.06 * (tr & post), .02, .98)
    top = rng.random(len(g)) < prob
    csat = np.where(top, rng.choice([4, 5], len(g)), rng.choice([1, 2, 3], len(g)))
    dates = pd.to_datetime(pd.DataFrame({"year": 2025, "month": p + 1, "day": rng.integers(1, 28, len(g))}))
    names = np.array([f"Region {i:02d}" for i in range(regions)])
    df = pd.DataFrame({"csat": csat, "region": names[g], "promo": tr & post, "date": dates})
    if weights:
        df["w"] = rng.uniform(0.3, 3, len(g))
    if extra:
        df["channel"] = rng.choice(["web", "phone", "store"], len(g))
        df["plan"] = rng.choice(["basic", "plus"], len(g))
        df["tenure"] = rng.integers(0, 5, len(g)).astype(float)
        df["shop"] = np.char.add(names[g], np.where(rng.random(len(g)) < .5, " a", " b"))
    return df.sample(frac=1, random_state=seed).reset_index(drop=True)


#: dataset arguments, campaign_effect arguments: every inference path (randomization enumerated / sampled,
#: wild bootstrap Rademacher / Webb, CR1), weights, controls (categorical and numeric), a cluster other than the group
CASES = {
    "ri_enumerated": (dict(per_cell=8), dict()),
    "ri_weighted": (dict(per_cell=8, weights=True, seed=1), dict(weights="w")),
    "ri_sampled": (dict(per_cell=6, seed=2), dict(n_boot=199)),
    "ri_explicit_controls": (dict(regions=12, months=8, per_cell=10, treated=4, extra=True, seed=3),
                             dict(inference="randomization", controls="C(channel) + C(plan)")),
    "wild_controls": (dict(regions=12, months=8, per_cell=15, treated=5, extra=True, seed=4),
                      dict(controls="C(channel) + C(plan) + tenure")),
    "wild_cluster_weighted": (dict(regions=8, months=6, per_cell=10, treated=3, extra=True, weights=True, seed=5),
                              dict(weights="w", cluster="shop", inference="wild", n_boot=999)),
    "webb_enumerated": (dict(regions=6, months=6, per_cell=20, treated=2, seed=6), dict()),
    "cr1_controls": (dict(regions=30, months=6, per_cell=10, treated=12, extra=True, seed=7),
                     dict(controls="C(channel)")),
}


def call(name):
    d, kw = CASES[name]
    months = d.get("months", 12)
    return panel(**d), dict(outcome="csat", campaign="promo", design="did", group="region",
                            start=f"2025-{months // 2 + 1:02d}-01", **kw)


def numbers(r):
    """The numbers compared: table, CR1 p, bootstrap p, ATT, event study, pre-trend test."""
    out = {"table": r.table[["estimate", "se", "ci_low", "ci_high", "p"]].to_numpy(float).tolist(),
           "n": r.n, "inference": r.details.get("inference"), "warnings": r.warnings}
    for k in ("p_cr1", "p_wild"):
        if k in r.details:
            out[k] = r.details[k]
    att = r.details.get("att")
    if att:
        out["att"] = [att["estimate"], att["weights"], att["responses"]]
    es = r.details.get("event_study")
    if es is not None:
        cols = ["relative_period", "estimate", "se", "ci_low", "ci_high", "p"]
        out["event_study"] = es[cols].to_numpy(float).tolist()
        pre = r.details["pretrend"]
        out["pretrend"] = [pre["F"], pre["p"], pre["df1"], pre["df2"]]
    return out


@pytest.fixture(scope="module")
def reference():
    return json.loads((REFERENCE / "did_rows_reference.json").read_text())


@pytest.mark.parametrize("name", list(CASES))
def test_did_equals_row_level_fit(name, reference):
    data, kw = call(name)
    got, want = numbers(campaign_effect(data, **kw)), reference[name]
    assert got["inference"] == want["inference"] and got["n"] == want["n"]
    assert got["warnings"] == want["warnings"]
    for key in ("table", "event_study"):
        np.testing.assert_allclose(np.array(got[key]), np.array(want[key]), rtol=TOL, atol=TOL, err_msg=key)
    for key in ("p_cr1", "p_wild"):
        assert (key in got) == (key in want)
        if key in want:
            assert got[key] == pytest.approx(want[key], rel=TOL, abs=TOL), key
    assert got["att"][0] == pytest.approx(want["att"][0], rel=TOL, abs=TOL)
    assert got["att"][2] == want["att"][2]
    assert got["att"][1] == pytest.approx(want["att"][1], rel=TOL, abs=TOL)
    assert np.allclose(got["pretrend"], want["pretrend"], rtol=TOL, atol=TOL)


def test_default_did_fits_no_row_level_model(monkeypatch):
    """Every fit and replicate comes from the cells: statsmodels never fits the rows (it did 3 times before)."""
    import statsmodels.regression.linear_model as lm

    def refuse(*args, **kwargs):
        raise AssertionError("a row-level statsmodels fit")

    monkeypatch.setattr(lm.RegressionModel, "fit", refuse)
    data, kw = call("ri_enumerated")
    r = campaign_effect(data, **kw)
    assert r.details["inference"] == "randomization inference" and r.details["cells"] == 30 * 12


def _rows_frame(data: pd.DataFrame, controls=()) -> pd.DataFrame:
    codes = data["date"].dt.month.to_numpy()
    f = pd.DataFrame({"_y": 100.0 * (data["csat"] >= 4), "_g": data["region"].to_numpy(), "_p": codes,
                      "_treated": data["region"].isin(["Region 00", "Region 01", "Region 02"]).to_numpy(float)})
    f["_post"] = (f["_p"] >= 4).astype(float)
    f["_did"] = f["_treated"] * f["_post"]
    for c in controls:
        f[c] = data[c].to_numpy()
    return f


def test_cell_fit_matches_statsmodels_on_rows_weighted_with_controls():
    import statsmodels.formula.api as smf

    data = panel(regions=10, months=6, per_cell=12, treated=3, weights=True, extra=True, seed=11)
    frame = _rows_frame(data, ["channel", "tenure"])
    rhs = "_did + C(_g) + C(_p) + C(channel) + tenure"
    rows = smf.wls(f"_y ~ {rhs}", frame, weights=data["w"]).fit(
        cov_type="cluster", cov_kwds={"groups": data["shop"].to_numpy()}, use_t=True)
    cells = did_cells(frame, weights=data["w"].to_numpy(), clusters=data["shop"].to_numpy(),
                      columns=["channel", "tenure"])
    fit = fit_cells(cells, rhs)
    assert cells.nobs == len(frame) and cells.n.sum() == len(frame) and cells.clusters == 20
    for attr in ("params", "bse", "pvalues"):
        np.testing.assert_allclose(getattr(fit, attr).to_numpy(), getattr(rows, attr).to_numpy(), rtol=1e-9,
                                   atol=1e-9, err_msg=attr)
    assert fit.df_resid_inference == rows.df_resid_inference
    # the wild cluster restricted bootstrap on the cells (with the row count) equals the one on the rows
    k = list(rows.model.exog_names).index("_did")
    on_rows = wild_cluster_bootstrap(rows.model.wexog, rows.model.wendog, k, data["shop"].to_numpy(), reps=999)
    on_cells = wcr_test(fit.model.wexog, fit.model.wendog, k, fit.clusters, nobs=cells.nobs, reps=999,
                        seed=20261201)
    for key in ("estimate", "se", "p", "ci_low", "ci_high"):
        assert on_cells[key] == pytest.approx(on_rows[key], rel=1e-9, abs=1e-9), key


def test_randomization_on_cells_needs_twenty_sets():
    data = panel(regions=6, months=6, per_cell=5, treated=3, seed=12)
    frame = _rows_frame(data)
    cells = did_cells(frame)
    fit = fit_cells(cells, "_did + C(_g) + C(_p)")
    assert randomization_test(fit, "_did", cells, reps=999, seed=1) is not None  # C(6, 3) = 20 sets
    frame["_treated"] = frame["_g"].isin(["Region 00"]).astype(float)
    frame["_did"] = frame["_treated"] * frame["_post"]
    cells = did_cells(frame)
    assert randomization_test(fit_cells(cells, "_did + C(_g) + C(_p)"), "_did", cells, reps=999, seed=1) is None
