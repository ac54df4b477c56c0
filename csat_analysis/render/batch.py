"""Many reports: one per value of a column (:func:`run_batch`) or every notebook on the sample data
(:func:`run_demo`), in worker processes that each keep one kernel, then ``index.html``."""

from __future__ import annotations

import glob
import os
import signal
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .. import config
from .._utils import nearest, shorten
from ..exceptions import ParameterError, ReportError
from ..params import check_parameters, plain_parameters, resolve_notebook
from .notebook import _warehouse_location, is_warehouse
from .output import ReportResult, write_index
from .run import _data_for_check, _out_dir, _segment_values, check_against_data, report_name, run_report

__all__ = ["run_batch", "SAME_FAILURE_STOP", "run_demo"]

# --------------------------------------------------------------------------- batch

_WORKER_KM = None


def _worker_init() -> None:
    """Start one kernel per worker process, in the notebooks folder, and keep it for every report."""
    global _WORKER_KM
    from multiprocessing.util import Finalize

    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=config.KERNEL_NAME)
    km.start_kernel(cwd=str(config.NOTEBOOK_DIR))
    _WORKER_KM = km
    # worker processes skip atexit; multiprocessing finalizers do run when the pool shuts down
    Finalize(km, km.shutdown_kernel, kwargs={"now": True}, exitpriority=10)
    # Ctrl-C is the parent's to handle: it terminates the pool (SIGTERM), and a terminated worker
    # exits quietly through its finalizers (kernel shut down, temporary files removed).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _quiet_exit)


def _quiet_exit(signum, frame) -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)  # no tracebacks from half-finished kernel messages on the user's terminal
    raise SystemExit(128 + signum)


def _reset_kernel(km) -> None:
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        kc.execute_interactive("%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt",
                               timeout=60, output_hook=lambda msg: None)
    finally:
        kc.stop_channels()


def _worker_run(job: dict[str, Any]) -> ReportResult:
    km = _WORKER_KM
    try:
        result = run_report(job["notebook"], parameters=job["parameters"], out=job["out"], name=job["name"], km=km,
                            check_data=False, xlsx=bool(job.get("xlsx")))
    except Exception as exc:  # report it in the index instead of losing the batch
        result = ReportResult(name=job["name"], notebook=str(job["notebook"]),
                              ipynb=Path(job["out"]) / f"{job['name']}.ipynb", html=None, ok=False, seconds=0.0,
                              error=f"{type(exc).__name__}: {shorten(str(exc), 500)}",
                              label=str(job["parameters"].get("segment", job["name"])))
    if km is not None and km.is_alive():
        _reset_kernel(km)
    return result


def run_batch(
    notebook: str | Path,
    *,
    data: str | Path,
    by: str,
    schema: str | Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    progress: bool = True,
    xlsx: bool = False,
) -> list[ReportResult]:
    """Render one report per value of ``by`` in parallel worker processes, then ``index.html``.

    A report that fails is recorded (failing cell and error) and the others
    go on; check ``all(r.ok for r in results)``.  File names come from
    :func:`report_name` (unique per value).  The index is written last, also
    when the batch is interrupted (Ctrl-C): reports that did not finish are
    marked, and their earlier files, if any, are left as they were.
    """
    path = resolve_notebook(notebook)
    given = plain_parameters(parameters or {})
    frame = _data_for_check(data, schema, given)  # a database table is not loaded: its values come from a query
    if by not in frame.columns:
        raise ParameterError(
            f"--by {shorten(by)!r} is not a column of the loaded data; columns are {list(map(str, frame.columns))}."
            f"{nearest(by, map(str, frame.columns))}"
        )
    values = _segment_values(frame, by)
    base = {"data_path": _warehouse_location(data) if is_warehouse(data) else str(Path(data).resolve()),
            "schema_path": str(Path(schema).resolve()) if schema else None, "segment_column": by}
    base.update(given)
    check_parameters(path, {**base, "segment": None})
    check_against_data(path, frame, {**base, "segment": None})
    out_dir = _out_dir(out)
    jobs = [{"notebook": str(path), "parameters": {**base, "segment": v}, "out": str(out_dir),
             "name": report_name(path.stem, v), "xlsx": xlsx} for v in values]
    return _run_and_index(jobs, workers, f"{path.stem} by {by}", progress, out_dir,
                          title=f"{path.stem} reports by {by}", order=lambda r: r.name)


class _SameFailure(Exception):
    """The first reports of a batch all failed with one error: running the rest would only repeat it."""


#: a batch stops when this many reports (or all, if fewer) failed the same way and none succeeded
SAME_FAILURE_STOP = 3


def _failure_key(r: ReportResult) -> str:
    return f"{r.failed_cell}:{(r.error or '').replace(r.label, '…')}" if r.label else f"{r.failed_cell}:{r.error}"


def _run_and_index(jobs: list[dict[str, Any]], workers: int | None, desc: str, progress: bool, out_dir: Path, *,
                   title: str, order) -> list[ReportResult]:
    """Run the jobs, then write the index, also after an interrupt (unfinished reports marked).

    When the first :data:`SAME_FAILURE_STOP` reports all fail with the same
    error (e.g. a parameter every report trips on), the batch stops early with
    that one error (:class:`ReportError`) instead of repeating it for every value.
    """
    results: list[ReportResult] = []
    try:
        _run_jobs(jobs, workers, desc, progress, results)
    except (KeyboardInterrupt, _SameFailure) as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        why = ("not finished: interrupted (an earlier file of this report, if any, was left as it was)" if interrupted
               else "not run: the first reports all failed the same way")
        done = {r.name for r in results}
        results += [ReportResult(name=j["name"], notebook=Path(j["notebook"]).stem,
                                 ipynb=out_dir / f"{j['name']}.ipynb", html=None, ok=False, seconds=0.0, error=why,
                                 label=str(j["parameters"].get("segment") or j["name"]))
                    for j in jobs if j["name"] not in done]
        write_index(sorted(results, key=order), out_dir,
                    title=f"{title} ({'interrupted' if interrupted else 'stopped: every report failed'})")
        for job in jobs:  # temporary files of reports stopped half-way
            for tmp in out_dir.glob(f".{glob.escape(job['name'][:40])}.*.partial.*"):
                tmp.unlink(missing_ok=True)
        if interrupted:
            raise
        first = next(r for r in results if not r.ok)
        where = f" (cell {first.failed_cell})" if first.failed_cell else ""
        raise ReportError(f"The batch stopped: its first {len(done)} reports all failed the same way{where}: "
                          f"{shorten(first.error, 300)}") from None
    results.sort(key=order)
    write_index(results, out_dir, title=title)
    return results


#: imported once by the fork server, so that every worker forked from it starts with them (as fork workers did)
_SERVER_PRELOAD = [__name__, "csat_analysis.render.run", "csat_analysis.render.output", "papermill", "nbclient",
                   "nbconvert", "jupyter_client.manager", "pandas"]


def _run_jobs(jobs: list[dict[str, Any]], workers: int | None, desc: str, progress: bool,
              results: list[ReportResult]) -> list[ReportResult]:
    """Execute report jobs in worker processes (one reused kernel each), with a progress bar.

    Results are appended to ``results`` as they arrive, so that a caller
    still has the finished ones after an interrupt.
    """
    import multiprocessing

    from tqdm.auto import tqdm

    workers = max(1, min(workers or min(2, os.cpu_count() or 1), len(jobs)))
    # Workers come from a fork server, not from this process: a fork copies this process's threads' locks as they
    # are (tqdm's monitor, the HTML exporter warming up, jupyter_core's event-loop thread), and a worker that
    # needs one of them would wait forever.  The server imports this module once; each worker is forked from it.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_SERVER_PRELOAD)
    pool = context.Pool(workers, initializer=_worker_init)
    bar = tqdm(total=len(jobs), desc=desc, unit="report", disable=not progress)
    try:
        stop_after = min(SAME_FAILURE_STOP, len(jobs))
        for result in pool.imap_unordered(_worker_run, jobs):
            results.append(result)
            bar.update(1)
            if (len(jobs) > stop_after and len(results) == stop_after and not any(r.ok for r in results)
                    and len({_failure_key(r) for r in results}) == 1):
                raise _SameFailure
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        bar.close()
    return results


def run_demo(out: str | Path | None = None, *, notebooks: Sequence[str] | None = None, workers: int | None = None,
             progress: bool = True, xlsx: bool = False) -> list[ReportResult]:
    """Render every report notebook on the bundled sample data, plus ``index.html`` (``make report``)."""
    out_dir = _out_dir(out)
    names = [n for n in (notebooks or config.REPORT_NOTEBOOKS) if (config.NOTEBOOK_DIR / f"{n}.ipynb").is_file()]
    params = {"data_path": str(config.SAMPLE_DATA), "schema_path": str(config.SAMPLE_SCHEMA_FILE)}
    jobs = [{"notebook": str(resolve_notebook(n)), "parameters": params, "out": str(out_dir), "name": n,
             "xlsx": xlsx} for n in names]
    position = {n: i for i, n in enumerate(names)}
    return _run_and_index(jobs, workers, "reports", progress, out_dir,
                          title="csat_analysis reports on the sample data", order=lambda r: position[r.name])

