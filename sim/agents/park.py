"""Industrial parks and technoparks (what they do each quarter: sim/phases/parks.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

from sim.phases.finance import RELIEFS

if TYPE_CHECKING:
    from sim.model import ClusterModel


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
