"""Exports shaped like the real ones of issue 28, built in a test's tmp_path (no real data in the repo).

:func:`write_messy_export` writes a CSV and schema with Google-Forms-long question headers,
16+ segments with long names, ``;`` multi-select answers, comments and nine days of dates
(or one day: one period).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

LONG_RATINGS = [
    "How satisfied were you with the speed at which our support team responded to your first message?",
    "How would you rate the friendliness and professionalism of the agent who handled your request today?",
    "How easy was it to find the information you needed on our website before contacting us at all?",
    "Overall, how well did the resolution we offered match what you expected when you first got in touch?",
]


def write_messy_export(folder: Path, *, days: int = 9, n: int = 1200, segments: int = 17, seed: int = 0
                       ) -> tuple[Path, Path]:
    """A CSV export and its schema: long headers and labels, ``segments`` segments, ``days`` days of answers."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    first = pd.Timestamp("2017-03-01")
    seg_names = [f"Customer support region number {i:02d} (including the outlying partner offices)"
                 for i in range(segments)]
    csat = rng.integers(1, 6, n)
    frame = pd.DataFrame({
        "Timestamp": (first + pd.to_timedelta(rng.integers(0, days, n), unit="D")).strftime("%Y-%m-%d"),
        "Which region of our customer support network handled your most recent enquiry?":
            rng.choice(seg_names, n),
        "Plan": rng.choice(["Basic", "Plus"], n),
        "Overall, how satisfied are you with the service you received from us this time?": csat,
        "How likely is it that you would recommend us to a friend or colleague?":
            np.clip(csat * 2 + rng.integers(-2, 2, n), 0, 10),
        "How much effort did you personally have to put forth to handle your request?": rng.integers(1, 8, n),
        **{q: np.clip(csat + rng.integers(-1, 2, n), 1, 5) for q in LONG_RATINGS},
        "Anything else you would like to tell us?": rng.choice(
            ["The agent was friendly and solved everything quickly", "Waited far too long on hold, very slow",
             "Website was confusing and the form kept failing", "", "Great service, thanks"], n),
        "Which channels have you used to contact us? (select all that apply)": rng.choice(
            ["Phone;Email", "Chat", "Email;Chat;Phone", "Social media", ""], n),
    })
    data = folder / "messy_export.csv"
    frame.to_csv(data, index=False)
    region = "Which region of our customer support network handled your most recent enquiry?"
    schema = folder / "messy_schema.yml"
    lines = [
        "columns:",
        "  date:",
        "    column: Timestamp",
        "    format: '%Y-%m-%d'",
        "  segments:",
        f"  - \"{region}\"",
        "  - Plan",
        "  comment: \"Anything else you would like to tell us?\"",
        "  ratings:",
        *[f"  - \"{q}\"" for q in LONG_RATINGS],
        "metrics:",
        "  csat:",
        "    column: \"Overall, how satisfied are you with the service you received from us this time?\"",
        "    scale: [1, 5]",
        "    top_box: 4",
        "  nps:",
        "    column: \"How likely is it that you would recommend us to a friend or colleague?\"",
        "    scale: [0, 10]",
        "  ces:",
        "    column: \"How much effort did you personally have to put forth to handle your request?\"",
        "    scale: [1, 7]",
        "    top_box: 5",
    ]
    schema.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return data, schema
