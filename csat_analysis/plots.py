"""Plots drawn from the tidy tables of the analysis modules.

Each function takes a table (or the responses), draws into the ``ax`` it is
given (or a new one) and returns the Axes; multi-panel figures return the
Figure.  Statistics are never computed here beyond simple counts.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._utils import check_argument, require_columns
from .deprecation import renamed_parameters
from .exceptions import ParameterError
from .labels import display_label
from .metrics import METRICS, metric_label, period_codes, period_order, scale_of
from .narrative import ci_text, fmt_change
from .registry import SCORES

if TYPE_CHECKING:  # the health module (scikit-learn, scipy) loads only for health plots
    from .health import HealthResult

__all__ = [
    "plot_balance",
    "plot_distribution",
    "plot_scores",
    "plot_segment_heatmap",
    "plot_trend",
    "plot_trend_facets",
    "plot_calendar",
    "plot_correlation_heatmap",
    "plot_score_scatter",
    "plot_forest",
    "plot_event_study",
    "plot_its",
    "plot_importance_performance",
    "plot_driver_heatmap",
    "PALETTE",
    "set_style",
    "row_layout",
    "Rendered",
    "fit_figure",
    "wrap_label",
]

#: Colours used throughout: detractor / passive / promoter, and the main series.
PALETTE = {"detractor": "#c8553d", "passive": "#b8b8b8", "promoter": "#2e8b57", "main": "#2b5c8a",
           "flag": "#c8553d", "target": "#d99a00"}


def _plain_text(fn):
    """Draw data labels as typed: "$" in a segment name is not matplotlib mathtext (no parse errors).

    A figure the function makes itself (no ``ax`` given) is fitted with
    :func:`fit_figure`: long tick labels wrapped, every text inside the figure.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        # only this one setting is set and restored: rc_context() would also restore ``interactive``, which the
        # inline backend switches on when the first figure is made, and no later figure would then be shown
        before = plt.rcParams["text.parse_math"]
        plt.rcParams["text.parse_math"] = False
        try:
            out = fn(*args, **kwargs)
            fig = figure_of(out)
            if kwargs.get("ax") is None and fig is not None:
                fit_figure(fig)
            return out
        finally:
            plt.rcParams["text.parse_math"] = before

    return wrapper


def _seaborn():
    """seaborn, imported by the plots that use it (heatmaps, the score scatter): its import pulls in scipy.stats,
    a second or more that a report without those plots does not spend."""
    import seaborn

    return seaborn


def _despine(ax) -> None:
    """No top and right spines (``seaborn.despine(ax=ax)``)."""
    ax.spines[["top", "right"]].set_visible(False)


def row_layout(fig, axes, *, pad: float = 0.08, min_width: float = 1.2) -> None:
    """Place one row of panels so that each fits its y tick labels, y label, x labels and title.

    What constrained layout gives a row of panels, measured once from the labels' text (a layout engine
    runs on every draw, and a notebook draws a figure twice, once more for its tight bounding box): the
    figure is then drawn once, as it is saved (:class:`Rendered`).  ``pad`` and ``min_width`` (the narrowest
    panel) are in inches; the figure is widened when its labels leave a panel less than ``min_width``, or
    less than its x label or title is wide.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure; its layout engine is switched off.
    axes : sequence of Axes
        The panels of its one row, left to right, already drawn into.

    Examples
    --------
    >>> fig, axes = plt.subplots(1, 2, figsize=(6, 2))
    >>> _ = axes[0].set_yticks([0, 1], ["a segment with a long name  (n=1,234)", "b  (n=56)"])
    >>> row_layout(fig, axes)
    >>> bool(axes[0].get_position().x0 > 0.2 and axes[0].get_position().x1 < axes[1].get_position().x0)
    True
    >>> plt.close(fig)
    """
    from matplotlib.text import Text

    fig.set_layout_engine(None)
    fig._csat_laid_out = True  # fit_figure keeps this layout
    renderer = fig.canvas.get_renderer()
    dpi = fig.dpi

    def size(text, axis: int) -> float:  # inches; 0 for an empty label
        return text.get_window_extent(renderer).size[axis] / dpi if text.get_visible() and text.get_text() else 0.0

    def points(value: float) -> float:
        return value / 72

    lefts, bottoms, tops = [], [], []
    for ax in axes:
        min_width = max(min_width, size(ax.xaxis.label, 0))  # a panel as wide as its x label
        ticks = max((size(t, 0) for t in ax.get_yticklabels()), default=0.0)
        label = size(ax.yaxis.label, 0)
        lefts.append(ticks + points(plt.rcParams["ytick.major.size"] + plt.rcParams["ytick.major.pad"])
                     + (label + points(ax.yaxis.labelpad) if label else 0.0))
        tick_height = max((size(t, 1) for t in ax.xaxis.get_majorticklabels()), default=0.0)
        label = size(ax.xaxis.label, 1)
        bottoms.append(tick_height + points(plt.rcParams["xtick.major.size"] + plt.rcParams["xtick.major.pad"])
                       + (label + points(ax.xaxis.labelpad) if label else 0.0))
        titles = [t for t in ax.get_children() if isinstance(t, Text) and t not in ax.texts  # left/centre/right
                  and t.get_text() and t not in (ax.xaxis.label, ax.yaxis.label)]
        tops.append(max(size(t, 1) for t in titles) + points(plt.rcParams["axes.titlepad"]) if titles else 0.0)
        min_width = max([min_width, *(size(t, 0) for t in titles)])
    right = 0.25  # the last x tick label reaches past its panel's right edge
    width, height = fig.get_size_inches()
    needed = sum(lefts) + len(axes) * (right + min_width) + 2 * pad
    if needed > width:
        width = needed
        fig.set_size_inches(width, height)
    panel = (width - 2 * pad - sum(lefts) - len(axes) * right) / len(axes)
    bottom, top = pad + max(bottoms), height - pad - max(tops)
    x = pad
    for ax, left in zip(axes, lefts, strict=True):
        x += left
        ax.set_position([x / width, bottom / height, panel / width, max(top - bottom, 0.2) / height])
        x += panel + right


class Rendered:
    """A figure drawn once as PNG, shown in a notebook as the figure would be (``image/png`` and its
    ``<Figure ...>`` text); the figure itself is closed.  For figures laid out by :func:`row_layout`."""

    def __init__(self, fig) -> None:
        import io

        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=fig.dpi, facecolor=fig.get_facecolor(),
                    edgecolor=fig.get_edgecolor())
        self.png = buffer.getvalue()
        self._text = repr(fig)
        plt.close(fig)

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return self._text


def _mark_cells(ax, nrows: int, ncols: int) -> None:
    """Mark ``ax`` as a heatmap of ``nrows`` x ``ncols`` annotated cells (see :func:`_size_annotations`)."""
    ax._csat_cells = (max(1, nrows), max(1, ncols))


#: smallest annotation a reader can read (points); smaller cells show no numbers
MIN_ANNOTATION_PT = 6.0


def _size_annotations(fig) -> None:
    """Annotations of every marked heatmap sized to its cells; left off (and said so) when cells are too small."""
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        cells = getattr(ax, "_csat_cells", None)
        if not cells:
            continue
        texts = [t for t in ax.texts if t.get_text().strip()]
        if not texts:
            continue
        box = ax.get_window_extent(renderer)
        scale = 72 / fig.dpi
        cell_w, cell_h = box.width * scale / cells[1], box.height * scale / cells[0]
        chars = max(len(t.get_text()) for t in texts)
        size = min(9.0, 0.6 * cell_h, cell_w / (0.62 * max(chars, 1)))
        if size < MIN_ANNOTATION_PT:
            for t in texts:
                t.set_visible(False)
            if not ax.get_title(loc="right"):
                ax.set_title("cells too small to print their numbers: see the table", loc="right", fontsize=8,
                             color="#666")
        else:
            for t in texts:
                t.set_fontsize(size)


def figure_of(out):
    """The Figure a plot function returned (an Axes, a Figure, an array of Axes), or None."""
    if out is None:
        return None
    if hasattr(out, "canvas") and hasattr(out, "axes"):
        return out
    if hasattr(out, "figure") and hasattr(out.figure, "canvas"):
        return out.figure
    if isinstance(out, (np.ndarray, list, tuple)) and len(out):
        return figure_of(np.ravel(np.asarray(out, dtype=object))[0])
    return None


#: characters per line of a wrapped label, and lines at most (longer labels end in "…")
LABEL_WIDTH, LABEL_LINES = 30, 3


def wrap_label(text, width: int = LABEL_WIDTH, lines: int = LABEL_LINES) -> str:
    """A label on at most ``lines`` lines of ``width`` characters (cut with "…" beyond).

    Examples
    --------
    >>> print(wrap_label("How satisfied were you with the speed at which our support team responded?"))
    How satisfied were you with
    the speed at which our support
    team responded?
    >>> print(wrap_label("x" * 200, width=10, lines=2))
    xxxxxxxxxx
    …
    """
    import textwrap

    text = str(text)
    if len(text) <= width or "\n" in text:
        return text
    return textwrap.fill(text, width=width, max_lines=lines, placeholder=" …", break_long_words=True)


def fit_figure(fig, *, width: int = LABEL_WIDTH, max_inches: float = 14.0):
    """Keep every text of ``fig`` inside it: wrap long tick labels, lay out with room for them, widen if needed.

    Tick labels longer than ``width`` characters are wrapped (:func:`wrap_label`);
    a figure without a layout engine gets matplotlib's constrained layout (which
    makes room for tick labels, titles and legends); a figure whose text still
    reaches outside it is enlarged by as much (up to ``max_inches`` wide).
    Nothing is drawn outside the figure, so an HTML page never shows a figure
    shrunk to fit labels that stick out of it.  Returns ``fig``.
    """
    grow = 0.0
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for axis in (ax.xaxis, ax.yaxis):
            labels = axis.get_ticklabels()
            texts = [t.get_text() for t in labels]
            if any(len(t) > width and "\n" not in t for t in texts):
                axis.set_ticks(axis.get_ticklocs(), [wrap_label(t, width) for t in texts])
                labels = axis.get_ticklabels()
            if axis is ax.yaxis and len(labels) > 1:  # wrapped labels need the height of their lines
                lines = max(t.get_text().count("\n") + 1 for t in labels)
                size = labels[0].get_fontsize() if labels else 10
                need = len(labels) * lines * size * 1.35 / 72
                have = ax.get_position().height * fig.get_size_inches()[1]
                grow = max(grow, need - have)
    if grow > 0.05:
        w, h = fig.get_size_inches()
        fig.set_size_inches(w, h + grow * 1.15)
    if fig.get_layout_engine() is None and not getattr(fig, "_csat_laid_out", False):  # row_layout placed it
        fig.set_layout_engine("constrained")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:  # a title wider than its axes wraps (constrained layout cannot shrink text)
        box = ax.get_window_extent(renderer)
        for title in (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None)):
            text = title.get_text() if title is not None else ""
            if text and "\n" not in text and title.get_window_extent(renderer).width > max(box.width, 50) * 1.05:
                chars = max(12, int(len(text) * max(box.width, 50) / title.get_window_extent(renderer).width))
                title.set_text(wrap_label(text, chars, 3))
    suptitle = getattr(fig, "_suptitle", None)
    if suptitle is not None and suptitle.get_text() and suptitle.get_window_extent(renderer).width > fig.bbox.width:
        text = suptitle.get_text()
        suptitle.set_text(wrap_label(text, int(len(text) * fig.bbox.width / suptitle.get_window_extent(renderer).width
                                               * 0.95), 3))
    for _ in range(4):  # what still reaches outside (matplotlib's tight box: drawn text only) widens the figure
        fig.canvas.draw()
        tight = fig.get_tightbbox(fig.canvas.get_renderer())
        w, h = fig.get_size_inches()
        left, right = max(0.0, -tight.x0), max(0.0, tight.x1 - w)
        below, above = max(0.0, -tight.y0), max(0.0, tight.y1 - h)
        if max(left, right, below, above) < 0.02:
            break
        fig.set_size_inches(min(max_inches, w + 1.2 * (left + right) + 0.1),
                            min(h * 2, h + 1.2 * (below + above) + 0.1))
    if any(getattr(ax, "_csat_cells", None) for ax in fig.axes):
        fig.canvas.draw()
        _size_annotations(fig)
    return fig


def _label(labels: Mapping | None, name) -> str:
    """The label shown for a column-named thing: ``labels[name]`` (a report's schema labels), else shortened."""
    given = (labels or {}).get(str(name))
    return str(given) if given is not None else display_label(None, name)


def _axes(ax, figsize=(7, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _no_data(ax, message: str = "No responses to show"):
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#666")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


@_plain_text
def plot_distribution(data: pd.DataFrame, *, column: str = "csat", ax=None, counts: pd.Series | None = None):
    """Bar chart of the share of responses at each score of a scale.

    ``counts`` (answers per score, e.g. ``WarehouseTable.score_counts``) replaces the rows of ``data``,
    which then only provides the scale.

    NPS bars are coloured as detractors (0-6), passives (7-8) and promoters
    (9-10); CSAT and CES bars at or above the top box are highlighted.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_argument("column", ["csat", "nps", "ces"], column)
    ax = _axes(ax, (5, 3))
    lo, hi, top = scale_of(data, column)
    scores = np.arange(lo, hi + 1)
    if counts is not None:
        counts = counts.reindex(scores, fill_value=0)
        if counts.sum() == 0:
            return _no_data(ax)
        answered, share = int(counts.sum()), counts / counts.sum() * 100
    else:
        values = pd.to_numeric(data[column], errors="coerce").dropna() if column in data else pd.Series(dtype=float)
        if values.empty:
            return _no_data(ax)
        answered = len(values)
        share = values.value_counts(normalize=True).reindex(scores, fill_value=0) * 100
    if column == "nps":
        colours = [PALETTE["detractor"] if s <= 6 else PALETTE["passive"] if s <= 8 else PALETTE["promoter"]
                   for s in scores]
    else:
        colours = [PALETTE["main"] if s >= top else "#9bb4cc" for s in scores]
    ax.bar(scores, share.to_numpy(), color=colours, width=0.8)
    ax.set_xticks(scores)
    ax.set_xlabel(f"{column.upper()} score")
    ax.set_ylabel("% of responses")
    ax.set_title(f"{column.upper()} answers (n = {answered:,})", loc="left", fontsize=10)
    _despine(ax)
    return ax


@_plain_text
def plot_scores(table: pd.DataFrame, *, metric: str, by: str, ax=None, target: float | None = None,
                benchmarks: Sequence[dict] | None = None):
    """Dot-and-interval plot of one metric across the levels of ``by``.

    ``table`` is a :func:`~csat_analysis.summarize` table.  Groups flagged
    ``low_n`` are drawn hollow; suppressed groups (see
    :func:`~csat_analysis.apply_privacy`) are left out; ``benchmarks`` are
    reference lines as in :func:`plot_trend`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_argument("metric", list(METRICS), metric)
    require_columns(table, [by, "metric", "score", "ci_low", "ci_high", "low_n"])
    ax = _axes(ax, (6, 0.45 * max(3, table[by].nunique()) + 1))
    rows = table[(table["metric"] == metric) & table["score"].notna()]
    if "suppressed" in rows:
        rows = rows[~rows["suppressed"]]
    if rows.empty:
        return _no_data(ax)
    rows = rows.sort_values("score")
    y = np.arange(len(rows))
    ax.hlines(y, rows["ci_low"], rows["ci_high"], color=PALETTE["main"], lw=2)
    filled = ~rows["low_n"].to_numpy(dtype=bool)
    ax.scatter(rows["score"][filled], y[filled], color=PALETTE["main"], zorder=3, s=40)
    ax.scatter(rows["score"][~filled], y[~filled], facecolor="white", edgecolor=PALETTE["main"], zorder=3, s=40,
               label="fewer responses than min_n" if (~filled).any() else None)
    ax.set_yticks(y, [f"{v}  (n={n:,})" for v, n in zip(rows[by].astype(str), rows["n"], strict=False)])
    if target is not None:
        ax.axvline(target, color=PALETTE["target"], ls="--", lw=1, label=f"target {target:g}")
    drawn = _draw_benchmarks(ax, benchmarks, metric, vertical=True)
    ax.set_xlabel(f"{metric_label(metric)} with 95% interval")
    if (~filled).any() or target is not None or drawn:
        ax.legend(loc="best", fontsize=8, frameon=False)
    _despine(ax)
    return ax


@_plain_text
def plot_segment_heatmap(table: pd.DataFrame, *, metric: str, by: str, ax=None, cmap: str = "RdYlGn",
                         fmt: str = ".0f", center: float | None = None, labels: Mapping | None = None):
    """Heatmap of a metric by segment (rows) and period (columns).

    ``table`` is a :func:`~csat_analysis.summarize` table with ``freq`` set.
    Columns are the periods in chronological order, every period from the
    first to the last (a year without answers is a blank column), whatever
    the order of the table's rows.  Cells are annotated with the score;
    low-n cells carry a trailing ``*`` and suppressed cells (``suppressed``
    column, or no answers) stay blank.  ``labels`` (``{column: label}``, e.g. the schema's
    ``short_labels``) names the ``by`` axis.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check_argument("metric", list(METRICS), metric)
    require_columns(table, [by, "period", "metric", "score", "low_n"])
    rows = table[table["metric"] == metric].copy()
    if "suppressed" in rows:
        rows.loc[rows["suppressed"], "score"] = np.nan
    ax = _axes(ax, (min(14, 1.0 + 0.6 * max(1, rows["period"].nunique())), 0.5 * max(2, rows[by].nunique()) + 1.2))
    if rows["score"].notna().sum() == 0:
        return _no_data(ax)
    periods = period_order(rows["period"], fill=True)  # not the order of appearance: 2011 may come last
    grid = rows.pivot_table(index=by, columns="period", values="score", observed=True,
                            dropna=False).reindex(columns=periods)
    low = rows.pivot_table(index=by, columns="period", values="low_n", aggfunc="max", observed=True).reindex(
        index=grid.index, columns=periods).astype(float).fillna(0).astype(bool)  # a gap period is not low-n
    annot = grid.map(lambda v: "" if pd.isna(v) else format(v, fmt))
    annot = annot.where(~low, annot + "*")
    _seaborn().heatmap(grid, annot=annot.to_numpy(), fmt="", cmap=cmap, center=center, ax=ax, linewidths=0.5,
                linecolor="white", cbar_kws={"label": metric_label(metric), "shrink": 0.8},
                annot_kws={"fontsize": 8})
    _mark_cells(ax, *grid.shape)
    ax.set_xlabel("")
    ax.set_ylabel(_label(labels, by))
    ax.tick_params(axis="x", rotation=45)
    if low.to_numpy().any():
        ax.set_title("* fewer responses than min_n", loc="right", fontsize=8, color="#666")
    return ax


#: What ``seaborn.set_theme(style="whitegrid", context="notebook", font_scale=0.9)`` sets (without its
#: ``image.cmap: rocket``, a colormap that exists only once seaborn is imported; no plot here uses the default one).
#: Written out so that :func:`set_style` does not import seaborn (tests/test_lazy_imports.py checks it against seaborn).
_THEME = {
    "axes.facecolor": "white", "axes.edgecolor": ".8", "axes.grid": True, "axes.axisbelow": True,
    "axes.labelcolor": ".15", "figure.facecolor": "white", "grid.color": ".8", "grid.linestyle": "-",
    "text.color": ".15", "xtick.color": ".15", "ytick.color": ".15", "xtick.direction": "out",
    "ytick.direction": "out", "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "font.family": ["sans-serif"],
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans", "sans-serif"],
    "xtick.bottom": False, "xtick.top": False, "ytick.left": False, "ytick.right": False,
    "axes.spines.left": True, "axes.spines.bottom": True, "axes.spines.right": True, "axes.spines.top": True,
    "font.size": 10.8, "axes.labelsize": 10.8, "axes.titlesize": 10.8, "xtick.labelsize": 9.9,
    "ytick.labelsize": 9.9, "legend.fontsize": 9.9, "legend.title_fontsize": 10.8, "axes.linewidth": 1.25,
    "grid.linewidth": 1.0, "lines.linewidth": 1.5, "lines.markersize": 6.0, "patch.linewidth": 1.0,
    "xtick.major.width": 1.25, "ytick.major.width": 1.25, "xtick.minor.width": 1.0, "ytick.minor.width": 1.0,
    "xtick.major.size": 6.0, "ytick.major.size": 6.0, "xtick.minor.size": 4.0, "ytick.minor.size": 4.0,
}
#: seaborn's "deep" palette: the colour cycle, and the colours of the codes "b", "g", "r", "m", "y", "c", "k"
_DEEP = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974",
         "#64b5cd"]
_DEEP_CODES = dict(zip("bgrmyck", ["#4c72b0", "#55a868", "#c44e52", "#8172b3", "#ccb974", "#64b5cd",
                                   (0.1, 0.1, 0.1)], strict=True))


def set_style() -> None:
    """The report look: seaborn's whitegrid theme, readable font sizes, crisp PNG figures.

    The settings of ``seaborn.set_theme(style="whitegrid", context="notebook", font_scale=0.9)``, set
    without importing seaborn.
    """
    from cycler import cycler
    from matplotlib import colors

    plt.rcParams.update(_THEME)
    plt.rcParams["axes.prop_cycle"] = cycler("color", [colors.to_rgb(c) for c in _DEEP])
    for code, colour in _DEEP_CODES.items():
        colors.colorConverter.colors[code] = colors.to_rgb(colour)
    plt.rcParams.update({"figure.dpi": 110, "savefig.dpi": 110, "axes.titleweight": "bold",
                         "text.parse_math": False})  # "$" in data labels is text, not mathtext


def _unit(metric: str) -> str:
    return "%" if metric in ("csat", "ces_top") else ""


def _draw_benchmarks(ax, benchmarks, metric: str, *, vertical: bool = False) -> bool:
    """Reference lines of ``benchmarks`` (``[{value, label, comparable}]``, see
    :func:`~csat_analysis.benchmarking.benchmark_lines`): dash-dot grey, light dotted when not comparable."""
    for b in benchmarks or ():
        ok = bool(b.get("comparable", True))
        text = f"{b['label']} {b['value']:g}{_unit(metric) if ok else ''}" + ("" if ok else " (not comparable)")
        style = dict(color="#555" if ok else "#b5b5b5", ls="-." if ok else ":", lw=1.1, label=text, zorder=1)
        (ax.axvline if vertical else ax.axhline)(b["value"], **style)
    return bool(benchmarks)


@_plain_text
def plot_trend(table: pd.DataFrame, *, ax=None, target: float | None = None, control_limits: bool = True,
               annotate: bool = True, flags: Sequence[str] = ("significant_change", "outside_control_limits"),
               color: str | None = None, label: str | None = None, label_change: bool = False,
               benchmarks: Sequence[dict] | None = None):
    """Line of a :func:`~csat_analysis.trend` table with its interval band.

    Periods without answers leave gaps; low-n periods are drawn hollow;
    periods with one of ``flags`` are ringed and labelled (Δ marks a
    significant change); the target (argument or the table's ``target``
    column) is a dashed line; control limits are dotted; ``benchmarks``
    (outside references, ``[{value, label, comparable}]``) are dash-dot
    grey lines, light grey when not comparable.

    Ringed periods are labelled with their score (``Δ 40.0%``: a period whose
    change is significant, scoring 40.0%), or, with ``label_change=True``,
    periods with a significant change are labelled with the change itself
    in its units (``Δ +3.2 pp``, ``Δ -5.0 points``), named in the legend as the
    change against the previous period.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(table, ["period", "period_start", "metric", "score", "ci_low", "ci_high", "low_n", "flag"])
    ax = _axes(ax, (8, 3.6))
    if table["score"].notna().sum() == 0:
        return _no_data(ax)
    metric = table["metric"].iloc[0]
    color = color or PALETTE["main"]
    x = table["period_start"]
    ax.fill_between(x, table["ci_low"], table["ci_high"], color=color, alpha=0.18, lw=0,
                    label="95% interval" if label is None else None)
    ax.plot(x, table["score"], color=color, lw=1.8, label=label or metric_label(metric))
    low = table["low_n"].to_numpy(dtype=bool)
    ax.scatter(x[~low], table["score"][~low], color=color, s=22, zorder=3)
    ax.scatter(x[low], table["score"][low], facecolor="white", edgecolor=color, s=22, zorder=3,
               label="fewer answers than min_n" if low.any() and table["score"][low].notna().any() else None)
    if control_limits and "lcl" in table and table["lcl"].notna().any():
        ax.step(x, table["lcl"], where="mid", color="#888", lw=0.8, ls=":", label="control limits")
        ax.step(x, table["ucl"], where="mid", color="#888", lw=0.8, ls=":")
    if target is None and "target" in table and table["target"].notna().any():
        target = float(table["target"].dropna().iloc[0])
    if target is not None:
        ax.axhline(target, color=PALETTE["target"], ls="--", lw=1.2, label=f"target {target:g}{_unit(metric)}")
    _draw_benchmarks(ax, benchmarks, metric)
    if annotate:
        flagged = table[table["flag"].str.contains("|".join(flags), regex=True) & table["score"].notna()] \
            if flags else table.iloc[:0]
        changed = flagged["flag"].str.contains("significant_change")
        if label_change and "change" in flagged:
            changed &= flagged["change"].notna()
        legend = ("flagged period" if not label_change
                  else "Δ: change vs previous period (significant)" if changed.any() else "flagged period")
        ax.scatter(flagged["period_start"], flagged["score"], s=110, facecolor="none", edgecolor=PALETTE["flag"],
                   lw=1.5, zorder=4, label=legend if len(flagged) else None)
        for row, sig in zip(flagged.itertuples(), changed, strict=False):
            if label_change and sig:
                text = f"Δ {fmt_change(metric, row.change)}"  # the change, in pp or points, not the score
            else:
                text = ("Δ " if sig or "significant_change" in row.flag else "") + f"{row.score:.1f}{_unit(metric)}"
            ax.annotate(text, (row.period_start, row.score), textcoords="offset points", xytext=(0, 9),
                        ha="center", fontsize=8, color=PALETTE["flag"])
    starts = pd.to_datetime(table["period_start"]).dropna()
    if len(starts) and starts.min() == starts.max():  # one period: its own span, not years of empty calendar
        freq = period_codes(table["period"].astype(str))[0] or "M"
        pad = pd.Timedelta(days={"D": 1, "W": 7, "M": 31, "Q": 92, "Y": 366}.get(freq, 31))
        ax.set_xlim(starts.min() - pad, starts.min() + pad)
        ax.set_xticks([starts.min()], [str(table["period"].iloc[0])])
    ax.set_ylabel(metric_label(metric))
    ax.set_xlabel("")
    ax.legend(loc="best", fontsize=8, frameon=False)
    _despine(ax)
    return ax


@_plain_text
def plot_trend_facets(table: pd.DataFrame, *, by: str, target: float | None = None, col_wrap: int = 3):
    """Small multiples of a :func:`~csat_analysis.trend` table, one panel per segment, shared axes.

    Periods with a significant change against the previous period are ringed
    and labelled with that change (``Δ +3.2 pp``), as the figure's caption
    says; the line and band are the scores.

    Returns
    -------
    matplotlib.figure.Figure
    """
    require_columns(table, [by])
    levels = [v for v in table[by].astype(str).unique()]
    ncols = max(1, min(col_wrap, len(levels)))
    nrows = int(np.ceil(len(levels) / ncols)) or 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 2.8 * nrows), sharex=True, sharey=True,
                             layout="constrained", squeeze=False)
    for ax, level in zip(axes.ravel(), levels, strict=False):
        part = table[table[by].astype(str) == level]
        plot_trend(part, ax=ax, target=target, control_limits=False, flags=("significant_change",),
                   label_change=True)
        ax.set_title(level, loc="left", fontsize=10)
        ax.legend().remove() if ax.get_legend() else None
        ax.tick_params(axis="x", rotation=45, labelsize=8)
    for ax in axes.ravel()[len(levels):]:
        ax.set_visible(False)
    if "metric" in table and len(table):
        fig.suptitle(f"Line: {metric_label(table['metric'].iloc[0])} with its 95% interval; "
                     "Δ labels: change vs previous period (statistically significant)",
                     x=0.01, ha="left", fontsize=9, color="#444")
    return fig


@_plain_text
def plot_calendar(table: pd.DataFrame, *, ax=None, cmap: str = "RdYlGn", center: float | None = None):
    """Calendar-style heatmap of a weekly :func:`~csat_analysis.trend` table: ISO years by ISO week.

    Rows are ISO years in chronological order, columns the ISO weeks (1 to
    53) that fall within the table's range in some year: a column grey in
    every row is left off, so nine days of answers are two columns, not 53.
    Each week sits in the row of its ISO year (1 January 2021, a Friday, is
    in week 53 of ISO year 2020).  Weeks of the table's range without answers
    (or suppressed) stay blank.  Cells that are not weeks of the table's range
    -- before its first or after its last week, or a week 53 in a year of 52
    ISO weeks -- are shaded grey, so they are not mistaken for weeks without
    answers.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(table, ["period", "metric", "score", "low_n"])
    if not table["period"].astype(str).str.match(r"^\d{4}-W\d{2}$").all():
        raise ParameterError("plot_calendar needs a weekly trend table (trend(..., freq='W')).")
    periods = table["period"].astype(str)
    years = periods.str[:4].astype(int)
    span = np.arange(years.min(), years.max() + 1)
    # weeks of the table's range: from its first to its last week, and only weeks that exist
    _, codes = period_codes(periods)
    first, last = np.nanmin(codes), np.nanmax(codes)
    cell = [f"{y}-W{w:02d}" for y in span for w in range(1, 54)]
    cell_codes = period_codes(cell)[1].reshape(len(span), 53)
    inside = (cell_codes >= first) & (cell_codes <= last)  # NaN (no such week) is outside
    weeks = [w for w in range(1, 54) if inside[:, w - 1].any()]  # no column that is grey in every year
    inside = inside[:, [w - 1 for w in weeks]]
    ax = _axes(ax, (min(13.0, 2.5 + 0.24 * len(weeks)), 1.0 + 0.5 * years.nunique()))
    if table["score"].notna().sum() == 0:
        return _no_data(ax)
    week = periods.str[-2:].astype(int)
    grid = pd.DataFrame({"year": years, "week": week, "score": table["score"].astype(float)}).pivot_table(
        index="year", columns="week", values="score", dropna=False).reindex(index=span, columns=weeks)
    grid.index = grid.index.astype(str)
    metric = table["metric"].iloc[0]
    _seaborn().heatmap(grid, ax=ax, cmap=cmap, center=center, linewidths=0.3, linecolor="white",
                cbar_kws={"label": metric_label(metric), "shrink": 0.9})
    if not inside.all():
        from matplotlib.colors import ListedColormap

        ax.pcolormesh(np.arange(len(weeks) + 1), np.arange(len(span) + 1),
                      np.ma.masked_array(np.ones(inside.shape), inside),
                      cmap=ListedColormap(["#e4e4e4"]), edgecolors="white", linewidth=0.3)
        ax.set_title("grey: outside the data's weeks, or no such ISO week", loc="right", fontsize=8, color="#666")
    ax.grid(False)
    ax.set_xlabel("ISO week")
    ax.set_ylabel("ISO year")
    step = max(1, int(np.ceil(len(weeks) / 14)))
    ax.set_xticks(np.arange(0, len(weeks), step) + 0.5, [str(w) for w in weeks[::step]], rotation=0)
    return ax


def _stars(p: float) -> str:
    if p is None or np.isnan(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


@_plain_text
def plot_correlation_heatmap(table: pd.DataFrame, *, ax=None, mask_upper: bool = True, cmap: str = "vlag",
                             labels: dict | None = None):
    """Heatmap of a :func:`~csat_analysis.correlate` table (one group).

    Fixed -1..1 diverging scale centred on 0; cells annotated with the
    coefficient and significance stars on the BH-adjusted p-value
    (``*`` < 0.05, ``**`` < 0.01, ``***`` < 0.001); the upper triangle and
    diagonal are masked by default.

    Returns
    -------
    matplotlib.axes.Axes
    """
    from .correlation import correlation_matrix

    r = correlation_matrix(table, value="r")
    p = correlation_matrix(table, value="p_adj")
    names = {**{c: s.name for c, s in SCORES.items()}, **(labels or {})}
    ax = _axes(ax, (min(12.0, 2.5 + 1.2 * len(r)), min(11.0, 1.0 + 0.9 * len(r))))
    annot = np.empty(r.shape, dtype=object)
    for i, a in enumerate(r.index):
        for j, b in enumerate(r.columns):
            v = r.loc[a, b]
            annot[i, j] = "" if np.isnan(v) else f"{v:.2f}" + ("" if i == j else _stars(p.loc[a, b]))
    mask = np.triu(np.ones(r.shape, dtype=bool)) if mask_upper else None
    if mask_upper and len(r) > 1:
        r, p, annot = r.iloc[1:, :-1], p.iloc[1:, :-1], annot[1:, :-1]
        mask = np.triu(np.ones(r.shape, dtype=bool), k=1)
    # -1..1 already centres the diverging map on 0 (seaborn's center= would resample it, and warns)
    _seaborn().heatmap(r, mask=mask, annot=annot, fmt="", vmin=-1, vmax=1, cmap=cmap, square=True, ax=ax,
                linewidths=0.5, linecolor="white", cbar_kws={"label": f"{table['method'].iloc[0]} correlation",
                                                             "shrink": 0.8})
    _mark_cells(ax, *r.shape)
    xlabels = [names.get(t.get_text(), _label(None, t.get_text())) for t in ax.get_xticklabels()]
    long = max((len(t) for t in xlabels), default=0) > 10  # long item names would overlap side by side
    ax.set_xticklabels(xlabels, rotation=35 if long else 0, ha="right" if long else "center",
                       rotation_mode="anchor")
    ax.set_yticklabels([names.get(t.get_text(), _label(None, t.get_text())) for t in ax.get_yticklabels()],
                       rotation=0)
    ax.grid(False)
    return ax


@_plain_text
@renamed_parameters(seed="random_state")
def plot_score_scatter(data: pd.DataFrame, *, x: str = "nps", y: str = "csat", ax=None, jitter: float = 0.25,
                       random_state: int = 0, max_points: int = 5000):
    """Respondent scores against each other, jittered so ties show, with a fitted OLS line and its band.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(data, [x, y])
    ax = _axes(ax, (5, 4))
    pair = pd.DataFrame({x: pd.to_numeric(data[x], errors="coerce"), y: pd.to_numeric(data[y], errors="coerce")})
    pair = pair.astype(float).dropna()
    if len(pair) < 3:
        return _no_data(ax, "Fewer than 3 respondents answered both")
    if len(pair) > max_points:
        pair = pair.sample(max_points, random_state=random_state)
    _seaborn().regplot(data=pair, x=x, y=y, x_jitter=jitter, y_jitter=jitter, ax=ax, seed=random_state,
                scatter_kws={"s": 6, "alpha": 0.25, "color": PALETTE["main"], "linewidths": 0},
                line_kws={"color": PALETTE["flag"], "lw": 2})
    ax.set_xlabel(f"{SCORES[x].name if x in SCORES else x} score (jittered)")
    ax.set_ylabel(f"{SCORES[y].name if y in SCORES else y} score (jittered)")
    _despine(ax)
    return ax


@_plain_text
def plot_forest(table: pd.DataFrame, *, ax=None, reference: float | None = None):
    """Forest plot of effects: one row per estimate with its interval
    (a :func:`~csat_analysis.effects.compare_effects` table).

    Effects in different units (pp, NPS points, scale points, odds ratios)
    never share an axis: each unit gets its own panel, with its own
    no-effect line (0, or 1 for odds ratios).

    Returns
    -------
    matplotlib.axes.Axes, or an array of them (one per unit, in order of
    first appearance) when the table holds several units, as
    ``plt.subplots`` does.  ``ax`` can only be given for a single unit.
    """
    require_columns(table, ["label", "estimate", "ci_low", "ci_high", "unit"])
    units = list(dict.fromkeys(table["unit"]))
    if ax is not None and len(units) > 1:
        raise ParameterError(f"The effects are in {len(units)} units ({', '.join(units)}), one panel each; "
                             "call plot_forest without `ax`, or with a table of one unit.")
    if ax is None:
        sizes = [max(1, int((table["unit"] == u).sum())) for u in units] or [2]
        _, axes = plt.subplots(len(sizes), 1, figsize=(7, 0.5 * sum(sizes) + 0.9 * len(sizes) + 0.4),
                               height_ratios=[s + 1.2 for s in sizes], layout="constrained", squeeze=False)
        axes = axes[:, 0]
    else:
        axes = np.array([ax])
    if table.empty:
        return _no_data(axes[0], "No effects to show")
    for i, (unit, panel) in enumerate(zip(units, axes, strict=False)):
        part = table[table["unit"] == unit]
        y = np.arange(len(part))[::-1]
        ref = reference if reference is not None else (1.0 if unit == "odds ratio" else 0.0)
        sig = ((part["ci_low"] > ref) | (part["ci_high"] < ref)).to_numpy()
        panel.hlines(y, part["ci_low"], part["ci_high"], color=PALETTE["main"], lw=2)
        level = ci_text(float(table["ci"].iloc[0])) if "ci" in table else "95% CI"
        panel.scatter(part["estimate"][sig], y[sig], color=PALETTE["main"], s=45, zorder=3,
                      label=f"{level} excludes no effect")
        panel.scatter(part["estimate"][~sig], y[~sig], facecolor="white", edgecolor=PALETTE["main"], s=45,
                      zorder=3, label=f"{level} includes no effect")
        panel.axvline(ref, color="#555", lw=1, ls="--")
        panel.set_yticks(y, list(part["label"]))
        panel.set_ylim(-0.7, len(part) - 0.3)
        digits = 2 if unit in ("scale points", "odds ratio") else 1
        for yi, row in zip(y, part.itertuples(), strict=False):
            panel.annotate(f"{row.estimate:+.{digits}f}", (row.estimate, yi), textcoords="offset points",
                           xytext=(0, 6), ha="center", fontsize=8)
        low, high = min(part["ci_low"].min(), ref), max(part["ci_high"].max(), ref)
        pad = 0.08 * (high - low or 1)
        panel.set_xlim(low - pad, high + pad)
        panel.set_xlabel(f"Effect in {unit} ({level.removesuffix(' CI')} interval)")
        if i == 0:
            panel.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
        _despine(panel)
    return axes[0] if len(axes) == 1 else axes


@_plain_text
def plot_balance(table: pd.DataFrame, *, ax=None, threshold: float = 0.1):
    """Covariate balance ("love plot"): each control's standardised difference before and after weighting.

    ``table`` is :attr:`~csat_analysis.balance.ExposureBalance.table`; the
    dashed lines mark ``±threshold``.
    """
    require_columns(table, ["variable", "level", "smd", "smd_weighted"])
    t = table.reindex(table["smd"].abs().sort_values().index).tail(15)
    labels = [f"{v} = {lv}" if lv else str(v) for v, lv in zip(t["variable"], t["level"], strict=False)]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.32 * len(t) + 1.3), layout="constrained")
    y = np.arange(len(t))
    ax.hlines(y, t["smd"], t["smd_weighted"], color="#bbb", lw=1)
    ax.scatter(t["smd"], y, color=PALETTE["detractor"], s=30, label="before weighting", zorder=3)
    ax.scatter(t["smd_weighted"], y, color=PALETTE["main"], s=30, label="after weighting", zorder=3)
    for x in (-threshold, threshold):
        ax.axvline(x, color="#555", lw=1, ls="--")
    ax.axvline(0, color="#555", lw=0.5)
    ax.set_yticks(y, labels)
    ax.set_xlabel("Standardised difference, exposed minus not exposed")
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    _despine(ax)
    return ax


@_plain_text
def plot_event_study(table: pd.DataFrame, *, outcome: str, ax=None):
    """Event-study coefficients by period relative to the campaign start (reference period -1 at 0).

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(table, ["relative_period", "estimate", "ci_low", "ci_high"])
    ax = _axes(ax, (8, 3.5))
    pre = table["relative_period"] < 0
    for mask, color, label in ((pre, "#8a8a8a", "before the start"), (~pre, PALETTE["main"], "after the start")):
        part = table[mask]
        ax.errorbar(part["relative_period"], part["estimate"],
                    yerr=[part["estimate"] - part["ci_low"], part["ci_high"] - part["estimate"]],
                    fmt="o", color=color, capsize=3, label=label)
    ax.axhline(0, color="#555", lw=1)
    ax.axvline(-0.5, color=PALETTE["flag"], ls="--", lw=1, label="campaign start")
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Periods relative to the campaign start (−1 = reference)")
    ax.set_ylabel(f"Effect on {metric_label(outcome)}")
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    _despine(ax)
    return ax


@_plain_text
def plot_its(series: pd.DataFrame, *, outcome: str, start, ax=None):
    """Interrupted time series: observed period scores, the fitted segmented line and the counterfactual.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(series, ["period_start", "score", "fitted", "counterfactual", "post"])
    ax = _axes(ax, (8, 3.5))
    ax.scatter(series["period_start"], series["score"], color="#555", s=18, zorder=3, label="observed")
    post = series["post"] == 1
    ax.plot(series["period_start"][~post], series["fitted"][~post], color=PALETTE["main"], lw=2, label="fitted")
    ax.plot(series["period_start"][post], series["fitted"][post], color=PALETTE["main"], lw=2)
    ax.plot(series["period_start"][post], series["counterfactual"][post], color=PALETTE["main"], lw=1.5, ls="--",
            label="without the campaign (counterfactual)")
    ax.fill_between(series["period_start"][post], series["counterfactual"][post], series["fitted"][post],
                    color=PALETTE["promoter"], alpha=0.15)
    ax.axvline(pd.Timestamp(start), color=PALETTE["flag"], ls="--", lw=1, label="campaign start")
    ax.set_ylabel(metric_label(outcome))
    ax.legend(loc="best", fontsize=8, frameon=False)
    _despine(ax)
    return ax


def _spread_labels(y: np.ndarray, min_gap: float) -> np.ndarray:
    """Nudge label positions apart so that no two are closer than ``min_gap`` (order kept)."""
    order = np.argsort(y)
    out = y.astype(float).copy()
    for a, b in zip(order[:-1], order[1:], strict=False):
        if out[b] - out[a] < min_gap:
            out[b] = out[a] + min_gap
    return out


@_plain_text
def plot_importance_performance(table: pd.DataFrame, *, ax=None, labels: Mapping | None = None):
    """Importance-performance quadrant: each driver's share of R² against its performance.

    Quadrant lines sit at the medians; the lower-right quadrant (important,
    performing worst) is shaded as the place to act first.  Labels are
    spread vertically so that they do not overlap; ``labels`` (``{driver: label}``,
    e.g. the schema's ``short_labels``) names the drivers, long names are shortened.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(table, ["driver", "share", "performance"])
    ax = _axes(ax, (7, 5))
    if table.empty:
        return _no_data(ax, "No drivers to show")
    x, y = table["share"].to_numpy(float), table["performance"].to_numpy(float)
    mx, my = np.median(x), np.median(y)
    ax.axvline(mx, color="#888", lw=1, ls="--")
    ax.axhline(my, color="#888", lw=1, ls="--")
    xlo, xhi = min(x.min(), mx) - 3, max(x.max(), mx) + 8
    span = max(y.max() - y.min(), 1e-9)
    ylo, yhi = y.min() - 0.15 * span, y.max() + 0.15 * span
    ax.fill_between([mx, xhi], ylo, my, color=PALETTE["detractor"], alpha=0.08, lw=0)
    if "ci_low" in table and table["ci_low"].notna().any():
        ax.errorbar(x, y, xerr=[x - table["ci_low"].to_numpy(float), table["ci_high"].to_numpy(float) - x],
                    fmt="none", ecolor="#9bb4cc", lw=1)
    ax.scatter(x, y, s=60, color=PALETTE["main"], zorder=3)
    ly = _spread_labels(y, 0.06 * span)
    for xi, yi, lyi, name in zip(x, y, ly, table["driver"], strict=False):
        label = wrap_label(_label(labels, name).replace("_", " "), 34, 3)  # a long question: short lines
        ax.annotate(label, (xi, yi), xytext=(xi + 0.8, lyi), fontsize=9, va="center",
                    arrowprops={"arrowstyle": "-", "color": "#aaa", "lw": 0.6} if abs(lyi - yi) > 1e-9 else None)
    ax.text(xhi, ylo, "act first: important, performing worst", ha="right", va="bottom", fontsize=8,
            color=PALETTE["detractor"])
    ax.set_xlim(xlo, xhi)
    ax.set_ylim(ylo, yhi)
    ax.set_xlabel("Importance: share of explained variation (%)")
    ax.set_ylabel("Performance (mean rating)" if table.attrs.get("performance", "mean") == "mean"
                  else "Performance (% top box)")
    _despine(ax)
    return ax


@_plain_text
def plot_driver_heatmap(table: pd.DataFrame, *, by: str, ax=None, labels: Mapping | None = None):
    """Heatmap of each driver's share of R² (%) by segment (a ``drivers(..., by=...)`` table).

    ``labels`` (``{column: label}``, e.g. the schema's ``short_labels``) names the drivers and ``by``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    require_columns(table, [by, "driver", "share"])
    grid = table.pivot_table(index="driver", columns=by, values="share", observed=True)
    grid = grid.loc[grid.mean(axis=1).sort_values(ascending=False).index]
    grid.index = [_label(labels, d) for d in grid.index]
    ax = _axes(ax, (min(13.0, 1.5 + 1.1 * grid.shape[1]), 0.8 + 0.5 * grid.shape[0]))
    _seaborn().heatmap(grid, annot=True, fmt=".0f", cmap="Blues", ax=ax, linewidths=0.5, linecolor="white",
                cbar_kws={"label": "share of R² (%)"})
    _mark_cells(ax, *grid.shape)
    ax.set_ylabel("")
    ax.set_xlabel(_label(labels, by))
    return ax


# --------------------------------------------------------------------------- plots


def plot_sentiment_trend(table: pd.DataFrame, *, ax=None):
    """Mean sentiment by period with its interval as a band (a :func:`sentiment` table made with ``freq``).

    Suppressed periods are left as gaps.  Returns the Axes.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    t = table[~table["suppressed"]] if "suppressed" in table else table
    if t.empty or "period" not in t:
        ax.text(0.5, 0.5, "No periods to show", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    order = sorted(table["period"].astype(str).unique())
    pos = {p: i for i, p in enumerate(order)}
    x = t["period"].astype(str).map(pos).to_numpy()
    ax.fill_between(x, t["ci_low"], t["ci_high"], alpha=0.25, color="C0", linewidth=0, label="95% interval")
    ax.plot(x, t["mean"], marker="o", color="C0", label="mean sentiment")
    ax.axhline(0, color="0.5", linewidth=0.8)
    step = max(1, len(order) // 12)
    ax.set_xticks(range(0, len(order), step), [order[i] for i in range(0, len(order), step)], rotation=45,
                  ha="right")
    ax.set_ylabel("Sentiment (−1 to +1)")
    ax.legend(loc="best", frameon=False)
    return ax


def plot_theme_heatmap(table: pd.DataFrame, *, by: str, ax=None, cmap: str = "Blues", labels: Mapping | None = None):
    """Theme share (%) by segment as a heatmap (a :func:`themes` table made with ``by``); suppressed cells blank.

    ``labels`` (``{column: label}``, e.g. the schema's ``short_labels``) names the ``by`` axis.

    Returns the Axes.
    """
    import matplotlib.pyplot as plt

    t = table.copy()
    grid = t.pivot_table(index="theme", columns=by, values="share", aggfunc="first", dropna=False, observed=True)
    if ax is None:
        _, ax = plt.subplots(figsize=(min(13.0, 1.2 + 1.1 * max(len(grid.columns), 2)), 0.9 + 0.45 * max(len(grid), 2)))
    if grid.empty:
        ax.text(0.5, 0.5, "No themes to show", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    values = grid.to_numpy(dtype=float)
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, aspect="auto", vmin=0)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, "–" if np.isnan(v) else f"{v:.0f}%", ha="center", va="center", fontsize=9,
                color="white" if np.isfinite(v) and v > np.nanmax(values) * 0.6 else "black")
    _mark_cells(ax, *values.shape)
    ax.set_xticks(range(len(grid.columns)), [str(c) for c in grid.columns], rotation=30, ha="right")
    ax.set_yticks(range(len(grid)), [str(i) for i in grid.index])
    ax.set_xlabel(_label(labels, by))
    ax.set_title("Share of comments per theme (%)", fontsize=10)
    return ax


# --------------------------------------------------------------------------- plots


def plot_score_distribution(result: HealthResult, *, ax=None):
    """Histogram of health scores with the band limits shaded red / yellow / green."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.2))
    lo, hi = result.bands
    for a, b, colour in ((0, lo, "#d62728"), (lo, hi, "#f2c12e"), (hi, 100, "#2ca02c")):
        ax.axvspan(a, b, color=colour, alpha=0.12, linewidth=0)
    ax.hist(result.scores["score"].dropna(), bins=np.linspace(0, 100, 41), color="0.35")
    ax.set_xlim(0, 100)
    ax.set_xlabel("Health score (0–100)")
    ax.set_ylabel("Customers")
    return ax


def plot_band_heatmap(result: HealthResult, *, ax=None, labels: Mapping | None = None):
    """Share of each segment's customers per band (%), suppressed cells blank.

    ``labels`` (``{column: label}``, e.g. the schema's ``short_labels``) names the breakdown column.
    """
    import matplotlib.pyplot as plt

    from .health import BAND_NAMES

    t = result.table
    grid = t.pivot_table(index="segment", columns="band", values="share", aggfunc="first", dropna=False,
                         observed=False).reindex(columns=list(BAND_NAMES))
    grid = grid.reindex([s for s in t["segment"].drop_duplicates()])
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 0.9 + 0.45 * max(len(grid), 2)))
    values = 100 * grid.to_numpy(dtype=float)
    ax.imshow(np.ma.masked_invalid(values), cmap="Blues", aspect="auto", vmin=0, vmax=100)
    for (i, j), v in np.ndenumerate(values):
        ax.text(j, i, "–" if np.isnan(v) else f"{v:.0f}%", ha="center", va="center", fontsize=9,
                color="white" if np.isfinite(v) and v > 60 else "black")
    _mark_cells(ax, *values.shape)
    ax.set_xticks(range(len(grid.columns)), [str(c) for c in grid.columns])
    ax.set_yticks(range(len(grid)), [str(i) for i in grid.index])
    by = f" by {_label(labels, result.breakdown)}" if result.breakdown else ""
    ax.set_title(f"Customers per band{by} (% of row)", fontsize=10)
    ax.grid(False)
    return ax


def plot_outcome_by_band(result: HealthResult, *, ax=None):
    """Outcome rate per band (all customers) with Wilson intervals."""
    import matplotlib.pyplot as plt

    t = result.table[(result.table["segment"] == "All") & ~result.table["suppressed"]]
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 3))
    colours = {"red": "#d62728", "yellow": "#e0a800", "green": "#2ca02c"}
    x = np.arange(len(t))
    ax.bar(x, 100 * t["rate"], color=[colours[b] for b in t["band"]], alpha=0.8)
    ax.errorbar(x, 100 * t["rate"], yerr=[100 * (t["rate"] - t["ci_low"]), 100 * (t["ci_high"] - t["rate"])],
                fmt="none", ecolor="black", capsize=4)
    ax.set_xticks(x, list(t["band"]))
    ax.set_ylabel(f"{result.outcome} (%)")
    return ax


def plot_calibration(calibration: pd.DataFrame, *, ax=None, label: str = "model"):
    """Observed outcome rate against predicted risk per decile, with Wilson intervals and the diagonal."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4))
    c = calibration
    top = float(max(c["predicted"].max(), c["ci_high"].max())) * 100 * 1.05
    ax.plot([0, top], [0, top], color="0.6", linestyle="--", linewidth=1, label="perfect calibration")
    ax.errorbar(100 * c["predicted"], 100 * c["observed"], yerr=[100 * (c["observed"] - c["ci_low"]),
                                                                 100 * (c["ci_high"] - c["observed"])],
                fmt="o", color="C0", capsize=3, label=label)
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel("Predicted risk (%), decile mean")
    ax.set_ylabel("Observed rate (%)")
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return ax


def plot_roc(curves: Mapping[str, tuple[pd.DataFrame, float]], *, ax=None):
    """ROC curves: ``{label: (roc table, auc)}``."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4))
    ax.plot([0, 1], [0, 1], color="0.6", linestyle="--", linewidth=1)
    for label, (roc, auc) in curves.items():
        ax.plot(roc["fpr"], roc["tpr"], label=f"{label} (AUC {auc:.2f})")
    ax.set_xlabel("False positive rate")
    ax.set_ylabel("True positive rate")
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    return ax
