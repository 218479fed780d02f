"""Scenarios against the reference over time: the paired difference at every quarter, its plot
with the policies' active windows shaded, and the table behind it (``paths.csv``).

At each quarter t = 1..T and for each seed, the change is the scenario's value minus the
reference's with the same seed; the path is its median and 90% band (5th and 95th percentiles)
across seeds. Growth rates are their value at that quarter (% y/y), money and employment are
also given at national scale (:func:`sim.reporting.national.national_table`), and the gross
fiscal cost is given as a flow per quarter (policy spending plus taxes foregone).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiments.outcomes import GROSS_COST_INDICATORS
from sim.i18n import country_name, t
from sim.i18n import unit as unit_label
from sim.reporting.formatting import label_of, nan_bands, plain, shown, shown_unit
from sim.reporting.national import Scale, is_scaled, national_table

#: The outcomes a path is drawn for (the scorecard's), and the fiscal flow beside them.
PATH_INDICATORS = [
    "productivity_growth", "investment_growth", "equipment_generation", "tech_output",
    "exports_third", "exports_partner", "domestic_share_home", "time_to_market",
    "supplier_delivery", "input_quality", "employment"]
#: The gross fiscal cost per quarter: policy spending plus taxes foregone (not an indicator of
#: the model; derived here from the two).
GROSS_FLOW = "gross_fiscal_cost_flow"
_FLOW_PARTS = GROSS_COST_INDICATORS
PATH_COLUMNS = ["scenario", "country", "indicator", "step", "quarter", "diff_median", "diff_lo",
                "diff_hi", "diff_median_national", "diff_lo_national", "diff_hi_national"]
#: At most this many scenarios in one figure; the rest are in ``paths.csv``.
MAX_LINES = 6
COLOURS = ["#1f6fb4", "#c4362b", "#2e8b57", "#8a5cb8", "#d98b1c", "#4a4a4a"]


def _with_gross_flow(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with the rows of :data:`GROSS_FLOW` (spending + taxes foregone) added."""
    parts = table[table["indicator"].isin(_FLOW_PARTS)]
    if parts.empty:
        return table
    keys = ["scenario", "seed", "step", "country"]
    flow = parts.groupby(keys, sort=False)["value"].sum(min_count=1).reset_index()
    flow["indicator"] = GROSS_FLOW
    return pd.concat([table, flow[table.columns]], ignore_index=True)


def _paired(ref: pd.DataFrame, scen: pd.DataFrame) -> pd.DataFrame:
    """Median and band across seeds of scenario minus reference, per country, indicator and
    step (steps 1..T)."""
    keys = ["country", "indicator", "step", "seed"]
    a = ref[ref["step"] > 0].set_index(keys)["value"]
    b = scen[scen["step"] > 0].set_index(keys)["value"]
    diff = (b - a.reindex(b.index)).unstack("seed")
    med, lo, hi = nan_bands(diff.to_numpy(dtype=float), axis=1)
    out = diff.index.to_frame(index=False)
    out["diff_median"], out["diff_lo"], out["diff_hi"] = med, lo, hi
    return out


def time_paths(tables: Sequence[pd.DataFrame], scale: Scale) -> pd.DataFrame:
    """The paired per-quarter changes of every scenario against the reference (the first
    table), with columns :data:`PATH_COLUMNS` (national columns NaN where the indicator is not
    money or employment)."""
    keep = [*PATH_INDICATORS, *_FLOW_PARTS]
    model = [_with_gross_flow(tb[tb["indicator"].isin(keep)]) for tb in tables]
    national = [_with_gross_flow(national_table(tb[tb["indicator"].isin(keep)], scale))
                for tb in tables]
    parts = []
    for i in range(1, len(tables)):
        here = _paired(model[0], model[i])
        nat = _paired(national[0], national[i]).set_index(["country", "indicator", "step"])
        index = pd.MultiIndex.from_frame(here[["country", "indicator", "step"]])
        scaled = _scaled(here["indicator"])
        for c in ("diff_median", "diff_lo", "diff_hi"):
            values = nat[c].reindex(index).to_numpy(dtype=float)
            here[f"{c}_national"] = np.where(scaled, values, np.nan)
        here.insert(0, "scenario", str(tables[i]["scenario"].iloc[0]))
        parts.append(here)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PATH_COLUMNS})
    out = pd.concat(parts, ignore_index=True)
    out = out[out["indicator"].isin([*PATH_INDICATORS, GROSS_FLOW])]
    out["quarter"] = out["step"].map(scale.quarter)
    return out[PATH_COLUMNS].reset_index(drop=True)


def _scaled(indicators: pd.Series) -> np.ndarray:
    return indicators.map(lambda i: i == GROSS_FLOW or is_scaled(i)).to_numpy(dtype=bool)


def policy_windows(provenance: dict[str, Any] | None, horizon: int) -> dict[str, tuple]:
    """Each scenario's active window, from the first start to the last end of its enabled
    policies, clipped to quarters 1..T: ``{name: (start, end)}`` (scenarios without policies
    are left out)."""
    out = {}
    for scenario in (provenance or {}).get("scenarios") or []:
        if not isinstance(scenario, dict):
            continue
        spans = [(int(p.get("start", 1)), int(p.get("end", horizon)))
                 for p in scenario.get("policies") or []
                 if isinstance(p, dict) and p.get("enabled", True)]
        if spans:
            start = max(1, min(s for s, _ in spans))
            end = min(horizon, max(e for _, e in spans))
            if start <= end:
                out[str(scenario.get("name"))] = (start, end)
    return out


def scenario_groups(paths: pd.DataFrame) -> list[list[str]]:
    """The scenarios of a paths table in groups of at most :data:`MAX_LINES`, one figure each."""
    names = list(pd.unique(paths["scenario"]))
    return [names[i:i + MAX_LINES] for i in range(0, len(names), MAX_LINES)] or [[]]


def plot_paths(paths: pd.DataFrame, path: Path, country: str, scale: Scale,
               windows: dict[str, tuple] | None = None,
               scenarios: Sequence[str] | None = None) -> None:
    """A grid of panels, one per indicator of :data:`PATH_INDICATORS` and the gross fiscal
    flow: each scenario's median change against the reference over calendar quarters, its 90%
    band shaded, a zero line, and at the bottom of each panel a bar in the scenario's colour
    over the quarters its policies act (money and employment at national scale). ``scenarios``:
    the ones to draw (default: the first :data:`MAX_LINES`)."""
    from sim.reporting.run_report import PNG_OPTIONS, calendar_axis

    sub = paths[paths["country"] == country]
    names = list(pd.unique(sub["scenario"]))
    shown_names = list(scenarios)[:MAX_LINES] if scenarios is not None else names[:MAX_LINES]
    indicators = [*PATH_INDICATORS, GROSS_FLOW]
    fig = Figure(figsize=(16, 11), dpi=90)  # laid out by hand: a constrained layout costs more
    axes = fig.subplots(3, 4, sharex=True).ravel()  # calendar labels on the bottom row only
    windows = windows or {}
    for ax, ind in zip(axes, indicators, strict=True):
        rows = sub[sub["indicator"] == ind]
        national = rows["diff_median_national"].notna().any()
        cols = [f"{c}_national" if national else c for c in ("diff_median", "diff_lo", "diff_hi")]
        bottom = ax.get_xaxis_transform()  # x in quarters, y in the panel's height
        for k, (colour, name) in enumerate(zip(COLOURS, shown_names, strict=False)):
            if name in windows:
                start, end = windows[name]
                ax.plot([start - 0.5, end + 0.5], [0.015 + 0.025 * k] * 2, color=colour,
                        linewidth=3, alpha=0.6, transform=bottom, solid_capstyle="butt")
        for colour, name in zip(COLOURS, shown_names, strict=False):
            r = rows[rows["scenario"] == name].sort_values("step")
            steps = r["step"].to_numpy()
            med, lo, hi = (shown(ind, r[c].to_numpy(dtype=float)) for c in cols)
            ax.fill_between(steps, lo, hi, color=colour, alpha=0.15, linewidth=0)
            ax.plot(steps, med, color=colour, linewidth=1.4, label=plain(name))
        ax.axhline(0.0, color="black", linewidth=0.7)
        if ind == GROSS_FLOW:
            label, unit = t("msg.paths.gross_flow"), unit_label("USD m/quarter")
        else:
            label, unit = label_of(ind)[0], shown_unit(ind, change=True)
        ax.set_title(label, fontsize=9)
        ax.set_ylabel(unit + (t("msg.paths.national_suffix") if national else ""), fontsize=8)
        calendar_axis(ax, scale)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3, linewidth=0.5)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 6),
                   frameon=False, fontsize=9)
    title = t("msg.paths.title", country=country_name(country).capitalize())
    fig.suptitle(title + "\n" + t("msg.paths.scale", year=scale.price_year,
                                   az=f"{scale.factor['AZ']:.1f}",
                                   by=f"{scale.factor['BY']:.1f}", start=scale.quarter(0)),
                 fontsize=10)
    fig.subplots_adjust(left=0.05, right=0.99, top=0.9, bottom=0.08, hspace=0.3, wspace=0.28)
    fig.savefig(path, pil_kwargs=PNG_OPTIONS)
