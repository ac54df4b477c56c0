"""At-risk model on 1,000,000 customers × 20 features (issue 15): wall time and peak memory.

The customers are synthetic (fixed seed): CSAT 1-5, 17 numeric features (a few with 5% missing values) and
2 categorical ones (4 and 6 levels); churn follows a known logistic model of CSAT and four of the features.
``risk_model`` is timed end to end: one row per customer, the leakage check (20 single-feature AUCs), 5-fold
out-of-fold predictions, DeLong AUC, calibration, lift, and the statsmodels odds ratios on all customers.
Each step runs in a fresh process, so its peak RSS is its own; the RSS with the data built is shown beside it.
Run: .venv/bin/python benchmarks/bench_health.py [--folds K] [--model logistic|boosting]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

N, NUMERIC = 1_000_000, 17


def customers(n: int = N, seed: int = 15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols = {"customer_id": np.char.add("C", np.arange(n).astype(str)),
            "csat": rng.integers(1, 6, n).astype(float)}
    for j in range(NUMERIC):
        x = rng.normal(size=n)
        if j % 5 == 0:
            x[rng.random(n) < 0.05] = np.nan
        cols[f"x{j:02d}"] = x
    cols["plan"] = rng.choice(["Basic", "Plus", "Premium", "Gold"], n)
    cols["region"] = rng.choice(list("ABCDEF"), n)
    eta = -1.5 - 0.4 * (cols["csat"] - 3) + 0.5 * np.nan_to_num(cols["x01"]) - 0.3 * cols["x02"] \
        + 0.2 * cols["x03"] + 0.4 * (cols["plan"] == "Basic")
    cols["churned"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return pd.DataFrame(cols)


def run(folds: int, model: str) -> None:
    from csat_analysis import health

    frame = customers()
    features = [c for c in frame.columns if c not in ("customer_id", "churned")]
    assert len(features) == 20
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    result = health.risk_model(frame, outcome="churned", features=features, model=model, folds=folds)
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    v = result.validation.iloc[0]
    print(f"risk_model({model}, folds={folds}) on {len(frame):,} customers x {len(features)} features: "
          f"{dt:6.1f} s, peak RSS {rss:,.0f} MB (data built: {base:,.0f} MB); out-of-fold AUC {v['auc']:.3f} "
          f"({v['auc_ci_low']:.3f}-{v['auc_ci_high']:.3f}), leaks flagged: {len(result.leakage)}; "
          f"os.cpu_count() = {os.cpu_count()}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--model", default="logistic", choices=["logistic", "boosting"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run(args.folds, args.model)
    else:  # a fresh process, so that the peak RSS is the model's own
        subprocess.run([sys.executable, __file__, "--child", "--folds", str(args.folds), "--model", args.model],
                       check=True)
