"""The response table and the schema that travels with it.

:func:`~csat_analysis.io.load_responses` returns a :class:`Responses`: a
:class:`pandas.DataFrame` whose ``schema`` attribute holds the schema it was
loaded with (scales, top boxes, segments, campaigns, customer base).  Every
function that needs a scale reads it with :func:`schema_of`, never from
``DataFrame.attrs``.

The schema survives what analysts do to a response table — filtering,
``assign``, ``groupby``, ``merge`` with a CRM extract (responses on the left),
``concat`` of exports loaded with the same schema — the way GeoPandas keeps a
frame's coordinate system.  When exports loaded with *different* schemas are
concatenated or merged, the result does not silently pick one: reading its
schema raises :class:`~csat_analysis.exceptions.SchemaError`, and
:func:`with_schema` says which schema applies.

>>> import pandas as pd
>>> r = with_schema(pd.DataFrame({"response_id": [1, 2], "csat": [5, 4]}),
...                 {"metrics": {"csat": {"scale": [1, 5], "top_box": 5}}})
>>> crm = pd.DataFrame({"response_id": [1, 2], "plan": ["Pro", "Basic"]})
>>> schema_of(r.merge(crm, on="response_id"))["metrics"]["csat"]["top_box"]
5
>>> schema_of(pd.DataFrame({"csat": [5]}))  # a plain frame: the metrics' default scales apply
{}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .exceptions import SchemaError

__all__ = ["Responses", "with_schema", "schema_of"]


class _Conflict:
    """The schema of a table combined from exports loaded with different schemas."""

    def __init__(self, sources: list[str], differences: list[str]) -> None:
        self.sources = sources
        self.differences = differences

    def __eq__(self, other: object) -> bool:  # never equal: combining it again stays a conflict
        return False

    __hash__ = None  # type: ignore[assignment]


class Responses(pd.DataFrame):
    """A response table (one row per response) with the ``schema`` it was loaded with.

    ``schema`` is the schema as a plain mapping (``Schema.to_dict()``), or
    None; ``source`` names the file or table the rows came from.
    """

    _metadata = ["schema", "source"]

    @property
    def _constructor(self):
        return Responses

    def __finalize__(self, other: Any, method: str | None = None, **kwargs: Any) -> Responses:
        super().__finalize__(other, method=method, **kwargs)
        if method == "merge":
            parts = [getattr(other, "left", None), getattr(other, "right", None)]
        elif method == "concat":
            parts = list(getattr(other, "objs", ()))
        else:
            return self
        tagged = [p for p in parts if isinstance(p, Responses) and getattr(p, "schema", None) is not None]
        schemas = [p.schema for p in tagged]
        sources = [str(getattr(p, "source", None) or "a data frame") for p in tagged]
        if not schemas:
            object.__setattr__(self, "schema", None)
        elif all(s == schemas[0] for s in schemas[1:]):
            object.__setattr__(self, "schema", schemas[0])
            object.__setattr__(self, "source", " + ".join(dict.fromkeys(sources)))
        else:
            object.__setattr__(self, "schema", _Conflict(sources, _differences(schemas)))
            object.__setattr__(self, "source", " + ".join(dict.fromkeys(sources)))
        return self


def _differences(schemas: list[Any]) -> list[str]:
    """What differs between schemas, e.g. ``"metrics.csat.top_box: 5 vs 4"`` (first few)."""
    out: list[str] = []

    def walk(path: str, values: list[Any]) -> None:
        if len(out) >= 3:
            return
        if all(isinstance(v, Mapping) for v in values):
            for key in dict.fromkeys(k for v in values for k in v):
                walk(f"{path}.{key}" if path else str(key), [v.get(key) for v in values])
        elif any(v != values[0] for v in values[1:]):
            out.append(f"{path}: " + " vs ".join(repr(v) for v in values))

    plain = [s for s in schemas if not isinstance(s, _Conflict)]
    walk("", plain)
    return out or ["they were combined from tables with different schemas"]


def with_schema(data: pd.DataFrame, schema: Any, *, source: str | None = None) -> Responses:
    """``data`` as a :class:`Responses` carrying ``schema`` (a Schema, a mapping or a YAML path).

    Use it after reading responses some other way (a Parquet file written
    earlier, a warehouse extract), or to state which schema applies to a
    table combined from several exports.
    """
    if schema is not None and not isinstance(schema, Mapping):
        from .schema import Schema, read_schema

        schema = (schema if isinstance(schema, Schema) else read_schema(schema)).to_dict()
    out = Responses(data)  # a new frame object over the same data (copy on write)
    object.__setattr__(out, "schema", dict(schema) if schema is not None else None)
    object.__setattr__(out, "source", source or getattr(data, "source", None))
    return out


def schema_of(data: Any) -> dict[str, Any]:
    """The schema a table was loaded with, as a mapping (``{}`` for a plain frame: default scales apply).

    Raises SchemaError when the table was combined from exports with
    different schemas (``pd.concat`` of a 1-5 and a 1-7 CSAT export): no
    scale is picked silently.
    """
    schema = getattr(data, "schema", None) if isinstance(data, Responses) or not isinstance(data, pd.DataFrame) \
        else None
    if schema is not None and not isinstance(schema, (Mapping, _Conflict)) and hasattr(schema, "to_dict"):
        schema = schema.to_dict()  # a warehouse table keeps its Schema object
    if isinstance(schema, _Conflict):
        raise SchemaError(
            f"These responses combine tables loaded with different schemas ({', '.join(schema.sources)}: "
            f"{'; '.join(schema.differences)}), so their scales are ambiguous. Load them with one schema, or "
            "say which applies: ca.with_schema(data, 'schema.yml')."
        )
    return dict(schema) if isinstance(schema, Mapping) else {}
