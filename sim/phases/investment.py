"""Investment: equipment vintages, foreign direct investment, investment lags.

New equipment closes part of a firm's gap to the world technology frontier (more with
absorptive capacity) and arrives after a lag that administrative barriers lengthen and park
services shorten; it is financed from cash, credit, grants and FDI, and carries import VAT.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PIPELINE
from sim.inputs.countries import COUNTRIES
from sim.inputs.units import QUARTERS_PER_YEAR, USD_M_PER_USD_BN
from sim.phases.finance import charge_import_vat, settle
from sim.phases.labour import wage_per_worker
from sim.phases.parks import park_services

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: FDI deal size, USD m (assumed).
FDI_DEAL = 0.5

#: Elasticity of a country's FDI volume to investors' mean appeal of its firms (assumed).
FDI_APPEAL_ELASTICITY = 0.5


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


def fdi_appeal(model: ClusterModel) -> np.ndarray:
    """How much foreign investors like each firm: park residence and profit-tax relief."""
    f, p = model.firms, model.params
    return 1.0 + p["fdi_park_attraction"] * (f["park"] >= 0) \
        + p["fdi_tax_attraction"] * f["relief_profit"]


def allocate_fdi(model: ClusterModel) -> None:
    """Foreign investors fund projects, preferring park residents and tax-relieved firms.
    A country's FDI volume starts at its data value and grows with its mean appeal (with an
    elasticity below one: parks and tax breaks attract some new investment and redirect the
    rest)."""
    f, rng = model.firms, model.rng
    appeal = fdi_appeal(model)
    weight = appeal * np.sqrt(f["employees"]) \
        * np.maximum(f["tech"] - FDI_TECH_OFFSET, FDI_MIN_TECH_TERM)
    for c in (0, 1):
        mine = np.flatnonzero(f["country"] == c)
        if mine.size == 0:
            continue
        pull = 1.0 if model.warming_up else \
            (appeal[mine].mean() / model.fdi_appeal0[c]) ** FDI_APPEAL_ELASTICITY
        deals = int(rng.poisson(model.fdi_base[c] * pull / FDI_DEAL))
        if deals:
            w = weight[mine] / weight[mine].sum()
            winners = rng.choice(mine, size=deals, p=w)
            np.add.at(f["fdi"], winners, FDI_DEAL)


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
    settle(model, RESALE_SHARE * sold)


def investment_phase(model: ClusterModel) -> None:
    """Order equipment at the firm's reachable technology, financed by own funds, credit,
    grants and FDI; pay import VAT on equipment; orders arrive after a lag."""
    f, p = model.firms, model.params
    c = f["country"]
    install_equipment(model)
    allocate_fdi(model)
    lag = investment_lag(model)
    growth = 1.0 + PLANNING_HORIZON * model.demand_growth[c]
    planned = f["demand"] * growth / (f["productivity"] * p["target_utilisation"])
    target = p["capital_per_worker"] * planned
    # orders under way beyond steady replacement count toward the target; the gap is
    # closed over a year
    replacement = p["depreciation"] * f["capital"]
    expansion_due = f["pipe_k"].sum(axis=1) - replacement * lag
    gap = np.maximum(target - f["capital"] - np.maximum(expansion_due, 0.0), 0.0)
    # subsidised projects and foreign investors' projects come on top of the firm's own plans
    want = (GAP_CLOSED_PER_QUARTER * gap + replacement
            + p["reinvest_share"] * np.maximum(f["net_income"], 0.0)
            + f["funded_project"] + f["fdi"])
    _sell_excess(model, target)
    leverage = np.where(f["state_owned"], STATE_LEVERAGE_FACTOR * p["max_leverage"],
                        p["max_leverage"])
    headroom = np.maximum(leverage * f["capital"] - f["debt"], 0.0)
    own = np.maximum(f["cash"] - WAGE_RESERVE * wage_per_worker(model) * f["employees"], 0.0)
    earmarked = f["grant"] + f["fdi"]
    invest = np.maximum(np.minimum(want, own + headroom + earmarked), earmarked)
    vat = charge_import_vat(model, invest)
    settle(model, earmarked - invest - vat)
    f["investment"] = invest
    new_tech = new_equipment_tech(model, f["tech"], f["absorptive"])
    slot = lag - 1
    rows = np.arange(f.n)
    f["pipe_k"][rows, slot] += invest
    f["pipe_tk"][rows, slot] += invest * new_tech


def new_equipment_tech(model: ClusterModel, tech: np.ndarray,
                       absorptive: np.ndarray) -> np.ndarray:
    """Technology generation of the equipment a firm can buy and use: it closes part of its
    gap to the world frontier, more the higher its absorptive capacity."""
    gap = np.maximum(model.frontier - tech, 0.0)
    return tech + model.params["technology_access"] * absorptive * gap


def fdi_reference_volume(model: ClusterModel) -> None:
    """FDI into tech per quarter at the model's scale (from the country data)."""
    model.fdi_base = np.zeros(2)
    model.fdi_appeal0 = np.ones(2)
    for k, code in enumerate(COUNTRIES):
        c = model.spec.countries[code]
        sample = (c["model_firms"] * model.scale_n) / max(c["real_tech_firms"], 1.0)
        model.fdi_base[k] = (c["gdp_usd_bn"] * USD_M_PER_USD_BN / QUARTERS_PER_YEAR
                             * c["fdi_share_gdp"] * c["fdi_to_tech_share"] * min(sample, 1.0))


def fdi_reference_appeal(model: ClusterModel) -> None:
    """Investors' mean appeal of each country's firms at the start of the run, so FDI
    starts at its data value whatever parks already hold."""
    appeal = fdi_appeal(model)
    country = model.firms["country"]
    model.fdi_appeal0 = np.array([appeal[country == k].mean() if (country == k).any()
                                  else 1.0 for k in (0, 1)])
