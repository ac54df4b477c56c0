"""Run one report notebook: papermill in the ``csat-analysis`` kernel, then HTML (and workbook) written
under temporary names and moved into place (:func:`run_report`)."""

from __future__ import annotations

import contextvars
import hashlib
import os
import re
import tempfile
import threading
import time
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .. import config
from .._utils import nearest, shorten
from ..backends import WarehouseTable
from ..display import esc
from ..exceptions import DataError, ParameterError, ReportError
from ..params import check_parameters, notebook_parameters, plain_parameters, resolve_notebook
from . import output
from .notebook import _RESOLVED, HEADLINE_MIME, SelectionTooSmall, _warehouse_location, is_warehouse, load, resolve
from .output import ReportResult, _warm_exporter, to_html, write_report_workbook

__all__ = ["report_name", "check_against_data", "run_report"]

# --------------------------------------------------------------------------- running notebooks


def _find_headline(nb) -> dict[str, Any]:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if HEADLINE_MIME in data:
                return dict(data[HEADLINE_MIME])
    return {}


def _first_error(nb) -> tuple[int | None, str | None]:
    """1-based position of the first cell with an error output in the executed notebook, and the error."""
    for i, cell in enumerate(nb.cells, start=1):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error":
                return i, f"{out.get('ename')}: {out.get('evalue')}"
    return None, None


def _check_name(name: str) -> str:
    """A report file name is one plain path component (no folders, no leading dot), at most 100 bytes."""
    import unicodedata

    if (not name or name in (".", "..") or name.startswith(".") or "/" in name or "\\" in name or "\0" in name
            or len(name.encode()) > 100):
        raise ParameterError(f"--name {shorten(name)!r} must be a plain file name of at most 100 bytes, "
                             "without folders or a leading dot (e.g. 'overview-north').")
    odd = [ch for ch in name if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")]
    if odd:  # a newline, a tab, U+202E (which shows "lmth.exe" for "exe.html") ...
        raise ParameterError(f"--name must not hold control or text-direction characters (it holds "
                             f"{', '.join(f'U+{ord(ch):04X}' for ch in dict.fromkeys(odd))}); use letters, digits, "
                             "'-' and '_' (e.g. 'overview-north').")
    return name


def report_name(prefix: str, value: Any) -> str:
    """A unique, stable, readable file name for the report on one value (at most 100 bytes).

    The readable part keeps Latin letters (accents dropped) and digits; a
    short hash of the exact value keeps "North"/"north", "A/B"/"A B" and
    non-Latin values such as "東京" and "大阪" apart.

    Examples
    --------
    >>> report_name("overview", "Île-de-France")
    'overview-ile-de-france-...'
    >>> report_name("overview", "東京") != report_name("overview", "大阪")
    True
    """
    text = str(value)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    latin = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    readable = re.sub(r"[^0-9a-z]+", "-", latin.casefold()).strip("-")[: 100 - len(prefix) - 10].strip("-")
    return "-".join(p for p in (prefix, readable, digest) if p)


def _out_dir(out: str | Path | None) -> Path:
    """The output folder, created if needed; an unusable one is a one-sentence error."""
    out_dir = Path(out or config.REPORT_DIR)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=out_dir, prefix=".csat-write-test-")
        probe.close()
    except OSError as exc:
        raise ParameterError(f"Cannot write reports to {str(out_dir)!r} ({exc.strerror or exc}); "
                             "choose a writable folder with --out.") from None
    return out_dir


def _too_small(nb) -> str | None:
    """Turn a :class:`SelectionTooSmall` stop into the report's only content; return its message."""
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.get("output_type") == "error" and out.get("ename") == SelectionTooSmall.__name__:
                message = str(out.get("evalue", ""))
                title = nb.metadata.get("csat_title", "")
                html_text = f'<h1>{esc(title)}</h1><div class="csat-note">{esc(message)}</div>'
                import nbformat

                cell["outputs"] = [nbformat.v4.new_output("display_data",
                                                          data={"text/html": html_text, "text/plain": message})]
                before = [c for c in nb.cells[:i] if c.cell_type == "code"]
                for c in before:  # e.g. load warnings: nothing computed before the stop is shown
                    c["outputs"] = []
                nb.cells = [*before, cell]
                return message
    return None


def _segment_values(data, column: str) -> list[str]:
    """The values of a segment column, as text (for a database table, one ``SELECT DISTINCT``)."""
    if isinstance(data, WarehouseTable):
        return list(data.levels(column))
    return sorted(data[column].dropna().astype(str).unique())


def _data_for_check(data: Any, schema: Any, params: Mapping[str, Any]):
    """What :func:`check_against_data` checks parameters against: the loaded rows of a file, or a database
    table's columns (nothing is loaded)."""
    frame, _ = load(data, schema, params.get("table") if is_warehouse(data) else None)
    return frame


def check_against_data(notebook: str | Path, data: pd.DataFrame, parameters: Mapping[str, Any]) -> None:
    """Check, before any kernel starts, that parameters naming columns exist in the loaded ``data``.

    Resolves the notebook's defaults and ``parameters`` with :func:`resolve`
    and checks that a ``segment`` value occurs in its column; raises
    :class:`ParameterError` (exit status 2) with one sentence otherwise.
    """
    path = resolve_notebook(notebook)
    merged = {**notebook_parameters(path), **parameters}
    p = resolve(data, **{k: v for k, v in merged.items() if k in _RESOLVED})
    segment = merged.get("segment")
    if segment is not None:
        column = p.segment_column
        if column is None or column not in data.columns:
            raise ParameterError("-p segment needs a segment column: list one under columns.segments in the schema "
                                 "or pass -p segment_column COLUMN.")
        values = _segment_values(data, column)
        if str(segment) not in values:
            raise ParameterError(f"Segment {shorten(segment)!r} does not occur in column {column!r}; values are "
                                 f"{shorten(values, 300)}.{nearest(str(segment), values)}")


def run_report(
    notebook: str | Path,
    *,
    data: str | Path | None = None,
    schema: str | Path | None = None,
    parameters: Mapping[str, Any] | None = None,
    out: str | Path | None = None,
    name: str | None = None,
    km=None,
    check_data: bool = True,
    xlsx: bool = False,
) -> ReportResult:
    """Execute one report notebook with papermill and write ``<name>.ipynb`` and ``<name>.html``.

    Parameters are merged in this order (later wins): the notebook's
    defaults, ``data``/``schema``, then ``parameters``.  Unknown parameter
    names, values that are not plain scalars (:func:`plain_parameters`),
    missing data files and unusable output folders are rejected before any
    kernel starts.  Both files are written under temporary names and moved
    into place when complete, so an interrupted run never leaves a partial
    report where a complete one was.  A selection below the privacy
    threshold (:class:`SelectionTooSmall`) yields a report that says only that.
    With ``check_data`` (the default) and a ``data`` file, the data is loaded
    first so that parameters naming columns that are not in it are errors
    before any kernel starts (:func:`check_against_data`).
    With ``xlsx``, ``<name>.xlsx`` is written too (:func:`write_report_workbook`):
    an About sheet and one sheet per table the HTML shows.
    Without ``km`` the kernel is started as soon as the arguments are checked,
    and imports the modules the notebook uses while the data is checked
    (:class:`~csat_analysis.kernel.ReportKernel`); a given ``km`` (a
    ``KernelManager`` or a ``ReportKernel``) is used and left running.
    """
    path = resolve_notebook(notebook)
    params: dict[str, Any] = {}
    if data is not None and is_warehouse(data):  # a database table: nothing to check on disk but a .db file
        params["data_path"] = _warehouse_location(data)
        params["schema_path"] = str(Path(schema).resolve()) if schema else None
    elif data is not None:
        data = Path(data)
        if not data.is_file():
            raise DataError(f"Data file {str(data)!r} does not exist; check the path given to --data.")
        params["data_path"] = str(data.resolve())
        params["schema_path"] = str(Path(schema).resolve()) if schema else None
    elif schema is not None:
        params["schema_path"] = str(Path(schema).resolve())
    params.update(plain_parameters(parameters or {}))
    defaults = check_parameters(path, params)
    name = _check_name(name or path.stem)
    out_dir = _out_dir(out)
    own = early = None
    if km is None:  # start the kernel now: it imports what the notebook needs while this process checks the data
        from ..kernel import ReportKernel, preload_modules

        try:
            own = early = ReportKernel(path.parent, preload_modules(path))
        except Exception as exc:  # no such kernel, ...
            raise ReportError(f"Report {name!r} could not be executed: {type(exc).__name__}: "
                              f"{shorten(str(exc), 300)}") from None
        km = own.km
    elif hasattr(km, "wait_preloaded"):  # a ReportKernel started by the caller, who shuts it down
        early, km = km, km.km
    import sys

    progress = _PROGRESS.set(own is not None and sys.stderr.isatty())  # `run` on a terminal: cells done, elapsed
    try:
        return _execute_report(path, params, defaults, name, out_dir, km, own, early,
                               data=data if check_data else None, schema=schema, xlsx=xlsx)
    finally:
        _PROGRESS.reset(progress)
        if own is not None:
            own.shutdown(now=True)  # a no-op after a graceful shutdown; kills the kernel after an error


def _execute_report(path: Path, params: dict[str, Any], defaults: Mapping[str, Any], name: str, out_dir: Path, km,
                    own, early, *, data, schema, xlsx: bool) -> ReportResult:
    """The part of :func:`run_report` after its cheap checks.

    ``own`` is the :class:`~csat_analysis.kernel.ReportKernel` it started (and shuts down), if any;
    ``early`` the one whose preload to wait for before executing (``own`` or a batch worker's).
    """
    if data is not None:
        check_against_data(path, _data_for_check(data, schema, params), params)
    import papermill  # after every check: a bad argument costs no papermill import
    from papermill.exceptions import PapermillExecutionError

    warm = None
    if output._EXPORTER is None:  # nbconvert and its compiled templates get ready while the kernel works
        warm = threading.Thread(target=_warm_exporter, name="csat-html-exporter", daemon=True)
        warm.start()
    try:
        if early is not None:
            early.wait_preloaded()
        return _run_papermill(papermill, PapermillExecutionError, path, params, defaults, name, out_dir, km, own,
                              early, xlsx=xlsx)
    finally:
        if warm is not None:
            warm.join(timeout=30)  # never leave the build half-done (a later fork would copy its locks)


#: show papermill's progress bar (cells done / total, elapsed): on for `run` on a terminal
_PROGRESS: contextvars.ContextVar[bool] = contextvars.ContextVar("csat_progress", default=False)


def _sections(nb, name: str) -> str | None:
    from ..sections import coverage

    try:
        return str(coverage(nb, name))
    except Exception:  # never fail a report over its summary line
        return None


def _run_papermill(papermill, PapermillExecutionError, path: Path, params: dict[str, Any],
                   defaults: Mapping[str, Any], name: str, out_dir: Path, km, own, early, *,
                   xlsx: bool) -> ReportResult:
    ipynb, html_path = out_dir / f"{name}.ipynb", out_dir / f"{name}.html"
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name[:40]}.", suffix=".partial.ipynb")
    os.close(fd)
    tmp_ipynb, tmp_html = Path(tmp), Path(tmp).with_suffix(".html")
    tmp_xlsx, xlsx_path = Path(tmp).with_suffix(".xlsx"), (out_dir / f"{name}.xlsx" if xlsx else None)
    t0 = time.perf_counter()
    try:
        try:
            # the notebook is written once, at the end (or on error), not twice per cell
            nb = papermill.execute_notebook(
                str(path), str(tmp_ipynb), parameters=params, kernel_name=config.KERNEL_NAME,
                cwd=str(path.parent), progress_bar=_PROGRESS.get(), log_output=False, km=km,
                request_save_on_cell_execute=False,
            )
        except PapermillExecutionError:
            import nbformat

            nb = nbformat.read(str(tmp_ipynb), as_version=4)
        except Exception as exc:  # kernel failed to start, notebook unreadable, ...
            raise ReportError(f"Report {name!r} could not be executed: {type(exc).__name__}: {shorten(str(exc), 300)}"
                              ) from None
        finally:
            if early is not None:
                early.close_clients()  # papermill leaves its client open on a kernel it did not start
        if own is not None:
            own.request_shutdown()  # the kernel exits while the HTML is written
        nb.metadata["csat_title"] = str(params.get("title") or defaults.get("title") or name)
        shown = _too_small(nb)
        cell, error = _first_error(nb)
        if error is not None and error.startswith("KeyboardInterrupt"):
            raise KeyboardInterrupt  # the kernel was interrupted: keep any earlier complete report
        if shown is not None:
            import nbformat

            nbformat.write(nb, str(tmp_ipynb))  # nothing about the tiny group stays in the notebook either
        to_html(nb, tmp_html)
        if xlsx_path is not None:
            if shown is not None:
                from ..export import write_workbook

                write_workbook({}, tmp_xlsx, about={"Report": nb.metadata["csat_title"], "Note": shown})
            elif write_report_workbook(nb, tmp_xlsx) is None:
                from ..export import write_workbook

                write_workbook({}, tmp_xlsx, about={"Report": nb.metadata["csat_title"], "Tables": "none"})
        from ..export import user_mode

        for done in (tmp_ipynb, tmp_html, *([tmp_xlsx] if xlsx_path is not None else [])):
            user_mode(done)  # 0644 under umask 022, as any file the user writes (mkstemp makes 0600)
        os.replace(tmp_ipynb, ipynb)  # a symlink at the final name is replaced, never followed
        os.replace(tmp_html, html_path)
        if xlsx_path is not None:
            os.replace(tmp_xlsx, xlsx_path)
    finally:
        tmp_ipynb.unlink(missing_ok=True)
        tmp_html.unlink(missing_ok=True)
        tmp_xlsx.unlink(missing_ok=True)
    if own is not None:
        own.shutdown()
    return ReportResult(name=name, notebook=path.stem, ipynb=ipynb, html=html_path, ok=error is None,
                        seconds=time.perf_counter() - t0, error=error, failed_cell=cell,
                        headline=_find_headline(nb), note=shown, xlsx=xlsx_path, sections=_sections(nb, name),
                        label=(str(params["segment"]) if params.get("segment") is not None
                               else nb.metadata["csat_title"]))

