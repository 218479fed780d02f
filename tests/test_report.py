"""Tests of sim.report on synthetic indicator tables with known values."""

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

from sim.indicators import COUNTRY_KEYS, INDICATORS, KEY_INDICATORS
from sim.report import (
    COMPARE_COLUMNS,
    band,
    compare,
    fmt,
    step_bands,
    write_compare_report,
    write_run_report,
)

SEEDS = [0, 1, 2, 3, 4]
T = 8
FACTOR = {"AZ": 1.0, "BY": 2.0, "JOINT": 3.0}  # budget scale per country
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_table(scenario: str, seeds=SEEDS, horizon: int = T) -> pd.DataFrame:
    """Reference-like table: value = 100*country_index + 10*seed + step, a known budget."""
    idx = pd.MultiIndex.from_product(
        [[scenario], seeds, range(horizon + 1), list(COUNTRY_KEYS), list(INDICATORS)],
        names=["scenario", "seed", "step", "country", "indicator"],
    )
    t = idx.to_frame(index=False)
    ci = t["country"].map({c: i for i, c in enumerate(COUNTRY_KEYS)})
    f = t["country"].map(FACTOR)
    t["value"] = (100 * ci + 10 * t["seed"] + t["step"]).astype(float)
    t.loc[t["indicator"] == "budget_spent", "value"] = 1.0 * f
    t.loc[t["indicator"] == "tax_foregone", "value"] = 0.5 * f
    t.loc[t["indicator"] == "fiscal_balance", "value"] = 100.0 * f
    t.loc[(t["indicator"] == "time_to_market") & (t["seed"] == 0), "value"] = np.nan
    return t


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


def is_png(path) -> bool:
    return path.stat().st_size > 1000 and path.read_bytes()[:8] == PNG_MAGIC


@pytest.fixture(scope="module")
def cmp() -> pd.DataFrame:
    return compare([make_table("baseline"), make_policy(), make_free()])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    table = make_table("baseline")
    sel = (table["indicator"] == "time_to_market") & (table["country"] == "BY")
    table.loc[sel, "value"] = np.nan  # an all-NaN series must still plot and summarise
    out = tmp_path_factory.mktemp("run")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # NaN handling must not warn
        write_run_report(table, out, {"seed": 1, "b": "x", "a": [1, 2]})
    return out, table


# --- statistics and formatting ---------------------------------------------------------------


def test_band_percentiles_and_nan():
    assert band([0, 1, 2, 3, 4]) == pytest.approx((2.0, 0.2, 3.8))
    assert band([np.nan, 1, 2, 3, 4]) == pytest.approx((2.5, 1.15, 3.85))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert all(math.isnan(x) for x in band([np.nan, np.nan]))
        assert all(math.isnan(x) for x in band([]))


def test_fmt_three_significant_figures():
    assert fmt(12.345) == "12.3"
    assert fmt(2.0, signed=True) == "+2.00"
    assert fmt(-0.012345) == "-0.0123"
    assert fmt(12345.0) == "12,300"
    assert fmt(0.0) == "0"
    assert fmt(float("nan")) == "n/a"


def test_step_bands_known_values_and_nan():
    bands = step_bands(make_table("baseline"))
    # AZ at the horizon: 10*seed + 8 -> 8, 18, 28, 38, 48
    assert tuple(bands.loc[("tech_exports", "AZ", T)]) == pytest.approx((28.0, 10.0, 46.0))
    # time_to_market is NaN for seed 0: the band is over seeds 1..4 (18, 28, 38, 48)
    assert tuple(bands.loc[("time_to_market", "AZ", T)]) == pytest.approx((33.0, 19.5, 46.5))


# --- run report ------------------------------------------------------------------------------


def test_run_report_writes_all_files(run_dir):
    out, table = run_dir
    for name in ["indicators.csv", "indicators.parquet", "summary.md", "provenance.json"]:
        assert (out / name).stat().st_size > 0, name
    pngs = sorted((out / "plots").glob("*.png"))
    assert len(pngs) == len(INDICATORS) + 1
    assert {p.stem for p in pngs} == set(INDICATORS) | {"overview"}
    assert all(is_png(p) for p in pngs)


def test_run_report_tables_round_trip(run_dir):
    out, table = run_dir
    pd.testing.assert_frame_equal(pd.read_parquet(out / "indicators.parquet"), table,
                                  check_dtype=False)
    csv = pd.read_csv(out / "indicators.csv")
    assert list(csv.columns) == list(table.columns)
    np.testing.assert_allclose(csv["value"], table["value"].to_numpy(), equal_nan=True)


def test_run_report_provenance_sorted(run_dir):
    out, _ = run_dir
    text = (out / "provenance.json").read_text()
    assert json.loads(text) == {"seed": 1, "b": "x", "a": [1, 2]}
    assert text.index('"a"') < text.index('"b"') < text.index('"seed"')


def test_run_report_summary(run_dir):
    out, _ = run_dir
    md = (out / "summary.md").read_text()
    assert "baseline" in md and f"quarter {T}" in md and "5 (0, 1, 2, 3, 4)" in md
    assert "plots/overview.png" in md
    for name in [*KEY_INDICATORS, "employment", "firms", "budget_spent", "tax_foregone"]:
        assert f"| {INDICATORS[name].label} |" in md, name
    # AZ: start median 20, horizon 28 [10, 46]; BY adds 100
    expected = "| Tech exports | USD m/quarter | 20.0 | 28.0 [10.0, 46.0] | 120 | 128 [110, 146] |"
    assert expected in md
    ttm = next(line for line in md.splitlines() if line.startswith("| Time to master"))
    assert "| n/a | n/a |" in ttm  # BY all NaN


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
    assert list(csv.columns) == COMPARE_COLUMNS and len(csv) == len(result)
    np.testing.assert_allclose(csv.diff_median, result.diff_median, equal_nan=True)
    runs = pd.read_parquet(out / "indicators.parquet")
    assert len(runs) == sum(len(t) for t in tables)
    assert set(runs.scenario) == {"baseline", "policy", "free"}


def test_compare_markdown(compare_dir):
    out, _, _ = compare_dir
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
    # gross 120 [76.8, 163]; net 36 [30.6, 41.4]; exports: 2/120 per USD m, 60 USD m per unit
    assert "+120 [+76.8, +163]*" in policy_joint and "+36.0 [+30.6, +41.4]*" in policy_joint
    assert "+0.0167 | 60.0 |" in policy_joint
