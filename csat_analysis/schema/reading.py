"""Reading a schema: :func:`read_schema` from a YAML file, a mapping or a :class:`Schema`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._yaml import safe_yaml_load
from ..exceptions import SchemaError
from .spec import Schema, _schema_from_dict

__all__ = ["read_schema"]


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
    csat_analysis.exceptions.SchemaError: schema: unknown key 'colum' in metrics.csat; allowed keys are
    ['column', 'scale', 'top_box', 'higher_is_better', 'labels']. Did you mean 'column'?
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
    if sch.customers:  # customer tables next to the schema: their paths are relative to the schema file
        sch = dataclasses.replace(sch, customers=tuple(
            {**c, "file": c["file"] if Path(c["file"]).is_absolute() else str(path.parent / c["file"])}
            for c in sch.customers))
    if sch.population and "file" in sch.population and not Path(sch.population["file"]).is_absolute():
        # a customer table next to the schema: its path is relative to the schema file
        sch = dataclasses.replace(sch, population={**sch.population,
                                                   "file": str(path.parent / sch.population["file"])})
    return sch

