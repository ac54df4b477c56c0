"""Small private helpers shared by several modules."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from .exceptions import ParameterError

__all__: list[str] = []


def check_argument(name: str, allowed: Sequence[Any], value: Any) -> None:
    """Raise a :class:`ParameterError` if ``value`` is not one of ``allowed`` (seaborn style)."""
    if value not in allowed:
        raise ParameterError(
            f"The value for `{name}` must be one of {list(allowed)}, but {value!r} was passed."
        )


def nearest(word: str, candidates: Iterable[str]) -> str:
    """Return a ' Did you mean ...?' hint for the closest candidate, or ''."""
    candidates = [str(c) for c in candidates]
    lowered = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=0.5)
    if match:
        return f" Did you mean {lowered[match[0]]!r}?"
    return ""


def as_list(value: Any) -> list:
    """None -> [], a string -> [string], an iterable -> list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def require_columns(data, columns: Iterable[str], what: str = "column") -> None:
    """Raise a ParameterError naming the first column of ``columns`` missing from ``data``."""
    for col in columns:
        if col not in data.columns:
            raise ParameterError(
                f"The {what} {col!r} is not in the data; available columns are "
                f"{list(map(str, data.columns))}.{nearest(col, map(str, data.columns))}"
            )
