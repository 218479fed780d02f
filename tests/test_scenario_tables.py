"""Every bundled scenario's indicators must not change unnoticed.

The golden baseline (test_golden.py) runs no policy; here every bundled scenario, with its
policies and risks, is compared with its stored table (``tests/golden/scenario_tables.npz``:
seeds 0-2, 12 quarters, the default population), exactly: a change of code that should not
change results (a module moved, a coefficient named) must leave every value as it was. A
failure names the scenario, indicators, countries and the first step that moved. If the change
is intended, refresh the file, commit it and say in the commit what moved and why:

    .venv/bin/python tests/refresh_scenario_tables.py
"""

from __future__ import annotations

import numpy as np
import pytest
from refresh_scenario_tables import (
    REFRESH_COMMAND,
    SEEDS,
    STEPS,
    TABLES,
    as_array,
    fresh_table,
    read_tables,
    scenario_stems,
)


@pytest.fixture(scope="module")
def stored() -> dict[str, np.ndarray]:
    if not TABLES.exists():
        pytest.fail(f"{TABLES} is missing; create it with: {REFRESH_COMMAND}")
    return read_tables()


def moved(old: np.ndarray, new: np.ndarray, indicators: list[str],
          countries: list[str]) -> list[str]:
    """One line per indicator and country whose values differ: the first step and the
    largest difference."""
    same = (old == new) | (np.isnan(old) & np.isnan(new))
    lines = []
    for c, country in enumerate(countries):
        for i, name in enumerate(indicators):
            bad = ~same[:, :, c, i]
            if bad.any():
                first = int(np.flatnonzero(bad.any(axis=0))[0])
                gap = np.nanmax(np.abs(new[:, :, c, i] - old[:, :, c, i]))
                lines.append(f"{name} ({country}) from step {first}, largest difference {gap:.3g}")
    return lines


def test_every_bundled_scenario_is_stored(stored):
    assert sorted(k for k in stored if k not in ("indicators", "countries")) == scenario_stems()
    first = stored[scenario_stems()[0]]
    assert first.shape[:2] == (len(SEEDS), STEPS + 1)


@pytest.mark.parametrize("stem", scenario_stems())
def test_scenario_indicators_unchanged(stored, stem):
    indicators = [str(x) for x in stored["indicators"]]
    countries = [str(x) for x in stored["countries"]]
    table = fresh_table(stem)
    present = set(table["indicator"])
    missing = [x for x in indicators if x not in present]
    assert not missing, f"{stem}: indicators no longer computed: {missing}"
    new = as_array(table, indicators, countries)
    lines = moved(stored[stem], new, indicators, countries)
    if lines:
        pytest.fail(f"{stem}: {len(lines)} indicator series moved:\n  " + "\n  ".join(lines[:30])
                    + f"\nIf intended, refresh with: {REFRESH_COMMAND}")


def test_a_moved_value_is_reported(stored):
    """The comparison is exact and names what moved."""
    indicators = [str(x) for x in stored["indicators"]]
    countries = [str(x) for x in stored["countries"]]
    old = stored["baseline"]
    new = old.copy()
    i = indicators.index("tech_exports")
    new[1, 7:, countries.index("BY"), i] *= 1.0 + 1e-12
    lines = moved(old, new, indicators, countries)
    assert lines == [f"tech_exports (BY) from step 7, largest difference "
                     f"{np.nanmax(np.abs(new - old)):.3g}"]
    assert moved(old, old.copy(), indicators, countries) == []
