"""Issue 29 §1, last bullet: a multi-select exposure question ("How did you hear about our promotions?",
``;``-separated, schema campaign with ``delimiter``) gives one effect per channel chosen by default.

One regression of the outcome on every channel's flag together: each coefficient is that channel's effect
against respondents who did not choose it, holding the other channels fixed (the choices overlap),
Holm-adjusted across the channels, with the joint Wald test; ``variants=False`` pools to "any choice".
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import yaml

from csat_analysis import campaign_effect, load_responses

SAT = ("Overall, how satisfied were you with your last purchase? "
       "(1 = very dissatisfied, 5 = very satisfied)")
HEARD = "How did you hear about our promotions?"
REGION = "Region (shipping address, as in CRM)"
#: true effect of each channel on the CSAT top-2 share, in pp
TRUTH = {"Email newsletter": 8.0, "Social media": 0.0, "Radio": -6.0}


def _export(tmp_path, n=3000, seed=291):
    """A realistic export: long headers, 16 regions, nine days, channels chosen independently (some pick several,
    some none, a few skip the question)."""
    rng = np.random.default_rng(seed)
    chosen = {c: rng.random(n) < p for c, p in zip(TRUTH, (0.45, 0.40, 0.35), strict=True)}
    region = rng.choice([f"Region {i:02d}" for i in range(16)], n)
    prob = 0.55 + sum(chosen[c] * TRUTH[c] / 100 for c in TRUTH) + 0.002 * np.char.count(region.astype(str), "1")
    top = rng.random(n) < prob
    sat = np.where(top, rng.choice([4, 5], n), rng.choice([1, 2, 3], n))
    cells = [";".join(c for c in TRUTH if chosen[c][i]) or "None of these" for i in range(n)]
    cells = [c if rng.random() > 0.02 else "" for c in cells]  # skipped
    day = pd.Timestamp("2025-10-01") + pd.to_timedelta(rng.integers(0, 9, n), unit="D")
    raw = pd.DataFrame({"Respondent ID": [f"R{i:05d}" for i in range(n)],
                        "Completed": day.strftime("%d/%m/%Y"), SAT: sat, HEARD: cells, REGION: region})
    path = tmp_path / "promotions_export.csv"
    raw.to_csv(path, index=False)
    schema = {"columns": {"response_id": "Respondent ID", "date": {"column": "Completed", "format": "%d/%m/%Y"},
                          "segments": [REGION]},
              "metrics": {"csat": {"column": SAT, "scale": [1, 5], "top_box": 4}},
              "campaigns": [{"name": "heard", "column": HEARD, "delimiter": ";", "control": "None of these",
                                         "start": "2025-10-05"}]}
    frame, _ = load_responses(path, schema)
    return frame, path, schema


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    return _export(tmp_path_factory.mktemp("multiexp"))


def test_one_effect_per_channel_by_default(export):
    data = export[0]
    assert {"heard_email_newsletter", "heard_social_media", "heard_radio"} <= set(data.columns)
    r = campaign_effect(data, outcome="csat", campaign="heard", design="exposure")
    assert sorted(r.details["variants"]) == ["email newsletter", "radio", "social media"]  # not "None of these"
    t = r.table.set_index("term")
    for channel, truth in TRUTH.items():
        row = t.loc[channel.lower()]
        assert abs(row["estimate"] - truth) < 3 * row["se"], channel
        assert row["p_adj"] >= row["p"]
    assert t.loc["email newsletter", "p_adj"] < 0.01 and t.loc["radio", "p_adj"] < 0.05
    j = r.details["joint"]
    assert j["df1"] == len(r.table) and 0 <= j["p"] < 0.001
    assert r.details["cov_type"] == "HC1"
    text = r.summary()
    assert "choices overlap" in text and "Holm-adjusted" in text and "Joint test" in text
    assert "email newsletter +" in text and "radio -" in text
    clustered = campaign_effect(data, outcome="csat", campaign="heard", cluster=REGION)
    assert clustered.details["cov_type"] == "cluster"


def test_pooled_any_choice_when_asked(export):
    data = export[0]
    r = campaign_effect(data, outcome="csat", campaign="heard", variants=False)
    assert r.table["term"].tolist() == ["heard (pooled)"]
    assert "pooled" in r.summary() and "any" in r.summary()
    assert any("pooled" in w for w in r.warnings)


def test_did_pools_any_choice_and_says_so(export):
    data = export[0]
    r = campaign_effect(data, outcome="csat", campaign="heard", design="did", group=REGION, freq="D",
                        treated=["Region 00", "Region 01", "Region 02"], event_study=False, inference="cr1")
    assert "any choice" in r.summary()


def test_campaign_report_names_each_channel(export, tmp_path):
    from csat_analysis import render as rep

    _, path, schema = export
    schema_file = tmp_path / "schema.yml"
    schema_file.write_text(yaml.safe_dump(schema, sort_keys=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = rep.run_report("campaign_effects", data=path, schema=schema_file, out=tmp_path / "out")
    html = next((tmp_path / "out").rglob("*.html")).read_text(encoding="utf-8").lower()
    for channel in TRUTH:
        assert channel.lower() in html, channel
    assert "choices overlap" in html and "chosen vs not" in html  # the per-choice rows of the table
    assert out is not None
