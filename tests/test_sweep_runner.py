"""The sweep runner and its store: the same numbers on every backend, every run stored exactly
once through interruptions, killed workers and resumes, failures recorded while the others
finish, and a store used only by the sweep that made it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import sigint_as_in_a_terminal

from sim.cli import main
from sim.experiments.dask_backend import dask_executor
from sim.experiments.store import (
    ResultStore,
    StoreError,
    load_failures,
    load_results,
    load_runs,
)
from sim.experiments.sweep import sweep_from_dict
from sim.experiments.sweep_runner import run_sweep

ROOT = Path(__file__).resolve().parent.parent
CLUSTERSIM = Path(sys.executable).parent / "clustersim"
BASE = str(ROOT / "scenarios" / "tax_break.toml")


def definition(seeds: int = 3, steps: int = 5, scale: float = 0.15) -> dict:
    """4 points of a small tax-break economy (about 0.1 s a run)."""
    return {"name": "tiny", "base": BASE, "seeds": seeds, "steps": steps,
            "fixed": {"model.firm_scale": scale},
            "vary": {"model.selectivity": [0.2, 0.5],
                     "policies.tax_break.profit_relief": [0.5, 1.0]}}


TINY = sweep_from_dict(definition(), source="<tiny>")
#: 40 runs for the interruption tests.
LONGER = sweep_from_dict(definition(seeds=10), source="<longer>")


def write_toml(path: Path, data: dict) -> Path:
    lines = [f"{k} = {json.dumps(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for name, table in ((k, v) for k, v in data.items() if isinstance(v, dict)):
        lines.append(f"[{name}]")
        lines += [f'"{k}" = {json.dumps(v)}' for k, v in table.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a["value"].to_numpy().tobytes() == b["value"].to_numpy().tobytes()  # NaN too


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    """The tiny sweep run in this process."""
    out = tmp_path_factory.mktemp("ref") / "store"
    summary = run_sweep(TINY, out, workers=1)
    assert summary.backend == "this process" and summary.ran == 12
    return load_results(out)


@pytest.fixture(scope="module")
def longer_reference(tmp_path_factory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("longer") / "store"
    run_sweep(LONGER, out, workers=1)
    return load_results(out)


# ------------------------------------------------------------------------- same numbers
def test_results_are_tidy_with_parameters(reference):
    assert list(reference.columns) == ["sample", "seed", "model.selectivity",
                                       "policies.tax_break.profit_relief", "country",
                                       "indicator", "value"]
    assert len(reference) == 12 * 3 * 9  # runs x countries x key indicators
    keys = reference[["sample", "seed"]].drop_duplicates()
    assert len(keys) == 12
    # not vacuous: parameters and seeds change the numbers
    exports = reference[(reference.indicator == "tech_exports") & (reference.country == "JOINT")]
    assert exports["value"].nunique() == 12


def test_two_processes_give_identical_results(tmp_path, reference):
    summary = run_sweep(TINY, tmp_path / "s", workers=2)
    assert summary.backend == "2 local processes" and summary.ran == 12
    assert_same(load_results(tmp_path / "s"), reference)
    assert load_runs(tmp_path / "s")["worker"].nunique() == 2


def test_dask_local_cluster_gives_identical_results(tmp_path, reference, capsys):
    path = write_toml(tmp_path / "tiny.toml", definition())
    code = main(["sweep", str(path), "--out", str(tmp_path / "s"), "--dask-workers", "2",
                 "--quiet"])
    assert code == 0
    assert "on Dask LocalCluster (2 workers)" in capsys.readouterr().out
    assert_same(load_results(tmp_path / "s"), reference)


def test_a_running_dask_scheduler_takes_the_sweep(tmp_path, reference, capsys):
    from distributed import LocalCluster

    path = write_toml(tmp_path / "tiny.toml", definition())
    with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        code = main(["sweep", str(path), "--out", str(tmp_path / "s"), "--scheduler",
                     cluster.scheduler_address, "--quiet"])
    assert code == 0, capsys.readouterr().err
    assert f"on Dask scheduler {cluster.scheduler_address}" in capsys.readouterr().out
    assert_same(load_results(tmp_path / "s"), reference)


def test_an_unreachable_scheduler_exits_2_before_writing(tmp_path, capsys, monkeypatch):
    import sim.experiments.dask_backend

    monkeypatch.setattr(sim.experiments.dask_backend, "CONNECT_TIMEOUT", "0.5s")
    path = write_toml(tmp_path / "tiny.toml", definition())
    code = main(["sweep", str(path), "--out", str(tmp_path / "s"), "--scheduler",
                 "tcp://127.0.0.1:9", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in err
    assert not (tmp_path / "s").exists()


def test_a_run_is_the_model_run_of_its_scenario_and_seed(reference):
    from sim.experiments.runs import run_scenario
    from sim.reporting.scorecard import aggregate_growth

    point = TINY.design().points[3]
    table = aggregate_growth(run_scenario(TINY.evaluate.scenario(point), seeds=[2]))
    last = table[table.step == table.step.max()].set_index(["country", "indicator"])["value"]
    mine = reference[(reference["sample"] == 3) & (reference.seed == 2)]
    for row in mine.itertuples():
        assert row.value == pytest.approx(last[row.country, row.indicator], nan_ok=True,
                                          rel=1e-12)


# ------------------------------------------------------------------------- failures
def flaky(point: dict, seed: int) -> dict:
    """Fails on purpose at a = 2."""
    if point["a"] == 2:
        raise ValueError(f"no good at a={point['a']}")
    return {"y": point["a"] * 10.0 + seed}


def test_a_failing_run_is_recorded_and_the_others_finish(tmp_path):
    s = sweep_from_dict({"seeds": 2, "vary": {"a": [1, 2, 3]}}, evaluate=flaky)
    summary = run_sweep(s, tmp_path / "s", workers=2)
    assert (summary.ran, summary.failed, summary.failures) == (4, 2, 2)
    failures = load_failures(tmp_path / "s")
    assert sorted(zip(failures["sample"], failures["seed"], strict=True)) == [(1, 0), (1, 1)]
    assert set(failures["a"]) == {2.0} and set(failures["error_type"]) == {"ValueError"}
    assert failures["message"].str.contains("no good at a=2").all()
    assert failures["traceback"].str.contains("in flaky").all()
    results = load_results(tmp_path / "s")
    assert sorted(results["value"]) == [10.0, 11.0, 30.0, 31.0]
    # resuming does not rerun a recorded failure unless asked to
    again = run_sweep(s, tmp_path / "s", resume=True, workers=1)
    assert (again.before, again.ran, again.failed) == (6, 0, 0)
    retried = run_sweep(s, tmp_path / "s", resume=True, retry_failed=True, workers=1)
    assert (retried.before, retried.failed, retried.failures) == (4, 2, 2)


def test_the_command_exits_1_when_runs_failed(tmp_path, capsys):
    path = write_toml(tmp_path / "flaky.toml", {"evaluate": "test_sweep_runner:flaky",
                                                "seeds": 1, "vary": {"a": [1, 2]}})
    code = main(["sweep", str(path), "--out", str(tmp_path / "s"), "--quiet", "--workers", "1"])
    captured = capsys.readouterr()
    assert code == 1
    assert "1 runs now" in captured.out and "1 runs failed" in captured.err


# ------------------------------------------------------------------------- the store
def test_a_store_is_used_only_by_its_own_sweep(tmp_path, capsys):
    path = write_toml(tmp_path / "tiny.toml", definition(seeds=1, steps=2, scale=0.1))
    out = tmp_path / "s"
    assert main(["sweep", str(path), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    stamp = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    assert len(stamp) == 4
    capsys.readouterr()
    # again without --resume or --force
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    assert "use --resume to continue it or --force" in capsys.readouterr().err
    # resume: nothing to do, nothing rerun
    assert main(["sweep", str(path), "--out", str(out), "--quiet", "--resume"]) == 0
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == stamp
    # another definition cannot resume it
    other = write_toml(tmp_path / "other.toml", definition(seeds=2, steps=2, scale=0.1))
    capsys.readouterr()
    assert main(["sweep", str(other), "--out", str(out), "--quiet", "--resume"]) == 2
    err = capsys.readouterr().err
    assert "holds another sweep definition" in err and len(err.strip().splitlines()) == 1
    # --force replaces it
    assert main(["sweep", str(other), "--out", str(out), "--quiet", "--force",
                 "--workers", "1"]) == 0
    assert len(list((out / "runs").iterdir())) == 8
    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["hash"] == json.loads((out / "sweep.json").read_text())["hash"]
    assert provenance["launches"][-1]["status"] == "complete"
    assert provenance["base_scenario"]["sha256"]


def test_a_folder_that_is_not_a_store_is_never_replaced(tmp_path, capsys):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("keep me")
    path = write_toml(tmp_path / "tiny.toml", definition(seeds=1, steps=2, scale=0.1))
    assert main(["sweep", str(path), "--out", str(out), "--quiet", "--force"]) == 2
    assert "not a sweep store" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["thesis.tex"]


def test_a_store_in_use_is_refused(tmp_path):
    store = ResultStore(tmp_path / "s")
    with store.lock(), pytest.raises(StoreError, match="in use by another sweep"):
        run_sweep(TINY, tmp_path / "s", workers=1)


def test_trajectories_keep_every_quarter(tmp_path):
    data = {**definition(seeds=1, steps=3, scale=0.1), "trajectories": True,
            "indicators": ["tech_exports"], "countries": ["JOINT"]}
    out = tmp_path / "s"
    run_sweep(sweep_from_dict(data), out, workers=1)
    traj = load_results(out, trajectories=True)
    assert sorted(traj["step"].unique()) == [0, 1, 2, 3]
    assert len(traj) == 4 * 4
    final = traj[traj.step == 3].reset_index(drop=True)["value"]
    assert final.tolist() == load_results(out)["value"].tolist()


# ------------------------------------------------------------------------- interruptions
def wait_for_runs(out: Path, k: int, proc: subprocess.Popen, timeout: float = 300.0) -> int:
    """Wait until the sweep has stored ``k`` runs (as soon as it has: the timeout only bounds
    a sweep that never gets there, and leaves room for a loaded machine's slow start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = out / "runs"
        n = len(list(runs.glob("s*.parquet"))) if runs.is_dir() else 0
        if n >= k:
            return n
        assert proc.poll() is None, f"the sweep ended early: {proc.communicate()}"
        time.sleep(0.01)
    raise AssertionError(f"fewer than {k} runs after {timeout} s")


@pytest.mark.parametrize("how", ["kill", "interrupt"])
def test_an_interrupted_sweep_resumes_and_has_every_run_once(tmp_path, how, longer_reference):
    path = write_toml(tmp_path / "longer.toml", definition(seeds=10))
    out = tmp_path / "s"
    proc = subprocess.Popen([str(CLUSTERSIM), "sweep", str(path), "--out", str(out),
                             "--workers", "2", "--quiet"], cwd=tmp_path, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=sigint_as_in_a_terminal)
    try:
        wait_for_runs(out, 6, proc)
        if how == "kill":  # the whole process group, workers too, without warning
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # Ctrl-C
            os.kill(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if how == "interrupt":
        assert proc.returncode == 130, err
        assert "interrupted" in err and "--resume continues" in err
        assert not list(out.rglob(".tmp-*")), "an interrupted sweep left a temporary file"
    else:
        assert proc.returncode == -signal.SIGKILL
    kept = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("s*.parquet")}
    assert 6 <= len(kept) < 40, "the sweep was not stopped part-way"
    code = main(["sweep", str(path), "--out", str(out), "--resume", "--quiet", "--workers",
                 "2"])
    assert code == 0
    after = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("s*.parquet")}
    assert len(after) == 40
    assert all(after[name] == stamp for name, stamp in kept.items()), "a finished run reran"
    launches = json.loads((out / "provenance.json").read_text())["launches"]
    assert launches[-1]["runs_before"] == len(kept) and launches[-1]["ran"] == 40 - len(kept)
    results = load_results(out)
    assert not results.duplicated(["sample", "seed", "country", "indicator"]).any()
    assert_same(results, longer_reference)


def kill_worker_after(k: int):
    """An ``on_record`` callback that kills the worker process of the k-th result."""
    state = {"killed": None}

    def on_record(record, summary) -> None:
        if state["killed"] is None and summary.ran >= k:
            pid = int(record.worker.rsplit(":", 1)[1])
            assert pid != os.getpid()
            os.kill(pid, signal.SIGKILL)
            state["killed"] = pid

    return on_record, state


def test_a_killed_local_worker_is_replaced_and_the_sweep_completes(tmp_path, longer_reference):
    on_record, state = kill_worker_after(5)
    summary = run_sweep(LONGER, tmp_path / "s", workers=2, on_record=on_record)
    assert state["killed"] and summary.lost >= 1
    assert (summary.ran, summary.failed) == (40, 0)
    assert_same(load_results(tmp_path / "s"), longer_reference)


def test_a_killed_dask_worker_does_not_lose_runs(tmp_path, longer_reference):
    on_record, state = kill_worker_after(5)
    with dask_executor(workers=2) as (executor, window, backend):
        summary = run_sweep(LONGER, tmp_path / "s", executor=executor, max_in_flight=window,
                            backend=backend, on_record=on_record)
    assert state["killed"]
    assert (summary.ran, summary.failed) == (40, 0)
    results = load_results(tmp_path / "s")
    assert not results.duplicated(["sample", "seed", "country", "indicator"]).any()
    assert_same(results, longer_reference)
