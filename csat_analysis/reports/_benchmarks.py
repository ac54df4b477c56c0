"""Benchmarks in the trends and overview reports: the verdicts, their table and the chart lines."""

from __future__ import annotations

import pandas as pd

from ..backends import WarehouseTable
from ..benchmarking import benchmark_lines, compare_to_benchmarks

__all__ = ["benchmark_sentences", "benchmarks_html", "selection_benchmarks"]


def selection_benchmarks(data, metrics, *, benchmarks=None, weights=None, alpha: float = 0.05,
                         privacy_min_n: int = 5) -> tuple[pd.DataFrame | None, list[dict]]:
    """(tests of the selection's score against each benchmark, chart lines of the first metric).

    No tests for a database table (the test needs the answers' shares) or a
    selection below the privacy threshold; the lines are drawn whenever the
    schema has benchmarks.
    """
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if isinstance(data, WarehouseTable) or not metrics:
        return None, []
    lines = benchmark_lines(data, metrics[0], benchmarks=benchmarks)
    wanted = [m for m in metrics if benchmark_lines(data, m, benchmarks=benchmarks)]
    if not wanted or len(data) < privacy_min_n:
        return None, lines
    return compare_to_benchmarks(data, benchmarks=benchmarks, metrics=wanted, weights=weights, alpha=alpha), lines


def benchmark_sentences(table: pd.DataFrame | None) -> list[str]:
    """The verdicts of the tested benchmarks, and one sentence for those not tested."""
    if table is None or not len(table):
        return []
    out = table.loc[table["comparable"], "verdict"].tolist()
    skipped = table[~table["comparable"]]
    if len(skipped):
        out.append("Not tested (defined differently from this report's score, drawn for orientation only): "
                   + "; ".join(f"{r['label']} ({r['reason']})" for _, r in skipped.iterrows()) + ".")
    return out


def benchmarks_html(table: pd.DataFrame | None):
    """The benchmark table: value, source, difference, test, p and the verdict (None without benchmarks)."""
    from ..display import table_html

    if table is None or not len(table):
        return None
    t = table.copy()
    t["p_f"] = [("< 0.001" if p < 0.001 else f"{p:.3f}") if pd.notna(p) else "not tested" for p in t["p_value"]]
    t["source"] = t["source"].fillna("")
    return table_html(t, columns={"label": "Benchmark", "source": "Source", "benchmark": "Value",
                                  "difference": "Difference", "test": "Test", "p_f": "p", "verdict": "Verdict"},
                      formats={"benchmark": "{:g}", "difference": "{:+.1f}", "p_f": "{}"},
                      caption="Each benchmark is tested as a fixed value against the score of the whole selection "
                              "(one-sample; weighted when the report is). A benchmark defined differently (an index, "
                              "another scale or top box) is drawn but not tested.")
