"""Running a sweep on Dask distributed: an executor connected to a running scheduler, or on a
local cluster started for the sweep (see :func:`dask_executor`; the runner,
:func:`sim.experiments.sweep_runner.run_sweep`, takes it like any other executor). Dask reruns the
tasks of a dead worker by itself.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import Any

#: Runs kept in flight on Dask: per worker thread, and at least this many.
DASK_IN_FLIGHT_PER_THREAD, DASK_MIN_IN_FLIGHT = 4, 256
#: Worker settings of a local Dask cluster. Dask's statistical profiler samples every worker
#: thread's stack every 10 ms and the event loop ticks every 20 ms; on a machine where the
#: workers have all the cores those interruptions made each run about 7% slower. Neither is
#: needed to run a sweep. (A cluster reached with ``--scheduler`` keeps its own settings; see
#: docs/experiments.md.)
LOCAL_WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.gil.enabled": False,
}
#: How long to try reaching a Dask scheduler.
CONNECT_TIMEOUT = "10s"


@contextlib.contextmanager
def dask_executor(scheduler: str | None = None, workers: int | None = None) -> \
        Iterator[tuple[Executor, int, str]]:
    """A Dask executor: connected to a running scheduler, or on a local cluster.

    Args:
        scheduler: the scheduler's address (``tcp://host:8786``); its workers must have
            clustersim installed.
        workers: otherwise, local worker processes (one thread each).

    Yields:
        ``(executor, runs to keep in flight, description)``.

    Raises:
        OSError: the scheduler cannot be reached.
        RuntimeError: its workers cannot import clustersim.
    """
    import dask
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            try:
                client = stack.enter_context(Client(scheduler, timeout=CONNECT_TIMEOUT))
            except (OSError, TimeoutError) as err:
                raise OSError(f"cannot connect to the Dask scheduler at {scheduler}: "
                              f"{err}") from None
            _check_workers(client)
            threads = sum(client.nthreads().values())
            description = f"Dask scheduler {scheduler} ({threads} worker threads)"
        else:
            n = workers or 1
            stack.enter_context(dask.config.set(LOCAL_WORKER_CONFIG))
            cluster = stack.enter_context(LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                silence_logs=logging.ERROR))  # not the warnings of tasks cancelled on Ctrl-C
            client = stack.enter_context(Client(cluster))
            client.run(_package_version)
            threads = n
            description = f"Dask LocalCluster ({n} workers)"
        window = max(DASK_MIN_IN_FLIGHT, DASK_IN_FLIGHT_PER_THREAD * threads)
        yield client.get_executor(pure=False), window, description


def _package_version() -> str:
    """The worker's clustersim version, once it has imported the model (so the first runs do
    not pay for the imports)."""
    from importlib.metadata import version

    import sim.experiments.runs  # noqa: F401
    import sim.experiments.sweep_runner  # noqa: F401

    return version("clustersim")


def _check_workers(client: Any) -> None:
    """Fail early if the workers cannot run the model (clustersim not installed there)."""
    try:
        found = client.run(_package_version)
    except Exception as err:
        raise RuntimeError(f"the Dask workers cannot import clustersim ({type(err).__name__}: "
                           f"{err}); install it in the workers' environment") from None
    mine = _package_version()
    other = sorted({v for v in found.values() if v != mine})
    if other:
        print(f"clustersim: warning: Dask workers run clustersim {', '.join(other)}, this "
              f"process {mine}", file=sys.stderr)
