"""Run a report notebook's code cells in this process (no kernel) and check every figure it draws.

For layout tests: the figures are the package's, drawn with the Agg backend;
each is checked when the notebook shows or closes it, and at the end of each cell.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def outside_text(fig) -> list[str]:
    """Texts (titles, labels, ticks, annotations) drawn outside the figure: what a tight bbox would add."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    tight = fig.get_tightbbox(renderer)
    w, h = fig.get_size_inches()
    if tight.x0 >= -0.05 and tight.y0 >= -0.05 and tight.x1 <= w + 0.05 and tight.y1 <= h + 0.05:
        return []
    box = fig.bbox
    out = []
    for artist in fig.findobj(matplotlib.text.Text):
        if not artist.get_visible() or not artist.get_text().strip() or not artist.get_in_layout():
            continue
        ext = artist.get_window_extent(renderer)
        if ext.x0 < box.x0 - 2 or ext.x1 > box.x1 + 2 or ext.y0 < box.y0 - 2 or ext.y1 > box.y1 + 2:
            out.append(f"{artist.get_text()[:60]!r} at x {ext.x0:.0f}..{ext.x1:.0f}, y {ext.y0:.0f}..{ext.y1:.0f} "
                       f"(figure {box.x1:.0f} x {box.y1:.0f})")
    out.append(f"tight bbox {tight.x0:.2f},{tight.y0:.2f}..{tight.x1:.2f},{tight.y1:.2f} in a {w:.2f} x {h:.2f} "
                   "figure")
    return out


def run_notebook(name: str, **parameters: Any) -> dict[str, Any]:
    """Execute notebook ``name`` with ``parameters``; return ``{"figures": [...], "problems": [...]}``."""
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    problems: list[str] = []
    checked: list[int] = []
    sizes: list[tuple[float, float]] = []
    real_close = plt.close

    def check(fig, where: str) -> None:
        if id(fig) in checked:
            return
        checked.append(id(fig))
        sizes.append(tuple(fig.get_size_inches()))
        problems.extend(f"{name} {where}: {p}" for p in outside_text(fig))

    def close(fig=None):
        if isinstance(fig, matplotlib.figure.Figure):
            check(fig, "closed figure")
        return real_close(fig) if fig is not None else real_close()

    import IPython.display as ipd

    real_display = ipd.display

    def display(*objs, **kw):
        for obj in objs:
            if isinstance(obj, matplotlib.figure.Figure):
                check(obj, "shown figure")

    ns: dict[str, Any] = {}
    plt.close = close
    ipd.display = display
    try:
        for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
            source = "".join(cell["source"])
            exec(compile(source, f"<{name} cell {i + 1}>", "exec"), ns)
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                ns.update(parameters)
            for num in plt.get_fignums():
                fig = plt.figure(num)
                check(fig, f"cell {i + 1}")
                real_close(fig)
    finally:
        plt.close = real_close
        ipd.display = real_display
        real_close("all")
    return {"figures": sizes, "problems": problems}
