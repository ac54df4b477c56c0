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
intervals are percentile bootstrap intervals (rows resampled, and the
correlation matrix recomputed the same way as the estimate, listwise or
pairwise).  Beside them, standardized coefficients with HC1-robust p-values
from the full regression, and its HC1-robust overall F-test.

A model that explains almost nothing cannot rank its drivers: when R² < 0.02
(:data:`R2_MIN`) or the robust F-test does not reject R² = 0 at 5%
(:data:`R2_ALPHA`), the table says so (``attrs["r2_negligible"]``) and the
report gives no advice on where to act.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._utils import as_list, check_argument, numeric_values, require_columns, weight_column
from .deprecation import renamed_parameters
from .exceptions import DataError, ParameterError
from .registry import SCORES

__all__ = ["drivers", "relative_weights", "shapley_r2", "subset_r2", "DRIVER_COLUMNS", "MAX_SHAPLEY_DRIVERS",
           "driver_label", "outcome_name"]

DRIVER_COLUMNS = ["driver", "importance", "share", "ci_low", "ci_high", "coef_std", "p", "performance", "n", "r2",
                  "importance_ci_low", "importance_ci_high", "rank_stability"]
METHODS = ("relative_weights", "shapley")
MAX_SHAPLEY_DRIVERS = 15
R2_MIN = 0.02  # below this R² the drivers explain almost nothing, whatever the sample size
R2_ALPHA = 0.05  # level of the overall F-test of R² = 0
_NEG_EIG = -1e-8  # a pairwise matrix with an eigenvalue below this is not a correlation matrix
_SMOOTH_FLOOR = 1e-6  # the eigenvalues such a matrix is raised to


def outcome_name(outcome: str) -> str:
    """How an outcome is named in sentences ("the variation in ..."): a score column's plain name, else as named.

    Examples
    --------
    >>> outcome_name("nps"), outcome_name("spend")
    ('likelihood to recommend (0-10)', 'spend')
    """
    return SCORES[outcome].plain if outcome in SCORES else outcome


def driver_label(name) -> str:
    """How a driver is named in sentences and plots: only snake_case names are prettified.

    Examples
    --------
    >>> [driver_label(c) for c in ["rating_value", "price", "ValueForMoney", "Wifi&Connectivity", "Q1_staff"]]
    ['Rating value', 'Price', 'ValueForMoney', 'Wifi&Connectivity', 'Q1_staff']
    """
    text = str(name)
    if re.fullmatch(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*", text):
        return text.replace("_", " ").capitalize()
    return text


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
        out.update({frozenset(s): float(v) for s, v in zip(subsets.tolist(), r2, strict=False)})
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
    if pairwise:
        return _pairwise_corr(x, w)
    if w is None:
        return np.corrcoef(x, rowvar=False)
    m = np.average(x, axis=0, weights=w)
    c = (x - m).T @ ((x - m) * w[:, None]) / w.sum()
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)


def _pairwise_corr(x: np.ndarray, w: np.ndarray | None = None, min_periods: int = 3,
                   parts: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Correlations, each on the rows where both columns are answered (NaN = missing), weighted by ``w``.

    One matrix product over the rows, so a bootstrap resample is the same
    call with ``w`` times the resample counts (and ``parts`` from
    :func:`_pairwise_parts`, computed once).  Pairs with fewer than
    ``min_periods`` rows (or a constant column among them) are NaN, as in
    ``DataFrame.corr(min_periods=...)``.

    Examples
    --------
    >>> x = np.array([[1, 2, np.nan], [2, 4, 1], [3, 5, 2], [4, 4, 3], [np.nan, 1, 5]])
    >>> np.allclose(_pairwise_corr(x), pd.DataFrame(x).corr())
    True
    """
    left, right = parts if parts is not None else _pairwise_parts(x)
    k = x.shape[1]
    g = left.T @ (right if w is None else right * w[:, None])
    total, sums, sq, cross = g[:k, :k], g[k:2 * k, :k], g[2 * k:, :k], g[k:2 * k, k:]
    count = total if w is None else left[:, :k].T @ (right[:, :k] * (w > 0)[:, None])
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = sums / total  # [i, j]: mean of column i on the rows answering i and j
        sq = sq / total
        var = sq - mean**2
        cov = cross / total - mean * mean.T
        flat = var <= 1e-12 * sq
        r = cov / np.sqrt(var * var.T)
    r[flat | flat.T | (count < min_periods)] = np.nan
    r = np.clip(r, -1, 1)
    np.fill_diagonal(r, 1.0)
    return r


def _pairwise_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``[answered, z, z²]`` and ``[answered, z]`` by row, with ``z`` the centred values (0 where missing)."""
    answered = ~np.isnan(x)
    ones = answered.astype(float)
    z = np.where(answered, x - np.nanmean(x, axis=0), 0.0)  # centred for accuracy
    return np.hstack([ones, z, z * z]), np.hstack([ones, z])


def _smooth_corr(corr: np.ndarray, floor: float = _SMOOTH_FLOOR) -> np.ndarray:
    """The correlation matrix with eigenvalues raised to ``floor`` and unit diagonal (cf. R ``psych::cor.smooth``).

    Examples
    --------
    >>> r = np.array([[1, .9, .9], [.9, 1, -.9], [.9, -.9, 1]])  # not positive definite
    >>> bool(np.linalg.eigvalsh(_smooth_corr(r)).min() > 0)
    True
    """
    lam, vec = np.linalg.eigh(corr)
    fixed = vec @ np.diag(np.clip(lam, floor, None)) @ vec.T
    d = np.sqrt(np.diag(fixed))
    fixed = fixed / np.outer(d, d)
    np.fill_diagonal(fixed, 1.0)
    return fixed


def _importance(corr: np.ndarray, method: str) -> np.ndarray:
    return relative_weights(corr) if method == "relative_weights" else shapley_r2(corr)


@renamed_parameters(bootstrap="n_boot", seed="random_state")
def drivers(
    data: pd.DataFrame,
    *,
    outcome: str,
    drivers: Sequence[str],
    method: str = "relative_weights",
    weights: str | None = None,
    by: str | None = None,
    n_boot: int = 1000,
    ci: float = 0.95,
    random_state: int = 0,
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
    n_boot : int
        Bootstrap resamples for the intervals (0: none).  ``bootstrap=`` is
        the deprecated old name.
    ci : float
    random_state : int
        Seed of the bootstrap resamples (``seed=`` is the deprecated old name).
    missing : {"listwise", "pairwise"}
        Complete rows only, or each correlation on its pairwise-complete rows;
        every pair then needs 10 responses per driver.  The bootstrap resamples
        all rows and recomputes the pairwise correlations each time; a pairwise
        matrix that is not positive definite is replaced by the nearest valid
        one (eigenvalues clipped), with a warning.  The robust p-values and
        F-test need complete rows (10 per driver; blank otherwise).
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
        driver where the full data does.  A percentile interval that misses
        its estimate (bootstrap bias near 0) is extended to it, with a warning.
        ``table.attrs`` holds ``r2``, ``method``, ``missing``, ``warnings``
        (e.g. collinear drivers), ``r2_test`` (the HC1-robust overall F-test:
        ``F``, ``df1``, ``df2``, ``p``), ``r2_negligible`` (R² < ``R2_MIN`` =
        0.02, or F-test p >= ``R2_ALPHA`` = 0.05: the drivers explain almost
        nothing and their shares rank nothing) and ``r2_note`` (why, in words).

    Raises
    ------
    ParameterError
        Absent column, unknown method, more than 15 drivers for Shapley.
    DataError
        Non-numeric or constant columns, fewer than 10 complete rows per
        driver (pairwise: 10 per driver for every pair), perfectly collinear
        drivers.
    """
    check_argument("method", list(METHODS), method)
    check_argument("missing", ["listwise", "pairwise"], missing)
    check_argument("performance", ["mean", "top_box"], performance)
    drivers = as_list(drivers)
    if not drivers:
        raise ParameterError("Give at least one driver column in `drivers`.")
    if outcome in drivers:
        raise ParameterError(f"The outcome {outcome!r} is also listed as a driver; remove it from `drivers`.")
    data, weights = weight_column(data, weights)
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
                part = drivers_one(data[data[by] == level], outcome, drivers, method, weights, n_boot, ci, random_state,
                                   missing, performance, top_box)
            except DataError as exc:  # one segment without enough data does not stop the others
                notes.append(f"{by} = {level}: {exc}")
                continue
            if part.attrs["r2_negligible"]:
                notes.append(f"{by} = {level}: the drivers explain almost nothing here (R² = {part.attrs['r2']:.3f}), "
                             "so its shares do not rank them.")
            part.insert(0, by, level)
            parts.append(part)
        if not parts:
            raise DataError(f"No segment of {by!r} has enough data for a key-driver analysis: " + "; ".join(notes))
        out = pd.concat(parts, ignore_index=True)
        out.attrs = {"method": method, "missing": missing, "by": by, "warnings": notes}
        return out
    return drivers_one(data, outcome, drivers, method, weights, n_boot, ci, random_state, missing, performance,
                       top_box)



def drivers_one(data, outcome, drivers, method, weights, bootstrap, ci, seed, missing, performance, top_box):
    columns = [outcome, *drivers]
    pairwise = missing == "pairwise"
    x = np.column_stack([numeric_values(data, c) for c in columns])
    w = None
    if weights:
        w = pd.to_numeric(data[weights], errors="coerce").to_numpy(dtype=float)
        x, w = x[~np.isnan(w)], w[~np.isnan(w)]  # a response without a weight takes no part
    complete = ~np.isnan(x).any(axis=1)
    n_complete = int(complete.sum())
    unanswered = [c for i, c in enumerate(columns) if np.isnan(x[:, i]).all()]
    if unanswered and len(x):
        raise DataError(f"{unanswered[0]!r} has no answers in these rows, so no row is complete; drop it from the "
                        "drivers (or the segment from the analysis).")
    need = 10 * len(drivers)
    if pairwise:
        answered = ~np.isnan(x)
        pairs = answered.T.astype(int) @ answered
        i, j = np.unravel_index(np.argmin(pairs), pairs.shape)
        if pairs[i, j] < need:
            raise DataError(f"Only {pairs[i, j]} responses answer both {columns[i]!r} and {columns[j]!r}; pairwise "
                            f"key-driver analysis needs at least 10 per driver ({need}) for every pair.")
    elif n_complete < need:
        gaps = {c: int(np.isnan(x[:, columns.index(c)]).sum()) for c in drivers}
        worst = max(drivers, key=gaps.get)
        if len(x) - n_complete > max(len(x) // 10, 0) and gaps[worst] > 0:  # the gaps are the cause
            cause = (f"Drop drivers with many gaps (e.g. {worst!r}, unanswered in {gaps[worst]:,} of {len(x):,} "
                     "rows) or use missing='pairwise'.")
        else:  # few answers, not gaps: name that
            cause = (f"There are only {len(x):,} responses here{' (none with a gap)' if n_complete == len(x) else ''}; "
                     "rank fewer drivers, or analyse a larger selection (e.g. all segments together).")
        raise DataError(f"Only {n_complete} complete rows for {len(drivers)} drivers; key-driver analysis needs at "
                        f"least 10 per driver ({need}). {cause}")
    xc = x[complete]
    wc = None if w is None else w[complete]
    sd = np.nanstd(x, axis=0) if pairwise else xc.std(axis=0)
    if (sd == 0).any():
        const = [c for c, s in zip(columns, sd, strict=False) if s == 0]
        raise DataError(f"Column {const[0]!r} is constant in the rows used, so it cannot explain or be explained; "
                        "drop it.")
    warnings: list[str] = []
    if pairwise:
        keep = (~np.isnan(x)).sum(axis=1) >= 2  # rows that answer no pair add nothing
        xs, ws = x[keep], None if w is None else w[keep]
    else:
        xs, ws = xc, wc
    corr = _corr(xs, ws, pairwise)
    if np.isnan(corr).any():
        i, j = np.argwhere(np.isnan(corr))[0]
        raise DataError(f"{columns[i]!r} or {columns[j]!r} is constant in the responses that answer both, so their "
                        "correlation is undefined; drop one of them.")
    rxx = corr[1:, 1:]
    eig = np.linalg.eigvalsh(rxx)
    if eig.min() < 1e-10 and not (pairwise and eig.min() < _NEG_EIG):
        inv = np.linalg.pinv(rxx)
        worst = [drivers[i] for i in np.argsort(-np.abs(np.diag(inv)))[:2]]
        raise DataError(f"The drivers {worst[0]!r} and {worst[1]!r} (among others) are perfectly collinear; drop one "
                        "of them.")
    low = np.linalg.eigvalsh(corr).min()
    if pairwise and low < _NEG_EIG:
        corr = _smooth_corr(corr)
        rxx = corr[1:, 1:]
        warnings.append(f"The pairwise correlations do not fit together (their matrix is not positive definite: "
                        f"smallest eigenvalue {low:.3f}), as happens when different respondents answer different "
                        "drivers; they were replaced by the nearest valid correlation matrix (eigenvalues clipped), "
                        "so treat the importances as approximate.")
    vif = np.diag(np.linalg.inv(rxx))
    high = [f"{d} (VIF {v:.1f})" for d, v in zip(drivers, vif, strict=False) if v > 5]
    if high:
        warnings.append("Highly collinear drivers: " + ", ".join(high) + "; their individual importances are "
                        "uncertain (the relative ordering of these drivers may not be stable).")
    importance = _importance(corr, method)
    beta = np.linalg.solve(rxx, corr[1:, 0])
    r2 = float(corr[1:, 0] @ beta)
    if pairwise and (n_complete < need or (xc.std(axis=0) == 0).any()):
        p, ftest = np.full(len(drivers), np.nan), {"F": np.nan, "df1": len(drivers), "df2": np.nan, "p": np.nan}
        warnings.append(f"Only {n_complete} responses answer every driver, too few (10 per driver) for the robust "
                        "p-values and F-test, which need complete rows; they are left blank.")
    else:
        p, ftest = _robust_fit(xc, wc)
    negligible, note = _r2_verdict(r2, ftest, outcome)
    if negligible:
        warnings.insert(0, note)

    boots = _bootstrap(xs, ws, pairwise, method, bootstrap, seed)
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
    share = 100 * importance / importance.sum()
    share_lo, share_hi = q(shares_b)
    imp_lo, imp_hi = q(boots[ok])
    outside = (share < share_lo) | (share > share_hi) | (importance < imp_lo) | (importance > imp_hi)
    if outside.any():  # percentile intervals of importances near 0 can miss the estimate (bootstrap bias)
        share_lo, share_hi = np.fmin(share_lo, share), np.fmax(share_hi, share)
        imp_lo, imp_hi = np.fmin(imp_lo, importance), np.fmax(imp_hi, importance)
        warnings.append("The bootstrap interval of " + ", ".join(np.asarray(drivers)[outside]) + " lay on one side "
                        "of the estimate (resampling bias, usual for importances near zero) and was extended to "
                        "include it.")
    n_used = [int((~np.isnan(x[:, 0]) & ~np.isnan(x[:, j])).sum()) if pairwise else n_complete
              for j in range(1, len(columns))]
    out = pd.DataFrame({
        "driver": drivers,
        "importance": importance,
        "share": share,
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
                 "n_complete": n_complete, "bootstrap": int(ok.sum()), "performance": performance,
                 "r2_test": ftest, "r2_negligible": negligible, "r2_note": note if negligible else None}
    return out[DRIVER_COLUMNS]


def _bootstrap(x: np.ndarray, w: np.ndarray | None, pairwise: bool, method: str, bootstrap: int,
               seed: int) -> np.ndarray:
    """Importances of ``bootstrap`` row resamples (NaN rows for degenerate resamples).

    Listwise: ``x`` holds the complete rows.  Pairwise: ``x`` holds every row;
    each resample recomputes the pairwise correlations (the resample counts
    act as weights) and, like the estimate, smooths a matrix that is not
    positive definite.
    """
    n, k = x.shape
    boots = np.full((max(bootstrap, 0), k - 1), np.nan)
    rng = np.random.default_rng(seed)
    parts = _pairwise_parts(x) if pairwise and bootstrap > 0 else None
    for b in range(max(bootstrap, 0)):
        idx = rng.integers(0, n, n)
        if pairwise:
            counts = np.bincount(idx, minlength=n).astype(float)
            cb = _pairwise_corr(x, counts if w is None else counts * w, parts=parts)
            if np.isnan(cb).any():
                continue
            if np.linalg.eigvalsh(cb).min() < _NEG_EIG:
                cb = _smooth_corr(cb)
        else:
            xb = x[idx]
            if (xb.std(axis=0) == 0).any():
                continue
            cb = _corr(xb, None if w is None else w[idx], False)
        try:
            if np.linalg.eigvalsh(cb[1:, 1:]).min() < 1e-10:
                continue
            boots[b] = _importance(cb, method)
        except np.linalg.LinAlgError:
            continue
    return boots


def _robust_fit(xc: np.ndarray, wc: np.ndarray | None) -> tuple[np.ndarray, dict]:
    """HC1-robust p-values of the standardized regression of the outcome on the drivers, and its overall F-test.

    The F-test is the robust Wald test that all driver coefficients are 0
    (``F``, ``df1``, ``df2``, ``p``), i.e. that the population R² is 0.
    """
    import statsmodels.api as sm

    z = (xc - xc.mean(axis=0)) / xc.std(axis=0)
    exog = sm.add_constant(z[:, 1:], has_constant="add")
    model = sm.OLS(z[:, 0], exog) if wc is None else sm.WLS(z[:, 0], exog, weights=wc)
    fit = model.fit(cov_type="HC1")
    ftest = {"F": float(np.squeeze(fit.fvalue)), "df1": int(fit.df_model), "df2": int(fit.df_resid),
             "p": float(np.squeeze(fit.f_pvalue))}
    return np.asarray(fit.pvalues[1:]), ftest


def _r2_verdict(r2: float, ftest: dict, outcome: str) -> tuple[bool, str]:
    """Whether R² is negligible (below :data:`R2_MIN`, or not significant at :data:`R2_ALPHA`), and why, in words.

    Examples
    --------
    >>> print(_r2_verdict(0.004, {"F": 0.8, "df1": 4, "df2": 1995, "p": 0.52}, "csat")[1])
    The drivers explain almost none of the variation in CSAT scores (R² = 0.004, below 0.02, and not
    significantly above zero: robust F-test F(4, 1995) = 0.80, p = 0.520).
    >>> _r2_verdict(0.31, {"F": 90.0, "df1": 4, "df2": 995, "p": 1e-40}, "csat")[0]
    False
    """
    what = outcome_name(outcome)
    fp = ftest.get("p", np.nan)
    small, insignificant = r2 < R2_MIN, bool(fp >= R2_ALPHA)  # NaN p: no test, R² alone decides
    if not (small or insignificant):
        return False, ""
    test = (f"robust F-test F({ftest['df1']}, {ftest['df2']}) = {ftest['F']:.2f}, "
            f"{'p < 0.001' if fp < 0.001 else f'p = {fp:.3f}'}") if not np.isnan(fp) else ""
    if small:
        why = (f"below {R2_MIN:g}" + (f", and not significantly above zero: {test}" if insignificant else
                                      f", although significantly above zero: {test}" if test else ""))
        return True, f"The drivers explain almost none of the variation in {what} (R² = {r2:.3f}, {why})."
    return True, (f"The drivers explain {100 * r2:.0f}% of the variation in {what} (R² = {r2:.2f}), which is not "
                  f"significantly more than nothing ({test}).")
