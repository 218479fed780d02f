"""Helpers for tests that start commands with worker processes: the processes of a process
group from /proc (Linux), waiting until the workers are busy, and waiting for them to end."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest


def group_processes(pgid: int) -> list[tuple[int, int, float]]:
    """(pid, parent pid, CPU seconds) of the live processes (not zombies) of a process group,
    from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            # fields from the state on: state, ppid, pgrp, ..., utime (12th), stime (13th)
            found.append((int(stat.parent.name), int(fields[1]),
                          (int(fields[11]) + int(fields[12])) / tick))
    return found


def wait_for_busy_workers(pgid: int, workers: int, timeout: float) -> list[int]:
    """Wait until ``workers`` worker processes of the command have each run for a while;
    return their ids.

    Workers are the processes of the group that the command did not start itself (they come
    from the fork server); a worker's CPU time starts from zero when it is forked, so time
    spent means it is running a model."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [pid for pid, parent, cpu in group_processes(pgid)
                if pid != pgid and parent != pgid and cpu >= 0.5]
        if len(busy) >= workers:
            return busy
        time.sleep(0.05)
    pytest.fail(f"{workers} workers were not busy after {timeout} s")


def live_group_members(pgid: int) -> list[int]:
    """Processes (not zombies) in a process group."""
    return [pid for pid, _, _ in group_processes(pgid)]


def wait_until_group_is_empty(pgid: int, timeout: float) -> list[int]:
    """Wait up to ``timeout`` seconds for every process of the group to end; return those
    still alive then (none if all ended)."""
    deadline = time.monotonic() + timeout
    while (left := live_group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def kill_group(pgid: int) -> None:
    """SIGKILL whatever is left of a process group (a test never leaves processes behind)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass
