"""Country data: values with their sources, from ``sim/data/countries.toml``, and the values a
calibration fitted in place of the assumed ones (given explicitly, see :mod:`sim.inputs.fitted`).
"""

from __future__ import annotations

import copy
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.inputs.fitted import FittedValues

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "countries.toml"
COUNTRIES = ("AZ", "BY")


def per_country(values: np.ndarray, country: np.ndarray) -> np.ndarray:
    """Sums of ``values`` per country (AZ, BY): ``country`` gives each value's country
    index."""
    return np.bincount(country, weights=values, minlength=len(COUNTRIES))

#: Mean private R&D intensity of the two countries for which the model's R&D thresholds were
#: set (the assumed 0.004 in AZ and 0.010 in BY): a technopark's entry rule of 1% of sales, the
#: tax break's 1%, the R&D ties' 2% and the others (see :func:`rd_scale_of`).
RD_THRESHOLD_BASE = 0.007


@cache
def _data() -> dict[str, Any]:
    """The data file as parsed (read once: it is part of the package)."""
    with DATA_FILE.open("rb") as fh:
        return tomllib.load(fh)


def _with_fit(code: str, fitted: FittedValues | None) -> dict[str, dict[str, Any]]:
    """One country's entries ``{key: {value, source}}``, fitted values in place of the data
    file's where ``fitted`` has them."""
    from sim.inputs.fitted import fitted_in_use, fitted_source

    entries = copy.deepcopy({k: v for k, v in _data()[code].items() if isinstance(v, dict)})
    fitted = fitted_in_use() if fitted is None else fitted
    for key, (value, source) in fitted.section(f"countries.{code}").items():
        entries[key] = {"value": value, "source": fitted_source(source, entries[key]["value"])}
    return entries


def data_values(code: str) -> dict[str, Any]:
    """One country's values as ``countries.toml`` gives them, before any fitted value."""
    return {k: v["value"] for k, v in _data()[code].items() if isinstance(v, dict)}


def country_values(code: str, fitted: FittedValues | None = None) -> dict[str, Any]:
    """One country's values (``AZ`` or ``BY``) without their sources: the data file's, with
    ``fitted`` values in place of the assumed ones (None: the fitted values in use,
    :func:`sim.inputs.fitted.fitted_in_use`)."""
    return {k: v["value"] for k, v in _with_fit(code, fitted).items()}


def country_sources(code: str, fitted: FittedValues | None = None) -> dict[str, str]:
    """The source of every numeric value for one country (as :func:`country_values`)."""
    return {k: v["source"] for k, v in _with_fit(code, fitted).items()}


def rd_scale_of(intensities: list[float]) -> float:
    """Factor on every R&D threshold and target of the model and the policies: the mean of the
    countries' private R&D intensities over :data:`RD_THRESHOLD_BASE`, so the rules keep their
    place in the firms' R&D distribution when a calibration moves it (1.0 with the assumed
    intensities). A scenario computes it from the intensities of its fitted values (not from
    its own overrides: a scenario that raises R&D must not raise the bar with it) and a model
    reads it from its scenario."""
    mean = max(sum(intensities) / len(intensities), 1e-6)
    return round(mean / RD_THRESHOLD_BASE, 12)


def rd_scale_for(countries: dict[str, dict[str, Any]]) -> float:
    """:func:`rd_scale_of` the private R&D intensities of country values by code."""
    return rd_scale_of([countries[code]["rd_intensity_private"] for code in COUNTRIES])


def baseline_parks() -> list[dict[str, Any]]:
    """Parks that exist at the start of every run, values without sources."""
    return [
        {k: (v["value"] if isinstance(v, dict) else v) for k, v in park.items()}
        for park in _data()["parks"]
    ]

