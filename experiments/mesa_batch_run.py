"""ClusterModel under ``mesa.batch_run``: Mesa's own parameter sweep.

``ClusterModel`` takes keyword parameters (a scenario file, model parameters and risks by name,
any parameter by its dotted path, and ``seed``/``rng``) and has a ``datacollector`` with the
quarter and the nine key indicators of each country and of both together as model reporters
(``AZ.tech_exports``, ``BY.tech_exports``, ``JOINT.tech_exports``, ...), so ``batch_run`` can
run it like any Mesa model, over numpy grids too::

    .venv/bin/python experiments/mesa_batch_run.py                       # 3 x 2 runs, 40 quarters
    .venv/bin/python experiments/mesa_batch_run.py --quarters 4 --firm-scale 0.1 --seeds 1

Two things differ from clustersim's own sweeps: ``max_steps`` counts Mesa's steps, which include
the warm-up quarters (``model.warmup``, 12 by default), so 40 quarters need
``max_steps = 12 + 40`` (a run that ends within the warm-up warns that it reports quarter 0);
and one failing run makes ``batch_run`` lose every result, while ``clustersim sweep`` records
the failure and keeps the others.

``batch_run`` calls ``multiprocessing.set_start_method("spawn", force=True)`` for the whole
process, and its worker processes import this file again: hence ``if __name__ == "__main__"``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from mesa.batchrunner import batch_run

from sim import ClusterModel
from sim.indicators import COUNTRY_KEYS

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "tax_break.toml"
#: Indicators printed (the table written with --out has all nine for each country).
SHOWN = ("tech_exports", "productivity_growth")


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Run the batch and print the indicators at the last quarter."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarters", type=int, default=40)
    parser.add_argument("--firm-scale", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, default=2, help="seeds 0..N-1")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", type=Path, help="also write the table as CSV")
    args = parser.parse_args(argv)
    warmup = 12  # the scenario's model.warmup
    start = time.perf_counter()
    results = batch_run(
        ClusterModel,
        parameters={
            "scenario": str(SCENARIO),       # a path is loaded and validated
            # a policy parameter by path, over a numpy grid: the break ends after quarter
            # 8, 24 or 40
            "policies.tax_break.end": np.arange(8, 41, 16),
            "selectivity": 0.3,              # a model parameter by name
            "coordination": 0.8,             # a risk by name
            "firm_scale": args.firm_scale,
        },
        rng=list(range(args.seeds)),         # one run per seed and parameter combination
        max_steps=warmup + args.quarters,
        number_processes=args.processes,
        data_collection_period=-1,           # the last quarter only
        display_progress=False,
    )
    seconds = time.perf_counter() - start
    table = pd.DataFrame(results)
    columns = ["RunId", "seed", "policies.tax_break.end", "quarter",
               *(f"{country}.{name}" for name in SHOWN for country in COUNTRY_KEYS)]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table[columns].round(3).to_string(index=False))
    print(f"{len(table)} runs of {args.quarters} quarters in {seconds:.1f} s on "
          f"{args.processes} processes (worker start-up included)")
    if args.out:
        table.to_csv(args.out, index=False)
    return table


if __name__ == "__main__":
    main()
