"""Control limits on large monthly samples with ordinary (extra-binomial) month-to-month variation.

Each month's true top-box share and NPS wander around a fixed level (no special cause),
so a good chart flags almost no month: p-chart limits flagged about 9% or more, Laney p'
limits about 1%.

Run:  .venv/bin/python -m tests.simulations.control_limits [series]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from csat_analysis import trend


def months_data(rng, segments=8, months=36, per_month=2000, sd=0.12):
    """Responses from ``segments`` series of ``months`` months; logit-normal month effects (sd on the logit scale)."""
    frames = []
    dates = pd.date_range("2022-01-01", periods=months, freq="MS")
    for s in range(segments):
        shift = rng.normal(0, sd, months)
        p_top = 1 / (1 + np.exp(-(np.log(0.75 / 0.25) + shift)))
        p_pro = 1 / (1 + np.exp(-(np.log(0.45 / 0.55) + shift)))
        top = rng.random((months, per_month)) < p_top[:, None]
        csat = np.where(top, 5, rng.integers(1, 4, (months, per_month)))
        u = rng.random((months, per_month))
        nps = np.where(u < p_pro[:, None], 10, np.where(u < p_pro[:, None] + 0.3, 8, 3))
        frames.append(pd.DataFrame({"date": np.repeat(dates, per_month), "csat": csat.ravel(), "nps": nps.ravel(),
                                    "segment": f"s{s}"}))
    out = pd.concat(frames, ignore_index=True)
    out["segment"] = out["segment"].astype("category")
    return out


def flagged_share(seed=7, metric="csat", **kw) -> float:
    """Share of non-empty months outside the control limits."""
    data = months_data(np.random.default_rng(seed), **kw)
    t = trend(data, metric=metric, freq="M", by="segment")
    score = t["score"].to_numpy(float)
    outside = (score < t["lcl"].to_numpy(float)) | (score > t["ucl"].to_numpy(float))
    return float(outside[t["n"].to_numpy() > 0].mean())


if __name__ == "__main__":
    segments = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    for metric in ("csat", "nps"):
        print(f"{metric}: {segments} series x 36 months x 2000 responses: share of months outside limits "
              f"{flagged_share(seed=11, metric=metric, segments=segments):.4f}")
