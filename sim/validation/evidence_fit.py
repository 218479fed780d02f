"""Fit an instrument's effect sizes to its published evaluations (``clustersim calibrate
--instrument NAME``).

The free parameters are the instrument's ``[[instrument.parameter]]`` entries of the evidence
file (their ranges bound the search); the moments are its studies marked ``use = "fit"`` that
the model reproduces (a ``[instrument.study.model]`` table); the studies marked ``check`` are
held out and only reported. The objective is the mean squared distance of the model's median
across seeds from each published estimate, in units of half the published interval (of half
the estimate itself where no interval is published). The same seeds serve every point (common
random numbers); the search is a bounded scalar search for one parameter and Nelder-Mead on
the unit cube for more. :func:`install` writes the fitted values to
``sim/data/policy_fit.toml``, from where they are the instrument's defaults.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.inputs.policy_fit import POLICY_FIT_FILE, fitted_policy_values
from sim.validation.evidence_report import EVIDENCE_FILE, EvidenceError, Study, load_studies
from sim.validation.policy_evidence import estimate


@dataclass(frozen=True)
class Range:
    """A free effect-size parameter: the policy parameter ``name`` within [low, high]."""

    name: str
    low: float
    high: float

    def value(self, u: float) -> float:
        """The value at position ``u`` of the range (clipped to [0, 1])."""
        return self.low + min(max(float(u), 0.0), 1.0) * (self.high - self.low)


@dataclass
class FitResult:
    """The fit of one instrument: its values, objective and the studies behind it."""

    instrument: str
    values: dict[str, float]
    objective: float
    fitted: list[Study]
    held_out: list[Study]
    trace: list[tuple[dict[str, float], float]] = field(default_factory=list)


def parameter_ranges(instrument: str, path: Path = EVIDENCE_FILE) -> list[Range]:
    """The instrument's free effect-size parameters from the evidence file."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    for inst in data.get("instrument", []):
        if inst.get("name") == instrument:
            return [Range(p["name"], float(p["low"]), float(p["high"]))
                    for p in inst.get("parameter", [])]
    raise EvidenceError(f"{path}: no instrument '{instrument}'")


def distance(study: Study) -> float:
    """The model's median's distance from the published estimate, in half-intervals."""
    median = study.band()[0]
    point, low, high = study.published
    half = (high - low) / 2 if low is not None and high is not None and high > low \
        else abs(point) / 2 or 1.0
    return (median - point) / half


def fit_instrument(instrument: str, seeds: Sequence[int], scale: float,
                   make_model: Callable[..., Any], max_evaluations: int = 16,
                   path: Path = EVIDENCE_FILE,
                   progress: Callable[[str], None] | None = None) -> FitResult:
    """Fit ``instrument``'s effect sizes to its ``fit`` studies (see the module)."""
    from scipy.optimize import minimize, minimize_scalar

    studies = [s for s in load_studies(path) if s.instrument == instrument
               and s.target is not None]
    fitted = [s for s in studies if s.entry.get("use") == "fit"]
    held_out = [s for s in studies if s.entry.get("use") != "fit"]
    ranges = parameter_ranges(instrument, path)
    if not fitted or not ranges:
        raise EvidenceError(f"{path}: instrument '{instrument}' needs at least one study with "
                            "use = \"fit\" and a model table, and one [[instrument.parameter]] "
                            f"(it has {len(fitted)} and {len(ranges)})")
    trace: list[tuple[dict[str, float], float]] = []

    def evaluate(values: dict[str, float], group: list[Study]) -> float:
        for s in group:
            target = dataclasses.replace(s.target, values={**s.target.values, **values})
            s.values = estimate(target, seeds, scale, make_model)
        return float(np.mean([distance(s) ** 2 for s in group]))

    def objective(u: np.ndarray) -> float:
        if len(trace) >= max_evaluations:  # the budget is spent: stop the search
            return trace[-1][1]
        values = {r.name: r.value(x) for r, x in zip(ranges, np.atleast_1d(u), strict=True)}
        j = evaluate(values, fitted)
        trace.append((values, j))
        if progress:
            shown = ", ".join(f"{k} = {v:.4g}" for k, v in values.items())
            progress(f"{instrument}: point {len(trace)}: {shown}: J {j:.3g}")
        return j

    if len(ranges) == 1:
        minimize_scalar(lambda u: objective(np.array([u])), bounds=(0.0, 1.0),
                        method="bounded", options={"maxiter": max_evaluations,
                                                   "xatol": 0.01})
    else:
        minimize(objective, np.full(len(ranges), 0.5), method="Nelder-Mead",
                 options={"maxfev": max_evaluations, "xatol": 0.01, "fatol": 0.01})
    best, j = min(trace, key=lambda point: point[1])
    evaluate(best, fitted)
    if held_out:
        evaluate(best, held_out)
    return FitResult(instrument, best, j, fitted, held_out, trace)


def install(result: FitResult, path: Path = POLICY_FIT_FILE) -> None:
    """Write the fitted values of ``result`` into the policy-fit file (other instruments'
    entries are kept)."""
    from sim.reporting.files import write_text

    data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    data[result.instrument] = {
        name: {"value": round(value, 6),
               "studies": [s.key for s in result.fitted],
               "objective": round(result.objective, 4)}
        for name, value in result.values.items()}
    lines = ["# Effect sizes fitted to published evaluations: written by",
             "# `clustersim calibrate --instrument NAME --install`",
             "# (sim/validation/evidence_fit.py) from the studies of sim/data/evidence.toml",
             "# marked use = \"fit\"; the values replace the instruments' declared defaults.",
             "# objective: mean squared distance of the model's estimates from the published",
             "# ones, in half-intervals.", ""]
    for instrument in sorted(data):
        for name, entry in data[instrument].items():
            studies = ", ".join(f'"{s}"' for s in entry["studies"])
            lines += [f"[{instrument}.{name}]", f"value = {entry['value']!r}",
                      f"studies = [{studies}]", f"objective = {entry['objective']!r}", ""]
    write_text(path, "\n".join(lines))
    fitted_policy_values.cache_clear()
    from sim.policies.base import DECLARED

    DECLARED.clear()  # the declared defaults are read again


def summary(result: FitResult) -> str:
    """The fit in a few lines: the values, and each study's published and model estimate."""
    lines = [f"{result.instrument}: " + ", ".join(f"{k} = {v:.4g}" for k, v in
                                                  result.values.items())
             + f" (J {result.objective:.3g} after {len(result.trace)} points)"]
    for label, group in (("fit", result.fitted), ("held out", result.held_out)):
        for s in group:
            median, lo, hi = s.band()
            point, low, high = s.published
            interval = f" [{low:.3g}, {high:.3g}]" if low is not None and high is not None \
                else ""
            lines.append(f"  {label}: {s.key}: published {point:.3g}{interval}, model "
                         f"{median:.3g} [{lo:.3g}, {hi:.3g}]: {s.verdict()}")
    return "\n".join(lines) if math.isfinite(result.objective) else lines[0]
