"""How the reports show numbers: bands across seeds, numbers to three significant figures,
indicator labels, seed lists and Markdown tables.

Statistics across seeds are medians with a 90% band (5th and 95th percentiles), always
NaN-aware (``time_to_market`` is NaN when nothing was launched recently).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence

import numpy as np

from sim.i18n import label_and_unit, t, unit
from sim.indicators import INDICATORS

#: Country keys and their names in English (the reports write them in their language with
#: :func:`sim.i18n.country_name`).
COUNTRY_NAMES = {"AZ": "Azerbaijan", "BY": "Belarus", "JOINT": "both countries"}
#: Units shown in percent (the value times 100) in reports, their changes in percentage points.
SHARE_UNITS = ("share",)
PERCENT_UNIT, POINTS_UNIT = "%", "pp"
#: Fewest seeds whose 90% band marks a change as significant: with fewer, the 5th and 95th
#: percentiles are little more than the two extreme seeds, so reports show no marks and warn.
MIN_SEEDS_FOR_MARKS = 5



def marks_allowed(seeds: Sequence[int]) -> bool:
    """Whether a report over these seeds may mark changes significant."""
    return len(seeds) >= MIN_SEEDS_FOR_MARKS


def few_seeds_lines(seeds: Sequence[int]) -> list[str]:
    """The warning paragraph (and a blank line) when there are too few seeds, else nothing."""
    if marks_allowed(seeds):
        return []
    return [t("msg.common.few_seeds", n=len(seeds), min=MIN_SEEDS_FOR_MARKS), ""]


def is_share(indicator: str) -> bool:
    """True for an indicator measured as a share (0-1), which reports show in percent."""
    ind = INDICATORS.get(indicator)
    return ind is not None and ind.unit in SHARE_UNITS


def shown(indicator: str, value: float) -> float:
    """A value (or change) of ``indicator`` as reports show it: shares in percent."""
    return value * 100.0 if is_share(indicator) else value


def shown_unit(indicator: str, change: bool = False) -> str:
    """The unit reports show ``indicator`` in: ``%`` for shares (``pp`` for a change)."""
    if is_share(indicator):
        return unit(POINTS_UNIT if change else PERCENT_UNIT)
    return label_of(indicator)[1]


def nan_bands(values: np.ndarray, axis: int | None = None) -> tuple:
    """5th/50th/95th NaN-percentiles along ``axis``, without all-NaN warnings."""
    arr = np.asarray(values, dtype=float)
    if arr.size == 0:
        shape = () if axis is None else np.delete(arr.shape, axis)
        nan = np.full(shape, np.nan)
        return nan, nan.copy(), nan.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, med, hi = np.nanpercentile(arr, [5.0, 50.0, 95.0], axis=axis)
    return med, lo, hi


def band(values: Iterable[float] | np.ndarray) -> tuple[float, float, float]:
    """Median and 90% band of values across seeds, ignoring NaN.

    Args:
        values: one value per seed (NaN allowed).

    Returns:
        ``(median, lo, hi)``: the 50th, 5th and 95th percentiles (linear interpolation), all
        NaN if there is no finite value.
    """
    arr = values if isinstance(values, np.ndarray) else np.fromiter(values, dtype=float)
    med, lo, hi = nan_bands(np.asarray(arr, dtype=float).ravel())
    return float(med), float(lo), float(hi)


def fmt(x: float, signed: bool = False) -> str:
    """Format a number to 3 significant figures for tables (``n/a`` for NaN).

    Args:
        x: the number.
        signed: prefix positive numbers with ``+`` (for differences).

    Returns:
        e.g. ``12.3``, ``0.0500``, ``12,300``, ``+2.00``; never scientific notation: a value
        below 0.0001 in size is ``≈0`` (``+≈0`` / ``−≈0`` when signed), a huge one has all its
        digits.
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    sign = "+" if signed and x > 0 else ""
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    if -4 <= magnitude < 15:  # the magnitude after rounding: 0.99999 shows as 1.00
        x = float(f"{x:.3g}")
        magnitude = math.floor(math.log10(abs(x)))
    if magnitude < -4:
        return ("+" if x > 0 else "−") + "≈0" if signed else "≈0"
    if magnitude >= 15:
        return f"{sign}{x:,.0f}"
    decimals = 2 - magnitude
    rounded = round(x, decimals)
    if decimals <= 0:
        return f"{sign}{rounded:,.0f}"
    return f"{sign}{rounded:.{decimals}f}"


def fmt_band(median: float, lo: float, hi: float, signed: bool = False) -> str:
    """``median [lo, hi]`` with :func:`fmt` (just ``n/a`` when the median is NaN)."""
    if not math.isfinite(median):
        return "n/a"
    return f"{fmt(median, signed)} [{fmt(lo, signed)}, {fmt(hi, signed)}]"


def plain(text: str, limit: int = 40) -> str:
    """``text`` for a plot label drawn as written, cut after ``limit`` characters: matplotlib
    reads a label holding two ``$`` as mathematical notation (and fails on one it cannot
    parse), so ``$`` is escaped."""
    text = str(text) if len(str(text)) <= limit else str(text)[: limit - 1] + "…"
    return text.replace("$", r"\$")


def label_of(indicator: str) -> tuple[str, str]:
    """Label and unit of an indicator in the current language (:mod:`sim.i18n`; its name and
    ``""`` if it is not declared)."""
    return label_and_unit(indicator)


def ordered_names(present: Iterable[str], order: Sequence[str]) -> list[str]:
    """Items of ``present`` in the order of ``order``, unknown ones after them (sorted)."""
    present = set(present)
    return [x for x in order if x in present] + sorted(present - set(order))


def seeds_text(seeds: Sequence[int]) -> str:
    """Seeds for a report line: ``10 (0–9)`` for a run of consecutive seeds, else a list."""
    seeds = sorted(int(s) for s in seeds)
    if len(seeds) > 6 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{len(seeds)} ({seeds[0]}–{seeds[-1]})"
    return f"{len(seeds)} ({', '.join(map(str, seeds))})"


def md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Lines of a Markdown table (first column left-aligned, the others right-aligned)."""
    align = [":--"] + ["--:"] * (len(header) - 1)
    return ["| " + " | ".join(r) + " |" for r in [header, align, *rows]]
