"""Fitting an instrument's effect sizes to published evaluations
(sim/validation/evidence_fit.py) and installing them as its defaults
(sim/inputs/policy_fit.py). The model's estimate is replaced by a known function here, so the
search and the bookkeeping are checked exactly; the designs themselves are checked in
test_policy_evidence.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

import sim.validation.evidence_fit as fit
from sim.inputs.params import Param
from sim.inputs.policy_fit import fitted_policy_values, with_fit
from sim.inputs.scenario import ScenarioError

EVIDENCE = """
[[instrument]]
name = "sme_subsidy"
[[instrument.parameter]]
name = "grant_share"
low = 0.0
high = 1.0
shape = "uniform"
basis = "assumed"
{more}
[[instrument.study]]
key = "fitted"
estimate = 30.0
low = 20.0
high = 40.0
use = "fit"
[instrument.study.model]
design = "same_seed"
outcome = "investment"
horizon = 4
[[instrument.study]]
key = "held"
estimate = 99.0
use = "check"
[instrument.study.model]
design = "matched_did"
outcome = "sales"
horizon = 4
"""
SECOND = """[[instrument.parameter]]
name = "project_size"
low = 0.0
high = 1.0
shape = "uniform"
basis = "assumed"
[[instrument.study]]
key = "second"
estimate = 10.0
low = 5.0
high = 15.0
use = "fit"
[instrument.study.model]
design = "per_dollar"
outcome = "sales"
horizon = 4
"""


def fake_estimate(target, seeds, scale, make_model, progress=None):
    """A model whose estimate is 100 x grant_share for the first study, 50 x project_size
    for the second and 0 for the held-out one."""
    v = target.values
    value = {"fitted": 100 * v.get("grant_share", 0.5), "second": 50 * v.get("project_size", 0.5),
             "held": 0.0}[target.study]
    return [value] * len(list(seeds))


@pytest.fixture
def evidence(tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(fit, "estimate", fake_estimate)
    return tmp_path


def test_one_parameter_is_found_by_the_bounded_search(evidence):
    path = evidence / "e.toml"
    path.write_text(EVIDENCE.format(more=""))
    result = fit.fit_instrument("sme_subsidy", [0, 1], 0.1, None, max_evaluations=20,
                                path=path)
    assert result.values["grant_share"] == pytest.approx(0.3, abs=0.01)
    assert result.objective < 1e-3 and len(result.trace) <= 20
    assert [s.key for s in result.fitted] == ["fitted"]
    assert [s.key for s in result.held_out] == ["held"]
    assert result.held_out[0].verdict() == "outside"  # checked at the fitted point: 0 vs 99
    assert "held out: held" in fit.summary(result)


def test_two_parameters_are_found_by_nelder_mead(evidence):
    path = evidence / "e.toml"
    path.write_text(EVIDENCE.format(more=SECOND))
    result = fit.fit_instrument("sme_subsidy", [0], 0.1, None, max_evaluations=80, path=path)
    assert result.values["grant_share"] == pytest.approx(0.3, abs=0.02)
    assert result.values["project_size"] == pytest.approx(0.2, abs=0.02)


def test_an_instrument_without_fit_studies_is_refused(evidence):
    path = evidence / "e.toml"
    path.write_text(EVIDENCE.format(more="").replace('use = "fit"', 'use = "check"'))
    with pytest.raises(fit.EvidenceError, match="use = \"fit\""):
        fit.fit_instrument("sme_subsidy", [0], 0.1, None, path=path)


def test_installed_values_become_the_defaults(evidence):
    path = evidence / "e.toml"
    path.write_text(EVIDENCE.format(more=""))
    result = fit.fit_instrument("sme_subsidy", [0], 0.1, None, max_evaluations=20, path=path)
    installed = evidence / "policy_fit.toml"
    fit.install(result, installed)
    params = (Param("grant_share", 0.5, "share", "x", 0.01, 1.0),
              Param("budget", 2.0, "USD m", "y", 0.0, 10.0))
    declared = with_fit("sme_subsidy", params, installed)
    assert declared["grant_share"].default == pytest.approx(0.3, abs=0.01)
    assert "fitted to fitted" in declared["grant_share"].source
    assert declared["budget"] == params[1]  # not fitted: as declared
    assert with_fit("tax_break", params, installed) == {p.name: p for p in params}


@pytest.mark.parametrize("text, key", [
    ("[sme_subsidy.grant_share]\nvalue = 7.0\n", "sme_subsidy.grant_share"),
    ("[sme_subsidy.nosuch]\nvalue = 0.2\n", "sme_subsidy.nosuch"),
    ("[sme_subsidy.grant_share]\nstudies = []\n", "sme_subsidy.grant_share")])
def test_a_malformed_fit_file_names_the_key(tmp_path, text, key):
    path = tmp_path / "policy_fit.toml"
    path.write_text(text)
    fitted_policy_values.cache_clear()
    with pytest.raises(ScenarioError, match=key.replace(".", r"\.")):
        with_fit("sme_subsidy", (Param("grant_share", 0.5, "share", "x", 0.01, 1.0),), path)
    fitted_policy_values.cache_clear()


def test_calibrate_refuses_instrument_options_without_an_instrument():
    code, _, err = run_cli(["calibrate", "--seeds", "2", "--check"])
    assert code == 2 and "--seeds and --scale go with --instrument" in err
