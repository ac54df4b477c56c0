"""Small private helpers shared by several modules."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .exceptions import DataError, ParameterError

if TYPE_CHECKING:  # numpy and pandas load when a function needs them (the command line starts without them)
    import numpy as np

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


def numeric_values(data, column: str) -> np.ndarray:
    """A numeric or boolean column as float (NaN = missing); text that is not a number is a DataError."""
    import numpy as np
    import pandas as pd

    col = data[column]
    if pd.api.types.is_bool_dtype(col):
        col = col.astype("Float64")
    elif not pd.api.types.is_numeric_dtype(col):
        converted = pd.to_numeric(col, errors="coerce")
        bad = converted.isna() & col.notna()
        if bad.any():
            raise DataError(
                f"Column {column!r} is not numeric (it holds {col[bad].iloc[0]!r}); use rating columns, or map text "
                "answers to scores with 'labels' in the schema."
            )
        col = converted
    return pd.Series(col).astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def slug(text: Any, sep: str = "_") -> str:
    """Lower-case letters and digits joined by ``sep`` (for column and file names)."""
    return re.sub(r"[^0-9a-z]+", sep, str(text).strip().casefold()).strip(sep) or "blank"


def require_columns(data, columns: Iterable[str], what: str = "column") -> None:
    """Raise a ParameterError naming the first column of ``columns`` missing from ``data``."""
    for col in columns:
        if col not in data.columns:
            raise ParameterError(
                f"The {what} {col!r} is not in the data; available columns are "
                f"{list(map(str, data.columns))}.{nearest(col, map(str, data.columns))}"
            )


def shorten(text: Any, limit: int = 80) -> str:
    """``text`` as a string of at most ``limit`` characters, cut with an ellipsis and its full length.

    Used wherever a message echoes text from a user's file (a header, a cell,
    a schema value), so that a 50 MB line never ends up in an error.

    >>> shorten("short")
    'short'
    >>> shorten("x" * 1000, limit=10)
    'xxxxxxxxx… (1,000 characters)'
    """
    text = text if isinstance(text, str) else str(text)
    if len(text) <= limit:
        return text
    return f"{text[:max(limit - 1, 0)]}… ({len(text):,} characters)"


def shorten_list(items: Sequence[Any], limit: int = 30, each: int = 80) -> str:
    """A list for a message: at most ``limit`` items, each cut by :func:`shorten`, and how many there are.

    >>> shorten_list(["a", "b"])
    "['a', 'b']"
    >>> shorten_list([f"c{i}" for i in range(100)], limit=3)
    "['c0', 'c1', 'c2', ...] (100 in all)"
    """
    head = ", ".join(repr(shorten(v, each)) for v in list(items[:limit]))
    return f"[{head}]" if len(items) <= limit else f"[{head}, ...] ({len(items):,} in all)"


#: Unicode bidirectional controls (LRM/RLM/ALM, embeddings, overrides, isolates): invisible characters that
#: reorder how text is displayed ("Trojan Source"); stripped from labels when they are loaded.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str) -> str:
    """``text`` without Unicode bidirectional control characters (U+202E RIGHT-TO-LEFT OVERRIDE etc.).

    >>> strip_bidi("Paris\\u202e")
    'Paris'
    """
    return BIDI_CONTROLS.sub("", text)


def check_table(data: Any, where: str) -> None:
    """Raise a :class:`ParameterError` for a table the package cannot read as it is: a raw Ibis table.

    The functions take a pandas DataFrame or a warehouse table made by
    :func:`~csat_analysis.from_ibis` / :func:`~csat_analysis.scan` (which also
    carries the schema: scales, labels, which column is the date).

    >>> check_table([], "summarize") is None
    True
    """
    if (type(data).__module__ or "").split(".")[0] == "ibis":
        raise ParameterError(
            f"{where} got a raw Ibis table ({type(data).__name__}); wrap it with ca.from_ibis(table, schema=...) "
            "so that its scores are counted in the database (schema: a schema file or dict naming the score, "
            "segment and date columns), or pass table.to_pandas() for a small table."
        )


def weight_values(data, weights: Any) -> np.ndarray | None:
    """Each row's survey weight, for any ``weights`` argument of the package; None without weights.

    The one place a weights argument is resolved.  ``weights`` may be:

    * ``None``: no weights (returns None);
    * a column name of ``data``;
    * a weights result (a :class:`~csat_analysis.weighting.RakeResult`, or anything with
      ``weights_for(data)``): its weights for ``data``'s rows, matched by index;
    * a Series: matched to ``data``'s rows by index (e.g. propensity weights);
    * an array or list: one weight per row, in order.

    Raises :class:`ParameterError` for a column that is not in the data or an array of the wrong
    length, and :class:`DataError` for a missing or non-positive weight.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"w": [1, 2.5]}, index=[10, 11])
    >>> weight_values(frame, "w").tolist(), weight_values(frame, pd.Series({11: 3.0, 10: 1.0})).tolist()
    ([1.0, 2.5], [1.0, 3.0])
    >>> weight_values(frame, None) is None
    True
    """
    import numpy as np
    import pandas as pd

    if weights is None:
        return None
    if isinstance(weights, str):
        require_columns(data, [weights], "weights column")
        raw = data[weights]
        w = pd.to_numeric(raw, errors="coerce").astype(float).to_numpy()
        bad = ~(w > 0)
        if bad.any():
            value = raw.iloc[int(np.flatnonzero(bad)[0])]
            value = value.item() if isinstance(value, np.generic) else value
            raise DataError(
                f"Column {shorten(weights)!r} holds the weight {shorten(repr(value))}; "
                "weights must be positive numbers (rows with missing or non-positive weights are excluded by "
                "load_responses)."
            )
        return w
    if hasattr(weights, "weights_for"):  # a weights result (weighting.RakeResult), matched by index
        return np.asarray(weights.weights_for(data), dtype=float)
    if isinstance(weights, pd.Series):  # fixed weights matched to the rows by index (e.g. propensity weights)
        w = pd.to_numeric(weights, errors="coerce").astype(float).reindex(data.index).to_numpy()
        what = "The weights Series has no positive weight for {bad:,} row(s) of the data (matched by index)"
    elif isinstance(weights, pd.DataFrame) or np.ndim(weights) != 1:
        raise ParameterError(f"`weights` must be a column name, a Series, a list of numbers or the result of "
                             f"ca.rake(...), not {type(weights).__name__}.")
    else:
        w = pd.to_numeric(pd.Series(np.asarray(weights)), errors="coerce").astype(float).to_numpy()
        if len(w) != len(data):
            raise ParameterError(f"`weights` has {len(w):,} values for {len(data):,} rows; give one weight per row "
                                 "(or a Series with the data's index, or a column name).")
        what = "`weights` has no positive weight for {bad:,} row(s)"
    bad = int((~(w > 0)).sum())
    if bad:
        raise DataError(what.format(bad=bad) + "; give every row a positive weight, or select the rows that have one.")
    return w


def weight_column(data, weights: Any, name: str = "_weight") -> tuple[Any, str | None]:
    """``(data, column)`` for any weights argument (for models that take a weight column).

    A column name is kept as it is; anything else :func:`weight_values` accepts becomes the column
    ``name`` of a copy of ``data``.
    """
    if weights is None or isinstance(weights, str):
        return data, weights
    return data.assign(**{name: weight_values(data, weights)}), name
