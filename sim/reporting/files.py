"""Writing results safely, and saying where they came from.

Every output of the package is written through this module:

* :func:`write_file` writes one file under a temporary name beside it and renames it into
  place, so a reader never sees half a file (optionally flushed to disk first);
* :func:`replace_folder` builds a whole result folder beside its destination and moves it into
  place, keeping an earlier result until the new one has arrived;
* :func:`provenance` is what every ``provenance.json`` starts from: package version, time,
  command line and the versions of the libraries that shape results.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

#: Libraries whose versions a provenance records (with Python's).
RECORDED_PACKAGES = ("clustersim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "networkx",
                     "salib", "dask", "distributed")


def write_file(path: str | Path, write: Callable[[Path], Any], sync: bool = False) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    Args:
        path: the file to create or replace.
        write: writes the whole content to the path it is given.
        sync: flush the file to disk before the rename (for stores that must survive a crash
            of the machine, not only of the process).
    """
    path = Path(path)
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{uuid.uuid4().hex[:6]}")
    try:
        write(tmp)
        if sync:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through :func:`write_file`."""
    write_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(obj: dict, path: str | Path) -> None:
    """Write ``obj`` as pretty, key-sorted JSON (values JSON cannot hold are written as text)."""
    write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def copy_file(source: str | Path, destination: str | Path) -> None:
    """Copy a file to ``destination`` through :func:`write_file`."""
    write_file(destination, lambda tmp: shutil.copyfile(source, tmp))


class FolderFilled(FileExistsError):
    """The destination folder received other files while a result was being written."""


def replace_folder[T](out: str | Path, write: Callable[[Path], T], force: bool = False) -> T:
    """Call ``write(tmp)`` on a fresh temporary folder beside ``out``, then move it to ``out``.

    Until the move, ``out`` is untouched; an earlier result there is moved aside (not deleted)
    first and deleted only once the new one is in place, so an error or Ctrl-C at any point
    leaves either the earlier result or the complete new one at ``out``, never part of one.

    Args:
        out: the result folder to create (or, with ``force``, replace).
        write: writes every file of the result into the folder it is given; its return value
            is returned.
        force: replace a folder that is not empty.

    Raises:
        FolderFilled: ``out`` was empty or missing when the work began and holds files now
            (without ``force``).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    aside = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
    try:
        result = write(tmp)
        if out.exists() and not force and any(out.iterdir()):
            raise FolderFilled(f"{out}: the folder was filled while this command ran")
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


def versions() -> dict[str, str]:
    """Python's version and those of :data:`RECORDED_PACKAGES` ("not installed" if absent)."""
    found = {"python": platform.python_version()}
    for package in RECORDED_PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def now() -> str:
    """The current time, UTC, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def provenance(**fields: Any) -> dict[str, Any]:
    """The start of every provenance record: the package and its version, when, the command
    line (``sys.argv``, unless ``fields`` give ``command``) and the library versions, then
    ``fields`` (what was run: scenarios, seeds, ...)."""
    found = versions()
    return {"package": "clustersim", "version": found["clustersim"], "created": now(),
            "command": " ".join(sys.argv), "versions": found, **fields}
