"""Survey planning: how many responses a margin needs, and the smallest detectable change.

Both use the normal approximation with the metric's variance per response
(SPEC.md "Metric conventions"), in the units the metric is reported in:

* ``csat`` / ``ces_top`` (top-box %): ``var = 100^2 p (1 - p)``, ``expected = p``;
* ``nps``: ``var = 100^2 (p + d - (p - d)^2)`` for promoter and detractor
  shares ``expected = (p, d)`` (the -1/0/+1 coding);
* ``csat_mean`` / ``ces`` (mean score): ``var = sd^2``, ``expected = sd``.

``design_effect`` multiplies the variance (weights: ``n / n_eff``; clusters:
``1 + (m - 1) ICC``).  ``population=N`` applies the finite-population
correction ``(N - n) / (N - 1)`` to the variance (a survey of 2,000 customers
needs 602 responses for NPS +/- 5 by the Wald formula, not 861).

**The margin is the one the reports print** (``interval="report"``, the
default): the longer side of the Wilson interval for top-box shares (it is
asymmetric: at n = 683 and p = 0.8 it is 76.84-82.83, 3.16 points below and
2.83 above), the Rocks adjusted-Wald interval for NPS and the t interval for
means.  ``interval="wald"`` gives the textbook ``z * SE`` margin (683 for
CSAT +/- 3 at 80%, which the report prints as -3.16/+2.83).  With a
population, the interval is taken at ``n* = n (N - 1) / (N - n)``, the count
whose simple-random-sampling variance equals the corrected one, as the
weighted reports do with Kish's n; the reports themselves print intervals
without the correction (a large-population view), so they are wider than
the planned margin when a large share of the population answers.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from scipy import stats

from .exceptions import ParameterError
from .registry import METRICS

__all__ = ["Margin", "mde", "planned_margin", "sample_size"]

_COMPARISONS = ("one", "two_groups", "did")
_INTERVALS = ("report", "wald")


class Margin(NamedTuple):
    """Half-widths of the interval a report prints around the expected score (metric units)."""

    below: float
    above: float

    @property
    def widest(self) -> float:
        """The longer of the two sides (what a planned "+/- m" must not exceed)."""
        return max(self.below, self.above)


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
            raise ParameterError("For NPS, `expected` must be two proportions adding up to at most 1, "
                                 f"but {expected!r} was passed.")
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


def _population(population, n=None) -> float | None:
    if population is None:
        return None
    if isinstance(population, bool) or not (isinstance(population, (int, float)) and population >= 2):
        raise ParameterError(f"The value for `population` must be the number of customers (at least 2) the sample is "
                             f"drawn from, or None for a large population, but {population!r} was passed.")
    if n is not None and n > population:
        raise ParameterError(f"`n` ({n!r}) is larger than `population` ({population!r}): a sample cannot have more "
                             "responses than the population has customers; pass the population size or drop it.")
    return float(population)


def _fpc(n: float, population: float | None) -> float:
    """The finite-population correction of the variance, ``(N - n) / (N - 1)`` (1 without a population)."""
    return 1.0 if population is None else max(population - n, 0.0) / (population - 1)


def _check_interval(interval: str) -> None:
    if interval not in _INTERVALS:
        raise ParameterError(f"The value for `interval` must be one of {list(_INTERVALS)} (\"report\": the interval "
                             f"the reports print; \"wald\": z * SE), but {interval!r} was passed.")


def _margin(metric: str, n: float, ci: float, expected, deff: float, population: float | None,
            interval: str) -> Margin:
    """Half-widths below/above the expected score at ``n`` responses (see the module docstring)."""
    var = _variance(metric, expected)
    z = _z(ci)
    fpc = _fpc(n, population)
    if interval == "wald" or fpc == 0:
        half = z * math.sqrt(deff * fpc * var / n)
        return Margin(half, half)
    n_star = n / (deff * fpc)  # the count whose SRS variance equals the planned one
    kind = METRICS[metric].kind
    if kind == "share":
        from .metrics import wilson_interval

        p = float(expected)
        low, high = wilson_interval(p, n_star, ci)
        return Margin(100 * (p - low), 100 * (high - p))
    if kind == "nps":
        from .metrics import nps_adjusted_values

        p, d = (float(v) for v in expected)
        a_adj, v_adj, n_adj = nps_adjusted_values(p, d, n_star)
        half = float(z * math.sqrt(v_adj / n_adj))
        shift = float(a_adj) - 100 * (p - d)  # the interval is centred on the adjusted score
        return Margin(half - shift, half + shift)
    t = float(stats.t.ppf(0.5 + ci / 2, max(n - 1, 1)))
    half = t * math.sqrt(var / n_star)
    return Margin(half, half)


def planned_margin(metric: str, *, n: int, ci: float = 0.95, expected=None, design_effect: float = 1.0,
                   population: int | None = None, interval: str = "report") -> Margin:
    """The interval half-widths a report will print around the expected score at ``n`` responses.

    Parameters
    ----------
    metric : {"csat", "csat_mean", "nps", "ces", "ces_top"}
    n : int
        Responses.
    ci : float
        Confidence level.
    expected : float or (float, float)
        As in :func:`sample_size`.
    design_effect : float
        Variance inflation of the design.
    population : int, optional
        Customers the sample is drawn from (finite-population correction).
    interval : {"report", "wald"}
        ``"report"``: the interval the reports print (Wilson for shares,
        Rocks's adjusted Wald for NPS, t for means); ``"wald"``: ``z * SE``.

    Returns
    -------
    Margin
        ``(below, above)`` in the metric's units; ``.widest`` is the longer side.

    Notes
    -----
    Wilson intervals are asymmetric: above 50% the side below the score is
    the longer one, so a "+/- 3 points" plan on the Wald formula prints as
    "-3.16/+2.83" at 80%.

    Examples
    --------
    >>> m = planned_margin("csat", n=683, expected=0.8)
    >>> round(m.below, 2), round(m.above, 2)
    (3.16, 2.83)
    >>> round(planned_margin("csat", n=683, expected=0.8, interval="wald").widest, 2)
    3.0
    """
    _check_interval(interval)
    if isinstance(n, bool) or not (isinstance(n, (int, float)) and n >= 2):
        raise ParameterError(f"The value for `n` must be a number of responses of at least 2, but {n!r} was passed.")
    pop = _population(population, n)
    return _margin(metric, float(n), ci, expected, _deff(design_effect), pop, interval)


def sample_size(metric: str, *, margin: float, ci: float = 0.95, expected=None, design_effect: float = 1.0,
                population: int | None = None, interval: str = "report") -> int:
    """Responses needed for a confidence interval of +/- ``margin`` around one score.

    The smallest ``n`` at which the interval the reports print
    (``interval="report"``: Wilson for shares, Rocks's adjusted Wald for NPS,
    t for means) is nowhere wider than ``margin`` on either side of the
    expected score.  ``interval="wald"`` gives the textbook
    ``n0 = ceil(z^2 * design_effect * var / margin^2)`` (``z`` the normal
    quantile of ``ci``, ``var`` the metric's variance per response, see the
    module docstring).  With ``population=N`` the finite-population
    correction applies: Wald ``n = n0 N / (N - 1 + n0)``.

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
    population : int, optional
        Customers the sample is drawn from (finite-population correction);
        None for a population much larger than the sample.
    interval : {"report", "wald"}
        Which margin ``margin`` is: the half-width of the interval the reports
        print (the longer side of an asymmetric Wilson interval), or a Wald
        margin ``z * SE``.

    Returns
    -------
    int
        Never more than ``population``.

    Notes
    -----
    Shares planned on the Wald formula come out short of what the reports
    print: 683 responses give a Wald margin of 3.0 points at 80%, but the
    Wilson interval the report prints reaches 3.16 points below the score
    (:func:`planned_margin`); 756 keep it within 3.  For NPS the adjusted-Wald
    interval is centred on the adjusted score, pulled towards 0 (at 861
    responses, 40% promoters and 20% detractors it prints 14.94-24.92 around
    +20), so keeping both sides within 5 takes 882 responses (612 of 2,000).

    Examples
    --------
    >>> sample_size("nps", margin=5, expected=(0.40, 0.20), interval="wald")
    861
    >>> sample_size("nps", margin=5, expected=(0.40, 0.20), interval="wald", population=2000)
    602
    >>> sample_size("nps", margin=5, expected=(0.40, 0.20), population=2000)
    612
    >>> sample_size("csat", margin=3, expected=0.80, interval="wald")
    683
    >>> sample_size("csat", margin=3, expected=0.80)
    756
    >>> sample_size("ces", margin=0.1, expected=1.5, interval="wald")
    865
    """
    if isinstance(margin, bool) or not (isinstance(margin, (int, float)) and margin > 0):
        raise ParameterError(f"The value for `margin` must be a positive number, but {margin!r} was passed.")
    _check_interval(interval)
    var = _variance(metric, expected)
    deff = _deff(design_effect)
    pop = _population(population)
    n0 = _z(ci) ** 2 * deff * var / margin**2
    if interval == "wald":
        n = n0 if pop is None else n0 * pop / (pop - 1 + n0)
        return max(math.ceil(n - 1e-9), 1)

    def fits(n: int) -> bool:
        return _margin(metric, float(n), ci, expected, deff, pop, interval).widest <= margin + 1e-12

    hi = max(2, math.ceil(n0))
    while not fits(hi):  # the report's interval can be wider than Wald's: bracket from above
        if pop is not None and hi >= pop:
            return int(pop)
        hi = hi * 2 if pop is None else min(hi * 2, int(pop))
    lo = 1  # fits(lo) is False or lo is the answer
    while hi - lo > 1:  # half-widths shrink as n grows
        mid = (lo + hi) // 2
        if mid >= 2 and fits(mid):
            hi = mid
        else:
            lo = mid
    return hi


def mde(metric: str, *, n: int, ci: float = 0.95, power: float = 0.8, expected=None, design_effect: float = 1.0,
        comparison: str = "one", population: int | None = None) -> float:
    """Minimum detectable effect: the smallest true change a two-sided test finds with probability ``power``.

    ``mde = (z_(1 - alpha/2) + z_power) * sqrt(k * design_effect * var / n)``
    with ``alpha = 1 - ci``; ``k = 1`` for a score against a fixed value
    (``comparison="one"``), ``k = 2`` for a difference between two groups or
    periods of ``n`` responses each (``"two_groups"``), ``k = 4`` for a
    difference-in-differences with ``n`` responses in each of the four cells
    (treated/control x before/after, ``"did"``); for a DiD on regions or
    stores, put the clustering in ``design_effect`` (``1 + (m - 1) ICC``
    for ``m`` responses per cluster).  ``population=N`` multiplies the
    variance by the finite-population correction ``(N - n) / (N - 1)``
    (``N``: customers each group or cell is drawn from).

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
    population : int, optional
        Customers each group (cell) is drawn from; None for a large population.

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
    >>> round(mde("csat", n=683, expected=0.80, population=2000), 2)
    3.48
    """
    if comparison not in _COMPARISONS:
        raise ParameterError(f"The value for `comparison` must be one of {list(_COMPARISONS)}, but {comparison!r} "
                             "was passed.")
    if not 0 < power < 1:
        raise ParameterError(f"The value for `power` must be between 0 and 1 (e.g. 0.8), but {power!r} was passed.")
    if isinstance(n, bool) or not (isinstance(n, (int, float)) and n >= 2):
        raise ParameterError(f"The value for `n` must be a number of responses of at least 2, but {n!r} was passed.")
    var = _variance(metric, expected)
    fpc = _fpc(n, _population(population, n))
    k = {"one": 1, "two_groups": 2, "did": 4}[comparison]
    return float((_z(ci) + stats.norm.ppf(power)) * math.sqrt(k * _deff(design_effect) * fpc * var / n))
