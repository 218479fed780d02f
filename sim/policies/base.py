"""The policy interface and the registry of instruments by name.

A policy is declared by subclassing :class:`Policy` with a ``name`` and a tuple of typed
``params``; defining the class registers it, so a scenario file can name it. The model calls
``initialize`` once, ``apply`` every quarter inside the policy's active window (at the first
phase of the step, before firms act) and ``finalize`` after the last step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from sim.params import Param, ParamError

if TYPE_CHECKING:
    from sim.model import ClusterModel

REGISTRY: dict[str, type[Policy]] = {}

#: Parameters every policy has.
COMMON_PARAMS: tuple[Param, ...] = (
    Param("country", "both", "", "which government runs it", choices=("AZ", "BY", "both")),
    Param("start", 0, "quarter", "first quarter the policy acts", 0, 2000),
    Param("end", 2000, "quarter", "last quarter the policy acts (inclusive)", 0, 2000),
    Param("enabled", True, "", "switch the policy on or off"),
)


class Policy:
    """Base class of a policy instrument (covasim-style intervention).

    Subclasses set ``name``, ``label``, ``report_section`` and ``params`` and implement
    ``apply``; they may override ``initialize`` and ``finalize``.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    report_section: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            REGISTRY[cls.name] = cls

    def __init__(self, **values: Any) -> None:
        declared = self.declared()
        unknown = sorted(set(values) - set(declared))
        if unknown:
            raise ParamError(unknown[0], f"unknown parameter of policy '{self.name}'; "
                             f"allowed: {', '.join(declared)}")
        self.values = {
            k: p.validate(values[k], k) if k in values else p.default for k, p in declared.items()
        }
        if self.values["end"] < self.values["start"]:
            raise ParamError("end", f"{self.values['end']} is before start "
                             f"{self.values['start']}; expected an integer in "
                             f"[{self.values['start']}, 2000] (quarter)")

    @classmethod
    def declared(cls) -> dict[str, Param]:
        """All parameters of this policy (common ones first), by name."""
        return {p.name: p for p in (*COMMON_PARAMS, *cls.params)}

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def set(self, key: str, value: Any) -> None:
        """Change a parameter during a run (e.g. from the browser view), validated."""
        self.values[key] = self.declared()[key].validate(value, key)

    def countries(self) -> tuple[str, ...]:
        """The governments that run this policy."""
        return ("AZ", "BY") if self.values["country"] == "both" else (self.values["country"],)

    def country_mask(self, model: ClusterModel) -> np.ndarray:
        """Boolean mask over firms located in this policy's countries."""
        codes = [0 if c == "AZ" else 1 for c in self.countries()]
        return np.isin(model.firms.col("country"), codes)

    def is_active(self, step: int) -> bool:
        """Whether the policy acts in quarter ``step``."""
        v = self.values
        return v["enabled"] and v["start"] <= step <= v["end"]

    def initialize(self, model: ClusterModel) -> None:
        """Set up once before the first step (default: nothing)."""

    def apply(self, model: ClusterModel) -> None:
        """Act in one quarter of the active window."""
        raise NotImplementedError

    def finalize(self, model: ClusterModel) -> None:
        """Clean up after the last step (default: nothing)."""

    def describe(self) -> str:
        """One line: name and parameter values."""
        vals = ", ".join(f"{k}={v}" for k, v in self.values.items())
        return f"{self.name}({vals})"
