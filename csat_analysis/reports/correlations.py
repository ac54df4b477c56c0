"""The correlations report: sentences, tables and figures over :mod:`csat_analysis.correlation`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._utils import as_list, check_argument
from ..cells import FREQ_WORDS, choose_freq
from ..correlation import AGGREGATE_METRIC, METHODS, correlate, strength
from ..labels import display_label, given_label
from ..metrics import summarize, z_value
from ..registry import SCORES
from ._fit import fitted

__all__ = ["CorrelationReport", "correlation_report"]


def _described(name: str, data=None) -> str:
    """A score column with what it measures (``NPS (likelihood to recommend)``); other columns by the label
    the schema gives them (``short_labels``, an SPSS variable label), else as named."""
    if name in SCORES:
        return SCORES[name].described
    return (given_label(data, name) or name) if data is not None else name


class CorrelationReport:
    """What the ``correlations`` notebook shows (built by :func:`correlation_report`)."""

    def __init__(self, data, respondent, aggregate, segments, segment_period, method, by, freq, heat_metric,
                 alpha, min_n, privacy_min_n, message=None, columns=(), ci=0.95):
        self.message, self.columns, self.ci = message, list(columns), ci
        self.data, self.respondent, self.aggregate = data, respondent, aggregate
        self.segments, self.segment_period = segments, segment_period
        self.method, self.by, self.freq, self.heat_metric = method, by, freq, heat_metric
        self.alpha, self.min_n, self.privacy_min_n = alpha, min_n, privacy_min_n

    @property
    def empty(self) -> bool:
        return self.respondent is None

    def sentences(self) -> list[str]:
        from ..narrative import ci_text, fmt_p

        if self.empty:
            return [self.message or "No responses match this selection, so there is nothing to correlate."]
        out = []
        rows = list(self.respondent.itertuples(index=False))
        if len(rows) > 3:  # many items: the pattern, then the strongest and weakest pairs
            valid = [r for r in rows if not np.isnan(r.r)]
            sig = [r for r in valid if r.p_adj < self.alpha]
            positive = sum(r.r > 0 for r in sig)
            out.append(f"Of {len(rows)} pairs of items, {len(sig)} are significantly correlated after adjusting for "
                       f"multiple comparisons ({positive} positively, {len(sig) - positive} negatively).")
            ranked = sorted(valid, key=lambda r: -abs(r.r))
            picks = ranked[:2] + ([ranked[-1]] if len(ranked) > 2 else [])
            for row, word in zip(picks, ("Strongest", "Next strongest", "Weakest"), strict=False):
                out.append(f"{word}: {_described(row.x, self.data)} and {_described(row.y, self.data)}, "
                           f"{strength(row.r)} "
                           f"{self.method} correlation of {row.r:.2f} "
                           f"({ci_text(self.ci)} {row.ci_low:.2f} to {row.ci_high:.2f}, "
                           f"n = {row.n:,}).")
            rows = []
        for row in rows:
            a, b = _described(row.x, self.data), _described(row.y, self.data)
            if np.isnan(row.r):
                out.append(f"{a} and {b}: no correlation could be computed ({row.note}).")
                continue
            direction = "rise together" if row.r > 0 else "move in opposite directions"
            sig = "statistically significant" if row.p_adj < self.alpha else "not statistically significant"
            out.append(
                f"Respondents' {a} and {b} {direction}: {strength(row.r)} {self.method} correlation of "
                f"{row.r:.2f} ({ci_text(self.ci)} {row.ci_low:.2f} to {row.ci_high:.2f}, n = {row.n:,}, "
                f"{fmt_p(row.p_adj)} "
                f"adjusted): {sig}."
            )
        if self.aggregate is not None and len(self.aggregate):
            row = self.aggregate.iloc[0]
            if not np.isnan(row["r"]):
                a, b = _described(row["x"], self.data).split(" (")[0], _described(row["y"], self.data).split(" (")[0]
                out.append(
                    f"Across {row['n']} periods, {a} and {b} scores have a {strength(row['r'])} correlation of "
                    f"{row['r']:.2f} ({ci_text(self.ci)} {row['ci_low']:.2f} to {row['ci_high']:.2f})"
                    + (f"; {row['note']}." if row["note"] else ".")
                )
        return out

    def headline_values(self) -> dict[str, str]:
        vals = {"Responses": f"{len(self.data):,}"}
        if not self.empty:
            for row in self.respondent.itertuples(index=False):
                if not np.isnan(row.r):
                    vals[f"{_short(row.x, self.data)}~{_short(row.y, self.data)}"] = f"{row.r:.2f}"
        return vals

    def table_html(self, which: str = "respondent"):
        from ..display import note, table_html
        from ..narrative import ci_text, fmt_p

        check_argument("which", ["respondent", "segments", "aggregate"], which)
        table = {"respondent": self.respondent, "segments": self.segments, "aggregate": self.aggregate}[which]
        if table is None or table.empty:
            if (self.message or (which == "segments" and not self.by)
                    or (which == "aggregate" and self.aggregate is None)):
                return None  # the section says why this data cannot support it
            if which == "segments":
                return note(f"{self.by} has fewer than two levels in this selection, so there are no segments to "
                            "compare.")
            return note("Nothing to show for this selection.")
        t = table.copy()
        t["pair"] = [f"{self._label(x)} ~ {self._label(y)}" for x, y in zip(t["x"], t["y"], strict=False)]
        t["p_f"] = [fmt_p(p).removeprefix("p ").removeprefix("= ") for p in t["p_adj"]]
        cols = {self.by: display_label(self.data, self.by)} if self.by in t else {}
        cols.update({"pair": "Pair", "n": "n", "r": "r", "ci_low": f"{ci_text(self.ci)} low",
                     "ci_high": f"{ci_text(self.ci)} high",
                     "p_f": "Adjusted p", "note": "Note"})
        return table_html(t, columns=cols, formats={"r": "{:.2f}", "ci_low": "{:.2f}", "ci_high": "{:.2f}",
                                                    "p_f": "{}"})

    def _label(self, name: str) -> str:
        """A column as tables name it: what a score measures, else the schema's short label (long names shortened)."""
        return SCORES[name].described if name in SCORES else display_label(self.data, name)

    def _labels(self) -> dict[str, str]:
        """``{column: label}`` for the plots: the labels the schema gives the rated items and the breakdown."""
        names = [c for c in [*self.columns, self.by] if c and c not in SCORES]
        return {c: display_label(self.data, c) for c in names}

    @fitted
    def plot_heatmap(self):
        from ..plots import plot_correlation_heatmap

        if self.empty or self.respondent["r"].isna().all():
            return None
        ax = plot_correlation_heatmap(self.respondent, labels=self._labels())
        ax.set_title("Respondent level", loc="left", fontsize=11)
        return ax

    @fitted
    def plot_aggregate_heatmap(self):
        from ..plots import plot_correlation_heatmap

        if self.aggregate is None or self.aggregate["r"].isna().all():
            return None
        ax = plot_correlation_heatmap(self.aggregate, labels=self._labels())
        ax.set_title(f"Across periods ({FREQ_WORDS.get(self.freq, self.freq)})", loc="left", fontsize=11)
        return ax

    @fitted
    def plot_segment_heatmap(self):
        from ..metrics import apply_privacy
        from ..plots import plot_segment_heatmap

        if self.segment_period is None:
            return None
        from ..privacy import crossed_siblings

        keys = [c for c in (self.by, "period") if c in self.segment_period]  # segment x period, with margins
        table = apply_privacy(self.segment_period, privacy_min_n=self.privacy_min_n,
                              siblings=crossed_siblings(keys, fixed=["metric"]))
        ax = plot_segment_heatmap(table, metric=self.heat_metric, by=self.by, labels=self._labels())
        return ax

    @fitted
    def plot_scatter(self):
        from ..plots import plot_score_scatter

        if self.empty:
            return None
        x, y = ("nps", "csat") if {"csat", "nps"} <= set(self.columns) else (self.columns[1], self.columns[0])
        ax = plot_score_scatter(self.data, x=x, y=y)
        ax.set_title("Each dot is one respondent", loc="left", fontsize=10)
        return ax


def correlation_report(
    data: pd.DataFrame,
    *,
    columns: Sequence[str] = ("csat", "nps", "ces"),
    method: str = "spearman",
    by: str | None = None,
    freq: str | bool | None = None,
    heat_metric: str = "csat",
    weights: str | None = None,
    alpha: float = 0.05,
    min_n: int = 30,
    privacy_min_n: int = 5,
    ci: float = 0.95,
) -> CorrelationReport:
    """Compute the ``correlations`` notebook: respondent level, per segment, across periods, segment × period.

    ``columns`` are the rated items to correlate: CSAT, NPS and CES, or any
    numeric rating columns (sub-ratings, attribute ratings).  Periods are
    correlated only for two or more of CSAT, NPS and CES.  A section the data
    cannot support says why (no dates, one item, no breakdown).  ``freq`` is the
    period (None: chosen from the dates by :func:`~csat_analysis.cells.choose_freq`; False: none).
    """
    freq = choose_freq(data, freq=freq).freq if freq is None else (freq or None)
    check_argument("method", list(METHODS), method)
    asked = as_list(columns)
    columns = [c for c in asked if c in data.columns]
    z_value(ci)  # checks the level
    kw = dict(method=method, by=by, freq=freq, heat_metric=heat_metric, alpha=alpha, min_n=min_n,
              privacy_min_n=privacy_min_n, ci=ci)
    if len(data) == 0:
        return _report(data, columns, None, None, None, None, **kw)
    if len(columns) < 2:
        have = ", ".join(columns) or "no rated item"
        return _report(data, columns, None, None, None, None, **kw, message=(
            f"There is nothing to correlate: this export has {have} and correlations need two or more rated items. "
            "Map a second metric (csat, nps, ces) under metrics in the schema, list attribute ratings under "
            "columns.ratings, or pass -p items [A, B]."))
    respondent = correlate(data, columns=columns, method=method, weights=weights if method != "kendall" else None,
                           ci=ci)
    aggregate = segments = segment_period = None
    has_dates = "date" in data and data["date"].notna().any()
    if has_dates and freq and sum(c in AGGREGATE_METRIC for c in columns) >= 2:
        aggregate = correlate(data, columns=columns, method=method, level="aggregate", freq=freq, weights=weights,
                              ci=ci)
    if by and by in data and data[by].nunique() > 1:
        segments = correlate(data, columns=columns, method=method, by=by, ci=ci)
        if has_dates and freq and heat_metric:
            segment_period = summarize(data, metrics=heat_metric, by=by, freq=freq, weights=weights, min_n=min_n)
    return _report(data, columns, respondent, aggregate, segments, segment_period, **kw)


def _report(data, columns, respondent, aggregate, segments, segment_period, *, method, by, freq, heat_metric, alpha,
            min_n, privacy_min_n, message=None, ci=0.95) -> CorrelationReport:
    return CorrelationReport(data, respondent, aggregate, segments, segment_period, method, by, freq, heat_metric,
                             alpha, min_n, privacy_min_n, message, columns, ci)


def _short(name: str, data=None) -> str:
    return _described(name, data).split(" (")[0]
