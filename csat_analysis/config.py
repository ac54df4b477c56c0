"""Where things live: every path the package builds starts here."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "NOTEBOOK_DIR",
    "DATA_DIR",
    "REPORT_DIR",
    "SAMPLE_DATA",
    "SAMPLE_SCHEMA_FILE",
    "KERNEL_NAME",
    "REPORT_NOTEBOOKS",
    "KERNEL_PRELOAD",
]

#: The project checkout (the package is installed in editable mode by ``make``).
PROJECT_ROOT = Path(os.environ.get("CSAT_ANALYSIS_ROOT", Path(__file__).resolve().parents[1]))
NOTEBOOK_DIR = PROJECT_ROOT / "notebooks"
DATA_DIR = PROJECT_ROOT / "data"
REPORT_DIR = PROJECT_ROOT / "reports"
SAMPLE_DATA = DATA_DIR / "sample_responses.csv"
SAMPLE_SCHEMA_FILE = DATA_DIR / "sample_schema.yml"
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
#: The Jupyter kernel registered by ``make`` (``python -m ipykernel install --sys-prefix``).
KERNEL_NAME = "csat-analysis"
#: The report notebooks rendered by ``csat-report demo``, in order.
REPORT_NOTEBOOKS = ("overview", "trends", "correlations", "campaign_effects", "drivers", "comments", "health")
#: Modules a report's kernel imports as soon as it starts, while the parent process still checks the data
#: and loads papermill (see :class:`csat_analysis.kernel.ReportKernel`): what every report notebook uses, so
#: that no kernel imports anything its notebook would not.  The package modules a notebook names are added.
KERNEL_PRELOAD = ("pandas", "matplotlib.pyplot", "csat_analysis.io", "csat_analysis.render", "csat_analysis.plots")

# ------------------------------------------------------------------ limits (SECURITY.md names each one)
#: Groups with fewer responses show no score in shared reports (the reports' ``privacy_min_n`` default).
PRIVACY_MIN_N = 5
#: Raking: a level with fewer respondents than this is merged with a neighbour before raking, so that a few
#: answers are never weighted up to a large share of the customer base.
RAKE_MIN_LEVEL_N = PRIVACY_MIN_N
#: Raking: no respondent carries more than this share of the total weight (larger weights are capped, and named).
MAX_WEIGHT_SHARE = 0.05
#: Raking: below this effective sample size a report shows unweighted scores and says why.
MIN_EFFECTIVE_N = 30
#: Loading: a comment longer than this is cut to this many characters, with a warning in the load report.
MAX_COMMENT_CHARS = 10_000
#: Loading an .xlsx: at most this many bytes once unzipped (all parts), checked from the zip before openpyxl parses.
MAX_XLSX_UNCOMPRESSED = 1 << 30
#: Loading an .xlsx: at most this many shared strings (distinct texts), counted from the zip before openpyxl parses.
MAX_XLSX_SHARED_STRINGS = 5_000_000
#: Schema: at most this many missing_values codes (100,000 crashed pyarrow's CSV reader).
MAX_MISSING_VALUES = 1_000
#: Schema: at most this many segment columns (10,000 segments kept a report busy for ten minutes).
MAX_SEGMENT_COLUMNS = 50
#: Loading: a segment column with more distinct values than this is a schema error (it is an id or free text).
MAX_SEGMENT_LEVELS = 1_000
