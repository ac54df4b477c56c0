"""The cells layer: rows reduced to sufficient statistics, before any formula.

Every statistic of the package comes from one weighted score histogram per
group.  This module makes those histograms in one vectorised pass: each row
is given its *fine cell* (segment cell x calendar day, :class:`Cells`), rows
are counted per fine cell and score with ``numpy.bincount`` in cache-sized
blocks (:func:`count`), and the fine cells are folded into the groups --
segments x periods -- a table asks for (:func:`fold`, :class:`Grouped`).
:mod:`csat_analysis.backends` builds the same :class:`Cells` from a
warehouse query; :mod:`csat_analysis.metrics` turns the folded histograms
into estimates.  Period codes and labels (``2024-W05``, ``2024-03``,
``2024Q1``, ``2024``) live here too.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._utils import as_list
from .exceptions import DataError, ParameterError

__all__ = [
    "Cells",
    "Grouped",
    "fine_cells",
    "fold",
    "groups",
    "count",
    "date_periods",
    "period_labeller",
    "period_start",
    "label_code",
    "period_codes",
    "period_order",
    "PeriodChoice",
    "choose_freq",
    "FREQ_WORDS",
    "MAX_FINE_CELLS",
    "BLOCK",
]


#: each period frequency in words (the report header and digests)
FREQ_WORDS = {"D": "daily", "W": "weekly", "M": "monthly", "Q": "quarterly", "Y": "yearly"}
_FREQ_UNITS = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}


@dataclasses.dataclass(frozen=True)
class PeriodChoice:
    """The period of a report's changes and charts, and why (see :func:`choose_freq`).

    ``freq`` is one of ``D``, ``W``, ``M``, ``Q``, ``Y`` (``None``: the data has
    no dates); ``reason`` is a sentence for the report header; ``periods`` is
    how many periods of that length the data spans; ``chosen`` is False when
    the user gave the period.
    """

    freq: str | None
    reason: str
    periods: int = 0
    chosen: bool = True

    def __str__(self) -> str:
        return self.reason


def _span_periods(first: pd.Timestamp, last: pd.Timestamp, freq: str) -> int:
    day0, day1 = (np.datetime64(pd.Timestamp(d).date(), "D") for d in (first, last))
    codes = date_periods(pd.Series(pd.to_datetime([day0, day1])), freq)[0]
    return int(codes[1] - codes[0] + 1)


def choose_freq(data: Any, *, freq: str | None = None, date: str = "date") -> PeriodChoice:
    """The period for changes and period charts, from the span of the answers' dates.

    Without ``freq`` the period is the longest one that still gives at least six
    periods where the data allows: daily when the answers span under six ISO weeks
    (nine days: nine days), weekly under six calendar months (three months: about
    13 weeks), monthly up to 27 months (two years: 24 months), quarterly beyond.
    A ``freq`` given by the user always wins.  ``data`` is a responses frame, a
    :class:`~csat_analysis.backends.WarehouseTable` or a Series of dates.

    Parameters
    ----------
    data : DataFrame, WarehouseTable or Series
        The responses (their ``date`` column) or the dates themselves.
    freq : {"D", "W", "M", "Q", "Y"}, optional
        The user's period; returned as given (``chosen=False``).
    date : str
        The date column.

    Returns
    -------
    PeriodChoice
        ``freq``, a ``reason`` sentence for the header, the number of ``periods``.

    Examples
    --------
    >>> days = pd.Series(pd.date_range("2024-03-01", "2024-03-09"))
    >>> choice = choose_freq(days)
    >>> choice.freq, choice.periods
    ('D', 9)
    >>> choice.reason
    'daily, chosen from the dates: the answers span 9 days (01 Mar 2024 to 09 Mar 2024)'
    >>> choose_freq(pd.Series(pd.date_range("2022-01-01", "2023-12-31", freq="D"))).freq
    'M'
    >>> choose_freq(days, freq="W").reason
    'weekly, as requested (2 weeks in the data)'
    """
    if freq is not None and freq not in FREQ_WORDS:
        raise ParameterError(f"The value for `freq` must be one of {list(FREQ_WORDS)} (daily, weekly, monthly, "
                             f"quarterly, yearly), not {freq!r}.")
    if isinstance(data, pd.Series):
        dates = pd.to_datetime(data, errors="coerce")
    elif hasattr(data, "date_bounds") and not isinstance(data, pd.DataFrame):  # a warehouse table
        dates = data.date_bounds(date) if data.has_dates() else pd.Series([], dtype="datetime64[ns]")
    elif date in getattr(data, "columns", ()) and pd.api.types.is_datetime64_any_dtype(data[date]):
        dates = data[date]
    else:
        dates = pd.Series([], dtype="datetime64[ns]")
    dates = dates.dropna()
    if dates.empty:
        if freq is not None:
            return PeriodChoice(freq, f"{FREQ_WORDS[freq]}, as requested", 0, chosen=False)
        return PeriodChoice(None, "none: the data has no usable dates", 0)
    first, last = dates.min(), dates.max()
    if freq is not None:
        n = _span_periods(first, last, freq)
        unit = _FREQ_UNITS[freq] if n != 1 else _FREQ_UNITS[freq][:-1]
        return PeriodChoice(freq, f"{FREQ_WORDS[freq]}, as requested ({n} {unit} in the data)", n, chosen=False)
    if _span_periods(first, last, "W") < 6:
        chosen = "D"
    elif _span_periods(first, last, "M") < 6:
        chosen = "W"
    elif _span_periods(first, last, "M") <= 27:
        chosen = "M"
    else:
        chosen = "Q"
    n = _span_periods(first, last, chosen)
    days = int((pd.Timestamp(last).normalize() - pd.Timestamp(first).normalize()).days) + 1
    if days < 62:
        span = f"{days} day{'s' if days != 1 else ''}"
    elif days < 730:
        span = f"{_span_periods(first, last, 'M')} months"
    else:
        span = f"{days / 365.25:.1f} years"
    unit = _FREQ_UNITS[chosen] if n != 1 else _FREQ_UNITS[chosen][:-1]
    why = "" if chosen == "D" else f", giving {n} {unit}"
    return PeriodChoice(chosen, f"{FREQ_WORDS[chosen]}, chosen from the dates: the answers span {span} "
                                f"({first:%d %b %Y} to {last:%d %b %Y}){why}", n)


def date_periods(dates: pd.Series, freq: str) -> tuple[np.ndarray, Any]:
    """Integer period codes (NaT -> -1) and a function code -> label.

    Codes are computed once per calendar day in the data's range and looked
    up for every row (a day count is one integer division of the timestamps).
    """
    d = dates.to_numpy(dtype="datetime64[ns]")
    nat = np.isnat(d)
    day = d.astype("datetime64[D]").astype(np.int64)
    if nat.all():
        return np.full(len(d), -1, dtype=np.int64), period_labeller(freq)
    d0, d1 = day[~nat].min(), day[~nat].max()
    span = np.arange(d0, d1 + 1).astype("datetime64[D]")
    if freq == "M":
        table = span.astype("datetime64[M]").astype(np.int64)
    elif freq == "Q":
        table = span.astype("datetime64[M]").astype(np.int64) // 3
    elif freq == "Y":
        table = span.astype("datetime64[Y]").astype(np.int64)
    elif freq == "D":
        table = span.astype(np.int64)
    else:  # ISO weeks starting on Monday; 1970-01-01 was a Thursday
        table = (span.astype(np.int64) + 3) // 7
    codes = table[np.clip(day - d0, 0, len(table) - 1)]
    return np.where(nat, -1, codes), period_labeller(freq)


def period_labeller(freq: str):
    """Function turning an integer period code into its label (``2024-03-05``, ``2024-03``, ``2024Q1``, ``2024``,
    ``2024-W05``)."""
    if freq == "D":
        return lambda c: str(np.datetime64(int(c), "D"))
    if freq == "M":
        return lambda c: str(np.datetime64(int(c), "M"))
    if freq == "Q":
        return lambda c: f"{1970 + int(c) // 4}Q{int(c) % 4 + 1}"
    if freq == "Y":
        return lambda c: str(1970 + int(c))

    def label(c):
        year, week, _ = pd.Timestamp(np.datetime64(int(c) * 7 - 3, "D")).isocalendar()
        return f"{year}-W{week:02d}"

    return label


def period_start(code: int, freq: str) -> pd.Timestamp:
    """First day of the period with integer ``code`` (see :func:`date_periods`)."""
    if freq == "M":
        return pd.Timestamp(np.datetime64(int(code), "M"))
    if freq == "Q":
        return pd.Timestamp(np.datetime64(int(code) * 3, "M"))
    if freq == "Y":
        return pd.Timestamp(np.datetime64(int(code), "Y"))
    if freq == "D":
        return pd.Timestamp(np.datetime64(int(code), "D"))
    return pd.Timestamp(np.datetime64(int(code) * 7 - 3, "D"))


_LABEL_FORMS = (
    ("D", re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")),
    ("W", re.compile(r"^(\d{4})-W(\d{2})$")),
    ("M", re.compile(r"^(\d{4})-(\d{2})$")),
    ("Q", re.compile(r"^(\d{4})Q([1-4])$")),
    ("Y", re.compile(r"^(\d{4})$")),
)


def label_code(label: Any) -> tuple[str | None, float]:
    """(freq, integer period code) of one period label; ``(None, nan)`` if it is not one."""
    text = str(label)
    for freq, form in _LABEL_FORMS:
        m = form.match(text)
        if not m:
            continue
        if freq == "D":
            try:
                return freq, float(np.datetime64(datetime.date(*map(int, m.groups())), "D").astype(np.int64))
            except ValueError:  # 2023-02-30
                return None, np.nan
        year, part = int(m.group(1)), int(m.group(2)) if form.groups > 1 else 0
        if freq == "Y":
            return freq, float(year - 1970)
        if freq == "Q":
            return freq, float((year - 1970) * 4 + part - 1)
        if freq == "M":
            return (freq, float((year - 1970) * 12 + part - 1)) if 1 <= part <= 12 else (None, np.nan)
        try:  # the Monday of ISO week `part` of ISO year `year` (an impossible week, e.g. 2021-W53, fails)
            monday = datetime.date.fromisocalendar(year, part, 1)
        except ValueError:
            return None, np.nan
        return freq, float((np.datetime64(monday, "D").astype(np.int64) + 3) // 7)
    return None, np.nan


def period_codes(labels: Sequence[Any]) -> tuple[str | None, np.ndarray]:
    """The frequency and integer codes of period labels (``2024-W05``, ``2024-03``, ``2024Q1``, ``2024``).

    Codes count periods (of one frequency) and sort chronologically, where the
    labels' text order may not (a table in order of appearance, a pivot).
    Labels that are not periods (``"all"``), or labels of mixed frequencies,
    give NaN codes and ``freq = None`` when nothing can be compared.

    Examples
    --------
    >>> freq, codes = period_codes(["2023", "2011", "2014"])
    >>> freq, (codes - codes.min()).tolist()
    ('Y', [12.0, 0.0, 3.0])
    >>> period_codes(["2021-W01", "2020-W53"])[1].tolist()
    [2662.0, 2661.0]
    """
    values = pd.Series(list(labels), dtype=object)
    uniq = pd.unique(values)
    parsed = {u: label_code(u) for u in uniq}  # one parse per distinct label, not per row
    freqs = {f for f, _ in parsed.values() if f is not None}
    freq = freqs.pop() if len(freqs) == 1 else None
    codes = np.array([parsed[v][1] if parsed[v][0] == freq else np.nan for v in values], dtype=float)
    return freq, codes


def period_order(labels: Sequence[Any], *, fill: bool = False) -> list:
    """The distinct period labels in chronological order (optionally every period from first to last).

    Labels that are not periods keep their order of appearance, after the
    periods.  With ``fill=True`` periods without a label in ``labels`` (a gap
    year) are inserted, as :func:`~csat_analysis.trend` shows them.

    Examples
    --------
    >>> period_order(["2012", "2014", "2023", "2011"])
    ['2011', '2012', '2014', '2023']
    >>> period_order(["2012", "2014", "2011"], fill=True)
    ['2011', '2012', '2013', '2014']
    >>> period_order(["2021-W02", "2020-W53", "2021-W01"])
    ['2020-W53', '2021-W01', '2021-W02']
    """
    uniq = list(pd.unique(pd.Series(list(labels), dtype=object)))
    freq, codes = period_codes(uniq)
    ok = ~np.isnan(codes)
    other = [u for u, good in zip(uniq, ok, strict=False) if not good]
    if not ok.any():
        return uniq
    if fill:
        label = period_labeller(freq)
        return [label(c) for c in range(int(codes[ok].min()), int(codes[ok].max()) + 1)] + other
    order = np.argsort(codes[ok], kind="stable")
    return [uniq[i] for i in np.flatnonzero(ok)[order]] + other


_NS_PER_DAY = 86_400_000_000_000
MAX_FINE_CELLS = 1 << 18  # day x segment cells; beyond, rows are counted per period instead of per day
BLOCK = 1 << 18  # rows per block: each block's intermediate arrays stay in the CPU cache


@dataclasses.dataclass
class Grouped:
    """The groups of a table: one key row (by columns, ``period``, ``_pcode``) per group."""

    keys: pd.DataFrame
    size: int


@dataclasses.dataclass
class Cells:
    """Where each row is counted: its segment cell and, with a frequency, its calendar day.

    Counting happens per such *fine cell*; the histograms of the few thousand
    fine cells are then folded into groups (periods), so the per-row work does
    not depend on the period length.  Row codes are made block by block in
    :meth:`codes`, which keeps the arrays of each step in the CPU cache.
    """

    n: int  # rows
    by: list[str]
    dims: list[int]  # levels per by column
    levels: list[Any]  # the levels of each by column
    segment: np.ndarray | None = None  # per row: segment cell, negative if a segment value is missing
    stamps: np.ndarray | None = None  # per row: the date as int64 nanoseconds (None without freq)
    first_day: int = 0  # with a frequency: the first calendar day (days since 1970-01-01)
    day_period: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    # per fine day: its period offset (a single 0 without freq)
    nperiods: int = 1
    period_codes: tuple[int, Any] | None = None  # (first period code, labeller) with freq
    by_period: bool = False  # too many fine cells: rows go straight to periods
    some_invalid: bool = False  # some rows have NaT or a missing segment

    def set_days(self, first_day: int, last_day: int, freq: str) -> None:
        """Count per calendar day from ``first_day`` to ``last_day`` (days since 1970-01-01), folded to ``freq``.

        Beyond :data:`MAX_FINE_CELLS` day x segment cells, rows are counted
        per period instead (``by_period``).
        """
        table, label = date_periods(
            pd.Series(np.arange(first_day, last_day + 1).astype("datetime64[D]").astype("datetime64[ns]")), freq)
        p0 = int(table[0])
        self.first_day, self.day_period = first_day, table - p0
        self.nperiods, self.period_codes = int(table[-1] - p0 + 1), (p0, label)
        self.by_period = len(table) * self.ncell > MAX_FINE_CELLS

    @property
    def ncell(self) -> int:
        return int(np.prod(self.dims)) if self.dims else 1

    @property
    def size(self) -> int:
        """Number of fine cells; rows in no group get code ``size``."""
        return (self.nperiods if self.by_period else len(self.day_period)) * self.ncell

    def codes(self, start: int, stop: int, stride: int = 1) -> np.ndarray:
        """``stride`` x the fine cell of rows ``start:stop`` (int64; ``stride * size`` for rows in no group)."""
        segment = None if self.segment is None else self.segment[start:stop]
        bad = np.zeros(stop - start, dtype=bool) if self.some_invalid else None
        if self.stamps is None:
            out = np.zeros(stop - start, dtype=np.int64) if segment is None else segment.astype(np.int64)
        else:
            stamps = self.stamps[start:stop]
            out = stamps // _NS_PER_DAY
            out -= self.first_day
            if bad is not None:
                bad |= stamps == np.iinfo(np.int64).min
                out[bad] = 0  # a valid day until the row is sent to the extra cell below
            if self.by_period:
                out = self.day_period[out]
            if segment is not None:
                out *= self.ncell
                out += segment
        if stride != 1:
            out *= stride
        if bad is not None:
            if segment is not None:
                bad |= segment < 0
            out[bad] = self.size * stride
        return out


def _segment_cells(data: pd.DataFrame, by: list[str]) -> tuple[np.ndarray | None, list[int], list[Any]]:
    """Each row's segment cell (row-major over the ``by`` columns' categories; negative if any is missing).

    One column keeps its categorical codes as they are (often int8), so the
    per-row work that follows reads as few bytes as possible.
    """
    cell, dims, levels = None, [], []
    for col in by:
        cat = data[col] if isinstance(data[col].dtype, pd.CategoricalDtype) else data[col].astype("category")
        part = np.asarray(cat.cat.codes)
        levels.append(cat.cat.categories)
        dims.append(len(cat.cat.categories))
        if cell is None:
            cell = part
        else:
            missing = (cell < 0) | (part < 0)
            cell = cell.astype(np.int64) * dims[-1] + part
            cell[missing] = -1
    return cell, dims, levels


def fine_cells(data: pd.DataFrame, by: Sequence[str] | str | None = None, freq: str | None = None,
               date: str = "date") -> Cells:
    """The fine cells of a table grouped by segment columns and (with ``freq``) period.

    The entry point of the cells layer: the rows' fine cells (segment cell x
    calendar day), from which :func:`count` makes the score histograms and
    :func:`fold` the groups (segments x periods) of a summary table.

    Examples
    --------
    >>> df = pd.DataFrame({"seg": ["a", "b", "a"],
    ...                    "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-03"])})
    >>> cells = fine_cells(df, by="seg", freq="M")
    >>> cells.n, cells.ncell, cells.nperiods, cells.size  # 3 rows; 2 segments x 30 days
    (3, 2, 2, 60)
    >>> grouped, _ = fold(cells, np.bincount(cells.codes(0, cells.n), minlength=cells.size + 1))
    >>> grouped.keys[["seg", "period"]]
      seg   period
    0   a  2024-01
    1   a  2024-02
    2   b  2024-01
    """
    by = as_list(by)
    segment, dims, levels = _segment_cells(data, by)
    invalid = segment is not None and len(segment) and segment.min() < 0
    cells = Cells(len(data), by, dims, levels, segment, some_invalid=bool(invalid))
    if freq is None:
        return cells
    if date not in data.columns:
        raise ParameterError(
            f"`freq={freq!r}` needs a date column, but the data has no {date!r} column; map one under "
            "columns.date in the schema."
        )
    if not pd.api.types.is_datetime64_any_dtype(data[date]):
        raise DataError(f"Column {date!r} is not a datetime column; load the data with load_responses.")
    stamps = data[date].to_numpy(dtype="datetime64[ns]").view(np.int64)
    nat = np.iinfo(np.int64).min
    first = stamps.min() if len(stamps) else nat
    if first == nat:
        valid = stamps[stamps != nat]
        if not len(valid):
            raise DataError(f"Column {date!r} has no usable dates, so periods ({freq}) cannot be formed.")
        first, cells.some_invalid = valid.min(), True
    cells.stamps = stamps
    cells.set_days(int(first // _NS_PER_DAY), int(stamps.max() // _NS_PER_DAY), freq)
    return cells


def fold(cells: Cells, rows: np.ndarray, fill_periods: bool = False) -> tuple[Grouped, np.ndarray]:
    """Groups from the rows counted per fine cell, and the group of each fine cell (``size`` for none).

    A group exists when it has rows; with ``fill_periods`` every segment cell
    that has rows gets every period from the data's first to its last.
    Without segments and periods the single group always exists.
    """
    ncell, nperiods = cells.ncell, cells.nperiods
    day_period = np.arange(nperiods) if cells.by_period else cells.day_period
    grid = (np.arange(ncell)[None, :] * nperiods + day_period[:, None]).ravel()  # fine cell -> segment x period
    present = np.zeros(ncell * nperiods, dtype=bool)
    present[grid[rows[:cells.size] > 0]] = True
    if fill_periods and cells.period_codes is not None:
        present = np.repeat(present.reshape(ncell, nperiods).any(1), nperiods)
    if not cells.by and cells.period_codes is None:
        present[:] = True
    groups = np.flatnonzero(present)
    unr = np.unravel_index(groups, [*cells.dims, nperiods])
    keys: dict[str, Any] = {col: pd.Categorical.from_codes(unr[i], categories=cells.levels[i])
                            for i, col in enumerate(cells.by)}
    if cells.period_codes is not None:
        p0, label = cells.period_codes
        keys["period"] = [label(c) for c in unr[-1] + p0]
        keys["_pcode"] = unr[-1] + p0
    else:
        keys["period"] = ["all"] * len(groups)
    remap = np.full(ncell * nperiods, len(groups), dtype=np.int64)
    remap[groups] = np.arange(len(groups))
    return Grouped(pd.DataFrame(keys), len(groups)), np.append(remap[grid], len(groups))


def groups(data: pd.DataFrame, by: list[str], freq: str | None, date: str = "date",
            fill_periods: bool = False) -> Grouped:
    """The groups alone (no scores counted)."""
    cells = fine_cells(data, by, freq, date)
    return fold(cells, np.bincount(cells.codes(0, cells.n), minlength=cells.size + 1), fill_periods)[0]


def count(cells: Cells, bins: dict[str, np.ndarray], widths: dict[str, int],
           w: np.ndarray | None) -> dict[str, list[np.ndarray]]:
    """Per score column, per fine cell and score bin: counts (and with weights, sums of w and w**2).

    ``bins[col]`` holds each row's bin (``widths[col] - 1`` for a missing
    answer).  Block by block, one ``bincount`` per column over
    ``fine cell * stride + bin`` (int64, so bincount needs no cast).  The last
    fine cell collects the rows outside every group, so no row is filtered.
    """
    stride = max(widths.values())
    length = (cells.size + 1) * stride
    out = {col: [np.zeros(length) for _ in range(1 if w is None else 3)] for col in bins}
    buffer = np.empty(min(cells.n, BLOCK), dtype=np.int64)
    for start in range(0, max(cells.n, 1), BLOCK):
        stop = min(start + BLOCK, cells.n)
        base = cells.codes(start, stop, stride)
        cell = buffer[:stop - start]
        weights = () if w is None else (w[start:stop], w[start:stop] ** 2)
        for col, idx in bins.items():
            np.add(base, idx[start:stop], out=cell)
            for acc, wt in zip(out[col], (None, *weights), strict=False):
                acc += np.bincount(cell, weights=wt, minlength=length)
    return {col: [h.reshape(cells.size + 1, stride)[:, :widths[col]] for h in hists] for col, hists in out.items()}
