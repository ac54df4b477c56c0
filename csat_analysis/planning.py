"""Survey planning: how many responses a margin needs, and the smallest detectable change.

Both use the normal approximation with the metric's variance per response
(SPEC.md "Metric conventions"), in the units the metric is reported in:

* ``csat`` / ``ces_top`` (top-box %): ``var = 100^2 p (1 - p)``, ``expected = p``;
* ``nps``: ``var = 100^2 (p + d - (p - d)^2)`` for promoter and detractor
  shares ``expected = (p, d)`` (the -1/0/+1 coding);
* ``csat_mean`` / ``ces`` (mean score): ``var = sd^2``, ``expected = sd``.

``design_effect`` multiplies the variance (weights: ``n / n_eff``; clusters:
``1 + (m - 1) ICC``).
"""

from __future__ import annotations

import math

from scipy import stats

from .exceptions import ParameterError
from .registry import METRICS

__all__ = ["mde", "sample_size"]

_COMPARISONS = ("one", "two_groups", "did")


def _variance(metric: str, expected) -> float:
    if metric not in METRICS:
        raise ParameterError(f"The value for `metric` must be one of {list(METRICS)}, but {metric!r} was passed.")
    kind = METRICS[metric].kind
    if kind == "nps":
        try:
            p, d = (float(v) for v in expected)
        except (TypeError, ValueError):
            raise ParameterError("For NPS, `expected` must be the promoter and detractor shares as proportions, "
                                 f"e.g. (0.4, 0.2), but {expected!r} was passed.") from None
        if not (0 <= p <= 1 and 0 <= d <= 1 and p + d <= 1):
            raise ParameterError(f"For NPS, `expected` must be two proportions adding up to at most 1, but {expected!r} "
                                 "was passed.")
        return 100**2 * (p + d - (p - d) ** 2)
    try:
        value = float(expected)
    except (TypeError, ValueError):
        raise ParameterError(f"For {metric}, `expected` must be one number, but {expected!r} was passed.") from None
    if kind == "share":
        if not 0 <= value <= 1:
            raise ParameterError(f"For {metric}, `expected` must be the top-box share as a proportion between 0 and 1 "
                                 f"(e.g. 0.8), but {expected!r} was passed.")
        return 100**2 * value * (1 - value)
    if not value > 0:
        raise ParameterError(f"For {metric}, `expected` must be the score's standard deviation (> 0), but "
                             f"{expected!r} was passed.")
    return value**2


def _z(ci: float) -> float:
    if not 0 < ci < 1:
        raise ParameterError(f"The value for `ci` must be between 0 and 1 (e.g. 0.95), but {ci!r} was passed.")
    return float(stats.norm.ppf(0.5 + ci / 2))


def _deff(design_effect: float) -> float:
    if not design_effect >= 1:
        raise ParameterError(f"The value for `design_effect` must be a number of at least 1, but {design_effect!r} "
                             "was passed.")
    return float(design_effect)


def sample_size(metric: str, *, margin: float, ci: float = 0.95, expected=None, design_effect: float = 1.0) -> int:
    """Responses needed for a confidence interval of +/- ``margin`` around one score.

    ``n = ceil(z^2 * design_effect * var / margin^2)`` with ``z`` the normal
    quantile of ``ci`` and ``var`` the metric's variance per response (see the
    module docstring).

    Parameters
    ----------
    metric : {"csat", "csat_mean", "nps", "ces", "ces_top"}
    margin : float
        Half-width of the interval in the metric's units (percentage points,
        NPS points, scale points).
    ci : float
        Confidence level.
    expected : float or (float, float)
        The expected top-box share (proportion), ``(promoters, detractors)``
        shares for NPS, or the score's standard deviation for means.
    design_effect : float
        Variance inflation of the design (1 for a simple random sample).

    Returns
    -------
    int

    Examples
    --------
    >>> sample_size("nps", margin=5, expected=(0.40, 0.20))
    861
    >>> sample_size("csat", margin=3, expected=0.80)
    683
    >>> sample_size("ces", margin=0.1, expected=1.5)
    865
    """
    if not (isinstance(margin, (int, float)) and margin > 0):
        raise ParameterError(f"The value for `margin` must be a positive number, but {margin!r} was passed.")
    var = _variance(metric, expected)
    return math.ceil(_z(ci) ** 2 * _deff(design_effect) * var / margin**2 - 1e-9)


def mde(metric: str, *, n: int, ci: float = 0.95, power: float = 0.8, expected=None, design_effect: float = 1.0,
        comparison: str = "one") -> float:
    """Minimum detectable effect: the smallest true change a two-sided test finds with probability ``power``.

    ``mde = (z_(1 - alpha/2) + z_power) * sqrt(k * design_effect * var / n)``
    with ``alpha = 1 - ci``; ``k = 1`` for a score against a fixed value
    (``comparison="one"``), ``k = 2`` for a difference between two groups or
    periods of ``n`` responses each (``"two_groups"``), ``k = 4`` for a
    difference-in-differences with ``n`` responses in each of the four cells
    (treated/control x before/after, ``"did"``); for a DiD on regions or
    stores, put the clustering in ``design_effect`` (``1 + (m - 1) ICC``
    for ``m`` responses per cluster).

    Parameters
    ----------
    metric : {"csat", "csat_mean", "nps", "ces", "ces_top"}
    n : int
        Responses (per group for ``"two_groups"``, per cell for ``"did"``).
    ci : float
        ``1 - alpha`` of the two-sided test.
    power : float
    expected : float or (float, float)
        As in :func:`sample_size`.
    design_effect : float
    comparison : {"one", "two_groups", "did"}

    Returns
    -------
    float
        In the metric's units.

    Examples
    --------
    >>> round(mde("csat", n=683, expected=0.80), 2)
    4.29
    >>> round(mde("nps", n=1000, expected=(0.4, 0.2), comparison="two_groups"), 2)
    9.38
    >>> round(mde("csat", n=2000, expected=0.8, comparison="did", design_effect=1.5), 2)
    6.14
    """
    if comparison not in _COMPARISONS:
        raise ParameterError(f"The value for `comparison` must be one of {list(_COMPARISONS)}, but {comparison!r} "
                             "was passed.")
    if not 0 < power < 1:
        raise ParameterError(f"The value for `power` must be between 0 and 1 (e.g. 0.8), but {power!r} was passed.")
    if not (isinstance(n, (int, float)) and n >= 2):
        raise ParameterError(f"The value for `n` must be a number of responses of at least 2, but {n!r} was passed.")
    var = _variance(metric, expected)
    k = {"one": 1, "two_groups": 2, "did": 4}[comparison]
    return float((_z(ci) + stats.norm.ppf(power)) * math.sqrt(k * _deff(design_effect) * var / n))
