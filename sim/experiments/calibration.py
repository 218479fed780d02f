"""Calibration: fit the free behavioural parameters to the country targets.

Method: simulated method of moments (McFadden 1989; in agent-based models e.g. Franke and
Westerhoff 2012, Grazzini and Richiardi 2015). The moments are the ``output`` targets of
``sim/data/targets.toml`` (R&D, SME shares, FDI and AZ-BY trade, each a ratio measured in
quarters 1-8) plus the stylized facts as one-sided conditions. For a parameter vector the
baseline runs once per seed with the *same* seeds at every point (common random numbers, so
differences between points are not noise of the draws), and each moment is the mean over
seeds. The objective is

    J = sum over targets of d_t^2 + sum over facts of p_f^2

where ``d_t`` is the target's log deviation from its data value in units of its tolerance
(``log(model / data) / log(high / data)`` above the data value, ``/ log(data / low)`` below, with
``[low, high]`` the accepted range of :func:`sim.validation.targets.allowed_range`; absolute
tolerances use ``(model - data) / tolerance``), so ``|d_t| <= 1`` exactly when the target is met,
and ``p_f`` is how far a fact's statistic falls short of its criterion tightened by a safety
margin, in units of that margin (0 when it holds with the margin, 1 on the criterion itself,
so ``p_f <= 1`` exactly when the fact holds). The weighting is therefore the
inverse square of each target's tolerance: a diagonal weighting matrix chosen from the stated
uncertainty of the data rather than from simulated variances.

The optimiser is SciPy's Nelder-Mead simplex (derivative-free; the objective of a stochastic
model is not smooth) over the free parameters mapped to [0, 1] within their bounds (a log
scale for parameters spanning orders of magnitude), with bounds enforced.

A calibration file (``experiments/calibration/baseline.toml``) says which parameters are free, their
bounds and scale, values tied to them, the seeds and the budget; see that file.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.inputs.countries import COUNTRIES, rd_scale_of
from sim.inputs.parameter_paths import resolve_path, scenario_value, scenario_with
from sim.inputs.params import RISK_PARAMS
from sim.inputs.scenario import Scenario, ScenarioError, load_scenario, read_toml
from sim.validation.facts import FACT_STATISTICS, run_statistics
from sim.validation.observations import collect_run
from sim.validation.targets import MEASURES, TARGETS_FILE, allowed_range, load_targets

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


def target_distance(target: dict[str, Any], value: float) -> float:
    """A target's deviation from its data value in units of its tolerance (see the module
    docstring); ``|d| <= 1`` when the target is met, ``inf`` for a missing value."""
    if not math.isfinite(value):
        return math.inf
    data = float(target["value"])
    low, high = allowed_range(target)
    if target["tolerance_kind"] != "absolute" and data > 0 and low > 0:
        value = max(value, low * 1e-3)  # zero is far off on a log scale, not a linear step
    if target["tolerance_kind"] == "absolute" or data <= 0 or value <= 0 or low <= 0:
        width = (high - data) if value >= data else (data - low)
        return (value - data) / width if width > 0 else (0.0 if value == data else math.inf)
    width = math.log(high / data) if value >= data else math.log(data / low)
    return math.log(value / data) / width if width > 0 else math.inf


def fact_shortfall(fact: dict[str, Any], value: float, margin: float) -> float:
    """How far a statistic falls short of a fact's criterion tightened by ``margin``, in units
    of that margin: 0 when it holds with the margin, 1 when it lies exactly on the criterion,
    above 1 when the fact fails. The margin is a share of the bound (of 0.1 for a bound of 0).
    A missing value counts as 10."""
    if not math.isfinite(value):
        return 10.0
    short = 0.0
    for side, sign in (("low", 1.0), ("high", -1.0)):
        if side in fact:
            bound = float(fact[side])
            step = margin * (abs(bound) if bound != 0 else 0.1)
            short = max(short, sign * (bound + sign * step - value) / step)
    return max(short, 0.0)


def installed_scale(scenario: Scenario) -> Scenario:
    """``scenario`` with the R&D scale its private R&D intensities would give once installed as
    fitted values (:func:`sim.inputs.countries.rd_scale_of`)."""
    return dataclasses.replace(scenario, rd_scale=rd_scale_of(
        [scenario.countries[c]["rd_intensity_private"] for c in COUNTRIES]))


def simulate(scenario: Scenario, seed: int, steps: int, targets_file: Path = TARGETS_FILE,
             facts: bool = True) -> dict[str, float]:
    """One run's moments: every output target (``"<name>:<country>"``) and, with ``facts``,
    every fact's statistic (the fact's name). Runs in worker processes."""
    targets, fact_specs = load_targets(targets_file)
    record = collect_run(scenario, seed, steps)
    out = {f"{t['name']}:{t['country']}": MEASURES[t["measure"]](record, t)
           for t in targets if t["role"] == "output"}
    if facts and fact_specs:
        statistics = run_statistics(record)
        out.update({f["name"]: statistics[FACT_STATISTICS[f["name"]]] for f in fact_specs})
    return out


@dataclass
class Point:
    """One evaluated parameter vector.

    Attributes:
        x: the free parameters' values.
        moments: moment name -> mean over seeds.
        per_seed: moment name -> value of each seed.
        distances: target -> ``d_t``; fact -> ``p_f``.
        objective: ``J``.
    """

    x: np.ndarray
    moments: dict[str, float]
    per_seed: dict[str, list[float]]
    distances: dict[str, float]
    objective: float


def score(per_seed: dict[str, list[float]], margin: float, x: np.ndarray,
          targets_file: Path = TARGETS_FILE, facts: bool = True) -> Point:
    """The objective of a point from the moments of each seed."""
    targets, fact_specs = load_targets(targets_file)
    fact_specs = fact_specs if facts else []
    moments = {k: float(np.nanmean(v)) if np.isfinite(v).any() else math.nan
               for k, v in per_seed.items()}
    distances: dict[str, float] = {}
    for t in targets:
        if t["role"] == "output":
            key = f"{t['name']}:{t['country']}"
            distances[key] = target_distance(t, moments[key])
    for f in fact_specs:
        distances[f["name"]] = fact_shortfall(f, moments[f["name"]], margin)
    objective = float(sum(min(d * d, 1e6) for d in distances.values()))
    return Point(np.asarray(x, dtype=float), moments, per_seed, distances, objective)


@dataclass
class CalibrationResult:
    """What a calibration found.

    Attributes:
        spec: the definition.
        start, best: the points at the start values and at the fitted values.
        trace: every evaluated point, in order.
        seconds: wall time.
        message: the optimiser's closing message.
        converged: whether it stopped on its tolerance rather than on the budget.
    """

    spec: Calibration
    start: Point
    best: Point
    trace: list[Point]
    seconds: float
    message: str
    converged: bool
    interrupted: bool = False
    terminated: bool = False


def evaluate(spec: Calibration, x: Sequence[float], pool: Executor | None = None) -> Point:
    """Run every seed at ``x`` and score it."""
    scenario = spec.scenario_at(x)
    if pool is None:
        runs = [simulate(scenario, seed, spec.steps, spec.targets_file, spec.facts)
                for seed in spec.seeds]
    else:
        futures = [pool.submit(simulate, scenario, seed, spec.steps, spec.targets_file,
                               spec.facts) for seed in spec.seeds]
        runs = [f.result() for f in futures]
    per_seed = {k: [r[k] for r in runs] for k in runs[0]}
    return score(per_seed, spec.fact_margin, np.asarray(x, dtype=float), spec.targets_file,
                 spec.facts)


def calibrate(spec: Calibration, workers: int = 1,
              progress: Callable[[str], None] | None = None) -> CalibrationResult:
    """Fit the free parameters (Nelder-Mead in [0, 1]^k, at most ``max_evaluations`` points,
    the start included)."""
    from scipy import optimize

    from sim.experiments.runs import process_pool

    say = progress or (lambda _msg: None)
    began = time.perf_counter()
    trace: list[Point] = []
    cache: dict[tuple[float, ...], Point] = {}
    pool = process_pool(workers) if workers > 1 else None
    start_x = spec.start()
    for p, value in zip(spec.free, start_x, strict=True):
        if not p.low <= value <= p.high:
            raise CalibrationError(spec.source, f"free.{p.path}", f"the base scenario's value "
                                   f"{value:g} is outside [{p.low:g}, {p.high:g}]")

    def run(u: np.ndarray) -> float:
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        key = tuple(np.round(u, 12))
        if key in cache:
            return cache[key].objective
        x = np.array([p.from_unit(v) for p, v in zip(spec.free, u, strict=True)])
        point = evaluate(spec, x, pool)
        cache[key] = point
        trace.append(point)
        best = min(pt.objective for pt in trace)
        say(f"calibrate: point {len(trace)} of at most {spec.max_evaluations}: "
            f"J = {point.objective:.3f} (best {best:.3f}); "
            + ", ".join(f"{describe(p.path)} {v:.4g}"
                        for p, v in zip(spec.free, x, strict=True)))
        if len(trace) >= spec.max_evaluations:
            raise _Budget
        return point.objective

    u0 = np.array([p.to_unit(v) for p, v in zip(spec.free, start_x, strict=True)])
    simplex = [u0]
    for i in range(len(u0)):
        step = np.zeros_like(u0)
        step[i] = spec.initial_step if u0[i] + spec.initial_step <= 1.0 else -spec.initial_step
        simplex.append(np.clip(u0 + step, 0.0, 1.0))
    converged, interrupted, terminated, message = False, False, False, ""
    try:
        run(u0)
        result = optimize.minimize(
            run, u0, method="Nelder-Mead", bounds=[(0.0, 1.0)] * len(u0),
            options={"initial_simplex": np.array(simplex), "maxfev": spec.max_evaluations * 2,
                     "xatol": 0.005, "fatol": 0.02, "adaptive": len(u0) > 3})
        converged, message = bool(result.success), str(result.message)
    except _Budget:
        message = f"stopped after {spec.max_evaluations} points (max_evaluations)"
    except KeyboardInterrupt as err:
        if not trace:
            raise
        interrupted, message = True, f"interrupted after {len(trace)} points"
        terminated = type(err).__name__ == "Terminated"
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    best = min(trace, key=lambda pt: pt.objective)
    return CalibrationResult(spec, trace[0], best, trace, time.perf_counter() - began,
                             message, converged, interrupted, terminated)


class _Budget(Exception):
    """The evaluation budget is spent."""


def fit_values(result: CalibrationResult) -> dict[str, float]:
    """Every path the calibration sets (free and tied) at the best point."""
    values: dict[str, float] = {}
    for p, x in zip(result.spec.free, result.best.x, strict=True):
        values.update(p.values(float(x)))
    return values


def describe(path: str) -> str:
    """A short label of a path for tables."""
    return path.removeprefix("model.").removeprefix("countries.")


def progress_to_stderr(message: str) -> None:
    """Print a progress line to stderr."""
    print(message, file=sys.stderr, flush=True)
