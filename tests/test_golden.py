"""Golden regression test: the baseline's indicators must not change unnoticed.

The stored table ``tests/golden/baseline.csv`` holds the bundled baseline at
``firm_scale = 0.5``, seeds 1 and 2, 12 quarters. A failure lists every indicator (and
country) that moved. If the change is intended, refresh the file and commit it:

    .venv/bin/python tests/refresh_golden.py
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from refresh_golden import GOLDEN, KEYS, REFRESH_COMMAND, SEEDS, STEPS, golden_table, read_golden

RTOL, ATOL = 1e-9, 1e-12


@dataclass(repr=False)  # keeps the tables out of failure tracebacks
class Tables:
    golden: pd.DataFrame
    fresh: pd.DataFrame

    def __iter__(self):
        return iter((self.golden, self.fresh))


@pytest.fixture(scope="module")
def tables() -> Tables:
    if not GOLDEN.exists():
        pytest.fail(f"{GOLDEN} is missing; create it with: {REFRESH_COMMAND}")
    return Tables(read_golden(), golden_table())


def differences(golden: pd.DataFrame, fresh: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and country: rows that differ, largest differences, first step."""
    m = golden.merge(fresh, on=KEYS, suffixes=("_golden", "_now"), how="inner")
    g, n = m["value_golden"].to_numpy(float), m["value_now"].to_numpy(float)
    close = np.isclose(n, g, rtol=RTOL, atol=ATOL, equal_nan=True)
    bad = m[~close].copy()
    bad["abs_diff"] = (bad["value_now"] - bad["value_golden"]).abs()
    bad["rel_diff"] = bad["abs_diff"] / bad["value_golden"].abs().replace(0.0, np.nan)
    return (bad.groupby(["indicator", "country"])
            .agg(rows=("value_now", "size"), first_step=("step", "min"),
                 max_abs_diff=("abs_diff", "max"), max_rel_diff=("rel_diff", "max"),
                 golden_last=("value_golden", "last"), now_last=("value_now", "last"))
            .reset_index())


def test_golden_configuration_is_as_documented(tables):
    golden, _ = tables
    assert sorted(set(golden["seed"])) == list(SEEDS)
    assert golden["step"].max() == STEPS
    assert set(golden["scenario"]) == {"baseline"}


def test_baseline_matches_golden(tables):
    golden, fresh = tables
    gk = set(map(tuple, golden[KEYS].astype(str).to_numpy()))
    fk = set(map(tuple, fresh[KEYS].astype(str).to_numpy()))
    if gk != fk:
        gone = sorted({k[3] for k in gk - fk})
        new = sorted({k[3] for k in fk - gk})
        pytest.fail(f"the indicators table changed shape: missing indicators {gone}, new "
                    f"indicators {new}, {len(gk ^ fk)} rows differ. If intended, refresh the "
                    f"golden file: {REFRESH_COMMAND}")
    diff = differences(golden, fresh)
    if len(diff):
        with pd.option_context("display.width", 200, "display.max_rows", 200,
                               "display.max_columns", 20):
            text = diff.to_string(index=False)
        print(f"\nIndicators that differ from {GOLDEN.name}:\n{text}")
        pytest.fail(f"{diff['indicator'].nunique()} indicator(s) differ from the golden "
                    f"baseline (rtol={RTOL}, atol={ATOL}): "
                    f"{', '.join(sorted(diff['indicator'].unique()))}.\n{text}\n"
                    f"If the change is intended, refresh it with: {REFRESH_COMMAND}")
    g = golden.sort_values(KEYS)["value"].to_numpy(float)
    f = fresh.sort_values(KEYS)["value"].to_numpy(float)
    assert np.allclose(f, g, rtol=RTOL, atol=ATOL, equal_nan=True)


def test_difference_report_names_what_changed(tables):
    """The failure report points at the indicator, country and step that moved."""
    golden, _ = tables
    moved = golden.copy()
    sel = ((moved["indicator"] == "tech_exports") & (moved["country"] == "BY")
           & (moved["step"] >= 7))
    moved.loc[sel, "value"] *= 1.0 + 1e-6
    diff = differences(golden, moved)
    assert diff[["indicator", "country"]].values.tolist() == [["tech_exports", "BY"]]
    assert diff["first_step"].iloc[0] == 7
    assert diff["rows"].iloc[0] == sel.sum()
    assert differences(golden, golden.copy()).empty
