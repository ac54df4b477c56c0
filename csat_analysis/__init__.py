"""csat_analysis: CSAT, NPS and CES with honest uncertainty, for analysts and report batches."""

from . import comments, plots, report  # noqa: E402  (modules used as ca.comments, ca.plots, ca.report)
from .comments import (
    CommentReport,
    SentimentResult,
    ThemeResult,
    comment_report,
    distinctive_terms,
    sentiment,
    themes,
)
from .correlation import (
    CorrelationReport,
    correlate,
    correlation_matrix,
    correlation_report,
)
from .effects import (
    CampaignReport,
    Effect,
    EffectResult,
    campaign_effect,
    campaign_report,
    compare_effects,
)
from .exceptions import (
    CsatAnalysisError,
    DataError,
    ParameterError,
    ReportError,
    SchemaError,
)
from .io import LoadReport, load_responses, parse_dates
from .keydrivers import DriverReport, driver_report, drivers
from .metrics import (
    Estimate,
    apply_privacy,
    bh_adjust,
    ces,
    compare,
    csat,
    nps,
    summarize,
    wilson_interval,
)
from .overview import Overview, overview
from .planning import mde, sample_size
from .schema import Schema, infer_schema, read_schema
from .trends import TrendReport, trend, trend_digest, trend_report

__version__ = "0.1.0"

__all__ = [
    "CsatAnalysisError",
    "DataError",
    "ParameterError",
    "ReportError",
    "SchemaError",
    "LoadReport",
    "load_responses",
    "parse_dates",
    "Schema",
    "read_schema",
    "infer_schema",
    "Estimate",
    "csat",
    "nps",
    "ces",
    "summarize",
    "compare",
    "apply_privacy",
    "bh_adjust",
    "wilson_interval",
    "overview",
    "Overview",
    "correlate",
    "correlation_matrix",
    "correlation_report",
    "CorrelationReport",
    "drivers",
    "driver_report",
    "DriverReport",
    "campaign_effect",
    "compare_effects",
    "campaign_report",
    "CampaignReport",
    "Effect",
    "EffectResult",
    "trend",
    "trend_digest",
    "trend_report",
    "TrendReport",
    "sample_size",
    "mde",
    "sentiment",
    "themes",
    "distinctive_terms",
    "comment_report",
    "SentimentResult",
    "ThemeResult",
    "CommentReport",
    "plots",
    "report",
]
