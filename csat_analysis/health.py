"""Customer health score and at-risk customers: what satisfaction is worth.

* :func:`customers` turns the responses table into one row per customer:
  a customer-level export (one row per ``customer_id``) is used as it is;
  when a customer answered several times, their **latest** response is used
  (``rule="latest"``: the latest ``date``, ties and undated files by file
  order; ``"first"`` and ``"mean"`` — scores and numeric features averaged —
  can be chosen).  Without ``columns.customer_id`` every response counts as
  one customer (keyed by ``response_id``).
* :func:`health_score` rescales each component to 0–100 and combines them as a
  weighted average (a Gainsight-style scorecard, Σwᵢxᵢ / Σwᵢ over the
  components a customer has; a customer missing some is reweighted and
  flagged), banded red / yellow / green.  Rescaling rules: a metric (``csat``,
  ``nps``, ``ces``) from its scale, ``100 × (score − low) / (high − low)``
  (already oriented so that higher is better); any other numeric column by its
  percentile rank among the customers (mid-ranks for ties), reversed when a
  lower value is healthier.  ``weights="learned"`` takes the weights from a
  regularised (L2) logistic model of the outcome on the rescaled components.
* :func:`risk_model` predicts a yes/no outcome (e.g. churn) from named
  features with scikit-learn (a regularised logistic regression, or
  ``HistGradientBoostingClassifier``), and validates it honestly: every
  customer's risk is out-of-fold (predicted by a model that never saw them),
  with the ROC AUC and its DeLong interval, the Brier score, a calibration
  table by decile of predicted risk (Wilson intervals) and the lift and
  capture of the riskiest 10% and 20%.  Effects are odds ratios with 95%
  intervals (statsmodels, logistic) or permutation importance (boosting).
  Missing feature values are imputed (numbers: the median; categories: a
  level "missing") with a missingness indicator for each numeric feature that
  has gaps.  A **leakage guard** names any single feature that alone
  separates the outcome almost perfectly (AUC ≥ 0.95, or a level holding at
  least 5% of customers with under 1% or over 99% outcome) and reports the
  model again without it.
* :func:`validate_score` gives the same validation for any existing score
  (the health score, raw CSAT).
* :func:`satisfaction_worth` shows the outcome rate at each satisfaction
  level with Wilson intervals, the odds ratio per scale point, and says so
  plainly when there is no detectable association.

All of this is association, not causation: customers who answer low may
churn for reasons that also lower their answer; the wording says so.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._utils import as_list, check_argument, nearest
from .exceptions import DataError, ParameterError
from .metrics import scale_of, wilson_interval
from .registry import SCORES
from .responses import schema_of

__all__ = [
    "customers",
    "health_score",
    "HealthResult",
    "risk_model",
    "RiskResult",
    "validate_score",
    "ScoreValidation",
    "satisfaction_worth",
    "WorthResult",
    "delong_auc",
    "LEAK_AUC",
]

_METRICS = ("csat", "nps", "ces")
#: a single feature whose AUC alone reaches this is named as a likely leak
LEAK_AUC = 0.95
#: a level of a category is a leak when it holds at least this share of customers and an outcome rate
#: below _LEAK_RATE or above 1 - _LEAK_RATE
_LEAK_LEVEL_SHARE, _LEAK_RATE = 0.05, 0.01
_RULES = ("latest", "first", "mean")
BAND_NAMES = ("red", "yellow", "green")


# --------------------------------------------------------------------------- helpers


def _schema(data: pd.DataFrame) -> dict:
    return schema_of(data)


def schema_outcomes(data: pd.DataFrame) -> list[str]:
    return [o for o in (_schema(data).get("outcomes") or {}) if o in data.columns]


def schema_features(data: pd.DataFrame) -> list[str]:
    return [f for f in (_schema(data).get("features") or []) if f in data.columns]


def mapped_metrics(data: pd.DataFrame) -> list[str]:
    sch = _schema(data)
    if not sch:
        return [m for m in _METRICS if m in data.columns]
    return [m for m in _METRICS if m in (sch.get("metrics") or {}) and m in data.columns]


def require_customer_columns(data: pd.DataFrame, names: Sequence[str], what: str) -> None:
    for name in names:
        if name not in data.columns:
            raise ParameterError(
                f"The {what} {name!r} is not a column of the data; columns are {list(map(str, data.columns))}."
                f"{nearest(str(name), map(str, data.columns))}"
            )


def numeric_values_of(col: pd.Series) -> np.ndarray | None:
    """A column as floats (NaN missing), or None when it is not numeric (a category)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return None
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        uniques = pd.Series(col.dropna().unique(), dtype=object)  # judged once per distinct value
        if not len(uniques) or pd.to_numeric(uniques, errors="coerce").isna().any():
            return None
        return pd.to_numeric(col.astype(object), errors="coerce").to_numpy(dtype=float)
    if pd.api.types.is_bool_dtype(col):
        return col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(col).astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _binary(y: np.ndarray, name: str) -> np.ndarray:
    """Check that an outcome is yes/no (0/1); return it as floats with NaN missing."""
    present = y[~np.isnan(y)]
    if len(present) and not np.isin(present, (0.0, 1.0)).all():
        raise ParameterError(
            f"The outcome {name!r} is not yes/no (it holds {present[~np.isin(present, (0.0, 1.0))][0]:g}); a risk "
            "model needs a 0/1 outcome. Map its answers under outcomes.<name>.labels, e.g. {'Yes': 1, 'No': 0}."
        )
    return y


def _fmt_pct(p: float) -> str:
    return "–" if not np.isfinite(p) else f"{100 * p:.1f}%"


def _nice_step(sd: float) -> float:
    """A round unit (1, 2, 5 × 10^k) close to one standard deviation."""
    if not np.isfinite(sd) or sd <= 0:
        return 1.0
    k = 10 ** math.floor(math.log10(sd))
    return float(min((1, 2, 5, 10), key=lambda m: abs(math.log(m * k / sd))) * k)


def _fmt_num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


# --------------------------------------------------------------------------- one row per customer


def customers(data: pd.DataFrame, *, rule: str = "latest") -> tuple[pd.DataFrame, str]:
    """One row per customer, and a sentence saying how it was made.

    ``rule``: ``"latest"`` (default; the response with the latest ``date``,
    ties and undated exports by file order), ``"first"``, or ``"mean"``
    (scores, outcomes and numeric features averaged, everything else from the
    latest response).  Rows without a customer id are left out (counted in
    the sentence).  Without a ``customer_id`` column every response is one
    customer, keyed by its ``response_id``.

    Examples
    --------
    >>> frame = pd.DataFrame({"customer_id": ["a", "a", "b"], "csat": [1, 5, 3],
    ...                       "date": pd.to_datetime(["2024-02-01", "2024-01-01", "2024-01-05"])})
    >>> one, how = customers(frame)
    >>> one["csat"].tolist(), how
    ([1, 3], "2 customers; 1 answered more than once, so each customer's latest response is used.")
    """
    check_argument("rule", _RULES, rule)
    frame = data.reset_index(drop=True)
    if "customer_id" not in frame.columns:
        frame = frame.assign(customer_id=frame["response_id"].astype(str) if "response_id" in frame
                             else [f"r{i + 1}" for i in range(len(frame))])
        return frame, (f"{len(frame):,} responses; the schema maps no customer id (columns.customer_id), so each "
                       "response is treated as one customer.")
    missing = frame["customer_id"].isna().to_numpy()
    dropped = int(missing.sum())
    if dropped:
        frame = frame.loc[~missing].reset_index(drop=True)
    order = np.arange(len(frame))
    if "date" in frame and frame["date"].notna().any():
        keys = frame.assign(_order=order).sort_values(["date", "_order"], na_position="first", kind="stable")
    else:
        keys = frame.assign(_order=order)
    counts = frame["customer_id"].value_counts()
    repeated = int((counts > 1).sum())
    if rule == "first":
        out = keys.drop_duplicates("customer_id", keep="first")
    else:
        out = keys.drop_duplicates("customer_id", keep="last")
    out = out.sort_values("_order").drop(columns="_order").reset_index(drop=True)
    if rule == "mean" and repeated:
        numeric = [c for c in frame.columns if c not in ("customer_id", "response_id", "date")
                   and numeric_values_of(frame[c]) is not None and not pd.api.types.is_bool_dtype(frame[c])]
        means = frame.groupby("customer_id", sort=False, observed=True)[numeric].mean()
        for c in numeric:
            out[c] = out["customer_id"].map(means[c]).to_numpy()
    how = f"{len(out):,} customers"
    if repeated:
        what = {"latest": "each customer's latest response is used",
                "first": "each customer's first response is used",
                "mean": "their scores and numeric answers are averaged"}[rule]
        how += f"; {repeated:,} answered more than once, so {what}"
    if dropped:
        how += f"; {dropped:,} responses without a customer id are left out"
    return out, how + "."


# --------------------------------------------------------------------------- AUC and validation


def delong_auc(score: np.ndarray, y: np.ndarray, ci: float = 0.95) -> tuple[float, float, float, float]:
    """ROC AUC of ``score`` for ``y`` (1 = event) with its DeLong standard error and interval.

    Fast DeLong (Sun & Xu 2014) with mid-ranks, O(n log n).  Returns
    ``(auc, se, low, high)``; NaN when a class is empty.

    Examples
    --------
    >>> auc, se, lo, hi = delong_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    >>> round(auc, 2)
    0.75
    """
    score = np.asarray(score, dtype=float)
    y = np.asarray(y).astype(bool)
    pos, neg = score[y], score[~y]
    m, n = len(pos), len(neg)
    if m == 0 or n == 0:
        return (float("nan"),) * 4
    r_all = stats.rankdata(np.concatenate([pos, neg]))
    r_pos, r_neg = stats.rankdata(pos), stats.rankdata(neg)
    auc = (r_all[:m].sum() - m * (m + 1) / 2) / (m * n)
    v10 = (r_all[:m] - r_pos) / n  # structural components of the positives
    v01 = 1 - (r_all[m:] - r_neg) / m
    var = (np.var(v10, ddof=1) / m if m > 1 else 0.0) + (np.var(v01, ddof=1) / n if n > 1 else 0.0)
    se = float(np.sqrt(var))
    z = stats.norm.ppf(0.5 + ci / 2)
    return float(auc), se, float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se))


def _calibration(risk: np.ndarray, y: np.ndarray, bins: int = 10, probability: bool = True) -> pd.DataFrame:
    """Deciles of the score: n, mean predicted (when a probability), observed rate with a Wilson interval."""
    q = pd.qcut(pd.Series(risk).rank(method="first"), min(bins, len(risk)), labels=False)
    g = pd.DataFrame({"bin": q.to_numpy() + 1, "risk": risk, "y": y}).groupby("bin")
    t = g.agg(n=("y", "size"), events=("y", "sum"), predicted=("risk", "mean"),
              score_low=("risk", "min"), score_high=("risk", "max")).reset_index()
    t["observed"] = t["events"] / t["n"]
    t["ci_low"], t["ci_high"] = wilson_interval(t["observed"].to_numpy(), t["n"].to_numpy())
    t["events"] = t["events"].astype(int)
    if not probability:
        t["predicted"] = np.nan
    return t.rename(columns={"bin": "decile"})[["decile", "n", "events", "score_low", "score_high", "predicted",
                                                 "observed", "ci_low", "ci_high"]]


def _lift(risk: np.ndarray, y: np.ndarray, share: float) -> tuple[float, float]:
    """(lift, capture) of the riskiest ``share`` of customers (ties broken by order)."""
    k = max(1, int(round(share * len(risk))))
    top = np.argsort(-risk, kind="stable")[:k]
    base = y.mean()
    rate = y[top].mean()
    return (float(rate / base) if base > 0 else float("nan"),
            float(y[top].sum() / y.sum()) if y.sum() > 0 else float("nan"))


def _validation(risk: np.ndarray, y: np.ndarray, *, label: str, probability: bool) -> tuple[pd.DataFrame,
                                                                                           pd.DataFrame, pd.DataFrame]:
    auc, se, lo, hi = delong_auc(risk, y)
    brier = float(np.mean((risk - y) ** 2)) if probability else float("nan")
    lift10, cap10 = _lift(risk, y, 0.10)
    lift20, cap20 = _lift(risk, y, 0.20)
    base = float(y.mean())
    validation = pd.DataFrame([{
        "model": label, "n": int(len(y)), "events": int(y.sum()), "base_rate": base,
        "auc": auc, "auc_se": se, "auc_ci_low": lo, "auc_ci_high": hi,
        "brier": brier, "brier_baseline": base * (1 - base) if probability else float("nan"),
        "lift_top10": lift10, "capture_top10": cap10, "lift_top20": lift20, "capture_top20": cap20,
    }])
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(y, risk)
    if len(fpr) > 400:  # enough points to draw
        keep = np.unique(np.linspace(0, len(fpr) - 1, 400).astype(int))
        fpr, tpr = fpr[keep], tpr[keep]
    return validation, _calibration(risk, y, probability=probability), pd.DataFrame({"fpr": fpr, "tpr": tpr})


def _auc_words(v: pd.Series) -> str:
    auc = v["auc"]
    if not np.isfinite(auc):
        return "the AUC cannot be computed (only one outcome class)"
    quality = ("no better than chance" if v["auc_ci_low"] <= 0.5 <= v["auc_ci_high"] else
               "weak" if auc < 0.65 else "moderate" if auc < 0.75 else "good" if auc < 0.85 else "strong")
    return f"AUC {auc:.2f} (95% CI {v['auc_ci_low']:.2f}–{v['auc_ci_high']:.2f}; {quality})"


@dataclasses.dataclass
class ScoreValidation:
    """How well a score ranks customers by an outcome (see :func:`validate_score`).

    ``validation`` (one row: ``model, n, events, base_rate, auc, auc_se,
    auc_ci_low, auc_ci_high, brier, brier_baseline, lift_top10, capture_top10,
    lift_top20, capture_top20``), ``calibration`` (deciles of the score, riskiest
    last: ``decile, n, events, score_low, score_high, predicted, observed,
    ci_low, ci_high``), ``roc`` (``fpr, tpr``).
    """

    score: str
    outcome: str
    higher_is_riskier: bool
    validation: pd.DataFrame = dataclasses.field(repr=False)
    calibration: pd.DataFrame = dataclasses.field(repr=False)
    roc: pd.DataFrame = dataclasses.field(repr=False)

    def sentences(self) -> list[str]:
        v = self.validation.iloc[0]
        direction = "higher" if self.higher_is_riskier else "lower"
        return [f"Ranking customers by {self.score} ({direction} = riskier) separates {self.outcome} with "
                f"{_auc_words(v)}; the riskiest 10% hold {_fmt_pct(v['capture_top10'])} of the "
                f"{int(v['events']):,} cases (lift {v['lift_top10']:.1f})."]


def validate_score(data: pd.DataFrame, *, score: str, outcome: str | None = None,
                   higher_is_riskier: bool | None = None) -> ScoreValidation:
    """Validate an existing score against a yes/no outcome: AUC (DeLong interval), calibration, lift.

    ``higher_is_riskier`` defaults to False (a satisfaction or health score:
    lower = riskier) unless the column name contains "risk" or the values are
    probabilities named like one.  A probability-valued score (0–1,
    ``higher_is_riskier=True``) also gets the Brier score and a predicted
    column in its calibration table.

    Examples
    --------
    >>> frame = pd.DataFrame({"csat": [1, 2, 4, 5, 5, 3, 1, 4], "churned": [1, 1, 0, 0, 0, 1, 0, 0]})
    >>> float(round(validate_score(frame, score="csat", outcome="churned").validation["auc"][0], 3))
    0.833
    """
    outcome = outcome or next(iter(schema_outcomes(data)), None)
    if outcome is None:
        raise ParameterError("No outcome to validate against: pass outcome=, or map one under outcomes: in the schema.")
    require_customer_columns(data, [score, outcome], "column")
    s = numeric_values_of(data[score])
    if s is None:
        raise ParameterError(f"The score {score!r} is not numeric.")
    y = _binary(numeric_values_of(data[outcome]), outcome)
    ok = ~np.isnan(s) & ~np.isnan(y)
    s, y = s[ok], y[ok]
    if higher_is_riskier is None:
        higher_is_riskier = "risk" in score.lower()
    risk = s if higher_is_riskier else -s
    probability = bool(higher_is_riskier and len(s) and s.min() >= 0 and s.max() <= 1)
    validation, calibration, roc = _validation(risk, y, label=score, probability=probability)
    if not higher_is_riskier:  # show the score itself, not its negative
        calibration[["score_low", "score_high"]] = -calibration[["score_high", "score_low"]].to_numpy()
    return ScoreValidation(score, outcome, bool(higher_is_riskier), validation, calibration, roc)


# --------------------------------------------------------------------------- the risk model


def _design(frame: pd.DataFrame, features: Sequence[str]) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The features as a model frame: numeric columns as floats, the rest as text categories."""
    cols, numeric, categorical = {}, [], []
    for f in features:
        values = numeric_values_of(frame[f])
        if values is not None and len(np.unique(values[~np.isnan(values)])) > 0:
            cols[f] = values
            numeric.append(f)
        else:
            text = frame[f].astype(object).where(frame[f].notna(), "missing").astype(str)
            cols[f] = text.to_numpy()
            categorical.append(f)
    return pd.DataFrame(cols, index=frame.index), numeric, categorical


def _pipeline(numeric: list[str], categorical: list[str], model: str, random_state: int):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts = []
    if numeric:
        parts.append(("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()),
                      numeric))
    if categorical:
        parts.append(("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=5, sparse_output=False),
                      categorical))
    pre = ColumnTransformer(parts)
    if model == "logistic":
        est = LogisticRegression(C=1.0, max_iter=1000)
    else:
        est = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, early_stopping=True,
                                             random_state=random_state)
    return Pipeline([("pre", pre), ("model", est)])


def _single_feature_leaks(X: pd.DataFrame, y: np.ndarray, numeric: list[str]) -> pd.DataFrame:
    """Features that alone separate the outcome almost perfectly (see the module docstring)."""
    rows = []
    n = len(y)
    base = y.mean()
    for f in X.columns:
        col = X[f]
        if f in numeric:
            x = col.to_numpy(dtype=float)
            x = np.where(np.isnan(x), np.nanmedian(x) if (~np.isnan(x)).any() else 0.0, x)
            auc = delong_auc(x, y)[0]
            auc = max(auc, 1 - auc) if np.isfinite(auc) else auc
            levels = pd.Series(x) if len(np.unique(x)) <= 10 else None
        else:
            rates = pd.Series(y).groupby(col.to_numpy()).transform("mean").to_numpy()
            auc = delong_auc(rates, y)[0]
            levels = col.reset_index(drop=True)
        detail = ""
        if np.isfinite(auc) and auc >= LEAK_AUC:
            detail = f"{f} alone separates the outcome with AUC {auc:.3f}"
        if levels is not None and 0.02 < base < 0.98:
            g = pd.Series(y).groupby(levels.to_numpy()).agg(["size", "mean"])
            extreme = g[(g["size"] >= _LEAK_LEVEL_SHARE * n) & ((g["mean"] < _LEAK_RATE) | (g["mean"] > 1 - _LEAK_RATE))]
            if len(extreme):
                lv = extreme.index[0]
                lv = _fmt_num(lv) if isinstance(lv, (int, float, np.number)) else str(lv)
                what = (f"{f} = {lv}: {100 * extreme['mean'].iloc[0]:.1f}% outcome among "
                        f"{int(extreme['size'].iloc[0]):,} customers")
                detail = f"{detail}; {what}" if detail else what
        if detail:
            rows.append({"feature": f, "auc": auc, "detail": detail})
    return pd.DataFrame(rows, columns=["feature", "auc", "detail"])


def _logit_effects(X: pd.DataFrame, y: np.ndarray, numeric: list[str], categorical: list[str]) -> tuple[
        pd.DataFrame, list[str]]:
    """Odds ratios with 95% intervals from an unpenalised statsmodels logit on the full data (raw units)."""
    import statsmodels.api as sm

    notes: list[str] = []
    cols: dict[str, np.ndarray] = {}
    terms: list[tuple[str, str, float]] = []  # (column in design, feature, unit)
    for f in numeric:
        x = X[f].to_numpy(dtype=float)
        miss = np.isnan(x)
        med = np.nanmedian(x) if (~miss).any() else 0.0
        cols[f] = np.where(miss, med, x)
        sd = float(np.nanstd(x))
        distinct = np.unique(x[~miss])
        unit = 1.0 if (len(distinct) <= 11 or sd <= 5) else _nice_step(sd)
        terms.append((f, f, unit))
        if miss.any():
            cols[f"{f} missing"] = miss.astype(float)
            terms.append((f"{f} missing", f, 1.0))
    for f in categorical:
        levels = pd.Series(X[f]).value_counts()
        ref = levels.index[0]
        for lv in levels.index[1:]:
            if levels[lv] < 5:
                continue
            name = f"{f} = {lv}"
            cols[name] = (X[f].to_numpy() == lv).astype(float)
            terms.append((name, f, 1.0))
        notes.append(f"{f}: each level is compared with the most common one, {ref}.")
    design = pd.DataFrame(cols)
    design.insert(0, "const", 1.0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.Logit(y, design).fit(disp=0, maxiter=200)
        coef, se, p = fit.params, fit.bse, fit.pvalues
    except Exception as exc:  # noqa: BLE001 - separation or a singular design: say so, do not crash
        notes.append(f"Odds ratios could not be estimated ({type(exc).__name__}): a feature separates the outcome "
                     "or two features carry the same information.")
        coef = se = p = pd.Series(np.nan, index=design.columns)
    z = stats.norm.ppf(0.975)
    rows = []
    for name, feature, unit in terms:
        b, s = float(coef[name]), float(se[name])
        ok = np.isfinite(b) and np.isfinite(s) and abs(b * unit) < 30 and s * unit < 30  # else: separation
        rows.append({"term": name, "feature": feature, "unit": unit, "coef": b, "se": s,
                     "odds_ratio": math.exp(b * unit) if ok else np.nan,
                     "ci_low": math.exp((b - z * s) * unit) if ok else np.nan,
                     "ci_high": math.exp((b + z * s) * unit) if ok else np.nan,
                     "p": float(p[name])})
    t = pd.DataFrame(rows, columns=["term", "feature", "unit", "coef", "se", "odds_ratio", "ci_low", "ci_high", "p"])
    t["words"] = [_or_words(r) for r in t.itertuples()]
    order = np.argsort(-np.abs(np.log(t["odds_ratio"].fillna(1.0).clip(1e-12))).to_numpy(), kind="stable")
    return t.iloc[order].reset_index(drop=True), notes


def _or_words(r) -> str:
    if not np.isfinite(r.odds_ratio):
        return f"{r.term}: cannot be estimated (it separates the outcome almost perfectly, or has no variation)."
    per = "" if " = " in r.term or r.term.endswith(" missing") else (
        f" per {_fmt_num(r.unit)} more" if r.unit != 1 else " per point more")
    if r.ci_low <= 1 <= r.ci_high:
        return f"{r.term}: no clear association (odds ×{r.odds_ratio:.2f}{per}, 95% CI {r.ci_low:.2f}–{r.ci_high:.2f})."
    way = "higher" if r.odds_ratio > 1 else "lower"
    return (f"{r.term}: odds of the outcome ×{r.odds_ratio:.2f}{per} (95% CI {r.ci_low:.2f}–{r.ci_high:.2f}), "
            f"{way} risk, other features held equal.")


#: most held-out customers used for permutation importance
_PERMUTATION_MAX = 50_000


def _permutation_effects(pipe, X: pd.DataFrame, y: np.ndarray, random_state: int) -> pd.DataFrame:
    """Permutation importance (drop in ROC AUC) on a held-out quarter of the customers (at most
    :data:`_PERMUTATION_MAX` of them: the drop is estimated well enough, and 20 features × 5 shuffles stay quick)."""
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import train_test_split

    Xa, Xb, ya, yb = train_test_split(X, y, test_size=0.25, stratify=y, random_state=random_state)
    if len(yb) > _PERMUTATION_MAX:
        Xb, _, yb, _ = train_test_split(Xb, yb, train_size=_PERMUTATION_MAX, stratify=yb, random_state=random_state)
    pipe.fit(Xa, ya)
    imp = permutation_importance(pipe, Xb, yb, scoring="roc_auc", n_repeats=5, random_state=random_state)
    t = pd.DataFrame({"feature": list(X.columns), "importance": imp.importances_mean, "sd": imp.importances_std})
    t = t.sort_values("importance", ascending=False, ignore_index=True)
    t["words"] = [f"Shuffling {r.feature} lowers the held-out AUC by {r.importance:.3f} (±{r.sd:.3f})."
                  if r.importance > 2 * r.sd and r.importance > 0.001 else
                  f"{r.feature}: no clear contribution (AUC drop {r.importance:.3f} ± {r.sd:.3f})."
                  for r in t.itertuples()]
    return t


@dataclasses.dataclass
class RiskResult:
    """An at-risk model and its out-of-fold validation (see :func:`risk_model`).

    Attributes
    ----------
    validation : DataFrame
        One row: ``model, n, events, base_rate, auc, auc_se, auc_ci_low, auc_ci_high, brier,
        brier_baseline, lift_top10, capture_top10, lift_top20, capture_top20`` (all out-of-fold).
    calibration : DataFrame
        Deciles of predicted risk: ``decile, n, events, score_low, score_high, predicted, observed,
        ci_low, ci_high`` (Wilson).
    roc : DataFrame
        ``fpr, tpr`` of the out-of-fold ROC curve.
    effects : DataFrame
        Logistic: ``term, feature, unit, coef, se, odds_ratio, ci_low, ci_high, p, words`` (odds ratio per
        ``unit`` of the feature, or a level against the most common one).  Boosting: ``feature,
        importance, sd, words``.
    scores : DataFrame
        ``customer_id, risk, rank`` (rank 1 = riskiest); no other column, so no PII.
    leakage : DataFrame
        ``feature, auc, detail`` for features that alone separate the outcome almost perfectly.
    without_leaks : RiskResult or None
        The same model without the leaky features (when there are any).
    warnings, notes : list of str
    """

    outcome: str
    model: str
    features: list[str]
    folds: int
    validation: pd.DataFrame = dataclasses.field(repr=False)
    calibration: pd.DataFrame = dataclasses.field(repr=False)
    roc: pd.DataFrame = dataclasses.field(repr=False)
    effects: pd.DataFrame = dataclasses.field(repr=False)
    scores: pd.DataFrame = dataclasses.field(repr=False)
    leakage: pd.DataFrame = dataclasses.field(repr=False)
    without_leaks: RiskResult | None = dataclasses.field(default=None, repr=False)
    warnings: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def honest(self) -> RiskResult:
        """The model to believe: without the leaky features when there are any."""
        return self.without_leaks if self.without_leaks is not None else self

    def sentences(self) -> list[str]:
        out = list(self.warnings)
        v = self.validation.iloc[0]
        inflated = " — inflated by the leak, do not quote it" if len(self.leakage) else ""
        out.append(f"At-risk model ({self.model}, {len(self.features)} features, {self.folds}-fold out-of-fold): "
                   f"{_auc_words(v)}{inflated}, Brier {v['brier']:.3f} (always predicting the base rate: "
                   f"{v['brier_baseline']:.3f}); the riskiest 10% of customers hold {_fmt_pct(v['capture_top10'])} "
                   f"of the {int(v['events']):,} cases ({v['lift_top10']:.1f}× the base rate of "
                   f"{_fmt_pct(v['base_rate'])}).")
        if self.without_leaks is not None:
            w = self.without_leaks.validation.iloc[0]
            out.append(f"Without {', '.join(self.leakage['feature'])}: {_auc_words(w)} — the figure to trust if "
                       "those columns are only known after the outcome.")
        return out

    def to_csv(self, path: str | Path) -> Path:
        """The scores (``customer_id, risk, rank``) as CSV; text cells cannot start a formula."""
        from .export import write_csv

        return write_csv(self.scores, path)

    def to_excel(self, path: str | Path) -> Path:
        """Scores, validation, calibration and effects as one workbook; text cells are never formulas."""
        from .export import write_workbook

        sheets = {"Scores": self.scores, "Validation": self.validation, "Calibration": self.calibration,
                  "Effects": self.effects}
        if len(self.leakage):
            sheets["Leakage"] = self.leakage
        about = {"Outcome": self.outcome, "Model": self.model, "Features": list(self.features),
                 "Validation": f"{self.folds}-fold out-of-fold", "Warnings": self.warnings or "none"}
        return write_workbook(sheets, path, about=about)


def risk_model(
    data: pd.DataFrame,
    *,
    outcome: str | None = None,
    features: Sequence[str] | None = None,
    model: str = "logistic",
    folds: int = 5,
    rule: str = "latest",
    random_state: int = 0,
    leak_check: bool = True,
) -> RiskResult:
    """Predict a yes/no customer outcome and validate the prediction out-of-fold.

    Parameters
    ----------
    data : DataFrame
        The responses table (reduced to one row per customer with :func:`customers` and ``rule``) or a
        customer table.
    outcome : str
        A 0/1 column (None: the schema's first outcome).
    features : list of str
        Numeric or categorical columns (None: the schema's ``features:``); a metric name means the
        customer's score.
    model : ``"logistic"`` (L2-regularised, standardised features) or ``"boosting"``
        (``HistGradientBoostingClassifier``).
    folds : int
        Stratified folds for the out-of-fold risks (≥ 2).

    Every customer's ``risk`` comes from a model fitted without them.  Effects
    (odds ratios, statsmodels) are from an unpenalised logit on all customers:
    associations holding the other features equal, not causes.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=400)
    >>> frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(400)], "x": x,
    ...                       "churned": (rng.random(400) < 1 / (1 + np.exp(1 + x))).astype(float)})
    >>> r = risk_model(frame, outcome="churned", features=["x"], folds=3)
    >>> r.validation["auc"][0] > 0.6, list(r.scores.columns)
    (np.True_, ['customer_id', 'risk', 'rank'])
    """
    check_argument("model", ["logistic", "boosting"], model)
    if not isinstance(folds, int) or isinstance(folds, bool) or folds < 2:
        raise ParameterError(f"`folds` must be a whole number of at least 2, not {folds!r}.")
    outcome = outcome or next(iter(schema_outcomes(data)), None)
    if outcome is None:
        raise ParameterError("No outcome to model: pass outcome=, or map one under outcomes: in the schema.")
    features = list(features) if features is not None else schema_features(data)
    features = [f for f in features if f != outcome]
    if not features:
        raise ParameterError("No features to model the outcome with: pass features=[...] or list them under "
                             "features: in the schema.")
    require_customer_columns(data, [outcome, *features], "column")
    frame, how = customers(data, rule=rule)
    y = _binary(numeric_values_of(frame[outcome]), outcome)
    keep = ~np.isnan(y)
    frame, y = frame.loc[keep].reset_index(drop=True), y[keep]
    if len(y) < 2 * folds or y.sum() < folds or (1 - y).sum() < folds:
        raise DataError(f"Too few customers with and without {outcome!r} for a {folds}-fold model "
                        f"({int(y.sum()):,} with, {int((1 - y).sum()):,} without).")
    X, numeric, categorical = _design(frame, features)
    notes = [how]
    if not keep.all():
        notes.append(f"{int((~keep).sum()):,} customers without a known {outcome} are left out.")
    gaps = [f for f in numeric if X[f].isna().any()]
    if gaps:
        notes.append(f"Missing values of {', '.join(gaps)} are imputed with the median (in each training fold), "
                     "with a missing-value indicator, so customers with gaps are still scored.")
    leakage = _single_feature_leaks(X, y, numeric) if leak_check else pd.DataFrame(columns=["feature", "auc", "detail"])
    result = _fit_validate(frame, X, y, numeric, categorical, outcome, model, folds, random_state, notes)
    result.leakage = leakage
    if len(leakage):
        names = list(leakage["feature"])
        result.warnings.append(
            f"Likely leakage: {'; '.join(leakage['detail'])}. A feature that predicts {outcome} this well is usually "
            f"recorded after it (or is the outcome under another name); {'it is' if len(names) == 1 else 'they are'} "
            "left out in the model reported beside this one.")
        rest = [f for f in features if f not in names]
        if rest:
            keep_cols = [f for f in X.columns if f not in names]
            result.without_leaks = _fit_validate(frame, X[keep_cols], y, [f for f in numeric if f not in names],
                                                 [f for f in categorical if f not in names], outcome, model, folds,
                                                 random_state, list(notes))
            result.without_leaks.leakage = pd.DataFrame(columns=["feature", "auc", "detail"])
    return result


#: below this many customers, boosting runs on one thread (OpenMP threads cost more than they save on a busy machine)
_ONE_THREAD_BELOW = 50_000


def _fit_validate(frame, X, y, numeric, categorical, outcome, model, folds, random_state, notes) -> RiskResult:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1 if len(y) < _ONE_THREAD_BELOW else None, user_api="openmp"):
        return _fit_validate_threads(frame, X, y, numeric, categorical, outcome, model, folds, random_state, notes)


def _fit_validate_threads(frame, X, y, numeric, categorical, outcome, model, folds, random_state, notes) -> RiskResult:
    from sklearn.model_selection import StratifiedKFold

    pipe = _pipeline(numeric, categorical, model, random_state)
    Xm = X.copy()
    for c in categorical:  # integer codes: one-hot encoding of text costs a Python call per cell
        Xm[c] = pd.Categorical(X[c]).codes
    oof = np.empty(len(y))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=random_state)
    for train, test in cv.split(Xm, y):
        pipe.fit(Xm.iloc[train], y[train])
        oof[test] = pipe.predict_proba(Xm.iloc[test])[:, 1]
    validation, calibration, roc = _validation(oof, y, label=model, probability=True)
    notes = list(notes)
    if model == "logistic":
        effects, more = _logit_effects(X, y, numeric, categorical)
        notes += more
    else:
        effects = _permutation_effects(pipe, Xm, y, random_state)
    rank = pd.Series(-oof).rank(method="first").astype(int).to_numpy()
    scores = pd.DataFrame({"customer_id": frame["customer_id"].astype(str).to_numpy(), "risk": oof, "rank": rank})
    scores = scores.sort_values("rank", ignore_index=True)
    return RiskResult(outcome, model, list(X.columns), folds, validation, calibration, roc, effects, scores,
                      pd.DataFrame(columns=["feature", "auc", "detail"]), None, [], notes)


# --------------------------------------------------------------------------- what satisfaction is worth


@dataclasses.dataclass
class WorthResult:
    """The outcome by satisfaction level (see :func:`satisfaction_worth`).

    ``table``: ``level, n, events, rate, ci_low, ci_high`` (Wilson); ``odds_ratio`` (per scale point, with
    ``ci``, ``p``), ``auc`` (of the low score for the outcome, DeLong interval), ``low``/``high``: the
    rates of the bottom and top groups; ``associated``: whether an association is detectable (the odds
    ratio's interval excludes 1).
    """

    metric: str
    outcome: str
    table: pd.DataFrame = dataclasses.field(repr=False)
    odds_ratio: float
    ci: tuple[float, float]
    p: float
    auc: tuple[float, float, float]
    low: dict[str, Any]
    high: dict[str, Any]
    associated: bool
    n: int
    privacy_min_n: int = 5

    def sentences(self) -> list[str]:
        name = self.metric.upper()
        lo, hi = self.low, self.high
        rates = self.table.loc[self.table["n"] >= self.privacy_min_n, "rate"]  # small levels stay unrecoverable
        if not self.associated:
            return [f"No detectable association between {name} and {self.outcome}: {self.outcome} is "
                    f"{_fmt_pct(rates.min())}–{_fmt_pct(rates.max())} at every {name} level "
                    f"({self.n:,} customers; odds ×{self.odds_ratio:.2f} per point, 95% CI "
                    f"{self.ci[0]:.2f}–{self.ci[1]:.2f}; AUC {self.auc[0]:.2f}, CI {self.auc[1]:.2f}–{self.auc[2]:.2f}). "
                    f"On this data {name} does not separate customers with and without {self.outcome}."]
        way = "lower" if self.odds_ratio < 1 else "higher"
        if min(lo["n"], hi["n"]) < self.privacy_min_n:
            lo = hi = None
        return [(f"Too few customers answered {name} {self.low['label']} or {self.high['label']} to compare their "
                 f"{self.outcome} rates (privacy threshold)." if lo is None else "")
                + (f"{self.outcome}: {_fmt_pct(lo['rate'])} (95% CI {_fmt_pct(lo['ci_low'])}–{_fmt_pct(lo['ci_high'])}) "
                f"of customers answering {name} {lo['label']} vs {_fmt_pct(hi['rate'])} (CI {_fmt_pct(hi['ci_low'])}–"
                f"{_fmt_pct(hi['ci_high'])}) of those answering {hi['label']}." if lo is not None else ""),
                (f"Each {name} point more goes with odds of {self.outcome} ×{self.odds_ratio:.2f} (95% CI "
                 f"{self.ci[0]:.2f}–{self.ci[1]:.2f}; {way} risk); AUC {self.auc[0]:.2f} "
                 f"(CI {self.auc[1]:.2f}–{self.auc[2]:.2f})." if np.isfinite(self.odds_ratio) else
                 f"The levels separate {self.outcome} almost perfectly, so no odds ratio can be estimated; AUC "
                 f"{self.auc[0]:.2f} (CI {self.auc[1]:.2f}–{self.auc[2]:.2f})."),
                "This is an association, not proof that raising satisfaction would change the outcome: "
                "what makes customers unhappy may also make them leave."]


def satisfaction_worth(data: pd.DataFrame, *, outcome: str | None = None, metric: str | None = None,
                       rule: str = "latest", privacy_min_n: int = 5) -> WorthResult:
    """Outcome rate at each level of a satisfaction score, the odds ratio per point, and plain words.

    Low and high groups: the bottom two points of the scale (NPS: detractors 0–6) against the top box
    (NPS: promoters 9–10).  "No detectable association" is said when the odds ratio's 95% interval holds 1.

    Examples
    --------
    >>> frame = pd.DataFrame({"csat": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5] * 20, "churned": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0] * 20})
    >>> w = satisfaction_worth(frame, outcome="churned")
    >>> w.associated, w.low["rate"], w.high["rate"]
    (True, 0.75, 0.0)
    """
    outcome = outcome or next(iter(schema_outcomes(data)), None)
    metric = metric or next(iter(mapped_metrics(data)), None)
    if outcome is None or metric is None:
        raise ParameterError("satisfaction_worth needs an outcome (outcomes: in the schema) and a score (csat, nps, "
                             "ces).")
    require_customer_columns(data, [outcome, metric], "column")
    frame, _ = customers(data, rule=rule)
    s, y = numeric_values_of(frame[metric]), _binary(numeric_values_of(frame[outcome]), outcome)
    ok = ~np.isnan(s) & ~np.isnan(y)
    s, y = s[ok], y[ok]
    if len(y) == 0 or y.min() == y.max():
        raise DataError(f"{outcome!r} has a single value among customers with a {metric} score; nothing to compare.")
    t = pd.DataFrame({"level": s, "y": y}).groupby("level").agg(n=("y", "size"), events=("y", "sum")).reset_index()
    t["level"] = t["level"].astype(int)
    t["events"] = t["events"].astype(int)
    t["rate"] = t["events"] / t["n"]
    t["ci_low"], t["ci_high"] = wilson_interval(t["rate"].to_numpy(), t["n"].to_numpy())
    lo_s, hi_s, top = scale_of(data, metric) if metric in SCORES else (int(s.min()), int(s.max()), int(s.max()))
    if metric == "nps":
        groups = ((0, 6, "0–6"), (9, 10, "9–10"))
    else:
        groups = ((lo_s, lo_s + 1, f"{lo_s}–{lo_s + 1}"), (top, hi_s, f"{top}–{hi_s}" if top < hi_s else f"{hi_s}"))

    def group(a, b, label):
        m = (s >= a) & (s <= b)
        n, e = int(m.sum()), int(y[m].sum())
        rate = e / n if n else float("nan")
        low, high = wilson_interval(rate, n) if n else (float("nan"), float("nan"))
        return {"label": label, "n": n, "events": e, "rate": rate, "ci_low": low, "ci_high": high}

    low, high = group(*groups[0]), group(*groups[1])
    import statsmodels.api as sm

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.Logit(y, sm.add_constant(s)).fit(disp=0)
        b, se, p = float(fit.params[1]), float(fit.bse[1]), float(fit.pvalues[1])
    except Exception:  # noqa: BLE001
        b, se, p = float("nan"), float("nan"), float("nan")
    z = stats.norm.ppf(0.975)
    estimable = np.isfinite(b) and np.isfinite(se) and abs(b) < 30 and se < 30  # else: (quasi-)separation
    ci = (math.exp(b - z * se), math.exp(b + z * se)) if estimable else (float("nan"),) * 2
    auc, _, a_lo, a_hi = delong_auc(-s, y)
    # the odds ratio's interval excludes 1 (when it cannot be estimated, the AUC's interval excludes 0.5)
    associated = bool(not ci[0] <= 1 <= ci[1]) if estimable else bool(not a_lo <= 0.5 <= a_hi)
    b = b if estimable else float("nan")
    return WorthResult(metric, outcome, t, math.exp(b) if np.isfinite(b) else float("nan"), ci, p,
                       (auc, a_lo, a_hi), low, high, associated, int(len(y)), privacy_min_n)


# --------------------------------------------------------------------------- the health score


@dataclasses.dataclass
class HealthResult:
    """A customer health score (see :func:`health_score`).

    Attributes
    ----------
    scores : DataFrame
        ``customer_id, score, band, n_components, missing_components`` (text: the components a customer
        lacks; empty when none) and one ``<component>`` column per component on its 0–100 scale.
    table : DataFrame
        ``segment, band, n, share`` (of the segment's customers) and, with an outcome, ``events, rate,
        ci_low, ci_high`` (Wilson); ``segment`` is ``"All"`` for every customer, rows by band of each
        level of ``by``.  Cells below ``privacy_min_n`` customers are ``suppressed``.
    weights : DataFrame
        ``component, rule, direction, hand_set, learned, weight`` (``weight``: the one used; weights sum to 1).
    validation : ScoreValidation or None
        How well the score ranks the outcome (lower score = riskier).
    """

    components: list[str]
    bands: tuple[float, float]
    outcome: str | None
    by: str | None
    scores: pd.DataFrame = dataclasses.field(repr=False)
    table: pd.DataFrame = dataclasses.field(repr=False)
    weights: pd.DataFrame = dataclasses.field(repr=False)
    validation: ScoreValidation | None = dataclasses.field(default=None, repr=False)
    notes: list[str] = dataclasses.field(default_factory=list)

    def sentences(self) -> list[str]:
        s = self.scores
        n = len(s)
        counts = s["band"].value_counts()
        red, yellow, green = (int(counts.get(b, 0)) for b in BAND_NAMES)
        out = [f"Health score of {n:,} customers from {', '.join(self.components)} (0–100): median "
               f"{s['score'].median():.0f}; {red:,} red (below {self.bands[0]:g}), {yellow:,} yellow, {green:,} "
               f"green ({self.bands[1]:g} and above)."]
        flagged = int((s["missing_components"] != "").sum())
        if flagged:
            out.append(f"{flagged:,} customers lack some components; their score is the weighted average of those "
                       "they have (flagged).")
        if self.validation is not None:
            out += self.validation.sentences()
        return out


def _rescale(frame: pd.DataFrame, data: pd.DataFrame, name: str, direction: int) -> tuple[np.ndarray, str]:
    if name in _METRICS:
        lo, hi, _ = scale_of(data, name)
        x = numeric_values_of(frame[name])
        return 100 * (x - lo) / (hi - lo), f"{name.upper()} from its {lo}–{hi} scale"
    x = numeric_values_of(frame[name])
    if x is None:
        raise ParameterError(f"The component {name!r} is not numeric; a health score combines numbers "
                             "(scores, usage, spend).")
    ranks = pd.Series(x).rank(method="average", pct=True).to_numpy()
    n = np.sum(~np.isnan(x))
    pct = 100 * (ranks * n - 0.5) / n if n else ranks  # mid-rank percentile: 0-100 symmetric
    if direction < 0:
        pct = 100 - pct
    return pct, f"percentile rank among customers ({'higher' if direction > 0 else 'lower'} is healthier)"


def health_score(
    data: pd.DataFrame,
    *,
    components: Sequence[str] | Mapping[str, str] | None = None,
    weights: Mapping[str, float] | str | None = None,
    bands: tuple[float, float] = (50, 75),
    outcome: str | None = None,
    by: str | None = None,
    rule: str = "latest",
    privacy_min_n: int = 5,
) -> HealthResult:
    """A 0–100 customer health score: components rescaled, combined by weight, banded red / yellow / green.

    Parameters
    ----------
    components : list, or mapping of name to ``"higher"`` / ``"lower"`` (which is healthier)
        Metric names (``csat``, ``nps``, ``ces``: rescaled from their scales) or numeric columns (usage,
        spend, tenure: percentile rank, reversed for ``"lower"``).  None: the mapped metrics.
    weights : mapping, ``"learned"`` or None
        Hand-set weights per component (None: equal), or ``"learned"`` — the coefficients of an
        L2-regularised logistic model of ``outcome`` on the 0–100 components (negated, so that a
        component that goes with less of the outcome gets a positive weight; negative weights are set to
        0 and said so).  With an outcome, learned weights are always shown beside the hand-set ones.
    bands : (red_below, green_from)
        Red below the first, green from the second, yellow between.
    outcome : str
        A 0/1 column (None: the schema's first outcome, if any) for outcome rates and validation.
    by : str
        Segment column for the band table (None: the schema's first segment).

    Examples
    --------
    >>> frame = pd.DataFrame({"customer_id": list("abcd"), "csat": [1, 5, 3, None], "logins": [2, 30, 8, 12]})
    >>> h = health_score(frame, components=["csat", "logins"])
    >>> h.scores[["customer_id", "score", "band"]].to_dict("list")
    {'customer_id': ['a', 'b', 'c', 'd'], 'score': [6.25, 93.75, 43.75, 62.5], 'band': ['red', 'green', 'red', 'yellow']}
    """
    if not (len(bands) == 2 and 0 <= bands[0] <= bands[1] <= 100):
        raise ParameterError(f"`bands` must be two numbers from 0 to 100, red below the first and green from the "
                             f"second, e.g. (50, 75), not {bands!r}.")
    if components is None:
        components = mapped_metrics(data)
    directions = ({str(k): v for k, v in components.items()} if isinstance(components, Mapping)
                  else {str(c): "higher" for c in as_list(components)})
    for name, d in directions.items():
        if d not in ("higher", "lower"):
            raise ParameterError(f"Component {name!r}: the direction must be 'higher' or 'lower' (which is "
                                 f"healthier), not {d!r}.")
    names = list(directions)
    if not names:
        raise ParameterError("A health score needs at least one component (a score such as csat, or a numeric "
                             "column).")
    require_customer_columns(data, names, "component")
    if outcome is None:
        outcome = next(iter(schema_outcomes(data)), None)
    elif outcome is not False:
        require_customer_columns(data, [outcome], "outcome")
    outcome = outcome or None
    frame, how = customers(data, rule=rule)
    notes = [how]
    parts, rules = {}, {}
    for name in names:
        parts[name], rules[name] = _rescale(frame, data, name, 1 if directions[name] == "higher" else -1)
    P = np.column_stack([parts[n] for n in names])
    hand = np.ones(len(names)) if weights is None or isinstance(weights, str) else None
    if isinstance(weights, Mapping):
        unknown = [k for k in weights if k not in names]
        if unknown:
            raise ParameterError(f"weights name {unknown[0]!r}, which is not a component ({names}).")
        hand = np.array([float(weights.get(n, 0.0)) for n in names])
        if (hand < 0).any() or hand.sum() <= 0:
            raise ParameterError("Weights must be zero or more, and not all zero.")
    elif isinstance(weights, str) and weights != "learned":
        raise ParameterError(f"`weights` must be a mapping, 'learned' or None, not {weights!r}.")
    hand = hand / hand.sum()
    y = None
    if outcome is not None:
        y = numeric_values_of(frame[outcome])
        if y is not None and not np.isin(y[~np.isnan(y)], (0.0, 1.0)).all():
            y = None
            notes.append(f"{outcome} is not yes/no, so no outcome rates or learned weights.")
    learned = np.full(len(names), np.nan)
    if y is not None and (~np.isnan(y)).sum() >= 20 and np.nanmin(y) != np.nanmax(y):
        from sklearn.linear_model import LogisticRegression

        ok = ~np.isnan(y)
        Z = np.where(np.isnan(P[ok]), 50.0, P[ok]) / 100
        fit = LogisticRegression(C=1.0, max_iter=1000).fit(Z, y[ok])
        raw = -fit.coef_[0]
        if (raw < 0).any():
            notes.append("Learned weights: " + ", ".join(n for n, r in zip(names, raw, strict=False) if r < 0) + " went with "
                         "more of the outcome when healthier, so their learned weight is set to 0.")
        raw = np.clip(raw, 0, None)
        learned = raw / raw.sum() if raw.sum() > 0 else np.full(len(names), np.nan)
    if weights == "learned":
        if not np.isfinite(learned).all():
            raise ParameterError("weights='learned' needs a yes/no outcome with both answers among 20+ customers "
                                 "(outcomes: in the schema, or outcome=).")
        used = learned
    else:
        used = hand
    have = ~np.isnan(P)
    wsum = (have * used).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(wsum > 0, np.nansum(np.where(have, P, 0) * used, axis=1) / wsum, np.nan)
    band = np.where(np.isnan(score), "unscored", np.where(score < bands[0], "red",
                                                          np.where(score < bands[1], "yellow", "green")))
    missing = [", ".join(n for n, h in zip(names, row, strict=False) if not h) for row in have]
    scores = pd.DataFrame({"customer_id": frame["customer_id"].astype(str).to_numpy(), "score": np.round(score, 2),
                           "band": band, "n_components": have.sum(axis=1), "missing_components": missing})
    for i, n in enumerate(names):
        scores[n] = np.round(P[:, i], 2)
    wt = pd.DataFrame({"component": names, "rule": [rules[n] for n in names],
                       "direction": [directions[n] for n in names], "hand_set": hand, "learned": learned,
                       "weight": used})
    if by is None:
        segs = [c for c in ((_schema(data).get("columns") or {}).get("segments") or []) if c in frame]
        by = segs[0] if segs else None
    elif by is not False:
        require_customer_columns(data, [by], "segment column")
    by = by or None
    table = _band_table(scores, frame, y, by, privacy_min_n)
    validation = None
    if y is not None and np.nanmin(y) != np.nanmax(y):
        vf = pd.DataFrame({"health_score": score, outcome: y})
        validation = validate_score(vf, score="health_score", outcome=outcome, higher_is_riskier=False)
    return HealthResult(names, (float(bands[0]), float(bands[1])), outcome, by, scores, table, wt, validation, notes)


def _band_table(scores: pd.DataFrame, frame: pd.DataFrame, y: np.ndarray | None, by: str | None,
                privacy_min_n: int) -> pd.DataFrame:
    base = pd.DataFrame({"band": scores["band"].to_numpy(),
                         "segment": "All" if by is None else frame[by].astype(object).fillna("(missing)").astype(str)
                         .to_numpy()})
    if y is not None:
        base["y"] = y
    parts = [base.assign(segment="All")] + ([base] if by is not None else [])
    rows = []
    for part in parts:
        for (seg, band), g in part.groupby(["segment", "band"], sort=False):
            if band == "unscored":
                continue
            row = {"segment": seg, "band": band, "n": len(g), "share": len(g) / (part["segment"] == seg).sum()}
            if y is not None:
                yy = g["y"].dropna()
                row.update(events=int(yy.sum()), rate=float(yy.mean()) if len(yy) else np.nan)
                row["ci_low"], row["ci_high"] = wilson_interval(row["rate"], len(yy))
            rows.append(row)
    t = pd.DataFrame(rows)
    if t.empty:
        return t
    t["band"] = pd.Categorical(t["band"], categories=list(BAND_NAMES), ordered=True)
    seg_order = ["All"] + sorted(s for s in t["segment"].unique() if s != "All")
    t["segment"] = pd.Categorical(t["segment"], categories=seg_order, ordered=True)
    t = t.sort_values(["segment", "band"], ignore_index=True)
    t["suppressed"] = t["n"] < privacy_min_n
    for col in ("share", "events", "rate", "ci_low", "ci_high"):
        if col in t:
            t[col] = t[col].astype(float).where(~t["suppressed"])
    t["segment"], t["band"] = t["segment"].astype(str), t["band"].astype(str)
    return t
