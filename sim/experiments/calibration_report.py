"""The outputs of a calibration: the fitted values file, the fit report and its figures."""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sim.experiments.calibration import Calibration, CalibrationResult, describe, fit_values
from sim.i18n import t as tr
from sim.inputs.countries import COUNTRIES
from sim.inputs.fitted import BUNDLED_FILE, assumed_before
from sim.reporting.files import copy_file, versions
from sim.reporting.formatting import fmt, md_table, seeds_text
from sim.reporting.run_report import PNG_OPTIONS
from sim.validation.facts import fact_label
from sim.validation.targets import allowed_range, load_targets, target_label

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
FIGURES = ("calibration_trace.png", "calibration_targets.png")
#: Significant digits of the fitted values written to the values file (implementation: enough
#: that the installed values reproduce the recorded objective to 0.01%, which
#: ``clustersim calibrate --check`` relies on).
DIGITS = 7


def _round(x: float) -> float:
    return float(f"{x:.{DIGITS}g}")


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string (JSON's escapes are TOML's; DEL is escaped too)."""
    return json.dumps(str(text), ensure_ascii=False).replace("\x7f", "\\u007f")


def values_toml(result: CalibrationResult, definition: str) -> str:
    """The text of ``calibration.toml`` (checked to read back as written)."""
    text = _values_text(result, definition)
    from sim.inputs.fitted import check_text

    check_text(text)
    return text


def _values_text(result: CalibrationResult, definition: str) -> str:
    spec, today = result.spec, datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [
        f"# Fitted by `clustersim calibrate {definition}` on {today}; the fit report is",
        "# docs/calibration.md. These values replace the assumed defaults of",
        "# sim/inputs/params.py and sim/data/countries.toml for every scenario",
        "# (sim/inputs/fitted.py); a scenario file can still set any of them. Delete this file",
        "# to go back to the assumed values.",
        "",
        "[fit]",
        f"definition = {_toml_string(definition)}",
        'method = "simulated method of moments; Nelder-Mead simplex (scipy.optimize.minimize)"',
        f"seeds = [{', '.join(map(str, spec.seeds))}]",
        f"steps = {spec.steps}",
        f"points = {len(result.trace)}",
        f"objective_start = {result.start.objective:.6g}",
        f"objective = {result.best.objective:.6g}",
        f"converged = {'true' if result.converged else 'false'}",
        f"date = {_toml_string(today)}",
        "versions = { " + ", ".join(f"{_toml_string(k)} = {_toml_string(v)}"
                                    for k, v in versions().items()) + " }",
        "",
        "[values]",
    ]
    lines += [f"{_toml_string(path)} = {{ value = {value!r}, source = "
              f"{_toml_string('set by the base scenario of the fit, not fitted')} }}"
              for path, value in base_settings(spec).items()]
    for p, x in zip(spec.free, result.best.x, strict=True):
        why = p.why or "see the fit report"
        lines.append(f"{_toml_string(p.path)} = {{ value = {_round(x)!r}, source = "
                     f"{_toml_string(f'calibrated ({today}): {why}')} }}")
        for other, ratio in p.tied.items():
            lines.append(f"{_toml_string(other)} = {{ value = {_round(ratio * x)!r}, source = "
                         f"{_toml_string(f'calibrated ({today}): {ratio:g} x {p.path}')} }}")
    return "\n".join(lines) + "\n"


def assumed_value(path: str) -> str:
    """The value a path had before any calibration, from its source text (``assumed before:
    X``), or its current value when it was never fitted."""
    from sim.inputs.countries import country_sources, country_values
    from sim.inputs.params import MODEL_PARAMS

    section, _, rest = path.partition(".")
    if section == "model":
        source, value = MODEL_PARAMS[rest].source, MODEL_PARAMS[rest].default
    else:
        code, key = rest.split(".", 1)
        source, value = country_sources(code)[key], country_values(code)[key]
    before = assumed_before(source)
    return before if before is not None else f"{value:g}"


def base_settings(spec: Calibration) -> dict[str, float]:
    """Values of the fit's base scenario that differ from the assumed ones or that an earlier
    fit installed, other than the fitted paths: the fit holds with them, so they are written
    beside the fitted values."""
    from sim.inputs.countries import data_values
    from sim.inputs.params import MODEL_PARAMS

    fitted = {t for p in spec.free for t in (p.path, *p.tied)}
    out: dict[str, float] = {}
    installed = spec.base.fitted.section("model")
    for name, value in spec.base.model.items():
        if name in ("steps", "firm_scale") or isinstance(value, (bool, str)):
            continue
        assumed = MODEL_PARAMS[name].default if name not in installed else None
        if f"model.{name}" not in fitted and value != assumed:
            out[f"model.{name}"] = value
    for code in COUNTRIES:
        data, installed = data_values(code), spec.base.fitted.section(f"countries.{code}")
        for key, value in spec.base.countries[code].items():
            path = f"countries.{code}.{key}"
            if (path not in fitted and isinstance(value, (int, float))
                    and (key in installed or value != data.get(key))):
                out[path] = value
    return out


def _moment_rows(result: CalibrationResult) -> list[list[str]]:
    targets, _ = load_targets(result.spec.targets_file)
    rows = []
    for t in targets:
        if t["role"] != "output":
            continue
        key = f"{t['name']}:{t['country']}"
        low, high = allowed_range(t)
        before, after = result.start, result.best
        rows.append([
            f"{target_label(t)} ({t['country']})", fmt(float(t["value"])),
            f"[{fmt(low)}, {fmt(high)}]",
            fmt(before.moments[key]), fmt(before.distances[key], signed=True),
            fmt(after.moments[key]), fmt(after.distances[key], signed=True),
            tr("msg.calibration.report.met") if abs(after.distances[key]) <= 1
            else tr("msg.calibration.report.missed")])
    return rows


def _fact_rows(result: CalibrationResult) -> list[list[str]]:
    _, facts = load_targets(result.spec.targets_file)
    facts = facts if result.spec.facts else []
    rows = []
    for f in facts:
        name = f["name"]
        if "low" in f and "high" in f:
            criterion = tr("msg.calibration.report.both_bounds", low=fmt(f["low"]),
                           high=fmt(f["high"]))
        else:
            criterion = f"≥ {fmt(f['low'])}" if "low" in f else f"≤ {fmt(f['high'])}"
        rows.append([fact_label(f), criterion, fmt(result.start.moments[name]),
                     fmt(result.best.moments[name]), fmt(result.best.distances[name]),
                     tr("msg.calibration.report.met") if result.best.distances[name] <= 1
                     else tr("msg.calibration.report.missed")])
    return rows


def report_markdown(result: CalibrationResult, definition: str, installed: bool = True) -> str:
    """The fit report."""
    spec = result.spec
    minutes = result.seconds / 60
    lines = [
        f"# {tr('msg.calibration.title')}",
        "",
        tr("msg.calibration.report.written",
           definition=f"{definition}{' --install' if installed else ''}",
           date=datetime.now(UTC).strftime("%Y-%m-%d"), points=len(result.trace),
           minutes=f"{minutes:.1f}") + " "
        + tr(f"msg.calibration.report.{'installed' if installed else 'not_installed'}"),
        "",
        f"## {tr('msg.calibration.method')}",
        "",
        tr("msg.calibration.report.method", steps=spec.steps, seeds=seeds_text(spec.seeds),
           margin=f"{spec.fact_margin:.0%}", evaluations=spec.max_evaluations),
        "",
        tr(f"msg.calibration.report.{'result_converged' if result.converged else 'result'}",
           start=fmt(result.start.objective), fitted=fmt(result.best.objective),
           message=result.message),
        "",
        f"## {tr('msg.calibration.free')}",
        "",
    ]
    rows = []
    for p, x0, x in zip(spec.free, result.start.x, result.best.x, strict=True):
        tied = "; ".join(f"{describe(o)} = {r:g} ×" for o, r in p.tied.items())
        rows.append([f"`{p.path}`", f"[{p.low:g}, {p.high:g}] {p.scale}", assumed_value(p.path),
                     f"{x0:.4g}", f"**{x:.4g}**", p.why + (f" ({tied})" if tied else "")])
    lines += md_table([tr("msg.calibration.parameter"), tr("msg.calibration.bounds"),
                       tr("msg.calibration.assumed"), tr("msg.calibration.start"),
                       tr("msg.calibration.fitted"), tr("msg.calibration.moves")], rows)
    lines += ["", tr("msg.calibration.report.assumed_note")]
    lines += [
        "",
        f"## {tr('msg.calibration.targets')}",
        "",
        tr("msg.calibration.report.d_note"),
        "",
    ]
    lines += md_table([tr("msg.calibration.target"), tr("msg.calibration.data"),
                       tr("msg.calibration.accepted"), tr("msg.calibration.start"), "d",
                       tr("msg.calibration.fitted"), "d", ""],
                      _moment_rows(result))
    lines += ["", f"## {tr('msg.calibration.facts')}", "",
              tr("msg.calibration.report.p_note", margin=f"{spec.fact_margin:.0%}"), ""]
    lines += md_table([tr("msg.calibration.fact"), tr("msg.calibration.criterion"),
                       tr("msg.calibration.start"), tr("msg.calibration.fitted"), "p", ""],
                      _fact_rows(result))
    lines += [
        "",
        f"## {tr('msg.calibration.figures')}",
        "",
        f"![{tr('msg.calibration.report.figure_trace')}](img/calibration_trace.png)",
        "",
        f"![{tr('msg.calibration.report.figure_targets')}](img/calibration_targets.png)",
        "",
        f"## {tr('msg.calibration.reading')}",
        "",
        *(f"- {tr(f'msg.calibration.report.reading_{k}')}" for k in ("seeds", "bounds", "others")),
        "",
    ]
    return "\n".join(lines)


def plot_trace(result: CalibrationResult, path: Path) -> None:
    """Objective of every point (log scale) and the best so far."""
    fig = Figure(figsize=(6.4, 3.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    j = np.array([max(p.objective, 1e-6) for p in result.trace])
    ax.semilogy(np.arange(1, j.size + 1), j, ".", ms=4, color="0.6",
                label=tr("msg.calibration.report.point"))
    ax.semilogy(np.arange(1, j.size + 1), np.minimum.accumulate(j), color="#1f6fb4",
                label=tr("msg.calibration.report.best"))
    ax.axhline(1.0, ls=":", color="0.3", lw=0.8)
    ax.set_xlabel(tr("msg.calibration.report.point_axis"))
    ax.set_ylabel(tr("msg.calibration.report.objective_axis"))
    ax.set_title(tr("msg.calibration.report.trace_title"))
    ax.legend(fontsize=8)
    fig.savefig(path, pil_kwargs=PNG_OPTIONS)


def plot_targets(result: CalibrationResult, path: Path) -> None:
    """Each target's deviation d at the start and fitted, with the accepted band |d| <= 1."""
    targets, _ = load_targets(result.spec.targets_file)
    keys = [f"{t['name']}:{t['country']}" for t in targets if t["role"] == "output"]
    labels = [f"{target_label(t)} ({t['country']})" for t in targets if t["role"] == "output"]
    y = np.arange(len(keys))[::-1]
    fig = Figure(figsize=(7.0, 0.35 * len(keys) + 1.4), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.axvspan(-1, 1, color="#d9ead3", label=tr("msg.calibration.report.accepted"))

    def clip(d: float) -> float:
        return float(np.clip(d, -6, 6)) if math.isfinite(d) else 6.0

    ax.plot([clip(result.start.distances[k]) for k in keys], y, "o", mfc="none",
            color="0.45", label=tr("msg.calibration.report.start"))
    ax.plot([clip(result.best.distances[k]) for k in keys], y, "o", color="#c4362b",
            label=tr("msg.calibration.report.fitted"))
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlim(-6.3, 6.3)
    ax.set_xlabel(tr("msg.calibration.report.deviation_axis"))
    ax.set_title(tr("msg.calibration.report.targets_title"))
    ax.legend(fontsize=8, loc="lower right")
    fig.savefig(path, pil_kwargs=PNG_OPTIONS)


def write_trace(result: CalibrationResult, path: Path) -> None:
    """Every point: the free parameters, the objective and every moment."""
    spec = result.spec
    keys = list(result.trace[0].moments)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["point", *(p.path for p in spec.free), "objective", *keys])
        for i, pt in enumerate(result.trace, 1):
            w.writerow([i, *(f"{v:.6g}" for v in pt.x), f"{pt.objective:.6g}",
                        *(f"{pt.moments[k]:.6g}" for k in keys)])


def write_outputs(result: CalibrationResult, folder: Path, definition: str,
                  installed: bool = True) -> None:
    """Write the outputs into ``folder``: ``calibration.toml`` (fitted values),
    ``calibration.md`` (fit report), ``trace.csv`` and ``img/calibration_*.png``."""
    (folder / "img").mkdir(parents=True, exist_ok=True)
    (folder / "calibration.toml").write_text(values_toml(result, definition), encoding="utf-8")
    (folder / "calibration.md").write_text(report_markdown(result, definition, installed),
                                           encoding="utf-8")
    write_trace(result, folder / "trace.csv")
    plot_trace(result, folder / "img" / FIGURES[0])
    plot_targets(result, folder / "img" / FIGURES[1])


def install(folder: Path, values_file: Path = BUNDLED_FILE, docs: Path = DOCS) -> list[Path]:
    """Copy the fitted values to ``sim/data/calibration.toml`` and the report with its figures
    to ``docs/`` (each file written under a temporary name and renamed). Returns the files
    written."""
    pairs = [(folder / "calibration.toml", values_file)]
    if docs.is_dir():
        pairs.append((folder / "calibration.md", docs / "calibration.md"))
        pairs += [(folder / "img" / name, docs / "img" / name) for name in FIGURES]
    for src, dst in pairs:
        dst.parent.mkdir(parents=True, exist_ok=True)
        copy_file(src, dst)
    return [dst for _, dst in pairs]


def fitted_summary(result: CalibrationResult) -> str:
    """One line per fitted path, for the terminal."""
    return "\n".join(f"  {path} = {v:.4g}" for path, v in fit_values(result).items())
