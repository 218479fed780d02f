"""Output safety of ``run``, ``compare`` and ``scorecard``: results are written to a temporary
folder and moved into place when complete, so an error or Ctrl-C at any moment leaves either
the earlier result (intact) or the complete new one, never a half-written folder that looks
finished; an existing output folder is only replaced with ``--force``."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_usage_error, run_cli, snapshot, toml_text

import sim.reporting.comparison
import sim.reporting.files
import sim.reporting.run_report
import sim.reporting.scorecard_plot
from sim.cli import main

TINY = {"model": {"firm_scale": 0.02, "warmup": 0, "steps": 2}}
#: A writer each command calls after it has written some of its files, before its folder is
#: moved into place; and a file that exists in a complete result.
COMMANDS = {
    "run": (sim.reporting.run_report, "plot_indicators", "summary.md"),
    "compare": (sim.reporting.comparison, "plot_compare", "compare.md"),
    "scorecard": (sim.reporting.scorecard_plot, "plot_scorecard", "scorecard.md"),
}


@pytest.fixture
def setup(tmp_path):
    """Two tiny scenarios and an earlier result in ``tmp_path/out``."""
    a = tmp_path / "a.toml"
    a.write_text(toml_text({"name": "alpha", **TINY}))
    b = tmp_path / "b.toml"
    b.write_text(toml_text({"name": "beta", **TINY}))
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.md").write_text("earlier result")
    (out / "plots").mkdir()
    (out / "plots" / "overview.png").write_bytes(b"earlier plot")
    return a, b, out


def argv(command: str, a: Path, b: Path, out: Path, *extra: str) -> list[str]:
    files = [str(a)] if command == "run" else [str(a), str(b)]
    workers = [] if command == "run" else ["--workers", "1"]
    return [command, *files, "--seeds", "1", "--steps", "1", "--out", str(out), "--quiet",
            *workers, *extra]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_existing_output_needs_force(setup, command):
    a, b, out = setup
    before = snapshot(out.parent)
    code, stdout, err = run_cli(argv(command, a, b, out))
    assert_usage_error(code, err, [str(out), "not empty", "--force"])
    assert snapshot(out.parent) == before, "the earlier result was touched"


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, RuntimeError])
def test_interrupted_writing_keeps_the_earlier_result(setup, monkeypatch, capsys, command,
                                                      interrupt):
    """Ctrl-C or an error in the middle of writing (after some files are written): exit 130
    (Ctrl-C) or the error, the earlier result intact, no temporary folder left."""
    a, b, out = setup
    module, writer, _ = COMMANDS[command]
    seen: list[dict] = []

    def fail_midway(*args, **kwargs):
        temporary = [p for p in out.parent.iterdir() if p.name.startswith(".out.")]
        assert len(temporary) == 1, "no temporary folder is being written"
        seen.append(snapshot(temporary[0]))
        assert seen[-1], "nothing written yet: the interruption is not midway"
        assert (out / "summary.md").read_text() == "earlier result"
        raise interrupt("injected")

    monkeypatch.setattr(module, writer, fail_midway)
    before = snapshot(out.parent)
    if interrupt is KeyboardInterrupt:
        code = main(argv(command, a, b, out, "--force"))
        assert code == 130
        assert "interrupted; no output was written" in capsys.readouterr().err
    else:
        with pytest.raises(RuntimeError, match="injected"):
            main(argv(command, a, b, out, "--force"))
    assert seen, "the writer was not reached"
    assert snapshot(out.parent) == before, "the earlier result changed"
    assert not leftovers(out.parent), f"temporary folders left: {leftovers(out.parent)}"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_no_result_appears_before_it_is_complete(tmp_path, monkeypatch, command):
    """While the files are written, the output path does not exist; afterwards it holds the
    complete result."""
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.write_text(toml_text({"name": "alpha", **TINY}))
    b.write_text(toml_text({"name": "beta", **TINY}))
    out = tmp_path / "new" / "out"
    module, writer, complete = COMMANDS[command]
    original = getattr(module, writer)
    calls = []

    def watching(*args, **kwargs):
        assert not out.exists(), "the output folder appeared before it was complete"
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, writer, watching)
    code, stdout, err = run_cli(argv(command, a, b, out))
    assert code == 0, err
    assert calls
    assert (out / complete).is_file() and (out / "provenance.json").is_file()
    assert not leftovers(out.parent)


def test_failed_move_into_place_restores_the_earlier_result(setup, monkeypatch):
    """Ctrl-C between moving the earlier result aside and moving the new one into place: the
    earlier result is put back."""
    a, b, out = setup
    before = snapshot(out.parent)
    rename = Path.rename

    def rename_then_interrupt(self, target):
        if Path(target) == out and self.name.startswith(".out.") \
                and not self.name.startswith(".out.old-"):
            raise KeyboardInterrupt
        return rename(self, target)

    monkeypatch.setattr(Path, "rename", rename_then_interrupt)
    code, stdout, err = run_cli(argv("compare", a, b, out, "--force"))
    assert code == 130
    assert snapshot(out.parent) == before
    assert not leftovers(out.parent)


def test_force_replaces_the_earlier_result_completely(setup):
    a, b, out = setup
    code, stdout, err = run_cli(argv("compare", a, b, out, "--force"))
    assert code == 0, err
    assert (out / "compare.md").is_file()
    assert not (out / "summary.md").exists() and not (out / "plots").exists(), \
        "files of the earlier result survived next to the new one"
    assert not leftovers(out.parent)


def test_output_filled_during_the_run_is_not_overwritten(setup, monkeypatch):
    """An empty output folder that something else fills while the run goes on is left alone
    (without --force): exit 2, its files intact."""
    a, b, out = setup
    for p in sorted(out.rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    original = sim.reporting.files.write_json

    def fill_meanwhile(obj, path):
        (out / "theirs.txt").write_text("someone else's")
        return original(obj, path)

    monkeypatch.setattr(sim.reporting.files, "write_json", fill_meanwhile)
    code, stdout, err = run_cli(argv("compare", a, b, out))
    assert_usage_error(code, err, [str(out), "--force"])
    assert sorted(p.name for p in out.iterdir()) == ["theirs.txt"]
    assert not leftovers(out.parent)


def test_default_output_folder_stays_in_runs(tmp_path, monkeypatch):
    """Without --out the folder is named after the scenario, made safe: one new folder
    directly inside runs/, whatever separators, '..', null characters or length the name
    has."""
    name = "../../outside/a\x00b/.." + "x" * 400
    scen = tmp_path / "s.toml"
    scen.write_text(toml_text({"name": name, **TINY}))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, stdout, err = run_cli(["run", str(scen), "--seeds", "1", "--steps", "1", "--quiet"])
    assert code == 0, err
    made = list((work / "runs").iterdir())
    assert len(made) == 1 and (made[0] / "summary.md").is_file()
    assert len(made[0].name) < 100 and "\x00" not in made[0].name
    assert sorted(p.name for p in work.iterdir()) == ["runs"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml", "work"]
