"""Result store speed: how long a sweep store of N runs takes to load, as sweeps write it (one
Parquet file per run) and after compaction (a few Parquet files of many runs).

    .venv/bin/python benchmarks/bench_store.py                    # 100,000 runs, ~5 min here
    .venv/bin/python benchmarks/bench_store.py --runs 10000       # a quick look
    .venv/bin/python benchmarks/bench_store.py --store /tmp/s100k # keep the store (and reuse it)

The synthetic store has the shape of a default model sweep: N / 2 points of an LHS over four
risks, 2 seeds each, and per run the nine key indicators for JOINT, AZ and BY (27 rows), written
one run at a time through the store's own writer (``ResultStore.write``, without the flush to
disk, which only costs writing time). Then, each ``--repeats`` times (median shown; the files are
in the page cache after the first read, as when a store is read again):

* ``load_results`` (the tidy table with the parameters) and ``load_runs`` (one row per run) on
  the store as written;
* ``compact_store`` (the runs moved into Parquet files of up to 20,000 runs each), timed once;
* the same two loads on the compacted store, and ``ResultStore.finished`` (what ``--resume``
  reads to know what is done) before and after; the tables and keys must be the same.

Progress goes to stderr, the table to stdout. The target is a load of 100,000 runs under 5 s;
PASS/FAIL is printed, the exit code is 0 whatever it says (a report, not a test).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.experiments.store import (  # noqa: E402
    ResultStore,
    SweepRunResult,
    compact_store,
    load_results,
    load_runs,
)
from sim.indicators import KEY_INDICATORS  # noqa: E402

RISKS = ("risks.mistargeting", "risks.coordination", "risks.implementation",
         "risks.monitoring")
COUNTRIES = ("JOINT", "AZ", "BY")
SEEDS = 2
TARGET_SECONDS = 5.0


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def write_store(path: Path, runs: int) -> float:
    """A store of ``runs`` runs written one at a time as a sweep writes them; the seconds it
    took."""
    rng = np.random.default_rng(0)
    samples = runs // SEEDS
    design = rng.random((samples, len(RISKS)))
    points = [dict(zip(RISKS, map(float, row), strict=True)) for row in design]
    store = ResultStore(path, sync=False)
    store.create({"hash": "bench", "definition": {"name": "bench"}}, points, design,
                 {"launches": []})
    names = [i for c in COUNTRIES for i in KEY_INDICATORS]
    countries = [c for c in COUNTRIES for _ in KEY_INDICATORS]
    start = time.perf_counter()
    for sample in range(samples):
        for seed in range(SEEDS):
            outputs = {"country": countries, "indicator": names,
                       "value": rng.normal(100.0, 10.0, len(names))}
            store.write(SweepRunResult(sample, seed, outputs, None, 1.0, "host:1234",
                                       "2025-01-01T00:00:00"), points[sample])
        if sample and sample % 5000 == 0:
            log(f"  wrote {sample * SEEDS:,} runs ({time.perf_counter() - start:.0f} s)")
    return time.perf_counter() - start


def timed(function, repeats: int) -> tuple[float, object]:
    seconds, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def measure(path: Path, repeats: int) -> dict[str, float]:
    results_s, results = timed(lambda: load_results(path), repeats)
    runs_s, runs = timed(lambda: load_runs(path), repeats)
    finished_s, finished = timed(lambda: ResultStore(path).finished(), repeats)
    log(f"  load_results {results_s:.2f} s ({len(results):,} rows), load_runs {runs_s:.2f} s "
        f"({len(runs):,} runs), finished {finished_s:.2f} s ({len(finished):,} keys)")
    return {"load_results": results_s, "load_runs": runs_s, "finished": finished_s,
            "rows": len(results), "runs": len(runs), "table": results, "keys": finished}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000, help="runs in the store")
    parser.add_argument("--repeats", type=int, default=3, help="timed loads of each kind")
    parser.add_argument("--store", type=Path, help="store folder to write and keep (a store "
                        "already there is reused as it is: compaction changes it)")
    args = parser.parse_args()
    temporary = None
    path = args.store
    if path is None:
        temporary = tempfile.mkdtemp(prefix="bench-store-")
        path = Path(temporary) / "store"
    try:
        if ResultStore(path).exists():
            log(f"reusing the store in {path}")
            written = float("nan")
        else:
            log(f"writing {args.runs:,} runs to {path} ...")
            written = write_store(path, args.runs)
        loose = sum(1 for e in os.scandir(path / "runs") if e.name.startswith("s"))
        log(f"as written ({loose:,} run files):")
        before = measure(path, args.repeats)
        start = time.perf_counter()
        compact_store(path)
        compaction = time.perf_counter() - start
        parts = sum(1 for e in os.scandir(path / "runs") if e.name.startswith("part-"))
        log(f"compacted in {compaction:.1f} s into {parts} files:")
        after = measure(path, args.repeats)
        same = (after["keys"] == before["keys"] and after["runs"] == before["runs"]
                and after["table"].equals(before["table"]))
        if not same:
            raise SystemExit("compaction changed what the store holds")
        print(f"Machine: {platform.system()} {platform.release()} {platform.machine()}, "
              f"{os.cpu_count()} CPUs; Python {platform.python_version()}")
        print(f"Store: {before['runs']:,} runs, {before['rows']:,} rows; written in "
              f"{written:.0f} s ({loose:,} run files); compacted in {compaction:.1f} s into "
              f"{parts} files; median of {args.repeats} loads\n")
        print("| | load_results s | load_runs s | finished s |")
        print("|---|---:|---:|---:|")
        for label, row in (("one file per run (as written)", before),
                           ("compacted", after)):
            print(f"| {label} | {row['load_results']:.2f} | {row['load_runs']:.2f} | "
                  f"{row['finished']:.2f} |")
        worst = max(after["load_results"], after["load_runs"])
        verdict = "PASS" if worst < TARGET_SECONDS else "FAIL"
        print(f"\n{verdict}: loading the compacted store takes {worst:.2f} s "
              f"(target < {TARGET_SECONDS:.0f} s)")
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
