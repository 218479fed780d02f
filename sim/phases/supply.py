"""Supply: buyers source part of their inputs from the suppliers they are tied to.

A supply tie carries goods within the supplier's spare capacity; its quality and delivery
discipline feed into the buyer's inputs, and imports fill the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import HIGHEST_GENERATION, LOWEST_GENERATION
from sim.network.ties import EdgeArrays

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Quality of imported inputs, 0-1 (assumed; long logistics chains).
IMPORT_QUALITY = 0.55
#: Delivery discipline of imported inputs, 0-1 (assumed; long logistics chains).
IMPORT_DELIVERY = 0.75
#: Generations from the worst to the best in the 0-1 technology index of a supplier's
#: equipment in its input quality and of a firm's in its appeal as a partner
#: (sim.network.search): (generation - LOWEST_GENERATION) / GENERATION_RANGE (by definition:
#: the model's generation scale, sim.agents.firm).
GENERATION_RANGE = HIGHEST_GENERATION - LOWEST_GENERATION
#: Weight of the supplier's product quality in the quality of what it delivers (assumed:
#: half product quality, half equipment).
SUPPLIER_QUALITY_WEIGHT = 0.5
#: Weight of the supplier's technology index in the quality of what it delivers (assumed).
SUPPLIER_TECH_WEIGHT = 0.5


@dataclass


class SupplyFlows:
    """Goods bought along supply ties this quarter (one entry per supply tie)."""

    value: np.ndarray
    quality: np.ndarray
    delivery: np.ndarray
    buyer_country: np.ndarray

    @property
    def size(self) -> int:
        """Number of supply ties."""
        return len(self.value)


def buy_inputs(model: ClusterModel, edges: EdgeArrays, produced: np.ndarray) -> SupplyFlows:
    """Buyers source part of their inputs (in volume) from suppliers they are tied to, within
    the suppliers' spare capacity, and pay the suppliers' prices; the rest is imported at the
    reference price. Suppliers' sales grow by what they deliver (exports when cross-border)."""
    f, p = model.firms, model.params
    n = f.n
    buyer, supplier, strength = edges.supply()
    wanted = p["input_share"] * p["supplier_input_share"] * produced
    weight = strength * f["capacity"][supplier]
    per_buyer = np.bincount(buyer, weights=weight, minlength=n)
    request = wanted[buyer] * weight / np.maximum(per_buyer[buyer], 1e-12)
    spare = np.maximum(f["capacity"] - produced, 0.0)
    asked = np.bincount(supplier, weights=request, minlength=n)
    ratio = np.minimum(1.0, spare / np.maximum(asked, 1e-12))
    flow = request * ratio[supplier]
    paid = flow * f["price"][supplier]
    cross = f["country"][buyer] != f["country"][supplier]
    f["sales_b2b"] = np.bincount(supplier, weights=paid, minlength=n)
    f["sales_home"] += np.bincount(supplier, weights=paid * ~cross, minlength=n)
    f["sales_partner"] += np.bincount(supplier, weights=paid * cross, minlength=n)
    # equipment beyond the 6th generation (the frontier passes it after about 50 quarters)
    # counts as the best: a quality index stays within [0, 1]
    tech_level = np.clip((f["tech"][supplier] - LOWEST_GENERATION) / GENERATION_RANGE, 0.0, 1.0)
    quality = SUPPLIER_QUALITY_WEIGHT * f["quality"][supplier] + SUPPLIER_TECH_WEIGHT * tech_level
    delivery = f["delivery"][supplier]
    domestic = np.bincount(buyer, weights=flow, minlength=n)
    needed = p["input_share"] * (produced + np.bincount(supplier, weights=flow, minlength=n))
    imported = np.maximum(needed - domestic, 0.0)
    total = np.maximum(domestic + imported, 1e-12)
    f["inputs_domestic"] = np.bincount(buyer, weights=paid, minlength=n)
    f["inputs_total"] = f["inputs_domestic"] + imported
    f["input_quality"] = np.where(
        domestic + imported > 0,
        (np.bincount(buyer, weights=flow * quality, minlength=n) + imported * IMPORT_QUALITY)
        / total, IMPORT_QUALITY)
    f["input_delivery"] = np.where(
        domestic + imported > 0,
        (np.bincount(buyer, weights=flow * delivery, minlength=n)
         + imported * IMPORT_DELIVERY) / total, IMPORT_DELIVERY)
    return SupplyFlows(paid, quality, delivery, f["country"][buyer])
