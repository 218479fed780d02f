"""Supply: each buyer chooses how much of its inputs to buy from the suppliers it is tied to
and how much to import (make or buy).

Each quarter a buyer splits the inputs local suppliers could provide (``supplier_input_share``
of its inputs; the rest is imported whatever the prices) between its tied suppliers and
imports by a logit over the options: the delivered price (the supplier's price, plus the trade
cost when it sells across the border, against the import price at the buyer's trade cost),
the quality of what each option delivers and its expected delivery reliability. Switching
costs keep the split close to last quarter's: it moves part of the way toward the chosen one
each quarter (the orders of each tie are kept in the tie table, ``graph.ties.orders``).
Suppliers deliver within their spare capacity; what they cannot deliver is imported.

What a buyer receives is measured, not written: the realised delivery of a flow is the
supplier's delivery discipline (the ``delivery`` column) less delays that grow with the
supplier's capacity utilisation and, across the border, with logistics (the trade cost).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import HIGHEST_GENERATION, LOWEST_GENERATION
from sim.network.ties import SUPPLY, EdgeArrays

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

#: Column of trade costs to the partner country in ``model.trade_cost`` (by definition: the
#: columns are home, partner, third countries).
PARTNER = 1
#: Column of trade costs to third countries in ``model.trade_cost`` (by definition).
THIRD = 2
#: Price elasticity of a buyer's choice between its tied suppliers and imports: the logit
#: weight of an option falls with its delivered price to this power, so between two options
#: of equal quality and delivery, one 10% dearer gets 0.9^8 = 43% of the other's orders
#: (assumed, range 4-12: inputs of one kind from different sources are close substitutes,
#: more than a country's goods against imports in macro trade estimates; Feenstra, Luck,
#: Obstfeld and Russ 2014 find the elasticity between foreign sources at or above the one
#: between home and foreign goods).
INPUT_PRICE_ELASTICITY = 8.0
#: What a buyer pays for one unit of input quality (index 0-1), in log price: an option whose
#: quality is 0.1 higher is worth 5% more (assumed, range 0.2-1).
INPUT_QUALITY_VALUE = 0.5
#: What a buyer pays for one unit of delivery reliability (share delivered on time, 0-1), in
#: log price: 10 points more deliveries on time are worth 5% more (assumed, range 0.2-1).
INPUT_DELIVERY_VALUE = 0.5
#: Share of the gap between last quarter's split of a buyer's inputs and the split it would
#: choose now that it closes in a quarter: switching suppliers costs search, testing and
#: contracts, so orders move over about a year (assumed, range 0.1-0.5).
ORDER_ADJUSTMENT = 0.3
#: Least share of a buyer's locally sourceable inputs worth ordering from one supplier: a
#: smaller order is not placed (its fixed costs outweigh it), a supplier the buyer would
#: choose for less is dropped over the following quarters, and the tie carries nothing
#: (assumed, range 0.02-0.1).
MIN_ORDER_SHARE = 0.05
#: Capacity utilisation of a supplier above which its deliveries start to run late (assumed:
#: about the utilisation firms plan for, 0.85).
DELAY_FREE_UTILISATION = 0.8
#: Share of a supplier's on-time deliveries lost at full capacity; the loss grows with the
#: utilisation above DELAY_FREE_UTILISATION to the power DELAY_CURVATURE (assumed, range
#: 0.1-0.5; Alaouze 1976, estimating the substitution between imported and domestic
#: intermediate inputs for the ORANI model, lets buyers turn to imports when domestic
#: producers under high demand cannot deliver promptly).
DELAY_AT_FULL_CAPACITY = 0.3
#: Power of the utilisation above DELAY_FREE_UTILISATION (as a share of the room left) in the
#: loss of on-time deliveries (assumed form: convex, as waiting times in a queue rise ever
#: faster as utilisation nears capacity).
DELAY_CURVATURE = 2.0
#: Share of on-time deliveries lost per unit of ad-valorem trade cost on a cross-border flow
#: (assumed: at the bundled 25% trade cost between AZ and BY, a tenth fewer deliveries on time;
#: range 0.2-0.6).
DELAY_PER_TRADE_COST = 0.4
#: Largest gap of logit utility between an option and imports (implementation: keeps exp()
#: from overflowing; real gaps are a few units).
MAX_UTILITY_GAP = 50.0


@dataclass
class SupplyFlows:
    """Goods bought along supply ties this quarter (one entry per supply tie).

    Attributes:
        value: what the buyer received, at the supplier's price, USD m (0: no orders).
        quality: quality of what the supplier delivers, 0-1.
        delivery: share of the flow delivered on time (the supplier's delivery discipline less
            delays from its utilisation and, across the border, logistics), 0-1.
        buyer_country: country code of the buyer.
    """

    value: np.ndarray
    quality: np.ndarray
    delivery: np.ndarray
    buyer_country: np.ndarray

    @property
    def size(self) -> int:
        """Number of supply ties."""
        return len(self.value)


def supplier_quality(model: ClusterModel, rows: np.ndarray) -> np.ndarray:
    """Quality of what suppliers ``rows`` deliver, 0-1: their product quality and equipment
    (equipment beyond the 6th generation, which the frontier passes after about 50 quarters,
    counts as the best, so the index stays within [0, 1])."""
    f = model.firms
    tech_level = np.clip((f["tech"][rows] - LOWEST_GENERATION) / GENERATION_RANGE, 0.0, 1.0)
    return SUPPLIER_QUALITY_WEIGHT * f["quality"][rows] + SUPPLIER_TECH_WEIGHT * tech_level


def realised_delivery(discipline: np.ndarray, utilisation: np.ndarray,
                      trade_cost: np.ndarray, logistics: np.ndarray | float = 0.0
                      ) -> np.ndarray:
    """Share delivered on time: the supplier's delivery discipline, less delays that grow with
    its capacity utilisation (above DELAY_FREE_UTILISATION, convex in the excess) and
    with the trade cost of the route (logistics; 0 at home); ``logistics`` (0-1, per flow:
    the supplier's country's) is the share of the late deliveries that better roads,
    terminals and utilities remove."""
    busy = np.clip((utilisation - DELAY_FREE_UTILISATION) / (1.0 - DELAY_FREE_UTILISATION),
                   0.0, 1.0)
    late = DELAY_AT_FULL_CAPACITY * busy ** DELAY_CURVATURE
    on_time = np.clip(discipline * (1.0 - late) * (1.0 - DELAY_PER_TRADE_COST * trade_cost),
                      0.0, 1.0)
    if not np.any(logistics):
        return on_time  # (no logistics gain: the share as it is, bit for bit)
    return np.where(logistics > 0, 1.0 - (1.0 - on_time) * (1.0 - logistics), on_time)


def import_price(model: ClusterModel) -> np.ndarray:
    """Delivered price of imported inputs in each country (AZ, BY), relative to the reference
    price: the reference price at the bundled data's trade cost to third countries, moving
    with the trade cost a scenario or a policy sets, ``(1 + cost) / (1 + reference cost)``."""
    ref = model.trade_cost_reference[:, THIRD]
    return (1.0 + model.trade_cost[:, THIRD]) / (1.0 + ref)


def option_utility(price: np.ndarray, quality: np.ndarray, delivery: np.ndarray) -> np.ndarray:
    """Logit utility of a source of inputs: minus its log delivered price plus the value of
    its quality and delivery reliability, times the price elasticity of the choice."""
    return INPUT_PRICE_ELASTICITY * (-np.log(price) + INPUT_QUALITY_VALUE * quality
                                     + INPUT_DELIVERY_VALUE * delivery)


def _previous_orders(model: ClusterModel, edges: EdgeArrays,
                     supply: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(slots in the tie table, last quarter's orders) of the supply ties of ``edges``; a slot
    that no longer holds the same tie gets -1 and no orders."""
    t = model.graph.ties
    slots = edges.live_slots(t, supply)
    return slots, np.where(slots >= 0, t.orders[np.maximum(slots, 0)], 0.0)


def buy_inputs(model: ClusterModel, edges: EdgeArrays, produced: np.ndarray) -> SupplyFlows:
    """Buyers split the inputs local suppliers could provide between their tied suppliers and
    imports (a logit on delivered price, quality and expected delivery, moving part of the way
    from last quarter's split), suppliers deliver within their spare capacity, and the rest is
    imported. Buyers pay the delivered price; suppliers' sales grow by what they deliver
    (exports when cross-border). Returns the flows along supply ties."""
    f, p, t = model.firms, model.params, model.graph.ties
    n = f.n
    buyer, supplier, _ = edges.supply()
    slots, before = _previous_orders(model, edges, edges.kind == SUPPLY)
    country, capacity = f["country"], np.maximum(f["capacity"], 1e-12)
    cross = country[buyer] != country[supplier]
    route_cost = np.where(cross, model.trade_cost[country[supplier], PARTNER], 0.0)
    delivered_price = f["price"][supplier] * (1.0 + route_cost)
    imports_price = import_price(model)[country]
    quality = supplier_quality(model, supplier)
    logistics = model.logistics[country[supplier]]
    expected = realised_delivery(f["delivery"][supplier], produced[supplier] / capacity[supplier],
                                 route_cost, logistics)
    # the split each buyer would choose now: a logit over its tied suppliers and imports
    v_import = option_utility(imports_price, IMPORT_QUALITY, IMPORT_DELIVERY)
    gap = option_utility(delivered_price, quality, expected) - v_import[buyer]
    weight = np.exp(np.clip(gap, -MAX_UTILITY_GAP, MAX_UTILITY_GAP))
    chosen = weight / (1.0 + np.bincount(buyer, weights=weight, minlength=n)[buyer])
    chosen = np.where(chosen >= MIN_ORDER_SHARE, chosen, 0.0)  # not worth ordering from
    # switching costs: the split moves part of the way from last quarter's (standing
    # relationships at the start of a run are already where buyers want them)
    speed = 1.0 if model.steps == 0 else ORDER_ADJUSTMENT
    share = before + speed * (chosen - before)
    share = np.where(share >= MIN_ORDER_SHARE, share, 0.0)
    local = p["input_share"] * p["supplier_input_share"] * produced
    request = share * local[buyer]
    spare = np.maximum(f["capacity"] - produced, 0.0)
    asked = np.bincount(supplier, weights=request, minlength=n)
    ratio = np.minimum(1.0, spare / np.maximum(asked, 1e-12))
    flow = request * ratio[supplier]
    if slots.size:
        received = np.where(local[buyer] > 0, flow / np.maximum(local[buyer], 1e-12), share)
        kept = slots >= 0
        t.orders[slots[kept]] = received[kept]
    paid = flow * f["price"][supplier]
    f["sales_b2b"] = np.bincount(supplier, weights=paid, minlength=n)
    f["sales_b2b_partner"] = np.bincount(supplier, weights=paid * cross, minlength=n)
    f["sales_home"] += np.bincount(supplier, weights=paid * ~cross, minlength=n)
    f["sales_partner"] += f["sales_b2b_partner"]
    delivered = np.bincount(supplier, weights=flow, minlength=n)
    delivery = realised_delivery(f["delivery"][supplier],
                                 (produced + delivered)[supplier] / capacity[supplier],
                                 route_cost, logistics)
    domestic = np.bincount(buyer, weights=flow, minlength=n)
    needed = p["input_share"] * (produced + delivered)
    imported = np.maximum(needed - domestic, 0.0)
    total = np.maximum(domestic + imported, 1e-12)
    f["inputs_domestic"] = np.bincount(buyer, weights=flow * delivered_price, minlength=n)
    f["inputs_total"] = f["inputs_domestic"] + imported * imports_price
    f["input_quality"] = np.where(
        domestic + imported > 0,
        (np.bincount(buyer, weights=flow * quality, minlength=n) + imported * IMPORT_QUALITY)
        / total, IMPORT_QUALITY)
    f["input_delivery"] = np.where(
        domestic + imported > 0,
        (np.bincount(buyer, weights=flow * delivery, minlength=n)
         + imported * IMPORT_DELIVERY) / total, IMPORT_DELIVERY)
    return SupplyFlows(paid, quality, delivery, country[buyer])
