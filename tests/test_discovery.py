"""Scenario discovery (``clustersim discover``): on a store whose outcome fails exactly in a
known box of its inputs, PRIM finds that box, with its coverage and density, and the command
writes the report, the tables and the plots; bad requests end in one clear line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import assert_usage_error, run_cli

from sim.experiments.discovery import discover
from sim.experiments.sweep import sweep_from_dict
from sim.experiments.sweep_runner import run_sweep

#: Where ``y`` fails (below 0.5): x1 < 0.3 and x2 > 0.6; ``z`` fails (above 0.5) where x3 > 0.7.
Y_BOX = {"x1": (None, 0.3), "x2": (0.6, None)}
TOLERANCE = 0.05
PNG = b"\x89PNG\r\n\x1a\n"


def box_outcomes(point: dict, seed: int) -> dict:
    """``y`` is 0 inside Y_BOX and 1 outside, ``z`` 1 where x3 > 0.7 and 0 elsewhere, each
    with a little seed noise (averaged away over the seeds); ``w`` is 0 where x1 < 0.5 and 1
    elsewhere, except at a pseudo-random third of the points (set by the digits of x3), where
    it is the other way round."""
    inside = point["x1"] < 0.3 and point["x2"] > 0.6
    noise = 0.01 * (seed - 0.5)
    flipped = int(point["x3"] * 1e6) % 3 == 0
    return {"y": (0.0 if inside else 1.0) + noise,
            "z": (1.0 if point["x3"] > 0.7 else 0.0) + noise,
            "w": 0.0 if (point["x1"] < 0.5) != flipped else 1.0}


@pytest.fixture(scope="module")
def box_store(tmp_path_factory) -> Path:
    """400 points of a Latin hypercube over x1, x2, x3 in [0, 1], 2 seeds each, written by the
    sweep runner into its store."""
    sweep = sweep_from_dict({"name": "box", "seeds": 2,
                             "design": {"method": "lhs", "samples": 400, "seed": 3},
                             "vary": {x: {"low": 0.0, "high": 1.0} for x in ("x1", "x2", "x3")}},
                            evaluate=box_outcomes)
    out = tmp_path_factory.mktemp("discovery") / "store"
    assert run_sweep(sweep, out, workers=1, sync=False).ran == 800
    return out


@pytest.fixture(scope="module")
def y_report(box_store, tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("report") / "y"
    code, stdout, stderr = run_cli(["discover", str(box_store), "--outcome", "y", "--below",
                                    "0.5", "--out", str(out)])
    assert code == 0, stderr
    return out, stdout


def test_discover_finds_the_box_where_the_outcome_fails(y_report):
    """Box 1 restricts x1 from above near 0.3 and x2 from below near 0.6 (within 0.05), leaves
    x3 alone, holds (nearly) every failing case and is mostly failing cases."""
    out, stdout = y_report
    boxes = pd.read_csv(out / "boxes.csv")
    first = boxes[boxes["box"] == 1].set_index("input")
    assert first.loc["x1", "restricted"] == "high"
    assert first.loc["x1", "high"] == pytest.approx(0.3, abs=TOLERANCE)
    assert first.loc["x2", "restricted"] == "low"
    assert first.loc["x2", "low"] == pytest.approx(0.6, abs=TOLERANCE)
    assert pd.isna(first.loc["x3", "restricted"]) or first.loc["x3", "restricted"] == ""
    coverage, density = first["coverage"].iloc[0], first["density"].iloc[0]
    assert coverage >= 0.95 and density >= 0.8
    assert "box 1 (coverage" in stdout and "restricts x1, x2" in stdout
    # the failing cases are those of the box: about 0.3 x 0.4 of the 400 points
    assert first["failing"].iloc[0] == pytest.approx(0.12 * 400, rel=0.2)


def test_the_report_has_the_limits_the_statistics_the_command_and_the_plots(y_report,
                                                                             box_store):
    out, _ = y_report
    text = (out / "discovery.md").read_text()
    assert f"`clustersim discover {box_store} --outcome y --below 0.5 --min-density 0.8" in text
    assert "cases fail" in text and "| box | coverage | density | mass |" in text
    x1 = next(line for line in text.splitlines() if line.startswith("| `x1` |"))
    assert "**0.3" in x1 or "**0.2" in x1  # the restricted upper limit, in bold
    trajectory = pd.read_csv(out / "trajectory.csv")
    assert trajectory["chosen"].sum() == 1 and len(trajectory) > 10
    assert trajectory["density"].iloc[-1] > trajectory["density"].iloc[0]  # peeling sharpens
    for name in ("peeling_trajectory.png", "boxes.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG) and len(data) > 5000, name
    assert (out / "provenance.json").is_file()


def test_above_finds_where_an_outcome_is_high(box_store, tmp_path):
    code, _, stderr = run_cli(["discover", str(box_store), "--outcome", "z", "--above", "0.5",
                               "--out", str(tmp_path / "z")])
    assert code == 0, stderr
    first = pd.read_csv(tmp_path / "z" / "boxes.csv").query("box == 1").set_index("input")
    assert first.loc["x3", "restricted"] == "low"
    assert first.loc["x3", "low"] == pytest.approx(0.7, abs=TOLERANCE)
    assert set(first.index[first["restricted"].fillna("") != ""]) == {"x3"}


def test_limits_that_only_fit_the_noise_are_lifted(box_store):
    """With a third of the labels of ``w`` flipped, PRIM's box also restricts the inputs that
    do not matter (and the lower side of x1); lifting the limits whose quasi-p-value is above
    0.05, one side at a time, leaves x1 < 0.5 alone."""
    kept = discover(box_store, "w", 0.5, max_quasi_p=1.0, max_boxes=1).boxes[0]
    assert set(kept.restricted) > {"x1"} and not kept.dropped
    lifted = discover(box_store, "w", 0.5, max_boxes=1).boxes[0]
    assert lifted.restricted == ["x1"] and "x1 lower limit" in lifted.dropped
    assert lifted.limits.loc["x1", "restricted"] == "high"
    assert lifted.limits.loc["x1", "high"] == pytest.approx(0.5, abs=TOLERANCE)
    assert lifted.coverage > kept.coverage


@pytest.mark.parametrize(("args", "fragments"), [
    (["--outcome", "y", "--below", "0.5"], ["no-store", "no such folder"]),
    (["--outcome", "JOINT.tech_exports", "--below", "0.5"],
     ["no outcome 'JOINT.tech_exports'", "the store has y, z, w"]),
    (["--outcome", "y", "--below", "0.5", "--peel-alpha", "0.9"],
     ["--peel-alpha", "expected a number in (0, 0.5]"]),
    (["--outcome", "y"], ["one of the arguments --below --above is required"]),
    (["--outcome", "y", "--below", "nan"], ["--below", "expected a finite number"]),
])
def test_bad_requests_end_in_one_line_and_exit_2(box_store, tmp_path, args, fragments):
    store = tmp_path / "no-store" if "no such folder" in fragments else box_store
    out = tmp_path / "out"
    code, _, stderr = run_cli(["discover", str(store), *args, "--out", str(out)])
    assert_usage_error(code, stderr, fragments)
    assert not out.exists()


def test_a_folder_that_is_not_a_store_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, stderr = run_cli(["discover", str(tmp_path / "empty"), "--outcome", "y",
                               "--below", "1", "--out", str(tmp_path / "out")])
    assert_usage_error(code, stderr, ["not a sweep store"])


@pytest.mark.parametrize(("threshold", "fragment"), [("-1", "no case has y < -1"),
                                                     ("5", "every case has y < 5")])
def test_a_threshold_no_case_or_every_case_fails_exits_1(box_store, tmp_path, threshold,
                                                          fragment):
    out = tmp_path / "out"
    code, _, stderr = run_cli(["discover", str(box_store), "--outcome", "y", "--below",
                               threshold, "--out", str(out)])
    assert code == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "range over the 400 points" in lines[0]
    assert "Traceback" not in stderr and not out.exists()


def test_an_existing_report_is_replaced_only_with_force(y_report, box_store):
    out, _ = y_report
    before = (out / "discovery.md").read_bytes()
    argv = ["discover", str(box_store), "--outcome", "z", "--above", "0.5", "--out", str(out)]
    code, _, stderr = run_cli(argv)
    assert_usage_error(code, stderr, [str(out), "not empty", "--force"])
    assert (out / "discovery.md").read_bytes() == before


def test_discover_writes_its_report_in_the_language_asked_for(box_store, tmp_path):
    out = tmp_path / "ru"
    code, _, stderr = run_cli(["discover", str(box_store), "--outcome", "y", "--below", "0.5",
                               "--out", str(out), "--lang", "ru"])
    assert code == 0, stderr
    md = (out / "discovery.md").read_text()
    assert md.startswith("# Поиск сценариев: где") and "Scenario discovery" not in md
