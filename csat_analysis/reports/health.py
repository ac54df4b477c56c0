"""The health report: sentences, tables and figures over :mod:`csat_analysis.health`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..deprecation import renamed_parameters
from ..exceptions import DataError, ParameterError
from ..health import (
    HealthResult,
    RiskResult,
    ScoreValidation,
    WorthResult,
    customers,
    health_score,
    mapped_metrics,
    numeric_values_of,
    require_customer_columns,
    risk_model,
    satisfaction_worth,
    schema_features,
    schema_outcomes,
    validate_score,
)
from ..plots import plot_band_heatmap, plot_calibration, plot_outcome_by_band, plot_roc, plot_score_distribution
from ._fit import fitted

__all__ = ["HealthReport", "health_report"]

# --------------------------------------------------------------------------- the health report


@dataclasses.dataclass
class HealthReport:
    """Everything the ``health`` notebook shows (see :func:`health_report`).

    Methods return escaped HTML pieces or Axes, or ``None`` when the data cannot support them (the
    notebook's section heading says why).
    """

    data: pd.DataFrame = dataclasses.field(repr=False)
    customer_id: str | None
    outcome: str | None
    health: HealthResult | None
    risk: RiskResult | None
    worth: WorthResult | None
    csat_validation: ScoreValidation | None
    notes: list[str] = dataclasses.field(default_factory=list)
    privacy_min_n: int = 5

    def sentences(self) -> list[str]:
        out: list[str] = []
        if self.customer_id is None:
            out.append("The schema maps no customer id (columns.customer_id), so there is no customer health score "
                       "or at-risk list; map one to see them.")
        if self.outcome is None:
            out.append("The schema maps no customer outcome (outcomes:, e.g. churned), so risk cannot be predicted "
                       "or validated and satisfaction cannot be valued.")
        if self.worth is not None:
            out += self.worth.sentences()
        if self.risk is not None:
            out += self.risk.sentences()
        if self.health is not None:
            out += self.health.sentences()
        if self.risk is not None or self.worth is not None:
            out.append("All of these are associations in past data, not causes.")
        return out + list(self.notes)

    def headline_values(self) -> dict[str, str]:
        vals: dict[str, str] = {}
        if self.health is not None:
            vals["Customers"] = f"{len(self.health.scores):,}"
            vals["Red band"] = f"{int((self.health.scores['band'] == 'red').sum()):,}"
        if self.risk is not None:
            v = self.risk.honest.validation.iloc[0]
            vals["Risk AUC"] = f"{v['auc']:.2f} ({v['auc_ci_low']:.2f}–{v['auc_ci_high']:.2f})"
        return vals

    # ---- pieces
    def weights_html(self):
        from ..display import table_html

        if self.health is None:
            return None
        return table_html(self.health.component_weights, columns={"component": "Component", "rule": "Rescaled by",
                                                        "hand_set": "Hand-set weight", "learned": "Learned weight",
                                                        "weight": "Weight used"},
                          formats={"hand_set": "{:.2f}", "learned": "{:.2f}", "weight": "{:.2f}"},
                          caption="Learned weights: L2-regularised logistic model of the outcome on the 0–100 "
                                  "components (shown for comparison; the hand-set ones are used unless "
                                  "weights='learned').")

    @fitted
    def plot_distribution(self):
        return None if self.health is None else plot_score_distribution(self.health)

    @fitted
    def plot_heatmap(self):
        if self.health is None or self.health.breakdown is None:
            return None
        from ..labels import display_label

        by = self.health.breakdown
        return plot_band_heatmap(self.health, labels={str(by): display_label(self.data, by)})

    def bands_html(self):
        from ..display import table_html

        if self.health is None:
            return None
        t = self.health.table
        cols = {"segment": "Segment", "band": "Band", "n": "Customers", "share": "Share"}
        fmts = {"share": "{:.1%}"}
        if "rate" in t:
            cols.update(rate=f"{self.outcome} rate", ci_low="95% CI low", ci_high="95% CI high")
            fmts.update(rate="{:.1%}", ci_low="{:.1%}", ci_high="{:.1%}")
        return table_html(t, columns=cols, formats=fmts,
                          caption=f"Groups of fewer than {self.privacy_min_n} customers are suppressed.")

    @fitted
    def plot_outcome_by_band(self):
        if self.health is None or self.outcome is None or "rate" not in self.health.table:
            return None
        return plot_outcome_by_band(self.health)

    def worth_html(self):
        from ..display import table_html

        if self.worth is None:
            return None
        from ..privacy import complementary_suppression

        # the answers' counts add up to all customers: a small one can't be the total minus the others
        t = self.worth.table.assign(level=self.worth.table["level"].astype(str))
        t["suppressed"] = complementary_suppression(t, privacy_min_n=self.privacy_min_n,
                                                    primary=(t["n"] < self.privacy_min_n).to_numpy())
        return table_html(t, columns={"level": self.worth.metric.upper(), "n": "Customers",
                                      "events": self.outcome, "rate": "Rate", "ci_low": "95% CI low",
                                      "ci_high": "95% CI high"},
                          formats={"n": "{:,.0f}", "events": "{:,.0f}", "rate": "{:.1%}",
                                   "ci_low": "{:.1%}", "ci_high": "{:.1%}"},
                          caption=f"{self.outcome} by {self.worth.metric.upper()} answer ({self.worth.n:,} customers).")

    def leakage_html(self):
        from ..display import note

        if self.risk is None or not len(self.risk.leakage):
            return None
        return note(self.risk.warnings[0])

    def validation_html(self):
        from ..display import table_html

        if self.risk is None:
            return None
        rows = [self.risk.validation.assign(model=f"{self.risk.model}, all features")]
        if self.risk.without_leaks is not None:
            rows.append(self.risk.without_leaks.validation.assign(
                model=f"{self.risk.model}, without {', '.join(self.risk.leakage['feature'])}"))
        if self.health is not None and self.health.validation is not None:
            rows.append(self.health.validation.validation.assign(model="health score"))
        if self.csat_validation is not None:
            rows.append(self.csat_validation.validation.assign(model=f"{self.csat_validation.score.upper()} alone"))
        t = pd.concat(rows, ignore_index=True)
        return table_html(t, columns={"model": "Score", "n": "Customers", "auc": "AUC", "auc_ci_low": "95% CI low",
                                      "auc_ci_high": "95% CI high", "brier": "Brier",
                                      "capture_top10": "Top 10% capture",
                                      "lift_top10": "Top 10% lift", "capture_top20": "Top 20% capture"},
                          formats={"auc": "{:.3f}", "auc_ci_low": "{:.3f}", "auc_ci_high": "{:.3f}", "brier": "{:.3f}",
                                   "capture_top10": "{:.1%}", "lift_top10": "{:.2f}", "capture_top20": "{:.1%}"},
                          caption="Out-of-fold for the models: every customer scored by a model that never saw "
                                  "them. AUC interval: DeLong. Brier only for predicted probabilities.")

    @fitted
    def plot_calibration(self):
        if self.risk is None:
            return None
        r = self.risk.honest
        return plot_calibration(r.calibration, label=r.model + (" without leaks" if r is not self.risk else ""))

    @fitted
    def plot_roc(self):
        if self.risk is None:
            return None
        curves = {f"{self.risk.model}, all features": (self.risk.roc, self.risk.validation["auc"][0])}
        if self.risk.without_leaks is not None:
            w = self.risk.without_leaks
            curves["without " + ", ".join(self.risk.leakage["feature"])] = (w.roc, w.validation["auc"][0])
        if self.health is not None and self.health.validation is not None:
            curves["health score"] = (self.health.validation.roc, self.health.validation.validation["auc"][0])
        return plot_roc(curves)

    def effects_html(self, top: int = 12):
        from ..display import HTML, esc

        if self.risk is None:
            return None
        r = self.risk.honest
        items = "".join(f"<li>{esc(w)}</li>" for w in r.effects["words"].head(top))
        extra = "".join(f"<li>{esc(n)}</li>" for n in r.notes[1:])
        return HTML(f"<ol>{items}</ol>" + (f'<p class="csat-note-small">Notes:</p><ul>{extra}</ul>' if extra else ""))

    def red_list_html(self, max_rows: int = 50):
        from ..display import HTML, table_html

        if self.health is None:
            return None
        s = self.health.scores
        red = s[s["band"] == "red"].copy()
        if self.risk is not None:
            red = red.merge(self.risk.honest.scores[["customer_id", "risk"]], on="customer_id", how="left")
            red = red.sort_values("risk", ascending=False)
        else:
            red = red.sort_values("score")
        head = f"{len(red):,} customers are in the red band (health score below {self.health.bands[0]:g})"
        if len(red) < self.privacy_min_n:
            return HTML(f"<p>{head}{'' if len(red) == 0 else '; too few to list (privacy threshold)'}.</p>")
        cols = {"customer_id": "Customer id", "score": "Health score"}
        fmts = {"score": "{:.0f}"}
        if "risk" in red:
            cols["risk"] = "Predicted risk"
            fmts["risk"] = "{:.1%}"
        shown = red.head(max_rows)
        cap = head + (f"; the {len(shown)} {'riskiest' if 'risk' in red else 'lowest-scoring'} of them."
                      if len(red) > max_rows else ".")
        return table_html(shown, columns=cols, formats=fmts, caption=cap)


@renamed_parameters(weights="component_weights", by="breakdown")
def health_report(
    data: pd.DataFrame,
    *,
    components: Sequence[str] | Mapping[str, str] | None = None,
    component_weights: Mapping[str, float] | str | None = None,
    bands: tuple[float, float] = (50, 75),
    outcome: str | None = None,
    features: Sequence[str] | None = None,
    model: str = "logistic",
    folds: int = 5,
    breakdown: str | None = None,
    rule: str = "latest",
    privacy_min_n: int = 5,
) -> HealthReport:
    """Health score, at-risk model and what satisfaction is worth, computed once for the ``health`` notebook.

    ``component_weights`` and ``breakdown`` go to :func:`~csat_analysis.health_score` (``weights=`` and
    ``by=`` are their deprecated old names).

    Defaults come from the schema: the outcome is its first ``outcomes:`` entry, the features its
    ``features:`` list, the components the mapped metrics plus the numeric features (each feature's
    direction from the sign of its rank correlation with the outcome; features flagged as leaks left out).
    Data without a customer id or an outcome gives a report whose parts say so.
    """
    has_id = "customer_id" in data.columns
    outcome = outcome or next(iter(schema_outcomes(data)), None)
    if outcome is not None:
        require_customer_columns(data, [outcome], "outcome")
    features = list(features) if features is not None else schema_features(data)
    notes: list[str] = []
    risk = worth = csat_val = None
    if outcome is not None and features:
        try:
            risk = risk_model(data, outcome=outcome, features=features, model=model, folds=folds, rule=rule)
        except (DataError, ParameterError) as exc:
            notes.append(f"No at-risk model: {exc}")
    metric = next(iter(mapped_metrics(data)), None)
    if outcome is not None and metric is not None:
        try:
            worth = satisfaction_worth(data, outcome=outcome, metric=metric, rule=rule, privacy_min_n=privacy_min_n)
            frame, _ = customers(data, rule=rule)
            csat_val = validate_score(frame, score=metric, outcome=outcome, higher_is_riskier=False)
        except (DataError, ParameterError) as exc:
            notes.append(f"Satisfaction cannot be valued: {exc}")
    health = None
    if has_id:
        if components is None:
            components = {m: "higher" for m in mapped_metrics(data)}
            leaks = set(risk.leakage["feature"]) if risk is not None else set()
            frame, _ = customers(data, rule=rule)
            y = numeric_values_of(frame[outcome]) if outcome is not None else None
            for f in features:
                if f in components or f in leaks or f == outcome:
                    continue
                x = numeric_values_of(frame[f])
                if x is None or len(np.unique(x[~np.isnan(x)])) < 3:
                    continue
                direction = "higher"
                if y is not None:
                    ok = ~np.isnan(x) & ~np.isnan(y)
                    rho = stats.spearmanr(x[ok], y[ok])[0] if ok.sum() > 2 else 0.0
                    direction = "lower" if np.isfinite(rho) and rho > 0 else "higher"
                components[f] = direction
        if components:
            health = health_score(data, components=components, component_weights=component_weights, bands=bands,
                                  outcome=outcome or False, breakdown=breakdown, rule=rule,
                                  privacy_min_n=privacy_min_n)
    return HealthReport(data, "customer_id" if has_id else None, outcome, health, risk, worth, csat_val, notes,
                        privacy_min_n)

