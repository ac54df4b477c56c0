"""Difference-in-differences from cells (issue 29 §6).

Target: the default ``campaign_effect(design="did")`` -- two-way fixed effects, randomization inference over the
435 possible pairs of treated regions, event study with the pre-trend test, imputation ATT -- within 3x one plain
statsmodels two-way fixed-effects OLS fit of the same 14,400 responses (30 regions x 12 months x 40), run side by
side; and a million responses in seconds.  Before issue 29 the default refitted the rows for every replicate
(about 11 s for the 14,400 responses).

    .venv/bin/python benchmarks/bench_did.py [n_large]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from _common import best_of, best_of_each, peak_rss_mb

from csat_analysis import campaign_effect

LARGE = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000


def panel(per_cell: int, regions: int = 30, months: int = 12, treated: int = 2, seed: int = 0) -> pd.DataFrame:
    """``regions x months x per_cell`` responses; the first ``treated`` regions get the campaign from July."""
    rng = np.random.default_rng(seed)
    n = regions * months * per_cell
    g = np.repeat(np.arange(regions), months * per_cell)
    p = np.tile(np.repeat(np.arange(months), per_cell), regions)
    exposed = (g < treated) & (p >= months // 2)
    prob = np.clip(0.6 + rng.normal(0, 0.05, regions)[g] + rng.normal(0, 0.03, (regions, months))[g, p]
                   + 0.06 * exposed, 0.02, 0.98)
    csat = np.where(rng.random(n) < prob, rng.choice([4, 5], n), rng.choice([1, 2, 3], n))
    dates = pd.to_datetime(pd.DataFrame({"year": 2025, "month": p + 1, "day": rng.integers(1, 29, n)}))
    names = np.array([f"Region {i:02d}" for i in range(regions)])
    return pd.DataFrame({"csat": csat, "region": pd.Categorical(names[g]), "promo": exposed, "date": dates})


def did(data: pd.DataFrame):
    return campaign_effect(data, outcome="csat", campaign="promo", design="did", group="region", start="2025-07-01")


def main() -> None:
    import statsmodels.formula.api as smf

    data = panel(40)
    fe = pd.DataFrame({"y": 100.0 * (data["csat"] >= 4), "did": data["promo"].astype(float),
                       "region": data["region"].astype(str), "month": data["date"].dt.month})

    def plain():
        return smf.ols("y ~ did + C(region) + C(month)", fe).fit()

    r = did(data)
    assert abs(r.effect.estimate - plain().params["did"]) < 1e-9
    t_did, t_ols = best_of_each(lambda: did(data), plain, repeat=7)
    print(f"{len(data):,} responses (30 regions x 12 months x 40): default DiD ({r.details['inference']}, "
          f"{r.details['bootstrap']['reps']} treated sets, event study, ATT) {t_did * 1000:.0f} ms; "
          f"one statsmodels two-way FE OLS fit {t_ols * 1000:.0f} ms; ratio {t_did / t_ols:.2f}x (goal <= 3x)")
    big = panel(int(np.ceil(LARGE / 360)), seed=1)
    t_big = best_of(lambda: did(big), repeat=3)
    rb = did(big)
    print(f"{len(big):,} responses: default DiD {t_big:.2f} s (estimate {rb.effect.estimate:+.2f} pp, "
          f"{rb.details['inference']}, {rb.details['cells']} cells); peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
