"""Policy scorecard: every scenario's effect on the nine indicators, its fiscal cost, and what
its risks cost.

Each scenario is compared with the reference (the first table) seed by seed, as in
:func:`sim.reporting.comparison.compare`: the change is the per-seed difference scenario minus
reference, summarised by its median and 90% band (5th and 95th percentiles) across seeds. The
indicators are the nine :data:`~sim.indicators.KEY_INDICATORS`, taken at the last quarter T, except
the two growth rates (:data:`GROWTH_INDICATORS`, % y/y): a growth rate at one quarter is noisy, and
a lasting gain in level shows up as growth only while it builds up, so the scorecard uses their
mean over quarters 1..T (the average annual growth over the run) for both sides. These
definitions and the pairing are the functions of :mod:`sim.experiments.outcomes`, which
:func:`sim.evaluate` calls too, so a script gets the scorecard's numbers.

A scenario named ``<base>_<suffix>`` whose ``<base>`` is another scenario of the set (not the
reference) is a variant of that scenario, e.g. ``full_package_mistargeted`` of
``full_package``; ``az_alone`` and ``by_alone`` are variants of ``joint`` when all three are
present. Each variant is also compared with its base (:func:`risk_pairs`), which tells what
mistargeting or poor coordination loses.

:func:`scorecard` returns a tidy table with one row per (scenario, versus, country, indicator)
and the columns :data:`SCORECARD_COLUMNS`:

- ``scenario``: the scenario assessed.
- ``versus``: the scenario it is compared with: the reference, or the base of a variant.
- ``comparison``: ``"reference"`` (versus the reference) or ``"risk"`` (a variant versus its
  base).
- ``country``: ``JOINT`` (both countries), ``AZ`` or ``BY``.
- ``indicator``, ``unit``, ``direction``: one of the nine key indicators, its unit, and
  whether ``higher`` or ``lower`` is better.
- ``aggregate``: ``"horizon"`` (the value at quarter T) or ``"mean over quarters 1..T"`` (the
  growth rates).
- ``versus_level``: median across seeds of the ``versus`` scenario's aggregated value.
- ``diff_median``, ``diff_lo``, ``diff_hi``: the paired change (scenario minus versus), median
  and 90% band across seeds, in the indicator's unit.
- ``significant``: the band excludes zero.
- ``effect``: ``"good"`` or ``"bad"`` for a significant change in the desirable or undesirable
  direction, ``""`` otherwise.
- ``gross_fiscal_cost``, ``gross_fiscal_cost_lo``, ``gross_fiscal_cost_hi``: extra policy
  spending plus taxes foregone over quarters 1..T, paired by seed (USD m; the same on every
  indicator row of a scenario and country).
- ``net_fiscal_cost``, ``net_fiscal_cost_lo``, ``net_fiscal_cost_hi``: extra (policy spending
  minus taxes collected) accumulated to quarter T, so the taxes a policy brings in offset it.
- ``cost_per_gain``: ``gross_fiscal_cost / |diff_median|``, USD m of gross cost per unit of
  the indicator, where ``effect`` is ``"good"`` (0 when the gross cost is zero); NaN otherwise.
- ``pays_for_itself``: the whole 90% band of the net fiscal cost is at or below zero: the extra
  taxes the scenario brings in cover its spending (also True for a scenario that costs nothing
  more; ``scorecard.md`` shows ``no cost`` then).

:func:`write_scorecard_report` writes ``scorecard.csv`` (that table), ``scorecard.md``,
``scorecard.png`` (drawn by :func:`sim.reporting.scorecard_plot.plot_scorecard`),
``indicators.parquet`` and ``provenance.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments import outcomes
from sim.i18n import country_name, lower, t
from sim.indicators import GROWTH_INDICATORS, KEY_INDICATORS, POLICY_OUTPUTS
from sim.reporting.comparison import (
    ARROWS,
    BAD_MARK,
    COST_TOL,
    GOOD_MARK,
    SIGNIFICANT_MARK,
    change_marks,
    check_comparable,
    compare,
    diff_cell,
    direction_of,
)
from sim.reporting.formatting import (
    few_seeds_lines,
    fmt,
    label_of,
    marks_allowed,
    md_table,
    ordered_names,
    seeds_text,
    shown,
    shown_unit,
)
from sim.reporting.national import (
    COST_UNITS,
    NATIONAL_COLUMNS,
    Scale,
    add_cost_per_unit,
    add_national,
    cost_unit,
    is_money,
    national_table,
    scale_of,
)
from sim.reporting.run_report import write_assessment

#: The outcomes the scorecard rates: the key indicators but the policy's own output, with exports
#: split by market (to third countries; to the partner country, i.e. bilateral trade), the
#: domestic firms' share of their home market and employment beside them. Both countries
#: together: exports are to third countries only; the AZ-BY trade is its own line.
#: Tech exports to all markets (the report's indicator 6) stay in ``scorecard.csv`` but are not
#: shown, as for both countries they would count the AZ-BY trade as exports.
OUTCOME_INDICATORS = [
    "productivity_growth", "investment_growth", "equipment_generation", "tech_output",
    "exports_third", "exports_partner", "domestic_share_home", "time_to_market",
    "supplier_delivery", "input_quality", "employment"]
#: Every indicator of the scorecard table, in its order.
SCORECARD_INDICATORS = [*KEY_INDICATORS, "exports_third", "exports_partner",
                        "domestic_share_home", "employment"]
#: Indicators the fiscal costs are computed from.
FISCAL_INDICATORS = ["budget_spent", "tax_foregone", "fiscal_balance"]
AGGREGATE_HORIZON = "horizon"
AGGREGATE_MEAN = "mean over quarters 1..T"
#: Variants compared with a base not given by their name: ``{variant: base}``, used when the
#: base and every variant listed for it are present.
GROUP_BASES = {"az_alone": "joint", "by_alone": "joint"}
COUNTRY_ORDER = ("JOINT", "AZ", "BY")
SCORECARD_COLUMNS = [
    "scenario", "versus", "comparison", "country", "indicator", "unit", "direction",
    "aggregate", "versus_level", "diff_median", "diff_lo", "diff_hi", "significant", "effect",
    "gross_fiscal_cost", "gross_fiscal_cost_lo", "gross_fiscal_cost_hi",
    "net_fiscal_cost", "net_fiscal_cost_lo", "net_fiscal_cost_hi",
    "cost_per_gain", "pays_for_itself",
]  # fmt: skip
_GROSS = ["gross_fiscal_cost", "gross_fiscal_cost_lo", "gross_fiscal_cost_hi"]
_NET = ["net_fiscal_cost", "net_fiscal_cost_lo", "net_fiscal_cost_hi"]


# ---------------------------------------------------------------------------------------------
# scorecard


def aggregate_growth(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` the scorecard needs, growth rates averaged over the run.

    Args:
        table: tidy indicators table of one scenario.

    Returns:
        The rows of the key and fiscal indicators, as
        :func:`sim.experiments.outcomes.aggregate_growth` gives them: for
        :data:`GROWTH_INDICATORS` the value at the last step T of each seed is replaced by the
        seed's mean over steps 1..T, so a comparison at the horizon compares the means.
    """
    return outcomes.aggregate_growth(table, [*SCORECARD_INDICATORS, *FISCAL_INDICATORS])


def risk_pairs(names: Sequence[str], reference: str) -> list[tuple[str, str]]:
    """``(variant, base)`` pairs among scenario names, in the order of ``names``.

    A name ``<base>_<suffix>`` is a variant of ``<base>`` when ``<base>`` is another name in the
    set and not the reference (the longest such base wins, so ``a_b_c`` is a variant of ``a_b``
    rather than of ``a``). :data:`GROUP_BASES` adds ``az_alone`` and ``by_alone`` as variants of
    ``joint`` when all three are present.

    Args:
        names: scenario names.
        reference: the reference scenario's name (never a base, never a variant).

    Returns:
        List of ``(variant, base)``.
    """
    present = set(names)
    groups: dict[str, list[str]] = {}
    for variant, base in GROUP_BASES.items():
        groups.setdefault(base, []).append(variant)
    extra = {variant: base for base, variants in groups.items()
             if base in present and base != reference and present.issuperset(variants)
             for variant in variants}
    pairs = []
    for name in names:
        if name == reference:
            continue
        parts = name.split("_")
        bases = ["_".join(parts[:k]) for k in range(len(parts) - 1, 0, -1)]
        base = next((b for b in bases if b in present and b != reference), extra.get(name))
        if base is not None and base != name:
            pairs.append((name, base))
    return pairs


def _effect(diff: pd.DataFrame) -> pd.Series:
    """``good`` / ``bad`` for significant changes in the desirable / undesirable direction."""
    higher = diff["direction"] == "higher"
    lower = diff["direction"] == "lower"
    up = (diff["diff_lo"] > 0) & diff["significant"]
    down = (diff["diff_hi"] < 0) & diff["significant"]
    rated = ~diff["indicator"].isin(POLICY_OUTPUTS)
    good = ((higher & up) | (lower & down)) & rated
    bad = ((higher & down) | (lower & up)) & rated
    return pd.Series(np.select([good, bad], ["good", "bad"], ""), index=diff.index)


def _from_compare(cmp: pd.DataFrame, kind: str, versus: str) -> pd.DataFrame:
    """Scorecard rows from :func:`compare` output on :func:`aggregate_growth` tables."""
    cmp = cmp[cmp["indicator"].isin(SCORECARD_INDICATORS)].copy()
    cmp["versus"] = versus
    cmp["comparison"] = kind
    cmp["unit"] = cmp["indicator"].map(lambda i: label_of(i)[1])
    cmp["aggregate"] = np.where(cmp["indicator"].isin(GROWTH_INDICATORS), AGGREGATE_MEAN,
                                AGGREGATE_HORIZON)
    cmp = cmp.rename(columns={"reference": "versus_level"})
    cmp["effect"] = _effect(cmp)
    gross = cmp["gross_fiscal_cost"].to_numpy(dtype=float)
    gross = np.where(np.abs(gross) <= COST_TOL, 0.0, gross)
    gain = np.abs(cmp["diff_median"].to_numpy(dtype=float))
    ok = (cmp["effect"] == "good").to_numpy() & np.isfinite(gross) & (gain > 0)
    cmp["cost_per_gain"] = np.where(ok, gross / np.where(ok, gain, 1.0), np.nan)
    cmp["pays_for_itself"] = (cmp["net_fiscal_cost_hi"] <= COST_TOL).astype(bool)
    return cmp


def _order(card: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Rows ordered by comparison, scenario (as given), country and indicator."""
    keys = pd.DataFrame({
        "comparison": card["comparison"] != "reference",
        "scenario": card["scenario"].map({n: i for i, n in enumerate(names)}),
        "versus": card["versus"].map({n: i for i, n in enumerate(names)}),
        "country": card["country"].map(lambda c: COUNTRY_ORDER.index(c)
                                       if c in COUNTRY_ORDER else len(COUNTRY_ORDER)),
        "indicator": card["indicator"].map(SCORECARD_INDICATORS.index),
    })
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return card.loc[order].reset_index(drop=True)


def scorecard(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """The scorecard of every scenario against the reference (the first table), and of every
    variant against its base (see :func:`risk_pairs`).

    Args:
        tables: one tidy indicators table per scenario, reference first; each holds exactly one
            scenario, and all share the same seeds and the same last step.

    Returns:
        Tidy DataFrame with columns :data:`SCORECARD_COLUMNS` (described in the module
        docstring): the comparisons with the reference first (scenarios as given, countries
        JOINT, AZ, BY, the nine key indicators in order), then the variants; empty if only the
        reference is given.

    Raises:
        ValueError: if a table is malformed, holds several scenarios, scenario names repeat, or
            seeds or horizons differ between tables.
    """
    names, _, _ = check_comparable(tables)
    keep = [*SCORECARD_INDICATORS, *FISCAL_INDICATORS]  # compare averages the growth rates
    derived = {name: t[t["indicator"].isin(keep)] for name, t in zip(names, tables, strict=True)}
    parts = []
    if len(names) > 1:
        cmp = compare([derived[n] for n in names])
        parts.append(_from_compare(cmp, "reference", names[0]))
    for variant, base in risk_pairs(names, names[0]):
        cmp = compare([derived[base], derived[variant]])
        parts.append(_from_compare(cmp, "risk", base))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SCORECARD_COLUMNS})
    return _order(pd.concat(parts, ignore_index=True), names)[SCORECARD_COLUMNS]


# ---------------------------------------------------------------------------------------------
# scorecard report


#: Message ids of the scorecard's own column titles.
_TITLES = {
    "scenario": "msg.common.scenario",
    "did": "msg.scorecard.did",
    "gross": "msg.scorecard.gross_model",
    "net": "msg.scorecard.net_model",
    "gross_national": "msg.scorecard.gross_national",
    "net_national": "msg.scorecard.net_national",
    "pays": "msg.scorecard.pays",
}


def _title(key: str, **values: str) -> str:
    """A column title of the scorecard in the report's language."""
    return t(_TITLES[key], **values)


def _header(indicator: str, horizon: int, units: bool = True) -> str:
    """Column title: label, better direction and unit (and the averaging of growth rates)."""
    label = label_of(indicator)[0]
    unit = shown_unit(indicator, change=True)
    if not units:
        return f"{label} {ARROWS[direction_of(indicator)]}".strip()
    if indicator in GROWTH_INDICATORS:
        unit = t("msg.scorecard.growth_unit", unit=unit, horizon=horizon)
    elif is_money(indicator):
        unit = unit + t("msg.national.model_suffix")
    return f"{label} {ARROWS[direction_of(indicator)]}".strip() + f" ({unit})"


def _pays_text(r: pd.Series) -> str:
    """``yes`` / ``no``, or ``no cost`` when the scenario costs nothing more either way."""
    costs = r[[*_GROSS, *_NET]].to_numpy(dtype=float)
    if np.isfinite(costs).all() and (np.abs(costs) <= COST_TOL).all():
        return t("msg.scorecard.no_cost")
    return t("msg.scorecard.yes") if r["pays_for_itself"] else t("msg.scorecard.no")


def _marks(r: pd.Series) -> str:
    return change_marks(r["diff_median"], r["diff_lo"], r["diff_hi"], r["direction"],
                        bool(r["significant"]))


def _national_change(r: pd.Series) -> str:
    """`` (national +210; +0.41% of GDP a year)`` for money and jobs, else nothing."""
    value = r.get("diff_median_national", np.nan)
    if not np.isfinite(value):
        return ""
    pct = r.get("diff_pct_gdp", np.nan)
    share = t("msg.scorecard.national_share", pct=fmt(pct, signed=True)) \
        if np.isfinite(pct) else ""
    return " " + t("msg.scorecard.national_change", value=fmt(value, signed=True), share=share)


def _compact_cell(r: pd.Series, indicator: str) -> str:
    """Median change and marks, without the band (a share's in percentage points), and at
    national scale for money and jobs."""
    return fmt(shown(indicator, r["diff_median"]), signed=True) + _marks(r) + \
        _national_change(r)


def _band_cell(r: pd.Series, indicator: str) -> str:
    return diff_cell(r["diff_median"], r["diff_lo"], r["diff_hi"], r["direction"],
                     bool(r["significant"]), indicator) + _national_change(r)


def _output_cell(r: pd.Series, indicator: str) -> str:
    """What the policy did: the change without good/bad marks (it is no gain)."""
    return diff_cell(r["diff_median"], r["diff_lo"], r["diff_hi"], "info", False, indicator)


def _fiscal_cell(r: pd.Series, cols: list[str], marks: bool) -> str:
    return diff_cell(*r[cols].to_numpy(dtype=float), "info", marks)


def _national_cell(r: pd.Series, kind: str) -> str:
    value = r.get(f"{kind}_fiscal_cost_national", np.nan)
    if not np.isfinite(value):
        return "n/a"
    return f"{fmt(value, signed=True)}; {fmt(r[f'{kind}_fiscal_cost_pct_gdp'], signed=True)}%"


def _scenario_rows(sub: pd.DataFrame) -> list[tuple[tuple, pd.DataFrame]]:
    """``((scenario, versus, country), rows indexed by indicator)`` in the table's order."""
    return [(key, rows.set_index("indicator").reindex(SCORECARD_INDICATORS))
            for key, rows in sub.groupby(["scenario", "versus", "country"], sort=False)]


def _did_titles() -> list[str]:
    return [_title("did", label=lower(label_of(i)[0]), unit=shown_unit(i, True))
            for i in POLICY_OUTPUTS]


def _summary_table(card: pd.DataFrame, horizon: int) -> list[str]:
    """Compact JOINT table: medians of the changes, what the policy did, fiscal costs."""
    sub = card[(card["comparison"] == "reference") & (card["country"] == "JOINT")]
    header = [_title("scenario"), *[_header(i, horizon, units=False) for i in OUTCOME_INDICATORS],
              *_did_titles(), _title("gross_national"), _title("net_national"), _title("pays")]
    rows = []
    for (scenario, _, _), r in _scenario_rows(sub):
        first = r.iloc[0]
        rows.append([f"`{scenario}`", *[_compact_cell(r.loc[i], i) for i in OUTCOME_INDICATORS],
                     *[_output_cell(r.loc[i], i) for i in POLICY_OUTPUTS],
                     _national_cell(first, "gross"), _national_cell(first, "net"),
                     _pays_text(first)])
    return md_table(header, rows)


def _cost_row(r: pd.DataFrame) -> list[str]:
    """Cost per unit of gain in the units of :data:`COST_UNITS` (national scale), from the
    table's ``cost_per_unit`` column (:func:`sim.reporting.national.add_cost_per_unit`)."""
    return [fmt(r.loc[i].get("cost_per_unit", np.nan)) if i in r.index else "n/a"
            for i in COST_UNITS]


def _country_section(card: pd.DataFrame, country: str, horizon: int,
                     marks: bool) -> list[str]:
    """Changes with bands and cost per unit of gain for one country."""
    sub = card[(card["comparison"] == "reference") & (card["country"] == country)]
    header = [_title("scenario"), *[_header(i, horizon) for i in OUTCOME_INDICATORS],
              *_did_titles(), _title("gross"), _title("net"), _title("gross_national"),
              _title("net_national"), _title("pays")]
    rows, costs = [], []
    for (scenario, _, _), r in _scenario_rows(sub):
        first = r.iloc[0]
        rows.append([f"`{scenario}`", *[_band_cell(r.loc[i], i) for i in OUTCOME_INDICATORS],
                     *[_output_cell(r.loc[i], i) for i in POLICY_OUTPUTS],
                     _fiscal_cell(first, _GROSS, marks), _fiscal_cell(first, _NET, marks),
                     _national_cell(first, "gross"), _national_cell(first, "net"),
                     _pays_text(first)])
        costs.append([f"`{scenario}`", *_cost_row(r)])
    return [
        f"## {country}: {country_name(country)}", "",
        *md_table(header, rows), "",
        f"### {t('msg.scorecard.cost_heading', country=country)}", "",
        t("msg.scorecard.cost_note"), "",
        *md_table([_title("scenario"), *[cost_unit(i) for i in COST_UNITS]], costs), "",
    ]


def _risk_section(card: pd.DataFrame, horizon: int, marks: bool) -> list[str]:
    """Each variant against its base, every country."""
    lines = [f"## {t('msg.scorecard.risk_heading')}", ""]
    sub = card[card["comparison"] == "risk"]
    if sub.empty:
        return [*lines, t("msg.scorecard.no_risk"), ""]
    lines += [t("msg.scorecard.risk_note"), ""]
    header = [t("msg.scorecard.variant"), t("msg.scorecard.versus"), t("msg.common.country"),
              *[_header(i, horizon) for i in OUTCOME_INDICATORS],
              _title("gross"), _title("net"), _title("gross_national"), _title("net_national")]
    rows = []
    for (variant, base, country), r in _scenario_rows(sub):
        first = r.iloc[0]
        rows.append([f"`{variant}`", f"`{base}`", country,
                     *[_band_cell(r.loc[i], i) for i in OUTCOME_INDICATORS],
                     _fiscal_cell(first, _GROSS, marks), _fiscal_cell(first, _NET, marks),
                     _national_cell(first, "gross"), _national_cell(first, "net")])
    return [*lines, *md_table(header, rows), ""]


def scorecard_markdown(card: pd.DataFrame, tables: Sequence[pd.DataFrame],
                       scale: Scale | None = None) -> str:
    """Text of ``scorecard.md`` from :func:`scorecard` output and the tables it came from.

    Args:
        card: output of ``scorecard(tables)`` (with
            :func:`sim.reporting.national.add_national`'s columns for the national figures).
        tables: the run tables, reference first.
        scale: scale and calendar (default: the data files').

    Returns:
        Markdown text: how to read it, a compact table for both countries, a detailed section
        per country (JOINT, AZ, BY) and the cost of the risks.
    """
    names, seeds, horizon = check_comparable(tables)
    scale = scale or scale_of()
    if not card.empty and "gross_fiscal_cost_national" not in card:
        card = card.assign(**{c: np.nan for c in NATIONAL_COLUMNS})
    if not card.empty and "cost_per_unit" not in card:
        card = add_cost_per_unit(card, horizon)
    ref = names[0]
    growth = t("msg.scorecard.and").join(lower(label_of(i)[0]) for i in GROWTH_INDICATORS)
    lines = [
        f"# {t('msg.scorecard.title', ref=ref)}",
        "",
        "- " + t("msg.common.reference_line", ref=ref,
                 scenarios=", ".join(f"`{n}`" for n in names[1:])),
        "- " + t("msg.common.seeds_line", seeds=seeds_text(seeds)),
        "- " + t("msg.common.horizon_calendar", horizon=horizon,
                 calendar=scale.quarter(horizon), start=scale.quarter(0)),
        "",
        *few_seeds_lines(seeds),
        scale.note(),
        "",
        t("msg.scorecard.how_to_read", ref=ref, horizon=horizon, significant=SIGNIFICANT_MARK,
          good=GOOD_MARK, bad=BAD_MARK, growth=growth),
        "",
        t("msg.scorecard.units") + " " + "; ".join(
            f"{lower(label_of(i)[0])}: {shown_unit(i)}"
            for i in [*OUTCOME_INDICATORS, *POLICY_OUTPUTS]) + ".",
        "",
    ]
    if card.empty:
        return "\n".join([*lines, t("msg.scorecard.empty"), ""])
    lines += [f"## {t('msg.scorecard.glance')}", "", *_summary_table(card, horizon), "",
              f"![{t('msg.scorecard.picture')}](scorecard.png)", ""]
    present = card.loc[card["comparison"] == "reference", "country"].unique()
    for country in ordered_names(present, COUNTRY_ORDER):
        lines += _country_section(card, country, horizon, marks_allowed(seeds))
    lines += _risk_section(card, horizon, marks_allowed(seeds))
    return "\n".join(lines)


def write_scorecard_report(
    tables: list[pd.DataFrame], out_dir: Path, provenance: dict,
    discount_rate: float | None = None,
) -> pd.DataFrame:
    """Assess the scenarios against the reference (first table) and write the scorecard.

    Files: ``scorecard.csv`` (the :func:`scorecard` table with the national columns of
    :func:`sim.reporting.national.add_national` and ``cost_per_unit`` of
    :func:`sim.reporting.national.add_cost_per_unit`), ``scorecard.md``, ``scorecard.png`` (both
    countries; ``scorecard_AZ.png``, ``scorecard_BY.png`` each country), the paths over time and
    the discounted benefits and costs (:mod:`sim.reporting.over_time`: ``paths.csv``,
    ``paths_<country>.png``, ``discounted.csv``), ``brief.md`` and ``brief.html``
    (:mod:`sim.reporting.brief`),
    ``indicators.parquet`` (all run tables concatenated) and ``provenance.json``.

    Args:
        tables: one tidy indicators table per scenario, reference first (see :func:`scorecard`).
        out_dir: output directory (created if needed).
        provenance: JSON-serialisable description of the runs (its scenarios give the scale
            and the calendar, :func:`sim.reporting.national.scale_of`, and the policies'
            windows).
        discount_rate: annual real rate of the discounted table (default
            :data:`sim.reporting.discounting.DISCOUNT_RATE`).

    Returns:
        The :func:`scorecard` table with the national columns.

    Raises:
        ValueError: as :func:`scorecard`, before anything is written.
    """
    from sim.reporting.brief import write_brief
    from sim.reporting.discounting import DISCOUNT_RATE
    from sim.reporting.over_time import over_time, over_time_markdown, write_over_time
    from sim.reporting.scorecard_plot import plot_scorecard  # it builds on this module

    card = scorecard(tables)
    scale = scale_of(provenance)
    national = scorecard([national_table(t, scale) for t in tables])
    horizon = check_comparable(tables)[2]
    card = add_national(card, national, scale, horizon,
                        ["scenario", "versus", "country", "indicator"])
    card = add_cost_per_unit(card, horizon)
    timed = over_time(tables, provenance, scale, horizon,
                      DISCOUNT_RATE if discount_rate is None else discount_rate)
    text = scorecard_markdown(card, tables, scale) + "\n" + "\n".join(
        over_time_markdown(timed, scale))
    write_assessment(out_dir, "scorecard", card, text,
                     lambda path: plot_scorecard(card, path, scale=scale), tables, provenance)
    for country in ("AZ", "BY"):
        plot_scorecard(card, Path(out_dir) / f"scorecard_{country}.png", country, scale=scale)
    write_over_time(out_dir, timed, scale)
    names, seeds, _ = check_comparable(tables)
    write_brief(out_dir, card, names, seeds, horizon, scale, provenance, OUTCOME_INDICATORS)
    return card
