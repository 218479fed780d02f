"""Indicators: declared once, computed from the firm columns every step.

The first nine groups are the report's effectiveness indicators (section 6 of the source report,
listed in the project's mission); the rest describe the economy, the budget and the network.
Every indicator is computed per country (``AZ``, ``BY``) and for both together (``JOINT``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from sim.competition import (
    cr4_home,
    domestic_share_home,
    event_rate,
    hhi_home,
    hhi_sector,
    mean_markup,
    state_sales_share,
)
from sim.inputs.sectors import SECTORS
from sim.inputs.units import QUARTERS_PER_YEAR, USD_K_PER_USD_M
from sim.memo import collecting, shared
from sim.phases.labour import wage_per_worker

if TYPE_CHECKING:
    from sim.model import ClusterModel

Direction = Literal["higher", "lower", "info"]
COUNTRY_KEYS = ("AZ", "BY", "JOINT")
#: Quarters over which the time to market is averaged (assumed: two years, so a few launches
#: in a small country still give a value).
LAUNCH_WINDOW = 8
#: Columns of the tidy indicators table a run gives (``sim.experiments.runs.model_table``).
TABLE_COLUMNS = ("scenario", "seed", "step", "country", "indicator", "value")
#: Key indicators that are growth rates: results over a run (the scorecard, sweeps) use their
#: mean over quarters 1..T, as one quarter's growth rate is noisy.
GROWTH_INDICATORS = ("productivity_growth", "investment_growth")
#: Percent per share (by definition).
PERCENT = 100.0
#: Quarters a year-on-year growth rate needs: the last year's four and the four before (by
#: definition).
YOY_QUARTERS = 2 * QUARTERS_PER_YEAR


@dataclass(frozen=True)
class Indicator:
    """Declaration of one indicator.

    Attributes:
        name: column name in the indicators table.
        label: short human-readable title for tables and plots.
        unit: unit of the value.
        direction: whether a higher value is better, lower is better, or neither.
        report_item: number (1-9) of the report's effectiveness indicator it measures, 0 if none.
        compute: function ``(model, mask, country_key) -> float`` over the firms in ``mask``.
    """

    name: str
    label: str
    unit: str
    direction: Direction
    report_item: int
    compute: Callable[[ClusterModel, np.ndarray, str], float]


def _safe_div(a: float, b: float) -> float:
    return float(a / b) if b > 0 else 0.0


def _yoy(series: list[float]) -> float:
    """Year-on-year growth in percent of a quarterly series (last 4 quarters vs the 4 before)."""
    if len(series) < YOY_QUARTERS:
        return 0.0
    year = QUARTERS_PER_YEAR
    recent, before = sum(series[-year:]), sum(series[-YOY_QUARTERS:-year])
    return PERCENT * (recent / before - 1.0) if before > 0 else 0.0


def _hist(model: ClusterModel, key: str, name: str) -> list[float]:
    return model.history[key][name]


def _flow_weighted(model: ClusterModel, key: str, attr: str) -> float:
    """Mean of a supplier attribute over supply flows bought by the firms of ``key``."""
    flows = model.supply_flows
    if flows is None or flows.size == 0:
        return 0.0
    buyer_country = flows.buyer_country
    sel = slice(None) if key == "JOINT" else buyer_country == (0 if key == "AZ" else 1)
    w = flows.value[sel]
    total = w.sum()
    return float(getattr(flows, attr)[sel] @ w / total) if total > 0 else 0.0


def _sum(col: str) -> Callable[[ClusterModel, np.ndarray, str], float]:
    def compute(model: ClusterModel, mask: np.ndarray, key: str) -> float:
        return float(model.firms.col(col)[mask].sum())

    compute.__name__ = f"sum_{col}"
    return compute


def _support_share(model, mask, key):
    recent = model.firms.col("supported_until")[mask] >= model.quarter
    return _safe_div(recent.sum(), mask.sum())


def _labour_productivity(model, mask, key):
    f = model.firms
    return USD_K_PER_USD_M * _safe_div(f.col("value_added")[mask].sum(),
                                       f.col("employees")[mask].sum())


def _productivity_growth(model, mask, key):
    va, emp = _hist(model, key, "value_added"), _hist(model, key, "employment")
    if len(va) < YOY_QUARTERS:
        return 0.0
    year = QUARTERS_PER_YEAR
    now = _safe_div(sum(va[-year:]), sum(emp[-year:]))
    before = _safe_div(sum(va[-YOY_QUARTERS:-year]), sum(emp[-YOY_QUARTERS:-year]))
    return PERCENT * (now / before - 1.0) if before > 0 else 0.0


def _investment_growth(model, mask, key):
    return _yoy(_hist(model, key, "investment"))


def _fdi_share(model, mask, key):
    f = model.firms
    return _safe_div(f.col("fdi")[mask].sum(), f.col("investment")[mask].sum())


def _capital_weighted(model, mask, col: str) -> float:
    """Mean of a firm column over the firms in ``mask``, weighted by their capital."""
    f = model.firms
    k = f.col("capital")[mask]
    total = k.sum()
    return float(f.col(col)[mask] @ k / total) if total > 0 else 0.0


def _equipment_generation(model, mask, key):
    return _capital_weighted(model, mask, "tech")


def _equipment_age(model, mask, key):
    return _capital_weighted(model, mask, "equip_age") / QUARTERS_PER_YEAR  # years


def _by_sector(model, mask, key) -> np.ndarray:
    """Sales and exports per sector of the firms in ``mask`` (rows 0 and 1)."""

    def compute() -> np.ndarray:
        f = model.firms
        sector = f.col("sector")[mask]
        exports = f.col("sales_partner")[mask] + f.col("sales_third")[mask]
        return np.stack([np.bincount(sector, weights=f.col("sales_total")[mask],
                                     minlength=len(SECTORS)),
                         np.bincount(sector, weights=exports, minlength=len(SECTORS))])

    return shared(model, ("by_sector", key), compute)


def _sector_output(sector: int):
    def compute(model, mask, key):
        return float(_by_sector(model, mask, key)[0, sector])

    return compute


def _tech_exports(model, mask, key):
    f = model.firms
    return float(f.col("sales_partner")[mask].sum() + f.col("sales_third")[mask].sum())


def _sector_exports(sector: int):
    def compute(model, mask, key):
        return float(_by_sector(model, mask, key)[1, sector])

    return compute


def _export_share(model, mask, key):
    f = model.firms
    return _safe_div(_tech_exports(model, mask, key), f.col("sales_total")[mask].sum())


def _launches(model: ClusterModel, key: str) -> list[list[int]]:
    """[count, sum of durations] per quarter over the last ``LAUNCH_WINDOW`` quarters."""
    q = model.quarter
    return [v for k, v in model.launches[key].items() if k > q - LAUNCH_WINDOW]


def _time_to_market(model, mask, key):
    """Mean quarters from project start to launch, over launches in the last 8 quarters."""
    recent = _launches(model, key)
    count = sum(c for c, _ in recent)
    return sum(d for _, d in recent) / count if count else float("nan")


def _products_launched(model, mask, key):
    return float(model.launches[key].get(model.quarter, (0, 0))[0])


def _supplier_delivery(model, mask, key):
    return _flow_weighted(model, key, "delivery")


def _input_quality(model, mask, key):
    return _flow_weighted(model, key, "quality")


def _supplier_competitiveness(model, mask, key):
    f = model.firms
    return _safe_div(f.col("inputs_domestic")[mask].sum(), f.col("inputs_total")[mask].sum())


def _sme_count(model, mask, key):
    return float((mask & model.firms.is_sme()).sum())


def _sme_employment_share(model, mask, key):
    f = model.firms
    emp = f.col("employees")
    return _safe_div(emp[mask & f.is_sme()].sum(), emp[mask].sum())


def _wage_bill(model, mask, key) -> float:
    def compute() -> float:
        wage = shared(model, "wage_per_worker", lambda: wage_per_worker(model))
        return float(wage[mask] @ model.firms.col("employees")[mask])

    return shared(model, ("wage_bill", key), compute)


def _average_wage(model, mask, key):
    """Employment-weighted wage per worker-quarter, USD k."""
    return USD_K_PER_USD_M * _safe_div(_wage_bill(model, mask, key),
                                       model.firms.col("employees")[mask].sum())


def _vacancy_rate(model, mask, key):
    f = model.firms
    vacancies = f.col("vacancies")[mask].sum()
    return _safe_div(vacancies, f.col("employees")[mask].sum() + vacancies)


def _unemployment(model, mask, key):
    """Unemployed over the labour force of the modelled industries (JOINT: both pools)."""
    lf = model.labour_force if key == "JOINT" else model.labour_force[COUNTRY_KEYS.index(key)]
    labour_force = float(np.sum(lf))
    employed = float(model.firms.col("employees")[mask].sum())
    return _safe_div(max(labour_force - employed, 0.0), labour_force)


def _wage_share(model, mask, key):
    return _safe_div(_wage_bill(model, mask, key), model.firms.col("value_added")[mask].sum())


def _rd_intensity(model, mask, key):
    f = model.firms
    return PERCENT * _safe_div(f.col("rd_spend")[mask].sum(), f.col("sales_total")[mask].sum())


def _policy_spending(model, mask, key):
    """Spending on policies: what the governments spent less the bail-outs of state firms."""
    govs = [g for code, g in model.governments.items() if key in (code, "JOINT")]
    return float(sum(g.spent_this_step - g.bailouts_this_step for g in govs))


def _gov(attr: str):
    def compute(model, mask, key):
        govs = model.governments.values() if key == "JOINT" else [model.governments[key]]
        return float(sum(getattr(g, attr) for g in govs))

    return compute


def _take_up(field: str, over: str):
    """``field`` over ``over`` of the grant instruments' take-up accounts so far (all grant
    instruments of the run together, for one country or both; NaN before any funded project):
    the deadweight share is anyway / funded, the leverage private / public."""
    def compute(model, mask, key):
        codes = ("AZ", "BY") if key == "JOINT" else (key,)
        books = [p.take_up[c] for p in model.policies for c in codes]
        num, den = sum(b[field] for b in books), sum(b[over] for b in books)
        return float(num / den) if den > 0 else float("nan")

    return compute


def _net(attr: str):
    def compute(model, mask, key):
        return float(model.network_stats[key][attr])

    return compute


def _count_events(kind: str):
    def compute(model, mask, key):
        return float(model.events[key][kind])

    return compute


_I = Indicator
INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in [
        # 1. share of enterprises receiving budget-funded organisational support: what a
        # policy does, not what it achieves, so no direction is better (POLICY_OUTPUTS)
        _I("support_share", "Firms receiving support", "share", "info", 1, _support_share),
        # 2. labour productivity and its growth rate
        _I("productivity_growth", "Labour productivity growth", "% y/y", "higher", 2,
           _productivity_growth),
        _I("labour_productivity", "Labour productivity", "USD k per worker-quarter", "higher", 2,
           _labour_productivity),
        # 3. investment, its growth rate, and foreign direct investment
        _I("investment_growth", "Investment growth", "% y/y", "higher", 3, _investment_growth),
        _I("investment", "Investment", "USD m/quarter", "higher", 3, _sum("investment")),
        _I("fdi", "Foreign direct investment", "USD m/quarter", "higher", 3, _sum("fdi")),
        _I("fdi_share", "FDI share of investment", "share", "info", 3, _fdi_share),
        _I("fdi_income_out", "Profits repatriated by foreign owners", "USD m/quarter", "info", 3,
           _sum("repatriated")),
        # 4. novelty of technological equipment
        _I("equipment_generation", "Equipment technology generation", "generation (3-6)",
           "higher", 4, _equipment_generation),
        _I("equipment_age", "Equipment age", "years", "lower", 4, _equipment_age),
        # 5. volume and structure of tech products produced and sold
        _I("tech_output", "Tech products sold", "USD m/quarter", "higher", 5, _sum("sales_total")),
        *[
            _I(f"output_{s}", f"Sales: {label}", "USD m/quarter", "info", 5, _sector_output(k))
            for k, (s, label) in enumerate(SECTORS.items())
        ],
        # 6. volume and structure of tech exports
        _I("tech_exports", "Tech exports", "USD m/quarter", "higher", 6, _tech_exports),
        _I("exports_partner", "Exports to partner country", "USD m/quarter", "higher", 6,
           _sum("sales_partner")),
        _I("exports_third", "Exports to third countries", "USD m/quarter", "higher", 6,
           _sum("sales_third")),
        _I("export_share", "Export share of sales", "share", "higher", 6, _export_share),
        *[
            _I(f"exports_{s}", f"Exports: {label}", "USD m/quarter", "info", 6, _sector_exports(k))
            for k, (s, label) in enumerate(SECTORS.items())
        ],
        # 7. time to master new technological products
        _I("time_to_market", "Time to master new products", "quarters", "lower", 7,
           _time_to_market),
        _I("products_launched", "New products launched", "per quarter", "higher", 7,
           _products_launched),
        # 8. suppliers' competitiveness and delivery discipline
        _I("supplier_competitiveness", "Inputs from cluster suppliers (both countries)", "share",
           "higher", 8, _supplier_competitiveness),
        _I("supplier_delivery", "Supplier delivery discipline", "index 0-1", "higher", 8,
           _supplier_delivery),
        # 9. quality and technological level of supplied materials
        _I("input_quality", "Quality of supplied inputs", "index 0-1", "higher", 9,
           _input_quality),
        # the economy
        _I("employment", "Employment", "workers", "info", 0, _sum("employees")),
        _I("average_wage", "Average wage", "USD k per worker-quarter", "info", 0,
           _average_wage),
        _I("vacancy_rate", "Vacancy rate", "share", "info", 0, _vacancy_rate),
        _I("unemployment", "Unemployment in the modelled labour force", "share", "lower", 0,
           _unemployment),
        _I("wage_share", "Wage share of value added", "ratio", "info", 0, _wage_share),
        _I("firms", "Firms", "count", "info", 0, lambda m, mask, k: float(mask.sum())),
        _I("smes", "SMEs", "count", "info", 0, _sme_count),
        _I("sme_employment_share", "SME share of employment", "share", "info", 0,
           _sme_employment_share),
        _I("rd_intensity", "R&D spending / sales", "%", "higher", 0, _rd_intensity),
        _I("entries", "Firm entries", "per quarter", "info", 0, _count_events("entries")),
        _I("exits", "Firm exits", "per quarter", "info", 0, _count_events("exits")),
        # competition and concentration
        _I("hhi_home", "Home-market HHI of domestic firms (imports not counted)", "index 0-1",
           "lower", 0, hhi_home),
        *[
            _I(f"hhi_{s}", f"Home-market HHI: {label}", "index 0-1", "info", 0, hhi_sector(k))
            for k, (s, label) in enumerate(SECTORS.items())
        ],
        _I("cr4_home", "Home-market CR4: the four largest domestic firms' share", "share",
           "lower", 0, cr4_home),
        _I("state_sales_share", "State firms' share of sales", "share", "info", 0,
           state_sales_share),
        _I("mean_markup", "Mean markup (sales-weighted)", "share of unit cost", "info", 0,
           mean_markup),
        _I("entry_rate", "Entry rate", "entries per firm per quarter", "info", 0,
           event_rate("entries")),
        _I("exit_rate", "Exit rate", "exits per firm per quarter", "info", 0,
           event_rate("exits")),
        _I("domestic_share_home", "Domestic firms' share of home demand", "share", "higher", 0,
           domestic_share_home),
        # the budget
        _I("budget_spent", "Policy spending", "USD m/quarter", "info", 0, _policy_spending),
        _I("bailouts", "State firms' losses covered by the government", "USD m/quarter", "info",
           0, _gov("bailouts_this_step")),
        _I("tax_collected", "Taxes collected", "USD m/quarter", "info", 0,
           _gov("collected_this_step")),
        _I("tax_foregone", "Taxes foregone to tax breaks", "USD m/quarter", "info", 0,
           _gov("foregone_this_step")),
        _I("vat_refunds", "VAT refunded to exporters", "USD m/quarter", "info", 0,
           _gov("refunded_this_step")),
        _I("fiscal_balance", "Cumulative taxes minus VAT refunds, policy spending and bail-outs",
           "USD m",
           "info", 0,
           _gov("balance")),
        _I("deadweight_share", "Funded projects that would have gone ahead without the grant",
           "share", "lower", 0, _take_up("anyway", "funded")),
        _I("private_per_public", "Firms' own spending on funded projects per public dollar",
           "ratio", "higher", 0, _take_up("private", "public")),
        # the cooperation network
        _I("ties", "Cooperation ties", "count", "info", 0, _net("ties")),
        _I("network_density", "Network density", "share", "info", 0, _net("density")),
        _I("cross_border_share", "Cross-border share of ties", "share", "higher", 0,
           _net("cross_border_share")),
        _I("horizontal_vertical_ratio", "Horizontal / vertical ties", "ratio", "higher", 0,
           _net("horizontal_vertical_ratio")),
        _I("clustering", "Clustering coefficient", "index 0-1", "info", 0, _net("clustering")),
        _I("largest_component_share", "Largest component share", "share", "info", 0,
           _net("largest_component_share")),
    ]
}

#: The headline indicator for each of the report's nine effectiveness indicators.
KEY_INDICATORS = [
    "support_share",
    "productivity_growth",
    "investment_growth",
    "equipment_generation",
    "tech_output",
    "tech_exports",
    "time_to_market",
    "supplier_delivery",
    "input_quality",
]

#: Key indicators that measure what a policy does rather than what it achieves: reports show
#: them apart and never count them as a gain (their direction is ``info``).
POLICY_OUTPUTS = ("support_share",)

#: Quantities stored per step so growth rates can be computed (``model.history``):
#: history name -> firm column summed over the country's firms.
HISTORY_COLUMNS = {"value_added": "value_added", "employment": "employees",
                   "investment": "investment"}


def country_masks(model: ClusterModel) -> dict[str, np.ndarray]:
    """Boolean firm masks for ``AZ``, ``BY`` and ``JOINT``."""
    country = model.firms.col("country")
    return {"AZ": country == 0, "BY": country == 1, "JOINT": np.ones(country.shape, dtype=bool)}


def compute_all(model: ClusterModel, masks: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All indicators for each country key of ``masks``, in the order of ``INDICATORS``
    (values several indicators need are computed once, :mod:`sim.memo`)."""
    with collecting(model):
        return {
            key: np.array([ind.compute(model, mask, key) for ind in INDICATORS.values()],
                          dtype=float)
            for key, mask in masks.items()
        }
