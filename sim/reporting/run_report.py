"""Reports: summary tables and plots of a run from the tidy indicators table.

A run produces a tidy table with the columns ``scenario, seed, step, country, indicator, value``
(see :data:`TABLE_COLUMNS`). Statistics across seeds are medians with a 90% band (5th and 95th
percentiles), always NaN-aware (``time_to_market`` is NaN when nothing was launched recently);
bands and number formatting are in :mod:`sim.reporting.formatting`. The helpers shared with
:mod:`sim.reporting.comparison` and :mod:`sim.reporting.scorecard` (table checks, writing an
assessment's files) live here too.

Plots are drawn on :class:`matplotlib.figure.Figure` objects rendered by the Agg canvas, never
through ``pyplot``: no GUI backend is touched, no global figure registry fills up, and each
figure is freed as soon as it has been saved.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sim.experiments.outcomes import aggregate_growth, check_columns, wide_table
from sim.i18n import country_name, t
from sim.indicators import COUNTRY_KEYS, GROWTH_INDICATORS, INDICATORS, KEY_INDICATORS
from sim.reporting import files
from sim.reporting.formatting import (
    fmt,
    fmt_band,
    label_of,
    md_table,
    nan_bands,
    ordered_names,
    seeds_text,
    shown,
    shown_unit,
)
from sim.reporting.national import (
    Scale,
    is_flow,
    is_money,
    is_scaled,
    national_table,
    scale_of,
)

#: Indicators of ``summary.md``: the nine headline indicators plus the economy and the budget.
SUMMARY_INDICATORS = [*KEY_INDICATORS, "employment", "firms", "budget_spent", "tax_foregone"]
COUNTRY_STYLE = {  # colour, line style, line width
    "AZ": ("#1f6fb4", "-", 1.6),
    "BY": ("#c4362b", "-", 1.6),
    "JOINT": ("0.35", "--", 1.4),
}
PNG_OPTIONS = {"compress_level": 3}  # fast zlib level: plots are written in bulk


# ---------------------------------------------------------------------------------------------
# writing


def write_assessment(out_dir: Path, stem: str, result: pd.DataFrame, markdown: str,
                     plot: Callable[[Path], None], tables: list[pd.DataFrame],
                     provenance: dict) -> None:
    """Write the files of an assessment of scenarios against a reference: ``<stem>.csv`` (the
    result table), ``<stem>.md``, ``<stem>.png`` (drawn by ``plot(path)``),
    ``indicators.parquet`` (every run table) and ``provenance.json``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result.to_csv(out_dir / f"{stem}.csv", index=False)
    files.write_text(out_dir / f"{stem}.md", markdown)
    plot(out_dir / f"{stem}.png")
    write_table(pd.concat(tables, ignore_index=True), out_dir, csv=False)
    files.write_json(provenance, out_dir / "provenance.json")


def write_table(table: pd.DataFrame, out_dir: Path, csv: bool = True) -> None:
    """Write ``indicators.parquet`` (and ``indicators.csv``) without the index."""
    # through a Python file object: Arrow cannot open a path holding bytes that are not UTF-8
    # (which Python keeps as escapes in a file name), Python can
    with open(out_dir / "indicators.parquet", "wb") as fh:
        table.to_parquet(fh, index=False)
    if csv:
        table.to_csv(out_dir / "indicators.csv", index=False)


# ---------------------------------------------------------------------------------------------
# aggregation


def step_bands(table: pd.DataFrame) -> pd.DataFrame:
    """Median and 90% band across runs (scenario, seed) for every indicator, country and step.

    Args:
        table: tidy indicators table.

    Returns:
        DataFrame indexed by ``(indicator, country, step)`` with columns ``median, lo, hi``.
    """
    check_columns(table)
    wide = wide_table(table, ["indicator", "country", "step"], ["scenario", "seed"])
    med, lo, hi = nan_bands(wide.to_numpy(dtype=float), axis=1)
    return pd.DataFrame({"median": med, "lo": lo, "hi": hi}, index=wide.index)


# ---------------------------------------------------------------------------------------------
# plots


def calendar_axis(ax: Axes, scale: Scale) -> None:
    """Label the x axis (model quarters) with calendar quarters, ``2027Q3``."""
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: scale.quarter(int(round(x)))))


def _plot_panel(ax: Axes, series: dict[str, pd.DataFrame], indicator: str, small: bool,
                scale: Scale | None = None) -> None:
    """Median lines and shaded bands of one indicator, one line per country (shares in
    percent, money at model scale, calendar quarters on the x axis)."""
    scale = scale or scale_of()
    label = label_of(indicator)[0]
    unit = shown_unit(indicator)
    if is_money(indicator):
        unit = t("msg.run.money_axis", unit=unit, year=scale.price_year)
    for country in ordered_names(series, COUNTRY_KEYS):
        b = series[country]
        colour, style, width = COUNTRY_STYLE.get(country, ("0.6", ":", 1.2))
        steps = b.index.get_level_values("step").to_numpy()
        ax.fill_between(steps, shown(indicator, b["lo"].to_numpy()),
                        shown(indicator, b["hi"].to_numpy()), color=colour, alpha=0.15,
                        linewidth=0)
        ax.plot(steps, shown(indicator, b["median"].to_numpy()), color=colour,
                linestyle=style, linewidth=width, label=country)
    size = 8 if small else 10
    ax.set_title(label, fontsize=size + 1)
    ax.set_ylabel(unit, fontsize=size)
    ax.set_xlabel(t("msg.run.calendar_axis", start=scale.quarter(0)), fontsize=size)
    calendar_axis(ax, scale)
    ax.tick_params(labelsize=size - 1)
    ax.grid(alpha=0.3, linewidth=0.5)


def _by_indicator(bands: pd.DataFrame) -> dict[str, dict[str, pd.DataFrame]]:
    """Split step bands into ``{indicator: {country: bands over steps}}``."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for (indicator, country), b in bands.groupby(level=["indicator", "country"], sort=False):
        out.setdefault(indicator, {})[country] = b
    return out


def plot_indicators(bands: pd.DataFrame, plot_dir: Path, progress: bool = False,
                    scale: Scale | None = None) -> list[Path]:
    """One PNG per indicator (``<plot_dir>/<indicator>.png``) from :func:`step_bands` output.

    Args:
        bands: step bands indexed by ``(indicator, country, step)``.
        plot_dir: directory for the PNG files (created if needed).
        progress: show a progress bar.
        scale: calendar and price year of the axes (default: the data files').

    Returns:
        Paths of the files written.
    """
    plot_dir = Path(plot_dir)
    plot_dir.mkdir(parents=True, exist_ok=True)
    series = _by_indicator(bands)
    names = ordered_names(series, list(INDICATORS))
    if progress:
        from tqdm import tqdm

        names = tqdm(names, desc="plots", unit="plot")
    # One figure is reused: building axes and ticks costs more than drawing them.
    fig = Figure(figsize=(6.4, 3.8), dpi=100)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.13, right=0.97, top=0.9, bottom=0.14)
    paths = []
    for name in names:
        for artist in [*ax.lines, *ax.collections]:
            artist.remove()
        ax.relim()  # forget the previous indicator's data limits
        _plot_panel(ax, series[name], name, small=False, scale=scale)
        ax.autoscale_view()
        ax.legend(fontsize=8, frameon=False)
        paths.append(plot_dir / f"{name}.png")
        fig.savefig(paths[-1], pil_kwargs=PNG_OPTIONS)
    return paths


def plot_overview(bands: pd.DataFrame, path: Path, scale: Scale | None = None) -> None:
    """3x3 grid of the nine :data:`KEY_INDICATORS` (a blank note for any not in the table)."""
    series = _by_indicator(bands)
    fig = Figure(figsize=(12, 9), dpi=100)
    axes = fig.subplots(3, 3).ravel()
    for ax, name in zip(axes, KEY_INDICATORS, strict=True):
        if name in series:
            _plot_panel(ax, series[name], name, small=True, scale=scale)
        else:
            ax.set_title(label_of(name)[0], fontsize=9)
            ax.text(0.5, 0.5, t("msg.run.not_in_table"), ha="center", va="center",
                    transform=ax.transAxes)
    handles, labels = next((ax.get_legend_handles_labels() for ax in axes if ax.lines),
                           ([], []))
    fig.legend(handles, labels, loc="upper center", ncol=len(labels) or 1, frameon=False)
    fig.text(0.5, 0.005, (scale or scale_of()).short(), ha="center", va="bottom", fontsize=8)
    fig.subplots_adjust(left=0.07, right=0.98, top=0.92, bottom=0.06, hspace=0.5, wspace=0.32)
    fig.savefig(path, pil_kwargs=PNG_OPTIONS)


# ---------------------------------------------------------------------------------------------
# run report


def _band_at(bands: pd.DataFrame, indicator: str, country: str, step: int) -> tuple:
    try:
        row = bands.loc[(indicator, country, step)]
    except KeyError:
        return math.nan, math.nan, math.nan
    return float(row["median"]), float(row["lo"]), float(row["hi"])


def summary_markdown(table: pd.DataFrame, bands: pd.DataFrame,
                     scale: Scale | None = None) -> str:
    """Text of ``summary.md``: the run's identity and start/horizon values of the headline rows.

    Args:
        table: tidy indicators table.
        bands: its :func:`step_bands`.
        scale: scale and calendar (default: the data files').

    Returns:
        Markdown text: shares in percent, growth rates at the horizon as their mean over
        quarters 1..T (as in ``compare``, ``scorecard`` and sweeps), money and employment also
        at national scale.
    """
    scale = scale or scale_of()
    horizon = int(table["step"].max())
    countries = ordered_names(table["country"].unique(), COUNTRY_KEYS)
    scenarios = ", ".join(f"`{s}`" for s in pd.unique(table["scenario"]))
    present = [n for n in SUMMARY_INDICATORS if n in set(table["indicator"])]
    means = step_bands(aggregate_growth(table[table["indicator"].isin(GROWTH_INDICATORS)])) \
        if any(n in GROWTH_INDICATORS for n in present) else bands
    scaled = [n for n in present if is_scaled(n)]
    national = step_bands(national_table(table[table["indicator"].isin(scaled)], scale)) \
        if scaled else bands
    header = [t("msg.common.indicator"), t("msg.common.unit")]
    for c in countries:
        header += [f"{c} {scale.quarter(0)}", f"{c} {scale.quarter(horizon)}"]
    rows = []
    for name in present:
        label, unit = label_of(name)
        shown_as = shown_unit(name)
        if name in GROWTH_INDICATORS:
            shown_as = t("msg.scorecard.growth_unit", unit=shown_as, horizon=horizon)
        row = [label, shown_as]
        for c in countries:
            start = _band_at(bands, name, c, 0)
            end = _band_at(means if name in GROWTH_INDICATORS else bands, name, c, horizon)
            row += [fmt(shown(name, start[0])), fmt_band(*(shown(name, v) for v in end))]
        rows.append(row)
        if name in scaled:
            row = [t("msg.national.row", label=label), unit]
            for c in countries:
                end = _band_at(national, name, c, horizon)
                share = (" " + t("msg.national.pct_gdp",
                                 pct=fmt(float(scale.pct_gdp_a_year(end[0], c))))
                         if is_flow(name) and math.isfinite(end[0]) else "")
                row += [fmt(_band_at(national, name, c, 0)[0]), fmt_band(*end) + share]
            rows.append(row)
    lines = [
        f"# {t('msg.run.title', scenarios=scenarios)}",
        "",
        "- " + t("msg.run.scenarios_line", scenarios=scenarios),
        "- " + t("msg.run.seeds_line", seeds=seeds_text(table["seed"].unique())),
        "- " + t("msg.run.horizon_line", horizon=horizon, calendar=scale.quarter(horizon),
                 start=scale.quarter(0)),
        "- " + t("msg.run.countries_line", countries=", ".join(
            f"{c} = {country_name(c)}" for c in countries)),
        "",
        scale.note(),
        "",
        t("msg.run.cells", horizon=horizon, start=scale.quarter(0),
          calendar=scale.quarter(horizon)),
        "",
        *md_table(header, rows),
        "",
        f"![{t('msg.run.picture')}](plots/overview.png)",
        "",
        t("msg.run.files"),
        "",
    ]
    return "\n".join(lines)


def write_run_report(
    table: pd.DataFrame, out_dir: Path, provenance: dict, progress: bool = False
) -> None:
    """Write the report of one run (one scenario over several seeds) into ``out_dir``.

    Files: ``indicators.csv``, ``indicators.parquet``, ``plots/<indicator>.png`` for every
    indicator in the table, ``plots/overview.png``, ``summary.md`` and ``provenance.json``.
    Bands are taken across all runs in the table, i.e. across (scenario, seed) pairs; pass one
    scenario at a time.

    Args:
        table: tidy indicators table (columns :data:`TABLE_COLUMNS`).
        out_dir: output directory (created if needed).
        provenance: JSON-serialisable description of the run (non-JSON values are str()-ed).
        progress: show a progress bar while plotting.
    """
    check_columns(table)
    if table.empty:
        raise ValueError("indicators table is empty")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_table(table, out_dir)
    bands = step_bands(table)
    scale = scale_of(provenance)
    plot_indicators(bands, out_dir / "plots", progress=progress, scale=scale)
    plot_overview(bands, out_dir / "plots" / "overview.png", scale=scale)
    files.write_text(out_dir / "summary.md", summary_markdown(table, bands, scale))
    files.write_json(provenance, out_dir / "provenance.json")
