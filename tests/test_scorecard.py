"""Tests of sim.reporting.scorecard on synthetic indicator tables with known effects and budgets,
and of ``clustersim scorecard`` on two tiny scenario files."""

from __future__ import annotations

import json
import math
import struct

import numpy as np
import pandas as pd
import pytest
from test_comparison import shift
from test_report import FACTOR, SEEDS, T, is_png, make_table

from sim.cli import main
from sim.indicators import COUNTRY_KEYS
from sim.reporting.formatting import fmt
from sim.reporting.national import NATIONAL_COLUMNS
from sim.reporting.scorecard import (
    AGGREGATE_HORIZON,
    AGGREGATE_MEAN,
    GROWTH_INDICATORS,
    SCORECARD_COLUMNS,
    SCORECARD_INDICATORS,
    aggregate_growth,
    risk_pairs,
    scorecard,
)
from sim.reporting.scorecard_plot import plot_scorecard
from sim.reporting.scorecard_report import write_scorecard_report

QUARTERS = range(1, T + 1)


def f(r: pd.DataFrame) -> pd.Series:
    """Budget scale of each row's country."""
    return r["country"].map(FACTOR)


def add_budget(t: pd.DataFrame) -> None:
    """Gross 8*(3+seed)*f over quarters 1..T; net (10+seed)*f at T."""
    shift(t, "budget_spent", 1000.0, steps=[0])  # quarter 0 is not a policy quarter
    shift(t, "budget_spent", lambda r: 3.0 * f(r), steps=QUARTERS)
    shift(t, "tax_foregone", lambda r: r["seed"] * f(r), steps=QUARTERS)
    shift(t, "fiscal_balance", lambda r: -(10.0 + r["seed"]) * f(r))


def make_policy(name: str = "policy") -> pd.DataFrame:
    t = make_table(name)
    shift(t, "tech_exports", 2.0)  # +2 every seed: good
    shift(t, "exports_third", 2.0)  # all of it to third countries
    shift(t, "time_to_market", -1.0)  # lower is better: good; seed 0 stays NaN
    shift(t, "supplier_delivery", lambda r: -(r["seed"] + 1.0))  # -1..-5: bad
    # growth only while the level builds up (quarters 1..4): nothing left at the horizon;
    # the mean over quarters 1..8 rises by (seed + 1); quarter 0 must not count
    shift(t, "productivity_growth", 1000.0, steps=[0])
    shift(t, "productivity_growth", lambda r: 2.0 * (r["seed"] + 1.0), steps=range(1, 5))
    # +8 every quarter, but seed 1 has no value in quarters 1..4: its mean is over 5..8
    shift(t, "investment_growth", 8.0, steps=QUARTERS)
    gap = (t["indicator"] == "investment_growth") & (t["seed"] == 1) & t["step"].between(1, 4)
    t.loc[gap, "value"] = np.nan
    add_budget(t)
    return t


def make_selfpay(name: str, extra_taxes) -> pd.DataFrame:
    """Gross 8f (1f a quarter); net -(extra taxes)."""
    t = make_table(name)
    shift(t, "tech_exports", 1.0)
    shift(t, "budget_spent", lambda r: f(r), steps=QUARTERS)
    shift(t, "fiscal_balance", lambda r: extra_taxes(r["seed"]) * f(r))
    return t


def make_weak() -> pd.DataFrame:
    """A variant of policy: the same budget, half the exports gain."""
    t = make_policy("policy_weak")
    shift(t, "tech_exports", -1.0)
    shift(t, "exports_third", -1.0)
    return t


def make_blank() -> pd.DataFrame:
    """No value at all for labour productivity growth."""
    t = make_table("blank")
    t.loc[t["indicator"] == "productivity_growth", "value"] = np.nan
    return t


def all_tables() -> list[pd.DataFrame]:
    return [
        make_table("baseline"),
        make_policy(),
        make_selfpay("selfpay", lambda s: s + 1.0),  # net -(seed+1)f: band below zero
        make_selfpay("nearly", lambda s: s - 1.0),  # net (1-seed)f: band straddles zero
        make_weak(),
        make_table("baseline_copy"),  # a name starting with the reference's: no risk pair
        make_blank(),
    ]


def row(card: pd.DataFrame, scenario: str, country: str, indicator: str,
        versus: str = "baseline") -> pd.Series:
    sel = card[(card.scenario == scenario) & (card.versus == versus)
               & (card.country == country) & (card.indicator == indicator)]
    assert len(sel) == 1
    return sel.iloc[0]


def band(r: pd.Series) -> tuple[float, float, float]:
    return r.diff_median, r.diff_lo, r.diff_hi


@pytest.fixture(scope="module")
def card() -> pd.DataFrame:
    return scorecard(all_tables())


# --- the table -------------------------------------------------------------------------------


def test_columns_and_order(card):
    assert list(card.columns) == SCORECARD_COLUMNS
    ref = card[card.comparison == "reference"]
    assert list(pd.unique(ref.scenario)) == ["policy", "selfpay", "nearly", "policy_weak",
                                             "baseline_copy", "blank"]
    assert set(ref.versus) == {"baseline"}
    assert list(pd.unique(ref.country)) == ["JOINT", "AZ", "BY"]
    one = ref[(ref.scenario == "policy") & (ref.country == "JOINT")]
    assert list(one.indicator) == SCORECARD_INDICATORS
    assert len(ref) == 6 * len(COUNTRY_KEYS) * len(SCORECARD_INDICATORS)
    # the variants come after every comparison with the reference
    assert (card.comparison == "risk").to_numpy().nonzero()[0].min() == len(ref)
    assert card.significant.dtype == bool and card.pays_for_itself.dtype == bool


def test_horizon_changes_with_bands(card):
    assert band(row(card, "policy", "BY", "tech_exports")) == pytest.approx((2, 2, 2))
    r = row(card, "policy", "AZ", "supplier_delivery")
    assert band(r) == pytest.approx((-3.0, -4.8, -1.2))
    assert r.significant and r.effect == "bad" and r.direction == "higher"
    r = row(card, "policy", "JOINT", "tech_exports")
    assert r.effect == "good" and r["aggregate"] == AGGREGATE_HORIZON
    assert r.versus_level == pytest.approx(228.0)  # JOINT: 200 + 10*seed + 8, median seed 2
    assert r.unit == "USD m/quarter"
    r = row(card, "policy", "JOINT", "input_quality")
    assert band(r) == (0, 0, 0) and not r.significant and r.effect == ""


def test_lower_is_better_and_nan_seed(card):
    r = row(card, "policy", "AZ", "time_to_market")
    # seed 0 is NaN in both tables: the paired difference is -1 over seeds 1..4
    assert band(r) == pytest.approx((-1.0, -1.0, -1.0))
    assert r.direction == "lower" and r.effect == "good"
    assert r.versus_level == pytest.approx(33.0)


def test_growth_rates_are_averaged_over_the_run(card):
    r = row(card, "policy", "JOINT", "productivity_growth")
    # the horizon value is unchanged; the mean over quarters 1..8 rises by seed + 1
    assert band(r) == pytest.approx((3.0, 1.2, 4.8))
    assert r["aggregate"] == AGGREGATE_MEAN and r.effect == "good"
    # reference: mean over 1..8 of 200 + 10*seed + step (quarter 0 excluded) at seed 2
    assert r.versus_level == pytest.approx(224.5)
    r = row(card, "policy", "AZ", "investment_growth")
    # seeds 0, 2, 3, 4: +8; seed 1: mean over quarters 5..8 (+6.5+8) minus mean over 1..8 (+4.5)
    assert band(r) == pytest.approx((8.0, 8.0, 9.6))
    assert set(card[card.indicator.isin(GROWTH_INDICATORS)]["aggregate"]) == {AGGREGATE_MEAN}
    assert set(card[~card.indicator.isin(GROWTH_INDICATORS)]["aggregate"]) == {AGGREGATE_HORIZON}


def test_aggregate_growth_replaces_only_the_growth_rates_at_the_horizon():
    t = make_policy()
    out = aggregate_growth(t)
    assert set(out.indicator) == {*SCORECARD_INDICATORS, "budget_spent", "tax_foregone",
                                  "fiscal_balance"}
    at = (out.step == T) & (out.indicator == "productivity_growth") & (out.country == "AZ")
    # seed s: mean over 1..8 of (10s + step) + 2(s+1) over quarters 1..4 -> 10s + 4.5 + (s+1)
    expected = [10 * s + 4.5 + (s + 1) for s in SEEDS]
    assert out.loc[at].sort_values("seed").value.tolist() == pytest.approx(expected)
    same = (out.step < T) | ~out.indicator.isin(GROWTH_INDICATORS)
    pd.testing.assert_series_equal(out.loc[same, "value"], t.loc[out.index[same], "value"])


@pytest.mark.parametrize("country", COUNTRY_KEYS)
def test_fiscal_costs_cost_per_gain_and_pays_for_itself(card, country):
    k = FACTOR[country]
    r = row(card, "policy", country, "tech_exports")
    gross = (r.gross_fiscal_cost, r.gross_fiscal_cost_lo, r.gross_fiscal_cost_hi)
    assert gross == pytest.approx((40 * k, 25.6 * k, 54.4 * k))
    net = (r.net_fiscal_cost, r.net_fiscal_cost_lo, r.net_fiscal_cost_hi)
    assert net == pytest.approx((12 * k, 10.2 * k, 13.8 * k))
    assert not r.pays_for_itself
    # USD m of gross cost per unit of gain, only for significant gains
    assert r.cost_per_gain == pytest.approx(40 * k / 2.0)
    assert row(card, "policy", country, "time_to_market").cost_per_gain == pytest.approx(40 * k)
    assert row(card, "policy", country, "productivity_growth").cost_per_gain == \
        pytest.approx(40 * k / 3.0)
    assert math.isnan(row(card, "policy", country, "supplier_delivery").cost_per_gain)  # a loss
    assert math.isnan(row(card, "policy", country, "input_quality").cost_per_gain)  # no change
    # taxes brought in exceed the spending in every seed: it pays for itself
    r = row(card, "selfpay", country, "tech_exports")
    assert (r.net_fiscal_cost, r.net_fiscal_cost_hi) == pytest.approx((-3 * k, -1.2 * k))
    assert r.gross_fiscal_cost == pytest.approx(8 * k)
    assert r.pays_for_itself and r.cost_per_gain == pytest.approx(8 * k)
    r = row(card, "nearly", country, "tech_exports")
    assert r.net_fiscal_cost == pytest.approx(-1 * k) and r.net_fiscal_cost_hi > 0
    assert not r.pays_for_itself


def test_nan_indicator_gives_no_effect(card):
    r = row(card, "blank", "JOINT", "productivity_growth")
    assert all(math.isnan(x) for x in band(r))
    assert not r.significant and r.effect == "" and math.isnan(r.cost_per_gain)
    free = row(card, "baseline_copy", "JOINT", "tech_exports")
    assert free.gross_fiscal_cost == 0 and free.pays_for_itself


def test_variants_are_compared_with_their_base(card):
    risk = card[card.comparison == "risk"]
    assert set(zip(risk.scenario, risk.versus, strict=True)) == {("policy_weak", "policy")}
    r = row(card, "policy_weak", "JOINT", "tech_exports", versus="policy")
    assert band(r) == pytest.approx((-1.0, -1.0, -1.0)) and r.effect == "bad"
    assert r.versus_level == pytest.approx(230.0)  # the base's level, not the reference's
    assert r.gross_fiscal_cost == pytest.approx(0.0) and r.net_fiscal_cost == pytest.approx(0.0)
    assert band(row(card, "policy_weak", "AZ", "supplier_delivery", versus="policy")) == (0, 0, 0)
    # against the reference the variant still shows its own gain
    assert row(card, "policy_weak", "JOINT", "tech_exports").diff_median == pytest.approx(1.0)


def test_risk_pairs():
    names = ["baseline", "a", "a_b", "a_b_c", "a_x", "baseline_y", "b_", "joint", "az_alone",
             "by_alone"]
    assert risk_pairs(names, "baseline") == [
        ("a_b", "a"), ("a_b_c", "a_b"), ("a_x", "a"), ("az_alone", "joint"),
        ("by_alone", "joint")]
    # all three of joint, az_alone and by_alone are needed; joint as reference is no base
    assert risk_pairs(["baseline", "joint", "az_alone"], "baseline") == []
    assert risk_pairs(["joint", "az_alone", "by_alone"], "joint") == []
    assert risk_pairs(["baseline", "baseline_x"], "baseline") == []


def test_only_the_reference_gives_an_empty_scorecard():
    out = scorecard([make_table("baseline")])
    assert out.empty and list(out.columns) == SCORECARD_COLUMNS


def test_scorecard_rejects_unpaired_tables():
    with pytest.raises(ValueError, match="seeds differ"):
        scorecard([make_table("baseline"), make_table("p", seeds=[0, 1, 2, 3, 5])])
    with pytest.raises(ValueError, match="horizons differ"):
        scorecard([make_table("baseline"), make_table("p", horizon=T - 1)])


# --- the report ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("scorecard")
    tables = all_tables()
    card = write_scorecard_report(tables, out, {"scenarios": ["baseline", "policy"]})
    return out, tables, card


def test_report_files(report):
    out, tables, card = report
    assert is_png(out / "scorecard.png")
    assert (out / "brief.md").read_text().startswith("# Policy brief")
    assert (out / "brief.html").read_text().startswith("<!DOCTYPE html>")
    assert json.loads((out / "provenance.json").read_text())["scenarios"][1] == "policy"
    csv = pd.read_csv(out / "scorecard.csv", keep_default_na=False, na_values=[""])
    assert list(csv.columns) == [*SCORECARD_COLUMNS, *NATIONAL_COLUMNS, "cost_per_unit"]
    assert len(csv) == len(card)
    np.testing.assert_allclose(csv.diff_median, card.diff_median, equal_nan=True)
    assert set(csv["aggregate"]) == {AGGREGATE_HORIZON, AGGREGATE_MEAN}
    assert len(pd.read_parquet(out / "indicators.parquet")) == sum(len(t) for t in tables)


def section(md: str, start: str, end: str | None = None) -> str:
    return md[md.index(start):md.index(end) if end else None]


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def test_markdown_layout_and_how_to_read(report):
    md = (report[0] / "scorecard.md").read_text()
    order = ["How to read", "## Both countries at a glance (JOINT)", "## JOINT", "## AZ",
             "## BY", "## What the risks cost"]
    assert [md.index(s) for s in order] == sorted(md.index(s) for s in order)
    intro = section(md, "How to read", "## Both")
    assert "averaged over quarters 1–8" in intro and "Pays for itself" in intro
    assert "(% y/y, mean of quarters 1–8)" in section(md, "## JOINT", "## AZ")


def test_markdown_compact_joint_table(report):
    md = (report[0] / "scorecard.md").read_text()
    glance = section(md, "## Both countries", "## JOINT")
    header = cells(next(x for x in glance.splitlines() if x.startswith("| Scenario")))
    assert header[1:12] == [f"{label} {arrow}".strip() for label, arrow in [
        ("Labour productivity growth", "↑"), ("Investment growth", "↑"),
        ("Equipment technology generation", "↑"), ("Tech products sold", "↑"),
        ("Exports to third countries", "↑"), ("Exports to partner country", "↑"),
        ("Domestic firms' share of home demand", "↑"), ("Time to master new products", "↓"),
        ("Supplier delivery discipline", "↑"), ("Quality of supplied inputs", "↑"),
        ("Employment", "")]]
    # what the policy did stands apart from the gains, without marks
    assert header[12:] == ["What the policy did: firms receiving support (pp)",
                           "Gross fiscal cost, national scale (USD m; % of GDP a year)",
                           "Net fiscal cost, national scale (USD m; % of GDP a year)",
                           "Pays for itself"]
    policy = cells(next(x for x in glance.splitlines() if x.startswith("| `policy` |")))
    nat0 = " (national 0; 0% of GDP a year)"
    assert policy[1:13] == ["+3.00* ✓", "+8.00* ✓", "0", "0" + nat0, policy[5], "0" + nat0,
                            "0", "-1.00* ✓", "-3.00* ✗", "0", "0 (national 0)", "0 [0, 0]"]
    # +2 in each country: national 2 x 5000/600 + 2 x 15000/900, a year over both GDPs
    national = 2 * 5000 / 600 + 2 * 15000 / 900
    assert policy[5] == (f"+2.00* ✓ (national {fmt(national, signed=True)}; "
                         f"{fmt(100 * 4 * national / (54.6e3 + 74.3e3), signed=True)}% of GDP "
                         "a year)")
    card = report[2].set_index(["scenario", "versus", "country", "indicator"])
    r = card.loc[("policy", "baseline", "JOINT", "tech_exports")]
    assert policy[13] == (f"{fmt(r.gross_fiscal_cost_national, signed=True)}; "
                          f"{fmt(r.gross_fiscal_cost_pct_gdp, signed=True)}%")
    assert policy[15] == "no"
    pays = {cells(x)[0]: cells(x)[-1] for x in glance.splitlines() if x.startswith("| `")}
    assert pays == {"`policy`": "no", "`selfpay`": "yes", "`nearly`": "no",
                    "`policy_weak`": "no", "`baseline_copy`": "no cost", "`blank`": "no cost"}
    blank = cells(next(x for x in glance.splitlines() if x.startswith("| `blank` |")))
    assert blank[1] == "n/a"  # labour productivity growth


def test_markdown_country_tables(report):
    md = (report[0] / "scorecard.md").read_text()
    by = section(md, "## BY", "## What the risks")
    policy = [cells(x) for x in by.splitlines() if x.startswith("| `policy` |")]
    changes, costs = policy  # the changes with bands, then the cost per unit of gain
    assert changes[5] == ("+2.00 [+2.00, +2.00]* ✓ (national +33.3; "
                          f"{fmt(100 * 4 * 2 * 15000 / 900 / 74.3e3, signed=True)}% of GDP a year)")
    assert changes[13:15] == ["+80.0 [+51.2, +109]*", "+24.0 [+20.4, +27.6]*"]
    assert changes[-1] == "no"
    # national scale: BY's sample is 900 of 15,000 firms; costs a year over 2 years (T = 8)
    k = 15000 / 900
    gross_a_year = 80 * k / 2
    # per USD of extra exports a year (both columns: all exports and third countries), per
    # point of productivity growth (+3); no gain in sales or jobs
    assert costs[1:] == [fmt(gross_a_year / (4 * 2 * k)), fmt(gross_a_year / (4 * 2 * k)),
                         "n/a", fmt(gross_a_year / 3), "n/a"]


def test_markdown_risk_section(report):
    md = (report[0] / "scorecard.md").read_text()
    risks = section(md, "## What the risks cost", "## What the grants add")
    rows = [cells(x) for x in risks.splitlines() if x.startswith("| `")]
    assert [r[:3] for r in rows] == [["`policy_weak`", "`policy`", c]
                                     for c in ("JOINT", "AZ", "BY")]
    assert rows[0][7].startswith("-1.00 [-1.00, -1.00]* ✗ (national -25.0;")  # third countries
    assert rows[0][-4:-2] == ["0 [0, 0]", "0 [0, 0]"]
    assert "baseline_copy" not in risks


def test_markdown_without_variants(tmp_path):
    write_scorecard_report([make_table("baseline"), make_policy()], tmp_path, {})
    risks = section((tmp_path / "scorecard.md").read_text(), "## What the risks cost",
                    "## What the grants add")
    assert "no risk to price" in risks and "| `" not in risks


def test_take_up_section_and_file(report):
    """The grants' take-up: one row per scenario and country with funded projects, median
    and band of the deadweight share and the leverage at the horizon, in the report and in
    take_up.csv."""
    md = (report[0] / "scorecard.md").read_text()
    body = section(md, "## What the grants add", "## Discounted benefits and costs")
    rows = [cells(x) for x in body.splitlines() if x.startswith("| `")]
    table = pd.read_csv(report[0] / "take_up.csv")
    assert len(rows) == len(table) > 0
    assert set(table.columns) >= {"scenario", "country", "seeds", "deadweight_share",
                                  "deadweight_share_lo", "private_per_public_hi"}
    first = table.iloc[0]
    assert rows[0][2] == (f"{first.deadweight_share:.2f} [{first.deadweight_share_lo:.2f}, "
                          f"{first.deadweight_share_hi:.2f}]")


def png_size(path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def test_chart_height_grows_with_the_number_of_scenarios(report, tmp_path):
    _, _, card = report
    ref = card[card.comparison == "reference"]
    many = pd.concat([ref.assign(scenario=ref.scenario + f"_{i}") for i in range(5)])
    assert many.scenario.nunique() == 30
    plot_scorecard(many, tmp_path / "many.png")
    small, large = png_size(report[0] / "scorecard.png"), png_size(tmp_path / "many.png")
    assert small[0] == large[0] and large[1] > 2.5 * small[1]
    assert is_png(tmp_path / "many.png")


# --- the command line ------------------------------------------------------------------------


def tiny_file(tmp_path, name: str, policy: str = "") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\n[model]\nfirm_scale = 0.2\nsteps = 3\n{policy}')
    return str(path)


SUBSIDY = '[[policies]]\ntype = "sme_subsidy"\ncountry = "both"\nbudget = 5.0\n'


def test_cli_scorecard_writes_the_files(tmp_path, capsys):
    ref, pol = tiny_file(tmp_path, "ref"), tiny_file(tmp_path, "pol", SUBSIDY)
    out = tmp_path / "card"
    code = main(["scorecard", ref, pol, "--seeds", "2", "--out", str(out), "--quiet",
                 "--workers", "2"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "scorecard.md" in captured.out
    for name in ("scorecard.md", "scorecard.csv", "scorecard.png", "indicators.parquet",
                 "provenance.json"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert is_png(out / "scorecard.png")
    csv = pd.read_csv(out / "scorecard.csv")
    assert set(csv.scenario) == {"pol"} and set(csv.versus) == {"ref"}
    r = csv[(csv.country == "JOINT") & (csv.indicator == "tech_output")].iloc[0]
    assert r.gross_fiscal_cost > 0  # the subsidy spends 2 x 5 USD m a quarter
    assert set(pd.read_parquet(out / "indicators.parquet").step) == {0, 1, 2, 3}
    prov = json.loads((out / "provenance.json").read_text())
    assert [s["name"] for s in prov["scenarios"]] == ["ref", "pol"] and prov["seeds"] == [0, 1]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".card")]


def test_cli_scorecard_bad_file_exits_2_with_one_line(tmp_path, capsys):
    ref = tiny_file(tmp_path, "ref")
    bad = tmp_path / "bad.toml"
    bad.write_text("[model]\nbogus = 1\n")
    out = tmp_path / "card"
    code = main(["scorecard", ref, str(bad), "--seeds", "1", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("clustersim: error: ")
    assert str(bad) in lines[0] and "model.bogus" in lines[0]
    assert not out.exists()


def test_cli_scorecard_existing_out_without_force_exits_2(tmp_path, capsys):
    ref, pol = tiny_file(tmp_path, "ref"), tiny_file(tmp_path, "pol", SUBSIDY)
    out = tmp_path / "card"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    code = main(["scorecard", ref, pol, "--seeds", "1", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "--force" in err and str(out) in err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    code = main(["scorecard", ref, "--seeds", "1", "--out", str(tmp_path / "x"), "--quiet"])
    assert code == 2 and "two scenarios" in capsys.readouterr().err
