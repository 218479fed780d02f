"""One evaluation of the model from a script: a scenario with values set by path, run over some
seeds, reduced to flat named outcomes, optionally as paired differences from a reference.

:func:`evaluate` is the function an exploratory-modelling loop (the EMA Workbench, SALib, an
optimiser) calls for each point::

    import sim
    sim.evaluate("full_package", {"risks.mistargeting": 2.0}, seeds=5, steps=40,
                 outcomes=["JOINT.tech_exports", "AZ.average_wage"], relative_to="baseline")

Outcomes are named ``<country>.<indicator>`` (country ``JOINT``, ``AZ`` or ``BY``) and defined as
in the scorecard (:mod:`sim.experiments.outcomes`, the same functions): the indicator at the
horizon, the growth rates averaged over quarters 1..T, and the fiscal costs
``gross_fiscal_cost`` and ``net_fiscal_cost``. Runs of a reference are kept in memory
(:data:`REFERENCE_RUNS`), so a loop over points runs the reference once per seed.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.outcomes import FISCAL_OUTCOMES, paired_differences, run_outcomes, seed_bands
from sim.indicators import INDICATORS, KEY_INDICATORS
from sim.inputs.parameter_paths import resolve_path, scenario_with
from sim.inputs.params import MAX_SEED, MAX_SEEDS, MODEL_PARAMS, ParamError
from sim.inputs.scenario import SCENARIO_DIR, Scenario, ScenarioError, load_scenario

#: Countries of an outcome name, in the order the messages list them.
OUTCOME_COUNTRIES = ("JOINT", "AZ", "BY")
#: Suffixes of an outcome name that ask for an end of the 90% band across seeds instead of the
#: median: the position of that statistic in :func:`~sim.experiments.outcomes.seed_bands`.
BAND_SUFFIXES = {"lo": 1, "hi": 2}
#: ``relative_to`` value meaning the base scenario without the point's values.
BASE = "base"


@dataclass(frozen=True)
class Outcome:
    """A requested outcome: ``name`` as given, its country and indicator (or fiscal cost), and
    the statistic across seeds (0 median, 1 the 5th, 2 the 95th percentile)."""

    name: str
    country: str
    indicator: str
    statistic: int = 0


def outcome_names() -> list[str]:
    """The indicators and fiscal costs an outcome may name."""
    return [*INDICATORS, *FISCAL_OUTCOMES]


def parse_outcome(name: Any) -> Outcome:
    """The outcome a name asks for.

    Raises:
        ValueError: the name is not ``<country>.<indicator>`` with an optional ``.lo`` or
            ``.hi``; the message lists what is allowed.
    """
    parts = name.split(".") if isinstance(name, str) else []
    statistic = 0
    if len(parts) == 3 and parts[2] in BAND_SUFFIXES:
        statistic = BAND_SUFFIXES[parts.pop()]
    allowed = outcome_names()
    if len(parts) == 2 and parts[0] in OUTCOME_COUNTRIES and parts[1] in allowed:
        return Outcome(name, parts[0], parts[1], statistic)
    known = [f"{c}.{i}" for c in OUTCOME_COUNTRIES for i in allowed]
    close = difflib.get_close_matches(name, known, n=1) if isinstance(name, str) else []
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise ValueError(
        f"unknown outcome {name!r}{hint}; an outcome is <country>.<indicator>, optionally "
        "followed by .lo or .hi (the 5th or 95th percentile across seeds instead of the "
        f"median), with country one of {', '.join(OUTCOME_COUNTRIES)} and indicator one of "
        f"{', '.join(allowed)}")


def as_python(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (others unchanged)."""
    return value.item() if isinstance(value, np.generic) else value


def scenario_of(spec: Scenario | str | Path, what: str = "base") -> Scenario:
    """A scenario given as a Scenario, the name of a bundled scenario or a file path.

    Raises:
        ScenarioError: no such bundled scenario or file, or the file is invalid.
    """
    if isinstance(spec, Scenario):
        return spec
    if not isinstance(spec, (str, Path)):
        raise ScenarioError(what, "", f"{spec!r} is not allowed; expected a Scenario, the "
                            "name of a bundled scenario or the path of a scenario file")
    text = str(spec)
    if isinstance(spec, str) and "/" not in text and not text.endswith(".toml"):
        path = SCENARIO_DIR / f"{text}.toml"
        if not path.is_file():
            bundled = ", ".join(sorted(p.stem for p in SCENARIO_DIR.glob("*.toml")))
            raise ScenarioError(what, "", f"'{text}' is not a bundled scenario; expected one "
                                f"of {bundled}, or the path of a scenario file")
        return load_scenario(path)
    return load_scenario(spec)


def with_point(base: Scenario, values: Mapping[str, Any]) -> Scenario:
    """``base`` with values set by path (numpy scalars taken as the Python values they hold).

    Raises:
        ValueError: a path names no declared parameter (the message starts with the path), or
            a value is invalid (a :class:`~sim.inputs.params.ParamError` naming the path).
    """
    clean = {path: as_python(value) for path, value in values.items()}
    for path in clean:
        try:
            resolve_path(path, base)
        except ValueError as err:
            raise ValueError(f"values: {path}: {err}") from None
    return scenario_with(base, clean)


def seed_list(seeds: int | Sequence[int]) -> list[int]:
    """``seeds`` as a list: a number N means seeds 0..N-1.

    Raises:
        ValueError: no seed, too many, a repeated one, or one that is not a whole number in
            [0, MAX_SEED].
    """
    seeds = as_python(seeds)
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        if not 1 <= seeds <= MAX_SEEDS:
            raise ValueError(f"seeds: {seeds} is not allowed; expected a number of seeds in "
                             f"[1, {MAX_SEEDS}] or a list of seeds")
        return list(range(seeds))
    listed = [as_python(s) for s in seeds]
    bad = [s for s in listed if isinstance(s, bool) or not isinstance(s, int)
           or not 0 <= s <= MAX_SEED]
    if bad or not listed or len(set(listed)) != len(listed) or len(listed) > MAX_SEEDS:
        raise ValueError(f"seeds: {listed!r} is not allowed; expected a number of seeds or a "
                         f"list of at most {MAX_SEEDS} distinct whole numbers in [0, 2**63-1]")
    return listed


def content_key(scenario: Scenario) -> str:
    """A hash of everything a run of ``scenario`` depends on (not its name or file)."""
    content = {"model": scenario.model, "risks": scenario.risks,
               "countries": scenario.countries, "policies": scenario.policies,
               "fitted": sorted(scenario.fitted.values.items()), "rd_scale": scenario.rd_scale,
               "draw": scenario.draw_effect_sizes,
               "explicit": [sorted(e) for e in scenario.explicit]}
    text = json.dumps(content, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def seed_outcomes(scenario: Scenario, seed: int, steps: int) -> pd.Series:
    """Every outcome of one run (index ``(country, outcome)``)."""
    from sim.experiments.runs import model_table, run_model

    table = model_table(run_model(scenario, seed, steps), scenario.name)
    return run_outcomes(table)[seed]


class ReferenceCache:
    """Outcomes of reference runs kept in memory, by (scenario content, seed, steps).

    Attributes:
        runs: reference runs made (cache misses).
        hits: reference runs found in the cache.
        max_entries: runs kept; the least recently used is dropped beyond that.
    """

    def __init__(self, max_entries: int = 10_000):
        self.max_entries = max_entries
        self.runs = 0
        self.hits = 0
        self._entries: OrderedDict[tuple[str, int, int], pd.Series] = OrderedDict()

    def outcomes(self, scenario: Scenario, seed: int, steps: int) -> pd.Series:
        """The outcomes of ``scenario`` run with ``seed`` for ``steps`` quarters."""
        key = (content_key(scenario), seed, steps)
        if key in self._entries:
            self.hits += 1
            self._entries.move_to_end(key)
            return self._entries[key]
        values = seed_outcomes(scenario, seed, steps)
        self.runs += 1
        self._entries[key] = values
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return values

    def clear(self) -> None:
        """Forget every run and reset the counts."""
        self._entries.clear()
        self.runs = self.hits = 0

    def __len__(self) -> int:
        return len(self._entries)


#: The reference runs of this process (each worker process of a parallel loop has its own).
REFERENCE_RUNS = ReferenceCache()


def evaluate(base: Scenario | str | Path, values: Mapping[str, Any] | None = None,
             seeds: int | Sequence[int] = 10, steps: int | None = None,
             outcomes: Sequence[str] | None = None,
             relative_to: Scenario | str | Path | None = None,
             per_seed: bool = False, uncertainty: str = "seeds") -> dict[str, Any]:
    """Run a scenario with values set by path over some seeds; return flat named outcomes.

    Args:
        base: a Scenario, the name of a bundled scenario (``"full_package"``) or the path of a
            scenario file.
        values: values by parameter path (``{"risks.mistargeting": 2.0,
            "policies.sme_subsidy.budget": 4}``, see :func:`sim.scenario_with`), each validated
            against its declaration; numpy scalars are accepted.
        seeds: a number N (seeds 0..N-1) or a list of seeds.
        steps: quarters (default: the base's ``model.steps``).
        outcomes: names ``<country>.<indicator>`` (``"JOINT.tech_exports"``,
            ``"AZ.average_wage"``, ``"BY.gross_fiscal_cost"``), optionally with ``.lo`` or
            ``.hi`` for the 5th or 95th percentile across seeds instead of the median (default:
            the nine key indicators of both countries together). An indicator is its value at
            quarter ``steps``, except the growth rates (their mean over quarters 1..T) and the
            fiscal costs (gross: policy spending plus taxes foregone over quarters 1..T; net:
            spending minus taxes collected, accumulated to T), as in the scorecard.
        relative_to: a reference scenario (as ``base``), or ``"base"`` for the base without
            ``values``: each outcome is then the difference from the reference run with the
            same seed, summarised across seeds (the scorecard's paired change). Reference runs
            are cached in memory (:data:`REFERENCE_RUNS`).
        per_seed: return each outcome's value (or difference) for every seed, in the order of
            ``seeds``, as an array, instead of its median.
        uncertainty: ``"seeds"`` (default) runs the policies' effect sizes as declared;
            ``"params"`` draws each of them per seed from its range in sim/data/evidence.toml
            (values set in the scenario or by ``values`` are kept), as ``clustersim scorecard``
            does by default, so the band covers what is not known about effect sizes too.

    Returns:
        ``{name: value}`` for every requested outcome, in the order given: a float (the median
        across seeds, NaN when no seed has a value), or with ``per_seed`` an array.

    Raises:
        ValueError: an unknown outcome (the message lists the allowed ones), a bad seed or step
            count, or an invalid value (:class:`~sim.inputs.params.ParamError` or
            :class:`~sim.ScenarioError`, naming the path).
    """
    wanted = [parse_outcome(n) for n in (outcomes if outcomes is not None
                                         else [f"JOINT.{i}" for i in KEY_INDICATORS])]
    if not wanted:
        raise ValueError("outcomes: an empty list; name at least one outcome, e.g. "
                         "'JOINT.tech_exports'")
    if per_seed and any(o.statistic for o in wanted):
        raise ValueError("outcomes: .lo and .hi summarise the seeds; with per_seed=True ask "
                         "for the outcome without them")
    seeds = seed_list(seeds)
    if uncertainty not in ("seeds", "params"):
        raise ValueError(f"uncertainty: {uncertainty!r}; expected 'seeds' or 'params'")
    drawing = uncertainty == "params"
    start = dataclasses.replace(scenario_of(base, "base"), draw_effect_sizes=drawing)
    point = with_point(start, values or {})
    steps = point.model["steps"] if steps is None else as_python(steps)
    try:
        steps = MODEL_PARAMS["steps"].validate(steps, "steps")
    except ParamError as err:
        raise ValueError(str(err)) from None
    table = pd.concat({s: seed_outcomes(point, s, steps) for s in seeds}, axis=1)
    if relative_to is not None:
        reference = start if relative_to == BASE else dataclasses.replace(
            scenario_of(relative_to, "relative_to"), draw_effect_sizes=drawing)
        ref = pd.concat({s: REFERENCE_RUNS.outcomes(reference, s, steps) for s in seeds},
                        axis=1)
        table = paired_differences(table, ref)
    rows = list(dict.fromkeys((o.country, o.indicator) for o in wanted))
    sub = table.reindex(rows)
    if per_seed:
        return {o.name: sub.loc[(o.country, o.indicator)].to_numpy(dtype=float) for o in wanted}
    stats = dict(zip(rows, zip(*seed_bands(sub), strict=True), strict=True))
    return {o.name: float(stats[o.country, o.indicator][o.statistic]) for o in wanted}
