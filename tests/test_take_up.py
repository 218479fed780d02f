"""The grants' take-up table (sim/reporting/take_up.py) on hand-made run tables, and the take-up
accounts the grant instruments keep."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import bundled_spec, fresh_model

from sim.reporting.take_up import take_up_table


def run_table(scenario: str, values: dict[int, tuple[float, float]], steps: int = 3
              ) -> pd.DataFrame:
    """A tidy table whose last quarter has, per seed, (deadweight, leverage) for JOINT; an
    earlier quarter holds other numbers, which must not be read."""
    rows = []
    for seed, (dead, lev) in values.items():
        for step in range(steps + 1):
            last = step == steps
            rows += [(scenario, seed, step, "JOINT", "deadweight_share", dead if last else 9.0),
                     (scenario, seed, step, "JOINT", "private_per_public", lev if last else 9.0),
                     (scenario, seed, step, "JOINT", "tech_exports", 1.0)]
    return pd.DataFrame(rows, columns=["scenario", "seed", "step", "country", "indicator",
                                       "value"])


def test_the_table_takes_each_seeds_last_quarter_and_skips_unfunded_seeds():
    funded = run_table("grants", {1: (0.2, 1.0), 2: (0.4, 3.0), 3: (math.nan, math.nan)})
    none = run_table("baseline", {1: (math.nan, math.nan)})
    table = take_up_table([none, funded])
    assert table["scenario"].tolist() == ["grants"]
    row = table.iloc[0]
    assert row.seeds == 2
    assert row.deadweight_share == pytest.approx(0.3)
    assert row.private_per_public == pytest.approx(2.0)
    assert row.deadweight_share_lo == pytest.approx(np.percentile([0.2, 0.4], 5))


@pytest.mark.parametrize("kind", ["sme_subsidy", "rnd_cofunding", "export_promotion",
                                  "certification", "venture_fund"])
def test_every_grant_instrument_books_its_take_up_by_paying_country(kind):
    """Run by AZ alone, a grant instrument books funded projects and public money for AZ and
    nothing for BY; what it books as public money is at most what AZ spent on it."""
    d = bundled_spec(kind, 0.5)
    d["policies"][0]["country"] = "AZ"
    m = fresh_model(d, 1)
    for _ in range(4):
        m.step()
    book = m.policies[0].take_up
    assert book["AZ"]["funded"] > 0 and book["AZ"]["public"] > 0
    assert 0 <= book["AZ"]["anyway"] <= book["AZ"]["funded"]
    assert all(v == 0 for v in book["BY"].values())
    spent = m.governments["AZ"].spent_by_policy[kind]
    assert book["AZ"]["public"] <= spent + 1e-9
