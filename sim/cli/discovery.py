"""``clustersim discover``: scenario discovery (PRIM) over a sweep's result store, written to a
report folder."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from importlib.metadata import version

from sim.cli.errors import UsageError, one_line
from sim.cli.output import check_out, write_atomically


def command_line(args: argparse.Namespace) -> str:
    """The command that makes this result again, every setting written out."""
    side = "--above" if args.above is not None else "--below"
    threshold = args.above if args.above is not None else args.below
    parts = ["clustersim", "discover", str(args.store), "--outcome", args.outcome, side,
             f"{threshold:g}", "--min-density", f"{args.min_density:g}", "--max-quasi-p",
             f"{args.max_quasi_p:g}", "--peel-alpha",
             f"{args.peel_alpha:g}", "--mass-min", f"{args.mass_min:g}", "--boxes",
             str(args.boxes)]
    return shlex.join(parts)


def cmd_discover(args: argparse.Namespace) -> int:
    """``clustersim discover``: the boxes of a store's inputs where an outcome fails. Exit 0
    with a report; 2 for bad input (no store, no such outcome); 1 when the store cannot be
    analysed that way (no failing case, every case failing, too few points)."""
    from sim.experiments.discovery import DiscoveryError, discover
    from sim.experiments.store import StoreError
    from sim.reporting import files
    from sim.reporting.discovery_report import write_discovery_report

    if not args.store.is_dir():
        what = "is not a folder" if args.store.exists() else "no such folder"
        hint = (" (a sweep file's store is results/<its name> unless the sweep had --out)"
                if args.store.suffix == ".toml" else "")
        raise UsageError(f"{args.store}: {what}; give the folder of a sweep store "
                         f"(clustersim sweep FILE --out DIR){hint}")
    out = check_out(args.out, f"discover-{args.store.resolve().name}", args.force)
    above = args.above is not None
    threshold = args.above if above else args.below
    start = time.perf_counter()
    try:
        result = discover(args.store, args.outcome, threshold, above=above,
                          min_density=args.min_density, max_quasi_p=args.max_quasi_p,
                          peel_alpha=args.peel_alpha,
                          mass_min=args.mass_min, max_boxes=args.boxes)
    except DiscoveryError as err:
        if err.bad_input:
            raise UsageError(str(err)) from None
        print(f"clustersim: error: {one_line(str(err))}", file=sys.stderr)
        return 1
    except StoreError as err:
        raise UsageError(str(err)) from None
    command = command_line(args)
    provenance = files.provenance(command=command, store=str(args.store),
                                  prim=f"ema_workbench {version('ema_workbench')}",
                                  outcome=result.outcome, threshold=result.threshold,
                                  fails=("above" if above else "below"),
                                  settings=result.settings,
                                  wall_seconds=round(time.perf_counter() - start, 2))
    written = write_atomically(out, args.force, lambda tmp: write_discovery_report(
        result, tmp, command, provenance))
    box = result.boxes[0]
    print(one_line(f"{result.failing} of {result.cases} cases have {result.condition}; box 1 "
                   f"(coverage {box.coverage:.2f}, density {box.density:.2f}, mass "
                   f"{box.mass:.2f}) restricts {', '.join(box.restricted) or 'nothing'}"))
    print(one_line(f"wrote {out}/ ({', '.join(written)})"))
    return 0
