"""What one evaluation costs by each route from a script: plain Python (``sim.evaluate``), Mesa's
``batch_run``, the EMA Workbench (``sim.ema``) and Dask.

    .venv/bin/python benchmarks/bench_routes.py                    # 10 evaluations a case, ~4 min
    .venv/bin/python benchmarks/bench_routes.py --evaluations 4    # a quick look
    .venv/bin/python benchmarks/bench_routes.py --json routes.json

An evaluation is one run of ``scenarios/full_package.toml`` at the default size (1,500 firms),
40 quarters, seed 0, with ``risks.mistargeting`` set to one of N evenly spaced values in [0, 3],
reduced to four outcomes of both countries. Cases, each in a fresh Python process, one after
the other (wall clock from the first evaluation submitted to the last result, so start-up of
pools and clusters is excluded and reported apart):

* ``bare``: ``sim.run_model`` N times, no outcomes: the work itself.
* ``python``: ``sim.evaluate(...)`` N times; ``python vs baseline``: the same with
  ``relative_to="baseline"`` (the baseline runs on the first call only, then comes from the
  cache); ``python 2 processes``: ``sim.evaluate`` through a ``ProcessPoolExecutor``.
* ``batch_run``: ``mesa.batch_run(ClusterModel, ...)`` with the N values of ``mistargeting``,
  ``max_steps = 12 + 40`` (the warm-up counts), the last quarter collected; 1 and 2 processes.
* ``ema``: ``perform_experiments`` on ``sim.ema.build_model(...)`` with N scenarios (LHS over
  ``risks.mistargeting`` in [0, 3]), ``SequentialEvaluator``; ``ema 2 processes``:
  ``MultiprocessingEvaluator``.
* ``dask 2 workers``: ``executor.submit(sim.evaluate, ...)`` on ``sim.dask_executor(workers=2)``
  (a LocalCluster of two one-thread workers).

Seconds per evaluation = wall / N; against ``bare``, the overhead of the route (for the
parallel cases: wall x 2 / N against a bare run). CPU seconds per evaluation = the CPU time
(user + system) of the case's process and its worker processes, from the first evaluation to
the end of the case, over N: it includes the workers' start-up (imports) and is less disturbed
than wall time when other jobs share the machine. Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FULL = ROOT / "scenarios" / "full_package.toml"
STEPS = 40
OUTCOMES = ["JOINT.tech_exports", "JOINT.productivity_growth", "JOINT.gross_fiscal_cost",
            "AZ.average_wage"]
CASES = ("bare", "python", "python vs baseline", "python 2 processes", "batch_run",
         "batch_run 2 processes", "ema", "ema 2 processes", "dask 2 workers")


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def points(n: int) -> list[float]:
    return [3.0 * i / max(n - 1, 1) for i in range(n)]


def evaluate_point(mistargeting: float, relative_to: str | None = None) -> dict[str, float]:
    import sim

    return sim.evaluate("full_package", {"risks.mistargeting": mistargeting}, seeds=[0],
                        steps=STEPS, outcomes=OUTCOMES, relative_to=relative_to)


def case_bare(n: int) -> dict:
    import sim

    base = sim.load_scenario(FULL)
    start = time.perf_counter()
    for x in points(n):
        sim.run_model(base.with_risks(mistargeting=x), 0, STEPS)
    return {"wall": time.perf_counter() - start}


def case_python(n: int, relative_to: str | None = None) -> dict:
    import sim  # noqa: F401  (imported before the clock, as in the other cases)

    start = time.perf_counter()
    first = None
    for x in points(n):
        evaluate_point(x, relative_to)
        first = first or time.perf_counter() - start
    return {"wall": time.perf_counter() - start, "first": first}


def case_python_pool(n: int) -> dict:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        list(pool.map(abs, [1, 2]))  # start both workers before the clock
        start = time.perf_counter()
        list(pool.map(evaluate_point, points(n)))
        return {"wall": time.perf_counter() - start}


def case_batch_run(n: int, processes: int) -> dict:
    from mesa.batchrunner import batch_run

    from sim import ClusterModel

    start = time.perf_counter()
    results = batch_run(ClusterModel, parameters={"scenario": str(FULL),
                                                  "mistargeting": points(n)},
                        rng=[0], max_steps=12 + STEPS, number_processes=processes,
                        data_collection_period=-1, display_progress=False)
    assert len(results) == n
    return {"wall": time.perf_counter() - start}


def case_ema(n: int, processes: int) -> dict:
    import sim.ema

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        from ema_workbench import (
            MultiprocessingEvaluator,
            SequentialEvaluator,
            perform_experiments,
        )
    model = sim.ema.build_model("full_package", uncertainties={"risks.mistargeting": (0, 3)},
                                outcomes=OUTCOMES, seeds=[0], steps=STEPS)
    if processes == 1:
        start = time.perf_counter()
        perform_experiments(model, scenarios=n, evaluator=SequentialEvaluator(model))
        return {"wall": time.perf_counter() - start}
    opened = time.perf_counter()
    with MultiprocessingEvaluator(model, n_processes=processes) as evaluator:
        start = time.perf_counter()
        evaluator.perform_experiments(scenarios=n)
        wall = time.perf_counter() - start
    return {"wall": wall, "startup": start - opened}


def case_dask(n: int) -> dict:
    import sim

    opened = time.perf_counter()
    with sim.dask_executor(workers=2) as (executor, _, _):
        start = time.perf_counter()
        futures = [executor.submit(evaluate_point, x) for x in points(n)]
        for future in futures:
            future.result()
        wall = time.perf_counter() - start
    return {"wall": wall, "startup": start - opened}


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (workers), user + system."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_case(name: str, n: int) -> dict:
    if name == "bare":
        return case_bare(n)
    if name == "python":
        return case_python(n)
    if name == "python vs baseline":
        return case_python(n, "baseline")
    if name == "python 2 processes":
        return case_python_pool(n)
    if name.startswith("batch_run"):
        return case_batch_run(n, 2 if "2" in name else 1)
    if name.startswith("ema"):
        return case_ema(n, 2 if "2" in name else 1)
    return case_dask(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=10, help="evaluations a case")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated, of: "
                        + ", ".join(CASES))
    parser.add_argument("--json", type=Path, help="write the raw timings here")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one case, in this process
    args = parser.parse_args()
    n = args.evaluations
    if args.case:
        import sim  # noqa: F401  (its import is not part of any case)

        before = cpu_seconds()
        result = run_case(args.case, n)
        print(json.dumps({**result, "cpu": cpu_seconds() - before}))
        return
    results = {}
    load_before = os.getloadavg()
    for name in args.cases.split(","):
        log(f"{name} ...")
        proc = subprocess.run([sys.executable, __file__, "--case", name, "--evaluations",
                               str(n)], capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            sys.exit(f"case {name!r} failed:\n{proc.stderr}")
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    load_after = os.getloadavg()
    bare = results["bare"]["wall"] / n if "bare" in results else float("nan")
    print(f"{n} evaluations a case: scenarios/full_package.toml, 1,500 firms, {STEPS} "
          f"quarters, one seed; a bare run takes {bare:.3f} s\n")
    cpu_bare = results["bare"]["cpu"] / n if "bare" in results else float("nan")
    print("| route | processes | wall s per evaluation | wall x processes against bare | "
          "CPU s per evaluation | CPU against bare |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        workers = 2 if "2 " in name else 1
        per, cpu = r["wall"] / n, r["cpu"] / n
        print(f"| {name} | {workers} | {per:.3f} | {per * workers / bare:.2f}x | {cpu:.3f} | "
              f"{cpu / cpu_bare:.2f}x |")
    print()
    for name, r in results.items():
        if "first" in r:
            print(f"{name}: first evaluation {r['first']:.2f} s")
        if "startup" in r:
            print(f"{name}: start-up (not in the time above) {r['startup']:.2f} s")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    print(f"\nMachine: {platform.platform()}, {os.cpu_count()} CPUs; Python "
          f"{platform.python_version()}; commit {commit}; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after")
    if args.json:
        args.json.write_text(json.dumps({"evaluations": n, "cases": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
