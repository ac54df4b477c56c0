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
    on the full scale and reports the odds ratio.
``"did"``
    difference-in-differences: treated groups (those ever exposed, or
    ``treated=``) against the others, before and after the campaign start,
    with group and period fixed effects and errors clustered by group.  An
    event-study variant (``event_study=True`` or :meth:`EffectResult.plot`)
    estimates the effect by period relative to the start and tests the
    pre-campaign coefficients jointly (the pre-trend check).
``"its"``
    interrupted time series on period scores: segmented regression with a
    level change and a slope change at the start, Newey-West (HAC) errors.

Standard errors: HC1 (Stata's ``robust``, R ``sandwich::vcovHC(type = "HC1")``)
by default, cluster-robust with the ``G/(G-1)·(N-1)/(N-K)`` correction and
``G - 1`` degrees of freedom (R ``sandwich::vcovCL(type = "HC1")``, Stata
``cluster``) when ``cluster`` is given or for DiD; Newey-West without
small-sample adjustment (R ``sandwich::NeweyWest(prewhite = FALSE,
adjust = FALSE)``) for ITS.
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

from ._utils import as_list, check_argument, nearest, require_columns
from .exceptions import DataError, ParameterError
from .metrics import (
    METRICS,
    _period_codes,
    metric_label,
    period_start,
    scale_of,
    summarize,
)
from .narrative import fmt_change, fmt_p

__all__ = ["campaign_effect", "EffectResult", "Effect", "compare_effects", "campaign_report", "CampaignReport",
           "EFFECT_COLUMNS", "DESIGNS"]

EFFECT_COLUMNS = ["term", "estimate", "se", "ci_low", "ci_high", "p"]
DESIGNS = ("exposure", "did", "its")
MODELS = ("linear", "logit", "ordinal")
FEW_CLUSTERS = 20
_UNITS = {"csat": "pp", "ces_top": "pp", "nps": "NPS points", "csat_mean": "scale points", "ces": "scale points"}


@dataclasses.dataclass(frozen=True)
class Effect:
    """The headline effect: estimate with interval and p-value, in ``unit``."""

    estimate: float
    ci_low: float
    ci_high: float
    p: float
    unit: str

    def __str__(self) -> str:
        return f"{self.estimate:+.2f} {self.unit} (95% CI {self.ci_low:+.2f} to {self.ci_high:+.2f}, {fmt_p(self.p)})"


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
        Design-specific extras: ``event_study`` table and ``pretrend_p`` (DiD),
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
            return (f"Exposure to {self.campaign} multiplied the odds of a {direction if e.estimate != 1 else 'different'} "
                    f"{self.outcome.split('_')[0].upper()} answer by {e.estimate:.2f} (95% CI {e.ci_low:.2f} to "
                    f"{e.ci_high:.2f}, {fmt_p(e.p)}): {sig}.")
        change = fmt_change(self.outcome, e.estimate)
        interval = f"95% CI {fmt_change(self.outcome, e.ci_low)} to {fmt_change(self.outcome, e.ci_high)}, {fmt_p(e.p)}"
        verb = "raised" if e.estimate > 0 else "lowered"
        if self.design == "exposure":
            text = f"Exposure to {self.campaign} {verb} {label} by {change} ({interval}): {sig}."
        elif self.design == "did":
            groups = ", ".join(map(str, self.details.get("treated", [])))
            text = (f"After {self.campaign} started ({self.details['start']:%d %b %Y}), {label} in the treated "
                    f"groups ({groups}) moved by {change} relative to the other groups ({interval}): {sig}.")
            if self.details.get("pretrend_p") is not None and not np.isnan(self.details["pretrend_p"]):
                pt = self.details["pretrend_p"]
                text += (" Before the start there is no significant difference between the trends of treated and other groups (test of "
                         f"differing pre-campaign trends, {fmt_p(pt)})." if pt >= 0.05 else
                         " Caution: before the start the treated groups already trended differently (test of "
                         f"differing pre-campaign trends, {fmt_p(pt)}), so the estimate may be biased.")
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
    col = METRICS[outcome][0]
    require_columns(data, [col], "outcome column")
    x = pd.to_numeric(data[col], errors="coerce").astype("Float64").astype(float)
    lo, hi, top = scale_of(data, col)
    if model == "ordinal":
        return x, "odds ratio"
    kind = METRICS[outcome][1]
    if kind == "share":
        y = (x >= top).astype(float) * (100.0 if model == "linear" else 1.0)
    elif kind == "nps":
        y = pd.Series(np.where(x >= 9, 100.0, np.where(x <= 6, -100.0, 0.0)), index=x.index)
    else:
        y = x
    return y.where(x.notna()), _UNITS[outcome]


def _exposure(data: pd.DataFrame, campaign: str) -> pd.Series:
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
        return values
    raise DataError(
        f"Campaign column {campaign!r} holds text ({col.dropna().iloc[0]!r}); load the data with a schema whose "
        "campaign sets 'control' (the value meaning not exposed) to get a True/False column."
    )


def _schema_campaign(data: pd.DataFrame, campaign: str) -> dict:
    for c in (data.attrs.get("schema") or {}).get("campaigns", []) or []:
        if c.get("name") == campaign:
            return c
    return {}


def _control_columns(data: pd.DataFrame, controls: str | None) -> list[str]:
    """The data columns a controls formula refers to (identifiers that are column names)."""
    if not controls:
        return []
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", controls))
    found = sorted(words & set(map(str, data.columns)))
    unknown = words - set(found) - {"C", "Q", "I", "np", "log", "exp", "center", "standardize", "Treatment", "Sum"}
    if unknown:
        name = sorted(unknown)[0]
        raise ParameterError(f"The controls {controls!r} name {name!r}, which is not a column of the data."
                             f"{nearest(name, map(str, data.columns))}")
    return found


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


def _period_frame(data: pd.DataFrame, freq: str, date: str = "date") -> tuple[np.ndarray, Any]:
    if date not in data.columns or data[date].notna().sum() == 0:
        raise ParameterError("This design needs response dates; map a date column in the schema.")
    return _period_codes(data[date], freq)


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
    controls : str, optional
        Extra formula terms, e.g. ``"C(region) + C(channel)"`` (exposure and
        DiD designs).
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
        Unknown design/model/outcome, absent columns.
    DataError
        No exposed or no unexposed rows, no rows before the start, a constant
        or collinear exposure, perfect separation in a logit.
    """
    check_argument("design", list(DESIGNS), design)
    check_argument("outcome", list(METRICS), outcome)
    check_argument("model", list(MODELS), model)
    if model != "linear" and design != "exposure":
        raise ParameterError(f"model={model!r} is available for design='exposure' only; DiD and ITS use linear models.")
    if model == "logit" and METRICS[outcome][1] != "share":
        raise ParameterError(f"model='logit' needs a top-box outcome ('csat' or 'ces_top'), not {outcome!r}.")
    if model == "ordinal" and outcome not in ("csat", "csat_mean", "nps", "ces", "ces_top"):
        raise ParameterError(f"model='ordinal' needs a score outcome, not {outcome!r}.")
    if weights is not None and model != "linear":
        raise ParameterError("Weights are supported for linear models only.")
    exposed = _exposure(data, campaign)
    y, unit = _outcome_values(data, outcome, model)
    spec = _schema_campaign(data, campaign)
    freq = freq or "M"
    if design == "exposure":
        return _exposure_design(data, y, unit, exposed, outcome, campaign, controls, cluster, model, weights, ci)
    start = pd.Timestamp(start or spec.get("start")) if (start or spec.get("start")) else None
    if start is None:
        raise ParameterError(f"design={design!r} needs the campaign start: give start= or set 'start' for "
                             f"{campaign!r} in the schema.")
    group = group or spec.get("group")
    if design == "did":
        return _did(data, y, unit, exposed, outcome, campaign, controls, cluster, freq, group, treated, start,
                    event_study, weights, ci)
    return _its(data, outcome, campaign, freq, group, treated, exposed, start, weights, ci, maxlags)


def _check_exposure(x: pd.Series, campaign: str) -> None:
    v = x.dropna()
    if (v == 1).sum() == 0:
        raise DataError(f"No response is exposed to {campaign!r} in this selection, so its effect cannot be estimated.")
    if (v == 0).sum() == 0:
        raise DataError(f"Every response is exposed to {campaign!r} in this selection: there is no comparison group.")


def _exposure_design(data, y, unit, exposed, outcome, campaign, controls, cluster, model, weights, ci):
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
        col = METRICS[outcome][0]
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
    if cluster:
        g = len(pd.unique(groups))
        if g < FEW_CLUSTERS:
            notes.append(f"Only {g} clusters of {cluster!r}: cluster-robust errors are unreliable below "
                         f"{FEW_CLUSTERS}; read the interval as approximate.")
    if model == "logit":
        fit = _fit(f"_y ~ {rhs}", frame, kind="logit", cov_type=cov, groups=groups)
        res = fit.result
        me = res.get_margeff(at="overall", method="dydx", dummy=True)
        i = list(res.model.exog_names[1:]).index("_exposed")
        est, se = 100 * float(me.margeff[i]), 100 * float(me.margeff_se[i])
        table = pd.DataFrame([_row(f"{campaign} (AME, pp)", est, se, ci, None),
                              {**_row(f"{campaign} (log odds)", float(res.params["_exposed"]),
                                      float(res.bse["_exposed"]), ci, None)}], columns=EFFECT_COLUMNS)
    else:
        if weights:
            frame["_w"] = pd.to_numeric(data.loc[frame.index, weights], errors="coerce")
            import statsmodels.formula.api as smf

            res = smf.wls(f"_y ~ {rhs}", frame, weights=frame["_w"]).fit(
                cov_type=cov, cov_kwds={"groups": groups} if cluster else None, use_t=True)
            fit = _Fit(res, [])
        else:
            fit = _fit(f"_y ~ {rhs}", frame, kind="ols", cov_type=cov, groups=groups)
        res = fit.result
        table = pd.DataFrame(_coef_rows(res, {campaign: "_exposed"}, ci), columns=EFFECT_COLUMNS)
    _check_rank(res, notes, "_exposed", campaign)
    first = table.iloc[0]
    effect = Effect(float(first["estimate"]), float(first["ci_low"]), float(first["ci_high"]), float(first["p"]), unit)
    return EffectResult(table, effect, int(res.nobs), "exposure", outcome, model, campaign, notes + fit.warnings,
                        {"controls": controls, "cov_type": cov, "cluster": cluster})


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
         weights, ci):
    if not group:
        raise ParameterError("design='did' needs the targeted groups: give group= (e.g. 'region') or set 'group' "
                             f"for {campaign!r} in the schema.")
    require_columns(data, [group], "group column")
    codes, label = _period_frame(data, freq)
    start_code = int(_period_codes(pd.Series([start]), freq)[0][0])
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
    if n_clusters < FEW_CLUSTERS:
        notes.append(f"Only {n_clusters} clusters ({cluster or group}): cluster-robust errors are unreliable below "
                     f"{FEW_CLUSTERS}; the interval is approximate (consider more groups or a wild bootstrap).")
    rhs = "_did + C(_g) + C(_p)" + (f" + {controls}" if controls else "")
    fit = _did_fit(frame, rhs, groups, weights, data)
    res = fit.result
    _check_rank(res, notes, "_did", campaign)
    table = pd.DataFrame(_coef_rows(res, {f"{campaign} × post (DiD)": "_did"}, ci), columns=EFFECT_COLUMNS)
    first = table.iloc[0]
    effect = Effect(float(first["estimate"]), float(first["ci_low"]), float(first["ci_high"]), float(first["p"]), unit)
    details: dict[str, Any] = {"start": start, "treated": treated, "group": group, "freq": freq,
                               "clusters": n_clusters}
    if event_study:
        es, pre_p = _event_study(frame, controls, groups, weights, data, start_code, label, ci)
        details["event_study"], details["pretrend_p"] = es, pre_p
        if pre_p is not None and pre_p < 0.05:
            notes.append(f"Pre-trend check failed ({fmt_p(pre_p)}): treated groups moved differently before the start.")
    return EffectResult(table, effect, int(res.nobs), "did", outcome, "linear", campaign, notes + fit.warnings, details)


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
    pre_p = _pretrend_test(frame, controls, groups, weights, data)
    return table, pre_p


def _pretrend_test(frame, controls, groups, weights, data) -> float | None:
    """p-value for different linear trends of treated and other groups before the start.

    One restriction, so it stays valid with few clusters (a joint test of every
    pre-period event-study coefficient is not, when they outnumber the clusters).
    """
    pre = frame[frame["_post"] == 0].copy()
    if pre["_p"].nunique() < 3 or pre["_treated"].nunique() < 2:
        return None
    pre["_trend"] = pre["_treated"] * (pre["_p"] - pre["_p"].min())
    rhs = "_trend + C(_g) + C(_p)" + (f" + {controls}" if controls else "")
    res = _did_fit(pre, rhs, groups[(frame["_post"] == 0).to_numpy()], weights, data).result
    return float(res.pvalues["_trend"])


def _its(data, outcome, campaign, freq, group, treated, exposed, start, weights, ci, maxlags) -> EffectResult:
    notes = []
    view = data
    if group:
        require_columns(data, [group], "group column")
        g = data[group].astype("string")
        if treated is None:
            treated = sorted(g[exposed == 1].dropna().unique())
        treated = [str(t) for t in as_list(treated)]
        view = data[g.isin(treated).fillna(False).to_numpy()]
        view.attrs = dict(data.attrs)
    if "date" not in view or view["date"].notna().sum() == 0:
        raise ParameterError("design='its' needs response dates; map a date column in the schema.")
    table = summarize(view, metrics=outcome, freq=freq, weights=weights, min_n=0)
    from .metrics import _groups

    grouped = _groups(view, [], freq, fill_periods=True)
    codes = grouped.keys["_pcode"].to_numpy()
    scores = table.set_index("period")["score"].reindex(grouped.keys["period"]).to_numpy()
    start_code = int(_period_codes(pd.Series([start]), freq)[0][0])
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
    lags = maxlags if maxlags is not None else max(1, int(np.floor(4 * (T / 100) ** (2 / 9))))
    fit = _fit("score ~ t + post + t_since", fit_rows, kind="ols", cov_type="HAC", maxlags=lags)
    res = fit.result
    rows = _coef_rows(res, {"level change": "post", "slope change": "t_since", "pre-campaign slope": "t"}, ci)
    out = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    b = res.params
    series["fitted"] = b["Intercept"] + b["t"] * series["t"] + b["post"] * series["post"] + b["t_since"] * series["t_since"]
    series["counterfactual"] = b["Intercept"] + b["t"] * series["t"]
    first = out.iloc[0]
    effect = Effect(float(first["estimate"]), float(first["ci_low"]), float(first["ci_high"]), float(first["p"]),
                    _UNITS[outcome])
    return EffectResult(out, effect, T, "its", outcome, "linear", campaign, notes + fit.warnings,
                        {"series": series, "start": start, "maxlags": lags, "treated": treated, "freq": freq})


def compare_effects(results: Sequence[EffectResult], labels: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per result, for a forest plot: ``label, campaign, outcome, design, estimate, ci_low, ci_high, p, unit``."""
    rows = []
    for i, r in enumerate(results):
        label = labels[i] if labels else f"{metric_label(r.outcome)} ({r.design})"
        rows.append({"label": label, "campaign": r.campaign, "outcome": r.outcome, "design": r.design,
                     "estimate": r.effect.estimate, "ci_low": r.effect.ci_low, "ci_high": r.effect.ci_high,
                     "p": r.effect.p, "unit": r.effect.unit})
    return pd.DataFrame(rows)


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
        out += [f"{metric_label(o) if o in METRICS else o}: {msg}" for o, msg in self.problems.items()]
        few = [w for r in self.did.values() for w in r.warnings if "clusters" in w]
        if few:
            out.append(few[0])
        if self.its is not None:
            out.append(self.its.summary() + " (interrupted time series on the treated groups' period scores; it "
                       "assumes the pre-campaign trend would have continued, so seasonality can inflate it).")
        return out or ["No effect could be estimated for this selection."]

    def headline_values(self) -> dict[str, str]:
        vals = {"Responses": f"{len(self.data):,}"}
        for o, r in self.did.items():
            vals[f"{metric_label(o)} effect"] = f"{fmt_change(o, r.effect.estimate)} ({fmt_p(r.effect.p)})"
        return vals

    def results(self) -> list[EffectResult]:
        return list(self.did.values()) + list(self.exposure.values()) + ([self.its] if self.its else [])

    def table_html(self):
        from .report import note, table_html

        rows = []
        for r in self.results():
            e = r.effect
            rows.append({"Outcome": metric_label(r.outcome), "Design": {"did": "difference-in-differences",
                         "exposure": "exposed vs not (controls)", "its": "interrupted time series"}[r.design],
                         "Effect": fmt_change(r.outcome, e.estimate), "95% CI": f"{fmt_change(r.outcome, e.ci_low)} "
                         f"to {fmt_change(r.outcome, e.ci_high)}", "p": fmt_p(e.p).removeprefix("p ").removeprefix("= "),
                         "n": r.n, "Warnings": len(r.warnings)})
        if not rows:
            return None if self.campaign is None else note("No effect could be estimated for this selection.")
        return table_html(pd.DataFrame(rows), formats={"Effect": "{}", "95% CI": "{}", "p": "{}"})

    def plot_forest(self):
        from .plots import plot_forest

        results = self.results()
        if not results:
            return None
        labels = [f"{metric_label(r.outcome)} — {r.design}" for r in results]
        axes = np.atleast_1d(plot_forest(compare_effects(results, labels)))
        axes[0].figure.suptitle(f"Effect of {self.campaign} by outcome and design", x=0.02, ha="left", fontsize=11,
                                fontweight="bold")
        return axes

    def plot_event_study(self):
        first = next(iter(self.did.values()), None)
        if first is None or "event_study" not in first.details:
            return None
        ax = first.plot()
        ax.set_title(f"{metric_label(first.outcome)}: effect by period relative to the start", loc="left", fontsize=11)
        return ax

    def plot_its(self):
        if self.its is None:
            return None
        ax = self.its.plot()
        ax.set_title(f"{metric_label(self.its.outcome)} in the treated groups: observed and counterfactual",
                     loc="left", fontsize=11)
        return ax

    def warnings_html(self):
        from .report import note, summary_box

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
    from .exceptions import CsatAnalysisError

    if campaign is None:
        return CampaignReport(data, None, {}, {}, None, {}, alpha)
    outcomes = [o for o in as_list(outcomes) if METRICS.get(o, ("",))[0] in data.columns]
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
