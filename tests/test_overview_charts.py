"""The overview's charts laid out without a layout engine (:func:`csat_analysis.plots.row_layout`) and drawn once
(:class:`~csat_analysis.plots.Rendered`): every label inside the image, no panel's labels over another panel."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
import pytest
from PIL import Image

import csat_analysis as ca
from csat_analysis.plots import Rendered
from csat_analysis.responses import with_schema

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def result():
    """16 segments, some with long names, nine days of answers (shaped like a real export)."""
    rng = np.random.default_rng(4)
    n = 3000
    levels = [f"Region {i:02d} — a rather long business-unit name" if i % 3 == 0 else f"R{i}" for i in range(16)]
    frame = pd.DataFrame({"csat": rng.integers(1, 6, n), "nps": rng.integers(0, 11, n), "ces": rng.integers(1, 8, n),
                          "region": rng.choice(levels, n),
                          "date": pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 9, n), "D")})
    frame = with_schema(frame, {"columns": {"segments": ["region"], "date": "date"},
                                "metrics": {"csat": {"scale": [1, 5], "top_box": 4}, "nps": {},
                                            "ces": {"scale": [1, 7]}}})
    ca.plots.set_style()
    return ca.overview(frame, freq=None)


def _inside_and_apart(fig) -> None:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    panels = []
    for ax in fig.axes:
        tight = ax.get_tightbbox(renderer)
        assert tight.x0 >= box.x0 - 1 and tight.x1 <= box.x1 + 1 and tight.y0 >= box.y0 - 1 and tight.y1 <= box.y1 + 1
        panels.append(tight)
    for i, a in enumerate(panels):  # side by side or stacked, no panel's labels run into another panel's
        for b in panels[i + 1:]:
            assert a.x1 <= b.x0 + 1 or b.x1 <= a.x0 + 1 or a.y1 <= b.y0 + 1 or b.y1 <= a.y0 + 1


def test_segment_chart_fits_long_labels(result):
    fig = result.plot_segments("region")
    assert len(fig.axes) == 3
    _inside_and_apart(fig)
    labels = {t.get_text().replace("\n", " ").split("  (n=")[0] for t in fig.axes[0].get_yticklabels()}
    assert labels == set(result.segments["region"]["region"].astype(str))  # every segment shown


def test_distribution_chart_fits(result):
    _inside_and_apart(result.plot_distributions())


def test_rendered_figure_shows_as_the_figure_would(result):
    fig = result.plot_segments("region")
    text = repr(fig)
    shown = Rendered(fig)
    assert repr(shown) == text and text.startswith("<Figure size")
    image = Image.open(io.BytesIO(shown._repr_png_()))
    assert image.format == "PNG" and image.size == tuple(round(v) for v in fig.get_size_inches() * fig.dpi)
    assert not matplotlib.pyplot.fignum_exists(fig.number)  # closed once drawn
