"""Comment analysis on 100,000 comments (issue 14): sentiment (lexicon and learned) and themes.

Comments come from the sample generator's planted-theme model (csat_analysis.datasets.make_sample,
~35% of respondents comment, so 290,000 respondents give ~100,000 comments).  For each step: wall time,
comments/second, and peak memory (each step runs in a fresh process: its peak RSS, the RSS with the data
loaded before the step, and the largest pool worker's), beside a baseline: a plain vaderSentiment loop on
one core.  The comments are cached in benchmarks/out/comments_100k.parquet.
Goals: >= 5,000 comments/s for lexicon scoring using all cores; learned <= 30 s for 100k.
Run: .venv/bin/python benchmarks/bench_comments.py [--only baseline lexicon learned dictionary nmf]
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

import pandas as pd
from _common import OUT

N = 100_000
CACHE = OUT / "comments_100k.parquet"


def load() -> pd.DataFrame:
    if not CACHE.exists():
        from csat_analysis.datasets import make_sample

        raw = make_sample(290_000, seed=7)
        raw = raw[raw["comment"] != ""].head(N)
        assert len(raw) == N
        pd.DataFrame({"response_id": raw["response_id"], "csat": raw["satisfaction"], "region": raw["region"],
                      "comment": raw["comment"]}).to_parquet(CACHE, index=False)
    return pd.read_parquet(CACHE)


def run_step(step: str) -> None:
    """One step in this (fresh) process: wall time, comments/s, and peak RSS of this process and of its
    largest child (the lexicon pool's workers)."""
    from csat_analysis import comments as cm

    frame = load()
    texts = frame["comment"].tolist()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def baseline():
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()
        return [analyzer.polarity_scores(t)["compound"] for t in texts]

    steps = {
        "baseline": ("baseline: vaderSentiment loop, one core", baseline),
        "lexicon": (f"sentiment lexicon ({os.cpu_count()} processes)", lambda: cm.sentiment(frame, method="lexicon")),
        "learned": ("sentiment learned (5-fold out-of-fold)",
                    lambda: cm.sentiment(frame, method="learned", learn_from="csat")),
        "dictionary": ("themes: dictionary (4 themes)", lambda: cm.themes(frame, dictionary={
            "delivery": ["delivery", "courier", "parcel"], "staff": ["staff", "agent"],
            "billing": ["bill*", "refund"], "app": ["app", "login"]})),
        "nmf": ("themes: discovered (NMF, k by rule)", lambda: cm.themes(frame)),
    }
    label, fn = steps[step]
    t0 = time.perf_counter()
    fn()
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{label:42s} {dt:7.2f} s {N / dt:8,.0f} comments/s  peak RSS {rss:6.0f} MB (data loaded: {base:4.0f} MB)"
          + (f", largest worker {child:4.0f} MB" if child else ""), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "prepare":
        frame = load()
        print(f"{N:,} comments, mean length {frame['comment'].str.len().mean():.0f} characters, "
              f"os.cpu_count() = {os.cpu_count()}", flush=True)
    elif len(sys.argv) > 1 and sys.argv[1] != "--only":
        run_step(sys.argv[1])
    else:  # every step in its own process (a process's peak RSS survives into the processes it starts)
        # ``--only baseline lexicon`` runs some steps
        every = ["baseline", "lexicon", "learned", "dictionary", "nmf"]
        chosen = sys.argv[2:] if sys.argv[1:2] == ["--only"] else every
        for step in ["prepare", *chosen]:
            subprocess.run([sys.executable, __file__, step], check=True)
