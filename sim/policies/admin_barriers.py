"""Removal of administrative barriers (report: "a favourable environment", fast-track state
expertise of project documents)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel


class AdminBarriers(Policy):
    """The government runs a fast-track service for the state expertise of project documents
    and cuts procedures: the country's administrative-barrier index falls by ``reduction``
    of its value, phased in over ``phase_in`` quarters (as far as local authorities
    implement it). A lower barrier shortens investment lags, speeds product projects to
    market and raises SME entry. The service costs ``operating_cost`` a quarter; when it
    stops, the barrier creeps back at the same pace."""

    name = "admin_barriers"
    label = "Administrative-barrier reduction (fast-track expertise)"
    report_section = ("Favourable environment: removing administrative barriers, fast-track "
                      "state expertise of project documents")
    effects = ("spend", "set_admin_barrier")
    param_specs = (
        Param("reduction", 0.4, "share", "share of the barrier index removed", 0.0, 1.0),
        Param("phase_in", 8, "quarters", "quarters until the full reduction", 1, 80),
        Param("operating_cost", 0.2, "USD m/quarter", "cost of the fast-track service and "
              "the reform", 0.0, 1000.0),
    )

    def initialize(self, model: ClusterModel) -> None:
        """Barriers without the reform; no progress yet."""
        self.base_barrier = model.admin_barrier.copy()
        self.progress = np.zeros(2)

    def apply(self, model: ClusterModel) -> None:
        """Advance the reform and pay for the service."""
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            self.progress[k] = min(self.progress[k] + 1.0 / self["phase_in"], 1.0)
            self.pay(model, code, self.money(model, "operating_cost"))
        self._set(model)

    def after_end(self, model: ClusterModel) -> None:
        """The reform unwinds at the pace it came in."""
        self.progress = np.maximum(self.progress - 1.0 / self["phase_in"], 0.0)
        self._set(model)

    def _set(self, model: ClusterModel) -> None:
        cut = self["reduction"] * model.risks["implementation"] * self.progress
        effects.set_admin_barrier(model, self, self.base_barrier * (1.0 - cut))
