"""A sweep written in Python with the same API as the sweep files.

Builds the definition as a dict (the same keys as a sweep file), runs it on local processes
(or on Dask: see ``dask_executor``), then reads the store back as a tidy table::

    .venv/bin/python experiments/sweep_from_python.py --out results/python_sweep
    .venv/bin/python experiments/sweep_from_python.py --dask-workers 2 --out results/python_sweep

Run it again with ``--resume`` to continue an interrupted sweep.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from sim import dask_executor, load_results, run_sweep, sweep_from_dict

ROOT = Path(__file__).resolve().parent.parent


def definition(seeds: int, quarters: int, firm_scale: float) -> dict:
    """Export promotion budget x coordination on the full package."""
    return {
        "name": "python_sweep",
        "base": "scenarios/full_package.toml",            # relative to base_dir below
        "seeds": seeds,
        "steps": quarters,
        "indicators": ["tech_exports", "budget_spent"],
        "countries": ["JOINT"],
        "fixed": {"model.firm_scale": firm_scale},
        "design": {"method": "grid"},
        "vary": {"policies.export_promotion.budget": [0.0, 0.5, 1.0],
                 "risks.coordination": [0.0, 1.0]},
    }


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Run the sweep and print mean tech exports per point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "python_sweep")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quarters", type=int, default=40)
    parser.add_argument("--firm-scale", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=None, help="local processes")
    parser.add_argument("--dask-workers", type=int, default=None, help="local Dask workers")
    parser.add_argument("--resume", action="store_true")
    args = parser.parse_args(argv)
    sweep = sweep_from_dict(definition(args.seeds, args.quarters, args.firm_scale),
                            source="sweep_from_python.py", base_dir=ROOT)
    options = {"resume": args.resume, "force": not args.resume, "progress": True}
    if args.dask_workers:
        with dask_executor(workers=args.dask_workers) as (executor, window, backend):
            summary = run_sweep(sweep, args.out, executor=executor, max_in_flight=window,
                                backend=backend, **options)
    else:
        summary = run_sweep(sweep, args.out, workers=args.workers, **options)
    print(f"{summary.ran} runs in {summary.seconds:.1f} s on {summary.backend}")
    results = load_results(args.out)
    exports = results[results["indicator"] == "tech_exports"]
    table = exports.pivot_table(index="policies.export_promotion.budget",
                                columns="risks.coordination", values="value", aggfunc="mean")
    print("tech exports at the horizon (USD m/quarter, mean over seeds):")
    print(table.round(1).to_string())
    return results


if __name__ == "__main__":
    main()
