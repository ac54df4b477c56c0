"""Issue 28 §1: figures keep their text inside, heatmap numbers fit their cells, pages fit 1300 px and print.

Exports shaped like the real ones (long Google-Forms questions, 17 segments with long names,
nine days of answers, one period) are built in tmp_path by :mod:`tests.messy_exports`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat_analysis import plots

from .messy_exports import write_messy_export
from .notebook_inprocess import outside_text, run_notebook


@pytest.fixture(scope="module")
def nine_days(tmp_path_factory):
    return write_messy_export(tmp_path_factory.mktemp("nine_days"), days=9)


@pytest.mark.parametrize("notebook", ["overview", "trends", "correlations", "comments", "drivers"])
def test_no_text_outside_any_figure_of_a_report_on_a_messy_export(nine_days, notebook):
    data, schema = nine_days
    run = run_notebook(notebook, data_path=str(data), schema_path=str(schema))
    assert run["figures"], "the report drew no figure"
    assert run["problems"] == []
    assert max(w for w, _ in run["figures"]) <= 14.05  # no figure wider than 14 inches (then shrunk on the page)


def test_many_long_levels_stay_readable():
    levels = [f"Level {i:02d}: " + "a very long answer option copied from the questionnaire " * 2 for i in range(32)]
    table = pd.DataFrame({"seg": levels, "metric": "csat", "score": np.linspace(40, 80, 32), "ci_low": 35.0,
                          "ci_high": 85.0, "low_n": False, "n": 100})
    ax = plots.plot_scores(table, metric="csat", by="seg")
    fig = ax.figure
    assert outside_text(fig) == []
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert all(max(len(line) for line in text.split("\n")) <= plots.LABEL_WIDTH + 2 for text in labels)
    lines = max(t.count("\n") + 1 for t in labels)
    inches_per_label = ax.get_position().height * fig.get_size_inches()[1] / len(labels)
    assert inches_per_label >= lines * 8 * 1.2 / 72  # wrapped labels do not overlap: the figure grew


def _correlations(k: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    items = [f"Question {i}: how satisfied were you with part {i} of the service" for i in range(k)]
    rows = [{"x": a, "y": b, "r": rng.uniform(-1, 1), "p_adj": 0.01, "method": "spearman", "n": 100}
            for i, a in enumerate(items) for b in items[i + 1:]]
    return pd.DataFrame(rows)


def test_heatmap_numbers_are_sized_to_their_cells_or_left_off():
    from csat_analysis.correlation import correlation_matrix  # noqa: F401  (the table shape it reads)

    small = plots.plot_correlation_heatmap(_correlations(4))
    shown = [t for t in small.texts if t.get_visible() and t.get_text()]
    assert shown and all(t.get_fontsize() >= plots.MIN_ANNOTATION_PT for t in shown)
    assert outside_text(small.figure) == []
    big = plots.plot_correlation_heatmap(_correlations(30))
    assert not [t for t in big.texts if t.get_visible() and t.get_text()]  # 29 x 29 cells: no numbers over each other
    assert "see the table" in big.get_title(loc="right")
    assert big.figure.get_size_inches()[0] <= 14.05 and outside_text(big.figure) == []


@pytest.fixture(scope="module")
def rendered_pages(tmp_path_factory, nine_days):
    """Reports rendered by csat-report on the nine-day export, and trends on a one-day (one period) export."""
    from csat_analysis.cli import main

    out = tmp_path_factory.mktemp("pages")
    data, schema = nine_days
    one_data, one_schema = write_messy_export(tmp_path_factory.mktemp("one_day"), days=1, n=400)
    pages = []
    for notebook, d, s in [("overview", data, schema), ("correlations", data, schema), ("drivers", data, schema),
                           ("comments", data, schema), ("trends", one_data, one_schema)]:
        assert main(["run", notebook, "--data", str(d), "--schema", str(s), "--out", str(out)]) == 0
        pages.append(out / f"{notebook}.html")
    return pages


@pytest.mark.slow
def test_pages_fit_1300_px_and_print_in_chromium(rendered_pages):
    """No page wider than the window; no table or figure sticks out of its box; wide tables scroll, first column
    fixed."""
    from .chromium_layout import CHROMIUM, Chromium

    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    browser = Chromium()
    try:
        for page in rendered_pages:
            for media, width in (("screen", 1300), ("print", 794)):  # A4 at 96 dpi
                got = browser.measure(page, media=media, width=width)
                assert got["scrollWidth"] <= width, (page.name, media, got)
                assert got["overflow"] == [], (page.name, media, got["overflow"])
                if media == "screen":
                    assert all(box["sticky"] for box in got["scrollBoxes"]), (page.name, got["scrollBoxes"])
                else:
                    assert got["scrollBoxes"] == [], (page.name, "paper cannot scroll", got["scrollBoxes"])
    finally:
        browser.close()


def test_one_period_trends_page_says_it_once(tmp_path):
    from csat_analysis import render as rep

    data, schema = write_messy_export(tmp_path / "one_day", days=1, n=400)
    result = rep.run_report("trends", data=data, schema=schema, out=tmp_path / "out")
    page = result.html.read_text(encoding="utf-8")
    assert page.count("Only one period with answers") == 1
    assert "No change between consecutive periods" not in page
    assert "daily, chosen from the dates: the answers span 1 day" in page
