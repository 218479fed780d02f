"""Effect sizes fitted to published evaluations (``sim/data/policy_fit.toml``, written by
``clustersim calibrate --instrument NAME --install``): they replace the declared defaults of
the instruments' parameters (:meth:`sim.policies.base.Policy.declared`)."""

from __future__ import annotations

import dataclasses
import functools
import tomllib
from pathlib import Path
from typing import Any

from sim.inputs.params import Param, ParamError

#: The installed fit.
POLICY_FIT_FILE = Path(__file__).resolve().parents[1] / "data" / "policy_fit.toml"


@functools.cache
def fitted_policy_values(path: Path = POLICY_FIT_FILE) -> dict[str, dict[str, dict[str, Any]]]:
    """Policy name -> parameter -> its entry (``value``, ``studies``, ``objective``); empty
    without a file. Raises ScenarioError naming the file and key if it is malformed."""
    from sim.inputs.scenario import ScenarioError  # (scenario.py imports the policies)

    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(str(path), "-", f"not valid TOML: {err}") from None
    for policy, params in data.items():
        if not isinstance(params, dict):
            raise ScenarioError(str(path), policy, "expected a table of parameters")
        for name, entry in params.items():
            if not isinstance(entry, dict) or "value" not in entry:
                raise ScenarioError(str(path), f"{policy}.{name}", "expected a table with "
                                    "a 'value'")
    return data


def with_fit(policy: str, params: tuple[Param, ...],
             path: Path = POLICY_FIT_FILE) -> dict[str, Param]:
    """``params`` by name, each fitted one with its fitted default and a source saying so."""
    from sim.inputs.scenario import ScenarioError  # (scenario.py imports the policies)

    fit = fitted_policy_values(path).get(policy, {})
    unknown = sorted(set(fit) - {p.name for p in params})
    if unknown:
        raise ScenarioError(str(path), f"{policy}.{unknown[0]}", "not a parameter of the "
                            f"policy; allowed: {', '.join(p.name for p in params)}")
    out = {}
    for p in params:
        if p.name in fit:
            entry = fit[p.name]
            try:
                value = p.validate(entry["value"], f"{policy}.{p.name}")
            except ParamError as err:
                raise ScenarioError(str(path), err.key, err.message) from None
            studies = ", ".join(entry.get("studies", []))
            p = dataclasses.replace(p, default=value, source=f"fitted to {studies} "
                                    "(sim/data/policy_fit.toml)")
        out[p.name] = p
    return out
