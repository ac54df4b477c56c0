"""Synthetic survey responses with documented ground truth, and the bundled sample.

:func:`make_sample` draws responses from an ordinal-probit model: every
respondent has a latent satisfaction

    s = region + channel + plan + season(date) + effect * exposed + u,   u ~ N(0, 1)

and each score is the latent plus its own noise, cut at fixed thresholds:

    csat = 1 + #{s + e_c > tau_csat},  nps = #{s + e_n > tau_nps},  ces = 1 + #{s + e_e > tau_ces}

Because the latent is normal given the covariates, the expected top-box
share, mean and NPS of every respondent are closed-form (normal CDFs), so the
true campaign effect in each outcome's own units is computed exactly, not
simulated: :class:`SampleTruth.effects` is the average effect on the exposed
responses (treated regions from the campaign start), i.e. the ATT that
difference-in-differences and exposure regressions estimate.  Population
correlations between the observed scores come from one large fixed-seed draw.

Customers and churn (issue 15) come from their own generator
(``np.random.default_rng([seed, 15])``), so every other column is unchanged:
about 15% of responses are from a customer who answered before
(``customer_id``); each customer has a usage figure ``logins_30d`` (logins in
the last 30 days, Poisson with a gamma-distributed mean of 12) and a tenure
``tenure_months`` (uniform 1–120), and churned (``churned``: "Yes"/"No",
repeated on each of their responses) with probability

    logit P(churned) = -1.0 - 0.45 * (csat - 3) - 0.06 * logins_30d + plan effect
    plan effect: Basic 0, Plus -0.2, Premium -0.5;  tenure has no effect

where ``csat`` and ``plan`` are those of the customer's **latest** response
(:data:`CHURN_MODEL`).  So churn falls by a factor exp(-0.45) = 0.64 in the
odds per CSAT point, and by exp(-0.6) = 0.55 per 10 logins.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .exceptions import ParameterError
from .registry import METRICS

__all__ = ["make_sample", "SampleTruth", "SAMPLE_SCHEMA", "COMMENT_THEMES", "CHURN_MODEL", "sample_paths",
           "write_sample"]

REGIONS = {"North": (0.30, 0.05), "South": (0.25, 0.10), "East": (0.25, -0.05), "West": (0.20, -0.10)}
CHANNELS = {"Web": (0.5, 0.10), "Phone": (0.3, -0.20), "Store": (0.2, 0.15)}
#: plan: (share in the sample, latent effect, share in the customer base -> weights)
PLANS = {"Basic": (0.45, -0.10, 0.60), "Plus": (0.30, 0.05, 0.28), "Premium": (0.25, 0.25, 0.12)}
TREATED_REGIONS = ("North", "East")
HEARD_VIA = ("Email", "Social media", "TV", "Friend")
#: attribute ratings (1-5) and their loading on the latent satisfaction: value for money matters most
DRIVERS = {"value": 0.55, "staff": 0.45, "speed": 0.35, "app": 0.20}
#: how well each attribute performs (shifts its ratings, not satisfaction): value for money rates worst
_DRIVER_LEVEL = {"value": -0.45, "staff": 0.35, "speed": 0.0, "app": 0.25}
_DRIVER_TAU = np.array([-1.5, -0.7, 0.1, 0.9])

_SCALES = {
    "csat": (1, np.array([-1.6, -0.9, -0.2, 0.9]), 0.6),
    "nps": (0, np.array([-2.6, -2.2, -1.9, -1.6, -1.3, -0.95, -0.6, -0.15, 0.45, 1.2]), 0.7),
    "ces": (1, np.array([-2.2, -1.5, -0.9, -0.3, 0.3, 1.1]), 0.9),
}
_COLUMNS = {"csat": "satisfaction", "nps": "likelihood_to_recommend", "ces": "effort"}
#: the sample's true churn model (see the module docstring): log-odds terms per customer
CHURN_MODEL: dict[str, Any] = {"intercept": -1.0, "csat_minus_3": -0.45, "logins_30d": -0.06, "tenure_months": 0.0,
                               "plan": {"Basic": 0.0, "Plus": -0.2, "Premium": -0.5}}
#: share of responses that come from a customer who answered before
_REPEAT_SHARE = 0.15

#: The schema of the files written by :func:`write_sample` (also ``data/sample_schema.yml``).
SAMPLE_SCHEMA: dict[str, Any] = {
    "columns": {
        "response_id": "response_id",
        "date": {"column": "submitted", "format": "%Y-%m-%d"},
        "segments": ["region", "channel", "plan"],
        "weight": "weight",
        "comment": "comment",
        "pii": ["customer_email"],
        "ratings": ["rating_value", "rating_staff", "rating_speed", "rating_app"],
        "customer_id": "customer_id",
    },
    "metrics": {
        "csat": {"column": "satisfaction", "scale": [1, 5], "top_box": 4},
        "nps": {"column": "likelihood_to_recommend", "scale": [0, 10]},
        "ces": {"column": "effort", "scale": [1, 7], "top_box": 5},
    },
    "campaigns": [
        {"name": "spring_promo", "column": "offer", "control": "None", "start": "2025-03-01", "group": "region"},
        {"name": "heard_via", "column": "heard_via", "delimiter": ";"},
    ],
    "targets": {"csat": 65},
    "outcomes": {"churned": {"column": "churned", "labels": {"Yes": 1, "No": 0}}},
    "features": ["csat", "nps", "ces", "logins_30d", "tenure_months", "plan", "channel"],
    "missing_values": ["", "NA", "N/A"],
}

#: share of respondents who leave a comment
_COMMENT_RATE = 0.35
#: planted comment themes: the words that mark each (every comment of a theme uses at least one of them, and
#: no other theme's), and its phrasings in a positive and a negative tone.  "general" comments name no theme.
COMMENT_THEMES: dict[str, dict[str, list[str]]] = {
    "delivery": {
        "vocabulary": ["delivery", "delivered", "courier", "parcel", "tracking", "shipping", "arrived"],
        "positive": ["Delivery was fast and the parcel arrived a day early.", "The courier delivered on time.",
                     "Quick shipping and the tracking was accurate.", "My parcel arrived quickly and well packed.",
                     "Next day delivery as promised, parcel in perfect shape.",
                     "Delivered on time by a friendly courier."],
        "negative": ["Delivery took weeks and the parcel never arrived.",
                     "The courier never turned up and the parcel arrived a week late.",
                     "Tracking said delivered but no parcel arrived.",
                     "Shipping was slow and the tracking never updated.",
                     "My parcel arrived damaged after a late delivery.",
                     "Late delivery again, the tracking is useless."],
    },
    "staff": {
        "vocabulary": ["staff", "agent", "advisor", "assistant", "employee"],
        "positive": ["The staff were friendly and really helpful.",
                     "The agent on the phone was helpful and sorted everything.",
                     "Lovely advisor, patient and knowledgeable staff.",
                     "The shop assistant went out of her way to help.",
                     "Very helpful staff.", "A brilliant agent, friendly and helpful."],
        "negative": ["Staff were rude and unhelpful.", "The agent was rude, kept me on hold and then hung up.",
                     "The advisor did not listen and the staff were unhelpful.",
                     "Nobody on the staff could answer a simple question.",
                     "Rude shop assistant at the counter.", "The employee I spoke to was rude and dismissive."],
    },
    "billing": {
        "vocabulary": ["bill", "billing", "invoice", "charged", "refund", "payment"],
        "positive": ["Billing is clear and the invoice is easy to read.",
                     "Got my refund within two days, payment back in full.",
                     "Payment was simple and I was charged the right amount.", "Clear bill and invoice, no surprises.",
                     "The refund was processed quickly and the bill is correct."],
        "negative": ["I was charged twice this month, billing is a mess.", "Billing error again, the invoice is wrong.",
                     "Still waiting for my refund after six weeks.",
                     "The payment failed and I was still charged a fee.",
                     "My bill went up without warning, overcharged again.", "Wrong invoice and no refund yet."],
    },
    "app": {
        "vocabulary": ["app", "login", "website", "password", "screen"],
        "positive": ["The app is quick and easy to use.", "Love the new app, the login is simple.",
                     "The website is clear and the app login is quick.",
                     "Everything I need on one screen of the app.", "Smooth website and app, found what I needed."],
        "negative": ["The app keeps logging me out.", "The app crashes every time I open it.",
                     "Cannot get past the login screen of the app.", "The password reset on the website never works.",
                     "The website is confusing and the app is slow.", "The new app update is a mess, blank screen."],
    },
    "general": {
        "vocabulary": [],
        "positive": ["Great service as always.", "Very happy with the service, thank you!",
                     "Would recommend the service to friends.", "Excellent experience overall.",
                     "No complaints at all, great service."],
        "negative": ["Not impressed with the service overall.", "Very disappointing experience overall.",
                     "Expected much better service.", "Poor service, took far too long to sort out.",
                     "Nobody called me back, poor service."],
    },
}
_CLOSERS = {"positive": ["Thanks!", "Keep it up.", "Great job.", "Happy customer."],
            "negative": ["Not good enough.", "Please sort it out.", "Very disappointed.", "Considering leaving."]}
#: theme prevalence: base weights, multiplied by a factor per segment and renormalised per respondent
_THEME_BASE = {"delivery": 0.28, "staff": 0.22, "billing": 0.14, "app": 0.18, "general": 0.18}
_THEME_FACTOR = {"region": {"South": {"billing": 3.0}},
                 "channel": {"Web": {"app": 1.6, "staff": 0.7}, "Phone": {"app": 0.8, "staff": 1.4},
                             "Store": {"app": 0.15, "staff": 2.0}}}
#: tone: positive wording when latent satisfaction + TONE_NOISE * N(0, 1) > TONE_CUT, else negative
_TONE_NOISE, _TONE_CUT = 0.5, 0.0
#: chance that a comment has a second phrasing of its theme, closes with a stock phrase of its tone, and gives an
#: e-mail address or phone number
_SECOND_RATE, _CLOSER_RATE, _CONTACT_RATE = 0.4, 0.15, 0.005
_CONTACTS = ["Call me on 07700 900 {k:03d}.", "Ring me on 0161 496 0{k:03d}.", "Reach me at (020) 7946 0{k:03d}.",
             "Email me at jo.smith{k}@example.org.", "Write to me at a.patel{k}@example.net."]


def _theme_probabilities(frame: pd.DataFrame) -> np.ndarray:
    """Each respondent's chance of writing about each theme (rows sum to 1), from their region and channel."""
    names = list(_THEME_BASE)
    p = np.tile(np.array([_THEME_BASE[t] for t in names]), (len(frame), 1))
    for col, table in _THEME_FACTOR.items():
        values = frame[col].to_numpy()
        for level, factors in table.items():
            for theme, f in factors.items():
                p[values == level, names.index(theme)] *= f
    return p / p.sum(axis=1, keepdims=True)


def _make_comments(frame: pd.DataFrame, latent: np.ndarray, has_comment: np.ndarray,
                   rng: np.random.Generator) -> tuple[list[str], dict[str, Any]]:
    """Comments from planted themes, their tone following the latent satisfaction; and their ground truth.

    Every respondent gets a theme (chance by region and channel, :func:`_theme_probabilities`), a tone
    (positive when ``latent + 0.5 * N(0, 1) > 0``), a phrasing of that theme in that tone (40%: two
    different ones), sometimes (15%) a closing phrase in the same tone, and rarely an e-mail address or
    phone number; those without a comment get ``""``.  All draws are made for every row, so the comments
    of a row do not depend on which other rows have one.
    """
    n = len(frame)
    names = list(COMMENT_THEMES)
    p = _theme_probabilities(frame)
    theme = (rng.random(n)[:, None] > np.cumsum(p, axis=1)).sum(axis=1)
    theme = np.minimum(theme, len(names) - 1)
    positive = latent + _TONE_NOISE * rng.standard_normal(n) > _TONE_CUT
    pick, closer, pick_closer = rng.random(n), rng.random(n) < _CLOSER_RATE, rng.random(n)
    second, pick_second = rng.random(n) < _SECOND_RATE, rng.random(n)
    contact, pick_contact, k = rng.random(n) < _CONTACT_RATE, rng.random(n), rng.integers(0, 1000, n)
    out = []
    for i in range(n):
        if not has_comment[i]:
            out.append("")
            continue
        tone = "positive" if positive[i] else "negative"
        phrases = COMMENT_THEMES[names[theme[i]]][tone]
        first = int(pick[i] * len(phrases))
        parts = [phrases[first]]
        if second[i]:  # another phrasing of the same theme and tone
            parts.append(phrases[(first + 1 + int(pick_second[i] * (len(phrases) - 1))) % len(phrases)])
        if closer[i]:
            parts.append(_CLOSERS[tone][int(pick_closer[i] * len(_CLOSERS[tone]))])
        if contact[i]:
            parts.append(_CONTACTS[int(pick_contact[i] * len(_CONTACTS))].format(k=int(k[i])))
        out.append(" ".join(parts))
    has = np.asarray(has_comment, dtype=bool)
    shares: dict[str, Any] = {"overall": {t: round(float(100 * p[has, j].mean()), 2) if has.any() else float("nan")
                                          for j, t in enumerate(names)}}
    for col in _THEME_FACTOR:
        values = frame[col].to_numpy()
        shares[f"by_{col}"] = {
            level: {t: round(float(100 * p[has & (values == level), j].mean()), 2) for j, t in enumerate(names)}
            for level in sorted(set(values[has]))
        }
    truth = {
        "n_comments": int(has.sum()),
        "share_with_comment": _COMMENT_RATE,
        "vocabulary": {t: v["vocabulary"] for t, v in COMMENT_THEMES.items() if v["vocabulary"]},
        "theme_shares": shares,
        "theme_base": dict(_THEME_BASE),
        "theme_factors": {col: {lv: dict(f) for lv, f in t.items()} for col, t in _THEME_FACTOR.items()},
        "tone": {
            "rule": f"positive wording when latent satisfaction + {_TONE_NOISE} * N(0, 1) > {_TONE_CUT}",
            "share_positive": round(float(positive[has].mean()), 4) if has.any() else float("nan"),
            **_population_tone(),
        },
        "n_with_contact": int((has & contact).sum()),
    }
    return out, truth


@dataclasses.dataclass(frozen=True)
class SampleTruth:
    """The ground truth behind a :func:`make_sample` draw.

    Attributes
    ----------
    campaign, start, treated_regions
        The campaign (``spring_promo``), its start, and the regions it reached.
    latent_effect : float
        Shift of the latent satisfaction for exposed responses (latent SD units).
    effects : dict
        True average effect on the exposed responses, in outcome units:
        ``csat`` and ``ces_top`` percentage points, ``nps`` NPS points,
        ``csat_mean`` and ``ces`` scale points.
    expected : dict
        Expected overall score of the drawn respondents (unweighted), per metric.
    correlations : dict
        Population Pearson and Spearman correlations between the observed
        scores, ``{"spearman": {"csat~nps": r, ...}, "pearson": {...}}``, and
        ``driver_shares_csat``: each attribute rating's population share (%)
        of the explained variation of CSAT (relative weights).  By
        construction value > staff > speed > app (:data:`DRIVERS`).
    latent_correlations : dict
        Correlations of the latent scores (exact).
    churn : dict
        The true churn model (:data:`CHURN_MODEL`, log-odds per unit), the rule (the customer's latest
        response), ``n_customers`` and the drawn ``churn_rate``.
    comments : dict
        The planted comment model (see :func:`_make_comments`): ``vocabulary``
        (theme -> the words that mark it; every comment of a theme uses at
        least one of its words and no other theme's), ``theme_shares``
        (expected % of comments per theme given the drawn respondents:
        ``overall``, ``by_region`` — billing is far more common in the South
        — and ``by_channel`` — app comments come from web users, staff
        comments from phone and store), ``tone`` (how the wording's tone
        follows the latent satisfaction, and the population Spearman of tone
        with CSAT), ``n_comments`` and ``n_with_contact`` (comments that
        contain an e-mail address or phone number, for masking).
    """

    campaign: str
    start: str
    treated_regions: tuple[str, ...]
    latent_effect: float
    effects: dict[str, float]
    expected: dict[str, float]
    correlations: dict[str, dict[str, float]]
    latent_correlations: dict[str, float]
    comments: dict[str, Any] = dataclasses.field(default_factory=dict)
    churn: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _expected(metric: str, mu: np.ndarray) -> np.ndarray:
    """Expected value of a metric for respondents with latent means ``mu`` (closed form)."""
    m = METRICS[metric]
    col = m.column
    lo, tau, noise = _SCALES[col]
    sd = np.sqrt(1 + noise**2)
    above = stats.norm.cdf((mu[:, None] - tau[None, :]) / sd)  # P(score >= lo + k + 1)
    if m.kind == "mean":
        return lo + above.sum(1)
    if m.kind == "share":  # top box 4 of CSAT 1-5, 5 of CES 1-7
        return 100 * above[:, m.score.top_box - lo - 1]
    return 100 * (above[:, 8] - (1 - above[:, 6]))  # P(>= 9) - P(<= 6)


def _draw(n: int, rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp,
          campaign_start: pd.Timestamp, effect: float) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict,
                                                                 np.ndarray]:
    days = (end - start).days + 1
    # more responses in Q4 (seasonal volume), satisfaction dips in winter
    day = np.arange(days)
    dates_all = start + pd.to_timedelta(day, unit="D")
    volume = 1 + 0.3 * np.cos(2 * np.pi * (dates_all.day_of_year.to_numpy() - 340) / 365.25)
    d = rng.choice(days, size=n, p=volume / volume.sum())
    dates = start + pd.to_timedelta(np.sort(d), unit="D")
    season = 0.15 * np.sin(2 * np.pi * (dates.day_of_year.to_numpy() - 80) / 365.25)

    def pick(table: dict, col: int = 0):
        names = list(table)
        probs = np.array([table[k][col] for k in names])
        idx = rng.choice(len(names), size=n, p=probs / probs.sum())
        return np.array(names)[idx], np.array([table[k][1] for k in names])[idx]

    region, r_eff = pick(REGIONS)
    channel, c_eff = pick(CHANNELS)
    plan, p_eff = pick(PLANS)
    exposed = np.isin(region, TREATED_REGIONS) & (dates >= campaign_start)
    mu = 0.1 + r_eff + c_eff + p_eff + season + effect * exposed
    # the respondent-level part of satisfaction is made of the attribute experiences plus the rest
    z = rng.standard_normal((n, len(DRIVERS)))
    loadings = np.array(list(DRIVERS.values()))
    rest = np.sqrt(1 - (loadings**2).sum())
    s = mu + z @ loadings + rest * rng.standard_normal(n)
    scores = {}
    for col, (lo, tau, noise) in _SCALES.items():
        latent = s + noise * rng.standard_normal(n)
        scores[col] = lo + (latent[:, None] > tau[None, :]).sum(1)
    ratings = {f"rating_{name}": 1.0 + ((z[:, k] + _DRIVER_LEVEL[name] + 0.5 * rng.standard_normal(n))[:, None]
                                       > _DRIVER_TAU).sum(1)
               for k, name in enumerate(DRIVERS)}
    frame = pd.DataFrame({"date": dates, "region": region, "channel": channel, "plan": plan, **scores, **ratings})
    latent_corr = {}
    cols = list(_SCALES)
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            var_s = np.var(mu) + 1
            na, nb = _SCALES[a][2], _SCALES[b][2]
            latent_corr[f"{a}~{b}"] = float(var_s / np.sqrt((var_s + na**2) * (var_s + nb**2)))
    return frame, mu, exposed, latent_corr, s


@functools.lru_cache(maxsize=4)
def _population_draw(effect: float) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(20240101)
    frame, _, _, _, latent = _draw(400_000, rng, pd.Timestamp("2024-01-01"), pd.Timestamp("2025-06-30"),
                                   pd.Timestamp("2025-03-01"), effect)
    return frame, latent


@functools.lru_cache(maxsize=1)
def _population_tone() -> dict[str, float]:
    """Population correlation of a comment's tone (+1 positive, −1 negative) with CSAT (one large fixed draw)."""
    frame, latent = _population_draw(0.35)
    tone = latent + _TONE_NOISE * np.random.default_rng([20240101, 14]).standard_normal(len(latent)) > _TONE_CUT
    return {"spearman_csat": round(float(stats.spearmanr(tone, frame["csat"])[0]), 4),
            "auc_csat_low_high": round(float(_tone_auc(tone, frame["csat"].to_numpy())), 4)}


def _tone_auc(tone: np.ndarray, csat: np.ndarray) -> float:
    """P(tone of a CSAT 4-5 respondent > that of a CSAT 1-2 one), ties ½."""
    hi, lo = tone[csat >= 4], tone[csat <= 2]
    return float(hi.mean() * (1 - lo.mean()) + 0.5 * (hi.mean() * lo.mean() + (1 - hi.mean()) * (1 - lo.mean())))


@functools.lru_cache(maxsize=4)
def _population_correlations(effect: float) -> dict[str, dict[str, float]]:
    frame, _ = _population_draw(effect)
    out: dict[str, dict[str, float]] = {"pearson": {}, "spearman": {}}
    cols = list(_SCALES)
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            out["pearson"][f"{a}~{b}"] = round(float(np.corrcoef(frame[a], frame[b])[0, 1]), 4)
            out["spearman"][f"{a}~{b}"] = round(float(stats.spearmanr(frame[a], frame[b])[0]), 4)
    from .keydrivers import relative_weights

    cols = ["csat"] + [f"rating_{d}" for d in DRIVERS]
    rw = relative_weights(np.corrcoef(frame[cols].to_numpy(float), rowvar=False))
    out["driver_shares_csat"] = {d: round(float(100 * v / rw.sum()), 2) for d, v in zip(DRIVERS, rw, strict=False)}
    return out


def make_sample(
    n_rows: int = 20_000,
    *,
    seed: int = 2024,
    start: str = "2024-01-01",
    end: str = "2025-06-30",
    campaign_start: str = "2025-03-01",
    effect: float = 0.35,
    missing: bool = True,
    return_truth: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, SampleTruth]:
    """Draw a realistic survey export with known ground truth (see the module docstring).

    Parameters
    ----------
    n_rows : int
        Number of responses (> 0).
    seed : int
        Seed; the same seed gives the same data.
    start, end : str
        Date range (about 18 months by default, with seasonal volume and
        satisfaction).
    campaign_start : str
        When ``spring_promo`` starts in the treated regions (North, East).
    effect : float
        Latent shift for exposed responses, in latent SD units.
    missing : bool
        Leave NPS unanswered for ~10% and CES for ~25% of respondents (store
        visitors are not asked about effort).
    return_truth : bool
        Also return the :class:`SampleTruth`.

    Returns
    -------
    DataFrame
        Export-style columns (mapped by :data:`SAMPLE_SCHEMA`):
        ``response_id, submitted, region, channel, plan, satisfaction,
        likelihood_to_recommend, effort, weight, offer, heard_via, comment,
        customer_email``.  ``offer`` is ``"Spring promo"`` for exposed rows and
        the literal text ``"None"`` otherwise; ``heard_via`` is a
        ``;``-separated multi-select answer; ``weight`` rakes plans to their
        share of the customer base.
    SampleTruth, optional

    Examples
    --------
    >>> df, truth = make_sample(500, seed=1, return_truth=True)
    >>> len(df), df["satisfaction"].between(1, 5).all(), sorted(truth.effects)
    (500, np.True_, ['ces', 'ces_top', 'csat', 'csat_mean', 'nps'])
    """
    if not isinstance(n_rows, (int, np.integer)) or isinstance(n_rows, bool) or n_rows <= 0:
        raise ParameterError(f"The number of rows must be a positive whole number, but {n_rows!r} was passed.")
    try:
        t0, t1, tc = pd.Timestamp(start), pd.Timestamp(end), pd.Timestamp(campaign_start)
    except ValueError as exc:
        raise ParameterError(f"Sample dates must look like 2024-01-31 ({exc}).") from None
    if not t0 < tc <= t1:
        raise ParameterError(f"campaign_start {campaign_start!r} must fall after {start!r} and by {end!r}.")
    rng = np.random.default_rng(seed)
    frame, mu, exposed, latent_corr, latent = _draw(int(n_rows), rng, t0, t1, tc, effect)
    n = len(frame)

    plan_weight = {k: v[2] / v[0] for k, v in PLANS.items()}
    weight = frame["plan"].map(plan_weight).to_numpy() * rng.lognormal(0, 0.15, n)
    weight = np.round(weight / weight.mean(), 4)

    nps_score = frame["nps"].astype("Int64")
    ces_score = frame["ces"].astype("Int64")
    if missing:
        nps_score[rng.random(n) < 0.10] = pd.NA
        ces_score[(frame["channel"].to_numpy() == "Store") | (rng.random(n) < 0.06)] = pd.NA
        frame.loc[frame["channel"].to_numpy() == "Store", "rating_app"] = np.nan  # store visitors rate no app

    # which respondents leave a comment (35%) is drawn from the main generator as it always was; what they
    # write comes from its own generator, so every other column is the same with or without comments
    rng.integers(0, 100, n)  # formerly picked the canned comment; drawn so later columns stay unchanged
    has_comment = rng.random(n) < _COMMENT_RATE
    comment, comment_truth = _make_comments(frame, latent, has_comment, np.random.default_rng([seed, 14]))
    heard = []
    for row in rng.random((n, len(HEARD_VIA))) < np.array([0.35, 0.25, 0.1, 0.15]):
        heard.append(";".join(c for c, on in zip(HEARD_VIA, row, strict=False) if on))

    out = pd.DataFrame({
        "response_id": [f"R{seed % 1000:03d}-{i + 1:06d}" for i in range(n)],
        "submitted": frame["date"].dt.strftime("%Y-%m-%d"),
        "region": frame["region"],
        "channel": frame["channel"],
        "plan": frame["plan"],
        _COLUMNS["csat"]: frame["csat"].astype("Int64"),
        _COLUMNS["nps"]: nps_score,
        _COLUMNS["ces"]: ces_score,
        "weight": weight,
        **{col: frame[col].astype("Int64") for col in frame.columns if col.startswith("rating_")},
        "offer": np.where(exposed, "Spring promo", "None"),
        "heard_via": heard,
        "comment": comment,
        "customer_email": [f"customer{rng.integers(1e6):06d}@example.com" for _ in range(n)],
    })
    churn_columns, churn_truth = _make_churn(frame, np.random.default_rng([seed, 15]), seed)
    for col, values in churn_columns.items():
        out[col] = values
    effects = {}
    expected = {}
    for metric in METRICS:
        with_effect = _expected(metric, mu)
        expected[metric] = float(with_effect.mean())
        if exposed.any():
            effects[metric] = float((with_effect[exposed] - _expected(metric, mu[exposed] - effect)).mean())
        else:
            effects[metric] = float("nan")
    truth = SampleTruth(
        campaign="spring_promo",
        start=tc.strftime("%Y-%m-%d"),
        treated_regions=TREATED_REGIONS,
        latent_effect=effect,
        effects=effects,
        expected=expected,
        correlations=_population_correlations(effect),
        latent_correlations=latent_corr,
        comments=comment_truth,
        churn=churn_truth,
    )
    out.attrs["truth"] = truth.to_dict()
    return (out, truth) if return_truth else out


def _make_churn(frame: pd.DataFrame, rng: np.random.Generator, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Customer ids, usage, tenure and churn (see the module docstring) from their own generator.

    Rows are in date order, so a customer's latest response is their last row.
    """
    n = len(frame)
    n_cust = max(1, n - int(round(_REPEAT_SHARE * n)))
    order = rng.permutation(n)
    cust = np.empty(n, dtype=np.int64)
    cust[order[:n_cust]] = np.arange(n_cust)
    cust[order[n_cust:]] = rng.integers(0, n_cust, n - n_cust)
    logins = rng.poisson(rng.gamma(2.0, 6.0, n_cust))
    tenure = rng.integers(1, 121, n_cust)
    last = np.zeros(n_cust, dtype=np.int64)
    np.maximum.at(last, cust, np.arange(n))  # each customer's latest (last) response
    csat = frame["csat"].to_numpy(dtype=float)[last]
    plan = frame["plan"].to_numpy()[last]
    m = CHURN_MODEL
    eta = (m["intercept"] + m["csat_minus_3"] * (csat - 3) + m["logins_30d"] * logins
           + m["tenure_months"] * tenure + np.array([m["plan"][p] for p in plan]))
    churned = rng.random(n_cust) < 1 / (1 + np.exp(-eta))
    ids = np.array([f"C{seed % 1000:03d}-{k + 1:06d}" for k in range(n_cust)])
    columns = {"customer_id": ids[cust], "logins_30d": logins[cust], "tenure_months": tenure[cust],
               "churned": np.where(churned, "Yes", "No")[cust]}
    truth = {"model": {k: (dict(v) if isinstance(v, dict) else v) for k, v in m.items()},
             "rule": "churn depends on the CSAT and plan of the customer's latest response",
             "n_customers": int(n_cust), "churn_rate": round(float(churned.mean()), 4)}
    return columns, truth


def sample_paths(out: str | Path) -> dict[str, Path]:
    """Where :func:`write_sample` puts the data, its schema and its truth."""
    out = Path(out)
    stem = out.stem.removesuffix("_responses")
    return {"data": out, "schema": out.with_name(f"{stem}_schema.yml"), "truth": out.with_name(f"{stem}_truth.json")}


def write_sample(out: str | Path, n_rows: int = 20_000, *, seed: int = 2024,
                 overwrite: bool = False) -> dict[str, Path]:
    """Write a sample CSV (or .parquet/.xlsx by suffix) with its schema and truth files beside it.

    Existing files are never replaced unless ``overwrite`` is true (``--force``).
    """
    import yaml

    paths = sample_paths(out)
    suffix = paths["data"].suffix.lower()
    if suffix not in (".csv", ".parquet", ".xlsx"):
        raise ParameterError(f"--out must end in .csv, .parquet or .xlsx, not {paths['data'].name!r}.")
    existing = [str(p) for p in paths.values() if p.exists() or p.is_symlink()]
    if existing and not overwrite:
        raise ParameterError(f"{existing[0]!r} already exists; choose another --out or pass --force to overwrite it.")
    frame, truth = make_sample(n_rows, seed=seed, return_truth=True)
    try:
        paths["data"].parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ParameterError(f"Cannot create the folder of --out {str(out)!r} ({exc.strerror or exc}).") from None
    for p in paths.values():
        if p.is_symlink():
            p.unlink()  # write a new file, never through a link
    if suffix == ".csv":
        frame.to_csv(paths["data"], index=False, lineterminator="\n")
    elif suffix == ".parquet":
        frame.to_parquet(paths["data"], index=False)
    else:
        frame.to_excel(paths["data"], index=False)
    paths["schema"].write_text(
        "# Schema of the csat_analysis sample data (see csat_analysis.datasets).\n"
        + yaml.safe_dump(SAMPLE_SCHEMA, sort_keys=False),
        encoding="utf-8",
    )
    paths["truth"].write_text(json.dumps(truth.to_dict(), indent=2) + "\n", encoding="utf-8")
    return paths
