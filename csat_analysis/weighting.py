"""Weight respondents to the customer base: raking, calibration-aware variances, non-response diagnostics.

Respondents are not a random draw of customers: long-tenure, contract and
older customers answer more often.  :func:`rake` adjusts the respondents'
weights (iterative proportional fitting, Deming & Stephan 1940) until their
weighted shares of each ``by`` variable equal the customer base's shares, and
returns a :class:`RakeResult` that every estimator accepts as ``weights=``.

Variance.  Raking is calibration with the raking distance (Deville &
Särndal 1992), and its variance is that of the calibration estimator: the
linearized values of an estimate are replaced by their residuals from the
regression on the calibration variables, exactly as R ``survey``
does for ``calibrate(design, ~v1 + v2 + ..., population, calfun =
"raking")`` followed by ``svymean``/``svyby``.  With initial (design) weights
``w0``, final weights ``w = g w0``, calibration dummies ``X`` and a domain
``D`` with weighted mean ``m`` and weight total ``W``::

    z_i = 1{i in D} (y_i - m) / W
    b   = (X' W0 X)^-1 X' W0 z                  (regression on the initial weights)
    u_i = w_i (z_i - x_i' b)
    var = N/(N-1) sum (u_i - mean u)^2          (N rows in the raked table)

All of it is computed from sums per domain and calibration level (no per-row
regression), so segments, periods and differences between them cost little;
differences of domains get the covariance the calibration induces between
them (:meth:`_CalStats.covariance`).  A plain weight column keeps the
fixed-weight linearization (:mod:`csat_analysis.metrics`).

:func:`response_bias` describes who answered on the invited list: response
rates by level with Wilson intervals, the R-indicator of Schouten, Cobben &
Bethlehem (2009) and inverse-propensity weights as an alternative to raking.
"""

from __future__ import annotations

import dataclasses
import warnings as _warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._utils import as_list, nearest, require_columns, shorten, weight_values
from .config import MAX_WEIGHT_SHARE, MIN_EFFECTIVE_N, RAKE_MIN_LEVEL_N
from .exceptions import DataError, ParameterError
from .margins import SHARE_TOLERANCE, level_key, margins_from_mapping
from .responses import schema_of
from .results import Result

__all__ = ["rake", "RakeResult", "response_bias", "ResponseBias", "population_weights", "header_note",
           "SHARE_TOLERANCE", "SPARSE_LEVEL_N"]

#: A level with fewer respondents than this is named in the warnings (its few answers carry its whole share).
SPARSE_LEVEL_N = 5
_MAX_DENSE_CELLS = 1 << 22
_MAX_DENSE_DOMAIN_UNITS = 1 << 24  # beyond, domain x unit sums are a sparse matrix


# --------------------------------------------------------------------------- levels and margins


def _row_levels(data: pd.DataFrame, col: str, what: str) -> tuple[np.ndarray, list[str], bool]:
    """Per-row codes into the column's distinct levels (as keys), the keys, and whether the column is ordered."""
    s = data[col]
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = np.asarray(s.cat.codes, dtype=np.int64)
        uniq = list(s.cat.categories)
        ordered = bool(s.cat.ordered)
    else:
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
        codes = np.asarray(codes, dtype=np.int64)
        uniq = list(uniq)
        ordered = False
    if (codes < 0).any():
        n_missing = int((codes < 0).sum())
        raise DataError(
            f"Column {col!r} of the {what} has {n_missing:,} missing value(s); fill them (e.g. with 'Unknown', "
            f"and give the population that level too) or drop those rows before raking."
        )
    blank = [i for i, u in enumerate(uniq) if isinstance(u, str) and level_key(u) == ""]
    if blank:  # a blank value is a missing value, not a level named ""
        n_blank = int(np.isin(codes, blank).sum())
        raise DataError(
            f"Column {col!r} of the {what} has {n_blank:,} blank value(s); fill them (e.g. with 'Unknown', and give "
            "the population that level too) or drop those rows before raking."
        )
    used = np.bincount(codes, minlength=len(uniq)) > 0
    if not used.all():  # categories nobody has (an unused category of a categorical column)
        remap = np.cumsum(used) - 1
        codes = remap[codes]
        uniq = [u for u, keep in zip(uniq, used, strict=False) if keep]
    keys = [level_key(u) for u in uniq]
    if len(set(keys)) < len(keys):  # e.g. "1" and 1 in one object column: merge them
        merged = {k: i for i, k in reversed(list(enumerate(keys)))}
        remap = np.array([merged[k] for k in keys])
        codes = remap[codes]
        keep = sorted(set(merged.values()))
        pos = np.full(len(keys), -1)
        pos[keep] = np.arange(len(keep))
        codes = pos[codes]
        keys = [keys[i] for i in keep]
    return codes, keys, ordered


@dataclasses.dataclass
class _Margin:
    """One ``by`` variable: its levels (population order), population totals, and how levels were merged."""

    variable: str
    labels: list[str]  # level labels after collapsing ("A + B" for merged levels)
    target: np.ndarray  # population totals per level (sum = population size)
    members: list[list[str]]  # the original level keys in each label
    ordered: bool = False


def _margins_from_frame(
    population: pd.DataFrame, by: list[str], source: str
) -> tuple[dict[str, dict[str, float]], float, dict[str, bool]]:
    absent = [c for c in by if c not in population.columns]
    if absent:  # said without quoting the file's header: a wrong file's first line stays out of the message
        raise DataError(f"The population ({source}) has no column {shorten(absent[0])!r}; a customer table needs "
                        f"the `by` columns {by} in its header row.")
    out, ordered = {}, {}
    for col in by:
        codes, keys, is_ordered = _row_levels(population, col, f"population ({source})")
        counts = np.bincount(codes, minlength=len(keys)).astype(float)
        pairs = list(zip(keys, counts, strict=False))
        if not isinstance(population[col].dtype, pd.CategoricalDtype):  # else the categories' order
            pairs.sort(key=lambda kv: kv[0])
        out[col] = dict(pairs)
        ordered[col] = is_ordered
    return out, float(len(population)), ordered


def _read_population(path: str | Path) -> pd.DataFrame:
    from .io import read_customer_table  # io is heavy; load it only for files

    return read_customer_table(path, what="Population file",
                               expect="CSV, Excel or Parquet with a header row naming the `by` columns")


# --------------------------------------------------------------------------- raking


@dataclasses.dataclass(frozen=True)
class RakeResult(Result):
    """Weights that make respondents look like the customer base, with diagnostics.

    Pass it to any estimator (``summarize(data, weights=result)``, ``csat``,
    ``nps``, ``ces``, ``compare``, ``trend``): scores are weighted and their
    standard errors calibration-aware (module docstring).

    Attributes
    ----------
    weights : Series
        One positive weight per row of the raked table (same index), summing to
        the population size (or ``total``).
    table : DataFrame
        ``variable, level, n, population_share, sample_share, weighted_share,
        diff_before, diff_after``: shares as proportions; ``diff_before =
        sample_share - population_share``, ``diff_after = weighted_share -
        population_share``.
    n_eff : float
        Kish's effective sample size ``(sum w)^2 / sum w^2``.
    deff : float
        Kish's design effect of weighting ``n / n_eff = 1 + CV(w)^2``.
    warnings : list of str
        Levels merged, margins not met after trimming, no convergence.
    converged, iterations, max_error
        Whether IPF reached ``tol`` and the largest ``|weighted_share -
        population_share|`` left.
    trim : dict or None
        ``cap`` (the weight limit), ``trimmed`` (rows at the cap),
        ``n_eff_untrimmed`` and ``n_eff_gained`` when ``trim=`` was used.
    """

    weights: pd.Series
    table: pd.DataFrame
    n_eff: float
    deff: float
    warnings: list[str]
    by: list[str]
    population_size: float
    converged: bool
    iterations: int
    max_error: float
    trim: dict[str, Any] | None
    # raking units (rows sharing every level and the initial weight): each row's unit, and per unit the level
    # codes (units x by, after collapsing), the initial (design) weight and the final weight
    _unit: np.ndarray = dataclasses.field(repr=False)
    _ucodes: list[np.ndarray] = dataclasses.field(repr=False)
    _dims: list[int] = dataclasses.field(repr=False)
    _ubase: np.ndarray = dataclasses.field(repr=False)
    _uweight: np.ndarray = dataclasses.field(repr=False)
    _cache: dict = dataclasses.field(default_factory=dict, repr=False, compare=False)

    # ----------------------------------------------------------------- reporting

    def summary(self) -> str:
        """A few lines for people: sizes, design effect, the largest imbalance before and after, warnings."""
        t = self.table
        worst = t.loc[t["diff_before"].abs().idxmax()] if len(t) else None
        lines = [
            f"Raked {len(self.weights):,} respondents to a population of {self.population_size:,.0f} on "
            f"{', '.join(self.by)}.",
            f"Effective sample size {self.n_eff:,.0f} (design effect {self.deff:.2f}); weights range "
            f"{self.weights.min():.3g} to {self.weights.max():.3g} (mean {self.weights.mean():.3g}).",
        ]
        if worst is not None:
            lines.append(
                f"Largest imbalance before weighting: {worst['variable']} = {worst['level']} "
                f"({100 * worst['sample_share']:.1f}% of respondents, {100 * worst['population_share']:.1f}% of "
                f"the population); after weighting the largest gap is {100 * t['diff_after'].abs().max():.2g} points."
            )
        lines.append(("Converged" if self.converged else "Did NOT converge") + f" after {self.iterations} sweeps.")
        if self.trim:
            lines.append(
                f"Trimmed {self.trim['trimmed']:,} weights at {self.trim['cap']:.3g}; effective n gained "
                f"{self.trim['n_eff_gained']:+,.0f}."
            )
        lines += self._warning_lines()
        return "\n".join(lines)

    table_title = "Balance"

    def __repr__(self) -> str:
        return (f"RakeResult(n={len(self.weights):,}, population={self.population_size:,.0f}, by={self.by}, "
                f"n_eff={self.n_eff:,.1f}, deff={self.deff:.3f}, converged={self.converged}, "
                f"warnings={len(self.warnings)})")

    def plot(self, ax=None):
        """Who answered: population, respondent and weighted shares of every level (a dot plot, in percent)."""
        import matplotlib.pyplot as plt

        from .plots import PALETTE

        t = self.table
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.32 * len(t) + 1.2))
        y = np.arange(len(t))[::-1]
        ax.hlines(y, 100 * np.minimum(t["sample_share"], t["population_share"]),
                  100 * np.maximum(t["sample_share"], t["population_share"]), color="#cccccc", lw=2)
        ax.scatter(100 * t["population_share"], y, marker="|", s=200, color="black", label="customers", zorder=3)
        ax.scatter(100 * t["sample_share"], y, color="#9bb4cc", s=36, label="respondents", zorder=3)
        ax.scatter(100 * t["weighted_share"], y, facecolor="none", edgecolor=PALETTE["main"], s=70,
                   label="respondents, weighted", zorder=4)
        ax.set_yticks(y, [f"{v} = {lv}" for v, lv in zip(t["variable"], t["level"], strict=False)])
        ax.set_xlabel("share (%)")
        ax.set_title("Who answered, before and after weighting")
        ax.legend(loc="lower right", frameon=False, fontsize=8)
        return ax

    # ----------------------------------------------------------------- calibration-aware variance

    @property
    def n_design(self) -> int:
        return len(self.weights)

    def _positions(self, data: pd.DataFrame) -> np.ndarray:
        """Rows of ``data`` as positions in the raked table (data may be a subset of it: a domain)."""
        index = self.weights.index
        if data.index.equals(index):
            return np.arange(len(index))
        if not index.is_unique:
            raise DataError("The raked table's index has repeated labels, so its weights cannot be matched to "
                            "rows; reset the index (data.reset_index(drop=True)) before raking.")
        pos = index.get_indexer(data.index)
        if (pos < 0).any():
            label = data.index[int(np.flatnonzero(pos < 0)[0])]
            raise DataError(
                f"Row {shorten(repr(label))} of the data is not in the raked table; pass the table that was raked "
                "(or a subset of its rows), or rake this table."
            )
        return pos

    def weights_for(self, data: pd.DataFrame) -> np.ndarray:
        """The weights of ``data``'s rows (matched by index)."""
        return self.weights.to_numpy(dtype=float)[self._positions(data)]

    def _design(self) -> dict[str, Any]:
        """The calibration dummies per unit and their cross-products over the whole raked table (cached)."""
        if "design" in self._cache:
            return self._cache["design"]
        from scipy import sparse

        # dummy columns: every level of the first variable, levels 1.. of the others (full rank, as R's ~v1+v2)
        rows, cols, p = [], [], 0
        nu = len(self._ubase)
        for v, (d, code) in enumerate(zip(self._dims, self._ucodes, strict=False)):
            keep = np.arange(nu) if v == 0 else np.flatnonzero(code > 0)
            rows.append(keep)
            cols.append(p + code[keep] - (0 if v == 0 else 1))
            p += d if v == 0 else d - 1
        r, c = np.concatenate(rows), np.concatenate(cols)
        xu = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(nu, p))
        count = np.bincount(self._unit, minlength=nu).astype(float)
        w0, wf = self._ubase, self._uweight
        m = (xu.T @ xu.multiply((count * w0)[:, None])).toarray()
        q = (xu.T @ xu.multiply((count * wf**2)[:, None])).toarray()
        t = xu.T @ (count * wf)
        scale = np.sqrt(np.maximum(np.diag(m), 1e-300))
        minv = np.linalg.pinv(m / np.outer(scale, scale), rcond=1e-12, hermitian=True) / np.outer(scale, scale)
        out = {"p": p, "xu": xu.tocsc(), "minv": minv, "q": q, "t": np.asarray(t).ravel(), "n": float(len(self._unit))}
        self._cache["design"] = out
        return out

    def domain_stats(self, data: pd.DataFrame, group: np.ndarray, ngroups: int, y: np.ndarray,
                     valid: np.ndarray) -> _CalStats:
        """Calibration-aware variance machinery for ``ngroups`` disjoint domains of ``data``.

        ``group``: each row's domain (``ngroups`` or more for none); ``y``: the
        analysed value (top-box indicator, score or -1/0/+1 NPS code); ``valid``:
        rows with an answer.  Used by :mod:`csat_analysis.metrics`.  The rows
        are summed per domain and raking unit (the calibration dummies, the
        initial and the final weight are constant within a unit), and
        everything else follows from those sums.
        """
        from scipy import sparse

        d = self._design()
        pos = self._positions(data)
        unit = self._unit[pos]
        ok = valid & (group < ngroups)
        y = np.asarray(y, dtype=float)
        nu, k = len(self._ubase), ngroups
        if not ok.all():
            unit, g, y = unit[ok], group[ok].astype(np.int64), y[ok]
        else:
            g = group.astype(np.int64)
        cell = g * nu + unit
        if k * nu <= _MAX_DENSE_DOMAIN_UNITS:  # dense domain x unit sums, by counting
            cnt, sy, sy2 = (np.bincount(cell, wt, minlength=k * nu).reshape(k, nu) for wt in (None, y, y * y))
        else:
            def agg(wt):
                return sparse.csr_matrix((wt, (g, unit)), shape=(k, nu))
            cnt, sy, sy2 = agg(np.ones(len(g))), agg(y), agg(y * y)
        w0, wf = self._ubase, self._uweight
        xu = d["xu"]

        def per_level(mat, wt):  # domain x unit sums, weighted per unit, summed onto the dummies: domain x p
            out = (mat.multiply(wt[None, :]).tocsr() if sparse.issparse(mat) else mat * wt[None, :]) @ xu
            return out.toarray() if sparse.issparse(out) else np.asarray(out)

        sums = {
            "W": np.asarray(cnt @ wf).ravel(), "Y": np.asarray(sy @ wf).ravel(),
            "sw2": np.asarray(cnt @ wf**2).ravel(), "q1": np.asarray(sy @ wf**2).ravel(),
            "q2": np.asarray(sy2 @ wf**2).ravel(),
            "A": per_level(sy, w0), "B": per_level(cnt, w0), "C": per_level(sy, wf**2), "E": per_level(cnt, wf**2),
        }
        return _CalStats(_CalContext(d, sums), sparse.identity(k, format="csr"))


@dataclasses.dataclass(frozen=True)
class _CalContext:
    design: dict[str, Any]
    sums: dict[str, np.ndarray]


@dataclasses.dataclass(frozen=True)
class _CalStats:
    """Domains as unions of base groups (a sparse 0/1 membership matrix), for :class:`metrics.Stats`.

    ``take``/``pooled``/``minus``/``zeroed`` follow the operations on the
    sufficient statistics; ``variance()`` and ``covariance(other)`` give the
    calibration-aware linearization variance of each row's weighted mean and
    the covariance of paired rows (module docstring).
    """

    ctx: _CalContext
    members: Any  # scipy.sparse csr, rows x base groups

    def take(self, idx) -> _CalStats:
        return _CalStats(self.ctx, self.members[np.asarray(idx)])

    def pooled(self, idx=slice(None), repeat: int = 1) -> _CalStats:
        from scipy import sparse

        row = np.asarray(self.members[idx].sum(axis=0)).ravel()
        return _CalStats(self.ctx, sparse.csr_matrix(np.tile(row, (repeat, 1))))

    def minus(self, other: _CalStats) -> _CalStats:
        return _CalStats(self.ctx, (self.members - other.members).tocsr())

    def zeroed(self, mask) -> _CalStats:
        from scipy import sparse

        return _CalStats(self.ctx, (sparse.diags((~np.asarray(mask, dtype=bool)).astype(float)) @ self.members).tocsr())

    def _parts(self):
        s, d = self.ctx.sums, self.ctx.design
        P = self.members
        with np.errstate(divide="ignore", invalid="ignore"):
            W = P @ s["W"]
            m = (P @ s["Y"]) / W
            c = ((P @ s["A"]) - m[:, None] * (P @ s["B"])) / W[:, None]
            b = c @ d["minv"]
            szx = ((P @ s["C"]) - m[:, None] * (P @ s["E"])) / W[:, None]
            ubar = -(b @ d["t"]) / d["n"]
        return W, m, b, szx, ubar

    def variance(self) -> np.ndarray:
        s, d = self.ctx.sums, self.ctx.design
        P = self.members
        W, m, b, szx, ubar = self._parts()
        n = d["n"]
        with np.errstate(divide="ignore", invalid="ignore"):
            szz = ((P @ s["q2"]) - 2 * m * (P @ s["q1"]) + m**2 * (P @ s["sw2"])) / W**2
            ss = szz - 2 * np.einsum("ij,ij->i", b, szx) + np.einsum("ij,ij->i", b @ d["q"], b)
            var = n / (n - 1) * (ss - n * ubar**2)
        return np.where(W > 0, np.maximum(var, 0.0), np.nan)

    def covariance(self, other: _CalStats) -> np.ndarray:
        """Covariance of row i's mean here with row i's mean in ``other`` (same base groups)."""
        s, d = self.ctx.sums, self.ctx.design
        Wa, ma, ba, sa, ua = self._parts()
        Wb, mb, bb, sb, ub = other._parts()
        both = self.members.multiply(other.members).tocsr()
        n = d["n"]
        with np.errstate(divide="ignore", invalid="ignore"):
            szz = ((both @ s["q2"]) - (ma + mb) * (both @ s["q1"]) + ma * mb * (both @ s["sw2"])) / (Wa * Wb)
            ss = (szz - np.einsum("ij,ij->i", bb, sa) - np.einsum("ij,ij->i", ba, sb)
                  + np.einsum("ij,ij->i", ba @ d["q"], bb))
            cov = n / (n - 1) * (ss - n * ua * ub)
        return np.where((Wa > 0) & (Wb > 0), cov, np.nan)


def _ipf(level: list[np.ndarray], mass: np.ndarray, factor: np.ndarray, targets: list[np.ndarray],
         max_iter: int, tol: float) -> tuple[np.ndarray, bool, int, float]:
    """Iterative proportional fitting on units: ``mass * factor`` summed by level must equal each target."""
    total = targets[0].sum()
    err = np.inf
    for it in range(1, max_iter + 1):
        for codes, target in zip(level, targets, strict=False):
            current = np.bincount(codes, mass * factor, minlength=len(target))
            factor = factor * (target / current)[codes]
        err = max(np.abs(np.bincount(codes, mass * factor, minlength=len(target)) - target).max()
                  for codes, target in zip(level, targets, strict=False)) / total
        if err <= tol:
            return factor, True, it, err
    return factor, False, max_iter, err


def _capped_ratio(a: np.ndarray, b: np.ndarray, target: float) -> np.ndarray:
    """Per unit ``min(a r, b)`` with the one r that makes them sum to ``target`` (all at ``b`` if it cannot)."""
    rb = b / a
    order = np.argsort(rb, kind="stable")
    a_s, b_s, rb_s = a[order], b[order], rb[order]
    before_b = np.concatenate([[0.0], np.cumsum(b_s)[:-1]])  # the k units with the lowest caps sit at their cap
    after_a = a_s[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (target - before_b) / after_a
    lower = np.concatenate([[0.0], rb_s[:-1]])
    ok = np.flatnonzero((r <= rb_s * (1 + 1e-12)) & (r >= lower * (1 - 1e-12)))
    if not len(ok):
        return b.copy()
    return np.minimum(a * r[ok[0]], b)


def _ipf_capped(level: list[np.ndarray], mass: np.ndarray, factor: np.ndarray, cap: np.ndarray,
                targets: list[np.ndarray], max_iter: int, tol: float) -> tuple[np.ndarray, bool, int, float]:
    """IPF in which no unit's factor exceeds ``cap``: each level's units are scaled by the one ratio that meets its
    target once the units that would pass their cap are held at it (so the margins and the cap hold together
    when they can)."""
    total = targets[0].sum()
    factor = np.minimum(factor, cap)
    groups = [[np.flatnonzero(codes == j) for j in range(len(t))] for codes, t in zip(level, targets, strict=False)]
    err = np.inf
    for it in range(1, max_iter + 1):
        for units, target in zip(groups, targets, strict=False):
            for j, idx in enumerate(units):
                factor[idx] = _capped_ratio(mass[idx] * factor[idx], mass[idx] * cap[idx], target[j]) / mass[idx]
        err = max(np.abs(np.bincount(codes, mass * factor, minlength=len(t)) - t).max()
                  for codes, t in zip(level, targets, strict=False)) / total
        if err <= tol:
            return factor, True, it, err
    return factor, False, max_iter, err


def _collapse(margin: _Margin, counts: np.ndarray, warnings: list[str], min_n: int = 1
              ) -> tuple[_Margin, np.ndarray]:
    """Merge levels with fewer than ``min_n`` respondents (none, at least) into a neighbour.

    An ordered variable's level goes to the neighbour with respondents (the
    smaller one when both have them); an unordered one's to the level with
    enough respondents that is smallest in the population.  Levels the
    population lacks as well as the respondents are dropped.  Linear in the
    number of levels: one pass, a heap of candidates, one warning per merged
    group.  Returns the new margin and the map old level -> new level.
    """
    import heapq

    k = len(margin.labels)
    target = np.asarray(margin.target, dtype=float).copy()
    count = np.asarray(counts, dtype=float).copy()
    need = max(int(min_n), 1)
    root = np.arange(k)  # each level's group, by its first level (union-find with path halving)

    def find(i):
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    alive = (target > 0) | (count > 0)  # a level that neither side has is dropped
    merged_from: dict[int, list[int]] = {}

    def join(i, j):  # group i goes into group j; the group keeps the smaller first level
        lo, hi = min(i, j), max(i, j)
        root[hi] = lo
        target[lo] += target[hi]
        count[lo] += count[hi]
        merged_from.setdefault(lo, []).extend([hi] + merged_from.pop(hi, []))
        return lo

    if margin.ordered:  # groups are runs of neighbouring levels, linked left to right by their first level
        idx = [i for i in range(k) if alive[i]]
        prv, nxt = np.full(k, -1), np.full(k, -1)
        for a, b in zip(idx[:-1], idx[1:], strict=True):
            nxt[a], prv[b] = b, a
        todo = [i for i in reversed(idx) if count[i] < need]
        while todo:
            i = todo.pop()
            if root[i] != i or count[i] >= need or (prv[i] < 0 and nxt[i] < 0):
                continue
            j = min((c for c in (prv[i], nxt[i]) if c >= 0), key=lambda c: (count[c] < need, target[c]))
            left, right = min(i, j), max(i, j)
            join(right, left)
            nxt[left] = nxt[right]
            if nxt[right] >= 0:
                prv[nxt[right]] = left
            if count[left] < need:
                todo.append(left)
    else:
        big = [(target[i], i) for i in range(k) if alive[i] and count[i] >= need]
        heapq.heapify(big)
        short = [i for i in range(k) if alive[i] and count[i] < need]
        if not big and short:  # nobody has enough: everything is one group
            first = short[0]
            for i in short[1:]:
                first = join(first, i)
            short = []
        for i in short:
            t, j = heapq.heappop(big)
            while root[j] != j or t != target[j]:  # a stale entry
                t, j = heapq.heappop(big)
            keep = join(i, j)
            heapq.heappush(big, (target[keep], keep))
    groups = sorted({find(i) for i in range(k) if alive[i]})
    position = {g: n for n, g in enumerate(groups)}
    mapping = np.array([position.get(find(i), -1) if alive[i] else -1 for i in range(k)])
    members = [[margin.members[g][0]] for g in groups]
    for n, g in enumerate(groups):
        members[n] = [m for i in sorted([g] + merged_from.get(g, [])) for m in margin.members[i]]
    labels = [margin.labels[g] if len(m) == 1 else _merged_label(m) for g, m in zip(groups, members, strict=True)]
    total = float(np.asarray(margin.target, dtype=float).sum()) or 1.0
    orig = np.asarray(counts, dtype=float)
    for g, label in zip(groups, labels, strict=True):
        parts = sorted([g] + merged_from.get(g, []))
        if len(parts) == 1:
            continue
        small = [i for i in parts if orig[i] < need]
        others = [margin.labels[i] for i in parts if orig[i] >= need]
        one = len(small) == 1
        names = repr(margin.labels[small[0]]) if one else shorten_levels([margin.labels[i] for i in small])
        share = 100 * sum(margin.target[i] for i in small) / total
        into = (f"merged {'it' if one else 'them'} with "
                + (", ".join(map(repr, others[:3])) + (f" and {len(others) - 3:,} more" if len(others) > 3 else "")
                   if others else "each other") + f" as {label!r}")
        if all(orig[i] == 0 for i in small):
            warnings.append(f"No respondent has {margin.variable} = {names} ({share:.1f}% of the population); "
                            f"{into} so that the weights can reach the margins.")
        else:
            warnings.append(f"Fewer than {need} respondents have {margin.variable} = {names} ({share:.1f}% of the "
                            f"population; {int(sum(orig[i] for i in small)):,} respondent(s) in all); {into} so that "
                            "a few answers are not weighted up to a large share of the customer base.")
    return _Margin(margin.variable, labels, target[groups], members, margin.ordered), mapping


def _merged_label(members: list[str], limit: int = 8) -> str:
    """``"A + B"``; with many members the first ones and how many more (a label stays short)."""
    if len(members) <= limit:
        return " + ".join(members)
    return " + ".join(members[:limit]) + f" + {len(members) - limit:,} more"


def rake(
    data: pd.DataFrame,
    population: pd.DataFrame | str | Path | Mapping[str, Mapping[Any, float]],
    *,
    by: Sequence[str] | str,
    total: float | None = None,
    trim: float | None = None,
    weights: str | None = None,
    min_n: int = RAKE_MIN_LEVEL_N,
    max_share: float | None = MAX_WEIGHT_SHARE,
    max_iter: int = 1000,
    tol: float = 1e-10,
) -> RakeResult:
    """Weights that make the respondents match the customer base on ``by`` (raking / rim weighting).

    Parameters
    ----------
    data : DataFrame
        The respondents (one row each) holding the ``by`` columns.
    population : DataFrame, path, or mapping
        The customer base: a table (or a CSV / Excel / Parquet file) with one
        row per customer holding the ``by`` columns, or margins
        ``{column: {level: share or count}}``.  Shares must sum to 1 within
        ±0.5% (then they are rescaled); counts of every variable must add up
        to the same population.
    by : list of str
        The calibration variables.
    total : float, optional
        Population size the weights sum to when margins are shares (default:
        the number of respondents, i.e. mean weight 1).  With a customer table
        the weights sum to its number of rows.
    trim : float, optional
        Cap the weights at ``trim`` × the mean weight and rake the others
        (each level's uncapped weights take up what the capped ones cannot);
        the result reports the margins that no longer match exactly (when the
        cap is too low for them) and the effective n gained (``.trim``).
        Variances then treat the capped weights as calibrated, as R
        ``calibrate(..., bounds = )`` does.
    weights : str, optional
        Initial (design) weights column; by default every respondent starts at 1.
    min_n : int
        A level with fewer respondents is merged with a neighbour before
        raking (default :data:`~csat_analysis.config.RAKE_MIN_LEVEL_N`, the
        privacy threshold), and named in ``.warnings``: three answers are
        never weighted up to half the customer base.  ``1`` merges only
        levels nobody has.
    max_share : float or None
        No respondent carries more than this share of the total weight
        (default :data:`~csat_analysis.config.MAX_WEIGHT_SHARE`; never below
        twice the mean weight): larger weights are capped, the others raked
        to the margins, and the capped respondents named in ``.warnings``.
        ``None``: no cap.
    max_iter, tol
        IPF sweeps and the convergence limit on ``|weighted share -
        population share|``.

    Returns
    -------
    RakeResult

    Notes
    -----
    Levels of a ``by`` variable that fewer than ``min_n`` respondents have
    are merged with a neighbouring level (ordered categories) or with the
    smallest level that has enough respondents, and the merge is named in
    ``.warnings``.  A respondent
    level the population lacks, or a missing ``by`` value, is an error.

    Examples
    --------
    >>> resp = pd.DataFrame({"plan": ["basic"] * 60 + ["pro"] * 40, "csat": [4] * 50 + [2] * 10 + [5] * 40})
    >>> r = rake(resp, {"plan": {"basic": 0.8, "pro": 0.2}}, by="plan", total=1000)
    >>> r.weights.groupby(resp["plan"]).sum().round(6).to_dict()
    {'basic': 800.0, 'pro': 200.0}
    >>> round(r.n_eff, 1)
    85.7
    """
    by = as_list(by)
    if not by:
        raise ParameterError("rake needs at least one `by` column that the population describes.")
    if len(set(by)) < len(by):
        raise ParameterError(f"The `by` columns {by} name a column twice.")
    if trim is not None and (isinstance(trim, bool) or not isinstance(trim, (int, float)) or not trim > 1):
        raise ParameterError(f"The value for `trim` must be a number above 1 (a cap of trim × the mean weight), "
                             f"e.g. 5, not {trim!r}.")
    require_columns(data, by, "`by` column")
    n = len(data)
    if n == 0:
        raise DataError("There are no respondents to weight (the data has no rows).")
    ordered: dict[str, bool] = {}
    if isinstance(population, (str, Path)):
        source = Path(population).name
        population = _read_population(population)
    else:
        source = "population table"
    if isinstance(population, pd.DataFrame):
        if total is not None:
            raise ParameterError("`total` is for margins given as shares; a customer table already says how many "
                                 "customers there are (its rows).")
        margins, size, ordered = _margins_from_frame(population, by, source)
    elif isinstance(population, Mapping):
        margins, size = margins_from_mapping(population, by, total)
        if size is None:  # shares without a total: the weights average 1
            size = float(n)
            margins = {col: {k: v * size for k, v in m.items()} for col, m in margins.items()}
    else:
        raise ParameterError("`population` must be a customer table (DataFrame or file path) or margins "
                             f"{{column: {{level: share}}}}, not {type(population).__name__}.")
    where = ("the margins" if not isinstance(population, pd.DataFrame) else "the population table"
             if source == "population table" else f"the population ({source})")
    base = np.ones(n)
    if weights is not None:
        base = weight_values(data, weights)

    notes: list[str] = []
    codes = np.zeros((n, len(by)), dtype=np.int32, order="F")  # column by column
    final: list[_Margin] = []
    for v, col in enumerate(by):
        rc, keys, is_ordered = _row_levels(data, col, "respondents")
        pop = margins[col]
        missing = [k for k in keys if pop.get(k, 0) <= 0]
        if missing:
            count = int(np.isin(rc, [keys.index(k) for k in missing]).sum())
            have = [k for k, v_ in pop.items() if v_ > 0]
            raise DataError(
                f"{count:,} respondent(s) have {col} = {missing[0]!r}, which {where} "
                f"does not have (its levels: {shorten_levels(have)}); fix the spelling, add the level to the "
                f"population, or drop those respondents.{nearest(missing[0], have)}"
            )
        order = list(pop)  # population order; its levels not among respondents are collapsed below
        if isinstance(data[col].dtype, pd.CategoricalDtype):  # the data's category order when it has one
            cat = [level_key(c) for c in data[col].cat.categories]
            order = [k for k in cat if k in pop] + [k for k in pop if k not in cat]
        margin = _Margin(col, order, np.array([pop[k] for k in order], dtype=float), [[k] for k in order],
                         ordered.get(col, False) or is_ordered)
        at = {k: i for i, k in enumerate(order)}
        to_pop = np.array([at[k] for k in keys], dtype=np.int64)
        counts = np.bincount(to_pop[rc], minlength=len(order))
        margin, mapping = _collapse(margin, counts, notes, min_n)
        codes[:, v] = mapping[to_pop][rc]
        final.append(margin)
    dims = [len(m.labels) for m in final]

    # units: rows sharing every level (and the initial weight) get the same factor
    cell = np.zeros(n, dtype=np.int64)
    for v, d in enumerate(dims):
        cell = cell * d + codes[:, v]
        if np.prod(dims[: v + 1], dtype=float) > _MAX_DENSE_CELLS:
            cell = pd.factorize(cell)[0].astype(np.int64)
    cells = int(np.prod(dims, dtype=float))
    if weights is None and cells <= _MAX_DENSE_CELLS:  # the usual case: units are the cells, found by counting
        per_cell = np.bincount(cell, minlength=cells)
        present = np.flatnonzero(per_cell)
        remap = np.zeros(cells, dtype=np.int64)
        remap[present] = np.arange(len(present))
        unit, count, ubase = remap[cell], per_cell[present].astype(float), np.ones(len(present))
        level = [c.astype(np.int64) for c in np.unravel_index(present, dims)]
    else:
        if weights is not None:  # units: cells x distinct initial weights
            dense, wcode = pd.factorize(cell)[0].astype(np.int64), pd.factorize(base)[0].astype(np.int64)
            cell = dense * (int(wcode.max()) + 1) + wcode
        unit, first = _units(cell)
        count = np.bincount(unit).astype(float)
        ubase = base[first]
        level = [codes[first, v].astype(np.int64) for v in range(len(by))]
    targets = [m.target for m in final]
    factor = np.ones(len(count)) * size / (count * ubase).sum()
    factor, converged, iters, err = _ipf(level, count * ubase, factor, targets, max_iter, tol)
    trim_info = None
    if trim is not None:
        untrimmed = factor.copy()
        cap = trim * size / n  # trim x the mean weight (the mean is fixed by the population size)
        factor, converged, it, err = _ipf_capped(level, count * ubase, factor.copy(), cap / ubase, targets,
                                                 max_iter, tol)
        iters += it

        def kish(f):
            wt = ubase * f
            return (count * wt).sum() ** 2 / (count * wt**2).sum()

        trim_info = {"cap": float(cap), "trimmed": int(count[ubase * factor >= cap * (1 - 1e-9)].sum()),
                     "n_eff_untrimmed": float(kish(untrimmed)), "n_eff": float(kish(factor)),
                     "n_eff_gained": float(kish(factor) - kish(untrimmed))}
    if max_share is not None:  # no one respondent stands for a large part of the customer base
        cap_w = max(float(max_share) * size, 2.0 * size / n)
        over = ubase * factor > cap_w * (1 + 1e-9)
        if over.any():
            before = float((ubase * factor).max())
            factor, converged, it, err = _ipf_capped(level, count * ubase, factor.copy(), cap_w / ubase, targets,
                                                     max_iter, tol)
            iters += it
            held = ubase * factor >= cap_w * (1 - 1e-9)
            free = (count * ubase * factor)[~held].sum()
            if free > 0:  # margins out of reach under the cap: the others make up the total, the capped stay put
                factor[~held] *= (size - (count * ubase * factor)[held].sum()) / free
            rows = np.flatnonzero(over[unit])
            ids = data["response_id"].iloc[rows] if "response_id" in data else data.index[rows]
            who = shorten_levels([str(v) for v in ids], limit=5)
            notes.append(f"{len(rows):,} respondent(s) would have carried up to {100 * before / size:.1f}% of the "
                         f"total weight (response {who}); their weights were capped at {100 * cap_w / size:.1f}% "
                         "and the others raked to the margins.")
    wu = ubase * factor  # one weight per unit
    if not np.all(np.isfinite(wu)) or not np.all(wu > 0):
        raise DataError(
            "Raking gave zero or infinite weights: the respondents' combinations of levels cannot reproduce these "
            "margins together; merge sparse levels or rake on fewer variables."
        )
    w = wu[unit]
    table, err = _balance_table(final, level, count, ubase, wu)
    for row in table[table["n"] < SPARSE_LEVEL_N].itertuples():
        notes.append(
            f"Only {row.n} respondent(s) have {row.variable} = {row.level!r} ({100 * row.population_share:.1f}% of "
            f"the population): they carry {100 * row.weighted_share:.1f}% of the weight, so a few answers move the "
            "scores; merge the level with a neighbour or cap the weights (trim=)."
        )
    if trim is not None:
        if trim_info["trimmed"] and trim_info["n_eff_gained"] <= 0:
            notes.append(
                f"Trimming at {trim:g} × the mean weight did not raise the effective sample size "
                f"({trim_info['n_eff_untrimmed']:,.0f} -> {trim_info['n_eff']:,.0f}): holding the margins, capping "
                "the largest weights pushed others up; a higher cap, or merging sparse levels, helps more."
            )
        off = table[np.abs(table["diff_after"]) > 1e-8]
        if len(off):
            notes.append(
                f"After trimming at {trim:g} × the mean weight, {len(off)} margin(s) no longer match exactly: "
                + "; ".join(f"{r.variable} = {r.level} off by {100 * r.diff_after:+.2f} points"
                            for r in off.head(5).itertuples())
                + f" (effective n {trim_info['n_eff_untrimmed']:,.0f} -> {trim_info['n_eff']:,.0f})."
            )
    elif not converged:
        worst = table.loc[table["diff_after"].abs().idxmax()]
        notes.append(
            f"Raking stopped after {iters} sweeps with {worst['variable']} = {worst['level']!r} still "
            f"{100 * worst['diff_after']:+.2g} points from its population share: the respondents' combinations of "
            "levels cannot reproduce all margins at once (a level of one variable occurs only with one level of "
            "another); merge levels or rake on fewer variables."
        )
        _warnings.warn(notes[-1], stacklevel=2)
    n_eff = float((count * wu).sum() ** 2 / (count * wu**2).sum())
    return RakeResult(
        weights=pd.Series(w, index=data.index, name="weight"), table=table, n_eff=n_eff, deff=float(n / n_eff),
        warnings=notes, by=by, population_size=float(size), converged=bool(converged), iterations=int(iters),
        max_error=float(err), trim=trim_info, _unit=unit, _ucodes=level, _dims=dims, _ubase=ubase, _uweight=wu,
    )


def _units(cell: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's unit (dense code) and the first row of each unit."""
    unit, uniq = pd.factorize(cell)
    first = np.full(len(uniq), -1, dtype=np.int64)
    first[unit[::-1]] = np.arange(len(unit))[::-1]
    return np.asarray(unit, dtype=np.int64), first


def shorten_levels(levels: Sequence[str], limit: int = 8) -> str:
    shown = [repr(x) for x in list(levels)[:limit]]
    more = f", ... ({len(levels)} in all)" if len(levels) > limit else ""
    return "[" + ", ".join(shown) + more + "]"


def _balance_table(margins: list[_Margin], level: list[np.ndarray], count: np.ndarray, ubase: np.ndarray,
                   wu: np.ndarray) -> tuple[pd.DataFrame, float]:
    """Shares per variable and level: population, sample (initial weights), weighted; from the units."""
    rows = []
    for m, c in zip(margins, level, strict=False):
        k = len(m.labels)
        cnt = np.bincount(c, count, minlength=k)
        before = np.bincount(c, count * ubase, minlength=k) / (count * ubase).sum()
        after = np.bincount(c, count * wu, minlength=k) / (count * wu).sum()
        pop = m.target / m.target.sum()
        for i, label in enumerate(m.labels):
            rows.append((m.variable, label, int(round(cnt[i])), pop[i], before[i], after[i], before[i] - pop[i],
                         after[i] - pop[i]))
    table = pd.DataFrame(rows, columns=["variable", "level", "n", "population_share", "sample_share",
                                        "weighted_share", "diff_before", "diff_after"])
    return table, float(table["diff_after"].abs().max())


# --------------------------------------------------------------------------- non-response diagnostics


@dataclasses.dataclass(frozen=True)
class ResponseBias(Result):
    """Who answered: response rates by level, the R-indicator, propensity weights.

    ``table``: ``variable, level, n, responded, response_rate, ci_low,
    ci_high`` (rates in percent, Wilson 95% intervals).  ``r_indicator``:
    ``1 - 2 S(rho)`` with ``rho`` the response propensities of a logistic
    model on ``by`` (main effects) and S their standard deviation (n - 1
    divisor); 1 means everyone was equally likely to answer.
    ``propensities``: rho per row of the frame.  ``weights``: ``1 / rho`` for
    the rows that responded (index of the frame), an alternative to raking
    (pass ``weights=result.weights.reindex(respondents.index)`` as a fixed
    weight).
    """

    table: pd.DataFrame
    r_indicator: float
    propensities: pd.Series
    weights: pd.Series
    response_rate: float
    warnings: list[str]

    def __repr__(self) -> str:
        return (f"ResponseBias(n={self.propensities.size:,}, responded={self.weights.size:,}, "
                f"r_indicator={self.r_indicator:.4f})")

    table_title = "Response rates"

    def summary(self) -> str:
        """Who answered, the R-indicator, the lowest and highest response rates, then the warnings."""
        t = self.table
        lo = t.loc[t["response_rate"].idxmin()]
        hi = t.loc[t["response_rate"].idxmax()]
        text = (f"{self.weights.size:,} of {self.propensities.size:,} "
                f"answered ({self.response_rate:.1f}%); R-indicator {self.r_indicator:.3f}. Lowest response: "
                f"{lo['variable']} = {lo['level']} ({lo['response_rate']:.1f}%); highest: {hi['variable']} = "
                f"{hi['level']} ({hi['response_rate']:.1f}%).")
        return "\n".join([text, *self._warning_lines()])


def _logistic(x: np.ndarray, r: np.ndarray, n: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, bool]:
    """Binomial logistic regression on grouped data (Newton-Raphson, as R ``glm``); fitted probabilities."""
    beta = np.zeros(x.shape[1])
    p0 = r.sum() / n.sum()
    beta[0] = np.log(p0 / (1 - p0)) if 0 < p0 < 1 else 0.0
    converged = False
    dev_old = np.inf
    for _ in range(max_iter):
        eta = np.clip(x @ beta, -30, 30)
        mu = 1 / (1 + np.exp(-eta))
        wts = n * mu * (1 - mu)
        grad = x.T @ (r - n * mu)
        hess = (x * wts[:, None]).T @ x
        step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        beta = beta + step
        eta = np.clip(x @ beta, -30, 30)
        mu = 1 / (1 + np.exp(-eta))
        with np.errstate(divide="ignore", invalid="ignore"):
            dev = -2 * np.nansum(r * np.log(mu) + (n - r) * np.log1p(-mu))
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-10:  # R glm's criterion
            converged = True
            break
        dev_old = dev
    return 1 / (1 + np.exp(-np.clip(x @ beta, -30, 30))), converged


def response_bias(frame: pd.DataFrame, *, responded: str, by: Sequence[str] | str, ci: float = 0.95) -> ResponseBias:
    """Response rates by level, the R-indicator and propensity weights, on the invited list (or customer base).

    Parameters
    ----------
    frame : DataFrame
        One row per invited customer with a 0/1 (or true/false) ``responded``
        column and the ``by`` columns.
    responded : str
    by : list of str
        Variables known for everyone invited (contract, tenure band, ...).

    Examples
    --------
    >>> f = pd.DataFrame({"plan": ["a"] * 100 + ["b"] * 100, "answered": [1] * 40 + [0] * 60 + [1] * 10 + [0] * 90})
    >>> rb = response_bias(f, responded="answered", by="plan")
    >>> rb.table[["level", "n", "responded", "response_rate"]].to_dict("records")
    [{'level': 'a', 'n': 100, 'responded': 40, 'response_rate': 40.0},
     {'level': 'b', 'n': 100, 'responded': 10, 'response_rate': 10.0}]
    >>> round(rb.r_indicator, 4)
    0.6993
    """
    from .metrics import wilson_interval

    by = as_list(by)
    if not by:
        raise ParameterError("response_bias needs at least one `by` column known for everyone invited.")
    require_columns(frame, [responded], "responded column")
    require_columns(frame, by, "`by` column")
    raw = frame[responded]
    if pd.api.types.is_bool_dtype(raw):
        r = raw.astype(float).to_numpy()
    else:
        r = pd.to_numeric(raw, errors="coerce").astype(float).to_numpy()
    bad = ~np.isin(r, [0.0, 1.0])
    if bad.any():
        value = raw.iloc[int(np.flatnonzero(bad)[0])]
        raise DataError(f"Column {responded!r} holds {shorten(repr(value))}; it must be 1 (answered) or 0 (did not) "
                        "for every invited customer.")
    n = len(frame)
    rows, notes = [], []
    codes = []
    for col in by:
        c, keys, _ = _row_levels(frame, col, "invited list")
        codes.append((c, keys))
        cnt = np.bincount(c, minlength=len(keys))
        resp = np.bincount(c, r, minlength=len(keys))
        rate = resp / cnt
        lo, hi = wilson_interval(rate, cnt, ci)
        for i, k in enumerate(keys):
            rows.append((col, k, int(cnt[i]), int(resp[i]), 100 * rate[i], 100 * lo[i], 100 * hi[i]))
            if resp[i] in (0, cnt[i]):
                notes.append(f"Everyone or no one with {col} = {k!r} answered ({int(resp[i])} of {int(cnt[i])}); its "
                             "propensity is at the edge (0 or 1).")
    table = pd.DataFrame(rows, columns=["variable", "level", "n", "responded", "response_rate", "ci_low", "ci_high"])
    # logistic model on main effects, fitted on the cells (identical to a per-row fit)
    cell = np.zeros(n, dtype=np.int64)
    for c, keys in codes:
        cell = cell * len(keys) + c
    unit, first = _units(cell)
    cn = np.bincount(unit).astype(float)
    cr = np.bincount(unit, r)
    parts = [np.ones((len(first), 1))]
    for c, keys in codes:
        parts.append((c[first][:, None] == np.arange(1, len(keys))[None, :]).astype(float))
    x = np.hstack(parts)
    fitted, ok = _logistic(x, cr, cn)
    if not ok:
        notes.append("The response model did not converge (a level where everyone or no one answered); "
                     "propensities there are near 0 or 1.")
    rho = fitted[unit]
    r_ind = float(1 - 2 * np.std(rho, ddof=1)) if n > 1 else np.nan
    prop = pd.Series(rho, index=frame.index, name="propensity")
    answered = r == 1
    weights = pd.Series(1 / np.maximum(rho[answered], 1e-12), index=frame.index[answered], name="weight")
    return ResponseBias(table, r_ind, prop, weights, float(100 * r.mean()) if n else np.nan, notes)


# --------------------------------------------------------------------------- schema


def population_weights(data: pd.DataFrame, *, schema: Mapping | None = None) -> RakeResult | None:
    """The schema's ``population:`` or ``margins:`` applied to ``data`` (None when the schema has neither).

    None as well when raking leaves an effective sample size below
    :data:`~csat_analysis.config.MIN_EFFECTIVE_N`: a few respondents would
    stand for large parts of the customer base, so reports show unweighted
    scores (:func:`header_note` says why).

    ``population: {file: customers.csv, by: [contract, tenure_band]}`` rakes
    to that customer table; ``margins: {contract: {...}, tenure_band: {...}}``
    (with an optional ``population: {total: N}``) to the margins.
    """
    result = _schema_rake(data, schema)
    if result is not None and result.n_eff < MIN_EFFECTIVE_N:
        return None  # too few effective respondents: the report is unweighted, and header_note says why
    return result


def _schema_rake(data: pd.DataFrame, schema: Mapping | None = None) -> RakeResult | None:
    sch = schema if schema is not None else schema_of(data)
    pop = sch.get("population") or None
    margins = sch.get("margins") or None
    if pop is None and margins is None:
        return None
    if margins is not None:
        by = list((pop or {}).get("by") or margins)
        return rake(data, margins, by=by, total=(pop or {}).get("total"), trim=(pop or {}).get("trim"))
    return rake(data, pop["file"], by=pop["by"], trim=pop.get("trim"))


def header_note(data: pd.DataFrame, weights: Any = None) -> str | None:
    """One honest sentence for a report header when the schema asks to weight to the customer base.

    Gives the headline score raked beside the unweighted one and the design effect (None without
    ``population:``/``margins:`` in the schema; the reason when weighting fails).  ``weights`` is the
    :class:`RakeResult` the report already uses (``render.resolve`` rakes the whole export, and a
    segment's report is a domain of it); without one the export is raked here.
    """
    from .exceptions import CsatAnalysisError

    schema = schema_of(data)
    if not (schema.get("population") or schema.get("margins")):
        return None
    try:
        result = weights if isinstance(weights, RakeResult) else _schema_rake(data)
    except CsatAnalysisError as exc:
        return f"The schema asks to weight to the customer base, but it cannot be done: {exc}"
    from .metrics import estimate, metric_label
    from .narrative import fmt_score

    pop = schema.get("population") or {}
    where = Path(pop["file"]).name if pop.get("file") else "the schema's margins"
    if result.n_eff < MIN_EFFECTIVE_N and result is not weights:
        return (f"Raking to the customer base ({where}) on {', '.join(result.by)} would leave an effective sample of "
                f"{result.n_eff:,.0f} (design effect {result.deff:.2f}), fewer than {MIN_EFFECTIVE_N}: a few "
                "respondents would stand for large parts of the customer base, so this report shows unweighted "
                "scores.")
    text = (f"Raked to the customer base ({where}) on {', '.join(result.by)}: design effect {result.deff:.2f} "
            f"(effective n {result.n_eff:,.0f} of {len(result.weights):,})")
    metric = next((m for m in ("csat", "nps", "ces") if m in data.columns and data[m].notna().any()), None)
    if metric is not None:
        w = estimate(metric, data, weights=result)
        u = estimate(metric, data)
        text += (f"; {metric_label(metric)} {fmt_score(metric, w.score)} weighted, {fmt_score(metric, u.score)} "
                 "unweighted")
    return text + "."
