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

Modules: :mod:`~csat_analysis.effects.designs` (the three designs and their data
preparation), :mod:`~csat_analysis.effects.inference` (fits, bootstrap and
randomization inference), :mod:`~csat_analysis.effects.result`
(:class:`EffectResult`, :func:`compare_effects`) with its plain-language
summary in :mod:`~csat_analysis.effects._summary`.
"""

from __future__ import annotations

from .designs import campaign_effect
from .inference import AR_BOOT_REPS as AR_BOOT_REPS  # noqa: F401
from .inference import BOOT_REPS as BOOT_REPS  # noqa: F401
from .inference import BOOT_SEED as BOOT_SEED  # noqa: F401
from .inference import FEW_SIDE as FEW_SIDE  # noqa: F401
from .inference import FEW_TREATED_RI as FEW_TREATED_RI  # noqa: F401
from .inference import wild_cluster_bootstrap
from .result import DESIGNS, EFFECT_COLUMNS, Effect, EffectResult, compare_effects, inference_label
from .result import FEW_CLUSTERS as FEW_CLUSTERS  # noqa: F401
from .result import MODELS as MODELS  # noqa: F401

__all__ = ["campaign_effect", "wild_cluster_bootstrap", "EffectResult", "Effect", "compare_effects",
           "EFFECT_COLUMNS", "DESIGNS", "inference_label"]
