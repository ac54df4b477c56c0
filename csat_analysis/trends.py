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

Large periods show ordinary month-to-month variation beyond sampling error
(overdispersion), and p-chart limits ``± 3 sqrt(p̄(1 - p̄)/n_t)`` then shrink
toward zero width and flag most periods.  Laney's (2002, *Quality
Engineering* 14(4)) p′ chart fixes this: with ``z_t = (score_t - centre) /
sigma_t`` and ``sigma_z = mean |z_t - z_(t-1)| / 1.128``, the limits become
``centre ± 3 sigma_t sigma_z``.  It is used (for shares and NPS) when
``sigma_z > 1`` on at least ``LANEY_MIN_PERIODS`` (12) non-empty periods;
otherwise the p-chart limits above apply.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._utils import as_list, check_argument, check_table, require_columns
from .cells import label_code, period_labeller, period_start
from .exceptions import DataError, ParameterError
from .metrics import (
    FREQS,
    METRICS,
    SUMMARY_COLUMNS,
    Stats,
    bh_adjust,
    grouped_stats,
    metric_label,
)
from .narrative import ci_text, displayed, fmt_change, fmt_p, fmt_score, interval_decimals

__all__ = ["trend", "trend_digest", "TREND_COLUMNS", "FLAGS"]

TREND_COLUMNS = SUMMARY_COLUMNS + ["change", "change_p", "change_p_adj", "flag", "period_start", "partial",
                                   "yoy_change", "yoy_p", "center", "lcl", "ucl", "rolling_score", "target"]
FLAGS = ("significant_change", "outside_control_limits", "below_target", "low_n")
_YEAR = {"M": 12, "Q": 4, "Y": 1}
_QUARTER = {"D": 91, "W": 13, "M": 3, "Q": 1, "Y": 1}
#: A period is partial when the data's date range covers less than this share of its days.
PARTIAL_COVERAGE = 0.8


def _shift(pcode: np.ndarray, group: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Index of the row of period code ``target`` (NaN: none) in the same group, or -1.

    Rows are grouped, and within a group hold consecutive period codes (every
    period from the first to the last), so the row is ``pcode - target`` rows earlier.
    """
    target = np.asarray(target, dtype=float)
    has = ~np.isnan(target)
    prev = np.arange(len(pcode)) - (pcode - np.where(has, target, pcode)).astype(np.int64)
    ok = has & (prev >= 0) & (prev < len(pcode))
    safe = np.where(ok, prev, 0)
    ok &= (group[safe] == group) & (pcode[safe] == target)
    return np.where(ok, prev, -1)


def _year_earlier(pcode: np.ndarray, freq: str) -> np.ndarray:
    """Period code of the same period a year earlier (NaN if there is no such period).

    Weeks: the same ISO week number of the previous ISO year (years have 52
    or 53 ISO weeks, so this is not a fixed lag; a week 53 has no match).
    """
    if freq == "D":  # days: no year-on-year comparison (a day is not a season)
        return np.full(len(pcode), np.nan)
    if freq != "W":
        return (pcode - _YEAR[freq]).astype(float)
    codes = np.unique(pcode)
    label = period_labeller("W")
    target = {}
    for c in codes:  # one per period, not per row
        year, week = label(c).split("-W")
        target[c] = label_code(f"{int(year) - 1:04d}-W{week}")[1]
    return np.array([target[c] for c in pcode], dtype=float)


def _coverage(period_start: pd.Series, next_start: pd.Series, first: pd.Timestamp, last: pd.Timestamp) -> np.ndarray:
    """Share of each period's days that fall between the dates ``first`` and ``last`` (inclusive)."""
    start = period_start.to_numpy(dtype="datetime64[D]")
    end = next_start.to_numpy(dtype="datetime64[D]")  # exclusive
    lo = np.maximum(start, np.datetime64(first.normalize().date(), "D"))
    hi = np.minimum(end, np.datetime64(last.normalize().date(), "D") + 1)
    days = (end - start).astype(np.int64)
    covered = np.clip((hi - lo).astype(np.int64), 0, None)
    return covered / np.maximum(days, 1)


def _date_range(data: pd.DataFrame, date: str, date_range) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(first, last)``: the given ``date_range`` (as Timestamps), else the data's own first and last date."""
    if date_range is None:
        return data[date].min(), data[date].max()
    try:
        first, last = (pd.Timestamp(d) for d in date_range)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"The value for `date_range` must be two dates (first, last), e.g. ('2021-01-01', '2021-12-31'), "
            f"but {date_range!r} was passed."
        ) from exc
    if pd.isna(first) or pd.isna(last) or first > last:
        raise ParameterError(f"The value for `date_range` must be two dates, the first not after the last, "
                             f"but {date_range!r} was passed.")
    return first.tz_localize(None) if first.tz else first, last.tz_localize(None) if last.tz else last


#: Laney p' limits need this many non-empty periods to estimate sigma_z from moving ranges
LANEY_MIN_PERIODS = 12


def _laney_sigma_z(score: np.ndarray, centre: float, sigma: np.ndarray, empty: np.ndarray) -> float:
    """Laney's sigma_z: mean moving range of the z-scores ``(score - centre)/sigma`` / 1.128 (1 when not estimable)."""
    ok = ~empty & (sigma > 0) & ~np.isnan(score)
    if ok.sum() < LANEY_MIN_PERIODS:
        return 1.0
    z = (score[ok] - centre) / sigma[ok]
    return float(np.abs(np.diff(z)).mean() / 1.128)


def _control_limits(st: Stats, score: np.ndarray, group: np.ndarray):
    """Centre line and 3-sigma limits per row (see the module docstring); Laney p' when overdispersed.

    Also returns the largest Laney ``sigma_z`` applied (1.0 when plain p-chart limits were used).
    """
    laney = 1.0
    centre = np.full(len(score), np.nan)
    lcl = np.full(len(score), np.nan)
    ucl = np.full(len(score), np.nan)
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        s = st.take(rows)
        ne = s.n_eff
        empty = ~(s.n > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if s.kind == "share":
                pbar = s.s1.sum() / s.sw.sum() if s.sw.sum() > 0 else np.nan
                sigma = 100 * np.sqrt(pbar * (1 - pbar) / ne)
                c = 100 * pbar
                z = max(_laney_sigma_z(score[rows], c, sigma, empty), 1.0)
                sigma, laney = sigma * z, max(laney, z)
                lo, hi = np.clip(c - 3 * sigma, 0, 100), np.clip(c + 3 * sigma, 0, 100)
            elif s.kind == "nps":
                p, d, _ = s.pooled().nps_parts()
                v = p[0] + d[0] - (p[0] - d[0]) ** 2
                sigma = 100 * np.sqrt(v / ne)
                c = 100 * (p[0] - d[0])
                z = max(_laney_sigma_z(score[rows], c, sigma, empty), 1.0)
                sigma, laney = sigma * z, max(laney, z)
                lo, hi = np.clip(c - 3 * sigma, -100, 100), np.clip(c + 3 * sigma, -100, 100)
            else:
                x = score[rows]
                ok = ~np.isnan(x)
                c = x[ok].mean() if ok.any() else np.nan
                mr = np.abs(np.diff(x[ok])).mean() if ok.sum() > 1 else np.nan
                lo, hi = c - 2.66 * mr, c + 2.66 * mr
        centre[rows] = c
        lcl[rows] = np.where(empty, np.nan, lo)
        ucl[rows] = np.where(empty, np.nan, hi)
    return centre, lcl, ucl, laney


def _rolling(st: Stats, group: np.ndarray, window: int, ci: float) -> np.ndarray:
    """Score pooled over the last ``window`` periods (sums of sufficient statistics, not mean of means)."""
    fields = Stats.FIELDS
    out = {f: np.zeros(len(group)) for f in fields}
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        for f in fields:
            out[f][rows] = pd.Series(getattr(st, f)[rows]).rolling(window, min_periods=window).sum().to_numpy()
    pooled = Stats(st.kind, *(np.nan_to_num(out[f]) for f in fields))
    score = pooled.estimate(ci)["score"]
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
    date_range: tuple | None = None,
) -> pd.DataFrame:
    """A metric over time, with intervals, changes, control limits and flags.

    Parameters
    ----------
    data : DataFrame
        Canonical responses with a ``date`` column.
    metric : {"csat", "csat_mean", "nps", "ces", "ces_top"}
    freq : {"D", "W", "M", "Q", "Y"}
        Period length (weeks start on Monday, labelled ISO ``2024-W05``).
    by : str or list, optional
        Segment column(s): one series per segment.
    rolling : int, optional
        Also compute the score pooled over the last ``rolling`` periods.
    target : float, optional
        Target in the metric's units (e.g. 80 for CSAT 80%); periods whose
        score, rounded as it is printed (:func:`~csat_analysis.narrative.displayed`),
        is below it are flagged ``below_target`` (a score printed as 15.0 is
        not below a target of 15).
    weights, ci, min_n : see :func:`~csat_analysis.summarize`.
    alpha : float
        Level for ``significant_change`` (on the BH-adjusted p-value).
    privacy_min_n : int, optional
        For shared reports: periods with fewer responses get NaN scores, and
        every change or year-on-year change *against* such a period is NaN
        too (else the small period's score could be recovered from its
        neighbour's score and change).  The digest is written after this.
    date_range : (first, last), optional
        Dates the export covers, against which the first and last periods are
        judged ``partial``; defaults to the first and last date in ``data``.
        Pass the whole export's range when ``data`` is one segment of it (a
        segment whose last answer came on 20 December of an export that runs
        to 31 December has a complete December).

    Returns
    -------
    DataFrame
        ``[<by>], period, metric, n, n_eff, score, se, ci_low, ci_high, low_n,
        change, change_p, change_p_adj, flag, period_start, partial,
        yoy_change, yoy_p, center, lcl, ucl, rolling_score, target``.
        Every period between the first and the last appears; periods without
        answers have ``n = 0`` and NaN scores (gaps, not zeros).  Periods are
        in chronological order within each segment.  ``partial`` marks a
        period of which the data's date range (``date_range``) covers less
        than 80% of the days (only the first and last period can be).
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
    earlier (for weeks, the same ISO week of the previous ISO year).
    Weeks are labelled by ISO year and week of their Monday (``period_start``):
    1 January 2021, a Friday, is in ``2020-W53``.  Control limits: see the
    module docstring.

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
    check_table(data, "trend")
    check_argument("metric", list(METRICS), metric)
    check_argument("freq", list(FREQS), freq)
    by = as_list(by)
    require_columns(data, by, "segment column")
    if date not in data.columns:
        raise ParameterError(
            f"A trend needs a date column, but the data has no {date!r} column; "
            "map one under columns.date in the schema."
        )
    remote = not isinstance(data, pd.DataFrame) and hasattr(data, "date_bounds")  # backends.WarehouseTable
    dates = data.date_bounds(date) if remote else data[date]  # for a warehouse table, its first and last day
    if not pd.api.types.is_datetime64_any_dtype(dates) or dates.notna().sum() == 0:
        raise DataError(
            f"Column {date!r} holds no usable dates; load the file with load_responses and check the date format "
            "in the schema (columns.date.format or dayfirst)."
        )
    if rolling is not None and (not isinstance(rolling, int) or rolling < 2):
        raise ParameterError("The value for `rolling` must be a whole number of periods of at least 2, "
                             f"not {rolling!r}.")
    first, last = _date_range(pd.DataFrame({date: dates}), date, date_range)
    grouped, st = grouped_stats(data, [metric], by, freq, date, weights, fill_periods=True)
    st = st[metric]
    est = st.estimate(ci)
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
    pcode = np.asarray(keys["_pcode"], dtype=np.int64)
    previous = {"change": _shift(pcode, group, pcode - 1), "yoy": _shift(pcode, group, _year_earlier(pcode, freq))}
    notes: list[str] = []

    def diff(prev):
        change = np.full(len(out), np.nan)
        p = np.full(len(out), np.nan)
        rows = np.flatnonzero(prev >= 0)
        if len(rows):
            d = st.take(rows).difference(st.take(prev[rows]), ci)
            change[rows], p[rows] = d["change"], d["p"]
        return change, p

    out["change"], out["change_p"] = diff(previous["change"])
    out["change_p_adj"] = bh_adjust(out["change_p"].to_numpy())
    out["yoy_change"], out["yoy_p"] = diff(previous["yoy"])
    if np.isnan(out["change"].to_numpy()).all():
        notes.append("Only one period with answers: changes between periods cannot be computed.")
    out["center"], out["lcl"], out["ucl"], laney = _control_limits(st, out["score"].to_numpy(), group)
    if laney > 1:
        notes.append(f"The control limits are Laney p' limits, widened {laney:.1f}-fold: the periods vary more than "
                     "sampling alone explains (large samples, ordinary month-to-month movement), so plain p-chart "
                     "limits would flag most periods.")
    out["rolling_score"] = _rolling(st, group, rolling, ci) if rolling else np.nan
    out["target"] = np.nan if target is None else float(target)
    if privacy_min_n is not None:
        # a small period, and the smallest others, so that the total minus the shown periods gives no small one back
        small = (out["n"].to_numpy() < privacy_min_n) | privacy_siblings(out, by=by, privacy_min_n=privacy_min_n)
        for col in ("score", "se", "ci_low", "ci_high", "rolling_score"):
            out[col] = out[col].mask(small)
        for prev, cols in ((previous["change"], ("change", "change_p", "change_p_adj")),
                           (previous["yoy"], ("yoy_change", "yoy_p"))):
            against = small | ((prev >= 0) & small[np.maximum(prev, 0)])
            for col in cols:
                out[col] = out[col].mask(against)

    codes = np.unique(pcode)  # one date computation per period, not per row
    starts = pd.Series(pd.to_datetime([period_start(c, freq) for c in codes]), index=codes)
    ends = pd.Series(pd.to_datetime([period_start(c + 1, freq) for c in codes]), index=codes)
    out["period_start"] = starts.loc[pcode].to_numpy()
    cover = pd.Series(_coverage(starts, ends, first, last), index=codes)
    out["partial"] = cover.loc[pcode].to_numpy() < PARTIAL_COVERAGE

    score = out["score"].to_numpy(dtype=float)
    shown = displayed(metric, score, interval_decimals(metric, score, out["ci_low"], out["ci_high"]))
    reasons = {
        "significant_change": out["change_p_adj"].to_numpy(dtype=float) < alpha,
        "outside_control_limits": (out["n"].to_numpy() > 0) & ((score < out["lcl"].to_numpy(dtype=float))
                                                               | (score > out["ucl"].to_numpy(dtype=float))),
        "below_target": shown < target if target is not None else np.zeros(len(out), dtype=bool),
        "low_n": out["low_n"].to_numpy(dtype=bool),
    }
    flag = np.full(len(out), "", dtype=object)
    for name, hit in reasons.items():
        flag = np.where(hit, np.where(flag == "", name, flag + "," + name), flag)
    out["flag"] = flag.tolist()
    out = out[by + TREND_COLUMNS].reset_index(drop=True)
    out.attrs["notes"] = notes
    out.attrs["digest"] = _digest(out, st, group, metric, freq, by, target, alpha, ci)
    out.attrs["digest_of"] = _fingerprint(out)
    return out


def privacy_siblings(table: pd.DataFrame, *, by: Sequence[str] | str | None, privacy_min_n: int) -> np.ndarray:
    """The periods (and segment x period cells) a shared trend suppresses: small ones and their complements.

    The periods of one trend add up to the whole selection's score (shown
    as the headline); with ``by``, the segments of a period add up to the
    period's score and the periods of a segment to the segment's.  See
    :func:`~csat_analysis.privacy.complementary_suppression`.
    """
    from .privacy import complementary_suppression

    by = as_list(by)
    return complementary_suppression(table, privacy_min_n=privacy_min_n, siblings=[["period"], by] if by else [[]])


def _fingerprint(table: pd.DataFrame) -> int:
    """A hash of the rows a digest describes (groups, periods, scores, counts)."""
    cols = [c for c in table.columns if c not in ("flag",)]
    return int(pd.util.hash_pandas_object(table[cols].astype(str), index=False).sum() % (1 << 61))


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
        # one precision for the score and its bounds, enough for the bounds to read differently from it
        d = interval_decimals(metric, cur["score"], cur["ci_low"], cur["ci_high"])
        s = (f"{who}{label} was {fmt_score(metric, cur['score'], d)} in {cur['period']} "
             f"({ci_text(ci)} {fmt_score(metric, cur['ci_low'], d)} to {fmt_score(metric, cur['ci_high'], d)}, "
             f"n = {int(cur['n']):,})")
        if cur["partial"]:
            s += ", a period not yet complete"
        if target is not None:
            # compared as printed: a score or bound shown as 15.0 is not below a target of 15
            score, low, high = (displayed(metric, cur[k], d) for k in ("score", "ci_low", "ci_high"))
            gap = score - target
            if low > target:
                s += (f"; above the target of {fmt_score(metric, target)} ({fmt_change(metric, gap, d)}, "
                      "the whole interval clears it)")
            elif high < target:
                s += (f"; below the target of {fmt_score(metric, target)} ({fmt_change(metric, gap, d)}, "
                      "the whole interval falls short)")
            else:
                s += f"; not distinguishable from the target of {fmt_score(metric, target)} (the interval includes it)"
        sentences.append(s + ".")
        sig = t[t["change_p_adj"] < alpha]
        if len(sig):
            big = sig.loc[sig["change"].abs().idxmax()]
            sentences.append(
                f"{who}{cap('The')} largest significant change was in {big['period']}: "
                f"{fmt_change(metric, big['change'])} "
                f"against the period before ({fmt_p(big['change_p_adj'])} after adjusting for "
                f"{int(t['change_p'].notna().sum())} comparisons)."
            )
        elif t["change_p"].notna().any():  # with one period there is no change to call insignificant
            sentences.append(f"{who}{cap('No')} change between consecutive periods is statistically significant after "
                             "adjusting for multiple comparisons.")
        k = _QUARTER[freq]
        if freq in ("W", "M") and len(rows) >= 2 * k:
            last, prev = rows[-k:], rows[-2 * k:-k]
            d = st.pooled(last).difference(st.pooled(prev), ci)
            if not np.isnan(d["change"][0]):
                verb = "up" if d["change"][0] > 0 else "down"
                sig_word = "a statistically significant" if d["p"][0] < alpha else "not a statistically significant"
                sentences.append(
                    f"{who}{cap('Over')} the last quarter ({t['period'].iloc[-k]} to {t['period'].iloc[-1]}) "
                    f"{label} was "
                    f"{verb} {fmt_change(metric, abs(d['change'][0])).lstrip('+')} on the quarter before: "
                    f"{sig_word} change ({fmt_p(d['p'][0])})."
                )
    if out.attrs.get("notes"):
        sentences += out.attrs["notes"]
    return sentences


def trend_digest(table: pd.DataFrame) -> list[str]:
    """The plain-language digest of a :func:`trend` table (largest significant change, value vs
    target, direction over the last quarter).

    The digest describes the rows :func:`trend` returned: for a table
    filtered or edited since, it raises ParameterError rather than describe
    rows that are no longer there — run :func:`trend` on the rows you want.
    """
    digest = table.attrs.get("digest")
    if digest is None:
        raise ParameterError("This table has no digest: trend_digest() reads the table that trend() returns.")
    if table.attrs.get("digest_of") != _fingerprint(table):
        raise ParameterError(
            f"This trend table has {len(table)} rows but its digest describes the table trend() returned, "
            "which has been filtered or changed since. Run trend() on the responses you want to describe "
            "(e.g. trend(data[data['segment'] == 'Retail'], ...)) and read that table's digest."
        )
    return list(digest)
