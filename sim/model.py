"""ClusterModel: the joint Azerbaijan-Belarus cluster economy, one step per quarter.

The model builds its starting population (:mod:`sim.population`) and runs the phases of a
quarter (:mod:`sim.phases`) in a fixed order::

    0. start          flow columns, policy shifters and the governments' quarter reset
    1. policies       park admissions and regimes, then every policy (apply() when active)
    2. labour         the labour force renews; vacancies, hiring from the pool, poaching; wages
    3. production     sales on home, partner and third markets; inputs along supply ties
    4. finance        profit, taxes (with reliefs) booked on the governments, cash and debt
    5. export entry   brands abroad fade; profitable firms enter export markets
    6. investment     equipment vintages, FDI, grants, import VAT, investment lags
    7. innovation     R&D, spillovers along ties, process and product innovation, imitation
    8. network        tie decay and partner search on the cooperation graph
    9. entry & exit   loss-making private firms exit, SMEs and spin-offs enter
   10. world          the technology frontier advances, demand grows
   11. indicators     every indicator per country, from the firm columns
"""

from __future__ import annotations

import gc
import sys
import warnings
from collections import defaultdict
from functools import partial
from numbers import Integral
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import population
from sim.accounts import SectorAccounts
from sim.agents import FirmTable, Government, Park, University
from sim.indicators import (
    COUNTRY_KEYS,
    HISTORY_COLUMNS,
    INDICATORS,
    KEY_INDICATORS,
    compute_all,
    country_masks,
)
from sim.inputs.countries import COUNTRIES
from sim.inputs.parameter_paths import scenario_with
from sim.inputs.params import MODEL_PARAMS, RISK_PARAMS, ParamError
from sim.inputs.scenario import Scenario, ScenarioError, default_scenario, load_scenario
from sim.inputs.units import USD_M_PER_USD_K
from sim.network import TieGraph, edge_arrays
from sim.network.decay import decay_ties, used_ties
from sim.network.search import partner_search, university_search
from sim.network.stats import network_stats
from sim.network.ties import EdgeArrays
from sim.phases import (
    approvals,
    entry_exit,
    finance,
    innovation,
    investment,
    labour,
    labour_pool,
    markets,
    quality,
)
from sim.phases.parks import admit_residents, park_regimes
from sim.phases.shifters import Shifters
from sim.phases.supply import SupplyFlows
from sim.policies import Policy


class ClusterModel(mesa.Model):
    """Agent-based model of joint industrial clusters in Azerbaijan and Belarus.

    Keyword parameters make it usable like any Mesa model, e.g. with ``mesa.batch_run``:
    ``ClusterModel(scenario="scenarios/tax_break.toml", selectivity=0.5, coordination=0.5,
    rng=3)``; any declared parameter can be given by its path,
    ``ClusterModel(**{"policies.tax_break.end": 8, "countries.AZ.admin_barrier": 0.4})``. The
    ``datacollector`` records the quarter and the nine key indicators of each country and of
    both together (``AZ.tech_exports``, ``BY.tech_exports``, ``JOINT.tech_exports``, ...)
    every quarter from quarter 0; Mesa's ``steps`` and ``time`` also count the warm-up
    quarters (a ``batch_run`` whose ``max_steps`` ends within them warns that it reports
    quarter 0).

    Args:
        scenario: a validated :class:`~sim.inputs.scenario.Scenario` (which carries the fitted
            values it was built with) or the path of a scenario file, loaded with the fitted
            values in use (default: the baseline).
        seed: seed of the model's random generators; one scenario and seed give one run
            (None: a fresh random seed, kept in ``seed``).
        policies: policy objects to use instead of the scenario's (e.g. from the browser view).
        rng: the seed under Mesa's name (give ``seed`` or ``rng``, not both).
        add_missing_policies: a path to a policy type the scenario lacks
            (``policies.tax_break.end`` on the baseline) adds one with its declared defaults
            and the values given (without this it is an error naming the policies present).
        **params: model parameters (``sim.inputs.params.MODEL_PARAMS``) and risks
            (``sim.inputs.params.RISK_PARAMS``) by name, and any parameter by its dotted path
            (``model.warmup``, ``risks.coordination``, ``countries.AZ.vat``,
            ``policies.sme_subsidy.budget``, ``policies.sme_subsidy[1].budget``; see
            :mod:`sim.inputs.parameter_paths`), set over the scenario's and validated (numpy
            values are accepted and stored as Python values).

    Raises:
        TypeError: a keyword without a dot is neither a model parameter nor a risk, a
            parameter is given twice, or the seed is not an integer.
        ScenarioError: a value is out of its bounds, a path names no declared parameter or a
            policy the scenario lacks, or the scenario file is invalid.
        FittedError: a scenario is loaded here with the fitted values in use, and their file
            is malformed.

    Attributes:
        spec: the validated scenario of this run (Mesa's own ``scenario`` attribute is left to
            Mesa).
        params: the model parameters, defaults applied.
        rd_scale: factor on every R&D threshold (the scenario's, from its fitted values).
        firms: the firm columns (:class:`~sim.agents.firm.FirmTable`); ``firm_agents`` maps
            ids to the thin Mesa agents.
        graph: the cooperation graph (a networkx graph keeping tie attributes in columns,
            :class:`~sim.network.graph.TieGraph`), the one source of truth for ties.
        governments: ``{"AZ": Government, "BY": Government}``.
        universities, parks: the other agents.
        quarter: the current quarter (0 = the starting state).
    """

    def __init__(self, scenario: Scenario | str | Path | None = None, seed: int | None = 0,
                 policies: list[Policy] | None = None, *, rng: int | None = None,
                 add_missing_policies: bool = False, **params: Any) -> None:
        seed = _seed_of(seed, rng)
        super().__init__(rng=seed)
        self.seed = seed
        self.spec = _scenario_of(scenario, params, add_missing_policies,
                                 own_policies=policies is not None)
        self._datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS)
        self._warned_warmup = False
        self.params: dict[str, Any] = self.spec.model
        self.scale_n = self.params["firm_scale"]
        self.rd_scale = self.spec.rd_scale
        self._country_arrays()
        self.graph = TieGraph()
        self.firms = FirmTable()
        self.accounts = SectorAccounts()
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
        population.initial_ties(self)
        labour.set_wage_reference(self)
        self.risks: dict[str, Any] = self.spec.risks
        self.shifters = Shifters()  # moved by policies each quarter; neutral = no policy
        self.policies: list[Policy] = (policies if policies is not None
                                       else self.spec.make_policies())
        for policy in self.policies:
            policy.prepare(self)
        markets.balance_markets(self)
        investment.fdi_reference_volume(self)
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

        self.wage = arr("wage_per_quarter_usd_k", USD_M_PER_USD_K)
        self.base_productivity = arr("labour_productivity_usd_k", USD_M_PER_USD_K)
        self.tech_reference = arr("initial_tech_generation")
        self.pool_skill = arr("labour_pool_skill")
        labour_pool.start_pool(
            self, np.stack([labour_pool.education_shares(x["labour_share_tertiary"],
                                                         x["labour_share_vocational"])
                            for x in c]),
            labour.PRODUCTIVITY_AT_NO_SKILL, labour.PRODUCTIVITY_PER_SKILL)
        self.skill_reference = self.pool_skill.copy()
        self.profit_tax, self.vat = arr("profit_tax"), arr("vat")
        self.property_tax, self.import_vat = arr("property_tax"), arr("import_vat_on_equipment")
        self.admin_barrier = arr("admin_barrier")
        #: each country's approval office (its queue sets the barrier index each quarter),
        #: the capacity an approval reform adds to it (share of its staffing) and the share of
        #: the country's procedures' time left (1: the procedures as they are)
        self.approvals = approvals.ApprovalOffices(self.admin_barrier)
        self.approval_capacity = np.zeros(2)
        self.approval_procedures = np.ones(2)
        #: share of late deliveries that infrastructure removes, by supplier's country (0: the
        #: country's logistics as they are)
        self.logistics = np.zeros(2)
        self.investment_lag = arr("investment_lag_quarters")
        self.trade_cost = np.column_stack([np.zeros(2), arr("trade_cost_partner"),
                                           arr("trade_cost_third")])
        # the bundled data's trade costs, against which a scenario's own move prices
        reference = list(self.spec.reference_countries().values())
        self.trade_cost_reference = np.array(
            [[0.0, r["trade_cost_partner"], r["trade_cost_third"]] for r in reference])
        self.demand_growth = arr("home_demand_growth")
        self.unemployment0 = arr("unemployment_rate")
        self.frontier = self.frontier0 = float(self.params["frontier_start"])

    # ----------------------------------------------------------------- helpers
    @property
    def datacollector(self) -> mesa.DataCollector:
        """Mesa's data collector: the quarter and the key indicators per country, every quarter
        from quarter 0.

        ``mesa.batch_run`` reads it when a run ends. Its ``max_steps`` counts Mesa's steps,
        which include the warm-up (``model.warmup``) that runs when the model is built: a run
        that ends before quarter 1 reports only the starting state, quarter 0, so a read from
        ``batch_run`` then warns (once per model)."""
        if self.quarter <= 0 and not self._warned_warmup and \
                sys._getframe(1).f_globals.get("__name__") == "mesa.batchrunner":
            self._warned_warmup = True
            warmup = int(self.params["warmup"])
            warnings.warn(
                f"ClusterModel under batch_run ended at Mesa step {self.steps}, which does not "
                f"go past the warm-up of {warmup} quarters (model.warmup): it reports quarter 0, "
                f"the starting state, only. max_steps counts the warm-up: for T quarters give "
                f"max_steps = {warmup} + T.", UserWarning, stacklevel=2)
        return self._datacollector

    @property
    def quarter(self) -> int:
        """Current quarter of the run: 0 is the start, warm-up quarters are negative."""
        return self.steps - int(self.params["warmup"])

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
        quality.learning_phase(self)
        labour.labour_phase(self)
        edges = self.edges  # ties as they stood at the end of last quarter
        self.supply_flows = markets.production_phase(self, edges)
        finance.finance_phase(self)
        markets.fade_brands(self)
        markets.export_entry(self)
        investment.investment_phase(self)
        innovation.innovation_phase(self, edges)
        self._network_phase(edges, self.supply_flows)
        self._entry_exit_phase()
        approvals.approvals_phase(self)
        markets.advance_world(self)
        self.accounts.close(self)
        self._collect()

    def _begin_quarter(self) -> None:
        """Flow columns back to their declared start values, shifters to neutral, the
        governments' quarterly accounts and the event counts to zero."""
        self.firms.reset_flows()
        self.accounts.open(self)
        self.shifters.reset()
        for gov in self.governments.values():
            gov.start_quarter()
        for key in COUNTRY_KEYS:
            self.events[key].clear()

    def _policy_phase(self) -> None:
        admit_residents(self)
        park_regimes(self)
        if self.warming_up:
            return
        for policy in self.policies:
            policy.step(self)

    def _network_phase(self, edges: EdgeArrays, flows: SupplyFlows) -> None:
        used = used_ties(self, edges, flows.value)
        decay_ties(self, edges, used)
        partner_search(self)
        university_search(self)

    def _entry_exit_phase(self) -> None:
        for kind, phase in (("exits", entry_exit.exit_phase),
                            ("entries", entry_exit.entry_phase)):
            counts = phase(self)
            for code in COUNTRIES:
                self.events[code][kind] = counts[code]
            self.events["JOINT"][kind] = sum(counts.values())
        labour.fit_to_labour_force(self)

    def _warm_up(self, quarters: int) -> None:
        """Run some quarters without policies and without recording them, so the run starts
        from a settled economy (investment, projects, ties under way), then restart the clock
        and the fiscal accounts at quarter 0. The history of those quarters stays, so growth
        rates and times to market are defined from the first quarter."""
        self.warming_up = True
        self.edges = edge_arrays(self)
        for _ in range(quarters):
            self.step()
        self.warming_up = False
        for gov in self.governments.values():
            gov.reset_accounts()
        investment.fdi_reference_tax(self)

    def _record_history(self, masks: dict[str, np.ndarray]) -> None:
        for key, mask in masks.items():
            for name, column in HISTORY_COLUMNS.items():
                self.history[key][name].append(float(self.firms[column][mask].sum()))

    def _collect(self, record_history: bool = True) -> None:
        """Store the growth history and every indicator for this step."""
        self.edges = edge_arrays(self)
        masks = country_masks(self)
        if record_history:
            self._record_history(masks)
        if self.warming_up:
            return
        self.network_stats = network_stats(self, self.edges)
        values = compute_all(self, masks)
        self.rows.append(np.vstack([values[k] for k in COUNTRY_KEYS]))
        self._datacollector.collect(self)

    def add_policy(self, policy: Policy) -> None:
        """Add a policy to a running model: it acts from the next quarter (its defaults are
        resolved with the model's scales and it is initialised now)."""
        policy.prepare(self)
        policy.initialize(self)
        self.policies.append(policy)

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


def _scenario_of(scenario: Scenario | str | Path | None, params: dict[str, Any],
                 add_missing_policies: bool = False, own_policies: bool = False) -> Scenario:
    """The scenario (loaded if a path) with the values given as keywords: model parameters
    and risks by name, anything else by dotted path (one call of
    :func:`~sim.inputs.parameter_paths.scenario_with`)."""
    if isinstance(scenario, (str, Path)):
        scenario = load_scenario(scenario)
    scenario = scenario or default_scenario()
    paths: dict[str, Any] = {}
    for key, value in params.items():
        path = (key if "." in key else f"model.{key}" if key in MODEL_PARAMS
                else f"risks.{key}" if key in RISK_PARAMS else None)
        if path is None:
            raise TypeError(f"ClusterModel got an unexpected keyword argument '{key}'; "
                            "keywords are scenario, seed, rng, policies, "
                            "add_missing_policies, the model parameters and the risks by name "
                            "(clustersim list shows them), and parameter paths such as "
                            "'policies.sme_subsidy.budget'")
        if path in paths:
            raise TypeError(f"ClusterModel got '{key}' and '{path}', the same parameter; "
                            "give one")
        if own_policies and path.startswith("policies."):
            raise TypeError(f"ClusterModel got policy objects and the path '{path}'; give "
                            "the policies' values one way")
        paths[path] = value
    if not paths:
        return scenario
    try:
        return scenario_with(scenario, paths, add_missing_policies=add_missing_policies)
    except ParamError as err:
        raise ScenarioError(scenario.source, err.key, err.message) from None


def _indicator(model: ClusterModel, country: int, index: int) -> float:
    return float(model.rows[-1][country, index])


#: Model reporters of the ``datacollector``: the quarter, and the nine key indicators of each
#: country and of both together, named ``<country>.<indicator>`` (``AZ.tech_exports``,
#: ``BY.tech_exports``, ``JOINT.tech_exports``, ...).
MODEL_REPORTERS: dict[str, Any] = {
    "quarter": "quarter",
    **{f"{key}.{name}": partial(_indicator, country=c, index=list(INDICATORS).index(name))
       for c, key in enumerate(COUNTRY_KEYS) for name in KEY_INDICATORS},
}
