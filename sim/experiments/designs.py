"""Experimental designs: the points a sweep runs.

``grid`` (every combination of the parameters' values), ``list`` (the points given in the
file), ``lhs`` (a Latin hypercube over their ranges) and the sensitivity designs ``morris``
(trajectories for Morris screening) and ``sobol`` (Saltelli's sample for Sobol indices); the
last three are drawn with SALib. :func:`check_design` checks a sweep's design settings,
:func:`check_point` each point, before anything runs.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.experiments.point_evaluation import ModelEvaluator
from sim.experiments.sweep_parameters import Parameter, SweepError
from sim.inputs.params import ParamError

if TYPE_CHECKING:
    from sim.experiments.sweep import Sweep

#: Designs a sweep may use; the last two are the sensitivity methods.
METHODS = ("grid", "lhs", "list", "morris", "sobol")
SENSITIVITY_METHODS = ("morris", "sobol")
#: Defaults of the design settings.
GRID_LEVELS, MORRIS_LEVELS, MORRIS_TRAJECTORIES, SOBOL_SAMPLES = 5, 4, 10, 64


@dataclass(frozen=True)
class Design:
    """The points of a sweep.

    Attributes:
        points: one dict per sample index, parameter name to value.
        matrix: the sample as SALib drew it (before integers were rounded), for the Morris
            analysis; None for grid and list designs.
    """

    points: list[dict[str, Any]]
    matrix: np.ndarray | None = None


def check_design(sweep: Sweep, samples_key: str) -> None:
    """Check that the design's settings suit its method and parameters."""
    src, method = sweep.source, sweep.method
    if method in ("grid", "list"):
        for p in sweep.parameters:
            if p.values is None and p.low is None:
                raise SweepError(src, f"vary.{p.name}", "a grid needs values or a range")
        return
    if not sweep.parameters:
        raise SweepError(src, "vary", f"a {method} design needs at least one parameter with a "
                         "range")
    for p in sweep.parameters:
        if p.values is not None or not p.numeric:
            raise SweepError(src, f"vary.{p.name}", f"{method} samples a range: give low and "
                             "high ({} for the declared bounds), not a list of values")
    if method == "lhs" and sweep.samples is None:
        raise SweepError(src, samples_key, "an lhs design needs samples (the number of points)")
    if method == "morris":
        levels = sweep.levels or MORRIS_LEVELS
        if levels < 2 or levels % 2:
            raise SweepError(src, "design.levels", f"{levels} is not allowed; Morris needs an "
                             "even number of levels >= 2 (default 4)")
        if (sweep.samples or MORRIS_TRAJECTORIES) < 2:
            raise SweepError(src, samples_key, "Morris needs at least 2 trajectories")
    if method == "sobol":
        n = sweep.samples or SOBOL_SAMPLES
        if n < 2 or n & (n - 1):
            raise SweepError(src, samples_key, f"{n} is not allowed; Sobol needs N a power of "
                             "2 (e.g. 64, 128, 256): it runs N(2D+2) points with second order, "
                             "N(D+2) without")
        if sweep.second_order and len(sweep.parameters) < 2:
            raise SweepError(src, "design.second_order", "second-order indices need at least "
                             "two parameters; set second_order = false")


def salib_problem(parameters: Sequence[Parameter]) -> dict[str, Any]:
    """The SALib problem of sampled parameters (names and ranges)."""
    return {"num_vars": len(parameters), "names": [p.name for p in parameters],
            "bounds": [[p.low, p.high] for p in parameters]}


def make_design(sweep: Sweep) -> Design:
    """The points of the sweep's design (and the matrix SALib drew them from)."""
    params, method = sweep.parameters, sweep.method
    if method == "list":
        return Design([dict(p) for p in sweep.points or []])
    if method == "grid":
        grids = [p.grid(sweep.levels or GRID_LEVELS) for p in params]
        return Design([{p.name: v for p, v in zip(params, combo, strict=True)}
                       for combo in itertools.product(*grids)])
    problem = salib_problem(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # SALib's notes on sample sizes
        if method == "lhs":
            from SALib.sample import latin

            matrix = latin.sample(problem, sweep.samples, seed=sweep.design_seed)
        elif method == "morris":
            from SALib.sample import morris

            matrix = morris.sample(problem, sweep.samples or MORRIS_TRAJECTORIES,
                                   num_levels=sweep.levels or MORRIS_LEVELS,
                                   seed=sweep.design_seed)
        else:
            from SALib.sample import sobol

            matrix = sobol.sample(problem, sweep.samples or SOBOL_SAMPLES,
                                  calc_second_order=sweep.second_order, seed=sweep.design_seed)
    points = [{p.name: p.convert(x) for p, x in zip(params, row, strict=True)}
              for row in matrix]
    return Design(points, np.asarray(matrix, dtype=float))


def runs_needed(method: str, samples: int, parameters: int, second_order: bool = True) -> int:
    """Points a sensitivity method needs: Morris N(D+1), Sobol N(2D+2) (N(D+2) without second
    order)."""
    if method == "morris":
        return samples * (parameters + 1)
    if method == "sobol":
        return samples * (2 * parameters + 2 if second_order else parameters + 2)
    raise ValueError(f"not a sensitivity method: {method}")


def check_point(sweep: Sweep, sample: int, point: Mapping[str, Any]) -> None:
    """Check that a point gives a valid scenario (model sweeps), before anything runs.

    Raises:
        SweepError: naming the sample and the parameter.
    """
    if isinstance(sweep.evaluate, ModelEvaluator):
        try:
            sweep.evaluate.scenario(point)
        except ParamError as err:
            raise SweepError(sweep.source, f"sample {sample}",
                             f"{err.key}: {err.message}") from None
