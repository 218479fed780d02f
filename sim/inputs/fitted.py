"""Fitted values of the model's free parameters: a calibration's results as an explicit input.

``clustersim calibrate`` writes them to ``sim/data/calibration.toml``. A :class:`FittedValues`
read from such a file replaces the assumed defaults of ``sim/inputs/params.py`` (paths
``model.<param>``) and the assumed country values of ``sim/data/countries.toml`` (paths
``countries.AZ.<key>``, ``countries.BY.<key>``) in the scenarios built with it: a scenario
carries the fitted values it was built with (``Scenario.fitted``) and a model receives them
through its scenario, so two models with different fits run side by side in one process.
Nothing here changes any state of the process.

Which file a command uses is chosen, not set: :func:`fitted_in_use` reads the file the
environment variable ``CLUSTERSIM_CALIBRATION`` names, or the bundled one; scenario loading
uses it unless it is given other fitted values (``load_scenario(path, fitted=...)``).
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

#: Where ``clustersim calibrate`` installs the fitted values.
BUNDLED_FILE = Path(__file__).resolve().parents[1] / "data" / "calibration.toml"
#: The environment variable that names another fitted-values file (to try a fit without
#: installing it).
ENVIRONMENT_VARIABLE = "CLUSTERSIM_CALIBRATION"


class FittedError(ValueError):
    """A fitted-values file is malformed: the message names the file and the key."""


@dataclass(frozen=True)
class FittedValues:
    """The values a calibration fitted, by parameter path.

    Attributes:
        source: the file they were read from (``"<none>"`` for no fitted values).
        values: path (``model.<param>``, ``countries.AZ.<key>``) -> (value, source text).
    """

    source: str = "<none>"
    values: dict[str, tuple[float, str]] = field(default_factory=dict)

    def section(self, section: str) -> dict[str, tuple[Any, str]]:
        """The entries under one section: ``model`` gives ``{param: (value, source)}``,
        ``countries.AZ`` gives ``{key: (value, source)}``."""
        prefix = section + "."
        return {key.removeprefix(prefix): v for key, v in self.values.items()
                if key.startswith(prefix) and "." not in key.removeprefix(prefix)}

    def __bool__(self) -> bool:
        return bool(self.values)

    def __hash__(self) -> int:  # the values as well as the file: a changed file is another fit
        return hash((self.source, tuple(sorted(self.values.items()))))


#: No fitted values: every parameter at its assumed default, every country value as the data
#: file gives it.
NO_FIT = FittedValues()


def fitted_file() -> Path:
    """The fitted-values file commands use: the one ``CLUSTERSIM_CALIBRATION`` names, else the
    bundled one."""
    return Path(os.environ.get(ENVIRONMENT_VARIABLE) or BUNDLED_FILE)


def fitted_in_use() -> FittedValues:
    """The fitted values of :func:`fitted_file` (none if the bundled file is absent).

    Raises:
        FittedError: the file is malformed, names a parameter the model does not know or a
            value outside its bounds, or ``CLUSTERSIM_CALIBRATION`` names a missing file.
    """
    path = fitted_file()
    if not path.exists():
        if os.environ.get(ENVIRONMENT_VARIABLE):
            raise FittedError(f"{ENVIRONMENT_VARIABLE}={path}: no such file")
        return NO_FIT
    stat = path.stat()
    return _load_cached(path.resolve(), stat.st_mtime_ns, stat.st_size)


def fitted_problem() -> str | None:
    """Why the fitted values in use cannot be used (one line for the command line), or None."""
    try:
        fitted_in_use()
    except FittedError as err:
        return f"{err} (fix or delete the file to go back to the assumed values)"
    return None


@lru_cache(maxsize=16)
def _load_cached(path: Path, mtime_ns: int, size: int) -> FittedValues:
    """:func:`load_fitted`, read again when the file changes (its time or size)."""
    return load_fitted(path)


def load_fitted(path: str | Path) -> FittedValues:
    """Read and check a fitted-values file.

    Every entry of ``[values]`` must be ``{value = number, source = "..."}`` under the path of
    a model parameter or a country value the model knows, with a value within its declared
    bounds.

    Raises:
        FittedError: the file cannot be read or parsed, or an entry is wrong (the message
            names the file and the key).
    """
    path = Path(path)
    values = _read_entries(path)
    _check_entries(path, values)
    return FittedValues(str(path), values)


def _read_entries(path: Path) -> dict[str, tuple[float, str]]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise FittedError(f"{path}: cannot be read: {err}") from None
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise FittedError(f"{path}: [values] must be a table")
    out: dict[str, tuple[float, str]] = {}
    for key, entry in values.items():
        value = entry.get("value") if isinstance(entry, dict) else None
        if isinstance(entry, dict) and "value" not in entry and entry and all(
                isinstance(v, dict) for v in entry.values()):
            raise FittedError(f"{path}: values.{key!r}: write each path in quotes, e.g. "
                              f"\"{key}.{next(iter(entry))}\" = {{ value = ... }}")
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value)):
            raise FittedError(f"{path}: values.{key!r}: expected {{ value = <number>, "
                              "source = \"...\" }")
        source = entry.get("source", "calibrated")
        out[str(key)] = (value, str(source))
    return out


def _check_entries(path: Path, values: dict[str, tuple[float, str]]) -> None:
    """Every path a model parameter or country value, every value within its bounds."""
    from sim.inputs.countries import COUNTRIES, data_values
    from sim.inputs.params import COUNTRY_BOUNDS, MODEL_PARAMS, ParamError, country_param

    for key, (value, _) in values.items():
        section, _, rest = key.partition(".")
        code, _, name = rest.partition(".")
        if section == "countries" and code in COUNTRIES and name in COUNTRY_BOUNDS:
            if name not in data_values(code):
                raise FittedError(f"{path}: values.'{key}': no such country value")
            param = country_param(name)
        elif section == "model" and rest in MODEL_PARAMS:
            param = MODEL_PARAMS[rest]
        else:
            raise FittedError(f"{path}: values.{key!r}: not a model parameter "
                              "(model.<param>) or country value (countries.AZ.<key>, "
                              "countries.BY.<key>) the model knows")
        try:
            param.validate(value, key)
        except ParamError as err:
            raise FittedError(f"{path}: values.{err}") from None


def fitted_source(source: str, before: Any) -> str:
    """The source of a fitted value, which keeps the value it replaced."""
    return f"{source} (assumed before: {before:g})"


def assumed_before(source: str) -> str | None:
    """The value a fitted value replaced, from its source (:func:`fitted_source`), or None
    for a value no calibration set."""
    found = re.search(r"assumed before: ([^)]+)\)", source)
    return found.group(1) if found else None


def check_text(text: str) -> None:
    """Raise :class:`FittedError` unless ``text`` is a fitted-values file that reads back."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "calibration.toml"
        path.write_text(text, encoding="utf-8")
        load_fitted(path)
