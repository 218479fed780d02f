"""Sweep definitions: paths validated against the declarations, designs, every example file in
experiments/, and bad input ending in one line and exit code 2 with nothing written."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiments.designs import runs_needed
from sim.experiments.sweep import (
    ModelEvaluator,
    SweepError,
    load_sweep,
    resolve_path,
    scenario_with,
    sweep_from_dict,
)
from sim.inputs.params import MODEL_PARAMS, RISK_PARAMS
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = ROOT / "experiments"
SCENARIOS = ROOT / "scenarios"
FULL = load_scenario(SCENARIOS / "full_package.toml")


def model_sweep(**data) -> dict:
    return {"base": "scenarios/full_package.toml", **data}


def sweep(data: dict):
    return sweep_from_dict(data, source="<test>", base_dir=ROOT)


# ------------------------------------------------------------------------- example files
EXAMPLES = sorted(EXPERIMENTS.glob("*.toml"))


def test_there_are_examples_of_every_kind():
    methods = {load_sweep(p).method for p in EXAMPLES}
    assert {"grid", "lhs", "list", "morris", "sobol"} <= methods
    names = {p.stem for p in EXAMPLES}
    assert {"tax_break_grid", "sme_subsidy_budgets", "coordination_sweep"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_file_validates(path):
    s = load_sweep(path)
    assert s.runs() == len(s.design().points) * len(s.seeds) > 0
    for point in s.design().points:
        if isinstance(s.evaluate, ModelEvaluator):
            s.evaluate.scenario(point)  # every point is a valid scenario
    if s.method in ("morris", "sobol"):  # sensitivity files work with both methods
        other = s.with_method("sobol" if s.method == "morris" else "morris", 32)
        assert other.runs() > 0


def test_every_example_is_in_the_docs():
    docs = (ROOT / "docs" / "experiments.md").read_text()
    for path in [*EXAMPLES, *EXPERIMENTS.glob("*.py")]:
        assert f"`{path.name}`" in docs, f"docs/experiments.md does not list {path.name}"


def test_coordination_example_varies_the_full_package():
    s = load_sweep(EXPERIMENTS / "coordination_sweep.toml")
    assert [p.name for p in s.parameters] == ["risks.coordination"]
    values = [p["risks.coordination"] for p in s.design().points]
    assert values == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert len(s.base.policies) == len(FULL.policies)


def test_subsidy_example_sets_each_countrys_budget():
    s = load_sweep(EXPERIMENTS / "sme_subsidy_budgets.toml")
    point = {"policies.sme_subsidy[0].budget": 4.0, "policies.sme_subsidy[1].budget": 0.0}
    scenario = s.evaluate.scenario(point)
    subsidies = [v for k, v in scenario.policies if k == "sme_subsidy"]
    assert [(v["country"], v["budget"]) for v in subsidies] == [("AZ", 4.0), ("BY", 0.0)]


# ------------------------------------------------------------------------- paths
@pytest.mark.parametrize("path, expected", [
    ("model.selectivity", MODEL_PARAMS["selectivity"]),
    ("risks.coordination", RISK_PARAMS["coordination"]),
])
def test_paths_resolve_to_their_declarations(path, expected):
    _, param = resolve_path(path, FULL)
    assert param is expected


def test_country_and_policy_paths():
    target, param = resolve_path("countries.AZ.admin_barrier", FULL)
    assert (target.country, target.name, param.low, param.high) == ("AZ", "admin_barrier", 0, 1)
    target, param = resolve_path("policies.tax_break.profit_relief", FULL)
    assert FULL.policies[target.index][0] == "tax_break" and param.high == 1.0


def test_scenario_with_sets_values_by_path_and_leaves_the_base_alone():
    s = scenario_with(FULL, {"risks.coordination": 0.25, "policies.sme_subsidy.budget": 3,
                             "countries.BY.vat": 0.1, "model.selectivity": 0.5})
    assert s.risks["coordination"] == 0.25 and s.model["selectivity"] == 0.5
    assert s.countries["BY"]["vat"] == 0.1
    assert dict(s.policies)["sme_subsidy"]["budget"] == 3.0
    assert FULL.risks["coordination"] == 1.0 and dict(FULL.policies)["sme_subsidy"]["budget"] == 2


def test_unquoted_dotted_keys_are_paths_too():
    # TOML reads `risks.coordination = [..]` as nested tables
    s = sweep(model_sweep(vary={"risks": {"coordination": [0.0, 1.0]},
                                "policies.tax_break.end": {"low": 10, "high": 30, "levels": 3}}))
    assert [p.name for p in s.parameters] == ["risks.coordination", "policies.tax_break.end"]
    assert [p["policies.tax_break.end"] for p in s.design().points[:3]] == [10, 20, 30]
    assert len(s.design().points) == 6


def test_ranges_default_to_the_declared_bounds_and_samplers_stay_inside():
    s = sweep(model_sweep(design={"method": "lhs", "samples": 20, "seed": 3},
                          vary={"risks.mistargeting": {}, "policies.tax_break.end": {}}))
    points = s.design().points
    assert len(points) == 20
    assert all(0 <= p["risks.mistargeting"] <= 5 for p in points)
    assert all(isinstance(p["policies.tax_break.end"], int) for p in points)
    assert s.design().points == sweep(model_sweep(
        design={"method": "lhs", "samples": 20, "seed": 3},
        vary={"risks.mistargeting": {}, "policies.tax_break.end": {}})).design().points


def test_sensitivity_designs_need_the_documented_number_of_points():
    vary = {"risks.coordination": {}, "risks.implementation": {}, "risks.monitoring": {}}
    morris = sweep(model_sweep(design={"method": "morris", "samples": 5}, vary=vary))
    assert len(morris.design().points) == runs_needed("morris", 5, 3) == 5 * 4
    sobol = sweep(model_sweep(design={"method": "sobol", "samples": 8}, vary=vary))
    assert len(sobol.design().points) == runs_needed("sobol", 8, 3) == 8 * 8
    first = sweep(model_sweep(design={"method": "sobol", "samples": 8, "second_order": False},
                              vary=vary))
    assert len(first.design().points) == runs_needed("sobol", 8, 3, False) == 8 * 5


def test_list_points_fill_unset_parameters_with_the_base_value():
    s = sweep(model_sweep(design={"method": "list"}, points=[
        {"risks.coordination": 0.0}, {"risks.implementation": 0.5}]))
    assert s.design().points == [{"risks.coordination": 0.0, "risks.implementation": 1.0},
                                 {"risks.coordination": 1.0, "risks.implementation": 0.5}]


def test_an_empty_vary_is_one_point_the_base():
    s = sweep({"seeds": 4})
    assert s.design().points == [{}] and s.runs() == 4


def test_hash_ignores_name_and_follows_what_defines_the_runs():
    a = sweep(model_sweep(name="a", vary={"risks.coordination": [0.0, 1.0]}))
    b = sweep(model_sweep(name="b", description="x", vary={"risks.coordination": [0.0, 1.0]}))
    c = sweep(model_sweep(vary={"risks.coordination": [0.0, 0.5]}))
    d = sweep(model_sweep(vary={"risks.coordination": [0.0, 1.0]}, seeds=2))
    assert a.hash() == b.hash()
    assert len({a.hash(), c.hash(), d.hash()}) == 3
    # the same base values under a fit with another R&D scale are other runs
    import dataclasses

    other = dataclasses.replace(a, base=dataclasses.replace(a.base, rd_scale=a.base.rd_scale * 2))
    assert other.hash() != a.hash()


def test_growth_rates_are_the_scorecards():
    from sim.experiments.point_evaluation import GROWTH_INDICATORS
    from sim.reporting.scorecard import GROWTH_INDICATORS as SCORECARD_GROWTH

    assert GROWTH_INDICATORS == tuple(SCORECARD_GROWTH)


def test_growth_rates_are_averaged_and_levels_taken_at_the_horizon():
    import numpy as np

    from sim.experiments.sweep import Outputs, model_outputs

    names = ["tech_exports", "productivity_growth"]
    array = np.zeros((4, 3, 2))
    array[:, :, 0] = np.arange(4)[:, None]           # a level: 0, 1, 2, 3
    array[:, :, 1] = [[9], [1], [np.nan], [3]]        # a growth rate
    out = model_outputs(array, names, Outputs(tuple(names), ("JOINT",)))
    assert out["indicator"] == names and out["value"].tolist() == [3.0, 2.0]


# ------------------------------------------------------------------------- bad input
BAD = {
    "unknown_path": ({"vary": {"model.nonsense": [1.0]}}, "vary.model.nonsense",
                     ["unknown model parameter", "selectivity"]),
    "unknown_section": ({"vary": {"things.x": [1.0]}}, "vary.things.x", ["a path starts"]),
    "out_of_bounds": ({"vary": {"risks.coordination": [0.5, 1.5]}}, "vary.risks.coordination",
                      ["1.5 is not allowed", "[0, 1]"]),
    "range_out_of_bounds": ({"vary": {"policies.tax_break.profit_relief": {"high": 2}}},
                            "vary.policies.tax_break.profit_relief.high", ["2 is not allowed"]),
    "unknown_policy": ({"vary": {"policies.teleporter.budget": [1.0]}},
                       "vary.policies.teleporter.budget", ["unknown policy type"]),
    "absent_policy": ({"base": "../scenarios/baseline.toml",
                       "vary": {"policies.tax_break.end": [10]}},
                      "vary.policies.tax_break.end", ["has no 'tax_break' policy"]),
    "ambiguous_policy": ({"base": "scenarios/sme_subsidy_each_country.toml",
                          "vary": {"policies.sme_subsidy.budget": [1.0]}},
                         "vary.policies.sme_subsidy.budget",
                         ["2 'sme_subsidy' policies", "policies.sme_subsidy[0].budget"]),
    "policy_index": ({"base": "scenarios/sme_subsidy_each_country.toml",
                      "vary": {"policies.sme_subsidy[2].budget": [1.0]}},
                     "vary.policies.sme_subsidy[2].budget", ["k must be in [0, 1]"]),
    "bad_method": ({"design": {"method": "montecarlo"}}, "design.method", ["'montecarlo'"]),
    "sobol_not_power_of_2": ({"design": {"method": "sobol", "samples": 100},
                              "vary": {"risks.coordination": {}, "risks.monitoring": {}}},
                             "design.samples", ["power of 2"]),
    "lhs_of_a_list": ({"design": {"method": "lhs", "samples": 4},
                       "vary": {"risks.coordination": [0.1, 0.2]}},
                      "vary.risks.coordination", ["lhs samples a range"]),
    "fixed_out_of_bounds": ({"fixed": {"model.firm_scale": 0}}, "fixed.model.firm_scale",
                            ["0 is not allowed"]),
    "unknown_key": ({"seeds": 2, "sedes": 3}, "sedes", ["unknown key"]),
    "bad_seeds": ({"seeds": [1, 1]}, "seeds", ["distinct"]),
    "bad_indicator": ({"indicators": ["happiness"]}, "indicators", ["unknown indicator"]),
    "inconsistent_point": ({"vary": {"policies.tax_break.end": [10, 2000],
                                     "policies.tax_break.start": [1, 20]}}, "sample 1",
                           ["end", "before start"]),
    "missing_base": ({"base": "nowhere.toml"}, "base", ["no such file"]),
}


def write_definition(tmp_path: Path, data: dict) -> Path:
    import json

    data = {"base": "../scenarios/full_package.toml", **data}
    data["base"] = str(EXPERIMENTS / data["base"])  # as if the file were in experiments/
    lines = []
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    for key, value in data.items():
        if key not in tables:
            lines.append(f"{key} = {json.dumps(value)}")
    for name, table in tables.items():
        lines.append(f"[{name}]")
        for key, value in table.items():
            if isinstance(value, dict):
                inner = ", ".join(f"{k} = {json.dumps(v)}" for k, v in value.items())
                lines.append(f'"{key}" = {{{inner}}}')
            else:
                lines.append(f'"{key}" = {json.dumps(value)}')
    path = tmp_path / "sweep.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_definition_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys, name):
    data, key, fragments = BAD[name]
    path = write_definition(tmp_path, data)
    out = tmp_path / "out"
    code = main(["sweep", str(path), "--out", str(out), "--quiet", "--workers", "1"])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"clustersim: error: {path}: {key}: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} missing from {lines[0]}"
    assert not out.exists()


@pytest.mark.parametrize("args, fragment", [
    (["--method", "anova"], "--method anova: expected morris or sobol"),
    (["--method", "sobol", "--samples", "48"], "--samples: 48 is not allowed"),
])
def test_bad_sensitivity_options_exit_2(tmp_path, capsys, args, fragment):
    out = tmp_path / "out"
    code = main(["sensitivity", str(EXPERIMENTS / "full_package_sensitivity.toml"), "--out",
                 str(out), "--quiet", *args])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and fragment in err, err
    assert not out.exists()


def test_sensitivity_of_a_grid_needs_a_method(tmp_path, capsys):
    code = main(["sensitivity", str(EXPERIMENTS / "tax_break_grid.toml"), "--out",
                 str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "give --method morris or --method sobol" in err
    code = main(["sensitivity", str(EXPERIMENTS / "tax_break_grid.toml"), "--method", "morris",
                 "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "morris samples a range" in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_missing_definition_exits_2(tmp_path, capsys, kind):
    path = tmp_path / "nothing.toml"
    if kind == "directory":
        path.mkdir()
    code = main(["sweep", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"clustersim: error: {path}: ")
    assert ("no such file" if kind == "missing" else "is a directory") in err


def test_sweep_errors_are_scenario_errors_naming_the_key():
    with pytest.raises(SweepError) as exc:
        sweep(model_sweep(vary={"risks.coordination": [2.0]}))
    assert exc.value.key == "vary.risks.coordination" and "[0, 1]" in str(exc.value)
    assert math.isfinite(FULL.risks["coordination"])
