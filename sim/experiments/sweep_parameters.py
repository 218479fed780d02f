"""The varied parameters of a sweep definition: ``[vary]`` entries and ``[[points]]`` tables,
each checked against the declaration of the parameter its path names (see
:mod:`sim.experiments.sweep` for the file format).

:class:`SweepError` is raised by every part of reading a sweep definition.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.inputs.parameter_paths import Target, scenario_value
from sim.inputs.params import Param, ParamError, plain
from sim.inputs.scenario import Scenario, ScenarioError

#: Keys of a range table in ``[vary]``.
RANGE_KEYS = ("low", "high", "levels", "values")
#: Column names of the stored results, which a custom function's parameters may not take.
RESERVED_NAMES = ("sample", "seed", "step", "country", "indicator", "value")


class SweepError(ScenarioError):
    """A sweep definition is invalid; the message names the file, the key and what is allowed."""


# ---------------------------------------------------------------------------------------------
# varied parameters


@dataclass(frozen=True)
class Parameter:
    """A varied parameter: its declaration, where it goes, and its values or range.

    Attributes:
        name: the path (or, for a custom evaluation function, a free name).
        param: the declaration (type and bounds) its values are validated against.
        target: where the value goes in a scenario (None for a custom function).
        values: explicit values (grid and list designs).
        low: lower end of the range sampled (default: the declared bound).
        high: upper end of the range sampled (default: the declared bound).
        levels: evenly spaced grid values over the range (grid designs).
    """

    name: str
    param: Param
    target: Target | None = None
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    levels: int | None = None

    @property
    def numeric(self) -> bool:
        """Whether values are numbers (so the parameter can be sampled over a range)."""
        return self.param.kind in (int, float)

    def convert(self, x: float) -> Any:
        """A sampled number as a value of this parameter (integers rounded)."""
        return int(round(x)) if self.param.kind is int else float(x)

    def grid(self, default_levels: int) -> list[Any]:
        """The grid values: the explicit ones, or ``levels`` evenly spaced over the range."""
        if self.values is not None:
            return list(self.values)
        levels = self.levels or default_levels
        raw = np.linspace(self.low, self.high, levels) if levels > 1 else [self.low]
        return list(dict.fromkeys(self.convert(x) for x in raw))

    def describe(self) -> dict[str, Any]:
        """The parameter as plain data (for the definition file and its hash)."""
        return {"name": self.name, "type": self.param.kind.__name__, "values":
                None if self.values is None else list(self.values), "low": self.low,
                "high": self.high, "levels": self.levels}


def as_values(spec: Any) -> Any:
    """A list, tuple or numpy array of values (a definition given from Python may hold
    ``np.arange(4, 9)``) as a list of plain Python values (:func:`~sim.inputs.params.plain`);
    a numpy scalar as its Python value; anything else as it is."""
    if isinstance(spec, (list, tuple)) or (isinstance(spec, np.ndarray) and spec.ndim > 0):
        return [plain(v) for v in spec]
    return plain(spec)


def check_value(param: Param, value: Any, key: str, source: str) -> Any:
    """``value`` validated against its declaration (a problem raised as a SweepError)."""
    try:
        return param.validate(value, key)
    except ParamError as err:
        raise SweepError(source, err.key, err.message) from None


def parse_parameter(name: str, spec: Any, param: Param, target: Target | None, key: str,
                    source: str) -> Parameter:
    """Validate one ``[vary]`` entry: a list of values (or a tuple or numpy array of them) or
    a range table."""
    spec = as_values(spec)
    if isinstance(spec, list):
        if not spec:
            raise SweepError(source, key, "an empty list; give at least one value")
        values = tuple(check_value(param, v, key, source) for v in spec)
        if len(set(values)) != len(values):
            raise SweepError(source, key, f"{spec!r} repeats a value")
        return Parameter(name, param, target, values=values)
    if not isinstance(spec, dict):
        raise SweepError(source, key, f"{spec!r} is not allowed; expected a list of values or "
                         "a range table {low = ..., high = ..., levels = ...} ({} for the "
                         "declared bounds)")
    for k in spec:
        if k not in RANGE_KEYS:
            raise SweepError(source, f"{key}.{k}", f"unknown key '{k}'; allowed: "
                             f"{', '.join(RANGE_KEYS)}")
    if "values" in spec:
        if set(spec) != {"values"}:
            raise SweepError(source, key, "give either values or a range (low, high, levels)")
        return parse_parameter(name, spec["values"], param, target, f"{key}.values", source)
    if param.kind not in (int, float):
        raise SweepError(source, key, f"a {param.kind.__name__} parameter has no range; give "
                         "its values as a list")
    low, high = spec.get("low", param.low), spec.get("high", param.high)
    if low is None or high is None:
        raise SweepError(source, key, "no declared bounds; give low and high")
    low = check_value(param, low, f"{key}.low", source)
    high = check_value(param, high, f"{key}.high", source)
    if not low < high:
        raise SweepError(source, key, f"low {low:g} is not below high {high:g}")
    levels = plain(spec.get("levels"))
    if levels is not None and (isinstance(levels, bool) or not isinstance(levels, int)
                               or levels < 1):
        raise SweepError(source, f"{key}.levels", f"{levels!r} is not allowed; expected a "
                         "whole number >= 1")
    return Parameter(name, param, target, low=float(low), high=float(high), levels=levels)


def flatten(table: dict[str, Any], leaf: Callable[[Any], bool], prefix: str = "") -> \
        dict[str, Any]:
    """``{"a": {"b": v}}`` as ``{"a.b": v}`` (TOML writes an unquoted dotted key as nested
    tables); ``leaf`` says which values end a path."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not leaf(value):
            flat.update(flatten(value, leaf, path + "."))
        else:
            flat[path] = value
    return flat


def is_range(value: Any) -> bool:
    """Whether a ``[vary]`` value is a range table (so it ends a path)."""
    return isinstance(value, dict) and all(k in RANGE_KEYS for k in value)


# ---------------------------------------------------------------------------------------------
# free parameters and list designs


def free_parameter(path: str, key: str, spec: Any, source: str) -> tuple[Param, None]:
    """The declaration of a custom function's parameter, from its values or range."""
    spec = as_values(spec)
    if isinstance(spec, dict) and "values" in spec:
        spec = {**spec, "values": as_values(spec["values"])}
    if path in RESERVED_NAMES:
        raise SweepError(source, key, f"'{path}' names a column of the results; call the "
                         "parameter something else")
    sample = spec[0] if isinstance(spec, list) and spec else (
        spec.get("values", [0.0])[0] if isinstance(spec, dict) and spec.get("values") else 0.0)
    kind_default = sample if isinstance(sample, (bool, str, int, float)) else 0.0
    if isinstance(kind_default, int) and not isinstance(kind_default, bool):
        kind_default = 0.0  # free numbers are real numbers
    return Param(path, kind_default, "", f"parameter {path}"), None


def list_points(entries: Any, resolve: Callable, base: Scenario | None, source: str) -> \
        tuple[list[Parameter], list[dict[str, Any]]]:
    """The parameters and validated points of a list design."""
    entries = as_values(entries)
    if not isinstance(entries, list) or not entries:
        raise SweepError(source, "points", "a list design needs [[points]] tables, each "
                         "setting parameters by path")
    flat_points = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not entry:
            raise SweepError(source, f"points[{i}]", "expected a table of path = value")
        flat_points.append(flatten(entry, lambda v: False))
    names = list(dict.fromkeys(k for p in flat_points for k in p))
    declared = {n: resolve(n, f"points.{n}", [flat_points[0].get(n, 0.0)]) for n in names}
    parameters, points = [], []
    for i, flat in enumerate(flat_points):
        point = {}
        for n in names:
            param, target = declared[n]
            if n in flat:
                point[n] = check_value(param, flat[n], f"points[{i}].{n}", source)
            elif target is not None:
                point[n] = scenario_value(base, target)
            else:
                raise SweepError(source, f"points[{i}]", f"does not set '{n}' (each point of a "
                                 "function sweep sets every parameter)")
        points.append(point)
    for n in names:
        param, target = declared[n]
        parameters.append(Parameter(n, param, target,
                                    values=tuple(dict.fromkeys(p[n] for p in points))))
    return parameters, points


def no_duplicate_targets(parameters: list[Parameter], source: str) -> None:
    """Check that no two parameters set the same value of the scenario."""
    seen: dict[Target, str] = {}
    for p in parameters:
        if p.target is not None and p.target in seen:
            raise SweepError(source, f"vary.{p.name}", f"the same parameter as "
                             f"'{seen[p.target]}'")
        if p.target is not None:
            seen[p.target] = p.name

