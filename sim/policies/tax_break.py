"""Tax incentives for cluster participants, like those of special economic zone residents
(report: "a favourable environment", tax incentives)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.network import cooperation_degree
from sim.phases.finance import RELIEFS
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Least R&D intensity of a firm targeted as innovative: 1% of sales with the assumed
#: intensities, times the model's R&D scale (assumed; sim.inputs.countries.rd_scale_of).
INNOVATIVE_RD = 0.01


class TaxBreak(Policy):
    """Targeted firms are forgiven a share of profit tax, VAT, property tax and import VAT on
    equipment while the policy is active. Its cost is the taxes foregone, which the finance
    phase books on the government. Firms keep more cash (investment follows cash flow),
    equipment is cheaper, and foreign investors favour relieved firms."""

    name = "tax_break"
    label = "Tax breaks for cluster participants"
    report_section = "Favourable environment: tax incentives for cluster participants"
    effects = ("grant_tax_reliefs",)
    param_specs = (
        Param("profit_relief", 1.0, "share", "share of profit tax forgiven", 0.0, 1.0),
        Param("vat_relief", 0.0, "share", "share of VAT forgiven", 0.0, 1.0),
        Param("property_relief", 1.0, "share", "share of property tax forgiven", 0.0, 1.0),
        Param("import_vat_relief", 1.0, "share", "share of import VAT on equipment forgiven",
              0.0, 1.0),
        Param("target", "cluster_members", "", "who gets the relief: firms with at least one "
              "cooperation tie, SMEs, firms doing R&D, park residents, or every firm",
              choices=("cluster_members", "smes", "innovative", "park_residents", "all")),
    )

    def apply(self, model: ClusterModel) -> None:
        """Grant the reliefs to this quarter's targeted firms."""
        effects.grant_tax_reliefs(model, self, self.targeted(model),
                                  {relief: self[relief] for relief in RELIEFS})

    def targeted(self, model: ClusterModel) -> np.ndarray:
        """Boolean mask of the firms the relief applies to."""
        f = model.firms
        target = self["target"]
        if target == "cluster_members":
            who = cooperation_degree(model) > 0
        elif target == "smes":
            who = f.is_sme()
        elif target == "innovative":
            who = f["rd_intensity"] >= INNOVATIVE_RD * model.rd_scale
        elif target == "park_residents":
            who = f["park"] >= 0
        else:
            who = np.ones(f.n, dtype=bool)
        return who & self.country_mask(model)
