"""csat_analysis: CSAT, NPS and CES with honest uncertainty, for analysts and report batches."""

from . import plots, report  # noqa: E402  (modules used as ca.plots, ca.report)
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
    "plots",
    "report",
]
