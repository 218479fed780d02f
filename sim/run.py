"""The one run function: a scenario and seeds in, a tidy indicators table out.

The command line, the browser view and the experiments all call :func:`run_scenario`
(or :func:`run_model` for a single live model).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.indicators import COUNTRY_KEYS
from sim.model import ClusterModel
from sim.scenario import Scenario, load_scenario

TABLE_COLUMNS = ["scenario", "seed", "step", "country", "indicator", "value"]


def run_model(scenario: Scenario, seed: int, steps: int | None = None,
              on_step: Callable[[ClusterModel], None] | None = None) -> ClusterModel:
    """Build a model for ``scenario`` and ``seed`` and run it ``steps`` quarters."""
    model = ClusterModel(scenario, seed=seed)
    for _ in range(scenario.model["steps"] if steps is None else steps):
        model.step()
        if on_step is not None:
            on_step(model)
    model.finish()
    return model


def model_table(model: ClusterModel, scenario_name: str) -> pd.DataFrame:
    """The tidy indicators table of one model run."""
    arr = model.indicator_array()  # (steps, countries, indicators)
    steps, n_c, n_i = arr.shape
    return pd.DataFrame({
        "scenario": scenario_name,
        "seed": model.seed,
        "step": np.repeat(np.arange(steps), n_c * n_i),
        "country": np.tile(np.repeat(COUNTRY_KEYS, n_i), steps),
        "indicator": np.tile(model.indicator_names(), steps * n_c),
        "value": arr.ravel(),
    }, columns=TABLE_COLUMNS)


def run_scenario(scenario: Scenario | str | Path, seeds: Sequence[int] = (0,),
                 steps: int | None = None, progress: bool = False) -> pd.DataFrame:
    """Run a scenario once per seed and return the tidy indicators table.

    Args:
        scenario: a Scenario or the path of a scenario file.
        seeds: one run per seed.
        steps: quarters to run (default: the scenario's ``model.steps``).
        progress: show a progress bar (it appears only if the work takes over a second).

    Returns:
        DataFrame with columns scenario, seed, step, country, indicator, value.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    horizon = scenario.model["steps"] if steps is None else steps
    tables = []
    with tqdm(total=len(seeds) * horizon, disable=not progress, delay=1.0, unit="quarter",
              desc=scenario.name, leave=False) as bar:
        for seed in seeds:
            model = run_model(scenario, seed, horizon, on_step=lambda _m: bar.update())
            tables.append(model_table(model, scenario.name))
    return pd.concat(tables, ignore_index=True)
