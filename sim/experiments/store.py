"""The result store of a sweep: a folder of small Parquet files, one per finished run.

Each run is written when it finishes, to a temporary name that is renamed into place, so a
file in ``runs/`` is always a complete run and nothing finished is lost when a sweep is
interrupted; a run's file name is its key (sample index and seed), so a run can be stored only
once. Layout::

    sweep.json            the definition and its hash (resuming needs the same hash)
    design.parquet        one row per point: sample, then one column per varied parameter
    design_matrix.npy     the sample as SALib drew it (LHS, Morris and Sobol designs)
    provenance.json       versions, the base scenario, one entry per launch of the sweep
    runs/s000012-seed3.parquet          sample, seed, country, indicator, value, seconds, worker
    runs/part-000001.parquet            many finished runs, compacted (same columns)
    trajectories/s000012-seed3.parquet  every quarter's values (when the sweep keeps them)
    trajectories/part-000001.parquet    many runs' trajectories, compacted
    failures/s000012-seed3.json         a run that raised: error, traceback, parameters

One file per run keeps writing crash-safe, but reading many small files is slow (about 0.3 ms
a file), so :meth:`ResultStore.compact` moves finished runs into a few large ``part-*`` files: a
sweep does it every :data:`COMPACT_EVERY` runs and when it ends with at least
:data:`COMPACT_MIN` run files, and :func:`compact_store` does it on demand. A part is written
(to a temporary name, renamed) before the run files it holds are deleted, so a run is always in
a part, a run file or both (after a crash between the two; readers then take the part's copy
and the next compaction deletes the file).

Read it with :func:`load_results` (a tidy DataFrame with the parameters), or with DuckDB:
``SELECT * FROM 'runs/*.parquet' JOIN 'design.parquet' USING (sample)``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiments.store_parts import (
    compact_folder,
    part_files,
    part_keys,
    run_files,
)
from sim.reporting.files import write_file

try:
    import fcntl
except ImportError:  # not on POSIX: no lock against a second sweep on the same store
    fcntl = None

FORMAT = 1
#: A sweep compacts its store every this many runs it writes...
COMPACT_EVERY = 20_000
#: ... and when it ends with at least this many run files.
COMPACT_MIN = 2_000
STORE_ENTRIES = ("sweep.json", "design.parquet", "design_matrix.npy", "provenance.json",
                 "runs", "trajectories", "failures")
RESULT_COLUMNS = ["sample", "seed", "country", "indicator", "value"]
_RUN_SCHEMA = pa.schema([("sample", pa.int64()), ("seed", pa.int64()),
                         ("country", pa.string()), ("indicator", pa.string()),
                         ("value", pa.float64()), ("seconds", pa.float64()),
                         ("worker", pa.string())])
_TRAJECTORY_SCHEMA = pa.schema([("sample", pa.int64()), ("seed", pa.int64()),
                                ("step", pa.int64()), ("country", pa.string()),
                                ("indicator", pa.string()), ("value", pa.float64())])


class StoreError(ValueError):
    """The store cannot be used as asked (the message names its folder)."""

    def __init__(self, path: str | Path, message: str):
        super().__init__(f"{path}: {message}")


@dataclass
class SweepRunResult:
    """The result of one run, as a worker returns it.

    Attributes:
        sample: index of the point in the design.
        seed: the run's seed.
        outputs: columns ``country``, ``indicator``, ``value`` (and optionally
            ``trajectories``), or None if the run failed.
        error: ``type``, ``message`` and ``traceback`` of a failed run, else None.
        seconds: wall time of the evaluation.
        worker: ``host:pid`` of the process that ran it.
        finished: when it finished (UTC, ISO 8601).
    """

    sample: int
    seed: int
    outputs: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    seconds: float = 0.0
    worker: str = ""
    finished: str = ""

    @property
    def ok(self) -> bool:
        """Whether the run finished without error."""
        return self.error is None


def run_name(sample: int, seed: int) -> str:
    """The file stem of a run: ``s000012-seed3``."""
    return f"s{sample:06d}-seed{seed}"


class ResultStore:
    """A sweep's result folder (see the module docstring for its layout).

    Args:
        path: the folder.
        sync: flush every file to disk before it is renamed into place, so a finished run
            survives a power cut too (a killed process never loses one either way); costs
            about a millisecond a run.
    """

    def __init__(self, path: str | Path, sync: bool = True):
        self.path = Path(path)
        self.sync = sync
        self.runs_dir = self.path / "runs"
        self.failures_dir = self.path / "failures"
        self.trajectories_dir = self.path / "trajectories"
        self.sweep_file = self.path / "sweep.json"
        self.design_file = self.path / "design.parquet"
        self.matrix_file = self.path / "design_matrix.npy"
        self.provenance_file = self.path / "provenance.json"

    # ------------------------------------------------------------------ opening
    def exists(self) -> bool:
        """Whether the folder holds a sweep."""
        return self.sweep_file.is_file()

    def definition(self) -> dict[str, Any]:
        """The stored ``sweep.json``: ``hash`` and ``definition``."""
        if not self.exists():
            raise StoreError(self.path, "not a sweep store (no sweep.json); run "
                             "`clustersim sweep FILE --out DIR` first")
        return json.loads(self.sweep_file.read_text())

    def check(self, sweep_hash: str, resume: bool, force: bool) -> str:
        """How a sweep with ``sweep_hash`` may use this folder, without changing anything.

        Returns:
            ``"new"`` (absent or empty), ``"resume"`` or ``"replace"``.

        Raises:
            StoreError: the folder holds another sweep and neither ``resume`` (same hash) nor
                ``force`` allows using it, or it holds other files.
        """
        for folder in (self.path, *self.path.parents):
            if folder.exists() and not folder.is_dir():
                raise StoreError(self.path, f"{folder} exists and is not a folder")
        if not self.path.exists() or not self._visible_entries():
            return "new"
        if not self.exists() and all(p.name in STORE_ENTRIES for p in self._visible_entries()) \
                and not self.finished():
            return "replace"  # a store whose creation was cut short: it holds no run
        if not self.exists():
            raise StoreError(self.path, "folder exists and is not a sweep store; choose "
                             "another --out (it is never replaced)")
        stored = self.definition().get("hash", "")
        if resume:
            if stored != sweep_hash:
                raise StoreError(self.path, f"holds another sweep definition (hash "
                                 f"{stored[:12]}, this one {sweep_hash[:12]}); resume it with "
                                 "the definition it was started with, or use --force to "
                                 "replace it")
            return "resume"
        if force:
            return "replace"
        done = len(self.finished())
        raise StoreError(self.path, f"already holds a sweep ({done} runs); use --resume to "
                         "continue it or --force to replace it")

    def _visible_entries(self) -> list[Path]:
        return [p for p in self.path.iterdir() if not p.name.startswith(".")]

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store for one sweep at a time (released when the process ends)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "a+") as handle:
            if fcntl is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.seek(0)
                    owner = handle.read().strip() or "another process"
                    raise StoreError(self.path, f"in use by another sweep ({owner})") from None
                handle.seek(0)
                handle.truncate()
                handle.write(f"process {os.getpid()}")
                handle.flush()
            yield

    def create(self, info: dict[str, Any], points: list[dict[str, Any]],
               matrix: np.ndarray | None, provenance: dict[str, Any],
               replace: bool = False) -> None:
        """Write a new store's definition, design and provenance (replacing an old store's
        files when ``replace``)."""
        self.path.mkdir(parents=True, exist_ok=True)
        if replace:
            for name in STORE_ENTRIES:
                entry = self.path / name
                if entry.is_dir():
                    shutil.rmtree(entry)
                elif entry.exists():
                    entry.unlink()
        self.clean_temporary()
        for folder in (self.runs_dir, self.failures_dir):
            folder.mkdir(exist_ok=True)
        design = pa.Table.from_pylist([{"sample": i, **p} for i, p in enumerate(points)])
        self._atomic(self.design_file, lambda tmp: pq.write_table(design, tmp))
        if matrix is not None:
            self._atomic(self.matrix_file, lambda tmp: _save_array(tmp, matrix))
        self.write_provenance(provenance)
        # written last: a folder is a store only once its design is complete
        self._atomic(self.sweep_file, lambda tmp: tmp.write_text(
            json.dumps({"format": FORMAT, **info}, indent=2, default=str) + "\n"))

    def clean_temporary(self) -> None:
        """Remove files a killed sweep left half-written."""
        for folder in (self.path, self.runs_dir, self.failures_dir, self.trajectories_dir):
            if folder.is_dir():
                for tmp in folder.glob(".tmp-*"):
                    tmp.unlink(missing_ok=True)

    # ------------------------------------------------------------------ contents
    def points(self) -> list[dict[str, Any]]:
        """The design's points (parameter name to value), by sample index."""
        rows = pq.read_table(self.design_file).to_pylist()
        return [{k: v for k, v in row.items() if k != "sample"} for row in rows]

    def matrix(self) -> np.ndarray | None:
        """The sample as SALib drew it, or None for grid and list designs."""
        return np.load(self.matrix_file) if self.matrix_file.exists() else None

    def finished(self) -> set[tuple[int, int]]:
        """``(sample, seed)`` of every finished run (run files and compacted parts)."""
        return _keys(self.runs_dir) | part_keys(self.runs_dir)

    def uncompacted(self) -> int:
        """How many finished runs are in run files of their own (not yet compacted)."""
        return len(_keys(self.runs_dir))

    def compact(self) -> int:
        """Move the finished runs' files (and their trajectories) into compacted parts.

        Safe to interrupt at any point: a part is complete before the files it holds are
        deleted. The caller holds the store (:meth:`lock`, as a sweep does; or use
        :func:`compact_store`).

        Returns:
            The number of runs compacted.
        """
        moved = compact_folder(self.runs_dir, _RUN_SCHEMA, self.sync)
        if self.trajectories_dir.is_dir():
            compact_folder(self.trajectories_dir, _TRAJECTORY_SCHEMA, self.sync,
                            only=self.finished())
        return moved

    def failed(self) -> set[tuple[int, int]]:
        """``(sample, seed)`` of every recorded failure."""
        return _keys(self.failures_dir)

    # ------------------------------------------------------------------ writing
    def write(self, record: SweepRunResult, point: dict[str, Any]) -> None:
        """Store a finished run (or its failure) under its key."""
        name = run_name(record.sample, record.seed)
        if not record.ok:
            failure = {"sample": record.sample, "seed": record.seed, "parameters": point,
                       "error_type": record.error["type"], "message": record.error["message"],
                       "traceback": record.error["traceback"], "worker": record.worker,
                       "seconds": record.seconds, "finished": record.finished}
            text = json.dumps(failure, indent=2, default=str) + "\n"
            self._atomic(self.failures_dir / f"{name}.json", lambda tmp: tmp.write_text(text))
            return
        out = dict(record.outputs)
        trajectories = out.pop("trajectories", None)
        n = len(out["value"])
        table = pa.table({"sample": np.full(n, record.sample, dtype=np.int64),
                          "seed": np.full(n, record.seed, dtype=np.int64),
                          "country": out["country"], "indicator": out["indicator"],
                          "value": np.asarray(out["value"], dtype=float),
                          "seconds": np.full(n, record.seconds),
                          "worker": [record.worker] * n}, schema=_RUN_SCHEMA)
        if trajectories is not None:
            m = len(trajectories["value"])
            self.trajectories_dir.mkdir(exist_ok=True)
            traj = pa.table({"sample": np.full(m, record.sample, dtype=np.int64),
                             "seed": np.full(m, record.seed, dtype=np.int64),
                             "step": np.asarray(trajectories["step"], dtype=np.int64),
                             "country": trajectories["country"],
                             "indicator": trajectories["indicator"],
                             "value": np.asarray(trajectories["value"], dtype=float)},
                            schema=_TRAJECTORY_SCHEMA)
            self._atomic(self.trajectories_dir / f"{name}.parquet",
                         lambda tmp: pq.write_table(traj, tmp))
        # the run file last: once it is there, the run counts as finished
        self._atomic(self.runs_dir / f"{name}.parquet", lambda tmp: pq.write_table(table, tmp))
        (self.failures_dir / f"{name}.json").unlink(missing_ok=True)  # a retried failure

    def write_provenance(self, provenance: dict[str, Any]) -> None:
        """Replace ``provenance.json``."""
        text = json.dumps(provenance, indent=2, default=str) + "\n"
        self._atomic(self.provenance_file, lambda tmp: tmp.write_text(text))

    def provenance(self) -> dict[str, Any]:
        """The stored ``provenance.json``."""
        return json.loads(self.provenance_file.read_text())

    def _atomic(self, path: Path, write: Any) -> None:
        """Write ``path`` through a temporary file that is renamed into place."""
        write_file(path, write, sync=self.sync)


def _save_array(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as handle:  # np.save would add .npy to a temporary name
        np.save(handle, array, allow_pickle=False)


def _keys(folder: Path) -> set[tuple[int, int]]:
    return set(run_files(folder))


# ---------------------------------------------------------------------------------------------
# reading


def _open(path: str | Path) -> ResultStore:
    store = ResultStore(path)
    if not store.exists():
        raise StoreError(path, "not a sweep store (no sweep.json)")
    return store


def _read_folder(folder: Path, columns: list[str]) -> pd.DataFrame:
    """The compacted parts and run files of a folder as one table (a run both in a part and in
    a file, after a compaction cut short, is read once)."""
    import pyarrow.dataset as ds

    parts = part_files(folder)
    files = {k: f for k, f in run_files(folder).items() if f.suffix == ".parquet"}
    if files and parts:
        for key in part_keys(folder, parts) & set(files):
            del files[key]
    paths = [str(p) for p in parts] + [str(files[k]) for k in sorted(files)]
    if not paths:
        return pd.DataFrame({c: pd.Series(dtype=_dtype(c)) for c in columns})
    return ds.dataset(paths, format="parquet").to_table(columns=columns).to_pandas()


def _dtype(column: str) -> str:
    return {"value": "float64", "seconds": "float64", "country": "object",
            "indicator": "object", "worker": "object"}.get(column, "int64")


def load_design(path: str | Path) -> pd.DataFrame:
    """The design of a stored sweep: ``sample`` and one column per varied parameter."""
    return pd.read_parquet(_open(path).design_file)


def load_results(path: str | Path, trajectories: bool = False) -> pd.DataFrame:
    """The finished runs of a stored sweep as one tidy table.

    Args:
        path: the store folder.
        trajectories: every quarter's values (``step`` column) instead of the per-run outputs
            (only for sweeps that keep trajectories).

    Returns:
        Columns ``sample``, ``seed``, one per varied parameter, ``country``, ``indicator``
        (and ``step``), ``value``; sorted by sample and seed. For the model the values are the
        indicators at the horizon, with the growth rates averaged over quarters 1..T.
    """
    store = _open(path)
    if trajectories:
        cols = ["sample", "seed", "step", "country", "indicator", "value"]
        runs = _read_folder(store.trajectories_dir, cols)
    else:
        cols = RESULT_COLUMNS
        runs = _read_folder(store.runs_dir, cols)
    design = load_design(path)
    params = [c for c in design.columns if c != "sample"]
    table = runs.merge(design, on="sample", how="left")
    table = table[["sample", "seed", *params, *cols[2:]]]
    return table.sort_values(["sample", "seed"], kind="stable").reset_index(drop=True)


def load_runs(path: str | Path) -> pd.DataFrame:
    """One row per finished run: ``sample``, ``seed``, ``seconds`` and ``worker``."""
    runs = _read_folder(_open(path).runs_dir, ["sample", "seed", "seconds", "worker"])
    runs = runs.drop_duplicates(["sample", "seed"])
    return runs.sort_values(["sample", "seed"]).reset_index(drop=True)


def compact_store(path: str | Path) -> int:
    """Move a store's finished runs from their own files into a few compacted Parquet files
    (see the module docstring), so that it loads fast; a sweep does this by itself.

    Returns:
        The number of runs compacted.

    Raises:
        StoreError: not a store, or a sweep is writing to it.
    """
    store = _open(path)
    with store.lock():
        return store.compact()


def load_failures(path: str | Path) -> pd.DataFrame:
    """The recorded failures: ``sample``, ``seed``, the parameters, ``error_type``,
    ``message``, ``traceback`` and ``worker``."""
    store = _open(path)
    rows = []
    for file in sorted(store.failures_dir.glob("s*.json")):
        data = json.loads(file.read_text())
        rows.append({"sample": data["sample"], "seed": data["seed"], **data["parameters"],
                     **{k: data[k] for k in ("error_type", "message", "traceback", "worker")}})
    columns = ["sample", "seed", "error_type", "message", "traceback", "worker"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)
