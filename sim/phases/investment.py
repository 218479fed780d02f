"""Investment: equipment vintages, foreign direct investment, investment lags.

New equipment closes part of a firm's gap to the world technology frontier (more with
absorptive capacity) and arrives after a lag that administrative barriers lengthen and park
services shorten; it is financed from cash, credit, grants and FDI, and carries import VAT.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PIPELINE
from sim.inputs.countries import COUNTRIES, per_country
from sim.inputs.sectors import SECTORS
from sim.inputs.units import QUARTERS_PER_YEAR, USD_M_PER_USD_BN
from sim.phases.finance import charge_import_vat, settle
from sim.phases.labour import wage_per_worker
from sim.phases.parks import park_services
from sim.phases.supply import PARTNER, THIRD

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Sector key -> sector code.
SECTOR_CODES = {key: i for i, key in enumerate(SECTORS)}

#: Sectors whose products are equipment the other firms can buy (machinery, electrical; by
#: definition of the sectors).
EQUIPMENT_SECTORS = (SECTOR_CODES["machinery"], SECTOR_CODES["electrical"])
#: FDI deal size, USD m (assumed).
FDI_DEAL = 0.5
#: Weight of market access in investors' expected return from a firm, in log-points per
#: log-point of the firm's demand over its capacity (demand before the capacity limit: new
#: capacity earns where demand presses on the old; assumed, range 0.5-2).
FDI_MARKET_WEIGHT = 1.0
#: Largest log-point of demand over capacity investors count (assumed: demand twice the
#: capacity or more counts as twice, and half or less as half).
FDI_MAX_MARKET_GAP = 0.7
#: Weight of the firm's workforce skill (0-1) in investors' expected return, log-points per
#: unit of skill (assumed, range 0.5-2: a firm with skill 0.7 draws about 20% more
#: investment than one with 0.5).
FDI_SKILL_WEIGHT = 1.0
#: Weight of trade costs in investors' expected return: the return falls with the log of one
#: plus the trade cost averaged over the firm's sales (0 at home), one for one as they cut
#: the revenue an exporter keeps (by definition: ad-valorem trade costs).
FDI_TRADE_COST_WEIGHT = 1.0
#: Least equity a firm counts when foreign investors buy into it, USD m (by definition: a
#: firm whose capital and cash are below its debt has no equity left, so a deal buys all of
#: it).
EQUITY_FLOOR = 0.0

#: Equipment above this multiple of the planned need is excess (assumed).
EXCESS_CAPITAL = 1.3
#: Share of the excess equipment sold off per quarter (assumed).
DISINVEST_SPEED = 0.1
#: How much older (generations) the sold vintages are than the firm's average (assumed).
OLD_VINTAGE_GAP = 0.3
#: Age of the equipment sold off relative to the firm's average equipment age (assumed: the
#: oldest vintages go first).
SOLD_AGE_FACTOR = 1.5
#: Price of equipment sold off, as a share of its book value (assumed: half).
RESALE_SHARE = 0.5

#: Technology generation below which investors see no technology in a firm: a firm's weight
#: in the FDI draw grows with its generation above this (assumed).
FDI_TECH_OFFSET = 2.5
#: Least technology term of a firm's weight in the FDI draw, so that every firm can be chosen
#: (assumed).
FDI_MIN_TECH_TERM = 0.1

#: Factor on the country's investment lag at no administrative barriers (assumed: with
#: LAG_PER_BARRIER the factor is 0.6-1.4, and 1 at barrier 0.5). The administrative-barrier
#: index (0-1, country data) enters three mechanisms, each in its own form: the investment lag
#: is multiplied by (LAG_AT_NO_BARRIER + LAG_PER_BARRIER x barrier) here, product projects'
#: speed by (PROJECT_SPEED_AT_NO_BARRIER - PROJECT_SPEED_PER_BARRIER x barrier) in
#: sim.phases.innovation, and the SME entry rate by (ENTRY_AT_NO_BARRIER - barrier) in
#: sim.phases.entry_exit.
LAG_AT_NO_BARRIER = 0.6
#: Rise of the investment-lag factor per unit of the administrative-barrier index (assumed;
#: the three forms of the barrier: see LAG_AT_NO_BARRIER).
LAG_PER_BARRIER = 0.8
#: Share of the investment lag that a park's full services (services level 1) cut; the cut is
#: proportional to the services level (assumed).
LAG_CUT_BY_SERVICES = 0.4

#: Quarters ahead for which firms plan the equipment demand will need: planned demand grows
#: by this many quarters of the home demand growth (assumed: a year ahead).
PLANNING_HORIZON = 4.0
#: Share of the gap between the capital planned output needs and the capital installed or
#: under way that firms order each quarter (assumed: the gap is closed over about a year).
GAP_CLOSED_PER_QUARTER = 0.25
#: Debt ceiling of state-owned firms as a multiple of private firms' (max_leverage x capital)
#: (assumed: soft budget constraint).
STATE_LEVERAGE_FACTOR = 2.0
#: Cash a firm holds back from investment, as a share of its quarterly wage bill (assumed:
#: about three weeks' wages).
WAGE_RESERVE = 0.25


def install_equipment(model: ClusterModel) -> None:
    """Equipment ordered earlier arrives; capital depreciates; vintages update tech and age."""
    f, p = model.firms, model.params
    arrive_k, arrive_tk = f["pipe_k"][:, 0].copy(), f["pipe_tk"][:, 0].copy()
    for name in ("pipe_k", "pipe_tk"):
        pipe = f[name]
        pipe[:, :-1] = pipe[:, 1:]
        pipe[:, -1] = 0.0
    kept = f["capital"] * (1.0 - p["depreciation"])
    new = kept + arrive_k
    safe = np.maximum(new, 1e-12)
    f["tech"] = np.where(new > 0, (f["tech"] * kept + arrive_tk) / safe, f["tech"])
    f["equip_age"] = np.where(new > 0, (f["equip_age"] + 1.0) * kept / safe, 0.0)
    f["capital"] = new


def effective_profit_tax(model: ClusterModel) -> np.ndarray:
    """Profit-tax rate each firm pays on its profit: its country's rate less the share its park
    or a tax break forgives this quarter."""
    f = model.firms
    return model.profit_tax[f["country"]] * (1.0 - f["relief_profit"])


def fdi_return(model: ClusterModel) -> np.ndarray:
    """Log of investors' expected return from a deal with each firm, before profit tax (up to
    a constant): market access (its demand over its capacity), park infrastructure (the
    services of its park), its workforce's skill, and the trade costs on its sales."""
    f, p = model.firms, model.params
    pressure = np.clip(np.log(np.maximum(f["demand"], 1e-12) / np.maximum(f["capacity"], 1e-12)),
                       -FDI_MAX_MARKET_GAP, FDI_MAX_MARKET_GAP)
    home, partner, third = f["sales_home"], f["sales_partner"], f["sales_third"]
    sales = home + partner + third
    c = f["country"]
    cost = np.divide(partner * model.trade_cost[c, PARTNER] + third * model.trade_cost[c, THIRD],
                     sales, out=np.zeros(f.n), where=sales > 0)
    return (FDI_MARKET_WEIGHT * pressure + p["fdi_services_weight"] * park_services(model)
            + FDI_SKILL_WEIGHT * f["skill"] - FDI_TRADE_COST_WEIGHT * np.log1p(cost))


def fdi_weights(model: ClusterModel) -> np.ndarray:
    """Each firm's weight in investors' choice within its country: its size and technology
    (what a deal can build on) times its expected return after profit tax, where the tax
    enters with the semi-elasticity of FDI to the tax rate. The weights of one country's firms
    depend on nothing in the other country."""
    f = model.firms
    size = np.sqrt(f["employees"]) * np.maximum(f["tech"] - FDI_TECH_OFFSET, FDI_MIN_TECH_TERM)
    return size * np.exp(fdi_return(model)
                         - model.params["fdi_tax_semi_elasticity"] * effective_profit_tax(model))


def country_profit_tax(model: ClusterModel, weights: np.ndarray | None = None) -> np.ndarray:
    """The profit-tax rate investors expect in each country (AZ, BY): its firms' effective
    rates weighted by investors' choice within the country (a country without firms: its
    statutory rate)."""
    f = model.firms
    weights = fdi_weights(model) if weights is None else weights
    tax, c = effective_profit_tax(model), f["country"]
    total = per_country(weights, c)
    taxed = per_country(weights * tax, c)
    return np.divide(taxed, total, out=model.profit_tax.astype(float).copy(), where=total > 0)


def fdi_volume(model: ClusterModel, weights: np.ndarray | None = None) -> np.ndarray:
    """FDI each country (AZ, BY) receives this quarter, USD m: the two countries' total stays
    at the data values (``fdi_base``), split in proportion to each country's data value times
    exp(-semi-elasticity x the change of its expected profit-tax rate since the start of the
    run), so a country whose tax falls by one point draws about 3.3% more FDI relative to the
    other. During the warm-up the split is the data's."""
    base = model.fdi_base
    if model.warming_up or model.fdi_tax0 is None:
        return base.copy()
    change = country_profit_tax(model, weights) - model.fdi_tax0
    pull = base * np.exp(-model.params["fdi_tax_semi_elasticity"] * change)
    return base.sum() * pull / max(pull.sum(), 1e-12)


def allocate_fdi(model: ClusterModel) -> None:
    """Foreign investors choose a country by its expected profit-tax rate (the total volume
    stays at the data value, :func:`fdi_volume`), then a sector and firm within it by expected
    return (:func:`fdi_weights`); deals of FDI_DEAL arrive as a Poisson count. FDI buys equity:
    the receiving firm's foreign share rises to the investor's stake in its equity after the
    deal (:func:`take_equity`)."""
    f, rng = model.firms, model.rng
    weight = fdi_weights(model)
    volume = fdi_volume(model, weight)
    for c in (0, 1):
        mine = np.flatnonzero(f["country"] == c)
        if mine.size == 0:
            continue
        deals = int(rng.poisson(volume[c] / FDI_DEAL))
        if deals:
            w = weight[mine] / weight[mine].sum()
            winners = rng.choice(mine, size=deals, p=w)
            np.add.at(f["fdi"], winners, FDI_DEAL)
    take_equity(model, f["fdi"])


def firm_equity(model: ClusterModel) -> np.ndarray:
    """Each firm's equity, USD m: capital plus cash less debt, at least EQUITY_FLOOR."""
    f = model.firms
    return np.maximum(f["capital"] + f["cash"] - f["debt"], EQUITY_FLOOR)


def take_equity(model: ClusterModel, fdi: np.ndarray) -> None:
    """Foreign investors buy new equity worth ``fdi`` (USD m per firm): the foreign share of a
    firm becomes (its old share x its equity before + fdi) / its equity after the deal, so the
    new investors hold fdi / equity after, earlier holders are diluted, and the share stays in
    [0, 1]."""
    f = model.firms
    got = fdi > 0
    if not got.any():
        return
    before = firm_equity(model)
    after = before + fdi
    share = (f["foreign_share"] * before + fdi) / np.maximum(after, 1e-12)
    f["foreign_share"] = np.where(got, np.clip(share, 0.0, 1.0), f["foreign_share"])


def investment_lag(model: ClusterModel) -> np.ndarray:
    """Quarters until ordered equipment works: longer with administrative barriers, shorter
    with park services."""
    c = model.firms["country"]
    lag = model.investment_lag[c] * (LAG_AT_NO_BARRIER + LAG_PER_BARRIER * model.admin_barrier[c]) \
        * (1.0 - LAG_CUT_BY_SERVICES * park_services(model))
    return np.clip(np.rint(lag).astype(int), 1, PIPELINE)


def _sell_excess(model: ClusterModel, target: np.ndarray) -> None:
    """Equipment well beyond what planned output needs is sold off, oldest first, at half its
    book value; selling old vintages raises the average technology and lowers the age."""
    f = model.firms
    excess = np.maximum(f["capital"] - EXCESS_CAPITAL * target, 0.0)
    sold = DISINVEST_SPEED * excess
    left = np.maximum(f["capital"] - sold, 1e-12)
    raised = (f["tech"] * f["capital"] - (f["tech"] - OLD_VINTAGE_GAP) * sold) / left
    # what is kept can be no newer than the newest equipment there is (the frontier, or the
    # firm's own average if that is already ahead of it)
    f["tech"] = np.where(sold > 0, np.minimum(raised, np.maximum(f["tech"], model.frontier)),
                         f["tech"])
    f["equip_age"] = np.where(sold > 0,
                              f["equip_age"] * (f["capital"] - SOLD_AGE_FACTOR * sold) / left,
                              f["equip_age"])
    f["capital"] = f["capital"] - sold
    f["equipment_resale"] += RESALE_SHARE * sold
    settle(model, RESALE_SHARE * sold)


def investment_phase(model: ClusterModel) -> None:
    """Order equipment at the firm's reachable technology, financed by own funds, credit,
    grants and FDI; pay import VAT on equipment; orders arrive after a lag."""
    f = model.firms
    c = f["country"]
    install_equipment(model)
    allocate_fdi(model)
    lag = investment_lag(model)
    target, plan = own_plan(model, lag)
    # subsidised projects and foreign investors' projects come on top of the firm's own plans
    want = plan + f["funded_project"] + f["fdi"]
    _sell_excess(model, target)
    earmarked = f["grant"] + f["fdi"]
    invest = np.maximum(np.minimum(want, financing_room(model) + earmarked), earmarked)
    vat = charge_import_vat(model, invest)
    settle(model, earmarked - invest - vat)
    f["investment"] = invest
    model._equipment_offer = (model.steps, equipment_reach(model))
    new_tech = new_equipment_tech(model, f["tech"], f["absorptive"], c,
                                  model._equipment_offer[1])
    slot = lag - 1
    rows = np.arange(f.n)
    f["pipe_k"][rows, slot] += invest
    f["pipe_tk"][rows, slot] += invest * new_tech


def own_plan(model: ClusterModel, lag: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Each firm's target capital and what it plans to invest this quarter on its own: the
    gap to the capital its expected demand needs (orders under way beyond steady replacement
    count toward it; a year closes it), replacement, and a share of its net income. A policy
    may read it to tell whether a firm would have invested in a project without a grant."""
    f, p = model.firms, model.params
    c = f["country"]
    lag = investment_lag(model) if lag is None else lag
    growth = 1.0 + PLANNING_HORIZON * model.demand_growth[c]
    planned = f["demand"] * growth / (f["productivity"] * p["target_utilisation"])
    target = p["capital_per_worker"] * planned
    replacement = p["depreciation"] * f["capital"]
    expansion_due = f["pipe_k"].sum(axis=1) - replacement * lag
    gap = np.maximum(target - f["capital"] - np.maximum(expansion_due, 0.0), 0.0)
    plan = (GAP_CLOSED_PER_QUARTER * gap + replacement
            + p["reinvest_share"] * np.maximum(f["net_income"], 0.0))
    return target, plan


def financing_room(model: ClusterModel) -> np.ndarray:
    """What each firm can spend on investment from its own funds: cash above a wage reserve
    plus the credit its leverage limit still allows (state firms' limit is higher)."""
    f, p = model.firms, model.params
    leverage = np.where(f["state_owned"], STATE_LEVERAGE_FACTOR * p["max_leverage"],
                        p["max_leverage"])
    headroom = np.maximum(leverage * f["capital"] - f["debt"], 0.0)
    own = np.maximum(f["cash"] - WAGE_RESERVE * wage_per_worker(model) * f["employees"], 0.0)
    return own + headroom


def new_equipment_tech(model: ClusterModel, tech: np.ndarray, absorptive: np.ndarray,
                       country: np.ndarray | None = None,
                       reach: np.ndarray | None = None) -> np.ndarray:
    """Technology generation of the equipment a firm can buy and use: it closes part of its
    gap to the technology of what is on offer, more the higher its absorptive capacity. On
    offer in a country (``country``: the buyers' country codes) is a mix of imports at the
    world frontier and domestic machinery and electrical producers' products
    (:func:`equipment_reach`, or ``reach`` when given: its value per country); without
    ``country``, imports only."""
    if country is None:
        on_offer = model.frontier
    else:
        on_offer = (equipment_reach(model) if reach is None else reach)[country]
    gap = np.maximum(on_offer - tech, 0.0)
    return tech + model.params["technology_access"] * absorptive * gap


def domestic_equipment_tech(model: ClusterModel) -> np.ndarray:
    """Technology generation of the equipment domestic producers sell at home in each country
    (AZ, BY): the home-sales-weighted mean of machinery and electrical firms' latest products
    (a firm's product is never older than its own equipment; none newer than the world
    frontier). The frontier where a country has no such producer."""
    f = model.firms
    sector = f["sector"]
    maker = (sector == EQUIPMENT_SECTORS[0]) | (sector == EQUIPMENT_SECTORS[1])
    tech = np.minimum(np.maximum(f["product_tech"], f["tech"]), model.frontier)
    weight = np.where(maker, np.maximum(f["sales_home"], 0.0), 0.0)
    c = f["country"]
    total = np.bincount(c, weights=weight, minlength=len(COUNTRIES))
    made = np.bincount(c, weights=weight * tech, minlength=len(COUNTRIES))
    return np.where(total > 0, made / np.maximum(total, 1e-300), model.frontier)


def equipment_on_offer(model: ClusterModel) -> np.ndarray:
    """:func:`equipment_reach` as the investment phase found it this quarter (entrants buy
    what incumbents were offered), or now if that phase has not run this quarter."""
    cached = getattr(model, "_equipment_offer", None)
    if cached is not None and cached[0] == model.steps:
        return cached[1]
    return equipment_reach(model)


def equipment_reach(model: ClusterModel) -> np.ndarray:
    """Technology generation of the equipment on offer in each country (AZ, BY): domestic
    producers' share (``domestic_equipment_share``, country data) at their products'
    technology, the rest imported at the world frontier."""
    share = np.array([model.spec.countries[code]["domestic_equipment_share"]
                      for code in COUNTRIES])
    return share * domestic_equipment_tech(model) + (1.0 - share) * model.frontier


def fdi_reference_volume(model: ClusterModel) -> None:
    """FDI into tech per quarter at the model's scale (from the country data)."""
    model.fdi_base = np.zeros(2)
    model.fdi_tax0 = None
    for k, code in enumerate(COUNTRIES):
        c = model.spec.countries[code]
        sample = (c["model_firms"] * model.scale_n) / max(c["real_tech_firms"], 1.0)
        model.fdi_base[k] = (c["gdp_usd_bn"] * USD_M_PER_USD_BN / QUARTERS_PER_YEAR
                             * c["fdi_share_gdp"] * c["fdi_to_tech_share"] * min(sample, 1.0))


def fdi_reference_tax(model: ClusterModel) -> None:
    """The profit-tax rate investors expect in each country at the start of the run, with the
    bundled data's statutory rates, so FDI starts at its data split whatever parks already
    grant, and a scenario's own rates or reliefs move it."""
    scenario = model.profit_tax
    model.profit_tax = np.array([c["profit_tax"]
                                 for c in model.spec.reference_countries().values()])
    try:
        model.fdi_tax0 = country_profit_tax(model)
    finally:
        model.profit_tax = scenario
