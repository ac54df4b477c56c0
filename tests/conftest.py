"""Shared fixtures: Agg backend, closed figures, a seeded rng, small canonical response tables."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

REFERENCE = Path(__file__).parent / "reference"
REALDATA = Path(os.environ.get("CSAT_REALDATA", Path(__file__).resolve().parents[1].parent / "shared" / "realdata"))


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


class _SharedKernel:
    """One report kernel per test process, started on first use (see :func:`report_kernel`).

    It is a :class:`csat_analysis.kernel.ReportKernel` (asynchronous clients, as ``run_report`` uses):
    a synchronous ``KernelManager`` would leave jupyter_core's helper thread behind, and the worker
    processes ``run_batch`` forks would then wait for it forever.
    """

    def __init__(self):
        self.kernel = None

    def get(self):
        if self.kernel is None or not self.kernel.is_alive():
            from csat_analysis import config
            from csat_analysis.kernel import ReportKernel

            self.kernel = ReportKernel(config.NOTEBOOK_DIR)
        return self.kernel

    def reset(self):
        """Forget the last report's names and figures, as a batch worker does between reports."""
        if self.kernel is None or not self.kernel.is_alive():
            return
        from csat_analysis.render.batch import _reset_kernel

        self.kernel.close_clients()
        _reset_kernel(self.kernel.km)

    def stop(self):
        if self.kernel is not None:
            self.kernel.shutdown(now=True)
            self.kernel = None


@pytest.fixture(scope="session")
def report_kernel():
    """One report kernel per test process, reused by every report the tests render.

    ``csat-report batch`` workers do the same (one kernel per worker, namespace reset between reports:
    ``render.batch._reset_kernel``); the own-kernel path of ``run_report`` is tested in test_render_fast.py.
    """
    shared = _SharedKernel()
    yield shared
    shared.stop()


@pytest.fixture(autouse=True)
def _reuse_report_kernel(request, monkeypatch):
    """``rep.run_report`` without a ``km`` renders in the shared :func:`report_kernel` (saves a kernel start and
    the heavy imports per report); ``rep.run_batch`` and ``rep.run_demo`` stop it first (their workers have kernels
    of their own).  Tests
    about starting and stopping kernels (test_render_fast.py, marker ``own_kernel``) keep the real behaviour."""
    if request.module.__name__.endswith("test_render_fast") or request.node.get_closest_marker("own_kernel"):
        yield
        return
    import csat_analysis.render as render

    run_report, run_batch, run_demo = render.run_report, render.run_batch, render.run_demo
    shared = request.getfixturevalue("report_kernel")

    def shared_run_report(notebook, *, km=None, **kwargs):
        if km is not None:
            return run_report(notebook, km=km, **kwargs)
        try:
            return run_report(notebook, km=shared.get(), **kwargs)
        finally:
            shared.reset()

    def stopped(run):
        def run_without_shared_kernel(*args, **kwargs):
            shared.stop()
            return run(*args, **kwargs)
        return run_without_shared_kernel

    monkeypatch.setattr(render, "run_report", shared_run_report)
    monkeypatch.setattr(render, "run_batch", stopped(run_batch))
    monkeypatch.setattr(render, "run_demo", stopped(run_demo))
    yield


@pytest.fixture
def rng():
    return np.random.default_rng(20261122)


@pytest.fixture
def responses(rng):
    """A canonical responses table: 400 rows, two segments, 12 months, weights."""
    n = 400
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 366, n), unit="D")
    frame = pd.DataFrame({
        "response_id": [f"r{i}" for i in range(n)],
        "date": dates,
        "csat": pd.array(rng.choice([1, 2, 3, 4, 5], n, p=[0.05, 0.1, 0.2, 0.4, 0.25]), dtype="Int64"),
        "nps": pd.array(rng.integers(0, 11, n), dtype="Int64"),
        "ces": pd.array(rng.integers(1, 8, n), dtype="Int64"),
        "region": pd.Categorical(rng.choice(["North", "South"], n)),
        "weight": rng.uniform(0.5, 2.0, n),
    })
    return frame.sort_values("date", ignore_index=True)


@pytest.fixture
def responses_missing(responses, rng):
    """The same table with missing scores (NPS 20%, CES 40%)."""
    frame = responses.copy()
    frame.loc[rng.random(len(frame)) < 0.2, "nps"] = pd.NA
    frame.loc[rng.random(len(frame)) < 0.4, "ces"] = pd.NA
    return frame


def realdata(name: str) -> Path:
    """Folder of one shared real export; skips the test when it is absent."""
    path = REALDATA / name
    if not path.is_dir():
        pytest.skip(f"real data {name} not available at {path}")
    return path

# scripts that produced reference values: run by hand, never imported by pytest
collect_ignore = ["reference"]


def visible_text(html: str) -> str:
    """What a reader of a rendered report sees: tags, styles and scripts removed, whitespace collapsed."""
    import re

    html = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def run_cli(capsys, *args):
    """Run ``csat-report ARGS`` in-process; return (exit status, stdout, stderr)."""
    from csat_analysis.cli import main

    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err
