"""The labour pool by education group (sim/phases/labour_pool.py): starting skills from the
return to schooling, hiring near a firm's skill, rationing and skill mismatch, graduates,
layoffs and vocational courses; and in a whole model, against a same-seed control."""

from types import SimpleNamespace

import numpy as np
import pytest
from conftest import run_spec, spec

from sim import ClusterModel
from sim.agents import FirmTable
from sim.inputs.scenario import default_scenario
from sim.phases import labour_pool
from sim.phases.labour_pool import GENERAL, TERTIARY, VOCATIONAL


def pool_model(skill, employees=None, shares=(0.5, 0.3, 0.2), levels=(0.2, 0.5, 0.8)):
    """Firms of AZ with the given skills; AZ's pool has the given groups; BY's is empty."""
    n = len(skill)
    firms = FirmTable()
    firms.append(np.arange(n), {
        "skill": np.asarray(skill, float), "country": np.zeros(n, np.int64),
        "employees": np.asarray(employees if employees is not None else [100.0] * n, float)})
    m = SimpleNamespace(
        firms=firms, pool_share=np.array([shares, shares], float),
        education_shares=np.array([shares, shares], float),
        pool_level=np.array([levels, levels], float), pool_skill=np.zeros(2))
    labour_pool.sync_pool_skill(m)
    return m


def test_group_skills_follow_the_return_to_schooling_and_keep_the_mean():
    """The productivity factors of the groups are 1.09^years apart and their share-weighted
    mean is the factor at the pool's mean skill."""
    shares = np.array([0.5, 0.3, 0.2])
    levels = labour_pool.group_levels(0.4, shares, 0.6, 0.8)
    factor = 0.6 + 0.8 * levels
    assert factor[TERTIARY] / factor[GENERAL] == pytest.approx(1.09 ** 4.5)
    assert factor[VOCATIONAL] / factor[GENERAL] == pytest.approx(1.09 ** 2.5)
    assert np.dot(shares, levels) == pytest.approx(0.4)
    # a model starts with them, from the country data (BY: ETF's 20% tertiary, 42% vocational)
    # (after the warm-up, graduates have moved the tertiary group's skill toward theirs)
    m = ClusterModel(default_scenario(), seed=0, firm_scale=0.05)
    np.testing.assert_allclose(m.education_shares[1], [0.38, 0.42, 0.20])
    start = labour_pool.group_levels(0.5, m.education_shares[1], 0.6, 0.8)
    np.testing.assert_allclose(m.pool_level[1, :TERTIARY], start[:TERTIARY], atol=0.02)
    assert (np.diff(start) > 0.1).all()


def test_education_shares_take_the_rest_and_scale_an_excess():
    np.testing.assert_allclose(labour_pool.education_shares(0.2, 0.42), [0.38, 0.42, 0.2])
    np.testing.assert_allclose(labour_pool.education_shares(0.75, 0.75), [0.0, 0.5, 0.5])


def test_firms_hire_less_from_groups_below_their_skill():
    """Two firms, skills 0.2 and 0.8, each 10 vacancies, a large pool: the low-skill firm
    takes every group in proportion to its unemployed; the high-skill firm mostly tertiary
    workers; each brings its hires' skill; the pool loses the workers hired, group by group."""
    m = pool_model([0.2, 0.8])
    pool = np.array([1000.0, 0.0])
    hires = labour_pool.hire(m, np.array([10.0, 10.0]), 0.3 * pool, pool)
    np.testing.assert_allclose(hires, [10.0, 10.0])
    w = np.array([0.5, 0.3, 0.2])
    assert m.firms["skill"][0] == pytest.approx((100 * 0.2 + 10 * np.dot(w, [0.2, 0.5, 0.8]))
                                                / 110)
    short = np.maximum(0.8 - np.array([0.2, 0.5, 0.8]), 0) / labour_pool.FIT_WIDTH
    w_hi = np.exp(-0.5 * short ** 2) * w
    w_hi /= w_hi.sum()
    assert w_hi[TERTIARY] > 0.6
    assert m.firms["skill"][1] == pytest.approx((100 * 0.8 + 10 * np.dot(w_hi, [0.2, 0.5, 0.8]))
                                                / 110)
    left = np.array([500.0, 300.0, 200.0]) - 10 * w - 10 * w_hi
    np.testing.assert_allclose(m.pool_share[0], left / left.sum())


def test_a_group_short_of_workers_leaves_vacancies_open_while_others_are_unemployed():
    """Skill mismatch: a firm of skill 0.8 asks the small tertiary group (10 unemployed, 3
    matchable) for about 7 of its 100 vacancies; the rest of the pool has plenty, but only
    SETTLE_SHARE of the shortfall is filled from it in the quarter."""
    m = pool_model([0.8], shares=(0.6, 0.39, 0.01))
    pool = np.array([1000.0, 0.0])
    fit = labour_pool.fit(m, m.firms["skill"], m.firms["country"])[0]
    got = labour_pool.hire(m, np.array([100.0]), 0.3 * pool, pool)
    wanted_tertiary = 100.0 * fit[2] * 0.01 / np.dot(fit, [0.6, 0.39, 0.01])
    short = wanted_tertiary - 0.3 * 10.0
    assert short > 1.0
    assert got[0] == pytest.approx(100.0 - (1 - labour_pool.SETTLE_SHARE) * short)
    # with no friction the firm would fill every vacancy
    m = pool_model([0.8], shares=(0.6, 0.39, 0.01))
    old, labour_pool.SETTLE_SHARE = labour_pool.SETTLE_SHARE, 1.0
    try:
        assert labour_pool.hire(m, np.array([100.0]), 0.3 * pool, pool)[0] == pytest.approx(100.0)
    finally:
        labour_pool.SETTLE_SHARE = old
    # an empty group is asked for nothing
    m = pool_model([0.8], shares=(0.6, 0.4, 0.0))
    assert labour_pool.hire(m, np.array([100.0]), 0.3 * pool, pool)[0] == pytest.approx(100.0)


def test_graduates_join_the_tertiary_group_with_their_skill():
    m = pool_model([0.5])
    pool = np.array([100.0, 100.0])
    labour_pool.renew(m, pool, retiring=np.zeros(2), graduates=np.array([50.0, 0.0]),
                      graduate_skill=np.array([0.5, 0.5]), inflow=np.zeros(2),
                      outflow=np.zeros(2))
    counts = np.array([50.0, 30.0, 20.0 + 50.0])
    np.testing.assert_allclose(m.pool_share[0], counts / 150.0)
    assert m.pool_level[0, TERTIARY] == pytest.approx((20 * 0.8 + 50 * 0.5) / 70)
    np.testing.assert_allclose(m.pool_share[1], [0.5, 0.3, 0.2])  # BY unchanged
    # retirees and leavers go in proportion; other entrants by the education shares, so a
    # slack pool (leavers) does not end up made of graduates only
    m = pool_model([0.5], shares=(0.2, 0.2, 0.6))
    m.education_shares = np.array([[0.5, 0.3, 0.2]] * 2)
    labour_pool.renew(m, pool, retiring=np.array([10.0, 0.0]), graduates=np.zeros(2),
                      graduate_skill=np.zeros(2), inflow=np.array([20.0, 0.0]),
                      outflow=np.array([-55.0, -50.0]))
    counts = np.array([0.2, 0.2, 0.6]) * 90 + np.array([0.5, 0.3, 0.2]) * 20
    np.testing.assert_allclose(m.pool_share[0], counts / counts.sum())
    np.testing.assert_allclose(m.pool_share[1], [0.2, 0.2, 0.6])
    np.testing.assert_allclose((m.pool_share * 0 + 1).sum(axis=1), 2 * [3.0])


def test_laid_off_workers_return_to_the_groups_near_their_firm():
    m = pool_model([0.8, 0.2], shares=(1 / 3, 1 / 3, 1 / 3))
    labour_pool.lay_off(m, np.array([30.0, 0.0]), np.array([30.0, 0.0]))
    assert m.firms["employees"][0] == 70.0
    share = m.pool_share[0]
    assert share[TERTIARY] > share[VOCATIONAL] > share[GENERAL]
    near = np.exp(-0.5 * ((np.array([0.2, 0.5, 0.8]) - 0.8) / labour_pool.FIT_WIDTH) ** 2)
    counts = 10.0 + 30.0 * near / near.sum()
    np.testing.assert_allclose(share, counts / counts.sum())


def test_vocational_courses_move_workers_from_general_schooling_to_a_qualification():
    """30 trainees of 50 with general schooling only: they leave that group and join the
    vocational group with skill 0.2 + gain x 0.8; 60 trainees: all 50, then 10 of the
    vocational group raise its skill."""
    m = pool_model([0.5])
    labour_pool.train(m, 0, 30.0, 0.25, 100.0)
    np.testing.assert_allclose(m.pool_share[0], [0.2, 0.6, 0.2])
    assert m.pool_level[0, VOCATIONAL] == pytest.approx((30 * 0.5 + 30 * 0.4) / 60)
    assert m.pool_level[0, GENERAL] == 0.2
    assert m.pool_skill[0] == pytest.approx(0.2 * 0.2 + 0.6 * 0.45 + 0.2 * 0.8)
    np.testing.assert_allclose(m.pool_share[1], [0.5, 0.3, 0.2])  # BY untouched
    m = pool_model([0.5])
    labour_pool.train(m, 0, 60.0, 0.25, 100.0)
    np.testing.assert_allclose(m.pool_share[0], [0.0, 0.8, 0.2])
    raised = 0.5 + 0.25 * 0.5
    assert m.pool_level[0, VOCATIONAL] == pytest.approx(
        (20 * 0.5 + 10 * raised + 50 * 0.4) / 80)


# ----------------------------------------------------------------- in a whole model
def test_vocational_courses_in_one_country_requalify_its_pool_only():
    """AZ alone runs vocational courses (same seed as the control): by quarter 8 most of AZ's
    unemployed with general schooling only hold a vocational qualification, and AZ's pool
    is more skilled; BY's pool composition moves only through market feedback."""
    control = spec()
    treated = spec(policies=[{"type": "vocational_education", "country": "AZ"}])
    for seed in (1, 2):
        a, b = run_spec(control, seed, 8), run_spec(treated, seed, 8)
        # measured (seeds 1-2): AZ general share 0.46/0.43 -> 0.06/0.05, vocational
        # 0.20/0.21 -> 0.60/0.58, pool skill +0.037/+0.058; BY shares within 0.01/0.031
        # (market feedback)
        assert b.pool_share[0, GENERAL] < 0.5 * a.pool_share[0, GENERAL]
        assert b.pool_share[0, VOCATIONAL] > 1.5 * a.pool_share[0, VOCATIONAL]
        assert 0.01 < b.pool_skill[0] - a.pool_skill[0] < 0.15
        moved_az = a.pool_share[0, GENERAL] - b.pool_share[0, GENERAL]
        assert np.abs(b.pool_share[1] - a.pool_share[1]).max() < 0.2 * moved_az
