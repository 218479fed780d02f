"""A subcontracting exchange (report: project support, "a subcontracting mechanism":
information on free production capacity and demand, matching suppliers to producers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.network import add_tie
from sim.params import Param
from sim.policies.base import Policy
from sim.sectors import SUPPLIES

if TYPE_CHECKING:
    from sim.model import ClusterModel


class SubcontractingExchange(Policy):
    """An exchange publishes free production capacity and demand for inputs. Every quarter it
    proposes to buyers that import much of their inputs a supplier with free capacity in a
    sector that supplies theirs (in the other country too, as far as the governments
    coordinate); the match becomes a supply tie when its score passes the firms' threshold.
    Listing also makes firms search for partners more often and value supply matches more.
    Costs ``operating_cost`` a quarter."""

    name = "subcontracting_exchange"
    label = "Subcontracting exchange"
    report_section = ("Project support: a subcontracting mechanism (free capacity and demand, "
                      "matching suppliers to producers)")
    params = (
        Param("operating_cost", 0.15, "USD m/quarter", "cost to each paying government",
              0.0, 1000.0),
        Param("proposals", 0.05, "share", "share of importing buyers offered a supplier each "
              "quarter", 0.0, 1.0),
        Param("matching", 0.3, "share", "rise of the partner-search rate and of the value of "
              "supply matches", 0.0, 5.0),
        Param("cross_border_share", 0.3, "share", "share of proposals that name a supplier in "
              "the other country (with full coordination)", 0.0, 1.0),
    )

    def apply(self, model: ClusterModel) -> None:
        """Propose matches and set the matching lever of the paying countries."""
        reach = model.risks["implementation"]
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            model.levers.matching[k] += self["matching"] * reach
            matched = self._propose(model, k, reach)
            self.support(model, matched, quarters=1)
            self.pay(model, code, self.money(model, "operating_cost"))

    def _propose(self, model: ClusterModel, country: int, reach: float) -> np.ndarray:
        """Offer importing buyers a supplier with spare capacity; returns the rows matched."""
        f, p, rng = model.firms, model.params, model.rng
        if f.n < 2:
            return np.zeros(0, dtype=np.int64)
        imported = 1.0 - np.divide(f["inputs_domestic"], f["inputs_total"],
                                   out=np.zeros(f.n), where=f["inputs_total"] > 0)
        buyers = np.flatnonzero((f["country"] == country) & (imported > 0.5)
                                & (rng.random(f.n) < self["proposals"] * reach))
        spare = np.maximum(f["capacity"] - f["sales_total"] / np.maximum(f["price"], 1e-12),
                           0.0)
        free = spare / np.maximum(f["capacity"], 1e-12)
        degree = model.cooperation_degree()
        cross = self["cross_border_share"] * self.cross_border(model)
        open_rows = np.flatnonzero(free > 0.05)
        # suppliers on offer by (country, buyer's sector): once per quarter, not per buyer
        offers = {}
        for c in (0, 1):
            mine = open_rows[f["country"][open_rows] == c]
            for s in range(SUPPLIES.shape[0]):
                pool = mine[SUPPLIES[f["sector"][mine], s]]
                offers[c, s] = pool[np.argsort(-(free[pool] * (0.3 + 0.7 * f["delivery"][pool])),
                                               kind="stable")]
        matched = []
        for i in buyers.tolist():
            want = 1 - country if rng.random() < cross else country
            ranked = offers[want, int(f["sector"][i])]
            ranked = ranked[(ranked != i) & (degree[ranked] < p["max_ties"])]
            if ranked.size == 0:
                continue
            j = int(ranked[0])
            a, b = int(f.ids[i]), int(f.ids[j])
            score = 0.4 + 0.6 * f["delivery"][j]
            if score >= p["tie_threshold"] and not model.graph.has_edge(a, b):
                add_tie(model, a, b, "supply", supplier=b)
                degree[i] += 1
                degree[j] += 1
                matched += [i, j]
        return np.array(matched, dtype=np.int64)
