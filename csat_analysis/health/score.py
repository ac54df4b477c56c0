"""The customer health score: rescaled components combined and banded red / yellow / green
(:func:`health_score`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._utils import as_list
from ..deprecation import renamed_attribute, renamed_parameters
from ..exceptions import ParameterError
from ..metrics import scale_of, wilson_interval
from ..results import Result
from .customer_table import (
    _METRICS,
    BAND_NAMES,
    _schema,
    customers,
    mapped_metrics,
    numeric_values_of,
    require_customer_columns,
    schema_outcomes,
)
from .validation import ScoreValidation, validate_score

__all__ = ["HealthResult", "health_score"]

# --------------------------------------------------------------------------- the health score


@dataclasses.dataclass
class HealthResult(Result):
    """A customer health score (see :func:`health_score`).

    Attributes
    ----------
    scores : DataFrame
        ``customer_id, score, band, n_components, missing_components`` (text: the components a customer
        lacks; empty when none) and one ``<component>`` column per component on its 0–100 scale.
    table : DataFrame
        ``segment, band, n, share`` (of the segment's customers) and, with an outcome, ``events, rate,
        ci_low, ci_high`` (Wilson); ``segment`` is ``"All"`` for every customer, rows by band of each
        level of ``breakdown``.  Cells below ``privacy_min_n`` customers are ``suppressed``.
    component_weights : DataFrame
        ``component, rule, direction, hand_set, learned, weight`` (``weight``: the one used; weights sum to 1).
    validation : ScoreValidation or None
        How well the score ranks the outcome (lower score = riskier).
    warnings : list of str
        How customers were counted (first sentence), learned weights set to zero, outcomes that are not yes/no.

    ``notes``, ``weights`` and ``by`` are the deprecated old names of ``warnings``, ``component_weights`` and
    ``breakdown``.
    """

    components: list[str]
    bands: tuple[float, float]
    outcome: str | None
    breakdown: str | None
    scores: pd.DataFrame = dataclasses.field(repr=False)
    table: pd.DataFrame = dataclasses.field(repr=False)
    component_weights: pd.DataFrame = dataclasses.field(repr=False)
    validation: ScoreValidation | None = dataclasses.field(default=None, repr=False)
    warnings: list[str] = dataclasses.field(default_factory=list)

    table_title = "Bands"
    notes = renamed_attribute("notes", "warnings")
    weights = renamed_attribute("weights", "component_weights")
    by = renamed_attribute("by", "breakdown")

    def summary(self) -> str:
        """The score's distribution over the bands, its validation, then the warnings."""
        return "\n".join(self.sentences() + self._warning_lines())

    def sheets(self) -> dict[str, pd.DataFrame]:
        return {self.table_title: self.table, "Scores": self.scores, "Weights": self.component_weights}

    def sentences(self) -> list[str]:
        s = self.scores
        n = len(s)
        counts = s["band"].value_counts()
        red, yellow, green = (int(counts.get(b, 0)) for b in BAND_NAMES)
        out = [f"Health score of {n:,} customers from {', '.join(self.components)} (0–100): median "
               f"{s['score'].median():.0f}; {red:,} red (below {self.bands[0]:g}), {yellow:,} yellow, {green:,} "
               f"green ({self.bands[1]:g} and above)."]
        flagged = int((s["missing_components"] != "").sum())
        if flagged:
            out.append(f"{flagged:,} customers lack some components; their score is the weighted average of those "
                       "they have (flagged).")
        if self.validation is not None:
            out += self.validation.sentences()
        return out


def _rescale(frame: pd.DataFrame, data: pd.DataFrame, name: str, direction: int) -> tuple[np.ndarray, str]:
    if name in _METRICS:
        lo, hi, _ = scale_of(data, name)
        x = numeric_values_of(frame[name])
        return 100 * (x - lo) / (hi - lo), f"{name.upper()} from its {lo}–{hi} scale"
    x = numeric_values_of(frame[name])
    if x is None:
        raise ParameterError(f"The component {name!r} is not numeric; a health score combines numbers "
                             "(scores, usage, spend).")
    ranks = pd.Series(x).rank(method="average", pct=True).to_numpy()
    n = np.sum(~np.isnan(x))
    pct = 100 * (ranks * n - 0.5) / n if n else ranks  # mid-rank percentile: 0-100 symmetric
    if direction < 0:
        pct = 100 - pct
    return pct, f"percentile rank among customers ({'higher' if direction > 0 else 'lower'} is healthier)"


@renamed_parameters(weights="component_weights", by="breakdown")
def health_score(
    data: pd.DataFrame,
    *,
    components: Sequence[str] | Mapping[str, str] | None = None,
    component_weights: Mapping[str, float] | str | None = None,
    bands: tuple[float, float] = (50, 75),
    outcome: str | None = None,
    breakdown: str | None = None,
    rule: str = "latest",
    privacy_min_n: int = 5,
) -> HealthResult:
    """A 0–100 customer health score: components rescaled, combined by weight, banded red / yellow / green.

    Parameters
    ----------
    components : list, or mapping of name to ``"higher"`` / ``"lower"`` (which is healthier)
        Metric names (``csat``, ``nps``, ``ces``: rescaled from their scales) or numeric columns (usage,
        spend, tenure: percentile rank, reversed for ``"lower"``).  None: the mapped metrics.
    component_weights : mapping, ``"learned"`` or None
        Hand-set weights per component (None: equal), or ``"learned"`` — the coefficients of an
        L2-regularised logistic model of ``outcome`` on the 0–100 components (negated, so that a
        component that goes with less of the outcome gets a positive weight; negative weights are set to
        0 and said so).  With an outcome, learned weights are always shown beside the hand-set ones.
    bands : (red_below, green_from)
        Red below the first, green from the second, yellow between.
    outcome : str
        A 0/1 column (None: the schema's first outcome, if any) for outcome rates and validation.
    breakdown : str
        Segment column for the band table (None: the schema's first segment).

    ``weights=`` and ``by=`` are the deprecated old names of ``component_weights=`` and ``breakdown=``
    (``weights`` means survey weights everywhere else).

    Examples
    --------
    >>> frame = pd.DataFrame({"customer_id": list("abcd"), "csat": [1, 5, 3, None], "logins": [2, 30, 8, 12]})
    >>> h = health_score(frame, components=["csat", "logins"])
    >>> h.scores[["customer_id", "score", "band"]].to_dict("list")
    {'customer_id': ['a', 'b', 'c', 'd'], 'score': [6.25, 93.75, 43.75, 62.5],
     'band': ['red', 'green', 'red', 'yellow']}
    """
    if not (len(bands) == 2 and 0 <= bands[0] <= bands[1] <= 100):
        raise ParameterError(f"`bands` must be two numbers from 0 to 100, red below the first and green from the "
                             f"second, e.g. (50, 75), not {bands!r}.")
    if components is None:
        components = mapped_metrics(data)
    directions = ({str(k): v for k, v in components.items()} if isinstance(components, Mapping)
                  else {str(c): "higher" for c in as_list(components)})
    for name, d in directions.items():
        if d not in ("higher", "lower"):
            raise ParameterError(f"Component {name!r}: the direction must be 'higher' or 'lower' (which is "
                                 f"healthier), not {d!r}.")
    names = list(directions)
    if not names:
        raise ParameterError("A health score needs at least one component (a score such as csat, or a numeric "
                             "column).")
    require_customer_columns(data, names, "component")
    if outcome is None:
        outcome = next(iter(schema_outcomes(data)), None)
    elif outcome is not False:
        require_customer_columns(data, [outcome], "outcome")
    outcome = outcome or None
    frame, how = customers(data, rule=rule)
    notes = [how]
    parts, rules = {}, {}
    for name in names:
        parts[name], rules[name] = _rescale(frame, data, name, 1 if directions[name] == "higher" else -1)
    P = np.column_stack([parts[n] for n in names])
    hand = np.ones(len(names)) if component_weights is None or isinstance(component_weights, str) else None
    if isinstance(component_weights, Mapping):
        unknown = [k for k in component_weights if k not in names]
        if unknown:
            raise ParameterError(f"component_weights name {unknown[0]!r}, which is not a component ({names}).")
        hand = np.array([float(component_weights.get(n, 0.0)) for n in names])
        if (hand < 0).any() or hand.sum() <= 0:
            raise ParameterError("Component weights must be zero or more, and not all zero.")
    elif isinstance(component_weights, str) and component_weights != "learned":
        raise ParameterError(f"`component_weights` must be a mapping, 'learned' or None, not {component_weights!r}.")
    hand = hand / hand.sum()
    y = None
    if outcome is not None:
        y = numeric_values_of(frame[outcome])
        if y is not None and not np.isin(y[~np.isnan(y)], (0.0, 1.0)).all():
            y = None
            notes.append(f"{outcome} is not yes/no, so no outcome rates or learned weights.")
    learned = np.full(len(names), np.nan)
    if y is not None and (~np.isnan(y)).sum() >= 20 and np.nanmin(y) != np.nanmax(y):
        from sklearn.linear_model import LogisticRegression

        ok = ~np.isnan(y)
        Z = np.where(np.isnan(P[ok]), 50.0, P[ok]) / 100
        fit = LogisticRegression(C=1.0, max_iter=1000).fit(Z, y[ok])
        raw = -fit.coef_[0]
        if (raw < 0).any():
            notes.append("Learned weights: " + ", ".join(n for n, r in zip(names, raw, strict=False) if r < 0)
                         + " went with more of the outcome when healthier, so their learned weight is set to 0.")
        raw = np.clip(raw, 0, None)
        learned = raw / raw.sum() if raw.sum() > 0 else np.full(len(names), np.nan)
    if component_weights == "learned":
        if not np.isfinite(learned).all():
            raise ParameterError("component_weights='learned' needs a yes/no outcome with both answers among 20+ "
                                 "customers "
                                 "(outcomes: in the schema, or outcome=).")
        used = learned
    else:
        used = hand
    have = ~np.isnan(P)
    wsum = (have * used).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(wsum > 0, np.nansum(np.where(have, P, 0) * used, axis=1) / wsum, np.nan)
    band = np.where(np.isnan(score), "unscored", np.where(score < bands[0], "red",
                                                          np.where(score < bands[1], "yellow", "green")))
    missing = [", ".join(n for n, h in zip(names, row, strict=False) if not h) for row in have]
    scores = pd.DataFrame({"customer_id": frame["customer_id"].astype(str).to_numpy(), "score": np.round(score, 2),
                           "band": band, "n_components": have.sum(axis=1), "missing_components": missing})
    for i, n in enumerate(names):
        scores[n] = np.round(P[:, i], 2)
    wt = pd.DataFrame({"component": names, "rule": [rules[n] for n in names],
                       "direction": [directions[n] for n in names], "hand_set": hand, "learned": learned,
                       "weight": used})
    if breakdown is None:
        segs = [c for c in ((_schema(data).get("columns") or {}).get("segments") or []) if c in frame]
        breakdown = segs[0] if segs else None
    elif breakdown is not False:
        require_customer_columns(data, [breakdown], "segment column")
    breakdown = breakdown or None
    table = _band_table(scores, frame, y, breakdown, privacy_min_n)
    validation = None
    if y is not None and np.nanmin(y) != np.nanmax(y):
        vf = pd.DataFrame({"health_score": score, outcome: y})
        validation = validate_score(vf, score="health_score", outcome=outcome, higher_is_riskier=False)
    return HealthResult(names, (float(bands[0]), float(bands[1])), outcome, breakdown, scores, table, wt, validation,
                        notes)


def _band_table(scores: pd.DataFrame, frame: pd.DataFrame, y: np.ndarray | None, by: str | None,
                privacy_min_n: int) -> pd.DataFrame:
    base = pd.DataFrame({"band": scores["band"].to_numpy(),
                         "segment": "All" if by is None else frame[by].astype(object).fillna("(missing)").astype(str)
                         .to_numpy()})
    if y is not None:
        base["y"] = y
    parts = [base.assign(segment="All")] + ([base] if by is not None else [])
    rows = []
    for part in parts:
        for (seg, band), g in part.groupby(["segment", "band"], sort=False):
            if band == "unscored":
                continue
            row = {"segment": seg, "band": band, "n": len(g), "share": len(g) / (part["segment"] == seg).sum()}
            if y is not None:
                yy = g["y"].dropna()
                row.update(events=int(yy.sum()), rate=float(yy.mean()) if len(yy) else np.nan)
                row["ci_low"], row["ci_high"] = wilson_interval(row["rate"], len(yy))
            rows.append(row)
    t = pd.DataFrame(rows)
    if t.empty:
        return t
    t["band"] = pd.Categorical(t["band"], categories=list(BAND_NAMES), ordered=True)
    seg_order = ["All"] + sorted(s for s in t["segment"].unique() if s != "All")
    t["segment"] = pd.Categorical(t["segment"], categories=seg_order, ordered=True)
    t = t.sort_values(["segment", "band"], ignore_index=True)
    t["segment"], t["band"] = t["segment"].astype(str), t["band"].astype(str)
    t["suppressed"] = t["n"] < privacy_min_n
    return public_bands(t, privacy_min_n=privacy_min_n)


def public_bands(table: pd.DataFrame, *, privacy_min_n: int) -> pd.DataFrame:
    """A band table (``segment, band, n, share, ...``) with small cells and their complements suppressed.

    A band with fewer than ``privacy_min_n`` customers in a segment is
    suppressed, and so are further cells (smallest first) until no
    suppressed cell can be worked out: the segments of a band add up to the
    band of "All", and the bands of a segment to the segment
    (:func:`~csat_analysis.privacy.complementary_suppression`).  A suppressed
    cell shows no count, share or rate (``n`` is missing there).
    """
    from ..privacy import complementary_suppression

    t = table.copy()
    primary = t["suppressed"].to_numpy(dtype=bool) if "suppressed" in t else None
    by_segment = (t["segment"] != "All").to_numpy()
    hide = complementary_suppression(t, privacy_min_n=privacy_min_n, primary=primary,
                                     siblings=[(["band"], by_segment), (["segment"], None)])
    t["suppressed"] = hide
    for col in ("share", "events", "rate", "ci_low", "ci_high"):
        if col in t:
            t[col] = t[col].astype(float).where(~hide)
    t["n"] = t["n"].astype("Int64").mask(hide)
    return t

