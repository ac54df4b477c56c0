"""Helpers shared by the health modules and :func:`customers`: one row per customer."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._utils import check_argument, nearest
from ..exceptions import ParameterError
from ..responses import schema_of

__all__ = ["BAND_NAMES", "schema_outcomes", "schema_features", "mapped_metrics", "require_customer_columns",
           "numeric_values_of", "customers"]

_METRICS = ("csat", "nps", "ces")


_RULES = ("latest", "first", "mean")
BAND_NAMES = ("red", "yellow", "green")


# --------------------------------------------------------------------------- helpers


def _schema(data: pd.DataFrame) -> dict:
    return schema_of(data)


def schema_outcomes(data: pd.DataFrame) -> list[str]:
    return [o for o in (_schema(data).get("outcomes") or {}) if o in data.columns]


def schema_features(data: pd.DataFrame) -> list[str]:
    return [f for f in (_schema(data).get("features") or []) if f in data.columns]


def mapped_metrics(data: pd.DataFrame) -> list[str]:
    sch = _schema(data)
    if not sch:
        return [m for m in _METRICS if m in data.columns]
    return [m for m in _METRICS if m in (sch.get("metrics") or {}) and m in data.columns]


def require_customer_columns(data: pd.DataFrame, names: Sequence[str], what: str) -> None:
    for name in names:
        if name not in data.columns:
            raise ParameterError(
                f"The {what} {name!r} is not a column of the data; columns are {list(map(str, data.columns))}."
                f"{nearest(str(name), map(str, data.columns))}"
            )


def numeric_values_of(col: pd.Series) -> np.ndarray | None:
    """A column as floats (NaN missing), or None when it is not numeric (a category)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return None
    if col.dtype == object or pd.api.types.is_string_dtype(col):
        uniques = pd.Series(col.dropna().unique(), dtype=object)  # judged once per distinct value
        if not len(uniques) or pd.to_numeric(uniques, errors="coerce").isna().any():
            return None
        return pd.to_numeric(col.astype(object), errors="coerce").to_numpy(dtype=float)
    if pd.api.types.is_bool_dtype(col):
        return col.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(col).astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _binary(y: np.ndarray, name: str) -> np.ndarray:
    """Check that an outcome is yes/no (0/1); return it as floats with NaN missing."""
    present = y[~np.isnan(y)]
    if len(present) and not np.isin(present, (0.0, 1.0)).all():
        raise ParameterError(
            f"The outcome {name!r} is not yes/no (it holds {present[~np.isin(present, (0.0, 1.0))][0]:g}); a risk "
            "model needs a 0/1 outcome. Map its answers under outcomes.<name>.labels, e.g. {'Yes': 1, 'No': 0}."
        )
    return y


def _fmt_pct(p: float) -> str:
    return "–" if not np.isfinite(p) else f"{100 * p:.1f}%"


def _nice_step(sd: float) -> float:
    """A round unit (1, 2, 5 × 10^k) close to one standard deviation."""
    if not np.isfinite(sd) or sd <= 0:
        return 1.0
    k = 10 ** math.floor(math.log10(sd))
    return float(min((1, 2, 5, 10), key=lambda m: abs(math.log(m * k / sd))) * k)


def _fmt_num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:g}"


# --------------------------------------------------------------------------- one row per customer


def customers(data: pd.DataFrame, *, rule: str = "latest") -> tuple[pd.DataFrame, str]:
    """One row per customer, and a sentence saying how it was made.

    ``rule``: ``"latest"`` (default; the response with the latest ``date``,
    ties and undated exports by file order), ``"first"``, or ``"mean"``
    (scores, outcomes and numeric features averaged, everything else from the
    latest response).  Rows without a customer id are left out (counted in
    the sentence).  Without a ``customer_id`` column every response is one
    customer, keyed by its ``response_id``.

    Examples
    --------
    >>> frame = pd.DataFrame({"customer_id": ["a", "a", "b"], "csat": [1, 5, 3],
    ...                       "date": pd.to_datetime(["2024-02-01", "2024-01-01", "2024-01-05"])})
    >>> one, how = customers(frame)
    >>> one["csat"].tolist(), how
    ([1, 3], "2 customers; 1 answered more than once, so each customer's latest response is used.")
    """
    check_argument("rule", _RULES, rule)
    frame = data.reset_index(drop=True)
    if "customer_id" not in frame.columns:
        frame = frame.assign(customer_id=frame["response_id"].astype(str) if "response_id" in frame
                             else [f"r{i + 1}" for i in range(len(frame))])
        return frame, (f"{len(frame):,} responses; the schema maps no customer id (columns.customer_id), so each "
                       "response is treated as one customer.")
    missing = frame["customer_id"].isna().to_numpy()
    dropped = int(missing.sum())
    if dropped:
        frame = frame.loc[~missing].reset_index(drop=True)
    order = np.arange(len(frame))
    if "date" in frame and frame["date"].notna().any():
        keys = frame.assign(_order=order).sort_values(["date", "_order"], na_position="first", kind="stable")
    else:
        keys = frame.assign(_order=order)
    counts = frame["customer_id"].value_counts()
    repeated = int((counts > 1).sum())
    if rule == "first":
        out = keys.drop_duplicates("customer_id", keep="first")
    else:
        out = keys.drop_duplicates("customer_id", keep="last")
    out = out.sort_values("_order").drop(columns="_order").reset_index(drop=True)
    if rule == "mean" and repeated:
        numeric = [c for c in frame.columns if c not in ("customer_id", "response_id", "date")
                   and numeric_values_of(frame[c]) is not None and not pd.api.types.is_bool_dtype(frame[c])]
        means = frame.groupby("customer_id", sort=False, observed=True)[numeric].mean()
        for c in numeric:
            out[c] = out["customer_id"].map(means[c]).to_numpy()
    how = f"{len(out):,} customers"
    if repeated:
        what = {"latest": "each customer's latest response is used",
                "first": "each customer's first response is used",
                "mean": "their scores and numeric answers are averaged"}[rule]
        how += f"; {repeated:,} answered more than once, so {what}"
    if dropped:
        how += f"; {dropped:,} responses without a customer id are left out"
    return out, how + "."

