"""Plain-language sentences written from result tables (for report summaries).

Every sentence states a number, its direction and whether it is
statistically significant; nothing here computes statistics.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._utils import check_argument
from .registry import METRICS, SCORES, metric_label

__all__ = ["fmt_score", "fmt_change", "fmt_p", "fmt_estimate", "interval_decimals", "displayed", "DECIMALS",
           "describe_score", "describe_change", "significance", "ci_text", "value_words", "parameter_words",
           "PARAMETER_LABELS"]

#: Decimals a score is shown with: percentages and NPS points to 0.1, mean scores to 0.01 (from the registry).
DECIMALS = {name: m.decimals for name, m in METRICS.items()}
#: Most decimals an estimate is widened to so that its interval bounds differ from it (see interval_decimals).
MAX_DECIMALS = 4


def _nan(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x)


def _decimals(metric: str, decimals: int | None) -> int:
    return DECIMALS.get(metric, 2) if decimals is None else int(decimals)


def fmt_score(metric: str, value: float, decimals: int | None = None) -> str:
    """Format a score in its metric's units.

    ``decimals`` overrides the metric's display precision (:data:`DECIMALS`:
    one decimal for percentages and NPS, two for mean scores).

    Examples
    --------
    >>> fmt_score("csat", 62.34), fmt_score("nps", 14.5), fmt_score("ces", 4.917)
    ('62.3%', '+14.5', '4.92')
    >>> fmt_score("ces", 3.4031, decimals=3)
    '3.403'
    """
    if _nan(value):
        return "n/a"
    d = _decimals(metric, decimals)
    m = METRICS.get(metric)
    if m is not None and m.percent:
        return f"{value:.{d}f}%"
    if m is not None and m.signed:
        return f"{value:+.{d}f}"
    return f"{value:.{d}f}"


def displayed(metric: str, value, decimals=None):
    """The value a reader sees: ``value`` rounded as :func:`fmt_score` prints it (NaN stays NaN).

    Comparisons that are reported next to a printed score (e.g. "below the
    target") use this, so that a score printed as ``15.0`` is never called
    below a target of 15.  Accepts a scalar or an array; ``decimals`` may be
    an array of the same length (one precision per value).

    Examples
    --------
    >>> displayed("nps", 14.98), displayed("ces", 3.404)
    (15.0, 3.4)
    >>> displayed("csat", [79.96, float("nan")]).tolist()
    [80.0, nan]
    """
    x = np.asarray(value, dtype=float)
    d = np.broadcast_to(np.asarray(DECIMALS.get(metric, 2) if decimals is None else decimals, dtype=int), x.shape)
    scale = 10.0 ** d
    y = x * scale
    with np.errstate(invalid="ignore"):
        out = np.round(y) / scale  # k / 10**d is the double nearest the printed decimal, as float(text) is
        # values at (or within float noise of) a tie: the text decides, as printed
        # (formatting rounds the exact binary value)
        tie = np.abs(np.abs(y - np.floor(y)) - 0.5) < 1e-6
    for i in np.flatnonzero(tie.ravel()):
        out.flat[i] = float(f"{x.flat[i]:.{int(d.flat[i])}f}")
    return float(out) if x.ndim == 0 else out


def interval_decimals(metric: str, score, ci_low, ci_high, max_decimals: int = MAX_DECIMALS):
    """Decimals needed to print an estimate so that its interval bounds read differently from it.

    Starts at the metric's precision (:data:`DECIMALS`) and adds one decimal
    at a time, up to ``max_decimals``, while a bound that differs from the
    score prints the same as the score (a large-n CES mean ``3.40 [3.40,
    3.41]`` becomes ``3.403 [3.398, 3.409]``).  A bound equal to the score
    (e.g. 100% with a Wilson bound at 100%) or missing does not widen it.
    Scalars give an int, arrays an int array.

    Examples
    --------
    >>> interval_decimals("ces", 3.4031, 3.3985, 3.4088)
    3
    >>> interval_decimals("nps", 14.5, 13.3, 15.7), interval_decimals("csat", 100.0, 96.4, 100.0)
    (1, 1)
    """
    s, lo, hi = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (score, ci_low, ci_high)))
    out = np.full(s.shape, DECIMALS.get(metric, 2), dtype=int)
    for d in range(DECIMALS.get(metric, 2), max_decimals):
        shown = displayed(metric, s, d)
        same = np.zeros(s.shape, dtype=bool)
        for bound in (lo, hi):
            with np.errstate(invalid="ignore"):
                same |= (bound != s) & (displayed(metric, bound, d) == shown)  # NaN compares unequal
        same &= out == d
        if not same.any():
            break
        out[same] = d + 1
    return int(out) if s.ndim == 0 else out


def fmt_estimate(metric: str, score: float, ci_low: float, ci_high: float, *, style: str = "brackets",
                 n: int | None = None, ci: float = 0.95) -> str:
    """An estimate with its interval, with enough decimals for the bounds to differ from the estimate.

    Score and bounds share one precision, from :func:`interval_decimals`.

    Parameters
    ----------
    metric : str
    score, ci_low, ci_high : float
    style : {"brackets", "words"}
        ``"+15.0 [+11.6, +18.3]"`` (tables, headline values) or
        ``"+15.0 (95% CI +11.6 to +18.3, n = 400)"`` (sentences).
    n : int, optional
        Responses, named by the ``"words"`` style.
    ci : float
        Confidence level named by the ``"words"`` style.

    Examples
    --------
    >>> fmt_estimate("ces", 3.4031, 3.3985, 3.4088)
    '3.403 [3.398, 3.409]'
    >>> fmt_estimate("nps", 15.0, 11.6, 18.3, style="words", n=400)
    '+15.0 (95% CI +11.6 to +18.3, n = 400)'
    """
    check_argument("style", ["brackets", "words"], style)
    d = interval_decimals(metric, score, ci_low, ci_high)
    s, lo, hi = (fmt_score(metric, v, d) for v in (score, ci_low, ci_high))
    if style == "brackets":
        return f"{s} [{lo}, {hi}]"
    count = "" if n is None else f", n = {int(n):,}"
    return f"{s} ({ci_text(ci)} {lo} to {hi}{count})"


def ci_text(ci: float = 0.95) -> str:
    """The interval's label from its level.

    Examples
    --------
    >>> ci_text(0.95), ci_text(0.8), ci_text(0.975)
    ('95% CI', '80% CI', '97.5% CI')
    """
    return f"{100 * ci:.10g}% CI"


def fmt_change(metric: str, value: float, decimals: int | None = None) -> str:
    """Format a change: percentage points for shares, points for NPS and means.

    ``decimals`` overrides the metric's display precision (:data:`DECIMALS`).

    Examples
    --------
    >>> fmt_change("csat", -3.21), fmt_change("nps", 5), fmt_change("ces", 0.123)
    ('-3.2 pp', '+5.0 points', '+0.12 points')
    """
    if _nan(value):
        return "n/a"
    d = _decimals(metric, decimals)
    m = METRICS.get(metric)
    if m is not None and m.percent:
        return f"{value:+.{d}f} pp"
    return f"{value:+.{d}f} points"


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


def describe_score(metric: str, row, ci: float = 0.95) -> str:
    """One sentence for a summarize() row.

    Examples
    --------
    >>> describe_score("nps", {"score": 14.5, "ci_low": 13.3, "ci_high": 15.7, "n": 18068})
    'NPS is +14.5 (95% CI +13.3 to +15.7, n = 18,068).'
    >>> describe_score("ces", {"score": 3.4031, "ci_low": 3.3985, "ci_high": 3.4088, "n": 250000})
    'CES mean score is 3.403 (95% CI 3.398 to 3.409, n = 250,000).'
    """
    if row["n"] == 0 or _nan(row["score"]):
        return f"{metric_label(metric)}: no answers in this selection."
    estimate = fmt_estimate(metric, row["score"], row["ci_low"], row["ci_high"], style="words", n=row["n"], ci=ci)
    return f"{metric_label(metric)} is {estimate}."


def describe_change(metric: str, row, alpha: float = 0.05, ci: float = 0.95) -> str:
    """One sentence for a compare() row (period vs previous, or segment vs reference).

    Examples
    --------
    >>> describe_change("csat", {"period": "2025-03", "reference": "2025-02", "change": 5.2, "p": 0.0002,
    ...                          "ci_low": 2.5, "ci_high": 7.9})
    'In 2025-03 CSAT (top-box %) rose by 5.2 pp against 2025-02 (95% CI +2.5 pp to +7.9 pp, p < 0.001):
    statistically significant.'
    """
    if _nan(row.get("change")):
        return f"{metric_label(metric)}: no change can be computed (a period or group has no answers)."
    verb = "rose" if row["change"] > 0 else "fell" if row["change"] < 0 else "was unchanged"
    where = f"In {row['period']} " if "period" in row and row.get("period") not in (None, "all") else ""
    size = fmt_change(metric, abs(row["change"])).lstrip("+")
    return (
        f"{where}{metric_label(metric)} {verb} by {size} against {row['reference']} "
        f"({ci_text(ci)} {fmt_change(metric, row['ci_low'])} to {fmt_change(metric, row['ci_high'])}, "
        f"{fmt_p(row['p'])}): "
        f"{significance(row['p'], alpha)}."
    )


#: how the report header names each notebook parameter (issue 28: words, not code)
PARAMETER_LABELS = {
    "segment": "Segment", "segment_column": "Segment column", "start": "From", "end": "To", "metric": "Metric",
    "metrics": "Metrics", "freq": "Periods", "target": "Target", "rolling": "Rolling average over",
    "facet_by": "Panels by", "weights": "Weights", "alpha": "Significance level", "ci": "Confidence level",
    "min_n": "Minimum answers", "privacy_min_n": "Privacy threshold", "drivers": "Drivers", "outcome": "Outcome",
    "outcomes": "Outcome", "controls": "Controls", "method": "Method", "breakdown": "Breakdown",
    "heat_metric": "Heatmap metric", "items": "Items", "text": "Comment column", "learn_from": "Sentiment learned from",
    "campaign": "Campaign", "design": "Design", "by": "By", "features": "Features", "model": "Model",
    "components": "Components", "folds": "Folds", "group": "Group", "control": "Control",
}
_FORMULA_NAME = re.compile(r"""Q\(\s*(['"])(.*?)\1\s*\)""")


def _term_words(term: str) -> str:
    """``C(Q('Internet Type'))`` -> ``Internet Type``; ``np.log(x)`` -> ``log(x)``; a metric -> its short name."""
    text = _FORMULA_NAME.sub(lambda m: m.group(2), str(term).strip())
    while True:
        m = re.fullmatch(r"C\((.*?)(?:,\s*[^()]*)?\)", text)
        if not m:
            break
        text = m.group(1).strip()
    text = re.sub(r"^np\.", "", text)
    score = SCORES.get(text) if isinstance(text, str) else None
    return score.name if score is not None else text


def value_words(value: Any, *, name: str = "") -> str:
    """A parameter's value as a reader would write it: no lists, ``None``, ``True``, ``C(...)`` or ``Q('...')``.

    Examples
    --------
    >>> value_words([], name="drivers"), value_words(["csat"]), value_words(True), value_words(0.05)
    ('none', 'CSAT', 'yes', '0.05')
    >>> value_words("C(Q('Internet Type')) + tenure", name="controls")
    'Internet Type, tenure'
    """
    if value is None or (isinstance(value, (list, tuple, set)) and not value):
        return "none"
    if hasattr(value, "weights_for"):
        return "raked to the customer base"
    if hasattr(value, "reason") and hasattr(value, "freq"):  # a cells.PeriodChoice
        return str(value.reason)
    if isinstance(value, bool):
        if value is False and name == "weights":
            return "unweighted"
        if value is False and name in ("target", "facet_by", "breakdown", "freq"):
            return "none"
        return "yes" if value else "no"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(value_words(v, name=name) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value)
    if name in ("controls", "drivers", "features", "formula") or "Q(" in text or "C(" in text:
        return ", ".join(_term_words(t) for t in re.split(r"\s*\+\s*", text) if t.strip())
    if name == "freq" and text in ("D", "W", "M", "Q", "Y"):
        return {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "Y": "yearly"}[text]
    return _term_words(text)


def parameter_words(parameters: Mapping[str, Any], *, skip: Sequence[str] = ("title",)) -> list[tuple[str, str]]:
    """The report header's parameters in words: ``[("Drivers", "none"), ("Outcome", "CSAT"), ...]``.

    Parameters left at ``None`` (taken from the schema, or unused) are left
    out, except those whose emptiness a reader needs to know (drivers,
    controls, outcome); text is never a Python list, ``None``, ``True``,
    a formula ``C(...)`` or a quoted name ``Q('...')``.

    Examples
    --------
    >>> parameter_words({"drivers": [], "outcomes": ["csat"], "controls": "C(Q('Internet Type'))", "segment": None})
    [('Drivers', 'none'), ('Outcome', 'CSAT'), ('Controls', 'Internet Type')]
    """
    out = []
    for key, value in parameters.items():
        if key in skip or (isinstance(value, str) and value == ""):
            continue
        if value is None and key not in ("drivers", "controls", "outcome", "outcomes"):
            continue
        label = PARAMETER_LABELS.get(key, key.replace("_", " ").capitalize())
        out.append((label, value_words(value, name=key)))
    return out
