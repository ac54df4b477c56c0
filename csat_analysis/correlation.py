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
  the delta-method (asymptotic) variance of tau-b from the contingency table,
  which is valid with ties (Agresti 2010; SAS ``ASE1``):
  ``var_z = ASE^2 / (1 - tau^2)^2``.  Bonett & Wright's ``0.437/(n - 4)``
  (which assumes no ties and undercovers on 1-5 scores) only for continuous
  scores with more than 250,000 distinct value pairs.
* ``p_adj``: Benjamini-Hochberg over every row of the table.

With ``level="aggregate"`` the units are periods (``freq``) and/or segments
(``by``): each unit's CSAT top-box %, NPS and CES mean are computed with
:func:`~csat_analysis.summarize` and correlated across units (``n`` = number
of units, with a note when it is small).  Across periods the scores' changes
(first differences, within each segment) are correlated, with the t test and
interval at Bartlett's effective n, because the levels of independent
trending series correlate by chance; the ``note`` says so.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ._utils import as_list, check_argument, numeric_values, require_columns, weight_column
from .exceptions import ParameterError
from .metrics import bh_adjust, summarize, z_value

__all__ = ["correlate", "correlation_matrix", "strength",
           "CORRELATION_COLUMNS", "MIN_AGGREGATE_UNITS"]

CORRELATION_COLUMNS = ["x", "y", "method", "level", "n", "r", "ci_low", "ci_high", "p", "p_adj", "note"]
METHODS = ("spearman", "pearson", "kendall")
LEVELS = ("respondent", "aggregate")
#: below this many units an aggregate correlation gets a note
MIN_AGGREGATE_UNITS = 10
#: the score aggregated per unit for each score column at the aggregate level
AGGREGATE_METRIC = {"csat": "csat", "nps": "nps", "ces": "ces"}


_MAX_TABLE = 250_000  # cells of the x-by-y contingency table for Kendall's tau-b variance


def _tau_b_ase(x: np.ndarray, y: np.ndarray, tau: float) -> float:
    """Asymptotic (delta-method) SE of Kendall's tau-b from the contingency table, valid with ties.

    Agresti (2010, *Analysis of Ordinal Categorical Data*, 2nd ed., sec. 7.1),
    SAS PROC FREQ ``ASE1``: with ``A_ij``/``D_ij`` the counts concordant /
    discordant with cell (i, j), ``d = A - D``, ``D_r = n^2 - sum n_i.^2``,
    ``D_c = n^2 - sum n_.j^2``, ``w = sqrt(D_r D_c)`` and ``v_ij = n_i. D_c +
    n_.j D_r``: ``ASE^2 = (sum n_ij (2 w d_ij + tau v_ij)^2 - n^3 tau^2 (D_r + D_c)^2) / w^4``.
    NaN when the table would be too large (continuous scores).
    """
    ux, ix = np.unique(x, return_inverse=True)
    uy, iy = np.unique(y, return_inverse=True)
    if len(ux) * len(uy) > _MAX_TABLE:
        return np.nan
    table = np.zeros((len(ux), len(uy)))
    np.add.at(table, (ix, iy), 1.0)
    n = table.sum()

    def below(t):  # sum over k < i, l < j
        c = t.cumsum(0).cumsum(1)
        out = np.zeros_like(c)
        out[1:, 1:] = c[:-1, :-1]
        return out

    concordant = below(table) + below(table[::-1, ::-1])[::-1, ::-1]
    discordant = below(table[:, ::-1])[:, ::-1] + below(table[::-1, :])[::-1, :]
    d = concordant - discordant
    rows, cols = table.sum(1), table.sum(0)
    dr, dc = n**2 - (rows**2).sum(), n**2 - (cols**2).sum()
    w = np.sqrt(dr * dc)
    v = rows[:, None] * dc + cols[None, :] * dr
    total = (table * (2 * w * d + tau * v) ** 2).sum() - n**3 * tau**2 * (dr + dc) ** 2
    return float(np.sqrt(max(total, 0.0)) / w**2) if w > 0 else np.nan


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
        r, n_eff = float(tau), n
        ase = _tau_b_ase(x, y, r)
        if np.isnan(ase):  # continuous scores (no ties to speak of): Bonett & Wright
            var_z = 0.437 / (n - 4) if n > 4 else np.nan
        else:
            var_z = (ase / (1 - r**2)) ** 2 if abs(r) < 1 else np.nan
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
    freq : {"D", "W", "M", "Q", "Y"}, optional
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
    z_value(ci)  # checks the level
    columns = [c for c in as_list(columns) if c in data.columns]
    if len(columns) < 2:
        raise ParameterError(
            f"correlate needs at least two of the columns {list(as_list(columns)) or ['csat', 'nps', 'ces']} in the "
            f"data; it has {list(map(str, data.columns))}."
        )
    by_list = as_list(by)
    require_columns(data, by_list, "segment column")
    data, weights = weight_column(data, weights)
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
        raise ParameterError("level='aggregate' needs units to correlate across: "
                             "`freq` (periods) and/or `by` (segments).")
    scores = [c for c in columns if c in AGGREGATE_METRIC]
    if len(scores) < 2:
        raise ParameterError("level='aggregate' correlates the scores csat, nps and ces; give at least two of them.")
    table = summarize(data, metrics=[AGGREGATE_METRIC[c] for c in scores], by=by_list, freq=freq, weights=weights,
                      min_n=0)
    keys = by_list + ["period"]
    wide = table.pivot_table(index=keys, columns="metric", values="score", observed=True)
    if freq is not None:  # chronological order within each segment (pivot_table sorts labels as text)
        from .metrics import period_codes

        wide = wide.assign(_code=period_codes(wide.index.get_level_values("period"))[1])
        wide = wide.sort_values(by_list + ["_code"] if by_list else ["_code"]).drop(columns="_code")
    series = [wide] if not by_list or freq is None else [g for _, g in wide.groupby(level=by_list, observed=True)]
    rows = []
    for a, b in itertools.combinations(scores, 2):
        ma, mb = AGGREGATE_METRIC[a], AGGREGATE_METRIC[b]
        if ma not in wide or mb not in wide:
            continue
        units = " × ".join(by_list + (["period"] if freq else []))
        if freq is None:  # segments only: no time order, units are independent
            res = _pair(wide[ma].to_numpy(float), wide[mb].to_numpy(float), None, method, ci)
        else:
            res = _time_pair(series, ma, mb, method, ci)
        notes = [res["note"]] if res["note"] else []
        if freq is not None and not np.isnan(res["r"]) and not np.isnan(res.get("n_eff", np.nan)):
            notes.append("correlation of period-to-period changes (first differences), so shared trends do not "
                         f"count; p-value and interval at an effective n = {res['n_eff']:.1f} for the "
                         "autocorrelation and unequal variance left; each period's sampling error (noise in the "
                         "changes) pulls r toward 0")
        if res["n"] < min_units and not np.isnan(res["r"]):
            notes.insert(0, f"only {res['n']} {units} units: a fragile estimate, interpret with care")
        res["note"] = "; ".join(notes)
        res.pop("n_eff", None)
        rows.append({"x": a, "y": b, "method": method, "level": "aggregate", **res})
    return _finish(rows, [])


def _time_pair(series: list[pd.DataFrame], ma: str, mb: str, method: str, ci: float) -> dict:
    """Correlation of first differences of period scores, with Bartlett's effective n.

    Levels of two independent random walks correlate by chance (spurious
    regression); their changes do not.  The changes of noisy period scores
    are still autocorrelated (sampling error makes them MA(1)) and their
    variance changes with the level (a share near 0 or 100 moves less), so the
    t test and the interval use ``n_eff = n_w / (1 + 2 sum_j (n - j)/n
    rho_x(j) rho_y(j))`` (Bartlett 1935; Pyper & Peterman 1998, lags up to
    n/5), where ``n_w = sum x~^2 sum y~^2 / sum (x~ y~)^2`` is the count that
    White's heteroskedasticity-robust variance of r implies (``n`` for
    homoskedastic data), capped at n and at least 4.
    ``n`` in the result is the number of periods (units).
    """
    dx, dy, units = [], [], 0
    for g in series:
        x, y = g[ma].to_numpy(float), g[mb].to_numpy(float)
        units += int((~(np.isnan(x) | np.isnan(y))).sum())
        dx.append(np.diff(x))
        dy.append(np.diff(y))
    res = _pair(np.concatenate(dx), np.concatenate(dy), None, method, ci)
    m = res["n"]
    res["n"] = units
    res["n_eff"] = np.nan
    if np.isnan(res["r"]) or m < 4:
        return res
    num = den = 0.0
    acf_x, acf_y = np.zeros(max(m // 5, 1) + 1), np.zeros(max(m // 5, 1) + 1)
    for x, y in zip(dx, dy, strict=False):
        ok = ~(np.isnan(x) | np.isnan(y))
        if ok.sum() < 3:
            continue
        acf_x += _acf(x[ok], len(acf_x) - 1) * ok.sum()
        acf_y += _acf(y[ok], len(acf_y) - 1) * ok.sum()
        den += ok.sum()
    lags = np.arange(1, len(acf_x))
    if den > 0:
        num = (2 * (m - lags) / m * (acf_x[1:] / den) * (acf_y[1:] / den)).sum()
    # heteroskedasticity (scores near a bound change less): White's variance of r, as an effective n
    x, y = np.concatenate(dx), np.concatenate(dy)
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    if method != "pearson":
        x, y = stats.rankdata(x), stats.rankdata(y)
    xt, yt = x - x.mean(), y - y.mean()
    robust = (xt**2).sum() * (yt**2).sum() / max(((xt * yt) ** 2).sum(), 1e-300)
    n_eff = float(np.clip(robust / max(1 + num, 1e-9), 4.0, m))
    res["n_eff"] = n_eff
    r = res["r"]
    zq = stats.norm.ppf(0.5 + ci / 2)
    if method == "kendall":  # scale the variance of tau by m / n_eff
        z = stats.norm.isf(res["p"] / 2) if res["p"] > 0 else np.inf
        res["p"] = float(2 * stats.norm.sf(z * np.sqrt(n_eff / m)))
        var_z = 0.437 / (n_eff - 4) if n_eff > 4 else np.nan
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            t = r * np.sqrt((n_eff - 2) / (1 - r**2))
        res["p"] = float(2 * stats.t.sf(abs(t), n_eff - 2)) if abs(r) < 1 else 0.0
        var_z = (1 + r**2 / 2 if method == "spearman" else 1.0) / (n_eff - 3) if n_eff > 3 else np.nan
    if abs(r) < 1 and not np.isnan(var_z):
        half = zq * np.sqrt(var_z)
        res.update(ci_low=float(np.tanh(np.arctanh(r) - half)), ci_high=float(np.tanh(np.arctanh(r) + half)))
    return res


def _acf(x: np.ndarray, lags: int) -> np.ndarray:
    """Sample autocorrelations at lags 0..lags (divisor n, as usual)."""
    x = x - x.mean()
    c0 = (x**2).sum()
    out = np.zeros(lags + 1)
    if c0 <= 0:
        return out
    for k in range(lags + 1):
        out[k] = (x[: len(x) - k] * x[k:]).sum() / c0 if k < len(x) else 0.0
    return out


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
    for limit, word in ((0.1, "negligible"), (0.3, "weak"), (0.5, "moderate"), (0.7, "strong")):
        if a < limit:
            return word
    return "very strong"
