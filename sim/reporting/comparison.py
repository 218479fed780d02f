"""Scenario comparisons: paired differences from a reference run, with fiscal costs.

Each scenario is a tidy indicators table (see :data:`sim.indicators.TABLE_COLUMNS`) over the same
seeds and horizon as the reference; every scenario is compared with the reference seed by seed at
the last step. Bands are medians with a 90% band (5th and 95th percentiles) across seeds. The result
is the :func:`compare` table and a report of it (``compare.csv``, ``compare.md``, ``compare.png``),
written by :func:`write_compare_report`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiments.outcomes import (
    aggregate_growth,
    check_columns,
    fiscal_per_seed,
    horizon_values,
    paired_differences,
    seed_bands,
)
from sim.i18n import country_name, lower
from sim.i18n import t as tr
from sim.indicators import GROWTH_INDICATORS, INDICATORS, KEY_INDICATORS
from sim.reporting.discounting import DISCOUNT_RATE
from sim.reporting.formatting import (
    few_seeds_lines,
    fmt,
    fmt_band,
    label_of,
    marks_allowed,
    md_table,
    nan_bands,
    ordered_names,
    plain,
    seeds_text,
    shown,
    shown_unit,
)
from sim.reporting.national import (
    COST_UNITS,
    Scale,
    add_national,
    cost_per_unit,
    cost_unit,
    is_flow,
    is_money,
    national_table,
    scale_of,
)
from sim.reporting.over_time import over_time, over_time_markdown, write_over_time
from sim.reporting.run_report import PNG_OPTIONS, write_assessment

#: Indicators of the per-country tables of ``compare.md`` (fiscal rows are added after them):
#: the key indicators with exports split by market (third countries; the partner country, i.e.
#: bilateral trade) and the domestic firms' share of their home market beside them.
COMPARE_INDICATORS = [*KEY_INDICATORS[:6], "exports_third", "exports_partner",
                      "domestic_share_home", *KEY_INDICATORS[6:], "employment"]
#: Gross fiscal costs smaller than this (USD m, i.e. one dollar) count as zero.
COST_TOL = 1e-6
COMPARE_COLUMNS = [
    "scenario", "country", "indicator", "reference", "diff_median", "diff_lo", "diff_hi",
    "gross_fiscal_cost", "gross_fiscal_cost_lo", "gross_fiscal_cost_hi",
    "net_fiscal_cost", "net_fiscal_cost_lo", "net_fiscal_cost_hi",
    "cost_effectiveness", "direction", "significant",
]  # fmt: skip
SIGNIFICANT_MARK, GOOD_MARK, BAD_MARK = "*", "✓", "✗"


# ---------------------------------------------------------------------------------------------
# comparison


def direction_of(indicator: str) -> str:
    """Desirable direction of an indicator: ``higher``, ``lower`` or ``info``."""
    ind = INDICATORS.get(indicator)
    return ind.direction if ind else "info"


def _scenario_name(table: pd.DataFrame) -> str:
    check_columns(table)
    names = pd.unique(table["scenario"])
    if len(names) != 1:
        raise ValueError(f"each table must hold exactly one scenario, got {list(names)}")
    return str(names[0])


def check_comparable(tables: Sequence[pd.DataFrame]) -> tuple[list[str], list[int], int]:
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


def _cost_effectiveness(diff: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """``diff / cost`` where ``|cost| > COST_TOL``, NaN elsewhere."""
    ok = np.isfinite(cost) & (np.abs(cost) > COST_TOL)
    return np.where(ok, diff / np.where(ok, cost, 1.0), np.nan)


def _compare_one(ref: pd.DataFrame, scen: pd.DataFrame, fiscal: tuple,
                 marks: bool = True) -> pd.DataFrame:
    """Rows of :func:`compare` for one scenario against the reference (horizon value frames)."""
    diff_med, diff_lo, diff_hi = seed_bands(paired_differences(scen, ref))
    out = pd.DataFrame(
        {"reference": seed_bands(ref)[0],
         "diff_median": diff_med, "diff_lo": diff_lo, "diff_hi": diff_hi},
        index=ref.index,
    ).reset_index()
    for kind, per_seed in zip(("gross", "net"), fiscal, strict=True):
        med, lo, hi = seed_bands(per_seed)
        stats = pd.DataFrame({f"{kind}_fiscal_cost": med, f"{kind}_fiscal_cost_lo": lo,
                              f"{kind}_fiscal_cost_hi": hi}, index=per_seed.index)
        out = out.join(stats, on="country")
    out["cost_effectiveness"] = _cost_effectiveness(out["diff_median"].to_numpy(),
                                                    out["gross_fiscal_cost"].to_numpy())
    out["direction"] = out["indicator"].map(direction_of)
    out["significant"] = ((out["diff_lo"] > 0) | (out["diff_hi"] < 0)) & marks
    return out


def compare(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Paired differences of every scenario from the reference (the first table) at the horizon.

    For each later scenario, country and indicator the per-seed difference (scenario minus
    reference, same seed, at the last step T; for the growth rates, :data:`GROWTH_INDICATORS`,
    of their mean over quarters 1..T, the one definition of a run's growth that the scorecard,
    sweeps and :func:`sim.evaluate` use too) is summarised by its median and 90% band across
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
        given. ``significant`` is True when the 90% band of the difference excludes zero and
        there are at least :data:`~sim.reporting.formatting.MIN_SEEDS_FOR_MARKS` seeds.

    Raises:
        ValueError: if a table is malformed, holds several scenarios, scenario names repeat, or
            seeds or horizons differ between tables.
    """
    names, seeds, horizon = check_comparable(tables)
    marks = marks_allowed(seeds)
    ref = horizon_values(aggregate_growth(tables[0]), horizon, seeds)
    order = pd.MultiIndex.from_tuples(
        [(c, i) for c in ordered_names(ref.index.get_level_values(0), ("JOINT", "AZ", "BY"))
         for i in ordered_names(ref.loc[c].index, list(INDICATORS))],
        names=ref.index.names,
    )
    ref = ref.reindex(order)
    ref_gross, ref_net = fiscal_per_seed(tables[0], seeds)
    parts = []
    for name, table in zip(names[1:], tables[1:], strict=True):
        gross, net = fiscal_per_seed(table, seeds)
        fiscal = (paired_differences(gross, ref_gross), paired_differences(net, ref_net))
        part = _compare_one(ref, horizon_values(aggregate_growth(table), horizon, seeds), fiscal,
                            marks)
        part.insert(0, "scenario", name)
        parts.append(part)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COMPARE_COLUMNS})
    return pd.concat(parts, ignore_index=True)[COMPARE_COLUMNS]


# ---------------------------------------------------------------------------------------------
# comparison report

ARROWS = {"higher": "↑", "lower": "↓", "info": ""}


def change_marks(median: float, lo: float, hi: float, direction: str, marks: bool = True) -> str:
    """``*`` when the band excludes zero, plus ✓/✗ when that change is good/bad (nothing when
    ``marks`` is False: too few seeds)."""
    if not marks or not (lo > 0 or hi < 0):
        return ""
    if direction == "info":
        return SIGNIFICANT_MARK
    good = (median > 0) == (direction == "higher")
    return SIGNIFICANT_MARK + " " + (GOOD_MARK if good else BAD_MARK)


def diff_cell(median: float, lo: float, hi: float, direction: str, marks: bool = True,
              indicator: str = "") -> str:
    """A change with its band and marks, for a markdown cell (a share's in percentage
    points when ``indicator`` is given)."""
    mark = change_marks(median, lo, hi, direction, marks)
    return f"{fmt_band(*(shown(indicator, v) for v in (median, lo, hi)), signed=True)}{mark}"


def national_cell(r: pd.Series, column: str, country: str, quarters: float,
                  signed: bool = True) -> str:
    """A national-scale median (``<column>_national``) with its share of GDP a year (when the
    table has it)."""
    value, pct = r.get(f"{column}_national", math.nan), r.get(f"{column}_pct_gdp", math.nan)
    if not math.isfinite(value):
        return "n/a"
    if not math.isfinite(pct):
        return fmt(value, signed)
    return tr("msg.national.value_gdp", value=fmt(value, signed), pct=fmt(pct, signed))


def _country_section(cmp: pd.DataFrame, country: str, names: list[str], ref_fiscal: dict,
                     marks: bool = True) -> list:
    """Markdown lines of one country's table: indicators x scenarios, fiscal rows last."""
    sub = cmp[cmp["country"] == country].set_index(["indicator", "scenario"])
    header = [tr("msg.common.indicator"), tr("msg.common.unit"), tr("msg.compare.better"),
              tr("msg.compare.level", ref=names[0]), *names[1:]]
    rows = []
    for ind in [i for i in COMPARE_INDICATORS if i in sub.index.get_level_values(0)]:
        label, unit = label_of(ind)
        r = sub.loc[ind]
        row = [label, shown_unit(ind), ARROWS[direction_of(ind)],
               fmt(shown(ind, r["reference"].iloc[0]))]
        rows.append(row + [diff_cell(*r.loc[s, ["diff_median", "diff_lo", "diff_hi"]],
                                      direction_of(ind), marks, ind) for s in names[1:]])
        if "diff_median_national" in r and r["diff_median_national"].notna().any():
            rows.append([tr("msg.national.row", label=label),
                         tr("msg.national.unit_gdp" if is_flow(ind) else "msg.national.unit",
                            unit=unit), "", ""]
                        + [national_cell(r.loc[s], "diff_median", country, 1.0)
                           for s in names[1:]])
    first = sub.xs(sub.index.get_level_values(0)[0], level="indicator")
    for kind, label in (("gross", tr("msg.common.gross_cost")), ("net", tr("msg.common.net_cost"))):
        cols = [f"{kind}_fiscal_cost", f"{kind}_fiscal_cost_lo", f"{kind}_fiscal_cost_hi"]
        row = [label, tr("msg.national.usd_model"), "",
               fmt(ref_fiscal[kind].get(country, math.nan))]
        rows.append(row + [diff_cell(*first.loc[s, cols], "info", marks) for s in names[1:]])
        if f"{kind}_fiscal_cost_national" in first:
            rows.append([tr("msg.national.row", label=label),
                         tr("msg.national.unit_gdp", unit="USD m"), "", ""]
                        + [national_cell(first.loc[s], f"{kind}_fiscal_cost", country, 0.0)
                           for s in names[1:]])
    title = f"## {country}: {country_name(country)}"
    return [title, "", *md_table(header, rows), ""]


def _cost_per_unit(r: pd.Series, horizon: int) -> str:
    """Gross cost per unit of gain in a reader's unit (``n/a`` without a gain or a cost)."""
    gain = r["diff_median"] if r["direction"] != "lower" else -r["diff_median"]
    gain_national = r.get("diff_median_national", math.nan)
    if r["direction"] == "lower":
        gain_national = -gain_national
    return fmt(cost_per_unit(r["indicator"], r.get("gross_fiscal_cost_national", math.nan),
                             gain, gain_national, horizon))


def _fiscal_section(cmp: pd.DataFrame, horizon: int, marks: bool = True) -> list[str]:
    """Markdown lines: fiscal costs at national scale and cost per unit of gain, per scenario
    and country."""
    gains = [i for i in COST_UNITS if i in set(cmp["indicator"])]
    gross, net = tr("msg.common.gross_cost"), tr("msg.common.net_cost")
    header = [tr("msg.common.scenario"), tr("msg.common.country"),
              tr("msg.national.cost_model", label=gross), tr("msg.national.cost_model", label=net),
              tr("msg.national.unit_gdp", unit=f"{gross}: USD m"),
              tr("msg.national.unit_gdp", unit=f"{net}: USD m"),
              *[cost_unit(i) for i in gains]]
    rows = []
    for (scenario, country), sub in cmp.groupby(["scenario", "country"], sort=False):
        first = sub.iloc[0]
        row = [scenario, country,
               diff_cell(*first[["gross_fiscal_cost", "gross_fiscal_cost_lo",
                                  "gross_fiscal_cost_hi"]], "info", marks),
               diff_cell(*first[["net_fiscal_cost", "net_fiscal_cost_lo",
                                  "net_fiscal_cost_hi"]], "info", marks),
               national_cell(first, "gross_fiscal_cost", country, horizon),
               national_cell(first, "net_fiscal_cost", country, horizon)]
        for ind in gains:
            row.append(_cost_per_unit(sub[sub["indicator"] == ind].iloc[0], horizon))
        rows.append(row)
    return [f"## {tr('msg.compare.fiscal_heading')}", "", *md_table(header, rows), ""]


def compare_markdown(cmp: pd.DataFrame, tables: Sequence[pd.DataFrame],
                     scale: Scale | None = None) -> str:
    """Text of ``compare.md`` from :func:`compare` output and the tables it was computed from.

    Args:
        cmp: output of ``compare(tables)`` (with :func:`sim.reporting.national.add_national`'s
            columns, national rows are shown too).
        tables: the run tables, reference first.
        scale: scale and calendar (default: the data files').

    Returns:
        Markdown text: one section per country (JOINT first) and a fiscal section.
    """
    names, seeds, horizon = check_comparable(tables)
    scale = scale or scale_of()
    marks = marks_allowed(seeds)
    growth = ", ".join(lower(label_of(i)[0]) for i in GROWTH_INDICATORS)
    gross, net = fiscal_per_seed(tables[0], seeds)
    ref_fiscal = {kind: {c: nan_bands(v.loc[c].to_numpy(dtype=float))[0] for c in v.index}
                  for kind, v in (("gross", gross), ("net", net))}
    lines = [
        f"# {tr('msg.compare.title', ref=names[0])}",
        "",
        "- " + tr("msg.common.reference_line", ref=names[0],
                 scenarios=", ".join(f"`{n}`" for n in names[1:])),
        "- " + tr("msg.common.seeds_line", seeds=seeds_text(seeds)),
        "- " + tr("msg.common.horizon_calendar", horizon=horizon,
                  calendar=scale.quarter(horizon), start=scale.quarter(0)),
        "",
        *few_seeds_lines(seeds),
        scale.note(),
        "",
        tr("msg.compare.cells", ref=names[0], horizon=horizon, growth=growth,
           significant=SIGNIFICANT_MARK, good=GOOD_MARK, bad=BAD_MARK),
        "",
        tr("msg.compare.fiscal_note", horizon=horizon),
        "",
    ]
    if cmp.empty:
        return "\n".join([*lines, tr("msg.compare.empty"), ""])
    countries = ordered_names(cmp["country"].unique(), ("JOINT", "AZ", "BY"))
    for country in countries:
        lines += _country_section(cmp, country, names, ref_fiscal, marks)
    lines += _fiscal_section(cmp, horizon, marks)
    lines += [tr("msg.compare.cost_note"), ""]
    return "\n".join(lines)


def limits_with_zero(values: np.ndarray) -> tuple[float, float]:
    """X limits that include zero and every finite value, padded by 10% (±1 if all zero)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    lo, hi = min(0.0, finite.min(initial=0.0)), max(0.0, finite.max(initial=0.0))
    pad = 0.1 * (hi - lo) if hi > lo else 1.0
    return lo - pad, hi + pad


def plot_compare(cmp: pd.DataFrame, path: Path, country: str = "JOINT",
                 scale: Scale | None = None) -> None:
    """Grid of horizontal bar charts: change per scenario with 90% band, one per key indicator.

    Bars are green (significant gain), red (significant loss) or grey (band includes zero or
    no desirable direction).

    Args:
        cmp: output of :func:`compare`.
        path: PNG file to write.
        country: country key to show.
        scale: scale and calendar named in the figure (default: the data files').
    """
    sub = cmp[cmp["country"] == country]
    names = list(pd.unique(sub["scenario"]))
    fig = Figure(figsize=(12, 1.0 + 3 * (1.6 + 0.3 * len(names))), dpi=100, layout="constrained")
    axes = fig.subplots(3, 3).ravel()
    for ax, ind in zip(axes, KEY_INDICATORS, strict=True):
        r = sub[sub["indicator"] == ind].set_index("scenario").reindex(names)
        r[["diff_median", "diff_lo", "diff_hi"]] = shown(
            ind, r[["diff_median", "diff_lo", "diff_hi"]])
        med = r["diff_median"].to_numpy(dtype=float)
        err = np.nan_to_num(np.vstack([med - r["diff_lo"], r["diff_hi"] - med]).astype(float))
        marks = [change_marks(*row, direction_of(ind)) if sig else "" for row, sig in
                 zip(r[["diff_median", "diff_lo", "diff_hi"]].to_numpy(dtype=float),
                     r["significant"].fillna(False), strict=True)]
        colours = ["#2e8b57" if GOOD_MARK in m else "#c4362b" if BAD_MARK in m else "0.6"
                   for m in marks]
        y = np.arange(len(names))
        ax.barh(y, np.nan_to_num(med), xerr=err, color=colours, capsize=3, height=0.6)
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_xlim(*limits_with_zero(r[["diff_lo", "diff_median", "diff_hi"]].to_numpy()))
        ax.set_yticks(y, [plain(n) for n in names], fontsize=8)
        ax.invert_yaxis()
        label, unit = label_of(ind)
        ax.set_title(f"{label} {ARROWS[direction_of(ind)]}", fontsize=9)
        ax.set_xlabel(tr("msg.compare.plot_xlabel", unit=shown_unit(ind, change=True))
                      + (tr("msg.national.model_suffix") if is_money(ind) else ""), fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle(tr("msg.compare.plot_title", country=country_name(country).capitalize())
                 + "\n" + (scale or scale_of()).short(), fontsize=10)
    fig.savefig(path, pil_kwargs=PNG_OPTIONS)


def write_compare_report(
    tables: list[pd.DataFrame], out_dir: Path, provenance: dict,
    discount_rate: float | None = None,
) -> pd.DataFrame:
    """Compare scenarios with the reference (first table) and write the comparison report.

    Files: ``compare.csv`` (the :func:`compare` table), ``compare.md``, ``compare.png`` (JOINT
    changes of the key indicators), the paths over time and the discounted benefits and costs
    (:mod:`sim.reporting.over_time`: ``paths.csv``, ``paths_JOINT.png``, ``discounted.csv``),
    ``indicators.parquet`` (all run tables concatenated) and ``provenance.json``.

    Args:
        tables: one tidy indicators table per scenario, reference first (see :func:`compare`).
        out_dir: output directory (created if needed).
        provenance: JSON-serialisable description of the comparison.
        discount_rate: annual real rate of the discounted table (default
            :data:`sim.reporting.discounting.DISCOUNT_RATE`).

    Returns:
        The :func:`compare` table.

    Raises:
        ValueError: as :func:`compare`, before anything is written.
    """
    cmp = compare(tables)
    scale = scale_of(provenance)
    national = compare([national_table(t, scale) for t in tables])
    horizon = check_comparable(tables)[2]
    cmp = add_national(cmp, national, scale, horizon, ["scenario", "country", "indicator"])
    timed = over_time(tables, provenance, scale, horizon,
                      DISCOUNT_RATE if discount_rate is None else discount_rate)
    # like compare.png, the paths are drawn for both countries together (paths.csv holds each
    # country's; the scorecard draws them)
    text = compare_markdown(cmp, tables, scale) + "\n" + "\n".join(
        over_time_markdown(timed, scale, ["JOINT"]))
    write_assessment(out_dir, "compare", cmp, text,
                     lambda path: plot_compare(cmp, path, scale=scale), tables, provenance)
    write_over_time(out_dir, timed, scale, ["JOINT"])
    return cmp
