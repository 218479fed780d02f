"""The files of a sweep store's ``runs/`` and ``trajectories/`` folders: one file per run
(``s000012-seed3.parquet``, named by its key) and compacted parts (``part-000001.parquet``)
holding many runs, and the compaction that moves the first into the second (see
:mod:`sim.experiments.store`)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.reporting.files import write_file

RUN_FILE = re.compile(r"^s(\d+)-seed(\d+)\.(?:parquet|json)$")
PART_FILE = re.compile(r"^part-(\d+)\.parquet$")
#: Rows a compacted part holds at most (37,000 runs of 27 outputs; fewer with trajectories).
PART_ROWS = 1_000_000


def run_files(folder: Path) -> dict[tuple[int, int], Path]:
    """The run files (``s…-seed….parquet`` or ``.json``) of a folder, by key."""
    if not folder.is_dir():
        return {}
    files = {}
    for entry in os.scandir(folder):
        match = RUN_FILE.match(entry.name)
        if match:
            files[(int(match[1]), int(match[2]))] = Path(entry.path)
    return files


def part_files(folder: Path) -> list[Path]:
    """The compacted parts of a folder, in order."""
    if not folder.is_dir():
        return []
    return sorted(Path(e.path) for e in os.scandir(folder) if PART_FILE.match(e.name))


def part_keys(folder: Path, parts: list[Path] | None = None) -> set[tuple[int, int]]:
    """``(sample, seed)`` of every run in the compacted parts of a folder."""
    import pyarrow.dataset as ds

    parts = part_files(folder) if parts is None else parts
    if not parts:
        return set()
    table = ds.dataset([str(p) for p in parts], format="parquet").to_table(
        columns=["sample", "seed"]).group_by(["sample", "seed"]).aggregate([])
    return set(zip(table.column("sample").to_pylist(), table.column("seed").to_pylist(),
                   strict=True))


def compact_folder(folder: Path, schema: pa.Schema, sync: bool,
                   only: set[tuple[int, int]] | None = None) -> int:
    """Move the run files of ``folder`` (those of keys ``only``, if given) into new parts of at
    most :data:`PART_ROWS` rows, then delete them; first delete run files already in a part
    (left by a compaction cut short). Returns the number of runs moved."""
    import pyarrow.dataset as ds

    files = run_files(folder)
    parts = part_files(folder)
    if files and parts:
        for key in part_keys(folder, parts) & set(files):
            files.pop(key).unlink(missing_ok=True)
    if only is not None:
        files = {k: f for k, f in files.items() if k in only}
    if not files:
        return 0
    ordered = [files[k] for k in sorted(files)]
    per_file = max(pq.ParquetFile(ordered[0]).metadata.num_rows, 1)
    batch = max(PART_ROWS // per_file, 1)
    number = max((int(PART_FILE.match(p.name)[1]) for p in parts), default=0)
    for start in range(0, len(ordered), batch):
        chunk = ordered[start:start + batch]
        table = ds.dataset([str(f) for f in chunk], format="parquet", schema=schema).to_table()
        number += 1
        write_file(folder / f"part-{number:06d}.parquet",
                   lambda tmp, t=table: pq.write_table(t, tmp), sync=sync)
        for f in chunk:
            f.unlink(missing_ok=True)
    return len(ordered)
