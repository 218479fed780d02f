"""A state venture fund (report: project support, "venture funds and private investors for new
innovative firms", business incubators and spin-offs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: R&D intensity above which a young firm counts as innovative for the fund: 0.5% of sales
#: with the assumed intensities, times the model's R&D scale (assumed).
INNOVATIVE_RD = 0.005
#: A deal is split evenly between new equipment and cash for R&D: each gets deal /
#: DEAL_PARTS (assumed).
DEAL_PARTS = 2


class VentureFund(Policy):
    """A fund takes equity stakes in young innovative firms (spin-offs and firms with R&D,
    at most ``max_age`` quarters old), chosen by a competition on knowledge and R&D, each
    firm once. Half of a deal buys new equipment (a funded project), half is cash for the
    firm's R&D, whose intensity rises to at least ``rd_target`` under the investors. The
    prospect of equity makes universities spin off more firms (``spinoff_boost``) while the
    fund invests. Returns on the stakes are not modelled: the fiscal cost is the money put
    in."""

    name = "venture_fund"
    label = "Venture fund for new innovative firms"
    report_section = ("Project support: venture funds and private investors for new "
                      "innovative firms, incubators")
    monitored = True
    effects = ("spend", "raise_spinoff_rate", "fund_investment", "transfer_cash",
               "require_rd_intensity", "count_supported")
    param_specs = (
        Param("budget", 0.5, "USD m/quarter", "investment of each paying government",
              0.0, 1000.0),
        Param("deal_size", 0.1, "USD m", "equity per funded firm", 0.001, 100.0),
        Param("max_age", 16, "quarters", "oldest firm the fund invests in", 1, 400),
        Param("rd_target", 0.03, "share of sales", "least R&D intensity of a funded firm "
              "(by default 3% with the assumed R&D intensities, times the R&D scale of the "
              "scenario's fitted values)", 0.0, 0.5, scaled_by="rd_scale"),
        Param("spinoff_boost", 0.5, "share", "rise of universities' spin-off rate while the "
              "fund invests", 0.0, 10.0),
    )

    def initialize(self, model: ClusterModel) -> None:
        """No stakes yet."""
        self.portfolio: set[int] = set()

    def apply(self, model: ClusterModel) -> None:
        """Invest this quarter's budget in the best young innovative firms."""
        f = model.firms
        budget = self.budget(model)
        deal = self["deal_size"]
        held = np.fromiter(self.portfolio, dtype=np.int64, count=len(self.portfolio))
        young = (model.quarter - f["born"] <= self["max_age"]) & ~np.isin(f.ids, held)
        innovative = f["spinoff"] | (f["rd_intensity"] > INNOVATIVE_RD * model.rd_scale)
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            effects.raise_spinoff_rate(model, self, k,
                                       self["spinoff_boost"] * model.risks["implementation"])
            rows = np.flatnonzero(young & innovative & (f["country"] == k))
            count = min(self.affordable(self.available(model, budget), deal), rows.size)
            if count == 0:
                continue
            merit = f["knowledge"][rows] * (1.0 + f["spinoff"][rows]) \
                * self.rd_merit(model, rows)
            won = self.ranked(model, rows, merit)[:count]
            effects.fund_investment(model, self, won, deal / DEAL_PARTS, deal / DEAL_PARTS)
            effects.transfer_cash(model, self, deal / DEAL_PARTS, won)  # cash for R&D
            effects.require_rd_intensity(model, self, won, self["rd_target"])
            self.portfolio.update(f.ids[won].tolist())
            effects.count_supported(model, self, won)
            self.pay_delivered(model, code, deal * len(won), budget)
