"""Sensitivity analysis through the sweep runner and store: Sobol indices of the Ishigami
function and Morris effects of a linear function match their known values, seed replicates
are averaged first, and the command writes a table and a plot per country."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiments.sensitivity import (
    ISHIGAMI_S1,
    ISHIGAMI_ST,
    SensitivityError,
    analyze_store,
    ishigami,
    linear,
    write_sensitivity_report,
)
from sim.experiments.sweep import sweep_from_dict
from sim.experiments.sweep_runner import run_sweep

ROOT = Path(__file__).resolve().parent.parent
PI = math.pi


@pytest.fixture(scope="module")
def ishigami_store(tmp_path_factory) -> Path:
    s = sweep_from_dict({"name": "ishigami", "seeds": [0],
                         "design": {"method": "sobol", "samples": 1024, "seed": 0},
                         "vary": {x: {"low": -PI, "high": PI} for x in ("x1", "x2", "x3")}},
                        evaluate=ishigami)
    out = tmp_path_factory.mktemp("ishigami") / "store"
    summary = run_sweep(s, out, workers=1, sync=False)  # 8,192 runs of a formula
    assert summary.ran == 1024 * 8
    return out


@pytest.fixture(scope="module")
def ishigami_result(ishigami_store):
    return analyze_store(ishigami_store)


def test_sobol_recovers_the_ishigami_indices(ishigami_result):
    result = ishigami_result
    table = result.table.set_index("parameter")
    for x in ("x1", "x2", "x3"):
        assert table.loc[x, "S1"] == pytest.approx(ISHIGAMI_S1[x], abs=0.05), x
        assert table.loc[x, "ST"] == pytest.approx(ISHIGAMI_ST[x], abs=0.05), x
    s2 = result.second_order.set_index(["parameter", "other"])["S2"]
    assert s2["x1", "x3"] == pytest.approx(0.244, abs=0.1)  # the only interaction
    assert abs(s2["x1", "x2"]) < 0.1 and abs(s2["x2", "x3"]) < 0.1


def test_the_report_has_a_table_and_a_plot(ishigami_result, tmp_path):
    result = ishigami_result
    files = write_sensitivity_report(result, tmp_path)
    assert set(files) == {"sensitivity.csv", "sobol_s2.csv", "sensitivity.md",
                          "sensitivity.png"}
    table = pd.read_csv(tmp_path / "sensitivity.csv")
    assert list(table["parameter"]) == ["x1", "x2", "x3"]
    assert (tmp_path / "sensitivity.png").read_bytes()[:4] == b"\x89PNG"
    assert "| `x1` |" in (tmp_path / "sensitivity.md").read_text()


def test_morris_averages_seeds_then_finds_the_linear_effects(tmp_path):
    s = sweep_from_dict({"seeds": [0, 1], "design": {"method": "morris", "samples": 6},
                         "vary": {v: {"low": 0.0, "high": 1.0} for v in ("a", "b", "c")}},
                        evaluate=linear)
    run_sweep(s, tmp_path, workers=1)
    result = analyze_store(tmp_path)
    table = result.table.set_index("parameter")
    # mu* is the effect over the whole range: |3|, |-2| and 0; the seed noise averages out
    assert table["mu_star"].to_dict() == pytest.approx({"a": 3.0, "b": 2.0, "c": 0.0})
    assert table.loc["b", "mu"] == pytest.approx(-2.0)
    assert table["sigma"].abs().max() == pytest.approx(0.0, abs=1e-9)
    assert result.seeds_per_point == (2, 2)


def test_a_grid_store_or_missing_points_cannot_be_analysed(tmp_path):
    s = sweep_from_dict({"vary": {"a": [1.0, 2.0], "b": [0.0], "c": [0.0]}},
                        evaluate=linear)
    run_sweep(s, tmp_path / "grid", workers=1)
    with pytest.raises(SensitivityError, match="needs a morris or sobol design"):
        analyze_store(tmp_path / "grid")
    m = sweep_from_dict({"design": {"method": "morris", "samples": 2},
                         "vary": {v: {"low": 0.0, "high": 1.0} for v in ("a", "b", "c")}},
                        evaluate=linear)
    run_sweep(m, tmp_path / "m", workers=1)
    next((tmp_path / "m" / "runs").glob("s000003-*.parquet")).unlink()
    with pytest.raises(SensitivityError, match="1 of 8 points have no finished run"):
        analyze_store(tmp_path / "m")


def test_the_command_runs_morris_on_the_model(tmp_path, capsys):
    path = tmp_path / "m.toml"
    path.write_text(f"""
name = "m"
base = "{ROOT / 'scenarios' / 'full_package.toml'}"
seeds = 2
steps = 3
countries = ["JOINT", "AZ"]
indicators = ["tech_exports", "time_to_market", "productivity_growth"]
[fixed]
"model.firm_scale" = 0.1
[design]
method = "sobol"
[vary]
"risks.implementation" = {{low = 0.2, high = 1.0}}
"policies.sme_subsidy.budget" = {{low = 0.0, high = 4.0}}
"policies.tax_break.end" = {{low = 1, high = 40}}
""")
    out = tmp_path / "out"
    code = main(["sensitivity", str(path), "--method", "morris", "--samples", "3", "--out",
                 str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert {"sensitivity.csv", "sensitivity.md", "sensitivity_JOINT.png",
            "sensitivity_AZ.png"} <= {p.name for p in out.iterdir()}
    table = pd.read_csv(out / "sensitivity.csv")
    assert len(table) == 2 * 3 * 3  # countries x indicators x parameters
    assert table.loc[table["note"].isna(), "mu_star"].notna().all()
    definition = json.loads((out / "sweep.json").read_text())["definition"]
    assert definition["design"]["method"] == "morris"
    assert len(list((out / "runs").iterdir())) == 3 * 4 * 2  # N(D+1) points x 2 seeds
