"""Where results go: the output folder, checked before anything runs and written all at once,
and the provenance recorded with every result."""

from __future__ import annotations

import os
import platform
import re
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim import __version__
from sim.cli.errors import UsageError
from sim.inputs.scenario import Scenario

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
    """Call ``write(tmp)`` on a fresh temporary folder beside ``out``, then move it to ``out``.

    Until the move, ``out`` is untouched; an earlier result there is moved aside (not deleted)
    first and deleted only once the new one is in place, so an error or Ctrl-C at any point
    leaves either the earlier result or the complete new one at ``out``, never part of one.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    aside = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    try:
        result = write(tmp)
        if out.exists() and not force and any(out.iterdir()):
            raise UsageError(f"--out {out}: the folder was filled while this command ran; "
                             f"use --force to replace it")
        if out.exists() or out.is_symlink():
            out.rename(aside)
        tmp.rename(out)
        return result
    finally:
        if aside.exists() or aside.is_symlink():
            if not (out.exists() or out.is_symlink()):
                aside.rename(out)  # the new result did not arrive: put the old one back
            elif aside.is_dir() and not aside.is_symlink():
                shutil.rmtree(aside, ignore_errors=True)
            else:
                aside.unlink()
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def provenance(scenarios: list[Scenario], seeds: list[int], steps: int | None,
               seconds: float) -> dict[str, Any]:
    """Everything needed to reproduce a result."""
    import mesa
    import numpy

    return {
        "package": "clustersim",
        "version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["clustersim", *sys.argv[1:]]),
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
        "seeds": seeds,
        "steps": steps if steps is not None else [s.model["steps"] for s in scenarios],
        "wall_seconds": round(seconds, 2),
        "scenarios": [s.resolved() for s in scenarios],
    }
