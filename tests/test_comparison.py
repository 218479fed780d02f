"""Tests of sim.reporting.comparison on synthetic indicator tables with known effects and
budgets."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from test_report import FACTOR, T, is_png, make_table

from sim.indicators import COUNTRY_KEYS, INDICATORS
from sim.reporting.comparison import COMPARE_COLUMNS, compare, write_compare_report
from sim.reporting.formatting import fmt
from sim.reporting.national import NATIONAL_COLUMNS


def shift(t: pd.DataFrame, indicator: str, delta, steps=None) -> None:
    """Add ``delta`` (scalar or function of the rows) to an indicator, in place."""
    sel = t["indicator"] == indicator
    if steps is not None:
        sel &= t["step"].isin(steps)
    rows = t[sel]
    t.loc[sel, "value"] = rows["value"] + (delta(rows) if callable(delta) else delta)


def make_policy() -> pd.DataFrame:
    """Reference plus known effects and a known extra budget."""
    t = make_table("policy")
    f = lambda r: r["country"].map(FACTOR)  # noqa: E731
    shift(t, "tech_exports", 2.0)  # diffs 2,2,2,2,2
    shift(t, "labour_productivity", lambda r: r["seed"] - 2.0)  # -2..2: median 0
    shift(t, "investment", lambda r: r["seed"] + 1.0)  # 1..5: median 3
    shift(t, "equipment_age", lambda r: -(r["seed"] + 1.0))  # lower is better: good
    shift(t, "supplier_delivery", lambda r: -(r["seed"] + 1.0))  # higher is better: bad
    shift(t, "employment", 5.0)  # info direction
    shift(t, "time_to_market", -1.0)  # NaN stays NaN for seed 0
    shift(t, "budget_spent", 1000.0, steps=[0])  # step 0 must not count
    shift(t, "budget_spent", lambda r: 3.0 * f(r), steps=range(1, T + 1))
    shift(t, "tax_foregone", lambda r: r["seed"] * f(r), steps=range(1, T + 1))
    shift(t, "fiscal_balance", lambda r: -(10.0 + r["seed"]) * f(r))
    return t


def make_free() -> pd.DataFrame:
    """Same exports gain as the policy, no extra budget."""
    t = make_table("free")
    shift(t, "tech_exports", 2.0)
    return t


def row(cmp: pd.DataFrame, scenario: str, country: str, indicator: str) -> pd.Series:
    sel = cmp[(cmp.scenario == scenario) & (cmp.country == country) & (cmp.indicator == indicator)]
    assert len(sel) == 1
    return sel.iloc[0]


@pytest.fixture(scope="module")
def cmp() -> pd.DataFrame:
    return compare([make_table("baseline"), make_policy(), make_free()])


# --- comparison ------------------------------------------------------------------------------


def test_compare_columns_and_order(cmp):
    assert list(cmp.columns) == COMPARE_COLUMNS
    assert list(pd.unique(cmp.scenario)) == ["policy", "free"]
    assert list(pd.unique(cmp.country)) == ["JOINT", "AZ", "BY"]
    assert len(cmp) == 2 * 3 * len(INDICATORS)
    assert cmp.significant.dtype == bool


def test_compare_exact_differences(cmp):
    r = row(cmp, "policy", "BY", "tech_exports")
    assert (r.reference, r.diff_median, r.diff_lo, r.diff_hi) == pytest.approx((128, 2, 2, 2))
    r = row(cmp, "policy", "AZ", "labour_productivity")
    assert (r.diff_median, r.diff_lo, r.diff_hi) == pytest.approx((0.0, -1.8, 1.8))
    r = row(cmp, "policy", "JOINT", "investment")
    assert (r.diff_median, r.diff_lo, r.diff_hi) == pytest.approx((3.0, 1.2, 4.8))
    assert row(cmp, "policy", "AZ", "firms").diff_median == 0.0


def test_compare_significance_and_direction(cmp):
    assert row(cmp, "policy", "AZ", "tech_exports").significant
    assert row(cmp, "policy", "AZ", "investment").significant
    assert not row(cmp, "policy", "AZ", "labour_productivity").significant
    assert not row(cmp, "policy", "AZ", "firms").significant
    assert row(cmp, "policy", "AZ", "equipment_age").direction == "lower"
    assert row(cmp, "policy", "AZ", "employment").direction == "info"


def test_compare_time_to_market_nan(cmp):
    r = row(cmp, "policy", "AZ", "time_to_market")
    # seed 0 is NaN in both: the paired difference is -1 over seeds 1..4
    assert (r.diff_median, r.diff_lo, r.diff_hi) == pytest.approx((-1.0, -1.0, -1.0))
    assert r.reference == pytest.approx(33.0)
    assert r.significant


@pytest.mark.parametrize("country", COUNTRY_KEYS)
def test_compare_fiscal_costs(cmp, country):
    f = FACTOR[country]
    r = row(cmp, "policy", country, "tech_exports")
    # gross: sum over steps 1..8 of 3f + seed*f -> 8*(3+seed)*f = 24f..56f (step 0 excluded)
    gross = (r.gross_fiscal_cost, r.gross_fiscal_cost_lo, r.gross_fiscal_cost_hi)
    assert gross == pytest.approx((40 * f, 25.6 * f, 54.4 * f))
    # net: fiscal balance lower by (10+seed)*f at the horizon
    net = (r.net_fiscal_cost, r.net_fiscal_cost_lo, r.net_fiscal_cost_hi)
    assert net == pytest.approx((12 * f, 10.2 * f, 13.8 * f))
    assert r.cost_effectiveness == pytest.approx(2.0 / (40 * f))
    # the same fiscal columns on every indicator row of the scenario and country
    rows = cmp[(cmp.scenario == "policy") & (cmp.country == country)]
    assert np.allclose(rows.gross_fiscal_cost, 40 * f)


def test_compare_zero_cost_gives_nan_cost_effectiveness(cmp):
    r = row(cmp, "free", "JOINT", "tech_exports")
    assert r.diff_median == pytest.approx(2.0)
    assert r.gross_fiscal_cost == 0.0 and r.net_fiscal_cost == 0.0
    assert math.isnan(r.cost_effectiveness)


def test_compare_only_reference_is_empty():
    out = compare([make_table("baseline")])
    assert out.empty and list(out.columns) == COMPARE_COLUMNS


def test_compare_rejects_different_seeds():
    with pytest.raises(ValueError, match="seeds differ"):
        compare([make_table("baseline"), make_table("policy", seeds=[0, 1, 2, 3, 5])])


def test_compare_rejects_different_horizon():
    with pytest.raises(ValueError, match="horizons differ"):
        compare([make_table("baseline"), make_table("policy", horizon=T - 1)])


def test_compare_rejects_mixed_or_repeated_scenarios():
    mixed = pd.concat([make_table("a"), make_table("b")])
    with pytest.raises(ValueError, match="exactly one scenario"):
        compare([make_table("baseline"), mixed])
    with pytest.raises(ValueError, match="distinct"):
        compare([make_table("a"), make_table("a")])


# --- comparison report -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    tables = [make_table("baseline"), make_policy(), make_free()]
    result = write_compare_report(tables, out, {"scenarios": ["baseline", "policy", "free"]})
    return out, tables, result


def test_compare_report_files(compare_dir):
    out, tables, result = compare_dir
    assert is_png(out / "compare.png")
    assert json.loads((out / "provenance.json").read_text())["scenarios"][1] == "policy"
    csv = pd.read_csv(out / "compare.csv")
    assert list(csv.columns) == COMPARE_COLUMNS + NATIONAL_COLUMNS and len(csv) == len(result)
    np.testing.assert_allclose(csv.diff_median, result.diff_median, equal_nan=True)
    runs = pd.read_parquet(out / "indicators.parquet")
    assert len(runs) == sum(len(t) for t in tables)
    assert set(runs.scenario) == {"baseline", "policy", "free"}


def test_compare_markdown(compare_dir):
    out, _, result = compare_dir
    md = (out / "compare.md").read_text()
    assert md.index("## JOINT") < md.index("## AZ") < md.index("## BY") < md.index("## Fiscal")
    joint = md[md.index("## JOINT"):md.index("## AZ")]
    line = next(x for x in joint.splitlines() if x.startswith("| Tech exports |"))
    # reference level first, then policy (significant gain) and free
    assert "| 228 | +2.00 [+2.00, +2.00]* ✓ | +2.00 [+2.00, +2.00]* ✓ |" in line
    bad = next(x for x in joint.splitlines() if x.startswith("| Supplier delivery"))
    assert "-3.00 [-4.80, -1.20]* ✗" in bad
    info = next(x for x in joint.splitlines() if x.startswith("| Employment |"))
    assert "+5.00 [+5.00, +5.00]* |" in info  # significant, no direction mark
    assert "| Gross fiscal cost |" in joint and "| Net fiscal cost |" in joint
    assert "band excludes zero" in md
    fiscal = md[md.index("## Fiscal"):]
    policy_joint = next(x for x in fiscal.splitlines() if x.startswith("| policy | JOINT |"))
    # gross 120 [76.8, 163]; net 36 [30.6, 41.4] at model scale
    assert "+120 [+76.8, +163]*" in policy_joint and "+36.0 [+30.6, +41.4]*" in policy_joint
    # national scale: AZ x 5000/600, BY x 15000/900 (sim/data/countries.toml); both the sum
    r = result.set_index(["scenario", "country", "indicator"]).loc[("policy", "JOINT",
                                                                     "tech_exports")]
    assert r.diff_median_national == pytest.approx(2 * 5000 / 600 + 2 * 15000 / 900)
    # USD of cost a year per USD of extra exports a year
    per_dollar = r.gross_fiscal_cost_national / (T / 4) / (4 * r.diff_median_national)
    assert f"| {fmt(per_dollar)} |" in policy_joint
    assert f"{fmt(r.gross_fiscal_cost_national, signed=True)} (" in policy_joint
    assert "% of GDP a year" in policy_joint and "2021Q4" in md and "USD m of 2022" in md
