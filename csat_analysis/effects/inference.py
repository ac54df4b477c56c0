"""Inference for the campaign designs: model fits and their coefficient rows, the wild cluster bootstrap and
randomization inference with few treated or control clusters, and the ITS autocorrelation bootstrap."""

from __future__ import annotations

import dataclasses
import warnings as _warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..deprecation import renamed_parameters
from ..did_cells import DidCells, boot_weights, invert_test, randomization_test, wcr_test
from ..exceptions import DataError, ParameterError
from ..narrative import fmt_p
from .result import FEW_CLUSTERS

__all__ = ["FEW_SIDE", "FEW_TREATED_RI", "BOOT_REPS", "BOOT_SEED", "wild_cluster_bootstrap", "AR_BOOT_REPS"]


@dataclasses.dataclass
class _Fit:
    result: Any
    warnings: list[str]


def _fit(formula: str, frame: pd.DataFrame, *, kind: str, cov_type: str, groups=None, maxlags: int | None = None,
         offset=None) -> _Fit:
    """Fit with statsmodels, turning its warnings into readable ones."""
    import statsmodels.formula.api as smf

    notes: list[str] = []
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        try:
            if kind == "ols":
                model = smf.ols(formula, frame)
                if cov_type == "cluster":
                    res = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
                elif cov_type == "HAC":
                    res = model.fit(cov_type="HAC", cov_kwds={"maxlags": maxlags, "use_correction": False}, use_t=True)
                else:
                    res = model.fit(cov_type=cov_type, use_t=True)
            elif kind == "logit":
                model = smf.logit(formula, frame)
                # for maximum-likelihood models statsmodels' HC0 and HC1 coincide: the sandwich of R's
                # sandwich::sandwich(glm) / vcovHC(type = "HC0")
                kw = {"cov_type": "cluster", "cov_kwds": {"groups": groups}} if cov_type == "cluster" else {
                    "cov_type": "HC0" if cov_type == "HC1" else cov_type}
                res = model.fit(disp=False, maxiter=200, **kw)
            else:
                from statsmodels.miscmodels.ordinal_model import OrderedModel

                model = OrderedModel.from_formula(formula, frame, distr="logit")
                res = model.fit(method="bfgs", disp=False, maxiter=2000, gtol=1e-10)
        except np.linalg.LinAlgError:
            raise DataError("The model could not be fitted: the exposure is collinear with the controls "
                            "(e.g. every exposed row shares one control level). Drop or change controls.") from None
        except Exception as exc:  # statsmodels' separation error and friends
            if "separation" in str(exc).lower():
                raise DataError("Perfect separation: the exposure (or a control) predicts the top box perfectly, so "
                                "the logit has no finite estimate; use the linear model instead.") from None
            raise
    for w in caught:
        text = str(w.message)
        if "separation" in text.lower():
            notes.append("Perfect or quasi-perfect separation: some coefficients are not identified; use the "
                         "linear model for this outcome.")
        elif "singular" in text.lower() or "rank" in text.lower() or "collinear" in text.lower():
            notes.append("Some controls are collinear with each other or with the exposure; their coefficients "
                         "are not separately identified.")
        elif "converge" in text.lower():
            notes.append("The model did not fully converge; treat the estimate with caution.")
        elif "divide by zero" not in text and "invalid value" not in text:
            notes.append(f"statsmodels: {text.splitlines()[0]}")
    return _Fit(res, list(dict.fromkeys(notes)))


def _row(term: str, est: float, se: float, ci: float, df: float | None) -> dict:
    q = stats.t.ppf(0.5 + ci / 2, df) if df else stats.norm.ppf(0.5 + ci / 2)
    stat = est / se if se > 0 else np.nan
    p = 2 * (stats.t.sf(abs(stat), df) if df else stats.norm.sf(abs(stat)))
    return {"term": term, "estimate": est, "se": se, "ci_low": est - q * se, "ci_high": est + q * se, "p": p}


def _coef_rows(res, terms: dict[str, str], ci: float) -> list[dict]:
    df = getattr(res, "df_resid_inference", None) or (res.df_resid if getattr(res, "use_t", False) else None)
    rows = []
    for label, name in terms.items():
        rows.append(_row(label, float(res.params[name]), float(res.bse[name]), ci, df))
    return rows


FEW_SIDE = 10  # fewer treated (or control) clusters than this: wild cluster bootstrap inference
#: DiD with at most this many treated groups: randomization inference by default (when there are at least 20
#: possible treated sets); the wild cluster restricted bootstrap almost never rejects there (0% at 2 of 30).
FEW_TREATED_RI = 3
BOOT_REPS = 9999
BOOT_SEED = 20261201
_MAX_BOOT_CLUSTERS = 400


def _cluster_sides(groups: np.ndarray, treat: np.ndarray) -> tuple[int, int, int]:
    """Clusters in all, clusters with any treated row, clusters with any untreated row."""
    by = pd.Series(np.asarray(treat, float)).groupby(pd.Series(groups).to_numpy())
    return int(by.ngroups), int((by.max() > 0).sum()), int((by.min() == 0).sum())


#: wild bootstrap weights (Rademacher, or Webb's six-point below 12 clusters), shared with the cell-level DiD
_boot_weights = boot_weights


@renamed_parameters(reps="n_boot", seed="random_state")
def wild_cluster_bootstrap(X: np.ndarray, y: np.ndarray, k: int, groups: Sequence[Any], *, n_boot: int = BOOT_REPS,
                           random_state: int = BOOT_SEED, ci: float | None = 0.95) -> dict[str, Any]:
    """Wild cluster restricted (WCR) bootstrap test of ``beta[k] = 0`` in OLS of ``y`` on ``X``.

    The null is imposed: the bootstrap samples are ``y* = X_r g_r + u_r * v_g``
    with the restricted fit (``X`` without column ``k``), its residuals ``u_r``
    and one weight ``v_g`` per cluster (:func:`_boot_weights`); each is scored
    with the CR1 t-statistic (``G/(G-1)·(N-1)/(N-K)``), and the p-value is the
    share of bootstrap ``|t*|`` at least the observed ``|t|`` (symmetric,
    two-sided, WCR11).  R ``fwildclusterboot::boottest`` counts ``|t*| > |t|``
    strictly; with every sign vector enumerated the two differ by exactly
    ``2 / 2^G`` (the all-+1 and all--1 vectors reproduce ``|t|``), and ``>=``
    is the conservative choice (checked against an R implementation in
    ``tests/reference/wcr.R``).  The interval
    inverts the test over the null value.  Computed in closed form: every
    bootstrap statistic is a linear function of the weights (Roodman et al.
    2019, "Fast and wild"), so no refitting is needed.

    Parameters
    ----------
    X : ndarray (N, K)
        Design matrix (already multiplied by sqrt(weights) for WLS).
    y : ndarray (N,)
    k : int
        Column of the tested coefficient.
    groups : array-like (N,)
        Cluster labels.
    n_boot : int
        Bootstrap replications (ignored when all sign vectors are enumerated); ``reps=`` is the deprecated
        old name.
    random_state : int
        Seed of the drawn weights (``seed=`` is the deprecated old name).
    ci : float or None
        Confidence level of the inverted interval; None skips it.

    Returns
    -------
    dict
        ``estimate, se`` (CR1), ``t``, ``p``, ``ci_low``, ``ci_high``,
        ``weights`` (kind), ``reps`` (vectors used), ``enumerated``, ``clusters``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(8), 20)
    >>> X = np.column_stack([np.ones(160), (g < 3).astype(float)])
    >>> y = rng.normal(size=8)[g] + rng.normal(size=160)
    >>> out = wild_cluster_bootstrap(X, y, 1, g, n_boot=999)
    >>> out["weights"], out["enumerated"], 0 <= out["p"] <= 1
    ('Webb six-point', False, True)
    """
    codes, _ = pd.factorize(pd.Series(np.asarray(groups)))
    return wcr_test(X, y, k, codes, reps=n_boot, seed=random_state, ci=ci)


_invert = invert_test


def _few_clusters(res, term: str, groups, treat, name: str, notes: list[str], inference: str, reps: int,
                  ci: float, cells: DidCells | None = None) -> dict[str, Any] | None:
    """Warn about few (treated or control) clusters; run the wild cluster bootstrap when it is needed.

    ``cells`` (a DiD): ``res`` is a :class:`~csat_analysis.did_cells.CellFit`, and the randomization
    inference and bootstrap run on the cells.  Returns the bootstrap result (or None when CR1 inference is kept).
    """
    G, n_t, n_c = _cluster_sides(groups, treat)
    few_side = min(n_t, n_c) < FEW_SIDE
    if inference == "randomization" and cells is None:
        raise ParameterError("inference='randomization' is available for design='did' only.")
    auto_ri = inference == "auto" and cells is not None and n_t <= FEW_TREATED_RI
    if auto_ri:  # the wild bootstrap can hardly reject with 1-3 treated groups; reassigning treatment can
        inference = "randomization"
    use = inference == "wild" or (inference == "auto" and few_side)
    if use and G > _MAX_BOOT_CLUSTERS:
        notes.append(f"{G} clusters of {name!r} are too many for the wild cluster bootstrap here; CR1 is used.")
        use = False
    boot = None
    if inference == "randomization":
        boot = None if cells is None else randomization_test(res, term, cells, reps=reps, seed=BOOT_SEED, ci=ci)
        if boot is None and not auto_ri:
            notes.append("Randomization inference needs at least 20 possible treated sets of groups; the bootstrap "
                         "is used instead.")
        use = boot is None
    if use:
        model = res.model
        X = np.asarray(model.wexog, float)
        y = np.asarray(model.wendog, float)
        k = list(model.exog_names).index(term)
        boot = (wild_cluster_bootstrap(X, y, k, groups, n_boot=reps, ci=ci) if cells is None else
                wcr_test(X, y, k, res.clusters, nobs=cells.nobs, reps=reps, seed=BOOT_SEED, ci=ci))
    if G < FEW_CLUSTERS or few_side:
        text = (f"Only {G} clusters of {name!r} ({n_t} with treated rows, {n_c} with untreated rows): cluster-robust "
                f"(CR1) errors are unreliable with fewer than {FEW_SIDE} treated or control clusters")
        if boot is not None and boot["weights"] == "randomization inference":
            how = "all" if boot["enumerated"] else f"{boot['reps']:,}"
            text += (f"; the p-value and interval come from randomization inference over {how} possible sets of "
                     f"treated groups: {fmt_p(boot['p'])} against CR1's {fmt_p(float(res.pvalues[term]))}. It "
                     "assumes the groups are alike (similar sizes and variability) before the campaign.")
        elif boot is not None:
            how = "all sign vectors enumerated" if boot["enumerated"] else f"{boot['reps']:,} draws"
            text += (f"; the p-value and interval come from a wild cluster restricted bootstrap ({boot['weights']} "
                     f"weights, {how}): {fmt_p(boot['p'])} against CR1's {fmt_p(float(res.pvalues[term]))}.")
        else:
            text += "; read the interval as approximate."
        notes.append(text)
    return boot


def _apply_boot(table: pd.DataFrame, boot: dict | None, res, term: str, details: dict) -> None:
    """Put the bootstrap p and interval into the first table row; keep CR1's beside them in ``details``."""
    details["inference"] = "CR1 (cluster-robust, t(G-1))"
    if boot is None:
        return
    details.update(inference=(boot["weights"] if boot["weights"] == "randomization inference" else
                              f"wild cluster restricted bootstrap ({boot['weights']})"),
                   p_cr1=float(table.loc[0, "p"]),
                   ci_cr1=(float(table.loc[0, "ci_low"]), float(table.loc[0, "ci_high"])),
                   p_wild=boot["p"], bootstrap=boot)
    table.loc[0, ["p", "ci_low", "ci_high"]] = [boot["p"], boot["ci_low"], boot["ci_high"]]


#: Simulated series for the ITS autocorrelation bootstrap
AR_BOOT_REPS = 1999


def _ar1_bootstrap(res, term: str, ci: float, reps: int = AR_BOOT_REPS,
                   seed: int = BOOT_SEED) -> dict[str, Any]:
    """Restricted AR(1) residual bootstrap of the OLS t-statistic of ``term`` in a short time series.

    The model without ``term`` is fitted and the AR(1) coefficient of its
    residuals estimated.  That estimate is biased toward zero in short series
    (more so with a trend and level terms), so it is bias-corrected by
    simulation: series are drawn with a trial ``rho``, their restricted
    residuals' AR(1) coefficient is averaged, and ``rho`` is moved by the gap
    to the observed one (three rounds, within ±0.95).  Series
    ``fitted_restricted + AR(1) noise`` (innovations resampled) are then
    refitted with the full model; the p-value is the share of ``|t*| >= |t|``
    and the interval ``estimate ± q · se`` with ``q`` the bootstrap quantile
    of ``|t*|`` (bootstrap-t).
    """
    X = np.asarray(res.model.exog, float)
    y = np.asarray(res.model.endog, float)
    k = list(res.model.exog_names).index(term)
    Xr = np.delete(X, k, axis=1)
    br = np.linalg.lstsq(Xr, y, rcond=None)[0]
    fitted, e = Xr @ br, y - Xr @ br
    T = len(y)
    M = np.eye(T) - Xr @ np.linalg.pinv(Xr)  # restricted residual maker

    def ar1(E: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nan_to_num((E[..., 1:] * E[..., :-1]).sum(-1) / (E * E).sum(-1))

    rng = np.random.default_rng(seed)

    def noise(rho: float, n: int) -> np.ndarray:
        u = e[1:] - rho * e[:-1]
        draws = rng.choice(u - u.mean(), size=(n, T + 50))
        out = np.zeros_like(draws)
        out[:, 0] = draws[:, 0] / np.sqrt(max(1 - rho ** 2, 1e-6))
        for t in range(1, draws.shape[1]):
            out[:, t] = rho * out[:, t - 1] + draws[:, t]
        return out[:, -T:]

    rho_hat = float(ar1(e))
    rho = rho_hat
    for _ in range(3):  # simulation bias correction of rho
        if not np.dot(e, e) > 0:
            break
        rho = float(np.clip(rho + rho_hat - ar1(noise(rho, 400) @ M.T).mean(), -0.95, 0.95))
    Y = fitted[None, :] + noise(rho, reps)
    XtX_inv = np.linalg.pinv(X.T @ X)
    B = Y @ X @ XtX_inv.T
    R = Y - B @ X.T
    s2 = (R ** 2).sum(axis=1) / (T - X.shape[1])
    t_star = np.abs(B[:, k] / np.sqrt(s2 * XtX_inv[k, k]))
    t_obs = abs(float(res.tvalues[term]))
    q = float(np.quantile(t_star, ci))
    est, se = float(res.params[term]), float(res.bse[term])
    return {"p": float((1 + np.sum(t_star >= t_obs)) / (reps + 1)), "ci_low": est - q * se, "ci_high": est + q * se,
            "rho": rho, "rho_raw": rho_hat, "reps": reps, "critical_t": q}

