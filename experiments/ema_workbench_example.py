"""The model in the EMA Workbench: the full package under uncertain risks, with two levers.

``clustersim_model`` wraps :func:`sim.run_scenario` as an EMA model function: keyword
parameters in (risks are the uncertainties, instrument settings the levers), a dict of outcomes
out (indicators at the horizon, growth rates averaged over quarters 1..T as in the scorecard).
The Workbench samples them, runs each experiment over several seeds (replications) and averages
the outcomes over the seeds. ema-workbench is installed with the package (``./setup.sh``). ::

    .venv/bin/python experiments/ema_workbench_example.py          # 8 x 2 experiments, 2 seeds
    .venv/bin/python experiments/ema_workbench_example.py --processes 2 --out ema.csv
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from sim import load_scenario, run_scenario, scenario_with
from sim.reporting.scorecard import aggregate_growth

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="ipyparallel not installed")
    from ema_workbench import (
        Constant,
        MultiprocessingEvaluator,
        RealParameter,
        ReplicatorModel,
        ScalarOutcome,
        SequentialEvaluator,
        perform_experiments,
    )

BASE = Path(__file__).resolve().parent.parent / "scenarios" / "full_package.toml"
OUTCOMES = ("tech_exports", "productivity_growth", "equipment_generation", "budget_spent")


def clustersim_model(coordination: float = 1.0, implementation: float = 1.0,
                     mistargeting: float = 0.0, sme_budget: float = 2.0,
                     profit_relief: float = 1.0, firm_scale: float = 1.0, quarters: int = 40,
                     seed: int = 0) -> dict[str, float]:
    """One run of the full package; the outcomes for both countries at the horizon."""
    scenario = scenario_with(load_scenario(BASE), {
        "risks.coordination": coordination,
        "risks.implementation": implementation,
        "risks.mistargeting": mistargeting,
        "policies.sme_subsidy.budget": sme_budget,
        "policies.tax_break.profit_relief": profit_relief,
        "model.firm_scale": firm_scale,
    })
    table = aggregate_growth(run_scenario(scenario, seeds=[int(seed)], steps=int(quarters)))
    last = table[(table["step"] == table["step"].max()) & (table["country"] == "JOINT")]
    values = last.set_index("indicator")["value"]
    return {name: float(values[name]) for name in OUTCOMES}


def build_model(replications: int, quarters: int, firm_scale: float) -> ReplicatorModel:
    """The EMA model: uncertainties, levers, constants, outcomes and seeds."""
    model = ReplicatorModel("clustersim", function=clustersim_model)
    model.uncertainties = [RealParameter("coordination", 0.0, 1.0),
                           RealParameter("implementation", 0.2, 1.0),
                           RealParameter("mistargeting", 0.0, 3.0)]
    model.levers = [RealParameter("sme_budget", 0.0, 4.0),
                    RealParameter("profit_relief", 0.0, 1.0)]
    model.constants = [Constant("quarters", quarters), Constant("firm_scale", firm_scale)]
    model.outcomes = [ScalarOutcome(name, function=np.mean) for name in OUTCOMES]
    model.replications = [{"seed": seed} for seed in range(replications)]
    return model


def main(argv: list[str] | None = None) -> pd.DataFrame:
    """Sample, run and print the experiments with their outcomes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=8, help="LHS samples of the risks")
    parser.add_argument("--policies", type=int, default=2, help="LHS samples of the levers")
    parser.add_argument("--replications", type=int, default=2, help="seeds per experiment")
    parser.add_argument("--quarters", type=int, default=40)
    parser.add_argument("--firm-scale", type=float, default=1.0)
    parser.add_argument("--processes", type=int, default=1, help="worker processes (1: here)")
    parser.add_argument("--out", type=Path, help="also write the table as CSV")
    args = parser.parse_args(argv)
    model = build_model(args.replications, args.quarters, args.firm_scale)
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
    columns = ["coordination", "implementation", "mistargeting", "sme_budget",
               "profit_relief", *OUTCOMES]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table[columns].round(3).to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)
    return table


if __name__ == "__main__":
    main()
