"""Sweep definitions: which declared parameters vary, how they are sampled, and what each run
keeps.

A sweep file (``experiments/*.toml``)::

    name = "tax_break_grid"
    base = "../scenarios/tax_break.toml"   # the scenario every point starts from (relative path)
    seeds = 5                              # seeds 0..4 at every point, or a list [3, 7, 11]
    steps = 40                             # quarters (default: the base's model.steps)
    indicators = ["tech_exports"]          # default: the nine key indicators
    countries = ["JOINT"]                  # default: JOINT, AZ and BY
    trajectories = false                   # also keep every quarter's values

    [fixed]                                # values set at every point
    "model.firm_scale" = 0.5

    [design]
    method = "grid"                        # grid | lhs | list | morris | sobol

    [vary]                                 # the varied parameters, by path
    "policies.tax_break.profit_relief" = [0.25, 0.5, 0.75, 1.0]
    "policies.tax_break.end" = { low = 8, high = 40, levels = 5 }

A path names a declared parameter: ``model.<param>``, ``risks.<risk>``,
``countries.AZ.<key>`` (or ``BY``), ``policies.<type>.<param>`` (the base scenario's policy of
that type) or ``policies.<type>[k].<param>`` (its k-th policy of that type, from 0). Bounds
default to the declared ones, and every value is validated before anything runs: a problem
raises :class:`SweepError` naming the file and the key.

A sweep may instead evaluate any function ``f(point, seed)`` (``evaluate = "module:function"``
in a file, or ``evaluate=`` in :func:`sweep_from_dict`); its parameters are then free names with
explicit ranges. The runner, the store and the sensitivity analysis treat both alike.

This module reads a definition; each ``[vary]`` entry and ``[[points]]`` table is read in
:mod:`sim.experiments.sweep_parameters`, and the points of the design are drawn in
:mod:`sim.experiments.designs` (their public names are importable from here too).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.designs import (
    METHODS,
    SENSITIVITY_METHODS,
    Design,
    check_design,
    check_point,
    make_design,
    runs_needed,
    salib_problem,
)
from sim.experiments.point_evaluation import (
    GROWTH_INDICATORS,
    ModelEvaluator,
    Outputs,
    model_outputs,
)
from sim.experiments.sweep_parameters import (
    Parameter,
    SweepError,
    as_values,
    check_value,
    flatten,
    free_parameter,
    is_range,
    list_points,
    no_duplicate_targets,
    parse_parameter,
)
from sim.indicators import COUNTRY_KEYS, INDICATORS, KEY_INDICATORS
from sim.inputs.parameter_paths import (
    Target,
    resolve_path,
    scenario_value,
    scenario_with,
    unknown_message,
    with_values,
)
from sim.inputs.params import MAX_SEED, MAX_SEEDS, Param, ParamError, plain, show
from sim.inputs.scenario import (
    Scenario,
    ScenarioError,
    default_scenario,
    load_scenario,
    read_toml,
    string_value,
    table_value,
)

__all__ = ["GROWTH_INDICATORS", "METHODS", "SENSITIVITY_METHODS", "Design", "ModelEvaluator",
           "Outputs", "Parameter", "Sweep", "SweepError", "Target", "check_point",
           "load_sweep", "model_outputs", "resolve_path", "runs_needed", "salib_problem",
           "scenario_value", "scenario_with", "sweep_from_dict", "with_values"]

TOP_KEYS = ("name", "description", "base", "evaluate", "seeds", "steps", "indicators",
            "countries", "trajectories", "fixed", "design", "vary", "points")
DESIGN_KEYS = ("method", "samples", "levels", "second_order", "seed")


# ---------------------------------------------------------------------------------------------
# the sweep


@dataclass
class Sweep:
    """A validated sweep: the parameters, the design, the seeds and the evaluation function.

    Build one with :func:`load_sweep` or :func:`sweep_from_dict`; run it with
    :func:`sim.experiments.sweep_runner.run_sweep`.

    Attributes:
        name: short title (the default store folder is ``results/<name>``).
        parameters: the varied parameters, in the order given.
        seeds: every point runs once per seed.
        evaluate: ``f(point, seed)`` giving one run's outputs; for the model a
            :class:`ModelEvaluator`.
        method: one of :data:`METHODS`.
        samples: LHS points, Morris trajectories or Sobol base samples N.
        levels: grid levels for ranges, or the Morris grid levels.
        second_order: Sobol: also the second-order indices (N(2D+2) runs, else N(D+2)).
        design_seed: seed of the LHS, Morris and Sobol sampling.
        points: the explicit points of a list design (name to value).
        base: the base scenario with the fixed values set (model sweeps).
        description: what the sweep is for.
        source: the file it was read from.
    """

    name: str
    parameters: list[Parameter]
    seeds: list[int]
    evaluate: Callable[[dict[str, Any], int], Any]
    method: str = "grid"
    samples: int | None = None
    levels: int | None = None
    second_order: bool = True
    design_seed: int = 0
    points: list[dict[str, Any]] | None = None
    base: Scenario | None = None
    description: str = ""
    source: str = "<dict>"
    _design: Design | None = field(default=None, repr=False)

    def design(self) -> Design:
        """The points of the design (computed once)."""
        if self._design is None:
            self._design = make_design(self)
        return self._design

    def runs(self) -> int:
        """Number of runs: points times seeds."""
        return len(self.design().points) * len(self.seeds)

    def definition(self) -> dict[str, Any]:
        """Everything that defines the sweep's runs, as plain data (see :meth:`hash`)."""
        evaluate = self.evaluate
        outputs = getattr(evaluate, "outputs", None)
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "evaluate": _qualified_name(evaluate),
            "base": _scenario_data(self.base) if self.base is not None else None,
            "parameters": [p.describe() for p in self.parameters],
            "design": {"method": self.method, "samples": self.samples, "levels": self.levels,
                       "second_order": self.second_order, "seed": self.design_seed,
                       "points": self.points},
            "seeds": list(self.seeds),
            "outputs": dataclasses.asdict(outputs) if outputs is not None else None,
        }

    def hash(self) -> str:
        """Hash of what defines the runs (not the name, description or file location): a
        store can be resumed only by a sweep with the same hash."""
        data = {k: v for k, v in self.definition().items()
                if k not in ("name", "description", "source")}
        text = json.dumps(data, sort_keys=True, default=_json_default)
        return hashlib.sha256(text.encode()).hexdigest()

    def with_method(self, method: str, samples: int | None = None) -> Sweep:
        """A copy that samples the same parameters with another method (and sample count).

        Raises:
            SweepError: the method does not suit these parameters, or ``samples`` does not suit
                the method.
        """
        if method not in METHODS:
            raise SweepError(self.source, "design.method", f"{method!r} is not allowed; "
                             f"expected one of {', '.join(METHODS)}")
        changed = dataclasses.replace(self, method=method, _design=None,
                                      samples=self.samples if samples is None else samples)
        if method != self.method and samples is None:
            changed.samples = None  # another method's count means something else
            changed.levels = None
        check_design(changed, "--samples" if samples is not None else "design.samples")
        return changed


def _qualified_name(fn: Any) -> str:
    if isinstance(fn, ModelEvaluator):
        return "sim.experiments.sweep:ModelEvaluator"
    target = fn if hasattr(fn, "__qualname__") else type(fn)
    return f"{target.__module__}:{target.__qualname__}"


def _scenario_data(scenario: Scenario) -> dict[str, Any]:
    """What a run of the base scenario depends on (the sweep's hash covers it): its values,
    and the R&D scale of its fitted values (a scenario that sets the R&D intensities itself
    has the same values under another fit, but not the same thresholds)."""
    return {"model": scenario.model, "risks": scenario.risks, "countries": scenario.countries,
            "policies": [{"type": k, **v} for k, v in scenario.policies],
            "rd_scale": scenario.rd_scale}


def _json_default(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    return str(x)


# ---------------------------------------------------------------------------------------------
# reading a definition


def load_sweep(path: str | Path, method: str | None = None,
               samples: int | None = None) -> Sweep:
    """Read and validate a sweep file.

    Args:
        path: the ``.toml`` file.
        method: another design method than the file's (e.g. ``morris`` for ``sobol``).
        samples: another sample count than the file's.

    Raises:
        SweepError: the file is missing or invalid (the message names the file and the key).
    """
    path = Path(path)
    source = str(path)
    data, _ = read_toml(path, SweepError, "a sweep definition .toml file (examples are in "
                        "experiments/)")
    data.setdefault("name", path.stem)
    sweep = sweep_from_dict(data, source=source, base_dir=path.parent)
    if method is not None or samples is not None:
        sweep = sweep.with_method(method or sweep.method, samples)
    return sweep


def sweep_from_dict(data: dict[str, Any], source: str = "<dict>",
                    base_dir: str | Path = ".",
                    evaluate: Callable[[dict[str, Any], int], Any] | None = None) -> Sweep:
    """Validate a sweep given as a dict (the parsed TOML).

    Args:
        data: the definition.
        source: where it came from (named in error messages).
        base_dir: the folder ``base`` is relative to.
        evaluate: a function ``f(point, seed)`` to evaluate instead of the model (it must be
            importable by worker processes: defined at the top level of a module).

    Raises:
        SweepError: a key or value is invalid.
    """
    for key in data:
        if key not in TOP_KEYS:
            raise SweepError(source, key, f"unknown key '{key}'; allowed: "
                             f"{', '.join(TOP_KEYS)}")
    name = _string(data, "name", source, "sweep")
    description = _string(data, "description", source, "")
    if evaluate is None and "evaluate" in data:
        evaluate = _import_function(data["evaluate"], source)
    elif evaluate is not None and "evaluate" in data:
        raise SweepError(source, "evaluate", "given both in the definition and as an argument")
    seeds = _seeds(data.get("seeds", 1), source)
    design = _table(data, "design", source)
    for key in design:
        if key not in DESIGN_KEYS:
            raise SweepError(source, f"design.{key}", f"unknown key '{key}'; allowed: "
                             f"{', '.join(DESIGN_KEYS)}")
    method = plain(design.get("method", "grid"))
    if method not in METHODS:
        raise SweepError(source, "design.method", f"{method!r} is not allowed; expected one of "
                         f"{', '.join(METHODS)}")
    if evaluate is None:
        base, resolve = _model_base(data, source, base_dir)
    else:
        for key in ("base", "steps", "indicators", "countries", "trajectories", "fixed"):
            if key in data:
                raise SweepError(source, key, "only model sweeps have this key (this one "
                                 "evaluates a function)")
        base, resolve = None, functools.partial(free_parameter, source=source)
    vary = flatten(_table(data, "vary", source), is_range)
    parameters = []
    for path, spec in vary.items():
        key = f"vary.{path}"
        param, target = resolve(path, key, spec)
        parameters.append(parse_parameter(path, spec, param, target, key, source))
    points = None
    if method == "list":
        if vary:
            raise SweepError(source, "vary", "a list design takes its points from [[points]], "
                             "not [vary]")
        parameters, points = list_points(data.get("points"), resolve, base, source)
    elif "points" in data:
        raise SweepError(source, "points", f"[[points]] need design.method = \"list\" (it is "
                         f"{method!r})")
    no_duplicate_targets(parameters, source)
    if evaluate is None:
        evaluate = ModelEvaluator(base, tuple((p.name, p.target, p.param) for p in parameters),
                                  _outputs(data, source))
    sweep = Sweep(name=name, parameters=parameters, seeds=seeds, evaluate=evaluate,
                  method=method, samples=_opt_int(design, "samples", source, 1),
                  levels=_opt_int(design, "levels", source, 1),
                  second_order=_bool(design, "second_order", source, True),
                  design_seed=_opt_int(design, "seed", source, 0) or 0, points=points,
                  base=base, description=description, source=source)
    check_design(sweep, "design.samples")
    return sweep


def _model_base(data: dict[str, Any], source: str, base_dir: str | Path) -> \
        tuple[Scenario, Callable[[str, str, Any], tuple[Param, Target]]]:
    """The base scenario with ``[fixed]`` and ``steps`` set, and the path resolver."""
    if "base" in data:
        base_path = data["base"]
        if not isinstance(base_path, str) or not base_path:
            raise SweepError(source, "base", f"{base_path!r} is not allowed; expected the path "
                             "of a scenario file, relative to this file")
        try:
            base = load_scenario(Path(base_dir) / base_path)
        except ScenarioError as err:
            raise SweepError(source, "base", str(err)) from None
    else:
        base = default_scenario()

    def resolve(path: str, key: str, spec: Any = None) -> tuple[Param, Target]:
        try:
            target, param = resolve_path(path, base)
        except ValueError as err:
            raise SweepError(source, key, str(err)) from None
        return param, target

    fixed = flatten(_table(data, "fixed", source), lambda v: False)
    if "steps" in data:
        if "model.steps" in fixed:
            raise SweepError(source, "steps", "given twice (also as fixed.model.steps)")
        fixed["model.steps"] = data["steps"]
    values = {}
    for path, value in fixed.items():
        key = "steps" if path == "model.steps" and "steps" in data else f"fixed.{path}"
        param, target = resolve(path, key)
        values[target] = check_value(param, value, key, source)
    try:
        base = with_values(base, values)
    except ParamError as err:
        raise SweepError(source, "fixed", err.message) from None
    return base, resolve


def _outputs(data: dict[str, Any], source: str) -> Outputs:
    indicators = as_values(data.get("indicators", list(KEY_INDICATORS)))
    if not isinstance(indicators, list) or not indicators:
        raise SweepError(source, "indicators", "expected a non-empty list of indicator names")
    for name in indicators:
        if name not in INDICATORS:
            raise SweepError(source, "indicators",
                             unknown_message(str(name), INDICATORS, "indicator"))
    countries = as_values(data.get("countries", list(COUNTRY_KEYS)))
    if not isinstance(countries, list) or not countries or \
            any(c not in COUNTRY_KEYS for c in countries):
        raise SweepError(source, "countries", f"{countries!r} is not allowed; expected a list "
                         f"of {', '.join(COUNTRY_KEYS)}")
    trajectories = _bool(data, "trajectories", source, False)
    return Outputs(tuple(dict.fromkeys(indicators)), tuple(dict.fromkeys(countries)),
                   trajectories)


def _import_function(text: Any, source: str) -> Callable[[dict[str, Any], int], Any]:
    if not isinstance(text, str) or ":" not in text:
        raise SweepError(source, "evaluate", f"{text!r} is not allowed; expected "
                         "\"package.module:function\"")
    module_name, _, attr = text.partition(":")
    try:
        fn = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as err:
        raise SweepError(source, "evaluate", f"cannot import {text}: {err}") from None
    if not callable(fn):
        raise SweepError(source, "evaluate", f"{text} is not a function")
    return fn


def _string(data: dict[str, Any], key: str, source: str, default: str) -> str:
    return string_value(data, key, source, default, SweepError)


def _table(data: dict[str, Any], key: str, source: str) -> dict[str, Any]:
    return table_value(data, key, source, SweepError)


def _bool(data: dict[str, Any], key: str, source: str, default: bool) -> bool:
    value = plain(data.get(key, default))
    if not isinstance(value, bool):
        raise SweepError(source, key, f"{value!r} is not allowed; expected true or false")
    return value


def _opt_int(data: dict[str, Any], key: str, source: str, least: int) -> int | None:
    value = plain(data.get(key))
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                              or value < least):
        raise SweepError(source, f"design.{key}", f"{value!r} is not allowed; expected a "
                         f"whole number >= {least}")
    return value


def _seeds(value: Any, source: str) -> list[int]:
    value = as_values(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_SEEDS:
        return list(range(value))
    if isinstance(value, list) and value and all(
            isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_SEED
            for s in value) and len(set(value)) == len(value):
        return list(value)
    raise SweepError(source, "seeds", f"{show(value)} is not allowed; expected a number of "
                     f"seeds in [1, {MAX_SEEDS}] (seeds 0..N-1) or a list of distinct whole "
                     f"numbers in [0, {MAX_SEED}]")

