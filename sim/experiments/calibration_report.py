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
from sim.validation.targets import allowed_range, load_targets

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
            f"{t['label']} ({t['country']})", fmt(float(t["value"])),
            f"[{fmt(low)}, {fmt(high)}]",
            fmt(before.moments[key]), fmt(before.distances[key], signed=True),
            fmt(after.moments[key]), fmt(after.distances[key], signed=True),
            "met" if abs(after.distances[key]) <= 1 else "**missed**"])
    return rows


def _fact_rows(result: CalibrationResult) -> list[list[str]]:
    _, facts = load_targets(result.spec.targets_file)
    facts = facts if result.spec.facts else []
    rows = []
    for f in facts:
        name = f["name"]
        criterion = " and ".join(x for x in (
            f"≥ {fmt(f['low'])}" if "low" in f else "", f"≤ {fmt(f['high'])}" if "high" in f
            else "") if x)
        rows.append([f["label"], criterion, fmt(result.start.moments[name]),
                     fmt(result.best.moments[name]), fmt(result.best.distances[name]),
                     "met" if result.best.distances[name] <= 1 else "**missed**"])
    return rows


def report_markdown(result: CalibrationResult, definition: str, installed: bool = True) -> str:
    """The fit report."""
    spec = result.spec
    minutes = result.seconds / 60
    lines = [
        f"# {tr('msg.calibration.title')}",
        "",
        f"Written by `clustersim calibrate {definition}{' --install' if installed else ''}` on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d')} ({len(result.trace)} points, "
        f"{minutes:.1f} minutes). "
        + ("The fitted values are in `sim/data/calibration.toml`, from where they replace the "
           "assumed defaults for every scenario; [validation.md](validation.md) then checks "
           "the calibrated baseline on other seeds." if installed else
           "The fitted values were not installed: they are in `calibration.toml` beside this "
           "report; `CLUSTERSIM_CALIBRATION=<that file>` makes any command use them."),
        "",
        f"## {tr('msg.calibration.method')}",
        "",
        "Simulated method of moments. The moments are the *output* targets of "
        "`sim/data/targets.toml` (ratios measured in quarters 1-8) and the stylized facts "
        f"(at quarter {spec.steps}). Every point runs the baseline with the same seeds "
        f"{seeds_text(spec.seeds)} (common random numbers) and takes each moment's mean over "
        "them. The objective is J = Σ d² over targets + Σ p² over facts, where d is a "
        "target's log deviation from its data value in units of its tolerance (|d| ≤ 1 exactly "
        "when the target is met) and p is how far a fact's statistic falls short of its "
        f"criterion tightened by {spec.fact_margin:.0%}, in units of that margin (0 when it "
        "holds with the margin, p ≤ 1 exactly when it holds). The weights are thus the "
        "inverse squared tolerances, i.e. the stated uncertainty of the data. The optimiser "
        "is SciPy's Nelder-Mead simplex (derivative-"
        "free) over the free parameters mapped to [0, 1] within their bounds (log scale where "
        f"marked), starting from the values in use, at most {spec.max_evaluations} points.",
        "",
        f"Result: J {fmt(result.start.objective)} at the start → **{fmt(result.best.objective)}**"
        f" fitted ({'the optimiser converged: ' if result.converged else ''}"
        f"{result.message}).",
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
    lines += ["", "*assumed*: the value before any calibration; *start*: the value in use when "
              "this fit began (an earlier fit's, if one was installed)."]
    lines += [
        "",
        f"## {tr('msg.calibration.targets')}",
        "",
        "d: deviation in units of the tolerance, negative below the data value.",
        "",
    ]
    lines += md_table([tr("msg.calibration.target"), tr("msg.calibration.data"),
                       tr("msg.calibration.accepted"), tr("msg.calibration.start"), "d",
                       tr("msg.calibration.fitted"), "d", ""],
                      _moment_rows(result))
    lines += ["", f"## {tr('msg.calibration.facts')}", "",
              f"p: shortfall from the criterion tightened by {spec.fact_margin:.0%}, in units of "
              "the margin (0 = holds with the margin, ≤ 1 = holds).", ""]
    lines += md_table([tr("msg.calibration.fact"), tr("msg.calibration.criterion"),
                       tr("msg.calibration.start"), tr("msg.calibration.fitted"), "p", ""],
                      _fact_rows(result))
    lines += [
        "",
        f"## {tr('msg.calibration.figures')}",
        "",
        "![Objective at every point](img/calibration_trace.png)",
        "",
        "![Targets at the start and fitted](img/calibration_targets.png)",
        "",
        f"## {tr('msg.calibration.reading')}",
        "",
        "- The fit is to the mean of a few seeds; `clustersim validate` reports the calibrated "
        "baseline on other seeds, with the band across them.",
        "- A parameter at one of its bounds means the targets pull it further than its "
        "declared range allows: the model's structure, not the parameter, is then the limit.",
        "- Only the listed parameters are fitted; every other behavioural parameter keeps its "
        "assumed value (sim/inputs/params.py), and the input targets (tax rates, park regimes) "
        "come from the data directly.",
        "",
    ]
    return "\n".join(lines)


def plot_trace(result: CalibrationResult, path: Path) -> None:
    """Objective of every point (log scale) and the best so far."""
    fig = Figure(figsize=(6.4, 3.6), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    j = np.array([max(p.objective, 1e-6) for p in result.trace])
    ax.semilogy(np.arange(1, j.size + 1), j, ".", ms=4, color="0.6", label="point")
    ax.semilogy(np.arange(1, j.size + 1), np.minimum.accumulate(j), color="#1f6fb4",
                label="best so far")
    ax.axhline(1.0, ls=":", color="0.3", lw=0.8)
    ax.set_xlabel("point evaluated")
    ax.set_ylabel("objective J")
    ax.set_title("Calibration: objective")
    ax.legend(fontsize=8)
    fig.savefig(path, pil_kwargs=PNG_OPTIONS)


def plot_targets(result: CalibrationResult, path: Path) -> None:
    """Each target's deviation d at the start and fitted, with the accepted band |d| <= 1."""
    targets, _ = load_targets(result.spec.targets_file)
    keys = [f"{t['name']}:{t['country']}" for t in targets if t["role"] == "output"]
    labels = [f"{t['label']} ({t['country']})" for t in targets if t["role"] == "output"]
    y = np.arange(len(keys))[::-1]
    fig = Figure(figsize=(7.0, 0.35 * len(keys) + 1.4), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.axvspan(-1, 1, color="#d9ead3", label="accepted")

    def clip(d: float) -> float:
        return float(np.clip(d, -6, 6)) if math.isfinite(d) else 6.0

    ax.plot([clip(result.start.distances[k]) for k in keys], y, "o", mfc="none",
            color="0.45", label="start")
    ax.plot([clip(result.best.distances[k]) for k in keys], y, "o", color="#c4362b",
            label="fitted")
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color="0.3", lw=0.8)
    ax.set_xlim(-6.3, 6.3)
    ax.set_xlabel("deviation from the data value, in tolerances (clipped at ±6)")
    ax.set_title("Calibration targets")
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
