"""Calibration definitions: which parameters are free, their bounds and scale, the values tied
to them, the seeds and the budget (``experiments/calibration/baseline.toml``), read and checked.

A point of a calibration is a scenario: the base scenario with the free parameters (and those
tied to them) at their values, and the R&D scale those values would give once installed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.inputs.countries import rd_scale_for
from sim.inputs.parameter_paths import resolve_path, scenario_value, scenario_with
from sim.inputs.params import RISK_PARAMS
from sim.inputs.scenario import Scenario, ScenarioError, load_scenario, read_toml
from sim.validation.targets import TARGETS_FILE, load_targets

DEFAULT_FILE = (Path(__file__).resolve().parents[2] / "experiments" / "calibration"
                / "baseline.toml")
SCALES = ("linear", "log")
#: Keys a calibration file may have at the top level and per free parameter.
TOP_KEYS = {"name", "description", "base", "targets", "facts", "seeds", "steps",
            "max_evaluations", "fact_margin", "initial_step", "free"}
FREE_KEYS = {"low", "high", "scale", "tied", "why"}


class CalibrationError(ScenarioError):
    """A calibration file is malformed: the message names the file, the key and what is
    allowed."""


# ---------------------------------------------------------------------------------------------
# the definition


@dataclass(frozen=True)
class FreeParameter:
    """A parameter the calibration fits.

    Attributes:
        path: its path (``model.<param>`` or ``countries.AZ.<key>``, see
            :mod:`sim.inputs.parameter_paths`).
        low, high: the search bounds (within the declared bounds).
        scale: ``linear`` or ``log`` (for positive values spanning orders of magnitude).
        tied: other paths set to ``ratio x`` this value at every point.
        why: which target it mainly moves, in words.
    """

    path: str
    low: float
    high: float
    scale: str = "linear"
    tied: dict[str, float] = field(default_factory=dict)
    why: str = ""

    def to_unit(self, x: float) -> float:
        """The value as a position in [0, 1] between the bounds."""
        if self.scale == "log":
            return (math.log(x) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (x - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        """The value at position ``u`` (clipped to [0, 1]) between the bounds: exactly a
        bound at 0 and 1, and never outside them by rounding."""
        u = min(max(float(u), 0.0), 1.0)
        if u in (0.0, 1.0):
            return self.low if u == 0.0 else self.high
        if self.scale == "log":
            x = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            x = self.low + u * (self.high - self.low)
        return min(max(x, self.low), self.high)

    def values(self, x: float) -> dict[str, float]:
        """This parameter and its tied ones at value ``x``."""
        return {self.path: x, **{path: ratio * x for path, ratio in self.tied.items()}}


@dataclass
class Calibration:
    """A calibration definition (see :func:`load_calibration`)."""

    name: str
    source: str
    base: Scenario
    free: list[FreeParameter]
    seeds: list[int]
    steps: int = 40
    max_evaluations: int = 150
    fact_margin: float = 0.1
    initial_step: float = 0.15
    description: str = ""
    targets_file: Path = TARGETS_FILE
    facts: bool = True

    def start(self) -> np.ndarray:
        """The base scenario's current values of the free parameters."""
        return np.array([float(scenario_value(self.base, resolve_path(p.path, self.base)[0]))
                         for p in self.free])

    def scenario_at(self, x: Sequence[float]) -> Scenario:
        """The base scenario with the free parameters (and those tied to them) at ``x``, and
        the R&D scale these values will give every scenario once installed: a point is
        evaluated with the R&D thresholds it will have in use."""
        values: dict[str, float] = {}
        for p, value in zip(self.free, x, strict=True):
            values.update(p.values(float(value)))
        return installed_scale(scenario_with(self.base, values))


def _fail(source: str, key: str, message: str) -> CalibrationError:
    return CalibrationError(source, key, message)


def _number(value: Any, source: str, key: str, low: float, high: float,
            integer: bool = False) -> Any:
    ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or not low <= value <= high:
        kind = "an integer" if integer else "a number"
        raise _fail(source, key, f"{value!r} is not allowed; expected {kind} in "
                    f"[{low:g}, {high:g}]")
    return int(value) if integer else float(value)


def load_calibration(path: str | Path = DEFAULT_FILE) -> Calibration:
    """Read and check a calibration file.

    Raises:
        CalibrationError: the file is unreadable or a key is missing, unknown or out of range.
    """
    path = Path(path)
    source = str(path)
    data, _ = read_toml(path, CalibrationError, "a calibration .toml file (the bundled one is "
                        "experiments/calibration/baseline.toml)")
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise _fail(source, unknown[0], f"unknown key; allowed: {', '.join(sorted(TOP_KEYS))}")
    base_text = data.get("base", "../scenarios/baseline.toml")
    if not isinstance(base_text, str):
        raise _fail(source, "base", "expected the path of a scenario file")
    base = load_scenario((path.parent / base_text).resolve())
    if base.policies or any(base.risks[k] != RISK_PARAMS[k].default for k in RISK_PARAMS):
        raise _fail(source, "base", f"{base_text} has policies or risks; a calibration fits "
                    "the baseline, so its base scenario has neither")
    seeds = data.get("seeds", [100, 101, 102, 103])
    if not isinstance(seeds, list) or not seeds or len(seeds) > 100:
        raise _fail(source, "seeds", "expected a list of 1 to 100 seeds")
    seeds = [_number(s, source, "seeds", 0, 2**63 - 1, integer=True) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise _fail(source, "seeds", "a seed is listed twice")
    targets_text = data.get("targets")
    if targets_text is None:
        targets_file = TARGETS_FILE
    elif isinstance(targets_text, str):
        targets_file = (path.parent / targets_text).resolve()
    else:
        raise _fail(source, "targets", "expected the path of a targets .toml file")
    try:
        targets, _ = load_targets(targets_file)
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
        raise _fail(source, "targets", f"cannot be used: {err}") from None
    outputs = [t for t in targets if t["role"] == "output"]
    if not outputs:
        raise _fail(source, "targets", f"{targets_file} has no output target to fit")
    use_facts = data.get("facts", True)
    if not isinstance(use_facts, bool):
        raise _fail(source, "facts", "expected true or false")
    window_end = max(t["quarters"][1] for t in outputs)
    free_table = data.get("free")
    if not isinstance(free_table, dict) or not free_table:
        raise _fail(source, "free", "expected a table of at least one free parameter, e.g. "
                    "[free.\"model.search_preference\"] low = 0.0 high = 3.0")
    free = [_free_parameter(p, spec, base, source) for p, spec in free_table.items()]
    paths = [p.path for p in free] + [t for p in free for t in p.tied]
    if len(set(paths)) != len(paths):
        raise _fail(source, "free", "a parameter is both free and tied, or tied twice")
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise _fail(source, "name", "expected a non-empty string")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise _fail(source, "description", "expected a string")
    return Calibration(
        name=name, source=source, base=base, free=free, seeds=seeds,
        steps=_number(data.get("steps", 40), source, "steps", window_end, 400, integer=True),
        max_evaluations=_number(data.get("max_evaluations", 150), source, "max_evaluations",
                                1, 100_000, integer=True),
        fact_margin=_number(data.get("fact_margin", 0.1), source, "fact_margin", 0.01, 1.0),
        initial_step=_number(data.get("initial_step", 0.15), source, "initial_step", 0.01, 0.5),
        description=description, targets_file=targets_file, facts=use_facts)


def _free_parameter(path: str, spec: Any, base: Scenario, source: str) -> FreeParameter:
    key = f"free.{path}"
    if not isinstance(spec, dict):
        raise _fail(source, key, "expected a table with low and high")
    unknown = sorted(set(spec) - FREE_KEYS)
    if unknown:
        raise _fail(source, f"{key}.{unknown[0]}",
                    f"unknown key; allowed: {', '.join(sorted(FREE_KEYS))}")
    if not (path.startswith("model.") or path.startswith("countries.")):
        raise _fail(source, key, "a free parameter is a model.<param> or countries.AZ/BY.<key> "
                    "path")
    try:
        _, param = resolve_path(path, base)
    except ValueError as err:
        raise _fail(source, key, str(err)) from None
    if param.kind is not float:
        raise _fail(source, key, f"{path} is not a real-valued parameter (the optimiser moves "
                    "continuous values only)")
    lo_decl = -math.inf if param.low is None else param.low
    hi_decl = math.inf if param.high is None else param.high
    for bound in ("low", "high"):
        if bound not in spec:
            raise _fail(source, f"{key}.{bound}", "missing")
    low = _number(spec["low"], source, f"{key}.low", lo_decl, hi_decl)
    high = _number(spec["high"], source, f"{key}.high", lo_decl, hi_decl)
    if not low < high:
        raise _fail(source, f"{key}.high", f"{high:g} must be above low = {low:g}")
    scale = spec.get("scale", "linear")
    if scale not in SCALES:
        raise _fail(source, f"{key}.scale", f"{scale!r} is not allowed; expected one of "
                    f"{', '.join(SCALES)}")
    if scale == "log" and low <= 0:
        raise _fail(source, f"{key}.low", "a log scale needs low > 0")
    tied_spec = spec.get("tied", {})
    if not isinstance(tied_spec, dict):
        raise _fail(source, f"{key}.tied", "expected a table of path = ratio")
    tied = {}
    for other, ratio in tied_spec.items():
        if not (other.startswith("model.") or other.startswith("countries.")):
            raise _fail(source, f"{key}.tied.{other}", "a tied parameter is a model.<param> "
                        "or countries.AZ/BY.<key> path")
        try:
            _, declared = resolve_path(other, base)
        except ValueError as err:
            raise _fail(source, f"{key}.tied.{other}", str(err)) from None
        if declared.kind is not float:
            raise _fail(source, f"{key}.tied.{other}", f"{other} is not a real-valued "
                        "parameter (a ratio of a fitted value is rarely a whole number)")
        ratio = _number(ratio, source, f"{key}.tied.{other}", 0.0, 1e6)
        for end in (low, high):
            try:
                declared.validate(ratio * end, other)
            except ValueError:
                raise _fail(source, f"{key}.tied.{other}", f"ratio {ratio:g} takes it out of "
                            f"its allowed range ({declared.allowed()}) within [{low:g}, "
                            f"{high:g}]") from None
        tied[other] = ratio
    why = spec.get("why", "")
    if not isinstance(why, str):
        raise _fail(source, f"{key}.why", "expected a string")
    return FreeParameter(path, low, high, scale, tied, why)


# ---------------------------------------------------------------------------------------------
# moments and the objective




def installed_scale(scenario: Scenario) -> Scenario:
    """``scenario`` with the R&D scale its private R&D intensities would give once installed as
    fitted values (:func:`sim.inputs.countries.rd_scale_of`)."""
    return dataclasses.replace(scenario, rd_scale=rd_scale_for(scenario.countries))
