"""Fitted values of the model's free parameters, from ``sim/data/calibration.toml``.

``clustersim calibrate`` writes that file; the values in it replace the assumed defaults of
``sim/params.py`` (paths ``model.<param>``) and the assumed country values of
``sim/data/countries.toml`` (paths ``countries.AZ.<key>``, ``countries.BY.<key>``), so the
baseline and every scenario built on it use them. A scenario file can still set any of them.
This module reads the file only; it imports nothing else of the model.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

#: Where ``clustersim calibrate`` installs the fitted values.
BUNDLED_FILE = Path(__file__).resolve().parents[1] / "data" / "calibration.toml"
#: The fitted values in use: ``BUNDLED_FILE``, or the file the environment variable
#: ``CLUSTERSIM_CALIBRATION`` names (to try a fit without installing it).
FITTED_FILE = Path(os.environ.get("CLUSTERSIM_CALIBRATION") or BUNDLED_FILE)


class FittedError(ValueError):
    """``sim/data/calibration.toml`` is malformed."""


@cache
def fitted_values(path: Path = FITTED_FILE) -> dict[str, tuple[float, str]]:
    """Path -> (fitted value, source) for every entry of ``[values]``; empty without a file.

    Raises:
        FittedError: the file cannot be parsed, or an entry is not ``{value = number,
            source = "..."}`` (the message names the file and the key).
    """
    if not path.exists():
        if os.environ.get("CLUSTERSIM_CALIBRATION") and path == FITTED_FILE:
            raise FittedError(f"CLUSTERSIM_CALIBRATION={path}: no such file")
        return {}
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
        fitted_values.__wrapped__(path)


def fitted_section(section: str, path: Path = FITTED_FILE) -> dict[str, tuple[Any, str]]:
    """The fitted entries under one section: ``model`` gives ``{param: (value, source)}``,
    ``countries.AZ`` gives ``{key: (value, source)}``."""
    prefix = section + "."
    return {key.removeprefix(prefix): v for key, v in fitted_values(path).items()
            if key.startswith(prefix) and "." not in key.removeprefix(prefix)}
