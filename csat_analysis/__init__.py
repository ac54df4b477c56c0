"""csat_analysis: CSAT, NPS and CES with honest uncertainty, for analysts and report batches.

Names are imported when first used (PEP 562), so ``import csat_analysis`` and the
``csat-report`` command start fast: matplotlib, seaborn, scikit-learn and statsmodels
load only when a function that needs them is called.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from ._exports import EXPORTS as _EXPORTS
from ._exports import MODULES as _MODULES

__version__ = "0.1.0"

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
    "planned_margin",
    "compare_to_benchmarks",
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


class _Package(types.ModuleType):
    """The package's module type: an exported function keeps its name when its same-named module is imported.

    ``ca.crosstab`` is the function :func:`~csat_analysis.crosstab.crosstab`, defined in the module
    ``csat_analysis.crosstab``.  Importing that module (``from csat_analysis.crosstab import Crosstab``,
    ``ca.Crosstab``, a report computing its banner table) makes the import system bind the module to the
    package's attribute ``crosstab``; this binds the function instead.  The module stays importable as
    ``sys.modules["csat_analysis.crosstab"]`` and with ``from csat_analysis.crosstab import ...``.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if (isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name
                and value.__name__ == f"{self.__name__}.{name}" and hasattr(value, name)):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


if TYPE_CHECKING:  # static analysers and IDEs see the names as ordinary imports (tests/test_packaging.py)
    from . import comments, plots, render  # noqa: F401
    from .backends import WarehouseTable, from_ibis, scan  # noqa: F401
    from .benchmarking import compare_to_benchmarks  # noqa: F401
    from .cells import Cells, PeriodChoice, choose_freq, fine_cells  # noqa: F401
    from .comments import SentimentResult, ThemeResult, distinctive_terms, sentiment, themes  # noqa: F401
    from .correlation import correlate, correlation_matrix  # noqa: F401
    from .crosstab import Crosstab, crosstab  # noqa: F401
    from .dates import parse_dates  # noqa: F401
    from .effects import Effect, EffectResult, campaign_effect, compare_effects  # noqa: F401
    from .exceptions import CsatAnalysisError, DataError, ParameterError, ReportError, SchemaError  # noqa: F401
    from .health import (  # noqa: F401
        HealthResult,
        RiskResult,
        ScoreValidation,
        WorthResult,
        health_score,
        risk_model,
        satisfaction_worth,
        validate_score,
    )
    from .io import LoadReport, load_responses  # noqa: F401
    from .keydrivers import drivers  # noqa: F401
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
    from .planning import mde, planned_margin, sample_size  # noqa: F401
    from .reports.campaign import CampaignReport, campaign_report  # noqa: F401
    from .reports.comments import CommentReport, comment_report  # noqa: F401
    from .reports.correlations import CorrelationReport, correlation_report  # noqa: F401
    from .reports.drivers import DriverReport, driver_report  # noqa: F401
    from .reports.health import HealthReport, health_report  # noqa: F401
    from .reports.overview import Overview, overview  # noqa: F401
    from .reports.trends import TrendReport, trend_report  # noqa: F401
    from .responses import Responses, schema_of, with_schema  # noqa: F401
    from .schema import Schema, infer_schema, read_schema  # noqa: F401
    from .trends import trend, trend_digest  # noqa: F401
    from .weighting import RakeResult, ResponseBias, rake, response_bias  # noqa: F401
