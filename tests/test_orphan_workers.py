"""A command's worker processes end when the command dies, whatever killed it: SIGKILL (what
an out-of-memory killer or a batch scheduler sends) of ``clustersim sweep`` and of
``clustersim scorecard`` leaves none of their processes (workers, fork server, resource
tracker) after 10 s."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import (
    kill_group,
    live_group_members,
    wait_for_busy_workers,
    wait_until_group_is_empty,
)

ROOT = Path(__file__).resolve().parent.parent
CLUSTERSIM = Path(sys.executable).parent / "clustersim"
#: Runs of a few seconds each at the full population, more than two workers finish before the
#: command is killed.
SWEEP = f"""
name = "orphans"
base = "{ROOT / 'scenarios' / 'full_package.toml'}"
seeds = 4
steps = 40
indicators = ["tech_exports"]
[vary]
"risks.coordination" = [0.0, 0.5, 1.0]
"""


def command(kind: str, tmp_path: Path) -> list[str]:
    out = str(tmp_path / "out")
    if kind == "sweep":
        path = tmp_path / "orphans.toml"
        path.write_text(SWEEP)
        return ["sweep", str(path), "--out", out]
    return ["scorecard", "--seeds", "2", "--steps", "40", "--out", out]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("kind", ["sweep", "scorecard"])
def test_sigkill_of_the_command_leaves_no_process(tmp_path, kind):
    proc = subprocess.Popen([str(CLUSTERSIM), *command(kind, tmp_path), "--workers", "2",
                             "--quiet"], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # the workers are running models (an observable event, however slow the machine is)
        workers = wait_for_busy_workers(proc.pid, workers=2, timeout=120)
        assert proc.poll() is None, "finished before it could be killed"
        helpers = set(live_group_members(proc.pid)) - {proc.pid, *workers}
        assert helpers, "no fork server: the test would not check that it ends"
        os.kill(proc.pid, signal.SIGKILL)  # the command only, with no chance to clean up
        proc.wait(timeout=10)
        start = time.monotonic()
        left = wait_until_group_is_empty(proc.pid, timeout=10)
        assert left == [], f"processes outlived the killed command: {left}"
        assert time.monotonic() - start < 10
    finally:
        kill_group(proc.pid)
        proc.wait(timeout=10)
