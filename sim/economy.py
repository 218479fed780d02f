"""Firm phases of the real economy, vectorised over the firm columns.

labour & skills -> production & sales on three markets -> finance & taxes. Markets are the
two home markets and third countries; a firm always sells at home and may export to the partner
country and to third markets. Market shares follow replicator dynamics on quality,
technology and price (trade costs and VAT raise the price), against imports whose
competitiveness follows the world technology frontier and world quality growth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.network import EdgeArrays
from sim.params import IMPORT_DELIVERY, IMPORT_QUALITY, MARKUP0
from sim.sectors import N_SECTORS

if TYPE_CHECKING:
    from sim.model import ClusterModel

HOME_AZ, HOME_BY, THIRD = 0, 1, 2
#: Weight of technology generation in market competitiveness, relative to quality (assumed).
TECH_WEIGHT = 0.15
#: Markup ceiling and the markup's response to utilisation and to market-share growth
#: (assumed; Keynes+Schumpeter models let markups follow market shares in the same way).
MAX_MARKUP, MARKUP_SPEED, MARKUP_SHARE = 0.5, 0.1, 0.2
#: Sales a new exporter starts with abroad, as a share of its home sales (assumed).
FOOTHOLD = 0.05
#: Weight of a firm's brand abroad (0-1) in its competitiveness on export markets: a fully
#: established brand is worth as much as a 10% lower price (assumed); and the share of the
#: brand that fades each quarter without new marketing (assumed).
BRAND_WEIGHT, BRAND_DECAY = 0.2, 0.05


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


def productivity(model: ClusterModel) -> np.ndarray:
    """Output per worker-quarter (USD m) from technology, process, skill, management, inputs."""
    f, p = model.firms, model.params
    c = f["country"]
    base = model.base_productivity[c] * np.exp(
        p["tech_productivity"] * (f["tech"] - model.tech_reference[c]))
    skill = (0.6 + 0.8 * f["skill"]) / (0.6 + 0.8 * model.skill_reference[c])
    mgmt = 0.8 + 0.4 * f["mgmt"]
    delivery = 1.0 - 0.15 * (1.0 - f["input_delivery"])
    return base * f["process"] * skill * mgmt * delivery


def wage_per_worker(model: ClusterModel) -> np.ndarray:
    """Quarterly wage per worker (USD m), with a premium for skill above the labour pool."""
    f = model.firms
    c = f["country"]
    premium = 1.0 + model.params["wage_skill_premium"] * (f["skill"] - model.pool_skill[c])
    return model.wage[c] * np.maximum(premium, 0.5)


def labour_phase(model: ClusterModel) -> None:
    """Hire toward planned employment; hires bring the labour pool's skill."""
    f, p = model.firms, model.params
    c = f["country"]
    grad = np.array([model.graduate_skill(k) for k in (0, 1)])
    model.pool_skill += p["skill_adjust"] * (grad - model.pool_skill)
    f["productivity"] = productivity(model)
    expected = f["demand"] * (1.0 + model.demand_growth[c])
    desired = expected / (f["productivity"] * p["target_utilisation"])
    desired = np.minimum(desired, 1.2 * f["capital"] / p["capital_per_worker"])
    old = f["employees"].copy()
    f["employees"] = np.maximum(old + p["hire_speed"] * (desired - old), 1.0)
    hires = np.maximum(f["employees"] - old, 0.0)
    f["skill"] = (f["skill"] * (f["employees"] - hires) + model.pool_skill[c] * hires) \
        / f["employees"]
    f["productivity"] = productivity(model)
    f["capacity"] = f["productivity"] * f["employees"]
    _index_wages(model)


def _index_wages(model: ClusterModel) -> None:
    """Wages follow each country's employment-weighted average labour productivity."""
    f, p = model.firms, model.params
    for k in (0, 1):
        mine = f["country"] == k
        if mine.any():
            level = np.average(f["productivity"][mine], weights=f["employees"][mine])
            model.wage[k] = model.wage0[k] * (level / model.productivity0[k]) \
                ** p["wage_indexation"]


def unit_cost(model: ClusterModel) -> np.ndarray:
    """Cost of one unit of output (reference price = 1): inputs plus unit labour cost
    relative to the starting average."""
    f, p = model.firms, model.params
    ulc = wage_per_worker(model) / f["productivity"]
    share = p["input_share"]
    return share + (1.0 - share) * ulc / model.ulc_reference


def set_prices(model: ClusterModel) -> None:
    """Ex-works price relative to the reference: unit cost marked up."""
    f = model.firms
    f["price"] = unit_cost(model) * (1.0 + f["markup"]) / (1.0 + MARKUP0)


def competitiveness(model: ClusterModel) -> np.ndarray:
    """Log-competitiveness of each firm in each market (n x 3): quality of product and
    inputs, technology, and the price buyers pay there (trade costs abroad, VAT at home)."""
    f, p = model.firms, model.params
    c = f["country"]
    q = f["quality"] * (0.7 + 0.3 * f["input_quality"])
    appeal = q + TECH_WEIGHT * (f["tech"] - 4.5)
    vat = model.vat[c]
    home_price = f["price"] * (1.0 + vat * (1.0 - f["relief_vat"])) / (1.0 + vat)
    eta = p["price_elasticity"]
    z = np.empty((f.n, 3))
    home = np.where(c == 0, HOME_AZ, HOME_BY)
    rows = np.arange(f.n)
    z[rows, home] = appeal - eta * np.log(home_price)
    abroad = appeal + BRAND_WEIGHT * f["brand"]
    z[rows, 1 - home] = abroad - eta * np.log(f["price"] * (1.0 + model.trade_cost[c, 1]))
    z[:, THIRD] = abroad - eta * np.log(f["price"] * (1.0 + model.trade_cost[c, 2]))
    bias = getattr(model, "origin_bias", None)
    if bias is not None:
        z += bias[:, f["sector"], c].T
    return z


def customer_base(model: ClusterModel) -> np.ndarray:
    """Last quarter's sales of each firm in each market (n x 3), the base of its share."""
    f = model.firms
    home = np.where(f["country"] == 0, HOME_AZ, HOME_BY)
    rows = np.arange(f.n)
    base = np.zeros((f.n, 3))
    base[rows, home] = f["base_home"]
    base[rows, 1 - home] = np.where(f["exp_partner"], f["base_partner"], 0.0)
    base[:, THIRD] = np.where(f["exp_third"], f["base_third"], 0.0)
    return base


def market_sales(model: ClusterModel) -> np.ndarray:
    """Spending on each firm's products in each market (n x 3, USD m), before capacity.

    Replicator dynamics: a firm's share grows with its competitiveness relative to imports,
    ``share ~ last sales x exp(selectivity x (z - z_imports))``.
    """
    sector = model.firms["sector"]
    z = competitiveness(model)
    base = customer_base(model)
    sel = model.params["selectivity"]
    sales = np.zeros_like(base)
    z_out = model.import_competitiveness()
    for m in range(3):
        w = base[:, m] * np.exp(sel * np.clip(z[:, m] - z_out[m][sector], -20.0, 20.0))
        denom = np.bincount(sector, weights=w, minlength=N_SECTORS) + model.import_base[m]
        sales[:, m] = model.demand[m][sector] * w / np.maximum(denom[sector], 1e-12)
    return sales


def update_customer_base(model: ClusterModel, sales: np.ndarray) -> None:
    """Remember this quarter's sales by market, and what imports sold."""
    f = model.firms
    home = np.where(f["country"] == 0, HOME_AZ, HOME_BY)
    rows = np.arange(f.n)
    f["base_home"] = sales[rows, home]
    f["base_partner"] = sales[rows, 1 - home]
    f["base_third"] = sales[:, THIRD]
    for m in range(3):
        sold = np.bincount(f["sector"], weights=sales[:, m], minlength=N_SECTORS)
        model.import_base[m] = np.maximum(model.demand[m] - sold, 0.02 * model.demand[m])


def production_phase(model: ClusterModel, edges: EdgeArrays) -> SupplyFlows:
    """Sell on the three markets within capacity, then buy inputs along supply ties."""
    f = model.firms
    set_prices(model)
    sales = market_sales(model)
    volume = sales.sum(axis=1) / f["price"]
    f["demand"] = volume
    scale = np.minimum(1.0, f["capacity"] / np.maximum(volume, 1e-12))
    sales *= scale[:, None]
    before = f["base_home"] + f["base_partner"] + f["base_third"]
    growth = np.divide(sales.sum(axis=1), before, out=np.ones(f.n), where=before > 0) - 1.0
    update_customer_base(model, sales)
    home = np.where(f["country"] == 0, HOME_AZ, HOME_BY)
    rows = np.arange(f.n)
    f["sales_home"] = sales[rows, home]
    f["sales_partner"] = sales[rows, 1 - home]
    f["sales_third"] = sales[:, THIRD]
    flows = _supply_flows(model, edges, volume * scale)
    f["sales_total"] = f["sales_home"] + f["sales_partner"] + f["sales_third"]
    f["value_added"] = f["sales_total"] - f["inputs_total"]
    _adjust_markups(model, growth - model.demand_growth.mean())
    return flows


def _adjust_markups(model: ClusterModel, share_growth: np.ndarray) -> None:
    """Firms short of customers cut their markup, firms at full capacity raise it; firms
    gaining market share raise it and firms losing share cut it (as in Keynes+Schumpeter
    models), which keeps a lasting edge from compounding into monopoly."""
    f, p = model.firms, model.params
    produced = f["sales_total"] / f["price"]
    utilisation = produced / np.maximum(f["capacity"], 1e-12)
    change = MARKUP_SPEED * (utilisation - p["target_utilisation"]) \
        + MARKUP_SHARE * np.clip(share_growth, -0.2, 0.2)
    f["markup"] = np.clip(f["markup"] + change, 0.0, MAX_MARKUP)


def _supply_flows(model: ClusterModel, edges: EdgeArrays, produced: np.ndarray) -> SupplyFlows:
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
    tech_level = np.clip((f["tech"][supplier] - 3.0) / 3.0, 0.0, 1.0)
    quality = 0.5 * f["quality"][supplier] + 0.5 * tech_level
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


def finance_phase(model: ClusterModel) -> None:
    """Costs, profit, taxes (with reliefs), cash and debt; taxes are booked on governments."""
    f, p = model.firms, model.params
    c = f["country"]
    wages = wage_per_worker(model) * f["employees"]
    # own R&D plans plus co-funded joint projects; the grant covers part of the latter
    f["rd_spend"] = f["rd_intensity"] * f["sales_total"] + f["rd_project"]
    interest = p["interest_rate"] * f["debt"]
    depreciation = p["depreciation"] * f["capital"]
    property_due = model.property_tax[c] / 4.0 * f["capital"]
    property_tax = property_due * (1.0 - f["relief_property"])
    profit = (f["sales_total"] - f["inputs_total"] - wages - (f["rd_spend"] - f["rd_grant"])
              - interest - depreciation - property_tax)
    profit_due = model.profit_tax[c] * np.maximum(profit, 0.0)
    profit_tax = profit_due * (1.0 - f["relief_profit"])
    vat_due = model.vat[c] * np.maximum(f["sales_home"] - f["inputs_total"], 0.0)
    vat = vat_due * (1.0 - f["relief_vat"])
    f["profit"] = profit
    f["net_income"] = profit - profit_tax
    f["tax_paid"] = profit_tax + property_tax + vat
    foregone = (profit_due - profit_tax) + (property_due - property_tax) + (vat_due - vat)
    # VAT is charged to customers on top of the price, so it passes through the firm's cash.
    cash_flow = profit + depreciation - profit_tax
    settle(model, cash_flow)
    f["loss_quarters"] = np.where(profit < 0, f["loss_quarters"] + 1, 0)
    book_taxes(model, f["tax_paid"], foregone)


def book_taxes(model: ClusterModel, taxes: np.ndarray, foregone: np.ndarray) -> None:
    """Book firms' taxes and the taxes their reliefs forgave on their own government."""
    country = model.firms["country"]
    for k, gov in enumerate(model.governments.values()):
        mine = country == k
        gov.collect(float(taxes[mine].sum()), float(foregone[mine].sum()))


def settle(model: ClusterModel, cash_flow: np.ndarray) -> None:
    """Add a cash flow: deficits are borrowed, surpluses above a buffer repay debt."""
    f = model.firms
    cash = f["cash"] + cash_flow
    borrow = np.maximum(-cash, 0.0)
    cash = np.maximum(cash, 0.0)
    buffer = 0.5 * f["sales_total"]
    repay = np.minimum(np.maximum(cash - buffer, 0.0) * 0.5, f["debt"] + borrow)
    f["debt"] = f["debt"] + borrow - repay
    f["cash"] = cash - repay


def export_entry(model: ClusterModel) -> None:
    """Profitable firms start exporting with a chance that rises with absorptive capacity;
    entering a market costs a sunk share of the wage bill."""
    f, p, rng = model.firms, model.params, model.rng
    f["brand"] *= 1.0 - BRAND_DECAY
    able = (f["profit"] > 0) & (rng.random(f.n) < p["export_entry_rate"] * f["absorptive"])
    cost = p["export_entry_cost"] * wage_per_worker(model) * f["employees"]
    partner = able & ~f["exp_partner"] & (rng.random(f.n) < p["partner_entry_share"])
    third = able & ~f["exp_third"] & ~partner
    enter = (partner | third) & (f["cash"] >= cost)
    f["exp_partner"] = f["exp_partner"] | (partner & enter)
    f["exp_third"] = f["exp_third"] | (third & enter)
    # a foothold abroad: a small share of home sales, from which the replicator grows it
    f["base_partner"] = np.where(partner & enter, FOOTHOLD * f["base_home"], f["base_partner"])
    f["base_third"] = np.where(third & enter, FOOTHOLD * f["base_home"], f["base_third"])
    settle(model, -cost * enter)
