"""Rules of ties, parks, innovation and markets that fire only in rare states, and the window
in which a policy acts: tie limits of firms and universities, park capacity and entry rules,
the end of a park's tax regime, product launches, sales within capacity, markup bounds, the
cash an export market costs, the floor on imports, a reform that unwinds after its end.

As in test_rules.py, each test puts a small model into a state where one rule fires, runs the
function that holds the rule and checks its effect against numbers worked out from the rule's
constants.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL_SCALE as SCALE
from conftest import fresh_model, small_model, spec

from sim.inputs.sectors import SECTORS
from sim.network.search import RD_SEEKS_UNIVERSITY, partner_search, university_search
from sim.phases import parks
from sim.phases.approvals import MAX_UTILISATION, USUAL_LOAD, approvals_phase, office_time
from sim.phases.innovation import QUALITY_GAIN_AT_LEVEL_0, STAGES, advance_projects
from sim.phases.labour import wage_per_worker
from sim.phases.markets import (
    MARKUP_SHARE,
    MAX_MARKUP,
    MIN_IMPORT_SHARE,
    SHARE_GROWTH_CAP,
    _adjust_markups,
    export_entry,
    production_phase,
    update_customer_base,
)


# ---------------------------------------------------------------- tie limits
def test_a_firm_at_max_ties_forms_no_new_tie():
    """Every firm searches and any score is good enough, but no firm goes beyond ``max_ties``
    ties: one at the limit neither proposes nor accepts a tie, and two searchers who pick
    the same partner in a quarter cannot both tie to it when it has one slot left."""
    model = small_model()
    model.params.update(max_ties=2, search_rate=1.0, tie_threshold=0.0)
    ids = model.firms.ids.copy()
    before = model.graph.degree_of(ids)
    formed = partner_search(model)
    after = model.graph.degree_of(ids)
    full = before >= 2
    assert formed > 0 and full.any() and (~full).any()
    assert (after[full] == before[full]).all()
    assert after[~full].max() == 2


def test_a_university_at_its_tie_limit_takes_no_new_partner():
    model = small_model()
    f = model.firms
    model.params.update(search_rate=1e6, tie_threshold=0.0)
    f["rd_intensity"] = 10 * RD_SEEKS_UNIVERSITY * model.rd_scale  # every firm searches
    degree = model.graph.degree_of(model.university_ids)
    for uni, d in zip(model.universities, degree, strict=True):
        uni.max_ties = int(d) + 1
    formed = university_search(model)
    after = model.graph.degree_of(model.university_ids)
    assert formed == len(model.universities)  # one new partner each, however many ask
    assert (after == degree + 1).all()


# ---------------------------------------------------------------- parks
def park_named(model, kind: str, country: str):
    return next(p for p in model.parks if p.kind == kind and p.country == country)


def test_a_park_admits_up_to_its_free_slots_and_a_full_park_none(monkeypatch):
    """Every firm applies: the industrial park with one free slot admits one of its five
    applicants, the full one (every slot taken) admits none."""
    monkeypatch.setattr(parks, "APPLY_RATE", 1.0)
    model = small_model()
    one_slot = park_named(model, "industrial", "AZ")
    full = park_named(model, "industrial", "BY")
    one_slot.capacity = one_slot.residents() + 1
    full.capacity = full.residents()
    for park in model.parks:
        if park not in (one_slot, full):
            park.capacity = park.residents()
    f = model.firms
    sector = list(SECTORS).index(one_slot.sector)
    applicants = np.flatnonzero((f["park"] < 0) & (f["country"] == 0))[:5]
    f["sector"][applicants] = sector  # five applicants of the park's sector for one slot
    residents = one_slot.residents(), full.residents()
    assert parks.admit_residents(model) == 1
    assert (one_slot.residents(), full.residents()) == (residents[0] + 1, residents[1])


def test_a_technopark_admits_only_firms_doing_r_and_d_or_spun_off(monkeypatch):
    monkeypatch.setattr(parks, "APPLY_RATE", 1.0)
    model = small_model()
    f = model.firms
    park = park_named(model, "technopark", "BY")
    for other in model.parks:
        other.capacity = other.residents()
    park.capacity = park.residents() + f.n  # room for every applicant
    outside = f["park"] < 0
    f["spinoff"][:] = False
    f["rd_intensity"] = np.where(f.ids % 2 == 0, 2 * park.min_rd_intensity,
                                 0.5 * park.min_rd_intensity)
    spun = np.flatnonzero(outside & (f["country"] == 1) & (f.ids % 2 == 1))[0]
    f["spinoff"][spun] = True
    parks.admit_residents(model)
    admitted = outside & (f["park"] == park.index)
    eligible = outside & (f["country"] == 1) & ((f.ids % 2 == 0) | f["spinoff"])
    assert (admitted == eligible).all() and admitted[spun]


def test_a_parks_tax_regime_ends_in_the_quarter_its_period_ends():
    """Great Stone gives residents its profit-tax relief for 40 quarters after admission and
    its property-tax relief for 160: a resident admitted 39 quarters ago still has both, one
    admitted 40 quarters ago only the property-tax relief, one admitted 160 ago neither."""
    model = small_model()
    f = model.firms
    park = park_named(model, "industrial", "BY")
    profit_q, property_q = park.relief_periods["profit_relief"], \
        park.relief_periods["property_relief"]
    assert profit_q < property_q
    rows = np.flatnonzero(f["country"] == 1)[:3]
    f["park"][rows] = park.index
    f["park_since"][rows] = model.quarter - np.array([profit_q - 1, profit_q, property_q])
    f["relief_profit"][:], f["relief_property"][:] = 0.0, 0.0
    parks.park_regimes(model)
    full = park.reliefs["profit_relief"]
    assert f["relief_profit"][rows].tolist() == [full, 0.0, 0.0]
    assert f["relief_property"][rows].tolist() == [park.reliefs["property_relief"]] * 2 + [0.0]


# ---------------------------------------------------------------- innovation
def test_a_finished_product_project_launches_raises_quality_and_frees_the_firm():
    """A project at the end of its last stage (ramp-up) launches: quality rises by the gain
    times (QUALITY_GAIN_AT_LEVEL_0 + the idea's level), the product's technology moves ahead
    of the firm's equipment, the firm is free again; a project at the end of its first stage
    moves to the second and does not launch."""
    model = small_model()
    f, q = model.firms, model.quarter
    done, busy = np.flatnonzero(~f["in_project"])[:2]
    f["in_project"][[done, busy]] = True
    f["project_progress"][done], f["project_progress"][busy] = 0.999, 0.999
    f["project_stage"][done], f["project_stage"][busy] = len(STAGES) - 1, 0
    f["project_level"][done] = 0.8
    f["project_start"][[done, busy]] = q - 5
    quality = f["quality"].copy()
    tech = np.maximum(f["product_tech"], f["tech"])
    launched = model.launches["JOINT"].get(q, [0, 0]).copy()
    advance_projects(model, np.zeros(f.n))
    gain = model.params["product_quality_gain"] * (QUALITY_GAIN_AT_LEVEL_0 + 0.8)
    assert f["quality"][done] == pytest.approx(quality[done] + gain * (1 - quality[done]))
    assert f["product_tech"][done] > tech[done]
    assert not f["in_project"][done] and f["project_progress"][done] == 0.0
    assert f["project_stage"][done] == 0
    assert f["in_project"][busy] and f["project_stage"][busy] == 1
    assert 0.0 <= f["project_progress"][busy] < 1.0
    assert f["quality"][busy] == quality[busy]
    assert model.launches["JOINT"][q][0] - launched[0] >= 1
    assert model.launches["JOINT"][q][1] - launched[1] >= 6  # quarters q-5..q


# ---------------------------------------------------------------- markets
def test_a_firm_sells_no_more_than_its_capacity():
    model = small_model()
    f = model.firms
    row = int(np.argmax(f["sales_total"]))
    f["capacity"][row] = 1e-3 * f["capacity"][row]
    production_phase(model, model.edges)
    assert f["sales_total"][row] == pytest.approx(f["capacity"][row] * f["price"][row])
    assert f["demand"][row] > 10 * f["capacity"][row]


def test_markups_stay_within_zero_and_their_cap_and_share_growth_counts_up_to_its_cap():
    model = small_model()
    f, t = model.firms, model.params["target_utilisation"]
    up, down, steady = 0, 1, 2
    f["markup"][[up, down, steady]] = MAX_MARKUP - 0.01, 0.01, 0.2
    full = f["capacity"] * f["price"]
    f["sales_total"][[up, down, steady]] = full[up], 0.0, t * full[steady]
    growth = np.zeros(f.n)
    growth[[up, down, steady]] = 10.0, -10.0, 10.0
    _adjust_markups(model, growth)
    assert f["markup"][[up, down]].tolist() == [MAX_MARKUP, 0.0]
    assert f["markup"][steady] == pytest.approx(0.2 + MARKUP_SHARE * SHARE_GROWTH_CAP)


def test_a_firm_without_the_cash_for_the_entry_cost_does_not_start_exporting():
    model = small_model()
    f = model.firms
    model.params["export_entry_rate"] = 1e9  # every profitable firm is able to enter
    f["exp_partner"][:], f["exp_third"][:] = False, False
    f["profit"] = np.abs(f["profit"]) + 1e-3
    cost = model.params["export_entry_cost"] * wage_per_worker(model) * f["employees"]
    poor = f.ids % 2 == 0
    f["cash"] = np.where(poor, 0.5 * cost, cost + 1.0)
    cash = f["cash"].copy()
    paid = f["export_entry_cost"].copy()  # what entries of the last quarter cost
    export_entry(model)
    entered = f["exp_partner"] | f["exp_third"]
    assert entered[~poor].all() and not entered[poor].any()
    assert (f["export_entry_cost"] - paid)[~poor] == pytest.approx(cost[~poor])
    assert (f["export_entry_cost"] - paid)[poor] == pytest.approx(0.0)
    assert (f["cash"] <= cash).all()


def test_imports_keep_their_least_share_of_every_market():
    model = small_model()
    sales = np.full((model.firms.n, 3), 1e6)  # firms would sell more than the market buys
    update_customer_base(model, sales)
    assert model.import_base == pytest.approx(MIN_IMPORT_SHARE * model.demand)


# ---------------------------------------------------------------- a policy's window
def test_a_reform_acts_from_its_start_to_its_end_and_unwinds_at_its_own_pace():
    """The procedure cut (0.4) comes in by 1 / phase_in a quarter in quarters start..end (1-2)
    and goes back at that pace from end + 1: 0.8, 0.6, 0.8, 1 and 1 of the procedures' time."""
    d = spec(policies=[{"type": "admin_barriers", "start": 1, "end": 2, "phase_in": 2,
                        "procedure_cut": 0.4, "capacity": 0.0}], scale=SCALE)
    model = fresh_model(d, seed=1)
    seen = []
    for _ in range(5):
        model.step()
        seen.append(model.approval_procedures.copy())
    assert np.array(seen) == pytest.approx(np.array([[0.8] * 2, [0.6] * 2, [0.8] * 2,
                                                     [1.0] * 2, [1.0] * 2]))


def test_an_approval_office_congests_when_applications_outrun_its_staffing():
    """An application takes its usual time at the usual load (so the barrier is its data
    value); with twice the usual load (capped at MAX_UTILISATION) and a backlog, (1 / (1 -
    0.9) + backlog wait) x 0.5 of it. In a model: an office staffed for half of what arrives
    builds a backlog and slows every applicant (barrier above its data value); one staffed
    for twice its load is faster than usual (barrier below)."""
    usual = office_time(np.ones(1), np.full(1, USUAL_LOAD), np.zeros(1))
    assert usual == pytest.approx([1.0])
    surge = office_time(np.ones(1), np.full(1, 2 * USUAL_LOAD), np.full(1, 0.5))
    assert surge == pytest.approx([(1 / (1 - MAX_UTILISATION) + 0.5) * (1 - USUAL_LOAD)])
    model = fresh_model(spec(scale=SCALE), seed=1)
    model.step()
    office = model.approvals
    office.trend = office.load * 0.25  # staffed for half of what arrives
    office.backlog[:] = 0.0
    approvals_phase(model)
    assert np.all(office.time > 2.0) and np.all(office.backlog > 0)
    assert np.all(model.admin_barrier > office.base)
    office.trend, office.load, office.backlog[:] = office.load * 2, office.load, 0.0
    approvals_phase(model)  # staffed for about twice the load: faster than usual
    assert np.all(office.time < 1.0)
    np.testing.assert_allclose(model.admin_barrier, office.base * office.time)


def test_monitoring_with_a_single_programme_moves_no_budget():
    """A review compares at least MIN_PROGRAMMES programmes: with one, there is nothing to move
    budget between, so its weight stays 1 and no review is logged."""
    d = spec(policies=[{"type": "adaptive_monitoring", "start": 1, "review": 1},
                       {"type": "sme_subsidy", "start": 1}], scale=SCALE)
    model = fresh_model(d, seed=1)
    for _ in range(3):
        model.step()
    monitor, programme = model.policies
    assert monitor.last_review == model.quarter  # reviews fell due
    assert monitor.log == [] and programme.weight == 1.0


def test_a_launch_never_lifts_quality_above_one():
    """With the largest quality gain a launch can close (product_quality_gain 1, a level-1
    idea: 1.5 x the gap), the launch closes the whole gap and stops at quality 1 (a rule
    found by the generated scenarios of test_invariants.py)."""
    model = small_model(product_quality_gain=1.0)
    f, q = model.firms, model.quarter
    row = int(np.flatnonzero(~f["in_project"])[0])
    f["in_project"][row] = True
    f["project_stage"][row], f["project_progress"][row] = len(STAGES) - 1, 0.999
    f["project_level"][row], f["project_start"][row] = 1.0, q - 5
    f["quality"][row] = 0.6
    advance_projects(model, np.zeros(f.n))
    assert f["quality"][row] == pytest.approx(1.0)
    assert not f["in_project"][row]
