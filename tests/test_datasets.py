"""The sample generator: determinism, ranges, and that its documented truth is what the data shows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csat_analysis import ParameterError, load_responses, summarize
from csat_analysis.config import SAMPLE_DATA, SAMPLE_SCHEMA_FILE
from csat_analysis.datasets import SAMPLE_SCHEMA, TREATED_REGIONS, make_sample, write_sample


@pytest.fixture(scope="module")
def big():
    return make_sample(60_000, seed=11, return_truth=True)


def test_deterministic_for_a_seed():
    a = make_sample(300, seed=5)
    b = make_sample(300, seed=5)
    c = make_sample(300, seed=6)
    pd.testing.assert_frame_equal(a, b)
    assert not a["satisfaction"].equals(c["satisfaction"])


def test_value_ranges_and_columns():
    df = make_sample(2000, seed=3)
    assert df["satisfaction"].between(1, 5).all()
    assert df["likelihood_to_recommend"].dropna().between(0, 10).all()
    assert df["effort"].dropna().between(1, 7).all()
    assert (df["weight"] > 0).all() and df["weight"].mean() == pytest.approx(1, abs=0.01)
    assert set(df["offer"]) == {"None", "Spring promo"}
    assert df["response_id"].is_unique
    dates = pd.to_datetime(df["submitted"])
    assert dates.min() >= pd.Timestamp("2024-01-01") and dates.max() <= pd.Timestamp("2025-06-30")
    assert set(df.loc[df["offer"] == "Spring promo", "region"]) <= set(TREATED_REGIONS)


def test_documented_effects_show_in_the_data(big):
    df, truth = big
    frame, _ = load_responses(df, SAMPLE_SCHEMA)
    # the exposed responses against the same respondents' expected scores without the campaign are not
    # observable, but the truth is an exact average of closed-form expectations, so the raw difference of the
    # exposed vs the unexposed in the same regions *before* the campaign, minus the same difference among the
    # control regions (a DiD of means), must fall within sampling error of it.
    treated = frame["region"].isin(TREATED_REGIONS)
    post = frame["date"] >= pd.Timestamp(truth.start)
    for metric, column in (("csat_mean", "csat"), ("nps", "nps"), ("ces", "ces")):
        if metric == "nps":
            v = frame[column].astype(float)
            y = np.where(v >= 9, 100.0, np.where(v <= 6, -100.0, 0.0))
            y[v.isna()] = np.nan
            y = pd.Series(y)
        else:
            y = frame[column].astype(float)
        cells = {(t, p): y[(treated == t) & (post == p)].dropna() for t in (True, False) for p in (True, False)}
        did = (cells[True, True].mean() - cells[True, False].mean()) - (cells[False, True].mean() - cells[False, False].mean())
        se = np.sqrt(sum(c.var() / len(c) for c in cells.values()))
        assert abs(did - truth.effects[metric]) < 3.5 * se, (metric, did, truth.effects[metric], se)
        assert truth.effects[metric] > 0


def test_documented_correlations_and_levels(big):
    df, truth = big
    frame, _ = load_responses(df, SAMPLE_SCHEMA)
    both = frame[["csat", "nps"]].dropna().astype(float)
    rho = stats.spearmanr(both["csat"], both["nps"])[0]
    assert rho == pytest.approx(truth.correlations["spearman"]["csat~nps"], abs=0.02)
    overall = summarize(frame, metrics=["csat", "csat_mean"]).set_index("metric")["score"]
    assert overall["csat"] == pytest.approx(truth.expected["csat"], abs=1.0)
    assert overall["csat_mean"] == pytest.approx(truth.expected["csat_mean"], abs=0.03)


def test_bundled_sample_is_what_the_generator_writes(tmp_path):
    paths = write_sample(tmp_path / "sample_responses.csv", 20_000, seed=2024)
    assert paths["data"].read_bytes() == SAMPLE_DATA.read_bytes()
    assert paths["schema"].read_text() == SAMPLE_SCHEMA_FILE.read_text()
    truth = json.loads(paths["truth"].read_text())
    assert truth == json.loads((SAMPLE_DATA.parent / "sample_truth.json").read_text())


@pytest.mark.parametrize("rows", [0, -5, 2.5, "10"])
def test_bad_row_counts(rows):
    with pytest.raises(ParameterError, match="positive whole number"):
        make_sample(rows)
