"""Sweep runner speed: N runs of the default scenario on 1 and 2 local processes and 2 Dask
workers, against the same runs with no runner at all.

    .venv/bin/python benchmarks/bench_sweep.py                 # 100 runs, 3 repeats, ~12 min
    .venv/bin/python benchmarks/bench_sweep.py --runs 20 --repeats 1   # a quick look
    .venv/bin/python benchmarks/bench_sweep.py --json bench_sweep.json

Cases (each repeat runs seeds 0..N-1 of ``scenarios/baseline.toml``, 40 quarters; medians of
the repeats):

* ``bare``: ``sim.experiments.runs.run_model`` N times in this process, no runner, no store:
  the work.
* ``runner, this process``: ``clustersim sweep --workers 1``: the same runs through the runner,
  each written to the store (synced Parquet file) as it finishes.
* ``runner, 2 processes``: ``--workers 2`` (the pool's start is included).
* ``runner, 2 Dask workers``: ``--dask-workers 2`` (a LocalCluster of two one-thread workers);
  its start-up is timed separately and not included.

Parallel efficiency = bare time / (2 x wall time). Runner overhead per run = (runner wall time
in this process - bare time) / N, as a share of the mean bare run; the time spent writing the
store is also reported on its own. Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.experiments.dask_backend import dask_executor  # noqa: E402
from sim.experiments.runs import run_model  # noqa: E402
from sim.experiments.sweep import sweep_from_dict  # noqa: E402
from sim.experiments.sweep_runner import run_sweep  # noqa: E402
from sim.inputs.scenario import load_scenario  # noqa: E402

BASELINE = ROOT / "scenarios" / "baseline.toml"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def bare(runs: int) -> dict:
    scenario = load_scenario(BASELINE)
    start = time.perf_counter()
    for seed in range(runs):
        run_model(scenario, seed)
    return {"wall": time.perf_counter() - start}


def through_runner(runs: int, workdir: Path, **options) -> dict:
    sweep = sweep_from_dict({"name": "bench", "base": str(BASELINE), "seeds": runs})
    summary = run_sweep(sweep, workdir / f"store-{time.monotonic_ns()}", **options)
    assert summary.ran == runs and summary.failed == 0
    return {"wall": summary.seconds, "run_seconds": summary.run_seconds,
            "write_seconds": summary.write_seconds}


def on_dask(runs: int, workdir: Path) -> dict:
    start = time.perf_counter()
    with dask_executor(workers=2) as (executor, window, backend):
        startup = time.perf_counter() - start
        result = through_runner(runs, workdir, executor=executor, max_in_flight=window,
                                backend=backend)
    return {**result, "startup": startup}


def median(rows: list[dict], key: str) -> float:
    values = [r[key] for r in rows if key in r]
    return statistics.median(values) if values else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, help="write every raw timing here")
    args = parser.parse_args()
    n = args.runs
    cases = {"bare": [], "runner, this process": [], "runner, 2 processes": [],
             "runner, 2 Dask workers": []}
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench_sweep.") as tmp:
        work = Path(tmp)
        for repeat in range(args.repeats):
            log(f"repeat {repeat + 1}/{args.repeats}: bare")
            cases["bare"].append(bare(n))
            log("  runner, this process")
            cases["runner, this process"].append(through_runner(n, work, workers=1))
            log("  runner, 2 processes")
            cases["runner, 2 processes"].append(through_runner(n, work, workers=2))
            log("  runner, 2 Dask workers")
            cases["runner, 2 Dask workers"].append(on_dask(n, work))
    load_after = os.getloadavg()
    t_bare = median(cases["bare"], "wall")
    run = t_bare / n
    print(f"{n} runs of scenarios/baseline.toml (40 quarters), median of {args.repeats} "
          f"repeats; mean bare run {run:.3f} s\n")
    print("| case | wall s | s / run | parallel efficiency | runner overhead / run | "
          "store writes / run |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rows in cases.items():
        wall = median(rows, "wall")
        workers = 2 if "2" in name else 1
        efficiency = t_bare / (workers * wall)
        overhead = (wall - t_bare) / n if workers == 1 and name != "bare" else float("nan")
        writes = median(rows, "write_seconds") / n
        print(f"| {name} | {wall:.2f} | {wall / n:.3f} | {100 * efficiency:.1f}% | "
              + (f"{1000 * overhead:.1f} ms ({100 * overhead / run:.2f}%)"
                 if overhead == overhead else "")
              + " | " + (f"{1000 * writes:.2f} ms" if writes == writes else "") + " |")
    startup = median(cases["runner, 2 Dask workers"], "startup")
    print(f"\nDask LocalCluster start-up (not in the wall time): {startup:.2f} s")
    for name in ("runner, 2 processes", "runner, 2 Dask workers"):
        inside = median(cases[name], "run_seconds") / n
        print(f"{name}: a run takes {inside:.3f} s inside a worker "
              f"({100 * (inside / run - 1):+.1f}% against a bare run alone)")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    print(f"\nMachine: {platform.platform()}, {os.cpu_count()} CPUs; Python "
          f"{platform.python_version()}; commit {commit}; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after")
    if args.json:
        args.json.write_text(json.dumps({"runs": n, "repeats": args.repeats,
                                         "cases": cases}, indent=2) + "\n")


if __name__ == "__main__":
    main()
