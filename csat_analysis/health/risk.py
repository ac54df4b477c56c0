"""The risk model: a yes/no customer outcome predicted from named features, validated out of fold, with a leakage
guard (:func:`risk_model`)."""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import check_argument
from ..exceptions import DataError, ParameterError
from ..results import Result
from .customer_table import (
    _binary,
    _fmt_num,
    _fmt_pct,
    _nice_step,
    customers,
    numeric_values_of,
    require_customer_columns,
    schema_features,
    schema_outcomes,
)
from .validation import _auc_words, _validation, delong_auc

__all__ = ["LEAK_AUC", "RiskResult", "risk_model"]

#: a single feature whose AUC alone reaches this is named as a likely leak
LEAK_AUC = 0.95
#: a level of a category is a leak when it holds at least this share of customers and an outcome rate
#: below _LEAK_RATE or above 1 - _LEAK_RATE
_LEAK_LEVEL_SHARE, _LEAK_RATE = 0.05, 0.01


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
            extreme = g[(g["size"] >= _LEAK_LEVEL_SHARE * n)
                        & ((g["mean"] < _LEAK_RATE) | (g["mean"] > 1 - _LEAK_RATE))]
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
class RiskResult(Result):
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
    table : DataFrame
        The scores (what :meth:`to_csv` writes: ``customer_id, risk, rank``).
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

    # to_csv (the scores) and to_excel (scores, validation, calibration, effects) come from Result
    table_title = "Scores"

    @property
    def table(self) -> pd.DataFrame:
        """The scores, ``customer_id, risk, rank`` (rank 1 = riskiest)."""
        return self.scores

    def summary(self) -> str:
        """The out-of-fold validation in words (and without the leaky features), then the warnings."""
        return "\n".join(self.sentences()[len(self.warnings):] + self._warning_lines())

    def sheets(self) -> dict[str, pd.DataFrame]:
        sheets = {"Scores": self.scores, "Validation": self.validation, "Calibration": self.calibration,
                  "Effects": self.effects}
        if len(self.leakage):
            sheets["Leakage"] = self.leakage
        return sheets

    def about(self) -> dict[str, Any]:
        return {"Outcome": self.outcome, "Model": self.model, "Features": list(self.features),
                "Validation": f"{self.folds}-fold out-of-fold", "Warnings": self.warnings or "none"}


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

