"""What a rendered report leaves behind: standalone offline HTML (:func:`to_html`), the workbook of its
tables (:func:`report_tables`, :func:`write_report_workbook`) and the batch's ``index.html``
(:func:`write_index`).

HTML rules (SPEC.md): no request to another host (the template drops
require.js, MathJax and mermaid and adds a Content-Security-Policy), no input
cells, no injected-parameters cell, figures embedded as PNG, every
user-supplied string escaped, no PII column, small groups suppressed.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import html
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .. import config
from .._utils import shorten
from ..display import TABLE_MIME, esc
from .notebook import HEADER_MIME, HEADLINE_MIME

__all__ = ["ReportResult", "report_tables", "write_report_workbook", "to_html", "write_index"]


@dataclasses.dataclass
class ReportResult:
    """Outcome of one rendered report."""

    name: str
    notebook: str
    ipynb: Path
    html: Path | None
    ok: bool
    seconds: float
    error: str | None = None
    failed_cell: int | None = None  # 1-based position in the executed notebook
    sections: str | None = None  # "health: 1 of 5 sections; needs columns.customer_id, outcomes"
    headline: dict[str, Any] = dataclasses.field(default_factory=dict)
    label: str = ""
    note: str | None = None  # e.g. why the report shows nothing (selection below the privacy threshold)
    xlsx: Path | None = None  # the report's workbook (``--xlsx``)


def report_tables(nb) -> tuple[dict[str, Any], list[tuple[str, pd.DataFrame]]]:
    """The header facts and every table an executed report notebook shows, in order, as (title, frame).

    Tables are read from the data :func:`table_html` (and
    :attr:`~csat_analysis.crosstab.Crosstab.styled`) put next to their HTML,
    so the workbook holds the numbers the HTML shows.  A table is named
    by its caption when that is short (31 characters, Excel's limit), else
    after the heading above it; ``frame.attrs["caption"]`` keeps the caption.
    """
    about: dict[str, Any] = {}
    tables: list[tuple[str, pd.DataFrame]] = []
    heading = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = re.findall(r"^#{1,4}\s+(.+?)\s*#*\s*$", cell.source, flags=re.M)
            heading = found[-1].strip() if found else heading
            continue
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if HEADER_MIME in data and not about:
                about = dict(data[HEADER_MIME])
            html_text = data.get("text/html", "")
            if isinstance(html_text, list):
                html_text = "".join(html_text)
            found = re.findall(r"<h[234][^>]*>(.*?)</h[234]>", html_text, flags=re.S)
            if TABLE_MIME in data:
                payload = data[TABLE_MIME]
                frame = pd.DataFrame(payload.get("rows") or [], columns=payload.get("columns") or [])
                frame.attrs["number_formats"] = dict(payload.get("number_formats") or {})
                caption = payload.get("title")
                frame.attrs["caption"] = caption
                above = html.unescape(re.sub(r"<[^>]+>", "", found[-1])).strip() if found else heading
                title = (caption if caption and len(caption) <= 31 else above or caption) or f"Table {len(tables) + 1}"
                tables.append((str(title), frame))
            if found:
                heading = html.unescape(re.sub(r"<[^>]+>", "", found[-1])).strip()
    return about, tables


def write_report_workbook(nb, path: str | Path) -> Path | None:
    """Write the report's workbook: an About sheet (the header's facts) and one sheet per table shown.

    Returns the path, or None when the report shows no table.
    """
    from ..export import write_workbook

    about, tables = report_tables(nb)
    if not tables and not about:
        return None
    about = dict(about)
    about.setdefault("Report", str(nb.metadata.get("csat_title", "")))
    about["Tables"] = "; ".join(f"{t} ({f.attrs['caption']})" if f.attrs.get("caption") not in (None, t) else t
                                for t, f in tables) or "none"
    return write_workbook({t: f for t, f in tables} if len({t for t, _ in tables}) == len(tables)
                          else _numbered(tables), path, about=about)


def _numbered(tables: list[tuple[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    out: dict[str, pd.DataFrame] = {}
    for title, frame in tables:
        key, k = title, 2
        while key in out:
            key, k = f"{title} ({k})", k + 1
        out[key] = frame
    return out


_EXPORTER = None
_EXPORTER_LOCK = threading.Lock()


def _warm_exporter() -> None:
    try:
        _html_exporter()
    except Exception:  # pragma: no cover - to_html raises it again, where it is reported
        pass


def _html_exporter():
    """The HTML exporter of every report, built once per process (nbconvert import, template compilation).

    Built in a background thread while the first report executes (see :func:`run_report`); a lock makes
    :func:`to_html` wait for that build instead of starting a second one.
    """
    global _EXPORTER
    if _EXPORTER is not None:
        return _EXPORTER
    with _EXPORTER_LOCK:
        if _EXPORTER is not None:
            return _EXPORTER
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        class _ReportExporter(HTMLExporter):
            def _validate_preprocessor(self, nbc, preprocessor):
                # nbconvert re-validates the notebook after each of its ~13 preprocessors, and nbformat
                # recompiles its relaxed JSON schema every time (~0.1 s each); the preprocessors only remove
                # cells and outputs or coalesce streams, so the executed notebook is not validated again.
                pass

        exporter = _ReportExporter(template_name="csat", extra_template_basedirs=[str(config.TEMPLATE_DIR)])
        exporter.exclude_input = True
        exporter.exclude_input_prompt = True
        exporter.exclude_output_prompt = True
        remover = TagRemovePreprocessor(
            remove_cell_tags={"injected-parameters", "parameters", "remove", "papermill-error-cell-tag"}, enabled=True)
        exporter.register_preprocessor(remover, enabled=True)
        import nbformat

        exporter.from_notebook_node(nbformat.v4.new_notebook(), resources={"metadata": {"name": "warm-up"}})
        _EXPORTER = exporter  # templates compiled by the warm-up export
    return _EXPORTER


def to_html(nb, path: Path) -> Path:
    """Write an executed notebook as standalone offline HTML (no code, no injected parameters)."""
    exporter = _html_exporter()
    nb = _strip_noise(nb)
    title = nb.metadata.get("csat_title") or path.stem
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    path.write_text(body, encoding="utf-8")
    return path


def _strip_noise(nb):
    """Drop stderr streams and hidden outputs; errors keep only their message (no traceback, paths or source)."""
    import copy

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            if HEADLINE_MIME in out.get("data", {}):
                continue
            for mime in (TABLE_MIME, HEADER_MIME):  # the HTML shows the same; the workbook reads these
                out.get("data", {}).pop(mime, None)
            if out.get("output_type") == "error":
                out["traceback"] = [f"{out.get('ename')}: {shorten(str(out.get('evalue')), 500)}"]
            kept.append(out)
        cell["outputs"] = kept
    from ..sections import drop_empty_sections, name_downloads

    return drop_empty_sections(name_downloads(nb))


#: where each report's result record is kept in an output folder (the index is rebuilt from all of them)
RECORDS_DIR = ".csat-reports"
_LOCK_FILE = ".csat-index.lock"
_RECORD_MAX_BYTES = 1 << 20


class _IndexLock:
    """An exclusive ``fcntl.flock`` on a lock file in the output folder, held while the index is merged and
    written (where there is no ``fcntl``, batches into one folder are not serialised)."""

    def __init__(self, out: Path) -> None:
        self.out, self.fd = out, None

    def __enter__(self):
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return self
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        self.fd = os.open(self.out / _LOCK_FILE, flags, 0o666)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            import fcntl

            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)


def _record(r: ReportResult, out: Path) -> dict[str, Any]:
    return {"name": r.name, "notebook": r.notebook, "ipynb": Path(r.ipynb).name if r.ipynb else None,
            "html": Path(r.html).name if r.html else None, "ok": bool(r.ok), "seconds": float(r.seconds or 0.0),
            "error": r.error, "failed_cell": r.failed_cell, "headline": {str(k): str(v) for k, v in r.headline.items()},
            "label": r.label, "note": r.note, "xlsx": Path(r.xlsx).name if r.xlsx else None}


def _from_record(d: dict[str, Any], out: Path) -> ReportResult | None:
    try:
        def file(key):
            name = d.get(key)
            return out / Path(str(name)).name if name else None  # a bare file name in this folder, nothing else

        return ReportResult(name=str(d["name"]), notebook=str(d["notebook"]), ipynb=file("ipynb"), html=file("html"),
                            ok=bool(d["ok"]), seconds=float(d.get("seconds") or 0.0), error=d.get("error"),
                            failed_cell=d.get("failed_cell"), headline=dict(d.get("headline") or {}),
                            label=str(d.get("label") or ""), note=d.get("note"), xlsx=file("xlsx"))
    except (KeyError, TypeError, ValueError):
        return None


def _merge_records(results: Sequence[ReportResult], out: Path) -> list[ReportResult]:
    """Save this run's results as records in ``out``, then return every report recorded there: this run's
    first (in its order), then earlier runs' (by notebook and label).  Called under :class:`_IndexLock`."""
    import json

    folder = out / RECORDS_DIR
    folder.mkdir(exist_ok=True)
    for r in results:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".record.", suffix=".partial")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(_record(r, out), fh, ensure_ascii=False)
        os.replace(tmp, folder / f"{r.name}.json")
    mine = {r.name for r in results}
    others = []
    for path in sorted(folder.glob("*.json")):
        if path.stem in mine or path.is_symlink() or path.stat().st_size > _RECORD_MAX_BYTES:
            continue
        try:
            rec = _from_record(json.loads(path.read_text(encoding="utf-8")), out)
        except (OSError, ValueError):
            continue
        if rec is not None and (not rec.ok or (rec.html is not None and rec.html.is_file())):
            others.append(rec)
    others.sort(key=lambda r: (r.notebook, r.label or r.name))
    return list(results) + others


def write_index(results: Sequence[ReportResult], out: str | Path, *, title: str = "Reports") -> Path:
    """Write ``index.html``: one row per report with its headline numbers, failures marked.

    Every report written into ``out`` leaves a small record there
    (:data:`RECORDS_DIR`); the index lists all of them, so two batches into
    one folder (one after the other, or at the same time: the merge holds an
    ``fcntl`` lock on a file in the folder) lose none of each other's reports.
    """
    out = Path(out)
    with _IndexLock(out):
        return _write_index(_merge_records(results, out), out, title=title)


def _write_index(results: Sequence[ReportResult], out: Path, *, title: str) -> Path:
    # one notebook (a batch): a column per headline number; several notebooks: a list per report
    same = len({r.notebook for r in results}) == 1
    keys: list[str] = []
    for r in results:
        keys += [k for k in r.headline if k not in keys]
    columns = keys if same else ["Key numbers"]
    head = "".join(f"<th>{esc(k)}</th>" for k in ["Report", *columns, "Status"])
    rows = []
    for r in results:
        link = (f'<a href="{esc(r.html.name)}">{esc(r.label or r.name)}</a>' if r.html
                else esc(r.label or r.name))
        if same:
            cells = [link] + [esc(r.headline.get(k, "")) for k in keys]
        else:
            items = "".join(f"<li><strong>{esc(k)}</strong>: {esc(v)}</li>" for k, v in r.headline.items())
            cells = [link, f'<ul class="keys">{items}</ul>']
        if r.ok:
            status = "ok" if not r.note else f"ok — {esc(r.note)}"
            if getattr(r, "sections", None):
                status += f'<br><span class="sections">{esc(r.sections)}</span>'  # "health: 1 of 5 sections; ..."
        else:
            where = f"cell {r.failed_cell}: " if r.failed_cell else ""
            status = f'<span class="failed">failed — {esc(where)}{esc(r.error)}</span>'
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + f"<td>{status}</td></tr>")
    failed = sum(not r.ok for r in results)
    doc = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2rem auto;
       color: #222; }}
h1 {{ color: #1d3f60; }} table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.4rem 0.6rem; text-align: left; }}
th {{ background: #f3f7fb; }} .failed {{ color: #b00020; font-weight: 600; }}
td {{ vertical-align: top; }} ul.keys {{ margin: 0; padding-left: 1.1rem; }}
.sections {{ color: #555; font-size: 0.85rem; }}
@media print {{ body {{ margin: 0; max-width: none; }} a {{ color: inherit; }} }}
</style></head><body>
<h1>{esc(title)}</h1>
<p>{len(results)} report(s), {failed} failed. Generated {_dt.datetime.now():%d %b %Y %H:%M}.</p>
<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>
</body></html>
"""
    path = out / "index.html"
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".index.", suffix=".partial.html")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(doc)
    from ..export import user_mode

    user_mode(tmp)  # 0644 under umask 022 (mkstemp makes 0600)
    os.replace(tmp, path)  # never half-written, never through a symlink
    return path

