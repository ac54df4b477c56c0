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

Modules: :mod:`~csat_analysis.health.customer_table` (one row per customer and
the helpers the others share), :mod:`~csat_analysis.health.validation`,
:mod:`~csat_analysis.health.risk` (the risk model),
:mod:`~csat_analysis.health.worth` (what satisfaction is worth) and
:mod:`~csat_analysis.health.score` (the health score).
"""

from __future__ import annotations

# also importable from here, as before the split (csat_analysis.reports.health, csat_analysis.plots)
from .customer_table import BAND_NAMES as BAND_NAMES  # noqa: F401
from .customer_table import customers
from .customer_table import mapped_metrics as mapped_metrics  # noqa: F401
from .customer_table import numeric_values_of as numeric_values_of  # noqa: F401
from .customer_table import require_customer_columns as require_customer_columns  # noqa: F401
from .customer_table import schema_features as schema_features  # noqa: F401
from .customer_table import schema_outcomes as schema_outcomes  # noqa: F401
from .risk import LEAK_AUC, RiskResult, risk_model
from .score import HealthResult, health_score
from .validation import ScoreValidation, delong_auc, validate_score
from .worth import WorthResult, satisfaction_worth

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
