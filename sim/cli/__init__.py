"""Command line: ``clustersim run | compare | scorecard | sweep | sensitivity | validate |
calibrate | list | viz``.

Bad input (a missing or malformed scenario file, an unknown key, a value out of range, a bad
argument) ends with one message naming the file, key and allowed values, and exit code 2.
Results are written to a temporary folder beside the output folder and moved into place only
when complete, so an interrupted run never leaves a result that looks finished. ``compare`` and
``scorecard`` spread their runs over local worker processes (``--workers``). ``sweep`` and
``sensitivity`` write to a result store that grows run by run instead (``--resume`` continues
it), on local processes or Dask.

Modules: :mod:`~sim.cli.parser` (the arguments), :mod:`~sim.cli.dispatch` (:func:`main` and
:data:`COMMANDS`, the handler of each command), :mod:`~sim.cli.errors` (usage errors, one-line
messages), :mod:`~sim.cli.output` (the output folder and provenance), and the handlers:
:mod:`~sim.cli.runs` (run, compare, scorecard), :mod:`~sim.cli.sweeps` (sweep, sensitivity),
:mod:`~sim.cli.calibration` (validate, calibrate), :mod:`~sim.cli.show` (list, viz).
"""

from __future__ import annotations

from sim.cli.dispatch import COMMANDS, main
from sim.cli.errors import EXIT_USAGE, UsageError, one_line
from sim.cli.parser import build_parser
from sim.cli.show import list_text

__all__ = ["COMMANDS", "EXIT_USAGE", "UsageError", "build_parser", "list_text", "main",
           "one_line"]
