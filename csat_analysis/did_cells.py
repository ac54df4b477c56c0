"""Two-way fixed-effects DiD from cells: every fit and replicate costs cells, not rows.

In a difference-in-differences with group and period fixed effects (and
categorical controls), every column of the design is constant within a
*cell*: a group x period (x cluster x control values) combination.  Least
squares, the cluster-robust (CR1) covariance, the wild cluster restricted
bootstrap and randomization inference are all sums over rows of products of
one design row with the outcome (or with another design row); within a cell
those sums are ``W_c x_c x_c'`` and ``x_c S_c`` with ``W_c`` the cell's
(weighted) count and ``S_c`` its (weighted) outcome sum.  So the rows are
reduced once to cells (:func:`did_cells`: counts, weight sums, weighted sums
and sums of squares, as :mod:`csat_analysis.cells` does for ``summarize``)
and every estimate is computed on them (:func:`fit_cells`,
:func:`wcr_test`, :func:`randomization_test`, :func:`imputation_att`,
:func:`event_study`).  The results equal the row-level statsmodels fits to
rounding (about 1e-12); only the small-sample factor
``G/(G-1)·(N-1)/(N-K)`` needs the row count ``N``, which the cells keep.

A numeric control with many distinct values makes about one cell per row:
still exact, no longer a reduction.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats

__all__ = ["DidCells", "CellFit", "did_cells", "fit_cells", "wcr_test", "randomization_test", "imputation_att",
           "event_study", "boot_weights", "invert_test", "coef_row"]


@dataclasses.dataclass
class DidCells:
    """A DiD frame reduced to cells.

    Attributes
    ----------
    keys : DataFrame
        One row per cell: ``_g`` (group label), ``_p`` (period code),
        ``_treated``, ``_post``, ``_did``, ``_gcode`` (group, numbered in order
        of first appearance in the rows), ``_cluster`` (cluster code, likewise)
        and the control columns.
    n, w, wy, wyy : ndarray
        Per cell: responses, sum of weights, weighted sum and weighted sum of
        squares of the outcome (``w`` = ``n`` without weights).
    nobs : int
        Rows in all.
    units : list
        Group labels in order of first appearance.
    clusters : int
        Number of clusters.
    """

    keys: pd.DataFrame
    n: np.ndarray
    w: np.ndarray
    wy: np.ndarray
    wyy: np.ndarray
    nobs: int
    units: list
    clusters: int

    @property
    def ybar(self) -> np.ndarray:
        """Weighted mean outcome per cell."""
        return self.wy / self.w


def did_cells(frame: pd.DataFrame, *, weights: np.ndarray | None = None, clusters: Sequence[Any] | None = None,
              columns: Sequence[str] = ()) -> DidCells:
    """Reduce a DiD frame (``_y, _g, _p, _treated, _post, _did`` and control ``columns``) to cells.

    Parameters
    ----------
    frame : DataFrame
        One row per response, without missing values.
    weights : ndarray, optional
        Row weights (positive).
    clusters : array-like, optional
        Row cluster labels (default: the group ``_g``).
    columns : list of str
        Control columns; a cell is one combination of their values too.

    Returns
    -------
    DidCells

    Examples
    --------
    >>> f = pd.DataFrame({"_y": [1.0, 3.0, 5.0], "_g": ["a", "a", "b"], "_p": [0, 0, 1],
    ...                   "_treated": [1.0, 1.0, 0.0], "_post": [0.0, 0.0, 1.0], "_did": [0.0, 0.0, 0.0]})
    >>> c = did_cells(f)
    >>> c.n.tolist(), c.ybar.tolist(), c.nobs, c.units, c.clusters
    ([2, 1], [2.0, 5.0], 3, ['a', 'b'], 2)
    """
    N = len(frame)
    gcode, units = pd.factorize(frame["_g"].to_numpy())
    if clusters is None:
        ccode, G = gcode, len(units)
    else:
        ccode, cl = pd.factorize(np.asarray(clusters))
        G = len(cl)
    pcode, _ = pd.factorize(frame["_p"].to_numpy())
    key = gcode.astype(np.int64) * (int(pcode.max()) + 1 if N else 1) + pcode
    parts = [key]
    if clusters is not None:
        parts.append(ccode)
    parts += [pd.factorize(frame[c].to_numpy())[0] for c in columns]
    if len(parts) > 1:  # combine codes; factorize pairwise so the key never overflows
        code = parts[0]
        for nxt in parts[1:]:
            code = pd.factorize(code * (int(nxt.max()) + 1) + nxt)[0].astype(np.int64)
        cell, first = _first(code)
    else:
        cell, first = _first(key)
    C = len(first)
    y = frame["_y"].to_numpy(float)
    w = np.ones(N) if weights is None else np.asarray(weights, float)
    wy = w * y
    keys = frame.iloc[first][["_g", "_p", "_treated", "_post", "_did", *columns]].reset_index(drop=True)
    keys["_gcode"] = gcode[first]
    keys["_cluster"] = ccode[first]
    return DidCells(keys=keys, n=np.bincount(cell, minlength=C), w=np.bincount(cell, w, minlength=C),
                    wy=np.bincount(cell, wy, minlength=C), wyy=np.bincount(cell, wy * y, minlength=C),
                    nobs=N, units=list(units), clusters=G)


def _first(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Dense cell numbers (in order of first appearance) and each cell's first row."""
    cell, uniq = pd.factorize(code)
    first = np.full(len(uniq), len(cell), dtype=np.int64)
    np.minimum.at(first, cell, np.arange(len(cell)))
    return cell, first


@dataclasses.dataclass
class CellFit:
    """Weighted least squares on cells with cluster-robust (CR1) errors, named like statsmodels' results.

    ``params``, ``bse``, ``tvalues``, ``pvalues`` (Series), ``cov_params()``,
    ``nobs`` (rows), ``df_resid_inference`` (``G - 1``), and ``model`` with
    ``exog`` (cell design), ``exog_names``, ``wexog``/``wendog`` (cell design
    and mean outcome times ``sqrt(W_c)``, the rows' sums of products).
    """

    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    nobs: int
    df_resid_inference: int
    model: Any
    clusters: np.ndarray  # cluster code per cell
    G: int
    design_info: Any = None

    def cov_params(self) -> pd.DataFrame:
        return self.cov


@dataclasses.dataclass
class _Model:
    exog: np.ndarray
    exog_names: list[str]
    wexog: np.ndarray
    wendog: np.ndarray


def fit_cells(cells: DidCells, rhs: str, keys: pd.DataFrame | None = None) -> CellFit:
    """``_y ~ rhs`` by weighted least squares on the cells, CR1 errors by cluster, ``t(G - 1)`` inference.

    The same columns as statsmodels' formula fit on the rows (the design is
    built by patsy from the cell keys) and the same minimum-norm solution when
    the design is rank deficient.
    """
    import patsy

    keys = cells.keys if keys is None else keys
    X = patsy.dmatrix(rhs, keys, return_type="dataframe", NA_action="raise")
    names = list(X.columns)
    X = X.to_numpy(float)
    sw = np.sqrt(cells.w)
    Xw, yw = X * sw[:, None], cells.wy / sw
    pinv = np.linalg.pinv(Xw, rcond=1e-15)
    beta = pinv @ yw
    ncov = pinv @ pinv.T
    xu = Xw * (yw - Xw @ beta)[:, None]
    codes = keys["_cluster"].to_numpy() if "_cluster" in keys else cells.keys["_cluster"].to_numpy()
    G = cells.clusters
    S = np.zeros((G, X.shape[1]))
    np.add.at(S, codes, xu)
    N, K = cells.nobs, X.shape[1]
    V = ncov @ (S.T @ S) @ ncov * (G / (G - 1.0)) * ((N - 1.0) / (N - K))
    se = np.sqrt(np.diag(V))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = beta / se
    p = 2 * stats.t.sf(np.abs(t), G - 1)
    return CellFit(params=pd.Series(beta, names), bse=pd.Series(se, names), tvalues=pd.Series(t, names),
                   pvalues=pd.Series(p, names), cov=pd.DataFrame(V, names, names), nobs=N, df_resid_inference=G - 1,
                   model=_Model(X, names, Xw, yw), clusters=codes, G=G)


def coef_row(term: str, est: float, se: float, ci: float, df: float | None) -> dict:
    """``term, estimate, se, ci_low, ci_high, p`` with ``t(df)`` (normal without ``df``)."""
    q = stats.t.ppf(0.5 + ci / 2, df) if df else stats.norm.ppf(0.5 + ci / 2)
    stat = est / se if se > 0 else np.nan
    p = 2 * (stats.t.sf(abs(stat), df) if df else stats.norm.sf(abs(stat)))
    return {"term": term, "estimate": est, "se": se, "ci_low": est - q * se, "ci_high": est + q * se, "p": p}


# --------------------------------------------------------------------------- wild cluster bootstrap


def boot_weights(G: int, reps: int, seed: int) -> tuple[np.ndarray, str, bool]:
    """Wild bootstrap weights (reps x G): Rademacher, or Webb's six-point weights below 12 clusters.

    All distinct sign vectors are enumerated when there are no more of them than
    ``reps`` (2^G for Rademacher, 6^G for Webb), as ``fwildclusterboot`` does.
    """
    if G >= 12:
        points, kind = np.array([-1.0, 1.0]), "Rademacher"
    else:
        r = np.sqrt([1.5, 1.0, 0.5])
        points, kind = np.concatenate([-r, r]), "Webb six-point"
    if len(points) ** G <= reps:
        return np.array(list(itertools.product(points, repeat=G))), kind, True
    rng = np.random.default_rng(seed)
    return rng.choice(points, size=(reps, G)), kind, False


def invert_test(pvalue: Callable[[float], float], bhat: float, se: float, alpha: float) -> tuple[float, float]:
    """The interval of null values a test does not reject at ``alpha`` (bracket by doubling, then bisect)."""
    ends = []
    for side in (-1, 1):
        inner, step = bhat, se
        outer = bhat + side * step
        for _ in range(40):  # widen until the null value is rejected
            if pvalue(outer) < alpha:
                break
            inner, step = outer, step * 2
            outer = bhat + side * step
        else:
            ends.append(side * np.inf)
            continue
        for _ in range(30):  # bisect to ~1e-9 of the bracket
            mid = (inner + outer) / 2
            inner, outer = (mid, outer) if pvalue(mid) >= alpha else (inner, mid)
        ends.append((inner + outer) / 2)
    return ends[0], ends[1]


def wcr_test(X: np.ndarray, y: np.ndarray, k: int, codes: np.ndarray, *, nobs: int | None = None, reps: int,
             seed: int, ci: float | None = 0.95) -> dict[str, Any]:
    """Wild cluster restricted bootstrap of ``beta[k] = 0`` (closed form), on rows or on cells.

    ``X`` and ``y`` are the (square-root weighted) design and outcome of rows,
    or of cells (``sqrt(W_c) x_c`` and ``sqrt(W_c) ybar_c``) with ``nobs``
    the row count; ``codes`` numbers the clusters 0..G-1 (the order the weight
    vectors are assigned in).  See ``effects.wild_cluster_bootstrap``.
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    codes = np.asarray(codes)
    G, C = int(codes.max()) + 1, X.shape[0]
    N = C if nobs is None else nobs
    XtX = X.T @ X
    rank = np.linalg.matrix_rank(XtX)
    XtXi = np.linalg.pinv(XtX)
    a = X @ XtXi[:, k]
    Xr = np.delete(X, k, axis=1)

    def restricted(v):
        return v - Xr @ np.linalg.lstsq(Xr, v, rcond=None)[0]

    E = sparse.csr_matrix((np.ones(C), (codes, np.arange(C))), shape=(G, C))
    c = G / (G - 1) * (N - 1) / (N - rank)
    bhat = float(a @ y)
    u = y - X @ (XtXi @ (X.T @ y))
    se = float(np.sqrt(c * np.sum((E @ (a * u)) ** 2)))
    AX = E @ (X * a[:, None])

    def blocks(ur):
        d = E @ (a * ur)
        Cm = AX @ (XtXi @ (E @ (X * ur[:, None])).T)
        return d, Cm

    d0, C0 = blocks(restricted(y))
    d1, C1 = blocks(restricted(X[:, k]))
    V, kind, enumerated = boot_weights(G, reps, seed)

    # each bootstrap score is linear in the tested null value b: precompute both parts once
    num0, num1 = V @ d0, V @ d1
    M0, M1 = V * d0 - V @ C0.T, V * d1 - V @ C1.T

    def pvalue(b: float) -> float:
        num = num0 - b * num1
        den = np.sqrt(c * np.sum((M0 - b * M1) ** 2, axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            tstar = np.abs(num / den)
        t = abs(bhat - b) / se if se > 0 else np.inf
        return float(np.mean(np.nan_to_num(tstar, nan=0.0) >= t - 1e-12 * max(1.0, t)))

    p = pvalue(0.0)
    out = {"estimate": bhat, "se": se, "t": bhat / se if se > 0 else np.nan, "p": p, "ci_low": np.nan,
           "ci_high": np.nan, "weights": kind, "reps": len(V), "enumerated": enumerated, "clusters": G}
    if ci is not None and se > 0:
        out["ci_low"], out["ci_high"] = invert_test(pvalue, bhat, se, 1 - ci)
    return out


# --------------------------------------------------------------------------- randomization inference


def randomization_test(fit: CellFit, term: str, cells: DidCells, *, reps: int, seed: int,
                       ci: float = 0.95) -> dict[str, Any] | None:
    """Randomization inference (RI-t, MacKinnon & Webb 2020) on the cells.

    Every set of as many groups as were treated (all of them when there are at
    most ``reps`` such sets, else ``reps`` random sets plus the actual one)
    gets the DiD coefficient and its CR1 t-statistic by Frisch-Waugh-Lovell;
    the p-value is the share of sets with ``|t|`` at least the actual one, and
    the interval inverts the test.  ``None`` with fewer than 20 possible sets.
    """
    X, y = fit.model.wexog, fit.model.wendog
    k = fit.model.exog_names.index(term)
    sw = np.sqrt(cells.w)
    keys = cells.keys
    g = keys["_gcode"].to_numpy()
    J = len(cells.units)
    treated_codes = set(g[keys["_treated"].to_numpy() == 1].tolist())
    n_t = len(treated_codes)
    total = math.comb(J, n_t)
    if total < 20:
        return None
    Xo = np.delete(X, k, axis=1)
    pinv_o = np.linalg.pinv(Xo)

    def resid(v):
        return v - Xo @ (pinv_o @ v)

    post = keys["_post"].to_numpy(float)
    cols = np.zeros((len(g), J))
    cols[np.arange(len(g)), g] = post * sw
    R = resid(cols)
    ytil = resid(y)
    actual = np.array([j in treated_codes for j in range(J)], float)
    if total <= reps:
        A = np.zeros((J, total))
        for j, idx in enumerate(itertools.combinations(range(J), n_t)):
            A[list(idx), j] = 1.0
        enumerated = True
    else:
        rng = np.random.default_rng(seed)
        A = np.zeros((J, reps))
        for j in range(reps):
            A[rng.choice(J, n_t, replace=False), j] = 1.0
        A = np.column_stack([actual, A])
        enumerated = False
    G, N = fit.G, cells.nobs
    E = sparse.csr_matrix((np.ones(len(g)), (fit.clusters, np.arange(len(g)))), shape=(G, len(g)))
    c = G / (G - 1) * (N - 1) / (N - X.shape[1])
    x_obs = R @ actual
    j_obs = int(np.flatnonzero((A == actual[:, None]).all(axis=0))[0])
    # every replicate's coefficient and cluster scores are linear in the tested null value b0: their parts are
    # computed once (in blocks of assignments, so memory stays bounded), and each p-value costs O(G x sets)
    S = A.shape[1]
    xx, xy0, xy1 = np.empty(S), np.empty(S), np.empty(S)
    P0, P1, Q = np.empty((G, S)), np.empty((G, S)), np.empty((G, S))
    step = max(1, int(2e7 // max(len(g), 1)))
    for lo in range(0, S, step):
        sl = slice(lo, min(S, lo + step))
        XS = R @ A[:, sl]  # one residualized treatment column per assignment
        xx[sl], xy0[sl], xy1[sl] = np.sum(XS ** 2, axis=0), XS.T @ ytil, XS.T @ x_obs
        P0[:, sl] = E @ (XS * ytil[:, None])
        P1[:, sl] = E @ (XS * x_obs[:, None])
        Q[:, sl] = E @ (XS * XS)

    def tstats(b0):
        beta = (xy0 - b0 * xy1) / xx if b0 else xy0 / xx
        score = (P0 - b0 * P1 if b0 else P0) - Q * beta
        se = np.sqrt(c * (score ** 2).sum(axis=0)) / xx
        return beta, np.abs(beta / se)

    def pvalue(b0):
        _, t = tstats(b0)
        return float(np.mean(t >= t[j_obs] - 1e-12 * max(1.0, t[j_obs])))

    beta, t = tstats(0.0)
    bhat = float(beta[j_obs])
    se = float(abs(beta[j_obs]) / t[j_obs]) if t[j_obs] > 0 else float(fit.bse[term])
    lo, hi = invert_test(pvalue, bhat, se, 1 - ci)
    return {"estimate": bhat, "p": pvalue(0.0), "ci_low": lo, "ci_high": hi, "weights": "randomization inference",
            "reps": A.shape[1], "enumerated": enumerated, "clusters": G}


# --------------------------------------------------------------------------- ATT and event study


def imputation_att(cells: DidCells, controls: str | None) -> dict[str, Any] | None:
    """The imputation ATT (Borusyak, Jaravel & Spiess 2024) from the cells.

    Group and period effects (and controls) are fitted on the untreated cells;
    each treated post-start cell's counterfactual is imputed, and the ATT is
    the (weighted) mean of ``y - y(0)`` over the treated responses after the
    start.  ``None`` when a treated group or period has no untreated data.
    """
    import patsy

    keys = cells.keys
    did = keys["_did"].to_numpy() == 1
    if not did.any():
        return None
    un, tr = ~did, did
    w_un, w_tr = cells.w[un], cells.w[tr]
    if controls:
        try:
            info = patsy.dmatrix(f"C(_g) + C(_p) + {controls}", keys[un], return_type="matrix").design_info
            Xu = np.asarray(patsy.build_design_matrices([info], keys[un])[0], float)
            Xt = np.asarray(patsy.build_design_matrices([info], keys[tr])[0], float)
        except Exception:  # a category with no untreated rows (patsy refuses to predict it)
            return None
        sw = np.sqrt(w_un)
        beta = np.linalg.pinv(Xu * sw[:, None], rcond=1e-15) @ (cells.wy[un] / sw)
    else:
        g_un, p_un = keys.loc[un, "_g"].to_numpy(), keys.loc[un, "_p"].to_numpy()
        g_levels, p_levels = pd.unique(g_un), pd.unique(p_un)
        if not (keys.loc[tr, "_g"].isin(g_levels).all() and keys.loc[tr, "_p"].isin(p_levels).all()):
            return None

        def design(part: pd.DataFrame) -> np.ndarray:
            gi = pd.Categorical(part["_g"], categories=g_levels).codes
            pi = pd.Categorical(part["_p"], categories=p_levels).codes
            X = np.zeros((len(part), len(g_levels) + len(p_levels) - 1))
            X[np.arange(len(part)), gi] = 1.0
            rows = pi > 0
            X[np.flatnonzero(rows), len(g_levels) + pi[rows] - 1] = 1.0
            return X

        Xu, Xt = design(keys[un]), design(keys[tr])
        sw = np.sqrt(w_un)
        beta = np.linalg.lstsq(Xu * sw[:, None], cells.wy[un] / sw, rcond=None)[0]
    y0 = Xt @ beta
    if np.isnan(y0).any():
        return None
    shares = pd.Series(w_tr, index=keys.loc[tr, "_g"].to_numpy()).groupby(level=0).sum() / w_tr.sum()
    return {"estimate": float((cells.wy[tr] - w_tr * y0).sum() / w_tr.sum()),
            "weights": {str(k): float(v) for k, v in shares.items()}, "responses": int(cells.n[tr].sum())}


def event_study(cells: DidCells, controls: str | None, start_code: int, label, ci: float
                ) -> tuple[pd.DataFrame, CellFit, list[str]]:
    """Effects by period relative to the start (period -1 the reference) on the cells.

    Returns the table (``relative_period, period, estimate, se, ci_low,
    ci_high, p``), the fit and the names of the pre-period coefficients (for
    the joint pre-trend test).
    """
    keys = cells.keys.copy()
    rel = (keys["_p"] - start_code).astype(int)
    treated = keys["_treated"].to_numpy() == 1
    terms = {}
    for k in sorted(k for k in rel.unique() if k != -1):
        name = f"_e{'m' if k < 0 else 'p'}{abs(k)}"
        keys[name] = ((rel == k).to_numpy() & treated).astype(float)
        terms[k] = name
    rhs = " + ".join(terms.values()) + " + C(_g) + C(_p)" + (f" + {controls}" if controls else "")
    res = fit_cells(cells, rhs, keys)
    rows = []
    for k, name in terms.items():
        r = coef_row(str(k), float(res.params[name]), float(res.bse[name]), ci, res.df_resid_inference)
        rows.append({"relative_period": k, "period": label(start_code + k),
                     **{c: r[c] for c in ("estimate", "se", "ci_low", "ci_high", "p")}})
    rows.append({"relative_period": -1, "period": label(start_code - 1), "estimate": 0.0, "se": 0.0,
                 "ci_low": 0.0, "ci_high": 0.0, "p": np.nan})
    table = pd.DataFrame(rows).sort_values("relative_period", ignore_index=True)
    return table, res, [name for k, name in terms.items() if k < -1]
