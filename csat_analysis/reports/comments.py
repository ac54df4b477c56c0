"""The comments report: sentences, tables and figures over :mod:`csat_analysis.comments`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..cells import choose_freq
from ..comments import (
    LEARNED_NEUTRAL,
    VADER_NEUTRAL,
    SentimentResult,
    ThemeResult,
    check_metric,
    comment_rows,
    distinctive_terms,
    mask_comment,
    sentiment,
    sentiment_table,
    theme_table,
    themes,
)
from ..plots import plot_sentiment_trend, plot_theme_heatmap
from ._fit import fitted

__all__ = ["CommentReport", "comment_report"]

# --------------------------------------------------------------------------- the comments report


@dataclasses.dataclass
class CommentReport:
    """Everything the ``comments`` notebook shows (see :func:`comment_report`).

    Methods return escaped HTML pieces or Axes, or ``None`` when the data
    cannot support them (the notebook's section heading says why).
    """

    data: pd.DataFrame = dataclasses.field(repr=False)
    text: str
    sentiment: SentimentResult | None
    overall: pd.DataFrame | None = dataclasses.field(repr=False)
    trend: SentimentResult | None
    themes: ThemeResult | None
    segment_themes: ThemeResult | None
    breakdown: str | None
    distinctive: pd.DataFrame | None = dataclasses.field(repr=False)
    privacy_min_n: int = 5

    @property
    def has_comments(self) -> bool:
        return self.sentiment is not None and len(self.sentiment.scores) > 0

    def sentences(self) -> list[str]:
        """Plain-language takeaways, written from the tables after privacy suppression."""
        if self.text not in self.data:
            return ["This export has no comment column, so there is nothing to analyse; map one under "
                    "columns.comment in the schema."]
        if not self.has_comments:
            return ["No comments in this selection."]
        n = len(self.sentiment.scores)
        row = self.overall.iloc[0]
        if row["suppressed"]:
            return [f"Fewer than {self.privacy_min_n} comments in this selection, so they are not analysed "
                    "(privacy threshold)."]
        out = [f"{n:,} comments. {' '.join(self.sentiment.warnings)}",
               f"Mean sentiment {row['mean']:+.2f} (95% CI {row['ci_low']:+.2f} to {row['ci_high']:+.2f}, "
               f"on −1 to +1): {row['share_negative']:.0f}% negative, {row['share_positive']:.0f}% positive."]
        v = self.sentiment.validation.iloc[0]
        if np.isfinite(v["spearman"]):
            how = "out-of-fold " if self.sentiment.method == "learned" else ""
            out.append(f"Sentiment tracks the customers' own {self.sentiment.metric.upper()} scores: "
                       f"{how}Spearman {v['spearman']:.2f}, AUC {v['auc']:.2f} (n = {int(v['n']):,}).")
        if self.themes is not None and len(self.themes.table):
            t = self.themes.table.dropna(subset=["share"]).sort_values("share", ascending=False)
            t = t[t["theme"].map(self.themes.kind) != "other"]
            if len(t):
                top = t.iloc[0]
                out.append(f"The most common theme is \u201c{top['theme']}\u201d ({top['share']:.0f}% of comments).")
            if np.isfinite(self.themes.other_share):
                out.append(f"{self.themes.other_share:.0f}% of comments belong to no theme strongly enough "
                           "(\u201cOther\u201d).")
        if self.distinctive is not None and len(self.distinctive):
            low = self.distinctive[self.distinctive["favours"] == "low"].head(3)["term"].tolist()
            if low:
                out.append("Words most typical of dissatisfied customers: " + ", ".join(low) + ".")
        return out

    def headline_values(self) -> dict[str, str]:
        """Formatted headline numbers for the batch index."""
        vals = {"Comments": f"{len(self.sentiment.scores):,}" if self.sentiment is not None else "0"}
        if self.has_comments and not self.overall["suppressed"].iloc[0]:
            r = self.overall.iloc[0]
            vals["Sentiment"] = f"{r['mean']:+.2f} ({r['ci_low']:+.2f} to {r['ci_high']:+.2f})"
            vals["Negative comments"] = f"{r['share_negative']:.0f}%"
        return vals

    def sentiment_html(self):
        """The overall sentiment and how it was scored, with its check against the customers' scores."""
        from ..display import table_html

        if not self.has_comments:
            return None
        t = self.overall.copy()
        t["method"] = self.sentiment.method
        v = self.sentiment.validation.iloc[0]
        t["spearman"], t["auc"], t["n_rated"] = v["spearman"], v["auc"], v["n"]
        return table_html(
            t, columns={"method": "Method", "n": "Comments", "mean": "Mean sentiment", "ci_low": "95% CI low",
                        "ci_high": "95% CI high", "share_negative": "Negative %", "share_positive": "Positive %",
                        "n_rated": "With a score", "spearman": "Spearman vs score", "auc": "AUC"},
            formats={"mean": "{:+.2f}", "ci_low": "{:+.2f}", "ci_high": "{:+.2f}", "share_negative": "{:.1f}",
                     "share_positive": "{:.1f}", "spearman": "{:.2f}", "auc": "{:.2f}"},
            caption=" ".join(self.sentiment.warnings))

    @fitted
    def plot_trend(self):
        if self.trend is None or "period" not in self.trend.table or not len(self.trend.table):
            return None
        return plot_sentiment_trend(self.trend.table)

    def themes_html(self):
        """Each theme with its share of comments, the mean score of its comments, and its top terms."""
        from ..display import table_html

        if self.themes is None or not len(self.themes.table):
            return None
        t = self.themes.table.copy()
        terms = self.themes.terms.groupby("theme", sort=False)["term"].apply(lambda s: ", ".join(s.head(8)))
        t["terms"] = t["theme"].map(terms)
        t["kind"] = t["theme"].map(self.themes.kind)
        cap = "Share of comments in each theme (Wilson 95% interval). " + (self.themes.k_rule or "")
        return table_html(
            t, columns={"theme": "Theme", "kind": "Kind", "n_theme": "Comments", "share": "Share %",
                        "ci_low": "95% CI low", "ci_high": "95% CI high", "mean_score": "Mean score",
                        "terms": "Terms"},
            formats={"share": "{:.1f}", "ci_low": "{:.1f}", "ci_high": "{:.1f}", "mean_score": "{:.2f}"},
            caption=cap.strip())

    @fitted
    def plot_theme_heatmap(self):
        if self.segment_themes is None or self.breakdown is None:
            return None
        from ..labels import display_label

        return plot_theme_heatmap(self.segment_themes.table, by=self.breakdown,
                                  labels={str(self.breakdown): display_label(self.data, self.breakdown)})

    def quotes_html(self, n: int = 2):
        """Up to ``n`` distinct comments per theme, contact details masked; none for themes below the privacy
        threshold."""
        from ..display import HTML, esc

        if self.themes is None or not len(self.themes.table):
            return None
        frame = comment_rows(self.data, self.text)
        frame.index = frame["response_id"].astype(str).to_numpy()
        parts = []
        for name in self.themes.table["theme"]:
            if self.themes.kind.get(name) == "other":  # no typical comment to show
                continue
            ids = self.themes.assignments.loc[self.themes.assignments["theme"] == name, "response_id"]
            if len(ids) < self.privacy_min_n:
                parts.append(f"<li><strong>{esc(name)}</strong>: fewer than {self.privacy_min_n} comments, "
                             "so none is quoted.</li>")
                continue
            ex = self.themes.examples
            if ex is not None and self.themes.kind.get(name) == "discovered":  # the theme's most typical comments
                texts = ex.loc[ex["theme"] == name, "comment"].head(n)
                texts = texts.where(texts.str.len() <= 400, texts.str.slice(0, 400) + "…")
            else:
                texts = frame.loc[frame.index.intersection(ids.to_numpy()), self.text]
                texts = texts[texts.str.len() <= 400].drop_duplicates().head(n) if (texts.str.len() <= 400).any() \
                    else texts.drop_duplicates().head(n).str.slice(0, 400) + "…"
            quotes = "".join(f"<blockquote>{esc(mask_comment(t))}</blockquote>" for t in texts)
            parts.append(f"<li><strong>{esc(name)}</strong>{quotes}</li>")
        return HTML('<ul class="csat-quotes">' + "".join(parts) + "</ul>")

    def distinctive_html(self, top: int = 10):
        """The terms most typical of dissatisfied and of satisfied customers."""
        from ..display import table_html

        if self.distinctive is None or not len(self.distinctive):
            return None
        d = self.distinctive
        t = pd.concat([d.head(top), d.iloc[::-1].head(top)]).drop_duplicates("term")
        t = t.assign(group=np.where(t["favours"] == "low", "dissatisfied", "satisfied"))
        return table_html(t, columns={"term": "Term", "group": "More typical of", "n_low": "Uses (dissatisfied)",
                                      "n_high": "Uses (satisfied)", "log_odds": "Log-odds ratio", "z": "z"},
                          formats={"log_odds": "{:+.2f}", "z": "{:+.1f}"},
                          caption="Log-odds ratio with an informative Dirichlet prior (Monroe et al. 2008); "
                                  "|z| > 2 is a clear difference.")


def comment_report(
    data: pd.DataFrame,
    *,
    text: str = "comment",
    method: str = "auto",
    learn_from: str | None = None,
    breakdown: str | None = None,
    freq: str | bool | None = None,
    weights: str | None = None,
    k: int | None = None,
    min_n: int = 30,
    privacy_min_n: int = 5,
) -> CommentReport:
    """Sentiment, themes and distinctive terms for the ``comments`` notebook, computed once.

    ``freq`` is the period of the sentiment trend (None: chosen from the dates by
    :func:`~csat_analysis.cells.choose_freq`; False: no trend).
    A data frame without the comment column, or without dates, gives a
    report whose parts say so (they return ``None``) instead of failing.

    Examples
    --------
    >>> frame = pd.DataFrame({"csat": [5, 1] * 5, "comment": ["Lovely staff", "Rude staff"] * 5})
    >>> rep = comment_report(frame, method="lexicon", freq=False)
    >>> rep.sentences()[1]
    'Mean sentiment +0.06 (95% CI -0.33 to +0.46, on −1 to +1): 50% negative, 50% positive.'
    """
    empty = CommentReport(data, text, None, None, None, None, None, None, None, privacy_min_n)
    if text not in data.columns:
        return empty
    frame = comment_rows(data, text)
    if len(frame) == 0:
        return empty
    metric = check_metric(data, learn_from, "learn_from")
    sent = sentiment(data, text=text, method=method, learn_from=metric, weights=weights, min_n=min_n,
                     privacy_min_n=privacy_min_n)
    if len(frame) < privacy_min_n:
        return CommentReport(data, text, sent, sent.table, None, None, None, None, None, privacy_min_n)
    trend = None
    freq = choose_freq(data, freq=freq).freq if freq is None else (freq or None)
    if freq and "date" in data.columns and data["date"].notna().any():
        trend = dataclasses.replace(sent, table=sentiment_table(
            _with_sentiment(frame, sent), "_sentiment", [], freq, weights,
            VADER_NEUTRAL if sent.method == "lexicon" else LEARNED_NEUTRAL, 0.95, min_n, privacy_min_n))
    th = themes(data, text=text, k=k, metric=metric, min_n=min_n, privacy_min_n=privacy_min_n)
    seg = None
    if breakdown is not None and breakdown in data.columns:
        seg = dataclasses.replace(th, table=theme_table(frame, th.assignments, list(th.kind), metric, [breakdown],
                                                         None, 0.95, min_n, privacy_min_n))
    dist = None
    if metric is not None:
        dist = distinctive_terms(data, text=text, outcome=metric, min_comments=max(privacy_min_n, 5))
    return CommentReport(data, text, sent, sent.table, trend, th, seg, breakdown if seg is not None else None, dist,
                         privacy_min_n)


def _with_sentiment(frame: pd.DataFrame, sent: SentimentResult) -> pd.DataFrame:
    out = frame.copy()
    out["_sentiment"] = sent.scores["sentiment"].to_numpy()
    return out
