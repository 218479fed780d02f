"""Compaction of a sweep's store: finished runs moved from one file each into a few Parquet
parts read the same as before, by every reader; a sweep compacts as it goes and when it ends;
resuming, failures, retries and replacing still work on a compacted store; and a compaction cut
short between writing a part and deleting its files leaves no run counted twice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments import store_parts, sweep_runner
from sim.experiments.store import (
    ResultStore,
    compact_store,
    load_failures,
    load_results,
    load_runs,
)
from sim.experiments.sweep import sweep_from_dict
from sim.experiments.sweep_runner import run_sweep

ROOT = Path(__file__).resolve().parent.parent
#: Points that fail while ``BROKEN`` holds them (a retry after a fix then succeeds).
BROKEN = {3, 7}


def formula(point: dict, seed: int) -> dict:
    """Two outputs of a point; raises at the points of BROKEN."""
    if point["k"] in BROKEN:
        raise ValueError(f"broken at k={point['k']}")
    return {"y": point["k"] * 10.0 + seed, "z": point["k"] - 0.5 * seed}


def formula_sweep(points: int = 12, seeds: int = 3):
    return sweep_from_dict({"name": "formula", "seeds": seeds,
                            "vary": {"k": list(range(points))}}, evaluate=formula)


def files_in(folder: Path) -> tuple[int, int]:
    """(run files, compacted parts) in a store folder."""
    names = [p.name for p in folder.iterdir()]
    return (sum(n.startswith("s") for n in names), sum(n.startswith("part-") for n in names))


def everything(path: Path, trajectories: bool = False) -> dict:
    out = {"results": load_results(path), "runs": load_runs(path).drop(columns="seconds"),
           "finished": ResultStore(path).finished(), "failures": load_failures(path)}
    if trajectories:
        out["trajectories"] = load_results(path, trajectories=True)
    return out


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], pd.DataFrame):
            pd.testing.assert_frame_equal(a[key], b[key], check_exact=True)
        else:
            assert a[key] == b[key], key


def test_compaction_keeps_every_run_of_a_model_sweep_and_reads_the_same(tmp_path, monkeypatch):
    """A model sweep with trajectories, compacted into parts of at most 100 rows (several
    parts): every reader gives the same table before and after, and no run file is left."""
    data = {"name": "tiny", "base": str(ROOT / "scenarios" / "tax_break.toml"), "seeds": 2,
            "steps": 3, "trajectories": True, "fixed": {"model.firm_scale": 0.1},
            "indicators": ["tech_exports", "investment"], "countries": ["JOINT", "AZ"],
            "vary": {"model.selectivity": [0.2, 0.5, 0.8]}}
    out = tmp_path / "s"
    run_sweep(sweep_from_dict(data), out, workers=1)
    before = everything(out, trajectories=True)
    assert files_in(out / "runs") == (6, 0) and files_in(out / "trajectories") == (6, 0)
    monkeypatch.setattr(store_parts, "PART_ROWS", 10)  # runs: 4 rows; trajectories: 16
    assert compact_store(out) == 6
    runs, parts = files_in(out / "runs")
    assert runs == 0 and parts == 3
    assert files_in(out / "trajectories") == (0, 6)
    assert_same(before, everything(out, trajectories=True))
    assert compact_store(out) == 0  # nothing left to move


def test_a_sweep_compacts_as_it_goes_and_when_it_ends(tmp_path, monkeypatch):
    """Every COMPACT_EVERY runs written and at the end (COMPACT_MIN run files or more) the
    runner compacts; the store then reads exactly as one that was never compacted."""
    BROKEN.clear()
    plain = tmp_path / "plain"
    run_sweep(formula_sweep(20, 3), plain, workers=1, sync=False)
    assert files_in(plain / "runs") == (60, 0)
    monkeypatch.setattr(sweep_runner, "COMPACT_EVERY", 25)
    monkeypatch.setattr(sweep_runner, "COMPACT_MIN", 5)
    compacted = tmp_path / "compacted"
    summary = run_sweep(formula_sweep(20, 3), compacted, workers=1, sync=False)
    assert summary.ran == 60
    assert files_in(compacted / "runs") == (0, 3)  # at 25 and 50 runs, then the last 10
    assert_same(everything(plain), everything(compacted))
    # a store with fewer run files than COMPACT_MIN is left as written
    monkeypatch.setattr(sweep_runner, "COMPACT_MIN", 100)
    small = tmp_path / "small"
    run_sweep(formula_sweep(4, 2), small, workers=1, sync=False)
    assert files_in(small / "runs") == (8, 0)


def test_resume_failures_retries_and_replacing_work_on_a_compacted_store(tmp_path):
    """A sweep interrupted after 10 runs and compacted resumes with only the runs it lacks;
    recorded failures are not rerun unless asked, and a retry that succeeds joins the runs
    (a run file beside the parts) and leaves the failures; --force replaces the parts too."""
    BROKEN.clear()
    BROKEN.update({3, 7})
    reference = tmp_path / "reference"
    run_sweep(formula_sweep(), reference, workers=1, sync=False)

    def stop_after_ten(record, summary):
        if summary.ran + summary.failed == 10:
            raise KeyboardInterrupt

    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(formula_sweep(), out, workers=1, sync=False, on_record=stop_after_ten)
    assert compact_store(out) == 9  # 10 runs written, one of them (k = 3) a failure
    resumed = run_sweep(formula_sweep(), out, workers=1, resume=True, sync=False)
    assert (resumed.before, resumed.ran, resumed.failed) == (10, 21, 5)
    compact_store(out)
    assert_same(everything(reference), everything(out))
    again = run_sweep(formula_sweep(), out, workers=1, resume=True, sync=False)
    assert (again.before, again.ran, again.failed) == (36, 0, 0)
    BROKEN.clear()  # fixed: the retried failures now succeed
    retried = run_sweep(formula_sweep(), out, workers=1, resume=True, retry_failed=True,
                        sync=False)
    assert (retried.ran, retried.failed, retried.failures) == (6, 0, 0)
    assert files_in(out / "runs") == (6, 2)
    results = load_results(out)
    assert len(results.drop_duplicates(["sample", "seed"])) == 36 == len(results) / 2
    assert load_failures(out).empty
    replaced = run_sweep(formula_sweep(4, 1), out, workers=1, force=True, sync=False)
    assert replaced.ran == 4 and files_in(out / "runs") == (4, 0)
    assert len(load_runs(out)) == 4


def test_a_compaction_cut_short_counts_no_run_twice(tmp_path):
    """Killed after writing a part but before deleting its run files: readers take each run
    once, and the next compaction deletes the leftover files."""
    BROKEN.clear()
    out = tmp_path / "s"
    run_sweep(formula_sweep(5, 2), out, workers=1, sync=False)
    before = everything(out)
    aside = tmp_path / "aside"
    shutil.copytree(out / "runs", aside)
    compact_store(out)
    for leftover in sorted(aside.iterdir())[:6]:  # as if the deletions stopped part-way
        shutil.copy2(leftover, out / "runs" / leftover.name)
    assert files_in(out / "runs") == (6, 1)
    assert_same(before, everything(out))
    assert compact_store(out) == 0
    assert files_in(out / "runs") == (0, 1)
    assert_same(before, everything(out))
