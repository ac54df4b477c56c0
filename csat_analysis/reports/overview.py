"""The overview report: headline CSAT, NPS and CES, change vs the previous period, segments, choice shares.

:func:`overview` computes everything the ``overview`` notebook shows, once,
and returns an :class:`Overview` whose methods return display-ready HTML
pieces and figures.  An empty selection gives an Overview that says so
instead of failing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .._utils import as_list, weight_values
from ..backends import WarehouseTable
from ..cells import choose_freq
from ..display import HTML, esc, note, table_html
from ..labels import display_label
from ..metrics import (
    METRICS,
    apply_privacy,
    bh_adjust,
    compare,
    metric_label,
    scale_of,
    summarize,
)
from ..narrative import describe_change, describe_score, fmt_change, fmt_estimate, fmt_score, interval_decimals
from ..plots import Rendered, plot_distribution, plot_scores, row_layout
from ..privacy import mask_contacts
from ..responses import schema_of
from ._benchmarks import benchmark_sentences, benchmarks_html, selection_benchmarks
from ._fit import fitted

__all__ = ["overview", "Overview"]

HEADLINE_METRICS = ("csat", "nps", "ces")


@dataclasses.dataclass
class Overview:
    """Results behind the overview report (see :func:`overview`)."""

    data: pd.DataFrame
    metrics: list[str]
    freq: str | None
    headline: pd.DataFrame
    changes: pd.DataFrame
    segments: dict[str, pd.DataFrame]
    segment_tests: dict[str, pd.DataFrame]
    alpha: float
    privacy_min_n: int
    min_n: int = 30
    banner: Any = None  # the banner table of every breakdown column (a Crosstab), None without segments
    weights: Any = None  # the weights argument: a RakeResult gives the "who answered" table and chart
    #: the selection's scores against the schema's ``benchmarks:`` (compare_to_benchmarks), None without any
    benchmarks: pd.DataFrame | None = None
    benchmark_lines: dict = dataclasses.field(default_factory=dict)  # metric -> chart lines
    #: multi-select question -> its :func:`~csat_analysis.multiselect.choice_shares` table, rare choices suppressed
    choices: dict = dataclasses.field(default_factory=dict)

    def choices_html(self):
        """One table per multi-select question (``columns.multi``): the share of its respondents who picked
        each choice; choices fewer than ``privacy_min_n`` respondents picked are suppressed.  None without a
        multi-select question (the section says why)."""
        if not self.choices:
            return None
        parts = []
        for question, table in self.choices.items():
            label = display_label(self.data, question)
            if table.empty:
                parts.append(str(note(f"No answers to {label} in this selection.")))
                continue
            t = table.copy()
            t["n_f"] = ["suppressed" if s else f"{n:,}" for n, s in zip(t["n"], t["suppressed"], strict=True)]
            t["share_f"] = ["suppressed" if s else f"{100 * v:.0f}%" if pd.notna(v) else "n/a"
                            for v, s in zip(t["share"], t["suppressed"], strict=True)]
            hidden = int(t["suppressed"].sum())
            cap = (f"{label}: share of the {int(t['base'].max()):,} respondents who answered the question that "
                   "picked each choice. A respondent can pick several choices, so the shares can sum past 100%.")
            if hidden:
                cap += (f" {hidden} choice{'s' if hidden > 1 else ''} picked by fewer than {self.privacy_min_n} "
                        "respondents are suppressed for privacy.")
            if label != question:
                cap += f" Question: {question}"
            parts.append(str(table_html(t, columns={"choice": "Choice", "n_f": "Respondents", "share_f": "Share"},
                                        formats={"n_f": "{}", "share_f": "{}"}, caption=cap)))
        return HTML("".join(parts))

    def benchmarks_html(self):
        """Each headline score against each benchmark: difference, test and verdict (None without benchmarks)."""
        return benchmarks_html(self.benchmarks)

    def _raked(self):
        return self.weights if hasattr(self.weights, "weights_for") else None

    def who_answered_html(self):
        """Respondents against the customer base, before and after raking (None when not raked)."""
        rake = self._raked()
        if rake is None:
            return None
        t = rake.table
        cap = (f"Shares of the customer base and of all {len(rake.weights):,} respondents in the export, before and "
               f"after raking on {', '.join(rake.by)}; design effect {rake.deff:.2f}, effective n "
               f"{rake.n_eff:,.0f}.")
        return table_html(t, columns={"variable": "Variable", "level": "Level", "population_share": "Customers",
                                      "sample_share": "Respondents", "weighted_share": "Respondents, weighted"},
                          formats={"population_share": "{:.1%}", "sample_share": "{:.1%}",
                                   "weighted_share": "{:.1%}"}, caption=cap)

    @fitted
    def plot_who_answered(self):
        rake = self._raked()
        return None if rake is None else rake.plot()

    @property
    def empty(self) -> bool:
        return len(self.data) == 0

    @property
    def has_changes(self) -> bool:
        """Whether the headline table compares the latest period with the one before."""
        return bool(len(self.changes))

    def sentences(self) -> list[str]:
        """Plain-language takeaways: each score, its latest change, and standout segments."""
        if self.empty:
            return ["No responses match this selection, so there is nothing to report. Check the segment and "
                    "date filters of this report."]
        out = []
        for m in self.metrics:
            row = self.headline[self.headline["metric"] == m].iloc[0]
            if row.get("suppressed", False):
                out.append(f"{metric_label(m)}: fewer than {self.privacy_min_n} answers, suppressed for privacy.")
                continue
            text = describe_score(m, row)
            ch = self.changes[self.changes["metric"] == m]
            if len(ch) and pd.notna(ch["change"].iloc[-1]):
                text += " " + describe_change(m, ch.iloc[-1], self.alpha)
            out.append(text)
        for col, tests in self.segment_tests.items():
            sig = tests[(tests["p_adj"] < self.alpha) & ~tests["suppressed"]]
            if sig.empty:
                continue
            parts = []
            for sign, word in ((1, "above"), (-1, "below")):
                side = sig[np.sign(sig["change"]) == sign]
                if side.empty:
                    continue
                # the segment with the most significant difference, and every metric where it differs
                level = side.loc[side["p_adj"].idxmin(), col]
                rows = side[side[col] == level]
                gaps = ", ".join(f"{METRICS[r['metric']].short} {fmt_change(r['metric'], r['change'])}"
                                 for _, r in rows.iterrows())
                parts.append(f"{level} is {word} the rest ({gaps})")
            out.append(f"By {display_label(self.data, col)}: " + "; ".join(parts)
                       + f" (Benjamini-Hochberg adjusted p < {self.alpha:g}).")
        if len(out) == len(self.metrics):
            if not self.segment_tests:  # nothing was compared: say so, not that nothing differs
                out.append("There are no segments to compare: the schema lists no segment column with two or more "
                           "levels in this selection (columns.segments).")
            else:
                out.append("No segment differs significantly from the rest after adjusting for multiple comparisons.")
        return out + benchmark_sentences(self.benchmarks)

    def headline_values(self) -> dict[str, str]:
        """Formatted headline numbers for the batch index."""
        vals = {"Responses": f"{len(self.data):,}"}
        for m in self.metrics:
            row = self.headline[self.headline["metric"] == m]
            if len(row) and not row["suppressed"].iloc[0]:
                r = row.iloc[0]
                vals[metric_label(m)] = fmt_estimate(m, r["score"], r["ci_low"], r["ci_high"])
        return vals

    def headline_table(self) -> HTML:
        if self.empty:
            return note("No responses match this selection.")
        table = self.headline.copy()
        table["Metric"] = table["metric"].map(metric_label)
        ch = self.changes.groupby("metric").tail(1).set_index("metric") if len(self.changes) else pd.DataFrame()
        for col in ("change", "p", "reference"):
            table[col] = table["metric"].map(ch[col]) if col in ch else None
        table["change_fmt"] = [fmt_change(m, c) for m, c in zip(table["metric"], table["change"], strict=False)]
        digits = [interval_decimals(r.metric, r.score, r.ci_low, r.ci_high) for r in table.itertuples()]
        for col in ("score", "ci_low", "ci_high"):
            table[col + "_fmt"] = [fmt_score(m, v, d)
                                   for m, v, d in zip(table["metric"], table[col], digits, strict=False)]
        latest = f"Change in latest {'period' if self.freq else ''}".strip()
        return table_html(
            table,
            columns={"Metric": "Metric", "score_fmt": "Score", "ci_low_fmt": "95% CI low", "ci_high_fmt": "95% CI high",
                     "n": "Responses", "change_fmt": latest, "reference": "vs", "p": "p-value"},
            formats={"p": "{:.3f}"},
        )

    def comments_html(self, n: int = 6):
        """The most recent comments of dissatisfied customers (lowest CSAT, else NPS detractors), escaped.

        E-mail addresses, phone numbers and card-like numbers in the text are
        masked (:func:`~csat_analysis.privacy.mask_contacts`).  ``None`` when
        the data has no comment column or is a database table (the section says why).
        """
        if "comment" not in self.data or isinstance(self.data, WarehouseTable):
            return None  # the section says why (a database table: comments are rows, which stay there)
        if self.empty:
            return note("No verbatim comments in this selection.")
        data = self.data[self.data["comment"].notna() & (self.data["comment"].astype(str).str.strip() != "")]
        if "csat" in data:
            lo, _, top = scale_of(data, "csat")
            data = data[data["csat"] <= lo + 1]
        elif "nps" in data:
            data = data[data["nps"] <= 6]
        if data.empty:
            return note("No comments from dissatisfied customers in this selection.")
        if "date" in data:
            data = data.sort_values("date", ascending=False)
        rows = data.head(n).copy()
        columns = {"date": "Date"} if "date" in rows else {}
        if "date" in rows:
            rows["date"] = rows["date"].dt.strftime("%d %b %Y")
        columns.update({c: c.upper() for c in ("csat", "nps", "ces") if c in rows})
        columns["comment"] = "Comment"
        rows["comment"] = [mask_contacts(str(t)) for t in rows["comment"]]
        return table_html(rows, columns=columns,
                          caption=f"The {len(rows)} most recent comments from dissatisfied customers.")

    @fitted
    def plot_distributions(self):
        """One panel per metric: the share of answers at each score."""
        cols = [METRICS[m].column for m in self.metrics]
        fig, axes = plt.subplots(1, len(cols), figsize=(4.2 * len(cols), 3), squeeze=False)
        remote = isinstance(self.data, WarehouseTable)  # answers per score from one query, not the rows
        for ax, col in zip(axes[0], cols, strict=False):
            plot_distribution(self.data, column=col, ax=ax, counts=self.data.score_counts(col) if remote else None)
        row_layout(fig, axes[0])
        return fig

    def segment_table(self, column: str) -> HTML:
        table = self.segments[column]
        if table.empty:
            return note(f"No responses by {display_label(self.data, column)} in this selection.")
        wide = table.pivot_table(index=column, columns="metric", values="score", observed=True, dropna=False)
        low = table.assign(low=table["low_n"] & (table["n"] > 0)).pivot_table(
            index=column, columns="metric", values="low", aggfunc="max", observed=True).reindex(wide.index)
        n = table.groupby(column, observed=True)["n"].max().reindex(wide.index)
        sup = table.groupby(column, observed=True)["suppressed"].all().reindex(wide.index)
        hidden = table.pivot_table(index=column, columns="metric", values="suppressed", aggfunc="max",
                                   observed=True).reindex(wide.index).fillna(False).astype(bool)
        out = pd.DataFrame({column: wide.index.astype(str), "n": n.to_numpy(), "suppressed": sup.to_numpy()})
        out["low_n"] = out["n"] < self.min_n
        out["n"] = out["n"].astype("Int64").mask(hidden.any(axis=1).to_numpy())  # a suppressed group's count too
        columns = {column: display_label(self.data, column), "n": "Responses"}
        for m in self.metrics:
            if m in wide:
                marks = low[m].fillna(False).astype(bool).to_numpy() if m in low else np.zeros(len(out), bool)
                gone = hidden[m].to_numpy() if m in hidden else np.zeros(len(out), bool)
                out[m] = ["suppressed" if g else fmt_score(m, v) + ("*" if mark else "")
                          for v, mark, g in zip(wide[m].to_numpy(), marks, gone, strict=True)]
                columns[m] = metric_label(m)
        formats = {m: "{}" for m in self.metrics}
        return table_html(out, columns=columns, formats=formats,
                          caption="* fewer answers than min_n; italic rows: fewer responses than min_n; suppressed: "
                                  "fewer than the privacy threshold, or the smallest other groups, so that no small "
                                  "group can be worked out from the total; n/a: no answers.")

    def banner_table(self) -> HTML:
        """The banner table: metrics x the segments of every breakdown column, with bases and letters.

        Letters come from :func:`~csat_analysis.crosstab` (Benjamini-Hochberg
        adjusted within each metric and segment column, at ``alpha``); groups
        below the privacy threshold are suppressed and not tested.
        """
        if self.empty or self.banner is None:
            return note("No responses by segment in this selection.")
        return self.banner.styled

    def show_segments(self) -> None:
        """Display the banner table, then a dot-and-interval figure for every breakdown column."""
        from IPython.display import display

        if self.empty or not self.segments:
            return  # the section says why
        display(self.banner_table())
        for column in self.segments:
            display(HTML(f"<h3>{esc(display_label(self.data, column))}: scores with 95% intervals</h3>"))
            display(Rendered(self.plot_segments(column)))  # drawn once, as laid out

    @fitted
    def plot_segments(self, column: str):
        """Dot-and-interval panels per metric across the levels of ``column``."""
        table = self.segments[column]
        levels = max(3, table[column].nunique())
        long = table[column].astype(str).str.len().max() > 24 or levels > 12  # panels side by side would crowd
        height = 0.4 * levels + 1.2
        if long:  # one panel per metric, stacked, with room for the labels
            fig, axes = plt.subplots(len(self.metrics), 1, figsize=(9.0, len(self.metrics) * height),
                                     layout="constrained", squeeze=False)
        else:
            fig, axes = plt.subplots(1, len(self.metrics), figsize=(4.4 * len(self.metrics), height), squeeze=False)
        for ax, m in zip(axes.ravel(), self.metrics, strict=False):
            plot_scores(table, metric=m, by=column, ax=ax, benchmarks=self.benchmark_lines.get(m))
            ax.set_title(metric_label(m), loc="left", fontsize=10)
        if not long:
            row_layout(fig, axes[0])
        return fig


def overview(
    data: pd.DataFrame,
    *,
    metrics: Sequence[str] = HEADLINE_METRICS,
    freq: str | bool | None = None,
    breakdown: Sequence[str] | str | None = None,
    weights: str | None = None,
    min_n: int = 30,
    privacy_min_n: int = 5,
    alpha: float = 0.05,
    benchmarks=None,
) -> Overview:
    """Compute the overview report's tables.

    Parameters
    ----------
    data : DataFrame
        The responses to report on (already filtered to the report's selection).
    metrics : metrics to show; those without a score column are skipped.
    freq : period for "change vs the previous period" (None: chosen from the dates by
        :func:`~csat_analysis.cells.choose_freq`; False: no change).
    breakdown : segment columns for the segment tables (default: the
        schema's segments with more than one level in ``data``).
    weights, min_n, privacy_min_n, alpha : see :func:`~csat_analysis.summarize`.
    benchmarks : outside references (default the schema's ``benchmarks:``):
        each headline score is tested against the comparable ones
        (:func:`~csat_analysis.benchmarking.compare_to_benchmarks`) and all
        are drawn on the segment charts.

    Returns
    -------
    Overview
    """
    metrics = [m for m in metrics if METRICS[m].column in data.columns]
    freq = choose_freq(data, freq=freq).freq if freq is None else (freq or None)
    remote = isinstance(data, WarehouseTable)  # a database table: every number is an aggregate query
    if breakdown is None:
        schema_segments = schema_of(data).get("columns", {}).get("segments", [])
        breakdown = [c for c in schema_segments if c in data
                     and (len(data.levels(c)) if remote else data[c].nunique()) > 1]
    breakdown = as_list(breakdown)
    head = apply_privacy(summarize(data, metrics=metrics, weights=weights, min_n=min_n), privacy_min_n=privacy_min_n)
    changes = pd.DataFrame(columns=["metric", "period", "reference", "change", "ci_low", "ci_high", "p", "p_adj"])
    segments: dict[str, pd.DataFrame] = {}
    tests: dict[str, pd.DataFrame] = {}
    if len(data):
        if freq and "date" in data and (data.has_dates() if remote else data["date"].notna().any()):
            parts = [compare(data, metric=m, period=freq, weights=weights).tail(1) for m in metrics]
            changes = pd.concat(parts, ignore_index=True)
        for col in breakdown:
            # the headline shows the total: a small segment's score can't be the total minus the others
            segments[col] = apply_privacy(summarize(data, metrics=metrics, by=col, weights=weights, min_n=min_n),
                                          privacy_min_n=privacy_min_n, siblings=[["metric"]])
            parts = [compare(data, metric=m, by=col, weights=weights) for m in metrics]
            t = pd.concat(parts, ignore_index=True)
            hidden = segments[col].loc[segments[col]["suppressed"], [col, "metric"]].astype(object)
            t["suppressed"] = pd.MultiIndex.from_frame(t[[col, "metric"]].astype(object)).isin(
                pd.MultiIndex.from_frame(hidden)) if len(hidden) else False
            t = apply_privacy(t, privacy_min_n=privacy_min_n)
            t["p_adj"] = bh_adjust(t["p"].to_numpy(dtype=float))
            tests[col] = t
    table = None
    if len(data) and breakdown and metrics:
        from ..crosstab import crosstab

        table = crosstab(data, rows=metrics, banner=breakdown, weights=weights, alpha=alpha, adjust="bh",
                         min_n=min_n, privacy_min_n=privacy_min_n)
    tested, _ = selection_benchmarks(data, metrics, benchmarks=benchmarks, weights=weights, alpha=alpha,
                                     privacy_min_n=privacy_min_n)
    lines = {m: selection_benchmarks(data, m, benchmarks=benchmarks, privacy_min_n=len(data) + 1)[1] for m in metrics}
    choices = {} if remote else _choice_shares(data, weights=weights, privacy_min_n=privacy_min_n)
    return Overview(data, metrics, freq, head, changes, segments, tests, alpha, privacy_min_n, min_n, table, weights,
                    tested, {m: v for m, v in lines.items() if v}, choices)


def multi_questions(data) -> list[str]:
    """The multi-select questions of the schema (``columns.multi``) whose choice columns ``data`` has."""
    from ..multiselect import choice_columns

    entries = (schema_of(data).get("columns") or {}).get("multi") or []
    names = [e.get("column") if isinstance(e, dict) else e for e in ([entries] if isinstance(entries, str)
                                                                      else entries)]
    return [str(n) for n in names if n and choice_columns(data, str(n))]


def _choice_shares(data, *, weights, privacy_min_n: int) -> dict[str, pd.DataFrame]:
    """``{question: choice_shares table}`` with a ``suppressed`` column: choices under ``privacy_min_n``."""
    from ..multiselect import choice_shares

    out = {}
    for question in multi_questions(data):
        w = weight_values(data, weights)
        frame = data if w is None else data.assign(__weight__=w)
        table = choice_shares(frame, question, weights=None if w is None else "__weight__")
        table["suppressed"] = table["n"] < privacy_min_n
        table.loc[table["suppressed"], "share"] = np.nan
        out[question] = table
    return out

