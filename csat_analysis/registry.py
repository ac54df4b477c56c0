"""What a metric is: the one registry every module reads (score columns, metric kinds, names, units).

Two tables:

* :data:`SCORES`: per canonical score column (``csat``, ``nps``, ``ces``) a
  :class:`ScoreDef` -- default scale, top box and direction (SPEC.md "Metric
  conventions"), and how the score is named in text.
* :data:`METRICS`: per metric (``csat``, ``csat_mean``, ``nps``, ``ces``,
  ``ces_top``) a :class:`MetricDef` -- its score column, its estimator
  ``kind`` (``"share"``: top-box percent with Wilson intervals and Newcombe
  differences; ``"mean"``: mean score with t intervals and Welch
  differences; ``"nps"``: % promoters - % detractors with Rocks intervals),
  its names, units, display precision and the range a target may take.

Adding a metric kind (say a mean NPS) touches this module only: add a
:class:`MetricDef` to :data:`METRICS` (and, for a new score column, a
:class:`ScoreDef` to :data:`SCORES`) with every field filled in.  The
statistics switch on ``kind`` (one of :data:`KINDS`), so a metric of an
existing kind needs nothing else; a new kind needs its formulas in
:mod:`csat_analysis.metrics` (estimate, difference, histogram) and its
control limits in :mod:`csat_analysis.trends`.

Examples
--------
>>> metric("nps").label, metric("nps").change_unit, metric("ces_top").column
('NPS', 'NPS points', 'ces')
>>> score("csat").scale, score("csat").top_box
((1, 5), 4)
>>> metric("csta")
Traceback (most recent call last):
...
csat_analysis.exceptions.ParameterError: Unknown metric 'csta'; metrics are ['csat', 'csat_mean', 'nps', 'ces',
'ces_top']. Did you mean 'csat'?
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ._utils import as_list, check_argument, nearest
from .exceptions import ParameterError

__all__ = ["ScoreDef", "MetricDef", "SCORES", "METRICS", "KINDS", "metric", "score", "metric_label", "check_metrics"]

#: Estimator kinds: what the formulas (estimate, difference, control limits) switch on.
KINDS = ("share", "mean", "nps")


@dataclasses.dataclass(frozen=True)
class ScoreDef:
    """A canonical score column: its default scale, top box and direction, and its names in text."""

    #: canonical column name (``"csat"``)
    column: str
    #: short name (``"NPS"``): axis labels, correlation tables
    name: str
    #: the name with what it measures (``"NPS (likelihood to recommend)"``): sentences about correlations
    described: str
    #: the answers in plain words (``"likelihood to recommend (0-10)"``): "variation in ..." sentences
    plain: str
    #: default (low, high) of the scale
    scale: tuple[int, int]
    #: default lowest top-box score
    top_box: int
    #: whether higher scores are better (the canonical column is oriented so)
    higher_is_better: bool = True


@dataclasses.dataclass(frozen=True)
class MetricDef:
    """A metric: a score column summarised by one estimator, with its names and units."""

    #: metric name (``"csat_mean"``)
    name: str
    #: the score column it summarises (a key of :data:`SCORES`)
    column: str
    #: estimator kind, one of :data:`KINDS`
    kind: str
    #: label in tables, titles and sentences (``"CSAT (top-box %)"``)
    label: str
    #: short name in lists (``"mean CSAT"``)
    short: str
    #: unit of a score, in words (``"percent"``, ``"NPS points"``, ``"scale points"``)
    unit: str
    #: unit of a change (``"pp"``, ``"NPS points"``, ``"scale points"``)
    change_unit: str
    #: decimals a score is shown with
    decimals: int
    #: the values a target may take (None: the score column's scale)
    target_range: tuple[float, float] | None

    @property
    def score(self) -> ScoreDef:
        """The :class:`ScoreDef` of the metric's score column (default scale, top box, direction)."""
        return SCORES[self.column]

    @property
    def percent(self) -> bool:
        """Whether scores are percentages (shares) and changes percentage points."""
        return self.kind == "share"

    @property
    def signed(self) -> bool:
        """Whether scores are printed with their sign (NPS)."""
        return self.kind == "nps"


SCORES: dict[str, ScoreDef] = {
    "csat": ScoreDef("csat", "CSAT", "CSAT", "CSAT scores", (1, 5), 4),
    "nps": ScoreDef("nps", "NPS", "NPS (likelihood to recommend)", "likelihood to recommend (0-10)", (0, 10), 9),
    "ces": ScoreDef("ces", "CES", "CES (ease)", "CES scores", (1, 7), 5),
}

METRICS: dict[str, MetricDef] = {
    "csat": MetricDef("csat", "csat", "share", "CSAT (top-box %)", "CSAT", "percent", "pp", 1, (0, 100)),
    "csat_mean": MetricDef("csat_mean", "csat", "mean", "CSAT mean score", "mean CSAT", "scale points",
                           "scale points", 2, None),
    "nps": MetricDef("nps", "nps", "nps", "NPS", "NPS", "NPS points", "NPS points", 1, (-100, 100)),
    "ces": MetricDef("ces", "ces", "mean", "CES mean score", "CES", "scale points", "scale points", 2, None),
    "ces_top": MetricDef("ces_top", "ces", "share", "CES top-box %", "CES top-box", "percent", "pp", 1, (0, 100)),
}


def metric(name: str) -> MetricDef:
    """The :class:`MetricDef` of a metric name; :class:`ParameterError` (with a "did you mean") if unknown."""
    try:
        return METRICS[name]
    except (KeyError, TypeError):
        raise ParameterError(f"Unknown metric {name!r}; metrics are {list(METRICS)}.{nearest(str(name), METRICS)}") \
            from None


def score(column: str) -> ScoreDef:
    """The :class:`ScoreDef` of a canonical score column; :class:`ParameterError` if unknown.

    Examples
    --------
    >>> score("nps").plain
    'likelihood to recommend (0-10)'
    """
    try:
        return SCORES[column]
    except (KeyError, TypeError):
        raise ParameterError(f"Unknown score column {column!r}; score columns are {list(SCORES)}."
                             f"{nearest(str(column), SCORES)}") from None


def metric_label(metric: str) -> str:
    """Human-readable name of a metric, e.g. ``'CSAT (top-box %)'`` (other names as they are).

    Examples
    --------
    >>> metric_label("csat"), metric_label("sentiment")
    ('CSAT (top-box %)', 'sentiment')
    """
    m = METRICS.get(metric)
    return metric if m is None else m.label


def check_metrics(metrics: Any) -> list[str]:
    """``metrics`` as a non-empty list of known metric names (:class:`ParameterError` otherwise)."""
    metrics = as_list(metrics)
    if not metrics:
        raise ParameterError("The value for `metrics` must name at least one metric, e.g. ['csat', 'nps'].")
    for m in metrics:
        check_argument("metric", list(METRICS), m)
    return metrics
