"""The trends report: sentences, tables and figures over :mod:`csat_analysis.trends`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._utils import check_argument
from ..backends import WarehouseTable
from ..cells import choose_freq
from ..metrics import METRICS, metric_label, summarize
from ..narrative import fmt_change, fmt_estimate, fmt_p, fmt_score, interval_decimals
from ..trends import trend, trend_digest
from ._benchmarks import benchmark_sentences, benchmarks_html, selection_benchmarks
from ._fit import fitted

__all__ = ["TrendReport", "trend_report"]

class TrendReport:
    """What the ``trends`` notebook shows: the trend table, its digest, plots and a table.

    Built by :func:`trend_report`; an empty selection yields a report that says so.
    """

    def __init__(self, data: pd.DataFrame, table: pd.DataFrame | None, facets: pd.DataFrame | None,
                 weekly: pd.DataFrame | None, metric: str, facet_by: str | None, target: float | None,
                 privacy_min_n: int, message: str | None = None, overall: pd.DataFrame | None = None,
                 benchmarks: pd.DataFrame | None = None, benchmark_lines: list[dict] | None = None) -> None:
        self.data, self.table, self.facets, self.weekly = data, table, facets, weekly
        self.metric, self.facet_by, self.target = metric, facet_by, target
        self.privacy_min_n, self.message = privacy_min_n, message
        self.overall = overall  # the whole selection's score (summarize), for headlines
        #: the whole selection's score against the schema's ``benchmarks:`` (compare_to_benchmarks), or None
        self.benchmarks = benchmarks
        self.benchmark_lines = benchmark_lines or []

    def sentences(self) -> list[str]:
        if self.table is None:
            return [self.message or "No responses match this selection, so there is no trend to show."]
        return trend_digest(self.table) + benchmark_sentences(self.benchmarks)

    def benchmarks_html(self):
        """The selection's score against each benchmark: difference, test and verdict (None without benchmarks)."""
        return benchmarks_html(self.benchmarks)

    def headline_values(self) -> dict[str, str]:
        if self.table is None:
            return {"Responses": f"{len(self.data):,}"}
        vals = {"Responses": f"{len(self.data):,}"}
        if self.overall is not None and len(self.overall) and self.overall["n"].iloc[0] >= self.privacy_min_n:
            row = self.overall.iloc[0]  # the whole selected period, never the last (possibly partial) one alone
            periods = self.table[self.table["n"] > 0]["period"]
            span = f"{periods.iloc[0]} to {periods.iloc[-1]}" if len(periods) > 1 else str(periods.iloc[0])
            vals[f"{metric_label(self.metric)} ({span})"] = (
                f"{fmt_estimate(self.metric, row['score'], row['ci_low'], row['ci_high'])}, n = {int(row['n']):,}")
        vals["Significant changes"] = str(int(self.table["flag"].str.contains("significant_change").sum()))
        return vals

    @fitted
    def plot(self):
        from ..plots import plot_trend

        ax = (plot_trend(self._public(self.table), target=self.target, benchmarks=self.benchmark_lines)
              if self.table is not None else None)
        if ax is not None:
            ax.set_title(f"{metric_label(self.metric)} by period", loc="left", fontsize=11)
        return ax

    @fitted
    def plot_facets(self):
        from ..plots import plot_trend_facets

        if self.facets is None:
            return None
        return plot_trend_facets(self._public(self.facets), by=self.facet_by, target=self.target)

    @fitted
    def plot_calendar(self):
        from ..plots import plot_calendar

        if self.weekly is None:
            return None
        ax = plot_calendar(self._public(self.weekly))
        ax.set_title(f"{metric_label(self.metric)} by week", loc="left", fontsize=11)
        return ax

    def table_html(self):
        from ..display import note, table_html

        if self.table is None:
            return None if self.message else note("No responses match this selection.")  # the section says why
        t = self._public(self.table).copy()
        m = self.metric
        decimals = interval_decimals(m, t["score"], t["ci_low"], t["ci_high"])  # bounds that read apart from the score
        for col in ("score", "ci_low", "ci_high"):
            t[col + "_f"] = [fmt_score(m, v, d) for v, d in zip(t[col], decimals, strict=False)]
        t["change_f"] = [fmt_change(m, v) for v in t["change"]]
        t["period_f"] = t["period"] + np.where(t["partial"], " (partial)", "")
        t["flag_f"] = t["flag"].str.replace(",", ", ").str.replace("_", " ")
        t["p_f"] = [fmt_p(p).removeprefix("p ").removeprefix("= ") for p in t["change_p_adj"]]
        return table_html(t, columns={"period_f": "Period", "n": "Responses", "score_f": "Score",
                                      "ci_low_f": "95% CI low", "ci_high_f": "95% CI high",
                                      "change_f": "Change", "p_f": "Adjusted p", "flag_f": "Flags"},
                          formats={"p_f": "{}", "score_f": "{}", "ci_low_f": "{}", "ci_high_f": "{}",
                                   "change_f": "{}"})

    def _public(self, table: pd.DataFrame) -> pd.DataFrame:
        from ..metrics import apply_privacy
        from ..trends import privacy_siblings

        by = self.facet_by if table is self.facets else None
        hidden = privacy_siblings(table, by=by, privacy_min_n=self.privacy_min_n)  # as trend() suppressed them
        return apply_privacy(table.assign(suppressed=hidden), privacy_min_n=self.privacy_min_n)


def trend_report(
    data: pd.DataFrame,
    *,
    metric: str = "csat",
    freq: str | None = None,
    facet_by: str | None = None,
    target: float | None = None,
    rolling: int | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    min_n: int = 30,
    privacy_min_n: int = 5,
    date_range: tuple | None = None,
    benchmarks=None,
) -> TrendReport:
    """Compute the ``trends`` notebook: the trend, per-segment trends (``facet_by``) and weekly calendar.

    ``data`` is a responses table or a :class:`~csat_analysis.backends.WarehouseTable`
    (every number then comes from aggregate queries; the rows stay in the engine).
    Parameters are those of :func:`trend` (``freq=None``: chosen from the dates by
    :func:`~csat_analysis.cells.choose_freq`); ``date_range`` (the whole export's
    first and last date) lets a report on one segment or selection judge its
    first and last periods ``partial`` against the export, not against the
    segment's own first and last answers.  ``benchmarks`` (default the
    schema's ``benchmarks:``) are drawn on the trend chart and the whole
    selection's score is tested against each comparable one
    (:func:`~csat_analysis.benchmarking.compare_to_benchmarks`).
    """
    check_argument("metric", list(METRICS), metric)
    remote = isinstance(data, WarehouseTable)  # a database table: counts, dates and levels are queries
    if len(data) == 0 or "date" not in data or not (data.has_dates() if remote else data["date"].notna().any()):
        msg = None if len(data) == 0 else ("This export has no usable dates, so no trend can be drawn; map a date "
                                           "column under columns.date in the schema.")
        return TrendReport(data, None, None, None, metric, facet_by, target, privacy_min_n, msg)
    kw = dict(metric=metric, target=target, weights=weights, alpha=alpha, min_n=min_n, privacy_min_n=privacy_min_n,
              date_range=date_range)
    freq = choose_freq(data, freq=freq).freq
    table = trend(data, freq=freq, rolling=rolling, **kw)
    facets = None
    if facet_by and facet_by in data and (len(data.levels(facet_by)) if remote else data[facet_by].nunique()) > 1:
        facets = trend(data, freq=freq, by=facet_by, **kw)
    weekly = table if freq == "W" else trend(data, freq="W", **kw)
    overall = summarize(data, metrics=metric, weights=weights, min_n=min_n)
    tested, lines = selection_benchmarks(data, metric, benchmarks=benchmarks, weights=weights, alpha=alpha,
                                         privacy_min_n=privacy_min_n)
    return TrendReport(data, table, facets, weekly, metric, facet_by if facets is not None else None, target,
                       privacy_min_n, overall=overall, benchmarks=tested, benchmark_lines=lines)
