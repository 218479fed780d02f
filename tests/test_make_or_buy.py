"""Make or buy: buyers split their inputs between tied suppliers and imports by delivered
price, quality and delivery, with switching costs; a supply tie without orders decays; what
buyers receive is late when suppliers are busy or far away.

Hand-made states: one buyer with one tied supplier in a small model after its warm-up, whose
supplier is set to match imports in quality and delivery, so only the price differs; the
phase (:func:`sim.phases.supply.buy_inputs`) is then called quarter after quarter.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS, assert_rel_between, both, fresh_model, indicator, paired, spec

from sim.network.decay import decay_ties, used_ties
from sim.network.ties import SUPPLY, edge_arrays
from sim.phases import supply
from sim.phases.supply import (
    DELAY_AT_FULL_CAPACITY,
    DELAY_PER_TRADE_COST,
    IMPORT_DELIVERY,
    IMPORT_QUALITY,
    MIN_ORDER_SHARE,
    ORDER_ADJUSTMENT,
    buy_inputs,
    import_price,
    realised_delivery,
    supplier_quality,
)

CONTROL = spec()


class Pair:
    """A buyer with exactly one supply tie, its supplier matched to imports in quality and
    delivery, with room to spare; ``price`` sets the supplier's delivered price relative to
    the import price."""

    def __init__(self, seed: int = 1) -> None:
        self.model = m = fresh_model(CONTROL, seed)
        f = m.firms
        self.edges = e = edge_arrays(m)
        buyer, supplier, _ = e.supply()
        counts = np.bincount(buyer, minlength=f.n)
        home = f["country"][buyer] == f["country"][supplier]
        k = int(np.flatnonzero((counts[buyer] == 1) & home & (buyer != supplier))[0])
        self.k = k  # index among the supply ties
        self.b, self.s = int(buyer[k]), int(supplier[k])
        self.slot = int(e.slot[e.kind == SUPPLY][k])
        s = self.s
        # the supplier's deliveries match imports: quality (product half, equipment half),
        # delivery discipline, and no delays (plenty of spare capacity)
        f["tech"][s] = supply.LOWEST_GENERATION + IMPORT_QUALITY * supply.GENERATION_RANGE
        f["quality"][s] = IMPORT_QUALITY
        f["delivery"][s] = IMPORT_DELIVERY
        f["capacity"][s] = 1e6
        self.produced = np.minimum(f["capacity"], np.maximum(f["demand"], 1e-3))
        self.produced[s] = 1.0  # utilisation near zero
        self.model.graph.ties.orders[self.slot] = 0.5

    def price(self, ratio: float) -> None:
        """Set the supplier's price to ``ratio`` times the buyer's import price."""
        m = self.model
        m.firms["price"][self.s] = ratio * import_price(m)[m.firms["country"][self.b]]

    def quarter(self, produced: np.ndarray | None = None) -> supply.SupplyFlows:
        """One call of the phase; returns the flows."""
        m = self.model
        m.firms["sales_home"][:] = 0.0
        m.firms["sales_partner"][:] = 0.0
        return buy_inputs(m, self.edges, self.produced if produced is None else produced)

    @property
    def orders(self) -> float:
        return float(self.model.graph.ties.orders[self.slot])


def test_supplier_matches_imports():
    pair = Pair()
    f = pair.model.firms
    assert supplier_quality(pair.model, np.array([pair.s]))[0] == pytest.approx(IMPORT_QUALITY)
    assert f["delivery"][pair.s] == IMPORT_DELIVERY


@pytest.mark.parametrize("seed", SEEDS)
def test_dearer_tied_supplier_loses_its_orders(seed):
    """At the import price the split settles at half and half (one supplier against imports,
    alike in all else); 30% dearer, the supplier's share falls toward 1.3^-8 / (1 + 1.3^-8) =
    11%, and 50% dearer (a chosen share of 3.8%, below the least order of 5%) it loses every
    order within 7 quarters, part of them each quarter."""
    same, dearer, much = Pair(seed), Pair(seed), Pair(seed)
    same.price(1.0)
    dearer.price(1.3)
    much.price(1.5)
    path = {"same": [], "dearer": [], "much": []}
    for _ in range(8):
        for name, pair in (("same", same), ("dearer", dearer), ("much", much)):
            pair.quarter()
            path[name].append(pair.orders)
    assert path["same"][-1] == pytest.approx(0.5, abs=1e-6)
    target = 1.3 ** -supply.INPUT_PRICE_ELASTICITY
    target /= 1.0 + target  # about 0.11
    assert path["dearer"][-1] == pytest.approx(target + (0.5 - target)
                                               * (1 - ORDER_ADJUSTMENT) ** 8, rel=1e-6)
    assert path["dearer"][-1] < 0.15
    assert all(a > b for a, b in zip(path["dearer"], path["dearer"][1:], strict=False))
    assert path["much"][-1] == 0.0
    assert 0 < path["much"][0] < 0.5  # lost over quarters, not at once


def test_switching_cost_moves_the_split_part_way():
    """A price jump from parity to 30% dearer moves the supplier's share by ORDER_ADJUSTMENT
    (0.3) of the gap to the new choice in the first quarter, then by 0.3 of what is left."""
    pair = Pair()
    pair.price(1.3)
    target = 1.3 ** -supply.INPUT_PRICE_ELASTICITY
    target /= 1.0 + target
    pair.quarter()
    first = pair.orders
    assert first == pytest.approx(0.5 + ORDER_ADJUSTMENT * (target - 0.5), rel=1e-9)
    pair.quarter()
    assert pair.orders == pytest.approx(first + ORDER_ADJUSTMENT * (target - first), rel=1e-9)
    # cheaper than imports: the share rises, again part way
    pair.price(0.9)
    before = pair.orders
    pair.quarter()
    up = 0.9 ** -supply.INPUT_PRICE_ELASTICITY
    up /= 1.0 + up
    assert pair.orders == pytest.approx(before + ORDER_ADJUSTMENT * (up - before), rel=1e-9)


def test_unused_supply_tie_decays_and_dissolves():
    """A supplier twice as dear as imports loses its orders within a few quarters; from then
    on its tie carries nothing, counts as unused and loses strength each quarter (tie_decay
    4%) until it dissolves. At parity the tie keeps its orders and gains strength."""
    lost, kept = Pair(), Pair()
    lost.price(2.0)
    kept.price(1.0)
    g_lost, g_kept = lost.model.graph, kept.model.graph
    ends = (lost.model.firms.ids[lost.b], lost.model.firms.ids[lost.s])
    strength0 = g_kept.ties.strength[kept.slot]
    decay = lost.model.params["tie_decay"]
    row = np.flatnonzero(lost.edges.kind == SUPPLY)[lost.k]
    quarters_with_orders = 0
    for _ in range(80):
        for pair in (lost, kept):
            if pair is lost and not g_lost.has_edge(*ends):
                continue
            flows = pair.quarter()
            used = used_ties(pair.model, pair.edges, flows.value)
            assert used[row] == (flows.value[pair.k] > 0)
            before = pair.model.graph.ties.strength[pair.slot]
            decay_ties(pair.model, pair.edges, used)
            if pair is kept:
                assert used[row]
            elif used[row]:
                quarters_with_orders += 1
            elif g_lost.has_edge(*ends):
                assert g_lost.ties.strength[lost.slot] == pytest.approx(before * (1 - decay))
    assert 1 <= quarters_with_orders <= 6
    assert not g_lost.has_edge(*ends)
    assert g_kept.ties.strength[kept.slot] >= strength0  # used: kept (at most 1)


def test_delivery_received_falls_with_supplier_utilisation():
    """What the buyer receives on time: the supplier's discipline at low utilisation; less as
    its capacity fills (30% fewer on time at full capacity, with the square of utilisation
    above 0.8); across the border, less by DELAY_PER_TRADE_COST x the trade cost."""
    pair = Pair()
    pair.price(1.0)
    s = pair.s
    pair.model.firms["capacity"][s] = 10.0
    received = []
    for load in (0.5, 0.8, 0.9, 0.99):
        produced = pair.produced.copy()
        produced[s] = load * 10.0
        received.append(float(pair.quarter(produced).delivery[pair.k]))
    assert received[0] == pytest.approx(IMPORT_DELIVERY)
    assert received[1] < received[0] + 1e-12
    assert received[0] > received[2] > received[3]
    assert received[3] < IMPORT_DELIVERY * (1 - 0.5 * DELAY_AT_FULL_CAPACITY)
    # the form itself
    u = np.array([0.5, 0.9, 1.0])
    d = realised_delivery(np.full(3, 0.8), u, np.zeros(3))
    assert d == pytest.approx([0.8, 0.8 * (1 - DELAY_AT_FULL_CAPACITY / 4),
                               0.8 * (1 - DELAY_AT_FULL_CAPACITY)])
    far = realised_delivery(np.array([0.8]), np.array([0.5]), np.array([0.25]))
    assert far[0] == pytest.approx(0.8 * (1 - DELAY_PER_TRADE_COST * 0.25))


def test_least_order_is_not_placed():
    """A share below MIN_ORDER_SHARE is not ordered."""
    pair = Pair()
    pair.price(1.0)
    pair.model.graph.ties.orders[pair.slot] = 0.0
    pair.price(1.45)  # chosen share about 4.7%: below the least order
    for _ in range(5):
        pair.quarter()
        assert pair.orders == 0.0 or pair.orders >= MIN_ORDER_SHARE


def test_cheap_imports_take_the_orders_of_tied_suppliers():
    """Controlled run: imports with no trade cost to third countries (0.35 AZ, 0.30 BY -> 0)
    cost about 25% less than home suppliers, and cluster suppliers lose nearly all their
    orders: share of inputs from cluster suppliers (summed over 16 quarters) measured
    -99.0..-100% on seeds 1-3; with ties forcing purchases it would not move."""
    treated = spec(countries=both(trade_cost_third=0.0))
    rows = paired(CONTROL, treated,
                  lambda m: indicator(m, "supplier_competitiveness", "JOINT", "sum"), 16)
    assert_rel_between(rows, -1.0, -0.9, "trade_cost_third 0 -> supplier competitiveness")


def test_delivery_and_quality_indicators_weight_what_was_received():
    """The delivery and quality indicators are means over the supply flows weighted by what
    each buyer received (a tie without orders has no weight), for each country and both."""
    m = fresh_model(CONTROL, 1)
    for _ in range(4):
        m.step()
    flows = m.supply_flows
    assert (flows.value == 0).any() and (flows.value > 0).any()
    for key, sel in (("AZ", flows.buyer_country == 0), ("BY", flows.buyer_country == 1),
                     ("JOINT", np.ones(flows.size, dtype=bool))):
        w = flows.value[sel]
        assert indicator(m, "supplier_delivery", key) == pytest.approx(
            np.average(flows.delivery[sel], weights=w))
        assert indicator(m, "input_quality", key) == pytest.approx(
            np.average(flows.quality[sel], weights=w))
