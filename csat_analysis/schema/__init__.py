"""The schema file: how one survey export maps onto the canonical responses table.

A schema is a small YAML file (see ``data/sample_schema.yml`` and SPEC.md)::

    source: {sheet: Sheet1, encoding: utf-8, delimiter: ","}   # all optional
    columns:
      response_id: id
      date: {column: survey_date, dayfirst: true}
      segments: [market]
      weight: null
      comment: null
      pii: [customer_name]
      ratings: [SeatComfort, ValueForMoney]      # attribute ratings (drivers, correlations)
    metrics:
      nps:  {column: rating, scale: [0, 10]}
      csat: {column: "Satisfaction rating", scale: [1, 5], top_box: 4,
             labels: {"Very dissatisfied": 1, "Very satisfied": 5}}
    campaigns:
      - {name: spring_promo, column: Offer, control: "None", start: 2021-03-01}
    targets: {csat: 80, nps: 30}
    missing_values: ["", "NA", "N/A"]

Only ``metrics`` is required.  :func:`read_schema` validates a file or a dict
and returns a :class:`Schema`; :func:`infer_schema` guesses one from column
names so that it can be printed, saved and edited.

Modules: :mod:`~csat_analysis.schema.spec` (the schema's parts, parsing and
validation), :mod:`~csat_analysis.schema.reading` (:func:`read_schema`) and
:mod:`~csat_analysis.schema.inference` (:func:`infer_schema`).  The margins of
a customer base are checked by :mod:`csat_analysis.margins`.
"""

from __future__ import annotations

from .._yaml import safe_yaml_load
from ..margins import SHARE_TOLERANCE as SHARE_TOLERANCE  # noqa: F401 (importable from here, as before)
from ..margins import level_key as level_key  # noqa: F401
from ..margins import margins_from_mapping as margins_from_mapping  # noqa: F401
from .inference import infer_schema
from .reading import read_schema
from .spec import DEFAULT_MISSING_VALUES, CampaignSpec, DateSpec, MetricSpec, Schema
from .spec import OutcomeSpec as OutcomeSpec  # noqa: F401

__all__ = [
    "Schema",
    "MetricSpec",
    "DateSpec",
    "CampaignSpec",
    "DEFAULT_MISSING_VALUES",
    "read_schema",
    "infer_schema",
    "safe_yaml_load",
]
