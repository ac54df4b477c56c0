"""Kendall tau-b interval coverage with heavy ties, and the size of aggregate (period) correlations.

Run:  .venv/bin/python -m tests.simulations.correlation_size [reps]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy import stats

from csat_analysis import correlate


def _tied_pair(rng, n, rho=0.5):
    """Two 1-5 scores cut from a bivariate normal (heavy ties)."""
    z = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], n)
    cuts = [-1.2, -0.5, 0.3, 1.0]
    return np.digitize(z[:, 0], cuts) + 1, np.digitize(z[:, 1], [-0.8, 0.0, 0.6, 1.4]) + 1


def kendall_coverage(reps=100, n=150, seed=3) -> float:
    """Share of 95% Kendall tau-b intervals covering the population tau-b (from one large sample)."""
    rng = np.random.default_rng(seed)
    bx, by = _tied_pair(np.random.default_rng(0), 200_000)
    true = stats.kendalltau(bx, by).statistic
    hits = 0
    for _ in range(reps):
        x, y = _tied_pair(rng, n)
        out = correlate(pd.DataFrame({"csat": x, "ces": y}), columns=["csat", "ces"], method="kendall").iloc[0]
        hits += out.ci_low <= true <= out.ci_high
    return hits / reps


def random_walk_data(rng, periods=36, per_period=200):
    """Responses whose monthly CSAT and NPS follow two independent random walks (no relation)."""
    a = np.cumsum(rng.normal(0, 0.25, periods))
    b = np.cumsum(rng.normal(0, 0.4, periods))
    dates = pd.date_range("2021-01-01", periods=periods, freq="MS")
    date = np.repeat(dates, per_period)
    lat_a = np.repeat(a, per_period) + rng.normal(0, 1, periods * per_period)
    lat_b = np.repeat(b, per_period) + rng.normal(0, 1, periods * per_period)
    csat = np.clip(np.round(3.5 + lat_a), 1, 5).astype(int)
    nps = np.clip(np.round(7 + 1.5 * lat_b), 0, 10).astype(int)
    return pd.DataFrame({"date": date, "csat": csat, "nps": nps})


def aggregate_size(reps=100, periods=36, seed=5, method="pearson") -> float:
    """Share of runs in which two independent random walks' monthly scores correlate at p < 0.05."""
    rng = np.random.default_rng(seed)
    rejections = 0
    for _ in range(reps):
        out = correlate(random_walk_data(rng, periods), columns=["csat", "nps"], level="aggregate", freq="M",
                        method=method).iloc[0]
        rejections += out.p < 0.05
    return rejections / reps


if __name__ == "__main__":
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    coverage = kendall_coverage(reps, seed=11)
    print(f"Kendall tau-b 95% coverage, 1-5 x 1-5 scores, n = 150, reps = {reps}: {coverage:.3f}")
    for method in ("pearson", "spearman"):
        print(f"aggregate {method}, independent random walks, 36 months, reps = {reps}: "
              f"rejection rate {aggregate_size(reps, seed=13, method=method):.3f}")
