"""Planning: sample sizes and minimum detectable effects (known answers, formulas, bad arguments)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import csat_analysis as ca
from csat_analysis import ParameterError


def test_known_answers():
    assert ca.sample_size("nps", margin=5, expected=(0.40, 0.20)) == 861
    assert ca.sample_size("csat", margin=3, expected=0.80) == 683


def test_formulas():
    z = stats.norm.ppf(0.975)
    var = 100**2 * (0.4 + 0.2 - 0.2**2)
    assert ca.sample_size("nps", margin=5, expected=(0.4, 0.2), design_effect=1.5) == int(np.ceil(z**2 * 1.5 * var / 25))
    assert ca.sample_size("csat", margin=3, expected=0.8, ci=0.80) == int(np.ceil(stats.norm.ppf(0.9) ** 2 * 1600 / 9))
    # a margin of the planned size is what the MDE formula's first term gives at that n
    n = 683
    assert ca.mde("csat", n=n, expected=0.8, power=0.5) == pytest.approx(z * np.sqrt(1600 / n))
    two = ca.mde("ces", n=500, expected=1.4, comparison="two_groups")
    assert two == pytest.approx((z + stats.norm.ppf(0.8)) * np.sqrt(2 * 1.4**2 / 500))


def test_did_mde_has_four_cells_and_design_effect():
    one = ca.mde("csat", n=2000, expected=0.8)
    assert ca.mde("csat", n=2000, expected=0.8, comparison="did") == pytest.approx(2 * one)
    assert ca.mde("csat", n=2000, expected=0.8, comparison="did", design_effect=2.0) == pytest.approx(2 * np.sqrt(2) * one)


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
