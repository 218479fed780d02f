"""The policies' money: each government pays for its own instruments and nothing else, the
spending stays within the budgets, fixed costs are paid exactly, budgets and costs scale with
the population, and every payment to or from firms goes through their accounts and reaches
only the firms it is meant for."""

from __future__ import annotations

import copy
import functools
import math

import numpy as np
import pytest
from conftest import SMALL, bundled_spec, fresh_model, indicator, run_spec, series, spec

from sim.model import ClusterModel

NEWER = ("rnd_cofunding", "export_promotion", "industrial_park", "infrastructure",
         "vocational_education", "admin_barriers", "coordination_body", "certification",
         "subcontracting_exchange", "venture_fund", "adaptive_monitoring")
SPECS = {kind: bundled_spec(kind) for kind in NEWER if kind != "adaptive_monitoring"}
#: The six programmes adaptive monitoring can move budget between (programmes.toml).
PROGRAMME_TYPES = ("sme_subsidy", "rnd_cofunding", "export_promotion", "certification",
                   "vocational_education", "venture_fund")


#: Fixed cost to the paying government per quarter (USD m), from the bundled defaults, and
#: a one-off cost in the first active quarter, as declared for the default population (a run
#: at firm_scale s pays s times these).
FIXED_COSTS = {"admin_barriers": (0.2, 0.0), "coordination_body": (0.3, 0.0),
               "subcontracting_exchange": (0.15, 0.0), "industrial_park": (0.5, 30.0),
               "adaptive_monitoring": (0.05, 0.0), "infrastructure": (2.0, 0.0)}
#: Instruments that fund no firm directly: only park residents count as supported.
NO_RECIPIENTS = ("infrastructure", "admin_barriers", "coordination_body")
BOOK_STEPS = 12
#: The runs here have no bail-outs of state firms (soft_budget 0), so every dollar the
#: governments spend is a policy's (bail-outs: tests/test_state_firms.py).
NO_BAILOUTS = {"soft_budget": 0.0}


def az_only(kind: str) -> dict:
    if kind == "adaptive_monitoring":
        return spec(policies=[*({"type": t, "country": "AZ"} for t in PROGRAMME_TYPES),
                              {"type": kind, "country": "AZ"}], model=NO_BAILOUTS)
    return spec(policies=[{"type": kind, "country": "AZ"}], model=NO_BAILOUTS)


@pytest.mark.parametrize("kind", NEWER)
def test_spending_is_booked_on_the_paying_government_only(kind):
    """With ``country = "AZ"``: BY spends nothing; AZ's spending by policy adds up to its
    ``budget_spent`` series; a budgeted programme never spends more than ``budget(model)``
    (at the run's scale, weight included) in a quarter; fixed costs are paid exactly, at the
    run's scale (0.3 of the declared ones); firms counted as supported rise (instruments
    without recipients count only park residents)."""
    for seed in (1, 2):
        model = fresh_model(az_only(kind), seed)
        names = [p.name for p in model.policies]
        az, by = model.governments["AZ"], model.governments["BY"]
        for q in range(1, BOOK_STEPS + 1):
            budgets = {p.name: p.budget(model) for p in model.policies
                       if "budget" in p.values}
            before = dict(az.spent_by_policy)
            model.step()
            for name in names:
                spent = az.spent_by_policy.get(name, 0.0) - before.get(name, 0.0)
                if name in budgets:
                    assert spent <= budgets[name] + 1e-12, (
                        f"seed {seed} quarter {q}: {name} spent {spent} of {budgets[name]}")
            if kind in FIXED_COSTS:
                cost, once = FIXED_COSTS[kind]
                spent = az.spent_by_policy.get(kind, 0.0) - before.get(kind, 0.0)
                expected = (cost + (once if q == 1 else 0.0)) * SMALL
                assert math.isclose(spent, expected, rel_tol=1e-12), (seed, q, spent, expected)
            f = model.firms
            supported = f["supported_until"] >= model.quarter
            if kind in NO_RECIPIENTS:
                assert supported.sum() == (f["park"] >= 0).sum()
            elif kind != "subcontracting_exchange":  # it also counts partner-country suppliers
                assert (f["country"][supported & (f["park"] < 0)] == 0).all()
        assert by.spent_total == 0.0 and not by.spent_by_policy
        assert np.all(series(model, "budget_spent", "BY") == 0.0)
        spent = series(model, "budget_spent", "AZ")
        assert spent[0] == 0.0 and spent[1:].sum() > 0.0
        assert set(az.spent_by_policy) == set(names)
        assert math.isclose(sum(az.spent_by_policy.values()), spent.sum(), rel_tol=1e-12)
        if kind != "adaptive_monitoring":
            assert math.isclose(az.spent_by_policy[kind], spent.sum(), rel_tol=1e-12)
        control = run_spec(spec(), seed, BOOK_STEPS)
        share = indicator(model, "support_share", "AZ", "mean")
        ref = indicator(control, "support_share", "AZ", "mean")
        if kind in NO_RECIPIENTS:
            assert share < 1.2 * ref
        else:
            assert share > 1.1 * ref, f"seed {seed}: support share {ref:.4f} -> {share:.4f}"


#: One budgeted competition (whole projects), one budget spent in full and one fixed-cost
#: instrument (set-up and operating costs), for the population-scale test.
SCALED = [{"type": "rnd_cofunding"}, {"type": "infrastructure"},
          {"type": "technopark", "start": 1}]
SCALE_STEPS = 8


def spending_by_quarter(scale: float, seed: int):
    """The model after SCALE_STEPS quarters of SCALED at ``scale`` and each instrument's
    spending per quarter and government (rows: quarters 1.., columns: AZ, BY)."""
    model = fresh_model(spec(policies=SCALED, scale=scale, model=NO_BAILOUTS), seed)
    spent = {p["type"]: [] for p in SCALED}
    for _ in range(SCALE_STEPS):
        before = {c: dict(g.spent_by_policy) for c, g in model.governments.items()}
        budgets = {p.name: p.budget(model) for p in model.policies if "budget" in p.values}
        model.step()
        for name, rows in spent.items():
            rows.append([model.governments[c].spent_by_policy.get(name, 0.0)
                         - before[c].get(name, 0.0) for c in ("AZ", "BY")])
            if name in budgets:
                assert max(rows[-1]) <= budgets[name] + 1e-12, (scale, name, rows[-1])
    return model, {name: np.array(rows) for name, rows in spent.items()}


@pytest.mark.parametrize("seed", (1, 2))
def test_budgets_and_costs_scale_with_the_population(seed):
    """The same scenario at firm_scale 0.6 spends twice what it spends at 0.3, quarter by
    quarter: exactly for the fixed costs (technopark set-up and operating costs) and for a
    budget spent in full (infrastructure); about twice for a competition that funds whole
    projects (R&D co-funding: measured x1.97..x2.14 a quarter, x1.97..x2.11 over 8 quarters,
    seeds 1-8). Per-firm amounts do not scale: a project member still gets USD 0.005 m."""
    small, spent_small = spending_by_quarter(0.3, seed)
    large, spent_large = spending_by_quarter(0.6, seed)
    for name in ("technopark", "infrastructure"):
        assert np.all(spent_small[name] > 0.0), name
        np.testing.assert_allclose(spent_large[name], 2.0 * spent_small[name], rtol=1e-12)
    rnd_small, rnd_large = spent_small["rnd_cofunding"], spent_large["rnd_cofunding"]
    assert np.all(rnd_small > 0.0)
    ratio = rnd_large / rnd_small
    assert np.all((1.8 <= ratio) & (ratio <= 2.3)), ratio
    total = rnd_large.sum(axis=0) / rnd_small.sum(axis=0)
    assert np.all((1.85 <= total) & (total <= 2.2)), total
    for model in (small, large):
        rnd = model.policies[0]
        assert math.isclose(rnd.budget(model), 0.5 * model.scale_n, rel_tol=1e-12)
        f = model.firms
        members = np.isin(f.ids, [i for project in rnd.projects for i in project.firms])
        assert members.sum() >= 10
        np.testing.assert_allclose(f["rd_grant"][members], 0.5 * 0.01, rtol=1e-12)
    joint = series(large, "budget_spent")[1:] / series(small, "budget_spent")[1:]
    assert np.all((1.95 <= joint) & (joint <= 2.05)), joint
    for code in ("AZ", "BY"):
        k = 0 if code == "AZ" else 1
        by_quarter = sum(spent[:, k] for spent in spent_large.values())
        np.testing.assert_allclose(series(large, "budget_spent", code)[1:], by_quarter,
                                   rtol=1e-12)


BUDGET_STEPS = 4


@functools.cache
def scaled_budget_run(kind: str | None, budget_scale: float) -> ClusterModel:
    """Seed 1 after BUDGET_STEPS quarters of one instrument (None: no policy) at
    ``budget_scale``, without bail-outs (so the governments spend only on the policy)."""
    policies = [{"type": kind}] if kind else None
    model = fresh_model(spec(policies=policies, model={**NO_BAILOUTS,
                                                       "budget_scale": budget_scale}), 1)
    for _ in range(BUDGET_STEPS):
        model.step()
    return model


def gross_cost(model: ClusterModel) -> np.ndarray:
    """Spending plus taxes foregone in quarters 1.. over the run without a policy (the
    scorecard's gross fiscal cost, quarter by quarter)."""
    def gross(m: ClusterModel) -> np.ndarray:
        return (series(m, "budget_spent") + series(m, "tax_foregone"))[1:]

    return gross(model) - gross(scaled_budget_run(None, 1.0))


def test_budget_scale_multiplies_what_a_programme_spends_and_buys():
    """``model.budget_scale`` 2 doubles the gross cost of the infrastructure programme (which
    spends its whole budget) in every one of the first quarters and doubles the stock it
    builds; 0 costs nothing and builds nothing. The SME subsidy competition, which funds whole
    projects up to its budget, spends about twice as much at 2 on more firms, and nothing at
    0 (the bug caught: a scale that books more spending while buying the same, or one that a
    programme's budget ignores)."""
    one, two, zero = (scaled_budget_run("infrastructure", s) for s in (1.0, 2.0, 0.0))
    assert np.all(gross_cost(one) > 1.0)
    spent = [series(m, "budget_spent")[1:] for m in (one, two)]
    np.testing.assert_allclose(spent[1], 2.0 * spent[0], rtol=1e-9)
    # taxes foregone follow the firms' own paths (park residents' reliefs), which part a
    # little once the programmes differ: measured within 4.5% of double
    np.testing.assert_allclose(gross_cost(two), 2.0 * gross_cost(one), rtol=0.08)
    np.testing.assert_allclose(gross_cost(zero), 0.0, atol=1e-9)
    stocks = [m.policies[0].stock for m in (one, two, zero)]
    np.testing.assert_allclose(stocks[1], 2.0 * stocks[0], rtol=1e-12)
    assert np.all(stocks[0] > 0) and np.all(stocks[2] == 0)

    def funded(m: ClusterModel) -> int:
        return int((m.firms["supported_until"] >= m.quarter).sum())

    one, two, zero = (scaled_budget_run("sme_subsidy", s) for s in (1.0, 2.0, 0.0))
    ratio = series(two, "budget_spent")[1:].sum() / series(one, "budget_spent")[1:].sum()
    assert 1.8 <= ratio <= 2.5, ratio
    residents = funded(scaled_budget_run(None, 1.0))  # park residents count as supported
    assert funded(two) > funded(one) > residents
    assert series(zero, "budget_spent")[1:].sum() == 0.0 and funded(zero) == residents
    np.testing.assert_allclose(gross_cost(zero), 0.0, atol=1e-9)


def test_venture_fund_cash_settles_like_every_cash_flow_and_reaches_only_its_firms():
    """A deal pays half its size as cash for R&D through the firm's accounts: an indebted
    firm with cash above its buffer repays part of its debt with it (the money is not simply
    added to cash), its net cash position rises by exactly half the deal, and no other firm's
    cash or debt moves. Catches cash written around the accounts, and a payment that makes
    every firm with spare cash repay debt."""
    model = fresh_model(SPECS["venture_fund"], 2)
    f = model.firms
    f["debt"] = 1.0
    f["cash"] = f["sales_total"] + 1.0  # above the buffer of half the quarter's sales
    cash, debt = f["cash"].copy(), f["debt"].copy()
    fund = model.policies[0]
    fund.apply(model)
    won = np.flatnonzero(np.isin(f.ids, list(fund.portfolio)))
    assert won.size > 0
    deal = fund["deal_size"]
    np.testing.assert_allclose((f["cash"] - f["debt"])[won], (cash - debt)[won] + deal / 2)
    assert (f["debt"][won] < 1.0).all(), "the surplus repays debt, as every cash flow does"
    others = np.ones(f.n, dtype=bool)
    others[won] = False
    np.testing.assert_array_equal(f["cash"][others], cash[others])
    np.testing.assert_array_equal(f["debt"][others], debt[others])


@pytest.mark.parametrize(("kind", "winners"), [("certification", "certified"),
                                               ("export_promotion", "last_campaign")])
def test_a_programme_payment_moves_only_its_winners_cash(kind, winners):
    """Certification and export promotion run by one government charge their winners' share
    of the project through the accounts; no other firm's cash or debt moves, in either
    country. Catches a payment settled over every firm (which made any firm with spare cash,
    in the other country too, repay debt when a programme paid anyone)."""
    d = copy.deepcopy(SPECS[kind])
    d["policies"][0]["country"] = "AZ"
    model = fresh_model(d, 2)
    f = model.firms
    f["debt"] = 1.0
    f["cash"] = f["sales_total"] + 1.0  # every firm has cash above its buffer
    cash, debt = f["cash"].copy(), f["debt"].copy()
    policy = model.policies[0]
    policy.apply(model)
    won = np.isin(f.ids, list(getattr(policy, winners)))
    assert won.any() and (f["country"][won] == 0).all()
    np.testing.assert_array_equal(f["cash"][~won], cash[~won])
    np.testing.assert_array_equal(f["debt"][~won], debt[~won])
    assert ((f["cash"] - f["debt"])[won] < (cash - debt)[won]).all(), "winners pay a share"
