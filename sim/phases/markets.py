"""Markets: prices, competitiveness and market shares on the two home markets and third
countries, markups, export entry, and the world outside (imports, demand growth).

A firm always sells at home and may export to the partner country and to third markets.
Market shares follow replicator dynamics on quality, technology and price (trade costs and
VAT raise the price), against imports whose competitiveness follows the world technology
frontier and world quality growth.

Home demand has a trend part, which grows at the country's exogenous rate, and a part led by
the country's income (wages, dividends to domestic owners and government spending): income
above its reference path (its level at the start, grown at the trend rate) adds spending on
the modelled goods, income below it takes spending away (:func:`advance_world`). Third-country
demand is exogenous.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.inputs.sectors import N_SECTORS
from sim.network.ties import EdgeArrays, edge_arrays
from sim.phases.finance import settle
from sim.phases.labour import wage_per_worker
from sim.phases.supply import SupplyFlows, buy_inputs

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Index of Azerbaijan's home market in the market arrays (by definition: its country code).
HOME_AZ = 0
#: Index of Belarus's home market in the market arrays (by definition: its country code).
HOME_BY = 1
#: Index of third markets (the rest of the world) in the market arrays (by definition).
THIRD = 2
#: Starting markup over unit cost (assumed).
MARKUP0 = 0.2


#: Weight of technology generation in market competitiveness, relative to quality (assumed).
TECH_WEIGHT = 0.15


#: Markup ceiling (assumed).
MAX_MARKUP = 0.5
#: Change of the markup per unit of utilisation above (or below) target, per quarter
#: (assumed).
MARKUP_SPEED = 0.1
#: Change of the markup per unit of market-share growth, per quarter (assumed;
#: Keynes+Schumpeter models let markups follow market shares in the same way).
MARKUP_SHARE = 0.2
#: Largest growth of a firm's sales per quarter (either way, over the mean growth of demand)
#: to which its markup responds (assumed: a bound on one quarter's markup change).
SHARE_GROWTH_CAP = 0.2


#: Sales a new exporter starts with abroad, as a share of its home sales (assumed).
FOOTHOLD = 0.05


#: Weight of a firm's brand abroad (0-1) in its competitiveness on export markets: a fully
#: established brand is worth as much as a 10% lower price (assumed).
BRAND_WEIGHT = 0.2
#: Share of a firm's brand abroad that fades each quarter without new marketing (assumed).
BRAND_DECAY = 0.05
#: Marketing spending abroad, in quarters of the firm's sales, that closes half the gap to a
#: fully established brand: a quarter's marketing m closes m / (m + BRAND_HALF_SPEND x sales)
#: of the gap (diminishing returns; assumed, range 0.2-1: set so that a campaign's marketing
#: of USD 25,000 closes about 30% of the gap for an SME of the median winner's size, USD 0.14 m
#: of quarterly sales; no published estimate of a brand-building function was found).
BRAND_HALF_SPEND = 0.43
#: Quarters over which a firm values a new export market or a stronger brand when it decides
#: whether to pay for an export campaign (assumed, range 8-20: the payback periods of three to
#: five years firms report for export marketing).
EXPORT_HORIZON = 12

#: Perceived quality of a firm's product with inputs of quality 0, as a share of its own
#: quality: the share is (this + slope x input quality), 0.7-1 (assumed).
QUALITY_AT_NO_INPUT_QUALITY = 0.7
#: Rise of the perceived share of a product's quality per unit of input quality (assumed).
QUALITY_PER_INPUT_QUALITY = 0.3
#: Technology generation at which technology adds nothing to a firm's appeal (assumed: the
#: middle of the starting generations 3-6; where a country's firms sold in a market at the
#: start, the origin bias set in balance_markets absorbs it).
REFERENCE_GENERATION = 4.5
#: Largest gap of log-competitiveness between a firm and imports that enters the replicator
#: (implementation: keeps exp() from overflowing; the gaps in the bundled scenarios are
#: about 1 at most).
MAX_COMPETITIVENESS_GAP = 20.0
#: Least share of a market's spending on a sector that imports keep each quarter (assumed).
MIN_IMPORT_SHARE = 0.02
#: Least imports of a sector at the start, as a share of what the cluster's firms sell in
#: that market (assumed).
MIN_IMPORTS_AT_START = 0.05
#: Least home demand for a sector as a share of its trend, however far income falls below
#: its reference path (assumed: a floor that keeps demand positive in extreme runs; in the
#: bundled scenarios the income-led part moves demand by a few percent at most).
MIN_DEMAND_SHARE = 0.1


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
    q = f["quality"] * (QUALITY_AT_NO_INPUT_QUALITY
                        + QUALITY_PER_INPUT_QUALITY * f["input_quality"])
    appeal = q + TECH_WEIGHT * (f["tech"] - REFERENCE_GENERATION)
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
    z_out = import_competitiveness(model)
    for m in range(3):
        gap = np.clip(z[:, m] - z_out[m][sector], -MAX_COMPETITIVENESS_GAP,
                      MAX_COMPETITIVENESS_GAP)
        w = base[:, m] * np.exp(sel * gap)
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
        model.import_base[m] = np.maximum(model.demand[m] - sold,
                                          MIN_IMPORT_SHARE * model.demand[m])


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
    flows = buy_inputs(model, edges, volume * scale)
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
        + MARKUP_SHARE * np.clip(share_growth, -SHARE_GROWTH_CAP, SHARE_GROWTH_CAP)
    f["markup"] = np.clip(f["markup"] + change, 0.0, MAX_MARKUP)


def fade_brands(model: ClusterModel) -> None:
    """Brands abroad fade by a share each quarter and are built by the quarter's marketing
    spending (the ``marketing`` column), with diminishing returns (:data:`BRAND_HALF_SPEND`)."""
    f = model.firms
    f["brand"] *= 1.0 - BRAND_DECAY
    spend = f["marketing"]
    if spend.any():
        gain = spend / np.maximum(spend + BRAND_HALF_SPEND * f["sales_total"], 1e-12)
        f["brand"] += gain * (1.0 - f["brand"])


def export_market_value(model: ClusterModel, rows: np.ndarray, market: np.ndarray,
                        brand_gain: float | np.ndarray) -> np.ndarray:
    """What firms ``rows`` expect a year's export campaign in ``market`` (0 partner, 1 third,
    one per firm) to be worth over :data:`EXPORT_HORIZON` quarters, at their current profit
    margin: a market they do not serve yet brings sales like those of the firms of their
    country that serve it (as a share of home sales, the median), one they serve grows by the
    brand's weight in competitiveness times the ``brand_gain`` the campaign's marketing
    brings."""
    f = model.firms
    margin = np.maximum(f["profit"][rows], 0.0) / np.maximum(f["sales_total"][rows], 1e-12)
    columns = (("exp_partner", "sales_partner"), ("exp_third", "sales_third"))
    typical = np.zeros((2, 2))  # country x market: median sales there / home sales
    for m, (flag, sales) in enumerate(columns):
        for c in (0, 1):
            serving = f[flag] & (f["country"] == c) & (f["sales_home"] > 0)
            if serving.any():
                typical[c, m] = np.median(f[sales][serving] / f["sales_home"][serving])
    serves = np.where(market == 0, f["exp_partner"][rows], f["exp_third"][rows])
    there = np.where(market == 0, f["sales_partner"][rows], f["sales_third"][rows])
    new = typical[f["country"][rows], market] * f["sales_home"][rows]
    gain = np.where(serves, BRAND_WEIGHT * brand_gain * there, new)
    return margin * gain * EXPORT_HORIZON


def export_entry(model: ClusterModel) -> None:
    """Profitable firms start exporting when they learn enough about a foreign market, with a
    chance that rises with absorptive capacity; entering a market costs a sunk share of the
    wage bill, which the firm pays from its cash. A firm in a supported export campaign
    (``promo_until``) knows its campaign's market (``promo_market``: 0 partner, 1 third) from
    the fairs and market research, and what it spent on them (``entry_credit``) counts toward
    the sunk cost."""
    f, p, rng = model.firms, model.params, model.rng
    able = (f["profit"] > 0) & (rng.random(f.n) < p["export_entry_rate"] * f["absorptive"])
    cost = p["export_entry_cost"] * wage_per_worker(model) * f["employees"]
    partner = able & ~f["exp_partner"] & (rng.random(f.n) < p["partner_entry_share"])
    third = able & ~f["exp_third"] & ~partner
    campaign = f["promo_until"] >= max(model.quarter, 1)  # (campaigns run from quarter 1)
    if campaign.any():  # the campaign's market is known; what was spent on it counts
        known = campaign & (f["profit"] > 0)
        partner |= known & (f["promo_market"] == 0) & ~f["exp_partner"]
        third |= known & (f["promo_market"] == 1) & ~f["exp_third"] & ~partner
        cost = np.where(campaign, np.maximum(cost - f["entry_credit"], 0.0), cost)
    enter = (partner | third) & (f["cash"] >= cost)
    f["exp_partner"] = f["exp_partner"] | (partner & enter)
    f["exp_third"] = f["exp_third"] | (third & enter)
    # a foothold abroad: a small share of home sales, from which the replicator grows it
    f["base_partner"] = np.where(partner & enter, FOOTHOLD * f["base_home"], f["base_partner"])
    f["base_third"] = np.where(third & enter, FOOTHOLD * f["base_home"], f["base_third"])
    f["export_entry_cost"] += cost * enter
    settle(model, -cost * enter)


def import_competitiveness(model: ClusterModel) -> np.ndarray:
    """Log-competitiveness of imports by market and sector: foreign products follow the
    technology frontier and improve in quality at the world's pace."""
    z = TECH_WEIGHT * (model.frontier - model.frontier0) \
        + model.params["foreign_quality_growth"] * model.steps
    return np.full((3, N_SECTORS), z)


def advance_world(model: ClusterModel) -> None:
    """The world frontier advances; third-market demand and the trend of home demand grow at
    their rates; home demand follows this quarter's income (:func:`home_income`).

    Each country's income is compared with its reference path: during the warm-up the
    reference is the income itself (demand is the trend), from quarter 0 on it grows at the
    country's trend rate. Income above the reference (e.g. a government spending more) is
    spent on the modelled sectors' goods with the propensity ``spending_propensity``; the
    price paid includes VAT, so the sellers and imports of the home market receive it
    divided by (1 + VAT). The extra spending goes to each sector in proportion to its trend
    demand, and is divided among firms and imports by the market like any other spending.
    """
    model.frontier += model.params["frontier_growth"]
    growth = model.demand_growth
    model.demand_trend *= 1.0 + growth[:, None]
    model.demand[THIRD] *= 1.0 + growth.mean()
    income = home_income(model)
    if model.warming_up or model.income_reference is None:
        model.income_reference = income.copy()
    else:
        model.income_reference *= 1.0 + growth
    extra = model.params["spending_propensity"] * (income - model.income_reference) \
        / (1.0 + model.vat)
    total = model.demand_trend.sum(axis=1)
    factor = 1.0 + np.divide(extra, total, out=np.zeros_like(extra), where=total > 0)
    model.demand[[HOME_AZ, HOME_BY]] = model.demand_trend \
        * np.maximum(factor, MIN_DEMAND_SHARE)[:, None]


def home_income(model: ClusterModel) -> np.ndarray:
    """Income of each country this quarter (USD m): its firms' wage bill and dividends to
    domestic owners (recorded by the finance phase, after taxes) and its government's
    spending (policies, and whatever else it books as spending)."""
    spending = np.array([gov.spent_this_step for gov in model.governments.values()])
    return model.household_income + spending


def balance_markets(model: ClusterModel) -> None:
    """Start every market in balance: firms sell at their target utilisation, exporters
    send a share abroad, and imports hold the rest of each home market (so domestic firms
    start at ``home_share0``) and of third markets (cluster firms at ``third_share0``)."""
    f, p = model.firms, model.params
    model.ulc_reference = 1.0
    ulc = wage_per_worker(model) / f["productivity"]
    model.ulc_reference = float(np.average(ulc, weights=f["employees"])) if f.n else 1.0
    set_prices(model)
    value = f["capacity"] * p["target_utilisation"] * f["price"]
    f["base_partner"] = np.where(f["exp_partner"], p["partner_export_share0"] * value, 0.0)
    f["base_third"] = np.where(f["exp_third"], p["export_share0"] * value, 0.0)
    f["base_home"] = value - f["base_partner"] - f["base_third"]
    base = customer_base(model)
    model.demand = np.zeros((3, N_SECTORS))
    model.import_base = np.zeros((3, N_SECTORS))
    for m in (HOME_AZ, HOME_BY, THIRD):
        own = f["country"] == m if m != THIRD else np.ones(f.n, dtype=bool)
        target = p["home_share0"] if m != THIRD else p["third_share0"]
        sold = np.bincount(f["sector"], weights=base[:, m], minlength=N_SECTORS)
        domestic = np.bincount(f["sector"][own], weights=base[own, m], minlength=N_SECTORS)
        imports = domestic * (1.0 - target) / target - (sold - domestic)
        model.import_base[m] = np.maximum(imports, MIN_IMPORTS_AT_START * sold)
        model.demand[m] = sold + model.import_base[m]
    # home demand starts at its trend; the income-led part is set from the warm-up's income
    model.demand_trend = model.demand[[HOME_AZ, HOME_BY]].copy()
    model.household_income = np.zeros(len(model.vat))
    model.income_reference = None
    # Preferences by origin (home bias) are set so that each group of sellers would start
    # in balance at the bundled data's trade costs and VAT; a scenario that sets other
    # trade costs or VAT, and later changes of competitiveness, then move shares.
    z = _reference_competitiveness(model)
    model.origin_bias = np.zeros((3, N_SECTORS, 2))
    for m in range(3):
        for c in (0, 1):
            sel = (f["country"] == c) & (base[:, m] > 0)
            zw = np.bincount(f["sector"][sel], weights=base[sel, m] * z[sel, m],
                             minlength=N_SECTORS)
            total = np.bincount(f["sector"][sel], weights=base[sel, m], minlength=N_SECTORS)
            model.origin_bias[m, :, c] = -zw / np.maximum(total, 1e-12)
    # one production pass fills sales, inputs and demand, which the first quarter plans on
    model.supply_flows = production_phase(model, edge_arrays(model))


def _reference_competitiveness(model: ClusterModel) -> np.ndarray:
    """Firms' competitiveness with the trade costs and VAT of the bundled country data."""
    scenario = model.trade_cost, model.vat
    ref = list(model.spec.reference_countries().values())
    model.trade_cost = model.trade_cost_reference
    model.vat = np.array([r["vat"] for r in ref])
    try:
        return competitiveness(model)
    finally:
        model.trade_cost, model.vat = scenario

