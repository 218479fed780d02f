"""Parameter paths: a dotted name for every declared parameter of a scenario, and scenarios
built from values given by path.

``model.<param>``, ``risks.<risk>``, ``countries.AZ.<key>`` (or ``BY``),
``policies.<type>.<param>`` (the scenario's policy of that type) and
``policies.<type>[k].<param>`` (its k-th policy of that type, from 0). A path resolves to its
declaration (:class:`~sim.inputs.params.Param`: type and bounds), so sweeps sample within the
declared bounds and every value is validated. :func:`scenario_with` is the one way a scenario
is changed by path: sweeps, calibration, and the keywords of
:class:`~sim.model.ClusterModel` (so also ``mesa.batch_run``) go through it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.inputs.countries import COUNTRIES
from sim.inputs.params import (
    COUNTRY_BOUNDS,
    MODEL_PARAMS,
    RISK_PARAMS,
    Param,
    ParamError,
    country_param,
)
from sim.inputs.scenario import Scenario
from sim.policies import REGISTRY

#: What :func:`scenario_with` adds to the message for a policy the base scenario lacks.
ADD_MISSING_HINT = "add_missing_policies=True adds one with its defaults"


class MissingPolicy(ValueError):
    """A path names a policy type the base scenario does not have."""


@dataclass(frozen=True)
class Target:
    """Where a path's value goes in a scenario.

    Attributes:
        section: ``model``, ``risks``, ``countries`` or ``policies``.
        name: the parameter's name in that section.
        country: the country code (``countries`` only).
        index: position in ``Scenario.policies`` (``policies`` only).
    """

    section: str
    name: str
    country: str = ""
    index: int = -1


def resolve_path(path: str, base: Scenario) -> tuple[Target, Param]:
    """The target and declaration of a parameter path in ``base``.

    Raises:
        ValueError: the path names no declared parameter (the message says what is allowed).
    """
    section, _, rest = path.partition(".")
    if section == "model" or section == "risks":
        declared = MODEL_PARAMS if section == "model" else RISK_PARAMS
        if rest not in declared:
            raise ValueError(unknown_message(rest, declared, f"{section} parameter"))
        return Target(section, rest), declared[rest]
    if section == "countries":
        code, _, key = rest.partition(".")
        if code not in COUNTRIES:
            raise ValueError(f"unknown country '{code}'; expected countries.AZ.<key> or "
                             "countries.BY.<key>")
        if key not in COUNTRY_BOUNDS:
            raise ValueError(unknown_message(key, COUNTRY_BOUNDS, "country value"))
        return Target(section, key, country=code), country_param(key)
    if section == "policies":
        return _policy_target(rest, base)
    raise ValueError("a path starts with model., risks., countries.AZ., countries.BY. or "
                     "policies.<type>.")


def _policy_target(rest: str, base: Scenario) -> tuple[Target, Param]:
    head, _, name = rest.rpartition(".")
    kind, bracket, index_text = head.partition("[")
    if not head or not name or (bracket and not index_text.endswith("]")):
        raise ValueError("expected policies.<type>.<param> or policies.<type>[k].<param>")
    if kind not in REGISTRY:
        raise ValueError(unknown_message(kind, REGISTRY, "policy type"))
    positions = [i for i, (k, _) in enumerate(base.policies) if k == kind]
    if not positions:
        present = sorted({k for k, _ in base.policies}) or ["none"]
        raise MissingPolicy(f"the base scenario has no '{kind}' policy (it has: "
                            f"{', '.join(present)})")
    if bracket:
        try:
            k = int(index_text[:-1])
        except ValueError:
            raise ValueError(f"[{index_text} is not an index; expected "
                             f"policies.{kind}[k].{name} with k a whole number") from None
        if not 0 <= k < len(positions):
            raise ValueError(f"the base scenario has {len(positions)} '{kind}' "
                             f"polic{'y' if len(positions) == 1 else 'ies'}; k must be in "
                             f"[0, {len(positions) - 1}]")
        position = positions[k]
    elif len(positions) > 1:
        raise ValueError(f"the base scenario has {len(positions)} '{kind}' policies; name one "
                         f"as policies.{kind}[0].{name} ... policies.{kind}"
                         f"[{len(positions) - 1}].{name}")
    else:
        position = positions[0]
    declared = REGISTRY[kind].declared()
    if name not in declared:
        raise ValueError(unknown_message(name, declared, f"parameter of policy '{kind}'"))
    return Target("policies", name, index=position), declared[name]


def unknown_message(key: str, allowed: Any, what: str) -> str:
    """The message for a name that is not among ``allowed``."""
    return f"unknown {what} '{key}'; allowed: {', '.join(sorted(allowed))}"


def scenario_value(base: Scenario, target: Target) -> Any:
    """The value ``base`` has at ``target``."""
    if target.section == "model":
        return base.model[target.name]
    if target.section == "risks":
        return base.risks[target.name]
    if target.section == "countries":
        return base.countries[target.country][target.name]
    kind, values = base.policies[target.index]
    if target.name in values:
        return values[target.name]
    return REGISTRY[kind].declared()[target.name].default_at(base.scales())  # set at build


def scenario_with(base: Scenario, values: Mapping[str, Any],
                  add_missing_policies: bool = False) -> Scenario:
    """A copy of ``base`` with values set by path, each validated against its declaration,
    e.g. ``scenario_with(full, {"risks.coordination": 0.5, "policies.sme_subsidy.budget": 4})``.
    Values may be numpy scalars (``np.int64`` from ``np.arange`` or the EMA Workbench,
    ``np.float64`` from SALib); they are stored as Python values.

    Args:
        base: the scenario to start from (left unchanged).
        values: path to value.
        add_missing_policies: a path ``policies.<type>.<param>`` to a policy type ``base``
            does not have adds one such policy with its declared defaults and the values given
            for it (without this, such a path is an error).

    Raises:
        ParamError: (a ValueError) naming the path: it names no declared parameter or a policy
            the base lacks, or its value is invalid, or a changed policy is inconsistent.
    """
    if add_missing_policies:
        base = with_missing_policies(base, values)
    resolved: dict[Target, Any] = {}
    paths: dict[Target, str] = {}
    for path, value in values.items():
        try:
            target, param = resolve_path(path, base)
        except MissingPolicy as err:
            hint = ("a path with an index adds none; name it as policies.<type>.<param>"
                    if add_missing_policies else ADD_MISSING_HINT)
            raise ParamError(path, f"{err}; {hint}") from None
        except ValueError as err:
            raise ParamError(path, str(err)) from None
        if target in resolved:
            raise ParamError(path, "sets the same parameter as another path given")
        resolved[target] = param.validate(value, path)
        paths[target] = path
    try:
        return with_values(base, resolved)
    except ParamError as err:  # a changed policy is inconsistent: name the path given
        given = [p for t, p in paths.items() if t.section == "policies" and t.name == err.key]
        raise ParamError(given[0], err.message) if given else err from None


def with_missing_policies(base: Scenario, paths: Iterable[str]) -> Scenario:
    """``base`` with one policy, at its declared defaults, of every type that a path
    ``policies.<type>.<param>`` names and ``base`` lacks (a path with an index,
    ``policies.<type>[k].<param>``, adds nothing)."""
    present = {kind for kind, _ in base.policies}
    missing = []
    for path in paths:
        section, _, rest = path.partition(".")
        kind = rest.rpartition(".")[0]
        if section == "policies" and kind in REGISTRY and kind not in present \
                and kind not in missing:
            missing.append(kind)
    if not missing:
        return base
    added = [(kind, REGISTRY[kind]().settled_values()) for kind in missing]
    return dataclasses.replace(base, policies=[*base.policies, *added])


def with_values(base: Scenario, values: Mapping[Target, Any], name: str | None = None) -> Scenario:
    """A copy of ``base`` with validated values set at their targets.

    Policies that changed are built once more, so constraints between their parameters (a
    policy's ``end`` not before its ``start``) are checked.

    Raises:
        ParamError: a changed policy is inconsistent (its key is the parameter's name).
    """
    model, risks = dict(base.model), dict(base.risks)
    countries = {code: dict(v) for code, v in base.countries.items()}
    policies = [(kind, dict(v)) for kind, v in base.policies]
    for target, value in values.items():
        if target.section == "model":
            model[target.name] = value
        elif target.section == "risks":
            risks[target.name] = value
        elif target.section == "countries":
            countries[target.country][target.name] = value
        else:
            policies[target.index][1][target.name] = value
    explicit = [set(base.explicit[i]) if i < len(base.explicit) else set()
                for i in range(len(policies))]
    for index in {t.index for t in values if t.section == "policies"}:
        kind, vals = policies[index]
        REGISTRY[kind](**vals)
    for target in values:
        if target.section == "policies":
            explicit[target.index].add(target.name)
    return dataclasses.replace(base, name=name or base.name, model=model, countries=countries,
                               policies=policies, risks=risks,
                               explicit=[frozenset(e) for e in explicit])
