"""Write the golden baseline indicators that tests/test_golden.py compares against.

Refresh (after an intended change of the model's behaviour, and say why in the commit):

    .venv/bin/python tests/refresh_golden.py

It runs the bundled baseline scenario (scenarios/baseline.toml) at ``firm_scale = 0.5`` for
seeds 1 and 2 over 12 quarters and writes ``tests/golden/baseline.csv`` (the tidy indicators
table, floats written with 17 significant digits so they read back exactly).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GOLDEN = HERE / "golden" / "baseline.csv"
SCENARIO = ROOT / "scenarios" / "baseline.toml"
SEEDS = (1, 2)
STEPS = 12
FIRM_SCALE = 0.5
REFRESH_COMMAND = ".venv/bin/python tests/refresh_golden.py"
KEYS = ["seed", "step", "country", "indicator"]


def golden_table() -> pd.DataFrame:
    """The indicators of the golden configuration, freshly computed."""
    if str(ROOT) not in sys.path:  # running as a script from a source tree
        sys.path.insert(0, str(ROOT))
    from sim import load_scenario, run_scenario

    scenario = load_scenario(SCENARIO).with_model(firm_scale=FIRM_SCALE)
    return run_scenario(scenario, seeds=list(SEEDS), steps=STEPS)


def read_golden(path: Path = GOLDEN) -> pd.DataFrame:
    """The stored golden table."""
    return pd.read_csv(path, dtype={"scenario": str, "country": str, "indicator": str},
                       keep_default_na=False, na_values=["nan", "NaN"])


def main() -> int:
    table = golden_table()
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(GOLDEN, index=False, float_format="%.17g", na_rep="nan")
    print(f"wrote {GOLDEN.relative_to(ROOT)}: {len(table)} rows, seeds {list(SEEDS)}, "
          f"{STEPS} quarters, firm_scale {FIRM_SCALE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
