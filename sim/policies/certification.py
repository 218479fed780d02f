"""Quality certification and management consulting (report: project support, management
quality: consulting, best practice, ISO 9000 quality-management certification; raising
suppliers' quality and competitiveness)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Merit every applicant has on top of its room for improvement (the gaps to best management
#: and to perfect delivery on their 0-1 scales, together at most 2), so a firm at best
#: practice still has some (assumed: small against the gaps).
BASE_ROOM = 0.1


class Certification(Policy):
    """Firms apply for co-funded consulting that ends in an ISO 9000 quality-management
    certificate; a competition picks them until the budget is spent, each firm once, by room
    for improvement in management and delivery (doubled for firms that supply cluster
    buyers, unless every firm is treated alike; with ``target = "smes"`` only SMEs may
    apply). The grant covers ``cost_share`` of the project, the firm the rest. A certified
    firm's management quality, delivery discipline and product quality each close part of
    their gap to the best practice: its productivity rises, and its buyers get more reliable,
    better inputs."""

    name = "certification"
    label = "Quality certification (ISO 9000) and management consulting"
    report_section = ("Project support: management quality, consulting and ISO 9000 "
                      "quality-management certification")
    monitored = True
    effects = ("spend", "raise_management", "raise_delivery", "raise_quality",
               "transfer_cash", "count_supported")
    param_specs = (
        Param("budget", 0.3, "USD m/quarter", "grant budget of each paying government",
              0.0, 1000.0),
        Param("cost_share", 0.5, "share", "share of a firm's project the grant covers",
              0.01, 1.0),
        Param("project_cost", 0.04, "USD m", "consulting and certification for one firm",
              0.001, 100.0),
        Param("mgmt_gain", 0.25, "share", "share of the gap to best management closed",
              0.0, 1.0),
        Param("delivery_gain", 0.3, "share", "share of the gap to perfect delivery discipline "
              "closed", 0.0, 1.0),
        Param("quality_gain", 0.1, "share", "share of the gap to top product quality closed",
              0.0, 1.0),
        Param("target", "suppliers", "", "who wins: suppliers to cluster buyers count double, "
              "only SMEs may apply, or every firm alike", choices=("suppliers", "smes", "all")),
    )

    def initialize(self, model: ClusterModel) -> None:
        """No firm is certified yet."""
        self.certified: set[int] = set()

    def apply(self, model: ClusterModel) -> None:
        """Run this quarter's competition and the winners' projects."""
        f = model.firms
        budget = self.budget(model)
        grant = self["cost_share"] * self["project_cost"]
        done = np.fromiter(self.certified, dtype=np.int64, count=len(self.certified))
        fresh = np.ones(f.n, dtype=bool)
        done = f.rows_of(done)
        fresh[done[done >= 0]] = False  # certified firms that are still here
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            ok = fresh & (f["country"] == k)
            if self["target"] == "smes":
                ok &= f.is_sme()
            rows = np.flatnonzero(ok)
            count = min(self.affordable(self.available(model, budget), grant), rows.size)
            if count == 0:
                continue
            won = self.ranked(model, rows, self._merit(model, rows))[:count]
            self._improve(model, won, grant)
            self.certified.update(f.ids[won].tolist())
            effects.count_supported(model, self, won)
            self.pay_delivered(model, code, grant * len(won), budget)

    def _merit(self, model: ClusterModel, rows: np.ndarray) -> np.ndarray:
        """Room for improvement, doubled for firms that supply cluster buyers."""
        f = model.firms
        room = BASE_ROOM + (1.0 - f["mgmt"][rows]) + (1.0 - f["delivery"][rows])
        if self["target"] == "suppliers":
            room = room * (1.0 + (f["sales_b2b"][rows] > 0))
        return room

    def _improve(self, model: ClusterModel, rows: np.ndarray, grant: float) -> None:
        effects.raise_management(model, self, rows, self["mgmt_gain"])
        effects.raise_delivery(model, self, rows, self["delivery_gain"])
        effects.raise_quality(model, self, rows, self["quality_gain"])
        effects.transfer_cash(model, self, -max(self["project_cost"] - grant, 0.0),
                              rows)  # the firm's share
