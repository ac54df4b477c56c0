"""Self-selected exposure: covariate balance, overlap, reweighted (IPW / AIPW) estimates and E-values.

When customers choose a campaign (or are targeted by it), exposed and
unexposed customers differ before any campaign effect.  This module measures
how much, and how much of a difference between them survives adjustment:

- **Balance**: standardised mean differences (SMD) of each control (every
  level of a text column, each numeric column), before and after inverse-
  propensity weighting; ``|SMD| > 0.1`` is the usual threshold for imbalance
  (Austin 2009, *Statistics in Medicine* 28).  The pooled standard deviation
  is the unweighted one in both cases, so the two columns are comparable.
- **Overlap**: the propensity of exposure, from a logistic model on the
  controls; rows with propensity below 0.05 or above 0.95 have hardly any
  comparable customers on the other side.  When a level of a text control has
  no exposed (or no unexposed) respondents, or more than 10% of the weight has
  a propensity outside 0.05-0.95, the all-population estimate rests on
  extrapolation, so the IPW / AIPW estimates are made on the *overlap region*
  instead: rows in such levels are left out (repeatedly, until every level
  left has both arms), then rows whose propensity is outside the band
  (Crump et al. 2009, *Biometrika* 96); ``overlap["left_out"]`` names them
  and ``overlap["note"]`` says so in a sentence.
- **IPW and AIPW**: the Hajek inverse-propensity-weighted difference, and the
  augmented (doubly robust) estimator of Robins, Rotnitzky & Zhao (1994):
  ``psi_i = m1(x) - m0(x) + T (y - m1(x)) / e(x) - (1 - T)(y - m0(x)) / (1 - e(x))``
  with linear outcome models ``m1``, ``m0`` fitted separately in each arm.
  The estimate is the mean of ``psi`` and its standard error the standard
  deviation of ``psi`` over ``sqrt(n)`` (the influence-function variance).
  It is consistent when either the propensity or the outcome model is right,
  and only for confounders that the controls measure.
- **E-value** (VanderWeele & Ding 2017, *Annals of Internal Medicine* 167):
  the risk ratio ``RR + sqrt(RR (RR - 1))`` that an unmeasured confounder
  would need with both exposure and outcome to explain the estimate away.  A
  difference in a top-box share becomes a risk ratio through the unexposed
  share (``campaign_effect`` uses the unexposed respondents' raw share in the
  rows the AIPW uses); a difference in a mean or NPS through
  ``RR = exp(0.91 d)`` with ``d`` the difference in outcome standard
  deviations (their approximation; ``campaign_effect`` uses the SD of both
  arms together, not the pooled within-arm SD).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["ExposureBalance", "exposure_balance", "e_value", "SMD_THRESHOLD"]

#: |standardised mean difference| above which a control counts as imbalanced
SMD_THRESHOLD = 0.1
#: propensities are clipped to [PS_CLIP, 1 - PS_CLIP] for the weights; outside [0.05, 0.95] counts as poor overlap
PS_CLIP = 0.01
OVERLAP = 0.05
#: more than this share of the weight outside [OVERLAP, 1 - OVERLAP]: estimate on the overlap region
POOR_OVERLAP = 0.10


@dataclasses.dataclass
class ExposureBalance:
    """Balance, overlap and adjusted estimates of an exposure (see :func:`exposure_balance`).

    Attributes
    ----------
    table : DataFrame
        ``variable, level, exposed, unexposed, smd, smd_weighted`` (means; shares for levels).
    propensity : ndarray
        Each row's estimated propensity of exposure.
    overlap : dict
        ``share_outside`` (weighted share of rows with propensity outside
        [0.05, 0.95]), the propensity range of each arm, ``restricted``
        (whether the estimates are on the overlap region), ``rows`` (boolean
        mask of the rows they use), ``left_out`` (``variable, level, missing,
        n`` for each control level without one arm; ``variable`` is
        ``"propensity"`` for rows trimmed for a propensity outside the band),
        ``n_left_out``, ``all_population`` (the AIPW over every row, not
        reported when restricted) and ``note`` (a sentence, or None).
    ipw, aipw : dict
        ``estimate, se, ci_low, ci_high, p`` (AIPW; IPW has ``estimate`` only),
        on the overlap region when ``overlap["restricted"]``.
    naive : float
        The unadjusted difference in means.
    e_value : dict
        ``point`` and ``ci`` E-values of the AIPW estimate.
    warnings : list of str
    """

    table: pd.DataFrame
    propensity: np.ndarray
    overlap: dict[str, Any]
    ipw: dict[str, float]
    aipw: dict[str, float]
    naive: float
    e_value: dict[str, float]
    warnings: list[str]
    ci: float = 0.95

    @property
    def imbalanced(self) -> pd.DataFrame:
        """Rows of ``table`` with ``|smd| > 0.1`` before weighting, largest first."""
        t = self.table[self.table["smd"].abs() > SMD_THRESHOLD]
        return t.reindex(t["smd"].abs().sort_values(ascending=False).index)


def _features(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Numeric columns as they are; other columns as one 0/1 column per level (missing is its own level)."""
    parts, names = {}, []
    for col in columns:
        s = frame[col]
        if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
            parts[f"{col}"] = pd.to_numeric(s, errors="coerce").astype(float)
            names.append((str(col), ""))
        else:
            text = s.astype("string").fillna("(missing)")
            for level in sorted(text.unique()):
                parts[f"{col}={level}"] = (text == level).astype(float)
                names.append((str(col), str(level)))
    return pd.DataFrame(parts, index=frame.index), names


def _smd(X: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Standardised mean differences of each column of ``X`` with weights ``w``; unweighted pooled SD."""
    e, c = t == 1, t == 0
    m1 = (w[e, None] * X[e]).sum(0) / w[e].sum()
    m0 = (w[c, None] * X[c]).sum(0) / w[c].sum()
    sd = np.sqrt((X[e].var(0, ddof=1) + X[c].var(0, ddof=1)) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sd > 0, (m1 - m0) / sd, 0.0)


def _design(X: np.ndarray) -> np.ndarray:
    """Intercept plus the columns of ``X``, standardised (rank deficiency is left to lstsq / the penalty)."""
    sd = X.std(0)
    Z = (X - X.mean(0)) / np.where(sd > 0, sd, 1.0)
    return np.column_stack([np.ones(len(X)), Z[:, sd > 0]])


def _propensity(X: np.ndarray, t: np.ndarray, w: np.ndarray) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    Z = _design(X)[:, 1:]
    if Z.shape[1] == 0:
        return np.full(len(t), np.average(t, weights=w))
    model = LogisticRegression(C=1e4, max_iter=2000)  # near-unpenalised; the tiny penalty survives separation
    model.fit(Z, t, sample_weight=w / w.mean())
    return model.predict_proba(Z)[:, 1]


def _wls_predict(Z: np.ndarray, y: np.ndarray, w: np.ndarray, fit_rows: np.ndarray) -> np.ndarray:
    sw = np.sqrt(w[fit_rows])
    beta = np.linalg.lstsq(Z[fit_rows] * sw[:, None], y[fit_rows] * sw, rcond=None)[0]
    return Z @ beta


def exposure_balance(data: pd.DataFrame, *, outcome: Sequence[float] | np.ndarray, exposed: Sequence[float],
                     controls: Sequence[str], weights: Sequence[float] | None = None,
                     ci: float = 0.95) -> ExposureBalance:
    """Balance of ``controls`` between exposed and unexposed rows, overlap, and IPW / AIPW estimates.

    Parameters
    ----------
    data : DataFrame
        Holds the ``controls`` columns (rows aligned with ``outcome`` and ``exposed``; no missing outcome).
    outcome : array
        The outcome in reporting units (e.g. 0/100 for a top-box share, -100/0/100 for NPS).
    exposed : array of 0/1
    controls : list of column names
    weights : array, optional
        Survey weights: they weight the balance, the propensity and outcome
        models and the estimate (whose SE is then the linearization SE).
    ci : float

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> happy = rng.random(4000) < 0.5                    # happier customers ...
    >>> t = (rng.random(4000) < np.where(happy, 0.7, 0.3)).astype(float)  # ... chose the promo more often
    >>> y = 100.0 * (rng.random(4000) < np.where(happy, 0.8, 0.4))        # and the promo did nothing
    >>> b = exposure_balance(pd.DataFrame({"happy": happy.astype(str)}), outcome=y, exposed=t, controls=["happy"])
    >>> round(b.naive), abs(b.aipw["estimate"]) < 3, bool(b.aipw["ci_low"] < 0 < b.aipw["ci_high"])
    (18, True, True)
    """
    y = np.asarray(outcome, float)
    t = np.asarray(exposed, float)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    feats, names = _features(data, list(controls))
    X = feats.to_numpy(float)
    if np.isnan(X).any():  # numeric controls with gaps: mean-imputed here (the regression drops those rows)
        X = np.where(np.isnan(X), np.nanmean(X, axis=0), X)
    ps_raw = _propensity(X, t, w)
    ps = np.clip(ps_raw, PS_CLIP, 1 - PS_CLIP)
    ipw_w = np.where(t == 1, 1 / ps, 1 / (1 - ps)) * w
    table = pd.DataFrame(names, columns=["variable", "level"])
    e, c = t == 1, t == 0
    table["exposed"] = (w[e, None] * X[e]).sum(0) / w[e].sum()
    table["unexposed"] = (w[c, None] * X[c]).sum(0) / w[c].sum()
    table["smd"] = _smd(X, t, w)
    table["smd_weighted"] = _smd(X, t, ipw_w)
    outside = (ps_raw < OVERLAP) | (ps_raw > 1 - OVERLAP)
    overlap = {"share_outside": float(np.average(outside, weights=w)),
               "exposed_range": (float(ps_raw[e].min()), float(ps_raw[e].max())),
               "unexposed_range": (float(ps_raw[c].min()), float(ps_raw[c].max()))}
    naive = float(np.average(y[e], weights=w[e]) - np.average(y[c], weights=w[c]))
    ipw, aipw = _reweighted(X, y, t, w, ps_raw, ci)
    keep, left_out = _overlap_region(X, names, t, w, ps_raw)
    overlap.update(restricted=bool(left_out), rows=keep, left_out=left_out,
                   n_left_out=int((~keep).sum()), all_population=aipw, note=None)
    notes = []
    if left_out:
        sub = keep
        if (t[sub] == 1).any() and (t[sub] == 0).any():
            ipw, aipw = _reweighted(X[sub], y[sub], t[sub], w[sub], _propensity(X[sub], t[sub], w[sub]), ci)
        else:
            ipw = {"estimate": float("nan")}
            aipw = dict.fromkeys(("estimate", "se", "ci_low", "ci_high", "p"), float("nan"))
        overlap["note"] = _overlap_note(left_out, int(keep.sum()), len(y), bool(np.isfinite(aipw["estimate"])))
        notes.append(overlap["note"])
    bad = table[table["smd_weighted"].abs() > SMD_THRESHOLD]
    if len(bad):
        worst = bad.loc[bad["smd_weighted"].abs().idxmax()]
        notes.append(f"After inverse-propensity weighting, {len(bad)} control level(s) still differ by more than "
                     f"{SMD_THRESHOLD} standard deviations (largest: {_name(worst)}, {worst['smd_weighted']:+.2f}): "
                     "the reweighted estimate is not fully adjusted.")
    if overlap["share_outside"] > 0.05:
        notes.append(f"{overlap['share_outside']:.0%} of the responses have a propensity of exposure below "
                     f"{OVERLAP} or above {1 - OVERLAP}: exposed and unexposed customers overlap poorly there, "
                     "so the comparison rests on few comparable customers.")
    return ExposureBalance(table, ps_raw, overlap, ipw, aipw, naive, {}, notes, ci)


def _reweighted(X: np.ndarray, y: np.ndarray, t: np.ndarray, w: np.ndarray, ps_raw: np.ndarray,
                ci: float) -> tuple[dict[str, float], dict[str, float]]:
    """The Hajek IPW difference and the AIPW estimate with its influence-function SE."""
    ps = np.clip(ps_raw, PS_CLIP, 1 - PS_CLIP)
    ipw_w = np.where(t == 1, 1 / ps, 1 / (1 - ps)) * w
    e, c = t == 1, t == 0
    ipw = {"estimate": float(np.average(y[e], weights=ipw_w[e]) - np.average(y[c], weights=ipw_w[c]))}
    Z = _design(X)
    m1 = _wls_predict(Z, y, w, e)
    m0 = _wls_predict(Z, y, w, c)
    psi = m1 - m0 + t * (y - m1) / ps - (1 - t) * (y - m0) / (1 - ps)
    est = float(np.average(psi, weights=w))
    W = w.sum()
    se = float(np.sqrt(len(y) / (len(y) - 1) * np.sum(w ** 2 * (psi - est) ** 2)) / W)
    z = stats.norm.ppf(0.5 + ci / 2)
    aipw = {"estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se,
            "p": float(2 * stats.norm.sf(abs(est / se))) if se > 0 else float("nan")}
    return ipw, aipw


def _overlap_region(X: np.ndarray, names: list[tuple[str, str]], t: np.ndarray, w: np.ndarray,
                    ps_raw: np.ndarray) -> tuple[np.ndarray, list[dict[str, Any]]]:
    """Rows where exposed and unexposed overlap, and who is left out (empty when everyone overlaps).

    First every level of a text control with no exposed or no unexposed row is
    left out (repeated until each level left has both); then, if more than
    :data:`POOR_OVERLAP` of the remaining weight has a propensity outside
    ``[OVERLAP, 1 - OVERLAP]``, those rows (the propensity refitted on what is left).
    """
    keep = np.ones(len(t), dtype=bool)
    left_out: list[dict[str, Any]] = []
    levels = [j for j, (_, level) in enumerate(names) if level]
    while True:
        gone = []
        for j in levels:
            rows = keep & (X[:, j] == 1)
            n1, n0 = int((t[rows] == 1).sum()), int((t[rows] == 0).sum())
            if rows.any() and (n1 == 0 or n0 == 0):
                gone.append(j)
                left_out.append({"variable": names[j][0], "level": names[j][1],
                                 "missing": "exposed" if n1 == 0 else "unexposed", "n": int(rows.sum())})
        if not gone:
            break
        keep &= ~(X[:, gone] == 1).any(axis=1)
    if not keep.any() or len(np.unique(t[keep])) < 2:
        return keep, left_out
    ps = ps_raw if not left_out else _propensity(X[keep], t[keep], w[keep])
    outside = (ps < OVERLAP) | (ps > 1 - OVERLAP)
    if np.average(outside, weights=w[keep]) > POOR_OVERLAP:
        rows = np.flatnonzero(keep)[outside]
        left_out.append({"variable": "propensity", "level": f"outside {OVERLAP}-{1 - OVERLAP}", "missing": "",
                         "n": len(rows)})
        keep[rows] = False
    return keep, left_out


def _overlap_note(left_out: list[dict[str, Any]], n_kept: int, n: int, estimated: bool) -> str:
    """The sentence that says the estimate is on the overlap region, and who is left out."""
    parts = []
    for missing in ("exposed", "unexposed"):
        by_var: dict[str, list[str]] = {}
        for r in left_out:
            if r["missing"] == missing:
                by_var.setdefault(r["variable"], []).append(str(r["level"]))
        for var, levels in by_var.items():
            count = sum(r["n"] for r in left_out if r["missing"] == missing and r["variable"] == var)
            parts.append(f"{var} {', '.join(levels)} (no {missing} respondents; {count:,} responses)")
    trimmed = [r for r in left_out if r["variable"] == "propensity"]
    if trimmed:
        parts.append(f"{trimmed[0]['n']:,} responses whose propensity of exposure is outside "
                     f"{OVERLAP}-{1 - OVERLAP} (more than {POOR_OVERLAP:.0%} of the weight was)")
    who = "; ".join(parts)
    if not estimated:
        return (f"Exposed and unexposed customers do not overlap: leaving out {who} leaves no comparison, so no "
                "reweighted (AIPW) estimate is given.")
    return (f"Exposed and unexposed customers overlap only partly, so the reweighted (AIPW) estimate is for the "
            f"overlap region ({n_kept:,} of {n:,} responses), not for everyone: left out are {who}.")


def _name(row) -> str:
    return f"{row['variable']} = {row['level']}" if row["level"] else str(row["variable"])


def e_value(estimate: float, ci_low: float, ci_high: float, *, kind: str, baseline: float | None = None,
            sd: float | None = None) -> dict[str, float]:
    """E-values of an estimate and of its confidence limit nearest to no effect.

    Parameters
    ----------
    estimate, ci_low, ci_high : float
        A difference: in percentage points (``kind="share"``) or outcome units (``kind="mean"``).
    kind : {"share", "mean", "rr"}
        ``"rr"``: the estimate and limits are risk ratios already.
    baseline : float
        ``kind="share"``: the unexposed share, in percent (``campaign_effect``:
        the unexposed respondents' raw, unadjusted share).
    sd : float
        ``kind="mean"``: the outcome's standard deviation (``campaign_effect``:
        over both arms together).

    Examples
    --------
    VanderWeele & Ding (2017), breastfeeding and infection: RR 3.9 (95% CI 1.8 to 8.7).

    >>> {k: round(v, 2) for k, v in e_value(3.9, 1.8, 8.7, kind="rr").items()}
    {'point': 7.26, 'ci': 3.0}
    """
    if kind == "share":
        if not baseline or baseline <= 0:
            return {"point": float("nan"), "ci": float("nan")}

        def rr(v):
            return max((baseline + v) / baseline, 1e-9)
    elif kind == "mean":
        if not sd or sd <= 0:
            return {"point": float("nan"), "ci": float("nan")}

        def rr(v):
            return float(np.exp(0.91 * v / sd))
    elif kind == "rr":
        def rr(v):
            return v
    else:
        raise ValueError(f"kind must be 'share', 'mean' or 'rr', not {kind!r}")

    def ev(r: float) -> float:
        r = 1 / r if r < 1 else r
        return float(r + np.sqrt(r * (r - 1)))

    point = ev(rr(estimate))
    lo, hi = rr(ci_low), rr(ci_high)
    limit = 1.0 if lo <= 1 <= hi else ev(lo if lo > 1 else hi)
    return {"point": point, "ci": limit}
