"""Does the installed fit still hold? The objective of the fitted values recomputed.

A fitted-values file records the objective ``J`` its calibration reached, the seeds and
quarters it was computed on, and the library versions of the machine that computed it
(``[fit]`` of ``sim/data/calibration.toml``). :func:`check_fit` runs the calibration's
baseline at the installed values on the same seeds and quarters and compares the objective
with the recorded one: the same code, seeds and library versions give the same ``J`` to the
last digit, so a difference beyond the tolerance means the model (or a library) has changed
since the fit and the calibration should be run again (``clustersim calibrate``).
"""

from __future__ import annotations

import math
import tomllib
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.experiments.calibration import evaluate
from sim.experiments.calibration_definition import (
    DEFAULT_FILE,
    CalibrationError,
    load_calibration,
)
from sim.i18n import t
from sim.inputs.fitted import FittedError, fitted_file, fitted_in_use
from sim.reporting.files import versions

#: Largest relative difference between the recomputed and the recorded objective that passes
#: (implementation: the same code and seeds reproduce J exactly; 5% leaves room for
#: floating-point differences between library versions and no more, since a change of the
#: model that moves J by more than that calls for a new fit).
CHECK_TOLERANCE = 0.05
#: Root of the project, against which the definition a fit records is resolved
#: (implementation).
REPO = Path(__file__).resolve().parents[2]


@dataclass
class FitCheck:
    """The outcome of :func:`check_fit`.

    Attributes:
        file: the fitted-values file checked.
        definition: the calibration definition it records.
        recorded, recomputed: the objective then and now.
        tolerance: the largest relative difference that passes.
        seeds, steps: where the objective was recomputed.
        version_changes: library -> (recorded version, installed version), for each that
            differs (empty when the fit recorded none).
    """

    file: Path
    definition: Path
    recorded: float
    recomputed: float
    tolerance: float
    seeds: list[int]
    steps: int
    version_changes: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def relative_change(self) -> float:
        """(recomputed - recorded) / recorded."""
        return (self.recomputed - self.recorded) / self.recorded if self.recorded else math.inf

    @property
    def passed(self) -> bool:
        """Whether the recomputed objective is within the tolerance of the recorded one."""
        return abs(self.relative_change) <= self.tolerance

    def summary(self) -> str:
        """One or two lines for the terminal."""
        seeds = ", ".join(map(str, self.seeds))
        lines = [t(f"msg.calibration.report.{'check_holds' if self.passed else 'check_fails'}",
                   file=self.file, recomputed=f"{self.recomputed:.4g}", seeds=seeds,
                   steps=self.steps, recorded=f"{self.recorded:.4g}",
                   change=f"{self.relative_change:+.1%}", tolerance=f"{self.tolerance:.0%}")]
        if self.version_changes:
            lines.append(t("msg.calibration.report.check_versions", changes=", ".join(
                f"{k} {a} -> {b}" for k, a, b in
                ((k, *v) for k, v in sorted(self.version_changes.items())))))
        return "\n".join(lines)


def _fit_record(path: Path) -> dict[str, Any]:
    """The ``[fit]`` table of a fitted-values file."""
    try:
        with path.open("rb") as fh:
            fit = tomllib.load(fh).get("fit")
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise FittedError(f"{path}: cannot be read: {err}") from None
    if not isinstance(fit, dict):
        raise FittedError(f"{path}: has no [fit] table recording the calibration")
    objective = fit.get("objective")
    if isinstance(objective, bool) or not isinstance(objective, (int, float)) \
            or not math.isfinite(objective) or objective < 0:
        raise FittedError(f"{path}: fit.objective: expected the non-negative objective the "
                          "calibration reached")
    return fit


def check_fit(definition: str | Path | None = None, tolerance: float = CHECK_TOLERANCE,
              pool: Executor | None = None) -> FitCheck:
    """Recompute the objective of the fitted values in use on the seeds and quarters their
    fit recorded.

    Args:
        definition: the calibration definition (default: the one the fit records, else the
            bundled one).
        tolerance: largest relative difference of the objective that passes.
        pool: an executor to run the seeds in parallel (None: in this process).

    Raises:
        FittedError: no fitted values are installed, or their file is malformed.
        CalibrationError: the definition is invalid or does not match the fit (a free
            parameter the fit lacks).
    """
    path = fitted_file()
    if not path.exists():
        raise FittedError(f"{path}: no fitted values are installed; nothing to check")
    fit = _fit_record(path)
    values = fitted_in_use().values
    if definition is None:
        recorded = fit.get("definition")
        definition = (REPO / recorded) if isinstance(recorded, str) else DEFAULT_FILE
    spec = load_calibration(definition)
    missing = [p.path for p in spec.free if p.path not in values]
    if missing:
        raise CalibrationError(spec.source, f"free.{missing[0]}", f"{path} has no fitted value "
                               "for it: the fit was made with another definition")
    seeds = fit.get("seeds", spec.seeds)
    steps = fit.get("steps", spec.steps)
    if not (isinstance(seeds, list) and seeds and all(isinstance(s, int) for s in seeds)):
        raise FittedError(f"{path}: fit.seeds: expected the list of seeds of the fit")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise FittedError(f"{path}: fit.steps: expected the quarters of the fit")
    spec.seeds, spec.steps = list(seeds), int(steps)
    point = evaluate(spec, [values[p.path][0] for p in spec.free], pool)
    recorded_versions = fit.get("versions", {})
    now = versions()
    changes = ({k: (str(v), now.get(k, "not installed")) for k, v in recorded_versions.items()
                if str(v) != now.get(k, "not installed")}
               if isinstance(recorded_versions, dict) else {})
    return FitCheck(path, Path(spec.source), float(fit["objective"]), point.objective,
                    tolerance, spec.seeds, spec.steps, changes)
