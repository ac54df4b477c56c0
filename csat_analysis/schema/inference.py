"""Schema inference: :func:`infer_schema` guesses a schema from an export's columns and values.

The rules (labelled scales, dates, ids, outcomes, reason codes, ranked segments, PII, short labels) live
in :mod:`csat_analysis._infer_rules`, which drafts the schema as plain data; this module validates the
draft into a :class:`~csat_analysis.schema.spec.Schema`.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from .._infer_rules import draft_schema
from .._utils import shorten_list
from ..exceptions import SchemaError
from .spec import Schema, _schema_from_dict

__all__ = ["infer_schema"]


def infer_schema(frame: pd.DataFrame, *, origin: str = "inferred schema") -> Schema:
    """Guess a schema from column names and values (for files without one).

    * **Scores** by name (``csat``/``satisfaction``, ``nps``/``recommend``/``likely``, ``ces``/``effort``/
      ``easy``; camelCase split) or by labelled answers (Very dissatisfied ... Very satisfied: CSAT; Not at
      all likely ... Extremely likely on 0-10: NPS; Very difficult ... Very easy: CES; Strongly disagree ...
      Strongly agree: CES or CSAT when the name says which; numbered variants such as "1 - Very
      dissatisfied"), with ``labels`` filled in.  The scale is the standard one, widened to 1-7 or 1-10 when
      the values need it; a "rating" running 0-10 is NPS; a "how likely" item answered 1-5 is not NPS (it
      is kept as a rating item, with a warning).  When the answers do not fill the assumed scale,
      ``Schema.inference_warnings`` says so and how to set ``scale``.
    * **Dates**: ISO, ``d/m/y``, ``31-Jul-18``, ``2015-02-24 11:35:52 -0800`` and (by name) Excel serial
      numbers; the column with the most dates, when 80% of the rows hold one.  A date is never a segment.
    * **Ids** (``Customer ID``, ``CustomerID``, ``tweet_id``): never segments, PII or extra; a unique one
      is ``response_id``; the customer id is ``customer_id`` when there is one row per customer or a
      churn-like outcome.
    * **Outcomes**: yes/no, true/false or 0/1 columns named like churn, exited, cancelled or renewed.
    * **Comments**: free text (mostly distinct answers of several words), the longest; reason codes are not.
    * **PII**: e-mails and phone numbers by content; a person's name or contact details by column name,
      unless the values are a few repeated levels (``Phone Service: Yes/No``).
    * **Ratings**: other whole-number columns within 0-10 spanning 3+ points that are not ids or counts.
    * **Segments**: at most 8 text columns with 2-50 levels, the most useful first (few levels, few missing
      values, a group-like name); the others are listed in ``Schema.draft_comments``.
    * **Short labels** for every header over 40 characters (``short_labels``).

    Raises
    ------
    SchemaError
        When no column looks like a score; ``error.draft`` holds the draft (candidates listed in it).

    Examples
    --------
    >>> frame = pd.DataFrame({"NPS": [0, 10, 9, 7, 3, 8], "SeatComfort": [1, 5, 4, 2, 3, 5],
    ...                       "CustomerId": [15634602, 15647311, 15619304, 15701354, 15737888, 15574012],
    ...                       "Remarks": ["Late again and nobody told us why", "Great crew, comfortable seat",
    ...                                   "Fine", "Food was cold", "Lost my bag", "Smooth flight"]})
    >>> s = infer_schema(frame)
    >>> s.metrics["nps"].column, s.ratings, s.customer_id, s.comment
    ('NPS', ('SeatComfort',), 'CustomerId', 'Remarks')
    """
    draft = draft_schema(frame)
    if not draft.raw["metrics"]:
        error = SchemaError(
            f"{origin}: no column looks like a CSAT, NPS or CES score (columns: "
            f"{shorten_list([str(c) for c in frame.columns])}); write a schema file naming them under 'metrics'."
            + "".join(f" Note: {note}" for note in draft.notes if "NPS needs" in note)
        )
        error.draft = draft
        raise error
    schema = _schema_from_dict(draft.raw, origin)
    return dataclasses.replace(schema, inference_warnings=tuple(draft.notes), draft_comments=tuple(draft.comments()))
