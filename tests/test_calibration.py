"""Calibration: the objective's pieces, the definition file, recovery of a known parameter,
the command and the fitted values in use."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import assert_usage_error, run_cli, snapshot

from sim.experiments import calibration as cal
from sim.experiments.calibration_report import install, values_toml, write_outputs
from sim.inputs.countries import country_sources, country_values
from sim.inputs.fitted import BUNDLED_FILE, FittedError, fitted_in_use, load_fitted
from sim.inputs.params import MODEL_PARAMS
from sim.inputs.scenario import default_scenario, fitted_defaults

REPO = Path(__file__).resolve().parent.parent
TARGET = {"name": "x", "country": "AZ", "value": 0.002, "tolerance_kind": "relative",
          "tolerance": 0.5}


# ------------------------------------------------------------------------ objective pieces
def test_target_distance_is_one_at_the_edges_of_the_accepted_range():
    assert cal.target_distance(TARGET, 0.002) == 0.0
    assert cal.target_distance(TARGET, 0.003) == pytest.approx(1.0)
    assert cal.target_distance(TARGET, 0.001) == pytest.approx(-1.0)
    assert cal.target_distance(TARGET, 0.004) > 1.0
    assert cal.target_distance(TARGET, 0.0005) < -1.0
    assert cal.target_distance(TARGET, math.nan) == math.inf


def test_target_distance_for_absolute_and_range_tolerances():
    absolute = {"value": 0.3, "tolerance_kind": "absolute", "tolerance": 0.1}
    assert cal.target_distance(absolute, 0.4) == pytest.approx(1.0)
    assert cal.target_distance(absolute, 0.15) == pytest.approx(-1.5)
    ranged = {"value": 0.01, "tolerance_kind": "range", "low": 0.005, "high": 0.04}
    assert cal.target_distance(ranged, 0.04) == pytest.approx(1.0)
    assert cal.target_distance(ranged, 0.02) == pytest.approx(0.5)  # log-scale
    assert cal.target_distance(ranged, 0.005) == pytest.approx(-1.0)


def test_fact_shortfall_is_one_on_the_criterion_and_zero_with_the_margin():
    fact = {"low": 2.0}
    assert cal.fact_shortfall(fact, 3.0, 0.1) == 0.0
    assert cal.fact_shortfall(fact, 2.2, 0.1) == pytest.approx(0.0)
    assert cal.fact_shortfall(fact, 2.1, 0.1) == pytest.approx(0.5)
    assert cal.fact_shortfall(fact, 2.0, 0.1) == pytest.approx(1.0)
    assert cal.fact_shortfall(fact, 1.6, 0.1) == pytest.approx(3.0)
    assert cal.fact_shortfall({"low": 0.7, "high": 1.3}, 1.43, 0.1) == pytest.approx(2.0)
    assert cal.fact_shortfall({"low": 0.0}, -0.01, 0.1) == pytest.approx(2.0)
    assert cal.fact_shortfall(fact, math.nan, 0.1) == 10.0


@pytest.mark.parametrize("scale", ["linear", "log"])
def test_free_parameter_maps_its_bounds_to_the_unit_interval(scale):
    p = cal.FreeParameter("model.search_preference", 0.01, 3.0, scale)
    for x in (0.01, 0.2, 1.0, 3.0):
        assert p.from_unit(p.to_unit(x)) == pytest.approx(x)
    assert p.from_unit(-1) == pytest.approx(0.01) and p.from_unit(2) == pytest.approx(3.0)
    tied = cal.FreeParameter("countries.AZ.rd_intensity_private", 1e-4, 1e-2, scale,
                             {"countries.AZ.rd_intensity_state": 0.5})
    assert tied.values(0.004) == {"countries.AZ.rd_intensity_private": 0.004,
                                  "countries.AZ.rd_intensity_state": 0.002}


# ------------------------------------------------------------------------ the definition
def test_bundled_definition_loads_and_starts_inside_its_bounds():
    spec = cal.load_calibration()
    assert len(spec.free) >= 5 and spec.seeds and spec.facts
    for p, x in zip(spec.free, spec.start(), strict=True):
        assert p.low <= x <= p.high, p.path
        assert p.why
    scenario = spec.scenario_at(spec.start())
    assert scenario.countries["AZ"]["rd_intensity_state"] == pytest.approx(
        0.5 * scenario.countries["AZ"]["rd_intensity_private"], rel=1e-3)


BAD_DEFINITIONS = [
    ("colour = 1", "colour", "unknown key"),
    ('seeds = [1, 1]', "seeds", "twice"),
    ("seeds = []", "seeds", "1 to 100"),
    ("max_evaluations = 0", "max_evaluations", "[1, 100000]"),
    ("fact_margin = 0", "fact_margin", "[0.01, 1]"),
    ('[free."model.no_such"]\nlow = 0\nhigh = 1', "free.model.no_such", "unknown model"),
    ('[free."model.max_ties"]\nlow = 1\nhigh = 20', "free.model.max_ties", "real-valued"),
    ('[free."model.search_preference"]\nlow = 2\nhigh = 1', "high", "above low"),
    ('[free."model.search_preference"]\nlow = 0\nhigh = 9', "high", "[0, 3]"),
    ('[free."model.search_preference"]\nlow = 0\nhigh = 1\nscale = "log"', "low", "low > 0"),
    ('[free."model.search_preference"]\nlow = 0\nhigh = 1\nscale = "cubic"', "scale",
     "linear, log"),
    ('[free."countries.AZ.fdi_to_tech_share"]\nlow = 0.1\nhigh = 0.9\n'
     'tied = { "countries.BY.fdi_to_tech_share" = 2.0 }', "tied", "allowed range"),
    ('[free."risks.coordination"]\nlow = 0\nhigh = 1', "free.risks.coordination",
     "model.<param>"),
    ("", "free", "at least one free parameter"),
]


@pytest.mark.parametrize(("text", "key", "words"), BAD_DEFINITIONS)
def test_bad_definition_names_file_and_key(tmp_path, text, key, words):
    path = tmp_path / "cal.toml"
    if text and "[free" not in text:  # a valid free parameter, so the bad key is the only fault
        text += '\n[free."model.search_preference"]\nlow = 0\nhigh = 3'
    path.write_text(f'base = "{REPO / "scenarios" / "baseline.toml"}"\n{text}\n')
    with pytest.raises(cal.CalibrationError) as err:
        cal.load_calibration(path)
    assert str(path) in str(err.value) and key in str(err.value) and words in str(err.value)


# ------------------------------------------------------------------------ recovery
SMALL_BASE = """extends = "{baseline}"
[model]
firm_scale = 0.3
steps = 8
"""


def _recovery_files(tmp_path: Path, truth: float, start: float) -> Path:
    """A calibration of one parameter (AZ's private R&D intensity) to a target whose data
    value is the model's own value at ``truth``."""
    base = tmp_path / "small.toml"
    base.write_text(SMALL_BASE.format(baseline=REPO / "scenarios" / "baseline.toml")
                    + f"[countries.AZ]\nrd_intensity_private = {start}\n"
                    f"rd_intensity_state = {start / 2}\n")
    targets = tmp_path / "targets.toml"
    lines = (REPO / "sim" / "data" / "targets.toml").read_text().split("\n[[")
    rd = next(x for x in lines if 'name = "rd_gdp"' in x and 'country = "AZ"' in x)
    targets.write_text("[[" + rd.split("# ---")[0])
    definition = tmp_path / "cal.toml"
    definition.write_text(
        'base = "small.toml"\ntargets = "targets.toml"\nfacts = false\nseeds = [5, 6]\n'
        "steps = 8\nmax_evaluations = 30\ninitial_step = 0.2\n"
        '[free."countries.AZ.rd_intensity_private"]\nlow = 0.0002\nhigh = 0.02\n'
        'scale = "log"\ntied = { "countries.AZ.rd_intensity_state" = 0.5 }\n')
    spec = cal.load_calibration(definition)
    truth_point = cal.evaluate(spec, [truth])
    value = truth_point.moments["rd_gdp:AZ"]
    text = targets.read_text()
    text = text.replace("value = 0.0018", f"value = {value!r}").replace(
        "tolerance = 0.5\n", "tolerance = 0.1\n")
    targets.write_text(text)
    return definition


def test_calibration_recovers_a_known_parameter(tmp_path):
    """Data generated by the model at a known value; the fit from a start three times too
    high lands within 10% of it, and the objective falls from far outside the tolerance to
    well inside it."""
    truth = 0.002
    spec = cal.load_calibration(_recovery_files(tmp_path, truth, start=0.006))
    result = cal.calibrate(spec, workers=1)
    assert result.start.objective > 25  # three times too much R&D: far off
    assert result.best.objective < 0.05
    assert result.best.x[0] == pytest.approx(truth, rel=0.10)
    assert len(result.trace) <= spec.max_evaluations
    objectives = [p.objective for p in result.trace]
    assert min(objectives) == result.best.objective


# ------------------------------------------------------------------------ outputs
def test_outputs_and_install_write_loadable_values(tmp_path):
    spec = cal.load_calibration(_recovery_files(tmp_path, 0.002, start=0.003))
    spec.max_evaluations = 3
    result = cal.calibrate(spec, workers=1)
    folder = tmp_path / "out"
    write_outputs(result, folder, "cal.toml")
    for name in ("calibration.toml", "calibration.md", "trace.csv",
                 "img/calibration_trace.png", "img/calibration_targets.png"):
        assert (folder / name).stat().st_size > 0, name
    assert len((folder / "trace.csv").read_text().splitlines()) == 1 + len(result.trace)
    values = load_fitted(folder / "calibration.toml").values
    best = result.best.x[0]
    assert values["countries.AZ.rd_intensity_private"][0] == pytest.approx(best, rel=1e-3)
    assert values["countries.AZ.rd_intensity_state"][0] == pytest.approx(best / 2, rel=1e-3)
    assert "calibrated" in values["countries.AZ.rd_intensity_private"][1]
    report = (folder / "calibration.md").read_text()
    assert "Nelder-Mead" in report and "R&D expenditure / GDP (AZ)" in report
    docs, data = tmp_path / "docs", tmp_path / "data" / "calibration.toml"
    docs.mkdir()
    written = install(folder, values_file=data, docs=docs)
    assert data in written and (docs / "calibration.md").exists()
    assert (docs / "img" / "calibration_trace.png").exists()
    assert tomllib.loads(values_toml(result, "cal.toml"))["fit"]["points"] == len(result.trace)


def test_cli_writes_the_folder_and_installs_nothing_by_default(tmp_path):
    definition = _recovery_files(tmp_path, 0.002, start=0.003)
    before = BUNDLED_FILE.read_bytes() if BUNDLED_FILE.exists() else None
    out = tmp_path / "fit"
    code, stdout, stderr = run_cli(["calibrate", str(definition), "--max-evaluations", "2",
                                    "--workers", "1", "--out", str(out), "--quiet"])
    assert code == 0, stderr
    assert "J " in stdout and "countries.AZ.rd_intensity_private" in stdout
    assert (out / "calibration.md").exists() and (out / "calibration.toml").exists()
    assert (BUNDLED_FILE.read_bytes() if BUNDLED_FILE.exists() else None) == before
    assert "not installed" in (out / "calibration.md").read_text()
    assert "nothing installed" in stdout and "--install" in stdout


def test_cli_bad_definition_is_one_line_and_changes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'base = "{REPO / "scenarios" / "baseline.toml"}"\nmax_evaluations = -3\n'
                   '[free."model.search_preference"]\nlow = 0\nhigh = 1\n')
    before = snapshot(tmp_path)
    assert_usage_error(*run_cli(["calibrate", str(bad), "--no-install"])[::2],
                       ["bad.toml", "max_evaluations"])
    assert snapshot(tmp_path) == before
    assert_usage_error(*run_cli(["calibrate", str(tmp_path / "missing.toml")])[::2],
                       ["no such file"])
    assert_usage_error(*run_cli(["calibrate", "--max-evaluations", "0"])[::2],
                       ["--max-evaluations"])


def test_check_recomputes_the_installed_objective_and_fails_when_it_moved(tmp_path,
                                                                         monkeypatch):
    """A fit checked right after it was made reproduces its objective exactly (same code,
    seeds and libraries) and passes; the same file with another recorded objective fails
    with exit 1 and says to calibrate again; the versions of the libraries are recorded."""
    definition = _recovery_files(tmp_path, 0.002, start=0.003)
    empty = tmp_path / "none.toml"
    empty.write_text("[values]\n")
    monkeypatch.setenv("CLUSTERSIM_CALIBRATION", str(empty))  # the fit starts from no fit
    spec = cal.load_calibration(definition)
    spec.max_evaluations = 3
    result = cal.calibrate(spec, workers=1)
    folder = tmp_path / "out"
    write_outputs(result, folder, "cal.toml")
    fitted = folder / "calibration.toml"
    fit = tomllib.loads(fitted.read_text())["fit"]
    assert fit["versions"]["numpy"] == np.__version__
    monkeypatch.setenv("CLUSTERSIM_CALIBRATION", str(fitted))
    code, stdout, stderr = run_cli(["calibrate", "--check", str(definition), "--workers", "1"])
    assert code == 0, stdout + stderr
    assert ("+0.0%" in stdout or "-0.0%" in stdout) and "fit holds" in stdout
    recorded = f"objective = {fit['objective']:.6g}"
    moved = fitted.read_text().replace(recorded, f"objective = {fit['objective'] * 1.2:.6g}")
    assert moved != fitted.read_text()
    fitted.write_text(moved)
    code, stdout, _ = run_cli(["calibrate", "--check", str(definition), "--workers", "1"])
    assert code == 1
    assert "no longer holds" in stdout and "clustersim calibrate" in stdout
    # within a looser tolerance the same file passes
    code, _, _ = run_cli(["calibrate", "--check", str(definition), "--workers", "1",
                          "--tolerance", "0.3"])
    assert code == 0


def test_check_without_a_fit_or_with_a_stray_tolerance_is_a_usage_error(tmp_path,
                                                                        monkeypatch):
    monkeypatch.delenv("CLUSTERSIM_CALIBRATION", raising=False)
    assert_usage_error(*run_cli(["calibrate", "--tolerance", "0.1"])[::2], ["--check"])
    assert_usage_error(*run_cli(["calibrate", "--check", "--tolerance", "2"])[::2],
                       ["--tolerance"])
    no_fit = tmp_path / "nofit.toml"
    no_fit.write_text("[values]\n")
    monkeypatch.setenv("CLUSTERSIM_CALIBRATION", str(no_fit))
    assert_usage_error(*run_cli(["calibrate", "--check"])[::2], ["nofit.toml", "[fit]"])


# ------------------------------------------------------------------------ fitted values in use
def test_fitted_values_replace_the_assumed_defaults(tmp_path):
    """The installed fit replaces the defaults of the model parameters and country values it
    names, with their sources, in the scenarios built with it; the calibration starts from
    them; the declarations keep the assumed defaults."""
    values = fitted_in_use().values
    assert values, "sim/data/calibration.toml holds the fitted values"
    scenario = default_scenario()
    defaults = fitted_defaults(scenario.fitted)
    spec = cal.load_calibration()
    free = {p.path for p in spec.free} | {t for p in spec.free for t in p.tied}
    assert set(values) == free | {"model.max_ties"}  # the base scenario's setting
    for path, (value, _) in values.items():
        section, _, rest = path.partition(".")
        if section == "model":
            current, source = defaults[rest].default, defaults[rest].source
            assert scenario.model[rest] == value, path
            assert MODEL_PARAMS[rest].default != value and MODEL_PARAMS[rest].source == "assumed"
        else:
            code, key = rest.split(".")
            current, source = country_values(code)[key], country_sources(code)[key]
            assert scenario.countries[code][key] == value, path
        assert current == value, path
        assert "assumed before" in source
        assert source.startswith("calibrated" if path in free else "set by the base"), path
    assert spec.start() == pytest.approx([values[p.path][0] for p in spec.free])


def test_another_fitted_file_is_used_through_the_environment(tmp_path):
    """CLUSTERSIM_CALIBRATION points every command at another fit (here the installed one
    with another preference for well-connected partners)."""
    other = tmp_path / "fit.toml"
    other.write_text('[values]\n"model.search_preference" = { value = 0.25, source = '
                     '"calibrated elsewhere" }\n')
    script = ("from sim import default_scenario\n"
              "from sim.inputs.scenario import fitted_defaults\n"
              "s = default_scenario()\n"
              "p = fitted_defaults(s.fitted)['search_preference']\n"
              "print(p.default, p.source, s.model['max_ties'], "
              "s.countries['AZ']['rd_intensity_private'])\n")
    env = {**os.environ, "CLUSTERSIM_CALIBRATION": str(other)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                          text=True, cwd=REPO, check=True)
    value, *words = proc.stdout.split()
    assert float(value) == 0.25 and "calibrated elsewhere" in " ".join(words)
    assert int(words[-2]) == 8  # the assumed default: the other file does not set it
    assert float(words[-1]) == 0.004


def test_a_broken_fitted_file_stops_the_command_with_one_line(tmp_path):
    bad = tmp_path / "calibration.toml"
    bad.write_text('[values]\n"model.no_such" = { value = 1.0 }\n')
    for env_value, words in ((str(bad), "not a model parameter"),
                             (str(tmp_path / "none.toml"), "no such file")):
        env = {**os.environ, "CLUSTERSIM_CALIBRATION": env_value}
        proc = subprocess.run([sys.executable, "-m", "sim.cli", "list"], env=env,
                              capture_output=True, text=True, cwd=REPO)
        assert_usage_error(proc.returncode, proc.stderr, [words])


@pytest.mark.parametrize("text", [
    '[values]\n"model.search_preference" = 1.0',
    '[values]\n"model.search_preference" = { value = "high" }',
    '[values]\n"model.search_preference" = { value = nan }',
    "values = 3",
    "[values\n",
])
def test_malformed_fitted_file_is_named(tmp_path, text):
    path = tmp_path / "calibration.toml"
    path.write_text(text)
    with pytest.raises(FittedError, match="calibration.toml"):
        load_fitted(path)


def test_list_marks_fitted_values_with_their_assumed_ones():
    code, out, err = run_cli(["list"])
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.strip().startswith("search_preference ="))
    assert "[fitted; assumed before: 0]" in line
    line = next(x for x in out.splitlines() if x.strip().startswith("rd_intensity_private "))
    assert "AZ [fitted; assumed before: 0.004]" in line
    line = next(x for x in out.splitlines() if x.strip().startswith("steps ="))
    assert "assumed before" not in line


# ------------------------------------------------------------------------ review findings
def test_values_file_reads_back_whatever_the_text_and_keeps_the_base_settings(tmp_path):
    """Line breaks, quotes, backslashes and control characters in a ``why`` survive; values
    an earlier fit installed and the base's own settings are written beside the fitted ones,
    so installing the file gives the model the fit was made with."""
    spec = cal.load_calibration(_recovery_files(tmp_path, 0.002, start=0.003))
    spec.free[0] = cal.FreeParameter(spec.free[0].path, spec.free[0].low, spec.free[0].high,
                                     "log", spec.free[0].tied, 'two\nlines "quoted" \\ \x01\x7f')
    spec.max_evaluations = 2
    result = cal.calibrate(spec, workers=1)
    folder = tmp_path / "out"
    write_outputs(result, folder, "cal.toml")
    values = load_fitted(folder / "calibration.toml").values
    assert values["countries.AZ.rd_intensity_private"][1].endswith(
        'two\nlines "quoted" \\ \x01\x7f')
    for path, (value, _) in fitted_in_use().values.items():  # the installed fit
        if "countries.AZ.rd_intensity" not in path:
            assert values[path][0] == value, path
    assert values["model.max_ties"][0] == 12


def test_a_point_is_evaluated_with_the_r_and_d_thresholds_it_will_have_once_installed(
        monkeypatch):
    """The point's scenario carries the R&D scale its own intensities give (the scale they
    will give every scenario once installed), and the run uses it: nothing is set in the
    process, so the scale in use before and after is the installed one."""
    from sim.inputs.countries import rd_scale_of

    installed = default_scenario().rd_scale
    seen = []
    real = cal.collect_run

    def spy(scenario, seed, steps):
        seen.append(scenario.rd_scale)
        return real(scenario, seed, steps)

    monkeypatch.setattr(cal, "collect_run", spy)
    spec = cal.load_calibration()
    point = scenario_with_rd(spec.scenario_at(spec.start()), 0.004)
    # setting a value on a scenario keeps its scale: only a fit (or a point of one) moves it
    assert point.rd_scale == installed
    point = spec.scenario_at([0.004 if p.path == "countries.AZ.rd_intensity_private" else x
                              for p, x in zip(spec.free, spec.start(), strict=True)])
    by = point.countries["BY"]["rd_intensity_private"]
    assert point.rd_scale == rd_scale_of([0.004, by]) != installed
    cal.simulate(point.with_model(firm_scale=0.2), 1, 8, facts=False)
    assert seen == [rd_scale_of([0.004, by])]
    assert default_scenario().rd_scale == installed


def scenario_with_rd(scenario, value):
    from sim.inputs.parameter_paths import scenario_with

    return scenario_with(scenario, {"countries.AZ.rd_intensity_private": value})


def test_from_unit_stays_within_the_bounds():
    for low, high, scale in ((0.3, 0.9, "linear"), (0.001, 0.45, "log"),
                             (0.0002, 0.01, "log"), (0.1, 0.7, "linear")):
        p = cal.FreeParameter("model.export_share0", low, high, scale)
        assert p.from_unit(0.0) == low and p.from_unit(1.0) == high
        for u in np.linspace(0, 1, 101):
            assert low <= p.from_unit(u) <= high


@pytest.mark.parametrize(("text", "words"), [
    ('[free."model.search_preference"]\nlow = 0.1\nhigh = 1\n'
     'tied = { "model.search_candidates" = 10.0 }', "real-valued"),
    ('[free."model.search_preference"]\nlow = 0.1\nhigh = 1\n'
     'tied = { "risks.coordination" = 0.5 }', "model.<param>"),
])
def test_tied_parameters_are_real_valued_model_or_country_values(tmp_path, text, words):
    path = tmp_path / "cal.toml"
    path.write_text(f'base = "{REPO / "scenarios" / "baseline.toml"}"\n{text}\n')
    with pytest.raises(cal.CalibrationError, match=words):
        cal.load_calibration(path)


def test_the_base_of_a_calibration_has_no_policies(tmp_path):
    path = tmp_path / "cal.toml"
    path.write_text(f'base = "{REPO / "scenarios" / "tax_break.toml"}"\n'
                    '[free."model.search_preference"]\nlow = 0\nhigh = 3\n')
    with pytest.raises(cal.CalibrationError, match="policies or risks"):
        cal.load_calibration(path)


def test_a_zero_model_value_is_far_off_not_close():
    target = {"value": 0.02, "tolerance_kind": "factor", "tolerance": 2.0}
    assert cal.target_distance(target, 0.0) <= cal.target_distance(target, 1e-4) < -1


@pytest.mark.parametrize(("text", "words"), [
    ('"countries.AZ.rd_intensity_privat" = { value = 0.1 }', "not a model parameter"),
    ('"countries.AZ.rd_intensity_private" = { value = 7.0 }', "[0, 0.5]"),
    ('"risks.coordination" = { value = 0.5 }', "not a model parameter"),
    ('model.max_ties = { value = 3 }', "in quotes"),
])
def test_a_bad_fitted_entry_stops_every_command_with_one_line(tmp_path, text, words):
    bad = tmp_path / "calibration.toml"
    bad.write_text(f"[values]\n{text}\n")
    env = {**os.environ, "CLUSTERSIM_CALIBRATION": str(bad)}
    proc = subprocess.run([sys.executable, "-m", "sim.cli", "list"], env=env,
                          capture_output=True, text=True, cwd=REPO)
    assert_usage_error(proc.returncode, proc.stderr, [words, "fix or delete"])
    proc = subprocess.run([sys.executable, "-c", "import sim; sim.ClusterModel()"], env=env,
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode != 0 and "FittedError" in proc.stderr and words in proc.stderr
