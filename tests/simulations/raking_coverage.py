"""Raking recovers the customer base's scores when respondents are not a random draw of customers.

A synthetic customer base of 20,000 whose satisfaction depends on contract, tenure band, age band and
region; respondents are drawn with a response propensity that rises with contract length, tenure and age
(about 4-20%).  The truth is the customer base's own CSAT top-2 share, mean score and NPS.  In every
replication the respondents' scores are estimated unweighted and raked to the customer base's margins
(``rake(respondents, customers, by=[...])``); intervals are 95%.

A second scenario uses the real covariates of a bank's 10,000 customers (shared realdata
``bank_churn_satisfaction``, when present) with their real satisfaction score, which does not depend on the
covariates there (top-2 share 39-42% in every level): weighting must then cost only precision, never
coverage.

Run:  .venv/bin/python -m tests.simulations.raking_coverage [reps]
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from csat_analysis import csat, nps
from csat_analysis.weighting import rake

BY = ["contract", "tenure_band", "age_band", "region"]
REALDATA = Path(os.environ.get("CSAT_REALDATA", Path(__file__).resolve().parents[2].parent / "shared" / "realdata"))


@functools.lru_cache
def customer_base(n: int = 20_000, seed: int = 1) -> pd.DataFrame:
    """Customers with covariates, a CSAT (1-5) and an NPS rating (0-10) for every one, and a response propensity."""
    rng = np.random.default_rng(seed)
    c = rng.choice(3, n, p=[0.55, 0.25, 0.20])
    t = rng.choice(4, n, p=[0.3, 0.3, 0.2, 0.2])
    a = rng.choice(3, n, p=[0.35, 0.4, 0.25])
    r = rng.choice(3, n, p=[0.4, 0.35, 0.25])
    latent = 0.55 * c + 0.3 * t + 0.25 * a - 0.2 * (r == 2) + rng.normal(0, 1.1, n)
    frame = pd.DataFrame({
        "contract": pd.Categorical.from_codes(c, ["Month-to-month", "One year", "Two year"]),
        "tenure_band": pd.Categorical.from_codes(t, ["0-1y", "1-3y", "3-5y", "5y+"], ordered=True),
        "age_band": pd.Categorical.from_codes(a, ["<35", "35-54", "55+"], ordered=True),
        "region": pd.Categorical.from_codes(r, ["North", "South", "West"]),
        "csat": np.clip(np.round(2.8 + latent), 1, 5).astype(int),
        "nps": np.clip(np.round(6.0 + 1.6 * latent + rng.normal(0, 1.2, n)), 0, 10).astype(int),
    })
    frame["propensity"] = 1 / (1 + np.exp(-(-3.2 + 0.55 * c + 0.35 * t + 0.3 * a)))
    return frame


@functools.lru_cache
def bank_base() -> pd.DataFrame | None:
    path = REALDATA / "bank_churn_satisfaction" / "Customer-Churn-Records.csv"
    if not path.is_file():
        return None
    d = pd.read_csv(path, usecols=["Geography", "Gender", "Age", "Tenure", "IsActiveMember", "Satisfaction_Score"])
    age = pd.cut(d["Age"], [0, 34, 44, 54, 200], labels=["<35", "35-44", "45-54", "55+"])
    tenure = pd.cut(d["Tenure"], [-1, 2, 5, 8, 10], labels=["0-2", "3-5", "6-8", "9-10"])
    frame = pd.DataFrame({"geography": d["Geography"], "gender": d["Gender"], "age_band": age,
                          "tenure_band": tenure, "csat": d["Satisfaction_Score"].astype(int)})
    ai, ti = age.cat.codes.to_numpy(), tenure.cat.codes.to_numpy()
    frame["propensity"] = 1 / (1 + np.exp(-(-3.0 + 0.45 * ai + 0.25 * ti + 0.4 * d["IsActiveMember"].to_numpy())))
    return frame


def truth(base: pd.DataFrame) -> dict[str, float]:
    out = {"csat": 100 * float((base["csat"] >= 4).mean()), "csat_mean": float(base["csat"].mean())}
    if "nps" in base:
        out["nps"] = 100 * float((base["nps"] >= 9).mean() - (base["nps"] <= 6).mean())
    return out


def replicate(base: pd.DataFrame, by: list[str], reps: int, seed: int = 0) -> pd.DataFrame:
    """One row per replication, metric and method: estimate, interval, covered, and the respondents' count."""
    rng = np.random.default_rng(seed)
    true = truth(base)
    population = base[by]
    rows = []
    for rep in range(reps):
        resp = base[rng.random(len(base)) < base["propensity"].to_numpy()]
        raked = rake(resp, population, by=by)
        for method, w in (("unweighted", None), ("raked", raked)):
            ests = {"csat": csat(resp, weights=w), "csat_mean": csat(resp, weights=w, mean=True)}
            if "nps" in true:
                ests["nps"] = nps(resp, weights=w)
            for metric, e in ests.items():
                rows.append((rep, metric, method, len(resp), e.score, e.ci_low, e.ci_high, true[metric]))
    out = pd.DataFrame(rows, columns=["rep", "metric", "method", "n", "score", "ci_low", "ci_high", "truth"])
    out["covered"] = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    return out


def summary(results: pd.DataFrame) -> pd.DataFrame:
    g = results.groupby(["metric", "method"], sort=False)
    return pd.DataFrame({
        "truth": g["truth"].first(), "mean_estimate": g["score"].mean(),
        "bias": g["score"].mean() - g["truth"].first(), "coverage": g["covered"].mean(),
        "mean_width": (g["ci_high"].mean() - g["ci_low"].mean()), "reps": g.size(), "mean_n": g["n"].mean(),
    }).round(3)


def main(reps: int = 500) -> None:
    pd.set_option("display.width", 140)
    print(f"Synthetic customer base (20,000; satisfaction depends on {', '.join(BY)}), {reps} replications")
    print(summary(replicate(customer_base(), BY, reps)).to_string())
    bank = bank_base()
    if bank is None:
        print("\n(bank_churn_satisfaction not available: the real-covariates scenario was skipped)")
        return
    print(f"\nReal bank customer base (10,000; satisfaction independent of the covariates), {reps} replications")
    print(summary(replicate(bank, ["geography", "gender", "age_band", "tenure_band"], reps)).to_string())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
