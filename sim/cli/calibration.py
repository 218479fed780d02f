"""``clustersim validate`` and ``clustersim calibrate``: the model against its calibration
targets, and the fit of its free parameters to them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.errors import UsageError
from sim.cli.output import check_out, write_atomically


def cmd_validate(args: argparse.Namespace) -> int:
    """``clustersim validate``: the baseline over several seeds against its calibration
    targets and stylized facts, written to a Markdown report with figures."""
    from sim.cli.parser import DOCS_VALIDATION
    from sim.validation.report import write_validation_report
    from sim.validation.targets import ValidationError

    out = args.out
    if args.docs:
        out = DOCS_VALIDATION
    elif out is None:  # not the tracked report: a folder of its own under runs/
        out = check_out(None, "validation", False) / "validation.md"
    try:
        result = write_validation_report(range(args.seeds), args.steps, out,
                                         progress=not args.quiet)
    except ValidationError as err:
        raise UsageError(str(err)) from None
    met = sum(c.passed for c in result.targets + result.facts)
    total = len(result.targets) + len(result.facts)
    print(f"wrote {out} and {out.parent / 'img'}/validation_*.png: {met} of {total} "
          "targets and facts pass")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``clustersim calibrate``: fit the free parameters and write the fit report; with
    ``--install``, install the fitted values and the report in the project."""
    from dataclasses import replace

    from sim.experiments.calibration import (
        DEFAULT_FILE,
        calibrate,
        load_calibration,
        progress_to_stderr,
    )
    from sim.experiments.calibration_report import fitted_summary, install, write_outputs
    from sim.experiments.runs import available_cpus

    if args.instrument is not None:
        return _fit_instrument(args)
    if args.seeds is not None or args.scale is not None:
        raise UsageError("calibrate: --seeds and --scale go with --instrument")
    if args.check:
        return _check(args)
    if args.tolerance is not None:
        raise UsageError("calibrate: --tolerance goes with --check")
    installing = args.install
    path = args.definition or DEFAULT_FILE
    spec = load_calibration(path)
    if args.max_evaluations:
        spec = replace(spec, max_evaluations=args.max_evaluations)
    out = check_out(args.out, f"calibration-{spec.name}", args.force)
    workers = args.workers or min(available_cpus(), len(spec.seeds))
    if not args.quiet:
        progress_to_stderr(f"calibrate: {len(spec.free)} free parameters, "
                           f"{len(spec.seeds)} seeds x {spec.steps} quarters a point, at most "
                           f"{spec.max_evaluations} points, {workers} worker(s)")
    result = calibrate(spec, workers, None if args.quiet else progress_to_stderr)
    definition = _shown_path(Path(path))
    write_atomically(out, args.force, lambda tmp: write_outputs(
        result, tmp, definition, installed=installing and not result.interrupted))
    lines = [f"calibrate: J {result.start.objective:.3g} -> {result.best.objective:.3g} after "
             f"{len(result.trace)} points ({result.message}); wrote {out}/"]
    if result.interrupted:
        print("\n".join(lines) + "\ncalibrate: interrupted: the best point so far is in the "
              "folder; nothing was installed", file=sys.stderr)
        return 143 if result.terminated else 130
    if installing:
        written = install(out)
        lines.append("installed " + ", ".join(_shown_path(p) for p in written))
    else:
        lines.append("nothing installed (--install puts the values in "
                     "sim/data/calibration.toml and the report in docs/; "
                     f"CLUSTERSIM_CALIBRATION={out}/calibration.toml uses them without)")
    print("\n".join(lines) + "\n" + fitted_summary(result))
    return 0


def _fit_instrument(args: argparse.Namespace) -> int:
    """``clustersim calibrate --instrument NAME``: fit an instrument's effect sizes to its
    published evaluations."""
    from sim.cli.evidence import bundled_model
    from sim.validation.evidence_fit import fit_instrument, install, summary
    from sim.validation.evidence_report import EvidenceError

    if args.definition is not None or args.check:
        raise UsageError("calibrate: --instrument fits an instrument's effect sizes; it takes "
                         "no calibration file and no --check")
    seeds = range(args.seeds or 3)
    scale = args.scale or 0.5

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"calibrate: {message}", file=sys.stderr, flush=True)

    try:
        result = fit_instrument(args.instrument, seeds, scale, bundled_model,
                                max_evaluations=args.max_evaluations or 16,
                                progress=progress)
    except EvidenceError as err:
        raise UsageError(f"calibrate: {err}") from None
    print(summary(result))
    if args.install:
        install(result)
        print("calibrate: installed in sim/data/policy_fit.toml")
    return 0


def _check(args: argparse.Namespace) -> int:
    """``clustersim calibrate --check``: the installed fit's objective recomputed."""
    from sim.experiments.calibration_check import CHECK_TOLERANCE, check_fit
    from sim.experiments.calibration_definition import CalibrationError
    from sim.experiments.runs import available_cpus, process_pool
    from sim.inputs.fitted import FittedError

    tolerance = CHECK_TOLERANCE if args.tolerance is None else args.tolerance
    workers = args.workers or min(available_cpus(), 4)
    pool = process_pool(workers) if workers > 1 else None
    try:
        result = check_fit(args.definition, tolerance, pool)
    except (FittedError, CalibrationError) as err:
        raise UsageError(f"calibrate --check: {err}") from None
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    print(result.summary())
    return 0 if result.passed else 1


def _shown_path(path: Path) -> str:
    """``path`` relative to the working folder when it lies below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
