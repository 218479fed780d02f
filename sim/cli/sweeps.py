"""``clustersim sweep`` and ``clustersim sensitivity``: a sweep run into its result store, on
local processes or Dask (and analysed)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from sim.cli.errors import UsageError


def cmd_sweep(args: argparse.Namespace) -> int:
    """``clustersim sweep`` and ``clustersim sensitivity``: run a sweep into its result store
    (and analyse it). Exit 0 when every run finished, 1 when some failed (they are recorded),
    130 on Ctrl-C (what finished is kept)."""
    from sim.experiments.store import StoreError
    from sim.experiments.sweep import SENSITIVITY_METHODS, load_sweep

    method = getattr(args, "method", None)
    if method is not None and method not in SENSITIVITY_METHODS:
        raise UsageError(f"--method {method}: expected morris or sobol")
    if args.resume and args.force:
        raise UsageError("--resume and --force: give one (continue the store, or replace it)")
    if args.retry_failed and not args.resume:
        raise UsageError("--retry-failed goes with --resume")
    samples = getattr(args, "samples", None)
    sweep = load_sweep(args.definition, method=method, samples=samples)
    if args.command == "sensitivity" and sweep.method not in SENSITIVITY_METHODS:
        raise UsageError(f"{args.definition}: design.method is {sweep.method!r}; give --method "
                         "morris or --method sobol")
    out = args.out or Path("results") / sweep.name
    try:
        return _sweep_into(args, sweep, out)
    except StoreError as err:
        raise UsageError(str(err)) from None


def _sweep_into(args: argparse.Namespace, sweep: Any, out: Path) -> int:
    """Check the store, start the backend, run the sweep, report (and analyse)."""
    from sim.experiments.store import ResultStore
    from sim.experiments.sweep import check_point
    from sim.experiments.sweep_runner import dask_executor, run_sweep

    mode = ResultStore(out).check(sweep.hash(), args.resume, args.force)
    for sample, point in enumerate(sweep.design().points if mode != "resume" else []):
        check_point(sweep, sample, point)  # before a Dask cluster starts or a file is written
    with contextlib.ExitStack() as stack:
        options: dict[str, Any] = {"workers": args.workers}
        if args.scheduler or args.dask_workers:
            try:
                executor, window, backend = stack.enter_context(
                    dask_executor(args.scheduler, args.dask_workers))
            except (OSError, RuntimeError) as err:
                option = (f"--scheduler {args.scheduler}" if args.scheduler
                          else f"--dask-workers {args.dask_workers}")
                raise UsageError(f"{option}: {err}") from None
            options = {"executor": executor, "max_in_flight": window, "backend": backend}
        if not args.quiet:
            print(f"sweep {sweep.name}: {len(sweep.design().points)} points x "
                  f"{len(sweep.seeds)} seeds = {sweep.runs()} runs -> {out}/", file=sys.stderr)
        try:
            summary = run_sweep(sweep, out, resume=args.resume, force=args.force,
                                retry_failed=args.retry_failed, progress=not args.quiet,
                                **options)
        except KeyboardInterrupt:
            done = len(ResultStore(out).finished())
            print(f"clustersim: interrupted; {done} of {sweep.runs()} runs are in {out}/ "
                  "(--resume continues)", file=sys.stderr)
            return 130
    print(f"wrote {out}/: {summary.ran} runs now, {summary.before} before, "
          f"{summary.failures} failed ({summary.seconds:.1f} s on {summary.backend})")
    if args.command == "sensitivity":
        from sim.experiments.sensitivity import (
            SensitivityError,
            analyze_store,
            write_sensitivity_report,
        )

        try:
            result = analyze_store(out)
        except SensitivityError as err:
            print(f"clustersim: error: {err}", file=sys.stderr)
            return 1
        files = write_sensitivity_report(result, out)
        print(f"wrote {out}/ ({', '.join(files)})")
    if args.xlsx:
        from sim.reporting.workbook import sweep_workbook

        print(f"wrote {sweep_workbook(out, about=[('definition', str(args.definition))])}")
    if summary.failures:
        print(f"clustersim: error: {out}/failures/: {summary.failures} runs failed (their "
              "errors and parameters are recorded); --resume --retry-failed runs them again",
              file=sys.stderr)
        return 1
    return 0
