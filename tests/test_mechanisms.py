"""Mechanisms: one input changed through scenario values, against a control run with the same
seeds, checking the direction AND the rough size of the response.

Bounds come from measurements over seeds 1-8 at ``firm_scale = 0.3`` (noted beside each case);
they are wide enough for other seeds and tight enough that a broken or reversed mechanism
fails. Every seed's paired change must lie inside the bounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from conftest import (
    SEEDS,
    Metric,
    assert_rel_between,
    both,
    describe,
    fresh_model,
    indicator,
    paired,
    pooled,
    spec,
)

from sim.network import cooperation_degree
from sim.phases.investment import investment_lag

CONTROL = spec()


def ind(name: str, agg: str = "last", country: str = "JOINT") -> Metric:
    def metric(model):
        return indicator(model, name, country, agg)

    metric.__name__ = f"{agg}({name}, {country})"
    return metric


def firm_mean(column: str) -> Metric:
    def metric(model):
        return float(model.firms[column].mean())

    metric.__name__ = f"mean firm {column}"
    return metric


def degree_dispersion(model) -> float:
    """Variance over mean of the firms' cooperation degrees (Poisson: 1)."""
    degree = cooperation_degree(model).astype(float)
    return float(degree.var() / degree.mean())


def mean_investment_lag(model) -> float:
    return float(investment_lag(model).mean())


@dataclass
class Case:
    """A treated scenario, a metric, and the paired relative change expected for each seed."""

    id: str
    treated: dict[str, Any]
    metric: Metric
    lo: float
    hi: float
    steps: int = 16
    control: dict[str, Any] = field(default_factory=lambda: CONTROL)
    marks: tuple = ()
    #: check the change of the sum over the seeds instead of every seed's
    pooled: bool = False


CASES = [
    # technology: frontier_growth 0.01 -> 0.04, measured +1.0..+1.2%
    Case("frontier_growth->equipment_generation", spec({"frontier_growth": 0.04}),
         ind("equipment_generation"), 0.004, 0.05),
    # technology_access default -> 1.0, measured +13.1..+13.7%
    Case("technology_access->equipment_generation", spec({"technology_access": 1.0}),
         ind("equipment_generation"), 0.04, 0.30),
    # technology_access default -> 0, measured -6.6..-7.0%
    Case("no technology_access->equipment_generation", spec({"technology_access": 0.0}),
         ind("equipment_generation"), -0.20, -0.02),
    # R&D: private R&D intensity (calibrated: 0.00076 AZ, 0.0029 BY) -> 0.03, measured on
    # seeds 1-8 rd_intensity +591..+1088%, launches +272..+390%, mean firm knowledge
    # +264..+292%
    Case("rd_intensity_private->rd_intensity", spec(countries=both(rd_intensity_private=0.03)),
         ind("rd_intensity"), 3.0, 20.0),
    Case("rd_intensity_private->products_launched",
         spec(countries=both(rd_intensity_private=0.03)),
         ind("products_launched", "sum"), 1.0, 8.0),
    Case("rd_intensity_private->knowledge", spec(countries=both(rd_intensity_private=0.03)),
         firm_mean("knowledge"), 0.4, 4.0),
    # trade costs to the partner country 0.25 -> 1.0: partner exports measured -78..-91% over
    # 16 quarters on seeds 1-8 (a gravity-like elasticity; 0.25 -> 0.35 is checked pooled
    # over seeds below: the calibrated partner trade is a few USD m a quarter, so one seed's
    # chance export entry can outweigh it)
    # trade_cost_partner -> 1.0: exports to the partner measured -89%, -93%, -6% (seeds 1-3;
    # in seed 3 two firms enter the partner market from a foothold in quarters 6 and 9 and
    # then fade), -69% summed over the seeds, which is checked
    Case("trade_cost_partner_high->exports_partner",
         spec(countries=both(trade_cost_partner=1.0)),
         ind("exports_partner", "mean"), -0.995, -0.3, pooled=True),
    # administrative barriers (0.6 AZ, 0.55 BY) -> 1.0: entries measured -38..-75%,
    # time to market +8.1..+15.6% (seeds 1-8; the barrier slows the certification stage of
    # product projects only), investment lags +33%
    Case("admin_barrier->entries", spec(countries=both(admin_barrier=1.0)),
         ind("entries", "sum"), -0.9, -0.2),
    Case("admin_barrier->time_to_market", spec(countries=both(admin_barrier=1.0)),
         ind("time_to_market", "mean"), 0.04, 0.3),
    Case("admin_barrier->investment_lag", spec(countries=both(admin_barrier=1.0)),
         mean_investment_lag, 0.1, 0.8),
    # knowledge spillovers: spillover_rate 0.05 -> 0.3, measured +84..+105%
    Case("spillover_rate->knowledge", spec({"spillover_rate": 0.3}),
         firm_mean("knowledge"), 0.3, 2.5),
    # spillover_rate 0.05 -> 0, measured -18..-20%
    Case("no spillovers->knowledge", spec({"spillover_rate": 0.0}),
         firm_mean("knowledge"), -0.4, -0.05),
    # network: search_rate 0.04 -> 0.2, ties measured +155..+185%
    Case("search_rate->ties", spec({"search_rate": 0.2}), ind("ties"), 0.7, 4.0),
    # partner market: partner_export_share0 (calibrated: 0.0007) -> 0.02, partner exports
    # measured +24..+1062% on seeds 1-8 (few initial exporters at this scale: wide);
    # partner_entry_share 0.5 -> 0, share of firms serving the partner market measured -70..-83%
    Case("partner_export_share0->exports_partner", spec({"partner_export_share0": 0.02}),
         ind("exports_partner", "mean"), 0.1, 25.0),
    Case("no partner entry->partner exporters", spec({"partner_entry_share": 0.0}),
         firm_mean("exp_partner"), -0.95, -0.5),
    # preference for well-connected partners (calibrated: 1.64) -> 0: dispersion of firms'
    # degrees measured -42..-50% over 24 quarters on seeds 1-8, share of degree held by the
    # top tenth -25..-31%
    Case("no search_preference->degree dispersion", spec({"search_preference": 0.0}),
         degree_dispersion, -0.75, -0.2, steps=24),
    # tie_decay 0.04 -> 0.3, ties measured -27.7..-37.8% (seeds 1-3; used ties are refreshed,
    # and a supply tie carries orders only while its supplier beats imports)
    Case("tie_decay->ties", spec({"tie_decay": 0.3}), ind("ties"), -0.55, -0.1),
    # demand: home_demand_growth (0.008 AZ, 0.006 BY) -> 0.02 a quarter, tech output
    # measured +10.0..+13.6%, employment +8.7..+11.9% (seeds 1-8)
    Case("home_demand_growth->tech_output", spec(countries=both(home_demand_growth=0.02)),
         ind("tech_output"), 0.05, 0.6),
    Case("home_demand_growth->employment", spec(countries=both(home_demand_growth=0.02)),
         ind("employment"), 0.04, 0.5),
    # taxes: profit_tax 0.2 -> 0.4, taxes collected measured +2.2..+6.1% (seeds 1-3; VAT, on
    # every home market's final sales, is most of the taxes)
    Case("profit_tax->tax_collected", spec(countries=both(profit_tax=0.4)),
         ind("tax_collected", "sum"), 0.01, 0.2),
    # entry: entry_rate default -> 0.012, firms measured +19..+35%, entries +130..+394%
    Case("entry_rate->firms", spec({"entry_rate": 0.012}), ind("firms"), 0.06, 0.8),
    Case("entry_rate->entries", spec({"entry_rate": 0.012}), ind("entries", "sum"), 0.5, 6.0),
    # labour: graduate_skill (0.45 AZ, 0.55 BY) -> 0.9, mean firm skill measured +5.4..+8.0%
    # at 16 quarters; employment-weighted firm productivity +1.2..+3.9% at 40 quarters (seeds
    # 1-8; +4.9..+10.4% before ideas had to combine capabilities, which skill does not
    # raise), but
    # labour productivity (value added per worker) only +0.7..+6.1% at 40 quarters (its
    # 40-quarter average -0.7..+1.9%): lower unit costs pass into lower prices
    Case("graduate_skill->skill", spec(countries=both(graduate_skill=0.9)),
         firm_mean("skill"), 0.025, 0.3),
    Case("graduate_skill->labour_productivity", spec(countries=both(graduate_skill=0.9)),
         ind("labour_productivity"), 0.003, 0.25, steps=40),
    Case("graduate_skill->firm productivity", spec(countries=both(graduate_skill=0.9)),
         lambda m: float(np.average(m.firms["productivity"], weights=m.firms["employees"])),
         0.005, 0.3, steps=40),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_mechanism(case: Case):
    rows = paired(case.control, case.treated, case.metric, case.steps)
    if case.pooled:
        rows = pooled(rows)
    assert_rel_between(rows, case.lo, case.hi, f"{case.id} [{case.metric.__name__}]")


def test_longer_loss_threshold_means_fewer_exits():
    """exit_loss_quarters 8 -> 16: exits in quarters 25-48 (earlier quarters hold the start-up
    shake-out, which a longer threshold only delays) measured 0%, -3%, +9%, -3%, -32%, -32%,
    0% and -40% on seeds 1-8 (40 -> 40, 31 -> 30, 35 -> 38, 29 -> 28, 31 -> 21, 25 -> 17,
    31 -> 31, 40 -> 24 exits) and -13% summed over the eight, the sum checked here. Single
    seeds, and sums over three, are too noisy to bound; the rule itself is checked exactly in
    test_rules.py (a firm exits at exit_loss_quarters loss quarters, not one before) and in
    test_exit_threshold_without_warm_up below."""
    rows = paired(CONTROL, spec({"exit_loss_quarters": 16}), ind("exits", "sum_late"), 48,
                  seeds=range(1, 9))
    assert_rel_between(pooled(rows), -0.6, -0.04, "exit_loss_quarters->exits (summed)")


def test_cross_border_proximity_raises_cross_border_share():
    """Cross-border ties start near zero, so the check is on the absolute share: proximity
    0.35 -> 0.6 measured +0.019..+0.045 (share 0.00-0.012 before), -> 0.9 +0.24..+0.29."""
    rows = paired(CONTROL, spec({"cross_border_proximity": 0.6}), ind("cross_border_share"), 16)
    for _, b, a in rows:
        assert 0.01 <= a - b <= 0.2, describe(rows)
    rows = paired(CONTROL, spec({"cross_border_proximity": 0.9}), ind("cross_border_share"), 16)
    for _, b, a in rows:
        assert 0.1 <= a - b <= 0.6, describe(rows)


def test_trade_cost_partner_cuts_partner_exports():
    """Trade costs to the partner country 0.25 -> 0.35: partner exports (mean over 16
    quarters) measured -29% pooled over seeds 1-3 and -28.5% over seeds 1-8, -13..-42% by
    seed on seven of seeds 1-8; on seed 3 a firm that happens to start exporting to the
    partner in the treated run outweighs the effect (+0.1%)."""
    rows = paired(CONTROL, spec(countries=both(trade_cost_partner=0.35)),
                  ind("exports_partner", "mean"), 16)
    assert_rel_between(pooled(rows), -0.6, -0.1, "trade_cost_partner 0.35 -> exports_partner")


def test_trade_cost_raised_mid_run_cuts_partner_exports():
    """The price channel of trade costs works once the markets are calibrated: raising the
    partner trade cost after set-up (0.25 -> 1.0) cuts partner exports at quarter 16 by
    -87.5..-98.3% on seeds 1-8 except seed 3 (-13%: a firm that entered the partner market
    just before keeps selling there at the horizon); -78% summed over seeds 1-3, the sum
    checked here."""
    rows = []
    for seed in SEEDS:
        base, high = fresh_model(CONTROL, seed), fresh_model(CONTROL, seed)
        high.trade_cost[:, 1] = 1.0
        for _ in range(16):
            base.step()
            high.step()
        rows.append((seed, indicator(base, "exports_partner"), indicator(high, "exports_partner")))
    assert_rel_between(pooled(rows), -0.995, -0.5,
                       "mid-run trade_cost_partner -> exports_partner (summed)")


def test_exit_threshold_without_warm_up():
    """Without warm-up the exit rule is monotone both ways: exit_loss_quarters 8 -> 4 raises
    exits (measured +5..+39%), 8 -> 16 removes them within 16 quarters (measured -100%).
    (With the default warm-up, 8 -> 4 LOWERS recorded exits because the weak firms leave
    during the warm-up.)"""
    control = spec({"warmup": 0})
    rows = paired(control, spec({"warmup": 0, "exit_loss_quarters": 4}), ind("exits", "sum"), 16)
    assert_rel_between(rows, 0.02, 1.0, "exit_loss_quarters 8 -> 4 without warm-up")
    rows = paired(control, spec({"warmup": 0, "exit_loss_quarters": 16}), ind("exits", "sum"), 16)
    assert_rel_between(rows, -1.0, -0.5, "exit_loss_quarters 8 -> 16 without warm-up")
