"""A subcontracting exchange (report: project support, "a subcontracting mechanism":
information on free production capacity and demand, matching suppliers to producers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.params import Param
from sim.inputs.sectors import SUPPLIES
from sim.network import cooperation_degree
from sim.policies import effects
from sim.policies.base import Policy
from sim.ranking import stable_argsort

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Least share of its capacity a supplier must have free to be listed on the exchange
#: (assumed).
MIN_FREE_CAPACITY = 0.05
#: A listed supplier's appeal is its free share of capacity x (APPEAL_BASE + APPEAL_DELIVERY
#: x its delivery discipline): the part that does not depend on delivery (assumed).
APPEAL_BASE = 0.3
#: The part of a listed supplier's appeal that grows with its delivery discipline (assumed;
#: APPEAL_BASE + APPEAL_DELIVERY = 1, a supplier with perfect delivery keeps all its appeal).
APPEAL_DELIVERY = 0.7
#: Fewest firms for the exchange to propose a match (by definition: a buyer and a supplier).
MIN_FIRMS = 2
#: Least share of its inputs a buyer imports to be offered a supplier: buyers that import
#: most of their inputs (assumed).
MIN_IMPORTED = 0.5
#: The score (0-1) of a proposed match is MATCH_BASE + MATCH_DELIVERY x the supplier's
#: delivery discipline, compared with the firms' tie threshold: the part that does not depend
#: on delivery (assumed).
MATCH_BASE = 0.4
#: The part of a proposed match's score that grows with the supplier's delivery discipline
#: (assumed; MATCH_BASE + MATCH_DELIVERY = 1, a perfect supplier scores 1).
MATCH_DELIVERY = 0.6


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
    effects = ("spend", "raise_matching", "form_ties", "count_supported")
    param_specs = (
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
        """Propose matches and set the matching shifter of the paying countries."""
        reach = model.risks["implementation"]
        offers = self._offers(model)
        for code in self.countries():
            k = 0 if code == "AZ" else 1
            effects.raise_matching(model, self, k, self["matching"] * reach)
            matched = self._propose(model, k, reach, offers)
            effects.count_supported(model, self, matched, quarters=1)
            self.pay(model, code, self.money(model, "operating_cost"))

    @staticmethod
    def _offers(model: ClusterModel) -> dict[tuple[int, int], list[int]]:
        """Suppliers (rows) with free capacity on offer to buyers of each (country, sector),
        best first (free capacity and delivery discipline): listed once a quarter, as Python
        lists (read one by one)."""
        f = model.firms
        spare = np.maximum(f["capacity"] - f["sales_total"] / np.maximum(f["price"], 1e-12),
                           0.0)
        free = spare / np.maximum(f["capacity"], 1e-12)
        open_rows = np.flatnonzero(free > MIN_FREE_CAPACITY)
        appeal = free * (APPEAL_BASE + APPEAL_DELIVERY * f["delivery"])
        offers = {}
        for c in (0, 1):
            mine = open_rows[f["country"][open_rows] == c]
            # ranked once: each sector's pool keeps that order (a stable order of a subset)
            ranked = mine[stable_argsort(-appeal[mine])]
            sector = f["sector"][ranked]
            for s in range(SUPPLIES.shape[0]):
                offers[c, s] = ranked[SUPPLIES[sector, s]].tolist()
        return offers

    def _propose(self, model: ClusterModel, country: int, reach: float,
                 offers: dict[tuple[int, int], list[int]]) -> np.ndarray:
        """Offer importing buyers a supplier with spare capacity; returns the rows matched."""
        f, p, rng = model.firms, model.params, model.rng
        if f.n < MIN_FIRMS:
            return np.zeros(0, dtype=np.int64)
        imported = 1.0 - np.divide(f["inputs_domestic"], f["inputs_total"],
                                   out=np.zeros(f.n), where=f["inputs_total"] > 0)
        buyers = np.flatnonzero((f["country"] == country) & (imported > MIN_IMPORTED)
                                & (rng.random(f.n) < self["proposals"] * reach))
        degree = cooperation_degree(model)
        cross = self["cross_border_share"] * self.cross_border(model)
        # Each list is read from the front; suppliers that reached their tie limit are passed
        # for good (degrees only grow within the quarter), so a buyer costs O(1), not O(list).
        front = dict.fromkeys(offers, 0)
        max_ties, threshold = p["max_ties"], p["tie_threshold"]
        ids, sector, delivery = f.ids, f["sector"], f["delivery"]
        adj = model.graph.adj._atlas
        other = (rng.random(buyers.size) < cross).tolist()  # the same draws one by one
        degree = degree.tolist()  # Python numbers: faster one by one
        matched, pairs = [], set()
        for i, abroad in zip(buyers.tolist(), other, strict=True):
            key = (1 - country if abroad else country, int(sector[i]))
            ranked = offers[key]
            pos, size = front[key], len(ranked)
            while pos < size and degree[ranked[pos]] >= max_ties:
                pos += 1
            front[key] = pos
            q = pos  # the best one that is not the buyer itself
            while q < size and (ranked[q] == i or degree[ranked[q]] >= max_ties):
                q += 1
            if q == size:
                continue
            j = ranked[q]
            a, b = int(ids[i]), int(ids[j])
            score = MATCH_BASE + MATCH_DELIVERY * float(delivery[j])
            pair = (a, b) if a < b else (b, a)
            if score >= threshold and b not in adj[a] and pair not in pairs:
                pairs.add(pair)
                degree[i] += 1
                degree[j] += 1
                matched += [i, j]
        if matched:
            buyer, supplier = f.ids[matched[::2]], f.ids[matched[1::2]]
            effects.form_ties(model, self, buyer, supplier, "supply", supplier=supplier)
        return np.array(matched, dtype=np.int64)
