"""Values from numpy (np.arange grids, SALib samples, the EMA Workbench's parameters) are
accepted wherever a value is validated, stored as plain Python values, and refused with the same
messages as the Python values they hold."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from sim import ClusterModel, load_results, load_scenario, run_sweep, scenario_with, sweep_from_dict
from sim.experiments.sweep_runner import as_outputs
from sim.inputs.params import MODEL_PARAMS, ParamError
from sim.policies import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
TAX_BREAK = load_scenario(ROOT / "scenarios" / "tax_break.toml")
END = REGISTRY["tax_break"].declared()["end"]  # an integer in [1, 2000]
ENABLED = REGISTRY["tax_break"].declared()["enabled"]
COUNTRY = REGISTRY["tax_break"].declared()["country"]
#: A small, quick model: few firms, a short warm-up.
SMALL = {"model.firm_scale": 0.1, "model.warmup": 1}


@pytest.mark.parametrize(("param", "value", "expected"), [
    (END, np.int64(5), 5),
    (END, np.uint16(5), 5),
    (END, np.float64(5.0), 5),                  # a whole number, as SALib gives after rounding
    (MODEL_PARAMS["selectivity"], np.float32(0.5), 0.5),
    (MODEL_PARAMS["selectivity"], np.int32(1), 1.0),
    (MODEL_PARAMS["selectivity"], np.array(0.25), 0.25),  # a 0-d array
    (ENABLED, np.bool_(False), False),
    (COUNTRY, np.str_("AZ"), "AZ"),
])
def test_numpy_scalars_are_accepted_as_python_values(param, value, expected):
    checked = param.validate(value, "key")
    assert checked == expected and type(checked) is type(expected)


@pytest.mark.parametrize(("param", "value", "python"), [
    (END, np.int64(5000), 5000),                # out of bounds
    (END, np.float64(5.5), 5.5),                # not a whole number
    (END, np.bool_(True), True),                # a boolean is no integer, numpy's neither
    (MODEL_PARAMS["selectivity"], np.bool_(False), False),
    (MODEL_PARAMS["selectivity"], np.float64("nan"), float("nan")),
    (ENABLED, np.int64(1), 1),                  # nor is an integer a boolean
    (COUNTRY, np.str_("XX"), "XX"),
])
def test_bad_numpy_values_get_the_message_of_the_python_value(param, value, python):
    with pytest.raises(ParamError) as numpy_error:
        param.validate(value, "key")
    with pytest.raises(ParamError) as python_error:
        param.validate(python, "key")
    assert str(numpy_error.value) == str(python_error.value)
    assert "np." not in str(numpy_error.value)


def test_ema_workbench_samples_pass_through_scenario_paths():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the Workbench's notes on optional packages
        from ema_workbench import (
            BooleanParameter,
            CategoricalParameter,
            IntegerParameter,
            RealParameter,
        )
        from ema_workbench.em_framework.samplers import LHSSampler

    # the Workbench wants names that are Python identifiers: a model maps them to paths
    paths = {"end": "policies.tax_break.end", "coordination": "risks.coordination",
             "enabled": "policies.tax_break.enabled", "country": "policies.tax_break.country"}
    parameters = [IntegerParameter("end", 4, 40), RealParameter("coordination", 0.0, 1.0),
                  BooleanParameter("enabled"),
                  CategoricalParameter("country", ["AZ", "BY", "both"])]
    samples = [{paths[k]: v for k, v in dict(s).items()}
               for s in LHSSampler().generate_samples(parameters, 3, rng=1)]
    assert any(isinstance(v, np.int64) for s in samples for v in s.values())  # EMA's own type
    for values in samples:
        scenario = scenario_with(TAX_BREAK, values)
        policy = dict(scenario.policies)["tax_break"]
        assert policy["end"] == values["policies.tax_break.end"] and type(policy["end"]) is int
        assert type(scenario.risks["coordination"]) is float
        json.dumps(scenario.resolved())  # stored values are Python's: they serialise as such
    model = ClusterModel(TAX_BREAK, seed=0, **samples[0], **SMALL)  # and run
    model.step()
    assert model.quarter == 1 and model.spec.policies == scenario_with(
        TAX_BREAK, {**samples[0], **SMALL}).policies


def test_a_sweep_defined_with_numpy_values_keeps_python_values():
    sweep = sweep_from_dict({
        "base": "scenarios/tax_break.toml", "seeds": np.int64(2), "steps": np.int64(1),
        "indicators": np.array(["tech_exports"]),
        "design": {"method": np.str_("grid"), "levels": np.int64(3)},
        "fixed": {"model.firm_scale": np.float32(0.5)},
        "vary": {"policies.tax_break.end": np.arange(4, 7),
                 "risks.coordination": {"low": np.float64(0.2), "high": np.int64(1)}},
    }, source="<test>", base_dir=ROOT)
    points = sweep.design().points
    assert [p["policies.tax_break.end"] for p in points[::3]] == [4, 5, 6]
    assert [p["risks.coordination"] for p in points[:3]] == pytest.approx([0.2, 0.6, 1.0])
    assert sweep.seeds == [0, 1] and sweep.levels == 3
    assert {type(v) for p in points for v in p.values()} == {int, float}
    assert sweep.evaluate.outputs.indicators == ("tech_exports",)
    assert type(sweep.base.model["firm_scale"]) is float
    json.dumps(sweep.definition())  # no numpy value reached the stored definition
    with pytest.raises(ValueError, match=r"vary.policies.tax_break.end: 5000 is not allowed"):
        sweep_from_dict({"vary": {"policies.tax_break.end": np.array([4, 5000])},
                         "base": "scenarios/tax_break.toml"}, base_dir=ROOT)
    with pytest.raises(ValueError, match=r"seeds: True is not allowed"):
        sweep_from_dict({"seeds": np.bool_(True)})


def test_salib_samples_run_end_to_end_as_a_list_design(tmp_path):
    from SALib.sample import latin

    problem = {"num_vars": 2, "names": ["risks.coordination", "policies.tax_break.end"],
               "bounds": [[0.0, 1.0], [4.0, 40.0]]}
    matrix = latin.sample(problem, 3, seed=1)
    matrix[:, 1] = np.rint(matrix[:, 1])  # an integer parameter: whole numbers, still floats
    points = [dict(zip(problem["names"], row, strict=True)) for row in matrix]
    assert all(isinstance(v, np.float64) for p in points for v in p.values())
    sweep = sweep_from_dict({"base": "scenarios/tax_break.toml", "seeds": [0], "steps": 1,
                             "fixed": SMALL, "indicators": ["tech_exports"],
                             "countries": ["JOINT"], "design": {"method": "list"},
                             "points": points}, source="<test>", base_dir=ROOT)
    summary = run_sweep(sweep, tmp_path / "s", workers=1)
    assert (summary.ran, summary.failed) == (3, 0)
    results = load_results(tmp_path / "s")
    assert results["policies.tax_break.end"].tolist() == matrix[:, 1].astype(int).tolist()
    assert results["risks.coordination"].tolist() == matrix[:, 0].tolist()
    assert results["value"].gt(0).all()


def test_a_function_may_return_numpy_numbers():
    outputs = as_outputs({"y": np.float32(1.5), "n": np.int64(3)})
    assert outputs["value"] == [1.5, 3.0] and outputs["indicator"] == ["y", "n"]
    with pytest.raises(TypeError, match="expected a mapping of output names to numbers"):
        as_outputs({"flag": np.bool_(True)})
