"""Plain-language sentences written from result tables (for report summaries).

Every sentence states a number, its direction and whether it is
statistically significant; nothing here computes statistics.
"""

from __future__ import annotations

import math

import pandas as pd

from .metrics import metric_label

__all__ = ["fmt_score", "fmt_change", "fmt_p", "describe_score", "describe_change", "significance"]


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x)


def fmt_score(metric: str, value: float) -> str:
    """Format a score in its metric's units.

    Examples
    --------
    >>> fmt_score("csat", 62.34), fmt_score("nps", 14.5), fmt_score("ces", 4.917)
    ('62.3%', '+14.5', '4.92')
    """
    if _nan(value):
        return "n/a"
    if metric in ("csat", "ces_top"):
        return f"{value:.1f}%"
    if metric == "nps":
        return f"{value:+.1f}"
    return f"{value:.2f}"


def fmt_change(metric: str, value: float) -> str:
    """Format a change: percentage points for shares, points for NPS and means.

    Examples
    --------
    >>> fmt_change("csat", -3.21), fmt_change("nps", 5), fmt_change("ces", 0.123)
    ('-3.2 pp', '+5.0 points', '+0.12 points')
    """
    if _nan(value):
        return "n/a"
    if metric in ("csat", "ces_top"):
        return f"{value:+.1f} pp"
    if metric == "nps":
        return f"{value:+.1f} points"
    return f"{value:+.2f} points"


def fmt_p(p: float) -> str:
    """``p = 0.032`` or ``p < 0.001``."""
    if _nan(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def significance(p: float, alpha: float = 0.05) -> str:
    """'statistically significant' or 'not statistically significant' at ``alpha``."""
    if _nan(p):
        return "not testable"
    return "statistically significant" if p < alpha else "not statistically significant"


def describe_score(metric: str, row) -> str:
    """One sentence for a summarize() row.

    Examples
    --------
    >>> describe_score("nps", {"score": 14.5, "ci_low": 13.3, "ci_high": 15.7, "n": 18068})
    'NPS is +14.5 (95% CI +13.3 to +15.7, n = 18,068).'
    """
    if row["n"] == 0 or _nan(row["score"]):
        return f"{metric_label(metric)}: no answers in this selection."
    return (
        f"{metric_label(metric)} is {fmt_score(metric, row['score'])} (95% CI "
        f"{fmt_score(metric, row['ci_low'])} to {fmt_score(metric, row['ci_high'])}, n = {int(row['n']):,})."
    )


def describe_change(metric: str, row, alpha: float = 0.05) -> str:
    """One sentence for a compare() row (period vs previous, or segment vs reference).

    Examples
    --------
    >>> describe_change("csat", {"period": "2025-03", "reference": "2025-02", "change": 5.2, "p": 0.0002,
    ...                          "ci_low": 2.5, "ci_high": 7.9})
    'In 2025-03 CSAT (top-box %) rose by 5.2 pp against 2025-02 (95% CI +2.5 pp to +7.9 pp, p < 0.001): statistically significant.'
    """
    if _nan(row.get("change")):
        return f"{metric_label(metric)}: no change can be computed (a period or group has no answers)."
    verb = "rose" if row["change"] > 0 else "fell" if row["change"] < 0 else "was unchanged"
    where = f"In {row['period']} " if "period" in row and row.get("period") not in (None, "all") else ""
    size = fmt_change(metric, abs(row["change"])).lstrip("+")
    return (
        f"{where}{metric_label(metric)} {verb} by {size} against {row['reference']} "
        f"(95% CI {fmt_change(metric, row['ci_low'])} to {fmt_change(metric, row['ci_high'])}, {fmt_p(row['p'])}): "
        f"{significance(row['p'], alpha)}."
    )
