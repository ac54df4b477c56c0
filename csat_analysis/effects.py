"""What did a campaign do?  Regression estimates in the outcome's own units.

:func:`campaign_effect` fits one of three designs with statsmodels:

``"exposure"``
    exposed vs not, with optional controls (formula terms such as
    ``C(region) + tenure``).  The outcome is coded so that the coefficient is in
    its own units: CSAT / CES top-box as 0/100 (a linear probability model in
    percentage points; ``model="logit"`` reports the logit's average marginal
    effect in pp), NPS as -100/0/+100 per respondent (NPS points), CSAT mean and
    CES as scores (scale points).  ``model="ordinal"`` fits an ordered logit
    (statsmodels ``OrderedModel``, the same parametrisation as R ``MASS::polr``)
    on the full scale and reports the odds ratio.  Unless the schema marks the
    campaign ``randomised: true``, the wording is "associated with" (never
    "raised") and the warnings carry a self-selection caveat.  A text campaign
    column with several values gives one effect per variant against the
    control, Holm-adjusted, with a joint Wald test.
``"did"``
    difference-in-differences: treated groups (those ever exposed, or
    ``treated=``) against the others, before and after the campaign start,
    with group and period fixed effects and errors clustered by group.  An
    event-study variant (``event_study=True`` or :meth:`EffectResult.plot`)
    estimates the effect by period relative to the start and tests the
    pre-campaign coefficients jointly (the pre-trend check: a cluster-robust
    Wald F test that all of them are zero, ``F(q, G - 1)``).  With fewer than
    10 treated or 10 control clusters the DiD p-value and interval come from a
    wild cluster restricted bootstrap (:func:`wild_cluster_bootstrap`), with
    CR1's reported beside them.
``"its"``
    interrupted time series on period scores: segmented regression with a
    level change and a slope change at the start, month-of-year terms when
    there are two years of pre-campaign periods, and OLS inference with
    ``t(T - k)`` critical values (Newey-West errors on request; with T near
    24 they reject a true null about 20% of the time).

Standard errors: HC1 (Stata's ``robust``, R ``sandwich::vcovHC(type = "HC1")``)
by default, cluster-robust with the ``G/(G-1)·(N-1)/(N-K)`` correction and
``G - 1`` degrees of freedom (R ``sandwich::vcovCL(type = "HC1")``, Stata
``cluster``) when ``cluster`` is given or for DiD; Newey-West without
small-sample adjustment (R ``sandwich::NeweyWest(prewhite = FALSE,
adjust = FALSE)``) for ITS with ``inference="newey-west"``.
"""

from __future__ import annotations

import dataclasses
import re
import warnings as _warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._utils import as_list, check_argument, nearest, require_columns, weight_column
from .cells import date_periods, groups, period_start
from .exceptions import DataError, ParameterError
from .metrics import (
    METRICS,
    metric_label,
    scale_of,
    summarize,
)
from .narrative import ci_text, fmt_change, fmt_p
from .responses import schema_of

__all__ = ["campaign_effect", "wild_cluster_bootstrap", "EffectResult", "Effect", "compare_effects",
           "EFFECT_COLUMNS", "DESIGNS", "inference_label"]

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
class EffectResult:
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
            text = (f"Against the control ({self.details['control']}), each variant of {self.campaign} {how} {label}: "
                    + "; ".join(parts) + f". Joint test that no variant differs from the control: "
                    f"F({j['df1']}, {df2}) = {j['F']:.2f}, {fmt_p(j['p'])}.")
            if not self.details.get("randomised"):
                text += " Exposure was not randomised, so these are associations, not necessarily the variants' effects."
        elif self.design == "exposure":
            if self.details.get("randomised"):
                text = f"Exposure to {self.campaign} {verb} {label} by {change} ({interval}): {sig}."
            else:  # self-selected or targeted exposure: an association, never "raised"
                text = (f"Exposure to {self.campaign} was associated with a {change} difference in {label} "
                        f"({interval}): {sig}. Exposure was not randomised, so this is an association, not "
                        "necessarily the campaign's effect.")
            b = self.details.get("balance")
            if b is not None:
                a, ev = b.aipw, b.e_value
                n_bad = int((b.table["smd"].abs() > 0.1).sum())
                text += (f" Before adjustment the exposed differed from the others on {n_bad} of {len(b.table)} "
                         "control level(s) (standardised difference above 0.1). " if n_bad else
                         " Exposed and unexposed customers were alike on the controls (standardised differences "
                         "under 0.1). ")
                text += (f"Reweighted to balance the controls (doubly robust, AIPW), the difference is "
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
                    f"per period ({fmt_p(slope['p'])}).")
        return text

    def plot(self, ax=None):
        """Event study (DiD), fitted vs counterfactual (ITS) or coefficient (exposure)."""
        from .plots import plot_event_study, plot_forest, plot_its

        if self.design == "did" and "event_study" in self.details:
            return plot_event_study(self.details["event_study"], outcome=self.outcome, ax=ax)
        if self.design == "its":
            return plot_its(self.details["series"], outcome=self.outcome, start=self.details["start"], ax=ax)
        return plot_forest(compare_effects([self]), ax=ax)

    def _repr_html_(self) -> str:
        import html

        return (f"<p><strong>{html.escape(self.summary())}</strong></p>"
                + self.table.to_html(index=False, float_format=lambda v: f"{v:.4g}")
                + "".join(f"<p><em>Warning: {html.escape(w)}</em></p>" for w in self.warnings))


# --------------------------------------------------------------------------- preparing data


def _outcome_values(data: pd.DataFrame, outcome: str, model: str) -> tuple[pd.Series, str]:
    """The regression outcome, coded in reporting units, and its unit."""
    col = METRICS[outcome].column
    require_columns(data, [col], "outcome column")
    x = pd.to_numeric(data[col], errors="coerce").astype("Float64").astype(float)
    lo, hi, top = scale_of(data, col)
    if model == "ordinal":
        return x, "odds ratio"
    kind = METRICS[outcome].kind
    if kind == "share":
        y = (x >= top).astype(float) * (100.0 if model == "linear" else 1.0)
    elif kind == "nps":
        y = pd.Series(np.where(x >= 9, 100.0, np.where(x <= 6, -100.0, 0.0)), index=x.index)
    else:
        y = x
    return y.where(x.notna()), METRICS[outcome].change_unit


def _exposure(data: pd.DataFrame, campaign: str, control: Any = None) -> tuple[pd.Series, pd.Series | None, str | None]:
    """Exposure as 0/1, plus the variant labels (None for a yes/no column) and the control label.

    A text / category column is a campaign with variants: ``control`` (or the
    schema campaign's ``control``) names the value meaning not exposed; every
    other value is a variant.
    """
    if campaign not in data.columns:
        raise ParameterError(
            f"The campaign column {campaign!r} is not in the data; campaign columns come from the schema's "
            f"'campaigns' section.{nearest(campaign, map(str, data.columns))}"
        )
    col = data[campaign]
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        values = pd.to_numeric(col.astype("Float64"), errors="coerce").astype(float)
        if not values.dropna().isin([0, 1]).all():
            raise DataError(f"Campaign column {campaign!r} must hold exposed/not exposed (True/False or 1/0).")
        return values, None, None
    if control is None:
        for c in schema_of(data).get("campaigns", []) or []:
            if campaign in (c.get("name"), c.get("column")) and c.get("control") is not None:
                control = c["control"]
                break
    if control is None:
        raise DataError(
            f"Campaign column {campaign!r} holds text ({col.dropna().iloc[0]!r}); say which value means not exposed "
            "with control= (or the schema campaign's 'control'), or load the data with a schema whose campaign sets "
            "'control' to get a True/False column."
        )
    text = col.astype("string").str.strip()
    key = str(control).strip().casefold()
    is_control = text.str.casefold() == key
    if not is_control.fillna(False).any():
        raise DataError(f"No response of campaign column {campaign!r} has the control value {str(control)!r}; the "
                        f"values are {sorted(text.dropna().unique())[:8]}.")
    label = str(text[is_control.fillna(False)].iloc[0])
    variants = text.where(~is_control.fillna(False), label)
    exposed = (~is_control).astype("Float64").astype(float).where(text.notna())
    return exposed, variants, label


def _schema_campaign(data: pd.DataFrame, campaign: str) -> dict:
    for c in schema_of(data).get("campaigns", []) or []:
        if c.get("name") == campaign:
            return c
    for c in schema_of(data).get("campaigns", []) or []:
        if c.get("column") == campaign:
            return c
    return {}


def _controls_formula(data: pd.DataFrame, controls: str | Sequence[str] | None) -> str | None:
    """Controls as formula terms: a formula string is kept, a list of column names becomes
    ``C(Q("name"))`` (text / category columns) or ``Q("name")`` (numbers), so names with spaces work."""
    if controls is None or isinstance(controls, str):
        return controls or None
    terms = []
    for name in as_list(controls):
        name = str(name)
        if name not in data.columns:
            raise ParameterError(f"The controls name {name!r}, which is not a column of the data."
                                 f"{nearest(name, map(str, data.columns))}")
        quoted = "Q(" + repr(name) + ")"
        numeric = pd.api.types.is_numeric_dtype(data[name]) and not pd.api.types.is_bool_dtype(data[name])
        terms.append(quoted if numeric else f"C({quoted})")
    return " + ".join(terms) or None


_QUOTED = re.compile(r"""Q\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")


def _control_columns(data: pd.DataFrame, controls: str | None) -> list[str]:
    """The data columns a controls formula refers to (identifiers that are column names, and ``Q("any name")``)."""
    if not controls:
        return []
    quoted = [a or b for a, b in _QUOTED.findall(controls)]
    quoted = [q.encode().decode("unicode_escape") if "\\" in q else q for q in quoted]
    missing = [q for q in quoted if q not in data.columns]
    if missing:
        raise ParameterError(f"The controls {controls!r} name {missing[0]!r}, which is not a column of the data."
                             f"{nearest(missing[0], map(str, data.columns))}")
    rest = _QUOTED.sub(" ", controls)
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", rest))
    found = sorted(words & set(map(str, data.columns)))
    unknown = words - set(found) - {"C", "Q", "I", "np", "log", "exp", "center", "standardize", "Treatment", "Sum"}
    if unknown:
        name = sorted(unknown)[0]
        raise ParameterError(f"The controls {controls!r} name {name!r}, which is not a column of the data."
                             f"{nearest(name, map(str, data.columns))}")
    return list(dict.fromkeys(found + quoted))


@dataclasses.dataclass
class _Fit:
    result: Any
    warnings: list[str]


def _fit(formula: str, frame: pd.DataFrame, *, kind: str, cov_type: str, groups=None, maxlags: int | None = None,
         offset=None) -> _Fit:
    """Fit with statsmodels, turning its warnings into readable ones."""
    import statsmodels.formula.api as smf

    notes: list[str] = []
    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        try:
            if kind == "ols":
                model = smf.ols(formula, frame)
                if cov_type == "cluster":
                    res = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
                elif cov_type == "HAC":
                    res = model.fit(cov_type="HAC", cov_kwds={"maxlags": maxlags, "use_correction": False}, use_t=True)
                else:
                    res = model.fit(cov_type=cov_type, use_t=True)
            elif kind == "logit":
                model = smf.logit(formula, frame)
                # for maximum-likelihood models statsmodels' HC0 and HC1 coincide: the sandwich of R's
                # sandwich::sandwich(glm) / vcovHC(type = "HC0")
                kw = {"cov_type": "cluster", "cov_kwds": {"groups": groups}} if cov_type == "cluster" else {
                    "cov_type": "HC0" if cov_type == "HC1" else cov_type}
                res = model.fit(disp=False, maxiter=200, **kw)
            else:
                from statsmodels.miscmodels.ordinal_model import OrderedModel

                model = OrderedModel.from_formula(formula, frame, distr="logit")
                res = model.fit(method="bfgs", disp=False, maxiter=2000, gtol=1e-10)
        except np.linalg.LinAlgError:
            raise DataError("The model could not be fitted: the exposure is collinear with the controls "
                            "(e.g. every exposed row shares one control level). Drop or change controls.") from None
        except Exception as exc:  # statsmodels' separation error and friends
            if "separation" in str(exc).lower():
                raise DataError("Perfect separation: the exposure (or a control) predicts the top box perfectly, so "
                                "the logit has no finite estimate; use the linear model instead.") from None
            raise
    for w in caught:
        text = str(w.message)
        if "separation" in text.lower():
            notes.append("Perfect or quasi-perfect separation: some coefficients are not identified; use the "
                         "linear model for this outcome.")
        elif "singular" in text.lower() or "rank" in text.lower() or "collinear" in text.lower():
            notes.append("Some controls are collinear with each other or with the exposure; their coefficients "
                         "are not separately identified.")
        elif "converge" in text.lower():
            notes.append("The model did not fully converge; treat the estimate with caution.")
        elif "divide by zero" not in text and "invalid value" not in text:
            notes.append(f"statsmodels: {text.splitlines()[0]}")
    return _Fit(res, list(dict.fromkeys(notes)))


def _row(term: str, est: float, se: float, ci: float, df: float | None) -> dict:
    q = stats.t.ppf(0.5 + ci / 2, df) if df else stats.norm.ppf(0.5 + ci / 2)
    stat = est / se if se > 0 else np.nan
    p = 2 * (stats.t.sf(abs(stat), df) if df else stats.norm.sf(abs(stat)))
    return {"term": term, "estimate": est, "se": se, "ci_low": est - q * se, "ci_high": est + q * se, "p": p}


def _coef_rows(res, terms: dict[str, str], ci: float) -> list[dict]:
    df = getattr(res, "df_resid_inference", None) or (res.df_resid if getattr(res, "use_t", False) else None)
    rows = []
    for label, name in terms.items():
        rows.append(_row(label, float(res.params[name]), float(res.bse[name]), ci, df))
    return rows


FEW_SIDE = 10  # fewer treated (or control) clusters than this: wild cluster bootstrap inference
#: DiD with at most this many treated groups: randomization inference by default (when there are at least 20
#: possible treated sets); the wild cluster restricted bootstrap almost never rejects there (0% at 2 of 30).
FEW_TREATED_RI = 3
BOOT_REPS = 9999
BOOT_SEED = 20261201
_MAX_BOOT_CLUSTERS = 400


def _cluster_sides(groups: np.ndarray, treat: np.ndarray) -> tuple[int, int, int]:
    """Clusters in all, clusters with any treated row, clusters with any untreated row."""
    by = pd.Series(np.asarray(treat, float)).groupby(pd.Series(groups).to_numpy())
    return int(by.ngroups), int((by.max() > 0).sum()), int((by.min() == 0).sum())


def _boot_weights(G: int, reps: int, seed: int) -> tuple[np.ndarray, str, bool]:
    """Wild bootstrap weights (reps x G): Rademacher, or Webb's six-point weights below 12 clusters.

    All distinct sign vectors are enumerated when there are no more of them than
    ``reps`` (2^G for Rademacher, 6^G for Webb), as ``fwildclusterboot`` does.
    """
    import itertools

    if G >= 12:
        points, kind = np.array([-1.0, 1.0]), "Rademacher"
    else:
        r = np.sqrt([1.5, 1.0, 0.5])
        points, kind = np.concatenate([-r, r]), "Webb six-point"
    if len(points) ** G <= reps:
        return np.array(list(itertools.product(points, repeat=G))), kind, True
    rng = np.random.default_rng(seed)
    return rng.choice(points, size=(reps, G)), kind, False


def wild_cluster_bootstrap(X: np.ndarray, y: np.ndarray, k: int, groups: Sequence[Any], *, reps: int = BOOT_REPS,
                           seed: int = BOOT_SEED, ci: float | None = 0.95) -> dict[str, Any]:
    """Wild cluster restricted (WCR) bootstrap test of ``beta[k] = 0`` in OLS of ``y`` on ``X``.

    The null is imposed: the bootstrap samples are ``y* = X_r g_r + u_r * v_g``
    with the restricted fit (``X`` without column ``k``), its residuals ``u_r``
    and one weight ``v_g`` per cluster (:func:`_boot_weights`); each is scored
    with the CR1 t-statistic (``G/(G-1)·(N-1)/(N-K)``), and the p-value is the
    share of bootstrap ``|t*|`` at least the observed ``|t|`` (symmetric,
    two-sided, WCR11).  R ``fwildclusterboot::boottest`` counts ``|t*| > |t|``
    strictly; with every sign vector enumerated the two differ by exactly
    ``2 / 2^G`` (the all-+1 and all--1 vectors reproduce ``|t|``), and ``>=``
    is the conservative choice (checked against an R implementation in
    ``tests/reference/wcr.R``).  The interval
    inverts the test over the null value.  Computed in closed form: every
    bootstrap statistic is a linear function of the weights (Roodman et al.
    2019, "Fast and wild"), so no refitting is needed.

    Parameters
    ----------
    X : ndarray (N, K)
        Design matrix (already multiplied by sqrt(weights) for WLS).
    y : ndarray (N,)
    k : int
        Column of the tested coefficient.
    groups : array-like (N,)
        Cluster labels.
    reps : int
        Bootstrap replications (ignored when all sign vectors are enumerated).
    seed : int
    ci : float or None
        Confidence level of the inverted interval; None skips it.

    Returns
    -------
    dict
        ``estimate, se`` (CR1), ``t``, ``p``, ``ci_low``, ``ci_high``,
        ``weights`` (kind), ``reps`` (vectors used), ``enumerated``, ``clusters``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(8), 20)
    >>> X = np.column_stack([np.ones(160), (g < 3).astype(float)])
    >>> y = rng.normal(size=8)[g] + rng.normal(size=160)
    >>> out = wild_cluster_bootstrap(X, y, 1, g, reps=999)
    >>> out["weights"], out["enumerated"], 0 <= out["p"] <= 1
    ('Webb six-point', False, True)
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    codes, uniques = pd.factorize(pd.Series(np.asarray(groups)))
    G, N = len(uniques), X.shape[0]
    XtX = X.T @ X
    rank = np.linalg.matrix_rank(XtX)
    XtXi = np.linalg.pinv(XtX)
    a = X @ XtXi[:, k]  # beta_k = a'y
    Xr = np.delete(X, k, axis=1)

    def restricted(v):
        return v - Xr @ np.linalg.lstsq(Xr, v, rcond=None)[0]

    from scipy import sparse

    E = sparse.csr_matrix((np.ones(N), (codes, np.arange(N))), shape=(G, N))  # cluster sums
    c = G / (G - 1) * (N - 1) / (N - rank)
    bhat = float(a @ y)
    u = y - X @ (XtXi @ (X.T @ y))
    se = float(np.sqrt(c * np.sum((E @ (a * u)) ** 2)))
    AX = E @ (X * a[:, None])  # (G, K): sum over cluster h of a_i x_i'

    def blocks(ur):
        d = E @ (a * ur)  # bootstrap numerator: sum_g v_g d_g
        C = AX @ (XtXi @ (E @ (X * ur[:, None])).T)  # score_h(v) = v_h d_h - (C v)_h
        return d, C

    d0, C0 = blocks(restricted(y))
    d1, C1 = blocks(restricted(X[:, k]))  # the restricted residuals under beta_k = b are u0 - b u1
    V, kind, enumerated = _boot_weights(G, reps, seed)

    def pvalue(b: float) -> float:
        d, C = d0 - b * d1, C0 - b * C1
        num = V @ d
        den = np.sqrt(c * np.sum((V * d - V @ C.T) ** 2, axis=1))
        with np.errstate(divide="ignore", invalid="ignore"):
            tstar = np.abs(num / den)
        t = abs(bhat - b) / se if se > 0 else np.inf
        return float(np.mean(np.nan_to_num(tstar, nan=0.0) >= t - 1e-12 * max(1.0, t)))

    p = pvalue(0.0)
    out = {"estimate": bhat, "se": se, "t": bhat / se if se > 0 else np.nan, "p": p, "ci_low": np.nan,
           "ci_high": np.nan, "weights": kind, "reps": len(V), "enumerated": enumerated, "clusters": G}
    if ci is not None and se > 0:
        out["ci_low"], out["ci_high"] = _invert(pvalue, bhat, se, 1 - ci)
    return out


def _invert(pvalue, bhat: float, se: float, alpha: float) -> tuple[float, float]:
    """The interval of null values a test does not reject at ``alpha`` (bracket by doubling, then bisect)."""
    ends = []
    for side in (-1, 1):
        inner, step = bhat, se
        outer = bhat + side * step
        for _ in range(40):  # widen until the null value is rejected
            if pvalue(outer) < alpha:
                break
            inner, step = outer, step * 2
            outer = bhat + side * step
        else:
            ends.append(side * np.inf)
            continue
        for _ in range(30):  # bisect to ~1e-9 of the bracket
            mid = (inner + outer) / 2
            inner, outer = (mid, outer) if pvalue(mid) >= alpha else (inner, mid)
        ends.append((inner + outer) / 2)
    return ends[0], ends[1]


def _randomization_inference(res, term: str, frame: pd.DataFrame, groups, *, reps: int, seed: int = BOOT_SEED,
                             ci: float = 0.95) -> dict[str, Any] | None:
    """Randomization inference for a DiD: reassign which groups are treated (MacKinnon & Webb 2020, RI-t).

    Every set of as many groups as were treated (all of them when there are at
    most ``reps`` such sets, else ``reps`` random sets plus the actual one)
    gets the DiD coefficient and its CR1 t-statistic, by Frisch-Waugh-Lovell
    on the fixed effects and controls; the p-value is the share of sets whose
    ``|t|`` is at least the actual one, and the interval inverts that test.
    Valid when groups are exchangeable (similar sizes and variances).
    """
    import math

    model = res.model
    X = np.asarray(model.wexog, float)
    y = np.asarray(model.wendog, float)
    k = list(model.exog_names).index(term)
    sw = np.sqrt(np.asarray(getattr(model, "weights", np.ones(len(y))), float) * np.ones(len(y)))
    g = frame["_g"].to_numpy()
    units = pd.unique(g)
    treated = set(frame.loc[frame["_treated"] == 1, "_g"].unique())
    n_t, J, N = len(treated), len(units), len(y)
    total = math.comb(J, n_t)
    if total < 20 or N * J > 5e7:
        return None
    Xo = np.delete(X, k, axis=1)

    def resid(v):
        return v - Xo @ np.linalg.lstsq(Xo, v, rcond=None)[0]

    post = frame["_post"].to_numpy(float)
    cols = np.column_stack([(g == u) * post * sw for u in units])
    R = resid(cols)  # residualized "group u after the start" columns
    ytil = resid(y)
    actual = np.array([u in treated for u in units], float)
    if total <= reps:
        import itertools

        A = np.zeros((J, total))
        for j, idx in enumerate(itertools.combinations(range(J), n_t)):
            A[list(idx), j] = 1.0
        enumerated = True
    else:
        rng = np.random.default_rng(seed)
        A = np.zeros((J, reps))
        for j in range(reps):
            A[rng.choice(J, n_t, replace=False), j] = 1.0
        A = np.column_stack([actual, A])
        enumerated = False
    A = A[:, : max(199, int(2e7 // N))] if N * A.shape[1] > 2e7 else A
    XS = R @ A  # one residualized treatment column per assignment
    xx = np.sum(XS ** 2, axis=0)
    codes, uniq = pd.factorize(pd.Series(np.asarray(groups)))
    G = len(uniq)
    from scipy import sparse

    E = sparse.csr_matrix((np.ones(N), (codes, np.arange(N))), shape=(G, N))
    c = G / (G - 1) * (N - 1) / (N - X.shape[1])
    x_obs = R @ actual
    j_obs = int(np.flatnonzero((A == actual[:, None]).all(axis=0))[0])

    def tstats(yy):
        beta = (XS.T @ yy) / xx
        U = yy[:, None] - XS * beta
        se = np.sqrt(c * np.asarray((E @ (XS * U)) ** 2).sum(axis=0)) / xx
        return beta, np.abs(beta / se)

    def pvalue(b0):
        _, t = tstats(ytil - b0 * x_obs) if b0 else tstats(ytil)
        return float(np.mean(t >= t[j_obs] - 1e-12 * max(1.0, t[j_obs])))

    beta, t = tstats(ytil)
    bhat, se = float(beta[j_obs]), float(abs(beta[j_obs]) / t[j_obs]) if t[j_obs] > 0 else float(res.bse[term])
    lo, hi = _invert(pvalue, bhat, se, 1 - ci)
    return {"estimate": bhat, "p": pvalue(0.0), "ci_low": lo, "ci_high": hi, "weights": "randomization inference",
            "reps": A.shape[1], "enumerated": enumerated, "clusters": G}


def _few_clusters(res, term: str, groups, treat, name: str, notes: list[str], inference: str, reps: int,
                  ci: float, frame: pd.DataFrame | None = None) -> dict[str, Any] | None:
    """Warn about few (treated or control) clusters; run the wild cluster bootstrap when it is needed.

    Returns the bootstrap result (or None when CR1 inference is kept).
    """
    G, n_t, n_c = _cluster_sides(groups, treat)
    few_side = min(n_t, n_c) < FEW_SIDE
    if inference == "randomization" and frame is None:
        raise ParameterError("inference='randomization' is available for design='did' only.")
    auto_ri = inference == "auto" and frame is not None and n_t <= FEW_TREATED_RI
    if auto_ri:  # the wild bootstrap can hardly reject with 1-3 treated groups; reassigning treatment can
        inference = "randomization"
    use = inference == "wild" or (inference == "auto" and few_side)
    if use and G > _MAX_BOOT_CLUSTERS:
        notes.append(f"{G} clusters of {name!r} are too many for the wild cluster bootstrap here; CR1 is used.")
        use = False
    boot = None
    if inference == "randomization":
        boot = None if frame is None else _randomization_inference(res, term, frame, groups, reps=reps, ci=ci)
        if boot is None and not auto_ri:
            notes.append("Randomization inference needs at least 20 possible treated sets of groups (and a "
                         "manageable data size); the bootstrap is used instead.")
        use = boot is None
    if use:
        model = res.model
        X = np.asarray(model.wexog, float)
        y = np.asarray(model.wendog, float)
        boot = wild_cluster_bootstrap(X, y, list(model.exog_names).index(term), groups, reps=reps, ci=ci)
    if G < FEW_CLUSTERS or few_side:
        text = (f"Only {G} clusters of {name!r} ({n_t} with treated rows, {n_c} with untreated rows): cluster-robust "
                f"(CR1) errors are unreliable with fewer than {FEW_SIDE} treated or control clusters")
        if boot is not None and boot["weights"] == "randomization inference":
            how = "all" if boot["enumerated"] else f"{boot['reps']:,}"
            text += (f"; the p-value and interval come from randomization inference over {how} possible sets of "
                     f"treated groups: {fmt_p(boot['p'])} against CR1's {fmt_p(float(res.pvalues[term]))}. It "
                     "assumes the groups are alike (similar sizes and variability) before the campaign.")
        elif boot is not None:
            how = "all sign vectors enumerated" if boot["enumerated"] else f"{boot['reps']:,} draws"
            text += (f"; the p-value and interval come from a wild cluster restricted bootstrap ({boot['weights']} "
                     f"weights, {how}): {fmt_p(boot['p'])} against CR1's {fmt_p(float(res.pvalues[term]))}.")
        else:
            text += "; read the interval as approximate."
        notes.append(text)
    return boot


def _apply_boot(table: pd.DataFrame, boot: dict | None, res, term: str, details: dict) -> None:
    """Put the bootstrap p and interval into the first table row; keep CR1's beside them in ``details``."""
    details["inference"] = "CR1 (cluster-robust, t(G-1))"
    if boot is None:
        return
    details.update(inference=(boot["weights"] if boot["weights"] == "randomization inference" else
                              f"wild cluster restricted bootstrap ({boot['weights']})"),
                   p_cr1=float(table.loc[0, "p"]), ci_cr1=(float(table.loc[0, "ci_low"]), float(table.loc[0, "ci_high"])),
                   p_wild=boot["p"], bootstrap=boot)
    table.loc[0, ["p", "ci_low", "ci_high"]] = [boot["p"], boot["ci_low"], boot["ci_high"]]


def _period_frame(data: pd.DataFrame, freq: str, date: str = "date") -> tuple[np.ndarray, Any]:
    if date not in data.columns or data[date].notna().sum() == 0:
        raise ParameterError("This design needs response dates; map a date column in the schema.")
    return date_periods(data[date], freq)


# --------------------------------------------------------------------------- designs


def campaign_effect(
    data: pd.DataFrame,
    *,
    outcome: str,
    campaign: str,
    design: str = "exposure",
    controls: str | None = None,
    cluster: str | None = None,
    freq: str | None = None,
    model: str = "linear",
    group: str | None = None,
    treated: Sequence[Any] | None = None,
    start: str | pd.Timestamp | None = None,
    event_study: bool = True,
    weights: str | None = None,
    ci: float = 0.95,
    maxlags: int | None = None,
    control: str | None = None,
    inference: str = "auto",
    bootstrap_reps: int = BOOT_REPS,
) -> EffectResult:
    """Estimate a campaign's effect on one outcome, in the outcome's own units.

    Parameters
    ----------
    data : DataFrame
        Canonical responses with a boolean campaign column (the loader makes
        one per campaign of the schema).
    outcome : {"csat", "csat_mean", "nps", "ces", "ces_top"}
    campaign : str
        The campaign column (its schema entry supplies ``start`` and ``group``).
    design : {"exposure", "did", "its"}
    controls : str or list of str, optional
        Extra formula terms, e.g. ``"C(region) + C(channel)"`` (exposure and
        DiD designs), or a list of column names (text columns enter as
        categories, numbers as they are; names with spaces work, as they do
        in a formula written ``C(Q("Plan type"))``).
    cluster : str, optional
        Cluster errors by this column (exposure design); DiD clusters by
        ``group`` unless ``cluster`` says otherwise.
    freq : {"W", "M", "Q", "Y"}, optional
        Period for DiD fixed effects, event study and ITS (default "M").
    model : {"linear", "logit", "ordinal"}
        Exposure design only: linear (OLS / linear probability model), logit
        (top-box outcomes; average marginal effect in pp) or ordinal (ordered
        logit on the full scale; odds ratio).
    group, treated : optional
        DiD / ITS: the column whose levels were targeted, and the treated
        levels (default: levels with any exposed response).
    start : date, optional
        Campaign start (default: the schema's ``start``).
    event_study : bool
        DiD: also estimate effects by period relative to the start.
    weights : str, optional
        Weight column (weighted least squares; linear models only).
    ci : float
    inference : {"auto", "cr1", "wild", "randomization", "newey-west"}
        Clustered linear models (DiD, exposure with ``cluster``): "auto" uses
        the wild cluster restricted bootstrap (:func:`wild_cluster_bootstrap`)
        for the p-value and interval when fewer than 10 clusters hold treated
        rows or fewer than 10 hold untreated rows, and CR1 otherwise; a DiD
        with at most 3 treated groups (and at least 20 possible treated sets)
        uses randomization inference instead.  The CR1
        p-value and interval stay in ``details`` (``p_cr1``, ``ci_cr1``).
        "wild" always bootstraps, "cr1" never; "randomization" (DiD only)
        uses randomization inference over the possible sets of treated groups
        (RI-t of MacKinnon & Webb 2020; valid for exchangeable groups, and
        close to nominal size with 2-3 treated groups, where the wild
        bootstrap is very conservative).  ITS: "auto" is OLS whose level
        change is tested against series simulated with the residuals' own
        AR(1) autocorrelation (bias-corrected by simulation; at T = 24 the
        size is 3.7% with independent noise, 4.3% and 6.0% with AR(1) shocks
        of rho 0.5 and 0.8, 300 runs each), the OLS
        ``t(T - k)`` values kept in ``details["ar1"]["ols"]``; a
        Breusch-Godfrey check warns when the residuals are autocorrelated;
        "newey-west" gives the Newey-West errors of R
        ``sandwich::NeweyWest(prewhite = FALSE, adjust = FALSE)``, which
        over-reject with few periods (about 20% at T = 24).
    bootstrap_reps : int
        Wild bootstrap replications (default 9999; every sign vector is used
        instead when there are fewer).
    control : str, optional
        For a text campaign column (e.g. an offer column with ``None``,
        ``Offer A``, ``Offer B``): the value meaning not exposed (default: the
        schema campaign's ``control``).  The exposure design then estimates one
        effect per variant against the control (``.table`` has one row per
        variant, ``term`` = its label, plus Holm-adjusted ``p_adj``) and a joint
        Wald test that no variant differs (``details["joint"]``); DiD and ITS
        pool the variants.
    maxlags : int, optional
        ITS: Newey-West lags (default ``floor(4 (T/100)^(2/9))``, at least 1).

    Returns
    -------
    EffectResult
        ``.table`` (``term, estimate, se, ci_low, ci_high, p``), ``.effect``,
        ``.summary()``, ``.plot()``, ``.warnings``.

    Raises
    ------
    ParameterError
        Unknown design/model/outcome/inference, absent columns, ``cluster``
        with ``model="ordinal"``, ``group``/``treated`` with the exposure
        design, a non-linear model for a campaign with variants.
    DataError
        No exposed or no unexposed rows, no rows before the start, a constant
        or collinear exposure, perfect separation in a logit.
    """
    check_argument("design", list(DESIGNS), design)
    check_argument("outcome", list(METRICS), outcome)
    check_argument("model", list(MODELS), model)
    check_argument("inference", ["auto", "cr1", "wild", "randomization", "newey-west"], inference)
    if (inference == "newey-west") != (design == "its" and inference == "newey-west"):
        raise ParameterError("inference='newey-west' is for design='its' only.")
    if model != "linear" and design != "exposure":
        raise ParameterError(f"model={model!r} is available for design='exposure' only; DiD and ITS use linear models.")
    if model == "logit" and METRICS[outcome].kind != "share":
        raise ParameterError(f"model='logit' needs a top-box outcome ('csat' or 'ces_top'), not {outcome!r}.")
    if model == "ordinal" and outcome not in METRICS:
        raise ParameterError(f"model='ordinal' needs a score outcome, not {outcome!r}.")
    if weights is not None and model != "linear":
        raise ParameterError("Weights are supported for linear models only.")
    data, weights = weight_column(data, weights, "_w_campaign")  # raked weights: a weight column of the model
    controls = _controls_formula(data, controls)
    exposed, variants, control_label = _exposure(data, campaign, control)
    y, unit = _outcome_values(data, outcome, model)
    spec = _schema_campaign(data, campaign)
    freq = freq or "M"
    if design == "exposure":
        if group is not None or treated is not None:
            raise ParameterError("group= and treated= apply to design='did' and design='its'; the exposure design "
                                 "compares exposed with unexposed responses (use controls= to adjust for groups).")
        if model == "ordinal" and cluster:
            raise ParameterError("model='ordinal' does not support cluster= (the ordered logit has no cluster-robust "
                                 "errors here); use model='linear' with cluster=, or drop cluster=.")
        if variants is not None:
            result = _variants_design(data, y, unit, variants, control_label, outcome, campaign, controls, cluster,
                                      model, weights, ci)
        else:
            result = _exposure_design(data, y, unit, exposed, outcome, campaign, controls, cluster, model, weights, ci,
                                      inference, bootstrap_reps)
        randomised = spec.get("randomised") is True
        result.details["randomised"] = randomised
        if not randomised:
            result.warnings.append(_SELF_SELECTION.format(campaign=campaign))
            if not controls:
                result.warnings.append("No controls were named, so the balance of exposed and unexposed customers "
                                       "cannot be checked and the difference includes every way in which they "
                                       "differ; name controls (e.g. segment, tenure, plan) to adjust for them.")
        return _with_ci(result, ci)
    start = pd.Timestamp(start or spec.get("start")) if (start or spec.get("start")) else None
    if start is None:
        raise ParameterError(f"design={design!r} needs the campaign start: give start= or set 'start' for "
                             f"{campaign!r} in the schema.")
    group = group or spec.get("group")
    if design == "did":
        return _with_ci(_did(data, y, unit, exposed, outcome, campaign, controls, cluster, freq, group, treated, start,
                             event_study, weights, ci, inference, bootstrap_reps), ci)
    return _with_ci(_its(data, outcome, campaign, freq, group, treated, exposed, start, weights, ci, maxlags,
                         inference), ci)


def _with_ci(result: EffectResult, ci: float) -> EffectResult:
    """Record the confidence level on the result and its headline effect (their sentences name it)."""
    result.ci = ci
    result.effect = dataclasses.replace(result.effect, ci=ci)
    return result


def _check_exposure(x: pd.Series, campaign: str) -> None:
    v = x.dropna()
    if (v == 1).sum() == 0:
        raise DataError(f"No response is exposed to {campaign!r} in this selection, so its effect cannot be estimated.")
    if (v == 0).sum() == 0:
        raise DataError(f"Every response is exposed to {campaign!r} in this selection: there is no comparison group.")


def _exposure_design(data, y, unit, exposed, outcome, campaign, controls, cluster, model, weights, ci,
                     inference="auto", bootstrap_reps=BOOT_REPS):
    frame = pd.DataFrame({"_y": y, "_exposed": exposed})
    for c in _control_columns(data, controls):
        frame[c] = data[c].to_numpy()
    if cluster:
        require_columns(data, [cluster], "cluster column")
        frame["_cluster"] = data[cluster].astype("string").to_numpy()
    notes = []
    before = len(frame)
    frame = frame.dropna()
    if len(frame) < before:
        notes.append(f"{before - len(frame):,} row(s) without the outcome, exposure, controls or cluster were left out.")
    _check_exposure(frame["_exposed"], campaign)
    rhs = "_exposed" + (f" + {controls}" if controls else "")
    if model == "ordinal":
        col = METRICS[outcome].column
        frame["_y"] = frame["_y"].astype(int)
        fit = _fit(f"_y ~ {rhs}", frame, kind="ordinal", cov_type="nonrobust")
        res = fit.result
        row = _coef_rows(res, {f"{campaign} (log odds)": "_exposed"}, ci)[0]
        table = pd.DataFrame([row], columns=EFFECT_COLUMNS)
        effect = Effect(float(np.exp(row["estimate"])), float(np.exp(row["ci_low"])), float(np.exp(row["ci_high"])),
                        row["p"], "odds ratio")
        return EffectResult(table, effect, len(frame), "exposure", outcome, "ordinal", campaign, notes + fit.warnings,
                            {"odds_ratio": effect.estimate, "scale": scale_of(data, col)[:2]})
    groups = frame["_cluster"].to_numpy() if cluster else None
    cov = "cluster" if cluster else "HC1"
    if model == "logit":
        fit = _fit(f"_y ~ {rhs}", frame, kind="logit", cov_type=cov, groups=groups)
        res = fit.result
        me = res.get_margeff(at="overall", method="dydx", dummy=True)
        i = list(res.model.exog_names[1:]).index("_exposed")
        est, se = 100 * float(me.margeff[i]), 100 * float(me.margeff_se[i])
        # with clusters, t(G - 1) critical values and p-values (as for the linear model), else normal
        dof = len(pd.unique(groups)) - 1 if cluster else None
        table = pd.DataFrame([_row(f"{campaign} (AME, pp)", est, se, ci, dof),
                              {**_row(f"{campaign} (log odds)", float(res.params["_exposed"]),
                                      float(res.bse["_exposed"]), ci, dof)}], columns=EFFECT_COLUMNS)
    else:
        if weights:
            frame["_w"] = pd.to_numeric(data.loc[frame.index, weights], errors="coerce")
        fit = _fit_linear(f"_y ~ {rhs}", frame, weighted=bool(weights), cov=cov, groups=groups if cluster else None)
        res = fit.result
        table = pd.DataFrame(_coef_rows(res, {campaign: "_exposed"}, ci), columns=EFFECT_COLUMNS)
    _check_rank(res, notes, "_exposed", campaign)
    details = {"controls": controls, "cov_type": cov, "cluster": cluster}
    columns = _control_columns(data, controls)
    if columns:
        details["balance"] = _balance(frame, columns, outcome, frame["_w"] if weights else None, ci)
        notes += details["balance"].warnings
    if cluster:
        # the logit keeps CR1 with t(G - 1); the linear model gets the wild cluster bootstrap when it is needed
        boot = _few_clusters(res, "_exposed", groups, frame["_exposed"].to_numpy(), cluster, notes,
                             inference if model == "linear" else "cr1", bootstrap_reps, ci)
        _apply_boot(table, boot, res, "_exposed", details)
    first = table.iloc[0]
    effect = Effect(float(first["estimate"]), float(first["ci_low"]), float(first["ci_high"]), float(first["p"]), unit)
    return EffectResult(table, effect, int(res.nobs), "exposure", outcome, model, campaign, notes + fit.warnings,
                        details)


def _balance(frame: pd.DataFrame, columns: list[str], outcome: str, weights, ci: float):
    """Balance of the controls, overlap, the doubly robust (AIPW) estimate and its E-values."""
    from .balance import e_value, exposure_balance

    b = exposure_balance(frame, outcome=frame["_y"].to_numpy(float), exposed=frame["_exposed"].to_numpy(float),
                         controls=columns, weights=None if weights is None else np.asarray(weights, float), ci=ci)
    y, t = frame["_y"].to_numpy(float), frame["_exposed"].to_numpy(float)
    a = b.aipw
    if METRICS[outcome].kind == "share":
        b.e_value = e_value(a["estimate"], a["ci_low"], a["ci_high"], kind="share", baseline=float(y[t == 0].mean()))
    else:
        b.e_value = e_value(a["estimate"], a["ci_low"], a["ci_high"], kind="mean", sd=float(y.std(ddof=1)))
    return b


def _wald(res, names: list[str], df2: float | None) -> dict[str, Any]:
    """Joint Wald test that the coefficients ``names`` are all zero: ``F = b' V⁻ b / q`` on ``(q, df2)``
    (chi-square / q with ``df2=None``), with the fit's own (robust) covariance."""
    b = res.params[names].to_numpy(float)
    V = res.cov_params().loc[names, names].to_numpy(float)
    q = int(np.linalg.matrix_rank(V))
    F = float(b @ np.linalg.pinv(V) @ b) / max(q, 1)
    p = float(stats.f.sf(F, q, df2)) if df2 else float(stats.chi2.sf(F * q, q))
    return {"F": F, "df1": q, "df2": df2, "p": p}


def _variants_design(data, y, unit, variants, control, outcome, campaign, controls, cluster, model, weights, ci):
    """One effect per variant against the control (linear model; HC1 or CR1), Holm-adjusted, plus a joint test."""
    from statsmodels.stats.multitest import multipletests

    if model != "linear":
        raise ParameterError(f"A campaign with variants ({campaign!r}) is estimated with the linear model only, "
                             f"not model={model!r}.")
    frame = pd.DataFrame({"_y": y, "_variant": variants.astype(object).where(variants.notna(), np.nan)})
    for c in _control_columns(data, controls):
        frame[c] = data[c].to_numpy()
    if cluster:
        require_columns(data, [cluster], "cluster column")
        frame["_cluster"] = data[cluster].astype("string").to_numpy()
    if weights:
        frame["_w"] = pd.to_numeric(data[weights], errors="coerce").to_numpy()
    notes = []
    before = len(frame)
    frame = frame.dropna()
    if len(frame) < before:
        notes.append(f"{before - len(frame):,} row(s) without the outcome, campaign value, controls or cluster were "
                     "left out.")
    _check_exposure((frame["_variant"] != control).astype(float), campaign)
    labels = sorted(v for v in frame["_variant"].unique() if v != control)
    names = {}
    for i, v in enumerate(labels):
        names[v] = f"_v{i}"
        frame[f"_v{i}"] = (frame["_variant"] == v).astype(float)
    rhs = " + ".join(names.values()) + (f" + {controls}" if controls else "")
    groups = frame["_cluster"].to_numpy() if cluster else None
    cov = "cluster" if cluster else "HC1"
    fit = _fit_linear(f"_y ~ {rhs}", frame, weighted=bool(weights), cov=cov, groups=groups)
    res = fit.result
    for name in names.values():
        _check_rank(res, notes, name, campaign)
    table = pd.DataFrame(_coef_rows(res, {v: n for v, n in names.items()}, ci), columns=EFFECT_COLUMNS)
    table["p_adj"] = multipletests(table["p"].to_numpy(), method="holm")[1]
    df2 = getattr(res, "df_resid_inference", None) or res.df_resid
    joint = _wald(res, list(names.values()), df2)
    if cluster:
        G, n_t, n_c = _cluster_sides(groups, (frame["_variant"] != control).to_numpy(float))
        if G < FEW_CLUSTERS or min(n_t, n_c) < FEW_SIDE:
            notes.append(f"Only {G} clusters of {cluster!r} ({n_t} with exposed rows, {n_c} with control rows): "
                         "cluster-robust (CR1) errors are unreliable; read the intervals as approximate.")
    counts = frame["_variant"].value_counts()
    small = [v for v in labels if counts[v] < 30]
    if small:
        notes.append(f"Few responses for variant(s) {', '.join(map(str, small))} (under 30): wide intervals.")
    # the headline: the variant that differs most clearly from the control, with its Holm-adjusted p
    top = int(np.nanargmax(np.abs(table["estimate"] / table["se"]).to_numpy()))
    row = table.iloc[top]
    effect = Effect(float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]), float(row["p_adj"]), unit)
    details = {"controls": controls, "cov_type": cov, "cluster": cluster, "variants": labels, "control": control,
               "joint": joint, "headline_variant": labels[top], "n_by_variant": {str(k): int(v) for k, v in counts.items()}}
    columns = _control_columns(data, controls)
    if columns:  # who received any variant, against the control
        details["balance"] = _balance(frame.assign(_exposed=(frame["_variant"] != control).astype(float)), columns,
                                      outcome, frame["_w"] if weights else None, ci)
        notes += details["balance"].warnings
    return EffectResult(table, effect, int(res.nobs), "exposure", outcome, "linear", campaign, notes + fit.warnings,
                        details)



def _fit_linear(formula: str, frame: pd.DataFrame, *, weighted: bool, cov: str, groups):
    """OLS (or WLS on ``frame["_w"]``) with HC1 or cluster-robust errors (``groups``)."""
    if weighted:
        import statsmodels.formula.api as smf

        return _Fit(smf.wls(formula, frame, weights=frame["_w"]).fit(
            cov_type=cov, cov_kwds={"groups": groups} if groups is not None else None, use_t=True), [])
    return _fit(formula, frame, kind="ols", cov_type=cov, groups=groups)

def _check_rank(res, notes: list[str], term: str, campaign: str) -> None:
    """Raise when the campaign term is collinear with the rest; note when only controls are."""
    exog = getattr(res.model, "exog", None)
    if exog is None or exog.ndim != 2:
        return
    rank = np.linalg.matrix_rank(exog)
    if rank == exog.shape[1]:
        return
    i = list(res.model.exog_names).index(term)
    if np.linalg.matrix_rank(np.delete(exog, i, axis=1)) == rank:
        raise DataError(f"The exposure to {campaign!r} is collinear with the controls or fixed effects, so it has no "
                        "separate effect; drop the controls that duplicate it.")
    notes.append("Some controls are collinear (the design matrix is rank deficient); their coefficients are "
                 "not separately identified, the campaign estimate is unaffected.")


def _did(data, y, unit, exposed, outcome, campaign, controls, cluster, freq, group, treated, start, event_study,
         weights, ci, inference="auto", bootstrap_reps=BOOT_REPS):
    if not group:
        raise ParameterError("design='did' needs the targeted groups: give group= (e.g. 'region') or set 'group' "
                             f"for {campaign!r} in the schema.")
    require_columns(data, [group], "group column")
    codes, label = _period_frame(data, freq)
    start_code = int(date_periods(pd.Series([start]), freq)[0][0])
    g = data[group].astype("string")
    if treated is None:
        treated = sorted(g[exposed == 1].dropna().unique())
    treated = [str(t) for t in as_list(treated)]
    if not treated:
        raise DataError(f"No group of {group!r} was ever exposed to {campaign!r}; nothing to compare.")
    frame = pd.DataFrame({"_y": y.to_numpy(), "_g": g.to_numpy(), "_p": codes, "_treated": g.isin(treated).to_numpy(float)})
    frame = frame[(frame["_p"] >= 0) & frame["_g"].notna()]
    frame["_post"] = (frame["_p"] >= start_code).astype(float)
    frame["_did"] = frame["_treated"] * frame["_post"]
    for c in _control_columns(data, controls):
        frame[c] = data.loc[frame.index, c].to_numpy()
    notes = []
    before = len(frame)
    frame = frame.dropna()
    if len(frame) < before:
        notes.append(f"{before - len(frame):,} row(s) without the outcome, date or group were left out.")
    if frame["_treated"].nunique() < 2:
        raise DataError(f"Every group of {group!r} is treated (or none is): DiD needs both treated and other groups.")
    pre_periods = frame.loc[frame["_post"] == 0, "_p"].nunique()
    if pre_periods == 0:
        raise DataError(f"No responses before {campaign!r} started ({start:%Y-%m-%d}): there is no 'before' to compare.")
    if frame["_post"].nunique() < 2:
        raise DataError(f"No responses after {campaign!r} started ({start:%Y-%m-%d}).")
    if pre_periods < 3:
        notes.append(f"Only {pre_periods} period(s) before the start: the parallel-trends assumption cannot be checked well.")
    if cluster:
        require_columns(data, [cluster], "cluster column")
        groups = data.loc[frame.index, cluster].astype("string").to_numpy()
    else:
        groups = frame["_g"].to_numpy()
    n_clusters = len(pd.unique(groups))
    rhs = "_did + C(_g) + C(_p)" + (f" + {controls}" if controls else "")
    fit = _did_fit(frame, rhs, groups, weights, data)
    res = fit.result
    _check_rank(res, notes, "_did", campaign)
    table = pd.DataFrame(_coef_rows(res, {f"{campaign} × post (DiD)": "_did"}, ci), columns=EFFECT_COLUMNS)
    boot = _few_clusters(res, "_did", groups, frame["_treated"].to_numpy(), cluster or group, notes, inference,
                         bootstrap_reps, ci, frame)
    details: dict[str, Any] = {"start": start, "treated": treated, "group": group, "freq": freq,
                               "clusters": n_clusters}
    _apply_boot(table, boot, res, "_did", details)
    details["att"] = _imputation_att(frame, controls, weights, data)
    first = table.iloc[0]
    effect = Effect(float(first["estimate"]), float(first["ci_low"]), float(first["ci_high"]), float(first["p"]), unit)
    if event_study:
        es, pre = _event_study(frame, controls, groups, weights, data, start_code, label, ci)
        details["event_study"], details["pretrend"] = es, pre
        details["pretrend_p"] = None if pre is None else pre["p"]
        if pre is not None and pre["p"] < 0.05:
            blocks = f" in {pre['blocks']} block(s)" if pre["blocks"] else ""
            notes.append(f"Pre-trend check failed (joint Wald test of the {pre['coefficients']} pre-campaign event-study "
                         f"coefficients{blocks}, F({pre['df1']}, {pre['df2']}) = {pre['F']:.2f}, {fmt_p(pre['p'])}): treated "
                         "groups already differed from the others before the start.")
    return EffectResult(table, effect, int(res.nobs), "did", outcome, "linear", campaign, notes + fit.warnings, details)


def _imputation_att(frame: pd.DataFrame, controls: str | None, weights, data) -> dict[str, Any] | None:
    """The ATT as an explicit average over treated responses after the start (imputation estimator).

    Group and period effects (and controls) are fitted on the untreated
    responses only; each treated post-start response's counterfactual is
    imputed from them, and the ATT is the mean of ``y - y(0)`` over those
    responses (survey-weighted with ``weights``): each treated group counts in
    proportion to its responses after the start (Borusyak, Jaravel & Spiess
    2024).  ``None`` when a treated group or period has no untreated data to
    impute from.
    """
    untreated, treated = frame[frame["_did"] == 0], frame[frame["_did"] == 1]
    w = (pd.to_numeric(data.loc[frame.index, weights], errors="coerce") if weights
         else pd.Series(1.0, index=frame.index))
    if not len(treated):
        return None
    if controls:
        import statsmodels.formula.api as smf

        try:
            fit = smf.wls(f"_y ~ C(_g) + C(_p) + {controls}", untreated, weights=w.loc[untreated.index]).fit()
            y0 = np.asarray(fit.predict(treated), float)
        except Exception:  # a category with no untreated rows (patsy refuses to predict it)
            return None
    else:  # group and period effects only: least squares on indicator columns, no formula machinery
        g_levels, p_levels = pd.unique(untreated["_g"]), pd.unique(untreated["_p"])
        if not (treated["_g"].isin(g_levels).all() and treated["_p"].isin(p_levels).all()):
            return None

        def design(part: pd.DataFrame) -> np.ndarray:
            gi = pd.Categorical(part["_g"], categories=g_levels).codes
            pi = pd.Categorical(part["_p"], categories=p_levels).codes
            X = np.zeros((len(part), len(g_levels) + len(p_levels) - 1))
            X[np.arange(len(part)), gi] = 1.0
            rows = pi > 0
            X[np.flatnonzero(rows), len(g_levels) + pi[rows] - 1] = 1.0
            return X

        sw = np.sqrt(w.loc[untreated.index].to_numpy(float))
        beta = np.linalg.lstsq(design(untreated) * sw[:, None], untreated["_y"].to_numpy(float) * sw, rcond=None)[0]
        y0 = design(treated) @ beta
    if np.isnan(y0).any():
        return None
    wt = w.loc[treated.index].to_numpy(float)
    shares = pd.Series(wt, index=treated["_g"].to_numpy()).groupby(level=0).sum() / wt.sum()
    return {"estimate": float(np.average(treated["_y"].to_numpy(float) - y0, weights=wt)),
            "weights": {str(k): float(v) for k, v in shares.items()}, "responses": int(len(treated))}


def _did_fit(frame, rhs, groups, weights, data) -> _Fit:
    if weights:
        import statsmodels.formula.api as smf

        w = pd.to_numeric(data.loc[frame.index, weights], errors="coerce")
        res = smf.wls(f"_y ~ {rhs}", frame, weights=w).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
        return _Fit(res, [])
    return _fit(f"_y ~ {rhs}", frame, kind="ols", cov_type="cluster", groups=groups)


def _event_study(frame, controls, groups, weights, data, start_code, label, ci):
    rel = (frame["_p"] - start_code).astype(int)
    ks = sorted(k for k in rel.unique() if k != -1)
    terms = {}
    for k in ks:
        name = f"_e{'m' if k < 0 else 'p'}{abs(k)}"
        frame[name] = ((rel == k) & (frame["_treated"] == 1)).astype(float)
        terms[k] = name
    rhs = " + ".join(terms.values()) + " + C(_g) + C(_p)" + (f" + {controls}" if controls else "")
    res = _did_fit(frame, rhs, groups, weights, data).result
    rows = []
    for k, name in terms.items():
        r = _row(str(k), float(res.params[name]), float(res.bse[name]), ci,
                 getattr(res, "df_resid_inference", None) or res.df_resid)
        rows.append({"relative_period": k, "period": label(start_code + k), **{c: r[c] for c in EFFECT_COLUMNS[1:]}})
    rows.append({"relative_period": -1, "period": label(start_code - 1), "estimate": 0.0, "se": 0.0,
                 "ci_low": 0.0, "ci_high": 0.0, "p": np.nan})
    table = pd.DataFrame(rows).sort_values("relative_period", ignore_index=True)
    pre = _pretrend_test(res, [name for k, name in terms.items() if k < -1], len(pd.unique(groups)))
    return table, pre


def _pretrend_test(res, names: list[str], n_clusters: int) -> dict[str, Any] | None:
    """Joint Wald test that every pre-campaign event-study coefficient is zero.

    ``F = (Rb)' (R V R')⁻¹ (Rb) / q`` with the cluster-robust (CR1) covariance
    ``V`` of the pre-period coefficients ``b`` (period -1 is the reference),
    referred to ``F(q, G - 1)``.  ``R`` is the identity (``q`` = number of
    pre-period coefficients) when the clusters allow it (``q <= G - 2``); with
    fewer clusters the cluster-robust covariance has rank at most ``G - 1``, so
    the coefficients are averaged in ``G - 2`` (at least 1) consecutive blocks
    and those block averages are tested jointly instead (``blocks`` in the
    result).  Returns ``{"p", "F", "df1", "df2", "coefficients", "blocks"}``,
    or None without any pre-period coefficient.
    """
    if not names:
        return None
    b = res.params[names].to_numpy(float)
    V = res.cov_params().loc[names, names].to_numpy(float)
    m = len(names)
    blocks = min(m, max(n_clusters - 2, 1))
    R = np.zeros((blocks, m))
    for r, idx in enumerate(np.array_split(np.arange(m), blocks)):
        R[r, idx] = 1.0 / len(idx)
    rb, RVR = R @ b, R @ V @ R.T
    q = int(np.linalg.matrix_rank(RVR))
    if q == 0:
        return None
    F = float(rb @ np.linalg.pinv(RVR) @ rb) / q
    df2 = max(n_clusters - 1, 1)
    return {"p": float(stats.f.sf(F, q, df2)), "F": F, "df1": q, "df2": df2, "coefficients": m,
            "blocks": blocks if blocks < m else None}


def _its(data, outcome, campaign, freq, group, treated, exposed, start, weights, ci, maxlags,
         inference="auto") -> EffectResult:
    notes = []
    view = data
    if group:
        require_columns(data, [group], "group column")
        g = data[group].astype("string")
        if treated is None:
            treated = sorted(g[exposed == 1].dropna().unique())
        treated = [str(t) for t in as_list(treated)]
        view = data[g.isin(treated).fillna(False).to_numpy()]
    if "date" not in view or view["date"].notna().sum() == 0:
        raise ParameterError("design='its' needs response dates; map a date column in the schema.")
    table = summarize(view, metrics=outcome, freq=freq, weights=weights, min_n=0)

    grouped = groups(view, [], freq, fill_periods=True)
    codes = grouped.keys["_pcode"].to_numpy()
    scores = table.set_index("period")["score"].reindex(grouped.keys["period"]).to_numpy()
    start_code = int(date_periods(pd.Series([start]), freq)[0][0])
    series = pd.DataFrame({"period": grouped.keys["period"], "period_start": [period_start(c, freq) for c in codes],
                           "t": codes - codes.min(), "score": scores,
                           "n": table.set_index("period")["n"].reindex(grouped.keys["period"]).fillna(0).to_numpy()})
    series["post"] = (codes >= start_code).astype(float)
    t0 = start_code - codes.min()
    series["t_since"] = np.where(series["post"] == 1, series["t"] - t0, 0.0)
    fit_rows = series.dropna(subset=["score"])
    pre = int((fit_rows["post"] == 0).sum())
    post = int((fit_rows["post"] == 1).sum())
    if pre == 0:
        raise DataError(f"No periods before {campaign!r} started ({start:%Y-%m-%d}): an interrupted time series needs a before.")
    if post == 0:
        raise DataError(f"No periods after {campaign!r} started ({start:%Y-%m-%d}).")
    if pre < 8:
        notes.append(f"Only {pre} period(s) before the start: the pre-campaign trend, and so the counterfactual, "
                     "is poorly determined (8 or more are advisable).")
    if post < 3:
        notes.append(f"Only {post} period(s) after the start: the slope change rests on very few points.")
    T = len(fit_rows)
    # month-of-year (quarter-of-year) terms once two years of pre-campaign periods pin them down
    per_year = {"M": 12, "Q": 4, "W": 52}.get(str(freq).upper()[:1])
    series["season"] = [ps.month if per_year != 4 else (ps.month - 1) // 3 + 1 for ps in series["period_start"]]
    fit_rows = series.dropna(subset=["score"])
    seasonal = bool(per_year) and pre >= 2 * per_year
    rhs = "t + post + t_since" + (" + C(season)" if seasonal else "")
    if per_year and not seasonal:
        notes.append(f"Fewer than two years of periods before the start ({pre}), so month-of-year effects cannot be "
                     "estimated: a seasonal swing around the start can masquerade as, or hide, a level change.")
    lags = None
    if inference == "newey-west":
        lags = maxlags if maxlags is not None else max(1, int(np.floor(4 * (T / 100) ** (2 / 9))))
        fit = _fit(f"score ~ {rhs}", fit_rows, kind="ols", cov_type="HAC", maxlags=lags)
        method = f"OLS with Newey-West errors ({lags} lags)"
        notes.append("Newey-West errors with few periods understate the uncertainty (the p-value is too small); "
                     "the default OLS inference keeps its size.")
    else:
        fit = _fit(f"score ~ {rhs}", fit_rows, kind="ols", cov_type="nonrobust")
        method = f"OLS, t({T - len(fit.result.params)}) critical values"
    res = fit.result
    ac_p = None
    if inference != "newey-west" and res.df_resid > 3:
        from statsmodels.stats.diagnostic import acorr_breusch_godfrey

        with _warnings.catch_warnings():
            _warnings.simplefilter("ignore")  # statsmodels' FutureWarning about the return type
            ac_p = float(acorr_breusch_godfrey(res, nlags=1)[3])
    rows = _coef_rows(res, {"level change": "post", "slope change": "t_since", "pre-campaign slope": "t"}, ci)
    out = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    ar = None
    if inference != "newey-west" and res.df_resid >= 2:
        # shocks that persist from period to period make OLS t-tests over-reject (BG has little power at T = 24),
        # so the level change is always tested against series simulated with the residuals' own AR(1)
        ar = _ar1_bootstrap(res, "post", ci)
        p_ols = (float(out.loc[0, "p"]), float(out.loc[0, "ci_low"]), float(out.loc[0, "ci_high"]))
        out.loc[0, ["p", "ci_low", "ci_high"]] = [ar["p"], ar["ci_low"], ar["ci_high"]]
        ar["ols"] = p_ols
        method = (f"OLS; level change tested with an AR(1) residual bootstrap (rho = {ar['rho']:.2f}, "
                  f"{ar['reps']:,} series)")
        if ac_p is not None and ac_p < 0.10:
            notes.append(f"The residuals are autocorrelated (Breusch-Godfrey test, {fmt_p(ac_p)}): period-to-period "
                         "shocks persist beyond sampling noise. The level change's p-value and interval allow for "
                         f"that (simulated series with AR(1) rho = {ar['rho']:.2f}); with few periods read them as "
                         "approximate, and the slope change's as too narrow.")
    series["fitted"] = np.asarray(res.predict(series))
    series["counterfactual"] = np.asarray(res.predict(series.assign(post=0.0, t_since=0.0)))
    first = out.iloc[0]
    effect = Effect(float(first["estimate"]), float(first["ci_low"]), float(first["ci_high"]), float(first["p"]),
                    METRICS[outcome].change_unit)
    return EffectResult(out, effect, T, "its", outcome, "linear", campaign, notes + fit.warnings,
                        {"series": series, "start": start, "maxlags": lags, "treated": treated, "freq": freq,
                         "seasonal": seasonal, "inference": method, "autocorrelation_p": ac_p, "ar1": ar})


#: Simulated series for the ITS autocorrelation bootstrap
AR_BOOT_REPS = 1999


def _ar1_bootstrap(res, term: str, ci: float, reps: int = AR_BOOT_REPS,
                   seed: int = BOOT_SEED) -> dict[str, Any]:
    """Restricted AR(1) residual bootstrap of the OLS t-statistic of ``term`` in a short time series.

    The model without ``term`` is fitted and the AR(1) coefficient of its
    residuals estimated.  That estimate is biased toward zero in short series
    (more so with a trend and level terms), so it is bias-corrected by
    simulation: series are drawn with a trial ``rho``, their restricted
    residuals' AR(1) coefficient is averaged, and ``rho`` is moved by the gap
    to the observed one (three rounds, within ±0.95).  Series
    ``fitted_restricted + AR(1) noise`` (innovations resampled) are then
    refitted with the full model; the p-value is the share of ``|t*| >= |t|``
    and the interval ``estimate ± q · se`` with ``q`` the bootstrap quantile
    of ``|t*|`` (bootstrap-t).
    """
    X = np.asarray(res.model.exog, float)
    y = np.asarray(res.model.endog, float)
    k = list(res.model.exog_names).index(term)
    Xr = np.delete(X, k, axis=1)
    br = np.linalg.lstsq(Xr, y, rcond=None)[0]
    fitted, e = Xr @ br, y - Xr @ br
    T = len(y)
    M = np.eye(T) - Xr @ np.linalg.pinv(Xr)  # restricted residual maker

    def ar1(E: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.nan_to_num((E[..., 1:] * E[..., :-1]).sum(-1) / (E * E).sum(-1))

    rng = np.random.default_rng(seed)

    def noise(rho: float, n: int) -> np.ndarray:
        u = e[1:] - rho * e[:-1]
        draws = rng.choice(u - u.mean(), size=(n, T + 50))
        out = np.zeros_like(draws)
        out[:, 0] = draws[:, 0] / np.sqrt(max(1 - rho ** 2, 1e-6))
        for t in range(1, draws.shape[1]):
            out[:, t] = rho * out[:, t - 1] + draws[:, t]
        return out[:, -T:]

    rho_hat = float(ar1(e))
    rho = rho_hat
    for _ in range(3):  # simulation bias correction of rho
        if not np.dot(e, e) > 0:
            break
        rho = float(np.clip(rho + rho_hat - ar1(noise(rho, 400) @ M.T).mean(), -0.95, 0.95))
    Y = fitted[None, :] + noise(rho, reps)
    XtX_inv = np.linalg.pinv(X.T @ X)
    B = Y @ X @ XtX_inv.T
    R = Y - B @ X.T
    s2 = (R ** 2).sum(axis=1) / (T - X.shape[1])
    t_star = np.abs(B[:, k] / np.sqrt(s2 * XtX_inv[k, k]))
    t_obs = abs(float(res.tvalues[term]))
    q = float(np.quantile(t_star, ci))
    est, se = float(res.params[term]), float(res.bse[term])
    return {"p": float((1 + np.sum(t_star >= t_obs)) / (reps + 1)), "ci_low": est - q * se, "ci_high": est + q * se,
            "rho": rho, "rho_raw": rho_hat, "reps": reps, "critical_t": q}


def inference_label(r: EffectResult) -> str:
    """How the p-value and interval were obtained, in a few words (for tables)."""
    return str(r.details.get("inference") or {"ordinal": "ordered logit", "logit": "logit, HC1"}.get(
        r.model, "HC1 (robust)"))


def compare_effects(results: Sequence[EffectResult], labels: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per result, for a forest plot: ``label, campaign, outcome, design, estimate, ci_low, ci_high, p, unit, ci``.

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
