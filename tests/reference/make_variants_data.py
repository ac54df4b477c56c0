"""Write the fixed data sets that variants.R and wcr.R fit (run from the project root with the project's venv).

    .venv/bin/python tests/reference/make_variants_data.py \
        && (cd tests/reference && Rscript variants.R && Rscript wcr.R)

variants_data.csv: 1,500 responses, a text campaign column ``offer`` ("None" is the control; "Offer A",
"Offer B", "Offer C" are variants), a text control with a space in its name ("Plan type"), a numeric control
(``tenure``), CSAT 1-5 (a few missing) and NPS 0-10 (some missing).

wcr_data.csv: 12 stores (clusters) of 38-62 responses, the campaign ``promo`` (0/1) switched on for 4 whole
stores, CSAT 1-5 with a store-level shock, and a numeric control (``tenure``).
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def _likert(rng: np.random.Generator, latent: np.ndarray, cuts: list[float]) -> np.ndarray:
    """1..len(cuts)+1 from a latent score plus logistic noise, cut at ``cuts``."""
    z = latent + rng.logistic(size=len(latent))
    return 1 + np.searchsorted(np.asarray(cuts), z)


def variants(seed: int = 20261201, n: int = 1500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    offer = rng.choice(["None", "Offer A", "Offer B", "Offer C"], size=n, p=[0.4, 0.2, 0.2, 0.2])
    plan = rng.choice(["Basic", "Plus", "Pro"], size=n, p=[0.5, 0.3, 0.2])
    tenure = np.round(rng.gamma(2.0, 2.0, size=n), 3)
    shift = pd.Series(offer).map({"None": 0.0, "Offer A": 0.35, "Offer B": 0.05, "Offer C": -0.2}).to_numpy()
    latent = shift + 0.3 * (plan == "Pro") - 0.15 * (plan == "Plus") + 0.04 * tenure
    csat = _likert(rng, latent, [-2.0, -1.0, 0.0, 1.5]).astype(float)
    nps = _likert(rng, 0.8 * latent, [-3.5, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.8, 1.8]) - 1.0
    csat[rng.random(n) < 0.02] = np.nan
    nps[rng.random(n) < 0.10] = np.nan
    return pd.DataFrame({"csat": pd.array(csat, dtype="Int64"),
                         "nps": pd.array(nps, dtype="Int64"), "offer": offer, "Plan type": plan, "tenure": tenure})


def clustered(seed: int = 20261202, G: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stores = [f"S{g + 1:02d}" for g in range(G)]
    sizes = rng.integers(38, 63, size=G)
    treated = {"S02", "S05", "S09", "S11"}
    shock = rng.normal(0.0, 0.6, size=G)
    rows = []
    for g, (s, m) in enumerate(zip(stores, sizes, strict=False)):
        tenure = np.round(rng.gamma(2.0, 2.0, size=m), 3)
        promo = int(s in treated)
        latent = 0.35 * promo + shock[g] + 0.05 * tenure
        csat = _likert(rng, latent, [-2.0, -1.0, 0.0, 1.5])
        rows.append(pd.DataFrame({"store": s, "promo": promo, "tenure": tenure, "csat": csat}))
    return pd.concat(rows, ignore_index=True)


def main() -> None:
    variants().to_csv(HERE / "variants_data.csv", index=False)
    clustered().to_csv(HERE / "wcr_data.csv", index=False)


if __name__ == "__main__":
    main()
