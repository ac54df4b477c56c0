"""Weighting cannot amplify a small group (issue 30, §2), and raking merges are linear in the levels (§4)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csat_analysis.config import MAX_WEIGHT_SHARE, MIN_EFFECTIVE_N
from csat_analysis.metrics import estimate
from csat_analysis.responses import with_schema
from csat_analysis.weighting import header_note, population_weights, rake

TINY_AT_50 = {"region": {"A": 0.25, "B": 0.25, "Tiny": 0.5}}


def export_60() -> pd.DataFrame:
    """The issue's export: region A 30, B 27, Tiny 3 (Tiny all dissatisfied)."""
    return pd.DataFrame({
        "response_id": [f"R{i:03d}" for i in range(60)],
        "region": ["A"] * 30 + ["B"] * 27 + ["Tiny"] * 3,
        "csat": [5] * 20 + [2] * 10 + [4] * 21 + [1] * 6 + [2, 1, 3],
        "nps": [10] * 12 + [8] * 8 + [3] * 10 + [9] * 15 + [5] * 12 + [10, 9, 4],
        "ces": [6] * 15 + [3] * 15 + [5] * 20 + [2] * 7 + [5, 4, 4],
    })


def test_tiny_at_50_percent_is_merged_not_amplified():
    data = export_60()
    r = rake(data, TINY_AT_50, by="region")
    merged = next(level for level in r.table["level"] if "Tiny" in level)
    partner = merged.replace(" + Tiny", "").replace("Tiny + ", "")
    other = ({"A", "B"} - {partner}).pop()
    assert partner in {"A", "B"} and "Tiny" not in set(r.table["level"])
    assert any("Fewer than 5 respondents have region = 'Tiny'" in w and repr(merged) in w for w in r.warnings)
    w = r.weights.to_numpy()
    tiny = (data["region"] == "Tiny").to_numpy()
    mate, rest = (data["region"] == partner).to_numpy(), (data["region"] == other).to_numpy()
    # Tiny's answers enter only pooled with its partner's, each with a partner's weight: the weighted Total
    # is 0.25 other + 0.75 (partner and Tiny pooled), which gives no Tiny score back
    np.testing.assert_allclose(w[tiny], w[mate][0])
    assert w.max() / w.sum() <= MAX_WEIGHT_SHARE + 1e-12
    for metric in ("csat", "nps", "ces"):
        total = estimate(metric, data, weights=r).score
        alone = estimate(metric, data[rest]).score
        pooled = estimate(metric, data[~rest]).score
        assert total == pytest.approx(0.25 * alone + 0.75 * pooled)
        # the derivation, (Total - 0.25 A - 0.25 B) / 0.5, no longer gives Tiny's score
        a, b = (estimate(metric, data[data["region"] == x]).score for x in "AB")
        assert (total - 0.25 * a - 0.25 * b) / 0.5 != pytest.approx(estimate(metric, data[tiny]).score)


def test_one_respondent_never_carries_a_large_share_and_is_named():
    data = pd.DataFrame({"response_id": [f"R{i:03d}" for i in range(200)],
                         "plan": ["rare"] * 6 + ["common"] * 194, "csat": [1] * 6 + [5] * 194})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the margins can't be met under the cap: said in .warnings
        r = rake(data, {"plan": {"rare": 0.6, "common": 0.4}}, by="plan")
    share = r.weights / r.weights.sum()
    assert share.max() <= MAX_WEIGHT_SHARE + 1e-9  # 6 people would each carry 10%
    assert any("capped at 5.0%" in w and "R000" in w for w in r.warnings)
    uncapped = rake(data, {"plan": {"rare": 0.6, "common": 0.4}}, by="plan", max_share=None)
    assert (uncapped.weights / uncapped.weights.sum()).max() == pytest.approx(0.1)


def test_extreme_design_effect_shows_unweighted_scores_and_says_why():
    data = export_60().head(24)  # A 24: an effective n below 30 whatever the weights
    data["plan"] = ["x", "y"] * 12
    frame = with_schema(data, {"columns": {"segments": ["plan"]}, "margins": {"plan": {"x": 0.9, "y": 0.1}}})
    assert population_weights(frame) is None
    note = header_note(frame)
    assert f"fewer than {MIN_EFFECTIVE_N}" in note and "shows unweighted scores" in note
    from csat_analysis.render import resolve

    assert resolve(frame, weights=None).weights is None


def test_many_rare_levels_merge_in_linear_work():
    """20,000 levels with one customer each: one merged group, short warnings (no growing label per merge)."""
    rng = np.random.default_rng(3)
    levels = [f"L{i:05d}" for i in range(20_000)]
    population = pd.DataFrame({"branch": levels + ["Main"] * 20_000})
    data = pd.DataFrame({"branch": list(rng.choice(levels, 300)) + ["Main"] * 700})
    r = rake(data, population, by="branch")
    assert len(r.table) == 1  # every rare branch merged into the one branch with enough respondents
    assert sum(len(w) for w in r.warnings) < 2_000  # was one warning per merge, each naming the growing group
    assert max(len(level) for level in r.table["level"]) < 200


def test_customer_table_symlink_is_not_followed_and_errors_quote_no_content(tmp_path):
    from csat_analysis.exceptions import DataError

    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:SECRET-FIRST-LINE\n1\n")
    link = tmp_path / "customers.csv"
    link.symlink_to(secret)
    data = export_60()
    with pytest.raises(DataError, match="symbolic link") as err:
        rake(data, link, by="region")
    assert "SECRET" not in str(err.value)
    with pytest.raises(DataError, match=r"has no column 'region'") as err:
        rake(data, secret, by="region")  # a wrong file: its header is not quoted back
    assert "SECRET" not in str(err.value)


def test_by_values_are_nfc_and_a_blank_is_an_error():
    import unicodedata

    from csat_analysis.exceptions import DataError, ParameterError

    data = export_60()
    data["region"] = data["region"].replace({"A": unicodedata.normalize("NFD", "Nörth")})
    margins = {"region": {unicodedata.normalize("NFC", "Nörth"): 0.5, "B": 0.3, "Tiny": 0.2}}
    r = rake(data, margins, by="region")  # was: "does not have 'Nörth'. Did you mean 'Nörth'?"
    assert unicodedata.normalize("NFC", "Nörth") in set(r.table["level"])
    blank = export_60()
    blank.loc[:4, "region"] = "  "
    with pytest.raises(DataError, match=r"5 blank value\(s\)"):
        rake(blank, {"region": {"A": 0.5, "B": 0.3, "Tiny": 0.2}}, by="region")
    population = pd.DataFrame({"region": ["A"] * 50 + ["B"] * 40 + ["Tiny"] * 5 + [""] * 5})
    with pytest.raises(DataError, match=r"blank value"):
        rake(export_60(), population, by="region")
    with pytest.raises(ParameterError, match="blank level"):
        rake(export_60(), {"region": {"A": 0.5, "B": 0.3, "Tiny": 0.1, " ": 0.1}}, by="region")


def test_joined_customer_table_symlink_is_not_followed_and_errors_quote_no_content(tmp_path):
    """Issue 30 §5 for the customer tables of `customers:` (issue 27) too: a link is refused, and an unreadable
    table is named, never quoted."""
    import yaml

    from csat_analysis import load_responses
    from csat_analysis.exceptions import DataError

    pd.DataFrame({"Customer ID": ["a", "b", "c"], "csat": [5, 4, 2]}).to_csv(tmp_path / "survey.csv", index=False)
    secret = tmp_path / "secret.csv"
    secret.write_text("root:x:0:0:SECRET-FIRST-LINE\n")
    (tmp_path / "crm.csv").symlink_to(secret)
    schema = {"columns": {"customer_id": "Customer ID"}, "metrics": {"csat": "csat"},
              "customers": [{"file": "crm.csv", "on": "Customer ID"}]}
    (tmp_path / "s.yml").write_text(yaml.safe_dump(schema))
    with pytest.raises(DataError, match="symbolic link") as err:
        load_responses(tmp_path / "survey.csv", tmp_path / "s.yml")
    assert "SECRET" not in str(err.value)
    (tmp_path / "crm.csv").unlink()
    (tmp_path / "crm.csv").write_bytes(b"\x00\x01\x02SECRET-FIRST-LINE\xff\xfe")
    with pytest.raises(Exception) as err:  # whatever the reader makes of it, the content is not echoed
        load_responses(tmp_path / "survey.csv", tmp_path / "s.yml")
    assert "SECRET" not in str(err.value)
