"""YAML as users supply it (schemas, ``-p`` values): ``yaml.safe_load`` without alias bombs.

Kept apart from :mod:`csat_analysis.schema` (which needs pandas) so that the
command line parses ``-p NAME VALUE`` and refuses a bad value before any
heavy import.
"""

from __future__ import annotations

from typing import Any

import yaml

from .exceptions import SchemaError

__all__ = ["safe_yaml_load", "MAX_YAML_ALIAS_VALUES"]


#: How many values YAML aliases may add to a document (a schema needs a handful; "billion laughs" needs 10^9).
MAX_YAML_ALIAS_VALUES = 10_000


class _AliasBudgetExceeded(yaml.YAMLError):
    pass


class _SafeLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses documents whose aliases expand to more than
    :data:`MAX_YAML_ALIAS_VALUES` values, or refer to themselves, before anything is built from them."""

    def compose_document(self):
        node = super().compose_document()
        sizes: dict[int, int] = {}
        active: set[int] = set()

        def size(n) -> int:  # the number of values of ``n`` once every alias is expanded
            key = id(n)
            if key in sizes:
                return sizes[key]
            if key in active:
                raise _AliasBudgetExceeded(
                    "uses a YAML alias (*name) inside its own anchor (&name); write the values out")
            active.add(key)
            if isinstance(n, yaml.SequenceNode):
                total = 1 + sum(size(c) for c in n.value)
            elif isinstance(n, yaml.MappingNode):
                total = 1 + sum(size(k) + size(v) for k, v in n.value)
            else:
                total = 1
            active.discard(key)
            sizes[key] = total
            if total - len(sizes) > MAX_YAML_ALIAS_VALUES:  # values beyond the distinct nodes come from aliases
                raise _AliasBudgetExceeded(
                    f"uses YAML aliases (*name) that expand to more than {MAX_YAML_ALIAS_VALUES:,} values; "
                    "write the list out instead of repeating anchors")
            return total

        if node is not None:
            size(node)
        return node


def safe_yaml_load(text: str, origin: str = "schema") -> Any:
    """Parse YAML text like ``yaml.safe_load``, refusing alias bombs ("billion laughs") and recursive aliases.

    A SchemaError names ``origin`` (the file) and what to do.  Use it wherever a
    schema, or any YAML a user supplies, is parsed.

    >>> safe_yaml_load("a: &x [1, 2]\\nb: *x")
    {'a': [1, 2], 'b': [1, 2]}
    """
    try:
        return yaml.load(text, Loader=_SafeLoader)  # noqa: S506 - a SafeLoader subclass
    except _AliasBudgetExceeded as exc:
        raise SchemaError(f"{origin} {exc}.") from None
    except RecursionError:
        raise SchemaError(f"{origin}: YAML nested too deeply; a schema needs only a few levels.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SchemaError(f"{origin}: not valid YAML{where}; check indentation and quotes.") from None
