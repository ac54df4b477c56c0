"""Themes vs annotators' complaint reasons (issue 29 §2): plain NMF (the old themes) vs the new themes.

The airline-sentiment tweets (14,640 tweets with annotators' reasons) are not in the repo; the corpus is
``csat_analysis.datasets.make_tweets``: airline @handles on every tweet, t.co links, flight numbers and
times, shared filler, ten complaint reasons with their own (partly overlapping) vocabulary, neutral and
positive tweets (reason "none"), retweets.  On it a plain NMF scores like it does on the real tweets
(AMI 0.15-0.18).  AMI is sklearn's adjusted_mutual_info_score of the theme (one per tweet; "Other" is a
label like any theme) against the reason, over all tweets and over the complaints only.
Goal: AMI >= 0.20 for the new themes.
Run: .venv/bin/python benchmarks/bench_themes.py [n_tweets] [seed ...]
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_mutual_info_score

from csat_analysis import comments as cm
from csat_analysis.datasets import make_tweets


def old_themes(texts: list[str], k: int) -> tuple[np.ndarray, list[str]]:
    """The themes before issue 29: NMF of TF-IDF 1-2-grams, raw tokens, every comment to its largest theme."""
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=5, max_df=0.5, stop_words=cm._stop_words(), sublinear_tf=True)
    x = vec.fit_transform(texts)
    nmf = NMF(n_components=k, init="nndsvda", random_state=0, max_iter=400)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = nmf.fit_transform(x)
    vocab = vec.get_feature_names_out()
    names = [" / ".join(vocab[np.argsort(-h)[:3]]) for h in nmf.components_]
    return np.where(w.max(axis=1) > 0, w.argmax(axis=1), -1), names


def main(n: int, seeds: list[int]) -> None:
    for seed in seeds:
        tweets = make_tweets(n, seed=seed)
        texts, y = tweets["comment"].tolist(), tweets["reason"].to_numpy()
        neg = y != "none"
        k = cm._choose_k(len(texts))
        t0 = time.perf_counter()
        old, old_names = old_themes(texts, k)
        t_old = time.perf_counter() - t0
        t0 = time.perf_counter()
        res = cm.themes(tweets)
        t_new = time.perf_counter() - t0
        new = tweets[["response_id"]].merge(res.assignments, on="response_id", how="left")["theme"].to_numpy()
        print(f"seed {seed}: {n:,} tweets, k = {k}")
        for label, got, dt in (("old: plain NMF", old, t_old), ("new: themes()", new, t_new)):
            a_all = adjusted_mutual_info_score(y, got)
            a_neg = adjusted_mutual_info_score(y[neg], got[neg])
            print(f"  {label:16s} AMI {a_all:.3f} (complaints only {a_neg:.3f})  {dt:5.1f} s")
        print(f"  Other: {res.other_share:.1f}% of tweets; removed as shared: "
              f"{', '.join(res.removed_terms['term']) or 'none'}")
        print("  old theme names:", "; ".join(old_names))
        print("  new theme names:", "; ".join(n for n, kind in res.kind.items() if kind == "discovered"))
        ex = res.examples.groupby("theme", sort=False).head(1)
        for _, row in ex.iterrows():
            print(f"    e.g. {row['theme']}: {row['comment'][:90]}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0] if args else 14_640, args[1:] or [29])
