"""Typed parameter declarations and the model's behavioural defaults.

One declaration serves three users: the scenario loader validates against it, experiments sample
within its bounds, and the browser view builds sliders from it. Defaults live here, one line each,
with unit and source. Behavioural parameters have no direct data: they are assumed (and are the
free parameters a calibration fits). The declarations never change: a scenario starts from these
defaults, lays the fitted values it is built with over them (:mod:`sim.inputs.fitted`), then its
own settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Largest seed a run accepts (seeds are stored as 64-bit integers in result tables).
MAX_SEED = 2**63 - 1
#: Most seeds one command runs (a sanity bound: 10,000 runs of the default scenario take
#: hours).
MAX_SEEDS = 10_000


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (``np.int64`` an int, ``np.float32`` a
    float, ``np.bool_`` a bool, ``np.str_`` a str; a 0-d array its element); anything else as
    it is. Values from numpy (``np.arange`` grids, SALib samples, the EMA Workbench's
    parameters) are checked and stored as Python values: an ``np.bool_`` stays a bool, so it is
    refused where a number is expected, like ``True``."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if not isinstance(value, np.generic):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.str_):
        return str(value)
    return value


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` for one-line messages: cut after ``limit`` characters, and a huge
    integer (whose decimal form Python refuses to build) described by its number of digits."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # e.g. a list holding a huge integer
        text = f"a {type(value).__name__} too large to show"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ParamError(ValueError):
    """A parameter value is of the wrong type or outside its allowed range."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True)
class Param:
    """A typed parameter with bounds.

    Attributes:
        name: key in scenario files.
        default: value used when a scenario does not set it.
        unit: unit of the value.
        doc: one line on its meaning.
        low: smallest allowed value (numbers only).
        high: largest allowed value (numbers only).
        choices: allowed values (strings only).
        source: where the default comes from ("assumed" when no data exists).
        scaled_by: for a default that is a multiple of a model-wide scale (``"rd_scale"``: the
            R&D thresholds, see :func:`sim.inputs.countries.rd_scale_of`), that scale's name:
            ``default`` is then the value at scale 1 and the value in use is resolved when a
            model is built (:meth:`default_at`). A value set in a scenario is used as given.
    """

    name: str
    default: Any
    unit: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    source: str = "assumed"
    scaled_by: str | None = None

    def default_at(self, scales: dict[str, float]) -> Any:
        """The default in use with the given model-wide scales (``{"rd_scale": ...}``)."""
        if self.scaled_by is None:
            return self.default
        return round(self.default * scales[self.scaled_by], 6)

    @property
    def kind(self) -> type:
        """The Python type of the value (bool, int, float or str)."""
        return type(self.default)

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.kind is bool:
            return "true or false"
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is str:
            return "a string"
        kind = "an integer" if self.kind is int else "a number"
        return f"{kind} in [{_fmt(self.low)}, {_fmt(self.high)}]" + (
            f" ({self.unit})" if self.unit else ""
        )

    def validate(self, value: Any, key: str | None = None) -> Any:
        """Return ``value`` converted to this parameter's type (a plain Python value; numpy
        scalars are accepted, see :func:`plain`), or raise ParamError."""
        key = key or self.name
        value = plain(value)
        bad = f"{show(value)} is not allowed; expected {self.allowed()}"
        if self.kind is bool:
            if not isinstance(value, bool):
                raise ParamError(key, bad)
            return value
        if self.kind is str:
            if not isinstance(value, str) or (self.choices and value not in self.choices):
                raise ParamError(key, bad)
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParamError(key, bad)
        if self.kind is int:
            if isinstance(value, float) and not value.is_integer():
                raise ParamError(key, bad)
            value = int(value)
        else:
            try:
                value = float(value)
            except OverflowError:  # an integer beyond the range of floating-point numbers
                raise ParamError(key, bad) from None
            if not math.isfinite(value):
                raise ParamError(key, bad)
        if (self.low is not None and value < self.low) or (
            self.high is not None and value > self.high
        ):
            raise ParamError(key, bad)
        return value


def _fmt(x: float | None) -> str:
    if x is None:
        return "any"
    return f"{x:g}"


P = Param
#: Behavioural parameters of the model (scenario section ``[model]``).
MODEL_PARAMS: dict[str, Param] = {
    p.name: p
    for p in [
        P("steps", 40, "quarters", "default horizon of a run", 1, 2000),
        P("warmup", 12, "quarters", "quarters run without policies before quarter 0, so the run "
          "starts from a settled economy", 0, 40),
        # the calendar of the reports (no effect on the model's dynamics)
        P("calendar_year", 2021, "year", "calendar year of quarter 0 (the initial state) in "
          "reports", 1990, 2100, source="the calibration: its window, quarters 1-8, stands for "
          "the years its targets describe (2021-2023, sim/data/targets.toml), so quarter 0 is "
          "the last quarter of 2021"),
        P("calendar_quarter", 4, "quarter of the year", "calendar quarter (1-4) of quarter 0 "
          "in reports", 1, 4, source="as calendar_year: 2021Q4"),
        P("price_year", 2022, "year", "the year whose US dollars every money figure is in "
          "(the model has no inflation; reports state it)", 1990, 2100,
          source="sim/data/countries.toml: GDP, FDI and trade of 2021-2022 in current USD of "
          "those years; the wages and productivity assumed for the same years"),
        P("firm_scale", 1.0, "x", "multiplies each country's model_firms, park capacity and "
          "universities", 0.01, 200.0),
        P("budget_scale", 1.0, "x", "multiplies the budget of every budget-funded programme "
          "(SME subsidies, R&D co-funding, export promotion, certification, the venture fund, "
          "vocational education, infrastructure): what each spends and what it buys, grants, "
          "deals, trainees, infrastructure; 0 = no programme money. Institutions' running "
          "costs (coordination body, parks, exchange, fast-track service, monitoring unit, "
          "privatisation) and tax reliefs are not budgets and do not scale", 0.0, 10.0),
        # technology
        P("frontier_start", 5.5, "generation", "world technology frontier at step 0", 4.0, 6.0),
        P("frontier_growth", 0.01, "generation/quarter", "advance of the world frontier",
          0.0, 0.05),
        P("tech_productivity", 0.35, "log-points/generation", "productivity gain per "
          "technology generation of installed equipment", 0.0, 1.0),
        P("technology_access", 0.3, "share", "share of its gap to the frontier that a firm "
          "with full absorptive capacity closes when it buys new equipment", 0.0, 1.0),
        # markets
        P("selectivity", 0.3, "/quarter", "speed of market selection: share growth per unit of "
          "log-competitiveness above imports (replicator, as in Keynes+Schumpeter models)",
          0.0, 5.0),
        P("price_elasticity", 2.0, "", "weight of log price in competitiveness (quality "
          "has weight 1)", 0.0, 10.0),
        P("foreign_quality_growth", 0.003, "/quarter", "improvement of imported products' "
          "quality (in units of the quality index)", 0.0, 0.05),
        P("spending_propensity", 0.15, "share", "share of a country's extra income (wages, "
          "domestic dividends, government spending, above their trend) spent on the modelled "
          "sectors' goods, VAT included (assumed: a marginal propensity to consume of 0.6-0.8 "
          "times a 0.1-0.3 share of these goods in domestic spending)", 0.0, 1.0),
        P("home_share0", 0.5, "share", "domestic firms' initial share of their home market",
          0.05, 0.95),
        P("third_share0", 0.05, "share", "initial share of cluster firms in the third-country "
          "markets they serve", 0.001, 0.9),
        P("export_share0", 0.2, "share", "share of an exporter's sales in third-country markets "
          "at the start", 0.0, 0.45),
        P("partner_export_share0", 0.2, "share", "share of an exporter's sales in the partner "
          "country's market at the start (AZ-BY trade is small: calibrated to the bilateral "
          "turnover)", 0.0, 0.45),
        P("partner_entry_share", 0.5, "share", "chance that a firm starting to export picks the "
          "partner country's market rather than third markets", 0.0, 1.0),
        P("target_utilisation", 0.85, "share", "capacity utilisation firms plan for", 0.3, 1.0),
        P("export_entry_rate", 0.03, "/quarter", "chance a competitive non-exporter starts "
          "exporting to a market", 0.0, 1.0),
        P("export_entry_cost", 0.5, "quarters of wage bill", "sunk cost of entering an export "
          "market", 0.0, 10.0),
        # production and finance
        P("input_share", 0.5, "share of sales", "material inputs per unit of sales", 0.0, 0.9),
        P("supplier_input_share", 0.5, "share", "share of inputs a buyer can source from its "
          "supply ties (the rest is imported)", 0.0, 1.0),
        P("capital_per_worker", 0.025, "USD m/worker", "equipment per worker", 0.001, 1.0),
        P("depreciation", 0.025, "/quarter", "equipment depreciation", 0.0, 0.2),
        P("interest_rate", 0.025, "/quarter", "interest on debt", 0.0, 0.2),
        P("max_leverage", 0.6, "x capital", "debt ceiling of private firms (state-owned: "
          "twice as high)", 0.0, 10.0),
        P("reinvest_share", 0.3, "share", "share of after-tax profit reinvested in new "
          "equipment beyond replacement and expansion (cash-flow sensitivity)", 0.0, 1.0),
        P("hire_speed", 0.25, "/quarter", "share of the gap to desired employment closed per "
          "quarter", 0.01, 1.0),
        P("wage_indexation", 0.8, "elasticity", "response of wages to the country's average "
          "labour productivity (wages follow productivity, so unit labour costs stay put)",
          0.0, 1.5),
        P("wage_skill_premium", 0.5, "", "wage premium per unit of skill above the country's "
          "average employed worker", 0.0, 3.0),
        P("skill_adjust", 0.03, "/quarter", "speed at which the unemployed pool's skill "
          "moves toward the skill of the employed (separations and re-hiring churn the pool; "
          "graduates and laid-off workers enter it with their own skill)", 0.0, 1.0),
        # R&D, innovation and knowledge
        P("rd_effect", 3.0, "", "innovation hazard per unit of R&D/wage-bill ratio (firms form "
          "ideas at twice the hazard; about half succeed)", 0.0, 100.0),
        P("base_innovation", 0.01, "/quarter", "innovation chance with no R&D", 0.0, 0.5),
        P("process_gain", 0.03, "share", "productivity gain of a process innovation", 0.0, 0.5),
        P("project_duration", 10.0, "quarters", "mean quarters to master a new product at "
          "average knowledge", 1.0, 40.0),
        P("product_quality_gain", 0.05, "share", "quality gain from a new product", 0.0, 1.0),
        P("imitation_rate", 0.03, "/quarter", "share of its gap to the sector average in "
          "quality and process efficiency a laggard closes per quarter at full absorptive "
          "capacity", 0.0, 1.0),
        P("spillover_rate", 0.05, "/quarter", "share of a partner's knowledge lead absorbed "
          "per quarter at full absorptive capacity", 0.0, 1.0),
        P("knowledge_decay", 0.02, "/quarter", "obsolescence of knowledge", 0.0, 0.2),
        P("rnd_ties", 1, "switch", "1: firms form R&D ties with firms and universities and "
          "work on ideas with those partners; 0: they form none (the counterfactual of no "
          "R&D cooperation; policies that tie their members still do)", 0, 1),
        # network
        P("search_rate", 0.04, "/quarter", "chance a firm searches for a partner", 0.0, 1.0),
        P("search_candidates", 4, "firms", "candidates a searching firm considers", 1, 50),
        P("search_preference", 0.0, "exponent", "how much better known well-connected firms "
          "are: candidates are drawn with a chance proportional to (ties + 1) to this power "
          "(0 = uniform, 1 = preferential attachment)", 0.0, 3.0),
        P("tie_threshold", 0.45, "score", "least partner score for a tie to form", 0.0, 1.0),
        P("tie_decay", 0.04, "/quarter", "loss of strength of an unused tie", 0.0, 1.0),
        P("tie_min_strength", 0.15, "strength", "ties weaker than this dissolve", 0.0, 1.0),
        P("max_ties", 8, "ties", "most ties a firm maintains", 1, 100),
        P("cross_border_proximity", 0.35, "score", "proximity of a partner in the other "
          "country (same park = 1, same country = 0.7)", 0.0, 1.0),
        P("state_horizontal_aversion", 0.5, "share", "how much less state-owned firms value "
          "horizontal ties (rigid hierarchy in the report)", 0.0, 1.0),
        # entry and exit
        P("entry_rate", 0.004, "/quarter per firm", "SME entries per existing firm at "
          "average competition and no barriers", 0.0, 0.2),
        P("replacement_entry", 0.5, "per exit", "entrants attracted by the room exits leave "
          "(at average barriers)", 0.0, 2.0),
        P("spinoff_rate", 0.03, "/quarter", "spin-offs per university (x3 with a technopark)",
          0.0, 1.0),
        P("exit_loss_quarters", 8, "quarters", "consecutive loss quarters before a private "
          "firm exits", 1, 40),
        P("soft_budget", 0.9, "share", "share of a state-owned firm's quarterly loss its "
          "government covers (soft budget constraint; 0: a hard budget constraint, no "
          "bail-outs)", 0.0, 1.0,
          source="assumed: the source report describes a large state sector whose incumbents "
          "are kept afloat; most of their losses are covered, so state firms rarely exit"),
        # investors
        P("fdi_services_weight", 1.5, "log-points", "weight of park infrastructure in "
          "investors' expected return from a firm, per unit of its park's services (0-1): "
          "at 1.5 an industrial park's services (0.6) draw 2.5 times the FDI to a resident",
          0.0, 10.0),
        P("fdi_tax_semi_elasticity", 3.3, "per unit of tax rate", "fall of FDI (in "
          "log-points) per unit rise of the profit-tax rate investors face, between the two "
          "countries and between firms (de Mooij and Ederveen 2003, meta-analysis of 25 "
          "studies: median about -3.3, a 1-point lower tax rate draws 3.3% more FDI; Feld "
          "and Heckemeyer 2011: median 2.49 over 704 estimates)", 0.0, 10.0),
    ]
}



#: Risks of ineffective cluster policy (scenario section ``[risks]``): the report's four risks as
#: uncertainties every budgeted instrument is exposed to. Defaults are the risk-free case.
RISK_PARAMS: dict[str, Param] = {
    p.name: p
    for p in [
        P("mistargeting", 0.0, "log-sd", "wrong choice of funding priorities in the "
          "competitive selection of recipients: each applicant's merit is seen through "
          "log-normal noise and tilted toward state-owned firms, incumbents and the favoured "
          "sector; 0 = the best applicants win, 3 = close to a random draw among the "
          "favoured", 0.0, 5.0),
        P("coordination", 1.0, "share", "coordination of the two governments' activities: "
          "1 = joint instruments work across the border as designed and the two approval "
          "offices examine a cross-border project side by side, 0 = each government acts "
          "alone, joint instruments lose their cross-border effect and a cross-border "
          "project waits for one approval after the other", 0.0, 1.0),
        P("implementation", 1.0, "share", "local implementation quality (participation of "
          "executive and local authorities): share of each allocated budget that reaches its "
          "target (the rest is spent without effect), programmes start later (up to four "
          "quarters at 0), and approval offices' staffing follows the applications more "
          "slowly", 0.0, 1.0),
        P("monitoring", 1.0, "share", "monitoring effectiveness: how well and how soon "
          "adaptive monitoring reads the indicators (1 = exactly and at once, 0 = noise only "
          "and a year late)", 0.0, 1.0),
    ]
}

#: Bounds for country values a scenario may override (scenario section ``[countries.XX]``).
#: The defaults and their sources are in ``sim/data/countries.toml``.
COUNTRY_BOUNDS: dict[str, tuple[float, float, str]] = {
    "population_m": (0.0, 1000.0, "million"),
    "gdp_usd_bn": (0.0, 10000.0, "USD bn"),
    "profit_tax": (0.0, 1.0, "share"),
    "vat": (0.0, 1.0, "share"),
    "property_tax": (0.0, 0.2, "share/year"),
    "import_vat_on_equipment": (0.0, 1.0, "share"),
    "rd_share_gdp": (0.0, 0.1, "share"),
    "fdi_share_gdp": (0.0, 0.5, "share"),
    "fdi_to_tech_share": (0.0, 1.0, "share"),
    "high_tech_export_share": (0.0, 1.0, "share"),
    "sme_share_value_added": (0.0, 1.0, "share"),
    "sme_share_employment": (0.0, 1.0, "share"),
    "real_tech_firms": (0.0, 1e6, "firms"),
    "model_firms": (0.0, 200000.0, "firms"),
    "wage_per_quarter_usd_k": (0.01, 100.0, "USD k"),
    "labour_productivity_usd_k": (0.1, 1000.0, "USD k/worker-quarter"),
    "initial_tech_generation": (3.0, 6.0, "generation"),
    "domestic_equipment_share": (0.0, 1.0, "share"),
    "state_owned_share_employment": (0.0, 1.0, "share"),
    "private_size_tail": (0.3, 5.0, "Pareto index"),
    "rd_intensity_private": (0.0, 0.5, "share of sales"),
    "rd_intensity_state": (0.0, 0.5, "share of sales"),
    "universities": (0.0, 1000.0, "count"),
    "graduate_skill": (0.0, 1.0, "index"),
    "labour_pool_skill": (0.0, 1.0, "index"),
    "labour_share_tertiary": (0.0, 1.0, "share"),
    "labour_share_vocational": (0.0, 1.0, "share"),
    "admin_barrier": (0.0, 1.0, "index"),
    "investment_lag_quarters": (1.0, 8.0, "quarters"),
    "trade_cost_partner": (0.0, 3.0, "share"),
    "trade_cost_third": (0.0, 3.0, "share"),
    "home_demand_growth": (-0.1, 0.1, "/quarter"),
    "unemployment_rate": (0.0, 0.5, "share"),
}


def country_param(name: str) -> Param:
    """The Param declaration for a country value (integers stay integers)."""
    low, high, unit = COUNTRY_BOUNDS[name]
    integer = name in {"model_firms", "real_tech_firms", "universities",
                       "investment_lag_quarters"}
    default = 0 if integer else 0.0
    return Param(name, default, unit, f"country value {name}", low, high)
