"""Competitive subsidies for SME investment projects (report: implementation block,
"competitive subsidies to SMEs under state support programmes")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.phases.investment import financing_room, own_plan
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel


class SmeSubsidy(Policy):
    """Each quarter SMEs that can pay their share of an investment project from their own
    funds (cash above a wage reserve and the credit they can still take) apply with it; a
    competition ranks them and the best are co-funded until the budget is spent. Winners
    whose own investment plan this quarter already covers the project, and who could pay it,
    are counted as deadweight. The funded project (grant plus co-funding)
    is invested on top of the firm's own plans, in new equipment at its reachable technology.
    The scenario's risks apply: mistargeting blurs the ranking, weak implementation loses
    part of the budget."""

    name = "sme_subsidy"
    label = "Competitive SME project subsidies"
    report_section = "Implementation: competitive subsidies to SMEs (state support programmes)"
    monitored = True
    effects = ("spend", "fund_investment", "count_supported")
    param_specs = (
        Param("budget", 2.0, "USD m/quarter", "grant budget of each paying government",
              0.0, 1000.0),
        Param("grant_share", 0.5, "share", "share of a project's cost the grant covers",
              0.01, 1.0),
        Param("project_size", 0.5, "x capital", "size of an applicant's project relative to "
              "its equipment", 0.01, 5.0),
        Param("max_grant", 0.3, "USD m", "largest grant to one firm in a quarter", 0.0, 100.0),
        Param("target", "innovative", "", "who wins the competition: innovative SMEs "
              "(knowledge, R&D) or the most productive SMEs",
              choices=("innovative", "productive")),
    )

    def apply(self, model: ClusterModel) -> None:
        """Run this quarter's competition among the applicants in each paying country."""
        f = model.firms
        budget = self.budget(model)
        _, plan = own_plan(model)
        room = financing_room(model)
        for code in self.countries():
            gov = model.governments[code]
            eligible = np.flatnonzero(f.is_sme() & (f["country"] == gov.country_index))
            if eligible.size == 0 or budget <= 0:
                continue
            # a firm applies when it can pay its share of the project from its own funds
            project = self["project_size"] * f["capital"][eligible]
            applies = (1.0 - self["grant_share"]) * project <= room[eligible]
            winners, grants = self._select(model, eligible[applies], budget)
            # the funded project is the grant plus the firm's co-funding, on top of its plans
            projects = grants / max(self["grant_share"], 1e-9)
            effects.fund_investment(model, self, winners, grants, projects)
            effects.count_supported(model, self, winners)
            # deadweight: its own plan this quarter already invests as much, and it can pay
            anyway = (plan[winners] >= projects) & (room[winners] >= projects)
            self.record_take_up(code, winners.size, int(anyway.sum()), float(grants.sum()),
                                float((projects - grants).sum()))
            self.pay_delivered(model, code, float(grants.sum()), budget)

    def _select(self, model: ClusterModel, eligible: np.ndarray, budget: float
                ) -> tuple[np.ndarray, np.ndarray]:
        f = model.firms
        if self["target"] == "innovative":
            merit = f["knowledge"][eligible] * self.rd_merit(model, eligible)
        else:
            merit = f["productivity"][eligible]
        order = self.ranked(model, eligible, merit)
        asked = np.minimum(self["grant_share"] * self["project_size"] * f["capital"][order],
                           self["max_grant"])
        funded = (np.cumsum(asked) <= self.available(model, budget)) & (asked > 0)
        return order[funded], asked[funded]
