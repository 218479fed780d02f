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
#: Quarters over which a funded firm spends the R&D part of its round: two years, the usual
#: runway between venture rounds (assumed, range 6-12).
RUNWAY_QUARTERS = 8


class VentureFund(Policy):
    """A fund takes equity stakes in young innovative firms (spin-offs and firms with R&D,
    at most ``max_age`` quarters old), chosen by a competition on knowledge and R&D (the
    return it expects), each firm once. Half of a deal buys new equipment (a funded project),
    half is equity raised for R&D, which the firm spends on R&D over the round's two-year
    runway on top of its own plans: the fund sets no R&D level, the round finances the
    firm's plan. Firms whose cash would have paid for the round themselves are counted as
    deadweight. The prospect of equity makes universities spin off more firms
    (``spinoff_boost``) while the fund invests. Returns on the stakes are not modelled: the
    fiscal cost is the money put in."""

    name = "venture_fund"
    label = "Venture fund for new innovative firms"
    report_section = ("Project support: venture funds and private investors for new "
                      "innovative firms, incubators")
    monitored = True
    effects = ("spend", "raise_spinoff_rate", "fund_investment", "transfer_cash",
               "raise_equity_for_rd", "count_supported")
    param_specs = (
        Param("budget", 0.5, "USD m/quarter", "investment of each paying government",
              0.0, 1000.0),
        Param("deal_size", 0.1, "USD m", "equity per funded firm", 0.001, 100.0),
        Param("max_age", 16, "quarters", "oldest firm the fund invests in", 1, 400),
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
            effects.raise_equity_for_rd(model, self, won, deal / DEAL_PARTS, RUNWAY_QUARTERS)
            self.record_take_up(code, won.size, int((f["cash"][won] >= deal).sum()),
                                deal * won.size, 0.0)
            self.portfolio.update(f.ids[won].tolist())
            effects.count_supported(model, self, won)
            self.pay_delivered(model, code, deal * len(won), budget)
