"""What a user types and what the project's tracked files see: scenarios by bundled name,
commands that write under runs/ unless told to write the project's files, and the package's
license given as an SPDX expression."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import SCENARIO_DIR

from sim.cli import main
from sim.inputs.scenario import load_scenario, scenario_path

REPO = Path(__file__).resolve().parents[1]


def test_a_bundled_scenario_loads_by_name():
    by_name, by_path = load_scenario("full_package"), load_scenario(
        SCENARIO_DIR / "full_package.toml")
    assert by_name.sha256 == by_path.sha256 and by_name.name == by_path.name
    assert scenario_path("baseline") == SCENARIO_DIR / "baseline.toml"


def test_a_file_in_the_working_folder_wins_over_a_bundled_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("baseline").write_text('name = "mine"\n')
    assert load_scenario("baseline").name == "mine"


def test_an_unknown_name_is_one_line_listing_the_bundled_names(tmp_path, capsys):
    code = main(["run", "no_such_scenario", "--seeds", "1", "--steps", "1", "--out",
                 str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "no_such_scenario" in err and "baseline" in err and "full_package" in err
    assert not (tmp_path / "o").exists()


def test_compare_takes_names(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert main(["compare", "baseline", "sme_subsidy", "--seeds", "1", "--steps", "2",
                 "--workers", "1", "--out", str(out), "--quiet"]) == 0
    assert (out / "compare.md").read_text().startswith("# Scenario comparison against "
                                                       "`baseline`")


def _tracked(paths: list[Path]) -> dict[Path, bytes | None]:
    return {p: p.read_bytes() if p.exists() else None for p in paths}


def test_validate_without_options_writes_under_runs_only(tmp_path, monkeypatch, capsys):
    watched = [REPO / "docs" / "validation.md",
               *sorted((REPO / "docs" / "img").glob("validation_*.png"))]
    before = _tracked(watched)
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--quiet", "--seeds", "1", "--steps", "8"]) == 0
    written = list(tmp_path.glob("runs/validation-*/validation.md"))
    assert len(written) == 1 and (written[0].parent / "img").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]
    assert _tracked(watched) == before
    assert str(written[0].relative_to(tmp_path)) in capsys.readouterr().out


def test_validate_docs_goes_to_the_project_report(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("sim.validation.report.write_validation_report",
                        lambda seeds, steps, out, progress: calls.append(out) or _Stub())
    assert main(["validate", "--quiet", "--docs"]) == 0
    assert calls == [Path("docs/validation.md")]
    with pytest.raises(SystemExit):  # a report cannot go to both places
        main(["validate", "--docs", "--out", str(tmp_path / "v.md")])


class _Stub:
    targets: list = []
    facts: list = []


def test_the_license_is_an_spdx_expression():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert isinstance(project["license"], str) and project["license"] == "MIT"
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))
