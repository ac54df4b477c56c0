"""A report's kernel imports neither scipy.stats nor seaborn nor statsmodels unless a plot or statistic needs them
(issue 26 §6: together about 1-3 s of every overview report), and the replacements give the same numbers and look.

* :mod:`csat_analysis.metrics` computes the normal and t distribution functions with the scipy.special functions
  that scipy.stats itself calls; checked bit for bit against scipy.stats, edge cases included.
* :mod:`csat_analysis.crosstab` adjusts p-values with the arithmetic of statsmodels' ``multipletests``; checked
  bit for bit against it.
* :func:`csat_analysis.plots.set_style` sets seaborn's theme without importing seaborn; checked against seaborn.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from csat_analysis import metrics
from csat_analysis.config import PROJECT_ROOT, SAMPLE_DATA, SAMPLE_SCHEMA_FILE

HEAVY = ("scipy.stats", "seaborn", "statsmodels")
crosstab_module = importlib.import_module("csat_analysis.crosstab")  # the module, not the function ca.crosstab


def _fresh(code: str) -> dict:
    """Run ``code`` in a fresh interpreter (Agg backend) and return the JSON it prints last."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, env={**__import__("os").environ, "MPLBACKEND": "Agg"}, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("module", ["csat_analysis.metrics", "csat_analysis.plots", "csat_analysis.crosstab",
                                    "csat_analysis.reports.overview"])
def test_importing_a_module_of_the_overview_imports_no_heavy_statistics_package(module):
    loaded = _fresh(f"""
        import json, sys
        import {module}
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
    """)
    assert loaded == [], f"import {module} imported {loaded}"


def test_the_overview_report_computes_and_draws_without_scipy_stats_seaborn_or_statsmodels():
    """What the overview notebook runs: load, overview with segments and banner letters, every chart."""
    out = _fresh(f"""
        import json, sys
        import matplotlib.pyplot as plt
        import csat_analysis as ca
        from csat_analysis import render as rep
        ca.plots.set_style()
        data, _ = rep.load({str(SAMPLE_DATA)!r}, {str(SAMPLE_SCHEMA_FILE)!r})
        p = rep.resolve(data, segment_column=None, segment=None, weights=None)
        result = ca.overview(data, weights=p.weights)
        result.sentences(), result.headline_table(), result.banner_table()
        for fig in [result.plot_distributions()] + [result.plot_segments(c) for c in result.segments]:
            fig.savefig(__import__("io").BytesIO(), format="png")
        print(json.dumps({{"segments": len(result.segments), "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
    """)
    assert out["segments"] >= 2 and out["loaded"] == []


def test_distribution_functions_equal_scipy_stats_bit_for_bit():
    from scipy import stats

    q = np.array([0.0, 1e-300, 1e-12, 0.025, 0.5, 0.975, 0.995, 1 - 1e-16, 1.0, -0.1, 1.5, np.nan])
    df = np.array([np.nan, -1.0, 0.0, 0.5, 1.0, 2.0, 9.0, 29.0, 1e6, np.inf])
    qq, dd = np.meshgrid(q, df)
    np.testing.assert_array_equal(metrics._norm_ppf(q), stats.norm.ppf(q))
    np.testing.assert_array_equal(metrics._t_ppf(qq, dd), stats.t.ppf(qq, dd))
    x = np.array([-np.inf, -40.0, -3.0, -1e-9, 0.0, 0.3, 1.96, 8.0, 40.0, np.inf, np.nan])
    xx, dx = np.meshgrid(x, df)
    np.testing.assert_array_equal(metrics._norm_sf(x), stats.norm.sf(x))
    np.testing.assert_array_equal(metrics._t_sf(xx, dx), stats.t.sf(xx, dx))
    # scalars in, scalars out, as from scipy.stats
    assert metrics._t_ppf(0.975, 12.0) == stats.t.ppf(0.975, 12.0) and np.ndim(metrics._t_ppf(0.975, 12.0)) == 0
    assert metrics._t_sf(2.0, 7.5) == stats.t.sf(2.0, 7.5) and np.ndim(metrics._t_sf(2.0, 7.5)) == 0
    assert metrics.z_value(0.95) == float(stats.norm.ppf(0.975))


@pytest.mark.parametrize("method, name", [("bh", "fdr_bh"), ("holm", "holm")])
def test_crosstab_p_value_adjustment_equals_statsmodels_bit_for_bit(method, name):
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(7)
    for n in (1, 2, 5, 17, 120):
        p = rng.uniform(0, 1, n) ** 3
        p[rng.uniform(size=n) < 0.2] = p[0]  # ties
        if n > 3:
            p[1], p[2] = 1.0, 0.0
        with_nan = np.append(p, np.nan)
        expected = np.append(multipletests(p, method=name)[1], np.nan)
        np.testing.assert_array_equal(crosstab_module._adjust(with_nan, method), expected)


def test_set_style_sets_seaborns_whitegrid_theme_without_importing_seaborn():
    ours = _fresh("""
        import json, sys
        import matplotlib as mpl, matplotlib.pyplot as plt
        from matplotlib import colors
        from csat_analysis.plots import set_style
        set_style()
        rc = {k: repr(v) for k, v in plt.rcParams.items()}
        codes = {c: colors.to_rgb(c) for c in "bgrmyck"}
        print(json.dumps({"rc": rc, "codes": codes, "seaborn": "seaborn" in sys.modules}))
    """)
    theirs = _fresh("""
        import json
        import matplotlib as mpl, matplotlib.pyplot as plt
        from matplotlib import colors
        import seaborn as sns
        sns.set_theme(style="whitegrid", context="notebook", font_scale=0.9)
        plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "axes.titleweight": "bold",
                             "text.parse_math": False, "image.cmap": mpl.rcParamsDefault["image.cmap"]})
        rc = {k: repr(v) for k, v in plt.rcParams.items()}
        codes = {c: colors.to_rgb(c) for c in "bgrmyck"}
        print(json.dumps({"rc": rc, "codes": codes}))
    """)
    assert not ours["seaborn"]
    differ = {k: (ours["rc"].get(k), v) for k, v in theirs["rc"].items() if ours["rc"].get(k) != v}
    assert differ == {}
    assert ours["codes"] == theirs["codes"]
