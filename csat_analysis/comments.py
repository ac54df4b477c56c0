"""What customers say: sentiment, themes and distinctive terms of open-ended comments.

* :func:`sentiment` scores each comment from −1 (negative) to +1 (positive),
  either with the VADER lexicon (``vaderSentiment``, which ships its lexicon)
  or with a model learned from the survey's own rated comments (TF-IDF word
  1–2-grams + ridge regression, every score out-of-fold), and says how well
  the scores track the customers' own ratings on this data.
* :func:`themes` finds what comments are about: dictionary themes from the
  schema's ``themes:`` key (stable categories to track over time) and/or
  themes discovered by non-negative matrix factorisation of TF-IDF.
* :func:`distinctive_terms` ranks the words and phrases that separate
  dissatisfied from satisfied customers (log-odds ratio with an informative
  Dirichlet prior, Monroe, Colaresi & Quinn 2008).
* :func:`comment_report` gathers all three for the ``comments`` notebook.

Privacy (SPEC.md, round 2): comment text is masked with
:func:`~csat_analysis.privacy.mask_contacts` before it is shown; groups with
fewer than ``privacy_min_n`` comments are suppressed in every table and give
no example quotes; terms used in fewer than ``privacy_min_n`` comments are
never listed (a rare word can identify its writer).

scikit-learn and vaderSentiment are imported where they are used.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._utils import as_list, check_argument, nearest, weight_values
from .deprecation import renamed_attribute
from .exceptions import ParameterError
from .metrics import scale_of, wilson_interval
from .privacy import complementary_suppression, crossed_siblings, mask_contacts
from .responses import schema_of
from .results import Result

__all__ = [
    "sentiment",
    "SentimentResult",
    "themes",
    "ThemeResult",
    "distinctive_terms",
    "AUTO_MIN_RATED",
]

#: ``method="auto"`` learns from the data when at least this many comments have a score
AUTO_MIN_RATED = 500
#: VADER's conventional thresholds on the compound score (Hutto & Gilbert 2014)
VADER_NEUTRAL = 0.05
#: learned scores within ±this of the scale's midpoint are neutral
LEARNED_NEUTRAL = 0.2
_METRIC_ORDER = ("csat", "nps", "ces")
_NEGATIONS = {"no", "not", "never", "nothing", "nobody", "none", "cannot", "cant", "without"}


# --------------------------------------------------------------------------- shared helpers


def _check_text(data: pd.DataFrame, text: str) -> None:
    if text not in data.columns:
        raise ParameterError(
            f"The comment column {text!r} is not in the data; columns are {list(map(str, data.columns))}."
            f"{nearest(text, map(str, data.columns))} Map one under columns.comment in the schema, or pass text=."
        )


def comment_rows(data: pd.DataFrame, text: str) -> pd.DataFrame:
    """Rows with a non-empty comment, index reset."""
    _check_text(data, text)
    col = data[text]
    keep = col.notna() & (col.astype("string").str.strip().fillna("") != "")
    out = data.loc[keep.to_numpy(dtype=bool)].reset_index(drop=True)
    out[text] = out[text].astype(str)
    if "response_id" not in out:
        out["response_id"] = [str(i) for i in data.index[keep.to_numpy(dtype=bool)]]
    return out


def _default_metric(data: pd.DataFrame) -> str | None:
    schema = schema_of(data)
    mapped = [m for m in _METRIC_ORDER if m in (schema.get("metrics") or {}) and m in data.columns]
    if not schema:
        mapped = [m for m in _METRIC_ORDER if m in data.columns]
    return mapped[0] if mapped else None


def check_metric(data: pd.DataFrame, metric: str | None, name: str) -> str | None:
    metric = metric if metric is not None else _default_metric(data)
    if metric is not None and metric not in data.columns:
        raise ParameterError(f"The value for `{name}` names {metric!r}, which is not a column of the data; columns "
                             f"are {list(map(str, data.columns))}.{nearest(metric, map(str, data.columns))}")
    return metric


def _scores_of(data: pd.DataFrame, metric: str | None) -> np.ndarray:
    if metric is None:
        return np.full(len(data), np.nan)
    return pd.to_numeric(data[metric], errors="coerce").astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _low_high(data: pd.DataFrame, metric: str, low: float | None = None,
              high: float | None = None) -> tuple[float, float]:
    """Dissatisfied = score <= low; satisfied = score >= high (defaults documented in :func:`distinctive_terms`)."""
    lo, hi, top = scale_of(data, metric)
    if metric == "nps":
        d_low, d_high = 6, 9
    else:
        d_low, d_high = math.ceil((lo + hi) / 2) - 1, top
    low = d_low if low is None else low
    high = d_high if high is None else high
    if not low < high:
        raise ParameterError(f"`low` ({low}) must be below `high` ({high}): scores up to `low` are dissatisfied, "
                             "from `high` satisfied.")
    return low, high


def _auc(score: np.ndarray, negative: np.ndarray, positive: np.ndarray) -> float:
    """Probability that a satisfied customer's comment scores above a dissatisfied one's (ties count ½)."""
    n0, n1 = int(negative.sum()), int(positive.sum())
    if n0 == 0 or n1 == 0:
        return float("nan")
    both = np.concatenate([score[positive], score[negative]])
    ranks = stats.rankdata(both)
    return float((ranks[:n1].sum() - n1 * (n1 + 1) / 2) / (n0 * n1))


def _period_labels(dates: pd.Series, freq: str) -> pd.Series:
    """``2024-03`` (M), ``2024Q1`` (Q), ``2024`` (Y), ``2024-W05`` (ISO week); missing dates stay missing."""
    check_argument("freq", ["D", "W", "M", "Q", "Y"], freq)
    d = pd.to_datetime(dates)
    if freq == "D":
        out = d.dt.strftime("%Y-%m-%d").astype("string")
    elif freq == "W":
        iso = d.dt.isocalendar()
        out = iso["year"].astype("string") + "-W" + iso["week"].astype("string").str.zfill(2)
    else:
        out = d.dt.to_period({"M": "M", "Q": "Q", "Y": "Y"}[freq]).astype("string")
    return out.where(d.notna().to_numpy(), None)


def _group_frame(data: pd.DataFrame, by: Sequence[str], freq: str | None, date: str = "date") -> tuple[
        pd.DataFrame, list[str]]:
    """A frame of grouping keys (segments, then ``period``) and the key names."""
    keys = pd.DataFrame(index=data.index)
    for col in by:
        if col not in data.columns:
            raise ParameterError(f"The value for `by` names {col!r}, which is not a column of the data; columns "
                                 f"are {list(map(str, data.columns))}.{nearest(col, map(str, data.columns))}")
        keys[col] = data[col].astype("string")
    names = list(by)
    if freq:
        if date not in data.columns:
            raise ParameterError("A period breakdown (freq) needs a date column in the data.")
        keys["period"] = _period_labels(data[date], freq)
        names.append("period")
    return keys, names


def _mean_ci(x: np.ndarray, w: np.ndarray, ci: float) -> tuple[float, float, float]:
    """Weighted mean with its linearization (``survey::svymean``) t interval."""
    n = len(x)
    if n == 0 or w.sum() <= 0:
        return float("nan"), float("nan"), float("nan")
    m = float(np.sum(w * x) / w.sum())
    if n < 2:
        return m, float("nan"), float("nan")
    se = math.sqrt(n / (n - 1) * np.sum(w**2 * (x - m) ** 2)) / w.sum()
    q = stats.t.ppf(0.5 + ci / 2, n - 1)
    return m, m - q * se, m + q * se


def mask_comment(text: Any) -> str:
    return mask_contacts(str(text))


# --------------------------------------------------------------------------- sentiment


@dataclasses.dataclass
class SentimentResult(Result):
    """Comment sentiment (see :func:`sentiment`).

    Attributes
    ----------
    scores : DataFrame
        ``response_id, sentiment, label``: one row per comment.
    table : DataFrame
        ``[<by>], [period], n, mean, ci_low, ci_high, share_negative, share_positive, low_n, suppressed``.
    validation : DataFrame
        One row: ``method, n, spearman, auc``.
    method : str
        ``"lexicon"`` or ``"learned"`` (what ``"auto"`` chose).
    warnings : list of str
        Why this method was used (its first sentence), and anything else to know.
        ``.reason`` (their text) is the deprecated old name.
    metric : str or None
        The customers' own score the sentiment is checked against (and learned from).
    """

    scores: pd.DataFrame = dataclasses.field(repr=False)
    table: pd.DataFrame = dataclasses.field(repr=False)
    validation: pd.DataFrame = dataclasses.field(repr=False)
    method: str
    warnings: list[str]
    metric: str | None

    table_title = "Sentiment"
    reason = renamed_attribute("reason", "warnings", " ".join)

    def summary(self) -> str:
        """How many comments, their mean sentiment and shares, how well it tracks the scores, then the warnings."""
        s = self.scores
        n = len(s)
        lines = [f"Sentiment of {n:,} comment{'s' if n != 1 else ''} ({self.method}): "
                 + (f"mean {s['sentiment'].mean():+.2f}, {100 * (s['label'] == 'negative').mean():.0f}% negative, "
                    f"{100 * (s['label'] == 'positive').mean():.0f}% positive." if n else "no comments.")]
        v = self.validation.iloc[0] if len(self.validation) else None
        if v is not None and self.metric and np.isfinite(v["spearman"]):
            auc = f", AUC {v['auc']:.2f}" if np.isfinite(v["auc"]) else ""
            lines.append(f"Against the customers' {self.metric.upper()} ({int(v['n']):,} rated comments): Spearman "
                         f"rho {v['spearman']:.2f}{auc}.")
        return "\n".join(lines + self._warning_lines())

    def sheets(self) -> dict[str, pd.DataFrame]:
        return {self.table_title: self.table, "Validation": self.validation}


#: lexicon scoring of more texts than this is spread over a pool of ``os.cpu_count()`` processes
_PARALLEL_MIN = 20_000
_ANALYZER = None


def _vader_chunk(texts: Sequence[str]) -> list[float]:
    """VADER compound scores of some texts (one analyzer per process, built on first use)."""
    global _ANALYZER
    if _ANALYZER is None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        _ANALYZER = SentimentIntensityAnalyzer()
    return [_ANALYZER.polarity_scores(t)["compound"] for t in texts]


def _vader(texts: Sequence[str], *, processes: int | None = None) -> np.ndarray:
    """VADER compound scores, exactly as ``vaderSentiment`` computes them.

    More than :data:`_PARALLEL_MIN` texts are cut into contiguous chunks scored by a
    ``multiprocessing.Pool`` of ``os.cpu_count()`` workers (results in input order, identical to the
    serial loop: the same function scores every text).
    """
    texts = list(texts)
    workers = int(processes or os.cpu_count() or 1)
    if len(texts) <= _PARALLEL_MIN or workers < 2:
        return np.array(_vader_chunk(texts), dtype=float)
    import multiprocessing

    n_chunks = 4 * workers  # a few chunks per worker evens out uneven texts
    size = math.ceil(len(texts) / n_chunks)
    chunks = [texts[i:i + size] for i in range(0, len(texts), size)]
    with multiprocessing.get_context().Pool(workers) as pool:
        parts = pool.map(_vader_chunk, chunks)
    return np.array([v for part in parts for v in part], dtype=float)


def _learned(texts: Sequence[str], y: np.ndarray, *, folds: int, random_state: int,
             alpha: float = 1.0) -> np.ndarray:
    """Out-of-fold ridge predictions of ``y`` from TF-IDF word 1–2-grams (NaN ``y``: mean of the fold models).

    The text is tokenised once; each fold keeps the n-grams seen in at least
    two of its training comments and fits IDF weights and the model on its
    training comments only, which equals fitting a ``TfidfVectorizer(min_df=2)``
    per fold.
    """
    from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import KFold

    counts = CountVectorizer(ngram_range=(1, 2), dtype=np.float32).fit_transform(texts).tocsc()
    rated = np.flatnonzero(np.isfinite(y))
    unrated = np.flatnonzero(~np.isfinite(y))
    pred = np.full(len(y), np.nan)
    extra = np.zeros(len(unrated))
    splitter = KFold(n_splits=folds, shuffle=True, random_state=random_state)
    for train, test in splitter.split(rated):
        tr, te = rated[train], rated[test]
        df = np.asarray((counts[tr] > 0).sum(axis=0)).ravel()
        cols = np.flatnonzero(df >= 2)
        sub = counts[:, cols].tocsr()
        tfidf = TfidfTransformer(sublinear_tf=True).fit(sub[tr])
        model = Ridge(alpha=alpha, solver="sparse_cg").fit(tfidf.transform(sub[tr]), y[tr])
        pred[te] = model.predict(tfidf.transform(sub[te]))
        if len(unrated):
            extra += model.predict(tfidf.transform(sub[unrated])) / folds
    pred[unrated] = extra
    return pred


def sentiment_table(frame: pd.DataFrame, value: str, by: list[str], freq: str | None, weights: str | None,
                   neutral: float, ci: float, min_n: int, privacy_min_n: int) -> pd.DataFrame:
    keys, names = _group_frame(frame, by, freq)
    w = weight_values(frame, weights)
    w = np.ones(len(frame)) if w is None else w
    x = frame[value].to_numpy(dtype=float)
    rows = []
    if names:
        valid = keys.notna().all(axis=1).to_numpy()
        groups = keys[valid].groupby(names, sort=True, observed=True).indices
        groups = {k if isinstance(k, tuple) else (k,): np.flatnonzero(valid)[v] for k, v in groups.items()}
    else:
        groups = {(): np.arange(len(frame))}
    for key, idx in groups.items():
        xi, wi = x[idx], w[idx]
        m, low, high = _mean_ci(xi, wi, ci)
        tot = wi.sum()
        rows.append(dict(zip(names, key, strict=False)) | {
            "n": len(idx), "mean": m, "ci_low": low, "ci_high": high,
            "share_negative": 100 * wi[xi < -neutral].sum() / tot if tot > 0 else np.nan,
            "share_positive": 100 * wi[xi > neutral].sum() / tot if tot > 0 else np.nan,
        })
    cols = names + ["n", "mean", "ci_low", "ci_high", "share_negative", "share_positive"]
    table = pd.DataFrame(rows, columns=cols)
    table["n"] = table["n"].astype("int64")
    table["low_n"] = table["n"] < min_n
    # a small group, and its complements: the groups of a period (or the periods of a group) add up to a shown total
    table["suppressed"] = (table["n"] < privacy_min_n) | complementary_suppression(
        table, privacy_min_n=privacy_min_n, siblings=crossed_siblings(names)) if names else table["n"] < privacy_min_n
    for col in ("mean", "ci_low", "ci_high", "share_negative", "share_positive"):
        table[col] = table[col].astype(float).mask(table["suppressed"])
    return table


def sentiment(
    data: pd.DataFrame,
    *,
    text: str = "comment",
    method: str = "auto",
    learn_from: str | None = None,
    by: Sequence[str] | str | None = None,
    freq: str | None = None,
    weights: str | None = None,
    folds: int = 5,
    ci: float = 0.95,
    min_n: int = 30,
    privacy_min_n: int = 5,
    random_state: int = 0,
) -> SentimentResult:
    """Sentiment of each comment, summarised by group and period, and checked against the customers' scores.

    Parameters
    ----------
    data : DataFrame
        The canonical responses table (:func:`csat_analysis.load_responses`).
    text : str
        Comment column.  Rows with no comment are left out.
    method : {"auto", "lexicon", "learned"}
        ``"lexicon"``: VADER's compound score (Hutto & Gilbert 2014), exactly
        as ``vaderSentiment`` computes it.  ``"learned"``: TF-IDF word
        1–2-grams and a ridge regression predicting ``learn_from`` from the
        survey's own rated comments; every score is out-of-fold
        (``folds``-fold cross-fitting, so no comment is scored by a model that
        saw it), mapped linearly from the metric's scale to −1..1.
        ``"auto"``: learned when at least :data:`AUTO_MIN_RATED` (500)
        comments have a score, else lexicon; ``.reason`` says which and why.
    learn_from : str, optional
        Score column to learn from and validate against (default: the first
        mapped metric of csat, nps, ces).
    by : str or list of str, optional
        Segment columns for ``.table``.
    freq : {"D", "W", "M", "Q", "Y"}, optional
        Period for ``.table`` (needs a ``date`` column).
    weights : str, optional
        Weight column for ``.table`` (weighted means with linearization SEs,
        weighted shares).
    folds : int
        Folds for the learned model's cross-fitting.
    ci, min_n, privacy_min_n :
        Confidence level; groups below ``min_n`` are flagged ``low_n``, groups
        below ``privacy_min_n`` are ``suppressed`` (their figures blanked).

    Returns
    -------
    SentimentResult
        ``.scores``: ``response_id, sentiment, label`` (label ``negative`` /
        ``neutral`` / ``positive``; neutral is |sentiment| < 0.05 for VADER,
        its authors' convention, and < 0.2 for learned scores, i.e. within a
        tenth of the scale's range of its midpoint).
        ``.table``: ``[<by>], [period], n, mean, ci_low, ci_high,
        share_negative, share_positive, low_n, suppressed`` (shares in
        percent).  ``.validation``: ``method, n, spearman, auc`` — Spearman's
        rank correlation of sentiment with ``learn_from``, and the AUC of
        sentiment for telling satisfied from dissatisfied customers (as
        defined in :func:`distinctive_terms`), over comments with a score.

    Notes
    -----
    Hutto & Gilbert (2014) report r ≈ 0.56 for VADER against human ratings
    of Amazon product reviews; on British Airways reviews VADER's Spearman
    with the 1–10 overall rating is 0.69 and the learned model's out-of-fold
    Spearman 0.83 (see ``tests/test_comments.py``).

    Examples
    --------
    >>> frame = pd.DataFrame({"response_id": ["a", "b", "c"], "csat": [5, 1, 3],
    ...                       "comment": ["Great, friendly staff!", "Terrible and slow.", None]})
    >>> res = sentiment(frame, method="lexicon")
    >>> res.scores
      response_id  sentiment     label
    0           a     0.8221  positive
    1           b    -0.4767  negative
    >>> res.table[["n", "share_negative", "share_positive", "suppressed"]]
       n  share_negative  share_positive  suppressed
    0  2             NaN             NaN        True
    """
    check_argument("method", ["auto", "lexicon", "learned"], method)
    if int(folds) < 2:
        raise ParameterError(f"The value for `folds` must be at least 2, but {folds!r} was passed.")
    metric = check_metric(data, learn_from, "learn_from")
    frame = comment_rows(data, text)
    y = _scores_of(frame, metric)
    rated = int(np.isfinite(y).sum())
    if method == "auto":
        if metric is None:
            method, reason = "lexicon", ("No score column to learn from, so comments are scored with the VADER "
                                         "lexicon.")
        elif rated >= AUTO_MIN_RATED:
            method, reason = "learned", (f"{rated:,} comments have a {metric.upper()} score (at least "
                                         f"{AUTO_MIN_RATED}), so sentiment is learned from them (out-of-fold).")
        else:
            method, reason = "lexicon", (f"Only {rated:,} comments have a {metric.upper()} score (fewer than "
                                         f"{AUTO_MIN_RATED}), so comments are scored with the VADER lexicon.")
    elif method == "learned":
        if metric is None:
            raise ParameterError("method='learned' needs a score to learn from; pass learn_from= (e.g. 'csat').")
        if rated < 2 * folds:
            raise ParameterError(f"method='learned' needs at least {2 * folds} comments with a {metric} score; "
                                 f"this data has {rated}. Use method='lexicon'.")
        reason = f"Sentiment learned from {rated:,} comments with a {metric.upper()} score (out-of-fold)."
    else:
        reason = "Comments scored with the VADER lexicon."
    texts = frame[text].tolist()
    if method == "lexicon":
        values = _vader(texts) if len(texts) else np.array([], dtype=float)
        neutral = VADER_NEUTRAL
    else:
        lo, hi, _ = scale_of(data, metric)
        pred = _learned(texts, y, folds=int(folds), random_state=random_state)
        values = np.clip(2 * (pred - lo) / (hi - lo) - 1, -1, 1)
        neutral = LEARNED_NEUTRAL
    label = np.where(values > neutral, "positive", np.where(values < -neutral, "negative", "neutral"))
    scores = pd.DataFrame({"response_id": frame["response_id"].astype(str).to_numpy(), "sentiment": values,
                           "label": label})
    frame["_sentiment"] = values
    table = sentiment_table(frame, "_sentiment", as_list(by), freq, weights, neutral, ci, min_n, privacy_min_n)
    ok = np.isfinite(y)
    n = int(ok.sum())
    rho = auc = float("nan")
    if n >= 3 and np.ptp(values[ok]) > 0 and np.ptp(y[ok]) > 0:
        rho = float(stats.spearmanr(values[ok], y[ok])[0])
        low, high = _low_high(data, metric)
        auc = _auc(values[ok], y[ok] <= low, y[ok] >= high)
    validation = pd.DataFrame({"method": [method], "n": [n], "spearman": [rho], "auc": [auc]})
    return SentimentResult(scores, table, validation, method, [reason], metric)


# --------------------------------------------------------------------------- themes


@dataclasses.dataclass
class ThemeResult(Result):
    """Comment themes (see :func:`themes`).

    Attributes
    ----------
    terms : DataFrame
        ``theme, term, weight``.
    assignments : DataFrame
        ``response_id, theme``: one row per comment and theme it is about.
    table : DataFrame
        ``[<by>], [period], theme, n, n_theme, share, ci_low, ci_high, mean_score, low_n, suppressed``.
    kind : dict
        Theme name -> ``"dictionary"``, ``"discovered"`` or ``"other"``.
    k_rule : str
        How the number of discovered themes was chosen.
    warnings : list of str
        Anything to know before reading the shares (e.g. no theme could be discovered).
    examples : DataFrame
        ``theme, response_id, comment, membership``: each discovered theme's
        most typical comments (contact details masked), see :func:`themes`.
    other_share : float
        Percent of comments in "Other" (no discovered theme strongly enough);
        NaN when no theme was discovered.
    removed_terms : DataFrame
        ``term, reason``: words left out of the themes by the document-frequency
        rule (brand names and words every theme shares).
    """

    terms: pd.DataFrame = dataclasses.field(repr=False)
    assignments: pd.DataFrame = dataclasses.field(repr=False)
    table: pd.DataFrame = dataclasses.field(repr=False)
    kind: dict
    k_rule: str
    warnings: list[str] = dataclasses.field(default_factory=list)
    examples: pd.DataFrame = dataclasses.field(default=None, repr=False)
    other_share: float = float("nan")
    removed_terms: pd.DataFrame = dataclasses.field(default=None, repr=False)

    table_title = "Themes"

    def summary(self) -> str:
        """How many themes of each kind, how they were chosen, the most frequent ones, then the warnings."""
        kinds = list(self.kind.values())
        n_comments = self.assignments["response_id"].nunique()
        lines = [f"{len(kinds):,} theme(s) ({kinds.count('dictionary'):,} from the dictionary, "
                 f"{kinds.count('discovered'):,} discovered); {n_comments:,} comment(s) are about at least one."]
        if self.k_rule:
            lines.append(self.k_rule)
        counts = self.assignments["theme"].value_counts()
        if len(counts):
            lines.append("Most frequent: " + "; ".join(f"{t} ({c:,})" for t, c in counts.head(3).items()) + ".")
        return "\n".join(lines + self._warning_lines())

    def sheets(self) -> dict[str, pd.DataFrame]:
        return {self.table_title: self.table, "Terms": self.terms}


def _term_pattern(term: str) -> re.Pattern:
    """Whole-word match, case-insensitive; a trailing ``*`` matches any ending (``deliver*``)."""
    term = str(term).strip()
    stem = term[:-1] if term.endswith("*") else term
    body = r"\s+".join(re.escape(part) for part in stem.split())
    tail = r"\w*" if term.endswith("*") else ""
    return re.compile(rf"(?<!\w){body}{tail}(?!\w)", re.IGNORECASE)


def _stop_words() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(ENGLISH_STOP_WORDS - _NEGATIONS)


def _choose_k(n_comments: int) -> int:
    return int(np.clip(round(math.sqrt(n_comments / 100)), 3, 8))


#: removed from comments before themes are found: URLs, e-mail addresses, @handles, HTML entities (``&amp;``),
#: the ``#`` of hashtags, a retweet's ``RT`` and any token with a digit (flight numbers, times, prices)
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\w+|[@\uff20]\w+|&#?\w+;|#(?=\w)|^\s*rt\b|\S*\d\S*",
                    re.IGNORECASE)
_PUNCT = re.compile(r"[^\w\s']|_")
#: a theme term is made of letters only (two or more)
_TOKEN = r"(?u)\b[^\W\d_][^\W\d_]+\b"
_HANDLE = re.compile(r"(?<![\w@])[@\uff20](\w+)")
#: "Other": the comment's largest theme holds less than this share of its theme weight
MIN_MEMBERSHIP = 0.4
#: a word used in more than this share of comments (or 1.5 / k if larger) is shared by all (a brand name,
#: "flight") and is not a theme term
SHARED_DF = 0.35


def clean_comment(text: Any) -> str:
    """A comment as themes read it: lower case, without URLs, @handles, HTML entities, numbers and punctuation.

    Examples
    --------
    >>> clean_comment("@united flight 1234 delayed 3hrs &amp; no help http://t.co/x1 #fail")
    'flight delayed no help fail'
    """
    return " ".join(_PUNCT.sub(" ", _NOISE.sub(" ", str(text).lower())).split())


def _handle_names(texts: Sequence[str]) -> set[str]:
    """The names behind @handles (``@united`` -> ``united``): brand names, not theme terms, even written plainly."""
    return {m.lower() for t in texts for m in _HANDLE.findall(str(t))}


def themes(
    data: pd.DataFrame,
    *,
    text: str = "comment",
    k: int | None = None,
    dictionary: Mapping[str, Sequence[str]] | None = None,
    discover: bool | None = None,
    by: Sequence[str] | str | None = None,
    freq: str | None = None,
    metric: str | None = None,
    n_terms: int = 8,
    n_examples: int = 3,
    min_membership: float = MIN_MEMBERSHIP,
    ci: float = 0.95,
    min_n: int = 30,
    privacy_min_n: int = 5,
    random_state: int = 0,
) -> ThemeResult:
    """What comments are about: dictionary and discovered themes, with their share by group and period.

    Parameters
    ----------
    data : DataFrame
        The canonical responses table.
    text : str
        Comment column.
    k : int, optional
        Number of discovered themes.  ``None``: round(√(comments / 100)),
        kept within 3..8 (a rule of thumb stated in ``.k_rule``).
    dictionary : dict of str to list of str, optional
        Theme -> terms (``{"delivery": ["late", "delay", "courier"]}``); default
        the schema's ``themes:`` key.  A term matches whole words, ignoring
        case; a trailing ``*`` matches any ending (``deliver*``).  A comment
        belongs to every theme one of whose terms it contains.
    discover : bool, optional
        Whether to discover themes by NMF; default: when there is no
        dictionary, or when ``k`` is given.
    by, freq : optional
        Segment columns and period for ``.table``.
    metric : str, optional
        Score whose mean is reported per theme (default the first mapped metric).
    n_terms : int
        Terms listed per discovered theme.
    n_examples : int
        Typical comments kept per discovered theme (``.examples``).
    min_membership : float
        A comment goes to "Other" when its largest discovered theme holds
        less than this share of its theme weight (or it has no theme term).
    ci, min_n, privacy_min_n :
        Confidence level of the Wilson intervals; ``low_n`` and ``suppressed``
        flags as in :func:`~csat_analysis.summarize`.  A theme's
        ``mean_score`` is also blanked when fewer than ``privacy_min_n`` of
        the group's comments are in it.

    Returns
    -------
    ThemeResult
        ``.terms``: ``theme, term, weight`` (dictionary terms weigh 1;
        discovered terms carry their NMF loading, largest first).
        ``.assignments``: ``response_id, theme, membership``.  A discovered
        theme takes the comments whose largest NMF weight is on it, if that
        weight is at least ``min_membership`` of the comment's total; the
        others are in "Other" (reported in ``.table`` like a theme, and as
        ``.other_share``), not forced into the nearest theme.  Dictionary
        themes have membership 1.
        ``.examples``: per discovered theme, the ``n_examples`` comments of
        highest membership that contain at least one of its listed terms, no
        two the same once handles, links and numbers are removed.
        ``.table``: ``[<by>], [period], theme, n, n_theme, share, ci_low,
        ci_high, mean_score, low_n, suppressed``: ``n`` comments in the
        group, ``n_theme`` of them in the theme, ``share`` in percent with a
        Wilson interval, and the mean ``metric`` of the theme's comments.

    Notes
    -----
    Discovered themes: NMF (``nndsvda`` start, Frobenius loss) of the TF-IDF
    matrix of word 1–2-grams used in at least ``privacy_min_n`` comments and
    in at most half of them, English stop words removed (negations kept).
    Terms are cleaned first (:func:`clean_comment`): URLs, e-mail
    addresses, @handles (and the handles' names written plainly, e.g.
    ``united``), HTML entities and anything with a digit never become terms;
    bigrams of a repeated word are dropped.  Words every theme shares are
    removed by document frequency: a term used in more than 35% of comments
    (or ``1.5 / k`` if larger; a brand name, "flight") is dropped, with
    the bigrams that contain it ("british airways"); so is filler,
    a word in more than 5% of comments that goes with no other word more
    than by chance (largest lift under 2).  ``.removed_terms`` lists both.
    A theme is named after its three heaviest terms.

    Examples
    --------
    >>> frame = pd.DataFrame({"response_id": list("abcdef"), "csat": [1, 2, 5, 4, 5, 1],
    ...                       "comment": ["Delivery was late", "late again", "Helpful staff",
    ...                                   "staff were helpful", "great", "courier lost it"]})
    >>> res = themes(frame, dictionary={"delivery": ["late", "courier"], "staff": ["staff*"]}, privacy_min_n=2)
    >>> res.table[["theme", "n", "n_theme", "share", "mean_score"]]
          theme  n  n_theme  share  mean_score
    0  delivery  6        3   50.0    1.333333
    1     staff  6        2   33.3    4.500000
    """
    metric = check_metric(data, metric, "metric")
    frame = comment_rows(data, text)
    if dictionary is None:
        dictionary = dict(schema_of(data).get("themes") or {})
    dictionary = {str(name): as_list(terms) for name, terms in (dictionary or {}).items()}
    for name, terms in dictionary.items():
        if not terms or not all(isinstance(t, str) and t.strip() for t in terms):
            raise ParameterError(f"Theme {name!r} needs a list of words, e.g. {{{name}: [late, delay]}}; "
                                 f"got {terms!r}.")
    if discover is None:
        discover = not dictionary or k is not None
    texts = frame[text].tolist()
    ids = frame["response_id"].astype(str).to_numpy()
    term_rows, assign, kind = [], [], {}
    for name, terms in dictionary.items():
        kind[name] = "dictionary"
        patterns = [_term_pattern(t) for t in terms]
        term_rows += [{"theme": name, "term": t, "weight": 1.0} for t in terms]
        hit = [i for i, t in enumerate(texts) if any(p.search(t) for p in patterns)]
        assign += [(ids[i], name, 1.0) for i in hit]
    k_rule = ""
    examples = pd.DataFrame(columns=["theme", "response_id", "comment", "membership"])
    removed = pd.DataFrame(columns=["term", "reason"])
    other_share = float("nan")
    if discover and len(texts):
        if k is None:
            k = _choose_k(len(texts))
            k_rule = (f"{k} themes: round(√({len(texts):,} comments / 100)), kept within 3 to 8.")
        else:
            k_rule = f"{int(k)} themes, as requested."
        found = _discover(texts, int(k), n_terms=n_terms, min_df=max(int(privacy_min_n), 1),
                          min_membership=min_membership, random_state=random_state, taken=kind)
        if found is not None:
            names, rows, best, membership, strength, removed = found
            for name in names:
                kind[name] = "discovered"
            term_rows += rows
            kind[OTHER] = "other"
            labels = np.where(best >= 0, np.asarray(names + [OTHER], dtype=object)[best], OTHER)
            assign += list(zip(ids, labels, membership, strict=True))
            other_share = float(100 * np.mean(best < 0)) if len(best) else float("nan")
            examples = _typical_examples(texts, ids, labels, membership, strength,
                                         {n: [r["term"] for r in rows if r["theme"] == n] for n in names},
                                         n_examples=n_examples)
        else:
            k_rule = "No themes discovered: too few words are used in enough comments."
    terms_df = pd.DataFrame(term_rows, columns=["theme", "term", "weight"])
    assignments = pd.DataFrame(assign, columns=["response_id", "theme", "membership"])
    table = theme_table(frame, assignments, list(kind), metric, as_list(by), freq, ci, min_n, privacy_min_n)
    if np.isfinite(other_share):
        k_rule = (k_rule + f" {other_share:.1f}% of comments belong to no theme strongly enough (\u201cOther\u201d: "
                  f"their largest theme holds under {min_membership:.0%} of their theme weight).").strip()
    notes = [k_rule] if k_rule.startswith("No themes discovered") else []
    return ThemeResult(terms_df, assignments, table, kind, k_rule, warnings=notes, examples=examples,
                       other_share=other_share, removed_terms=removed)


#: the theme of comments that belong to no discovered theme strongly enough
OTHER = "Other"


def _nmf(x, k: int, random_state: int):
    from sklearn.decomposition import NMF

    nmf = NMF(n_components=k, init="nndsvda", random_state=random_state, max_iter=400)
    with warnings.catch_warnings():  # tiny or degenerate vocabularies: NMF still returns a factorisation
        warnings.simplefilter("ignore")
        w = nmf.fit_transform(x)
    return w, nmf.components_


def _membership(w: np.ndarray, min_membership: float) -> tuple[np.ndarray, np.ndarray]:
    """Best theme per comment (-1: Other) and the share of the comment's theme weight it holds."""
    total = w.sum(axis=1)
    share = np.divide(w.max(axis=1), total, out=np.zeros(len(total)), where=total > 0)
    best = np.where((total > 0) & (share >= min_membership), w.argmax(axis=1), -1)
    return best, share


def _discover(texts: list[str], k: int, *, n_terms: int, min_df: int, min_membership: float, random_state: int,
              taken: Mapping[str, str]):
    """NMF themes of cleaned comments (see :func:`themes`, Notes); None when too few terms."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    stop = sorted(set(_stop_words()) | _handle_names(texts))
    try:
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, stop_words=stop, sublinear_tf=True,
                              preprocessor=clean_comment, token_pattern=_TOKEN)
        x = vec.fit_transform(texts).tocsr()
    except ValueError:  # no term is used often enough
        return None
    vocab = vec.get_feature_names_out()
    used = (x > 0).astype(float).tocsr()
    df = np.asarray(used.mean(axis=0)).ravel()
    unigram = np.array([" " not in v for v in vocab], dtype=bool)
    # words all comments share (brand names, "flight"), then filler that goes with no other word
    cutoff = max(SHARED_DF, 1.5 / max(k, 1))
    shared = np.flatnonzero(unigram & (df > cutoff))
    filler = np.setdiff1d(_unrelated_words(used, df, unigram, min_df), shared)
    removed_rows = ([{"term": vocab[t], "reason": f"used in {100 * df[t]:.0f}% of comments"} for t in shared]
                    + [{"term": vocab[t], "reason": f"used in {100 * df[t]:.0f}% of comments, with no other word "
                        "more than by chance"} for t in filler])
    gone = set(vocab[shared]) | set(vocab[filler])
    keep = np.array([len(set(v.split())) == len(v.split())  # no "flight flight"
                     and not set(v.split()) & gone  # nor "british airways", "acme invoice"
                     and df[i] <= cutoff for i, v in enumerate(vocab)], dtype=bool)
    if keep.sum() < max(k, 1) or k < 1:
        return None
    x, vocab = normalize(x[:, keep]), vocab[keep]
    w, h = _nmf(x, k, random_state)
    best, membership = _membership(w, min_membership)
    names, rows = [], []
    for j in range(k):
        top = np.argsort(-h[j])[:n_terms]
        name = " / ".join(vocab[top[:3]])
        while name in taken or name in names or name == OTHER:
            name += "'"
        names.append(name)
        rows += [{"theme": name, "term": vocab[t], "weight": float(h[j, t])} for t in top
                 if h[j, t] > 0.01 * h[j, top[0]]]
    strength = w.max(axis=1)
    return names, rows, best, membership, strength, pd.DataFrame(removed_rows, columns=["term", "reason"])


#: a frequent word whose strongest association with another word is below this lift is filler ("just", "guys")
FILLER_LIFT = 2.0
#: words used in more than this share of comments, and at least FILLER_MIN_COUNT times, are checked for filler
FILLER_DF = 0.05
FILLER_MIN_COUNT = 100


def _unrelated_words(used, df: np.ndarray, unigram: np.ndarray, min_df: int) -> np.ndarray:
    """Frequent words (> FILLER_DF of comments, >= FILLER_MIN_COUNT) used with no other word more than by chance.

    For each pair of words seen together in at least ``max(min_df, 20)`` comments, the lift
    ``P(a and b) / (P(a) P(b))``; a frequent word whose largest lift is under :data:`FILLER_LIFT` (under
    ``1 / (2 df)`` for a word in more than a quarter of the comments, which cannot reach a lift above
    ``1 / df``) carries no theme.
    """
    n = used.shape[0]
    words = np.flatnonzero(unigram & (df > 0.01))
    freq = np.flatnonzero(unigram & (df > FILLER_DF) & (df * n >= FILLER_MIN_COUNT))  # enough uses to judge
    if not len(freq) or len(words) < 2:
        return np.array([], dtype=int)
    u = used[:, words]
    co = (u[:, np.searchsorted(words, freq)].T @ u).toarray()  # freq x words co-occurrence counts
    expected = np.outer(df[freq], df[words]) * n
    lift = np.where(co >= max(min_df, 20), co / np.maximum(expected, 1e-12), 0.0)
    lift[np.arange(len(freq)), np.searchsorted(words, freq)] = 0.0  # not with itself
    return freq[lift.max(axis=1) < np.minimum(FILLER_LIFT, 1 / (2 * df[freq]))]


def _typical_examples(texts: list[str], ids: np.ndarray, labels: np.ndarray, membership: np.ndarray,
                      strength: np.ndarray, terms: Mapping[str, list[str]], *, n_examples: int) -> pd.DataFrame:
    """Each theme's highest-membership comments that contain one of its terms, without duplicates.

    Ties in membership (comments wholly in the theme) go to the comment with the larger theme weight
    (more of the theme's terms), not to the first rows of the file.
    """
    rows = []
    for name, words in terms.items():
        pattern = re.compile("|".join(_term_pattern(t).pattern for t in words), re.IGNORECASE) if words else None
        idx = np.flatnonzero(labels == name)
        idx = idx[np.lexsort((-strength[idx], -np.round(membership[idx], 6)))]
        seen: set[str] = set()
        for i in idx:
            clean = clean_comment(texts[i])
            if pattern is None or not pattern.search(clean) or clean in seen:
                continue
            seen.add(clean)
            rows.append({"theme": name, "response_id": ids[i], "comment": mask_comment(texts[i]),
                         "membership": float(membership[i])})
            if len(seen) >= n_examples:
                break
    return pd.DataFrame(rows, columns=["theme", "response_id", "comment", "membership"])


def theme_table(frame: pd.DataFrame, assignments: pd.DataFrame, names: list[str], metric: str | None,
                 by: list[str], freq: str | None, ci: float, min_n: int, privacy_min_n: int) -> pd.DataFrame:
    keys, key_names = _group_frame(frame, by, freq)
    y = _scores_of(frame, metric)
    ids = pd.Index(frame["response_id"].astype(str))
    themes_of = assignments.assign(response_id=assignments["response_id"].astype(str))
    # hashed membership (np.isin on text arrays sorts object arrays: minutes at 100k comments)
    member = {name: ids.isin(themes_of.loc[themes_of["theme"] == name, "response_id"]) for name in names}
    if key_names:
        valid = keys.notna().all(axis=1).to_numpy()
        groups = keys[valid].groupby(key_names, sort=True, observed=True).indices
        groups = {g if isinstance(g, tuple) else (g,): np.flatnonzero(valid)[v] for g, v in groups.items()}
    else:
        groups = {(): np.arange(len(frame))}
    rows = []
    for key, idx in groups.items():
        for name in names:
            inside = idx[member[name][idx]]
            ys = y[inside]
            ys = ys[np.isfinite(ys)]
            rows.append(dict(zip(key_names, key, strict=False)) | {
                "theme": name, "n": len(idx), "n_theme": len(inside),
                "share": 100 * len(inside) / len(idx) if len(idx) else np.nan,
                "mean_score": float(ys.mean()) if len(ys) and len(inside) >= privacy_min_n else np.nan,
            })
    cols = key_names + ["theme", "n", "n_theme", "share", "ci_low", "ci_high", "mean_score", "low_n", "suppressed"]
    table = pd.DataFrame(rows, columns=[c for c in cols if c not in ("ci_low", "ci_high", "low_n", "suppressed")])
    low, high = wilson_interval(table["share"].to_numpy(dtype=float) / 100, table["n"].to_numpy(dtype=float), ci)
    table["ci_low"], table["ci_high"] = 100 * np.asarray(low), 100 * np.asarray(high)
    table["share"] = table["share"].astype(float).round(1)
    table["low_n"] = table["n"] < min_n
    table["suppressed"] = (table["n"] < privacy_min_n) | complementary_suppression(
        table, privacy_min_n=privacy_min_n, siblings=crossed_siblings(key_names, fixed=["theme"])) \
        if key_names else table["n"] < privacy_min_n
    for col in ("share", "ci_low", "ci_high", "mean_score"):
        table[col] = table[col].astype(float).mask(table["suppressed"])
    table["n_theme"] = table["n_theme"].astype("Int64").mask(table["suppressed"])
    return table[cols]


# --------------------------------------------------------------------------- distinctive terms


def distinctive_terms(
    data: pd.DataFrame,
    *,
    text: str = "comment",
    outcome: str | None = None,
    low: float | None = None,
    high: float | None = None,
    ngram_range: tuple[int, int] = (1, 2),
    min_comments: int = 5,
    top: int | None = None,
) -> pd.DataFrame:
    """Words and phrases that separate dissatisfied from satisfied customers.

    Parameters
    ----------
    data : DataFrame
        The canonical responses table.
    text : str
        Comment column.
    outcome : str, optional
        Score that defines the two groups (default the first mapped metric).
    low, high : number, optional
        Scores up to ``low`` are dissatisfied, from ``high`` satisfied.
        Defaults: NPS detractors (0–6) vs promoters (9–10); otherwise scores
        below the scale's midpoint vs the top box (CSAT 1–2 vs 4–5 on 1–5).
    ngram_range : (int, int)
        Word n-grams counted (English stop words removed, negations kept).
    min_comments : int
        Terms used in fewer comments are not listed (privacy: a rare word can
        identify its writer; keep it at least the privacy threshold).
    top : int, optional
        Keep the ``top`` terms at each end of the ranking.

    Returns
    -------
    DataFrame
        ``term, n_low, n_high, log_odds, se, z, favours``: counts of the term
        among dissatisfied and satisfied customers' comments, the log-odds
        ratio (dissatisfied vs satisfied) with an informative Dirichlet prior,
        its standard error and z-score, and ``"low"`` or ``"high"``.  Sorted by
        z, most typical of dissatisfied customers first.

    Notes
    -----
    Monroe, Colaresi & Quinn (2008, *Political Analysis* 16:372), eq. 16–22:
    with counts :math:`y_w^i` of term w in group i (total :math:`n^i`) and a
    prior :math:`\\alpha_w` equal to the term's count over all comments
    (:math:`\\alpha_0 = \\sum_w \\alpha_w`),
    :math:`\\delta_w = \\log\\frac{y_w^l + \\alpha_w}{n^l + \\alpha_0 - y_w^l - \\alpha_w}
    - \\log\\frac{y_w^h + \\alpha_w}{n^h + \\alpha_0 - y_w^h - \\alpha_w}`,
    :math:`\\sigma^2 \\approx 1/(y_w^l + \\alpha_w) + 1/(y_w^h + \\alpha_w)`, z = δ/σ.

    Examples
    --------
    >>> frame = pd.DataFrame({"nps": [0, 2, 3, 9, 10, 10] * 5,
    ...                       "comment": ["rude staff", "rude agent", "slow and rude", "friendly staff",
    ...                                   "friendly and fast", "fast"] * 5})
    >>> distinctive_terms(frame, ngram_range=(1, 1))[["term", "n_low", "n_high", "favours"]]
           term  n_low  n_high favours
    0      rude     15       0     low
    1     agent      5       0     low
    2      slow      5       0     low
    3     staff      5       5    high
    4      fast      0      10    high
    5  friendly      0      10    high
    """
    from sklearn.feature_extraction.text import CountVectorizer

    outcome = check_metric(data, outcome, "outcome")
    if outcome is None:
        raise ParameterError("distinctive_terms needs a score to split customers by; pass outcome= (e.g. 'nps').")
    low, high = _low_high(data, outcome, low, high)
    frame = comment_rows(data, text)
    y = _scores_of(frame, outcome)
    columns = ["term", "n_low", "n_high", "log_odds", "se", "z", "favours"]
    try:
        vec = CountVectorizer(ngram_range=tuple(ngram_range), stop_words=_stop_words(),
                              min_df=max(int(min_comments), 1))
        counts = vec.fit_transform(frame[text].tolist()).tocsr()
    except ValueError:  # empty vocabulary
        return pd.DataFrame(columns=columns)
    is_low, is_high = y <= low, y >= high
    y_all = np.asarray(counts.sum(axis=0)).ravel().astype(float)
    y_l = np.asarray(counts[is_low].sum(axis=0)).ravel().astype(float)
    y_h = np.asarray(counts[is_high].sum(axis=0)).ravel().astype(float)
    a, a0 = y_all, y_all.sum()
    n_l, n_h = y_l.sum(), y_h.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        delta = (np.log((y_l + a) / (n_l + a0 - y_l - a)) - np.log((y_h + a) / (n_h + a0 - y_h - a)))
        se = np.sqrt(1 / (y_l + a) + 1 / (y_h + a))
    out = pd.DataFrame({"term": vec.get_feature_names_out(), "n_low": y_l.astype("int64"),
                        "n_high": y_h.astype("int64"), "log_odds": delta, "se": se, "z": delta / se})
    out = out[(out["n_low"] + out["n_high"]) > 0]
    out["favours"] = np.where(out["z"] > 0, "low", "high")
    out = out.sort_values(["z", "term"], ascending=[False, True], ignore_index=True)
    if top is not None:
        out = pd.concat([out.head(top), out.tail(top)]).drop_duplicates("term").reset_index(drop=True)
    return out[columns]
