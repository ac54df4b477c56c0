"""csat_analysis: CSAT, NPS and CES with honest uncertainty, for analysts and report batches.

Names are imported when first used (PEP 562), so ``import csat_analysis`` and the
``csat-report`` command start fast: matplotlib, seaborn, scikit-learn and statsmodels
load only when a function that needs them is called.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> the module that defines it
_EXPORTS = {
    "rake": "weighting",
    "RakeResult": "weighting",
    "response_bias": "weighting",
    "ResponseBias": "weighting",
    "CsatAnalysisError": "exceptions",
    "DataError": "exceptions",
    "ParameterError": "exceptions",
    "ReportError": "exceptions",
    "SchemaError": "exceptions",
    "LoadReport": "io",
    "load_responses": "io",
    "parse_dates": "dates",
    "Responses": "responses",
    "with_schema": "responses",
    "schema_of": "responses",
    "Schema": "schema",
    "read_schema": "schema",
    "infer_schema": "schema",
    "Estimate": "metrics",
    "csat": "metrics",
    "nps": "metrics",
    "ces": "metrics",
    "summarize": "metrics",
    "compare": "metrics",
    "apply_privacy": "metrics",
    "bh_adjust": "metrics",
    "wilson_interval": "metrics",
    "fine_cells": "cells",
    "Cells": "cells",
    "choose_freq": "cells",
    "PeriodChoice": "cells",
    "overview": "reports.overview",
    "Overview": "reports.overview",
    "correlate": "correlation",
    "correlation_matrix": "correlation",
    "correlation_report": "reports.correlations",
    "CorrelationReport": "reports.correlations",
    "drivers": "keydrivers",
    "driver_report": "reports.drivers",
    "DriverReport": "reports.drivers",
    "campaign_effect": "effects",
    "compare_effects": "effects",
    "campaign_report": "reports.campaign",
    "CampaignReport": "reports.campaign",
    "Effect": "effects",
    "EffectResult": "effects",
    "trend": "trends",
    "trend_digest": "trends",
    "trend_report": "reports.trends",
    "TrendReport": "reports.trends",
    "sample_size": "planning",
    "mde": "planning",
    "sentiment": "comments",
    "themes": "comments",
    "distinctive_terms": "comments",
    "comment_report": "reports.comments",
    "SentimentResult": "comments",
    "ThemeResult": "comments",
    "CommentReport": "reports.comments",
    "health_score": "health",
    "HealthResult": "health",
    "risk_model": "health",
    "RiskResult": "health",
    "validate_score": "health",
    "ScoreValidation": "health",
    "satisfaction_worth": "health",
    "WorthResult": "health",
    "health_report": "reports.health",
    "HealthReport": "reports.health",
    "crosstab": "crosstab",
    "Crosstab": "crosstab",
    "pairwise": "metrics",
    "from_ibis": "backends",
    "scan": "backends",
    "WarehouseTable": "backends",
}
#: submodules used as attributes (``ca.plots.set_style()``, ``ca.render.section(...)``)
_MODULES = ('health', 'comments', 'plots', 'render', 'config', 'datasets', 'metrics', 'trends', 'effects', 'io', 'schema', 'privacy', 'planning', 'narrative', 'keydrivers', 'correlation', 'reports', 'exceptions', 'crosstab', 'export', 'weighting', 'backends', 'cells', 'registry')

__all__ = [
    "from_ibis",
    "scan",
    "WarehouseTable",
    "rake",
    "RakeResult",
    "response_bias",
    "ResponseBias",
    "CsatAnalysisError",
    "DataError",
    "ParameterError",
    "ReportError",
    "SchemaError",
    "LoadReport",
    "load_responses",
    "parse_dates",
    "Responses",
    "with_schema",
    "schema_of",
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
    "fine_cells",
    "Cells",
    "choose_freq",
    "PeriodChoice",
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
    "health_score",
    "HealthResult",
    "risk_model",
    "RiskResult",
    "validate_score",
    "ScoreValidation",
    "satisfaction_worth",
    "WorthResult",
    "health_report",
    "HealthReport",
    "crosstab",
    "Crosstab",
    "pairwise",
    "plots",
    "render",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    elif name in _MODULES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'csat_analysis' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_MODULES))


if TYPE_CHECKING:  # static analysers and IDEs see the names as ordinary imports
    from . import comments, plots, render  # noqa: F401
    from .cells import Cells, PeriodChoice, choose_freq, fine_cells  # noqa: F401
    from .comments import (  # noqa: F401
        CommentReport,
        SentimentResult,
        ThemeResult,
        comment_report,
        distinctive_terms,
        sentiment,
        themes,
    )
    from .correlation import CorrelationReport, correlate, correlation_matrix, correlation_report  # noqa: F401
    from .crosstab import Crosstab, crosstab  # noqa: F401
    from .dates import parse_dates  # noqa: F401
    from .effects import CampaignReport, Effect, EffectResult, campaign_effect, campaign_report, compare_effects  # noqa: F401
    from .exceptions import CsatAnalysisError, DataError, ParameterError, ReportError, SchemaError  # noqa: F401
    from .health import (  # noqa: F401
        HealthReport,
        HealthResult,
        RiskResult,
        ScoreValidation,
        WorthResult,
        health_report,
        health_score,
        risk_model,
        satisfaction_worth,
        validate_score,
    )
    from .io import LoadReport, load_responses  # noqa: F401
    from .keydrivers import DriverReport, driver_report, drivers  # noqa: F401
    from .metrics import (  # noqa: F401
        Estimate,
        apply_privacy,
        bh_adjust,
        ces,
        compare,
        csat,
        nps,
        pairwise,
        summarize,
        wilson_interval,
    )
    from .overview import Overview, overview  # noqa: F401
    from .planning import mde, sample_size  # noqa: F401
    from .responses import Responses, schema_of, with_schema  # noqa: F401
    from .schema import Schema, infer_schema, read_schema  # noqa: F401
    from .trends import TrendReport, trend, trend_digest, trend_report  # noqa: F401
    from .weighting import RakeResult, ResponseBias, rake, response_bias  # noqa: F401
