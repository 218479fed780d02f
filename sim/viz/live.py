"""One browser session's run: a live model, the baseline it is compared with, and the policy
switches that act on it mid-run.

The page steps the model from a worker thread while the user changes policies from the page's
own thread; every access to the model goes through :class:`LiveRun`, which holds a lock.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from sim.experiments.runs import model_table, run_model
from sim.inputs.fitted import FittedValues, fitted_in_use
from sim.inputs.params import ParamError
from sim.inputs.scenario import SCENARIO_DIR, bundled_scenarios, load_scenario
from sim.model import ClusterModel
from sim.policies import REGISTRY, Policy

T = TypeVar("T")

#: The scenario every run is compared with.
BASELINE_FILE = SCENARIO_DIR / "baseline.toml"


def scenario_files() -> dict[str, Path]:
    """The bundled scenarios by name (file stem), baseline first."""
    return {path.stem: path for path in bundled_scenarios()}


@functools.lru_cache(maxsize=16)
def _baseline(seed: int, model_items: tuple[tuple[str, Any], ...],
              fitted: FittedValues) -> np.ndarray:
    scenario = load_scenario(BASELINE_FILE, fitted=fitted).with_model(**dict(model_items))
    array = run_model(scenario, seed).indicator_array()
    array.setflags(write=False)  # shared by every session that asks for it
    return array


def baseline_trajectory(seed: int, model_values: Mapping[str, Any],
                        fitted: FittedValues | None = None) -> np.ndarray:
    """Indicators of the baseline scenario run with ``seed``, the same model parameters
    (including the horizon ``steps``) and the same fitted values (None: those in use): array
    (steps + 1, 3 countries, n indicators).

    Computed once per seed, parameter set and fit and cached (about 1 s per 40 quarters).
    """
    return _baseline(seed, tuple(sorted(model_values.items())),
                     fitted_in_use() if fitted is None else fitted)


@dataclass(frozen=True)
class Change:
    """A change made to a running model from the page.

    Attributes:
        quarter: the last quarter run when it was made; it acts from the next one.
        text: what changed, e.g. ``tax_break on`` (as the run's data name it).
        switched: for a policy switched on or off, ``"on"`` or ``"off"`` (else ``""``).
        policy: the policy's key for a switch.
    """

    quarter: int
    text: str
    switched: str = ""
    policy: str = ""

    def label(self, lang: str = "en") -> str:
        """What changed and after which quarter, for the page in ``lang``: a switch in words,
        a parameter's new value as ``policy.key = value``."""
        from sim.i18n import t

        what = (t(f"msg.viz.switched_{self.switched}", lang, policy=self.policy)
                if self.switched else self.text)
        return t("msg.viz.after_quarter", lang, what=what, quarter=self.quarter)


class LiveRun:
    """A scenario run one quarter at a time, with policies switched on and off as it goes.

    Args:
        scenario_file: a scenario file (e.g. one of :func:`scenario_files`).
        seed: seed of the run.
        model_values: model parameters to change from the scenario's (validated).
        risk_values: risk parameters to change from the scenario's (validated).

    Raises:
        ScenarioError: the file or a value is invalid.

    Attributes:
        spec: the validated scenario of the run, overrides applied.
        seed: the seed.
        model: the live :class:`~sim.model.ClusterModel`.
        horizon: the last quarter of the run (the scenario's ``model.steps``).
        changes: the changes made from the page, in order.
    """

    def __init__(self, scenario_file: Path, seed: int = 0,
                 model_values: Mapping[str, Any] | None = None,
                 risk_values: Mapping[str, Any] | None = None) -> None:
        spec = load_scenario(scenario_file)
        self.spec = spec.with_model(**(model_values or {})).with_risks(**(risk_values or {}))
        self.scenario_file = Path(scenario_file)
        self.seed = seed
        self.model = ClusterModel(self.spec, seed=seed)
        self.horizon = int(self.spec.model["steps"])
        self.changes: list[Change] = []
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ reading
    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.spec.name

    @property
    def quarter(self) -> int:
        """The last quarter run (0 = the starting state)."""
        return self.model.quarter

    @property
    def finished(self) -> bool:
        """Whether the run has reached its horizon."""
        return self.quarter >= self.horizon

    def read(self, reader: Callable[[ClusterModel], T]) -> T:
        """``reader(model)``, called while no step or policy change is under way."""
        with self._lock:
            return reader(self.model)

    def indicators(self) -> np.ndarray:
        """Indicators so far: array (quarter + 1, 3 countries, n indicators)."""
        return self.read(lambda m: m.indicator_array())

    def baseline(self) -> np.ndarray:
        """The baseline scenario's indicators over the whole horizon, same seed, model
        parameters and fitted values (see :func:`baseline_trajectory`)."""
        return baseline_trajectory(self.seed, self.spec.model, self.spec.fitted)

    def label(self) -> str:
        """The scenario's name and the changes made from the page, for tables and files."""
        return "; ".join([self.name, *(f"{c.text} after quarter {c.quarter}"
                                       for c in self.changes)])

    def table(self) -> pd.DataFrame:
        """The tidy indicators table of the run so far (as ``clustersim run`` writes it)."""
        return self.read(lambda m: model_table(m, self.label()))

    # ------------------------------------------------------------------ running
    def step(self) -> bool:
        """Run one quarter; False (and nothing done) once the horizon is reached."""
        with self._lock:
            if self.finished:
                return False
            self.model.step()
            return True

    # ------------------------------------------------------------------ policies
    def instances(self, name: str) -> list[Policy]:
        """The model's policies of type ``name`` (empty if the run has none)."""
        return [p for p in self.model.policies if p.name == name]

    def is_on(self, name: str) -> bool:
        """Whether a policy of type ``name`` is in the run and enabled."""
        return any(p["enabled"] for p in self.instances(name))

    def policy_values(self, name: str) -> dict[str, Any] | None:
        """Parameter values of the run's (first) policy of type ``name``, or None."""
        found = self.instances(name)
        return dict(found[0].values) if found else None

    def switch(self, name: str, on: bool, values: Mapping[str, Any] | None = None) -> None:
        """Switch the policies of type ``name`` on or off from the next quarter.

        A policy the run does not have yet is created with ``values`` (validated; defaults
        for the rest) when switched on, and acts from the next quarter.

        Raises:
            KeyError: ``name`` is not a registered policy.
            ParamError: a value is invalid.
        """
        cls = REGISTRY[name]
        with self._lock:
            found = self.instances(name)
            if found:
                for policy in found:
                    policy.set("enabled", on)
            elif on:
                self.model.add_policy(cls(**{**(values or {}), "enabled": True}))
            else:
                return
            word = "on" if on else "off"
            self.changes.append(Change(self.quarter, f"{name} {word}", word, name))

    def set_policy(self, name: str, key: str, value: Any) -> None:
        """Change a parameter of the run's policies of type ``name`` from the next quarter.

        Raises:
            ParamError: the value is invalid (nothing changes).
            KeyError: the run has no such policy or the policy no such parameter.
        """
        with self._lock:
            found = self.instances(name)
            if not found:
                raise KeyError(f"the run has no {name} policy")
            for policy in found:  # check every one before changing any
                after = {**policy.values, key: policy.declared()[key].validate(value, key)}
                if after["end"] < after["start"]:
                    raise ParamError(key, f"end {after['end']} would come before start "
                                     f"{after['start']}")
            for policy in found:
                policy.set(key, value)
            self.changes.append(Change(self.quarter, f"{name}.{key} = {value}"))
