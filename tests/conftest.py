"""Shared fixtures: Agg backend, closed figures, a seeded rng, small canonical response tables."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

REFERENCE = Path(__file__).parent / "reference"
REALDATA = Path(os.environ.get("CSAT_REALDATA", Path(__file__).resolve().parents[1].parent / "shared" / "realdata"))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


@pytest.fixture
def responses(rng):
    """A canonical responses table: 400 rows, two segments, 12 months, weights."""
    n = 400
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 366, n), unit="D")
    frame = pd.DataFrame({
        "response_id": [f"r{i}" for i in range(n)],
        "date": dates,
        "csat": pd.array(rng.choice([1, 2, 3, 4, 5], n, p=[0.05, 0.1, 0.2, 0.4, 0.25]), dtype="Int64"),
        "nps": pd.array(rng.integers(0, 11, n), dtype="Int64"),
        "ces": pd.array(rng.integers(1, 8, n), dtype="Int64"),
        "region": pd.Categorical(rng.choice(["North", "South"], n)),
        "weight": rng.uniform(0.5, 2.0, n),
    })
    return frame.sort_values("date", ignore_index=True)


@pytest.fixture
def responses_missing(responses, rng):
    """The same table with missing scores (NPS 20%, CES 40%)."""
    frame = responses.copy()
    frame.loc[rng.random(len(frame)) < 0.2, "nps"] = pd.NA
    frame.loc[rng.random(len(frame)) < 0.4, "ces"] = pd.NA
    return frame


def realdata(name: str) -> Path:
    """Folder of one shared real export; skips the test when it is absent."""
    path = REALDATA / name
    if not path.is_dir():
        pytest.skip(f"real data {name} not available at {path}")
    return path

# scripts that produced reference values: run by hand, never imported by pytest
collect_ignore = ["reference"]


def visible_text(html: str) -> str:
    """What a reader of a rendered report sees: tags, styles and scripts removed, whitespace collapsed."""
    import re

    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def run_cli(capsys, *args):
    """Run ``csat-report ARGS`` in-process; return (exit status, stdout, stderr)."""
    from csat_analysis.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err
