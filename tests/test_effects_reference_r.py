"""campaign_effect() against independent R reference values (no R needed to run these tests).

* variants: a text campaign column (control "None", variants "Offer A/B/C") against R ``lm`` + ``sandwich::vcovHC
  (type = "HC1")``, ``p.adjust(method = "holm")`` and the joint Wald F test (tests/reference/variants.R);
* wild cluster restricted bootstrap with 12 clusters (all 2^12 Rademacher sign vectors, so the p-value is exact)
  against a refit-every-sample implementation in R, and CR1 against ``sandwich::vcovCL(type = "HC1")`` with
  ``t(G - 1)`` (tests/reference/wcr.R).

Regenerate: ``.venv/bin/python tests/reference/make_variants_data.py && (cd tests/reference && Rscript variants.R
&& Rscript wcr.R)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat_analysis import campaign_effect
from csat_analysis.effects import wild_cluster_bootstrap

HERE = Path(__file__).parent / "reference"
VARIANTS = ["Offer A", "Offer B", "Offer C"]


def variants_data() -> pd.DataFrame:
    # "None" is the control's label: pandas would read it as missing by default
    d = pd.read_csv(HERE / "variants_data.csv", keep_default_na=False, na_values=[""])
    for c in ("csat", "nps"):
        d[c] = d[c].astype("Int64")
    return d


def wcr_data() -> pd.DataFrame:
    d = pd.read_csv(HERE / "wcr_data.csv")
    d["csat"] = d["csat"].astype("Int64")
    return d


@pytest.fixture(scope="module")
def vref() -> pd.DataFrame:
    return pd.read_csv(HERE / "variants_reference.csv", keep_default_na=False, na_values=["NA"])


@pytest.fixture(scope="module")
def wref() -> pd.Series:
    return pd.read_csv(HERE / "wcr_reference.csv").set_index("quantity")["value"]


def check_variants(r, ref: pd.DataFrame, tol: float = 1e-6) -> None:
    assert r.details["variants"] == VARIANTS and r.details["control"] == "None"
    t = r.table.set_index("term")
    assert list(t.index) == VARIANTS
    per = ref[ref["quantity"] != "joint"].set_index("quantity")
    for v in VARIANTS:
        for col in ("estimate", "se", "p", "p_adj"):
            assert t.loc[v, col] == pytest.approx(per.loc[v, col], abs=tol), (v, col)
    assert r.n == int(per["n"].iloc[0])
    joint = ref[ref["quantity"] == "joint"].iloc[0]
    j = r.details["joint"]
    assert j["F"] == pytest.approx(joint["estimate"], abs=tol)
    assert j["p"] == pytest.approx(joint["p"], abs=tol)
    assert (j["df1"], j["df2"]) == (int(joint["df1"]), int(joint["df2"]))


@pytest.mark.parametrize("outcome, r_outcome", [("csat", "csat_top"), ("nps", "nps_code")])
def test_variants_match_r(vref, outcome, r_outcome):
    d = variants_data()
    r = campaign_effect(d, outcome=outcome, campaign="offer", control="None", controls=["Plan type", "tenure"])
    check_variants(r, vref[vref["outcome"] == r_outcome])


def test_variants_comparison_can_fail(vref):
    """The check is sharp: dropping one response, or the numeric control, moves the numbers past the tolerance."""
    d = variants_data()
    r = campaign_effect(d.iloc[1:], outcome="csat", campaign="offer", control="None", controls=["Plan type", "tenure"])
    with pytest.raises(AssertionError):
        check_variants(r, vref[vref["outcome"] == "csat_top"])
    r = campaign_effect(d, outcome="csat", campaign="offer", control="None", controls=["Plan type"])
    with pytest.raises(AssertionError):
        check_variants(r, vref[vref["outcome"] == "csat_top"])


def _design(d: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    X = np.column_stack([np.ones(len(d)), d["promo"].to_numpy(float), d["tenure"].to_numpy(float)])
    return X, np.where(d["csat"].to_numpy(float) >= 4, 100.0, 0.0)


def test_wild_cluster_bootstrap_matches_r_enumeration(wref):
    d = wcr_data()
    X, y = _design(d)
    out = wild_cluster_bootstrap(X, y, 1, d["store"].to_numpy())
    assert out["weights"] == "Rademacher" and out["enumerated"] and out["reps"] == int(wref["reps"]) == 4096
    assert out["clusters"] == int(wref["clusters"]) == 12
    assert out["estimate"] == pytest.approx(wref["estimate"], abs=1e-6)
    assert out["se"] == pytest.approx(wref["se_cr1"], abs=1e-6)
    assert out["t"] == pytest.approx(wref["t_cr1"], abs=1e-6)
    # ties (the all-plus and all-minus sign vectors reproduce |t|) count as "at least as large"
    assert out["p"] == pytest.approx(wref["p_wcr"], abs=1e-9)
    assert wref["p_wcr"] - wref["p_wcr_strict"] == pytest.approx(wref["ties"] / wref["reps"], abs=1e-12)
    assert out["ci_low"] < out["estimate"] < out["ci_high"]


@pytest.mark.parametrize("inference", ["wild", "auto"])
def test_campaign_effect_wild_and_cr1_match_r(wref, inference):
    d = wcr_data()
    r = campaign_effect(d, outcome="csat", campaign="promo", controls=["tenure"], cluster="store",
                        inference=inference)
    row = r.table.iloc[0]
    assert row["estimate"] == pytest.approx(wref["estimate"], abs=1e-6)
    assert row["se"] == pytest.approx(wref["se_cr1"], abs=1e-6)
    assert row["p"] == pytest.approx(wref["p_wcr"], abs=1e-9)
    assert r.details["p_wild"] == pytest.approx(wref["p_wcr"], abs=1e-9)
    assert r.details["p_cr1"] == pytest.approx(wref["p_cr1"], abs=1e-6)
    assert r.details["bootstrap"]["reps"] == 4096 and r.details["bootstrap"]["enumerated"]


def test_wild_comparison_can_fail(wref):
    """Moving one store into the treated group, or one response out, changes t and the exact p past the tolerances."""
    d = wcr_data()
    d.loc[d["store"] == "S01", "promo"] = 1
    X, y = _design(d)
    out = wild_cluster_bootstrap(X, y, 1, d["store"].to_numpy())
    assert out["t"] != pytest.approx(wref["t_cr1"], abs=1e-6)
    assert out["p"] != pytest.approx(wref["p_wcr"], abs=1e-9)
    d = wcr_data().iloc[1:]
    X, y = _design(d)
    out = wild_cluster_bootstrap(X, y, 1, d["store"].to_numpy())
    assert out["se"] != pytest.approx(wref["se_cr1"], abs=1e-6)
