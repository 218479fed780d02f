"""Interoperability: ClusterModel built from keyword parameters like any Mesa model,
mesa.batch_run on it, and the EMA Workbench example, each run as users would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim import ClusterModel, load_scenario
from sim.indicators import KEY_INDICATORS
from sim.inputs.scenario import ScenarioError

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
    assert (a.indicator_array() == b.indicator_array()).all()


def test_the_datacollector_reports_the_nine_indicators_every_quarter():
    model = ClusterModel(firm_scale=0.1, rng=1)
    for _ in range(3):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == ["quarter", *KEY_INDICATORS]
    assert frame["quarter"].tolist() == [0, 1, 2, 3]
    joint = model.indicator_array()[:, 2]
    names = model.indicator_names()
    assert frame["tech_exports"].tolist() == joint[:, names.index("tech_exports")].tolist()


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
    assert len(table) == 2  # two selectivities x one seed, the last quarter
    assert sorted(table["selectivity"]) == [0.3, 0.6]
    assert (table["quarter"] == 2).all() and table["tech_exports"].gt(0).all()
    # the same run as ClusterModel by hand
    model = ClusterModel(TAX_BREAK, selectivity=0.3, coordination=0.8, firm_scale=0.1, seed=0)
    for _ in range(2):
        model.step()
    mine = model.datacollector.get_model_vars_dataframe().iloc[-1]["tech_exports"]
    assert table.loc[table.selectivity == 0.3, "tech_exports"].item() == pytest.approx(mine)


def test_ema_workbench_example(tmp_path):
    out = tmp_path / "ema.csv"
    run_example("ema_workbench_example.py", "--scenarios", "2", "--policies", "1",
                "--seeds", "2", "--quarters", "2", "--firm-scale", "0.1", "--out",
                str(out), tmp_path=tmp_path)
    table = pd.read_csv(out)
    assert len(table) == 2
    assert table["risks_coordination"].between(0, 1).all()
    assert table["risks_implementation"].between(0.2, 1).all()
    # changes from the baseline: the package costs money and raises exports
    assert table["JOINT_gross_fiscal_cost"].gt(0).all()
    assert table["JOINT_tech_exports"].notna().all()


def test_python_sweep_example(tmp_path):
    proc = run_example("sweep_from_python.py", "--out", str(tmp_path / "s"), "--seeds", "1",
                       "--quarters", "2", "--firm-scale", "0.1", "--workers", "1",
                       tmp_path=tmp_path)
    assert "6 runs" in proc.stdout and "tech exports at the horizon" in proc.stdout
