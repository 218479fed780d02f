"""clustersim: an agent-based model of joint Belarus-Azerbaijan industrial clusters.

from sim import ClusterModel, load_scenario, run_scenario
table = run_scenario(load_scenario("scenarios/baseline.toml"), seeds=range(5))

What a script needs is importable from here: building and running models
(:class:`ClusterModel`, :func:`load_scenario`, :func:`run_scenario`, :func:`run_many`),
changing a scenario by parameter path (:func:`scenario_with`), flat named outcomes of a scenario
with values set by path, optionally paired with a reference (:func:`evaluate`), the model in the
EMA Workbench (:mod:`sim.ema`), sweeps with their result store (:func:`load_sweep`,
:func:`run_sweep`, :func:`load_results`, :func:`compact_store`), and scenario discovery over a
store (:func:`discover`). The package's folders say
where everything else lives: ``inputs`` (parameters, country data, fitted values, scenarios),
``agents``, ``phases`` (one module per phase of a quarter), ``network``, ``policies``,
``indicators``, ``experiments`` (runs, sweeps, sensitivity, calibration), ``validation``,
``reporting``, ``cli`` and ``viz``.
"""

from importlib.metadata import PackageNotFoundError, version

from sim import ema
from sim.experiments.discovery import discover
from sim.experiments.evaluation import evaluate
from sim.experiments.runs import run_many, run_model, run_scenario
from sim.experiments.store import compact_store, load_failures, load_results, load_runs
from sim.experiments.sweep import load_sweep, sweep_from_dict
from sim.experiments.sweep_runner import dask_executor, run_sweep
from sim.inputs.parameter_paths import scenario_with
from sim.inputs.scenario import (
    Scenario,
    ScenarioError,
    bundled_scenarios,
    default_scenario,
    load_scenario,
)
from sim.model import ClusterModel

try:
    __version__ = version("clustersim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["ClusterModel", "Scenario", "ScenarioError", "bundled_scenarios", "compact_store",
           "dask_executor", "default_scenario", "discover", "ema", "evaluate", "load_failures",
           "load_results", "load_runs", "load_scenario", "load_sweep", "run_many", "run_model",
           "run_scenario", "run_sweep", "scenario_with", "sweep_from_dict", "__version__"]
