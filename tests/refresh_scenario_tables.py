"""Write the indicator tables of every bundled scenario that tests/test_scenario_tables.py
compares against.

The golden baseline (tests/refresh_golden.py) runs no policy, so a policy whose effect moved
by mistake would pass it; this file holds every bundled scenario, policies and risks included:
seeds 0, 1 and 2, 12 quarters, the default population. Refresh it only after an intended
change of the model's behaviour, and say in the commit what moved and why:

    .venv/bin/python tests/refresh_scenario_tables.py

The file ``tests/golden/scenario_tables.npz`` holds, per scenario, the array
``<stem>`` (seeds x steps + 1 x countries x indicators) and the names of the indicators
(``indicators``) and countries (``countries``); values are stored exactly (float64).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TABLES = HERE / "golden" / "scenario_tables.npz"
SCENARIO_DIR = ROOT / "scenarios"
SEEDS = (0, 1, 2)
STEPS = 12
REFRESH_COMMAND = ".venv/bin/python tests/refresh_scenario_tables.py"


def scenario_stems() -> list[str]:
    """Every bundled scenario file, by file stem."""
    return sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))


def as_array(table: pd.DataFrame, indicators: list[str], countries: list[str]) -> np.ndarray:
    """A tidy indicators table as an array (seed, step, country, indicator)."""
    wide = table.set_index(["seed", "step", "country", "indicator"])["value"]
    index = pd.MultiIndex.from_product([list(SEEDS), range(STEPS + 1), countries, indicators],
                                       names=wide.index.names)
    values = wide.reindex(index).to_numpy(float)
    return values.reshape(len(SEEDS), STEPS + 1, len(countries), len(indicators))


def fresh_table(stem: str) -> pd.DataFrame:
    """One bundled scenario's tidy indicators table, freshly computed."""
    if str(ROOT) not in sys.path:  # running as a script from a source tree
        sys.path.insert(0, str(ROOT))
    from sim import load_scenario, run_scenario

    return run_scenario(load_scenario(SCENARIO_DIR / f"{stem}.toml"), seeds=list(SEEDS),
                        steps=STEPS)


def read_tables(path: Path = TABLES) -> dict[str, np.ndarray]:
    """The stored arrays by name (scenario stems, ``indicators``, ``countries``)."""
    with np.load(path, allow_pickle=False) as data:
        return {name: data[name] for name in data.files}


def main() -> int:
    arrays: dict[str, np.ndarray] = {}
    indicators: list[str] | None = None
    countries: list[str] | None = None
    for stem in scenario_stems():
        table = fresh_table(stem)
        if indicators is None:
            indicators = list(pd.unique(table["indicator"]))
            countries = list(pd.unique(table["country"]))
        arrays[stem] = as_array(table, indicators, countries)
        print(f"  {stem}", flush=True)
    TABLES.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(TABLES, indicators=np.array(indicators), countries=np.array(countries),
                        **arrays)
    print(f"wrote {TABLES.relative_to(ROOT)}: {len(arrays)} scenarios, seeds {list(SEEDS)}, "
          f"{STEPS} quarters, {len(indicators)} indicators")
    return 0


if __name__ == "__main__":
    sys.exit(main())
