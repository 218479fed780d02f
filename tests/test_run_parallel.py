"""run_many: several scenarios over several seeds on worker processes, with results identical
to run_scenario whatever the number of workers; failures name the run; Ctrl-C stops the pool."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import sigint_as_in_a_terminal
from processes import live_group_members, wait_for_busy_workers

from sim.cli import main
from sim.experiments.runs import RunError, run_many, run_scenario
from sim.inputs.scenario import Scenario, scenario_from_dict

CLUSTERSIM = Path(sys.executable).parent / "clustersim"
SEEDS = [3, 1]  # out of order on purpose: tables keep the order given
STEPS = 3


def tiny(name: str, policies: list | None = None, steps: int = 40) -> Scenario:
    data = {"name": name, "model": {"firm_scale": 0.2, "steps": steps}}
    if policies:
        data["policies"] = policies
    return scenario_from_dict(data, source="<test>")


PLAIN = tiny("plain")
SUBSIDY = tiny("subsidy", [{"type": "sme_subsidy", "country": "both", "budget": 5.0}])
BROKEN = dataclasses.replace(PLAIN, name="broken", policies=[("no_such_policy", {})])


def assert_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    # bit for bit, NaN in the same places
    assert a["value"].to_numpy().tobytes() == b["value"].to_numpy().tobytes()


@pytest.fixture(scope="module")
def serial() -> list[pd.DataFrame]:
    return run_many([PLAIN, SUBSIDY], SEEDS, steps=STEPS, workers=1)


def test_run_many_matches_run_scenario(serial):
    assert len(serial) == 2
    for scenario, table in zip([PLAIN, SUBSIDY], serial, strict=True):
        assert_identical(table, run_scenario(scenario, SEEDS, steps=STEPS))
        assert list(pd.unique(table["seed"])) == SEEDS
        assert set(table["scenario"]) == {scenario.name}
        assert table["step"].max() == STEPS
    # the comparison is not vacuous: seeds and scenarios give different numbers
    plain = serial[0]
    first, second = (plain[plain.seed == s]["value"].to_numpy() for s in SEEDS)
    assert not np.array_equal(first, second, equal_nan=True)
    assert not np.array_equal(serial[0]["value"], serial[1]["value"], equal_nan=True)


def test_run_many_is_identical_on_two_processes(serial):
    parallel = run_many([PLAIN, SUBSIDY], SEEDS, steps=STEPS, workers=2)
    assert len(parallel) == len(serial)
    for a, b in zip(serial, parallel, strict=True):
        assert_identical(a, b)


def test_run_many_accepts_another_executor(serial):
    with ThreadPoolExecutor(max_workers=1) as pool:
        tables = run_many([PLAIN, SUBSIDY], SEEDS, steps=STEPS, executor=pool)
        assert pool.submit(lambda: 7).result() == 7, "run_many shut the caller's executor down"
    for a, b in zip(serial, tables, strict=True):
        assert_identical(a, b)


def test_run_many_uses_each_scenario_steps_by_default():
    short, longer = tiny("short", steps=1), tiny("longer", steps=2)
    tables = run_many([short, longer], [0], workers=1)
    assert [int(t["step"].max()) for t in tables] == [1, 2]


@pytest.mark.parametrize("workers", [1, 2])
def test_failed_run_names_scenario_and_seed(workers):
    with pytest.raises(RunError, match=r"scenario 'broken' with seed 3 failed: KeyError") as exc:
        run_many([PLAIN, BROKEN], [3], steps=1, workers=workers)
    assert exc.value.scenario == "broken" and exc.value.seed == 3
    assert exc.value.__cause__ is not None  # the original error (and remote traceback) kept


def test_bad_arguments():
    with pytest.raises(ValueError, match="seed"):
        run_many([PLAIN], [], workers=1)
    with pytest.raises(ValueError, match="workers"):
        run_many([PLAIN], [0], workers=0)
    assert run_many([], [0, 1]) == []


def test_compare_workers_gives_the_same_comparison(tmp_path, capsys):
    files = []
    for name, policy in (("ref", ""), ("pol", '[[policies]]\ntype = "sme_subsidy"\n'
                                      'country = "both"\nbudget = 5.0\n')):
        path = tmp_path / f"{name}.toml"
        path.write_text(f'name = "{name}"\n[model]\nfirm_scale = 0.2\n{policy}')
        files.append(str(path))
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"cmp{workers}"
        code = main(["compare", *files, "--seeds", "2", "--steps", "2", "--workers", workers,
                     "--out", str(out), "--quiet"])
        assert code == 0, capsys.readouterr().err
        outputs.append((out / "compare.csv").read_bytes())
    assert outputs[0] == outputs[1]
    with pytest.raises(SystemExit) as exc:
        main(["compare", *files, "--workers", "0"])
    assert exc.value.code == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("how", "code", "word"), [("ctrl-c", 130, "interrupted"),
                                                   ("kill", 143, "terminated")])
def test_ctrl_c_stops_the_pool_without_hanging(tmp_path, how, code, word):
    """Ctrl-C (SIGINT to the whole process group) and ``kill`` (SIGTERM to the command
    only, as a scheduler ending a job may send) both stop the workers at once."""
    # runs of about a minute each: stopping must not wait for the runs in progress
    path = tmp_path / "slow.toml"
    path.write_text('name = "slow"\n[model]\nfirm_scale = 2.0\n')
    other = tmp_path / "slow2.toml"
    other.write_text('name = "slow2"\n[model]\nfirm_scale = 2.0\n')
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [str(CLUSTERSIM), "compare", str(path), str(other), "--seeds", "2", "--steps", "2000",
         "--workers", "2", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        start_new_session=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
        preexec_fn=sigint_as_in_a_terminal)
    try:
        line = proc.stderr.readline()  # printed just before the pool starts
        assert line.startswith("running 2 scenarios x 2 seeds"), line
        # wait until both workers are busy with their first runs (however slow the machine is
        # to start them), not for a fixed time
        wait_for_busy_workers(proc.pid, workers=2, timeout=120)
        assert proc.poll() is None, "finished before it could be interrupted"
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        else:
            os.kill(proc.pid, signal.SIGTERM)  # the workers get nothing
        start = time.monotonic()
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # far less than the minutes the runs in progress still needed (2,000 quarters of 3,000
    # firms: over a minute each on an idle machine, longer on a loaded one), with room for a
    # machine so loaded that stopping two processes takes a while
    assert time.monotonic() - start < 30, "the interrupted command waited for the runs"
    assert proc.returncode == code, err
    assert word in err and "Traceback" not in err
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
    deadline = time.monotonic() + 60  # the workers' exit, waited for as it happens
    while live_group_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert live_group_members(proc.pid) == [], "worker processes outlived the command"
