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
from sim.agents.firm import HIGHEST_GENERATION, LOWEST_GENERATION, PIPELINE
from sim.inputs.countries import COUNTRIES, baseline_parks
from sim.inputs.sectors import N_SECTORS, SECTORS, SUPPLIES
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.network.ties import add_new_ties
from sim.phases.finance import RELIEFS
from sim.phases.innovation import STAGE_SHARE, absorptive_capacity
from sim.phases.investment import equipment_on_offer, new_equipment_tech
from sim.phases.markets import MARKUP0
from sim.phases.parks import add_park, strongest_university
from sim.phases.supply import IMPORT_DELIVERY, IMPORT_QUALITY

if TYPE_CHECKING:
    from sim.model import ClusterModel


# --- universities
#: R&D spending over GDP at which a country's universities have research capacity 1
#: (assumed scaling: 0.5% of GDP).
RESEARCH_REFERENCE_RD_SHARE = 0.005
#: Shape of the gamma draw of a university's knowledge by field, before the factor
#: 1 + research capacity (assumed).
UNIVERSITY_KFIELD_SHAPE = 2.0
#: Scale of the gamma draw of a university's knowledge by field (assumed; see
#: UNIVERSITY_KFIELD_SHAPE).
UNIVERSITY_KFIELD_SCALE = 1.0
#: Lowest factor on a university's research capacity around its country's (assumed: drawn
#: uniformly between this and UNIVERSITY_RESEARCH_HIGH).
UNIVERSITY_RESEARCH_LOW = 0.6
#: Highest factor on a university's research capacity around its country's (assumed).
UNIVERSITY_RESEARCH_HIGH = 1.4
#: Firms a university can cooperate with at research capacity 0, firms (assumed).
UNIVERSITY_TIES_BASE = 6
#: Further firms a university can cooperate with per unit of research capacity, firms
#: (assumed).
UNIVERSITY_TIES_PER_RESEARCH = 10

# --- the parks that exist at the start
#: Strength of the existing parks' operator services, 0-1 (assumed: half of full services;
#: a new technopark's default is a policy parameter).
PARK_SERVICES = 0.5
#: R&D intensity (R&D / sales) an existing technopark requires of residents (assumed: 1% of
#: sales with the assumed intensities, as the technopark policy's default, times the model's
#: R&D scale, see sim.inputs.countries.rd_scale_of).
TECHNOPARK_MIN_RD_INTENSITY = 0.01

# --- the starting firms
#: Share of a country's starting firms that are state-owned incumbents (assumed: a few large
#: incumbents, as the report describes).
STATE_FIRM_SHARE = 0.02
#: Sectors in which state-owned incumbents start (1) or not (0), in the order of
#: sim.inputs.sectors.SECTORS: the complex-technology sectors machinery, electrical,
#: chemicals and ICT, not agri-food (assumed, from the source report: the state sector's weight
#: lies in the incumbents of complex technology, which use 3rd-4th generation technology; the
#: state's share of employment as a whole is data, sim/data/countries.toml).
STATE_SECTORS = np.array([1.0, 1.0, 1.0, 1.0, 0.0])
#: Fewest state-owned incumbents a country starts with, firms (assumed).
STATE_FIRMS_MIN = 3
#: A country with fewer starting firms than this has no state-owned incumbents, firms
#: (assumed).
STATE_FIRMS_MIN_POPULATION = 10
#: Median size of a state-owned incumbent before scaling to the country's state share of
#: employment, workers (assumed).
STATE_SIZE_MEDIAN = 2000.0
#: Log-normal spread (sigma of log size) of state-owned incumbents' sizes (assumed).
STATE_SIZE_SIGMA = 0.9
#: Smallest starting private firm, workers (assumed; the Pareto draw's lower bound).
MIN_SIZE = 5.0
#: Largest starting private firm, workers (assumed; larger Pareto draws are cut to it).
MAX_PRIVATE_SIZE = 5000.0
#: Standard deviation of starting firms' technology generation around their country's
#: (assumed).
TECH_SPREAD = 0.25
#: How many generations older state-owned incumbents' equipment starts than the country's
#: (assumed: the report's old state sector).
STATE_TECH_GAP = 0.2
#: Lowest management quality of a state-owned incumbent, 0-1 (assumed: drawn uniformly
#: between this and STATE_MGMT_HIGH).
STATE_MGMT_LOW = 0.25
#: Highest management quality of a state-owned incumbent, 0-1 (assumed).
STATE_MGMT_HIGH = 0.45
#: Beta distribution of private firms' and entrants' management quality, first shape
#: (assumed: mean 0.4, skewed toward weak management).
PRIVATE_MGMT_BETA_A = 2.0
#: Beta distribution of private firms' and entrants' management quality, second shape
#: (assumed; see PRIVATE_MGMT_BETA_A).
PRIVATE_MGMT_BETA_B = 3.0
#: Youngest age of a starting firm, quarters (assumed; ages are drawn uniformly from this up
#: to, not including, MAX_START_AGE).
MIN_START_AGE = 4
#: Upper bound (excluded) of a starting firm's age, quarters (assumed: up to 30 years).
MAX_START_AGE = 120
#: Equipment age at start, quarters (assumed: state incumbents' equipment is old).
STATE_EQUIP_AGE = 48.0
#: Equipment age at start of private firms, quarters (assumed: half the state incumbents').
PRIVATE_EQUIP_AGE = 24.0
#: Lowest factor on a starting firm's equipment age (assumed: drawn uniformly between this and
#: EQUIP_AGE_HIGH).
EQUIP_AGE_LOW = 0.7
#: Highest factor on a starting firm's equipment age (assumed).
EQUIP_AGE_HIGH = 1.3
#: Starting debt as a share of equipment value (assumed).
START_DEBT_SHARE = 0.3
#: Share of R&D-active starting firms with a product project under way (assumed).
START_PROJECT_SHARE = 0.3
#: Technology level (0-1) of the ideas behind the projects under way at the start (assumed:
#: a middle level).
START_PROJECT_LEVEL = 0.5
#: Firms at or above this quantile of their country's starting sizes may already export
#: (assumed: the largest decile).
EXPORTER_SIZE_QUANTILE = 0.9
#: Chance that such a large firm serves each foreign market (partner country, third
#: countries) at the start (assumed: about half).
START_EXPORT_CHANCE = 0.5

# --- entrants
#: Median size of an entrant, workers (assumed: small firms).
ENTRANT_SIZE_MEDIAN = 12.0
#: Log-normal spread (sigma of log size) of entrants' sizes (assumed).
ENTRANT_SIZE_SIGMA = 0.6
#: Smallest entrant, workers (assumed).
ENTRANT_MIN_SIZE = 2.0
#: Generations above the country's starting technology from which an entrant's new equipment
#: closes its gap to the frontier (assumed: entrants start with new equipment).
ENTRANT_TECH_LEAD = 0.3
#: Absorptive capacity with which a spin-off's equipment closes the gap to the frontier
#: (assumed: spin-offs bring more know-how than other entrants).
SPINOFF_TECH_ABSORPTION = 0.8
#: Absorptive capacity with which other entrants' equipment closes the gap to the frontier
#: (assumed).
ENTRANT_TECH_ABSORPTION = 0.5
#: Standard deviation of entrants' technology generation (assumed).
ENTRANT_TECH_SPREAD = 0.2
#: Factor on the private R&D intensity of a spin-off (assumed: spin-offs are research-based).
SPINOFF_RD_MULTIPLIER = 4.0
#: Factor on a spin-off's knowledge in its own field (assumed).
SPINOFF_KNOWLEDGE_MULTIPLIER = 2.0

# --- every new firm (starting firms and entrants)
#: Standard deviation of a firm's workforce skill around its country's labour pool (assumed).
SKILL_SPREAD = 0.05
#: Equipment relative to what the workers need (capital per worker x workers) (assumed: some
#: spare capacity).
START_CAPITAL_MARGIN = 1.1
#: Lowest factor on a new firm's equipment (assumed: drawn uniformly between this and
#: CAPITAL_SPREAD_HIGH).
CAPITAL_SPREAD_LOW = 0.95
#: Highest factor on a new firm's equipment (assumed).
CAPITAL_SPREAD_HIGH = 1.05
#: Shape of the gamma draw of a firm's knowledge in each field (assumed: exponential).
FIRM_KFIELD_SHAPE = 1.0
#: Scale of the gamma draw of a firm's knowledge in each field (assumed).
FIRM_KFIELD_SCALE = 0.2
#: Product quality of a firm with LOWEST_GENERATION equipment and no management quality, 0-1
#: (assumed).
QUALITY_BASE = 0.3
#: Product quality per technology generation above LOWEST_GENERATION (assumed).
QUALITY_PER_GENERATION = 0.12
#: Product quality per unit of management quality (assumed).
QUALITY_MGMT_WEIGHT = 0.2
#: Standard deviation of starting product quality (assumed).
QUALITY_SPREAD = 0.05
#: Lowest starting product quality, 0-1 (assumed).
QUALITY_MIN = 0.05
#: Highest starting product quality, 0-1 (assumed).
QUALITY_MAX = 0.95
#: Log-normal spread (sigma of log) of firms' R&D intensity around their country's (assumed).
RD_INTENSITY_SPREAD = 0.5
#: Delivery discipline of a firm with no management quality, 0-1 (assumed).
DELIVERY_BASE = 0.4
#: Delivery discipline per unit of management quality (assumed).
DELIVERY_MGMT_WEIGHT = 0.5
#: Standard deviation of starting delivery discipline (assumed).
DELIVERY_SPREAD = 0.05
#: Starting cash as a share of a quarter's output at full capacity (assumed).
START_CASH_SHARE = 0.25

# --- the first ties
#: Share of firms that start with a supplier in their country (assumed: sparse, mostly
#: vertical ties).
START_SUPPLY_TIE_SHARE = 0.3
#: Share of firms that start with an R&D tie to another firm of their country (assumed: few
#: horizontal ties).
START_RND_TIE_SHARE = 0.03


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
        research = c["rd_share_gdp"] / RESEARCH_REFERENCE_RD_SHARE
        for _ in range(n):
            kfield = model.rng.gamma(UNIVERSITY_KFIELD_SHAPE, UNIVERSITY_KFIELD_SCALE,
                                     N_SECTORS) * (1.0 + research)
            spread = model.rng.uniform(UNIVERSITY_RESEARCH_LOW, UNIVERSITY_RESEARCH_HIGH)
            unis.append(University(
                model, code, research * spread, kfield, c["graduate_skill"],
                max_ties=int(UNIVERSITY_TIES_BASE + UNIVERSITY_TIES_PER_RESEARCH * research)))
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
            relief_quarters=int(spec["relief_years"] * QUARTERS_PER_YEAR),
            services=PARK_SERVICES, host=host,
            min_rd_intensity=(TECHNOPARK_MIN_RD_INTENSITY * model.rd_scale
                              if spec["kind"] == "technopark" else 0.0),
            relief_periods={k: int(spec[f"{k}_years"] * QUARTERS_PER_YEAR) for k in RELIEFS
                            if f"{k}_years" in spec}))


def initial_firm_values(model: ClusterModel, code: str, n: int) -> dict[str, np.ndarray]:
    """Columns for the starting firms of one country."""
    c = model.spec.countries[code]
    rng = model.rng
    n_state = (max(STATE_FIRMS_MIN, int(round(STATE_FIRM_SHARE * n)))
               if n >= STATE_FIRMS_MIN_POPULATION else 0)
    n_state = min(n_state, n)
    private = MIN_SIZE * (1.0 - rng.random(n - n_state)) ** (-1.0 / c["private_size_tail"])
    private = np.minimum(private, MAX_PRIVATE_SIZE)
    state = rng.lognormal(np.log(STATE_SIZE_MEDIAN), STATE_SIZE_SIGMA, n_state)
    share = c["state_owned_share_employment"]
    if n_state and n - n_state and 0 < share < 1:
        state *= share / (1 - share) * private.sum() / state.sum()
    employees = np.concatenate([state, private])
    owned = np.arange(n) < n_state
    sector = rng.choice(N_SECTORS, size=n, p=_shares(c["sector_shares"]))
    state_sectors = _shares(c["sector_shares"]) * STATE_SECTORS
    if state_sectors.sum() <= 0:  # a scenario with no complex-technology sector
        state_sectors = _shares(c["sector_shares"])
    sector[owned] = rng.choice(N_SECTORS, size=n_state, p=state_sectors / state_sectors.sum())
    tech = np.clip(c["initial_tech_generation"] + rng.normal(0, TECH_SPREAD, n)
                   - STATE_TECH_GAP * owned, LOWEST_GENERATION, HIGHEST_GENERATION)
    mgmt = np.where(owned, rng.uniform(STATE_MGMT_LOW, STATE_MGMT_HIGH, n),
                    rng.beta(PRIVATE_MGMT_BETA_A, PRIVATE_MGMT_BETA_B, n))
    rd = np.where(owned, c["rd_intensity_state"], c["rd_intensity_private"])
    values = _common_values(model, code, n, employees, sector, tech, mgmt, rd)
    values.update(
        state_owned=owned,
        born=model.quarter - rng.integers(MIN_START_AGE, MAX_START_AGE, n),
        equip_age=(np.where(owned, STATE_EQUIP_AGE, PRIVATE_EQUIP_AGE)
                   * rng.uniform(EQUIP_AGE_LOW, EQUIP_AGE_HIGH, n)),
        debt=START_DEBT_SHARE * values["capital"],
    )
    # Product projects already under way (steady state), so early launch times are typical.
    busy = (rd > 0) & (rng.random(n) < START_PROJECT_SHARE)
    progress = rng.random(n)
    values["in_project"] = busy
    values["project_start"] = np.where(
        busy, model.quarter - np.rint(progress * model.params["project_duration"]).astype(int),
        model.quarter)
    stage = np.minimum(np.searchsorted(np.cumsum(STAGE_SHARE), progress, side="right"),
                       len(STAGE_SHARE) - 1)
    before = np.r_[0.0, np.cumsum(STAGE_SHARE)][stage]
    values["project_stage"] = np.where(busy, stage, 0)
    values["project_progress"] = np.where(busy, (progress - before) / STAGE_SHARE[stage], 0.0)
    values["project_level"] = np.where(busy, START_PROJECT_LEVEL, 0.0)
    # Large firms already export: to the partner country and to third markets.
    big = (employees >= np.quantile(employees, EXPORTER_SIZE_QUANTILE) if n
           else np.zeros(0, dtype=bool))
    values["exp_partner"] = big & (rng.random(n) < START_EXPORT_CHANCE)
    values["exp_third"] = big & (rng.random(n) < START_EXPORT_CHANCE)
    return values


def entrant_values(model: ClusterModel, code: str, n: int, spinoff: bool,
                   sector: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Columns for new SMEs or spin-offs in one country."""
    c = model.spec.countries[code]
    rng = model.rng
    employees = np.maximum(rng.lognormal(np.log(ENTRANT_SIZE_MEDIAN), ENTRANT_SIZE_SIGMA, n),
                           ENTRANT_MIN_SIZE)
    if sector is None:
        sector = rng.choice(N_SECTORS, size=n, p=_shares(c["sector_shares"]))
    # entrants start with new equipment; spin-offs bring more know-how
    start = np.array([model.tech_reference[COUNTRIES.index(code)] + ENTRANT_TECH_LEAD])
    absorption = SPINOFF_TECH_ABSORPTION if spinoff else ENTRANT_TECH_ABSORPTION
    tech = np.clip(new_equipment_tech(model, start, np.array([absorption]),
                                      np.array([COUNTRIES.index(code)]),
                                      equipment_on_offer(model))
                   + rng.normal(0, ENTRANT_TECH_SPREAD, n), LOWEST_GENERATION, HIGHEST_GENERATION)
    mgmt = rng.beta(PRIVATE_MGMT_BETA_A, PRIVATE_MGMT_BETA_B, n)
    rd = c["rd_intensity_private"] * (SPINOFF_RD_MULTIPLIER if spinoff else 1.0)
    values = _common_values(model, code, n, employees, sector, tech, mgmt, rd)
    if spinoff:
        values["kfield"][np.arange(n), sector] *= SPINOFF_KNOWLEDGE_MULTIPLIER
    values.update(born=np.full(n, model.quarter), spinoff=np.full(n, spinoff),
                  equip_age=np.zeros(n))
    return values


def _common_values(model: ClusterModel, code: str, n: int, employees: np.ndarray,
                   sector: np.ndarray, tech: np.ndarray, mgmt: np.ndarray,
                   rd_intensity: float | np.ndarray) -> dict[str, np.ndarray]:
    rng = model.rng
    p = model.params
    ci = COUNTRIES.index(code)
    skill = np.clip(model.pool_skill[ci] + rng.normal(0, SKILL_SPREAD, n), 0.0, 1.0)
    capital = (START_CAPITAL_MARGIN * p["capital_per_worker"] * employees
               * rng.uniform(CAPITAL_SPREAD_LOW, CAPITAL_SPREAD_HIGH, n))
    kfield = rng.gamma(FIRM_KFIELD_SHAPE, FIRM_KFIELD_SCALE, (n, N_SECTORS))
    kfield[np.arange(n), sector] += 1.0 + (tech - LOWEST_GENERATION)
    quality = np.clip(QUALITY_BASE + QUALITY_PER_GENERATION * (tech - LOWEST_GENERATION)
                      + QUALITY_MGMT_WEIGHT * mgmt + rng.normal(0, QUALITY_SPREAD, n),
                      QUALITY_MIN, QUALITY_MAX)
    rd = rd_intensity * rng.lognormal(0.0, RD_INTENSITY_SPREAD, n)
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
        delivery=np.clip(DELIVERY_BASE + DELIVERY_MGMT_WEIGHT * mgmt
                         + rng.normal(0, DELIVERY_SPREAD, n), 0.0, 1.0),
        kfield=kfield, knowledge=knowledge, rd_intensity=rd, product_tech=tech,
        absorptive=absorptive_capacity(knowledge, skill),
        input_quality=np.full(n, IMPORT_QUALITY), input_delivery=np.full(n, IMPORT_DELIVERY),
        productivity=prod, capacity=prod * employees,
        demand=prod * employees * p["target_utilisation"], markup=np.full(n, MARKUP0),
        base_home=prod * employees * p["target_utilisation"],
        price=np.ones(n), pipe_k=pipe, pipe_tk=pipe * tech[:, None],
        cash=START_CASH_SHARE * prod * employees, park=np.full(n, -1),
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
    buyers = np.flatnonzero(rng.random(f.n) < START_SUPPLY_TIE_SHARE)
    for c in (0, 1):
        for s in range(N_SECTORS):
            mine = buyers[(country[buyers] == c) & (sector[buyers] == s)]
            pool = np.flatnonzero((country == c) & SUPPLIES[sector, s])
            if mine.size == 0 or pool.size == 0:
                continue
            picks = rng.choice(pool, size=mine.size, p=size[pool] / size[pool].sum())
            add_new_ties(model, ids[mine], ids[picks], "supply", supplier=ids[picks])
    pairs = []
    for i in np.flatnonzero(rng.random(f.n) < START_RND_TIE_SHARE).tolist():
        j = int(rng.integers(f.n))
        if country[j] == country[i]:
            pairs.append((int(ids[i]), int(ids[j])))
    if pairs and model.params["rnd_ties"] > 0:  # drawn either way: the same population
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
    model.accounts.firms_entered(model, rows)
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
    model.accounts.firms_leaving(model, mask)
    gone = model.firms.remove(mask)
    gone_list = gone.tolist()
    model.graph.discard_nodes(gone_list)
    by_id = model.firm_agents
    for fid in gone_list:
        by_id.pop(fid).remove()
    return gone
