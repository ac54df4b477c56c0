"""Size (false-positive rate) of campaign_effect with no effect: the larger runs behind issue 17.

Run from the project root:  OMP_NUM_THREADS=1 python -m tests.simulations.size_effects [reps]
Seeds are fixed; the test suite runs the same scenarios with fewer replications.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from csat_analysis import campaign_effect

from ..test_effects_size import _monthly, _monthly_ar
from .few_clusters_data import START, few_treated_panel


def did_scenario(regions: int, treated: int, reps: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cr1, wild, ri, t0 = [], [], [], time.time()
    for _ in range(reps):
        d = few_treated_panel(rng, regions=regions, treated=treated, per_cell=4)
        kw = {"outcome": "csat", "campaign": "promo", "design": "did", "group": "region", "start": START,
              "event_study": False}
        r = campaign_effect(d, **kw, inference="wild", bootstrap_reps=999)
        cr1.append(r.details["p_cr1"] < 0.05)
        wild.append(r.effect.p < 0.05)
        ri.append(campaign_effect(d, **kw, inference="randomization", bootstrap_reps=999).effect.p < 0.05)
    se = np.sqrt(0.05 * 0.95 / reps)
    print(f"DiD {regions} regions / {treated} treated, AR(1) region shocks, {reps} reps: rejection at 5%: "
          f"CR1 {np.mean(cr1):.1%}, wild cluster restricted bootstrap {np.mean(wild):.1%}, "
          f"randomization inference (the default with <= 3 treated) {np.mean(ri):.1%} "
          f"(MC s.e. at 5% = {se:.1%}; {time.time() - t0:.0f}s)", flush=True)


def its_scenario(reps: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    default, nw = [], []
    for _ in range(reps):
        d = _monthly(rng)
        default.append(campaign_effect(d, outcome="csat", campaign="promo", design="its", start="2024-01-01").effect.p
                       < 0.05)
        nw.append(campaign_effect(d, outcome="csat", campaign="promo", design="its", start="2024-01-01",
                                  inference="newey-west").effect.p < 0.05)
    print(f"ITS 24 monthly points (12 + 12), sampling noise only, {reps} reps: rejection at 5%: "
          f"default (OLS, AR(1) residual bootstrap) {np.mean(default):.1%}, Newey-West {np.mean(nw):.1%}", flush=True)


def its_ar_scenario(reps: int, seed: int, rho: float) -> None:
    rng = np.random.default_rng(seed)
    default, ols = [], []
    for _ in range(reps):
        r = campaign_effect(_monthly_ar(rng, rho=rho), outcome="csat", campaign="promo", design="its",
                            start="2024-01-01")
        default.append(r.effect.p < 0.05)
        ols.append(r.details["ar1"]["ols"][0] < 0.05)
    print(f"ITS 24 monthly points, AR(1) shocks rho = {rho}, {reps} reps: rejection at 5%: default (AR(1) bootstrap) "
          f"{np.mean(default):.1%}, plain OLS t(T-k) {np.mean(ols):.1%}", flush=True)


def main(reps: int = 400) -> None:
    warnings.simplefilter("ignore")
    its_scenario(reps, 101)
    its_ar_scenario(reps, 105, 0.5)
    its_ar_scenario(reps, 106, 0.8)
    did_scenario(30, 2, reps, 102)
    did_scenario(24, 3, reps, 103)
    did_scenario(30, 6, reps, 104)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 400)
