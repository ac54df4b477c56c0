"""What satisfaction is worth: the outcome rate at each satisfaction level (:func:`satisfaction_worth`)."""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..exceptions import DataError, ParameterError
from ..metrics import scale_of, wilson_interval
from ..registry import SCORES
from ..results import Result
from .customer_table import (
    _binary,
    _fmt_pct,
    customers,
    mapped_metrics,
    numeric_values_of,
    require_customer_columns,
    schema_outcomes,
)
from .validation import delong_auc

__all__ = ["WorthResult", "satisfaction_worth"]

# --------------------------------------------------------------------------- what satisfaction is worth


@dataclasses.dataclass
class WorthResult(Result):
    """The outcome by satisfaction level (see :func:`satisfaction_worth`).

    ``table``: ``level, n, events, rate, ci_low, ci_high`` (Wilson); ``odds_ratio`` (per scale point, with
    ``ci``, ``p``), ``auc`` (of the low score for the outcome, DeLong interval), ``low``/``high``: the
    rates of the bottom and top groups; ``associated``: whether an association is detectable (the odds
    ratio's interval excludes 1); ``warnings``: how customers were counted, an odds ratio that cannot be
    estimated.  :meth:`to_csv` and :meth:`to_excel` blank the rates of levels with fewer than
    ``privacy_min_n`` customers (``suppressed``), as the report does.
    """

    metric: str
    outcome: str
    table: pd.DataFrame = dataclasses.field(repr=False)
    odds_ratio: float
    ci: tuple[float, float]
    p: float
    auc: tuple[float, float, float]
    low: dict[str, Any]
    high: dict[str, Any]
    associated: bool
    n: int
    privacy_min_n: int = 5
    warnings: list[str] = dataclasses.field(default_factory=list)

    table_title = "By level"

    def summary(self) -> str:
        """The association in words, then the warnings."""
        return "\n".join([x for x in self.sentences() if x] + self._warning_lines())

    def shown(self) -> pd.DataFrame:
        """:attr:`table` with the events, rate and interval of levels under ``privacy_min_n`` blanked."""
        t = self.table.copy()
        small = t["n"] < self.privacy_min_n
        for col in ("events", "rate", "ci_low", "ci_high"):
            t[col] = t[col].astype(float).mask(small)
        t["suppressed"] = small
        return t

    def to_csv(self, path: str | Path) -> Path:
        """Write :meth:`shown` as a formula-safe CSV file."""
        from ..export import write_csv

        return write_csv(self.shown(), path)

    def sheets(self) -> dict[str, pd.DataFrame]:
        return {self.table_title: self.shown()}

    def sentences(self) -> list[str]:
        name = self.metric.upper()
        lo, hi = self.low, self.high
        rates = self.table.loc[self.table["n"] >= self.privacy_min_n, "rate"]  # small levels stay unrecoverable
        if not self.associated:
            return [f"No detectable association between {name} and {self.outcome}: {self.outcome} is "
                    f"{_fmt_pct(rates.min())}–{_fmt_pct(rates.max())} at every {name} level "
                    f"({self.n:,} customers; odds ×{self.odds_ratio:.2f} per point, 95% CI "
                    f"{self.ci[0]:.2f}–{self.ci[1]:.2f}; AUC {self.auc[0]:.2f}, "
                    f"CI {self.auc[1]:.2f}–{self.auc[2]:.2f}). "
                    f"On this data {name} does not separate customers with and without {self.outcome}."]
        way = "lower" if self.odds_ratio < 1 else "higher"
        if min(lo["n"], hi["n"]) < self.privacy_min_n:
            lo = hi = None
        return [(f"Too few customers answered {name} {self.low['label']} or {self.high['label']} to compare their "
                 f"{self.outcome} rates (privacy threshold)." if lo is None else "")
                + (f"{self.outcome}: {_fmt_pct(lo['rate'])} "
                f"(95% CI {_fmt_pct(lo['ci_low'])}–{_fmt_pct(lo['ci_high'])}) "
                f"of customers answering {name} {lo['label']} vs {_fmt_pct(hi['rate'])} (CI {_fmt_pct(hi['ci_low'])}–"
                f"{_fmt_pct(hi['ci_high'])}) of those answering {hi['label']}." if lo is not None else ""),
                (f"Each {name} point more goes with odds of {self.outcome} ×{self.odds_ratio:.2f} (95% CI "
                 f"{self.ci[0]:.2f}–{self.ci[1]:.2f}; {way} risk); AUC {self.auc[0]:.2f} "
                 f"(CI {self.auc[1]:.2f}–{self.auc[2]:.2f})." if np.isfinite(self.odds_ratio) else
                 f"The levels separate {self.outcome} almost perfectly, so no odds ratio can be estimated; AUC "
                 f"{self.auc[0]:.2f} (CI {self.auc[1]:.2f}–{self.auc[2]:.2f})."),
                "This is an association, not proof that raising satisfaction would change the outcome: "
                "what makes customers unhappy may also make them leave."]


def satisfaction_worth(data: pd.DataFrame, *, outcome: str | None = None, metric: str | None = None,
                       rule: str = "latest", privacy_min_n: int = 5) -> WorthResult:
    """Outcome rate at each level of a satisfaction score, the odds ratio per point, and plain words.

    Low and high groups: the bottom two points of the scale (NPS: detractors 0–6) against the top box
    (NPS: promoters 9–10).  "No detectable association" is said when the odds ratio's 95% interval holds 1.

    Examples
    --------
    >>> frame = pd.DataFrame({"csat": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5] * 20,
    ...                       "churned": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0] * 20})
    >>> w = satisfaction_worth(frame, outcome="churned")
    >>> w.associated, w.low["rate"], w.high["rate"]
    (True, 0.75, 0.0)
    """
    outcome = outcome or next(iter(schema_outcomes(data)), None)
    metric = metric or next(iter(mapped_metrics(data)), None)
    if outcome is None or metric is None:
        raise ParameterError("satisfaction_worth needs an outcome (outcomes: in the schema) and a score (csat, nps, "
                             "ces).")
    require_customer_columns(data, [outcome, metric], "column")
    frame, how = customers(data, rule=rule)
    s, y = numeric_values_of(frame[metric]), _binary(numeric_values_of(frame[outcome]), outcome)
    ok = ~np.isnan(s) & ~np.isnan(y)
    s, y = s[ok], y[ok]
    if len(y) == 0 or y.min() == y.max():
        raise DataError(f"{outcome!r} has a single value among customers with a {metric} score; nothing to compare.")
    t = pd.DataFrame({"level": s, "y": y}).groupby("level").agg(n=("y", "size"), events=("y", "sum")).reset_index()
    t["level"] = t["level"].astype(int)
    t["events"] = t["events"].astype(int)
    t["rate"] = t["events"] / t["n"]
    t["ci_low"], t["ci_high"] = wilson_interval(t["rate"].to_numpy(), t["n"].to_numpy())
    lo_s, hi_s, top = scale_of(data, metric) if metric in SCORES else (int(s.min()), int(s.max()), int(s.max()))
    if metric == "nps":
        groups = ((0, 6, "0–6"), (9, 10, "9–10"))
    else:
        groups = ((lo_s, lo_s + 1, f"{lo_s}–{lo_s + 1}"), (top, hi_s, f"{top}–{hi_s}" if top < hi_s else f"{hi_s}"))

    def group(a, b, label):
        m = (s >= a) & (s <= b)
        n, e = int(m.sum()), int(y[m].sum())
        rate = e / n if n else float("nan")
        low, high = wilson_interval(rate, n) if n else (float("nan"), float("nan"))
        return {"label": label, "n": n, "events": e, "rate": rate, "ci_low": low, "ci_high": high}

    low, high = group(*groups[0]), group(*groups[1])
    import statsmodels.api as sm

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.Logit(y, sm.add_constant(s)).fit(disp=0)
        b, se, p = float(fit.params[1]), float(fit.bse[1]), float(fit.pvalues[1])
    except Exception:  # noqa: BLE001
        b, se, p = float("nan"), float("nan"), float("nan")
    z = stats.norm.ppf(0.975)
    estimable = np.isfinite(b) and np.isfinite(se) and abs(b) < 30 and se < 30  # else: (quasi-)separation
    ci = (math.exp(b - z * se), math.exp(b + z * se)) if estimable else (float("nan"),) * 2
    auc, _, a_lo, a_hi = delong_auc(-s, y)
    # the odds ratio's interval excludes 1 (when it cannot be estimated, the AUC's interval excludes 0.5)
    associated = bool(not ci[0] <= 1 <= ci[1]) if estimable else bool(not a_lo <= 0.5 <= a_hi)
    b = b if estimable else float("nan")
    notes = [how] + ([] if estimable else [f"The {metric} levels separate {outcome} almost perfectly (or the "
                                           "model did not converge), so no odds ratio is estimated."])
    return WorthResult(metric, outcome, t, math.exp(b) if np.isfinite(b) else float("nan"), ci, p,
                       (auc, a_lo, a_hi), low, high, associated, int(len(y)), privacy_min_n, notes)

