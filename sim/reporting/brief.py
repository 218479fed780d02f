"""A one-page brief of a scorecard, in plain words: which instruments give most per dollar, what
the risks cost, and what the results rest on.

Every number in the brief is read from the scorecard table that ``scorecard.csv`` holds (with
the national columns of :func:`sim.reporting.national.add_national` and ``cost_per_unit``), and
formatted with :func:`sim.reporting.formatting.fmt`, so the brief and the table cannot disagree.
:func:`write_brief` writes ``brief.md`` and ``brief.html``, a self-contained page (the scorecard
figure embedded) that opens in any browser and prints on one or two pages.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.i18n import current, lower, policy_label, t
from sim.reporting import files
from sim.reporting.formatting import (
    MIN_SEEDS_FOR_MARKS,
    fmt,
    fmt_band,
    label_of,
    md_table,
    shown,
    shown_unit,
)
from sim.reporting.national import Scale, is_gain

#: The indicator the ranking is by: extra exports to third countries per dollar of cost (both
#: countries together; the AZ-BY trade is no export of the two).
RANK_BY = "exports_third"
#: Indicators a ranked row shows beside it: jobs.
JOBS = "employment"
#: The country whose rows the brief reads (both countries together).
BOTH = "JOINT"
#: At most this many instruments in the ranking table; the rest are named in one line.
MAX_RANKED = 10


@dataclass(frozen=True)
class Ranked:
    """One scenario's line of the ranking, every value as in ``scorecard.csv``."""

    scenario: str
    gross_national: float  # gross fiscal cost over the run, USD m, national scale
    gross_pct_gdp: float  # a year of it as % of both countries' GDP
    exports_national: float  # change in exports to third countries, USD m a quarter, national
    cost_per_export: float  # USD of cost per USD of extra exports (cost_per_unit)
    jobs_national: float  # change in employment, workers, national
    cost_per_job: float  # USD of cost a year per job (cost_per_unit)
    export_gain: bool  # exports to third countries rise significantly
    job_gain: bool  # employment rises significantly
    gains: int  # significant changes in the desirable direction
    losses: int  # significant changes in the undesirable direction
    pays: bool  # pays for itself


def _row(sub: pd.DataFrame, indicator: str) -> pd.Series | None:
    rows = sub[sub["indicator"] == indicator]
    return rows.iloc[0] if len(rows) else None


def _value(row: pd.Series | None, column: str) -> float:
    if row is None or column not in row:
        return float("nan")
    return float(row[column])


def ranking(card: pd.DataFrame, rated: Sequence[str]) -> list[Ranked]:
    """Every scenario compared with the reference, both countries together, best first: those
    with a significant gain in exports to third countries by cost per USD of extra exports
    (lowest first; a gain at no extra cost first of all), then those with a significant gain in
    jobs by cost per job, then the rest in the table's order.

    Args:
        card: the scorecard table with national columns and ``cost_per_unit``.
        rated: the indicators whose significant changes count as gains and losses.
    """
    sub = card[(card["comparison"] == "reference") & (card["country"] == BOTH)]
    out = []
    for scenario, rows in sub.groupby("scenario", sort=False):
        first = rows.iloc[0]
        exports, jobs = _row(rows, RANK_BY), _row(rows, JOBS)
        effects = rows[rows["indicator"].isin(rated)]["effect"]
        out.append(Ranked(
            scenario=str(scenario),
            gross_national=_value(first, "gross_fiscal_cost_national"),
            gross_pct_gdp=_value(first, "gross_fiscal_cost_pct_gdp"),
            exports_national=_value(exports, "diff_median_national"),
            cost_per_export=_value(exports, "cost_per_unit"),
            jobs_national=_value(jobs, "diff_median_national"),
            cost_per_job=_value(jobs, "cost_per_unit"),
            export_gain=exports is not None and exports["effect"] == "good",
            job_gain=jobs is not None and is_gain(JOBS, jobs["effect"], bool(jobs["significant"]),
                                                    float(jobs["diff_median"])),
            gains=int((effects == "good").sum()),
            losses=int((effects == "bad").sum()),
            pays=bool(first["pays_for_itself"]),
        ))

    def key(r: Ranked) -> tuple:
        if r.export_gain:
            return (0, r.cost_per_export if np.isfinite(r.cost_per_export) else 0.0)
        if r.job_gain:
            return (1, r.cost_per_job if np.isfinite(r.cost_per_job) else 0.0)
        return (2, 0.0)

    return sorted(out, key=key)  # stable: ties keep the table's order


@dataclass(frozen=True)
class RiskLine:
    """What one variant loses against its base, both countries together."""

    variant: str
    base: str
    losses: list[tuple[str, float, float]]  # (indicator, change, national change or NaN)
    extra_gross: float  # USD m over the run, national scale (model scale if no national)


def risk_lines(card: pd.DataFrame, rated: Sequence[str]) -> list[RiskLine]:
    """Each variant's significant losses in the ``rated`` indicators against its base (both
    countries together)."""
    sub = card[(card["comparison"] == "risk") & (card["country"] == BOTH)]
    out = []
    for (variant, base), rows in sub.groupby(["scenario", "versus"], sort=False):
        bad = rows[(rows["effect"] == "bad") & rows["indicator"].isin(rated)]
        losses = [(r.indicator, float(r.diff_median),
                   float(getattr(r, "diff_median_national", np.nan)))
                  for r in bad.itertuples(index=False)]
        first = rows.iloc[0]
        gross = _value(first, "gross_fiscal_cost_national")
        out.append(RiskLine(str(variant), str(base), losses, gross))
    return out


def assumed_parameters(provenance: dict[str, Any] | None) -> list[tuple[str, int, int]]:
    """``(policy, assumed, declared)`` for every instrument the runs use: how many of its
    declared parameters (besides country, start, end, enabled) have no source but an
    assumption (``Param.source`` starting with "assumed")."""
    from sim.policies import REGISTRY

    seen: list[str] = []
    for scenario in (provenance or {}).get("scenarios") or []:
        policies = scenario.get("policies") if isinstance(scenario, dict) else None
        for policy in policies or []:
            kind = policy.get("type") if isinstance(policy, dict) else None
            if kind in REGISTRY and kind not in seen:
                seen.append(kind)
    out = []
    for kind in seen:
        specs = REGISTRY[kind].param_specs
        assumed = sum(1 for p in specs if str(p.source).lower().startswith("assumed"))
        out.append((kind, assumed, len(specs)))
    return out


def _money(value: float) -> str:
    return fmt(value, signed=True)


def brief_markdown(card: pd.DataFrame, names: Sequence[str], seeds: Sequence[int],
                   horizon: int, scale: Scale, provenance: dict[str, Any] | None,
                   rated: Sequence[str], discounted: pd.DataFrame | None = None) -> str:
    """Text of ``brief.md`` in the current language.

    Args:
        card: the scorecard table as written to ``scorecard.csv``.
        names: the scenarios, reference first.
        seeds: the seeds every scenario ran.
        horizon: the last quarter T.
        scale: the report's scale and calendar.
        provenance: the runs' provenance (the instruments they use).
        rated: the indicators whose significant changes count as gains and losses.
        discounted: the table of ``discounted.csv`` (:mod:`sim.reporting.discounting`); with
            it the ranking shows each scenario's benefit-cost ratio (both countries).
    """
    ref = names[0]
    lines = [
        f"# {t('msg.brief.title', ref=ref)}", "",
        t("msg.brief.frame", n=len(names) - 1, ref=ref, start=scale.quarter(0),
          end=scale.quarter(horizon), seeds=len(seeds), year=scale.price_year,
          az=f"{scale.factor['AZ']:.1f}", by=f"{scale.factor['BY']:.1f}"), "",
    ]
    if len(seeds) < MIN_SEEDS_FOR_MARKS:
        lines += [t("msg.common.few_seeds", n=len(seeds), min=MIN_SEEDS_FOR_MARKS), ""]
    ranked = ranking(card, rated)
    exports_label = lower(label_of(RANK_BY)[0])
    lines += [f"## {t('msg.brief.best_heading')}", "",
              t("msg.brief.best_how", exports=exports_label, horizon=scale.quarter(horizon)),
              ""]
    if not ranked:
        lines += [t("msg.scorecard.empty"), ""]
    top = [r for r in ranked if r.export_gain]
    for r in top[:3]:
        free = not np.isfinite(r.cost_per_export)
        lines.append("- " + t("msg.brief.best_line_free" if free else "msg.brief.best_line",
                                scenario=f"`{r.scenario}`", cost=fmt(r.gross_national),
                                pct=fmt(r.gross_pct_gdp), exports=_money(r.exports_national),
                                per=fmt(r.cost_per_export)))
    if top:
        lines.append("")
    else:
        lines += [t("msg.brief.no_export_gain"), ""]
    ratios = _ratios(discounted)
    if ratios:
        rate = float(discounted["discount_rate"].iloc[0])
        lines += [t("msg.brief.bcr_how", rate=f"{100 * rate:g}"), ""]
    header = [t("msg.brief.rank"), t("msg.common.scenario"), t("msg.brief.cost_run"),
              t("msg.brief.exports_change", exports=label_of(RANK_BY)[0]),
              t("msg.brief.per_export"),
              t("msg.brief.jobs_change"), t("msg.brief.per_job"), t("msg.brief.gains_losses"),
              t("msg.scorecard.pays")] + ([t("msg.discount.bcr")] if ratios else [])
    rows = []
    for i, r in enumerate(ranked[:MAX_RANKED], start=1):
        rows.append([str(i), f"`{r.scenario}`",
                     f"{fmt(r.gross_national)} ({fmt(r.gross_pct_gdp)}%)",
                     _money(r.exports_national), fmt(r.cost_per_export),
                     _money(r.jobs_national), fmt(r.cost_per_job), f"{r.gains} / {r.losses}",
                     t("msg.scorecard.yes") if r.pays else t("msg.scorecard.no")]
                    + ([ratios.get(r.scenario, "n/a")] if ratios else []))
    if rows:
        lines += [*md_table(header, rows), ""]
    rest = ranked[MAX_RANKED:]
    if rest:
        lines += [t("msg.brief.rest", names=", ".join(f"`{r.scenario}`" for r in rest)), ""]
    lines += [*_risk_lines(card, rated), ""]
    lines += [*_caveats(provenance, seeds, scale), ""]
    lines += [t("msg.brief.source"), ""]
    return "\n".join(lines)


def _ratios(discounted: pd.DataFrame | None) -> dict[str, str]:
    """Each scenario's benefit-cost ratio with its band, both countries, as shown."""
    if discounted is None or discounted.empty:
        return {}
    joint = discounted[discounted["country"] == BOTH]
    return {str(r.scenario): fmt_band(r.bcr, r.bcr_lo, r.bcr_hi)
            for r in joint.itertuples(index=False)}


def _risk_lines(card: pd.DataFrame, rated: Sequence[str]) -> list[str]:
    lines = [f"## {t('msg.brief.risk_heading')}", ""]
    risks = risk_lines(card, rated)
    if not risks:
        return [*lines, t("msg.brief.no_risks")]
    for r in risks:
        if r.losses:
            parts = []
            for indicator, change, national in r.losses:
                label = label_of(indicator)[0]
                value = national if np.isfinite(national) else shown(indicator, change)
                where = t("msg.brief.national") if np.isfinite(national) else ""
                unit = shown_unit(indicator, change=True)
                parts.append(f"{lower(label)} {_money(value)} {unit}{where}")
            lost = "; ".join(parts)
        else:
            lost = t("msg.brief.no_loss")
        lines.append("- " + t("msg.brief.risk_line", variant=f"`{r.variant}`",
                                base=f"`{r.base}`", losses=lost,
                                cost=_money(r.extra_gross)))
    return lines


def _caveats(provenance: dict[str, Any] | None, seeds: Sequence[int],
             scale: Scale) -> list[str]:
    lines = [f"## {t('msg.brief.caveats_heading')}", ""]
    assumed = assumed_parameters(provenance)
    if assumed:
        listed = "; ".join(t("msg.brief.assumed_item", policy=policy_label(k), assumed=a,
                             declared=n) for k, a, n in assumed)
        lines.append("- " + t("msg.brief.assumed", items=listed))
    drawn = (provenance or {}).get("uncertainty") == "params"
    lines.append("- " + t("msg.brief.bands_params" if drawn else "msg.brief.bands",
                          seeds=len(seeds)))
    lines.append("- " + t("msg.brief.scale", az=f"{scale.factor['AZ']:.1f}",
                          by=f"{scale.factor['BY']:.1f}"))
    lines.append("- " + t("msg.brief.horizon"))
    return lines


# ---------------------------------------------------------------------------------------------
# HTML

_STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       max-width: 60em; margin: 2em auto; padding: 0 1em; color: #1b1b1b; }
h1 { font-size: 1.5em; margin-bottom: .3em; } h2 { font-size: 1.15em; margin-top: 1.4em; }
table { border-collapse: collapse; font-size: .9em; margin: .6em 0; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: right; }
th { background: #f2f4f7; }
td:nth-child(2), th:nth-child(2) { text-align: left !important; }
code { font-size: .95em; } img { max-width: 100%; }
@media print { body { margin: 0; font-size: 11px; } }
"""


def brief_html(markdown_text: str, figure: Path | None = None) -> str:
    """A self-contained HTML page of the brief (styles inline, the figure embedded)."""
    import markdown

    body = markdown.markdown(markdown_text, extensions=["tables"])
    title = html.escape(markdown_text.splitlines()[0].lstrip("# ").strip())
    if figure is not None and figure.exists():
        data = base64.b64encode(figure.read_bytes()).decode("ascii")
        alt = html.escape(t("msg.scorecard.picture"))
        body += f'\n<p><img alt="{alt}" src="data:image/png;base64,{data}"></p>'
    return (f'<!DOCTYPE html>\n<html lang="{current()}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n"
            "</body>\n</html>\n")


def write_brief(out_dir: Path, card: pd.DataFrame, names: Sequence[str], seeds: Sequence[int],
                horizon: int, scale: Scale, provenance: dict[str, Any] | None,
                rated: Sequence[str], stem: str = "brief",
                figure: str = "scorecard.png",
                discounted: pd.DataFrame | None = None) -> list[Path]:
    """Write ``<stem>.md`` and ``<stem>.html`` (with the figure ``figure`` of ``out_dir``
    embedded if present); returns their paths."""
    text = brief_markdown(card, names, seeds, horizon, scale, provenance, rated, discounted)
    out_dir = Path(out_dir)
    md, page = out_dir / f"{stem}.md", out_dir / f"{stem}.html"
    files.write_text(md, text)
    files.write_text(page, brief_html(text, out_dir / figure))
    return [md, page]


class BriefInputError(ValueError):
    """A scorecard folder the brief cannot be written from (the message names the file)."""


def brief_from_folder(folder: Path, out_dir: Path | None = None) -> list[Path]:
    """Write the brief of a scorecard folder again, in the current language: from its
    ``scorecard.csv`` and ``provenance.json``, as ``brief.<lang>.md``, ``brief.<lang>.html``
    and the figure ``scorecard.<lang>.png`` in ``out_dir`` (default: the folder itself), so the
    brief written with the scorecard is kept.

    Raises:
        BriefInputError: a file is missing or is not what a scorecard writes.
    """
    import json

    from sim.reporting.national import scale_of
    from sim.reporting.scorecard import OUTCOME_INDICATORS
    from sim.reporting.scorecard_plot import plot_scorecard

    folder = Path(folder)
    csv, prov_file = folder / "scorecard.csv", folder / "provenance.json"
    for path in (csv, prov_file):
        if not path.is_file():
            raise BriefInputError(f"{path}: not found (a folder written by `clustersim "
                                  "scorecard` holds scorecard.csv and provenance.json)")
    try:
        card = pd.read_csv(csv)
        provenance = json.loads(prov_file.read_text())
        seeds = [int(s) for s in provenance["seeds"]]
        steps = provenance["steps"]  # one number, or each scenario's when the file set it
        horizon = int(max(steps) if isinstance(steps, list) else steps)
        ref = str(provenance["scenarios"][0]["name"])
    except (ValueError, KeyError, IndexError, TypeError, pd.errors.ParserError) as err:
        raise BriefInputError(f"{folder}: scorecard.csv or provenance.json is not as "
                              f"`clustersim scorecard` writes it ({err!r})") from None
    needed = {"scenario", "comparison", "country", "indicator", "effect", "significant",
              "pays_for_itself",
              "diff_median", "cost_per_unit", "gross_fiscal_cost_national"}
    missing = sorted(needed - set(card.columns))
    if missing:
        raise BriefInputError(f"{csv}: missing columns {', '.join(missing)} (written by an "
                              "older version? run `clustersim scorecard` again)")
    card["effect"] = card["effect"].fillna("")
    names = [ref, *[n for n in pd.unique(card["scenario"]) if n != ref]]
    scale = scale_of(provenance)
    out_dir = Path(out_dir) if out_dir is not None else folder
    out_dir.mkdir(parents=True, exist_ok=True)
    lang = current()
    figure = out_dir / f"scorecard.{lang}.png"
    plot_scorecard(card, figure, scale=scale)
    table = folder / "discounted.csv"
    discounted = pd.read_csv(table) if table.is_file() else None
    return [*write_brief(out_dir, card, names, seeds, horizon, scale, provenance,
                         OUTCOME_INDICATORS, stem=f"brief.{lang}", figure=figure.name,
                         discounted=discounted), figure]
