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
        did = ((cells[True, True].mean() - cells[True, False].mean())
               - (cells[False, True].mean() - cells[False, False].mean()))
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


# --------------------------------------------------------------------------- planted comments (issue 14)


def _planted_theme(comment: str) -> str:
    """The theme a sample comment was generated from: its first sentence is one of the theme's phrasings."""
    from csat_analysis.datasets import COMMENT_THEMES

    hits = {t for t, v in COMMENT_THEMES.items() for tone in ("positive", "negative") for ph in v[tone]
            if comment.startswith(ph)}
    assert len(hits) == 1, comment
    return hits.pop()


@pytest.fixture(scope="module")
def sample():
    frame, _ = load_responses(SAMPLE_DATA, SAMPLE_SCHEMA)
    truth = json.loads((SAMPLE_DATA.parent / "sample_truth.json").read_text())["comments"]
    rows = frame[frame["comment"].notna() & (frame["comment"].str.strip() != "")].copy()
    rows["planted"] = rows["comment"].map(_planted_theme)
    return frame, rows, truth


def test_comments_come_from_their_own_generator(monkeypatch):
    # comments are drawn from np.random.default_rng([seed, 14]): with comments switched off every other
    # column is the same, so adding them changed no score, date, segment, weight or e-mail of the sample
    from csat_analysis import datasets

    with_comments = make_sample(3000, seed=9)
    monkeypatch.setattr(datasets, "_make_comments", lambda frame, latent, has, rng: ([""] * len(frame), {}))
    without = make_sample(3000, seed=9)
    pd.testing.assert_frame_equal(with_comments.drop(columns="comment"), without.drop(columns="comment"))
    assert (with_comments["comment"] != "").mean() == pytest.approx(0.35, abs=0.03)


def test_planted_vocabulary_marks_exactly_its_theme(sample):
    _, rows, truth = sample
    assert len(rows) == truth["n_comments"] == 7124  # 35% of 20,000, as before comments were planted
    for theme, words in truth["vocabulary"].items():
        pattern = r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)"
        uses = rows["comment"].str.contains(pattern, case=False, regex=True)
        assert (uses == (rows["planted"] == theme)).all(), theme


def test_dictionary_themes_recover_the_planted_shares(sample):
    from csat_analysis import comments as cm

    frame, rows, truth = sample
    shares = truth["theme_shares"]
    for by, expected in ((None, {"": shares["overall"]}), ("region", shares["by_region"]),
                         ("channel", shares["by_channel"])):
        table = cm.themes(frame, dictionary=truth["vocabulary"], by=by).table
        for _, row in table.iterrows():
            p = expected[row[by] if by else ""][row["theme"]] / 100
            se = 100 * np.sqrt(p * (1 - p) / row["n"])
            assert abs(row["share"] - 100 * p) < 3.5 * se + 0.05, (by, row.to_dict(), p)
    # the segment effects are large enough to see: billing is about 2.4x as common in the South
    by_region = cm.themes(frame, dictionary=truth["vocabulary"], by="region").table.set_index(["region", "theme"])
    south = by_region.loc[("South", "billing"), "share"]
    assert all(south > 2 * by_region.loc[(r, "billing"), "share"] for r in ("North", "East", "West"))


def test_tone_follows_satisfaction_and_some_comments_carry_contacts(sample):
    from csat_analysis.datasets import COMMENT_THEMES
    from csat_analysis.privacy import mask_contacts

    _, rows, truth = sample
    positive = {ph for v in COMMENT_THEMES.values() for ph in v["positive"]}
    tone = rows["comment"].map(lambda c: any(c.startswith(ph) for ph in positive))
    assert tone.mean() == pytest.approx(truth["tone"]["share_positive"], abs=1e-4)
    rho = stats.spearmanr(tone, rows["csat"].astype(float))[0]
    assert rho == pytest.approx(truth["tone"]["spearman_csat"], abs=0.04)  # population value 0.62
    contact = rows["comment"].str.contains(r"@|\d", regex=True)
    assert contact.sum() == truth["n_with_contact"] and 20 <= contact.sum() <= 60
    masked = rows.loc[contact, "comment"].map(mask_contacts)
    assert not masked.str.contains(r"@|\d", regex=True).any()
