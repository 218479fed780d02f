"""The picture of a policy scorecard (``scorecard.png``): a heatmap of the nine changes per
scenario beside bars of their fiscal costs, drawn from :func:`sim.reporting.scorecard.scorecard`
output."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.i18n import country_name, t
from sim.reporting.comparison import ARROWS, direction_of, limits_with_zero
from sim.reporting.formatting import fmt, label_of, plain, shown
from sim.reporting.national import Scale, scale_of
from sim.reporting.run_report import PNG_OPTIONS
from sim.reporting.scorecard import _GROSS, _NET, GROWTH_INDICATORS, OUTCOME_INDICATORS

_DIFF = ["diff_median", "diff_lo", "diff_hi"]


def _wrap(text: str, width: int = 16) -> str:
    return "\n".join(textwrap.wrap(text, width))


def plot_scorecard(card: pd.DataFrame, path: Path, country: str = "JOINT",
                   scale: Scale | None = None) -> None:
    """Heatmap of the nine changes per scenario, with a side panel of fiscal costs.

    Cells are coloured by the median change in the desirable direction divided by the largest
    absolute median of its column (green: gain, red: loss); cells whose 90% band includes zero
    are grey and hatched. Each cell shows the median change. The side panel shows the median
    gross and net fiscal cost of each scenario with their 90% bands.

    Args:
        card: output of :func:`scorecard` (only its comparisons with the reference are drawn).
        path: PNG file to write.
        country: country key to show.
        scale: scale and calendar named in the figure (default: the data files'); the cost
            panel is at national scale when ``card`` has the national columns.
    """
    scale = scale or scale_of()
    sub = card[(card["comparison"] == "reference") & (card["country"] == country)]
    names = list(pd.unique(sub["scenario"]))
    n = max(len(names), 1)
    fig = Figure(figsize=(17, 2.6 + 0.42 * n), dpi=100, layout="constrained")
    heat_ax, cost_ax = fig.subplots(1, 2, width_ratios=[4.2, 1.3], sharey=True)
    if not names:
        heat_ax.text(0.5, 0.5, t("msg.scorecard.plot_empty"), ha="center", va="center",
                     transform=heat_ax.transAxes)
        fig.savefig(path, pil_kwargs=PNG_OPTIONS)
        return
    wide = {c: sub.pivot(index="scenario", columns="indicator", values=c)
            .reindex(index=names, columns=OUTCOME_INDICATORS) for c in [*_DIFF, "significant"]}
    med = wide["diff_median"].to_numpy(dtype=float)
    shown_med = np.column_stack([shown(i, med[:, k]) for k, i in enumerate(OUTCOME_INDICATORS)])
    sign = np.array([-1.0 if direction_of(i) == "lower" else 1.0 for i in OUTCOME_INDICATORS])
    largest = np.nanmax(np.where(np.isfinite(med), np.abs(med), 0.0), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(largest > 0, sign * med / np.where(largest > 0, largest, 1.0), 0.0)
    significant = wide["significant"].fillna(False).to_numpy(dtype=bool) & np.isfinite(med)
    cmap = colormaps["RdYlGn"].with_extremes(bad="0.88")
    heat_ax.imshow(np.where(significant, score, np.nan), cmap=cmap, vmin=-1.0, vmax=1.0,
                   aspect="auto", interpolation="nearest")
    for r, c in zip(*np.nonzero(~significant), strict=True):
        heat_ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///",
                                    edgecolor="0.7", linewidth=0))
    for r in range(len(names)):
        for c in range(len(OUTCOME_INDICATORS)):
            strong = significant[r, c] and abs(score[r, c]) > 0.7
            heat_ax.text(c, r, fmt(shown_med[r, c], signed=True), ha="center", va="center",
                         fontsize=8, color="white" if strong else "black"
                         if significant[r, c] else "0.35")
    heat_ax.set_xticks(range(len(OUTCOME_INDICATORS)),
                       [_wrap(f"{label_of(i)[0]} {ARROWS[direction_of(i)]}")
                        + ("\n" + t("msg.scorecard.plot_mean") if i in GROWTH_INDICATORS
                           else "")
                        for i in OUTCOME_INDICATORS], fontsize=8)
    heat_ax.xaxis.tick_top()
    heat_ax.set_yticks(range(len(names)), [plain(n) for n in names], fontsize=9)
    heat_ax.set_xticks(np.arange(len(OUTCOME_INDICATORS) + 1) - 0.5, minor=True)
    heat_ax.set_yticks(np.arange(len(names) + 1) - 0.5, minor=True)
    heat_ax.grid(which="minor", color="white", linewidth=1.5)
    heat_ax.tick_params(which="minor", length=0)
    heat_ax.set_xlabel(t("msg.scorecard.plot_heat"), fontsize=8)

    first = sub.drop_duplicates("scenario").set_index("scenario").reindex(names)
    national = "gross_fiscal_cost_national" in first
    gross_cols = [f"{c}_national" for c in _GROSS] if national else _GROSS
    net_cols = [f"{c}_national" for c in _NET] if national else _NET
    y = np.arange(len(names))
    for offset, cols, colour, label in ((-0.2, gross_cols, "#5b6f8a", t("msg.scorecard.gross")),
                                        (0.2, net_cols, "#b9c6d6", t("msg.scorecard.net"))):
        m, lo, hi = (first[c].to_numpy(dtype=float) for c in cols)
        colours = colour
        if cols is net_cols:
            colours = ["#2e8b57" if p else colour for p in first["pays_for_itself"]]
        err = np.nan_to_num(np.vstack([m - lo, hi - m]))
        cost_ax.barh(y + offset, np.nan_to_num(m), height=0.38, xerr=np.abs(err),
                     color=colours, capsize=2, label=label, error_kw={"linewidth": 0.8})
    cost_ax.axvline(0.0, color="black", linewidth=0.8)
    values = first[[*gross_cols, *net_cols]].to_numpy(dtype=float)
    cost_ax.set_xlim(*limits_with_zero(values))
    cost_ax.tick_params(axis="y", left=False)
    cost_ax.tick_params(axis="x", labelsize=8)
    axis = "msg.scorecard.plot_cost_national" if national else "msg.scorecard.plot_cost_model"
    cost_ax.set_xlabel(t(axis, year=scale.price_year), fontsize=8)
    cost_ax.set_title(t("msg.scorecard.plot_cost_title"), fontsize=9)
    cost_ax.grid(axis="x", alpha=0.3, linewidth=0.5)
    heat_ax.set_ylim(len(names) - 0.5, -0.5)
    fig.suptitle(t("msg.scorecard.plot_title", country=country_name(country).capitalize(),
                   start=scale.quarter(0), az=f"{scale.factor['AZ']:.1f}",
                   by=f"{scale.factor['BY']:.1f}"), fontsize=11)
    fig.savefig(path, pil_kwargs=PNG_OPTIONS)
