"""The report of a scenario discovery (:mod:`sim.experiments.discovery`): ``discovery.md`` (the
boxes' limits per input, coverage, density and mass, the command that made it), ``boxes.csv``,
``trajectory.csv``, ``peeling_trajectory.png`` (coverage against density along each box's
peeling trajectory, the reported box marked) and ``boxes.png`` (each box's limits within the
inputs' ranges)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.discovery import Box, Discovery
from sim.i18n import t
from sim.reporting.files import write_file, write_json
from sim.reporting.formatting import fmt, md_table, plain

FILES = ("discovery.md", "boxes.csv", "trajectory.csv", "peeling_trajectory.png", "boxes.png")


def write_discovery_report(result: Discovery, out: str | Path, command: str,
                           provenance: dict[str, Any]) -> list[str]:
    """Write the report files (:data:`FILES` and ``provenance.json``) into ``out``.

    Args:
        result: what :func:`sim.experiments.discovery.discover` found.
        out: the folder (it exists).
        command: the command line that made it, shown in the report.
        provenance: written as ``provenance.json``.

    Returns:
        The names of the files written.
    """
    out = Path(out)
    write_file(out / "discovery.md", lambda tmp: tmp.write_text(markdown(result, command)))
    write_file(out / "boxes.csv", lambda tmp: box_table(result).to_csv(tmp, index=False))
    write_file(out / "trajectory.csv",
               lambda tmp: trajectory_table(result).to_csv(tmp, index=False))
    for name, figure in (("peeling_trajectory.png", trajectory_figure(result)),
                         ("boxes.png", boxes_figure(result))):
        write_file(out / name, lambda tmp, fig=figure: fig.savefig(tmp, format="png", dpi=110))
    write_json(provenance, out / "provenance.json")
    return [*FILES, "provenance.json"]


def box_table(result: Discovery) -> pd.DataFrame:
    """Every box's limits, one row per box and input (``box`` numbered from 1)."""
    frames = []
    for k, box in enumerate(result.boxes, start=1):
        table = box.limits.copy()
        for column in ("values", "range_values"):
            if column in table:
                table[column] = table[column].map(
                    lambda v: "; ".join(v) if isinstance(v, list) else "")
        table.insert(0, "input", table.index)
        table.insert(0, "box", k)
        for stat in ("coverage", "density", "mass", "cases", "failing"):
            table[stat] = getattr(box, stat)
        frames.append(table.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True)


def trajectory_table(result: Discovery) -> pd.DataFrame:
    """Every box's peeling trajectory: ``box``, ``step``, the statistics, ``chosen``."""
    frames = []
    for k, box in enumerate(result.boxes, start=1):
        table = box.trajectory.copy()
        table.insert(0, "step", range(len(table)))
        table.insert(0, "box", k)
        table["chosen"] = table["step"] == box.chosen
        frames.append(table)
    return pd.concat(frames, ignore_index=True)


def markdown(result: Discovery, command: str) -> str:
    """The report's text."""
    s = result.settings
    lo, hi = result.seeds
    seeds = f"{lo}" if lo == hi else f"{lo}-{hi}"
    share = result.failing / result.cases
    values = dict(store=result.store, sweep=result.sweep, inputs=len(result.inputs),
                  outcome=result.outcome, seeds=seeds, threshold=f"{result.threshold:g}",
                  failing=result.failing, cases=result.cases, share=f"{share:.0%}",
                  low=fmt(result.outcome_range[0]), high=fmt(result.outcome_range[1]))
    header = [t(f"msg.discovery.{key}") for key in (
        "box", "coverage", "density", "mass", "cases_inside", "failing_inside",
        "restricted_inputs")]
    lines = [
        f"# {t('msg.discovery.title', condition=result.condition)}", "",
        t("msg.discovery.made_by", command=command), "",
        t(f"msg.discovery.cases_{'above' if result.above else 'below'}", **values), "",
        t("msg.discovery.prim", peel=f"{s['peel_alpha']:g}", paste=f"{s['paste_alpha']:g}",
          mass=f"{s['mass_min']:g}", density=f"{s['min_density']:g}",
          quasi_p=f"{s['max_quasi_p']:g}", boxes=s["max_boxes"]), "",
        f"| {' | '.join(header)} |",
        "|--:|--:|--:|--:|--:|--:|:--|",
    ]
    for k, box in enumerate(result.boxes, start=1):
        restricted = ", ".join(f"`{n}`" for n in box.restricted) or t("msg.discovery.none")
        lines.append(f"| {k} | {box.coverage:.2f} | {box.density:.2f} | {box.mass:.2f} | "
                     f"{box.cases} | {box.failing} | {restricted} |")
    lines.append("")
    for k, box in enumerate(result.boxes, start=1):
        lines += [f"## {t('msg.discovery.box_heading', k=k)}", ""]
        if box.dropped:
            lines += [t("msg.discovery.lifted", quasi_p=f"{s['max_quasi_p']:g}",
                        lifted=", ".join(box.dropped)), ""]
        if box.density < s["min_density"]:
            lines += [t("msg.discovery.low_density", density=f"{s['min_density']:g}"), ""]
        lines += _limits_lines(box)
    lines += [t("msg.discovery.limits_note"), "", t("msg.discovery.files"), ""]
    if result.notes:
        lines += [f"## {t('msg.discovery.notes')}", "", *[f"- {n}" for n in result.notes], ""]
    return "\n".join(lines)


def _limits_lines(box: Box) -> list[str]:
    rows = []
    for name, row in box.limits.iterrows():
        p = row["quasi_p"]
        q = f"{p:.2g}" if isinstance(p, float) and math.isfinite(p) else ""
        if isinstance(row.get("values"), list):
            inside, every = ", ".join(row["values"]), ", ".join(row["range_values"])
            mark = f"**{inside}**" if row["restricted"] else inside
            rows.append([f"`{name}`", mark, "", every, "", q])
            continue
        low = f"**{fmt(row['low'])}**" if row["restricted"] in ("low", "both") \
            else fmt(row["low"])
        high = f"**{fmt(row['high'])}**" if row["restricted"] in ("high", "both") \
            else fmt(row["high"])
        rows.append([f"`{name}`", low, high, fmt(row["range_low"]), fmt(row["range_high"]), q])
    order = sorted(range(len(rows)), key=lambda i: (not box.limits["restricted"].iloc[i], i))
    header = [t(f"msg.discovery.{key}") for key in (
        "input", "box_low", "box_high", "range_low", "range_high", "quasi_p")]
    return md_table(header, [rows[i] for i in order]) + [""]


def trajectory_figure(result: Discovery) -> Any:
    """Coverage against density along each box's peeling trajectory, coloured by the number
    of restricted inputs; the reported box ringed."""
    from matplotlib.figure import Figure

    n = len(result.boxes)
    fig = Figure(figsize=(4.6 * n + 0.8, 4.4), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False).ravel()
    top = max(int(b.trajectory["res_dim"].max()) for b in result.boxes)
    points = None
    for k, (ax, box) in enumerate(zip(axes, result.boxes, strict=True), start=1):
        steps = box.trajectory
        points = ax.scatter(steps["coverage"], steps["density"], c=steps["res_dim"],
                            cmap="viridis", vmin=-0.5, vmax=top + 0.5, s=18)
        ax.plot(steps["coverage"], steps["density"], color="0.75", lw=0.8, zorder=0)
        ax.scatter([box.coverage], [box.density], s=140, facecolors="none",
                   edgecolors="crimson", linewidths=1.6, label=t("msg.discovery.reported_box"))
        ax.annotate(t("msg.discovery.coverage_density", coverage=f"{box.coverage:.2f}",
                      density=f"{box.density:.2f}"),
                    (box.coverage, box.density), textcoords="offset points", xytext=(-8, -30),
                    ha="right", fontsize=8, color="crimson")
        ax.axhline(result.settings["min_density"], color="0.5", ls=":", lw=0.8)
        ax.set_xlim(0, 1.05)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel(t("msg.discovery.coverage"))
        ax.set_ylabel(t("msg.discovery.density"))
        ax.set_title(t("msg.discovery.box_title", k=k), fontsize=10)
        ax.legend(fontsize=7, loc="lower left")
    if points is not None:
        bar = fig.colorbar(points, ax=list(axes), ticks=range(top + 1))
        bar.set_label(t("msg.discovery.restricted_inputs"))
    fig.suptitle(plain(t("msg.discovery.trajectory_title", condition=result.condition), 90),
                 fontsize=11)
    return fig


def boxes_figure(result: Discovery) -> Any:
    """Each box's limits on every numeric input a box restricts, as a share of the input's
    sampled range (0 = its lowest value, 1 = its highest); a thin line where a box leaves the
    input free."""
    from matplotlib.figure import Figure

    names = list(dict.fromkeys(n for b in result.boxes for n in b.restricted)) or \
        list(result.boxes[0].limits.index)
    fig = Figure(figsize=(7.5, 1.3 + 0.3 * len(names) * max(len(result.boxes), 2)),
                 layout="constrained")
    ax = fig.subplots()
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]
    y = np.arange(len(names))[::-1]
    step = 0.6 / max(len(result.boxes), 1)
    for k, box in enumerate(result.boxes):
        offset = ((len(result.boxes) - 1) / 2 - k) * step
        colour = colours[k % len(colours)]
        name_k = t("msg.discovery.box_title", k=k + 1)
        for yi, name in zip(y, names, strict=True):
            if name not in box.limits.index or not math.isfinite(box.limits.loc[name, "low"]):
                continue
            row = box.limits.loc[name]
            if not row["restricted"]:  # the whole range: a thin line
                ax.plot([0, 1], [yi + offset] * 2, lw=1, color=colour, alpha=0.35)
                continue
            width = row["range_high"] - row["range_low"]
            lo = (row["low"] - row["range_low"]) / width if width else 0.0
            hi = (row["high"] - row["range_low"]) / width if width else 1.0
            ax.plot([lo, hi], [yi + offset] * 2, lw=5, solid_capstyle="butt", color=colour,
                    label=name_k if not any(line.get_label() == name_k
                                            for line in ax.lines) else None)
            # the limits beside the bar where there is room, else above its middle
            x, shift, align = ((hi, (5, 0), "left") if hi < 0.6 else
                               (lo, (-5, 0), "right") if lo > 0.4 else
                               ((lo + hi) / 2, (0, 5), "center"))
            ax.annotate(f"{fmt(row['low'])} – {fmt(row['high'])}", (x, yi + offset),
                        textcoords="offset points", xytext=shift, ha=align,
                        va="center" if align != "center" else "bottom", fontsize=7)
    ax.set_yticks(y, [plain(n, 45) for n in names], fontsize=8)
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.7, len(names) - 0.3)
    ax.set_xlabel(t("msg.discovery.range_axis"))
    ax.grid(axis="x", color="0.9")
    if len(result.boxes) > 1:
        ax.legend(fontsize=7, loc="lower right")
    ax.set_title(plain(t("msg.discovery.boxes_title", condition=result.condition), 90),
                 fontsize=10)
    return fig
