"""Helpers shared by the benchmark scripts: timing, peak memory, cached synthetic inputs."""

from __future__ import annotations

import gc
import resource
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
OUT.mkdir(exist_ok=True)


def best_of(fn, repeat: int = 3) -> float:
    """Best wall time of ``repeat`` runs (seconds)."""
    return best_of_each(fn, repeat=repeat)[0]


def best_of_each(*fns, repeat: int = 5) -> list[float]:
    """Best wall time of each function, their runs interleaved so machine drift hits all alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            gc.collect()
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
