"""Country data: values with their sources, from ``sim/data/countries.toml``."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from sim.inputs.fitted import FITTED_FILE, FittedError, fitted_section, fitted_source

DATA_FILE = Path(__file__).resolve().parents[1] / "data" / "countries.toml"
COUNTRIES = ("AZ", "BY")


@cache
def _raw() -> dict[str, Any]:
    """The country data, with the values ``clustersim calibrate`` fitted (sim/fitted.py) in
    place of the assumed ones."""
    with DATA_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    from sim.inputs.params import FITTED_PROBLEM

    if FITTED_PROBLEM:
        return data
    for code in COUNTRIES:
        for key, (value, source) in fitted_section(f"countries.{code}").items():
            if not isinstance(data[code].get(key), dict):
                raise FittedError(f"{FITTED_FILE}: values.'countries.{code}.{key}': no such "
                                  "country value")
            before = data[code][key]["value"]
            data[code][key] = {"value": value, "source": fitted_source(source, before)}
    return data


def data_values(code: str) -> dict[str, Any]:
    """One country's values as ``countries.toml`` gives them, before any fitted value."""
    with DATA_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    return {k: v["value"] for k, v in data[code].items() if isinstance(v, dict)}


def country_values(code: str) -> dict[str, float]:
    """Numeric values for one country (``AZ`` or ``BY``), without their sources."""
    return {k: v["value"] for k, v in _raw()[code].items() if isinstance(v, dict)}


#: Mean private R&D intensity of the two countries for which the model's R&D thresholds were
#: set (the assumed 0.004 in AZ and 0.010 in BY): a technopark's entry rule of 1% of sales, the
#: tax break's 1%, the R&D ties' 2% and the others below.
RD_THRESHOLD_BASE = 0.007


#: R&D scale a calibration sets while it evaluates a point (see :func:`rd_scale`), or None.
_RD_SCALE_OVERRIDE: float | None = None


def rd_scale_of(intensities: list[float]) -> float:
    """The R&D scale for the countries' private R&D intensities (see :func:`rd_scale`)."""
    mean = max(sum(intensities) / len(intensities), 1e-6)
    return round(mean / RD_THRESHOLD_BASE, 12)


@cache
def _installed_rd_scale() -> float:
    return rd_scale_of([country_values(c)["rd_intensity_private"] for c in COUNTRIES])


def rd_scale() -> float:
    """Factor on every R&D threshold and target of the model and the policies: the bundled
    (or fitted) mean private R&D intensity of the two countries over ``RD_THRESHOLD_BASE``, so
    the rules keep their place in the firms' R&D distribution when a calibration moves it
    (1.0 with the assumed intensities). While a calibration evaluates a point it is that
    point's scale, so a fit sees the thresholds it will have once installed."""
    return _RD_SCALE_OVERRIDE if _RD_SCALE_OVERRIDE is not None else _installed_rd_scale()


def set_rd_scale(scale: float | None) -> None:
    """Set (or, with None, clear) the R&D scale a calibration is evaluating."""
    global _RD_SCALE_OVERRIDE
    _RD_SCALE_OVERRIDE = scale


def country_sources(code: str) -> dict[str, str]:
    """The source of every numeric value for one country."""
    return {k: v["source"] for k, v in _raw()[code].items() if isinstance(v, dict)}


def baseline_parks() -> list[dict[str, Any]]:
    """Parks that exist at the start of every run, values without sources."""
    return [
        {k: (v["value"] if isinstance(v, dict) else v) for k, v in park.items()}
        for park in _raw()["parks"]
    ]


def country_code(index: int) -> str:
    """Country code of an integer country index (0 = AZ, 1 = BY)."""
    return COUNTRIES[index]
