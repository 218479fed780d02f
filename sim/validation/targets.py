"""Calibration targets (``sim/data/targets.toml``): loading them, the measure that gives each
target's model value in one run (:data:`MEASURES`), the values a target accepts, and the output
ratios at national scale (for information)."""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sim.i18n import current, t
from sim.inputs.countries import COUNTRIES
from sim.inputs.units import QUARTERS_PER_YEAR
from sim.validation.facts import FACT_STATISTICS
from sim.validation.observations import RunObservations

TARGETS_FILE = Path(__file__).resolve().parents[1] / "data" / "targets.toml"
TOLERANCE_KINDS = ("absolute", "relative", "factor", "range", "horizon")


class ValidationError(ValueError):
    """Bad input to a validation run (reported with exit code 2 by the command line)."""


def load_targets(path: Path = TARGETS_FILE) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The targets and facts of ``sim/data/targets.toml``, checked for completeness."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    targets, facts = data.get("targets", []), data.get("facts", [])
    for target in targets:
        where = f"{path.name}: target {target.get('name')!r} ({target.get('country')})"
        for key in ("name", "country", "role", "label", "unit", "value", "source", "year",
                    "measure", "definition", "quarters", "tolerance_kind", "tolerance_source"):
            if key not in target:
                raise ValidationError(f"{where}: missing key {key!r}")
        if target["measure"] not in MEASURES:
            raise ValidationError(f"{where}: unknown measure {target['measure']!r}")
        if target["tolerance_kind"] not in TOLERANCE_KINDS:
            raise ValidationError(f"{where}: unknown tolerance_kind {target['tolerance_kind']!r}")
        needs = ("low", "high") if target["tolerance_kind"] == "range" else ("tolerance",)
        for key in needs:
            if key not in target:
                raise ValidationError(f"{where}: missing key {key!r}")
    for fact in facts:
        if fact.get("name") not in FACT_STATISTICS:
            raise ValidationError(f"{path.name}: unknown fact {fact.get('name')!r}")
    return targets, facts


def _window(record: RunObservations, target: dict[str, Any]) -> np.ndarray:
    first, last = target["quarters"]
    return (record.quarters >= first) & (record.quarters <= last)


def _pooled(numerator: str, denominator: str) -> Callable[[RunObservations, dict[str, Any]], float]:
    def measure(record: RunObservations, target: dict[str, Any]) -> float:
        c, rows = COUNTRIES.index(target["country"]), _window(record, target)
        den = record.sums[denominator][rows, c].sum()
        return float(record.sums[numerator][rows, c].sum() / den) if den > 0 else math.nan

    return measure


def _bilateral_turnover(record: RunObservations, target: dict[str, Any]) -> float:
    c, rows = COUNTRIES.index(target["country"]), _window(record, target)
    turnover = record.sums["sales_partner"][rows].sum()  # AZ to BY plus BY to AZ
    den = record.sums["value_added"][rows, c].sum()
    return float(turnover / den) if den > 0 else math.nan


def _vat_rate(record: RunObservations, target: dict[str, Any]) -> float:
    return float(record.vat[COUNTRIES.index(target["country"])])


def _park(record: RunObservations, target: dict[str, Any]) -> dict[str, float]:
    if target.get("park") not in record.parks:
        raise ValidationError(f"target {target['name']!r}: the model has no park named "
                              f"{target.get('park')!r}")
    return record.parks[target["park"]]


def _park_relief(record: RunObservations, target: dict[str, Any]) -> float:
    return float(_park(record, target)[target["name"].removeprefix("park_")])


def _park_relief_years(record: RunObservations, target: dict[str, Any]) -> float:
    """``park_relief_years``: the park's relief period; ``park_<relief>_years``: that
    relief's own period."""
    return float(_park(record, target)[target["name"].removeprefix("park_")])


#: Measure name (``measure`` in targets.toml) -> model value of a target in one run.
MEASURES: dict[str, Callable[[RunObservations, dict[str, Any]], float]] = {
    "effective_profit_tax": _pooled("profit_tax", "taxed_profit"),
    "vat_rate": _vat_rate,
    "park_relief": _park_relief,
    "park_relief_years": _park_relief_years,
    "rd_over_value_added": _pooled("rd_spend", "value_added"),
    "sme_value_added_share": _pooled("sme_value_added", "value_added"),
    "sme_employment_share": _pooled("sme_employees", "employees"),
    "fdi_over_value_added": _pooled("fdi", "value_added"),
    "bilateral_turnover_over_value_added": _bilateral_turnover,
}


def target_label(target: dict[str, Any]) -> str:
    """A target's label in the current language: in English its ``label`` in targets.toml; in
    another language the message ``msg.target.<name>``, after the park's short name (the
    label's part before ``": "``) for a park's target."""
    if current() == "en":
        return target["label"]
    text = t(f"msg.target.{target['name']}")
    return f"{target['label'].split(': ', 1)[0]}: {text}" if "park" in target else text


def allowed_range(target: dict[str, Any]) -> tuple[float, float]:
    """The interval of model values a target accepts (``horizon`` targets: the data value;
    a value beyond the run's length is also accepted when the data value is, see
    :func:`within_tolerance`)."""
    kind, value = target["tolerance_kind"], float(target["value"])
    tol = float(target.get("tolerance", 0.0))
    if kind == "absolute":
        return value - tol, value + tol
    if kind == "relative":
        return value * (1 - tol), value * (1 + tol)
    if kind == "factor":
        return value / tol, value * tol
    if kind == "range":
        return float(target["low"]), float(target["high"])
    return value, value


def within_tolerance(target: dict[str, Any], model_value: float, horizon_years: float) -> bool:
    """Whether a model value meets a target."""
    if not math.isfinite(model_value):
        return False
    if target["tolerance_kind"] == "horizon":
        return abs(min(model_value, horizon_years)
                   - min(float(target["value"]), horizon_years)) <= 1e-9
    low, high = allowed_range(target)
    return low - 1e-12 <= model_value <= high + 1e-12


def national_scale(record: RunObservations, quarters: tuple[int, int] = (1, 8)) -> dict[str, Any]:
    """Output targets at national scale, for information: the sample's flows times the number
    of real tech firms each model firm stands for (an assumption of the country data), over
    the country's GDP.

    Returns:
        ``rd_gdp`` and ``fdi_gdp`` (arrays over AZ, BY: the tech firms' R&D and FDI over
        national GDP) and ``turnover`` (AZ-BY sales of tech products, USD m a year).
    """
    rows = (record.quarters >= quarters[0]) & (record.quarters <= quarters[1])
    years = rows.sum() / QUARTERS_PER_YEAR
    gdp = record.gdp_quarter * rows.sum()

    def scaled(name: str) -> np.ndarray:
        return record.sums[name][rows].sum(axis=0) * record.national_factor

    return {"rd_gdp": scaled("rd_spend") / gdp, "fdi_gdp": scaled("fdi") / gdp,
            "turnover": float(scaled("sales_partner").sum() / years) if years else math.nan}
