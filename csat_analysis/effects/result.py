"""What :func:`~csat_analysis.effects.campaign_effect` returns (:class:`EffectResult`, :class:`Effect`) and
how results are compared (:func:`compare_effects`, :func:`inference_label`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..metrics import metric_label
from ..narrative import ci_text, fmt_p
from ..results import Result
from ._summary import summary as _summary

__all__ = ["EFFECT_COLUMNS", "DESIGNS", "MODELS", "FEW_CLUSTERS", "Effect", "EffectResult", "inference_label",
           "compare_effects"]

EFFECT_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "p"]
DESIGNS = ("exposure", "did", "its")
MODELS = ("linear", "logit", "ordinal")
FEW_CLUSTERS = 20
_SELF_SELECTION = ("Exposure to {campaign} was not assigned at random (the schema does not mark the campaign "
                   "'randomised: true'): customers who chose, or were targeted by, the campaign may differ from the "
                   "others (self-selection), so the exposed-vs-not difference is an association, not the campaign's "
                   "effect; controls adjust only for what they measure.")


@dataclasses.dataclass(frozen=True)
class Effect:
    """The headline effect: estimate with interval and p-value, in ``unit``."""

    estimate: float
    ci_low: float
    ci_high: float
    p: float
    unit: str
    ci: float = 0.95

    def __str__(self) -> str:
        return (f"{self.estimate:+.2f} {self.unit} ({ci_text(self.ci)} {self.ci_low:+.2f} to {self.ci_high:+.2f}, "
                f"{fmt_p(self.p)})")


@dataclasses.dataclass
class EffectResult(Result):
    """A fitted campaign effect.

    Attributes
    ----------
    table : DataFrame
        ``term, estimate, se, ci_low, ci_high, p`` for the campaign terms.
    effect : Effect
        The headline number in the outcome's units (odds ratio for ordinal).
    n : int
        Rows (or periods, for ITS) used.
    design, outcome, model, campaign : str
    warnings : list of str
        Few clusters, separation, collinearity, too few pre-periods, dropped rows.
    details : dict
        Design-specific extras: ``event_study`` table, ``pretrend`` (joint
        Wald test of the pre-period coefficients: ``p, F, df1, df2``) and
        ``pretrend_p`` (DiD); ``inference``, ``p_cr1``, ``ci_cr1`` and
        ``bootstrap`` with few clusters;
        ``series`` with fitted and counterfactual values (ITS), ``odds_ratio``.
    """

    table: pd.DataFrame
    effect: Effect
    n: int
    design: str
    outcome: str
    model: str
    campaign: str
    warnings: list[str]
    details: dict[str, Any]
    ci: float = 0.95

    def summary(self) -> str:
        """One plain-language sentence: what changed, by how much, how sure."""
        return _summary(self)

    def plot(self, ax=None):
        """Event study (DiD), fitted vs counterfactual (ITS) or coefficient (exposure)."""
        from ..plots import plot_event_study, plot_forest, plot_its

        if self.design == "did" and "event_study" in self.details:
            return plot_event_study(self.details["event_study"], outcome=self.outcome, ax=ax)
        if self.design == "its":
            return plot_its(self.details["series"], outcome=self.outcome, start=self.details["start"], ax=ax)
        return plot_forest(compare_effects([self]), ax=ax)

    # _repr_html_, to_csv and to_excel come from Result; the workbook adds the event study (DiD)
    table_title = "Effect"

    def sheets(self) -> dict[str, pd.DataFrame]:
        sheets = {self.table_title: self.table}
        event_study = self.details.get("event_study")
        if isinstance(event_study, pd.DataFrame):
            sheets["Event study"] = event_study
        return sheets

    def about(self) -> dict[str, Any]:
        return {"Result": "EffectResult", "Design": self.design, "Outcome": self.outcome, "Model": self.model,
                "Campaign": self.campaign, "Rows used": self.n, "Summary": self.summary(),
                "Warnings": list(self.warnings) or "none"}


def inference_label(r: EffectResult) -> str:
    """How the p-value and interval were obtained, in a few words (for tables)."""
    return str(r.details.get("inference") or {"ordinal": "ordered logit", "logit": "logit, HC1"}.get(
        r.model, "HC1 (robust)"))


def compare_effects(results: Sequence[EffectResult], labels: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per result, for a forest plot:
    ``label, campaign, outcome, design, estimate, ci_low, ci_high, p, unit, ci``.

    A result with variants gives one row per variant (label ``"<label>: <variant>"``, Holm-adjusted p)."""
    rows = []
    for i, r in enumerate(results):
        label = labels[i] if labels else f"{metric_label(r.outcome)} ({r.design})"
        if "variants" in r.details:  # a campaign with variants: one row each
            for v in r.table.itertuples():
                rows.append({"label": f"{label}: {v.term}", "campaign": r.campaign, "outcome": r.outcome,
                             "design": r.design, "estimate": v.estimate, "ci_low": v.ci_low, "ci_high": v.ci_high,
                             "p": v.p_adj, "unit": r.effect.unit, "ci": r.ci})
            continue
        rows.append({"label": label, "campaign": r.campaign, "outcome": r.outcome, "design": r.design,
                     "estimate": r.effect.estimate, "ci_low": r.effect.ci_low, "ci_high": r.effect.ci_high,
                     "p": r.effect.p, "unit": r.effect.unit, "ci": r.ci})
    return pd.DataFrame(rows)

