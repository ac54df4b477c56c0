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
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ._utils import nearest, shorten, shorten_list
from ._yaml import safe_yaml_load
from .exceptions import ParameterError, SchemaError
from .privacy import looks_like_email, looks_like_phone
from .registry import METRICS, SCORES

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

#: Cell values read as missing unless the schema says otherwise.  The literal
#: text ``None`` is deliberately *not* here: survey tools use it as an answer
#: ("Offer: None").
DEFAULT_MISSING_VALUES: tuple[str, ...] = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "#N/A")

_TOP_KEYS = ("source", "columns", "metrics", "campaigns", "targets", "themes", "missing_values", "outcomes", "features",
             "population", "margins")
_SOURCE_KEYS = ("sheet", "encoding", "delimiter", "header_rows", "table")
_COLUMN_KEYS = ("response_id", "date", "segments", "weight", "comment", "pii", "extra", "ratings", "customer_id")
_OUTCOME_KEYS = ("column", "labels")
#: canonical column names an outcome may not take
_RESERVED_NAMES = frozenset({"response_id", "customer_id", "date", "csat", "csat_mean", "nps", "ces", "ces_top",
                             "weight", "comment"})
_METRIC_KEYS = ("column", "scale", "top_box", "higher_is_better", "labels")
_DATE_KEYS = ("column", "dayfirst", "format")
_CAMPAIGN_KEYS = ("name", "column", "control", "exposed", "start", "end", "delimiter", "group", "randomised")


@dataclasses.dataclass(frozen=True)
class MetricSpec:
    """Where a score lives in the export and how to read it.

    ``top_box`` is the lowest score counted as "satisfied" / "easy" (after the
    scale is oriented so that higher is better).
    """

    name: str
    column: str
    scale: tuple[int, int]
    top_box: int
    higher_is_better: bool = True
    labels: Mapping[str, int] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column, "scale": list(self.scale), "top_box": self.top_box}
        if not self.higher_is_better:
            out["higher_is_better"] = False
        if self.labels:
            out["labels"] = dict(self.labels)
        return out


@dataclasses.dataclass(frozen=True)
class DateSpec:
    """The response date column; ``dayfirst`` or an explicit strptime ``format``."""

    column: str
    dayfirst: bool | None = None
    format: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column}
        if self.dayfirst is not None:
            out["dayfirst"] = self.dayfirst
        if self.format:
            out["format"] = self.format
        return out


@dataclasses.dataclass(frozen=True)
class OutcomeSpec:
    """A customer outcome (``outcomes: {churned: {column: Exited}}``): yes/no or numeric.

    ``labels`` maps answer text to a number (``{"Yes": 1, "No": 0}``), matched
    ignoring case and surrounding spaces; without labels the column must hold
    numbers, or yes/no / true/false text (read as 1/0).  In the canonical
    table the outcome is a float column under ``name``.
    """

    name: str
    column: str
    labels: Mapping[str, float] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.column}
        if self.labels:
            out["labels"] = dict(self.labels)
        return out


@dataclasses.dataclass(frozen=True)
class CampaignSpec:
    """A marketing campaign and the column that records exposure to it.

    * single column: exposed when the value differs from ``control`` (or is
      one of ``exposed``); the canonical table gets a boolean column ``name``.
    * multi-select (``delimiter`` set): one boolean column per choice,
      ``<name>_<choice>``.
    ``start``/``end`` date the campaign (difference-in-differences and
    interrupted time series need ``start``); ``group`` optionally names the
    column whose levels were targeted (the treated groups of a DiD).
    ``randomised`` (``randomised: true``) states that exposure was assigned at
    random, so reports may use causal wording ("raised") for the exposure design.
    """

    name: str
    column: str
    control: str | None = None
    exposed: tuple[str, ...] = ()
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    delimiter: str | None = None
    group: str | None = None
    randomised: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "column": self.column}
        for key in ("control", "delimiter", "group"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.randomised:
            out["randomised"] = True
        if self.exposed:
            out["exposed"] = list(self.exposed)
        for key in ("start", "end"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key).strftime("%Y-%m-%d")
        return out


@dataclasses.dataclass(frozen=True)
class Schema:
    """A validated schema (see the module docstring for the file format).

    ``ratings`` are attribute ratings (sub-ratings such as seat comfort or
    value for money) loaded as numbers under their own names; ``targets`` maps
    metric names (``csat``, ``csat_mean``, ``nps``, ``ces``, ``ces_top``) to a
    target in the metric's units.  ``inference_warnings`` holds what
    :func:`infer_schema` could not decide safely (a scale the answers do not
    fill, a date column left unmapped); it is not part of the file format.
    """

    metrics: Mapping[str, MetricSpec]
    response_id: str | None = None
    date: DateSpec | None = None
    segments: tuple[str, ...] = ()
    weight: str | None = None
    comment: str | None = None
    pii: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    ratings: tuple[str, ...] = ()
    campaigns: tuple[CampaignSpec, ...] = ()
    targets: Mapping[str, float] = dataclasses.field(default_factory=dict)
    #: dictionary themes for comments: ``{theme: [term, ...]}`` (see :func:`csat_analysis.themes`)
    themes: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    #: the customer identifier column (``columns.customer_id``; canonical name ``customer_id``)
    customer_id: str | None = None
    #: customer outcomes by name (``outcomes:``), e.g. ``{"churned": OutcomeSpec("churned", "Exited")}``
    outcomes: Mapping[str, OutcomeSpec] = dataclasses.field(default_factory=dict)
    #: predictors for risk models (``features:``): source column names, or a metric name for the score
    features: tuple[str, ...] = ()
    #: weight to the customer base (``population: {file: customers.csv, by: [contract, tenure_band]}``, plus
    #: optional ``total``/``trim``), see :func:`csat_analysis.weighting.population_weights`
    population: Mapping[str, Any] | None = None
    #: ... or to known margins (``margins: {contract: {Month-to-month: 0.55, ...}}``)
    margins: Mapping[str, Mapping[str, float]] | None = None
    missing_values: tuple[str, ...] = DEFAULT_MISSING_VALUES
    sheet: str | int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_rows: int | None = None
    #: the responses table in a database (``source: {table: responses}``), read by :func:`csat_analysis.scan`
    table: str | None = None
    origin: str = "schema"
    inference_warnings: tuple[str, ...] = dataclasses.field(default=(), compare=False)

    def source_columns(self) -> list[str]:
        """Every export column the schema refers to, in a stable order."""
        cols: list[str] = []
        if self.response_id:
            cols.append(self.response_id)
        if self.date:
            cols.append(self.date.column)
        cols += [m.column for m in self.metrics.values()]
        cols += list(self.segments)
        for c in (self.weight, self.comment):
            if c:
                cols.append(c)
        cols += list(self.extra)
        cols += list(self.ratings)
        cols += [c.column for c in self.campaigns]
        cols += [c.group for c in self.campaigns if c.group]
        if self.customer_id:
            cols.append(self.customer_id)
        cols += [o.column for o in self.outcomes.values()]
        cols += self.feature_columns()
        seen: set[str] = set()
        return [c for c in cols if not (c in seen or seen.add(c))]

    def feature_columns(self) -> list[str]:
        """The export columns among ``features`` (a mapped metric name, e.g. ``csat``, means the score)."""
        return [f for f in self.features if f not in self.metrics]

    def campaign(self, name: str) -> CampaignSpec:
        """The campaign called ``name``."""
        for c in self.campaigns:
            if c.name == name:
                return c
        raise SchemaError(
            f"{self.origin}: no campaign named {shorten(repr(name))}; the schema defines "
            f"{[c.name for c in self.campaigns]}.{nearest(name, [c.name for c in self.campaigns])}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The schema as plain data, ready for ``yaml.safe_dump`` or JSON."""
        out: dict[str, Any] = {}
        source = {k: getattr(self, k) for k in _SOURCE_KEYS if getattr(self, k) is not None}
        if source:
            out["source"] = source
        columns: dict[str, Any] = {}
        if self.response_id:
            columns["response_id"] = self.response_id
        if self.date:
            columns["date"] = self.date.to_dict()
        for key in ("segments", "ratings", "pii", "extra"):
            if getattr(self, key):
                columns[key] = list(getattr(self, key))
        for key in ("weight", "comment", "customer_id"):
            if getattr(self, key):
                columns[key] = getattr(self, key)
        if columns:
            out["columns"] = columns
        out["metrics"] = {name: spec.to_dict() for name, spec in self.metrics.items()}
        if self.campaigns:
            out["campaigns"] = [c.to_dict() for c in self.campaigns]
        if self.targets:
            out["targets"] = dict(self.targets)
        if self.themes:
            out["themes"] = {k: list(v) for k, v in self.themes.items()}
        if self.outcomes:
            out["outcomes"] = {k: v.to_dict() for k, v in self.outcomes.items()}
        if self.features:
            out["features"] = list(self.features)
        if self.population:
            out["population"] = {k: list(v) if isinstance(v, tuple) else v for k, v in self.population.items()}
        if self.margins:
            out["margins"] = {k: dict(v) for k, v in self.margins.items()}
        out["missing_values"] = list(self.missing_values)
        return out

    def to_yaml(self) -> str:
        """The schema as YAML text (what ``csat-report validate`` prints when it infers one)."""
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True)

    def check_columns(self, columns: Sequence[str], source: str) -> None:
        """Raise a SchemaError when a column the schema names is not in ``columns``."""
        available = [str(c) for c in columns]
        for col in self.source_columns() + list(self.pii):
            if col not in available:
                raise SchemaError(
                    f"{self.origin}: column {shorten(col)!r} is not in {source}; its columns are "
                    f"{shorten_list(available)}.{nearest(shorten(col, 200), available[:5000])}"
                )


def _check_keys(mapping: Any, allowed: Sequence[str], where: str, origin: str) -> None:
    if not isinstance(mapping, Mapping):
        raise SchemaError(f"{origin}: {where} must be a mapping of keys to values, not {shorten(repr(mapping))}.")
    for key in mapping:
        if key not in allowed:
            raise SchemaError(
                f"{origin}: unknown key {shorten(key)!r} in {where}; allowed keys are {list(allowed)}."
                f"{nearest(shorten(key, 200), allowed)}"
            )


def _as_timestamp(value: Any, where: str, origin: str) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return pd.Timestamp(value)
    try:
        return pd.Timestamp(str(value))
    except (ValueError, TypeError):
        raise SchemaError(f"{origin}: {where} {shorten(repr(value))} is not a date; write it as YYYY-MM-DD.") from None


def _metric(name: str, spec: Any, origin: str) -> MetricSpec:
    if isinstance(spec, str):
        spec = {"column": spec}
    _check_keys(spec, _METRIC_KEYS, f"metrics.{name}", origin)
    if "column" not in spec:
        raise SchemaError(f"{origin}: metrics.{name} needs a 'column' naming the export column that holds it.")
    defaults = SCORES[name]
    scale = spec.get("scale", defaults.scale)
    if (
        not isinstance(scale, Sequence)
        or isinstance(scale, str)
        or len(scale) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in scale)
        or scale[0] >= scale[1]
    ):
        raise SchemaError(
            f"{origin}: metrics.{name}.scale {shorten(repr(scale))} is impossible; write it as [lowest, highest] "
            f"with two integers, e.g. {list(defaults.scale)}."
        )
    lo, hi = int(scale[0]), int(scale[1])
    if name == "nps" and (lo, hi) != (0, 10):
        raise SchemaError(f"{origin}: metrics.nps.scale must be [0, 10] (likelihood to recommend), not {list(scale)}.")
    if "top_box" in spec:
        top_box = spec["top_box"]
    elif (lo, hi) == tuple(defaults.scale):
        top_box = defaults.top_box
    elif hi - lo == 1:
        top_box = hi  # a yes/no item ([0, 1]): the share answering yes
    else:
        top_box = hi - 1  # top-two-box on any other scale
    if not isinstance(top_box, int) or isinstance(top_box, bool) or not lo < top_box <= hi:
        raise SchemaError(
            f"{origin}: metrics.{name}.top_box {shorten(repr(top_box))} must be an integer above {lo} and at most {hi}."
        )
    labels = spec.get("labels") or {}
    if not isinstance(labels, Mapping):
        raise SchemaError(f"{origin}: metrics.{name}.labels must map answer text to a score, e.g. {{'Very satisfied': 5}}.")
    clean: dict[str, int] = {}
    for text, value in labels.items():
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise SchemaError(
                f"{origin}: metrics.{name}.labels maps {shorten(repr(text))} to {shorten(repr(value))}, outside "
                f"the scale {lo}-{hi}."
            )
        clean[str(text).strip().casefold()] = value
    hib = spec.get("higher_is_better", True)
    if not isinstance(hib, bool):
        raise SchemaError(f"{origin}: metrics.{name}.higher_is_better must be true or false, not {shorten(repr(hib))}.")
    return MetricSpec(name, str(spec["column"]), (lo, hi), int(top_box), hib, clean)


def _campaign(spec: Any, i: int, origin: str) -> CampaignSpec:
    where = f"campaigns[{i}]"
    _check_keys(spec, _CAMPAIGN_KEYS, where, origin)
    for key in ("name", "column"):
        if not spec.get(key):
            raise SchemaError(f"{origin}: {where} needs a {key!r}.")
    name = str(spec["name"])
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise SchemaError(
            f"{origin}: {where}.name {shorten(repr(name))} must be a Python-style identifier (letters, digits, _), "
            "because it becomes a column name."
        )
    exposed = spec.get("exposed") or ()
    if isinstance(exposed, str):
        exposed = (exposed,)
    start = _as_timestamp(spec.get("start"), f"{where}.start", origin)
    end = _as_timestamp(spec.get("end"), f"{where}.end", origin)
    if start is not None and end is not None and end < start:
        raise SchemaError(f"{origin}: {where} ends ({end:%Y-%m-%d}) before it starts ({start:%Y-%m-%d}).")
    control = spec.get("control")
    randomised = spec.get("randomised", False)
    if randomised is not None and not isinstance(randomised, bool):
        raise SchemaError(f"{origin}: {where}.randomised must be true or false, not {shorten(repr(randomised))}.")
    return CampaignSpec(
        name=name,
        column=str(spec["column"]),
        control=None if control is None else str(control),
        exposed=tuple(str(v) for v in exposed),
        start=start,
        end=end,
        delimiter=spec.get("delimiter"),
        group=spec.get("group"),
        randomised=bool(randomised),
    )


def _themes(raw: Any, origin: str) -> dict[str, tuple[str, ...]]:
    """``themes: {delivery: [late, delay, courier]}``: each theme a list of words or phrases."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SchemaError(f"{origin}: themes must map theme names to lists of words, e.g. "
                          "themes: {delivery: [late, delay, courier]}.")
    out = {}
    for name, terms in raw.items():
        terms = [terms] if isinstance(terms, str) else terms
        if not isinstance(terms, (list, tuple)) or not terms or not all(isinstance(t, str) and t.strip() for t in terms):
            raise SchemaError(f"{origin}: themes.{shorten(name)} must be a list of words or phrases, e.g. "
                              "[late, delay, courier].")
        out[str(name)] = tuple(t.strip() for t in terms)
    return out


def _targets(raw: Any, metrics: Mapping[str, MetricSpec], origin: str) -> dict[str, float]:
    """``targets: {csat: 80, nps: 30}``: known metric names, numbers within what the metric can take."""
    if raw is None:
        return {}
    _check_keys(raw, tuple(METRICS), "targets", origin)
    out: dict[str, float] = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1e9 < value < 1e9:
            raise SchemaError(
                f"{origin}: targets.{name} must be a number in the metric's units (e.g. csat: 80 for 80% top-box, "
                f"nps: 30), not {shorten(repr(value))}."
            )
        bounds, unit = METRICS[name].target_range, METRICS[name].unit
        if bounds is None:  # a mean: within the scale of the metric it summarises, when the schema maps it
            spec = metrics.get(METRICS[name].column)
            bounds = spec.scale if spec is not None else None
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            raise SchemaError(
                f"{origin}: targets.{name} is {value:g}, outside {bounds[0]:g} to {bounds[1]:g} ({unit}); write the "
                f"target in the metric's units."
            )
        out[str(name)] = value
    return out


def _outcomes(raw: Any, campaigns: Sequence[CampaignSpec], origin: str) -> dict[str, OutcomeSpec]:
    """``outcomes: {churned: {column: Exited}}`` or ``{column: "Churn Label", labels: {"Yes": 1, "No": 0}}``."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SchemaError(f"{origin}: outcomes must map outcome names to columns, e.g. "
                          "outcomes: {churned: {column: Exited}}.")
    taken = {c.name for c in campaigns}
    out: dict[str, OutcomeSpec] = {}
    for name, spec in raw.items():
        name = str(name)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise SchemaError(f"{origin}: outcome name {shorten(repr(name))} must be a Python-style identifier "
                              "(letters, digits, _), because it becomes a column name, e.g. churned.")
        if name in _RESERVED_NAMES or name in taken:
            raise SchemaError(f"{origin}: outcome name {name!r} is already a column of the canonical table "
                              "(a metric, campaign or standard column); choose another, e.g. churned.")
        if isinstance(spec, str):
            spec = {"column": spec}
        _check_keys(spec, _OUTCOME_KEYS, f"outcomes.{name}", origin)
        if not spec.get("column") or not _scalar(spec["column"]):
            raise SchemaError(f"{origin}: outcomes.{name} needs a 'column' naming the export column that holds it.")
        labels = spec.get("labels") or {}
        if not isinstance(labels, Mapping):
            raise SchemaError(f"{origin}: outcomes.{name}.labels must map answer text to a number, e.g. "
                              "{'Yes': 1, 'No': 0}.")
        clean: dict[str, float] = {}
        for text, value in labels.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
                raise SchemaError(f"{origin}: outcomes.{name}.labels maps {shorten(repr(text))} to "
                                  f"{shorten(repr(value))}, which is not a number; write e.g. {{'Yes': 1, 'No': 0}}.")
            clean[str(text).strip().casefold()] = float(value)
        out[name] = OutcomeSpec(name, str(spec["column"]), clean)
    return out


def _features(raw: Any, origin: str) -> tuple[str, ...]:
    """``features: [col, ...]``: predictor columns for risk models (a metric name means its score)."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, Sequence) or not all(_scalar(v) for v in raw):
        raise SchemaError(f"{origin}: features must be a list of column names, e.g. [csat, Tenure, Geography], "
                          f"not {shorten(repr(raw))}.")
    names = [str(v) for v in raw]
    if len(set(names)) != len(names):
        twice = next(v for v in names if names.count(v) > 1)
        raise SchemaError(f"{origin}: features lists {shorten(twice)!r} twice; list each column once.")
    return tuple(names)


def _scalar(value: Any) -> bool:
    """A YAML scalar usable as a name or a code (not a list or mapping)."""
    return isinstance(value, (str, int, float, _dt.date))


def _check_pii(pii: Sequence[str], roles: Sequence[tuple[str, Sequence[Any]]], origin: str) -> None:
    """A PII column may have no other role: it is never loaded, so using it would be a silent contradiction."""
    for col in pii:
        for role, cols in roles:
            if col in {str(c) for c in cols if c is not None}:
                raise SchemaError(
                    f"{origin}: column {shorten(col)!r} is listed under columns.pii and as {role}; "
                    f"pii wins (a PII column is never loaded), so remove it from {role} or from columns.pii."
                )


def _schema_from_dict(raw: Any, origin: str) -> Schema:
    if raw is None:
        raise SchemaError(f"{origin}: the schema is empty; it needs at least a 'metrics' section.")
    _check_keys(raw, _TOP_KEYS, "the top level", origin)
    if not raw.get("metrics"):
        raise SchemaError(f"{origin}: the schema needs a 'metrics' section naming at least one of csat, nps, ces.")
    _check_keys(raw["metrics"], tuple(SCORES), "metrics", origin)
    metrics = {name: _metric(name, spec, origin) for name, spec in raw["metrics"].items()}

    source = raw.get("source") or {}
    _check_keys(source, _SOURCE_KEYS, "source", origin)
    columns = raw.get("columns") or {}
    _check_keys(columns, _COLUMN_KEYS, "columns", origin)

    date = columns.get("date")
    if isinstance(date, str):
        date = {"column": date}
    if date is not None:
        _check_keys(date, _DATE_KEYS, "columns.date", origin)
        if "column" not in date:
            raise SchemaError(f"{origin}: columns.date needs a 'column'.")
        if date.get("dayfirst") is not None and not isinstance(date["dayfirst"], bool):
            raise SchemaError(
                f"{origin}: columns.date.dayfirst must be true or false, not {shorten(repr(date['dayfirst']))}."
            )
        date = DateSpec(str(date["column"]), date.get("dayfirst"), date.get("format"))

    def _list(key: str) -> tuple[str, ...]:
        value = columns.get(key) or ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, Sequence) or not all(_scalar(v) for v in value):
            raise SchemaError(f"{origin}: columns.{key} must be a list of column names, not {shorten(repr(value))}.")
        return tuple(str(v) for v in value)

    campaigns = tuple(_campaign(spec, i, origin) for i, spec in enumerate(raw.get("campaigns") or ()))
    names = [c.name for c in campaigns]
    if len(set(names)) != len(names):
        raise SchemaError(f"{origin}: two campaigns share a name in {names}; names must be unique.")
    missing = raw.get("missing_values", DEFAULT_MISSING_VALUES)
    if isinstance(missing, str):
        missing = [missing]
    if not isinstance(missing, Sequence) or not all(v is None or _scalar(v) for v in missing):
        raise SchemaError(
            f"{origin}: missing_values must be a list of texts or numbers, e.g. ['', 'NA', '-1'], "
            f"not {shorten(repr(missing))}."
        )
    for key in ("response_id", "weight", "comment", "customer_id"):
        if columns.get(key) is not None and not _scalar(columns[key]):
            raise SchemaError(f"{origin}: columns.{key} must be one column name, not {shorten(repr(columns[key]))}.")
    segments, pii, extra, ratings = _list("segments"), _list("pii"), _list("extra"), _list("ratings")
    outcomes = _outcomes(raw.get("outcomes"), campaigns, origin)
    features = _features(raw.get("features"), origin)
    _check_pii(pii, [
        ("columns.customer_id", [columns.get("customer_id")]),
        *((f"outcomes.{name}", [o.column]) for name, o in outcomes.items()),
        ("features", [f for f in features if f not in metrics]),
        ("columns.response_id", [columns.get("response_id")]),
        ("columns.date", [date.column if date else None]),
        ("columns.segments", segments),
        ("columns.weight", [columns.get("weight")]),
        ("columns.comment", [columns.get("comment")]),
        ("columns.extra", extra),
        ("columns.ratings", ratings),
        *((f"metrics.{name}", [spec.column]) for name, spec in metrics.items()),
        *((f"campaigns[{i}].column", [c.column]) for i, c in enumerate(campaigns)),
        *((f"campaigns[{i}].group", [c.group]) for i, c in enumerate(campaigns)),
    ], origin)
    population, margins = _population(raw.get("population"), raw.get("margins"), segments + extra, origin)
    return Schema(
        metrics=metrics,
        response_id=columns.get("response_id"),
        date=date,
        segments=segments,
        weight=columns.get("weight"),
        comment=columns.get("comment"),
        pii=pii,
        extra=extra,
        ratings=ratings,
        campaigns=campaigns,
        targets=_targets(raw.get("targets"), metrics, origin),
        themes=_themes(raw.get("themes"), origin),
        customer_id=None if columns.get("customer_id") is None else str(columns["customer_id"]),
        outcomes=outcomes,
        features=features,
        missing_values=tuple("" if v is None else str(v) for v in missing),
        sheet=source.get("sheet"),
        encoding=source.get("encoding"),
        delimiter=source.get("delimiter"),
        header_rows=source.get("header_rows"),
        table=None if source.get("table") is None else str(source["table"]),
        origin=origin,
        population=population,
        margins=margins,
    )


_POPULATION_KEYS = ("file", "by", "total", "trim")


def _population(pop: Any, margins: Any, loaded: Sequence[str], origin: str):
    """``population: {file, by, total, trim}`` and ``margins: {column: {level: share or count}}``, validated."""
    if pop is None and margins is None:
        return None, None
    out: dict[str, Any] = {}
    if pop is not None:
        _check_keys(pop, _POPULATION_KEYS, "population", origin)
        if "file" in pop and margins is not None:
            raise SchemaError(f"{origin}: give either population.file (a customer table) or margins, not both.")
        if "file" not in pop and margins is None:
            raise SchemaError(f"{origin}: population needs a 'file' (the customer table, e.g. customers.csv) and "
                              "'by' (the columns to weight on), or a margins: section with the shares.")
        if "file" in pop:
            if not isinstance(pop["file"], str) or not pop["file"].strip():
                raise SchemaError(f"{origin}: population.file must be the path of a CSV, Excel or Parquet file, not "
                                  f"{shorten(repr(pop['file']))}.")
            out["file"] = pop["file"].strip()
        by = pop.get("by")
        if by is not None:
            by = [by] if isinstance(by, str) else by
            if not isinstance(by, Sequence) or not by or not all(isinstance(b, str) for b in by):
                raise SchemaError(f"{origin}: population.by must be a list of column names, e.g. [contract, "
                                  f"tenure_band], not {shorten(repr(by))}.")
            out["by"] = tuple(by)
        elif "file" in pop:
            raise SchemaError(f"{origin}: population.by must list the columns to weight on, e.g. [contract, "
                              "tenure_band].")
        for key, low in (("total", 0), ("trim", 1)):
            value = pop.get(key)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > low:
                    raise SchemaError(f"{origin}: population.{key} must be a number above {low}, not "
                                      f"{shorten(repr(value))}.")
                out[key] = value
    clean = None
    if margins is not None:
        if not isinstance(margins, Mapping) or not margins:
            raise SchemaError(f"{origin}: margins must map each column to its levels' shares, e.g. "
                              "margins: {contract: {Month-to-month: 0.55, One year: 0.21, Two year: 0.24}}.")
        try:
            margins_from_mapping(margins, [str(c) for c in margins], None)
        except Exception as exc:  # ParameterError: one sentence naming the column and level
            raise SchemaError(f"{origin}: margins: {exc}") from None
        clean = {str(c): {str(k): float(v) for k, v in m.items()} for c, m in margins.items()}
        if "by" in out and not set(out["by"]) <= set(clean):
            missing = sorted(set(out["by"]) - set(clean))
            raise SchemaError(f"{origin}: population.by names {missing}, which margins does not give.")
    for col in out.get("by") or list(clean or ()):
        if col not in loaded:
            raise SchemaError(
                f"{origin}: the weighting column {shorten(col)!r} is not loaded with the responses; add it to "
                f"columns.segments (or columns.extra).{nearest(col, loaded)}"
            )
    return out or None, clean


def read_schema(schema: str | Path | Mapping[str, Any] | Schema) -> Schema:
    """Read and validate a schema from a YAML file, a dict or a :class:`Schema`.

    Raises
    ------
    SchemaError
        For an unknown key (with the nearest valid key), a missing section,
        an impossible scale or top box, or a file that is not YAML.

    Examples
    --------
    >>> s = read_schema({"metrics": {"nps": {"column": "rating"}}})
    >>> s.metrics["nps"].scale, s.metrics["nps"].top_box
    ((0, 10), 9)
    >>> read_schema({"metrics": {"csat": {"colum": "x"}}})
    Traceback (most recent call last):
    ...
    csat_analysis.exceptions.SchemaError: schema: unknown key 'colum' in metrics.csat; allowed keys are ['column', 'scale', 'top_box', 'higher_is_better', 'labels']. Did you mean 'column'?
    """
    if isinstance(schema, Schema):
        return schema
    if isinstance(schema, Mapping):
        return _schema_from_dict(schema, "schema")
    path = Path(schema)
    if not path.is_file():
        raise SchemaError(f"Schema file {str(path)!r} does not exist; check the path given to --schema.")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise SchemaError(f"{path.name}: not UTF-8 text; save the schema file as UTF-8.") from None
    sch = _schema_from_dict(safe_yaml_load(text, path.name), path.name)
    if sch.population and "file" in sch.population and not Path(sch.population["file"]).is_absolute():
        # a customer table next to the schema: its path is relative to the schema file
        sch = dataclasses.replace(sch, population={**sch.population,
                                                   "file": str(path.parent / sch.population["file"])})
    return sch


_NAME_PATTERNS: dict[str, str] = {
    "nps": r"(^|_|\b)(nps|ltr|recommend|likelihood|likely)",
    "csat": r"(^|_|\b)(csat|satisf|overall.?rating|^rating$)",
    "ces": r"(^|_|\b)(ces|effort|ease|easy)",
}


def _norm(col: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(col).lower()).strip("_")


#: words that make a "... name" column a person's name ("customer_name"), unlike "channel_name" or "product_name"
_PERSON_WORDS = frozenset({
    "first", "last", "full", "given", "family", "middle", "sur", "nick", "display", "maiden", "customer", "client",
    "respondent", "contact", "user", "person", "member", "patient", "guest", "passenger", "caller", "employee",
    "agent", "account", "holder", "owner", "reviewer", "author", "manager",
})


def _pii_name(key: str) -> bool:
    """Whether a normalised column name says the column holds contact details or a person's name."""
    if re.search(r"(^|_)(email|e_mail|phone|telephone|mobile|address|ip_address)($|_)", key):
        return True
    words = key.split("_")
    if any(w in ("surname", "firstname", "lastname", "fullname", "username") for w in words):
        return True
    if "name" not in words:
        return False
    others = [w for w in words if w != "name"]
    return not others or any(w in _PERSON_WORDS for w in others)


def _holds_contacts(values: pd.Series, sample: int = 100) -> bool:
    """Whether at least half of a sample of the column's non-missing values are e-mail addresses or phone numbers.

    The content decides, whatever the column is called ("Account manager", "Contact").  Numbers stored
    as numbers are not looked at (ids, amounts).
    """
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) \
            or pd.api.types.is_datetime64_any_dtype(values):
        return False
    if len(values) > 100 * sample:  # a spread of rows, so that millions of rows cost no more than thousands
        values = values.iloc[np.linspace(0, len(values) - 1, 100 * sample).astype(int)]
    present = values.dropna()
    if isinstance(present.dtype, pd.CategoricalDtype):
        present = present.astype(object)
    if len(present) > sample:
        present = present.iloc[np.linspace(0, len(present) - 1, sample).astype(int)]
    texts = [str(v).strip() for v in present]
    texts = [t for t in texts if t not in DEFAULT_MISSING_VALUES]
    if not texts:
        return False
    hits = sum(len(t) <= 320 and (looks_like_email(t) or looks_like_phone(t)) for t in texts)
    return hits >= 0.5 * len(texts)


def _words(col: Any) -> str:
    """A column name as lower-case words joined by ``_``, camelCase split: ``ReviewBody`` -> ``review_body``."""
    return _norm(re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", str(col)))


def _named(pattern: str, col: Any) -> bool:
    """Whether ``pattern`` matches the column name, as written or split into words."""
    return bool(re.search(pattern, _norm(col)) or re.search(pattern, _words(col)))


#: names of columns that hold identifiers (never ratings)
_ID_NAME = r"(^|_)(id|ids|uuid|guid|key|code|nr|num|number|index|idx|row)($|_)"
#: names of small whole numbers that are not ratings: calendar parts, counts and durations (not words that
#: also name rated attributes, such as price, time or balance)
_NOT_RATING_NAME = (
    r"(^|_)(year|years|yr|month|months|quarter|qtr|week|weeks|weekday|day|days|hour|hours|minute|minutes|mins?"
    r"|seconds?|secs?|duration|tenure|age|count|counts|cnt|qty|quantity|products|items|points?|visits?|calls"
    r"|orders|nights|children|kids|adults|people|persons|rooms)($|_)"
)
_DATE_NAME = r"(^|_)(date|dates|timestamp|datetime|submitted|created)($|_)"
#: names of free-text answers
_COMMENT_NAME = (
    r"(^|_)(comments?|verbatims?|feedback|remarks?|reviews?|body|text|why|reasons?|explain|explanation"
    r"|suggestions?|notes?|describe|specify|opinion)($|_)"
)
#: a text date carries its year (so ``23-Nov``, a year and month written yy-Mon, is not read as 23 November)
_HAS_YEAR = re.compile(r"\d{4}|^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}\b")
#: rows looked at per column when inference judges content (an even spread over the file)
_SAMPLE_ROWS = 500
#: standard answer scales, smallest first: the one suggested when an inferred scale does not fit
_STANDARD_SCALES = ((0, 1), (1, 3), (1, 4), (1, 5), (0, 5), (1, 7), (0, 7), (1, 10), (0, 10))


def _spread(values: pd.Series, size: int = _SAMPLE_ROWS) -> pd.Series:
    """At most ``size`` rows spread evenly over the column (all of them when there are fewer)."""
    if len(values) > size:
        values = values.iloc[np.linspace(0, len(values) - 1, size).astype(int)]
    return values


def _present_text(values: pd.Series) -> pd.Series:
    """Non-missing cells as stripped text, without the default missing-value codes."""
    present = values.dropna()
    if isinstance(present.dtype, pd.CategoricalDtype):
        present = present.astype(object)
    text = present.astype(str).str.strip()
    return text[~text.isin(DEFAULT_MISSING_VALUES)]


def _numeric_profile(values: pd.Series, min_share: float = 0.9) -> tuple[np.ndarray, int] | None:
    """The distinct numbers of a column and how many cells hold one; None unless at least ``min_share`` of
    its non-missing cells (and at least one) are numbers.  Worked out once per distinct value (numbers
    stored as text included)."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values) \
            or pd.api.types.is_timedelta64_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        present = values.dropna()
        return pd.unique(present.to_numpy(dtype=float)), int(len(present))
    if min_share >= 0.5:  # text that is plainly not numbers costs no more than a look at 200 cells
        probe = _present_text(_spread(values, 200))
        if not len(probe) or pd.to_numeric(probe, errors="coerce").notna().mean() < 0.5:
            return None
    counts = values.value_counts(dropna=True)
    if not len(counts):
        return None
    if isinstance(counts.index, pd.CategoricalIndex):
        counts.index = counts.index.astype(object)
    if any(isinstance(v, (bool, np.bool_, _dt.date, _dt.time, _dt.timedelta)) for v in counts.index[:1000]):
        return None
    text = pd.Series(counts.index, dtype=object).map(lambda v: str(v).strip())
    keep = ~text.isin(DEFAULT_MISSING_VALUES).to_numpy()
    numbers = pd.to_numeric(text[keep], errors="coerce").to_numpy(dtype=float)
    weights = counts.to_numpy()[keep]
    ok = ~np.isnan(numbers)
    if not weights[ok].sum() or weights[ok].sum() < min_share * weights.sum():
        return None
    return numbers[ok], int(weights[ok].sum())


def _looks_like_rating(col: str, numbers: np.ndarray, n_present: int) -> bool:
    """A rating item: whole numbers, 3+ distinct values, within 0-10 and spanning at least 3 points (1-5,
    1-7, 0-10; not a 0/1 flag), and neither an identifier nor a count, calendar part or amount by its name."""
    numbers = numbers[np.isfinite(numbers)]
    if len(numbers) < 3 or not (numbers == np.round(numbers)).all():
        return False
    lo, hi = numbers.min(), numbers.max()
    if lo < 0 or hi > 10 or hi - lo < 3:
        return False
    if n_present >= 12 and len(numbers) == n_present:  # every value distinct: an identifier
        return False
    return not (_named(_ID_NAME, col) or _named(_NOT_RATING_NAME, col))


def _scale_note(name: str, col: str, scale: tuple[int, int], top_box: int, vmin: float, vmax: float,
                n: int) -> str | None:
    """A warning when the answers do not fit the scale inference assumed (SPEC: do not silently assume):
    the highest answer is below the top box, answers fall outside the scale, or (100+ answers) the lowest
    or highest point of the scale never occurs."""
    lo, hi = scale
    short = vmax < top_box
    outside = vmin < lo or vmax > hi
    if not (short or outside or (n >= 100 and (vmin > lo or vmax < hi))):
        return None
    fit = next(((a, b) for a, b in _STANDARD_SCALES if a <= vmin and vmax <= b and b - a >= 2),
               (int(np.floor(vmin)), int(np.ceil(vmax))))
    what = "NPS" if name == "nps" else name.upper()
    text = (f"column {shorten(col)!r} was read as {what} on a {lo}-{hi} scale, but its {n:,} answers run "
            f"{'' if outside else 'only '}from {vmin:g} to {vmax:g}")
    if outside:
        text += f"; answers outside {lo}-{hi} are excluded as out_of_range"
    elif short:
        text += f", so none reaches the top box ({top_box}-{hi})"
    if name == "nps":
        return (text + ". If it is not a 0-10 likelihood-to-recommend question, map it in the schema as csat or ces "
                f"with its scale, e.g. metrics: {{csat: {{column: {col!r}, scale: [{fit[0]}, {fit[1]}]}}}}.")
    return (text + f". Check the questionnaire and set the scale in the schema, e.g. metrics: {{{name}: "
            f"{{column: {col!r}, scale: [{fit[0]}, {fit[1]}]}}}} (and top_box if needed).")


def _date_cells(values: pd.Series) -> float:
    """Estimated number of cells holding a date with its year (judged on a spread of rows)."""
    from .dates import parse_dates
    from .exceptions import DataError

    if pd.api.types.is_datetime64_any_dtype(values):
        return float(values.notna().sum())
    sample = _spread(values, 300)
    if not len(sample):
        return 0.0
    present = sample.dropna()
    if isinstance(present.dtype, pd.CategoricalDtype):
        present = present.astype(object)
    objects = np.fromiter((isinstance(v, (_dt.date, pd.Timestamp)) for v in present), dtype=bool, count=len(present))
    text = present[~objects].astype(str).str.strip()
    text = text[text.str.contains(_HAS_YEAR) & ~text.isin(DEFAULT_MISSING_VALUES)]
    try:
        parsed = int(parse_dates(text.astype(object), column=str(values.name))[0].notna().sum()) if len(text) else 0
    except DataError:  # day-first and month-first values side by side: dates all the same (the load will say)
        parsed = len(text)
    return (int(objects.sum()) + parsed) / len(sample) * len(values)


def _text_profile(values: pd.Series) -> tuple[float, float, float] | None:
    """(mean length, share distinct, mean words) of a text column's non-missing values, on a spread of rows;
    None for numbers, dates and columns that are mostly numbers stored as text."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) \
            or pd.api.types.is_datetime64_any_dtype(values):
        return None
    present = _spread(values.dropna())
    if isinstance(present.dtype, pd.CategoricalDtype):
        present = present.astype(object)
    if len(present) and not all(isinstance(v, str) for v in present.iloc[:50]):
        return None
    text = _present_text(present)
    if not len(text) or pd.to_numeric(text, errors="coerce").notna().mean() > 0.5:
        return None
    lengths = text.str.len()
    return float(lengths.mean()), text.nunique() / len(text), float(text.str.count(r"\s+").mean() + 1)


def infer_schema(frame: pd.DataFrame, *, origin: str = "inferred schema") -> Schema:
    """Guess a schema from column names and values (for files without one).

    * **Scores** are recognised by name (``csat``/``satisfaction``,
      ``nps``/``recommend``/``likelihood``, ``ces``/``effort``; camelCase
      names are split, so ``CustomerEffort`` counts); their scale is the
      standard one, widened to 1-7 or 1-10 when the values need it, and a
      "rating" running from 0 to 10 is read as NPS (likelihood to
      recommend).  When the answers do not fill the assumed scale (the
      highest answer is below the top box, or with 100+ answers the lowest or
      highest point of the scale never occurs — e.g. a "recommend" question
      answered 1-5), ``Schema.inference_warnings`` says so and how to set
      ``scale``.
    * **Dates**: of the columns named like a date (``date``, ``*_date``,
      ``Datetime``, ``timestamp``), the one with the most cells holding a date
      *with its year* (``23-Nov`` has none), mapped when at least 80% of the
      rows have one (otherwise a warning names it).
    * **Comments**: of the text columns named like free text (``comment``,
      ``feedback``, ``verbatim``, ``ReviewBody``, ``Remarks``, "open text",
      "Why did you give this score") or holding it (long, mostly distinct,
      several words), the one with the longest answers.
    * **PII**: columns named like a person's name (``customer_name``, not
      ``channel_name``), e-mails or phone numbers, and text columns whose
      values are mostly e-mail addresses or phone numbers, whatever their name.
    * **Ratings**: other numeric columns that look like rating items (whole
      numbers, 3+ distinct values within 0-10 spanning 3+ points, e.g. 1-5)
      and are not identifiers, flags, counts or calendar parts by name
      (``CustomerId``, ``Tenure``, ``NumOfProducts``, ``quarter``).
    * ``id``/``response_id`` and ``weight`` by name; text columns with 2-50
      distinct values become segments; other numeric columns are kept as
      extra columns.

    Raises
    ------
    SchemaError
        When no column looks like a score.

    Examples
    --------
    >>> frame = pd.DataFrame({"NPS": [0, 10, 9, 7, 3, 8], "SeatComfort": [1, 5, 4, 2, 3, 5],
    ...                       "CustomerId": [15634602, 15647311, 15619304, 15701354, 15737888, 15574012],
    ...                       "Remarks": ["Late again and nobody told us why", "Great crew, comfortable seat",
    ...                                   "Fine", "Food was cold", "Lost my bag", "Smooth flight"]})
    >>> s = infer_schema(frame)
    >>> s.metrics["nps"].column, s.ratings, s.extra, s.comment
    ('NPS', ('SeatComfort',), ('CustomerId',), 'Remarks')
    """
    cols = [str(c) for c in frame.columns]
    n_rows = len(frame)
    used: set[str] = set()
    notes: list[str] = []
    metrics: dict[str, Any] = {}
    observed: dict[str, tuple[float, float, int]] = {}  # per metric: lowest and highest answer, answers
    for name, pattern in _NAME_PATTERNS.items():
        for col in cols:
            if col in used or not _named(pattern, col):
                continue
            profile = _numeric_profile(frame[col], min_share=0.0)  # text labels may come with the numbers
            if profile is None or not len(profile[0][np.isfinite(profile[0])]):
                continue
            numbers = profile[0][np.isfinite(profile[0])]
            lo, hi = SCORES[name].scale
            vmin, vmax = numbers.min(), numbers.max()
            target = name
            if name == "csat" and vmin == 0 and 7 < vmax <= 10 and "nps" not in metrics:
                target, lo, hi = "nps", 0, 10  # a 0-10 "rating" is a likelihood-to-recommend scale
            elif name != "nps" and vmax > hi:
                hi = 7 if vmax <= 7 else 10
            if target in metrics:
                continue
            metrics[target] = {"column": col, "scale": [lo, hi]}
            observed[target] = (float(vmin), float(vmax), profile[1])
            used.add(col)
            break
    if not metrics:
        raise SchemaError(
            f"{origin}: no column looks like a CSAT, NPS or CES score (columns: {shorten_list(cols)}); "
            "write a schema file naming them under 'metrics'."
        )
    columns: dict[str, Any] = {}
    for col in cols:
        key = _norm(col)
        if col in used:
            continue
        if _holds_contacts(frame[col]) or _pii_name(key):
            columns.setdefault("pii", []).append(col)
        elif "response_id" not in columns and re.fullmatch(r"(response|respondent|review|call|record)?_?id", key):
            columns["response_id"] = col
        elif key == "weight" and "weight" not in columns:
            columns["weight"] = col
        else:
            continue
        used.add(col)
    pii = set(columns.get("pii", []))
    free = [c for c in cols if c not in used and c not in pii]

    # the date: the candidate with the most dates (with a year), when most rows have one
    dated = [(c, _date_cells(frame[c])) for c in free
             if _named(_DATE_NAME, c) or pd.api.types.is_datetime64_any_dtype(frame[c])]
    if dated:
        best, cells = max(dated, key=lambda item: item[1])  # the first of equals
        if n_rows == 0 or cells >= 0.8 * n_rows:
            columns["date"] = {"column": best}
            used.add(best)
        elif cells > 0:
            notes.append(
                f"column {shorten(best)!r} looks like a date but only about {cells / n_rows:.0%} of the rows hold one, "
                "so it was not mapped (rows without a date would be excluded); to use it for trends, map it under "
                "columns.date in the schema."
            )

    # the comment: the free-text column with the longest answers
    texts = []
    for col in free:
        if col in used:
            continue
        profile = _text_profile(frame[col])
        if profile is None:
            continue
        length, distinct, words = profile
        if (_named(_COMMENT_NAME, col) and (length >= 15 or distinct >= 0.5)) \
                or (length >= 40 and distinct >= 0.8 and words >= 5):
            texts.append((col, length))
    if texts:
        columns["comment"] = max(texts, key=lambda item: item[1])[0]
        used.add(columns["comment"])

    segments, ratings, extra = [], [], []
    for col in cols:
        if col in used or col in pii:
            continue
        values = frame[col]
        profile = _numeric_profile(values)
        if profile is not None:
            # rating items feed drivers and correlations; other numbers (durations, amounts, ids) regressions
            (ratings if _looks_like_rating(col, *profile) else extra).append(col)
            continue
        k = values.nunique(dropna=True)
        if 2 <= k <= 50 and k < 0.5 * max(len(values), 1):
            segments.append(col)
    if segments:
        columns["segments"] = segments
    if ratings:
        columns["ratings"] = ratings
    if extra:
        columns["extra"] = extra
    raw: dict[str, Any] = {"metrics": metrics}
    if columns:
        raw["columns"] = columns
    schema = _schema_from_dict(raw, origin)
    for name, spec in schema.metrics.items():
        note = _scale_note(name, spec.column, spec.scale, spec.top_box, *observed[name])
        if note:
            notes.insert(0, note)
    return dataclasses.replace(schema, inference_warnings=tuple(notes))


# --------------------------------------------------------------------------- margins of a customer base

#: Shares given as margins may miss 1 by this much (rounding); they are then rescaled to sum to 1.
SHARE_TOLERANCE = 0.005


def level_key(value: Any) -> str:
    """A level as matching text: ``1``, ``1.0`` and ``"1"`` are the same level; surrounding blanks are ignored."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return str(value).strip()


def margins_from_mapping(margins: Mapping, by: list[str], total: float | None) -> tuple[dict[str, dict[str, float]], float | None]:
    """Validate ``{column: {level: share or count}}``; shares must sum to 1 (within SHARE_TOLERANCE)."""
    out: dict[str, dict[str, float]] = {}
    sizes: dict[str, float] = {}
    for col in by:
        if col not in margins:
            raise ParameterError(
                f"The margins have no entry for the `by` column {col!r}; they cover {list(map(str, margins))}."
                f"{nearest(col, map(str, margins))}"
            )
        spec = margins[col]
        if not isinstance(spec, Mapping) or not spec:
            raise ParameterError(
                f"The margins for {col!r} must map each level to a share or a count, e.g. "
                f"{{'Month-to-month': 0.55, 'One year': 0.21, 'Two year': 0.24}}, not {shorten(repr(spec))}."
            )
        values = {}
        for level, value in spec.items():
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not np.isfinite(value) or value < 0:
                raise ParameterError(
                    f"The margin of {col!r} level {level_key(level)!r} is {shorten(repr(value))}; margins must be "
                    "shares (0 to 1) or counts (0 or more)."
                )
            k = level_key(level)
            values[k] = values.get(k, 0.0) + float(value)
        s = sum(values.values())
        if s <= 0:
            raise ParameterError(f"The margins of {col!r} are all zero; give each level its share or count.")
        if all(v <= 1 for v in values.values()) and s <= 1 + SHARE_TOLERANCE:  # shares
            if abs(s - 1) > SHARE_TOLERANCE:
                raise ParameterError(
                    f"The shares of {col!r} sum to {s:.4f}, not 1 (allowed: 1 ± {SHARE_TOLERANCE}); a level is "
                    f"missing or mistyped: give every level's share ({sorted(values)})."
                )
            values = {k: v / s for k, v in values.items()}
        else:
            sizes[col] = s
        out[col] = values
    size = None
    if sizes:
        first_col, size = next(iter(sizes.items()))
        for col, s in sizes.items():
            if abs(s - size) > SHARE_TOLERANCE * size:
                raise ParameterError(
                    f"The margins count {size:,.0f} customers for {first_col!r} but {s:,.0f} for {col!r}; counts "
                    "of every variable must add up to the same population (or give shares)."
                )
    if total is not None:
        if isinstance(total, bool) or not isinstance(total, (int, float, np.integer, np.floating)) \
                or not np.isfinite(total) or total <= 0:
            raise ParameterError(f"The value for `total` must be a positive number of customers, not {total!r}.")
        size = float(total)
    if size is not None:
        for col in out:
            s = sum(out[col].values())
            out[col] = {k: v / s * size for k, v in out[col].items()}
    return out, size
