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
from sim.phases.finance import charge_import_vat, settle
from sim.phases.labour import wage_per_worker
from sim.phases.parks import park_services

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: FDI deal size, USD m (assumed).
FDI_DEAL = 0.5

#: Elasticity of a country's FDI volume to investors' mean appeal of its firms (assumed).
FDI_APPEAL_ELASTICITY = 0.5


#: Equipment above this multiple of the planned need is excess; the share of the excess sold
#: off per quarter; how much older (generations) the sold vintages are than the average
#: (assumed).
EXCESS_CAPITAL, DISINVEST_SPEED, OLD_VINTAGE_GAP = 1.3, 0.1, 0.3


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
    weight = appeal * np.sqrt(f["employees"]) * np.maximum(f["tech"] - 2.5, 0.1)
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
    lag = model.investment_lag[c] * (0.6 + 0.8 * model.admin_barrier[c]) \
        * (1.0 - 0.4 * park_services(model))
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
    f["equip_age"] = np.where(sold > 0, f["equip_age"] * (f["capital"] - 1.5 * sold) / left,
                              f["equip_age"])
    f["capital"] = f["capital"] - sold
    settle(model, 0.5 * sold)


def investment_phase(model: ClusterModel) -> None:
    """Order equipment at the firm's reachable technology, financed by own funds, credit,
    grants and FDI; pay import VAT on equipment; orders arrive after a lag."""
    f, p = model.firms, model.params
    c = f["country"]
    install_equipment(model)
    allocate_fdi(model)
    lag = investment_lag(model)
    growth = 1.0 + 4.0 * model.demand_growth[c]
    planned = f["demand"] * growth / (f["productivity"] * p["target_utilisation"])
    target = p["capital_per_worker"] * planned
    # orders under way beyond steady replacement count toward the target; the gap is
    # closed over a year
    replacement = p["depreciation"] * f["capital"]
    expansion_due = f["pipe_k"].sum(axis=1) - replacement * lag
    gap = np.maximum(target - f["capital"] - np.maximum(expansion_due, 0.0), 0.0)
    # subsidised projects and foreign investors' projects come on top of the firm's own plans
    want = (0.25 * gap + replacement + p["reinvest_share"] * np.maximum(f["net_income"], 0.0)
            + f["funded_project"] + f["fdi"])
    _sell_excess(model, target)
    leverage = np.where(f["state_owned"], 2.0 * p["max_leverage"], p["max_leverage"])
    headroom = np.maximum(leverage * f["capital"] - f["debt"], 0.0)
    own = np.maximum(f["cash"] - 0.25 * wage_per_worker(model) * f["employees"], 0.0)
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
        model.fdi_base[k] = (c["gdp_usd_bn"] * 1000 / 4 * c["fdi_share_gdp"]
                             * c["fdi_to_tech_share"] * min(sample, 1.0))


def fdi_reference_appeal(model: ClusterModel) -> None:
    """Investors' mean appeal of each country's firms at the start of the run, so FDI
    starts at its data value whatever parks already hold."""
    appeal = fdi_appeal(model)
    country = model.firms["country"]
    model.fdi_appeal0 = np.array([appeal[country == k].mean() if (country == k).any()
                                  else 1.0 for k in (0, 1)])
