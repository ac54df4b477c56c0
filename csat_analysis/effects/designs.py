"""The three designs of :func:`campaign_effect` (exposure, difference-in-differences, interrupted time
series) and the data preparation they share."""

from __future__ import annotations

import dataclasses
import re
import warnings as _warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._utils import as_list, check_argument, nearest, require_columns, weight_column
from ..cells import date_periods, groups, period_start
from ..deprecation import renamed_parameters
from ..did_cells import did_cells, fit_cells, imputation_att
from ..did_cells import event_study as did_event_study
from ..exceptions import DataError, ParameterError
from ..metrics import METRICS, scale_of, summarize
from ..narrative import fmt_change, fmt_p
from ..responses import schema_of
from .inference import (
    BOOT_REPS,
    FEW_SIDE,
    _apply_boot,
    _ar1_bootstrap,
    _cluster_sides,
    _coef_rows,
    _few_clusters,
    _Fit,
    _fit,
    _row,
)
from .result import _SELF_SELECTION, DESIGNS, EFFECT_COLUMNS, FEW_CLUSTERS, MODELS, Effect, EffectResult

__all__ = ["campaign_effect"]

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
        labels = data.get(f"{campaign}_variant")  # the loader keeps which offer each row got (several offers)
        if labels is None or values.isna().all():
            return values, None, None
        text = labels.astype("string").str.strip().where(values.notna())
        control_rows = (values == 0).to_numpy()
        spec_control = _schema_campaign(data, campaign).get("control")
        label = (str(text[control_rows].dropna().iloc[0]) if text[control_rows].notna().any()
                 else str(control if control is not None else spec_control or "not exposed"))
        variants = text.where(~control_rows, label)
        if variants[~control_rows].nunique() < 2:
            return values, None, None
        return values, variants, label
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


def _period_frame(data: pd.DataFrame, freq: str, date: str = "date") -> tuple[np.ndarray, Any]:
    if date not in data.columns or data[date].notna().sum() == 0:
        raise ParameterError("This design needs response dates; map a date column in the schema.")
    return date_periods(data[date], freq)


# --------------------------------------------------------------------------- designs


@renamed_parameters(bootstrap_reps="n_boot")
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
    n_boot: int = BOOT_REPS,
    variants: bool = True,
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
    n_boot : int
        Wild bootstrap replications (default 9999; every sign vector is used
        instead when there are fewer).  ``bootstrap_reps=`` is the deprecated
        old name.
    control : str, optional
        For a text campaign column (e.g. an offer column with ``None``,
        ``Offer A``, ``Offer B``): the value meaning not exposed (default: the
        schema campaign's ``control``).  The exposure design then estimates one
        effect per variant against the control (``.table`` has one row per
        variant, ``term`` = its label, plus Holm-adjusted ``p_adj``) and a joint
        Wald test that no variant differs (``details["joint"]``); DiD and ITS
        pool the variants.  A loaded campaign whose column held several values
        besides the control (offers A-E against "None") has them in
        ``<campaign>_variant`` and is treated the same way.
        A multi-select campaign (the schema campaign has ``delimiter``; the
        loader gives one flag ``<campaign>_<choice>`` per choice, the
        campaign's ``control`` such as "None of these" not being a choice) is
        estimated with one regression on all the choice flags together (plus
        controls): each row of ``.table`` is a choice's effect against not
        choosing it with the other choices held fixed (the choices overlap: a
        respondent can choose several), Holm-adjusted, with the joint test;
        ``details["multi_select"]`` has the flag columns and how many chose
        several or none.  DiD and ITS pool the choices into "any choice".
    variants : bool
        Exposure design, campaign with variants: one effect per variant
        against the control (default), or with ``variants=False`` one pooled
        effect of receiving any variant (or choosing any choice of a
        multi-select campaign; term ``"<campaign> (pooled)"``), with
        the variants' own estimates in ``details["pooled"]`` (``variants``,
        ``estimates``, ``range``) and a warning that gives their spread:
        offers that move the outcome in opposite directions pool to about zero.
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

    Notes
    -----
    Exposure design with controls: ``details["balance"]`` holds the balance,
    the doubly robust (AIPW) estimate -- on the overlap region, with who is
    left out named, when some control level has no exposed (or no
    unexposed) respondents or propensities leave 0.05-0.95 for more than 10%
    of the weight -- and its E-values.  The E-value's risk ratio uses, on the
    rows the AIPW uses, the unexposed respondents' raw share as the baseline
    (top-box outcomes) and, for means and NPS, the standard deviation of both
    arms together.

    DiD: the fits, the randomization inference and the wild bootstrap are
    computed from group x period cells (:mod:`csat_analysis.did_cells`), with
    the same results as fitting every row.
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
    choices = _choice_columns(data, campaign)
    if choices is not None:  # a multi-select campaign: exposed = chose any channel; the channels are the variants
        flags = pd.DataFrame({c: data[c].astype("Float64").astype(float) for c in choices.values()})
        exposed, variant_labels, control_label = flags.max(axis=1, skipna=False), None, None
    else:
        exposed, variant_labels, control_label = _exposure(data, campaign, control)
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
        if choices is not None and variants:
            result = _choices_design(data, y, unit, choices, outcome, campaign, controls, cluster, model, weights, ci)
        elif variant_labels is not None and (variants or variant_labels[exposed == 1].nunique() < 2):
            result = _variants_design(data, y, unit, variant_labels, control_label, outcome, campaign, controls,
                                      cluster, model, weights, ci)
        else:
            result = _exposure_design(data, y, unit, exposed, outcome, campaign, controls, cluster, model, weights, ci,
                                      inference, n_boot)
            if variant_labels is not None or choices is not None:  # pooled because asked: say so, with the spread
                y_lin, _ = _outcome_values(data, outcome, "linear")
                per = (_choices_design(data, y_lin, "", choices, outcome, campaign, controls, None, "linear",
                                       weights, ci) if choices is not None else
                       _variants_design(data, y_lin, "", variant_labels, control_label, outcome, campaign, controls,
                                        None, "linear", weights, ci))
                _pooled(result, per, campaign)
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
        result = _did(data, y, unit, exposed, outcome, campaign, controls, cluster, freq, group, treated, start,
                      event_study, weights, ci, inference, n_boot)
    else:
        result = _its(data, outcome, campaign, freq, group, treated, exposed, start, weights, ci, maxlags, inference)
    if variant_labels is not None:  # DiD and ITS pool the variants: say so
        result.details["pooled_variants"] = sorted(variant_labels[exposed == 1].dropna().unique())
    elif choices is not None:  # ... and a multi-select campaign's channels into "any choice"
        result.details["pooled_variants"] = list(choices)
        result.details["multi_select"] = True
    return _with_ci(result, ci)


def _with_ci(result: EffectResult, ci: float) -> EffectResult:
    """Record the confidence level on the result and its headline effect (their sentences name it)."""
    result.ci = ci
    result.effect = dataclasses.replace(result.effect, ci=ci)
    return result


def _pooled(result: EffectResult, per: EffectResult, campaign: str) -> None:
    """Label a pooled exposure effect as pooled and record the variants' own estimates (``per``: the per-variant
    linear fit, in the outcome's reporting units whatever the pooled model)."""
    table = per.table
    estimates = dict(zip(table["term"].astype(str), table["estimate"].astype(float), strict=True))
    low, high = min(estimates, key=estimates.get), max(estimates, key=estimates.get)
    result.table["term"] = [str(t).replace(campaign, f"{campaign} (pooled)", 1) for t in result.table["term"]]
    multi = "multi_select" in per.details
    result.details["pooled"] = {"variants": list(estimates), "estimates": estimates,
                                "range": (estimates[low], estimates[high]), "multi_select": multi}
    spread = (f"{fmt_change(result.outcome, estimates[low])} ({low}) to {fmt_change(result.outcome, estimates[high])} "
              f"({high}), so the pooled effect can hide effects in opposite directions.")
    if multi:
        result.warnings.append(
            f"The {len(estimates)} choices of {campaign} ({', '.join(estimates)}) are pooled into one group, "
            f"respondents who chose any of them, as asked (variants=False); estimated together, each against not "
            f"choosing it with the others held fixed, they range from {spread}")
    else:
        result.warnings.append(
            f"The {len(estimates)} variants of {campaign} ({', '.join(estimates)}) are pooled into one exposed group, "
            f"as asked (variants=False); against {per.details['control']} alone they range from {spread}")


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
        notes.append(f"{before - len(frame):,} row(s) without the outcome, exposure, controls or cluster "
                     "were left out.")
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
    """Balance of the controls, overlap, the doubly robust (AIPW) estimate and its E-values.

    The AIPW estimate is on the overlap region when exposed and unexposed do
    not overlap everywhere (``b.overlap["restricted"]``, see
    :func:`~csat_analysis.balance.exposure_balance`).  Its E-value converts the
    difference ``d`` to a risk ratio on the same rows: for a top-box share,
    ``RR = (p0 + d) / p0`` with ``p0`` the unexposed respondents' raw
    (unadjusted, unweighted) share; for a mean or NPS, ``RR = exp(0.91 d / SD)``
    with ``SD`` the outcome's standard deviation over both arms together
    (unweighted, ``ddof=1``), not the pooled within-arm SD.
    """
    from ..balance import e_value, exposure_balance

    b = exposure_balance(frame, outcome=frame["_y"].to_numpy(float), exposed=frame["_exposed"].to_numpy(float),
                         controls=columns, weights=None if weights is None else np.asarray(weights, float), ci=ci)
    rows = b.overlap["rows"]
    y, t = frame["_y"].to_numpy(float)[rows], frame["_exposed"].to_numpy(float)[rows]
    a = b.aipw
    if not len(y) or not (t == 0).any():
        b.e_value = {"point": float("nan"), "ci": float("nan")}
    elif METRICS[outcome].kind == "share":
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


def _linear_only(model: str, campaign: str) -> None:
    if model != "linear":
        raise ParameterError(f"A campaign with variants ({campaign!r}) is estimated with the linear model only, "
                             f"not model={model!r}; use model='linear', or variants=False for one pooled effect.")


def _design_frame(data, y, columns: dict[str, Any], controls, cluster, weights) -> tuple[pd.DataFrame, list[str]]:
    """The outcome, ``columns``, controls, cluster and weight of every row with all of them (and a note on the
    rows left out)."""
    frame = pd.DataFrame({"_y": y, **columns})
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
    return frame, notes


def _variants_design(data, y, unit, variants, control, outcome, campaign, controls, cluster, model, weights, ci):
    """One effect per variant against the control (linear model; HC1 or CR1), Holm-adjusted, plus a joint test."""
    _linear_only(model, campaign)
    frame, notes = _design_frame(data, y, {"_variant": variants.astype(object).where(variants.notna(), np.nan)},
                                 controls, cluster, weights)
    exposed = (frame["_variant"] != control).astype(float)
    _check_exposure(exposed, campaign)
    labels = sorted(v for v in frame["_variant"].unique() if v != control)
    names = {}
    for i, v in enumerate(labels):
        names[v] = f"_v{i}"
        frame[f"_v{i}"] = (frame["_variant"] == v).astype(float)
    counts = frame["_variant"].value_counts()
    small = [v for v in labels if counts[v] < 30]
    if small:
        notes.append(f"Few responses for variant(s) {', '.join(map(str, small))} (under 30): wide intervals.")
    return _indicator_fit(data, frame, names, exposed, unit, outcome, campaign, controls, cluster, weights, ci, notes,
                          {"control": control, "n_by_variant": {str(k): int(v) for k, v in counts.items()}})


def _choice_columns(data: pd.DataFrame, campaign: str) -> dict[str, str] | None:
    """A multi-select campaign's channels (schema campaign with ``delimiter``, loaded as one boolean column
    ``<name>_<choice>`` per choice): ``{choice label: column}``, or None for any other campaign.  A choice equal
    to the campaign's ``control`` (e.g. "None of these") is not a channel and is left out."""
    from .._utils import slug

    spec = _schema_campaign(data, campaign)
    if not spec.get("delimiter") or campaign in data.columns:
        return None
    name = str(spec["name"])
    others = [str(c.get("name")) for c in schema_of(data).get("campaigns", []) or [] if c.get("name") != name]
    skip = {f"{name}_{slug(spec['control'])}"} if spec.get("control") is not None else set()
    out = {}
    for col in map(str, data.columns):
        if (not col.startswith(name + "_") or col in skip or col == f"{name}_variant"
                or any(col == o or col.startswith(o + "_") for o in others if o.startswith(name + "_"))
                or not pd.api.types.is_bool_dtype(data[col])):
            continue
        out[col[len(name) + 1:].replace("_", " ")] = col
    if not out:
        raise DataError(f"The multi-select campaign {name!r} (column {spec.get('column')!r}, delimiter "
                        f"{spec['delimiter']!r}) has no choice columns '{name}_<choice>' in the data; load the "
                        "responses with the schema that names the campaign.")
    return out


def _choices_design(data, y, unit, choices: dict[str, str], outcome, campaign, controls, cluster, model, weights,
                    ci):
    """A multi-select campaign: one regression of the outcome on every choice's flag together (plus controls), so
    each coefficient is that choice's effect against not choosing it with the other choices held fixed (a
    respondent can choose several); Holm-adjusted across the choices, plus the joint test."""
    _linear_only(model, campaign)
    names = {label: f"_v{i}" for i, label in enumerate(choices)}
    frame, notes = _design_frame(data, y, {names[label]: data[col].astype("Float64").astype(float).to_numpy()
                                           for label, col in choices.items()}, controls, cluster, weights)
    exposed = frame[list(names.values())].max(axis=1)
    _check_exposure(exposed, campaign)
    chosen = {label: int(frame[n].sum()) for label, n in names.items()}
    constant = [label for label, k in chosen.items() if k in (0, len(frame))]
    if constant:
        notes.append(f"Choice(s) {', '.join(constant)} of {campaign} were chosen by no respondent (or by all) in this "
                     "selection, so they have no estimate.")
        names = {label: n for label, n in names.items() if label not in constant}
    small = [label for label in names if chosen[label] < 30]
    if small:
        notes.append(f"Few responses chose {', '.join(small)} (under 30): wide intervals.")
    several = int((frame[list(names.values())].sum(axis=1) > 1).sum())
    n_none = int((exposed == 0).sum())
    return _indicator_fit(data, frame, names, exposed, unit, outcome, campaign, controls, cluster, weights, ci, notes,
                          {"control": "not chosen", "n_by_variant": {**{k: chosen[k] for k in names},
                                                                     "none": n_none},
                           "multi_select": {"columns": {k: choices[k] for k in names}, "n_several": several,
                                            "n_none": n_none}})


def _indicator_fit(data, frame, names: dict[str, str], exposed, unit, outcome, campaign, controls, cluster, weights,
                   ci, notes, extra: dict[str, Any]) -> EffectResult:
    """The outcome on the 0/1 columns ``names`` (label -> column) plus controls (OLS or WLS; HC1 or CR1): one row
    per label, Holm-adjusted p (``p_adj``), the joint Wald test, the headline and the balance of ``exposed``."""
    from statsmodels.stats.multitest import multipletests

    rhs = " + ".join(names.values()) + (f" + {controls}" if controls else "")
    groups = frame["_cluster"].to_numpy() if cluster else None
    cov = "cluster" if cluster else "HC1"
    fit = _fit_linear(f"_y ~ {rhs}", frame, weighted=bool(weights), cov=cov, groups=groups)
    res = fit.result
    for name in names.values():
        _check_rank(res, notes, name, campaign)
    labels = list(names)
    table = pd.DataFrame(_coef_rows(res, dict(names), ci), columns=EFFECT_COLUMNS)
    table["p_adj"] = multipletests(table["p"].to_numpy(), method="holm")[1]
    df2 = getattr(res, "df_resid_inference", None) or res.df_resid
    joint = _wald(res, list(names.values()), df2)
    if cluster:
        G, n_t, n_c = _cluster_sides(groups, np.asarray(exposed, float))
        if G < FEW_CLUSTERS or min(n_t, n_c) < FEW_SIDE:
            notes.append(f"Only {G} clusters of {cluster!r} ({n_t} with exposed rows, {n_c} with control rows): "
                         "cluster-robust (CR1) errors are unreliable; read the intervals as approximate.")
    # the headline: the variant that differs most clearly from the control, with its Holm-adjusted p
    top = int(np.nanargmax(np.abs(table["estimate"] / table["se"]).to_numpy()))
    row = table.iloc[top]
    effect = Effect(float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"]), float(row["p_adj"]), unit)
    details = {"controls": controls, "cov_type": cov, "cluster": cluster, "variants": labels, "joint": joint,
               "headline_variant": labels[top], **extra}
    columns = _control_columns(data, controls)
    if columns:  # who received any variant, against the control
        details["balance"] = _balance(frame.assign(_exposed=np.asarray(exposed, float)), columns,
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
    frame = pd.DataFrame({"_y": y.to_numpy(), "_g": g.to_numpy(), "_p": codes,
                          "_treated": g.isin(treated).to_numpy(float)})
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
        raise DataError(f"No responses before {campaign!r} started ({start:%Y-%m-%d}): "
                        "there is no 'before' to compare.")
    if frame["_post"].nunique() < 2:
        raise DataError(f"No responses after {campaign!r} started ({start:%Y-%m-%d}).")
    if pre_periods < 3:
        notes.append(f"Only {pre_periods} period(s) before the start: "
                     "the parallel-trends assumption cannot be checked well.")
    if cluster:
        require_columns(data, [cluster], "cluster column")
        clusters = data.loc[frame.index, cluster].astype("string").to_numpy()
    else:
        clusters = None
    w = pd.to_numeric(data.loc[frame.index, weights], errors="coerce").to_numpy(float) if weights else None
    # every fit and replicate below depends on the rows only through group x period (x cluster x control) cells
    cells = did_cells(frame, weights=w, clusters=clusters, columns=_control_columns(data, controls))
    rhs = "_did + C(_g) + C(_p)" + (f" + {controls}" if controls else "")
    res = fit_cells(cells, rhs)
    _check_rank(res, notes, "_did", campaign)
    table = pd.DataFrame(_coef_rows(res, {f"{campaign} × post (DiD)": "_did"}, ci), columns=EFFECT_COLUMNS)
    keys = cells.keys
    boot = _few_clusters(res, "_did", keys["_cluster"].to_numpy(), keys["_treated"].to_numpy(), cluster or group,
                         notes, inference, bootstrap_reps, ci, cells)
    details: dict[str, Any] = {"start": start, "treated": treated, "group": group, "freq": freq,
                               "clusters": cells.clusters, "cells": len(cells.n)}
    _apply_boot(table, boot, res, "_did", details)
    details["att"] = imputation_att(cells, controls)
    first = table.iloc[0]
    effect = Effect(float(first["estimate"]), float(first["ci_low"]), float(first["ci_high"]), float(first["p"]), unit)
    if event_study:
        es, es_fit, pre_names = did_event_study(cells, controls, start_code, label, ci)
        pre = _pretrend_test(es_fit, pre_names, cells.clusters)
        details["event_study"], details["pretrend"] = es, pre
        details["pretrend_p"] = None if pre is None else pre["p"]
        if pre is not None and pre["p"] < 0.05:
            blocks = f" in {pre['blocks']} block(s)" if pre["blocks"] else ""
            notes.append(f"Pre-trend check failed (joint Wald test of the {pre['coefficients']} pre-campaign "
                         f"event-study coefficients{blocks}, F({pre['df1']}, {pre['df2']}) = {pre['F']:.2f}, "
                         f"{fmt_p(pre['p'])}): treated groups already differed from the others before the start.")
    return EffectResult(table, effect, int(res.nobs), "did", outcome, "linear", campaign, notes, details)


def _imputation_att(frame: pd.DataFrame, controls: str | None, weights, data) -> dict[str, Any] | None:
    """The imputation ATT of a DiD frame (rows): :func:`~csat_analysis.did_cells.imputation_att` on its cells."""
    w = pd.to_numeric(data.loc[frame.index, weights], errors="coerce").to_numpy(float) if weights else None
    frame = frame.assign(**{c: frame["_did"] for c in ("_treated", "_post") if c not in frame})
    return imputation_att(did_cells(frame, weights=w, columns=_control_columns(data, controls)), controls)


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
        raise DataError(f"No periods before {campaign!r} started ({start:%Y-%m-%d}): "
                        "an interrupted time series needs a before.")
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

