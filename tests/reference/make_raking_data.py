"""Write the fixed customer base that raking.R weights (run from the project root with the project's venv).

    .venv/bin/python tests/reference/make_raking_data.py && (cd tests/reference && Rscript raking.R)

3,000 customers with contract, tenure band, region and plan; satisfaction depends on contract and tenure, and
the chance of answering rises with them, so respondents are happier than customers.  Scores are filled in for
the respondents only (``responded = 1``); NPS is missing for some of them.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def main() -> None:
    rng = np.random.default_rng(2020)
    n = 3000
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.25, 0.20])
    tenure = rng.choice(["0-1y", "1-3y", "3-5y", "5y+"], n, p=[0.3, 0.3, 0.2, 0.2])
    region = rng.choice(["North", "South", "West"], n, p=[0.4, 0.35, 0.25])
    plan = rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2])
    c = pd.Series(contract).map({"Month-to-month": 0, "One year": 1, "Two year": 2}).to_numpy()
    t = pd.Series(tenure).map({"0-1y": 0, "1-3y": 1, "3-5y": 2, "5y+": 3}).to_numpy()
    propensity = 1 / (1 + np.exp(-(-1.6 + 0.5 * c + 0.35 * t + 0.2 * (region == "South"))))
    responded = (rng.random(n) < propensity).astype(int)
    latent = 0.45 * c + 0.25 * t + 0.3 * (plan == "pro") + rng.normal(0, 1.1, n)
    csat = np.clip(np.round(3.0 + latent), 1, 5).astype(int)
    nps = np.clip(np.round(6.5 + 1.6 * latent + rng.normal(0, 1.2, n)), 0, 10).astype(int)
    ces = np.clip(np.round(4.5 + 0.8 * latent + rng.normal(0, 1, n)), 1, 7).astype(int)
    month = rng.choice(["2024-01", "2024-02", "2024-03", "2024-04"], n)
    day = rng.integers(1, 28, n)
    frame = pd.DataFrame({
        "customer_id": [f"c{i:04d}" for i in range(n)], "contract": contract, "tenure_band": tenure,
        "region": region, "plan": plan, "responded": responded,
        "date": [f"{m}-{d:02d}" for m, d in zip(month, day, strict=False)],
        "csat": pd.array(np.where(responded == 1, csat, 0), dtype="Int64"),
        "nps": pd.array(np.where(responded == 1, nps, 0), dtype="Int64"),
        "ces": pd.array(np.where(responded == 1, ces, 0), dtype="Int64"),
    })
    for col in ("csat", "nps", "ces", "date"):
        frame.loc[responded == 0, col] = pd.NA
    frame.loc[(responded == 1) & (rng.random(n) < 0.1), "nps"] = pd.NA
    frame.to_csv(HERE / "raking_population.csv", index=False)
    print(f"{n} customers, {responded.sum()} respondents")


if __name__ == "__main__":
    main()
