"""A score against outside references: industry benchmarks, competitors, rules of thumb (issue 29 §5).

The schema's ``benchmarks:`` key lists references per metric::

    benchmarks:
      csat:
        - {value: 80, label: "Rule of thumb", source: "CSAT guides"}
        - {value: 77, label: "Industry index 2025", scale: "0-100 index"}

:func:`compare_to_benchmarks` tests the score against each comparable
benchmark as a fixed value (one sample; weighted when the report is):

* top-box shares (``csat``, ``ces_top``): the score test ``z = (p - p0) /
  sqrt(p0 (1 - p0) / n)``, the test that inverts the Wilson interval the
  reports print (the benchmark is outside the interval exactly when
  ``p < alpha``); weighted: at ``n*``, the count whose binomial variance
  equals the linearization variance (as the printed interval);
* NPS: the adjusted-Wald z of Rocks (2016), ``z = (A - nps0) / sqrt(V' / n')``
  on the adjusted values the printed interval uses;
* means (``csat_mean``, ``ces``): one-sample t on the (weighted) SE with
  ``n_eff - 1`` degrees of freedom.

A benchmark whose definition differs from the metric's (an index rather
than a share, another scale, another top box) is **not tested**: it is
drawn for orientation and ``reason`` says why.  Benchmarks are outside
references; ``targets:`` (your own goals, flagged per period) are separate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, stdtr  # not scipy.stats: 1 s of import for two tail areas

from .exceptions import ParameterError
from .metrics import estimate, nps_adjusted_values, scale_of
from .narrative import fmt_p, fmt_score
from .registry import METRICS, check_metrics
from .responses import schema_of
from .schema.spec import Benchmark, parse_benchmarks

__all__ = ["Benchmark", "BENCHMARK_COLUMNS", "as_benchmarks", "compare_to_benchmarks", "benchmark_lines"]

BENCHMARK_COLUMNS = ["metric", "label", "source", "benchmark", "scale", "comparable", "reason", "n", "score", "ci_low",
                     "ci_high", "difference", "test", "statistic", "p_value", "verdict"]


def as_benchmarks(raw: Any, *, origin: str = "benchmarks") -> dict[str, tuple[Benchmark, ...]]:
    """``{metric: [{value, label, source, scale?}, ...]}`` as :class:`Benchmark` tuples, checked.

    The schema's parser (:func:`csat_analysis.schema.spec.parse_benchmarks`) with
    :class:`~csat_analysis.exceptions.ParameterError` for arguments.

    Examples
    --------
    >>> as_benchmarks({"csat": [{"value": 80, "label": "Rule of thumb"}]})
    {'csat': (Benchmark(value=80.0, label='Rule of thumb', source=None, scale=None),)}
    """
    return parse_benchmarks(raw, origin=origin, error=ParameterError)


# --------------------------------------------------------------------------- comparability

_RANGE = re.compile(r"(-?\d+(?:\.\d+)?)\s*(?:-|–|to)\s*(-?\d+(?:\.\d+)?)")
_TOP = re.compile(r"top[\s-]*(\d+|one|two|three)?[\s-]*(?:box|boxes)?", re.IGNORECASE)
_WORDS = {"one": 1, "two": 2, "three": 3}


def _definition(data, metric: str) -> tuple[int, int, int]:
    lo, hi, top = scale_of(data, METRICS[metric].column)
    return lo, hi, top


def comparability(metric: str, bench: Benchmark, *, scale: tuple[int, int, int]) -> tuple[bool, str]:
    """Whether ``bench`` measures what ``metric`` does on this export's scale, and why not.

    ``scale`` is ``(low, high, top_box)`` of the metric's score column.  A
    benchmark without ``scale`` is taken to be defined like the metric.

    Examples
    --------
    >>> comparability("csat", Benchmark(77, "Index", scale="0-100 index"), scale=(1, 5, 4))
    (False, 'an index on 0-100, not a share of customers')
    >>> comparability("csat", Benchmark(60, "Peers", scale="top box %"), scale=(1, 5, 4))
    (False, 'top-1 box, not the top-2 box this report counts')
    >>> comparability("csat", Benchmark(80, "Rule of thumb"), scale=(1, 5, 4))
    (True, '')
    """
    text = (bench.scale or "").strip().lower()
    kind = METRICS[metric].kind
    lo, hi, top_box = scale
    if not text:
        return True, ""
    rng = _RANGE.search(text)
    if "index" in text:
        return False, "an index" + (f" on {rng.group(1)}-{rng.group(2)}" if rng else "") + ", not " + (
            "a share of customers" if kind == "share" else "the net promoter score" if kind == "nps"
            else "a mean score")
    if kind == "share":
        top = _TOP.search(text)
        if top is not None:
            word = top.group(1)
            boxes = 1 if word is None else int(_WORDS.get(word, word))
            if boxes != hi - top_box + 1:
                return False, f"top-{boxes} box, not the top-{hi - top_box + 1} box this report counts"
        if rng is not None and (float(rng.group(1)), float(rng.group(2))) not in ((lo, hi), (0, 100)):
            return False, f"another scale ({rng.group(1)}-{rng.group(2)}, not {lo}-{hi})"
        if top is None and rng is None and "%" not in text and "percent" not in text and "share" not in text:
            return False, f"scale {bench.scale!r} is not a top-box share; write e.g. 'top-2 box %'"
        return True, ""
    if kind == "nps":
        if rng is not None and (float(rng.group(1)), float(rng.group(2))) not in ((0, 10), (-100, 100)):
            return False, f"another scale ({rng.group(1)}-{rng.group(2)}, not the 0-10 likelihood to recommend)"
        return True, ""
    if rng is None:
        return False, f"scale {bench.scale!r} does not say the range; write e.g. '{lo}-{hi}'"
    if (float(rng.group(1)), float(rng.group(2))) != (lo, hi):
        return False, f"another scale ({rng.group(1)}-{rng.group(2)}, not {lo}-{hi})"
    return True, ""


# --------------------------------------------------------------------------- the test


def _test(metric: str, est, value: float) -> tuple[str, float, float]:
    """(test, statistic, two-sided p) of the score against the fixed ``value`` (metric units)."""
    kind = METRICS[metric].kind
    if kind == "share":
        p, p0 = est.score / 100, value / 100
        if not 0 < p0 < 1:
            return "score test", math.nan, (0.0 if p != p0 else 1.0)
        var = (est.se / 100) ** 2
        n_star = p * (1 - p) / var if var > 0 else est.n_eff  # the printed Wilson interval's count
        z = (p - p0) / math.sqrt(p0 * (1 - p0) / n_star)
        return "score test (Wilson)", float(z), float(2 * ndtr(-abs(z)))
    if kind == "nps":
        p, d = est.shares["promoters"] / 100, est.shares["detractors"] / 100
        unit = p + d - (p - d) ** 2
        var = (est.se / 100) ** 2
        n_star = unit / var if var > 0 else est.n_eff
        a, v, n_adj = nps_adjusted_values(p, d, n_star)
        z = (float(a) - value) / math.sqrt(float(v) / float(n_adj))
        return "adjusted-Wald z", float(z), float(2 * ndtr(-abs(z)))
    t = (est.score - value) / est.se if est.se > 0 else math.nan
    df = max(est.n_eff - 1, 1)
    return "one-sample t", float(t), float(2 * stdtr(df, -abs(t))) if np.isfinite(t) else math.nan


def _fmt_value(metric: str, value: float) -> str:
    """A benchmark as written in the schema, in the metric's units: ``80%``, ``+30``, ``4.2``."""
    m = METRICS[metric]
    return f"{value:g}%" if m.percent else f"{value:+g}" if m.signed else f"{value:g}"


def _name(label: str) -> str:
    """"Rule of thumb" -> "rule of thumb" (keep acronyms and proper names' capitals after the first word)."""
    return label[:1].lower() + label[1:] if label[:2].isupper() is False and label[:1].isupper() else label


def compare_to_benchmarks(
    data: pd.DataFrame,
    *,
    benchmarks: Mapping[str, Any] | None = None,
    metrics: Any = None,
    weights: Any = None,
    ci: float = 0.95,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The score against each benchmark: difference, a one-sample test against the fixed value, the verdict.

    Parameters
    ----------
    data : DataFrame
        The canonical responses table (or selection).
    benchmarks : mapping, optional
        ``{metric: [{value, label, source, scale?}]}``; default the schema's
        ``benchmarks:`` key.
    metrics : str or list of str, optional
        Restrict to these metrics (default every metric with a benchmark
        and a score column in ``data``).
    weights : str or RakeResult, optional
        As in :func:`~csat_analysis.summarize`; the test is then weighted.
    ci, alpha : float
        Confidence level of the interval; significance level of the verdict.

    Returns
    -------
    DataFrame
        ``metric, label, source, benchmark, scale, comparable, reason, n,
        score, ci_low, ci_high, difference, test, statistic, p_value,
        verdict``: one row per benchmark.  Incomparable benchmarks have no
        test (NaN) and ``reason`` says why; ``verdict`` is a sentence.

    Notes
    -----
    See the module docstring for the tests.  The verdict says "above" or
    "below" when ``p < alpha`` (for shares: the benchmark lies outside the
    printed Wilson interval), else "not distinguishable from".

    Examples
    --------
    >>> frame = pd.DataFrame({"csat": [5] * 70 + [4] * 4 + [2] * 26})
    >>> t = compare_to_benchmarks(frame, benchmarks={"csat": [{"value": 80, "label": "Rule of thumb"}]})
    >>> t["verdict"].iloc[0]
    'CSAT 74.0% (95% CI 64.6–81.6) is not distinguishable from the 80% rule of thumb (p = 0.134).'
    """
    if benchmarks is None:
        benchmarks = schema_of(data).get("benchmarks") or {}
    bench = as_benchmarks(benchmarks)
    wanted = check_metrics(metrics) if metrics is not None else list(bench)
    rows = []
    for metric in wanted:
        items = bench.get(metric, ())
        if not items or METRICS[metric].column not in data:
            continue
        scale = _definition(data, metric)
        est = estimate(metric, data, weights=weights, ci=ci) if len(data) else None
        short = METRICS[metric].short if METRICS[metric].kind != "share" else METRICS[metric].label.split(" (")[0]
        for b in items:
            ok, reason = comparability(metric, b, scale=scale)
            row = {"metric": metric, "label": b.label, "source": b.source, "benchmark": b.value, "scale": b.scale,
                   "comparable": ok, "reason": reason, "n": 0 if est is None else est.n,
                   "score": np.nan, "ci_low": np.nan, "ci_high": np.nan, "difference": np.nan, "test": None,
                   "statistic": np.nan, "p_value": np.nan}
            if est is None or est.n == 0 or not np.isfinite(est.score):
                row["verdict"] = f"No {short} score in this selection to compare with {b.label}."
                rows.append(row)
                continue
            row.update(score=est.score, ci_low=est.ci_low, ci_high=est.ci_high)
            sep = " to " if METRICS[metric].signed else "–"
            low, high = (fmt_score(metric, v).rstrip("%") for v in (est.ci_low, est.ci_high))
            score_txt = f"{short} {fmt_score(metric, est.score)} ({ci:.0%} CI {low}{sep}{high})"
            bench_txt = _fmt_value(metric, b.value) if ok else f"{b.value:g}"
            if not ok:
                row["verdict"] = (f"{short} {fmt_score(metric, est.score)} is not tested against {b.label} "
                                  f"({bench_txt}{', ' + b.scale if b.scale else ''}): {reason}.")
                rows.append(row)
                continue
            test, statistic, p = _test(metric, est, b.value)
            row.update(difference=est.score - b.value, test=test, statistic=statistic, p_value=p)
            if np.isfinite(p) and p < alpha:
                side = "above" if est.score > b.value else "below"
                row["verdict"] = f"{score_txt} is {side} the {bench_txt} {_name(b.label)} ({fmt_p(p)})."
            else:
                row["verdict"] = (f"{score_txt} is not distinguishable from the {bench_txt} {_name(b.label)} "
                                  f"({fmt_p(p)}).")
            rows.append(row)
    return pd.DataFrame(rows, columns=BENCHMARK_COLUMNS)


def benchmark_lines(data: pd.DataFrame, metric: str, *, benchmarks: Mapping[str, Any] | None = None) -> list[dict]:
    """Reference lines for a chart of ``metric``: ``[{value, label, comparable}]`` (incomparable ones dashed grey).

    Examples
    --------
    >>> benchmark_lines(pd.DataFrame({"csat": [5, 4]}), "csat",
    ...                 benchmarks={"csat": [{"value": 80, "label": "Rule of thumb"}]})
    [{'value': 80.0, 'label': 'Rule of thumb', 'comparable': True}]
    """
    if benchmarks is None:
        benchmarks = schema_of(data).get("benchmarks") or {}
    items = as_benchmarks(benchmarks).get(metric, ())
    if not items:
        return []
    scale = _definition(data, metric)
    return [{"value": b.value, "label": b.label, "comparable": comparability(metric, b, scale=scale)[0]}
            for b in items]
