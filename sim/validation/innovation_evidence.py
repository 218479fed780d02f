"""The model's innovation through cooperation against published estimates
(``sim/data/innovation.toml``): each measure the model gives over several seeds, the range the
published estimates give (the file's ``[[ranges]]``) and whether the median lies in it.

The measures (:data:`MEASURES`): the effect of R&D cooperation on the firms that cooperate
(a run and the same seed's run without R&D ties, :func:`sim.validation.cooperation.no_ties_effect`)
and the gap conditional on size, R&D, sector and country, both for new products, as the
studies measure them; the share of innovating firms with a university partner; the share of
joint projects and of all ideas that fail; the share of the value of innovations held by the
top tenth; the persistence of innovation; the time to market in months; Belarus' imported
share of equipment (an input: one minus its ``domestic_equipment_share``); and the cognitive
distance at which a partner's expected bonus peaks.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from sim.inputs.scenario import Scenario
from sim.reporting.formatting import band
from sim.validation.cooperation import (
    CooperationRun,
    collect_panel,
    innovation_gaps,
    no_ties_effect,
    persistence_gap,
    value_skew,
)

#: The evidence file.
EVIDENCE = Path(__file__).resolve().parent.parent / "data" / "innovation.toml"
#: Months in a quarter (by definition).
MONTHS_PER_QUARTER = 3
#: Cognitive distances over which the distance with the best expected bonus is found (a fine
#: grid over 0-1; implementation).
DISTANCE_GRID = np.linspace(0.0, 1.0, 1001)


@cache
def load_evidence() -> dict[str, Any]:
    """The evidence file, parsed (``evidence`` and ``ranges`` lists)."""
    with EVIDENCE.open("rb") as fh:
        return tomllib.load(fh)


def model_range(name: str) -> tuple[float, float]:
    """(low, high) of the named range of the evidence file."""
    r = range_spec(name)
    return float(r["low"]), float(r["high"])


def range_spec(name: str) -> dict[str, Any]:
    """The named ``[[ranges]]`` entry."""
    for r in load_evidence()["ranges"]:
        if r["name"] == name:
            return r
    raise KeyError(f"{EVIDENCE}: no [[ranges]] entry named {name!r}")


@dataclass
class SeedRuns:
    """One seed's run of the scenario and its run without R&D ties."""

    seed: int
    control: CooperationRun
    without: CooperationRun
    time_to_market: float
    countries: dict[str, dict[str, Any]] = field(default_factory=dict)


def _best_distance() -> float:
    from sim.phases.ideas import novelty

    return float(DISTANCE_GRID[np.argmax(novelty(DISTANCE_GRID) * (1.0 - DISTANCE_GRID))])


#: Measure name -> (range name in the evidence file, function of one seed's runs).
MEASURES: dict[str, tuple[str, Any]] = {
    "coop_effect_product": ("product_innovation_gap", lambda r: no_ties_effect(
        r.control, r.without, "product")["effect_on_cooperating"]),
    "coop_conditional_product": ("product_innovation_gap", lambda r: innovation_gaps(
        r.control.panel, "product")["conditional_gap"]),
    "university_share": ("share_with_university_partner", lambda r: innovation_gaps(
        r.control.panel)["university_share_of_innovators"]),
    "joint_failure": ("alliance_failure_share", lambda r: r.control.joint_failure_share),
    "idea_failure": ("project_failure_share", lambda r: r.control.failure_share),
    "value_top10": ("top10_value_share", lambda r: value_skew(r.control.values)),
    "persistence": ("persistence_gap", lambda r: persistence_gap(r.control.panel)),
    "time_to_market_months": ("radical_product_months",
                              lambda r: r.time_to_market * MONTHS_PER_QUARTER),
    "imported_equipment_by": ("imported_equipment_share_BY", lambda r: 1.0 - float(
        r.countries["BY"]["domestic_equipment_share"])),
    "best_distance": ("optimum_position", lambda r: _best_distance()),
}


@dataclass
class EvidenceCheck:
    """One measure over the seeds against its published range."""

    measure: str
    range_name: str
    values: np.ndarray
    median: float
    low: float
    high: float
    range_low: float
    range_high: float
    passed: bool


def seed_runs(scenario: Scenario, seed: int, steps: int,
              control: CooperationRun | None = None) -> SeedRuns:
    """``scenario`` and the same scenario without R&D ties, both with ``seed`` (``control``:
    the scenario's run, if it was already recorded)."""
    if control is None:
        control = collect_panel(scenario, seed, steps)
    without = collect_panel(scenario.with_model(rnd_ties=0), seed, steps)
    return SeedRuns(seed, control, without, control.time_to_market, scenario.countries)


def compare(runs: list[SeedRuns]) -> list[EvidenceCheck]:
    """Every measure over ``runs`` against its range."""
    out = []
    for measure, (range_name, fn) in MEASURES.items():
        values = np.array([fn(r) for r in runs], dtype=float)
        median, low, high = band(values)
        lo, hi = model_range(range_name)
        out.append(EvidenceCheck(measure, range_name, values, median, low, high, lo, hi,
                                 bool(lo <= median <= hi)))
    return out
