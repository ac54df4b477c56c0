"""Issue 27 §3 and §6: schema short labels and SPSS variable labels reach charts and tables; the overview
shows multi-select choice shares."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from csat_analysis.labels import MAX_LABEL, display_label

Q12 = ("12. How would you rate the quality of Starbucks compared to other brands (Coffee Bean, Old Town White "
       "Coffee..) to be:")
Q13 = "13. How would you rate the price range of Starbucks products compared to other coffee chains nearby?"
Q14 = "14. How would you rate the ambiance of the Starbucks stores (music, lighting, seating, cleanliness)?"
Q15 = "15. How would you rate the Wi-Fi and the power outlets available for customers at the store?"
SHORT = {Q12: "Q12 Quality vs others", Q13: "Q13 Price", Q14: "Q14 Ambiance", Q15: "Q15 Wi-Fi"}
CHANNELS = "How do you come to know about Starbucks promotions? (tick all that apply)"


def _forms_export(n: int = 160) -> pd.DataFrame:
    """A Google-Forms-like export: long question headers rated 1-5, a `;` multi-select, nine days of data."""
    rng = np.random.default_rng(27)
    base = rng.integers(1, 6, n)
    items = {q: np.clip(base + rng.integers(-1, 2, n), 1, 5) for q in (Q12, Q13, Q14, Q15)}
    sat = np.clip(np.round(np.mean(list(items.values()), axis=0) + rng.normal(0, 0.5, n)), 1, 5).astype(int)
    days = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 9, n), unit="D")
    choices = np.array(["Social Media", "Starbucks Website/Apps", "In Store displays", "Friends and family",
                        "Emails", "Billboards"])
    picks = []
    for i in range(n):
        k = 1 + i % 3
        chosen = sorted(set(rng.choice(choices[:4], size=k)))
        if i == 0:
            chosen.append("Billboards")  # one respondent: suppressed below privacy_min_n
        picks.append(";".join(chosen))
    return pd.DataFrame({"Timestamp": days.strftime("%Y/%m/%d %I:%M:%S %p"),
                         "1. Your Gender": rng.choice(["Female", "Male"], n),
                         "Overall satisfaction": sat, **items, CHANNELS: picks})


def _schema(**extra) -> dict:
    return {"columns": {"date": "Timestamp", "segments": ["1. Your Gender"], "ratings": [Q12, Q13, Q14, Q15]},
            "metrics": {"csat": {"column": "Overall satisfaction", "scale": [1, 5]}}, **extra}


@pytest.fixture
def forms(tmp_path):
    from csat_analysis.io import load_responses

    path = tmp_path / "forms.csv"
    _forms_export().to_csv(path, index=False)
    df, _ = load_responses(path, _schema(short_labels=SHORT))
    return df


def _texts(fig) -> list[str]:
    out = []
    for ax in fig.axes:
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [t.get_text() for t in ax.texts]
    return [t for t in out if t]


def test_correlation_heatmap_uses_the_schemas_short_labels(forms):
    from csat_analysis.plots import figure_of
    from csat_analysis.reports.correlations import correlation_report

    rep = correlation_report(forms, columns=[Q12, Q13, Q14, Q15], freq=False)
    texts = _texts(figure_of(rep.plot_heatmap()))
    flat = " ".join(texts).replace("\n", " ")
    assert "Q15 Wi-Fi" in flat and "Q12 Quality vs others" in flat, texts
    assert "Q13 Price" in flat and "Q14 Ambiance" in flat
    assert all(len(t.replace("\n", " ")) <= MAX_LABEL for t in texts), texts


def test_drivers_plot_and_table_use_the_schemas_short_labels(forms):
    from csat_analysis.plots import figure_of
    from csat_analysis.reports.drivers import driver_report

    rep = driver_report(forms, outcome="csat", drivers=[Q12, Q13, Q14, Q15], by="1. Your Gender", n_boot=20)
    texts = _texts(figure_of(rep.plot_quadrant()))
    flat = " ".join(texts).replace("\n", " ")
    for label in SHORT.values():
        assert label in flat, texts
    assert all(len(t.replace("\n", " ")) <= MAX_LABEL for t in texts), texts
    seg = " ".join(_texts(figure_of(rep.plot_segments()))).replace("\n", " ")
    assert "Q12 Quality vs others" in seg
    html = rep.table_html()._repr_html_()
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)
    assert "Q12 Quality vs others" in [c.strip() for c in cells], cells
    assert all(len(re.sub(r"<[^>]+>", "", c).strip()) <= MAX_LABEL for c in cells)
    assert not any(q in " ".join(rep.sentences()) for q in SHORT), rep.sentences()  # text: short labels too


# --------------------------------------------------------------------------- SPSS variable labels (§6)

SPSS_Q = {"q12": Q12, "q13": "How would you rate the price range of our products compared to the other coffee chains "
                            "that are near your home or your office?"}


def _sav(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    rng = np.random.default_rng(5)
    n = 80
    frame = pd.DataFrame({"respid": [f"R{i:03d}" for i in range(n)], "sat": rng.integers(1, 6, n).astype(float),
                          "q12": rng.integers(1, 6, n).astype(float), "q13": rng.integers(1, 6, n).astype(float)})
    path = tmp_path / "wave.sav"
    assert all(len(t) >= 80 for t in SPSS_Q.values())
    pyreadstat.write_sav(frame, str(path), column_labels={**SPSS_Q, "sat": "Overall satisfaction"},
                         variable_value_labels={"sat": {1.0: "Very dissatisfied", 2.0: "Dissatisfied",
                                                        3.0: "Neutral", 4.0: "Satisfied", 5.0: "Very satisfied"}})
    return path


def test_spss_variable_labels_give_display_labels(tmp_path):
    from csat_analysis.io import load_responses

    path = _sav(tmp_path)
    df, report = load_responses(path, {"columns": {"response_id": "respid", "ratings": ["q12", "q13"]},
                                       "metrics": {"csat": {"column": "sat"}}})
    labels = {c: display_label(df, c) for c in ("q12", "q13")}
    assert labels["q12"].startswith("Q12 ") and "Quality" in labels["q12"], labels
    assert labels["q13"].startswith("Q13 ") and "Price" in labels["q13"], labels
    assert all(len(v) <= MAX_LABEL for v in labels.values())
    # a short label the schema gives wins over the question text
    df2, _ = load_responses(path, {"columns": {"response_id": "respid", "ratings": ["q12", "q13"]},
                                   "metrics": {"csat": {"column": "sat"}}, "short_labels": {"q12": "Quality"}})
    assert display_label(df2, "q12") == "Quality"


def test_write_schema_on_a_sav_writes_short_labels_from_variable_labels(tmp_path, capsys):
    from csat_analysis._yaml import safe_yaml_load
    from csat_analysis.cli import main

    path = _sav(tmp_path)
    out = tmp_path / "schema.yml"
    main(["validate", "--data", str(path), "--write-schema", str(out)])
    raw = safe_yaml_load(out.read_text())
    labels = raw.get("short_labels") or {}
    assert set(labels) >= {"q12", "q13"}, raw
    assert labels["q12"].startswith("Q12") and all(len(v) <= MAX_LABEL for v in labels.values())


# --------------------------------------------------------------------------- choice shares in the overview (§3)


def _multi_files(tmp_path, *, multi: bool = True):
    import json

    data = tmp_path / "forms.csv"
    _forms_export().to_csv(data, index=False)
    schema = _schema(short_labels=SHORT)
    if multi:
        schema["columns"]["multi"] = [{"column": CHANNELS, "min_n": 1}]  # keep the rare choice as its own
    path = tmp_path / "schema.yml"
    path.write_text(json.dumps(schema))  # JSON is YAML
    return data, path


def test_overview_choice_shares_table_with_privacy(tmp_path):
    from csat_analysis.io import load_responses
    from csat_analysis.reports.overview import overview

    data, schema = _multi_files(tmp_path)
    df, _ = load_responses(data, schema)
    res = overview(df, privacy_min_n=5)
    table = res.choices[CHANNELS]
    assert table.loc[table["choice"] == "Billboards", "suppressed"].item()  # one respondent picked it
    assert table.loc[~table["suppressed"], "share"].sum() > 1  # several choices each
    html = res.choices_html()._repr_html_()
    assert "sum past 100%" in html and "suppressed" in html
    assert "Social Media" in html
    empty = overview(df.drop(columns=[c for c in df.columns if str(c).startswith(CHANNELS)]))
    assert empty.choices == {} and empty.choices_html() is None


def test_overview_report_shows_choice_shares(tmp_path):
    from csat_analysis import render as rep

    from .conftest import visible_text

    data, schema = _multi_files(tmp_path)
    result = rep.run_report("overview", data=data, schema=schema, out=tmp_path / "out")
    assert result.ok, result.error
    text = visible_text(result.html.read_text())
    assert "Choices picked" in text and "sum past 100%" in text
    assert "Social Media" in text and "Starbucks Website/Apps" in text
    assert "suppressed for privacy" in text
    # the section heading says in one sentence why it is not shown without a multi-select question
    data2, schema2 = _multi_files(tmp_path / "plain", multi=False) if (tmp_path / "plain").mkdir() is None else None
    result = rep.run_report("overview", data=data2, schema=schema2, out=tmp_path / "out2")
    assert result.ok, result.error
    text = visible_text(result.html.read_text())
    assert "no multi-select question" in text and "Social Media" not in text


OUTLET = "3. Which Starbucks outlet do you visit most often (the one nearest your home or your office)?"


def test_segment_headings_use_the_schemas_short_labels(tmp_path):
    from csat_analysis.io import load_responses
    from csat_analysis.plots import figure_of
    from csat_analysis.reports.correlations import correlation_report
    from csat_analysis.reports.overview import overview

    frame = _forms_export().rename(columns={"1. Your Gender": OUTLET})
    path = tmp_path / "forms.csv"
    frame.to_csv(path, index=False)
    schema = _schema(short_labels={**SHORT, OUTLET: "Q3 Outlet"})
    schema["columns"]["segments"] = [OUTLET]
    df, _ = load_responses(path, schema)
    res = overview(df, freq=False)
    html = res.segment_table(OUTLET)._repr_html_()
    assert re.search(r"<th[^>]*>\s*Q3 Outlet\s*</th>", html), html
    assert not re.search(r"<th[^>]*>\s*3\. Which", html)  # the full question only in the note under the table
    rep = correlation_report(df, columns=["csat", Q12], by=OUTLET, freq="D", heat_metric="csat")
    ax = rep.plot_segment_heatmap()
    assert figure_of(ax).axes[0].get_ylabel() == "Q3 Outlet"
    assert "Q3 Outlet" in rep.table_html("segments")._repr_html_()
