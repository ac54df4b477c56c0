"""The plain-language sentence of :meth:`EffectResult.summary <csat_analysis.effects.EffectResult.summary>`:
what changed, by how much, how sure, in the words of each design."""

from __future__ import annotations

import numpy as np

from ..metrics import metric_label
from ..narrative import ci_text, fmt_change, fmt_p

__all__ = ["summary"]


def summary(self) -> str:
    """One plain-language sentence: what changed, by how much, how sure (``self``: an :class:`EffectResult`)."""
    e = self.effect
    label = metric_label(self.outcome)
    sig = "statistically significant" if e.p < 1 - self.ci else "not statistically significant"
    if self.model == "ordinal":
        direction = "higher" if e.estimate > 1 else "lower"
        what = f"{direction if e.estimate != 1 else 'different'} {self.outcome.split('_')[0].upper()} answer"
        numbers = f"{e.estimate:.2f} ({ci_text(self.ci)} {e.ci_low:.2f} to {e.ci_high:.2f}, {fmt_p(e.p)}): {sig}."
        if self.details.get("randomised"):
            return f"Exposure to {self.campaign} multiplied the odds of a {what} by {numbers}"
        return (f"Exposure to {self.campaign} was associated with odds of a {what} multiplied by {numbers} "
                "Exposure was not randomised, so this is an association, not necessarily the campaign's effect.")
    change = fmt_change(self.outcome, e.estimate)
    interval = (f"{self.ci:.0%} CI {fmt_change(self.outcome, e.ci_low)} to {fmt_change(self.outcome, e.ci_high)}, "
                f"{fmt_p(e.p)}")
    if "p_wild" in self.details:
        interval += (", randomization inference over the treated groups"
                     if self.details["inference"] == "randomization inference"
                     else ", wild cluster bootstrap: few treated or control groups")
    verb = "raised" if e.estimate > 0 else "lowered"
    if self.design == "exposure" and "variants" in self.details:
        parts = []
        for r in self.table.itertuples():
            parts.append(f"{r.term} {fmt_change(self.outcome, r.estimate)} ({self.ci:.0%} CI "
                         f"{fmt_change(self.outcome, r.ci_low)} to {fmt_change(self.outcome, r.ci_high)}, "
                         f"Holm-adjusted {fmt_p(r.p_adj)})")
        j = self.details["joint"]
        df2 = f"{j['df2']:.0f}" if j["df2"] else "inf"
        how = ("changed" if self.details.get("randomised") else "was associated with these differences in")
        joint = f"F({j['df1']}, {df2}) = {j['F']:.2f}, {fmt_p(j['p'])}."
        multi = self.details.get("multi_select")
        if multi:  # a multi-select question: the choices overlap, each is held against not choosing it
            several = (f"; {multi['n_several']:,} respondents chose more than one" if multi["n_several"] else "")
            text = (f"Each choice of {self.campaign}, against respondents who did not choose it with the other "
                    f"choices held fixed (one regression on all {len(self.table)} choices; the choices overlap, a "
                    f"respondent can be in several{several}), {how} {label}: " + "; ".join(parts)
                    + f". Joint test that no choice makes a difference: {joint}")
        else:
            text = (f"Against the control ({self.details['control']}), each variant of {self.campaign} {how} "
                    f"{label}: " + "; ".join(parts) + f". Joint test that no variant differs from the control: {joint}")
        if not self.details.get("randomised"):
            text += (" Exposure was not randomised, so these are associations, not necessarily the "
                     f"{'choices' if multi else 'variants'}' effects.")
    elif self.design == "exposure":
        pooled = self.details.get("pooled")
        kind = "choices" if pooled and pooled.get("multi_select") else "variants"
        who = (f"Exposure to any of the {len(pooled['variants'])} {kind} of {self.campaign} (pooled)" if pooled
               else f"Exposure to {self.campaign}")
        if self.details.get("randomised"):
            text = f"{who} {verb} {label} by {change} ({interval}): {sig}."
        else:  # self-selected or targeted exposure: an association, never "raised"
            text = (f"{who} was associated with a {change} difference in {label} "
                    f"({interval}): {sig}. Exposure was not randomised, so this is an association, not "
                    "necessarily the campaign's effect.")
        if pooled:
            est = pooled["estimates"]
            low, high = min(est, key=est.get), max(est, key=est.get)
            how = ("Estimated together, each against not choosing it (the choices overlap), the choices" if
                   kind == "choices" else "Separately, against the control, the variants")
            text += (f" {how} range from {fmt_change(self.outcome, est[low])} "
                     f"({low}) to {fmt_change(self.outcome, est[high])} ({high}).")
        b = self.details.get("balance")
        if b is not None:
            a, ev = b.aipw, b.e_value
            n_bad = int((b.table["smd"].abs() > 0.1).sum())
            text += (f" Before adjustment the exposed differed from the others on {n_bad} of {len(b.table)} "
                     "control level(s) (standardised difference above 0.1). " if n_bad else
                     " Exposed and unexposed customers were alike on the controls (standardised differences "
                     "under 0.1). ")
            overlap = b.overlap.get("note")
            if overlap:  # no exposed (or unexposed) customers somewhere: the reweighted estimate is for the rest
                text += overlap + " "
            if np.isfinite(a["estimate"]):
                text += (f"Reweighted to balance the controls (doubly robust, AIPW"
                         f"{', on the overlap region' if overlap else ''}), the difference is "
                         f"{fmt_change(self.outcome, a['estimate'])} ({ci_text(self.ci)} "
                         f"{fmt_change(self.outcome, a['ci_low'])} to {fmt_change(self.outcome, a['ci_high'])}, "
                         f"{fmt_p(a['p'])}).")
            if not self.details.get("randomised") and np.isfinite(ev.get("point", np.nan)):
                text += (f" An unmeasured confounder would need a risk ratio of {ev['point']:.2f} with both "
                         f"exposure and {label} to explain it away ({ev['ci']:.2f} to move the interval to "
                         "include no difference; E-values).")
    elif self.design == "did":
        groups = ", ".join(map(str, self.details.get("treated", [])))
        text = (f"After {self.campaign} started ({self.details['start']:%d %b %Y}), {label} in the treated "
                f"groups ({groups}) moved by {change} relative to the other groups ({interval}): {sig}.")
        text += _pooled_sentence(self)
        att = self.details.get("att")
        if att is not None:
            shares = att["weights"]
            parts = (", ".join(f"{g} {v:.0%}" for g, v in shares.items()) if len(shares) <= 6 else
                     f"{len(shares)} groups, {min(shares.values()):.0%} to {max(shares.values()):.0%} each")
            text += (f" Averaged over the {att['responses']:,} treated responses after the start, each group "
                     f"weighted by its responses ({parts}), the effect is {fmt_change(self.outcome, att['estimate'])}.")
        pre = self.details.get("pretrend")
        if pre is not None and not np.isnan(pre["p"]):
            what = (f"all {pre['coefficients']} pre-campaign event-study coefficients are zero" if not pre["blocks"]
                    else f"the {pre['coefficients']} pre-campaign event-study coefficients, averaged in "
                         f"{pre['blocks']} consecutive block(s) because there are few clusters, are zero")
            test = f"joint Wald test that {what}, F({pre['df1']}, {pre['df2']}) = {pre['F']:.2f}, {fmt_p(pre['p'])}"
            text += (" Before the start, treated and other groups did not differ significantly "
                     f"({test})." if pre["p"] >= 0.05 else
                     f" Caution: before the start the treated groups already differed from the others ({test}), "
                     "so the estimate may be biased.")
    else:
        slope = self.table.set_index("term").loc["slope change"]
        text = (f"When {self.campaign} started ({self.details['start']:%d %b %Y}), {label} jumped by {change} "
                f"({interval}): {sig}; its trend changed by {fmt_change(self.outcome, slope['estimate'])} "
                f"per period ({fmt_p(slope['p'])}).") + _pooled_sentence(self)
    return text


def _pooled_sentence(self) -> str:
    """DiD and ITS pool a campaign's variants (offers) or a multi-select campaign's choices: say so."""
    pooled = self.details.get("pooled_variants")
    if not pooled or (len(pooled) < 2 and not self.details.get("multi_select")):
        return ""
    if self.details.get("multi_select"):
        return (f" This pools the {len(pooled)} choices of {self.campaign} ({', '.join(map(str, pooled))}) into "
                "any choice; the exposed-vs-not comparison gives one effect per choice.")
    return (f" This pools the {len(pooled)} variants ({', '.join(map(str, pooled))}); the exposed-vs-not "
            "comparison gives one effect per variant.")
