"""Scaling benchmark: cost of building and stepping ClusterModel as the firm count grows.

Usage::

    python benchmarks/bench_scale.py [--steps 40] [--repeats 3] [--sizes 1000,10000,20000]
                                     [--quick] [--json out.json]

What it times (wall clock, ``time.perf_counter``), each repeat with a different seed, reporting
the median of the repeats:

* for each size N: ``ClusterModel(default_scenario().with_model(firm_scale=N/1500), seed=s)``
  (construction, which includes the warm-up quarters) and ``--steps`` calls of ``model.step()``
  separately. Cost per firm-step = run time / (steps x mean firm count, sampled after each step);
* the default scenario as users run it: ``load_scenario("scenarios/baseline.toml")``, build, then
  its own ``model.steps`` quarters and ``model.finish()`` (what ``sim.run_model`` does);
* a reference: Mesa's BoltzmannWealth example with 10,000 agents on a 100x100 grid, ``--steps``
  calls of ``model.step()`` as shipped (its step also runs ``datacollector.collect``, which
  records every agent's wealth), giving microseconds per agent-step.

It prints a table, the machine, and PASS/FAIL against two targets (default scenario build + run
< 2 s; 20,000 firms build + 40 quarters < 30 s). It is a report, not a test: the exit code is 0
whatever the results. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # allow running from a source tree
    sys.path.insert(0, str(ROOT))

import mesa  # noqa: E402
import numpy as np  # noqa: E402

from sim import ClusterModel, default_scenario, load_scenario  # noqa: E402

BASE_FIRMS = 1500  # default population (600 AZ + 900 BY) at firm_scale = 1
BOLTZMANN_AGENTS = 10_000
TARGET_DEFAULT_S = 2.0
TARGET_20K_S = 30.0
TARGET_20K_SIZE = 20_000


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def code_version() -> str:
    """Commit of the source tree and whether sim/ or scenarios/ differ from it (read-only git)."""
    import subprocess
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # never touch the index
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", "sim", "scenarios"],
                               cwd=ROOT, env=env, capture_output=True).returncode != 0
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {head}" + (" + uncommitted changes in sim/ or scenarios/" if dirty else "")


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import sim
        sim_version = sim.__version__
    except Exception:  # pragma: no cover
        sim_version = "?"
    return {
        "code": code_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "mesa": mesa.__version__,
        "clustersim": sim_version,
    }


def time_cluster(scenario, seed: int, steps: int, finish: bool = False) -> dict:
    """Build one model and run it; return construct/run seconds and firm counts."""
    gc.collect()
    t0 = time.perf_counter()
    model = ClusterModel(scenario, seed=seed)
    t1 = time.perf_counter()
    n_start = model.firms.n
    counts = []
    for _ in range(steps):
        model.step()
        counts.append(model.firms.n)  # sampling is an attribute read, negligible
    if finish:
        model.finish()
    t2 = time.perf_counter()
    del model
    return {"seed": seed, "construct_s": t1 - t0, "run_s": t2 - t1,
            "firms_start": n_start, "firms_end": counts[-1] if counts else n_start,
            "firms_mean": float(np.mean(counts)) if counts else float(n_start)}


def time_boltzmann(seed: int, steps: int) -> dict:
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )
    gc.collect()
    t0 = time.perf_counter()
    model = BoltzmannWealth(BoltzmannScenario(n=BOLTZMANN_AGENTS, width=100, height=100,
                                              rng=seed))
    t1 = time.perf_counter()
    for _ in range(steps):
        model.step()
    t2 = time.perf_counter()
    n = len(model.agents)
    del model
    return {"seed": seed, "construct_s": t1 - t0, "run_s": t2 - t1, "agents": n}


def median(rows: list[dict], key: str) -> float:
    return float(statistics.median(r[key] for r in rows))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=40, help="quarters per run (default 40)")
    p.add_argument("--repeats", type=int, default=3, help="runs per size, one seed each")
    p.add_argument("--sizes", default="1000,10000,20000",
                   help="comma-separated initial firm counts (default 1000,10000,20000)")
    p.add_argument("--quick", action="store_true", help="smoke test: size 1000, 1 repeat")
    p.add_argument("--json", metavar="PATH", help="also write all raw timings as JSON")
    args = p.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.quick:
        args.sizes, args.repeats = [1000], 1
    if args.repeats < 1 or args.steps < 1 or not args.sizes:
        p.error("need --repeats >= 1, --steps >= 1 and at least one size")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    seeds = list(range(args.repeats))
    info = machine()
    started = time.perf_counter()

    # --- reference: BoltzmannWealth ---------------------------------------------------------
    boltz = []
    for seed in seeds:
        log(f"[boltzmann] {BOLTZMANN_AGENTS} agents, {args.steps} steps, seed {seed} ...")
        r = time_boltzmann(seed, args.steps)
        log(f"    build {r['construct_s']:.2f} s, run {r['run_s']:.2f} s")
        boltz.append(r)
    b_run = median(boltz, "run_s")
    b_us = b_run / (args.steps * BOLTZMANN_AGENTS) * 1e6

    # --- default scenario as users run it --------------------------------------------------
    baseline = load_scenario(ROOT / "scenarios" / "baseline.toml")
    base_steps = int(baseline.model["steps"])
    default_rows = []
    for seed in seeds:
        log(f"[baseline.toml] {base_steps} quarters + finish(), seed {seed} ...")
        r = time_cluster(baseline, seed, base_steps, finish=True)
        r["total_s"] = r["construct_s"] + r["run_s"]
        log(f"    build {r['construct_s']:.2f} s, run {r['run_s']:.2f} s, "
            f"firms {r['firms_start']}->{r['firms_end']}")
        default_rows.append(r)

    # --- scaling ----------------------------------------------------------------------------
    sizes = []
    for size in args.sizes:
        scenario = default_scenario().with_model(firm_scale=size / BASE_FIRMS)
        rows = []
        for seed in seeds:
            log(f"[scale] {size} firms, {args.steps} quarters, seed {seed} ...")
            r = time_cluster(scenario, seed, args.steps)
            r["total_s"] = r["construct_s"] + r["run_s"]
            r["us_per_firm_step"] = r["run_s"] / (args.steps * r["firms_mean"]) * 1e6
            log(f"    build {r['construct_s']:.2f} s, run {r['run_s']:.2f} s, "
                f"firms {r['firms_start']}->{r['firms_end']} (mean {r['firms_mean']:.0f}), "
                f"{r['us_per_firm_step']:.1f} us/firm-step")
            rows.append(r)
        us = median(rows, "us_per_firm_step")
        sizes.append({
            "size": size, "firm_scale": size / BASE_FIRMS, "runs": rows,
            "firms_start": median(rows, "firms_start"), "firms_mean": median(rows, "firms_mean"),
            "construct_s": median(rows, "construct_s"), "run_s": median(rows, "run_s"),
            "total_s": median(rows, "total_s"), "us_per_firm_step": us,
            "ratio_to_boltzmann": us / b_us,
        })

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    elapsed = time.perf_counter() - started

    # --- report -----------------------------------------------------------------------------
    d_build, d_run = median(default_rows, "construct_s"), median(default_rows, "run_s")
    d_total = median(default_rows, "total_s")
    d_firms = statistics.median(r["firms_mean"] for r in default_rows)
    d_us = d_run / (base_steps * d_firms) * 1e6

    print(f"clustersim scaling benchmark — {args.steps} quarters per run, "
          f"median of {args.repeats} repeat(s) (seeds {seeds[0]}..{seeds[-1]})")
    print(f"code: clustersim {info['clustersim']}, {info['code']}")
    print(f"machine: {info['platform']}; CPU {info['cpu']}; {info['cores']} cores; "
          f"Python {info['python']}, numpy {info['numpy']}, mesa {info['mesa']}")
    print()
    head = (f"{'case':<22} {'firms':>7} {'mean':>7} {'construct s':>12} {'run s':>8} "
            f"{'total s':>8} {'us/firm-step':>13} {'x Boltzmann':>12}")
    print(head)
    print("-" * len(head))
    print(f"{'baseline.toml':<22} {median(default_rows, 'firms_start'):>7.0f} {d_firms:>7.0f} "
          f"{d_build:>12.2f} {d_run:>8.2f} {d_total:>8.2f} {d_us:>13.1f} {d_us / b_us:>12.1f}")
    for s in sizes:
        label = f"{s['size']:,} (x{s['firm_scale']:.3g})"
        print(f"{label:<22} {s['firms_start']:>7.0f} "
              f"{s['firms_mean']:>7.0f} {s['construct_s']:>12.2f} {s['run_s']:>8.2f} "
              f"{s['total_s']:>8.2f} {s['us_per_firm_step']:>13.1f} "
              f"{s['ratio_to_boltzmann']:>12.1f}")
    print(f"{'BoltzmannWealth (ref)':<22} {BOLTZMANN_AGENTS:>7} {BOLTZMANN_AGENTS:>7} "
          f"{median(boltz, 'construct_s'):>12.2f} {b_run:>8.2f} "
          f"{median(boltz, 'construct_s') + b_run:>8.2f} {b_us:>13.1f} {1.0:>12.1f}")
    print()
    print("firms = at quarter 0 (after warm-up); mean = mean over the run, sampled after each "
          "step; construct includes the warm-up quarters (model.warmup); baseline.toml run "
          "includes finish().")
    print("BoltzmannWealth timed as shipped: its step() also calls datacollector.collect() "
          "(model + agent reporters).")
    print()

    checks = []
    checks.append(("default scenario (baseline.toml) build + run < "
                   f"{TARGET_DEFAULT_S:g} s", d_total, TARGET_DEFAULT_S))
    big = next((s for s in sizes if s["size"] == TARGET_20K_SIZE), None)
    if big is not None and args.steps == 40:
        checks.append((f"{TARGET_20K_SIZE} firms build + 40 quarters < {TARGET_20K_S:g} s",
                       big["total_s"], TARGET_20K_S))
    else:
        print(f"(target '{TARGET_20K_SIZE} firms x 40 quarters < {TARGET_20K_S:g} s' not "
              "checked: needs --steps 40 and size 20000)")
    results = []
    for name, value, limit in checks:
        ok = value < limit
        results.append({"target": name, "value_s": value, "limit_s": limit, "pass": ok})
        print(f"{'PASS' if ok else 'FAIL'}  {name}: median {value:.2f} s")
    print()
    print(f"peak memory (ru_maxrss, whole process): {peak_mb:.0f} MiB; "
          f"benchmark wall time {elapsed:.0f} s")

    if args.json:
        out = {
            "date": time.strftime("%Y-%m-%d"), "machine": info, "steps": args.steps,
            "repeats": args.repeats, "seeds": seeds,
            "boltzmann": {"agents": BOLTZMANN_AGENTS, "runs": boltz, "run_s": b_run,
                          "us_per_agent_step": b_us},
            "baseline": {"runs": default_rows, "steps": base_steps, "construct_s": d_build,
                         "run_s": d_run, "total_s": d_total, "us_per_firm_step": d_us},
            "sizes": sizes, "targets": results, "peak_rss_mib": peak_mb,
        }
        Path(args.json).write_text(json.dumps(out, indent=2))
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
