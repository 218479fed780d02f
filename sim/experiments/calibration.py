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

A calibration file (``experiments/calibration/baseline.toml``) says which parameters are free,
their bounds and scale, values tied to them, the seeds and the budget; see that file and
:mod:`sim.experiments.calibration_definition`, which reads it.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.calibration_definition import (
    DEFAULT_FILE,
    Calibration,
    CalibrationError,
    FreeParameter,
    load_calibration,
)
from sim.inputs.scenario import Scenario
from sim.validation.facts import FACT_STATISTICS, run_statistics
from sim.validation.observations import collect_run
from sim.validation.targets import MEASURES, TARGETS_FILE, allowed_range, load_targets

__all__ = ["DEFAULT_FILE", "Calibration", "CalibrationError", "CalibrationResult",
           "FreeParameter", "Point", "calibrate", "describe", "evaluate", "fact_shortfall",
           "fit_values", "load_calibration", "progress_to_stderr", "score",
           "simulate", "target_distance"]

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
