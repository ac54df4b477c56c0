"""Coverage of weighted 95% intervals under strongly unequal, informative weights.

Respondents have a latent x ~ N(0, 1); their weight is exp(1.2 x) (a max/min weight
ratio in the hundreds) and their answers depend on x, so the weighted estimate differs
from the unweighted one and its variance is not Kish's.  The true values are the
population means (weights undo the sampling), computed from one very large sample.

Run:  .venv/bin/python -m tests.simulations.weighted_coverage [reps]
"""

from __future__ import annotations

import functools
import sys

import numpy as np
import pandas as pd

from csat_analysis import summarize

METRICS = ["csat", "nps", "ces", "csat_mean", "ces_top"]


def _sample(rng, n):
    x = rng.standard_normal(n)
    w = np.exp(1.2 * x)
    csat = np.clip(np.round(3.2 + 0.9 * x + rng.normal(0, 1.0, n)), 1, 5).astype(int)
    nps = np.clip(np.round(6.5 + 1.8 * x + rng.normal(0, 2.0, n)), 0, 10).astype(int)
    ces = np.clip(np.round(4.0 - 0.8 * x + rng.normal(0, 1.4, n)), 1, 7).astype(int)
    return pd.DataFrame({"csat": csat, "nps": nps, "ces": ces, "weight": w})


@functools.lru_cache
def truth(seed: int = 0, n: int = 400_000) -> dict[str, float]:
    big = _sample(np.random.default_rng(seed), n)
    w = big["weight"].to_numpy()
    return {
        "csat": 100 * np.average(big["csat"] >= 4, weights=w),
        "csat_mean": np.average(big["csat"], weights=w),
        "nps": 100 * (np.average(big["nps"] >= 9, weights=w) - np.average(big["nps"] <= 6, weights=w)),
        "ces": np.average(big["ces"], weights=w),
        "ces_top": 100 * np.average(big["ces"] >= 5, weights=w),
    }


def simulate(reps: int = 100, n: int = 300, seed: int = 17, ci_method: str = "adjusted_wald") -> dict[str, float]:
    """Share of ``reps`` weighted 95% intervals (one sample of ``n`` each) that cover the true value."""
    true = truth()
    rng = np.random.default_rng(seed)
    hits = {m: 0 for m in METRICS}
    for _ in range(reps):
        out = summarize(_sample(rng, n), metrics=METRICS, weights="weight", ci_method=ci_method).set_index("metric")
        for m in METRICS:
            hits[m] += out.loc[m, "ci_low"] <= true[m] <= out.loc[m, "ci_high"]
    return {m: hits[m] / reps for m in METRICS}


if __name__ == "__main__":
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    for n in (100, 300, 1000):
        print(f"n = {n}, reps = {reps}:", {m: round(c, 3) for m, c in simulate(reps, n, seed=n).items()})
