"""Numbers a reader can put in a brief: money at national scale and as a share of GDP, calendar
quarters and the price year, no scientific notation, shares in percent, costs in usable units,
one growth definition, no significance marks from too few seeds, markets apart, and the share of
firms receiving support shown as what a policy did, never as a gain."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_report import T, make_table

from sim.indicators import INDICATORS, KEY_INDICATORS, POLICY_OUTPUTS
from sim.inputs.params import MODEL_PARAMS
from sim.inputs.scenario import ScenarioError, load_scenario
from sim.reporting.comparison import compare, write_compare_report
from sim.reporting.formatting import MIN_SEEDS_FOR_MARKS, fmt
from sim.reporting.national import national_table, quarter_label, scale_of
from sim.reporting.scorecard import OUTCOME_INDICATORS, scorecard
from sim.reporting.scorecard_report import write_scorecard_report

REPO = Path(__file__).resolve().parents[1]
DATA = tomllib.loads((REPO / "sim" / "data" / "countries.toml").read_text())
SCIENTIFIC = re.compile(r"\d(\.\d+)?e[+-]?\d", re.IGNORECASE)


def policy_table(seeds=None) -> pd.DataFrame:
    """A policy with known effects and costs against ``make_table("baseline")``."""
    t = make_table("policy", **({"seeds": seeds} if seeds else {}))

    def add(indicator: str, delta: float, steps=None) -> None:
        sel = t["indicator"] == indicator
        if steps is not None:
            sel &= t["step"].isin(steps)
        t.loc[sel, "value"] += delta

    add("exports_third", 2.0)
    add("exports_partner", 1.0)
    add("tech_exports", 3.0)
    add("support_share", 0.25)  # the policy reaches a quarter more of the firms
    add("domestic_share_home", 0.01)  # +1 percentage point
    add("employment", 10.0)
    add("investment_growth", 4.0, steps=range(1, 5))  # only while it builds up
    add("budget_spent", 5.0, steps=range(1, T + 1))
    add("fiscal_balance", -20.0)
    add("input_quality", 3e-7)  # a tiny change must not print as 3.00e-07
    return t


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    tables = [make_table("baseline"), policy_table()]
    out = tmp_path_factory.mktemp("brief")
    card = write_scorecard_report(tables, out / "sc", {})
    cmp = write_compare_report(tables, out / "cmp", {})
    return tables, card, cmp, (out / "sc" / "scorecard.md").read_text(), \
        (out / "cmp" / "compare.md").read_text()


# --- 1. national scale ------------------------------------------------------------------------


def test_scale_factors_and_gdp_come_from_the_country_data():
    scale = scale_of()
    for code in ("AZ", "BY"):
        c = DATA[code]
        assert scale.factor[code] == pytest.approx(c["real_tech_firms"]["value"]
                                                   / c["model_firms"]["value"])
        assert scale.gdp_usd_m[code] == pytest.approx(1000 * c["gdp_usd_bn"]["value"])
        for key in ("real_tech_firms", "model_firms", "gdp_usd_bn"):
            assert c[key]["source"]  # every factor carries its source
    assert scale.gdp_usd_m["JOINT"] == pytest.approx(scale.gdp_usd_m["AZ"]
                                                     + scale.gdp_usd_m["BY"])
    # a scenario that halves the sample doubles the factor
    half = load_scenario("baseline").with_model(firm_scale=0.5)
    assert scale_of({"scenarios": [half.resolved()]}).factor["AZ"] == \
        pytest.approx(2 * scale.factor["AZ"])


def test_national_table_scales_money_and_sums_both_countries():
    table, scale = make_table("x"), scale_of()
    nat = national_table(table, scale).set_index(["seed", "step", "country", "indicator"])
    raw = table.set_index(["seed", "step", "country", "indicator"])["value"]
    az, by = (raw.loc[(1, 3, c, "tech_exports")] for c in ("AZ", "BY"))
    assert nat.loc[(1, 3, "AZ", "tech_exports"), "value"] == pytest.approx(az * scale.factor["AZ"])
    assert nat.loc[(1, 3, "JOINT", "tech_exports"), "value"] == pytest.approx(
        az * scale.factor["AZ"] + by * scale.factor["BY"])
    assert nat.loc[(1, 3, "BY", "input_quality"), "value"] == raw.loc[(1, 3, "BY",
                                                                       "input_quality")]


def test_costs_at_national_scale_and_as_a_share_of_the_paying_countrys_gdp(reports):
    _, card, cmp, sc_md, cmp_md = reports
    scale = scale_of()
    for result in (card, cmp):
        for country in ("AZ", "BY", "JOINT"):
            r = result[(result.country == country)
                       & (result.indicator == "tech_exports")].iloc[0]
            factor = scale.factor.get(country)
            if factor:  # one country: its factor; both: each country's part scaled
                assert r.gross_fiscal_cost_national == pytest.approx(
                    factor * r.gross_fiscal_cost)
            assert r.gross_fiscal_cost_pct_gdp == pytest.approx(
                100 * r.gross_fiscal_cost_national / (T / 4) / scale.gdp_usd_m[country])
            assert r.diff_pct_gdp == pytest.approx(
                100 * 4 * r.diff_median_national / scale.gdp_usd_m[country])
    for md in (sc_md, cmp_md):  # the scale is stated in every report
        assert "national scale" in md and f"AZ × {scale.factor['AZ']:.1f}" in md
        assert "sim/data/countries.toml" in md and "% of GDP a year" in md


# --- 2. calendar ------------------------------------------------------------------------------


def test_calendar_quarters():
    assert quarter_label(0, 2021, 4) == "2021Q4"
    assert quarter_label(1, 2021, 4) == "2022Q1"
    assert quarter_label(7, 2021, 4) == "2023Q3"
    assert quarter_label(40, 2025, 1) == "2035Q1"


def test_the_calendar_is_a_scenario_key_stated_in_every_report(reports):
    s = load_scenario("baseline").with_model(calendar_year=2025, calendar_quarter=1,
                                              price_year=2024)
    scale = scale_of({"scenarios": [s.resolved()]})
    assert scale.quarter(0) == "2025Q1" and "USD m of 2024" in scale.note()
    with pytest.raises(ScenarioError, match=r"model.calendar_quarter.*\[1, 4\]"):
        load_scenario("baseline").with_model(calendar_quarter=5)
    default = quarter_label(0, MODEL_PARAMS["calendar_year"].default,
                            MODEL_PARAMS["calendar_quarter"].default)
    _, _, _, sc_md, cmp_md = reports
    for md in (sc_md, cmp_md):
        assert f"quarter 0 is {default}" in md and f"quarter {T} ({quarter_label(T, 2021, 4)})" \
            in md
    readme = (REPO / "README.md").read_text()
    assert f"quarter 0 is {default}" in readme  # the default is stated where users read
    assert f"USD of {MODEL_PARAMS['price_year'].default}" in readme


# --- 5. readable numbers ----------------------------------------------------------------------


@pytest.mark.parametrize("x", [6.17e-07, -3e-12, 1e-5, 2.5e15, -7.1e20, 123456789.0])
def test_fmt_never_writes_scientific_notation(x):
    for signed in (False, True):
        assert not SCIENTIFIC.search(fmt(x, signed))
    assert fmt(6.17e-07, signed=True) == "+≈0"


def test_reports_hold_no_scientific_notation_and_no_index_units(reports):
    _, _, _, sc_md, cmp_md = reports
    for md in (sc_md, cmp_md):
        assert not SCIENTIFIC.search(md)
        assert "per index" not in md and "USD m per unit" not in md
    assert "USD of cost per USD of extra exports" in sc_md
    assert "USD of cost a year per job" in sc_md
    assert "USD m of cost a year per percentage point of productivity growth" in sc_md


def test_shares_in_percent_and_changes_in_points(reports):
    _, _, _, sc_md, cmp_md = reports
    joint = cmp_md[cmp_md.index("## JOINT"):cmp_md.index("## AZ")]
    row = next(x for x in joint.splitlines() if x.startswith("| Domestic firms' share"))
    assert "| % |" in row and "+1.00 [+1.00, +1.00]" in row  # +0.01 of a share: +1 point
    assert "Domestic firms' share of home demand ↑ (pp)" in sc_md


def test_one_growth_definition_in_compare_and_scorecard(reports):
    tables, card, cmp, _, _ = reports
    for indicator in ("investment_growth", "productivity_growth"):
        a = card[(card.indicator == indicator) & (card.comparison == "reference")]
        b = cmp[cmp.indicator == indicator]
        np.testing.assert_allclose(a.diff_median, b.diff_median)
    # +4 in quarters 1..4 of 8: the mean over the run rises by 2, the value at T not at all
    r = cmp[(cmp.indicator == "investment_growth") & (cmp.country == "AZ")].iloc[0]
    assert r.diff_median == pytest.approx(2.0)


def test_too_few_seeds_give_no_marks_and_a_warning(tmp_path):
    few = list(range(MIN_SEEDS_FOR_MARKS - 1))
    tables = [make_table("baseline", seeds=few), policy_table(seeds=few)]
    assert not compare(tables)["significant"].any()
    assert (scorecard(tables)["effect"] == "").all()
    write_compare_report(tables, tmp_path / "c", {})
    md = (tmp_path / "c" / "compare.md").read_text()
    assert f"only {len(few)} seed(s)" in md
    assert "* ✓" not in md and "]*" not in md
    enough = compare([make_table("baseline"), policy_table()])
    assert enough["significant"].any()


# --- 6. markets apart -------------------------------------------------------------------------


def test_exports_by_market_and_the_home_market_share(reports):
    _, card, _, sc_md, cmp_md = reports
    glance = sc_md[sc_md.index("## Both countries"):sc_md.index("## JOINT")]
    header = glance.splitlines()[2]
    assert "Exports to third countries" in header and "Exports to partner country" in header
    assert "Domestic firms' share of home demand" in header
    assert "| Tech exports" not in header  # both countries: exports are third countries only
    r = card[(card.country == "JOINT") & (card.indicator == "exports_third")].iloc[0]
    assert r.diff_median == pytest.approx(2.0)
    r = card[(card.country == "JOINT") & (card.indicator == "exports_partner")].iloc[0]
    assert r.diff_median == pytest.approx(1.0)  # bilateral trade on its own line
    assert "| Exports to third countries |" in cmp_md
    assert "| Exports to partner country |" in cmp_md


# --- 7. outputs apart from outcomes -----------------------------------------------------------


def test_support_share_is_what_the_policy_did_never_a_gain(reports):
    _, card, cmp, sc_md, cmp_md = reports
    assert set(POLICY_OUTPUTS) <= set(KEY_INDICATORS)
    assert all(INDICATORS[i].direction == "info" for i in POLICY_OUTPUTS)
    assert not set(POLICY_OUTPUTS) & set(OUTCOME_INDICATORS)  # not in the heatmap or ranks
    rows = card[card.indicator.isin(POLICY_OUTPUTS)]
    assert rows.diff_median.gt(0).all() and (rows.effect == "").all()
    assert rows.cost_per_gain.isna().all()
    glance = sc_md[sc_md.index("## Both countries"):sc_md.index("## JOINT")]
    assert "What the policy did: firms receiving support (pp)" in glance
    policy = next(x for x in glance.splitlines() if x.startswith("| `policy` |"))
    assert "+25.0 [+25.0, +25.0] |" in policy  # in points, without a mark
    support = next(x for x in cmp_md.splitlines() if x.startswith("| Firms receiving support"))
    assert "✓" not in support
