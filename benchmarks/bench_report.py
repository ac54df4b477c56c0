"""One overview report: `csat-report run` against the naive papermill CLI + `jupyter nbconvert --to html --no-input`,
side by side on the bundled sample (data/sample_responses.csv), both run as subprocesses as a user would.

The two commands alternate for N rounds (default 3) so that machine drift hits both alike; every timing is
printed, then the medians and their ratio.  A wrong parameter (`-p no_such_parameter 1`) is timed too: it must
fail (exit 2) within about a second, before any kernel starts.

Target: ratio <= 0.6 on this 2-core machine.
Run: PYTHONPATH=. .venv/bin/python benchmarks/bench_report.py [ROUNDS]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import OUT

from csat_analysis.config import (
    KERNEL_NAME,
    NOTEBOOK_DIR,
    PROJECT_ROOT,
    SAMPLE_DATA,
    SAMPLE_SCHEMA_FILE,
)

BIN = Path(sys.executable).parent
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
NOTEBOOK = NOTEBOOK_DIR / "overview.ipynb"
out_naive, out_fast = OUT / "report_naive", OUT / "report_fast"


def run(cmd: list[str], expect: int = 0) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=PROJECT_ROOT)
    seconds = time.perf_counter() - t0
    if proc.returncode != expect:
        sys.exit(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout}{proc.stderr}")
    return seconds


def naive() -> float:
    shutil.rmtree(out_naive, ignore_errors=True)
    out_naive.mkdir(parents=True)
    nb = out_naive / "overview.ipynb"
    return (run([str(BIN / "papermill"), str(NOTEBOOK), str(nb), "-k", KERNEL_NAME, "--cwd", str(NOTEBOOK_DIR),
                 "-p", "data_path", str(SAMPLE_DATA), "-p", "schema_path", str(SAMPLE_SCHEMA_FILE),
                 "--no-progress-bar"])
            + run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(nb)]))


def fast() -> float:
    shutil.rmtree(out_fast, ignore_errors=True)
    return run([str(BIN / "csat-report"), "run", "overview", "--data", str(SAMPLE_DATA),
                "--schema", str(SAMPLE_SCHEMA_FILE), "--out", str(out_fast)])


def wrong_parameter() -> float:
    return run([str(BIN / "csat-report"), "run", "overview", "--data", str(SAMPLE_DATA),
                "--schema", str(SAMPLE_SCHEMA_FILE), "--out", str(out_fast), "-p", "no_such_parameter", "1"], expect=2)


print(f"notebooks/overview.ipynb on {SAMPLE_DATA.name}, {ROUNDS} rounds, the two commands alternating")
times_naive, times_fast = [], []
for i in range(ROUNDS):
    first, second = (naive, fast) if i % 2 == 0 else (fast, naive)
    for fn in (first, second):
        seconds = fn()
        (times_naive if fn is naive else times_fast).append(seconds)
        label = "naive papermill + nbconvert" if fn is naive else "csat-report run"
        print(f"  round {i + 1}: {label:28s} {seconds:5.1f} s",
              flush=True)
m_naive, m_fast = statistics.median(times_naive), statistics.median(times_fast)
print(f"naive papermill CLI + nbconvert CLI (median): {m_naive:5.1f} s")
print(f"csat-report run (median):                    {m_fast:5.1f} s")
print(f"ratio csat-report / naive: {m_fast / m_naive:.2f}  (target <= 0.6); "
      f"per round: {', '.join(f'{f / n:.2f}' for f, n in zip(times_fast, times_naive, strict=False))}")
wrong = [wrong_parameter() for _ in range(3)]
print(f"wrong parameter (-p no_such_parameter 1) fails with exit 2 in {statistics.median(wrong):.2f} s (median of 3; "
      "target < 1 s)")
