"""Summaries where the data lives: csat_analysis on DuckDB / Spark against SQL written by hand.

Generates a Parquet file of N synthetic responses (10 segments, two years,
CSAT 1-5, NPS 0-10, CES 1-7 with some missing answers, weights), then times
``summarize(scan(file), metrics=[csat, nps, ces], by="segment", freq="M",
weights="weight")`` -- one GROUPING SETS query, the cells folded in Python --
against one hand-written DuckDB query that computes the same weighted scores
by segment x month.  Each variant runs in its own process, which reports its
wall time and peak RSS (``ru_maxrss``).  Then the same on Spark local mode
(a smaller file), against hand-written Spark SQL.  Goals (issue 16): DuckDB
ours / hand <= 1.2x, peak RSS <= 1 GiB.

    python benchmarks/bench_warehouse.py                     # 20M rows DuckDB, 2M rows Spark
    python benchmarks/bench_warehouse.py --rows 200000000    # the issue's 200M (about 2 GB of Parquet)
    python benchmarks/bench_warehouse.py --spark-rows 0      # DuckDB only
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SCHEMA = {"columns": {"date": "date", "segments": ["segment"], "weight": "weight"},
          "metrics": {"csat": {"column": "csat", "scale": [1, 5], "top_box": 4},
                      "nps": {"column": "nps", "scale": [0, 10]},
                      "ces": {"column": "ces", "scale": [1, 7], "top_box": 5}}}
METRICS = ["csat", "nps", "ces"]

#: hand-written: weighted CSAT top-2-box share, NPS and mean CES by segment x month, with what their SEs need
HAND_SQL = """
SELECT segment, date_trunc('month', date) AS month,
  COUNT(csat) AS n_csat,
  100 * SUM(weight) FILTER (WHERE csat >= 4) / SUM(weight) FILTER (WHERE csat IS NOT NULL) AS csat,
  SUM(weight * weight) FILTER (WHERE csat IS NOT NULL) AS csat_sw2,
  SUM(weight * weight) FILTER (WHERE csat >= 4) AS csat_q,
  COUNT(nps) AS n_nps,
  100 * (SUM(weight) FILTER (WHERE nps >= 9) - SUM(weight) FILTER (WHERE nps <= 6))
      / SUM(weight) FILTER (WHERE nps IS NOT NULL) AS nps,
  SUM(weight * weight) FILTER (WHERE nps IS NOT NULL) AS nps_sw2,
  SUM(weight * weight) FILTER (WHERE nps >= 9) AS nps_qp,
  SUM(weight * weight) FILTER (WHERE nps <= 6) AS nps_qd,
  COUNT(ces) AS n_ces, SUM(weight * ces) / SUM(weight) FILTER (WHERE ces IS NOT NULL) AS ces,
  SUM(weight * ces * ces) AS ces_s2, SUM(weight * weight) FILTER (WHERE ces IS NOT NULL) AS ces_sw2,
  SUM(weight * weight * ces) AS ces_q1, SUM(weight * weight * ces * ces) AS ces_q2
FROM {source}
GROUP BY segment, date_trunc('month', date)
"""


def generate(path: Path, rows: int) -> None:
    import duckdb

    if path.exists():
        return
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    con.execute(f"""COPY (SELECT
      'S' || (hash(i) % 10)::VARCHAR AS segment,
      TIMESTAMP '2023-01-01' + to_seconds((hash(i * 7) % (730 * 86400))::BIGINT) AS date,
      CASE WHEN hash(i * 3) % 50 = 0 THEN NULL ELSE 1 + (hash(i * 11) % 5) END::TINYINT AS csat,
      (hash(i * 13) % 11)::TINYINT AS nps,
      CASE WHEN hash(i * 17) % 20 = 0 THEN NULL ELSE 1 + (hash(i * 19) % 7) END::TINYINT AS ces,
      0.5 + (hash(i * 23) % 1000) / 1000.0 AS weight
      FROM range({rows}) t(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")
    print(f"generated {rows:,} rows -> {path} ({path.stat().st_size / 2**20:,.0f} MiB) in "
          f"{time.perf_counter() - t0:.1f} s", flush=True)


def _spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2").config("spark.sql.session.timeZone", "UTC")
               .config("spark.driver.memory", "2g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


def run_variant(variant: str, path: str) -> dict:
    """One measurement, in this (fresh) process; imports are done before the clock starts."""
    import importlib

    for module in ["duckdb", "pandas"] + (["ibis", "csat_analysis.metrics", "csat_analysis.backends"]
                                           if variant.endswith("ours") else []):
        importlib.import_module(module)
    t0 = time.perf_counter()
    if variant == "duckdb-ours":
        from csat_analysis import summarize
        from csat_analysis.backends import scan

        out = summarize(scan(path, schema=SCHEMA), metrics=METRICS, by="segment", freq="M", weights="weight")
        check = out[out.metric == "csat"].set_index(["segment", "period"])["score"]
    elif variant == "duckdb-hand":
        import duckdb

        out = duckdb.connect().execute(HAND_SQL.format(source=f"'{path}'")).df()
        check = out.assign(period=out["month"].dt.strftime("%Y-%m")).set_index(["segment", "period"])["csat"]
    else:
        session = _spark()
        start = time.perf_counter()  # the session start-up (tens of seconds) is not the query's
        if variant == "spark-ours":
            import ibis

            from csat_analysis import summarize
            from csat_analysis.backends import from_ibis

            table = ibis.pyspark.connect(session).read_parquet(path)
            out = summarize(from_ibis(table, schema=SCHEMA), metrics=METRICS, by="segment", freq="M", weights="weight")
            check = out[out.metric == "csat"].set_index(["segment", "period"])["score"]
        else:
            session.read.parquet(path).createOrReplaceTempView("responses")
            out = session.sql(HAND_SQL.format(source="responses")).toPandas()
            check = out.assign(period=out["month"].dt.strftime("%Y-%m")).set_index(["segment", "period"])["csat"]
        t0 = start
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB -> MiB on Linux
    check = check.sort_index()
    return {"variant": variant, "seconds": seconds, "peak_rss_mib": rss, "groups": len(check),
            "csat": {f"{k[0]}|{k[1]}": float(v) for k, v in check.items()}}


def measure(variant: str, path: Path) -> dict:
    """Run one variant in a child process (so that its peak RSS is its own)."""
    proc = subprocess.run([sys.executable, __file__, "--variant", variant, "--path", str(path)],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"{variant} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare_pair(ours: dict, hand: dict, label: str) -> None:
    diff = max(abs(ours["csat"][k] - hand["csat"][k]) for k in hand["csat"])
    assert ours["groups"] == hand["groups"] and diff < 1e-9, (ours["groups"], hand["groups"], diff)
    print(f"{label}: ours {ours['seconds']:.2f} s (peak RSS {ours['peak_rss_mib']:,.0f} MiB), hand-written SQL "
          f"{hand['seconds']:.2f} s ({hand['peak_rss_mib']:,.0f} MiB): ratio {ours['seconds'] / hand['seconds']:.2f}x; "
          f"{ours['groups']} segment x month groups, CSAT agrees to {diff:.1e}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000, help="rows of the DuckDB Parquet file")
    parser.add_argument("--spark-rows", type=int, default=2_000_000, help="rows of the Spark file (0: skip Spark)")
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "csat_bench_warehouse")
    parser.add_argument("--repeat", type=int, default=2, help="runs per variant (the best is reported)")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        print(json.dumps(run_variant(args.variant, args.path)))
        return
    args.dir.mkdir(parents=True, exist_ok=True)

    def best(variant, path):
        return min((measure(variant, path) for _ in range(args.repeat)), key=lambda r: r["seconds"])

    big = args.dir / f"responses_{args.rows}.parquet"
    generate(big, args.rows)
    hand, ours = best("duckdb-hand", big), best("duckdb-ours", big)
    compare_pair(ours, hand, f"DuckDB, {args.rows:,} rows, 3 metrics by segment x month, weighted")
    if args.spark_rows:
        small = args.dir / f"responses_{args.spark_rows}.parquet"
        generate(small, args.spark_rows)
        hand, ours = best("spark-hand", small), best("spark-ours", small)
        compare_pair(ours, hand, f"Spark local[2], {args.spark_rows:,} rows (query time without the session start-up; "
                                 "RSS of the Python driver, the JVM has spark.driver.memory=2g)")


if __name__ == "__main__":
    main()
