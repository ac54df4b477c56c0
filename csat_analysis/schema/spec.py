"""The schema's parts (:class:`Schema`, :class:`MetricSpec`, :class:`DateSpec`, :class:`OutcomeSpec`,
:class:`CampaignSpec`) and how a mapping is parsed and validated into them."""

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

from .._utils import nearest, shorten, shorten_list
from ..exceptions import SchemaError
from ..labels import MAX_LABEL
from ..margins import margins_from_mapping
from ..multiselect import DEFAULT_SEP, MIN_CHOICE_N, multi_spec
from ..registry import METRICS, SCORES

__all__ = ["DEFAULT_MISSING_VALUES", "MetricSpec", "DateSpec", "OutcomeSpec", "CampaignSpec", "Schema",
           "customer_tables", "CUSTOMER_KEYS", "Benchmark", "parse_benchmarks"]

#: Cell values read as missing unless the schema says otherwise.  The literal
#: text ``None`` is deliberately *not* here: survey tools use it as an answer
#: ("Offer: None").
DEFAULT_MISSING_VALUES: tuple[str, ...] = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "#N/A")

_TOP_KEYS = ("source", "columns", "metrics", "campaigns", "targets", "themes", "missing_values", "outcomes", "features",
             "population", "margins", "customers", "short_labels", "benchmarks")
_BENCHMARK_KEYS = ("value", "label", "source", "scale")
_SOURCE_KEYS = ("sheet", "encoding", "delimiter", "header_rows", "table", "header_row")
_COLUMN_KEYS = ("response_id", "date", "segments", "weight", "comment", "pii", "extra", "ratings", "customer_id",
                "multi")
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
    #: outside references per metric (``benchmarks:``), see :mod:`csat_analysis.benchmarking`
    benchmarks: Mapping[str, tuple[Benchmark, ...]] = dataclasses.field(default_factory=dict)
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
    #: the row holding the column names (1 = first row; ``source.header_row``), else found (Excel)
    header_row: int | None = None
    #: multi-select questions (``columns.multi``): ``{column: {"sep": ";", "min_n": 5}}``
    multi: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    #: customer tables joined onto the responses (``customers:``): ``({file, on, sheet, header_row, wins}, ...)``
    customers: tuple[Mapping[str, Any], ...] = ()
    #: the responses table in a database (``source: {table: responses}``), read by :func:`csat_analysis.scan`
    table: str | None = None
    #: labels shown instead of long column names in charts and tables (``short_labels: {column: label}``)
    short_labels: Mapping[str, str] = dataclasses.field(default_factory=dict)
    origin: str = "schema"
    inference_warnings: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    #: what inference left open, as YAML comment lines for the draft file (not part of the file format)
    draft_comments: tuple[str, ...] = dataclasses.field(default=(), compare=False)

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
        cols += list(self.multi)
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
        if self.multi:
            default = {"sep": DEFAULT_SEP, "min_n": MIN_CHOICE_N}
            columns["multi"] = [col if dict(spec) == default else
                                {"column": col, **{k: v for k, v in spec.items() if v != default[k]}}
                                for col, spec in self.multi.items()]
        if columns:
            out["columns"] = columns
        out["metrics"] = {name: spec.to_dict() for name, spec in self.metrics.items()}
        if self.campaigns:
            out["campaigns"] = [c.to_dict() for c in self.campaigns]
        if self.targets:
            out["targets"] = dict(self.targets)
        if self.benchmarks:
            out["benchmarks"] = {m: [b.to_dict() for b in items] for m, items in self.benchmarks.items()}
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
        if self.customers:
            out["customers"] = [{k: v for k, v in c.items() if v is not None} for c in self.customers]
        if self.short_labels:
            out["short_labels"] = dict(self.short_labels)
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
        raise SchemaError(f"{origin}: metrics.{name}.labels must map answer text to a score, "
                          "e.g. {'Very satisfied': 5}.")
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
        if (not isinstance(terms, (list, tuple)) or not terms
                or not all(isinstance(t, str) and t.strip() for t in terms)):
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


@dataclasses.dataclass(frozen=True)
class Benchmark:
    """One outside reference for a metric (``benchmarks: {csat: [{value, label, source, scale?}]}``).

    ``value`` is in the benchmark's own units; ``scale`` says how it is
    defined when that differs from the schema's metric ("0-100 index", "top
    box %", "1-10"), see :func:`csat_analysis.benchmarking.comparability`.
    """

    value: float
    label: str
    source: str | None = None
    scale: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


def parse_benchmarks(raw: Any, *, origin: str = "schema", error: type[Exception] = SchemaError
                     ) -> dict[str, tuple[Benchmark, ...]]:
    """``benchmarks: {metric: [{value, label, source, scale?}, ...]}`` as :class:`Benchmark` tuples, checked.

    Errors (``error``, :class:`~csat_analysis.exceptions.SchemaError` by
    default) name the file, the entry and how to fix it.

    Examples
    --------
    >>> parse_benchmarks({"csat": [{"value": 80, "label": "Rule of thumb", "source": "CSAT guides"}]})
    {'csat': (Benchmark(value=80.0, label='Rule of thumb', source='CSAT guides', scale=None),)}
    """
    if raw is None or (isinstance(raw, Mapping) and not raw):
        return {}
    where = f"{origin}: benchmarks"
    if not isinstance(raw, Mapping):
        raise error(f"{where} must map metric names to lists of benchmarks, e.g. {{csat: [{{value: 80, label: "
                    f"Rule of thumb}}]}}, not {shorten(repr(raw))}.")
    out: dict[str, tuple[Benchmark, ...]] = {}
    for metric, items in raw.items():
        if metric not in METRICS:
            raise error(f"{where}.{shorten(str(metric))}: unknown metric; use one of {list(METRICS)}."
                        f"{nearest(shorten(str(metric), 200), list(METRICS))}")
        if isinstance(items, (Mapping, Benchmark)):
            items = [items]
        if not isinstance(items, (list, tuple)) or not items:
            raise error(f"{where}.{metric} must be a list of benchmarks, e.g. [{{value: 80, label: Rule of thumb}}], "
                        f"not {shorten(repr(items))}.")
        parsed = []
        for i, item in enumerate(items):
            at = f"{where}.{metric}[{i}]"
            if isinstance(item, Benchmark):
                parsed.append(item)
                continue
            if not isinstance(item, Mapping):
                raise error(f"{at} must be a mapping like {{value: 80, label: Rule of thumb}}, not "
                            f"{shorten(repr(item))}.")
            extra = [k for k in item if k not in _BENCHMARK_KEYS]
            if extra:
                raise error(f"{at} has unknown key(s) {[shorten(str(k)) for k in extra]}; a benchmark has "
                            f"{list(_BENCHMARK_KEYS)}.{nearest(shorten(str(extra[0]), 200), _BENCHMARK_KEYS)}")
            value = item.get("value")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not -1e9 < value < 1e9:
                raise error(f"{at}.value must be a number in the benchmark's own units (e.g. 80 for 80%), not "
                            f"{shorten(repr(value))}.")
            label = item.get("label")
            if not isinstance(label, str) or not label.strip():
                raise error(f"{at}.label must name the benchmark (e.g. \"Rule of thumb\"), not "
                            f"{shorten(repr(label))}.")
            for key in ("source", "scale"):
                if item.get(key) is not None and not isinstance(item.get(key), str):
                    raise error(f"{at}.{key} must be text, not {shorten(repr(item.get(key)))}.")
            parsed.append(Benchmark(float(value), label.strip(), item.get("source"), item.get("scale")))
        out[str(metric)] = tuple(parsed)
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
    from ..config import MAX_MISSING_VALUES, MAX_SEGMENT_COLUMNS

    if len(missing) > MAX_MISSING_VALUES:
        raise SchemaError(f"{origin}: missing_values lists {len(missing):,} values, more than the "
                          f"{MAX_MISSING_VALUES:,} a schema may (csat_analysis.config.MAX_MISSING_VALUES); list the "
                          "codes that mean "
                          "'no answer' (e.g. '', 'NA', '-1'), not the values of a column.")
    for key in ("response_id", "weight", "comment", "customer_id"):
        if columns.get(key) is not None and not _scalar(columns[key]):
            raise SchemaError(f"{origin}: columns.{key} must be one column name, not {shorten(repr(columns[key]))}.")
    segments, pii, extra, ratings = _list("segments"), _list("pii"), _list("extra"), _list("ratings")
    if len(segments) > MAX_SEGMENT_COLUMNS:
        raise SchemaError(f"{origin}: columns.segments lists {len(segments):,} columns, more than the "
                          f"{MAX_SEGMENT_COLUMNS} a report can break down by "
                          "(csat_analysis.config.MAX_SEGMENT_COLUMNS); keep the segments people compare and move the "
                          "rest under columns.extra.")
    multi = multi_spec(columns.get("multi"), origin)
    both = [c for c in multi if c in segments]
    if both:
        raise SchemaError(f"{origin}: {shorten(both[0])!r} is under both columns.multi and columns.segments; a "
                          "multi-select question is not a segment (each combination of choices would be a level): "
                          "keep it under columns.multi only and use it as a banner (crosstab banner=...).")
    header_row = source.get("header_row")
    if header_row is not None and (isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1):
        raise SchemaError(f"{origin}: source.header_row must be the row number of the header (1 for the first row), "
                          f"not {shorten(repr(header_row))}.")
    customer_id = None if columns.get("customer_id") is None else str(columns["customer_id"])
    customers = tuple(customer_tables(raw.get("customers"), origin, default_on=customer_id))
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
        ("columns.multi", list(multi)),
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
        benchmarks=parse_benchmarks(raw.get("benchmarks"), origin=origin),
        themes=_themes(raw.get("themes"), origin),
        customer_id=customer_id,
        outcomes=outcomes,
        features=features,
        missing_values=tuple("" if v is None else str(v) for v in missing),
        sheet=source.get("sheet"),
        encoding=source.get("encoding"),
        delimiter=source.get("delimiter"),
        header_rows=source.get("header_rows"),
        header_row=header_row,
        multi=multi,
        customers=customers,
        table=None if source.get("table") is None else str(source["table"]),
        origin=origin,
        population=population,
        margins=margins,
        short_labels=_short_labels(raw.get("short_labels"), origin),
    )


def customer_tables(spec: Any, origin: str = "schema", base: str | Path | None = None,
                    default_on: str | None = None) -> list[dict[str, Any]]:
    """``customers:`` validated: a list of ``{file, on, sheet, header_row, wins}``.

    ``file`` is relative to ``base`` (the schema file's folder); ``on`` (default
    ``columns.customer_id``) names the key column, present in the responses and
    in the table; ``wins`` (``customers`` or ``responses``) settles a column both
    hold with different values.

    Examples
    --------
    >>> customer_tables({"file": "crm.xlsx", "on": "Customer ID"})
    [{'file': 'crm.xlsx', 'on': 'Customer ID', 'sheet': None, 'header_row': None, 'wins': None}]
    """
    if spec is None:
        return []
    items = [spec] if isinstance(spec, (Mapping, str)) else spec
    if not isinstance(items, Sequence):
        raise SchemaError(f"{origin}: customers must be {{file: crm.xlsx, on: Customer ID}} or a list of them, not "
                          f"{shorten(repr(spec))}.")
    out = []
    for i, item in enumerate(items):
        where = "customers" if isinstance(spec, (Mapping, str)) else f"customers[{i}]"
        if isinstance(item, str):
            item = {"file": item}
        if not isinstance(item, Mapping):
            raise SchemaError(f"{origin}: {where} must be {{file: crm.xlsx, on: Customer ID}}, not "
                              f"{shorten(repr(item))}.")
        if True in item and "on" not in item:  # YAML 1.1 reads the bare key `on` as true
            item = {("on" if k is True else k): v for k, v in item.items()}
        unknown = [k for k in item if k not in CUSTOMER_KEYS]
        if unknown:
            raise SchemaError(f"{origin}: unknown key {shorten(str(unknown[0]))!r} in {where}; allowed keys are "
                              f"{list(CUSTOMER_KEYS)}.{nearest(shorten(str(unknown[0]), 200), CUSTOMER_KEYS)}")
        file, on = item.get("file"), item.get("on", default_on)
        if not isinstance(file, str) or not file.strip():
            raise SchemaError(f"{origin}: {where}.file must be the path of the customer table (CSV, Excel, Parquet, "
                              f"SPSS), not {shorten(repr(file))}.")
        if not isinstance(on, (str, int)) or isinstance(on, bool) or not str(on).strip():
            raise SchemaError(f"{origin}: {where}.on must name the key column the responses and the customer table "
                              f"share (e.g. on: Customer ID), not {shorten(repr(on))}.")
        wins = item.get("wins")
        if wins not in (None, "customers", "responses"):
            raise SchemaError(f"{origin}: {where}.wins must be 'customers' (the table's value replaces the "
                              f"responses') or 'responses', not {shorten(repr(wins))}.")
        path = Path(file.strip())
        if base is not None and not path.is_absolute():
            path = Path(base) / path
        out.append({"file": str(path), "on": str(on).strip(), "sheet": item.get("sheet"),
                    "header_row": item.get("header_row"), "wins": wins})
    return out


#: keys of one ``customers:`` entry
CUSTOMER_KEYS = ("file", "on", "sheet", "header_row", "wins")


#: the longest short label a schema may give
MAX_SHORT_LABEL = MAX_LABEL


def _short_labels(raw: Any, origin: str) -> dict[str, str]:
    """``short_labels: {column: label}``: text labels of at most MAX_SHORT_LABEL characters, each used once."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise SchemaError(f"{origin}: short_labels must map column names to short labels, e.g. "
                          "short_labels: {\"12. How would you rate the quality ...\": Q12 Quality}.")
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for col, label in raw.items():
        if not _scalar(col) or not isinstance(label, (str, int, float)) or isinstance(label, bool) \
                or not str(label).strip():
            raise SchemaError(f"{origin}: short_labels: the label of {shorten(str(col))!r} must be text, not "
                              f"{shorten(repr(label))}.")
        text = str(label).strip()
        if len(text) > MAX_SHORT_LABEL:
            raise SchemaError(f"{origin}: short_labels: {shorten(text)!r} ({shorten(str(col))!r}) has {len(text)} "
                              f"characters; a short label has at most {MAX_SHORT_LABEL}.")
        if text in seen:
            raise SchemaError(f"{origin}: short_labels: {text!r} labels both {shorten(seen[text])!r} and "
                              f"{shorten(str(col))!r}; give each column its own label.")
        seen[text] = str(col)
        out[str(col)] = text
    return out


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

