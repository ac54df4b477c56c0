"""What an executed report shows: its sections, the ones the data could not support, and empty headings.

Read from the executed notebook's outputs (the HTML that :func:`csat_analysis.render.section`
displays: an ``<h2>`` heading, then either the explanation or a ``csat-note`` saying why the
data cannot support the section), so ``run``, ``batch``, ``demo`` and the index can say
"health: 1 of 5 sections; needs columns.customer_id, outcomes" (issue 28 §3), and a section
with nothing under it loses its heading.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["NEED_KEYS", "Coverage", "sections", "coverage", "drop_empty_sections", "unsupported_reports",
           "name_downloads"]

#: the schema key that a section's need (``rep.section(..., needs=[...])``) asks for
NEED_KEYS = {
    "dates": "columns.date", "breakdown": "columns.segments", "facet_by": "columns.segments",
    "segments": "columns.segments", "campaign": "campaigns", "drivers": "columns.ratings",
    "items": "columns.ratings", "metrics": "metrics", "comment": "columns.comment", "population": "population",
    "customer_id": "columns.customer_id", "outcome": "outcomes", "benchmarks": "benchmarks",
    "multi": "columns.multi",
}
_HEADING = re.compile(r"^\s*<h2[^>]*>(.*?)</h2>", re.S)
_NOTE = re.compile(r'<div class="csat-note"(?:\s+data-needs="([^"]*)")?>(.*?)</div>', re.S)
_KEY_IN_TEXT = re.compile(r"\b(columns\.[a-z_]+|campaigns|outcomes|population|targets|metrics|benchmarks)\b")


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _visible(output: Mapping[str, Any]) -> bool:
    """Does a cell output show anything in the HTML (a figure, a table, text)?"""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return False
    data = output.get("data", {})
    if "image/png" in data or "image/svg+xml" in data:
        return True
    page = _text(data.get("text/html", ""))
    if page.strip():
        return bool(re.sub(r"<[^>]+>", "", page).strip()) or "<img" in page
    return False


@dataclasses.dataclass
class Section:
    """One report section: its heading, whether it is shown, and why not (the note and the schema key)."""

    heading: str
    shown: bool
    note: str | None = None
    needs: str | None = None
    cell: int = -1
    output: int = -1
    empty: bool = False


def sections(nb: Mapping[str, Any]) -> list[Section]:
    """The sections of an executed report notebook, in order (see the module docstring)."""
    found: list[Section] = []
    for ci, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        for oi, out in enumerate(cell.get("outputs", [])):
            page = _text(out.get("data", {}).get("text/html", "")) if isinstance(out, Mapping) else ""
            m = _HEADING.match(page)
            if m and out.get("output_type") in ("display_data", "execute_result"):
                heading = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()
                note = _NOTE.search(page)
                if note:
                    why = html.unescape(re.sub(r"<[^>]+>", "", note.group(2))).strip()
                    key = note.group(1) or (_KEY_IN_TEXT.search(why).group(1) if _KEY_IN_TEXT.search(why) else None)
                    found.append(Section(heading, False, why, key, ci, oi))
                else:
                    found.append(Section(heading, True, cell=ci, output=oi, empty=True))
                continue
            if found and found[-1].shown and found[-1].empty and _visible(out):
                found[-1].empty = False
    for s in found:  # a section with nothing under it is not shown (its heading is dropped)
        if s.empty:
            s.shown = False
    return found


@dataclasses.dataclass
class Coverage:
    """How many of a report's sections were rendered, and which schema keys the others need."""

    name: str
    shown: int
    total: int
    needs: list[str]
    empty: list[str] = dataclasses.field(default_factory=list)

    def __str__(self) -> str:
        if self.total == 0:
            return f"{self.name}: no sections"
        if self.shown == self.total:
            return f"{self.name}: all {self.total} sections"
        text = f"{self.name}: {self.shown} of {self.total} sections"
        if self.needs:
            text += "; needs " + ", ".join(self.needs)
        return text


def coverage(nb: Mapping[str, Any], name: str) -> Coverage:
    """``health: 1 of 5 sections; needs columns.customer_id, outcomes`` for an executed notebook.

    Examples
    --------
    >>> page = lambda h: {"output_type": "display_data", "data": {"text/html": h}}
    >>> nb = {"cells": [
    ...     {"cell_type": "code", "outputs": [page("<h2>Scores</h2><p>...</p>")]},
    ...     {"cell_type": "code", "outputs": [page("<table><tr><td>62%</td></tr></table>")]},
    ...     {"cell_type": "code", "outputs": [page('<h2>Risk</h2><div class="csat-note">The schema maps no customer '
    ...                                              'id; map one under columns.customer_id in the schema.</div>')]},
    ...     {"cell_type": "code", "outputs": [page("<h2>Empty</h2><p>Nothing follows.</p>")]}]}
    >>> str(coverage(nb, "health"))
    'health: 1 of 3 sections; needs columns.customer_id'
    """
    found = sections(nb)
    needs: list[str] = []
    for s in found:
        if not s.shown and s.needs and s.needs not in needs:
            needs.append(s.needs)
    return Coverage(name, sum(s.shown for s in found), len(found), needs, [s.heading for s in found if s.empty])


def drop_empty_sections(nb):
    """Remove the heading of every section with nothing under it (in place); return ``nb``."""
    for s in reversed([s for s in sections(nb) if s.empty]):
        del nb["cells"][s.cell]["outputs"][s.output]
    return nb


def unsupported_reports(schema: Mapping[str, Any], columns: Sequence[str],
                        notebooks: Sequence[str]) -> dict[str, str | None]:
    """For ``csat-report run all``: each report, and why the data cannot support it (None: it can).

    Judged from the schema and the data's columns before any kernel starts:
    drivers need attribute ratings, campaign effects a campaign, comments a
    comment column, health customer ids and an outcome, trends dates,
    correlations two rated items.

    Examples
    --------
    >>> schema = {"metrics": {"csat": {"column": "Sat"}}, "columns": {"date": "When"}}
    >>> unsupported_reports(schema, ["Sat", "When"], ["overview", "trends", "drivers"])["drivers"]
    'needs columns.ratings (attribute ratings to rank as drivers)'
    """
    schema = dict(schema or {})
    cols = dict(schema.get("columns") or {})
    metrics = dict(schema.get("metrics") or {})
    rated = [m for m, spec in metrics.items() if isinstance(spec, Mapping) and spec.get("column", m) in columns
             or m in columns]
    ratings = [c for c in cols.get("ratings") or [] if c in columns]

    def present(key: str) -> bool:
        spec = cols.get(key)
        name = spec.get("column") if isinstance(spec, Mapping) else spec
        return bool(name) and (name in columns or key in columns)

    why = {
        "overview": None if rated else "needs metrics (no score column of the schema is in the data)",
        "trends": None if present("date") or "date" in columns else "needs columns.date (no usable dates)",
        "correlations": None if len(rated) + len(ratings) >= 2 else "needs two rated items (metrics or "
                                                                      "columns.ratings)",
        "campaign_effects": None if schema.get("campaigns") else "needs campaigns (no campaign in the schema)",
        "drivers": None if ratings else "needs columns.ratings (attribute ratings to rank as drivers)",
        "comments": None if present("comment") or "comment" in columns else "needs columns.comment (no comment "
                                                                              "column)",
        "health": None if present("customer_id") or "customer_id" in columns else "needs columns.customer_id "
                                                                                     "(no customers to score)",
    }
    return {n: why.get(n) for n in notebooks}


_DOWNLOAD = re.compile(r'(<a download=")([^"]*)(")')


def name_downloads(nb):
    """Give every CSV link of a report a name from its table's caption (or section), unique in the report.

    A table without a caption (``table.csv``) is named after the section it is
    in; a second link of the same name gets ``-2``, ``-3``.  Changes ``nb`` in
    place and returns it.

    Examples
    --------
    >>> out = lambda h: {"output_type": "display_data", "data": {"text/html": h}}
    >>> nb = {"cells": [{"cell_type": "code", "outputs": [out("<h2>By segment</h2>"), out('<a download="table.csv" '
    ...       'href="x">'), out('<a download="table.csv" href="y">'), out('<a download="by-region.csv" href="z">')]}]}
    >>> outputs = name_downloads(nb)["cells"][0]["outputs"][1:]
    >>> [re.findall(r'download="([^"]*)"', o["data"]["text/html"])[0] for o in outputs]
    ['by-segment.csv', 'by-segment-2.csv', 'by-region.csv']
    """
    from ._utils import slug

    seen: set[str] = set()
    heading = None
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            found = re.findall(r"^#{1,4}\s+(.+?)\s*#*\s*$", _text(cell.get("source", "")), flags=re.M)
            heading = found[-1] if found else heading
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {}) if isinstance(out, Mapping) else {}
            if "text/html" not in data:
                continue
            page = _text(data["text/html"])
            m = _HEADING.match(page)
            if m:
                heading = html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()

            def rename(match, heading=heading):
                name = html.unescape(match.group(2))
                stem = name[:-4] if name.endswith(".csv") else name
                if stem in ("table", "") and heading:
                    stem = slug(heading, "-")[:60] or "table"
                candidate, k = stem, 2
                while candidate in seen:
                    candidate, k = f"{stem}-{k}", k + 1
                seen.add(candidate)
                return match.group(1) + html.escape(candidate + ".csv", quote=True) + match.group(3)

            new = _DOWNLOAD.sub(rename, page)
            if new != page:
                data["text/html"] = new
    return nb
