"""The one-page brief of a scorecard (sim.reporting.brief): its numbers are those of
scorecard.csv, its ranking and risk lines follow the stated rules, it names the assumed values
the runs rest on, it comes out in each language, and its HTML page stands on its own."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from test_comparison import shift
from test_report import FACTOR, T, make_table

from sim.cli.dispatch import main
from sim.i18n import language
from sim.inputs.params import Param
from sim.policies import REGISTRY
from sim.reporting.brief import (
    assumed_parameters,
    brief_html,
    brief_markdown,
    ranking,
    risk_lines,
)
from sim.reporting.formatting import fmt, fmt_band
from sim.reporting.national import scale_of
from sim.reporting.scorecard import OUTCOME_INDICATORS
from sim.reporting.scorecard_report import write_scorecard_report

STEPS = range(1, T + 1)
SCALE = scale_of()


def _with(name: str, exports: float, budget: float, jobs: float = 0.0) -> pd.DataFrame:
    """The reference table plus a known gain in exports to third countries and jobs, and a
    known extra budget every quarter (per model firm of each country)."""
    t = make_table(name)
    if exports:
        shift(t, "exports_third", exports)
    if jobs:
        shift(t, "employment", jobs)
    if budget:
        shift(t, "budget_spent", lambda r: budget * r["country"].map(FACTOR), steps=STEPS)
        shift(t, "fiscal_balance", lambda r: -budget * T * r["country"].map(FACTOR))
    return t


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A scorecard of four scenarios and one risk variant, with its brief."""
    tables = [make_table("baseline"),
              _with("dear", exports=2.0, budget=4.0),
              _with("cheap", exports=2.0, budget=1.0),
              _with("jobs", exports=0.0, budget=1.0, jobs=50.0),
              _with("nothing", exports=0.0, budget=1.0),
              _with("cheap_mistargeted", exports=0.8, budget=1.0)]
    out = tmp_path_factory.mktemp("card")
    prov = {"scenarios": [{"name": "baseline",
                           "policies": [{"type": "export_promotion"}, {"type": "tax_break"}]}],
            "seeds": [0, 1, 2, 3, 4], "steps": [T] * 6}  # each scenario's own, as when
    # --steps is not given
    write_scorecard_report(tables, out, prov)
    return out, pd.read_csv(out / "scorecard.csv"), tables


def _table_rows(md: str, first_header: str) -> list[list[str]]:
    """The body rows of the markdown table whose header starts with ``first_header``."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows


def _joint(card: pd.DataFrame, scenario: str, indicator: str) -> pd.Series:
    sel = card[(card.comparison == "reference") & (card.country == "JOINT")
               & (card.scenario == scenario) & (card.indicator == indicator)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_the_briefs_numbers_are_those_of_scorecard_csv(written):
    """Every cell of the ranking is the formatted value of its column in scorecard.csv: a brief
    that recomputed, rescaled or mixed up a row would differ."""
    out, card, _ = written
    discounted = pd.read_csv(out / "discounted.csv")
    md = (out / "brief.md").read_text()
    rows = _table_rows(md, "Rank")
    assert [r[1] for r in rows] == ["`cheap`", "`cheap_mistargeted`", "`dear`", "`jobs`",
                                    "`nothing`"]
    for r in rows:
        scenario = r[1].strip("`")
        exports = _joint(card, scenario, "exports_third")
        jobs = _joint(card, scenario, "employment")
        assert r[2] == (f"{fmt(exports['gross_fiscal_cost_national'])} "
                        f"({fmt(exports['gross_fiscal_cost_pct_gdp'])}%)")
        assert r[3] == fmt(exports["diff_median_national"], signed=True)
        assert r[4] == fmt(exports["cost_per_unit"])
        assert r[5] == fmt(jobs["diff_median_national"], signed=True)
        assert r[6] == fmt(jobs["cost_per_unit"])
        rated = card[(card.comparison == "reference") & (card.country == "JOINT")
                     & (card.scenario == scenario) & card.indicator.isin(OUTCOME_INDICATORS)]
        assert r[7] == f"{(rated.effect == 'good').sum()} / {(rated.effect == 'bad').sum()}"
        ratio = discounted[(discounted.country == "JOINT") & (discounted.scenario == scenario)]
        assert r[9] == fmt_band(*ratio[["bcr", "bcr_lo", "bcr_hi"]].iloc[0])
    # the plain-words line of the best one quotes the same numbers
    best = _joint(card, "cheap", "exports_third")
    assert (f"`cheap` costs USD {fmt(best['gross_fiscal_cost_national'])} m over the run "
            f"({fmt(best['gross_fiscal_cost_pct_gdp'])}% of GDP a year)") in md
    assert f"USD {fmt(best['cost_per_unit'])} of cost per extra dollar of exports" in md


def test_cost_per_unit_is_the_yearly_cost_over_the_yearly_gain(written):
    """scorecard.csv's cost_per_unit: gross cost a year over extra exports a year (national)."""
    _, card, _ = written
    r = _joint(card, "dear", "exports_third")
    years = T / 4
    expected = (r["gross_fiscal_cost_national"] / years) / (4 * r["diff_median_national"])
    assert r["cost_per_unit"] == pytest.approx(expected, rel=1e-12)
    assert np.isnan(_joint(card, "nothing", "exports_third")["cost_per_unit"])  # no gain
    assert np.isnan(_joint(card, "dear", "supplier_delivery")["cost_per_unit"])  # no unit
    # jobs have no better direction, so they are never rated, but a significant rise is priced
    jobs = _joint(card, "jobs", "employment")
    assert jobs.effect != "good" and jobs.significant
    assert jobs.cost_per_unit == pytest.approx(
        jobs.gross_fiscal_cost_national / years * 1e6 / jobs.diff_median_national, rel=1e-12)


def _card(rows: list[dict]) -> pd.DataFrame:
    base = {"comparison": "reference", "country": "JOINT", "versus": "base", "diff_median": 1.0,
            "diff_median_national": 10.0, "gross_fiscal_cost_national": 100.0,
            "gross_fiscal_cost_pct_gdp": 0.1, "pays_for_itself": False, "cost_per_unit": np.nan,
            "effect": "", "significant": False}
    return pd.DataFrame([base | r for r in rows])


def test_ranking_puts_export_gains_first_cheapest_first_then_jobs_then_the_rest():
    card = _card([
        {"scenario": "none", "indicator": "exports_third"},
        {"scenario": "jobs", "indicator": "employment", "effect": "good", "cost_per_unit": 5.0},
        {"scenario": "dear", "indicator": "exports_third", "effect": "good", "cost_per_unit": 3.0},
        {"scenario": "free", "indicator": "exports_third", "effect": "good"},  # no cost: NaN
        {"scenario": "cheap", "indicator": "exports_third", "effect": "good",
         "cost_per_unit": 0.5},
    ])
    assert [r.scenario for r in ranking(card, OUTCOME_INDICATORS)] == [
        "free", "cheap", "dear", "jobs", "none"]


def test_risk_lines_list_only_significant_losses_in_rated_indicators():
    card = _card([
        {"scenario": "a_mistargeted", "versus": "a", "comparison": "risk",
         "indicator": "exports_third", "effect": "bad", "diff_median": -2.0,
         "diff_median_national": -20.0},
        {"scenario": "a_mistargeted", "versus": "a", "comparison": "risk",
         "indicator": "tech_exports", "effect": "bad"},  # not rated: counts the AZ-BY trade
        {"scenario": "a_mistargeted", "versus": "a", "comparison": "risk",
         "indicator": "employment", "effect": ""},  # not significant
    ])
    (line,) = risk_lines(card, OUTCOME_INDICATORS)
    assert (line.variant, line.base) == ("a_mistargeted", "a")
    assert [loss[0] for loss in line.losses] == ["exports_third"]
    assert line.losses[0][2] == -20.0


def test_the_brief_prices_the_risk_variant(written):
    out, card, _ = written
    md = (out / "brief.md").read_text()
    risk = card[(card.comparison == "risk") & (card.country == "JOINT")
                & (card.indicator == "exports_third")].iloc[0]
    assert risk.effect == "bad"
    assert (f"`cheap_mistargeted` against `cheap`: exports to third countries "
            f"{fmt(risk.diff_median_national, signed=True)} USD m/quarter (national scale)") in md


def test_assumed_parameters_count_the_declared_assumptions(monkeypatch):
    prov = {"scenarios": [{"policies": [{"type": "tax_break"}, {"type": "tax_break"}]},
                          {"policies": [{"type": "sme_subsidy"}]}]}
    specs = REGISTRY["tax_break"].param_specs
    assert assumed_parameters(prov) == [
        ("tax_break", len(specs), len(specs)),
        ("sme_subsidy", len(REGISTRY["sme_subsidy"].param_specs),
         len(REGISTRY["sme_subsidy"].param_specs))]
    sourced = Param("x", 1.0, "share", "a sourced value", 0, 1, source="Author (2020), p. 3")
    monkeypatch.setattr(REGISTRY["tax_break"], "param_specs", (*specs, sourced))
    assert assumed_parameters(prov)[0] == ("tax_break", len(specs), len(specs) + 1)
    assert assumed_parameters({}) == []
    # provenance of another shape (names only, as a script may pass) names no instrument
    assert assumed_parameters({"scenarios": ["baseline", {"policies": ["x", None]}]}) == []


def test_the_brief_names_what_it_rests_on(written):
    md = (written[0] / "brief.md").read_text()
    n = len(REGISTRY["export_promotion"].param_specs)
    assert f"Export promotion, branding and export consortia: {n} of {n}" in md
    assert "only the randomness of 5 runs" in md


def test_the_brief_says_what_its_bands_cover(written):
    """Runs with seed noise only say so; runs that drew the effect sizes per seed (the
    scorecard's default) say their bands cover what is not known about them too."""
    _, card, _ = written
    names = ["baseline", *pd.unique(card.scenario)]
    seeds_only = brief_markdown(card, names, range(5), T, SCALE, {"uncertainty": "seeds"},
                                OUTCOME_INDICATORS)
    drawn = brief_markdown(card, names, range(5), T, SCALE, {"uncertainty": "params"},
                           OUTCOME_INDICATORS)
    assert "only the randomness of 5 runs" in seeds_only
    assert "only the randomness" not in drawn
    assert "what is not known about the effect sizes" in drawn and "evidence.toml" in drawn


@pytest.mark.parametrize("lang, heading", [("az", "## Risklər nəyə başa gəlir"),
                                           ("ru", "## Во что обходятся риски")])
def test_the_brief_in_each_language(written, lang, heading):
    out, card, _ = written
    names = ["baseline", *pd.unique(card.scenario)]
    with language(lang):
        md = brief_markdown(card, names, [0, 1, 2, 3, 4], T, SCALE, None, OUTCOME_INDICATORS)
        page = brief_html(md)
    assert heading in md
    assert "What the risks cost" not in md and "Rank" not in md
    assert f'<html lang="{lang}">' in page


def test_few_seeds_warn_in_the_brief(written):
    _, card, _ = written
    names = ["baseline", *pd.unique(card.scenario)]
    md = brief_markdown(card, names, [0, 1], T, SCALE, None, OUTCOME_INDICATORS)
    assert "**Warning: only 2 seed(s).**" in md
    assert "**Warning" not in brief_markdown(card, names, range(5), T, SCALE, None,
                                             OUTCOME_INDICATORS)


def test_the_html_page_stands_on_its_own(written):
    page = (written[0] / "brief.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "<table>" in page and "<h2>" in page
    assert re.search(r'<img alt="[^"]+" src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}">',
                     page)
    # nothing fetched from elsewhere: no links to stylesheets, scripts or remote images
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page


def test_brief_html_escapes_the_title():
    page = brief_html("# A <b> & c\n\ntext")
    assert "<title>A &lt;b&gt; &amp; c</title>" in page


def test_brief_command_writes_the_brief_again_in_a_language(written, tmp_path, capsys):
    """`clustersim brief DIR --lang ru` writes the same brief from scorecard.csv and
    provenance.json, in Russian, beside the first one (which it keeps)."""
    out, card, _ = written
    first = (out / "brief.md").read_text()
    assert main(["brief", str(out), "--out", str(tmp_path), "--lang", "ru"]) == 0
    md = (tmp_path / "brief.ru.md").read_text()
    assert md.startswith("# Аналитическая записка")
    assert (tmp_path / "brief.ru.html").exists() and (tmp_path / "scorecard.ru.png").exists()
    # the same numbers, in the same order, as the brief written with the scorecard
    assert _table_rows(md, "Место") == [
        [*r[:8], "нет", r[9]] for r in _table_rows(first, "Rank")]
    assert main(["brief", str(out), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "brief.en.md").read_text() == first
    assert (out / "brief.md").read_text() == first


def test_brief_command_refuses_a_folder_that_is_no_scorecard(tmp_path, capsys):
    assert main(["brief", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scorecard.csv: not found" in err
    pd.DataFrame({"scenario": ["a"]}).to_csv(tmp_path / "scorecard.csv", index=False)
    (tmp_path / "provenance.json").write_text('{"seeds": [0], "steps": 4, '
                                              '"scenarios": [{"name": "a"}]}')
    assert main(["brief", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "missing columns" in err and "cost_per_unit" in err
    (tmp_path / "provenance.json").write_text("{not json")
    assert main(["brief", str(tmp_path)]) == 2
    assert "provenance.json is not as" in capsys.readouterr().err
