"""Banner tables: metrics by the segments of one or more banners, with bases and significance letters.

:func:`crosstab` builds the table market-research teams know from Q, SPSS
Custom Tables, Turas Tabs or Qualtrics Crosstabs.  Its rows are metrics
(``csat``, ``csat_mean``, ``nps``, ``ces``, ``ces_top``); its columns are a
Total, then the levels of each banner column.  Each cell has the score, its
base (the number of answers) and the letters of the columns of the same
banner it is significantly above.

Tests (two-sided, the ones :func:`~csat_analysis.compare` uses, through
:func:`~csat_analysis.metrics.pairwise`):

* top-box percentages (``csat``, ``ces_top``): the pooled two-proportion z
  test, identical to R ``prop.test(correct = FALSE)``;
* means (``csat_mean``, ``ces``): Welch's t-test (R ``t.test``);
* NPS: the z test on Rocks's (2016) adjusted values (SPEC.md, "Differences").

With weights, scores are weighted and the tests use Kish's effective bases
``n_eff = (sum w)^2 / sum w^2`` in place of n (the convention of banner
tables).  ``adjust`` corrects the p-values for multiple comparisons within
each metric x banner: ``"holm"`` (family-wise error) or ``"bh"``
(Benjamini-Hochberg false discovery rate).  The Total column has no letter
and is not tested.  A column with fewer than ``privacy_min_n`` answers shows
no score and no letters, and no column is tested against it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._utils import as_list, check_argument, nearest, shorten
from .backends import WarehouseTable
from .exceptions import ParameterError
from .labels import display_label
from .metrics import METRICS, metric_label, pairwise, summarize
from .multiselect import choice_columns
from .privacy import complementary_suppression
from .responses import schema_of
from .results import Result

__all__ = ["crosstab", "Crosstab", "TABLE_COLUMNS", "ADJUSTMENTS"]

#: column order of :attr:`Crosstab.table`
TABLE_COLUMNS = ["metric", "banner", "level", "letter", "n", "n_eff", "score", "higher_than", "low_n", "suppressed"]
#: values of ``adjust``
ADJUSTMENTS = ("none", "holm", "bh")
_ADJUST_NAMES = {"none": "no adjustment for multiple comparisons",
                 "holm": "Holm-adjusted within each metric and banner",
                 "bh": "Benjamini-Hochberg-adjusted within each metric and banner"}
_TESTS = {"share": "pooled two-proportion z-test", "mean": "Welch's t-test",
          "nps": "z-test on adjusted NPS (as compare uses)"}
#: most levels a banner column may have (more is a continuous variable, not a banner)
MAX_LEVELS = 60
#: most level columns side by side in the HTML; further banners start a new block below
BLOCK_COLUMNS = 8
_DECIMALS = {name: m.decimals for name, m in METRICS.items()}
_EXCEL_FORMATS = {name: ("+{0};-{0};{0}" if m.signed else "{0}").format("0." + "0" * m.decimals)
                  for name, m in METRICS.items()}


def column_letters(k: int) -> list[str]:
    """Letters for ``k`` banner columns: A-Z, then AA, AB, ... (as spreadsheet columns).

    >>> column_letters(3), column_letters(28)[-2:]
    (['A', 'B', 'C'], ['AA', 'AB'])
    """
    out = []
    for i in range(k):
        s, j = "", i + 1
        while j:
            j, r = divmod(j - 1, 26)
            s = chr(65 + r) + s
        out.append(s)
    return out


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    out = np.full(len(p), np.nan)
    ok = np.isfinite(p)
    if method == "none" or not ok.any():
        out[ok] = p[ok]
        return out
    out[ok] = _holm(p[ok]) if method == "holm" else _fdr_bh(p[ok])
    return out


# Holm and Benjamini-Hochberg with the arithmetic of statsmodels' ``multipletests`` (``holm``, ``fdr_bh``): the same
# numbers bit for bit (tests/test_lazy_imports.py), without importing statsmodels and scipy.stats into a report.


def _holm(p: np.ndarray) -> np.ndarray:
    order = np.argsort(p)
    adjusted = np.maximum.accumulate(np.take(p, order) * np.arange(len(p), 0, -1))
    adjusted[adjusted > 1] = 1
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out


def _fdr_bh(p: np.ndarray) -> np.ndarray:
    order = np.argsort(p)
    adjusted = np.take(p, order) / (np.arange(1, len(p) + 1) / float(len(p)))
    adjusted = np.minimum.accumulate(adjusted[::-1])[::-1]
    adjusted[adjusted > 1] = 1
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out


@dataclasses.dataclass
class Crosstab(Result):
    """A banner table (see :func:`crosstab`).

    ``table``: tidy, one row per metric x column (``metric, banner, level,
    letter, n, n_eff, score, higher_than, low_n, suppressed``), the Total
    first within each metric.  ``pairs``: every pair of columns tested
    (``metric, banner, level, other, score, score_other, change, p,
    p_adj``).  ``warnings``: columns whose base is below ``min_n`` or
    that are suppressed.  :attr:`styled` is the escaped HTML table;
    :meth:`wide` the table as analysts paste it (one row per metric);
    :meth:`to_excel` and :meth:`to_csv` write it.
    """

    table: pd.DataFrame
    pairs: pd.DataFrame
    rows: list[str]
    banner: list[str]
    alpha: float
    adjust: str
    weights: str | None
    min_n: int
    privacy_min_n: int | None
    warnings: list[str] = dataclasses.field(default_factory=list)
    #: banners that are multi-select questions: their columns overlap and are not tested against each other
    multi: list[str] = dataclasses.field(default_factory=list)
    #: the label shown for each banner column (the schema's ``short_labels``; long headers shortened)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)

    table_title = "Tidy"

    def label(self, banner: str) -> str:
        """The label shown for a banner column."""
        return self.labels.get(banner, banner)

    # ------------------------------------------------------------------ text

    def summary(self) -> str:
        """The banner table in words: rows, banners, bases, how many columns are significantly higher, warnings."""
        t = self.table
        total = t[t["banner"] == "Total"]
        n_total = int(total["n"].max()) if len(total) else 0
        levels = t[t["banner"] != "Total"].drop_duplicates(["banner", "level"])
        higher = t[(t["banner"] != "Total") & (t["higher_than"].astype(str) != "")]
        lines = [f"Banner table of {', '.join(metric_label(m) for m in self.rows)} by {', '.join(self.banner)}: "
                 f"{len(levels):,} columns besides the Total ({n_total:,} answers).",
                 f"{len(higher):,} cell(s) are significantly higher than another column of their banner.",
                 self.legend()]
        return "\n".join(lines + self._warning_lines())

    def legend(self) -> str:
        """One sentence saying which tests, alpha and adjustment the letters come from."""
        kinds = []
        for m in self.rows:
            kind = METRICS[m].kind
            if kind not in kinds:
                kinds.append(kind)
        what = {"share": "percentages", "mean": "means", "nps": "NPS"}
        tests = "; ".join(f"{what[k]}: {_TESTS[k]}" for k in kinds)
        bases = ", on effective bases (weighted)" if self.weights else ""
        text = (f"Letters mark a column significantly higher than the columns of the same banner with those letters "
                f"(two-sided, alpha = {self.alpha:g}, {_ADJUST_NAMES[self.adjust]}{bases}; {tests}). "
                f"The Total is not tested. * base below {self.min_n}: read with care.")
        if self.privacy_min_n:
            text += (f" Columns with fewer than {self.privacy_min_n} answers are suppressed and not tested, and so "
                     "are the smallest other columns of their banner, so that no suppressed column can be worked "
                     "out from the Total.")
        if self.multi:
            text += (f" {', '.join(self.multi)}: multi-select; each column's base is the respondents who chose it, "
                     "and the columns overlap (a respondent can be in several), so they are not tested against "
                     "each other.")
        return text

    def wide(self) -> pd.DataFrame:
        """One row per metric; per column (``banner: level (letter)``) the score, base and letters.

        As the HTML shows it: scores rounded as displayed (one decimal for
        percentages and NPS, two for means; :attr:`table` keeps full
        precision), numbers stored as numbers (``frame.attrs
        ["number_formats"]`` holds their Excel formats); a suppressed
        column's score, base and letters are empty.
        """
        t = self.table
        out = pd.DataFrame({"Metric": [metric_label(m) for m in self.rows]})
        formats: dict[str, str] = {}
        for (banner, level), cells in t.groupby(["banner", "level"], sort=False, observed=True):
            letter = cells["letter"].iloc[0]
            name = "Total" if banner == "Total" else (f"{self.label(banner)}: {level}"
                                                      + (f" ({letter})" if letter else ""))
            by_metric = cells.set_index("metric")
            score = [by_metric["score"].get(m, np.nan) for m in self.rows]
            out[name] = [round(float(s), _DECIMALS[m]) if pd.notna(s) else None
                         for s, m in zip(score, self.rows, strict=False)]
            out[f"{name} base"] = [None if by_metric["suppressed"].get(m, False) else int(by_metric["n"].get(m, 0))
                                   for m in self.rows]
            formats[name] = [_EXCEL_FORMATS[m] for m in self.rows]  # per row, as the HTML shows each metric
            formats[f"{name} base"] = "#,##0"
            if self.weights:
                out[f"{name} eff. base"] = [None if by_metric["suppressed"].get(m, False) or
                                            not by_metric["n"].get(m, 0) else float(by_metric["n_eff"].get(m))
                                            for m in self.rows]
                formats[f"{name} eff. base"] = "#,##0"
            if banner != "Total":
                out[f"{name} sig."] = [by_metric["higher_than"].get(m, "") for m in self.rows]
        out.attrs["number_formats"] = formats
        return out

    @property
    def styled(self):
        """The banner table as escaped HTML: metrics x columns grouped under banner headings, with a legend.

        Banners are laid side by side up to :data:`BLOCK_COLUMNS` level
        columns; more go into further blocks below (each with the Total), and
        a banner with more levels than that is split over several blocks
        (its heading marked "continued"), so a page of 1300 px, or paper, never
        needs a horizontal scroll bar, even for 16 segments.
        The output also carries the table's data (for the report workbook)
        and a "Download CSV" link.
        """
        from .display import TABLE_MIME, DataHTML, csv_link, esc, table_payload

        t = self.table
        first = t[t["metric"] == self.rows[0]]
        chunks = []
        for b in self.banner:
            levels = first.loc[first["banner"] == b, "level"].tolist()
            chunks += [(b, tuple(levels[k:k + BLOCK_COLUMNS]), k > 0) for k in range(0, len(levels), BLOCK_COLUMNS)]
        blocks: list[list[tuple]] = []
        for chunk in chunks:
            if blocks and sum(len(c[1]) for c in blocks[-1]) + len(chunk[1]) <= BLOCK_COLUMNS:
                blocks[-1].append(chunk)
            else:
                blocks.append([chunk])
        blocks = blocks or [[]]  # no level with answers: the Total alone
        caption = "Banner table: " + ", ".join(self.label(b) for b in self.banner)
        parts = [self._block_html(block, caption if i == 0 else None) for i, block in enumerate(blocks)]
        legend = f'<p class="ct-legend">{esc(self.legend())}</p>'
        questions = [f"{self.label(b)}: {b}" for b in self.banner if self.label(b) != b]
        if questions:  # the full question text once, under the table that shortens it
            legend += f'<p class="ct-legend ct-questions">Questions. {esc("; ".join(questions))}</p>'
        wide = self.wide()
        return DataHTML(f'<div class="csat-crosstab-wrap">{"".join(parts)}</div>{legend}'
                         + csv_link(wide, "banner-table.csv"), TABLE_MIME, table_payload(wide, "Banner table"))

    def _block_html(self, banners: list[tuple], caption: str | None) -> str:
        from .display import esc
        from .narrative import fmt_score

        t = self.table
        head1 = ['<th rowspan="2" class="ct-corner"></th>', '<th rowspan="2" class="num ct-total">Total</th>']
        head2 = []
        columns = [("Total", "Total")]
        for banner, levels, continued in banners:
            cells = t[(t["banner"] == banner) & (t["metric"] == self.rows[0]) & t["level"].isin(levels)]
            more = " (continued)" if continued else ""
            head1.append(f'<th colspan="{len(cells)}" class="ct-banner">{esc(self.label(banner))}{more}</th>')
            for i, (level, letter) in enumerate(zip(cells["level"], cells["letter"], strict=False)):
                first = " ct-first" if i == 0 else ""
                head2.append(f'<th class="num ct-level{first}">{esc(level)}<br>'
                             f'<span class="ct-letter">{esc(letter)}</span></th>')
                columns.append((banner, level))
        firsts = {next(c for c in columns if c[0] == b and c[1] in levels) for b, levels, _ in banners}
        body = []
        for m in self.rows:
            cells_html = [f'<th class="ct-metric">{esc(metric_label(m))}</th>']
            rows = t[t["metric"] == m].set_index(["banner", "level"])
            for key in columns:
                cls = ["num"] + (["ct-total"] if key[0] == "Total" else []) + (["ct-first"] if key in firsts else [])
                if key not in rows.index:
                    cells_html.append(f'<td class="{" ".join(cls)}">–</td>')
                    continue
                r = rows.loc[key]
                if r["suppressed"]:
                    cls.append("ct-suppressed")
                    text = 'suppressed<br><span class="ct-base">privacy</span>'
                else:
                    low = bool(r["low_n"]) and r["n"] > 0
                    score = fmt_score(m, r["score"], _DECIMALS[m]) if pd.notna(r["score"]) else "–"
                    sig = f' <span class="ct-sig">{esc(r["higher_than"])}</span>' if r["higher_than"] else ""
                    if low:
                        cls.append("ct-low")
                    base = f'<span class="ct-base">n={int(r["n"]):,}</span>'
                    if self.weights and pd.notna(r["n_eff"]) and r["n"] > 0:
                        base += f'<br><span class="ct-base">eff. {r["n_eff"]:,.0f}</span>'
                    text = f'{esc(score)}{"*" if low else ""}{sig}<br>{base}'
                cells_html.append(f'<td class="{" ".join(cls)}">{text}</td>')
            body.append("<tr>" + "".join(cells_html) + "</tr>")
        cap = f"<caption>{esc(caption)}</caption>" if caption else ""
        return (f'<table class="csat-table csat-crosstab">{cap}<thead><tr>{"".join(head1)}</tr>'
                f'<tr>{"".join(head2)}</tr></thead><tbody>{"".join(body)}</tbody></table>')

    def _repr_html_(self) -> str:
        return self.styled.data

    # ------------------------------------------------------------------ files

    # :meth:`to_csv` writes the tidy table; :meth:`to_excel` (both from :class:`~csat_analysis.results.Result`)
    # writes "About" (tests, alpha, adjustment), "Banner table" (wide), "Tidy" (the table) and "Tests" (pairs).

    def sheets(self) -> dict[str, pd.DataFrame]:
        tidy = self.table.copy()
        tidy.attrs["number_formats"] = {"score": "0.0##", "n_eff": "#,##0.0"}
        pairs = self.pairs.copy()
        pairs.attrs["number_formats"] = {"p": "0.0000", "p_adj": "0.0000", "change": "+0.0##;-0.0##;0.0"}
        return {"Banner table": self.wide(), "Tidy": tidy, "Tests": pairs}

    def about(self) -> dict[str, Any]:
        return {"Table": "Banner table", "Rows": ", ".join(metric_label(m) for m in self.rows),
                "Banners": ", ".join(self.label(b) for b in self.banner),
                "Weights": self.weights or "none (unweighted)",
                "Significance": self.legend(), "Warnings": list(self.warnings) or "none"}


def _default_rows(data: pd.DataFrame) -> list[str]:
    return [m for m in METRICS if METRICS[m].column in data.columns]


def _default_banner(data: pd.DataFrame) -> list[str]:
    segments = (schema_of(data).get("columns") or {}).get("segments") or []
    return [c for c in segments if c in data.columns]


def _check(data: pd.DataFrame, rows, banner, weights, alpha, adjust) -> tuple[list[str], list[str]]:
    rows = _default_rows(data) if rows is None else as_list(rows)
    for m in rows:
        if m not in METRICS:
            raise ParameterError(f"Unknown metric {shorten(m)!r} in rows; metrics are {list(METRICS)}."
                                 f"{nearest(str(m), METRICS)}")
        if METRICS[m].column not in data.columns:
            raise ParameterError(f"Metric {m!r} needs the score column {METRICS[m].column!r}, which is not in the "
                                 f"data; map it under metrics in the schema or leave {m!r} out of rows.")
    if not rows:
        raise ParameterError("crosstab needs at least one metric: the data has none of the score columns "
                             f"{sorted({d.column for d in METRICS.values()})}.")
    if len(set(rows)) != len(rows):
        raise ParameterError(f"rows lists a metric twice: {rows}.")
    banner = _default_banner(data) if banner is None else as_list(banner)
    if not banner:
        raise ParameterError("crosstab needs a banner: pass banner=[column, ...], or list segment columns under "
                             "columns.segments in the schema.")
    for col in banner:
        if col not in data.columns and not isinstance(data, WarehouseTable) and choice_columns(data, col):
            continue  # a multi-select question: one column per choice
        if col not in data.columns:
            raise ParameterError(f"The banner column {shorten(col)!r} is not in the data; columns are "
                                 f"{list(map(str, data.columns))}.{nearest(str(col), map(str, data.columns))}")
        if col == "Total":
            raise ParameterError("A banner column may not be named 'Total' (the name of the all-respondents column); "
                                 "rename it, e.g. data.rename(columns={'Total': 'Total group'}).")
        if col in {d.column for d in METRICS.values()} or (isinstance(weights, str) and col == weights) \
                or col == "date":
            raise ParameterError(f"The banner column {col!r} is a score, weight or date column; a banner holds "
                                 "categories (segments, campaign or offer columns).")
        levels = len(data.levels(col)) if isinstance(data, WarehouseTable) else data[col].nunique(dropna=True)
        if levels > MAX_LEVELS:
            raise ParameterError(f"The banner column {col!r} has {levels:,} distinct values; a banner column needs "
                                 f"a few categories (at most {MAX_LEVELS}). Group it first (e.g. pd.cut).")
    if len(set(banner)) != len(banner):
        raise ParameterError(f"banner lists a column twice: {banner}.")
    if weights is not None and isinstance(weights, str) and weights not in data.columns:
        raise ParameterError(f"The weights column {shorten(weights)!r} is not in the data."
                             f"{nearest(weights, data.columns)}")
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise ParameterError(f"alpha must be a number between 0 and 1 (e.g. 0.05); {alpha!r} was passed.")
    check_argument("adjust", ADJUSTMENTS, adjust)
    return rows, banner


def crosstab(
    data: pd.DataFrame,
    *,
    rows: Sequence[str] | str | None = None,
    banner: Sequence[str] | str | None = None,
    weights: Any = None,
    alpha: float = 0.05,
    adjust: str = "none",
    min_n: int | None = None,
    privacy_min_n: int | None = None,
) -> Crosstab:
    """A banner table: metrics (rows) by the levels of banner columns, with bases and significance letters.

    Parameters
    ----------
    data : DataFrame
        The canonical responses table (:func:`csat_analysis.load_responses`).
    rows : list of {"csat", "csat_mean", "nps", "ces", "ces_top"}, optional
        The metrics; default every metric whose score column is in ``data``.
    banner : str or list of str, optional
        Categorical columns whose levels become columns; default the schema's
        segments.  A campaign or offer column works too.  Rows with a missing
        value are in the Total but in no column of that banner.
    weights : str, Series or a :func:`~csat_analysis.weighting.rake` result, optional
        Weight column (or weights, as the estimators take them): weighted
        scores, tests on effective bases (Kish n_eff).
    alpha : float
        Significance level of the letters.
    adjust : {"none", "holm", "bh"}
        Multiple-comparison adjustment of the pairwise p-values within each
        metric x banner.
    min_n : int, optional
        Cells with fewer answers are flagged ``low_n`` (an asterisk in the
        HTML); default 30 (SPEC.md).  They are still tested.
    privacy_min_n : int, optional
        Columns with fewer answers are suppressed: no score, no letters, and
        no other column is tested against them.

    Returns
    -------
    Crosstab
        ``.table`` (``metric, banner, level, letter, n, n_eff, score,
        higher_than``, plus ``low_n`` and ``suppressed``), ``.pairs`` (every
        test), ``.styled`` (HTML), ``.to_excel(path)``, ``.to_csv(path)``.

    Examples
    --------
    >>> df = pd.DataFrame({"csat": [5] * 60 + [2] * 40 + [5] * 40 + [2] * 60,
    ...                    "seg": ["a"] * 100 + ["b"] * 100})
    >>> ct = crosstab(df, rows="csat", banner="seg")
    >>> ct.table[["level", "letter", "n", "score", "higher_than"]]
       level letter    n  score higher_than
    0  Total         200   50.0
    1      a      A  100   60.0           B
    2      b      B  100   40.0
    """
    rows, banner = _check(data, rows, banner, weights, alpha, adjust)
    min_n = 30 if min_n is None else int(min_n)
    total = summarize(data, metrics=rows, weights=weights, min_n=min_n)
    parts = []
    for m in rows:
        r = total[total["metric"] == m].iloc[0]
        small = bool(privacy_min_n and 0 < r["n"] < privacy_min_n)
        parts.append({"metric": m, "banner": "Total", "level": "Total", "letter": "",
                      "n": pd.NA if small else int(r["n"]), "n_eff": np.nan if small else float(r["n_eff"]),
                      "score": np.nan if small else float(r["score"]), "higher_than": "",
                      "low_n": bool(r["low_n"]), "suppressed": small})
    pair_frames = []
    multi = []
    for col in banner:
        remote = isinstance(data, WarehouseTable)  # a database table: levels and subsets are queries
        if not remote and col not in data.columns:  # a multi-select question (checked in _check)
            multi.append(col)
            parts += _choice_cells(data, col, rows, weights, min_n, privacy_min_n)
            continue
        by_level = summarize(data, metrics=rows, by=col, weights=weights, min_n=min_n)
        seen = set(data.levels(col)) if remote else set(pd.unique(data[col].dropna().astype(object)))
        by_level = by_level[by_level[col].astype(object).isin(seen)]
        levels = list(pd.unique(by_level[col].astype(object)))
        letters = dict(zip(levels, column_letters(len(levels)), strict=False))
        joiner = "" if len(levels) <= 26 else ","
        for m in rows:
            part = by_level[by_level["metric"] == m]
            cells = dict(zip(part[col].astype(object), part.to_dict("records"), strict=False))
            # a column without answers has nothing to hide: it shows n=0 and no score.  A small column is
            # suppressed, and so are the smallest others until the Total minus the shown columns gives no
            # small column back (complementary suppression, privacy.complementary_suppression)
            hidden = set()
            if privacy_min_n and levels:
                mask = complementary_suppression(pd.DataFrame({"n": [cells[lv]["n"] for lv in levels]}),
                                                 privacy_min_n=privacy_min_n)
                hidden = {lv for lv, h in zip(levels, mask, strict=True) if h}
            above: dict[Any, list[str]] = {lv: [] for lv in levels}
            testable = [lv for lv in levels if lv not in hidden and cells[lv]["n"] > 0]
            if len(testable) >= 2:
                subset = data.filter(column=col, equals=testable) if remote else \
                    data[data[col].astype(object).isin(testable)]
                pw = pairwise(subset, metric=m, by=col, weights=weights)
                pw = pw[pw["level"].astype(object).isin(testable) & pw["other"].astype(object).isin(testable)]
                order = {lv: i for i, lv in enumerate(levels)}
                pw = pw[[order[a] < order[b] for a, b in zip(pw["level"], pw["other"], strict=False)]]
                pw = pw.reset_index(drop=True)
                pw["p_adj"] = _adjust(pw["p"].to_numpy(), adjust)
                for r in pw.itertuples(index=False):
                    if np.isfinite(r.p_adj) and r.p_adj < alpha and np.isfinite(r.change) and r.change != 0:
                        hi, lo = (r.level, r.other) if r.change > 0 else (r.other, r.level)
                        above[hi].append(lo)
                pw.insert(0, "banner", col)
                pw.insert(0, "metric", m)
                pair_frames.append(pw[["metric", "banner", "level", "other", "n", "n_other", "n_eff", "n_eff_other",
                                       "score", "score_other", "change", "p", "p_adj"]])
            for lv in levels:
                c = cells[lv]
                hide = lv in hidden
                marks = sorted(above[lv], key=levels.index)
                parts.append({"metric": m, "banner": col, "level": lv, "letter": letters[lv],
                              "n": pd.NA if hide else int(c["n"]),
                              "n_eff": np.nan if hide else float(c["n_eff"]),
                              "score": np.nan if hide else float(c["score"]),
                              "higher_than": "" if hide else joiner.join(letters[x] for x in marks),
                              "low_n": bool(c["low_n"]), "suppressed": hide})
    table = pd.DataFrame(parts, columns=TABLE_COLUMNS)
    table["n"] = table["n"].astype("Int64")  # a suppressed column's base is hidden with its score
    table["_m"] = table["metric"].map({m: i for i, m in enumerate(rows)})
    table = table.sort_values("_m", kind="stable").drop(columns="_m").reset_index(drop=True)
    table["level"] = table["level"].astype(object).map(lambda v: v if isinstance(v, str) else str(v))
    pair_cols = ["metric", "banner", "level", "other", "n", "n_other", "n_eff", "n_eff_other", "score", "score_other",
                 "change", "p", "p_adj"]
    pairs = pd.concat(pair_frames, ignore_index=True) if pair_frames else pd.DataFrame(columns=pair_cols)
    for c in ("level", "other"):
        pairs[c] = pairs[c].astype(object).map(lambda v: v if isinstance(v, str) else str(v))
    return Crosstab(table, pairs, rows, banner, float(alpha), adjust, weights if isinstance(weights, str) else
                    (None if weights is None else "weights"), min_n, privacy_min_n, _warnings(table, min_n), multi,
                    {b: display_label(getattr(data, "schema", None), b) for b in banner})


def _warnings(table: pd.DataFrame, min_n: int) -> list[str]:
    """Sentences naming the banner columns that are suppressed or have a base below ``min_n``."""
    out = []
    cols = table[table["banner"] != "Total"]
    for flag, text in (("suppressed", "suppressed (too few answers to show)"),
                       ("low_n", f"based on fewer than {min_n} answers for some metric: read with care")):
        hit = cols[cols[flag].astype(bool) & (flag == "suppressed" or ~cols["suppressed"].astype(bool))]
        names = list(dict.fromkeys(f"{b}: {lv}" for b, lv in zip(hit["banner"], hit["level"], strict=True)))
        if names:
            shown = ", ".join(shorten(n, 60) for n in names[:10]) + (f" and {len(names) - 10:,} more"
                                                                     if len(names) > 10 else "")
            out.append(f"{len(names):,} column(s) are {text}: {shown}.")
    return out


def _choice_cells(data: pd.DataFrame, question: str, rows: list[str], weights: Any, min_n: int,
                  privacy_min_n: int | None) -> list[dict[str, Any]]:
    """The cells of a multi-select banner: per choice, the respondents who chose it (no letters: the
    columns overlap, so the two-sample tests do not apply)."""
    cols = choice_columns(data, question)
    out = []
    for m in rows:
        for c in cols:
            level = c[len(question) + 2:]
            chosen = data[c].astype("boolean").fillna(False).to_numpy(dtype=bool)
            marker = pd.Series(np.where(chosen, level, None), index=data.index, dtype=object)
            cell = summarize(data.assign(**{question: marker}), metrics=m, by=question, weights=weights, min_n=min_n)
            cell = cell[cell[question].astype(object) == level]
            n = int(cell["n"].iloc[0]) if len(cell) else 0
            hide = bool(privacy_min_n and 0 < n < privacy_min_n)
            out.append({"metric": m, "banner": question, "level": level, "letter": "", "n": n,
                        "n_eff": np.nan if hide or not n else float(cell["n_eff"].iloc[0]),
                        "score": np.nan if hide or not n else float(cell["score"].iloc[0]),
                        "higher_than": "", "low_n": bool(cell["low_n"].iloc[0]) if n else True, "suppressed": hide})
    return out
