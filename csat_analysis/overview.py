"""The overview report: headline CSAT, NPS and CES, change vs the previous period, segments.

:func:`overview` computes everything the ``overview`` notebook shows, once,
and returns an :class:`Overview` whose methods return display-ready HTML
pieces and figures.  An empty selection gives an Overview that says so
instead of failing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd

from ._utils import as_list
from .metrics import METRICS, apply_privacy, compare, metric_label, summarize
from .narrative import describe_change, describe_score, fmt_change, fmt_p, fmt_score
from .plots import plot_distribution, plot_scores
from .report import HTML, _esc, note, table_html

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

    @property
    def empty(self) -> bool:
        return len(self.data) == 0

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
            for m in self.metrics:
                t = tests[(tests["metric"] == m) & (tests["p_adj"] < self.alpha) & ~tests["suppressed"]]
                if t.empty:
                    continue
                best = t.loc[t["change"].idxmax()]
                worst = t.loc[t["change"].idxmin()]
                parts = []
                if best["change"] > 0:
                    parts.append(f"{best[col]} is highest ({fmt_score(m, best['score'])}, "
                                 f"{fmt_change(m, best['change'])} above the rest, {fmt_p(best['p_adj'])} adjusted)")
                if worst["change"] < 0:
                    parts.append(f"{worst[col]} is lowest ({fmt_score(m, worst['score'])}, "
                                 f"{fmt_change(m, worst['change'])} against the rest, {fmt_p(worst['p_adj'])} adjusted)")
                if parts:
                    out.append(f"By {col}, {metric_label(m)}: " + "; ".join(parts) + ".")
        if len(out) == len(self.metrics):
            out.append("No segment differs significantly from the rest after adjusting for multiple comparisons.")
        return out

    def headline_values(self) -> dict[str, str]:
        """Formatted headline numbers for the batch index."""
        vals = {"Responses": f"{len(self.data):,}"}
        for m in self.metrics:
            row = self.headline[self.headline["metric"] == m]
            if len(row) and not row["suppressed"].iloc[0]:
                r = row.iloc[0]
                vals[metric_label(m)] = (f"{fmt_score(m, r['score'])} "
                                         f"[{fmt_score(m, r['ci_low'])}, {fmt_score(m, r['ci_high'])}]")
        return vals

    def headline_table(self) -> HTML:
        if self.empty:
            return note("No responses match this selection.")
        table = self.headline.copy()
        table["Metric"] = table["metric"].map(metric_label)
        ch = self.changes.groupby("metric").tail(1).set_index("metric") if len(self.changes) else pd.DataFrame()
        for col in ("change", "p", "reference"):
            table[col] = table["metric"].map(ch[col]) if col in ch else None
        table["change_fmt"] = [fmt_change(m, c) for m, c in zip(table["metric"], table["change"])]
        for col in ("score", "ci_low", "ci_high"):
            table[col + "_fmt"] = [fmt_score(m, v) for m, v in zip(table["metric"], table[col])]
        latest = f"Change in latest {'period' if self.freq else ''}".strip()
        return table_html(
            table,
            columns={"Metric": "Metric", "score_fmt": "Score", "ci_low_fmt": "95% CI low", "ci_high_fmt": "95% CI high",
                     "n": "Responses", "change_fmt": latest, "reference": "vs", "p": "p-value"},
            formats={"p": "{:.3f}"},
        )

    def plot_distributions(self):
        """One panel per metric: the share of answers at each score."""
        cols = [METRICS[m][0] for m in self.metrics]
        fig, axes = plt.subplots(1, len(cols), figsize=(4.2 * len(cols), 3), layout="constrained", squeeze=False)
        for ax, col in zip(axes[0], cols):
            plot_distribution(self.data, column=col, ax=ax)
        return fig

    def segment_table(self, column: str) -> HTML:
        table = self.segments[column]
        if table.empty:
            return note(f"No responses by {column} in this selection.")
        wide = table.pivot_table(index=column, columns="metric", values="score", observed=True)
        n = table.groupby(column, observed=True)["n"].max()
        low = table.groupby(column, observed=True)["low_n"].any()
        sup = table.groupby(column, observed=True)["suppressed"].all()
        out = pd.DataFrame({column: wide.index.astype(str), "n": n.reindex(wide.index).to_numpy(),
                            "low_n": low.reindex(wide.index).to_numpy(), "suppressed": sup.reindex(wide.index).to_numpy()})
        columns = {column: column, "n": "Responses"}
        for m in self.metrics:
            if m in wide:
                out[m] = [fmt_score(m, v) for v in wide[m].to_numpy()]
                columns[m] = metric_label(m)
        formats = {m: "{}" for m in self.metrics}
        return table_html(out, columns=columns, formats=formats,
                          caption="Italic rows have fewer responses than min_n; suppressed rows fewer than the privacy threshold.")

    def show_segments(self) -> None:
        """Display a table and a dot-and-interval figure for every breakdown column."""
        from IPython.display import display

        if self.empty or not self.segments:
            display(note("No segment breakdown for this selection."))
            return
        for column in self.segments:
            display(HTML(f"<h3>By {_esc(column)}</h3>"))
            display(self.segment_table(column))
            fig = self.plot_segments(column)
            display(fig)
            plt.close(fig)

    def plot_segments(self, column: str):
        """Dot-and-interval panels per metric across the levels of ``column``."""
        table = self.segments[column]
        fig, axes = plt.subplots(1, len(self.metrics), figsize=(4.4 * len(self.metrics), 0.4 * max(3, table[column].nunique()) + 1.2),
                                 layout="constrained", squeeze=False)
        for ax, m in zip(axes[0], self.metrics):
            plot_scores(table, metric=m, by=column, ax=ax)
            ax.set_title(metric_label(m), loc="left", fontsize=10)
        return fig


def overview(
    data: pd.DataFrame,
    *,
    metrics: Sequence[str] = HEADLINE_METRICS,
    freq: str | None = "M",
    breakdown: Sequence[str] | str | None = None,
    weights: str | None = None,
    min_n: int = 30,
    privacy_min_n: int = 5,
    alpha: float = 0.05,
) -> Overview:
    """Compute the overview report's tables.

    Parameters
    ----------
    data : DataFrame
        The responses to report on (already filtered to the report's selection).
    metrics : metrics to show; those without a score column are skipped.
    freq : period for "change vs the previous period" (None: no change).
    breakdown : segment columns for the segment tables (default: the
        schema's segments with more than one level in ``data``).
    weights, min_n, privacy_min_n, alpha : see :func:`~csat_analysis.summarize`.

    Returns
    -------
    Overview
    """
    metrics = [m for m in metrics if METRICS[m][0] in data.columns]
    if breakdown is None:
        schema_segments = (data.attrs.get("schema") or {}).get("columns", {}).get("segments", [])
        breakdown = [c for c in schema_segments if c in data and data[c].nunique() > 1]
    breakdown = as_list(breakdown)
    head = apply_privacy(summarize(data, metrics=metrics, weights=weights, min_n=min_n), privacy_min_n=privacy_min_n)
    changes = pd.DataFrame(columns=["metric", "period", "reference", "change", "ci_low", "ci_high", "p", "p_adj"])
    segments: dict[str, pd.DataFrame] = {}
    tests: dict[str, pd.DataFrame] = {}
    if len(data):
        if freq and "date" in data and data["date"].notna().any():
            parts = [compare(data, metric=m, period=freq, weights=weights).tail(1) for m in metrics]
            changes = pd.concat(parts, ignore_index=True)
        for col in breakdown:
            segments[col] = apply_privacy(summarize(data, metrics=metrics, by=col, weights=weights, min_n=min_n),
                                          privacy_min_n=privacy_min_n)
            parts = [compare(data, metric=m, by=col, weights=weights) for m in metrics]
            t = apply_privacy(pd.concat(parts, ignore_index=True), privacy_min_n=privacy_min_n)
            t["p_adj"] = _bh(t["p"])
            tests[col] = t
    return Overview(data, metrics, freq, head, changes, segments, tests, alpha, privacy_min_n)


def _bh(p: pd.Series) -> pd.Series:
    from .metrics import bh_adjust

    return pd.Series(bh_adjust(p.to_numpy(dtype=float)), index=p.index)
