"""Margins of a customer base (``population:``/``margins:`` in the schema): ``{column: {level: share or
count}}`` validated into shares.

A data-layer module because the schema checks margins when it is read;
:mod:`csat_analysis.weighting` rakes to them and re-exports these names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._utils import nearest, shorten
from .exceptions import ParameterError

__all__ = ["SHARE_TOLERANCE", "level_key", "margins_from_mapping"]

#: Shares given as margins may miss 1 by this much (rounding); they are then rescaled to sum to 1.
SHARE_TOLERANCE = 0.005


def level_key(value: Any) -> str:
    """A level as matching text: ``1``, ``1.0`` and ``"1"`` are the same level; surrounding blanks are ignored."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return str(value).strip()


def margins_from_mapping(margins: Mapping, by: list[str],
                         total: float | None) -> tuple[dict[str, dict[str, float]], float | None]:
    """Validate ``{column: {level: share or count}}``; shares must sum to 1 (within SHARE_TOLERANCE)."""
    out: dict[str, dict[str, float]] = {}
    sizes: dict[str, float] = {}
    for col in by:
        if col not in margins:
            raise ParameterError(
                f"The margins have no entry for the `by` column {col!r}; they cover {list(map(str, margins))}."
                f"{nearest(col, map(str, margins))}"
            )
        spec = margins[col]
        if not isinstance(spec, Mapping) or not spec:
            raise ParameterError(
                f"The margins for {col!r} must map each level to a share or a count, e.g. "
                f"{{'Month-to-month': 0.55, 'One year': 0.21, 'Two year': 0.24}}, not {shorten(repr(spec))}."
            )
        values = {}
        for level, value in spec.items():
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not np.isfinite(value) or value < 0:
                raise ParameterError(
                    f"The margin of {col!r} level {level_key(level)!r} is {shorten(repr(value))}; margins must be "
                    "shares (0 to 1) or counts (0 or more)."
                )
            k = level_key(level)
            values[k] = values.get(k, 0.0) + float(value)
        s = sum(values.values())
        if s <= 0:
            raise ParameterError(f"The margins of {col!r} are all zero; give each level its share or count.")
        if all(v <= 1 for v in values.values()) and s <= 1 + SHARE_TOLERANCE:  # shares
            if abs(s - 1) > SHARE_TOLERANCE:
                raise ParameterError(
                    f"The shares of {col!r} sum to {s:.4f}, not 1 (allowed: 1 ± {SHARE_TOLERANCE}); a level is "
                    f"missing or mistyped: give every level's share ({sorted(values)})."
                )
            values = {k: v / s for k, v in values.items()}
        else:
            sizes[col] = s
        out[col] = values
    size = None
    if sizes:
        first_col, size = next(iter(sizes.items()))
        for col, s in sizes.items():
            if abs(s - size) > SHARE_TOLERANCE * size:
                raise ParameterError(
                    f"The margins count {size:,.0f} customers for {first_col!r} but {s:,.0f} for {col!r}; counts "
                    "of every variable must add up to the same population (or give shares)."
                )
    if total is not None:
        if isinstance(total, bool) or not isinstance(total, (int, float, np.integer, np.floating)) \
                or not np.isfinite(total) or total <= 0:
            raise ParameterError(f"The value for `total` must be a positive number of customers, not {total!r}.")
        size = float(total)
    if size is not None:
        for col in out:
            s = sum(out[col].values())
            out[col] = {k: v / s * size for k, v in out[col].items()}
    return out, size

