"""Issue 29 §5: a score against outside benchmarks (known answers, duality with the printed interval, wording)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csat_analysis as ca
from csat_analysis import ParameterError
from csat_analysis.benchmarking import as_benchmarks, benchmark_lines, compare_to_benchmarks

RULE = {"value": 80, "label": "Rule of thumb", "source": "CSAT guides"}
INDEX = {"value": 77, "label": "Industry index 2025", "scale": "0-100 index"}


def _csat(n_top: int, n: int, rng=None) -> pd.DataFrame:
    scores = np.r_[np.full(n_top // 2, 5), np.full(n_top - n_top // 2, 4), np.full(n - n_top, 2)]
    return pd.DataFrame({"response_id": np.arange(n), "csat": scores})


def test_verdict_in_words_and_the_issue_example():
    frame = _csat(3339, 4500)  # 74.2%
    t = compare_to_benchmarks(frame, benchmarks={"csat": [RULE, INDEX]})
    rule, index = t.iloc[0], t.iloc[1]
    assert rule["verdict"] == "CSAT 74.2% (95% CI 72.9–75.5) is below the 80% rule of thumb (p < 0.001)."
    assert rule["difference"] == pytest.approx(100 * 3339 / 4500 - 80) and rule["comparable"]
    assert rule["source"] == "CSAT guides" and rule["test"].startswith("score test")
    # the incomparable one is listed, not tested, and says why
    assert not index["comparable"] and np.isnan(index["p_value"]) and np.isnan(index["difference"])
    assert "not tested against Industry index 2025" in index["verdict"] and "index" in index["reason"]
    assert list(t.columns) == ca.benchmarking.BENCHMARK_COLUMNS


def test_share_score_test_known_answer():
    from statsmodels.stats.proportion import proportions_ztest

    frame = _csat(74, 100)
    row = compare_to_benchmarks(frame, benchmarks={"csat": [RULE]}).iloc[0]
    z, p = proportions_ztest(74, 100, value=0.8, prop_var=0.8)
    assert row["statistic"] == pytest.approx(z, abs=1e-12) and row["p_value"] == pytest.approx(p, abs=1e-12)
    assert row["verdict"].endswith("is not distinguishable from the 80% rule of thumb (p = 0.134).")


@pytest.mark.parametrize("weighted", [False, True])
def test_share_test_agrees_with_the_printed_interval(weighted):
    """The benchmark is outside the Wilson interval the report prints exactly when p < 0.05 (weighted too)."""
    rng = np.random.default_rng(29)
    n = 400
    frame = pd.DataFrame({"csat": rng.choice([1, 2, 3, 4, 5], n, p=[0.1, 0.1, 0.1, 0.35, 0.35]),
                          "weight": rng.uniform(0.3, 3.0, n)})
    w = "weight" if weighted else None
    est = ca.csat(frame, weights=w)
    values = np.round(np.linspace(est.ci_low - 3, est.ci_high + 3, 41), 3)
    t = compare_to_benchmarks(frame, benchmarks={"csat": [{"value": v, "label": f"b{v}"} for v in values]}, weights=w)
    outside = (values < est.ci_low - 1e-9) | (values > est.ci_high + 1e-9)
    inside = (values > est.ci_low + 1e-9) & (values < est.ci_high - 1e-9)
    assert (t["p_value"].to_numpy()[outside] < 0.05).all() and (t["p_value"].to_numpy()[inside] > 0.05).all()
    assert t["score"].iloc[0] == pytest.approx(est.score)


def test_nps_adjusted_wald_and_mean_t():
    rng = np.random.default_rng(3)
    n = 500
    frame = pd.DataFrame({"nps": rng.integers(0, 11, n), "ces": rng.integers(1, 8, n)})
    t = compare_to_benchmarks(frame, benchmarks={"nps": [{"value": 30, "label": "Sector median"}],
                                                 "ces": [{"value": 4.2, "label": "Peer mean", "scale": "1-7"}]})
    nps, ces = t.iloc[0], t.iloc[1]
    # NPS: Rocks's adjusted values, by hand
    p, d = np.mean(frame["nps"] >= 9), np.mean(frame["nps"] <= 6)
    pa, da, na = (p * n + 0.75) / (n + 3), (d * n + 0.75) / (n + 3), n + 3
    z = (100 * (pa - da) - 30) / (100 * np.sqrt((pa + da - (pa - da) ** 2) / na))
    assert nps["test"] == "adjusted-Wald z" and nps["statistic"] == pytest.approx(z)
    assert nps["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    # the benchmark is outside the printed adjusted-Wald interval exactly when p < 0.05 (here: far below)
    e = ca.nps(frame)
    assert (nps["p_value"] < 0.05) == (not e.ci_low <= 30 <= e.ci_high)
    # means: scipy's one-sample t test
    ref = stats.ttest_1samp(frame["ces"], 4.2)
    assert ces["statistic"] == pytest.approx(ref.statistic) and ces["p_value"] == pytest.approx(ref.pvalue)
    assert ces["verdict"].startswith("CES ") and "peer mean" in ces["verdict"]


@pytest.mark.parametrize("scale, comparable, reason", [
    (None, True, ""),
    ("top-2 box %", True, ""),
    ("%", True, ""),
    ("top box %", False, "top-1 box"),
    ("0-100 index", False, "index"),
    ("1-10", False, "another scale"),
])
def test_incomparable_benchmarks_are_flagged(scale, comparable, reason):
    frame = _csat(70, 100)
    b = {"value": 60, "label": "Peers"} | ({"scale": scale} if scale else {})
    row = compare_to_benchmarks(frame, benchmarks={"csat": [b]}).iloc[0]
    assert row["comparable"] is comparable or bool(row["comparable"]) == comparable
    assert reason in row["reason"]
    assert np.isfinite(row["p_value"]) == comparable
    lines = benchmark_lines(frame, "csat", benchmarks={"csat": [b]})
    assert lines == [{"value": 60.0, "label": "Peers", "comparable": comparable}]


def test_weighted_test_differs_from_unweighted():
    rng = np.random.default_rng(5)
    n = 800
    frame = pd.DataFrame({"csat": rng.choice([2, 5], n, p=[0.3, 0.7])})
    frame["weight"] = np.where(frame["csat"] == 5, 0.5, 2.0) * rng.uniform(0.8, 1.2, n)
    plain = compare_to_benchmarks(frame, benchmarks={"csat": [RULE]}).iloc[0]
    weighted = compare_to_benchmarks(frame, benchmarks={"csat": [RULE]}, weights="weight").iloc[0]
    assert weighted["score"] == pytest.approx(ca.csat(frame, weights="weight").score)
    assert weighted["score"] < plain["score"] and weighted["statistic"] != pytest.approx(plain["statistic"])


@pytest.mark.parametrize("raw, match", [
    ({"xyz": [RULE]}, "unknown metric"),
    ({"csat": [{"value": "80%", "label": "x"}]}, "value must be a number"),
    ({"csat": [{"value": 80}]}, "label"),
    ({"csat": [{"value": 80, "label": "x", "scope": "EU"}]}, "unknown key"),
    ({"csat": 80}, "list of benchmarks"),
])
def test_bad_benchmarks(raw, match):
    with pytest.raises(ParameterError, match=match):
        as_benchmarks(raw)


# --------------------------------------------------------------------------- in the trends and overview reports


def _export(n_days: int = 9, per_day: int = 400, seed: int = 4) -> pd.DataFrame:
    """Shaped like a real export: nine days, 16 segments, weights, a schema with benchmarks."""
    rng = np.random.default_rng(seed)
    n = n_days * per_day
    frame = pd.DataFrame({
        "response_id": [f"r{i}" for i in range(n)],
        "date": pd.Timestamp("2026-03-01") + pd.to_timedelta(rng.integers(0, n_days, n), unit="D"),
        "csat": rng.choice([1, 2, 3, 4, 5], n, p=[0.06, 0.08, 0.12, 0.36, 0.38]),
        "nps": rng.integers(0, 11, n),
        "store": rng.choice([f"Store {i:02d}" for i in range(16)], n),
        "weight": rng.uniform(0.5, 2.0, n),
    })
    return ca.with_schema(frame, {"metrics": {"csat": {"scale": [1, 5], "top_box": 4}},
                                  "columns": {"segments": ["store"]},
                                  "benchmarks": {"csat": [RULE, INDEX],
                                                 "nps": [{"value": 30, "label": "Sector median"}]}})


def test_trend_report_draws_tests_and_words_benchmarks():
    import matplotlib.pyplot as plt

    frame = _export()
    bench = {"csat": [RULE, INDEX]}
    report = ca.trend_report(frame, metric="csat", freq="W", weights="weight", benchmarks=bench)
    want = compare_to_benchmarks(frame, benchmarks=bench, metrics="csat", weights="weight")
    pd.testing.assert_frame_equal(report.benchmarks, want)
    text = report.sentences()
    assert want["verdict"].iloc[0] in text and "is below the 80% rule of thumb" in want["verdict"].iloc[0]
    assert any("Not tested" in s and "Industry index 2025" in s for s in text)
    ax = report.plot()
    labels = [line.get_label() for line in ax.get_lines()]
    assert "Rule of thumb 80%" in labels and "Industry index 2025 77 (not comparable)" in labels
    plt.close("all")
    html = report.benchmarks_html()._repr_html_()
    assert "Rule of thumb" in html and "not tested" in html
    # no benchmarks: nothing added
    plain = ca.trend_report(frame, metric="csat", freq="W", benchmarks={})
    assert plain.benchmarks is None and plain.benchmarks_html() is None and plain.benchmark_lines == []


def test_overview_tests_each_headline_metric_and_draws_lines():
    import matplotlib.pyplot as plt

    frame = _export()
    bench = {"csat": [RULE, INDEX], "nps": [{"value": 30, "label": "Sector median"}]}
    o = ca.overview(frame, weights="weight", benchmarks=bench)
    assert o.benchmarks["metric"].tolist() == ["csat", "csat", "nps"]
    assert o.benchmarks.loc[o.benchmarks["metric"] == "nps", "verdict"].iloc[0] in o.sentences()
    fig = o.plot_segments("store")
    labels = [line.get_label() for ax in fig.axes for line in ax.get_lines()]
    assert "Rule of thumb 80%" in labels and any(lbl.startswith("Sector median") for lbl in labels)
    plt.close("all")
    # a selection below the privacy threshold gets lines but no verdict
    tiny = ca.overview(frame.iloc[:3], benchmarks=bench, freq=None)
    assert tiny.benchmarks is None and tiny.benchmarks_html() is None


# --------------------------------------------------------------------------- the schema key


def test_schema_benchmarks_key_parses_round_trips_and_reaches_the_reports(tmp_path):
    from csat_analysis.schema import read_schema
    from csat_analysis.schema.spec import Benchmark

    path = tmp_path / "schema.yml"
    path.write_text("metrics:\n  csat: {column: sat, scale: [1, 5], top_box: 4}\n"
                    "benchmarks:\n  csat:\n    - {value: 80, label: Rule of thumb, source: CSAT guides}\n"
                    "    - {value: 77, label: Industry index 2025, scale: 0-100 index}\n")
    schema = read_schema(path)
    assert schema.benchmarks["csat"] == (Benchmark(80.0, "Rule of thumb", "CSAT guides"),
                                         Benchmark(77.0, "Industry index 2025", scale="0-100 index"))
    assert read_schema(schema.to_dict()).benchmarks == schema.benchmarks
    export = tmp_path / "export.csv"
    _csat(3339, 4500).rename(columns={"csat": "sat"}).to_csv(export, index=False)
    responses, _ = ca.load_responses(export, path)
    t = compare_to_benchmarks(responses)  # default: the schema's benchmarks
    assert t["label"].tolist() == ["Rule of thumb", "Industry index 2025"] and t["comparable"].tolist() == [True, False]
    assert t["verdict"].iloc[0] == "CSAT 74.2% (95% CI 72.9–75.5) is below the 80% rule of thumb (p < 0.001)."


@pytest.mark.parametrize("raw, match", [
    ({"csat": [{"value": 80}]}, r"schema.yml: benchmarks.csat\[0\].label"),
    ({"csta": [{"value": 80, "label": "x"}]}, "unknown metric"),
    ({"csat": [{"value": True, "label": "x"}]}, "value must be a number"),
    ({"csat": [{"value": 80, "label": "x", "scael": "1-5"}]}, "unknown key"),
])
def test_schema_benchmarks_errors_name_the_file_and_entry(tmp_path, raw, match):
    import yaml

    from csat_analysis import SchemaError
    from csat_analysis.schema import read_schema

    path = tmp_path / "schema.yml"
    path.write_text(yaml.safe_dump({"metrics": {"csat": {"column": "sat", "scale": [1, 5]}}, "benchmarks": raw}))
    with pytest.raises(SchemaError, match=match):
        read_schema(path)


def test_trends_and_overview_reports_render_benchmarks(tmp_path):
    """Rendered notebooks: the verdict in the summary, the benchmark table, and the not-tested reason."""
    import html
    from pathlib import Path

    import yaml

    from csat_analysis import render as rep

    from .conftest import visible_text

    root = Path(__file__).resolve().parents[1]
    frame = _export()
    export = tmp_path / "export.csv"
    pd.DataFrame(frame).rename(columns={"csat": "Overall, how satisfied were you with your visit today? (1-5)",
                                        "store": "Store"}).to_csv(export, index=False)
    schema = {"columns": {"response_id": "response_id", "date": "date", "segments": ["Store"], "weight": "weight"},
              "metrics": {"csat": {"column": "Overall, how satisfied were you with your visit today? (1-5)",
                                   "scale": [1, 5], "top_box": 4}, "nps": {"column": "nps", "scale": [0, 10]}},
              "benchmarks": {"csat": [RULE, INDEX]}}
    path = tmp_path / "schema.yml"
    path.write_text(yaml.safe_dump(schema))
    responses, _ = ca.load_responses(export, path)
    want = compare_to_benchmarks(responses, weights="weight")
    for nb in ("trends", "overview"):
        res = rep.run_report(root / "notebooks" / f"{nb}.ipynb", data=export, schema=path, out=tmp_path / nb)
        assert res.ok, res.error
        text = html.unescape(visible_text(res.html.read_text()))
        assert "Against benchmarks" in text and want["verdict"].iloc[0] in text, nb
        assert "Industry index 2025" in text and "not tested" in text and "Traceback" not in text
