"""Guessing a schema from a table's column names and values (:func:`infer_schema`), so that it can be
printed, saved and edited."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from typing import Any

import numpy as np
import pandas as pd

from .._utils import shorten, shorten_list
from ..exceptions import SchemaError
from ..privacy import looks_like_email, looks_like_phone
from ..registry import SCORES
from .spec import DEFAULT_MISSING_VALUES, Schema, _schema_from_dict

__all__ = ["infer_schema"]

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
    from ..dates import parse_dates
    from ..exceptions import DataError

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

