"""Where results go: the output folder, checked before anything runs and written all at once,
and the provenance recorded with every result."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sim.cli.errors import UsageError
from sim.inputs.scenario import Scenario
from sim.reporting import files

#: Longest name of one folder in an output path (most file systems allow 255 bytes; the
#: temporary folder beside it adds a prefix and a suffix).
MAX_NAME_BYTES = 200


def folder_name(name: str) -> str:
    """A scenario name made safe as one folder name: letters, digits, ``.``, ``_`` and ``-``
    only (no separators, no leading dot), at most 80 characters."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")[:80]
    return safe or "run"


def check_out(out: Path | None, name: str, force: bool) -> Path:
    """The output folder, checked before anything runs: not below a file, not an existing
    non-empty folder (unless ``force``), a usable name, and a writable place."""
    if out is None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out = Path("runs") / f"{folder_name(name)}-{stamp}"
    if "\0" in str(out):
        raise UsageError(f"--out {out}: a folder name cannot hold a null character")
    if not out.name or out.name in (".", ".."):
        raise UsageError(f"--out {out}: give the path of a folder to create or replace")
    for part in out.parts:
        if len(os.fsencode(part)) > MAX_NAME_BYTES:
            raise UsageError(f"--out {out}: the name {part[:20]}... is longer than "
                             f"{MAX_NAME_BYTES} bytes")
    try:
        for folder in (out, *out.parents):
            if folder.exists() and not folder.is_dir():
                raise UsageError(f"--out {out}: {folder} exists and is not a folder")
        if out.exists() and any(out.iterdir()) and not force:
            raise UsageError(f"--out {out}: folder exists and is not empty; use --force to "
                             "replace it")
        existing = next(f for f in (out.parent, *out.parent.parents) if f.exists())
    except OSError as err:
        raise UsageError(f"--out {out}: {err.strerror or err}") from None
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"--out {out}: {existing} is not writable")
    return out


def write_atomically(out: Path, force: bool, write: Callable[[Path], Any]) -> Any:
    """Write the result folder ``out`` all at once with :func:`sim.reporting.files.replace_folder`
    (an error or Ctrl-C leaves the earlier result or the complete new one, never part of one).

    Raises:
        UsageError: ``out`` was empty or missing when the command began and was filled while it
            ran (without ``force``).
    """
    try:
        return files.replace_folder(out, write, force)
    except files.FolderFilled:
        raise UsageError(f"--out {out}: the folder was filled while this command ran; "
                         f"use --force to replace it") from None


def provenance(scenarios: list[Scenario], seeds: list[int], steps: int | None,
               seconds: float) -> dict[str, Any]:
    """Everything needed to reproduce a result: :func:`sim.reporting.files.provenance` with the
    command line, the seeds, the quarters, the wall time and every scenario resolved."""
    return files.provenance(
        command=" ".join(["clustersim", *sys.argv[1:]]),
        seeds=seeds,
        steps=steps if steps is not None else [s.model["steps"] for s in scenarios],
        wall_seconds=round(seconds, 2),
        scenarios=[s.resolved() for s in scenarios],
    )
