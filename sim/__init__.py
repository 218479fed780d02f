"""clustersim: an agent-based model of joint Belarus-Azerbaijan industrial clusters.

from sim import ClusterModel, load_scenario, run_scenario
table = run_scenario(load_scenario("scenarios/baseline.toml"), seeds=range(5))
"""

from importlib.metadata import PackageNotFoundError, version

from sim.model import ClusterModel
from sim.run import run_many, run_model, run_scenario
from sim.scenario import Scenario, ScenarioError, default_scenario, load_scenario

try:
    __version__ = version("clustersim")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["ClusterModel", "Scenario", "ScenarioError", "default_scenario", "load_scenario",
           "run_many", "run_model", "run_scenario", "__version__"]
