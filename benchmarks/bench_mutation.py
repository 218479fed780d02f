"""Mutation score of the model core: how many small deliberate bugs the model tests catch.

    .venv/bin/python benchmarks/bench_mutation.py                      # 200 mutants, seed 0
    .venv/bin/python benchmarks/bench_mutation.py --sample 20 --seed 1 # a quick look
    .venv/bin/python benchmarks/bench_mutation.py --json out.json      # every mutant and its diff
    .venv/bin/python benchmarks/bench_mutation.py --mutants NAME ...   # rerun these mutants only

mutmut (``pip install -e ".[mutation]"``) writes every mutant of the model core (sim/agents,
sim/phases, sim/policies, sim/network, sim/indicators.py, sim/competition.py) into a copy of the
project; this script lists them, draws ``--sample`` of them with ``random.Random(--seed)`` from
the sorted list (the same sample for the same source) and has mutmut run only those. mutmut
first runs the model tests once with every function instrumented, to learn which tests call
which function; each mutant is then tested only by the tests that call its function, fastest
first, stopping at the first failure, with a per-mutant time limit of ``--timeout-multiplier``
times the expected test time (plus one second; timeouts count as killed).

The tests are the model test files in MODEL_TESTS (not the command line, browser view, sweeps,
fuzzing, calibration or report files, and not the golden tables, which fail for any change of
numbers and are refreshed after every intended change). The copy lives in ``.mutation/``
(ignored by git; ``--workdir`` to move it); the source tree is never touched. Results of earlier
runs in the copy are reused for stats, never for the mutants asked for, which always run again.

Progress goes to stderr, the table to stdout; score = killed / (killed + survived), where
timeouts count as killed and mutants no test reaches as survived (both also shown apart). The
exit code is 0 whatever the score (a report, not a test); 2 if mutmut is missing or the input is
bad, 130 if interrupted. However it ends, mutmut and its workers are stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: What is mutated (mutmut's ``only_mutate`` globs; the rest of sim/ is copied unchanged).
CORE = ("sim/agents/*", "sim/phases/*", "sim/policies/*", "sim/network/*",
        "sim/indicators.py", "sim/competition.py")
#: The test files that test the model (run against the mutants). Missing files are skipped.
MODEL_TESTS = (
    "test_closure.py", "test_fdi_choice.py", "test_indicator_formulas.py",
    "test_invariants.py", "test_labour_market.py", "test_labour_pool.py",
    "test_make_or_buy.py", "test_mechanisms.py", "test_model.py", "test_network.py",
    "test_policies.py", "test_policy_channels.py", "test_policy_country.py",
    "test_policy_effects.py", "test_policy_money.py", "test_risks.py", "test_rules.py",
    "test_rules_network.py", "test_rules_more.py", "test_innovation_cooperation.py",
    "test_sector_accounts.py", "test_state_firms.py", "test_ties.py", "test_toolbox.py",
    "test_mutants_killed.py", "test_risk_mechanisms.py", "test_export_campaigns.py",
    "test_firm_programmes.py", "test_take_up.py",
)
#: Tests left out: a time limit that code slowed by mutmut's instrumentation cannot meet.
DESELECT = (
    "tests/test_ties.py::test_copies_of_edge_data_are_plain_and_whole_graph_copies_are_views_of"
    "_their_table",
)
#: Test helpers the test files import.
TEST_HELPERS = ("conftest.py", "processes.py")
#: How mutmut's statuses count in the score.
KILLED, SURVIVED = ("killed", "timeout"), ("survived", "no tests")

# A pytest plugin for the copy. mutmut runs the tests in its own process before it forks one
# process per mutant; the tests cache finished model runs at module level (conftest.run_spec),
# so without this every mutant would read the unmutated runs. At the start of every pytest run
# it forgets the test modules, which are then imported afresh with empty caches.
FRESH_PLUGIN = """
import sys
from pathlib import Path


def pytest_configure(config):
    tests = (Path.cwd() / "tests").resolve()
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve().is_relative_to(tests):
            del sys.modules[name]
"""
# Run inside the copy (cwd), where mutmut reads its configuration: write every mutant.
GENERATE = """
import os
from mutmut.__main__ import copy_also_copy_files, copy_src_dir, create_mutants
os.makedirs("mutants", exist_ok=True)
copy_src_dir()
copy_also_copy_files()
create_mutants(1)
"""
# Run inside the copy: each named mutant's status and diff, as JSON on stdout.
REPORT = """
import json, sys
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
from mutmut.utils.file_utils import walk_mutatable_files
names = set(json.load(sys.stdin))
out = {}
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path)
    data.load()
    for name, code in data.exit_code_by_key.items():
        if name in names:
            out[name] = {"status": status_by_exit_code[code], "exit_code": code,
                         "seconds": data.durations_by_key.get(name),
                         "diff": get_diff_for_mutant(name, path=path)}
json.dump(out, sys.stdout)
"""


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def mutmut_command() -> list[str]:
    """mutmut's command (the script beside this Python), or exit 2 if it is not installed."""
    exe = Path(sys.executable).parent / "mutmut"
    found = str(exe) if exe.exists() else shutil.which("mutmut")
    if found is None:
        log("bench_mutation: error: mutmut is not installed in this Python environment; "
            'install it with: pip install -e ".[mutation]"')
        raise SystemExit(2)
    return [found]


def test_files(root: Path) -> list[str]:
    return [f"tests/{name}" for name in MODEL_TESTS if (root / "tests" / name).exists()]


def mutmut_config(tests: list[str], args: argparse.Namespace) -> str:
    """pyproject.toml of the copy: pytest's settings and mutmut's configuration."""
    def toml_list(items: list[str] | tuple[str, ...]) -> str:
        return "[" + ", ".join(json.dumps(x) for x in items) + "]"
    do_not_mutate = [] if args.with_network else ["sim/network/*"]
    return "\n".join([
        "[tool.pytest.ini_options]",
        'testpaths = ["tests"]',
        "",
        "[tool.mutmut]",
        'source_paths = ["sim"]',
        f"only_mutate = {toml_list(CORE)}",
        f"do_not_mutate = {toml_list(do_not_mutate)}",
        'also_copy = ["scenarios", "fresh_test_modules.py"]',
        "pytest_add_cli_args_test_selection = "
        + toml_list([*tests, *(f"--deselect={t}" for t in DESELECT if t.split("::")[0] in tests)]),
        'pytest_add_cli_args = ["-p", "fresh_test_modules", "-p", "no:cacheprovider"]',
        f"timeout_multiplier = {args.timeout_multiplier}",
        "timeout_constant = 1.0",
        "use_git_change_detection = false",
        'on_dependency_change = "ignore"',
        "",
    ])


def prepare_copy(project: Path, args: argparse.Namespace) -> list[str]:
    """Refresh the copy of sim/, tests/ and scenarios/ (times kept, so mutmut sees what changed)."""
    project.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("sim", "scenarios", "tests"):
        shutil.rmtree(project / name, ignore_errors=True)
    shutil.copytree(ROOT / "sim", project / "sim", ignore=ignore)
    shutil.copytree(ROOT / "scenarios", project / "scenarios", ignore=ignore)
    (project / "tests").mkdir()
    tests = test_files(ROOT)
    for name in [*TEST_HELPERS, *(Path(t).name for t in tests)]:
        shutil.copy2(ROOT / "tests" / name, project / "tests" / name)
    if (ROOT / "tests" / "golden").is_dir():
        shutil.copytree(ROOT / "tests" / "golden", project / "tests" / "golden")
    (project / "fresh_test_modules.py").write_text(FRESH_PLUGIN)
    text = mutmut_config(tests, args)
    target = project / "pyproject.toml"
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    return tests


def meta_files(project: Path) -> list[Path]:
    return sorted((project / "mutants" / "sim").rglob("*.py.meta"))


def read_exit_codes(project: Path) -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in meta_files(project):
        try:
            codes.update(json.loads(meta.read_text())["exit_code_by_key"])
        except (OSError, ValueError, KeyError):
            continue  # being written by mutmut: read again at the next poll
    return codes


def forget_results(project: Path, names: set[str]) -> None:
    """Mark the chosen mutants as not yet checked, so progress counts only this run."""
    for meta in meta_files(project):
        data = json.loads(meta.read_text())
        hits = names & data["exit_code_by_key"].keys()
        if hits:
            data["exit_code_by_key"].update(dict.fromkeys(hits))
            meta.write_text(json.dumps(data, indent=4))


def status_of(code: int | None) -> str:
    from mutmut.stats import status_by_exit_code
    return status_by_exit_code[code]


class Child:
    """A command in its own process group, stopped with everything it started."""

    def __init__(self, cmd: list[str], cwd: Path, log_path: Path) -> None:
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self) -> None:
        """SIGTERM to the whole group, SIGKILL after 10 s; returns when the group is empty."""
        pgid = self.proc.pid
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 30.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                self.proc.poll()
                try:
                    os.killpg(pgid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.2)
            else:
                continue
            break
        self.proc.wait()
        self.log.close()


def run_logged(cmd: list[str], cwd: Path, log_path: Path,
               on_poll: Callable[[], None] | None = None) -> int:
    """Run a command to the end (its output in the log), stopping it however this ends."""
    child = Child(cmd, cwd, log_path)
    try:
        while child.proc.poll() is None:
            if on_poll is not None:
                on_poll()
            time.sleep(2.0)
        if on_poll is not None:
            on_poll()
        return child.proc.returncode
    finally:
        child.stop()


class Progress:
    """done/total, killed/survived so far and an ETA, on stderr while mutmut runs."""

    def __init__(self, project: Path, names: list[str], log_path: Path) -> None:
        self.project, self.names, self.log_path = project, names, log_path
        self.start = time.monotonic()
        self.log_start = log_path.stat().st_size if log_path.exists() else 0  # this run only
        self.testing_since: float | None = None
        self.last_key = ""
        self.last_print = 0.0

    def __call__(self) -> None:
        now = time.monotonic()
        if self.testing_since is None:
            with open(self.log_path, "rb") as log_file:
                log_file.seek(self.log_start)
                text = log_file.read().decode(errors="replace")
            if "Running mutation testing" not in text:
                phase = ("listing the tests each function needs" if "Running stats" in text
                         and "Running clean tests" not in text else "clean run of the tests")
                self.emit(phase, f"  preparing ({phase}): {now - self.start:.0f} s", now)
                return
            self.testing_since = now
        codes = read_exit_codes(self.project)
        counts = Counter(status_of(codes.get(n)) for n in self.names)
        done = len(self.names) - counts["not checked"]
        killed = sum(counts[s] for s in KILLED)
        survived = sum(counts[s] for s in SURVIVED)
        elapsed = now - self.testing_since
        eta = f"{elapsed / done * (len(self.names) - done) / 60:.0f} min" if done else "?"
        self.emit(f"{done} {killed}",
                  f"  {done}/{len(self.names)} mutants: {killed} killed, {survived} survived; "
                  f"{elapsed / 60:.1f} min, ETA {eta}", now)

    def emit(self, key: str, line: str, now: float) -> None:
        """Print when the state changes, at most every 15 s (every minute if it does not)."""
        changed = key != self.last_key
        if now - self.last_print > (15 if changed else 60) or not self.last_print:
            log(line)
            self.last_key, self.last_print = key, now


def draw_sample(all_names: list[str], size: int, seed: int) -> list[str]:
    names = sorted(all_names)
    if size >= len(names):
        return names
    return sorted(random.Random(seed).sample(names, size))


def function_of(name: str) -> str:
    """``sim.phases.finance.x_pay__mutmut_3`` -> ``sim.phases.finance.pay``."""
    base = name.partition("__mutmut_")[0]
    module, _, mangled = base.rpartition(".")
    func = mangled[2:] if mangled.startswith("x_") else mangled[2:].replace("ǁ", ".")
    return f"{module}.{func}"


def diff_summary(diff: str) -> str:
    """The first changed line pair of a diff, e.g. ``a + b  ->  a - b``."""
    minus = [ln[1:].strip() for ln in diff.splitlines()
             if ln.startswith("-") and not ln.startswith("---")]
    plus = [ln[1:].strip() for ln in diff.splitlines()
            if ln.startswith("+") and not ln.startswith("+++")]
    if not minus and not plus:
        return "(no change shown)"
    return f"{minus[0] if minus else ''}  ->  {plus[0] if plus else ''}"


def score(counts: Counter) -> float | None:
    killed = sum(counts[s] for s in KILLED)
    total = killed + sum(counts[s] for s in SURVIVED)
    return killed / total if total else None


def summary(results: dict[str, dict], seconds: float, header: str) -> str:
    rows = []
    counts = Counter(r["status"] for r in results.values())
    by_module: dict[str, Counter] = {}
    for name, r in results.items():
        module = name.partition("__mutmut_")[0].rpartition(".")[0]
        by_module.setdefault(module, Counter())[r["status"]] += 1
    cols = ("killed", "timeout", "survived", "no tests")
    rows.append(header)
    rows.append("")
    rows.append("| module | mutants | " + " | ".join(cols) + " | other | score |")
    rows.append("|---|---:|" + "---:|" * len(cols) + "---:|---:|")
    for module, c in sorted(by_module.items()) + [("**all**", counts)]:
        other = sum(c.values()) - sum(c[s] for s in cols)
        s = score(c)
        rows.append(f"| {module} | {sum(c.values())} | " + " | ".join(str(c[k]) for k in cols)
                    + f" | {other} | {'-' if s is None else f'{s:.1%}'} |")
    s = score(counts)
    rows.append("")
    rows.append(f"Mutation score: {'-' if s is None else f'{s:.1%}'} "
                f"(killed {counts['killed']} + timeout {counts['timeout']} over those plus "
                f"survived {counts['survived']} + no tests {counts['no tests']}); "
                f"{seconds / 60:.1f} min in all.")
    others = {k: v for k, v in counts.items() if k not in cols}
    if others:
        rows.append(f"Not in the score: {dict(others)}.")
    survivors = sorted(n for n, r in results.items() if r["status"] in SURVIVED)
    if survivors:
        rows.append("")
        rows.append("Surviving mutants:")
        rows.append("")
        for name in survivors:
            r = results[name]
            rows.append(f"- `{name}` ({r['status']}): `{diff_summary(r['diff'])}`")
    return "\n".join(rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sample", type=int, default=200, help="mutants to draw (default 200)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draw (default 0)")
    p.add_argument("--mutants", nargs="+", metavar="NAME",
                   help="run these mutants (names as listed by --json) instead of a sample")
    p.add_argument("--workers", type=int, default=1,
                   help="mutants tested at once (default 1: the machine is shared)")
    p.add_argument("--timeout-multiplier", type=float, default=15.0,
                   help="a mutant times out after this many times its tests' expected time "
                        "(+1 s); default 15")
    p.add_argument("--no-network", dest="with_network", action="store_false",
                   help="leave sim/network unmutated")
    p.add_argument("--workdir", type=Path, default=ROOT / ".mutation",
                   help="where the copy and mutmut's files go (default .mutation/, git-ignored)")
    p.add_argument("--fresh", action="store_true", help="start from an empty --workdir")
    p.add_argument("--json", type=Path, help="write every mutant's name, status and diff here")
    args = p.parse_args(argv)
    if args.sample < 1 or args.workers < 1 or args.timeout_multiplier <= 0:
        p.error("--sample and --workers must be at least 1, --timeout-multiplier above 0")
    if args.workdir.resolve() == ROOT or ROOT.is_relative_to(args.workdir.resolve()):
        p.error(f"--workdir {args.workdir}: must not be the project folder or above it")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mutmut = mutmut_command()
    project = args.workdir.resolve() / "project"
    if args.fresh:
        shutil.rmtree(args.workdir, ignore_errors=True)
    tests = prepare_copy(project, args)
    log_path = args.workdir.resolve() / "mutmut.log"
    log(f"model tests: {', '.join(Path(t).name for t in tests)}")
    log(f"copy in {project}; mutmut's output in {log_path}")
    start = time.monotonic()
    interrupted = False

    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        log("writing the mutants ...")
        if run_logged([sys.executable, "-c", GENERATE], project, log_path) != 0:
            log(f"bench_mutation: error: mutmut could not write the mutants; see {log_path}")
            return 1
        all_names = list(read_exit_codes(project))
        if args.mutants:
            unknown = sorted(set(args.mutants) - set(all_names))
            if unknown:
                log(f"bench_mutation: error: --mutants: unknown mutant(s) {', '.join(unknown)}")
                return 2
            names = sorted(set(args.mutants))
        else:
            names = draw_sample(all_names, args.sample, args.seed)
        log(f"{len(all_names)} mutants in the core; running {len(names)}"
            + ("" if args.mutants else f" (sample of {args.sample}, seed {args.seed})"))
        forget_results(project, set(names))
        progress = Progress(project, names, log_path)
        cmd = [*mutmut, "run", "--max-children", str(args.workers), *names]
        code = run_logged(cmd, project, log_path, on_poll=progress)
        if code != 0:
            log(f"bench_mutation: mutmut ended with exit code {code}; see {log_path}")
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: mutmut stopped; the summary covers the mutants done so far")
        names = locals().get("names", [])
        if not names:
            return 130
    seconds = time.monotonic() - start
    report = subprocess.run([sys.executable, "-c", REPORT], cwd=project, input=json.dumps(names),
                            capture_output=True, text=True)
    if report.returncode != 0:
        log(f"bench_mutation: error: could not read mutmut's results:\n{report.stderr}")
        return 1
    results = {n: r for n, r in json.loads(report.stdout).items()
               if not (interrupted and r["status"] == "not checked")}
    header = (f"{len(results)} mutants of the model core ({', '.join(CORE)}), "
              f"{'named' if args.mutants else f'sample of {args.sample}, seed {args.seed}'}; "
              f"{len(tests)} model test files; {args.workers} worker(s); "
              f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
              f"Python {platform.python_version()}")
    print(summary(results, seconds, header))
    if args.json:
        args.json.write_text(json.dumps({"tests": tests, "seconds": seconds, "mutants": [
            {"name": n, "function": function_of(n), **results[n]} for n in sorted(results)]},
            indent=1))
        log(f"wrote {args.json}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
