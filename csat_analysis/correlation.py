"""How CSAT, NPS and CES move together: respondent-level and aggregate correlations.

:func:`correlate` returns a tidy table ``x, y, method, level, n, r, ci_low,
ci_high, p, p_adj, note`` (with the ``by`` column first when given).

* Pearson: Fisher z interval, ``atanh(r) ± z / sqrt(n - 3)``; p from
  ``t = r sqrt((n - 2)/(1 - r²))`` on n - 2 df (as R ``cor.test``).
* Spearman (the default; the scores are ordinal): Pearson correlation of
  mid-ranks; interval on Fisher's z with Bonett & Wright's (2000, Psychometrika
  65:23) variance ``(1 + r²/2)/(n - 3)``; p from the same t approximation as R
  ``cor.test(method = "spearman", exact = FALSE)`` (exact p-values do not
  exist with tied scores).
* Kendall tau-b: p from the tie-corrected normal approximation (R
  ``cor.test(method = "kendall", exact = FALSE)``); interval on Fisher's z with
  Bonett & Wright's variance ``0.437/(n - 4)``.
* ``p_adj``: Benjamini-Hochberg over every row of the table.

With ``level="aggregate"`` the units are periods (``freq``) and/or segments
(``by``): each unit's CSAT top-box %, NPS and CES mean are computed with
:func:`~csat_analysis.summarize` and correlated across units (``n`` = number
of units, with a note when it is small).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._utils import as_list, check_argument, numeric_values, require_columns
from .exceptions import ParameterError
from .metrics import _z, bh_adjust, summarize

__all__ = ["correlate", "correlation_matrix", "correlation_report", "CorrelationReport", "strength",
           "CORRELATION_COLUMNS", "MIN_AGGREGATE_UNITS"]

CORRELATION_COLUMNS = ["x", "y", "method", "level", "n", "r", "ci_low", "ci_high", "p", "p_adj", "note"]
METHODS = ("spearman", "pearson", "kendall")
LEVELS = ("respondent", "aggregate")
#: below this many units an aggregate correlation gets a note
MIN_AGGREGATE_UNITS = 10
#: the score aggregated per unit for each score column at the aggregate level
AGGREGATE_METRIC = {"csat": "csat", "nps": "nps", "ces": "ces"}


def _pair(x: np.ndarray, y: np.ndarray, w: np.ndarray | None, method: str, ci: float) -> dict:
    ok = ~(np.isnan(x) | np.isnan(y))
    if w is not None:
        ok &= ~np.isnan(w)
    x, y = x[ok], y[ok]
    n = int(ok.sum())
    res = {"n": n, "r": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p": np.nan, "note": ""}
    if n < 3:
        res["note"] = f"fewer than 3 complete pairs (n = {n})"
        return res
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        res["note"] = "a column is constant in these rows, so the correlation is undefined"
        return res
    zq = stats.norm.ppf(0.5 + ci / 2)
    if method == "kendall":
        if w is not None:
            raise ParameterError("Weights are not supported for Kendall's tau; use method='spearman' or 'pearson'.")
        tau, p = stats.kendalltau(x, y, variant="b", method="asymptotic")
        r, var_z, n_eff = float(tau), 0.437 / (n - 4) if n > 4 else np.nan, n
    else:
        if method == "spearman":
            x, y = stats.rankdata(x), stats.rankdata(y)
        if w is None:
            r = float(np.corrcoef(x, y)[0, 1])
            n_eff = n
        else:
            wk = w[ok]
            mx, my = np.average(x, weights=wk), np.average(y, weights=wk)
            cov = np.average((x - mx) * (y - my), weights=wk)
            r = float(cov / np.sqrt(np.average((x - mx) ** 2, weights=wk) * np.average((y - my) ** 2, weights=wk)))
            n_eff = wk.sum() ** 2 / (wk**2).sum()
        r = float(np.clip(r, -1, 1))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = r * np.sqrt((n_eff - 2) / (1 - r**2))
        p = float(2 * stats.t.sf(abs(t), n_eff - 2)) if abs(r) < 1 else 0.0
        base = 1 + r**2 / 2 if method == "spearman" else 1.0
        var_z = base / (n_eff - 3) if n_eff > 3 else np.nan
    res.update(r=r, p=float(p))
    if abs(r) < 1 and not np.isnan(var_z):
        z = np.arctanh(r)
        half = zq * np.sqrt(var_z)
        res.update(ci_low=float(np.tanh(z - half)), ci_high=float(np.tanh(z + half)))
    elif np.isnan(var_z):
        res["note"] = "too few pairs for an interval"
    return res


def correlate(
    data: pd.DataFrame,
    *,
    columns: Sequence[str] = ("csat", "nps", "ces"),
    method: str = "spearman",
    level: str = "respondent",
    by: str | None = None,
    freq: str | None = None,
    weights: str | None = None,
    ci: float = 0.95,
    min_units: int = MIN_AGGREGATE_UNITS,
) -> pd.DataFrame:
    """Correlations between score columns, with intervals, p-values and BH-adjusted p-values.

    Parameters
    ----------
    data : DataFrame
        Canonical responses.
    columns : sequence of str
        Numeric columns to correlate pairwise (pairwise-complete rows).  Columns
        that are absent are skipped; at least two must remain.
    method : {"spearman", "pearson", "kendall"}
    level : {"respondent", "aggregate"}
        ``"respondent"``: one row per answer; ``by`` repeats the analysis per
        segment.  ``"aggregate"``: correlate the scores of periods (``freq``)
        and/or segments (``by``): CSAT top-box %, NPS, CES mean.
    by : str, optional
    freq : {"W", "M", "Q", "Y"}, optional
    weights : str, optional
        Weighted Pearson / Spearman with Kish's effective n (respondent level),
        weighted scores (aggregate level).
    ci : float
    min_units : int
        Aggregate correlations over fewer units get a note.

    Returns
    -------
    DataFrame
        ``[<by>], x, y, method, level, n, r, ci_low, ci_high, p, p_adj, note``;
        ``note`` says why a value is NaN or fragile.

    Examples
    --------
    >>> df = pd.DataFrame({"csat": [1, 2, 3, 4, 5, 5], "nps": [0, 3, 6, 8, 10, 9], "ces": [2, 2, 2, 2, 2, 2]})
    >>> out = correlate(df, method="pearson")
    >>> out[["x", "y", "n", "note"]].to_dict("records")[1]
    {'x': 'csat', 'y': 'ces', 'n': 6, 'note': 'a column is constant in these rows, so the correlation is undefined'}
    >>> round(float(out.loc[0, "r"]), 3)
    0.987
    """
    check_argument("method", list(METHODS), method)
    check_argument("level", list(LEVELS), level)
    _z(ci)  # checks the level
    columns = [c for c in as_list(columns) if c in data.columns]
    if len(columns) < 2:
        raise ParameterError(
            f"correlate needs at least two of the columns {list(as_list(columns)) or ['csat', 'nps', 'ces']} in the "
            f"data; it has {list(map(str, data.columns))}."
        )
    by_list = as_list(by)
    require_columns(data, by_list, "segment column")
    if level == "aggregate":
        return _aggregate(data, columns, method, by_list, freq, weights, ci, min_units)
    if freq is not None:
        raise ParameterError("`freq` applies to level='aggregate' (correlating period scores); drop it or set level.")
    values = {c: numeric_values(data, c) for c in columns}
    w = None
    if weights is not None:
        require_columns(data, [weights], "weights column")
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
    rows = []
    groups = [(None, np.ones(len(data), dtype=bool))]
    if by_list:
        col = data[by_list[0]]
        groups = [(lv, (col == lv).to_numpy()) for lv in pd.unique(col.dropna())]
        groups.sort(key=lambda g: str(g[0]))
    for level_value, mask in groups:
        for a, b in itertools.combinations(columns, 2):
            res = _pair(values[a][mask], values[b][mask], None if w is None else w[mask], method, ci)
            row = {"x": a, "y": b, "method": method, "level": "respondent", **res}
            if by_list:
                row = {by_list[0]: level_value, **row}
            rows.append(row)
    return _finish(rows, by_list[:1])


def _aggregate(data, columns, method, by_list, freq, weights, ci, min_units) -> pd.DataFrame:
    if not by_list and freq is None:
        raise ParameterError("level='aggregate' needs units to correlate across: `freq` (periods) and/or `by` (segments).")
    scores = [c for c in columns if c in AGGREGATE_METRIC]
    if len(scores) < 2:
        raise ParameterError("level='aggregate' correlates the scores csat, nps and ces; give at least two of them.")
    table = summarize(data, metrics=[AGGREGATE_METRIC[c] for c in scores], by=by_list, freq=freq, weights=weights,
                      min_n=0)
    keys = by_list + ["period"]
    wide = table.pivot_table(index=keys, columns="metric", values="score", observed=True)
    rows = []
    for a, b in itertools.combinations(scores, 2):
        ma, mb = AGGREGATE_METRIC[a], AGGREGATE_METRIC[b]
        if ma not in wide or mb not in wide:
            continue
        res = _pair(wide[ma].to_numpy(float), wide[mb].to_numpy(float), None, method, ci)
        units = " × ".join(by_list + (["period"] if freq else []))
        if res["n"] < min_units and not res["note"]:
            res["note"] = f"only {res['n']} {units} units: a fragile estimate, interpret with care"
        rows.append({"x": a, "y": b, "method": method, "level": "aggregate", **res})
    return _finish(rows, [])


def _finish(rows: list[dict], lead: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=lead + [c for c in CORRELATION_COLUMNS if c != "p_adj"])
    out["p_adj"] = bh_adjust(out["p"].to_numpy(dtype=float)) if len(out) else []
    out["n"] = out["n"].astype(np.int64)
    return out[lead + CORRELATION_COLUMNS]


def correlation_matrix(table: pd.DataFrame, *, value: str = "r") -> pd.DataFrame:
    """Square matrix (columns in order of appearance, 1 on the diagonal for ``r``) from a :func:`correlate` table.

    ``value`` may be any numeric column (``r``, ``p_adj``, ``n``, ...); the
    table must hold one group (filter a ``by`` table first).

    Examples
    --------
    >>> t = pd.DataFrame({"x": ["a"], "y": ["b"], "r": [0.5]})
    >>> correlation_matrix(t)
         a    b
    a  1.0  0.5
    b  0.5  1.0
    """
    require_columns(table, ["x", "y", value])
    names = list(dict.fromkeys(list(table["x"]) + list(table["y"])))
    if table.duplicated(["x", "y"]).any():
        raise ParameterError("The table holds several groups; filter it to one `by` value before building a matrix.")
    mat = pd.DataFrame(np.nan, index=names, columns=names)
    for row in table.itertuples(index=False):
        v = getattr(row, value)
        mat.loc[row.x, row.y] = v
        mat.loc[row.y, row.x] = v
    if value == "r":
        for name in names:
            mat.loc[name, name] = 1.0
    return mat


def strength(r: float) -> str:
    """Plain word for the size of a correlation (|r| < .1 negligible, < .3 weak, < .5 moderate, < .7 strong).

    Examples
    --------
    >>> strength(0.62), strength(-0.2)
    ('strong', 'weak')
    """
    a = abs(r)
    return "negligible" if a < 0.1 else "weak" if a < 0.3 else "moderate" if a < 0.5 else "strong" if a < 0.7 else "very strong"


_NAMES = {"csat": "CSAT", "nps": "NPS (likelihood to recommend)", "ces": "CES (ease)"}


class CorrelationReport:
    """What the ``correlations`` notebook shows (built by :func:`correlation_report`)."""

    def __init__(self, data, respondent, aggregate, segments, segment_period, method, by, freq, heat_metric,
                 alpha, min_n, privacy_min_n, message=None, columns=()):
        self.message, self.columns = message, list(columns)
        self.data, self.respondent, self.aggregate = data, respondent, aggregate
        self.segments, self.segment_period = segments, segment_period
        self.method, self.by, self.freq, self.heat_metric = method, by, freq, heat_metric
        self.alpha, self.min_n, self.privacy_min_n = alpha, min_n, privacy_min_n

    @property
    def empty(self) -> bool:
        return self.respondent is None

    def sentences(self) -> list[str]:
        from .narrative import fmt_p

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
            for row, word in zip(picks, ("Strongest", "Next strongest", "Weakest")):
                out.append(f"{word}: {_NAMES.get(row.x, row.x)} and {_NAMES.get(row.y, row.y)}, {strength(row.r)} "
                           f"{self.method} correlation of {row.r:.2f} (95% CI {row.ci_low:.2f} to {row.ci_high:.2f}, "
                           f"n = {row.n:,}).")
            rows = []
        for row in rows:
            a, b = _NAMES.get(row.x, row.x), _NAMES.get(row.y, row.y)
            if np.isnan(row.r):
                out.append(f"{a} and {b}: no correlation could be computed ({row.note}).")
                continue
            direction = "rise together" if row.r > 0 else "move in opposite directions"
            sig = "statistically significant" if row.p_adj < self.alpha else "not statistically significant"
            out.append(
                f"Respondents' {a} and {b} {direction}: {strength(row.r)} {self.method} correlation of "
                f"{row.r:.2f} (95% CI {row.ci_low:.2f} to {row.ci_high:.2f}, n = {row.n:,}, {fmt_p(row.p_adj)} "
                f"adjusted): {sig}."
            )
        if self.aggregate is not None and len(self.aggregate):
            row = self.aggregate.iloc[0]
            if not np.isnan(row["r"]):
                a, b = _NAMES.get(row["x"], row["x"]).split(" (")[0], _NAMES.get(row["y"], row["y"]).split(" (")[0]
                out.append(
                    f"Across {row['n']} periods, {a} and {b} scores have a {strength(row['r'])} correlation of "
                    f"{row['r']:.2f} (95% CI {row['ci_low']:.2f} to {row['ci_high']:.2f})"
                    + (f"; {row['note']}." if row["note"] else ".")
                )
        return out

    def headline_values(self) -> dict[str, str]:
        vals = {"Responses": f"{len(self.data):,}"}
        if not self.empty:
            for row in self.respondent.itertuples(index=False):
                if not np.isnan(row.r):
                    vals[f"{_short(row.x)}~{_short(row.y)}"] = f"{row.r:.2f}"
        return vals

    def table_html(self, which: str = "respondent"):
        from .narrative import fmt_p
        from .report import note, table_html

        check_argument("which", ["respondent", "segments", "aggregate"], which)
        table = {"respondent": self.respondent, "segments": self.segments, "aggregate": self.aggregate}[which]
        if table is None or table.empty:
            if self.message or (which == "segments" and not self.by) or (which == "aggregate" and self.aggregate is None):
                return None  # the section says why this data cannot support it
            if which == "segments":
                return note(f"{self.by} has fewer than two levels in this selection, so there are no segments to "
                            "compare.")
            return note("Nothing to show for this selection.")
        t = table.copy()
        t["pair"] = [f"{_NAMES.get(x, x)} ~ {_NAMES.get(y, y)}" for x, y in zip(t["x"], t["y"])]
        t["p_f"] = [fmt_p(p).removeprefix("p ").removeprefix("= ") for p in t["p_adj"]]
        cols = {self.by: self.by} if self.by in t else {}
        cols.update({"pair": "Pair", "n": "n", "r": "r", "ci_low": "95% CI low", "ci_high": "95% CI high",
                     "p_f": "Adjusted p", "note": "Note"})
        return table_html(t, columns=cols, formats={"r": "{:.2f}", "ci_low": "{:.2f}", "ci_high": "{:.2f}",
                                                    "p_f": "{}"})

    def plot_heatmap(self):
        from .plots import plot_correlation_heatmap

        if self.empty or self.respondent["r"].isna().all():
            return None
        ax = plot_correlation_heatmap(self.respondent)
        ax.set_title("Respondent level", loc="left", fontsize=11)
        return ax

    def plot_aggregate_heatmap(self):
        from .plots import plot_correlation_heatmap

        if self.aggregate is None or self.aggregate["r"].isna().all():
            return None
        ax = plot_correlation_heatmap(self.aggregate)
        ax.set_title(f"Across periods ({self.freq})", loc="left", fontsize=11)
        return ax

    def plot_segment_heatmap(self):
        from .metrics import apply_privacy
        from .plots import plot_segment_heatmap

        if self.segment_period is None:
            return None
        table = apply_privacy(self.segment_period, privacy_min_n=self.privacy_min_n)
        ax = plot_segment_heatmap(table, metric=self.heat_metric, by=self.by)
        return ax

    def plot_scatter(self):
        from .plots import plot_score_scatter

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
    freq: str = "M",
    heat_metric: str = "csat",
    weights: str | None = None,
    alpha: float = 0.05,
    min_n: int = 30,
    privacy_min_n: int = 5,
) -> CorrelationReport:
    """Compute the ``correlations`` notebook: respondent level, per segment, across periods, segment × period.

    ``columns`` are the rated items to correlate: CSAT, NPS and CES, or any
    numeric rating columns (sub-ratings, attribute ratings).  Periods are
    correlated only for two or more of CSAT, NPS and CES.  A section the data
    cannot support says why (no dates, one item, no breakdown).
    """
    check_argument("method", list(METHODS), method)
    asked = as_list(columns)
    columns = [c for c in asked if c in data.columns]
    kw = dict(method=method, by=by, freq=freq, heat_metric=heat_metric, alpha=alpha, min_n=min_n,
              privacy_min_n=privacy_min_n)
    if len(data) == 0:
        return _report(data, columns, None, None, None, None, **kw)
    if len(columns) < 2:
        have = ", ".join(columns) or "no rated item"
        return _report(data, columns, None, None, None, None, **kw, message=(
            f"There is nothing to correlate: this export has {have} and correlations need two or more rated items. "
            "Map a second metric (csat, nps, ces) under metrics in the schema, list attribute ratings under "
            "columns.ratings, or pass -p items [A, B]."))
    respondent = correlate(data, columns=columns, method=method, weights=weights if method != "kendall" else None)
    aggregate = segments = segment_period = None
    has_dates = "date" in data and data["date"].notna().any()
    if has_dates and freq and sum(c in AGGREGATE_METRIC for c in columns) >= 2:
        aggregate = correlate(data, columns=columns, method=method, level="aggregate", freq=freq, weights=weights)
    if by and by in data and data[by].nunique() > 1:
        segments = correlate(data, columns=columns, method=method, by=by)
        if has_dates and freq and heat_metric:
            segment_period = summarize(data, metrics=heat_metric, by=by, freq=freq, weights=weights, min_n=min_n)
    return _report(data, columns, respondent, aggregate, segments, segment_period, **kw)


def _report(data, columns, respondent, aggregate, segments, segment_period, *, method, by, freq, heat_metric, alpha,
            min_n, privacy_min_n, message=None) -> CorrelationReport:
    return CorrelationReport(data, respondent, aggregate, segments, segment_period, method, by, freq, heat_metric,
                             alpha, min_n, privacy_min_n, message, columns)


def _short(name: str) -> str:
    return _NAMES.get(name, name).split(" (")[0]
