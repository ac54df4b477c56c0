"""Key-driver analysis: which attribute ratings explain CSAT, NPS or CES, and which perform worst.

Everything is computed from one correlation matrix of the outcome and the
drivers (one pass over the data), so it stays fast on millions of rows:

* **Relative weights** (Johnson 2000, *Multivariate Behavioral Research*
  35:1): with ``R_xx = V diag(λ) V'`` and ``Λ = R_xx^{1/2} = V diag(√λ) V'``,
  regress the outcome on the orthogonal counterparts, ``β = Λ^{-1} r_xy``,
  and ``RW_j = Σ_k Λ_jk² β_k²``.  The weights sum to the model R².
* **Shapley / LMG** (Lindeman, Merenda & Gold 1980; Grömping 2006, *J. Stat.
  Softw.* 17:1): every subset's ``R²(S) = r_yS' R_SS^{-1} r_yS``, and
  ``φ_j = Σ_{S ∌ j} |S|!(p-|S|-1)!/p! [R²(S ∪ j) - R²(S)]``; exact, for up to
  15 drivers.  The values sum to the full-model R².

``importance`` is the R² contribution, ``share`` its percentage of R²;
intervals are percentile bootstrap intervals (rows resampled).  Beside them,
standardized coefficients with HC1-robust p-values from the full regression.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._utils import as_list, check_argument, numeric_values, require_columns
from .exceptions import DataError, ParameterError

__all__ = ["drivers", "relative_weights", "shapley_r2", "subset_r2", "DRIVER_COLUMNS", "MAX_SHAPLEY_DRIVERS",
           "driver_report", "DriverReport"]

DRIVER_COLUMNS = ["driver", "importance", "share", "ci_low", "ci_high", "coef_std", "p", "performance", "n", "r2",
                  "importance_ci_low", "importance_ci_high", "rank_stability"]
METHODS = ("relative_weights", "shapley")
MAX_SHAPLEY_DRIVERS = 15


def relative_weights(corr: np.ndarray) -> np.ndarray:
    """Johnson's relative weights from a correlation matrix ordered ``[outcome, driver_1, ...]``.

    Examples
    --------
    >>> r = np.array([[1, .5, .3], [.5, 1, 0], [.3, 0, 1]])
    >>> relative_weights(r).round(3).tolist()  # uncorrelated drivers: squared correlations
    [0.25, 0.09]
    """
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    lam, vec = np.linalg.eigh(rxx)
    lam = np.clip(lam, 0, None)
    half = vec @ np.diag(np.sqrt(lam)) @ vec.T
    beta = np.linalg.solve(half, rxy)
    return (half**2) @ (beta**2)


def subset_r2(corr: np.ndarray) -> dict[frozenset, float]:
    """R² of every subset of drivers (by index), from the correlation matrix, batched by subset size."""
    p = corr.shape[0] - 1
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    out: dict[frozenset, float] = {frozenset(): 0.0}
    for k in range(1, p + 1):
        subsets = np.array(list(itertools.combinations(range(p), k)))
        a = rxx[subsets[:, :, None], subsets[:, None, :]]
        b = rxy[subsets]
        sol = np.linalg.solve(a, b[..., None])[..., 0]
        r2 = np.einsum("ij,ij->i", b, sol)
        out.update({frozenset(s): float(v) for s, v in zip(subsets.tolist(), r2)})
    return out


def shapley_r2(corr: np.ndarray, r2_table: dict[frozenset, float] | None = None) -> np.ndarray:
    """Exact Shapley (LMG) decomposition of R² from the correlation matrix ``[outcome, drivers...]``.

    Examples
    --------
    >>> r = np.array([[1, .5, .3], [.5, 1, 0], [.3, 0, 1]])
    >>> shapley_r2(r).round(3).tolist()
    [0.25, 0.09]
    """
    p = corr.shape[0] - 1
    table = r2_table if r2_table is not None else subset_r2(corr)
    weight = [math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p) for k in range(p)]
    phi = np.zeros(p)
    for s, r2 in table.items():
        k = len(s)
        for j in range(p):
            if j not in s:
                phi[j] += weight[k] * (table[s | {j}] - r2)
    return phi


def _corr(x: np.ndarray, w: np.ndarray | None, pairwise: bool) -> np.ndarray:
    if not pairwise:
        if w is None:
            return np.corrcoef(x, rowvar=False)
        m = np.average(x, axis=0, weights=w)
        c = (x - m).T @ ((x - m) * w[:, None]) / w.sum()
        d = np.sqrt(np.diag(c))
        return c / np.outer(d, d)
    frame = pd.DataFrame(x)
    if w is None:
        return frame.corr(min_periods=3).to_numpy()
    k = x.shape[1]
    out = np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            ok = ~(np.isnan(x[:, i]) | np.isnan(x[:, j]))
            out[i, j] = out[j, i] = _corr(x[ok][:, [i, j]], w[ok], False)[0, 1]
    return out


def _importance(corr: np.ndarray, method: str) -> np.ndarray:
    return relative_weights(corr) if method == "relative_weights" else shapley_r2(corr)


def drivers(
    data: pd.DataFrame,
    *,
    outcome: str,
    drivers: Sequence[str],
    method: str = "relative_weights",
    weights: str | None = None,
    by: str | None = None,
    bootstrap: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    missing: str = "listwise",
    performance: str = "mean",
    top_box: float | None = None,
) -> pd.DataFrame:
    """Importance of each driver for an outcome, with bootstrap intervals and performance.

    Parameters
    ----------
    data : DataFrame
    outcome : str
        Numeric outcome column: a 0-10 NPS rating, a CSAT score (or a 0/1
        top-box column), CES, or any rating.
    drivers : list of str
        Numeric attribute-rating columns.
    method : {"relative_weights", "shapley"}
    weights : str, optional
        Weighted correlations (and weighted performance).
    by : str, optional
        Repeat per segment (the column comes first in the table).
    bootstrap : int
        Bootstrap resamples for the intervals (0: none).
    ci : float
    seed : int
    missing : {"listwise", "pairwise"}
        Complete rows only, or each correlation on its pairwise-complete rows
        (the bootstrap and the robust p-values then use complete rows).
    performance : {"mean", "top_box"}
        How each driver performs: its mean, or the % of ratings at or above
        ``top_box`` (default: the highest rating seen minus one).

    Returns
    -------
    DataFrame
        ``[<by>], driver, importance, share, ci_low, ci_high, coef_std, p,
        performance, n, r2, importance_ci_low, importance_ci_high,
        rank_stability``; ``ci_low``/``ci_high`` bound ``share`` (%),
        ``rank_stability`` is the share of bootstrap resamples that rank the
        driver where the full data does.  ``table.attrs`` holds ``r2``,
        ``method``, ``missing`` and ``warnings`` (e.g. collinear drivers).

    Raises
    ------
    ParameterError
        Absent column, unknown method, more than 15 drivers for Shapley.
    DataError
        Non-numeric or constant columns, fewer than 10 complete rows per
        driver, perfectly collinear drivers.
    """
    check_argument("method", list(METHODS), method)
    check_argument("missing", ["listwise", "pairwise"], missing)
    check_argument("performance", ["mean", "top_box"], performance)
    drivers = as_list(drivers)
    if not drivers:
        raise ParameterError("Give at least one driver column in `drivers`.")
    if outcome in drivers:
        raise ParameterError(f"The outcome {outcome!r} is also listed as a driver; remove it from `drivers`.")
    require_columns(data, [outcome, *drivers] + as_list(by) + as_list(weights))
    if method == "shapley" and len(drivers) > MAX_SHAPLEY_DRIVERS:
        raise ParameterError(
            f"Exact Shapley needs 2^{len(drivers)} subset regressions for {len(drivers)} drivers; use at most "
            f"{MAX_SHAPLEY_DRIVERS}, or method='relative_weights', which approximates it closely at any size."
        )
    if by:
        parts, notes = [], []
        for level in sorted(data[by].dropna().unique(), key=str):
            try:
                part = drivers_one(data[data[by] == level], outcome, drivers, method, weights, bootstrap, ci, seed,
                                   missing, performance, top_box)
            except DataError as exc:  # one segment without enough data does not stop the others
                notes.append(f"{by} = {level}: {exc}")
                continue
            part.insert(0, by, level)
            parts.append(part)
        if not parts:
            raise DataError(f"No segment of {by!r} has enough data for a key-driver analysis: " + "; ".join(notes))
        out = pd.concat(parts, ignore_index=True)
        out.attrs = {"method": method, "missing": missing, "by": by, "warnings": notes}
        return out
    return drivers_one(data, outcome, drivers, method, weights, bootstrap, ci, seed, missing, performance, top_box)


_key_drivers = drivers  # driver_report's `drivers` argument shadows the function's name


def drivers_one(data, outcome, drivers, method, weights, bootstrap, ci, seed, missing, performance, top_box):
    columns = [outcome, *drivers]
    x = np.column_stack([numeric_values(data, c) for c in columns])
    w = None
    if weights:
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
    complete = ~np.isnan(x).any(axis=1) & (np.ones(len(x), bool) if w is None else ~np.isnan(w))
    n_complete = int(complete.sum())
    unanswered = [c for i, c in enumerate(columns) if np.isnan(x[:, i]).all()]
    if unanswered and len(x):
        raise DataError(f"{unanswered[0]!r} has no answers in these rows, so no row is complete; drop it from the "
                        "drivers (or the segment from the analysis).")
    if n_complete < 10 * len(drivers):
        raise DataError(
            f"Only {n_complete} complete rows for {len(drivers)} drivers; key-driver analysis needs at least 10 per "
            f"driver ({10 * len(drivers)}). Drop drivers with many gaps (e.g. "
            f"{max(drivers, key=lambda c: np.isnan(x[:, columns.index(c)]).sum())!r}) or use missing='pairwise'."
            if missing == "listwise" or n_complete < 3 else
            f"Only {n_complete} complete rows for {len(drivers)} drivers (10 per driver needed)."
        )
    xc = x[complete]
    wc = None if w is None else w[complete]
    sd = xc.std(axis=0)
    if (sd == 0).any():
        const = [c for c, s in zip(columns, sd) if s == 0]
        raise DataError(f"Column {const[0]!r} is constant in the rows used, so it cannot explain or be explained; "
                        "drop it.")
    corr = _corr(x if missing == "pairwise" else xc, None if w is None else (w if missing == "pairwise" else wc),
                 missing == "pairwise")
    rxx = corr[1:, 1:]
    eig = np.linalg.eigvalsh(rxx)
    if eig.min() < 1e-10:
        inv = np.linalg.pinv(rxx)
        worst = [drivers[i] for i in np.argsort(-np.abs(np.diag(inv)))[:2]]
        raise DataError(f"The drivers {worst[0]!r} and {worst[1]!r} (among others) are perfectly collinear; drop one "
                        "of them.")
    warnings: list[str] = []
    vif = np.diag(np.linalg.inv(rxx))
    high = [f"{d} (VIF {v:.1f})" for d, v in zip(drivers, vif) if v > 5]
    if high:
        warnings.append("Highly collinear drivers: " + ", ".join(high) + "; their individual importances are "
                        "uncertain (the relative ordering of these drivers may not be stable).")
    importance = _importance(corr, method)
    beta = np.linalg.solve(rxx, corr[1:, 0])
    r2 = float(corr[1:, 0] @ beta)
    p = _robust_p(xc, wc)

    boots = np.full((max(bootstrap, 0), len(drivers)), np.nan)
    if bootstrap and bootstrap > 0:
        rng = np.random.default_rng(seed)
        for b in range(bootstrap):
            idx = rng.integers(0, n_complete, n_complete)
            xb = xc[idx]
            if (xb.std(axis=0) == 0).any():
                continue
            cb = _corr(xb, None if wc is None else wc[idx], False)
            try:
                boots[b] = _importance(cb, method)
            except np.linalg.LinAlgError:
                continue
    alpha = (1 - ci) / 2
    ok = ~np.isnan(boots).any(axis=1)
    shares_b = 100 * boots[ok] / boots[ok].sum(axis=1, keepdims=True) if ok.any() else boots[ok]
    rank = np.argsort(np.argsort(-importance))
    rank_b = np.argsort(np.argsort(-boots[ok], axis=1), axis=1) if ok.any() else None

    perf = []
    for j in range(1, len(columns)):
        v = x[:, j]
        okv = ~np.isnan(v)
        if performance == "mean":
            perf.append(float(np.average(v[okv], weights=None if w is None else w[okv])))
        else:
            threshold = top_box if top_box is not None else np.nanmax(v) - 1
            perf.append(float(100 * np.average(v[okv] >= threshold, weights=None if w is None else w[okv])))
    q = lambda a: (np.quantile(a, alpha, axis=0), np.quantile(a, 1 - alpha, axis=0)) if len(a) else (  # noqa: E731
        np.full(len(drivers), np.nan), np.full(len(drivers), np.nan))
    share_lo, share_hi = q(shares_b)
    imp_lo, imp_hi = q(boots[ok])
    n_used = [int((~np.isnan(x[:, 0]) & ~np.isnan(x[:, j])).sum()) if missing == "pairwise" else n_complete
              for j in range(1, len(columns))]
    out = pd.DataFrame({
        "driver": drivers,
        "importance": importance,
        "share": 100 * importance / importance.sum(),
        "ci_low": share_lo,
        "ci_high": share_hi,
        "coef_std": beta,
        "p": p,
        "performance": perf,
        "n": n_used,
        "r2": r2,
        "importance_ci_low": imp_lo,
        "importance_ci_high": imp_hi,
        "rank_stability": (rank_b == rank).mean(axis=0) if rank_b is not None else np.nan,
    })
    out = out.sort_values("importance", ascending=False, ignore_index=True)
    out.attrs = {"r2": r2, "method": method, "missing": missing, "warnings": warnings, "outcome": outcome,
                 "n_complete": n_complete, "bootstrap": int(ok.sum()), "performance": performance}
    return out[DRIVER_COLUMNS]


def _robust_p(xc: np.ndarray, wc: np.ndarray | None) -> np.ndarray:
    """HC1-robust p-values of the standardized regression of the outcome on the drivers."""
    import statsmodels.api as sm

    z = (xc - xc.mean(axis=0)) / xc.std(axis=0)
    exog = sm.add_constant(z[:, 1:], has_constant="add")
    model = sm.OLS(z[:, 0], exog) if wc is None else sm.WLS(z[:, 0], exog, weights=wc)
    return np.asarray(model.fit(cov_type="HC1").pvalues[1:])


_OUTCOME_NAMES = {"csat": "CSAT scores", "nps": "likelihood to recommend (0-10)", "ces": "CES scores"}


class DriverReport:
    """What the ``drivers`` notebook shows (built by :func:`driver_report`)."""

    def __init__(self, data, table, by_segment, outcome, by, message=None):
        self.data, self.table, self.by_segment = data, table, by_segment
        self.outcome, self.by, self.message = outcome, by, message

    def sentences(self) -> list[str]:
        if self.table is None:
            return [self.message or "No responses match this selection, so there are no drivers to rank."]
        t = self.table
        top = t.iloc[0]
        worst = t.loc[t["performance"].idxmin()]
        name = lambda d: str(d).replace("_", " ")  # noqa: E731
        out = [
            f"The drivers explain {100 * t.attrs['r2']:.0f}% of the variation in "
            f"{_OUTCOME_NAMES.get(self.outcome, self.outcome)} "
            f"(R² = {t.attrs['r2']:.2f}, n = {t.attrs['n_complete']:,} complete responses).",
            f"{name(top['driver']).capitalize()} matters most: it accounts for {top['share']:.0f}% of the explained "
            f"variation (95% CI {top['ci_low']:.0f}% to {top['ci_high']:.0f}%).",
        ]
        median_share = t["share"].median()
        if worst["share"] >= median_share:
            out.append(f"{name(worst['driver']).capitalize()} is important ({worst['share']:.0f}% of the explained "
                       f"variation) and performs worst (average {worst['performance']:.2f}): the first place to act.")
        else:
            out.append(f"{name(worst['driver']).capitalize()} performs worst (average {worst['performance']:.2f}) "
                       f"but matters less ({worst['share']:.0f}%); among the important drivers, "
                       f"{name(t[t['share'] >= median_share].sort_values('performance').iloc[0]['driver'])} "
                       "performs worst.")
        unstable = t[t["rank_stability"] < 0.8]
        if len(unstable):
            out.append("The ranking of " + ", ".join(map(name, unstable["driver"])) + " changes in more than 20% of "
                       "bootstrap resamples: treat their order as uncertain.")
        out += t.attrs.get("warnings", [])
        if self.by_segment is not None:
            out += self.by_segment.attrs.get("warnings", [])
        return out

    def headline_values(self) -> dict[str, str]:
        vals = {"Responses": f"{len(self.data):,}"}
        if self.table is not None:
            vals["R²"] = f"{self.table.attrs['r2']:.2f}"
            vals["Top driver"] = f"{self.table.iloc[0]['driver']} ({self.table.iloc[0]['share']:.0f}%)"
        return vals

    def table_html(self):
        from .report import note, table_html

        if self.table is None:
            return note(self.message or "No drivers to show.")
        from .narrative import fmt_p

        t = self.table.copy()
        t["p_f"] = [fmt_p(p).removeprefix("p ").removeprefix("= ") for p in t["p"]]
        t["share_ci"] = [f"{lo:.0f}–{hi:.0f}%" for lo, hi in zip(t["ci_low"], t["ci_high"])]
        return table_html(t, columns={"driver": "Driver", "share": "Share of R² (%)", "share_ci": "95% CI",
                                      "importance": "R² contribution", "coef_std": "Std. coefficient",
                                      "p_f": "Robust p", "performance": "Performance", "rank_stability": "Rank stability"},
                          formats={"share": "{:.1f}", "share_ci": "{}", "importance": "{:.3f}", "coef_std": "{:.3f}",
                                   "p_f": "{}", "performance": "{:.2f}", "rank_stability": "{:.0%}"})

    def plot_quadrant(self):
        from .plots import plot_importance_performance

        return None if self.table is None else plot_importance_performance(self.table)

    def plot_segments(self):
        from .plots import plot_driver_heatmap

        return None if self.by_segment is None else plot_driver_heatmap(self.by_segment, by=self.by)


def driver_report(data: pd.DataFrame, *, outcome: str, drivers: Sequence[str], by: str | None = None,
                  method: str = "relative_weights", weights: str | None = None, bootstrap: int = 500,
                  missing: str = "listwise", seed: int = 0) -> DriverReport:
    """Compute the ``drivers`` notebook: overall drivers and, with ``by``, their shares per segment."""
    from .exceptions import CsatAnalysisError

    if len(data) == 0:
        return DriverReport(data, None, None, outcome, by)
    kw = dict(outcome=outcome, drivers=drivers, method=method, weights=weights, missing=missing, seed=seed)
    try:
        table = _key_drivers(data, bootstrap=bootstrap, **kw)
    except CsatAnalysisError as exc:
        return DriverReport(data, None, None, outcome, by, f"No key-driver analysis for this selection: {exc}")
    by_segment = None
    if by and by in data and data[by].nunique() > 1:
        try:
            by_segment = _key_drivers(data, by=by, bootstrap=0, **kw)
        except CsatAnalysisError:
            by_segment = None
    return DriverReport(data, table, by_segment, outcome, by)
