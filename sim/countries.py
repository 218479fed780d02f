"""Country data: values with their sources, from ``sim/data/countries.toml``."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from sim.fitted import FITTED_FILE, FittedError, fitted_section

DATA_FILE = Path(__file__).parent / "data" / "countries.toml"
COUNTRIES = ("AZ", "BY")


@cache
def _raw() -> dict[str, Any]:
    """The country data, with the values ``clustersim calibrate`` fitted (sim/fitted.py) in
    place of the assumed ones."""
    with DATA_FILE.open("rb") as fh:
        data = tomllib.load(fh)
    from sim.params import FITTED_PROBLEM

    if FITTED_PROBLEM:
        return data
    for code in COUNTRIES:
        for key, (value, source) in fitted_section(f"countries.{code}").items():
            if not isinstance(data[code].get(key), dict):
                raise FittedError(f"{FITTED_FILE}: values.'countries.{code}.{key}': no such "
                                  "country value")
            before = data[code][key]["value"]
            data[code][key] = {"value": value, "source": f"{source} (assumed before: {before:g})"}
    return data


def country_values(code: str) -> dict[str, float]:
    """Numeric values for one country (``AZ`` or ``BY``), without their sources."""
    return {k: v["value"] for k, v in _raw()[code].items() if isinstance(v, dict)}


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
