"""Labels for long column names: charts, tables and workbooks show at most :data:`MAX_LABEL` characters.

Google-Forms and Qualtrics headers are whole questions ("12. How would you rate the quality of Starbucks
compared to other brands (Coffee Bean, Old Town White Coffee..) to be:").  :func:`short_label` makes a short
one that keeps the question number (``Q12 Quality of Starbucks vs other brands``), :func:`short_labels` one
for every long header of a file (unique within it; inference writes them to the schema's ``short_labels``),
and :func:`display_label` is the one function charts and tables call: the schema's label when it has one,
otherwise the short form of a long name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["MAX_LABEL", "short_label", "short_labels", "display_label", "display_labels", "given_label"]

#: a header longer than this gets a short label
MAX_LABEL = 40

_LEAD_INS = (
    r"how would you rate", r"how do you rate", r"please rate", r"on a scale of \d+ (?:to|-) \d+,?", r"please",
    r"how satisfied are you with", r"how likely are you to", r"how likely is it that you would",
    r"to what extent do you agree(?: with the following)?", r"what is your", r"what are your", r"what was your",
    r"do you", r"did you", r"would you", r"have you", r"are you", r"how often do you", r"how much do you",
    r"in your opinion,?", r"overall,?",
)
_FILLER = frozenset({"the", "a", "an", "your", "you", "to", "be", "is", "are", "of", "in", "with", "for", "that",
                     "this", "these", "those", "our", "we", "us", "it", "its", "do", "does", "did", "would", "will",
                     "following", "statement", "statements", "about", "on", "at", "by", "as", "from"})


def short_label(header: Any, *, limit: int = MAX_LABEL) -> str:
    """A label of at most ``limit`` characters for a long question header, keeping its question number.

    Headers of ``limit`` characters or fewer come back unchanged.

    Examples
    --------
    >>> short_label("12. How would you rate the quality of Starbucks compared to other brands "
    ...             "(Coffee Bean, Old Town White Coffee..) to be:")
    'Q12 Quality of Starbucks vs other brands'
    >>> short_label("Region")
    'Region'
    """
    text = re.sub(r"\s+", " ", str(header)).strip()
    if len(text) <= limit:
        return text
    number = ""
    m = re.match(r"^(?:q(?:uestion)?\s*)?(\d{1,3}[a-z]?)(?:[.):\-]|\s)\s*(.*)$", text, flags=re.IGNORECASE)
    if m and m.group(2):
        number, text = f"Q{m.group(1)}", m.group(2)
    else:
        m = re.match(r"^(q\d{1,3}[a-z]?(?:_\d+)?)[.):\-\s]\s*(.*)$", text, flags=re.IGNORECASE)
        if m and m.group(2):
            number, text = m.group(1).upper(), m.group(2)
    head, sep, statement = text.rpartition(": ")
    if sep and len(statement.split()) >= 3 and len(head) < len(statement):
        text = statement  # "Please rate your agreement: The staff were friendly": the statement is the item
    text = re.sub(r"\([^)]*\)?|\[[^\]]*\]?", " ", text)  # parenthetical examples
    text = re.sub(r"\b(compared (?:to|with)|versus|as opposed to)\b", "vs", text, flags=re.IGNORECASE)
    text = re.sub(r"[?:;!…]+|\.{2,}", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" .,-")
    for lead in _LEAD_INS:
        text = re.sub(rf"^{lead}\s+", "", text, flags=re.IGNORECASE)
    text = re.sub(r"^(the|a|an|your)\s+", "", text, flags=re.IGNORECASE)
    words = text.split(" ")
    while words and words[-1].casefold() in _FILLER:
        words.pop()
    room = limit - (len(number) + 1 if number else 0)
    if len(" ".join(words)) > room:  # drop filler words (not the first), then cut at a word
        words = [w for i, w in enumerate(words) if i == 0 or w.casefold() not in _FILLER]
    out: list[str] = []
    for w in words:
        if len(" ".join([*out, w])) > room:
            break
        out.append(w)
    while len(out) > 1 and out[-1].strip(",;").casefold() in _FILLER | {"vs", "and", "or", "&", "-", "was", "were"}:
        out.pop()  # a cut leaves no dangling "vs" or "and"
    if not out:
        out = [words[0][:room]] if words and words[0] else []
    body = " ".join(out).strip(" ,.-")
    body = body[:1].upper() + body[1:]
    return f"{number} {body}".strip() if body else (number or text[:limit])


def _question_label(column: str, text: Any, *, limit: int = MAX_LABEL) -> str:
    """The short label of a column from its (long) question text, keeping the column's question number."""
    label = short_label(text, limit=limit)
    if not re.match(r"^Q\d", label) and re.match(r"^q(?:uestion)?\s*\d{1,3}[a-z]?(?:_\d+)?$", column,
                                                  flags=re.IGNORECASE):
        label = short_label(column + " " + str(text), limit=limit)
    return label


def short_labels(columns: Sequence[Any], *, question_text: Mapping[str, Any] | None = None,
                 limit: int = MAX_LABEL) -> dict[str, str]:
    """``{column: short label}`` for every header over ``limit`` characters, unique within ``columns``.

    ``question_text`` (``{column: question}``, an SPSS/Stata file's variable labels) gives a column
    whose question is longer than ``limit`` a label made from the question, keeping the question number
    (the column's own ``Q12`` when the question has none).

    Examples
    --------
    >>> long = "How satisfied are you with the speed of our delivery service to your home address?"
    >>> list(short_labels(["Region", long, long + " (again)"]).values())
    ['Speed delivery service home address', 'Speed delivery service home address… 2']
    >>> short_labels(["Q12", "region"], question_text={"Q12": "How would you rate the quality of Starbucks "
    ...                                                       "compared to other brands you know and buy?"})
    {'Q12': 'Q12 Quality Starbucks vs other brands'}
    """
    texts = {str(k): str(v) for k, v in (question_text or {}).items() if v is not None and str(v).strip()}

    def long(col: str) -> bool:
        return len(col) > limit or len(texts.get(col, "")) > limit

    taken = {str(c) for c in columns if not long(str(c))}
    out: dict[str, str] = {}
    for col in columns:
        col = str(col)
        if not long(col) or col in out:
            continue
        text = texts[col] if len(texts.get(col, "")) > limit else col
        first = _question_label(col, text, limit=limit) if text != col else short_label(col, limit=limit)
        label = first
        k = 2
        while label in taken:
            suffix = f"… {k}"
            label = first[: limit - len(suffix)].rstrip() + suffix
            k += 1
        taken.add(label)
        out[col] = label
    return out


def display_label(schema: Any, column: Any, *, limit: int = MAX_LABEL) -> str:
    """The label charts, tables and workbooks show for ``column``.

    The schema's ``short_labels`` entry when there is one; otherwise the column name, shortened to
    ``limit`` characters (keeping its question number) when it is longer.  ``schema`` may be a
    :class:`~csat_analysis.schema.Schema`, a schema dict, a table carrying one, or None.

    Examples
    --------
    >>> display_label({"short_labels": {"Q7 How easy was it to find what you needed today?": "Q7 Ease"}},
    ...               "Q7 How easy was it to find what you needed today?")
    'Q7 Ease'
    >>> display_label(None, "region")
    'region'
    >>> display_label({"question_text": {"Q3": "Q3. How likely are you to recommend the coffee shop to a friend "
    ...                                        "or a colleague?"}}, "Q3")
    'Q3 Recommend coffee shop friend'
    """
    given = given_label(schema, column, limit=limit)
    return given if given is not None else short_label(str(column), limit=limit)


def given_label(schema: Any, column: Any, *, limit: int = MAX_LABEL) -> str | None:
    """The label the schema gives ``column``: its ``short_labels`` entry, else one made from its long question
    text (an SPSS/Stata variable label); None when it gives none (see :func:`display_label`).

    Examples
    --------
    >>> given_label({"short_labels": {"satisfaction_overall": "Overall"}}, "satisfaction_overall")
    'Overall'
    >>> given_label({}, "satisfaction_overall") is None
    True
    """
    labels: Any = None
    texts: Any = None
    attrs = getattr(schema, "attrs", None)  # a table: its question texts (variable labels) from loading
    if isinstance(attrs, Mapping):
        texts = attrs.get("question_text")
    if schema is not None and not isinstance(schema, Mapping) and hasattr(schema, "schema") \
            and not hasattr(schema, "metrics"):
        schema = getattr(schema, "schema", None)  # a Responses table
    if isinstance(schema, Mapping):
        labels = schema.get("short_labels")
        texts = schema.get("question_text") or texts
    elif schema is not None:
        labels = getattr(schema, "short_labels", None)
        texts = getattr(schema, "question_text", None) or texts
    text = str(column)
    if isinstance(labels, Mapping) and text in labels:
        return str(labels[text])
    question = texts.get(text) if isinstance(texts, Mapping) else None
    if question is not None and len(str(question).strip()) > limit:
        return _question_label(text, str(question), limit=limit)
    return None


def display_labels(schema: Any, columns: Sequence[Any], *, limit: int = MAX_LABEL) -> dict[str, str]:
    """``{column: display_label(schema, column)}`` for ``columns``: the ``labels=`` mapping plots take.

    Examples
    --------
    >>> display_labels({"short_labels": {"Q7 How easy was it to find what you needed today?": "Q7 Ease"}},
    ...                ["Q7 How easy was it to find what you needed today?", "region"])
    {'Q7 How easy was it to find what you needed today?': 'Q7 Ease', 'region': 'region'}
    """
    return {str(c): display_label(schema, c, limit=limit) for c in columns}
