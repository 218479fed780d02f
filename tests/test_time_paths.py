"""Reports over time: the paired per-quarter paths (sim.reporting.time_paths), the policies'
windows, and the discounted benefits and costs (sim.reporting.discounting), each on hand-made
tables with a known answer; and what compare and scorecard write of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_comparison import shift
from test_report import T, make_table
from test_scenario_cli import small_copy

from sim.cli.dispatch import main
from sim.reporting.discounting import discounted, payback_step, quarterly_rate
from sim.reporting.national import scale_of
from sim.reporting.time_paths import GROSS_FLOW, policy_windows, scenario_groups, time_paths

SCALE = scale_of()
STEPS = range(1, T + 1)


def _row(paths: pd.DataFrame, country: str, indicator: str, step: int) -> pd.Series:
    sel = paths[(paths.country == country) & (paths.indicator == indicator) & (paths.step == step)]
    assert len(sel) == 1
    return sel.iloc[0]


@pytest.fixture(scope="module")
def paths():
    policy = make_table("policy")
    shift(policy, "exports_third", lambda r: r["seed"] + 1.0, steps=[3])  # 1..5: median 3
    shift(policy, "budget_spent", 2.0, steps=STEPS)
    shift(policy, "tax_foregone", 0.5, steps=STEPS)
    shift(policy, "equipment_generation", 0.1, steps=range(5, T + 1))
    return time_paths([make_table("baseline"), policy], SCALE)


def test_paths_are_paired_differences_at_each_quarter(paths):
    r = _row(paths, "AZ", "exports_third", 3)
    assert (r.diff_median, r.diff_lo, r.diff_hi) == pytest.approx((3.0, 1.2, 4.8))
    assert r.quarter == SCALE.quarter(3)
    assert _row(paths, "AZ", "exports_third", 2).diff_median == 0.0  # only quarter 3 moved
    assert _row(paths, "BY", "equipment_generation", 4).diff_median == 0.0
    assert _row(paths, "BY", "equipment_generation", 5).diff_median == pytest.approx(0.1)
    assert set(paths["step"]) == set(STEPS)  # quarter 0 is no change


def test_money_paths_are_also_at_national_scale(paths):
    az, by = _row(paths, "AZ", "exports_third", 3), _row(paths, "BY", "exports_third", 3)
    assert az.diff_median_national == pytest.approx(3.0 * SCALE.factor["AZ"])
    assert by.diff_median_national == pytest.approx(3.0 * SCALE.factor["BY"])
    joint = _row(paths, "JOINT", "exports_third", 3)  # the sum of the national countries
    assert joint.diff_median_national == pytest.approx(3.0 * (SCALE.factor["AZ"]
                                                              + SCALE.factor["BY"]))
    assert np.isnan(_row(paths, "AZ", "equipment_generation", 5).diff_median_national)


def test_the_gross_fiscal_flow_is_spending_plus_taxes_foregone(paths):
    r = _row(paths, "AZ", GROSS_FLOW, 4)
    assert r.diff_median == pytest.approx(2.5)
    assert r.diff_median_national == pytest.approx(2.5 * SCALE.factor["AZ"])


def test_policy_windows_run_from_the_first_start_to_the_last_end_within_the_run():
    prov = {"scenarios": [
        {"name": "baseline", "policies": []},
        {"name": "a", "policies": [{"start": 3, "end": 5}, {"start": 2, "end": 4}]},
        {"name": "b", "policies": [{"start": 1, "end": 2000}]},
        {"name": "c", "policies": [{"start": 2, "end": 3, "enabled": False},
                                   {"start": 6, "end": 7}]},
        {"name": "d", "policies": [{"start": 50, "end": 60}]},  # after the run
        "names only"]}
    assert policy_windows(prov, horizon=40) == {"a": (2, 5), "b": (1, 40), "c": (6, 7)}
    assert policy_windows(None, horizon=40) == {}


def test_every_scenario_gets_a_figure_six_at_a_time():
    paths = pd.DataFrame({"scenario": [f"s{i}" for i in range(8) for _ in range(2)]})
    assert scenario_groups(paths) == [[f"s{i}" for i in range(6)], ["s6", "s7"]]
    from sim.reporting.over_time import OverTime, _figures

    result = OverTime(paths, pd.DataFrame(), {}, 0.06)
    assert [name for name, _ in _figures(result, "AZ")] == ["paths_AZ.png", "paths_AZ_2.png"]


# --- discounting -------------------------------------------------------------------------------


def _flows(name: str, productivity: float, budget: dict[int, float] | float) -> pd.DataFrame:
    """A table whose value added is productivity x 1000 workers / 1000 = productivity USD m a
    quarter in each country, with the given policy spending per quarter (no taxes foregone)."""
    rows = []
    for seed in (0, 1, 2):
        for step in range(0, T + 1):
            for country in ("AZ", "BY", "JOINT"):
                spend = budget.get(step, 0.0) if isinstance(budget, dict) else budget
                for indicator, value in (("labour_productivity", productivity),
                                         ("employment", 1000.0), ("budget_spent", spend),
                                         ("tax_foregone", 0.0)):
                    rows.append((name, seed, step, country, indicator, value))
    return pd.DataFrame(rows, columns=["scenario", "seed", "step", "country", "indicator",
                                       "value"])


def _joint(table: pd.DataFrame) -> pd.Series:
    return table[table["country"] == "JOINT"].iloc[0]


def test_present_values_at_a_zero_rate_are_sums():
    out = discounted([_flows("ref", 10.0, 0.0), _flows("p", 12.0, 1.0)], SCALE, rate=0.0)
    az = out[out.country == "AZ"].iloc[0]
    f = SCALE.factor["AZ"]
    assert az.pv_benefit == pytest.approx(2.0 * T * f)  # 2 USD m a quarter more value added
    assert az.pv_cost == pytest.approx(1.0 * T * f)
    assert az.npv == pytest.approx(1.0 * T * f) and az.bcr == pytest.approx(2.0)
    joint = _joint(out)  # both countries: the sum of the two national flows
    assert joint.pv_benefit == pytest.approx(2.0 * T * (f + SCALE.factor["BY"]))
    assert joint.payback_step == 1 and joint.paid_back_seeds == 3


def test_discounting_lowers_a_later_stream_by_the_quarterly_rate():
    q = quarterly_rate(0.06)
    assert (1 + q) ** 4 == pytest.approx(1.06)
    out = discounted([_flows("ref", 10.0, 0.0), _flows("p", 12.0, 1.0)], SCALE, rate=0.06)
    az = out[out.country == "AZ"].iloc[0]
    expected = 2.0 * SCALE.factor["AZ"] * sum((1 + q) ** -t for t in range(1, T + 1))
    assert az.pv_benefit == pytest.approx(expected)
    zero = discounted([_flows("ref", 10.0, 0.0), _flows("p", 12.0, 1.0)], SCALE, rate=0.0)
    assert az.pv_benefit < zero[zero.country == "AZ"].iloc[0].pv_benefit
    assert az.bcr == pytest.approx(2.0)  # both streams are flat: the ratio does not move


def test_payback_is_the_first_quarter_from_which_the_cumulative_net_stays_positive():
    steps = np.arange(1, 9, dtype=float)
    assert payback_step(np.array([-10.0, 2, 2, 2, 2, 2, 2, 2]), steps) == 6  # cum 0 at q6
    assert payback_step(np.array([1.0, -3, 1, 1, 1, 1, 1, 1]), steps) == 4  # dips, recovers
    assert np.isnan(payback_step(np.array([-10.0, 1, 1, 1, 1, 1, 1, 1]), steps))
    # front-loaded cost, steady gain, through the whole computation
    out = discounted([_flows("ref", 10.0, 0.0), _flows("p", 12.0, {1: 10.0})], SCALE, 0.0)
    az = out[out.country == "AZ"].iloc[0]
    assert az.payback_step == 5 and az.paid_back_seeds == 3  # -8, -6, -4, -2, 0, ...
    never = discounted([_flows("ref", 10.0, 0.0), _flows("p", 10.0, 1.0)], SCALE, 0.0)
    row = never[never.country == "AZ"].iloc[0]
    assert np.isnan(row.payback_step) and row.paid_back_seeds == 0 and row.npv < 0


def test_no_extra_cost_gives_no_ratio():
    out = discounted([_flows("ref", 10.0, 0.0), _flows("p", 12.0, 0.0)], SCALE, 0.0)
    assert np.isnan(_joint(out).bcr) and _joint(out).npv > 0


# --- the commands ------------------------------------------------------------------------------


def test_compare_writes_paths_and_the_discounted_table(tmp_path, capsys):
    files = [str(small_copy(tmp_path, s, 0.1)) for s in ("baseline", "tax_break_5_years")]
    out = tmp_path / "cmp"
    code = main(["compare", *files, "--seeds", "2", "--steps", "3", "--workers", "1", "--out",
                 str(out), "--quiet", "--discount-rate", "0.1"])
    assert code == 0, capsys.readouterr().err
    names = {p.name for p in out.iterdir()}
    assert {"paths.csv", "discounted.csv", "paths_JOINT.png"} <= names
    assert "paths_AZ.png" not in names  # compare draws both countries together, as compare.png
    assert set(pd.read_csv(out / "paths.csv")["country"]) == {"JOINT", "AZ", "BY"}
    table = pd.read_csv(out / "discounted.csv")
    assert set(table["discount_rate"]) == {0.1} and list(table["country"]) == ["JOINT", "AZ",
                                                                                "BY"]
    md = (out / "compare.md").read_text()
    assert "## Discounted benefits and costs" in md and "at 10% a year" in md
    assert ("![JOINT: change from the reference, quarter by quarter: tax_break_5_years]"
            "(paths_JOINT.png)") in md
    paths = pd.read_csv(out / "paths.csv")
    assert set(paths["step"]) == {1, 2, 3}


@pytest.mark.parametrize("rate", ["-0.01", "0.6", "six", "nan"])
def test_a_bad_discount_rate_is_one_line_and_exit_2(tmp_path, capsys, rate):
    with pytest.raises(SystemExit) as exit_info:
        main(["scorecard", "baseline", "--discount-rate", rate, "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err.count("\n") == 1
    assert "--discount-rate" in err and "[0, 0.5]" in err
    assert "Traceback" not in err and not (tmp_path / "x").exists()


def test_the_help_states_the_default_rate_and_its_range(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "--help"])
    out = capsys.readouterr().out
    assert exit_info.value.code == 0
    assert "(default 0.06, i.e. 6% a year; 0-0.5)" in " ".join(out.split())
