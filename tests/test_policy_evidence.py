"""The designs by which the model reproduces published evaluations
(sim/validation/policy_evidence.py), each on a hand-made panel."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.validation.policy_evidence import (
    ModelTarget,
    Recorded,
    innovator_share,
    matched_did,
    per_dollar,
    population,
    same_seed,
)


def panel(rows: list[tuple[int, int, float, float]], country: int = 0, sector: int = 1,
          born: dict[int, int] | None = None) -> pd.DataFrame:
    """(quarter, id, employees, y) rows of one country and sector."""
    df = pd.DataFrame(rows, columns=["quarter", "id", "employees", "y"])
    df["country"], df["sector"] = country, sector
    df["born"] = df["id"].map(born or {}).fillna(-5).astype(int)
    return df


def test_same_seed_compares_the_treated_with_themselves_without_the_instrument():
    """Firm 1 reached in quarter 1 has 110 two quarters later against 100 without: +10%.
    Firm 2 (reached in quarter 3) cannot be followed two quarters; firm 3 entered during the
    run (its id may be another firm in the other run): both left out."""
    with_ = panel([(q, i, 10.0, y) for q in (1, 2, 3) for i, y in
                   ((1, 100 + 5 * q), (2, 50.0), (3, 40.0))], born={3: 2})
    without = panel([(q, i, 10.0, 100.0 if i == 1 else 1.0) for q in (1, 2, 3)
                     for i in (1, 2, 3)], born={3: 2})
    run = Recorded(with_, {1: 1, 2: 3, 3: 1}, 1.0, np.zeros(3))
    base = Recorded(without, {}, 0.0, np.zeros(3))
    assert same_seed(run, base, horizon=2) == pytest.approx(15.0)  # 115 / 100 - 1
    assert math.isnan(same_seed(run, base, horizon=3))


def test_matched_did_takes_the_nearest_untreated_firms_of_the_same_cell():
    """Firm 1 (reached in quarter 2) doubles from quarter 1 to 3; its three nearest
    untreated firms in size grow by 10%; a far larger firm that shrank, a firm of another
    sector that tripled and a firm treated later are not its matches."""
    rows = [(1, 1, 10.0, 10.0), (3, 1, 10.0, 20.0)]
    for i, size in ((2, 11.0), (3, 9.0), (4, 12.0)):  # the matches: +10%
        rows += [(1, i, size, 10.0), (3, i, size, 11.0)]
    rows += [(1, 5, 500.0, 10.0), (3, 5, 500.0, 1.0)]  # far in size, shrank
    rows += [(1, 7, 10.0, 10.0), (3, 7, 10.0, 1.0)]    # treated in quarter 3
    other = panel([(1, 6, 10.0, 10.0), (3, 6, 10.0, 30.0)], sector=2)
    run = Recorded(pd.concat([panel(rows), other]), {1: 2, 7: 3}, 1.0, np.zeros(2))
    gap = math.log(20 / 10) - math.log(11 / 10)
    assert matched_did(run, horizon=1) == pytest.approx(100 * (math.exp(gap) - 1))
    assert matched_did(run, horizon=1, neighbours=1) == pytest.approx(
        100 * (math.exp(gap) - 1))  # the nearest one alone grew the same


def test_matched_did_without_a_match_is_nan():
    run = Recorded(panel([(1, 1, 10.0, 10.0), (3, 1, 10.0, 20.0)]), {1: 2}, 1.0, np.zeros(2))
    assert math.isnan(matched_did(run, horizon=1))


def test_per_dollar_is_the_summed_gain_per_dollar_spent():
    run = Recorded(pd.DataFrame(), {}, 4.0, np.array([10.0, 12.0, 14.0]))
    base = Recorded(pd.DataFrame(), {}, 0.0, np.array([10.0, 10.0, 10.0]))
    assert per_dollar(run, base) == pytest.approx(6.0 / 4.0)
    assert math.isnan(per_dollar(Recorded(pd.DataFrame(), {}, 0.0, np.zeros(3)), base))


def test_population_is_the_summed_outcome_against_the_same_seed_without():
    """Firm-quarters 10 + 11 + 12 against 10 + 10 + 10: +10%; none without: undefined."""
    run = Recorded(pd.DataFrame(), {}, 0.0, np.array([10.0, 11.0, 12.0]))
    base = Recorded(pd.DataFrame(), {}, 0.0, np.array([10.0, 10.0, 10.0]))
    assert population(run, base) == pytest.approx(10.0)
    assert math.isnan(population(run, Recorded(pd.DataFrame(), {}, 0.0, np.zeros(3))))


def test_innovator_share_counts_firms_that_innovated_in_the_last_year_up_to_the_horizon():
    """Horizon 5: the window is quarters 2-5. With the instrument firms 1 and 2 innovated in it
    (firm 2 only in quarter 2), firm 3 only in quarter 1 (before the window), and firm 4
    entered during the run (not counted): 2 of 3. Without it only firm 1: 1 of 3. The
    difference is 33.3 points; an innovation after the horizon (quarter 6) does not count."""
    def run(innovations: set[tuple[int, int]]) -> Recorded:
        rows = [(q, i, 10.0, float((q, i) in innovations)) for q in range(1, 7)
                for i in (1, 2, 3, 4)]
        return Recorded(panel(rows, born={4: 3}), {}, 0.0, np.zeros(6))

    with_ = run({(3, 1), (2, 2), (1, 3), (4, 4)})
    without = run({(5, 1), (1, 2), (6, 3), (4, 4)})
    assert innovator_share(with_, without, 5) == pytest.approx(100.0 / 3.0)
    assert innovator_share(without, without, 5) == 0.0


@pytest.mark.parametrize("bad, message", [({"design": "rct"}, "design 'rct'"),
                                          ({"outcome": "profit"}, "outcome 'profit'"),
                                          ({"horizon": 0}, "horizon 0")])
def test_model_target_refuses_unknown_designs_outcomes_and_horizons(bad, message):
    values = dict(instrument="certification", study="x", design="same_seed",
                  outcome="sales", horizon=8, scenario="certification") | bad
    with pytest.raises(ValueError, match=message):
        ModelTarget(**values)
