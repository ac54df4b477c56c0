"""A batch of 12 per-segment overview reports: `csat-report batch` against a naive loop of the papermill CLI
plus `jupyter nbconvert --to html`, side by side on the same notebook and data.

Target (issue 8): ratio <= 0.35 on this 2-core machine. Run: .venv/bin/python benchmarks/bench_batch.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml
from _common import OUT

from csat_analysis import render as rep
from csat_analysis.config import NOTEBOOK_DIR, SAMPLE_DATA, SAMPLE_SCHEMA_FILE

BIN = Path(sys.executable).parent
data = OUT / "markets.csv"
schema = OUT / "markets.yml"
import pandas as pd  # noqa: E402

frame = pd.read_csv(SAMPLE_DATA, keep_default_na=False)
frame["market"] = frame["region"] + " " + frame["plan"]  # 4 regions x 3 plans = 12 markets
frame.to_csv(data, index=False)
spec = yaml.safe_load(SAMPLE_SCHEMA_FILE.read_text())
spec["columns"]["segments"].append("market")
schema.write_text(yaml.safe_dump(spec))
markets = sorted(frame["market"].unique())
print(f"{len(markets)} reports of notebooks/overview.ipynb, {len(frame):,} rows")

out_batch = OUT / "batch"
shutil.rmtree(out_batch, ignore_errors=True)
t0 = time.perf_counter()
results = rep.run_batch("overview", data=data, schema=schema, by="market", out=out_batch, workers=2, progress=False)
t_batch = time.perf_counter() - t0
assert all(r.ok for r in results), [r.error for r in results if not r.ok]

out_naive = OUT / "naive"
shutil.rmtree(out_naive, ignore_errors=True)
out_naive.mkdir()
t0 = time.perf_counter()
for m in markets:
    nb = out_naive / f"overview-{m.replace(' ', '-')}.ipynb"
    subprocess.run([str(BIN / "papermill"), str(NOTEBOOK_DIR / "overview.ipynb"), str(nb), "-k", "csat-analysis",
                    "--cwd", str(NOTEBOOK_DIR), "-p", "data_path", str(data), "-p", "schema_path", str(schema),
                    "-p", "segment_column", "market", "-p", "segment", m, "--no-progress-bar"],
                   check=True, capture_output=True)
    subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)],
                   check=True, capture_output=True)
t_naive = time.perf_counter() - t0
print(f"csat-report batch (2 workers, one kernel each):   {t_batch:.1f} s")
print(f"naive papermill CLI + nbconvert loop:            {t_naive:.1f} s")
print(f"ratio batch / naive: {t_batch / t_naive:.2f}  (target <= 0.35)")
