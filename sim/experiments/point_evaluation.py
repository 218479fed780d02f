"""Evaluating one point of a model sweep: the base scenario with the point's values, run with a
seed, reduced to the indicators the sweep keeps."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.indicators import COUNTRY_KEYS, GROWTH_INDICATORS, KEY_INDICATORS
from sim.inputs.parameter_paths import Target, with_values
from sim.inputs.params import Param
from sim.inputs.scenario import Scenario


@dataclass(frozen=True)
class Outputs:
    """What the model keeps per run: indicators and countries at the horizon, with the growth
    rates averaged over quarters 1..T; optionally every quarter's values."""

    indicators: tuple[str, ...] = tuple(KEY_INDICATORS)
    countries: tuple[str, ...] = COUNTRY_KEYS
    trajectories: bool = False


@dataclass(frozen=True)
class ModelEvaluator:
    """Evaluates one point of a model sweep: the base scenario with the point's values, run
    with a seed, reduced to the chosen indicators.

    Attributes:
        base: the base scenario (fixed values set).
        targets: ``(parameter name, target, declaration)`` of every varied parameter.
        outputs: what each run keeps.
    """

    base: Scenario
    targets: tuple[tuple[str, Target, Param], ...]
    outputs: Outputs = Outputs()

    def scenario(self, point: Mapping[str, Any]) -> Scenario:
        """The validated scenario of a point.

        Raises:
            ParamError: a value is invalid or a changed policy is inconsistent.
        """
        values = {}
        for name, target, param in self.targets:
            if name in point:
                values[target] = param.validate(point[name], name)
        return with_values(self.base, values)

    def __call__(self, point: Mapping[str, Any], seed: int) -> dict[str, Any]:
        """Run the point's scenario with ``seed``; return the outputs as columns."""
        from sim.experiments.runs import run_model

        model = run_model(self.scenario(point), seed)
        return model_outputs(model.indicator_array(), model.indicator_names(), self.outputs)


def model_outputs(array: np.ndarray, names: Sequence[str], outputs: Outputs) -> dict[str, Any]:
    """One run's outputs from its indicator array (steps, countries, indicators).

    Each indicator's value at the horizon T, except the growth rates, which are averaged over
    quarters 1..T (NaN quarters ignored) like the scorecard's.

    Returns:
        Columns ``country``, ``indicator``, ``value``; with ``outputs.trajectories`` also
        ``trajectories``: columns ``step``, ``country``, ``indicator``, ``value`` of every
        quarter.
    """
    ci = [COUNTRY_KEYS.index(c) for c in outputs.countries]
    ii = [list(names).index(i) for i in outputs.indicators]
    sub = array[:, ci][:, :, ii]  # (steps, countries, indicators)
    horizon = sub[-1].copy()
    for k, name in enumerate(outputs.indicators):
        if name in GROWTH_INDICATORS:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all NaN: the mean is NaN
                horizon[:, k] = np.nanmean(sub[1:, :, k], axis=0) if len(sub) > 1 \
                    else math.nan
    n_c, n_i = len(ci), len(ii)
    result: dict[str, Any] = {
        "country": np.repeat(outputs.countries, n_i).tolist(),
        "indicator": list(outputs.indicators) * n_c,
        "value": horizon.ravel().astype(float),
    }
    if outputs.trajectories:
        steps = sub.shape[0]
        result["trajectories"] = {
            "step": np.repeat(np.arange(steps), n_c * n_i),
            "country": np.tile(np.repeat(outputs.countries, n_i), steps).tolist(),
            "indicator": list(outputs.indicators) * (n_c * steps),
            "value": sub.ravel().astype(float),
        }
    return result
