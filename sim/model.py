"""ClusterModel: the joint Azerbaijan-Belarus cluster economy, one step per quarter.

Each step runs fixed phases::

    1. policies       park admissions and regimes, then every policy (apply() when active)
    2. labour         hiring toward planned output; the labour pool's skill
    3. production     sales on home, partner and third markets; inputs along supply ties
    4. finance        profit, taxes (with reliefs) booked on the governments, cash and debt
    5. investment     equipment vintages, FDI, grants, import VAT, investment lags
    6. innovation     R&D, spillovers along ties, process and product innovation
    7. network        tie decay and partner search on the cooperation graph
    8. entry & exit   SMEs and spin-offs enter, loss-making private firms exit
    9. indicators     every indicator per country, from the firm columns
"""

from __future__ import annotations

import gc
from collections import defaultdict
from functools import partial
from numbers import Integral
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import economy, innovation, network, population
from sim.agents import FirmTable, Government, Park, University
from sim.agents.park import admit_residents, park_regimes
from sim.countries import COUNTRIES, country_values
from sim.economy import HOME_AZ, HOME_BY, THIRD, SupplyFlows
from sim.fitted import FittedError
from sim.indicators import (
    COUNTRY_KEYS,
    HISTORY_COLUMNS,
    INDICATORS,
    KEY_INDICATORS,
    LAUNCH_WINDOW,
    compute_all,
    country_masks,
)
from sim.levers import Levers
from sim.params import FITTED_PROBLEM, MODEL_PARAMS, RISK_PARAMS
from sim.policies import Policy
from sim.scenario import Scenario, default_scenario, load_scenario
from sim.sectors import N_SECTORS, SUPPLIES


class ClusterModel(mesa.Model):
    """Agent-based model of joint industrial clusters in Azerbaijan and Belarus.

    Keyword parameters make it usable like any Mesa model, e.g. with ``mesa.batch_run``:
    ``ClusterModel(scenario="scenarios/tax_break.toml", selectivity=0.5, coordination=0.5,
    rng=3)``. The ``datacollector`` records the quarter and the nine key indicators for both
    countries together (JOINT) every quarter from quarter 0; Mesa's ``steps`` and ``time``
    also count the warm-up quarters.

    Args:
        scenario: a validated :class:`~sim.scenario.Scenario` or the path of a scenario file
            (default: the baseline).
        seed: seed of the model's random generators; one scenario and seed give one run
            (None: a fresh random seed, kept in ``seed``).
        policies: policy objects to use instead of the scenario's (e.g. from the browser view).
        rng: the seed under Mesa's name (give ``seed`` or ``rng``, not both).
        **params: model parameters (``sim.params.MODEL_PARAMS``) and risks
            (``sim.params.RISK_PARAMS``) by name, set over the scenario's and validated.

    Raises:
        TypeError: a keyword is neither a model parameter nor a risk, or the seed is not an
            integer.
        ScenarioError: a value is out of its bounds, or the scenario file is invalid.

    Attributes:
        spec: the validated scenario of this run (Mesa's own ``scenario`` attribute is left to
            Mesa).
        params: the model parameters, defaults applied.
        firms: the firm columns (:class:`~sim.agents.firm.FirmTable`); ``firm_agents`` maps
            ids to the thin Mesa agents.
        graph: the cooperation graph (a networkx graph keeping tie attributes in columns,
            :class:`~sim.ties.TieGraph`), the one source of truth for ties.
        governments: ``{"AZ": Government, "BY": Government}``.
        universities, parks: the other agents.
        quarter: the current quarter (0 = the starting state).
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, seed: int | None = 0,
                 policies: list[Policy] | None = None, *, rng: int | None = None,
                 **params: Any) -> None:
        if FITTED_PROBLEM:
            raise FittedError(FITTED_PROBLEM)
        seed = _seed_of(seed, rng)
        super().__init__(rng=seed)
        self.seed = seed
        self.spec = _scenario_of(scenario, params)
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS)
        self.params: dict[str, Any] = self.spec.model
        self.scale_n = self.params["firm_scale"]
        self._country_arrays()
        self.graph = network.TieGraph()
        self.firms = FirmTable()
        self.firm_agents: dict[int, mesa.Agent] = {}
        self.governments: dict[str, Government] = population.build_governments(self)
        self.universities: list[University] = population.build_universities(self)
        self.university_by_id = {u.unique_id: u for u in self.universities}
        self.university_ids = np.array([u.unique_id for u in self.universities],
                                       dtype=np.int64)
        self.graph.add_nodes_from((u.unique_id, {"kind": "university",
                                                 "country": u.country_index})
                                  for u in self.universities)
        self.parks: list[Park] = []
        population.build_parks(self)
        for code in COUNTRIES:
            n = int(round(self.spec.countries[code]["model_firms"] * self.scale_n))
            population.add_firms(self, population.initial_firm_values(self, code, n))
        self._initial_ties()
        self._wage_reference()
        self.risks: dict[str, Any] = self.spec.risks
        self.levers = Levers()  # moved by policies each quarter; neutral = no policy
        self.policies: list[Policy] = (policies if policies is not None
                                       else self.spec.make_policies())
        self._calibrate_markets()
        self._fdi_baseline()
        self.history = {key: {name: [] for name in HISTORY_COLUMNS} for key in COUNTRY_KEYS}
        # product launches of the last 8 quarters: quarter -> [count, sum of durations]
        self.launches: dict[str, dict[int, list[int]]] = {k: {} for k in COUNTRY_KEYS}
        self.events = {k: defaultdict(int) for k in COUNTRY_KEYS}
        self.rows: list[np.ndarray] = []  # indicator values per step: (3, n_indicators)
        quarters_run = int(self.params["warmup"])
        self._warm_up(quarters_run)
        for policy in self.policies:
            policy.initialize(self)
        self._collect(record_history=quarters_run == 0)

    # ----------------------------------------------------------------- set-up
    def _country_arrays(self) -> None:
        c = [self.spec.countries[code] for code in COUNTRIES]

        def arr(key: str, scale: float = 1.0) -> np.ndarray:
            return np.array([x[key] * scale for x in c], dtype=float)

        self.wage = arr("wage_per_quarter_usd_k", 1e-3)
        self.base_productivity = arr("labour_productivity_usd_k", 1e-3)
        self.tech_reference = arr("initial_tech_generation")
        self.pool_skill = arr("labour_pool_skill")
        self.skill_reference = self.pool_skill.copy()
        self.profit_tax, self.vat = arr("profit_tax"), arr("vat")
        self.property_tax, self.import_vat = arr("property_tax"), arr("import_vat_on_equipment")
        self.admin_barrier = arr("admin_barrier")
        self.investment_lag = arr("investment_lag_quarters")
        self.trade_cost = np.column_stack([np.zeros(2), arr("trade_cost_partner"),
                                           arr("trade_cost_third")])
        self.demand_growth = arr("home_demand_growth")
        self.frontier = self.frontier0 = float(self.params["frontier_start"])

    def _wage_reference(self) -> None:
        """Full productivity of the starting firms and each country's average, to which wages
        are indexed from then on."""
        f = self.firms
        f["productivity"] = economy.productivity(self)
        f["capacity"] = f["productivity"] * f["employees"]
        self.wage0 = self.wage.copy()
        country = f["country"]
        self.productivity0 = np.array([
            np.average(f["productivity"][country == k], weights=f["employees"][country == k])
            if (country == k).any() else 1.0 for k in (0, 1)])

    def _initial_ties(self) -> None:
        """Sparse, mostly vertical ties: some firms buy from a supplier in their country,
        preferring large ones; a few horizontal ties; state incumbents train at universities."""
        f, rng = self.firms, self.rng
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
                network.add_new_ties(self, ids[mine], ids[picks], "supply",
                                     supplier=ids[picks])
        pairs = []
        for i in np.flatnonzero(rng.random(f.n) < 0.03).tolist():
            j = int(rng.integers(f.n))
            if country[j] == country[i]:
                pairs.append((int(ids[i]), int(ids[j])))
        if pairs:
            network.add_new_ties(self, *zip(*pairs, strict=True), "rnd")
        pairs = []
        for i in np.flatnonzero(f["state_owned"]).tolist():
            unis = [u for u in self.universities if u.country_index == country[i]]
            if unis:
                pairs.append((int(ids[i]), unis[int(rng.integers(len(unis)))].unique_id))
        if pairs:
            network.add_new_ties(self, *zip(*pairs, strict=True), "education")

    def _calibrate_markets(self) -> None:
        """Start every market in balance: firms sell at their target utilisation, exporters
        send a share abroad, and imports hold the rest of each home market (so domestic firms
        start at ``home_share0``) and of third markets (cluster firms at ``third_share0``)."""
        f, p = self.firms, self.params
        self.ulc_reference = 1.0
        ulc = economy.wage_per_worker(self) / f["productivity"]
        self.ulc_reference = float(np.average(ulc, weights=f["employees"])) if f.n else 1.0
        economy.set_prices(self)
        value = f["capacity"] * p["target_utilisation"] * f["price"]
        f["base_partner"] = np.where(f["exp_partner"], p["partner_export_share0"] * value, 0.0)
        f["base_third"] = np.where(f["exp_third"], p["export_share0"] * value, 0.0)
        f["base_home"] = value - f["base_partner"] - f["base_third"]
        base = economy.customer_base(self)
        self.demand = np.zeros((3, N_SECTORS))
        self.import_base = np.zeros((3, N_SECTORS))
        for m in (HOME_AZ, HOME_BY, THIRD):
            own = f["country"] == m if m != THIRD else np.ones(f.n, dtype=bool)
            target = p["home_share0"] if m != THIRD else p["third_share0"]
            sold = np.bincount(f["sector"], weights=base[:, m], minlength=N_SECTORS)
            domestic = np.bincount(f["sector"][own], weights=base[own, m], minlength=N_SECTORS)
            imports = domestic * (1.0 - target) / target - (sold - domestic)
            self.import_base[m] = np.maximum(imports, 0.05 * sold)
            self.demand[m] = sold + self.import_base[m]
        # Preferences by origin (home bias) are set so that each group of sellers would start
        # in balance at the bundled data's trade costs and VAT; a scenario that sets other
        # trade costs or VAT, and later changes of competitiveness, then move shares.
        z = self._reference_competitiveness()
        self.origin_bias = np.zeros((3, N_SECTORS, 2))
        for m in range(3):
            for c in (0, 1):
                sel = (f["country"] == c) & (base[:, m] > 0)
                zw = np.bincount(f["sector"][sel], weights=base[sel, m] * z[sel, m],
                                 minlength=N_SECTORS)
                total = np.bincount(f["sector"][sel], weights=base[sel, m], minlength=N_SECTORS)
                self.origin_bias[m, :, c] = -zw / np.maximum(total, 1e-12)
        # one production pass fills sales, inputs and demand, which the first quarter plans on
        self.supply_flows = economy.production_phase(self, network.edge_arrays(self))

    def _reference_competitiveness(self) -> np.ndarray:
        """Firms' competitiveness with the trade costs and VAT of the bundled country data."""
        scenario = self.trade_cost, self.vat
        ref = [country_values(code) for code in COUNTRIES]
        self.trade_cost = np.array([[0.0, r["trade_cost_partner"], r["trade_cost_third"]]
                                    for r in ref])
        self.vat = np.array([r["vat"] for r in ref])
        try:
            return economy.competitiveness(self)
        finally:
            self.trade_cost, self.vat = scenario

    def _fdi_baseline(self) -> None:
        """FDI into tech per quarter at the model's scale (from the country data)."""
        self.fdi_base = np.zeros(2)
        self.fdi_appeal0 = np.ones(2)
        for k, code in enumerate(COUNTRIES):
            c = self.spec.countries[code]
            sample = (c["model_firms"] * self.scale_n) / max(c["real_tech_firms"], 1.0)
            self.fdi_base[k] = (c["gdp_usd_bn"] * 1000 / 4 * c["fdi_share_gdp"]
                                * c["fdi_to_tech_share"] * min(sample, 1.0))

    def _fdi_reference(self) -> None:
        """Investors' mean appeal of each country's firms at the start of the run, so FDI
        starts at its data value whatever parks already hold."""
        appeal = innovation.fdi_appeal(self)
        country = self.firms["country"]
        self.fdi_appeal0 = np.array([appeal[country == k].mean() if (country == k).any()
                                     else 1.0 for k in (0, 1)])

    # ----------------------------------------------------------------- helpers
    def import_competitiveness(self) -> np.ndarray:
        """Log-competitiveness of imports by market and sector: foreign products follow the
        technology frontier and improve in quality at the world's pace."""
        z = economy.TECH_WEIGHT * (self.frontier - self.frontier0) \
            + self.params["foreign_quality_growth"] * self.steps
        return np.full((3, N_SECTORS), z)

    def graduate_skill(self, country: int) -> float:
        """Mean skill of the graduates a country's universities send to the labour pool."""
        unis = [u.graduate_skill for u in self.universities if u.country_index == country]
        return float(np.mean(unis)) if unis else float(self.pool_skill[country])

    def park_services(self) -> np.ndarray:
        """Services level (0-1) of each firm's park, 0 for non-residents."""
        services = np.array([park.services for park in self.parks] + [0.0])
        return services[self.firms["park"]]  # park -1 picks the trailing 0

    def strongest_university(self, country: str) -> int:
        """Id of the university with the largest research capacity in a country among those
        not yet hosting a technopark, or -1 if there is none."""
        unis = [u for u in self.universities if u.country == country and u.technopark < 0]
        return max(unis, key=lambda u: u.research).unique_id if unis else -1

    @property
    def quarter(self) -> int:
        """Current quarter of the run: 0 is the start, warm-up quarters are negative."""
        return self.steps - int(self.params["warmup"])

    def cooperation_degree(self) -> np.ndarray:
        """Cooperation ties of each firm (residency excluded) at the end of last quarter."""
        e, n = self.edges, self.firms.n
        cached = getattr(self, "_degree_cache", None)
        if cached is None or cached[0] is not e or cached[1].size != n:
            firm_u, firm_v = e.u[e.u < n], e.v[e.v < n]
            self._degree_cache = (e, np.bincount(firm_u, minlength=n)
                                  + np.bincount(firm_v, minlength=n))
        return self._degree_cache[1].copy()

    def record_launch(self, country: int, duration: int) -> None:
        """Log a product launch and its time to market (quarters)."""
        self.record_launches(np.array([country]), np.array([duration]))

    def record_launches(self, countries: np.ndarray, durations: np.ndarray) -> None:
        """Log product launches of this quarter (country codes, times to market)."""
        q = self.quarter
        counts = np.bincount(countries, minlength=2)
        totals = np.bincount(countries, weights=durations, minlength=2)
        for key, count, total in ((COUNTRIES[0], counts[0], totals[0]),
                                  (COUNTRIES[1], counts[1], totals[1]),
                                  ("JOINT", counts.sum(), totals.sum())):
            log = self.launches[key]
            for old in [k for k in log if k <= q - LAUNCH_WINDOW]:
                del log[old]
            if count:
                entry = log.setdefault(q, [0, 0])
                entry[0] += int(count)
                entry[1] += int(round(total))

    # ----------------------------------------------------------------- the step
    def step(self) -> None:
        """Advance one quarter through the phases.

        Python's cyclic garbage collector waits while a quarter runs and resumes after it
        (if it was on): each quarter makes thousands of long-lived objects (the mappings of
        new ties), which would otherwise set off several collections a quarter and now and
        then a full one over every object of the graph. Reference counting frees objects
        as usual meanwhile; nothing the model computes depends on it."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._phases()
        finally:
            if collecting:
                gc.enable()

    def _phases(self) -> None:
        self._begin_quarter()
        self._policy_phase()
        economy.labour_phase(self)
        edges = self.edges  # ties as they stood at the end of last quarter
        self.supply_flows = economy.production_phase(self, edges)
        economy.finance_phase(self)
        economy.export_entry(self)
        innovation.investment_phase(self)
        innovation.innovation_phase(self, edges)
        self._network_phase(edges, self.supply_flows)
        self._entry_exit_phase()
        self._advance_world()
        self._collect()

    def _begin_quarter(self) -> None:
        self.levers.reset()
        for gov in self.governments.values():
            gov.start_quarter()
        f = self.firms
        for name in ("grant", "funded_project", "rd_grant", "rd_project", "fdi", "investment",
                     "tax_paid"):
            f[name] = 0.0
        for key in COUNTRY_KEYS:
            self.events[key].clear()

    def _policy_phase(self) -> None:
        admit_residents(self)
        park_regimes(self)
        if self.warming_up:
            return
        for policy in self.policies:
            policy.step(self)

    def _network_phase(self, edges: network.EdgeArrays, flows: SupplyFlows) -> None:
        used = network.used_ties(self, edges, flows.value)
        network.decay_ties(self, edges, used)
        network.partner_search(self)
        network.university_search(self)

    def _entry_exit_phase(self) -> None:
        for kind, phase in (("exits", population.exit_phase),
                            ("entries", population.entry_phase)):
            counts = phase(self)
            for code in COUNTRIES:
                self.events[code][kind] = counts[code]
            self.events["JOINT"][kind] = sum(counts.values())

    def _advance_world(self) -> None:
        self.frontier += self.params["frontier_growth"]
        self.demand[HOME_AZ] *= 1.0 + self.demand_growth[0]
        self.demand[HOME_BY] *= 1.0 + self.demand_growth[1]
        self.demand[THIRD] *= 1.0 + self.demand_growth.mean()

    def _warm_up(self, quarters: int) -> None:
        """Run some quarters without policies and without recording them, so the run starts
        from a settled economy (investment, projects, ties under way), then restart the clock
        and the fiscal accounts at quarter 0. The history of those quarters stays, so growth
        rates and times to market are defined from the first quarter."""
        self.warming_up = True
        self.edges = network.edge_arrays(self)
        for _ in range(quarters):
            self.step()
        self.warming_up = False
        for gov in self.governments.values():
            gov.reset_accounts()
        self._fdi_reference()

    def _record_history(self, masks: dict[str, np.ndarray]) -> None:
        for key, mask in masks.items():
            for name, column in HISTORY_COLUMNS.items():
                self.history[key][name].append(float(self.firms[column][mask].sum()))

    def _collect(self, record_history: bool = True) -> None:
        """Store the growth history and every indicator for this step."""
        self.edges = network.edge_arrays(self)
        masks = country_masks(self)
        if record_history:
            self._record_history(masks)
        if self.warming_up:
            return
        self.network_stats = network.network_stats(self, self.edges)
        values = compute_all(self, masks)
        self.rows.append(np.vstack([values[k] for k in COUNTRY_KEYS]))
        self.datacollector.collect(self)

    def finish(self) -> None:
        """Call every policy's finalize() once the run is over."""
        for policy in self.policies:
            policy.finalize(self)

    # ----------------------------------------------------------------- output
    def indicator_array(self) -> np.ndarray:
        """Indicators of every step so far: array (steps + 1, 3 countries, n indicators)."""
        return np.stack(self.rows)

    def indicator_names(self) -> list[str]:
        """Names matching the last axis of :meth:`indicator_array`."""
        return list(INDICATORS)


# --------------------------------------------------------------------- keyword construction
def _seed_of(seed: Any, rng: Any) -> int:
    """The run's integer seed from ``seed`` or Mesa's ``rng`` (None: a fresh random seed)."""
    if rng is not None:
        if seed not in (0, None, rng):
            raise TypeError(f"ClusterModel got seed={seed!r} and rng={rng!r}; give one")
        seed = rng
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(seed, bool) or not isinstance(seed, Integral):
        raise TypeError(f"ClusterModel's seed must be an integer, got {seed!r}")
    return int(seed)


def _scenario_of(scenario: Scenario | str | Path | None, params: dict[str, Any]) -> Scenario:
    """The scenario (loaded if a path) with model parameters and risks given by name."""
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    scenario = scenario or default_scenario()
    unknown = sorted(set(params) - set(MODEL_PARAMS) - set(RISK_PARAMS))
    if unknown:
        raise TypeError(f"ClusterModel got an unexpected keyword argument '{unknown[0]}'; "
                        "keywords are scenario, seed, rng, policies, the model parameters "
                        "and the risks (clustersim list shows them)")
    model = {k: v for k, v in params.items() if k in MODEL_PARAMS}
    risks = {k: v for k, v in params.items() if k in RISK_PARAMS}
    if model:
        scenario = scenario.with_model(**model)
    if risks:
        scenario = scenario.with_risks(**risks)
    return scenario


def _joint_indicator(model: ClusterModel, index: int) -> float:
    return float(model.rows[-1][COUNTRY_KEYS.index("JOINT"), index])


#: Model reporters of the ``datacollector``: the quarter and the nine key indicators (JOINT).
MODEL_REPORTERS: dict[str, Any] = {
    "quarter": "quarter",
    **{name: partial(_joint_indicator, index=list(INDICATORS).index(name))
       for name in KEY_INDICATORS},
}
