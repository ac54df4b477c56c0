"""Scores over time: intervals, changes that are real, control limits, targets.

:func:`trend` returns one row per period (and segment) with the
:func:`~csat_analysis.summarize` columns, the change against the previous
period with its p-value and Benjamini-Hochberg adjusted p-value, a
year-over-year change, Shewhart control limits and a ``flag`` naming why a
period stands out.  :func:`trend_digest` turns it into plain sentences.

Control limits (Montgomery, *Introduction to Statistical Quality Control*):

* shares (``csat``, ``ces_top``): a p-chart, centre ``p̄ = Σx/Σn`` over the
  periods, limits ``p̄ ± 3 sqrt(p̄(1 - p̄)/n_t)`` with each period's (effective) n;
* ``nps``: the same idea on the trinomial coding, ``NPS̄ ± 3·100·sqrt(V̄/n_t)``
  with ``V̄ = p̄ + d̄ - (p̄ - d̄)²``;
* means (``csat_mean``, ``ces``): an individuals (XmR) chart of the period
  means, centre their mean, limits ``± 2.66 × mean moving range``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._utils import as_list, check_argument, require_columns
from .exceptions import DataError, ParameterError
from .metrics import (
    _FIELDS,
    FREQS,
    METRICS,
    SUMMARY_COLUMNS,
    _difference,
    _estimate,
    _grouped_stats,
    _nps_parts,
    _Stats,
    bh_adjust,
    metric_label,
    period_start,
)
from .narrative import fmt_change, fmt_p, fmt_score

__all__ = ["trend", "trend_digest", "trend_report", "TrendReport", "TREND_COLUMNS", "FLAGS"]

TREND_COLUMNS = SUMMARY_COLUMNS + ["change", "change_p", "change_p_adj", "flag", "period_start", "partial",
                                   "yoy_change", "yoy_p", "center", "lcl", "ucl", "rolling_score", "target"]
FLAGS = ("significant_change", "outside_control_limits", "below_target", "low_n")
_YEAR = {"W": 52, "M": 12, "Q": 4, "Y": 1}
_QUARTER = {"W": 13, "M": 3, "Q": 1, "Y": 1}


def _shift(idx: np.ndarray, group: np.ndarray, lag: int) -> np.ndarray:
    """Index of the row ``lag`` periods earlier in the same group, or -1."""
    prev = np.full(len(idx), -1)
    if lag < len(idx):
        same = group[lag:] == group[:-lag]
        prev[lag:][same] = idx[:-lag][same]
    return prev


def _control_limits(st: _Stats, score: np.ndarray, group: np.ndarray):
    centre = np.full(len(score), np.nan)
    lcl = np.full(len(score), np.nan)
    ucl = np.full(len(score), np.nan)
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        s = st.take(rows)
        ne = s.n_eff
        with np.errstate(divide="ignore", invalid="ignore"):
            if s.kind == "share":
                pbar = s.s1.sum() / s.sw.sum() if s.sw.sum() > 0 else np.nan
                sigma = np.sqrt(pbar * (1 - pbar) / ne)
                c, lo, hi = 100 * pbar, 100 * np.clip(pbar - 3 * sigma, 0, 1), 100 * np.clip(pbar + 3 * sigma, 0, 1)
            elif s.kind == "nps":
                p, d, _ = _nps_parts(s.pooled())
                v = p[0] + d[0] - (p[0] - d[0]) ** 2
                sigma = 100 * np.sqrt(v / ne)
                c = 100 * (p[0] - d[0])
                lo, hi = np.clip(c - 3 * sigma, -100, 100), np.clip(c + 3 * sigma, -100, 100)
            else:
                x = score[rows]
                ok = ~np.isnan(x)
                c = x[ok].mean() if ok.any() else np.nan
                mr = np.abs(np.diff(x[ok])).mean() if ok.sum() > 1 else np.nan
                lo, hi = c - 2.66 * mr, c + 2.66 * mr
        empty = ~(s.n > 0)
        centre[rows] = c
        lcl[rows] = np.where(empty, np.nan, lo)
        ucl[rows] = np.where(empty, np.nan, hi)
    return centre, lcl, ucl


def _rolling(st: _Stats, group: np.ndarray, window: int, ci: float) -> np.ndarray:
    """Score pooled over the last ``window`` periods (sums of sufficient statistics, not mean of means)."""
    fields = _FIELDS
    out = {f: np.zeros(len(group)) for f in fields}
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        for f in fields:
            out[f][rows] = pd.Series(getattr(st, f)[rows]).rolling(window, min_periods=window).sum().to_numpy()
    pooled = _Stats(st.kind, *(np.nan_to_num(out[f]) for f in fields))
    score = _estimate(pooled, ci)["score"]
    incomplete = np.isnan(out["n"])
    return np.where(incomplete, np.nan, score)


def trend(
    data: pd.DataFrame,
    *,
    metric: str,
    freq: str = "M",
    by: str | Sequence[str] | None = None,
    rolling: int | None = None,
    target: float | None = None,
    weights: str | None = None,
    ci: float = 0.95,
    alpha: float = 0.05,
    min_n: int = 30,
    date: str = "date",
    privacy_min_n: int | None = None,
) -> pd.DataFrame:
    """A metric over time, with intervals, changes, control limits and flags.

    Parameters
    ----------
    data : DataFrame
        Canonical responses with a ``date`` column.
    metric : {"csat", "csat_mean", "nps", "ces", "ces_top"}
    freq : {"W", "M", "Q", "Y"}
        Period length (weeks start on Monday, labelled ISO ``2024-W05``).
    by : str or list, optional
        Segment column(s): one series per segment.
    rolling : int, optional
        Also compute the score pooled over the last ``rolling`` periods.
    target : float, optional
        Target in the metric's units (e.g. 80 for CSAT 80%); periods below it
        are flagged ``below_target``.
    weights, ci, min_n : see :func:`~csat_analysis.summarize`.
    alpha : float
        Level for ``significant_change`` (on the BH-adjusted p-value).
    privacy_min_n : int, optional
        For shared reports: periods with fewer responses get NaN scores, and
        every change or year-on-year change *against* such a period is NaN
        too (else the small period's score could be recovered from its
        neighbour's score and change).  The digest is written after this.

    Returns
    -------
    DataFrame
        ``[<by>], period, metric, n, n_eff, score, se, ci_low, ci_high, low_n,
        change, change_p, change_p_adj, flag, period_start, partial,
        yoy_change, yoy_p, center, lcl, ucl, rolling_score, target``.
        Every period between the first and the last appears; periods without
        answers have ``n = 0`` and NaN scores (gaps, not zeros).  ``partial``
        marks a first or last period that the data covers only in part.
        ``flag`` joins the reasons a period stands out
        (``significant_change``, ``outside_control_limits``,
        ``below_target``, ``low_n``), empty when none.  Notes (e.g. a single
        period) are in ``table.attrs["notes"]`` and the plain-language digest
        in ``table.attrs["digest"]``.

    Notes
    -----
    ``change`` compares each period with the one before (Newcombe / score
    test for shares, Welch t for means, adjusted-variance z for NPS; see
    :func:`~csat_analysis.compare`); ``yoy_change`` the same period a year
    earlier.  Control limits: see the module docstring.

    Examples
    --------
    >>> df = pd.DataFrame({"date": pd.to_datetime(["2024-01-05"] * 40 + ["2024-03-10"] * 40),
    ...                    "csat": [5] * 30 + [2] * 10 + [5] * 10 + [2] * 30})
    >>> t = trend(df, metric="csat", freq="M")
    >>> t[["period", "n", "score", "change", "flag"]]
        period   n  score  change                                       flag
    0  2024-01  40   75.0     NaN                     outside_control_limits
    1  2024-02   0    NaN     NaN                                      low_n
    2  2024-03  40   25.0     NaN                     outside_control_limits
    """
    check_argument("metric", list(METRICS), metric)
    check_argument("freq", list(FREQS), freq)
    by = as_list(by)
    require_columns(data, by, "segment column")
    if date not in data.columns:
        raise ParameterError(
            f"A trend needs a date column, but the data has no {date!r} column; map one under columns.date in the schema."
        )
    if not pd.api.types.is_datetime64_any_dtype(data[date]) or data[date].notna().sum() == 0:
        raise DataError(
            f"Column {date!r} holds no usable dates; load the file with load_responses and check the date format "
            "in the schema (columns.date.format or dayfirst)."
        )
    if rolling is not None and (not isinstance(rolling, int) or rolling < 2):
        raise ParameterError(f"The value for `rolling` must be a whole number of periods of at least 2, not {rolling!r}.")
    grouped, st = _grouped_stats(data, [metric], by, freq, date, weights, fill_periods=True)
    st = st[metric]
    est = _estimate(st, ci)
    keys = grouped.keys
    out = keys[by + ["period"]].copy()
    out["metric"] = metric
    out["n"] = st.n.astype(np.int64)
    out["n_eff"] = st.n_eff
    for k in ("score", "se", "ci_low", "ci_high"):
        out[k] = est[k]
    out["low_n"] = out["n"] < min_n

    group = np.zeros(len(out), dtype=np.int64)
    for col in by:
        group = group * (len(keys[col].cat.categories) + 1) + np.asarray(keys[col].cat.codes)
    idx = np.arange(len(out))
    notes: list[str] = []

    def diff(lag):
        prev = _shift(idx, group, lag)
        change = np.full(len(out), np.nan)
        p = np.full(len(out), np.nan)
        rows = np.flatnonzero(prev >= 0)
        if len(rows):
            d = _difference(st.take(rows), st.take(prev[rows]), ci)
            change[rows], p[rows] = d["change"], d["p"]
        return change, p

    out["change"], out["change_p"] = diff(1)
    out["change_p_adj"] = bh_adjust(out["change_p"].to_numpy())
    out["yoy_change"], out["yoy_p"] = diff(_YEAR[freq])
    if np.isnan(out["change"].to_numpy()).all():
        notes.append("Only one period with answers: changes between periods cannot be computed.")
    out["center"], out["lcl"], out["ucl"] = _control_limits(st, out["score"].to_numpy(), group)
    out["rolling_score"] = _rolling(st, group, rolling, ci) if rolling else np.nan
    out["target"] = np.nan if target is None else float(target)
    if privacy_min_n is not None:
        small = out["n"].to_numpy() < privacy_min_n
        for col in ("score", "se", "ci_low", "ci_high", "rolling_score"):
            out[col] = out[col].mask(small)
        for lag, cols in ((1, ("change", "change_p", "change_p_adj")), (_YEAR[freq], ("yoy_change", "yoy_p"))):
            prev = _shift(idx, group, lag)
            against = small | ((prev >= 0) & small[np.maximum(prev, 0)])
            for col in cols:
                out[col] = out[col].mask(against)

    starts = [period_start(c, freq) for c in keys["_pcode"]]
    out["period_start"] = pd.to_datetime(starts)
    first, last = data[date].min(), data[date].max()
    next_start = [period_start(c + 1, freq) for c in keys["_pcode"]]
    out["partial"] = (
        ((out["period_start"] == out["period_start"].min()) & (first.normalize() > out["period_start"]))
        | ((out["period_start"] == out["period_start"].max())
           & (last.normalize() < pd.to_datetime(next_start) - pd.Timedelta(days=1)))
    ).to_numpy()

    flags = []
    for row in out.itertuples(index=False):
        f = []
        if row.change_p_adj < alpha:
            f.append("significant_change")
        if row.n > 0 and (row.score < row.lcl or row.score > row.ucl):
            f.append("outside_control_limits")
        if target is not None and row.score < target:
            f.append("below_target")
        if row.low_n:
            f.append("low_n")
        flags.append(",".join(f))
    out["flag"] = flags
    out = out[by + TREND_COLUMNS].reset_index(drop=True)
    out.attrs["notes"] = notes
    out.attrs["digest"] = _digest(out, st, group, metric, freq, by, target, alpha, ci)
    return out


def _digest(out, st, group, metric, freq, by, target, alpha, ci) -> list[str]:
    sentences: list[str] = []
    label = metric_label(metric)
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        t = out.iloc[rows]
        who = " ".join(f"{t[c].iloc[0]}" for c in by) + ": " if by else ""
        cap = (lambda text: text[0].lower() + text[1:]) if by else (lambda text: text)
        valid = t[(t["n"] > 0) & t["score"].notna()]
        if valid.empty:
            continue
        cur = valid.iloc[-1]
        s = (f"{who}{label} was {fmt_score(metric, cur['score'])} in {cur['period']} "
             f"(95% CI {fmt_score(metric, cur['ci_low'])} to {fmt_score(metric, cur['ci_high'])}, n = {int(cur['n']):,})")
        if cur["partial"]:
            s += ", a period not yet complete"
        if target is not None:
            gap = cur["score"] - target
            if cur["ci_low"] > target:
                s += f"; above the target of {fmt_score(metric, target)} ({fmt_change(metric, gap)}, the whole interval clears it)"
            elif cur["ci_high"] < target:
                s += f"; below the target of {fmt_score(metric, target)} ({fmt_change(metric, gap)}, the whole interval falls short)"
            else:
                s += f"; not distinguishable from the target of {fmt_score(metric, target)} (the interval includes it)"
        sentences.append(s + ".")
        sig = t[t["change_p_adj"] < alpha]
        if len(sig):
            big = sig.loc[sig["change"].abs().idxmax()]
            sentences.append(
                f"{who}{cap('The')} largest significant change was in {big['period']}: {fmt_change(metric, big['change'])} "
                f"against the period before ({fmt_p(big['change_p_adj'])} after adjusting for "
                f"{int(t['change_p'].notna().sum())} comparisons)."
            )
        else:
            sentences.append(f"{who}{cap('No')} change between consecutive periods is statistically significant after "
                             "adjusting for multiple comparisons.")
        k = _QUARTER[freq]
        if freq in ("W", "M") and len(rows) >= 2 * k:
            last, prev = rows[-k:], rows[-2 * k:-k]
            d = _difference(st.pooled(last), st.pooled(prev), ci)
            if not np.isnan(d["change"][0]):
                verb = "up" if d["change"][0] > 0 else "down"
                sig_word = "a statistically significant" if d["p"][0] < alpha else "not a statistically significant"
                sentences.append(
                    f"{who}{cap('Over')} the last quarter ({t['period'].iloc[-k]} to {t['period'].iloc[-1]}) {label} was "
                    f"{verb} {fmt_change(metric, abs(d['change'][0])).lstrip('+')} on the quarter before: "
                    f"{sig_word} change ({fmt_p(d['p'][0])})."
                )
    if out.attrs.get("notes"):
        sentences += out.attrs["notes"]
    return sentences


def trend_digest(table: pd.DataFrame) -> list[str]:
    """The plain-language digest of a :func:`trend` table (largest significant change, value vs
    target, direction over the last quarter)."""
    return list(table.attrs.get("digest") or [])


class TrendReport:
    """What the ``trends`` notebook shows: the trend table, its digest, plots and a table.

    Built by :func:`trend_report`; an empty selection yields a report that says so.
    """

    def __init__(self, data: pd.DataFrame, table: pd.DataFrame | None, facets: pd.DataFrame | None,
                 weekly: pd.DataFrame | None, metric: str, facet_by: str | None, target: float | None,
                 privacy_min_n: int, message: str | None = None) -> None:
        self.data, self.table, self.facets, self.weekly = data, table, facets, weekly
        self.metric, self.facet_by, self.target = metric, facet_by, target
        self.privacy_min_n, self.message = privacy_min_n, message

    def sentences(self) -> list[str]:
        if self.table is None:
            return [self.message or "No responses match this selection, so there is no trend to show."]
        return trend_digest(self.table)

    def headline_values(self) -> dict[str, str]:
        if self.table is None:
            return {"Responses": f"{len(self.data):,}"}
        valid = self.table[self.table["score"].notna()]
        if valid.empty:
            return {"Responses": f"{len(self.data):,}"}
        cur = valid.iloc[-1]
        return {"Responses": f"{len(self.data):,}",
                f"{metric_label(self.metric)} ({cur['period']})": fmt_score(self.metric, cur["score"]),
                "Significant changes": str(int(self.table["flag"].str.contains("significant_change").sum()))}

    def plot(self):
        from .plots import plot_trend

        ax = plot_trend(self._public(self.table), target=self.target) if self.table is not None else None
        if ax is not None:
            ax.set_title(f"{metric_label(self.metric)} by period", loc="left", fontsize=11)
        return ax

    def plot_facets(self):
        from .plots import plot_trend_facets

        if self.facets is None:
            return None
        return plot_trend_facets(self._public(self.facets), by=self.facet_by, target=self.target)

    def plot_calendar(self):
        from .plots import plot_calendar

        if self.weekly is None:
            return None
        ax = plot_calendar(self._public(self.weekly))
        ax.set_title(f"{metric_label(self.metric)} by week", loc="left", fontsize=11)
        return ax

    def table_html(self):
        from .report import note, table_html

        if self.table is None:
            return note(self.message or "No responses match this selection.")
        t = self._public(self.table).copy()
        m = self.metric
        for col in ("score", "ci_low", "ci_high"):
            t[col + "_f"] = [fmt_score(m, v) for v in t[col]]
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
        from .metrics import apply_privacy

        return apply_privacy(table, privacy_min_n=self.privacy_min_n)


def trend_report(
    data: pd.DataFrame,
    *,
    metric: str = "csat",
    freq: str = "M",
    facet_by: str | None = None,
    target: float | None = None,
    rolling: int | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    min_n: int = 30,
    privacy_min_n: int = 5,
) -> TrendReport:
    """Compute the ``trends`` notebook: the trend, per-segment trends (``facet_by``) and weekly calendar."""
    check_argument("metric", list(METRICS), metric)
    if len(data) == 0 or "date" not in data or data["date"].notna().sum() == 0:
        msg = None if len(data) == 0 else "The data has no usable dates, so no trend can be drawn."
        return TrendReport(data, None, None, None, metric, facet_by, target, privacy_min_n, msg)
    kw = dict(metric=metric, target=target, weights=weights, alpha=alpha, min_n=min_n, privacy_min_n=privacy_min_n)
    table = trend(data, freq=freq, rolling=rolling, **kw)
    facets = None
    if facet_by and facet_by in data and data[facet_by].nunique() > 1:
        facets = trend(data, freq=freq, by=facet_by, **kw)
    weekly = table if freq == "W" else trend(data, freq="W", **kw)
    return TrendReport(data, table, facets, weekly, metric, facet_by if facets is not None else None, target,
                       privacy_min_n)
