"""``clustersim brief``: the one-page brief of a scorecard folder, again, in a language."""

from __future__ import annotations

import argparse

from sim.cli.errors import UsageError, one_line


def cmd_brief(args: argparse.Namespace) -> int:
    """Write ``brief.<lang>.md``, ``brief.<lang>.html`` and ``scorecard.<lang>.png`` from a
    folder written by ``clustersim scorecard``."""
    from sim.reporting.brief import BriefInputError, brief_from_folder

    try:
        written = brief_from_folder(args.folder, args.out)
    except BriefInputError as err:
        raise UsageError(str(err)) from None
    print(one_line("wrote " + ", ".join(str(p) for p in written)))
    return 0
