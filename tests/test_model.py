"""The model as a whole: determinism, shapes of its outputs, the run function, scenarios."""

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIO_DIR, bundled, fresh_model, scenario, series, spec

from sim import ClusterModel, ScenarioError, default_scenario, load_scenario, run_scenario
from sim.experiments.runs import TABLE_COLUMNS
from sim.indicators import COUNTRY_KEYS, INDICATORS
from sim.inputs.scenario import bundled_scenarios

STEPS = 10
SMALL_BASE = spec(scale=0.3)


def indicators_after(d, seed, steps=STEPS):
    model = fresh_model(d, seed)
    for _ in range(steps):
        model.step()
    return model.indicator_array()


# ------------------------------------------------------------------------- determinism
@pytest.mark.parametrize("stem", ["baseline", "sme_subsidy"])
def test_same_seed_gives_identical_indicators(stem):
    s = bundled(stem, scale=0.3)
    a = indicators_after(s, seed=7)
    b = indicators_after(s, seed=7)
    assert a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=True), (
        "same scenario and seed gave different indicators at "
        f"{np.argwhere(~((a == b) | (np.isnan(a) & np.isnan(b))))[:5].tolist()}")


def test_same_seed_gives_identical_tables_through_run_scenario():
    s = bundled("technopark", scale=0.2)
    a = run_scenario(s, seeds=[3, 4], steps=6)
    b = run_scenario(s, seeds=[3, 4], steps=6)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_different_seeds_give_different_indicators():
    a = indicators_after(SMALL_BASE, seed=1)
    b = indicators_after(SMALL_BASE, seed=2)
    assert a.shape == b.shape
    differ = ~((a == b) | (np.isnan(a) & np.isnan(b)))
    # most indicators differ across seeds; the run is not just a function of the scenario
    share = differ[-1].mean()
    assert share > 0.5, f"only {share:.0%} of final indicators differ between seeds 1 and 2"


def test_model_does_not_share_state_between_instances():
    """Running one model must not change another built from the same scenario."""
    s = scenario(SMALL_BASE)
    first = ClusterModel(s, seed=5)
    ref = ClusterModel(s, seed=5)
    other = ClusterModel(s, seed=6)
    for _ in range(4):
        other.step()
    for _ in range(4):
        first.step()
        ref.step()
    assert np.array_equal(first.indicator_array(), ref.indicator_array(), equal_nan=True)


# ------------------------------------------------------------------------- output shapes
def test_indicator_array_shape_and_names():
    model = fresh_model(SMALL_BASE, seed=1)
    assert model.quarter == 0
    assert model.indicator_array().shape == (1, 3, len(INDICATORS))
    for _ in range(3):
        model.step()
    assert model.quarter == 3
    arr = model.indicator_array()
    assert arr.shape == (4, len(COUNTRY_KEYS), len(INDICATORS))
    assert model.indicator_names() == list(INDICATORS)


@pytest.fixture(scope="module")
def subsidy_model():
    model = fresh_model(spec(scale=0.2, policies=[{"type": "sme_subsidy"}]), seed=2)
    for _ in range(5):
        model.step()
    return model


@pytest.mark.parametrize("name", ["tech_output", "employment", "firms", "smes", "investment",
                                  "tax_collected", "tax_foregone", "budget_spent",
                                  "exports_partner", "entries", "exits", "fiscal_balance"])
def test_joint_is_sum_of_countries_for_additive_indicators(name, subsidy_model):
    model = subsidy_model
    az, by, joint = (series(model, name, c) for c in COUNTRY_KEYS)
    np.testing.assert_allclose(joint, az + by, rtol=1e-9, atol=1e-9)


def test_run_scenario_returns_tidy_table():
    s = bundled("baseline", scale=0.2)
    table = run_scenario(s, seeds=[0, 5], steps=3)
    assert tuple(table.columns) == TABLE_COLUMNS
    assert len(table) == 2 * 4 * len(COUNTRY_KEYS) * len(INDICATORS)
    assert set(table["seed"]) == {0, 5}
    assert set(table["step"]) == {0, 1, 2, 3}
    assert set(table["country"]) == set(COUNTRY_KEYS)
    assert set(table["indicator"]) == set(INDICATORS)
    assert (table["scenario"] == "baseline").all()
    assert not table.duplicated(["seed", "step", "country", "indicator"]).any()
    # the table is the model's indicator array, laid out long
    model = fresh_model(s, seed=5)
    for _ in range(3):
        model.step()
    sub = table[table.seed == 5].set_index(["step", "country", "indicator"])["value"]
    arr = model.indicator_array()
    for step in (0, 3):
        for ci, c in enumerate(COUNTRY_KEYS):
            for ii, name in enumerate(model.indicator_names()):
                v = sub[(step, c, name)]
                assert v == arr[step, ci, ii] or (np.isnan(v) and np.isnan(arr[step, ci, ii]))


def test_run_scenario_uses_scenario_steps_by_default():
    s = bundled("baseline", scale=0.2).with_model(steps=2)
    table = run_scenario(s, seeds=[1])
    assert table["step"].max() == 2


def test_fiscal_accounts_start_at_zero_after_warm_up():
    model = fresh_model(SMALL_BASE, seed=1)
    for gov in model.governments.values():
        assert gov.balance == 0.0
        assert gov.spent_total == 0.0
        assert dict(gov.spent_by_policy) == {}


# ------------------------------------------------------------------------- scenarios
def test_bundled_scenarios_load_and_baseline_is_the_default():
    names = [p.stem for p in bundled_scenarios()]
    assert names[0] == "baseline"
    assert set(names) >= {"baseline", "sme_subsidy", "tax_break", "technopark"}
    base = load_scenario(SCENARIO_DIR / "baseline.toml")
    default = default_scenario()
    assert base.model == default.model
    assert base.countries == default.countries
    assert base.policies == [] and default.policies == []
    assert len(base.sha256) == 64


@pytest.mark.parametrize("stem,kind", [("sme_subsidy", "sme_subsidy"), ("tax_break", "tax_break"),
                                       ("technopark", "technopark")])
def test_policy_scenarios_hold_their_policy(stem, kind):
    s = bundled(stem)
    assert [k for k, _ in s.policies] == [kind]
    assert [p.name for p in s.make_policies()] == [kind]


def test_with_model_validates_and_copies():
    base = default_scenario()
    small = base.with_model(firm_scale=0.5, steps=3)
    assert small.model["firm_scale"] == 0.5 and small.model["steps"] == 3
    assert base.model["firm_scale"] == 1.0, "with_model changed the original scenario"
    with pytest.raises(ScenarioError, match="model.nonsense"):
        base.with_model(nonsense=1)
    with pytest.raises(ScenarioError, match=r"model.frontier_growth.*\[0, 0.05\]"):
        base.with_model(frontier_growth=1.0)
    with pytest.raises(ScenarioError, match="model.steps"):
        base.with_model(steps="many")


def test_scenario_from_dict_rejects_bad_country_value():
    with pytest.raises(ScenarioError, match=r"countries.AZ.admin_barrier.*\[0, 1\]"):
        scenario({"countries": {"AZ": {"admin_barrier": 1.5}}})
    with pytest.raises(ScenarioError, match="countries.XX"):
        scenario({"countries": {"XX": {"admin_barrier": 0.5}}})


def test_firm_scale_scales_the_population():
    small = fresh_model(spec(scale=0.2, model={"warmup": 0}), seed=1)
    large = fresh_model(spec(scale=0.4, model={"warmup": 0}), seed=1)
    c = default_scenario().countries
    expected = sum(round(c[k]["model_firms"] * 0.2) for k in ("AZ", "BY"))
    assert small.firms.n == expected
    assert 1.8 < large.firms.n / small.firms.n < 2.2
