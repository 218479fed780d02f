"""The labour market (sim/phases/labour.py): a finite labour force per country, vacancies
filled from the unemployed pool, poaching at a wage premium, wages on a wage curve, state
firms on productivity alone, education through the pool, and the labour indicators.

The hiring shock raises the planned output of half the AZ firms (even ids) by half from
quarter 1, against a control run with the same seed; its sizes were measured over seeds 1-3
at the default population scale (noted beside each bound; at ``firm_scale = 0.3`` the
exit of a single large firm swamps it).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import SEEDS, fresh_model, paired, spec

from sim.agents.firm import FirmTable
from sim.indicators import INDICATORS
from sim.phases import labour
from sim.policies import REGISTRY
from sim.policies.effects import EFFECTS, footprint_of

CONTROL = spec(scale=1.0)
#: Quarters of the hiring shock; its effects are averaged over them.
T_SHOCK = 6
#: Factor on the shocked firms' planned output.
SHOCK = 1.5


def _shocked(model) -> np.ndarray:
    f = model.firms
    return (f["country"] == 0) & (f.ids % 2 == 0)


def _run_shock(seed: int, shock: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """Quarter-by-quarter means over the shock of the quantities the test reads."""
    original = labour.labour_phase

    def phase(model):
        if shock and not model.warming_up:  # from quarter 1: both runs start alike
            f = model.firms
            f["demand"] = np.where(_shocked(model), f["demand"] * SHOCK, f["demand"])
        original(model)

    with monkeypatch.context() as m:
        m.setattr(labour, "labour_phase", phase)
        model = fresh_model(CONTROL, seed)
        rows = []
        for _ in range(T_SHOCK):
            model.step()
            f = model.firms
            others = (f["country"] == 0) & ~_shocked(model)
            assert (labour.employment(model) <= model.labour_force * (1 + 1e-12)).all()
            rows.append([*labour.unemployment_rate(model), *model.wage, model.wage_state[0],
                         f["employees"][others].sum()])
    names = ("u_az", "u_by", "w_az", "w_by", "w_state_az", "others")
    return dict(zip(names, np.mean(rows, axis=0), strict=True))


@pytest.fixture(scope="module")
def shock_runs():
    with pytest.MonkeyPatch.context() as monkeypatch:
        return {seed: (_run_shock(seed, False, monkeypatch), _run_shock(seed, True, monkeypatch))
                for seed in SEEDS}


def test_hiring_shock_tightens_the_az_market_only(shock_runs):
    """AZ unemployment falls (measured -3.4..-4.8 points over seeds 1-3), AZ's market wage rises
    (measured +6.2..+6.4%), BY's wage is unchanged within 1% (measured 0.0..+0.1%), and the
    AZ state wage, which does not read tightness, moves far less than the market wage
    (measured -0.3..+0.2%, from productivity)."""
    for seed, (a, b) in shock_runs.items():
        du = 100 * (b["u_az"] - a["u_az"])
        dw = 100 * (b["w_az"] / a["w_az"] - 1)
        dw_by = 100 * (b["w_by"] / a["w_by"] - 1)
        dw_state = 100 * (b["w_state_az"] / a["w_state_az"] - 1)
        assert -8.0 < du < -1.5, f"seed {seed}: AZ unemployment {du:+.2f} points"
        assert 3.0 < dw < 20.0, f"seed {seed}: AZ wage {dw:+.2f}%"
        assert abs(dw_by) < 1.0, f"seed {seed}: BY wage {dw_by:+.2f}%"
        assert abs(dw_state) < min(2.0, dw / 3), f"seed {seed}: AZ state wage {dw_state:+.2f}%"


def test_hiring_shock_crowds_out_other_az_firms(shock_runs):
    """The firms whose plans did not change employ fewer workers than in the control run
    (measured -1.2..-3.3% over the six quarters from quarter 1, seeds 1-3): the pool rations
    vacancies and the shocked firms poach."""
    for seed, (a, b) in shock_runs.items():
        change = 100 * (b["others"] / a["others"] - 1)
        assert -10.0 < change < -0.5, f"seed {seed}: other AZ firms' employment {change:+.2f}%"


# ----------------------------------------------------------------- hand-made states
def hand_model(**columns) -> SimpleNamespace:
    """A model with only what the labour functions read: firms with the given columns (every
    other column zero), one country wage and labour force per country."""
    n = len(columns["employees"])
    firms = FirmTable()
    firms.append(np.arange(n), {k: np.asarray(v) for k, v in columns.items()})
    return SimpleNamespace(
        firms=firms, params={"wage_skill_premium": 0.0, "wage_indexation": 1.0},
        pool_skill=np.array([0.4, 0.5]), workforce_skill=np.array([0.4, 0.5]),
        # three education groups of equal size and skill: one pool skill per country
        pool_share=np.full((2, 3), 1 / 3), education_shares=np.full((2, 3), 1 / 3),
        pool_level=np.array([[0.4] * 3, [0.5] * 3]),
        wage=np.array([0.002, 0.002]),
        wage_state=np.array([0.002, 0.002]), wage0=np.array([0.002, 0.002]),
        productivity0=np.array([0.01, 0.01]), unemployment0=np.array([0.05, 0.05]),
        labour_force=np.array([1000.0, 1000.0]))


def test_firm_with_unfilled_vacancies_raises_its_premium_and_poaches():
    """Firm 0 cannot fill 50 vacancies: its premium rises by PREMIUM_STEP a quarter, it takes
    workers from the other firms of its country and sector (the lower-paying one loses more
    per worker), not from another sector or country; employment in total is unchanged. A
    state-owned firm short of workers neither offers a premium nor poaches."""
    m = hand_model(employees=[100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
                   country=[0, 0, 0, 0, 1, 0], sector=[0, 0, 0, 1, 0, 0],
                   skill=[0.4, 0.6, 0.2, 0.4, 0.4, 0.4],
                   state_owned=[False, False, False, False, False, True],
                   wage_premium=[0.0, 0.1, 0.0, 0.0, 0.0, 0.0])
    f = m.firms
    unfilled = np.array([50.0, 0.0, 0.0, 0.0, 0.0, 50.0])
    before = f["employees"].copy()
    labour._poach(m, unfilled)
    assert f["wage_premium"][0] == pytest.approx(labour.PREMIUM_STEP)
    assert f["wage_premium"][1] == pytest.approx(0.1 * (1 - labour.PREMIUM_DECAY))
    assert f["wage_premium"][5] == 0.0
    gained = f["employees"] - before
    assert gained[0] > 0
    assert gained[1] < 0 and gained[2] < 0 and gained[1] > gained[2]  # firm 1 pays more
    assert gained[3] == 0 and gained[4] == 0
    assert gained.sum() == pytest.approx(0.0, abs=1e-9)
    # the poached bring their firms' skill
    assert 0.2 < f["skill"][0] < 0.6 and f["skill"][0] != pytest.approx(0.4)
    labour._poach(m, unfilled)
    assert f["wage_premium"][0] == pytest.approx(2 * labour.PREMIUM_STEP)
    assert f["employees"][0] > before[0] + gained[0]
    # the premium is paid: firm 0 pays 4% over firm 3, same skill, same country wage
    w = labour.wage_per_worker(m)
    assert w[0] == pytest.approx(w[3] * (1 + 2 * labour.PREMIUM_STEP))


def test_hiring_is_rationed_by_the_pool():
    """With 100 unemployed and MATCH_RATE of them matched, 200 vacancies are filled in
    proportion: the firm with three times the vacancies gets three times the hires, with the
    pool's skill; employment stays within the labour force."""
    m = hand_model(employees=[400.0, 500.0], country=[0, 0], sector=[0, 0],
                   skill=[0.5, 0.5], state_owned=[False, False])
    m.labour_force = np.array([1000.0, 0.0])
    hires = labour._hire(m, np.array([50.0, 150.0]))
    matched = labour.MATCH_RATE * 100.0
    np.testing.assert_allclose(hires, [matched / 4, 3 * matched / 4])
    assert m.firms["skill"][0] == pytest.approx(
        (0.5 * 400 + m.pool_skill[0] * hires[0]) / (400 + hires[0]))
    assert labour.employment(m)[0] <= m.labour_force[0]


def test_employment_never_exceeds_the_labour_force():
    """Entrants of this quarter hire fewer where the pool cannot supply them; then every firm
    sheds in proportion."""
    m = hand_model(employees=[600.0, 300.0, 200.0], country=[0, 0, 0], sector=[0, 0, 0],
                   skill=[0.5, 0.5, 0.5], state_owned=[False, False, False],
                   born=[-5, -5, 3])
    m.quarter = 3
    labour.fit_to_labour_force(m)
    np.testing.assert_allclose(m.firms["employees"], [600.0, 300.0, 100.0])
    m.quarter, m.labour_force = 4, np.array([450.0, 0.0])  # a later quarter: no entrants
    labour.fit_to_labour_force(m)
    np.testing.assert_allclose(m.firms["employees"], [270.0, 135.0, 45.0])


def test_state_wages_do_not_react_to_tightness():
    """A pool that runs low (2% unemployed) raises the market wage toward the wage curve
    (elasticity -0.1 from the 5% starting rate) but not the state wage, which is the
    productivity wage; state firms' pay is the same in a tight and in a slack market."""
    m = hand_model(employees=[500.0, 480.0, 500.0], country=[0, 0, 1], sector=[0, 0, 0],
                   skill=[0.4, 0.4, 0.5], state_owned=[True, False, False],
                   productivity=[0.01, 0.01, 0.01])
    m.labour_force = np.array([1000.0, 526.0])  # AZ 2% unemployed, BY 4.9%
    state_before = labour.wage_per_worker(m)[0]
    labour._set_wages(m)
    target = 0.002 * (0.02 / 0.05) ** labour.WAGE_CURVE_ELASTICITY
    assert m.wage[0] == pytest.approx(0.002 + labour.WAGE_ADJUST * (target - 0.002))
    assert m.wage[0] > 0.002 * 1.04
    assert m.wage_state[0] == pytest.approx(0.002)
    w = labour.wage_per_worker(m)
    assert w[0] == pytest.approx(state_before)
    assert w[1] > w[0]
    assert abs(m.wage[1] / 0.002 - 1) < 0.01  # BY near its starting rate


# ----------------------------------------------------------------- indicators
def test_labour_indicators_on_a_hand_made_state():
    """average_wage, vacancy_rate, unemployment (JOINT over both pools) and wage_share."""
    m = hand_model(employees=[100.0, 300.0, 200.0], country=[0, 0, 1], sector=[0, 0, 0],
                   skill=[0.4, 0.4, 0.5], state_owned=[False, False, False],
                   wage_premium=[0.1, 0.0, 0.0], vacancies=[10.0, 0.0, 20.0],
                   value_added=[1.0, 2.0, 0.8])
    m.labour_force = np.array([500.0, 250.0])
    az = m.firms["country"] == 0
    joint = np.ones(3, dtype=bool)
    wages = np.array([0.0022, 0.002, 0.002])  # USD m a worker-quarter
    assert INDICATORS["average_wage"].compute(m, az, "AZ") == pytest.approx(
        1000 * (100 * 0.0022 + 300 * 0.002) / 400)
    assert INDICATORS["vacancy_rate"].compute(m, az, "AZ") == pytest.approx(10 / 410)
    assert INDICATORS["vacancy_rate"].compute(m, joint, "JOINT") == pytest.approx(30 / 630)
    assert INDICATORS["unemployment"].compute(m, az, "AZ") == pytest.approx(100 / 500)
    assert INDICATORS["unemployment"].compute(m, ~az, "BY") == pytest.approx(50 / 250)
    assert INDICATORS["unemployment"].compute(m, joint, "JOINT") == pytest.approx(150 / 750)
    assert INDICATORS["wage_share"].compute(m, joint, "JOINT") == pytest.approx(
        (wages * [100, 300, 200]).sum() / 3.8)


# ----------------------------------------------------------------- education through the pool
VOCATIONAL = spec(policies=[{"type": "vocational_education", "country": "both"}])


def test_vocational_education_acts_through_the_pool():
    """The courses' trainees go back to the pool with more skill: the pool's skill is higher
    than in the control run in both countries (measured +7.2..+14.9% after 12 quarters over
    seeds 1-3; at this small population scale the courses train a large part of the pool); the
    policy
    no longer writes firms' skill (no effect of it has the firm column ``skill`` in its
    footprint)."""
    assert "raise_skill" not in EFFECTS
    assert "skill" not in footprint_of(REGISTRY["vocational_education"].effects).firm_columns
    for seed, a, b in paired(spec(), VOCATIONAL, lambda m: m.pool_skill.copy(), 12):
        change = 100 * (b / a - 1)
        assert ((3.0 < change) & (change < 40.0)).all(), f"seed {seed}: pool skill {change}%"
