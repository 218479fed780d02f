"""Investment with equipment vintages and FDI; R&D, innovation, product projects, spillovers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.firm import PIPELINE
from sim.economy import book_taxes, settle, wage_per_worker
from sim.network import KNOWLEDGE_WEIGHT, EdgeArrays
from sim.params import ABSORPTIVE_SCALE, FDI_DEAL
from sim.sectors import N_SECTORS

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Elasticity of a country's FDI volume to investors' mean appeal of its firms (assumed).
FDI_APPEAL_ELASTICITY = 0.5
#: Equipment above this multiple of the planned need is excess; the share of the excess sold
#: off per quarter; how much older (generations) the sold vintages are than the average
#: (assumed).
EXCESS_CAPITAL, DISINVEST_SPEED, OLD_VINTAGE_GAP = 1.3, 0.1, 0.3
#: Knowledge in the own field gained per unit of R&D / wage-bill ratio (assumed).
RD_LEARNING = 2.0


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
        * (1.0 - 0.4 * model.park_services())
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
    vat_due = model.import_vat[c] * invest
    vat = vat_due * (1.0 - f["relief_import_vat"])
    settle(model, earmarked - invest - vat)
    f["investment"] = invest
    f["tax_paid"] += vat
    book_taxes(model, vat, vat_due - vat)
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


def spillovers(model: ClusterModel, edges: EdgeArrays) -> np.ndarray:
    """Knowledge a firm can absorb this quarter (firms x fields): the strength-weighted mean
    lead of its partners over it, field by field (zero where it is ahead)."""
    f = model.firms
    k = np.vstack([f["kfield"], *(u.kfield[None, :] for u in model.universities)]) \
        if model.universities else f["kfield"]
    n_nodes, fields = edges.n_nodes, k.shape[1]
    w = edges.strength * KNOWLEDGE_WEIGHT[edges.kind]
    kt = k.T.copy()  # fields x nodes: each field's values in one row, the gathers contiguous
    lead_v = np.take(kt, edges.v, axis=1)
    lead_u = np.take(kt, edges.u, axis=1)
    np.subtract(lead_v, lead_u, out=lead_v)  # v's knowledge over u's
    lead_v *= w  # weighted by the tie (w >= 0: the same products as weighting the leads)
    np.minimum(lead_v, 0.0, out=lead_u)  # minus the lead of u over v
    np.maximum(lead_v, 0.0, out=lead_v)  # the lead of v over u
    gain = np.empty((n_nodes, fields))
    for field in range(fields):  # (a zero may carry the other sign: sums are the same)
        gain[:, field] = np.bincount(edges.u, weights=lead_v[field], minlength=n_nodes)
        gain[:, field] -= np.bincount(edges.v, weights=lead_u[field], minlength=n_nodes)
    total_w = np.bincount(edges.u, weights=w, minlength=n_nodes) \
        + np.bincount(edges.v, weights=w, minlength=n_nodes)
    gain /= np.maximum(total_w, 1.0)[:, None]
    return gain[: f.n]


def innovation_phase(model: ClusterModel, edges: EdgeArrays) -> None:
    """R&D builds knowledge; ties spill it over; innovations raise process efficiency or
    start and speed product projects; finished projects raise quality."""
    f, p, rng = model.firms, model.params, model.rng
    n = f.n
    rows = np.arange(n)
    ratio = f["rd_spend"] / np.maximum(wage_per_worker(model) * f["employees"], 1e-12)
    kf = f["kfield"]
    kf[rows, f["sector"]] += RD_LEARNING * ratio
    gain = spillovers(model, edges)
    flow = p["spillover_rate"] * (1.0 + model.levers.information[f["country"]])
    kf += (flow * f["absorptive"])[:, None] * gain
    kf *= 1.0 - p["knowledge_decay"]
    for uni in model.universities:
        uni.kfield = uni.kfield * (1.0 - p["knowledge_decay"]) + 0.02 * uni.research
    f["knowledge"] = kf.sum(axis=1)
    f["absorptive"] = 1.0 - np.exp(-f["knowledge"] / ABSORPTIVE_SCALE * (0.5 + f["skill"]))
    # partners with complementary knowledge raise the chance of a successful idea
    hazard = (p["base_innovation"] + p["rd_effect"] * ratio * (0.5 + f["absorptive"])
              + 0.02 * np.minimum(gain.sum(axis=1), 2.0))
    f["innovated"] = rng.random(n) < 1.0 - np.exp(-hazard)
    process = f["innovated"] & (rng.random(n) < 0.5)
    f["process"] = np.where(process, f["process"] * (1.0 + p["process_gain"]), f["process"])
    product = f["innovated"] & ~process
    idle = ~f["in_project"]
    f["project_start"] = np.where(product & idle, model.quarter, f["project_start"])
    f["in_project"] = f["in_project"] | product
    boost = np.where(product & ~idle, 0.25, 0.0)
    _advance_projects(model, boost)
    _imitate(model)


def _imitate(model: ClusterModel) -> None:
    """Laggards imitate: product quality and process efficiency move toward their sector's
    average in their country, faster with absorptive capacity (Nelson-Winter imitation)."""
    f, p = model.firms, model.params
    group = f["country"].astype(int) * N_SECTORS + f["sector"]
    weight = np.maximum(f["sales_total"], 1e-12)
    count = np.bincount(group, weights=weight, minlength=2 * N_SECTORS)
    rate = p["imitation_rate"] * f["absorptive"]
    for column in ("quality", "process"):
        mean = np.bincount(group, weights=weight * f[column], minlength=2 * N_SECTORS) \
            / np.maximum(count, 1e-12)
        gap = np.maximum(mean[group] - f[column], 0.0)
        f[column] = f[column] + rate * gap


def _advance_projects(model: ClusterModel, boost: np.ndarray) -> None:
    """Product projects progress with knowledge, park services and low barriers; a finished
    project launches a product (quality up) and records its time to market."""
    f, p = model.firms, model.params
    c = f["country"]
    busy = f["in_project"]
    speed = (1.0 / p["project_duration"]) * (0.5 + f["absorptive"]) \
        * (1.0 + 0.5 * model.park_services()) * (1.3 - 0.6 * model.admin_barrier[c])
    f["project_progress"] = np.where(busy, f["project_progress"] + speed + boost, 0.0)
    done = np.flatnonzero(busy & (f["project_progress"] >= 1.0))
    if done.size == 0:
        return
    f["quality"][done] += p["product_quality_gain"] * (1.0 - f["quality"][done])
    model.record_launches(c[done].astype(np.int64), model.quarter - f["project_start"][done] + 1)
    f["in_project"][done] = False
    f["project_progress"][done] = 0.0
