"""CSAT, NPS and CES with intervals by month x segment on 10,000,000 rows, against DuckDB and polars.

Target (issue 4): summarize() at most 1.0x DuckDB SQL computing the same counts, in the same run.
Also prints a plain pandas groupby().apply() for scale and summarize()'s peak extra memory.
Run: .venv/bin/python -m pip install -e '.[bench]' && .venv/bin/python benchmarks/bench_metrics.py
"""

from __future__ import annotations

import sys
import tracemalloc

import duckdb
import numpy as np
import pandas as pd
import polars as pl
from _common import best_of, best_of_each

from csat_analysis import summarize

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
rng = np.random.default_rng(0)
days = rng.integers(0, 548, N)
frame = pd.DataFrame({
    "date": (np.datetime64("2024-01-01") + days.astype("timedelta64[D]")).astype("datetime64[ns]"),
    "segment": pd.Categorical.from_codes(rng.integers(0, 8, N), [f"seg{i}" for i in range(8)]),
    "csat": rng.integers(1, 6, N).astype(np.int8),
    "nps": rng.integers(0, 11, N).astype(np.int8),
    "ces": rng.integers(1, 8, N).astype(np.int8),
})
print(f"{N:,} rows, {frame['segment'].nunique()} segments x 18 months")


def ours():
    return summarize(frame, metrics=["csat", "nps", "ces"], by="segment", freq="M")


con = duckdb.connect()
con.register("responses", frame)
SQL = """
SELECT segment, date_trunc('month', date) AS period,
       count(csat) AS n_csat, sum(CASE WHEN csat >= 4 THEN 1 ELSE 0 END) AS top_csat,
       count(nps) AS n_nps, sum(CASE WHEN nps >= 9 THEN 1 ELSE 0 END) AS promoters,
       sum(CASE WHEN nps <= 6 THEN 1 ELSE 0 END) AS detractors,
       count(ces) AS n_ces, sum(ces) AS sum_ces, sum(ces * ces) AS sumsq_ces
FROM responses GROUP BY ALL
"""


def duck():
    return con.execute(SQL).df()


pframe = pl.from_pandas(frame)


def polars():
    return (pframe.group_by([pl.col("segment"), pl.col("date").dt.truncate("1mo")])
            .agg(pl.col("csat").count().alias("n_csat"), (pl.col("csat") >= 4).sum().alias("top"),
                 pl.col("nps").count().alias("n_nps"), (pl.col("nps") >= 9).sum().alias("p"),
                 (pl.col("nps") <= 6).sum().alias("d"), pl.col("ces").count().alias("n_ces"),
                 pl.col("ces").sum().alias("s"), (pl.col("ces").cast(pl.Int64) ** 2).sum().alias("ss")))


t_ours, t_duck, t_polars = best_of_each(ours, duck, polars)
small = frame.sample(1_000_000, random_state=0)


def naive():
    def one(g):
        c, v = g["csat"], g["nps"]
        return pd.Series({"csat": 100 * (c >= 4).mean(), "nps": 100 * ((v >= 9).mean() - (v <= 6).mean()),
                          "ces": g["ces"].mean(), "ces_sd": g["ces"].std()})
    return small.groupby(["segment", small["date"].dt.to_period("M")], observed=True).apply(one)


t_naive = best_of(naive, repeat=1) * N / len(small)
tracemalloc.start()
ours()
peak = tracemalloc.get_traced_memory()[1] / 2**20
tracemalloc.stop()
print(f"summarize (counts + every interval): {t_ours:.3f} s")
print(f"DuckDB SQL (counts only):            {t_duck:.3f} s   "
      f"ratio summarize/DuckDB = {t_ours / t_duck:.2f}x (target <= 1.0x)")
print(f"polars group_by (counts only):       {t_polars:.3f} s   ratio summarize/polars = {t_ours / t_polars:.2f}x")
print(f"pandas groupby.apply (extrapolated from 1M rows): {t_naive:.1f} s   ratio = {t_ours / t_naive:.3f}x")
print(f"summarize peak extra memory: {peak:.0f} MiB "
      f"(the input frame is {frame.memory_usage(deep=True).sum() / 2**20:.0f} MiB)")
