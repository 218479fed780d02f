"""Industrial park creation (report: "a favourable environment", industrial parks with a single
operator, land, buildings and infrastructure, lower transaction costs and faster investment
projects, attracting FDI and SMEs)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agents.park import Park
from sim.inputs.countries import baseline_parks
from sim.inputs.params import Param
from sim.inputs.sectors import SECTORS
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.phases.finance import RELIEFS
from sim.policies import effects
from sim.policies.technopark import ParkPolicy

if TYPE_CHECKING:
    from sim.model import ClusterModel


def national_regime(code: str) -> tuple[dict[str, float], int]:
    """Reliefs and relief years of a country's existing industrial park (AZ: Sumgait
    Chemical Industrial Park; BY: Great Stone), from ``sim/data/countries.toml``."""
    for park in baseline_parks():
        if park["country"] == code and park["kind"] == "industrial":
            return {k: float(park[k]) for k in RELIEFS}, int(park["relief_years"])
    raise KeyError(f"no industrial park of {code} in the country data")


class IndustrialPark(ParkPolicy):
    """At its start quarter the government opens an industrial park run by a single operator
    on land with ready buildings and infrastructure. The operator admits firms (of its focus
    sector, or any) to its slots, larger and better-equipped first. Residents get the park's
    tax regime (by default the country's industrial-park law: AZ 10-year exemptions from profit,
    property and import VAT; BY Great Stone's 10-year profit and property exemptions), operator
    services (shorter investment lags, easier partner search) and investors' preference; while
    the park has free slots it draws new SMEs into the country. Set-up cost once, operating
    cost every active quarter; after the end quarter the park closes."""

    name = "industrial_park"
    label = "Industrial park creation"
    report_section = ("Favourable environment: industrial parks (single operator, land, "
                      "buildings and infrastructure)")
    effects = (*ParkPolicy.effects, "raise_sme_entry")
    param_specs = (
        Param("capacity", 25, "firms", "resident slots (scaled by model.firm_scale)", 1, 10000),
        Param("setup_cost", 30.0, "USD m", "land, buildings, engineering and transport "
              "connections, paid at start", 0.0, 10000.0),
        Param("operating_cost", 0.5, "USD m/quarter", "the operator's services", 0.0, 1000.0),
        Param("services", 0.6, "index 0-1", "strength of operator services", 0.0, 1.0),
        Param("sector", "any", "", "focus sector of the residents",
              choices=("any", *SECTORS)),
        Param("regime", "national", "", "residents' tax regime: the country's industrial-park "
              "law (national) or the reliefs below (custom)", choices=("national", "custom")),
        Param("profit_relief", 1.0, "share", "custom regime: profit-tax relief", 0.0, 1.0),
        Param("property_relief", 1.0, "share", "custom regime: property-tax relief", 0.0, 1.0),
        Param("import_vat_relief", 1.0, "share", "custom regime: import-VAT relief on "
              "equipment", 0.0, 1.0),
        Param("vat_relief", 0.0, "share", "custom regime: VAT relief", 0.0, 1.0),
        Param("relief_years", 10, "years", "custom regime: how long a resident keeps the "
              "reliefs", 0, 100),
        Param("sme_attraction", 0.1, "share", "extra SME entry into the country while the "
              "park has free slots", 0.0, 5.0),
    )

    def _build(self, model: ClusterModel, code: str) -> Park | None:
        if self["regime"] == "national":
            reliefs, years = national_regime(code)
        else:
            reliefs, years = {k: self[k] for k in RELIEFS}, self["relief_years"]
        park = effects.open_park(model, self, f"New industrial park ({code})", code,
                                 "industrial", self["sector"], capacity=self._capacity(model),
                                 reliefs=reliefs, relief_quarters=QUARTERS_PER_YEAR * years,
                                 services=self._services(model))
        self.parks[code] = park
        return park

    def _operate(self, model: ClusterModel, park: Park) -> None:
        if park.free_slots() > 0:
            effects.raise_sme_entry(model, self, park.country_index,
                                    self["sme_attraction"] * model.risks["implementation"])
