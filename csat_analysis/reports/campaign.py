"""The campaign report: sentences, tables and figures over :mod:`csat_analysis.effects`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._utils import as_list
from ..effects import EffectResult, campaign_effect, compare_effects, inference_label
from ..metrics import METRICS, metric_label
from ..narrative import ci_text, fmt_change, fmt_p
from ._fit import fitted

__all__ = ["CampaignReport", "campaign_report"]

class CampaignReport:
    """What the ``campaign_effects`` notebook shows (built by :func:`campaign_report`)."""

    def __init__(self, data, campaign, did, exposure, its, problems, alpha):
        self.data, self.campaign = data, campaign
        self.did, self.exposure, self.its = did, exposure, its
        self.problems, self.alpha = problems, alpha

    def sentences(self) -> list[str]:
        if len(self.data) == 0:
            return ["No responses match this selection, so no campaign effect can be estimated."]
        if self.campaign is None:
            return ["The schema names no campaign, so there is no campaign effect to estimate; add a campaigns "
                    "entry (name, column, start date) to the schema."]
        out = [r.summary() for r in self.did.values()]
        # without a DiD for an outcome, its exposed-vs-not comparison is the headline (worded by the design)
        # ... and a campaign with several variants (offers) always gets its per-variant sentence: the DiD pools them
        out += [r.summary() for o, r in self.exposure.items() if o not in self.did or "variants" in r.details]
        out += [f"{metric_label(o) if o in METRICS else o}: {msg}" for o, msg in self.problems.items()]
        few = [w for r in self.did.values() for w in r.warnings if "clusters" in w]
        if few:
            out.append(few[0])
        if self.its is not None:
            season = ("with month-of-year terms" if self.its.details.get("seasonal") else
                      "without month-of-year terms (under two years before the start), so seasonality can inflate it")
            out.append(self.its.summary() + " (interrupted time series on the treated groups' period scores; it "
                       f"assumes the pre-campaign trend would have continued; {season}).")
        return out or ["No effect could be estimated for this selection."]

    def headline_values(self) -> dict[str, str]:
        vals = {"Responses": f"{len(self.data):,}"}
        for o, r in self.did.items():
            vals[f"{metric_label(o)} effect"] = f"{fmt_change(o, r.effect.estimate)} ({fmt_p(r.effect.p)})"
        return vals

    def results(self) -> list[EffectResult]:
        return list(self.did.values()) + list(self.exposure.values()) + ([self.its] if self.its else [])

    def table_html(self):
        from ..display import note, table_html

        rows = []
        for r in self.results():
            design = {"did": "difference-in-differences", "exposure": "exposed vs not (controls)",
                      "its": "interrupted time series"}[r.design]
            if "variants" in r.details:
                versus = ("chosen vs not, the other choices held fixed" if "multi_select" in r.details
                          else f"vs {r.details['control']}")
                lines = [(f"{design}: {v.term} {versus}", v.estimate, v.ci_low, v.ci_high, v.p_adj)
                         for v in r.table.itertuples()]
            else:
                e = r.effect
                lines = [(design, e.estimate, e.ci_low, e.ci_high, e.p)]
            for name, est, low, high, p in lines:
                rows.append({"Outcome": metric_label(r.outcome), "Design": name,
                             "Effect": fmt_change(r.outcome, est), ci_text(r.ci): f"{fmt_change(r.outcome, low)} "
                             f"to {fmt_change(r.outcome, high)}", "p": fmt_p(p).removeprefix("p ").removeprefix("= "),
                             "Inference": inference_label(r), "n": r.n, "Warnings": len(r.warnings)})
        if not rows:
            return None if self.campaign is None else note("No effect could be estimated for this selection.")
        t = pd.DataFrame(rows)
        return table_html(t, formats={c: "{}" for c in ("Effect", t.columns[3], "p")})

    def balance(self):
        """The first exposure result's balance diagnostics (:class:`~csat_analysis.balance.ExposureBalance`)."""
        return next((r.details["balance"] for r in self.exposure.values() if "balance" in r.details), None)

    def balance_html(self):
        """Who was exposed: controls' standardised differences before and after reweighting, and overlap."""
        from ..display import note, table_html

        b = self.balance()
        if b is None:
            if self.campaign is None or not self.exposure:
                return None
            return note("No controls were named, so the balance of exposed and unexposed customers cannot be "
                        "shown; set controls (or the schema's segments) to check it.")
        t = b.table.assign(Control=[f"{v} = {lv}" if lv else v
                                    for v, lv in zip(b.table["variable"], b.table["level"], strict=False)])
        t = t.reindex(t["smd"].abs().sort_values(ascending=False).index).head(15)
        for col in ("exposed", "unexposed"):
            t[col] = [f"{v:.1%}" if lv else f"{v:.3g}" for v, lv in zip(t[col], t["level"], strict=False)]
        for col in ("smd", "smd_weighted"):
            t[col] = [f"{v + 0.0:+.2f}".replace("-0.00", "+0.00") for v in t[col]]
        o = b.overlap
        cap = (f"Standardised mean differences (|SMD| above 0.1 marks imbalance) before and after inverse-propensity "
               f"weighting; {o['share_outside']:.1%} of responses have a propensity of exposure outside 0.05–0.95."
               + (f" {o['note']}" if o.get("note") else ""))
        return table_html(t, columns={"Control": "Control", "exposed": "Exposed", "unexposed": "Not exposed",
                                      "smd": "SMD", "smd_weighted": "SMD after weighting"},
                          formats={"exposed": "{}", "unexposed": "{}", "smd": "{}", "smd_weighted": "{}"},
                          caption=cap)

    @fitted
    def plot_balance(self):
        from ..plots import plot_balance

        b = self.balance()
        return None if b is None else plot_balance(b.table)

    @fitted
    def plot_forest(self):
        from ..plots import plot_forest

        results = self.results()
        if not results:
            return None
        labels = [f"{metric_label(r.outcome)} — {r.design}" for r in results]
        axes = np.atleast_1d(plot_forest(compare_effects(results, labels)))
        axes[0].figure.suptitle(f"Effect of {self.campaign} by outcome and design", x=0.02, ha="left", fontsize=11,
                                fontweight="bold")
        return axes

    @fitted
    def plot_event_study(self):
        first = next(iter(self.did.values()), None)
        if first is None or "event_study" not in first.details:
            return None
        ax = first.plot()
        ax.set_title(f"{metric_label(first.outcome)}: effect by period relative to the start", loc="left", fontsize=11)
        return ax

    @fitted
    def plot_its(self):
        if self.its is None:
            return None
        ax = self.its.plot()
        ax.set_title(f"{metric_label(self.its.outcome)} in the treated groups: observed and counterfactual",
                     loc="left", fontsize=11)
        return ax

    def warnings_html(self):
        from ..display import note, summary_box

        if self.campaign is None:
            return None
        items = [f"{metric_label(r.outcome)} ({r.design}): {w}" for r in self.results() for w in r.warnings]
        return summary_box(items, title="Caveats") if items else note("No caveats: every model fitted cleanly.")


def campaign_report(
    data: pd.DataFrame,
    *,
    campaign: str | None,
    outcomes: Sequence[str] = ("csat", "nps", "ces"),
    controls: str | None = None,
    freq: str = "M",
    its_outcome: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
) -> CampaignReport:
    """Compute the ``campaign_effects`` notebook: DiD (with event study) and exposure regressions per outcome,
    and an interrupted time series for ``its_outcome`` (default: the first outcome).

    ``campaign=None`` (a schema without campaigns) gives a report that says so."""
    from ..exceptions import CsatAnalysisError

    if campaign is None:
        return CampaignReport(data, None, {}, {}, None, {}, alpha)
    outcomes = [o for o in as_list(outcomes) if (METRICS[o].column if o in METRICS else "") in data.columns]
    did: dict[str, EffectResult] = {}
    exposure: dict[str, EffectResult] = {}
    problems: dict[str, str] = {}
    its = None
    if len(data):
        for o in outcomes:
            try:
                did[o] = campaign_effect(data, outcome=o, campaign=campaign, design="did", controls=controls,
                                         freq=freq, weights=weights)
            except CsatAnalysisError as exc:
                problems[o] = f"no difference-in-differences estimate: {exc}"
            try:
                exposure[o] = campaign_effect(data, outcome=o, campaign=campaign, design="exposure",
                                              controls=controls, weights=weights)
            except CsatAnalysisError as exc:
                problems.setdefault(o, f"no exposure estimate: {exc}")
        target = its_outcome or (outcomes[0] if outcomes else None)
        if target:
            try:
                its = campaign_effect(data, outcome=target, campaign=campaign, design="its", freq=freq, weights=weights)
            except CsatAnalysisError as exc:
                problems.setdefault(f"{target} (time series)", str(exc))
    return CampaignReport(data, campaign, did, exposure, its, problems, alpha)
