"""Industrial parks and technoparks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.network import add_new_ties
from sim.ranking import stable_argsort
from sim.sectors import SECTORS

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Tax reliefs a park or policy grants (parameter name) -> the firm column they set.
RELIEF_COLUMNS = {
    "profit_relief": "relief_profit",
    "vat_relief": "relief_vat",
    "property_relief": "relief_property",
    "import_vat_relief": "relief_import_vat",
}
RELIEFS = tuple(RELIEF_COLUMNS)


class Park(mesa.Agent):
    """An industrial park or a technopark run by a single operator.

    Attributes:
        name: the park's name.
        country: ``AZ`` or ``BY``.
        kind: ``industrial`` or ``technopark``.
        sector: focus sector key, or ``any``.
        capacity: resident slots (model firms).
        reliefs: share of each tax forgiven to residents (keys of ``RELIEFS``).
        relief_quarters: how long a resident keeps the reliefs after admission.
        relief_periods: relief (key of ``RELIEFS``) -> how long a resident keeps that one,
            where it differs from ``relief_quarters`` (Great Stone's property-tax relief
            outlasts its profit-tax relief).
        services: 0-1 strength of operator services (shorter investment and product lags,
            lower transaction costs in partner search).
        host: unique id of the host university (technoparks), or -1.
        min_rd_intensity: entry rule on innovative activity (technoparks).
        index: position in ``model.parks``.
    """

    model: ClusterModel

    def __init__(self, model: ClusterModel, name: str, country: str, kind: str, sector: str,
                 capacity: int, reliefs: dict[str, float], relief_quarters: int,
                 services: float, host: int = -1, min_rd_intensity: float = 0.0,
                 relief_periods: dict[str, int] | None = None) -> None:
        super().__init__(model)
        self.name = name
        self.country = country
        self.kind = kind
        self.sector = sector
        self.capacity = capacity
        self.reliefs = reliefs
        self.relief_quarters = relief_quarters
        self.relief_periods = {k: (relief_periods or {}).get(k, relief_quarters) for k in RELIEFS}
        self.services = services
        self.host = host
        self.min_rd_intensity = min_rd_intensity
        self.index = -1

    @property
    def country_index(self) -> int:
        """0 for AZ, 1 for BY."""
        return 0 if self.country == "AZ" else 1

    def residents(self) -> int:
        """Number of firms currently resident."""
        return int((self.model.firms["park"] == self.index).sum())

    def free_slots(self) -> int:
        """Slots still open."""
        return max(self.capacity - self.residents(), 0)


#: Chance per quarter that an eligible firm applies for residence (assumed).
APPLY_RATE = 0.1


def park_regimes(model: ClusterModel) -> None:
    """Residents get their park's tax reliefs for the park's relief period, and its services
    count as budget-funded organisational support."""
    f = model.firms
    resident = np.flatnonzero(f["park"] >= 0)
    for column in RELIEF_COLUMNS.values():
        f[column] = 0.0
    if resident.size == 0:
        return
    for park in model.parks:
        mine = resident[f["park"][resident] == park.index]
        if mine.size == 0:
            continue
        age = model.quarter - f["park_since"][mine]
        for relief, column in RELIEF_COLUMNS.items():
            f[column][mine] = np.where(age < park.relief_periods[relief], park.reliefs[relief],
                                       0.0)
        f["supported_until"][mine] = model.quarter


def admit_residents(model: ClusterModel) -> int:
    """Park operators admit applicants to free slots. Technoparks require innovative activity
    (R&D intensity or a spin-off) and prefer knowledge; industrial parks prefer their focus
    sector and larger capacity. Returns the number admitted."""
    f, rng = model.firms, model.rng
    admitted = 0
    for park in model.parks:
        slots = park.free_slots()
        if slots == 0:
            continue
        ok = (f["park"] < 0) & (f["country"] == park.country_index) & (rng.random(f.n)
                                                                      < APPLY_RATE)
        if park.kind == "technopark":
            ok &= (f["rd_intensity"] >= park.min_rd_intensity) | f["spinoff"]
            merit = f["knowledge"] * (1.0 + f["spinoff"])
        else:
            if park.sector in SECTORS:
                ok &= f["sector"] == list(SECTORS).index(park.sector)
            merit = f["capacity"] * f["tech"]
        applicants = np.flatnonzero(ok)
        if applicants.size == 0:
            continue
        chosen = applicants[stable_argsort(-merit[applicants])[:slots]]
        f["park"][chosen] = park.index
        f["park_since"][chosen] = model.quarter
        firm_ids = f.ids[chosen]
        add_new_ties(model, firm_ids, np.full(chosen.size, park.unique_id), "residency",
                     strength=1.0)
        if park.host >= 0:
            add_new_ties(model, firm_ids, np.full(chosen.size, park.host), "education")
        admitted += len(chosen)
    return admitted


def close_park(model: ClusterModel, park: Park) -> None:
    """Close a park: no more slots; residents leave (residency ties go) and, from the next
    quarter, lose its reliefs and services."""
    f = model.firms
    park.capacity = 0
    park.services = 0.0
    leaving = np.flatnonzero(f["park"] == park.index)
    f["park"][leaving] = -1
    model.graph.remove_edges_from((int(fid), park.unique_id) for fid in f.ids[leaving])
    if park.host >= 0:
        model.university_by_id[park.host].technopark = -1
