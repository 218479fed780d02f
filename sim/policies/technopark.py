"""Technopark creation at a university or research institute (report: "a favourable
environment", technoparks with strict requirements on residents' innovative activity)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agents.park import Park
from sim.inputs.params import Param
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.phases.finance import RELIEFS
from sim.phases.parks import strongest_university
from sim.policies import effects
from sim.policies.base import Policy

if TYPE_CHECKING:
    from sim.model import ClusterModel


class ParkPolicy(Policy):
    """Shared life cycle of a park built by a government: built at the start quarter, paid
    for while active (set-up cost once, operating cost every quarter), closed after the end
    quarter. With weak local implementation the operator delivers only part of its services.
    Subclasses say how the park is built (:meth:`_build`)."""

    effects = ("spend", "open_park", "close_park")

    def initialize(self, model: ClusterModel) -> None:
        """No park exists until the start quarter."""
        self.parks: dict[str, Park] = {}

    def apply(self, model: ClusterModel) -> None:
        """Build the park on the first active quarter, then pay for its services."""
        for code in self.countries():
            if code not in self.parks:
                park = self._build(model, code)
                if park is None:
                    continue
                self.pay(model, code, self.money(model, "setup_cost"))
            self.pay(model, code, self.money(model, "operating_cost"))
            self._operate(model, self.parks[code])

    def after_end(self, model: ClusterModel) -> None:
        """Once the policy ends the government stops paying and the park closes: residents
        leave and lose its reliefs and services."""
        for park in self.parks.values():
            if park.capacity:
                effects.close_park(model, self, park)

    def _operate(self, model: ClusterModel, park: Park) -> None:
        """Act through the park in an active quarter (default: nothing beyond the park)."""

    def _capacity(self, model: ClusterModel) -> int:
        return max(int(round(self["capacity"] * model.scale_n)), 1)

    def _services(self, model: ClusterModel) -> float:
        return self["services"] * model.risks["implementation"]

    def _build(self, model: ClusterModel, code: str) -> Park | None:
        raise NotImplementedError


class Technopark(ParkPolicy):
    """At its start quarter the government builds a technopark hosted by its strongest
    university without one. The operator admits firms with R&D activity (and spin-offs) to
    its slots; residents get the tax regime below, operator services (faster investment and
    product projects, easier partner search), and a tie to the host university, whose
    spin-off rate triples. The government pays the set-up cost once and the operating cost
    every active quarter; after the end quarter the park closes."""

    name = "technopark"
    label = "Technopark creation"
    report_section = "Favourable environment: technoparks at universities and research institutes"
    param_specs = (
        Param("capacity", 20, "firms", "resident slots (scaled by model.firm_scale)", 1, 10000),
        Param("setup_cost", 10.0, "USD m", "construction and equipment, paid at start",
              0.0, 10000.0),
        Param("operating_cost", 0.5, "USD m/quarter", "operator services", 0.0, 1000.0),
        Param("services", 0.8, "index 0-1", "strength of operator services", 0.0, 1.0),
        Param("min_rd_intensity", 0.01, "share of sales", "entry rule on residents' R&D (by "
              "default 1% with the assumed R&D intensities, times the R&D scale of the "
              "scenario's fitted values)", 0.0, 0.5, scaled_by="rd_scale"),
        Param("profit_relief", 1.0, "share", "residents' profit-tax relief (AZ High "
              "Technologies Park and BY Hi-Tech Park: full exemption)", 0.0, 1.0),
        Param("property_relief", 1.0, "share", "residents' property-tax relief", 0.0, 1.0),
        Param("import_vat_relief", 1.0, "share", "residents' import-VAT relief on equipment",
              0.0, 1.0),
        Param("vat_relief", 0.0, "share", "residents' VAT relief (BY Hi-Tech Park: 1)",
              0.0, 1.0),
        Param("relief_years", 10, "years", "how long a resident keeps the reliefs "
              "(AZ parks: 10 years)", 0, 100),
    )

    def _build(self, model: ClusterModel, code: str) -> Park | None:
        host = strongest_university(model, code)
        if host < 0:
            return None
        reliefs = {k: self[k] for k in RELIEFS}
        park = effects.open_park(model, self, f"New technopark ({code})", code, "technopark",
                                 "any", capacity=self._capacity(model), reliefs=reliefs,
                                 relief_quarters=QUARTERS_PER_YEAR * self["relief_years"],
                                 services=self._services(model), host=host,
                                 min_rd_intensity=self["min_rd_intensity"])
        self.parks[code] = park
        return park
