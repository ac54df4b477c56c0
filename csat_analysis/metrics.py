"""CSAT, NPS and CES with confidence intervals, by segment and period.

Conventions (SPEC.md "Metric conventions"):

* **CSAT** (``csat``): top-box share in percent (default 4-5 on 1-5), Wilson
  score interval (Wilson 1927; Newcombe 1998, method 3).  ``csat_mean`` is the
  mean score with a t interval.
* **NPS** (``nps``): 100 x (share 9-10 - share 0-6).  Variance of the -1/0/+1
  trinomial coding with divisor n, ``var = p + d - (p - d)**2``,
  ``SE = 100 * sqrt(var / n)``.  Default interval: adjusted Wald (Rocks 2016,
  "Interval estimation for the net promoter score", *The American
  Statistician* 70(4)): add 0.75 promoters, 1.5 passives, 0.75 detractors.
  ``ci_method="wald"`` gives NPS +/- z SE.
* **CES** (``ces``): mean with a t interval; ``ces_top``: top-box share with a
  Wilson interval.  The canonical ``ces`` column is oriented so that higher
  means easier (CES 2.0).
* **Weights**: weighted shares and means, and their SEs, equal R
  ``survey::svymean`` on a weights-only design (``svydesign(ids = ~1,
  weights = ~w)``, Taylor linearization): ``SE^2 = N/(N-1) sum w_i^2 (y_i -
  ybar)^2 / (sum w)^2`` with N the rows of the whole table (segments and
  periods are domains of it, as ``subset()`` in R); NPS uses the -1/0/+1 code.
  Kish's ``n_eff = (sum w)**2 / sum w**2`` is reported (design effect) and
  gives the t degrees of freedom of means.  Wilson (shares) and Rocks (NPS)
  intervals are computed at ``n*``, the count at which the binomial
  (trinomial) variance equals the linearization variance, so their width
  matches it.  Weighted differences add the two linearization variances
  (disjoint domains are uncorrelated).  Unweighted statistics keep the
  divisor-n conventions above, so unit weights change an SE by sqrt(N/(N-1)).
  Raked weights (``weights=rake(...)``): the linearized values are first
  replaced by their residuals on the calibration variables, as R
  ``calibrate(calfun = "raking")`` + ``svymean`` (:mod:`csat_analysis.weighting`
  computes them; differences then include the covariance raking induces).
* **Differences**: shares by Newcombe's hybrid score interval (method 10) and
  the score (pooled z) test; means by Welch's t; NPS by
  ``z = (A2 - A1) / sqrt(V2/n2' + V1/n1')`` on adjusted values
  (``n' = n + 3``, ``p' = (P + 3/4)/n'``), keeping the sign of the change.
  Benjamini-Hochberg adjusted p-values accompany raw ones.

Every statistic is derived from one weighted score histogram per group (the
sufficient statistics), computed in a single vectorised pass with
``numpy.bincount``; see :func:`summarize`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ._utils import as_list, check_argument, check_table, require_columns, weight_values
from .cells import Grouped, count, date_periods, fine_cells, fold, label_code, period_codes, period_order
from .exceptions import DataError, ParameterError
from .narrative import fmt_estimate
from .registry import METRICS, SCORES, check_metrics, metric_label
from .registry import metric as metric_def
from .responses import schema_of, with_schema

__all__ = [
    "METRICS",
    "FREQS",
    "Estimate",
    "csat",
    "nps",
    "ces",
    "summarize",
    "compare",
    "pairwise",
    "wilson_interval",
    "bh_adjust",
    "apply_privacy",
    "metric_label",
    "period_codes",
    "period_order",
    "Stats",
    "grouped_stats",
    "estimate",
    "z_value",
    "scale_of",
]

FREQS = ("D", "W", "M", "Q", "Y")
CI_METHODS = ("adjusted_wald", "wald")
SUMMARY_COLUMNS = ["period", "metric", "n", "n_eff", "score", "se", "ci_low", "ci_high", "low_n"]
# --------------------------------------------------------------------------- formulas
# The normal and t distribution functions are scipy.special's, which scipy.stats itself calls: the same numbers
# bit for bit (tests/test_lazy_imports.py), without importing scipy.stats (about 1-3 s, the largest import of a
# report's kernel).  Arguments outside a distribution's domain give NaN, as in scipy.stats.


def _norm_ppf(q):
    """``scipy.stats.norm.ppf(q)``."""
    from scipy import special

    return special.ndtri(q)


def _norm_sf(x):
    """``scipy.stats.norm.sf(x)``."""
    from scipy import special

    return special.ndtr(-np.asarray(x, dtype=float))


def _t_ppf(q, df):
    """``scipy.stats.t.ppf(q, df)``: NaN where ``df`` is not positive, -inf/inf at ``q`` = 0/1."""
    from scipy import special

    q, df = np.asarray(q, dtype=float), np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        inside = (q > 0) & (q < 1) & (df > 0)
        out = np.where(inside, special.stdtrit(np.where(inside, df, 1.0), np.where(inside, q, 0.5)), np.nan)
        out = np.where((df > 0) & (q == 0), -np.inf, np.where((df > 0) & (q == 1), np.inf, out))
    return out[()] if out.ndim == 0 else out


def _t_sf(x, df):
    """``scipy.stats.t.sf(x, df)``: NaN where ``df`` is not positive or ``x`` is NaN."""
    from scipy import special

    x, df = np.asarray(x, dtype=float), np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.where(df > 0, special.stdtr(np.where(df > 0, df, 1.0), -x), np.nan)
    return out[()] if out.ndim == 0 else out



def z_value(ci: float) -> float:
    """The two-sided standard normal critical value of confidence level ``ci`` (1.96 for 0.95).

    Examples
    --------
    >>> round(z_value(0.95), 3)
    1.96
    """
    if not 0 < ci < 1:
        raise ParameterError(f"The value for `ci` must be between 0 and 1 (e.g. 0.95), but {ci!r} was passed.")
    return float(_norm_ppf(0.5 + ci / 2))


def wilson_interval(p, n, ci: float = 0.95):
    """Wilson score interval for a proportion ``p`` observed on (effective) base ``n``.

    Returns ``(low, high)`` as proportions (arrays when given arrays).

    Examples
    --------
    >>> low, high = wilson_interval(0.10, 100)
    >>> round(100 * low, 2), round(100 * high, 2)
    (5.52, 17.44)
    """
    z = z_value(ci)
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    bad = ~(n > 0)
    low, high = np.where(bad, np.nan, low), np.where(bad, np.nan, high)
    return (float(low), float(high)) if low.ndim == 0 else (low, high)


def bh_adjust(p: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN stays NaN).

    Examples
    --------
    >>> bh_adjust([0.01, 0.04, 0.03, float("nan")]).round(3).tolist()
    [0.03, 0.04, 0.04, nan]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        q = p[ok]
        order = np.argsort(q)
        ranked = q[order] * len(q) / np.arange(1, len(q) + 1)
        ranked = np.minimum.accumulate(ranked[::-1])[::-1]
        adj = np.empty_like(q)
        adj[order] = np.minimum(ranked, 1.0)
        out[ok] = adj
    return out


_FIELDS = ("n", "sw", "sw2", "s1", "s2", "q1", "q2")


@dataclasses.dataclass(frozen=True)
class Stats:
    """Sufficient statistics of one metric for K groups (all arrays of length K).

    ``s1``/``s2``: for shares the weighted count of top-box answers (s2 unused);
    for means sum(w x) and sum(w x^2); for NPS the weighted promoters and
    detractors.  ``q1``/``q2``: sum(w^2 y) and sum(w^2 y^2) of the analysed
    value y (the top-box indicator, the score, or the -1/0/+1 NPS code), from
    the per-bin sums of squared weights; with them the linearization
    variance needs no second pass (``sum w^2 (y - m)^2 = q2 - 2 m q1 + m^2 sw2``).
    ``weighted`` marks weighted statistics and ``n_design`` is the number of
    rows of the whole design (R ``survey`` treats groups as domains of it).
    ``kind`` is the metric's estimator kind (:attr:`csat_analysis.registry.MetricDef.kind`).
    Made by :func:`grouped_stats`; :meth:`estimate` and :meth:`difference` give the estimates.
    """

    #: the array fields, in the order of the constructor's positional arguments after ``kind``
    FIELDS: ClassVar[tuple[str, ...]] = _FIELDS

    kind: str
    n: np.ndarray
    sw: np.ndarray
    sw2: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    q1: np.ndarray
    q2: np.ndarray
    weighted: bool = False
    n_design: float = np.nan
    #: calibration-aware variances (raked weights, :mod:`csat_analysis.weighting`): the groups as domains
    cal: Any = None

    @property
    def n_eff(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.n > 0, self.sw**2 / self.sw2, 0.0)

    def _with(self, arrays, cal=None) -> Stats:
        return Stats(self.kind, *arrays, weighted=self.weighted, n_design=self.n_design, cal=cal)

    def take(self, idx) -> Stats:
        return self._with((getattr(self, f)[idx] for f in _FIELDS), self.cal and self.cal.take(idx))

    def pooled(self, idx=slice(None), repeat: int = 1) -> Stats:
        """The statistics of groups ``idx`` added together (one group, repeated ``repeat`` times)."""
        return self._with((np.full(repeat, getattr(self, f)[idx].sum()) for f in _FIELDS),
                          self.cal and self.cal.pooled(idx, repeat))

    def __sub__(self, other: Stats) -> Stats:
        """The statistics of the rows in ``self`` but not in ``other`` (e.g. 'the rest')."""
        return self._with((getattr(self, f) - getattr(other, f) for f in _FIELDS),
                          self.cal and other.cal and self.cal.minus(other.cal))

    def zeroed(self, mask) -> Stats:
        """The statistics with the groups in ``mask`` emptied."""
        return self._with((np.where(mask, 0, getattr(self, f)) for f in _FIELDS), self.cal and self.cal.zeroed(mask))

    def estimate(self, ci: float = 0.95, ci_method: str = "adjusted_wald") -> dict[str, np.ndarray]:
        """``score, se, ci_low, ci_high`` of each group, in reporting units (see :func:`_estimate`)."""
        return _estimate(self, ci, ci_method)

    def difference(self, other: Stats, ci: float = 0.95) -> dict[str, np.ndarray]:
        """``change, ci_low, ci_high, p`` of each group against the same group of ``other``
        (see :func:`_difference`)."""
        return _difference(self, other, ci)

    def nps_parts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Promoter share, detractor share and Kish's n_eff of each group (NPS statistics)."""
        return _nps_parts(self)


def _ratio(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _lin_var(st: Stats) -> np.ndarray:
    """Taylor-linearization variance of the weighted mean of the analysed value y (R ``survey::svymean``).

    Weights-only design, groups as domains of the whole design of ``N =
    n_design`` rows: ``var = N/(N-1) * sum w^2 (y - m)^2 / (sum w)^2`` with
    ``sum w^2 (y - m)^2 = q2 - 2 m q1 + m^2 sum w^2`` (y: top-box indicator,
    score, or the -1/0/+1 NPS code).  Raked weights: the calibration-aware variance
    (:class:`csat_analysis.weighting.RakeResult`, as R ``calibrate`` + ``svymean``).
    """
    if st.cal is not None:
        return st.cal.variance()
    m = _ratio(st.s1 - st.s2, st.sw) if st.kind == "nps" else _ratio(st.s1, st.sw)
    ss = np.maximum(st.q2 - 2 * m * st.q1 + m**2 * st.sw2, 0.0)
    big_n = st.n_design
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(st.n > 0, big_n / (big_n - 1) * ss / st.sw**2, np.nan)


def _n_star(unit_var, var, ne):
    """The count at which a binomial/trinomial variance ``unit_var / n`` equals ``var`` (Kish n_eff when var is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 0, unit_var / np.where(var > 0, var, 1), ne)


def _mean_var(st: Stats):
    """Weighted mean and variance (n_eff - 1 divisor, so unweighted = sample variance)."""
    m = _ratio(st.s1, st.sw)
    ne = st.n_eff
    pop = np.maximum(_ratio(st.s2, st.sw) - m**2, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(ne > 1, pop * ne / (ne - 1), np.nan)
    return m, var, ne


def _nps_parts(st: Stats):
    return _ratio(st.s1, st.sw), _ratio(st.s2, st.sw), st.n_eff


def _estimate(st: Stats, ci: float, ci_method: str = "adjusted_wald") -> dict[str, np.ndarray]:
    """score, se, ci_low, ci_high (in reporting units) for each group.

    Unweighted: the SPEC formulas (divisor n for shares and NPS).  Weighted:
    the SE is the linearization SE (:func:`_lin_var`); interval shapes that
    need a count (Wilson, Rocks) use ``n*``, the count at which the
    binomial/trinomial variance equals the linearization variance, so the
    interval's width matches it; means use a t interval on Kish's n_eff - 1.
    """
    z = z_value(ci)
    ne = st.n_eff
    lin = _lin_var(st) if st.weighted else None
    if st.kind == "share":
        p = _ratio(st.s1, st.sw)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(p * (1 - p) / ne) if lin is None else np.sqrt(lin)
        base = ne if lin is None else _n_star(p * (1 - p), lin, ne)
        low, high = wilson_interval(p, base, ci)
        return {"score": 100 * p, "se": 100 * se, "ci_low": 100 * np.asarray(low), "ci_high": 100 * np.asarray(high)}
    if st.kind == "mean":
        m, var, ne = _mean_var(st)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.sqrt(var / ne) if lin is None else np.sqrt(lin)
            t = _t_ppf(0.5 + ci / 2, np.where(ne > 1, ne - 1, np.nan))
        return {"score": m, "se": se, "ci_low": m - t * se, "ci_high": m + t * se}
    p, d, ne = _nps_parts(st)
    score = 100 * (p - d)
    unit = p + d - (p - d) ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        se = 100 * np.sqrt(unit / ne) if lin is None else 100 * np.sqrt(lin)
    if ci_method == "wald":
        low, high = score - z * se, score + z * se
    else:
        a, v, n_adj = _nps_adjusted(p, d, ne if lin is None else _n_star(unit, lin, ne))
        with np.errstate(divide="ignore", invalid="ignore"):
            half = z * np.sqrt(v / n_adj)
        low, high = a - half, a + half
    low = np.where(ne > 0, np.clip(low, -100, 100), np.nan)
    high = np.where(ne > 0, np.clip(high, -100, 100), np.nan)
    return {"score": score, "se": se, "ci_low": low, "ci_high": high}


def _nps_adjusted(p, d, n):
    """Rocks (2016) adjusted values: A = 100(p'-d'), V = 100^2 (p'+d'-(p'-d')^2), n' = n + 3."""
    n_adj = n + 3.0
    pa = (p * n + 0.75) / n_adj
    da = (d * n + 0.75) / n_adj
    return 100 * (pa - da), 100**2 * (pa + da - (pa - da) ** 2), n_adj


def nps_adjusted_values(p, d, n):
    """Rocks's (2016) adjusted NPS ``A``, variance ``V`` and count ``n' = n + 3`` for shares ``p``, ``d`` at ``n``.

    The printed NPS interval is ``A +/- z sqrt(V / n')`` (planning and benchmark tests use the same values).

    Examples
    --------
    >>> a, v, n_adj = nps_adjusted_values(0.4, 0.2, 97)
    >>> round(float(a), 2), round(float(v), 1), n_adj
    (19.4, 5593.6, 100.0)
    """
    return _nps_adjusted(p, d, n)


def _difference(a: Stats, b: Stats, ci: float) -> dict[str, np.ndarray]:
    """Change a - b with its interval and two-sided p-value (see the module docstring).

    Weighted statistics use linearization variances (the two groups are
    disjoint domains of one weights-only design, so their covariance is 0 and
    ``var(a - b) = var(a) + var(b)``, as ``survey::svycontrast`` gives): shares
    by Newcombe's interval from Wilson intervals at ``n*`` and a Wald z test
    ``d / sqrt(Va + Vb)``; means by Welch's t with linearization SEs (df from
    Kish's n_eff); NPS by Rocks's adjusted values at ``n*``.  Raked weights
    (``weights=rake(...)``) correlate the groups: the variances then subtract
    twice their calibration covariance, and Newcombe's interval uses it (MOVER
    with correlation, Zou & Donner 2008).
    """
    z = z_value(ci)
    ea, eb = _estimate(a, ci), _estimate(b, ci)
    change = ea["score"] - eb["score"]
    weighted = a.weighted or b.weighted
    # raked weights: calibration correlates the groups (covariance of the two means; 0 otherwise)
    raked = weighted and a.cal is not None and b.cal is not None
    cov = a.cal.covariance(b.cal) if raked else np.zeros(len(a.n))
    with np.errstate(divide="ignore", invalid="ignore"):
        if a.kind == "share":
            pa, pb = _ratio(a.s1, a.sw), _ratio(b.s1, b.sw)
            na, nb = a.n_eff, b.n_eff
            d = pa - pb
            if weighted:
                va, vb = _lin_var(a), _lin_var(b)
                la, ua = wilson_interval(pa, _n_star(pa * (1 - pa), va, na), ci)
                lb, ub = wilson_interval(pb, _n_star(pb * (1 - pb), vb, nb), ci)
                se = np.sqrt(va + vb - 2 * cov)
                pval = 2 * _norm_sf(np.abs(d / se))
                pval = np.where(se == 0, np.where(d == 0, 1.0, 0.0), pval)
            else:
                la, ua = wilson_interval(pa, na, ci)
                lb, ub = wilson_interval(pb, nb, ci)
                pooled = (pa * na + pb * nb) / (na + nb)
                stat = d / np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
                pval = 2 * _norm_sf(np.abs(stat))
                pval = np.where((pooled == 0) | (pooled == 1), 1.0, pval)
            rho = np.nan_to_num(cov / np.sqrt(va * vb)) if weighted else 0.0  # MOVER with correlation
            low = d - np.sqrt(np.maximum((pa - la) ** 2 + (ub - pb) ** 2 - 2 * rho * (pa - la) * (ub - pb), 0))
            high = d + np.sqrt(np.maximum((ua - pa) ** 2 + (pb - lb) ** 2 - 2 * rho * (ua - pa) * (pb - lb), 0))
            low, high = 100 * low, 100 * high
        elif a.kind == "mean":
            ma, va, na = _mean_var(a)
            mb, vb, nb = _mean_var(b)
            qa, qb = (_lin_var(a), _lin_var(b)) if weighted else (va / na, vb / nb)
            se = np.sqrt(qa + qb - 2 * cov)
            df = (qa + qb) ** 2 / (qa**2 / (na - 1) + qb**2 / (nb - 1))
            stat = (ma - mb) / se
            pval = 2 * _t_sf(np.abs(stat), df)
            pval = np.where(se == 0, np.where(ma == mb, 1.0, 0.0), pval)
            tq = _t_ppf(0.5 + ci / 2, df)
            low, high = change - tq * se, change + tq * se
        else:
            pa_, da_, na = _nps_parts(a)
            pb_, db_, nb = _nps_parts(b)
            if weighted:
                na = _n_star(pa_ + da_ - (pa_ - da_) ** 2, _lin_var(a), na)
                nb = _n_star(pb_ + db_ - (pb_ - db_) ** 2, _lin_var(b), nb)
            aa, vaa, naa = _nps_adjusted(pa_, da_, na)
            ab, vbb, nbb = _nps_adjusted(pb_, db_, nb)
            se = np.sqrt(np.maximum(vaa / naa + vbb / nbb - 2 * 100**2 * cov, 0))
            stat = (aa - ab) / se
            pval = 2 * _norm_sf(np.abs(stat))
            low, high = (aa - ab) - z * se, (aa - ab) + z * se
    empty = ~((a.n > 0) & (b.n > 0))
    out = {"change": change, "ci_low": low, "ci_high": high, "p": pval}
    return {k: np.where(empty, np.nan, np.asarray(v, dtype=float)) for k, v in out.items()}


# --------------------------------------------------------------------------- input checks


def scale_of(data: pd.DataFrame | None, column: str) -> tuple[int, int, int]:
    """(low, high, top_box) of a score column: from the loader's schema, else the defaults."""
    schema = schema_of(data)
    spec = (schema.get("metrics") or {}).get(column) or {}
    d = SCORES[column]
    lo, hi = spec.get("scale", d.scale)
    return int(lo), int(hi), int(spec.get("top_box", d.top_box))


def _score_index(data: pd.DataFrame, column: str) -> np.ndarray:
    """A score column as bin indices ``score - low`` (missing -> ``high - low + 1``), checked against its scale."""
    require_columns(data, [column], "score column")
    col = data[column]
    lo, hi, _ = scale_of(data, column)
    width = hi - lo + 1
    if pd.api.types.is_bool_dtype(col):
        _non_numeric(col, column)
    if pd.api.types.is_integer_dtype(col):
        nullable = not isinstance(col.dtype, np.dtype)  # numpy integers cannot hold a missing value
        missing = col.isna().to_numpy(dtype=bool) if nullable and col.hasnans else None
        v = col.to_numpy(dtype=np.int64, na_value=lo) if missing is not None else col.to_numpy()
        if len(v) and lo <= v.min() and v.max() <= hi:  # the usual case: two quick passes, no mask
            idx = np.subtract(v, lo, dtype=np.int8 if width < 127 else np.int32, casting="unsafe")
            if missing is not None:
                idx[missing] = width
            return idx
        bad = (v < lo) | (v > hi)
    else:
        if not pd.api.types.is_numeric_dtype(col):
            try:
                col = pd.to_numeric(col, errors="raise")
            except (ValueError, TypeError):
                _non_numeric(col, column)
        x = pd.Series(col).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        missing = np.isnan(x)
        v = np.where(missing, lo, x)
        bad = (v < lo) | (v > hi) | (v != np.round(v))
    if bad.any():
        value = v[bad][0]
        raise DataError(
            f"Column {column!r} holds {value:g}, outside the {column.upper()} scale {lo}-{hi}; "
            "load the file with load_responses (which excludes such rows with a reason) or fix the scale in the schema."
        )
    idx = (v - lo).astype(np.int32)
    if missing is not None:
        idx[missing] = width
    return idx


def _non_numeric(col: pd.Series, column: str):
    bad = pd.to_numeric(col, errors="coerce").isna() & col.notna()
    value = col[bad].iloc[0] if bad.any() else col.iloc[0]
    raise DataError(
        f"Column {column!r} holds {value!r}, which is not a number; map text answers to scores with "
        "'labels' in the schema and load the file with load_responses."
    )


# --------------------------------------------------------------------------- statistics per group


def _stats_from_histogram(metric: str, hist, lo: int, hi: int, top_box: int, weighted: bool = False,
                          n_design: float = np.nan) -> Stats:
    counts, sw, sw2 = hist
    scores = np.arange(lo, hi + 1, dtype=float)
    kind = METRICS[metric].kind
    n, tw, tw2 = counts.sum(1), sw.sum(1), sw2.sum(1)
    if kind == "share":
        s1 = sw[:, scores >= top_box].sum(1)
        s2 = s1
        q1 = q2 = sw2[:, scores >= top_box].sum(1)
    elif kind == "mean":
        s1, s2 = sw @ scores, sw @ scores**2
        q1, q2 = sw2 @ scores, sw2 @ scores**2
    else:
        s1, s2 = sw[:, scores >= 9].sum(1), sw[:, scores <= 6].sum(1)
        wp, wd = sw2[:, scores >= 9].sum(1), sw2[:, scores <= 6].sum(1)
        q1, q2 = wp - wd, wp + wd  # the -1/0/+1 code
    return Stats(kind, n, tw, tw2, s1, s2, q1, q2, weighted=weighted, n_design=float(n_design))


def grouped_stats(data: pd.DataFrame, metrics: list[str], by: list[str], freq: str | None, date: str = "date",
                   weights: str | None = None, fill_periods: bool = False) -> tuple[Grouped, dict[str, Stats]]:
    """The groups and each metric's sufficient statistics per group: the one pass behind every estimate.

    ``data`` is a DataFrame or a :class:`~csat_analysis.backends.WarehouseTable`
    (then one cell query); ``weights`` a column, a Series or a
    :class:`~csat_analysis.weighting.RakeResult`.  Returns the groups
    (:class:`~csat_analysis.cells.Grouped`: one key row per segment x period)
    and, per metric name, its :class:`Stats` with one entry per group.

    Examples
    --------
    >>> df = pd.DataFrame({"csat": [5, 4, 2, 5], "seg": list("aabb")})
    >>> grouped, st = grouped_stats(df, ["csat"], ["seg"], None)
    >>> grouped.keys["seg"].tolist(), st["csat"].estimate()["score"].tolist()
    (['a', 'b'], [100.0, 50.0])
    """
    check_table(data, "This function")
    raked = weights if hasattr(weights, "domain_stats") else None  # a weighting.RakeResult (duck-typed)
    scales = {METRICS[m].column: scale_of(data, METRICS[m].column) for m in metrics}
    if not isinstance(data, pd.DataFrame) and hasattr(data, "fine_cells"):  # backends.WarehouseTable: one query
        cells, fine = data.fine_cells(scales, by, freq, date, weights)
        w = weights  # below, only whether there are weights matters
    else:
        w = weight_values(data, weights)
        cells = fine_cells(data, by, freq, date)
        index = {col: _score_index(data, col) for col in scales}
        fine = count(cells, index, {col: hi - lo + 2 for col, (lo, hi, _) in scales.items()}, w)
    grouped, group_of = fold(cells, next(iter(fine.values()))[0].sum(1), fill_periods)

    def folded(hist: np.ndarray) -> np.ndarray:  # fine cells -> groups, without the missing-answer bin
        out = np.zeros((grouped.size + 1, hist.shape[1]))
        np.add.at(out, group_of, hist)
        return out[:-1, :-1]

    stats = {}
    for m in metrics:
        col = METRICS[m].column
        lo, hi, top = scales[col]
        hists = [folded(h) for h in fine[col]]
        stats[m] = _stats_from_histogram(m, hists * 3 if len(hists) == 1 else hists, lo, hi, top,
                                         weighted=w is not None, n_design=cells.n)
        if raked is not None:  # each row's group, analysed value and answer: for the calibration residuals
            row_group = group_of[cells.codes(0, cells.n)]
            score = index[col] + lo
            kind = METRICS[m].kind
            y = (score >= top) * 1.0 if kind == "share" else score * 1.0 if kind == "mean" else \
                (score >= 9) * 1.0 - (score <= 6)
            cal = raked.domain_stats(data, row_group, grouped.size, y, index[col] < hi - lo + 1)
            stats[m] = dataclasses.replace(stats[m], cal=cal, n_design=raked.n_design)
    return grouped, stats


# --------------------------------------------------------------------------- public API


@dataclasses.dataclass(frozen=True)
class Estimate:
    """One metric on one sample: score with its standard error and interval.

    ``shares`` holds the promoter/passive/detractor percentages for NPS.
    """

    metric: str
    score: float
    n: int
    n_eff: float
    se: float
    ci_low: float
    ci_high: float
    ci: float = 0.95
    shares: dict[str, float] | None = None

    def __str__(self) -> str:
        """``NPS +12.0 (95% CI +10.7 to +13.3, n = 18,068)``, as :func:`~csat_analysis.narrative.fmt_estimate`
        prints it (bounds with enough decimals to differ from the score)."""
        text = fmt_estimate(self.metric, self.score, self.ci_low, self.ci_high, style="words", n=self.n, ci=self.ci)
        return f"{metric_label(self.metric)} {text}"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def estimate(metric: str, data, *, column: str | None = None, weights=None, ci: float = 0.95,
             ci_method: str = "adjusted_wald", top_box: int | None = None) -> Estimate:
    """Any metric of one sample by name: what :func:`csat`, :func:`nps` and :func:`ces` return.

    ``column`` defaults to the metric's score column (:mod:`csat_analysis.registry`);
    ``weights`` may also be a :class:`~csat_analysis.weighting.RakeResult`.

    Examples
    --------
    >>> round(estimate("ces_top", [4, 5, 6, 7, 7]).score, 1)
    80.0
    """
    score_col = metric_def(metric).column
    column = score_col if column is None else column
    check_argument("ci_method", CI_METHODS, ci_method)
    if hasattr(data, "fine_cells") and not isinstance(data, pd.DataFrame):  # a backends.WarehouseTable
        raise ParameterError(f"For a warehouse table, use summarize(data, metrics={metric!r}) (one row: the whole "
                             "table's score, n and interval).")
    if isinstance(data, pd.DataFrame):
        frame = data.rename(columns={column: score_col}) if column != score_col else data
    else:
        frame = pd.DataFrame({score_col: pd.Series(np.asarray(data, dtype=float))})
        if weights is not None and not isinstance(weights, str) and not hasattr(weights, "domain_stats"):
            frame["weight"] = np.asarray(weights, dtype=float)
            weights = "weight"
    if top_box is not None:
        lo, hi, _ = scale_of(frame, score_col)
        frame = with_schema(frame, {"metrics": {score_col: {"scale": [lo, hi], "top_box": top_box}}})
    st = grouped_stats(frame, [metric], [], None, weights=weights)[1][metric]
    est = _estimate(st, ci, ci_method)
    shares = None
    if st.kind == "nps":
        p, d, _ = _nps_parts(st)
        shares = {"promoters": float(100 * p[0]), "passives": float(100 * (1 - p[0] - d[0])),
                  "detractors": float(100 * d[0])}
    return Estimate(metric, float(est["score"][0]), int(st.n[0]), float(st.n_eff[0]), float(est["se"][0]),
                    float(est["ci_low"][0]), float(est["ci_high"][0]), ci, shares)


def csat(data, *, column: str = "csat", weights=None, top_box: int | None = None, mean: bool = False,
         ci: float = 0.95) -> Estimate:
    """CSAT of one sample: top-box share in percent with a Wilson interval.

    Parameters
    ----------
    data : DataFrame, Series or array of scores (1-5 unless the loader's schema says otherwise)
    column : str
        Score column when ``data`` is a DataFrame.
    weights : str or array, optional
        Weight column (or array of weights); the SE is then the linearization SE
        (R ``survey::svymean``) and the Wilson interval uses ``n*`` (module docstring).
    top_box : int, optional
        Lowest satisfied score (default 4 on 1-5, or the schema's ``top_box``).
    mean : bool
        Return the mean score with a t interval (metric ``csat_mean``) instead.

    Returns
    -------
    Estimate
        ``score, n, n_eff, se, ci_low, ci_high`` in percent (or scale points for the mean).

    Notes
    -----
    Wilson (1927) score interval: centre ``(p + z^2/2n)/(1 + z^2/n)``, half-width
    ``z/(1 + z^2/n) sqrt(p(1-p)/n + z^2/4n^2)``; weighted, n = n* = p(1-p)/SE^2
    with the linearization SE.

    Examples
    --------
    >>> e = csat([5] * 10 + [1] * 90)
    >>> round(e.score, 2), round(e.ci_low, 2), round(e.ci_high, 2)
    (10.0, 5.52, 17.44)
    >>> round(csat([4, 5, 2], mean=True).score, 3)
    3.667
    """
    return estimate("csat_mean" if mean else "csat", data, column=column, weights=weights, ci=ci, top_box=top_box)


def nps(data, *, column: str = "nps", weights=None, ci: float = 0.95, ci_method: str = "adjusted_wald") -> Estimate:
    """Net Promoter Score of one sample, with shares of promoters, passives and detractors.

    Parameters
    ----------
    data : DataFrame, Series or array of 0-10 ratings
    column : str
    weights : str or array, optional
    ci : float
    ci_method : {"adjusted_wald", "wald"}
        Adjusted Wald (Rocks 2016) adds 0.75 promoters, 1.5 passives and 0.75
        detractors before computing the Wald interval; "wald" is NPS +/- z SE.

    Returns
    -------
    Estimate
        ``score`` on -100..100; ``se = 100 sqrt((p + d - (p - d)^2) / n)``
        (trinomial variance, divisor n); ``shares`` in percent.

    Examples
    --------
    >>> e = nps([0, 7, 7, 9, 9, 9])
    >>> round(e.score, 2), round(e.se, 1)
    (33.33, 30.4)
    >>> e = nps([10] * 291 + [8] * 476 + [3] * 395, ci_method="wald")
    >>> round(e.score, 2), round(e.score - e.ci_low, 2)
    (-8.95, 4.39)
    """
    return estimate("nps", data, column=column, weights=weights, ci=ci, ci_method=ci_method)


def ces(data, *, column: str = "ces", weights=None, top_box: int | None = None, top: bool = False,
        ci: float = 0.95) -> Estimate:
    """Customer Effort Score of one sample: mean with a t interval (or top-box share).

    The scale and direction come from the schema (CES 2.0 default: 1-7,
    higher = easier).  ``top=True`` gives the top-box share in percent
    (Wilson interval), metric ``ces_top``.

    Examples
    --------
    >>> round(ces([4, 5, 6, 7, 7]).score, 2)
    5.8
    """
    return estimate("ces_top" if top else "ces", data, column=column, weights=weights, ci=ci, top_box=top_box)


def summarize(
    data: pd.DataFrame,
    *,
    metrics: Sequence[str] | str = ("csat", "nps", "ces"),
    by: Sequence[str] | str | None = None,
    freq: str | None = None,
    weights: str | None = None,
    ci: float = 0.95,
    ci_method: str = "adjusted_wald",
    min_n: int = 30,
    date: str = "date",
) -> pd.DataFrame:
    """Scores with confidence intervals by segment and period, as a tidy table.

    Parameters
    ----------
    data : DataFrame
        The canonical responses table (:func:`csat_analysis.load_responses`).
    metrics : list of {"csat", "csat_mean", "nps", "ces", "ces_top"}
        Metrics whose score column is absent are skipped.
    by : str or list of str, optional
        Segment columns.  Rows with a missing segment value are left out of
        the by-segment groups.
    freq : {"D", "W", "M", "Q", "Y"}, optional
        Period length; periods are labelled ``2021-W09``, ``2021-03``,
        ``2021Q1`` and ``2021``.  Without ``freq`` the period is ``"all"``.
    weights : str, Series or RakeResult, optional
        Weight column (or a Series matched by index); shares and means are
        weighted, SEs by linearization (R ``survey::svymean``), ``n_eff`` is
        Kish's effective n.  A :func:`~csat_analysis.weighting.rake` result
        gives calibration-aware SEs (R ``calibrate(calfun = "raking")`` +
        ``svymean``/``svyby``); ``data`` may then be the raked rows or a subset.
    ci : float
        Confidence level.
    ci_method : {"adjusted_wald", "wald"}
        NPS interval (shares always use Wilson, means t).
    min_n : int
        Groups with fewer responses are flagged ``low_n``.

    Returns
    -------
    DataFrame
        ``[<by>], period, metric, n, n_eff, score, se, ci_low, ci_high, low_n``:
        one row per group, period and metric; ``score`` in percent for
        ``csat``/``ces_top``, NPS points for ``nps``, scale points for means.
        A group without answers for a metric has ``n = 0`` and NaN score.

    Notes
    -----
    One vectorised pass over the rows builds a weighted score histogram per
    segment and calendar day (``numpy.bincount``, in cache-sized blocks);
    those are folded into the groups, and counts, sums, sums of squares and
    sums of (squared) weights follow, and every interval from those.

    Examples
    --------
    >>> df = pd.DataFrame({"csat": [5, 4, 2, 5], "nps": [10, 6, 9, 8], "seg": list("aabb")})
    >>> summarize(df, metrics=["csat", "nps"], by="seg", min_n=3)[["seg", "metric", "n", "score"]]
      seg metric  n  score
    0   a   csat  2  100.0
    1   a    nps  2    0.0
    2   b   csat  2   50.0
    3   b    nps  2   50.0
    """
    check_table(data, "summarize")
    by = as_list(by)
    metrics = check_metrics(metrics)
    check_argument("ci_method", CI_METHODS, ci_method)
    if freq is not None:
        check_argument("freq", FREQS, freq)
    require_columns(data, by, "segment column")
    metrics = [m for m in metrics if METRICS[m].column in data.columns] or _missing_scores(data, metrics)
    table = _summary_table(data, metrics, by, freq, date, weights, ci, ci_method, min_n)
    return table.drop(columns="_pcode", errors="ignore")


def _missing_scores(data, metrics):
    raise DataError(
        f"None of the metrics {metrics} has its score column in the data (columns: {list(data.columns)})."
    )


def _summary_table(data, metrics, by, freq, date, weights, ci, ci_method, min_n) -> pd.DataFrame:
    grouped, st = grouped_stats(data, metrics, by, freq, date, weights)
    frames = []
    for m in metrics:
        est = _estimate(st[m], ci, ci_method)
        part = grouped.keys.copy()
        part["metric"] = m
        part["n"] = st[m].n.astype(np.int64)
        part["n_eff"] = st[m].n_eff
        for k in ("score", "se", "ci_low", "ci_high"):
            part[k] = est[k]
        part["low_n"] = part["n"] < min_n
        part["_order"] = np.arange(len(part))
        frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out["_m"] = out["metric"].map({m: i for i, m in enumerate(metrics)})
    out = out.sort_values(["_order", "_m"], kind="stable").drop(columns=["_order", "_m"]).reset_index(drop=True)
    extra = ["_pcode"] if "_pcode" in out else []
    return out[by + SUMMARY_COLUMNS + extra]


def compare(
    data: pd.DataFrame,
    *,
    metric: str,
    by: str | None = None,
    period: str | None = None,
    reference: Any = None,
    weights: str | None = None,
    ci: float = 0.95,
    date: str = "date",
    privacy_min_n: int | None = None,
) -> pd.DataFrame:
    """Differences between segments or periods, with intervals and p-values.

    Parameters
    ----------
    metric : {"csat", "csat_mean", "nps", "ces", "ces_top"}
    by : str, optional
        Segment column: each segment against the rest (or against the
        ``reference`` level when given).
    period : {"D", "W", "M", "Q", "Y"}, optional
        Each period against the previous one (or against the ``reference``
        period when given), within each segment when ``by`` is also given.
    reference : optional
        What every row is compared with.  Without ``period``: a level of
        ``by``.  With ``period``: a period, as its label (``"2021-01"``,
        ``"2021Q1"``, ``"2021-W05"``, ``"2021"``) or a date inside it; every
        other period is compared with that one.
    privacy_min_n : int, optional
        For shared reports: groups (segments or periods) with fewer responses
        get NaN scores, and every difference *against* such a group is NaN
        (else its score could be recovered as ``score_ref + change``).  The
        "rest" a segment is compared with then leaves such segments out, so
        that no visible difference contains them (``table.attrs
        ["privacy_min_n"]`` records it for :func:`apply_privacy`).

    Returns
    -------
    DataFrame
        ``[<by>], [period], reference, metric, n, n_ref, score, score_ref,
        change, ci_low, ci_high, p, p_adj``, periods in chronological order.
        ``change = score - score_ref`` in the metric's units (percentage
        points, NPS points, scale points) and ``ci_low``/``ci_high`` are its
        interval; ``n_ref`` is the size of the group compared with;
        ``p_adj`` is Benjamini-Hochberg over the rows of the table.

    Notes
    -----
    Shares: Newcombe (1998) hybrid score interval (method 10) and the pooled
    score z test.  Means: Welch's t.  NPS: ``z = (A2 - A1)/sqrt(V2/n2' + V1/n1')``
    with Rocks's (2016) adjusted values; the interval is ``A2 - A1 +/- z SE``.
    With ``weights``, variances are linearization variances (R ``survey``):
    see :func:`_difference`.

    Examples
    --------
    >>> df = pd.DataFrame({"csat": [5] * 60 + [2] * 40 + [5] * 40 + [2] * 60,
    ...                    "seg": ["a"] * 100 + ["b"] * 100})
    >>> out = compare(df, metric="csat", by="seg", reference="b")
    >>> out[["seg", "reference", "change"]].to_dict("records")
    [{'seg': 'a', 'reference': 'b', 'change': 20.0}]
    >>> round(float(out["p"].iloc[0]), 4)
    0.0047
    >>> df["date"] = pd.to_datetime(["2024-01-15"] * 100 + ["2024-02-15"] * 50 + ["2024-03-15"] * 50)
    >>> compare(df, metric="csat", period="M", reference="2024-01")[["period", "reference", "change"]]
        period reference  change
    0  2024-02   2024-01    20.0
    1  2024-03   2024-01   -60.0
    """
    check_table(data, "compare")
    check_argument("metric", list(METRICS), metric)
    if by is None and period is None:
        raise ParameterError("compare needs `by=` (a segment column) or `period=` (W, M, Q or Y), or both.")
    if period is not None:
        check_argument("period", FREQS, period)
    by_list = as_list(by)
    require_columns(data, by_list, "segment column")
    grouped, st = grouped_stats(data, [metric], by_list, period, date, weights, fill_periods=period is not None)
    st = st[metric]
    keys = grouped.keys
    small = st.n < privacy_min_n if privacy_min_n is not None else np.zeros(grouped.size, dtype=bool)
    if period is not None:
        # fill_periods: each segment holds every period from the first to the last, in order
        pcode = np.asarray(keys["_pcode"], dtype=np.int64)
        first, last = (int(pcode.min()), int(pcode.max())) if len(pcode) else (0, -1)
        if reference is None or not len(pcode):
            prev = np.arange(grouped.size) - 1
            ok = pcode > first
        else:
            ref = _reference_period(reference, period, keys, first, last)
            prev = np.arange(grouped.size) - (pcode - ref)
            ok = pcode != ref
        rows = np.flatnonzero(ok)
        prev = prev[rows]
        a, b = st.take(rows), st.take(prev)
        out = keys.iloc[rows].reset_index(drop=True)
        out["reference"] = keys["period"].to_numpy()[prev]
        hide_a, hide_b = small[rows], small[prev]
    else:
        col = by_list[0]
        levels = keys[col].astype(object).to_numpy()
        if reference is not None:
            if reference not in set(levels):
                raise ParameterError(
                    f"The reference {reference!r} is not a level of {col!r}; levels are {sorted(map(str, levels))}."
                )
            ref = int(np.flatnonzero(levels == reference)[0])
            rows = np.flatnonzero(levels != reference)
            a, b = st.take(rows), st.take(np.full(len(rows), ref))
            out = keys.iloc[rows].reset_index(drop=True)
            out["reference"] = reference
            hide_a, hide_b = small[rows], np.full(len(rows), small[ref])
        else:
            # the rest leaves out the groups below the privacy threshold, so that no difference contains them
            total = st.pooled(np.flatnonzero(~small), repeat=grouped.size)
            a, b = st, total - st.zeroed(small)
            out = keys.copy()
            out["reference"] = "rest"
            hide_a, hide_b = small, np.zeros(grouped.size, dtype=bool)
    ea, eb = _estimate(a, ci), _estimate(b, ci)
    diff = _difference(a, b, ci)
    out["metric"] = metric
    out["n"], out["n_ref"] = a.n.astype(np.int64), b.n.astype(np.int64)
    out["score"], out["score_ref"] = ea["score"], eb["score"]
    for k in ("change", "ci_low", "ci_high", "p"):
        out[k] = diff[k]
    if privacy_min_n is not None:
        out["score"] = out["score"].mask(hide_a)
        out["score_ref"] = out["score_ref"].mask(hide_b)
        for k in ("change", "ci_low", "ci_high", "p"):
            out[k] = out[k].mask(hide_a | hide_b)
    out["p_adj"] = bh_adjust(out["p"].to_numpy())
    cols = by_list + (["period"] if period is not None else []) + [
        "reference", "metric", "n", "n_ref", "score", "score_ref", "change", "ci_low", "ci_high", "p", "p_adj"]
    out = out[cols].reset_index(drop=True)
    if privacy_min_n is not None:
        out.attrs["privacy_min_n"] = int(privacy_min_n)
    return out


def pairwise(
    data: pd.DataFrame,
    *,
    metric: str,
    by: str,
    weights: str | None = None,
    bases: str = "effective",
    ci: float = 0.95,
) -> pd.DataFrame:
    """Every pair of levels of ``by`` compared on ``metric``, with the tests :func:`compare` uses.

    Shares: the pooled two-proportion z (score) test (= R ``prop.test(correct
    = FALSE)``); means: Welch's t; NPS: Rocks's adjusted-value z test.  With
    ``weights`` and ``bases="effective"`` (the market-research convention for
    banner tables) the weighted scores are tested with Kish's effective bases
    ``n_eff`` in place of n; ``bases="design"`` uses linearization variances
    as :func:`compare` does.  Rows with a missing ``by`` value are left out.

    Returns
    -------
    DataFrame
        ``level, other, n, n_eff, score, n_other, n_eff_other, score_other,
        change, p``: one row per ordered pair (``change = score - score_other``;
        ``p`` is two-sided and symmetric), levels in the order :func:`summarize` gives.

    Examples
    --------
    >>> df = pd.DataFrame({"csat": [5] * 60 + [2] * 40 + [5] * 40 + [2] * 60,
    ...                    "seg": ["a"] * 100 + ["b"] * 100})
    >>> out = pairwise(df, metric="csat", by="seg")
    >>> out[["level", "other", "change"]].to_dict("records")
    [{'level': 'a', 'other': 'b', 'change': 20.0}, {'level': 'b', 'other': 'a', 'change': -20.0}]
    >>> round(float(out["p"].iloc[0]), 4)
    0.0047
    """
    check_argument("metric", list(METRICS), metric)
    check_argument("bases", ["effective", "design"], bases)
    require_columns(data, [by], "segment column")
    grouped, st = grouped_stats(data, [metric], [by], None, "date", weights)
    st = st[metric]
    if st.weighted and bases == "effective":
        st = dataclasses.replace(st, weighted=False)  # the unweighted formulas at n_eff: effective bases
    levels = grouped.keys[by].astype(object).to_numpy()
    k = len(levels)
    ia, ib = [a.ravel() for a in np.meshgrid(np.arange(k), np.arange(k), indexing="ij")]
    keep = ia != ib
    ia, ib = ia[keep], ib[keep]
    a, b = st.take(ia), st.take(ib)
    ea, eb = _estimate(a, ci), _estimate(b, ci)
    diff = _difference(a, b, ci)
    return pd.DataFrame({
        "level": levels[ia], "other": levels[ib],
        "n": a.n.astype(np.int64), "n_eff": a.n_eff, "score": ea["score"],
        "n_other": b.n.astype(np.int64), "n_eff_other": b.n_eff, "score_other": eb["score"],
        "change": diff["change"], "p": diff["p"],
    })


def _reference_period(reference: Any, freq: str, keys: pd.DataFrame, first: int, last: int) -> int:
    """The period code of ``reference`` (a period label, or a date inside the period) within the data's range."""
    label_freq, code = label_code(reference)
    if label_freq is None:  # not a label: a date inside the period
        try:
            stamp = pd.Timestamp(reference)
        except (ValueError, TypeError):
            stamp = pd.NaT
        if not pd.isna(stamp):
            stamp = stamp.tz_localize(None) if stamp.tz is not None else stamp
            code = float(date_periods(pd.Series([stamp]), freq)[0][0])
    elif label_freq != freq:
        code = np.nan
    labels = keys["period"].to_numpy()
    if np.isnan(code) or not first <= code <= last:
        raise ParameterError(
            f"The reference {reference!r} is not a period ({freq}) of the data, which runs from {labels[0]} to "
            f"{labels[-1]}; pass a period label such as {labels[0]!r} or a date inside one."
        )
    return int(code)


_COMPARISON_COLUMNS = ("score_ref", "change", "ci_low", "ci_high", "p", "p_adj")


def apply_privacy(table: pd.DataFrame, *, privacy_min_n: int = 5, siblings: Sequence[Sequence[str]] | None = None
                  ) -> pd.DataFrame:
    """Blank the scores of groups with fewer than ``privacy_min_n`` responses (for shared reports).

    With ``siblings`` (see :func:`~csat_analysis.privacy.complementary_suppression`),
    rows whose total is shown elsewhere are suppressed complementarily: a
    small group's score can't be worked out as the total minus its shown
    siblings.  ``[["metric"]]`` for a :func:`summarize` table ``by`` one
    column (the report shows the total), ``[[]]`` for the periods of one
    trend.  Rows already marked ``suppressed`` stay suppressed.

    Adds a boolean ``suppressed`` column; ``score``, ``se``, ``ci_low``,
    ``ci_high`` (and ``change``-type columns when present) become NaN there.
    In a :func:`compare` table a row is also suppressed when the group it is
    compared with (``n_ref``) is below the threshold, since ``score_ref`` and
    ``change`` would reveal that group.  When a suppressed segment is part of
    the "rest" other segments are compared with (a ``compare(by=...)`` table
    made without ``privacy_min_n``, or with a lower one), those differences
    would reveal it too (rest scores and the other segments' own scores add up
    to it): their ``score_ref``, ``change``, interval and p-values are blanked
    as well.

    Examples
    --------
    >>> t = pd.DataFrame({"n": [3, 40], "score": [80.0, 75.0]})
    >>> apply_privacy(t)["score"].tolist()
    [nan, 75.0]
    """
    out = table.copy()
    hide = out["n"] < privacy_min_n
    if "suppressed" in out:
        hide |= out["suppressed"].fillna(False).astype(bool)
    if siblings is not None:
        from .privacy import complementary_suppression

        hide |= complementary_suppression(out, privacy_min_n=privacy_min_n, siblings=siblings,
                                          primary=hide.to_numpy() & (out["n"] > 0).to_numpy())
    if "n_ref" in out:
        hide |= out["n_ref"] < privacy_min_n
    out["suppressed"] = hide
    for col in ("score", "se", "ci_low", "ci_high", "change", "change_p", "change_p_adj", "p", "p_adj",
                "score_ref", "yoy_change", "yoy_p", "rolling_score"):
        if col in out:
            out[col] = out[col].astype(float).mask(hide)
    if "reference" in out and "n_ref" in out:
        rest = (out["reference"] == "rest").to_numpy(dtype=bool)
        left_out = int(table.attrs.get("privacy_min_n") or 0)  # compare() left groups below this out of the rest
        inside = rest & (out["n"] < privacy_min_n).to_numpy() & (out["n"] >= left_out).to_numpy()
        if inside.any():
            for col in _COMPARISON_COLUMNS:
                if col in out:
                    out[col] = out[col].astype(float).mask(rest)
    return out
