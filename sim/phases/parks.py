"""Parks: operators admit residents, residents get the park's tax regime and services, parks
open and close.

A park's tax regime reaches its residents' taxes through :func:`sim.phases.finance.grant_reliefs`
(finance applies and books every relief); its services shorten investment lags and product
projects and make partner search easier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.agents.park import Park
from sim.inputs.sectors import SECTORS
from sim.network.ties import add_new_ties
from sim.phases.finance import RELIEFS, grant_reliefs
from sim.ranking import stable_argsort

if TYPE_CHECKING:
    from sim.model import ClusterModel

#: Chance per quarter that an eligible firm applies for residence (assumed).
APPLY_RATE = 0.1


def park_regimes(model: ClusterModel) -> None:
    """Residents get their park's tax reliefs for the park's relief period (this quarter's,
    applied in :mod:`sim.phases.finance`), and its services count as budget-funded
    organisational support."""
    f = model.firms
    resident = np.flatnonzero(f["park"] >= 0)
    if resident.size == 0:
        return
    for park in model.parks:
        mine = resident[f["park"][resident] == park.index]
        if mine.size == 0:
            continue
        age = model.quarter - f["park_since"][mine]
        grant_reliefs(model, mine, {
            relief: np.where(age < park.relief_periods[relief], park.reliefs[relief], 0.0)
            for relief in RELIEFS})
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


def add_park(model: ClusterModel, park: Park) -> Park:
    """Register a park with the model (index, graph node, host university link)."""
    park.index = len(model.parks)
    model.parks.append(park)
    model.graph.add_node(park.unique_id, kind="park", country=park.country_index)
    if park.host >= 0:
        uni = model.university_by_id[park.host]
        uni.technopark = park.index
    return park


def park_services(model: ClusterModel) -> np.ndarray:
    """Services level (0-1) of each firm's park, 0 for non-residents."""
    services = np.array([park.services for park in model.parks] + [0.0])
    return services[model.firms["park"]]  # park -1 picks the trailing 0


def strongest_university(model: ClusterModel, country: str) -> int:
    """Id of the university with the largest research capacity in a country among those
    not yet hosting a technopark, or -1 if there is none."""
    unis = [u for u in model.universities if u.country == country and u.technopark < 0]
    return max(unis, key=lambda u: u.research).unique_id if unis else -1

