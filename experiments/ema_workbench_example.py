"""The model in the EMA Workbench: the full package under uncertain risks, with two levers.

``sim.ema.build_model`` makes the Workbench model: the uncertainties (three risks) and levers
(two instrument settings) are parameter paths whose types and bounds come from the project's
declarations, and each experiment calls ``sim.evaluate``: the full package with the
experiment's values, run over the seeds, each outcome its median change from the baseline with
the same seed (the scorecard's paired change; the baseline runs once per seed and is reused).
ema-workbench is installed with the package (``./setup.sh``). ::

    .venv/bin/python experiments/ema_workbench_example.py          # 8 x 2 experiments, 2 seeds
    .venv/bin/python experiments/ema_workbench_example.py --processes 2 --out ema.csv
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import sim.ema
from sim import load_scenario

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="ipyparallel not installed")
    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator, perform_experiments

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
UNCERTAINTIES = {"risks.coordination": None,             # the declared bounds, [0, 1]
                 "risks.implementation": (0.2, 1.0),     # narrower than declared
                 "risks.mistargeting": (0.0, 3.0)}
LEVERS = {"policies.sme_subsidy.budget": (0.0, 4.0), "policies.tax_break.profit_relief": None}
OUTCOMES = ["JOINT.tech_exports", "JOINT.productivity_growth", "JOINT.equipment_generation",
            "JOINT.gross_fiscal_cost"]


def build_model(seeds: int, quarters: int, firm_scale: float):
    """The EMA model: the full package against the baseline, both at ``firm_scale``."""
    base = load_scenario(SCENARIOS / "full_package.toml").with_model(firm_scale=firm_scale)
    baseline = load_scenario(SCENARIOS / "baseline.toml").with_model(firm_scale=firm_scale)
    return sim.ema.build_model(base, uncertainties=UNCERTAINTIES, levers=LEVERS,
                               outcomes=OUTCOMES, seeds=seeds, steps=quarters,
                               relative_to=baseline)


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Sample, run and print the experiments with their outcomes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=8, help="LHS samples of the risks")
    parser.add_argument("--policies", type=int, default=2, help="LHS samples of the levers")
    parser.add_argument("--seeds", type=int, default=2, help="seeds 0..N-1 per experiment")
    parser.add_argument("--quarters", type=int, default=40)
    parser.add_argument("--firm-scale", type=float, default=1.0)
    parser.add_argument("--processes", type=int, default=1, help="worker processes (1: here)")
    parser.add_argument("--out", type=Path, help="also write the table as CSV")
    args = parser.parse_args(argv)
    model = build_model(args.seeds, args.quarters, args.firm_scale)
    if args.processes > 1:
        with MultiprocessingEvaluator(model, n_processes=args.processes) as evaluator:
            experiments, outcomes = evaluator.perform_experiments(args.scenarios,
                                                                  args.policies)
    else:
        experiments, outcomes = perform_experiments(model, args.scenarios, args.policies,
                                                    evaluator=SequentialEvaluator(model))
    table = pd.concat([experiments.reset_index(drop=True),
                       pd.DataFrame({k: np.asarray(v).ravel() for k, v in outcomes.items()})],
                      axis=1)
    columns = [p.name for p in (*model.uncertainties, *model.levers)]
    columns += [o.name for o in model.outcomes]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table[columns].round(3).to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)
    return table


if __name__ == "__main__":
    main()
