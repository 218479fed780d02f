"""The command line: bad input ends with exit code 2 and one line naming the file, the key and
what is allowed (never a traceback); ``run``, ``compare`` and ``list`` write what they promise."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import BUNDLED, SCENARIO_DIR

from sim import __version__
from sim.cli import main
from sim.indicators import COUNTRY_KEYS, INDICATORS
from sim.inputs.params import COUNTRY_BOUNDS, MODEL_PARAMS
from sim.policies import REGISTRY

CLUSTERSIM = Path(sys.executable).parent / "clustersim"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

#: name -> (file bytes, fragments the one-line error message must contain)
BAD_FILES: dict[str, tuple[bytes, list[str]]] = {
    "unknown_top_key": (b'name = "x"\nfoo = 1\n',
                        ["foo", "unknown key", "allowed", "model", "policies", "countries"]),
    "unknown_model_key": (b"[model]\nbogus = 1\n",
                          ["model.bogus", "unknown key", "allowed", "frontier_growth"]),
    "wrong_type": (b'[model]\nsteps = "ten"\n',
                   ["model.steps", "'ten'", "integer", "[1, 2000]"]),
    "wrong_type_number": (b'[model]\nspillover_rate = "high"\n',
                          ["model.spillover_rate", "'high'", "number", "[0, 1]"]),
    "out_of_range": (b"[model]\nfrontier_growth = 0.5\n",
                     ["model.frontier_growth", "0.5", "[0, 0.05]"]),
    "country_out_of_range": (b"[countries.AZ]\nadmin_barrier = 2.0\n",
                             ["countries.AZ.admin_barrier", "2.0", "[0, 1]"]),
    "unknown_country": (b"[countries.XX]\nadmin_barrier = 0.5\n",
                        ["countries.XX", "unknown key", "AZ", "BY"]),
    "unknown_policy_type": (b'[[policies]]\ntype = "magic"\n',
                            ["policies[0].type", "'magic'", "sme_subsidy", "tax_break",
                             "technopark"]),
    "unknown_policy_parameter": (b'[[policies]]\ntype = "tax_break"\nbogus = 1\n',
                                 ["policies[0].bogus", "tax_break", "allowed", "profit_relief"]),
    "bad_policy_choice": (b'[[policies]]\ntype = "tax_break"\ntarget = "everyone"\n',
                          ["policies[0].target", "'everyone'", "cluster_members", "smes"]),
    "policy_out_of_range": (b'[[policies]]\ntype = "sme_subsidy"\nbudget = 5000.0\n',
                            ["policies[0].budget", "5000", "[0, 1000]"]),
    "bad_policy_country": (b'[[policies]]\ntype = "technopark"\ncountry = "RU"\n',
                           ["policies[0].country", "'RU'", "'AZ'", "'BY'", "'both'"]),
    "bad_toml_syntax": (b"[model\nsteps = 4\n", ["not valid TOML", "line 1"]),
    "non_utf8": (b'name = "\xff\xfe"\n', ["not UTF-8", "byte"]),
}


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_bytes(data)
    return path


def assert_one_line_error(err: str, path: Path | str, fragments: list[str]) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert "Traceback" not in err
    assert lines[0].startswith("clustersim: error: ")
    assert str(path) in lines[0], f"message does not name the file {path}: {lines[0]}"
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} missing from: {lines[0]}"


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["run", "compare"])
def test_bad_scenario_file_exits_2_with_one_line(tmp_path, capsys, name, command):
    data, fragments = BAD_FILES[name]
    path = write(tmp_path, name, data)
    out = tmp_path / "out"
    if command == "run":
        argv = ["run", str(path), "--seeds", "1", "--steps", "1", "--out", str(out), "--quiet"]
    else:
        argv = ["compare", str(SCENARIO_DIR / "baseline.toml"), str(path), "--seeds", "1",
                "--steps", "1", "--out", str(out), "--quiet"]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2
    assert_one_line_error(err, path, fragments)
    assert not out.exists(), "an invalid scenario left an output folder"


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_missing_file_or_directory_exits_2(tmp_path, capsys, kind):
    path = tmp_path / "nothing.toml"
    if kind == "directory":
        path.mkdir()
    code = main(["run", str(path), "--seeds", "1", "--steps", "1", "--out",
                 str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    expected = "no such file" if kind == "missing" else "is a directory"
    assert_one_line_error(err, path, [expected, ".toml"])


@pytest.mark.parametrize("args", [["--seeds", "0"], ["--seeds", "abc"], ["--seeds", "-3"],
                                  ["--seed-list", "1,x"], ["--seed-list", "-1"],
                                  ["--steps", "0"]])
def test_bad_arguments_exit_2_without_traceback(tmp_path, capsys, args):
    argv = ["run", str(SCENARIO_DIR / "baseline.toml"), *args, "--out", str(tmp_path / "o")]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "error: argument" in err and args[0] in err
    assert not (tmp_path / "o").exists()


def test_existing_nonempty_out_folder_is_left_untouched(tmp_path, capsys):
    out = tmp_path / "results"
    out.mkdir()
    keep = out / "keep.txt"
    keep.write_text("precious")
    before = sorted(p.name for p in out.iterdir())
    code = main(["run", str(SCENARIO_DIR / "baseline.toml"), "--seeds", "1", "--steps", "1",
                 "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert_one_line_error(err, out, ["--force"])
    assert sorted(p.name for p in out.iterdir()) == before
    assert keep.read_text() == "precious"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".results")], \
        "a temporary folder was left behind"


def test_installed_command_reports_bad_input_in_a_subprocess(tmp_path):
    assert CLUSTERSIM.exists(), f"{CLUSTERSIM} is not installed"
    data, fragments = BAD_FILES["out_of_range"]
    path = write(tmp_path, "bad", data)
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([str(CLUSTERSIM), "run", str(path), "--seeds", "1", "--steps", "1",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert_one_line_error(proc.stderr, path, fragments)
    proc = subprocess.run([str(CLUSTERSIM), "run", str(path), "--seeds", "abc"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


# ------------------------------------------------------------------------- happy path
def small_copy(tmp_path: Path, stem: str, scale: float = 0.2) -> Path:
    """A copy of a bundled scenario with ``[model] firm_scale`` set."""
    text = (SCENARIO_DIR / f"{stem}.toml").read_text()
    assert "[model]\n" in text
    text = text.replace("[model]\n", f"[model]\nfirm_scale = {scale}\n", 1)
    path = tmp_path / f"{stem}.toml"
    path.write_text(text)
    return path


def test_run_writes_the_report_folder(tmp_path, capsys):
    scen = small_copy(tmp_path, "tax_break")
    out = tmp_path / "run"
    code = main(["run", str(scen), "--seeds", "2", "--steps", "4", "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err
    for name in ("indicators.csv", "indicators.parquet", "summary.md", "provenance.json"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    table = pd.read_csv(out / "indicators.csv")
    assert list(table.columns) == ["scenario", "seed", "step", "country", "indicator", "value"]
    assert set(table["seed"]) == {0, 1} and table["step"].max() == 4
    assert len(table) == 2 * 5 * len(COUNTRY_KEYS) * len(INDICATORS)
    pq = pd.read_parquet(out / "indicators.parquet")
    pd.testing.assert_frame_equal(pq.reset_index(drop=True), table, check_dtype=False)
    plots = sorted((out / "plots").glob("*.png"))
    assert {p.stem for p in plots} >= set(INDICATORS) | {"overview"}
    for p in plots:
        assert p.read_bytes()[:8] == PNG_MAGIC
    assert "tax_break" in (out / "summary.md").read_text()
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["version"] == __version__
    assert prov["seeds"] == [0, 1]
    assert prov["steps"] == 4
    (resolved,) = prov["scenarios"]
    assert resolved["sha256"] == hashlib.sha256(scen.read_bytes()).hexdigest()
    assert resolved["model"]["firm_scale"] == 0.2
    assert set(resolved["model"]) == set(MODEL_PARAMS), "provenance lacks resolved parameters"
    assert set(resolved["countries"]) == {"AZ", "BY"}
    assert set(resolved["countries"]["AZ"]) >= set(COUNTRY_BOUNDS)
    assert resolved["policies"][0]["type"] == "tax_break"
    assert resolved["policies"][0]["target"] == "cluster_members"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run")], \
        "temporary folder left behind"


def test_run_force_replaces_the_folder_and_seed_list(tmp_path, capsys):
    scen = small_copy(tmp_path, "baseline", scale=0.1)
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.txt").write_text("old")
    code = main(["run", str(scen), "--seed-list", "3,7", "--steps", "2", "--out", str(out),
                 "--force", "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert not (out / "old.txt").exists()
    assert set(pd.read_csv(out / "indicators.csv")["seed"]) == {3, 7}
    assert json.loads((out / "provenance.json").read_text())["seeds"] == [3, 7]


def test_compare_writes_the_comparison(tmp_path, capsys):
    base = small_copy(tmp_path, "baseline")
    policy = small_copy(tmp_path, "sme_subsidy")
    out = tmp_path / "cmp"
    code = main(["compare", str(base), str(policy), "--seeds", "2", "--steps", "4",
                 "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    for name in ("compare.md", "compare.csv", "compare.png", "provenance.json"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert (out / "compare.png").read_bytes()[:8] == PNG_MAGIC
    cmp = pd.read_csv(out / "compare.csv")
    assert set(cmp["scenario"]) == {"sme_subsidy"}
    assert {"AZ", "BY", "JOINT"} <= set(cmp["country"])
    row = cmp[(cmp.indicator == "tech_output") & (cmp.country == "JOINT")]
    assert len(row) == 1 and row["gross_fiscal_cost"].iloc[0] > 0
    md = (out / "compare.md").read_text()
    assert "sme_subsidy" in md and "baseline" in md
    prov = json.loads((out / "provenance.json").read_text())
    assert [s["sha256"] for s in prov["scenarios"]] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in (base, policy)]


def test_compare_needs_two_scenarios(tmp_path, capsys):
    code = main(["compare", str(small_copy(tmp_path, "baseline")), "--seeds", "1", "--steps",
                 "1", "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "two scenarios" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_out_below_a_file_exits_2(tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    out = blocker / "results"
    code = main(["run", str(SCENARIO_DIR / "baseline.toml"), "--seeds", "1", "--steps", "1",
                 "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert_one_line_error(err, out, ["not a folder"])
    assert blocker.read_text() == "not a folder"


def test_unwritable_output_is_one_line_not_a_traceback(tmp_path, capsys, monkeypatch):
    """A failure to write (disk full, permissions) ends with one line and exit code 1."""
    import sim.reporting.files

    def fail(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "x"))

    monkeypatch.setattr(sim.reporting.files.tempfile, "mkdtemp", fail)
    code = main(["run", str(SCENARIO_DIR / "baseline.toml"), "--seeds", "1", "--steps", "1",
                 "--out", str(tmp_path / "x"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Permission denied" in err and "Traceback" not in err


def test_list_shows_scenarios_and_policies(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for stem in BUNDLED:
        assert f"{stem}.toml" in out
    for path in SCENARIO_DIR.glob("*.toml"):
        assert path.name in out
    for name, cls in REGISTRY.items():
        assert f"{name}:" in out
        for p in cls.param_specs:
            assert p.name in out
    assert "INVALID" not in out
    assert "frontier_growth" in out
    for name in COUNTRY_BOUNDS:
        assert name in out


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_every_command_has_a_handler():
    """The dispatch table names exactly the parser's commands."""
    import argparse

    from sim.cli import COMMANDS, build_parser

    (sub,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(COMMANDS) == set(sub.choices)


def _own_handler(signum, frame):
    """A SIGTERM handler of the caller's, which ``main`` must leave in place."""


@pytest.mark.parametrize("argv", [["list"], ["run", "missing.toml"]])
def test_main_puts_back_the_sigterm_handler(argv, monkeypatch, capsys):
    """``main`` turns SIGTERM into an exception only while a command runs: afterwards the
    caller's handler is back (in-process callers such as these tests would otherwise turn a
    later SIGTERM into an exception)."""
    import sim.cli.show
    from sim.cli.dispatch import _on_sigterm

    during = []
    real = sim.cli.show.list_text

    def watching():
        during.append(signal.getsignal(signal.SIGTERM))
        return real()

    monkeypatch.setattr(sim.cli.show, "list_text", watching)
    before = signal.getsignal(signal.SIGTERM)
    main(argv)
    assert signal.getsignal(signal.SIGTERM) is before
    original = signal.signal(signal.SIGTERM, _own_handler)
    try:
        main(argv)
        assert signal.getsignal(signal.SIGTERM) is _own_handler
    finally:
        signal.signal(signal.SIGTERM, original)
    assert during == ([_on_sigterm] * 2 if argv == ["list"] else [])


def test_main_puts_back_the_sigterm_handler_after_an_error(monkeypatch):
    import sim.cli.show

    def fail():
        raise RuntimeError("injected")

    monkeypatch.setattr(sim.cli.show, "list_text", fail)
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(RuntimeError, match="injected"):
        main(["list"])
    assert signal.getsignal(signal.SIGTERM) is before


def test_main_with_a_sigterm_handler_not_set_from_python(monkeypatch, capsys):
    """A handler Python cannot see (``getsignal`` gives None) cannot be put back: ``main``
    leaves the default action, and still returns its exit code."""
    original = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(signal, "getsignal", lambda signum: None)
    try:
        assert main(["list"]) == 0
    finally:
        left = signal.signal(signal.SIGTERM, original)
    assert left == signal.SIG_DFL
