"""Fitted values travel with the scenario and the model: no process-wide state changes a result.

Two fits used side by side in one process give each model exactly the results it gives alone;
the declarations keep their assumed defaults; the R&D scale comes from a scenario's fitted
values (not from its own R&D settings, and not from anything set in the process); defaults
declared relative to the R&D scale are resolved when the model is built.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL

from sim import ClusterModel, default_scenario, load_scenario, scenario_with
from sim.inputs.countries import RD_THRESHOLD_BASE, data_values, rd_scale_of
from sim.inputs.fitted import NO_FIT, FittedError, fitted_in_use, load_fitted
from sim.inputs.params import MODEL_PARAMS
from sim.policies import REGISTRY

STEPS = 6


def fit_file(tmp_path, name: str, preference: float, az_rd: float):
    path = tmp_path / f"{name}.toml"
    path.write_text(
        "[values]\n"
        f'"model.search_preference" = {{ value = {preference}, source = "calibrated: {name}" }}\n'
        f'"countries.AZ.rd_intensity_private" = {{ value = {az_rd}, source = "calibrated" }}\n')
    return load_fitted(path)


def scenario_with_fit(fitted, stem: str = "technopark"):
    from conftest import SCENARIO_DIR

    return load_scenario(SCENARIO_DIR / f"{stem}.toml", fitted=fitted).with_model(
        firm_scale=SMALL)


def indicators(model: ClusterModel) -> np.ndarray:
    return model.indicator_array()


def test_two_fits_in_one_process_interleaved_give_each_model_its_own_results(tmp_path):
    """The bug this catches: any fitted value or R&D scale kept in the process (a module
    default rewritten, a global scale) would let one model's fit leak into the other's."""
    fit_a = fit_file(tmp_path, "a", 0.0, 0.004)
    fit_b = fit_file(tmp_path, "b", 2.0, 0.0008)
    spec_a, spec_b = scenario_with_fit(fit_a), scenario_with_fit(fit_b)
    assert spec_a.rd_scale != spec_b.rd_scale
    alone = {}
    for key, spec in (("a", spec_a), ("b", spec_b)):
        model = ClusterModel(spec, seed=3)
        for _ in range(STEPS):
            model.step()
        alone[key] = indicators(model)
    assert not np.array_equal(alone["a"], alone["b"], equal_nan=True), "the fits must differ"
    a, b = ClusterModel(spec_a, seed=3), ClusterModel(spec_b, seed=3)
    for _ in range(STEPS):
        a.step()
        b.step()
    np.testing.assert_array_equal(indicators(a), alone["a"])
    np.testing.assert_array_equal(indicators(b), alone["b"])
    assert a.rd_scale == spec_a.rd_scale and b.rd_scale == spec_b.rd_scale


def test_declarations_keep_the_assumed_defaults_and_scenarios_carry_the_fit(tmp_path):
    fit = fit_file(tmp_path, "c", 1.5, 0.002)
    scenario = default_scenario(fitted=fit)
    assert MODEL_PARAMS["search_preference"].default == 0.0  # never rewritten
    assert scenario.model["search_preference"] == 1.5
    assert scenario.countries["AZ"]["rd_intensity_private"] == 0.002
    assert scenario.countries["BY"]["rd_intensity_private"] == \
        data_values("BY")["rd_intensity_private"]
    assert scenario.fitted is fit
    plain = default_scenario(fitted=NO_FIT)
    assert plain.model["search_preference"] == 0.0
    assert plain.countries["AZ"] == data_values("AZ")
    assert plain.rd_scale == pytest.approx(1.0)  # the assumed intensities: the base scale
    # a scenario's own settings win over the fit
    own = scenario_with(scenario, {"model.search_preference": 0.5})
    assert own.model["search_preference"] == 0.5 and own.fitted is fit


def test_rd_scale_comes_from_the_fitted_intensities_not_the_scenarios_own(tmp_path):
    """A scenario that raises firms' R&D must not raise the R&D bar with it."""
    fit = fit_file(tmp_path, "d", 0.0, 0.0014)
    scenario = default_scenario(fitted=fit)
    by = data_values("BY")["rd_intensity_private"]
    assert scenario.rd_scale == rd_scale_of([0.0014, by])
    assert scenario.rd_scale == pytest.approx((0.0014 + by) / 2 / RD_THRESHOLD_BASE)
    more = scenario_with(scenario, {"countries.AZ.rd_intensity_private": 0.03,
                                    "countries.BY.rd_intensity_private": 0.03})
    assert more.rd_scale == scenario.rd_scale
    assert ClusterModel(more.with_model(firm_scale=0.05), seed=0).rd_scale == scenario.rd_scale


def test_scaled_defaults_are_resolved_when_the_model_is_built(tmp_path):
    """The technopark's entry rule is declared as a multiple of the R&D scale; each model
    resolves it with its own scale, and a value a scenario sets is kept as given."""
    entry = REGISTRY["technopark"].declared()["min_rd_intensity"]
    assert (entry.default, entry.scaled_by) == (0.01, "rd_scale")
    for fit in (fit_file(tmp_path, "e", 0.0, 0.004), fit_file(tmp_path, "f", 0.0, 0.0005)):
        spec = scenario_with_fit(fit, "technopark")
        (kind, values), = spec.policies
        assert kind == "technopark" and "min_rd_intensity" not in values  # not yet resolved
        model = ClusterModel(spec.with_model(firm_scale=0.05), seed=0)
        (policy,) = model.policies
        assert policy["min_rd_intensity"] == round(0.01 * spec.rd_scale, 6)
        assert not policy.pending
    given = scenario_with(scenario_with_fit(fit, "technopark"),
                          {"policies.technopark.min_rd_intensity": 0.02})
    model = ClusterModel(given.with_model(firm_scale=0.05), seed=0)
    assert model.policies[0]["min_rd_intensity"] == 0.02


def test_a_changed_fitted_file_is_read_again(tmp_path, monkeypatch):
    path = tmp_path / "fit.toml"
    path.write_text('[values]\n"model.search_preference" = { value = 0.5 }\n')
    monkeypatch.setenv("CLUSTERSIM_CALIBRATION", str(path))
    assert fitted_in_use().values["model.search_preference"][0] == 0.5
    path.write_text('[values]\n"model.search_preference" = { value = 0.75 }\n')
    assert fitted_in_use().values["model.search_preference"][0] == 0.75
    assert default_scenario().model["search_preference"] == 0.75
    path.write_text('[values]\n"model.search_preference" = { value = 9.0 }\n')
    with pytest.raises(FittedError, match=r"model\.search_preference.*\[0, 3\]"):
        default_scenario()
