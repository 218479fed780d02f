"""Validation of the baseline: calibration targets from data and stylized facts.

Two kinds of check, both over several seeds of the baseline scenario:

- **Targets** (``sim/data/targets.toml``): country figures with their source, year and
  tolerance. *Inputs* are set directly from the country data (tax rates, park regimes): the
  check is that the model applies them as given. *Outputs* emerge from behaviour (R&D over
  output, SME shares, FDI over output, AZ-BY trade over output): the calibration must make the
  model land near them. Money in the model is at the scale of the modelled firm sample, so every
  output is a ratio.
- **Stylized facts** of industrial dynamics: a Zipf-like upper tail of firm sizes, tent-shaped
  growth rates with fat tails, a skewed and core-periphery cooperation network, and persistent
  innovation. Each has a test statistic computed per seed.

The modules:

- :mod:`~sim.validation.statistics`: the statistics, pure functions over numpy arrays;
- :mod:`~sim.validation.observations`: :func:`collect_run` steps a model and records what they
  need (per quarter: firm ids, workers, sales, innovation, and sums by country; at the end: the
  cooperation ties);
- :mod:`~sim.validation.targets`: the targets file and the measure of each target;
- :mod:`~sim.validation.facts`: the statistics of one run and the facts they test;
- :mod:`~sim.validation.evaluation`: :func:`validate` runs the seeds and evaluates everything;
- :mod:`~sim.validation.report` and :mod:`~sim.validation.figures`:
  :func:`write_validation_report` writes ``docs/validation.md`` and its figures
  (``clustersim validate``).
"""

from sim.validation.evaluation import validate
from sim.validation.facts import FACT_STATISTICS, fact_holds, run_statistics
from sim.validation.figures import FIGURES
from sim.validation.observations import RunObservations, collect_run
from sim.validation.report import write_validation_report
from sim.validation.statistics import (
    core_periphery,
    degree_statistics,
    growth_rates,
    hill_exponent,
    kurtosis,
    laplace_loglik,
    normal_loglik,
    panel,
    persistence,
    power_law_fit,
    random_edges,
    random_graph_rho,
    subbotin_shape,
    yearly,
)
from sim.validation.targets import (
    MEASURES,
    TARGETS_FILE,
    ValidationError,
    allowed_range,
    load_targets,
    national_scale,
    within_tolerance,
)

__all__ = [
    "FACT_STATISTICS",
    "FIGURES",
    "MEASURES",
    "TARGETS_FILE",
    "RunObservations",
    "ValidationError",
    "allowed_range",
    "collect_run",
    "core_periphery",
    "degree_statistics",
    "fact_holds",
    "growth_rates",
    "hill_exponent",
    "kurtosis",
    "laplace_loglik",
    "load_targets",
    "national_scale",
    "normal_loglik",
    "panel",
    "persistence",
    "power_law_fit",
    "random_edges",
    "random_graph_rho",
    "run_statistics",
    "subbotin_shape",
    "validate",
    "within_tolerance",
    "write_validation_report",
    "yearly",
]
