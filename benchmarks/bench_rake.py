"""Raking 1,000,000 respondents on 5 variables to a 1,000,000-customer base, against Meta's ``balance``.

Target (issue 20): ``rake()`` at most 0.2x ``balance``'s raking (``balance.weighting_methods.rake.rake``, IPF
on the same sample and target frames), both run to the same tolerance, weights checked equal.

``balance`` pins older numpy / pandas / scipy / scikit-learn than this project, so it is not a project
dependency: it runs in its own environment, named by ``BALANCE_PYTHON`` (default /tmp/balvenv/bin/python):

    python3 -m venv /tmp/balvenv && /tmp/balvenv/bin/pip install balance
    .venv/bin/python benchmarks/bench_rake.py [n]

Without that interpreter only this project's timings are printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from _common import OUT, best_of

from csat_analysis.weighting import rake

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
BY = ["region", "contract", "tenure_band", "age_band", "plan"]
LEVELS = {"region": 5, "contract": 3, "tenure_band": 6, "age_band": 4, "plan": 2}
BALANCE_PYTHON = os.environ.get("BALANCE_PYTHON", "/tmp/balvenv/bin/python")


def frame(n: int, seed: int, tilt: float) -> pd.DataFrame:
    """n rows of 5 categorical variables; ``tilt`` skews the respondents toward the higher levels."""
    rng = np.random.default_rng(seed)
    cols = {}
    for i, (name, k) in enumerate(LEVELS.items()):
        p = np.exp(tilt * np.arange(k) * (1 + 0.2 * i))
        cols[name] = pd.Categorical.from_codes(rng.choice(k, n, p=p / p.sum()), [f"{name}_{j}" for j in range(k)])
    return pd.DataFrame(cols)


sample_path, target_path = OUT / f"rake_sample_{N}.parquet", OUT / f"rake_target_{N}.parquet"
if not sample_path.exists():
    frame(N, 1, 0.25).to_parquet(sample_path)
    frame(N, 2, 0.0).to_parquet(target_path)
sample, target = pd.read_parquet(sample_path), pd.read_parquet(target_path)
margins = {c: target[c].value_counts().to_dict() for c in BY}

result = rake(sample, target, by=BY)
ours_frame = best_of(lambda: rake(sample, target, by=BY))
ours_margins = best_of(lambda: rake(sample, margins, by=BY))
print(f"{N:,} respondents x {len(BY)} variables ({', '.join(f'{k}' for k in LEVELS.values())} levels), "
      f"target {len(target):,} customers")
print(f"csat_analysis.rake, customer table:  {ours_frame:.3f} s  (converged={result.converged}, "
      f"max |share gap| {result.max_error:.1e}, {result.iterations} sweeps)")
print(f"csat_analysis.rake, margins:         {ours_margins:.3f} s")

script = textwrap.dedent(f"""
    import json, time, warnings, logging
    import numpy as np, pandas as pd
    logging.disable(logging.WARNING)
    warnings.filterwarnings("ignore")
    from balance.weighting_methods.rake import rake
    codes = np.load({str(OUT / 'rake_codes.npz')!r})
    s = pd.DataFrame({{c: pd.Categorical.from_codes(codes["s_" + c], [f"{{c}}_{{j}}" for j in range(k)])
                      for c, k in {LEVELS!r}.items()}})
    t = pd.DataFrame({{c: pd.Categorical.from_codes(codes["t_" + c], [f"{{c}}_{{j}}" for j in range(k)])
                      for c, k in {LEVELS!r}.items()}})
    def run(**kw):
        best, out = float("inf"), None
        for _ in range(3):
            t0 = time.perf_counter()
            out = rake(s, pd.Series(np.ones(len(s))), t, pd.Series(np.ones(len(t))), variables={BY!r},
                       transformations=None, **kw)
            best = min(best, time.perf_counter() - t0)
        return best, out
    best, out = run(convergence_rate=1e-10, rate_tolerance=0, max_iteration=1000)
    default, _ = run()  # balance's own stopping rule (shares within 5e-4)
    np.save({str(OUT / 'rake_balance_weights.npy')!r}, out["weight"].to_numpy())
    print(json.dumps({{"seconds": best, "default": default}}))
""")
# balance's own environment has no parquet engine: hand it the category codes
np.savez(OUT / "rake_codes.npz", **{f"s_{c}": sample[c].cat.codes.to_numpy() for c in BY},
         **{f"t_{c}": target[c].cat.codes.to_numpy() for c in BY})
if not Path(BALANCE_PYTHON).exists():
    print(f"balance: not run ({BALANCE_PYTHON} not found; see the module docstring)")
    sys.exit(0)
proc = subprocess.run([BALANCE_PYTHON, "-c", script], capture_output=True, text=True)
if proc.returncode != 0:
    print("balance failed:", proc.stderr.strip().splitlines()[-1:])
    sys.exit(1)
timing = json.loads(proc.stdout.strip().splitlines()[-1])
bal = timing["seconds"]
wb = np.load(OUT / "rake_balance_weights.npy")
ours = result.weights.to_numpy()
gap = np.abs(ours / ours.sum() - wb / wb.sum()).max() / (1 / N)
print(f"balance rake (IPF, convergence_rate 1e-10): {bal:.3f} s;  with its default stopping rule (5e-4): "
      f"{timing['default']:.3f} s")
print(f"max weight difference: {gap:.1e} x the mean weight")
print(f"ratio csat_analysis / balance: {ours_frame / bal:.3f} (customer table), {ours_margins / bal:.3f} (margins)"
      f"  [target <= 0.2];  against balance's default stopping rule: {ours_frame / timing['default']:.3f}")
