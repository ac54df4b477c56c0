"""Size and coverage checks (small, seeded simulations; the larger runs are scripts in tests/simulations/)."""

from __future__ import annotations

import numpy as np
import pytest

from csat_analysis import trend

from .simulations.control_limits import flagged_share, months_data


def test_laney_limits_one_overdispersed_series():
    """One fixed-seed series of the run below (fast tier): at most one of its 36 months is flagged."""
    assert flagged_share(seed=7, metric="csat", segments=1) <= 1 / 36


@pytest.mark.simulation
@pytest.mark.parametrize("metric", ["csat", "nps"])
def test_laney_limits_on_large_overdispersed_months(metric):
    """Large months with ordinary month-to-month variation: p-chart limits flagged ~9%+, Laney p' about 1%."""
    assert flagged_share(seed=7, metric=metric, segments=4) <= 0.02


def test_laney_widens_p_chart_by_sigma_z():
    data = months_data(np.random.default_rng(3), segments=1, months=24, per_month=2000)
    t = trend(data, metric="csat", freq="M")
    p = (data["csat"] >= 4).groupby(data["date"]).mean().to_numpy()
    n = data.groupby("date").size().to_numpy()
    pbar = (data["csat"] >= 4).mean()
    sigma = np.sqrt(pbar * (1 - pbar) / n)
    sigma_z = np.abs(np.diff((p - pbar) / sigma)).mean() / 1.128
    assert sigma_z > 1
    assert t["ucl"].to_numpy() == pytest.approx(100 * (pbar + 3 * sigma * sigma_z))
    # few periods: the plain p-chart (sigma_z cannot be estimated)
    short = trend(data[data["date"] < "2022-06-01"], metric="csat", freq="M")
    q = (data["csat"][data["date"] < "2022-06-01"] >= 4).mean()
    m = n[:5]
    assert short["ucl"].to_numpy() == pytest.approx(100 * (q + 3 * np.sqrt(q * (1 - q) / m)))
