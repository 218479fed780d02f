"""Running a sweep: every (point, seed) on a ``concurrent.futures.Executor``, each result written
to the store the moment it arrives.

One code path serves every backend: this process (:class:`InlineExecutor`), local worker processes
(:func:`sim.experiments.runs.process_pool`) and Dask distributed (``client.get_executor()``, see
:func:`sim.experiments.dask_backend.dask_executor`). A run that raises is recorded with its error
and the sweep goes on. A local worker that dies breaks its pool: a new pool takes over and only the
unfinished runs are submitted again (a run that was in flight when workers died three times is
recorded as a failure; it runs alone after the first time, so runs beside it are not blamed). Dask
reruns the tasks of a dead worker by itself. ``resume=True`` runs only what the store lacks.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    CancelledError,
    Executor,
    Future,
    wait,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from sim.experiments.dask_backend import dask_executor as dask_executor
from sim.experiments.store import COMPACT_EVERY, COMPACT_MIN, ResultStore, SweepRunResult
from sim.experiments.sweep import Sweep, check_point
from sim.inputs.params import plain
from sim.reporting import files

#: A run in flight when its workers died this many times is recorded as a failure.
MAX_LOST = 3
#: Runs kept in flight per local worker process (the next one is queued while one runs).
IN_FLIGHT_PER_WORKER = 2


@dataclass
class SweepSummary:
    """What one call of :func:`run_sweep` did.

    Attributes:
        store: the store folder.
        total: runs in the sweep (points times seeds).
        before: runs already in the store when it started (finished or recorded failures).
        ran: runs finished now.
        failed: runs that failed now (recorded in ``failures/``).
        lost: runs resubmitted because their worker died.
        seconds: wall time.
        run_seconds: time the runs finished now took in their workers, added up.
        write_seconds: time spent writing them to the store (compaction included).
        backend: the executor that ran them.
        failures: recorded failures in the store at the end (old and new).
    """

    store: Path
    total: int
    before: int = 0
    ran: int = 0
    failed: int = 0
    lost: int = 0
    seconds: float = 0.0
    run_seconds: float = 0.0
    write_seconds: float = 0.0
    backend: str = ""
    failures: int = 0

    @property
    def complete(self) -> bool:
        """Whether every run is now in the store (finished or failed)."""
        return self.before + self.ran + self.failed >= self.total


class InlineExecutor(Executor):
    """An executor that runs each call at once in this process (no pickling, one worker)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn(*args, **kwargs)`` now; return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:
            future.set_exception(err)
        return future


def evaluate_run(evaluate: Callable[[dict[str, Any], int], Any], sample: int, seed: int,
                 point: dict[str, Any]) -> SweepRunResult:
    """One run in a worker: its outputs, or its error and traceback if it raised."""
    start = time.perf_counter()
    outputs, error = None, None
    try:
        outputs = as_outputs(evaluate(point, seed))
    except Exception as err:
        error = {"type": type(err).__name__, "message": str(err),
                 "traceback": traceback.format_exc()}
    return SweepRunResult(sample, seed, outputs, error, time.perf_counter() - start,
                     f"{socket.gethostname()}:{os.getpid()}", files.now())


def as_outputs(result: Any) -> dict[str, Any]:
    """An evaluation's result as output columns.

    Accepts a mapping ``{"country": [...], "indicator": [...], "value": [...]}`` (the model's
    form), a mapping of output names to numbers, Python's or numpy's (``country`` is then
    empty), or a DataFrame
    with ``indicator`` and ``value`` columns (and optionally ``country``).

    Raises:
        TypeError: the result has none of these forms.
    """
    if hasattr(result, "columns") and {"indicator", "value"} <= set(result.columns):
        n = len(result)
        country = result["country"].astype(str).tolist() if "country" in result else [""] * n
        return {"country": country, "indicator": result["indicator"].astype(str).tolist(),
                "value": result["value"].to_numpy(dtype=float)}
    if isinstance(result, dict) and {"country", "indicator", "value"} <= set(result):
        return result
    if isinstance(result, dict) and result:
        values = {str(k): plain(v) for k, v in result.items() if isinstance(k, str)}
        if len(values) == len(result) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values.values()):
            return {"country": [""] * len(values), "indicator": list(values),
                    "value": [float(v) for v in values.values()]}
    raise TypeError(f"an evaluation returned {type(result).__name__}; expected a mapping of "
                    "output names to numbers or a table with indicator and value columns")


def _lost_record(sample: int, seed: int, cause: str) -> SweepRunResult:
    message = (f"the worker running it died {MAX_LOST} times ({cause}); it may crash its "
               "process (out of memory?)")
    return SweepRunResult(sample, seed, None, {"type": "WorkerLost", "message": message,
                                          "traceback": ""}, 0.0, "", files.now())


def _infrastructure_failure(sample: int, seed: int, err: BaseException) -> SweepRunResult:
    """A run whose future raised (the task wrapper catches the run's own errors, so this is the
    executor's: e.g. Dask's KilledWorker after repeated worker deaths)."""
    text = "".join(traceback.format_exception(err))
    return SweepRunResult(sample, seed, None, {"type": type(err).__name__, "message": str(err),
                                          "traceback": text}, 0.0, "", files.now())


# ---------------------------------------------------------------------------------------------
# the runner


def run_sweep(sweep: Sweep, out: str | Path, *, executor: Executor | None = None,
              workers: int | None = None, resume: bool = False, force: bool = False,
              retry_failed: bool = False, progress: bool = False, backend: str = "",
              max_in_flight: int | None = None, sync: bool = True,
              on_record: Callable[[SweepRunResult, SweepSummary], None] | None = None) \
        -> SweepSummary:
    """Run a sweep into a result store, writing each run as it finishes.

    Every point is validated before anything is written. Ctrl-C stops the workers and raises
    KeyboardInterrupt; every run finished until then is in the store.

    Args:
        sweep: the validated sweep.
        out: the store folder.
        executor: where to run (e.g. ``client.get_executor()`` of Dask); the caller keeps it
            open and shuts it down. Default: local worker processes, or this process when
            ``workers`` is 1.
        workers: local worker processes (default: the available CPUs); ignored with
            ``executor``.
        resume: continue a store of the same sweep, running only the runs it lacks.
        force: replace a store that holds a sweep.
        retry_failed: with ``resume``, run the recorded failures again.
        progress: show a progress bar with the time remaining.
        backend: how to describe the executor in the provenance (default: its class name).
        max_in_flight: runs submitted but not yet finished, at most (default: two per local
            worker; all for an executor given here, up to 256).
        sync: flush each run's file to disk before it counts as stored (so it also survives
            a power cut); turn off for functions that take less than a few milliseconds.
        on_record: called with every run record after it is stored.

    Returns:
        What was run, failed and already there.

    Raises:
        StoreError: the store holds another sweep (and ``resume`` or ``force`` do not apply)
            or is in use.
        SweepError: a point is invalid.
    """
    from sim.experiments.runs import available_cpus

    store = ResultStore(out, sync=sync)
    sweep_hash = sweep.hash()
    mode = store.check(sweep_hash, resume, force)
    if mode == "resume":
        points, matrix = store.points(), None
    else:
        design = sweep.design()
        points, matrix = design.points, design.matrix
    for sample, point in enumerate(points):
        check_point(sweep, sample, point)
    workers = available_cpus() if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    summary = SweepSummary(store.path, len(points) * len(sweep.seeds))
    start = time.perf_counter()
    with store.lock():
        if mode == "resume":
            store.clean_temporary()
        else:
            store.create({"hash": sweep_hash, "definition": sweep.definition()}, points, matrix,
                         _provenance(sweep, sweep_hash), replace=mode == "replace")
        done = store.finished() | (set() if retry_failed else store.failed())
        todo = [(s, seed) for s in range(len(points)) for seed in sweep.seeds
                if (s, seed) not in done]
        summary.before = summary.total - len(todo)
        if executor is None and workers > 1 and len(todo) > 1:
            from sim.experiments.runs import process_pool

            n = min(workers, len(todo))
            factory: Callable[[], Executor] | None = lambda: process_pool(n)  # noqa: E731
            summary.backend = backend or f"{n} local processes"
            window = max_in_flight or IN_FLIGHT_PER_WORKER * n
        else:
            factory = None
            executor = executor or InlineExecutor()
            summary.backend = backend or (type(executor).__name__ if not isinstance(
                executor, InlineExecutor) else "this process")
            window = max_in_flight or (1 if isinstance(executor, InlineExecutor) else 256)
        launch = _start_launch(store, summary, resume)
        status = "error"
        with tqdm(total=summary.total, initial=summary.before, disable=not progress,
                  delay=1.0, unit="run", desc=sweep.name, leave=False, smoothing=0.1) as bar:

            def handle(record: SweepRunResult) -> None:
                tick = time.perf_counter()
                store.write(record, points[record.sample])
                if (summary.ran + summary.failed + 1) % COMPACT_EVERY == 0:
                    store.compact()  # keeps a long sweep's store fast to read, even if killed
                summary.write_seconds += time.perf_counter() - tick
                if record.ok:
                    summary.ran += 1
                    summary.run_seconds += record.seconds
                else:
                    summary.failed += 1
                    bar.set_postfix(failed=summary.failed, refresh=False)
                bar.update()
                if on_record is not None:
                    on_record(record, summary)

            try:
                _dispatch(sweep, points, todo, executor, factory, window, handle, summary)
                status = "complete" if summary.complete else "incomplete"
                if store.uncompacted() >= COMPACT_MIN:
                    tick = time.perf_counter()
                    store.compact()
                    summary.write_seconds += time.perf_counter() - tick
            except KeyboardInterrupt:
                status = "interrupted"
                raise
            finally:
                summary.seconds = time.perf_counter() - start
                summary.failures = len(store.failed())
                _end_launch(store, launch, summary, status)
    return summary


def _dispatch(sweep: Sweep, points: list[dict[str, Any]], todo: list[tuple[int, int]],
              executor: Executor | None, factory: Callable[[], Executor] | None, window: int,
              handle: Callable[[SweepRunResult], None], summary: SweepSummary) -> None:
    """Submit the runs, keep at most ``window`` in flight, hand every result to ``handle``, and
    replace a broken pool (only when this function made it: ``factory``)."""
    pending = deque(todo)
    strikes: Counter[tuple[int, int]] = Counter()
    in_flight: dict[Future, tuple[int, int]] = {}
    pool = executor if executor is not None else factory()
    owned = executor is None
    broken: BaseException | None = None
    try:
        while pending or in_flight:
            if broken is None:
                broken = _fill(pool, sweep, points, pending, in_flight, strikes, window)
            done = wait(list(in_flight), return_when=FIRST_COMPLETED)[0] if in_flight \
                else set()
            lost = []
            for future in done:
                key = in_flight.pop(future)
                try:
                    record = future.result()
                except BrokenExecutor as err:  # the pool, not the run, failed
                    lost.append(key)
                    broken = err
                    continue
                except CancelledError:
                    lost.append(key)
                    continue
                except Exception as err:
                    record = _infrastructure_failure(key[0], key[1], err)
                handle(record)
            for key in reversed(lost):
                strikes[key] += 1
                summary.lost += 1
                if strikes[key] >= MAX_LOST:
                    cause = type(broken).__name__ if broken is not None else "cancelled"
                    handle(_lost_record(*key, cause=cause))
                else:
                    pending.appendleft(key)
            if broken is not None and not in_flight:  # every future of the pool has failed
                if not owned:
                    raise RuntimeError(f"the executor broke ({broken}); the finished runs "
                                       "are in the store: resume to run the others") \
                        from broken
                _stop_pool(pool)
                pool, broken = factory(), None
    except BaseException:
        _stop_quietly(pool, in_flight, owned)
        raise
    if owned:
        pool.shutdown()


def _fill(pool: Executor, sweep: Sweep, points: list[dict[str, Any]],
          pending: deque[tuple[int, int]], in_flight: dict[Future, tuple[int, int]],
          strikes: Counter[tuple[int, int]], window: int) -> BrokenExecutor | None:
    """Submit pending runs up to the window; a run whose worker died before runs alone.

    Returns:
        The error if the pool broke before a submission (a worker died since the last result).
    """
    while pending and len(in_flight) < window:
        if any(strikes[k] for k in in_flight.values()):
            return None
        key = pending[0]
        if strikes[key] and in_flight:
            return None
        sample, seed = key
        try:
            future = pool.submit(evaluate_run, sweep.evaluate, sample, seed, points[sample])
        except BrokenExecutor as err:
            return err
        pending.popleft()
        in_flight[future] = key
        if strikes[key]:
            return None
    return None


def _stop_pool(pool: Executor) -> None:
    from sim.experiments.runs import _stop

    _stop(pool, [], owned=True)


def _stop_quietly(pool: Executor, in_flight: dict[Future, tuple[int, int]],
                  owned: bool) -> None:
    from sim.experiments.runs import _stop

    with contextlib.suppress(Exception):
        _stop(pool, list(in_flight), owned)


# ---------------------------------------------------------------------------------------------
# provenance


def _provenance(sweep: Sweep, sweep_hash: str) -> dict[str, Any]:
    return files.provenance(
        sweep=sweep.name,
        source=sweep.source,
        hash=sweep_hash,
        base_scenario=sweep.base.resolved() if sweep.base is not None else None,
        outputs="for the model: each indicator at the horizon T, the growth rates "
                "(productivity_growth, investment_growth) averaged over quarters 1..T as "
                "in the scorecard",
        launches=[],
    )


def _start_launch(store: ResultStore, summary: SweepSummary, resume: bool) -> dict[str, Any]:
    provenance = store.provenance()
    launch = {"started": files.now(), "command": " ".join(sys.argv), "host": socket.gethostname(),
              "backend": summary.backend, "resume": resume, "runs_before": summary.before,
              "versions": files.versions(), "status": "running"}
    provenance["launches"].append(launch)
    store.write_provenance(provenance)
    return launch


def _end_launch(store: ResultStore, launch: dict[str, Any], summary: SweepSummary,
                status: str) -> None:
    provenance = store.provenance()
    launch.update({"finished": files.now(), "status": status, "ran": summary.ran,
                   "failed": summary.failed, "lost": summary.lost,
                   "wall_seconds": round(summary.seconds, 3)})
    provenance["launches"][-1] = launch
    store.write_provenance(provenance)
