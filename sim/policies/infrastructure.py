"""Targeted investment in engineering and transport infrastructure (report: "a favourable
environment", infrastructure investment; lower transaction and logistics costs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Countries whose infrastructure stocks together drive the corridor: the cross-border cut
#: follows the mean of the two stocks, ``1 - exp(-sum / (CORRIDOR_COUNTRIES x scale))`` (by
#: definition).
CORRIDOR_COUNTRIES = 2.0


class Infrastructure(Policy):
    """Each paying government invests its budget in roads, rail, logistics terminals and
    utilities; what reaches the ground adds to an infrastructure stock that depreciates
    slowly and stays after the programme ends. The stock lowers trade costs with diminishing
    returns (``1 - exp(-stock / scale)`` of the largest possible cut): cross-border costs
    between the two countries most (from both countries' stocks, as far as the governments
    coordinate the corridor), costs to third markets less (own stock), and with better
    logistics fewer deliveries of the country's suppliers arrive late: buyers receive more on
    time, while the suppliers' own delivery discipline is their own."""

    name = "infrastructure"
    label = "Engineering and transport infrastructure"
    report_section = "Favourable environment: targeted engineering and transport infrastructure"
    effects = ("spend", "set_trade_costs", "set_logistics")
    param_specs = (
        Param("budget", 2.0, "USD m/quarter", "investment of each paying government",
              0.0, 10000.0),
        Param("scale", 100.0, "USD m", "infrastructure stock that achieves 63% of the largest "
              "cuts (diminishing returns)", 1.0, 1e6),
        Param("partner_cut", 0.4, "share", "largest cut of the cross-border trade cost between "
              "the two countries", 0.0, 1.0),
        Param("third_cut", 0.15, "share", "largest cut of the trade cost to third markets",
              0.0, 1.0),
        Param("delivery_gain", 0.1, "share", "largest share of late deliveries that better "
              "logistics removes", 0.0, 1.0),
        Param("depreciation", 0.005, "/quarter", "depreciation of the infrastructure stock",
              0.0, 0.1),
    )

    def initialize(self, model: ClusterModel) -> None:
        """Trade costs without the programme and an empty stock per country."""
        self.base_trade_cost = model.trade_cost.copy()
        self.stock = np.zeros(2)

    def step(self, model: ClusterModel) -> None:
        """Invest while active; the stock (and its effect) outlives the programme."""
        if self.is_active(model.quarter):
            budget = self.budget(model)
            for code in self.countries():
                k = 0 if code == "AZ" else 1
                self.stock[k] += self.available(model, budget)
                self.pay(model, code, budget)
        self.stock *= 1.0 - self["depreciation"]
        self._stock_effects(model)

    def apply(self, model: ClusterModel) -> None:
        """Investing is done in :meth:`step`."""

    def _stock_effects(self, model: ClusterModel) -> None:
        """Trade costs and logistics as the stock now stands."""
        reach = 1.0 - np.exp(-self.stock / self.money(model, "scale"))
        corridor = 1.0 - np.exp(-self.stock.sum() * model.risks["coordination"]
                                / (CORRIDOR_COUNTRIES * self.money(model, "scale")))
        effects.set_trade_costs(
            model, self,
            partner=self.base_trade_cost[:, 1] * (1.0 - self["partner_cut"] * corridor),
            third=self.base_trade_cost[:, 2] * (1.0 - self["third_cut"] * reach))
        effects.set_logistics(model, self, self["delivery_gain"] * reach)
