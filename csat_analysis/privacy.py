"""Contact details in survey text: recognise them, and mask them before display.

The loaded data keeps comments as they were written (raw data is never
altered); reports call :func:`mask_contacts` on each comment they show
(SPEC.md, "Privacy").  :func:`infer_schema` uses :func:`looks_like_email` and
:func:`looks_like_phone` to list columns of contact details as PII whatever
their name.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["mask_contacts", "looks_like_email", "looks_like_phone", "complementary_suppression", "COUNT_COLUMNS",
           "crossed_siblings"]

_EMAIL = r"[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
# dates are matched (and kept) before anything else gets a chance to read their digits as a phone number
_DATE = r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?!\d)|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})(?!\d)"
# card-like: 13-19 digits, optionally grouped by single spaces or dashes
_CARD = r"\d(?:[ \-]?\d){12,18}(?![\w])"
# phone: +country code and/or (area code), then groups of digits separated by one space, dash or dot;
# or a bare run of 10-12 digits starting with 0 or +; the digit count is checked in _replace
_PHONE = (r"(?:\+\d{1,3}[ .\-]?)?(?:\(\d{1,5}\)[ .\-]?)?\d{1,6}(?:[ .\-]\d{1,6}){1,5}(?![\w])"
          r"|\+\d{7,15}(?![\w])|0\d{9,11}(?![\w])|\(\d{1,5}\)[ .\-]?\d{4,10}(?![\w])")
_CONTACTS = re.compile(
    rf"(?P<email>(?<![\w.%+'\-]){_EMAIL})|(?<![\w+\-/.,:])(?:(?P<date>{_DATE})|(?P<number>{_CARD})|(?P<phone>{_PHONE}))"
)
_PLAIN_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_YEARS = re.compile(r"(?:19|20)\d\d(?:[ \-](?:19|20)\d\d)+")


def _phone_ok(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 15:
        return False  # too short or too long for a phone number
    if _YEARS.fullmatch(text):
        return False  # "2019 2020 2021"
    return text[0] in "+0(" or not _PLAIN_NUMBER.fullmatch(text)  # not a price or amount such as 1299.00


def _replace(match: re.Match) -> str:
    if match.group("email"):
        return "[email]"
    if match.group("number"):
        return "[number]"
    if match.group("phone") and _phone_ok(match.group("phone")):
        return "[phone]"
    return match.group(0)  # a date, or too few digits for a phone number: kept


def mask_contacts(text: Any) -> Any:
    """Replace e-mail addresses, phone numbers and card-like digit runs in free text.

    E-mail addresses become ``[email]``; runs of 13-19 digits (optionally
    grouped by spaces or dashes, as card numbers are written) ``[number]``;
    phone numbers (7-15 digits with an optional ``+`` country code, area code
    in parentheses, groups separated by spaces, dashes or dots; or a bare
    10-12 digit number starting with 0) ``[phone]``.  Dates (``2021-07-01``,
    ``01/07/2021``, ``20.07.2021``), prices (``$1,299.00``), times, lists of
    years, bare numbers that do not start with 0 (order and ticket numbers)
    and codes that start with a letter (flight ``BA117``) are left alone.  Anything that
    is not a string (``None``, ``pd.NA``) is returned unchanged.

    Raw data keeps its text; call this where a comment is displayed.

    Examples
    --------
    >>> mask_contacts("Call +44 20 7946 0958 or mail john.doe@example.co.uk")
    'Call [phone] or mail [email]'
    >>> mask_contacts("Card 4111 1111 1111 1111 charged on 2021-07-01 for $1,299.00 (BA117)")
    'Card [number] charged on 2021-07-01 for $1,299.00 (BA117)'
    """
    if not isinstance(text, str) or not any(ch.isdigit() or ch == "@" for ch in text):
        return text
    return _CONTACTS.sub(_replace, text)


def looks_like_email(text: str) -> bool:
    """Whether the whole of ``text`` (stripped) is an e-mail address.

    >>> looks_like_email(" jane@example.org "), looks_like_email("Email")
    (True, False)
    """
    return re.fullmatch(_EMAIL, text.strip()) is not None


def looks_like_phone(text: str) -> bool:
    """Whether the whole of ``text`` (stripped) is a phone number, by the rules of :func:`mask_contacts`.

    Plain numbers (``1000234``, ``1299.00``) and dates are not phone numbers.

    >>> [looks_like_phone(t) for t in ("(555) 123-4567", "+447700900123", "1000234", "2021-07-01")]
    [True, True, False, False]
    """
    text = text.strip()
    match = _CONTACTS.fullmatch(text)
    return match is not None and match.group("phone") is not None and _phone_ok(text)


# ---------------------------------------------------------------------------------------------- small-group suppression

#: columns that hold a count of respondents or customers: blank in a suppressed row, as its score is
COUNT_COLUMNS = ("n", "n_ref", "n_eff", "n_theme", "events", "count", "customers", "n_other", "n_eff_other")


def complementary_suppression(table: Any, *, privacy_min_n: int, siblings: Any = ((),), n: str = "n",
                              primary: Any = None, members: Any = None) -> Any:
    """Which rows of ``table`` to suppress so that no small group's score can be worked out by subtraction.

    A group with fewer than ``privacy_min_n`` responses (but at least one)
    is suppressed (primary suppression).  When its siblings and their total
    are shown, the total minus the siblings gives it back: ``(n_T s_T -
    sum n_i s_i) / (n_T - sum n_i)``.  So in every set of siblings that
    holds a suppressed group, further siblings are suppressed
    (complementary suppression), smallest first, until the set holds at
    least **two** suppressed groups with at least ``privacy_min_n`` responses
    **together**: subtraction then gives only the pooled score of several
    groups, never one small group's.  This is the rule statistical agencies
    apply to one-way tables (ONS, Eurostat; sdcTable, tau-ARGUS); the total
    itself stays shown.

    Parameters
    ----------
    table : DataFrame
        One row per group (per metric, per period, ...), with a count column ``n``.
    privacy_min_n : int
        The privacy threshold.
    siblings : sequence of sequences of column names
        Each entry is one way the rows add up to shown totals: rows with
        equal values in those columns are siblings of one total.  ``[[]]``
        (the default): every row is a sibling of one total (the levels of one
        segment column, the periods of one trend).  ``[["metric"]]``: the
        levels of each metric; ``[["period"], ["segment"]]``: a segment x
        period table whose period totals and segment totals are shown (the
        rule is applied in both directions until nothing changes).  An entry
        may also be ``(columns, mask)``: only the rows in ``mask`` are
        siblings in that direction (a total row kept in the table is a
        member one way, the total the other way).
    n : str
        The count column.
    primary : boolean array, optional
        Rows already suppressed (default: ``0 < n < privacy_min_n``).
    members : boolean array, optional
        Rows that are siblings at all (default: every row); a total kept in
        the same table (a crosstab's Total column, a band table's "All"
        segment) is not a member.

    Returns
    -------
    numpy.ndarray of bool
        ``primary`` plus the complementary suppressions.

    Examples
    --------
    Region A 30, B 27, Tiny 3: Tiny alone could be worked out from the
    total, so B (the smallest other region) is suppressed as well.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"region": ["A", "B", "Tiny"], "n": [30, 27, 3]})
    >>> complementary_suppression(t, privacy_min_n=5).tolist()
    [False, True, True]
    """
    import numpy as np
    import pandas as pd

    counts = pd.to_numeric(table[n], errors="coerce").fillna(0).to_numpy(dtype=float)
    rows = len(counts)
    hide = ((counts > 0) & (counts < privacy_min_n)) if primary is None else np.array(primary, dtype=bool, copy=True)
    if not privacy_min_n or rows == 0:
        return hide
    member = np.ones(rows, dtype=bool) if members is None else np.asarray(members, dtype=bool)
    sets: list[np.ndarray] = []
    for keys in siblings:
        within = member
        if isinstance(keys, tuple) and len(keys) == 2 and not isinstance(keys[1], str) and (
                keys[1] is None or (np.ndim(keys[1]) == 1 and len(keys[1]) == rows)):  # (columns, its members)
            keys, mask = keys
            within = member if mask is None else member & np.asarray(mask, dtype=bool)
        keys = [keys] if isinstance(keys, str) else list(keys)
        idx = np.flatnonzero(within)
        if not keys:
            sets.append(idx)
            continue
        frame = table.iloc[idx][keys].astype(object).where(lambda f: f.notna(), "\0missing")
        codes = frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
        sets.extend(idx[codes == code] for code in np.unique(codes))
    changed = True
    while changed:  # each pass adds at least one row or stops: at most len(table) passes
        changed = False
        for group in sets:
            live = group[counts[group] > 0]  # a group without answers has nothing to hide or to give away
            hidden = live[hide[live]]
            if not len(hidden):
                continue
            while len(hidden) < 2 or counts[hidden].sum() < privacy_min_n:
                shown = live[~hide[live]]
                if not len(shown):
                    break  # every sibling is suppressed: only the total is left, and it is the whole
                pick = shown[np.argmin(counts[shown])]  # the smallest sibling costs the least information
                hide[pick] = True
                hidden = live[hide[live]]
                changed = True
    return hide


def crossed_siblings(names: Any, fixed: Any = ()) -> list[list[str]]:
    """The sibling sets of a table crossed by ``names`` (e.g. a segment and a period), for
    :func:`complementary_suppression`: along each name, the rows that agree on every other name (and on
    ``fixed``, e.g. a theme) add up to a shown total.

    >>> crossed_siblings(["region", "period"]), crossed_siblings(["region"], fixed=["theme"])
    ([['period'], ['region']], [['theme']])
    """
    names, fixed = list(names), list(fixed)
    return [[o for o in names if o != c] + fixed for c in names]
