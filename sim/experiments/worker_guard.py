"""Worker processes that end when the process that started them dies, however it died.

A local worker pool (:func:`sim.experiments.runs.process_pool`) starts its workers from a fork
server, so a worker's parent is the fork server, not the command, and neither notices when the
command is killed outright (SIGKILL: what an out-of-memory killer or a batch scheduler sends):
measured, the two workers went on running their models and then waited for work forever,
keeping the fork server (which lives while any process holds its "alive" pipe, as each worker
does) and multiprocessing's resource tracker alive too.

:func:`watch_parent`, called in each worker's initializer with the command's process id, starts
a thread that ends the worker the moment the command is gone. On Linux (5.3 and later) it
waits on a process file descriptor of the command (``os.pidfd_open``): no polling, and no
confusion with a new process that reuses the id. Elsewhere it checks every
:data:`POLL_SECONDS`. Once the workers are gone, the fork server and the resource tracker see
their pipes close and exit by themselves.
"""

from __future__ import annotations

import os
import select
import threading
import time

#: How often a worker checks that the command is alive where it cannot wait for its end.
POLL_SECONDS = 0.5
#: Exit status of a worker that ended because the command died.
ORPHAN_EXIT = 3


def watch_parent(pid: int) -> None:
    """End this process as soon as process ``pid`` has ended (a daemon thread watches it).

    Call it early in a worker process, with the process id of the command that started the
    pool (``os.getpid()`` there, passed to the worker's initializer). If ``pid`` has already
    ended, this process ends now.
    """
    try:
        handle: int | None = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(ORPHAN_EXIT)
    except (AttributeError, OSError):  # not Linux, or a kernel before 5.3
        handle = None
        if not _alive(pid):
            os._exit(ORPHAN_EXIT)
    threading.Thread(target=_wait_for_end, args=(pid, handle), name="parent-watch",
                     daemon=True).start()


def _wait_for_end(pid: int, handle: int | None) -> None:
    """Block until process ``pid`` has ended, then end this process at once (the run in
    progress is abandoned: its result has nobody to go to)."""
    if handle is not None:
        while not select.select([handle], [], [])[0]:  # readable once the process has ended
            pass
    else:
        while _alive(pid):
            time.sleep(POLL_SECONDS)
    os._exit(ORPHAN_EXIT)


def _alive(pid: int) -> bool:
    """Whether a process with this id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
