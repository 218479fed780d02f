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

from sim.i18n import label_and_unit

#: Country keys and their names in English (the reports write them in their language with
#: :func:`sim.i18n.country_name`).
COUNTRY_NAMES = {"AZ": "Azerbaijan", "BY": "Belarus", "JOINT": "both countries"}


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
        e.g. ``12.3``, ``0.0500``, ``12,300``, ``+2.00``; tiny or huge values in ``e`` notation.
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    sign = "+" if signed and x > 0 else ""
    if x == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(x)))
    if magnitude < -4 or magnitude >= 15:
        return f"{sign}{x:.2e}"
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
