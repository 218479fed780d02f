"""The scale and the calendar of the reports: model money at national scale, as a share of the
paying country's GDP, and quarters as calendar quarters.

The model's firms are a sample of each country's firms in the five tech sectors: ``model_firms
× firm_scale`` of ``real_tech_firms`` (``sim/data/countries.toml``; about 1 in 8 of AZ's and 1 in
17 of BY's with the data as shipped). A money figure of one country is brought to national scale
by the inverse of that share, the country's *scale factor*; a figure of both countries is the sum
of the two countries' national figures (every money indicator is a sum over firms or
governments). A national figure is then shown as a share of the paying country's GDP
(``gdp_usd_bn``; both countries: the sum of the two GDPs) per year: a flow per quarter times
four, a total over T quarters divided by T/4 years.

Quarter 0, the initial state, is the calendar quarter of the scenario's ``model.calendar_year``
and ``model.calendar_quarter`` (default 2021Q4) and money is in US dollars of
``model.price_year`` (default 2022); see :data:`sim.inputs.params.MODEL_PARAMS`.

Everything a report needs comes from :func:`scale_of` the report's provenance (the scenarios it
ran, resolved), or from the data files when there is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.indicators import GROWTH_INDICATORS as GROWTH_RATES
from sim.indicators import INDICATORS
from sim.inputs.units import QUARTERS_PER_YEAR

#: Units of the indicators that are money (sums over firms or governments).
MONEY_UNITS = ("USD m/quarter", "USD m")
#: USD m per USD bn (by definition).
USD_M_PER_BN = 1000.0
#: Percent per share (by definition).
PERCENT = 100.0
#: The data file the scale factors and GDPs come from (named in every report).
DATA_FILE = "sim/data/countries.toml"
COUNTRIES = ("AZ", "BY")


def is_money(indicator: str) -> bool:
    """True for an indicator in USD m (per quarter or accumulated)."""
    ind = INDICATORS.get(indicator)
    return ind is not None and ind.unit in MONEY_UNITS


#: Units of the other indicators a national figure scales (people are sampled like firms).
HEADCOUNT_UNITS = ("workers",)


def is_scaled(indicator: str) -> bool:
    """True for an indicator :func:`national_table` scales: money and employment."""
    ind = INDICATORS.get(indicator)
    return ind is not None and ind.unit in (*MONEY_UNITS, *HEADCOUNT_UNITS)


def is_flow(indicator: str) -> bool:
    """True for a money indicator per quarter (a flow), False for a stock or total."""
    ind = INDICATORS.get(indicator)
    return ind is not None and ind.unit == "USD m/quarter"


def quarter_label(step: int, year: int, quarter: int) -> str:
    """The calendar quarter of model quarter ``step`` when quarter 0 is ``year``Q``quarter``:
    ``quarter_label(7, 2021, 4)`` is ``"2023Q3"``."""
    index = year * QUARTERS_PER_YEAR + (quarter - 1) + int(step)
    return f"{index // QUARTERS_PER_YEAR}Q{index % QUARTERS_PER_YEAR + 1}"


@dataclass(frozen=True)
class Scale:
    """Scale factors, GDPs and calendar of a report.

    Attributes:
        factor: national firms per model firm, by country (``real_tech_firms / (model_firms ×
            firm_scale)``).
        gdp_usd_m: GDP a year in USD m by country, and ``JOINT`` (their sum).
        real_firms, model_firms: the numbers the factor is made of, by country.
        calendar_year, calendar_quarter: the calendar quarter of quarter 0.
        price_year: the year of the US dollars.
    """

    factor: dict[str, float]
    gdp_usd_m: dict[str, float]
    real_firms: dict[str, float]
    model_firms: dict[str, float]
    calendar_year: int = 2021
    calendar_quarter: int = 4
    price_year: int = 2022

    def quarter(self, step: int) -> str:
        """Calendar quarter of model quarter ``step`` (``"2027Q3"``)."""
        return quarter_label(step, self.calendar_year, self.calendar_quarter)

    def pct_gdp_a_year(self, national_usd_m: float | np.ndarray, country: str,
                       quarters: float = 1.0) -> float | np.ndarray:
        """A national money figure over ``quarters`` quarters as percent of the paying
        country's GDP a year (``JOINT``: of both GDPs)."""
        years = quarters / QUARTERS_PER_YEAR
        gdp = self.gdp_usd_m.get(country, np.nan)
        return PERCENT * np.asarray(national_usd_m, dtype=float) / years / gdp

    def short(self) -> str:
        """One line for a figure: price year, model scale and the factors, quarter 0."""
        from sim.i18n import t

        return t("msg.national.short", year=self.price_year, az=f"{self.factor['AZ']:.1f}",
                 by=f"{self.factor['BY']:.1f}", file=DATA_FILE, start=self.quarter(0))

    def note(self) -> str:
        """One paragraph stating the scale, the GDPs, the calendar and the price year."""
        from sim.i18n import t

        parts = [t("msg.national.factor", country=c, factor=f"{self.factor[c]:.1f}",
                   real=f"{self.real_firms[c]:,.0f}", model=f"{self.model_firms[c]:,.0f}")
                 for c in COUNTRIES]
        gdp = "; ".join(t("msg.national.gdp", country=c,
                          bn=f"{self.gdp_usd_m[c] / USD_M_PER_BN:,.1f}") for c in COUNTRIES)
        return t("msg.national.note", year=self.price_year, start=self.quarter(0),
                 factors=t("msg.national.and").join(parts), gdp=gdp, file=DATA_FILE)


def scale_of(provenance: dict[str, Any] | None = None) -> Scale:
    """The :class:`Scale` of a report: from the first scenario of ``provenance["scenarios"]``
    (its countries' values and model parameters, as ``Scenario.resolved`` records them), or from
    the data files and the declared defaults when the provenance has none."""
    from sim.inputs.countries import country_values
    from sim.inputs.params import MODEL_PARAMS

    scenarios = (provenance or {}).get("scenarios") or []
    first = scenarios[0] if scenarios and isinstance(scenarios[0], dict) else {}
    model = {k: p.default for k, p in MODEL_PARAMS.items()} | dict(first.get("model") or {})
    countries = first.get("countries") or {}
    values = {c: {**country_values(c), **dict(countries.get(c) or {})} for c in COUNTRIES}
    firm_scale = float(model["firm_scale"])
    model_firms = {c: float(values[c]["model_firms"]) * firm_scale for c in COUNTRIES}
    real = {c: float(values[c]["real_tech_firms"]) for c in COUNTRIES}
    factor = {c: real[c] / model_firms[c] if model_firms[c] > 0 else np.nan for c in COUNTRIES}
    gdp = {c: float(values[c]["gdp_usd_bn"]) * USD_M_PER_BN for c in COUNTRIES}
    gdp["JOINT"] = sum(gdp[c] for c in COUNTRIES)
    return Scale(factor, gdp, real, model_firms, int(model["calendar_year"]),
                 int(model["calendar_quarter"]), int(model["price_year"]))


def national_table(table: pd.DataFrame, scale: Scale) -> pd.DataFrame:
    """The tidy indicators table with every money indicator and employment at national scale:
    each country's rows times its factor, the rows of both countries (``JOINT``) the sum of the
    two countries' national rows; other indicators unchanged."""
    money = table["indicator"].map(is_scaled).astype(bool)
    out = table.copy()
    factors = out["country"].map(scale.factor)
    rows = money & out["country"].isin(COUNTRIES)
    out.loc[rows, "value"] = out.loc[rows, "value"] * factors[rows]
    joint = money & (out["country"] == "JOINT")
    if joint.any():
        keys = ["scenario", "seed", "step", "indicator"]
        sums = out[rows].groupby(keys)["value"].sum(min_count=1)
        index = pd.MultiIndex.from_frame(out.loc[joint, keys])
        out.loc[joint, "value"] = sums.reindex(index).to_numpy(dtype=float)
    return out


#: Columns of a comparison or scorecard brought to national scale by :func:`add_national`.
NATIONAL_SOURCES = ["diff_median", "diff_lo", "diff_hi",
                    "gross_fiscal_cost", "gross_fiscal_cost_lo", "gross_fiscal_cost_hi",
                    "net_fiscal_cost", "net_fiscal_cost_lo", "net_fiscal_cost_hi"]

#: Columns :func:`add_national` adds.
NATIONAL_COLUMNS = [*(f"{c}_national" for c in NATIONAL_SOURCES), "diff_pct_gdp",
                    "gross_fiscal_cost_pct_gdp", "net_fiscal_cost_pct_gdp"]


def add_national(result: pd.DataFrame, national: pd.DataFrame, scale: Scale, horizon: int,
                 keys: list[str]) -> pd.DataFrame:
    """``result`` (a comparison or scorecard at model scale) with its money at national scale.

    Args:
        result: the table at model scale.
        national: the same table computed from :func:`national_table` tables.
        scale: the report's :class:`Scale`.
        horizon: the last quarter T (the fiscal costs are totals over quarters 1..T).
        keys: the columns that identify a row in both tables.

    Returns:
        ``result`` with ``<column>_national`` for every :data:`NATIONAL_SOURCES` column (the
        changes only for money indicators and employment, NaN for others), ``diff_pct_gdp``
        (a money flow's change a year as percent of the paying country's GDP),
        ``gross_fiscal_cost_pct_gdp`` and ``net_fiscal_cost_pct_gdp`` (a year of the cost, as
        percent of GDP).
    """
    out = result.copy()
    if out.empty:
        for c in NATIONAL_COLUMNS:
            out[c] = pd.Series(dtype=float)
        return out
    index = pd.MultiIndex.from_frame(out[keys])
    nat = national.set_index(keys)
    scaled = out["indicator"].map(is_scaled).to_numpy(dtype=bool)
    for c in NATIONAL_SOURCES:
        values = nat[c].reindex(index).to_numpy(dtype=float)
        if c.startswith("diff"):
            values = np.where(scaled, values, np.nan)
        out[f"{c}_national"] = values
    gdp = out["country"].map(scale.gdp_usd_m).to_numpy(dtype=float)
    years = horizon / QUARTERS_PER_YEAR
    flow = out["indicator"].map(is_flow).to_numpy(dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["diff_pct_gdp"] = np.where(flow, PERCENT * QUARTERS_PER_YEAR
                                       * out["diff_median_national"] / gdp, np.nan)
        for kind in ("gross", "net"):
            out[f"{kind}_fiscal_cost_pct_gdp"] = (PERCENT * out[f"{kind}_fiscal_cost_national"]
                                                  / years / gdp)
    return out


#: Indicators with a cost per unit of gain in units a reader can use (:func:`cost_unit` names
#: the unit): the gross fiscal cost a year (national scale) over the gain: a money flow's extra
#: a year (USD per USD), a growth rate's change in percentage points (USD m a year per point),
#: extra jobs (USD a year per job).
COST_UNITS = ("tech_exports", "exports_third", "tech_output", "productivity_growth",
              "employment")


def cost_unit(indicator: str) -> str:
    """The unit of the cost per unit of gain of an indicator of :data:`COST_UNITS`, in the
    report's language."""
    from sim.i18n import t

    return t(f"msg.national.cost.{indicator}")


#: USD per USD m (by definition).
USD_PER_USD_M = 1e6


def cost_per_unit(indicator: str, gross_national: float, gain: float, gain_national: float,
                  horizon: int) -> float:
    """Gross fiscal cost per unit of gain in the unit of :data:`COST_UNITS` (NaN for another
    indicator, no gain or no cost).

    Args:
        indicator: the indicator gained.
        gross_national: gross fiscal cost over quarters 1..T, USD m, national scale.
        gain: the change of the indicator (model scale; its sign already the good one).
        gain_national: the same change at national scale (money and jobs).
        horizon: T.
    """
    if indicator not in COST_UNITS or not (gain > 0) or not (abs(gross_national) > 1e-6):
        return float("nan")
    a_year = gross_national / (horizon / QUARTERS_PER_YEAR)
    if indicator in GROWTH_RATES:
        return a_year / gain
    if indicator == "employment":
        return a_year * USD_PER_USD_M / gain_national
    return a_year / (QUARTERS_PER_YEAR * gain_national)


#: Indicators with no better direction whose significant rise is still priced per unit: jobs
#: (employment is no goal of the report, so it is never rated, but a cost per job is a figure
#: ministries ask for).
PRICED_RISES = ("employment",)


def is_gain(indicator: str, effect: str, significant: bool, change: float) -> bool:
    """Whether a change is a gain to price: a significant change in the better direction
    (``effect == "good"``), or a significant rise of an indicator of :data:`PRICED_RISES`."""
    if effect == "good":
        return True
    return indicator in PRICED_RISES and significant and change > 0


def add_cost_per_unit(card: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """``card`` (a scorecard with :func:`add_national`'s columns) with ``cost_per_unit``: the
    gross fiscal cost a year at national scale per unit of a significant gain (:func:`is_gain`)
    in the unit :func:`cost_unit` names, for the indicators of :data:`COST_UNITS`; NaN for other
    rows, for changes that are no significant gain and for scenarios that cost nothing."""
    out = card.copy()
    values = []
    for r in out.itertuples(index=False):
        sign = -1.0 if r.direction == "lower" else 1.0
        good = is_gain(r.indicator, r.effect, bool(r.significant), r.diff_median) \
            and r.indicator in COST_UNITS
        values.append(cost_per_unit(r.indicator, r.gross_fiscal_cost_national,
                                    sign * r.diff_median, sign * r.diff_median_national,
                                    horizon) if good else np.nan)
    out["cost_per_unit"] = np.asarray(values, dtype=float)
    return out
