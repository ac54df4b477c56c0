"""Loading a 1,000,000-row CSV through a schema vs a bare pandas.read_csv(engine="pyarrow").

Target (issue 3): load_responses costs at most 1.5x the bare read. Run: .venv/bin/python benchmarks/bench_load.py

The bare read splits the file at line ends without regard to quotes, so a quoted comment spanning lines
can become a ghost row (tests/test_io.py::test_quoted_line_breaks_across_parser_blocks).  The loader
parses quote-aware; the second baseline is that same parse with no validation, to show what the
validation itself costs.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.csv as pcsv
from _common import OUT, best_of_each

from csat_analysis import load_responses
from csat_analysis.datasets import SAMPLE_SCHEMA, make_sample

ROWS = 1_000_000
path = OUT / f"load_{ROWS}.csv"
if not path.exists() or "rating_value" not in path.open().readline():  # (re)write when the generator changed
    print(f"writing {path} ...")
    make_sample(ROWS, random_state=7).to_csv(path, index=False)

quote_safe = pcsv.ParseOptions(newlines_in_values=True)
bare, safe, ours = best_of_each(
    lambda: pd.read_csv(path, engine="pyarrow"),
    lambda: pcsv.read_csv(path, parse_options=quote_safe).to_pandas(),
    lambda: load_responses(path, SAMPLE_SCHEMA),
)
_, report = load_responses(path, SAMPLE_SCHEMA)
print(f"rows read {report.rows_read:,}, kept {report.rows_kept:,}")
print(f"pandas.read_csv(engine='pyarrow'):             {bare:.2f} s")
print(f"pyarrow read_csv, quote-aware, to_pandas:       {safe:.2f} s")
print(f"load_responses(path, schema):                   {ours:.2f} s")
print(f"ratio load_responses / bare read:               {ours / bare:.2f}x  (target <= 1.5x)")
print(f"ratio load_responses / quote-aware bare read:   {ours / safe:.2f}x")
