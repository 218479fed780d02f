"""The argument parser of the ``clustersim`` command: its subcommands, options and the checks
of their values (errors are one line with exit code 2)."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from pathlib import Path

from sim import __version__
from sim.cli.errors import EXIT_USAGE, one_line
from sim.inputs.params import MAX_SEED, MAX_SEEDS, MODEL_PARAMS

#: The project's validation report, written only with ``clustersim validate --docs``.
DOCS_VALIDATION = Path("docs/validation.md")

#: The project's report of effect sizes against published evaluations, written only with
#: ``clustersim evidence --docs``.
DOCS_EVIDENCE = Path("docs/evidence.md")

#: Most worker processes ``--workers`` may start.
MAX_WORKERS = 256


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (exit code 2), like the other errors."""

    def error(self, message: str) -> None:  # noqa: D102 (argparse's method)
        self.exit(EXIT_USAGE, f"{one_line(f'{self.prog}: error: {message}')} (see "
                  f"{self.prog} --help)\n")


def _int_in(low: int, high: int, what: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number in [low, high]."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:  # not a number, or more digits than Python converts
            value = None
        if value is None or not low <= value <= high:
            shown = repr(text) if len(text) <= 40 else repr(text[:37]) + "..."
            raise argparse.ArgumentTypeError(f"{shown} is not allowed; expected a whole number "
                                             f"in [{low}, {high}]{what}")
        return value

    return convert


_steps = _int_in(1, int(MODEL_PARAMS["steps"].high), " (quarters)")
_seed_count = _int_in(1, MAX_SEEDS)
_worker_count = _int_in(1, MAX_WORKERS)


def _float_in(accepts: Callable[[float], bool], expected: str) -> Callable[[str], float]:
    """An argparse type: a number that ``accepts`` takes (NaN never passes a comparison, so a
    text that is no number fails too); ``expected`` says which in the error."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not accepts(value):
            shown = repr(text) if len(text) <= 40 else repr(text[:37]) + "..."
            raise argparse.ArgumentTypeError(f"{shown} is not allowed; expected {expected}")
        return value

    return convert


_share = _float_in(lambda v: 0.0 < v <= 1.0, "a number in (0, 1]")
_evidence_scale = _float_in(lambda v: 0.05 <= v <= 1.0, "a number in [0.05, 1]")
_number = _float_in(math.isfinite, "a finite number")
_fraction = _float_in(lambda v: 0.0 < v <= 0.5, "a number in (0, 0.5]")


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (1-65535)")
    return value


def _language(text: str) -> str:
    """An argparse type: one of the languages reports are written in."""
    from sim.i18n import UnknownLanguage, check_language

    try:
        return check_language(text)
    except UnknownLanguage as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_language(p: argparse.ArgumentParser) -> None:
    """``--lang az|ru|en``: the language of the reports and plots a command writes."""
    p.add_argument("--lang", type=_language, default="en", metavar="az|ru|en",
                   help="language of the reports and plots: az (Azerbaijani), ru (Russian) "
                   "or en (English, default)")


def add_discount_rate(p: argparse.ArgumentParser) -> None:
    """``--discount-rate``: the annual real rate of the discounted benefits and costs."""
    from sim.reporting.discounting import DISCOUNT_RATE, RATE_RANGE

    low, high = RATE_RANGE
    rate = _float_in(lambda v: low <= v <= high,
                     f"an annual rate in [{low:g}, {high:g}] (0.06 is 6% a year)")
    p.add_argument("--discount-rate", type=rate, default=DISCOUNT_RATE, metavar="R",
                   help=f"annual real discount rate of the discounted benefits and costs "
                   f"(default {DISCOUNT_RATE}, i.e. {100 * DISCOUNT_RATE:g}%% a year; "
                   f"{low:g}-{high:g})")


def add_xlsx(p: argparse.ArgumentParser) -> None:
    """``--xlsx``: the command's tables also as one spreadsheet."""
    p.add_argument("--xlsx", action="store_true", help="also write the tables as one Excel "
                   "workbook, <command>.xlsx in the output folder (a sheet per table)")


def _seed_list(text: str) -> list[int]:
    shown = repr(text) if len(text) <= 40 else repr(text[:37]) + "..."
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{shown} is not a comma-separated list of whole numbers") from None
    if not seeds or any(not 0 <= s <= MAX_SEED for s in seeds):
        raise argparse.ArgumentTypeError(f"{shown}: seeds must be whole numbers in "
                                         f"[0, {MAX_SEED}]")
    if len(set(seeds)) != len(seeds):
        raise argparse.ArgumentTypeError(f"{shown}: a seed is given twice")
    if len(seeds) > MAX_SEEDS:
        raise argparse.ArgumentTypeError(f"{len(seeds)} seeds; at most {MAX_SEEDS}")
    return seeds


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``clustersim`` command."""
    parser = _Parser(
        prog="clustersim",
        description="Agent-based model of joint Azerbaijan-Belarus industrial clusters.")
    parser.add_argument("--version", action="version", version=f"clustersim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_run_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seeds", type=_seed_count, default=10,
                       help=f"number of seeds, 0..N-1 (default 10, at most {MAX_SEEDS})")
        p.add_argument("--seed-list", type=_seed_list, metavar="S1,S2,...",
                       help="explicit seeds (overrides --seeds)")
        p.add_argument("--steps", type=_steps, help="quarters to run, 1-2000 (default: the "
                       "scenario's model.steps)")
        p.add_argument("--out", type=Path, help="output folder (default: runs/<name>-<time>)")
        p.add_argument("--force", action="store_true",
                       help="replace the output folder if it exists")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        add_xlsx(p)
        add_language(p)

    run = sub.add_parser("run", help="run one scenario over several seeds")
    run.add_argument("scenario", type=Path, help="scenario .toml file, or the name of a "
                     "bundled one (baseline, full_package, ...: clustersim list)")
    add_run_options(run)

    def add_uncertainty(p: argparse.ArgumentParser) -> None:
        p.add_argument("--uncertainty", choices=("params", "seeds"), default="params",
                       help="what the bands cover: params (default) draws each policy's "
                       "effect sizes per seed from their ranges in sim/data/evidence.toml, "
                       "so bands cover seed noise and what is not known about effect sizes; "
                       "seeds keeps every effect size at its value (seed noise only)")

    def add_workers(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workers", type=_worker_count, metavar="N",
                       help="worker processes running the seeds and scenarios in parallel "
                       "(default: the number of CPUs; 1 runs everything in this process)")

    compare = sub.add_parser("compare", help="compare scenarios with the first one "
                             "(default: every bundled scenario against the baseline)")
    compare.add_argument("scenarios", type=Path, nargs="*", help="scenario .toml files or "
                         "bundled names; the first is the reference")
    compare.add_argument("--all", action="store_true",
                         help="compare every bundled scenario against the baseline")
    add_run_options(compare)
    add_uncertainty(compare)
    add_workers(compare)
    add_discount_rate(compare)

    scorecard = sub.add_parser(
        "scorecard", help="policy scorecard: each scenario's effect on the nine indicators, its "
        "fiscal cost and cost per unit of gain (default: every bundled scenario against the "
        "baseline)")
    scorecard.add_argument("scenarios", type=Path, nargs="*", help="scenario .toml files or "
                           "bundled names; the first is the reference (default: every bundled "
                           "scenario)")
    add_run_options(scorecard)
    add_uncertainty(scorecard)
    add_workers(scorecard)
    add_discount_rate(scorecard)

    brief = sub.add_parser(
        "brief", help="the one-page brief of a scorecard folder, again, in a language (writes "
        "brief.<lang>.md, brief.<lang>.html and scorecard.<lang>.png)")
    brief.add_argument("folder", type=Path, help="a folder written by `clustersim scorecard`")
    brief.add_argument("--out", type=Path, default=None,
                       help="folder to write into (default: the scorecard folder)")
    add_language(brief)

    def add_sweep_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("definition", type=Path, help="sweep definition .toml file (examples in "
                       "experiments/)")
        p.add_argument("--out", type=Path, help="result store folder (default: "
                       "results/<name>)")
        p.add_argument("--resume", action="store_true", help="continue the sweep in --out, "
                       "running only the runs it lacks")
        p.add_argument("--retry-failed", action="store_true", help="with --resume, run the "
                       "recorded failures again")
        p.add_argument("--force", action="store_true", help="replace the sweep in --out")
        backend = p.add_mutually_exclusive_group()
        backend.add_argument("--workers", type=_worker_count, metavar="N", help="local worker "
                             "processes (default: the number of CPUs; 1 runs in this process)")
        backend.add_argument("--dask-workers", type=_worker_count, metavar="N", help="run on "
                             "a local Dask cluster of N worker processes")
        backend.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster "
                             "of this scheduler, e.g. tcp://HOST:8786")
        p.add_argument("--quiet", action="store_true", help="no progress bar")
        add_xlsx(p)
        add_language(p)

    sweep = sub.add_parser("sweep", help="run a parameter sweep into a result store")
    add_sweep_options(sweep)
    sensitivity = sub.add_parser(
        "sensitivity", help="Morris screening or Sobol indices of a sweep's outputs (SALib)")
    add_sweep_options(sensitivity)
    sensitivity.add_argument("--method", metavar="morris|sobol", help="sensitivity method "
                             "(default: the definition's design.method)")
    sensitivity.add_argument("--samples", type=_int_in(1, 2**16), metavar="N", help="Morris "
                             "trajectories or Sobol base samples (a power of 2) instead of the "
                             "definition's")

    discover = sub.add_parser(
        "discover", help="scenario discovery (PRIM): the boxes of a sweep's inputs where an "
        "outcome falls below (or above) a threshold, with coverage, density and a report")
    discover.add_argument("store", type=Path, help="the folder of a sweep's result store")
    discover.add_argument("--outcome", required=True, metavar="COUNTRY.INDICATOR",
                          help="the outcome, e.g. JOINT.tech_exports (a custom function's "
                          "output: its name); each point's seeds are averaged")
    side = discover.add_mutually_exclusive_group(required=True)
    side.add_argument("--below", type=_number, metavar="X", help="a case fails when the "
                      "outcome is below X")
    side.add_argument("--above", type=_number, metavar="X", help="a case fails when the "
                      "outcome is above X")
    discover.add_argument("--min-density", type=_share, default=0.8, metavar="D",
                          help="report the box of largest coverage among those in which at "
                          "least this share of the cases fail (default 0.8)")
    discover.add_argument("--max-quasi-p", type=_share, default=0.05, metavar="P",
                          help="lift a box's restrictions whose quasi-p-value is above P, in "
                          "(0, 1] (default 0.05; 1 keeps every restriction PRIM made)")
    discover.add_argument("--peel-alpha", type=_fraction, default=0.05, metavar="A",
                          help="share of the cases each peeling step removes, in (0, 0.5] "
                          "(default 0.05; larger: coarser, faster)")
    discover.add_argument("--mass-min", type=_fraction, default=0.05, metavar="M",
                          help="smallest box, as a share of the cases, in (0, 0.5] "
                          "(default 0.05)")
    discover.add_argument("--boxes", type=_int_in(1, 10), default=3, metavar="N",
                          help="most boxes looked for, 1-10 (default 3)")
    discover.add_argument("--out", type=Path, help="report folder (default: "
                          "runs/discover-<store>-<time>)")
    discover.add_argument("--force", action="store_true",
                          help="replace the report folder if it exists")
    add_language(discover)

    listing = sub.add_parser("list", help="bundled scenarios and policies with their parameters")
    add_language(listing)

    validate = sub.add_parser(
        "validate", help="the baseline against its calibration targets and stylized facts "
        "(sim/data/targets.toml); writes runs/validation-<time>/validation.md and its figures "
        "(--docs: docs/validation.md)")
    validate.add_argument("--seeds", type=_seed_count, default=10, metavar="N",
                          help=f"number of seeds, 0..N-1 (default 10, at most {MAX_SEEDS})")
    validate.add_argument("--steps", type=_steps, default=40, metavar="T",
                          help="quarters after the warm-up, 1-2000 (default 40)")
    where = validate.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, default=None,
                       help="report file (default runs/validation-<time>/validation.md); "
                       "figures go to img/ beside it")
    where.add_argument("--docs", action="store_true",
                       help=f"write the project's report, {DOCS_VALIDATION}, and its figures in "
                       "docs/img/ (tracked files)")
    validate.add_argument("--quiet", action="store_true", help="no progress messages")
    add_language(validate)

    evidence = sub.add_parser(
        "evidence", help="each instrument's published evaluations (sim/data/evidence.toml) "
        "against the model's estimate of the same quantity, made the way each study made it; "
        "writes runs/evidence-<time>/evidence.md (--docs: docs/evidence.md)")
    evidence.add_argument("--seeds", type=_seed_count, default=4, metavar="N",
                          help=f"number of seeds, 0..N-1 (default 4, at most {MAX_SEEDS})")
    evidence.add_argument("--scale", type=_evidence_scale, default=0.5, metavar="S",
                          help="population scale of the runs, 0.05-1 (default 0.5)")
    evidence.add_argument("--instrument", action="append", metavar="NAME",
                          help="only this instrument's studies (repeatable)")
    where = evidence.add_mutually_exclusive_group()
    where.add_argument("--out", type=Path, default=None,
                       help="report file (default runs/evidence-<time>/evidence.md)")
    where.add_argument("--docs", action="store_true",
                       help=f"write the project's report, {DOCS_EVIDENCE} (a tracked file)")
    evidence.add_argument("--quiet", action="store_true", help="no progress messages")

    calibrate = sub.add_parser(
        "calibrate", help="fit the free behavioural parameters to the country targets "
        "(simulated method of moments); writes runs/calibration-<name>-<time>/ (--install: "
        "also installs the fitted values for every scenario)")
    calibrate.add_argument("definition", type=Path, nargs="?", help="calibration .toml file "
                           "(default: experiments/calibration/baseline.toml)")
    calibrate.add_argument("--max-evaluations", type=_int_in(1, 100_000), metavar="N",
                           help="points the optimiser may evaluate (default: the file's)")
    calibrate.add_argument("--workers", type=_worker_count, metavar="N",
                           help="worker processes for the seeds of a point (default: the "
                           "number of CPUs; 1 runs everything in this process)")
    calibrate.add_argument("--out", type=Path, help="folder for the fit report, fitted "
                           "values and trace (default: runs/calibration-<name>-<time>)")
    calibrate.add_argument("--force", action="store_true", help="replace a non-empty --out")
    install = calibrate.add_mutually_exclusive_group()
    install.add_argument("--install", action="store_true", help="also install the fitted "
                         "values in sim/data/calibration.toml (used by every scenario) and the "
                         "report in docs/calibration.md (tracked files)")
    install.add_argument("--no-install", action="store_true", help="write the folder only "
                         "(the default; kept for scripts written when installing was)")
    calibrate.add_argument("--quiet", action="store_true", help="no progress messages")
    add_language(calibrate)
    calibrate.add_argument("--check", action="store_true", help="fit nothing: recompute the "
                           "objective of the installed fitted values on the seeds of their fit "
                           "and fail (exit 1) if it differs from the recorded one by more than "
                           "--tolerance")
    calibrate.add_argument("--tolerance", type=_share, metavar="SHARE", default=None,
                           help="with --check: largest relative difference that passes "
                           "(default 0.05)")
    calibrate.add_argument("--instrument", metavar="NAME", help="fit this instrument's effect "
                           "sizes (its [[instrument.parameter]] entries of "
                           "sim/data/evidence.toml) to its studies marked use = \"fit\" "
                           "instead of a calibration file; --install writes them to "
                           "sim/data/policy_fit.toml")
    calibrate.add_argument("--seeds", type=_seed_count, default=None, metavar="N",
                           help="with --instrument: seeds 0..N-1 of every point (default 3)")
    calibrate.add_argument("--scale", type=_evidence_scale, default=None, metavar="S",
                           help="with --instrument: population scale, 0.05-1 (default 0.5)")

    viz = sub.add_parser("viz", help="serve the browser view of a running simulation")
    viz.add_argument("--host", default="127.0.0.1",
                     help="address to listen on (default 127.0.0.1: this machine only)")
    viz.add_argument("--port", type=_port, default=8765, help="port (default 8765)")
    return parser
