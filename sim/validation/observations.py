"""Recording a run for validation: :func:`collect_run` steps a model and keeps, per quarter,
firm ids, workers, sales, innovation and sums by country, and at the end the cooperation ties
(:class:`RunObservations`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.inputs.countries import COUNTRIES
from sim.inputs.scenario import Scenario
from sim.inputs.units import QUARTERS_PER_YEAR

#: Competition and concentration indicators recorded every quarter from quarter 0
#: (``RunObservations.competition``).
COMPETITION = ("hhi_home", "cr4_home", "state_sales_share", "mean_markup",
               "domestic_share_home")
#: Country sums recorded every quarter (see :func:`quarter_sums`).
SUMS = ("rd_spend", "value_added", "fdi", "sales_partner", "employees", "sme_value_added",
        "sme_employees", "taxed_profit", "profit_tax")


@dataclass
class RunObservations:
    """What one run leaves for validation.

    Attributes:
        seed: the run's seed.
        quarters: the recorded quarters 1..T.
        ids, workers, sales, innovated: per recorded quarter, one array over the live firms.
        sums: name (``SUMS``) -> array (quarters, 2 countries) of quarterly sums.
        edges: cooperation ties at the end as node-index pairs (firms, then universities).
        nodes: number of cooperation nodes (firms and universities) at the end.
        vat: the VAT rate the model charges in each country.
        parks: park name -> its reliefs (shares) and ``relief_years``.
        horizon_years: warm-up plus recorded quarters, in years.
        national_factor: how many real tech firms each model firm stands for (the country
            data's ``real_tech_firms`` over the modelled firms).
        gdp_quarter: each country's GDP per quarter, USD m (country data).
        competition: the indicators :data:`COMPETITION` per quarter from quarter 0, array
            (quarters 0..T, AZ / BY / JOINT, indicator).
        cooperation: the firm-year panel of cooperation and innovation
            (:class:`sim.validation.cooperation.CooperationRun`).
    """

    seed: int
    quarters: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    ids: list[np.ndarray] = field(default_factory=list)
    workers: list[np.ndarray] = field(default_factory=list)
    sales: list[np.ndarray] = field(default_factory=list)
    innovated: list[np.ndarray] = field(default_factory=list)
    sums: dict[str, np.ndarray] = field(default_factory=dict)
    edges: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    nodes: int = 0
    vat: np.ndarray = field(default_factory=lambda: np.zeros(2))
    parks: dict[str, dict[str, float]] = field(default_factory=dict)
    horizon_years: float = 0.0
    national_factor: np.ndarray = field(default_factory=lambda: np.ones(2))
    gdp_quarter: np.ndarray = field(default_factory=lambda: np.ones(2))
    competition: np.ndarray = field(default_factory=lambda: np.zeros((0, 3, len(COMPETITION))))
    cooperation: Any = None


def quarter_sums(model: Any) -> dict[str, np.ndarray]:
    """This quarter's sums by country (index 0 = AZ, 1 = BY) of what the targets need."""
    f = model.firms
    country = f["country"]
    sme = f.is_sme()
    taxed = (f["profit"] > 0) & (f["relief_profit"] == 0)
    columns = {
        "rd_spend": f["rd_spend"], "value_added": f["value_added"], "fdi": f["fdi"],
        "sales_partner": f["sales_partner"], "employees": f["employees"],
        "sme_value_added": f["value_added"] * sme, "sme_employees": f["employees"] * sme,
        "taxed_profit": f["profit"] * taxed, "profit_tax": (f["profit"] - f["net_income"]) * taxed,
    }
    return {name: np.bincount(country, weights=columns[name], minlength=2)[:2]
            for name in SUMS}


def cooperation_edges(model: Any) -> tuple[np.ndarray, int]:
    """Cooperation ties among firms and universities (residency ties in parks excluded), as
    node-index pairs, and the number of such nodes."""
    ids = [*model.firms.ids.tolist(), *(u.unique_id for u in model.universities)]
    index = {node: i for i, node in enumerate(ids)}
    pairs = [(index[a], index[b]) for a, b, data in model.graph.edges(data=True)
             if data["kind"] != "residency" and a in index and b in index]
    return np.array(pairs, dtype=np.int64).reshape(-1, 2), len(ids)


def collect_run(scenario: Scenario, seed: int, steps: int) -> RunObservations:
    """Run ``scenario`` with ``seed`` for ``steps`` quarters and record what validation needs."""
    from sim.experiments.runs import run_model
    from sim.validation.cooperation import PanelRecorder

    record = RunObservations(seed=seed)
    sums: dict[str, list[np.ndarray]] = {name: [] for name in SUMS}
    panel = PanelRecorder()

    def on_quarter(model: Any) -> None:
        panel.on_quarter(model)
        f = model.firms
        record.ids.append(f.ids.copy())
        record.workers.append(f["employees"].copy())
        record.sales.append(f["sales_total"].copy())
        record.innovated.append(f["innovated"].copy())
        for name, value in quarter_sums(model).items():
            sums[name].append(value)

    model = run_model(scenario, seed, steps, on_step=on_quarter)
    record.cooperation = panel.finish(model)
    record.quarters = np.arange(1, steps + 1)
    record.sums = {name: np.array(values).reshape(-1, 2) for name, values in sums.items()}
    record.edges, record.nodes = cooperation_edges(model)
    record.vat = np.array(model.vat, dtype=float)
    record.parks = {park.name: {**park.reliefs, "relief_years": park.relief_quarters / 4,
                                **{f"{k}_years": q / 4 for k, q in park.relief_periods.items()}}
                    for park in model.parks}
    record.horizon_years = (int(model.params["warmup"]) + steps) / QUARTERS_PER_YEAR
    data = [model.spec.countries[code] for code in COUNTRIES]
    record.national_factor = np.array([
        c["real_tech_firms"] / max(c["model_firms"] * model.params["firm_scale"], 1e-12)
        for c in data])
    names = model.indicator_names()
    record.competition = model.indicator_array()[:, :, [names.index(n) for n in COMPETITION]]
    record.gdp_quarter = np.array([c["gdp_usd_bn"] * 1000.0 / QUARTERS_PER_YEAR for c in data])
    return record
