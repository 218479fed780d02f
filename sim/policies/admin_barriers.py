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
    """The government reforms its approval office (sim.phases.approvals): it cuts procedures,
    so each application takes ``procedure_cut`` less of its time, and runs a fast-track
    service that adds ``capacity`` of the office's staffing, both phased in over
    ``phase_in`` quarters and as far as local authorities implement them. Projects then
    wait less for approval, most where the office is congested, so investment arrives
    sooner, product projects reach the market sooner and more SMEs register; the barrier
    index follows from the queue. The service costs ``operating_cost`` a quarter; when it
    stops, the reform unwinds at the pace it came in."""

    name = "admin_barriers"
    label = "Administrative-barrier reduction (fast-track expertise)"
    report_section = ("Favourable environment: removing administrative barriers, fast-track "
                      "state expertise of project documents")
    effects = ("spend", "reform_approvals")
    param_specs = (
        Param("procedure_cut", 0.25, "share", "share of an application's procedure time "
              "removed", 0.0, 0.95),
        Param("capacity", 0.5, "share", "capacity the fast-track service adds to the "
              "approval office (share of its staffing)", 0.0, 5.0),
        Param("phase_in", 8, "quarters", "quarters until the full reform", 1, 80),
        Param("operating_cost", 0.2, "USD m/quarter", "cost of the fast-track service and "
              "the reform", 0.0, 1000.0),
    )

    def initialize(self, model: ClusterModel) -> None:
        """No progress yet."""
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
        done = model.risks["implementation"] * self.progress
        effects.reform_approvals(model, self, self["capacity"] * done,
                                 1.0 - self["procedure_cut"] * done)
