"""Interoperability: ClusterModel built from keyword parameters (names and dotted paths) like
any Mesa model, mesa.batch_run on it (numpy grids, per-country reporters, the warm-up warning),
and the EMA Workbench example, each run as users would."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mesa.batchrunner import batch_run

from sim import ClusterModel, load_scenario, scenario_with
from sim.indicators import COUNTRY_KEYS, KEY_INDICATORS
from sim.inputs.scenario import ScenarioError
from sim.policies import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = ROOT / "experiments"
TAX_BREAK = str(ROOT / "scenarios" / "tax_break.toml")


def test_keyword_parameters_set_model_parameters_and_risks():
    model = ClusterModel(scenario=TAX_BREAK, selectivity=0.5, coordination=0.25,
                         firm_scale=0.1, rng=3)
    assert model.seed == 3 and model.params["selectivity"] == 0.5
    assert model.risks["coordination"] == 0.25 and model.params["firm_scale"] == 0.1
    assert [k for k, _ in model.spec.policies] == ["tax_break"]


def test_keywords_give_the_same_run_as_the_scenario():
    scenario = load_scenario(TAX_BREAK).with_model(firm_scale=0.1).with_risks(coordination=0.5)
    a = ClusterModel(scenario, seed=4)
    b = ClusterModel(TAX_BREAK, firm_scale=0.1, coordination=0.5, rng=4)
    for model in (a, b):
        for _ in range(2):
            model.step()
    assert np.array_equal(a.indicator_array(), b.indicator_array(), equal_nan=True)


def test_the_datacollector_reports_the_key_indicators_per_country_every_quarter():
    model = ClusterModel(firm_scale=0.1, rng=1)
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == ["quarter", *(f"{country}.{name}" for country in COUNTRY_KEYS
                                                for name in KEY_INDICATORS)]
    assert frame["quarter"].tolist() == [0, 1, 2, 3]
    names = model.indicator_names()
    for c, country in enumerate(COUNTRY_KEYS):
        for name in ("tech_exports", "productivity_growth"):
            column = model.indicator_array()[:, c, names.index(name)]
            assert frame[f"{country}.{name}"].tolist() == column.tolist()
    assert frame["AZ.tech_exports"].tolist() != frame["BY.tech_exports"].tolist()


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"selectivty": 0.5}, TypeError, "unexpected keyword argument 'selectivty'"),
    ({"selectivity": 99.0}, ScenarioError, "model.selectivity"),
    ({"seed": 1, "rng": 2}, TypeError, "give one"),
    ({"rng": 1.5}, TypeError, "must be an integer"),
])
def test_bad_keywords_are_refused(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        ClusterModel(firm_scale=0.1, **kwargs)


def test_no_seed_draws_one_and_keeps_it():
    model = ClusterModel(firm_scale=0.1, seed=None)
    assert isinstance(model.seed, int)


def run_example(script: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, str(EXPERIMENTS / script), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_mesa_batch_run_example(tmp_path):
    out = tmp_path / "batch.csv"
    run_example("mesa_batch_run.py", "--quarters", "2", "--firm-scale", "0.1", "--seeds", "1",
                "--processes", "2", "--out", str(out), tmp_path=tmp_path)
    table = pd.read_csv(out)
    assert len(table) == 3  # three ends of the tax break (np.arange) x one seed, last quarter
    assert sorted(table["policies.tax_break.end"]) == [8, 24, 40]
    assert (table["quarter"] == 2).all() and table["JOINT.tech_exports"].gt(0).all()
    # the same run as ClusterModel by hand
    model = ClusterModel(TAX_BREAK, selectivity=0.3, coordination=0.8, firm_scale=0.1, seed=0,
                         **{"policies.tax_break.end": 8})
    for _ in range(2):
        model.step()
    mine = model.datacollector.get_model_vars_dataframe().iloc[-1]
    first = table[table["policies.tax_break.end"] == 8].iloc[0]
    for column in ("AZ.tech_exports", "BY.tech_exports", "JOINT.tech_exports"):
        assert first[column] == pytest.approx(mine[column])


def test_ema_workbench_example(tmp_path):
    out = tmp_path / "ema.csv"
    run_example("ema_workbench_example.py", "--scenarios", "2", "--policies", "1",
                "--seeds", "2", "--quarters", "5", "--firm-scale", "0.1", "--out",
                str(out), tmp_path=tmp_path)
    table = pd.read_csv(out)
    assert len(table) == 2
    assert table["risks_coordination"].between(0, 1).all()
    assert table["risks_implementation"].between(0.2, 1).all()
    # changes from the baseline: the package costs money and raises exports (five quarters:
    # with implementation 0.2 programmes start three quarters late)
    assert table["JOINT_gross_fiscal_cost"].gt(0).all()
    assert table["JOINT_tech_exports"].notna().all()


def test_python_sweep_example(tmp_path):
    proc = run_example("sweep_from_python.py", "--out", str(tmp_path / "s"), "--seeds", "1",
                       "--quarters", "2", "--firm-scale", "0.1", "--workers", "1",
                       tmp_path=tmp_path)
    assert "6 runs" in proc.stdout and "tech exports at the horizon" in proc.stdout


# ------------------------------------------------------------------ parameters by path
SMALL = {"model.firm_scale": 0.1, "model.warmup": 2}


def test_dotted_paths_are_keywords_and_go_through_scenario_with():
    values = {"policies.tax_break.end": np.int64(6), "countries.AZ.admin_barrier": 0.4,
              "risks.coordination": np.float64(0.5), **SMALL}
    model = ClusterModel(TAX_BREAK, rng=2, selectivity=0.5, **values)
    expected = scenario_with(load_scenario(TAX_BREAK), {**values, "model.selectivity": 0.5})
    assert model.spec.policies == expected.policies and model.spec.model == expected.model
    assert model.spec.countries == expected.countries and model.spec.risks == expected.risks
    assert dict(model.spec.policies)["tax_break"]["end"] == 6 and model.params["warmup"] == 2
    assert model.policies[0]["end"] == 6  # the policy the model runs


def test_a_path_to_a_policy_the_scenario_lacks_is_one_clear_error_or_adds_it():
    with pytest.raises(ScenarioError) as exc:
        ClusterModel(TAX_BREAK, **{"policies.sme_subsidy.budget": 5.0}, **SMALL)
    assert str(exc.value).endswith(
        "tax_break.toml: policies.sme_subsidy.budget: the base scenario has no 'sme_subsidy' "
        "policy (it has: tax_break); add_missing_policies=True adds one with its defaults")
    model = ClusterModel(TAX_BREAK, add_missing_policies=True, **SMALL,
                         **{"policies.sme_subsidy.budget": 5.0,
                            "policies.sme_subsidy.country": "AZ"})
    assert [k for k, _ in model.spec.policies] == ["tax_break", "sme_subsidy"]
    added = dict(model.spec.policies)["sme_subsidy"]
    defaults = REGISTRY["sme_subsidy"]().settled_values()
    assert added == {**defaults, "budget": 5.0, "country": "AZ"}
    assert dict(model.spec.policies)["tax_break"] == dict(load_scenario(TAX_BREAK).policies)[
        "tax_break"]


@pytest.mark.parametrize("kwargs, error, fragment", [
    ({"selectivity": 0.5, "model.selectivity": 0.6}, TypeError, "the same parameter"),
    ({"model.selectivty": 0.5}, ScenarioError, "model.selectivty: unknown model parameter"),
    ({"policies.tax_break.end": 0}, ScenarioError,
     r"policies.tax_break.end: 0 is not allowed; expected an integer in \[1, 2000\]"),
    ({"policies.tax_break.end": np.bool_(True)}, ScenarioError, "True is not allowed"),
    ({"policies": [], "policies.tax_break.end": 5}, TypeError, "policy objects and the path"),
    ({"policies.tax_break.start": 9, "policies.tax_break.end": 8}, ScenarioError,
     "policies.tax_break.end: 8 is before start 9"),
    ({"policies.sme_subsidy[0].budget": 5.0, "add_missing_policies": True}, ScenarioError,
     "no 'sme_subsidy' policy .* a path with an index adds none"),
])
def test_bad_paths_and_values_are_refused(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        ClusterModel(TAX_BREAK, **kwargs)


# ------------------------------------------------------------------ mesa.batch_run in process
@pytest.fixture
def restore_start_method():
    """batch_run sets the "spawn" start method for the whole process: put it back."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def small_batch(max_steps: int, **parameters) -> pd.DataFrame:
    return pd.DataFrame(batch_run(ClusterModel, parameters={"scenario": TAX_BREAK, **SMALL,
                                                            **parameters},
                                  rng=[0], max_steps=max_steps, number_processes=1,
                                  data_collection_period=-1, display_progress=False))


def test_batch_run_over_a_numpy_grid_of_paths(restore_start_method):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # in particular no warning about the warm-up
        table = small_batch(2 + 2, add_missing_policies=True,
                            **{"policies.tax_break.end": np.arange(4, 6),
                               "policies.sme_subsidy.budget": [0.0, 5.0]})
    assert len(table) == 4 and (table["quarter"] == 2).all()
    assert sorted(table["policies.tax_break.end"]) == [4, 4, 5, 5]
    # the per-country reporters, and the policy added by path made a difference
    for country in COUNTRY_KEYS:
        assert table[f"{country}.tech_exports"].gt(0).all()
    supported = table.groupby("policies.sme_subsidy.budget")["JOINT.support_share"].mean()
    assert supported[5.0] > supported[0.0]
    by_hand = ClusterModel(TAX_BREAK, rng=0, add_missing_policies=True, **SMALL,
                           **{"policies.tax_break.end": 5, "policies.sme_subsidy.budget": 5.0})
    by_hand.step()
    by_hand.step()
    row = table[(table["policies.tax_break.end"] == 5)
                & (table["policies.sme_subsidy.budget"] == 5.0)].iloc[0]
    last = by_hand.datacollector.get_model_vars_dataframe().iloc[-1]
    assert row["AZ.tech_exports"] == last["AZ.tech_exports"]
    assert row["BY.productivity_growth"] == last["BY.productivity_growth"]


def test_batch_run_within_the_warm_up_warns_that_it_reports_quarter_0(restore_start_method):
    with pytest.warns(UserWarning, match=r"does not go past the warm-up of 2 quarters "
                                         r"\(model.warmup\): it reports quarter 0") as caught:
        table = small_batch(2, **{"risks.coordination": [0.5, 1.0]})
    assert (table["quarter"] == 0).all() and len(table) == 2
    assert len([w for w in caught if "warm-up" in str(w.message)]) == 2  # one per model


def test_reading_the_datacollector_at_quarter_0_yourself_does_not_warn():
    model = ClusterModel(TAX_BREAK, **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert model.datacollector.get_model_vars_dataframe()["quarter"].tolist() == [0]
