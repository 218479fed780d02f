"""Evaluation over seeds: :func:`validate` runs the baseline once per seed and
:func:`evaluate` checks every target and fact across the runs (:class:`Validation`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from sim.inputs.scenario import SCENARIO_DIR, Scenario, load_scenario
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.reporting.formatting import band
from sim.validation.facts import FACT_STATISTICS, STATISTICS, fact_holds, run_statistics
from sim.validation.innovation_evidence import compare, seed_runs
from sim.validation.observations import RunObservations, collect_run
from sim.validation.targets import MEASURES, ValidationError, load_targets, within_tolerance

BASELINE = SCENARIO_DIR / "baseline.toml"
#: Least quarters a validation run needs: two model years (one year-on-year transition).
MIN_STEPS = 2 * QUARTERS_PER_YEAR


@dataclass
class Check:
    """A target or fact evaluated over seeds.

    Attributes:
        spec: the entry of targets.toml.
        values: the model value of each seed.
        median, low, high: the median and the 90% band (5th and 95th percentiles) across seeds.
        passed: whether the median meets the target or fact.
        seeds_passed: how many seeds meet it on their own.
    """

    spec: dict[str, Any]
    values: np.ndarray
    median: float
    low: float
    high: float
    passed: bool
    seeds_passed: int


@dataclass
class Validation:
    """Targets and facts of the baseline over several seeds, with what produced them."""

    seeds: list[int]
    steps: int
    targets: list[Check]
    facts: list[Check]
    statistics: dict[str, np.ndarray]
    records: list[RunObservations]
    seconds: float
    #: Country values of the validated scenario (its data, fitted values and settings).
    countries: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Innovation through cooperation against the published estimates
    #: (sim.validation.innovation_evidence), one check per measure.
    innovation: list[Any] = field(default_factory=list)


def _check(spec: dict[str, Any], values: Sequence[float],
           holds: Callable[[float], bool]) -> Check:
    arr = np.asarray(values, dtype=float)
    median, low, high = band(arr)
    return Check(spec, arr, median, low, high, holds(median), sum(holds(v) for v in arr))


def evaluate(records: Sequence[RunObservations], steps: int, seconds: float = 0.0) -> Validation:
    """Every target and fact over the runs in ``records``."""
    targets, facts = load_targets()
    horizon = records[0].horizon_years
    checks = [
        _check(t, [MEASURES[t["measure"]](r, t) for r in records],
               lambda v, t=t: within_tolerance(t, v, horizon))
        for t in targets
    ]
    per_run = [run_statistics(r) for r in records]
    statistics = {name: np.array([s[name] for s in per_run]) for name in STATISTICS}
    fact_checks = [_check(f, statistics[FACT_STATISTICS[f["name"]]],
                          lambda v, f=f: fact_holds(f, v)) for f in facts]
    return Validation([r.seed for r in records], steps, checks, fact_checks, statistics,
                      list(records), seconds)


def validate(seeds: Sequence[int], steps: int = 40,
             scenario: Scenario | Path = BASELINE, progress: bool = False) -> Validation:
    """Run the baseline (or ``scenario``) once per seed and evaluate targets and facts.

    Raises:
        ValidationError: no seeds, or fewer than ``MIN_STEPS`` quarters.
    """
    seeds = list(seeds)
    if not seeds:
        raise ValidationError("validation needs at least one seed")
    if steps < MIN_STEPS:
        raise ValidationError(f"--steps {steps}: validation needs at least {MIN_STEPS} quarters "
                              "(two model years, for year-on-year growth and persistence)")
    targets, _ = load_targets()
    window_end = max(t["quarters"][1] for t in targets)
    if steps < window_end:
        raise ValidationError(f"--steps {steps}: the targets are measured up to quarter "
                              f"{window_end}; run at least that many quarters")
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    start = time.perf_counter()
    records, cooperation = [], []
    for i, seed in enumerate(seeds):
        if progress:
            print(f"validate: {scenario.name} seed {seed} ({i + 1} of {len(seeds)}), "
                  f"{steps} quarters, and the same seed without R&D ties", file=sys.stderr,
                  flush=True)
        records.append(collect_run(scenario, seed, steps))
        cooperation.append(seed_runs(scenario, seed, steps, records[-1].cooperation))
    return replace(evaluate(records, steps, time.perf_counter() - start),
                   countries=scenario.countries, innovation=compare(cooperation))
