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

__all__ = ["mask_contacts", "looks_like_email", "looks_like_phone"]

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
