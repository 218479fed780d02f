"""Reports: summary tables, plots and scenario comparisons from the tidy indicators table.

A run produces a tidy table with the columns ``scenario, seed, step, country, indicator, value``
(see :data:`TABLE_COLUMNS`). Statistics across seeds are medians with a 90% band (5th and 95th
percentiles), always NaN-aware (``time_to_market`` is NaN when nothing was launched recently).

Plots are drawn on :class:`matplotlib.figure.Figure` objects rendered by the Agg canvas, never
through ``pyplot``: no GUI backend is touched, no global figure registry fills up, and each
figure is freed as soon as it has been saved.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.indicators import COUNTRY_KEYS, INDICATORS, KEY_INDICATORS

TABLE_COLUMNS = ("scenario", "seed", "step", "country", "indicator", "value")
#: Indicators of ``summary.md``: the nine headline indicators plus the economy and the budget.
SUMMARY_INDICATORS = [*KEY_INDICATORS, "employment", "firms", "budget_spent", "tax_foregone"]
#: Indicators of the per-country tables of ``compare.md`` (fiscal rows are added after them).
COMPARE_INDICATORS = [*KEY_INDICATORS, "employment"]
#: Indicators whose cost per unit of gain is shown in the fiscal section of ``compare.md``.
COST_PER_GAIN_INDICATORS = ["tech_exports", "labour_productivity"]
#: Gross fiscal costs smaller than this (USD m, i.e. one dollar) count as zero.
COST_TOL = 1e-6
COMPARE_COLUMNS = [
    "scenario", "country", "indicator", "reference", "diff_median", "diff_lo", "diff_hi",
    "gross_fiscal_cost", "gross_fiscal_cost_lo", "gross_fiscal_cost_hi",
    "net_fiscal_cost", "net_fiscal_cost_lo", "net_fiscal_cost_hi",
    "cost_effectiveness", "direction", "significant",
]  # fmt: skip
COUNTRY_NAMES = {"AZ": "Azerbaijan", "BY": "Belarus", "JOINT": "both countries"}
COUNTRY_STYLE = {  # colour, line style, line width
    "AZ": ("#1f6fb4", "-", 1.6),
    "BY": ("#c4362b", "-", 1.6),
    "JOINT": ("0.35", "--", 1.4),
}
PNG_OPTIONS = {"compress_level": 3}  # fast zlib level: plots are written in bulk
SIGNIFICANT_MARK, GOOD_MARK, BAD_MARK = "*", "✓", "✗"


# ---------------------------------------------------------------------------------------------
# statistics and formatting


def _nanbands(values: np.ndarray, axis: int | None = None) -> tuple:
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
    med, lo, hi = _nanbands(np.asarray(arr, dtype=float).ravel())
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


def _label(indicator: str) -> tuple[str, str]:
    """Label and unit of an indicator (its name and ``""`` if it is not declared)."""
    ind = INDICATORS.get(indicator)
    return (ind.label, ind.unit) if ind else (indicator, "")


def _direction(indicator: str) -> str:
    ind = INDICATORS.get(indicator)
    return ind.direction if ind else "info"


def _ordered(present: Iterable[str], order: Sequence[str]) -> list[str]:
    """Items of ``present`` in the order of ``order``, unknown ones after them (sorted)."""
    present = set(present)
    return [x for x in order if x in present] + sorted(present - set(order))


def _seeds_text(seeds: Sequence[int]) -> str:
    seeds = sorted(int(s) for s in seeds)
    if len(seeds) > 6 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{len(seeds)} ({seeds[0]}–{seeds[-1]})"
    return f"{len(seeds)} ({', '.join(map(str, seeds))})"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Lines of a Markdown table (first column left-aligned, the others right-aligned)."""
    align = [":--"] + ["--:"] * (len(header) - 1)
    return ["| " + " | ".join(r) + " |" for r in [header, align, *rows]]


def _write_json(obj: dict, path: Path) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def _write_table(table: pd.DataFrame, out_dir: Path, csv: bool = True) -> None:
    """Write ``indicators.parquet`` (and ``indicators.csv``) without the index."""
    table.to_parquet(out_dir / "indicators.parquet", index=False)
    if csv:
        table.to_csv(out_dir / "indicators.csv", index=False)


# ---------------------------------------------------------------------------------------------
# aggregation


def _check_columns(table: pd.DataFrame) -> None:
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"indicators table lacks columns {missing}; expected {TABLE_COLUMNS}")


def _wide(table: pd.DataFrame, index: list[str], columns: list[str]) -> pd.DataFrame:
    """Pivot ``value`` to ``index`` x ``columns``, refusing duplicate rows."""
    try:
        return table.set_index([*index, *columns])["value"].unstack(columns).sort_index()
    except ValueError as err:
        raise ValueError(
            f"indicators table has several rows per {tuple(index + columns)}: {err}"
        ) from err


def step_bands(table: pd.DataFrame) -> pd.DataFrame:
    """Median and 90% band across runs (scenario, seed) for every indicator, country and step.

    Args:
        table: tidy indicators table.

    Returns:
        DataFrame indexed by ``(indicator, country, step)`` with columns ``median, lo, hi``.
    """
    _check_columns(table)
    wide = _wide(table, ["indicator", "country", "step"], ["scenario", "seed"])
    med, lo, hi = _nanbands(wide.to_numpy(dtype=float), axis=1)
    return pd.DataFrame({"median": med, "lo": lo, "hi": hi}, index=wide.index)


# ---------------------------------------------------------------------------------------------
# plots


def _plot_panel(ax: Axes, series: dict[str, pd.DataFrame], indicator: str, small: bool) -> None:
    """Median lines and shaded bands of one indicator, one line per country."""
    label, unit = _label(indicator)
    for country in _ordered(series, COUNTRY_KEYS):
        b = series[country]
        colour, style, width = COUNTRY_STYLE.get(country, ("0.6", ":", 1.2))
        steps = b.index.get_level_values("step").to_numpy()
        ax.fill_between(steps, b["lo"].to_numpy(), b["hi"].to_numpy(), color=colour,
                        alpha=0.15, linewidth=0)
        ax.plot(steps, b["median"].to_numpy(), color=colour, linestyle=style, linewidth=width,
                label=country)
    size = 8 if small else 10
    ax.set_title(label, fontsize=size + 1)
    ax.set_ylabel(unit, fontsize=size)
    ax.set_xlabel("quarter", fontsize=size)
    ax.tick_params(labelsize=size - 1)
    ax.grid(alpha=0.3, linewidth=0.5)


def _by_indicator(bands: pd.DataFrame) -> dict[str, dict[str, pd.DataFrame]]:
    """Split step bands into ``{indicator: {country: bands over steps}}``."""
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for (indicator, country), b in bands.groupby(level=["indicator", "country"], sort=False):
        out.setdefault(indicator, {})[country] = b
    return out


def plot_indicators(bands: pd.DataFrame, plot_dir: Path, progress: bool = False) -> list[Path]:
    """One PNG per indicator (``<plot_dir>/<indicator>.png``) from :func:`step_bands` output.

    Args:
        bands: step bands indexed by ``(indicator, country, step)``.
        plot_dir: directory for the PNG files (created if needed).
        progress: show a progress bar.

    Returns:
        Paths of the files written.
    """
    plot_dir = Path(plot_dir)
    plot_dir.mkdir(parents=True, exist_ok=True)
    series = _by_indicator(bands)
    names = _ordered(series, list(INDICATORS))
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
        _plot_panel(ax, series[name], name, small=False)
        ax.autoscale_view()
        ax.legend(fontsize=8, frameon=False)
        paths.append(plot_dir / f"{name}.png")
        fig.savefig(paths[-1], pil_kwargs=PNG_OPTIONS)
    return paths


def plot_overview(bands: pd.DataFrame, path: Path) -> None:
    """3x3 grid of the nine :data:`KEY_INDICATORS` (a blank note for any not in the table)."""
    series = _by_indicator(bands)
    fig = Figure(figsize=(12, 9), dpi=100)
    axes = fig.subplots(3, 3).ravel()
    for ax, name in zip(axes, KEY_INDICATORS, strict=True):
        if name in series:
            _plot_panel(ax, series[name], name, small=True)
        else:
            ax.set_title(_label(name)[0], fontsize=9)
            ax.text(0.5, 0.5, "not in table", ha="center", va="center", transform=ax.transAxes)
    handles, labels = next((ax.get_legend_handles_labels() for ax in axes if ax.lines),
                           ([], []))
    fig.legend(handles, labels, loc="upper center", ncol=len(labels) or 1, frameon=False)
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


def summary_markdown(table: pd.DataFrame, bands: pd.DataFrame) -> str:
    """Text of ``summary.md``: the run's identity and start/horizon values of the headline rows.

    Args:
        table: tidy indicators table.
        bands: its :func:`step_bands`.

    Returns:
        Markdown text.
    """
    horizon = int(table["step"].max())
    countries = _ordered(table["country"].unique(), COUNTRY_KEYS)
    scenarios = ", ".join(f"`{s}`" for s in pd.unique(table["scenario"]))
    header = ["Indicator", "Unit"]
    for c in countries:
        header += [f"{c} start", f"{c} quarter {horizon}"]
    rows = []
    for name in [n for n in SUMMARY_INDICATORS if n in set(table["indicator"])]:
        label, unit = _label(name)
        row = [label, unit]
        for c in countries:
            start, end = _band_at(bands, name, c, 0), _band_at(bands, name, c, horizon)
            row += [fmt(start[0]), fmt_band(*end)]
        rows.append(row)
    lines = [
        f"# Run summary: {scenarios}",
        "",
        f"- Scenario(s): {scenarios}",
        f"- Seeds: {_seeds_text(table['seed'].unique())}",
        f"- Horizon: quarter {horizon} (quarter 0 is the initial state)",
        "- Countries: " + ", ".join(f"{c} = {COUNTRY_NAMES.get(c, c)}" for c in countries),
        "",
        "Start: median across seeds at quarter 0. "
        f"Quarter {horizon}: median across seeds [5th, 95th percentile]. "
        "Money flows are per quarter; `n/a` means no value (e.g. no product launched recently).",
        "",
        *_md_table(header, rows),
        "",
        "![Key indicators: median across seeds with 5–95% band](plots/overview.png)",
        "",
        "Every indicator is plotted in `plots/<indicator>.png`; the data are in "
        "`indicators.csv` / `indicators.parquet`.",
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
    _check_columns(table)
    if table.empty:
        raise ValueError("indicators table is empty")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_table(table, out_dir)
    bands = step_bands(table)
    plot_indicators(bands, out_dir / "plots", progress=progress)
    plot_overview(bands, out_dir / "plots" / "overview.png")
    (out_dir / "summary.md").write_text(summary_markdown(table, bands))
    _write_json(provenance, out_dir / "provenance.json")


# ---------------------------------------------------------------------------------------------
# scenario comparison


def _scenario_name(table: pd.DataFrame) -> str:
    _check_columns(table)
    names = pd.unique(table["scenario"])
    if len(names) != 1:
        raise ValueError(f"each table must hold exactly one scenario, got {list(names)}")
    return str(names[0])


def _check_comparable(tables: Sequence[pd.DataFrame]) -> tuple[list[str], list[int], int]:
    """Scenario names, shared seeds and shared horizon; ValueError if they are not shared."""
    if not tables:
        raise ValueError("compare needs at least one table (the reference)")
    names = [_scenario_name(t) for t in tables]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be distinct, got {names}")
    ref_seeds = sorted(int(s) for s in tables[0]["seed"].unique())
    horizon = int(tables[0]["step"].max())
    for name, t in zip(names, tables, strict=True):
        seeds = sorted(int(s) for s in t["seed"].unique())
        if seeds != ref_seeds:
            raise ValueError(
                f"seeds differ: scenario {name!r} has {seeds}, reference {names[0]!r} has "
                f"{ref_seeds}; paired differences need the same seeds in every scenario"
            )
        ends = t.groupby("seed")["step"].max()
        if (ends != horizon).any():
            bad = {int(s): int(e) for s, e in ends[ends != horizon].items()}
            raise ValueError(
                f"horizons differ: reference {names[0]!r} ends at step {horizon}, scenario "
                f"{name!r} ends at {bad} (seed: last step)"
            )
    return names, ref_seeds, horizon


def _horizon_values(table: pd.DataFrame, horizon: int, seeds: list[int]) -> pd.DataFrame:
    """Values at the horizon: index ``(country, indicator)``, one column per seed."""
    at = table[table["step"] == horizon]
    return _wide(at, ["country", "indicator"], ["seed"]).reindex(columns=seeds)


def fiscal_per_seed(table: pd.DataFrame, seeds: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cumulative fiscal outlays and net fiscal position of each run, per country and seed.

    Args:
        table: tidy indicators table of one scenario.
        seeds: the seeds (columns of the result).

    Returns:
        ``(gross, net)``, each indexed by country with one column per seed: ``gross`` is the sum
        over steps 1..T of ``budget_spent + tax_foregone``; ``net`` is ``-fiscal_balance`` at the
        horizon T (policy spending minus taxes collected). NaN where the indicators are absent.
    """
    countries = _ordered(table["country"].unique(), COUNTRY_KEYS)
    flows = table[(table["step"] >= 1) & table["indicator"].isin(["budget_spent", "tax_foregone"])]
    gross = flows.groupby(["country", "seed"])["value"].sum(min_count=1).unstack("seed")
    gross = gross.reindex(index=countries, columns=seeds)
    horizon = int(table["step"].max())
    at = table[(table["step"] == horizon) & (table["indicator"] == "fiscal_balance")]
    net = -_wide(at, ["country"], ["seed"]).reindex(index=countries, columns=seeds)
    return gross, net


def _cost_effectiveness(diff: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """``diff / cost`` where ``|cost| > COST_TOL``, NaN elsewhere."""
    ok = np.isfinite(cost) & (np.abs(cost) > COST_TOL)
    return np.where(ok, diff / np.where(ok, cost, 1.0), np.nan)


def _compare_one(ref: pd.DataFrame, scen: pd.DataFrame, fiscal: tuple) -> pd.DataFrame:
    """Rows of :func:`compare` for one scenario against the reference (horizon value frames)."""
    scen = scen.reindex(index=ref.index, columns=ref.columns)
    diff_med, diff_lo, diff_hi = _nanbands((scen - ref).to_numpy(dtype=float), axis=1)
    out = pd.DataFrame(
        {"reference": _nanbands(ref.to_numpy(dtype=float), axis=1)[0],
         "diff_median": diff_med, "diff_lo": diff_lo, "diff_hi": diff_hi},
        index=ref.index,
    ).reset_index()
    for kind, per_seed in zip(("gross", "net"), fiscal, strict=True):
        med, lo, hi = _nanbands(per_seed.to_numpy(dtype=float), axis=1)
        stats = pd.DataFrame({f"{kind}_fiscal_cost": med, f"{kind}_fiscal_cost_lo": lo,
                              f"{kind}_fiscal_cost_hi": hi}, index=per_seed.index)
        out = out.join(stats, on="country")
    out["cost_effectiveness"] = _cost_effectiveness(out["diff_median"].to_numpy(),
                                                    out["gross_fiscal_cost"].to_numpy())
    out["direction"] = out["indicator"].map(_direction)
    out["significant"] = (out["diff_lo"] > 0) | (out["diff_hi"] < 0)
    return out


def compare(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Paired differences of every scenario from the reference (the first table) at the horizon.

    For each later scenario, country and indicator the per-seed difference (scenario minus
    reference, same seed, at the last step T) is summarised by its median and 90% band across
    seeds. Fiscal costs are per scenario and country, also paired by seed:
    ``gross_fiscal_cost`` is the extra cumulative ``budget_spent + tax_foregone`` over steps
    1..T; ``net_fiscal_cost`` is the extra ``-fiscal_balance`` at T (spending minus taxes, so
    induced tax revenue offsets it). ``cost_effectiveness`` is ``diff_median /
    gross_fiscal_cost`` in indicator units per USD m (NaN when the cost is within
    :data:`COST_TOL` of zero; negative when the scenario is cheaper than the reference).

    Args:
        tables: one tidy indicators table per scenario, reference first; each holds exactly one
            scenario, and all share the same seeds and the same last step.

    Returns:
        Tidy DataFrame with columns :data:`COMPARE_COLUMNS`, ordered by scenario (as given),
        country (JOINT, AZ, BY) and indicator (as declared); empty if only the reference is
        given. ``significant`` is True when the 90% band of the difference excludes zero.

    Raises:
        ValueError: if a table is malformed, holds several scenarios, scenario names repeat, or
            seeds or horizons differ between tables.
    """
    names, seeds, horizon = _check_comparable(tables)
    ref = _horizon_values(tables[0], horizon, seeds)
    order = pd.MultiIndex.from_tuples(
        [(c, i) for c in _ordered(ref.index.get_level_values(0), ("JOINT", "AZ", "BY"))
         for i in _ordered(ref.loc[c].index, list(INDICATORS))],
        names=ref.index.names,
    )
    ref = ref.reindex(order)
    ref_gross, ref_net = fiscal_per_seed(tables[0], seeds)
    parts = []
    for name, table in zip(names[1:], tables[1:], strict=True):
        gross, net = fiscal_per_seed(table, seeds)
        fiscal = (gross.reindex(ref_gross.index) - ref_gross, net.reindex(ref_net.index) - ref_net)
        part = _compare_one(ref, _horizon_values(table, horizon, seeds), fiscal)
        part.insert(0, "scenario", name)
        parts.append(part)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COMPARE_COLUMNS})
    return pd.concat(parts, ignore_index=True)[COMPARE_COLUMNS]


# ---------------------------------------------------------------------------------------------
# comparison report

_ARROWS = {"higher": "↑", "lower": "↓", "info": ""}


def _marks(median: float, lo: float, hi: float, direction: str) -> str:
    """``*`` when the band excludes zero, plus ✓/✗ when that change is good/bad."""
    if not (lo > 0 or hi < 0):
        return ""
    if direction == "info":
        return SIGNIFICANT_MARK
    good = (median > 0) == (direction == "higher")
    return SIGNIFICANT_MARK + " " + (GOOD_MARK if good else BAD_MARK)


def _diff_cell(median: float, lo: float, hi: float, direction: str) -> str:
    return f"{fmt_band(median, lo, hi, signed=True)}{_marks(median, lo, hi, direction)}"


def _country_section(cmp: pd.DataFrame, country: str, names: list[str], ref_fiscal: dict) -> list:
    """Markdown lines of one country's table: indicators x scenarios, fiscal rows last."""
    sub = cmp[cmp["country"] == country].set_index(["indicator", "scenario"])
    header = ["Indicator", "Unit", "Better", f"{names[0]} (level)", *names[1:]]
    rows = []
    for ind in [i for i in COMPARE_INDICATORS if i in sub.index.get_level_values(0)]:
        label, unit = _label(ind)
        r = sub.loc[ind]
        row = [label, unit, _ARROWS[_direction(ind)], fmt(r["reference"].iloc[0])]
        rows.append(row + [_diff_cell(*r.loc[s, ["diff_median", "diff_lo", "diff_hi"]],
                                      _direction(ind)) for s in names[1:]])
    first = sub.xs(sub.index.get_level_values(0)[0], level="indicator")
    for kind, label in (("gross", "Gross fiscal cost"), ("net", "Net fiscal cost")):
        cols = [f"{kind}_fiscal_cost", f"{kind}_fiscal_cost_lo", f"{kind}_fiscal_cost_hi"]
        row = [label, "USD m", "", fmt(ref_fiscal[kind].get(country, math.nan))]
        rows.append(row + [_diff_cell(*first.loc[s, cols], "info") for s in names[1:]])
    title = f"## {country}: {COUNTRY_NAMES.get(country, country)}"
    return [title, "", *_md_table(header, rows), ""]


def _cost_per_gain(r: pd.Series) -> str:
    """USD m of gross cost per unit of gain (``n/a`` without a gain or without a cost)."""
    gain = r["diff_median"] if r["direction"] != "lower" else -r["diff_median"]
    if not (gain > 0 and abs(r["gross_fiscal_cost"]) > COST_TOL):
        return "n/a"
    return fmt(r["gross_fiscal_cost"] / abs(r["diff_median"]))


def _fiscal_section(cmp: pd.DataFrame) -> list[str]:
    """Markdown lines: fiscal costs and cost per unit of gain, per scenario and country."""
    gains = [i for i in COST_PER_GAIN_INDICATORS if i in set(cmp["indicator"])]
    header = ["Scenario", "Country", "Gross fiscal cost (USD m)", "Net fiscal cost (USD m)"]
    for ind in gains:
        label, unit = _label(ind)
        header += [f"{label}: gain per USD m ({unit})", f"USD m per unit of {label.lower()}"]
    rows = []
    for (scenario, country), sub in cmp.groupby(["scenario", "country"], sort=False):
        first = sub.iloc[0]
        row = [scenario, country,
               _diff_cell(*first[["gross_fiscal_cost", "gross_fiscal_cost_lo",
                                  "gross_fiscal_cost_hi"]], "info"),
               _diff_cell(*first[["net_fiscal_cost", "net_fiscal_cost_lo",
                                  "net_fiscal_cost_hi"]], "info")]
        for ind in gains:
            r = sub[sub["indicator"] == ind].iloc[0]
            row += [fmt(r["cost_effectiveness"], signed=True), _cost_per_gain(r)]
        rows.append(row)
    return ["## Fiscal cost and cost per unit of gain", "", *_md_table(header, rows), ""]


def compare_markdown(cmp: pd.DataFrame, tables: Sequence[pd.DataFrame]) -> str:
    """Text of ``compare.md`` from :func:`compare` output and the tables it was computed from.

    Args:
        cmp: output of ``compare(tables)``.
        tables: the run tables, reference first.

    Returns:
        Markdown text: one section per country (JOINT first) and a fiscal section.
    """
    names, seeds, horizon = _check_comparable(tables)
    gross, net = fiscal_per_seed(tables[0], seeds)
    ref_fiscal = {kind: {c: _nanbands(v.loc[c].to_numpy(dtype=float))[0] for c in v.index}
                  for kind, v in (("gross", gross), ("net", net))}
    lines = [
        f"# Scenario comparison against `{names[0]}`",
        "",
        f"- Reference: `{names[0]}`; scenarios: " + ", ".join(f"`{n}`" for n in names[1:]),
        f"- Seeds: {_seeds_text(seeds)}; every scenario is paired with the reference seed by seed",
        f"- Horizon: quarter {horizon}",
        "",
        f"Cells: change from `{names[0]}` at quarter {horizon}, median over seeds of the paired "
        "difference [5th, 95th percentile]. The level column is the reference's median. "
        f"{SIGNIFICANT_MARK} the 90% band excludes zero; {GOOD_MARK} / {BAD_MARK} that change "
        "is in the desirable / undesirable direction (Better: ↑ higher is better, ↓ lower is "
        "better, blank: no desirable direction).",
        "",
        f"Gross fiscal cost: extra policy spending plus taxes foregone, summed over quarters "
        f"1–{horizon}. Net fiscal cost: extra (policy spending − taxes collected) accumulated "
        f"to quarter {horizon}, so tax revenue the policy induces offsets it. Both in USD m; "
        "the level column gives the reference's own totals.",
        "",
    ]
    if cmp.empty:
        return "\n".join([*lines, "No scenarios to compare: only the reference was given.", ""])
    countries = _ordered(cmp["country"].unique(), ("JOINT", "AZ", "BY"))
    for country in countries:
        lines += _country_section(cmp, country, names, ref_fiscal)
    lines += _fiscal_section(cmp)
    lines += ["Gain per USD m = median change / median gross fiscal cost; USD m per unit = its "
              "inverse, shown only when the change is a gain and the cost is not zero.", ""]
    return "\n".join(lines)


def _limits_with_zero(values: np.ndarray) -> tuple[float, float]:
    """X limits that include zero and every finite value, padded by 10% (±1 if all zero)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    lo, hi = min(0.0, finite.min(initial=0.0)), max(0.0, finite.max(initial=0.0))
    pad = 0.1 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


def plot_compare(cmp: pd.DataFrame, path: Path, country: str = "JOINT") -> None:
    """Grid of horizontal bar charts: change per scenario with 90% band, one per key indicator.

    Bars are green (significant gain), red (significant loss) or grey (band includes zero or
    no desirable direction).

    Args:
        cmp: output of :func:`compare`.
        path: PNG file to write.
        country: country key to show.
    """
    sub = cmp[cmp["country"] == country]
    names = list(pd.unique(sub["scenario"]))
    fig = Figure(figsize=(12, 1.0 + 3 * (1.6 + 0.3 * len(names))), dpi=100, layout="constrained")
    axes = fig.subplots(3, 3).ravel()
    for ax, ind in zip(axes, KEY_INDICATORS, strict=True):
        r = sub[sub["indicator"] == ind].set_index("scenario").reindex(names)
        med = r["diff_median"].to_numpy(dtype=float)
        err = np.nan_to_num(np.vstack([med - r["diff_lo"], r["diff_hi"] - med]).astype(float))
        marks = [_marks(*row, _direction(ind)) for row in
                 r[["diff_median", "diff_lo", "diff_hi"]].to_numpy(dtype=float)]
        colours = ["#2e8b57" if GOOD_MARK in m else "#c4362b" if BAD_MARK in m else "0.6"
                   for m in marks]
        y = np.arange(len(names))
        ax.barh(y, np.nan_to_num(med), xerr=err, color=colours, capsize=3, height=0.6)
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_xlim(*_limits_with_zero(r[["diff_lo", "diff_median", "diff_hi"]].to_numpy()))
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        label, unit = _label(ind)
        ax.set_title(f"{label} {_ARROWS[_direction(ind)]}", fontsize=9)
        ax.set_xlabel(f"change, {unit}", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(f"{COUNTRY_NAMES.get(country, country).capitalize()}: change from the "
                 "reference at the horizon (median, 90% band across seeds)\n"
                 "green: significant gain, red: significant loss, grey: band includes zero "
                 "or no desirable direction", fontsize=10)
    fig.savefig(path, pil_kwargs=PNG_OPTIONS)


def write_compare_report(
    tables: list[pd.DataFrame], out_dir: Path, provenance: dict
) -> pd.DataFrame:
    """Compare scenarios with the reference (first table) and write the comparison report.

    Files: ``compare.csv`` (the :func:`compare` table), ``compare.md``, ``compare.png`` (JOINT
    changes of the key indicators), ``indicators.parquet`` (all run tables concatenated) and
    ``provenance.json``.

    Args:
        tables: one tidy indicators table per scenario, reference first (see :func:`compare`).
        out_dir: output directory (created if needed).
        provenance: JSON-serialisable description of the comparison.

    Returns:
        The :func:`compare` table.

    Raises:
        ValueError: as :func:`compare`, before anything is written.
    """
    cmp = compare(tables)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cmp.to_csv(out_dir / "compare.csv", index=False)
    (out_dir / "compare.md").write_text(compare_markdown(cmp, tables))
    plot_compare(cmp, out_dir / "compare.png")
    _write_table(pd.concat(tables, ignore_index=True), out_dir, csv=False)
    _write_json(provenance, out_dir / "provenance.json")
    return cmp
