"""sim.evaluate: flat named outcomes defined and paired as in the scorecard (the same code), the
reference runs cached, and clear errors for bad outcome names, paths and seeds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import SCENARIO_DIR

import sim
import sim.experiments.runs
from sim.experiments.evaluation import REFERENCE_RUNS, scenario_of
from sim.inputs.scenario import ScenarioError, load_scenario
from sim.reporting.comparison import compare
from sim.reporting.scorecard import scorecard

SEEDS = [1, 2, 3]
STEPS = 3
VALUES = {"risks.mistargeting": 2.0, "policies.sme_subsidy.budget": 4.0}
OUTCOMES = ["JOINT.tech_exports", "AZ.productivity_growth", "BY.investment_growth",
            "JOINT.equipment_generation", "BY.gross_fiscal_cost", "JOINT.net_fiscal_cost"]


@pytest.fixture(scope="module")
def base():
    return load_scenario(SCENARIO_DIR / "full_package.toml").with_model(firm_scale=0.1)


@pytest.fixture(scope="module")
def tables(base):
    """The reference and the point run as the scorecard command runs them."""
    point = dataclasses.replace(sim.scenario_with(base, VALUES), name="point")
    return [sim.run_scenario(s, seeds=SEEDS, steps=STEPS) for s in (base, point)]


@pytest.fixture
def count_runs(monkeypatch):
    """Counts model runs (every run goes through sim.experiments.runs.run_model)."""
    calls = []
    real = sim.experiments.runs.run_model

    def counted(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.experiments.runs, "run_model", counted)
    REFERENCE_RUNS.clear()
    yield calls
    REFERENCE_RUNS.clear()


def test_paired_outcomes_equal_the_scorecards_changes(base, tables):
    card = scorecard(tables).set_index(["country", "indicator"])
    wanted = [*OUTCOMES, "JOINT.tech_exports.lo", "JOINT.tech_exports.hi", "AZ.average_wage"]
    # numpy scalars, as the EMA Workbench and np.arange grids give them, are accepted
    values = {"risks.mistargeting": np.float64(2.0), "policies.sme_subsidy.budget": np.int64(4)}
    got = sim.evaluate(base, values, seeds=SEEDS, steps=STEPS, outcomes=wanted,
                       relative_to="base")
    assert list(got) == wanted
    for name in OUTCOMES:
        country, indicator = name.split(".")
        if indicator.endswith("fiscal_cost"):
            assert got[name] == card.loc[(country, "tech_exports"), indicator], name
        else:
            assert got[name] == card.loc[(country, indicator), "diff_median"], name
    assert got["JOINT.tech_exports.lo"] == card.loc[("JOINT", "tech_exports"), "diff_lo"]
    assert got["JOINT.tech_exports.hi"] == card.loc[("JOINT", "tech_exports"), "diff_hi"]
    assert got["JOINT.tech_exports"] != 0.0  # the values changed the run
    # an indicator beyond the scorecard's nine: the comparison's change at the horizon
    cmp = compare(tables).set_index(["country", "indicator"])
    assert got["AZ.average_wage"] == cmp.loc[("AZ", "average_wage"), "diff_median"]


def test_outcomes_are_the_horizon_with_growth_averaged_over_the_run(base, tables):
    t = tables[1].set_index(["seed", "step", "country", "indicator"])["value"]
    got = sim.evaluate(base, VALUES, seeds=SEEDS, steps=STEPS, per_seed=True,
                       outcomes=["AZ.average_wage", "BY.investment_growth", "JOINT.tech_exports",
                                 "AZ.gross_fiscal_cost"])
    for k, seed in enumerate(SEEDS):
        assert got["AZ.average_wage"][k] == t[seed, STEPS, "AZ", "average_wage"]
        growth = [t[seed, q, "BY", "investment_growth"] for q in range(1, STEPS + 1)]
        assert got["BY.investment_growth"][k] == pytest.approx(np.nanmean(growth), rel=1e-12)
        spent = sum(t[seed, q, "AZ", i] for q in range(1, STEPS + 1)
                    for i in ("budget_spent", "tax_foregone"))
        assert got["AZ.gross_fiscal_cost"][k] == pytest.approx(spent, rel=1e-12)
    median = sim.evaluate(base, VALUES, seeds=SEEDS, steps=STEPS, outcomes=["JOINT.tech_exports"])
    assert median["JOINT.tech_exports"] == np.median(got["JOINT.tech_exports"])


def test_reference_runs_are_made_once_per_seed(base, count_runs):
    base = base.with_model(firm_scale=0.05, warmup=1)  # only the number of runs counts here
    kwargs = {"seeds": [4, 5], "steps": 2, "outcomes": ["JOINT.tech_exports"]}
    for mistargeting in (0.5, 1.0, 1.5):
        sim.evaluate(base, {"risks.mistargeting": mistargeting}, relative_to="base", **kwargs)
    assert len(count_runs) == 3 * 2 + 2  # three points, the base once per seed
    assert (REFERENCE_RUNS.runs, REFERENCE_RUNS.hits) == (2, 4)
    # the same content under another name is the same reference; other content is not
    renamed = dataclasses.replace(base, name="other", source="<elsewhere>")
    sim.evaluate(base, {"risks.mistargeting": 2.0}, relative_to=renamed, **kwargs)
    assert len(count_runs) == 8 + 2 and REFERENCE_RUNS.runs == 2
    sim.evaluate(base, {}, relative_to=base.with_risks(coordination=0.5), **kwargs)
    assert len(count_runs) == 10 + 4 and REFERENCE_RUNS.runs == 4
    sim.evaluate(base, {}, relative_to="base", **{**kwargs, "steps": 1})  # another horizon
    assert REFERENCE_RUNS.runs == 6


@pytest.mark.parametrize("name", ["JOINT.tech_export", "EU.tech_exports", "JOINT.tech_exports.p50",
                                  "tech_exports", 42])
def test_a_bad_outcome_name_is_one_message_listing_the_allowed(base, count_runs, name):
    with pytest.raises(ValueError) as err:
        sim.evaluate(base, seeds=1, steps=1, outcomes=["JOINT.firms", name])
    message = str(err.value)
    assert message.startswith(f"unknown outcome {name!r}") and "\n" not in message
    assert "country one of JOINT, AZ, BY" in message and ".lo or .hi" in message
    for allowed in ("support_share", "average_wage", "largest_component_share",
                    "gross_fiscal_cost", "net_fiscal_cost"):
        assert allowed in message
    assert not count_runs  # nothing ran
    if name == "JOINT.tech_export":
        assert "did you mean 'JOINT.tech_exports'?" in message


@pytest.mark.parametrize("kwargs, fragment", [
    ({"values": {"risks.mistarget": 1.0}}, "values: risks.mistarget: unknown risks parameter"),
    ({"values": {"risks.coordination": 1.5}}, "risks.coordination: 1.5 is not allowed"),
    ({"values": {"policies.venture_fund.budget": 1.0}}, "has no 'venture_fund' policy"),
    ({"seeds": 0}, "seeds: 0 is not allowed"),
    ({"seeds": [1, 1]}, "seeds: [1, 1] is not allowed"),
    ({"steps": 0}, "steps: 0 is not allowed"),
    ({"outcomes": []}, "outcomes: an empty list"),
    ({"outcomes": ["JOINT.firms.lo"], "per_seed": True}, "with per_seed=True"),
])
def test_bad_input_is_refused_before_anything_runs(count_runs, kwargs, fragment):
    base = load_scenario(SCENARIO_DIR / "tax_break.toml").with_model(firm_scale=0.1)
    with pytest.raises(ValueError, match=None) as err:
        sim.evaluate(base, **{"seeds": 1, "steps": 1, **kwargs})
    assert fragment in str(err.value)
    assert not count_runs


def test_scenarios_are_given_by_bundled_name_path_or_object():
    assert scenario_of("tax_break").name == "tax_break"
    assert scenario_of(SCENARIO_DIR / "tax_break.toml").policies == \
        scenario_of("tax_break").policies
    with pytest.raises(ScenarioError, match="'tax_brake' is not a bundled scenario; expected "
                       "one of .*tax_break"):
        scenario_of("tax_brake")
