"""The scorecard's report: ``scorecard.md`` (:func:`scorecard_markdown`) and the files of a
scorecard folder (:func:`write_scorecard_report`), from the table of
:func:`sim.reporting.scorecard.scorecard`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.i18n import country_name, lower, t
from sim.indicators import GROWTH_INDICATORS, POLICY_OUTPUTS
from sim.reporting.comparison import (
    ARROWS,
    BAD_MARK,
    COST_TOL,
    GOOD_MARK,
    SIGNIFICANT_MARK,
    change_marks,
    check_comparable,
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
from sim.reporting.scorecard import (
    _GROSS,
    _NET,
    COUNTRY_ORDER,
    OUTCOME_INDICATORS,
    SCORECARD_INDICATORS,
    scorecard,
)

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
    ``paths_<country>.png``, ``discounted.csv``), the grant instruments' take-up
    (:mod:`sim.reporting.take_up`: ``take_up.csv``), ``brief.md`` and ``brief.html``
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
    from sim.reporting.take_up import take_up_markdown, take_up_table, write_take_up

    card = scorecard(tables)
    scale = scale_of(provenance)
    national = scorecard([national_table(t, scale) for t in tables])
    horizon = check_comparable(tables)[2]
    card = add_national(card, national, scale, horizon,
                        ["scenario", "versus", "country", "indicator"])
    card = add_cost_per_unit(card, horizon)
    timed = over_time(tables, provenance, scale, horizon,
                      DISCOUNT_RATE if discount_rate is None else discount_rate)
    take_up = take_up_table(tables)
    text = scorecard_markdown(card, tables, scale) + "\n" + "\n".join(
        [*take_up_markdown(take_up), *over_time_markdown(timed, scale)])
    write_assessment(out_dir, "scorecard", card, text,
                     lambda path: plot_scorecard(card, path, scale=scale), tables, provenance)
    for country in ("AZ", "BY"):
        plot_scorecard(card, Path(out_dir) / f"scorecard_{country}.png", country, scale=scale)
    write_over_time(out_dir, timed, scale)
    write_take_up(out_dir, take_up)
    names, seeds, _ = check_comparable(tables)
    write_brief(out_dir, card, names, seeds, horizon, scale, provenance, OUTCOME_INDICATORS,
                discounted=timed.discounted)
    return card
