"""Honest validation of a risk or health score: DeLong AUC, calibration, lift (:func:`validate_score`)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import ParameterError
from ..metrics import wilson_interval
from .customer_table import _binary, _fmt_pct, numeric_values_of, require_customer_columns, schema_outcomes

__all__ = ["delong_auc", "ScoreValidation", "validate_score"]

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

