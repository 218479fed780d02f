"""A joint cluster coordination body (report: support for joint clusters, a specialised
cluster-development organisation, strategic planning, motivation for cooperation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.inputs.params import Param
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel


class CoordinationBody(Policy):
    """A cluster-development organisation of the two governments brings participants
    together: firms of the paying countries meet more cross-border partners, judge them as
    closer and trust new cross-border ties as much as domestic ones, up to the trust those
    lack (``cross_border``, scaled by the governments' coordination; run by one government,
    only while the partner's own agencies act, see ``Policy.cross_border``;
    sim.network.search.start_trust), search for partners more often and
    value supply matches more (``matching``), and knowledge flows faster along existing ties
    (``information``). Costs ``operating_cost`` a quarter to each paying government; the
    effects stop when it closes."""

    name = "coordination_body"
    label = "Joint cluster coordination body"
    report_section = ("Support for joint clusters: a specialised cluster-development "
                      "organisation (joint coordination body)")
    effects = ("spend", "raise_cross_border_contact", "raise_matching", "raise_knowledge_flow")
    param_specs = (
        Param("operating_cost", 0.3, "USD m/quarter", "cost to each paying government",
              0.0, 1000.0),
        Param("cross_border", 0.25, "score", "added to the share of cross-border candidates "
              "in partner search, to their proximity and to the trust new cross-border ties "
              "start with (up to the trust they lack)", 0.0, 1.0),
        Param("matching", 0.3, "share", "rise of the partner-search rate and of the value of "
              "supply matches", 0.0, 5.0),
        Param("information", 0.3, "share", "rise of the rate at which knowledge flows along "
              "ties", 0.0, 5.0),
    )

    def apply(self, model: ClusterModel) -> None:
        """Set the shifters of the paying countries and pay for the body."""
        reach = model.risks["implementation"]
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            effects.raise_cross_border_contact(
                model, self, k, self["cross_border"] * self.cross_border(model) * reach)
            effects.raise_matching(model, self, k, self["matching"] * reach)
            effects.raise_knowledge_flow(model, self, k, self["information"] * reach)
            self.pay(model, code, self.money(model, "operating_cost"))
