"""sim.ema: EMA Workbench parameters typed and bounded by the declarations, and a small
perform_experiments run whose outcomes are those of sim.evaluate for the same inputs."""

from __future__ import annotations

import warnings

import pytest
from conftest import SCENARIO_DIR

import sim
import sim.ema
from sim.inputs.scenario import load_scenario

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="ipyparallel not installed")
    import ema_workbench as ema


@pytest.fixture(scope="module")
def base():
    return load_scenario(SCENARIO_DIR / "full_package.toml").with_model(firm_scale=0.1)


def test_parameters_take_type_and_bounds_from_the_declarations(base):
    model = sim.ema.build_model(
        base,
        uncertainties=["risks.mistargeting", "policies.tax_break.end", "model.search_candidates",
                       "countries.AZ.investment_lag_quarters"],
        levers={"policies.sme_subsidy.budget": (0.5, 4), "policies.sme_subsidy.target": None,
                "policies.certification.enabled": None, "policies.tax_break.country": ["AZ", "BY"]},
        outcomes=["JOINT.tech_exports", "AZ.time_to_market", "JOINT.net_fiscal_cost",
                  "BY.firms"])
    u = {p.variable_name[0]: p for p in model.uncertainties}
    levers = {p.variable_name[0]: p for p in model.levers}
    p = u["risks.mistargeting"]
    assert type(p) is ema.RealParameter and (p.lower_bound, p.upper_bound) == (0.0, 5.0)
    assert p.name == "risks_mistargeting"
    p = u["policies.tax_break.end"]
    assert type(p) is ema.IntegerParameter and (p.lower_bound, p.upper_bound) == (1, 2000)
    assert type(u["model.search_candidates"]) is ema.IntegerParameter
    assert type(u["countries.AZ.investment_lag_quarters"]) is ema.IntegerParameter
    p = levers["policies.sme_subsidy.budget"]
    assert type(p) is ema.RealParameter and (p.lower_bound, p.upper_bound) == (0.5, 4.0)
    p = levers["policies.sme_subsidy.target"]
    assert type(p) is ema.CategoricalParameter
    assert [c.value for c in p.categories] == ["innovative", "productive"]
    assert type(levers["policies.certification.enabled"]) is ema.BooleanParameter
    assert [c.value for c in levers["policies.tax_break.country"].categories] == ["AZ", "BY"]
    kinds = {o.variable_name[0]: o.kind for o in model.outcomes}
    assert kinds == {"JOINT.tech_exports": ema.ScalarOutcome.MAXIMIZE,
                     "AZ.time_to_market": ema.ScalarOutcome.MINIMIZE,
                     "JOINT.net_fiscal_cost": ema.ScalarOutcome.MINIMIZE,
                     "BY.firms": ema.ScalarOutcome.INFO}


@pytest.mark.parametrize("kwargs, fragment", [
    ({"uncertainties": {"risks.coordination": (0.0, 1.5)}},
     "risks.coordination: 1.5 is not allowed; expected a number in [0, 1]"),
    ({"uncertainties": {"risks.coordination": (0.6, 0.2)}}, "low 0.6 is not below high 0.2"),
    ({"uncertainties": ["risks.coordinaton"]}, "risks.coordinaton: unknown risks parameter"),
    ({"levers": {"policies.sme_subsidy.target": ["innovative", "best"]}},
     "'best' is not allowed; expected one of 'innovative', 'productive'"),
    ({"uncertainties": ["risks.monitoring"], "levers": ["risks.monitoring"]},
     "risks.monitoring: both an uncertainty and a lever"),
    ({"outcomes": ["JOINT.tech_export"]}, "unknown outcome 'JOINT.tech_export'"),
])
def test_bad_specifications_are_refused_with_the_path(base, kwargs, fragment):
    with pytest.raises(ValueError) as err:
        sim.ema.build_model(base, **kwargs)
    assert fragment in str(err.value)


def test_perform_experiments_gives_the_outcomes_of_evaluate(base):
    outcomes = ["JOINT.tech_exports", "AZ.productivity_growth", "JOINT.gross_fiscal_cost"]
    settings = {"seeds": [3], "steps": 2, "relative_to": "base"}
    model = sim.ema.build_model(
        base, uncertainties=["risks.mistargeting", "policies.tax_break.end"],
        levers={"policies.sme_subsidy.budget": (0.0, 4.0)}, outcomes=outcomes, **settings)
    experiments, results = ema.perform_experiments(
        model, scenarios=2, policies=1, evaluator=ema.SequentialEvaluator(model))
    assert len(experiments) == 2
    assert experiments["policies_tax_break_end"].between(1, 2000).all()
    parameters = [*model.uncertainties, *model.levers]
    for k, row in experiments.iterrows():
        values = {p.variable_name[0]: row[p.name] for p in parameters}
        direct = sim.evaluate(base, values, outcomes=outcomes, **settings)
        assert {o: results[sim.ema.ema_name(o)][k] for o in outcomes} == direct
    assert results["JOINT_tech_exports"][0] != results["JOINT_tech_exports"][1]
