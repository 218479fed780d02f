"""The model in the EMA Workbench: uncertainties and levers typed and bounded by the project's
declarations, outcomes from :func:`sim.evaluate`.

::

    from ema_workbench import SequentialEvaluator, perform_experiments
    import sim.ema

    model = sim.ema.build_model(
        base="full_package",
        uncertainties=["risks.mistargeting", "risks.implementation"],
        levers={"policies.sme_subsidy.budget": (0.0, 4.0)},
        outcomes=["JOINT.tech_exports", "JOINT.net_fiscal_cost"],
        seeds=5, steps=40, relative_to="baseline")
    experiments, outcomes = perform_experiments(model, scenarios=20, policies=4,
                                                evaluator=SequentialEvaluator(model))

An uncertainty or lever is a parameter path (as for :func:`sim.scenario_with`); its type and
bounds come from its declaration: an integer parameter becomes an ``IntegerParameter``, a
number a ``RealParameter``, a switch (``enabled``) a ``BooleanParameter`` and a choice (a
policy's ``country`` or ``target``) a ``CategoricalParameter``. Give them as a mapping to narrow
the range, ``{path: (low, high)}`` within the declared bounds, or to pick choices,
``{path: [choice, ...]}``. EMA names must be Python identifiers: a path's EMA name is the path
with every run of other characters replaced by ``_`` (``risks_mistargeting``,
``policies_sme_subsidy_budget``), and the model function receives the paths themselves. Each
outcome is a ``ScalarOutcome`` of the same kind of name (``JOINT_tech_exports``), to be
maximised or minimised as the indicator's declared direction says (the fiscal costs minimised).

Every experiment calls :func:`sim.evaluate` over all ``seeds`` (the median across them is the
outcome, or the median of the paired differences from ``relative_to``), so the Workbench needs
no replications of its own. ema-workbench is installed with the package (``./setup.sh``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.experiments.evaluation import BASE, evaluate, parse_outcome, scenario_of, seed_list
from sim.indicators import INDICATORS
from sim.inputs.parameter_paths import resolve_path
from sim.inputs.params import Param, ParamError
from sim.inputs.scenario import Scenario

if TYPE_CHECKING:
    from ema_workbench import Model

#: A path's specification: None (the declared bounds or choices), ``(low, high)`` or a list of
#: values.
Spec = tuple[float, float] | Sequence[Any] | None


def ema_name(path: str) -> str:
    """The EMA name of a path or outcome: other characters than letters, digits and ``_``
    replaced by ``_`` (``policies.sme_subsidy[1].budget`` -> ``policies_sme_subsidy_1_budget``)."""
    return re.sub(r"\W+", "_", path).strip("_")


@dataclass(frozen=True)
class Evaluation:
    """The model function: keyword values by path in, flat outcomes out (picklable, so a
    ``MultiprocessingEvaluator`` can send it to its workers)."""

    base: Scenario
    outcomes: tuple[str, ...]
    seeds: tuple[int, ...]
    steps: int | None
    relative_to: Scenario | str | None

    def __call__(self, **values: Any) -> dict[str, float]:
        """The outcomes of the base with ``values`` (by path)."""
        return evaluate(self.base, values, seeds=self.seeds, steps=self.steps,
                        outcomes=self.outcomes, relative_to=self.relative_to)


def ema_parameter(path: str, spec: Spec, base: Scenario):
    """The EMA parameter of a path: type and bounds from its declaration, narrowed by ``spec``.

    Raises:
        ValueError: the path names no declared parameter, or ``spec`` is outside the
            declaration (the message starts with the path).
    """
    import ema_workbench as ema

    try:
        _, param = resolve_path(path, base)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    name = ema_name(path)
    if param.kind is bool or param.choices:
        choices = (list(spec) if spec is not None else
                   [False, True] if param.kind is bool else list(param.choices))
        checked = [_checked(param, c, path) for c in choices]
        if len(set(checked)) < 2:
            raise ValueError(f"{path}: {choices!r} is not allowed; expected at least two "
                             f"distinct values, each {param.allowed()}")
        if param.kind is bool and sorted(checked) == [False, True]:
            return ema.BooleanParameter(name, variable_name=path)
        return ema.CategoricalParameter(name, checked, variable_name=path)
    if param.kind not in (int, float):
        raise ValueError(f"{path}: a {param.kind.__name__} parameter without declared choices "
                         "cannot be sampled")
    low, high = (param.low, param.high) if spec is None else _range(spec, path)
    low, high = _checked(param, low, path), _checked(param, high, path)
    if not low < high:
        raise ValueError(f"{path}: low {low:g} is not below high {high:g}")
    if param.kind is int:
        return ema.IntegerParameter(name, int(low), int(high), variable_name=path)
    return ema.RealParameter(name, float(low), float(high), variable_name=path)


def _range(spec: Any, path: str) -> tuple[Any, Any]:
    if isinstance(spec, (str, bytes)) or not isinstance(spec, Sequence) or len(spec) != 2:
        raise ValueError(f"{path}: {spec!r} is not allowed; expected (low, high) or None for "
                         "the declared bounds")
    return spec[0], spec[1]


def _checked(param: Param, value: Any, path: str) -> Any:
    try:
        return param.validate(value, path)
    except ParamError as err:
        raise ValueError(str(err)) from None


def _specs(paths: Sequence[str] | Mapping[str, Spec] | None) -> dict[str, Spec]:
    if paths is None:
        return {}
    if isinstance(paths, str):
        return {paths: None}
    if isinstance(paths, Mapping):
        return dict(paths)
    return dict.fromkeys(paths)


def outcome_kind(name: str) -> int:
    """MAXIMIZE, MINIMIZE or INFO for an outcome, from its indicator's direction (the fiscal
    costs are minimised)."""
    from ema_workbench import ScalarOutcome

    indicator = parse_outcome(name).indicator
    direction = INDICATORS[indicator].direction if indicator in INDICATORS else "lower"
    return {"higher": ScalarOutcome.MAXIMIZE,
            "lower": ScalarOutcome.MINIMIZE}.get(direction, ScalarOutcome.INFO)


def build_model(base: Scenario | str | Path,
                uncertainties: Sequence[str] | Mapping[str, Spec] | None = None,
                levers: Sequence[str] | Mapping[str, Spec] | None = None,
                outcomes: Sequence[str] = ("JOINT.tech_exports",),
                seeds: int | Sequence[int] = 10, steps: int | None = None,
                relative_to: Scenario | str | Path | None = None,
                name: str = "clustersim") -> Model:
    """An EMA Workbench ``Model`` of ``base`` whose function is :func:`sim.evaluate`.

    Args:
        base: a Scenario, the name of a bundled scenario or a scenario file (set values that
            stay fixed with :func:`sim.scenario_with` first).
        uncertainties: parameter paths, or ``{path: None | (low, high) | [values]}``.
        levers: the same for the levers.
        outcomes: outcome names of :func:`sim.evaluate` (``"JOINT.tech_exports"``, with
            ``.lo``/``.hi`` for an end of the band across seeds).
        seeds: seeds of every experiment (a number N: 0..N-1).
        steps: quarters (default: the base's ``model.steps``).
        relative_to: outcomes as paired differences from this scenario, or ``"base"`` for the
            base without the experiment's values (see :func:`sim.evaluate`).
        name: the EMA model's name (a Python identifier).

    Returns:
        The ``ema_workbench.Model``, ready for ``perform_experiments`` or ``optimize``.

    Raises:
        ValueError: a path, range, choice, outcome or seed is invalid, or a path is both an
            uncertainty and a lever; the message names it.
        ImportError: the EMA Workbench is not installed.
    """
    try:
        import ema_workbench as ema
    except ImportError as err:
        raise ImportError("sim.ema needs the EMA Workbench: pip install ema-workbench") from err
    scenario = scenario_of(base, "base")
    reference = (None if relative_to is None else BASE if relative_to == BASE
                 else scenario_of(relative_to, "relative_to"))
    wanted = tuple(outcomes)
    for outcome in wanted:
        parse_outcome(outcome)
    u_specs, l_specs = _specs(uncertainties), _specs(levers)
    both = sorted(set(u_specs) & set(l_specs))
    if both:
        raise ValueError(f"{both[0]}: both an uncertainty and a lever; give it once")
    names = [ema_name(p) for p in (*u_specs, *l_specs)]
    clash = sorted({n for n in names if names.count(n) > 1})
    if clash:
        raise ValueError(f"two paths have the same EMA name '{clash[0]}'")
    model = ema.Model(name, function=Evaluation(scenario, wanted, tuple(seed_list(seeds)),
                                                steps, reference))
    model.uncertainties = [ema_parameter(p, s, scenario) for p, s in u_specs.items()]
    model.levers = [ema_parameter(p, s, scenario) for p, s in l_specs.items()]
    model.outcomes = [ema.ScalarOutcome(ema_name(o), kind=outcome_kind(o), variable_name=o)
                      for o in wanted]
    return model
