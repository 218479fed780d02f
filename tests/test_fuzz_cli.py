"""Fuzzing of the command line's arguments (``clustersim ...``, called in this process).

An argument set with at least one bad part (a malformed number, a seed given twice, an unknown
option, a missing value, an output folder that is a file's child, not empty, or unnamable, a
scenario file that is missing, a folder or invalid, an impossible combination of options)
must end with exit code 2 and one line on stderr naming the part at fault, and must leave
every file and folder as it was. An argument set of valid parts must run and write its
complete result. Each case runs in a fresh working folder.

Hypothesis runs derandomized and without an example database, so every run of the suite tries
the same cases. Cases per test (``max_examples``):

====================================  =====
test_bad_argument_sets                 380   run, compare, scorecard, sweep, sensitivity,
                                             list, viz and unknown commands
test_valid_argument_sets                 8   run, compare, scorecard with small valid
                                             options (default output folder, a folder name
                                             that is not UTF-8, --force over a full folder)
====================================  =====
Total: 388 argument sets (with the 739 scenario files of tests/test_fuzz_scenarios.py:
1,127 cases).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from conftest import run_cli, snapshot, toml_text
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.cli import one_line

#: Derandomized, no example database, no deadline; no shrinking either (a failing case is
#: printed as generated: shrinking would rerun valid cases, each a model run and report).
FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow])
#: Tiny valid scenarios: about 30 firms, no warm-up.
TINY = {"model": {"firm_scale": 0.02, "warmup": 0, "steps": 2}}


@dataclass(frozen=True)
class Part:
    """Some argument tokens; ``bad`` ones must be refused with a message holding ``fragment``.
    Tokens may hold ``{dir}``, the case's working folder."""

    tokens: tuple[str, ...]
    bad: bool = False
    fragment: str = ""


def opt(name: str, *values: str, bad: bool = False) -> Part:
    return Part((name, *values), bad, name if bad else "")


# ------------------------------------------------------------------------- numbers as text
def int_in(text: str, low: int, high: int) -> bool:
    """Whether ``text`` is a whole number in [low, high] as Python reads one."""
    try:
        return low <= int(text) <= high
    except ValueError:
        return False


def seed_list_ok(text: str) -> bool:
    """Whether ``text`` is a valid --seed-list (distinct whole numbers in [0, 2**63 - 1])."""
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        return False
    return bool(seeds) and len(set(seeds)) == len(seeds) and all(
        0 <= s < 2**63 for s in seeds) and len(seeds) <= 10_000


def bad_int_text(low: int, high: int) -> st.SearchStrategy:
    """Texts that are not a whole number in [low, high]."""
    return st.one_of(
        st.sampled_from(["", " ", "abc", "1.5", "1e3", "nan", "inf", "-inf", "0x10", "1,2",
                         "٣.٣", "9" * 5000]),
        st.integers(max_value=low - 1).map(str),
        st.integers(min_value=high + 1).map(str),
        st.text(max_size=8),
    ).filter(lambda t: not int_in(t, low, high))


SEED_LISTS_BAD = st.one_of(
    st.sampled_from(["", ",", " , ", "1,,x", "-1", "1,1", "0,2,0", "a", "1;2", "1.0",
                     str(2**63), "0," + "9" * 30]),
    st.lists(st.integers(0, 5), min_size=2, max_size=5).map(lambda s: ",".join(map(str, s))),
    st.text(max_size=10),
).filter(lambda t: not seed_list_ok(t))
UNKNOWN_OPTION = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]),
                         max_size=10).map(lambda t: Part(("--zz" + t,), True, "--zz"))
MISSING_VALUE = st.sampled_from(["--seeds", "--seed-list", "--steps", "--out"]).map(
    lambda o: Part((o,), True, o))


def run_options(workers: bool) -> st.SearchStrategy:
    """Bad and valid options of run, compare and scorecard (a missing value, which only
    the last token can lack, is added at the end by :func:`command_parts`)."""
    bad = [
        bad_int_text(1, 10_000).map(lambda t: opt("--seeds", t, bad=True)),
        SEED_LISTS_BAD.map(lambda t: opt("--seed-list", t, bad=True)),
        bad_int_text(1, 2000).map(lambda t: opt("--steps", t, bad=True)),
        st.sampled_from(["{dir}/blocker/out", "{dir}/full", "{dir}/nul\x00", "{dir}/" + "x" * 300,
                         ".", "..", "{dir}/.."]).map(lambda o: opt("--out", o, bad=True)),
        UNKNOWN_OPTION,
    ]
    if workers:
        bad.append(bad_int_text(1, 256).map(lambda t: opt("--workers", t, bad=True)))
    good = [st.just(opt("--seeds", "1")), st.just(opt("--seed-list", "3")),
            st.just(opt("--steps", "1")), st.just(Part(("--quiet",))),
            st.just(opt("--out", "{dir}/fresh/out"))]
    if workers:
        good.append(st.just(opt("--workers", "1")))
    return st.one_of(*bad, *good)


def scenario_part(fragment_only: bool = True) -> st.SearchStrategy:
    """A scenario path that is missing, a folder, or an invalid file."""
    return st.sampled_from(["{dir}/missing.toml", "{dir}", "{dir}/bad.toml",
                            "{dir}/notutf8.toml", "{dir}/blocker"]).map(
        lambda p: Part((p,), True, p))


GOOD_SCENARIO = Part(("{dir}/a.toml",))
OTHER_SCENARIO = Part(("{dir}/b.toml",))
SAME_NAME = Part(("{dir}/a2.toml",))  # a valid file whose scenario is also named "alpha"


def with_missing_value(cmd: st.SearchStrategy, parts: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(cmd, parts, st.one_of(st.none(), MISSING_VALUE)).map(
        lambda a: (a[0], a[1] + ([a[2]] if a[2] else [])))


def command_parts() -> st.SearchStrategy:
    """A command and a list of parts (options and positionals in any order)."""
    run = with_missing_value(st.just("run"), st.lists(
        st.one_of(run_options(False), scenario_part(), st.just(GOOD_SCENARIO)), max_size=5))
    compare = with_missing_value(st.just("compare"), st.lists(
        st.one_of(run_options(True), scenario_part(), st.just(GOOD_SCENARIO),
                  st.just(OTHER_SCENARIO), st.just(SAME_NAME), st.just(Part(("--all",)))),
        max_size=6))
    scorecard = with_missing_value(st.just("scorecard"), st.lists(
        st.one_of(run_options(True), scenario_part(), st.just(GOOD_SCENARIO),
                  st.just(OTHER_SCENARIO), st.just(SAME_NAME),
                  st.just(Part(("--all",), True, "--all"))), max_size=6))
    definition = st.sampled_from(["{dir}/missing.toml", "{dir}", "{dir}/bad.toml",
                                  "{dir}/notutf8.toml", "{dir}/a.toml"]).map(
        lambda p: Part((p,), True, p))
    sweep_bad = st.one_of(
        st.just(Part(("--resume", "--force"), True, "--resume")),
        st.just(Part(("--retry-failed",), True, "--retry-failed")),
        st.just(Part(("--workers", "1", "--dask-workers", "1"), True, "--dask-workers")),
        bad_int_text(1, 256).map(lambda t: opt("--workers", t, bad=True)),
        bad_int_text(1, 256).map(lambda t: opt("--dask-workers", t, bad=True)),
        UNKNOWN_OPTION)
    sweep_good = st.sampled_from([Part(("--quiet",)), opt("--out", "{dir}/store"),
                                  opt("--workers", "1")])
    sweep = st.tuples(st.just("sweep"), st.tuples(definition, st.lists(
        st.one_of(sweep_bad, sweep_good), max_size=3)).map(lambda a: [a[0], *a[1]]))
    sensitivity_bad = st.one_of(
        sweep_bad, st.text(max_size=8).filter(lambda m: m not in ("morris", "sobol")).map(
            lambda m: opt("--method", m, bad=True)),
        bad_int_text(1, 2**16).map(lambda t: opt("--samples", t, bad=True)))
    sensitivity = st.tuples(st.just("sensitivity"), st.tuples(definition, st.lists(
        st.one_of(sensitivity_bad, sweep_good), max_size=3)).map(lambda a: [a[0], *a[1]]))
    viz = st.tuples(st.just("viz"), st.tuples(
        bad_int_text(1, 65535).map(lambda t: opt("--port", t, bad=True)),
        st.lists(st.sampled_from([opt("--host", "0.0.0.0"), opt("--host", "::1")]),
                 max_size=1)).map(lambda a: [a[0], *a[1]]))
    listing = st.tuples(st.just("list"), st.lists(
        st.one_of(UNKNOWN_OPTION, st.text(min_size=1, max_size=6).filter(
            lambda t: not t.startswith("-")).map(lambda t: Part((t,), True, "unrecognized"))),
        min_size=1, max_size=2))
    unknown = st.tuples(
        st.text(max_size=8).filter(lambda c: c not in (
            "run", "compare", "scorecard", "sweep", "sensitivity", "list", "viz", "validate",
            "evidence", "discover", "brief")
            and not c.startswith("-")),
        st.just([])).map(lambda a: (a[0], [Part((), True, "command")]))
    return st.one_of(run, compare, scorecard, sweep, sensitivity, viz, listing, unknown)


# ------------------------------------------------------------------------- the working folder
def prepare(folder: Path) -> None:
    """Files the parts refer to."""
    (folder / "a.toml").write_text(toml_text({"name": "alpha", **TINY}))
    (folder / "a2.toml").write_text(toml_text({"name": "alpha", **TINY}))  # same name as a
    (folder / "b.toml").write_text(toml_text({"name": "beta", **TINY}))
    (folder / "bad.toml").write_text("[model]\nsteps = -1\n")
    (folder / "notutf8.toml").write_bytes(b"name = \"\xff\"\n")
    (folder / "blocker").write_text("a file, not a folder")
    (folder / "full").mkdir()
    (folder / "full" / "keep.txt").write_text("an earlier result")


def expand(parts: list[Part], folder: Path) -> tuple[list[str], list[str]]:
    """The argument tokens and the fragments of the bad parts, ``{dir}`` filled in."""
    def fill(text: str) -> str:
        return text.replace("{dir}", str(folder))
    tokens = [fill(t) for p in parts for t in p.tokens]
    return tokens, [fill(p.fragment) for p in parts if p.bad]


def bad_combination(command: str, parts: list[Part]) -> list[str]:
    """What a message names when the parts, each valid, do not go together (empty if they
    do): run takes one scenario; compare and scorecard take none (every bundled one) or at
    least two with different names (or any with --all)."""
    positional = [p.tokens[0] for p in parts if p.tokens and not p.tokens[0].startswith("-")]
    if command == "run" and len(positional) != 1:
        return ["the following arguments are required: scenario", "unrecognized arguments"]
    if command in ("compare", "scorecard"):
        everything = any(p.tokens == ("--all",) for p in parts)
        if len(positional) == 1 and not everything:
            return ["needs at least two scenarios"]
        if len(set(positional)) != len(positional) or {"{dir}/a.toml",
                                                        "{dir}/a2.toml"} <= set(positional):
            return ["scenario names must differ"]
    return []


@settings(FUZZ, max_examples=380)
@given(case=command_parts())
def test_bad_argument_sets(case):
    command, parts = case
    combination = bad_combination(command, parts)
    if command in ("run", "compare", "scorecard") and not combination \
            and not any(p.bad for p in parts):
        parts = [*parts, Part(("--zzbad",), True, "--zzbad")]  # valid sets: the next test
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp).resolve()
        prepare(folder)
        tokens, fragments = expand(parts, folder)
        fragments += combination
        before = snapshot(folder)
        with contextlib.chdir(folder):
            code, stdout, err = run_cli([command, *tokens] if command else tokens)
        lines = err.strip().splitlines()
        assert code == 2, f"exit code {code} for {[command, *tokens]}; stderr:\n{err}"
        assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
        assert "Traceback" not in err
        assert "error: " in lines[0]
        assert any(one_line(f) in lines[0] for f in fragments), (
            f"none of {fragments} in: {lines[0]}")
        assert snapshot(folder) == before, "a refused command changed files"


NAMES = st.sampled_from(["alpha", "../../escape", "a/b\\c", "$x$ policy", "", "dots..",
                         ".hidden", "ünïcode name", "x" * 300])


@settings(FUZZ, max_examples=8)  # each writes a whole report folder
@given(command=st.sampled_from(["run", "compare", "compare", "scorecard", "scorecard",
                                "scorecard"]),
       names=st.lists(NAMES, min_size=2, max_size=2, unique=True),
       seeds=st.sampled_from([["--seeds", "1"], ["--seed-list", "4"], ["--seed-list", "0,9"]]),
       steps=st.sampled_from([["--steps", "1"], ["--steps", "2"], []]),
       out=st.sampled_from(["fresh", "empty", "full+force", "default", "undecodable"]),
       quiet=st.booleans())
def test_valid_argument_sets(command, names, seeds, steps, out, quiet):
    """Valid options run and write a complete result; the default output folder is named
    after the scenario but always lands inside runs/."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp).resolve()
        files = []
        for i, name in enumerate(names[: 1 if command == "run" else 2]):
            path = folder / f"s{i}.toml"
            path.write_text(toml_text({"name": name, **TINY}))
            files.append(str(path))
        # a name holding a byte that is not UTF-8, as a command line may give it
        target = folder / (os.fsdecode(b"r\xffsult") if out == "undecodable" else "result")
        options = [*seeds, *steps, "--quiet"] if quiet else [*seeds, *steps]
        if command != "run":
            options += ["--workers", "1"]
        if out == "empty":
            target.mkdir()
        if out == "full+force":
            target.mkdir()
            (target / "old.txt").write_text("old")
            options.append("--force")
        if out != "default":
            options += ["--out", str(target)]
        with contextlib.chdir(folder):
            code, stdout, err = run_cli([command, *files, *options])
        assert code == 0, f"exit code {code}; stderr:\n{err}"
        assert "Traceback" not in err
        if out == "default":
            made = list((folder / "runs").iterdir())
            assert len(made) == 1, made
            target = made[0]
            assert target.parent == folder / "runs" and not target.name.startswith(".")
            assert re.fullmatch(r"[A-Za-z0-9._-]+-\d{8}-\d{6}", target.name), target.name
            assert len(target.name) < 100
        expected = {"run": ["summary.md", "indicators.csv", "plots/overview.png"],
                    "compare": ["compare.md", "compare.csv", "compare.png"],
                    "scorecard": ["scorecard.md", "scorecard.csv", "scorecard.png"]}[command]
        for name in [*expected, "indicators.parquet", "provenance.json"]:
            assert (target / name).is_file(), f"{command} result lacks {name}"
        assert not (target / "old.txt").exists()
        assert one_line(target.name) in stdout
        hidden = [p for p in target.parent.iterdir() if p.name.startswith(".")]
        assert not hidden, f"temporary folders left behind: {hidden}"
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [Path(f).name for f in files] + [target.name if out != "default" else "runs"])
