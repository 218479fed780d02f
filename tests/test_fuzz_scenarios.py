"""Fuzzing of scenario files through the command line (``clustersim run``, and ``compare``
for the valid ones; in this process).

Every generated file must end in one of two ways: exit code 2 with one line on stderr that
names the file and the key at fault (no traceback, and nothing written where the output would
go), or a valid run whose report folder is complete. Generated valid files are tiny (about 30
firms, no warm-up, one quarter), so a valid case costs a run and its report, not more.

Hypothesis runs derandomized and without an example database, so every run of the suite tries
the same cases. Cases per test (``max_examples``, or the parameter count):

====================================  =====
test_malformed_values_and_keys         450   wrong types, NaN/inf, out-of-range and huge
                                             numbers, negative budgets, unknown keys,
                                             policies, countries and risks, bad tables
test_malformed_bytes                   150   non-UTF-8 bytes, truncated tables, duplicate
                                             keys, garbage appended, huge and deep values
test_bad_extends_chains                120   cycles, missing files, folders, non-strings,
                                             null characters, broken files up the chain
test_unreadable_paths                   11   folders, missing files, devices, symbolic-link
                                             loops, names too long, null or control
                                             characters, undecodable bytes in the name
test_extreme_valid_scenarios_run         8   in-bounds extremes, empty populations,
                                             valid extends chains: these must run
====================================  =====
Total: 739 generated scenario files (with the 388 argument sets of tests/test_fuzz_cli.py:
1,127 cases).
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from conftest import run_cli, toml_text
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.cli import one_line
from sim.inputs.params import COUNTRY_BOUNDS, MODEL_PARAMS, RISK_PARAMS, Param, country_param
from sim.policies import REGISTRY

#: Derandomized, no example database, no deadline; no shrinking either (a failing case is
#: printed as generated: shrinking would rerun valid cases, each a model run and report).
FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
COUNTRY_PARAMS = {name: country_param(name) for name in COUNTRY_BOUNDS}
POLICY_PARAMS = {kind: cls.declared() for kind, cls in REGISTRY.items()}
#: A valid, tiny scenario that every generated file starts from (30 firms, no warm-up).
BASE: dict[str, Any] = {
    "name": "fuzz",
    "model": {"firm_scale": 0.02, "warmup": 0, "steps": 2},
    "risks": {"mistargeting": 0.5},
    "countries": {"AZ": {"admin_barrier": 0.5}},
    "policies": [{"type": "sme_subsidy", "budget": 1.0}, {"type": "tax_break", "country": "AZ"}],
}


@dataclass(frozen=True)
class Edit:
    """One change to a scenario dict: put ``value`` at ``where``; an error it causes names
    ``key``."""

    where: tuple
    value: Any
    key: str


def apply(data: dict[str, Any], edit: Edit) -> None:
    """Put ``edit.value`` at ``edit.where`` in ``data``, making tables and lists on the way."""
    node: Any = data
    for i, step in enumerate(edit.where[:-1]):
        nxt_is_index = isinstance(edit.where[i + 1], int)
        if isinstance(step, int):
            if not isinstance(node, list):
                raise AssertionError("an index below a table")
            while len(node) <= step:
                node.append({"type": "sme_subsidy"})
            if not isinstance(node[step], dict):
                node[step] = {"type": "sme_subsidy"}
            node = node[step]
        else:
            empty: Any = [] if nxt_is_index else {}
            if not isinstance(node.get(step), type(empty)):
                node[step] = empty
            node = node[step]
    last = edit.where[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append({"type": "sme_subsidy"})
    node[last] = edit.value


# ------------------------------------------------------------------------- bad values
HUGE_INTS = st.sampled_from([10**19, -(10**19), 10**400, -(10**400), 2**63, 2**64 + 1])
NON_FINITE = st.sampled_from([math.nan, math.inf, -math.inf])
KEY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1,
                   max_size=12)
WRONG_TYPES = st.one_of(
    st.text(max_size=12), st.lists(st.integers(-5, 5), max_size=3),
    st.dictionaries(st.sampled_from(["a", "value", "low"]), st.integers(0, 3), max_size=2),
    st.booleans())


def bad_number(p: Param) -> st.SearchStrategy:
    """Values a number parameter must refuse."""
    options = [NON_FINITE, HUGE_INTS, st.text(max_size=8), st.booleans(),
               st.lists(st.floats(0, 1), min_size=1, max_size=2),
               st.dictionaries(st.just("value"), st.floats(0, 1), min_size=1)]
    low, high = p.low, p.high
    if low is not None:
        options += [st.floats(max_value=low, allow_nan=False).filter(lambda x: x < low),
                    st.integers(max_value=math.ceil(low) - 1)]
    if high is not None:
        options += [st.floats(min_value=high, allow_nan=False).filter(lambda x: x > high),
                    st.integers(min_value=math.floor(high) + 1)]
    if p.kind is int:
        lo, hi = (low if low is not None else -1e6), (high if high is not None else 1e6)
        options.append(st.floats(lo, hi).filter(lambda x: not x.is_integer()))
    return st.one_of(options)


def bad_value(p: Param) -> st.SearchStrategy:
    """Values parameter ``p`` must refuse (wrong type, out of range, not a choice)."""
    if p.kind is bool:
        return st.one_of(st.integers(0, 1), st.floats(0, 1), st.sampled_from(["true", "yes"]),
                         st.lists(st.booleans(), min_size=1, max_size=2))
    if p.kind is str:
        options = [st.integers(), st.booleans(), st.floats(), st.lists(st.text(max_size=3),
                                                                      max_size=2)]
        if p.choices:
            options.append(st.text(max_size=12).filter(lambda s: s not in p.choices))
        return st.one_of(options)
    return bad_number(p)


def declared_edit(params: dict[str, Param], where: tuple, key: str) -> st.SearchStrategy:
    """A bad value for one of ``params`` (chosen at random) in the section at ``where``."""
    return st.sampled_from(sorted(params)).flatmap(
        lambda name: bad_value(params[name]).map(
            lambda v: Edit((*where, name), v, f"{key}.{name}")))


def unknown_key(where: tuple, key: str, known: Any) -> st.SearchStrategy:
    return KEY_TEXT.filter(lambda k: k not in known).map(
        lambda k: Edit((*where, k), 1.0, f"{key}.{k}" if key else k))


SLOT = st.integers(0, 2)  # the base has two policies; slot 2 appends one


def policy_edit() -> st.SearchStrategy:
    """A policy of a random type with one bad parameter, in a random slot."""
    def build(kind: str, slot: int) -> st.SearchStrategy:
        params = POLICY_PARAMS[kind]
        return st.sampled_from(sorted(params)).flatmap(lambda name: bad_value(
            params[name]).map(lambda v: Edit(("policies", slot), {"type": kind, name: v},
                                             f"policies[{slot}].{name}")))
    return st.tuples(st.sampled_from(sorted(REGISTRY)), SLOT).flatmap(lambda a: build(*a))


def negative_budget() -> st.SearchStrategy:
    kinds = sorted(k for k, ps in POLICY_PARAMS.items() if "budget" in ps)
    return st.tuples(st.sampled_from(kinds), SLOT, st.floats(max_value=-1e-12,
                                                             allow_nan=False)).map(
        lambda a: Edit(("policies", a[1]), {"type": a[0], "budget": a[2]},
                       f"policies[{a[1]}].budget"))


def policy_type_edit() -> st.SearchStrategy:
    bad_type = st.one_of(KEY_TEXT.filter(lambda t: t not in REGISTRY), st.integers(),
                         st.lists(st.sampled_from(sorted(REGISTRY)), max_size=2),
                         st.dictionaries(st.just("type"), st.just("tax_break"), min_size=1),
                         st.booleans(), st.floats())
    return st.tuples(SLOT, bad_type).map(
        lambda a: Edit(("policies", a[0]), {"type": a[1]}, f"policies[{a[0]}].type"))


def unknown_policy_key() -> st.SearchStrategy:
    """Unknown policy keys, including names Python would take as arguments of the call."""
    special = st.sampled_from(["self", "values", "kwargs", "__class__", "name", "weight", ""])
    return st.tuples(st.sampled_from(sorted(REGISTRY)), SLOT,
                     st.one_of(special, KEY_TEXT)).filter(
        lambda a: a[2] not in POLICY_PARAMS[a[0]] and a[2] != "type").map(
        lambda a: Edit(("policies", a[1]), {"type": a[0], a[2]: 1},
                       f"policies[{a[1]}].{a[2]}"))


def end_before_start() -> st.SearchStrategy:
    return st.tuples(st.sampled_from(sorted(REGISTRY)), SLOT, st.integers(2, 2000)).flatmap(
        lambda a: st.integers(1, a[2] - 1).map(lambda end: Edit(
            ("policies", a[1]), {"type": a[0], "start": a[2], "end": end},
            f"policies[{a[1]}].end")))


def structure_edit() -> st.SearchStrategy:
    """A section of the wrong kind: a table that is not a table, a list that is not a list."""
    not_table = st.one_of(st.integers(), st.text(max_size=5), st.lists(st.integers(),
                                                                       max_size=2))
    not_list = st.one_of(st.integers(), st.text(max_size=5), st.dictionaries(
        st.just("type"), st.just("sme_subsidy"), min_size=1))
    not_str = st.one_of(st.integers(), st.floats(), st.booleans(), st.lists(st.text(
        max_size=3), max_size=2), st.dictionaries(st.just("a"), st.integers(), max_size=1))
    return st.one_of(
        st.tuples(st.sampled_from(["model", "risks", "countries"]), not_table).map(
            lambda a: Edit((a[0],), a[1], a[0])),
        not_list.map(lambda v: Edit(("policies",), v, "policies")),
        st.tuples(SLOT, not_table).map(
            lambda a: Edit(("policies", a[0]), a[1], f"policies[{a[0]}]")),
        st.tuples(st.sampled_from(["AZ", "BY"]), not_table).map(
            lambda a: Edit(("countries", a[0]), a[1], f"countries.{a[0]}")),
        st.tuples(st.sampled_from(["name", "description"]), not_str).map(
            lambda a: Edit((a[0],), a[1], a[0])))


MALFORMED = st.one_of(
    declared_edit(MODEL_PARAMS, ("model",), "model"),
    declared_edit(RISK_PARAMS, ("risks",), "risks"),
    st.sampled_from(["AZ", "BY"]).flatmap(
        lambda c: declared_edit(COUNTRY_PARAMS, ("countries", c), f"countries.{c}")),
    policy_edit(), negative_budget(), policy_type_edit(), unknown_policy_key(),
    end_before_start(), structure_edit(),
    unknown_key((), "", ("name", "description", "model", "risks", "countries", "policies",
                         "extends")),
    unknown_key(("model",), "model", MODEL_PARAMS),
    unknown_key(("risks",), "risks", RISK_PARAMS),
    st.sampled_from(["AZ", "BY"]).flatmap(
        lambda c: unknown_key(("countries", c), f"countries.{c}", COUNTRY_BOUNDS)),
    KEY_TEXT.filter(lambda c: c not in ("AZ", "BY")).map(
        lambda c: Edit(("countries", c), {"vat": 0.1}, f"countries.{c}")),
)


# ------------------------------------------------------------------------- the checks
def argv(path: Path | str, out: Path, command: str = "run") -> list[str]:
    """``run`` the scenario, or ``compare`` it with a tiny reference (a cheaper valid case:
    one plot instead of one per indicator)."""
    if command == "compare":
        return ["compare", str(Path(path).parent / "reference.toml"), str(path), "--seeds", "1",
                "--steps", "1", "--out", str(out), "--quiet", "--workers", "1"]
    return ["run", str(path), "--seeds", "1", "--steps", "1", "--out", str(out), "--quiet"]


#: What a complete result holds, per command.
COMPLETE = {"run": ("summary.md", "indicators.csv", "indicators.parquet", "provenance.json",
                    "plots/overview.png"),
            "compare": ("compare.md", "compare.csv", "compare.png", "indicators.parquet",
                        "provenance.json")}


def check_outcome(code: int, stdout: str, err: str, folder: Path, out: Path,
                  files: list[Path], fragments: list[str], command: str = "run") -> str:
    """Exit 2 with one line naming a file and a fragment (nothing written), or a complete
    run. Returns ``"error"`` or ``"ran"``."""
    assert "Traceback" not in err + stdout
    if code == 0:
        for name in COMPLETE[command]:
            assert (out / name).is_file(), f"a valid run lacks {name}"
        table = pd.read_parquet(out / "indicators.parquet")
        assert set(table["step"]) == {0, 1}
        leftovers = [p.name for p in folder.iterdir() if p.name.startswith(f".{out.name}")]
        assert not leftovers, f"temporary folders left behind: {leftovers}"
        return "ran"
    lines = err.strip().splitlines()
    assert code == 2, f"exit code {code}; stderr:\n{err}"
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    line = lines[0]
    assert line.startswith("clustersim: error: "), line
    assert any(one_line(str(f)) in line for f in files), f"no file named in: {line}"
    assert any(one_line(f) in line for f in fragments), (
        f"none of {fragments} in: {line}")
    assert not out.exists(), "an invalid scenario left an output folder"
    assert not [p for p in folder.iterdir() if p.name.startswith(".")], \
        "an invalid scenario left a temporary folder"
    return "error"


def run_file(text: bytes | str, fragments: list[str], extra: dict[str, bytes | str] | None
             = None, command: str = "run") -> str:
    """Write the scenario (and ``extra`` files beside it) to a fresh folder and run it."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp).resolve()
        path = folder / "fuzz.toml"
        files = [path]
        reference = toml_text({**BASE, "name": "reference", "policies": []})
        for name, content in {"fuzz.toml": text, "reference.toml": reference,
                              **(extra or {})}.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode() if isinstance(content, str) else content)
            files.append(target)
        out = folder / "out"
        code, stdout, err = run_cli(argv(path, out, command))
        return check_outcome(code, stdout, err, folder, out, files, fragments, command)


# ------------------------------------------------------------------------- the tests
@settings(FUZZ, max_examples=450)
@given(edits=st.lists(MALFORMED, min_size=1, max_size=3))
def test_malformed_values_and_keys(edits):
    data = copy.deepcopy(BASE)
    for edit in edits:
        apply(data, edit)
    outcome = run_file(toml_text(data), [e.key for e in edits])
    assert outcome == "error", f"a malformed scenario ran: {data}"


def _broken_line(text: str) -> st.SearchStrategy:
    """A position inside a line that opens an inline table or array: cutting there leaves it
    unclosed."""
    starts = [i for i, line in enumerate(text.splitlines(keepends=True))
              if "{" in line or "[" in line]
    lines = text.splitlines(keepends=True)

    def cut(a: tuple[int, float]) -> str:
        index = starts[a[0] % len(starts)]
        line = lines[index]
        opening = min(i for i in (line.find("{"), line.find("[")) if i >= 0)
        pos = opening + 1 + int(a[1] * (len(line.rstrip("\n")) - opening - 2))
        return "".join(lines[:index]) + line[:pos]

    return st.tuples(st.integers(0, 100), st.floats(0, 1)).map(cut)


BASE_TEXT = toml_text(BASE)
MODEL_OPEN = '"model" = {'
assert MODEL_OPEN in BASE_TEXT
NEVER_UTF8 = st.sampled_from([b"\xff", b"\xfe", b"\xc0", b"\xc1", b"\xf5", b"\xf8"])


def _insert(text: str, pos: float, junk: bytes) -> bytes:
    raw = text.encode()
    cut = int(pos * len(raw))
    return raw[:cut] + junk + raw[cut:]


MALFORMED_BYTES = st.one_of(
    # undecodable bytes somewhere (each holds a byte that no UTF-8 text holds)
    st.tuples(st.floats(0, 1), st.lists(NEVER_UTF8, min_size=1, max_size=3),
              st.binary(max_size=6)).map(
        lambda a: (_insert(BASE_TEXT, a[0], a[2] + b"".join(a[1])), ["not UTF-8"])),
    # a byte-order mark and Latin-1 text
    st.just((b"\xef\xbb\xbf" + 'name = "caf\xe9"\n'.encode("latin-1"),
             ["not UTF-8", "not valid TOML"])),
    # an inline table or array cut open
    _broken_line(BASE_TEXT).map(lambda t: (t, ["not valid TOML"])),
    # the same key twice: top level, in a table, and a table given twice
    st.sampled_from(["name", "model", "risks", "policies"]).map(
        lambda k: (BASE_TEXT + f"{k} = 1\n", ["not valid TOML"])),
    st.sampled_from(sorted(MODEL_PARAMS)).map(
        lambda k: (BASE_TEXT.replace(MODEL_OPEN, f"{MODEL_OPEN}{k} = 1, {k} = 2, ", 1),
                   ["not valid TOML"])),
    st.just((BASE_TEXT + "[countries.BY]\nvat = 0.1\n[countries.BY]\nvat = 0.2\n",
             ["not valid TOML"])),
    # garbage lines appended (a line starting with '=' is never valid TOML)
    st.text(max_size=30).map(lambda t: (BASE_TEXT + "= " + t + "\n", ["not valid TOML"])),
    st.binary(min_size=1, max_size=30).map(
        lambda b: (BASE_TEXT.encode() + b"\n=" + b, ["not valid TOML", "not UTF-8"])),
    # numbers Python will not convert, and nesting Python cannot follow
    st.sampled_from(sorted(MODEL_PARAMS)).map(
        lambda k: (BASE_TEXT.replace(MODEL_OPEN, f"{MODEL_OPEN}{k} = {'9' * 5000}, ", 1),
                   ["not valid TOML", f"model.{k}"])),
    st.integers(1000, 3000).map(
        lambda n: (BASE_TEXT + "deep = " + "[" * n + "]" * n + "\n",
                   ["not valid TOML", "deep"])),
    st.integers(500, 1500).map(
        lambda n: (BASE_TEXT + "deep = " + "{a = " * n + "1" + "}" * n + "\n",
                   ["not valid TOML", "deep"])),
    # a huge string value
    st.integers(10_000, 200_000).map(
        lambda n: (BASE_TEXT + f'model2 = "{"x" * n}"\n', ["model2"])),
    # TOML values of kinds JSON has not: dates and times
    st.sampled_from(["1979-05-27", "07:32:00", "1979-05-27T07:32:00Z"]).flatmap(
        lambda d: st.sampled_from(["max_ties", "frontier_start"]).map(
            lambda k: (BASE_TEXT.replace(MODEL_OPEN, f"{MODEL_OPEN}{k} = {d}, ", 1),
                       [f"model.{k}"]))),
)


@settings(FUZZ, max_examples=150)
@given(case=MALFORMED_BYTES)
def test_malformed_bytes(case):
    content, fragments = case
    assert run_file(content, fragments) == "error"


#: How a link of an extends chain is broken: (the link's extends value or None for "make it
#: with the file system", what the message names).
BREAKS = ("cycle", "self", "missing", "directory", "not_string", "empty", "null", "too_long",
          "invalid_parent", "non_utf8_parent", "absolute_directory", "bad_value_up_the_chain")


@settings(FUZZ, max_examples=120)
@given(length=st.integers(1, 5), broken=st.integers(0, 4), how=st.sampled_from(BREAKS),
       target=st.integers(0, 4), not_string=st.one_of(st.integers(), st.booleans(),
                                                     st.lists(st.just("a.toml"), max_size=2),
                                                     st.dictionaries(st.just("a"),
                                                                     st.just("b.toml"))))
def test_bad_extends_chains(length, broken, how, target, not_string):
    """A chain fuzz.toml -> p1.toml -> ... -> p<length>.toml with one link broken."""
    broken %= length + 1
    names = ["fuzz.toml"] + [f"sub{i % 2}/p{i}.toml" for i in range(1, length + 1)]
    files: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(names):
        data: dict[str, Any] = {"model": {"steps": 2 + i}} if i else copy.deepcopy(BASE)
        if i < length:
            data["extends"] = os.path.relpath(names[i + 1], os.path.dirname(name) or ".")
        files[name] = data
    here = files[names[broken]]
    fragments = ["extends"]
    extra: dict[str, bytes | str] = {}
    if how == "cycle":
        here["extends"] = os.path.relpath(names[target % (broken + 1)],
                                          os.path.dirname(names[broken]) or ".")
        fragments.append("circle")
    elif how == "self":
        here["extends"] = os.path.basename(names[broken])
    elif how == "missing":
        here["extends"] = "nowhere/missing.toml"
    elif how == "directory":
        here["extends"] = "folder.toml"
        extra["folder.toml/keep"] = ""
        extra[f"{os.path.dirname(names[broken]) or '.'}/folder.toml/keep"] = ""
    elif how == "not_string":
        here["extends"] = not_string
    elif how == "empty":
        here["extends"] = ""
    elif how == "null":
        here["extends"] = "p\x00.toml"
    elif how == "too_long":
        here["extends"] = "x" * 300 + ".toml"
    elif how == "absolute_directory":
        here["extends"] = "/"
    elif how in ("invalid_parent", "non_utf8_parent"):
        here["extends"] = "bad.toml"
        bad_dir = os.path.dirname(names[broken]) or "."
        content = (b'risks = {coordination = "high"}\n' if how == "invalid_parent"
                   else b'name = "\xff"\n')
        extra[f"{bad_dir}/bad.toml"] = content
        fragments = ["risks.coordination", "not UTF-8"]
    elif how == "bad_value_up_the_chain":
        here.setdefault("risks", {})["coordination"] = 2.0
        fragments = ["risks.coordination"]
    if how in ("invalid_parent", "non_utf8_parent"):
        for name in names[broken + 1:]:
            del files[name]
    contents: dict[str, bytes | str] = {name: toml_text(d) for name, d in files.items()}
    first = contents.pop("fuzz.toml")
    assert run_file(first, fragments, {**contents, **extra}) == "error"


def test_unreadable_paths(tmp_path):
    """Paths that are no readable scenario file: 11 kinds, each exit 2 naming the path."""
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "dir.toml").mkdir()
    (folder / "loop.toml").symlink_to(folder / "loop.toml")
    (folder / "to_dir.toml").symlink_to(folder / "dir.toml")
    fifo = folder / "fifo.toml"
    os.mkfifo(fifo)
    odd = os.fsdecode(b"\xff\xfe.toml")  # a file name that is not UTF-8, as argv gives it
    (folder / odd).write_bytes(b"[model]\nsteps = 0\n")
    (folder / "new\nline.toml").write_text("[model]\nsteps = 0\n")
    cases = {
        folder / "dir.toml": "is a directory",
        folder / "missing.toml": "no such file",
        folder / "loop.toml": "no such file",
        folder / "to_dir.toml": "is a directory",
        fifo: "not a regular file",
        Path("/dev/null"): "not a regular file",
        folder / ("x" * 300 + ".toml"): "cannot be read",
        folder / "nul\x00.toml": "no such file",
        folder / odd: "model.steps",
        folder / "new\nline.toml": "model.steps",
        Path(""): "is a directory",
    }
    for path, fragment in cases.items():
        out = folder / "out"
        code, stdout, err = run_cli(argv(path, out))
        check_outcome(code, stdout, err, folder, out, [path], [fragment])
    assert len(cases) == 11


# ------------------------------------------------------------------------- valid extremes
#: Parameters left out of the extremes: they set the size of the run (kept tiny here).
COSTLY = {"model": {"steps", "warmup", "firm_scale"},
          "countries": {"model_firms", "real_tech_firms"}}


def extreme_value(p: Param) -> st.SearchStrategy:
    if p.kind is bool:
        return st.booleans()
    if p.kind is str:
        return st.sampled_from(p.choices) if p.choices else st.text(max_size=10)
    if p.kind is int:
        return st.sampled_from([int(p.low), int(p.high)]) | st.integers(int(p.low),
                                                                         int(p.high))
    return st.sampled_from([p.low, p.high]) | st.floats(p.low, p.high)


def extreme_edit(params: dict[str, Param], where: tuple, skip: set[str]) -> st.SearchStrategy:
    return st.sampled_from(sorted(set(params) - skip)).flatmap(
        lambda n: extreme_value(params[n]).map(lambda v: Edit((*where, n), v, n)))


def extreme_policy() -> st.SearchStrategy:
    def build(kind: str) -> st.SearchStrategy:
        params = {k: p for k, p in POLICY_PARAMS[kind].items() if k not in ("start", "end")}
        return st.fixed_dictionaries({k: extreme_value(p) for k, p in params.items()}).map(
            lambda values: Edit(("policies", 2), {"type": kind, **values}, kind))
    return st.sampled_from(sorted(REGISTRY)).flatmap(build)


EXTREME = st.one_of(
    extreme_edit(MODEL_PARAMS, ("model",), COSTLY["model"]),
    extreme_edit(RISK_PARAMS, ("risks",), set()),
    st.sampled_from(["AZ", "BY"]).flatmap(
        lambda c: extreme_edit(COUNTRY_PARAMS, ("countries", c), COSTLY["countries"])),
    extreme_policy(),
    st.sampled_from([("AZ",), ("BY",), ("AZ", "BY")]).map(  # empty populations
        lambda cs: Edit(("countries",), {c: {"model_firms": 0} for c in cs}, "model_firms")),
)


@settings(FUZZ, max_examples=8)  # each runs and compares, writing a whole report
@given(edits=st.lists(EXTREME, min_size=1, max_size=3), chain=st.integers(0, 3))
def test_extreme_valid_scenarios_run(edits, chain):
    """In-bounds extremes either run (compared with a tiny reference: the report is complete)
    or are refused in one line. With ``chain`` > 0 the file extends a chain of that many
    files, each in another folder, which set the horizon and the warm-up."""
    data = copy.deepcopy(BASE)
    for edit in edits:
        apply(data, edit)
    parents: dict[str, bytes | str] = {}
    if chain:
        data["extends"] = "up1/p1.toml"
        for i in range(1, chain + 1):
            parent: dict[str, Any] = {"model": {"steps": 3 + i, "warmup": 0}}
            if i < chain:
                parent["extends"] = f"up{i + 1}/p{i + 1}.toml"
            parents["/".join(f"up{k}" for k in range(1, i + 1)) + f"/p{i}.toml"] = \
                toml_text(parent)
    run_file(toml_text(data), ["model_firms", "firms"], parents, command="compare")
