"""Command line: ``clustersim run | compare | scorecard | sweep | sensitivity | list``.

Bad input (a missing or malformed scenario file, an unknown key, a value out of range, a bad
argument) ends with one message naming the file, key and allowed values, and exit code 2.
Results are written to a temporary folder beside the output folder and moved into place only
when complete, so an interrupted run never leaves a result that looks finished. ``compare`` and
``scorecard`` spread their runs over local worker processes (``--workers``). ``sweep`` and
``sensitivity`` write to a result store that grows run by run instead (``--resume`` continues
it), on local processes or Dask.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import __version__
from sim.inputs.countries import country_sources, country_values
from sim.inputs.fitted import assumed_before
from sim.inputs.params import (
    COUNTRY_BOUNDS,
    MAX_SEED,
    MAX_SEEDS,
    MODEL_PARAMS,
    RISK_PARAMS,
    country_param,
)
from sim.inputs.scenario import (
    Scenario,
    ScenarioError,
    bundled_scenarios,
    default_scenario,
    fitted_defaults,
    load_scenario,
)
from sim.policies import COMMON_PARAMS, REGISTRY

if TYPE_CHECKING:
    import pandas as pd

EXIT_USAGE = 2
#: Most worker processes ``--workers`` may start.
MAX_WORKERS = 256
#: Longest name of one folder in an output path (most file systems allow 255 bytes; the
#: temporary folder beside it adds a prefix and a suffix).
MAX_NAME_BYTES = 200


class UsageError(Exception):
    """A command-line argument is invalid (reported with exit code 2)."""


def one_line(text: str) -> str:
    """``text`` as one printable line: line breaks and other control characters escaped, and
    characters the terminal cannot take (undecodable bytes of a file name) as escapes."""
    text = re.sub("[\x00-\x1f\x7f-\x9f\u2028\u2029]", lambda m: repr(m.group())[1:-1],
                  str(text))
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (exit code 2), like the other errors."""

    def error(self, message: str) -> None:  # noqa: D102 (argparse's method)
        self.exit(EXIT_USAGE, f"{one_line(f'{self.prog}: error: {message}')} (see "
                  f"{self.prog} --help)\n")


def _int_in(low: int, high: int, what: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high]."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # not a number, or more digits than Python converts
            value = None
        if value is None or not low <= value <= high:
            shown = repr(text) if len(text) <= 40 else repr(text[:37]) + "..."
            raise argparse.ArgumentTypeError(f"{shown} is not allowed; expected a whole number "
                                             f"in [{low}, {high}]{what}")
        return value

    return convert


_steps = _int_in(1, int(MODEL_PARAMS["steps"].high), " (quarters)")
_seed_count = _int_in(1, MAX_SEEDS)
_worker_count = _int_in(1, MAX_WORKERS)


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (1-65535)")
    return value


def _seed_list(text: str) -> list[int]:
    shown = repr(text) if len(text) <= 40 else repr(text[:37]) + "..."
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{shown} is not a comma-separated list of whole numbers") from None
    if not seeds or any(not 0 <= s <= MAX_SEED for s in seeds):
        raise argparse.ArgumentTypeError(f"{shown}: seeds must be whole numbers in "
                                         f"[0, {MAX_SEED}]")
    if len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"{shown}: a seed is given twice")
    if len(seeds) > MAX_SEEDS:
        raise argparse.ArgumentTypeError(f"{len(seeds)} seeds; at most {MAX_SEEDS}")
    return seeds


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``clustersim`` command."""
    parser = _Parser(
        prog="clustersim",
        description="Agent-based model of joint Azerbaijan-Belarus industrial clusters.")
    parser.add_argument("--version", action="version", version=f"clustersim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seeds", type=_seed_count, default=10,
                       help=f"number of seeds, 0..N-1 (default 10, at most {MAX_SEEDS})")
        p.add_argument("--seed-list", type=_seed_list, metavar="S1,S2,...",
                       help="explicit seeds (overrides --seeds)")
        p.add_argument("--steps", type=_steps, help="quarters to run, 1-2000 (default: the "
                       "scenario's model.steps)")
        p.add_argument("--out", type=Path, help="output folder (default: runs/<name>-<time>)")
        p.add_argument("--force", action="store_true",
                       help="replace the output folder if it exists")
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    run = sub.add_parser("run", help="run one scenario over several seeds")
    run.add_argument("scenario", type=Path, help="scenario .toml file")
    add_run_options(run)

    def add_workers(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workers", type=_worker_count, metavar="N",
                       help="worker processes running the seeds and scenarios in parallel "
                       "(default: the number of CPUs; 1 runs everything in this process)")

    compare = sub.add_parser("compare", help="compare scenarios with the first one "
                             "(default: every bundled scenario against the baseline)")
    compare.add_argument("scenarios", type=Path, nargs="*", help="scenario .toml files; the "
                         "first is the reference")
    compare.add_argument("--all", action="store_true",
                         help="compare every bundled scenario against the baseline")
    add_run_options(compare)
    add_workers(compare)

    scorecard = sub.add_parser(
        "scorecard", help="policy scorecard: each scenario's effect on the nine indicators, its "
        "fiscal cost and cost per unit of gain (default: every bundled scenario against the "
        "baseline)")
    scorecard.add_argument("scenarios", type=Path, nargs="*", help="scenario .toml files; the "
                           "first is the reference (default: every bundled scenario)")
    add_run_options(scorecard)
    add_workers(scorecard)

    def add_sweep_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("definition", type=Path, help="sweep definition .toml file (examples in "
                       "experiments/)")
        p.add_argument("--out", type=Path, help="result store folder (default: "
                       "results/<name>)")
        p.add_argument("--resume", action="store_true", help="continue the sweep in --out, "
                       "running only the runs it lacks")
        p.add_argument("--retry-failed", action="store_true", help="with --resume, run the "
                       "recorded failures again")
        p.add_argument("--force", action="store_true", help="replace the sweep in --out")
        backend = p.add_mutually_exclusive_group()
        backend.add_argument("--workers", type=_worker_count, metavar="N", help="local worker "
                             "processes (default: the number of CPUs; 1 runs in this process)")
        backend.add_argument("--dask-workers", type=_worker_count, metavar="N", help="run on "
                             "a local Dask cluster of N worker processes")
        backend.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster "
                             "of this scheduler, e.g. tcp://HOST:8786")
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    sweep = sub.add_parser("sweep", help="run a parameter sweep into a result store")
    add_sweep_options(sweep)
    sensitivity = sub.add_parser(
        "sensitivity", help="Morris screening or Sobol indices of a sweep's outputs (SALib)")
    add_sweep_options(sensitivity)
    sensitivity.add_argument("--method", metavar="morris|sobol", help="sensitivity method "
                             "(default: the definition's design.method)")
    sensitivity.add_argument("--samples", type=_int_in(1, 2**16), metavar="N", help="Morris "
                             "trajectories or Sobol base samples (a power of 2) instead of the "
                             "definition's")

    sub.add_parser("list", help="bundled scenarios and policies with their parameters")

    validate = sub.add_parser(
        "validate", help="the baseline against its calibration targets and stylized facts "
        "(sim/data/targets.toml); writes docs/validation.md and its figures")
    validate.add_argument("--seeds", type=_seed_count, default=5, metavar="N",
                          help=f"number of seeds, 0..N-1 (default 5, at most {MAX_SEEDS})")
    validate.add_argument("--steps", type=_steps, default=40, metavar="T",
                          help="quarters after the warm-up, 1-2000 (default 40)")
    validate.add_argument("--out", type=Path, default=Path("docs/validation.md"),
                          help="report file (default docs/validation.md); figures go to "
                          "img/ beside it")
    validate.add_argument("--quiet", action="store_true", help="no progress messages")

    calibrate = sub.add_parser(
        "calibrate", help="fit the free behavioural parameters to the country targets "
        "(simulated method of moments); installs the fitted values for every scenario")
    calibrate.add_argument("definition", type=Path, nargs="?", help="calibration .toml file "
                           "(default: experiments/calibration/baseline.toml)")
    calibrate.add_argument("--max-evaluations", type=_int_in(1, 100_000), metavar="N",
                           help="points the optimiser may evaluate (default: the file's)")
    calibrate.add_argument("--workers", type=_worker_count, metavar="N",
                           help="worker processes for the seeds of a point (default: the "
                           "number of CPUs; 1 runs everything in this process)")
    calibrate.add_argument("--out", type=Path, help="folder for the fit report, fitted "
                           "values and trace (default: runs/calibration-<name>-<time>)")
    calibrate.add_argument("--force", action="store_true", help="replace a non-empty --out")
    calibrate.add_argument("--no-install", action="store_true", help="write the folder only; "
                           "leave sim/data/calibration.toml and docs/ as they are")
    calibrate.add_argument("--quiet", action="store_true", help="no progress messages")

    viz = sub.add_parser("viz", help="serve the browser view of a running simulation")
    viz.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1: this machine only)")
    viz.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM (a batch scheduler ending a job, ``kill``): handled like Ctrl-C, so worker
    processes are stopped and finished work is kept."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``clustersim`` command. Returns the exit code."""
    args = build_parser().parse_args(argv)
    from sim.inputs.fitted import fitted_problem

    problem = fitted_problem()
    if problem:
        print(f"clustersim: error: {one_line(problem)}", file=sys.stderr)
        return EXIT_USAGE
    handle = args.command != "viz" and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if handle else None
    try:
        return _dispatch(args)
    finally:
        if handle:
            signal.signal(signal.SIGTERM, previous)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; turn the errors a user can cause into one line and an exit code."""
    try:
        if args.command == "list":
            print(list_text())
            return 0
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "calibrate":
            return cmd_calibrate(args)
        if args.command == "viz":
            return cmd_viz(args)
        if args.command == "run":
            return cmd_run(args)
        if args.command == "scorecard":
            return cmd_scorecard(args)
        if args.command in ("sweep", "sensitivity"):
            return cmd_sweep(args)
        return cmd_compare(args)
    except (ScenarioError, UsageError) as err:
        print(f"clustersim: error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as err:
        what = "terminated" if isinstance(err, Terminated) else "interrupted"
        print(f"clustersim: {what}; no output was written", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
    except BrokenPipeError:  # output piped into a program that stopped reading (| head)
        sys.stderr.close()
        return 0
    except OSError as err:  # e.g. the output folder cannot be written
        print(one_line(f"clustersim: error: {err.filename or ''}: {err.strerror or err}"),
              file=sys.stderr)
        return 1


def _seeds(args: argparse.Namespace) -> list[int]:
    return args.seed_list if args.seed_list else list(range(args.seeds))


def folder_name(name: str) -> str:
    """A scenario name made safe as one folder name: letters, digits, ``.``, ``_`` and ``-``
    only (no separators, no leading dot), at most 80 characters."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")[:80]
    return safe or "run"


def _check_out(out: Path | None, name: str, force: bool) -> Path:
    """The output folder, checked before anything runs: not below a file, not an existing
    non-empty folder (unless ``force``), a usable name, and a writable place."""
    if out is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"{folder_name(name)}-{stamp}"
    if "\0" in str(out):
        raise UsageError(f"--out {out}: a folder name cannot hold a null character")
    if not out.name or out.name in (".", ".."):
        raise UsageError(f"--out {out}: give the path of a folder to create or replace")
    for part in out.parts:
        if len(os.fsencode(part)) > MAX_NAME_BYTES:
            raise UsageError(f"--out {out}: the name {part[:20]}... is longer than "
                             f"{MAX_NAME_BYTES} bytes")
    try:
        for folder in (out, *out.parents):
            if folder.exists() and not folder.is_dir():
                raise UsageError(f"--out {out}: {folder} exists and is not a folder")
        if out.exists() and any(out.iterdir()) and not force:
            raise UsageError(f"--out {out}: folder exists and is not empty; use --force to "
                             "replace it")
        existing = next(f for f in (out.parent, *out.parent.parents) if f.exists())
    except OSError as err:
        raise UsageError(f"--out {out}: {err.strerror or err}") from None
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {existing} is not writable")
    return out


def _write_atomically(out: Path, force: bool, write: Callable[[Path], Any]) -> Any:
    """Call ``write(tmp)`` on a fresh temporary folder beside ``out``, then move it to ``out``.

    Until the move, ``out`` is untouched; an earlier result there is moved aside (not deleted)
    first and deleted only once the new one is in place, so an error or Ctrl-C at any point
    leaves either the earlier result or the complete new one at ``out``, never part of one.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    aside = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    try:
        result = write(tmp)
        if out.exists() and not force and any(out.iterdir()):
            raise UsageError(f"--out {out}: the folder was filled while this command ran; "
                             f"use --force to replace it")
        if out.exists() or out.is_symlink():
            out.rename(aside)
        tmp.rename(out)
        return result
    finally:
        if aside.exists() or aside.is_symlink():
            if not (out.exists() or out.is_symlink()):
                aside.rename(out)  # the new result did not arrive: put the old one back
            elif aside.is_dir() and not aside.is_symlink():
                shutil.rmtree(aside, ignore_errors=True)
            else:
                aside.unlink()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def provenance(scenarios: list[Scenario], seeds: list[int], steps: int | None,
               seconds: float) -> dict[str, Any]:
    """Everything needed to reproduce a result."""
    import mesa
    import numpy

    return {
        "package": "clustersim",
        "version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["clustersim", *sys.argv[1:]]),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
        "seeds": seeds,
        "steps": steps if steps is not None else [s.model["steps"] for s in scenarios],
        "wall_seconds": round(seconds, 2),
        "scenarios": [s.resolved() for s in scenarios],
    }


def cmd_run(args: argparse.Namespace) -> int:
    """``clustersim run``: one scenario, several seeds, a report folder."""
    from sim.experiments.runs import run_scenario
    from sim.reporting.run_report import write_run_report

    scenario = load_scenario(args.scenario)
    out = _check_out(args.out, scenario.name, args.force)
    seeds = _seeds(args)
    start = time.perf_counter()
    table = run_scenario(scenario, seeds=seeds, steps=args.steps, progress=not args.quiet)
    prov = provenance([scenario], seeds, args.steps, time.perf_counter() - start)
    _write_atomically(out, args.force,
                      lambda tmp: write_run_report(table, tmp, prov, progress=not args.quiet))
    print(one_line(f"wrote {out}/ (summary.md, indicators.csv/.parquet, plots/, "
                   "provenance.json)"))
    return 0


def _load_set(paths: list[Path], command: str) -> list[Scenario]:
    """Load and validate every scenario file before running any; the first is the reference."""
    scenarios = [load_scenario(p) for p in paths]
    if len(scenarios) < 2:
        raise UsageError(f"{command} needs at least two scenarios (the first is the reference)")
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise UsageError(f"scenario names must differ to be compared: {', '.join(names)}")
    return scenarios


def _run_set(scenarios: list[Scenario], seeds: list[int],
             args: argparse.Namespace) -> list[pd.DataFrame]:
    """Every scenario over every seed on ``--workers`` processes: one table per scenario."""
    from sim.experiments.runs import available_cpus, run_many

    workers = args.workers or available_cpus()
    runs = len(scenarios) * len(seeds)
    if not args.quiet:
        print(f"running {len(scenarios)} scenarios x {len(seeds)} seeds = {runs} runs on "
              f"{min(workers, runs)} process{'es' if min(workers, runs) > 1 else ''}",
              file=sys.stderr)
    return run_many(scenarios, seeds, steps=args.steps, workers=workers,
                    progress=not args.quiet)


def cmd_compare(args: argparse.Namespace) -> int:
    """``clustersim compare``: scenarios against the first, at the horizon."""
    from sim.reporting.comparison import write_compare_report

    paths = list(args.scenarios)
    if args.all or not paths:
        paths = bundled_scenarios() if not paths else paths + [
            p for p in bundled_scenarios() if p not in paths]
    scenarios = _load_set(paths, "compare")
    out = _check_out(args.out, "compare", args.force)
    seeds = _seeds(args)
    start = time.perf_counter()
    tables = _run_set(scenarios, seeds, args)
    prov = provenance(scenarios, seeds, args.steps, time.perf_counter() - start)
    _write_atomically(out, args.force, lambda tmp: write_compare_report(tables, tmp, prov))
    print(one_line(f"wrote {out}/ (compare.md, compare.csv, compare.png, indicators.parquet, "
                   "provenance.json)"))
    return 0


def cmd_scorecard(args: argparse.Namespace) -> int:
    """``clustersim scorecard``: every scenario's effects, costs and risks against the first."""
    from sim.reporting.scorecard import write_scorecard_report

    scenarios = _load_set(list(args.scenarios) or bundled_scenarios(), "scorecard")
    out = _check_out(args.out, "scorecard", args.force)
    seeds = _seeds(args)
    start = time.perf_counter()
    tables = _run_set(scenarios, seeds, args)
    prov = provenance(scenarios, seeds, args.steps, time.perf_counter() - start)
    _write_atomically(out, args.force, lambda tmp: write_scorecard_report(tables, tmp, prov))
    print(one_line(f"wrote {out}/ (scorecard.md, scorecard.csv, scorecard.png, "
                   "indicators.parquet, provenance.json)"))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """``clustersim sweep`` and ``clustersim sensitivity``: run a sweep into its result store
    (and analyse it). Exit 0 when every run finished, 1 when some failed (they are recorded),
    130 on Ctrl-C (what finished is kept)."""
    from sim.experiments.store import StoreError
    from sim.experiments.sweep import SENSITIVITY_METHODS, load_sweep

    method = getattr(args, "method", None)
    if method is not None and method not in SENSITIVITY_METHODS:
        raise UsageError(f"--method {method}: expected morris or sobol")
    if args.resume and args.force:
        raise UsageError("--resume and --force: give one (continue the store, or replace it)")
    if args.retry_failed and not args.resume:
        raise UsageError("--retry-failed goes with --resume")
    samples = getattr(args, "samples", None)
    sweep = load_sweep(args.definition, method=method, samples=samples)
    if args.command == "sensitivity" and sweep.method not in SENSITIVITY_METHODS:
        raise UsageError(f"{args.definition}: design.method is {sweep.method!r}; give --method "
                         "morris or --method sobol")
    out = args.out or Path("results") / sweep.name
    try:
        return _sweep_into(args, sweep, out)
    except StoreError as err:
        raise UsageError(str(err)) from None


def _sweep_into(args: argparse.Namespace, sweep: Any, out: Path) -> int:
    """Check the store, start the backend, run the sweep, report (and analyse)."""
    from sim.experiments.store import ResultStore
    from sim.experiments.sweep import check_point
    from sim.experiments.sweep_runner import dask_executor, run_sweep

    mode = ResultStore(out).check(sweep.hash(), args.resume, args.force)
    for sample, point in enumerate(sweep.design().points if mode != "resume" else []):
        check_point(sweep, sample, point)  # before a Dask cluster starts or a file is written
    with contextlib.ExitStack() as stack:
        options: dict[str, Any] = {"workers": args.workers}
        if args.scheduler or args.dask_workers:
            try:
                executor, window, backend = stack.enter_context(
                    dask_executor(args.scheduler, args.dask_workers))
            except (OSError, RuntimeError) as err:
                option = (f"--scheduler {args.scheduler}" if args.scheduler
                          else f"--dask-workers {args.dask_workers}")
                raise UsageError(f"{option}: {err}") from None
            options = {"executor": executor, "max_in_flight": window, "backend": backend}
        if not args.quiet:
            print(f"sweep {sweep.name}: {len(sweep.design().points)} points x "
                  f"{len(sweep.seeds)} seeds = {sweep.runs()} runs -> {out}/", file=sys.stderr)
        try:
            summary = run_sweep(sweep, out, resume=args.resume, force=args.force,
                                retry_failed=args.retry_failed, progress=not args.quiet,
                                **options)
        except KeyboardInterrupt:
            done = len(ResultStore(out).finished())
            print(f"clustersim: interrupted; {done} of {sweep.runs()} runs are in {out}/ "
                  "(--resume continues)", file=sys.stderr)
            return 130
    print(f"wrote {out}/: {summary.ran} runs now, {summary.before} before, "
          f"{summary.failures} failed ({summary.seconds:.1f} s on {summary.backend})")
    if args.command == "sensitivity":
        from sim.experiments.sensitivity import (
            SensitivityError,
            analyze_store,
            write_sensitivity_report,
        )

        try:
            result = analyze_store(out)
        except SensitivityError as err:
            print(f"clustersim: error: {err}", file=sys.stderr)
            return 1
        files = write_sensitivity_report(result, out)
        print(f"wrote {out}/ ({', '.join(files)})")
    if summary.failures:
        print(f"clustersim: error: {out}/failures/: {summary.failures} runs failed (their "
              "errors and parameters are recorded); --resume --retry-failed runs them again",
              file=sys.stderr)
        return 1
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``clustersim validate``: the baseline over several seeds against its calibration
    targets and stylized facts, written to a Markdown report with figures."""
    from sim.validation.report import write_validation_report
    from sim.validation.targets import ValidationError

    try:
        result = write_validation_report(range(args.seeds), args.steps, args.out,
                                         progress=not args.quiet)
    except ValidationError as err:
        raise UsageError(str(err)) from None
    met = sum(c.passed for c in result.targets + result.facts)
    total = len(result.targets) + len(result.facts)
    print(f"wrote {args.out} and {args.out.parent / 'img'}/validation_*.png: {met} of {total} "
          "targets and facts pass")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``clustersim calibrate``: fit the free parameters, write the fit report and install
    the fitted values."""
    from dataclasses import replace

    from sim.experiments.calibration import (
        DEFAULT_FILE,
        calibrate,
        load_calibration,
        progress_to_stderr,
    )
    from sim.experiments.calibration_report import fitted_summary, install, write_outputs
    from sim.experiments.runs import available_cpus

    path = args.definition or DEFAULT_FILE
    spec = load_calibration(path)
    if args.max_evaluations:
        spec = replace(spec, max_evaluations=args.max_evaluations)
    out = _check_out(args.out, f"calibration-{spec.name}", args.force)
    workers = args.workers or min(available_cpus(), len(spec.seeds))
    if not args.quiet:
        progress_to_stderr(f"calibrate: {len(spec.free)} free parameters, "
                           f"{len(spec.seeds)} seeds x {spec.steps} quarters a point, at most "
                           f"{spec.max_evaluations} points, {workers} worker(s)")
    result = calibrate(spec, workers, None if args.quiet else progress_to_stderr)
    definition = _shown_path(Path(path))
    _write_atomically(out, args.force, lambda tmp: write_outputs(
        result, tmp, definition, installed=not (args.no_install or result.interrupted)))
    lines = [f"calibrate: J {result.start.objective:.3g} -> {result.best.objective:.3g} after "
             f"{len(result.trace)} points ({result.message}); wrote {out}/"]
    if result.interrupted:
        print("\n".join(lines) + "\ncalibrate: interrupted: the best point so far is in the "
              "folder; nothing was installed", file=sys.stderr)
        return 143 if result.terminated else 130
    if not args.no_install:
        written = install(out)
        lines.append("installed " + ", ".join(_shown_path(p) for p in written))
    print("\n".join(lines) + "\n" + fitted_summary(result))
    return 0


def _shown_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def cmd_viz(args: argparse.Namespace) -> int:
    """``clustersim viz``: serve the browser view until interrupted."""
    from sim.viz.server import serve

    return serve(args.host, args.port)


def _fit_note(source: str) -> str:
    """`` [fitted; assumed before: X]`` for a value a calibration set, else ``""``."""
    before = assumed_before(source)
    if before is None:
        return ""
    what = "fitted" if source.startswith("calibrated") else "set for the fit"
    return f"  [{what}; assumed before: {before}]"


def list_text() -> str:
    """Bundled scenarios, registered policies and model parameters, as text."""
    lines = ["Bundled scenarios (scenarios/):"]
    for path in bundled_scenarios():
        try:
            s = load_scenario(path)
            summary = " ".join(s.description.split())
            lines.append(f"  {path.name:28s} {summary[:90]}")
        except ScenarioError as err:
            lines.append(f"  {path.name:28s} INVALID: {err}")
    base = default_scenario()
    lines += ["", "Policies ([[policies]] type = ...), common parameters: "
              + ", ".join(f"{p.name} ({p.allowed()})" for p in COMMON_PARAMS)]
    for name, cls in sorted(REGISTRY.items()):
        lines.append(f"  {name}: {cls.label}")
        for p in cls.param_specs:
            scaled = (f" ({p.default:g} x the R&D scale {base.rd_scale:g})"
                      if p.scaled_by == "rd_scale" else "")
            lines.append(f"      {p.name} = {json.dumps(p.default_at(base.scales()))}"
                         f"{scaled}  {p.doc}; {p.allowed()}")
    lines += ["", "Risks of ineffective policy ([risks]):"]
    for p in RISK_PARAMS.values():
        lines.append(f"  {p.name} = {json.dumps(p.default)}  {p.doc}; {p.allowed()}")
    lines += ["", "Model parameters ([model]):"]
    for p in fitted_defaults(base.fitted).values():
        lines.append(f"  {p.name} = {json.dumps(p.default)}  {p.doc}; {p.allowed()}"
                     + _fit_note(p.source))
    lines += ["", "Country values ([countries.AZ] / [countries.BY]; sources in "
              "sim/data/countries.toml, fitted ones in sim/data/calibration.toml):"]
    az, by = country_values("AZ", base.fitted), country_values("BY", base.fitted)
    sources = {code: country_sources(code, base.fitted) for code in ("AZ", "BY")}
    for name in COUNTRY_BOUNDS:
        notes = [f"{code} {_fit_note(sources[code][name]).strip()}" for code in ("AZ", "BY")
                 if _fit_note(sources[code][name])]
        lines.append(f"  {name:30s} AZ {az[name]!s:8s} BY {by[name]!s:8s} "
                     f"{country_param(name).allowed()}" + ("  " + "; ".join(notes)
                                                           if notes else ""))
    return "\n".join(lines)

