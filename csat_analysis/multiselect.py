"""Multi-select ("check all that apply") questions: detect, split, expand into one flag per choice, share.

Google Forms, SurveyMonkey and Qualtrics write the choices of a "check all that
apply" question into one cell, separated by ``;`` (``"Email;Push;In-app"``).  The
schema lists such columns under ``columns.multi`` (``sep`` when it is not ``;``);
the loader expands each into one boolean column per choice named
``"<column>: <choice>"`` (missing where the respondent skipped the question), and
choices fewer than ``min_n`` respondents picked (typed-in "other" answers) go into
one ``"<column>: Other"`` column.

* :func:`split_choices` splits one cell; a separator inside quotes or brackets does
  not split (``"Deal sites (fave, iprice, etc...)"`` stays one choice).
* :func:`detect_multi_select` / :func:`multi_select_columns` tell whether a column
  (or which columns of a frame) hold multi-select answers, for schema inference.
* :func:`expand_choices` builds the boolean columns; :func:`choice_columns` finds
  them again in a loaded table; :func:`choice_shares` is the tidy table of shares
  (they can sum past 100%: a respondent picks several).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._utils import shorten
from .exceptions import ParameterError

__all__ = ["split_choices", "detect_multi_select", "multi_select_columns", "expand_choices", "choice_columns",
           "choice_shares", "DEFAULT_SEP", "MIN_CHOICE_N", "OTHER"]

#: separator of the choices in a cell unless the schema says otherwise (``columns.multi: [{column, sep}]``)
DEFAULT_SEP = ";"
#: a choice fewer respondents picked is a write-in and goes into :data:`OTHER`
MIN_CHOICE_N = 5
#: the choice that collects rare write-ins
OTHER = "Other"
_OPEN, _CLOSE = "([{", ")]}"


def split_choices(text: Any, sep: str = DEFAULT_SEP) -> list[str]:
    """The choices in one cell: split on ``sep`` outside quotes and brackets, stripped, empty parts dropped.

    Parameters
    ----------
    text : str or None
        The cell.  None / NaN gives ``[]``.
    sep : str
        The separator (one or more characters).

    Returns
    -------
    list of str

    Examples
    --------
    >>> split_choices('Email; "Deal sites (fave, iprice, etc...)";Push')
    ['Email', 'Deal sites (fave, iprice, etc...)', 'Push']
    >>> split_choices("Deal sites (fave, iprice, etc...), Friends", sep=",")
    ['Deal sites (fave, iprice, etc...)', 'Friends']
    >>> split_choices(None)
    []
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    text = str(text)
    if sep not in text:
        part = _unquote(text)
        return [part] if part else []
    parts, buf, depth, quote, i = [], [], 0, False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            quote = not quote
        elif not quote and ch in _OPEN:
            depth += 1
        elif not quote and ch in _CLOSE and depth:
            depth -= 1
        elif not quote and not depth and text.startswith(sep, i):
            parts.append("".join(buf))
            buf = []
            i += len(sep)
            continue
        buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return [p for p in (_unquote(p) for p in parts) if p]


def _unquote(part: str) -> str:
    part = part.strip()
    if len(part) >= 2 and part[0] == part[-1] == '"':
        part = part[1:-1].replace('""', '"').strip()
    return part


def detect_multi_select(values: pd.Series, *, seps: Sequence[str] = (DEFAULT_SEP, ","),
                        sample: int = 2_000) -> str | None:
    """The separator if ``values`` hold multi-select answers, else None.

    A column is multi-select when at least 10% of its answered cells hold two or
    more choices, the choices repeat (each of the common ones is picked in several
    cells, at most 80 distinct ones, and there are fewer distinct choices than
    distinct cells), and a choice is short (at most 12 words on average): free-text
    comments with commas fail the last two tests.  ``;`` is tried before ``,``.

    Parameters
    ----------
    values : Series
        One column of the export (text).
    seps : sequence of str
        Separators to try, in order.
    sample : int
        At most this many answered cells are looked at.

    Returns
    -------
    str or None

    Examples
    --------
    >>> cells = pd.Series(["Email;Push", "Push", "Email;In-app;Push", "In-app", None, "Email"] * 5)
    >>> detect_multi_select(cells)
    ';'
    >>> detect_multi_select(pd.Series(["Basic", "Pro", "Pro", "Basic"] * 5)) is None
    True
    """
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    cells = values.dropna()
    if len(cells) > sample:
        cells = cells.iloc[np.linspace(0, len(cells) - 1, sample).astype(int)]
    cells = [str(v).strip() for v in cells]
    cells = [c for c in cells if c]
    if len(cells) < 5:
        return None
    distinct_cells = Counter(cells)
    for sep in seps:
        if sum(sep in c for c in cells) < max(2, 0.1 * len(cells)):
            continue
        split = {c: split_choices(c, sep) for c in distinct_cells}
        multi = sum(n for c, n in distinct_cells.items() if len(split[c]) >= 2)
        if multi < max(2, 0.1 * len(cells)):
            continue
        counts: Counter[str] = Counter()
        for c, n in distinct_cells.items():
            for choice in set(split[c]):
                counts[choice] += n
        tokens = sum(counts.values())
        repeated = sum(n for n in counts.values() if n >= 2)
        words = sum(len(choice.split()) * n for choice, n in counts.items()) / max(tokens, 1)
        if (len(counts) <= 80 and len(counts) < len(distinct_cells) + 1 and repeated >= 0.8 * tokens
                and words <= 12):
            return sep
    return None


def multi_select_columns(frame: pd.DataFrame, *, seps: Sequence[str] = (DEFAULT_SEP, ","),
                         exclude: Iterable[str] = ()) -> dict[str, str]:
    """The multi-select columns of an export and their separators (see :func:`detect_multi_select`).

    For schema inference: a column listed here belongs under ``columns.multi``
    (with ``sep`` when it is not ``;``), not under segments.

    Examples
    --------
    >>> frame = pd.DataFrame({"plan": ["Basic", "Pro"] * 10,
    ...                       "Heard via": ["Email;Push", "Push", "TV;Email", "TV", "Email"] * 4})
    >>> multi_select_columns(frame)
    {'Heard via': ';'}
    """
    skip = set(exclude)
    out = {}
    for col in frame.columns:
        if col in skip:
            continue
        sep = detect_multi_select(frame[col], seps=seps)
        if sep is not None:
            out[str(col)] = sep
    return out


def expand_choices(values: pd.Series, *, column: str, sep: str = DEFAULT_SEP, min_n: int = MIN_CHOICE_N,
                   missing: Iterable[str] = ()) -> dict[str, pd.Series]:
    """One nullable boolean column per choice, ``"<column>: <choice>"``, most chosen first.

    A cell that is missing (or one of the ``missing`` codes) is missing in every
    choice column: the respondent did not answer the question.  Choices picked
    by fewer than ``min_n`` respondents are merged into ``"<column>: Other"``
    (last), together with a choice literally called "Other".

    Parameters
    ----------
    values : Series
        The multi-select column as exported.
    column : str
        Its name (the prefix of the new columns).
    sep : str
        Separator of the choices.
    min_n : int
        Fewest respondents a choice needs to keep its own column.
    missing : iterable of str
        Codes meaning "not answered" (the schema's ``missing_values``).

    Returns
    -------
    dict of {str: Series}
        In column order; each Series has the index of ``values``.

    Examples
    --------
    >>> cells = pd.Series(["Email;Push", "Push", None, "Email;Fax machine", "Push;Email"])
    >>> flags = expand_choices(cells, column="Heard via", min_n=2)
    >>> pd.DataFrame(flags)
       Heard via: Email  Heard via: Push  Heard via: Other
    0              True             True             False
    1             False             True             False
    2              <NA>             <NA>              <NA>
    3              True            False              True
    4              True             True             False
    """
    if not isinstance(min_n, (int, np.integer)) or isinstance(min_n, bool) or min_n < 1:
        raise ParameterError(f"min_n must be a whole number of respondents of at least 1, not {min_n!r}.")
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    gone = {str(m).strip() for m in missing}
    texts = [str(u).strip() for u in uniques]
    parts = [[] if t in gone else split_choices(t, sep) for t in texts]
    absent_u = np.array([t in gone or not p for t, p in zip(texts, parts, strict=True)] + [True])
    absent = absent_u[codes]
    counts: Counter[str] = Counter()
    per_u = np.bincount(codes[codes >= 0], minlength=len(uniques))
    for p, n in zip(parts, per_u, strict=True):
        for choice in set(p):
            counts[choice] += int(n)
    keep = [c for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            if n >= min_n and c.casefold() != OTHER.casefold()]
    other = [c for c in counts if c not in keep]
    out: dict[str, pd.Series] = {}

    def flags(match) -> pd.Series:
        per = np.array([any(match(c) for c in p) for p in parts] + [False])
        return pd.Series(pd.arrays.BooleanArray(per[codes], absent.copy()), index=values.index)

    for choice in keep:
        out[f"{column}: {choice}"] = flags(lambda c, choice=choice: c == choice)
    if other:
        rare = set(other)
        out[f"{column}: {OTHER}"] = flags(lambda c: c in rare)
    return out


def choice_columns(data: pd.DataFrame, column: str) -> list[str]:
    """The boolean choice columns ``"<column>: ..."`` of a loaded multi-select question (``[]`` if none).

    Examples
    --------
    >>> data = pd.DataFrame({"Heard via: Email": [True, False], "Heard via: Push": [False, True], "x": [1, 2]})
    >>> choice_columns(data, "Heard via")
    ['Heard via: Email', 'Heard via: Push']
    """
    prefix = f"{column}: "
    return [str(c) for c in data.columns
            if str(c).startswith(prefix) and pd.api.types.is_bool_dtype(data[c])]


def choice_shares(data: pd.DataFrame, column: str, *, weights: str | None = None) -> pd.DataFrame:
    """Share of the respondents who answered a multi-select question that picked each choice.

    Shares can sum past 100%: a respondent picks several choices.

    Parameters
    ----------
    data : DataFrame
        The loaded responses (with the ``"<column>: <choice>"`` columns).
    column : str
        The multi-select question (its export column name).
    weights : str, optional
        A weight column: weighted shares (``n`` stays the count).

    Returns
    -------
    DataFrame
        ``question, choice, n, base, share`` (share in 0-1), most chosen first, "Other" last.

    Examples
    --------
    >>> data = pd.DataFrame({"Heard via: Email": pd.array([True, False, True, None], dtype="boolean"),
    ...                      "Heard via: Push": pd.array([True, True, False, None], dtype="boolean")})
    >>> choice_shares(data, "Heard via")
        question choice  n  base     share
    0  Heard via  Email  2     3  0.666667
    1  Heard via   Push  2     3  0.666667
    """
    cols = choice_columns(data, column)
    if not cols:
        raise ParameterError(
            f"{shorten(column)!r} is not a multi-select question of this table (no boolean columns "
            f"'{shorten(column)}: <choice>'); list it under columns.multi in the schema."
        )
    if weights is not None and weights not in data.columns:
        raise ParameterError(f"The weights column {shorten(weights)!r} is not in the data.")
    w = np.ones(len(data)) if weights is None else pd.to_numeric(data[weights], errors="coerce").to_numpy(float)
    rows = []
    for c in cols:
        flags = data[c].astype("boolean")
        answered = flags.notna().to_numpy() & np.isfinite(w)
        chosen = flags.fillna(False).to_numpy(dtype=bool) & answered
        wa = w[answered].sum()
        rows.append({"question": column, "choice": c[len(column) + 2:], "n": int(chosen.sum()),
                     "base": int(answered.sum()), "share": float(w[chosen].sum() / wa) if wa > 0 else np.nan})
    return pd.DataFrame(rows, columns=["question", "choice", "n", "base", "share"])


def multi_spec(value: Any, origin: str = "schema") -> dict[str, dict[str, Any]]:
    """``columns.multi`` validated: ``{column: {"sep": str, "min_n": int}}``.

    Each entry is a column name, or ``{column: NAME, sep: ",", min_n: 5}``.

    Examples
    --------
    >>> multi_spec(["Heard via", {"column": "Sites", "sep": ","}])
    {'Heard via': {'sep': ';', 'min_n': 5}, 'Sites': {'sep': ',', 'min_n': 5}}
    """
    from .exceptions import SchemaError

    if value is None:
        return {}
    if isinstance(value, (str, Mapping)):
        value = [value]
    if not isinstance(value, Sequence):
        raise SchemaError(f"{origin}: columns.multi must be a list of column names (or {{column, sep}} entries), "
                          f"not {shorten(repr(value))}.")
    out: dict[str, dict[str, Any]] = {}
    for item in value:
        if isinstance(item, Mapping):
            unknown = [k for k in item if k not in ("column", "sep", "min_n")]
            if unknown or "column" not in item:
                raise SchemaError(f"{origin}: a columns.multi entry takes the keys column, sep and min_n "
                                  f"(e.g. {{column: Sites, sep: ','}}), not {shorten(repr(dict(item)))}.")
            name, sep, min_n = item["column"], item.get("sep", DEFAULT_SEP), item.get("min_n", MIN_CHOICE_N)
        else:
            name, sep, min_n = item, DEFAULT_SEP, MIN_CHOICE_N
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise SchemaError(f"{origin}: columns.multi must name columns, not {shorten(repr(name))}.")
        if not isinstance(sep, str) or not sep or sep.isspace() and sep != "\t":
            raise SchemaError(f"{origin}: columns.multi: the sep of {shorten(str(name))!r} must be the text between "
                              f"choices, e.g. ';' or ',', not {shorten(repr(sep))}.")
        if not isinstance(min_n, int) or isinstance(min_n, bool) or min_n < 1:
            raise SchemaError(f"{origin}: columns.multi: min_n of {shorten(str(name))!r} must be a whole number "
                              f"of at least 1, not {shorten(repr(min_n))}.")
        if str(name) in out:
            raise SchemaError(f"{origin}: columns.multi lists {shorten(str(name))!r} twice.")
        out[str(name)] = {"sep": sep, "min_n": min_n}
    return out
