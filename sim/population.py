"""The population of agents: the starting one from country data and its first ties, new
firms' values, and adding and removing firms.

The starting population follows the report's institutional environment: a few large state-owned
incumbents with 3rd-4th generation equipment holding most employment, many small private firms,
sparse mostly vertical ties.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents import Firm, Government, Park, University
from sim.agents.firm import PIPELINE
from sim.inputs.countries import COUNTRIES, baseline_parks
from sim.inputs.sectors import N_SECTORS, SECTORS, SUPPLIES
from sim.network.ties import add_new_ties
from sim.phases.finance import RELIEFS
from sim.phases.innovation import absorptive_capacity
from sim.phases.investment import new_equipment_tech
from sim.phases.markets import MARKUP0
from sim.phases.parks import add_park, strongest_university
from sim.phases.supply import IMPORT_DELIVERY, IMPORT_QUALITY

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Pareto tail index of private firm sizes (Axtell 2001: about 1 for all US firms).
SIZE_TAIL = 1.1
MIN_SIZE, MAX_PRIVATE_SIZE = 5.0, 5000.0
#: Equipment age at start, quarters (assumed: state incumbents' equipment is old).
STATE_EQUIP_AGE, PRIVATE_EQUIP_AGE = 48.0, 24.0


def build_governments(model: ClusterModel) -> dict[str, Government]:
    """One government per country (its rates and barriers are the model's country arrays)."""
    return {code: Government(model, code) for code in COUNTRIES}


def build_universities(model: ClusterModel) -> list[University]:
    """Universities and research institutes; research capacity follows national R&D effort."""
    unis = []
    for code in COUNTRIES:
        c = model.spec.countries[code]
        n = max(int(round(c["universities"] * model.scale_n)), 1 if c["universities"] else 0)
        # research capacity: relative to a 0.5% of GDP R&D effort (assumed scaling)
        research = c["rd_share_gdp"] / 0.005
        for _ in range(n):
            kfield = model.rng.gamma(2.0, 1.0, N_SECTORS) * (1.0 + research)
            unis.append(University(model, code, research * model.rng.uniform(0.6, 1.4), kfield,
                                   c["graduate_skill"], max_ties=int(6 + 10 * research)))
    return unis


def build_parks(model: ClusterModel) -> None:
    """The parks that exist at the start (see sim/data/countries.toml)."""
    for spec in baseline_parks():
        reliefs = {k: spec[k] for k in RELIEFS}
        host = -1
        if spec["kind"] == "technopark":
            host = strongest_university(model, spec["country"])
        add_park(model, Park(
            model, spec["name"], spec["country"], spec["kind"], spec["sector"],
            capacity=max(int(round(spec["capacity"] * model.scale_n)), 1), reliefs=reliefs,
            relief_quarters=int(spec["relief_years"] * 4), services=0.5, host=host,
            min_rd_intensity=0.01 * model.rd_scale if spec["kind"] == "technopark" else 0.0,
            relief_periods={k: int(spec[f"{k}_years"] * 4) for k in RELIEFS
                            if f"{k}_years" in spec}))


def initial_firm_values(model: ClusterModel, code: str, n: int) -> dict[str, np.ndarray]:
    """Columns for the starting firms of one country."""
    c = model.spec.countries[code]
    rng = model.rng
    n_state = max(3, int(round(0.02 * n))) if n >= 10 else 0
    n_state = min(n_state, n)
    private = MIN_SIZE * (1.0 - rng.random(n - n_state)) ** (-1.0 / SIZE_TAIL)
    private = np.minimum(private, MAX_PRIVATE_SIZE)
    state = rng.lognormal(np.log(2000.0), 0.9, n_state)
    share = c["state_owned_share_employment"]
    if n_state and n - n_state and 0 < share < 1:
        state *= share / (1 - share) * private.sum() / state.sum()
    employees = np.concatenate([state, private])
    owned = np.arange(n) < n_state
    sector = rng.choice(N_SECTORS, size=n, p=_shares(c["sector_shares"]))
    tech = np.clip(c["initial_tech_generation"] + rng.normal(0, 0.25, n) - 0.2 * owned, 3.0, 6.0)
    mgmt = np.where(owned, rng.uniform(0.25, 0.45, n), rng.beta(2.0, 3.0, n))
    rd = np.where(owned, c["rd_intensity_state"], c["rd_intensity_private"])
    values = _common_values(model, code, n, employees, sector, tech, mgmt, rd)
    values.update(
        state_owned=owned,
        born=model.quarter - rng.integers(4, 120, n),
        equip_age=np.where(owned, STATE_EQUIP_AGE, PRIVATE_EQUIP_AGE) * rng.uniform(0.7, 1.3, n),
        debt=0.3 * values["capital"],
    )
    # Product projects already under way (steady state), so early launch times are typical.
    busy = (rd > 0) & (rng.random(n) < 0.3)
    progress = rng.random(n)
    values["in_project"] = busy
    values["project_start"] = np.where(
        busy, model.quarter - np.rint(progress * model.params["project_duration"]).astype(int),
        model.quarter)
    values["project_progress"] = np.where(busy, progress, 0.0)
    # Large firms already export: to the partner country and to third markets.
    big = employees >= np.quantile(employees, 0.9) if n else np.zeros(0, dtype=bool)
    values["exp_partner"] = big & (rng.random(n) < 0.5)
    values["exp_third"] = big & (rng.random(n) < 0.5)
    return values


def entrant_values(model: ClusterModel, code: str, n: int, spinoff: bool,
                   sector: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Columns for new SMEs or spin-offs in one country."""
    c = model.spec.countries[code]
    rng = model.rng
    employees = np.maximum(rng.lognormal(np.log(12.0), 0.6, n), 2.0)
    if sector is None:
        sector = rng.choice(N_SECTORS, size=n, p=_shares(c["sector_shares"]))
    # entrants start with new equipment; spin-offs bring more know-how
    start = np.array([model.tech_reference[COUNTRIES.index(code)] + 0.3])
    tech = np.clip(new_equipment_tech(model, start, np.array([0.8 if spinoff else 0.5]))
                   + rng.normal(0, 0.2, n), 3.0, 6.0)
    mgmt = rng.beta(2.0, 3.0, n)
    rd = c["rd_intensity_private"] * (4.0 if spinoff else 1.0)
    values = _common_values(model, code, n, employees, sector, tech, mgmt, rd)
    if spinoff:
        values["kfield"][np.arange(n), sector] *= 2.0
    values.update(born=np.full(n, model.quarter), spinoff=np.full(n, spinoff),
                  equip_age=np.zeros(n))
    return values


def _common_values(model: ClusterModel, code: str, n: int, employees: np.ndarray,
                   sector: np.ndarray, tech: np.ndarray, mgmt: np.ndarray,
                   rd_intensity: float | np.ndarray) -> dict[str, np.ndarray]:
    rng = model.rng
    p = model.params
    ci = COUNTRIES.index(code)
    skill = np.clip(model.pool_skill[ci] + rng.normal(0, 0.05, n), 0.0, 1.0)
    capital = 1.1 * p["capital_per_worker"] * employees * rng.uniform(0.95, 1.05, n)
    kfield = rng.gamma(1.0, 0.2, (n, N_SECTORS))
    kfield[np.arange(n), sector] += 1.0 + (tech - 3.0)
    quality = np.clip(0.3 + 0.12 * (tech - 3.0) + 0.2 * mgmt + rng.normal(0, 0.05, n),
                      0.05, 0.95)
    rd = rd_intensity * rng.lognormal(0.0, 0.5, n)
    prod = model.base_productivity[ci] * np.exp(
        p["tech_productivity"] * (tech - model.tech_reference[ci]))
    knowledge = kfield.sum(axis=1)
    # replacement orders already under way, so investment starts in its steady state
    lag = int(model.investment_lag[ci])
    pipe = np.zeros((n, PIPELINE))
    pipe[:, :lag] = p["depreciation"] * capital[:, None]
    return dict(
        country=np.full(n, ci), sector=sector, employees=employees, skill=skill,
        capital=capital, tech=tech, process=np.ones(n), quality=quality, mgmt=mgmt,
        delivery=np.clip(0.4 + 0.5 * mgmt + rng.normal(0, 0.05, n), 0.0, 1.0),
        kfield=kfield, knowledge=knowledge, rd_intensity=rd,
        absorptive=absorptive_capacity(knowledge, skill),
        input_quality=np.full(n, IMPORT_QUALITY), input_delivery=np.full(n, IMPORT_DELIVERY),
        productivity=prod, capacity=prod * employees,
        demand=prod * employees * p["target_utilisation"], markup=np.full(n, MARKUP0),
        base_home=prod * employees * p["target_utilisation"],
        price=np.ones(n), pipe_k=pipe, pipe_tk=pipe * tech[:, None],
        cash=0.25 * prod * employees, park=np.full(n, -1),
        park_since=np.full(n, -1), supported_until=np.full(n, -1),
    )


def _shares(values: list[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.shape != (len(SECTORS),) or arr.sum() <= 0:
        raise ValueError(f"sector_shares must be {len(SECTORS)} non-negative numbers")
    return arr / arr.sum()


def initial_ties(model: ClusterModel) -> None:
    """Sparse, mostly vertical ties: some firms buy from a supplier in their country,
    preferring large ones; a few horizontal ties; state incumbents train at universities."""
    f, rng = model.firms, model.rng
    ids, sector, country = f.ids, f["sector"], f["country"]
    size = np.sqrt(f["employees"])
    buyers = np.flatnonzero(rng.random(f.n) < 0.3)
    for c in (0, 1):
        for s in range(N_SECTORS):
            mine = buyers[(country[buyers] == c) & (sector[buyers] == s)]
            pool = np.flatnonzero((country == c) & SUPPLIES[sector, s])
            if mine.size == 0 or pool.size == 0:
                continue
            picks = rng.choice(pool, size=mine.size, p=size[pool] / size[pool].sum())
            add_new_ties(model, ids[mine], ids[picks], "supply", supplier=ids[picks])
    pairs = []
    for i in np.flatnonzero(rng.random(f.n) < 0.03).tolist():
        j = int(rng.integers(f.n))
        if country[j] == country[i]:
            pairs.append((int(ids[i]), int(ids[j])))
    if pairs:
        add_new_ties(model, *zip(*pairs, strict=True), "rnd")
    pairs = []
    for i in np.flatnonzero(f["state_owned"]).tolist():
        unis = [u for u in model.universities if u.country_index == country[i]]
        if unis:
            pairs.append((int(ids[i]), unis[int(rng.integers(len(unis)))].unique_id))
    if pairs:
        add_new_ties(model, *zip(*pairs, strict=True), "education")


def add_firms(model: ClusterModel, values: dict[str, np.ndarray]) -> np.ndarray:
    """Create Firm agents and their rows and graph nodes. Returns the new rows."""
    n = len(values["employees"])
    if n == 0:
        return np.zeros(0, dtype=int)
    agents = Firm.create_agents(model, n)
    ids = np.fromiter((a.unique_id for a in agents), dtype=np.int64, count=n)
    rows = model.firms.append(ids, values)
    model.firm_agents.update(zip(ids.tolist(), agents, strict=True))
    countries = values["country"].tolist()
    model.graph.add_nodes_from(
        (fid, {"kind": "firm", "country": c}) for fid, c in zip(ids.tolist(), countries,
                                                               strict=True))
    return rows


def remove_firms(model: ClusterModel, mask: np.ndarray) -> np.ndarray:
    """Remove firms (agents, rows and graph nodes) where ``mask`` is true."""
    if not mask.any():
        return np.zeros(0, dtype=np.int64)
    gone = model.firms.remove(mask)
    gone_list = gone.tolist()
    model.graph.discard_nodes(gone_list)
    by_id = model.firm_agents
    for fid in gone_list:
        by_id.pop(fid).remove()
    return gone
