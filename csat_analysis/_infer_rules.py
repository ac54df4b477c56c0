"""How inference reads real export columns (issue 27): labelled scales, dates, ids, outcomes, reason codes,
segments, PII without false positives and scale checks (short labels for long headers: :mod:`csat_analysis.labels`).

:func:`draft_schema` guesses a whole schema as plain data (the dict :func:`csat_analysis.read_schema`
accepts) plus what it could not decide: the candidate metrics when no column is a score, the segment
candidates past the first :data:`MAX_SEGMENTS`, and the columns left unmapped with the reason.
:meth:`Draft.to_yaml` writes it with those as YAML comments, so ``csat-report validate --write-schema``
always writes a file to edit.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from typing import Any

import numpy as np
import pandas as pd

from ._utils import shorten, shorten_list
from .labels import MAX_LABEL, short_labels
from .privacy import looks_like_email, looks_like_phone
from .registry import SCORES

__all__ = ["Draft", "draft_schema", "labelled_scale", "scale_mismatch", "MAX_SEGMENTS"]

#: segments inference maps at most (the most useful first); the other candidates are comments in the draft
MAX_SEGMENTS = 8
#: cell text read as missing (the schema's default missing values)
_MISSING = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "#N/A")

# --------------------------------------------------------------------------- names


def _norm(col: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(col).lower()).strip("_")


def _words(col: Any) -> str:
    """A column name as lower-case words joined by ``_``, camelCase split: ``CustomerID`` -> ``customer_id``."""
    return _norm(re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", str(col)))


def _named(pattern: str, col: Any) -> bool:
    """Whether ``pattern`` matches the column name, as written or split into words."""
    return bool(re.search(pattern, _norm(col)) or re.search(pattern, _words(col)))


_NAME_PATTERNS: dict[str, str] = {
    "nps": r"(^|_|\b)(nps|ltr|recommend|likelihood|likely)",
    "csat": r"(^|_|\b)(csat|satisf|overall.?rating|^rating$)",
    "ces": r"(^|_|\b)(ces|effort|ease|easy)",
}
#: names of columns that hold identifiers (never ratings, segments, PII or extra)
_ID_NAME = r"(^|_)(id|ids|uuid|guid|key|code|nr|no|num|number|index|idx|row)($|_)"
#: ... written as one word: CustomerID, userid, orderno
_ID_GLUED = r"^[a-z]+(id|key|no|number|nr)$"
#: an id naming a customer, not a response
_CUSTOMER_ID = (r"(^|_)(customer|client|account|member|user|subscriber|cust|patient|guest|household)_?"
                r"(id|key|no|number|nr)?($|_)")
_RESPONSE_ID = r"^(response|respondent|review|call|record|ticket|case|survey|submission|interview)?_?(id|uuid)$"
#: names of small whole numbers that are not ratings
_NOT_RATING_NAME = (
    r"(^|_)(year|years|yr|month|months|quarter|qtr|week|weeks|weekday|day|days|hour|hours|minute|minutes|mins?"
    r"|seconds?|secs?|duration|tenure|age|count|counts|cnt|qty|quantity|products|items|points?|visits?|calls"
    r"|orders|nights|children|kids|adults|people|persons|rooms|referrals|dependents)($|_)"
)
_DATE_NAME = r"(^|_)(date|dates|timestamp|datetime|submitted|created|time|day|dt|when|posted|updated)($|_)"
#: names of free-text answers
_COMMENT_NAME = (
    r"(^|_)(comments?|verbatims?|feedback|remarks?|reviews?|body|text|why|reasons?|explain|explanation"
    r"|suggestions?|notes?|describe|specify|opinion)($|_)"
)
#: churn-like customer outcomes, and the outcome name each becomes
_OUTCOME_NAMES = (
    (r"(^|_)(churn|churned|churner|exited|exit|attrition|attrited|left|lost)($|_)", "churned"),
    (r"(^|_)(cancel|cancelled|canceled|cancellation)($|_)", "cancelled"),
    (r"(^|_)(renew|renewed|renewal)($|_)", "renewed"),
    (r"(^|_)(retained|retention)($|_)", "retained"),
)
#: names that read like a group of customers (segments ranked first)
_GROUP_NAME = (
    r"(^|_)(region|country|market|segment|plan|contract|tier|type|category|channel|gender|sex|group|band|city"
    r"|state|province|department|dept|branch|store|site|product|service|language|device|platform|source|team"
    r"|class|level|payment|method|offer|status|brand|airline|route|cabin|division|area|zone|office|location"
    r"|age|income|occupation|industry|size|nationality|education|membership)($|_)"
)
#: words that make a "... name" column a person's name ("customer_name"), unlike "channel_name"
_PERSON_WORDS = frozenset({
    "first", "last", "full", "given", "family", "middle", "sur", "nick", "display", "maiden", "customer", "client",
    "respondent", "contact", "user", "person", "member", "patient", "guest", "passenger", "caller", "employee",
    "agent", "account", "holder", "owner", "reviewer", "author", "manager",
})
_YES_NO = frozenset({"yes", "no", "y", "n", "true", "false", "t", "f", "0", "1", "0.0", "1.0"})
#: a text date carries its year (so ``23-Nov`` is not read as 23 November); ``31-Jul-18`` has one
_HAS_YEAR = re.compile(r"\d{4}|^\s*\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}\b|^\s*\d{1,2}[\-/ ][A-Za-z]{3,9}[\-/ ]\d{2}\b")
#: Excel serial day numbers 1960-01-01 .. 2099-12-31
_EXCEL_SERIALS = (21916, 73415)
_STANDARD_SCALES = ((0, 1), (1, 3), (1, 4), (1, 5), (0, 5), (1, 7), (0, 7), (1, 10), (0, 10))
_SAMPLE_ROWS = 500


def _pii_name(key: str) -> bool:
    """Whether a normalised column name says the column holds contact details or a person's name."""
    if re.search(r"(^|_)(email|e_mail|phone|telephone|mobile|address|ip_address)($|_)", key):
        return True
    return _person_name(key)


def _person_name(key: str) -> bool:
    """Whether a normalised column name says the column holds a person's name (``customer_name``)."""
    words = key.split("_")
    if any(w in ("surname", "firstname", "lastname", "fullname", "username") for w in words):
        return True
    if "name" not in words:
        return False
    others = [w for w in words if w != "name"]
    return not others or any(w in _PERSON_WORDS for w in others)


# --------------------------------------------------------------------------- values


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
    return text[~text.isin(_MISSING)]


def _missing_share(values: pd.Series) -> float:
    if not len(values):
        return 1.0
    return 1 - len(_present_text(_spread(values, 2000))) / len(_spread(values, 2000))


def _numeric_profile(values: pd.Series, min_share: float = 0.9) -> tuple[np.ndarray, int] | None:
    """The distinct numbers of a column and how many cells hold one; None unless at least ``min_share`` of
    its non-missing cells (and at least one) are numbers."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values) \
            or pd.api.types.is_timedelta64_dtype(values):
        return None
    if pd.api.types.is_numeric_dtype(values):
        present = values.dropna()
        return pd.unique(present.to_numpy(dtype=float)), int(len(present))
    if min_share >= 0.5:
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
    keep = ~text.isin(_MISSING).to_numpy()
    numbers = pd.to_numeric(text[keep], errors="coerce").to_numpy(dtype=float)
    weights = counts.to_numpy()[keep]
    ok = ~np.isnan(numbers)
    if not weights[ok].sum() or weights[ok].sum() < min_share * weights.sum():
        return None
    return numbers[ok], int(weights[ok].sum())


def _looks_like_rating(col: str, numbers: np.ndarray, n_present: int) -> bool:
    """A rating item: whole numbers, 3+ distinct values within 0-10 spanning 3+ points, not an id or count."""
    numbers = numbers[np.isfinite(numbers)]
    if len(numbers) < 3 or not (numbers == np.round(numbers)).all():
        return False
    lo, hi = numbers.min(), numbers.max()
    if lo < 0 or hi > 10 or hi - lo < 3:
        return False
    if n_present >= 12 and len(numbers) == n_present:
        return False
    if len(str(col)) > MAX_LABEL:  # a whole question as the header: its words do not name a field
        return True
    return not (_named(_ID_NAME, col) or _named(_NOT_RATING_NAME, col))


def _text_profile(values: pd.Series) -> tuple[float, float, float] | None:
    """(mean length, share distinct, mean words) of a text column's non-missing values; None for numbers."""
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


def _holds_contacts(values: pd.Series, sample: int = 100) -> bool:
    """Whether at least half of a sample of the column's values are e-mail addresses or phone numbers."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) \
            or pd.api.types.is_datetime64_any_dtype(values):
        return False
    texts = list(_present_text(_spread(_spread(values, 100 * sample).dropna(), sample)))
    if not texts:
        return False
    hits = sum(len(t) <= 320 and (looks_like_email(t) or looks_like_phone(t)) for t in texts)
    return hits >= 0.5 * len(texts)


def _binary(values: pd.Series) -> bool:
    """Yes/no, true/false or 0/1 values (a flag or an outcome), whatever the case."""
    if pd.api.types.is_bool_dtype(values):
        return True
    levels = {v.casefold() for v in _present_text(values).unique()[:10]}
    return 1 <= len(levels) <= 2 and levels <= _YES_NO


def _date_share(values: pd.Series, *, named: bool) -> float:
    """Share of a spread of rows holding a date with its year (Excel serial numbers count when the name says
    date); empty cells count as rows without one."""
    from .dates import parse_dates
    from .exceptions import DataError

    sample = _spread(values, 300)
    if not len(sample):
        return 0.0
    if pd.api.types.is_datetime64_any_dtype(values):
        return float(sample.notna().mean())
    present = sample.dropna()
    if isinstance(present.dtype, pd.CategoricalDtype):
        present = present.astype(object)
    if pd.api.types.is_numeric_dtype(present):
        if not named:
            return 0.0
        x = present.to_numpy(dtype=float)
        return float(((x >= _EXCEL_SERIALS[0]) & (x <= _EXCEL_SERIALS[1])).sum()) / len(sample)
    objects = np.fromiter((isinstance(v, (_dt.date, pd.Timestamp)) for v in present), dtype=bool, count=len(present))
    text = present[~objects].astype(str).str.strip()
    plain = text.str.fullmatch(r"-?\d+(\.\d*)?")  # numbers stored as text: Excel serials at most, by name
    if named and len(text) and plain.mean() > 0.5:
        x = pd.to_numeric(text[plain], errors="coerce").to_numpy(dtype=float)
        return float(((x >= _EXCEL_SERIALS[0]) & (x <= _EXCEL_SERIALS[1])).sum()) / len(sample)
    text = text[~plain & text.str.contains(_HAS_YEAR) & ~text.isin(_MISSING)]
    try:
        parsed = int(parse_dates(text.astype(object), column=str(values.name))[0].notna().sum()) if len(text) else 0
    except DataError:  # day-first and month-first side by side: dates all the same (the load will say)
        parsed = len(text)
    return (int(objects.sum()) + parsed) / len(sample)


def _id_like(col: str, values: pd.Series) -> bool:
    """An identifier: named like one (``Customer ID``, ``CustomerID``, ``tweet_id``, ``Order_id``) with mostly
    distinct values, or whole numbers / codes without spaces that are all distinct."""
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        return False
    present = values.dropna()
    if not len(present):
        return False
    sample = _spread(present, 2000)
    distinct = sample.nunique() / len(sample)
    if pd.api.types.is_float_dtype(present) and not (present == np.round(present)).all():
        return False
    key = _words(col)
    named = bool(re.search(_ID_NAME, key) or re.search(_ID_NAME, _norm(col)) or re.fullmatch(_ID_GLUED, _norm(col)))
    if named and distinct >= 0.5 and len(present) >= 2:
        return True
    if len(present) < 20 or distinct < 1.0:
        return False
    text = _present_text(sample)
    if pd.api.types.is_numeric_dtype(present) or pd.to_numeric(text, errors="coerce").notna().mean() > 0.5:
        return False  # unnamed distinct numbers may be amounts
    return bool(len(text)) and bool(text.str.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-:.]{3,}").mean() > 0.95) \
        and bool(text.str.contains(r"\d").mean() > 0.95)


def _outcome_name(col: str, values: pd.Series) -> str | None:
    """The outcome a churn-like yes/no, true/false or 0/1 column records (``churned``...), else None."""
    for pattern, name in _OUTCOME_NAMES:
        if _named(pattern, col) and _binary(values):
            return name
    return None


# --------------------------------------------------------------------------- labelled scales

#: known answer scales: (metric it suggests, labels in order); a scale of n labels is scored 1..n
_LABELLED: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("csat", (("very dissatisfied", "extremely dissatisfied", "completely dissatisfied"),
              ("dissatisfied", "somewhat dissatisfied", "fairly dissatisfied"),
              ("neither satisfied nor dissatisfied", "neutral", "neither dissatisfied nor satisfied"),
              ("satisfied", "somewhat satisfied", "fairly satisfied"),
              ("very satisfied", "extremely satisfied", "completely satisfied"))),
    ("ces", (("very difficult", "extremely difficult"), ("difficult", "somewhat difficult"),
             ("neither easy nor difficult", "neutral", "neither difficult nor easy"),
             ("easy", "somewhat easy"), ("very easy", "extremely easy"))),
    ("agree", (("strongly disagree",), ("disagree", "somewhat disagree"),
               ("neither agree nor disagree", "neutral", "neither disagree nor agree"),
               ("agree", "somewhat agree"), ("strongly agree",))),
)
_NPS_ENDS = (("not at all likely", "not likely at all", "extremely unlikely", "very unlikely"),
             ("extremely likely", "very likely"))
#: "1 - Very dissatisfied", "5 = Very satisfied", "1. Very dissatisfied", "(1) ...", "10 (Extremely likely)"
_NUMBERED = re.compile(r"^\(?(\d{1,2})\)?\s*(?:[-–=:.)]\s*)?\(?([A-Za-z].*?)\)?$")


def labelled_scale(values: pd.Series) -> tuple[str, tuple[int, int], dict[str, int]] | None:
    """A known labelled answer scale: ``(kind, scale, labels)`` or None.

    ``kind`` is ``csat``, ``ces``, ``nps`` or ``agree`` (Strongly disagree ... Strongly agree, a metric only
    when the column's name says which).  ``labels`` maps every answer text seen to its score, numbered
    variants (``"1 - Very dissatisfied"``) included; plain numbers need no label.

    Examples
    --------
    >>> labelled_scale(pd.Series(["Very satisfied", "Satisfied", "Very dissatisfied", None]))
    ('csat', (1, 5), {'Satisfied': 4, 'Very dissatisfied': 1, 'Very satisfied': 5})
    >>> labelled_scale(pd.Series(["0 - Not at all likely", "7", "10 - Extremely likely"]))[:2]
    ('nps', (0, 10))
    """
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    levels = sorted(set(_present_text(_spread(values, 5000))))
    if not 2 <= len(levels) <= 12:
        return None
    parts: dict[str, tuple[int | None, str | None]] = {}
    for text in levels:
        if re.fullmatch(r"\d{1,2}(\.0)?", text):
            parts[text] = (int(float(text)), None)
            continue
        m = _NUMBERED.match(text)
        number, label = (int(m.group(1)), m.group(2)) if m else (None, text)
        parts[text] = (number, re.sub(r"\s+", " ", label.strip(" .")).casefold())
    labelled = {t: p for t, p in parts.items() if p[1] is not None}
    if len(labelled) < 2:
        return None
    # NPS: the end points named, the points between plain numbers (or numbered)
    ends = {t: (0 if p[1] in _NPS_ENDS[0] else 10) for t, p in labelled.items()
            if p[1] in _NPS_ENDS[0] or p[1] in _NPS_ENDS[1]}
    numbers = [p[0] for p in parts.values() if p[0] is not None]
    if ends and len(ends) == len(labelled) and all(0 <= v <= 10 for v in numbers) \
            and (not numbers or max(numbers) > 5 or len(ends) == 2 and len(levels) > 5):
        return "nps", (0, 10), {t: (p[0] if p[0] is not None else ends[t]) for t, p in labelled.items()}
    for kind, points in _LABELLED:
        score: dict[str, int] = {}
        for t, (_number, label) in labelled.items():
            hit = next((i + 1 for i, names in enumerate(points) if label in names), None)
            if hit is None:
                break
            score[t] = hit
        else:
            shift = {labelled[t][0] - s for t, s in score.items() if labelled[t][0] is not None}
            if len(shift) > 1:
                continue  # numbered inconsistently: not this scale
            offset = shift.pop() if shift else 0
            plain = [p[0] for t, p in parts.items() if p[1] is None]
            lo, hi = 1 + offset, len(points) + offset
            if any(not lo <= v <= hi for v in plain):
                continue
            return kind, (lo, hi), {t: s + offset for t, s in score.items()}
    return None


# --------------------------------------------------------------------------- scale fit

def scale_mismatch(metric: str, column: str, scale: tuple[int, int], values: Any) -> str | None:
    """A warning when a declared scale is wider than the answers use (``scale: [0, 10]``, answers 1-5).

    Examples
    --------
    >>> scale_mismatch("nps", "Q5", (0, 10), [1, 2, 3, 4, 5] * 10).split("; ")[0]
    "metrics.nps: column 'Q5' has scale [0, 10], but its 50 answers use 1-5 only"
    >>> scale_mismatch("csat", "sat", (1, 5), [1, 2, 3, 4, 5]) is None
    True
    """
    x = np.asarray(pd.to_numeric(pd.Series(values, dtype=object), errors="coerce"), dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 20:
        return None
    lo, hi = scale
    vmin, vmax = float(x.min()), float(x.max())
    if vmin < lo or vmax > hi:
        return None  # out-of-range answers are reported by the load itself
    fit = next(((a, b) for a, b in _STANDARD_SCALES if a <= vmin and vmax <= b and b - a >= 2), None)
    if fit is None or fit == (lo, hi) or fit[1] - fit[0] >= hi - lo or fit[1] != vmax:
        return None
    if np.unique(x).size < min(3, fit[1] - fit[0] + 1):
        return None
    text = (f"metrics.{metric}: column {shorten(column)!r} has scale [{lo}, {hi}], but its {len(x):,} answers use "
            f"{fit[0]:g}-{fit[1]:g} only; is this a {fit[0]:g}-{fit[1]:g} scale? If so, set "
            f"scale: [{fit[0]}, {fit[1]}]")
    if metric == "nps":
        text += " and map it as csat (NPS needs a 0-10 likelihood-to-recommend question)"
    return text + "."


def _scale_note(name: str, col: str, scale: tuple[int, int], top_box: int, vmin: float, vmax: float,
                n: int) -> str | None:
    """A warning when the answers do not fit the scale inference assumed."""
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


def _top_box(name: str, scale: tuple[int, int]) -> int:
    lo, hi = scale
    if tuple(SCORES[name].scale) == (lo, hi):
        return int(SCORES[name].top_box)
    return hi if hi - lo == 1 else hi - 1


# --------------------------------------------------------------------------- the draft


@dataclasses.dataclass
class Draft:
    """An inferred schema as plain data, with what inference could not decide.

    ``raw`` is the schema dict (``metrics`` may be empty when no column is a score); ``notes`` are warnings;
    ``candidates`` maps columns that could be a metric to ``(distinct values, suggested mapping)``;
    ``more_segments`` lists segment candidates past :data:`MAX_SEGMENTS`; ``unmapped`` says why a column
    has no role.
    """

    raw: dict[str, Any]
    notes: list[str] = dataclasses.field(default_factory=list)
    candidates: dict[str, tuple[list[str], dict[str, Any]]] = dataclasses.field(default_factory=dict)
    more_segments: list[str] = dataclasses.field(default_factory=list)
    unmapped: dict[str, str] = dataclasses.field(default_factory=dict)

    def comments(self) -> list[str]:
        """YAML comment lines for what the draft leaves open."""
        import json

        lines: list[str] = []
        if not self.raw.get("metrics"):
            lines.append("# metrics: no column looks like a CSAT, NPS or CES score. Fill in metrics: with at least one")
            lines.append("# of csat, nps or ces. Candidates (distinct values, then a suggested mapping):")
            for col, (values, suggestion) in self.candidates.items():
                lines.append(f"#   {json.dumps(col, ensure_ascii=False)}: {shorten(', '.join(values), 200)}")
                lines.append(f"#     suggested: {json.dumps(suggestion, ensure_ascii=False)}")
            if not self.candidates:
                lines.append("#   (none: no column holds whole-number ratings or a known answer scale; name the "
                             "score column yourself, e.g. csat: {column: Q1, scale: [1, 5]})")
        if self.more_segments:
            lines.append(f"# More segment candidates (inference keeps at most {MAX_SEGMENTS}); move any you need "
                         "into columns.segments:")
            lines += [f"#   - {json.dumps(c, ensure_ascii=False)}" for c in self.more_segments]
        if self.unmapped:
            lines.append("# Columns left out of the schema (not loaded):")
            lines += [f"#   {json.dumps(c, ensure_ascii=False)}: {why}" for c, why in self.unmapped.items()]
        return lines

    def to_yaml(self) -> str:
        """The draft as YAML text; what is left open follows as comments."""
        import yaml

        raw = dict(self.raw)
        if not raw.get("metrics"):
            raw["metrics"] = None
        text = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=1000)
        return text + "\n".join(self.comments()) + ("\n" if self.comments() else "")


def _metric_candidate(col: str, values: pd.Series) -> tuple[list[str], dict[str, Any]] | None:
    """Distinct values and a suggested metric mapping for a column that could hold a score."""
    scale = labelled_scale(values)
    if scale is not None:
        kind, (lo, hi), labels = scale
        name = "csat" if kind == "agree" else kind
        return sorted(labels, key=labels.get), {name: {"column": col, "scale": [lo, hi], "labels": labels}}
    if not pd.api.types.is_numeric_dtype(values):
        levels = {t.casefold(): t for t in _present_text(_spread(values, 5000)).unique()[:10]}
        if set(levels) == {"negative", "neutral", "positive"}:  # sentiment labels: a 1-3 scale
            labels = {levels["negative"]: 1, levels["neutral"]: 2, levels["positive"]: 3}
            return list(labels), {"csat": {"column": col, "scale": [1, 3], "top_box": 3, "labels": labels}}
    profile = _numeric_profile(values)
    if profile is None:
        return None
    numbers = np.sort(profile[0][np.isfinite(profile[0])])
    if not len(numbers) or not _looks_like_rating(col, numbers, profile[1]):
        return None
    vmin, vmax = numbers.min(), numbers.max()
    fit = next(((a, b) for a, b in _STANDARD_SCALES if a <= vmin and vmax <= b and b - a >= 2), (0, 10))
    name = "nps" if fit == (0, 10) and _named(_NAME_PATTERNS["nps"], col) else "csat"
    return [f"{v:g}" for v in numbers], {name: {"column": col, "scale": list(fit)}}


def draft_schema(frame: pd.DataFrame) -> Draft:
    """Guess a schema for ``frame`` (see :func:`csat_analysis.schema.infer_schema` for the rules).

    Examples
    --------
    >>> frame = pd.DataFrame({"Customer ID": ["7590-VHVEG", "5575-GNVDE", "3668-QPYBK", "7795-CFOCW"],
    ...                       "Phone Service": ["No", "Yes", "Yes", "No"], "Churn Label": ["No", "No", "Yes", "Yes"],
    ...                       "Satisfaction": ["Very satisfied", "Satisfied", "Very dissatisfied", "Neutral"]})
    >>> d = draft_schema(frame)
    >>> d.raw["metrics"]["csat"]["scale"], d.raw["columns"]["customer_id"], d.raw["outcomes"]
    ([1, 5], 'Customer ID', {'churned': {'column': 'Churn Label'}})
    """
    cols = [str(c) for c in frame.columns]
    question_text = frame.attrs.get("question_text")  # an SPSS/Stata/SAS file's variable labels
    frame = frame.set_axis(cols, axis=1)
    n_rows = len(frame)
    used: set[str] = set()
    notes: list[str] = []
    metrics: dict[str, Any] = {}
    observed: dict[str, tuple[float, float, int]] = {}
    ratings_by_name: list[str] = []
    unmapped: dict[str, str] = {}

    # labelled scales first: the labels say what the column is
    labelled: dict[str, tuple[str, tuple[int, int], dict[str, int]]] = {}
    for col in cols:
        found = labelled_scale(frame[col])
        if found is not None:
            labelled[col] = found
    for col, (kind, scale, labels) in labelled.items():
        name = kind
        if kind == "agree":
            name = next((m for m in ("ces", "csat") if _named(_NAME_PATTERNS[m], col)), None)
            if name is None:
                continue
        if name in metrics:
            continue
        metrics[name] = {"column": col, "scale": list(scale), "labels": labels}
        used.add(col)

    for name, pattern in _NAME_PATTERNS.items():
        for col in cols:
            if col in used or not _named(pattern, col) or name in metrics:
                continue
            profile = _numeric_profile(frame[col], min_share=0.0)
            if profile is None or not len(profile[0][np.isfinite(profile[0])]):
                continue
            numbers = profile[0][np.isfinite(profile[0])]
            lo, hi = SCORES[name].scale
            vmin, vmax = numbers.min(), numbers.max()
            target = name
            if name == "nps" and vmin >= 0 and vmax <= 5 and len(numbers) >= 2 and not _named(r"(^|_)nps($|_)", col):
                # a 1-5 "how likely" item is not a 0-10 likelihood to recommend: a rating item, with a note
                # (a column the export calls NPS stays NPS, with the scale warning)
                ratings_by_name.append(col)
                notes.append(
                    f"column {shorten(col)!r} is named like likelihood to recommend, but its answers use "
                    f"{vmin:g}-{vmax:g} only; NPS needs a 0-10 scale, so it was kept as a rating item. To make it "
                    f"the headline metric, map it as csat: metrics: {{csat: {{column: {col!r}, scale: "
                    f"[{int(vmin) if vmin <= 1 else 1}, {max(int(vmax), 3)}]}}}}."
                )
                used.add(col)
                break
            if name == "csat" and vmin == 0 and 7 < vmax <= 10 and "nps" not in metrics:
                target, lo, hi = "nps", 0, 10
            elif name != "nps" and vmax > hi:
                hi = 7 if vmax <= 7 else 10
            if target in metrics:
                continue
            metrics[target] = {"column": col, "scale": [lo, hi]}
            observed[target] = (float(vmin), float(vmax), profile[1])
            used.add(col)
            break

    columns: dict[str, Any] = {}
    outcomes: dict[str, Any] = {}
    ids: list[str] = []
    dates: dict[str, float] = {}
    for col in cols:
        if col in used:
            continue
        values = frame[col]
        key = _norm(col)
        outcome = _outcome_name(col, values)
        if outcome is not None:
            if outcome not in outcomes:
                outcomes[outcome] = {"column": col}
            else:
                unmapped[col] = f"another {outcome} outcome (outcomes.{outcome} is {outcomes[outcome]['column']!r})"
            used.add(col)
            continue
        # by name: not a yes/no answer (``Phone Service``) nor a few repeated levels (``Phone type``), unless
        # the name says a person's name (``Agent name`` with eight agents is still names)
        if _holds_contacts(values) or (_pii_name(key) and not _binary(values)
                                       and not (_categorical(values) and not _person_name(key))):
            columns.setdefault("pii", []).append(col)
            used.add(col)
            continue
        named_date = _named(_DATE_NAME, col) or pd.api.types.is_datetime64_any_dtype(values)
        share = _date_share(values, named=named_date) if (named_date or _textual(values)) else 0.0
        if share >= 0.8 or (named_date and share > 0):
            dates[col] = share
            used.add(col)
            continue
        if _id_like(col, values):
            ids.append(col)
            used.add(col)
            continue
        if key == "weight" and "weight" not in columns:
            columns["weight"] = col
            used.add(col)

    # ids: a unique response id, and the customer id (one row per customer, or a churn-like outcome)
    for col in ids:
        values = frame[col].dropna()
        unique = len(values) == n_rows and values.is_unique
        if "customer_id" not in columns and _named(_CUSTOMER_ID, col) and (unique or outcomes):
            columns["customer_id"] = col
        elif "response_id" not in columns and unique and (_named(_RESPONSE_ID, col) or not _named(_CUSTOMER_ID, col)):
            columns["response_id"] = col
        else:
            unmapped[col] = "an identifier" + ("" if unique else " (repeated values)")

    # the date: the column with the most dates, when most rows have one
    if dates:
        best = max(dates, key=lambda c: (dates[c], _named(_DATE_NAME, c)))
        if n_rows == 0 or dates[best] >= 0.8:
            columns["date"] = {"column": best}
        else:
            notes.append(
                f"column {shorten(best)!r} looks like a date but only about {dates[best]:.0%} of the rows hold one, "
                "so it was not mapped (rows without a date would be excluded); to use it for trends, map it under "
                "columns.date in the schema."
            )
        for col in dates:
            if col != columns.get("date", {}).get("column"):
                unmapped[col] = "another date"

    # the comment: free text (mostly distinct, several words), the longest answers; reason codes are not
    texts = []
    for col in cols:
        if col in used:
            continue
        profile = _text_profile(frame[col])
        if profile is None:
            continue
        length, distinct, words = profile
        if (_named(_COMMENT_NAME, col) and distinct >= 0.5 and (words >= 3 or length >= 15)) \
                or (length >= 40 and distinct >= 0.8 and words >= 5):
            texts.append((col, length))
    if texts:
        columns["comment"] = max(texts, key=lambda item: item[1])[0]
        used.add(columns["comment"])

    # multi-select questions ("Email;Push;TV"): one flag per choice when loaded, never a segment
    from .multiselect import DEFAULT_SEP, multi_select_columns

    rest = [c for c in cols if c not in used]
    multi = multi_select_columns(frame[rest]) if rest else {}
    if multi:
        columns["multi"] = [c if sep == DEFAULT_SEP else {"column": c, "sep": sep} for c, sep in multi.items()]
        used.update(multi)

    segments: list[tuple[float, int, str]] = []
    ratings, extra = list(ratings_by_name), []
    for i, col in enumerate(cols):
        if col in used:
            continue
        values = frame[col]
        profile = _numeric_profile(values)
        if profile is not None:
            (ratings if _looks_like_rating(col, *profile) else extra).append(col)
            continue
        k = values.nunique(dropna=True)
        if 2 <= k <= 50 and k < 0.5 * max(len(values), 1):
            segments.append((-_segment_score(col, values, k), i, col))
        elif k < 2:
            unmapped[col] = "one value only" if k else "empty"
        else:
            unmapped[col] = f"text with {k:,} distinct values"
    segments.sort()
    chosen = [c for _, _, c in segments[:MAX_SEGMENTS]]
    more = [c for _, _, c in segments[MAX_SEGMENTS:]]
    if chosen:
        columns["segments"] = chosen
    if ratings:
        columns["ratings"] = [c for c in cols if c in ratings]
    if extra:
        columns["extra"] = extra
    if more:
        notes.append(f"{len(more)} more columns could be segments ({shorten_list(more)}); inference kept the "
                     f"{MAX_SEGMENTS} most useful. Add any you need under columns.segments.")

    for name, spec in metrics.items():
        if name in observed:
            note = _scale_note(name, spec["column"], tuple(spec["scale"]), _top_box(name, tuple(spec["scale"])),
                               *observed[name])
            if note:
                notes.insert(0, note)
    raw: dict[str, Any] = {}
    if columns:
        order = ("response_id", "customer_id", "date", "segments", "multi", "ratings", "pii", "extra", "weight",
                 "comment")
        raw["columns"] = {k: columns[k] for k in order if k in columns}
    raw["metrics"] = metrics
    if outcomes:
        raw["outcomes"] = outcomes
    labels = short_labels(cols, question_text=question_text if isinstance(question_text, dict) else None)
    if labels:
        raw["short_labels"] = labels
    candidates: dict[str, tuple[list[str], dict[str, Any]]] = {}
    if not metrics:
        for col in [*columns.get("ratings", []), *labelled, *cols]:
            if col in candidates or col in columns.get("pii", ()):
                continue
            found = _metric_candidate(col, frame[col])
            if found is not None:
                candidates[col] = found
    return Draft(raw, notes, candidates, more, unmapped)


def _textual(values: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values))


def _categorical(values: pd.Series) -> bool:
    """Few levels repeated many times (``Phone Service: Yes/No``, ``Multiple Lines``): not a person's details."""
    present = _present_text(_spread(values, 2000))
    k = present.nunique()
    return len(present) >= 20 and k <= 10 and k <= 0.1 * len(present)


def _segment_score(col: str, values: pd.Series, k: int) -> float:
    """How useful a segment candidate is: few levels, few missing values, a name that reads like a group."""
    score = 2.0 if _named(_GROUP_NAME, col) else 0.0
    if _binary(values):
        score -= 0.5  # a yes/no flag: a group, but a thin one
    score += 1.0 if 2 <= k <= 12 else (0.5 if k <= 25 else 0.0)
    score -= 3.0 * _missing_share(values)
    if _named(r"(^|_)(reason|reasons|category|why)($|_)", col) and _missing_share(values) > 0.3:
        score -= 1.0
    return score
