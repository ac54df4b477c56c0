"""Planning: sample sizes and minimum detectable effects (known answers, formulas, bad arguments)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import csat_analysis as ca
from csat_analysis import ParameterError


def test_known_answers():
    # the textbook Wald margins (interval="wald"); the default is now the interval the reports print
    assert ca.sample_size("nps", margin=5, expected=(0.40, 0.20), interval="wald") == 861
    assert ca.sample_size("csat", margin=3, expected=0.80, interval="wald") == 683


def test_formulas():
    z = stats.norm.ppf(0.975)
    var = 100**2 * (0.4 + 0.2 - 0.2**2)
    assert (ca.sample_size("nps", margin=5, expected=(0.4, 0.2), design_effect=1.5, interval="wald")
            == int(np.ceil(z**2 * 1.5 * var / 25)))
    assert (ca.sample_size("csat", margin=3, expected=0.8, ci=0.80, interval="wald")
            == int(np.ceil(stats.norm.ppf(0.9) ** 2 * 1600 / 9)))
    # a margin of the planned size is what the MDE formula's first term gives at that n
    n = 683
    assert ca.mde("csat", n=n, expected=0.8, power=0.5) == pytest.approx(z * np.sqrt(1600 / n))
    two = ca.mde("ces", n=500, expected=1.4, comparison="two_groups")
    assert two == pytest.approx((z + stats.norm.ppf(0.8)) * np.sqrt(2 * 1.4**2 / 500))


def test_did_mde_has_four_cells_and_design_effect():
    one = ca.mde("csat", n=2000, expected=0.8)
    assert ca.mde("csat", n=2000, expected=0.8, comparison="did") == pytest.approx(2 * one)
    assert ca.mde("csat", n=2000, expected=0.8, comparison="did", design_effect=2.0) == pytest.approx(
        2 * np.sqrt(2) * one)


@pytest.mark.parametrize("kwargs, match", [
    ({"metric": "nps", "margin": 5, "expected": 0.4}, "promoter and detractor"),
    ({"metric": "csat", "margin": 3, "expected": 80}, "proportion"),
    ({"metric": "csat", "margin": 0, "expected": 0.8}, "margin"),
    ({"metric": "xyz", "margin": 3, "expected": 0.8}, "metric"),
    ({"metric": "csat", "margin": 3, "expected": 0.8, "design_effect": 0.5}, "design_effect"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        ca.sample_size(kwargs.pop("metric"), **kwargs)
    with pytest.raises(ParameterError, match="comparison"):
        ca.mde("csat", n=100, expected=0.8, comparison="abc")


# ---------------------------------------------------------------- issue 29 §4: populations and printed margins


def test_finite_population_known_answer():
    """2,000 customers, NPS +/- 5 (Wald): about 602 responses, not 861 (issue 29)."""
    assert ca.sample_size("nps", margin=5, expected=(0.40, 0.20), interval="wald", population=2000) == 602
    # n = n0 N / (N - 1 + n0), the exact inversion of z sqrt((N - n)/(N - 1) var / n) = margin
    z = stats.norm.ppf(0.975)
    n0 = z**2 * 100**2 * 0.56 / 25
    assert ca.sample_size("nps", margin=5, expected=(0.4, 0.2), interval="wald", population=2000) == int(
        np.ceil(n0 * 2000 / (1999 + n0)))
    # the margin at that n, with the correction, is within 5 and one response fewer is not
    for n, ok in ((602, True), (601, False)):
        fpc = (2000 - n) / 1999
        assert bool(z * 100 * np.sqrt(fpc * 0.56 / n) <= 5) is ok
    # the report's (adjusted-Wald) margin with the correction
    n = ca.sample_size("nps", margin=5, expected=(0.40, 0.20), population=2000)
    assert n == 612
    assert ca.planned_margin("nps", n=n, expected=(0.4, 0.2), population=2000).widest <= 5
    assert ca.planned_margin("nps", n=n - 1, expected=(0.4, 0.2), population=2000).widest > 5
    # a small population never needs more responses than it has customers
    assert ca.sample_size("csat", margin=1, expected=0.8, population=100) <= 100
    assert ca.sample_size("csat", margin=3, expected=0.8, population=10**9) == ca.sample_size(
        "csat", margin=3, expected=0.8)


def test_mde_with_population():
    one = ca.mde("csat", n=683, expected=0.8)
    assert ca.mde("csat", n=683, expected=0.8, population=2000) == pytest.approx(one * np.sqrt(1317 / 1999))
    assert ca.mde("csat", n=2000, expected=0.8, population=2000) == 0.0  # a census has no sampling error


def test_wilson_margin_the_report_prints():
    """At n = 683 and p = 0.8 the Wilson interval reaches 3.16 points below (3.17 at 546/683), not the Wald 3.0."""
    from statsmodels.stats.proportion import proportion_confint

    m = ca.planned_margin("csat", n=683, expected=0.8)
    low, high = proportion_confint(0.8 * 683, 683, alpha=0.05, method="wilson")
    assert m.below == pytest.approx(100 * (0.8 - low), abs=1e-9)
    assert m.above == pytest.approx(100 * (high - 0.8), abs=1e-9)
    assert round(m.below, 2) == 3.16 and m.widest == m.below
    assert round(ca.planned_margin("csat", n=683, expected=546 / 683).below, 2) == 3.17
    assert ca.planned_margin("csat", n=683, expected=0.8, interval="wald") == (pytest.approx(3.0, abs=2e-3),) * 2
    # the default plan keeps the printed interval within +/- 3; the Wald plan (683) did not
    n = ca.sample_size("csat", margin=3, expected=0.8)
    assert n == 756
    assert ca.planned_margin("csat", n=n, expected=0.8).widest <= 3 < ca.planned_margin("csat", n=n - 1,
                                                                                        expected=0.8).widest


def test_planned_margin_is_what_the_estimators_print():
    """The planned margin equals the interval ca.csat / ca.nps / ca.ces print on data with the expected values."""
    n = 800
    csat = np.r_[np.full(640, 5), np.full(160, 2)]  # 80% top-2
    e = ca.csat(csat)
    m = ca.planned_margin("csat", n=n, expected=0.8)
    assert (e.score - e.ci_low, e.ci_high - e.score) == (pytest.approx(m.below), pytest.approx(m.above))
    nps = np.r_[np.full(400, 10), np.full(400, 8), np.full(200, 3)]  # 40% promoters, 20% detractors
    e = ca.nps(nps)
    m = ca.planned_margin("nps", n=1000, expected=(0.4, 0.2))
    assert (e.score - e.ci_low, e.ci_high - e.score) == (pytest.approx(m.below), pytest.approx(m.above))
    ces = np.r_[np.full(300, 3), np.full(300, 6)]
    e = ca.ces(ces)
    m = ca.planned_margin("ces", n=600, expected=float(np.std(ces, ddof=1)))
    assert e.ci_high - e.score == pytest.approx(m.widest)


@pytest.mark.parametrize("kwargs, match", [
    ({"population": 1}, "population"),
    ({"population": "2000"}, "population"),
    ({"interval": "exact"}, "interval"),
])
def test_bad_planning_arguments(kwargs, match):
    with pytest.raises(ParameterError, match=match):
        ca.sample_size("csat", margin=3, expected=0.8, **kwargs)
    with pytest.raises(ParameterError, match="larger than `population`"):
        ca.mde("csat", n=500, expected=0.8, population=400)
