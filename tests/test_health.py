"""Issue 15: customer health score, at-risk model, and what satisfaction is worth."""

from __future__ import annotations

import csv
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csat_analysis as ca
from csat_analysis import health
from csat_analysis.datasets import CHURN_MODEL, SAMPLE_SCHEMA, make_sample
from csat_analysis.exceptions import ParameterError, SchemaError

from .conftest import realdata, visible_text


@pytest.fixture(scope="module")
def sample():
    """A 6,000-response sample (about 5,100 customers) loaded with the sample schema."""
    frame, _ = ca.load_responses(make_sample(6000, random_state=11), SAMPLE_SCHEMA)
    return frame


# --------------------------------------------------------------------------- schema and loading


def test_schema_keys_parse_and_round_trip():
    s = ca.read_schema({"columns": {"customer_id": "CustomerId"}, "metrics": {"csat": "sat"},
                        "outcomes": {"churned": {"column": "Churn Label", "labels": {"Yes": 1, " no ": 0}}},
                        "features": ["csat", "Age"]})
    assert s.customer_id == "CustomerId" and s.features == ("csat", "Age")
    assert s.outcomes["churned"].column == "Churn Label" and s.outcomes["churned"].labels == {"yes": 1, "no": 0}
    assert s.source_columns() == ["sat", "CustomerId", "Churn Label", "Age"]  # csat is the score, not a column
    assert ca.read_schema(s.to_dict()) == s


@pytest.mark.parametrize("raw, message", [
    ({"outcomes": {"churned": {"colum": "x"}}}, "unknown key 'colum' in outcomes.churned"),
    ({"outcomes": {"csat": {"column": "x"}}}, "outcome name 'csat' is already a column"),
    ({"outcomes": {"churn risk": {"column": "x"}}}, "must be a Python-style identifier"),
    ({"outcomes": {"churned": {"column": "x", "labels": {"Yes": "one"}}}}, "which is not a number"),
    ({"features": ["Age", "Age"]}, "lists 'Age' twice"),
    ({"columns": {"pii": ["CustomerId"], "customer_id": "CustomerId"}}, "listed under columns.pii and as "
                                                                        "columns.customer_id"),
])
def test_bad_schema_keys_are_one_clear_sentence(raw, message):
    with pytest.raises(SchemaError, match=re.escape(message)):
        ca.read_schema({"metrics": {"csat": "sat"}, **raw})


def test_outcomes_features_and_customer_id_in_the_canonical_table(tmp_path):
    path = tmp_path / "export.csv"
    pd.DataFrame({"CustomerId": ["007", "008", "009", "010"], "sat": [1, 5, 4, 2],
                  "Churn Label": ["Yes", " no", "NO", ""], "Exited": [1, 0, 0, 1], "Spend": [10.5, None, 3, 4],
                  "Plan": ["Basic", "Plus", None, "Basic"],
                  "Left": ["yes", "no", "no", "yes"]}).to_csv(path, index=False)
    schema = {"columns": {"customer_id": "CustomerId"}, "metrics": {"csat": "sat"},
              "outcomes": {"churned": {"column": "Churn Label", "labels": {"Yes": 1, "No": 0}},
                           "exited": "Exited", "left": "Left"},
              "features": ["csat", "Spend", "Plan"]}
    frame, report = ca.load_responses(path, schema)
    assert frame["customer_id"].tolist() == ["007", "008", "009", "010"]  # text: leading zeros kept
    assert frame["churned"].tolist()[:3] == [1.0, 0.0, 0.0] and np.isnan(frame["churned"][3])  # missing stays missing
    assert frame["exited"].tolist() == [1.0, 0.0, 0.0, 1.0] and frame["left"].tolist() == [1.0, 0.0, 0.0, 1.0]
    assert frame["Spend"].isna().tolist() == [False, True, False, False]  # features keep their source names
    assert isinstance(frame["Plan"].dtype, pd.CategoricalDtype)
    assert report.rows_kept == 4  # a missing outcome excludes no response


def test_an_outcome_label_not_in_labels_names_file_column_value_and_row(tmp_path):
    path = tmp_path / "churn.csv"
    pd.DataFrame({"sat": [1, 5, 4], "Churn Label": ["Yes", "Maybe", "No"]}).to_csv(path, index=False)
    schema = {"metrics": {"csat": "sat"}, "outcomes": {"churned": {"column": "Churn Label",
                                                                   "labels": {"Yes": 1, "No": 0}}}}
    with pytest.raises(SchemaError, match=r"churn\.csv: outcome 'churned' \(column 'Churn Label'\) holds 'Maybe' "
                                          r"in row 2, which is not among its labels \['no', 'yes'\]"):
        ca.load_responses(path, schema)
    schema["outcomes"]["churned"].pop("labels")
    with pytest.raises(SchemaError, match=r"holds 'Maybe', which is neither a number nor yes/no"):
        ca.load_responses(path, schema)


def test_a_feature_not_in_the_file_is_a_schema_error(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame({"sat": [1, 5], "Tenure": [1, 2]}).to_csv(path, index=False)
    with pytest.raises(SchemaError, match="column 'Tenur' is not in x.csv.*Did you mean 'Tenure'"):
        ca.load_responses(path, {"metrics": {"csat": "sat"}, "features": ["Tenur"]})


# --------------------------------------------------------------------------- one row per customer


def test_latest_response_per_customer_by_default_other_rules_selectable():
    frame = pd.DataFrame({"customer_id": ["a", "b", "a", "a", None],
                          "date": pd.to_datetime(["2024-03-01", "2024-01-01", "2024-01-01", "2024-02-01",
                                                  "2024-01-01"]),
                          "csat": [5, 2, 1, 3, 4], "churned": [0.0, 1.0, 0.0, 0.0, 1.0]})
    latest, how = health.customers(frame)
    assert dict(zip(latest["customer_id"], latest["csat"], strict=False)) == {"a": 5, "b": 2}
    assert "latest response" in how and "1 responses without a customer id are left out" in how
    first, _ = health.customers(frame, rule="first")
    assert dict(zip(first["customer_id"], first["csat"], strict=False)) == {"a": 1, "b": 2}
    mean, _ = health.customers(frame, rule="mean")
    assert dict(zip(mean["customer_id"], mean["csat"], strict=False)) == {"a": 3, "b": 2}
    with pytest.raises(ParameterError, match="`rule` must be one of"):
        health.customers(frame, rule="last")
    alone, how = health.customers(frame.drop(columns="customer_id").assign(response_id=list("vwxyz")))
    assert alone["customer_id"].tolist() == list("vwxyz") and "each response is treated as one customer" in how


# --------------------------------------------------------------------------- AUC, calibration, lift


def test_delong_matches_sklearn_auc_and_the_pairwise_definition():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = rng.random(300) < 0.3
    s = np.round(rng.normal(size=300) + y, 1)  # ties included
    auc, se, lo, hi = health.delong_auc(s, y)
    assert auc == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    pos, neg = s[y], s[~y]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    se_ref = np.sqrt(v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg))  # DeLong 1988, by definition
    assert se == pytest.approx(se_ref, rel=1e-10)
    assert (lo, hi) == pytest.approx((auc - 1.959964 * se, auc + 1.959964 * se), abs=1e-5)


def test_risk_validation_matches_sklearn(sample):
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import brier_score_loss, roc_auc_score

    r = ca.risk_model(sample, features=["csat", "logins_30d", "plan"], folds=4)
    cust, _ = health.customers(sample)
    y = cust.set_index("customer_id").loc[r.scores["customer_id"], "churned"].to_numpy()
    risk = r.scores["risk"].to_numpy()
    v = r.validation.iloc[0]
    assert v["auc"] == pytest.approx(roc_auc_score(y, risk), abs=1e-12)
    assert v["brier"] == pytest.approx(brier_score_loss(y, risk), abs=1e-12)
    assert v["n"] == len(cust) and v["events"] == y.sum()
    # deciles of predicted risk: sklearn's quantile calibration curve gives the same points (no ties in risks)
    obs, pred = calibration_curve(y, risk, n_bins=10, strategy="quantile")
    cal = r.calibration
    assert cal["n"].sum() == len(y) and len(cal) == 10
    assert cal["observed"].to_numpy() == pytest.approx(obs, abs=0.01)
    assert cal["predicted"].to_numpy() == pytest.approx(pred, abs=0.005)
    low, high = ca.wilson_interval(cal["observed"].to_numpy(), cal["n"].to_numpy())
    assert cal["ci_low"].to_numpy() == pytest.approx(low) and cal["ci_high"].to_numpy() == pytest.approx(high)
    # capture of the riskiest 10%: the share of all churners among them
    top = np.argsort(-risk, kind="stable")[: round(0.1 * len(y))]
    assert v["capture_top10"] == pytest.approx(y[top].sum() / y.sum())
    assert v["lift_top10"] == pytest.approx(y[top].mean() / y.mean())
    assert r.scores["rank"].tolist() == list(range(1, len(y) + 1))
    assert list(r.scores.columns) == ["customer_id", "risk", "rank"]  # nothing else: never PII


def test_validate_score_of_raw_csat_lower_is_riskier():
    from sklearn.metrics import roc_auc_score

    frame = pd.DataFrame({"csat": [1, 2, 2, 3, 4, 5, 5, 4, 1, 3] * 5, "churned": [1, 1, 0, 1, 0, 0, 0, 0, 0, 1] * 5})
    v = ca.validate_score(frame, score="csat", outcome="churned")
    assert not v.higher_is_riskier
    assert v.validation["auc"][0] == pytest.approx(roc_auc_score(frame["churned"], -frame["csat"]))
    assert np.isnan(v.validation["brier"][0])  # not a probability
    assert v.calibration["score_low"].iloc[-1] == 1  # the riskiest decile holds the lowest scores
    with pytest.raises(ParameterError, match="not yes/no"):
        ca.validate_score(frame.assign(churned=frame["churned"] * 2), score="csat", outcome="churned")


# --------------------------------------------------------------------------- the generator's churn model


def test_risk_model_recovers_the_generators_churn_model(sample):
    r = ca.risk_model(sample, features=["csat", "logins_30d", "tenure_months", "plan"], folds=3)
    eff = r.effects.set_index("term")
    truth = {"csat": CHURN_MODEL["csat_minus_3"], "logins_30d": CHURN_MODEL["logins_30d"],
             "tenure_months": CHURN_MODEL["tenure_months"], "plan = Plus": CHURN_MODEL["plan"]["Plus"],
             "plan = Premium": CHURN_MODEL["plan"]["Premium"]}
    z = stats.norm.ppf(0.995)  # 99% intervals: five coefficients checked at once
    for term, true in truth.items():
        coef, se = eff.loc[term, "coef"], eff.loc[term, "se"]
        assert coef - z * se <= true <= coef + z * se, (term, coef, se, true)
    for term in ("csat", "logins_30d", "plan = Premium"):  # the real effects are clearly negative
        assert eff.loc[term, "ci_high"] < 1, term
    assert eff.loc["tenure_months", "ci_low"] < 1 < eff.loc["tenure_months", "ci_high"]
    assert "no clear association" in eff.loc["tenure_months", "words"]
    assert "per point more" in eff.loc["csat", "words"] and "lower risk" in eff.loc["csat", "words"]
    assert r.leakage.empty and r.without_leaks is None and not r.warnings
    assert 0.62 < r.validation["auc"][0] < 0.8


def test_satisfaction_worth_on_the_sample_is_an_association_in_words(sample):
    w = ca.satisfaction_worth(sample, outcome="churned")
    assert w.associated and w.odds_ratio < 1 and w.ci[1] < 1
    assert w.low["rate"] > 2 * w.high["rate"]
    text = " ".join(w.sentences())
    assert "CSAT 1–2" in text and "4–5" in text and "association, not proof" in text
    assert w.table["n"].sum() == w.n


def test_boosting_gives_permutation_importance_in_words(sample):
    small = sample.iloc[:1500]
    r = ca.risk_model(small, features=["csat", "logins_30d", "tenure_months"], model="boosting", folds=3)
    assert list(r.effects.columns) == ["feature", "importance", "sd", "words"]
    assert r.effects["feature"].iloc[0] in ("csat", "logins_30d")
    assert r.effects["words"].str.len().gt(10).all()
    assert 0.55 < r.validation["auc"][0] < 0.85


def test_missing_feature_values_are_imputed_with_an_indicator_and_said(sample):
    r = ca.risk_model(sample, features=["csat", "nps", "ces", "logins_30d"], folds=3)
    assert "nps missing" in set(r.effects["term"]) and "ces missing" in set(r.effects["term"])
    assert any("imputed with the median" in n and "missing-value indicator" in n for n in r.notes)
    assert r.scores["risk"].notna().all()


# --------------------------------------------------------------------------- leakage


def test_leakage_guard_names_a_proxy_and_refits_without_it():
    rng = np.random.default_rng(5)
    n = 1500
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(1.2 - 0.8 * x))).astype(float)
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "x": x, "noise": rng.normal(size=n),
                          "complained": np.where(rng.random(n) < 0.01, 1 - y, y),
                          "status": np.where(y == 1, rng.choice(["closing", "open"], n, p=[0.9, 0.1]), "open")})
    r = ca.risk_model(frame.assign(y=y), outcome="y", features=["x", "noise", "complained", "status"], folds=3)
    flagged = set(r.leakage["feature"])
    assert flagged == {"complained", "status"}  # an AUC of ~0.99, and a level with 0% outcome ("closing": 100%)
    assert "complained alone separates the outcome with AUC" in r.warnings[0]
    assert "status = closing: 100.0% outcome" in r.warnings[0]
    assert r.validation["auc"][0] > 0.95
    honest = r.without_leaks
    assert honest is not None and set(honest.features) == {"x", "noise"}
    assert 0.6 < honest.validation["auc"][0] < 0.85 and r.honest is honest
    assert "inflated by the leak" in " ".join(r.sentences())


# --------------------------------------------------------------------------- export


def test_scores_export_neutralises_formulas(tmp_path):
    rng = np.random.default_rng(8)
    n = 200
    x = rng.normal(size=n)
    frame = pd.DataFrame({"customer_id": ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)"] + [f"c{i}" for i in
                                                                                                 range(n - 4)],
                          "x": x, "churned": (rng.random(n) < 1 / (1 + np.exp(-x))).astype(float)})
    r = ca.risk_model(frame, outcome="churned", features=["x"], folds=3)
    path = r.to_csv(tmp_path / "risk.csv")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        ids = [row["customer_id"] for row in csv.DictReader(fh)]
    dangerous = [i for i in ids if i[:1] in "=+-@"]
    assert not dangerous
    assert {"'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)"} <= set(ids)
    from openpyxl import load_workbook

    book = load_workbook(r.to_excel(tmp_path / "risk.xlsx"))
    sheet = book["Scores"]
    cells = [c for c in sheet["A"][1:] if isinstance(c.value, str) and c.value.lstrip("'")[:1] in "=+-@"]
    assert len(cells) == 4 and all(c.data_type == "s" for c in cells)  # text, never a formula
    assert "Validation" in book.sheetnames and "About" in book.sheetnames


# --------------------------------------------------------------------------- the health score


def test_health_score_rescaling_reweighting_and_bands():
    frame = pd.DataFrame({"customer_id": list("abcde"), "csat": [1, 5, 3, None, 4], "nps": [0, 10, 5, 10, None],
                          "logins": [2, 30, 8, 12, 20]})
    h = ca.health_score(frame, components={"csat": "higher", "nps": "higher", "logins": "higher"},
                        component_weights={"csat": 2, "nps": 1, "logins": 1})
    s = h.scores.set_index("customer_id")
    assert s.loc["b", "csat"] == 100 and s.loc["c", "csat"] == 50 and s.loc["c", "nps"] == 50
    assert s.loc["a", "logins"] == 10 and s.loc["b", "logins"] == 90  # mid-rank percentiles (i - 0.5) / n
    # customer d lacks csat: the others are reweighted, and the gap is flagged
    assert s.loc["d", "score"] == pytest.approx((1 * 100 + 1 * 50) / 2)
    assert s.loc["d", "missing_components"] == "csat" and s.loc["a", "missing_components"] == ""
    assert s.loc["a", "score"] == pytest.approx((2 * 0 + 0 + 10) / 4) and s.loc["a", "band"] == "red"
    assert s.loc["c", "score"] == pytest.approx((2 * 50 + 50 + 30) / 4) and s.loc["c", "band"] == "red"
    assert s.loc["e", "score"] == pytest.approx((2 * 75 + 70) / 3, abs=0.01) and s.loc["e", "band"] == "yellow"
    assert s.loc["b", "band"] == "green" and s.loc["e", "missing_components"] == "nps"
    assert h.component_weights["weight"].tolist() == pytest.approx([0.5, 0.25, 0.25])
    low = ca.health_score(frame, components={"logins": "lower"})
    assert low.scores.set_index("customer_id").loc["a", "logins"] == 90
    with pytest.raises(ParameterError, match="direction must be 'higher' or 'lower'"):
        ca.health_score(frame, components={"logins": "up"})
    with pytest.raises(ParameterError, match="`bands` must be two numbers"):
        ca.health_score(frame, components=["csat"], bands=(80, 20))
    with pytest.raises(ParameterError, match="component_weights='learned' needs a yes/no outcome"):
        ca.health_score(frame, components=["csat"], component_weights="learned")


def test_health_table_rates_have_wilson_intervals_and_small_cells_are_suppressed(sample):
    h = ca.health_score(sample, components={"csat": "higher", "logins_30d": "higher"}, breakdown="region",
                        privacy_min_n=300)
    t = h.table
    assert set(t["segment"]) == {"All", "North", "South", "East", "West"}
    shown = t[~t["suppressed"]]
    low, high = ca.wilson_interval((shown["events"] / shown["n"]).to_numpy(), shown["n"].to_numpy())
    assert shown["ci_low"].to_numpy() == pytest.approx(low) and shown["ci_high"].to_numpy() == pytest.approx(high)
    assert t.loc[t["n"] < 300, ["rate", "share"]].isna().all().all() and t["suppressed"].any()
    all_rows = t[t["segment"] == "All"].set_index("band")
    assert all_rows.loc["red", "rate"] > all_rows.loc["green", "rate"]  # the score tracks churn
    assert h.validation.validation["auc"][0] > 0.6


def test_learned_weights_favour_what_drives_churn(sample):
    h = ca.health_score(sample, components=["csat", "logins_30d", "tenure_months"],
                        component_weights="learned")
    w = h.component_weights.set_index("component")
    assert w["weight"].equals(w["learned"]) and w["hand_set"].tolist() == pytest.approx([1 / 3] * 3)
    assert w.loc["csat", "learned"] > 0.2 and w.loc["logins_30d", "learned"] > 0.2
    assert w.loc["tenure_months", "learned"] < 0.1
    assert w["learned"].sum() == pytest.approx(1)


# --------------------------------------------------------------------------- the report


def test_report_without_customer_id_or_outcome_says_so():
    frame = pd.DataFrame({"response_id": [f"r{i}" for i in range(40)], "csat": [1, 2, 3, 4, 5] * 8})
    rep = ca.health_report(frame)
    text = " ".join(rep.sentences())
    assert "no customer id" in text and "no customer outcome" in text
    assert rep.health is None and rep.risk is None and rep.worth is None
    assert rep.plot_roc() is None and rep.red_list_html() is None and rep.validation_html() is None
    from csat_analysis import render as r

    assert "columns.customer_id" in repr(r.section("Health score", data=frame, needs=["customer_id"]))
    assert "outcomes:" in repr(r.section("ROC", data=frame, needs=["outcome"], p=rep))


def test_health_notebook_renders_on_a_small_sample(tmp_path):
    from csat_analysis import render as r
    from csat_analysis.datasets import write_sample

    paths = write_sample(tmp_path / "small_responses.csv", 3000, random_state=4)
    result = r.run_report("health", data=paths["data"], schema=paths["schema"], out=tmp_path, name="health-small",
                          parameters={"folds": 3, "red_rows": 10})
    assert result.ok, f"cell {result.failed_cell}: {result.error}"
    html = result.html.read_text()
    text = visible_text(html)
    for expected in ("What satisfaction is worth", "How well risk can be predicted", "Calibration", "ROC curve",
                     "Top risk factors", "Bands by segment", "customers are in the red band", "association"):
        assert expected in text, expected
    assert "customer_email" not in html and "@example.com" not in html
    assert "Traceback" not in html and html.count("<img") >= 5


# --------------------------------------------------------------------------- the real bank churn export


@pytest.fixture(scope="module")
def bank():
    folder = realdata("bank_churn_satisfaction")
    frame, _ = ca.load_responses(folder / "Customer-Churn-Records.csv", {
        "columns": {"customer_id": "CustomerId", "segments": ["Geography", "Gender", "Card Type"], "pii": ["Surname"]},
        "metrics": {"csat": {"column": "Satisfaction_Score", "scale": [1, 5]}},
        "outcomes": {"churned": {"column": "Exited"}},
        "features": ["csat", "CreditScore", "Geography", "Gender", "Age", "Tenure", "Balance", "NumOfProducts",
                     "IsActiveMember", "Complain"]})
    return frame


def test_bank_export_no_satisfaction_effect_and_complain_leak(bank):
    # SOURCE.md: churn 20.03-21.80% at every score, AUC of -score 0.504; Complain AUC 0.998
    w = ca.satisfaction_worth(bank)
    assert not w.associated
    assert w.table["rate"].round(4).tolist() == [0.2003, 0.2180, 0.1964, 0.2062, 0.1981]
    assert w.auc[0] == pytest.approx(0.504, abs=0.001) and w.auc[1] < 0.5 < w.auc[2]
    assert w.sentences()[0].startswith("No detectable association between CSAT and churned")
    r = ca.risk_model(bank, folds=3)
    assert list(r.leakage["feature"]) == ["Complain"]
    assert r.leakage["auc"][0] == pytest.approx(0.998, abs=0.001)
    assert "Likely leakage: Complain alone separates the outcome with AUC 0.998" in r.warnings[0]
    honest = r.without_leaks
    assert "Complain" not in honest.features and 0.7 < honest.validation["auc"][0] < 0.85
    eff = honest.effects.set_index("term")
    assert eff.loc["Geography = Germany", "ci_low"] > 1 and eff.loc["csat", "ci_low"] < 1 < eff.loc["csat", "ci_high"]
    assert r.scores["customer_id"].is_unique and len(r.scores) == 10_000


def test_small_satisfaction_levels_are_not_recoverable():
    rng = np.random.default_rng(2)
    n = 400
    csat = np.r_[[1, 1, 1], rng.integers(2, 6, n - 3)]
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "csat": csat,
                          "churned": np.r_[[1.0, 1.0, 1.0], (rng.random(n - 3) < 0.2).astype(float)]})
    rep = ca.health_report(frame, outcome="churned", privacy_min_n=5)
    html = rep.worth_html().data
    assert re.search(r"<td[^>]*>1</td>(<td[^>]*>suppressed</td>){5}", html)  # level 1: three customers
    assert "100.0%" not in " ".join(rep.worth.sentences())  # their rate is not in the range quoted


def test_churn_columns_come_from_their_own_generator(monkeypatch):
    # customers and churn are drawn from np.random.default_rng([seed, 15]): without them every other column of
    # the sample is unchanged, so adding them changed no score, date, segment, weight, comment or e-mail
    from csat_analysis import datasets

    new = ["customer_id", "logins_30d", "tenure_months", "churned"]
    with_churn, truth = make_sample(2000, random_state=9, return_truth=True)
    monkeypatch.setattr(datasets, "_make_churn", lambda frame, rng, seed: ({}, {}))
    without = make_sample(2000, random_state=9)
    assert list(with_churn.columns[-4:]) == new
    pd.testing.assert_frame_equal(with_churn.drop(columns=new), without)
    assert truth.churn["model"] == CHURN_MODEL and truth.churn["n_customers"] == with_churn["customer_id"].nunique()
    per_customer = with_churn.groupby("customer_id")[["churned", "logins_30d", "tenure_months"]].nunique()
    assert (per_customer == 1).all().all()  # customer-level values repeat on each of a customer's responses
