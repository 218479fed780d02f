"""Competitive subsidies for SME investment projects (report: implementation block,
"competitive subsidies to SMEs under state support programmes")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.params import Param
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel


class SmeSubsidy(Policy):
    """Each quarter SMEs apply with an investment project; a competition ranks them and the
    best are co-funded until the budget is spent. The funded project (grant plus co-funding)
    is invested on top of the firm's own plans, in new equipment at its reachable technology.
    Ranking noise models mistargeting."""

    name = "sme_subsidy"
    label = "Competitive SME project subsidies"
    report_section = "Implementation: competitive subsidies to SMEs (state support programmes)"
    params = (
        Param("budget", 2.0, "USD m/quarter", "grant budget of each paying government",
              0.0, 1000.0),
        Param("grant_share", 0.5, "share", "share of a project's cost the grant covers",
              0.0, 1.0),
        Param("project_size", 0.5, "x capital", "size of an applicant's project relative to "
              "its equipment", 0.01, 5.0),
        Param("max_grant", 0.3, "USD m", "largest grant to one firm in a quarter", 0.0, 100.0),
        Param("target", "innovative", "", "who wins the competition: innovative SMEs "
              "(knowledge, R&D) or the most productive SMEs",
              choices=("innovative", "productive")),
        Param("selection_noise", 0.0, "log-sd", "noise in the ranking of applicants "
              "(mistargeting risk)", 0.0, 5.0),
        Param("implementation", 1.0, "share", "share of the budget that reaches firms "
              "(the rest is lost to weak local implementation)", 0.0, 1.0),
    )

    def apply(self, model: ClusterModel) -> None:
        """Run this quarter's competition in each paying country."""
        f = model.firms
        for code in self.countries():
            gov = model.governments[code]
            eligible = np.flatnonzero(f.is_sme() & (f["country"] == gov.country_index))
            if eligible.size == 0 or self["budget"] <= 0:
                continue
            winners, grants = self._select(model, eligible)
            f["grant"][winners] += grants
            # the funded project is the grant plus the firm's co-funding, on top of its plans
            f["funded_project"][winners] += grants / max(self["grant_share"], 1e-9)
            f["supported_until"][winners] = model.quarter + 3
            # what weak implementation loses is spent all the same
            lost = 1.0 - self["implementation"]
            spent = self["budget"] if lost >= 1.0 else min(self["budget"],
                                                           grants.sum() / (1.0 - lost))
            gov.spend(spent, self.name)

    def _select(self, model: ClusterModel, eligible: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        f, rng = model.firms, model.rng
        if self["target"] == "innovative":
            merit = f["knowledge"][eligible] * (1.0 + 50.0 * f["rd_intensity"][eligible])
        else:
            merit = f["productivity"][eligible]
        if self["selection_noise"] > 0:  # no draw without noise: runs stay comparable
            merit = merit * np.exp(self["selection_noise"]
                                   * rng.standard_normal(eligible.size))
        order = eligible[np.argsort(-merit, kind="stable")]
        asked = np.minimum(self["grant_share"] * self["project_size"] * f["capital"][order],
                           self["max_grant"])
        available = self["budget"] * self["implementation"]
        funded = (np.cumsum(asked) <= available) & (asked > 0)
        return order[funded], asked[funded]
