"""Simulated panels for the size checks of issue 17 (no campaign effect anywhere)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def few_treated_panel(rng, regions=30, treated=2, periods=12, start=6, per_cell=10, rho=0.8, shock_sd=0.06,
                      effect=0.0):
    """Survey responses by region and month; region-level AR(1) shocks; ``treated`` regions exposed from ``start``."""
    e = np.zeros((regions, periods))
    e[:, 0] = rng.normal(0, shock_sd / np.sqrt(1 - rho ** 2), regions)
    for t in range(1, periods):
        e[:, t] = rho * e[:, t - 1] + rng.normal(0, shock_sd, regions)
    g = np.repeat(np.arange(regions), periods * per_cell)
    p = np.tile(np.repeat(np.arange(periods), per_cell), regions)
    is_treated = g < treated
    post = p >= start
    base = rng.normal(0, 0.05, regions)[g]
    prob = np.clip(0.6 + base + e[g, p] + effect * (is_treated & post), 0.02, 0.98)
    top = rng.random(len(g)) < prob
    dates = pd.Timestamp("2024-01-15") + pd.to_timedelta(p * 31, unit="D")
    return pd.DataFrame({"csat": pd.array(np.where(top, 5, 2), dtype="Int64"), "region": g.astype(str),
                         "promo": is_treated & post, "date": dates})


START = "2024-07-01"  # period 6 of few_treated_panel
