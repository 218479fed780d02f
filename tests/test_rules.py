"""Rules of the firms' quarter that fire only in rare states: exits, entry limits, the credit
ceiling and the cash firms keep for wages, the sale of excess equipment, caps on hiring,
wages and poaching.

Each test puts a small model (about 150 firms after its warm-up) into a state where one rule
fires, runs the phase or function that holds the rule, and checks the rule's effect against
numbers worked out here from the rule's constants. Firms other than the chosen ones are kept
out of the rule's reach, so the counts are exact. Rules of ties, parks, innovation, markets
and the policies' windows: test_rules_network.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL_SCALE as SCALE
from conftest import fresh_model, scenario, small_model, spec

from sim.agents.firm import PIPELINE
from sim.agents.university import SPINOFF_RATE_TECHNOPARK_MULTIPLIER
from sim.inputs.sectors import SECTORS
from sim.phases import investment, labour, labour_pool
from sim.phases.entry_exit import (
    ENTRY_AT_NO_BARRIER,
    ENTRY_MARGIN_FACTOR_MAX,
    ENTRY_MARGIN_FACTOR_MIN,
    EXIT_LEVERAGE_FACTOR,
    STATE_LOSS_TOLERANCE,
    entry_phase,
    exit_phase,
)
from sim.phases.finance import CASH_BUFFER, REPAY_SHARE, settle
from sim.phases.investment import (
    OLD_VINTAGE_GAP,
    RESALE_SHARE,
    STATE_LEVERAGE_FACTOR,
    WAGE_RESERVE,
    investment_lag,
    investment_phase,
)
from sim.phases.labour import (
    MAX_POACHED_SHARE,
    MAX_PREMIUM,
    MAX_STAFFING,
    MIN_WAGE_FACTOR,
    labour_phase,
    wage_per_worker,
)
from sim.phases.markets import HOME_AZ, HOME_BY, MIN_DEMAND_SHARE, advance_world
from sim.population import STATE_SECTORS


def rows_of(model, state: bool, country: int = 0, n: int = 1) -> list[int]:
    """The first ``n`` rows of private (``state`` False) or state firms of ``country``."""
    f = model.firms
    rows = np.flatnonzero((f["state_owned"] == state) & (f["country"] == country))
    assert rows.size >= n, "the small model lacks the firms this test needs"
    return rows[:n].tolist()


def ids_of(model) -> set[int]:
    return set(model.firms.ids.tolist())


# ---------------------------------------------------------------- exit
def no_firm_exits(model) -> None:
    """Every firm profitable, with cash and no loss quarters: none meets an exit rule."""
    f = model.firms
    f["loss_quarters"][:] = 0
    f["profit"][:] = np.abs(f["profit"]) + 1e-3
    f["cash"][:] = np.maximum(f["cash"], 1.0)


def test_over_indebted_private_firm_with_no_cash_exits_and_its_creditors_bear_the_debt():
    """Debt beyond EXIT_LEVERAGE_FACTOR x (max_leverage x capital) and no cash: the firm exits,
    and its cash minus debt (here minus its debt) leaves the firms' accounts with it. Just
    below the factor, or with some cash, a firm stays."""
    model = small_model()
    no_firm_exits(model)
    f = model.firms
    broke, below, liquid = rows_of(model, state=False, n=3)
    ceiling = model.params["max_leverage"] * f["capital"]
    for row, factor, cash in ((broke, 1.01, 0.0), (below, 0.99, 0.0), (liquid, 5.0, 0.5)):
        f["debt"][row] = factor * EXIT_LEVERAGE_FACTOR * ceiling[row]
        f["cash"][row] = cash
    gone, debt = int(f.ids[broke]), float(f["debt"][broke])
    kept = {int(f.ids[below]), int(f.ids[liquid])}
    model.accounts.exited = np.zeros(2)
    counts = exit_phase(model)
    assert counts == {"AZ": 1, "BY": 0}
    assert gone not in ids_of(model) and kept <= ids_of(model)
    assert model.accounts.exited[0] == pytest.approx(-debt)


def test_private_firm_exits_after_exit_loss_quarters_of_losses_not_one_before():
    model = small_model()
    no_firm_exits(model)
    f = model.firms
    limit = int(model.params["exit_loss_quarters"])
    due, not_yet = rows_of(model, state=False, country=1, n=2)
    f["loss_quarters"][due], f["loss_quarters"][not_yet] = limit, limit - 1
    gone, kept = int(f.ids[due]), int(f.ids[not_yet])
    assert exit_phase(model) == {"AZ": 0, "BY": 1}
    assert gone not in ids_of(model) and kept in ids_of(model)


def test_state_firm_loss_within_the_tolerance_does_not_count_as_a_loss_quarter():
    """Without bail-outs, a state firm whose loss stays within STATE_LOSS_TOLERANCE of its
    sales starts its count of loss quarters again; a larger loss keeps the count."""
    model = small_model(soft_budget=0.0)
    no_firm_exits(model)
    f = model.firms
    small, large = rows_of(model, state=True, n=2)
    for row, share in ((small, 0.5 * STATE_LOSS_TOLERANCE), (large, 2 * STATE_LOSS_TOLERANCE)):
        f["loss_quarters"][row] = 5
        f["profit"][row] = -share * f["sales_total"][row]
    ids = int(f.ids[small]), int(f.ids[large])
    exit_phase(model)
    f = model.firms
    assert f["loss_quarters"][f.row_of(ids[0])] == 0
    assert f["loss_quarters"][f.row_of(ids[1])] == 5


# ---------------------------------------------------------------- entry
class PoissonMeans:
    """Stands in for the model's generator: records the means of Poisson draws and draws
    none (no entrant is created); every other call goes to the real generator."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.means: list[float] = []

    def poisson(self, lam: float) -> int:
        self.means.append(float(lam))
        return 0

    def __getattr__(self, name: str):
        return getattr(self.rng, name)


def entry_rates(model, margin: float, exits: tuple[int, int]) -> list[float]:
    """The SME entry rates of AZ and BY with every SME at profit margin ``margin`` and last
    quarter's ``exits`` (universities left out, so only the SMEs' draws are recorded)."""
    f = model.firms
    f["profit"] = margin * f["sales_total"]
    for code, n in zip(("AZ", "BY"), exits, strict=True):
        model.events[code]["exits"] = n
    model.universities = []
    model.rng = PoissonMeans(model.rng)
    entry_phase(model)
    return model.rng.means


@pytest.mark.parametrize("margin, factor", [(-10.0, ENTRY_MARGIN_FACTOR_MIN),
                                            (10.0, ENTRY_MARGIN_FACTOR_MAX)])
def test_sme_entry_rate_stays_within_its_bounds_however_large_the_margins(margin, factor):
    """Huge losses cut SME entry to ENTRY_MARGIN_FACTOR_MIN of its rate, not below (a
    negative rate); huge margins raise it to ENTRY_MARGIN_FACTOR_MAX, not beyond. Each exit
    of last quarter adds ``replacement_entry`` entrants."""
    model = small_model()
    f, p = model.firms, model.params
    exits = (3, 7)
    expected = []
    for k in (0, 1):
        barrier = ENTRY_AT_NO_BARRIER - model.admin_barrier[k]
        firms = int((f["country"] == k).sum())
        expected.append((p["entry_rate"] * firms * factor + p["replacement_entry"] * exits[k])
                        * barrier)
    assert entry_rates(model, margin, exits) == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- investment
def investing_firms(model, monkeypatch) -> None:
    """Investment with its own plans only: no equipment arriving, no FDI, grants or funded
    projects this quarter, and demand far above every firm's capacity (no firm sells
    equipment, every firm wants more than it can finance)."""
    monkeypatch.setattr(investment, "install_equipment", lambda model: None)
    monkeypatch.setattr(investment, "allocate_fdi", lambda model: None)
    f = model.firms
    for column in ("fdi", "grant", "funded_project"):
        f[column] = 0.0
    f["demand"] = 1e6 * f["demand"] + 1e3


def test_credit_ceiling_limits_investment_and_state_firms_borrow_twice_as_far(monkeypatch):
    """A firm with no cash invests only what it can still borrow: max_leverage x capital
    less its debt for a private firm (nothing at the ceiling, 0.1 USD m just below it),
    STATE_LEVERAGE_FACTOR times that ceiling for a state firm."""
    model = small_model()
    investing_firms(model, monkeypatch)
    f, lev = model.firms, model.params["max_leverage"]
    at_ceiling, below = rows_of(model, state=False, n=2)
    state = rows_of(model, state=True)[0]
    f["cash"][[at_ceiling, below, state]] = 0.0
    for row in (at_ceiling, state):
        f["debt"][row] = lev * f["capital"][row]
    f["debt"][below] = lev * f["capital"][below] - 0.1
    room = (STATE_LEVERAGE_FACTOR - 1.0) * lev * f["capital"][state]
    investment_phase(model)
    assert f["investment"][at_ceiling] == 0.0
    assert f["investment"][below] == pytest.approx(0.1)
    assert f["investment"][state] == pytest.approx(room)


def test_firm_keeps_cash_for_a_quarter_of_its_wage_bill_before_investing(monkeypatch):
    """At its credit ceiling a firm invests only the cash beyond WAGE_RESERVE of its wage
    bill."""
    model = small_model()
    investing_firms(model, monkeypatch)
    f = model.firms
    row = rows_of(model, state=False, country=1)[0]
    reserve = WAGE_RESERVE * wage_per_worker(model)[row] * f["employees"][row]
    f["debt"][row] = model.params["max_leverage"] * f["capital"][row]
    f["cash"][row] = reserve + 0.2
    investment_phase(model)
    assert f["investment"][row] == pytest.approx(0.2)


def test_equipment_far_beyond_plans_is_sold_oldest_first_at_half_its_value():
    """Capital above EXCESS_CAPITAL x target: a share DISINVEST_SPEED of the excess is sold for
    RESALE_SHARE of its value into cash; the oldest vintages go, so the average technology
    rises, but never beyond the frontier. A firm within its target keeps all its capital."""
    model = small_model()
    f = model.firms
    excess, within, at_frontier = rows_of(model, state=False, n=3)
    f["debt"][[excess, within, at_frontier]] = 0.0
    f["tech"][at_frontier] = model.frontier
    capital, tech, cash = f["capital"].copy(), f["tech"].copy(), f["cash"].copy()
    age = f["equip_age"].copy()
    target = capital.copy()  # within EXCESS_CAPITAL of the target: nothing to sell
    target[[excess, at_frontier]] = capital[[excess, at_frontier]] / (2 * investment.EXCESS_CAPITAL)
    investment._sell_excess(model, target)
    sold = investment.DISINVEST_SPEED * capital[excess] / 2
    assert f["capital"][excess] == pytest.approx(capital[excess] - sold)
    assert f["cash"][excess] == pytest.approx(cash[excess] + RESALE_SHARE * sold)
    assert f["equipment_resale"][excess] == pytest.approx(RESALE_SHARE * sold)
    assert f["tech"][excess] == pytest.approx(
        tech[excess] + OLD_VINTAGE_GAP * sold / (capital[excess] - sold))
    assert f["tech"][at_frontier] == pytest.approx(model.frontier)
    # the oldest vintages go: what is kept is younger by SOLD_AGE_FACTOR x the share sold
    assert f["equip_age"][excess] == pytest.approx(
        age[excess] * (capital[excess] - investment.SOLD_AGE_FACTOR * sold)
        / (capital[excess] - sold))
    assert f["equip_age"][excess] < age[excess]
    assert f["capital"][within] == capital[within] and f["cash"][within] == cash[within]
    assert f["equip_age"][within] == age[within]


def test_investment_lag_stays_between_one_quarter_and_the_pipeline():
    model = small_model()
    model.investment_lag = np.array([1e3, 1e-3])
    lag = investment_lag(model)
    c = model.firms["country"]
    assert (lag[c == 0] == PIPELINE).all() and (lag[c == 1] == 1).all()


# ---------------------------------------------------------------- cash and debt
def test_deficits_are_borrowed_and_cash_above_the_buffer_repays_debt():
    model = small_model()
    f = model.firms
    short, flush = rows_of(model, state=False, n=2)
    f["cash"][short], f["debt"][short] = 1.0, 2.0
    f["cash"][flush], f["debt"][flush] = 0.0, 100.0
    buffer = CASH_BUFFER * f["sales_total"][flush]
    settle(model, np.array([-3.0, buffer + 4.0]), np.array([short, flush]))
    assert (f["cash"][short], f["debt"][short]) == pytest.approx((0.0, 4.0))
    repaid = REPAY_SHARE * 4.0
    assert (f["cash"][flush], f["debt"][flush]) == pytest.approx((buffer + 4.0 - repaid,
                                                                  100.0 - repaid))


# ---------------------------------------------------------------- labour
def test_hiring_plans_stop_at_the_workplaces_the_equipment_provides():
    """However large its demand, a firm plans at most MAX_STAFFING workers per workplace its
    capital provides, and moves ``hire_speed`` of the way there in a quarter."""
    model = small_model()
    f, p = model.firms, model.params
    row = rows_of(model, state=False)[0]
    old = float(f["employees"][row])
    f["capital"][row] = 2.0 * old * p["capital_per_worker"]
    workplaces = MAX_STAFFING * f["capital"][row] / p["capital_per_worker"]
    f["demand"][row] = 1e6
    labour_phase(model)
    assert f["vacancies"][row] == pytest.approx(p["hire_speed"] * (workplaces - old))


def test_wage_never_falls_below_its_floor_for_a_low_skilled_workforce():
    """With a steep skill premium, a firm far below the country's skill pays MIN_WAGE_FACTOR
    of the country's wage (times its own premium), not less."""
    model = small_model(wage_skill_premium=3.0)
    f = model.firms
    row = rows_of(model, state=False)[0]
    f["skill"][row], f["wage_premium"][row] = 0.0, 0.1
    assert 1.0 + 3.0 * (0.0 - model.workforce_skill[0]) < MIN_WAGE_FACTOR  # the floor binds
    assert wage_per_worker(model)[row] == pytest.approx(model.wage[0] * MIN_WAGE_FACTOR * 1.1)


def test_premium_and_poaching_stop_at_their_caps():
    """A firm that cannot fill a vast number of vacancies raises its premium to MAX_PREMIUM and
    no further; the firms it poaches from lose at most MAX_POACHED_SHARE of their workers."""
    model = small_model()
    f = model.firms
    row = rows_of(model, state=False)[0]
    same = (f["country"] == f["country"][row]) & (f["sector"] == f["sector"][row])
    same[row] = False
    assert same.any()
    f["wage_premium"][row] = MAX_PREMIUM - 0.01
    before = f["employees"].copy()
    unfilled = np.zeros(f.n)
    unfilled[row] = 1e6
    labour._poach(model, unfilled)
    assert f["wage_premium"][row] == pytest.approx(MAX_PREMIUM)
    lost = (before - f["employees"])[same] / before[same]
    assert lost.max() == pytest.approx(MAX_POACHED_SHARE)
    assert f["employees"][row] - before[row] == pytest.approx((before - f["employees"])[same].sum())


def test_a_firm_short_of_less_than_one_worker_still_poaches_its_fraction():
    """Workers are a continuous quantity here: a firm whose vacancies are a fraction of a worker
    poaches that fraction times its premium's pull, taken from its country and sector (from
    itself too, by its own small share of the group's pull)."""
    model = small_model()
    f = model.firms
    row = next(r for r in rows_of(model, state=False, n=20) if f["employees"][r] < 20)
    f["wage_premium"][row] = MAX_PREMIUM - 0.01
    before = f["employees"].copy()
    unfilled = np.zeros(f.n)
    unfilled[row] = 0.8
    assert unfilled[row] > labour.UNFILLED_TOLERANCE * before[row]  # short: premium rises
    labour._poach(model, unfilled)
    want = 0.8 * min(labour.POACH_PER_PREMIUM * f["wage_premium"][row], 1.0)
    assert 0 < want < 1
    # it gains what it wants, less its own share of the group's losses (its pull among them)
    assert 0.9 * want < f["employees"][row] - before[row] <= want
    assert f["employees"].sum() == pytest.approx(before.sum())


def test_wage_curve_reads_no_less_than_frictional_unemployment():
    """With no one unemployed the wage curve reads MIN_UNEMPLOYMENT_RATE (a finite wage): the
    market wage moves WAGE_ADJUST of the way to the productivity wage times
    (MIN_UNEMPLOYMENT_RATE / starting rate) ** WAGE_CURVE_ELASTICITY."""
    model = small_model()
    model.labour_force = labour.employment(model)  # the pool has run dry
    wage, indexed = model.wage.copy(), labour.productivity_wage(model)
    labour._set_wages(model)
    target = indexed * (labour.MIN_UNEMPLOYMENT_RATE / model.unemployment0) \
        ** labour.WAGE_CURVE_ELASTICITY
    assert model.wage == pytest.approx(wage + labour.WAGE_ADJUST * (target - wage))


# ---------------------------------------------------------------- entry of spin-offs, demand
def test_a_technopark_host_spins_off_firms_at_its_multiple_of_the_rate():
    model = small_model()
    model.rng = PoissonMeans(model.rng)
    host = next(u for u in model.universities if u.technopark >= 0)
    host.spinoffs(0.01)
    host.technopark = -1  # the same university without its technopark
    host.spinoffs(0.01)
    assert model.rng.means == pytest.approx(
        [0.01 * host.research * SPINOFF_RATE_TECHNOPARK_MULTIPLIER, 0.01 * host.research])


def test_home_demand_keeps_its_least_share_of_the_trend_however_far_income_falls():
    model = small_model()
    model.income_reference = np.array([1e6, 1e6])
    model.household_income = np.zeros(2)  # income collapses far below its reference path
    advance_world(model)
    assert model.demand[[HOME_AZ, HOME_BY]] == pytest.approx(
        MIN_DEMAND_SHARE * model.demand_trend)


# ---------------------------------------------------------------- the starting population
def test_state_firms_start_in_complex_technology_or_where_a_country_has_none_in_its_sectors():
    """State incumbents start only in the sectors STATE_SECTORS marks: in BY, with nine in ten
    firms in agri-food, none of them is there. In AZ, whose firms are all in agri-food (a
    country data file may say so), they start there rather than nowhere."""
    agrifood = list(SECTORS).index("agrifood")
    data = scenario(spec(scale=SCALE))  # sector shares are country data, not a scenario key
    data.countries["AZ"]["sector_shares"] = [float(k == agrifood) for k in range(len(SECTORS))]
    data.countries["BY"]["sector_shares"] = [0.9 if k == agrifood else 0.025
                                             for k in range(len(SECTORS))]
    f = fresh_model(data, seed=1).firms
    az, state = f["country"] == 0, f["state_owned"]
    assert (state & az).any() and (f["sector"][az] == agrifood).all()
    assert (state & ~az).any() and (STATE_SECTORS[f["sector"][state & ~az]] == 1).all()
    assert (f["sector"][~az] == agrifood).mean() > 0.8


def test_vocational_courses_train_no_more_workers_than_the_two_groups_hold():
    """Far more trainees than unemployed workers: everyone with general schooling moves to the
    vocational group with the course's gain, the vocational group's own workers gain too, and
    the tertiary group is untouched; the pool's shares still add up to one."""
    model = small_model()
    k, gain = 0, 0.2
    pool = float(labour.unemployed(model)[k])
    shares, level = model.pool_share[k].copy(), model.pool_level[k].copy()
    labour_pool.train(model, k, 1e3 * pool, gain, pool)
    general, vocational, tertiary = labour_pool.GENERAL, labour_pool.VOCATIONAL, \
        labour_pool.TERTIARY
    raised = level + gain * (1.0 - level)  # each group's skill after the course
    assert model.pool_share[k][general] == 0.0
    assert model.pool_share[k][vocational] == pytest.approx(shares[general] + shares[vocational])
    assert model.pool_share[k][tertiary] == pytest.approx(shares[tertiary])
    assert model.pool_level[k][vocational] == pytest.approx(
        (shares[general] * raised[general] + shares[vocational] * raised[vocational])
        / (shares[general] + shares[vocational]))
    assert model.pool_level[k][tertiary] == level[tertiary]
