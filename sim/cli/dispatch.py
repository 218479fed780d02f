"""The ``clustersim`` entry point: parse the arguments, run the command's handler from
:data:`COMMANDS`, and turn the errors a user can cause into one line and an exit code."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sim.cli.brief import cmd_brief
from sim.cli.calibration import cmd_calibrate, cmd_validate
from sim.cli.discovery import cmd_discover
from sim.cli.errors import EXIT_USAGE, UsageError, one_line
from sim.cli.evidence import cmd_evidence
from sim.cli.parser import build_parser
from sim.cli.runs import cmd_compare, cmd_run, cmd_scorecard
from sim.cli.show import cmd_list, cmd_viz
from sim.cli.sweeps import cmd_sweep
from sim.i18n import language
from sim.inputs.scenario import ScenarioError

#: The handler of each command: it gets the parsed arguments and returns the exit code.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "compare": cmd_compare,
    "scorecard": cmd_scorecard,
    "brief": cmd_brief,
    "sweep": cmd_sweep,
    "sensitivity": cmd_sweep,
    "discover": cmd_discover,
    "list": cmd_list,
    "validate": cmd_validate,
    "evidence": cmd_evidence,
    "calibrate": cmd_calibrate,
    "viz": cmd_viz,
}


class Terminated(KeyboardInterrupt):
    """SIGTERM (a batch scheduler ending a job, ``kill``): handled like Ctrl-C, so worker
    processes are stopped and finished work is kept."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``clustersim`` command. Returns the exit code."""
    args = build_parser().parse_args(argv)
    from sim.inputs.fitted import fitted_problem

    problem = fitted_problem()
    if problem:
        print(f"clustersim: error: {one_line(problem)}", file=sys.stderr)
        return EXIT_USAGE
    handle = args.command != "viz" and threading.current_thread() is threading.main_thread()
    if handle:
        previous = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _dispatch(args)
    finally:
        if handle:  # put back the caller's handler (None: one not set from Python, not kept)
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _dispatch(args: argparse.Namespace) -> int:
    """Run the command; turn the errors a user can cause into one line and an exit code."""
    try:
        with language(getattr(args, "lang", "en")):  # what the command writes
            return COMMANDS[args.command](args)
    except (ScenarioError, UsageError) as err:
        print(f"clustersim: error: {one_line(str(err))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as err:
        what = "terminated" if isinstance(err, Terminated) else "interrupted"
        print(f"clustersim: {what}; no output was written", file=sys.stderr)
        return 143 if isinstance(err, Terminated) else 130
    except BrokenPipeError:  # output piped into a program that stopped reading (| head)
        sys.stderr.close()
        return 0
    except OSError as err:  # e.g. the output folder cannot be written
        print(one_line(f"clustersim: error: {err.filename or ''}: {err.strerror or err}"),
              file=sys.stderr)
        return 1
