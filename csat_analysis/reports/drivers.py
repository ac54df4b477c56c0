"""The drivers report: sentences, tables and figures over :mod:`csat_analysis.keydrivers`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..deprecation import renamed_parameters
from ..keydrivers import R2_ALPHA, R2_MIN, driver_label, outcome_name
from ..keydrivers import drivers as key_drivers  # driver_report's `drivers` argument shadows the function's name
from ..labels import display_label, given_label
from ._fit import fitted

__all__ = ["DriverReport", "driver_report"]



class DriverReport:
    """What the ``drivers`` notebook shows (built by :func:`driver_report`)."""

    def __init__(self, data, table, by_segment, outcome, by, message=None, unsupported=False):
        self.unsupported = unsupported  # the data (schema) cannot support the analysis; the section says why
        self.data, self.table, self.by_segment = data, table, by_segment
        self.outcome, self.by, self.message = outcome, by, message

    def _name(self, driver) -> str:
        """A driver in sentences: the label the schema gives it (``short_labels``, an SPSS variable label),
        else its name (snake_case prettified)."""
        return given_label(self.data, driver) or driver_label(driver)

    def _label(self, driver) -> str:
        """A driver in charts and tables: the schema's label, else its name prettified and shortened."""
        return given_label(self.data, driver) or display_label(None, driver_label(driver))

    def _negligible(self) -> bool:
        return self.table is not None and bool(self.table.attrs.get("r2_negligible", False))

    def sentences(self) -> list[str]:
        if self.table is None:
            return [self.message or "No responses match this selection, so there are no drivers to rank."]
        t = self.table
        what = outcome_name(self.outcome)
        if t.attrs["missing"] == "pairwise":
            n = f"n = {t['n'].min():,} to {t['n'].max():,} responses per driver, pairwise"
        else:
            n = f"n = {t.attrs['n_complete']:,} complete responses"
        if self._negligible():
            note, fp = t.attrs["r2_note"], t.attrs["r2_test"].get("p", np.nan)
            if t.attrs["r2"] >= R2_MIN:
                advice = (f"With so little evidence, the shares below are noise and do not show which driver moves "
                          f"{what}: collect more responses, or look for other attributes.")
            elif fp < R2_ALPHA:
                advice = (f"The link is real but tiny: even large changes in these ratings would barely move {what}, "
                          "so their shares are no guide to what to improve; look for other attributes.")
            else:
                advice = (f"With so little explained, the shares below are noise and do not show which driver moves "
                          f"{what}: look for other attributes.")
            out = [note.removesuffix(".") + f"; {n}.", advice]
            return out + [w for w in t.attrs.get("warnings", []) if w != note] + self._segment_warnings()
        top = t.iloc[0]
        worst = t.loc[t["performance"].idxmin()]
        out = [
            f"The drivers explain {100 * t.attrs['r2']:.0f}% of the variation in {what} "
            f"(R² = {t.attrs['r2']:.2f}, {n}).",
            f"{self._name(top['driver'])} matters most: it accounts for {top['share']:.0f}% of the explained "
            f"variation (95% CI {top['ci_low']:.0f}% to {top['ci_high']:.0f}%).",
        ]
        median_share = t["share"].median()
        if worst["share"] >= median_share:
            out.append(f"{self._name(worst['driver'])} is important ({worst['share']:.0f}% of the explained "
                       f"variation) and performs worst (average {worst['performance']:.2f}): the first place to act.")
        else:
            out.append(f"{self._name(worst['driver'])} performs worst (average {worst['performance']:.2f}) "
                       f"but matters less ({worst['share']:.0f}%); among the important drivers, "
                       f"{self._name(t[t['share'] >= median_share].sort_values('performance').iloc[0]['driver'])} "
                       "performs worst.")
        unstable = t[t["rank_stability"] < 0.8]
        if len(unstable):
            out.append("The ranking of " + ", ".join(map(self._name, unstable["driver"]))
                       + " changes in more than 20% "
                       "of bootstrap resamples: treat their order as uncertain.")
        return out + t.attrs.get("warnings", []) + self._segment_warnings()

    def _segment_warnings(self) -> list[str]:
        return [] if self.by_segment is None else list(self.by_segment.attrs.get("warnings", []))

    def headline_values(self) -> dict[str, str]:
        vals = {"Responses": f"{len(self.data):,}"}
        if self.table is not None:
            vals["R²"] = f"{self.table.attrs['r2']:.2f}"
            top = self.table.iloc[0]
            vals["Top driver"] = (f"none (R² = {self.table.attrs['r2']:.2f})" if self._negligible() else
                                  f"{self._name(top['driver'])} ({top['share']:.0f}%)")
        return vals

    def table_html(self):
        from ..display import note, table_html

        if self.table is None:
            return None if self.unsupported else note(self.message or "No drivers to show.")
        from ..narrative import fmt_p

        t = self.table.copy()
        t["driver"] = t["driver"].map(self._label)
        t["p_f"] = [fmt_p(p).removeprefix("p ").removeprefix("= ") for p in t["p"]]
        t["share_ci"] = [f"{lo:.0f}–{hi:.0f}%" for lo, hi in zip(t["ci_low"], t["ci_high"], strict=False)]
        return table_html(t, columns={"driver": "Driver", "share": "Share of R² (%)", "share_ci": "95% CI",
                                      "importance": "R² contribution", "coef_std": "Std. coefficient",
                                      "p_f": "Robust p", "performance": "Performance",
                                      "rank_stability": "Rank stability"},
                          formats={"share": "{:.1f}", "share_ci": "{}", "importance": "{:.3f}", "coef_std": "{:.3f}",
                                   "p_f": "{}", "performance": "{:.2f}", "rank_stability": "{:.0%}"},
                          caption=(t.attrs["r2_note"] + " The shares below do not rank what to improve.")
                          if self._negligible() else None)

    @fitted
    def plot_quadrant(self):
        """Importance-performance quadrant with drivers named as in the sentences.

        When the drivers explain almost nothing, the shaded act-first corner
        is removed and the title says why.
        """
        from matplotlib.collections import PolyCollection

        from ..plots import plot_importance_performance

        if self.table is None:
            return None
        table = self.table.assign(driver=self.table["driver"].map(self._label))
        table.attrs = dict(self.table.attrs)
        ax = plot_importance_performance(table)
        if self._negligible():
            for artist in [t for t in ax.texts if t.get_text().startswith("act first")] + [
                    c for c in ax.collections if isinstance(c, PolyCollection)]:
                artist.remove()
            ax.set_title(f"The drivers explain almost nothing (R² = {self.table.attrs['r2']:.3f}): "
                         "no corner to start from", fontsize=9, color="#666", loc="left")
        return ax

    @fitted
    def plot_segments(self):
        from ..plots import plot_driver_heatmap

        if self.by_segment is None:
            return None
        labelled = self.by_segment.assign(driver=self.by_segment["driver"].map(self._label))
        return plot_driver_heatmap(labelled, by=self.by, labels={str(self.by): display_label(self.data, self.by)})


@renamed_parameters(bootstrap="n_boot", seed="random_state")
def driver_report(data: pd.DataFrame, *, outcome: str, drivers: Sequence[str], by: str | None = None,
                  method: str = "relative_weights", weights: str | None = None, n_boot: int = 500,
                  missing: str = "listwise", random_state: int = 0) -> DriverReport:
    """Compute the ``drivers`` notebook: overall drivers and, with ``by``, their shares per segment.

    ``n_boot`` bootstrap resamples (seeded by ``random_state``) give the intervals; ``bootstrap=`` and
    ``seed=`` are the deprecated old names.
    """
    from ..exceptions import CsatAnalysisError

    if len(data) == 0:
        return DriverReport(data, None, None, outcome, by)
    if not drivers:
        return DriverReport(data, None, None, outcome, by, (
            "The schema lists no attribute ratings, so there are no drivers to rank; list them under "
            "columns.ratings in the schema, or pass -p drivers [A, B]."), unsupported=True)
    if outcome is None:
        return DriverReport(data, None, None, outcome, by, "The schema maps no metric to explain; map csat, nps or "
                            "ces under metrics, or pass -p outcome COLUMN.", unsupported=True)
    kw = dict(outcome=outcome, drivers=drivers, method=method, weights=weights, missing=missing,
              random_state=random_state)
    try:
        table = key_drivers(data, n_boot=n_boot, **kw)
    except CsatAnalysisError as exc:
        return DriverReport(data, None, None, outcome, by, f"No key-driver analysis for this selection: {exc}")
    by_segment = None
    if by and by in data and data[by].nunique() > 1:
        try:
            by_segment = key_drivers(data, by=by, n_boot=0, **kw)
        except CsatAnalysisError:
            by_segment = None
    return DriverReport(data, table, by_segment, outcome, by)
